/*
 * exchange.h - the client connection state machine (exchange.c): request head, one
 * exchange with a backend, tunnel, error and linger steps.
 */
#ifndef HUGINN_PROXY_EXCHANGE_H
#define HUGINN_PROXY_EXCHANGE_H

#include <stdint.h>

#include "proxy/engine.h"

/* Run c's state machine until it has nothing to do (or yields to others). */
void proxy_exchange_drive(struct proxy_server *p, struct proxy_conn *c);
/* Drive the connections that yielded. */
void proxy_exchange_run_queue(struct proxy_server *p);
/* Readiness ev on the client socket. */
void proxy_exchange_event(struct proxy_server *p, struct proxy_conn *c, uint32_t ev);
/* c's own timer expired on list (header: 408; idle, linger, error: close). */
void proxy_exchange_timeout(struct proxy_server *p, struct proxy_conn *c, enum proxy_tl list);
/* The timer of c's upstream expired on list (connect: retry or 504; response: 504). */
void proxy_exchange_upstream_timeout(struct proxy_server *p, struct proxy_conn *c,
				     enum proxy_tl list);

#endif
