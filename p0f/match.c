/*
 * match.c - p0f 3.09b's signature selection over a parsed p0f.fp, and the text p0f
 * logs for a match (match.h).
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "p0f/match.h"

/*
 * p0f's tcp_find_match: signatures with the same option layout, in file
 * order.  A specific exact match wins at once; else the first generic exact
 * match; else the first fuzzy one (quirks off by df/id+ gone or id-/ecn
 * added, or TTL out of range) unless it names a tool.
 */
void p0f_match_probe(const struct p0f_db *db, int resp, const struct p0f_match_probe *p, int dupe,
		     struct p0f_match *m)
{
	int fmatch = -1, gmatch = -1, pick;
	unsigned i;

	memset(m, 0, sizeof(*m));
	m->sig = m->label = -1;
	for (i = 0; i < db->n_sigs; i++) {
		const struct p0f_db_sig *r = &db->sigs[i];
		uint32_t rq = r->quirks;
		int fuzzy = 0;

		if (r->resp != resp || r->opt_cnt != p->opt_cnt ||
		    memcmp(r->layout, p->layout, r->opt_cnt))
			continue;
		/* A '*' signature drops the quirks the packet's IP version cannot have. */
		if (r->ip_ver == -1)
			rq &= p->ip_ver == 4 ? ~(uint32_t)P0F_Q_FLOW
					     : ~(uint32_t)(P0F_Q_DF | P0F_Q_ID_NZ | P0F_Q_ID_ZERO);
		if (rq != p->quirks) {
			uint32_t deleted = (rq ^ p->quirks) & rq,
				 added = (rq ^ p->quirks) & p->quirks;

			if (fmatch >= 0 || (deleted & ~(uint32_t)(P0F_Q_DF | P0F_Q_ID_NZ)) ||
			    (added & ~(uint32_t)(P0F_Q_ID_ZERO | P0F_Q_ECN)))
				continue;
			fuzzy = 1;
		}
		if (r->eol_pad != p->eol_pad || r->olen != p->olen)
			continue;
		if (r->bad_ttl) {
			if (r->ittl < p->ttl)
				continue;
		} else if (r->ittl < p->ttl || r->ittl - p->ttl > P0F_SIG_MAX_DIST) {
			fuzzy = 1;
		}
		if (r->mss != -1 && r->mss != p->mss)
			continue;
		if (r->wscale != -1 && r->wscale != p->wscale)
			continue;
		if (r->pclass != -1 && r->pclass != p->pclass)
			continue;
		if (p->win_type != P0F_DB_WIN_NORMAL) {
			if (r->win_type != p->win_type || r->win != p->win)
				continue;
		} else if (r->win_type == P0F_DB_WIN_NORMAL) {
			if (r->win != p->win)
				continue;
		} else if (r->win_type == P0F_DB_WIN_MOD) {
			if (p->win % r->win)
				continue;
		} else if (r->win_type == P0F_DB_WIN_MSS) {
			if (p->use_mtu || r->win != p->win_multi)
				continue;
		} else if (r->win_type == P0F_DB_WIN_MTU) {
			if (!p->use_mtu || r->win != p->win_multi)
				continue;
		}
		if (!fuzzy) {
			if (!db->labels[r->label].generic) {
				m->sig = (int)i;
				m->dist = (unsigned)(r->ittl - p->ttl);
				goto found;
			}
			if (gmatch < 0)
				gmatch = (int)i;
		} else if (fmatch < 0) {
			fmatch = (int)i;
		}
	}
	if (dupe)
		return;
	if (gmatch >= 0) {
		m->sig = gmatch;
		m->dist = (unsigned)(db->sigs[gmatch].ittl - p->ttl);
		goto found;
	}
	/* No fuzzy guesses for tools; p0f then reports distance 0. */
	if (fmatch >= 0 && db->labels[db->sigs[fmatch].label].class_id < 0)
		return;
	pick = fmatch;
	if (pick < 0 || db->sigs[pick].ittl < p->ttl ||
	    (!db->sigs[pick].bad_ttl && db->sigs[pick].ittl - p->ttl > P0F_SIG_MAX_DIST))
		m->dist = p0f_sig_guess_dist(p->ttl);
	else
		m->dist = (unsigned)(db->sigs[pick].ittl - p->ttl);
	if (pick < 0)
		return;
	m->sig = pick;
	m->fuzzy = 1;
found:
	m->label = db->sigs[m->sig].label;
	m->generic = db->labels[m->label].generic;
	m->bad_ttl = db->sigs[m->sig].bad_ttl;
	m->tool = db->labels[m->label].class_id < 0;
}

void p0f_match_sig(const struct p0f_db *db, const struct p0f_sig *sig, struct p0f_match *m)
{
	struct p0f_match_probe p;

	memset(&p, 0, sizeof(p));
	p.ip_ver = (int8_t)sig->ip_ver;
	p.ttl = sig->ttl;
	p.olen = sig->ip_opt_len;
	p.eol_pad = sig->eol_pad;
	p.opt_cnt = sig->opt_cnt;
	p.layout = sig->opt_layout;
	p.mss = sig->mss;
	p.wscale = sig->wscale;
	p.pclass = (int8_t)sig->pclass;
	p.win_type = P0F_DB_WIN_NORMAL;
	p.win = sig->win;
	p.quirks = sig->quirks;
	p.win_multi = sig->win_class == P0F_WIN_RAW ? -1 : sig->win_multi;
	p.use_mtu = sig->win_class == P0F_WIN_MTU;
	p0f_match_probe(db, 0, &p, 0, m);
}

static int finish(int n, size_t len)
{
	return n < 0 || (size_t)n >= len ? -ENOSPC : n;
}

int p0f_match_render_os(const struct p0f_db *db, const struct p0f_match *m, char *buf, size_t len)
{
	const struct p0f_db_label *l;
	const struct p0f_db_str *name;

	if (m->label < 0)
		return finish(snprintf(buf, len, "???"), len);
	l = &db->labels[m->label];
	name = &db->names[l->name];
	if (!l->flavor_len)
		return finish(snprintf(buf, len, "%.*s", name->len, db->text + name->off), len);
	return finish(snprintf(buf, len, "%.*s %.*s", name->len, db->text + name->off,
			       l->flavor_len, db->text + l->flavor),
		      len);
}

int p0f_match_render_label(const struct p0f_db *db, const struct p0f_match *m, char *buf,
			   size_t len)
{
	const struct p0f_db_label *l;
	const struct p0f_db_str *name, *cls;

	if (m->label < 0)
		return finish(snprintf(buf, len, "???"), len);
	l = &db->labels[m->label];
	name = &db->names[l->name];
	if (l->class_id < 0)
		return finish(snprintf(buf, len, "%c:!:%.*s:%.*s", l->generic ? 'g' : 's',
				       name->len, db->text + name->off, l->flavor_len,
				       db->text + l->flavor),
			      len);
	cls = &db->classes[l->class_id];
	return finish(snprintf(buf, len, "%c:%.*s:%.*s:%.*s", l->generic ? 'g' : 's', cls->len,
			       db->text + cls->off, name->len, db->text + name->off, l->flavor_len,
			       db->text + l->flavor),
		      len);
}

int p0f_match_render_dist(const struct p0f_match *m, char *buf, size_t len)
{
	if (m->sig >= 0 && m->bad_ttl)
		return finish(snprintf(buf, len, "<= %u", m->dist), len);
	return finish(snprintf(buf, len, "%u", m->dist), len);
}

int p0f_match_render_params(const struct p0f_sig *sig, const struct p0f_match *m, char *buf,
			    size_t len)
{
	char tmp[64];
	size_t n = 0;

	tmp[0] = 0;
	/* p0f's order: match qualities, then distance, then TOS. */
	if (m->sig >= 0) {
		if (m->generic)
			n += (size_t)snprintf(tmp + n, sizeof(tmp) - n, " generic");
		if (m->fuzzy)
			n += (size_t)snprintf(tmp + n, sizeof(tmp) - n, " fuzzy");
		if (m->bad_ttl)
			n += (size_t)snprintf(tmp + n, sizeof(tmp) - n, " random_ttl");
	}
	if (m->dist > P0F_SIG_MAX_DIST)
		n += (size_t)snprintf(tmp + n, sizeof(tmp) - n, " excess_dist");
	if (sig->tos)
		n += (size_t)snprintf(tmp + n, sizeof(tmp) - n, " tos:0x%02x", sig->tos);
	return finish(snprintf(buf, len, "%s", n ? tmp + 1 : "none"), len);
}

int p0f_match_mtu_link(const struct p0f_db *db, const struct p0f_sig *sig, unsigned *mtu, char *buf,
		       size_t len)
{
	unsigned i, want;

	*mtu = 0;
	if (len)
		buf[0] = 0;
	if (!sig->mss)
		return 0;
	/* p0f assumes option-less headers here, whatever the SYN carried. */
	want = sig->mss + (sig->ip_ver == 4 ? 40u : 60u);
	*mtu = want;
	for (i = 0; i < db->n_mtu; i++) {
		if (db->mtu[i].mtu != want)
			continue;
		return finish(snprintf(buf, len, "%.*s", db->mtu[i].label.len,
				       db->text + db->mtu[i].label.off),
			      len);
	}
	return 0;
}
