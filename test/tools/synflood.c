/*
 * synflood.c - a bounded flood of spoofed IPv4 TCP SYNs with one fixed shape, for the
 * SYN-flood test (test/e2e/t_syn_flood.sh).
 *
 *   synflood IFACE DSTMAC SRCBASE DST DPORT COUNT [PPS]
 *
 * Sends COUNT SYNs (at most 10 000 000) out of IFACE through a packet socket (the kernel
 * adds the Ethernet header: destination DSTMAC aa:bb:cc:dd:ee:ff, source IFACE's own
 * address), so no route, neighbour or source check stands in the way of the spoofed
 * sources.  SYN i comes from address SRCBASE + (i mod 65536) and port 1024 + (i div 65536)
 * (ports up to 1024 + 152): every (address, port) key is distinct.  PPS (0: as fast as
 * possible) paces the flood in batches of 64.
 *
 * The shape, so a flood record attached to a real connection shows in its x-tcp-p0f:
 * TTL 200, DF clear, IP id from the index, window 512, one option (MSS 1360), no
 * payload.  p0f 3.09b renders it 4:200+?:0:1360:512,0:mss::0 (p0f -r on the same SYN
 * written by syngen: ttl=200 df=0 win=512 opt=02040550).
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
#define SYN_LEN 44 /* IPv4 20 + TCP 20 + MSS option 4 */

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

/* SYN number i into pkt (SYN_LEN bytes). src and dst in network order. */
static void build(uint8_t *pkt, uint32_t src, uint32_t dst, unsigned dport, unsigned long i)
{
	uint8_t *ip = pkt, *tcp = pkt + 20, pseudo[12];
	uint32_t s = ntohl(src) + (uint32_t)(i % 65536);
	uint32_t seq = (uint32_t)(i * 2654435761UL);
	uint32_t sum;

	memset(pkt, 0, SYN_LEN);
	ip[0] = 0x45;
	put16(ip + 2, SYN_LEN);
	put16(ip + 4, (unsigned)(i & 0xffff));
	ip[8] = 200; /* TTL */
	ip[9] = IPPROTO_TCP;
	s = htonl(s);
	memcpy(ip + 12, &s, 4);
	memcpy(ip + 16, &dst, 4);
	put16(ip + 10, fold(sum16(ip, 20, 0)));

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

	/* Pseudo-header (RFC 793 section 3.1): source, destination, zero, protocol, length. */
	memcpy(pseudo, ip + 12, 8);
	pseudo[8] = 0;
	pseudo[9] = IPPROTO_TCP;
	put16(pseudo + 10, SYN_LEN - 20);
	sum = sum16(pseudo, sizeof(pseudo), 0);
	put16(tcp + 16, fold(sum16(tcp, SYN_LEN - 20, sum)));
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
	static uint8_t pkts[BATCH][SYN_LEN];
	struct sockaddr_ll ll;
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	unsigned long count, pps = 0, dport, sent = 0;
	uint32_t src, dst;
	double start;
	int fd;

	if (argc < 7 || argc > 8) {
		fprintf(stderr, "usage: synflood IFACE DSTMAC SRCBASE DST DPORT COUNT [PPS]\n");
		return 2;
	}
	memset(&ll, 0, sizeof(ll));
	ll.sll_family = AF_PACKET;
	ll.sll_protocol = htons(ETH_P_IP);
	ll.sll_ifindex = (int)if_nametoindex(argv[1]);
	ll.sll_halen = 6;
	if (!ll.sll_ifindex || parse_mac(argv[2], ll.sll_addr) ||
	    inet_pton(AF_INET, argv[3], &src) != 1 || inet_pton(AF_INET, argv[4], &dst) != 1 ||
	    parse_ulong(argv[5], 65535, &dport) || parse_ulong(argv[6], FLOOD_MAX, &count) ||
	    (argc == 8 && parse_ulong(argv[7], 100000000UL, &pps))) {
		fprintf(stderr, "synflood: bad argument (interface, MAC, addresses, port, count "
				"up to 10000000, rate)\n");
		return 2;
	}
	/* SOCK_DGRAM: the kernel writes the Ethernet header from sll_addr. */
	fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons(ETH_P_IP));
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
			build(pkts[k], src, dst, (unsigned)dport, sent + k);
			iov[k].iov_base = pkts[k];
			iov[k].iov_len = SYN_LEN;
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
