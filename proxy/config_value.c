/*
 * config_value.c - the syntax of single config.toml values (config_value.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "proxy/config_value.h"

/* Framing and hop-by-hop fields belong to the engine; x-tcp-*, x-tls-* to the fingerprints. */
static const char *const reserved_headers[] = {
    "content-length", "transfer-encoding", "connection", "keep-alive", "upgrade", "te",
    "trailer",	      "proxy-connection",  "host",
};

int proxy_config_value_addr(const char *s, size_t len, struct sockaddr_storage *sa,
			    socklen_t *salen)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *colon, *h = s;
	size_t hlen;
	unsigned long port = 0;

	memset(sa, 0, sizeof(*sa));
	*salen = 0;
	if (len == 0 || len >= PROXY_CONFIG_VALUE_ADDR_MAX)
		return -EINVAL;
	if (s[0] == '[') {
		const char *rb = memchr(s, ']', len);

		if (!rb || rb + 1 == s + len || rb[1] != ':')
			return -EINVAL;
		h = s + 1;
		hlen = (size_t)(rb - h);
		colon = rb + 1;
	} else {
		colon = memchr(s, ':', len);
		if (!colon)
			return -EINVAL;
		hlen = (size_t)(colon - s);
	}
	if (hlen == 0 || hlen >= sizeof(host))
		return -EINVAL;
	memcpy(host, h, hlen);
	host[hlen] = '\0';

	/* Port: 1-5 decimal digits, 1..65535. */
	const char *p = colon + 1, *end = s + len;

	if (p == end || end - p > 5)
		return -EINVAL;
	for (; p < end; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		port = port * 10 + (unsigned long)(*p - '0');
	}
	if (port == 0 || port > 65535)
		return -EINVAL;

	if (s[0] == '[') {
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)sa;

		if (inet_pton(AF_INET6, host, &a6->sin6_addr) != 1)
			return -EINVAL;
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		*salen = sizeof(*a6);
	} else {
		struct sockaddr_in *a4 = (struct sockaddr_in *)sa;

		if (inet_pton(AF_INET, host, &a4->sin_addr) != 1)
			return -EINVAL;
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)port);
		*salen = sizeof(*a4);
	}
	return 0;
}

/* RFC 9110 tchar. */
static bool is_tchar(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* Printable ASCII without space: what a path prefix may hold. */
bool proxy_config_value_path_text(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return false;
	return true;
}

static const char *header_name_problem(const char *s, size_t len)
{
	if (len == 0)
		return "empty header name";
	if (len >= HTTP_RW_NAME_MAX)
		return "header name too long";
	for (size_t i = 0; i < len; i++)
		if (!is_tchar((unsigned char)s[i]))
			return "invalid character in header name";
	for (size_t i = 0; i < sizeof(reserved_headers) / sizeof(reserved_headers[0]); i++)
		if (strlen(reserved_headers[i]) == len &&
		    strncasecmp(reserved_headers[i], s, len) == 0)
			return "header is managed by the proxy and cannot be configured";
	if (len >= 6 && strncasecmp(s, "x-tcp-", 6) == 0)
		return "x-tcp-* headers are reserved for the fingerprint";
	if (len >= 6 && strncasecmp(s, "x-tls-", 6) == 0)
		return "x-tls-* headers are reserved for the fingerprint";
	return NULL;
}

/* "name: value" (add lists) or "name" (remove lists) into h; a message or NULL. */
const char *proxy_config_value_header_rule(const char *s, size_t len, bool with_value,
					   struct http_rw_field *h)
{
	const char *colon = with_value ? memchr(s, ':', len) : NULL;
	size_t nlen = colon ? (size_t)(colon - s) : len;
	const char *v, *vend = s + len, *problem;

	if (with_value && !colon)
		return "expected \"name: value\"";
	if ((problem = header_name_problem(s, nlen)))
		return problem;
	memset(h, 0, sizeof(*h));
	memcpy(h->name, s, nlen);
	h->name_len = (uint16_t)nlen;
	if (!with_value)
		return NULL;
	/* RFC 9110 5.5: optional whitespace around the value is not part of it. */
	for (v = colon + 1; v < vend && (*v == ' ' || *v == '\t'); v++)
		;
	while (vend > v && (vend[-1] == ' ' || vend[-1] == '\t'))
		vend--;
	if ((size_t)(vend - v) >= HTTP_RW_VALUE_MAX)
		return "header value too long";
	for (const char *p = v; p < vend; p++) {
		unsigned char c = (unsigned char)*p;

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return "invalid character in header value";
	}
	memcpy(h->value, v, (size_t)(vend - v));
	h->value_len = (uint16_t)(vend - v);
	return NULL;
}

int proxy_config_value_set_addr(struct proxy_config_addr *a, const char *s, size_t len)
{
	int r = proxy_config_value_addr(s, len, &a->sa, &a->salen);

	if (r < 0)
		return r;
	memcpy(a->text, s, len);
	a->text[len] = '\0';
	return 0;
}

bool proxy_config_value_same_addr(const struct proxy_config_addr *a,
				  const struct proxy_config_addr *b)
{
	return a->salen == b->salen && memcmp(&a->sa, &b->sa, a->salen) == 0;
}

bool proxy_config_value_overlap(const struct proxy_config_addr *a,
				const struct proxy_config_addr *b)
{
	if (a->sa.ss_family != b->sa.ss_family)
		return false;
	if (a->sa.ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)&a->sa, *y = (const void *)&b->sa;

		return x->sin_port == y->sin_port &&
		       (x->sin_addr.s_addr == y->sin_addr.s_addr || x->sin_addr.s_addr == 0 ||
			y->sin_addr.s_addr == 0);
	}
	const struct sockaddr_in6 *x = (const void *)&a->sa, *y = (const void *)&b->sa;

	return x->sin6_port == y->sin6_port &&
	       (IN6_ARE_ADDR_EQUAL(&x->sin6_addr, &y->sin6_addr) ||
		IN6_IS_ADDR_UNSPECIFIED(&x->sin6_addr) || IN6_IS_ADDR_UNSPECIFIED(&y->sin6_addr));
}

int proxy_config_value_ppin_mode(const char *s, size_t len)
{
	static const char *const modes[] = {"off", "optional", "required"};

	for (int m = 0; m < 3; m++)
		if (strlen(modes[m]) == len && memcmp(modes[m], s, len) == 0)
			return m;
	return -1;
}

int proxy_config_value_trusted(const struct toml_event *ev, const char *key, struct cidr *list,
			       unsigned int *n, unsigned int max)
{
	struct cidr *c = &list[*n];
	const char *problem;

	if (*n == max)
		return toml_fail(ev, ev->vline, ev->vcol, "key '%s': too many prefixes (max %u)",
				 key, max);
	problem = cidr_parse(ev->val.s, ev->val.len, c);
	if (problem)
		return toml_fail(ev, ev->vline, ev->vcol,
				 "key '%s[%u]': %s: expected a prefix like 10.0.0.0/8 or "
				 "fd00::/8, got '%.*s'",
				 key, ev->item, problem, (int)(ev->val.len > 64 ? 64 : ev->val.len),
				 ev->val.s);
	for (unsigned int i = 0; i < *n; i++)
		if (!memcmp(&list[i], c, sizeof(*c)))
			return toml_fail(ev, ev->vline, ev->vcol, "key '%s[%u]': listed twice", key,
					 ev->item);
	(*n)++;
	return 0;
}

int proxy_config_value_fail(char *err, size_t errlen, const char *name, unsigned int line,
			    unsigned int col, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!err || !errlen)
		return -EINVAL;
	n = snprintf(err, errlen, "%s:%u:%u: ", name, line, col);
	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < errlen)
		vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}
