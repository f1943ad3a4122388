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
 * allocation, nothing points into the input buffer after parsing.
 * Matching reproduces p0f's selection: same option layout, quirk
 * fuzziness, TTL distance limit, specific before generic before fuzzy,
 * no fuzzy matches for '!' (tool) labels.
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
/* Longest text p0f_db_render_os / _params / _dist produce, with NUL. */
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

struct p0f_db_match {
	int sig;	 /* index into db->sigs, -1: no match */
	int label;	 /* index into db->labels, -1: no match */
	uint8_t generic; /* matched a 'g:' label */
	uint8_t fuzzy;	 /* quirks or TTL did not fit exactly */
	uint8_t bad_ttl; /* matched a 'N-' signature: distance is an upper bound */
	uint8_t tool;	 /* matched a '!' label: an application, not an OS */
	unsigned dist;	 /* distance p0f reports */
};

/* Match a SYN the way p0f 3.09b does.  Always fills *m (sig -1: no match). */
void p0f_db_match(const struct p0f_db *db, const struct p0f_sig *sig, struct p0f_db_match *m);

/*
 * Text p0f logs for a match, each into buf (len bytes) with a NUL; each
 * returns the length or -ENOSPC.
 *   _os:     "Linux 3.11 and newer" (name, a space, flavor), "???" if none
 *   _label:  "s:unix:Linux:3.11 and newer" as written in p0f.fp, "???" if none
 *   _dist:   "7", or "<= 7" for a random-TTL signature
 *   _params: "none", or words of generic fuzzy random_ttl excess_dist tos:0xNN
 */
int p0f_db_render_os(const struct p0f_db *db, const struct p0f_db_match *m, char *buf, size_t len);
int p0f_db_render_label(const struct p0f_db *db, const struct p0f_db_match *m, char *buf,
			size_t len);
int p0f_db_render_dist(const struct p0f_db_match *m, char *buf, size_t len);
int p0f_db_render_params(const struct p0f_sig *sig, const struct p0f_db_match *m, char *buf,
			 size_t len);

/*
 * [mtu] link name for a SYN's MSS (MTU = MSS + 40 for IPv4, + 60 for IPv6),
 * as p0f's "link" field.  Returns the length copied into buf, 0 when the
 * MSS is 0 or the MTU is not listed, or -ENOSPC.  *mtu gets the MTU.
 */
int p0f_db_mtu_link(const struct p0f_db *db, const struct p0f_sig *sig, unsigned *mtu, char *buf,
		    size_t len);

#endif
