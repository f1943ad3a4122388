/*
 * toml_lex.c - the TOML reader's lexical layer (toml_lex.h): error messages, UTF-8
 * validation, newlines and comments, strings with their escapes, keys.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/toml_lex.h"

int toml_lex_vfail(struct toml_state *st, unsigned int line, unsigned int col, const char *fmt,
		   va_list ap)
{
	int n;

	st->err_set = true;
	if (!st->err || !st->errlen)
		return -EINVAL;
	n = snprintf(st->err, st->errlen, "%s:%u:%u: ", st->name, line, col);
	if (n >= 0 && (size_t)n < st->errlen)
		vsnprintf(st->err + n, st->errlen - (size_t)n, fmt, ap);
	return -EINVAL;
}

int toml_lex_fail_at(struct toml_state *st, unsigned int line, unsigned int col, const char *fmt,
		     ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = toml_lex_vfail(st, line, col, fmt, ap);
	va_end(ap);
	return r;
}

/* ---- input validation ---- */

/* Offset of the first byte that is not part of valid UTF-8 (RFC 3629), or len. */
size_t toml_lex_utf8_check(const unsigned char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		unsigned char c = s[i];
		size_t need;
		uint32_t cp, min;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			need = 1, cp = c & 0x1f, min = 0x80;
		} else if (c >= 0xe0 && c <= 0xef) {
			need = 2, cp = c & 0x0f, min = 0x800;
		} else if (c >= 0xf0 && c <= 0xf4) {
			need = 3, cp = c & 0x07, min = 0x10000;
		} else {
			return i;
		}
		if (len - i <= need)
			return i;
		for (size_t j = 1; j <= need; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				return i;
			cp = cp << 6 | (s[i + j] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return i;
		i += need + 1;
	}
	return len;
}

int toml_lex_newline(struct toml_state *st)
{
	if (peek(st) == '\r') {
		if (peek_at(st, 1) != '\n')
			return FAIL(st, "bare carriage return");
		st->pos++;
	}
	if (peek(st) != '\n')
		return 0;
	st->pos++;
	st->line++;
	st->line_start = st->pos;
	return 1;
}

/* At '#': consume the comment up to (not including) the newline. */
int toml_lex_comment(struct toml_state *st)
{
	if (peek(st) != '#')
		return 0;
	while (st->pos < st->len) {
		int c = peek(st);

		if (c == '\n' || (c == '\r' && peek_at(st, 1) == '\n'))
			break;
		if (is_ctl(c))
			return FAIL(st, "control character in comment");
		st->pos++;
	}
	return 0;
}

/* Whitespace, then an optional comment, then a newline or the end of input. */
int toml_lex_end_of_line(struct toml_state *st, const char *after)
{
	int r;

	skip_ws(st);
	if ((r = toml_lex_comment(st)) < 0)
		return r;
	if (st->pos == st->len)
		return 0;
	r = toml_lex_newline(st);
	if (r < 0)
		return r;
	if (r == 0)
		return FAIL(st, "expected end of line after %s", after);
	return 0;
}

/* Inside arrays: whitespace, newlines and comments. */
int toml_lex_blank(struct toml_state *st)
{
	for (;;) {
		int r;

		skip_ws(st);
		if ((r = toml_lex_comment(st)) < 0)
			return r;
		r = toml_lex_newline(st);
		if (r < 0)
			return r;
		if (r == 0)
			return 0;
	}
}

/* ---- strings ---- */

/* Append to a decoded key or string.  cap may be below the limit when the input is
 * shorter than the limit: decoding never makes text longer, so cap still holds it. */
static int put(struct toml_state *st, char *out, size_t cap, size_t *n, const char *s, size_t k,
	       unsigned int line, unsigned int col)
{
	if (cap - *n < k)
		return toml_lex_fail_at(st, line, col, "%s too long (max %d bytes)",
					out == st->str ? "string" : "key",
					out == st->str ? TOML_MAX_STRING : TOML_MAX_KEY);
	memcpy(out + *n, s, k);
	*n += k;
	return 0;
}

/* \uXXXX or \UXXXXXXXX at the cursor (past the backslash and letter). */
static int unicode_escape(struct toml_state *st, unsigned int digits, char utf8[4], size_t *n,
			  size_t esc_pos)
{
	uint32_t cp = 0;

	for (unsigned int i = 0; i < digits; i++) {
		int h = hexval(peek(st));

		if (h < 0)
			return toml_lex_fail_at(st, st->line, col_of(st, esc_pos),
						"\\%c escape needs %u hex digits",
						digits == 4 ? 'u' : 'U', digits);
		cp = cp << 4 | (uint32_t)h;
		st->pos++;
	}
	if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return toml_lex_fail_at(st, st->line, col_of(st, esc_pos),
					"escape is not a unicode scalar value");
	if (cp < 0x80) {
		utf8[0] = (char)cp, *n = 1;
	} else if (cp < 0x800) {
		utf8[0] = (char)(0xc0 | cp >> 6), utf8[1] = (char)(0x80 | (cp & 0x3f)), *n = 2;
	} else if (cp < 0x10000) {
		utf8[0] = (char)(0xe0 | cp >> 12), utf8[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		utf8[2] = (char)(0x80 | (cp & 0x3f)), *n = 3;
	} else {
		utf8[0] = (char)(0xf0 | cp >> 18), utf8[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		utf8[2] = (char)(0x80 | ((cp >> 6) & 0x3f)), utf8[3] = (char)(0x80 | (cp & 0x3f));
		*n = 4;
	}
	return 0;
}

/* A "basic" or 'literal' single-line string at the cursor, decoded into out[0..cap). */
int toml_lex_string(struct toml_state *st, char *out, size_t cap, size_t *outlen)
{
	unsigned int line = st->line, col = col_of(st, st->pos);
	int q = peek(st);
	size_t n = 0;
	int r;

	if (peek_at(st, 1) == q && peek_at(st, 2) == q)
		return FAIL(st, "multi-line strings are not supported");
	st->pos++;
	for (;;) {
		int c = peek(st);
		size_t at = st->pos;

		if (c < 0 || c == '\n' || c == '\r')
			return toml_lex_fail_at(st, line, col, "unterminated string");
		if (c == q) {
			st->pos++;
			break;
		}
		if (is_ctl(c))
			return FAIL(st, "control character in string");
		if (c == '\\' && q == '"') {
			char u[4];
			size_t k = 1;

			st->pos++;
			c = peek(st);
			if (c < 0)
				return toml_lex_fail_at(st, line, col, "unterminated string");
			st->pos++;
			/* \b \t \n \f \r \" \\ stand for one byte each (TOML 1.0). */
			static const char esc_in[] = "btnfr\"\\", esc_out[] = "\b\t\n\f\r\"\\";
			const char *e = c > 0 ? strchr(esc_in, c) : NULL;

			if (e) {
				u[0] = esc_out[e - esc_in];
			} else if (c == 'u' || c == 'U') {
				if ((r = unicode_escape(st, c == 'u' ? 4 : 8, u, &k, at)) < 0)
					return r;
			} else {
				return toml_lex_fail_at(st, st->line, col_of(st, at),
							"invalid escape");
			}
			r = put(st, out, cap, &n, u, k, st->line, col_of(st, at));
		} else {
			st->pos++;
			r = put(st, out, cap, &n, st->buf + at, 1, st->line, col_of(st, at));
		}
		if (r < 0)
			return r;
	}
	*outlen = n;
	return 0;
}

/* ---- keys ---- */

int toml_lex_key(struct toml_state *st, struct key *k)
{
	int r;

	k->n = 0;
	for (;;) {
		int c;

		skip_ws(st);
		c = peek(st);
		if (k->n == TOML_MAX_DEPTH)
			return FAIL(st, "key has too many parts (max %d)", TOML_MAX_DEPTH);
		k->line[k->n] = st->line;
		k->col[k->n] = col_of(st, st->pos);
		if (c == '"' || c == '\'') {
			if ((r = toml_lex_string(st, k->s[k->n], TOML_MAX_KEY, &k->len[k->n])) < 0)
				return r;
		} else if (is_bare(c)) {
			size_t n = 0;

			while (is_bare(peek(st))) {
				if (n == TOML_MAX_KEY)
					return FAIL(st, "key too long (max %d bytes)",
						    TOML_MAX_KEY);
				k->s[k->n][n++] = (char)peek(st);
				st->pos++;
			}
			k->len[k->n] = n;
		} else {
			return FAIL(st, "expected a key");
		}
		k->n++;
		skip_ws(st);
		if (peek(st) != '.')
			return 0;
		st->pos++;
	}
}
