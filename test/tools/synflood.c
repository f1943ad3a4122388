/*
 * synflood.c - a bounded flood of spoofed TCP SYNs (IPv4 or IPv6) with one fixed shape,
 * for the SYN-flood test (test/e2e/t_syn_flood.sh).
 *
 *   synflood IFACE DSTMAC SRCBASE DST DPORT COUNT [PPS]
 *
 * Sends COUNT SYNs (at most 10 000 000) out of IFACE through a packet socket (the kernel
 * adds the Ethernet header: destination DSTMAC aa:bb:cc:dd:ee:ff, source IFACE's own
 * address), so no route, neighbour or source check stands in the way of the spoofed
 * sources.  SRCBASE and DST are both IPv4 or both IPv6.  SYN i comes from address
 * SRCBASE + (i mod 65536), added to the last 16 bits (a base ending in 16 zero bits
 * spans exactly its /16 or /112), and port 1024 + (i div 65536) (up to 1024 + 152):
 * every (address, port) key is distinct.  PPS (0: as fast as possible) paces the flood
 * in batches of 64.
 *
 * The shape, so a flood record attached to a real connection shows in its x-tcp-p0f:
 * TTL (hop limit) 200, DF clear, IP id from the index, window 512, one option (MSS 1360),
 * no payload.  p0f 3.09b renders it 4:200+?:0:1360:512,0:mss::0 (p0f -r on the same SYN
 * written by syngen: ttl=200 df=0 win=512 opt=02040550), 6:200+?:... for IPv6.
 * Prints "sent N" and exits 0 when every SYN went out; 1 on a send error; 2 on bad
 * arguments.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define FLOOD_MAX 10000000UL
#define BATCH 64
#define TCP_LEN 24 /* TCP 20 + MSS option 4 */
#define SYN_MAX (40 + TCP_LEN)

/* One's-complement sum of n bytes (RFC 1071), added to s. */
static uint32_t sum16(const uint8_t *p, size_t n, uint32_t s)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)(p[n - 1] << 8);
	return s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* The TCP header of SYN i at tcp (TCP_LEN bytes), checksum over the pseudo-header sum. */
static void build_tcp(uint8_t *tcp, unsigned dport, unsigned long i, uint32_t pseudo)
{
	uint32_t seq = (uint32_t)(i * 2654435761UL);

	put16(tcp, (unsigned)(1024 + i / 65536));
	put16(tcp + 2, dport);
	tcp[4] = (uint8_t)(seq >> 24);
	tcp[5] = (uint8_t)(seq >> 16);
	tcp[6] = (uint8_t)(seq >> 8);
	tcp[7] = (uint8_t)seq;
	tcp[12] = 6 << 4; /* data offset: 24 bytes */
	tcp[13] = 0x02;	  /* SYN */
	put16(tcp + 14, 512);
	tcp[20] = 2; /* MSS 1360 */
	tcp[21] = 4;
	put16(tcp + 22, 1360);
	put16(tcp + 16, fold(sum16(tcp, TCP_LEN, pseudo)));
}

/*
 * SYN number i into pkt (IPv4: 20 + TCP_LEN bytes, IPv6: 40 + TCP_LEN), from src + i mod
 * 65536 to dst (network order, 4 or 16 bytes).  Returns the length.
 */
static size_t build(uint8_t *pkt, int v6, const uint8_t *src, const uint8_t *dst, unsigned dport,
		    unsigned long i)
{
	size_t alen = v6 ? 16 : 4, hlen = v6 ? 40 : 20;
	uint8_t *ip = pkt, *s = pkt + (v6 ? 8 : 12);
	unsigned low = (unsigned)(src[alen - 2] << 8 | src[alen - 1]) + (unsigned)(i % 65536);
	uint32_t pseudo;
	uint8_t ph[4];

	memset(pkt, 0, hlen + TCP_LEN);
	if (v6) {
		ip[0] = 0x60;
		put16(ip + 4, TCP_LEN);
		ip[6] = IPPROTO_TCP;
		ip[7] = 200; /* hop limit */
	} else {
		ip[0] = 0x45;
		put16(ip + 2, (unsigned)(hlen + TCP_LEN));
		put16(ip + 4, (unsigned)(i & 0xffff));
		ip[8] = 200; /* TTL */
		ip[9] = IPPROTO_TCP;
	}
	memcpy(s, src, alen);
	/* The index goes into the last 16 bits; a carry goes one byte further up. */
	if (low > 0xffff)
		s[alen - 3]++;
	put16(s + alen - 2, low & 0xffff);
	memcpy(s + alen, dst, alen);
	if (!v6)
		put16(ip + 10, fold(sum16(ip, 20, 0)));
	/* Pseudo-header: the addresses, then protocol and TCP length (RFC 793 section 3.1,
	 * RFC 8200 section 8.1; the order of the 16-bit words does not change the sum). */
	pseudo = sum16(s, 2 * alen, 0);
	ph[0] = 0;
	ph[1] = IPPROTO_TCP;
	put16(ph + 2, TCP_LEN);
	pseudo = sum16(ph, 4, pseudo);
	build_tcp(pkt + hlen, dport, i, pseudo);
	return hlen + TCP_LEN;
}

static int parse_mac(const char *s, uint8_t *mac)
{
	unsigned b[6], i;
	char extra;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
		   &extra) != 6)
		return -1;
	for (i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	return 0;
}

static int parse_ulong(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 10);
	return (errno || !*s || *end || *out > max) ? -1 : 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	static uint8_t pkts[BATCH][SYN_MAX];
	struct sockaddr_ll ll;
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	unsigned long count, pps = 0, dport, sent = 0;
	uint8_t src[16], dst[16];
	double start;
	int fd, v6;

	if (argc < 7 || argc > 8) {
		fprintf(stderr, "usage: synflood IFACE DSTMAC SRCBASE DST DPORT COUNT [PPS]\n");
		return 2;
	}
	memset(&ll, 0, sizeof(ll));
	ll.sll_family = AF_PACKET;
	v6 = strchr(argv[3], ':') != NULL;
	ll.sll_protocol = htons(v6 ? ETH_P_IPV6 : ETH_P_IP);
	ll.sll_ifindex = (int)if_nametoindex(argv[1]);
	ll.sll_halen = 6;
	if (!ll.sll_ifindex || parse_mac(argv[2], ll.sll_addr) ||
	    inet_pton(v6 ? AF_INET6 : AF_INET, argv[3], src) != 1 ||
	    inet_pton(v6 ? AF_INET6 : AF_INET, argv[4], dst) != 1 ||
	    parse_ulong(argv[5], 65535, &dport) || parse_ulong(argv[6], FLOOD_MAX, &count) ||
	    (argc == 8 && parse_ulong(argv[7], 100000000UL, &pps))) {
		fprintf(stderr, "synflood: bad argument (interface, MAC, two IPv4 or two IPv6 "
				"addresses, port, count up to 10000000, rate)\n");
		return 2;
	}
	/* SOCK_DGRAM: the kernel writes the Ethernet header from sll_addr. */
	fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, ll.sll_protocol);
	if (fd < 0) {
		perror("synflood: socket(AF_PACKET)");
		return 1;
	}
	memset(msgs, 0, sizeof(msgs));
	start = now_s();
	while (sent < count) {
		unsigned n = count - sent < BATCH ? (unsigned)(count - sent) : BATCH, k;
		int r;

		for (k = 0; k < n; k++) {
			iov[k].iov_len = build(pkts[k], v6, src, dst, (unsigned)dport, sent + k);
			iov[k].iov_base = pkts[k];
			msgs[k].msg_hdr.msg_iov = &iov[k];
			msgs[k].msg_hdr.msg_iovlen = 1;
			msgs[k].msg_hdr.msg_name = &ll;
			msgs[k].msg_hdr.msg_namelen = sizeof(ll);
		}
		r = sendmmsg(fd, msgs, n, 0);
		if (r < 0) {
			/* A full device queue: let it drain and send the same SYNs again. */
			if (errno == ENOBUFS || errno == EAGAIN || errno == EINTR) {
				usleep(1000);
				continue;
			}
			perror("synflood: sendmmsg");
			close(fd);
			printf("sent %lu\n", sent);
			return 1;
		}
		sent += (unsigned long)r;
		if (pps) {
			double due = start + (double)sent / (double)pps, t = now_s();

			if (due > t)
				usleep((useconds_t)((due - t) * 1e6));
		}
	}
	close(fd);
	printf("sent %lu in %.2f s\n", sent, now_s() - start);
	return 0;
}
