/*
 * xdp_syn.c - record inbound TCP SYNs for p0f fingerprinting.
 *
 * Every frame is passed on untouched (XDP_PASS); a SYN without ACK that
 * matches the destination filter is stored, keyed by the client's address and
 * port, in an LRU hash map the proxy reads at accept().
 *
 * Maps are BTF-defined (section ".maps"), as modern BPF objects declare them:
 * the key and value are named by their C types, so clang -g puts those types
 * in .BTF, our loader (sys/obj.c) reads each map's definition from there and
 * creates the map with its key and value type ids, and bpftool prints records
 * with named fields.  The legacy "maps" section would have needed the types
 * found by name in .BTF, and clang emits a type only when a global or a
 * function's parameters use it: the struct members below are that use.
 */
#include <linux/bpf.h>
#include "xdp_syn.h"

#define SEC(name) __attribute__((section(name), used))

/* Helper calls by number: we carry no helper header of another project. */
static void *(*bpf_map_lookup_elem)(void *map, const void *key) = (void *)BPF_FUNC_map_lookup_elem;
static long (*bpf_map_update_elem)(void *map, const void *key, const void *value,
				   __u64 flags) = (void *)BPF_FUNC_map_update_elem;
/*
 * The coarse clock (CLOCK_MONOTONIC_COARSE, Linux 5.11): ~30 ns cheaper per SYN
 * than bpf_ktime_get_ns here, and the record's consumers only ask "how long
 * ago, to the millisecond or so" (see ts_ns in xdp_syn.h).  On 5.9/5.10 the
 * loader rewrites the call to bpf_ktime_get_ns (obj_use_precise_clock()).
 */
static __u64 (*bpf_ktime_get_coarse_ns)(void) = (void *)BPF_FUNC_ktime_get_coarse_ns;
static long (*bpf_skb_pull_data)(struct __sk_buff *skb, __u32 len) = (void *)BPF_FUNC_skb_pull_data;

/*
 * A map definition is a struct of pointers, never dereferenced: the numbers are
 * array sizes (int (*type)[BPF_MAP_TYPE_LRU_HASH]) and the types are pointee
 * types, both visible in BTF only (the section itself holds zeros).  The loader
 * knows the member names type, key, value, max_entries and map_flags.
 */
#define HUGINN_UINT(name, val) int(*name)[val]
#define HUGINN_TYPE(name, type) type *name

struct {
	HUGINN_UINT(type, BPF_MAP_TYPE_LRU_HASH);
	HUGINN_TYPE(key, struct huginn_syn_key_v4);
	HUGINN_TYPE(value, struct huginn_syn_rec);
	HUGINN_UINT(max_entries, HUGINN_SYN_MAP_DEFAULT_ENTRIES);
} tcp_syn_map_v4 SEC(".maps");

struct {
	HUGINN_UINT(type, BPF_MAP_TYPE_LRU_HASH);
	HUGINN_TYPE(key, struct huginn_syn_key_v6);
	HUGINN_TYPE(value, struct huginn_syn_rec);
	HUGINN_UINT(max_entries, HUGINN_SYN_MAP_DEFAULT_ENTRIES);
} tcp_syn_map_v6 SEC(".maps");

struct {
	HUGINN_UINT(type, BPF_MAP_TYPE_ARRAY);
	HUGINN_TYPE(key, __u32);
	HUGINN_TYPE(value, __u64);
	HUGINN_UINT(max_entries, 1);
} syn_counter SEC(".maps");

struct {
	HUGINN_UINT(type, BPF_MAP_TYPE_ARRAY);
	HUGINN_TYPE(key, __u32);
	HUGINN_TYPE(value, __u64);
	HUGINN_UINT(max_entries, 1);
} syn_insert_failures SEC(".maps");

struct {
	HUGINN_UINT(type, BPF_MAP_TYPE_ARRAY);
	HUGINN_TYPE(key, __u32);
	HUGINN_TYPE(value, __u64);
	HUGINN_UINT(max_entries, HUGINN_STAT_MAX);
} syn_stats SEC(".maps");

struct {
	HUGINN_UINT(type, BPF_MAP_TYPE_ARRAY);
	HUGINN_TYPE(key, __u32);
	HUGINN_TYPE(value, struct huginn_config);
	HUGINN_UINT(max_entries, 1);
} huginn_config SEC(".maps");

static HUGINN_INLINE void count(void *map, __u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(map, &idx);

	if (v)
		__sync_fetch_and_add(v, 1);
}

/*
 * The capture shared by both programs: parse the frame in [data, data_end) and
 * record a SYN.  Returns the parse status.  partial: the frame goes on past
 * data_end (a tc skb whose linear area ends early), so a MALFORMED verdict may
 * be the linear area's end talking: it is returned uncounted, for the caller
 * to make more bytes readable and call again.
 */
static HUGINN_INLINE int huginn_capture(const void *data, const void *data_end, int partial)
{
	struct huginn_syn_rec rec; /* written by the parser only for a SYN (see xdp_syn.h) */
	struct huginn_config *cfg;
	__u32 zero = 0;
	long err;
	int st;

	st = huginn_parse_frame(data, data_end, &rec);
	if (st == HUGINN_PARSE_SKIP || (st == HUGINN_PARSE_MALFORMED && partial))
		return st;
	if (st == HUGINN_PARSE_MALFORMED) {
		if (rec.ip_ver == 4)
			count(&syn_stats, HUGINN_STAT_V4_MALFORMED);
		else if (rec.ip_ver == 6)
			count(&syn_stats, HUGINN_STAT_V6_MALFORMED);
		return st;
	}

	cfg = bpf_map_lookup_elem(&huginn_config, &zero);
	if (cfg && !huginn_filter_match(cfg, &rec)) {
		count(&syn_stats, HUGINN_STAT_FILTERED);
		return st;
	}

	rec.ts_ns = bpf_ktime_get_coarse_ns();
	if (rec.ip_ver == 4) {
		struct huginn_syn_key_v4 k4 = {};

		__builtin_memcpy(&k4.addr, rec.saddr, 4);
		huginn_put_port(&k4.port, rec.sport);
		err = bpf_map_update_elem(&tcp_syn_map_v4, &k4, &rec, BPF_ANY);
	} else {
		struct huginn_syn_key_v6 k6 = {};

		__builtin_memcpy(k6.addr, rec.saddr, 16);
		huginn_put_port(&k6.port, rec.sport);
		err = bpf_map_update_elem(&tcp_syn_map_v6, &k6, &rec, BPF_ANY);
	}
	if (err) {
		count(&syn_insert_failures, 0);
		return st;
	}
	count(&syn_counter, 0);
	count(&syn_stats, rec.ip_ver == 4 ? HUGINN_STAT_V4_CAPTURED : HUGINN_STAT_V6_CAPTURED);
	return st;
}

SEC("xdp")
int xdp_syn(struct xdp_md *ctx)
{
	huginn_capture((const void *)(long)ctx->data, (const void *)(long)ctx->data_end, 0);
	return XDP_PASS;
}

/*
 * The same capture at tc ingress, attached through a tcx link (kernel >= 6.6),
 * where XDP is costly (veth: native XDP gives up GRO) or unavailable.  It never
 * changes traffic: always TCX_NEXT (TC_ACT_UNSPEC, -1): the next program, or
 * the kernel's default path when it is the last.  At tcx ingress the skb's data
 * starts at the MAC header, as an XDP frame does.
 *
 * An skb's linear area may end before the headers do (drivers that leave
 * headers in page fragments, some tunnels): direct reads stop at data_end.  A
 * verdict that the linear end may have caused (MALFORMED, or SKIP with less
 * linear data than Ethernet, two VLAN tags and an IPv6 header) is retried
 * after bpf_skb_pull_data() made the first HUGINN_TC_PULL_MAX bytes linear.
 * Not bpf_skb_load_bytes(): it copies into a stack buffer, where the parser's
 * pointer comparisons against an end prove nothing to the verifier, and the
 * stack (512 bytes) cannot hold the longest header chain; after a pull the
 * same parser runs on packet pointers.  The pull only changes the skb's layout,
 * never its bytes, and the common frame (headers linear) never pays it.
 */
#define HUGINN_TCX_NEXT (-1)
#define HUGINN_TC_LINEAR_MIN (HUGINN_ETH_HLEN + 4 * HUGINN_VLAN_MAX + 40)
/* Headers at their longest plus room for a SYN's payload (TFO) on a 1500-byte MTU. */
#define HUGINN_TC_PULL_MAX 2048

SEC("tcx/ingress")
int tc_syn(struct __sk_buff *skb)
{
	const void *data = (const void *)(long)skb->data;
	const void *data_end = (const void *)(long)skb->data_end;
	__u32 linear = (__u32)(data_end - data), len = skb->len;
	int partial = len > linear, st;

	st = huginn_capture(data, data_end, partial);
	if (!partial || st == HUGINN_PARSE_SYN ||
	    (st == HUGINN_PARSE_SKIP && linear >= HUGINN_TC_LINEAR_MIN))
		return HUGINN_TCX_NEXT;
	if (bpf_skb_pull_data(skb, len < HUGINN_TC_PULL_MAX ? len : HUGINN_TC_PULL_MAX))
		return HUGINN_TCX_NEXT;
	huginn_capture((const void *)(long)skb->data, (const void *)(long)skb->data_end, 0);
	return HUGINN_TCX_NEXT;
}

char _license[] SEC("license") = "GPL";
