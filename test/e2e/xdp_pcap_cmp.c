/*
 * xdp_pcap_cmp - run every frame of a capture through the loaded XDP program
 * (BPF_PROG_TEST_RUN) and through the user-space build of the same parser,
 * and require identical results.  Driven by test/e2e/t_xdp_pcap.sh; needs root.
 * Both sides are built from the same source (bpf/xdp_syn.h), so this shows
 * that the kernel and user-space builds agree, not that the parser is right;
 * the independent checks are against p0f (t_p0f_oracle.sh, t_fp_e2e.sh).
 *
 *   xdp_pcap_cmp [--prefixes] [--mutants N] [--flip-user-byte OFF] FILE.pcap
 *
 * The object is the one embedded in the agent (bpf/blob.S), loaded with our
 * own loader (sys/obj.c) into fresh maps with an all-zero config (no filter).
 * User space reads the capture with proxy/pcap.c and parses each frame the way
 * `huginn-proxy fingerprint` does (pcap_frame() picks huginn_parse_frame()
 * or huginn_parse_ip()).  For every frame:
 *   - the program returns XDP_PASS and hands the frame back unchanged;
 *   - a SYN (user space says HUGINN_PARSE_SYN) is the one entry of the right
 *     map, under the key built from the user-space record, and the stored
 *     record equals the user-space record byte for byte except ts_ns;
 *     syn_counter and the family's captured counter moved by one;
 *   - anything else stored nothing; a MALFORMED frame moved the family's
 *     malformed counter by one (none when the family is unknown), a SKIP
 *     frame moved no counter; syn_insert_failures never moves.
 * The stored entry is deleted after each frame, so every comparison starts
 * from empty maps and is independent of the frames before it.
 *
 * Link types: BPF_PROG_TEST_RUN gives an XDP program an Ethernet frame, so a
 * frame whose capture starts at the IP header (Linux cooked v1/v2, raw IP)
 * gets a synthetic 14-byte Ethernet header in front of its IP part.  Its
 * EtherType follows the IP version nibble (4 -> IPv4, 6 -> IPv6), which is
 * exactly what huginn_parse_ip() dispatches on, so huginn_parse_frame() in the
 * kernel reaches the same IP parser with the same bytes.  A cooked frame that
 * is not IP gets a local-experimental EtherType (0x88b5) and must be skipped.
 * An Ethernet frame shorter than its header cannot be test-run (the kernel
 * wants at least 14 bytes); user space must skip it.
 *
 * --prefixes also checks every truncation of every frame (caplen 0 .. len-1);
 * --mutants N also checks N copies of each frame with one byte of its first
 * 96 replaced (fixed-seed PRNG), which reaches the MALFORMED paths.
 * --flip-user-byte OFF corrupts byte OFF of every user-space SYN record before
 * the comparison: a negative control that must make every SYN fail.
 *
 * Large frames are a known difference, reported rather than hidden: from
 * about 3.5 KB on, the test run puts the tail of a frame into XDP frags, which
 * the program does not read (as in native mode on a veth), so a SYN whose IP
 * length reaches past the linear part is MALFORMED in the kernel and a SYN in
 * user space.  A frame over one page (FRAME_MAX) is reported without a run.
 *
 * Output: "ok - ..." summary lines per class, "not ok - ..." per mismatch with
 * the frame index, the record offset in the file and, for records, the raw
 * bytes (host-order fields) of each differing field from both sides.  Exit 0 if all agree, 1 on a
 * mismatch, 2 on a setup error.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bpf/xdp_syn.h"
#include "proxy/pcap.h"
#include "sys/bpf.h"
#include "sys/file.h"
#include "sys/obj.h"
#include "test/xdp_maps.h"

extern const unsigned char huginn_bpf_obj[], huginn_bpf_obj_end[];

#define CAPTURE_MAX (256u << 20)
#define FRAME_MAX 4096	      /* one page: the most the XDP test run takes without frags */
#define MUTATE_SPAN 96	      /* mutants touch the link, IP and TCP headers */
#define DETAIL_MAX 50	      /* "not ok" lines printed; the rest are counted */
#define ETHERTYPE_NONE 0x88b5 /* IEEE local experimental: never IP */

enum cls { C_SYN, C_SKIP, C_MAL, C_SHORT, C_MAX };

static const char *const cls_name[C_MAX] = {"SYN", "skipped", "malformed", "short"};

struct cmp {
	int prog, v4, v6, counter, failures, stats, config;
	int flip; /* --flip-user-byte, -1 when off */
	const char *label;
	unsigned long n[C_MAX], bad[C_MAX], frames;
	unsigned long lines;	     /* "not ok" lines so far */
	unsigned long fam[C_MAX][2]; /* per class: IPv4, IPv6 */
};

struct counters {
	uint64_t syn, failures, stat[HUGINN_STAT_MAX];
};

#define FIELD(m) {#m, offsetof(struct huginn_syn_rec, m), sizeof(((struct huginn_syn_rec *)0)->m)}
static const struct {
	const char *name;
	size_t off, len;
} rec_fields[] = {
    FIELD(ts_ns),    FIELD(saddr),     FIELD(daddr),	  FIELD(sport),	      FIELD(dport),
    FIELD(ip_ver),   FIELD(ttl),       FIELD(ip_opt_len), FIELD(tos),	      FIELD(ip_hdr_len),
    FIELD(ip_flags), FIELD(ip_id),     FIELD(ip_ext_cnt), FIELD(pad0),	      FIELD(flow_label),
    FIELD(seq),	     FIELD(ack),       FIELD(win),	  FIELD(urg_ptr),     FIELD(tcp_doff),
    FIELD(tcp_res),  FIELD(tcp_flags), FIELD(opt_len),	  FIELD(payload_len), FIELD(pad1),
    FIELD(opts),
};

static void read_counters(const struct cmp *c, struct counters *k)
{
	uint32_t i;

	k->syn = read_u64(c->counter, 0);
	k->failures = read_u64(c->failures, 0);
	for (i = 0; i < HUGINN_STAT_MAX; i++)
		k->stat[i] = read_u64(c->stats, i);
}

/* Entries in a map (stops counting at 2), the first key in *first. */
static int map_entries(int fd, void *first, void *scratch)
{
	int n = 0;

	if (bpf_map_get_next_key(fd, NULL, first))
		return 0;
	n = 1;
	if (bpf_map_get_next_key(fd, first, scratch) == 0)
		n = 2;
	return n;
}

/* Empty both SYN maps (after a mismatch left something behind). */
static void clear_maps(const struct cmp *c)
{
	uint8_t k[sizeof(struct huginn_syn_key_v6)];
	int i;

	for (i = 0; i < 100000 && bpf_map_get_next_key(c->v4, NULL, k) == 0; i++)
		bpf_map_delete(c->v4, k);
	for (i = 0; i < 100000 && bpf_map_get_next_key(c->v6, NULL, k) == 0; i++)
		bpf_map_delete(c->v6, k);
}

static void hex(const char *tag, const uint8_t *p, size_t n)
{
	size_t i;

	printf("#     %-6s", tag);
	for (i = 0; i < n; i++)
		printf(" %02x", p[i]);
	printf("\n");
}

/* One "not ok" line per mismatching frame; details for the first DETAIL_MAX. */
__attribute__((format(printf, 4, 5))) static int mismatch(struct cmp *c, const char *what,
							  size_t off, const char *fmt, ...)
{
	va_list ap;

	c->lines++;
	if (c->lines > DETAIL_MAX)
		return 0;
	printf("not ok - xdp_pcap_cmp: %s: %s (record at file offset %zu): ", c->label, what, off);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	return 1;
}

static void rec_diff(const struct huginn_syn_rec *kern, const struct huginn_syn_rec *user)
{
	const uint8_t *a = (const uint8_t *)kern, *b = (const uint8_t *)user;
	size_t i;

	for (i = 0; i < sizeof(rec_fields) / sizeof(rec_fields[0]); i++) {
		size_t o = rec_fields[i].off, n = rec_fields[i].len;

		if (o == offsetof(struct huginn_syn_rec, ts_ns) || !memcmp(a + o, b + o, n))
			continue;
		printf("#   field %s (offset %zu, %zu bytes):\n", rec_fields[i].name, o, n);
		hex("kernel", a + o, n);
		hex("user", b + o, n);
	}
}

/*
 * The frame the kernel gets: the capture's own bytes for Ethernet, else a
 * synthetic Ethernet header plus the IP part (see the top of the file).
 * Returns its length; only a length up to FRAME_MAX was copied.
 */
static size_t kernel_frame(int kind, const uint8_t *data, uint32_t len, uint32_t ip_off,
			   uint8_t *out)
{
	static const uint8_t macs[12] = {0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2};
	uint16_t type = ETHERTYPE_NONE;
	uint32_t n;

	if (kind == PCAP_FRAME_ETH) {
		if (len <= FRAME_MAX)
			memcpy(out, data, len);
		return len;
	}
	if (ip_off > len)
		ip_off = len;
	if (kind == PCAP_FRAME_IP && ip_off < len) {
		if (data[ip_off] >> 4 == 4)
			type = HUGINN_ETH_P_IP;
		else if (data[ip_off] >> 4 == 6)
			type = HUGINN_ETH_P_IPV6;
	}
	memcpy(out, macs, 12);
	out[12] = (uint8_t)(type >> 8);
	out[13] = (uint8_t)type;
	n = len - ip_off;
	if (n <= FRAME_MAX - HUGINN_ETH_HLEN)
		memcpy(out + HUGINN_ETH_HLEN, data + ip_off, n);
	return HUGINN_ETH_HLEN + n;
}

/* User-space verdict, on an exact-size heap copy so ASan sees any over-read. */
static int user_parse(int kind, const uint8_t *data, uint32_t len, uint32_t ip_off,
		      struct huginn_syn_rec *rec)
{
	uint8_t *copy;
	int st;

	memset(rec, 0, sizeof(*rec));
	if (kind != PCAP_FRAME_ETH && kind != PCAP_FRAME_IP)
		return HUGINN_PARSE_SKIP;
	copy = malloc(len ? len : 1);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, data, len);
	if (kind == PCAP_FRAME_ETH)
		st = huginn_parse_frame(copy, copy + len, rec);
	else
		st = huginn_parse_ip(copy + ip_off, copy + len, rec);
	free(copy);
	return st;
}

/* Returns the class of the frame, by the user-space verdict. */
static enum cls check(struct cmp *c, const char *what, size_t off, uint32_t linktype,
		      const uint8_t *data, uint32_t len)
{
	static uint8_t frame[FRAME_MAX], out[FRAME_MAX];
	struct huginn_syn_rec user, kern;
	struct counters before, after;
	uint64_t dsyn = 0, dstat[HUGINN_STAT_MAX];
	uint32_t ip_off = 0, out_len = sizeof(out), retval = 0, i;
	uint8_t k4[sizeof(struct huginn_syn_key_v4)], k6[sizeof(struct huginn_syn_key_v6)];
	uint8_t scratch[sizeof(struct huginn_syn_key_v6)];
	int kind, st, r, n4, n6, bad = 0;
	enum cls cl;
	size_t flen;

	c->frames++;
	kind = pcap_frame(linktype, data, len, &ip_off);
	if (kind < 0) {
		mismatch(c, what, off, "link type %u is not one we read", linktype);
		c->bad[C_SKIP]++;
		return C_SKIP;
	}
	st = user_parse(kind, data, len, ip_off, &user);
	cl = st == HUGINN_PARSE_SYN ? C_SYN : st == HUGINN_PARSE_MALFORMED ? C_MAL : C_SKIP;
	flen = kernel_frame(kind, data, len, ip_off, frame);
	if (flen < HUGINN_ETH_HLEN) {
		c->n[C_SHORT]++;
		if (st != HUGINN_PARSE_SKIP) {
			c->bad[C_SHORT]++;
			mismatch(c, what, off, "%zu-byte frame: user space says %d, want SKIP",
				 flen, st);
		}
		return C_SHORT;
	}
	c->n[cl]++;
	if (flen > FRAME_MAX) {
		/* Not silently cut: the comparison would no longer be of the same bytes. */
		c->bad[cl]++;
		mismatch(c, what, off, "%zu-byte frame: larger than one test run takes (%d)", flen,
			 FRAME_MAX);
		return cl;
	}
	if (user.ip_ver == 4 || user.ip_ver == 6)
		c->fam[cl][user.ip_ver == 6]++;

	read_counters(c, &before);
	r = bpf_prog_test_run(c->prog, frame, (uint32_t)flen, out, &out_len, &retval, 1);
	read_counters(c, &after);
	if (r) {
		c->bad[cl]++;
		mismatch(c, what, off, "BPF_PROG_TEST_RUN on %zu bytes: %s", flen, strerror(-r));
		return cl;
	}
	if (retval != XDP_PASS || out_len != flen || memcmp(out, frame, flen)) {
		bad = 1;
		mismatch(c, what, off, "verdict %u (want XDP_PASS %u), %u of %zu bytes back%s",
			 retval, XDP_PASS, out_len, flen,
			 out_len == flen && memcmp(out, frame, flen) ? ", frame changed" : "");
	}

	/* The counters the user-space verdict predicts, by exactly one each. */
	memset(dstat, 0, sizeof(dstat));
	if (st == HUGINN_PARSE_SYN) {
		dsyn = 1;
		dstat[user.ip_ver == 4 ? HUGINN_STAT_V4_CAPTURED : HUGINN_STAT_V6_CAPTURED] = 1;
	} else if (st == HUGINN_PARSE_MALFORMED && user.ip_ver == 4) {
		dstat[HUGINN_STAT_V4_MALFORMED] = 1;
	} else if (st == HUGINN_PARSE_MALFORMED && user.ip_ver == 6) {
		dstat[HUGINN_STAT_V6_MALFORMED] = 1;
	}
	r = after.syn - before.syn == dsyn && after.failures == before.failures;
	for (i = 0; i < HUGINN_STAT_MAX; i++)
		r &= after.stat[i] - before.stat[i] == dstat[i];
	if (!r) {
		bad = 1;
		if (mismatch(c, what, off,
			     "user space says %s (ip_ver %u); counters moved otherwise",
			     cls_name[cl], user.ip_ver)) {
			printf("#   syn_counter +%llu (want +%llu), syn_insert_failures +%llu\n",
			       (unsigned long long)(after.syn - before.syn),
			       (unsigned long long)dsyn,
			       (unsigned long long)(after.failures - before.failures));
			for (i = 0; i < HUGINN_STAT_MAX; i++)
				printf("#   %s +%llu (want +%llu)\n", stat_name[i],
				       (unsigned long long)(after.stat[i] - before.stat[i]),
				       (unsigned long long)dstat[i]);
		}
	}

	n4 = map_entries(c->v4, k4, scratch);
	n6 = map_entries(c->v6, k6, scratch);
	if (st != HUGINN_PARSE_SYN) {
		if (n4 || n6) {
			bad = 1;
			mismatch(c, what, off,
				 "user space says %s, the kernel stored %d+%d entries",
				 cls_name[cl], n4, n6);
		}
	} else {
		struct huginn_syn_key_v4 w4;
		struct huginn_syn_key_v6 w6;
		int v6 = user.ip_ver == 6, fd = v6 ? c->v6 : c->v4;
		const void *want = v6 ? (const void *)&w6 : (const void *)&w4;

		memset(&w4, 0, sizeof(w4));
		memset(&w6, 0, sizeof(w6));
		memcpy(&w4.addr, user.saddr, 4);
		huginn_put_port(&w4.port, user.sport);
		memcpy(w6.addr, user.saddr, 16);
		huginn_put_port(&w6.port, user.sport);
		memset(&kern, 0, sizeof(kern));
		if ((v6 ? n6 : n4) != 1 || (v6 ? n4 : n6) != 0 ||
		    memcmp(v6 ? (const void *)k6 : (const void *)k4, want,
			   v6 ? sizeof(w6) : sizeof(w4)) ||
		    bpf_map_lookup(fd, want, &kern)) {
			bad = 1;
			mismatch(c, what, off,
				 "SYN v%u port %u: want one entry under its key in %s, have %d "
				 "in v4, %d in v6",
				 user.ip_ver, user.sport,
				 v6 ? HUGINN_MAP_SYN_V6 : HUGINN_MAP_SYN_V4, n4, n6);
		} else {
			if (c->flip >= 0)
				((uint8_t *)&user)[c->flip] ^= 0x01;
			user.ts_ns = kern.ts_ns;
			if (memcmp(&kern, &user, sizeof(kern))) {
				bad = 1;
				if (mismatch(c, what, off, "SYN v%u port %u: records differ",
					     user.ip_ver, user.sport))
					rec_diff(&kern, &user);
			} else if (!kern.ts_ns) {
				bad = 1;
				mismatch(c, what, off, "SYN stored with ts_ns 0");
			}
		}
	}
	if (n4 || n6)
		clear_maps(c);
	if (bad)
		c->bad[cl]++;
	return cl;
}

/* xorshift32: a fixed, portable sequence, so a failing mutant can be replayed. */
static uint32_t next_rand(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static int load(struct cmp *c, struct obj *o)
{
	static char log[65536];
	struct obj_map *m;
	int r;

	r = obj_open(o, huginn_bpf_obj, (size_t)(huginn_bpf_obj_end - huginn_bpf_obj));
	if (r) {
		printf("not ok - xdp_pcap_cmp: embedded object: %s at offset %zu\n",
		       o->err ? o->err : strerror(-r), o->err_off);
		return r;
	}
	(void)bpf_raise_memlock(); /* only matters before 5.11 */
	r = obj_create_maps(o);
	if (r) {
		printf("not ok - xdp_pcap_cmp: creating maps: %s\n", strerror(-r));
		return r;
	}
	r = obj_load(o, log, sizeof(log));
	if (r < 0) {
		size_t n = strlen(log);

		printf("not ok - xdp_pcap_cmp: program load: %s\n# verifier (tail):\n%s\n",
		       strerror(-r), n > 3000 ? log + n - 3000 : log);
		return r;
	}
	c->prog = r;
	m = obj_map_by_name(o, HUGINN_MAP_SYN_V4);
	c->v4 = m ? m->fd : -1;
	m = obj_map_by_name(o, HUGINN_MAP_SYN_V6);
	c->v6 = m ? m->fd : -1;
	m = obj_map_by_name(o, HUGINN_MAP_SYN_COUNTER);
	c->counter = m ? m->fd : -1;
	m = obj_map_by_name(o, HUGINN_MAP_INSERT_FAILURES);
	c->failures = m ? m->fd : -1;
	m = obj_map_by_name(o, HUGINN_MAP_STATS);
	c->stats = m ? m->fd : -1;
	if (c->v4 < 0 || c->v6 < 0 || c->counter < 0 || c->failures < 0 || c->stats < 0) {
		printf("not ok - xdp_pcap_cmp: the object lacks a map of bpf/xdp_syn.h\n");
		return -ENOENT;
	}
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: xdp_pcap_cmp [--prefixes] [--mutants N] [--flip-user-byte OFF] "
			"FILE.pcap\n");
}

int main(int argc, char **argv)
{
	static uint8_t mut[FRAME_MAX];
	struct cmp c;
	struct obj o;
	struct pcap pc;
	struct pcap_pkt pkt;
	unsigned long idx = 0, mutants = 0, total = 0, syns = 0, nbad = 0;
	int prefixes = 0, rc, ai, i;
	char *buf = NULL, what[96];
	size_t len;

	memset(&c, 0, sizeof(c));
	memset(&o, 0, sizeof(o));
	c.prog = -1;
	c.flip = -1;
	for (ai = 1; ai < argc && argv[ai][0] == '-'; ai++) {
		if (!strcmp(argv[ai], "--prefixes")) {
			prefixes = 1;
		} else if (!strcmp(argv[ai], "--mutants") && ai + 1 < argc) {
			mutants = strtoul(argv[++ai], NULL, 10);
		} else if (!strcmp(argv[ai], "--flip-user-byte") && ai + 1 < argc) {
			c.flip = atoi(argv[++ai]);
			if (c.flip < 8 || c.flip >= (int)sizeof(struct huginn_syn_rec)) {
				usage();
				return 2;
			}
		} else {
			usage();
			return 2;
		}
	}
	if (ai + 1 != argc || mutants > 1000) {
		usage();
		return 2;
	}
	c.label = strrchr(argv[ai], '/') ? strrchr(argv[ai], '/') + 1 : argv[ai];
	if (geteuid() != 0) {
		printf("ok # SKIP xdp_pcap_cmp: SKIPPED, BPF_PROG_TEST_RUN needs root\n");
		return 0;
	}
	rc = file_read_all(argv[ai], CAPTURE_MAX, &buf, &len);
	if (rc < 0) {
		printf("not ok - xdp_pcap_cmp: %s: %s\n", argv[ai], strerror(-rc));
		return 2;
	}
	rc = pcap_open(&pc, buf, len);
	if (rc == 0 && load(&c, &o) < 0)
		rc = -1;
	while (rc == 0 && (rc = pcap_next(&pc, &pkt)) == 1) {
		uint32_t seed = (uint32_t)idx * 2654435761u + 1, l;
		unsigned long m;

		rc = 0;
		idx++;
		snprintf(what, sizeof(what), "frame %lu", idx);
		if (check(&c, what, pkt.off, pkt.linktype, pkt.data, pkt.caplen) == C_SYN)
			syns++;
		for (l = 0; prefixes && l < pkt.caplen; l++) {
			snprintf(what, sizeof(what), "frame %lu cut to %u bytes", idx, l);
			check(&c, what, pkt.off, pkt.linktype, pkt.data, l);
		}
		for (m = 0; m < mutants && pkt.caplen && pkt.caplen <= FRAME_MAX; m++) {
			uint32_t span = pkt.caplen < MUTATE_SPAN ? pkt.caplen : MUTATE_SPAN;
			uint32_t pos = next_rand(&seed) % span;
			uint8_t v = (uint8_t)next_rand(&seed);

			memcpy(mut, pkt.data, pkt.caplen);
			if (mut[pos] == v)
				v ^= 0x80;
			mut[pos] = v;
			snprintf(what, sizeof(what), "frame %lu mutant %lu (byte %u = 0x%02x)", idx,
				 m, pos, v);
			check(&c, what, pkt.off, pkt.linktype, mut, pkt.caplen);
		}
	}
	if (rc < 0 && c.prog >= 0)
		printf("not ok - xdp_pcap_cmp: %s: offset %zu: %s\n", c.label, pc.err_off,
		       pc.err ? pc.err : strerror(-rc));
	else if (rc < 0 && c.prog < 0 && pc.err)
		printf("not ok - xdp_pcap_cmp: %s: offset %zu: %s\n", c.label, pc.err_off, pc.err);

	if (c.lines > DETAIL_MAX)
		printf("not ok - xdp_pcap_cmp: %s: %lu more mismatches not shown\n", c.label,
		       c.lines - DETAIL_MAX);
	for (i = 0; i < C_MAX; i++) {
		total += c.n[i];
		nbad += c.bad[i];
		if (!c.n[i] || c.bad[i])
			continue;
		if (i == C_SHORT) {
			printf("ok - xdp_pcap_cmp: %s: %lu frames under 14 bytes (no test run "
			       "possible): user space skips them\n",
			       c.label, c.n[i]);
			continue;
		}
		printf("ok - xdp_pcap_cmp: %s: %lu %s frames (%lu IPv4, %lu IPv6): XDP_PASS, frame "
		       "unchanged, %s\n",
		       c.label, c.n[i], cls_name[i], c.fam[i][0], c.fam[i][1],
		       i == C_SYN ? "record byte-identical to user space but ts_ns, counters +1"
				  : "nothing stored, counters as user space predicts");
	}
	printf(
	    "# xdp_pcap_cmp: %s: %lu packets (%lu SYNs), %lu frames checked (%lu SYN, %lu skipped, "
	    "%lu malformed, %lu short), %lu mismatching frames\n",
	    c.label, idx, syns, c.frames, c.n[C_SYN], c.n[C_SKIP], c.n[C_MAL], c.n[C_SHORT], nbad);
	if (c.prog >= 0)
		close(c.prog);
	obj_close(&o);
	free(buf);
	if (rc < 0)
		return 2;
	return c.lines || nbad || total == 0 ? 1 : 0;
}
