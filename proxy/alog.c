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

void proxy_alog_line(struct proxy_server *p, struct proxy_conn *c)
{
	const struct proxy_exch *x;
	const char *tg = "-";
	int tl = 1;
	struct timespec ts;
	char peer[INET6_ADDRSTRLEN + 8];
	char *o;
	int n;

	if (p->o.access_fd < 0 || !p->alog)
		return;
	if (p->alog_dead) {
		p->ms->access_log_dropped++;
		return;
	}
	if (p->alog_cap - p->alog_len < 512)
		proxy_alog_flush(p);
	clock_gettime(CLOCK_REALTIME_COARSE, &ts);
	if (ts.tv_sec != p->wall_sec) {
		struct tm tm;

		p->wall_sec = ts.tv_sec;
		gmtime_r(&ts.tv_sec, &tm);
		strftime(p->wall, sizeof(p->wall), "%Y-%m-%dT%H:%M:%SZ", &tm);
	}
	o = p->alog + p->alog_len;
	x = c->x;
	if (c->pfam == PROXY_PEER_UNKNOWN)
		snprintf(peer, sizeof(peer), "%s", c->ip);
	else
		snprintf(peer, sizeof(peer), c->pfam == PROXY_PEER_V6 ? "[%s]:%u" : "%s:%u", c->ip,
			 (unsigned)c->port);
	/* No request line (a head the parser refused, a timeout): "-" for its fields. */
	if (x && x->target_len) {
		tg = x->target;
		tl = x->target_len;
	}
	n = snprintf(o, p->alog_cap - p->alog_len, "%s %s %s %.*s %d %llu %.3f %s\n", p->wall, peer,
		     x && x->method[0] ? x->method : "-", tl, tg, c->status,
		     (unsigned long long)c->bytes_out, (double)(p->now_us - c->start_us) / 1000.0,
		     x && x->upaddr[0] ? x->upaddr : "-");
	/* A line that does not fit is dropped whole (never cut): the buffer holds what a
	 * stalled reader has not taken yet. */
	if (n > 0 && (size_t)n < p->alog_cap - p->alog_len)
		p->alog_len += (size_t)n;
	else
		p->ms->access_log_dropped++;
}

void proxy_alog_text(struct proxy_server *p, const char *text, size_t len)
{
	struct timespec ts;
	int n;

	if (p->o.access_fd < 0 || !p->alog)
		return;
	if (p->alog_dead) {
		p->ms->access_log_dropped++;
		return;
	}
	if (p->alog_cap - p->alog_len < len + 64)
		proxy_alog_flush(p);
	clock_gettime(CLOCK_REALTIME_COARSE, &ts);
	if (ts.tv_sec != p->wall_sec) {
		struct tm tm;

		p->wall_sec = ts.tv_sec;
		gmtime_r(&ts.tv_sec, &tm);
		strftime(p->wall, sizeof(p->wall), "%Y-%m-%dT%H:%M:%SZ", &tm);
	}
	n = snprintf(p->alog + p->alog_len, p->alog_cap - p->alog_len, "%s %.*s\n", p->wall,
		     (int)len, text);
	if (n > 0 && (size_t)n < p->alog_cap - p->alog_len)
		p->alog_len += (size_t)n;
	else
		p->ms->access_log_dropped++;
}
