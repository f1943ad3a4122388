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

/* Link types we can hand to the frame parser (tcpdump's LINKTYPE_ values). */
#define PCAP_LINK_ETHERNET 1
#define PCAP_LINK_RAW 101
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

#endif
