/*
 * match.h - match a SYN against a p0f.fp database the way p0f 3.09b does, and render
 * what p0f logs for the match: same option layout, quirk fuzziness, TTL distance limit,
 * specific before generic before fuzzy, no fuzzy matches for '!' (tool) labels.
 */
#ifndef HUGINN_P0F_MATCH_H
#define HUGINN_P0F_MATCH_H

#include <stddef.h>
#include <stdint.h>

#include "p0f/db.h"
#include "p0f/sig.h"

struct p0f_match {
	int sig;	 /* index into db->sigs, -1: no match */
	int label;	 /* index into db->labels, -1: no match */
	uint8_t generic; /* matched a 'g:' label */
	uint8_t fuzzy;	 /* quirks or TTL did not fit exactly */
	uint8_t bad_ttl; /* matched a 'N-' signature: distance is an upper bound */
	uint8_t tool;	 /* matched a '!' label: an application, not an OS */
	unsigned dist;	 /* distance p0f reports */
};

/* Match a SYN the way p0f 3.09b does.  Always fills *m (sig -1: no match). */
void p0f_match_sig(const struct p0f_db *db, const struct p0f_sig *sig, struct p0f_match *m);

/*
 * Text p0f logs for a match, each into buf (len bytes) with a NUL; each
 * returns the length or -ENOSPC.
 *   _os:     "Linux 3.11 and newer" (name, a space, flavor), "???" if none
 *   _label:  "s:unix:Linux:3.11 and newer" as written in p0f.fp, "???" if none
 *   _dist:   "7", or "<= 7" for a random-TTL signature
 *   _params: "none", or words of generic fuzzy random_ttl excess_dist tos:0xNN
 */
int p0f_match_render_os(const struct p0f_db *db, const struct p0f_match *m, char *buf, size_t len);
int p0f_match_render_label(const struct p0f_db *db, const struct p0f_match *m, char *buf,
			   size_t len);
int p0f_match_render_dist(const struct p0f_match *m, char *buf, size_t len);
int p0f_match_render_params(const struct p0f_sig *sig, const struct p0f_match *m, char *buf,
			    size_t len);

/*
 * [mtu] link name for a SYN's MSS (MTU = MSS + 40 for IPv4, + 60 for IPv6),
 * as p0f's "link" field.  Returns the length copied into buf, 0 when the
 * MSS is 0 or the MTU is not listed, or -ENOSPC.  *mtu gets the MTU.
 */
int p0f_match_mtu_link(const struct p0f_db *db, const struct p0f_sig *sig, unsigned *mtu, char *buf,
		       size_t len);

/* What a signature is compared with: a packet, or another p0f.fp line. */
struct p0f_match_probe {
	int8_t ip_ver;
	uint8_t ttl, olen, eol_pad, opt_cnt, win_type;
	int32_t mss;
	int16_t wscale;
	int8_t pclass;
	uint16_t win;
	uint32_t quirks;
	int win_multi, use_mtu;
	const uint8_t *layout;
};

/*
 * p0f's tcp_find_match over db's signatures of direction resp for p.  dupe: p is a
 * p0f.fp line being checked for a duplicate (exact matches only).  Always fills *m.
 */
void p0f_match_probe(const struct p0f_db *db, int resp, const struct p0f_match_probe *p, int dupe,
		     struct p0f_match *m);

#endif
