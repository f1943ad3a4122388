/*
 * server.c - the engine's loop: listeners, epoll, timers, signals, the telemetry
 * endpoints (/metrics, /health, /ready), the access log and config reloads.  The client
 * state machine is in conn.c, backends and the upstream pool in upstream.c.
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

#include "proxy/engine.h"
#include "http/rewrite.h"

#define TELEM_OUT_MAX (256 * 1024)
#define ALOG_CAP (64 * 1024)

void proxy_loop_logf(struct proxy_server *p, enum http_log_level lv, const char *fmt, ...)
{
	char buf[768];
	va_list ap;

	if (!p->o.log)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	p->o.log(p->o.log_ctx, lv, buf);
}

/* ---- timers ------------------------------------------------------------------------ */

void proxy_loop_timer_disarm(struct proxy_timer *t)
{
	if (t->list == TL_NONE)
		return;
	t->prev->next = t->next;
	t->next->prev = t->prev;
	t->prev = t->next = NULL;
	t->list = TL_NONE;
}

void proxy_loop_timer_arm(struct proxy_server *p, struct proxy_timer *t, enum proxy_tl list)
{
	struct proxy_timer *h = &p->tl[list];

	proxy_loop_timer_disarm(t);
	t->deadline = p->now_ms + p->tl_ms[list];
	t->list = (uint8_t)list;
	t->prev = h->prev;
	t->next = h;
	h->prev->next = t;
	h->prev = t;
}

#define container_of(ptr, type, member) ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

static void telem_close(struct proxy_server *p, struct proxy_telem *t);

static void timers_expire(struct proxy_server *p)
{
	for (int l = TL_HEADER; l < TL_N; l++) {
		struct proxy_timer *h = &p->tl[l];

		while (h->next != h && h->next->deadline <= p->now_ms) {
			struct proxy_timer *t = h->next;

			proxy_loop_timer_disarm(t);
			/* The list says which object owns the timer. */
			switch (l) {
			case TL_CONNECT:
			case TL_RESPONSE:
				proxy_upstream_timeout(p, container_of(t, struct proxy_upstream, t),
						       l);
				break;
			case TL_TELEM:
				telem_close(p, container_of(t, struct proxy_telem, t));
				break;
			case TL_UIDLE:
				proxy_upstream_timeout(p, container_of(t, struct proxy_upstream, t),
						       l);
				break;
			default:
				proxy_conn_timeout(p, container_of(t, struct proxy_conn, t), l);
				break;
			}
		}
	}
}

static int next_timeout_ms(struct proxy_server *p)
{
	uint64_t first = p->next_tick_ms;

	if (p->runq)
		return 0;
	for (int l = TL_HEADER; l < TL_N; l++)
		if (p->tl[l].next != &p->tl[l] && p->tl[l].next->deadline < first)
			first = p->tl[l].next->deadline;
	if (p->stopping && p->stop_deadline_ms < first)
		first = p->stop_deadline_ms;
	return first <= p->now_ms ? 0 : (int)(first - p->now_ms);
}

static void clock_update(struct proxy_server *p)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	p->now_us = (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
	p->now_ms = p->now_us / 1000u;
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
	return 0;
}

int proxy_loop_ep_add(struct proxy_server *p, int fd, uint32_t ev, void *ptr)
{
	struct epoll_event e = {.events = ev, .data.ptr = ptr};

	return epoll_ctl(p->ep, EPOLL_CTL_ADD, fd, &e) ? -errno : 0;
}

/* ---- telemetry ------------------------------------------------------------------ */

static void telem_close(struct proxy_server *p, struct proxy_telem *t)
{
	if (t->dead)
		return;
	proxy_loop_timer_disarm(&t->t);
	close(t->fd);
	t->fd = -1;
	t->dead = 1;
	if (t->prev)
		t->prev->next = t->next;
	else
		p->telems = t->next;
	if (t->next)
		t->next->prev = t->prev;
	t->g_next = p->grave_telem;
	p->grave_telem = t;
}

static void telem_accept(struct proxy_server *p)
{
	for (;;) {
		int fd = accept4(p->telem.fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct proxy_telem *t;

		if (fd < 0)
			return;
		t = calloc(1, sizeof(*t));
		if (!t) {
			close(fd);
			return;
		}
		t->kind = HK_TELEM;
		t->fd = fd;
		if (proxy_loop_ep_add(p, fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, t)) {
			close(fd);
			free(t);
			continue;
		}
		proxy_loop_timer_arm(p, &t->t, TL_TELEM);
		t->next = p->telems;
		if (p->telems)
			p->telems->prev = t;
		p->telems = t;
	}
}

static int telem_ready(struct proxy_server *p)
{
	if (p->stopping || p->n_listen == 0)
		return 0;
	if (p->o.hook && p->o.hook->ready && !p->o.hook->ready(p->o.hook->ctx))
		return 0;
	return 1;
}

static void telem_respond(struct proxy_server *p, struct proxy_telem *t)
{
	const char *body = NULL;
	size_t blen = 0, hlen;
	int status = 200;
	char head[256];
	char *metrics = NULL;

	t->responding = 1;
	if (!strncmp(t->req, "GET /metrics ", 13) || !strncmp(t->req, "GET /metrics?", 13)) {
		metrics = malloc(TELEM_OUT_MAX);
		if (!metrics) {
			status = 500;
		} else {
			blen = proxy_metrics_render(p->o.metrics, metrics, TELEM_OUT_MAX);
			if (p->o.hook && p->o.hook->metrics) {
				int n = p->o.hook->metrics(p->o.hook->ctx, metrics + blen,
							   TELEM_OUT_MAX - blen);

				if (n > 0 && (size_t)n <= TELEM_OUT_MAX - blen)
					blen += (size_t)n;
			}
			body = metrics;
		}
	} else if (!strncmp(t->req, "GET /health ", 12)) {
		body = "ok\n";
		blen = 3;
	} else if (!strncmp(t->req, "GET /ready ", 11)) {
		if (telem_ready(p)) {
			body = "ready\n";
			blen = 6;
		} else {
			status = 503;
			body = "not ready\n";
			blen = 10;
		}
	} else if (!strncmp(t->req, "GET ", 4)) {
		status = 404;
		body = "not found\n";
		blen = 10;
	} else {
		status = 405;
		body = "method not allowed\n";
		blen = 19;
	}
	hlen = (size_t)snprintf(head, sizeof(head),
				"HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
				"Connection: close\r\n\r\n",
				status, status == 200 ? "OK" : http_rewrite_reason(status),
				metrics ? "text/plain; version=0.0.4" : "text/plain", blen);
	t->out = malloc(hlen + blen);
	if (!t->out) {
		free(metrics);
		telem_close(p, t);
		return;
	}
	memcpy(t->out, head, hlen);
	if (blen)
		memcpy(t->out + hlen, body, blen);
	t->out_len = hlen + blen;
	free(metrics);
}

static void telem_event(struct proxy_server *p, struct proxy_telem *t)
{
	if (t->dead)
		return;
	while (!t->responding) {
		ssize_t n = read(t->fd, t->req + t->req_len, sizeof(t->req) - 1 - t->req_len);

		if (n <= 0) {
			if (n < 0 && errno == EAGAIN)
				return;
			telem_close(p, t);
			return;
		}
		t->req_len += (size_t)n;
		t->req[t->req_len] = '\0';
		/* The request line is all we look at; answer once the head is complete. */
		if (strstr(t->req, "\r\n\r\n") || strstr(t->req, "\n\n") ||
		    t->req_len == sizeof(t->req) - 1)
			telem_respond(p, t);
		if (t->dead)
			return;
	}
	while (t->out_off < t->out_len) {
		ssize_t n = write(t->fd, t->out + t->out_off, t->out_len - t->out_off);

		if (n < 0) {
			if (errno == EAGAIN)
				return;
			telem_close(p, t);
			return;
		}
		t->out_off += (size_t)n;
	}
	shutdown(t->fd, SHUT_WR);
	telem_close(p, t);
}

/* ---- access log ------------------------------------------------------------------ */

static uint64_t count_lines(const char *s, size_t len)
{
	uint64_t n = 0;

	for (const char *e = s + len; (s = memchr(s, '\n', (size_t)(e - s))) != NULL; s++)
		n++;
	return n;
}

/*
 * Write what the access-log fd takes now.  A non-blocking pipe or socket that is full
 * (EAGAIN, or a partial write) leaves the rest in the buffer for the next loop pass: the
 * loop never waits for a slow reader.  Writes to a non-blocking fd are cut at a line end
 * within PIPE_BUF, so a pipe takes each one whole or not at all and lines of several
 * workers never interleave.  Any other error ends logging (a closed or failing stdout
 * loses the lines, not the worker): what is left is counted as dropped.
 */
static void alog_flush(struct proxy_server *p)
{
	size_t off = 0;

	while (off < p->alog_len) {
		size_t len = p->alog_len - off;
		ssize_t n;

		if (p->alog_nb && len > PIPE_BUF) {
			const char *nl = memrchr(p->alog + off, '\n', PIPE_BUF);

			if (nl)
				len = (size_t)(nl - (p->alog + off)) + 1;
		}
		n = write(p->o.access_fd, p->alog + off, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n < 0) {
			p->ms->access_log_dropped += count_lines(p->alog + off, p->alog_len - off);
			p->alog_dead = 1;
			off = p->alog_len;
			break;
		}
		if (n == 0)
			break;
		off += (size_t)n;
	}
	if (off < p->alog_len)
		memmove(p->alog, p->alog + off, p->alog_len - off);
	p->alog_len -= off;
}

void proxy_alog_line(struct proxy_server *p, struct proxy_conn *c)
{
	struct timespec ts;
	char *o;
	int n;

	if (p->o.access_fd < 0 || !p->alog)
		return;
	if (p->alog_dead) {
		p->ms->access_log_dropped++;
		return;
	}
	if (p->alog_cap - p->alog_len < 512)
		alog_flush(p);
	clock_gettime(CLOCK_REALTIME_COARSE, &ts);
	if (ts.tv_sec != p->wall_sec) {
		struct tm tm;

		p->wall_sec = ts.tv_sec;
		gmtime_r(&ts.tv_sec, &tm);
		strftime(p->wall, sizeof(p->wall), "%Y-%m-%dT%H:%M:%SZ", &tm);
	}
	o = p->alog + p->alog_len;
	n = snprintf(o, p->alog_cap - p->alog_len, "%s %s %s %.*s %d %llu %.3f %s\n", p->wall,
		     c->peer, c->method[0] ? c->method : "-", (int)c->target_len,
		     c->target_len ? c->target : "-", c->status, (unsigned long long)c->bytes_out,
		     (double)(p->now_us - c->start_us) / 1000.0, c->upaddr[0] ? c->upaddr : "-");
	/* A line that does not fit is dropped whole (never cut): the buffer holds what a
	 * stalled reader has not taken yet. */
	if (n > 0 && (size_t)n < p->alog_cap - p->alog_len)
		p->alog_len += (size_t)n;
	else
		p->ms->access_log_dropped++;
}

/* ---- reload, drain ---------------------------------------------------------------- */

static void set_timeouts(struct proxy_server *p, const struct proxy_config *c)
{
	p->tl_ms[TL_HEADER] = c->client_header_timeout_ms;
	p->tl_ms[TL_IDLE] = c->idle_timeout_ms;
	p->tl_ms[TL_CONNECT] = c->connect_timeout_ms;
	p->tl_ms[TL_UIDLE] = c->idle_timeout_ms;
	p->tl_ms[TL_RESPONSE] = c->upstream_response_timeout_ms;
	p->tl_ms[TL_LINGER] = PROXY_LINGER_MS;
	p->tl_ms[TL_TELEM] = PROXY_TELEM_MS;
	p->req_lim.max_body = c->max_body_bytes;
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
	memcpy(n->pin_path, o->pin_path, sizeof(n->pin_path));
	n->max_age_ms = o->max_age_ms;
	n->metrics_enabled = o->metrics_enabled;
	n->metrics = o->metrics;
	n->access_log = o->access_log;
}

static void reload(struct proxy_server *p)
{
	struct proxy_config *n = malloc(sizeof(*n));
	char err[512];

	if (!n) {
		proxy_loop_logf(p, HTTP_LOG_ERR, "reload: out of memory");
		p->ms->reload_failures++;
		return;
	}
	if (proxy_config_load_file(p->o.config_path, n, err, sizeof(err))) {
		proxy_loop_logf(p, HTTP_LOG_ERR, "reload: keeping the old config: %s", err);
		p->ms->reload_failures++;
		free(n);
		return;
	}
	struct proxy_config *o = p->cfg;

	proxy_server_keep_fixed(o, n);
	proxy_upstream_reload(p, n);
	memset(p->rr, 0, sizeof(p->rr));
	p->gen++;
	p->cfg = n;
	set_timeouts(p, n);
	free(o);
	p->ms->reloads++;
	proxy_loop_logf(p, HTTP_LOG_INFO, "reloaded %s: %u route(s), %u backend(s)",
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
	proxy_upstream_close_idle(p);
	for (struct proxy_conn *c = p->clients, *nx; c; c = nx) {
		nx = c->next;
		if (c->state != C_HEAD || c->in.rd != c->in.wr)
			continue;
		/* Between requests: read what may already be there (a connection accepted a
		 * moment ago has its request waiting); if nothing is, the connection is idle
		 * and closes now. */
		c->s.rd_ready = 1;
		proxy_conn_drive(p, c);
		if (c->state == C_HEAD && c->in.rd == c->in.wr)
			proxy_conn_close(p, c);
	}
	proxy_loop_logf(p, HTTP_LOG_INFO, "draining %u connection(s) (up to %u ms)", p->n_clients,
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
	for (int l = 0; l < TL_N; l++)
		p->tl[l].next = p->tl[l].prev = &p->tl[l];
	clock_update(p);
	set_timeouts(p, cfg);
	p->next_tick_ms = p->now_ms + 1000;
	p->max_clients = cfg->max_connections;

	/* Buffers: the head must fit the client buffer, which then streams the body. */
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

static void reap_graves(struct proxy_server *p)
{
	while (p->grave_conns) {
		struct proxy_conn *c = p->grave_conns;

		p->grave_conns = c->free_next;
		c->free_next = p->free_conns;
		p->free_conns = c;
	}
	while (p->grave_ups) {
		struct proxy_upstream *u = p->grave_ups;

		p->grave_ups = u->free_next;
		u->free_next = p->free_ups;
		p->free_ups = u;
	}
	while (p->grave_telem) {
		struct proxy_telem *t = p->grave_telem;

		p->grave_telem = t->g_next;
		free(t->out);
		free(t);
	}
}

int proxy_server_run(struct proxy_server *p)
{
	struct epoll_event ev[256];

	for (;;) {
		int n = epoll_wait(p->ep, ev, 256, next_timeout_ms(p));

		if (n < 0 && errno != EINTR)
			return -errno;
		clock_update(p);
		for (int i = 0; i < n; i++) {
			uint8_t kind = *(uint8_t *)ev[i].data.ptr;

			switch (kind) {
			case HK_CLIENT:
				proxy_conn_event(p, ev[i].data.ptr, ev[i].events);
				break;
			case HK_UPSTREAM:
				proxy_upstream_event(p, ev[i].data.ptr, ev[i].events);
				break;
			case HK_LISTEN:
				proxy_conn_accept(p, ev[i].data.ptr);
				break;
			case HK_TELEM_LISTEN:
				telem_accept(p);
				break;
			case HK_TELEM:
				telem_event(p, ev[i].data.ptr);
				break;
			case HK_SIGNAL:
				signal_event(p);
				break;
			default:
				break;
			}
		}
		timers_expire(p);
		proxy_conn_run_queue(p);
		if (p->now_ms >= p->next_tick_ms) {
			p->next_tick_ms = p->now_ms + 1000;
			if (p->o.hook && p->o.hook->tick)
				p->o.hook->tick(p->o.hook->ctx);
		}
		if (p->alog_len)
			alog_flush(p);
		reap_graves(p);
		if (p->stopping) {
			if (p->n_clients == 0)
				break;
			if (p->now_ms >= p->stop_deadline_ms) {
				proxy_loop_logf(p, HTTP_LOG_WARN,
						"drain timeout: closing %u connection(s)",
						p->n_clients);
				break;
			}
		}
	}
	if (p->alog_len)
		alog_flush(p);
	p->ms->up = 0;
	return 0;
}

void proxy_server_destroy(struct proxy_server *p)
{
	if (!p)
		return;
	proxy_conn_free_all(p);
	proxy_upstream_free_all(p);
	while (p->telems)
		telem_close(p, p->telems);
	reap_graves(p);
	for (unsigned int i = 0; i < PROXY_CONFIG_MAX_LISTEN; i++)
		if (p->listen[i].fd >= 0)
			close(p->listen[i].fd);
	if (p->telem.fd >= 0)
		close(p->telem.fd);
	if (p->ep >= 0)
		close(p->ep);
	if (p->alog_len)
		alog_flush(p);
	free(p->alog);
	free(p->hdrs);
	free(p->cfg);
	free(p);
}
