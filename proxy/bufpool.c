/*
 * bufpool.c - the worker's buffer pool: size classes over malloc, bounded free lists, a
 * cap on what connections hold.  See bufpool.h.
 *
 * The class sizes are what musl's allocator (mallocng, the static build's) serves without
 * waste: slots of 16-byte units minus its 4-byte in-band header, up to its mmap threshold
 * (131052); above it each buffer is its own mapping, returned to the kernel on free.
 * Freed memory goes back to the system with musl and glibc alike (measured with musl:
 * 10,000 buffers of 2 KiB freed -> RSS back to its start), so the free lists only have to
 * be bounded: each keeps about 64 KiB (one buffer of the two largest pooled classes), at
 * most 0.6 MiB in all; what a busy loop needs beyond that comes from malloc.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/bufpool.h"

static const uint32_t class_size[PROXY_BUFPOOL_CLASSES] = {
    PROXY_BUFPOOL_SMALL,
    PROXY_BUFPOOL_FIRST,
    4076,
    8172,
    16364,
    32748,
    65516,
    131052,
    262144,
    524288,
    1048576,
    PROXY_BUFPOOL_MAX,
};

/* Free buffers kept per class at least; the classes with a floor also keep what recent
 * demand may ask for again (keep_of).  The larger classes are mmap'd by the allocator
 * and never kept. */
static const uint32_t class_keep[PROXY_BUFPOOL_CLASSES] = {
    128, 32, 16, 8, 4, 2, 1, 1, 0, 0, 0, 0,
};

/*
 * How many free buffers class k may hold: its floor, or as many as the most borrowed at
 * once in this window and the last, less those out now.  With a fixed bound alone, a
 * thousand requests in flight freed and re-allocated most of their buffers each time,
 * and musl's allocator unmapped and re-faulted their pages: 0.71 page faults and 0.11
 * mmap/munmap per keep-alive request at wrk -c1000 (0.003 and 0.002 at -c50), and the
 * system time per request 1.5x nginx's.
 */
static uint32_t keep_of(const struct proxy_bufpool *bp, unsigned k)
{
	uint32_t demand = bp->peak[k] > bp->peak_prev[k] ? bp->peak[k] : bp->peak_prev[k];
	uint32_t spare = demand > bp->n_out[k] ? demand - bp->n_out[k] : 0;

	if (!class_keep[k])
		return 0;
	return spare > class_keep[k] ? spare : class_keep[k];
}

static unsigned class_of(size_t want)
{
	unsigned k = 0;

	while (k < PROXY_BUFPOOL_CLASSES - 1 && class_size[k] < want)
		k++;
	return k;
}

/* The class of a buffer of exactly size cap. */
static unsigned class_exact(uint32_t cap)
{
	unsigned k = class_of(cap);

	return class_size[k] == cap ? k : PROXY_BUFPOOL_CLASSES;
}

uint32_t proxy_bufpool_class_size(size_t want)
{
	return class_size[class_of(want)];
}

void proxy_bufpool_init(struct proxy_bufpool *bp, uint64_t limit)
{
	memset(bp, 0, sizeof(*bp));
	bp->limit = limit;
}

void proxy_bufpool_drain(struct proxy_bufpool *bp)
{
	for (unsigned k = 0; k < PROXY_BUFPOOL_CLASSES; k++) {
		while (bp->free[k]) {
			void *p = bp->free[k];

			memcpy(&bp->free[k], p, sizeof(void *));
			free(p);
		}
		bp->n_free[k] = 0;
	}
	bp->pooled_bytes = 0;
	bp->n_pooled = 0;
}

void proxy_bufpool_trim(struct proxy_bufpool *bp)
{
	for (unsigned k = 0; k < PROXY_BUFPOOL_CLASSES; k++) {
		uint32_t keep;

		bp->peak_prev[k] = bp->peak[k];
		bp->peak[k] = bp->n_out[k];
		keep = keep_of(bp, k);
		while (bp->n_free[k] > keep) {
			void *p = bp->free[k];

			memcpy(&bp->free[k], p, sizeof(void *));
			free(p);
			bp->n_free[k]--;
			bp->n_pooled--;
			bp->pooled_bytes -= class_size[k];
		}
	}
}

void *proxy_bufpool_get(struct proxy_bufpool *bp, size_t want, uint32_t *cap)
{
	unsigned k;
	uint32_t size;
	void *p;

	if (want > PROXY_BUFPOOL_MAX)
		return NULL;
	k = class_of(want);
	size = class_size[k];
	if (bp->limit && bp->borrowed_bytes + size > bp->limit) {
		bp->refused++;
		return NULL;
	}
	p = bp->free[k];
	if (p) {
		memcpy(&bp->free[k], p, sizeof(void *));
		bp->n_free[k]--;
		bp->n_pooled--;
		bp->pooled_bytes -= size;
	} else {
		/* Pooled buffers count against the cap too: at the cap they make room. */
		if (bp->limit && bp->borrowed_bytes + bp->pooled_bytes + size > bp->limit)
			proxy_bufpool_drain(bp);
		p = malloc(size);
		if (!p)
			return NULL;
	}
	bp->borrowed_bytes += size;
	bp->n_borrowed++;
	if (++bp->n_out[k] > bp->peak[k])
		bp->peak[k] = bp->n_out[k];
	*cap = size;
	return p;
}

void proxy_bufpool_put(struct proxy_bufpool *bp, void *p, uint32_t cap)
{
	unsigned k;

	if (!p)
		return;
	bp->borrowed_bytes -= cap;
	bp->n_borrowed--;
	k = class_exact(cap);
	if (k < PROXY_BUFPOOL_CLASSES && bp->n_out[k])
		bp->n_out[k]--;
	if (k >= PROXY_BUFPOOL_CLASSES || bp->n_free[k] >= keep_of(bp, k) ||
	    (bp->limit && bp->borrowed_bytes + bp->pooled_bytes + cap > bp->limit)) {
		free(p);
		return;
	}
	memcpy(p, &bp->free[k], sizeof(void *));
	bp->free[k] = p;
	bp->n_free[k]++;
	bp->n_pooled++;
	bp->pooled_bytes += cap;
}

int proxy_bufpool_take(struct proxy_bufpool *bp, struct proxy_buf *b, size_t want, uint32_t max)
{
	uint32_t cap;
	char *p;

	if (want > max)
		want = max;
	if (want < PROXY_BUFPOOL_FIRST)
		want = PROXY_BUFPOOL_FIRST; /* the small class is for request state */
	p = proxy_bufpool_get(bp, want, &cap);
	if (!p)
		return -ENOBUFS;
	b->p = p;
	b->cap = cap;
	b->rd = b->wr = 0;
	b->max = max;
	return 0;
}

int proxy_bufpool_grow(struct proxy_bufpool *bp, struct proxy_buf *b, size_t want)
{
	uint32_t cap, len = b->wr - b->rd;
	char *p;

	if (want > b->max)
		want = b->max;
	if (want <= b->cap)
		return -ENOBUFS;
	p = proxy_bufpool_get(bp, want, &cap);
	if (!p)
		return -ENOBUFS;
	/* Offsets, not pointers, describe what is in a buffer (the parser re-scans from the
	 * head's start, bodies count bytes from rd): moving the bytes is all it takes. */
	memcpy(p, b->p + b->rd, len);
	proxy_bufpool_put(bp, b->p, b->cap);
	b->p = p;
	b->cap = cap;
	b->rd = 0;
	b->wr = len;
	return 0;
}

void proxy_bufpool_release(struct proxy_bufpool *bp, struct proxy_buf *b)
{
	proxy_bufpool_put(bp, b->p, b->cap);
	b->p = NULL;
	b->cap = b->rd = b->wr = 0;
}

void proxy_bufpool_fit(struct proxy_bufpool *bp, struct proxy_buf *b)
{
	uint32_t len = b->wr - b->rd, cap;
	char *p;

	if (!b->p)
		return;
	if (!len) {
		proxy_bufpool_release(bp, b);
		return;
	}
	if (proxy_bufpool_class_size(len < PROXY_BUFPOOL_FIRST ? PROXY_BUFPOOL_FIRST : len) >=
	    b->cap)
		return;
	p = proxy_bufpool_get(bp, len < PROXY_BUFPOOL_FIRST ? PROXY_BUFPOOL_FIRST : len, &cap);
	if (!p)
		return;
	memcpy(p, b->p + b->rd, len);
	proxy_bufpool_put(bp, b->p, b->cap);
	b->p = p;
	b->cap = cap;
	b->rd = 0;
	b->wr = len;
}
