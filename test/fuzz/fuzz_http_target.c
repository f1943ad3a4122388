/*
 * fuzz_http_target.c - libFuzzer target for http/target.c: any bytes as an origin-form or
 * absolute-form target (the first byte picks), normalised in place.  The result is never
 * longer than the input, an origin-form result starts with '/', its path holds no dot
 * segment, and normalising it again changes nothing.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/parse.h"
#include "http/target.h"
#include "test/fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int form;
	size_t n, pe = 0;
	char *t, *u;
	long r, r2;

	if (size < 1)
		return 0;
	form = data[0] & 1 ? HTTP_TARGET_ABSOLUTE : HTTP_TARGET_ORIGIN;
	n = size - 1;
	t = malloc(n ? n : 1);
	u = malloc(n ? n : 1);
	CHECK(t && u);
	memcpy(t, data + 1, n);
	r = http_target_normalize(t, n, form, NULL);
	CHECK(r == -EINVAL || (r >= 0 && (size_t)r <= n));
	if (r > 0) {
		if (form == HTTP_TARGET_ORIGIN && n && data[1] == '/') {
			CHECK(t[0] == '/');
			while (pe < (size_t)r && t[pe] != '?')
				pe++;
			CHECK(!http_target_has_dot_segment(t, pe));
		}
		memcpy(u, t, (size_t)r);
		r2 = http_target_normalize(u, (size_t)r, form, NULL);
		CHECK(r2 == r && !memcmp(u, t, (size_t)r));
	}
	free(t);
	free(u);
	return 0;
}
