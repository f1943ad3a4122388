/*
 * alog.h - the access log (alog.c): format in server.h.
 */
#ifndef HUGINN_PROXY_ALOG_H
#define HUGINN_PROXY_ALOG_H

#include "proxy/engine.h"

/* Queue c's line (the request just answered); counts it as dropped when it cannot be kept. */
void proxy_alog_line(struct proxy_server *p, struct proxy_conn *c);
/* Write what the access-log fd takes now, never waiting (see alog.c). */
void proxy_alog_flush(struct proxy_server *p);

#endif
