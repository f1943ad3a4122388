/*
 * test_proxy_alog.c - the access log's lines (proxy/alog.c): the documented format
 * (docs/proxy.md, "Access log": TIME CLIENT METHOD TARGET STATUS BYTES MS UPSTREAM and its
 * example line), "-" for the fields of a request without a request line, IPv6 peers in
 * brackets, the milliseconds with three decimals, a line that cannot be kept dropped
 * whole and counted.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proxy/alog.h"
#include "proxy/metrics.h"
#include "test/harness.h"

struct rig {
	struct proxy_server p;
	struct proxy_metrics_slot ms;
	struct proxy_conn c;
	struct proxy_exch x;
	int rd;
};

static int rig_init(struct rig *r, size_t cap)
{
	int fds[2];

	memset(r, 0, sizeof(*r));
	if (pipe(fds) < 0)
		return -1;
	r->rd = fds[0];
	fcntl(fds[0], F_SETFL, O_NONBLOCK);
	r->p.o.access_fd = fds[1];
	r->p.alog_cap = cap;
	r->p.alog = malloc(cap);
	r->p.ms = &r->ms;
	r->c.x = &r->x;
	return r->p.alog ? 0 : -1;
}

static void rig_fini(struct rig *r)
{
	close(r->rd);
	close(r->p.o.access_fd);
	free(r->p.alog);
}

/* Flush and read back what was written, without the leading time stamp. */
static const char *rig_read(struct rig *r, char *buf, size_t len)
{
	ssize_t n;
	char *sp;

	proxy_alog_flush(&r->p);
	n = read(r->rd, buf, len - 1);
	buf[n > 0 ? n : 0] = 0;
	sp = strchr(buf, ' ');
	return sp ? sp + 1 : buf;
}

static void set_exch(struct rig *r, const char *method, const char *target, const char *up)
{
	snprintf(r->x.method, sizeof(r->x.method), "%s", method);
	snprintf(r->x.target, sizeof(r->x.target), "%s", target);
	r->x.target_len = (uint16_t)strlen(target);
	snprintf(r->x.upaddr, sizeof(r->x.upaddr), "%s", up);
}

static void set_peer(struct rig *r, const char *ip, uint16_t port, uint8_t fam, int status)
{
	snprintf(r->c.ip, sizeof(r->c.ip), "%s", ip);
	r->c.port = port;
	r->c.pfam = fam;
	r->c.status = status;
}

static void test_documented_example(void)
{
	struct rig r;
	char buf[1024];
	const char *line;

	if (rig_init(&r, 65536) < 0) {
		ok(0, "rig");
		return;
	}
	set_peer(&r, "127.0.0.1", 51234, PROXY_PEER_V4, 200);
	r.c.bytes_out = 612;
	r.c.start_us = 1000000;
	r.p.now_us = 1000412;
	set_exch(&r, "GET", "/a?x=1", "127.0.0.1:9000");
	proxy_alog_line(&r.p, &r.c);
	line = rig_read(&r, buf, sizeof(buf));
	is_str(line, "127.0.0.1:51234 GET /a?x=1 200 612 0.412 127.0.0.1:9000\n",
	       "the example line of docs/proxy.md");
	/* RFC 3339 UTC time, as in the example: 2026-11-26T09:00:00Z. */
	ok(line - buf == 21 && buf[4] == '-' && buf[7] == '-' && buf[10] == 'T' && buf[13] == ':' &&
	       buf[16] == ':' && buf[19] == 'Z',
	   "time stamp YYYY-MM-DDTHH:MM:SSZ first");
	is_int((int)r.ms.access_log_dropped, 0, "nothing dropped");
	rig_fini(&r);
}

static void test_fields(void)
{
	struct rig r;
	char buf[1024];

	if (rig_init(&r, 65536) < 0) {
		ok(0, "rig");
		return;
	}
	set_peer(&r, "2001:db8::1", 443, PROXY_PEER_V6, 502);
	r.c.bytes_out = 18446744073709551615ull;
	r.c.start_us = 5;
	r.p.now_us = 5 + 12005;
	set_exch(&r, "POST", "/x", "");
	proxy_alog_line(&r.p, &r.c);
	is_str(rig_read(&r, buf, sizeof(buf)),
	       "[2001:db8::1]:443 POST /x 502 18446744073709551615 12.005 -\n",
	       "IPv6 peer in brackets, no upstream: -, 64-bit byte count");

	set_peer(&r, "unix", 0, PROXY_PEER_UNKNOWN, 400);
	r.c.x = NULL;
	r.c.bytes_out = 0;
	r.p.now_us = r.c.start_us + 1;
	proxy_alog_line(&r.p, &r.c);
	is_str(rig_read(&r, buf, sizeof(buf)), "unix - - 400 0 0.001 -\n",
	       "no request line: - for method, target and upstream; peer without port");

	r.c.x = &r.x;
	set_exch(&r, "GET", "/", "10.0.0.1:80");
	set_peer(&r, "192.0.2.7", 0, PROXY_PEER_V4, 200);
	r.p.now_us = r.c.start_us + 1234567;
	proxy_alog_line(&r.p, &r.c);
	is_str(rig_read(&r, buf, sizeof(buf)), "192.0.2.7:0 GET / 200 0 1234.567 10.0.0.1:80\n",
	       "port 0, seconds of milliseconds");
	rig_fini(&r);
}

static void test_dropped_whole(void)
{
	struct rig r;
	char buf[64];

	/* A buffer too small for any line: the line is dropped and counted, never cut. */
	if (rig_init(&r, 64) < 0) {
		ok(0, "rig");
		return;
	}
	set_peer(&r, "127.0.0.1", 0, PROXY_PEER_V4, 200);
	set_exch(&r, "GET", "/", "127.0.0.1:9000");
	proxy_alog_line(&r.p, &r.c);
	proxy_alog_flush(&r.p);
	is_int((int)read(r.rd, buf, sizeof(buf)), -1, "nothing written");
	is_int((int)r.ms.access_log_dropped, 1, "counted as dropped");
	rig_fini(&r);
}

int main(void)
{
	test_documented_example();
	test_fields();
	test_dropped_whole();
	return done_testing();
}
