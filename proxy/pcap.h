/*
 * pcap.h - read packets from a pcap or pcapng capture held in memory.
 *
 * Classic pcap (either byte order, microsecond or nanosecond stamps) and
 * pcapng (SHB, IDB, EPB, SPB and the obsolete PB; either byte order; several
 * sections and interfaces, each with its own link type).  Other pcapng blocks
 * are skipped.  Every length is checked against the buffer: a hostile file
 * yields an error with the byte offset and a reason, never a read outside it.
 * No allocation; packets are slices of the caller's buffer.
 */
#ifndef HUGINN_PROXY_PCAP_H
#define HUGINN_PROXY_PCAP_H

#include <stddef.h>
#include <stdint.h>

/*
 * Link types we read (tcpdump's LINKTYPE_ values, www.tcpdump.org/linktypes.html; 12
 * and 14 are libpcap's DLT_RAW, whose number differs between systems, and Wireshark
 * reads both as raw IP too).
 */
#define PCAP_LINK_NULL 0 /* BSD loopback: 4-byte address family, writer's byte order */
#define PCAP_LINK_ETHERNET 1
#define PCAP_LINK_DLT_RAW12 12
#define PCAP_LINK_DLT_RAW14 14
#define PCAP_LINK_RAW 101
#define PCAP_LINK_LOOP 108 /* OpenBSD loopback: the family in network byte order */
#define PCAP_LINK_LINUX_SLL 113
#define PCAP_LINK_IPV4 228
#define PCAP_LINK_IPV6 229
#define PCAP_LINK_LINUX_SLL2 276

/* Interfaces remembered per pcapng section. */
#define PCAP_MAX_IF 64
/* Largest packet record accepted (pcapng's recommended snaplen ceiling). */
#define PCAP_MAX_PKT 262144u

struct pcap {
	const uint8_t *buf;
	size_t len;
	size_t off;	/* next record */
	uint8_t ng;	/* pcapng */
	uint8_t swap;	/* file byte order differs from ours */
	uint8_t nsec;	/* classic pcap with nanosecond stamps */
	uint8_t in_shb; /* pcapng: a section header has been seen */
	uint32_t linktype;
	unsigned n_if;
	struct {
		uint32_t linktype;
		uint64_t tick_ns_num; /* timestamp unit = num/den ns */
		uint64_t tick_ns_den;
	} ifs[PCAP_MAX_IF];
	size_t err_off;	 /* after an error: offset of the offending field */
	const char *err; /* after an error: what was wrong (static text) */
};

struct pcap_pkt {
	const uint8_t *data;
	uint32_t caplen;  /* bytes at data */
	uint32_t origlen; /* length on the wire */
	uint32_t linktype;
	uint64_t ts_ns; /* capture time, ns since the epoch (best effort) */
	size_t off;	/* offset of the record in the file */
};

/*
 * Start reading buf (len bytes; must stay valid while reading).  Returns 0,
 * or -EBADMSG (not a capture / truncated header; p->err, p->err_off say why).
 */
int pcap_open(struct pcap *p, const void *buf, size_t len);

/*
 * Next packet.  Returns 1 with *pkt filled, 0 at the clean end of the file,
 * or -EBADMSG (p->err, p->err_off say what and where; reading stops).
 */
int pcap_next(struct pcap *p, struct pcap_pkt *pkt);

/* How to feed a packet to bpf/xdp_syn.h (pcap_l3's result). */
enum pcap_frame {
	PCAP_FRAME_ETH = 1, /* huginn_parse_frame(data, end) */
	PCAP_FRAME_IP = 2,  /* huginn_parse_ip(data + *ip_off, end) */
};

/*
 * Classify a packet by its link type.  Returns PCAP_FRAME_*, 0 when the
 * packet is not IPv4/IPv6 (skip it), or -EPROTONOSUPPORT for a link type we
 * do not read.
 */
int pcap_frame(uint32_t linktype, const uint8_t *data, uint32_t len, uint32_t *ip_off);

/*
 * Where the IP header starts, for every link type above: Ethernet with up to
 * PCAP_VLAN_MAX 802.1Q / 802.1ad tags (as many as the XDP parser walks), Linux cooked
 * v1 and v2, raw IP, BSD loopback NULL and LOOP (address family 2 for IPv4; 10, 24, 28
 * or 30 for IPv6, the values of Linux, NetBSD/OpenBSD, FreeBSD and Darwin; read in
 * either byte order, since writers differ).  Returns 4 or 6 (the IP version, which the
 * header's first nibble confirms) with *ip_off set, 0 when the packet is not IP (skip
 * it), or -EPROTONOSUPPORT for a link type we do not read.
 */
#define PCAP_VLAN_MAX 2
int pcap_l3(uint32_t linktype, const uint8_t *data, uint32_t len, uint32_t *ip_off);

/* A TCP segment decoded by pcap_tcp (slices of the packet). */
struct pcap_tcp {
	uint8_t ip_ver;		  /* 4 or 6 */
	uint8_t src[16], dst[16]; /* IPv4 in the first 4 bytes, the rest zero */
	uint16_t sport, dport;	  /* host order */
	uint32_t seq, ack;
	uint8_t flags; /* byte 13 of the TCP header */
	const uint8_t *payload;
	uint32_t len; /* payload bytes */
};

/*
 * Decode a packet down to its TCP segment (any flags, not only SYNs).  The payload
 * length comes from the IP header (Ethernet padding is not data); an IPv4 total length
 * or IPv6 payload length of 0 (segmentation offload, jumbograms) means "the captured
 * bytes".  IPv6 extension headers are walked as in bpf/xdp_syn.h (hop-by-hop, routing,
 * destination options, AH; at most 6 and 512 bytes).  Returns 1 with *seg filled; 0 for
 * a packet that is not TCP, is an IP fragment, has inconsistent lengths, or was cut by
 * the snap length before the end of its payload (its bytes are missing: skipped whole);
 * -EPROTONOSUPPORT for a link type we do not read.
 */
int pcap_tcp(uint32_t linktype, const uint8_t *data, uint32_t len, struct pcap_tcp *seg);

#endif
