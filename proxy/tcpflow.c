/*
 * tcpflow.c - per-direction TCP stream reassembly over caller memory (see tcpflow.h).
 *
 * Layout of the caller's block: the stream slots, the hash buckets, the free-buffer
 * stack, then the buffers.  Slots are found by a chained hash of the direction's key;
 * an LRU list picks the slot to forget when all are taken.  Each stream holds its bytes
 * at their place in one buffer (buf[0] is sequence number seq) and a short sorted list
 * of the runs it holds, so out-of-order bytes need no copy when the hole fills.
 */
#include <errno.h>
#include <string.h>

#include "proxy/tcpflow.h"

#define ALIGN8(x) (((x) + 7) & ~(size_t)7)

static uint32_t hash_buckets(uint32_t max_flows)
{
	uint32_t n = 1;

	while (n < 2 * max_flows)
		n <<= 1;
	return n;
}

size_t tcpflow_mem_size(uint32_t max_flows, uint32_t max_bufs, uint32_t buf_size)
{
	if (!max_flows || max_flows > (1u << 24) || !max_bufs || max_bufs > (1u << 24) ||
	    !buf_size || buf_size > (1u << 30) ||
	    (uint64_t)max_bufs * buf_size > ((uint64_t)1 << 40))
		return 0;
	return ALIGN8((size_t)max_flows * sizeof(struct tcpflow_stream)) +
	       ALIGN8((size_t)hash_buckets(max_flows) * sizeof(int32_t)) +
	       ALIGN8((size_t)max_bufs * sizeof(int32_t)) + (size_t)max_bufs * buf_size;
}

int tcpflow_init(struct tcpflow *t, void *mem, size_t size, uint32_t max_flows, uint32_t max_bufs,
		 uint32_t buf_size)
{
	size_t need = tcpflow_mem_size(max_flows, max_bufs, buf_size);
	uint8_t *p = mem;
	uint32_t i, nh;

	if (!need || size < need || !mem || ((uintptr_t)mem & 7))
		return -EINVAL;
	memset(t, 0, sizeof(*t));
	nh = hash_buckets(max_flows);
	t->st = (struct tcpflow_stream *)(void *)p;
	p += ALIGN8((size_t)max_flows * sizeof(struct tcpflow_stream));
	t->heads = (int32_t *)(void *)p;
	p += ALIGN8((size_t)nh * sizeof(int32_t));
	t->free_bufs = (int32_t *)(void *)p;
	p += ALIGN8((size_t)max_bufs * sizeof(int32_t));
	t->bufs = p;
	t->max_flows = max_flows;
	t->hash_mask = nh - 1;
	t->buf_size = buf_size;
	t->max_bufs = max_bufs;
	memset(t->st, 0, (size_t)max_flows * sizeof(struct tcpflow_stream));
	for (i = 0; i < nh; i++)
		t->heads[i] = -1;
	/* Buffer 0 on top of the stack; slots chained 0, 1, 2, ... */
	for (i = 0; i < max_bufs; i++)
		t->free_bufs[i] = (int32_t)(max_bufs - 1 - i);
	t->n_free_bufs = max_bufs;
	for (i = 0; i < max_flows; i++) {
		t->st[i].hnext = i + 1 < max_flows ? (int32_t)(i + 1) : -1;
		t->st[i].bufi = -1;
	}
	t->free_slot = 0;
	t->lru_head = t->lru_tail = -1;
	return 0;
}

/* FNV-1a over the bytes that make the key (IPv4 uses 4 of the 16 address bytes). */
static uint32_t key_hash(const struct tcpflow_key *k)
{
	unsigned alen = k->ip_ver == 4 ? 4 : 16, i;
	uint32_t h = 2166136261u;

#define MIX(b) (h = (h ^ (uint8_t)(b)) * 16777619u)
	MIX(k->ip_ver);
	for (i = 0; i < alen; i++) {
		MIX(k->src[i]);
		MIX(k->dst[i]);
	}
	MIX(k->sport >> 8);
	MIX(k->sport);
	MIX(k->dport >> 8);
	MIX(k->dport);
#undef MIX
	return h;
}

/* The key with every unused byte zero, so keys compare with memcmp. */
static void key_norm(const struct tcpflow_key *in, struct tcpflow_key *k)
{
	unsigned alen = in->ip_ver == 4 ? 4 : 16;

	memset(k, 0, sizeof(*k));
	k->ip_ver = in->ip_ver;
	memcpy(k->src, in->src, alen);
	memcpy(k->dst, in->dst, alen);
	k->sport = in->sport;
	k->dport = in->dport;
}

static void lru_unlink(struct tcpflow *t, int32_t i)
{
	struct tcpflow_stream *s = &t->st[i];

	if (s->lprev >= 0)
		t->st[s->lprev].lnext = s->lnext;
	else
		t->lru_head = s->lnext;
	if (s->lnext >= 0)
		t->st[s->lnext].lprev = s->lprev;
	else
		t->lru_tail = s->lprev;
	s->lprev = s->lnext = -1;
}

static void lru_push(struct tcpflow *t, int32_t i)
{
	struct tcpflow_stream *s = &t->st[i];

	s->lprev = -1;
	s->lnext = t->lru_head;
	if (t->lru_head >= 0)
		t->st[t->lru_head].lprev = i;
	t->lru_head = i;
	if (t->lru_tail < 0)
		t->lru_tail = i;
}

static void buf_release(struct tcpflow *t, struct tcpflow_stream *s)
{
	if (s->bufi >= 0)
		t->free_bufs[t->n_free_bufs++] = s->bufi;
	s->bufi = -1;
	s->buf = NULL;
}

/* Empty the stream's bytes and the caller's state: the direction starts again. */
static void stream_reset(struct tcpflow *t, struct tcpflow_stream *s)
{
	buf_release(t, s);
	s->state = TCPFLOW_OPEN;
	s->from_syn = 0;
	s->n_runs = 0;
	s->isn = s->seq = s->have = 0;
	s->off = 0;
	s->app_state = s->app_need = s->app_count = 0;
}

void tcpflow_finish(struct tcpflow *t, struct tcpflow_stream *s)
{
	buf_release(t, s);
	s->state = TCPFLOW_DONE;
	s->n_runs = 0;
	s->have = 0;
}

/* Remove slot i from its hash chain and the LRU list, and put it on the free list. */
static void slot_forget(struct tcpflow *t, int32_t i)
{
	struct tcpflow_stream *s = &t->st[i];
	int32_t *pp = &t->heads[key_hash(&s->key) & t->hash_mask];
	unsigned n;

	/* The chain holds at most max_flows slots. */
	for (n = 0; *pp >= 0 && n < t->max_flows; n++) {
		if (*pp == i) {
			*pp = s->hnext;
			break;
		}
		pp = &t->st[*pp].hnext;
	}
	lru_unlink(t, i);
	buf_release(t, s);
	s->state = TCPFLOW_FREE;
	s->hnext = t->free_slot;
	t->free_slot = i;
}

static struct tcpflow_stream *slot_find(struct tcpflow *t, const struct tcpflow_key *k, uint32_t h)
{
	int32_t i = t->heads[h & t->hash_mask];
	unsigned n;

	for (n = 0; i >= 0 && n < t->max_flows; n++) {
		if (!memcmp(&t->st[i].key, k, sizeof(*k)))
			return &t->st[i];
		i = t->st[i].hnext;
	}
	return NULL;
}

static struct tcpflow_stream *slot_new(struct tcpflow *t, const struct tcpflow_key *k, uint32_t h)
{
	struct tcpflow_stream *s;
	int32_t i;

	if (t->free_slot < 0) {
		/* Full: forget the direction seen least recently. */
		slot_forget(t, t->lru_tail);
		t->stats.evicted++;
	}
	i = t->free_slot;
	s = &t->st[i];
	t->free_slot = s->hnext;
	memset(s, 0, sizeof(*s));
	s->key = *k;
	s->bufi = -1;
	s->hnext = t->heads[h & t->hash_mask];
	t->heads[h & t->hash_mask] = i;
	lru_push(t, i);
	stream_reset(t, s);
	return s;
}

/* Lend s a buffer; when none is free, finish the least recently used stream that has
 * one (it is the likeliest to be stalled).  0 or -ENOBUFS. */
static int buf_get(struct tcpflow *t, struct tcpflow_stream *s)
{
	if (s->buf)
		return 0;
	if (!t->n_free_bufs) {
		int32_t i = t->lru_tail;
		unsigned n;

		for (n = 0; i >= 0 && n < t->max_flows; n++) {
			if (t->st[i].bufi >= 0 && &t->st[i] != s) {
				tcpflow_finish(t, &t->st[i]);
				t->stats.buf_evicted++;
				break;
			}
			i = t->st[i].lprev;
		}
		if (!t->n_free_bufs)
			return -ENOBUFS;
	}
	s->bufi = t->free_bufs[--t->n_free_bufs];
	s->buf = t->bufs + (size_t)s->bufi * t->buf_size;
	return 0;
}

/*
 * Put bytes [s0, e0) (relative to buf[0]) of d into s, only where no byte is held yet
 * (the first copy wins).  Returns 0, or -ENOSPC when the runs would exceed
 * TCPFLOW_MAX_RUNS (nothing is changed then).
 */
static int runs_put(struct tcpflow *t, struct tcpflow_stream *s, uint32_t s0, uint32_t e0,
		    const uint8_t *d)
{
	struct tcpflow_run nr[TCPFLOW_MAX_RUNS + 2]; /* room to overshoot by two, then refuse */
	uint32_t start = s0, end = e0, c = s0;
	unsigned i, n = 0;
	int placed = 0;

	/* The merged list first: it decides whether the segment fits at all. */
	for (i = 0; i < s->n_runs; i++) {
		struct tcpflow_run r = s->runs[i];

		if (r.e < start) {
			nr[n++] = r; /* before, not touching */
		} else if (r.s > end) {
			if (!placed)
				nr[n++] = (struct tcpflow_run){start, end};
			placed = 1;
			nr[n++] = r; /* after, not touching */
		} else {
			/* Touches or overlaps: one run. */
			start = r.s < start ? r.s : start;
			end = r.e > end ? r.e : end;
		}
		if (n > TCPFLOW_MAX_RUNS)
			return -ENOSPC;
	}
	if (!placed)
		nr[n++] = (struct tcpflow_run){start, end};
	if (n > TCPFLOW_MAX_RUNS)
		return -ENOSPC;

	/* Copy into the holes; count the bytes already there, and those that differ. */
	for (i = 0; i < s->n_runs && c < e0; i++) {
		struct tcpflow_run r = s->runs[i];
		uint32_t os, oe, k;

		if (r.e <= c)
			continue;
		if (r.s >= e0)
			break;
		if (r.s > c)
			memcpy(s->buf + c, d + (c - s0), r.s - c);
		os = r.s > c ? r.s : c;
		oe = r.e < e0 ? r.e : e0;
		t->stats.dup_bytes += oe - os;
		for (k = os; k < oe; k++)
			t->stats.conflict_bytes += s->buf[k] != d[k - s0];
		c = oe;
	}
	if (c < e0)
		memcpy(s->buf + c, d + (c - s0), e0 - c);
	memcpy(s->runs, nr, n * sizeof(nr[0]));
	s->n_runs = (uint8_t)n;
	return 0;
}

int tcpflow_add(struct tcpflow *t, const struct tcpflow_seg *seg, struct tcpflow_stream **out)
{
	struct tcpflow_stream *s;
	struct tcpflow_key k;
	uint32_t h, seq = seg->seq, len = seg->len, rel, skip = 0, old_have;
	uint64_t end;
	int syn = !!(seg->flags & TCPFLOW_SYN);

	*out = NULL;
	if (seg->key.ip_ver != 4 && seg->key.ip_ver != 6)
		return TCPFLOW_NONE;
	key_norm(&seg->key, &k);
	h = key_hash(&k);
	s = slot_find(t, &k, h);
	if (!s) {
		/* A pure ACK, FIN or RST tells nothing about where the stream starts. */
		if ((!syn && !len) || (seg->flags & TCPFLOW_RST))
			return TCPFLOW_NONE;
		s = slot_new(t, &k, h);
	} else if (t->lru_head != s - t->st) {
		lru_unlink(t, (int32_t)(s - t->st));
		lru_push(t, (int32_t)(s - t->st));
	}
	*out = s;
	if (syn) {
		/* A new initial sequence number is a new connection on the same ports. */
		if (!s->from_syn || s->isn != seq) {
			stream_reset(t, s);
			s->from_syn = 1;
			s->isn = seq;
			s->seq = seq + 1;
		}
		seq++; /* SYN data (TFO) follows the SYN's own sequence number */
	}
	if (s->state != TCPFLOW_OPEN)
		return TCPFLOW_NONE;
	if (seg->flags & TCPFLOW_RST) {
		tcpflow_finish(t, s);
		return TCPFLOW_NONE;
	}
	if (!len)
		return TCPFLOW_NONE;
	if (!s->from_syn && !s->buf && !s->off) {
		/* No SYN in the capture: the first segment with data sets the base. */
		s->seq = seq;
	}
	rel = seq - s->seq;
	if ((int32_t)rel < 0) {
		/* Starts before buf[0]: the part already consumed is a retransmission. */
		skip = 0u - rel; /* unsigned: INT32_MIN has no int32_t negation */
		if (skip >= len) {
			t->stats.dup_bytes += len;
			return TCPFLOW_NONE;
		}
		t->stats.dup_bytes += skip;
		rel = 0;
	}
	end = (uint64_t)rel + (len - skip);
	if (rel >= t->buf_size) {
		t->stats.beyond_bytes += len - skip;
		return TCPFLOW_NONE;
	}
	if (end > t->buf_size) {
		t->stats.beyond_bytes += end - t->buf_size;
		end = t->buf_size;
	}
	if (buf_get(t, s) < 0) {
		t->stats.buf_drops++;
		return TCPFLOW_NONE;
	}
	if (runs_put(t, s, rel, (uint32_t)end, seg->data + skip) < 0) {
		t->stats.run_drops++;
		return TCPFLOW_NONE;
	}
	old_have = s->have;
	s->have = s->n_runs && s->runs[0].s == 0 ? s->runs[0].e : 0;
	return s->have > old_have ? TCPFLOW_GREW : TCPFLOW_NONE;
}

void tcpflow_consume(struct tcpflow *t, struct tcpflow_stream *s, uint32_t n)
{
	uint32_t last, i, j = 0;

	(void)t;
	if (n > s->have)
		n = s->have;
	if (!s->buf || !n)
		return;
	last = s->runs[s->n_runs - 1].e;
	memmove(s->buf, s->buf + n, last - n);
	for (i = 0; i < s->n_runs; i++) {
		struct tcpflow_run r = s->runs[i];

		/* Only the first run starts at 0 and can shrink to nothing. */
		if (r.e <= n)
			continue;
		s->runs[j].s = r.s > n ? r.s - n : 0;
		s->runs[j].e = r.e - n;
		j++;
	}
	s->n_runs = (uint8_t)j;
	s->have -= n;
	s->seq += n;
	s->off += n;
}
