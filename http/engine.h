/*
 * engine.h - the proxy engine's internal structures, shared by proxy.c (loop, listeners,
 * timers, signals, telemetry, access log), conn.c (the client state machine) and
 * upstream.c (backends, connection pool).  Not a public interface: see proxy.h.
 *
 * Every object registered with epoll starts with a kind byte, so an event's data
 * pointer tells what it points at.  Objects closed while a batch of events is being
 * handled go to a graveyard and return to their free list after the batch, so a stale
 * event never lands on a recycled object.
 */
#ifndef HUGINN_HTTP_ENGINE_H
#define HUGINN_HTTP_ENGINE_H

#include <netinet/in.h>
#include <stdint.h>
#include <time.h>

#include "http/config.h"
#include "http/parse.h"
#include "http/proxy.h"

enum http_kind { HK_LISTEN = 1, HK_TELEM_LISTEN, HK_SIGNAL, HK_CLIENT, HK_UPSTREAM, HK_TELEM };

/* Timer lists: one per duration, so appending keeps each list sorted (FIFO). */
enum http_tl {
	TL_NONE,
	TL_HEADER,   /* client: request head (408) */
	TL_IDLE,     /* client: keep-alive idle, error write */
	TL_LINGER,   /* client: closing, reads drained */
	TL_CONNECT,  /* upstream: connect */
	TL_RESPONSE, /* upstream: response inactivity (504) */
	TL_UIDLE,    /* upstream: pooled idle, tunnel inactivity */
	TL_TELEM,
	TL_N
};

#define HTTP_LINGER_MS 2000 /* how long a closing connection's reads are drained */
#define HTTP_TELEM_MS 5000  /* a telemetry client gets this long */
#define HTTP_DOWN_MS 2000   /* a backend that refused is skipped this long */

struct http_timer {
	struct http_timer *prev, *next;
	uint64_t deadline; /* ms, monotonic */
	uint8_t list;	   /* enum http_tl, TL_NONE when not armed */
};

/* One socket's readiness as the edge-triggered events told it. */
struct http_side {
	int fd;
	uint8_t rd_ready, wr_ready, eof, shut;
	uint8_t hup; /* the peer's FIN was signalled: a short read does not mean drained */
};

/* Data in p[rd..wr). */
struct http_buf {
	char *p;
	uint32_t cap, rd, wr;
};

/* Framing progress of one message body in a buffer: fwd bytes at rd are cleared to go. */
struct http_body {
	int kind; /* HTTP_BODY_* */
	uint64_t left;
	struct http_chunked ch;
	uint32_t fwd;
	uint32_t held;	  /* trailer bytes after fwd, kept back until the section is whole */
	unsigned spoofed; /* x-tcp-* trailer fields dropped */
	uint8_t done;	  /* the whole body has been cleared (sending may still be pending) */
};

struct http_upstream;
struct http_conn;

struct http_backend {
	struct http_config_addr addr;
	uint64_t down_until;	    /* ms; skipped by round robin until then */
	struct http_upstream *idle; /* LIFO of pooled connections */
	unsigned int n_idle;
};

struct http_upstream {
	uint8_t kind; /* HK_UPSTREAM */
	uint8_t connecting, reused, dead;
	struct http_side s;
	struct http_timer t;
	struct http_buf in;
	uint32_t parsed;	  /* response head bytes already scanned */
	struct http_backend *be;  /* NULL once a reload removed the backend */
	struct http_conn *client; /* NULL while idle */
	struct http_upstream *idle_prev, *idle_next;
	struct http_upstream *all_prev, *all_next; /* every open upstream, for reloads */
	struct http_upstream *free_next;
	char addr[HTTP_CONFIG_ADDR_MAX];
};

enum http_cstate { C_HEAD, C_EXCH, C_TUNNEL, C_ERROR, C_LINGER, C_CLOSED };
enum http_rphase { R_HEAD, R_BODY };

struct http_conn {
	uint8_t kind; /* HK_CLIENT */
	uint8_t state, rphase, reject, queued;
	struct http_side s;
	struct http_timer t;
	struct http_buf in;
	uint32_t parsed; /* request head bytes already scanned */

	/* The request being served. */
	uint8_t minor, is_head, upgrade, keep, req_keep, force_new, started, up_minor;
	uint8_t up_reusable, resp_sent_any;
	int route;
	uint32_t tried; /* bitmask of the route's backends tried for this request */
	unsigned int gen;
	uint8_t bodyless;
	int status;
	struct http_body req, res;
	char *qh; /* request head for the backend */
	uint32_t qh_len, qh_off;
	char *rh; /* response head (or error) for the client */
	uint32_t rh_len, rh_off;
	struct http_upstream *up;
	uint64_t start_us, bytes_out;
	char method[16];
	char target[200];
	uint16_t target_len;
	char upaddr[HTTP_CONFIG_ADDR_MAX];

	/* The connection. */
	char ip[INET6_ADDRSTRLEN];
	char peer[INET6_ADDRSTRLEN + 8];
	const char *listen_port;
	char fp[HTTP_FP_LINES_MAX];
	uint16_t fp_len;
	struct http_conn *prev, *next; /* active clients */
	struct http_conn *free_next;
	struct http_conn *q_next; /* run queue */
};

struct http_listener {
	uint8_t kind; /* HK_LISTEN or HK_TELEM_LISTEN */
	int fd;
	char port[8];
};

struct http_telem {
	uint8_t kind; /* HK_TELEM */
	int fd;
	struct http_timer t;
	char req[1024];
	size_t req_len;
	char *out;
	size_t out_len, out_off, out_cap;
	uint8_t responding, dead;
	struct http_telem *g_next;
	struct http_telem *prev, *next; /* open telemetry connections */
};

struct http_proxy {
	struct http_config *cfg;
	struct http_proxy_opts o;
	int ep;
	uint8_t sig_kind; /* HK_SIGNAL; its address is the signalfd's epoll data */
	unsigned int n_listen;
	struct http_listener listen[HTTP_CONFIG_MAX_LISTEN];
	struct http_listener telem;
	struct http_metrics_slot *ms;

	unsigned int n_backends;
	struct http_backend backends[HTTP_CONFIG_MAX_BACKENDS];
	unsigned int rr[HTTP_CONFIG_MAX_ROUTES];
	unsigned int gen; /* config generation */

	struct http_timer tl[TL_N]; /* sentinels */
	uint32_t tl_ms[TL_N];
	uint64_t now_us, now_ms;

	/* Pools. */
	struct http_conn *free_conns, *clients, *grave_conns, *runq, *runq_tail;
	struct http_upstream *free_ups, *ups, *grave_ups;
	struct http_telem *grave_telem, *telems;
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

/* proxy.c */
void http_timer_arm(struct http_proxy *p, struct http_timer *t, enum http_tl list);
void http_timer_disarm(struct http_timer *t);
void http_logf(struct http_proxy *p, enum http_log_level lv, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void http_access_log(struct http_proxy *p, struct http_conn *c);
int http_ep_add(struct http_proxy *p, int fd, uint32_t ev, void *ptr);

/* conn.c */
void http_conn_accept(struct http_proxy *p, struct http_listener *l);
void http_conn_event(struct http_proxy *p, struct http_conn *c, uint32_t ev);
void http_conn_timeout(struct http_proxy *p, struct http_conn *c, enum http_tl list);
void http_conn_upstream_timeout(struct http_proxy *p, struct http_conn *c, enum http_tl list);
/* A connect that completed with an error: retry another backend or answer 502. */
void http_conn_upstream_failed(struct http_proxy *p, struct http_conn *c);
void http_conn_drive(struct http_proxy *p, struct http_conn *c);
void http_conn_close(struct http_proxy *p, struct http_conn *c);
void http_conn_run_queue(struct http_proxy *p);
void http_conn_free_all(struct http_proxy *p);

/* flow.c */
/* Read into b: 1 read something, 0 nothing to do, -1 EOF (reported once), -2 error. */
int http_buf_read(struct http_side *s, struct http_buf *b, uint64_t *ctr);
/* Send h[*hoff..hlen) and body->fwd bytes at b->rd in one send; counts into ctr (and
 * ctr2 if set).  1 progress, 0 nothing sent, -1 the peer is gone. */
int http_flow_send(struct http_side *dst, char *h, uint32_t *hoff, uint32_t hlen,
		   struct http_buf *b, struct http_body *body, uint64_t *ctr, uint64_t *ctr2);
/* Clear the body bytes that arrived since the last scan: 0 or an HTTP_E_* error. */
int http_body_scan(struct http_body *bd, struct http_buf *b);
/* Start a body of kind (HTTP_BODY_*, or -1 for a tunnel: everything, until close). */
void http_body_init(struct http_body *bd, int kind, uint64_t len, uint64_t max);

/* upstream.c */
/* Find a connection for c's request (pooled or new): 0 with c->up set, or the status to
 * answer (502/503/504) after counting the failure. */
int http_upstream_acquire(struct http_proxy *p, struct http_conn *c, int fresh);
/* Back to the pool if reusable, else closed.  Detaches it from its client. */
void http_upstream_release(struct http_proxy *p, struct http_upstream *u, int reusable);
void http_upstream_close(struct http_proxy *p, struct http_upstream *u);
void http_upstream_event(struct http_proxy *p, struct http_upstream *u, uint32_t ev);
void http_upstream_timeout(struct http_proxy *p, struct http_upstream *u, enum http_tl list);
/* Complete a non-blocking connect: 0 connected, else -errno (counted, backend marked). */
int http_upstream_connected(struct http_proxy *p, struct http_upstream *u);
void http_upstream_close_idle(struct http_proxy *p);
/* Let c try u's backend again (a pooled connection died before answering). */
void http_upstream_untry(struct http_proxy *p, struct http_conn *c, struct http_upstream *u);
/* Rebuild the backend table for a new config, moving pools of unchanged addresses. */
void http_upstream_reload(struct http_proxy *p, const struct http_config *ncfg);
void http_upstream_free_all(struct http_proxy *p);

#endif
