/*
 * log.c - level names, strict level parsing and the line format of log.h.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sys/log.h"

static const char *const names[] = {
    [LOG_LEVEL_ERROR] = "error",
    [LOG_LEVEL_WARN] = "warn",
    [LOG_LEVEL_INFO] = "info",
    [LOG_LEVEL_DEBUG] = "debug",
};

const char *log_level_name(enum log_level level)
{
	return (unsigned)level < sizeof(names) / sizeof(names[0]) ? names[level] : "?";
}

int log_level_parse(const char *s, enum log_level *out)
{
	if (!s)
		return -EINVAL;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(s, names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return -EINVAL;
}

size_t log_format(char *out, size_t cap, const struct timespec *now, const char *prog, long pid,
		  enum log_level level, const char *msg)
{
	char ts[32];
	struct tm tm;
	size_t n, i;
	int w;

	gmtime_r(&now->tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	w = snprintf(out, cap, "%s.%03ldZ %s[%ld] %s: ", ts, now->tv_nsec / 1000000, prog, pid,
		     log_level_name(level));
	n = w < 0 ? 0 : (size_t)w >= cap - 1 ? cap - 2 : (size_t)w;
	/* The message, one line whatever the kernel or the environment put in it; the last
	 * two bytes stay for the newline and the NUL. */
	for (i = 0; msg[i] && n < cap - 2; i++)
		out[n++] = msg[i] == '\n' || msg[i] == '\r' ? ' ' : msg[i];
	out[n++] = '\n';
	out[n] = '\0';
	return n;
}

size_t log_format_now(char *out, size_t cap, const char *prog, enum log_level level,
		      const char *msg)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	return log_format(out, cap, &now, prog, (long)getpid(), level, msg);
}

void log_vsend(log_fn fn, void *ctx, enum log_level level, const char *fmt, va_list ap)
{
	char msg[LOG_MSG_MAX];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	fn(ctx, level, msg);
}

void log_send(log_fn fn, void *ctx, enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vsend(fn, ctx, level, fmt, ap);
	va_end(ap);
}

void log_sink_stderr(void *ctx, enum log_level level, const char *msg)
{
	const struct log_sink *sink = ctx;
	char line[LOG_MSG_MAX + 128];

	if (level <= sink->threshold && log_format_now(line, sizeof(line), sink->prog, level, msg))
		fputs(line, stderr);
}
