/*
 * fuzz_p0f_sig.c - frame bytes -> XDP parser -> p0f signature -> rendering,
 * and the same bytes taken as a raw record.  Checks the rendered length and
 * termination, and that both bug modes stay within bounds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "p0f/sig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void render(const struct huginn_syn_rec *rec)
{
	struct p0f_sig s;
	char buf[P0F_SIG_STR_MAX], small[24];
	unsigned flags;

	for (flags = 0; flags < 2; flags++) {
		int n, m;

		if (p0f_sig_from_rec(rec, flags, &s) < 0)
			continue;
		if (s.opt_cnt > P0F_SIG_MAX_OPT)
			abort();
		n = p0f_sig_render(&s, buf, sizeof(buf));
		if (n < 0 || (size_t)n != strlen(buf))
			abort();
		m = p0f_sig_render(&s, small, sizeof(small));
		if ((n < (int)sizeof(small)) != (m == n) || strlen(small) >= sizeof(small))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct huginn_syn_rec rec;
	uint8_t *copy = malloc(size ? size : 1);

	if (!copy)
		return 0;
	/* An exact-size copy lets ASan catch any read past the frame. */
	memcpy(copy, data, size);
	memset(&rec, 0, sizeof(rec));
	if (huginn_parse_frame(copy, copy + size, &rec) == HUGINN_PARSE_SYN)
		render(&rec);
	memset(&rec, 0, sizeof(rec));
	if (huginn_parse_ip(copy, copy + size, &rec) == HUGINN_PARSE_SYN)
		render(&rec);
	free(copy);
	if (size >= sizeof(rec)) {
		memcpy(&rec, data, sizeof(rec));
		render(&rec);
	}
	return 0;
}
