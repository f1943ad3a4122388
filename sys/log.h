/*
 * log.h - the one log convention of both programs: level names, the strict parse of a
 * level variable, and the line format.
 *
 * A line on stderr:
 *   2026-11-26T09:00:00.123Z huginn-proxy[4242] info: message
 * UTC time with milliseconds, the program and its pid, the level name, the message with
 * every CR and LF turned into a space (one event, one line).  Levels, in order:
 * error, warn, info, debug; a message is shown when its level is at or below the
 * threshold.  The threshold comes from one variable per program (HUGINN_EBPF_LOG_LEVEL
 * for the agent, HUGINN_LOG for the proxy); a value other than those four exact names,
 * the empty string included, is refused and the program exits 2 naming the variable.
 *
 * Pure: nothing here reads the environment, the clock or writes anywhere; the current
 * threshold lives in each main.
 */
#ifndef HUGINN_SYS_LOG_H
#define HUGINN_SYS_LOG_H

#include <stdarg.h>
#include <stddef.h>
#include <time.h>

/* Ordered: a message is shown if its level <= the threshold. */
enum log_level {
	LOG_LEVEL_ERROR = 0,
	LOG_LEVEL_WARN,
	LOG_LEVEL_INFO,
	LOG_LEVEL_DEBUG,
};

/* What a caller receives from a module that reports events (msg has no newline). */
typedef void (*log_fn)(void *ctx, enum log_level level, const char *msg);

/* The accepted names, for messages: "error, warn, info (the default) or debug". */
#define LOG_LEVEL_EXPECTED "expected error, warn, info (the default) or debug"

/* "error" / "warn" / "info" / "debug"; "?" for anything else. */
const char *log_level_name(enum log_level level);

/* Exactly one of the four names (case-sensitive): 0 and *out, else -EINVAL. */
int log_level_parse(const char *s, enum log_level *out);

/*
 * The line for msg into out[0..cap): returns its length (newline included, NUL after
 * it).  A message too long for out is cut so that the line still ends with "\n".
 * cap must be at least 64.
 */
size_t log_format(char *out, size_t cap, const struct timespec *now, const char *prog, long pid,
		  enum log_level level, const char *msg);

/* log_format for this process (getpid) at this moment (CLOCK_REALTIME). */
size_t log_format_now(char *out, size_t cap, const char *prog, enum log_level level,
		      const char *msg);

/* Longest message log_vsend passes on; a longer one is cut. */
#define LOG_MSG_MAX 1024

/* printf-style: the message into a bounded buffer, then fn(ctx, level, msg). */
void log_vsend(log_fn fn, void *ctx, enum log_level level, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));
void log_send(log_fn fn, void *ctx, enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/*
 * Where a main's events end up: the program name of its lines and the threshold (the
 * parsed level variable).  The main owns it; modules only ever see a log_fn and ctx.
 */
struct log_sink {
	const char *prog;
	enum log_level threshold;
};

/*
 * The log_fn of both mains (ctx: a struct log_sink): a message at or under the
 * threshold becomes one log_format_now line on stderr.  The one place that prints.
 */
void log_sink_stderr(void *ctx, enum log_level level, const char *msg);

#endif
