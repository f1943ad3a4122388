/*
 * synhook.h - the proxy's TCP fingerprint hook: at accept, the client's SYN from the
 * agent's pinned maps becomes `x-tcp-p0f` (and, with a p0f.fp database,
 * `x-tcp-p0f-os`) header lines that the engine adds to every request of the
 * connection.
 *
 * Header formats (documented in README):
 *   x-tcp-p0f: <p0f raw_sig>                      e.g.
 * 4:64+0:0:1460:mss*44,7:mss,sok,ts,nop,ws:df,id+:0 x-tcp-p0f-os: os=<label>|dist=<N>|params=<P>
 * p0f's own log fields, os=??? when no signature fits On a miss (no fresh record of this very peer)
 * no line is produced: nothing is guessed.
 *
 * Counters live in one MAP_SHARED mapping made by proxy_synhook_create, so that
 * worker processes forked afterwards count into the same place.
 */
#ifndef HUGINN_PROXY_SYNHOOK_H
#define HUGINN_PROXY_SYNHOOK_H

#include <stddef.h>
#include <stdint.h>

#include "proxy/server.h"
#include "sys/log.h"
#include "p0f/db.h"
#include "sys/synmap.h"

struct proxy_synhook_stats {
	uint64_t results[SYNMAP_RESULT_MAX]; /* lookups by enum synmap_result */
	uint64_t reopens;		     /* maps re-opened after the agent recreated them */
	uint64_t ids_seen;		     /* map ids (v4 << 32 | v6) last counted in reopens */
};

struct proxy_synhook {
	struct synmap map;
	struct p0f_db *db;		   /* NULL without a database */
	struct proxy_synhook_stats *stats; /* shared mapping */
	struct proxy_hook hook;		   /* points back at this struct */
};

/* An empty hook (no fds: -1), safe to destroy. */
void proxy_synhook_init(struct proxy_synhook *fp);

/*
 * Prepare the hook: pin directory, record age limit, optional p0f.fp path
 * ("" or NULL for none).  Does not open the maps (proxy_synhook_open does).
 * Returns 0, or -errno with err naming the file (and line:column for a bad
 * database) or the path.
 */
int proxy_synhook_create(struct proxy_synhook *fp, const char *pin_dir, uint64_t max_age_ns,
			 const char *db_path, char *err, size_t errlen);

/* What proxy_synhook_start needs. */
struct proxy_synhook_start {
	const char *pin;     /* the agent's pin directory */
	uint64_t max_age_ns; /* [fingerprint] max_age_ms */
	const char *db_path; /* [fingerprint] p0f_db, "" = none */
	uint32_t wait_ms;    /* [fingerprint] map_wait_ms */
	int sigfd;	     /* SIGTERM/SIGINT on it end the wait */
	log_fn log;	     /* the waits, the reason of a failure */
	void *log_ctx;
};

/*
 * Create the hook and open the agent's maps, waiting up to wait_ms for them (the agent
 * may start after the proxy): a warning every 5 s, an error naming the pin path when the
 * time is up.  Returns 0, or 1 (an exit status) after logging why.
 */
int proxy_synhook_start(struct proxy_synhook *fp, const struct proxy_synhook_start *s);

/* Open the pinned maps (see synmap_open for the errors). */
int proxy_synhook_open(struct proxy_synhook *fp);

/* The engine-facing callbacks. */
const struct proxy_hook *proxy_hook(struct proxy_synhook *fp);

/*
 * The header lines for one record, with db (may be NULL), into out: returns
 * the length, or -ENOSPC / -EINVAL (a record the signature code refuses).
 */
int proxy_synhook_format(const struct huginn_syn_rec *rec, const struct p0f_db *db, char *out,
			 size_t cap);

/* Release everything; safe twice. */
void proxy_synhook_destroy(struct proxy_synhook *fp);

#endif
