/*
 * config_pt.c - the [[passthrough]] tables of config.toml (config_pt.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "proxy/config_pt.h"
#include "proxy/config_value.h"
#include "proxy/toml.h"

static bool seg_is(const struct toml_seg *g, const char *s)
{
	return g->len == strlen(s) && memcmp(g->s, s, g->len) == 0;
}

int proxy_config_pt_table(struct proxy_config_pts *s, struct proxy_config_pt_parse *ps,
			  const struct toml_event *ev, const char *key)
{
	struct proxy_config_pt *t;

	if (ev->kind != TOML_EV_ARRAY_TABLE || ev->nseg > 2 ||
	    (ev->nseg == 2 && !seg_is(&ev->seg[1], "routes")))
		return toml_fail(ev, ev->line, ev->col,
				 "unknown table '%s' (write [[passthrough]] or "
				 "[[passthrough.routes]])",
				 key);
	if (ev->nseg == 1) {
		if (s->n == PROXY_CONFIG_MAX_PT)
			return toml_fail(ev, ev->line, ev->col, "too many [[passthrough]] (max %d)",
					 PROXY_CONFIG_MAX_PT);
		t = &s->t[s->n];
		memset(t, 0, sizeof(*t));
		t->proxy_protocol = true;
		t->tlvs = PROXY_CONFIG_PT_TLV_ALL;
		t->max_hello_bytes = PROXY_CONFIG_PT_HELLO_DEFAULT;
		t->splice = true;
		ps->t[s->n].line = ev->line;
		ps->t[s->n].col = ev->col;
		ps->t[s->n].first_route = ps->n_pend;
		s->n++;
		return 0;
	}
	if (ps->n_pend == PROXY_CONFIG_PT_MAX_ROUTES)
		return toml_fail(ev, ev->line, ev->col,
				 "too many [[passthrough.routes]] (max %d in all)",
				 PROXY_CONFIG_PT_MAX_ROUTES);
	memset(&ps->pend[ps->n_pend], 0, sizeof(ps->pend[0]));
	ps->pend[ps->n_pend].line = ev->line;
	ps->pend[ps->n_pend].col = ev->col;
	ps->n_pend++;
	ps->t[s->n - 1].n_pend++;
	return 0;
}

/* Index of address text[0..len) in t's backend pool, added when new; -1 with a message. */
static int pool_add(struct proxy_config_pt *t, const struct toml_event *ev, const char *key)
{
	struct proxy_config_addr a;

	if (memchr(ev->val.s, '\0', ev->val.len) ||
	    proxy_config_value_set_addr(&a, ev->val.s, ev->val.len) < 0)
		return toml_fail(ev, ev->vline, ev->vcol,
				 "key '%s': expected a numeric address like 127.0.0.1:8443 or "
				 "[::1]:8443, got '%.*s'",
				 key, (int)(ev->val.len > 64 ? 64 : ev->val.len), ev->val.s);
	for (unsigned int i = 0; i < t->n_backends; i++)
		if (proxy_config_value_same_addr(&t->backends[i], &a))
			return (int)i;
	if (t->n_backends == PROXY_CONFIG_PT_MAX_BACKENDS)
		return toml_fail(ev, ev->vline, ev->vcol,
				 "key '%s': too many distinct backends in one [[passthrough]] "
				 "(max %d)",
				 key, PROXY_CONFIG_PT_MAX_BACKENDS);
	t->backends[t->n_backends] = a;
	return (int)t->n_backends++;
}

/* Append a backend index to list[0..*n), refusing duplicates and overflow. */
static int list_add(uint8_t *list, uint8_t *n, int idx, const struct proxy_config_pt *t,
		    const struct toml_event *ev, const char *key)
{
	for (unsigned int i = 0; i < *n; i++)
		if (list[i] == idx)
			return toml_fail(ev, ev->vline, ev->vcol, "key '%s': %s is listed twice",
					 key, t->backends[idx].text);
	if (*n == PROXY_CONFIG_PT_ROUTE_BACKENDS)
		return toml_fail(ev, ev->vline, ev->vcol, "key '%s': too many backends (max %d)",
				 key, PROXY_CONFIG_PT_ROUTE_BACKENDS);
	list[(*n)++] = (uint8_t)idx;
	return 0;
}

/*
 * A pattern: a DNS name (RFC 1035 labels of 1..63 letters, digits, '-' or '_', the set the
 * ClientHello reader accepts), 1..253 bytes, or "*." and such a name.  Stored lower case.
 */
static const char *sni_pattern(const char *s, size_t len, struct proxy_config_pt_route *r)
{
	size_t lab = 0, i = 0;

	memset(r, 0, sizeof(*r));
	if (len >= 2 && s[0] == '*' && s[1] == '.') {
		r->wildcard = 1;
		i = 2;
		r->sni[r->sni_len++] = '.';
	}
	if (len - i == 0 || len - i > 253)
		return "must be a host name (1 to 253 bytes) or *.name";
	for (; i < len; i++) {
		char ch = s[i];

		if (ch == '.') {
			if (lab == 0)
				return "empty label (leading, trailing or double dot)";
			lab = 0;
		} else if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' ||
			   ch == '_') {
			lab++;
		} else if (ch >= 'A' && ch <= 'Z') {
			ch = (char)(ch - 'A' + 'a');
			lab++;
		} else {
			return "only letters, digits, '-', '_' and '.' (and a leading '*.')";
		}
		if (lab > 63)
			return "a label is longer than 63 bytes";
		r->sni[r->sni_len++] = ch;
	}
	if (lab == 0)
		return "empty label (leading, trailing or double dot)";
	r->sni[r->sni_len] = '\0';
	return NULL;
}

static int add_pattern(struct proxy_config_pt *t, struct proxy_config_pt_parse *ps,
		       const struct toml_event *ev, const char *key)
{
	unsigned int pi = ps->n_pend - 1;
	struct proxy_config_pt_route r;
	const char *why;

	if (ev->val.type != TOML_STRING)
		return toml_fail(ev, ev->vline, ev->vcol, "key '%s': expected string, got %s", key,
				 toml_type_name(ev->val.type));
	why = memchr(ev->val.s, '\0', ev->val.len) ? "contains a NUL byte"
						   : sni_pattern(ev->val.s, ev->val.len, &r);
	if (why)
		return toml_fail(ev, ev->vline, ev->vcol, "key '%s': %s", key, why);
	for (unsigned int i = 0; i < t->n_routes; i++)
		if (t->routes[i].wildcard == r.wildcard && t->routes[i].sni_len == r.sni_len &&
		    memcmp(t->routes[i].sni, r.sni, r.sni_len) == 0)
			return toml_fail(ev, ev->vline, ev->vcol,
					 "key '%s': '%.*s' is routed twice", key, (int)ev->val.len,
					 ev->val.s);
	if (t->n_routes == PROXY_CONFIG_PT_MAX_ROUTES)
		return toml_fail(ev, ev->vline, ev->vcol,
				 "key '%s': too many SNI patterns in one [[passthrough]] (max %d)",
				 key, PROXY_CONFIG_PT_MAX_ROUTES);
	if (ps->pend[pi].n == 0)
		ps->pend[pi].first = t->n_routes;
	ps->pend[pi].n++;
	t->routes[t->n_routes++] = r;
	return 0;
}

static int route_key(struct proxy_config_pt *t, struct proxy_config_pt_parse *ps,
		     const struct toml_event *ev, const char *key)
{
	const struct toml_seg *k = &ev->seg[2];
	unsigned int pi = ps->n_pend - 1;
	int idx;

	if (ev->nseg != 3)
		return toml_fail(ev, ev->line, ev->col, "unknown key '%s'", key);
	if (seg_is(k, "sni")) {
		if (ev->kind == TOML_EV_VALUE || ev->kind == TOML_EV_ARRAY_BEGIN)
			ps->pend[pi].has_sni = 1;
		if (ev->kind == TOML_EV_VALUE || ev->kind == TOML_EV_ARRAY_ITEM)
			return add_pattern(t, ps, ev, key);
		if (ev->kind == TOML_EV_ARRAY_END && ev->item == 0)
			return toml_fail(ev, ev->vline, ev->vcol, "key '%s': must not be empty",
					 key);
		return 0;
	}
	if (!seg_is(k, "backends"))
		return toml_fail(ev, ev->line, ev->col, "unknown key '%s'", key);
	if (ev->kind == TOML_EV_VALUE)
		return toml_fail(ev, ev->vline, ev->vcol, "key '%s': expected array, got %s", key,
				 toml_type_name(ev->val.type));
	if (ev->kind == TOML_EV_ARRAY_BEGIN) {
		ps->pend[pi].has_backends = 1;
		return 0;
	}
	if (ev->kind == TOML_EV_ARRAY_END)
		return ev->item
			   ? 0
			   : toml_fail(ev, ev->vline, ev->vcol, "key '%s': must not be empty", key);
	if (ev->val.type != TOML_STRING)
		return toml_fail(ev, ev->vline, ev->vcol, "key '%s[%u]': expected string, got %s",
				 key, ev->item, toml_type_name(ev->val.type));
	if ((idx = pool_add(t, ev, key)) < 0)
		return idx;
	return list_add(ps->pend[pi].b, &ps->pend[pi].nb, idx, t, ev, key);
}

static int listen_item(struct proxy_config_pt *t, struct proxy_config_pt_parse *ps, unsigned ti,
		       const struct toml_event *ev, const char *key)
{
	struct proxy_config_addr *a;

	if (t->n_listen == PROXY_CONFIG_PT_MAX_LISTEN)
		return toml_fail(ev, ev->vline, ev->vcol, "key '%s': too many addresses (max %d)",
				 key, PROXY_CONFIG_PT_MAX_LISTEN);
	a = &t->listen[t->n_listen];
	if (memchr(ev->val.s, '\0', ev->val.len) ||
	    proxy_config_value_set_addr(a, ev->val.s, ev->val.len) < 0)
		return toml_fail(ev, ev->vline, ev->vcol,
				 "key '%s': expected a numeric address like 0.0.0.0:443 or "
				 "[::]:443, got '%.*s'",
				 key, (int)(ev->val.len > 64 ? 64 : ev->val.len), ev->val.s);
	ps->t[ti].lline[t->n_listen] = ev->vline;
	ps->t[ti].lcol[t->n_listen] = ev->vcol;
	t->n_listen++;
	return 0;
}

static int tlv_key(struct proxy_config_pt *t, const struct toml_event *ev, const char *key)
{
	static const char *const names[] = {"authority", "p0f", "p0f_os", "ja4", "ja4_r"};

	if (ev->kind == TOML_EV_VALUE)
		return toml_fail(ev, ev->vline, ev->vcol, "key '%s': expected array, got %s", key,
				 toml_type_name(ev->val.type));
	if (ev->kind == TOML_EV_ARRAY_BEGIN)
		t->tlvs = 0;
	if (ev->kind != TOML_EV_ARRAY_ITEM)
		return 0;
	for (unsigned int i = 0; ev->val.type == TOML_STRING && i < 5; i++) {
		if (strlen(names[i]) != ev->val.len || memcmp(names[i], ev->val.s, ev->val.len))
			continue;
		if (t->tlvs & (1u << i))
			return toml_fail(ev, ev->vline, ev->vcol, "key '%s': %s is listed twice",
					 key, names[i]);
		t->tlvs |= (uint8_t)(1u << i);
		return 0;
	}
	return toml_fail(ev, ev->vline, ev->vcol,
			 "key '%s[%u]': expected one of \"authority\", \"p0f\", \"p0f_os\", "
			 "\"ja4\", \"ja4_r\"",
			 key, ev->item);
}

/* proxy_protocol_in, trusted_proxies (the syntax of [listen]'s keys), splice. */
static int in_key(struct proxy_config_pt *t, struct proxy_config_pt_parse *ps, unsigned int ti,
		  const struct toml_event *ev, const char *key)
{
	const struct toml_seg *k = &ev->seg[1];
	bool arr = ev->kind != TOML_EV_VALUE;
	int m;

	if (seg_is(k, "trusted_proxies")) {
		if (!arr)
			return toml_fail(ev, ev->vline, ev->vcol,
					 "key '%s': expected array, got %s", key,
					 toml_type_name(ev->val.type));
		if (ev->kind == TOML_EV_ARRAY_BEGIN) {
			t->n_trusted = 0;
			ps->t[ti].tr_line = ev->line;
			ps->t[ti].tr_col = ev->col;
		}
		if (ev->kind != TOML_EV_ARRAY_ITEM)
			return 0;
		if (ev->val.type != TOML_STRING)
			return toml_fail(ev, ev->vline, ev->vcol,
					 "key '%s[%u]': expected string, got %s", key, ev->item,
					 toml_type_name(ev->val.type));
		return proxy_config_value_trusted(ev, key, t->trusted, &t->n_trusted,
						  PROXY_CONFIG_PT_MAX_TRUSTED);
	}
	if (seg_is(k, "splice")) {
		if (arr || ev->val.type != TOML_BOOLEAN)
			return toml_fail(ev, ev->vline, ev->vcol,
					 "key '%s': expected boolean, got %s", key,
					 arr ? "array" : toml_type_name(ev->val.type));
		t->splice = ev->val.b;
		return 0;
	}
	if (arr || ev->val.type != TOML_STRING)
		return toml_fail(ev, ev->vline, ev->vcol, "key '%s': expected string, got %s", key,
				 arr ? "array" : toml_type_name(ev->val.type));
	m = proxy_config_value_ppin_mode(ev->val.s, ev->val.len);
	if (m < 0)
		return toml_fail(ev, ev->vline, ev->vcol,
				 "key '%s': expected \"off\", \"optional\" or \"required\"", key);
	t->pp_in = m;
	ps->t[ti].pp_line = ev->vline;
	ps->t[ti].pp_col = ev->vcol;
	return 0;
}

int proxy_config_pt_key(struct proxy_config_pts *s, struct proxy_config_pt_parse *ps,
			const struct toml_event *ev, const char *key)
{
	struct proxy_config_pt *t;
	unsigned int ti;
	int idx;

	/* toml.c gives keys under [[passthrough]] (or its last element's routes) only. */
	if (s->n == 0 || ev->seg[0].index < 0)
		return toml_fail(ev, ev->line, ev->col, "unknown key '%s'", key);
	ti = s->n - 1;
	t = &s->t[ti];
	if (ev->nseg >= 2 && ev->seg[1].index >= 0 && seg_is(&ev->seg[1], "routes"))
		return route_key(t, ps, ev, key);
	if (ev->nseg != 2)
		return toml_fail(ev, ev->line, ev->col, "unknown key '%s'", key);
	const struct toml_seg *k = &ev->seg[1];
	bool arr = ev->kind != TOML_EV_VALUE;

	if (seg_is(k, "listen") || seg_is(k, "backends")) {
		bool listen = seg_is(k, "listen");

		if (!arr)
			return toml_fail(ev, ev->vline, ev->vcol,
					 "key '%s': expected array, got %s", key,
					 toml_type_name(ev->val.type));
		if (ev->kind == TOML_EV_ARRAY_BEGIN)
			return 0;
		if (ev->kind == TOML_EV_ARRAY_END)
			return ev->item || !listen ? 0
						   : toml_fail(ev, ev->vline, ev->vcol,
							       "key '%s': must not be empty", key);
		if (ev->val.type != TOML_STRING)
			return toml_fail(ev, ev->vline, ev->vcol,
					 "key '%s[%u]': expected string, got %s", key, ev->item,
					 toml_type_name(ev->val.type));
		if (listen)
			return listen_item(t, ps, ti, ev, key);
		if ((idx = pool_add(t, ev, key)) < 0)
			return idx;
		uint8_t n = (uint8_t)t->n_default;
		int r = list_add(t->dflt, &n, idx, t, ev, key);

		t->n_default = n;
		return r;
	}
	if (seg_is(k, "proxy_protocol")) {
		if (arr || ev->val.type != TOML_STRING)
			return toml_fail(ev, ev->vline, ev->vcol,
					 "key '%s': expected string, got %s", key,
					 arr ? "array" : toml_type_name(ev->val.type));
		if (ev->val.len == 2 && memcmp(ev->val.s, "v2", 2) == 0)
			t->proxy_protocol = true;
		else if (ev->val.len == 4 && memcmp(ev->val.s, "none", 4) == 0)
			t->proxy_protocol = false;
		else
			return toml_fail(ev, ev->vline, ev->vcol,
					 "key '%s': must be \"v2\" or \"none\"", key);
		return 0;
	}
	if (seg_is(k, "proxy_protocol_tlvs"))
		return tlv_key(t, ev, key);
	if (seg_is(k, "proxy_protocol_in") || seg_is(k, "trusted_proxies") || seg_is(k, "splice"))
		return in_key(t, ps, ti, ev, key);
	if (seg_is(k, "max_hello_bytes")) {
		if (arr || ev->val.type != TOML_INTEGER)
			return toml_fail(ev, ev->vline, ev->vcol,
					 "key '%s': expected integer, got %s", key,
					 arr ? "array" : toml_type_name(ev->val.type));
		if (ev->val.i < PROXY_CONFIG_PT_HELLO_MIN || ev->val.i > PROXY_CONFIG_PT_HELLO_MAX)
			return toml_fail(ev, ev->vline, ev->vcol,
					 "key '%s': must be between %d and %d", key,
					 PROXY_CONFIG_PT_HELLO_MIN, PROXY_CONFIG_PT_HELLO_MAX);
		t->max_hello_bytes = (uint32_t)ev->val.i;
		return 0;
	}
	return toml_fail(ev, ev->line, ev->col, "unknown key '%s'", key);
}

/* ---- after the parse -------------------------------------------------------------- */

/* Exact names before wildcards; wildcards by suffix length, longest first; stable. */
static bool route_before(const struct proxy_config_pt_route *a,
			 const struct proxy_config_pt_route *b)
{
	if (a->wildcard != b->wildcard)
		return !a->wildcard;
	return a->wildcard && a->sni_len > b->sni_len;
}

static int check_listen(const struct proxy_config_pts *s, const struct proxy_config_pt_parse *ps,
			unsigned int ti, unsigned int li, const struct proxy_config_addr *listen,
			unsigned int n_listen, const struct proxy_config_addr *metrics,
			const char *name, char *err, size_t errlen)
{
	const struct proxy_config_addr *a = &s->t[ti].listen[li];
	unsigned int line = ps->t[ti].lline[li], col = ps->t[ti].lcol[li];

	for (unsigned int i = 0; i < n_listen; i++)
		if (proxy_config_value_overlap(a, &listen[i]))
			return proxy_config_value_fail(
			    err, errlen, name, line, col,
			    "key 'passthrough.listen': %s overlaps listen address %s", a->text,
			    listen[i].text);
	if (metrics && proxy_config_value_overlap(a, metrics))
		return proxy_config_value_fail(
		    err, errlen, name, line, col,
		    "key 'passthrough.listen': %s overlaps telemetry.metrics_addr %s", a->text,
		    metrics->text);
	/* Every earlier address, of this table and the ones before. */
	for (unsigned int tj = 0; tj <= ti; tj++)
		for (unsigned int lj = 0; lj < (tj == ti ? li : s->t[tj].n_listen); lj++)
			if (proxy_config_value_overlap(a, &s->t[tj].listen[lj]))
				return proxy_config_value_fail(
				    err, errlen, name, line, col,
				    "key 'passthrough.listen': %s overlaps %s", a->text,
				    s->t[tj].listen[lj].text);
	return 0;
}

int proxy_config_pt_finish(struct proxy_config_pts *s, const struct proxy_config_pt_parse *ps,
			   const struct proxy_config_addr *listen, unsigned int n_listen,
			   const struct proxy_config_addr *metrics, const char *name, char *err,
			   size_t errlen)
{
	for (unsigned int ti = 0; ti < s->n; ti++) {
		struct proxy_config_pt *t = &s->t[ti];
		int r;

		if (!t->n_listen)
			return proxy_config_value_fail(
			    err, errlen, name, ps->t[ti].line, ps->t[ti].col,
			    "[[passthrough]] table is missing key 'listen'");
		if (!t->n_default && !ps->t[ti].n_pend)
			return proxy_config_value_fail(err, errlen, name, ps->t[ti].line,
						       ps->t[ti].col,
						       "[[passthrough]] table needs 'backends' or "
						       "[[passthrough.routes]]");
		/* As for [listen]: trust without a mode, or a mode trusting nobody, is a
		 * mistake either way (pp_in 0 is "off"). */
		if (t->pp_in && !t->n_trusted)
			return proxy_config_value_fail(err, errlen, name, ps->t[ti].pp_line,
						       ps->t[ti].pp_col,
						       "key 'passthrough.proxy_protocol_in': needs "
						       "passthrough.trusted_proxies");
		if (!t->pp_in && t->n_trusted)
			return proxy_config_value_fail(
			    err, errlen, name, ps->t[ti].tr_line, ps->t[ti].tr_col,
			    "key 'passthrough.trusted_proxies': unused while "
			    "passthrough.proxy_protocol_in is \"off\"");
		for (unsigned int li = 0; li < t->n_listen; li++)
			if ((r = check_listen(s, ps, ti, li, listen, n_listen, metrics, name, err,
					      errlen)) < 0)
				return r;
		for (unsigned int k = 0; k < ps->t[ti].n_pend; k++) {
			const __typeof__(ps->pend[0]) *pr = &ps->pend[ps->t[ti].first_route + k];

			if (!pr->has_sni)
				return proxy_config_value_fail(
				    err, errlen, name, pr->line, pr->col,
				    "[[passthrough.routes]] table is missing key 'sni'");
			if (!pr->nb)
				return proxy_config_value_fail(
				    err, errlen, name, pr->line, pr->col,
				    "[[passthrough.routes]] table is missing key "
				    "'backends'");
			for (unsigned int j = 0; j < pr->n; j++) {
				struct proxy_config_pt_route *rt = &t->routes[pr->first + j];

				rt->n_backends = pr->nb;
				memcpy(rt->backends, pr->b, pr->nb);
			}
		}
		for (unsigned int i = 1; i < t->n_routes; i++) {
			struct proxy_config_pt_route tmp = t->routes[i];
			unsigned int j = i;

			for (; j > 0 && route_before(&tmp, &t->routes[j - 1]); j--)
				t->routes[j] = t->routes[j - 1];
			t->routes[j] = tmp;
		}
	}
	return 0;
}

int proxy_config_pt_match(const struct proxy_config_pt *t, const char *name, size_t len)
{
	char low[PROXY_CONFIG_PT_SNI_MAX];

	if (len == 0 || len >= sizeof(low))
		return -1;
	for (size_t i = 0; i < len; i++)
		low[i] = name[i] >= 'A' && name[i] <= 'Z' ? (char)(name[i] - 'A' + 'a') : name[i];
	for (unsigned int i = 0; i < t->n_routes; i++) {
		const struct proxy_config_pt_route *r = &t->routes[i];

		if (!r->wildcard) {
			if (r->sni_len == len && memcmp(r->sni, low, len) == 0)
				return (int)i;
		} else if (len > r->sni_len &&
			   memcmp(low + len - r->sni_len, r->sni, r->sni_len) == 0) {
			return (int)i; /* ".suffix" with at least one byte before its dot */
		}
	}
	return -1;
}

bool proxy_config_pt_same_listen(const struct proxy_config_pts *a, const struct proxy_config_pts *b)
{
	if (a->n != b->n)
		return false;
	for (unsigned int i = 0; i < a->n; i++) {
		if (a->t[i].n_listen != b->t[i].n_listen)
			return false;
		for (unsigned int j = 0; j < a->t[i].n_listen; j++)
			if (!proxy_config_value_same_addr(&a->t[i].listen[j], &b->t[i].listen[j]))
				return false;
	}
	return true;
}
