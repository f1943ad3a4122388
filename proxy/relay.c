/*
 * relay.c - one direction of a tunnel: socket -> pipe -> socket with splice(2), or
 * read/write where splice is unavailable (relay.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "proxy/relay.h"

/* How much one splice from a socket may ask for: the pipe takes what fits. */
#define SPLICE_ASK (1u << 20)

void proxy_relay_pool_init(struct proxy_relay_pool *pool)
{
	pool->n = 0;
	pool->no_splice = 0;
	pool->created = 0;
}

void proxy_relay_pool_free(struct proxy_relay_pool *pool)
{
	while (pool->n) {
		pool->n--;
		close(pool->pipes[pool->n][0]);
		close(pool->pipes[pool->n][1]);
	}
}

void proxy_relay_dir_init(struct proxy_relay_dir *d)
{
	d->pr = d->pw = -1;
	d->buf = NULL;
	d->fill = d->off = 0;
	d->done = 0;
	d->bytes = 0;
}

void proxy_relay_dir_release(struct proxy_relay_pool *pool, struct proxy_relay_dir *d)
{
	if (d->pr >= 0) {
		/* Only an empty pipe may serve another tunnel: its bytes would leak there. */
		if (d->fill == 0 && pool->n < PROXY_RELAY_POOL) {
			pool->pipes[pool->n][0] = d->pr;
			pool->pipes[pool->n][1] = d->pw;
			pool->n++;
		} else {
			close(d->pr);
			close(d->pw);
		}
		d->pr = d->pw = -1;
	}
	free(d->buf);
	d->buf = NULL;
	d->off = 0;
	if (d->buf == NULL && d->pr < 0)
		d->fill = 0;
}

/* A carrier for bytes: a pipe (pooled or new) or, failing that, a buffer.  0 or -ENOMEM. */
static int carrier(struct proxy_relay_pool *pool, struct proxy_relay_dir *d)
{
	int fds[2];

	if (d->pr >= 0 || d->buf)
		return 0;
	if (!pool->no_splice) {
		if (pool->n) {
			pool->n--;
			d->pr = pool->pipes[pool->n][0];
			d->pw = pool->pipes[pool->n][1];
			return 0;
		}
		if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) == 0) {
			pool->created++;
			d->pr = fds[0];
			d->pw = fds[1];
			return 0;
		}
		/* Out of fds or pipe pages: this burst goes through a buffer instead. */
	}
	d->buf = malloc(PROXY_RELAY_BUF);
	d->off = 0;
	return d->buf ? 0 : -ENOMEM;
}

/* Bytes from src into the carrier: > 0, 0 at end of stream, or -errno. */
static ssize_t fill_in(struct proxy_relay_pool *pool, struct proxy_relay_dir *d, int src)
{
	ssize_t n;

	if (d->pr >= 0) {
		n = splice(src, NULL, d->pw, NULL, SPLICE_ASK, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
		if (n >= 0)
			return n;
		if ((errno == EINVAL || errno == ENOSYS) && d->fill == 0) {
			/* No splice here (kernel, sandbox, socket type): read/write from now. */
			pool->no_splice = 1;
			close(d->pr);
			close(d->pw);
			d->pr = d->pw = -1;
			d->buf = malloc(PROXY_RELAY_BUF);
			if (!d->buf)
				return -ENOMEM;
			d->off = 0;
		} else {
			return -errno;
		}
	}
	if (d->fill) /* the buffer is read into only when empty */
		return -EAGAIN;
	n = read(src, d->buf, PROXY_RELAY_BUF);
	return n >= 0 ? n : -errno;
}

/* Bytes from the carrier into dst: > 0 or -errno. */
static ssize_t drain_out(struct proxy_relay_dir *d, int dst)
{
	ssize_t n;

	if (d->pr >= 0)
		n = splice(d->pr, NULL, dst, NULL, d->fill, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
	else
		n = send(dst, d->buf + d->off, d->fill, MSG_NOSIGNAL);
	return n >= 0 ? n : -errno;
}

static int again(ssize_t n)
{
	return n == -EAGAIN || n == -EWOULDBLOCK;
}

int proxy_relay_run(struct proxy_relay_pool *pool, struct proxy_relay_dir *d,
		    struct proxy_relay_end *src, struct proxy_relay_end *dst)
{
	int moved = 0;
	ssize_t n;

	if (d->done)
		return 0;
	for (;;) {
		if (d->fill && dst->wr) {
			n = drain_out(d, dst->fd);
			if (n > 0) {
				d->fill -= (uint32_t)n;
				d->off = d->fill ? d->off + (uint32_t)n : 0;
				d->bytes += (uint64_t)n;
				moved = 1;
				continue;
			}
			if (n == -EINTR)
				continue;
			if (!again(n))
				return (int)n;
			dst->wr = 0;
		}
		if (d->fill == 0 && (d->pr >= 0 || d->buf))
			proxy_relay_dir_release(pool, d); /* idle tunnels hold no pipe */
		if (src->eof) {
			if (d->fill)
				break;
			/* Everything before the end is delivered: pass the end on. */
			shutdown(dst->fd, SHUT_WR);
			d->done = 1;
			return 1;
		}
		if (!src->rd)
			break;
		if (carrier(pool, d) < 0)
			return -ENOMEM;
		n = fill_in(pool, d, src->fd);
		if (n > 0) {
			d->fill += (uint32_t)n;
			moved = 1;
			continue;
		}
		if (n == 0) {
			src->eof = 1;
			continue;
		}
		if (n == -EINTR)
			continue;
		if (!again(n))
			return (int)n;
		/* EAGAIN with an empty carrier: the socket is drained.  With bytes in the
		 * carrier it may only be full: keep rd until a drain tells. */
		if (d->fill == 0) {
			src->rd = 0;
			if (d->pr >= 0 || d->buf)
				proxy_relay_dir_release(pool, d);
			break;
		}
		if (!dst->wr)
			break;
	}
	return moved;
}
