/*
 * status.h - HTTP status tables: what a parser error (HTTP_E_*) is answered with and how
 * it reads, the reason phrases of the statuses the proxy produces, and the small complete
 * error response it sends.  Pure: no I/O, output into the caller's buffer.
 */
#ifndef HUGINN_HTTP_STATUS_H
#define HUGINN_HTTP_STATUS_H

#include <stddef.h>

#include "http/parse.h"

/* Status a server answers an HTTP_E_* request error with (400, 413, 414, 431, 501, 505);
 * 400 for unknown codes. */
int http_status_of_error(int err);

/* Short constant English text for an HTTP_E_* code ("bad Content-Length", ...). */
const char *http_status_error_str(int err);

/* Reason phrase for the codes the proxy produces ("Bad Gateway"); "Error" otherwise. */
const char *http_status_reason(int status);

/* What the connection does after an error response, and so what its head says. */
enum http_status_conn {
	HTTP_STATUS_KEEP = 0,	/* kept, nothing said (HTTP/1.1 default) */
	HTTP_STATUS_CLOSE,	/* "Connection: close", then the proxy closes */
	HTTP_STATUS_KEEP_ALIVE, /* "Connection: keep-alive": an HTTP/1.0 client that keeps it
				   would otherwise wait for the close (RFC 9112 9.3) */
};

/* The Allow field of a 405 the proxy makes: it refuses CONNECT only and forwards the other
 * methods it parses, the ones RFC 9110 9.3 and RFC 5789 define. */
#define HTTP_STATUS_ALLOW "Allow: GET, HEAD, POST, PUT, DELETE, OPTIONS, TRACE, PATCH\r\n"

/*
 * A small complete error response ("HTTP/1.1 CODE Reason", text body "CODE Reason\n")
 * into out.  conn says what the connection does after it, and the head says so.  head:
 * the request was HEAD, so the same fields go without the body (RFC 9110 9.3.2).  A 405
 * carries Allow (RFC 9110 15.5.6).  Returns the length, or -ENOSPC.
 */
long http_status_error_reply(int status, enum http_status_conn conn, int head, char *out,
			     size_t cap);

#endif
