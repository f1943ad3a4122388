/*
 * test_log.c - the shared log convention (sys/log.h): the four level names, the strict
 * parse of a level variable, the line format documented in docs/architecture.md.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sys/log.h"
#include "test/harness.h"

static void test_parse(void)
{
	static const char *const bad[] = {"",	   "INFO",  "Info",    "warning", "err", "verbose",
					  "info ", " info", "debug\n", "0",	  "3"};
	enum log_level lv = LOG_LEVEL_WARN;

	is_int(log_level_parse("error", &lv), 0, "error accepted");
	is_int(lv, LOG_LEVEL_ERROR, "error stored");
	is_int(log_level_parse("warn", &lv), 0, "warn accepted");
	is_int(lv, LOG_LEVEL_WARN, "warn stored");
	is_int(log_level_parse("info", &lv), 0, "info accepted");
	is_int(lv, LOG_LEVEL_INFO, "info stored");
	is_int(log_level_parse("debug", &lv), 0, "debug accepted");
	is_int(lv, LOG_LEVEL_DEBUG, "debug stored");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		lv = LOG_LEVEL_INFO;
		is_int(log_level_parse(bad[i], &lv), -EINVAL, "'%s' refused", bad[i]);
		is_int(lv, LOG_LEVEL_INFO, "'%s' leaves the level alone", bad[i]);
	}
	is_int(log_level_parse(NULL, &lv), -EINVAL, "NULL refused");
	ok(LOG_LEVEL_ERROR < LOG_LEVEL_WARN && LOG_LEVEL_WARN < LOG_LEVEL_INFO &&
	       LOG_LEVEL_INFO < LOG_LEVEL_DEBUG,
	   "levels ordered error < warn < info < debug");
	is_str(log_level_name(LOG_LEVEL_ERROR), "error", "name of error");
	is_str(log_level_name(LOG_LEVEL_WARN), "warn", "name of warn");
	is_str(log_level_name(LOG_LEVEL_INFO), "info", "name of info");
	is_str(log_level_name(LOG_LEVEL_DEBUG), "debug", "name of debug");
	is_str(log_level_name((enum log_level)9), "?", "name of an unknown level");
}

static void test_format(void)
{
	/* 1764147600 is 2025-11-26T09:00:00Z (date -u -d @1764147600). */
	struct timespec t = {.tv_sec = 1764147600, .tv_nsec = 123456789};
	char line[256], small[64];
	size_t n;

	n = log_format(line, sizeof(line), &t, "huginn-proxy", 4242, LOG_LEVEL_INFO, "hello");
	is_str(line, "2025-11-26T09:00:00.123Z huginn-proxy[4242] info: hello\n", "the line");
	is_int((long)n, (long)strlen(line), "length returned");
	log_format(line, sizeof(line), &t, "huginn-ebpf-agent", 7, LOG_LEVEL_WARN, "a\nb\rc");
	is_str(line, "2025-11-26T09:00:00.123Z huginn-ebpf-agent[7] warn: a b c\n",
	       "CR and LF become spaces: one event, one line");
	t.tv_nsec = 0;
	log_format(line, sizeof(line), &t, "p", 1, LOG_LEVEL_ERROR, "");
	is_str(line, "2025-11-26T09:00:00.000Z p[1] error: \n", "empty message, .000");
	memset(small, 'x', sizeof(small));
	n = log_format(small, sizeof(small), &t, "p", 1, LOG_LEVEL_DEBUG,
		       "a message far longer than the sixty-four bytes of the buffer it goes in");
	is_int((long)n, (long)sizeof(small) - 1, "cut to the buffer");
	ok(small[n - 1] == '\n' && small[n] == '\0', "a cut line still ends with a newline");
	ok(!strncmp(small, "2025-11-26T09:00:00.000Z p[1] debug: a message far", 50),
	   "a cut line keeps its head");
}

/* What log_vsend hands on. */
struct got {
	int calls;
	enum log_level level;
	char msg[LOG_MSG_MAX + 16];
};

static void catch_msg(void *ctx, enum log_level level, const char *msg)
{
	struct got *g = ctx;

	g->calls++;
	g->level = level;
	snprintf(g->msg, sizeof(g->msg), "%s", msg);
}

static void send_msg(struct got *g, enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void send_msg(struct got *g, enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vsend(catch_msg, g, level, fmt, ap);
	va_end(ap);
}

static void test_send(void)
{
	static char big[3000];
	struct got g = {0};
	char line[256], want[64];
	size_t n;

	send_msg(&g, LOG_LEVEL_WARN, "map %s: %d entries", "tcp_syn_map_v4", 8192);
	ok(g.calls == 1 && g.level == LOG_LEVEL_WARN &&
	       !strcmp(g.msg, "map tcp_syn_map_v4: 8192 entries"),
	   "log_vsend formats once and hands the message on with its level");
	memset(big, 'x', sizeof(big) - 1);
	send_msg(&g, LOG_LEVEL_INFO, "%s", big);
	is_int((int)strlen(g.msg), LOG_MSG_MAX - 1,
	       "a longer message is cut to LOG_MSG_MAX - 1 bytes");

	n = log_format_now(line, sizeof(line), "prog", LOG_LEVEL_ERROR, "boom");
	snprintf(want, sizeof(want), "Z prog[%ld] error: boom\n", (long)getpid());
	ok(n == strlen(line) && n > strlen(want) && !strcmp(line + n - strlen(want), want),
	   "log_format_now stamps this pid and ends with the message (%s)", line);
	ok(line[4] == '-' && line[10] == 'T', "log_format_now starts with the UTC date");
}

/* log_sink_stderr: lines at or under the threshold reach stderr, the others nothing. */
static void test_sink(void)
{
	struct log_sink sink = {"unit", LOG_LEVEL_WARN};
	char path[] = "/tmp/huginn-test-log.XXXXXX", buf[512];
	int fd = mkstemp(path), saved = dup(2);
	ssize_t n;

	if (!ok(fd >= 0 && saved >= 0, "temporary stderr"))
		return;
	fflush(stderr);
	dup2(fd, 2);
	log_send(log_sink_stderr, &sink, LOG_LEVEL_ERROR, "first %d", 1);
	log_send(log_sink_stderr, &sink, LOG_LEVEL_INFO, "hidden");
	log_send(log_sink_stderr, &sink, LOG_LEVEL_WARN, "second");
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	close(fd);
	unlink(path);
	ok(strstr(buf, "] error: first 1\n") && strstr(buf, "] warn: second\n") &&
	       !strstr(buf, "hidden"),
	   "log_sink_stderr writes what passes the threshold, in order, one line each");
	ok(strstr(buf, " unit[") != NULL, "the sink's program name is on the line");
}

int main(void)
{
	test_sink();
	test_parse();
	test_format();
	test_send();
	return done_testing();
}
