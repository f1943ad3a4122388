/*
 * test_proxy_router.c - the proxy's configuration applied to requests: longest-prefix
 * routing, and request and response header rewriting with the configured rules
 * (hop-by-hop removal, x-tcp-* stripping, X-Forwarded-*, header add/remove, replace_path).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/config.h"
#include "http/parse.h"
#include "http/rewrite.h"
#include "test/harness.h"

static const char conf_text[] =
    "[headers]\n"
    "request_add = [\"X-Added: yes\", \"X-Override: ours\"]\n"
    "request_remove = [\"X-Remove-Me\"]\n"
    "response_add = [\"X-Proxy: 1\"]\n"
    "response_remove = [\"X-Secret\"]\n"
    "[[backends]]\naddress = \"127.0.0.1:9001\"\n"
    "[[backends]]\naddress = \"127.0.0.1:9002\"\n"
    "[[routes]]\nprefix = \"/\"\nbackend = \"127.0.0.1:9001\"\n"
    "[[routes]]\nprefix = \"/api/\"\nbackend = \"127.0.0.1:9002\"\nreplace_path = \"/\"\n"
    "[[routes]]\nprefix = \"/api/v2\"\nbackend = \"127.0.0.1:9002\"\n"
    "replace_path = \"/two\"\n";

static struct proxy_config *cfg;
static struct http_header hdrs[64];

/* Parse raw as a request (must succeed) into req. */
static int parse_req(const char *raw, struct http_request *req)
{
	memset(req, 0, sizeof(*req));
	req->headers = hdrs;
	req->max_headers = 64;
	return http_parse_request(raw, strlen(raw), 0, req, NULL);
}

static const char *route_prefix(const char *path)
{
	int r = proxy_config_route_match(cfg, path, strlen(path));

	return r < 0 ? "(none)" : cfg->routes[r].prefix;
}

/* Rewrite raw (a request) with conn mode m into out; returns the length or < 0. */
static long rw(const char *raw, enum http_rw_conn m, const char *fp, char *out, size_t cap,
	       unsigned *spoofed)
{
	struct http_request req;
	struct http_rw_request o;
	struct http_slice path, rest;
	int r;

	if (parse_req(raw, &req) <= 0)
		return -1000;
	memset(&o, 0, sizeof(o));
	r = -1;
	if (http_rewrite_split_target(&req, &path, &rest) == 0)
		r = proxy_config_route_match(cfg, path.p, path.n);
	proxy_config_rw_request(cfg, r, &o);
	o.client_ip = "192.0.2.7";
	o.listen_port = "7000";
	o.fp = fp;
	o.fp_len = fp ? strlen(fp) : 0;
	o.minor = req.minor;
	o.conn = m;
	long n = http_rewrite_request(&req, &o, out, cap - 1);

	if (n >= 0)
		out[n] = '\0';
	if (spoofed)
		*spoofed = o.spoofed;
	return n;
}

static int has(const char *hay, const char *needle)
{
	return strstr(hay, needle) != NULL;
}

static void test_routing(void)
{
	is_str(route_prefix("/"), "/", "route: / -> /");
	is_str(route_prefix("/x/y"), "/", "route: /x/y -> /");
	is_str(route_prefix("/api/"), "/api/", "route: /api/ -> /api/");
	is_str(route_prefix("/api/users"), "/api/", "route: /api/users -> /api/");
	is_str(route_prefix("/api/v2/x"), "/api/v2", "route: longest prefix /api/v2 wins");
	is_str(route_prefix("/api"), "/", "route: /api (no slash) is not under /api/");
}

static void test_request(void)
{
	char out[4096];
	unsigned sp = 0;
	long n;

	n = rw("GET /api/users?q=1 HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 6.6.6.6\r\n"
	       "X-Forwarded-Proto: https\r\nX-Forwarded-Port: 1\r\nX-TCP-P0F: forged\r\n"
	       "x-tcp-anything: x\r\nX-TCP-: bare\r\nX-TLS-JA4: forged-ja4\r\nx-tls-: bare2\r\n"
	       "X-TLSX: kept\r\nConnection: keep-alive, X-Hop\r\nX-Hop: h\r\n"
	       "Keep-Alive: 5\r\nTE: trailers\r\nProxy-Connection: x\r\nX-Remove-Me: 1\r\n"
	       "X-Override: theirs\r\nX-Keep: k\r\n\r\n",
	       HTTP_RW_KEEP, "x-tcp-p0f: 4:64+0:0:1460:mss*44,7:mss:df:0\r\n", out, sizeof(out),
	       &sp);
	ok(n > 0, "request rewritten (%ld bytes)", n);
	ok(!strncmp(out, "GET /users?q=1 HTTP/1.1\r\n", 25), "replace_path: /api/users -> /users");
	ok(has(out, "\r\nHost: h\r\n"), "Host kept");
	ok(has(out, "\r\nX-Forwarded-For: 192.0.2.7\r\n") && !has(out, "6.6.6.6"),
	   "X-Forwarded-For replaced by the client address");
	ok(has(out, "\r\nX-Forwarded-Proto: http\r\n") && !has(out, "https"),
	   "X-Forwarded-Proto replaced");
	ok(has(out, "\r\nX-Forwarded-Port: 7000\r\n") && !has(out, "X-Forwarded-Port: 1\r"),
	   "X-Forwarded-Port is the listener port");
	ok(!has(out, "forged") && !has(out, "x-tcp-anything") && !has(out, "bare"),
	   "client x-tcp-* removed (the bare prefix too)");
	ok(!has(out, "forged-ja4") && !has(out, "bare2"), "client x-tls-* removed (bare too)");
	ok(has(out, "\r\nX-TLSX: kept\r\n"), "x-tlsx (no dash) is an ordinary field");
	is_int(sp, 5, "five spoofed x-tcp-*/x-tls-* headers counted");
	ok(has(out, "x-tcp-p0f: 4:64+0:0:1460:mss*44,7:mss:df:0\r\n"), "hook lines added");
	ok(!has(out, "Connection:") && !has(out, "Keep-Alive") && !has(out, "TE:") &&
	       !has(out, "Proxy-Connection"),
	   "hop-by-hop fields removed");
	ok(!has(out, "X-Hop"), "field named by Connection removed");
	ok(!has(out, "X-Remove-Me"), "request_remove applied");
	ok(has(out, "\r\nX-Added: yes\r\n"), "request_add applied");
	ok(has(out, "\r\nX-Override: ours\r\n") && !has(out, "theirs"),
	   "request_add replaces the client's field of that name");
	ok(has(out, "\r\nX-Keep: k\r\n"), "other fields pass");
	ok(n >= 4 && !strcmp(out + n - 4, "\r\n\r\n"), "head ends with an empty line");

	n = rw("GET /api/v2/x HTTP/1.1\r\nHost: h\r\n\r\n", HTTP_RW_CLOSE, NULL, out, sizeof(out),
	       NULL);
	ok(!strncmp(out, "GET /two/x HTTP/1.1\r\n", 21), "replace_path without a trailing slash");
	ok(has(out, "\r\nConnection: close\r\n"), "Connection: close for a fresh connection");

	n = rw("GET /plain HTTP/1.0\r\n\r\n", HTTP_RW_CLOSE, NULL, out, sizeof(out), NULL);
	ok(!strncmp(out, "GET /plain HTTP/1.0\r\n", 21), "HTTP/1.0 stays 1.0 upstream");

	n = rw("GET http://example.com/api/z?k HTTP/1.1\r\nHost: example.com\r\n\r\n", HTTP_RW_KEEP,
	       NULL, out, sizeof(out), NULL);
	ok(!strncmp(out, "GET /z?k HTTP/1.1\r\n", 19),
	   "absolute-form routed and sent in origin-form");

	n = rw("GET /chat HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
	       "Sec-WebSocket-Key: k\r\n\r\n",
	       HTTP_RW_UPGRADE, NULL, out, sizeof(out), NULL);
	ok(has(out, "\r\nUpgrade: websocket\r\n") && has(out, "\r\nConnection: upgrade\r\n"),
	   "upgrade keeps Upgrade and says Connection: upgrade");
	n = rw("GET /chat HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\n\r\n", HTTP_RW_KEEP, NULL,
	       out, sizeof(out), NULL);
	ok(!has(out, "Upgrade"), "Upgrade dropped when not upgrading");

	n = rw(
	    "POST / HTTP/1.1\r\nHost: h\r\nConnection: content-length, transfer-encoding, host\r\n"
	    "Content-Length: 3\r\n\r\nabc",
	    HTTP_RW_KEEP, NULL, out, sizeof(out), NULL);
	ok(has(out, "\r\nContent-Length: 3\r\n") && has(out, "\r\nHost: h\r\n"),
	   "Connection cannot remove framing fields or Host");
	n = rw("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n", HTTP_RW_KEEP,
	       NULL, out, sizeof(out), NULL);
	ok(has(out, "\r\nTransfer-Encoding: chunked\r\n"), "chunked framing passes through");

	n = rw("GET / HTTP/1.1\r\nHost: h\r\n\r\n", HTTP_RW_KEEP, NULL, out, 60, NULL);
	is_int(n, -ENOSPC, "a head that does not fit -> -ENOSPC");
}

static void test_response(void)
{
	const char *raw =
	    "HTTP/1.1 200 OK\r\nServer: nginx\r\nConnection: keep-alive, X-Hop\r\n"
	    "X-Hop: 1\r\nKeep-Alive: timeout=5\r\nX-Secret: s\r\nContent-Length: 2\r\n"
	    "X-Other: o\r\n\r\nhi";
	struct http_response res;
	struct http_rw_response o = {NULL, NULL, HTTP_RW_KEEP, 0};
	char out[2048];
	long n;

	memset(&res, 0, sizeof(res));
	res.headers = hdrs;
	res.max_headers = 64;
	ok(http_parse_response(raw, strlen(raw), 0, &res, NULL, 0) > 0, "response parsed");
	proxy_config_rw_response(cfg, &o);
	n = http_rewrite_response(&res, &o, out, sizeof(out) - 1);
	ok(n > 0, "response rewritten");
	out[n > 0 ? n : 0] = '\0';
	ok(!strncmp(out, "HTTP/1.1 200 OK\r\n", 17), "status line");
	ok(has(out, "\r\nServer: nginx\r\n"), "backend Server passes through");
	ok(!has(out, "Via"), "no Via added");
	ok(!has(out, "X-Hop") && !has(out, "Keep-Alive") && !has(out, "Connection"),
	   "hop-by-hop response fields removed");
	ok(!has(out, "X-Secret"), "response_remove applied");
	ok(has(out, "\r\nX-Proxy: 1\r\n"), "response_add applied");
	ok(has(out, "\r\nContent-Length: 2\r\n") && has(out, "\r\nX-Other: o\r\n"),
	   "framing and other fields pass");
	o.conn = HTTP_RW_CLOSE;
	n = http_rewrite_response(&res, &o, out, sizeof(out) - 1);
	out[n > 0 ? n : 0] = '\0';
	ok(has(out, "\r\nConnection: close\r\n"), "Connection: close when the client closes");
	o.conn = HTTP_RW_KEEP_ALIVE;
	n = http_rewrite_response(&res, &o, out, sizeof(out) - 1);
	out[n > 0 ? n : 0] = '\0';
	ok(has(out, "\r\nConnection: keep-alive\r\n"), "keep-alive said to an HTTP/1.0 client");
	o.conn = HTTP_RW_INTERIM;
	n = http_rewrite_response(&res, &o, out, sizeof(out) - 1);
	out[n > 0 ? n : 0] = '\0';
	ok(!has(out, "X-Proxy") && !has(out, "Connection"),
	   "interim: no response_add, no Connection");
}

int main(void)
{
	char err[256];

	cfg = malloc(sizeof(*cfg));
	if (!cfg)
		return 1;
	if (!ok(proxy_config_parse(conf_text, strlen(conf_text), "unit", cfg, err, sizeof(err)) ==
		    0,
		"test config parses")) {
		printf("#   %s\n", err);
		free(cfg);
		return done_testing();
	}
	test_routing();
	test_request();
	test_response();
	proxy_config_free(cfg);
	free(cfg);
	return done_testing();
}
