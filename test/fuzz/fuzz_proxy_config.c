/*
 * fuzz_proxy_config.c - config.toml bytes through the TOML reader and the config mapper.
 * Checks the invariants the engine relies on after a successful parse, and that every
 * event's path and string bytes are readable (ASan catches stray pointers).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/config.h"
#include "proxy/toml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int touch(void *ctx, const struct toml_event *ev)
{
	unsigned int *sum = ctx;

	for (unsigned int i = 0; i < ev->nseg; i++)
		for (size_t j = 0; j < ev->seg[i].len; j++)
			*sum += (unsigned char)ev->seg[i].s[j];
	if ((ev->kind == TOML_EV_VALUE || ev->kind == TOML_EV_ARRAY_ITEM) &&
	    ev->val.type == TOML_STRING) {
		for (size_t j = 0; j <= ev->val.len; j++) /* includes the NUL */
			*sum += (unsigned char)ev->val.s[j];
		if (ev->val.s[ev->val.len] != '\0')
			abort();
	}
	if (ev->line == 0 || ev->col == 0 || ev->nseg == 0 || ev->key_depth > ev->nseg)
		abort();
	return 0;
}

static void check(const struct proxy_config *cfg)
{
	if (cfg->n_listen < 1 || cfg->n_listen > PROXY_CONFIG_MAX_LISTEN)
		abort();
	if (cfg->n_backends > PROXY_CONFIG_MAX_BACKENDS || cfg->n_routes > PROXY_CONFIG_MAX_ROUTES)
		abort();
	if (cfg->workers < 1 || cfg->workers > PROXY_CONFIG_MAX_WORKERS)
		abort();
	for (unsigned int i = 0; i < cfg->n_routes; i++) {
		const struct proxy_config_route *rt = &cfg->routes[i];

		if (rt->prefix_len == 0 || rt->prefix[0] != '/' ||
		    strlen(rt->prefix) != rt->prefix_len)
			abort();
		if (strlen(rt->replace_path) != rt->replace_path_len)
			abort();
		if (i && cfg->routes[i - 1].prefix_len < rt->prefix_len)
			abort();
		if (rt->n_backends < 1 || rt->n_backends > PROXY_CONFIG_MAX_ROUTE_BACKENDS)
			abort();
		for (unsigned int j = 0; j < rt->n_backends; j++)
			if (rt->backends[j] >= cfg->n_backends)
				abort();
		/* A route must match its own prefix. */
		if (proxy_config_route_match(cfg, rt->prefix, rt->prefix_len) < 0)
			abort();
	}
	for (unsigned int i = 0; i < cfg->n_backends; i++)
		if (cfg->backends[i].salen == 0)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct proxy_config cfg;
	char err[256];
	unsigned int sum = 0;

	if (proxy_config_parse((const char *)data, size, "fuzz", &cfg, err, sizeof(err)) == 0)
		check(&cfg);
	else if (err[0] == '\0')
		abort(); /* every failure explains itself */
	(void)toml_parse((const char *)data, size, "fuzz", touch, &sum, err, sizeof(err));
	return 0;
}
