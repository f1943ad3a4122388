/*
 * target.c - request-target normalisation before routing (see target.h).
 *
 * remove_dot_segments (RFC 3986 5.2.4) done as a stack of segments written back into the
 * same buffer: the write position never passes the read position, because every step
 * copies a segment as it is or drops it.  Linear: each byte is copied at most once and
 * looked at once more when a ".." pops its segment.
 */
#include <errno.h>
#include <string.h>

#include "http/parse.h"
#include "http/target.h"

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* "%XY" at p[0..3) with p[1..3) equal to hex (lower case) ignoring case. */
static int pct_is(const char *p, size_t left, const char *hex)
{
	return left >= 3 && p[0] == '%' && lower((unsigned char)p[1]) == hex[0] &&
	       lower((unsigned char)p[2]) == hex[1];
}

/* 1 for ".", 2 for "..", each dot plain or "%2e"; 0 for any other segment. */
static int dots(const char *s, size_t n)
{
	size_t i = 0;
	int d = 0;

	while (i < n) {
		if (s[i] == '.') {
			i++;
		} else if (pct_is(s + i, n - i, "2e")) {
			i += 3;
		} else {
			return 0;
		}
		if (++d > 2)
			return 0;
	}
	return d;
}

int http_target_has_dot_segment(const char *p, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t s = i;

		while (i < n && p[i] != '/')
			i++;
		if (dots(p + s, i - s))
			return 1;
		i++;
	}
	return 0;
}

static long fail(const char **why, const char *reason)
{
	if (why)
		*why = reason;
	return -EINVAL;
}

/* Bytes no reading of the path may carry (see target.h). */
static const char *bad_in_path(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\\')
			return "backslash in path";
		if (p[i] != '%')
			continue;
		if (pct_is(p + i, n - i, "2f"))
			return "encoded slash in path";
		if (pct_is(p + i, n - i, "5c"))
			return "encoded backslash in path";
	}
	return NULL;
}

/*
 * Resolve p[0..n) (starting with '/') in place; returns the new length or -EINVAL.
 * The output is "/" seg ("/" seg)*, or "/" alone; a path that ended in a dot segment
 * keeps its trailing '/' ("/a/b/.." -> "/a/"), as RFC 3986 5.2.4 gives.
 */
static long resolve(char *p, size_t n, const char **why)
{
	size_t r = 0, w = 0; /* read and write positions; w <= r always */
	int trail = 0;

	while (r < n) {
		size_t s = ++r, len; /* skip the '/' that starts every segment */
		int d;

		while (r < n && p[r] != '/')
			r++;
		len = r - s;
		d = dots(p + s, len);
		trail = d != 0;
		if (d == 1)
			continue;
		if (d == 2) {
			if (w == 0)
				return fail(why, "path climbs above the root");
			while (p[--w] != '/')
				;
			continue;
		}
		p[w++] = '/';
		memmove(p + w, p + s, len);
		w += len;
	}
	if (w == 0 || trail)
		p[w++] = '/'; /* room: a dropped segment freed at least "/." */
	return (long)w;
}

long http_target_normalize(char *t, size_t n, int form, const char **why)
{
	size_t ps = 0, pe, i;
	long pn;

	if (form != HTTP_TARGET_ORIGIN && form != HTTP_TARGET_ABSOLUTE)
		return (long)n;
	if (n == 0)
		return fail(why, "empty target");
	/* One pass for what is refused anywhere, and a cheap exit for the common case. */
	if (memchr(t, '#', n))
		return fail(why, "fragment in target");
	for (i = 0; i + 2 < n; i++)
		if (t[i] == '%' && t[i + 1] == '0' && t[i + 2] == '0')
			return fail(why, "encoded NUL in target");
	if (form == HTTP_TARGET_ABSOLUTE) {
		/* scheme "://" authority, then the path (if any) */
		const char *c = memchr(t, ':', n);

		if (!c || (size_t)(c - t) + 3 > n || c[1] != '/' || c[2] != '/')
			return (long)n; /* no authority: nothing routable to resolve */
		ps = (size_t)(c - t) + 3;
		while (ps < n && t[ps] != '/' && t[ps] != '?')
			ps++;
		if (ps == n || t[ps] != '/')
			return (long)n;
	}
	pe = ps;
	while (pe < n && t[pe] != '?')
		pe++;
	{
		const char *b = bad_in_path(t + ps, pe - ps);

		if (b)
			return fail(why, b);
	}
	if (!memchr(t + ps, '.', pe - ps) && !memchr(t + ps, '%', pe - ps))
		return (long)n;
	pn = resolve(t + ps, pe - ps, why);
	if (pn < 0)
		return pn;
	memmove(t + ps + (size_t)pn, t + pe, n - pe);
	return (long)(ps + (size_t)pn + (n - pe));
}
