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
#include "proxy/bufpool.h"
#include "proxy/conn.h"
#include "proxy/loop.h"
#include "proxy/ppgate.h"
#include "proxy/ppin.h"
#include "proxy/upstream.h"

#define REJECT_RESERVE 64   /* connections over max_connections kept to answer 503 */
#define FREE_CONNS_KEPT 256 /* closed connections kept for reuse; the rest are freed */
#define IDLE_CLOSE_BATCH 2  /* idle keep-alive clients closed early when out of fds */

/* ---- what a request borrows ------------------------------------------------------ */

int proxy_conn_exch_take(struct proxy_server *p, struct proxy_conn *c)
{
	uint32_t cap;

	if (c->x)
		return 0;
	c->x = proxy_bufpool_get(&p->pool, sizeof(*c->x), &cap);
	if (!c->x)
		return -ENOBUFS;
	memset(c->x, 0, sizeof(*c->x));
	return 0;
}

void proxy_conn_rh_drop(struct proxy_server *p, struct proxy_conn *c)
{
	if (c->rh_owned)
		proxy_bufpool_put(&p->pool, c->rh, c->rh_cap);
	c->rh = NULL;
	c->rh_cap = 0;
	c->rh_owned = 0;
}

void proxy_conn_qh_drop(struct proxy_server *p, struct proxy_conn *c)
{
	proxy_bufpool_put(&p->pool, c->qh, c->qh_cap);
	c->qh = NULL;
	c->qh_cap = 0;
}

/* Everything the request borrowed but the input buffer. */
static void request_release(struct proxy_server *p, struct proxy_conn *c)
{
	if (c->x) {
		proxy_bufpool_put(&p->pool, c->x, proxy_bufpool_class_size(sizeof(*c->x)));
		c->x = NULL;
	}
	proxy_conn_qh_drop(p, c);
	proxy_conn_rh_drop(p, c);
}

/* ---- lifecycle ------------------------------------------------------------------- */

void proxy_conn_close(struct proxy_server *p, struct proxy_conn *c)
{
	if (c->state == C_CLOSED)
		return;
	if (c->pp && c->in.wr > c->in.rd) /* closed or timed out inside a PROXY header */
		proxy_ppgate_incomplete(p);
	if (c->up)
		proxy_upstream_release(p, c->up, 0);
	proxy_loop_timer_disarm(&c->t);
	close(c->s.fd);
	c->s.fd = -1;
	request_release(p, c);
	proxy_bufpool_release(&p->pool, &c->in);
	free(c->fp);
	c->fp = NULL;
	c->fp_len = 0;
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
	/* Nothing is read for use any more: the drain needs no buffer of its own. */
	request_release(p, c);
	proxy_bufpool_release(&p->pool, &c->in);
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
	c->bytes_out = 0;
	c->parsed = 0;
	/* Between requests a connection holds nothing but pipelined bytes, in the smallest
	 * buffer that takes them. */
	request_release(p, c);
	proxy_bufpool_fit(&p->pool, &c->in);
	c->in.max = p->in_cap;
	proxy_loop_timer_arm(p, &c->t, c->in.rd == c->in.wr ? TL_IDLE : TL_HEADER);
}

/* The text of an error response: one copy per worker of each (status, connection
 * handling, HEAD) answered, shared by every connection sending it; a borrowed buffer if
 * the table is full.  NULL with *len 0 when not even that works (the connection then just
 * closes). */
static char *error_text(struct proxy_server *p, struct proxy_conn *c, int status,
			enum http_status_conn conn, uint32_t *len)
{
	unsigned int i;
	long n;

	for (i = 0; i < p->n_err; i++)
		if (p->err[i].status == status && p->err[i].conn == conn &&
		    p->err[i].head == c->is_head)
			break;
	if (i == p->n_err && i < sizeof(p->err) / sizeof(p->err[0])) {
		n = http_status_error_reply(status, conn, c->is_head, p->err[i].text,
					    sizeof(p->err[i].text));
		if (n > 0) {
			p->err[i].status = (uint16_t)status;
			p->err[i].conn = (uint8_t)conn;
			p->err[i].head = c->is_head;
			p->err[i].len = (uint16_t)n;
			p->n_err++;
		}
	}
	if (i < p->n_err) {
		*len = p->err[i].len;
		return p->err[i].text;
	}
	c->rh = proxy_bufpool_get(&p->pool, 256, &c->rh_cap);
	n = c->rh ? http_status_error_reply(status, conn, c->is_head, c->rh, c->rh_cap) : -1;
	c->rh_owned = c->rh != NULL;
	*len = n > 0 ? (uint32_t)n : 0;
	return c->rh;
}

/* Answer status with a small body of our own; keep-alive only if may_keep allows. */
int proxy_conn_error_reply(struct proxy_server *p, struct proxy_conn *c, int status, int may_keep)
{
	uint32_t len = 0;

	if (c->up)
		proxy_upstream_release(p, c->up, 0);
	c->keep = (uint8_t)(may_keep && c->req_keep && !p->stopping && !c->reject);
	/* Say what the connection does next, in the client's terms (HTTP/1.0: keep-alive
	 * must be said), and send no body after HEAD. */
	proxy_conn_rh_drop(p, c);
	c->rh = error_text(p, c, status,
			   !c->keep	   ? HTTP_STATUS_CLOSE
			   : c->minor == 0 ? HTTP_STATUS_KEEP_ALIVE
					   : HTTP_STATUS_KEEP,
			   &len);
	c->rh_len = len;
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
	return proxy_conn_error_reply(p, c, status, c->x && c->x->req.done && c->x->req.fwd == 0);
}

/* ---- accept ---------------------------------------------------------------------- */

static struct proxy_conn *conn_alloc(struct proxy_server *p)
{
	struct proxy_conn *c = p->free_conns;

	if (c)
		p->free_conns = c->free_next;
	else if (!(c = malloc(sizeof(*c))))
		return NULL;
	/* No buffer yet: the first is borrowed when the first bytes arrive. */
	memset(c, 0, sizeof(*c));
	c->kind = HK_CLIENT;
	c->in.max = p->in_cap;
	c->route = -1;
	return c;
}

static void peer_text(struct proxy_conn *c, const struct sockaddr_storage *ss)
{
	int v = proxy_loop_addr(ss, c->ip, sizeof(c->ip), &c->port);

	c->pfam = v == 6 ? PROXY_PEER_V6 : v == 4 ? PROXY_PEER_V4 : PROXY_PEER_UNKNOWN;
}

static void pp_policy(const struct proxy_config *cfg, struct proxy_ppin_policy *pol)
{
	pol->mode = cfg->proxy_protocol;
	pol->trusted = cfg->trusted;
	pol->n_trusted = cfg->n_trusted;
	pol->max_len = PROXY_PPIN_MAX;
}

/* Keep n bytes of the hook's lines at their own length: most of the reserved size is
 * never used. */
static void fp_keep(struct proxy_conn *c, const char *fp, int n)
{
	free(c->fp);
	c->fp = NULL;
	c->fp_len = 0;
	if (n > 0 && (size_t)n <= PROXY_HOOK_LINES_MAX && (c->fp = malloc((size_t)n))) {
		memcpy(c->fp, fp, (size_t)n);
		c->fp_len = (uint16_t)n;
	}
}

/* The hook's lines for the SYN of peer ss. */
static void syn_lookup(struct proxy_server *p, struct proxy_conn *c,
		       const struct sockaddr_storage *ss, socklen_t sl)
{
	char fp[PROXY_HOOK_LINES_MAX];
	int n;

	if (!p->o.hook || !p->o.hook->on_accept || c->reject)
		return;
	n = p->o.hook->on_accept(p->o.hook->ctx, (const struct sockaddr *)ss, sl, fp, sizeof(fp));
	fp_keep(c, fp, n);
}

/* The peer as the access log writes it (kept as address, port and family, not text). */
static const char *peer_str(const struct proxy_conn *c, char *buf, size_t n)
{
	if (c->pfam == PROXY_PEER_UNKNOWN)
		return c->ip;
	snprintf(buf, n, c->pfam == PROXY_PEER_V6 ? "[%s]:%u" : "%s:%u", c->ip, (unsigned)c->port);
	return buf;
}

int proxy_conn_proxy_header(struct proxy_server *p, struct proxy_conn *c)
{
	struct proxy_ppin_policy pol;
	struct proxy_ppgate g;
	char peer[INET6_ADDRSTRLEN + 8];
	int r;

	pp_policy(p->cfg, &pol);
	r = proxy_ppgate_read(p, &pol, c->pp, c->in.p + c->in.rd, c->in.wr - c->in.rd,
			      peer_str(c, peer, sizeof(peer)), &g);
	if (r == 0)
		return 0;
	if (r < 0) {
		c->pp = 0;
		proxy_conn_close(p, c);
		return -1;
	}
	if (g.result == PROXY_PPIN_NONE && c->pp == PROXY_PPIN_PEER_TRUSTED) {
		/* The trusted peer is its own client: its SYN is the one to look up. */
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);

		if (getpeername(c->s.fd, (struct sockaddr *)&ss, &sl) == 0)
			syn_lookup(p, c, &ss, sl);
	} else if (g.result != PROXY_PPIN_NONE) {
		if (g.has_addr)
			peer_text(c, &g.src);
		fp_keep(c, g.fp, g.fp_len);
		c->in.rd += g.skip;
	}
	c->pp = 0;
	return 1;
}

/*
 * Out of fds: close up to IDLE_CLOSE_BATCH keep-alive connections that wait for a next
 * request with nothing of it read, the longest waiting first (TL_IDLE is ordered by
 * deadline), so a client in the listen queue gets the fd (one for it, one for its
 * upstream), or a request its upstream connection.  An idle connection may be closed at any time
 * (RFC 9112 9.3).  Returns how many were closed.
 */
int proxy_conn_close_idle(struct proxy_server *p)
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
		fd = proxy_loop_accept(p, l->fd, &ss, &sl, NULL);
		if (fd < 0) {
			int e = -fd;

			if ((e == EMFILE || e == ENFILE) && !drained &&
			    proxy_conn_close_idle(p) > 0) {
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
			free(c->fp);
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
		free(c);
	}
}

void proxy_conn_trim_free(struct proxy_server *p)
{
	struct proxy_conn **l = &p->free_conns;

	for (unsigned int i = 0; *l && i < FREE_CONNS_KEPT; i++)
		l = &(*l)->free_next;
	while (*l) {
		struct proxy_conn *c = *l;

		*l = c->free_next;
		free(c);
	}
}

/* A buffer could not be borrowed (buffer_memory_max): refuse the request with 503 and
 * close; its answer is the shared error text, which needs no buffer. */
int proxy_conn_refuse_busy(struct proxy_server *p, struct proxy_conn *c)
{
	p->ms->buffer_refused++;
	c->start_us = c->start_us ? c->start_us : p->now_us;
	c->req_keep = 0;
	return proxy_conn_fail(p, c, 503);
}

/* proxy_upstream_acquire; when the worker is out of fds for the upstream connection (503),
 * once more after closing idle keep-alive clients: their fds are worth more to a request
 * than to a connection that may never send another. */
int proxy_conn_acquire(struct proxy_server *p, struct proxy_conn *c, int fresh)
{
	int st = proxy_upstream_acquire(p, c, fresh);

	if (st == 503 && proxy_conn_close_idle(p) > 0)
		st = proxy_upstream_acquire(p, c, fresh);
	return st;
}
