/*
 * test_http_parse.c - vectors for http/parse.c: request and response heads, every prefix
 * of each valid head, each class of bad byte in each position, a request-smuggling set and
 * the chunked decoder (the llhttp conformance cases are in test_http_llhttp.c).
 * Every input sits right before a PROT_NONE page (t_guarded), so an over-read faults.
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http/parse.h"
#include "http/status.h"
#include "test/harness.h"

#define NHDR 32
#define WHOLE (-1000) /* expected head length: the whole vector */

static const struct http_limits host_opt = {0, 0, 0, HTTP_LIM_HOST_OPTIONAL};

static int req_parse(const char *s, size_t n, size_t last_len, struct http_request *req,
		     struct http_header *h, size_t nh, const struct http_limits *lim)
{
	unsigned char *g = t_guarded(s, n);
	int rc;

	if (!g)
		return -9999;
	req->headers = h;
	req->max_headers = nh;
	rc = http_parse_request((const char *)g, n, last_len, req, lim);
	/* results point into the guarded copy; rebase them onto s for the caller */
	if (rc > 0) {
		size_t i;

		for (i = 0; i < req->nheaders; i++) {
			h[i].name.p = s + (h[i].name.p - (const char *)g);
			h[i].value.p = s + (h[i].value.p - (const char *)g);
		}
		req->method.p = s + (req->method.p - (const char *)g);
		req->target.p = s + (req->target.p - (const char *)g);
		if (req->host.p)
			req->host.p = s + (req->host.p - (const char *)g);
	}
	t_guarded_free(g, n);
	return rc;
}

static int res_parse(const char *s, size_t n, size_t last_len, struct http_response *res,
		     struct http_header *h, size_t nh, unsigned flags)
{
	unsigned char *g = t_guarded(s, n);
	int rc;

	if (!g)
		return -9999;
	res->headers = h;
	res->max_headers = nh;
	rc = http_parse_response((const char *)g, n, last_len, res, NULL, flags);
	t_guarded_free(g, n);
	return rc;
}

/*
 * One request vector: the result, then for a valid head every proper prefix (one shot and
 * growing with last_len) must say "need more".
 */
static void t_req(const char *s, size_t n, int want, const struct http_limits *lim,
		  const char *what, int line)
{
	struct http_header h[NHDR];
	struct http_request req;
	size_t k, bad = 0;
	int rc;

	if (want == WHOLE)
		want = (int)n;
	rc = req_parse(s, n, 0, &req, h, NHDR, lim);
	if (!t_ok(rc == want, __FILE__, line, "req %s", what))
		printf("#   got %d (%s) at offset %zu, want %d\n", rc, http_status_error_str(rc),
		       req.err_off, want);
	if (want <= 0)
		return;
	for (k = 0; k < (size_t)want; k++) {
		if (req_parse(s, k, 0, &req, h, NHDR, lim) != HTTP_NEED_MORE)
			bad++;
		if (k && req_parse(s, k, k - 1, &req, h, NHDR, lim) != HTTP_NEED_MORE)
			bad++;
	}
	if (req_parse(s, (size_t)want, (size_t)want - 1, &req, h, NHDR, lim) != want)
		bad++;
	if (!t_ok(bad == 0, __FILE__, line, "req %s: %d prefixes need more", what, want))
		printf("#   %zu prefixes wrong\n", bad);
}

static void t_res(const char *s, size_t n, unsigned flags, int want, const char *what, int line)
{
	struct http_header h[NHDR];
	struct http_response res;
	size_t k, bad = 0;
	int rc;

	if (want == WHOLE)
		want = (int)n;
	rc = res_parse(s, n, 0, &res, h, NHDR, flags);
	if (!t_ok(rc == want, __FILE__, line, "res %s", what))
		printf("#   got %d (%s) at offset %zu, want %d\n", rc, http_status_error_str(rc),
		       res.err_off, want);
	if (want <= 0)
		return;
	for (k = 0; k < (size_t)want; k++) {
		if (res_parse(s, k, 0, &res, h, NHDR, flags) != HTTP_NEED_MORE)
			bad++;
		if (k && res_parse(s, k, k - 1, &res, h, NHDR, flags) != HTTP_NEED_MORE)
			bad++;
	}
	if (!t_ok(bad == 0, __FILE__, line, "res %s: %d prefixes need more", what, want))
		printf("#   %zu prefixes wrong\n", bad);
}

#define REQ(s, want, what) t_req(s, sizeof(s) - 1, want, NULL, what, __LINE__)
#define REQL(s, want, lim, what) t_req(s, sizeof(s) - 1, want, lim, what, __LINE__)
#define RES(s, flags, want, what) t_res(s, sizeof(s) - 1, flags, want, what, __LINE__)

static void request_vectors(void)
{
	static const struct http_limits small = {32, 64, 100, 0};

	REQ("GET / HTTP/1.1\r\nHost: a\r\n\r\n", WHOLE, "simple");
	REQ("GET / HTTP/1.0\r\n\r\n", WHOLE, "1.0 without Host");
	REQ("\r\n\r\nGET / HTTP/1.0\r\n\r\n", WHOLE, "leading empty lines skipped");
	REQ("GET / HTTP/1.1\r\nHost: a\r\n\r\nbody", 27, "head length excludes body");
	REQ("GET /a?b=c&d=%20#f HTTP/1.1\r\nHost: a\r\n\r\n", WHOLE, "query and fragment");
	REQ("GET http://a.example:8080/x HTTP/1.1\r\nHost: a.example\r\n\r\n", WHOLE,
	    "absolute-form");
	REQ("CONNECT a.example:443 HTTP/1.1\r\nHost: a.example:443\r\n\r\n", WHOLE,
	    "authority-form with CONNECT");
	REQ("CONNECT [::1]:443 HTTP/1.1\r\nHost: [::1]:443\r\n\r\n", WHOLE, "IPv6 authority");
	REQ("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", WHOLE, "asterisk-form with OPTIONS");
	REQ("POST /u HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello", 48, "CL body");
	REQ("POST /u HTTP/1.1\r\nHost: a\r\nContent-Length: 007\r\n\r\n", WHOLE,
	    "CL leading zeros");
	REQ("POST /u HTTP/1.1\r\nHost: a\r\nContent-Length:\t 5 \t\r\n\r\n", WHOLE,
	    "CL with OWS around");
	REQ("POST /u HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", WHOLE,
	    "TE chunked");
	REQ("POST /u HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: CHUNKED \r\n\r\n", WHOLE,
	    "TE chunked any case");
	REQ("GET / HTTP/1.1\r\nHost: a\r\nX: \r\nY:\r\n\r\n", WHOLE, "empty values");
	REQ("GET / HTTP/1.1\r\nHost: a\r\nX: a\tb \x80\xff\r\n\r\n", WHOLE, "obs-text, HTAB");
	REQ("GET / HTTP/1.1\r\nHost:\r\n\r\n", WHOLE, "empty Host");
	REQ("M-SEARCH /x HTTP/1.1\r\nHost: a\r\n\r\n", WHOLE, "M-SEARCH method");
	REQ("GET / HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n", WHOLE,
	    "upgrade");
	REQL("GET / HTTP/1.1\r\n\r\n", WHOLE, &host_opt, "no Host with HOST_OPTIONAL");

	/* start line */
	REQ("get / HTTP/1.1\r\nHost: a\r\n\r\n", HTTP_E_METHOD_UNKNOWN,
	    "methods are case-sensitive");
	REQ("FOO / HTTP/1.1\r\nHost: a\r\n\r\n", HTTP_E_METHOD_UNKNOWN, "unknown method 501");
	REQ("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", HTTP_E_METHOD_UNKNOWN, "h2 preface");
	REQ("G@T / HTTP/1.1\r\n", HTTP_E_METHOD, "non-tchar method");
	REQ(" GET / HTTP/1.1\r\n", HTTP_E_METHOD, "space before method");
	REQ("GET  / HTTP/1.1\r\n", HTTP_E_SYNTAX, "double space");
	REQ("GET / HTTP/1.1 \r\n", HTTP_E_VERSION, "space after version");
	REQ("GET /\r\n", HTTP_E_VERSION, "HTTP/0.9");
	REQ("GET / HTTP/2.0\r\n", HTTP_E_VERSION_UNSUPPORTED, "HTTP/2.0");
	REQ("GET / HTTP/1.2\r\n", HTTP_E_VERSION_UNSUPPORTED, "HTTP/1.2");
	REQ("GET / HTTP/0.9\r\n", HTTP_E_VERSION_UNSUPPORTED, "HTTP/0.9 version");
	REQ("GET / HTTP/1.10\r\n", HTTP_E_VERSION, "two-digit minor");
	REQ("GET / http/1.1\r\n", HTTP_E_VERSION, "lower-case HTTP");
	REQ("GET / RTSP/1.0\r\n", HTTP_E_VERSION, "RTSP");
	REQ("GET a HTTP/1.1\r\nHost: a\r\n\r\n", HTTP_E_TARGET, "relative target");
	REQ("GET * HTTP/1.1\r\nHost: a\r\n\r\n", HTTP_E_TARGET, "asterisk without OPTIONS");
	REQ("CONNECT /x HTTP/1.1\r\nHost: a\r\n\r\n", HTTP_E_TARGET, "CONNECT origin-form");
	REQ("CONNECT a.example HTTP/1.1\r\nHost: a\r\n\r\n", HTTP_E_TARGET, "CONNECT no port");
	REQ("GET /a\x7f HTTP/1.1\r\n", HTTP_E_TARGET, "DEL in target");
	REQ("GET /\xc3\xa9 HTTP/1.1\r\n", HTTP_E_TARGET, "UTF-8 in target");
	REQ("GET / HTTP/1.1\n", HTTP_E_LINE_END, "LF after version");
	REQ("GET / HTTP/1.1\rX", HTTP_E_LINE_END, "CR without LF after version");
	REQ("\nGET / HTTP/1.1\r\n", HTTP_E_LINE_END, "leading bare LF");
	REQ("\r\rGET / HTTP/1.1\r\n", HTTP_E_LINE_END, "leading bare CR");

	/* field lines */
	REQ("GET / HTTP/1.1\r\nHost : a\r\n\r\n", HTTP_E_HEADER_NAME, "space before colon");
	REQ("GET / HTTP/1.1\r\nHost\t: a\r\n\r\n", HTTP_E_HEADER_NAME, "tab before colon");
	REQ("GET / HTTP/1.1\r\n: a\r\n\r\n", HTTP_E_HEADER_NAME, "empty name");
	REQ("GET / HTTP/1.1\r\nHost a\r\n\r\n", HTTP_E_HEADER_NAME, "no colon");
	REQ("GET / HTTP/1.1\r\nHo(t: a\r\n", HTTP_E_HEADER_NAME, "delimiter in name");
	REQ("GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n", HTTP_E_OBS_FOLD, "obs-fold SP");
	REQ("GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n\tb\r\n\r\n", HTTP_E_OBS_FOLD, "obs-fold HTAB");
	REQ("GET / HTTP/1.1\r\n Host: a\r\n\r\n", HTTP_E_OBS_FOLD, "space before first field");
	REQ("GET / HTTP/1.1\r\nHost: a\nX: b\r\n\r\n", HTTP_E_LINE_END, "bare LF after value");
	REQ("GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n", HTTP_E_LINE_END, "bare CR after value");
	REQ("GET / HTTP/1.1\r\nHost: a\r\n\n", HTTP_E_LINE_END, "LF as final line");
	REQ("GET / HTTP/1.1\r\nHost: a\r\n\rX", HTTP_E_LINE_END, "CR junk as final line");
	REQ("GET / HTTP/1.1\r\nHost: a\r\nX: a\x00b\r\n\r\n", HTTP_E_HEADER_VALUE, "NUL in value");
	REQ("GET / HTTP/1.1\r\nHost: a\r\nX: a\x7f\r\n\r\n", HTTP_E_HEADER_VALUE, "DEL in value");
	REQ("GET / HTTP/1.1\r\nHost: a\r\nX: \x0b\r\n\r\n", HTTP_E_HEADER_VALUE, "VT in value");
	REQ("GET / HTTP/1.1\r\nHo\x00st: a\r\n\r\n", HTTP_E_HEADER_NAME, "NUL in name");

	/* Host */
	REQ("GET / HTTP/1.1\r\n\r\n", HTTP_E_HOST, "1.1 without Host");
	REQ("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", HTTP_E_HOST, "two Host lines");
	REQL("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", HTTP_E_HOST, &host_opt,
	     "two Host lines with HOST_OPTIONAL");
	REQ("GET / HTTP/1.1\r\nHost: a b\r\n\r\n", HTTP_E_HOST, "space in Host");
	REQ("GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", HTTP_E_HOST, "slash in Host");
	REQ("GET / HTTP/1.1\r\nHost: a:8x\r\n\r\n", HTTP_E_HOST, "bad port in Host");
	REQ("GET / HTTP/1.1\r\nHost: [::1\r\n\r\n", HTTP_E_HOST, "unclosed IP-literal");
	REQ("GET / HTTP/1.1\r\nHost: a@b\r\n\r\n", HTTP_E_HOST, "userinfo in Host");

	/* limits */
	REQL("GET /aaaaaaaaaaaaaaaaaaaa HTTP/1.1\r\n", HTTP_E_URI_TOO_LONG, &small,
	     "request-line over max_line");
	REQL("GET /aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", HTTP_E_URI_TOO_LONG,
	     &small, "incomplete request-line over max_line");
	REQL("GET / HTTP/1.1\r\nHost: a\r\nX: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n",
	     HTTP_E_HEAD_TOO_LARGE, &small, "head over max_head");
	REQL("GET / HTTP/1.1\r\nHost: a\r\nX: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	     HTTP_E_HEAD_TOO_LARGE, &small, "incomplete head over max_head");
	REQL("GET / HTTP/1.1\r\nHost: a\r\nXX: 1234567890123456789012345678901\r\n\r\n", 64, &small,
	     "head exactly max_head");
	REQL("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 101\r\n\r\n", HTTP_E_BODY_TOO_LARGE,
	     &small, "CL over max_body");
	REQL("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\n", WHOLE, &small,
	     "CL at max_body");
}

static void request_fields(void)
{
	static const char m1[] = "POST http://h.example/p?q HTTP/1.1\r\nhOST:  h.example:80 \r\n"
				 "Content-Length: 12\r\nConnection: Keep-Alive, X-Foo\r\n"
				 "Expect: 100-Continue\r\nX-Forwarded-For: 1.2.3.4\r\n"
				 "x-tcp-p0f: forged\r\nx-tcp-other: y\r\n\r\n";
	static const char m2[] = "GET /chat HTTP/1.0\r\nConnection: keep-alive\r\n"
				 "Upgrade: websocket\r\nExpect: 100-continue\r\n\r\n";
	static const char m3[] = "PUT /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
				 "Connection: close, upgrade\r\nUpgrade: h2c\r\n\r\n";
	struct http_header h[NHDR], small[2];
	struct http_request req;
	int rc;

	rc = req_parse(m1, sizeof(m1) - 1, 0, &req, h, NHDR, NULL);
	is_int(rc, sizeof(m1) - 1, "m1 parses");
	ok(req.method.n == 4 && !memcmp(req.method.p, "POST", 4), "m1 method slice");
	ok(req.target.n == 20 && !memcmp(req.target.p, "http://h.example/p?q", 20),
	   "m1 target slice");
	is_int(req.method_id, HTTP_M_POST, "m1 method id");
	is_int(req.target_form, HTTP_TARGET_ABSOLUTE, "m1 absolute-form");
	is_int(req.minor, 1, "m1 minor");
	ok(req.host.n == 12 && !memcmp(req.host.p, "h.example:80", 12), "m1 Host trimmed");
	is_int(req.nheaders, 7, "m1 7 headers");
	is_int(h[0].id, HTTP_H_HOST, "m1 Host id (any case)");
	ok(h[0].name.n == 4 && !memcmp(h[0].name.p, "hOST", 4), "m1 name as received");
	is_int(h[1].id, HTTP_H_CONTENT_LENGTH, "m1 CL id");
	is_int(req.body_kind, HTTP_BODY_LENGTH, "m1 body by length");
	is_int(req.content_length, 12, "m1 content_length");
	is_int(req.keep_alive, 1, "m1 keep-alive");
	is_int(req.conn_other, 1, "m1 Connection names another field");
	is_int(req.expect_continue, 1, "m1 Expect: 100-continue (any case)");
	is_int(h[4].id, HTTP_H_X_FORWARDED_FOR, "m1 XFF id");
	is_int(h[5].id, HTTP_H_X_TCP_P0F, "m1 x-tcp-p0f id");
	is_int(h[6].id, HTTP_H_X_TCP_OTHER, "m1 x-tcp-other id");
	ok(http_list_has(h[2].value, "x-foo", 5), "m1 http_list_has x-foo");
	ok(!http_list_has(h[2].value, "x-fo", 4), "m1 http_list_has exact tokens");

	rc = req_parse(m2, sizeof(m2) - 1, 0, &req, h, NHDR, NULL);
	is_int(rc, sizeof(m2) - 1, "m2 parses");
	is_int(req.minor, 0, "m2 minor 0");
	is_int(req.keep_alive, 1, "m2 1.0 keep-alive");
	is_int(req.expect_continue, 0, "m2 no 100-continue in 1.0");
	is_int(req.upgrade, 0, "m2 Upgrade without Connection: upgrade");
	is_int(req.body_kind, HTTP_BODY_NONE, "m2 no body");
	ok(req.host.p == NULL, "m2 no Host");

	rc = req_parse(m3, sizeof(m3) - 1, 0, &req, h, NHDR, NULL);
	is_int(rc, sizeof(m3) - 1, "m3 parses");
	is_int(req.body_kind, HTTP_BODY_CHUNKED, "m3 chunked");
	is_int(req.keep_alive, 0, "m3 close");
	is_int(req.conn_close, 1, "m3 conn_close");
	is_int(req.upgrade, 1, "m3 upgrade");

	rc = req_parse("GET / HTTP/1.0\r\n\r\n", 18, 0, &req, h, NHDR, NULL);
	is_int(req.keep_alive, 0, "1.0 default close");
	rc = req_parse("GET / HTTP/1.0\r\nA: 1\r\nB: 2\r\n\r\n", 30, 0, &req, small, 2, NULL);
	is_int(rc, 30, "exactly max_headers fields");
	rc = req_parse("GET / HTTP/1.0\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", 36, 0, &req, small, 2,
		       NULL);
	is_int(rc, HTTP_E_TOO_MANY_HEADERS, "max_headers + 1 fields -> 431");
	is_int(http_status_of_error(rc), 431, "too many headers maps to 431");
	rc = req_parse("GET / HTTP/1.0\r\nA: 1\r\n\r\n", 24, 0, &req, NULL, 0, NULL);
	is_int(rc, HTTP_E_TOO_MANY_HEADERS, "no header array");
	is_int(http_status_of_error(HTTP_E_URI_TOO_LONG), 414, "414");
	is_int(http_status_of_error(HTTP_E_BODY_TOO_LARGE), 413, "413");
	is_int(http_status_of_error(HTTP_E_VERSION_UNSUPPORTED), 505, "505");
	is_int(http_status_of_error(HTTP_E_TE_UNSUPPORTED), 501, "501");
	is_int(http_status_of_error(HTTP_E_LINE_END), 400, "400");
	is_int(http_status_of_error(-12345), 400, "unknown code -> 400");
	ok(strcmp(http_status_error_str(HTTP_E_HOST), "missing, repeated or bad Host") == 0,
	   "error text");
	/* last_len: only new bytes are searched for the end of the head, so a bad byte seen
	 * through that fast path is reported once the head is complete */
	{
		static const char v[] = "GET / HTTP/5.6\r\nHost: a\r\n\r\n";

		rc = req_parse(v, 10, 0, &req, h, NHDR, NULL);
		is_int(rc, HTTP_NEED_MORE, "last_len: first piece");
		rc = req_parse(v, 20, 10, &req, h, NHDR, NULL);
		is_int(rc, HTTP_NEED_MORE, "last_len: bad version not rescanned yet");
		rc = req_parse(v, sizeof(v) - 1, 20, &req, h, NHDR, NULL);
		is_int(rc, HTTP_E_VERSION_UNSUPPORTED, "last_len: refused once complete");
		rc = req_parse(v, 20, 0, &req, h, NHDR, NULL);
		is_int(rc, HTTP_E_VERSION_UNSUPPORTED, "no last_len: refused at once");
	}
	rc = req_parse("CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\n\r\n", 39, 0, &req, h, NHDR, NULL);
	is_int(rc, 39, "CONNECT parses");
	ok(req.connect && req.target_form == HTTP_TARGET_AUTHORITY &&
	       req.body_kind == HTTP_BODY_NONE,
	   "CONNECT flagged, authority-form, no body");
	/* err_off names the byte */
	{
		static const char e[] = "GET / HTTP/1.1\r\nHost: a\r\nX: a\x01\r\n\r\n";

		rc = req_parse(e, sizeof(e) - 1, 0, &req, h, NHDR, NULL);
		is_int(rc, HTTP_E_HEADER_VALUE, "CTL in value");
		is_int(req.err_off, 29, "err_off points at the bad byte");
	}
}

#define RP(s, flags) res_parse(s, sizeof(s) - 1, 0, &res, h, NHDR, flags)

static void response_vectors(void)
{
	struct http_header h[NHDR];
	struct http_response res;
	int rc;

	RES("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi", 0, 38, "simple");
	RES("HTTP/1.1 204 No Content\r\n\r\n", 0, WHOLE, "204");
	RES("HTTP/1.1 301\r\n\r\n", 0, WHOLE, "no reason, no SP");
	RES("HTTP/1.1 200 \r\n\r\n", 0, WHOLE, "empty reason");
	RES("HTTP/1.0 200 Ok \xe9t\xe9\r\n\r\n", 0, WHOLE, "obs-text reason");
	RES("\r\nHTTP/1.1 100 Continue\r\n\r\n", 0, WHOLE, "leading CRLF");
	RES("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 0, WHOLE,
	    "response TE gzip, chunked");
	RES("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 0, WHOLE,
	    "response TE chunked not last: until close");
	RES("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n", 0,
	    HTTP_E_CONTENT_LENGTH, "duplicate CL");
	RES("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", 0,
	    HTTP_E_CL_AND_TE, "CL and TE");
	RES("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", 0,
	    HTTP_E_TRANSFER_ENCODING, "chunked twice");
	RES("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", 0, HTTP_E_TRANSFER_ENCODING,
	    "TE in 1.0");
	RES("HTTP/1.1 20 OK\r\n\r\n", 0, HTTP_E_STATUS, "two-digit status");
	RES("HTTP/1.1 2000 OK\r\n\r\n", 0, HTTP_E_STATUS, "four-digit status");
	RES("HTTP/1.1 099 OK\r\n\r\n", 0, HTTP_E_STATUS, "status below 100");
	RES("HTTP/1.1 600 OK\r\n\r\n", 0, HTTP_E_STATUS, "status above 599");
	RES("HTTP/1.1  200 OK\r\n\r\n", 0, HTTP_E_STATUS, "double SP");
	RES("HTTP/1.1\t200 OK\r\n\r\n", 0, HTTP_E_SYNTAX, "tab after version");
	RES("HTTP/1.1 200 OK\nX: 1\r\n\r\n", 0, HTTP_E_LINE_END, "LF status line");
	RES("HTTP/1.1 200 O\x01K\r\n\r\n", 0, HTTP_E_SYNTAX, "CTL in reason");
	RES("HTTP/0.9 200 OK\r\n\r\n", 0, HTTP_E_VERSION_UNSUPPORTED, "HTTP/0.9");
	RES("ICE/1.1 200 OK\r\n\r\n", 0, HTTP_E_VERSION, "ICE");

	rc = RP("HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\n", 0);
	is_int(res.body_kind, HTTP_BODY_LENGTH, "length body");
	is_int(res.content_length, 7, "length 7");
	is_int(res.keep_alive, 1, "1.1 keep-alive");
	is_int(res.status, 200, "status 200");
	ok(res.reason.n == 2, "reason OK");
	rc = RP("HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\n", HTTP_RESP_TO_HEAD);
	is_int(res.body_kind, HTTP_BODY_NONE, "HEAD: no body");
	rc = RP("HTTP/1.1 304 NM\r\nTransfer-Encoding: chunked\r\n\r\n", 0);
	is_int(rc, 47, "304 with TE parses");
	is_int(res.body_kind, HTTP_BODY_NONE, "304: no body");
	rc = RP("HTTP/1.1 200 OK\r\n\r\n", HTTP_RESP_TO_CONNECT);
	is_int(res.tunnel, 1, "2xx to CONNECT: tunnel");
	is_int(res.body_kind, HTTP_BODY_NONE, "tunnel: no body");
	rc = RP("HTTP/1.1 200 OK\r\n\r\n", 0);
	is_int(res.body_kind, HTTP_BODY_UNTIL_CLOSE, "no framing: until close");
	is_int(res.keep_alive, 0, "until close: no keep-alive");
	rc = RP("HTTP/1.1 101 Switching\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n", 0);
	is_int(rc, 67, "101 parses");
	is_int(res.upgrade, 1, "101 upgrade");
	is_int(res.body_kind, HTTP_BODY_NONE, "101 no body");
	rc = RP("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 0);
	is_int(res.body_kind, HTTP_BODY_CHUNKED, "gzip, chunked: chunked framing");
	rc = RP("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 0);
	is_int(res.body_kind, HTTP_BODY_UNTIL_CLOSE, "chunked, gzip: until close");
	rc = RP("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n", 0);
	is_int(res.keep_alive, 1, "1.0 keep-alive with length");
	(void)rc;
}

/* ---- independent byte classes, written differently from the parser's table ---- */

static int x_tchar(int c)
{
	return c < 0x80 && (isalnum(c) || (c && strchr("!#$%&'*+-.^_`|~", c)));
}

static int x_vchar(int c)
{
	return c > 0x20 && c < 0x7f;
}

static int x_fval(int c)
{
	return x_vchar(c) || c >= 0x80 || c == ' ' || c == '\t';
}

static int x_host(int c)
{
	return c < 0x80 && (isalnum(c) || (c && strchr("-._~%!$&'()*+,;=", c)));
}

/*
 * Put each byte value at one position of a template and compare accept/reject with the
 * class the position allows.  One check line per position.
 */
static void byte_class(const char *tmpl, size_t pos, int (*allowed)(int), int resp,
		       const char *what)
{
	size_t n = strlen(tmpl), bad = 0;
	char buf[256];
	int c, rc, first = -1;

	for (c = 0; c < 256; c++) {
		struct http_header h[NHDR];
		struct http_request req;
		struct http_response res;

		memcpy(buf, tmpl, n);
		buf[pos] = (char)c;
		rc = resp ? res_parse(buf, n, 0, &res, h, NHDR, 0)
			  : req_parse(buf, n, 0, &req, h, NHDR, NULL);
		if ((rc == (int)n) != !!allowed(c)) {
			bad++;
			if (first < 0)
				first = c;
		}
		if (rc == HTTP_NEED_MORE && !allowed(c)) {
			/* need-more on a bad byte would be a parser waiting on garbage */
			bad++;
		}
	}
	if (!ok(bad == 0, "byte classes: %s", what))
		printf("#   %zu mismatches, first byte 0x%02x\n", bad, first);
}

static int allow_name(int c)
{
	return x_tchar(c) || c == ':'; /* "X-:: v" is name "X-" and value ": v" */
}

static int allow_method_e(int c)
{
	return c == 'E';
}

static int allow_minor(int c)
{
	return c == '0' || c == '1';
}

static int allow_digit_status(int c)
{
	return c >= '0' && c <= '9';
}

static void byte_classes(void)
{
	/* positions:        0123456789012345678901234567890 */
	static const char r[] = "GET /ab HTTP/1.1\r\nHost: hxh\r\nX-b: xax\r\n\r\n";
	static const char s[] = "HTTP/1.1 200 OaK\r\nX-b: xax\r\n\r\n";

	byte_class(r, 1, allow_method_e, 0, "method (only GET's own byte parses)");
	byte_class(r, 6, x_vchar, 0, "request-target");
	byte_class(r, 15, allow_minor, 0, "version minor");
	byte_class(r, 25, x_host, 0, "Host value");
	byte_class(r, 31, allow_name, 0, "field name");
	byte_class(r, 35, x_fval, 0, "field value");
	byte_class(s, 11, allow_digit_status, 1, "status code");
	byte_class(s, 14, x_fval, 1, "reason phrase");
	byte_class(s, 20, allow_name, 1, "response field name");
	byte_class(s, 24, x_fval, 1, "response field value");
}

/* ---- chunked decoder ---- */

struct body_result {
	long consumed; /* bytes of the body, or the error */
	int done;
	size_t payload;
	char data[512];
};

/* Decode s[0..n) feeding `step` bytes at a time (0 = all at once). */
static void chunked_run(const char *s, size_t n, size_t step, uint64_t max, struct body_result *r)
{
	unsigned char *g = t_guarded(s, n);
	struct http_chunked c;
	struct http_slice d;
	size_t off = 0;

	memset(r, 0, sizeof(*r));
	if (!g) {
		r->consumed = -9999;
		return;
	}
	http_chunked_init(&c, max);
	while (off < n && !c.done) {
		size_t avail = step && n - off > step ? step : n - off;
		long k = http_chunked_parse(&c, (const char *)g + off, avail, &d);

		if (k < 0) {
			r->consumed = k;
			t_guarded_free(g, n);
			return;
		}
		if (k == 0 || (size_t)k > avail ||
		    (d.n &&
		     (d.p < (const char *)g + off || d.p + d.n != (const char *)g + off + k))) {
			r->consumed = -9998; /* contract broken */
			t_guarded_free(g, n);
			return;
		}
		if (d.n && r->payload + d.n < sizeof(r->data))
			memcpy(r->data + r->payload, d.p, d.n);
		r->payload += d.n;
		off += (size_t)k;
	}
	r->consumed = (long)off;
	r->done = c.done;
	if (c.total != r->payload)
		r->consumed = -9997;
	t_guarded_free(g, n);
}

static void t_chunk(const char *s, size_t n, long want, const char *payload, const char *what,
		    int line)
{
	static const size_t steps[] = {0, 1, 2, 3, 7};
	struct body_result r;
	size_t i;

	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		int pass;

		chunked_run(s, n, steps[i], 0, &r);
		if (want >= 0)
			pass = r.consumed == want && r.done && payload &&
			       r.payload == strlen(payload) && !memcmp(r.data, payload, r.payload);
		else
			pass = r.consumed == want;
		if (!t_ok(pass, __FILE__, line, "chunked %s (step %zu)", what, steps[i]))
			printf("#   got %ld done=%d payload %zu '%.*s'\n", r.consumed, r.done,
			       r.payload, (int)(r.payload < 60 ? r.payload : 60), r.data);
	}
}

#define CHUNK(s, want, payload, what) t_chunk(s, sizeof(s) - 1, want, payload, what, __LINE__)

static void chunked_vectors(void)
{
	struct body_result r;

	CHUNK("5\r\nhello\r\n0\r\n\r\n", 15, "hello", "one chunk");
	CHUNK("5\r\nhello\r\n6\r\n world\r\n0\r\n\r\nGET", 26, "hello world",
	      "two chunks, stops at next message");
	CHUNK("A\r\n0123456789\r\na\r\n0123456789\r\n000\r\n\r\n", 37, "01234567890123456789",
	      "hex case, zeros in last-chunk");
	CHUNK("5;a=b;c;d=\"x\\\"y; z\"\r\nhello\r\n0;e\r\n\r\n", 35, "hello", "extensions");
	CHUNK("0\r\nX-T: 1\r\nY:\r\n\r\n", 17, "", "trailers");
	CHUNK("0000000000000001\r\nx\r\n0\r\n\r\n", 26, "x", "16 digits");
	CHUNK("00000000000000001\r\nx\r\n0\r\n\r\n", HTTP_E_CHUNK_SIZE, NULL, "17 digits");
	CHUNK("1000000000000000\r\n", HTTP_E_CHUNK_SIZE, NULL, "2^60");
	CHUNK("fffffffffffffffff\r\n", HTTP_E_CHUNK_SIZE, NULL, "overflow");
	CHUNK("5 \r\nhello\r\n0\r\n\r\n", HTTP_E_CHUNK_SIZE, NULL, "space after size");
	CHUNK(" 5\r\nhello\r\n0\r\n\r\n", HTTP_E_CHUNK_SIZE, NULL, "space before size");
	CHUNK("5 ;a\r\nhello\r\n0\r\n\r\n", HTTP_E_CHUNK_SIZE, NULL, "BWS before ;");
	CHUNK("0x5\r\nhello\r\n0\r\n\r\n", HTTP_E_CHUNK_SIZE, NULL, "0x prefix");
	CHUNK("+5\r\nhello\r\n0\r\n\r\n", HTTP_E_CHUNK_SIZE, NULL, "sign");
	CHUNK("\r\n", HTTP_E_CHUNK_SIZE, NULL, "empty size");
	CHUNK("5\nhello\r\n0\r\n\r\n", HTTP_E_CHUNK_SIZE, NULL, "LF after size");
	CHUNK("5\rhello\r\n0\r\n\r\n", HTTP_E_LINE_END, NULL, "CR without LF after size");
	CHUNK("5;\r\nhello\r\n0\r\n\r\n", HTTP_E_CHUNK_EXT, NULL, "empty extension");
	CHUNK("5; a\r\nhello\r\n0\r\n\r\n", HTTP_E_CHUNK_EXT, NULL, "space in extension");
	CHUNK("5;a=\"b\r\nhello\r\n0\r\n\r\n", HTTP_E_CHUNK_EXT, NULL, "unclosed quote");
	CHUNK("5;a=\r\nhello\r\n0\r\n\r\n", HTTP_E_CHUNK_EXT, NULL, "empty ext value");
	CHUNK("5;a=b c\r\nhello\r\n0\r\n\r\n", HTTP_E_CHUNK_EXT, NULL, "space in ext value");
	CHUNK("5;a\x00\r\nhello\r\n0\r\n\r\n", HTTP_E_CHUNK_EXT, NULL, "NUL in extension");
	CHUNK("5\r\nhelloX\r\n0\r\n\r\n", HTTP_E_CHUNK_END, NULL, "data longer than size");
	CHUNK("5\r\nhello\n0\r\n\r\n", HTTP_E_CHUNK_END, NULL, "LF only after data");
	CHUNK("5\r\nhello\r\r\n0\r\n\r\n", HTTP_E_CHUNK_END, NULL, "CR CR after data");
	CHUNK("0\r\nX : 1\r\n\r\n", HTTP_E_TRAILER, NULL, "trailer space before colon");
	CHUNK("0\r\nX: 1\r\n y\r\n\r\n", HTTP_E_TRAILER, NULL, "trailer obs-fold");
	CHUNK("0\r\nX: \x01\r\n\r\n", HTTP_E_TRAILER, NULL, "trailer CTL");
	CHUNK("0\r\nX: 1\n\r\n", HTTP_E_TRAILER, NULL, "trailer bare LF");
	CHUNK("0\r\n\n", HTTP_E_TRAILER, NULL, "LF as final line");
	CHUNK("0\r\n\rX", HTTP_E_LINE_END, NULL, "CR junk as final line");

	{
		char big[HTTP_CHUNK_MAX_EXT + 64];
		size_t n;

		memcpy(big, "1;", 2);
		memset(big + 2, 'e', HTTP_CHUNK_MAX_EXT + 1);
		n = 3 + HTTP_CHUNK_MAX_EXT;
		memcpy(big + n, "\r\nx\r\n0\r\n\r\n", 10);
		chunked_run(big, n + 10, 0, 0, &r);
		is_int(r.consumed, HTTP_E_CHUNK_EXT, "extension over HTTP_CHUNK_MAX_EXT");
		chunked_run(big + 1, n + 9, 0, 0, &r); /* no size before ';' */
		is_int(r.consumed, HTTP_E_CHUNK_SIZE, "extension without size");
		n = 2 + HTTP_CHUNK_MAX_EXT;
		memcpy(big + n, "\r\nx\r\n0\r\n\r\n", 10);
		chunked_run(big, n + 10, 0, 0, &r);
		ok(r.consumed == (long)(n + 10) && r.done, "extension at the limit");
	}
	{
		static char tr[HTTP_CHUNK_MAX_TRAILER + 64];
		size_t n = 0;

		memcpy(tr, "0\r\n", 3);
		n = 3;
		while (n < HTTP_CHUNK_MAX_TRAILER + 8) {
			memcpy(tr + n, "X: 123456\r\n", 11);
			n += 11;
		}
		memcpy(tr + n, "\r\n", 2);
		chunked_run(tr, n + 2, 0, 0, &r);
		is_int(r.consumed, HTTP_E_TRAILER_TOO_LARGE, "trailers over the limit");
	}
	chunked_run("5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", 26, 0, 10, &r);
	is_int(r.consumed, HTTP_E_BODY_TOO_LARGE, "chunk sum over max_total");
	chunked_run("5\r\nhello\r\n5\r\nworld\r\n0\r\n\r\n", 25, 0, 10, &r);
	ok(r.consumed == 25 && r.done, "chunk sum at max_total");
	chunked_run("5\r\nhel", 6, 0, 0, &r);
	ok(r.consumed == 6 && !r.done && r.payload == 3, "partial chunk consumed, not done");
}

/* ---- request smuggling: whole messages (head, then body) that must be refused ---- */

/* Parse a request head and its body; returns the first error, or bytes used (>= 0). */
static long req_message(const char *s, size_t n, size_t *heads)
{
	struct http_header h[NHDR];
	struct http_request req;
	struct body_result r;
	int rc;

	*heads = 0;
	rc = req_parse(s, n, 0, &req, h, NHDR, NULL);
	if (rc < 0)
		return rc;
	(*heads)++;
	if (req.body_kind == HTTP_BODY_CHUNKED) {
		chunked_run(s + rc, n - (size_t)rc, 0, 0, &r);
		return r.consumed < 0 ? r.consumed : rc + r.consumed;
	}
	if (req.body_kind == HTTP_BODY_LENGTH)
		return rc + (long)req.content_length;
	return rc;
}

#define SMUGGLE(s, what)                                                                           \
	do {                                                                                       \
		size_t heads_;                                                                     \
		long rc_ = req_message(s, sizeof(s) - 1, &heads_);                                 \
		if (!ok(rc_ < 0 && rc_ != HTTP_NEED_MORE, "smuggling: %s", what))                  \
			printf("#   got %ld\n", rc_);                                              \
	} while (0)

#define H "POST / HTTP/1.1\r\nHost: a\r\n"

static void smuggling(void)
{
	/* CL.TE and TE.CL: both framings present, in either order */
	SMUGGLE(H "Content-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nG", "CL.TE");
	SMUGGLE(H
		"Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n8\r\nSMUGGLED\r\n0\r\n\r\n",
		"TE.CL");
	SMUGGLE(H "Content-Length: 0\r\nTransfer-Encoding: identity\r\n\r\n",
		"CL with TE identity");
	/* TE.TE: obfuscated Transfer-Encoding */
	SMUGGLE(H "Transfer-Encoding: xchunked\r\n\r\n", "TE xchunked");
	SMUGGLE(H "Transfer-Encoding: chunkedx\r\n\r\n", "TE chunkedx");
	SMUGGLE(H "Transfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n", "TE chunked, identity");
	SMUGGLE(H "Transfer-Encoding: identity, chunked\r\n\r\n0\r\n\r\n", "TE identity, chunked");
	SMUGGLE(H "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", "TE gzip, chunked (501)");
	SMUGGLE(H "Transfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n", "TE chunked twice");
	SMUGGLE(H "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
		"duplicate TE lines");
	SMUGGLE(H "Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n0\r\n\r\n",
		"TE chunked then identity line");
	SMUGGLE(H "Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n", "TE space before colon");
	SMUGGLE(H "Transfer-Encoding:\x0b"
		  "chunked\r\n\r\n0\r\n\r\n",
		"TE VT before value");
	SMUGGLE(H "Transfer-Encoding: chunked\x0b\r\n\r\n0\r\n\r\n", "TE chunked VT");
	SMUGGLE(H "Transfer-Encoding: \x0c"
		  "chunked\r\n\r\n0\r\n\r\n",
		"TE FF");
	SMUGGLE(H "Transfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n", "TE obs-fold");
	SMUGGLE(H "Transfer-Encoding: chu\r\n nked\r\n\r\n0\r\n\r\n", "TE folded word");
	SMUGGLE(H " Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", "TE line starting with SP");
	SMUGGLE(H "X: y\r\n\tTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", "TE after HTAB");
	SMUGGLE(H "Transfer-Encoding: \"chunked\"\r\n\r\n0\r\n\r\n", "TE quoted");
	SMUGGLE(H "Transfer-Encoding: chunked;q=1\r\n\r\n0\r\n\r\n", "TE with parameter");
	SMUGGLE(H "Transfer-Encoding: ,\r\n\r\n", "TE empty list");
	SMUGGLE(H "Transfer-Encoding:\r\n\r\n", "TE empty");
	SMUGGLE(H "Transfer_Encoding: chunked\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n",
		"underscore name with duplicate CL");
	SMUGGLE("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", "TE in HTTP/1.0");
	/* Content-Length variants */
	SMUGGLE(H "Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello", "duplicate equal CL");
	SMUGGLE(H "Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", "duplicate CL");
	SMUGGLE(H "Content-Length: 5, 5\r\n\r\nhello", "CL list");
	SMUGGLE(H "Content-Length: +5\r\n\r\nhello", "CL plus sign");
	SMUGGLE(H "Content-Length: -5\r\n\r\n", "CL minus sign");
	SMUGGLE(H "Content-Length: 5 5\r\n\r\nhello", "CL inner space");
	SMUGGLE(H "Content-Length: 0x5\r\n\r\nhello", "CL hex");
	SMUGGLE(H "Content-Length: 5e0\r\n\r\nhello", "CL exponent");
	SMUGGLE(H "Content-Length: 5.0\r\n\r\nhello", "CL decimal");
	SMUGGLE(H "Content-Length: \r\n\r\n", "CL empty");
	SMUGGLE(H "Content-Length: 18446744073709551621\r\n\r\n", "CL 2^64+5 overflow");
	SMUGGLE(H "Content-Length: 99999999999999999999\r\n\r\n", "CL 20 nines");
	SMUGGLE(H "Content-Length: 00000000000000000005\r\n\r\nhello", "CL 20 digits, zeros");
	SMUGGLE(H "Content-Length : 5\r\n\r\nhello", "CL space before colon");
	SMUGGLE(H "Content-Length\t: 5\r\n\r\nhello", "CL tab before colon");
	SMUGGLE(H "Content-Length: 5\x00\r\n\r\nhello", "CL NUL");
	SMUGGLE(H "Content-Length:\r\n 5\r\n\r\nhello", "CL obs-fold");
	/* chunk-size abuse */
	SMUGGLE(H "Transfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n", "huge chunk size");
	SMUGGLE(H "Transfer-Encoding: chunked\r\n\r\n10000000000000000\r\n", "2^64 chunk size");
	SMUGGLE(H "Transfer-Encoding: chunked\r\n\r\n0x5\r\nhello\r\n0\r\n\r\n", "chunk size 0x");
	SMUGGLE(H "Transfer-Encoding: chunked\r\n\r\n 5\r\nhello\r\n0\r\n\r\n", "chunk size SP");
	SMUGGLE(H "Transfer-Encoding: chunked\r\n\r\n5 \r\nhello\r\n0\r\n\r\n",
		"chunk size SP after");
	SMUGGLE(H "Transfer-Encoding: chunked\r\n\r\n5\t\r\nhello\r\n0\r\n\r\n", "chunk size HTAB");
	SMUGGLE(H "Transfer-Encoding: chunked\r\n\r\n-5\r\nhello\r\n0\r\n\r\n", "negative chunk");
	SMUGGLE(H "Transfer-Encoding: chunked\r\n\r\n5\nhello\n0\n\n", "chunked LF only");
	SMUGGLE(H "Transfer-Encoding: chunked\r\n\r\n5\r\nhello0\r\n\r\n", "chunk without CRLF");
	SMUGGLE(H "Transfer-Encoding: chunked\r\n\r\n3\r\nhello\r\n0\r\n\r\n", "chunk too long");
	SMUGGLE(H "Transfer-Encoding: chunked\r\n\r\n0\r\nContent-Length : 5\r\n\r\n",
		"trailer with space before colon");
	/* line endings and bytes */
	SMUGGLE("POST / HTTP/1.1\nHost: a\nContent-Length: 5\n\nhello", "LF-only head");
	SMUGGLE("POST / HTTP/1.1\r\nHost: a\nContent-Length: 5\r\n\r\nhello", "one LF-only line");
	SMUGGLE("POST / HTTP/1.1\r\nHost: a\rContent-Length: 5\r\n\r\nhello", "bare CR");
	SMUGGLE("POST / HTTP/1.1\r\nHost: a\r\nX: 1\r\r\nContent-Length: 5\r\n\r\nhello",
		"CR CR LF");
	SMUGGLE("POST / HTTP/1.1\r\nHost: a\r\n\r\r\n", "CR CR LF as empty line");
	SMUGGLE("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\n\r\nhello", "LF as end");
	SMUGGLE("POST\x00/ HTTP/1.1\r\nHost: a\r\n\r\n", "NUL in start line");
	SMUGGLE("POST /\x00 HTTP/1.1\r\nHost: a\r\n\r\n", "NUL in target");
	SMUGGLE("POST / HTTP/1.1\x00\r\nHost: a\r\n\r\n", "NUL after version");
	SMUGGLE("POST / HTTP/1.1\r\nHost: a\x00\r\n\r\n", "NUL in value");
	SMUGGLE("POST / HTTP/1.1\r\n\x00Host: a\r\n\r\n", "NUL before name");
	SMUGGLE("POST / HTTP/1.1\r\nHost: a\r\nX\x00: b\r\n\r\n", "NUL in name");
	SMUGGLE("POST / HTTP/1.1\r\nHost: a\r\n\x00\r\n\r\n", "NUL line");
	SMUGGLE("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", "two Hosts");
	SMUGGLE("GET / HTTP/1.1\r\nHost : a\r\n\r\n", "Host space before colon");
	SMUGGLE("GET /a HTTP/1.1 GET /b HTTP/1.1\r\nHost: a\r\n\r\n", "two request lines");
	SMUGGLE("GET / HTTP/1.1\r\nHost: a\r\n\rGET /evil HTTP/1.1\r\nHost: a\r\n\r\n",
		"CR then request");
}

#undef H

int main(void)
{
	request_vectors();
	request_fields();
	response_vectors();
	byte_classes();
	chunked_vectors();
	smuggling();
	return done_testing();
}
