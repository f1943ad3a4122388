/*
 * bufpool.h - the engine's buffers (bufpool.c): a connection borrows them from the
 * worker's pool when bytes arrive and gives them back when its request is done, so an
 * idle connection holds none.  Sizes come in classes; a buffer starts at the smallest
 * class that fits and grows one class at a time when the data needs it.  The free lists
 * are bounded by recent demand (a floor per class, or what the last two one-second
 * windows had out at once; the rest is freed at the loop's tick: memory comes back about
 * two seconds after a burst, and a steady load does not free and re-allocate), and the
 * bytes held by connections are capped ([limits] buffer_memory_max): a borrow over the
 * cap fails, and the caller refuses the work (503) instead of the process growing.
 * A leaf: it knows no other engine module.
 */
#ifndef HUGINN_PROXY_BUFPOOL_H
#define HUGINN_PROXY_BUFPOOL_H

#include <stddef.h>
#include <stdint.h>

/* Data in p[rd..wr).  max: a pooled buffer grows up to the class that holds max bytes
 * (0: a fixed buffer that someone else owns, never borrowed, grown or returned). */
struct proxy_buf {
	char *p;
	uint32_t cap, rd, wr;
	uint32_t max;
};

#define PROXY_BUFPOOL_CLASSES 12
#define PROXY_BUFPOOL_SMALL 492	  /* class 0: a request's own state (engine.h proxy_exch) */
#define PROXY_BUFPOOL_FIRST 2028  /* the first buffer of a connection */
#define PROXY_BUFPOOL_MAX 2097152 /* the largest class */

struct proxy_bufpool {
	void *free[PROXY_BUFPOOL_CLASSES]; /* free lists, linked through each buffer's start */
	uint32_t n_free[PROXY_BUFPOOL_CLASSES];
	uint64_t limit;		 /* cap on borrowed bytes; 0 = none */
	uint64_t borrowed_bytes; /* class sizes of the buffers connections hold */
	uint64_t pooled_bytes;
	uint64_t n_borrowed, n_pooled;
	uint64_t refused; /* borrows refused at the cap */
	/* Demand per class: buffers out now, the most out at once in this tick's window and
	 * in the one before (proxy_bufpool_trim).  The free lists keep what that demand may
	 * ask for again, beyond the fixed floor of each class. */
	uint32_t n_out[PROXY_BUFPOOL_CLASSES];
	uint32_t peak[PROXY_BUFPOOL_CLASSES], peak_prev[PROXY_BUFPOOL_CLASSES];
};

/* The class size that holds want bytes (the largest class when nothing does). */
uint32_t proxy_bufpool_class_size(size_t want);

/* Start empty with limit (0 = none). */
void proxy_bufpool_init(struct proxy_bufpool *bp, uint64_t limit);
/* Borrow a buffer of at least want bytes (at most PROXY_BUFPOOL_MAX); *cap gets its
 * size.  NULL when the cap would be passed (counted in refused) or memory ran out. */
void *proxy_bufpool_get(struct proxy_bufpool *bp, size_t want, uint32_t *cap);
/* Give back a buffer of size cap (from proxy_bufpool_get).  NULL is a no-op. */
void proxy_bufpool_put(struct proxy_bufpool *bp, void *p, uint32_t cap);
/* Free everything pooled (on exit, or when the cap needs the room). */
void proxy_bufpool_drain(struct proxy_bufpool *bp);
/* Once a second (the loop's tick): start a new demand window and free what the free
 * lists hold beyond the demand of this window and the last (memory comes back about two
 * ticks after a burst ends). */
void proxy_bufpool_trim(struct proxy_bufpool *bp);

/*
 * struct proxy_buf helpers.  take: b (empty, no buffer) borrows the class for want
 * bytes, growing later up to max.  grow: b moves its data [rd, wr) to the start of a
 * buffer of at least want bytes (at most b->max).  release: b gives its buffer back, now
 * empty.  fit: after a request, b keeps only what it still holds: nothing -> release;
 * a few pipelined bytes in a large buffer -> moved into the smallest class that holds
 * them (kept as they are when that borrow fails).  take and grow return 0 or -ENOBUFS.
 */
int proxy_bufpool_take(struct proxy_bufpool *bp, struct proxy_buf *b, size_t want, uint32_t max);
int proxy_bufpool_grow(struct proxy_bufpool *bp, struct proxy_buf *b, size_t want);
void proxy_bufpool_release(struct proxy_bufpool *bp, struct proxy_buf *b);
void proxy_bufpool_fit(struct proxy_bufpool *bp, struct proxy_buf *b);

#endif
