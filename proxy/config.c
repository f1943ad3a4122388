/*
 * config.c - config.toml into struct proxy_config.
 *
 * The TOML reader (toml.h) reports each key with its path and position; a table of known
 * keys says which section and type each one needs, and a setter per key checks the
 * value's range and stores it.  What can only be checked once the whole file is read
 * (route backends listed in [[backends]], required keys, duplicate prefixes) is checked
 * after the parse, with the positions kept from the events.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "proxy/config.h"
#include "proxy/config_keys.h"
#include "proxy/config_pt.h"
#include "proxy/config_value.h"

_Static_assert(PROXY_CONFIG_PATH_MAX <= HTTP_RW_PATH_MAX, "replace_path fits a rewrite");
_Static_assert(PROXY_CONFIG_MAX_HEADER_COUNT <= HTTP_REWRITE_MAX_FIELDS,
	       "every head the limits allow fits a rewrite");
#include "sys/file.h"
#include "proxy/toml.h"

/* A route's backend as written, resolved against [[backends]] after the parse. */
struct ref {
	struct proxy_config_addr addr;
	unsigned int line, col;
};

struct pending_route {
	unsigned int line, col;	  /* [[routes]] header */
	unsigned int pline, pcol; /* prefix value */
	bool has_prefix, has_backend, has_backends;
	unsigned int first, nref; /* its refs: ctx->refs[first..first + nref) */
};

struct ctx {
	struct proxy_config *cfg;
	struct {
		unsigned int line, col;
		bool has_address;
	} backend[PROXY_CONFIG_MAX_BACKENDS];
	struct pending_route route[PROXY_CONFIG_MAX_ROUTES];
	char key[128]; /* dotted name of the key being set, for messages */
	unsigned int listen_line[PROXY_CONFIG_MAX_LISTEN], listen_col[PROXY_CONFIG_MAX_LISTEN];
	unsigned int metrics_line, metrics_col;			 /* 0 = the default */
	unsigned int pp_line, pp_col, trusted_line, trusted_col; /* 0 = not in the file */
	struct proxy_config_pt_parse pt;
	unsigned int nrefs, refs_cap;
	struct ref refs[]; /* a route's keys are contiguous in the file, so are its refs */
};

/* ---- addresses ---- */

static bool same_addr(const struct sockaddr_storage *a, socklen_t alen,
		      const struct sockaddr_storage *b, socklen_t blen)
{
	return alen == blen && memcmp(a, b, alen) == 0;
}

static int set_addr(struct proxy_config_addr *a, const char *s, size_t len)
{
	return proxy_config_value_set_addr(a, s, len);
}

/* ---- defaults ---- */

void proxy_config_defaults(struct proxy_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->workers = 1;
	cfg->max_connections = 10000;
	cfg->n_listen = 2;
	(void)set_addr(&cfg->listen[0], "0.0.0.0:7000", strlen("0.0.0.0:7000"));
	(void)set_addr(&cfg->listen[1], "[::]:7000", strlen("[::]:7000"));
	cfg->connect_timeout_ms = 2000;
	cfg->client_header_timeout_ms = 10000;
	cfg->idle_timeout_ms = 60000;
	cfg->upstream_response_timeout_ms = 30000;
	cfg->shutdown_drain_ms = 10000;
	cfg->max_header_bytes = 16384;
	cfg->max_headers = 100;
	cfg->max_uri_length = 8192;
	cfg->max_body_bytes = 0;
	cfg->buffer_memory_max = 268435456;
	cfg->tcp_enabled = false;
	strcpy(cfg->pin_path, "/sys/fs/bpf/huginn");
	strcpy(cfg->p0f_db[0], "builtin"); /* the database in the binary (p0f/builtin.h) */
	cfg->n_p0f_db = 1;
	cfg->max_age_ms = 5000;
	cfg->map_wait_ms = 60000;
	cfg->drop_underscore_fields = true;
	cfg->metrics_enabled = true;
	(void)set_addr(&cfg->metrics, "127.0.0.1:9090", strlen("127.0.0.1:9090"));
	cfg->access_log = true;
}

void proxy_config_free(struct proxy_config *cfg)
{
	if (cfg)
		proxy_config_defaults(cfg);
}

/* ---- the event handler ---- */

static const char *key_name(struct ctx *c, const struct toml_event *ev)
{
	size_t o = 0;

	for (unsigned int i = 0; i < ev->nseg && o + 1 < sizeof(c->key); i++) {
		if (i)
			c->key[o++] = '.';
		for (size_t j = 0; j < ev->seg[i].len && o + 1 < sizeof(c->key); j++) {
			unsigned char ch = (unsigned char)ev->seg[i].s[j];

			c->key[o++] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
		}
	}
	c->key[o] = '\0';
	return c->key;
}

/* Which section a path's first segment names, checking table versus array of tables. */
static int section_of(struct ctx *c, const struct toml_event *ev, enum proxy_config_sect *out)
{
	bool aot = false;
	enum proxy_config_sect s = proxy_config_keys_section(ev->seg[0].s, ev->seg[0].len, &aot);

	if (s == PCFG_S_NONE)
		return toml_fail(ev, ev->line, ev->col, "unknown table '%.*s'",
				 (int)(ev->seg[0].len > 64 ? 64 : ev->seg[0].len), ev->seg[0].s);
	if (aot && ev->seg[0].index < 0)
		return toml_fail(
		    ev, ev->line, ev->col, "'%s' must be an array of tables: write [[%s]]",
		    proxy_config_keys_section_name(s), proxy_config_keys_section_name(s));
	if (!aot && ev->seg[0].index >= 0)
		return toml_fail(ev, ev->line, ev->col, "'%s' must be a table: write [%s]",
				 proxy_config_keys_section_name(s),
				 proxy_config_keys_section_name(s));
	(void)c;
	*out = s;
	return 0;
}

static int on_table(struct ctx *c, const struct toml_event *ev)
{
	struct proxy_config *cfg = c->cfg;
	enum proxy_config_sect s;
	int r;

	if ((r = section_of(c, ev, &s)) < 0)
		return r;
	if (s == PCFG_S_PASSTHROUGH)
		return proxy_config_pt_table(&cfg->pt, &c->pt, ev, key_name(c, ev));
	if (ev->nseg != 1)
		return toml_fail(ev, ev->line, ev->col, "unknown table '%s'", key_name(c, ev));
	if (ev->kind != TOML_EV_ARRAY_TABLE)
		return 0;
	if (s == PCFG_S_BACKENDS) {
		if (cfg->n_backends == PROXY_CONFIG_MAX_BACKENDS)
			return toml_fail(ev, ev->line, ev->col, "too many [[backends]] (max %d)",
					 PROXY_CONFIG_MAX_BACKENDS);
		c->backend[cfg->n_backends].line = ev->line;
		c->backend[cfg->n_backends].col = ev->col;
		cfg->n_backends++;
	} else {
		if (cfg->n_routes == PROXY_CONFIG_MAX_ROUTES)
			return toml_fail(ev, ev->line, ev->col, "too many [[routes]] (max %d)",
					 PROXY_CONFIG_MAX_ROUTES);
		c->route[cfg->n_routes].line = ev->line;
		c->route[cfg->n_routes].col = ev->col;
		cfg->n_routes++;
	}
	return 0;
}

static int set_integer(struct ctx *c, const struct toml_event *ev,
		       const struct proxy_config_keydef *k)
{
	struct proxy_config *cfg = c->cfg;
	int64_t v = ev->val.i;

	if (v < k->min || v > k->max)
		return toml_fail(ev, ev->vline, ev->vcol, "key '%s': must be between %lld and %lld",
				 c->key, (long long)k->min, (long long)k->max);
	if (k->size == sizeof(uint64_t)) {
		uint64_t u = (uint64_t)v;

		memcpy((char *)cfg + k->off, &u, sizeof(u));
	} else {
		uint32_t u = (uint32_t)v;

		memcpy((char *)cfg + k->off, &u, sizeof(u));
	}
	return 0;
}

/* Copy a string value into a fixed field, refusing NUL bytes and overlong values. */
static int set_text(struct ctx *c, const struct toml_event *ev, char *dst, size_t cap,
		    size_t *outlen)
{
	if (memchr(ev->val.s, '\0', ev->val.len))
		return toml_fail(ev, ev->vline, ev->vcol, "key '%s': contains a NUL byte", c->key);
	if (ev->val.len >= cap)
		return toml_fail(ev, ev->vline, ev->vcol, "key '%s': too long (max %zu bytes)",
				 c->key, cap - 1);
	memcpy(dst, ev->val.s, ev->val.len);
	dst[ev->val.len] = '\0';
	if (outlen)
		*outlen = ev->val.len;
	return 0;
}

static int bad_addr(struct ctx *c, const struct toml_event *ev)
{
	return toml_fail(ev, ev->vline, ev->vcol,
			 "key '%s': expected a numeric address like 127.0.0.1:9000 or "
			 "[::1]:9000, got '%.*s'",
			 c->key, (int)(ev->val.len > 64 ? 64 : ev->val.len), ev->val.s);
}

static int add_route_ref(struct ctx *c, const struct toml_event *ev, struct pending_route *pr)
{
	struct ref *rf;

	if (pr->nref == PROXY_CONFIG_MAX_ROUTE_BACKENDS)
		return toml_fail(ev, ev->vline, ev->vcol, "key '%s': too many backends (max %d)",
				 c->key, PROXY_CONFIG_MAX_ROUTE_BACKENDS);
	if (c->nrefs == c->refs_cap) /* cannot happen: see refs_cap in proxy_config_parse */
		return toml_fail(ev, ev->vline, ev->vcol, "key '%s': too many backends", c->key);
	if (pr->nref == 0)
		pr->first = c->nrefs;
	rf = &c->refs[c->nrefs];
	if (memchr(ev->val.s, '\0', ev->val.len) || set_addr(&rf->addr, ev->val.s, ev->val.len) < 0)
		return bad_addr(c, ev);
	c->nrefs++;
	rf->line = ev->vline;
	rf->col = ev->vcol;
	pr->nref++;
	return 0;
}

static int set_string(struct ctx *c, const struct toml_event *ev,
		      const struct proxy_config_keydef *k, int elem)
{
	struct proxy_config *cfg = c->cfg;
	const char *s = ev->val.s;
	size_t len = ev->val.len;
	int r;

	switch (k->id) {
	case PCFG_K_P0F_DB:
		/* One source; "" for none (as before the built-in database existed). */
		cfg->n_p0f_db = len ? 1 : 0;
		return set_text(c, ev, cfg->p0f_db[0], sizeof(cfg->p0f_db[0]), NULL);
	case PCFG_K_PIN_PATH:
		if (len == 0 || s[0] != '/')
			return toml_fail(ev, ev->vline, ev->vcol,
					 "key '%s': must be an absolute path", c->key);
		return set_text(c, ev, cfg->pin_path, sizeof(cfg->pin_path), NULL);
	case PCFG_K_ADDRESS: {
		struct proxy_config_addr *a = &cfg->backends[elem];

		if (memchr(s, '\0', len) || set_addr(a, s, len) < 0)
			return bad_addr(c, ev);
		for (int i = 0; i < elem; i++)
			if (c->backend[i].has_address &&
			    same_addr(&cfg->backends[i].sa, cfg->backends[i].salen, &a->sa,
				      a->salen))
				return toml_fail(ev, ev->vline, ev->vcol,
						 "key '%s': backend %s is listed twice", c->key,
						 a->text);
		c->backend[elem].has_address = true;
		return 0;
	}
	case PCFG_K_PREFIX:
	case PCFG_K_REPLACE_PATH: {
		struct proxy_config_route *rt = &cfg->routes[elem];
		bool prefix = k->id == PCFG_K_PREFIX;

		if ((prefix || len) && (len == 0 || s[0] != '/'))
			return toml_fail(ev, ev->vline, ev->vcol, "key '%s': must start with '/'",
					 c->key);
		if (!proxy_config_value_path_text(s, len))
			return toml_fail(ev, ev->vline, ev->vcol,
					 "key '%s': only printable ASCII without spaces", c->key);
		if (!prefix)
			return set_text(c, ev, rt->replace_path, sizeof(rt->replace_path),
					&rt->replace_path_len);
		if ((r = set_text(c, ev, rt->prefix, sizeof(rt->prefix), &rt->prefix_len)) < 0)
			return r;
		c->route[elem].has_prefix = true;
		c->route[elem].pline = ev->vline;
		c->route[elem].pcol = ev->vcol;
		return 0;
	}
	case PCFG_K_BACKEND: {
		struct pending_route *pr = &c->route[elem];

		if (pr->has_backends)
			return toml_fail(ev, ev->line, ev->col,
					 "key '%s': use either 'backend' or 'backends', not both",
					 c->key);
		pr->has_backend = true;
		return add_route_ref(c, ev, pr);
	}
	case PCFG_K_PROXY_PROTOCOL: {
		int m = proxy_config_value_ppin_mode(s, len);

		if (m < 0)
			return toml_fail(ev, ev->vline, ev->vcol,
					 "key '%s': expected \"off\", \"optional\" or \"required\"",
					 c->key);
		cfg->proxy_protocol = m;
		c->pp_line = ev->vline;
		c->pp_col = ev->vcol;
		return 0;
	}
	case PCFG_K_METRICS_ADDR:
		if (len == 0) {
			cfg->metrics_enabled = false;
			memset(&cfg->metrics, 0, sizeof(cfg->metrics));
			return 0;
		}
		if (memchr(s, '\0', len) || set_addr(&cfg->metrics, s, len) < 0)
			return bad_addr(c, ev);
		cfg->metrics_enabled = true;
		c->metrics_line = ev->vline;
		c->metrics_col = ev->vcol;
		return 0;
	default:
		return 0;
	}
}

static struct http_rw_fields *header_list(struct proxy_config *cfg, enum proxy_config_key id)
{
	switch (id) {
	case PCFG_K_REQUEST_ADD:
		return &cfg->request_add;
	case PCFG_K_REQUEST_REMOVE:
		return &cfg->request_remove;
	case PCFG_K_RESPONSE_ADD:
		return &cfg->response_add;
	case PCFG_K_RESPONSE_REMOVE:
		return &cfg->response_remove;
	default:
		return NULL;
	}
}

static int on_array(struct ctx *c, const struct toml_event *ev, const struct proxy_config_keydef *k,
		    int elem)
{
	struct proxy_config *cfg = c->cfg;
	struct http_rw_fields *hl = header_list(cfg, k->id);

	if (ev->kind == TOML_EV_ARRAY_BEGIN) {
		if (k->id == PCFG_K_ADDRS)
			cfg->n_listen = 0;
		if (k->id == PCFG_K_P0F_DB)
			cfg->n_p0f_db = 0;
		if (k->id == PCFG_K_TRUSTED) {
			cfg->n_trusted = 0;
			c->trusted_line = ev->line;
			c->trusted_col = ev->col;
		}
		if (hl)
			hl->n = 0;
		if (k->id == PCFG_K_BACKENDS) {
			if (c->route[elem].has_backend)
				return toml_fail(ev, ev->line, ev->col,
						 "key '%s': use either 'backend' or 'backends', "
						 "not both",
						 c->key);
			c->route[elem].has_backends = true;
		}
		return 0;
	}
	if (ev->kind == TOML_EV_ARRAY_END) {
		if (ev->item == 0 && (k->id == PCFG_K_ADDRS || k->id == PCFG_K_BACKENDS))
			return toml_fail(ev, ev->vline, ev->vcol, "key '%s': must not be empty",
					 c->key);
		return 0;
	}
	/* One item: every array here holds strings. */
	if (ev->val.type != TOML_STRING)
		return toml_fail(ev, ev->vline, ev->vcol, "key '%s[%u]': expected string, got %s",
				 c->key, ev->item, toml_type_name(ev->val.type));
	if (k->id == PCFG_K_ADDRS) {
		struct proxy_config_addr *a;

		if (cfg->n_listen == PROXY_CONFIG_MAX_LISTEN)
			return toml_fail(ev, ev->vline, ev->vcol,
					 "key '%s': too many addresses (max %d)", c->key,
					 PROXY_CONFIG_MAX_LISTEN);
		a = &cfg->listen[cfg->n_listen];
		if (memchr(ev->val.s, '\0', ev->val.len) || set_addr(a, ev->val.s, ev->val.len) < 0)
			return bad_addr(c, ev);
		for (unsigned int i = 0; i < cfg->n_listen; i++)
			if (same_addr(&cfg->listen[i].sa, cfg->listen[i].salen, &a->sa, a->salen))
				return toml_fail(ev, ev->vline, ev->vcol,
						 "key '%s': %s is listed twice", c->key, a->text);
		c->listen_line[cfg->n_listen] = ev->vline;
		c->listen_col[cfg->n_listen] = ev->vcol;
		cfg->n_listen++;
		return 0;
	}
	if (k->id == PCFG_K_BACKENDS)
		return add_route_ref(c, ev, &c->route[elem]);
	if (k->id == PCFG_K_P0F_DB) {
		if (cfg->n_p0f_db == PROXY_CONFIG_MAX_P0F_DB)
			return toml_fail(ev, ev->vline, ev->vcol,
					 "key '%s': too many databases (max %d)", c->key,
					 PROXY_CONFIG_MAX_P0F_DB);
		if (ev->val.len == 0)
			return toml_fail(ev, ev->vline, ev->vcol,
					 "key '%s[%u]': empty (write [] for no database)", c->key,
					 ev->item);
		return set_text(c, ev, cfg->p0f_db[cfg->n_p0f_db++], sizeof(cfg->p0f_db[0]), NULL);
	}
	if (k->id == PCFG_K_TRUSTED)
		return proxy_config_value_trusted(ev, c->key, cfg->trusted, &cfg->n_trusted,
						  PROXY_CONFIG_MAX_TRUSTED);
	if (hl) {
		bool add = k->id == PCFG_K_REQUEST_ADD || k->id == PCFG_K_RESPONSE_ADD;
		const char *problem;

		if (hl->n == PROXY_CONFIG_MAX_HEADER_RULES)
			return toml_fail(ev, ev->vline, ev->vcol,
					 "key '%s': too many entries (max %d)", c->key,
					 PROXY_CONFIG_MAX_HEADER_RULES);
		if (memchr(ev->val.s, '\0', ev->val.len))
			problem = "contains a NUL byte";
		else
			problem = proxy_config_value_header_rule(ev->val.s, ev->val.len, add,
								 &hl->h[hl->n]);
		if (problem)
			return toml_fail(ev, ev->vline, ev->vcol, "key '%s[%u]': %s", c->key,
					 ev->item, problem);
		hl->n++;
	}
	return 0;
}

static int on_event(void *arg, const struct toml_event *ev)
{
	struct ctx *c = arg;
	const struct proxy_config_keydef *k = NULL;
	enum toml_type got;
	enum proxy_config_sect s;
	int r;

	if (ev->kind == TOML_EV_TABLE || ev->kind == TOML_EV_ARRAY_TABLE)
		return on_table(c, ev);
	key_name(c, ev);
	if (ev->nseg >= 2 && section_of(c, ev, &s) == 0 && s == PCFG_S_PASSTHROUGH)
		return proxy_config_pt_key(&c->cfg->pt, &c->pt, ev, c->key);
	if (ev->nseg != 2) {
		if (ev->nseg == 1)
			return toml_fail(ev, ev->line, ev->col,
					 "unknown key '%s' (keys belong in a [table])", c->key);
		if ((r = section_of(c, ev, &s)) < 0)
			return r;
		return toml_fail(ev, ev->line, ev->col, "unknown key '%s'", c->key);
	}
	if ((r = section_of(c, ev, &s)) < 0)
		return r;
	k = proxy_config_keys_find(s, ev->seg[1].s, ev->seg[1].len);
	if (!k)
		return toml_fail(ev, ev->line, ev->col, "unknown key '%s'", c->key);

	got = ev->kind == TOML_EV_VALUE ? ev->val.type : TOML_ARRAY;
	/* p0f_db takes one source (a string) or a list of them. */
	if (got != k->type && !(k->id == PCFG_K_P0F_DB && got == TOML_ARRAY))
		/* Only the array's begin is reported; its items never reach here. */
		return toml_fail(ev, ev->vline, ev->vcol, "key '%s': expected %s, got %s", c->key,
				 toml_type_name(k->type), toml_type_name(got));
	if (got == TOML_ARRAY)
		return on_array(c, ev, k, ev->seg[0].index);
	switch (k->type) {
	case TOML_INTEGER:
		return set_integer(c, ev, k);
	case TOML_BOOLEAN:
		if (k->id == PCFG_K_TCP_ENABLED)
			c->cfg->tcp_enabled = ev->val.b;
		else if (k->id == PCFG_K_ACCESS_LOG)
			c->cfg->access_log = ev->val.b;
		else if (k->id == PCFG_K_DROP_UNDERSCORE)
			c->cfg->drop_underscore_fields = ev->val.b;
		else if (k->id == PCFG_K_FORCE_NEW)
			c->cfg->routes[ev->seg[0].index].force_new_connection = ev->val.b;
		return 0;
	default:
		return set_string(c, ev, k, ev->seg[0].index);
	}
}

/* ---- checks after the parse ---- */

static int finish(struct ctx *c, const char *name, char *err, size_t errlen)
{
	struct proxy_config *cfg = c->cfg;

	for (unsigned int i = 0; cfg->metrics_enabled && i < cfg->n_listen; i++) {
		if (!proxy_config_value_overlap(&cfg->metrics, &cfg->listen[i]))
			continue;
		/* Point at whichever of the two the file wrote (both defaults cannot clash). */
		if (c->metrics_line)
			return proxy_config_value_fail(
			    err, errlen, name, c->metrics_line, c->metrics_col,
			    "key 'telemetry.metrics_addr': %s overlaps listen address %s",
			    cfg->metrics.text, cfg->listen[i].text);
		return proxy_config_value_fail(
		    err, errlen, name, c->listen_line[i], c->listen_col[i],
		    "key 'listen.addrs': %s overlaps telemetry.metrics_addr %s",
		    cfg->listen[i].text, cfg->metrics.text);
	}

	/* Trust without a mode, or a mode that trusts nobody, is a mistake either way. */
	if (cfg->proxy_protocol != PROXY_PPIN_OFF && !cfg->n_trusted)
		return proxy_config_value_fail(
		    err, errlen, name, c->pp_line, c->pp_col,
		    "key 'listen.proxy_protocol': needs listen.trusted_proxies");
	if (cfg->proxy_protocol == PROXY_PPIN_OFF && cfg->n_trusted)
		return proxy_config_value_fail(
		    err, errlen, name, c->trusted_line, c->trusted_col,
		    "key 'listen.trusted_proxies': unused while listen.proxy_protocol "
		    "is \"off\"");
	int r =
	    proxy_config_pt_finish(&cfg->pt, &c->pt, cfg->listen, cfg->n_listen,
				   cfg->metrics_enabled ? &cfg->metrics : NULL, name, err, errlen);

	if (r < 0)
		return r;
	for (unsigned int i = 0; i < cfg->n_backends; i++)
		if (!c->backend[i].has_address)
			return proxy_config_value_fail(
			    err, errlen, name, c->backend[i].line, c->backend[i].col,
			    "[[backends]] table is missing key 'address'");
	for (unsigned int i = 0; i < cfg->n_routes; i++) {
		struct pending_route *pr = &c->route[i];
		struct proxy_config_route *rt = &cfg->routes[i];

		if (!pr->has_prefix)
			return proxy_config_value_fail(err, errlen, name, pr->line, pr->col,
						       "[[routes]] table is missing key 'prefix'");
		if (!pr->nref)
			return proxy_config_value_fail(
			    err, errlen, name, pr->line, pr->col,
			    "[[routes]] table needs key 'backend' or 'backends'");
		for (unsigned int j = 0; j < pr->nref; j++) {
			struct ref *rf = &c->refs[pr->first + j];
			unsigned int b;

			for (b = 0; b < cfg->n_backends; b++)
				if (same_addr(&cfg->backends[b].sa, cfg->backends[b].salen,
					      &rf->addr.sa, rf->addr.salen))
					break;
			if (b == cfg->n_backends)
				return proxy_config_value_fail(
				    err, errlen, name, rf->line, rf->col,
				    "key 'routes.%s': %s is not listed in [[backends]]",
				    pr->has_backend ? "backend" : "backends", rf->addr.text);
			rt->backends[j] = (uint16_t)b;
		}
		rt->n_backends = pr->nref;
		for (unsigned int j = 0; j < i; j++)
			if (cfg->routes[j].prefix_len == rt->prefix_len &&
			    memcmp(cfg->routes[j].prefix, rt->prefix, rt->prefix_len) == 0)
				return proxy_config_value_fail(
				    err, errlen, name, pr->pline, pr->pcol,
				    "key 'routes.prefix': prefix '%s' is used twice", rt->prefix);
	}
	/* Longest prefix first, file order among equals (a stable insertion sort). */
	for (unsigned int i = 1; i < cfg->n_routes; i++) {
		struct proxy_config_route tmp = cfg->routes[i];
		unsigned int j = i;

		for (; j > 0 && cfg->routes[j - 1].prefix_len < tmp.prefix_len; j--)
			cfg->routes[j] = cfg->routes[j - 1];
		cfg->routes[j] = tmp;
	}
	return 0;
}

int proxy_config_parse(const char *buf, size_t len, const char *name, struct proxy_config *cfg,
		       char *err, size_t errlen)
{
	struct ctx *c;
	unsigned int refs_cap;
	int r;

	if (err && errlen)
		err[0] = '\0';
	if (!name)
		name = "config";
	proxy_config_defaults(cfg);
	if (len > PROXY_CONFIG_MAX_FILE_BYTES) {
		if (err && errlen)
			snprintf(err, errlen, "%s: file too large (max %u bytes)", name,
				 PROXY_CONFIG_MAX_FILE_BYTES);
		return -E2BIG;
	}
	/*
	 * Each reference is a quoted address of at least 6 bytes ("[::]:1"), so the input
	 * bounds how many there can be; sizing to it keeps small inputs cheap.
	 */
	refs_cap = PROXY_CONFIG_MAX_ROUTES * PROXY_CONFIG_MAX_ROUTE_BACKENDS;
	if (len / 8 + 1 < refs_cap)
		refs_cap = (unsigned int)(len / 8 + 1);
	c = malloc(sizeof(*c) + refs_cap * sizeof(struct ref));
	if (!c) {
		if (err && errlen)
			snprintf(err, errlen, "%s: out of memory", name);
		return -ENOMEM;
	}
	memset(c, 0, sizeof(*c)); /* refs are written before they are read */
	c->cfg = cfg;
	c->refs_cap = refs_cap;
	r = toml_parse(buf, len, name, on_event, c, err, errlen);
	if (r == 0)
		r = finish(c, name, err, errlen);
	free(c);
	return r;
}

int proxy_config_load_file(const char *path, struct proxy_config *cfg, char *err, size_t errlen)
{
	size_t len = 0;
	char *buf;
	int r;

	proxy_config_defaults(cfg);
	if (err && errlen)
		err[0] = '\0';
	r = file_read_all(path, PROXY_CONFIG_MAX_FILE_BYTES, &buf, &len);
	if (r == -EFBIG) {
		if (err && errlen)
			snprintf(err, errlen, "%s: file too large (max %u bytes)", path,
				 (unsigned)PROXY_CONFIG_MAX_FILE_BYTES);
		return -E2BIG;
	}
	if (r < 0)
		goto out_errno;
	r = proxy_config_parse(buf, len, path, cfg, err, errlen);
	free(buf);
	return r;

out_errno:
	if (err && errlen)
		snprintf(err, errlen, "%s: %s", path, strerror(-r));
	return r;
}

int proxy_config_route_match(const struct proxy_config *cfg, const char *path, size_t len)
{
	/* Routes are sorted longest prefix first, so the first match is the longest. */
	for (unsigned int i = 0; i < cfg->n_routes; i++) {
		const struct proxy_config_route *rt = &cfg->routes[i];

		if (rt->prefix_len <= len && memcmp(rt->prefix, path, rt->prefix_len) == 0)
			return (int)i;
	}
	return -1;
}

void proxy_config_rw_request(const struct proxy_config *cfg, int route, struct http_rw_request *o)
{
	const struct proxy_config_route *r =
	    route >= 0 && (unsigned int)route < cfg->n_routes ? &cfg->routes[route] : NULL;

	o->add = &cfg->request_add;
	o->remove = &cfg->request_remove;
	o->replace_path = r ? r->replace_path : NULL;
	o->replace_len = r ? r->replace_path_len : 0;
	o->prefix_len = r ? r->prefix_len : 0;
	o->flags = cfg->drop_underscore_fields ? HTTP_RW_DROP_UNDERSCORE : 0;
}

void proxy_config_rw_response(const struct proxy_config *cfg, struct http_rw_response *o)
{
	o->add = &cfg->response_add;
	o->remove = &cfg->response_remove;
}
