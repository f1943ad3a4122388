/*
 * cidr.c - address prefixes and matching (see cidr.h).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "proxy/cidr.h"

const char *cidr_parse(const char *s, size_t len, struct cidr *out)
{
	char text[CIDR_TEXT_MAX];
	const char *slash;
	size_t alen, nbytes;
	unsigned bits, max;

	memset(out, 0, sizeof(*out));
	if (len == 0)
		return "empty";
	if (len >= sizeof(text) || memchr(s, '\0', len))
		return "not an address prefix";
	slash = memchr(s, '/', len);
	alen = slash ? (size_t)(slash - s) : len;
	memcpy(text, s, alen);
	text[alen] = '\0';
	if (inet_pton(AF_INET, text, out->addr) == 1) {
		out->family = AF_INET;
		max = 32;
	} else if (!strchr(text, '%') && inet_pton(AF_INET6, text, out->addr) == 1) {
		out->family = AF_INET6;
		max = 128;
	} else {
		return "not a numeric IPv4 or IPv6 address";
	}
	bits = max;
	if (slash) {
		const char *d = slash + 1, *end = s + len;

		if (d == end || end - d > 3 || (d[0] == '0' && end - d > 1))
			return "bad prefix length";
		bits = 0;
		for (; d < end; d++) {
			if (*d < '0' || *d > '9')
				return "bad prefix length";
			bits = bits * 10 + (unsigned)(*d - '0');
		}
		if (bits > max)
			return out->family == AF_INET ? "prefix length over 32"
						      : "prefix length over 128";
	}
	out->bits = (uint8_t)bits;
	/* Host bits must be zero. */
	nbytes = max / 8;
	for (size_t i = 0; i < nbytes; i++) {
		unsigned keep = bits >= 8 * (i + 1) ? 8 : bits > 8 * i ? bits - 8 * (unsigned)i : 0;
		uint8_t mask = (uint8_t)(keep ? 0xff << (8 - keep) : 0);

		if (out->addr[i] & (uint8_t)~mask)
			return "address has bits set beyond the prefix length";
	}
	return NULL;
}

static bool prefix_eq(const uint8_t *a, const uint8_t *b, unsigned bits)
{
	unsigned whole = bits / 8, rest = bits % 8;

	if (memcmp(a, b, whole))
		return false;
	if (!rest)
		return true;
	return ((a[whole] ^ b[whole]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

bool cidr_match(const struct cidr *c, const struct sockaddr *sa)
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)(const void *)sa;

		return c->family == AF_INET &&
		       prefix_eq(c->addr, (const uint8_t *)&s4->sin_addr, c->bits);
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)(const void *)sa;
		const uint8_t *a = s6->sin6_addr.s6_addr;

		if (c->family == AF_INET6)
			return prefix_eq(c->addr, a, c->bits);
		/* ::ffff:a.b.c.d is the IPv4 peer a.b.c.d (RFC 4291 2.5.5.2). */
		return c->family == AF_INET && memcmp(a, mapped, 12) == 0 &&
		       prefix_eq(c->addr, a + 12, c->bits);
	}
	return false;
}

bool cidr_match_any(const struct cidr *list, unsigned int n, const struct sockaddr *sa)
{
	for (unsigned int i = 0; i < n; i++)
		if (cidr_match(&list[i], sa))
			return true;
	return false;
}
