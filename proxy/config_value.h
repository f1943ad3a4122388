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

/* "[v6]:port" text as written, with the NUL. */
#define PROXY_CONFIG_VALUE_ADDR_MAX 64

/*
 * Parse a numeric "a.b.c.d:port" or "[v6]:port" (port 1..65535, no zone ids, no names)
 * of s[0..len).  Returns 0 with sa and salen filled, or -EINVAL.
 */
int proxy_config_value_addr(const char *s, size_t len, struct sockaddr_storage *sa,
			    socklen_t *salen);

/* Printable ASCII without space: what a path prefix may hold. */
bool proxy_config_value_path_text(const char *s, size_t len);

/*
 * "name: value" (with_value, add lists) or "name" (remove lists) of s[0..len) into h.
 * Returns NULL, or a constant message saying what is wrong (reserved or bad name, value
 * too long or with a control byte).
 */
const char *proxy_config_value_header_rule(const char *s, size_t len, bool with_value,
					   struct http_rw_field *h);

#endif
