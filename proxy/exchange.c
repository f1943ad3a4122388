/*
 * exchange.c - the client connection state machine (conn.c holds its life and replies).
 *
 *   C_HEAD   read and parse a request head (pipelined bytes wait in the buffer)
 *   C_EXCH   one exchange: request head + body to the backend, response head + body back,
 *            both directions pumped at once (a backend may answer before the body ends)
 *   C_TUNNEL after a 101: raw bytes both ways until both sides closed
 *   C_ERROR  writing an error response the proxy made
 *   C_LINGER write side shut, reads drained until the client closes (so the kernel does
 *            not turn unread bytes into a reset that eats the response)
 *
 * Sockets are edge-triggered: each side remembers whether it may read or write; a short
 * read or write means "drained / full until the next edge".  The rewritten head and the
 * body bytes already in the buffer leave in one send.  Bodies are never held whole: a
 * full buffer simply stops reading that side (backpressure).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http/rewrite.h"
#include "http/status.h"
#include "proxy/bufpool.h"
#include "proxy/conn.h"
#include "proxy/exchange.h"
#include "proxy/flow.h"
#include "proxy/loop.h"
#include "proxy/request.h"
#include "proxy/upstream.h"

#define STEP_GUARD 64 /* steps per connection per wakeup before yielding to others */

static void enqueue(struct proxy_server *p, struct proxy_conn *c)
{
	if (c->queued)
		return;
	c->queued = 1;
	c->q_next = NULL;
	if (p->runq_tail)
		p->runq_tail->q_next = c;
	else
		p->runq = c;
	p->runq_tail = c;
}

/* ---- request head ---------------------------------------------------------------- */

/* Limits keep their own status (413, 414, 431); every other rejection is a 400, so a
 * client learns nothing finer about what the parser disliked (501/505 included). */
static int reject_status(int err)
{
	int st = http_status_of_error(err);

	return st == 413 || st == 414 || st == 431 ? st : 400;
}

static int step_head(struct proxy_server *p, struct proxy_conn *c)
{
	int r;

	/* A PROXY header (or the question whether one comes) before the first request. */
	if (c->pp && c->in.wr > c->in.rd && proxy_conn_proxy_header(p, c) < 0)
		return 0;
	if (c->in.wr > c->in.rd && !c->pp) {
		size_t len = c->in.wr - c->in.rd;

		if (len > c->parsed) {
			struct http_request req;

			memset(&req, 0, sizeof(req));
			req.headers = p->hdrs;
			req.max_headers = p->cfg->max_headers;
			r = http_parse_request(c->in.p + c->in.rd, len, c->parsed, &req,
					       &p->req_lim);
			if (r > 0)
				return proxy_request_start(p, c, &req, r);
			if (r != HTTP_NEED_MORE) {
				c->start_us = p->now_us;
				c->req_keep = 0;
				return proxy_conn_error_reply(p, c, reject_status(r), 0);
			}
			c->parsed = (uint32_t)len;
		}
		if (c->t.list == TL_IDLE)
			proxy_loop_timer_arm(p, &c->t, TL_HEADER); /* the next request has begun */
	}
	r = proxy_flow_recv(&p->pool, &c->s, &c->in, &p->ms->client_bytes_in);
	if (r > 0)
		return 1;
	if (r == PROXY_FLOW_NOBUF)
		return proxy_conn_refuse_busy(p, c);
	if (r == 0) {
		if (c->in.p && c->in.rd == 0 && c->in.wr == c->in.cap) {
			/* A head larger than the buffer can grow: over the head limit, or at
			 * buffer_memory_max. */
			c->start_us = p->now_us;
			if (c->in.cap < c->in.max)
				return proxy_conn_refuse_busy(p, c);
			return proxy_conn_error_reply(p, c, 431, 0);
		}
		/* Nothing arrived after all: an idle connection keeps no buffer. */
		if (c->in.p && c->in.rd == c->in.wr)
			proxy_bufpool_release(&p->pool, &c->in);
		return 0;
	}
	/* EOF or error between or inside heads: nothing to answer. */
	proxy_conn_close(p, c);
	return 0;
}

/* ---- exchange -------------------------------------------------------------------- */

/* The upstream failed before answering (reset, EOF, write error). */
static int upstream_broken(struct proxy_server *p, struct proxy_conn *c)
{
	struct proxy_upstream *u = c->up;
	int st;

	/* Closed before any byte of an answer: the request is still whole in qh (it has no
	 * body), so send it again, but only if sending it twice is harmless (an idempotent
	 * method, RFC 9110 9.2.2) or none of it left: the backend may have acted on a POST
	 * before it closed.  A pooled connection the backend closed just as we reused it:
	 * the same backend on a fresh connection.  A fresh connection (the backend crashed
	 * or was killed with the request): the route's next backend, if it has one (c->tried
	 * keeps this one out, so every backend is tried at most once). */
	if (u && c->bodyless && c->rphase == R_HEAD && u->in.wr == u->in.rd && !c->rh_len &&
	    c->qh && (c->idempotent || c->qh_off == 0)) {
		if (u->reused)
			proxy_upstream_untry(p, c, u);
		proxy_upstream_release(p, u, 0);
		c->qh_off = 0;
		st = proxy_conn_acquire(p, c, 1);
		if (st == 0)
			return 1;
		if (st == 503)
			return proxy_conn_fail(p, c, 503);
	}
	p->ms->upstream_err[PROXY_UERR_RESET]++;
	return proxy_conn_fail(p, c, 502);
}

/* A connect that completed with an error: retry another backend or answer 502 (503 when
 * out of fds). */
static void upstream_failed(struct proxy_server *p, struct proxy_conn *c)
{
	int st;

	if (c->up)
		proxy_upstream_release(p, c->up, 0);
	c->qh_off = 0;
	st = proxy_conn_acquire(p, c, 0);
	if (st == 0)
		return;
	proxy_conn_fail(p, c, st);
}

/* Whether a response without a body (HEAD, 204, 304) announced one: Content-Length other
 * than 0, or Transfer-Encoding.  A backend that sends it anyway leaves it on the
 * connection, where it would read as the next client's response. */
static int announces_body(const struct http_response *res)
{
	for (size_t i = 0; i < res->nheaders; i++) {
		const struct http_header *h = &res->headers[i];

		if (h->id == HTTP_H_TRANSFER_ENCODING)
			return 1;
		if (h->id == HTTP_H_CONTENT_LENGTH)
			for (size_t k = 0; k < h->value.n; k++)
				if (h->value.p[k] >= '1' && h->value.p[k] <= '9')
					return 1;
	}
	return 0;
}

/* Write the client's response head into a borrowed buffer of the smallest class that
 * holds it (a second, full-size try when the first is short).  Its length, -ENOSPC, or
 * -ENOBUFS. */
static long build_response_head(struct proxy_server *p, struct proxy_conn *c,
				const struct http_response *res, const struct http_rw_response *o,
				int hl)
{
	size_t want = (size_t)hl + 1024;
	long n;

	proxy_conn_rh_drop(p, c);
	for (;;) {
		c->rh =
		    proxy_bufpool_get(&p->pool, want < p->rh_cap ? want : p->rh_cap, &c->rh_cap);
		if (!c->rh)
			return -ENOBUFS;
		c->rh_owned = 1;
		n = http_rewrite_response(res, o, c->rh, c->rh_cap);
		if (n >= 0 || c->rh_cap >= p->rh_cap)
			return n;
		proxy_conn_rh_drop(p, c);
		want = p->rh_cap;
	}
}

static int response_head(struct proxy_server *p, struct proxy_conn *c, struct proxy_upstream *u,
			 const struct http_response *res, int hl)
{
	struct http_rw_response o = {NULL, NULL, HTTP_RW_KEEP, 0};
	int dechunk = 0;
	long n;

	proxy_config_rw_response(p->cfg, &o);
	/* RFC 9112 6.1: no Transfer-Encoding to an HTTP/1.0 recipient.  A backend that sends
	 * chunked to our HTTP/1.0 request anyway has its body decoded; the close ends it. */
	if (c->minor == 0) {
		o.flags |= HTTP_RW_NO_TE;
		dechunk = res->body_kind == HTTP_BODY_CHUNKED;
	}
	if (res->status < 200 && res->status != 101) {
		/* 100 Continue and other interim responses go to HTTP/1.1 clients as they are;
		 * the final response follows on the same connection. */
		u->in.rd += (uint32_t)hl;
		u->parsed = 0;
		if (c->minor == 0)
			return 1;
		o.conn = HTTP_RW_INTERIM;
		n = build_response_head(p, c, res, &o, hl);
		if (n == -ENOBUFS)
			return proxy_conn_refuse_busy(p, c);
		if (n < 0) {
			p->ms->upstream_err[PROXY_UERR_BAD_RESPONSE]++;
			return proxy_conn_fail(p, c, 502);
		}
		c->rh_len = (uint32_t)n;
		c->rh_off = 0;
		return 1;
	}
	if (res->status == 101) {
		if (!c->upgrade) {
			p->ms->upstream_err[PROXY_UERR_BAD_RESPONSE]++;
			return proxy_conn_fail(p, c, 502);
		}
		o.conn = HTTP_RW_UPGRADE;
		c->keep = 0;
	} else {
		c->keep = (uint8_t)(c->req_keep && res->body_kind != HTTP_BODY_UNTIL_CLOSE &&
				    !dechunk && !p->stopping && c->x->req.done && !c->reject);
		o.conn = !c->keep	 ? HTTP_RW_CLOSE
			 : c->minor == 0 ? HTTP_RW_KEEP_ALIVE
					 : HTTP_RW_KEEP;
	}
	/* Never pooled when bytes may still come: a body announced but not due (HEAD, 204,
	 * 304) may arrive anyway, late, and be read as the next request's response. */
	c->up_reusable =
	    (uint8_t)(res->keep_alive && !c->force_new && c->up_minor == 1 && res->status != 101 &&
		      !(res->body_kind == HTTP_BODY_NONE && announces_body(res)));
	n = build_response_head(p, c, res, &o, hl);
	if (n == -ENOBUFS)
		return proxy_conn_refuse_busy(p, c);
	if (n < 0) {
		p->ms->upstream_err[PROXY_UERR_BAD_RESPONSE]++;
		return proxy_conn_fail(p, c, 502);
	}
	c->rh_len = (uint32_t)n;
	c->rh_off = 0;
	c->status = res->status;
	/* A final response: the request can no longer be sent again elsewhere. */
	if (c->qh_off == c->qh_len)
		proxy_conn_qh_drop(p, c);
	if (u->in.max > PROXY_FLOW_STREAM_MAX)
		u->in.max = PROXY_FLOW_STREAM_MAX;
	c->started = 1;
	u->in.rd += (uint32_t)hl;
	u->parsed = 0;
	proxy_flow_body_init(&c->x->res, res->body_kind, res->content_length, 0);
	c->x->res.dechunk = (uint8_t)dechunk;
	c->rphase = R_BODY;
	return 1;
}

static int step_response(struct proxy_server *p, struct proxy_conn *c)
{
	struct proxy_upstream *u = c->up;
	int r, prog = 0;

	if (!u || u->connecting)
		return 0;
	if (c->rphase == R_HEAD) {
		if (c->rh_off < c->rh_len) {
			r = proxy_flow_send(&c->s, c->rh, &c->rh_off, c->rh_len, NULL, NULL,
					    &p->ms->client_bytes_out, &c->bytes_out);
			if (r < 0) {
				proxy_conn_abort(p, c, 1); /* the client went away */
				return 1;
			}
			if (c->rh_off < c->rh_len)
				return r;
			proxy_conn_rh_drop(p, c); /* an interim response, sent */
			prog = r;
		}
		if (u->in.wr - u->in.rd > u->parsed) {
			struct http_response res;
			size_t len = u->in.wr - u->in.rd;

			memset(&res, 0, sizeof(res));
			res.headers = p->hdrs;
			res.max_headers = p->max_hdrs;
			r = http_parse_response(u->in.p + u->in.rd, len, u->parsed, &res,
						&p->res_lim, c->is_head ? HTTP_RESP_TO_HEAD : 0);
			if (r > 0)
				return response_head(p, c, u, &res, r);
			if (r != HTTP_NEED_MORE) {
				p->ms->upstream_err[PROXY_UERR_BAD_RESPONSE]++;
				return proxy_conn_fail(p, c, 502);
			}
			u->parsed = (uint32_t)len;
		}
		r = proxy_flow_recv(&p->pool, &u->s, &u->in, &p->ms->upstream_bytes_in);
		if (r > 0)
			return 1;
		if (r == PROXY_FLOW_NOBUF)
			return proxy_conn_refuse_busy(p, c);
		if (r < 0)
			return upstream_broken(p, c);
		if (u->in.p && u->in.rd == 0 && u->in.wr == u->in.cap) {
			if (u->in.cap < u->in.max)
				return proxy_conn_refuse_busy(p, c); /* at buffer_memory_max */
			p->ms->upstream_err[PROXY_UERR_BAD_RESPONSE]++;
			return proxy_conn_fail(p, c, 502);
		}
		return prog;
	}
	r = proxy_flow_body_scan(&c->x->res, &u->in);
	if (r < 0) {
		p->ms->upstream_err[PROXY_UERR_BAD_RESPONSE]++;
		proxy_conn_abort(p, c, 0);
		return 1;
	}
	r = proxy_flow_send(&c->s, c->rh, &c->rh_off, c->rh_len, &u->in, &c->x->res,
			    &p->ms->client_bytes_out, &c->bytes_out);
	if (r < 0) {
		proxy_conn_abort(p, c, 1); /* the client went away */
		return 1;
	}
	if (c->rh && c->rh_off == c->rh_len)
		proxy_conn_rh_drop(p, c);
	if (r > 0) /* a slow reader is progress too: the timer watches inactivity */
		proxy_loop_timer_arm(p, &u->t, TL_RESPONSE);
	prog |= r;
	if (!c->x->res.done) {
		r = proxy_flow_recv(&p->pool, &u->s, &u->in, &p->ms->upstream_bytes_in);
		if (r > 0) {
			prog = 1;
			proxy_loop_timer_arm(p, &u->t, TL_RESPONSE);
		} else if (r < 0) {
			if (c->x->res.kind == HTTP_BODY_UNTIL_CLOSE && r == -1) {
				c->x->res.done = 1;
				c->up_reusable = 0;
				prog = 1;
			} else {
				p->ms->upstream_err[PROXY_UERR_RESET]++;
				proxy_conn_abort(p, c, 0);
				return 1;
			}
		}
	}
	return prog;
}

static void finish_exchange(struct proxy_server *p, struct proxy_conn *c)
{
	struct proxy_upstream *u = c->up;
	int req_complete = c->x->req.done && c->x->req.fwd == 0 && c->qh_off == c->qh_len;

	if (u)
		proxy_upstream_release(p, u, c->up_reusable && req_complete);
	p->ms->spoofed += c->x->req.spoofed; /* x-tcp-* dropped from request trailers */
	proxy_conn_count_status(p, c);
	if (!req_complete)
		c->keep = 0;
	if (c->keep && !p->stopping)
		proxy_conn_reset_next(p, c);
	else if (req_complete && c->in.rd == c->in.wr && !c->s.rd_ready)
		/* Nothing unread was pending at the last read: a plain close sends our FIN
		 * after the response, no reset can overtake it. */
		proxy_conn_close(p, c);
	else
		proxy_conn_linger(p, c);
}

static void enter_tunnel(struct proxy_server *p, struct proxy_conn *c)
{
	proxy_conn_count_status(p, c);
	c->state = C_TUNNEL;
	proxy_loop_timer_disarm(&c->t);
	proxy_loop_timer_arm(p, &c->up->t, TL_UIDLE);
	proxy_flow_body_init(&c->x->req, -1, 0, 0);
	proxy_flow_body_init(&c->x->res, -1, 0, 0);
}

static int step_exch(struct proxy_server *p, struct proxy_conn *c)
{
	struct proxy_upstream *u = c->up;
	int r, prog = 0;

	if (!u)
		return proxy_conn_fail(p, c, 502);
	if (u->connecting) {
		if (!u->s.wr_ready)
			return 0;
		if (proxy_upstream_connected(p, u)) {
			upstream_failed(p, c);
			return 1;
		}
	}
	/* Request: head and cleared body bytes to the backend, more body from the client. */
	r = proxy_flow_body_scan(&c->x->req, &c->in);
	if (r < 0)
		return proxy_conn_fail(p, c, reject_status(r));
	r = proxy_flow_send(&u->s, c->qh, &c->qh_off, c->qh_len, &c->in, &c->x->req,
			    &p->ms->upstream_bytes_out, NULL);
	if (r < 0)
		return upstream_broken(p, c);
	if (r > 0) {
		prog = 1;
		if (c->rphase == R_HEAD)
			proxy_loop_timer_arm(p, &u->t, TL_RESPONSE);
	}
	if (!c->x->req.done) {
		r = proxy_flow_recv(&p->pool, &c->s, &c->in, &p->ms->client_bytes_in);
		if (r > 0) {
			prog = 1;
		} else if (r < 0) {
			proxy_conn_abort(p, c, 1); /* the client left in the middle of its body */
			return 1;
		}
	}
	/* Response. */
	r = step_response(p, c);
	if (c->state != C_EXCH || c->up != u)
		return 1;
	prog |= r;
	if (c->rphase == R_BODY && c->rh_off == c->rh_len) {
		if (c->status == 101) {
			enter_tunnel(p, c);
			return 1;
		}
		if (c->x->res.done && c->x->res.fwd == 0) {
			finish_exchange(p, c);
			return 1;
		}
	}
	return prog;
}

/* One direction of a tunnel: 1 progress, 0 none, -1 failed. */
static int tunnel_dir(struct proxy_server *p, struct proxy_side *src, struct proxy_buf *b,
		      struct proxy_body *bd, struct proxy_side *dst, uint64_t *in_ctr,
		      uint64_t *out_ctr, uint64_t *out_ctr2)
{
	int prog = 0, r;

	bd->fwd = b->wr - b->rd;
	r = proxy_flow_send(dst, NULL, NULL, 0, b, bd, out_ctr, out_ctr2);
	if (r < 0)
		return -1;
	prog |= r;
	r = proxy_flow_recv(&p->pool, src, b, in_ctr);
	if (r == -2 || r == PROXY_FLOW_NOBUF)
		return -1;
	if (r != 0)
		prog = 1;
	if (src->eof && b->rd == b->wr && !dst->shut) {
		shutdown(dst->fd, SHUT_WR);
		dst->shut = 1;
		prog = 1;
	}
	return prog;
}

static int step_tunnel(struct proxy_server *p, struct proxy_conn *c)
{
	struct proxy_upstream *u = c->up;
	int a, b;

	if (!u) {
		proxy_conn_close(p, c);
		return 0;
	}
	a = tunnel_dir(p, &c->s, &c->in, &c->x->req, &u->s, &p->ms->client_bytes_in,
		       &p->ms->upstream_bytes_out, NULL);
	b = tunnel_dir(p, &u->s, &u->in, &c->x->res, &c->s, &p->ms->upstream_bytes_in,
		       &p->ms->client_bytes_out, NULL);
	if (a < 0 || b < 0 || (c->s.eof && u->s.eof && c->s.shut && u->s.shut)) {
		proxy_conn_close(p, c);
		return 0;
	}
	if (a || b)
		proxy_loop_timer_arm(p, &u->t, TL_UIDLE);
	return a || b;
}

static int step_error(struct proxy_server *p, struct proxy_conn *c)
{
	int r = proxy_flow_send(&c->s, c->rh, &c->rh_off, c->rh_len, NULL, NULL,
				&p->ms->client_bytes_out, &c->bytes_out);

	if (r < 0) {
		proxy_conn_close(p, c);
		return 0;
	}
	if (c->rh_off < c->rh_len)
		return r;
	if (c->keep && !p->stopping)
		proxy_conn_reset_next(p, c);
	else
		proxy_conn_linger(p, c);
	return 1;
}

static int step_linger(struct proxy_server *p, struct proxy_conn *c)
{
	/* What a closing client still sends is thrown away: a scratch buffer takes it. */
	char scratch[4096];
	struct proxy_buf b = {.p = scratch, .cap = sizeof(scratch)};
	int r;

	r = proxy_flow_read(&c->s, &b, &p->ms->client_bytes_in);
	if (r < 0) {
		proxy_conn_close(p, c);
		return 0;
	}
	return r;
}

void proxy_exchange_drive(struct proxy_server *p, struct proxy_conn *c)
{
	for (int i = 0; i < STEP_GUARD; i++) {
		int r;

		switch (c->state) {
		case C_HEAD:
			r = step_head(p, c);
			break;
		case C_EXCH:
			r = step_exch(p, c);
			break;
		case C_TUNNEL:
			r = step_tunnel(p, c);
			break;
		case C_ERROR:
			r = step_error(p, c);
			break;
		case C_LINGER:
			r = step_linger(p, c);
			break;
		default:
			return;
		}
		if (!r)
			return;
	}
	enqueue(p, c); /* more to do: after the others had their turn */
}

void proxy_exchange_run_queue(struct proxy_server *p)
{
	struct proxy_conn *c = p->runq;

	p->runq = p->runq_tail = NULL;
	while (c) {
		struct proxy_conn *nx = c->q_next;

		c->queued = 0;
		c->q_next = NULL;
		if (c->state != C_CLOSED)
			proxy_exchange_drive(p, c);
		c = nx;
	}
}

void proxy_exchange_event(struct proxy_server *p, struct proxy_conn *c, uint32_t ev)
{
	if (c->state == C_CLOSED)
		return;
	if (ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
		c->s.rd_ready = 1;
	if (ev & (EPOLLRDHUP | EPOLLHUP | EPOLLERR))
		c->s.hup = 1;
	if (ev & (EPOLLOUT | EPOLLHUP | EPOLLERR))
		c->s.wr_ready = 1;
	proxy_exchange_drive(p, c);
}

void proxy_exchange_timeout(struct proxy_server *p, struct proxy_conn *c, enum proxy_tl list)
{
	if (c->state == C_CLOSED)
		return;
	if (list == TL_HEADER && c->state == C_HEAD && !(c->pp && c->in.wr > c->in.rd)) {
		/* The client did not finish a request head in time (inside a PROXY header
		 * it is closed without an answer, below). */
		c->start_us = p->now_us;
		c->req_keep = 0;
		proxy_conn_error_reply(p, c, 408, 0);
		proxy_exchange_drive(p, c);
		return;
	}
	proxy_conn_close(p, c); /* idle keep-alive, linger, or an error nobody reads */
}

void proxy_exchange_upstream_timeout(struct proxy_server *p, struct proxy_conn *c,
				     enum proxy_tl list)
{
	if (c->state == C_CLOSED)
		return;
	if (c->state == C_TUNNEL) {
		proxy_conn_close(p, c);
		return;
	}
	if (list == TL_CONNECT) {
		p->ms->upstream_err[PROXY_UERR_CONNECT_TIMEOUT]++;
		if (c->up && c->up->be)
			c->up->be->down_until = p->now_ms + PROXY_DOWN_MS;
		if (c->up)
			proxy_upstream_release(p, c->up, 0);
		c->qh_off = 0;
		if (proxy_conn_acquire(p, c, 0) != 0)
			proxy_conn_fail(p, c, 504);
	} else {
		p->ms->upstream_err[PROXY_UERR_TIMEOUT]++;
		proxy_conn_fail(p, c, 504);
	}
	if (c->state != C_CLOSED)
		proxy_exchange_drive(p, c);
}
