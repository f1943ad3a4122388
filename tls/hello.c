/*
 * hello.c - TLS ClientHello record reassembly, parsing and preamble skipping (hello.h).
 *
 * Every read is checked against the end of its enclosing vector first; a vector's
 * declared length must match its contents exactly.  Stateless: the record reader
 * rescans the stream on each call (at most a few tens of KiB, once per read()).
 */
#include "tls/hello.h"

#include <string.h>

static int rd_fail(struct tls_hello_rd *rd, int rc, size_t off, const char *what)
{
	rd->err = what;
	rd->err_off = off;
	return rc;
}

static int rd_more(struct tls_hello_rd *rd, size_t need)
{
	rd->need = need;
	return TLS_HELLO_NEED_MORE;
}

int tls_hello_read(const uint8_t *in, size_t len, uint8_t *msg, size_t msg_cap,
		   struct tls_hello_rd *rd)
{
	uint8_t hdr[4];
	size_t off = 0, got = 0, body = 0; /* got counts handshake bytes, header included */

	memset(rd, 0, sizeof(*rd));
	if (len < 1)
		return rd_more(rd, 1);
	/* Not a handshake record, or not SSL 3 / TLS framing (SSL 2.0 hellos start 0x80). */
	if (in[0] != TLS_REC_HANDSHAKE)
		return TLS_HELLO_NOT_TLS;
	if (len < 2)
		return rd_more(rd, 2);
	if (in[1] != 3)
		return TLS_HELLO_NOT_TLS;

	for (;;) {
		size_t rlen, frag, end, i;
		uint16_t ver;

		if (len - off < 5) {
			/* Check the header bytes we have, so garbage fails early. */
			if (off < len && in[off] != TLS_REC_HANDSHAKE)
				return rd_fail(rd, TLS_HELLO_ERROR, off, "record: content type");
			if (off + 1 < len && in[off + 1] != 3)
				return rd_fail(rd, TLS_HELLO_ERROR, off + 1, "record: version");
			return rd_more(rd, off + 5);
		}
		if (in[off] != TLS_REC_HANDSHAKE)
			return rd_fail(rd, TLS_HELLO_ERROR, off, "record: content type");
		ver = (uint16_t)(in[off + 1] << 8 | in[off + 2]);
		if (ver < 0x0300 || ver > 0x0303)
			return rd_fail(rd, TLS_HELLO_ERROR, off + 1, "record: version");
		rlen = (size_t)in[off + 3] << 8 | in[off + 4];
		if (rlen == 0)
			return rd_fail(rd, TLS_HELLO_ERROR, off + 3, "record: zero length");
		if (rlen > TLS_REC_MAX)
			return rd_fail(rd, TLS_HELLO_ERROR, off + 3, "record: length over 2^14");
		if (rd->n_records == 0)
			rd->rec_version = ver;
		frag = off + 5;
		end = frag + rlen;
		for (i = frag; i < end && i < len; i++) {
			if (got < 4) {
				hdr[got++] = in[i];
				if (got == 1 && hdr[0] != TLS_HS_CLIENT_HELLO)
					return rd_fail(rd, TLS_HELLO_ERROR, i,
						       "handshake: not a client_hello");
				if (got < 4)
					continue;
				body = (size_t)hdr[1] << 16 | (size_t)hdr[2] << 8 | hdr[3];
				if (body > msg_cap)
					return rd_fail(
					    rd, TLS_HELLO_TOO_LARGE, i - 2,
					    "handshake: client_hello over the size limit");
				if (body == 0)
					return rd_fail(rd, TLS_HELLO_ERROR, i - 2,
						       "handshake: empty client_hello");
				continue;
			}
			msg[got - 4] = in[i];
			got++;
			if (got - 4 == body) {
				/* The hello is complete: its record must end here too. */
				if (i + 1 != end)
					return rd_fail(rd, TLS_HELLO_ERROR, i + 1,
						       "record: data after the client_hello");
				rd->n_records++;
				rd->msg_len = body;
				return (int)end;
			}
		}
		if (end > len)
			return rd_more(rd, end);
		rd->n_records++;
		off = end;
	}
}

/* A bounded reader over one vector of the hello. */
struct cur {
	const uint8_t *p;
	size_t off, end; /* offsets in the message */
};

static int need(const struct cur *c, size_t n)
{
	return c->end - c->off >= n;
}

static unsigned get8(struct cur *c)
{
	return c->p[c->off++];
}

static unsigned get16(struct cur *c)
{
	unsigned v = (unsigned)c->p[c->off] << 8 | c->p[c->off + 1];

	c->off += 2;
	return v;
}

static int fail(struct tls_hello *h, int rc, size_t off, const char *what)
{
	h->err = what;
	h->err_off = off;
	return rc;
}

/* RFC 6066 3 HostName: LDH labels (plus '_', seen in the wild), no empty label. */
static int sni_name_ok(const uint8_t *s, size_t n)
{
	size_t i, label = 0;

	if (n < 1 || n > 255)
		return 0;
	for (i = 0; i < n; i++) {
		uint8_t ch = s[i];

		if (ch == '.') {
			if (label == 0)
				return 0; /* leading dot or ".." */
			label = 0;
			continue;
		}
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '-' || ch == '_'))
			return 0;
		if (++label > 63)
			return 0;
	}
	return label != 0; /* no trailing dot */
}

/* server_name extension body (RFC 6066 3). */
static int parse_sni(struct tls_hello *h, struct cur e)
{
	struct cur l;
	size_t n;

	if (!need(&e, 2))
		return fail(h, TLS_HELLO_ERROR, e.off, "server_name: truncated list length");
	n = get16(&e);
	if (n == 0 || n != e.end - e.off)
		return fail(h, TLS_HELLO_ERROR, e.off - 2, "server_name: list length");
	l = e;
	while (l.off < l.end) {
		size_t at = l.off;
		unsigned type;

		if (!need(&l, 3))
			return fail(h, TLS_HELLO_ERROR, at, "server_name: truncated entry");
		type = get8(&l);
		n = get16(&l);
		if (type != 0)
			return fail(h, TLS_HELLO_ERROR, at, "server_name: name type");
		if (h->sni)
			return fail(h, TLS_HELLO_ERROR, at, "server_name: second host_name");
		if (!need(&l, n))
			return fail(h, TLS_HELLO_ERROR, at + 1, "server_name: host_name length");
		if (!sni_name_ok(l.p + l.off, n))
			return fail(h, TLS_HELLO_ERROR, l.off, "server_name: host_name syntax");
		h->sni = (const char *)(l.p + l.off);
		h->sni_len = (uint16_t)n;
		l.off += n;
	}
	return 0;
}

/* application_layer_protocol_negotiation extension body (RFC 7301 3.1). */
static int parse_alpn(struct tls_hello *h, struct cur e)
{
	size_t n;

	if (!need(&e, 2))
		return fail(h, TLS_HELLO_ERROR, e.off, "alpn: truncated list length");
	n = get16(&e);
	if (n < 2 || n != e.end - e.off)
		return fail(h, TLS_HELLO_ERROR, e.off - 2, "alpn: list length");
	h->alpn = e.p + e.off;
	h->alpn_len = (uint16_t)n;
	while (e.off < e.end) {
		n = get8(&e);
		if (n == 0)
			return fail(h, TLS_HELLO_ERROR, e.off - 1, "alpn: empty protocol name");
		if (!need(&e, n))
			return fail(h, TLS_HELLO_ERROR, e.off - 1, "alpn: protocol name length");
		e.off += n;
		h->n_alpn++;
	}
	return 0;
}

/* supported_versions extension body, ClientHello form (RFC 8446 4.2.1). */
static int parse_versions(struct tls_hello *h, struct cur e)
{
	size_t n;

	if (!need(&e, 1))
		return fail(h, TLS_HELLO_ERROR, e.off, "supported_versions: truncated");
	n = get8(&e);
	if (n < 2 || n % 2 || n != e.end - e.off)
		return fail(h, TLS_HELLO_ERROR, e.off - 1, "supported_versions: length");
	h->versions = e.p + e.off;
	h->n_versions = (uint8_t)(n / 2);
	return 0;
}

/* signature_algorithms extension body (RFC 8446 4.2.3). */
static int parse_sigalgs(struct tls_hello *h, struct cur e)
{
	size_t n;

	if (!need(&e, 2))
		return fail(h, TLS_HELLO_ERROR, e.off, "signature_algorithms: truncated");
	n = get16(&e);
	if (n < 2 || n % 2 || n != e.end - e.off)
		return fail(h, TLS_HELLO_ERROR, e.off - 2, "signature_algorithms: length");
	if (n / 2 > TLS_HELLO_MAX_SIGALGS)
		return fail(h, TLS_HELLO_TOO_LARGE, e.off - 2, "signature_algorithms: too many");
	h->sigalgs = e.p + e.off;
	h->n_sigalgs = (uint16_t)(n / 2);
	return 0;
}

static int parse_extensions(struct tls_hello *h, struct cur c)
{
	size_t n, i;

	if (!need(&c, 2))
		return fail(h, TLS_HELLO_ERROR, c.off, "extensions: truncated length");
	n = get16(&c);
	if (n != c.end - c.off)
		return fail(h, TLS_HELLO_ERROR, c.off - 2, "extensions: length");
	h->has_ext_block = 1;
	while (c.off < c.end) {
		size_t at = c.off;
		unsigned type;
		struct cur e;
		int rc = 0;

		if (!need(&c, 4))
			return fail(h, TLS_HELLO_ERROR, at, "extension: truncated header");
		type = get16(&c);
		n = get16(&c);
		if (!need(&c, n))
			return fail(h, TLS_HELLO_ERROR, at + 2, "extension: length");
		if (h->n_ext == TLS_HELLO_MAX_EXTS)
			return fail(h, TLS_HELLO_TOO_LARGE, at, "extensions: too many");
		for (i = 0; i < h->n_ext; i++)
			if (h->ext_types[i] == type)
				return fail(h, TLS_HELLO_ERROR, at, "extension: duplicate type");
		/* RFC 8446 4.2.11: pre_shared_key must be the last extension. */
		if (h->n_ext && h->ext_types[h->n_ext - 1] == TLS_EXT_PRE_SHARED_KEY)
			return fail(h, TLS_HELLO_ERROR, at, "pre_shared_key: not last");
		h->ext_types[h->n_ext++] = (uint16_t)type;
		e.p = c.p;
		e.off = c.off;
		e.end = c.off + n;
		switch (type) {
		case TLS_EXT_SERVER_NAME:
			h->has_sni = 1;
			rc = parse_sni(h, e);
			break;
		case TLS_EXT_ALPN:
			h->has_alpn = 1;
			rc = parse_alpn(h, e);
			break;
		case TLS_EXT_SUPPORTED_VERSIONS:
			h->has_versions = 1;
			rc = parse_versions(h, e);
			break;
		case TLS_EXT_SIGNATURE_ALGORITHMS:
			h->has_sigalgs = 1;
			rc = parse_sigalgs(h, e);
			break;
		default:
			break;
		}
		if (rc)
			return rc;
		c.off += n;
	}
	return 0;
}

int tls_hello_parse(const uint8_t *msg, size_t len, struct tls_hello *h)
{
	struct cur c = {msg, 0, len};
	size_t n, i;

	memset(h, 0, sizeof(*h));
	if (!need(&c, 2))
		return fail(h, TLS_HELLO_ERROR, c.off, "legacy_version: truncated");
	h->legacy_version = (uint16_t)get16(&c);
	if (h->legacy_version >> 8 != 3)
		return fail(h, TLS_HELLO_ERROR, 0, "legacy_version: not 3.x");
	if (!need(&c, 32))
		return fail(h, TLS_HELLO_ERROR, c.off, "random: truncated");
	h->random = msg + c.off;
	c.off += 32;

	if (!need(&c, 1))
		return fail(h, TLS_HELLO_ERROR, c.off, "legacy_session_id: truncated length");
	n = get8(&c);
	if (n > 32)
		return fail(h, TLS_HELLO_ERROR, c.off - 1, "legacy_session_id: over 32 bytes");
	if (!need(&c, n))
		return fail(h, TLS_HELLO_ERROR, c.off - 1, "legacy_session_id: length");
	h->session_id = msg + c.off;
	h->session_id_len = (uint8_t)n;
	c.off += n;

	if (!need(&c, 2))
		return fail(h, TLS_HELLO_ERROR, c.off, "cipher_suites: truncated length");
	n = get16(&c);
	if (n < 2 || n % 2)
		return fail(h, TLS_HELLO_ERROR, c.off - 2, "cipher_suites: length");
	if (!need(&c, n))
		return fail(h, TLS_HELLO_ERROR, c.off - 2, "cipher_suites: length");
	if (n / 2 > TLS_HELLO_MAX_CIPHERS)
		return fail(h, TLS_HELLO_TOO_LARGE, c.off - 2, "cipher_suites: too many");
	h->ciphers = msg + c.off;
	h->n_ciphers = (uint16_t)(n / 2);
	c.off += n;

	if (!need(&c, 1))
		return fail(h, TLS_HELLO_ERROR, c.off, "legacy_compression_methods: truncated");
	n = get8(&c);
	if (n < 1 || !need(&c, n))
		return fail(h, TLS_HELLO_ERROR, c.off - 1, "legacy_compression_methods: length");
	h->compression = msg + c.off;
	h->n_compression = (uint8_t)n;
	for (i = 0; i < n && msg[c.off + i] != 0; i++)
		;
	if (i == n)
		return fail(h, TLS_HELLO_ERROR, c.off, "legacy_compression_methods: no null");
	c.off += n;

	/* RFC 5246 7.4.1.2: a hello may end here, without an extensions field. */
	if (c.off == c.end)
		return 0;
	return parse_extensions(h, c);
}

/* SOCKS4/4a request (client side): 4, 1, port(2), ipv4(4), userid NUL [, host NUL]. */
static int find_socks4(const uint8_t *in, size_t len)
{
	size_t off = 8, i, strings;

	if (len < 2)
		return TLS_HELLO_NEED_MORE;
	if (in[1] != 1)
		return TLS_HELLO_NOT_TLS;
	if (len < 8)
		return TLS_HELLO_NEED_MORE;
	/* 4a: address 0.0.0.x, x != 0, means a host name follows the user id. */
	strings = (in[4] == 0 && in[5] == 0 && in[6] == 0 && in[7] != 0) ? 2 : 1;
	for (i = 0; i < strings; i++) {
		while (off < len && off < TLS_HELLO_PREAMBLE_MAX && in[off] != 0)
			off++;
		if (off >= TLS_HELLO_PREAMBLE_MAX)
			return TLS_HELLO_NOT_TLS;
		if (off >= len)
			return TLS_HELLO_NEED_MORE;
		off++; /* the NUL */
	}
	return (int)off;
}

/* SOCKS5 (RFC 1928) greeting, optional RFC 1929 authentication, CONNECT request. */
static int find_socks5(const uint8_t *in, size_t len)
{
	size_t off, n;

	if (len < 2)
		return TLS_HELLO_NEED_MORE;
	if (in[1] == 0)
		return TLS_HELLO_NOT_TLS; /* no methods offered */
	off = 2 + (size_t)in[1];
	if (len < off + 1)
		return TLS_HELLO_NEED_MORE;
	if (in[off] == 1) { /* RFC 1929: 1, ulen, user, plen, password */
		if (len < off + 2)
			return TLS_HELLO_NEED_MORE;
		off += 2 + (size_t)in[off + 1];
		if (len < off + 1)
			return TLS_HELLO_NEED_MORE;
		off += 1 + (size_t)in[off];
		if (len < off + 1)
			return TLS_HELLO_NEED_MORE;
	}
	if (in[off] != 5)
		return TLS_HELLO_NOT_TLS;
	if (len < off + 4)
		return TLS_HELLO_NEED_MORE;
	if (in[off + 1] != 1 || in[off + 2] != 0)
		return TLS_HELLO_NOT_TLS; /* only CONNECT carries a TLS stream */
	switch (in[off + 3]) {
	case 1:
		n = 4;
		break;
	case 4:
		n = 16;
		break;
	case 3:
		if (len < off + 5)
			return TLS_HELLO_NEED_MORE;
		n = 1 + (size_t)in[off + 4];
		break;
	default:
		return TLS_HELLO_NOT_TLS;
	}
	off += 4 + n + 2;
	if (len < off)
		return TLS_HELLO_NEED_MORE;
	return (int)off;
}

/* "CONNECT " request head up to and including the first CRLF CRLF. */
static int find_connect(const uint8_t *in, size_t len)
{
	static const char verb[] = "CONNECT ";
	size_t i, lim = len < TLS_HELLO_PREAMBLE_MAX ? len : TLS_HELLO_PREAMBLE_MAX;

	if (memcmp(in, verb, len < 8 ? len : 8) != 0)
		return TLS_HELLO_NOT_TLS;
	for (i = 8; i + 4 <= lim; i++)
		if (memcmp(in + i, "\r\n\r\n", 4) == 0)
			return (int)(i + 4);
	return len >= TLS_HELLO_PREAMBLE_MAX ? TLS_HELLO_NOT_TLS : TLS_HELLO_NEED_MORE;
}

int tls_hello_find(const uint8_t *in, size_t len)
{
	int off;

	if (len < 1)
		return TLS_HELLO_NEED_MORE;
	switch (in[0]) {
	case TLS_REC_HANDSHAKE:
		return 0;
	case 4:
		off = find_socks4(in, len);
		break;
	case 5:
		off = find_socks5(in, len);
		break;
	case 'C':
		off = find_connect(in, len);
		break;
	default:
		return TLS_HELLO_NOT_TLS;
	}
	if (off < 0)
		return off;
	if (off > TLS_HELLO_PREAMBLE_MAX)
		return TLS_HELLO_NOT_TLS;
	if ((size_t)off >= len)
		return TLS_HELLO_NEED_MORE;
	return in[off] == TLS_REC_HANDSHAKE ? off : TLS_HELLO_NOT_TLS;
}
