/*
 * config_value.h - the syntax of single config.toml values, apart from the file's
 * structure (config.c): numeric socket addresses, header rules, path text.  Pure.
 */
#ifndef HUGINN_PROXY_CONFIG_VALUE_H
#define HUGINN_PROXY_CONFIG_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "http/rewrite.h"
#include "proxy/cidr.h"
#include "proxy/toml.h"

/* "[v6]:port" text as written, with the NUL. */
#define PROXY_CONFIG_VALUE_ADDR_MAX 64

/* A numeric socket address: "1.2.3.4:80" or "[::1]:80". */
struct proxy_config_addr {
	char text[PROXY_CONFIG_VALUE_ADDR_MAX]; /* as written in the file */
	struct sockaddr_storage sa;		/* AF_INET or AF_INET6, port set */
	socklen_t salen;			/* sizeof(sockaddr_in) or sizeof(sockaddr_in6) */
};

/*
 * Parse a numeric "a.b.c.d:port" or "[v6]:port" (port 1..65535, no zone ids, no names)
 * of s[0..len).  Returns 0 with sa and salen filled, or -EINVAL.
 */
int proxy_config_value_addr(const char *s, size_t len, struct sockaddr_storage *sa,
			    socklen_t *salen);

/* s[0..len) into a (text kept as written): 0 or -EINVAL (see proxy_config_value_addr). */
int proxy_config_value_set_addr(struct proxy_config_addr *a, const char *s, size_t len);

/* Same family and address (and port). */
bool proxy_config_value_same_addr(const struct proxy_config_addr *a,
				  const struct proxy_config_addr *b);

/* Would binding both collide: same family and port, and equal or one a wildcard?  With
 * SO_REUSEPORT such binds succeed and split the connections, so configs refuse them. */
bool proxy_config_value_overlap(const struct proxy_config_addr *a,
				const struct proxy_config_addr *b);

/* Printable ASCII without space: what a path prefix may hold. */
bool proxy_config_value_path_text(const char *s, size_t len);

/*
 * "name: value" (with_value, add lists) or "name" (remove lists) of s[0..len) into h.
 * Returns NULL, or a constant message saying what is wrong (reserved or bad name, value
 * too long or with a control byte).
 */
const char *proxy_config_value_header_rule(const char *s, size_t len, bool with_value,
					   struct http_rw_field *h);

/* A PROXY input mode, "off", "optional" or "required" (s[0..len)): enum proxy_ppin_mode's
 * value (0, 1, 2), or -1. */
int proxy_config_value_ppin_mode(const char *s, size_t len);

/*
 * One trusted_proxies item (an array item event ev of key) appended to list[0..*n), at
 * most max: a prefix (cidr_parse), not listed twice.  Returns 0, or toml_fail's -EINVAL
 * with the message set.
 */
int proxy_config_value_trusted(const struct toml_event *ev, const char *key, struct cidr *list,
			       unsigned int *n, unsigned int max);

/* A check after the parse failed: err = "NAME:LINE:COL: message" (cut at errlen).
 * Returns -EINVAL. */
__attribute__((format(printf, 6, 7))) int
proxy_config_value_fail(char *err, size_t errlen, const char *name, unsigned int line,
			unsigned int col, const char *fmt, ...);

#endif
