/*
 * test_proxy_relay.c - one direction of a passthrough relay (proxy/relay.h) between real
 * TCP sockets on loopback: bytes arrive whole and in order on both paths (copies for the
 * first PROXY_RELAY_COPY_FIRST bytes, then splice; copy_only: copies all the way), a
 * destination that stops taking bytes keeps the rest until it drains, the end of stream is
 * passed on by shutdown unless the direction is the last one (the tunnel's close does it
 * then), and an idle direction holds no pipe and no buffer.  Expected values are the
 * bytes this test wrote and what recv() reads on the far side.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "proxy/relay.h"
#include "test/harness.h"

/* A connected pair of loopback TCP sockets, both non-blocking: 0 or -1. */
static int tcp_pair(int fds[2])
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof(a);
	int l = socket(AF_INET, SOCK_STREAM, 0);

	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, 1) ||
	    getsockname(l, (struct sockaddr *)&a, &al))
		return -1;
	fds[0] = socket(AF_INET, SOCK_STREAM, 0);
	if (fds[0] < 0 || connect(fds[0], (struct sockaddr *)&a, sizeof(a)))
		return -1;
	fds[1] = accept(l, NULL, NULL);
	close(l);
	if (fds[1] < 0)
		return -1;
	fcntl(fds[0], F_SETFL, O_NONBLOCK);
	fcntl(fds[1], F_SETFL, O_NONBLOCK);
	return 0;
}

static uint8_t *pattern(size_t n)
{
	uint8_t *p = malloc(n);

	for (size_t i = 0; p && i < n; i++)
		p[i] = (uint8_t)(i * 131 + (i >> 11));
	return p;
}

/*
 * Send n bytes into client[0], relay client[1] -> backend[0], read them at backend[1];
 * then the client's end of stream.  Returns how many bytes arrived equal and in order
 * (n when all did); *eof: the far side read the end of stream.
 */
static size_t run(struct proxy_relay_pool *pool, struct proxy_relay_dir *d, size_t n, int last,
		  int *eof, int stall)
{
	int c[2], b[2];
	uint8_t *src = pattern(n), *got = malloc(n + 1);
	size_t sent = 0, recvd = 0;
	struct proxy_relay_end s = {.fd = -1}, t = {.fd = -1};
	int shut = 0, rounds = 0;

	*eof = 0;
	if (!src || !got || tcp_pair(c) || tcp_pair(b))
		return (size_t)-1;
	s.fd = c[1];
	t.fd = b[0];
	while (rounds++ < 100000 && !(d->done && (*eof || last))) {
		ssize_t k;

		if (sent < n) {
			k = send(c[0], src + sent, n - sent > 65536 ? 65536 : n - sent, 0);
			if (k > 0)
				sent += (size_t)k;
		} else if (!shut) {
			shutdown(c[0], SHUT_WR);
			shut = 1;
		}
		/* What epoll would say: readable, and writable unless the test stalls it. */
		s.rd = 1;
		s.hup = (uint8_t)shut;
		t.wr = !(stall && rounds < 50);
		if (proxy_relay_run(pool, d, &s, &t, last) < 0)
			break;
		if (stall && rounds < 50)
			continue; /* the backend reads nothing yet: its buffers fill */
		for (;;) {
			k = recv(b[1], got + recvd, n + 1 - recvd, 0);
			if (k > 0) {
				recvd += (size_t)k;
				continue;
			}
			if (k == 0)
				*eof = 1;
			break;
		}
	}
	size_t same = 0;

	while (same < recvd && same < n && got[same] == src[same])
		same++;
	if (recvd > n)
		same = 0;
	close(c[0]);
	close(c[1]);
	close(b[0]);
	close(b[1]);
	free(src);
	free(got);
	return same;
}

int main(void)
{
	struct proxy_relay_pool *pool = calloc(1, sizeof(*pool));
	struct proxy_relay_dir d;
	size_t big = 4u << 20, n;
	int eof;

	if (!pool)
		return 1;
	proxy_relay_pool_init(pool);

	proxy_relay_dir_init(&d);
	n = run(pool, &d, big, 0, &eof, 0);
	is_int((long)n, (long)big, "default: 4 MiB arrive whole and in order");
	ok(eof && d.done, "default: the end of stream is passed on (shutdown)");
	is_int((long)d.bytes, (long)big, "default: bytes counted");
	ok(d.spliced > 0 && d.spliced <= big - PROXY_RELAY_COPY_FIRST,
	   "default: the first %d bytes copied, the rest spliced (%llu spliced)",
	   PROXY_RELAY_COPY_FIRST, (unsigned long long)d.spliced);
	ok(pool->created >= 1, "default: a pipe was made");
	ok(d.pr < 0 && d.buf == NULL, "default: nothing held once done");
	proxy_relay_dir_release(pool, &d);

	proxy_relay_dir_init(&d);
	d.copy_only = 1;
	n = run(pool, &d, big, 0, &eof, 0);
	is_int((long)n, (long)big, "copy_only: 4 MiB arrive whole and in order");
	ok(eof && d.done, "copy_only: the end of stream is passed on");
	is_int((long)d.spliced, 0, "copy_only: nothing spliced");
	proxy_relay_dir_release(pool, &d);

	proxy_relay_dir_init(&d);
	d.copy_only = 1;
	n = run(pool, &d, big, 0, &eof, 1);
	is_int((long)n, (long)big, "copy_only, the destination stalled at first: all arrive");

	proxy_relay_dir_release(pool, &d);
	proxy_relay_dir_init(&d);
	n = run(pool, &d, 1000, 1, &eof, 0);
	is_int((long)n, 1000, "last direction: 1000 bytes arrive");
	ok(d.done && !eof, "last direction: done, no shutdown of its own (close sends the FIN)");
	is_int((long)d.spliced, 0, "a short exchange is copied only");
	proxy_relay_dir_release(pool, &d);

	proxy_relay_pool_free(pool);
	free(pool);
	return done_testing();
}
