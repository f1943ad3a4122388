/*
 * v1.c - the human-readable PROXY header (proxy-protocol.txt 2.1), read strictly.
 *
 * The reader walks the line field by field and stops at the first byte that cannot belong
 * there (PP_ERROR, as early as possible, which 2.1 recommends) or at the end of the input
 * (PP_NEED_MORE).  Only the first PP_V1_MAX bytes are ever looked at: a line without its
 * CRLF by then is too long (2.1: "not found in the first 107 characters").
 * Whole fields (addresses, ports) are checked once their separator is seen.
 */
#include <netinet/in.h>
#include <string.h>

#include "pp/pp.h"

/* A cursor over the first min(len, PP_V1_MAX) bytes. */
struct v1 {
	const unsigned char *b;
	size_t n;    /* bytes we may look at */
	size_t full; /* bytes the caller has */
	size_t i;
	struct pp_hdr *h;
};

static int v1_fail(struct v1 *c, size_t off, const char *field)
{
	c->h->err_off = off;
	c->h->err = field;
	return PP_ERROR;
}

/* Out of input: more may come, unless the line is already as long as it may be. */
static int v1_more(struct v1 *c)
{
	if (c->full >= PP_V1_MAX)
		return v1_fail(c, PP_V1_MAX, "v1 line length");
	return PP_NEED_MORE;
}

static int v1_dec(unsigned char ch)
{
	return ch >= '0' && ch <= '9';
}

static int v1_hex(unsigned char ch)
{
	if (v1_dec(ch))
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/*
 * A decimal number 0..max without leading zeros (2.1 forbids them for IPv4 parts and
 * ports: no octal confusion), exactly the n bytes at s.  Returns the value or -1.
 */
static long v1_number(const unsigned char *s, size_t n, long max)
{
	long v = 0;
	size_t i;

	if (!n || n > 5 || (s[0] == '0' && n > 1))
		return -1;
	for (i = 0; i < n; i++) {
		if (!v1_dec(s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v <= max ? v : -1;
}

/* Exactly four numbers 0-255 joined by single dots (2.1). */
static int v1_ipv4(const unsigned char *s, size_t n, unsigned char out[4])
{
	size_t i = 0, part;
	long v;

	for (part = 0; part < 4; part++) {
		size_t st = i;

		while (i < n && s[i] != '.')
			i++;
		v = v1_number(s + st, i - st, 255);
		if (v < 0)
			return -1;
		out[part] = (unsigned char)v;
		if (part < 3) {
			if (i == n)
				return -1;
			i++; /* the dot */
		}
	}
	return i == n ? 0 : -1;
}

/*
 * IPv6 text (2.1: groups of hex digits, one "::" for a run of zeros, 128 bits in all);
 * also the dotted-quad tail of RFC 4291 2.2 form 3, which inet_ntop() writes for mapped
 * addresses and so real senders emit.  Groups of 1-4 digits: 2.1's "sets of 4" is the
 * uncompressed form, senders print RFC 5952 text with leading zeros dropped.
 */
static int v1_ipv6(const unsigned char *s, size_t n, unsigned char out[16])
{
	unsigned g[8];
	int ng = 0, gap = -1, k;
	size_t i = 0;

	if (n >= 2 && s[0] == ':' && s[1] == ':') {
		gap = 0;
		i = 2;
	} else if (n && s[0] == ':') {
		return -1;
	}
	while (i < n) {
		size_t st = i;
		unsigned v = 0;
		int d = 0;

		while (i < n && v1_hex(s[i]) >= 0 && d < 5) {
			v = v * 16 + (unsigned)v1_hex(s[i]);
			i++;
			d++;
		}
		if (i < n && s[i] == '.') {
			unsigned char q[4];

			if (ng > 6 || v1_ipv4(s + st, n - st, q))
				return -1;
			g[ng++] = (unsigned)q[0] << 8 | q[1];
			g[ng++] = (unsigned)q[2] << 8 | q[3];
			i = n;
			break;
		}
		if (d == 0 || d > 4 || ng == 8)
			return -1;
		g[ng++] = v;
		if (i == n)
			break;
		if (s[i] != ':')
			return -1;
		i++;
		if (i < n && s[i] == ':') {
			if (gap >= 0)
				return -1;
			gap = ng;
			i++;
		} else if (i == n) {
			return -1; /* a single trailing colon */
		}
	}
	/* "::" stands for at least one zero group (RFC 4291 2.2 form 2) */
	if (gap < 0 ? ng != 8 : ng > 7)
		return -1;
	memset(out, 0, 16);
	for (k = 0; k < ng; k++) {
		int at = gap < 0 || k < gap ? k : 8 - ng + k;

		out[2 * at] = (unsigned char)(g[k] >> 8);
		out[2 * at + 1] = (unsigned char)g[k];
	}
	return 0;
}

/* The byte at the cursor must be ch. */
static int v1_expect(struct v1 *c, unsigned char ch, const char *field)
{
	if (c->i >= c->n)
		return v1_more(c);
	if (c->b[c->i] != ch)
		return v1_fail(c, c->i, field);
	c->i++;
	return 0;
}

/*
 * A field made of bytes from set (a predicate), at most max of them, ended by the byte
 * end (not consumed).  Sets *st and *len.  Errors name the field: a byte outside the set
 * where the end should be, an empty or overlong field.
 */
static int v1_field(struct v1 *c, int (*set)(unsigned char), size_t max, unsigned char end,
		    const char *field, size_t *st, size_t *len)
{
	*st = c->i;
	while (c->i < c->n && set(c->b[c->i])) {
		if (c->i - *st >= max)
			return v1_fail(c, c->i, field);
		c->i++;
	}
	if (c->i >= c->n)
		return v1_more(c);
	if (c->b[c->i] != end || c->i == *st)
		return v1_fail(c, c->i, field);
	*len = c->i - *st;
	return 0;
}

static int v1_set4(unsigned char ch)
{
	return v1_dec(ch) || ch == '.';
}

static int v1_set6(unsigned char ch)
{
	return v1_hex(ch) >= 0 || ch == ':' || ch == '.';
}

/* An address of family fam then its separator, written into ss. */
static int v1_addr(struct v1 *c, int fam, const char *field, struct sockaddr_storage *ss)
{
	size_t st, n;
	int rc;

	memset(ss, 0, sizeof(*ss));
	if (fam == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;

		/* 15 = "255.255.255.255" (2.1) */
		rc = v1_field(c, v1_set4, 15, ' ', field, &st, &n);
		if (rc)
			return rc;
		if (v1_ipv4(c->b + st, n, (unsigned char *)&a->sin_addr))
			return v1_fail(c, st, field);
		a->sin_family = AF_INET;
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		/* 45 = six groups of 4 and a dotted quad: "ffff:...:ffff:255.255.255.255" */
		rc = v1_field(c, v1_set6, 45, ' ', field, &st, &n);
		if (rc)
			return rc;
		if (v1_ipv6(c->b + st, n, a->sin6_addr.s6_addr))
			return v1_fail(c, st, field);
		a->sin6_family = AF_INET6;
	}
	c->i++; /* the space */
	return 0;
}

static int v1_port(struct v1 *c, unsigned char end, const char *field, struct sockaddr_storage *ss)
{
	size_t st, n;
	long v;
	int rc = v1_field(c, v1_dec, 5, end, field, &st, &n);

	if (rc)
		return rc;
	v = v1_number(c->b + st, n, 65535);
	if (v < 0)
		return v1_fail(c, st, field);
	/* sin_port and sin6_port sit at the same offset */
	((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)v);
	c->i++;
	return 0;
}

/* "UNKNOWN": anything but CR and LF up to the CRLF is ignored (2.1). */
static int v1_unknown(struct v1 *c)
{
	for (; c->i < c->n; c->i++) {
		unsigned char ch = c->b[c->i];

		if (ch == '\n')
			return v1_fail(c, c->i, "v1 line end");
		if (ch != '\r')
			continue;
		if (c->i + 1 >= c->n)
			return v1_more(c);
		if (c->b[c->i + 1] != '\n')
			return v1_fail(c, c->i, "v1 line end");
		return (int)(c->i + 2);
	}
	return v1_more(c);
}

static int v1_upper(unsigned char ch)
{
	return (ch >= 'A' && ch <= 'Z') || v1_dec(ch);
}

int pp_v1_parse(const unsigned char *buf, size_t len, struct pp_hdr *h)
{
	static const char *const protos[] = {"TCP4", "TCP6", "UNKNOWN"};
	struct v1 c = {buf, len < PP_V1_MAX ? len : PP_V1_MAX, len, 0, h};
	size_t k, st, n;
	int fam, rc;

	memset(h, 0, sizeof(*h));
	if (memcmp(buf, "PROXY", len < 5 ? len : 5))
		return PP_NOT_PROXY;
	if (len < 5)
		return PP_NEED_MORE;
	h->version = 1;
	c.i = 5;
	rc = v1_expect(&c, ' ', "v1 separator");
	if (rc)
		return rc;

	/* the protocol: a prefix of one of the three names is worth waiting for */
	st = c.i;
	while (c.i < c.n && v1_upper(c.b[c.i]) && c.i - st < 7)
		c.i++;
	n = c.i - st;
	for (k = 0; k < 3; k++)
		if (strlen(protos[k]) >= n && !memcmp(protos[k], c.b + st, n))
			break;
	if (k == 3)
		return v1_fail(&c, st, "v1 protocol");
	if (c.i >= c.n)
		return v1_more(&c);
	if (n != strlen(protos[k]))
		return v1_fail(&c, st, "v1 protocol");
	if (k == 2) {
		/* "PROXY UNKNOWN" CRLF, or a space and anything (2.1) */
		if (c.b[c.i] != ' ' && c.b[c.i] != '\r')
			return v1_fail(&c, c.i, "v1 protocol");
		h->command = PP_CMD_LOCAL;
		h->fam = PP_FAM_UNSPEC;
		return v1_unknown(&c);
	}
	rc = v1_expect(&c, ' ', "v1 separator");
	if (rc)
		return rc;
	fam = k == 0 ? AF_INET : AF_INET6;
	if ((rc = v1_addr(&c, fam, "v1 source address", &h->src)) ||
	    (rc = v1_addr(&c, fam, "v1 destination address", &h->dst)) ||
	    (rc = v1_port(&c, ' ', "v1 source port", &h->src)) ||
	    (rc = v1_port(&c, '\r', "v1 destination port", &h->dst)))
		return rc;
	/* a bare CR must not end the line (2.1) */
	rc = v1_expect(&c, '\n', "v1 line end");
	if (rc)
		return rc;
	h->command = PP_CMD_PROXY;
	h->fam = k == 0 ? PP_FAM_TCP4 : PP_FAM_TCP6;
	return (int)c.i;
}
