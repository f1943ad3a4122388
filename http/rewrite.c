/*
 * rewrite.c - request and response heads as they cross the proxy (see rewrite.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "http/rewrite.h"

struct wbuf {
	char *p;
	size_t cap, len;
	int over;
};

static void put(struct wbuf *w, const char *s, size_t n)
{
	if (w->over || n > w->cap - w->len) {
		w->over = 1;
		return;
	}
	memcpy(w->p + w->len, s, n);
	w->len += n;
}

#define PUTS(w, lit) put((w), (lit), sizeof(lit) - 1)

static void put_field(struct wbuf *w, const char *name, size_t nl, const char *val, size_t vl)
{
	put(w, name, nl);
	PUTS(w, ": ");
	put(w, val, vl);
	PUTS(w, "\r\n");
}

static int eq_ci(const char *a, size_t an, const char *b, size_t bn)
{
	if (an != bn)
		return 0;
	for (size_t i = 0; i < an; i++) {
		unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];

		if (x >= 'A' && x <= 'Z')
			x += 32;
		if (y >= 'A' && y <= 'Z')
			y += 32;
		if (x != y)
			return 0;
	}
	return 1;
}

/* Names only the proxy writes: "x-tcp-*" and "x-tls-*" (the bare prefixes included). */
static int is_fp_name(const char *p, size_t n)
{
	return n >= 6 && (eq_ci(p, 6, "x-tcp-", 6) || eq_ci(p, 6, "x-tls-", 6));
}

/* A fingerprint header, whatever the parser's id. */
static int is_xtcp(const struct http_header *h)
{
	if (h->id == HTTP_H_X_TCP_P0F || h->id == HTTP_H_X_TCP_OTHER)
		return 1;
	return is_fp_name(h->name.p, h->name.n);
}

static int in_list(const struct http_header *h, const struct http_rw_fields *l)
{
	if (!l)
		return 0;
	for (unsigned int i = 0; i < l->n; i++)
		if (eq_ci(h->name.p, h->name.n, l->h[i].name, l->h[i].name_len))
			return 1;
	return 0;
}

/* Hop-by-hop by the field's identity alone: 1 always, 0 never, -1 when the tokens of
 * Connection decide. */
static int hop_by_id(const struct http_header *h, int keep_upgrade)
{
	switch (h->id) {
	case HTTP_H_CONNECTION:
	case HTTP_H_KEEP_ALIVE:
	case HTTP_H_PROXY_CONNECTION:
	case HTTP_H_TE:
	case HTTP_H_TRAILER:
		return 1;
	case HTTP_H_UPGRADE:
		return !keep_upgrade;
	case HTTP_H_CONTENT_LENGTH:
	case HTTP_H_TRANSFER_ENCODING:
	case HTTP_H_HOST:
		/* "Connection: content-length" must not change the framing the parser
		 * checked: that is a known smuggling trick. */
		return 0;
	default:
		return -1;
	}
}

int http_rewrite_is_hop(const struct http_header *h, const struct http_slice *conn, size_t nconn,
			int keep_upgrade)
{
	int r = hop_by_id(h, keep_upgrade);

	if (r >= 0)
		return r;
	for (size_t i = 0; i < nconn; i++)
		if (http_list_has(conn[i], h->name.p, h->name.n))
			return 1;
	return 0;
}

/* The values of the Connection fields, for http_rewrite_is_hop. */
static size_t conn_values(const struct http_header *hs, size_t n, struct http_slice *out,
			  size_t max)
{
	size_t k = 0;

	for (size_t i = 0; i < n && k < max; i++)
		if (hs[i].id == HTTP_H_CONNECTION)
			out[k++] = hs[i].value;
	return k;
}

#define CONN_MAX 16 /* Connection fields looked at */
#define TOK_MAX 32  /* their tokens split once per message; more: scan per field */

/* A message's Connection fields, and their non-empty tokens (OWS trimmed) when there
 * are at most TOK_MAX: each field is then checked against the tokens instead of
 * re-splitting every list for every field, the same answer for a fraction of the work. */
struct conn_set {
	struct http_slice v[CONN_MAX];
	size_t nv;
	struct http_slice tok[TOK_MAX];
	size_t ntok;
	int split; /* tok holds every token */
};

static void conn_set_init(struct conn_set *cs, const struct http_header *hs, size_t n)
{
	cs->nv = conn_values(hs, n, cs->v, CONN_MAX);
	cs->ntok = 0;
	cs->split = 1;
	for (size_t i = 0; i < cs->nv; i++) {
		const char *v = cs->v[i].p;
		size_t vn = cs->v[i].n, pos = 0;

		while (pos <= vn) {
			size_t s = pos, e;

			while (s < vn && (v[s] == ' ' || v[s] == '\t'))
				s++;
			e = s;
			while (e < vn && v[e] != ',')
				e++;
			pos = e + 1;
			while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t'))
				e--;
			if (e == s)
				continue;
			if (cs->ntok == TOK_MAX) {
				cs->split = 0;
				return;
			}
			cs->tok[cs->ntok].p = v + s;
			cs->tok[cs->ntok++].n = e - s;
		}
	}
}

static int conn_set_hop(const struct conn_set *cs, const struct http_header *h, int keep_upgrade)
{
	int r;

	if (!cs->split)
		return http_rewrite_is_hop(h, cs->v, cs->nv, keep_upgrade);
	r = hop_by_id(h, keep_upgrade);
	if (r >= 0)
		return r;
	for (size_t i = 0; i < cs->ntok; i++)
		if (eq_ci(cs->tok[i].p, cs->tok[i].n, h->name.p, h->name.n))
			return 1;
	return 0;
}

int http_rewrite_split_target(const struct http_request *req, struct http_slice *path,
			      struct http_slice *rest)
{
	const char *p = req->target.p, *end = p + req->target.n, *q;

	if (req->target_form == HTTP_TARGET_ABSOLUTE) {
		/* scheme "://" authority path-abempty [ "?" query ] */
		const char *s = memchr(p, ':', req->target.n);

		if (!s || end - s < 3 || s[1] != '/' || s[2] != '/')
			return -1;
		p = s + 3;
		while (p < end && *p != '/' && *p != '?' && *p != '#')
			p++;
		if (p == end || *p != '/') {
			path->p = "/";
			path->n = 1;
			rest->p = p;
			rest->n = (size_t)(end - p);
			return 0;
		}
	} else if (req->target_form != HTTP_TARGET_ORIGIN) {
		return -1;
	}
	for (q = p; q < end && *q != '?' && *q != '#'; q++)
		;
	path->p = p;
	path->n = (size_t)(q - p);
	rest->p = q;
	rest->n = (size_t)(end - q);
	return 0;
}

static void put_target(struct wbuf *w, const struct http_request *req,
		       const struct http_rw_request *r)
{
	struct http_slice path, rest;

	if (http_rewrite_split_target(req, &path, &rest)) {
		put(w, req->target.p, req->target.n);
		return;
	}
	if (r->replace_path && r->replace_len && path.n >= r->prefix_len) {
		const char *tail = path.p + r->prefix_len;
		size_t tn = path.n - r->prefix_len;

		put(w, r->replace_path, r->replace_len);
		/* "/api/" + "/" on "/api/x" gives "/x", not "//x". */
		if (tn && tail[0] == '/' && r->replace_path[r->replace_len - 1] == '/') {
			tail++;
			tn--;
		}
		put(w, tail, tn);
	} else {
		put(w, path.p, path.n);
	}
	put(w, rest.p, rest.n);
}

long http_rewrite_request(const struct http_request *req, struct http_rw_request *o, char *out,
			  size_t cap)
{
	struct wbuf w = {out, cap, 0, 0};
	struct conn_set cs;
	int up = o->conn == HTTP_RW_UPGRADE;

	conn_set_init(&cs, req->headers, req->nheaders);
	o->spoofed = 0;
	put(&w, req->method.p, req->method.n);
	PUTS(&w, " ");
	put_target(&w, req, o);
	if (o->minor == 0)
		PUTS(&w, " HTTP/1.0\r\n");
	else
		PUTS(&w, " HTTP/1.1\r\n");
	for (size_t i = 0; i < req->nheaders; i++) {
		const struct http_header *h = &req->headers[i];

		if (is_xtcp(h)) {
			o->spoofed++;
			continue;
		}
		if (h->id == HTTP_H_X_FORWARDED_FOR || h->id == HTTP_H_X_FORWARDED_PROTO ||
		    h->id == HTTP_H_X_FORWARDED_PORT)
			continue;
		if (conn_set_hop(&cs, h, up))
			continue;
		if (in_list(h, o->remove) || in_list(h, o->add))
			continue;
		put_field(&w, h->name.p, h->name.n, h->value.p, h->value.n);
	}
	if (o->client_ip)
		put_field(&w, "X-Forwarded-For", 15, o->client_ip, strlen(o->client_ip));
	PUTS(&w, "X-Forwarded-Proto: http\r\n");
	if (o->listen_port)
		put_field(&w, "X-Forwarded-Port", 16, o->listen_port, strlen(o->listen_port));
	if (o->add)
		for (unsigned int i = 0; i < o->add->n; i++)
			put_field(&w, o->add->h[i].name, o->add->h[i].name_len, o->add->h[i].value,
				  o->add->h[i].value_len);
	if (o->fp && o->fp_len)
		put(&w, o->fp, o->fp_len);
	if (o->conn == HTTP_RW_CLOSE)
		PUTS(&w, "Connection: close\r\n");
	else if (o->conn == HTTP_RW_KEEP_ALIVE)
		PUTS(&w, "Connection: keep-alive\r\n");
	else if (up)
		PUTS(&w, "Connection: upgrade\r\n");
	PUTS(&w, "\r\n");
	return w.over ? -ENOSPC : (long)w.len;
}

long http_rewrite_response(const struct http_response *res, const struct http_rw_response *o,
			   char *out, size_t cap)
{
	struct wbuf w = {out, cap, 0, 0};
	struct conn_set cs;
	int interim = o->conn == HTTP_RW_INTERIM;
	char line[32];
	int n;

	conn_set_init(&cs, res->headers, res->nheaders);
	if (res->status >= 0 && res->status <= 999) {
		/* The parser's three digits; printf costs more than the rest of the head. */
		memcpy(line, "HTTP/1.1 ", 9);
		line[9] = (char)('0' + res->status / 100);
		line[10] = (char)('0' + res->status / 10 % 10);
		line[11] = (char)('0' + res->status % 10);
		line[12] = ' ';
		n = 13;
	} else {
		n = snprintf(line, sizeof(line), "HTTP/1.1 %03d ", res->status);
	}
	put(&w, line, (size_t)n);
	put(&w, res->reason.p, res->reason.n);
	PUTS(&w, "\r\n");
	for (size_t i = 0; i < res->nheaders; i++) {
		const struct http_header *h = &res->headers[i];

		if (conn_set_hop(&cs, h, o->conn == HTTP_RW_UPGRADE))
			continue;
		if (!interim && (in_list(h, o->remove) || in_list(h, o->add)))
			continue;
		put_field(&w, h->name.p, h->name.n, h->value.p, h->value.n);
	}
	if (o->add && !interim)
		for (unsigned int i = 0; i < o->add->n; i++)
			put_field(&w, o->add->h[i].name, o->add->h[i].name_len, o->add->h[i].value,
				  o->add->h[i].value_len);
	if (o->conn == HTTP_RW_CLOSE)
		PUTS(&w, "Connection: close\r\n");
	else if (o->conn == HTTP_RW_KEEP_ALIVE)
		PUTS(&w, "Connection: keep-alive\r\n");
	else if (o->conn == HTTP_RW_UPGRADE)
		PUTS(&w, "Connection: upgrade\r\n");
	PUTS(&w, "\r\n");
	return w.over ? -ENOSPC : (long)w.len;
}

static int trailer_forbidden(const char *name, size_t n)
{
	static const char *const deny[] = {
	    "content-length",
	    "transfer-encoding",
	    "trailer",
	    "host",
	    "connection",
	    "keep-alive",
	    "proxy-connection",
	    "te",
	    "upgrade",
	    "expect",
	    "max-forwards",
	    "authorization",
	    "proxy-authorization",
	    "proxy-authenticate",
	    "www-authenticate",
	    "cookie",
	    "set-cookie",
	    "content-type",
	    "content-encoding",
	    "content-range",
	    "range",
	    "cache-control",
	    "x-forwarded-for",
	    "x-forwarded-proto",
	    "x-forwarded-port",
	    "forwarded",
	    "location",
	    "age",
	    "expires",
	    "date",
	    "retry-after",
	    "vary",
	};

	if (n >= 3 && eq_ci(name, 3, "if-", 3))
		return 1;
	for (size_t i = 0; i < sizeof(deny) / sizeof(deny[0]); i++)
		if (eq_ci(name, n, deny[i], strlen(deny[i])))
			return 1;
	return 0;
}

size_t http_rewrite_trailers(char *p, size_t n, unsigned *spoofed)
{
	size_t in = 0, out = 0;

	/* Lines are CRLF-terminated (the decoder checked); the empty one ends the section. */
	while (in < n) {
		char *nl = memchr(p + in, '\n', n - in);
		size_t len = nl ? (size_t)(nl - (p + in)) + 1 : n - in;
		char *colon = memchr(p + in, ':', len);
		int drop = 0;

		if (len > 2 && colon) {
			size_t nlen = (size_t)(colon - (p + in));

			if (is_fp_name(p + in, nlen)) {
				drop = 1;
				if (spoofed)
					(*spoofed)++;
			} else {
				drop = trailer_forbidden(p + in, nlen);
			}
		}
		if (!drop) {
			memmove(p + out, p + in, len);
			out += len;
		}
		in += len;
	}
	return out;
}
