/*
 * fuzz_frame.c - the shared frame parser (bpf/xdp_syn.h) on arbitrary bytes,
 * as user space runs it.  Checks the record's invariants on every SYN: sizes
 * inside the frame, option bytes bounded and zero past opt_len, lengths that
 * add up, family-specific fields consistent; and that huginn_parse_ip() on
 * the IP part of an untagged frame agrees with huginn_parse_frame().
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/xdp_syn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_syn(const struct huginn_syn_rec *r, size_t ip_room)
{
	unsigned i;

	if (r->ts_ns || r->pad0 || r->pad1)
		abort();
	if ((r->tcp_flags & (HUGINN_TCP_SYN | HUGINN_TCP_ACK)) != HUGINN_TCP_SYN)
		abort();
	if (r->tcp_doff < 20 || r->tcp_doff > 60 || r->tcp_doff % 4)
		abort();
	if (r->opt_len > HUGINN_TCP_OPT_MAX || r->opt_len != r->tcp_doff - 20)
		abort();
	for (i = r->opt_len; i < HUGINN_TCP_OPT_MAX; i++)
		if (r->opts[i])
			abort();
	if (r->tcp_res > 0x0f)
		abort();
	/* IP header, TCP header and payload as the IP header states them fit in the frame. */
	if ((size_t)r->ip_hdr_len + r->tcp_doff + r->payload_len > ip_room)
		abort();
	if (r->ip_ver == 4) {
		if (r->ip_hdr_len < 20 || r->ip_hdr_len > 60 || r->ip_opt_len != r->ip_hdr_len - 20)
			abort();
		if (r->ip_ext_cnt || r->flow_label || (r->ip_flags & HUGINN_IP_FLOW_NZ))
			abort();
		if (!!(r->ip_flags & HUGINN_IP_ID_NZ) != !!r->ip_id)
			abort();
		for (i = 4; i < 16; i++)
			if (r->saddr[i] || r->daddr[i])
				abort();
	} else if (r->ip_ver == 6) {
		if (r->ip_hdr_len < 40 || r->ip_hdr_len > 40 + HUGINN_IPV6_EXT_BYTES_MAX)
			abort();
		if (r->ip_opt_len || r->ip_id || r->ip_ext_cnt > HUGINN_IPV6_EXT_MAX)
			abort();
		if ((r->ip_ext_cnt == 0) != (r->ip_hdr_len == 40))
			abort();
		if (r->flow_label >> 20 || !!(r->ip_flags & HUGINN_IP_FLOW_NZ) != !!r->flow_label)
			abort();
		if (r->ip_flags & ~HUGINN_IP_FLOW_NZ)
			abort();
	} else {
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size copy: one byte read past the end is an ASan report. */
	uint8_t *f = malloc(size ? size : 1);
	struct huginn_syn_rec a, b;
	struct huginn_config cfg;
	int st, st2;

	if (!f)
		return 0;
	memcpy(f, data, size);
	memset(&a, 0, sizeof(a));
	st = huginn_parse_frame(f, f + size, &a);
	if (st != HUGINN_PARSE_SYN && st != HUGINN_PARSE_SKIP && st != HUGINN_PARSE_MALFORMED)
		abort();
	if (st == HUGINN_PARSE_MALFORMED && a.ip_ver != 4 && a.ip_ver != 6)
		abort();
	if (st == HUGINN_PARSE_SYN) {
		check_syn(&a, size - HUGINN_ETH_HLEN);
		/* The filter on a config taken from the input itself: must not crash. */
		memset(&cfg, 0, sizeof(cfg));
		memcpy(&cfg, f, size < sizeof(cfg) ? size : sizeof(cfg));
		(void)huginn_filter_match(&cfg, &a);
	}

	/* Untagged frame whose version nibble matches its EtherType: both entries agree. */
	if (size > HUGINN_ETH_HLEN) {
		uint16_t et = (uint16_t)(f[12] << 8 | f[13]);
		int v = f[HUGINN_ETH_HLEN] >> 4;

		if ((et == HUGINN_ETH_P_IP && v == 4) || (et == HUGINN_ETH_P_IPV6 && v == 6)) {
			memset(&b, 0, sizeof(b));
			st2 = huginn_parse_ip(f + HUGINN_ETH_HLEN, f + size, &b);
			if (st2 != st || (st == HUGINN_PARSE_SYN && memcmp(&a, &b, sizeof(a))))
				abort();
		}
	}
	memset(&b, 0, sizeof(b));
	if (huginn_parse_ip(f, f + size, &b) == HUGINN_PARSE_SYN)
		check_syn(&b, size);
	if (st == HUGINN_PARSE_SYN) {
		/* Deterministic: the same bytes give the same record. */
		memset(&b, 0, sizeof(b));
		if (huginn_parse_frame(f, f + size, &b) != st || memcmp(&a, &b, sizeof(a)))
			abort();
	}
	free(f);
	return 0;
}
