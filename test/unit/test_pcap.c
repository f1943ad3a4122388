/*
 * test_pcap.c - pcap / pcapng reading: both byte orders, us/ns stamps,
 * several interfaces and link types, every truncation point, corrupt fields.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "proxy/pcap.h"
#include "test/harness.h"

struct w {
	uint8_t b[4096];
	size_t n;
	int be;
	size_t marks[32]; /* offsets where a record ends */
	unsigned n_marks;
};

static void u8(struct w *w, uint8_t v)
{
	w->b[w->n++] = v;
}

static void u16(struct w *w, uint16_t v)
{
	if (w->be) {
		u8(w, (uint8_t)(v >> 8));
		u8(w, (uint8_t)v);
	} else {
		u8(w, (uint8_t)v);
		u8(w, (uint8_t)(v >> 8));
	}
}

static void u32(struct w *w, uint32_t v)
{
	if (w->be) {
		u16(w, (uint16_t)(v >> 16));
		u16(w, (uint16_t)v);
	} else {
		u16(w, (uint16_t)v);
		u16(w, (uint16_t)(v >> 16));
	}
}

static void bytes(struct w *w, const void *p, size_t n)
{
	memcpy(w->b + w->n, p, n);
	w->n += n;
}

static void mark(struct w *w)
{
	w->marks[w->n_marks++] = w->n;
}

static const uint8_t pkt_a[] = {0xaa, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14};
static const uint8_t pkt_b[] = {0xbb, 1, 2};

static void classic(struct w *w, int be, int ns)
{
	memset(w, 0, sizeof(*w));
	w->be = be;
	u32(w, ns ? 0xa1b23c4d : 0xa1b2c3d4);
	u16(w, 2);
	u16(w, 4);
	u32(w, 0);
	u32(w, 0);
	u32(w, 65535);
	u32(w, 1);
	mark(w);
	u32(w, 100);
	u32(w, 5);
	u32(w, sizeof(pkt_a));
	u32(w, 1500);
	bytes(w, pkt_a, sizeof(pkt_a));
	mark(w);
	u32(w, 101);
	u32(w, 0);
	u32(w, sizeof(pkt_b));
	u32(w, sizeof(pkt_b));
	bytes(w, pkt_b, sizeof(pkt_b));
	mark(w);
}

/* One pcapng block: type, body, lengths; the body is padded to 4. */
static void block(struct w *w, uint32_t type, const struct w *body)
{
	size_t pad = (4 - body->n % 4) % 4;
	uint32_t len = (uint32_t)(12 + body->n + pad);

	u32(w, type);
	u32(w, len);
	bytes(w, body->b, body->n);
	while (pad--)
		u8(w, 0);
	u32(w, len);
	mark(w);
}

static void ng_section(struct w *w)
{
	struct w b = {.be = w->be};

	/* SHB: the magic is written as bytes, the BOM in the section's order. */
	u32(&b, 0x1a2b3c4d);
	u16(&b, 1);
	u16(&b, 0);
	u32(&b, 0xffffffff);
	u32(&b, 0xffffffff);
	u8(w, 0x0a);
	u8(w, 0x0d);
	u8(w, 0x0d);
	u8(w, 0x0a);
	{
		uint32_t len = (uint32_t)(12 + b.n);

		u32(w, len);
		bytes(w, b.b, b.n);
		u32(w, len);
		mark(w);
	}
	/* IDB 0: Ethernet, if_tsresol = 9 (nanoseconds). */
	b.n = 0;
	u16(&b, 1);
	u16(&b, 0);
	u32(&b, 65535);
	u16(&b, 9);
	u16(&b, 1);
	u8(&b, 9);
	u8(&b, 0);
	u8(&b, 0);
	u8(&b, 0);
	u16(&b, 0);
	u16(&b, 0);
	block(w, 1, &b);
	/* IDB 1: Linux cooked, default microseconds. */
	b.n = 0;
	u16(&b, 113);
	u16(&b, 0);
	u32(&b, 65535);
	block(w, 1, &b);
	/* EPB on interface 0: ts = 2 s + 7 ns. */
	b.n = 0;
	u32(&b, 0);
	u32(&b, 0);
	u32(&b, 2000000007);
	u32(&b, sizeof(pkt_a));
	u32(&b, sizeof(pkt_a));
	bytes(&b, pkt_a, sizeof(pkt_a));
	block(w, 6, &b);
	/* An unknown block (name resolution): skipped. */
	b.n = 0;
	u32(&b, 0);
	block(w, 4, &b);
	/* EPB on interface 1: 3 us. */
	b.n = 0;
	u32(&b, 1);
	u32(&b, 0);
	u32(&b, 3);
	u32(&b, sizeof(pkt_b));
	u32(&b, 60);
	bytes(&b, pkt_b, sizeof(pkt_b));
	block(w, 6, &b);
	/* SPB: interface 0, captured length is min(original, body). */
	b.n = 0;
	u32(&b, sizeof(pkt_b));
	bytes(&b, pkt_b, sizeof(pkt_b));
	block(w, 3, &b);
	/* Obsolete PB on interface 1. */
	b.n = 0;
	u16(&b, 1);
	u16(&b, 0);
	u32(&b, 0);
	u32(&b, 0);
	u32(&b, sizeof(pkt_a));
	u32(&b, sizeof(pkt_a));
	bytes(&b, pkt_a, sizeof(pkt_a));
	block(w, 2, &b);
}

static void pcapng(struct w *w, int be)
{
	memset(w, 0, sizeof(*w));
	w->be = be;
	ng_section(w);
}

/* Read all of buf; returns packets read, or the negative error. */
static int read_all(const uint8_t *buf, size_t len, struct pcap_pkt *out, unsigned max,
		    struct pcap *pc)
{
	struct pcap_pkt pkt;
	int rc, n = 0;

	rc = pcap_open(pc, buf, len);
	if (rc < 0)
		return rc;
	while ((rc = pcap_next(pc, &pkt)) == 1) {
		if ((unsigned)n < max)
			out[n] = pkt;
		n++;
	}
	return rc < 0 ? rc : n;
}

static void check_classic(int be, int ns)
{
	struct w w;
	struct pcap pc;
	struct pcap_pkt p[4];
	int n;

	classic(&w, be, ns);
	n = read_all(w.b, w.n, p, 4, &pc);
	is_int(n, 2, "classic %s %s: 2 packets", be ? "BE" : "LE", ns ? "ns" : "us");
	if (n != 2)
		return;
	ok(p[0].caplen == sizeof(pkt_a) && p[0].data[0] == 0xaa && p[0].origlen == 1500 &&
	       p[0].linktype == 1,
	   "first packet fields");
	is_int((long long)p[0].ts_ns, 100000000000LL + (ns ? 5 : 5000), "first timestamp");
	ok(p[1].caplen == 3 && p[1].data[0] == 0xbb && p[1].off == w.marks[1], "second packet");
}

static void check_ng(int be)
{
	struct w w;
	struct pcap pc;
	struct pcap_pkt p[8];
	int n;

	pcapng(&w, be);
	n = read_all(w.b, w.n, p, 8, &pc);
	is_int(n, 4, "pcapng %s: 4 packets", be ? "BE" : "LE");
	if (n != 4)
		return;
	ok(p[0].linktype == 1 && p[0].caplen == sizeof(pkt_a) && p[0].ts_ns == 2000000007,
	   "EPB on if 0: Ethernet, ns resolution");
	ok(p[1].linktype == 113 && p[1].caplen == 3 && p[1].origlen == 60 && p[1].ts_ns == 3000,
	   "EPB on if 1: cooked, us resolution");
	ok(p[2].linktype == 1 && p[2].caplen == 3 && p[2].data[0] == 0xbb, "SPB");
	ok(p[3].linktype == 113 && p[3].caplen == sizeof(pkt_a), "obsolete PB");
}

/* Every prefix: a clean end exactly at record boundaries, an error elsewhere. */
static void truncations(const char *what, const struct w *w)
{
	size_t cut;
	unsigned bad = 0, i;

	for (cut = 0; cut < w->n; cut++) {
		uint8_t *g = t_guarded(w->b, cut);
		struct pcap pc;
		struct pcap_pkt p[8];
		int n = read_all(g, cut, p, 8, &pc), boundary = 0;

		for (i = 0; i < w->n_marks; i++)
			if (w->marks[i] == cut)
				boundary = 1;
		if (boundary ? n < 0 : (n != -EBADMSG || !pc.err || pc.err_off > cut)) {
			if (!bad)
				printf("#   %s cut at %zu: rc %d (%s)\n", what, cut, n,
				       pc.err ? pc.err : "");
			bad++;
		}
		t_guarded_free(g, cut);
	}
	is_int(bad, 0, "%s: all %zu truncations handled", what, w->n);
}

static void corrupt(void)
{
	struct w w;
	struct pcap pc;
	struct pcap_pkt p[8];
	int n;

	classic(&w, 0, 0);
	w.b[24 + 8] = 0xff;
	w.b[24 + 9] = 0xff;
	w.b[24 + 10] = 0xff;
	n = read_all(w.b, w.n, p, 8, &pc);
	ok(n == -EBADMSG && pc.err_off == 32 && strstr(pc.err, "too large"),
	   "classic: huge record length at offset 32 (%s)", pc.err);

	classic(&w, 0, 0);
	w.b[4] = 3;
	n = read_all(w.b, w.n, p, 8, &pc);
	ok(n == -EBADMSG && pc.err_off == 4, "classic: unknown major version");

	memset(&w, 0, sizeof(w));
	bytes(&w, "GIF89a..........................", 32);
	n = read_all(w.b, w.n, p, 8, &pc);
	ok(n == -EBADMSG && pc.err_off == 0 && strstr(pc.err, "magic"), "not a capture");

	pcapng(&w, 0);
	w.b[w.marks[0] + 4] = 0x21; /* IDB length 0x21: not a multiple of 4 */
	n = read_all(w.b, w.n, p, 8, &pc);
	ok(n == -EBADMSG && pc.err_off == w.marks[0] + 4 && strstr(pc.err, "block length"),
	   "pcapng: odd block length");

	pcapng(&w, 0);
	w.b[w.marks[1] - 4] ^= 4; /* IDB trailing length */
	n = read_all(w.b, w.n, p, 8, &pc);
	ok(n == -EBADMSG && pc.err_off == w.marks[1] - 4 && strstr(pc.err, "trailing"),
	   "pcapng: trailing length differs");

	pcapng(&w, 0);
	w.b[w.marks[2] + 20] = 200; /* EPB captured length past its block */
	n = read_all(w.b, w.n, p, 8, &pc);
	ok(n == -EBADMSG && pc.err_off == w.marks[2] + 20, "pcapng: caplen past block (%s)",
	   pc.err);

	pcapng(&w, 0);
	w.b[w.marks[2] + 8] = 7; /* EPB on interface 7 */
	n = read_all(w.b, w.n, p, 8, &pc);
	ok(n == -EBADMSG && strstr(pc.err, "undeclared interface"), "pcapng: unknown interface");

	pcapng(&w, 0);
	w.b[w.marks[0] + 18] = 40; /* IDB option length overruns the block */
	n = read_all(w.b, w.n, p, 8, &pc);
	ok(n == -EBADMSG && strstr(pc.err, "option"), "pcapng: option overrun (%s)", pc.err);

	pcapng(&w, 0);
	w.b[8] = 0x11; /* byte-order magic */
	n = read_all(w.b, w.n, p, 8, &pc);
	ok(n == -EBADMSG && pc.err_off == 8, "pcapng: bad byte-order magic");

	/* Two sections of different byte order in one file. */
	pcapng(&w, 0);
	w.be = 1;
	ng_section(&w);
	n = read_all(w.b, w.n, p, 8, &pc);
	is_int(n, 8, "pcapng: LE section then BE section");
}

static void frames(void)
{
	uint8_t sll[16] = {0}, sll2[20] = {0};
	uint32_t off;

	is_int(pcap_frame(1, sll, 16, &off), PCAP_FRAME_ETH, "Ethernet");
	is_int(pcap_frame(101, sll, 16, &off), PCAP_FRAME_IP, "raw IP");
	sll[14] = 0x08;
	ok(pcap_frame(113, sll, 16, &off) == PCAP_FRAME_IP && off == 16, "SLL IPv4");
	sll[14] = 0x08;
	sll[15] = 0x06;
	is_int(pcap_frame(113, sll, 16, &off), 0, "SLL ARP skipped");
	is_int(pcap_frame(113, sll, 15, &off), 0, "short SLL skipped");
	sll2[0] = 0x86;
	sll2[1] = 0xdd;
	ok(pcap_frame(276, sll2, 20, &off) == PCAP_FRAME_IP && off == 20, "SLL2 IPv6");
	is_int(pcap_frame(105, sll2, 20, &off), -EPROTONOSUPPORT, "802.11 not supported");
}

/* One IPv4 TCP segment (20-byte IP, 20-byte TCP, 3 payload bytes) after `hdr`. */
static uint32_t seg4(uint8_t *b, const uint8_t *hdr, uint32_t hlen)
{
	static const uint8_t ip[] = {0x45, 0, 0,  43, 0, 1, 0x40, 0, 64, 6,
				     0,	   0, 10, 0,  0, 2, 10,	  0, 0,	 1};
	static const uint8_t tcp[] = {0x30, 0x39, 0x01, 0xbb, 0, 0, 0, 7, 0,   0,   0,	0,
				      0x50, 0x18, 0xff, 0xff, 0, 0, 0, 0, 'a', 'b', 'c'};

	memcpy(b, hdr, hlen);
	memcpy(b + hlen, ip, sizeof(ip));
	memcpy(b + hlen + sizeof(ip), tcp, sizeof(tcp));
	return hlen + (uint32_t)(sizeof(ip) + sizeof(tcp));
}

/* pcap_l3 / pcap_tcp over every link type; the packets are written by hand from the
 * link-type registry's header layouts (tcpdump.org/linktypes.html). */
static void links(void)
{
	static const struct {
		uint32_t lt;
		uint8_t hdr[24];
		uint32_t hlen;
		const char *what;
	} c[] = {
	    {1, {[12] = 0x08, [13] = 0x00}, 14, "Ethernet"},
	    {1, {[12] = 0x81, [13] = 0x00, [16] = 0x08, [17] = 0x00}, 18, "Ethernet, 802.1Q"},
	    {1,
	     {[12] = 0x88, [13] = 0xa8, [16] = 0x81, [17] = 0x00, [20] = 0x08, [21] = 0x00},
	     22,
	     "Ethernet, QinQ"},
	    {113, {[14] = 0x08, [15] = 0x00}, 16, "Linux cooked v1"},
	    {276, {[0] = 0x08, [1] = 0x00}, 20, "Linux cooked v2"},
	    {101, {0}, 0, "LINKTYPE_RAW"},
	    {12, {0}, 0, "DLT_RAW 12"},
	    {14, {0}, 0, "DLT_RAW 14"},
	    {228, {0}, 0, "LINKTYPE_IPV4"},
	    {0, {2, 0, 0, 0}, 4, "NULL, little-endian AF"},
	    {0, {0, 0, 0, 2}, 4, "NULL, big-endian AF"},
	    {108, {0, 0, 0, 2}, 4, "LOOP"},
	    {108, {2, 0, 0, 0}, 4, "LOOP written little-endian"},
	};
	uint8_t b[128];
	unsigned i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct pcap_tcp t;
		uint32_t n = seg4(b, c[i].hdr, c[i].hlen), off;

		ok(pcap_l3(c[i].lt, b, n, &off) == 4 && off == c[i].hlen, "pcap_l3: %s", c[i].what);
		ok(pcap_tcp(c[i].lt, b, n, &t) == 1 && t.sport == 12345 && t.dport == 443 &&
		       t.seq == 7 && t.flags == 0x18 && t.len == 3 &&
		       !memcmp(t.payload, "abc", 3) && t.src[0] == 10 && t.src[3] == 2,
		   "pcap_tcp: %s", c[i].what);
		/* Ethernet padding after the IP packet is not payload. */
		memset(b + n, 0, 6);
		ok(pcap_tcp(c[i].lt, b, n + 6, &t) == 1 && t.len == 3, "padding ignored: %s",
		   c[i].what);
		/* Cut by the snap length inside the payload: skipped. */
		is_int(pcap_tcp(c[i].lt, b, n - 1, &t), 0, "snapped payload skipped: %s",
		       c[i].what);
	}
	{
		static const uint8_t null6[4] = {28, 0, 0, 0}, nulbad[4] = {7, 0, 0, 0};
		struct pcap_tcp t2;
		uint32_t off;

		seg4(b, null6, 4);
		is_int(pcap_l3(0, b, 47, &off), 0, "NULL AF_INET6 over an IPv4 header skipped");
		seg4(b, nulbad, 4);
		is_int(pcap_l3(0, b, 47, &off), 0, "NULL with another family skipped");
		is_int(pcap_l3(105, b, 47, &off), -EPROTONOSUPPORT, "802.11 not supported");
		seg4(b, nulbad, 0);
		b[6] = 0x20; /* more fragments */
		is_int(pcap_tcp(101, b, 43, &t2), 0, "IPv4 fragment skipped");
	}
}

int main(void)
{
	struct w w;

	check_classic(0, 0);
	check_classic(1, 1);
	check_classic(1, 0);
	check_ng(0);
	check_ng(1);
	classic(&w, 0, 0);
	truncations("classic LE", &w);
	classic(&w, 1, 1);
	truncations("classic BE ns", &w);
	pcapng(&w, 0);
	truncations("pcapng LE", &w);
	pcapng(&w, 1);
	truncations("pcapng BE", &w);
	corrupt();
	frames();
	links();
	return done_testing();
}
