/*
 * test_proxy_bufpool.c - the engine's buffer pool (proxy/bufpool.c) and the reads that
 * borrow and grow its buffers (proxy_flow_recv): classes, counts, the memory cap, bounded
 * free lists, data kept whole when a buffer moves.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "proxy/bufpool.h"
#include "proxy/flow.h"
#include "test/harness.h"

static void test_classes(void)
{
	/* The sizes musl's mallocng serves without waste (16-byte units less its 4-byte
	 * header), then powers of two. */
	is_int(proxy_bufpool_class_size(1), 492, "smallest class");
	is_int(proxy_bufpool_class_size(492), 492, "exact fit");
	is_int(proxy_bufpool_class_size(493), 2028, "one byte more: next class");
	is_int(proxy_bufpool_class_size(4000), 4076, "4 KiB class");
	is_int(proxy_bufpool_class_size(17408), 32748, "default client head limit's class");
	is_int(proxy_bufpool_class_size(200000), 262144, "above the mmap threshold");
	is_int(proxy_bufpool_class_size(3u << 20), 2097152, "beyond the largest: the largest");
}

static void test_counts_and_cap(void)
{
	struct proxy_bufpool bp;
	uint32_t c1 = 0, c2 = 0, c3 = 0;
	void *a, *b, *c;

	proxy_bufpool_init(&bp, 8192);
	a = proxy_bufpool_get(&bp, 3000, &c1);
	b = proxy_bufpool_get(&bp, 4076, &c2);
	ok(a && b && c1 == 4076 && c2 == 4076, "two 4 KiB buffers under an 8 KiB cap");
	is_int((int)bp.n_borrowed, 2, "two borrowed");
	is_int((int)bp.borrowed_bytes, 8152, "their bytes");
	c = proxy_bufpool_get(&bp, 100, &c3);
	ok(c == NULL, "a third (492 bytes) would pass the cap: refused");
	is_int((int)bp.refused, 1, "refusal counted");
	memset(a, 'x', c1);
	proxy_bufpool_put(&bp, a, c1);
	is_int((int)bp.n_borrowed, 1, "one given back");
	is_int((int)bp.n_pooled, 1, "and pooled");
	a = proxy_bufpool_get(&bp, 4076, &c1);
	ok(a != NULL && bp.n_pooled == 0, "the pooled one is reused");
	proxy_bufpool_put(&bp, a, c1);
	/* The pooled buffer counts against the cap: a borrow of another class frees it. */
	c = proxy_bufpool_get(&bp, 4000, &c3);
	ok(c != NULL, "room again");
	proxy_bufpool_put(&bp, c, c3);
	c = proxy_bufpool_get(&bp, 100, &c3);
	ok(c != NULL && bp.borrowed_bytes == 4076 + 492, "a smaller class fits next to one");
	proxy_bufpool_put(&bp, c, c3);
	proxy_bufpool_put(&bp, b, c2);
	is_int((int)bp.n_borrowed, 0, "nothing borrowed at the end");
	is_int((int)bp.borrowed_bytes, 0, "no borrowed bytes at the end");
	proxy_bufpool_drain(&bp);
	is_int((int)bp.n_pooled, 0, "drained");
	is_int((int)bp.pooled_bytes, 0, "no pooled bytes");
}

static void test_bounded(void)
{
	struct proxy_bufpool bp;
	void *v[300];
	uint32_t cap[300];
	int got = 0;

	proxy_bufpool_init(&bp, 0);
	for (int i = 0; i < 300; i++)
		got += (v[i] = proxy_bufpool_get(&bp, 2000, &cap[i])) != NULL;
	is_int(got, 300, "300 first-class buffers without a cap");
	for (int i = 0; i < 300; i++)
		proxy_bufpool_put(&bp, v[i], cap[i]);
	/* 300 were out at once: as many are kept for the demand of this window and the
	 * next (no free and malloc again per request at high concurrency). */
	is_int((int)bp.n_pooled, 300, "recent demand kept: 300");
	for (int i = 0; i < 300; i++)
		got -= (v[i] = proxy_bufpool_get(&bp, 2000, &cap[i])) != NULL;
	is_int(got, 0, "the same 300 borrowed again");
	is_int((int)bp.n_pooled, 0, "from the free list");
	for (int i = 0; i < 300; i++)
		proxy_bufpool_put(&bp, v[i], cap[i]);
	proxy_bufpool_trim(&bp);
	is_int((int)bp.n_pooled, 300, "one tick later: the last window's demand still kept");
	proxy_bufpool_trim(&bp);
	/* Two ticks without demand: bufpool.c keeps its floor of 32 of this class (64 KiB),
	 * the others are freed. */
	is_int((int)bp.n_pooled, 32, "free list bounded: 32 kept");
	is_int((int)bp.pooled_bytes, 32 * 2028, "their bytes");
	is_int((int)bp.n_borrowed, 0, "none borrowed");
	proxy_bufpool_drain(&bp);
}

static void test_grow_fit(void)
{
	struct proxy_bufpool bp;
	struct proxy_buf b = {0};
	int bad = 0;

	proxy_bufpool_init(&bp, 0);
	ok(proxy_bufpool_take(&bp, &b, 10, 60000) == 0 && b.cap == 2028, "take: first class");
	for (uint32_t i = 0; i < b.cap; i++)
		b.p[i] = (char)(i * 7);
	b.rd = 100;
	b.wr = b.cap;
	ok(proxy_bufpool_grow(&bp, &b, 3000) == 0 && b.cap == 4076, "grow one class");
	is_int((int)b.rd, 0, "data moved to the start");
	is_int((int)b.wr, 2028 - 100, "all of it");
	for (uint32_t i = 0; i < b.wr; i++)
		bad += b.p[i] != (char)((i + 100) * 7);
	is_int(bad, 0, "bytes unchanged by the move");
	ok(proxy_bufpool_grow(&bp, &b, 1 << 20) == 0 && b.cap == 65516,
	   "grow stops at max's class");
	b.rd = b.wr - 10;
	proxy_bufpool_fit(&bp, &b);
	ok(b.p && b.cap == 2028 && b.rd == 0 && b.wr == 10,
	   "fit: 10 pipelined bytes, small buffer");
	bad = 0;
	for (uint32_t i = 0; i < 10; i++)
		bad += b.p[i] != (char)((2028 - 10 + i) * 7);
	is_int(bad, 0, "the pipelined bytes kept");
	is_int((int)bp.n_borrowed, 1, "one buffer borrowed");
	b.rd = b.wr;
	proxy_bufpool_fit(&bp, &b);
	ok(b.p == NULL && b.cap == 0 && bp.n_borrowed == 0, "fit: empty -> released");
	ok(b.max == 60000, "the limit stays with the buffer");
	proxy_bufpool_drain(&bp);
}

/* proxy_flow_recv over a socket: borrows, grows when full, never loses a byte. */
static void test_recv(void)
{
	struct proxy_bufpool bp;
	struct proxy_buf b = {.max = 8192};
	struct proxy_side s = {0};
	char out[6000], *got = NULL;
	uint64_t ctr = 0;
	int sv[2], r, bad = 0;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv)) {
		ok(0, "socketpair: %s", strerror(errno));
		return;
	}
	for (size_t i = 0; i < sizeof(out); i++)
		out[i] = (char)(i * 13 + 1);
	proxy_bufpool_init(&bp, 0);
	s.fd = sv[0];
	r = proxy_flow_recv(&bp, &s, &b, &ctr);
	ok(r == 0 && b.p == NULL, "not readable: nothing borrowed");
	is_int((int)write(sv[1], out, sizeof(out)), (int)sizeof(out), "6000 bytes sent");
	s.rd_ready = 1;
	for (int i = 0; i < 10 && s.rd_ready; i++)
		r = proxy_flow_recv(&bp, &s, &b, &ctr);
	is_int((int)(b.wr - b.rd), 6000, "all 6000 bytes read into one buffer (head kept whole)");
	is_int((int)b.cap, 8172, "grown to max's class: 2028 -> 4076 -> 8172");
	got = b.p + b.rd;
	for (size_t i = 0; i < sizeof(out); i++)
		bad += got[i] != out[i];
	is_int(bad, 0, "bytes intact across the moves");
	proxy_bufpool_release(&bp, &b);
	is_int((int)ctr, 6000, "bytes counted");
	proxy_bufpool_drain(&bp);

	/* At the cap: the first buffer cannot be borrowed. */
	proxy_bufpool_init(&bp, 1000);
	{
		uint32_t c;
		void *hold = proxy_bufpool_get(&bp, 600, &c); /* 492 */

		ok(hold == NULL || c == 492, "small one under a 1000-byte cap");
		is_int((int)write(sv[1], out, 100), 100, "100 more bytes");
		s.rd_ready = 1;
		r = proxy_flow_recv(&bp, &s, &b, &ctr);
		is_int(r, PROXY_FLOW_NOBUF, "no first buffer at the cap: PROXY_FLOW_NOBUF");
		ok(b.p == NULL && s.rd_ready == 1, "nothing read, still readable");
		proxy_bufpool_put(&bp, hold, c);
		proxy_bufpool_drain(&bp);
	}
	/* Room for the first class only: the head cannot grow past it. */
	proxy_bufpool_init(&bp, 4000);
	is_int((int)write(sv[1], out, 3000), 3000, "3000 more bytes (3100 waiting)");
	for (int i = 0; i < 5; i++)
		r = proxy_flow_recv(&bp, &s, &b, &ctr);
	ok(b.p && b.cap == 2028 && b.wr == 2028 && b.rd == 0, "full, not grown past the cap");
	is_int(r, 0, "then nothing to do (the caller answers 503)");
	proxy_bufpool_release(&bp, &b);
	proxy_bufpool_drain(&bp);
	close(sv[0]);
	close(sv[1]);
}

int main(void)
{
	test_classes();
	test_counts_and_cap();
	test_bounded();
	test_grow_fit();
	test_recv();
	return done_testing();
}
