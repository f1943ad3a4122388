/*
 * engine.h - the proxy engine's internal structures (types only, no functions), shared by
 * its modules: loop.c (clock, timers, epoll, log, graves: the leaf), alog.c, telem.c,
 * flow.c, upstream.c, conn.c, exchange.c and server.c on top.  Not a public interface:
 * see server.h.
 *
 * Every object registered with epoll starts with a kind byte, so an event's data
 * pointer tells what it points at.  Objects closed while a batch of events is being
 * handled go to a graveyard and return to their free list after the batch, so a stale
 * event never lands on a recycled object.
 */
#ifndef HUGINN_PROXY_ENGINE_H
#define HUGINN_PROXY_ENGINE_H

#include <netinet/in.h>
#include <stdint.h>
#include <time.h>

#include "proxy/bufpool.h"
#include "proxy/config.h"
#include "http/parse.h"
#include "proxy/metrics.h"
#include "proxy/server.h"

enum proxy_kind {
	HK_LISTEN = 1,
	HK_TELEM_LISTEN,
	HK_SIGNAL,
	HK_CLIENT,
	HK_UPSTREAM,
	HK_TELEM,
	HK_PT_LISTEN, /* a passthrough listener (tunnel.c) */
	HK_TUNNEL,    /* a passthrough connection's client socket (tunnel.c) */
	HK_TUNNEL_UP, /* a passthrough connection's backend socket (tunnel.c) */
};

/* Timer lists: one per duration, so appending keeps each list sorted (FIFO). */
enum proxy_tl {
	TL_NONE,
	TL_HEADER,   /* client: request head (408) */
	TL_IDLE,     /* client: keep-alive idle, error write */
	TL_LINGER,   /* client: closing, reads drained */
	TL_CONNECT,  /* upstream: connect */
	TL_RESPONSE, /* upstream: response inactivity (504) */
	TL_UIDLE,    /* upstream: pooled idle, tunnel inactivity */
	TL_TELEM,
	TL_ACCEPT,     /* listener: accept again after running out of fds */
	TL_PT_HELLO,   /* passthrough: the ClientHello (timeouts.client_header) */
	TL_PT_CONNECT, /* passthrough: backend connect (timeouts.connect) */
	TL_PT_IDLE,    /* passthrough: tunnel inactivity (timeouts.idle) */
	TL_N
};

#define PROXY_LINGER_MS 2000	  /* how long a closing connection's reads are drained */
#define PROXY_TELEM_MS 5000	  /* a telemetry client gets this long */
#define PROXY_DOWN_MS 2000	  /* a backend that refused is skipped this long */
#define PROXY_ACCEPT_RETRY_MS 100 /* accept paused this long after EMFILE and the like */

struct proxy_timer {
	struct proxy_timer *prev, *next;
	uint64_t deadline; /* ms, monotonic */
	uint8_t list;	   /* enum proxy_tl, TL_NONE when not armed */
};

/* One socket's readiness as the edge-triggered events told it. */
struct proxy_side {
	int fd;
	uint8_t rd_ready, wr_ready, eof, shut;
	uint8_t hup;  /* the peer's FIN was signalled: a short read does not mean drained */
	uint8_t full; /* the last read filled all the room there was: the socket may hold more */
};

/* Framing progress of one message body in a buffer: fwd bytes at rd are cleared to go. */
struct proxy_body {
	int kind; /* HTTP_BODY_* */
	uint64_t left;
	struct http_chunked ch;
	uint32_t fwd;
	uint32_t held;	  /* trailer bytes after fwd, kept back until the section is whole */
	unsigned spoofed; /* x-tcp-*, x-tls-* trailer fields dropped */
	uint8_t done;	  /* the whole body has been cleared (sending may still be pending) */
	uint8_t tflags;	  /* http_rewrite_trailers flags (HTTP_RW_DROP_UNDERSCORE) */
	uint8_t dechunk;  /* chunked: send the payload only (an HTTP/1.0 recipient) */
};

struct proxy_upstream;
struct proxy_conn;
struct proxy_tunnels; /* tunnel.c: passthrough listeners and their connections */

struct proxy_backend {
	struct proxy_config_addr addr;
	uint64_t down_until;	     /* ms; skipped by round robin until then */
	struct proxy_upstream *idle; /* LIFO of pooled connections */
	unsigned int n_idle;
};

struct proxy_upstream {
	uint8_t kind; /* HK_UPSTREAM */
	uint8_t connecting, reused, dead;
	struct proxy_side s;
	struct proxy_timer t;
	struct proxy_buf in;
	uint32_t parsed;	   /* response head bytes already scanned */
	struct proxy_backend *be;  /* NULL once a reload removed the backend */
	struct proxy_conn *client; /* NULL while idle */
	struct proxy_upstream *idle_prev, *idle_next;
	struct proxy_upstream *all_prev, *all_next; /* every open upstream, for reloads */
	struct proxy_upstream *free_next;
	char addr[PROXY_CONFIG_ADDR_MAX];
};

enum proxy_peer_family { PROXY_PEER_V4, PROXY_PEER_V6, PROXY_PEER_UNKNOWN };
enum proxy_cstate { C_HEAD, C_EXCH, C_TUNNEL, C_ERROR, C_LINGER, C_CLOSED };
enum proxy_rphase { R_HEAD, R_BODY };

/* What one request needs and an idle connection does not: borrowed from the pool (its
 * smallest class) when a request head is complete, given back when the exchange ends. */
struct proxy_exch {
	struct proxy_body req, res;
	char method[16];
	char target[200];
	uint16_t target_len;
	char upaddr[PROXY_CONFIG_ADDR_MAX];
};

/*
 * A client connection.  Between requests it holds no buffer (in.p, qh, rh and x are NULL
 * unless pipelined bytes wait in in): memory per idle connection is this struct and the
 * hook's lines.
 */
struct proxy_conn {
	/* Ordered by size, small first, so that no padding grows it (the allocator's 288-byte
	 * class holds it: memory per idle connection). */
	uint8_t kind; /* HK_CLIENT */
	uint8_t state, rphase, reject, queued;
	uint8_t rh_owned; /* rh is a borrowed buffer (else the shared error text, or NULL) */
	uint8_t pfam;	  /* PROXY_PEER_*: the peer's address family, for its log text */
	/* The request being served. */
	uint8_t minor, is_head, upgrade, keep, req_keep, force_new, started, up_minor;
	uint8_t up_reusable, bodyless;
	uint8_t idempotent; /* RFC 9110 9.2.2: the request may be sent again */
	uint8_t pp; /* enum proxy_ppin_peer until the PROXY header question is settled, then 0 */
	char ip[INET6_ADDRSTRLEN];
	uint16_t port;
	uint16_t fp_len;
	struct proxy_side s;
	uint32_t parsed; /* request head bytes already scanned */
	int route;
	uint32_t tried; /* bitmask of the route's backends tried for this request */
	unsigned int gen;
	int status;
	uint32_t qh_len, qh_off, qh_cap;
	uint32_t rh_len, rh_off, rh_cap;
	struct proxy_timer t;
	struct proxy_buf in;
	struct proxy_exch *x; /* NULL between requests */
	char *qh;	      /* request head for the backend (borrowed) */
	char *rh;	      /* response head (or error) for the client */
	struct proxy_upstream *up;
	uint64_t start_us, bytes_out;

	/* The connection. */
	const char *listen_port;
	char *fp; /* the hook's lines (fp_len bytes, malloc'd), NULL for none */
	struct proxy_conn *prev, *next; /* active clients */
	struct proxy_conn *free_next;
	struct proxy_conn *q_next; /* run queue */
};

struct proxy_listener {
	uint8_t kind; /* HK_LISTEN or HK_TELEM_LISTEN */
	int fd;
	struct proxy_timer t; /* TL_ACCEPT: accepting paused (out of fds) */
	char port[8];
};

struct proxy_telem {
	uint8_t kind; /* HK_TELEM */
	int fd;
	struct proxy_timer t;
	char req[1024];
	size_t req_len;
	char *out;
	size_t out_len, out_off, out_cap;
	uint8_t responding, dead;
	struct proxy_telem *g_next;
	struct proxy_telem *prev, *next; /* open telemetry connections */
};

struct proxy_server {
	struct proxy_config *cfg;
	struct proxy_server_opts o;
	int ep;
	uint8_t sig_kind; /* HK_SIGNAL; its address is the signalfd's epoll data */
	unsigned int n_listen;
	struct proxy_listener listen[PROXY_CONFIG_MAX_LISTEN];
	struct proxy_listener telem;
	struct proxy_metrics_slot *ms;
	struct proxy_tunnels *pt; /* NULL without [[passthrough]] */

	unsigned int n_backends;
	struct proxy_backend backends[PROXY_CONFIG_MAX_BACKENDS];
	unsigned int rr[PROXY_CONFIG_MAX_ROUTES];
	unsigned int gen; /* config generation */

	struct proxy_timer tl[TL_N]; /* sentinels */
	uint32_t tl_ms[TL_N];
	uint64_t now_us, now_ms;

	/* Buffers, and the proxy's own error responses (shared by every connection that
	 * sends one: they depend on the status, the connection handling and HEAD only). */
	struct proxy_bufpool pool;
	struct {
		uint16_t status, len;
		uint8_t conn, head; /* enum http_status_conn; no body (HEAD) */
		char text[246];
	} err[32];
	unsigned int n_err;

	/* Pools. */
	struct proxy_conn *free_conns, *clients, *grave_conns, *runq, *runq_tail;
	struct proxy_upstream *free_ups, *ups, *grave_ups;
	struct proxy_telem *grave_telem, *telems;
	unsigned int n_clients, max_clients;
	uint32_t in_cap, qh_cap, rh_cap, up_cap;
	struct http_limits req_lim, res_lim;

	/* Scratch for one parse at a time. */
	struct http_header *hdrs;
	size_t max_hdrs;

	/* Access log, flushed once per loop iteration; what a non-blocking fd did not take
	 * waits here (bounded by alog_cap) for the next pass. */
	char *alog;
	size_t alog_len, alog_cap;
	uint8_t alog_nb;   /* access_fd is non-blocking: write whole lines, <= PIPE_BUF each */
	uint8_t alog_dead; /* a write failed (EPIPE, ...): lines are only counted as dropped */
	time_t wall_sec;
	char wall[32];

	int stopping;
	uint64_t stop_deadline_ms, next_tick_ms, accept_warn_ms;
};

#endif
