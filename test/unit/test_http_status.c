/*
 * test_http_status.c - responses the proxy makes itself (http/status): status line,
 * connection handling, body length, a buffer too small, the reason table; and the
 * trailer filter of http/rewrite.
 */
#include <errno.h>
#include <string.h>

#include "http/rewrite.h"
#include "http/status.h"
#include "test/harness.h"

static int has(const char *hay, const char *needle)
{
	return strstr(hay, needle) != NULL;
}

static void test_errors(void)
{
	char out[512];
	long n = http_status_error_reply(502, HTTP_STATUS_CLOSE, 0, out, sizeof(out) - 1);

	ok(n > 0, "error response built");
	out[n > 0 ? n : 0] = '\0';
	ok(!strncmp(out, "HTTP/1.1 502 Bad Gateway\r\n", 26), "502 status line");
	ok(has(out, "\r\nConnection: close\r\n"), "close said");
	ok(has(out, "\r\nContent-Length: 16\r\n") && has(out, "\r\n\r\n502 Bad Gateway\n"),
	   "body length matches");
	n = http_status_error_reply(404, HTTP_STATUS_KEEP, 0, out, sizeof(out) - 1);
	out[n > 0 ? n : 0] = '\0';
	ok(!has(out, "Connection"), "keep-alive error says nothing about Connection");
	is_int(http_status_error_reply(404, HTTP_STATUS_KEEP, 0, out, 10), -ENOSPC,
	       "error into a tiny buffer -> -ENOSPC");
	is_str(http_status_reason(431), "Request Header Fields Too Large", "reason table");
}

static void test_trailers(void)
{
	char t1[] = "X-Checksum: abc\r\nContent-Length: 5\r\nHOST: evil\r\n"
		    "Transfer-Encoding: chunked\r\nx-tcp-p0f: forged\r\nIf-Match: x\r\n"
		    "X-Tls-Ja4: forged\r\n"
		    "X-Other: 1\r\n\r\n";
	char t2[] = "\r\n";
	unsigned sp = 0;
	size_t n = http_rewrite_trailers(t1, strlen(t1), 0, &sp);

	t1[n] = '\0';
	is_str(t1, "X-Checksum: abc\r\nX-Other: 1\r\n\r\n",
	       "trailers: framing, routing, conditional and x-tcp-* fields dropped");
	is_int(sp, 2, "trailers: x-tcp-* and x-tls-* drops counted");
	is_int(http_rewrite_trailers(t2, 2, 0, NULL), 2, "empty trailer section stays CRLF");
}

int main(void)
{
	test_errors();
	test_trailers();
	return done_testing();
}
