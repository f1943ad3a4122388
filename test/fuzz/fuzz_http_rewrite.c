/*
 * fuzz_http_rewrite.c - libFuzzer target for http/rewrite.c: whatever head the parser
 * accepts, the rewritten request/response fits its bound or says -ENOSPC, is a complete
 * head (ends in an empty line, one), and never carries a client x-tcp-* field or a
 * hop-by-hop field.  The first byte picks request or response and the connection mode.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "proxy/config.h"
#include "http/parse.h"
#include "http/rewrite.h"
#include "test/fuzz_check.h"

static const char conf_text[] = "[headers]\n"
				"request_add = [\"X-Added: yes\"]\n"
				"request_remove = [\"X-Remove-Me\"]\n"
				"response_add = [\"X-Proxy: 1\"]\n"
				"response_remove = [\"Server\"]\n"
				"[[backends]]\naddress = \"127.0.0.1:9001\"\n"
				"[[routes]]\nprefix = \"/\"\nbackend = \"127.0.0.1:9001\"\n"
				"[[routes]]\nprefix = \"/api/\"\nbackend = \"127.0.0.1:9001\"\n"
				"replace_path = \"/\"\n";

static struct proxy_config *cfg;

/* Field lines of a rewritten head (after the start line), checked one by one. */
static void check_fields(const char *out, long n, int request)
{
	const char *p = memchr(out, '\n', (size_t)n), *end = out + n;

	CHECK(p != NULL);
	p++;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len;

		CHECK(nl && nl > p && nl[-1] == '\r');
		len = (size_t)(nl - p) - 1;
		if (len == 0) {
			CHECK(nl + 1 == end); /* the empty line ends the head */
			return;
		}
		if (request)
			CHECK(len < 6 || strncasecmp(p, "x-tcp-", 6) != 0);
		CHECK(len < 11 || strncasecmp(p, "keep-alive:", 11) != 0);
		CHECK(len < 3 || strncasecmp(p, "te:", 3) != 0);
		CHECK(len < 8 || strncasecmp(p, "trailer:", 8) != 0);
		p = nl + 1;
	}
	CHECK(0); /* no empty line */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct http_header hdrs[64];
	static char out[HTTP_DEFAULT_MAX_HEAD + HTTP_REWRITE_EXTRA];
	char err[128];
	long n;
	int rc;

	if (!cfg) {
		cfg = malloc(sizeof(*cfg));
		if (!cfg ||
		    proxy_config_parse(conf_text, strlen(conf_text), "fuzz", cfg, err, sizeof(err)))
			abort();
	}
	if (size < 1)
		return 0;
	unsigned mode = data[0];
	const char *buf = (const char *)data + 1;
	size_t len = size - 1;
	size_t cap = (mode & 0x40) ? 64 + (mode & 0x3f) * 16 : sizeof(out);

	if (mode == 0xff) {
		/* The trailer filter on any bytes: in place, never longer. */
		char *t = malloc(len ? len : 1);
		unsigned sp = 0;

		CHECK(t != NULL);
		memcpy(t, buf, len);
		CHECK(http_rewrite_trailers(t, len, len & 1, &sp) <= len);
		free(t);
		return 0;
	}
	if (mode & 0x80) {
		struct http_response res;
		struct http_rw_response o = {NULL, NULL, (enum http_rw_conn)(mode % 5),
					     (mode & 8) ? HTTP_RW_NO_TE : 0};

		proxy_config_rw_response(cfg, &o);
		memset(&res, 0, sizeof(res));
		res.headers = hdrs;
		res.max_headers = 64;
		rc = http_parse_response(buf, len, 0, &res, NULL, 0);
		if (rc <= 0)
			return 0;
		n = http_rewrite_response(&res, &o, out, cap);
		CHECK(n == -ENOSPC || (n > 0 && (size_t)n <= cap));
		if (n > 0)
			check_fields(out, n, 0);
		return 0;
	}
	struct http_request req;
	struct http_rw_request o;
	struct http_slice path, rest;

	memset(&req, 0, sizeof(req));
	req.headers = hdrs;
	req.max_headers = 64;
	rc = http_parse_request(buf, len, 0, &req, NULL);
	if (rc <= 0)
		return 0;
	memset(&o, 0, sizeof(o));
	if (http_rewrite_split_target(&req, &path, &rest) == 0) {
		int r = proxy_config_route_match(cfg, path.p, path.n);

		CHECK(path.n >= 1 && path.p[0] == '/');
		proxy_config_rw_request(cfg, r, &o);
	} else {
		proxy_config_rw_request(cfg, -1, &o);
	}
	o.client_ip = "192.0.2.1";
	o.listen_port = "7000";
	o.fp = "x-tcp-p0f: 4:64+0:0:1460:mss*44,7:mss:df:0\r\n";
	o.fp_len = strlen(o.fp);
	o.minor = req.minor;
	o.conn = (enum http_rw_conn)(mode % 4);
	n = http_rewrite_request(&req, &o, out, cap);
	CHECK(n == -ENOSPC || n == -EINVAL || (n > 0 && (size_t)n <= cap));
	if (n > 0) {
		/* The hook's own line is the one x-tcp-* allowed: blank it before checking. */
		char *fp = strstr(out, "\r\nx-tcp-p0f: 4:64");

		CHECK(fp != NULL);
		memcpy(fp + 2, "fp", 2);
		check_fields(out, n, 1);
	}
	return 0;
}
