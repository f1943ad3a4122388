/*
 * xdp_syn.h - the one contract between the XDP program and user space.
 *
 * Map names, key/value layouts and the frame parser live here.  The parser is
 * a set of static inline functions over (data, data_end) that compile both for
 * the BPF target (bpf/xdp_syn.c) and for user space (pcap fingerprinting,
 * unit tests), so the code that reads a pcap is the code the kernel runs.
 *
 * The record holds raw header material, not a rendered signature: p0f's rules
 * are applied in user space (p0f/), keeping the kernel side small.
 *
 * Byte order: keys are in network order (as in a sockaddr); every multi-byte
 * number inside struct huginn_syn_rec is in host order.
 */
#ifndef HUGINN_XDP_SYN_H
#define HUGINN_XDP_SYN_H

#include <linux/types.h>

/* Not the UAPI __always_inline: linux/stddef.h defines that as plain inline. */
#define HUGINN_INLINE inline __attribute__((always_inline))

#define HUGINN_MAP_SYN_V4 "tcp_syn_map_v4"
#define HUGINN_MAP_SYN_V6 "tcp_syn_map_v6"
#define HUGINN_MAP_SYN_COUNTER "syn_counter"
#define HUGINN_MAP_INSERT_FAILURES "syn_insert_failures"
#define HUGINN_MAP_STATS "syn_stats"
#define HUGINN_MAP_CONFIG "huginn_config"

#define HUGINN_PROG_NAME "xdp_syn"
/* The same capture at tc ingress (tcx link), in section "tcx/ingress" of the same object. */
#define HUGINN_PROG_NAME_TC "tc_syn"
#define HUGINN_SYN_MAP_DEFAULT_ENTRIES 8192

/* TCP options are at most 40 bytes (data offset 15 * 4 - 20). */
#define HUGINN_TCP_OPT_MAX 40
/* Two stacked VLAN tags (802.1Q / 802.1ad) are walked; a third is not. */
#define HUGINN_VLAN_MAX 2
/* IPv6 extension headers walked before giving up on finding TCP. */
#define HUGINN_IPV6_EXT_MAX 6
/* Bound on the IPv6 extension header chain, so offsets stay verifiable. */
#define HUGINN_IPV6_EXT_BYTES_MAX 512

struct huginn_syn_key_v4 {
	__u32 addr; /* source address, network order */
	__u16 port; /* source port, network order */
	__u16 pad;  /* always 0 */
};

struct huginn_syn_key_v6 {
	__u8 addr[16]; /* source address */
	__u16 port;    /* source port, network order */
	__u16 pad;     /* always 0 */
};

/* ip_flags bits (derived, so readers need not re-decode the IP header). */
#define HUGINN_IP_DF 0x0001	 /* IPv4 don't-fragment */
#define HUGINN_IP_MBZ 0x0002	 /* IPv4 reserved ("evil") bit set */
#define HUGINN_IP_ID_NZ 0x0004	 /* IPv4 identification non-zero */
#define HUGINN_IP_FLOW_NZ 0x0008 /* IPv6 flow label non-zero */

struct huginn_syn_rec {
	/*
	 * CLOCK_MONOTONIC_COARSE at capture (bpf_ktime_get_coarse_ns): the time of
	 * the last timer tick, so the SYN arrived in [ts_ns, ts_ns + one tick]
	 * (clock_getres(CLOCK_MONOTONIC_COARSE): 1/CONFIG_HZ, 1-10 ms).  On Linux
	 * 5.9/5.10 the loader falls back to CLOCK_MONOTONIC, which lies inside.
	 */
	__u64 ts_ns;
	__u8 saddr[16]; /* IPv4 uses the first 4 bytes, the rest is zero */
	__u8 daddr[16];
	__u16 sport;
	__u16 dport;
	__u8 ip_ver;	  /* 4 or 6 */
	__u8 ttl;	  /* IPv4 TTL or IPv6 hop limit as observed */
	__u8 ip_opt_len;  /* IPv4 options bytes (IHL * 4 - 20); 0 for IPv6 */
	__u8 tos;	  /* IPv4 TOS byte / IPv6 traffic class; ECN in low 2 bits */
	__u16 ip_hdr_len; /* bytes from IP header start to TCP header (v6: incl. ext) */
	__u16 ip_flags;	  /* HUGINN_IP_* */
	__u16 ip_id;	  /* IPv4 identification; 0 for IPv6 */
	__u8 ip_ext_cnt;  /* IPv6 extension headers walked */
	__u8 pad0;
	__u32 flow_label; /* IPv6 flow label (20 bits); 0 for IPv4 */
	__u32 seq;
	__u32 ack;
	__u16 win;
	__u16 urg_ptr;
	__u8 tcp_doff;	   /* TCP header length in bytes (data offset * 4) */
	__u8 tcp_res;	   /* reserved bits of byte 12 incl. NS (byte 12 & 0x0f) */
	__u8 tcp_flags;	   /* byte 13: CWR ECE URG ACK PSH RST SYN FIN */
	__u8 opt_len;	   /* valid bytes in opts[] (tcp_doff - 20) */
	__u16 payload_len; /* TCP payload bytes per the IP length fields */
	__u16 pad1;
	__u8 opts[HUGINN_TCP_OPT_MAX];
};

/* Index into the syn_stats array. */
enum huginn_stat {
	HUGINN_STAT_V4_CAPTURED = 0,
	HUGINN_STAT_V6_CAPTURED,
	HUGINN_STAT_V4_MALFORMED,
	HUGINN_STAT_V6_MALFORMED,
	HUGINN_STAT_FILTERED, /* a SYN that did not match the address/port filter */
	HUGINN_STAT_MAX,
};

/* Single entry of huginn_config.  Zero fields mean "no filter". */
struct huginn_config {
	__u32 dst_v4;	 /* network order; 0 = any */
	__u8 dst_v6[16]; /* all zero = any */
	__u16 dst_port;	 /* host order; 0 = any */
	__u16 pad;
};

_Static_assert(sizeof(struct huginn_syn_key_v4) == 8, "key v4 layout");
_Static_assert(sizeof(struct huginn_syn_key_v6) == 20, "key v6 layout");
_Static_assert(sizeof(struct huginn_syn_rec) == 120, "record layout");
_Static_assert(__builtin_offsetof(struct huginn_syn_rec, sport) == 40, "record layout");
_Static_assert(__builtin_offsetof(struct huginn_syn_rec, flow_label) == 56, "record layout");
_Static_assert(__builtin_offsetof(struct huginn_syn_rec, opts) == 80, "record layout");
_Static_assert(sizeof(struct huginn_config) == 24, "config layout");

/* Parser result. */
enum huginn_parse_status {
	HUGINN_PARSE_SYN = 0,	    /* a SYN without ACK, record filled */
	HUGINN_PARSE_SKIP = 1,	    /* not IP/TCP, not a SYN, a fragment: not ours */
	HUGINN_PARSE_MALFORMED = 2, /* an IP/TCP header that lies about its size */
};

#define HUGINN_ETH_HLEN 14
#define HUGINN_ETH_P_IP 0x0800
#define HUGINN_ETH_P_IPV6 0x86DD
#define HUGINN_ETH_P_8021Q 0x8100
#define HUGINN_ETH_P_8021AD 0x88A8
#define HUGINN_IPPROTO_TCP 6

#define HUGINN_TCP_FIN 0x01
#define HUGINN_TCP_SYN 0x02
#define HUGINN_TCP_RST 0x04
#define HUGINN_TCP_PSH 0x08
#define HUGINN_TCP_ACK 0x10
#define HUGINN_TCP_URG 0x20
#define HUGINN_TCP_ECE 0x40
#define HUGINN_TCP_CWR 0x80

static HUGINN_INLINE __u16 huginn_rd16(const __u8 *p)
{
	return (__u16)((__u16)p[0] << 8 | p[1]);
}

static HUGINN_INLINE __u32 huginn_rd32(const __u8 *p)
{
	return (__u32)p[0] << 24 | (__u32)p[1] << 16 | (__u32)p[2] << 8 | p[3];
}

/* Store a host-order port as network-order bytes (a key's port field). */
static HUGINN_INLINE void huginn_put_port(__u16 *dst, __u16 port)
{
	__u8 *b = (__u8 *)dst;

	b[0] = (__u8)(port >> 8);
	b[1] = (__u8)port;
}

/*
 * Bounds checks the verifier can follow, whatever the compiler and -O level.
 *
 * The verifier accepts a packet read only after a comparison of that very
 * pointer (or a copy of it) with data_end.  An optimiser that can prove a check
 * redundant from earlier ones drops it: "tot_len >= ihl + 20" and
 * "ip + tot_len <= end" imply "ip + ihl + 20 <= end", so clang 19 at -O2 deletes
 * the last comparison, and the verifier, which does not reason about sums of
 * checked lengths, refuses the TCP header read ("invalid access to packet").
 * huginn_has() passes the pointer through an empty asm statement first: the
 * compiler no longer knows where it points, so the comparison written after it
 * stays in the object, on the register the reads then use.  In user space the
 * statement costs nothing.
 */
#define HUGINN_OPAQUE(p) __asm__ volatile("" : "+r"(p))

/* Do the n bytes at *p lie inside the packet?  *p becomes the opaque copy. */
static HUGINN_INLINE int huginn_has(const __u8 **p, __u32 n, const __u8 *end)
{
	const __u8 *q = *p;

	HUGINN_OPAQUE(q);
	*p = q;
	return q + n <= end;
}

/*
 * Copy 4 bytes from the packet.  For BPF one 32-bit load and store: clang
 * lowers a memcpy of unknown alignment to four byte loads on this target, and
 * the verifier allows unaligned packet reads where the CPU does (x86, arm64;
 * the 4-byte store into the record is aligned).  In user space a memcpy, which
 * has no alignment to assume.
 */
static HUGINN_INLINE void huginn_copy4(__u8 *dst, const __u8 *src)
{
#ifdef __bpf__
	*(__u32 *)dst = *(const __u32 *)src;
#else
	__builtin_memcpy(dst, src, 4);
#endif
}

/*
 * The SYN rule, the same as p0f 3.09b's: of SYN, ACK, FIN and RST exactly SYN
 * is set (URG, PSH, ECE, CWR and the reserved bits are the stack's quirks and
 * go into the signature).  SYN+FIN and SYN+RST are dropped by p0f and discarded
 * by Linux listeners; recording them would let a forged segment replace the
 * record of a real connection waiting in the accept queue.
 */
static HUGINN_INLINE int huginn_is_syn(__u8 tcp_flags)
{
	return (tcp_flags & (HUGINN_TCP_SYN | HUGINN_TCP_ACK | HUGINN_TCP_FIN | HUGINN_TCP_RST)) ==
	       HUGINN_TCP_SYN;
}

/*
 * Is the segment at tcp a SYN?  Only a SYN (huginn_is_syn) is recorded, and the
 * flags are read before any length is judged: a segment that is not a SYN is
 * SKIP whatever its lengths say (GSO / BIG TCP frames carry an IPv4 total length
 * or IPv6 payload length of 0), so it never counts as malformed.  A segment too
 * short to hold the flags is MALFORMED.  The families ask this before they
 * write the record: most frames are not SYNs, and they leave here having
 * stored nothing (bench/xdp_cost.c measures the difference).
 */
static HUGINN_INLINE int huginn_tcp_syn(const __u8 *tcp, const __u8 *end)
{
	if (!huginn_has(&tcp, 20, end))
		return HUGINN_PARSE_MALFORMED;
	if (!huginn_is_syn(tcp[13]))
		return HUGINN_PARSE_SKIP;
	return HUGINN_PARSE_SYN;
}

/* The record starts from zero once the frame is known to be a SYN. */
static HUGINN_INLINE void huginn_rec_zero(struct huginn_syn_rec *rec, __u8 ip_ver)
{
	__builtin_memset(rec, 0, sizeof(*rec));
	rec->ip_ver = ip_ver;
}

/*
 * TCP part of a SYN (huginn_tcp_syn said so), shared by both families.  tcp
 * points at the TCP header; l4_len is the TCP segment length claimed by the IP
 * header, l4_ok whether the IP header's own lengths were consistent.  A SYN
 * whose IP or TCP lengths lie is MALFORMED.
 */
static HUGINN_INLINE int huginn_parse_tcp(const __u8 *tcp, const __u8 *end, __u32 l4_len, int l4_ok,
					  struct huginn_syn_rec *rec)
{
	__u32 doff, i;

	/* Checked again where it is read: each function's reads are verifiable on their own. */
	if (!huginn_has(&tcp, 20, end))
		return HUGINN_PARSE_MALFORMED;
	if (!l4_ok)
		return HUGINN_PARSE_MALFORMED;
	doff = (__u32)(tcp[12] >> 4) * 4;
	if (doff < 20 || doff > l4_len)
		return HUGINN_PARSE_MALFORMED;

	rec->sport = huginn_rd16(tcp);
	rec->dport = huginn_rd16(tcp + 2);
	rec->seq = huginn_rd32(tcp + 4);
	rec->ack = huginn_rd32(tcp + 8);
	rec->tcp_doff = (__u8)doff;
	rec->tcp_res = tcp[12] & 0x0f;
	rec->tcp_flags = tcp[13];
	rec->win = huginn_rd16(tcp + 14);
	rec->urg_ptr = huginn_rd16(tcp + 18);
	rec->opt_len = (__u8)(doff - 20);
	rec->payload_len = (__u16)(l4_len - doff);

	/*
	 * The options are doff - 20 bytes, a multiple of 4 (doff counts 32-bit
	 * words): copied four bytes at a time, each read behind its own check, a
	 * bounded loop the verifier follows.  A Linux SYN's 20 option bytes take
	 * 5 copies instead of 20 byte by byte (bench/README.md).
	 */
	for (i = 0; i < HUGINN_TCP_OPT_MAX; i += 4) {
		const __u8 *o = tcp + 20 + i;

		if (i >= doff - 20)
			break;
		if (!huginn_has(&o, 4, end))
			return HUGINN_PARSE_MALFORMED;
		huginn_copy4(rec->opts + i, o);
	}
	return HUGINN_PARSE_SYN;
}

static HUGINN_INLINE int huginn_parse_ipv4(const __u8 *ip, const __u8 *end,
					   struct huginn_syn_rec *rec)
{
	__u32 ihl, tot_len, i;
	const __u8 *ip_end;
	__u16 frag;
	int l4_ok, st;

	if (!huginn_has(&ip, 20, end))
		return HUGINN_PARSE_SKIP;
	if (ip[9] != HUGINN_IPPROTO_TCP)
		return HUGINN_PARSE_SKIP;
	rec->ip_ver = 4;
	frag = huginn_rd16(ip + 6);
	/* MF or a non-zero offset: a fragment, whose TCP header can't be trusted. */
	if (frag & 0x3fff)
		return HUGINN_PARSE_SKIP;
	if ((ip[0] >> 4) != 4)
		return HUGINN_PARSE_MALFORMED;
	ihl = (__u32)(ip[0] & 0x0f) * 4;
	if (ihl < 20)
		return HUGINN_PARSE_MALFORMED;
	st = huginn_tcp_syn(ip + ihl, end);
	if (st != HUGINN_PARSE_SYN)
		return st;
	tot_len = huginn_rd16(ip + 2);
	ip_end = ip + tot_len;
	l4_ok = tot_len >= ihl + 20 && huginn_has(&ip_end, 0, end);

	huginn_rec_zero(rec, 4);
	for (i = 0; i < 4; i++) {
		rec->saddr[i] = ip[12 + i];
		rec->daddr[i] = ip[16 + i];
	}
	rec->ttl = ip[8];
	rec->tos = ip[1];
	rec->ip_opt_len = (__u8)(ihl - 20);
	rec->ip_hdr_len = (__u16)ihl;
	rec->ip_id = huginn_rd16(ip + 4);
	if (frag & 0x4000)
		rec->ip_flags |= HUGINN_IP_DF;
	if (frag & 0x8000)
		rec->ip_flags |= HUGINN_IP_MBZ;
	if (rec->ip_id)
		rec->ip_flags |= HUGINN_IP_ID_NZ;
	return huginn_parse_tcp(ip + ihl, end, l4_ok ? tot_len - ihl : 0, l4_ok, rec);
}

static HUGINN_INLINE int huginn_parse_ipv6(const __u8 *ip, const __u8 *end,
					   struct huginn_syn_rec *rec)
{
	__u32 off = 40, plen, i, len = 0;
	int l4_ok, st = HUGINN_PARSE_SYN; /* SYN here: "walk on" */
	const __u8 *ip_end;
	__u8 nh, ext_cnt = 0;

	if (!huginn_has(&ip, 40, end))
		return HUGINN_PARSE_SKIP;
	rec->ip_ver = 6;
	if ((ip[0] >> 4) != 6)
		return HUGINN_PARSE_MALFORMED;
	plen = huginn_rd16(ip + 4);
	nh = ip[6];

	/*
	 * The walk leaves through one exit with an explicit status (st): an early
	 * return from inside the loop lets the compiler carry an undefined return
	 * value through the loop's registers at -O1, which the verifier refuses
	 * ("R8 !read_ok") even though that value is never used.
	 */
	for (i = 0; i < HUGINN_IPV6_EXT_MAX && nh != HUGINN_IPPROTO_TCP; i++) {
		const __u8 *h = ip + off;

		/* Hop-by-hop (0), routing (43), destination options (60): 8-byte units;
		 * AH (51) counts 4-byte units, minus 2 (RFC 4302).  Anything else
		 * (fragment 44, ESP, no-next-header, another transport) is not ours. */
		if (nh != 0 && nh != 43 && nh != 60 && nh != 51) {
			st = HUGINN_PARSE_SKIP;
			break;
		}
		if (!huginn_has(&h, 2, end)) {
			st = HUGINN_PARSE_MALFORMED;
			break;
		}
		len = nh == 51 ? ((__u32)h[1] + 2) * 4 : ((__u32)h[1] + 1) * 8;
		nh = h[0];
		off += len;
		if (off > 40 + HUGINN_IPV6_EXT_BYTES_MAX) {
			st = HUGINN_PARSE_SKIP;
			break;
		}
		ext_cnt++;
	}
	if (st != HUGINN_PARSE_SYN)
		return st;
	if (nh != HUGINN_IPPROTO_TCP)
		return HUGINN_PARSE_SKIP;
	/* Re-bound off where the verifier can see it, whatever path led here. */
	if (off > 40 + HUGINN_IPV6_EXT_BYTES_MAX)
		return HUGINN_PARSE_SKIP;
	st = huginn_tcp_syn(ip + off, end);
	if (st != HUGINN_PARSE_SYN)
		return st;
	ip_end = ip + 40 + plen;
	l4_ok = off - 40 + 20 <= plen && huginn_has(&ip_end, 0, end);

	huginn_rec_zero(rec, 6);
	rec->ip_ext_cnt = ext_cnt;
	for (i = 0; i < 16; i++) {
		rec->saddr[i] = ip[8 + i];
		rec->daddr[i] = ip[24 + i];
	}
	rec->ttl = ip[7];
	rec->tos = (__u8)((ip[0] << 4) | (ip[1] >> 4));
	rec->flow_label = ((__u32)(ip[1] & 0x0f) << 16) | ((__u32)ip[2] << 8) | ip[3];
	rec->ip_hdr_len = (__u16)off;
	rec->ip_flags = rec->flow_label ? HUGINN_IP_FLOW_NZ : 0;
	return huginn_parse_tcp(ip + off, end, l4_ok ? plen - (off - 40) : 0, l4_ok, rec);
}

/*
 * Parse an Ethernet frame.  rec need not be initialised: on HUGINN_PARSE_SYN
 * the whole record is written (zeroed, then every field but ts_ns set); on
 * MALFORMED only rec->ip_ver is, and says which family's counter to bump; on
 * SKIP nothing in rec is meaningful.  Nothing is written to rec before the
 * TCP flags show a SYN, but ip_ver: the common frame costs no stores.
 */
static HUGINN_INLINE int huginn_parse_frame(const void *data, const void *data_end,
					    struct huginn_syn_rec *rec)
{
	const __u8 *p = (const __u8 *)data, *end = (const __u8 *)data_end;
	__u16 proto;
	__u32 i;

	if (!huginn_has(&p, HUGINN_ETH_HLEN, end))
		return HUGINN_PARSE_SKIP;
	proto = huginn_rd16(p + 12);
	p += HUGINN_ETH_HLEN;
	for (i = 0; i < HUGINN_VLAN_MAX; i++) {
		if (proto != HUGINN_ETH_P_8021Q && proto != HUGINN_ETH_P_8021AD)
			break;
		if (!huginn_has(&p, 4, end))
			return HUGINN_PARSE_SKIP;
		proto = huginn_rd16(p + 2);
		p += 4;
	}
	if (proto == HUGINN_ETH_P_IP)
		return huginn_parse_ipv4(p, end, rec);
	if (proto == HUGINN_ETH_P_IPV6)
		return huginn_parse_ipv6(p, end, rec);
	return HUGINN_PARSE_SKIP;
}

/* Parse a frame that starts at the IP header (Linux cooked captures, raw IP). */
static HUGINN_INLINE int huginn_parse_ip(const void *data, const void *data_end,
					 struct huginn_syn_rec *rec)
{
	const __u8 *p = (const __u8 *)data, *end = (const __u8 *)data_end;

	if (!huginn_has(&p, 1, end))
		return HUGINN_PARSE_SKIP;
	if ((p[0] >> 4) == 4)
		return huginn_parse_ipv4(p, end, rec);
	if ((p[0] >> 4) == 6)
		return huginn_parse_ipv6(p, end, rec);
	return HUGINN_PARSE_SKIP;
}

/* Does a parsed SYN match the destination filter?  Zero fields match all. */
static HUGINN_INLINE int huginn_filter_match(const struct huginn_config *cfg,
					     const struct huginn_syn_rec *rec)
{
	__u32 i, any = 1;

	if (cfg->dst_port && cfg->dst_port != rec->dport)
		return 0;
	if (rec->ip_ver == 4) {
		/* dst_v4 holds network-order bytes in memory: compare them as bytes. */
		const __u8 *w = (const __u8 *)&cfg->dst_v4;

		if (!cfg->dst_v4)
			return 1;
		for (i = 0; i < 4; i++)
			if (w[i] != rec->daddr[i])
				return 0;
		return 1;
	}
	for (i = 0; i < 16; i++)
		if (cfg->dst_v6[i])
			any = 0;
	if (any)
		return 1;
	for (i = 0; i < 16; i++)
		if (cfg->dst_v6[i] != rec->daddr[i])
			return 0;
	return 1;
}

#endif /* HUGINN_XDP_SYN_H */
