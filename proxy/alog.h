/*
 * alog.h - the access log (alog.c): format in server.h.
 */
#ifndef HUGINN_PROXY_ALOG_H
#define HUGINN_PROXY_ALOG_H

#include "proxy/engine.h"

/* Queue c's line (the request just answered); counts it as dropped when it cannot be kept. */
void proxy_alog_line(struct proxy_server *p, struct proxy_conn *c);
/* Queue one line: the time, a space, text[0..len) (no newline in it) and a newline;
 * counts it as dropped when it cannot be kept (passthrough lines: tunnel.c). */
void proxy_alog_text(struct proxy_server *p, const char *text, size_t len);
/* Write what the access-log fd takes now, never waiting (see alog.c). */
void proxy_alog_flush(struct proxy_server *p);

#endif
