/*
 * tunnel.c - passthrough listeners and their connections (tunnel.h): the first flight,
 * routing by SNI, the PROXY v2 header, the backend connect, then relay.c both ways.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "proxy/alog.h"
#include "proxy/config_pt.h"
#include "proxy/loop.h"
#include "proxy/relay.h"
#include "proxy/tunnel.h"
#include "proxy/tunnel_hello.h"
#include "proxy/tunnel_shake.h"

#define container_of(ptr, type, member) ((type *)(void *)((char *)(ptr) - offsetof(type, member)))

#define PT_MAX_LISTEN (PROXY_CONFIG_MAX_PT * PROXY_CONFIG_PT_MAX_LISTEN)
#define PT_INFO_MAX 1400 /* one log line's fields after MS */

enum { T_HELLO, T_CONNECT, T_SEND, T_RELAY, T_CLOSED };

struct tunnel {
	struct proxy_relay_end c, b; /* client (HK_TUNNEL), backend (HK_TUNNEL_UP) */
	struct proxy_timer t;
	struct proxy_relay_dir up, down; /* client -> backend, backend -> client */
	struct tunnel *prev, *next;	 /* open tunnels */
	struct proxy_tunnel_shake *h;	 /* HELLO..SEND */
	char *info; /* RELAY: "CLIENT\0KIND SNI BACKEND JA4 P0F OS", exact size */
	uint64_t start_us;
	uint32_t tried; /* backends of the table tried (bit = index) */
	unsigned int gen;
	int16_t route; /* index into the table's routes, -1: the table's own backends */
	uint8_t table, state, be;
	uint8_t pp; /* HELLO: a PROXY header is still in question (enum proxy_ppin_peer) */
};

struct pt_listener {
	uint8_t kind; /* HK_PT_LISTEN */
	uint8_t table;
	int fd;
	/* Its address when bound to one (every connection's local address: no getsockname
	 * per connection), AF_UNSPEC for a wildcard. */
	struct sockaddr_storage addr;
};

struct proxy_tunnels {
	struct tunnel *open, *free, *graves;
	unsigned int n_listen;
	struct pt_listener listen[PT_MAX_LISTEN];
	struct proxy_relay_pool pool;
	struct proxy_tunnel_shakes hellos; /* free handshake buffers */
	uint64_t down_until[PROXY_CONFIG_MAX_PT][PROXY_CONFIG_PT_MAX_BACKENDS];
	unsigned int rr[PROXY_CONFIG_MAX_PT][PROXY_CONFIG_PT_MAX_ROUTES + 1];
	uint8_t msg[PROXY_CONFIG_PT_HELLO_MAX]; /* one ClientHello body at a time */
};

/* ---- small parts ------------------------------------------------------------------ */

static void tlog(struct proxy_server *p, struct tunnel *t, const char *result)
{
	char line[PT_INFO_MAX + 200], fields[PT_INFO_MAX];
	const char *client, *rest;
	int n;

	if (p->o.access_fd < 0)
		return;
	if (t->info) {
		client = t->info;
		rest = t->info + strlen(t->info) + 1;
	} else {
		/* Closed before the relay: the backend only once one took the connection. */
		client = t->h->client;
		proxy_tunnel_hello_fields(
		    &t->h->f,
		    t->state == T_SEND ? p->cfg->pt.t[t->table].backends[t->be].text : NULL, fields,
		    sizeof(fields));
		rest = fields;
	}
	n = snprintf(line, sizeof(line), "%s TUNNEL %s %llu %llu %.3f %s", client, result,
		     (unsigned long long)t->up.bytes, (unsigned long long)t->down.bytes,
		     (double)(p->now_us - t->start_us) / 1000.0, rest);
	if (n > 0)
		proxy_alog_text(p, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

/* ---- close ------------------------------------------------------------------------ */

static void end_count(struct proxy_server *p, struct tunnel *t)
{
	p->ms->pt.bytes_up += t->up.bytes;
	p->ms->pt.bytes_down += t->down.bytes;
	p->ms->pt.bytes_spliced += t->up.spliced + t->down.spliced;
}

/* Close t; end < PROXY_PT_END_N counts how a routed tunnel ended; result goes to the log. */
static void tclose(struct proxy_server *p, struct tunnel *t, int end, const char *result)
{
	struct proxy_tunnels *pt = p->pt;

	if (t->state == T_CLOSED)
		return;
	tlog(p, t, result);
	if (end >= 0 && end < PROXY_PT_END_N)
		p->ms->pt.end[end]++;
	end_count(p, t);
	proxy_loop_timer_disarm(&t->t);
	if (t->c.fd >= 0)
		close(t->c.fd);
	if (t->b.fd >= 0)
		close(t->b.fd);
	t->c.fd = t->b.fd = -1;
	proxy_relay_dir_release(&pt->pool, &t->up);
	proxy_relay_dir_release(&pt->pool, &t->down);
	proxy_tunnel_shake_put(&pt->hellos, t->h);
	t->h = NULL;
	free(t->info);
	t->info = NULL;
	if (t->prev)
		t->prev->next = t->next;
	else
		pt->open = t->next;
	if (t->next)
		t->next->prev = t->prev;
	t->prev = NULL;
	t->next = pt->graves;
	pt->graves = t;
	t->state = T_CLOSED;
	p->n_clients--;
	p->ms->pt.active--;
}

/* The first flight was refused: count it, close. */
static void refuse(struct proxy_server *p, struct tunnel *t, enum proxy_pt_flight f,
		   const char *result)
{
	p->ms->pt.flight[f]++;
	tclose(p, t, -1, result);
}

/* The client ended or was too slow in HELLO: inside a PROXY header that is the header's
 * fault (result pp_incomplete), else the first flight's. */
static void pp_cut(struct proxy_server *p, struct tunnel *t, enum proxy_pt_flight f,
		   const char *result)
{
	if (t->pp && t->h->len) {
		tclose(p, t, -1, proxy_tunnel_shake_cut(p));
		return;
	}
	refuse(p, t, f, result);
}

/* ---- accept ----------------------------------------------------------------------- */

static struct tunnel *t_alloc(struct proxy_tunnels *pt)
{
	struct tunnel *t = pt->free;

	if (t)
		pt->free = t->next;
	else if (!(t = malloc(sizeof(*t))))
		return NULL;
	memset(t, 0, sizeof(*t));
	t->c.kind = HK_TUNNEL;
	t->b.kind = HK_TUNNEL_UP;
	t->c.fd = t->b.fd = -1;
	proxy_relay_dir_init(&t->up);
	proxy_relay_dir_init(&t->down);
	return t;
}

static void accept_one(struct proxy_server *p, struct pt_listener *l, int fd,
		       const struct sockaddr_storage *ss, socklen_t sl)
{
	struct proxy_tunnels *pt = p->pt;
	const struct proxy_config_pt *tb = &p->cfg->pt.t[l->table];
	struct proxy_ppin_policy pol;
	uint32_t cap = tb->max_hello_bytes + PROXY_TUNNEL_SHAKE_SLACK;
	struct tunnel *t = t_alloc(pt);
	struct proxy_tunnel_shake *h;
	int kind;

	proxy_tunnel_shake_policy(tb, &pol);
	kind = proxy_ppin_peer(&pol, (const struct sockaddr *)ss);
	/* A trusted peer's PROXY header comes before the hello: room for the longest one
	 * read (an untrusted peer's first 12 bytes are only looked at). */
	h = proxy_tunnel_shake_get(&pt->hellos,
				   cap + (kind == PROXY_PPIN_PEER_TRUSTED ? PROXY_PPIN_MAX : 0));
	if (!t || !h) {
		proxy_tunnel_shake_put(&pt->hellos, h);
		if (t) {
			t->next = pt->free;
			pt->free = t;
		}
		close(fd);
		return;
	}
	memcpy(&h->peer, ss, sl);
	h->local = l->addr;
	proxy_tunnel_shake_client(h);
	/* A trusted peer's client (and its fingerprints) are known after its header. */
	if (kind != PROXY_PPIN_PEER_TRUSTED)
		proxy_tunnel_shake_syn(p, h);
	t->pp = (uint8_t)kind;
	t->h = h;
	t->c.fd = fd;
	t->c.wr = 1;
	t->table = l->table;
	t->gen = p->gen;
	t->route = -1;
	t->start_us = p->now_us;
	t->state = T_HELLO;
	if (proxy_loop_ep_add(p, fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, &t->c)) {
		proxy_tunnel_shake_put(&pt->hellos, h);
		t->h = NULL;
		close(fd);
		t->next = pt->free;
		pt->free = t;
		return;
	}
	t->next = pt->open;
	if (pt->open)
		pt->open->prev = t;
	pt->open = t;
	p->n_clients++;
	p->ms->pt.accepted++;
	p->ms->pt.active++;
	proxy_loop_timer_arm(p, &t->t, TL_PT_HELLO);
}

static void accept_all(struct proxy_server *p, struct pt_listener *l)
{
	for (;;) {
		struct sockaddr_storage ss;
		socklen_t sl;
		int fd;

		if (l->fd < 0)
			return;
		fd = proxy_loop_accept(p, l->fd, &ss, &sl, "passthrough");
		if (fd < 0)
			return;
		/* A tunnel cannot be answered "503": over the limit it is closed at once. */
		if (p->n_clients >= p->max_clients) {
			p->ms->pt.rejected++;
			close(fd);
			continue;
		}
		accept_one(p, l, fd, &ss, sl);
	}
}

/* ---- routing, header, connect ----------------------------------------------------- */

static const uint8_t *route_list(const struct proxy_config_pt *tb, int route, unsigned int *n)
{
	if (route < 0) {
		*n = tb->n_default;
		return tb->dflt;
	}
	*n = tb->routes[route].n_backends;
	return tb->routes[route].backends;
}

static void relay_start(struct proxy_server *p, struct tunnel *t);
static void send_first(struct proxy_server *p, struct tunnel *t);

static void count_berr(struct proxy_server *p, struct tunnel *t, int err)
{
	unsigned int k = err == -ECONNREFUSED ? 0 : err == -ETIMEDOUT ? 2 : 1;

	p->ms->pt.backend_err[k]++;
	/* As for HTTP backends: refused or unreachable is skipped for PROXY_DOWN_MS. */
	if (err == -ECONNREFUSED || err == -ENETUNREACH || err == -EHOSTUNREACH ||
	    err == -ETIMEDOUT)
		p->pt->down_until[t->table][t->be] = p->now_ms + PROXY_DOWN_MS;
}

/* Connect to the route's next backend not tried yet; the tunnel closes when none is left. */
static void connect_next(struct proxy_server *p, struct tunnel *t)
{
	struct proxy_tunnels *pt = p->pt;
	const struct proxy_config_pt *tb = &p->cfg->pt.t[t->table];
	const uint8_t *list;
	unsigned int n, start;
	int one = 1;

	if (t->gen != p->gen) {
		/* A reload replaced the tables: route again, every backend is new. */
		t->gen = p->gen;
		t->tried = 0;
		t->route = (int16_t)proxy_config_pt_match(tb, t->h->f.sni, t->h->f.sni_len);
	}
	list = route_list(tb, t->route, &n);
	start = pt->rr[t->table][t->route + 1]++;
	for (unsigned int pass = 0; pass < 2; pass++) {
		for (unsigned int i = 0; i < n; i++) {
			unsigned int be = list[(start + i) % n];
			const struct proxy_config_addr *a = &tb->backends[be];
			int fd, rc;

			if (t->tried & (1u << be))
				continue;
			if (pass == 0 && pt->down_until[t->table][be] > p->now_ms)
				continue;
			t->tried |= 1u << be;
			t->be = (uint8_t)be;
			fd = socket(a->sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
			if (fd < 0) {
				count_berr(p, t, -errno);
				continue;
			}
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
			rc = connect(fd, (const struct sockaddr *)&a->sa, a->salen);
			if (rc && errno != EINPROGRESS) {
				rc = -errno;
				close(fd);
				count_berr(p, t, rc);
				continue;
			}
			if (proxy_loop_ep_add(p, fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
					      &t->b)) {
				close(fd);
				continue;
			}
			t->b.fd = fd;
			t->b.rd = t->b.eof = t->b.hup = 0;
			/* Send at once: a connect still going says EAGAIN (then EPOLLOUT brings
			 * us back), a failed one its error; on loopback the handshake is often
			 * over already, which saves an event and a getsockopt. */
			t->b.wr = 1;
			t->state = T_CONNECT;
			proxy_loop_timer_arm(p, &t->t, TL_PT_CONNECT);
			send_first(p, t);
			return;
		}
	}
	tclose(p, t, PROXY_PT_END_NOROUTE, "no_backend");
}

/* The first flight is decided: route, header, connect. */
static void flight_done(struct proxy_server *p, struct tunnel *t)
{
	const struct proxy_config_pt *tb = &p->cfg->pt.t[t->table];
	struct proxy_tunnel_shake *h = t->h;
	unsigned int n;
	int r;

	p->ms->pt.flight[h->f.kind == PROXY_TUNNEL_TLS ? PROXY_PT_TLS : PROXY_PT_NOT_TLS]++;
	t->route = (int16_t)proxy_config_pt_match(tb, h->f.sni, h->f.sni_len);
	route_list(tb, t->route, &n);
	if (n == 0) {
		tclose(p, t, PROXY_PT_END_NOROUTE, "no_route");
		return;
	}
	if (tb->proxy_protocol) {
		/* The address the client connected to: an incoming header's, else ours. */
		socklen_t ll = sizeof(h->local);

		if (h->local.ss_family == AF_UNSPEC &&
		    getsockname(t->c.fd, (struct sockaddr *)&h->local, &ll)) {
			tclose(p, t, PROXY_PT_END_RESET, "reset");
			return;
		}
		r = proxy_tunnel_hello_header(&h->f, tb->tlvs, &h->peer, &h->local, h->hdr,
					      sizeof(h->hdr));
		if (r < 0) {
			proxy_loop_logf(p, LOG_LEVEL_WARN, "passthrough %s: PROXY header: %s",
					h->client, strerror(-r));
			tclose(p, t, PROXY_PT_END_RESET, "reset");
			return;
		}
		h->hdr_len = (uint32_t)r;
	}
	connect_next(p, t);
}

/* ---- the first flight ------------------------------------------------------------- */

static void hello_read(struct proxy_server *p, struct tunnel *t)
{
	const struct proxy_config_pt *tb = &p->cfg->pt.t[t->table];
	struct proxy_tunnel_shake *h = t->h;

	while (t->c.rd && t->state == T_HELLO) {
		ssize_t n;
		int r;

		/* classify refuses a stream longer than that first (a PROXY header's
		 * remainder may already be past it) */
		if (h->len >= h->lim) {
			refuse(p, t, PROXY_PT_TOO_LARGE, "too_large");
			return;
		}
		n = read(t->c.fd, h->in + h->len, h->lim - h->len);
		if (n > 0) {
			/* Less than asked, no hang-up seen: drained, the next byte brings an edge.
			 */
			if ((uint32_t)n < h->lim - h->len && !t->c.hup)
				t->c.rd = 0;
			h->len += (uint32_t)n;
			if (t->pp) {
				const char *why;

				r = proxy_tunnel_shake_pp(p, tb, t->pp, h, &why);
				if (r < 0) {
					tclose(p, t, -1, why);
					return;
				}
				if (r == 0)
					continue;
				t->pp = 0;
			}
			if (h->len == 0)
				continue;
			r = proxy_tunnel_hello_classify(h->in, h->len, h->lim, p->pt->msg,
							tb->max_hello_bytes, &h->f);
			if (r == PROXY_TUNNEL_NEED_MORE)
				continue;
			if (r == PROXY_TUNNEL_DECIDED) {
				flight_done(p, t);
			} else {
				proxy_loop_logf(p, LOG_LEVEL_DEBUG,
						"passthrough %s: ClientHello refused: %s",
						h->client, h->f.err ? h->f.err : "over the limit");
				if (r == PROXY_TUNNEL_TOO_LARGE)
					refuse(p, t, PROXY_PT_TOO_LARGE, "too_large");
				else
					refuse(p, t, PROXY_PT_MALFORMED, "malformed");
			}
			return;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			t->c.rd = 0;
			return;
		}
		pp_cut(p, t, PROXY_PT_INCOMPLETE, "incomplete");
		return;
	}
}

/* ---- send, relay ------------------------------------------------------------------ */

/* The PROXY header and the first flight, as one writev (then only what is left).  In
 * CONNECT, EAGAIN before the first byte means "not connected yet" and an error means the
 * connect failed: the next backend is tried. */
static void send_first(struct proxy_server *p, struct tunnel *t)
{
	struct proxy_tunnel_shake *h = t->h;

	while (h->sent < h->hdr_len + h->len) {
		struct iovec iov[2];
		int k = 0;
		ssize_t n;

		if (h->sent < h->hdr_len)
			iov[k++] = (struct iovec){h->hdr + h->sent, h->hdr_len - h->sent};
		{
			uint32_t off = h->sent > h->hdr_len ? h->sent - h->hdr_len : 0;

			iov[k++] = (struct iovec){h->in + off, h->len - off};
		}
		struct msghdr mh = {.msg_iov = iov, .msg_iovlen = (size_t)k};

		n = sendmsg(t->b.fd, &mh, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			t->b.wr = 0;
			return;
		}
		if (n < 0 && t->state == T_CONNECT) {
			count_berr(p, t, -errno);
			close(t->b.fd);
			t->b.fd = -1;
			connect_next(p, t);
			return;
		}
		if (n < 0) {
			tclose(p, t, PROXY_PT_END_RESET, "reset");
			return;
		}
		if (t->state == T_CONNECT) {
			t->state = T_SEND;
			proxy_loop_timer_arm(p, &t->t, TL_PT_IDLE);
		}
		h->sent += (uint32_t)n;
	}
	t->up.bytes = h->len;
	relay_start(p, t);
}

static void relay(struct proxy_server *p, struct tunnel *t)
{
	struct proxy_tunnels *pt = p->pt;
	int a, b = 0;

	a = proxy_relay_run(&pt->pool, &t->up, &t->c, &t->b, t->down.done);
	if (a >= 0)
		b = proxy_relay_run(&pt->pool, &t->down, &t->b, &t->c, t->up.done);
	p->ms->pt.pipes_created += pt->pool.created;
	pt->pool.created = 0;
	if (a < 0 || b < 0) {
		tclose(p, t, PROXY_PT_END_RESET, "reset");
		return;
	}
	if (t->up.done && t->down.done) {
		tclose(p, t, PROXY_PT_END_DONE, "done");
		return;
	}
	if (a > 0 || b > 0)
		proxy_loop_timer_arm(p, &t->t, TL_PT_IDLE);
}

/* From the handshake's state to the relay's: the log fields move to one small string. */
static void relay_start(struct proxy_server *p, struct tunnel *t)
{
	struct proxy_tunnel_shake *h = t->h;
	char fields[PT_INFO_MAX];
	size_t cl = strlen(h->client);
	size_t n = proxy_tunnel_hello_fields(&h->f, p->cfg->pt.t[t->table].backends[t->be].text,
					     fields, sizeof(fields));

	t->info = malloc(cl + 1 + n + 1);
	if (!t->info) {
		tclose(p, t, PROXY_PT_END_RESET, "reset");
		return;
	}
	memcpy(t->info, h->client, cl + 1);
	memcpy(t->info + cl + 1, fields, n);
	t->info[cl + 1 + n] = '\0';
	proxy_tunnel_shake_put(&p->pt->hellos, h);
	t->h = NULL;
	t->state = T_RELAY;
	/* The readiness flags are kept by every event since accept (and the hello's last
	 * read): no read just to hear EAGAIN. */
	t->up.copy_only = t->down.copy_only = !p->cfg->pt.t[t->table].splice;
	relay(p, t);
}

/* ---- events, timers --------------------------------------------------------------- */

static void tunnel_event(struct proxy_server *p, struct tunnel *t, struct proxy_relay_end *e,
			 uint32_t ev)
{
	if (t->state == T_CLOSED)
		return;
	if (ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
		e->rd = 1;
	if (ev & (EPOLLRDHUP | EPOLLHUP | EPOLLERR))
		e->hup = 1;
	if (ev & (EPOLLOUT | EPOLLHUP | EPOLLERR))
		e->wr = 1;
	switch (t->state) {
	case T_HELLO:
		hello_read(p, t);
		break;
	case T_CONNECT:
	case T_SEND:
		if (e == &t->b && t->b.wr)
			send_first(p, t);
		break;
	case T_RELAY:
		relay(p, t);
		break;
	default:
		break;
	}
}

void proxy_tunnel_event(struct proxy_server *p, void *obj, uint32_t ev)
{
	uint8_t kind = *(uint8_t *)obj;

	if (!p->pt)
		return;
	if (kind == HK_PT_LISTEN) {
		accept_all(p, obj);
	} else if (kind == HK_TUNNEL) {
		struct tunnel *t = container_of(obj, struct tunnel, c);

		tunnel_event(p, t, &t->c, ev);
	} else if (kind == HK_TUNNEL_UP) {
		struct tunnel *t = container_of(obj, struct tunnel, b);

		tunnel_event(p, t, &t->b, ev);
	}
}

void proxy_tunnel_timeout(struct proxy_server *p, struct proxy_timer *tm, enum proxy_tl list)
{
	struct tunnel *t = container_of(tm, struct tunnel, t);

	if (t->state == T_CLOSED)
		return;
	if (list == TL_PT_HELLO) {
		pp_cut(p, t, PROXY_PT_SLOW, "slow");
	} else if (list == TL_PT_CONNECT && t->state == T_CONNECT) {
		count_berr(p, t, -ETIMEDOUT);
		close(t->b.fd);
		t->b.fd = -1;
		connect_next(p, t);
	} else {
		tclose(p, t, PROXY_PT_END_IDLE, "idle_timeout");
	}
}

/* ---- lifecycle -------------------------------------------------------------------- */

int proxy_tunnel_create(struct proxy_server *p)
{
	if (!p->cfg->pt.n)
		return 0;
	p->pt = calloc(1, sizeof(*p->pt));
	if (!p->pt)
		return -ENOMEM;
	proxy_relay_pool_init(&p->pt->pool);
	return 0;
}

/* fd's bound address into *a, or AF_UNSPEC when it is a wildcard (or unknown). */
static void listen_addr(int fd, struct sockaddr_storage *a)
{
	socklen_t sl = sizeof(*a);
	static const struct in6_addr any6 = IN6ADDR_ANY_INIT;

	if (getsockname(fd, (struct sockaddr *)a, &sl) ||
	    (a->ss_family == AF_INET &&
	     ((struct sockaddr_in *)(void *)a)->sin_addr.s_addr == htonl(INADDR_ANY)) ||
	    (a->ss_family == AF_INET6 &&
	     !memcmp(&((struct sockaddr_in6 *)(void *)a)->sin6_addr, &any6, sizeof(any6))) ||
	    (a->ss_family != AF_INET && a->ss_family != AF_INET6))
		a->ss_family = AF_UNSPEC;
}

int proxy_tunnel_listen(struct proxy_server *p, unsigned int ti, int fd)
{
	struct proxy_tunnels *pt = p->pt;
	struct pt_listener *l;
	int rc;

	if (!pt || pt->n_listen == PT_MAX_LISTEN) {
		close(fd);
		return -EINVAL;
	}
	l = &pt->listen[pt->n_listen];
	l->kind = HK_PT_LISTEN;
	l->table = (uint8_t)ti;
	l->fd = fd;
	listen_addr(fd, &l->addr);
	rc = proxy_loop_ep_add(p, fd, EPOLLIN | EPOLLET, l);
	if (rc) {
		close(fd);
		l->fd = -1;
		return rc;
	}
	pt->n_listen++;
	return 0;
}

void proxy_tunnel_reload(struct proxy_server *p)
{
	if (!p->pt)
		return;
	memset(p->pt->down_until, 0, sizeof(p->pt->down_until));
	memset(p->pt->rr, 0, sizeof(p->pt->rr));
}

void proxy_tunnel_drain(struct proxy_server *p)
{
	struct proxy_tunnels *pt = p->pt;

	if (!pt)
		return;
	for (unsigned int i = 0; i < pt->n_listen; i++) {
		struct pt_listener *l = &pt->listen[i];

		if (l->fd < 0)
			continue;
		accept_all(p, l);
		epoll_ctl(p->ep, EPOLL_CTL_DEL, l->fd, NULL);
		close(l->fd);
		l->fd = -1;
	}
}

void proxy_tunnel_reap(struct proxy_server *p)
{
	struct proxy_tunnels *pt = p->pt;

	if (!pt)
		return;
	while (pt->graves) {
		struct tunnel *t = pt->graves;

		pt->graves = t->next;
		t->next = pt->free;
		pt->free = t;
	}
}

void proxy_tunnel_destroy(struct proxy_server *p)
{
	struct proxy_tunnels *pt = p->pt;

	if (!pt)
		return;
	while (pt->open)
		tclose(p, pt->open, PROXY_PT_END_DRAIN, "drain");
	proxy_tunnel_reap(p);
	while (pt->free) {
		struct tunnel *t = pt->free;

		pt->free = t->next;
		free(t);
	}
	for (unsigned int i = 0; i < pt->n_listen; i++)
		if (pt->listen[i].fd >= 0)
			close(pt->listen[i].fd);
	proxy_relay_pool_free(&pt->pool);
	proxy_tunnel_shake_free(&pt->hellos);
	free(pt);
	p->pt = NULL;
}
