/*
 * dbset.c - several signature databases as one (see dbset.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "p0f/builtin.h"
#include "p0f/dbset.h"

void p0f_dbset_init(struct p0f_dbset *s)
{
	memset(s, 0, sizeof(*s));
}

int p0f_dbset_add(struct p0f_dbset *s, const char *spec, char *err, size_t errlen)
{
	struct p0f_db *db;
	int rc;

	if (s->n == P0F_DBSET_MAX) {
		snprintf(err, errlen, "%s: too many signature databases (max %d)", spec,
			 P0F_DBSET_MAX);
		return -E2BIG;
	}
	if (!strcmp(spec, P0F_BUILTIN_NAME)) {
		size_t len;
		const char *text = p0f_builtin_text(&len);

		rc = p0f_db_load_text(P0F_BUILTIN_NAME, text, len, &db, err, errlen);
	} else {
		rc = p0f_db_load(spec, &db, err, errlen);
	}
	if (rc < 0)
		return rc;
	s->db[s->n++] = db;
	return 0;
}

void p0f_dbset_free(struct p0f_dbset *s)
{
	for (unsigned i = 0; i < s->n; i++) {
		free(s->db[i]);
		s->db[i] = NULL;
	}
	s->n = 0;
}

unsigned p0f_dbset_tcp_req(const struct p0f_dbset *s)
{
	unsigned n = 0;

	for (unsigned i = 0; i < s->n; i++)
		n += s->db[i]->n_tcp_req;
	return n;
}

/* p0f's preference inside one file, lifted across files: 3 exact specific, 2 exact
 * generic, 1 fuzzy, 0 none (a fuzzy tool match is already none: p0f_match_sig). */
static int rank(const struct p0f_match *m)
{
	if (m->sig < 0)
		return 0;
	if (m->fuzzy)
		return 1;
	return m->generic ? 2 : 3;
}

void p0f_dbset_match(const struct p0f_dbset *s, const struct p0f_sig *sig, struct p0f_match *m,
		     const struct p0f_db **db)
{
	int best = 0;

	memset(m, 0, sizeof(*m));
	m->sig = m->label = -1;
	m->dist = sig->dist;
	*db = NULL;
	for (unsigned i = 0; i < s->n; i++) {
		struct p0f_match cur;
		int r;

		p0f_match_sig(s->db[i], sig, &cur);
		r = rank(&cur);
		if (i == 0 || r > best) {
			/* No match anywhere keeps the first source's guess (all equal). */
			*m = cur;
			*db = r ? s->db[i] : NULL;
			best = r;
		}
		if (best == 3)
			break;
	}
}

int p0f_dbset_mtu_link(const struct p0f_dbset *s, const struct p0f_sig *sig, unsigned *mtu,
		       char *buf, size_t len)
{
	*mtu = 0;
	if (len)
		buf[0] = 0;
	if (!sig->mss)
		return 0;
	*mtu = sig->mss + (sig->ip_ver == 4 ? 40u : 60u);
	for (unsigned i = 0; i < s->n; i++) {
		int n = p0f_match_mtu_link(s->db[i], sig, mtu, buf, len);

		if (n != 0)
			return n;
	}
	return 0;
}
