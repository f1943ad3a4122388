/*
 * test_p0f_ua.c - the User-Agent OS family table, the label families and their
 * comparison (p0f/ua.h).
 *
 * The User-Agent strings are published ones, each with its source:
 *   [ua-red]  Chromium, "User-Agent Reduction" (chromium.org/updates/ua-reduction),
 *             reduced strings for Windows, macOS, Linux, ChromeOS and Android.
 *   [mdn-ua]  MDN "User-Agent header" examples (Firefox 47 on Windows 7, Firefox 42 on
 *             macOS, Chrome 51 on Linux, Googlebot, curl), and its reduction section
 *             (Chrome on Android 16 / Pixel 9, before and after).
 *   [mdn-ff]  MDN "Firefox user agent string reference": Firefox on Android
 *             ("Android 4.4; Mobile"), on Linux ("X11; Linux x86_64"), and the Unix
 *             platform rule (uname sysname + machine) that gives "X11; FreeBSD amd64".
 *   [cr-and]  developer.chrome.com "Chrome for Android User-Agent": Galaxy Nexus, and
 *             Safari on iPhone and iPad for comparison.
 *   [safari]  Safari 17 on iOS 17 as Apple ships it (WebKit's frozen "iPhone; CPU iPhone
 *             OS 17_0 like Mac OS X"; Mobile/15E148 is the frozen build token).
 */
#include <stdlib.h>
#include <string.h>

#include "p0f/ua.h"
#include "test/harness.h"

static const struct {
	const char *ua;
	enum p0f_ua_os want;
	const char *src;
} uas[] = {
    {"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/120.0.0.0 Safari/537.36",
     P0F_UA_OS_WINDOWS, "ua-red"},
    {"Mozilla/5.0 (Windows NT 6.1; Win64; x64; rv:47.0) Gecko/20100101 Firefox/47.0",
     P0F_UA_OS_WINDOWS, "mdn-ua"},
    {"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/120.0.0.0 Safari/537.36",
     P0F_UA_OS_MACOS, "ua-red"},
    {"Mozilla/5.0 (Macintosh; Intel Mac OS X x.y; rv:42.0) Gecko/20100101 Firefox/42.0",
     P0F_UA_OS_MACOS, "mdn-ua"},
    {"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_7_3) AppleWebKit/534.53.11 (KHTML, like Gecko) "
     "Version/5.1.3 Safari/534.53.10",
     P0F_UA_OS_MACOS, "cr-and"},
    {"Mozilla/5.0 (iPhone; U; CPU like Mac OS X; en) AppleWebKit/420+ (KHTML, like Gecko) "
     "Version/3.0 Mobile/1A543 Safari/419.3",
     P0F_UA_OS_IOS, "cr-and"},
    {"Mozilla/5.0 (iPad; U; CPU OS 3_2 like Mac OS X; en-us) AppleWebKit/531.21.10 (KHTML, "
     "like Gecko) Version/4.0.4 Mobile/7B334b Safari/531.21.10",
     P0F_UA_OS_IOS, "cr-and"},
    {"Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
     "Gecko) Version/17.0 Mobile/15E148 Safari/604.1",
     P0F_UA_OS_IOS, "safari"},
    {"Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/143.0.0.0 Mobile Safari/537.36",
     P0F_UA_OS_ANDROID, "mdn-ua"},
    {"Mozilla/5.0 (Linux; Android 16; Pixel 9) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/143.0.12.45 Mobile Safari/537.36",
     P0F_UA_OS_ANDROID, "mdn-ua"},
    {"Mozilla/5.0 (Linux; Android 4.0.4; Galaxy Nexus Build/IMM76B) AppleWebKit/535.19 (KHTML, "
     "like Gecko) Chrome/18.0.1025.133 Mobile Safari/535.19",
     P0F_UA_OS_ANDROID, "cr-and"},
    {"Mozilla/5.0 (Android 4.4; Mobile; rv:41.0) Gecko/41.0 Firefox/41.0", P0F_UA_OS_ANDROID,
     "mdn-ff"},
    {"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/51.0.2704.103 Safari/537.36",
     P0F_UA_OS_LINUX, "mdn-ua"},
    {"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0", P0F_UA_OS_LINUX,
     "mdn-ff"},
    {"Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/120.0.0.0 Safari/537.36",
     P0F_UA_OS_CHROMEOS, "ua-red"},
    {"Mozilla/5.0 (X11; FreeBSD amd64; rv:128.0) Gecko/20100101 Firefox/128.0", P0F_UA_OS_BSD,
     "mdn-ff"},
    {"Mozilla/5.0 (X11; OpenBSD amd64; rv:128.0) Gecko/20100101 Firefox/128.0", P0F_UA_OS_BSD,
     "mdn-ff"},
    {"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", P0F_UA_OS_UNKNOWN,
     "mdn-ua"},
    {"curl/7.64.1", P0F_UA_OS_UNKNOWN, "mdn-ua"},
    {"", P0F_UA_OS_UNKNOWN, "empty"},
};

static void test_parse(void)
{
	for (size_t i = 0; i < sizeof(uas) / sizeof(uas[0]); i++)
		is_str(p0f_ua_os_name(p0f_ua_parse(uas[i].ua, strlen(uas[i].ua))),
		       p0f_ua_os_name(uas[i].want), "[%s] %.60s", uas[i].src, uas[i].ua);
	is_int(p0f_ua_parse(NULL, 5), P0F_UA_OS_UNKNOWN, "no User-Agent: unknown");
	/* Only the first P0F_UA_SCAN_MAX bytes count. */
	{
		static char big[P0F_UA_SCAN_MAX + 16];

		memset(big, 'a', sizeof(big));
		memcpy(big + P0F_UA_SCAN_MAX + 2, "Linux", 5);
		is_int(p0f_ua_parse(big, sizeof(big)), P0F_UA_OS_UNKNOWN,
		       "a token past the scanned prefix is not seen");
		memcpy(big + P0F_UA_SCAN_MAX - 5, "Linux", 5);
		is_int(p0f_ua_parse(big, sizeof(big)), P0F_UA_OS_LINUX,
		       "a token ending at the last scanned byte is seen");
	}
	/* The length bounds the scan: no read past it (ASan would see one). */
	{
		char *p = malloc(5);

		memcpy(p, "Linux", 5);
		is_int(p0f_ua_parse(p, 5), P0F_UA_OS_LINUX, "exact-length value");
		is_int(p0f_ua_parse(p, 4), P0F_UA_OS_UNKNOWN, "cut value: no token");
		free(p);
	}
}

static void test_labels(void)
{
	static const struct {
		const char *os;
		enum p0f_ua_os want;
	} l[] = {
	    /* huginn.fp names (docs/p0f-db.md) and p0f.fp's. */
	    {"Linux", P0F_UA_OS_LINUX_KERNEL},
	    {"Linux 4.20 or newer", P0F_UA_OS_LINUX_KERNEL},
	    {"Linux 2.2.x-3.x", P0F_UA_OS_LINUX_KERNEL},
	    {"Android", P0F_UA_OS_LINUX_KERNEL},
	    {"Darwin macOS or iOS", P0F_UA_OS_DARWIN},
	    {"Mac OS X 10.x", P0F_UA_OS_DARWIN},
	    {"iOS iPhone or iPad", P0F_UA_OS_DARWIN},
	    {"Windows 10 or 11", P0F_UA_OS_WINDOWS},
	    {"Windows NT kernel", P0F_UA_OS_WINDOWS},
	    {"FreeBSD", P0F_UA_OS_BSD},
	    {"OpenBSD 3.x", P0F_UA_OS_BSD},
	    {"NMap SYN scan", P0F_UA_OS_UNKNOWN},
	    {"Linuxish", P0F_UA_OS_UNKNOWN},
	    {"???", P0F_UA_OS_UNKNOWN},
	    {"", P0F_UA_OS_UNKNOWN},
	};

	for (size_t i = 0; i < sizeof(l) / sizeof(l[0]); i++)
		is_str(p0f_ua_os_name(p0f_ua_label_os(l[i].os, strlen(l[i].os))),
		       p0f_ua_os_name(l[i].want), "label '%s'", l[i].os);
}

static void test_compare(void)
{
	static const struct {
		enum p0f_ua_os ua, label;
		enum p0f_ua_result want;
	} c[] = {
	    {P0F_UA_OS_LINUX, P0F_UA_OS_LINUX_KERNEL, P0F_UA_MATCH},
	    {P0F_UA_OS_ANDROID, P0F_UA_OS_LINUX_KERNEL, P0F_UA_MATCH},
	    {P0F_UA_OS_CHROMEOS, P0F_UA_OS_LINUX_KERNEL, P0F_UA_MATCH},
	    {P0F_UA_OS_WINDOWS, P0F_UA_OS_LINUX_KERNEL, P0F_UA_MISMATCH},
	    {P0F_UA_OS_MACOS, P0F_UA_OS_LINUX_KERNEL, P0F_UA_MISMATCH},
	    {P0F_UA_OS_MACOS, P0F_UA_OS_DARWIN, P0F_UA_MATCH},
	    {P0F_UA_OS_IOS, P0F_UA_OS_DARWIN, P0F_UA_MATCH},
	    {P0F_UA_OS_LINUX, P0F_UA_OS_DARWIN, P0F_UA_MISMATCH},
	    {P0F_UA_OS_WINDOWS, P0F_UA_OS_WINDOWS, P0F_UA_MATCH},
	    {P0F_UA_OS_ANDROID, P0F_UA_OS_WINDOWS, P0F_UA_MISMATCH},
	    {P0F_UA_OS_BSD, P0F_UA_OS_BSD, P0F_UA_MATCH},
	    {P0F_UA_OS_LINUX, P0F_UA_OS_BSD, P0F_UA_MISMATCH},
	    {P0F_UA_OS_UNKNOWN, P0F_UA_OS_LINUX_KERNEL, P0F_UA_UNKNOWN},
	    {P0F_UA_OS_WINDOWS, P0F_UA_OS_UNKNOWN, P0F_UA_UNKNOWN},
	    {P0F_UA_OS_MAX, P0F_UA_OS_WINDOWS, P0F_UA_UNKNOWN},
	};

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		is_str(p0f_ua_result_name(p0f_ua_compare(c[i].ua, c[i].label)),
		       p0f_ua_result_name(c[i].want), "UA %s vs label %s", p0f_ua_os_name(c[i].ua),
		       p0f_ua_os_name(c[i].label));
	is_str(p0f_ua_result_name(P0F_UA_MATCH), "match", "name: match");
	is_str(p0f_ua_result_name(P0F_UA_MISMATCH), "mismatch", "name: mismatch");
	is_str(p0f_ua_result_name(P0F_UA_UNKNOWN), "unknown", "name: unknown");
}

int main(void)
{
	test_parse();
	test_labels();
	test_compare();
	return done_testing();
}
