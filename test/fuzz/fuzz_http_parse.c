/*
 * fuzz_http_parse.c - libFuzzer target for http/parse.c.  The first byte picks the parser
 * (request, response, chunked decoder) and its options, the rest is the input.  Beyond
 * "never crash" it checks the contracts: consumed <= len, every slice inside the head,
 * every proper prefix of a parsed head says "need more" (one shot and with last_len), and
 * the chunked decoder gives the same verdict however its input is split.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/parse.h"
#include "test/fuzz_check.h"

static void in_head(struct http_slice s, const char *buf, int rc)
{
	if (!s.p)
		return;
	CHECK(s.p >= buf && s.p + s.n <= buf + rc);
}

static int req(const char *buf, size_t len, size_t last, const struct http_limits *lim, size_t maxh)
{
	struct http_header h[16];
	struct http_request r;
	size_t i;
	int rc;

	r.headers = h;
	r.max_headers = maxh;
	rc = http_parse_request(buf, len, last, &r, lim);
	CHECK(rc != 0 && rc >= -26);
	if (rc > 0) {
		CHECK((size_t)rc <= len && r.head_len == (size_t)rc && r.nheaders <= maxh);
		in_head(r.method, buf, rc);
		in_head(r.target, buf, rc);
		in_head(r.host, buf, rc);
		for (i = 0; i < r.nheaders; i++) {
			in_head(h[i].name, buf, rc);
			in_head(h[i].value, buf, rc);
		}
		CHECK(r.minor == 0 || r.minor == 1);
		CHECK(r.body_kind != HTTP_BODY_UNTIL_CLOSE);
	}
	return rc;
}

static int res(const char *buf, size_t len, size_t last, unsigned flags, size_t maxh)
{
	struct http_header h[16];
	struct http_response r;
	size_t i;
	int rc;

	r.headers = h;
	r.max_headers = maxh;
	rc = http_parse_response(buf, len, last, &r, NULL, flags);
	CHECK(rc != 0 && rc >= -26);
	if (rc > 0) {
		CHECK((size_t)rc <= len && r.nheaders <= maxh);
		in_head(r.reason, buf, rc);
		for (i = 0; i < r.nheaders; i++) {
			in_head(h[i].name, buf, rc);
			in_head(h[i].value, buf, rc);
		}
		CHECK(r.status >= 100 && r.status <= 599);
	}
	return rc;
}

/* Whole input through the decoder in pieces of `step` (0 = at once); returns the verdict. */
static long chunked(const char *buf, size_t len, size_t step, uint64_t max, uint64_t *total)
{
	struct http_chunked c;
	struct http_slice d;
	size_t off = 0;
	uint64_t sum = 0;

	http_chunked_init(&c, max);
	while (off < len && !c.done) {
		size_t avail = step && len - off > step ? step : len - off;
		long k = http_chunked_parse(&c, buf + off, avail, &d);

		if (k < 0)
			return k;
		CHECK(k > 0 && (size_t)k <= avail);
		if (d.n)
			CHECK(d.p >= buf + off && d.p + d.n == buf + off + k);
		sum += d.n;
		off += (size_t)k;
	}
	CHECK(sum == c.total);
	CHECK(!max || c.total <= max);
	*total = sum;
	return c.done ? (long)off : -1000 - (long)off;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_limits lim = {0, 0, 0, 0};
	const char *buf;
	char *copy;
	size_t len, k;
	uint8_t sel;
	int rc;

	if (size < 1)
		return 0;
	sel = data[0];
	/* an exact-size heap copy, so ASan sees any read past the end */
	len = size - 1;
	copy = len ? malloc(len) : NULL;
	if (len && !copy)
		return 0;
	if (len)
		memcpy(copy, data + 1, len);
	buf = copy;
	k = len ? (sel * 131u + len * 7u) % len : 0; /* a prefix length */

	switch (sel % 3) {
	case 0:
		if (sel & 0x08) {
			lim.max_line = 64;
			lim.max_head = 256;
			lim.max_body = 1000;
		}
		lim.flags = sel & 0x10 ? HTTP_LIM_HOST_OPTIONAL : 0;
		rc = req(buf, len, 0, &lim, sel & 0x20 ? 2 : 16);
		if (rc > 0) {
			CHECK(req(buf, k < (size_t)rc ? k : 0, 0, &lim, sel & 0x20 ? 2 : 16) ==
			      HTTP_NEED_MORE);
			if (k && k < (size_t)rc && req(buf, k, 0, &lim, 16) == HTTP_NEED_MORE)
				CHECK(req(buf, len, k, &lim, 16) == rc || (sel & 0x20));
		}
		break;
	case 1:
		rc = res(buf, len, 0, (sel >> 2) & 3, sel & 0x20 ? 2 : 16);
		if (rc > 0) {
			CHECK(res(buf, k < (size_t)rc ? k : 0, 0, (sel >> 2) & 3, 16) ==
			      HTTP_NEED_MORE);
			if (k && k < (size_t)rc)
				CHECK(res(buf, len, k, (sel >> 2) & 3, 16) == rc);
		}
		break;
	default: {
		uint64_t t1 = 0, t2 = 0, max = sel & 0x08 ? 100 : 0;
		long a = chunked(buf, len, 0, max, &t1);
		long b = chunked(buf, len, (sel >> 4) + 1, max, &t2);

		CHECK(a == b);
		if (a >= 0)
			CHECK(t1 == t2);
		break;
	}
	}
	free(copy);
	return 0;
}
