/*
 * test_http_target.c - http_target_normalize and http_target_has_dot_segment: RFC 3986
 * 5.2.4 remove_dot_segments on request paths (the RFC's own example and the abnormal
 * cases of 5.4.2 that climb above the root, which we refuse), percent-encoded dots,
 * refused spellings, the query left alone, absolute-form, and every input checked for
 * never growing.  Inputs sit just before a PROT_NONE page so an over-read faults.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "http/parse.h"
#include "http/target.h"
#include "test/harness.h"

static char *guard; /* two pages, the second PROT_NONE */
static size_t page;

/* Normalise in (form) into a buffer ending at the guard page; *out gets the result or
 * "ERR:reason". */
static long norm(const char *in, int form, char *out, size_t cap)
{
	size_t n = strlen(in);
	char *p = guard + page - n;
	const char *why = NULL;
	long r;

	memcpy(p, in, n);
	r = http_target_normalize(p, n, form, &why);
	if (r < 0)
		snprintf(out, cap, "ERR:%s", why ? why : "?");
	else
		snprintf(out, cap, "%.*s", (int)r, p);
	return r;
}

#define N(in, want)                                                                                \
	do {                                                                                       \
		char o_[512];                                                                      \
		norm(in, HTTP_TARGET_ORIGIN, o_, sizeof(o_));                                      \
		is_str(o_, want, "normalize %s", in);                                              \
	} while (0)

#define REFUSED(in, form)                                                                          \
	do {                                                                                       \
		char o_[512];                                                                      \
		is_int(norm(in, form, o_, sizeof(o_)), -EINVAL, "refused %s (%s)", in, o_);        \
	} while (0)

static void test_resolve(void)
{
	/* RFC 3986 5.2.4's example, and 5.2.4 step by step cases */
	N("/a/b/c/./../../g", "/a/g");
	N("/", "/");
	N("/a", "/a");
	N("/a/", "/a/");
	N("/.", "/");
	N("/./", "/");
	N("/a/.", "/a/");
	N("/a/./", "/a/");
	N("/a/..", "/");
	N("/a/../", "/");
	N("/a/b/..", "/a/");
	N("/a/b/../", "/a/");
	N("/a/b/../c", "/a/c");
	N("/a/./b", "/a/b");
	N("/a//../b", "/a/b"); /* the empty segment is the one removed */
	N("/a//b", "/a//b");   /* empty segments are kept, not merged */
	N("/./a/./b/./", "/a/b/");
	/* the cases */
	N("/api/../admin", "/admin");
	N("/api/%2e%2e/admin", "/admin");
	N("/api/%2E%2E/admin", "/admin");
	N("/api/.%2e/admin", "/admin");
	N("/api/%2e./admin", "/admin");
	N("/api/%2e/x", "/api/x");
	N("/api/./x", "/api/x");
	/* dots that are not whole segments stay */
	N("/a/..b/c", "/a/..b/c");
	N("/a/b../c", "/a/b../c");
	N("/a/.../c", "/a/.../c");
	N("/a/%2e%2e%2e/c", "/a/%2e%2e%2e/c");
	N("/a/.%2e.", "/a/.%2e.");
	N("/a/%2e%2", "/a/%2e%2");
	N("/a/%2", "/a/%2");
	N("/a/%", "/a/%");
	N("/file.tar.gz", "/file.tar.gz");
	N("/%41%2e", "/%41%2e");
	/* the query is left as sent, dots and all */
	N("/a/../b?x=/../y", "/b?x=/../y");
	N("/a?../..", "/a?../..");
	N("/a/b/..?q", "/a/?q");
	N("/?", "/?");
	N("/a/%2e?%2e%2e", "/a/?%2e%2e");
}

static void test_refused(void)
{
	/* RFC 3986 5.4.2 abnormal examples climb above the root: refused, not clamped */
	REFUSED("/..", HTTP_TARGET_ORIGIN);
	REFUSED("/../", HTTP_TARGET_ORIGIN);
	REFUSED("/../g", HTTP_TARGET_ORIGIN);
	REFUSED("/../../g", HTTP_TARGET_ORIGIN);
	REFUSED("/a/../../g", HTTP_TARGET_ORIGIN);
	REFUSED("/./../g", HTTP_TARGET_ORIGIN);
	REFUSED("/%2e%2e/g", HTTP_TARGET_ORIGIN);
	REFUSED("/api/../../admin", HTTP_TARGET_ORIGIN);
	/* fragment, NUL, encoded separators, backslash */
	REFUSED("/a#b", HTTP_TARGET_ORIGIN);
	REFUSED("/a?q#b", HTTP_TARGET_ORIGIN);
	REFUSED("/api/x#/../../admin", HTTP_TARGET_ORIGIN);
	REFUSED("/a%00b", HTTP_TARGET_ORIGIN);
	REFUSED("/a?q=%00", HTTP_TARGET_ORIGIN);
	REFUSED("/api/..%2fadmin", HTTP_TARGET_ORIGIN);
	REFUSED("/api/..%2Fadmin", HTTP_TARGET_ORIGIN);
	REFUSED("/a%2fb", HTTP_TARGET_ORIGIN);
	REFUSED("/a\\b", HTTP_TARGET_ORIGIN);
	REFUSED("/a%5cb", HTTP_TARGET_ORIGIN);
	REFUSED("/a%5Cb", HTTP_TARGET_ORIGIN);
	REFUSED("http://h/a/../../b", HTTP_TARGET_ABSOLUTE);
	REFUSED("http://h/a#x", HTTP_TARGET_ABSOLUTE);
	/* allowed in the query: '/', '\' and their encodings */
	{
		char o[64];

		ok(norm("/a?x=%2f%5c\\", HTTP_TARGET_ORIGIN, o, sizeof(o)) > 0 &&
		       !strcmp(o, "/a?x=%2f%5c\\"),
		   "encoded separators in the query pass (%s)", o);
	}
}

static void test_forms(void)
{
	char o[256];

	norm("http://h:80/api/../admin?q", HTTP_TARGET_ABSOLUTE, o, sizeof(o));
	is_str(o, "http://h:80/admin?q", "absolute-form: path resolved, authority kept");
	norm("http://h", HTTP_TARGET_ABSOLUTE, o, sizeof(o));
	is_str(o, "http://h", "absolute-form without a path unchanged");
	norm("http://h?a/../b", HTTP_TARGET_ABSOLUTE, o, sizeof(o));
	is_str(o, "http://h?a/../b", "absolute-form: query without a path unchanged");
	norm("http://h/./", HTTP_TARGET_ABSOLUTE, o, sizeof(o));
	is_str(o, "http://h/", "absolute-form: /./ -> /");
	norm("h.example:443", HTTP_TARGET_AUTHORITY, o, sizeof(o));
	is_str(o, "h.example:443", "authority-form passes unchanged");
	norm("*", HTTP_TARGET_ASTERISK, o, sizeof(o));
	is_str(o, "*", "asterisk-form passes unchanged");
}

static void test_dot_segment(void)
{
	ok(http_target_has_dot_segment("/v1/..", 6), "/v1/.. has a dot segment");
	ok(http_target_has_dot_segment("/v1/../x", 8), "/v1/../x has one");
	ok(http_target_has_dot_segment("/v1/./x", 7), "/v1/./x has one");
	ok(http_target_has_dot_segment("/v1/%2E%2e/x", 12), "/v1/%%2E%%2e/x has one");
	ok(http_target_has_dot_segment("/v1/.", 5), "/v1/. has one");
	ok(!http_target_has_dot_segment("/v1/..x", 7), "/v1/..x has none");
	ok(!http_target_has_dot_segment("/v1/", 4), "/v1/ has none");
	ok(!http_target_has_dot_segment("/", 1), "/ has none");
	ok(!http_target_has_dot_segment("/a.b/c.", 7), "/a.b/c. has none");
}

/* Every short string over a small alphabet: the result never grows, starts with '/',
 * holds no dot segment, and normalising it again changes nothing. */
static void test_exhaustive(void)
{
	static const char *const atoms[] = {"/", ".", "a", "%2e", "%2E", "?"};
	const size_t na = sizeof(atoms) / sizeof(atoms[0]);
	unsigned bad = 0, tried = 0;

	for (unsigned code = 0; code < 6 * 6 * 6 * 6 * 6 * 6; code++) {
		char in[64] = "/", o1[128], o2[128];
		unsigned c = code;
		long r1, r2;
		const char *q;

		for (int k = 0; k < 6; k++, c /= (unsigned)na)
			strcat(in, atoms[c % na]);
		tried++;
		r1 = norm(in, HTTP_TARGET_ORIGIN, o1, sizeof(o1));
		if (r1 < 0)
			continue;
		q = strchr(o1, '?');
		if ((size_t)r1 > strlen(in) || o1[0] != '/' ||
		    http_target_has_dot_segment(o1, q ? (size_t)(q - o1) : strlen(o1)))
			bad++;
		r2 = norm(o1, HTTP_TARGET_ORIGIN, o2, sizeof(o2));
		if (r2 != r1 || strcmp(o1, o2))
			bad++;
	}
	is_int(bad, 0, "%u generated paths: never longer, no dot segment left, idempotent", tried);
}

int main(void)
{
	page = (size_t)sysconf(_SC_PAGESIZE);
	guard = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (guard == MAP_FAILED || mprotect(guard + page, page, PROT_NONE)) {
		ok(0, "guard page");
		return done_testing();
	}
	test_resolve();
	test_refused();
	test_forms();
	test_dot_segment();
	test_exhaustive();
	munmap(guard, 2 * page);
	return done_testing();
}
