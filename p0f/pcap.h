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
#ifndef HUGINN_P0F_PCAP_H
#define HUGINN_P0F_PCAP_H

#include <stddef.h>
#include <stdint.h>

/* Link types we can hand to the frame parser (tcpdump's LINKTYPE_ values). */
#define P0F_PCAP_LINK_ETHERNET 1
#define P0F_PCAP_LINK_RAW 101
#define P0F_PCAP_LINK_LINUX_SLL 113
#define P0F_PCAP_LINK_IPV4 228
#define P0F_PCAP_LINK_IPV6 229
#define P0F_PCAP_LINK_LINUX_SLL2 276

/* Interfaces remembered per pcapng section. */
#define P0F_PCAP_MAX_IF 64
/* Largest packet record accepted (pcapng's recommended snaplen ceiling). */
#define P0F_PCAP_MAX_PKT 262144u

struct p0f_pcap {
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
	} ifs[P0F_PCAP_MAX_IF];
	size_t err_off;	 /* after an error: offset of the offending field */
	const char *err; /* after an error: what was wrong (static text) */
};

struct p0f_pcap_pkt {
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
int p0f_pcap_open(struct p0f_pcap *p, const void *buf, size_t len);

/*
 * Next packet.  Returns 1 with *pkt filled, 0 at the clean end of the file,
 * or -EBADMSG (p->err, p->err_off say what and where; reading stops).
 */
int p0f_pcap_next(struct p0f_pcap *p, struct p0f_pcap_pkt *pkt);

/* How to feed a packet to bpf/xdp_syn.h (p0f_pcap_l3's result). */
enum p0f_pcap_frame {
	P0F_PCAP_FRAME_ETH = 1, /* huginn_parse_frame(data, end) */
	P0F_PCAP_FRAME_IP = 2,	/* huginn_parse_ip(data + *ip_off, end) */
};

/*
 * Classify a packet by its link type.  Returns P0F_PCAP_FRAME_*, 0 when the
 * packet is not IPv4/IPv6 (skip it), or -EPROTONOSUPPORT for a link type we
 * do not read.
 */
int p0f_pcap_frame(uint32_t linktype, const uint8_t *data, uint32_t len, uint32_t *ip_off);

#endif
