/*
 * fuzz_pp.c - libFuzzer target for pp/ (PROXY protocol v1/v2).  The input is the first
 * bytes of a connection.  Beyond "never crash" it checks the contracts: a verdict from the
 * documented set; a header length within the input and the version's limit; every slice
 * inside the header and free of control bytes; shorter inputs need more, the header alone
 * gives the same length; a decoded PROXY header re-encoded by pp_v2_* decodes to the same
 * addresses and TLVs; the encoder, fed the input as TLVs, stays inside its buffer and
 * writes what the decoder reads back.
 */
#include <stdint.h>
#include <stdlib.h>
#include <netinet/in.h>
#include <string.h>

#include "pp/pp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c))                                                                          \
			__builtin_trap();                                                          \
	} while (0)

static void slice_ok(struct pp_slice s, const unsigned char *buf, int rc)
{
	size_t i;

	if (!s.p) {
		CHECK(s.n == 0);
		return;
	}
	CHECK(s.n > 0 && s.p >= buf && s.p + s.n <= buf + rc);
	for (i = 0; i < s.n; i++)
		CHECK(s.p[i] >= 0x20 && s.p[i] != 0x7f);
}

static int slice_eq(struct pp_slice a, struct pp_slice b)
{
	return a.n == b.n && (!a.n || !memcmp(a.p, b.p, a.n));
}

static int addr_eq(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return 0;
	if (a->ss_family == AF_INET)
		return !memcmp(a, b, sizeof(struct sockaddr_in));
	if (a->ss_family == AF_INET6)
		return !memcmp(a, b, sizeof(struct sockaddr_in6));
	return 1;
}

/* Re-encode what was decoded; the copy must decode to the same thing. */
static void round_trip(const struct pp_hdr *h)
{
	static unsigned char out[PP_V2_MAX];
	struct pp_v2_enc e;
	struct pp_hdr h2;
	int n;

	pp_v2_begin(&e, out, sizeof(out), PP_CMD_PROXY, &h->src, &h->dst);
	pp_v2_add_tlv(&e, PP2_TYPE_AUTHORITY, h->authority.p, h->authority.n);
	pp_v2_add_tlv(&e, PP_TLV_P0F, h->p0f.p, h->p0f.n);
	pp_v2_add_tlv(&e, PP_TLV_P0F_OS, h->p0f_os.p, h->p0f_os.n);
	pp_v2_add_tlv(&e, PP_TLV_JA4, h->ja4.p, h->ja4.n);
	pp_v2_add_tlv(&e, PP_TLV_JA4_R, h->ja4_r.p, h->ja4_r.n);
	if (h->has_crc32c)
		pp_v2_add_crc32c(&e);
	n = pp_v2_finish(&e);
	CHECK(n > 0);
	CHECK(pp_parse(out, (size_t)n, 0, &h2) == n);
	CHECK(h2.command == PP_CMD_PROXY && h2.has_crc32c == h->has_crc32c);
	CHECK(addr_eq(&h->src, &h2.src) && addr_eq(&h->dst, &h2.dst));
	CHECK(slice_eq(h->authority, h2.authority) && slice_eq(h->p0f, h2.p0f) &&
	      slice_eq(h->p0f_os, h2.p0f_os) && slice_eq(h->ja4, h2.ja4) &&
	      slice_eq(h->ja4_r, h2.ja4_r));
}

/* The input as a list of TLVs (type byte, length byte, value) into a small buffer. */
static void encode(const uint8_t *d, size_t n)
{
	unsigned char out[300];
	struct sockaddr_storage s, t;
	struct pp_v2_enc e;
	struct pp_hdr h;
	size_t i = 0, cap = n ? 16 + d[0] : 16;
	int rc;

	memset(&s, 0, sizeof(s));
	memset(&t, 0, sizeof(t));
	s.ss_family = AF_INET;
	t.ss_family = n > 1 && (d[1] & 1) ? AF_INET6 : AF_INET;
	if (cap > sizeof(out))
		cap = sizeof(out);
	memset(out, 0xa5, sizeof(out));
	pp_v2_begin(&e, out, cap, n > 2 && (d[2] & 1) ? PP_CMD_LOCAL : PP_CMD_PROXY, &s, &t);
	for (i = 3; i + 2 <= n;) {
		size_t len = d[i + 1];

		if (len > n - i - 2)
			len = n - i - 2;
		if (d[i] == 0xff)
			pp_v2_add_crc32c(&e);
		else if (d[i] != PP2_TYPE_CRC32C)
			pp_v2_add_tlv(&e, d[i], d + i + 2, len);
		i += 2 + len;
	}
	rc = pp_v2_finish(&e);
	for (i = cap; i < sizeof(out); i++)
		CHECK(out[i] == 0xa5); /* nothing written past cap */
	if (rc < 0)
		return;
	CHECK((size_t)rc <= cap);
	/* what we wrote is a whole header: the decoder may dislike a TLV value, no more */
	rc = pp_parse(out, (size_t)rc, 0, &h) == rc ? 0 : pp_parse(out, (size_t)rc, 0, &h);
	CHECK(rc == 0 || rc == PP_ERROR);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pp_hdr h, h2;
	unsigned char *buf;
	size_t max = 0;
	int rc;

	/* an exact-size heap copy, so ASan sees any read past the end */
	buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	if (size && (data[size - 1] & 0x80))
		max = 16 + data[size - 1];

	rc = pp_parse(buf, size, max, &h);
	CHECK(rc > 0 || rc == PP_ERROR || rc == PP_NEED_MORE || rc == PP_NOT_PROXY);
	if (rc == PP_ERROR)
		CHECK(h.err && h.err_off <= size);
	if (rc > 0) {
		CHECK((size_t)rc <= size);
		CHECK(h.version == 1 ? rc <= PP_V1_MAX : rc <= (int)(max ? max : PP_V2_MAX));
		slice_ok(h.authority, buf, rc);
		slice_ok(h.p0f, buf, rc);
		slice_ok(h.p0f_os, buf, rc);
		slice_ok(h.ja4, buf, rc);
		slice_ok(h.ja4_r, buf, rc);
		/* the header alone: same verdict; shorter: need more */
		CHECK(pp_parse(buf, (size_t)rc, max, &h2) == rc);
		CHECK(pp_parse(buf, (size_t)rc - 1, max, &h2) == PP_NEED_MORE);
		CHECK(pp_parse(buf, (size_t)rc / 2, max, &h2) == PP_NEED_MORE);
		if (h.command == PP_CMD_PROXY &&
		    (h.src.ss_family == AF_INET || h.src.ss_family == AF_INET6))
			round_trip(&h);
	}
	encode(data, size);
	free(buf);
	return 0;
}
