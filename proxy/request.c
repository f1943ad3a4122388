/*
 * request.c - a parsed request head becomes an exchange: limits and dot segments
 * checked, the route chosen, the backend's head written (fingerprint lines, the
 * User-Agent verdict, connection handling) and an upstream connection acquired.
 */
#include <errno.h>
#include <string.h>

#include "http/rewrite.h"
#include "http/status.h"
#include "http/target.h"
#include "proxy/bufpool.h"
#include "proxy/conn.h"
#include "proxy/flow.h"
#include "proxy/loop.h"
#include "proxy/request.h"

static void copy_log_fields(struct proxy_exch *x, const struct http_request *req)
{
	size_t n = req->method.n < sizeof(x->method) - 1 ? req->method.n : sizeof(x->method) - 1;

	memcpy(x->method, req->method.p, n);
	x->method[n] = '\0';
	n = req->target.n < sizeof(x->target) ? req->target.n : sizeof(x->target);
	memcpy(x->target, req->target.p, n);
	x->target_len = (uint16_t)n;
}

/* Write the backend's request head into a borrowed buffer of the smallest class that
 * holds it (a second, full-size try when the first is short).  Its length, -ENOSPC, or
 * -ENOBUFS when no buffer could be borrowed. */
static long build_request_head(struct proxy_server *p, struct proxy_conn *c,
			       const struct http_request *req, struct http_rw_request *o, int hl)
{
	size_t want = (size_t)hl + c->fp_len + 1024;
	long n;

	for (;;) {
		c->qh =
		    proxy_bufpool_get(&p->pool, want < p->qh_cap ? want : p->qh_cap, &c->qh_cap);
		if (!c->qh)
			return -ENOBUFS;
		o->spoofed = 0;
		n = http_rewrite_request(req, o, c->qh, c->qh_cap);
		if (n >= 0 || c->qh_cap >= p->qh_cap)
			return n;
		proxy_conn_qh_drop(p, c);
		want = p->qh_cap;
	}
}

int proxy_request_start(struct proxy_server *p, struct proxy_conn *c,
			const struct http_request *req, int hl)
{
	char fpx[PROXY_HOOK_LINES_MAX + PROXY_HOOK_REQ_LINES_MAX];
	struct http_slice path, rest;
	struct http_rw_request o;
	struct http_request nreq;
	int route, st;
	long n, nt;

	c->minor = (uint8_t)req->minor;
	c->is_head = req->method_id == HTTP_M_HEAD;
	c->idempotent = req->method_id == HTTP_M_GET || req->method_id == HTTP_M_HEAD ||
			req->method_id == HTTP_M_PUT || req->method_id == HTTP_M_DELETE ||
			req->method_id == HTTP_M_OPTIONS || req->method_id == HTTP_M_TRACE;
	c->upgrade = (uint8_t)http_rewrite_upgrade_ok(req); /* never h2c (docs/proxy.md) */
	c->req_keep = (uint8_t)req->keep_alive;
	c->start_us = p->now_us;
	c->tried = 0;
	c->started = 0;
	proxy_loop_timer_disarm(&c->t);
	if (proxy_conn_exch_take(p, c)) {
		c->in.rd += (uint32_t)hl;
		return proxy_conn_refuse_busy(p, c);
	}
	copy_log_fields(c->x, req);
	proxy_flow_body_init(&c->x->req, req->body_kind, req->content_length, p->req_lim.max_body);
	c->x->req.tflags = p->cfg->drop_underscore_fields ? HTTP_RW_DROP_UNDERSCORE : 0;
	c->bodyless = c->x->req.done;
	/* The head is parsed: what follows is body, streamed through buffers of a bounded
	 * size whatever the head limit. */
	if (c->in.max > PROXY_FLOW_STREAM_MAX)
		c->in.max = PROXY_FLOW_STREAM_MAX;

	if (c->reject) {
		c->in.rd += (uint32_t)hl;
		return proxy_conn_error_reply(p, c, 503, 0);
	}
	if (req->connect)
		return proxy_conn_error_reply(p, c, 405, 0);
	/* The parser bounds the whole request line; the target itself is checked here. */
	if (req->target.n > p->cfg->max_uri_length)
		return proxy_conn_error_reply(p, c, 414, 0);
	/* Dot segments resolved (or 400) before the route is chosen: docs/proxy.md, Paths.
	 * In place: the target only shrinks, and its bytes are ours until the next request. */
	nt = http_target_normalize(c->in.p + (req->target.p - c->in.p), req->target.n,
				   req->target_form, NULL);
	if (nt < 0)
		return proxy_conn_error_reply(p, c, 400, 0);
	nreq = *req;
	nreq.target.n = (size_t)nt;
	req = &nreq;
	route = -1;
	if (http_rewrite_split_target(req, &path, &rest) == 0)
		route = proxy_config_route_match(p->cfg, path.p, path.n);
	if (route < 0) {
		/* Answered without reading a body: keep-alive only when there is none. */
		c->in.rd += (uint32_t)hl;
		c->parsed = 0;
		return proxy_conn_error_reply(p, c, 404, c->bodyless);
	}
	c->route = route;
	c->gen = p->gen;
	c->force_new = p->cfg->routes[route].force_new_connection;
	c->up_minor = c->minor;
	memset(&o, 0, sizeof(o));
	proxy_config_rw_request(p->cfg, route, &o);
	o.client_ip = c->ip;
	o.listen_port = c->listen_port;
	o.fp = c->fp;
	o.fp_len = c->fp_len;
	if (c->fp_len && p->o.hook && p->o.hook->on_request) {
		/* Per request: the hook's verdict on this request's User-Agent. */
		const char *ua = NULL;
		size_t ua_len = 0;
		int m;

		for (size_t i = 0; i < req->nheaders; i++)
			if (http_slice_eq_ci(req->headers[i].name, "user-agent", 10)) {
				ua = req->headers[i].value.p;
				ua_len = req->headers[i].value.n;
				break;
			}
		memcpy(fpx, c->fp, c->fp_len);
		m = p->o.hook->on_request(p->o.hook->ctx, c->fp, c->fp_len, ua, ua_len,
					  fpx + c->fp_len, PROXY_HOOK_REQ_LINES_MAX);
		if (m > 0 && m <= PROXY_HOOK_REQ_LINES_MAX) {
			o.fp = fpx;
			o.fp_len = c->fp_len + (size_t)m;
		}
	}
	o.minor = c->minor;
	/* An HTTP/1.0 client gets an HTTP/1.0 request upstream, so the backend never answers
	 * it with chunked framing it cannot read. */
	if (c->upgrade)
		o.conn = HTTP_RW_UPGRADE;
	else if (c->force_new || c->minor == 0)
		o.conn = HTTP_RW_CLOSE;
	else
		o.conn = HTTP_RW_KEEP;
	n = build_request_head(p, c, req, &o, hl);
	if (n == -ENOBUFS) {
		c->in.rd += (uint32_t)hl;
		return proxy_conn_refuse_busy(p, c);
	}
	if (n < 0)
		return proxy_conn_error_reply(p, c, n == -EINVAL ? 400 : 431, 0);
	p->ms->spoofed += o.spoofed;
	c->qh_len = (uint32_t)n;
	c->qh_off = 0;
	c->in.rd += (uint32_t)hl;
	c->parsed = 0;
	c->state = C_EXCH;
	c->rphase = R_HEAD;
	c->rh_len = c->rh_off = 0;
	st = proxy_conn_acquire(p, c, 0);
	if (st)
		return proxy_conn_error_reply(p, c, st, 0);
	return 1;
}
