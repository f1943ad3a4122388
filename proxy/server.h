/*
 * server.h - the huginn-proxy engine: one epoll loop per worker process that accepts
 * HTTP/1.1 clients, routes each request by longest path prefix to a backend and
 * streams request and response through, with keep-alive on both sides.
 *
 * What the engine does (the behaviour contract of issue 4):
 * - Edge-triggered epoll, non-blocking sockets, accept4; each worker opens its own
 *   SO_REUSEPORT listeners (proxy_server_create), so the kernel spreads connections.
 * - One request at a time per client connection; pipelined bytes wait in the buffer and
 *   are answered in order.  Bodies (Content-Length or chunked) are streamed, never held
 *   whole; chunked framing is passed through verbatim after the strict decoder checked it.
 * - Expect: 100-continue is forwarded and the backend's 100 relayed (the engine never
 *   answers 100 itself: only the backend knows whether it wants the body).
 * - After a backend's 101 the connection is a two-way byte tunnel (WebSocket).
 * - Hop-by-hop headers are removed both ways; X-Forwarded-For/-Proto/-Port are set
 *   (client values replaced); client x-tcp-* and x-tls-* headers are always removed and
 *   counted.
 * - PROXY protocol input ([listen] proxy_protocol and trusted_proxies, proxy/ppin.h): a
 *   trusted peer's header sets the client address (X-Forwarded-For, access log) and, from
 *   its TLVs 0xE0-0xE2, the x-tcp-p0f, x-tcp-p0f-os and x-tls-ja4 lines, in place of the
 *   SYN lookup; refused connections are closed without an answer and counted.
 *   No Via is added; the backend's Server header is passed through unchanged (the proxy
 *   announces itself nowhere but in its own error responses, which carry no Server).
 * - Errors are answered with a small text body: 400 404 408 413 414 431 502 503 504.
 * - A connection holds buffers only while it has bytes to keep: borrowed from the worker's
 *   pool (bufpool.h) when bytes arrive, grown class by class as the data needs, given
 *   back when the request is done (pipelined bytes stay, in the smallest class).  A
 *   request that would take the worker's buffers past limits.buffer_memory_max is
 *   answered 503.
 * - SIGTERM/SIGINT drain (stop accepting, finish in-flight requests within
 *   timeouts.shutdown_drain, close idle connections), SIGHUP re-reads the config file and
 *   swaps routes, backends, headers, timeouts and body limit (listeners, workers,
 *   telemetry address, max_connections, max_header_bytes and [fingerprint] stay).
 *
 * - Access log (opts.access_fd), one line per request, written once per loop iteration:
 *     TIME CLIENT METHOD TARGET STATUS BYTES MS UPSTREAM
 *     2026-11-26T09:00:00Z 127.0.0.1:51234 GET /a?x=1 200 612 0.412 127.0.0.1:9000
 *   TIME is UTC, BYTES what was sent to the client (head included), MS from the end of
 *   the request head to the end of the response, UPSTREAM "-" when no backend was used;
 *   TARGET is cut at 200 bytes.  STATUS 499: the client left before any answer.
 *   The log never blocks the loop when access_fd is non-blocking (the main sets
 *   O_NONBLOCK on a pipe or socket): what the fd does not take stays in a 64 KiB buffer
 *   until a later pass; lines that do not fit are dropped whole and counted
 *   (access_log_dropped).  A write error other than EAGAIN ends logging for this
 *   engine; its lines are counted as dropped from then on.
 * - Telemetry (telemetry.metrics_addr): GET /metrics (metrics.h names, summed over the
 *   workers, plus the hook's lines), GET /health (200), GET /ready (200 once the
 *   listeners are bound and the hook, if any, is ready; 503 otherwise and while draining),
 *   GET /fingerprints (the hook's page of unlabelled signatures; 404 without a hook).
 *
 * Not here: forking workers (workers.c), logging to stderr, option parsing (proxy.c).
 */
#ifndef HUGINN_PROXY_SERVER_H
#define HUGINN_PROXY_SERVER_H

#include <stddef.h>
#include <sys/socket.h>

#include "proxy/config.h"
#include "proxy/metrics.h"
#include "sys/log.h"

/* Bytes reserved per connection for the fingerprint hook's header lines. */
#define PROXY_HOOK_LINES_MAX 512
/* Bytes the hook may add per request (on_request). */
#define PROXY_HOOK_REQ_LINES_MAX 64

/*
 * The fingerprint hook (issue 5).  NULL = no hook.  Every callback runs in the worker's
 * loop and must not block.
 */
struct proxy_hook {
	void *ctx;
	/* Once per accepted connection: write complete header lines ("name: value\r\n"...) into
	 * out (at most cap bytes); return their length, 0 for none, <0 treated as none. Stored
	 * with the connection and added to EVERY request forwarded on it. */
	int (*on_accept)(void *ctx, const struct sockaddr *peer, socklen_t peerlen, char *out,
			 size_t cap);
	/* Once per request on a connection that has hook lines: lines for this request only,
	 * added after the connection's; given those lines and the request's User-Agent value
	 * (ua NULL: none).  At most PROXY_HOOK_REQ_LINES_MAX bytes; 0 or <0: none. */
	int (*on_request)(void *ctx, const char *lines, size_t lines_len, const char *ua,
			  size_t ua_len, char *out, size_t cap);
	/* GET /fingerprints on the telemetry listener: a text/plain page into out (return its
	 * length, <= cap).  NULL: 404. */
	int (*fingerprints)(void *ctx, char *out, size_t cap);
	/* Append Prometheus text lines; return bytes written (<= cap). */
	int (*metrics)(void *ctx, char *out, size_t cap);
	/* 1 if the hook is ready (maps open), 0 if not: /ready answers 503 then. */
	int (*ready)(void *ctx);
	/* Called about once a second from the loop (maintenance, e.g. re-open maps). */
	void (*tick)(void *ctx);
};

struct proxy_server;

struct proxy_server_opts {
	const char *config_path;       /* re-read on SIGHUP */
	struct proxy_metrics *metrics; /* from proxy_metrics_create, shared */
	unsigned int worker;	       /* this worker's slot, < workers */
	const struct proxy_hook *hook; /* NULL = none */
	int sigfd;		       /* signalfd for SIGTERM, SIGINT, SIGHUP (owned by caller) */
	int access_fd;		       /* where access log lines go (1); -1 = none */
	/* Called for errors and events; msg has no trailing newline. May be NULL. */
	log_fn log; /* sys/log.h; called with log_ctx */
	void *log_ctx;
};

/*
 * Build a worker's engine from cfg (copied): open the SO_REUSEPORT listeners and the
 * telemetry listener, the epoll instance and the connection pool.
 * Returns 0 and *out, or -errno with err naming the address that failed.
 */
int proxy_server_create(struct proxy_server **out, const struct proxy_config *cfg,
			const struct proxy_server_opts *opts, char *err, size_t errlen);

/* Run the loop until a SIGTERM/SIGINT drain ends.  Returns 0, or -errno on a fatal error. */
int proxy_server_run(struct proxy_server *p);

/* Close everything.  Safe with NULL. */
void proxy_server_destroy(struct proxy_server *p);

/*
 * A reload takes routes, backends, headers, timeouts and max_body_bytes from the new file;
 * copy everything else (listeners, workers, max_connections, head limits, [fingerprint],
 * [telemetry]) from the running config old into n.
 */
void proxy_server_keep_fixed(const struct proxy_config *old, struct proxy_config *n);

/*
 * Check that every listen address (and the telemetry address) is free, before the workers
 * bind them with SO_REUSEPORT: the probe binds without it, so another process already
 * listening there (even another huginn-proxy, which SO_REUSEPORT would silently let share
 * the port) is an error.  Returns 0 or -errno with err naming the address.
 */
int proxy_server_check_listen(const struct proxy_config *cfg, char *err, size_t errlen);

#endif
