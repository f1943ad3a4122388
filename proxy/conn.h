/*
 * conn.h - a client connection's life (conn.c): accept, the proxy's own replies,
 * keep-alive reset, linger, close.  Below exchange.h, which drives it.
 */
#ifndef HUGINN_PROXY_CONN_H
#define HUGINN_PROXY_CONN_H

#include "proxy/engine.h"

/* Accept every pending connection on l (or count and close those over the limit). */
void proxy_conn_accept(struct proxy_server *p, struct proxy_listener *l);
/* Settle the PROXY header question (c->pp set) with the bytes in c->in: 1 settled (c->pp
 * is 0, the header skipped, the client address and fingerprint lines set), 0 more bytes
 * needed, -1 refused (counted, c closed). */
int proxy_conn_proxy_header(struct proxy_server *p, struct proxy_conn *c);
/* Close c (and release its upstream) to the graveyard; safe twice. */
void proxy_conn_close(struct proxy_server *p, struct proxy_conn *c);
/* Count c's status and write its access-log line. */
void proxy_conn_count_status(struct proxy_server *p, struct proxy_conn *c);
/* Shut our side and drain the client's until it closes or TL_LINGER ends. */
void proxy_conn_linger(struct proxy_server *p, struct proxy_conn *c);
/* The exchange cannot go on: count, close.  No status yet: 499 if the client left, else
 * 502. */
void proxy_conn_abort(struct proxy_server *p, struct proxy_conn *c, int client_gone);
/* Ready for the next request on a kept-alive connection. */
void proxy_conn_reset_next(struct proxy_server *p, struct proxy_conn *c);
/* Answer status with a small body of our own; keep-alive only if may_keep allows.
 * Returns 1 (progress, for the state machine). */
int proxy_conn_error_reply(struct proxy_server *p, struct proxy_conn *c, int status, int may_keep);
/* An exchange failed with status: answer it if no final response has started, else abort.
 * Returns 1. */
int proxy_conn_fail(struct proxy_server *p, struct proxy_conn *c, int status);
/* Out of fds: close a few keep-alive clients that wait for a next request with nothing
 * of it read, the longest waiting first.  Returns how many were closed. */
int proxy_conn_close_idle(struct proxy_server *p);
/* Close every client and free the pool. */
void proxy_conn_free_all(struct proxy_server *p);
/* Free closed connections beyond the few kept for reuse (memory comes back after a burst). */
void proxy_conn_trim_free(struct proxy_server *p);
/* Borrow c's request state (c->x) if it has none: 0 or -ENOBUFS (buffer_memory_max). */
int proxy_conn_exch_take(struct proxy_server *p, struct proxy_conn *c);
/* Give back c's response head / request head buffer (no-op without one). */
void proxy_conn_rh_drop(struct proxy_server *p, struct proxy_conn *c);
void proxy_conn_qh_drop(struct proxy_server *p, struct proxy_conn *c);

/* No buffer could be borrowed (buffer_memory_max): 503 and close, counted. */
int proxy_conn_refuse_busy(struct proxy_server *p, struct proxy_conn *c);

/* proxy_upstream_acquire, retried once after closing idle keep-alive clients when the
 * worker is out of fds (503).  0 or the status to answer. */
int proxy_conn_acquire(struct proxy_server *p, struct proxy_conn *c, int fresh);

#endif
