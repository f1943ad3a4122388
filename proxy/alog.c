/*
 * alog.c - the access log: one line per request into a buffer, flushed once per loop pass
 * without ever blocking the loop (see server.h for the format and the drop rules).
 */
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "proxy/alog.h"

static uint64_t count_lines(const char *s, size_t len)
{
	uint64_t n = 0;

	for (const char *e = s + len; (s = memchr(s, '\n', (size_t)(e - s))) != NULL; s++)
		n++;
	return n;
}

/*
 * Write what the access-log fd takes now.  A non-blocking pipe or socket that is full
 * (EAGAIN, or a partial write) leaves the rest in the buffer for the next loop pass: the
 * loop never waits for a slow reader.  Writes to a non-blocking fd are cut at a line end
 * within PIPE_BUF, so a pipe takes each one whole or not at all and lines of several
 * workers never interleave.  Any other error ends logging (a closed or failing stdout
 * loses the lines, not the worker): what is left is counted as dropped.
 */
void proxy_alog_flush(struct proxy_server *p)
{
	size_t off = 0;

	while (off < p->alog_len) {
		size_t len = p->alog_len - off;
		ssize_t n;

		if (p->alog_nb && len > PIPE_BUF) {
			const char *nl = memrchr(p->alog + off, '\n', PIPE_BUF);

			if (nl)
				len = (size_t)(nl - (p->alog + off)) + 1;
		}
		n = write(p->o.access_fd, p->alog + off, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n < 0) {
			p->ms->access_log_dropped += count_lines(p->alog + off, p->alog_len - off);
			p->alog_dead = 1;
			off = p->alog_len;
			break;
		}
		if (n == 0)
			break;
		off += (size_t)n;
	}
	if (off < p->alog_len)
		memmove(p->alog, p->alog + off, p->alog_len - off);
	p->alog_len -= off;
}

/* The line's pieces are copied and its numbers written by hand: snprintf (musl's
 * printf_core, and fmt_fp for a "%.3f") cost more than the rest of a keep-alive request
 * together (callgrind: about 7,000 of 18,000 user-space instructions per request). */
static char *put(char *o, const char *s, size_t n)
{
	memcpy(o, s, n);
	return o + n;
}

static char *put_u64(char *o, uint64_t v)
{
	char d[20];
	size_t n = 0;

	do
		d[n++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	while (n)
		*o++ = d[--n];
	return o;
}

/* v / 1000 with three decimals ("%.3f" of v / 1000.0, exact for an integer v). */
static char *put_milli(char *o, uint64_t v)
{
	unsigned frac = (unsigned)(v % 1000);

	o = put_u64(o, v / 1000);
	*o++ = '.';
	*o++ = (char)('0' + frac / 100);
	*o++ = (char)('0' + frac / 10 % 10);
	*o++ = (char)('0' + frac % 10);
	return o;
}

/* The longest line: the fixed fields at their array bounds, numbers at 20 digits. */
#define ALOG_LINE_MAX                                                                              \
	(sizeof(((struct proxy_server *)0)->wall) + INET6_ADDRSTRLEN + 8 +                         \
	 sizeof(((struct proxy_exch *)0)->method) + sizeof(((struct proxy_exch *)0)->target) +     \
	 sizeof(((struct proxy_exch *)0)->upaddr) + 3 * 24 + 8)

static void alog_wall(struct proxy_server *p)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME_COARSE, &ts);
	if (ts.tv_sec != p->wall_sec) {
		struct tm tm;

		p->wall_sec = ts.tv_sec;
		gmtime_r(&ts.tv_sec, &tm);
		strftime(p->wall, sizeof(p->wall), "%Y-%m-%dT%H:%M:%SZ", &tm);
	}
}

void proxy_alog_line(struct proxy_server *p, struct proxy_conn *c)
{
	const struct proxy_exch *x;
	char *o;

	if (p->o.access_fd < 0 || !p->alog)
		return;
	if (p->alog_dead) {
		p->ms->access_log_dropped++;
		return;
	}
	if (p->alog_cap - p->alog_len < ALOG_LINE_MAX)
		proxy_alog_flush(p);
	/* A line that might not fit is dropped whole (never cut): the buffer holds what a
	 * stalled reader has not taken yet. */
	if (p->alog_cap - p->alog_len < ALOG_LINE_MAX) {
		p->ms->access_log_dropped++;
		return;
	}
	alog_wall(p);
	o = p->alog + p->alog_len;
	x = c->x;
	o = put(o, p->wall, strnlen(p->wall, sizeof(p->wall)));
	*o++ = ' ';
	if (c->pfam == PROXY_PEER_V6)
		*o++ = '[';
	o = put(o, c->ip, strnlen(c->ip, sizeof(c->ip)));
	if (c->pfam == PROXY_PEER_V6)
		*o++ = ']';
	if (c->pfam != PROXY_PEER_UNKNOWN) {
		*o++ = ':';
		o = put_u64(o, c->port);
	}
	*o++ = ' ';
	if (x && x->method[0])
		o = put(o, x->method, strnlen(x->method, sizeof(x->method)));
	else
		*o++ = '-';
	*o++ = ' ';
	/* No request line (a head the parser refused, a timeout): "-" for its fields. */
	if (x && x->target_len)
		o = put(o, x->target,
			strnlen(x->target, x->target_len < sizeof(x->target) ? x->target_len
									     : sizeof(x->target)));
	else
		*o++ = '-';
	*o++ = ' ';
	if (c->status < 0) {
		*o++ = '-';
		o = put_u64(o, (uint64_t)-(int64_t)c->status);
	} else {
		o = put_u64(o, (uint64_t)c->status);
	}
	*o++ = ' ';
	o = put_u64(o, c->bytes_out);
	*o++ = ' ';
	o = put_milli(o, p->now_us - c->start_us);
	*o++ = ' ';
	if (x && x->upaddr[0])
		o = put(o, x->upaddr, strnlen(x->upaddr, sizeof(x->upaddr)));
	else
		*o++ = '-';
	*o++ = '\n';
	p->alog_len = (size_t)(o - p->alog);
}

void proxy_alog_text(struct proxy_server *p, const char *text, size_t len)
{
	int n;

	if (p->o.access_fd < 0 || !p->alog)
		return;
	if (p->alog_dead) {
		p->ms->access_log_dropped++;
		return;
	}
	if (p->alog_cap - p->alog_len < len + 64)
		proxy_alog_flush(p);
	alog_wall(p);
	n = snprintf(p->alog + p->alog_len, p->alog_cap - p->alog_len, "%s %.*s\n", p->wall,
		     (int)len, text);
	if (n > 0 && (size_t)n < p->alog_cap - p->alog_len)
		p->alog_len += (size_t)n;
	else
		p->ms->access_log_dropped++;
}
