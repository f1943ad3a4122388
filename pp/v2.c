/*
 * v2.c - the binary PROXY header (proxy-protocol.txt 2.2): the encoder huginn's
 * passthrough listeners send, and a strict reader.
 *
 * Layout (2.2): 12-byte signature, ver_cmd (version 2 in the high nibble, command in the
 * low one), fam (address family high, transport low), a big-endian 16-bit length of what
 * follows; then the address block of the family (IPv4: 4+4+2+2 bytes, IPv6: 16+16+2+2,
 * AF_UNIX: 108+108, UNSPEC: none); then TLVs (type, big-endian 16-bit length, value) up
 * to exactly 16 + length.
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "pp/crc32c.h"
#include "pp/pp.h"

/* ---- encoder ---------------------------------------------------------------------- */

static int enc_fail(struct pp_v2_enc *e, int err)
{
	if (!e->err)
		e->err = err;
	return e->err;
}

static void put16(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

/* The IPv6 form of an AF_INET or AF_INET6 address and its port (network order). */
static int enc_v6(const struct sockaddr_storage *ss, unsigned char addr[16], unsigned char port[2])
{
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;

		memcpy(addr, a->sin6_addr.s6_addr, 16);
		memcpy(port, &a->sin6_port, 2);
		return 0;
	}
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)ss;

		/* ::ffff:a.b.c.d, RFC 4291 2.5.5.2 */
		memset(addr, 0, 10);
		addr[10] = addr[11] = 0xff;
		memcpy(addr + 12, &a->sin_addr, 4);
		memcpy(port, &a->sin_port, 2);
		return 0;
	}
	return -EAFNOSUPPORT;
}

int pp_v2_begin(struct pp_v2_enc *e, void *buf, size_t cap, int cmd,
		const struct sockaddr_storage *src, const struct sockaddr_storage *dst)
{
	unsigned char *p = buf;

	memset(e, 0, sizeof(*e));
	e->buf = p;
	e->cap = cap;
	if (cmd != PP_CMD_LOCAL && cmd != PP_CMD_PROXY)
		return enc_fail(e, -EINVAL);
	if (cmd == PP_CMD_PROXY && (!src || !dst))
		return enc_fail(e, -EINVAL);
	if (cap < PP_V2_HDR)
		return enc_fail(e, -ENOSPC);
	memcpy(p, PP_V2_SIG, PP_V2_SIG_LEN);
	p[12] = (unsigned char)(0x20 | cmd);
	p[13] = PP_FAM_UNSPEC;
	put16(p + 14, 0);
	e->len = PP_V2_HDR;
	if (cmd == PP_CMD_LOCAL)
		return 0; /* no address block for LOCAL (2.2, the length field) */

	if (src->ss_family == AF_INET && dst->ss_family == AF_INET) {
		const struct sockaddr_in *s = (const struct sockaddr_in *)src;
		const struct sockaddr_in *d = (const struct sockaddr_in *)dst;

		if (cap < PP_V2_HDR + 12)
			return enc_fail(e, -ENOSPC);
		p[13] = PP_FAM_TCP4;
		memcpy(p + 16, &s->sin_addr, 4);
		memcpy(p + 20, &d->sin_addr, 4);
		memcpy(p + 24, &s->sin_port, 2);
		memcpy(p + 26, &d->sin_port, 2);
		e->len += 12;
		return 0;
	}
	if (cap < PP_V2_HDR + 36)
		return enc_fail(e, -ENOSPC);
	if (enc_v6(src, p + 16, p + 48) || enc_v6(dst, p + 32, p + 50))
		return enc_fail(e, -EAFNOSUPPORT);
	p[13] = PP_FAM_TCP6;
	e->len += 36;
	return 0;
}

/* Room for a TLV with a value of n bytes, in the buffer and in the length field. */
static int enc_room(struct pp_v2_enc *e, size_t n)
{
	if (n > 65535 || e->cap - e->len < 3 + n || e->len - PP_V2_HDR + 3 + n > 65535)
		return enc_fail(e, -ENOSPC);
	return 0;
}

int pp_v2_add_tlv(struct pp_v2_enc *e, uint8_t type, const void *val, size_t len)
{
	if (e->err)
		return e->err;
	if (type == PP2_TYPE_CRC32C || (len && !val))
		return enc_fail(e, -EINVAL);
	if (!len)
		return 0; /* absent, never empty */
	if (enc_room(e, len))
		return e->err;
	e->buf[e->len] = type;
	put16(e->buf + e->len + 1, (unsigned)len);
	memcpy(e->buf + e->len + 3, val, len);
	e->len += 3 + len;
	return 0;
}

int pp_v2_add_tlv_str(struct pp_v2_enc *e, uint8_t type, const char *s)
{
	return pp_v2_add_tlv(e, type, s, s ? strlen(s) : 0);
}

int pp_v2_add_crc32c(struct pp_v2_enc *e)
{
	if (e->err)
		return e->err;
	if (e->crc_off)
		return enc_fail(e, -EEXIST);
	if (enc_room(e, 4))
		return e->err;
	e->buf[e->len] = PP2_TYPE_CRC32C;
	put16(e->buf + e->len + 1, 4);
	memset(e->buf + e->len + 3, 0, 4); /* zero while summing (2.2.3) */
	e->crc_off = e->len + 3;
	e->len += 7;
	return 0;
}

int pp_v2_finish(struct pp_v2_enc *e)
{
	if (e->err)
		return e->err;
	put16(e->buf + 14, (unsigned)(e->len - PP_V2_HDR));
	if (e->crc_off) {
		uint32_t crc = pp_crc32c(0, e->buf, e->len);

		/* network order, as the receivers we test against read it */
		e->buf[e->crc_off] = (unsigned char)(crc >> 24);
		e->buf[e->crc_off + 1] = (unsigned char)(crc >> 16);
		e->buf[e->crc_off + 2] = (unsigned char)(crc >> 8);
		e->buf[e->crc_off + 3] = (unsigned char)crc;
	}
	return (int)e->len;
}

/* ---- decoder ---------------------------------------------------------------------- */

static int dec_fail(struct pp_hdr *h, size_t off, const char *field)
{
	h->err_off = off;
	h->err = field;
	return PP_ERROR;
}

static unsigned get16(const unsigned char *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

/* Address block size of a valid family byte (2.2), -1 for an invalid one. */
static long dec_addr_len(unsigned fam)
{
	switch (fam) {
	case PP_FAM_UNSPEC:
		return 0;
	case PP_FAM_TCP4:
	case PP_FAM_UDP4:
		return 12;
	case PP_FAM_TCP6:
	case PP_FAM_UDP6:
		return 36;
	case PP_FAM_UNIX_STREAM:
	case PP_FAM_UNIX_DGRAM:
		return 216;
	}
	return -1;
}

static void dec_addrs(const unsigned char *a, unsigned fam, struct pp_hdr *h)
{
	if (fam == PP_FAM_TCP4 || fam == PP_FAM_UDP4) {
		struct sockaddr_in *s = (struct sockaddr_in *)&h->src;
		struct sockaddr_in *d = (struct sockaddr_in *)&h->dst;

		s->sin_family = d->sin_family = AF_INET;
		memcpy(&s->sin_addr, a, 4);
		memcpy(&d->sin_addr, a + 4, 4);
		memcpy(&s->sin_port, a + 8, 2);
		memcpy(&d->sin_port, a + 10, 2);
	} else if (fam == PP_FAM_TCP6 || fam == PP_FAM_UDP6) {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)&h->src;
		struct sockaddr_in6 *d = (struct sockaddr_in6 *)&h->dst;

		s->sin6_family = d->sin6_family = AF_INET6;
		memcpy(s->sin6_addr.s6_addr, a, 16);
		memcpy(d->sin6_addr.s6_addr, a + 16, 16);
		memcpy(&s->sin6_port, a + 32, 2);
		memcpy(&d->sin6_port, a + 34, 2);
	}
}

/* The TLVs whose values we hand out, and the field each error names. */
struct dec_tlv {
	uint8_t type;
	const char *name;
	size_t slot; /* offset of the pp_slice in struct pp_hdr */
	int space_ok;
};

static const struct dec_tlv dec_tlvs[] = {
    {PP2_TYPE_AUTHORITY, "v2 authority", offsetof(struct pp_hdr, authority), 0},
    {PP_TLV_P0F, "v2 p0f (0xe0)", offsetof(struct pp_hdr, p0f), 1},
    {PP_TLV_P0F_OS, "v2 p0f os (0xe1)", offsetof(struct pp_hdr, p0f_os), 1},
    {PP_TLV_JA4, "v2 ja4 (0xe2)", offsetof(struct pp_hdr, ja4), 1},
    {PP_TLV_JA4_R, "v2 ja4_r (0xe3)", offsetof(struct pp_hdr, ja4_r), 1},
};

/* Sub-TLVs of PP2_TYPE_SSL (2.2.6): after client (1 byte) and verify (4), each inside. */
static int dec_ssl(const unsigned char *b, size_t off, size_t n, struct pp_hdr *h)
{
	size_t end = off + n;

	if (n < 5)
		return dec_fail(h, off, "v2 ssl length");
	for (off += 5; off < end;) {
		if (end - off < 3)
			return dec_fail(h, off, "v2 ssl sub-tlv");
		if (get16(b + off + 1) > end - off - 3)
			return dec_fail(h, off + 1, "v2 ssl sub-tlv length");
		off += 3 + get16(b + off + 1);
	}
	return 0;
}

static int dec_tlvs_walk(const unsigned char *b, size_t off, size_t end, struct pp_hdr *h,
			 size_t *crc_off)
{
	unsigned seen = 0;
	size_t k, j;

	while (off < end) {
		unsigned t, n;

		if (end - off < 3)
			return dec_fail(h, off, "v2 tlv header");
		t = b[off];
		n = get16(b + off + 1);
		if (n > end - off - 3)
			return dec_fail(h, off + 1, "v2 tlv length");
		switch (t) {
		case PP2_TYPE_CRC32C:
			if (*crc_off)
				return dec_fail(h, off, "v2 duplicate tlv");
			if (n != 4)
				return dec_fail(h, off + 1, "v2 crc32c length");
			*crc_off = off + 3;
			break;
		case PP2_TYPE_SSL:
			if (dec_ssl(b, off + 3, n, h))
				return PP_ERROR;
			break;
		case PP2_TYPE_UNIQUE_ID:
			if (n > 128) /* 2.2.5 */
				return dec_fail(h, off + 1, "v2 unique id length");
			break;
		}
		for (k = 0; k < sizeof(dec_tlvs) / sizeof(dec_tlvs[0]); k++) {
			const struct dec_tlv *d = &dec_tlvs[k];
			struct pp_slice *s;

			if (d->type != t)
				continue;
			if (seen & 1u << k)
				return dec_fail(h, off, "v2 duplicate tlv");
			seen |= 1u << k;
			for (j = 0; j < n; j++) {
				unsigned char ch = b[off + 3 + j];

				if (ch < 0x20 || ch == 0x7f || (ch == ' ' && !d->space_ok))
					return dec_fail(h, off + 3 + j, d->name);
			}
			s = (struct pp_slice *)((char *)h + d->slot);
			if (n) {
				s->p = b + off + 3;
				s->n = n;
			}
		}
		off += 3 + n;
	}
	return 0;
}

int pp_v2_parse(const unsigned char *buf, size_t len, size_t max_len, struct pp_hdr *h)
{
	static const unsigned char zero[4];
	size_t total, crc_off = 0;
	long alen;
	int rc;

	memset(h, 0, sizeof(*h));
	if (memcmp(buf, PP_V2_SIG, len < PP_V2_SIG_LEN ? len : PP_V2_SIG_LEN))
		return PP_NOT_PROXY;
	if (len <= PP_V2_SIG_LEN)
		return PP_NEED_MORE;
	h->version = 2;
	/* each field is judged as soon as it is there */
	if (buf[12] >> 4 != 2)
		return dec_fail(h, 12, "v2 version");
	if ((buf[12] & 15) > PP_CMD_PROXY)
		return dec_fail(h, 12, "v2 command");
	h->command = buf[12] & 15;
	if (len < 14)
		return PP_NEED_MORE;
	alen = dec_addr_len(buf[13]);
	if (alen < 0)
		return dec_fail(h, 13, "v2 family");
	h->fam = buf[13];
	if (len < PP_V2_HDR)
		return PP_NEED_MORE;
	total = PP_V2_HDR + get16(buf + 14);
	if (!max_len || max_len > PP_V2_MAX)
		max_len = PP_V2_MAX;
	if (total > max_len)
		return dec_fail(h, 14, "v2 length");
	/* Receivers must skip by the length field (2.2); one shorter than the family's
	 * addresses is a lie we do not try to make sense of. */
	if (total < PP_V2_HDR + (size_t)alen)
		return dec_fail(h, 14, "v2 length");
	if (len < total)
		return PP_NEED_MORE;

	rc = dec_tlvs_walk(buf, PP_V2_HDR + (size_t)alen, total, h, &crc_off);
	if (rc)
		return rc;
	if (crc_off) {
		/* 2.2.3: the sum of the whole header with the checksum field zeroed */
		uint32_t want = (uint32_t)get16(buf + crc_off) << 16 | get16(buf + crc_off + 2);
		uint32_t crc = pp_crc32c(0, buf, crc_off);

		crc = pp_crc32c(crc, zero, 4);
		crc = pp_crc32c(crc, buf + crc_off + 4, total - crc_off - 4);
		if (crc != want)
			return dec_fail(h, crc_off, "v2 crc32c");
		h->has_crc32c = 1;
	}
	/* LOCAL: the real endpoints apply and the address block is ignored (2.2) */
	if (h->command == PP_CMD_PROXY)
		dec_addrs(buf + PP_V2_HDR, (unsigned)h->fam, h);
	return (int)total;
}
