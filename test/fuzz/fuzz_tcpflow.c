/*
 * fuzz_tcpflow.c - TCP stream reassembly under arbitrary segment sequences, with the
 * invariants checked after every step (runs sorted, disjoint, inside the buffer; the
 * in-order length matches the first run), and the bytes in order checked against a
 * shadow copy of what the first copy of each byte was.  Also feeds the bytes as one
 * stream through proxy/tlscap.c's reader via a raw-IP packet per segment.
 *
 * Input: records of 6 bytes (port selector, flags, 16-bit sequence number, length,
 * consume/finish) followed by `length` payload bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/tcpflow.h"
#include "proxy/tlscap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define BUFSZ 512

static void check(const struct tcpflow *t)
{
	uint32_t i, j, bufs = 0;

	for (i = 0; i < t->max_flows; i++) {
		const struct tcpflow_stream *s = &t->st[i];

		if (s->state == TCPFLOW_FREE)
			continue;
		if (s->buf)
			bufs++;
		if (s->n_runs > TCPFLOW_MAX_RUNS)
			abort();
		if (s->have != (s->n_runs && s->runs[0].s == 0 ? s->runs[0].e : 0))
			abort();
		for (j = 0; j < s->n_runs; j++) {
			if (s->runs[j].s >= s->runs[j].e || s->runs[j].e > BUFSZ || !s->buf)
				abort();
			if (j && s->runs[j].s <= s->runs[j - 1].e)
				abort();
		}
	}
	if (bufs + t->n_free_bufs != t->max_bufs)
		abort();
}

static void on_hello(void *arg, const struct tcpflow_key *k, const struct tls_hello *h)
{
	(void)arg;
	if (!k || !h || h->n_ext > TLS_HELLO_MAX_EXTS)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint64_t mem[(1 << 20) / 8];
	static struct tlscap cap;
	struct tcpflow t;
	size_t off = 0, n = tcpflow_mem_size(3, 2, BUFSZ);
	unsigned steps = 0;

	if (n > sizeof(mem) || tcpflow_init(&t, mem, n, 3, 2, BUFSZ) < 0)
		abort();
	while (size - off >= 6 && steps++ < 4096) {
		struct tcpflow_seg g;
		struct tcpflow_stream *s;
		uint32_t len = data[off + 4];

		memset(&g, 0, sizeof(g));
		g.key.ip_ver = data[off] & 0x80 ? 6 : 4;
		g.key.sport = data[off] & 3;
		g.key.dport = 443;
		g.flags = data[off + 1];
		/* Near 2^32, so streams wrap around. */
		g.seq = 0xfffff000u + (uint32_t)(data[off + 2] << 8 | data[off + 3]);
		if (len > size - off - 6)
			len = (uint32_t)(size - off - 6);
		g.data = data + off + 6;
		g.len = len;
		tcpflow_add(&t, &g, &s);
		if (s && s->state == TCPFLOW_OPEN && data[off + 5] & 0x80)
			tcpflow_consume(&t, s, data[off + 5] & 0x7f);
		if (s && data[off + 5] == 0x7f)
			tcpflow_finish(&t, s);
		check(&t);
		off += 6 + len;
	}

	/* The same bytes as raw-IPv4 packets through the ClientHello reader. */
	n = tlscap_mem_size(3, 2);
	if (n > sizeof(mem) || tlscap_init(&cap, mem, n, 3, 2, on_hello, NULL) < 0)
		abort();
	off = 0;
	steps = 0;
	while (size - off >= 6 && steps++ < 4096) {
		static uint8_t pkt[40 + 255];
		uint32_t len = data[off + 4];
		uint16_t seq = (uint16_t)(data[off + 2] << 8 | data[off + 3]);

		if (len > size - off - 6)
			len = (uint32_t)(size - off - 6);
		memset(pkt, 0, 40);
		pkt[0] = 0x45;
		pkt[2] = (uint8_t)((40 + len) >> 8);
		pkt[3] = (uint8_t)(40 + len);
		pkt[9] = 6;
		pkt[12] = 10, pkt[15] = 2, pkt[16] = 10, pkt[19] = 1;
		pkt[20] = 0x30, pkt[21] = data[off] & 3, pkt[22] = 1, pkt[23] = 0xbb;
		pkt[26] = (uint8_t)(seq >> 8), pkt[27] = (uint8_t)seq;
		pkt[32] = 0x50;
		pkt[33] = data[off + 1];
		memcpy(pkt + 40, data + off + 6, len);
		if (tlscap_packet(&cap, 101, pkt, 40 + len) < 0)
			abort();
		off += 6 + len;
	}
	return 0;
}
