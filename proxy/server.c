/*
 * server.c - the engine's top: create and destroy a worker's engine, its listeners, the
 * loop that dispatches each epoll event and expired timer to its owner, signals, config
 * reloads and the drain.  The parts it dispatches to: exchange.c (the client state
 * machine) over conn.c (a client's life), upstream.c (backends, pool), telem.c
 * (telemetry), alog.c (access log), all over loop.c (clock, timers, epoll, log, graves).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <time.h>
#include <unistd.h>

#include "http/rewrite.h"
#include "proxy/alog.h"
#include "proxy/bufpool.h"
#include "proxy/conn.h"
#include "proxy/exchange.h"
#include "proxy/loop.h"
#include "proxy/server.h"
#include "proxy/telem.h"
#include "proxy/tunnel.h"
#include "proxy/upstream.h"

#define ALOG_CAP (64 * 1024)

#define container_of(ptr, type, member) ((type *)(void *)((char *)(ptr) - offsetof(type, member)))

/* Hand each expired timer to its owner: the list says which kind of object holds it. */
static void timers_expire(struct proxy_server *p)
{
	struct proxy_timer *t;
	enum proxy_tl l;

	while ((t = proxy_loop_timer_expired(p, &l)) != NULL) {
		struct proxy_conn *c;

		switch (l) {
		case TL_CONNECT:
		case TL_RESPONSE:
		case TL_UIDLE:
			c = proxy_upstream_timeout(p, container_of(t, struct proxy_upstream, t));
			if (c)
				proxy_exchange_upstream_timeout(p, c, l);
			break;
		case TL_TELEM:
			proxy_telem_close(p, container_of(t, struct proxy_telem, t));
			break;
		case TL_ACCEPT: /* paused after running out of fds: try the queue again */
			proxy_conn_accept(p, container_of(t, struct proxy_listener, t));
			break;
		case TL_PT_HELLO:
		case TL_PT_CONNECT:
		case TL_PT_IDLE:
			proxy_tunnel_timeout(p, t, l);
			break;
		default:
			proxy_exchange_timeout(p, container_of(t, struct proxy_conn, t), l);
			break;
		}
	}
}

/* ---- listeners ------------------------------------------------------------------ */

/* A listening socket for a (backlog 0: bound only, a probe).  With reuseport each worker
 * binds its own socket and the kernel spreads connections among them. */
static int open_listener(const struct proxy_config_addr *a, int backlog, int reuseport)
{
	int fd, one = 1;

	fd = socket(a->sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    (reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one))))
		goto fail;
	/* Accepted sockets inherit TCP_NODELAY: one setsockopt here instead of one per
	 * connection.  Heads leave in one send; Nagle would only delay a body's tail. */
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)))
		goto fail;
	if (a->sa.ss_family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)))
		goto fail;
	if (bind(fd, (const struct sockaddr *)&a->sa, a->salen) || (backlog && listen(fd, backlog)))
		goto fail;
	return fd;
fail:;
	int e = -errno;

	close(fd);
	return e;
}

static void port_text(const struct proxy_config_addr *a, char out[8])
{
	unsigned port = a->sa.ss_family == AF_INET6
			    ? ntohs(((const struct sockaddr_in6 *)&a->sa)->sin6_port)
			    : ntohs(((const struct sockaddr_in *)&a->sa)->sin_port);

	snprintf(out, 8, "%u", port);
}

int proxy_server_check_listen(const struct proxy_config *cfg, char *err, size_t errlen)
{
	for (unsigned int i = 0; i <= cfg->n_listen; i++) {
		const struct proxy_config_addr *a;
		int fd;

		if (i == cfg->n_listen) {
			if (!cfg->metrics_enabled)
				break;
			a = &cfg->metrics;
		} else {
			a = &cfg->listen[i];
		}
		/* Without SO_REUSEPORT: the bind fails if anything (another proxy included,
		 * which SO_REUSEPORT would silently let share the port) listens there. */
		fd = open_listener(a, 0, 0);
		if (fd < 0) {
			snprintf(err, errlen, "cannot listen on %s: %s", a->text, strerror(-fd));
			return fd;
		}
		close(fd);
	}
	for (unsigned int ti = 0; ti < cfg->pt.n; ti++) {
		for (unsigned int i = 0; i < cfg->pt.t[ti].n_listen; i++) {
			const struct proxy_config_addr *a = &cfg->pt.t[ti].listen[i];
			int fd = open_listener(a, 0, 0);

			if (fd < 0) {
				snprintf(err, errlen, "cannot listen on %s (passthrough): %s",
					 a->text, strerror(-fd));
				return fd;
			}
			close(fd);
		}
	}
	return 0;
}

/* ---- reload, drain ---------------------------------------------------------------- */

static void set_timeouts(struct proxy_server *p, const struct proxy_config *c)
{
	/* Through loop.c: a reload that changes a duration keeps each list ordered. */
	proxy_loop_timer_set_ms(p, TL_HEADER, c->client_header_timeout_ms);
	proxy_loop_timer_set_ms(p, TL_IDLE, c->idle_timeout_ms);
	proxy_loop_timer_set_ms(p, TL_CONNECT, c->connect_timeout_ms);
	proxy_loop_timer_set_ms(p, TL_UIDLE, c->idle_timeout_ms);
	proxy_loop_timer_set_ms(p, TL_RESPONSE, c->upstream_response_timeout_ms);
	proxy_loop_timer_set_ms(p, TL_LINGER, PROXY_LINGER_MS);
	proxy_loop_timer_set_ms(p, TL_TELEM, PROXY_TELEM_MS);
	proxy_loop_timer_set_ms(p, TL_ACCEPT, PROXY_ACCEPT_RETRY_MS);
	proxy_loop_timer_set_ms(p, TL_PT_HELLO, c->client_header_timeout_ms);
	proxy_loop_timer_set_ms(p, TL_PT_CONNECT, c->connect_timeout_ms);
	proxy_loop_timer_set_ms(p, TL_PT_IDLE, c->idle_timeout_ms);
	p->req_lim.max_body = c->max_body_bytes;
	p->pool.limit = c->buffer_memory_max;
}

void proxy_server_keep_fixed(const struct proxy_config *o, struct proxy_config *n)
{
	/* What the running process is built around stays as it was: sockets, processes,
	 * buffer sizes and the fingerprint maps. */
	n->workers = o->workers;
	n->max_connections = o->max_connections;
	n->n_listen = o->n_listen;
	memcpy(n->listen, o->listen, sizeof(n->listen));
	n->max_header_bytes = o->max_header_bytes;
	n->max_headers = o->max_headers;
	n->max_uri_length = o->max_uri_length;
	n->tcp_enabled = o->tcp_enabled;
	memcpy(n->p0f_db, o->p0f_db, sizeof(n->p0f_db));
	n->n_p0f_db = o->n_p0f_db;
	memcpy(n->pin_path, o->pin_path, sizeof(n->pin_path));
	n->max_age_ms = o->max_age_ms;
	n->map_wait_ms = o->map_wait_ms;
	n->metrics_enabled = o->metrics_enabled;
	n->metrics = o->metrics;
	n->access_log = o->access_log;
	/* Passthrough listeners are opened once: tables whose listen addresses changed keep
	 * running as they were (reload() says so). */
	if (!proxy_config_pt_same_listen(&o->pt, &n->pt))
		n->pt = o->pt;
}

static void reload(struct proxy_server *p)
{
	struct proxy_config *n = malloc(sizeof(*n));
	char err[512];

	if (!n) {
		proxy_loop_logf(p, LOG_LEVEL_ERROR, "reload: out of memory");
		p->ms->reload_failures++;
		return;
	}
	if (proxy_config_load_file(p->o.config_path, n, err, sizeof(err))) {
		proxy_loop_logf(p, LOG_LEVEL_ERROR, "reload: keeping the old config: %s", err);
		p->ms->reload_failures++;
		free(n);
		return;
	}
	struct proxy_config *o = p->cfg;

	if (!proxy_config_pt_same_listen(&o->pt, &n->pt))
		proxy_loop_logf(p, LOG_LEVEL_WARN,
				"reload: [[passthrough]] listen addresses changed: keeping the "
				"running [[passthrough]] tables (restart to apply)");
	proxy_server_keep_fixed(o, n);
	proxy_upstream_reload(p, n);
	memset(p->rr, 0, sizeof(p->rr));
	p->gen++;
	p->cfg = n;
	set_timeouts(p, n);
	proxy_tunnel_reload(p);
	free(o);
	p->ms->reloads++;
	proxy_loop_logf(p, LOG_LEVEL_INFO, "reloaded %s: %u route(s), %u backend(s)",
			p->o.config_path, n->n_routes, n->n_backends);
}

static void start_drain(struct proxy_server *p)
{
	if (p->stopping)
		return;
	p->stopping = 1;
	p->stop_deadline_ms = p->now_ms + p->cfg->shutdown_drain_ms;
	/* Take what is already queued, then stop accepting. */
	for (unsigned int i = 0; i < p->n_listen; i++) {
		proxy_conn_accept(p, &p->listen[i]);
		epoll_ctl(p->ep, EPOLL_CTL_DEL, p->listen[i].fd, NULL);
		close(p->listen[i].fd);
		p->listen[i].fd = -1;
	}
	proxy_tunnel_drain(p);
	proxy_upstream_close_idle(p);
	for (struct proxy_conn *c = p->clients, *nx; c; c = nx) {
		nx = c->next;
		if (c->state != C_HEAD || c->in.rd != c->in.wr)
			continue;
		/* Between requests: read what may already be there (a connection accepted a
		 * moment ago has its request waiting); if nothing is, the connection is idle
		 * and closes now. */
		c->s.rd_ready = 1;
		proxy_exchange_drive(p, c);
		if (c->state == C_HEAD && c->in.rd == c->in.wr)
			proxy_conn_close(p, c);
	}
	proxy_loop_logf(p, LOG_LEVEL_INFO, "draining %u connection(s) (up to %u ms)", p->n_clients,
			p->cfg->shutdown_drain_ms);
}

static void signal_event(struct proxy_server *p)
{
	struct signalfd_siginfo si;

	while (read(p->o.sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
			start_drain(p);
		else if (si.ssi_signo == SIGHUP && !p->stopping)
			reload(p);
	}
}

/* ---- create, run, destroy ------------------------------------------------------ */

int proxy_server_create(struct proxy_server **out, const struct proxy_config *cfg,
			const struct proxy_server_opts *opts, char *err, size_t errlen)
{
	struct proxy_server *p;
	int rc;

	*out = NULL;
	if (!opts->metrics || opts->worker >= opts->metrics->n_slots) {
		snprintf(err, errlen, "bad worker slot");
		return -EINVAL;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		goto nomem;
	p->ep = -1;
	p->telem.fd = -1;
	for (unsigned int i = 0; i < PROXY_CONFIG_MAX_LISTEN; i++)
		p->listen[i].fd = -1;
	p->o = *opts;
	p->ms = &opts->metrics->slot[opts->worker];
	p->cfg = malloc(sizeof(*p->cfg));
	if (!p->cfg)
		goto nomem;
	memcpy(p->cfg, cfg, sizeof(*cfg));
	proxy_bufpool_init(&p->pool, cfg->buffer_memory_max);
	for (int l = 0; l < TL_N; l++)
		p->tl[l].next = p->tl[l].prev = &p->tl[l];
	proxy_loop_clock_update(p);
	set_timeouts(p, cfg);
	p->next_tick_ms = p->now_ms + 1000;
	p->max_clients = cfg->max_connections;

	/* The largest buffers (borrowed from the pool as the data needs them): the head must
	 * fit the client buffer, which then streams the body. */
	p->in_cap = cfg->max_header_bytes + 1024 > 16384 ? cfg->max_header_bytes + 1024 : 16384;
	p->qh_cap = cfg->max_header_bytes + HTTP_REWRITE_EXTRA;
	p->up_cap = p->in_cap > 32768 ? p->in_cap : 32768;
	p->rh_cap = p->up_cap + HTTP_REWRITE_EXTRA;
	p->req_lim.max_line = cfg->max_uri_length + 32 > cfg->max_header_bytes
				  ? cfg->max_header_bytes
				  : cfg->max_uri_length + 32;
	p->req_lim.max_head = cfg->max_header_bytes;
	p->req_lim.max_body = cfg->max_body_bytes;
	p->res_lim.max_line = 8192;
	p->res_lim.max_head = p->up_cap - 1;
	p->max_hdrs = cfg->max_headers > 256 ? cfg->max_headers : 256;
	p->hdrs = calloc(p->max_hdrs, sizeof(*p->hdrs));
	if (!p->hdrs)
		goto nomem;
	if (opts->access_fd >= 0) {
		p->alog_cap = ALOG_CAP;
		p->alog = malloc(p->alog_cap);
		if (!p->alog)
			goto nomem;
		/* The main makes a pipe or socket non-blocking; a regular file stays blocking. */
		rc = fcntl(opts->access_fd, F_GETFL);
		p->alog_nb = rc >= 0 && (rc & O_NONBLOCK);
	}
	p->ep = epoll_create1(EPOLL_CLOEXEC);
	if (p->ep < 0) {
		rc = -errno;
		snprintf(err, errlen, "epoll_create1: %s", strerror(-rc));
		goto fail;
	}
	for (unsigned int i = 0; i < cfg->n_listen; i++) {
		rc = open_listener(&cfg->listen[i], 4096, 1);
		if (rc < 0) {
			snprintf(err, errlen, "cannot listen on %s: %s", cfg->listen[i].text,
				 strerror(-rc));
			goto fail;
		}
		p->listen[i].kind = HK_LISTEN;
		p->listen[i].fd = rc;
		port_text(&cfg->listen[i], p->listen[i].port);
		p->n_listen = i + 1;
		rc = proxy_loop_ep_add(p, p->listen[i].fd, EPOLLIN | EPOLLET, &p->listen[i]);
		if (rc)
			goto fail_ep;
	}
	if (cfg->metrics_enabled) {
		rc = open_listener(&cfg->metrics, 128, 1);
		if (rc < 0) {
			snprintf(err, errlen, "cannot listen on %s (telemetry): %s",
				 cfg->metrics.text, strerror(-rc));
			goto fail;
		}
		p->telem.kind = HK_TELEM_LISTEN;
		p->telem.fd = rc;
		rc = proxy_loop_ep_add(p, rc, EPOLLIN | EPOLLET, &p->telem);
		if (rc)
			goto fail_ep;
	}
	rc = proxy_tunnel_create(p);
	if (rc)
		goto nomem;
	for (unsigned int ti = 0; ti < cfg->pt.n; ti++) {
		for (unsigned int i = 0; i < cfg->pt.t[ti].n_listen; i++) {
			const struct proxy_config_addr *a = &cfg->pt.t[ti].listen[i];

			rc = open_listener(a, 4096, 1);
			if (rc < 0) {
				snprintf(err, errlen, "cannot listen on %s (passthrough): %s",
					 a->text, strerror(-rc));
				goto fail;
			}
			rc = proxy_tunnel_listen(p, ti, rc);
			if (rc)
				goto fail_ep;
		}
	}
	p->sig_kind = HK_SIGNAL;
	if (opts->sigfd >= 0) {
		rc = proxy_loop_ep_add(p, opts->sigfd, EPOLLIN, &p->sig_kind);
		if (rc)
			goto fail_ep;
	}
	proxy_upstream_reload(p, p->cfg);
	p->ms->up = 1;
	*out = p;
	return 0;
nomem:
	snprintf(err, errlen, "out of memory");
	rc = -ENOMEM;
	goto fail;
fail_ep:
	snprintf(err, errlen, "epoll_ctl: %s", strerror(-rc));
fail:
	proxy_server_destroy(p);
	return rc;
}

/* The pool's figures into this worker's metrics slot (a few stores per loop pass). */
static void buffers_gauge(struct proxy_server *p)
{
	p->ms->buffers_borrowed = (int64_t)p->pool.n_borrowed;
	p->ms->buffers_pooled = (int64_t)p->pool.n_pooled;
	p->ms->buffer_bytes_borrowed = (int64_t)p->pool.borrowed_bytes;
	p->ms->buffer_bytes_pooled = (int64_t)p->pool.pooled_bytes;
}

int proxy_server_run(struct proxy_server *p)
{
	struct epoll_event ev[256];

	for (;;) {
		int n = epoll_wait(p->ep, ev, 256, proxy_loop_next_timeout(p));

		if (n < 0 && errno != EINTR)
			return -errno;
		proxy_loop_clock_update(p);
		for (int i = 0; i < n; i++) {
			uint8_t kind = *(uint8_t *)ev[i].data.ptr;

			switch (kind) {
			case HK_CLIENT:
				proxy_exchange_event(p, ev[i].data.ptr, ev[i].events);
				break;
			case HK_UPSTREAM: {
				struct proxy_conn *c =
				    proxy_upstream_event(p, ev[i].data.ptr, ev[i].events);

				if (c)
					proxy_exchange_drive(p, c);
				break;
			}
			case HK_LISTEN:
				proxy_conn_accept(p, ev[i].data.ptr);
				break;
			case HK_TELEM_LISTEN:
				proxy_telem_accept(p);
				break;
			case HK_TELEM:
				proxy_telem_event(p, ev[i].data.ptr);
				break;
			case HK_SIGNAL:
				signal_event(p);
				break;
			case HK_PT_LISTEN:
			case HK_TUNNEL:
			case HK_TUNNEL_UP:
				proxy_tunnel_event(p, ev[i].data.ptr, ev[i].events);
				break;
			default:
				break;
			}
		}
		timers_expire(p);
		proxy_exchange_run_queue(p);
		if (p->now_ms >= p->next_tick_ms) {
			p->next_tick_ms = p->now_ms + 1000;
			proxy_conn_trim_free(p);
			proxy_upstream_trim_free(p);
			proxy_bufpool_trim(&p->pool);
			if (p->o.hook && p->o.hook->tick)
				p->o.hook->tick(p->o.hook->ctx);
		}
		if (p->alog_len)
			proxy_alog_flush(p);
		proxy_loop_reap_graves(p);
		proxy_tunnel_reap(p);
		buffers_gauge(p);
		if (p->stopping) {
			if (p->n_clients == 0)
				break;
			if (p->now_ms >= p->stop_deadline_ms) {
				proxy_loop_logf(p, LOG_LEVEL_WARN,
						"drain timeout: closing %u connection(s)",
						p->n_clients);
				break;
			}
		}
	}
	if (p->alog_len)
		proxy_alog_flush(p);
	p->ms->up = 0;
	return 0;
}

void proxy_server_destroy(struct proxy_server *p)
{
	if (!p)
		return;
	proxy_conn_free_all(p);
	proxy_tunnel_destroy(p);
	proxy_upstream_free_all(p);
	while (p->telems)
		proxy_telem_close(p, p->telems);
	proxy_loop_reap_graves(p);
	for (unsigned int i = 0; i < PROXY_CONFIG_MAX_LISTEN; i++)
		if (p->listen[i].fd >= 0)
			close(p->listen[i].fd);
	if (p->telem.fd >= 0)
		close(p->telem.fd);
	if (p->ep >= 0)
		close(p->ep);
	if (p->alog_len)
		proxy_alog_flush(p);
	proxy_bufpool_drain(&p->pool);
	free(p->alog);
	free(p->hdrs);
	free(p->cfg);
	free(p);
}
