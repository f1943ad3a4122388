/*
 * toml_lex.h - the TOML reader's private parts shared by toml.c (structure: tables, keys,
 * values) and toml_lex.c (the lexical layer: errors, UTF-8, cursor, strings, keys).
 * Not a public interface: see toml.h.
 */
#ifndef HUGINN_PROXY_TOML_LEX_H
#define HUGINN_PROXY_TOML_LEX_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proxy/toml.h"

enum node_kind {
	N_ROOT,
	N_VALUE,    /* key = value (arrays included) */
	N_IMPLICIT, /* table created as the prefix of a [header] */
	N_EXPLICIT, /* table written as [header] */
	N_DOTTED,   /* table created by a dotted key */
	N_AOT,	    /* [[array of tables]] */
	N_ELEM,	    /* one element of an N_AOT: the table its keys go into */
};

struct node {
	uint32_t parent;
	uint32_t name_off;
	uint16_t name_len;
	uint8_t kind;
	uint32_t count; /* N_AOT: elements so far; N_ELEM: its index */
};

#define NO_NODE UINT32_MAX

/* A key as written: decoded segments plus where each starts. */
struct key {
	unsigned int n;
	char s[TOML_MAX_DEPTH][TOML_MAX_KEY];
	size_t len[TOML_MAX_DEPTH];
	unsigned int line[TOML_MAX_DEPTH], col[TOML_MAX_DEPTH];
};

struct toml_state {
	const char *buf;
	size_t len, pos;
	unsigned int line;
	size_t line_start;
	const char *name;
	char *err;
	size_t errlen;
	bool err_set;
	toml_cb cb;
	void *ctx;

	uint32_t cur; /* node of the table keys currently go into */
	uint32_t nnodes, maxnodes, nslots;
	struct node *nodes;
	uint32_t *slots; /* node index + 1, 0 = empty; nslots a power of two >= 2 * maxnodes */

	struct key key;
	struct toml_seg seg[2 * TOML_MAX_DEPTH];
	char *str; /* decoded string value, strcap + 1 bytes */
	size_t strcap;
	char *arena; /* node names, len bytes */
	size_t arena_used, arena_cap;
};

/* ---- cursor ---- */

static inline unsigned int col_of(const struct toml_state *st, size_t pos)
{
	return (unsigned int)(pos - st->line_start + 1);
}

/* Error at the cursor. */
static inline int peek(const struct toml_state *st)
{
	return st->pos < st->len ? (unsigned char)st->buf[st->pos] : -1;
}

static inline int peek_at(const struct toml_state *st, size_t ahead)
{
	return st->len - st->pos > ahead ? (unsigned char)st->buf[st->pos + ahead] : -1;
}

static inline void skip_ws(struct toml_state *st)
{
	while (peek(st) == ' ' || peek(st) == '\t')
		st->pos++;
}

static inline bool is_bare(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-';
}

/* TOML forbids control characters other than tab outside escapes. */
static inline bool is_ctl(int c)
{
	return (c >= 0 && c < 0x20 && c != '\t') || c == 0x7f;
}

/* At '\n' or "\r\n": consume it and count the line.  1 if consumed, 0 if no newline here,
 * negative on a bare CR. */
/* A hex digit's value, -1 if c is none. */
static inline int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Set the error "NAME:LINE:COL: message"; returns -EINVAL. */
int toml_lex_vfail(struct toml_state *st, unsigned int line, unsigned int col, const char *fmt,
		   va_list ap) __attribute__((format(printf, 4, 0)));
int toml_lex_fail_at(struct toml_state *st, unsigned int line, unsigned int col, const char *fmt,
		     ...) __attribute__((format(printf, 4, 5)));

/* Error at the cursor. */
#define FAIL(st, ...) toml_lex_fail_at((st), (st)->line, col_of((st), (st)->pos), __VA_ARGS__)

/* Length of the valid UTF-8 prefix of s[0..len) (len when all of it is valid). */
size_t toml_lex_utf8_check(const unsigned char *s, size_t len);

/* Cursor steps over newlines, comments, blank lines; 0 or -EINVAL (error set). */
int toml_lex_newline(struct toml_state *st);
int toml_lex_comment(struct toml_state *st);
int toml_lex_end_of_line(struct toml_state *st, const char *after);
int toml_lex_blank(struct toml_state *st);

/* A basic or literal string at the cursor, decoded into out[0..cap): 0 or -EINVAL. */
int toml_lex_string(struct toml_state *st, char *out, size_t cap, size_t *outlen);

/* A (dotted) key at the cursor into k: 0 or -EINVAL. */
int toml_lex_key(struct toml_state *st, struct key *k);

#endif
