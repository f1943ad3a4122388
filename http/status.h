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

/* A small complete error response ("HTTP/1.1 CODE Reason", text body, Connection: close
 * when close) into out.  Returns its length, or -ENOSPC. */
long http_status_error_reply(int status, int close, char *out, size_t cap);

#endif
