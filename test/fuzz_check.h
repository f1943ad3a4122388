/*
 * fuzz_check.h - what the libFuzzer targets under test/fuzz/ share: the entry point's
 * prototype (-Wmissing-prototypes) and CHECK, which stops the run where a contract
 * beyond "no crash" is broken (libFuzzer saves the input as a crash).
 */
#ifndef HUGINN_TEST_FUZZ_CHECK_H
#define HUGINN_TEST_FUZZ_CHECK_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The failed condition and its line go to stderr first: the crash report alone has no
 * line for a trap in the target. */
#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c)) {                                                                        \
			fprintf(stderr, "CHECK failed: %s:%d: %s\n", __FILE__, __LINE__, #c);      \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

#endif
