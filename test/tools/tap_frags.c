/*
 * tap_frags.c - hand frames to the kernel as skbs whose linear area ends early.
 *
 *   tap_frags IFNAME GO_FILE HEADLEN:HEXFRAME...
 *
 * Creates the tap IFNAME with IFF_NAPI | IFF_NAPI_FRAGS (the kernel builds each
 * received skb from the written iovecs: the first one linear, the others page
 * fragments), sets it up, prints "ready" and waits (at most 30 s) until
 * GO_FILE exists.  Then writes each frame (hex) as two iovecs, its first
 * HEADLEN bytes (decimal, before the colon) and the rest, prints "sent LEN"
 * per frame, waits 300 ms and
 * exits 0 (the tap goes with it).  With GRO off on the tap (ethtool -K IFNAME
 * gro off) nothing pulls the headers into the linear area before tc ingress,
 * so a tc program sees data_end HEADLEN bytes after data.  Needs CAP_NET_ADMIN.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define FRAME_MAX 2048

static void nap_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Bytes of a hex string into out[FRAME_MAX]; the length, or -1. */
static int unhex(const char *s, unsigned char *out)
{
	size_t n = strlen(s), i;

	if (n % 2 || n / 2 > FRAME_MAX)
		return -1;
	for (i = 0; i < n / 2; i++) {
		int h = hexval(s[2 * i]), l = hexval(s[2 * i + 1]);

		if (h < 0 || l < 0)
			return -1;
		out[i] = (unsigned char)(h << 4 | l);
	}
	return (int)(n / 2);
}

int main(int argc, char **argv)
{
	static unsigned char frame[FRAME_MAX];
	struct ifreq ifr;
	struct iovec iov[2];
	const char *hex;
	int fd, s, i, len, head;

	if (argc < 4) {
		fprintf(stderr, "usage: tap_frags IFNAME GO_FILE HEADLEN:HEXFRAME...\n");
		return 2;
	}
	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		perror("tap_frags: /dev/net/tun");
		return 1;
	}
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", argv[1]);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_NAPI | IFF_NAPI_FRAGS;
	if (ioctl(fd, TUNSETIFF, &ifr)) {
		perror("tap_frags: TUNSETIFF");
		return 1;
	}
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr)) {
		perror("tap_frags: SIOCGIFFLAGS");
		return 1;
	}
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr)) {
		perror("tap_frags: SIOCSIFFLAGS");
		return 1;
	}
	close(s);
	printf("ready\n");
	fflush(stdout);
	for (i = 0; i < 300 && access(argv[2], F_OK); i++)
		nap_ms(100);
	if (i == 300) {
		fprintf(stderr, "tap_frags: %s did not appear\n", argv[2]);
		return 1;
	}
	for (i = 3; i < argc; i++) {
		head = atoi(argv[i]);
		hex = strchr(argv[i], ':');
		len = hex ? unhex(hex + 1, frame) : -1;
		if (len <= head || head <= 0) {
			fprintf(stderr, "tap_frags: frame %d: bad hex or not longer than %d\n",
				i - 2, head);
			return 1;
		}
		iov[0].iov_base = frame;
		iov[0].iov_len = (size_t)head;
		iov[1].iov_base = frame + head;
		iov[1].iov_len = (size_t)(len - head);
		if (writev(fd, iov, 2) != len) {
			fprintf(stderr, "tap_frags: writev: %s\n", strerror(errno));
			return 1;
		}
		printf("sent %d\n", len);
		fflush(stdout);
	}
	nap_ms(300);
	close(fd);
	return 0;
}
