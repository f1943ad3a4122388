/*
 * flow.c - moving bytes through the engine's buffers: edge-triggered reads, one send
 * for a head plus the body bytes behind it, and the body framing that decides how many
 * buffered bytes belong to the current message.
 *
 * Every fd here is a socket: recv/send/sendmsg go straight to the socket layer, which
 * costs measurably less per call than read/writev through the file layer (about 0.2 us
 * per call on the 2-vCPU bench VM, where a keep-alive request takes four of them).
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "http/rewrite.h"
#include "proxy/flow.h"

#define SEND_JOIN_MAX 2048 /* head + body bytes copied into one buffer for one send */

/* Read into b: 1 read something, 0 nothing to do, -1 EOF (first time), -2 error. */
int proxy_flow_read(struct proxy_side *s, struct proxy_buf *b, uint64_t *ctr)
{
	size_t space;
	ssize_t n;

	if (!s->rd_ready || s->eof)
		return 0;
	if (b->rd == b->wr) {
		b->rd = b->wr = 0;
	} else if (b->wr == b->cap && b->rd > 0) {
		memmove(b->p, b->p + b->rd, b->wr - b->rd);
		b->wr -= b->rd;
		b->rd = 0;
	}
	space = b->cap - b->wr;
	if (!space)
		return 0;
	n = recv(s->fd, b->p + b->wr, space, 0);
	if (n > 0) {
		b->wr += (uint32_t)n;
		s->full = (size_t)n == space;
		*ctr += (uint64_t)n;
		/* A short read emptied the socket: the next byte brings a new edge.  After the
		 * peer's FIN there is no new edge, so keep reading until read says 0. */
		if ((size_t)n < space && !s->hup)
			s->rd_ready = 0;
		return 1;
	}
	if (n == 0) {
		s->eof = 1;
		s->rd_ready = 0;
		return -1;
	}
	if (errno == EAGAIN) {
		s->rd_ready = 0;
		return 0;
	}
	if (errno == EINTR)
		return 0;
	s->rd_ready = 0;
	return -2;
}

int proxy_flow_recv(struct proxy_bufpool *bp, struct proxy_side *s, struct proxy_buf *b,
		    uint64_t *ctr)
{
	if (!s->rd_ready || s->eof)
		return 0;
	if (!b->p) {
		if (proxy_bufpool_take(bp, b, PROXY_BUFPOOL_FIRST, b->max))
			return PROXY_FLOW_NOBUF;
	} else if (b->rd == b->wr) {
		b->rd = b->wr = 0;
		/* The last read filled the buffer and it has drained since: a stream.  Fewer,
		 * larger reads cost less (one class more, bounded). */
		if (s->full && b->cap < PROXY_FLOW_STREAM_MAX && b->cap < b->max)
			(void)proxy_bufpool_grow(bp, b, (size_t)b->cap + 1);
	} else if (b->wr == b->cap) {
		/* Full: a larger class when the data fills most of it (a head that needs it,
		 * a body whose reader is slower than its writer), else move the data down. */
		if (b->cap < b->max && (b->rd == 0 || b->wr - b->rd > b->cap / 2))
			(void)proxy_bufpool_grow(bp, b, (size_t)b->cap + 1);
		if (b->wr == b->cap && b->rd > 0) {
			memmove(b->p, b->p + b->rd, b->wr - b->rd);
			b->wr -= b->rd;
			b->rd = 0;
		}
	}
	return proxy_flow_read(s, b, ctr);
}

/*
 * Send the rest of a head (h[*hoff..hlen)) and the cleared body bytes (body->fwd at b->rd)
 * in one call.  Returns 1 progress, 0 nothing sent, -1 the peer is gone.
 */
int proxy_flow_send(struct proxy_side *dst, char *h, uint32_t *hoff, uint32_t hlen,
		    struct proxy_buf *b, struct proxy_body *body, uint64_t *ctr, uint64_t *ctr2)
{
	struct iovec iov[2];
	size_t total = 0;
	int n = 0;
	ssize_t w;

	if (!dst->wr_ready)
		return 0;
	if (h && *hoff < hlen) {
		iov[n].iov_base = h + *hoff;
		iov[n++].iov_len = hlen - *hoff;
		total += hlen - *hoff;
	}
	if (b && body && body->fwd) {
		iov[n].iov_base = b->p + b->rd;
		iov[n++].iov_len = body->fwd;
		total += body->fwd;
	}
	if (!n)
		return 0;
	if (n == 2 && total <= SEND_JOIN_MAX) {
		/* A small head and body leave as one buffer: the copy costs less than the
		 * kernel's iovec handling. */
		char one[SEND_JOIN_MAX];

		memcpy(one, iov[0].iov_base, iov[0].iov_len);
		memcpy(one + iov[0].iov_len, iov[1].iov_base, iov[1].iov_len);
		w = send(dst->fd, one, total, MSG_NOSIGNAL);
	} else if (n == 1) {
		w = send(dst->fd, iov[0].iov_base, total, MSG_NOSIGNAL);
	} else {
		struct msghdr m = {.msg_iov = iov, .msg_iovlen = (size_t)n};

		w = sendmsg(dst->fd, &m, MSG_NOSIGNAL);
	}
	if (w < 0) {
		if (errno == EAGAIN) {
			dst->wr_ready = 0;
			return 0;
		}
		if (errno == EINTR)
			return 0;
		return -1;
	}
	if ((size_t)w < total)
		dst->wr_ready = 0;
	*ctr += (uint64_t)w;
	if (ctr2)
		*ctr2 += (uint64_t)w;
	if (h && *hoff < hlen) {
		uint32_t t = (size_t)w < hlen - *hoff ? (uint32_t)w : hlen - *hoff;

		*hoff += t;
		w -= t;
	}
	if (w > 0) {
		b->rd += (uint32_t)w;
		body->fwd -= (uint32_t)w;
	}
	return 1;
}

/* Clear the body bytes that arrived since the last scan.  0 or an HTTP_E_* error. */
/* The trailer section is complete at b->p + b->rd + bd->fwd (bd->held bytes): filter it
 * in place, close the gap it leaves, and clear what remains for sending. */
static void trailers_done(struct proxy_body *bd, struct proxy_buf *b)
{
	char *t = b->p + b->rd + bd->fwd;
	size_t keep = http_rewrite_trailers(t, bd->held, bd->tflags, &bd->spoofed);
	uint32_t gap = bd->held - (uint32_t)keep;

	if (gap) {
		/* Bytes after the body (a pipelined request) move up to fill the gap. */
		memmove(t + keep, t + bd->held, b->wr - (b->rd + bd->fwd + bd->held));
		b->wr -= gap;
	}
	bd->fwd += (uint32_t)keep;
	bd->held = 0;
}

/* A chunked body for a recipient that cannot read chunked framing: only the payload is
 * kept, moved up in place behind the bytes already cleared (one pass, each byte moved at
 * most once); chunk lines, extensions and trailers are dropped.  The message then ends
 * with the connection, as the caller arranges. */
static int dechunk_scan(struct proxy_body *bd, struct proxy_buf *b)
{
	char *w = b->p + b->rd + bd->fwd, *r = w, *end = b->p + b->wr;

	while (r < end && !bd->ch.done) {
		struct http_slice d;
		long n = http_chunked_parse(&bd->ch, r, (size_t)(end - r), &d);

		if (n < 0)
			return (int)n;
		if (n == 0)
			break;
		if (d.n) {
			memmove(w, d.p, d.n);
			w += d.n;
		}
		r += n;
	}
	if (r != w) { /* what follows the body, if anything, closes the gap */
		memmove(w, r, (size_t)(end - r));
		b->wr -= (uint32_t)(r - w);
	}
	bd->fwd = (uint32_t)(w - (b->p + b->rd));
	if (bd->ch.done)
		bd->done = 1;
	return 0;
}

int proxy_flow_body_scan(struct proxy_body *bd, struct proxy_buf *b)
{
	uint32_t avail = b->wr - b->rd - bd->fwd - bd->held;

	switch (bd->kind) {
	case HTTP_BODY_NONE:
		bd->done = 1;
		return 0;
	case HTTP_BODY_LENGTH: {
		uint32_t take = bd->left < avail ? (uint32_t)bd->left : avail;

		bd->fwd += take;
		bd->left -= take;
		if (!bd->left)
			bd->done = 1;
		return 0;
	}
	case HTTP_BODY_CHUNKED:
		if (bd->dechunk)
			return dechunk_scan(bd, b);
		/* The framing passes through verbatim: the decoder only tells where the body
		 * ends (and rejects anything it would not accept itself).  The trailer section
		 * is held back until complete, then filtered: fields a trailer may not carry
		 * never cross the proxy. */
		while (avail && !bd->ch.done) {
			struct http_slice d;
			size_t tb = bd->ch.trailer_bytes;
			long n = http_chunked_parse(&bd->ch, b->p + b->rd + bd->fwd + bd->held,
						    avail, &d);
			uint32_t tr;

			if (n < 0)
				return (int)n;
			if (n == 0)
				break;
			tr = (uint32_t)(bd->ch.trailer_bytes - tb);
			bd->fwd += (uint32_t)n - tr;
			bd->held += tr;
			avail -= (uint32_t)n;
		}
		if (bd->ch.done && !bd->done) {
			bd->done = 1;
			trailers_done(bd, b);
		}
		return 0;
	default: /* until close, tunnel */
		bd->fwd += avail;
		return 0;
	}
}

void proxy_flow_body_init(struct proxy_body *bd, int kind, uint64_t len, uint64_t max)
{
	memset(bd, 0, sizeof(*bd));
	bd->kind = kind;
	bd->left = len;
	if (kind == HTTP_BODY_CHUNKED)
		http_chunked_init(&bd->ch, max);
	if (kind == HTTP_BODY_NONE || (kind == HTTP_BODY_LENGTH && len == 0))
		bd->done = 1;
}
