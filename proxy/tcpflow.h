/*
 * tcpflow.h - reassemble the byte stream of each direction of the TCP connections in a
 * capture, in sequence order, as a packet analyser does (used by `huginn-proxy
 * fingerprint` to read ClientHellos).  Pure: no I/O, no allocation (the caller hands one
 * block of memory to tcpflow_init), every loop bounded.
 *
 * A stream is one direction (source address and port -> destination address and port).
 * Its base is the sequence number after the SYN (SYN or SYN+ACK) when the capture holds
 * it; otherwise the first segment with data seen sets it (a capture that starts after
 * the handshake still works, and bytes before that first segment are not recovered).
 *
 * Rules (the documented ones of docs/ja4.md):
 *  - retransmissions and duplicates: bytes already held or already consumed are dropped;
 *  - out of order: a segment beyond the bytes received so far is held at its place
 *    (up to TCPFLOW_MAX_RUNS separate runs of bytes per stream) and the stream grows
 *    when the hole before it is filled;
 *  - overlaps: the first copy of a byte wins: a later segment only fills bytes still
 *    missing; a later copy that differs is counted in stats.conflict_bytes;
 *  - sequence numbers wrap (all arithmetic modulo 2^32, a segment more than 2^31 before
 *    the stream's position is treated as old);
 *  - a SYN with a new initial sequence number on a known direction starts the stream
 *    again (port reuse); a retransmitted SYN does not; SYN data (TFO) is stream data;
 *  - RST ends the stream; FIN is not needed (the caller stops reading when it has read
 *    what it wants).
 *
 * Memory bounds (chosen by the caller, fixed at init): max_flows directions tracked at
 * once (the least recently used one is forgotten when a new one arrives: its later
 * segments then start a stream mid-way), max_bufs stream buffers of buf_size bytes each
 * (a buffer is lent to a stream when its first data arrives and returned by
 * tcpflow_finish; when none is free the least recently used stream holding one is
 * finished), and bytes more than buf_size past the stream's consumed position are
 * dropped (stats.beyond_bytes).
 */
#ifndef HUGINN_PROXY_TCPFLOW_H
#define HUGINN_PROXY_TCPFLOW_H

#include <stddef.h>
#include <stdint.h>

#define TCPFLOW_MAX_RUNS 16 /* separate runs of held bytes per stream */

/* TCP flags as on the wire (byte 13 of the header). */
#define TCPFLOW_FIN 0x01
#define TCPFLOW_SYN 0x02
#define TCPFLOW_RST 0x04
#define TCPFLOW_ACK 0x10

/* One direction.  IPv4 addresses use the first 4 bytes; ports in host order. */
struct tcpflow_key {
	uint8_t ip_ver; /* 4 or 6 */
	uint8_t pad[3];
	uint8_t src[16];
	uint8_t dst[16];
	uint16_t sport;
	uint16_t dport;
};

/* A decoded TCP segment. */
struct tcpflow_seg {
	struct tcpflow_key key;
	uint32_t seq;
	uint8_t flags;	     /* TCPFLOW_* */
	const uint8_t *data; /* payload */
	uint32_t len;
};

enum tcpflow_state {
	TCPFLOW_FREE = 0, /* slot unused */
	TCPFLOW_OPEN = 1, /* reading */
	TCPFLOW_DONE = 2, /* finished: segments are ignored until a new SYN */
};

struct tcpflow_run {
	uint32_t s, e; /* held bytes [s, e) relative to buf[0] */
};

struct tcpflow_stream {
	struct tcpflow_key key;
	uint8_t state;	  /* enum tcpflow_state */
	uint8_t from_syn; /* the base came from a SYN (isn is valid) */
	uint8_t n_runs;
	uint8_t pad;
	uint32_t isn;  /* the SYN's sequence number */
	uint32_t seq;  /* sequence number of buf[0] */
	uint32_t have; /* bytes buf[0..have) are here, in order */
	uint64_t off;  /* stream offset of buf[0] (bytes consumed before it) */
	uint8_t *buf;  /* NULL until data arrives, and once finished */
	int32_t bufi;  /* index of buf in the pool, -1 without */
	int32_t hnext; /* hash chain, -1 ends it */
	int32_t lprev; /* LRU list (toward more recent), -1 at the head */
	int32_t lnext; /* LRU list (toward older), -1 at the tail */
	struct tcpflow_run runs[TCPFLOW_MAX_RUNS]; /* sorted, disjoint, not touching */
	/* The caller's: zeroed whenever the stream (re)starts, never read here. */
	uint32_t app_state, app_need, app_count;
};

struct tcpflow_stats {
	uint64_t dup_bytes;	 /* bytes received again (retransmissions, overlaps) */
	uint64_t conflict_bytes; /* of those, bytes that differed from the first copy */
	uint64_t beyond_bytes;	 /* bytes past the buffer window, dropped */
	uint64_t run_drops;	 /* segments dropped: too many separate runs */
	uint64_t buf_drops;	 /* segments dropped: no buffer could be found */
	uint64_t evicted;	 /* directions forgotten to make room */
	uint64_t buf_evicted;	 /* streams finished to free a buffer */
};

struct tcpflow {
	struct tcpflow_stream *st;
	uint32_t max_flows;
	int32_t *heads; /* hash buckets */
	uint32_t hash_mask;
	uint8_t *bufs;
	uint32_t buf_size, max_bufs;
	int32_t *free_bufs; /* stack of free buffer indices */
	uint32_t n_free_bufs;
	int32_t free_slot;	    /* free slots, chained through hnext */
	int32_t lru_head, lru_tail; /* most and least recently used slot */
	struct tcpflow_stats stats;
};

/* tcpflow_add results. */
enum {
	TCPFLOW_NONE = 0, /* nothing new in order (duplicate, held out of order, ignored) */
	TCPFLOW_GREW = 1, /* the in-order bytes (have) grew */
};

/* Bytes of memory tcpflow_init needs for these limits (0 when a limit is 0 or absurd). */
size_t tcpflow_mem_size(uint32_t max_flows, uint32_t max_bufs, uint32_t buf_size);

/*
 * Set t up over mem (size bytes, at least tcpflow_mem_size(...), 8-byte aligned; the
 * caller keeps it alive and frees it after).  max_flows <= 2^24, buf_size <= 2^30.
 * Returns 0 or -EINVAL.
 */
int tcpflow_init(struct tcpflow *t, void *mem, size_t size, uint32_t max_flows, uint32_t max_bufs,
		 uint32_t buf_size);

/*
 * Add one segment.  *out is set to the segment's stream (NULL when the segment starts
 * none: no SYN and no data, or an RST).  Returns TCPFLOW_GREW when the stream's in-order
 * bytes grew (read them at (*out)->buf, (*out)->have), else TCPFLOW_NONE.
 */
int tcpflow_add(struct tcpflow *t, const struct tcpflow_seg *seg, struct tcpflow_stream **out);

/* Drop the first n in-order bytes of s (n <= s->have); later bytes move to buf[0]. */
void tcpflow_consume(struct tcpflow *t, struct tcpflow_stream *s, uint32_t n);

/* Stop reading s: its buffer goes back to the pool, its segments are ignored from now on
 * (until a SYN with a new sequence number starts the direction again). */
void tcpflow_finish(struct tcpflow *t, struct tcpflow_stream *s);

#endif
