/*
 * ua.c - User-Agent and label OS families (see ua.h for the tables' rules).
 *
 * Where the tokens come from (facts, cited):
 * - Chrome's reduced User-Agent strings (chromium.org/updates/ua-reduction, "Reduced
 *   User-Agent String Reference"; MDN "User-Agent header", User-Agent reduction): the
 *   platforms "Windows NT 10.0; Win64; x64", "Macintosh; Intel Mac OS X 10_15_7",
 *   "X11; Linux x86_64", "X11; CrOS x86_64", "Linux; Android 10; K".
 * - Safari on iOS/iPadOS (Chrome for Android UA page, developer.chrome.com/multidevice/
 *   user-agent, which lists Safari's for comparison): "iPhone; CPU iPhone OS ... like
 *   Mac OS X", "iPad; CPU OS ... like Mac OS X".
 * - Firefox (MDN "Firefox user agent string reference"): the platform is "X11; " and the
 *   uname sysname and machine on Unix ("X11; Linux x86_64"; so "X11; FreeBSD amd64",
 *   "X11; OpenBSD amd64" on the BSDs), "Windows NT 10.0; Win64; x64", "Android 14;
 *   Mobile".
 */
#include <string.h>

#include "p0f/ua.h"

static const struct ua_rule {
	const char *token;
	enum p0f_ua_os os;
} ua_rules[] = {
    {"CrOS ", P0F_UA_OS_CHROMEOS},  {"Android", P0F_UA_OS_ANDROID},
    {"iPhone", P0F_UA_OS_IOS},	    {"iPad", P0F_UA_OS_IOS},
    {"iPod", P0F_UA_OS_IOS},	    {"Macintosh", P0F_UA_OS_MACOS},
    {"Mac OS X", P0F_UA_OS_MACOS},  {"Windows Phone", P0F_UA_OS_UNKNOWN},
    {"Windows", P0F_UA_OS_WINDOWS}, {"FreeBSD", P0F_UA_OS_BSD},
    {"OpenBSD", P0F_UA_OS_BSD},	    {"NetBSD", P0F_UA_OS_BSD},
    {"Linux", P0F_UA_OS_LINUX},
};

static const struct label_rule {
	const char *name;
	enum p0f_ua_os os;
} label_rules[] = {
    {"Linux", P0F_UA_OS_LINUX_KERNEL}, {"Android", P0F_UA_OS_LINUX_KERNEL},
    {"Darwin", P0F_UA_OS_DARWIN},      {"Mac OS X", P0F_UA_OS_DARWIN},
    {"iOS", P0F_UA_OS_DARWIN},	       {"Windows", P0F_UA_OS_WINDOWS},
    {"FreeBSD", P0F_UA_OS_BSD},	       {"OpenBSD", P0F_UA_OS_BSD},
    {"NetBSD", P0F_UA_OS_BSD},
};

/* memmem without relying on GNU extensions' exact prototype; n is at most SCAN_MAX. */
static int contains(const char *s, size_t n, const char *tok)
{
	size_t t = strlen(tok);

	for (size_t i = 0; i + t <= n; i++)
		if (s[i] == tok[0] && !memcmp(s + i, tok, t))
			return 1;
	return 0;
}

enum p0f_ua_os p0f_ua_parse(const char *ua, size_t len)
{
	if (!ua)
		return P0F_UA_OS_UNKNOWN;
	if (len > P0F_UA_SCAN_MAX)
		len = P0F_UA_SCAN_MAX;
	for (size_t i = 0; i < sizeof(ua_rules) / sizeof(ua_rules[0]); i++)
		if (contains(ua, len, ua_rules[i].token))
			return ua_rules[i].os;
	return P0F_UA_OS_UNKNOWN;
}

enum p0f_ua_os p0f_ua_label_os(const char *name, size_t len)
{
	/* The name alone, or the os= text: the name, a space, the flavor. */
	for (size_t i = 0; i < sizeof(label_rules) / sizeof(label_rules[0]); i++) {
		size_t n = strlen(label_rules[i].name);

		if (len >= n && !memcmp(name, label_rules[i].name, n) &&
		    (len == n || name[n] == ' '))
			return label_rules[i].os;
	}
	return P0F_UA_OS_UNKNOWN;
}

enum p0f_ua_result p0f_ua_compare(enum p0f_ua_os ua, enum p0f_ua_os label)
{
	int ok;

	if (ua == P0F_UA_OS_UNKNOWN || label == P0F_UA_OS_UNKNOWN || ua >= P0F_UA_OS_MAX ||
	    label >= P0F_UA_OS_MAX)
		return P0F_UA_UNKNOWN;
	switch (label) {
	case P0F_UA_OS_LINUX_KERNEL:
	case P0F_UA_OS_LINUX:
		ok = ua == P0F_UA_OS_LINUX || ua == P0F_UA_OS_ANDROID || ua == P0F_UA_OS_CHROMEOS;
		break;
	case P0F_UA_OS_DARWIN:
		ok = ua == P0F_UA_OS_MACOS || ua == P0F_UA_OS_IOS;
		break;
	default:
		ok = ua == label;
		break;
	}
	return ok ? P0F_UA_MATCH : P0F_UA_MISMATCH;
}

const char *p0f_ua_result_name(enum p0f_ua_result r)
{
	static const char *const names[P0F_UA_RESULT_MAX] = {"unknown", "match", "mismatch"};

	return (unsigned)r < P0F_UA_RESULT_MAX ? names[r] : "unknown";
}

const char *p0f_ua_os_name(enum p0f_ua_os os)
{
	static const char *const names[P0F_UA_OS_MAX] = {
	    "unknown", "windows",  "macos", "ios",	    "android",
	    "linux",   "chromeos", "bsd",   "linux-kernel", "darwin"};

	return (unsigned)os < P0F_UA_OS_MAX ? names[os] : "unknown";
}
