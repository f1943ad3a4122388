/*
 * telem.h - the telemetry endpoints (telem.c).
 */
#ifndef HUGINN_PROXY_TELEM_H
#define HUGINN_PROXY_TELEM_H

#include "proxy/engine.h"

/* Accept every pending telemetry connection. */
void proxy_telem_accept(struct proxy_server *p);
/* Read the request, answer it, close. */
void proxy_telem_event(struct proxy_server *p, struct proxy_telem *t);
/* Close t (to the graveyard); safe twice. */
void proxy_telem_close(struct proxy_server *p, struct proxy_telem *t);

#endif
