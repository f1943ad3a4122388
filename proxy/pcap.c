/*
 * pcap.c - bounded pcap / pcapng reader over a memory buffer.
 *
 * Formats: classic pcap (tcpdump's file format) and pcapng (IETF draft
 * "PCAP Next Generation"), as facts; the code is ours.  Nothing is trusted:
 * every block length is checked for alignment, minimum size, the trailing
 * copy and the end of the buffer before a byte of the body is read.
 */
#include <errno.h>
#include <string.h>

#include "proxy/pcap.h"

#define PCAP_MAGIC_US 0xa1b2c3d4u
#define PCAP_MAGIC_NS 0xa1b23c4du
#define NG_SHB 0x0a0d0d0au
#define NG_IDB 0x00000001u
#define NG_PB 0x00000002u
#define NG_SPB 0x00000003u
#define NG_EPB 0x00000006u
#define NG_BOM 0x1a2b3c4du
#define NG_OPT_END 0
#define NG_OPT_TSRESOL 9

static uint32_t bswap32(uint32_t v)
{
	return v >> 24 | (v >> 8 & 0xff00) | (v << 8 & 0xff0000) | v << 24;
}

/* Read a 32/16-bit field in the file's byte order (little or big endian). */
static uint32_t rd32(const struct pcap *p, size_t off)
{
	uint32_t v;

	memcpy(&v, p->buf + off, 4);
	return p->swap ? bswap32(v) : v;
}

static uint16_t rd16(const struct pcap *p, size_t off)
{
	uint16_t v;

	memcpy(&v, p->buf + off, 2);
	return p->swap ? (uint16_t)(v >> 8 | v << 8) : v;
}

static int fail(struct pcap *p, size_t off, const char *why)
{
	p->err_off = off;
	p->err = why;
	return -EBADMSG;
}

int pcap_open(struct pcap *p, const void *buf, size_t len)
{
	uint32_t magic;

	memset(p, 0, sizeof(*p));
	p->buf = buf;
	p->len = len;
	if (len < 4)
		return fail(p, 0, "file too short for a capture header");
	memcpy(&magic, p->buf, 4);
	if (magic == NG_SHB) {
		/* pcapng: the section header block is read by pcap_next. */
		p->ng = 1;
		return 0;
	}
	if (magic == PCAP_MAGIC_US || magic == PCAP_MAGIC_NS) {
		p->swap = 0;
	} else if (bswap32(magic) == PCAP_MAGIC_US || bswap32(magic) == PCAP_MAGIC_NS) {
		p->swap = 1;
		magic = bswap32(magic);
	} else {
		return fail(p, 0, "not a pcap or pcapng file (bad magic)");
	}
	p->nsec = magic == PCAP_MAGIC_NS;
	if (len < 24)
		return fail(p, len, "pcap file header truncated");
	if (rd16(p, 4) != 2)
		return fail(p, 4, "unsupported pcap major version");
	/* The upper bits of the link type field carry FCS information. */
	p->linktype = rd32(p, 20) & 0x0fffffff;
	p->off = 24;
	return 0;
}

static int next_classic(struct pcap *p, struct pcap_pkt *pkt)
{
	size_t off = p->off;
	uint32_t incl, sec, frac;

	if (off == p->len)
		return 0;
	if (p->len - off < 16)
		return fail(p, off, "packet record header truncated");
	sec = rd32(p, off);
	frac = rd32(p, off + 4);
	incl = rd32(p, off + 8);
	if (incl > PCAP_MAX_PKT)
		return fail(p, off + 8, "packet record length too large");
	if (p->len - off - 16 < incl)
		return fail(p, off + 8, "packet record runs past the end of the file");
	pkt->data = p->buf + off + 16;
	pkt->caplen = incl;
	pkt->origlen = rd32(p, off + 12);
	pkt->linktype = p->linktype;
	pkt->ts_ns = (uint64_t)sec * 1000000000u + (uint64_t)frac * (p->nsec ? 1u : 1000u);
	pkt->off = off;
	p->off = off + 16 + incl;
	return 1;
}

/* Parse a section header block at off (blen already validated). */
static int ng_shb(struct pcap *p, size_t off, uint32_t blen)
{
	if (blen < 28)
		return fail(p, off + 4, "section header block too short");
	if (rd16(p, off + 12) != 1)
		return fail(p, off + 12, "unsupported pcapng major version");
	p->n_if = 0;
	p->in_shb = 1;
	return 0;
}

/* Walk an IDB's options for if_tsresol. */
static int ng_idb(struct pcap *p, size_t off, uint32_t blen)
{
	size_t o = off + 16, end = off + blen - 4;
	unsigned i;

	if (blen < 20)
		return fail(p, off + 4, "interface description block too short");
	if (p->n_if >= PCAP_MAX_IF)
		return fail(p, off, "too many interfaces in one section");
	i = p->n_if;
	p->ifs[i].linktype = rd16(p, off + 8);
	/* Default resolution: microseconds. */
	p->ifs[i].tick_ns_num = 1000;
	p->ifs[i].tick_ns_den = 1;
	while (o + 4 <= end) {
		uint16_t code = rd16(p, o), olen = rd16(p, o + 2);
		size_t padded = ((size_t)olen + 3) & ~(size_t)3;

		if (code == NG_OPT_END)
			break;
		if (padded > end - o - 4)
			return fail(p, o + 2, "interface option runs past its block");
		if (code == NG_OPT_TSRESOL && olen >= 1) {
			uint8_t r = p->buf[o + 4];
			uint64_t num = 1000000000u, den = 1;
			unsigned k, exp = r & 0x7f;

			/* 10^-exp or 2^-exp seconds; beyond ns precision, keep it exact-ish. */
			if (exp > 30)
				return fail(p, o + 4,
					    "interface timestamp resolution out of range");
			for (k = 0; k < exp; k++) {
				if (r & 0x80)
					den *= 2;
				else if (num % 10 == 0)
					num /= 10;
				else
					den *= 10;
			}
			p->ifs[i].tick_ns_num = num;
			p->ifs[i].tick_ns_den = den;
		}
		o += 4 + padded;
	}
	p->n_if++;
	return 0;
}

static int ng_packet(struct pcap *p, size_t off, uint32_t type, uint32_t blen, struct pcap_pkt *pkt)
{
	uint32_t ifc, cap, orig, hi = 0, lo = 0;
	size_t data_off, room;

	if (type == NG_SPB) {
		if (blen < 16)
			return fail(p, off + 4, "simple packet block too short");
		ifc = 0;
		orig = rd32(p, off + 8);
		room = blen - 16;
		cap = orig < room ? orig : (uint32_t)room;
		data_off = off + 12;
	} else {
		if (blen < 32)
			return fail(p, off + 4, "packet block too short");
		ifc = type == NG_PB ? rd16(p, off + 8) : rd32(p, off + 8);
		hi = rd32(p, off + 12);
		lo = rd32(p, off + 16);
		cap = rd32(p, off + 20);
		orig = rd32(p, off + 24);
		data_off = off + 28;
		room = blen - 32;
		if (cap > room)
			return fail(p, off + 20, "captured length runs past its block");
	}
	if (cap > PCAP_MAX_PKT)
		return fail(p, off + 20, "packet length too large");
	if (ifc >= p->n_if)
		return fail(p, off + 8, "packet names an undeclared interface");
	pkt->data = p->buf + data_off;
	pkt->caplen = cap;
	pkt->origlen = orig;
	pkt->linktype = p->ifs[ifc].linktype;
	{
		uint64_t t = (uint64_t)hi << 32 | lo;
		uint64_t num = p->ifs[ifc].tick_ns_num, den = p->ifs[ifc].tick_ns_den;

		/* Split to stay inside 64 bits for any sane resolution. */
		pkt->ts_ns = t / den * num + t % den * num / den;
	}
	pkt->off = off;
	return 1;
}

static int next_ng(struct pcap *p, struct pcap_pkt *pkt)
{
	for (;;) {
		size_t off = p->off;
		uint32_t type, blen;
		int rc;

		if (off == p->len)
			return 0;
		if (p->len - off < 12)
			return fail(p, off, "block header truncated");
		memcpy(&type, p->buf + off, 4);
		if (type == NG_SHB) {
			uint32_t bom;

			/* Each section declares its own byte order. */
			if (p->len - off < 12)
				return fail(p, off, "section header truncated");
			memcpy(&bom, p->buf + off + 8, 4);
			if (bom == NG_BOM)
				p->swap = 0;
			else if (bswap32(bom) == NG_BOM)
				p->swap = 1;
			else
				return fail(p, off + 8, "bad byte-order magic in section header");
		} else {
			if (!p->in_shb)
				return fail(p, off, "block before any section header");
			type = p->swap ? bswap32(type) : type;
		}
		blen = rd32(p, off + 4);
		if (blen < 12 || blen % 4)
			return fail(p, off + 4, "bad block length");
		if (blen > p->len - off)
			return fail(p, off + 4, "block runs past the end of the file");
		if (rd32(p, off + blen - 4) != blen)
			return fail(p, off + blen - 4, "trailing block length differs");
		p->off = off + blen;
		switch (type) {
		case NG_SHB:
			rc = ng_shb(p, off, blen);
			break;
		case NG_IDB:
			rc = ng_idb(p, off, blen);
			break;
		case NG_EPB:
		case NG_SPB:
		case NG_PB:
			return ng_packet(p, off, type, blen, pkt);
		default:
			rc = 0; /* name resolution, statistics, custom...: not ours */
			break;
		}
		if (rc < 0)
			return rc;
	}
}

int pcap_next(struct pcap *p, struct pcap_pkt *pkt)
{
	memset(pkt, 0, sizeof(*pkt));
	if (p->err)
		return -EBADMSG;
	return p->ng ? next_ng(p, pkt) : next_classic(p, pkt);
}

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* An ethertype, or a BSD address family, as an IP version (0: not IP). */
static int ethertype_ver(uint16_t proto)
{
	return proto == 0x0800 ? 4 : proto == 0x86dd ? 6 : 0;
}

static int af_ver(uint32_t af)
{
	if (af == 2)
		return 4;
	/* AF_INET6: Linux 10, NetBSD/OpenBSD 24, FreeBSD 28, Darwin 30. */
	if (af == 10 || af == 24 || af == 28 || af == 30)
		return 6;
	return 0;
}

/*
 * The link header: *ip_off and the IP version it announces (4, 6), RAW_ANY for raw IP
 * link types (the IP header says), 0 for a packet that is not IP, -EPROTONOSUPPORT.
 */
#define RAW_ANY 1
static int link_hdr(uint32_t linktype, const uint8_t *data, uint32_t len, uint32_t *ip_off)
{
	uint32_t off = 0, af;
	unsigned i;
	int ver;

	*ip_off = 0;
	switch (linktype) {
	case PCAP_LINK_ETHERNET: {
		uint16_t proto;

		if (len < 14)
			return 0;
		proto = be16(data + 12);
		off = 14;
		for (i = 0; i < PCAP_VLAN_MAX && (proto == 0x8100 || proto == 0x88a8); i++) {
			if (len - off < 4)
				return 0;
			proto = be16(data + off + 2);
			off += 4;
		}
		ver = ethertype_ver(proto);
		break;
	}
	case PCAP_LINK_RAW:
	case PCAP_LINK_DLT_RAW12:
	case PCAP_LINK_DLT_RAW14:
	case PCAP_LINK_IPV4:
	case PCAP_LINK_IPV6:
		ver = linktype == PCAP_LINK_IPV4 ? 4 : linktype == PCAP_LINK_IPV6 ? 6 : RAW_ANY;
		break;
	case PCAP_LINK_LINUX_SLL:
		/* 16-byte cooked header, protocol (ethertype) in its last two bytes. */
		if (len < 16)
			return 0;
		ver = ethertype_ver(be16(data + 14));
		off = 16;
		break;
	case PCAP_LINK_LINUX_SLL2:
		/* 20-byte cooked header v2, protocol first. */
		if (len < 20)
			return 0;
		ver = ethertype_ver(be16(data));
		off = 20;
		break;
	case PCAP_LINK_NULL:
	case PCAP_LINK_LOOP:
		/* NULL is in the writer's byte order, LOOP in network order, but writers
		 * get LOOP wrong too: a family number is small, so the order that gives
		 * a small number is the right one. */
		if (len < 4)
			return 0;
		af = be32(data);
		if (af > 0xffff)
			af = (uint32_t)data[3] << 24 | (uint32_t)data[2] << 16 |
			     (uint32_t)data[1] << 8 | data[0];
		ver = af_ver(af);
		off = 4;
		break;
	default:
		return -EPROTONOSUPPORT;
	}
	*ip_off = off;
	return ver;
}

int pcap_frame(uint32_t linktype, const uint8_t *data, uint32_t len, uint32_t *ip_off)
{
	int v;

	/* Ethernet goes to the XDP program's own frame parser, VLAN tags and all; the
	 * others to its IP parser, which reads the version itself. */
	if (linktype == PCAP_LINK_ETHERNET) {
		*ip_off = 0;
		return PCAP_FRAME_ETH;
	}
	v = link_hdr(linktype, data, len, ip_off);
	return v > 0 ? PCAP_FRAME_IP : v;
}

int pcap_l3(uint32_t linktype, const uint8_t *data, uint32_t len, uint32_t *ip_off)
{
	int ver = link_hdr(linktype, data, len, ip_off);
	uint32_t off = *ip_off;

	if (ver <= 0)
		return ver;
	*ip_off = 0;
	if (len <= off || (ver != RAW_ANY && (data[off] >> 4) != ver))
		return 0;
	ver = data[off] >> 4;
	if (ver != 4 && ver != 6)
		return 0;
	*ip_off = off;
	return ver;
}

/* The IPv6 extension headers pcap_tcp walks (as bpf/xdp_syn.h does). */
#define V6_EXT_MAX 6
#define V6_EXT_BYTES_MAX 512

int pcap_tcp(uint32_t linktype, const uint8_t *data, uint32_t len, struct pcap_tcp *seg)
{
	uint32_t ip_off, l4_off, l4_len, doff, avail;
	const uint8_t *ip;
	int ver = pcap_l3(linktype, data, len, &ip_off);

	memset(seg, 0, sizeof(*seg));
	if (ver <= 0)
		return ver;
	ip = data + ip_off;
	avail = len - ip_off;
	if (ver == 4) {
		uint32_t ihl, tot;

		if (avail < 20 || ip[9] != 6)
			return 0;
		if (be16(ip + 6) & 0x3fff)
			return 0; /* MF or an offset: a fragment */
		ihl = (uint32_t)(ip[0] & 0x0f) * 4;
		tot = be16(ip + 2);
		if (!tot)
			tot = avail; /* TSO: the length field is left 0 */
		if (ihl < 20 || tot < ihl || tot > avail)
			return 0;
		memcpy(seg->src, ip + 12, 4);
		memcpy(seg->dst, ip + 16, 4);
		l4_off = ihl;
		l4_len = tot - ihl;
	} else {
		uint32_t plen, off = 40, i;
		uint8_t nh;

		if (avail < 40)
			return 0;
		plen = be16(ip + 4);
		if (!plen)
			plen = avail - 40; /* jumbogram or GSO */
		if (plen > avail - 40)
			return 0;
		nh = ip[6];
		for (i = 0; i < V6_EXT_MAX && nh != 6; i++) {
			if (nh != 0 && nh != 43 && nh != 60 && nh != 51)
				return 0; /* fragment, ESP, no next header, not TCP */
			const uint8_t *h = ip + off;

			if (off + 2 > 40 + plen)
				return 0;
			/* AH counts 4-byte units minus 2 (RFC 4302), the others 8-byte units. */
			off += nh == 51 ? ((uint32_t)h[1] + 2) * 4 : ((uint32_t)h[1] + 1) * 8;
			nh = h[0];
			if (off > 40 + V6_EXT_BYTES_MAX)
				return 0;
		}
		if (nh != 6)
			return 0;
		memcpy(seg->src, ip + 8, 16);
		memcpy(seg->dst, ip + 24, 16);
		if (off > 40 + plen)
			return 0;
		l4_off = off;
		l4_len = 40 + plen - off;
	}
	if (l4_len < 20)
		return 0;
	doff = (uint32_t)(ip[l4_off + 12] >> 4) * 4;
	if (doff < 20 || doff > l4_len)
		return 0;
	seg->ip_ver = (uint8_t)ver;
	seg->sport = be16(ip + l4_off);
	seg->dport = be16(ip + l4_off + 2);
	seg->seq = be32(ip + l4_off + 4);
	seg->ack = be32(ip + l4_off + 8);
	seg->flags = ip[l4_off + 13];
	seg->payload = ip + l4_off + doff;
	seg->len = l4_len - doff;
	return 1;
}
