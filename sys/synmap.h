/*
 * synmap.h - the proxy's read-only view of the agent's pinned SYN maps.
 *
 * Opens tcp_syn_map_v4, tcp_syn_map_v6 and the counters under a pin directory
 * with BPF_OBJ_GET and BPF_F_RDONLY (CAP_BPF is enough, no program is ever
 * loaded), looks a client's SYN up by its (address, port), and re-opens the
 * maps when the agent recreated them (their ids changed).
 *
 * A record is trusted only if it names the very peer it was looked up for and
 * was captured shortly before the lookup: an LRU map can hold a record of an
 * earlier connection from the same address and port (port reuse, NAT), and
 * map contents are input like any other.
 */
#ifndef HUGINN_SYS_SYNMAP_H
#define HUGINN_SYS_SYNMAP_H

#include <stdint.h>
#include <sys/socket.h>

#include "bpf/xdp_syn.h"

/* Outcome of one lookup; also the index of its counter. */
enum synmap_result {
	SYNMAP_HIT = 0,	  /* a fresh record of this peer */
	SYNMAP_MISS,	  /* no record (evicted, not captured, or another path) */
	SYNMAP_STALE,	  /* a record of this peer, captured too long ago */
	SYNMAP_MALFORMED, /* a record that contradicts its key or the parser's bounds */
	SYNMAP_ERROR,	  /* the lookup itself failed (maps not open, syscall error) */
	SYNMAP_RESULT_MAX,
};

/* Longest pin directory accepted (the map name and a '/' must fit too). */
#define SYNMAP_DIR_MAX 200

struct synmap {
	char dir[SYNMAP_DIR_MAX];
	int fd_v4, fd_v6; /* -1 when not open */
	int fd_counter, fd_failures, fd_stats;
	uint32_t id_v4, id_v6; /* kernel map ids, to notice recreation */
	uint64_t max_age_ns;   /* the configured age plus one coarse-clock tick */
};

/* Empty m: no directory, every fd -1 (safe to synmap_close). */
void synmap_reset(struct synmap *m);

/* One tick of CLOCK_MONOTONIC_COARSE, the clock of a record's ts_ns (see synmap.c). */
uint64_t synmap_stamp_slack_ns(void);

/*
 * Prepare m (no fds open).  dir: the agent's pin path.  -ENAMETOOLONG if too long.
 * m->max_age_ns becomes max_age_ns + synmap_stamp_slack_ns().
 */
int synmap_init(struct synmap *m, const char *dir, uint64_t max_age_ns);

/*
 * Open every map read-only and check its type, key and value sizes against
 * bpf/xdp_syn.h.  0 on success; -ENOENT when a pin is missing (the agent has
 * not started), -EPROTO when a SYN map's layout is not ours (a counter map that
 * is not ours is left closed: its metric stays 0), other -errno.  On
 * failure nothing stays open.
 */
int synmap_open(struct synmap *m);

/*
 * Re-open the maps if the pins now name other maps (agent restarted with a new
 * capacity).  1 when re-opened, 0 when unchanged, -errno when the pins could
 * not be read (the old fds then stay in use).
 */
int synmap_refresh(struct synmap *m);

/* 1 when both SYN maps are open. */
int synmap_is_open(const struct synmap *m);

/*
 * Look up the SYN of peer (AF_INET, AF_INET6; v4-mapped IPv6 is looked up as
 * IPv4).  now_ns: CLOCK_MONOTONIC, the clock of bpf_ktime_get_ns().  rec is
 * filled on SYNMAP_HIT only.
 */
enum synmap_result synmap_lookup(const struct synmap *m, const struct sockaddr *peer,
				 socklen_t peerlen, uint64_t now_ns, struct huginn_syn_rec *rec);

/*
 * The trust rules alone (no syscall), for a record found under peer's key:
 * SYNMAP_HIT, SYNMAP_STALE or SYNMAP_MALFORMED.
 */
enum synmap_result synmap_check(const struct huginn_syn_rec *rec, const struct sockaddr *peer,
				socklen_t peerlen, uint64_t now_ns, uint64_t max_age_ns);

/* The agent's counters: syn_counter, syn_insert_failures, syn_stats[]. */
struct synmap_counters {
	uint64_t syn;
	uint64_t insert_failures;
	uint64_t stats[HUGINN_STAT_MAX];
};

/* Read the counters.  0, or -errno (fields that could not be read stay 0). */
int synmap_read_counters(const struct synmap *m, struct synmap_counters *c);

/* Close every fd; safe to call twice. */
void synmap_close(struct synmap *m);

/* Name of a result for logs and metric labels ("hit", "miss", ...). */
const char *synmap_result_name(enum synmap_result r);

#endif
