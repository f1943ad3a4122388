/*
 * rewrite.h - the header rewriting of the proxy, as pure functions over parsed heads:
 * what a request looks like when it leaves for the backend and what a response looks
 * like when it leaves for the client.  No I/O, no allocation; output goes into the
 * caller's buffer.
 *
 * Request, in order:
 *   METHOD SP target SP HTTP/1.x     target in origin-form, prefix replaced by the
 *                                    route's replace_path (if set)
 *   client fields, minus: every x-tcp-* and x-tls-* and every underscore spelling of a protected
 *     name (counted: a client may not forge a fingerprint; http_rewrite_field_class),
 *     other names with '_' when flags has HTTP_RW_DROP_UNDERSCORE, hop-by-hop fields
 *     (Connection, Keep-Alive, Proxy-Connection, TE, Trailer, Upgrade unless the request
 *     upgrades, and every field the Connection header names except the framing fields
 *     Content-Length, Transfer-Encoding and Host, which are never dropped that way),
 *     X-Forwarded-For/-Proto/-Port (replaced below), Forwarded, X-Real-IP and
 *     X-Forwarded-Host (removed), headers listed in the remove list and in the add list
 *     (an add sets: it replaces a client field of the same name)
 *   X-Forwarded-For: CLIENT-IP, X-Forwarded-Proto: http, X-Forwarded-Port: LISTEN-PORT
 *   the add list, the fingerprint hook's lines
 *   Connection: close | upgrade (with the client's Upgrade kept, minus h2c and the
 *     like: http_rewrite_upgrade_ok) | nothing (keep-alive)
 * Transfer-Encoding and Content-Length pass unchanged: the body is forwarded with the
 * framing it came with.
 *
 * Response: status line as HTTP/1.1 with the backend's code and reason, backend fields
 * minus hop-by-hop ones (Upgrade kept on a 101) and those in its remove / add lists, then
 * the add list and the Connection field the client needs.
 * The backend's Server passes through; nothing adds Via.
 */
#ifndef HUGINN_HTTP_REWRITE_H
#define HUGINN_HTTP_REWRITE_H

#include <stddef.h>

#include <stdint.h>

#include "http/parse.h"

/* Capacities of the header rules and the path a rewrite is given (sizes with the NUL). */
#define HTTP_RW_MAX_FIELDS 32 /* fields in one add or remove list */
#define HTTP_RW_NAME_MAX 128  /* field name */
#define HTTP_RW_VALUE_MAX 512 /* field value */
#define HTTP_RW_PATH_MAX 256  /* replace_path */

/* Room the rewritten request needs beyond the client's head: the three X-Forwarded
 * fields, the add list at its largest, the hook's lines, a longer path, Connection. */
#define HTTP_REWRITE_EXTRA                                                                         \
	(1024 + HTTP_RW_MAX_FIELDS * (HTTP_RW_NAME_MAX + HTTP_RW_VALUE_MAX + 4) + 512 +            \
	 HTTP_RW_PATH_MAX)

/*
 * One header rule.  For add lists: name and value.  For remove lists: name only, value
 * empty.  Names are compared case-insensitively.  Whoever fills a list (the proxy's
 * config) has checked that names are tokens and values field text.
 */
struct http_rw_field {
	char name[HTTP_RW_NAME_MAX];
	char value[HTTP_RW_VALUE_MAX];
	uint16_t name_len;
	uint16_t value_len;
};

struct http_rw_fields {
	unsigned int n;
	struct http_rw_field h[HTTP_RW_MAX_FIELDS];
};

/* Field lines a head may have for the rewrite (the proxy's limits.max_headers is at most
 * this); more: -ENOSPC. */
#define HTTP_REWRITE_MAX_FIELDS 512

enum http_rw_conn {
	HTTP_RW_KEEP = 0,   /* say nothing (HTTP/1.1 default) */
	HTTP_RW_CLOSE,	    /* Connection: close */
	HTTP_RW_KEEP_ALIVE, /* Connection: keep-alive (an HTTP/1.0 peer that keeps it) */
	HTTP_RW_UPGRADE,    /* Connection: upgrade, Upgrade field kept */
	HTTP_RW_INTERIM,    /* a 1xx: no Connection field, no response_add */
};

struct http_rw_request {
	const struct http_rw_fields *add;    /* set (replacing client fields); NULL = none */
	const struct http_rw_fields *remove; /* dropped; NULL = none */
	const char *replace_path;	     /* replaces the route's prefix; NULL = keep */
	size_t replace_len;		     /* 0 = keep the path */
	size_t prefix_len;		     /* the matched prefix's length */
	const char *client_ip;		     /* X-Forwarded-For value */
	const char *listen_port;	     /* X-Forwarded-Port value */
	const char *fp;			     /* hook lines ("name: v\r\n"...), may be NULL */
	size_t fp_len;
	int minor;		/* HTTP/1.minor on the request line */
	enum http_rw_conn conn; /* KEEP, CLOSE or UPGRADE */
	unsigned flags;		/* HTTP_RW_DROP_UNDERSCORE */
	unsigned spoofed;	/* out: x-tcp-* and x-tls-* fields removed */
};

struct http_rw_response {
	const struct http_rw_fields *add;    /* NULL = none */
	const struct http_rw_fields *remove; /* NULL = none */
	enum http_rw_conn conn;
	unsigned flags; /* HTTP_RW_NO_TE */
};

/* http_rw_response flags */
#define HTTP_RW_NO_TE                                                                              \
	0x2 /* drop Transfer-Encoding: an HTTP/1.0 client (RFC 9112 6.1), whose                    \
	       body, if chunked, goes out decoded and ends with the close */

/*
 * The path of a request-target (origin-form or absolute-form), without the query:
 * *path is set to it ("/" for an absolute-form without a path: then path->p points
 * at a static "/"), *rest to what follows it ("?query" or empty).  Returns 0, or -1 for
 * forms that carry no path (authority, asterisk).
 */
int http_rewrite_split_target(const struct http_request *req, struct http_slice *path,
			      struct http_slice *rest);

/*
 * 1 if req upgrades (req->upgrade) to a protocol the proxy tunnels: any but "h2c", "h2"
 * and "HTTP/x.y", after which the backend would read HTTP requests that no rewriting
 * sees (x-tcp-* forged on the second request).  The caller treats a request for which
 * this is 0 as no upgrade (HTTP_RW_KEEP or CLOSE, not UPGRADE): the Upgrade field is then
 * dropped; with HTTP_RW_UPGRADE the refused protocols are cut from it.
 */
int http_rewrite_upgrade_ok(const struct http_request *req);

/*
 * Write the request head for the backend into out[0..cap).  Returns its length, -ENOSPC
 * when it does not fit, or -EINVAL (answer 400) when the path to forward holds a dot
 * segment: resolve them first (http_target_normalize), so this only happens where
 * replace_path and the rest of the path form one.
 */
long http_rewrite_request(const struct http_request *req, struct http_rw_request *o, char *out,
			  size_t cap);

/* Write the response head for the client.  Returns its length or -ENOSPC. */
long http_rewrite_response(const struct http_response *res, const struct http_rw_response *o,
			   char *out, size_t cap);

/*
 * 1 if the field must not cross the proxy: hop-by-hop by name, or named by one of the
 * Connection values conn[0..nconn) (framing fields are never dropped that way).
 * keep_upgrade keeps Upgrade.
 */
int http_rewrite_is_hop(const struct http_header *h, const struct http_slice *conn, size_t nconn,
			int keep_upgrade);

/* What a client field's name makes of it (http_rewrite_field_class). */
enum http_rw_class {
	HTTP_RW_FIELD_PASS = 0,	   /* no rule of this kind applies */
	HTTP_RW_FIELD_SPOOF,	   /* x-tcp-* in any spelling ('_' for '-', any case), or an
				      underscore spelling of a client-address, framing or
				      hop-by-hop name: removed and counted as spoofed */
	HTTP_RW_FIELD_CLIENT_ADDR, /* X-Forwarded-For/-Proto/-Port/-Host, Forwarded,
				      X-Real-IP: removed (the first three set anew) */
	HTTP_RW_FIELD_UNDERSCORE,  /* any other name with '_': removed with
				      HTTP_RW_DROP_UNDERSCORE */
};

/* http_rewrite_trailers and http_rw_request flags */
#define HTTP_RW_DROP_UNDERSCORE 0x1 /* drop fields whose name holds '_' */

/*
 * Class of the field name name[0..n) (enum http_rw_class).  Names are compared with '_'
 * read as '-' and ASCII case ignored, so "X_Forwarded_For" and "x_tcp_p0f" are known for
 * what a CGI-style backend (HTTP_X_FORWARDED_FOR) will take them for.
 */
int http_rewrite_field_class(const char *name, size_t n);

/*
 * Filter a chunked body's trailer section in place: p[0..n) is the whole section as the
 * decoder accepted it (field lines, then the final CRLF).  Fields a trailer may not carry
 * (RFC 9110 6.5.1: framing, routing, hop-by-hop, authentication, cookies, content
 * metadata, conditionals), client-address fields and every HTTP_RW_FIELD_SPOOF field are
 * dropped, and with HTTP_RW_DROP_UNDERSCORE in flags every name holding '_'; others are
 * kept in order.  Returns the new length (at least 2: the final CRLF); *spoofed (may be
 * NULL) counts the HTTP_RW_FIELD_SPOOF drops.
 */
size_t http_rewrite_trailers(char *p, size_t n, unsigned flags, unsigned *spoofed);

/* The proxy's own error responses and reason phrases: http/status.h. */

#endif
