/*
 * relay.c - one direction of a tunnel: copies through a scratch buffer first, then
 * socket -> pipe -> socket with splice(2) (relay.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
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
	d->copy_only = 0;
	d->bytes = d->spliced = 0;
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

/* A pipe for d (pooled or new): 0, or -ENOSPC when none can be made (pipe2 failed: out
 * of fds or pipe pages; this burst is copied instead). */
static int get_pipe(struct proxy_relay_pool *pool, struct proxy_relay_dir *d)
{
	int fds[2];

	if (d->pr >= 0)
		return 0;
	if (pool->n) {
		pool->n--;
		d->pr = pool->pipes[pool->n][0];
		d->pw = pool->pipes[pool->n][1];
		return 0;
	}
	if (pipe2(fds, O_NONBLOCK | O_CLOEXEC))
		return -ENOSPC;
	pool->created++;
	d->pr = fds[0];
	d->pw = fds[1];
	return 0;
}

/* Does d copy now (rather than splice)? */
static int copying(const struct proxy_relay_pool *pool, const struct proxy_relay_dir *d)
{
	return d->copy_only || pool->no_splice || d->buf ||
	       d->bytes + d->fill < PROXY_RELAY_COPY_FIRST;
}

/* Spliced bytes from src into d's pipe: > 0, 0 at end of stream, or -errno (-EINTR: try
 * again, the worker has just learnt that splice does not work here). */
static ssize_t splice_in(struct proxy_relay_pool *pool, struct proxy_relay_dir *d, int src)
{
	ssize_t n = splice(src, NULL, d->pw, NULL, SPLICE_ASK, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);

	if (n >= 0)
		return n;
	if ((errno == EINVAL || errno == ENOSYS) && d->fill == 0) {
		/* No splice here (kernel, sandbox, socket type): copies from now on. */
		pool->no_splice = 1;
		proxy_relay_dir_release(pool, d);
		return -EINTR;
	}
	return -errno;
}

/* Bytes from the carrier (pipe or buffer) into dst: > 0 or -errno. */
static ssize_t drain_out(struct proxy_relay_dir *d, int dst)
{
	ssize_t n;

	if (d->pr >= 0) {
		n = splice(d->pr, NULL, dst, NULL, d->fill, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
		if (n > 0)
			d->spliced += (uint64_t)n;
	} else {
		n = send(dst, d->buf + d->off, d->fill, MSG_NOSIGNAL);
	}
	return n >= 0 ? n : -errno;
}

static int again(ssize_t n)
{
	return n == -EAGAIN || n == -EWOULDBLOCK;
}

/*
 * One copy: recv from src into the scratch buffer and send it on to dst at once; what
 * dst does not take is kept in d->buf.  Returns the bytes read (> 0), 0 at end of stream,
 * or -errno.
 */
static ssize_t copy_once(struct proxy_relay_pool *pool, struct proxy_relay_dir *d,
			 struct proxy_relay_end *src, struct proxy_relay_end *dst)
{
	ssize_t n = recv(src->fd, pool->scratch, sizeof(pool->scratch), 0), w = 0;

	if (n <= 0)
		return n < 0 ? -errno : 0;
	if ((size_t)n < sizeof(pool->scratch) && !src->hup)
		src->rd = 0; /* drained: a later byte brings a new edge */
	while (dst->wr && w < n) {
		ssize_t k = send(dst->fd, pool->scratch + w, (size_t)(n - w), MSG_NOSIGNAL);

		if (k > 0) {
			w += k;
			continue;
		}
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 && !again(-errno))
			return -errno;
		dst->wr = 0;
	}
	d->bytes += (uint64_t)w;
	if (w < n) {
		if (!d->buf && !(d->buf = malloc(PROXY_RELAY_BUF)))
			return -ENOMEM;
		memcpy(d->buf, pool->scratch + w, (size_t)(n - w));
		d->off = 0;
		d->fill = (uint32_t)(n - w);
	}
	return n;
}

int proxy_relay_run(struct proxy_relay_pool *pool, struct proxy_relay_dir *d,
		    struct proxy_relay_end *src, struct proxy_relay_end *dst, int last)
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
			/* Everything before the end is delivered: pass the end on (closing the
			 * tunnel passes it when this was the last direction). */
			if (!last)
				shutdown(dst->fd, SHUT_WR);
			d->done = 1;
			return 1;
		}
		if (!src->rd)
			break;
		if (copying(pool, d) || get_pipe(pool, d) < 0) {
			if (d->fill)
				break; /* the kept bytes go first */
			n = copy_once(pool, d, src, dst);
			if (n > 0) {
				moved = 1;
				continue;
			}
		} else {
			n = splice_in(pool, d, src->fd);
			if (n > 0) {
				d->fill += (uint32_t)n;
				moved = 1;
				continue;
			}
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
		 * pipe it may only be full: keep rd until a drain tells. */
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
