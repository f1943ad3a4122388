/*
 * test_tcpflow.c - TCP stream reassembly: in order, reordered, duplicates, overlaps
 * (first copy wins), sequence wrap-around, SYN handling, mid-stream starts, limits
 * (runs, window, buffers, flows).  The expected stream is always the bytes the test
 * cut into segments.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/tcpflow.h"
#include "test/harness.h"

#define BUF 4096

static struct tcpflow T;
static void *mem;

static void setup(uint32_t flows, uint32_t bufs, uint32_t size)
{
	size_t n = tcpflow_mem_size(flows, bufs, size);

	free(mem);
	mem = malloc(n);
	if (!mem || tcpflow_init(&T, mem, n, flows, bufs, size) < 0)
		abort();
}

static struct tcpflow_key key(uint16_t sport)
{
	struct tcpflow_key k;

	memset(&k, 0, sizeof(k));
	k.ip_ver = 4;
	k.src[0] = 10, k.src[3] = 2;
	k.dst[0] = 10, k.dst[3] = 1;
	k.sport = sport;
	k.dport = 443;
	return k;
}

static int add(uint16_t sport, uint32_t seq, uint8_t flags, const uint8_t *d, uint32_t len,
	       struct tcpflow_stream **s)
{
	struct tcpflow_seg g;
	struct tcpflow_stream *dummy;

	memset(&g, 0, sizeof(g));
	g.key = key(sport);
	g.seq = seq;
	g.flags = flags;
	g.data = d;
	g.len = len;
	return tcpflow_add(&T, &g, s ? s : &dummy);
}

static uint8_t src[BUF];

/* Does s hold exactly src[0..n) in order? */
static int holds(const struct tcpflow_stream *s, uint32_t n)
{
	return s && s->have == n && (!n || (s->buf && !memcmp(s->buf, src, n)));
}

/* Deliver src[0..n) in pieces of size `piece`, in the order given by perm (indices of
 * pieces), base sequence isn+1 after a SYN.  Returns the stream. */
static struct tcpflow_stream *deliver(uint16_t port, uint32_t isn, uint32_t n, uint32_t piece,
				      const unsigned *perm, unsigned npieces)
{
	struct tcpflow_stream *s = NULL;
	unsigned i;

	add(port, isn, TCPFLOW_SYN, NULL, 0, &s);
	for (i = 0; i < npieces; i++) {
		uint32_t off = perm[i] * piece, len = off + piece > n ? n - off : piece;

		add(port, isn + 1 + off, TCPFLOW_ACK, src + off, len, &s);
	}
	return s;
}

static void test_orders(void)
{
	unsigned perm[64], i, j;
	struct tcpflow_stream *s;
	const uint32_t wraps[] = {1000, 0xffffffffu - 500, 0xfffffffeu, 0xffffffffu};

	for (j = 0; j < sizeof(wraps) / sizeof(wraps[0]); j++) {
		setup(8, 4, BUF);
		for (i = 0; i < 10; i++)
			perm[i] = i;
		s = deliver(1000, wraps[j], 1000, 100, perm, 10);
		ok(holds(s, 1000), "in order, isn %#x", wraps[j]);

		setup(8, 4, BUF);
		for (i = 0; i < 10; i++)
			perm[i] = 9 - i;
		s = deliver(1001, wraps[j], 1000, 100, perm, 10);
		ok(holds(s, 1000), "reversed, isn %#x", wraps[j]);

		/* Every piece twice, the copies interleaved: duplicates dropped. */
		setup(8, 4, BUF);
		for (i = 0; i < 20; i++)
			perm[i] = (i * 7) % 10;
		s = deliver(1002, wraps[j], 1000, 100, perm, 20);
		ok(holds(s, 1000) && T.stats.dup_bytes == 1000 && !T.stats.conflict_bytes,
		   "duplicates dropped, isn %#x (dup %llu)", wraps[j],
		   (unsigned long long)T.stats.dup_bytes);
	}
}

static void test_overlaps(void)
{
	struct tcpflow_stream *s;
	uint8_t alt[BUF];
	uint32_t isn = 5000;
	unsigned k;

	/* Overlapping segments of the same bytes, out of order. */
	setup(8, 4, BUF);
	add(1, isn, TCPFLOW_SYN, NULL, 0, &s);
	add(1, isn + 1 + 300, 0, src + 300, 400, &s);
	add(1, isn + 1 + 100, 0, src + 100, 300, &s);
	add(1, isn + 1 + 650, 0, src + 650, 350, &s);
	is_int(s->have, 0, "nothing in order before byte 0");
	is_int(s->n_runs, 1, "three overlapping pieces make one run");
	add(1, isn + 1, 0, src, 150, &s);
	ok(holds(s, 1000), "overlaps reassembled");
	is_int(T.stats.dup_bytes, 100 + 50 + 50, "overlap bytes counted once each");

	/* A later copy that differs: the first copy wins, the difference is counted. */
	for (k = 0; k < BUF; k++)
		alt[k] = (uint8_t)~src[k];
	setup(8, 4, BUF);
	add(2, isn, TCPFLOW_SYN, NULL, 0, &s);
	add(2, isn + 1 + 200, 0, src + 200, 200, &s);
	add(2, isn + 1, 0, alt, 300, &s); /* bytes 200..300 already held */
	ok(s->have == 400 && !memcmp(s->buf + 200, src + 200, 200) && !memcmp(s->buf, alt, 200),
	   "first copy wins over a differing later one");
	is_int(T.stats.conflict_bytes, 100, "differing bytes counted");
	/* A retransmission that differs from bytes already in order keeps the first too. */
	add(2, isn + 1, 0, src, 400, &s);
	ok(s->have == 400 && !memcmp(s->buf, alt, 200), "in-order bytes are never overwritten");
}

static void test_consume(void)
{
	struct tcpflow_stream *s;
	uint32_t isn = 0xfffffff0u;

	setup(8, 4, 1000);
	add(3, isn, TCPFLOW_SYN, NULL, 0, &s);
	add(3, isn + 1, 0, src, 600, &s);
	add(3, isn + 1 + 700, 0, src + 700, 200, &s);
	tcpflow_consume(&T, s, 500);
	ok(s->have == 100 && !memcmp(s->buf, src + 500, 100) && s->off == 500,
	   "consume keeps the rest in order");
	ok(s->n_runs == 2 && s->runs[1].s == 200 && s->runs[1].e == 400 &&
	       !memcmp(s->buf + 200, src + 700, 200),
	   "consume moves held out-of-order bytes too");
	/* Consumed bytes come again: dropped; the window slid, so byte 1400 now fits. */
	add(3, isn + 1, 0, src, 1000, &s);
	ok(s->have == 500 && !memcmp(s->buf, src + 500, 500), "retransmission across consumed");
	add(3, isn + 1 + 1000, 0, src + 1000, 600, &s);
	ok(s->have == 1000 && !memcmp(s->buf, src + 500, 1000),
	   "window slides after consume (buffer full)");
	is_int(T.stats.beyond_bytes, 100, "bytes beyond the window counted");
	tcpflow_consume(&T, s, 1000);
	ok(s->have == 0 && s->n_runs == 0 && s->off == 1500, "consume all");
}

static void test_syn_rules(void)
{
	struct tcpflow_stream *s, *s2;
	uint8_t tfo[10];

	setup(8, 4, BUF);
	add(4, 100, TCPFLOW_SYN, NULL, 0, &s);
	add(4, 101, 0, src, 50, &s);
	add(4, 100, TCPFLOW_SYN, NULL, 0, &s2); /* retransmitted SYN */
	ok(s2 == s && holds(s, 50), "a retransmitted SYN keeps the stream");
	add(4, 9000, TCPFLOW_SYN, NULL, 0, &s2); /* port reuse */
	ok(s2 == s && s->have == 0 && s->seq == 9001, "a SYN with a new isn restarts it");
	memcpy(tfo, src, sizeof(tfo));
	add(5, 7000, TCPFLOW_SYN, tfo, 10, &s);
	ok(holds(s, 10) && s->seq == 7001, "SYN data (TFO) follows the SYN");

	/* No SYN: the first data segment sets the base; earlier bytes are lost. */
	add(6, 555, TCPFLOW_ACK, NULL, 0, &s);
	ok(!s, "a pure ACK starts nothing");
	add(6, 555, TCPFLOW_ACK, src, 100, &s);
	add(6, 655, TCPFLOW_ACK, src + 100, 100, &s);
	add(6, 455, TCPFLOW_ACK, src, 100, &s);
	ok(holds(s, 200), "mid-stream start");

	/* RST finishes; further data is ignored; a new SYN starts again. */
	add(6, 755, TCPFLOW_RST, NULL, 0, &s);
	ok(s->state == TCPFLOW_DONE && !s->buf, "RST finishes the stream");
	is_int(add(6, 755, 0, src, 10, &s), TCPFLOW_NONE, "finished: data ignored");
	add(6, 3000, TCPFLOW_SYN, NULL, 0, &s);
	add(6, 3001, 0, src, 10, &s);
	ok(s->state == TCPFLOW_OPEN && holds(s, 10), "a new SYN reopens it");

	/* The other direction is its own stream. */
	{
		struct tcpflow_seg g;

		memset(&g, 0, sizeof(g));
		g.key = key(6);
		memcpy(g.key.src, key(6).dst, 16);
		memcpy(g.key.dst, key(6).src, 16);
		g.key.sport = 443;
		g.key.dport = 6;
		g.seq = 1;
		g.data = src + 100;
		g.len = 20;
		tcpflow_add(&T, &g, &s2);
		ok(s2 && s2 != s && s2->have == 20 && !memcmp(s2->buf, src + 100, 20),
		   "reverse direction kept apart");
	}
}

static void test_limits(void)
{
	struct tcpflow_stream *s, *first;
	unsigned i;
	uint32_t isn = 1;
	uint8_t big[64];

	/* Runs: every other 10-byte piece makes a run; the 17th is refused. */
	setup(8, 4, BUF);
	add(7, isn, TCPFLOW_SYN, NULL, 0, &s);
	for (i = 0; i < TCPFLOW_MAX_RUNS + 1; i++)
		add(7, isn + 1 + 20 * (i + 1), 0, src + 20 * (i + 1), 10, &s);
	is_int(s->n_runs, TCPFLOW_MAX_RUNS, "runs capped");
	is_int(T.stats.run_drops, 1, "the run over the cap is dropped");
	/* Filling the holes in order still works and merges runs. */
	for (i = 0; i <= TCPFLOW_MAX_RUNS + 1; i++)
		add(7, isn + 1 + 20 * i, 0, src + 20 * i, i <= TCPFLOW_MAX_RUNS ? 20 : 10, &s);
	ok(holds(s, 20 * (TCPFLOW_MAX_RUNS + 1) + 10), "holes filled, dropped run retransmitted");

	/* Window: a segment entirely past buf_size is dropped, one straddling it cut. */
	setup(8, 4, 256);
	add(8, isn, TCPFLOW_SYN, NULL, 0, &s);
	add(8, isn + 1 + 300, 0, src, 10, &s);
	is_int(s->n_runs, 0, "segment beyond the window dropped");
	add(8, isn + 1, 0, src, 300, &s);
	ok(holds(s, 256) && T.stats.beyond_bytes == 10 + 44, "segment cut at the window");

	/* Buffers: two buffers, a third stream finishes the least recently used one. */
	setup(8, 2, 64);
	memset(big, 'x', sizeof(big));
	add(10, 1, TCPFLOW_SYN, NULL, 0, &first);
	add(10, 2, 0, big, 5, &first);
	add(11, 1, TCPFLOW_SYN, NULL, 0, &s);
	add(11, 2, 0, big, 5, &s);
	add(12, 1, TCPFLOW_SYN, NULL, 0, &s);
	add(12, 2, 0, big, 5, &s);
	ok(s->have == 5 && first->state == TCPFLOW_DONE && T.stats.buf_evicted == 1,
	   "buffer taken from the least recently used stream");
	tcpflow_finish(&T, s);
	is_int(T.n_free_bufs, 1, "finish returns the buffer");

	/* Flows: four slots, a fifth direction forgets the least recently used. */
	setup(4, 4, 64);
	for (i = 0; i < 5; i++)
		add((uint16_t)(20 + i), 1, TCPFLOW_SYN, NULL, 0, &s);
	is_int(T.stats.evicted, 1, "fifth flow evicts one");
	add(20, 2, 0, big, 5, &s);
	ok(s && !s->from_syn && s->have == 5, "the forgotten flow restarts mid-stream");
	add(24, 2, 0, big, 5, &s);
	ok(s && s->from_syn && s->have == 5, "the newest flow was kept");

	/* Init refuses nonsense. */
	is_int(tcpflow_mem_size(0, 1, 1), 0, "zero flows refused");
	is_int(tcpflow_mem_size(1, 1, 0), 0, "zero buffer refused");
	is_int(tcpflow_init(&T, mem, 8, 4, 4, 64), -EINVAL, "too little memory refused");
}

/* Random cuts of the stream, shuffled, with duplicates: always the original bytes. */
static void test_random(void)
{
	unsigned round, fails = 0;
	uint32_t seed = 12345;

#define RND() (seed = seed * 1103515245u + 12345u, (seed >> 8))
	for (round = 0; round < 500; round++) {
		struct tcpflow_stream *s = NULL;
		uint32_t isn = RND() * 2654435761u, n = 1 + RND() % 2000, offs[80], lens[80];
		unsigned k, m = 0, order[80];

		setup(4, 2, 2048);
		while (m < 60) {
			offs[m] = RND() % n;
			lens[m] = 1 + RND() % 200;
			if (offs[m] + lens[m] > n)
				lens[m] = n - offs[m];
			m++;
		}
		/* Guarantee coverage: consecutive pieces of 100 as well. */
		for (k = 0; k * 100 < n && m < 80; k++, m++) {
			offs[m] = k * 100;
			lens[m] = n - k * 100 < 100 ? n - k * 100 : 100;
		}
		if (m == 80 && 79 * 100 < n)
			abort();
		for (k = 0; k < m; k++)
			order[k] = k;
		for (k = m - 1; k > 0; k--) {
			unsigned j = RND() % (k + 1), tmp = order[k];

			order[k] = order[j];
			order[j] = tmp;
		}
		add(30, isn, TCPFLOW_SYN, NULL, 0, &s);
		for (k = 0; k < m; k++)
			add(30, isn + 1 + offs[order[k]], 0, src + offs[order[k]], lens[order[k]],
			    &s);
		/* Some pieces may have been refused (runs cap): resend in order. */
		for (k = 0; k * 100 < n; k++)
			add(30, isn + 1 + k * 100, 0, src + k * 100,
			    n - k * 100 < 100 ? n - k * 100 : 100, &s);
		if (!holds(s, n) || T.stats.conflict_bytes)
			fails++;
	}
	is_int(fails, 0, "500 random cuts, shuffled and duplicated, reassemble");
#undef RND
}

int main(void)
{
	unsigned i;

	for (i = 0; i < BUF; i++)
		src[i] = (uint8_t)(i * 31 + (i >> 8));
	test_orders();
	test_overlaps();
	test_consume();
	test_syn_rules();
	test_limits();
	test_random();
	free(mem);
	return done_testing();
}
