/*
 * synhook.h - the proxy's TCP fingerprint hook: at accept, the client's SYN from the
 * agent's pinned maps becomes `x-tcp-p0f` (and, with signature databases,
 * `x-tcp-p0f-os`) header lines that the engine adds to every request of the
 * connection; per request, `x-tcp-p0f-ua` compares the User-Agent's OS with the label's.
 *
 * Header formats (documented in README and docs/p0f-db.md):
 *   x-tcp-p0f: <p0f raw_sig>
 *       4:64+0:0:1460:mss*44,7:mss,sok,ts,nop,ws:df,id+:0
 *   x-tcp-p0f-os: os=<label>|dist=<N>|params=<P>[|link=<L>|mtu=<M>]
 *       p0f's own log fields, os=??? when no signature fits; link and mtu only when the
 *       SYN carries an MSS: mtu = MSS + 40 (IPv4) or + 60 (IPv6), link = the [mtu] name
 *       for it, ??? when no database lists it
 *   x-tcp-p0f-ua: match | mismatch | unknown      (p0f/ua.h), only with x-tcp-p0f-os
 * On a miss (no fresh record of this very peer) no line is produced: nothing is guessed.
 *
 * Counters, and the table of unlabelled signatures behind GET /fingerprints, live in one
 * MAP_SHARED mapping made by proxy_synhook_create, so that worker processes forked
 * afterwards count into the same place.
 */
#ifndef HUGINN_PROXY_SYNHOOK_H
#define HUGINN_PROXY_SYNHOOK_H

#include <stddef.h>
#include <stdint.h>

#include "proxy/server.h"
#include "sys/log.h"
#include "p0f/dbset.h"
#include "p0f/sig.h"
#include "p0f/ua.h"
#include "sys/synmap.h"

/* Label outcomes at accept (huginn_fp_labels_total{match=...}); a fuzzy generic match
 * counts as fuzzy. */
enum proxy_synhook_label {
	PROXY_SYNHOOK_EXACT = 0, /* exact match of an 's:' label */
	PROXY_SYNHOOK_FUZZY,	 /* any fuzzy match */
	PROXY_SYNHOOK_GENERIC,	 /* exact match of a 'g:' label */
	PROXY_SYNHOOK_UNKNOWN,	 /* no match (os=???) */
	PROXY_SYNHOOK_LABEL_MAX
};

/* The /fingerprints table: unlabelled signatures and the User-Agents sent with them. */
#define PROXY_SYNHOOK_UNKNOWN_MAX 32 /* signatures kept */
#define PROXY_SYNHOOK_UNKNOWN_UAS 4  /* User-Agents kept per signature */
#define PROXY_SYNHOOK_UA_MAX 160     /* bytes of a User-Agent kept */

struct proxy_synhook_unknown {
	uint64_t count; /* requests; 0 = free slot */
	char sig[P0F_SIG_STR_MAX];
	struct {
		uint64_t count; /* 0 = free */
		uint16_t len;
		uint8_t present; /* 0: the request had no User-Agent */
		char ua[PROXY_SYNHOOK_UA_MAX];
	} ua[PROXY_SYNHOOK_UNKNOWN_UAS];
};

struct proxy_synhook_stats {
	uint64_t results[SYNMAP_RESULT_MAX]; /* lookups by enum synmap_result */
	uint64_t reopens;		     /* maps re-opened after the agent recreated them */
	uint64_t ids_seen;		     /* map ids (v4 << 32 | v6) last counted in reopens */
	uint64_t labels[PROXY_SYNHOOK_LABEL_MAX]; /* label outcomes of the hits */
	uint64_t ua[P0F_UA_RESULT_MAX];		  /* x-tcp-p0f-ua values sent */
	int32_t lock;				  /* pid of the worker in unknown[], 0 = free */
	struct proxy_synhook_unknown unknown[PROXY_SYNHOOK_UNKNOWN_MAX];
};

struct proxy_synhook {
	struct synmap map;
	struct p0f_dbset dbs;		   /* empty without a database */
	struct proxy_synhook_stats *stats; /* shared mapping */
	struct proxy_hook hook;		   /* points back at this struct */
};

/* An empty hook (no fds: -1), safe to destroy. */
void proxy_synhook_init(struct proxy_synhook *fp);

/*
 * Prepare the hook: pin directory, record age limit, the signature databases in order
 * (p0f/dbset.h: "builtin" or a p0f.fp path each; n_db 0 for none).  Does not open the
 * maps (proxy_synhook_open does).  Returns 0, or -errno with err naming the file (and
 * line:column for a bad database) or the path.
 */
int proxy_synhook_create(struct proxy_synhook *fp, const char *pin_dir, uint64_t max_age_ns,
			 const char *const *db, unsigned n_db, char *err, size_t errlen);

/* What proxy_synhook_start needs. */
struct proxy_synhook_start {
	const char *pin;       /* the agent's pin directory */
	uint64_t max_age_ns;   /* [fingerprint] max_age_ms */
	const char *const *db; /* [fingerprint] p0f_db, in order */
	unsigned n_db;	       /* 0 = no labels */
	uint32_t wait_ms;      /* [fingerprint] map_wait_ms */
	int sigfd;	       /* SIGTERM/SIGINT on it end the wait */
	log_fn log;	       /* the waits, the reason of a failure */
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
 * The header lines for one record, with dbs (may be NULL or empty: no x-tcp-p0f-os), into
 * out: returns the length, or -ENOSPC / -EINVAL (a record the signature code refuses).
 * *label (may be NULL) gets the outcome, PROXY_SYNHOOK_LABEL_MAX without databases.
 */
int proxy_synhook_format(const struct huginn_syn_rec *rec, const struct p0f_dbset *dbs, char *out,
			 size_t cap, enum proxy_synhook_label *label);

/*
 * The per-request line for the connection's hook lines fp[0..fp_len) and the request's
 * User-Agent (ua NULL: none): "x-tcp-p0f-ua: RESULT\r\n" into out, counted in stats, and
 * for an os=??? connection the signature and User-Agent noted in the /fingerprints table.
 * Returns the length, 0 when fp has no x-tcp-p0f-os line (no line then), or -ENOSPC.
 */
int proxy_synhook_request(struct proxy_synhook *fp, const char *lines, size_t lines_len,
			  const char *ua, size_t ua_len, char *out, size_t cap);

/*
 * The /fingerprints page (text/plain) into out: the unlabelled signatures, most requests
 * first, each followed by its User-Agents, most first:
 *   sig COUNT RAW_SIG
 *   ua COUNT VALUE          (bytes outside printable ASCII and '\\' as \xNN;
 *   ua COUNT                 no value: requests without a User-Agent)
 * Returns the length (at most cap; lines that do not fit are left out).
 */
int proxy_synhook_fingerprints(struct proxy_synhook *fp, char *out, size_t cap);

/* Release everything; safe twice. */
void proxy_synhook_destroy(struct proxy_synhook *fp);

#endif
