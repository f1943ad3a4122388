/*
 * synloop.c - send TCP SYNs by connecting over and over, and count them.
 *
 *   synloop [-n COUNT] [-s STOPFILE] [-b SRCPORT] [-w MS] ADDR PORT
 *
 * Each connect() sends exactly one SYN when the peer answers at once (a
 * listener: SYN-ACK; a closed port: RST), which is what the tests count on.
 * Stops after COUNT attempts, or when STOPFILE exists (checked before each
 * attempt), or after 100000 attempts.  -b binds the source port (one attempt
 * makes sense then).  -w waits MS milliseconds between attempts.
 * Prints "sent N connected C refused R other O" and exits 0 if other == 0.
 * A connect that times out (no answer within 2 s) counts as "other": its SYN
 * may have been retransmitted, so the count would be off.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_ATTEMPTS 100000

static int parse_addr(const char *s, int port, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, s, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((unsigned short)port);
		*len = sizeof(*a4);
		return 0;
	}
	if (inet_pton(AF_INET6, s, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((unsigned short)port);
		*len = sizeof(*a6);
		return 0;
	}
	return -1;
}

/* 0 connected, 1 refused, -1 anything else. */
static int attempt(const struct sockaddr_storage *dst, socklen_t len, int srcport)
{
	struct pollfd p;
	int fd, err = 0, one = 1, r;
	socklen_t elen = sizeof(err);

	fd = socket(dst->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (srcport) {
		struct sockaddr_storage src;

		memset(&src, 0, sizeof(src));
		src.ss_family = dst->ss_family;
		if (dst->ss_family == AF_INET)
			((struct sockaddr_in *)&src)->sin_port = htons((unsigned short)srcport);
		else
			((struct sockaddr_in6 *)&src)->sin6_port = htons((unsigned short)srcport);
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, (struct sockaddr *)&src, len)) {
			close(fd);
			return -1;
		}
	}
	r = connect(fd, (const struct sockaddr *)dst, len);
	if (r && errno == EINPROGRESS) {
		p.fd = fd;
		p.events = POLLOUT;
		r = poll(&p, 1, 2000);
		if (r == 1 && !getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen))
			r = err ? -1 : 0;
		else
			r = -1, err = ETIMEDOUT;
	} else if (r) {
		err = errno;
	}
	close(fd);
	if (r == 0)
		return 0;
	return err == ECONNREFUSED ? 1 : -1;
}

int main(int argc, char **argv)
{
	struct sockaddr_storage dst;
	socklen_t len;
	long count = MAX_ATTEMPTS, sent = 0, conn = 0, refused = 0, other = 0, wait_ms = 0;
	const char *stop = NULL;
	int c, srcport = 0;

	while ((c = getopt(argc, argv, "n:s:b:w:")) != -1) {
		switch (c) {
		case 'n':
			count = atol(optarg);
			break;
		case 's':
			stop = optarg;
			break;
		case 'b':
			srcport = atoi(optarg);
			break;
		case 'w':
			wait_ms = atol(optarg);
			break;
		default:
			return 2;
		}
	}
	if (argc - optind != 2 || parse_addr(argv[optind], atoi(argv[optind + 1]), &dst, &len)) {
		fprintf(stderr, "usage: synloop [-n COUNT] [-s STOPFILE] [-b SRCPORT] [-w MS] "
				"ADDR PORT\n");
		return 2;
	}
	if (count > MAX_ATTEMPTS)
		count = MAX_ATTEMPTS;
	while (sent < count) {
		if (stop && access(stop, F_OK) == 0)
			break;
		switch (attempt(&dst, len, srcport)) {
		case 0:
			conn++;
			break;
		case 1:
			refused++;
			break;
		default:
			other++;
		}
		sent++;
		if (wait_ms) {
			struct timespec ts = {wait_ms / 1000, (wait_ms % 1000) * 1000000};

			nanosleep(&ts, NULL);
		}
	}
	printf("sent %ld connected %ld refused %ld other %ld\n", sent, conn, refused, other);
	return other ? 1 : 0;
}
