/*
 * flow.h - moving bytes through the engine's buffers (flow.c).
 */
#ifndef HUGINN_PROXY_FLOW_H
#define HUGINN_PROXY_FLOW_H

#include <stdint.h>

#include "proxy/engine.h"

/* Read into b: 1 read something, 0 nothing to do, -1 EOF (reported once), -2 error. */
int proxy_flow_read(struct proxy_side *s, struct proxy_buf *b, uint64_t *ctr);
/* No buffer could be borrowed (buffer_memory_max reached, or out of memory). */
#define PROXY_FLOW_NOBUF (-3)
/* proxy_flow_read for a pooled buffer (b->max set): borrows the first buffer when bytes
 * may arrive, grows it one class when it is full (up to b->max) or when the last read
 * filled it (up to PROXY_FLOW_STREAM_MAX).  Also PROXY_FLOW_NOBUF; a buffer that cannot
 * grow stays as it is (the caller sees it full). */
int proxy_flow_recv(struct proxy_bufpool *bp, struct proxy_side *s, struct proxy_buf *b,
		    uint64_t *ctr);
#define PROXY_FLOW_STREAM_MAX 32748 /* a streamed body's largest buffer (a pool class) */
/* Send h[*hoff..hlen) and body->fwd bytes at b->rd in one send; counts into ctr (and
 * ctr2 if set).  1 progress, 0 nothing sent, -1 the peer is gone. */
int proxy_flow_send(struct proxy_side *dst, char *h, uint32_t *hoff, uint32_t hlen,
		    struct proxy_buf *b, struct proxy_body *body, uint64_t *ctr, uint64_t *ctr2);
/* Clear the body bytes that arrived since the last scan: 0 or an HTTP_E_* error. */
int proxy_flow_body_scan(struct proxy_body *bd, struct proxy_buf *b);
/* Start a body of kind (HTTP_BODY_*, or -1 for a tunnel: everything, until close). */
void proxy_flow_body_init(struct proxy_body *bd, int kind, uint64_t len, uint64_t max);

#endif
