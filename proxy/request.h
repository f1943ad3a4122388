/*
 * request.h - from a parsed request head to an exchange under way (request.c).
 */
#ifndef HUGINN_PROXY_REQUEST_H
#define HUGINN_PROXY_REQUEST_H

#include "http/parse.h"
#include "proxy/engine.h"

/*
 * Start the exchange of req, whose head is hl bytes at the start of c's input: 1 when
 * the request is on its way to a backend (c->state C_EXCH), otherwise what
 * proxy_conn_error_reply or proxy_conn_fail returned for the error answered instead.
 */
int proxy_request_start(struct proxy_server *p, struct proxy_conn *c,
			const struct http_request *req, int hl);

#endif /* HUGINN_PROXY_REQUEST_H */
