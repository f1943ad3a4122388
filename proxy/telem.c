/*
 * telem.c - the telemetry listener's connections: GET /metrics (the shared counters plus
 * the hook's lines), /fingerprints (the hook's page), /health and /ready, one request per
 * connection, answered and closed.
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
#include "proxy/loop.h"
#include "proxy/telem.h"

#define TELEM_OUT_MAX (256 * 1024)

void proxy_telem_close(struct proxy_server *p, struct proxy_telem *t)
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

void proxy_telem_accept(struct proxy_server *p)
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
	int status = 200, prom = 0;
	char head[256];
	char *metrics = NULL;

	t->responding = 1;
	if (!strncmp(t->req, "GET /metrics ", 13) || !strncmp(t->req, "GET /metrics?", 13)) {
		prom = 1;
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
	} else if ((!strncmp(t->req, "GET /fingerprints ", 18) ||
		    !strncmp(t->req, "GET /fingerprints?", 18)) &&
		   p->o.hook && p->o.hook->fingerprints) {
		metrics = malloc(TELEM_OUT_MAX);
		if (!metrics) {
			status = 500;
		} else {
			int n = p->o.hook->fingerprints(p->o.hook->ctx, metrics, TELEM_OUT_MAX);

			blen = n > 0 && n <= TELEM_OUT_MAX ? (size_t)n : 0;
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
				"%sConnection: close\r\n\r\n",
				status, status == 200 ? "OK" : http_status_reason(status),
				prom && metrics ? "text/plain; version=0.0.4" : "text/plain", blen,
				status == 405 ? "Allow: GET\r\n" : "");
	t->out = malloc(hlen + blen);
	if (!t->out) {
		free(metrics);
		proxy_telem_close(p, t);
		return;
	}
	memcpy(t->out, head, hlen);
	if (blen)
		memcpy(t->out + hlen, body, blen);
	t->out_len = hlen + blen;
	free(metrics);
}

void proxy_telem_event(struct proxy_server *p, struct proxy_telem *t)
{
	if (t->dead)
		return;
	while (!t->responding) {
		ssize_t n = read(t->fd, t->req + t->req_len, sizeof(t->req) - 1 - t->req_len);

		if (n <= 0) {
			if (n < 0 && errno == EAGAIN)
				return;
			proxy_telem_close(p, t);
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
			proxy_telem_close(p, t);
			return;
		}
		t->out_off += (size_t)n;
	}
	shutdown(t->fd, SHUT_WR);
	proxy_telem_close(p, t);
}
