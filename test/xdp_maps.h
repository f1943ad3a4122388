/*
 * xdp_maps.h - reading the XDP program's counter maps, shared by the two tests that
 * run the program in the kernel (test/unit/test_xdp_run.c, test/e2e/xdp_pcap_cmp.c).
 * Header-only: each test binary is its own main.
 */
#ifndef HUGINN_TEST_XDP_MAPS_H
#define HUGINN_TEST_XDP_MAPS_H

#include <stdint.h>

#include "bpf/xdp_syn.h"
#include "sys/bpf.h"

/* The syn_stats slots, in enum order (bpf/xdp_syn.h), for messages. */
static const char *const stat_name[HUGINN_STAT_MAX] = {
    "v4_captured", "v6_captured", "v4_malformed", "v6_malformed", "filtered",
};

/* One u64 of an array map; UINT64_MAX when the lookup fails. */
static inline uint64_t read_u64(int fd, uint32_t idx)
{
	uint64_t v = UINT64_MAX;

	if (bpf_map_lookup(fd, &idx, &v))
		return UINT64_MAX;
	return v;
}

#endif
