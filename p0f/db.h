/*
 * db.h - the p0f.fp signature database: parse it, match a SYN against it.
 *
 * Parsing follows p0f 3.09b's reader: the same sections, statements, states
 * and limits, so a file p0f loads loads here and a file p0f refuses is
 * refused here, with the line and column of the first problem.  The
 * [tcp:request] section is kept in full; [mtu] link names too; labels and
 * 'sys' lines of every section are kept (p0f shares OS names across them);
 * [tcp:response] signatures are parsed and kept (p0f refuses duplicates
 * within a direction) but never matched; [http:*] signatures are counted.
 *
 * Storage is one caller-owned struct with fixed tables and a text arena: no
 * allocation, nothing points into the input buffer after parsing (p0f_db_load, the
 * file loader, allocates the struct).  Matching is in match.h.
 */
#ifndef HUGINN_P0F_DB_H
#define HUGINN_P0F_DB_H

#include <stddef.h>
#include <stdint.h>

#include "p0f/sig.h"

#define P0F_DB_MAX_SIGS 1024   /* [tcp:request] + [tcp:response] signatures */
#define P0F_DB_MAX_LABELS 1024 /* labels of all sections */
#define P0F_DB_MAX_NAMES 512   /* distinct OS / application names */
#define P0F_DB_MAX_CLASSES 32
#define P0F_DB_MAX_MTU 256
#define P0F_DB_TEXT_MAX 65536 /* names, flavors, classes, MTU labels */
#define P0F_DB_MAX_FILE (16u << 20)
/* Longest text p0f_match_render_os / _params / _dist produce, with NUL. */
#define P0F_DB_STR_MAX 320

/* Window forms of a p0f.fp signature. */
enum p0f_db_win {
	P0F_DB_WIN_NORMAL = 0, /* exact value */
	P0F_DB_WIN_ANY,	       /* * */
	P0F_DB_WIN_MOD,	       /* %N: a multiple of N */
	P0F_DB_WIN_MSS,	       /* mss*N */
	P0F_DB_WIN_MTU,	       /* mtu*N */
};

struct p0f_db_sig {
	uint32_t line;
	uint16_t label;	  /* index into labels[] */
	int8_t ip_ver;	  /* 4, 6, or -1 for '*' */
	uint8_t ittl;	  /* initial TTL (with any +N added) */
	uint8_t bad_ttl;  /* 'N-': TTL is random, no distance limit */
	uint8_t resp;	  /* from [tcp:response] (kept for p0f's duplicate check) */
	uint8_t olen;	  /* IPv4 options length */
	int32_t mss;	  /* -1 for '*' */
	uint8_t win_type; /* enum p0f_db_win */
	uint16_t win;
	int16_t wscale; /* -1 for '*' */
	int8_t pclass;	/* -1 '*', 0 '0', 1 '+' */
	uint8_t opt_cnt;
	uint8_t eol_pad;
	uint8_t layout[P0F_SIG_MAX_OPT];
	uint32_t quirks; /* enum p0f_quirk */
};

struct p0f_db_label {
	uint32_t line;
	uint8_t generic;  /* 'g:' rather than 's:' */
	int16_t class_id; /* index into classes, -1 for '!' (a tool, not an OS) */
	uint16_t name;	  /* index into names */
	uint16_t flavor;  /* text offset; flavor_len 0 means none */
	uint16_t flavor_len;
};

struct p0f_db_str {
	uint16_t off, len;
};

struct p0f_db {
	unsigned n_sigs, n_labels, n_names, n_classes, n_mtu, text_len;
	unsigned n_total;    /* every sig line of every section, as p0f counts */
	unsigned n_tcp_req;  /* [tcp:request] signatures (in sigs[]) */
	unsigned n_tcp_resp; /* [tcp:response] signatures (in sigs[], never matched) */
	unsigned n_http;     /* [http:*] signatures (counted only) */
	struct p0f_db_sig sigs[P0F_DB_MAX_SIGS];
	struct p0f_db_label labels[P0F_DB_MAX_LABELS];
	struct p0f_db_str names[P0F_DB_MAX_NAMES];
	struct p0f_db_str classes[P0F_DB_MAX_CLASSES];
	struct {
		uint16_t mtu;
		struct p0f_db_str label;
	} mtu[P0F_DB_MAX_MTU];
	char text[P0F_DB_TEXT_MAX];
};

struct p0f_db_error {
	unsigned line; /* 1-based */
	unsigned col;  /* 1-based byte column */
	char msg[120];
};

/*
 * Parse a p0f.fp text of len bytes into db (overwritten).  Returns 0, or
 * -EINVAL (syntax: err says where and what), -E2BIG (a table is full; err
 * names it), -EFBIG (larger than P0F_DB_MAX_FILE).
 */
int p0f_db_parse(struct p0f_db *db, const char *buf, size_t len, struct p0f_db_error *err);

/*
 * Every label's name and flavor must be printable ASCII without '|': the text goes
 * verbatim into the x-tcp-p0f-os header and the os= field.  Returns 0, or -EINVAL with
 * *line the label's line and *byte the first bad byte.
 */
int p0f_db_check_labels(const struct p0f_db *db, unsigned *line, int *byte);

/*
 * The one p0f.fp loader (the accept hook and the fingerprint command both use it): read
 * path (at most P0F_DB_MAX_FILE), parse it and check its labels.  Returns 0 with *out
 * (free() it), or -errno with err holding "PATH:LINE:COL: message" for a syntax error,
 * "PATH:LINE: label holds byte 0xNN ..." for a bad label, "PATH: reason" otherwise.
 */
int p0f_db_load(const char *path, struct p0f_db **out, char *err, size_t errlen);

/* The same for a text already in memory (the built-in database): name stands for the
 * path in messages.  text need not be NUL-terminated. */
int p0f_db_load_text(const char *name, const char *text, size_t len, struct p0f_db **out, char *err,
		     size_t errlen);

#endif
