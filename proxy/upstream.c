/*
 * upstream.c - backends and upstream connections: round robin over a route's backends
 * (skipping one that recently refused), a LIFO keep-alive pool per backend, non-blocking
 * connects, and the backend table rebuilt on reload without dropping connections.
 * It never calls into the client side: events and timeouts of a busy upstream return
 * its client for the caller (server.c) to hand to exchange.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <unistd.h>

#include "proxy/bufpool.h"
#include "proxy/loop.h"
#include "proxy/upstream.h"

#define FREE_UPS_KEPT 256 /* closed upstream connections kept for reuse */

static struct proxy_upstream *up_alloc(struct proxy_server *p)
{
	struct proxy_upstream *u = p->free_ups;

	if (u) {
		p->free_ups = u->free_next;
	} else {
		u = malloc(sizeof(*u));
		if (!u)
			return NULL;
	}
	/* No buffer until the response arrives: a pooled connection holds none. */
	memset(u, 0, sizeof(*u));
	u->kind = HK_UPSTREAM;
	u->in.max = p->up_cap;
	u->s.fd = -1;
	u->all_next = p->ups;
	if (p->ups)
		p->ups->all_prev = u;
	p->ups = u;
	return u;
}

static void idle_unlink(struct proxy_server *p, struct proxy_upstream *u)
{
	struct proxy_backend *be = u->be;

	if (!be)
		return;
	if (u->idle_prev)
		u->idle_prev->idle_next = u->idle_next;
	else if (be->idle == u)
		be->idle = u->idle_next;
	else
		return; /* not in the list */
	if (u->idle_next)
		u->idle_next->idle_prev = u->idle_prev;
	u->idle_prev = u->idle_next = NULL;
	be->n_idle--;
	p->ms->idle_upstreams--;
}

void proxy_upstream_close(struct proxy_server *p, struct proxy_upstream *u)
{
	if (u->dead)
		return;
	if (!u->client)
		idle_unlink(p, u);
	if (u->client && u->client->up == u)
		u->client->up = NULL;
	u->client = NULL;
	proxy_loop_timer_disarm(&u->t);
	proxy_bufpool_release(&p->pool, &u->in);
	if (u->s.fd >= 0) {
		close(u->s.fd); /* also leaves the epoll set */
		p->ms->active_upstreams--;
	}
	u->s.fd = -1;
	u->dead = 1;
	if (u->all_prev)
		u->all_prev->all_next = u->all_next;
	else
		p->ups = u->all_next;
	if (u->all_next)
		u->all_next->all_prev = u->all_prev;
	u->free_next = p->grave_ups;
	p->grave_ups = u;
}

void proxy_upstream_release(struct proxy_server *p, struct proxy_upstream *u, int reusable)
{
	struct proxy_backend *be = u->be;

	if (u->client && u->client->up == u)
		u->client->up = NULL;
	u->client = NULL;
	if (!reusable || !be || p->stopping || u->s.eof || u->s.hup || u->in.rd != u->in.wr) {
		proxy_upstream_close(p, u);
		return;
	}
	proxy_bufpool_release(&p->pool, &u->in);
	u->in.max = p->up_cap;
	u->parsed = 0;
	u->reused = 0;
	u->idle_prev = NULL;
	u->idle_next = be->idle;
	if (be->idle)
		be->idle->idle_prev = u;
	be->idle = u;
	be->n_idle++;
	p->ms->idle_upstreams++;
	proxy_loop_timer_arm(p, &u->t, TL_UIDLE);
}

static void attach(struct proxy_conn *c, struct proxy_upstream *u)
{
	c->up = u;
	u->client = c;
	if (c->x)
		memcpy(c->x->upaddr, u->addr, sizeof(c->x->upaddr));
}

/* Out of fds for a new upstream socket: close the pooled connection that has waited
 * longest, of any backend (the tail of each LIFO pool).  An idle pooled connection is
 * cheap to open again; the request waiting for its fd is not.  1 if one was closed. */
static int close_oldest_pooled(struct proxy_server *p)
{
	struct proxy_upstream *old = NULL;

	for (unsigned int i = 0; i < p->n_backends; i++) {
		struct proxy_upstream *u = p->backends[i].idle;

		while (u && u->idle_next)
			u = u->idle_next;
		if (u && (!old || u->t.deadline < old->t.deadline))
			old = u;
	}
	if (!old)
		return 0;
	proxy_upstream_close(p, old);
	return 1;
}

static int fd_shortage(int err)
{
	return err == -EMFILE || err == -ENFILE;
}

/* Open a new connection to be for c: 0, or -errno of socket/connect. */
static int connect_new(struct proxy_server *p, struct proxy_conn *c, struct proxy_backend *be)
{
	const struct proxy_config_addr *a = &be->addr;
	struct proxy_upstream *u;
	int fd, one = 1, rc;

	fd = socket(a->sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 && fd_shortage(-errno) && close_oldest_pooled(p))
		fd = socket(a->sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* Heads go out in one send; Nagle would only hold back the next one. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	rc = connect(fd, (const struct sockaddr *)&a->sa, a->salen);
	if (rc && errno != EINPROGRESS) {
		rc = -errno;
		close(fd);
		return rc;
	}
	u = up_alloc(p);
	if (!u) {
		close(fd);
		return -ENOMEM;
	}
	u->s.fd = fd;
	u->be = be;
	memcpy(u->addr, a->text, sizeof(u->addr));
	u->connecting = rc != 0;
	u->s.wr_ready = rc == 0;
	p->ms->active_upstreams++;
	p->ms->upstream_connects++;
	rc = proxy_loop_ep_add(p, fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, u);
	if (rc) {
		proxy_upstream_close(p, u);
		return rc;
	}
	attach(c, u);
	proxy_loop_timer_arm(p, &u->t, u->connecting ? TL_CONNECT : TL_RESPONSE);
	return 0;
}

static void count_connect_error(struct proxy_server *p, struct proxy_backend *be, int err)
{
	if (err == -ECONNREFUSED) {
		p->ms->upstream_err[PROXY_UERR_REFUSED]++;
		be->down_until = p->now_ms + PROXY_DOWN_MS;
	} else {
		p->ms->upstream_err[PROXY_UERR_CONNECT]++;
		if (err == -ENETUNREACH || err == -EHOSTUNREACH || err == -ETIMEDOUT)
			be->down_until = p->now_ms + PROXY_DOWN_MS;
	}
}

/* 1 if nothing waits on the idle connection u: no byte, no EOF, no error. */
static int quiet(struct proxy_upstream *u)
{
	char b;

	return recv(u->s.fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) < 0 &&
	       (errno == EAGAIN || errno == EWOULDBLOCK);
}

/* The most recently pooled connection of be that is still quiet, taken off the pool;
 * NULL when none.  Its readiness event may not have been handled yet (it can wait in the
 * same batch as the request about to use it): what the backend sent unasked or its close
 * would be read as this request's answer, so a connection that spoke is closed here. */
static struct proxy_upstream *pooled(struct proxy_server *p, struct proxy_backend *be)
{
	while (be->idle) {
		struct proxy_upstream *u = be->idle;

		idle_unlink(p, u);
		if (quiet(u))
			return u;
		proxy_upstream_close(p, u);
	}
	return NULL;
}

int proxy_upstream_acquire(struct proxy_server *p, struct proxy_conn *c, int fresh)
{
	const struct proxy_config_route *r;
	struct proxy_upstream *u;
	unsigned int n, start;

	if (c->gen != p->gen || c->route < 0 || (unsigned int)c->route >= p->cfg->n_routes) {
		/* A reload replaced the routes mid-request: the route index means nothing now,
		 * but the backend already chosen may still be there (one attempt only: bit 31
		 * of tried, above any route's backends, marks it). */
		if (c->tried & 0x80000000u)
			return 502;
		c->tried |= 0x80000000u;
		for (unsigned int i = 0; i < p->n_backends && c->x && c->x->upaddr[0]; i++) {
			if (strcmp(p->backends[i].addr.text, c->x->upaddr))
				continue;
			if (connect_new(p, c, &p->backends[i]) == 0)
				return 0;
			break;
		}
		return 502;
	}
	r = &p->cfg->routes[c->route];
	n = r->n_backends;
	start = p->rr[c->route]++;
	/* First pass skips backends marked down; the second tries them anyway, so a lone
	 * backend that refused a moment ago is tried again (and answered 502 if it still
	 * refuses) rather than failing without an attempt. */
	for (int pass = 0; pass < 2; pass++) {
		for (unsigned int i = 0; i < n; i++) {
			unsigned int k = (start + i) % n;
			struct proxy_backend *be;
			int rc;

			if (c->tried & (1u << k))
				continue;
			if (r->backends[k] >= p->n_backends)
				continue;
			be = &p->backends[r->backends[k]];
			if (pass == 0 && be->down_until > p->now_ms)
				continue;
			c->tried |= 1u << k;
			if (!fresh && !c->force_new && (u = pooled(p, be)) != NULL) {
				proxy_loop_timer_arm(p, &u->t, TL_RESPONSE);
				u->reused = 1;
				p->ms->upstream_reused++;
				attach(c, u);
				return 0;
			}
			rc = connect_new(p, c, be);
			if (rc == 0)
				return 0;
			if (fd_shortage(rc)) {
				/* The worker's own shortage, not the backend's: nothing counted
				 * against it, and it stays untried for a retry once fds are freed
				 * (every other backend would need an fd too). */
				c->tried &= ~(1u << k);
				return 503;
			}
			count_connect_error(p, be, rc);
		}
	}
	return 502;
}

/* Forget that c tried the backend of u (so a stale pooled connection's backend is tried
 * again with a fresh connection). */
static void untry(struct proxy_server *p, struct proxy_conn *c, struct proxy_upstream *u)
{
	const struct proxy_config_route *r = &p->cfg->routes[c->route];

	for (unsigned int k = 0; k < r->n_backends; k++)
		if (u->be && r->backends[k] < p->n_backends &&
		    &p->backends[r->backends[k]] == u->be)
			c->tried &= ~(1u << k);
}

int proxy_upstream_connected(struct proxy_server *p, struct proxy_upstream *u)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(u->s.fd, SOL_SOCKET, SO_ERROR, &err, &len))
		err = errno;
	if (err) {
		if (u->be)
			count_connect_error(p, u->be, -err);
		else
			p->ms->upstream_err[PROXY_UERR_CONNECT]++;
		return -err;
	}
	u->connecting = 0;
	proxy_loop_timer_arm(p, &u->t, TL_RESPONSE);
	return 0;
}

struct proxy_conn *proxy_upstream_event(struct proxy_server *p, struct proxy_upstream *u,
					uint32_t ev)
{
	if (u->dead)
		return NULL;
	if (ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
		u->s.rd_ready = 1;
	if (ev & (EPOLLRDHUP | EPOLLHUP | EPOLLERR))
		u->s.hup = 1;
	if (ev & (EPOLLOUT | EPOLLERR | EPOLLHUP))
		u->s.wr_ready = 1;
	if (!u->client) {
		/* An idle pooled connection has nothing to say: the backend closed it (or sent
		 * bytes nobody asked for).  Either way it is no longer reusable. */
		if (ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
			proxy_upstream_close(p, u);
		return NULL;
	}
	return u->client; /* the caller drives the client's exchange */
}

struct proxy_conn *proxy_upstream_timeout(struct proxy_server *p, struct proxy_upstream *u)
{
	if (u->dead)
		return NULL;
	if (!u->client) {
		proxy_upstream_close(p, u);
		return NULL;
	}
	return u->client; /* the caller tells the client's exchange */
}

void proxy_upstream_untry(struct proxy_server *p, struct proxy_conn *c, struct proxy_upstream *u)
{
	untry(p, c, u);
}

void proxy_upstream_close_idle(struct proxy_server *p)
{
	for (unsigned int i = 0; i < p->n_backends; i++)
		while (p->backends[i].idle)
			proxy_upstream_close(p, p->backends[i].idle);
}

static int same_addr(const struct proxy_config_addr *a, const struct proxy_config_addr *b)
{
	return a->salen == b->salen && memcmp(&a->sa, &b->sa, a->salen) == 0;
}

void proxy_upstream_reload(struct proxy_server *p, const struct proxy_config *ncfg)
{
	int map[PROXY_CONFIG_MAX_BACKENDS];
	struct proxy_backend *nb;

	nb = calloc(PROXY_CONFIG_MAX_BACKENDS, sizeof(*nb));
	if (!nb)
		return;
	for (unsigned int i = 0; i < p->n_backends; i++)
		map[i] = -1;
	for (unsigned int j = 0; j < ncfg->n_backends; j++) {
		nb[j].addr = ncfg->backends[j];
		for (unsigned int i = 0; i < p->n_backends; i++) {
			if (map[i] < 0 && same_addr(&p->backends[i].addr, &ncfg->backends[j])) {
				map[i] = (int)j;
				nb[j].down_until = p->backends[i].down_until;
				nb[j].idle = p->backends[i].idle;
				nb[j].n_idle = p->backends[i].n_idle;
				break;
			}
		}
	}
	/* Pools of removed backends close; busy connections finish their request and are
	 * not pooled afterwards (be = NULL). */
	for (unsigned int i = 0; i < p->n_backends; i++)
		if (map[i] < 0)
			while (p->backends[i].idle)
				proxy_upstream_close(p, p->backends[i].idle);
	for (struct proxy_upstream *u = p->ups; u; u = u->all_next) {
		if (!u->be)
			continue;
		long i = u->be - p->backends;

		u->be = map[i] >= 0 ? &p->backends[map[i]] : NULL;
	}
	memcpy(p->backends, nb, sizeof(p->backends));
	p->n_backends = ncfg->n_backends;
	free(nb);
}

void proxy_upstream_free_all(struct proxy_server *p)
{
	while (p->ups)
		proxy_upstream_close(p, p->ups);
	while (p->grave_ups) {
		struct proxy_upstream *u = p->grave_ups;

		p->grave_ups = u->free_next;
		u->free_next = p->free_ups;
		p->free_ups = u;
	}
	while (p->free_ups) {
		struct proxy_upstream *u = p->free_ups;

		p->free_ups = u->free_next;
		free(u);
	}
}

void proxy_upstream_trim_free(struct proxy_server *p)
{
	struct proxy_upstream **l = &p->free_ups;

	for (unsigned int i = 0; *l && i < FREE_UPS_KEPT; i++)
		l = &(*l)->free_next;
	while (*l) {
		struct proxy_upstream *u = *l;

		*l = u->free_next;
		free(u);
	}
}
