/*
 * dbset.h - the signature databases the proxy and `fingerprint` label SYNs with: the
 * built-in one (builtin.h) and p0f.fp files, in the order the user listed them.
 *
 * Each source is parsed on its own, with p0f's own rules (its classes, labels, [mtu],
 * duplicate check, and the selection order inside it: first exact 's:' match, then first
 * exact 'g:' match, then first fuzzy one).  Across sources the sources behave like one
 * file made of them in the listed order: the best kind of match wins (exact specific >
 * exact generic > fuzzy), and between matches of the same kind the earlier source
 * wins.  So ["builtin", "/etc/p0f/p0f.fp"] keeps p0f.fp's exact labels for stacks the
 * built-in file knows only generically, and the built-in labels where both are exact.
 * [mtu]: the first source that lists the MTU names the link.
 */
#ifndef HUGINN_P0F_DBSET_H
#define HUGINN_P0F_DBSET_H

#include <stddef.h>

#include "p0f/db.h"
#include "p0f/match.h"
#include "p0f/sig.h"

/* Sources at most (each is its own struct p0f_db with p0f_db.h's limits, ~150 KiB). */
#define P0F_DBSET_MAX 4

struct p0f_dbset {
	unsigned n;
	struct p0f_db *db[P0F_DBSET_MAX]; /* owned */
};

/* An empty set (no labels). */
void p0f_dbset_init(struct p0f_dbset *s);

/*
 * Add a source at the end: P0F_BUILTIN_NAME ("builtin") for the built-in database,
 * anything else is a p0f.fp path (write ./builtin for a file of that name).  Returns 0,
 * -E2BIG when P0F_DBSET_MAX sources are there already, or p0f_db_load's status with its
 * message in err ("builtin:LINE:COL: ..." for the built-in file).
 */
int p0f_dbset_add(struct p0f_dbset *s, const char *spec, char *err, size_t errlen);

/* Free every source and empty the set; safe twice. */
void p0f_dbset_free(struct p0f_dbset *s);

/* Signatures of [tcp:request] over all sources (for a log line). */
unsigned p0f_dbset_tcp_req(const struct p0f_dbset *s);

/*
 * Match a SYN over the set (rules above).  Always fills *m; *db gets the source the
 * match indexes (render with it: p0f_match_render_*), NULL when nothing matched (m->sig
 * -1, m->label -1, m->dist the guessed distance).
 */
void p0f_dbset_match(const struct p0f_dbset *s, const struct p0f_sig *sig, struct p0f_match *m,
		     const struct p0f_db **db);

/*
 * The [mtu] link name for the SYN's MSS, as p0f_match_mtu_link, from the first source
 * that lists the MTU.  Returns its length, 0 when no source lists it or the SYN has no
 * MSS (*mtu is 0 then), or -ENOSPC.  *mtu gets MSS + 40 (IPv4) or + 60 (IPv6).
 */
int p0f_dbset_mtu_link(const struct p0f_dbset *s, const struct p0f_sig *sig, unsigned *mtu,
		       char *buf, size_t len);

#endif
