/*
 * upstream.h - backends, upstream connections and the keep-alive pool (upstream.c).
 * Calls only loop.h: what concerns a client is returned to the caller.
 */
#ifndef HUGINN_PROXY_UPSTREAM_H
#define HUGINN_PROXY_UPSTREAM_H

#include <stdint.h>

#include "proxy/engine.h"

/* Find a connection for c's request (pooled or new): 0 with c->up set, or the status to
 * answer: 502 after counting the failure, 503 when the worker is out of fds for a new
 * connection (after closing its oldest pooled one); c may try again once fds are freed. */
int proxy_upstream_acquire(struct proxy_server *p, struct proxy_conn *c, int fresh);
/* Back to the pool if reusable, else closed.  Detaches it from its client. */
void proxy_upstream_release(struct proxy_server *p, struct proxy_upstream *u, int reusable);
void proxy_upstream_close(struct proxy_server *p, struct proxy_upstream *u);
/* Note the readiness ev; returns the client whose exchange must run now, or NULL (an idle
 * pooled connection that spoke is closed here). */
struct proxy_conn *proxy_upstream_event(struct proxy_server *p, struct proxy_upstream *u,
					uint32_t ev);
/* u's timer expired: an idle one is closed (NULL), a busy one's client is returned for
 * proxy_exchange_upstream_timeout. */
struct proxy_conn *proxy_upstream_timeout(struct proxy_server *p, struct proxy_upstream *u);
/* Complete a non-blocking connect: 0 connected, else -errno (counted, backend marked). */
int proxy_upstream_connected(struct proxy_server *p, struct proxy_upstream *u);
void proxy_upstream_close_idle(struct proxy_server *p);
/* Let c try u's backend again (a pooled connection died before answering). */
void proxy_upstream_untry(struct proxy_server *p, struct proxy_conn *c, struct proxy_upstream *u);
/* Rebuild the backend table for a new config, moving pools of unchanged addresses. */
void proxy_upstream_reload(struct proxy_server *p, const struct proxy_config *ncfg);
void proxy_upstream_free_all(struct proxy_server *p);
/* Free closed upstream connections beyond the few kept for reuse. */
void proxy_upstream_trim_free(struct proxy_server *p);

#endif
