/*
 * relay.h - one direction of a byte relay between two non-blocking sockets (relay.c),
 * for the passthrough tunnels (tunnel.c).
 *
 * A direction starts by copying: recv into a per-worker scratch buffer and send on at once,
 * so the short exchanges that are most tunnels (a TLS handshake, a small answer) cost two
 * syscalls a burst and no pipe.  Once it has moved PROXY_RELAY_COPY_FIRST bytes it
 * switches to splice(2): socket -> pipe -> socket, bytes that never cross into user space
 * (bulk).  A direction holds a pipe only while bytes are in flight: once the pipe is
 * empty it goes back to a per-worker pool (at most PROXY_RELAY_POOL kept, the rest
 * closed).  Each pipe keeps the kernel's default size (16 pages, 64 KiB on 4 KiB pages):
 * one splice moves at most that much.  Bytes the destination did not take from a copy go
 * to a PROXY_RELAY_BUF buffer of the direction until they are sent; so an idle tunnel
 * holds no pipe and no buffer, only its two sockets.
 *
 * Copying all the way: a direction with copy_only set (the table's splice = false), or
 * every direction of a worker where splice cannot be used (pipe2 fails, e.g. out of fds,
 * or splice says EINVAL or ENOSYS: a kernel or sandbox without it).
 *
 * A read that returns less than asked, with no hang-up seen on the socket, is taken as
 * "drained" (no extra read to hear EAGAIN): edge-triggered epoll reports what comes later.
 *
 * Half-close: when the source's end of stream has been read and everything before it
 * delivered, the destination is shut for writing (shutdown SHUT_WR) and the direction is
 * done; the other direction goes on.
 *
 * The readiness flags of each end are the caller's (edge-triggered epoll sets them);
 * proxy_relay_run clears them when a syscall says EAGAIN.  No logging, no timers.
 */
#ifndef HUGINN_PROXY_RELAY_H
#define HUGINN_PROXY_RELAY_H

#include <stdint.h>

#define PROXY_RELAY_POOL 64		   /* empty pipes kept per worker */
#define PROXY_RELAY_BUF (16 * 1024)	   /* scratch, and a direction's unsent bytes */
#define PROXY_RELAY_COPY_FIRST (16 * 1024) /* bytes a direction copies before splicing */

/* One socket of a tunnel. */
struct proxy_relay_end {
	uint8_t kind;	/* the owner's epoll kind byte: an end is an epoll data pointer */
	uint8_t rd, wr; /* readiness as epoll told it (cleared on EAGAIN) */
	uint8_t eof;	/* end of stream read */
	uint8_t hup;	/* epoll said RDHUP, HUP or ERR: a short read is no sign of a drain */
	int fd;
};

struct proxy_relay_dir {
	int pr, pw;	   /* pipe while bytes are in it, else -1 */
	char *buf;	   /* fallback buffer while bytes are in it, else NULL */
	uint32_t fill;	   /* bytes waiting in the pipe or buf */
	uint32_t off;	   /* buf: where they start */
	uint8_t done;	   /* source ended, all delivered, destination shut for writing */
	uint8_t copy_only; /* never splice (set before the first run) */
	uint64_t bytes;	   /* delivered to the destination */
	uint64_t spliced;  /* of them, by splice */
};

struct proxy_relay_pool {
	int pipes[PROXY_RELAY_POOL][2];
	unsigned int n;
	uint8_t no_splice;	       /* splice said EINVAL/ENOSYS once: read/write from then on */
	uint64_t created;	       /* pipes made (pipe2), for the metrics */
	char scratch[PROXY_RELAY_BUF]; /* copies pass through here */
};

/* Empty pool; safe to free. */
void proxy_relay_pool_init(struct proxy_relay_pool *pool);
/* Close the pooled pipes. */
void proxy_relay_pool_free(struct proxy_relay_pool *pool);

/* A direction with nothing in flight. */
void proxy_relay_dir_init(struct proxy_relay_dir *d);
/* Give back d's pipe (to the pool when empty, else closed) and buffer. */
void proxy_relay_dir_release(struct proxy_relay_pool *pool, struct proxy_relay_dir *d);

/*
 * Move what can be moved now from src to dst: until both would block, or the direction
 * is done.  last: the other direction is done, so the tunnel closes right after this one
 * ends and its end needs no shutdown of its own (close sends the FIN).  Returns 1 when
 * bytes moved or the direction finished, 0 when nothing could move, or -errno when a
 * socket failed (ECONNRESET, EPIPE, ...): the tunnel is over.
 */
int proxy_relay_run(struct proxy_relay_pool *pool, struct proxy_relay_dir *d,
		    struct proxy_relay_end *src, struct proxy_relay_end *dst, int last);

#endif
