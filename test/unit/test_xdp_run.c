/*
 * test_xdp_run.c - the XDP program in the real kernel, through our loader.
 *
 * Loads the embedded object with sys/obj.c, then feeds hand-built frames to
 * BPF_PROG_TEST_RUN: SYNs of both families, with VLAN tags, IPv4 options and
 * IPv6 extension headers must be stored with every record field right;
 * everything else (SYN-ACK, ACK, RST, fragments, UDP, ARP, filtered
 * destinations) must not be; lying headers must be counted as malformed.
 * Every counter is checked to move by exactly the expected amount, every
 * frame must come back unchanged with XDP_PASS, and the same frame parsed in
 * user space by huginn_parse_frame() must give the byte-identical record.
 * That last comparison runs the same source on both sides (bpf/xdp_syn.h,
 * built for BPF and for user space): it shows the kernel and user-space
 * builds agree, not that the parser is right.  The record fields are checked
 * against values written by hand here, and against p0f in t_p0f_oracle.sh.
 * Also exercises the remaining bpf() wrappers (pin/get on a private bpffs,
 * links on the loopback of a private network namespace).  Needs root.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <linux/if_link.h>

#include "bpf/xdp_syn.h"
#include "sys/bpf.h"
#include "sys/file.h"
#include "sys/obj.h"
#include "test/harness.h"
#include "test/xdp_maps.h"

extern const unsigned char huginn_bpf_obj[], huginn_bpf_obj_end[];

#define FRAME_MAX 1024
#define PORT_BASE 21000 /* this test's port range: 21000-21999 */

static struct obj g_obj;
static int g_prog = -1;
/*
 * The program the cases run: xdp_syn first, then tc_syn (loaded from the same
 * object over the same maps); g_tag prefixes every case name of the second pass.
 */
static enum obj_prog g_kind = OBJ_PROG_XDP;
static const char *g_tag = "";
/* What each program returns for every frame: XDP_PASS, or TCX_NEXT (-1) at tc. */
#define TCX_NEXT_RET 0xffffffffu

static uint32_t want_ret(void)
{
	return g_kind == OBJ_PROG_TC ? TCX_NEXT_RET : XDP_PASS;
}
static int g_v4 = -1, g_v6 = -1, g_counter = -1, g_failures = -1, g_stats = -1, g_config = -1;
static uint16_t g_next_port = PORT_BASE;

/* ---- frame building ---------------------------------------------------- */

struct spec {
	int ver;	    /* 4 or 6 */
	uint16_t ethertype; /* 0: from ver */
	int vlans;	    /* tags before the EtherType (0..3) */
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
	uint8_t ttl, tos;
	uint16_t ip_id, frag; /* IPv4 identification, flags + fragment offset word */
	uint32_t flow;	      /* IPv6 flow label */
	int ihl_words;	      /* 0: from ipopt_len */
	uint8_t ver_nibble;   /* 0: from ver */
	const uint8_t *ipopt;
	size_t ipopt_len;
	const uint8_t *ext; /* IPv6 extension headers, raw */
	size_t ext_len;
	uint8_t ext_nh; /* next header of the fixed IPv6 header when ext is set */
	int ext_cnt;	/* how many headers ext holds (for the expected record) */
	uint8_t proto;	/* 0: TCP */
	uint32_t seq, ack;
	uint16_t win, urg;
	uint8_t flags, res;
	const uint8_t *topt;
	size_t topt_len;
	int doff_words; /* 0: from topt_len */
	size_t payload;
	int len_lie; /* added to IPv4 total length / IPv6 payload length */
	size_t cut;  /* bytes dropped from the end of the frame */
};

static void be16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void be32(uint8_t *p, uint32_t v)
{
	be16(p, v >> 16);
	be16(p + 2, v);
}

/* memcpy that accepts (NULL, 0), as specs without options have. */
static void put(uint8_t *dst, const uint8_t *src, size_t n)
{
	if (n)
		memcpy(dst, src, n);
}

static uint16_t ip_csum(const uint8_t *p, size_t n)
{
	uint32_t s = 0;
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static size_t build(const struct spec *s, uint8_t *f)
{
	static const uint8_t mac_dst[6] = {0x02, 0, 0, 0, 0, 1}, mac_src[6] = {0x02, 0, 0, 0, 0, 2};
	uint8_t *p = f, *ip;
	size_t tcp_len =
	    s->payload + (s->doff_words ? (size_t)s->doff_words * 4 : 20 + s->topt_len);
	size_t i, len;
	int v;

	memset(f, 0, FRAME_MAX);
	memcpy(p, mac_dst, 6);
	memcpy(p + 6, mac_src, 6);
	p += 12;
	for (v = 0; v < s->vlans; v++) {
		/* Outer tag 802.1ad when stacked, as a provider bridge would send. */
		be16(p, v == 0 && s->vlans > 1 ? HUGINN_ETH_P_8021AD : HUGINN_ETH_P_8021Q);
		be16(p + 2, (uint32_t)(100 + v));
		p += 4;
	}
	be16(p, s->ethertype ? s->ethertype : s->ver == 6 ? HUGINN_ETH_P_IPV6 : HUGINN_ETH_P_IP);
	p += 2;
	ip = p;
	if (s->ethertype == 0x0806) { /* ARP request, who-has */
		static const uint8_t arp[8] = {0, 1, 8, 0, 6, 4, 0, 1};

		memcpy(p, arp, sizeof(arp));
		p += 28;
		return (size_t)(p - f);
	}
	if (s->ver == 4) {
		size_t hl = s->ihl_words ? (size_t)s->ihl_words * 4 : 20 + s->ipopt_len;

		p[0] = (uint8_t)((s->ver_nibble ? s->ver_nibble : 4) << 4 | (hl / 4 & 0x0f));
		p[1] = s->tos;
		be16(p + 2, (uint32_t)((int)(20 + s->ipopt_len + tcp_len) + s->len_lie));
		be16(p + 4, s->ip_id);
		be16(p + 6, s->frag);
		p[8] = s->ttl;
		p[9] = s->proto ? s->proto : HUGINN_IPPROTO_TCP;
		memcpy(p + 12, s->src, 4);
		memcpy(p + 16, s->dst, 4);
		put(p + 20, s->ipopt, s->ipopt_len);
		be16(p + 10, ip_csum(p, 20 + s->ipopt_len));
		p += 20 + s->ipopt_len;
	} else {
		be32(p, (uint32_t)(s->ver_nibble ? s->ver_nibble : 6) << 28 |
			    (uint32_t)s->tos << 20 | (s->flow & 0xfffff));
		be16(p + 4, (uint32_t)((int)(s->ext_len + tcp_len) + s->len_lie));
		p[6] = s->ext_len ? s->ext_nh : s->proto ? s->proto : HUGINN_IPPROTO_TCP;
		p[7] = s->ttl;
		memcpy(p + 8, s->src, 16);
		memcpy(p + 24, s->dst, 16);
		put(p + 40, s->ext, s->ext_len);
		p += 40 + s->ext_len;
	}
	/* Payload first: a header shorter than 20 bytes must still keep its fields. */
	for (i = 0; i < s->payload; i++)
		p[tcp_len - s->payload + i] = (uint8_t)('a' + i % 26);
	be16(p, s->sport);
	be16(p + 2, s->dport);
	be32(p + 4, s->seq);
	be32(p + 8, s->ack);
	p[12] = (uint8_t)((s->doff_words ? s->doff_words : (int)(20 + s->topt_len) / 4) << 4 |
			  (s->res & 0x0f));
	p[13] = s->flags;
	be16(p + 14, s->win);
	be16(p + 18, s->urg);
	put(p + 20, s->topt, s->topt_len);
	p += tcp_len;
	(void)ip;
	len = (size_t)(p - f);
	return s->cut < len ? len - s->cut : 0;
}

/* The record the kernel must store, worked out from the spec, not from the frame. */
static void expect(const struct spec *s, struct huginn_syn_rec *r)
{
	size_t doff = s->doff_words ? (size_t)s->doff_words * 4 : 20 + s->topt_len;

	memset(r, 0, sizeof(*r));
	r->ip_ver = (uint8_t)s->ver;
	memcpy(r->saddr, s->src, s->ver == 4 ? 4 : 16);
	memcpy(r->daddr, s->dst, s->ver == 4 ? 4 : 16);
	r->sport = s->sport;
	r->dport = s->dport;
	r->ttl = s->ttl;
	r->tos = s->tos;
	if (s->ver == 4) {
		r->ip_opt_len = (uint8_t)s->ipopt_len;
		r->ip_hdr_len = (uint16_t)(20 + s->ipopt_len);
		r->ip_id = s->ip_id;
		r->ip_flags = (uint16_t)((s->frag & 0x4000 ? HUGINN_IP_DF : 0) |
					 (s->frag & 0x8000 ? HUGINN_IP_MBZ : 0) |
					 (s->ip_id ? HUGINN_IP_ID_NZ : 0));
	} else {
		r->ip_hdr_len = (uint16_t)(40 + s->ext_len);
		r->ip_ext_cnt = (uint8_t)s->ext_cnt;
		r->flow_label = s->flow;
		r->ip_flags = s->flow ? HUGINN_IP_FLOW_NZ : 0;
	}
	r->seq = s->seq;
	r->ack = s->ack;
	r->win = s->win;
	r->urg_ptr = s->urg;
	r->tcp_doff = (uint8_t)doff;
	r->tcp_res = s->res;
	r->tcp_flags = s->flags;
	r->opt_len = (uint8_t)(doff - 20);
	r->payload_len = (uint16_t)s->payload;
	put(r->opts, s->topt, s->topt_len);
}

/* ---- kernel side helpers ----------------------------------------------- */

struct counters {
	uint64_t syn, failures, stat[HUGINN_STAT_MAX];
};

static void read_counters(struct counters *c)
{
	uint32_t i;

	c->syn = read_u64(g_counter, 0);
	c->failures = read_u64(g_failures, 0);
	for (i = 0; i < HUGINN_STAT_MAX; i++)
		c->stat[i] = read_u64(g_stats, i);
}

static int set_config(uint32_t v4_be, const uint8_t *v6, uint16_t port)
{
	struct huginn_config c;
	uint32_t zero = 0;

	memset(&c, 0, sizeof(c));
	c.dst_v4 = v4_be;
	if (v6)
		memcpy(c.dst_v6, v6, 16);
	c.dst_port = port;
	return bpf_map_update(g_config, &zero, &c, BPF_ANY);
}

static int lookup_rec(int ver, const uint8_t *src, uint16_t sport, struct huginn_syn_rec *r)
{
	if (ver == 4) {
		struct huginn_syn_key_v4 k;

		memset(&k, 0, sizeof(k));
		memcpy(&k.addr, src, 4);
		huginn_put_port(&k.port, sport);
		return bpf_map_lookup(g_v4, &k, r);
	} else {
		struct huginn_syn_key_v6 k;

		memset(&k, 0, sizeof(k));
		memcpy(k.addr, src, 16);
		huginn_put_port(&k.port, sport);
		return bpf_map_lookup(g_v6, &k, r);
	}
}

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* The program's stamp: CLOCK_MONOTONIC_COARSE (bpf_ktime_get_coarse_ns). */
static uint64_t coarse_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC_COARSE);
}

/* ---- one case ------------------------------------------------------------ */

enum want { W_V4, W_V6, W_SKIP, W_MAL4, W_MAL6, W_FILTERED };

#define FIELD(f) is_int(got->f, want->f, "%s: " #f, name)

static void check_fields(const char *name, const struct huginn_syn_rec *got,
			 const struct huginn_syn_rec *want)
{
	FIELD(ip_ver);
	ok(memcmp(got->saddr, want->saddr, 16) == 0, "%s: saddr", name);
	ok(memcmp(got->daddr, want->daddr, 16) == 0, "%s: daddr", name);
	FIELD(sport);
	FIELD(dport);
	FIELD(ttl);
	FIELD(ip_opt_len);
	FIELD(tos);
	FIELD(ip_hdr_len);
	FIELD(ip_flags);
	FIELD(ip_id);
	FIELD(ip_ext_cnt);
	FIELD(pad0);
	FIELD(flow_label);
	FIELD(seq);
	FIELD(ack);
	FIELD(win);
	FIELD(urg_ptr);
	FIELD(tcp_doff);
	FIELD(tcp_res);
	FIELD(tcp_flags);
	FIELD(opt_len);
	FIELD(payload_len);
	FIELD(pad1);
	ok(memcmp(got->opts, want->opts, HUGINN_TCP_OPT_MAX) == 0, "%s: opts (%u bytes, rest zero)",
	   name, want->opt_len);
}

static void run_case(const char *name0, struct spec *s, enum want w)
{
	uint8_t frame[FRAME_MAX], out[FRAME_MAX];
	char name[192];
	struct counters before, after;
	struct huginn_syn_rec got, want, user;
	uint32_t out_len = sizeof(out), retval = 0;
	uint64_t t0, t1, dsyn, dstat[HUGINN_STAT_MAX];
	const struct huginn_config *cfgp;
	struct huginn_config cfg;
	unsigned char *g;
	size_t len, i;
	int r, st, want_st, counters_ok;
	uint32_t zero = 0;

	snprintf(name, sizeof(name), "%s%s", g_tag, name0);
	s->sport = g_next_port++;
	len = build(s, frame);
	/* BPF_PROG_TEST_RUN builds no skb without bytes past the Ethernet header (-EINVAL). */
	if (g_kind == OBJ_PROG_TC && len <= HUGINN_ETH_HLEN) {
		r = bpf_prog_test_run(g_prog, frame, (uint32_t)len, out, &out_len, &retval, 1);
		is_int(r, -EINVAL, "%s: the kernel builds no test skb from %zu bytes (-EINVAL)",
		       name, len);
		return;
	}
	read_counters(&before);
	t0 = coarse_ns();
	r = bpf_prog_test_run(g_prog, frame, (uint32_t)len, out, &out_len, &retval, 1);
	t1 = coarse_ns();
	read_counters(&after);
	is_int(r, 0, "%s: test run (%zu-byte frame)", name, len);
	ok(retval == want_ret() && out_len == len && memcmp(out, frame, len) == 0,
	   "%s: %s, frame unchanged (ret %u, %u bytes back)", name,
	   g_kind == OBJ_PROG_TC ? "TCX_NEXT" : "XDP_PASS", retval, out_len);

	/* Exactly the counters this case should move, by exactly one. */
	memset(dstat, 0, sizeof(dstat));
	dsyn = 0;
	switch (w) {
	case W_V4:
		dsyn = 1;
		dstat[HUGINN_STAT_V4_CAPTURED] = 1;
		break;
	case W_V6:
		dsyn = 1;
		dstat[HUGINN_STAT_V6_CAPTURED] = 1;
		break;
	case W_MAL4:
		dstat[HUGINN_STAT_V4_MALFORMED] = 1;
		break;
	case W_MAL6:
		dstat[HUGINN_STAT_V6_MALFORMED] = 1;
		break;
	case W_FILTERED:
		dstat[HUGINN_STAT_FILTERED] = 1;
		break;
	case W_SKIP:
		break;
	}
	counters_ok = after.syn - before.syn == dsyn && after.failures == before.failures;
	for (i = 0; i < HUGINN_STAT_MAX; i++)
		counters_ok &= after.stat[i] - before.stat[i] == dstat[i];
	if (!ok(counters_ok, "%s: counters moved exactly as expected", name)) {
		printf("#   syn_counter +%llu (want +%llu), insert failures +%llu\n",
		       (unsigned long long)(after.syn - before.syn), (unsigned long long)dsyn,
		       (unsigned long long)(after.failures - before.failures));
		for (i = 0; i < HUGINN_STAT_MAX; i++)
			printf("#   %s +%llu (want +%llu)\n", stat_name[i],
			       (unsigned long long)(after.stat[i] - before.stat[i]),
			       (unsigned long long)dstat[i]);
	}

	memset(&got, 0, sizeof(got));
	r = lookup_rec(s->ver, s->src, s->sport, &got);
	if (w == W_V4 || w == W_V6) {
		is_int(r, 0, "%s: recorded in %s", name,
		       w == W_V4 ? HUGINN_MAP_SYN_V4 : HUGINN_MAP_SYN_V6);
		if (r == 0) {
			expect(s, &want);
			check_fields(name, &got, &want);
			/* Coarse reads on both sides: a precise stamp would lie above t1. */
			ok(got.ts_ns >= t0 && got.ts_ns <= t1,
			   "%s: ts_ns within the test run on the coarse clock", name);
		}
	} else {
		is_int(r, -ENOENT, "%s: not recorded", name);
	}

	/* The same frame through the same parser in user space, right before a guard page. */
	want_st = w == W_SKIP		       ? HUGINN_PARSE_SKIP
		  : w == W_MAL4 || w == W_MAL6 ? HUGINN_PARSE_MALFORMED
					       : HUGINN_PARSE_SYN;
	g = t_guarded(frame, len);
	memset(&user, 0, sizeof(user));
	st = g ? huginn_parse_frame(g, g + len, &user) : -1;
	t_guarded_free(g, len);
	is_int(st, want_st, "%s: huginn_parse_frame() in user space agrees", name);
	if (st == HUGINN_PARSE_MALFORMED)
		is_int(user.ip_ver, w == W_MAL4 ? 4 : 6, "%s: malformed family", name);
	if ((w == W_V4 || w == W_V6) && r == 0 && st == HUGINN_PARSE_SYN) {
		user.ts_ns = got.ts_ns;
		ok(memcmp(&user, &got, sizeof(got)) == 0,
		   "%s: user-space record byte-identical to the kernel's", name);
	}
	if (w == W_FILTERED && st == HUGINN_PARSE_SYN) {
		cfgp = bpf_map_lookup(g_config, &zero, &cfg) == 0 ? &cfg : NULL;
		ok(cfgp && !huginn_filter_match(cfgp, &user), "%s: huginn_filter_match() says no",
		   name);
	}
}

/* ---- the cases ----------------------------------------------------------- */

/* Linux-like SYN options: MSS 1460, SACK permitted, timestamps, NOP, window scale 7. */
static const uint8_t opt_linux[20] = {2,    4,	  0x05, 0xb4, 4, 2, 8, 10, 0, 0x12,
				      0x34, 0x56, 0,	0,    0, 0, 1, 3,  3, 7};
/* 40 bytes: the most a TCP header can hold. */
static const uint8_t opt_full[40] = {2, 4, 0x05, 0xa0, 1, 3, 3, 8, 4, 2, 8, 10, 1, 2,
				     3, 4, 0,	 0,    0, 0, 1, 1, 1, 1, 1, 1,	1, 1,
				     1, 1, 1,	 1,    1, 1, 1, 1, 1, 1, 1, 0};
/* IPv4 record-route option (7 bytes) + end of list. */
static const uint8_t ipopt_rr[8] = {7, 7, 4, 0, 0, 0, 0, 0};

static const uint8_t a4_cli[16] = {10, 0, 0, 2}, a4_srv[16] = {10, 0, 0, 1};
static const uint8_t a6_cli[16] = {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
static const uint8_t a6_srv[16] = {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};

static struct spec syn4(void)
{
	struct spec s;

	memset(&s, 0, sizeof(s));
	s.ver = 4;
	memcpy(s.src, a4_cli, 16);
	memcpy(s.dst, a4_srv, 16);
	s.dport = 80;
	s.ttl = 64;
	s.ip_id = 0x4d2a;
	s.frag = 0x4000; /* DF */
	s.seq = 0x01020304;
	s.win = 64240;
	s.flags = HUGINN_TCP_SYN;
	s.topt = opt_linux;
	s.topt_len = sizeof(opt_linux);
	return s;
}

static struct spec syn6(void)
{
	struct spec s = syn4();

	s.ver = 6;
	memcpy(s.src, a6_cli, 16);
	memcpy(s.dst, a6_srv, 16);
	s.ip_id = 0;
	s.frag = 0;
	s.ttl = 57;
	s.flow = 0x5a5a5;
	s.win = 65535;
	return s;
}

static void syn_cases(void)
{
	/* Hop-by-hop (8 bytes, PadN) then destination options (16 bytes, PadN) then TCP. */
	static const uint8_t ext2[24] = {60, 0, 1, 4, 0, 0, 0, 0, HUGINN_IPPROTO_TCP, 1, 1, 12};
	struct spec s;

	s = syn4();
	run_case("SYN v4", &s, W_V4);

	s = syn4();
	s.ipopt = ipopt_rr;
	s.ipopt_len = sizeof(ipopt_rr);
	s.tos = 0x03;	 /* ECN CE */
	s.frag = 0x8000; /* the reserved bit, DF clear */
	s.ip_id = 0;
	s.seq = 0;
	s.ack = 0xdeadbeef;
	s.flags =
	    HUGINN_TCP_SYN | HUGINN_TCP_ECE | HUGINN_TCP_CWR | HUGINN_TCP_URG | HUGINN_TCP_PSH;
	s.res = 0x01; /* NS */
	s.urg = 7;
	s.payload = 5;
	s.ttl = 128;
	run_case("SYN v4 IP options, ECN, evil bit, URG, payload", &s, W_V4);

	s = syn4();
	s.vlans = 1;
	s.topt = NULL;
	s.topt_len = 0;
	run_case("SYN v4 one VLAN tag, no TCP options", &s, W_V4);

	s = syn4();
	s.vlans = 2;
	run_case("SYN v4 two VLAN tags", &s, W_V4);

	s = syn6();
	run_case("SYN v6", &s, W_V6);

	s = syn6();
	s.ext = ext2;
	s.ext_len = sizeof(ext2);
	s.ext_nh = 0;
	s.ext_cnt = 2;
	s.tos = 0x2a;
	s.flow = 0;
	run_case("SYN v6 hop-by-hop + destination options", &s, W_V6);

	s = syn6();
	s.vlans = 2;
	s.topt = opt_full;
	s.topt_len = sizeof(opt_full);
	s.payload = 3;
	s.flags = HUGINN_TCP_SYN | HUGINN_TCP_ECE;
	run_case("SYN v6 two VLAN tags, 40 option bytes, payload", &s, W_V6);
}

static void skip_cases(void)
{
	/* Fragment header: next TCP, offset 0 with more-fragments set. */
	static const uint8_t frag6[8] = {HUGINN_IPPROTO_TCP, 0, 0, 1, 0, 0, 0x12, 0x34};
	struct spec s;

	s = syn4();
	s.flags = HUGINN_TCP_SYN | HUGINN_TCP_ACK;
	run_case("SYN-ACK v4", &s, W_SKIP);

	s = syn6();
	s.flags = HUGINN_TCP_SYN | HUGINN_TCP_ACK;
	run_case("SYN-ACK v6", &s, W_SKIP);

	s = syn4();
	s.flags = HUGINN_TCP_ACK;
	s.topt = NULL;
	s.topt_len = 0;
	run_case("plain ACK v4", &s, W_SKIP);

	s = syn4();
	s.flags = HUGINN_TCP_RST;
	s.topt_len = 0;
	run_case("RST v4", &s, W_SKIP);

	s = syn6();
	s.flags = HUGINN_TCP_RST | HUGINN_TCP_ACK;
	run_case("RST-ACK v6", &s, W_SKIP);

	s = syn4();
	s.frag = 0x2000; /* MF */
	run_case("IPv4 first fragment (MF)", &s, W_SKIP);

	s = syn4();
	s.frag = 0x4000 | 0x0003; /* offset 24 bytes */
	run_case("IPv4 fragment with offset", &s, W_SKIP);

	s = syn6();
	s.ext = frag6;
	s.ext_len = sizeof(frag6);
	s.ext_nh = 44;
	run_case("IPv6 fragment header", &s, W_SKIP);

	s = syn4();
	s.proto = 17;
	run_case("UDP v4", &s, W_SKIP);

	s = syn6();
	s.proto = 17;
	run_case("UDP v6", &s, W_SKIP);

	s = syn4();
	s.ethertype = 0x0806;
	run_case("ARP", &s, W_SKIP);

	s = syn4();
	s.vlans = 3;
	run_case("three VLAN tags (beyond the bound)", &s, W_SKIP);

	s = syn4();
	s.flags = HUGINN_TCP_ACK;
	s.doff_words = 3;
	s.topt_len = 0;
	s.payload = 8; /* a full 20-byte header whose offset field says 12 */
	run_case("ACK with a bad data offset is not ours to count", &s, W_SKIP);

	s = syn4();
	s.cut = 60;
	run_case("Ethernet header only, IPv4 EtherType", &s, W_SKIP);

	/* p0f 3.09b takes a segment as a SYN only when, of SYN/ACK/FIN/RST, SYN alone is set. */
	s = syn4();
	s.flags = HUGINN_TCP_SYN | HUGINN_TCP_FIN;
	run_case("SYN+FIN v4 is not a SYN", &s, W_SKIP);
	s = syn6();
	s.flags = HUGINN_TCP_SYN | HUGINN_TCP_FIN;
	run_case("SYN+FIN v6 is not a SYN", &s, W_SKIP);
	s = syn4();
	s.flags = HUGINN_TCP_SYN | HUGINN_TCP_RST;
	run_case("SYN+RST v4 is not a SYN", &s, W_SKIP);
	s = syn6();
	s.flags = HUGINN_TCP_SYN | HUGINN_TCP_RST | HUGINN_TCP_PSH;
	run_case("SYN+RST+PSH v6 is not a SYN", &s, W_SKIP);

	/*
	 * GSO / BIG TCP frames in skb mode: IPv4 total length 0, IPv6 payload length
	 * 0 (the length lives in the skb).  Not SYNs, so not malformed either.
	 */
	s = syn4();
	s.flags = HUGINN_TCP_ACK | HUGINN_TCP_PSH;
	s.topt_len = 0;
	s.payload = 200;
	s.len_lie = -(int)(20 + 20 + 200);
	run_case("BIG TCP v4 data segment, total length 0", &s, W_SKIP);
	s = syn6();
	s.flags = HUGINN_TCP_ACK;
	s.topt_len = 0;
	s.payload = 200;
	s.len_lie = -(int)(20 + 200);
	run_case("BIG TCP v6 data segment, payload length 0", &s, W_SKIP);
}

static void malformed_cases(void)
{
	static const uint8_t hbh[8] = {HUGINN_IPPROTO_TCP, 0, 1, 4, 0, 0, 0, 0};
	struct spec s;

	s = syn4();
	s.doff_words = 4;
	s.topt_len = 0;
	run_case("v4 SYN, TCP data offset 4", &s, W_MAL4);

	s = syn4();
	s.doff_words = 0;
	s.topt = NULL;
	s.topt_len = 0;
	s.doff_words = 15; /* claims 40 option bytes, the IP length has none */
	s.len_lie = -40;
	run_case("v4 SYN, options beyond the IP length", &s, W_MAL4);

	s = syn4();
	s.cut = 8;
	run_case("v4 SYN, options beyond the frame (total length lies)", &s, W_MAL4);

	s = syn4();
	s.len_lie = 200;
	run_case("v4 SYN, total length beyond the frame", &s, W_MAL4);

	s = syn4();
	s.len_lie = -(int)(20 + sizeof(opt_linux)) + 10;
	run_case("v4 SYN, total length shorter than a TCP header", &s, W_MAL4);

	s = syn4();
	s.ihl_words = 4;
	run_case("v4 SYN, IHL 4", &s, W_MAL4);

	/* A SYN is never segmented by GSO: a zero length on a SYN is a lie. */
	s = syn4();
	s.len_lie = -(int)(20 + 20 + sizeof(opt_linux));
	run_case("v4 SYN, total length 0", &s, W_MAL4);
	s = syn6();
	s.len_lie = -(int)(20 + sizeof(opt_linux));
	run_case("v6 SYN, payload length 0", &s, W_MAL6);

	s = syn4();
	s.ver_nibble = 6;
	run_case("IPv4 EtherType, version 6 header", &s, W_MAL4);

	s = syn6();
	s.doff_words = 2;
	s.topt_len = 0;
	run_case("v6 SYN, TCP data offset 2", &s, W_MAL6);

	s = syn6();
	s.len_lie = 100;
	run_case("v6 SYN, payload length beyond the frame", &s, W_MAL6);

	s = syn6();
	s.len_lie = -(int)(20 + sizeof(opt_linux)) + 4;
	run_case("v6 SYN, payload length shorter than a TCP header", &s, W_MAL6);

	s = syn6();
	s.ext = hbh;
	s.ext_len = sizeof(hbh);
	s.ext_nh = 0;
	s.cut = 20 + sizeof(opt_linux) + 7;
	run_case("v6 SYN, frame ends inside a hop-by-hop header", &s, W_MAL6);
}

static void filter_cases(void)
{
	static const uint8_t srv6_other[16] = {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9};
	static const uint8_t srv4_other[16] = {10, 0, 0, 9};
	uint32_t srv4;
	struct spec s;

	memcpy(&srv4, a4_srv, 4);
	is_int(set_config(srv4, a6_srv, 21443), 0, "filter: set dst 10.0.0.1 / fd00::1 port 21443");

	s = syn4();
	s.dport = 21443;
	run_case("filter: v4 SYN to the filtered address and port", &s, W_V4);
	s = syn4();
	s.dport = 21444;
	run_case("filter: v4 SYN to another port", &s, W_FILTERED);
	s = syn4();
	s.dport = 21443;
	memcpy(s.dst, srv4_other, 16);
	run_case("filter: v4 SYN to another address", &s, W_FILTERED);

	s = syn6();
	s.dport = 21443;
	run_case("filter: v6 SYN to the filtered address and port", &s, W_V6);
	s = syn6();
	s.dport = 80;
	run_case("filter: v6 SYN to another port", &s, W_FILTERED);
	s = syn6();
	s.dport = 21443;
	memcpy(s.dst, srv6_other, 16);
	run_case("filter: v6 SYN to another address", &s, W_FILTERED);

	is_int(set_config(0, NULL, 21443), 0, "filter: port 21443 only");
	s = syn4();
	s.dport = 21443;
	memcpy(s.dst, srv4_other, 16);
	run_case("filter: port only, v4 SYN to any address", &s, W_V4);
	s = syn6();
	s.dport = 21443;
	memcpy(s.dst, srv6_other, 16);
	run_case("filter: port only, v6 SYN to any address", &s, W_V6);
	s = syn6();
	s.dport = 21442;
	run_case("filter: port only, v6 SYN to another port", &s, W_FILTERED);

	is_int(set_config(srv4, NULL, 0), 0, "filter: v4 address only");
	s = syn4();
	s.dport = 8080;
	run_case("filter: v4 address only, any port", &s, W_V4);
	s = syn6();
	memcpy(s.dst, srv6_other, 16);
	run_case("filter: v4 address only, v6 SYN unfiltered", &s, W_V6);

	is_int(set_config(0, NULL, 0), 0, "filter: cleared");
}

/* Several runs of one frame: the counters move by the repeat count. */
static void repeat_case(void)
{
	uint8_t frame[FRAME_MAX];
	struct counters before, after;
	uint32_t retval = 0;
	struct spec s = syn4();
	size_t len;
	int r;

	s.sport = g_next_port++;
	len = build(&s, frame);
	read_counters(&before);
	r = bpf_prog_test_run(g_prog, frame, (uint32_t)len, NULL, NULL, &retval, 17);
	read_counters(&after);
	ok(r == 0 && retval == want_ret(), "%srepeat 17: runs, returns %u", g_tag, retval);
	ok(after.syn - before.syn == 17 &&
	       after.stat[HUGINN_STAT_V4_CAPTURED] - before.stat[HUGINN_STAT_V4_CAPTURED] == 17 &&
	       after.failures == before.failures,
	   "%srepeat 17: syn_counter and v4_captured +17 (got +%llu, +%llu)", g_tag,
	   (unsigned long long)(after.syn - before.syn),
	   (unsigned long long)(after.stat[HUGINN_STAT_V4_CAPTURED] -
				before.stat[HUGINN_STAT_V4_CAPTURED]));
}

/* ---- loader and wrappers ------------------------------------------------ */

static int map_fd(const char *name)
{
	struct obj_map *m = obj_map_by_name(&g_obj, name);

	return m ? m->fd : -1;
}

/*
 * The object under test: the one embedded in the agent, or the file named by
 * HUGINN_TEST_BPF_OBJ (test/e2e/t_bpf_clang.sh runs this whole test once per
 * installed clang and -O level, so every compiler's object meets the verifier
 * and gives the same records as the user-space parser).
 */
static int load(void)
{
	static char log[1 << 20];
	const char *path = getenv("HUGINN_TEST_BPF_OBJ");
	struct bpf_prog_info info;
	uint32_t info_len = sizeof(info);
	char *file = NULL;
	size_t file_len = 0;
	int r;

	if (path && *path) {
		r = file_read_all(path, 1 << 22, &file, &file_len);
		is_int(r, 0, "read %s", path);
		if (r)
			return r;
		r = obj_open(&g_obj, file, file_len);
		free(file);
	} else {
		path = "the embedded object";
		r = obj_open(&g_obj, huginn_bpf_obj, (size_t)(huginn_bpf_obj_end - huginn_bpf_obj));
	}
	is_int(r, 0, "obj_open on %s", path);
	if (r)
		return r;
	r = obj_create_maps(&g_obj);
	is_int(r, 0, "obj_create_maps");
	if (r)
		return r;
	r = obj_load(&g_obj, log, sizeof(log));
	ok(r >= 0, "obj_load: the verifier accepts xdp_syn (%d)", r);
	if (r < 0) {
		size_t n = strlen(log);
		/* The verifier's last lines say why. */
		printf("# verifier log (tail):\n%s\n", n > 4000 ? log + n - 4000 : log);
		return r;
	}
	g_prog = r;
	memset(&info, 0, sizeof(info));
	r = bpf_obj_get_info(g_prog, &info, &info_len);
	ok(r == 0 && info.type == BPF_PROG_TYPE_XDP && strcmp(info.name, HUGINN_PROG_NAME) == 0 &&
	       info.nr_map_ids == g_obj.nmaps,
	   "program info: type XDP, name %s, %u maps", info.name, info.nr_map_ids);
	g_v4 = map_fd(HUGINN_MAP_SYN_V4);
	g_v6 = map_fd(HUGINN_MAP_SYN_V6);
	g_counter = map_fd(HUGINN_MAP_SYN_COUNTER);
	g_failures = map_fd(HUGINN_MAP_INSERT_FAILURES);
	g_stats = map_fd(HUGINN_MAP_STATS);
	g_config = map_fd(HUGINN_MAP_CONFIG);
	return 0;
}

static void compat_checks(void)
{
	struct obj_map *m = obj_map_by_name(&g_obj, HUGINN_MAP_SYN_V4);
	struct obj_map copy;
	int fd, r;

	is_int(obj_map_compatible(m, m->fd), 1,
	       "obj_map_compatible: a map is compatible with itself");
	copy = *m;
	copy.max_entries = 16;
	is_int(obj_map_compatible(&copy, m->fd), 0, "obj_map_compatible: other capacity -> 0");
	copy = *m;
	copy.value_size = 112;
	is_int(obj_map_compatible(&copy, m->fd), 0, "obj_map_compatible: other value size -> 0");
	fd = bpf_map_create(BPF_MAP_TYPE_HASH, "x", m->key_size, m->value_size, m->max_entries, 0);
	is_int(obj_map_compatible(m, fd), 0, "obj_map_compatible: plain hash vs LRU -> 0");
	close(fd);
	r = obj_map_compatible(m, 9999);
	ok(r == -EBADF || r == -EBADFD, "obj_map_compatible: bad fd -> -errno (%d)", r);
}

/* A map supplied by the caller (as a reused pin would be) is what the program uses. */
static void reuse_check(void)
{
	struct obj o;
	struct obj_map *m;
	struct spec s = syn4();
	struct huginn_syn_key_v4 k;
	struct huginn_syn_rec r;
	uint8_t frame[FRAME_MAX];
	uint32_t retval;
	int own, prog, err;
	size_t len;

	own = bpf_map_create(BPF_MAP_TYPE_LRU_HASH, "reuse_v4", sizeof(k), sizeof(r), 64, 0);
	ok(own >= 0, "reuse: create a caller-owned map");
	if (own < 0 || obj_open(&o, huginn_bpf_obj, (size_t)(huginn_bpf_obj_end - huginn_bpf_obj)))
		return;
	m = obj_map_by_name(&o, HUGINN_MAP_SYN_V4);
	m->fd = own;
	obj_map_by_name(&o, HUGINN_MAP_SYN_V6)->max_entries = 32; /* a changed capacity */
	is_int(obj_create_maps(&o), 0, "reuse: create the other maps");
	prog = obj_load(&o, NULL, 0);
	ok(prog >= 0, "reuse: load against the caller's map");
	s.sport = g_next_port++;
	len = build(&s, frame);
	err =
	    prog >= 0 ? bpf_prog_test_run(prog, frame, (uint32_t)len, NULL, NULL, &retval, 1) : -1;
	memset(&k, 0, sizeof(k));
	memcpy(&k.addr, s.src, 4);
	huginn_put_port(&k.port, s.sport);
	ok(err == 0 && bpf_map_lookup(own, &k, &r) == 0 && r.sport == s.sport,
	   "reuse: the SYN landed in the caller's map");
	ok(bpf_map_lookup(g_v4, &k, &r) == -ENOENT, "reuse: and not in the first load's map");
	obj_close(&o);
	ok(fcntl(own, F_GETFD) >= 0, "reuse: obj_close leaves the caller's fd open");
	if (prog >= 0)
		close(prog);
	close(own);
}

static void wrapper_checks(void)
{
	char dir[] = "/tmp/huginn-bpffs.XXXXXX", path[64];
	struct huginn_syn_key_v4 k, next;
	struct huginn_syn_rec rec;
	uint32_t idx = HUGINN_STAT_MAX;
	uint64_t v;
	size_t n = 0;
	int fd, r, lfd, lfd2, prog2;

	/* Walk the v4 map: every key the cases recorded is there. */
	r = bpf_map_get_next_key(g_v4, NULL, &k);
	while (r == 0 && n < 10000) {
		n++;
		r = bpf_map_get_next_key(g_v4, &k, &next);
		k = next;
	}
	ok(r == -ENOENT && n > 5, "get_next_key walks %zu v4 entries, ends with -ENOENT", n);
	is_int(bpf_map_lookup(g_stats, &idx, &v), -ENOENT,
	       "array lookup past max_entries -> -ENOENT");
	memset(&k, 0, sizeof(k));
	memset(&rec, 0, sizeof(rec));
	is_int(bpf_map_update(g_v4, &k, &rec, BPF_NOEXIST), 0, "update BPF_NOEXIST on a new key");
	is_int(bpf_map_update(g_v4, &k, &rec, BPF_NOEXIST), -EEXIST,
	       "update BPF_NOEXIST again -> -EEXIST");
	is_int(bpf_map_delete(g_v4, &k), 0, "delete");
	is_int(bpf_map_delete(g_v4, &k), -ENOENT, "delete again -> -ENOENT");

	is_int(bpf_fs_check("/proc"), -ENOTSUP, "bpf_fs_check on procfs -> -ENOTSUP");
	is_int(bpf_fs_check("/nonexistent/huginn"), -ENOENT,
	       "bpf_fs_check on a missing path -> -ENOENT");
	{
		struct rlimit rl;
		int m = bpf_raise_memlock();

		getrlimit(RLIMIT_MEMLOCK, &rl);
		ok(m == 0 ? rl.rlim_cur == RLIM_INFINITY
			  : m == -EPERM && rl.rlim_cur == rl.rlim_max,
		   "bpf_raise_memlock: %d, soft limit %s the hard one", m,
		   rl.rlim_cur == RLIM_INFINITY ? "unlimited like" : "raised to");
	}

	/* Pin and get on a private bpffs, never the system one. */
	if (!mkdtemp(dir) || mount("bpf", dir, "bpf", 0, NULL)) {
		ok(0, "mount a private bpffs (%s)", strerror(errno));
	} else {
		is_int(bpf_fs_check(dir), 0, "bpf_fs_check on the private bpffs");
		snprintf(path, sizeof(path), "%s/%s", dir, HUGINN_MAP_STATS);
		is_int(bpf_obj_pin(g_stats, path), 0, "pin syn_stats");
		is_int(bpf_obj_pin(g_stats, path), -EEXIST, "pin again -> -EEXIST");
		fd = bpf_obj_get(path, BPF_F_RDONLY);
		ok(fd >= 0, "get the pin read-only");
		idx = HUGINN_STAT_V4_CAPTURED;
		v = 0;
		r = fd >= 0 ? bpf_map_lookup(fd, &idx, &v) : fd;
		ok(r == 0 && v == read_u64(g_stats, idx), "read-only fd reads v4_captured = %llu",
		   (unsigned long long)v);
		is_int(bpf_map_update(fd, &idx, &v, BPF_ANY), -EPERM, "read-only fd can't write");
		if (fd >= 0)
			close(fd);
		unlink(path);
		umount(dir);
	}
	rmdir(dir);

	/* Links, on the loopback of a network namespace of our own. */
	if (unshare(CLONE_NEWNET)) {
		ok(0, "unshare(CLONE_NEWNET): %s", strerror(errno));
		return;
	}
	lfd = bpf_link_create(g_prog, 1, BPF_XDP, XDP_FLAGS_SKB_MODE);
	ok(lfd >= 0, "link_create: XDP on lo of a private netns (%d)", lfd);
	prog2 = obj_load(&g_obj, NULL, 0);
	ok(prog2 >= 0, "obj_load a second time");
	if (lfd >= 0 && prog2 >= 0) {
		lfd2 = bpf_link_create(g_prog, 1, BPF_XDP, XDP_FLAGS_SKB_MODE);
		is_int(lfd2, -EBUSY, "a second link on the same interface -> -EBUSY");
		if (lfd2 >= 0)
			close(lfd2);
		is_int(bpf_link_update(lfd, prog2, prog2), -EPERM,
		       "link_update with the wrong old program -> -EPERM");
		is_int(bpf_link_update(lfd, prog2, g_prog), 0,
		       "link_update with the right old program");
		is_int(bpf_link_update(lfd, g_prog, -1), 0, "link_update unconditional");
		is_int(bpf_link_detach(lfd), 0, "link_detach");
		lfd2 = bpf_link_create(prog2, 1, BPF_XDP, XDP_FLAGS_SKB_MODE);
		ok(lfd2 >= 0, "after detach the interface is free again");
		if (lfd2 >= 0)
			close(lfd2);
	}
	if (lfd >= 0)
		close(lfd);
	if (prog2 >= 0)
		close(prog2);
}

/*
 * The second pass: tc_syn from the same object (the file under test, or the
 * embedded one), loaded over the first pass's maps as the agent in tc mode
 * reuses pinned maps, so both programs must record into one set of maps.
 */
static int tc_pass(void)
{
	static char log[1 << 20];
	const char *path = getenv("HUGINN_TEST_BPF_OBJ");
	struct bpf_prog_info info;
	uint32_t info_len = sizeof(info);
	char *file = NULL;
	size_t file_len = 0, i;
	struct obj o;
	int r, prog;

	if (path && *path) {
		r = file_read_all(path, 1 << 22, &file, &file_len);
		if (r)
			return r;
		r = obj_open_prog(&o, file, file_len, OBJ_PROG_TC);
		free(file);
	} else {
		r = obj_open_prog(&o, huginn_bpf_obj, (size_t)(huginn_bpf_obj_end - huginn_bpf_obj),
				  OBJ_PROG_TC);
	}
	is_int(r, 0, "tc: obj_open_prog(OBJ_PROG_TC)");
	if (r)
		return r;
	ok(o.nmaps == g_obj.nmaps, "tc: the same %u maps", o.nmaps);
	for (i = 0; i < o.nmaps; i++) {
		struct obj_map *m = obj_map_by_name(&g_obj, o.maps[i].name);

		o.maps[i].fd = m ? m->fd : -1;
	}
	prog = obj_load(&o, log, sizeof(log));
	ok(prog >= 0, "tc: obj_load: the verifier accepts tc_syn (%d)", prog);
	if (prog < 0) {
		size_t n = strlen(log);

		printf("# verifier log (tail):\n%s\n", n > 4000 ? log + n - 4000 : log);
		obj_close(&o);
		return prog;
	}
	memset(&info, 0, sizeof(info));
	r = bpf_obj_get_info(prog, &info, &info_len);
	ok(r == 0 && info.type == BPF_PROG_TYPE_SCHED_CLS &&
	       strcmp(info.name, HUGINN_PROG_NAME_TC) == 0 && info.nr_map_ids == g_obj.nmaps,
	   "tc: program info: type SCHED_CLS, name %s, %u maps", info.name, info.nr_map_ids);
	obj_close(&o); /* the maps stay: they are g_obj's */
	g_prog = prog;
	g_kind = OBJ_PROG_TC;
	g_tag = "tc: ";
	return 0;
}

/*
 * Linux 5.9/5.10 have no coarse clock: obj_load() then rewrites the call to
 * bpf_ktime_get_ns.  Done here by hand on this kernel: the rewritten program
 * must load and stamp with CLOCK_MONOTONIC.  Runs last: g_obj stays rewritten.
 */
static void precise_clock_check(void)
{
	struct spec s = syn4();
	struct huginn_syn_rec r;
	uint8_t frame[FRAME_MAX];
	uint32_t retval = 0;
	uint64_t t0, t1;
	unsigned n;
	size_t len;
	int prog, err;

	n = obj_use_precise_clock(&g_obj);
	ok(n >= 1, "precise clock: %u call(s) of the coarse clock rewritten", n);
	is_int(obj_use_precise_clock(&g_obj), 0, "precise clock: none left");
	prog = obj_load(&g_obj, NULL, 0);
	ok(prog >= 0, "precise clock: the verifier accepts the rewritten program (%d)", prog);
	if (prog < 0)
		return;
	s.sport = g_next_port++;
	len = build(&s, frame);
	t0 = clock_ns(CLOCK_MONOTONIC);
	err = bpf_prog_test_run(prog, frame, (uint32_t)len, NULL, NULL, &retval, 1);
	t1 = clock_ns(CLOCK_MONOTONIC);
	ok(err == 0 && retval == XDP_PASS && lookup_rec(4, s.src, s.sport, &r) == 0 &&
	       r.ts_ns >= t0 && r.ts_ns <= t1,
	   "precise clock: ts_ns within the CLOCK_MONOTONIC window of the run");
	close(prog);
}

int main(void)
{
	if (geteuid() != 0) {
		skip("test_xdp_run SKIPPED: needs root for bpf() and BPF_PROG_TEST_RUN "
		     "(run make test as root)");
		return done_testing();
	}
	if (load() == 0) {
		compat_checks();
		syn_cases();
		skip_cases();
		malformed_cases();
		filter_cases();
		repeat_case();
		reuse_check();
		wrapper_checks();
		precise_clock_check();
		is_int(read_u64(g_failures, 0), 0, "syn_insert_failures stayed 0");
	}
	if (g_prog >= 0)
		close(g_prog);
	if (tc_pass() == 0) {
		syn_cases();
		skip_cases();
		malformed_cases();
		filter_cases();
		repeat_case();
		is_int(read_u64(g_failures, 0), 0, "tc: syn_insert_failures stayed 0");
		close(g_prog);
		g_prog = -1;
	}
	obj_close(&g_obj);
	return done_testing();
}
