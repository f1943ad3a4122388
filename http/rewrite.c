/*
 * rewrite.c - request and response heads as they cross the proxy (see rewrite.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/rewrite.h"
#include "http/target.h"

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

/* a equals the lower-case lit[0..n) once '_' is read as '-' and case is ignored. */
static int fold_eq(const char *a, const char *lit, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char x = (unsigned char)a[i];

		if (x >= 'A' && x <= 'Z')
			x += 32;
		else if (x == '_')
			x = '-';
		if (x != (unsigned char)lit[i])
			return 0;
	}
	return 1;
}

/* Names that say where the client is: the proxy sets X-Forwarded-For/-Proto/-Port
 * itself and removes the others, so a backend never reads an address the client chose. */
static const char *const client_addr_names[] = {
    "x-forwarded-for",	"x-forwarded-proto", "x-forwarded-port",
    "x-forwarded-host", "forwarded",	     "x-real-ip",
};

/* Names the proxy acts on for framing and connection handling: an underscore spelling
 * of one is read as the real field by CGI-style backends (HTTP_TRANSFER_ENCODING). */
static const char *const framing_names[] = {
    "host", "content-length", "transfer-encoding", "connection", "keep-alive", "proxy-connection",
    "te",   "trailer",	      "upgrade",
};

static int in_names(const char *name, size_t n, const char *const *t, size_t nt)
{
	for (size_t i = 0; i < nt; i++)
		if (strlen(t[i]) == n && fold_eq(name, t[i], n))
			return 1;
	return 0;
}

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

int http_rewrite_field_class(const char *name, size_t n)
{
	int us = memchr(name, '_', n) != NULL;

	/* Names only the proxy writes: x-tcp-* (SYN) and x-tls-* (ClientHello). */
	if (n >= 6 && (fold_eq(name, "x-tcp-", 6) || fold_eq(name, "x-tls-", 6)))
		return HTTP_RW_FIELD_SPOOF;
	if (in_names(name, n, client_addr_names, NELEM(client_addr_names)))
		return us ? HTTP_RW_FIELD_SPOOF : HTTP_RW_FIELD_CLIENT_ADDR;
	if (!us)
		return HTTP_RW_FIELD_PASS;
	if (in_names(name, n, framing_names, NELEM(framing_names)))
		return HTTP_RW_FIELD_SPOOF;
	return HTTP_RW_FIELD_UNDERSCORE;
}

/* 1 if a client field of this class is dropped; spoofs are counted in *spoofed. */
static int drop_class(int cls, unsigned flags, unsigned *spoofed)
{
	switch (cls) {
	case HTTP_RW_FIELD_SPOOF:
		if (spoofed)
			(*spoofed)++;
		return 1;
	case HTTP_RW_FIELD_CLIENT_ADDR:
		return 1;
	case HTTP_RW_FIELD_UNDERSCORE:
		return (flags & HTTP_RW_DROP_UNDERSCORE) != 0;
	default:
		return 0;
	}
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

/* Byte order for sorting and searching names: ASCII case folded, then length. */
static int name_cmp(const char *a, size_t an, const char *b, size_t bn)
{
	size_t n = an < bn ? an : bn;

	for (size_t i = 0; i < n; i++) {
		unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];

		if (x >= 'A' && x <= 'Z')
			x += 32;
		if (y >= 'A' && y <= 'Z')
			y += 32;
		if (x != y)
			return x < y ? -1 : 1;
	}
	return an < bn ? -1 : an > bn;
}

static int hdr_ptr_cmp(const void *a, const void *b)
{
	const struct http_header *x = *(const struct http_header *const *)a;
	const struct http_header *y = *(const struct http_header *const *)b;

	return name_cmp(x->name.p, x->name.n, y->name.p, y->name.n);
}

/* Sort the candidate fields by name.  A head has a handful of them: an insertion sort
 * takes a few comparisons where musl's qsort (smoothsort) spent ~780 instructions per
 * response (callgrind), more than the rest of hop_marks; a head with many of them (a
 * hostile one) still gets qsort's O(k log k). */
static void sort_fields(const struct http_header **c, size_t k)
{
	if (k > 16) {
		qsort(c, k, sizeof(c[0]), hdr_ptr_cmp);
		return;
	}
	for (size_t i = 1; i < k; i++) {
		const struct http_header *t = c[i];
		size_t j = i;

		for (; j > 0 &&
		       name_cmp(c[j - 1]->name.p, c[j - 1]->name.n, t->name.p, t->name.n) > 0;
		     j--)
			c[j] = c[j - 1];
		c[j] = t;
	}
}

/*
 * hop[i] = 1 for every field of hs[0..n) that must not cross the proxy, in time linear
 * in the size of the head: the fields that Connection may name are sorted by name once,
 * then each Connection token is looked up by binary search (each field is marked at most
 * once however often it is named).  Checking every field against every token instead
 * costs fields x tokens: with thousands of tokens, milliseconds per request.
 */
static void hop_marks(const struct http_header *hs, size_t n, int keep_upgrade, uint8_t *hop)
{
	const struct http_header *c[HTTP_REWRITE_MAX_FIELDS]; /* n <= this: callers check */
	size_t k = 0, nconn = 0;

	for (size_t i = 0; i < n; i++) {
		int r = hop_by_id(&hs[i], keep_upgrade);

		hop[i] = r > 0;
		if (hs[i].id == HTTP_H_CONNECTION)
			nconn++;
		if (r < 0)
			c[k++] = &hs[i];
	}
	if (!nconn || !k)
		return;
	sort_fields(c, k);
	for (size_t i = 0; i < n; i++) {
		const char *v = hs[i].value.p;
		size_t vn = hs[i].value.n, pos = 0;

		if (hs[i].id != HTTP_H_CONNECTION)
			continue;
		while (pos <= vn) {
			size_t s = pos, e, lo = 0, hi = k;

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
			/* lower bound: the first field not ordered before the token */
			while (lo < hi) {
				size_t mid = lo + (hi - lo) / 2;

				if (name_cmp(c[mid]->name.p, c[mid]->name.n, v + s, e - s) < 0)
					lo = mid + 1;
				else
					hi = mid;
			}
			if (lo == k || hop[c[lo] - hs] ||
			    name_cmp(c[lo]->name.p, c[lo]->name.n, v + s, e - s))
				continue;
			for (size_t j = lo;
			     j < k && !name_cmp(c[j]->name.p, c[j]->name.n, v + s, e - s); j++)
				hop[c[j] - hs] = 1;
		}
	}
}

/* An Upgrade protocol that would make the backend read HTTP again behind the tunnel,
 * where no rewriting happens: "h2c" (RFC 9113 3.1 no longer defines it, but servers still
 * honour it), "h2", and "HTTP/x.y" in any case. */
static int upgrade_refused(const char *t, size_t n)
{
	size_t name = 0;

	while (name < n && t[name] != '/')
		name++;
	return eq_ci(t, name, "h2c", 3) || eq_ci(t, name, "h2", 2) || eq_ci(t, name, "http", 4);
}

/* Next non-empty element of the list v from *pos (OWS trimmed); 0 at the end. */
static int next_token(struct http_slice v, size_t *pos, struct http_slice *tok)
{
	while (*pos <= v.n) {
		size_t s = *pos, e;

		while (s < v.n && (v.p[s] == ' ' || v.p[s] == '\t'))
			s++;
		e = s;
		while (e < v.n && v.p[e] != ',')
			e++;
		*pos = e + 1;
		while (e > s && (v.p[e - 1] == ' ' || v.p[e - 1] == '\t'))
			e--;
		if (e > s) {
			tok->p = v.p + s;
			tok->n = e - s;
			return 1;
		}
	}
	return 0;
}

int http_rewrite_upgrade_ok(const struct http_request *req)
{
	if (!req->upgrade)
		return 0;
	for (size_t i = 0; i < req->nheaders; i++) {
		struct http_slice t;
		size_t pos = 0;

		if (req->headers[i].id != HTTP_H_UPGRADE)
			continue;
		while (next_token(req->headers[i].value, &pos, &t))
			if (!upgrade_refused(t.p, t.n))
				return 1;
	}
	return 0;
}

/* An Upgrade field without the refused protocols; nothing when none is left. */
static void put_upgrade(struct wbuf *w, const struct http_header *h)
{
	struct http_slice t;
	size_t pos = 0;
	int first = 1;

	while (next_token(h->value, &pos, &t)) {
		if (upgrade_refused(t.p, t.n))
			continue;
		if (first) {
			put(w, h->name.p, h->name.n);
			PUTS(w, ": ");
		} else {
			PUTS(w, ", ");
		}
		put(w, t.p, t.n);
		first = 0;
	}
	if (!first)
		PUTS(w, "\r\n");
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

/* The target for the backend: 0, or -EINVAL when its path holds a dot segment (the
 * engine resolved them before routing; one can still form where replace_path meets the
 * rest of the path: prefix "/api", replace_path "/v1/", path "/api.." -> "/v1/.."). */
static int put_target(struct wbuf *w, const struct http_request *req,
		      const struct http_rw_request *r)
{
	struct http_slice path, rest;
	size_t start = w->len;

	if (http_rewrite_split_target(req, &path, &rest)) {
		put(w, req->target.p, req->target.n);
		return 0;
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
	if (!w->over && http_target_has_dot_segment(w->p + start, w->len - start))
		return -EINVAL;
	put(w, rest.p, rest.n);
	return 0;
}

long http_rewrite_request(const struct http_request *req, struct http_rw_request *o, char *out,
			  size_t cap)
{
	struct wbuf w = {out, cap, 0, 0};
	uint8_t hop[HTTP_REWRITE_MAX_FIELDS];
	int up = o->conn == HTTP_RW_UPGRADE;

	if (req->nheaders > HTTP_REWRITE_MAX_FIELDS)
		return -ENOSPC;
	hop_marks(req->headers, req->nheaders, up, hop);
	o->spoofed = 0;
	put(&w, req->method.p, req->method.n);
	PUTS(&w, " ");
	if (put_target(&w, req, o))
		return -EINVAL;
	if (o->minor == 0)
		PUTS(&w, " HTTP/1.0\r\n");
	else
		PUTS(&w, " HTTP/1.1\r\n");
	for (size_t i = 0; i < req->nheaders; i++) {
		const struct http_header *h = &req->headers[i];

		if (drop_class(http_rewrite_field_class(h->name.p, h->name.n), o->flags,
			       &o->spoofed))
			continue;
		if (hop[i])
			continue;
		if (in_list(h, o->remove) || in_list(h, o->add))
			continue;
		if (h->id == HTTP_H_UPGRADE) {
			put_upgrade(&w, h); /* only kept for an upgrade */
			continue;
		}
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
	uint8_t hop[HTTP_REWRITE_MAX_FIELDS];
	int interim = o->conn == HTTP_RW_INTERIM;
	char line[32];
	int n;

	if (res->nheaders > HTTP_REWRITE_MAX_FIELDS)
		return -ENOSPC;
	hop_marks(res->headers, res->nheaders, o->conn == HTTP_RW_UPGRADE, hop);
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

		if (hop[i])
			continue;
		if ((o->flags & HTTP_RW_NO_TE) && h->id == HTTP_H_TRANSFER_ENCODING)
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
	    "x-forwarded-host",
	    "x-real-ip",
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

size_t http_rewrite_trailers(char *p, size_t n, unsigned flags, unsigned *spoofed)
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

			drop = drop_class(http_rewrite_field_class(p + in, nlen), flags, spoofed) ||
			       trailer_forbidden(p + in, nlen);
		}
		if (!drop) {
			memmove(p + out, p + in, len);
			out += len;
		}
		in += len;
	}
	return out;
}
