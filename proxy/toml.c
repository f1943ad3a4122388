/*
 * toml.c - the TOML-subset reader of toml.h.
 *
 * One pass over the input with a cursor that tracks line and column.  Defined keys and
 * tables live in a small node table (parent, name, kind) hashed by (parent, name), so
 * duplicate keys and tables redefined are caught without building a document tree.
 * Node names are copied into an arena sized to the input: every name comes from
 * distinct bytes of the input and a decoded name is never longer than its source.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/toml_lex.h"

const char *toml_type_name(enum toml_type t)
{
	switch (t) {
	case TOML_STRING:
		return "string";
	case TOML_INTEGER:
		return "integer";
	case TOML_BOOLEAN:
		return "boolean";
	case TOML_ARRAY:
		return "array";
	}
	return "?";
}

/* ---- errors ---- */
#define FAIL(st, ...) toml_lex_fail_at((st), (st)->line, col_of((st), (st)->pos), __VA_ARGS__)

int toml_fail(const struct toml_event *ev, unsigned int line, unsigned int col, const char *fmt,
	      ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = toml_lex_vfail(ev->st, line, col, fmt, ap);
	va_end(ap);
	return r;
}

/* Printable rendering of a key for messages: segments joined by '.', odd bytes as '?'. */
static const char *key_text(const struct key *k, unsigned int upto, char *out, size_t cap)
{
	size_t o = 0;

	for (unsigned int i = 0; i < upto && o + 1 < cap; i++) {
		if (i && o + 1 < cap)
			out[o++] = '.';
		for (size_t j = 0; j < k->len[i] && o + 1 < cap; j++) {
			unsigned char c = (unsigned char)k->s[i][j];
			out[o++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
		}
	}
	out[o] = '\0';
	return out;
}

/* ---- defined keys and tables ---- */

static uint32_t node_hash(uint32_t parent, uint32_t elem, const char *s, size_t len)
{
	uint32_t h = 2166136261u ^ parent ^ (elem * 0x9e3779b9u);

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

/* The child of parent named s (or the element elem of an array of tables, when s is
 * NULL).  Returns its index or NO_NODE; *slot gets the slot to insert into. */
static uint32_t node_find(const struct toml_state *st, uint32_t parent, const char *s, size_t len,
			  uint32_t elem, uint32_t *slot)
{
	uint32_t i = node_hash(parent, s ? UINT32_MAX : elem, s, s ? len : 0) & (st->nslots - 1);

	for (;; i = (i + 1) & (st->nslots - 1)) {
		const struct node *nd;

		if (!st->slots[i]) {
			*slot = i;
			return NO_NODE;
		}
		nd = &st->nodes[st->slots[i] - 1];
		if (nd->parent != parent)
			continue;
		if (s && nd->kind != N_ELEM && nd->name_len == len &&
		    memcmp(st->arena + nd->name_off, s, len) == 0)
			return st->slots[i] - 1;
		if (!s && nd->kind == N_ELEM && nd->count == elem)
			return st->slots[i] - 1;
	}
}

static int node_add(struct toml_state *st, uint32_t parent, const char *s, size_t len,
		    uint32_t elem, uint32_t slot, enum node_kind kind, unsigned int line,
		    unsigned int col, uint32_t *out)
{
	struct node *nd;

	if (st->nnodes >= st->maxnodes)
		return toml_lex_fail_at(st, line, col, "too many keys (max %d)", TOML_MAX_KEYS);
	if (st->arena_cap - st->arena_used < len)
		return toml_lex_fail_at(st, line, col, "too many keys");
	nd = &st->nodes[st->nnodes];
	nd->parent = parent;
	nd->name_off = (uint32_t)st->arena_used;
	nd->name_len = (uint16_t)len;
	nd->kind = (uint8_t)kind;
	nd->count = s ? 0 : elem;
	if (len)
		memcpy(st->arena + st->arena_used, s, len);
	st->arena_used += len;
	st->slots[slot] = st->nnodes + 1;
	*out = st->nnodes++;
	return 0;
}

/* The table an array of tables currently extends: its last element. */
static uint32_t last_elem(const struct toml_state *st, uint32_t aot)
{
	uint32_t slot;

	return node_find(st, aot, NULL, 0, st->nodes[aot].count - 1, &slot);
}

/* Fill st->seg with the path from the root to node n; returns the depth or -1. */
static int node_path(struct toml_state *st, uint32_t n)
{
	uint32_t chain[2 * TOML_MAX_DEPTH];
	unsigned int depth = 0, out = 0;

	for (; n != 0; n = st->nodes[n].parent) {
		if (depth == 2 * TOML_MAX_DEPTH)
			return -1;
		chain[depth++] = n;
	}
	while (depth--) {
		const struct node *nd = &st->nodes[chain[depth]];

		if (nd->kind == N_ELEM) {
			st->seg[out - 1].index = (int)nd->count;
			continue;
		}
		if (out == TOML_MAX_DEPTH)
			return -1;
		st->seg[out].s = st->arena + nd->name_off;
		st->seg[out].len = nd->name_len;
		st->seg[out].index = -1;
		out++;
	}
	return (int)out;
}

static const char *kind_text(uint8_t kind)
{
	switch (kind) {
	case N_VALUE:
		return "a value";
	case N_AOT:
		return "an array of tables";
	default:
		return "a table";
	}
}

/* [header] or [[header]] at the cursor. */
static int parse_header(struct toml_state *st, struct toml_event *ev)
{
	struct key *k = &st->key;
	unsigned int line = st->line, col = col_of(st, st->pos);
	bool aot = peek_at(st, 1) == '[';
	uint32_t n = 0, child, slot;
	char kt[128];
	int r, depth;

	st->pos += aot ? 2 : 1;
	if ((r = toml_lex_key(st, k)) < 0)
		return r;
	if (peek(st) != ']' || (aot && peek_at(st, 1) != ']'))
		return FAIL(st, "expected '%s' to close the table header", aot ? "]]" : "]");
	st->pos += aot ? 2 : 1;
	if ((r = toml_lex_end_of_line(st, "table header")) < 0)
		return r;

	for (unsigned int i = 0; i + 1 < k->n; i++) {
		child = node_find(st, n, k->s[i], k->len[i], 0, &slot);
		if (child == NO_NODE) {
			r = node_add(st, n, k->s[i], k->len[i], 0, slot, N_IMPLICIT, k->line[i],
				     k->col[i], &child);
			if (r < 0)
				return r;
		} else if (st->nodes[child].kind == N_VALUE) {
			return toml_lex_fail_at(st, k->line[i], k->col[i],
						"key '%s' is not a table",
						key_text(k, i + 1, kt, sizeof(kt)));
		} else if (st->nodes[child].kind == N_AOT) {
			child = last_elem(st, child);
		}
		n = child;
	}
	unsigned int last = k->n - 1;

	child = node_find(st, n, k->s[last], k->len[last], 0, &slot);
	if (aot) {
		if (child == NO_NODE) {
			r = node_add(st, n, k->s[last], k->len[last], 0, slot, N_AOT, line, col,
				     &child);
			if (r < 0)
				return r;
		} else if (st->nodes[child].kind != N_AOT) {
			return toml_lex_fail_at(st, line, col, "'%s' is already defined as %s",
						key_text(k, k->n, kt, sizeof(kt)),
						kind_text(st->nodes[child].kind));
		}
		if (st->nodes[child].count == TOML_MAX_TABLES)
			return toml_lex_fail_at(st, line, col, "too many [[%s]] tables (max %d)",
						key_text(k, k->n, kt, sizeof(kt)), TOML_MAX_TABLES);
		n = child;
		(void)node_find(st, n, NULL, 0, st->nodes[n].count, &slot);
		r = node_add(st, n, NULL, 0, st->nodes[n].count, slot, N_ELEM, line, col, &child);
		if (r < 0)
			return r;
		st->nodes[n].count++;
	} else if (child == NO_NODE) {
		r = node_add(st, n, k->s[last], k->len[last], 0, slot, N_EXPLICIT, line, col,
			     &child);
		if (r < 0)
			return r;
	} else if (st->nodes[child].kind == N_IMPLICIT) {
		st->nodes[child].kind = N_EXPLICIT;
	} else {
		return toml_lex_fail_at(st, line, col, "'%s' is already defined as %s",
					key_text(k, k->n, kt, sizeof(kt)),
					kind_text(st->nodes[child].kind));
	}
	st->cur = child;

	if ((depth = node_path(st, child)) < 0)
		return toml_lex_fail_at(st, line, col, "table nested too deeply (max %d)",
					TOML_MAX_DEPTH);
	ev->kind = aot ? TOML_EV_ARRAY_TABLE : TOML_EV_TABLE;
	ev->nseg = (unsigned int)depth;
	ev->key_depth = (unsigned int)depth;
	ev->line = ev->vline = line;
	ev->col = ev->vcol = col;
	ev->val.type = TOML_ARRAY;
	return st->cb(st->ctx, ev);
}

/* ---- values ---- */

static int parse_integer(struct toml_state *st, int64_t *out)
{
	unsigned int col = col_of(st, st->pos);
	int base = 10, sign = 0, c = peek(st);
	uint64_t v = 0, lim;
	bool digit = false, prev_us = false;

	if (c == '+' || c == '-') {
		sign = c == '-' ? -1 : 1;
		st->pos++;
		c = peek(st);
		if (c == 'i' || c == 'n')
			return FAIL(st, "floats are not supported");
	}
	if (c == '0' && (peek_at(st, 1) == 'x' || peek_at(st, 1) == 'o' || peek_at(st, 1) == 'b')) {
		if (sign)
			return toml_lex_fail_at(st, st->line, col,
						"sign not allowed on 0x/0o/0b integers");
		base = peek_at(st, 1) == 'x' ? 16 : peek_at(st, 1) == 'o' ? 8 : 2;
		st->pos += 2;
	} else if (c == '0' &&
		   (peek_at(st, 1) == '_' || (peek_at(st, 1) >= '0' && peek_at(st, 1) <= '9'))) {
		return toml_lex_fail_at(st, st->line, col, "leading zeros are not allowed");
	}
	/* Magnitude limit: INT64_MAX, or its negation minus one. */
	lim = sign < 0 ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (;;) {
		int d;

		c = peek(st);
		if (c == '_') {
			if (!digit || prev_us)
				return FAIL(st, "'_' must be between digits");
			prev_us = true;
			st->pos++;
			continue;
		}
		d = hexval(c);
		if (d < 0 || d >= base)
			break;
		if (v > (lim - (uint64_t)d) / (uint64_t)base)
			return toml_lex_fail_at(st, st->line, col, "integer out of range");
		v = v * (uint64_t)base + (uint64_t)d;
		digit = true;
		prev_us = false;
		st->pos++;
	}
	if (prev_us)
		return FAIL(st, "'_' must be between digits");
	if (!digit)
		return toml_lex_fail_at(st, st->line, col, "invalid integer");
	if (base == 10 && (c == '.' || c == 'e' || c == 'E'))
		return toml_lex_fail_at(st, st->line, col, "floats are not supported");
	if (base == 10 && (c == '-' || c == ':'))
		return toml_lex_fail_at(st, st->line, col, "dates and times are not supported");
	if (is_bare(c))
		return FAIL(st, "invalid character in integer");
	if (sign < 0)
		*out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
	else
		*out = (int64_t)v;
	return 0;
}

/* A scalar at the cursor into *v (strings into st->str).  '[' is the caller's. */
static int parse_scalar(struct toml_state *st, struct toml_value *v, bool in_array)
{
	int c = peek(st);
	int r;

	memset(v, 0, sizeof(*v));
	if (c == '"' || c == '\'') {
		v->type = TOML_STRING;
		if ((r = toml_lex_string(st, st->str, st->strcap, &v->len)) < 0)
			return r;
		st->str[v->len] = '\0';
		v->s = st->str;
		return 0;
	}
	if (c == 't' || c == 'f') {
		const char *w = c == 't' ? "true" : "false";
		size_t n = strlen(w);

		if (st->len - st->pos < n || memcmp(st->buf + st->pos, w, n) != 0 ||
		    is_bare(peek_at(st, n)))
			return FAIL(st, "expected a value");
		v->type = TOML_BOOLEAN;
		v->b = c == 't';
		st->pos += n;
		return 0;
	}
	if ((c >= '0' && c <= '9') || c == '+' || c == '-') {
		v->type = TOML_INTEGER;
		return parse_integer(st, &v->i);
	}
	if (c == '[' && in_array)
		return FAIL(st, "nested arrays are not supported");
	if (c == '{')
		return FAIL(st, "inline tables are not supported");
	if ((c == 'i' && st->len - st->pos >= 3 && !memcmp(st->buf + st->pos, "inf", 3)) ||
	    (c == 'n' && st->len - st->pos >= 3 && !memcmp(st->buf + st->pos, "nan", 3)))
		return FAIL(st, "floats are not supported");
	return FAIL(st, "expected a value");
}

static int parse_array(struct toml_state *st, struct toml_event *ev)
{
	unsigned int line = st->line, col = col_of(st, st->pos);
	unsigned int n = 0;
	int r;

	st->pos++;
	ev->kind = TOML_EV_ARRAY_BEGIN;
	memset(&ev->val, 0, sizeof(ev->val));
	ev->val.type = TOML_ARRAY;
	if ((r = st->cb(st->ctx, ev)) < 0)
		return r;
	for (;;) {
		if ((r = toml_lex_blank(st)) < 0)
			return r;
		if (peek(st) < 0)
			return toml_lex_fail_at(st, line, col, "unterminated array");
		if (peek(st) == ']')
			break;
		if (n == TOML_MAX_ARRAY)
			return FAIL(st, "array has too many items (max %d)", TOML_MAX_ARRAY);
		ev->kind = TOML_EV_ARRAY_ITEM;
		ev->vline = st->line;
		ev->vcol = col_of(st, st->pos);
		ev->item = n;
		if ((r = parse_scalar(st, &ev->val, true)) < 0)
			return r;
		if ((r = st->cb(st->ctx, ev)) < 0)
			return r;
		n++;
		if ((r = toml_lex_blank(st)) < 0)
			return r;
		if (peek(st) == ',') {
			st->pos++;
			continue;
		}
		if (peek(st) == ']')
			break;
		if (peek(st) < 0)
			return toml_lex_fail_at(st, line, col, "unterminated array");
		return FAIL(st, "expected ',' or ']' in array");
	}
	st->pos++;
	ev->kind = TOML_EV_ARRAY_END;
	ev->vline = line;
	ev->vcol = col;
	ev->item = n;
	memset(&ev->val, 0, sizeof(ev->val));
	ev->val.type = TOML_ARRAY;
	return st->cb(st->ctx, ev);
}

/* key = value at the cursor. */
static int parse_keyval(struct toml_state *st, struct toml_event *ev)
{
	struct key *k = &st->key;
	uint32_t n = st->cur, child, slot;
	unsigned int last;
	char kt[128];
	int r, depth;

	if ((r = toml_lex_key(st, k)) < 0)
		return r;
	if (peek(st) != '=')
		return FAIL(st, "expected '=' after key");
	st->pos++;
	skip_ws(st);

	for (unsigned int i = 0; i + 1 < k->n; i++) {
		child = node_find(st, n, k->s[i], k->len[i], 0, &slot);
		if (child == NO_NODE) {
			r = node_add(st, n, k->s[i], k->len[i], 0, slot, N_DOTTED, k->line[i],
				     k->col[i], &child);
			if (r < 0)
				return r;
		} else if (st->nodes[child].kind != N_DOTTED) {
			/* TOML 1.0: dotted keys may not extend a table defined elsewhere. */
			return toml_lex_fail_at(
			    st, k->line[i], k->col[i], "key '%s' is already defined as %s",
			    key_text(k, i + 1, kt, sizeof(kt)), kind_text(st->nodes[child].kind));
		}
		n = child;
	}
	last = k->n - 1;
	child = node_find(st, n, k->s[last], k->len[last], 0, &slot);
	if (child != NO_NODE)
		return toml_lex_fail_at(st, k->line[0], k->col[0], "duplicate key '%s'",
					key_text(k, k->n, kt, sizeof(kt)));
	r = node_add(st, n, k->s[last], k->len[last], 0, slot, N_VALUE, k->line[last], k->col[last],
		     &child);
	if (r < 0)
		return r;
	if ((depth = node_path(st, child)) < 0)
		return toml_lex_fail_at(st, k->line[0], k->col[0], "key nested too deeply (max %d)",
					TOML_MAX_DEPTH);

	ev->nseg = (unsigned int)depth;
	ev->key_depth = k->n;
	ev->line = k->line[0];
	ev->col = k->col[0];
	ev->vline = st->line;
	ev->vcol = col_of(st, st->pos);
	ev->item = 0;
	if (peek(st) == '[')
		return parse_array(st, ev);
	ev->kind = TOML_EV_VALUE;
	if ((r = parse_scalar(st, &ev->val, false)) < 0)
		return r;
	return st->cb(st->ctx, ev);
}

static int parse_doc(struct toml_state *st)
{
	struct toml_event ev;
	size_t bad = toml_lex_utf8_check((const unsigned char *)st->buf, st->len);
	int r;

	if (bad < st->len) {
		for (size_t i = 0; i < bad; i++) {
			if (st->buf[i] == '\n') {
				st->line++;
				st->line_start = i + 1;
			}
		}
		st->pos = bad;
		return FAIL(st, "invalid UTF-8");
	}
	memset(&ev, 0, sizeof(ev));
	ev.seg = st->seg;
	ev.st = st;
	/* Some editors start UTF-8 files with a byte order mark; it is not content. */
	if (st->len >= 3 && memcmp(st->buf, "\xef\xbb\xbf", 3) == 0)
		st->pos = 3;
	while (st->pos < st->len) {
		skip_ws(st);
		if ((r = toml_lex_comment(st)) < 0)
			return r;
		if (st->pos == st->len)
			break;
		if ((r = toml_lex_newline(st)) < 0)
			return r;
		if (r > 0)
			continue;
		if (peek(st) == '[') {
			if ((r = parse_header(st, &ev)) < 0)
				return r;
			continue; /* the header consumed its end of line */
		}
		if ((r = parse_keyval(st, &ev)) < 0)
			return r;
		if ((r = toml_lex_end_of_line(st, "value")) < 0)
			return r;
	}
	return 0;
}

int toml_parse(const char *buf, size_t len, const char *name, toml_cb cb, void *ctx, char *err,
	       size_t errlen)
{
	struct toml_state *st;
	uint32_t maxnodes, nslots;
	size_t strcap;
	int r;

	if (err && errlen)
		err[0] = '\0';
	if (!name)
		name = "input";
	if (len > TOML_MAX_INPUT) {
		if (err && errlen)
			snprintf(err, errlen, "%s: file too large (max %u bytes)", name,
				 TOML_MAX_INPUT);
		return -E2BIG;
	}
	/*
	 * Every node is named by at least one input byte (or is the root), decoded strings
	 * are never longer than their source, and node names are copies of input bytes:
	 * sizing all three to the input keeps small inputs cheap and the limits intact.
	 */
	maxnodes = (len < TOML_MAX_KEYS ? (uint32_t)len : TOML_MAX_KEYS) + 1;
	for (nslots = 2; nslots < 2 * maxnodes; nslots *= 2)
		;
	strcap = len < TOML_MAX_STRING ? len : TOML_MAX_STRING;
	st = malloc(sizeof(*st) + maxnodes * sizeof(struct node) + nslots * sizeof(uint32_t) +
		    strcap + 1 + len);
	if (!st) {
		if (err && errlen)
			snprintf(err, errlen, "%s: out of memory", name);
		return -ENOMEM;
	}
	/* Only the state and the hash slots need zeroes; the rest is written before read. */
	memset(st, 0, sizeof(*st));
	st->nodes = (struct node *)(st + 1);
	st->slots = (uint32_t *)(st->nodes + maxnodes);
	st->str = (char *)(st->slots + nslots);
	st->arena = st->str + strcap + 1;
	memset(st->slots, 0, nslots * sizeof(uint32_t));
	st->nodes[0] = (struct node){.kind = N_ROOT};
	st->maxnodes = maxnodes;
	st->nslots = nslots;
	st->strcap = strcap;
	st->buf = buf;
	st->len = len;
	st->line = 1;
	st->name = name;
	st->err = err;
	st->errlen = errlen;
	st->cb = cb;
	st->ctx = ctx;
	st->arena_cap = len;
	st->nnodes = 1; /* node 0 is the root table */
	r = parse_doc(st);
	if (r < 0 && !st->err_set && err && errlen)
		snprintf(err, errlen, "%s:%u:%u: rejected (%s)", name, st->line,
			 col_of(st, st->pos), strerror(-r));
	free(st);
	return r;
}
