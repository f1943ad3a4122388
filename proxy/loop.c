/*
 * loop.c - the services every part of the engine uses and that call nothing back: the
 * clock, timer lists, epoll registration, the log hook and the graveyard (objects closed
 * during a batch of events return to their free lists after it, so a stale event never
 * lands on a recycled object).  A leaf: it includes only the engine's types.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>

#include "proxy/loop.h"

void proxy_loop_logf(struct proxy_server *p, enum log_level lv, const char *fmt, ...)
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

void proxy_loop_timer_set_ms(struct proxy_server *p, enum proxy_tl list, uint32_t ms)
{
	struct proxy_timer *h = &p->tl[list];
	uint32_t old = p->tl_ms[list];

	/* Each list is ordered only because every timer on it was armed with the same
	 * duration: appending is a sorted insert.  A new duration for the timers armed
	 * later would break that (a 500 ms timer behind an 8 s one fires after it), so the
	 * armed ones move by the same amount; deadline >= old, so no underflow. */
	if (old == ms)
		return;
	for (struct proxy_timer *t = h->next; t != h; t = t->next)
		t->deadline = t->deadline + ms - old;
	p->tl_ms[list] = ms;
}

struct proxy_timer *proxy_loop_timer_expired(struct proxy_server *p, enum proxy_tl *list)
{
	for (int l = TL_HEADER; l < TL_N; l++) {
		struct proxy_timer *h = &p->tl[l];

		if (h->next != h && h->next->deadline <= p->now_ms) {
			struct proxy_timer *t = h->next;

			proxy_loop_timer_disarm(t);
			*list = (enum proxy_tl)l;
			return t;
		}
	}
	return NULL;
}

int proxy_loop_next_timeout(struct proxy_server *p)
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

void proxy_loop_clock_update(struct proxy_server *p)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	p->now_us = (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
	p->now_ms = p->now_us / 1000u;
}

int proxy_loop_ep_add(struct proxy_server *p, int fd, uint32_t ev, void *ptr)
{
	struct epoll_event e = {.events = ev, .data.ptr = ptr};

	return epoll_ctl(p->ep, EPOLL_CTL_ADD, fd, &e) ? -errno : 0;
}

int proxy_loop_accept(struct proxy_server *p, int lfd, struct sockaddr_storage *ss, socklen_t *sl,
		      const char *what)
{
	for (;;) {
		int fd, e;

		*sl = sizeof(*ss);
		fd = accept4(lfd, (struct sockaddr *)ss, sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd >= 0)
			return fd;
		e = errno;
		if (e == EINTR || e == ECONNABORTED)
			continue;
		/* Out of fds and the like: say so at most once a second. */
		if (e != EAGAIN && p->now_ms >= p->accept_warn_ms) {
			p->accept_warn_ms = p->now_ms + 1000;
			if (what)
				proxy_loop_logf(p, LOG_LEVEL_WARN, "accept (%s): %s", what,
						strerror(e));
			else
				proxy_loop_logf(p, LOG_LEVEL_WARN, "accept: %s", strerror(e));
		}
		return -e;
	}
}

int proxy_loop_addr(const struct sockaddr_storage *ss, char *ip, size_t cap, uint16_t *port)
{
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const void *)ss;

		inet_ntop(AF_INET6, &a->sin6_addr, ip, (socklen_t)cap);
		*port = ntohs(a->sin6_port);
		return 6;
	}
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const void *)ss;

		inet_ntop(AF_INET, &a->sin_addr, ip, (socklen_t)cap);
		*port = ntohs(a->sin_port);
		return 4;
	}
	snprintf(ip, cap, "unknown");
	*port = 0;
	return 0;
}

void proxy_loop_reap_graves(struct proxy_server *p)
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
