/*
 * ua.h - the OS family a User-Agent claims, the family of a SYN's label, and whether the
 * two agree (the x-tcp-p0f-ua header, docs/p0f-db.md "User-Agent cross-check").
 *
 * It sits in p0f/ rather than http/: it compares with p0f labels and shares their family
 * names; it reads only the header's bytes (no HTTP parsing, no I/O, no allocation).
 *
 * User-Agent -> family: the first rule of a fixed table whose token occurs in the value
 * (case-sensitive, as browsers write them), checked in this order so that a more specific
 * platform wins over the one it contains:
 *   "CrOS "                               ChromeOS  (Chrome: "X11; CrOS x86_64 ...")
 *   "Android"                             Android   (Chrome: "Linux; Android 10; K")
 *   "iPhone" "iPad" "iPod"                iOS       (Safari: "iPhone; CPU iPhone OS ...")
 *   "Macintosh" "Mac OS X"                macOS     (after iOS: iOS also says "like Mac OS X")
 *   "Windows Phone"                       unknown   (a dead platform, claims Android too)
 *   "Windows"                             Windows   ("Windows NT 10.0; Win64; x64")
 *   "FreeBSD" "OpenBSD" "NetBSD"          BSD       (Firefox: "X11; FreeBSD amd64")
 *   "Linux"                               Linux     ("X11; Linux x86_64")
 *   anything else (curl, bots, empty)     unknown
 * Only the first P0F_UA_SCAN_MAX bytes are read.
 *
 * Label -> family, by the label's OS name (p0f.fp's and huginn.fp's), given alone or as
 * the os= text ("Linux 4.20 or newer": the name, then a space and the flavor):
 *   Linux, Android                        Linux kernel family: matches Linux, Android, ChromeOS
 *   Darwin, Mac OS X, iOS                 Darwin: matches macOS, iOS (one TCP stack)
 *   Windows                               matches Windows
 *   FreeBSD, OpenBSD, NetBSD              BSD: matches BSD
 *   anything else, and no label           unknown
 */
#ifndef HUGINN_P0F_UA_H
#define HUGINN_P0F_UA_H

#include <stddef.h>

#define P0F_UA_SCAN_MAX 1024

enum p0f_ua_os {
	P0F_UA_OS_UNKNOWN = 0,
	P0F_UA_OS_WINDOWS,
	P0F_UA_OS_MACOS,
	P0F_UA_OS_IOS,
	P0F_UA_OS_ANDROID,
	P0F_UA_OS_LINUX,
	P0F_UA_OS_CHROMEOS,
	P0F_UA_OS_BSD,
	/* Label families only (a SYN cannot tell these apart): */
	P0F_UA_OS_LINUX_KERNEL, /* Linux, Android, ChromeOS */
	P0F_UA_OS_DARWIN,	/* macOS, iOS */
	P0F_UA_OS_MAX
};

enum p0f_ua_result {
	P0F_UA_UNKNOWN = 0, /* either side has no family */
	P0F_UA_MATCH,
	P0F_UA_MISMATCH,
	P0F_UA_RESULT_MAX
};

/* The family ua[0..len) claims (any bytes; not NUL-terminated). */
enum p0f_ua_os p0f_ua_parse(const char *ua, size_t len);

/* The family of a label: name[0..len) is its OS name ("Linux") or the os= text, the name
 * followed by a space and the flavor ("Linux 4.20 or newer"). */
enum p0f_ua_os p0f_ua_label_os(const char *name, size_t len);

/* Compare the User-Agent's family with the label's family. */
enum p0f_ua_result p0f_ua_compare(enum p0f_ua_os ua, enum p0f_ua_os label);

/* "match", "mismatch", "unknown" (the header value and the metric label). */
const char *p0f_ua_result_name(enum p0f_ua_result r);

/* "windows", "macos", ... "unknown" (for tests and logs). */
const char *p0f_ua_os_name(enum p0f_ua_os os);

#endif
