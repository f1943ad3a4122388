/*
 * fuzz_proxy_config.c - config.toml bytes through the TOML reader and the config mapper.
 * Checks the invariants the engine relies on after a successful parse, and that every
 * event's path and string bytes are readable (ASan catches stray pointers).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/config.h"
#include "proxy/ppin.h"
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

/* A [[passthrough]] table as tunnel.c uses it: indexes in range, patterns as documented,
 * every route reachable through its own pattern. */
static void check_pt(const struct proxy_config_pt *t)
{
	char name[PROXY_CONFIG_PT_SNI_MAX + 1];

	if (t->n_listen < 1 || t->n_listen > PROXY_CONFIG_PT_MAX_LISTEN ||
	    t->n_backends > PROXY_CONFIG_PT_MAX_BACKENDS ||
	    t->n_routes > PROXY_CONFIG_PT_MAX_ROUTES ||
	    t->n_default > PROXY_CONFIG_PT_ROUTE_BACKENDS || (!t->n_default && !t->n_routes) ||
	    (t->tlvs & ~PROXY_CONFIG_PT_TLV_ALL) ||
	    t->max_hello_bytes < PROXY_CONFIG_PT_HELLO_MIN ||
	    t->max_hello_bytes > PROXY_CONFIG_PT_HELLO_MAX)
		abort();
	for (unsigned int i = 0; i < t->n_default; i++)
		if (t->dflt[i] >= t->n_backends)
			abort();
	for (unsigned int i = 0; i < t->n_routes; i++) {
		const struct proxy_config_pt_route *r = &t->routes[i];
		size_t n = r->sni_len;
		int m;

		if (!n || n >= sizeof(r->sni) || strlen(r->sni) != n || strchr(r->sni, '*') ||
		    r->n_backends < 1 || r->n_backends > PROXY_CONFIG_PT_ROUTE_BACKENDS)
			abort();
		for (unsigned int j = 0; j < n; j++)
			if (r->sni[j] >= 'A' && r->sni[j] <= 'Z')
				abort();
		for (unsigned int j = 0; j < r->n_backends; j++)
			if (r->backends[j] >= t->n_backends)
				abort();
		/* An exact name finds itself; "a" + ".suffix" finds a route that takes it. */
		name[0] = 'A';
		memcpy(name + !!r->wildcard, r->sni, n);
		n += !!r->wildcard;
		if (r->wildcard && r->sni[0] != '.')
			abort();
		m = proxy_config_pt_match(t, name, n);
		if (m < 0 || (unsigned int)m >= t->n_routes || (!r->wildcard && m != (int)i) ||
		    (r->wildcard && (unsigned int)m > i))
			abort();
	}
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
	/* PROXY input: trusted peers exactly when it is on (docs/config.md). */
	if (cfg->proxy_protocol < PROXY_PPIN_OFF || cfg->proxy_protocol > PROXY_PPIN_REQUIRED ||
	    cfg->n_trusted > PROXY_CONFIG_MAX_TRUSTED ||
	    (cfg->proxy_protocol == PROXY_PPIN_OFF) != (cfg->n_trusted == 0))
		abort();
	if (cfg->pt.n > PROXY_CONFIG_MAX_PT)
		abort();
	for (unsigned int i = 0; i < cfg->pt.n; i++)
		check_pt(&cfg->pt.t[i]);
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
