/*
 * fuzz_p0f_db.c - the p0f.fp parser on arbitrary text; when it accepts, a
 * few signatures are matched and every result rendered.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "p0f/db.h"
#include "p0f/match.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct p0f_db db;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct p0f_db_error err;
	char *copy = malloc(size ? size : 1);
	int rc;
	unsigned i;

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	rc = p0f_db_parse(&db, copy, size, &err);
	free(copy);
	if (rc < 0) {
		if (rc != -EINVAL && rc != -E2BIG && rc != -EFBIG)
			abort();
		if (strlen(err.msg) >= sizeof(err.msg))
			abort();
		return 0;
	}
	if (db.n_sigs > P0F_DB_MAX_SIGS || db.text_len > P0F_DB_TEXT_MAX)
		abort();
	for (i = 0; i < 4; i++) {
		struct p0f_sig s;
		struct p0f_match m;
		char buf[P0F_DB_STR_MAX];
		unsigned mtu;

		memset(&s, 0, sizeof(s));
		s.ip_ver = i & 1 ? 6 : 4;
		s.ttl = (uint8_t)(30 + 40 * i);
		s.mss = (uint16_t)(1460 - 20 * i);
		s.win = (uint16_t)(s.mss * (i + 2));
		s.win_class = (uint8_t)(i % 3);
		s.win_multi = (uint16_t)(i + 2);
		s.opt_cnt = (uint8_t)i;
		s.opt_layout[0] = 2;
		s.opt_layout[1] = 4;
		s.opt_layout[2] = 8;
		s.quirks = i ? P0F_Q_DF | P0F_Q_ID_NZ : 0;
		s.tos = (uint8_t)i;
		p0f_match_sig(&db, &s, &m);
		if (p0f_match_render_os(&db, &m, buf, sizeof(buf)) < 0 ||
		    p0f_match_render_label(&db, &m, buf, sizeof(buf)) < 0 ||
		    p0f_match_render_dist(&m, buf, sizeof(buf)) < 0 ||
		    p0f_match_render_params(&s, &m, buf, sizeof(buf)) < 0 ||
		    p0f_match_mtu_link(&db, &s, &mtu, buf, sizeof(buf)) < 0)
			abort();
	}
	return 0;
}
