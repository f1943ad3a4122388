/*
 * cidr.h - address prefixes ("10.0.0.0/8", "fd00::/8", "::1/128") and the test whether a
 * peer's address falls in one: the trusted_proxies list of [listen].
 *
 * Pure: no I/O, no allocation.  An IPv4 prefix also matches the same address seen as an
 * IPv4-mapped IPv6 peer (::ffff:a.b.c.d), which is how a dual-stack socket reports it.
 */
#ifndef HUGINN_PROXY_CIDR_H
#define HUGINN_PROXY_CIDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* Longest text cidr_parse takes: a full IPv6 address with a dotted tail and "/128". */
#define CIDR_TEXT_MAX 64

struct cidr {
	uint8_t family; /* AF_INET or AF_INET6 */
	uint8_t bits;	/* prefix length: 0..32 or 0..128 */
	uint8_t addr[16];
};

/*
 * s[0..len) as "ADDR/BITS" or a bare "ADDR" (all bits): ADDR numeric IPv4 (dotted quad)
 * or IPv6 (no zone id), BITS decimal without leading zeros.  Address bits beyond the
 * prefix must be zero ("10.0.0.1/8" is refused: it is almost always a typo).
 * Returns NULL and fills *out, or a constant message saying what is wrong.
 */
const char *cidr_parse(const char *s, size_t len, struct cidr *out);

/* Does sa (AF_INET or AF_INET6; anything else never matches) fall in c? */
bool cidr_match(const struct cidr *c, const struct sockaddr *sa);

/* Does sa fall in any of list[0..n)? */
bool cidr_match_any(const struct cidr *list, unsigned int n, const struct sockaddr *sa);

#endif
