/*
 * ppin.c - PROXY protocol input (see ppin.h).  The header itself is pp/'s (pp_parse);
 * here: who may send one, what its absence means, and which TLV values may become
 * header lines.
 */
#include <string.h>

#include "proxy/ppin.h"

#define V1_SIG "PROXY" /* 2.1: a v1 line starts with these five bytes */
#define V1_SIG_LEN 5

static const char *const result_names[PROXY_PPIN_RESULT_N] = {
    [PROXY_PPIN_V1] = "v1",
    [PROXY_PPIN_V2] = "v2",
    [PROXY_PPIN_LOCAL] = "local",
    [PROXY_PPIN_NONE] = "none",
    [PROXY_PPIN_UNTRUSTED] = "untrusted",
    [PROXY_PPIN_MISSING] = "missing",
    [PROXY_PPIN_BAD] = "bad",
    [PROXY_PPIN_INCOMPLETE] = "incomplete",
};

const char *proxy_ppin_result_name(int result)
{
	return result >= 0 && result < PROXY_PPIN_RESULT_N ? result_names[result] : "?";
}

int proxy_ppin_peer(const struct proxy_ppin_policy *pol, const struct sockaddr *peer)
{
	if (pol->mode == PROXY_PPIN_OFF)
		return PROXY_PPIN_PEER_PLAIN;
	return cidr_match_any(pol->trusted, pol->n_trusted, peer) ? PROXY_PPIN_PEER_TRUSTED
								  : PROXY_PPIN_PEER_WATCH;
}

/* buf[0..len) against sig[0..n): 1 all of sig is there, 0 a proper prefix of it, -1 no. */
static int sig_cmp(const unsigned char *buf, size_t len, const char *sig, size_t n)
{
	size_t k = len < n ? len : n;

	if (memcmp(buf, sig, k))
		return -1;
	return len >= n;
}

static int decided(struct proxy_ppin *r, int result)
{
	r->result = result;
	return 1;
}

int proxy_ppin_read(const struct proxy_ppin_policy *pol, int kind, const void *buf, size_t len,
		    struct proxy_ppin *r)
{
	const unsigned char *b = buf;
	int rc;

	memset(r, 0, sizeof(*r));
	if (!len)
		return 0;
	if (kind != PROXY_PPIN_PEER_TRUSTED) {
		/* An untrusted peer: only whether a header begins matters, never its content
		 * (2.2, end: the v2 signature, or "PROXY" for v1). */
		int a = sig_cmp(b, len, V1_SIG, V1_SIG_LEN);
		int c = sig_cmp(b, len, PP_V2_SIG, PP_V2_SIG_LEN);

		if (a == 1 || c == 1)
			return decided(r, PROXY_PPIN_UNTRUSTED);
		if (a == 0 || c == 0)
			return 0;
		return decided(r, PROXY_PPIN_NONE);
	}
	rc = pp_parse(b, len, pol->max_len ? pol->max_len : PROXY_PPIN_MAX, &r->h);
	if (rc == PP_NEED_MORE)
		return 0;
	if (rc == PP_NOT_PROXY)
		return decided(r, pol->mode == PROXY_PPIN_REQUIRED ? PROXY_PPIN_MISSING
								   : PROXY_PPIN_NONE);
	if (rc < 0) {
		r->err = r->h.err ? r->h.err : "header";
		r->err_off = r->h.err_off;
		return decided(r, PROXY_PPIN_BAD);
	}
	r->len = (size_t)rc;
	if (r->h.command != PP_CMD_PROXY)
		return decided(r, PROXY_PPIN_LOCAL);
	return decided(r, r->h.version == 1 ? PROXY_PPIN_V1 : PROXY_PPIN_V2);
}

const struct sockaddr_storage *proxy_ppin_client(const struct proxy_ppin *r)
{
	if (r->result != PROXY_PPIN_V1 && r->result != PROXY_PPIN_V2)
		return NULL;
	if (r->h.src.ss_family != AF_INET && r->h.src.ss_family != AF_INET6)
		return NULL;
	return &r->h.src;
}

static int is_alnum(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_lhex(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/* JA4 (FoxIO's specification, "JA4: TLS Client Fingerprinting"): a_b_c, a = protocol
 * (t TCP, q QUIC, d DTLS), version (2 characters), SNI flag (d or i), cipher and extension
 * counts (2 digits each), ALPN's first and last characters (alphanumeric, either case, or
 * hex); b and c the first 12 lowercase hex digits of a SHA-256. */
static int ja4_form(const unsigned char *p, size_t n)
{
	if (n != 36 || p[10] != '_' || p[23] != '_')
		return 0;
	if (!memchr("tqd", p[0], 3) || !is_alnum(p[1]) || !is_alnum(p[2]) ||
	    !memchr("di", p[3], 2) || !is_alnum(p[8]) || !is_alnum(p[9]))
		return 0;
	for (size_t i = 4; i < 8; i++)
		if (p[i] < '0' || p[i] > '9')
			return 0;
	for (size_t i = 11; i < 36; i++)
		if (i != 23 && !is_lhex(p[i]))
			return 0;
	return 1;
}

int proxy_ppin_value_ok(int type, const struct pp_slice *v)
{
	if (!v->p || v->n == 0 || v->n > PROXY_PPIN_VALUE_MAX)
		return 0;
	for (size_t i = 0; i < v->n; i++)
		if (v->p[i] < 0x20 || v->p[i] > 0x7e)
			return 0;
	/* A header value has no leading or trailing whitespace (RFC 9110 5.5). */
	if (v->p[0] == ' ' || v->p[v->n - 1] == ' ')
		return 0;
	if (type == PP_TLV_JA4)
		return ja4_form(v->p, v->n);
	return type == PP_TLV_P0F || type == PP_TLV_P0F_OS;
}

static void add_line(char *out, size_t cap, size_t *len, const char *name, int type,
		     const struct pp_slice *v, unsigned *ignored)
{
	size_t nl = strlen(name);

	if (!v->p)
		return; /* absent: nothing to say */
	if (!proxy_ppin_value_ok(type, v) || nl + 2 + v->n + 2 > cap - *len) {
		(*ignored)++;
		return;
	}
	memcpy(out + *len, name, nl);
	memcpy(out + *len + nl, ": ", 2);
	memcpy(out + *len + nl + 2, v->p, v->n);
	memcpy(out + *len + nl + 2 + v->n, "\r\n", 2);
	*len += nl + 2 + v->n + 2;
}

size_t proxy_ppin_fp_lines(const struct proxy_ppin *r, char *out, size_t cap, unsigned *ignored)
{
	size_t len = 0;

	*ignored = 0;
	if (r->result != PROXY_PPIN_V1 && r->result != PROXY_PPIN_V2 &&
	    r->result != PROXY_PPIN_LOCAL)
		return 0;
	add_line(out, cap, &len, "x-tcp-p0f", PP_TLV_P0F, &r->h.p0f, ignored);
	add_line(out, cap, &len, "x-tcp-p0f-os", PP_TLV_P0F_OS, &r->h.p0f_os, ignored);
	add_line(out, cap, &len, "x-tls-ja4", PP_TLV_JA4, &r->h.ja4, ignored);
	return len;
}
