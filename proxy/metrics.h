/*
 * metrics.h - the proxy's counters, shared by all worker processes, and their Prometheus
 * text rendering.
 *
 * One anonymous MAP_SHARED mapping is created before the workers fork; each worker owns
 * one slot and is its only writer (plain increments, no atomics: a slot has one writer),
 * and a render sums all slots, so whichever worker answers /metrics shows the totals.
 * Aligned 64-bit loads are not torn on the targets we build for; a reader may see one
 * counter a moment before its neighbour, which Prometheus tolerates.
 */
#ifndef HUGINN_PROXY_METRICS_H
#define HUGINN_PROXY_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "proxy/ppin.h"

#define HTTP_METRICS_STATUS_MIN 100
#define HTTP_METRICS_STATUS_MAX 599

/* Kinds of upstream failure (label kind="..." of huginn_upstream_errors_total). */
enum proxy_upstream_err {
	PROXY_UERR_REFUSED,	    /* connect refused (backend skipped, marked down) */
	PROXY_UERR_CONNECT,	    /* other connect failure */
	PROXY_UERR_CONNECT_TIMEOUT, /* timeouts.connect expired */
	PROXY_UERR_RESET,	    /* connection closed/reset before the response ended */
	PROXY_UERR_BAD_RESPONSE,    /* response head rejected by the parser */
	PROXY_UERR_TIMEOUT,	    /* timeouts.upstream_response expired -> 504 */
	PROXY_UERR_N
};

/* Passthrough listeners (tunnel.c): how a connection's first flight was classified
 * (label first_flight="..." of huginn_passthrough_connections_total). */
enum proxy_pt_flight {
	PROXY_PT_TLS,	     /* a TLS ClientHello, read and fingerprinted */
	PROXY_PT_NOT_TLS,    /* not TLS: relayed unchanged, without TLS TLVs */
	PROXY_PT_TOO_LARGE,  /* over max_hello_bytes (or our ClientHello limits): closed */
	PROXY_PT_SLOW,	     /* not complete within timeouts.client_header: closed */
	PROXY_PT_MALFORMED,  /* a ClientHello the strict reader refuses: closed */
	PROXY_PT_INCOMPLETE, /* the client ended or failed before a whole hello: closed */
	PROXY_PT_FLIGHT_N
};

/* Why a tunnel ended (label end="..." of huginn_passthrough_tunnels_closed_total). */
enum proxy_pt_end {
	PROXY_PT_END_DONE,    /* both sides finished (half-closes passed on) */
	PROXY_PT_END_RESET,   /* a socket failed (reset, broken pipe) */
	PROXY_PT_END_IDLE,    /* nothing moved for timeouts.idle */
	PROXY_PT_END_DRAIN,   /* still open when the shutdown drain ended */
	PROXY_PT_END_NOROUTE, /* no backend took it (no route, none reachable) */
	PROXY_PT_END_N
};

struct proxy_pt_metrics {
	uint64_t accepted;
	uint64_t rejected; /* max_connections reached: closed at once */
	uint64_t flight[PROXY_PT_FLIGHT_N];
	uint64_t end[PROXY_PT_END_N];
	uint64_t backend_err[3]; /* refused, connect, connect_timeout (per attempt) */
	uint64_t bytes_up;	 /* client -> backend (client bytes, not our header) */
	uint64_t bytes_down;	 /* backend -> client */
	uint64_t bytes_spliced;	 /* of bytes_up + bytes_down, moved by splice (the rest copied) */
	uint64_t pipes_created;
	int64_t active; /* gauge: open passthrough connections */
};

struct proxy_metrics_slot {
	uint64_t status[HTTP_METRICS_STATUS_MAX - HTTP_METRICS_STATUS_MIN + 1];
	uint64_t upstream_err[PROXY_UERR_N];
	uint64_t accepted; /* client connections accepted */
	uint64_t rejected; /* client connections answered 503 for max_connections */
	uint64_t client_bytes_in;
	uint64_t client_bytes_out;
	uint64_t upstream_bytes_in;
	uint64_t upstream_bytes_out;
	uint64_t upstream_connects;	  /* new upstream connections opened */
	uint64_t upstream_reused;	  /* requests sent on a pooled connection */
	uint64_t spoofed;		  /* client x-tcp-* and x-tls-* headers removed */
	uint64_t pp[PROXY_PPIN_RESULT_N]; /* PROXY headers by result (none: trusted peers) */
	uint64_t pp_tlv_ignored;	  /* fingerprint TLVs not turned into headers */
	uint64_t reloads;
	uint64_t reload_failures;
	uint64_t access_log_dropped; /* access-log lines not written (full or failed) */
	uint64_t buffer_refused;     /* requests answered 503 at buffer_memory_max */
	int64_t active_clients;	     /* gauges */
	int64_t active_upstreams;
	int64_t idle_upstreams;
	int64_t buffers_borrowed; /* connection buffers held by connections */
	int64_t buffers_pooled;	  /* free, kept for reuse */
	int64_t buffer_bytes_borrowed, buffer_bytes_pooled;
	int64_t up; /* 1 while the worker runs */
	struct proxy_pt_metrics pt;
} __attribute__((aligned(64)));

struct proxy_metrics {
	unsigned int n_slots;
	size_t map_len;
	struct proxy_metrics_slot slot[];
};

/*
 * Create the shared mapping with one slot per worker.  Returns NULL with errno set.
 */
struct proxy_metrics *proxy_metrics_create(unsigned int workers);

/* Unmap.  Safe with NULL. */
void proxy_metrics_destroy(struct proxy_metrics *m);

/* Zero the gauges of a slot: a restarted worker's predecessor left them stale. */
void proxy_metrics_reset_gauges(struct proxy_metrics *m, unsigned int worker);

/* Count one response status (out-of-range codes are ignored). */
static inline void proxy_metrics_status(struct proxy_metrics_slot *s, int code)
{
	if (code >= HTTP_METRICS_STATUS_MIN && code <= HTTP_METRICS_STATUS_MAX)
		s->status[code - HTTP_METRICS_STATUS_MIN]++;
}

/*
 * Render the sum of all slots as Prometheus text into out[0..cap).  Returns the length
 * written; a render that does not fit stops at the last whole line that does.
 */
size_t proxy_metrics_render(const struct proxy_metrics *m, char *out, size_t cap);

#endif
