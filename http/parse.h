/*
 * parse.h - strict, incremental, zero-allocation parser for HTTP/1.0 and HTTP/1.1
 * message heads (requests and responses) and a streaming chunked-body decoder.
 *
 * The caller owns the buffer; every result is a slice into it, so the buffer must stay
 * put (not moved, not overwritten) for as long as the slices are used.  Headers go into a
 * caller-provided fixed array.  No allocation, no I/O, no global mutable state.
 *
 * Strict RFC 9112 reading, chosen so that no two parsers can disagree about where a
 * message ends (request smuggling, response splitting):
 * - lines end in CRLF only: a bare LF or a bare CR anywhere in the head is an error;
 * - empty lines (CRLF) before the start line are skipped (RFC 9112 2.2), and count
 *   towards the head size limit;
 * - method: a token of tchar from a table of registered HTTP methods; a well-formed token
 *   that is not in the table -> HTTP_E_METHOD_UNKNOWN (501);
 * - exactly one SP between the parts of the start line; request-target bytes are
 *   VCHAR (0x21-0x7e) only; origin-form ("/..."), absolute-form ("scheme:..."),
 *   authority-form only with CONNECT, asterisk-form ("*") only with OPTIONS;
 * - version "HTTP/" DIGIT "." DIGIT; only 1.0 and 1.1 are accepted, any other
 *   well-formed version -> HTTP_E_VERSION_UNSUPPORTED (505), anything else -> 400;
 * - field names are tchar tokens, no whitespace before the colon, no obs-fold (a line
 *   starting with SP or HTAB), values are VCHAR, obs-text, SP, HTAB only (no NUL, no
 *   other CTL, no DEL); OWS around the value is trimmed from the value slice;
 * - Content-Length: 1 to 19 DIGITs after trimming OWS (leading zeros allowed, no sign,
 *   no inner space, no list "5, 5"); a second Content-Length line is an error even
 *   with an equal value; Content-Length together with Transfer-Encoding is an error
 *   (requests and responses alike);
 * - Transfer-Encoding in a request: the only accepted value is a single "chunked"
 *   (case-insensitive, over one or more lines).  chunked not last or twice -> 400
 *   (RFC 9112 6.3); any other coding (gzip, deflate, identity, unknown) -> 501, as
 *   RFC 9112 6.1 allows for codings a server does not implement.  In a response, a
 *   final "chunked" means chunked framing, any other last coding means the body runs
 *   until close (RFC 9112 6.3 rule 4); chunked twice is an error.  Transfer-Encoding
 *   in an HTTP/1.0 message is an error (RFC 9112 6.1);
 * - Host: an HTTP/1.1 request needs exactly one Host line (RFC 9112 3.2) unless the
 *   caller sets HTTP_LIM_HOST_OPTIONAL; more than one is always an error; the value
 *   must be a uri-host [":" port] (reg-name/IPv4/IP-literal characters) or empty.
 *
 * Implemented in parse.c (heads) and chunked.c (bodies).
 *
 * Not here: routing, header rewriting, decoding of any coding but chunked, HTTP/0.9,
 * HTTP/2, RTSP/ICE, obs-fold unfolding, lenient modes.
 */
#ifndef HUGINN_HTTP_PARSE_H
#define HUGINN_HTTP_PARSE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Return values.  Head parsers return the head length (> 0), HTTP_NEED_MORE, or one of
 * the errors below (all < 0, never -2).  http_status_of_error() (http/status.h) maps an error to
 * the status a server answers a bad request with; for a bad response a proxy answers 502 instead.
 */
enum {
	HTTP_NEED_MORE = -2,		 /* the head (or chunk line) is not complete yet */
	HTTP_E_SYNTAX = -1,		 /* 400: malformed start line (e.g. double SP) */
	HTTP_E_METHOD = -3,		 /* 400: method is not a tchar token */
	HTTP_E_METHOD_UNKNOWN = -4,	 /* 501: well-formed method we do not know */
	HTTP_E_TARGET = -5,		 /* 400: bad byte in or wrong form of request-target */
	HTTP_E_VERSION = -6,		 /* 400: malformed HTTP-version */
	HTTP_E_VERSION_UNSUPPORTED = -7, /* 505: not HTTP/1.0 or HTTP/1.1 */
	HTTP_E_STATUS = -8,		 /* (502): malformed status code in a response */
	HTTP_E_LINE_END = -9,		 /* 400: bare CR, bare LF, or CR not followed by LF */
	HTTP_E_HEADER_NAME = -10,	 /* 400: bad or empty field name, space before colon */
	HTTP_E_HEADER_VALUE = -11,	 /* 400: NUL/CTL/DEL in a field value */
	HTTP_E_OBS_FOLD = -12,		 /* 400: line folding or whitespace before a field */
	HTTP_E_URI_TOO_LONG = -13,	 /* 414: request-line longer than max_line */
	HTTP_E_HEAD_TOO_LARGE = -14,	 /* 431: head longer than max_head */
	HTTP_E_TOO_MANY_HEADERS = -15,	 /* 431: more field lines than max_headers */
	HTTP_E_CONTENT_LENGTH = -16,	 /* 400: malformed, overlong or repeated Content-Length */
	HTTP_E_TRANSFER_ENCODING = -17,	 /* 400: chunked not last/twice, empty, TE in 1.0 */
	HTTP_E_TE_UNSUPPORTED = -18,	 /* 501: a request coding other than chunked */
	HTTP_E_CL_AND_TE = -19,		 /* 400: both Content-Length and Transfer-Encoding */
	HTTP_E_HOST = -20,		 /* 400: missing (1.1), repeated or malformed Host */
	HTTP_E_BODY_TOO_LARGE = -21,	 /* 413: Content-Length or chunk sum over max_body */
	HTTP_E_CHUNK_SIZE = -22,	 /* 400: bad hex, whitespace, too many digits, > 2^60 */
	HTTP_E_CHUNK_EXT = -23,		/* 400: malformed chunk extension or > HTTP_CHUNK_MAX_EXT */
	HTTP_E_CHUNK_END = -24,		/* 400: chunk data not followed by CRLF */
	HTTP_E_TRAILER = -25,		/* 400: malformed trailer field line */
	HTTP_E_TRAILER_TOO_LARGE = -26, /* 431: trailer section over HTTP_CHUNK_MAX_TRAILER */
};

/* Default limits (used when the limits pointer is NULL). */
#define HTTP_DEFAULT_MAX_LINE 8192  /* request-line / status-line, CRLF included */
#define HTTP_DEFAULT_MAX_HEAD 65536 /* whole head, final CRLF included */
#define HTTP_MAX_HEADERS 100	    /* a sensible size for the caller's header array */

#define HTTP_CL_MAX_DIGITS 19		 /* Content-Length digits, leading zeros included */
#define HTTP_CHUNK_MAX_DIGITS 16	 /* chunk-size hex digits, leading zeros included */
#define HTTP_CHUNK_MAX_SIZE (1ULL << 60) /* chunk-size values at or above are rejected */
#define HTTP_CHUNK_MAX_EXT 1024		 /* bytes of chunk-ext on one chunk line */
#define HTTP_CHUNK_MAX_TRAILER 8192	 /* bytes of the trailer section incl. final CRLF */

/* http_limits.flags */
#define HTTP_LIM_HOST_OPTIONAL 0x1 /* accept an HTTP/1.1 request without Host */

struct http_limits {
	size_t max_line;   /* start line incl. CRLF; over -> HTTP_E_URI_TOO_LONG (requests) /
			      HTTP_E_HEAD_TOO_LARGE (responses); 0 = default */
	size_t max_head;   /* leading CRLFs + start line + fields + final CRLF; over ->
			      HTTP_E_HEAD_TOO_LARGE; 0 = default; capped at INT_MAX */
	uint64_t max_body; /* Content-Length over -> HTTP_E_BODY_TOO_LARGE; 0 = no limit.
			      Chunked bodies: pass it to http_chunked_init */
	unsigned flags;	   /* HTTP_LIM_* */
};

struct http_slice {
	const char *p;
	size_t n;
};

/* Well-known field names, recognised case-insensitively while parsing (http_header.id). */
enum http_hdr_id {
	HTTP_H_OTHER = 0,
	HTTP_H_HOST,
	HTTP_H_CONTENT_LENGTH,
	HTTP_H_TRANSFER_ENCODING,
	HTTP_H_CONNECTION,
	HTTP_H_KEEP_ALIVE,
	HTTP_H_PROXY_CONNECTION,
	HTTP_H_UPGRADE,
	HTTP_H_TE,
	HTTP_H_TRAILER,
	HTTP_H_EXPECT,
	HTTP_H_PROXY_AUTHENTICATE,
	HTTP_H_PROXY_AUTHORIZATION,
	HTTP_H_X_FORWARDED_FOR,
	HTTP_H_X_FORWARDED_PROTO,
	HTTP_H_X_FORWARDED_PORT,
	HTTP_H_X_FORWARDED_HOST,
	HTTP_H_FORWARDED,
	HTTP_H_VIA,
	HTTP_H_SERVER,
	HTTP_H_DATE,
	HTTP_H_X_TCP_P0F,   /* "x-tcp-p0f" exactly; other "x-tcp-*" names: see below */
	HTTP_H_X_TCP_OTHER, /* any other name starting with "x-tcp-" */
};

/*
 * One field line: name as received (no colon), value with surrounding OWS trimmed
 * (may be empty), id from enum http_hdr_id.
 */
struct http_header {
	struct http_slice name, value;
	unsigned id;
};

enum http_body_kind {
	HTTP_BODY_NONE = 0,    /* no body follows the head */
	HTTP_BODY_LENGTH,      /* content_length bytes follow (content_length may be 0) */
	HTTP_BODY_CHUNKED,     /* chunked framing follows: use http_chunked_* */
	HTTP_BODY_UNTIL_CLOSE, /* responses only: the body ends when the server closes */
};

/* Request methods from the table (http_request.method_id). */
enum http_method {
	HTTP_M_GET = 1,
	HTTP_M_HEAD,
	HTTP_M_POST,
	HTTP_M_PUT,
	HTTP_M_DELETE,
	HTTP_M_CONNECT,
	HTTP_M_OPTIONS,
	HTTP_M_TRACE,
	HTTP_M_PATCH,
	HTTP_M_QUERY,
	HTTP_M_OTHER, /* in the table (WebDAV, CalDAV, PURGE, LINK, M-SEARCH...) but not above */
};

enum http_target_form {
	HTTP_TARGET_ORIGIN = 1, /* "/path?query" */
	HTTP_TARGET_ABSOLUTE,	/* "http://host/path" */
	HTTP_TARGET_AUTHORITY,	/* "host:port", CONNECT only */
	HTTP_TARGET_ASTERISK,	/* "*", OPTIONS only */
};

/*
 * Before calling http_parse_request the caller sets headers and max_headers (the array
 * and its capacity); the parser overwrites every other field.  On error only err_off is
 * meaningful: the offset in buf of the byte where the error was detected.
 */
struct http_request {
	struct http_header *headers; /* in: array of max_headers entries */
	size_t max_headers;	     /* in: more field lines -> HTTP_E_TOO_MANY_HEADERS */
	size_t nheaders;	     /* out: entries used */
	struct http_slice method, target;
	int method_id;		 /* enum http_method */
	int target_form;	 /* enum http_target_form */
	int minor;		 /* 0 or 1 (HTTP/1.minor) */
	struct http_slice host;	 /* Host value (trimmed); p == NULL if absent */
	int body_kind;		 /* NONE, LENGTH or CHUNKED (never UNTIL_CLOSE) */
	uint64_t content_length; /* valid when body_kind == HTTP_BODY_LENGTH */
	int keep_alive;		 /* 1.1: unless "close"; 1.0: only with "keep-alive" */
	int conn_close;		 /* Connection has "close" */
	int conn_other;		 /* Connection names other tokens (more hop-by-hop
				    fields to drop: see http_list_has) */
	int expect_continue;	 /* HTTP/1.1 and "Expect: 100-continue" */
	int upgrade;		 /* Connection has "upgrade" and an Upgrade field is present */
	int connect;		 /* method is CONNECT (authority-form target) */
	size_t head_len;	 /* out: same as the return value on success */
	size_t err_off;		 /* out: error offset */
};

/* http_parse_response req_flags: what the request was, since it decides the framing. */
#define HTTP_RESP_TO_HEAD 0x1	 /* request was HEAD: no body whatever the fields say */
#define HTTP_RESP_TO_CONNECT 0x2 /* request was CONNECT: a 2xx turns into a tunnel */

struct http_response {
	struct http_header *headers; /* in, as for requests */
	size_t max_headers;	     /* in */
	size_t nheaders;	     /* out */
	int minor;		     /* 0 or 1 */
	int status;		     /* 100..599 */
	struct http_slice reason;    /* may be empty (also when the SP before it is missing) */
	int body_kind;		     /* enum http_body_kind */
	uint64_t content_length;     /* valid when body_kind == HTTP_BODY_LENGTH */
	int keep_alive;		     /* 0 if "close", 1.0 without "keep-alive", or UNTIL_CLOSE */
	int conn_close;
	int conn_other;
	int upgrade; /* status 101: the connection switches protocol after head */
	int tunnel;  /* 2xx to CONNECT: the connection becomes a tunnel */
	size_t head_len;
	size_t err_off;
};

/*
 * Parse a request head at the start of buf[0..len).
 * last_len: 0 on the first call for a message; after HTTP_NEED_MORE, the len of that call
 * (buf holding the same bytes plus more), so only the new bytes are searched for the end
 * of the head.  Errors in bytes seen through that fast path are still found once the head
 * is complete or a limit is reached.  lim may be NULL (defaults).
 * Returns the head length (> 0: the body or the next message starts at buf + return),
 * HTTP_NEED_MORE, or an HTTP_E_* error (< 0) with req->err_off set.
 */
int http_parse_request(const char *buf, size_t len, size_t last_len, struct http_request *req,
		       const struct http_limits *lim);

/*
 * Parse a response head, as http_parse_request.  req_flags: HTTP_RESP_TO_*.
 * 1xx responses other than 101 are complete messages without a body; the final response
 * follows them.  HEAD requests, 1xx, 204 and 304 get HTTP_BODY_NONE; a 2xx to CONNECT gets
 * HTTP_BODY_NONE and tunnel = 1; 101 gets HTTP_BODY_NONE and upgrade = 1.  No framing
 * field -> HTTP_BODY_UNTIL_CLOSE and keep_alive = 0.
 */
int http_parse_response(const char *buf, size_t len, size_t last_len, struct http_response *res,
			const struct http_limits *lim, unsigned req_flags);

/*
 * Streaming chunked-body decoder.  It keeps its whole state in the struct, so it consumes
 * every byte it is given (partial chunk lines included): the caller may forward or drop
 * consumed bytes at once and never has to keep them.  Fields are private except total
 * (payload bytes so far), done and trailer_bytes.
 */
struct http_chunked {
	uint64_t remaining;   /* data bytes left in the current chunk */
	uint64_t total;	      /* payload bytes decoded so far */
	uint64_t max_total;   /* 0 = unlimited; over -> HTTP_E_BODY_TOO_LARGE */
	uint64_t size;	      /* chunk-size being read */
	size_t trailer_bytes; /* bytes of the trailer section so far */
	unsigned state;
	unsigned digits;  /* chunk-size digits so far */
	unsigned ext_len; /* chunk-ext bytes so far */
	unsigned last;	  /* reading the last-chunk line */
	int done;	  /* 1 once the final CRLF after the trailers was consumed */
};

/* Start decoding a new body; max_total as http_limits.max_body (0 = unlimited). */
void http_chunked_init(struct http_chunked *c, uint64_t max_total);

/*
 * Feed buf[0..len).  Consumes framing and payload up to and including one run of payload
 * bytes, or up to the end of the body, or up to len, whichever comes first.  *data is set
 * to that run of payload inside buf (data->n == 0 if the call consumed only framing); the
 * run is always the tail of the consumed bytes.  Once c->done is set the body is over and
 * the bytes after the returned count belong to the next message; further calls return 0.
 * Returns bytes consumed (0..len; 0 only when len == 0 or done), or an HTTP_E_* error.
 * Loop: while (off < len && !c->done) { n = http_chunked_parse(c, buf + off, len - off,
 * &d); if (n < 0) fail; forward/copy d; off += n; }
 */
long http_chunked_parse(struct http_chunked *c, const char *buf, size_t len,
			struct http_slice *data);

/* Statuses and texts for the HTTP_E_* codes: http/status.h. */

/* 1 if s equals lit[0..n) ignoring ASCII case. */
int http_slice_eq_ci(struct http_slice s, const char *lit, size_t n);

/*
 * 1 if the comma-separated list v (a Connection or similar field value) holds the token
 * tok[0..n), ignoring ASCII case and OWS around elements; 0 otherwise.
 */
int http_list_has(struct http_slice v, const char *tok, size_t n);

/* enum http_hdr_id for a field name (as the parser sets http_header.id). */
unsigned http_header_id(const char *name, size_t n);

#endif
