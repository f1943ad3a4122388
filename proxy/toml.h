/*
 * toml.h - a strict, bounded TOML-subset reader that reports what it reads as events.
 *
 * Supported: comments, [tables], [[arrays of tables]], key = value with bare, "basic" and
 * 'literal' keys, dotted keys, basic strings with escapes (\b \t \n \f \r \" \\ \uXXXX
 * \UXXXXXXXX), literal strings, integers (decimal with '_' between digits, 0x/0o/0b),
 * booleans, and arrays of those scalars (multi-line, comments inside, trailing comma);
 * a leading UTF-8 byte order mark is skipped.
 * Rejected with a message: floats, dates, inline tables, nested arrays, multi-line
 * strings, duplicate keys, tables defined twice, anything else TOML 1.0 forbids that
 * the subset touches (bare CR, control characters, invalid UTF-8, leading zeros...).
 *
 * No tree is built: the caller's callback sees each table header, each key/value and
 * each array item in file order, with the full key path and its position.  The parser
 * makes one allocation per call (its state, with the table of defined keys), freed
 * before it returns.  Nothing is read beyond buf[0..len); buf need not be
 * NUL-terminated.  Lines and columns are 1-based; columns count bytes.
 */
#ifndef HUGINN_PROXY_TOML_H
#define HUGINN_PROXY_TOML_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TOML_MAX_INPUT (1u << 20) /* bytes of input */
#define TOML_MAX_DEPTH 16	  /* segments of a key path (table + dotted key) */
#define TOML_MAX_KEY 256	  /* bytes of one key segment, decoded */
#define TOML_MAX_STRING 8192	  /* bytes of one string value, decoded */
#define TOML_MAX_ARRAY 1024	  /* items of one array */
#define TOML_MAX_KEYS 8192	  /* distinct keys and tables per document */
#define TOML_MAX_TABLES 4096	  /* elements of one array of tables */

enum toml_type {
	TOML_STRING,
	TOML_INTEGER,
	TOML_BOOLEAN,
	TOML_ARRAY, /* only in TOML_EV_ARRAY_BEGIN / _END */
};

enum toml_event_kind {
	TOML_EV_TABLE,	     /* [a.b]: path = a, b */
	TOML_EV_ARRAY_TABLE, /* [[a.b]]: path = a, b; last segment's index = new element */
	TOML_EV_VALUE,	     /* key = scalar */
	TOML_EV_ARRAY_BEGIN, /* key = [ */
	TOML_EV_ARRAY_ITEM,  /* one scalar item; item = its index */
	TOML_EV_ARRAY_END,   /* ]; item = number of items */
};

/* One segment of a key path.  index >= 0 when the segment names an array of tables
 * (which element the path goes through), else -1. */
struct toml_seg {
	const char *s; /* decoded, not NUL-terminated, may contain NUL from \u0000 */
	size_t len;
	int index;
};

struct toml_value {
	enum toml_type type;
	const char *s; /* STRING: decoded bytes, NUL-terminated copy valid during the callback */
	size_t len;
	int64_t i; /* INTEGER */
	bool b;	   /* BOOLEAN */
};

struct toml_state; /* opaque */

struct toml_event {
	enum toml_event_kind kind;
	/* Full path: enclosing table's segments, then the key's own (dotted) segments.
	 * For table events, the header's segments. */
	unsigned int nseg;
	const struct toml_seg *seg;
	unsigned int key_depth;	  /* how many trailing segments the key itself wrote */
	unsigned int line, col;	  /* where the key (or header) starts */
	unsigned int vline, vcol; /* where the value (or array item) starts */
	unsigned int item;	  /* ARRAY_ITEM: index; ARRAY_END: count */
	struct toml_value val;	  /* VALUE, ARRAY_ITEM; ARRAY_BEGIN/END: type ARRAY */
	struct toml_state *st;	  /* for toml_fail */
};

/* Return 0 to go on; a negative value stops the parse and is returned by toml_parse
 * (set the message with toml_fail first). */
typedef int (*toml_cb)(void *ctx, const struct toml_event *ev);

/*
 * Read buf[0..len).  name prefixes messages (NULL -> "input").  Returns 0, -EINVAL with
 * err = "NAME:LINE:COL: message" on bad input or a limit, -E2BIG when len exceeds
 * TOML_MAX_INPUT, -ENOMEM, or the callback's negative return.  err may be NULL.
 */
int toml_parse(const char *buf, size_t len, const char *name, toml_cb cb, void *ctx, char *err,
	       size_t errlen);

/* From a callback: set the message "NAME:LINE:COL: <fmt...>" and return -EINVAL. */
__attribute__((format(printf, 4, 5))) int toml_fail(const struct toml_event *ev, unsigned int line,
						    unsigned int col, const char *fmt, ...);

/* Human name of a type ("string", "integer", "boolean", "array") for messages. */
const char *toml_type_name(enum toml_type t);

#endif
