/*
 * parse.c - strict HTTP/1.x head parser (see parse.h for the rules; the chunked decoder
 * is in chunked.c).
 *
 * One forward pass over the bytes, character classes from one constant table, framing
 * fields checked the moment their line is complete so that bad framing is refused as
 * early as possible.  Every scan is bounded by the caller's length and by the limits:
 * the parser never looks at buf[len] or beyond.
 */
#include <limits.h>
#include <string.h>

#include "http/parse.h"

/* Character classes (bits of cls[]). */
#define C_TCHAR 0x01 /* RFC 9110 5.6.2 token character */
#define C_VCHAR 0x02 /* 0x21-0x7e: request-target bytes */
#define C_FVAL 0x04  /* field-value byte: VCHAR, obs-text, SP, HTAB */
#define C_DIGIT 0x08
#define C_HEX 0x10
#define C_HOST 0x20   /* uri-host / port bytes: unreserved, pct, sub-delims, ':', '[', ']' */
#define C_SCHEME 0x40 /* ALPHA DIGIT "+" "-" "." */
#define C_QDTEXT 0x80 /* quoted-string text: HTAB SP 0x21 0x23-0x5b 0x5d-0x7e obs-text */

/* clang-format off */
static const unsigned char cls[256] = {
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,	/* 0x00 */
	0x00, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,	/* 0x08 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,	/* 0x10 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,	/* 0x18 */
	0x84, 0xa7, 0x06, 0x87, 0xa7, 0xa7, 0xa7, 0xa7,	/* 0x20 */
	0xa6, 0xa6, 0xa7, 0xe7, 0xa6, 0xe7, 0xe7, 0x86,	/* 0x28 */
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,	/* 0x30 */
	0xff, 0xff, 0xa6, 0xa6, 0x86, 0xa6, 0x86, 0x86,	/* 0x38 */
	0x86, 0xf7, 0xf7, 0xf7, 0xf7, 0xf7, 0xf7, 0xe7,	/* 0x40 */
	0xe7, 0xe7, 0xe7, 0xe7, 0xe7, 0xe7, 0xe7, 0xe7,	/* 0x48 */
	0xe7, 0xe7, 0xe7, 0xe7, 0xe7, 0xe7, 0xe7, 0xe7,	/* 0x50 */
	0xe7, 0xe7, 0xe7, 0xa6, 0x06, 0xa6, 0x87, 0xa7,	/* 0x58 */
	0x87, 0xf7, 0xf7, 0xf7, 0xf7, 0xf7, 0xf7, 0xe7,	/* 0x60 */
	0xe7, 0xe7, 0xe7, 0xe7, 0xe7, 0xe7, 0xe7, 0xe7,	/* 0x68 */
	0xe7, 0xe7, 0xe7, 0xe7, 0xe7, 0xe7, 0xe7, 0xe7,	/* 0x70 */
	0xe7, 0xe7, 0xe7, 0x86, 0x87, 0x86, 0xa7, 0x00,	/* 0x78 */
	0x84, 0x84, 0x84, 0x84, 0x84, 0x84, 0x84, 0x84,	/* 0x80 */
	0x84, 0x84, 0x84, 0x84, 0x84, 0x84, 0x84, 0x84,	/* 0x88 */
	0x84, 0x84, 0x84, 0x84, 0x84, 0x84, 0x84, 0x84,	/* 0x90 */
	0x84, 0x84, 0x84, 0x84, 0x84, 0x84, 0x84, 0x84,	/* 0x98 */
	0x84, 0x84, 0x84, 0x84, 0x84, 0x84, 0x84, 0x84,	/* 0xa0 */
	0x84, 0x84, 0x84, 0x84, 0x84, 0x84, 0x84, 0x84,	/* 0xa8 */
	0x84, 0x84, 0x84, 0x84, 0x84, 0x84, 0x84, 0x84,	/* 0xb0 */
	0x84, 0x84, 0x84, 0x84, 0x84, 0x84, 0x84, 0x84,	/* 0xb8 */
	0x84, 0x84, 0x84, 0x84, 0x84, 0x84, 0x84, 0x84,	/* 0xc0 */
	0x84, 0x84, 0x84, 0x84, 0x84, 0x84, 0x84, 0x84,	/* 0xc8 */
	0x84, 0x84, 0x84, 0x84, 0x84, 0x84, 0x84, 0x84,	/* 0xd0 */
	0x84, 0x84, 0x84, 0x84, 0x84, 0x84, 0x84, 0x84,	/* 0xd8 */
	0x84, 0x84, 0x84, 0x84, 0x84, 0x84, 0x84, 0x84,	/* 0xe0 */
	0x84, 0x84, 0x84, 0x84, 0x84, 0x84, 0x84, 0x84,	/* 0xe8 */
	0x84, 0x84, 0x84, 0x84, 0x84, 0x84, 0x84, 0x84,	/* 0xf0 */
	0x84, 0x84, 0x84, 0x84, 0x84, 0x84, 0x84, 0x84,	/* 0xf8 */
};
/* clang-format on */

#define IS(c, k) (cls[(unsigned char)(c)] & (k))

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* Registered request methods (case-sensitive, RFC 9110 9.1).  RTSP-only ones are absent. */
static const struct {
	const char *name;
	unsigned char len, id;
} methods[] = {
    /* clang-format off */
	{ "GET", 3, HTTP_M_GET },		{ "HEAD", 4, HTTP_M_HEAD },
	{ "POST", 4, HTTP_M_POST },		{ "PUT", 3, HTTP_M_PUT },
	{ "DELETE", 6, HTTP_M_DELETE },		{ "CONNECT", 7, HTTP_M_CONNECT },
	{ "OPTIONS", 7, HTTP_M_OPTIONS },	{ "TRACE", 5, HTTP_M_TRACE },
	{ "PATCH", 5, HTTP_M_PATCH },		{ "QUERY", 5, HTTP_M_QUERY },
	{ "ACL", 3, HTTP_M_OTHER },		{ "BASELINE-CONTROL", 16, HTTP_M_OTHER },
	{ "BIND", 4, HTTP_M_OTHER },		{ "CHECKIN", 7, HTTP_M_OTHER },
	{ "CHECKOUT", 8, HTTP_M_OTHER },	{ "COPY", 4, HTTP_M_OTHER },
	{ "LABEL", 5, HTTP_M_OTHER },		{ "LINK", 4, HTTP_M_OTHER },
	{ "LOCK", 4, HTTP_M_OTHER },		{ "MERGE", 5, HTTP_M_OTHER },
	{ "MKACTIVITY", 10, HTTP_M_OTHER },	{ "MKCALENDAR", 10, HTTP_M_OTHER },
	{ "MKCOL", 5, HTTP_M_OTHER },		{ "MKREDIRECTREF", 13, HTTP_M_OTHER },
	{ "MKWORKSPACE", 11, HTTP_M_OTHER },	{ "MOVE", 4, HTTP_M_OTHER },
	{ "ORDERPATCH", 10, HTTP_M_OTHER },	{ "PROPFIND", 8, HTTP_M_OTHER },
	{ "PROPPATCH", 9, HTTP_M_OTHER },	{ "REBIND", 6, HTTP_M_OTHER },
	{ "REPORT", 6, HTTP_M_OTHER },		{ "SEARCH", 6, HTTP_M_OTHER },
	{ "UNBIND", 6, HTTP_M_OTHER },		{ "UNCHECKOUT", 10, HTTP_M_OTHER },
	{ "UNLINK", 6, HTTP_M_OTHER },		{ "UNLOCK", 6, HTTP_M_OTHER },
	{ "UPDATE", 6, HTTP_M_OTHER },		{ "UPDATEREDIRECTREF", 17, HTTP_M_OTHER },
	{ "VERSION-CONTROL", 15, HTTP_M_OTHER },
	/* not in the IANA registry but common behind reverse proxies (caches, UPnP, Icecast) */
	{ "PURGE", 5, HTTP_M_OTHER },		{ "M-SEARCH", 8, HTTP_M_OTHER },
	{ "NOTIFY", 6, HTTP_M_OTHER },		{ "SUBSCRIBE", 9, HTTP_M_OTHER },
	{ "UNSUBSCRIBE", 11, HTTP_M_OTHER },	{ "SOURCE", 6, HTTP_M_OTHER },
    /* clang-format on */
};

static int method_id(const char *m, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (methods[i].len == n && memcmp(methods[i].name, m, n) == 0)
			return methods[i].id;
	return 0;
}

/* Field names the parser or the proxy engine acts on; lower case. */
static const struct {
	const char *name;
	unsigned char len, id;
} hdr_names[] = {
    {"host", 4, HTTP_H_HOST},
    {"content-length", 14, HTTP_H_CONTENT_LENGTH},
    {"transfer-encoding", 17, HTTP_H_TRANSFER_ENCODING},
    {"connection", 10, HTTP_H_CONNECTION},
    {"keep-alive", 10, HTTP_H_KEEP_ALIVE},
    {"proxy-connection", 16, HTTP_H_PROXY_CONNECTION},
    {"upgrade", 7, HTTP_H_UPGRADE},
    {"te", 2, HTTP_H_TE},
    {"trailer", 7, HTTP_H_TRAILER},
    {"expect", 6, HTTP_H_EXPECT},
    {"proxy-authenticate", 18, HTTP_H_PROXY_AUTHENTICATE},
    {"proxy-authorization", 19, HTTP_H_PROXY_AUTHORIZATION},
    {"x-forwarded-for", 15, HTTP_H_X_FORWARDED_FOR},
    {"x-forwarded-proto", 17, HTTP_H_X_FORWARDED_PROTO},
    {"x-forwarded-port", 16, HTTP_H_X_FORWARDED_PORT},
    {"x-forwarded-host", 16, HTTP_H_X_FORWARDED_HOST},
    {"forwarded", 9, HTTP_H_FORWARDED},
    {"via", 3, HTTP_H_VIA},
    {"server", 6, HTTP_H_SERVER},
    {"date", 4, HTTP_H_DATE},
    {"x-tcp-p0f", 9, HTTP_H_X_TCP_P0F},
};

static int eq_ci(const char *a, const char *lit, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (lower((unsigned char)a[i]) != (unsigned char)lit[i])
			return 0;
	return 1;
}

unsigned http_header_id(const char *name, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof(hdr_names) / sizeof(hdr_names[0]); i++)
		if (hdr_names[i].len == n && eq_ci(name, hdr_names[i].name, n))
			return hdr_names[i].id;
	if (n > 6 && eq_ci(name, "x-tcp-", 6))
		return HTTP_H_X_TCP_OTHER;
	return HTTP_H_OTHER;
}

int http_slice_eq_ci(struct http_slice s, const char *lit, size_t n)
{
	size_t i;

	if (s.n != n)
		return 0;
	for (i = 0; i < n; i++)
		if (lower((unsigned char)s.p[i]) != lower((unsigned char)lit[i]))
			return 0;
	return 1;
}

static int ows(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * Next element of a comma-separated list starting at *pos; OWS around it trimmed.
 * Returns 0 at the end of the list; empty elements come out with n == 0.
 */
static int list_next(struct http_slice v, size_t *pos, struct http_slice *el)
{
	size_t i = *pos, s, e;

	if (i > v.n)
		return 0;
	while (i < v.n && ows(v.p[i]))
		i++;
	s = i;
	while (i < v.n && v.p[i] != ',')
		i++;
	e = i;
	while (e > s && ows(v.p[e - 1]))
		e--;
	el->p = v.p + s;
	el->n = e - s;
	*pos = i + 1;
	return 1;
}

int http_list_has(struct http_slice v, const char *tok, size_t n)
{
	struct http_slice el;
	size_t pos = 0;

	while (list_next(v, &pos, &el))
		if (http_slice_eq_ci(el, tok, n))
			return 1;
	return 0;
}

/* Framing facts gathered from the field lines while they are parsed. */
struct facts {
	int is_req, minor;
	uint64_t max_body;
	unsigned cl_seen, te_seen, te_chunked, te_last_chunked, te_other, host_count;
	unsigned conn_close, conn_ka, conn_upgrade, conn_other, upgrade_hdr, expect;
	uint64_t cl;
	struct http_slice host;
};

/* Content-Length = 1*DIGIT, bounded so that the value cannot overflow. */
static int parse_cl(struct http_slice v, uint64_t *out)
{
	uint64_t x = 0;
	size_t i;

	if (v.n == 0 || v.n > HTTP_CL_MAX_DIGITS)
		return HTTP_E_CONTENT_LENGTH;
	for (i = 0; i < v.n; i++) {
		if (!IS(v.p[i], C_DIGIT))
			return HTTP_E_CONTENT_LENGTH;
		x = x * 10 + (uint64_t)(v.p[i] - '0');
	}
	*out = x;
	return 0;
}

/*
 * Transfer-Encoding list, accumulated over all its lines.  A request may only say
 * "chunked" (once, last); anything else is refused, with 400 where RFC 9112 6.3 says the
 * length cannot be determined and 501 for codings we simply do not implement.
 */
static int parse_te(struct facts *f, struct http_slice v)
{
	struct http_slice el;
	size_t pos = 0, i;

	if (v.n == 0)
		return HTTP_E_TRANSFER_ENCODING;
	while (list_next(v, &pos, &el)) {
		if (el.n == 0)
			return HTTP_E_TRANSFER_ENCODING;
		for (i = 0; i < el.n; i++)
			if (!IS(el.p[i], C_TCHAR)) /* also refuses parameters */
				return HTTP_E_TRANSFER_ENCODING;
		if (f->te_last_chunked && f->is_req)
			return HTTP_E_TRANSFER_ENCODING; /* chunked is not the final coding */
		if (http_slice_eq_ci(el, "chunked", 7)) {
			if (f->te_chunked)
				return HTTP_E_TRANSFER_ENCODING; /* RFC 9112 7: only once */
			f->te_chunked = 1;
			f->te_last_chunked = 1;
		} else {
			if (f->is_req)
				return HTTP_E_TE_UNSUPPORTED;
			f->te_other = 1;
			f->te_last_chunked = 0;
		}
	}
	return 0;
}

/* uri-host [ ":" port ]: reg-name, IPv4 or IP-literal characters; may be empty. */
static int host_ok(struct http_slice v)
{
	size_t i = 0;

	if (v.n && v.p[0] == '[') {
		while (i < v.n && v.p[i] != ']')
			i++;
		if (i == v.n)
			return 0;
		i++;
	} else {
		while (i < v.n && v.p[i] != ':') {
			if (!IS(v.p[i], C_HOST) || v.p[i] == '[' || v.p[i] == ']')
				return 0;
			i++;
		}
	}
	if (i == v.n)
		return 1;
	if (v.p[i++] != ':')
		return 0;
	for (; i < v.n; i++)
		if (!IS(v.p[i], C_DIGIT))
			return 0;
	return 1;
}

static int field_check(struct facts *f, const struct http_header *h)
{
	struct http_slice el;
	size_t pos = 0;
	int rc;

	switch (h->id) {
	case HTTP_H_CONTENT_LENGTH:
		if (f->cl_seen)
			return HTTP_E_CONTENT_LENGTH; /* even with an equal value */
		if (f->te_seen)
			return HTTP_E_CL_AND_TE;
		f->cl_seen = 1;
		rc = parse_cl(h->value, &f->cl);
		if (rc)
			return rc;
		if (f->max_body && f->cl > f->max_body)
			return HTTP_E_BODY_TOO_LARGE;
		return 0;
	case HTTP_H_TRANSFER_ENCODING:
		if (f->cl_seen)
			return HTTP_E_CL_AND_TE;
		if (f->minor == 0)
			return HTTP_E_TRANSFER_ENCODING; /* RFC 9112 6.1: faulty framing */
		f->te_seen = 1;
		return parse_te(f, h->value);
	case HTTP_H_HOST:
		if (!f->is_req)
			return 0;
		if (++f->host_count > 1 || !host_ok(h->value))
			return HTTP_E_HOST;
		f->host = h->value;
		return 0;
	case HTTP_H_CONNECTION:
		while (list_next(h->value, &pos, &el)) {
			if (http_slice_eq_ci(el, "close", 5))
				f->conn_close = 1;
			else if (http_slice_eq_ci(el, "keep-alive", 10))
				f->conn_ka = 1;
			else if (http_slice_eq_ci(el, "upgrade", 7))
				f->conn_upgrade = 1;
			else if (el.n)
				f->conn_other = 1;
		}
		return 0;
	case HTTP_H_UPGRADE:
		if (h->value.n)
			f->upgrade_hdr = 1;
		return 0;
	case HTTP_H_EXPECT:
		if (http_slice_eq_ci(h->value, "100-continue", 12))
			f->expect = 1;
		return 0;
	default:
		return 0;
	}
}

/*
 * Field lines from buf[p] up to and including the empty line.  stop = min(len, cap) where
 * cap is the head size limit.  Returns the offset after the final CRLF, HTTP_NEED_MORE or
 * an error with *eoff set.
 */
static long parse_fields(const char *buf, size_t p, size_t len, size_t cap, struct http_header *hs,
			 size_t max, size_t *nh, struct facts *f, size_t *eoff)
{
	size_t stop = len < cap ? len : cap, n = 0, ns, ne, vs, ve;
	int rc;

	for (;;) {
		if (p >= stop)
			goto more;
		if (buf[p] == '\r') {
			if (p + 1 >= stop)
				goto more;
			if (buf[p + 1] != '\n') {
				*eoff = p + 1;
				return HTTP_E_LINE_END;
			}
			*nh = n;
			return (long)(p + 2);
		}
		*eoff = p;
		if (ows(buf[p]))
			return HTTP_E_OBS_FOLD; /* RFC 9112 5.2 obs-fold, or 2.2 stray SP */
		if (!IS(buf[p], C_TCHAR))
			return buf[p] == '\n' ? HTTP_E_LINE_END : HTTP_E_HEADER_NAME;
		if (n == max)
			return HTTP_E_TOO_MANY_HEADERS;
		ns = p;
		while (p < stop && IS(buf[p], C_TCHAR))
			p++;
		if (p >= stop)
			goto more;
		if (buf[p] != ':') {
			*eoff = p;
			return HTTP_E_HEADER_NAME; /* includes SP before the colon */
		}
		ne = p++;
		while (p < stop && ows(buf[p]))
			p++;
		vs = p;
		while (p < stop && IS(buf[p], C_FVAL))
			p++;
		if (p >= stop)
			goto more;
		*eoff = p;
		if (buf[p] != '\r')
			return buf[p] == '\n' ? HTTP_E_LINE_END : HTTP_E_HEADER_VALUE;
		if (p + 1 >= stop)
			goto more;
		if (buf[p + 1] != '\n') {
			*eoff = p + 1;
			return HTTP_E_LINE_END;
		}
		ve = p;
		while (ve > vs && ows(buf[ve - 1]))
			ve--;
		hs[n].name.p = buf + ns;
		hs[n].name.n = ne - ns;
		hs[n].value.p = buf + vs;
		hs[n].value.n = ve - vs;
		hs[n].id = http_header_id(buf + ns, ne - ns);
		rc = field_check(f, &hs[n]);
		if (rc) {
			*eoff = ns;
			return rc;
		}
		n++;
		p += 2;
	}
more:
	*nh = n;
	*eoff = p;
	return stop == cap ? HTTP_E_HEAD_TOO_LARGE : HTTP_NEED_MORE;
}

/* "HTTP/" DIGIT "." DIGIT at buf[*p]; only 1.0 and 1.1 pass. */
static int parse_version(const char *buf, size_t *p, size_t stop, int *minor)
{
	static const char pat[] = "HTTP/0.0";
	size_t i;

	for (i = 0; i < 8; i++) {
		char c;

		if (*p + i >= stop)
			return HTTP_NEED_MORE;
		c = buf[*p + i];
		if (pat[i] == '0' ? !IS(c, C_DIGIT) : c != pat[i]) {
			*p += i;
			return HTTP_E_VERSION;
		}
	}
	if (buf[*p + 5] != '1' || (buf[*p + 7] != '0' && buf[*p + 7] != '1')) {
		*p += 5;
		return HTTP_E_VERSION_UNSUPPORTED;
	}
	*minor = buf[*p + 7] - '0';
	*p += 8;
	return 0;
}

/* CRLF ending a start line at buf[p]; bad is the error for any other byte. */
static int line_end(const char *buf, size_t p, size_t stop, int bad)
{
	if (p >= stop)
		return HTTP_NEED_MORE;
	if (buf[p] != '\r')
		return buf[p] == '\n' ? HTTP_E_LINE_END : bad;
	if (p + 1 >= stop)
		return HTTP_NEED_MORE;
	return buf[p + 1] == '\n' ? 0 : HTTP_E_LINE_END;
}

/* Whether buf[from..len) (from a few bytes before the previous end) holds CRLFCRLF. */
static int has_end(const char *buf, size_t len, size_t last_len)
{
	size_t i = last_len > 3 ? last_len - 3 : 0;
	const char *q;

	while (i + 4 <= len) {
		q = memchr(buf + i, '\r', len - 3 - i);
		if (!q)
			return 0;
		i = (size_t)(q - buf);
		if (q[1] == '\n' && q[2] == '\r' && q[3] == '\n')
			return 1;
		i++;
	}
	return 0;
}

/*
 * Whether a call may answer HTTP_NEED_MORE from has_end alone, without parsing again.
 * Within max_line the full parse has nothing to find before the head ends (a start line
 * over the limit cannot be told yet).  Past max_line it may too once an earlier call with
 * more than max_line bytes said "need more": that call's full parse (or, by the same
 * rule, an earlier one) found the start line ended, or still within its limit (after
 * empty lines), or it would have said 414.  Without this, every read of a head longer
 * than max_line parsed the whole head again: quadratic in max_header_bytes.  What the
 * fast path skips is found by the full parse once the head ends or reaches max_head.
 */
static int resume_ok(size_t len, size_t last_len, size_t max_line, size_t hcap)
{
	if (!last_len || last_len > len || len > hcap)
		return 0;
	return len <= max_line || last_len > max_line;
}

static void limits(const struct http_limits *lim, size_t *max_line, size_t *max_head,
		   uint64_t *max_body, unsigned *flags)
{
	*max_line = lim && lim->max_line ? lim->max_line : HTTP_DEFAULT_MAX_LINE;
	*max_head = lim && lim->max_head ? lim->max_head : HTTP_DEFAULT_MAX_HEAD;
	if (*max_head > INT_MAX)
		*max_head = INT_MAX;
	*max_body = lim ? lim->max_body : 0;
	*flags = lim ? lim->flags : 0;
}

/* Empty lines before the start line (RFC 9112 2.2); returns the start line offset. */
static size_t skip_crlf(const char *buf, size_t len)
{
	size_t p = 0;

	while (p + 1 < len && buf[p] == '\r' && buf[p + 1] == '\n')
		p += 2;
	return p;
}

static int target_form(const char *t, size_t n, int mid)
{
	size_t i, colon = 0;

	if (mid == HTTP_M_CONNECT) {
		/* authority-form = uri-host ":" port, port non-empty */
		for (i = 0; i < n; i++) {
			if (!IS(t[i], C_HOST))
				return 0;
			if (t[i] == ':')
				colon = i;
		}
		if (colon == 0 || colon + 1 == n || n - colon - 1 > 5)
			return 0;
		if (!host_ok((struct http_slice){t, n}))
			return 0;
		return HTTP_TARGET_AUTHORITY;
	}
	if (t[0] == '/')
		return HTTP_TARGET_ORIGIN;
	if (n == 1 && t[0] == '*')
		return mid == HTTP_M_OPTIONS ? HTTP_TARGET_ASTERISK : 0;
	/* absolute-form: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":" */
	if (!IS(t[0], C_SCHEME) || IS(t[0], C_DIGIT) || t[0] == '+' || t[0] == '-' || t[0] == '.')
		return 0;
	for (i = 1; i < n && IS(t[i], C_SCHEME); i++)
		;
	return i < n && t[i] == ':' ? HTTP_TARGET_ABSOLUTE : 0;
}

int http_parse_request(const char *buf, size_t len, size_t last_len, struct http_request *req,
		       const struct http_limits *lim)
{
	struct http_header *hs = req->headers;
	size_t max = hs ? req->max_headers : 0, max_line, hcap, lcap, lstop, p, ls, ms, ts, te;
	uint64_t max_body;
	unsigned flags;
	struct facts f;
	int rc, mid, form, minor = 0;
	long r;

	limits(lim, &max_line, &hcap, &max_body, &flags);
	memset(req, 0, sizeof(*req));
	req->headers = hs;
	req->max_headers = max;
	if (resume_ok(len, last_len, max_line, hcap) && !has_end(buf, len, last_len))
		return HTTP_NEED_MORE;

	p = skip_crlf(buf, len < hcap ? len : hcap);
	ls = p;
	lcap = max_line > hcap - ls ? hcap : ls + max_line;
	lstop = len < lcap ? len : lcap;

	if (p < lstop && buf[p] == '\r' && p + 1 == lstop)
		goto line_more; /* maybe one more empty line */

	/* request-line = method SP request-target SP HTTP-version CRLF (RFC 9112 3) */
	ms = p;
	while (p < lstop && IS(buf[p], C_TCHAR))
		p++;
	if (p >= lstop)
		goto line_more;
	req->err_off = p;
	if (buf[p] != ' ')
		return p == ms && (buf[p] == '\r' || buf[p] == '\n') ? HTTP_E_LINE_END
								     : HTTP_E_METHOD;
	if (p == ms)
		return HTTP_E_METHOD;
	mid = method_id(buf + ms, p - ms);
	if (!mid) {
		req->err_off = ms;
		return HTTP_E_METHOD_UNKNOWN;
	}
	req->method.p = buf + ms;
	req->method.n = p - ms;
	ts = ++p;
	while (p < lstop && IS(buf[p], C_VCHAR))
		p++;
	if (p >= lstop)
		goto line_more;
	req->err_off = p;
	if (buf[p] != ' ') {
		if (p == ts)
			return HTTP_E_SYNTAX;
		/* no version at all is HTTP/0.9, which we do not speak */
		return buf[p] == '\r' || buf[p] == '\n' ? HTTP_E_VERSION : HTTP_E_TARGET;
	}
	if (p == ts)
		return HTTP_E_SYNTAX;
	te = p++;
	rc = parse_version(buf, &p, lstop, &minor);
	if (rc == HTTP_NEED_MORE)
		goto line_more;
	req->err_off = p;
	if (rc)
		return rc;
	rc = line_end(buf, p, lstop, HTTP_E_VERSION);
	if (rc == HTTP_NEED_MORE)
		goto line_more;
	if (rc)
		return rc;
	p += 2;
	form = target_form(buf + ts, te - ts, mid);
	if (!form) {
		req->err_off = ts;
		return HTTP_E_TARGET;
	}

	memset(&f, 0, sizeof(f));
	f.is_req = 1;
	f.minor = minor;
	f.max_body = max_body;
	r = parse_fields(buf, p, len, hcap, hs, max, &req->nheaders, &f, &req->err_off);
	if (r < 0)
		return (int)r;
	req->err_off = ls;
	if (f.te_seen && !f.te_last_chunked)
		return HTTP_E_TRANSFER_ENCODING;
	if (minor == 1 && !f.host_count && !(flags & HTTP_LIM_HOST_OPTIONAL))
		return HTTP_E_HOST; /* RFC 9112 3.2: MUST answer 400 */

	req->err_off = 0;
	req->target.p = buf + ts;
	req->target.n = te - ts;
	req->method_id = mid;
	req->target_form = form;
	req->minor = minor;
	req->host = f.host;
	if (f.te_seen) {
		req->body_kind = HTTP_BODY_CHUNKED;
	} else if (f.cl_seen) {
		req->body_kind = HTTP_BODY_LENGTH;
		req->content_length = f.cl;
	}
	req->conn_close = f.conn_close;
	req->conn_other = f.conn_other;
	req->keep_alive = minor ? !f.conn_close : f.conn_ka && !f.conn_close;
	req->expect_continue = minor == 1 && f.expect;
	req->upgrade = f.conn_upgrade && f.upgrade_hdr;
	req->connect = mid == HTTP_M_CONNECT;
	req->head_len = (size_t)r;
	return (int)r;

line_more:
	req->err_off = p;
	if (lstop < lcap)
		return HTTP_NEED_MORE;
	return lcap - ls == max_line ? HTTP_E_URI_TOO_LONG : HTTP_E_HEAD_TOO_LARGE;
}

int http_parse_response(const char *buf, size_t len, size_t last_len, struct http_response *res,
			const struct http_limits *lim, unsigned req_flags)
{
	struct http_header *hs = res->headers;
	size_t max = hs ? res->max_headers : 0, max_line, hcap, lcap, lstop, p, ls, rs, re, i;
	uint64_t max_body;
	unsigned flags;
	struct facts f;
	int rc, minor = 0, status = 0, kind;
	long r;

	limits(lim, &max_line, &hcap, &max_body, &flags);
	memset(res, 0, sizeof(*res));
	res->headers = hs;
	res->max_headers = max;
	if (resume_ok(len, last_len, max_line, hcap) && !has_end(buf, len, last_len))
		return HTTP_NEED_MORE;

	p = skip_crlf(buf, len < hcap ? len : hcap);
	ls = p;
	lcap = max_line > hcap - ls ? hcap : ls + max_line;
	lstop = len < lcap ? len : lcap;

	if (p < lstop && buf[p] == '\r' && p + 1 == lstop)
		goto line_more;

	/* status-line = HTTP-version SP status-code SP [ reason-phrase ] CRLF (RFC 9112 4) */
	rc = parse_version(buf, &p, lstop, &minor);
	if (rc == HTTP_NEED_MORE)
		goto line_more;
	res->err_off = p;
	if (rc)
		return rc;
	if (p >= lstop)
		goto line_more;
	if (buf[p] != ' ')
		return HTTP_E_SYNTAX;
	p++;
	for (i = 0; i < 3; i++, p++) {
		if (p >= lstop)
			goto line_more;
		if (!IS(buf[p], C_DIGIT)) {
			res->err_off = p;
			return HTTP_E_STATUS;
		}
		status = status * 10 + (buf[p] - '0');
	}
	res->err_off = p;
	if (status < 100 || status > 599)
		return HTTP_E_STATUS;
	if (p >= lstop)
		goto line_more;
	/* a missing SP before an empty reason is tolerated: the reason carries no meaning */
	if (buf[p] == ' ') {
		rs = ++p;
		while (p < lstop && IS(buf[p], C_FVAL))
			p++;
		re = p;
		rc = line_end(buf, p, lstop, HTTP_E_SYNTAX);
	} else {
		rs = re = p;
		rc = line_end(buf, p, lstop, HTTP_E_STATUS);
	}
	if (rc == HTTP_NEED_MORE)
		goto line_more;
	res->err_off = p;
	if (rc)
		return rc;
	p += 2;

	memset(&f, 0, sizeof(f));
	f.minor = minor;
	r = parse_fields(buf, p, len, hcap, hs, max, &res->nheaders, &f, &res->err_off);
	if (r < 0)
		return (int)r;

	/* message body length, RFC 9112 6.3, in its order */
	if (status < 200 || (req_flags & HTTP_RESP_TO_HEAD) || status == 204 || status == 304)
		kind = HTTP_BODY_NONE;
	else if ((req_flags & HTTP_RESP_TO_CONNECT) && status < 300)
		kind = HTTP_BODY_NONE;
	else if (f.te_seen)
		kind = f.te_last_chunked ? HTTP_BODY_CHUNKED : HTTP_BODY_UNTIL_CLOSE;
	else if (f.cl_seen)
		kind = HTTP_BODY_LENGTH;
	else
		kind = HTTP_BODY_UNTIL_CLOSE;
	if (kind == HTTP_BODY_LENGTH && max_body && f.cl > max_body) {
		res->err_off = ls;
		return HTTP_E_BODY_TOO_LARGE;
	}

	res->err_off = 0;
	res->minor = minor;
	res->status = status;
	res->reason.p = buf + rs;
	res->reason.n = re - rs;
	res->body_kind = kind;
	res->content_length = kind == HTTP_BODY_LENGTH ? f.cl : 0;
	res->conn_close = f.conn_close;
	res->conn_other = f.conn_other;
	res->upgrade = status == 101;
	res->tunnel = (req_flags & HTTP_RESP_TO_CONNECT) && status >= 200 && status < 300;
	res->keep_alive = minor ? !f.conn_close : f.conn_ka && !f.conn_close;
	if (kind == HTTP_BODY_UNTIL_CLOSE || res->upgrade || res->tunnel)
		res->keep_alive = 0;
	res->head_len = (size_t)r;
	return (int)r;

line_more:
	res->err_off = p;
	return lstop < lcap ? HTTP_NEED_MORE : HTTP_E_HEAD_TOO_LARGE;
}
