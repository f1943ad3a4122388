/*
 * fuzz_check.h - what the libFuzzer targets under test/fuzz/ share: the entry point's
 * prototype (-Wmissing-prototypes) and CHECK, which stops the run where a contract
 * beyond "no crash" is broken (libFuzzer saves the input as a crash).
 */
#ifndef HUGINN_TEST_FUZZ_CHECK_H
#define HUGINN_TEST_FUZZ_CHECK_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c))                                                                          \
			__builtin_trap();                                                          \
	} while (0)

#endif
