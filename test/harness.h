/*
 * harness.h - the tiny in-repo test harness for C unit tests.
 *
 * Prints one "ok N - what" / "not ok N - what" line per check, and
 * "ok N # SKIP what" for a skipped one; test/run.sh counts those lines.
 * Counters are file-level statics: each test binary is its own main.
 */
#ifndef HUGINN_TEST_HARNESS_H
#define HUGINN_TEST_HARNESS_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static int t_count, t_failed;

__attribute__((format(printf, 4, 5))) static int t_ok(int pass, const char *file, int line,
						      const char *fmt, ...)
{
	va_list ap;

	t_count++;
	printf("%sok %d - ", pass ? "" : "not ", t_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!pass) {
		t_failed++;
		printf("#   failed at %s:%d\n", file, line);
	}
	fflush(stdout);
	return pass;
}

#define ok(cond, ...) t_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

#define is_int(got, want, ...)                                                                     \
	do {                                                                                       \
		long long g_ = (long long)(got), w_ = (long long)(want);                           \
		if (!t_ok(g_ == w_, __FILE__, __LINE__, __VA_ARGS__))                              \
			printf("#   got %lld, want %lld\n", g_, w_);                               \
	} while (0)

#define is_str(got, want, ...)                                                                     \
	do {                                                                                       \
		const char *g_ = (got), *w_ = (want);                                              \
		int p_ = g_ && w_ && strcmp(g_, w_) == 0;                                          \
		if (!t_ok(p_, __FILE__, __LINE__, __VA_ARGS__))                                    \
			printf("#   got  '%s'\n#   want '%s'\n", g_ ? g_ : "(null)",               \
			       w_ ? w_ : "(null)");                                                \
	} while (0)

__attribute__((unused)) static void skip(const char *why)
{
	t_count++;
	printf("ok %d # SKIP %s\n", t_count, why);
	fflush(stdout);
}

/*
 * Copy len bytes so that they end right before a PROT_NONE page: a parser
 * that reads one byte too far faults instead of passing by luck.  Returns
 * NULL on failure; release with t_guarded_free(p, len).
 */
__attribute__((unused)) static unsigned char *t_guarded(const void *data, size_t len)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE), span = (len + pg - 1) / pg * pg + pg;
	unsigned char *m =
	    mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (m == MAP_FAILED)
		return NULL;
	if (mprotect(m + span - pg, pg, PROT_NONE)) {
		munmap(m, span);
		return NULL;
	}
	if (len)
		memcpy(m + span - pg - len, data, len);
	return m + span - pg - len;
}

__attribute__((unused)) static void t_guarded_free(unsigned char *p, size_t len)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE), span = (len + pg - 1) / pg * pg + pg;

	if (p)
		munmap(p + len + pg - span, span);
}

/* Returns the exit status for main. */
static int done_testing(void)
{
	printf("# %d checks, %d failed\n", t_count, t_failed);
	return t_failed ? 1 : 0;
}

#endif
