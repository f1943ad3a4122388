/*
 * status.c - the status tables of status.h: parser errors to statuses and texts, reason
 * phrases, the proxy's own small error responses.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "http/status.h"

static const struct {
	short status;
	const char *text;
} errors[] = {
    /* indexed by -code; [2] is HTTP_NEED_MORE */
    [0] = {400, "no error"},
    [1] = {400, "malformed start line"},
    [2] = {400, "incomplete message"},
    [3] = {400, "bad method"},
    [4] = {501, "unknown method"},
    [5] = {400, "bad request-target"},
    [6] = {400, "bad HTTP version"},
    [7] = {505, "unsupported HTTP version"},
    [8] = {400, "bad status code"},
    [9] = {400, "bare CR or LF"},
    [10] = {400, "bad field name"},
    [11] = {400, "bad byte in field value"},
    [12] = {400, "obsolete line folding"},
    [13] = {414, "request-line too long"},
    [14] = {431, "header section too large"},
    [15] = {431, "too many header fields"},
    [16] = {400, "bad Content-Length"},
    [17] = {400, "bad Transfer-Encoding"},
    [18] = {501, "unsupported transfer coding"},
    [19] = {400, "both Content-Length and Transfer-Encoding"},
    [20] = {400, "missing, repeated or bad Host"},
    [21] = {413, "body too large"},
    [22] = {400, "bad chunk size"},
    [23] = {400, "bad chunk extension"},
    [24] = {400, "chunk data not followed by CRLF"},
    [25] = {400, "bad trailer field"},
    [26] = {431, "trailer section too large"},
};

int http_status_of_error(int err)
{
	if (err >= 0 || (size_t)-(long)err >= sizeof(errors) / sizeof(errors[0]))
		return 400;
	return errors[-err].status;
}

const char *http_status_error_str(int err)
{
	if (err >= 0 || (size_t)-(long)err >= sizeof(errors) / sizeof(errors[0]))
		return "unknown error";
	return errors[-err].text;
}

const char *http_status_reason(int status)
{
	static const struct {
		int code;
		const char *text;
	} t[] = {
	    {200, "OK"},
	    {400, "Bad Request"},
	    {404, "Not Found"},
	    {405, "Method Not Allowed"},
	    {408, "Request Timeout"},
	    {413, "Content Too Large"},
	    {414, "URI Too Long"},
	    {431, "Request Header Fields Too Large"},
	    {500, "Internal Server Error"},
	    {501, "Not Implemented"},
	    {502, "Bad Gateway"},
	    {503, "Service Unavailable"},
	    {504, "Gateway Timeout"},
	    {505, "HTTP Version Not Supported"},
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (t[i].code == status)
			return t[i].text;
	return "Error";
}

long http_status_error_reply(int status, enum http_status_conn conn, int head, char *out,
			     size_t cap)
{
	const char *r = http_status_reason(status);
	const char *c = conn == HTTP_STATUS_CLOSE	 ? "Connection: close\r\n"
			: conn == HTTP_STATUS_KEEP_ALIVE ? "Connection: keep-alive\r\n"
							 : "";
	int n, body = (int)strlen(r) + 5;

	n = snprintf(out, cap,
		     "HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n"
		     "%s%s\r\n",
		     status, r, body, status == 405 ? HTTP_STATUS_ALLOW : "", c);
	if (n < 0 || (size_t)n >= cap)
		return -ENOSPC;
	if (head)
		return n;
	/* The body names the status only: nothing about the backend leaks. */
	if ((size_t)(n + body) >= cap)
		return -ENOSPC;
	snprintf(out + n, cap - (size_t)n, "%d %s\n", status, r);
	return n + body;
}
