/*
 * conn.c - a client connection's life: accept (with the hook's header lines), the replies
 * the proxy makes itself (errors, 503 over the limit), keep-alive reset, linger and close.
 * The request/response state machine that drives a connection is in exchange.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http/rewrite.h"
#include "http/status.h"
#include "proxy/alog.h"
#include "proxy/conn.h"
#include "proxy/loop.h"
#include "proxy/ppin.h"
#include "proxy/upstream.h"

#define REJECT_RESERVE 64  /* connections over max_connections kept to answer 503 */
#define IDLE_CLOSE_BATCH 2 /* idle keep-alive clients closed early when out of fds */

/* ---- lifecycle ------------------------------------------------------------------- */

void proxy_conn_close(struct proxy_server *p, struct proxy_conn *c)
{
	if (c->state == C_CLOSED)
		return;
	if (c->pp && c->in.wr > c->in.rd) /* closed or timed out inside a PROXY header */
		p->ms->pp[PROXY_PPIN_INCOMPLETE]++;
	if (c->up)
		proxy_upstream_release(p, c->up, 0);
	proxy_loop_timer_disarm(&c->t);
	close(c->s.fd);
	c->s.fd = -1;
	if (c->prev)
		c->prev->next = c->next;
	else
		p->clients = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->prev = c->next = NULL;
	p->n_clients--;
	p->ms->active_clients--;
	c->state = C_CLOSED;
	c->free_next = p->grave_conns;
	p->grave_conns = c;
}

void proxy_conn_count_status(struct proxy_server *p, struct proxy_conn *c)
{
	if (c->status)
		proxy_metrics_status(p->ms, c->status);
	proxy_alog_line(p, c);
}

/* Shut our side and drain the client's until it closes or TL_LINGER ends. */
void proxy_conn_linger(struct proxy_server *p, struct proxy_conn *c)
{
	if (c->up)
		proxy_upstream_release(p, c->up, 0);
	shutdown(c->s.fd, SHUT_WR);
	c->state = C_LINGER;
	proxy_loop_timer_arm(p, &c->t, TL_LINGER);
}

/* The exchange cannot go on: close both sides (after counting what was answered).  With
 * no status sent yet, a client that left is logged 499 (as nginx does), else 502. */
void proxy_conn_abort(struct proxy_server *p, struct proxy_conn *c, int client_gone)
{
	if (!c->status)
		c->status = client_gone ? 499 : 502;
	proxy_conn_count_status(p, c);
	proxy_conn_close(p, c);
}

void proxy_conn_reset_next(struct proxy_server *p, struct proxy_conn *c)
{
	c->state = C_HEAD;
	c->rphase = R_HEAD;
	c->qh_len = c->qh_off = c->rh_len = c->rh_off = 0;
	c->status = 0;
	c->started = 0;
	c->is_head = 0; /* an error before the next request's line is parsed has a body */
	c->method[0] = '\0';
	c->target_len = 0;
	c->upaddr[0] = '\0';
	c->bytes_out = 0;
	c->parsed = 0;
	proxy_loop_timer_arm(p, &c->t, c->in.rd == c->in.wr ? TL_IDLE : TL_HEADER);
}

/* Answer status with a small body of our own; keep-alive only if may_keep allows. */
int proxy_conn_error_reply(struct proxy_server *p, struct proxy_conn *c, int status, int may_keep)
{
	long n;

	if (c->up)
		proxy_upstream_release(p, c->up, 0);
	c->keep = (uint8_t)(may_keep && c->req_keep && !p->stopping && !c->reject);
	/* Say what the connection does next, in the client's terms (HTTP/1.0: keep-alive
	 * must be said), and send no body after HEAD. */
	n = http_status_error_reply(status,
				    !c->keep	    ? HTTP_STATUS_CLOSE
				    : c->minor == 0 ? HTTP_STATUS_KEEP_ALIVE
						    : HTTP_STATUS_KEEP,
				    c->is_head, c->rh, p->rh_cap);
	c->rh_len = n > 0 ? (uint32_t)n : 0;
	c->rh_off = 0;
	c->status = status;
	c->state = C_ERROR;
	c->start_us = c->start_us ? c->start_us : p->now_us;
	proxy_conn_count_status(p, c);
	proxy_loop_timer_arm(p, &c->t, TL_IDLE);
	return 1;
}

/* An exchange failed with status: answer it if no final response has started yet. */
int proxy_conn_fail(struct proxy_server *p, struct proxy_conn *c, int status)
{
	if (c->started || (c->rh_off > 0 && c->rh_off < c->rh_len)) {
		proxy_conn_abort(p, c, 0);
		return 1;
	}
	/* The request body may be half read: the connection cannot carry another request. */
	return proxy_conn_error_reply(p, c, status, c->req.done && c->req.fwd == 0);
}

/* ---- accept ---------------------------------------------------------------------- */

static struct proxy_conn *conn_alloc(struct proxy_server *p)
{
	struct proxy_conn *c = p->free_conns;
	char *in, *qh, *rh;

	if (c) {
		p->free_conns = c->free_next;
		in = c->in.p;
		qh = c->qh;
		rh = c->rh;
	} else {
		c = malloc(sizeof(*c));
		in = malloc(p->in_cap);
		qh = malloc(p->qh_cap);
		rh = malloc(p->rh_cap);
		if (!c || !in || !qh || !rh) {
			free(c);
			free(in);
			free(qh);
			free(rh);
			return NULL;
		}
	}
	memset(c, 0, sizeof(*c));
	c->kind = HK_CLIENT;
	c->in.p = in;
	c->in.cap = p->in_cap;
	c->qh = qh;
	c->rh = rh;
	c->route = -1;
	return c;
}

static void peer_text(struct proxy_conn *c, const struct sockaddr_storage *ss)
{
	unsigned port = 0;

	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;

		inet_ntop(AF_INET6, &s6->sin6_addr, c->ip, sizeof(c->ip));
		port = ntohs(s6->sin6_port);
		snprintf(c->peer, sizeof(c->peer), "[%s]:%u", c->ip, port);
	} else if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;

		inet_ntop(AF_INET, &s4->sin_addr, c->ip, sizeof(c->ip));
		port = ntohs(s4->sin_port);
		snprintf(c->peer, sizeof(c->peer), "%s:%u", c->ip, port);
	} else {
		strcpy(c->ip, "unknown");
		strcpy(c->peer, "unknown");
	}
}

static void pp_policy(const struct proxy_config *cfg, struct proxy_ppin_policy *pol)
{
	pol->mode = cfg->proxy_protocol;
	pol->trusted = cfg->trusted;
	pol->n_trusted = cfg->n_trusted;
	pol->max_len = PROXY_PPIN_MAX;
}

/* The hook's lines for the SYN of peer ss. */
static void syn_lookup(struct proxy_server *p, struct proxy_conn *c,
		       const struct sockaddr_storage *ss, socklen_t sl)
{
	int n;

	if (!p->o.hook || !p->o.hook->on_accept || c->reject)
		return;
	n = p->o.hook->on_accept(p->o.hook->ctx, (const struct sockaddr *)ss, sl, c->fp,
				 sizeof(c->fp));
	c->fp_len = n > 0 && (size_t)n <= sizeof(c->fp) ? (uint16_t)n : 0;
}

int proxy_conn_proxy_header(struct proxy_server *p, struct proxy_conn *c)
{
	struct proxy_ppin_policy pol;
	const struct sockaddr_storage *cl;
	struct proxy_ppin r;
	unsigned ignored;

	pp_policy(p->cfg, &pol);
	if (!proxy_ppin_read(&pol, c->pp, c->in.p + c->in.rd, c->in.wr - c->in.rd, &r))
		return 0;
	if (c->pp == PROXY_PPIN_PEER_TRUSTED || r.result != PROXY_PPIN_NONE)
		p->ms->pp[r.result]++;
	if (r.result >= PROXY_PPIN_UNTRUSTED) {
		/* No answer: the peer is not speaking to us the way the configuration says. */
		if (r.result == PROXY_PPIN_BAD)
			proxy_loop_logf(p, LOG_LEVEL_DEBUG,
					"PROXY header from %s refused: %s at "
					"byte %zu",
					c->peer, r.err, r.err_off);
		else
			proxy_loop_logf(p, LOG_LEVEL_DEBUG, "PROXY header from %s refused: %s",
					c->peer, proxy_ppin_result_name(r.result));
		c->pp = 0;
		proxy_conn_close(p, c);
		return -1;
	}
	if (r.result == PROXY_PPIN_NONE && c->pp == PROXY_PPIN_PEER_TRUSTED) {
		/* The trusted peer is its own client: its SYN is the one to look up. */
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);

		if (getpeername(c->s.fd, (struct sockaddr *)&ss, &sl) == 0)
			syn_lookup(p, c, &ss, sl);
	} else if (r.result != PROXY_PPIN_NONE) {
		/* Fingerprints come from the TLVs only: the SYN the agent saw is the balancer's. */
		cl = proxy_ppin_client(&r);
		if (cl)
			peer_text(c, cl);
		c->fp_len = (uint16_t)proxy_ppin_fp_lines(&r, c->fp, sizeof(c->fp), &ignored);
		p->ms->pp_tlv_ignored += ignored;
		c->in.rd += (uint32_t)r.len;
	}
	c->pp = 0;
	return 1;
}

/*
 * Out of fds: close up to IDLE_CLOSE_BATCH keep-alive connections that wait for a next
 * request with nothing of it read, the longest waiting first (TL_IDLE is ordered by
 * deadline), so a client in the listen queue gets the fd (one for it, one for its
 * upstream).  An idle connection may be closed at any time (RFC 9112 9.3).  Returns how
 * many were closed.
 */
static int close_idle(struct proxy_server *p)
{
	struct proxy_timer *h = &p->tl[TL_IDLE], *t, *nx;
	int n = 0;

	for (t = h->next; t != h && n < IDLE_CLOSE_BATCH; t = nx) {
		struct proxy_conn *c =
		    (struct proxy_conn *)(void *)((char *)t - offsetof(struct proxy_conn, t));

		nx = t->next;
		if (c->state != C_HEAD || c->in.rd != c->in.wr)
			continue; /* TL_IDLE also times error replies */
		proxy_conn_close(p, c);
		n++;
	}
	return n;
}

void proxy_conn_accept(struct proxy_server *p, struct proxy_listener *l)
{
	struct proxy_ppin_policy pol;
	int drained = 0;

	pp_policy(p->cfg, &pol);

	for (;;) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		struct proxy_conn *c;
		int fd;

		if (l->fd < 0)
			return;
		fd = accept4(l->fd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EAGAIN)
				return;
			/* Out of fds and the like: say so at most once a second. */
			int e = errno;

			if (p->now_ms >= p->accept_warn_ms) {
				p->accept_warn_ms = p->now_ms + 1000;
				proxy_loop_logf(p, LOG_LEVEL_WARN, "accept: %s", strerror(e));
			}
			if ((e == EMFILE || e == ENFILE) && !drained && close_idle(p) > 0) {
				drained = 1;
				continue;
			}
			/* The listener is edge-triggered: the clients already queued bring no new
			 * event, so without a retry they would wait for the next new connection.
			 * Accepting pauses and resumes on a timer (as nginx does). */
			if (e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM)
				proxy_loop_timer_arm(p, &l->t, TL_ACCEPT);
			return;
		}
		if (p->n_clients >= p->max_clients + REJECT_RESERVE) {
			p->ms->rejected++;
			close(fd);
			continue;
		}
		c = conn_alloc(p);
		if (!c) {
			close(fd);
			continue;
		}
		c->s.fd = fd;
		c->s.wr_ready = 1;
		/* Readability comes with the first edge: adding a socket that already holds
		 * the request queues one at once. */
		if (p->n_clients >= p->max_clients) {
			/* Over the limit: read the request and answer 503 (not a silent reset). */
			c->reject = 1;
			p->ms->rejected++;
		}
		peer_text(c, &ss);
		c->listen_port = l->port;
		c->pp = (uint8_t)proxy_ppin_peer(&pol, (struct sockaddr *)&ss);
		/* A trusted peer's client (and fingerprints) are known after its header. */
		if (c->pp != PROXY_PPIN_PEER_TRUSTED)
			syn_lookup(p, c, &ss, sl);
		if (proxy_loop_ep_add(p, fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, c)) {
			close(fd);
			c->free_next = p->free_conns;
			p->free_conns = c;
			continue;
		}
		c->next = p->clients;
		if (p->clients)
			p->clients->prev = c;
		p->clients = c;
		p->n_clients++;
		p->ms->accepted++;
		p->ms->active_clients++;
		c->state = C_HEAD;
		proxy_loop_timer_arm(p, &c->t, TL_HEADER);
	}
}

void proxy_conn_free_all(struct proxy_server *p)
{
	while (p->clients)
		proxy_conn_close(p, p->clients);
	while (p->grave_conns) {
		struct proxy_conn *c = p->grave_conns;

		p->grave_conns = c->free_next;
		c->free_next = p->free_conns;
		p->free_conns = c;
	}
	while (p->free_conns) {
		struct proxy_conn *c = p->free_conns;

		p->free_conns = c->free_next;
		free(c->in.p);
		free(c->qh);
		free(c->rh);
		free(c);
	}
}
