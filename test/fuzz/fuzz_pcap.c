/*
 * fuzz_pcap.c - pcap/pcapng reader on arbitrary bytes; every packet goes
 * through the link-type split, the XDP parser and the signature renderer,
 * as `huginn-proxy fingerprint` does, and through the ClientHello reader
 * (proxy/tlscap.c: TCP reassembly, preamble, hello, JA4 input).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/pcap.h"
#include "p0f/sig.h"
#include "proxy/tlscap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void on_hello(void *arg, const struct tcpflow_key *k, const struct tls_hello *h)
{
	(void)arg;
	if (!k || !h)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pcap pc;
	struct pcap_pkt pkt;
	static uint64_t mem[(4 << 20) / 8];
	static struct tlscap cap;
	uint8_t *copy = malloc(size ? size : 1);
	size_t msize = tlscap_mem_size(16, 4);
	int rc, n = 0;

	if (!copy)
		return 0;
	if (msize > sizeof(mem) || tlscap_init(&cap, mem, msize, 16, 4, on_hello, NULL) < 0)
		abort();
	memcpy(copy, data, size);
	rc = pcap_open(&pc, copy, size);
	while (rc == 0 && (rc = pcap_next(&pc, &pkt)) == 1 && n++ < 10000) {
		struct huginn_syn_rec rec;
		struct p0f_sig s;
		char buf[P0F_SIG_STR_MAX];
		uint32_t off;
		int k = pcap_frame(pkt.linktype, pkt.data, pkt.caplen, &off), st;

		rc = 0;
		if (pkt.data < copy || pkt.data + pkt.caplen > copy + size)
			abort();
		if (tlscap_packet(&cap, pkt.linktype, pkt.data, pkt.caplen) < 0 && k >= 0)
			abort();
		if (k <= 0)
			continue;
		if (off > pkt.caplen)
			abort();
		memset(&rec, 0, sizeof(rec));
		st = k == PCAP_FRAME_ETH
			 ? huginn_parse_frame(pkt.data, pkt.data + pkt.caplen, &rec)
			 : huginn_parse_ip(pkt.data + off, pkt.data + pkt.caplen, &rec);
		if (st == HUGINN_PARSE_SYN && p0f_sig_from_rec(&rec, 0, &s) == 0 &&
		    p0f_sig_render(&s, buf, sizeof(buf)) < 0)
			abort();
	}
	if (rc < 0 && (!pc.err || pc.err_off > size))
		abort();
	free(copy);
	return 0;
}
