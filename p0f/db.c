/*
 * db.c - p0f.fp reader and p0f-style signature matching.
 *
 * The grammar, states and checks are p0f 3.09b's (facts about its file
 * format and behaviour); where p0f's reader has an odd corner (a 'N-' TTL
 * swallows the next field, numbers read like atol), it is reproduced so the
 * same file means the same thing.  Errors carry line and column.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "p0f/db.h"
#include "p0f/match.h"
#include "sys/file.h"

#define LINE_MAX_LEN 4096
/* Characters p0f allows in OS names besides letters and digits. */
#define NAME_CHARS " ./-_!?()"

enum { NEED_SECT, NEED_LABEL, NEED_SYS, NEED_SIG };
enum { MOD_NONE, MOD_MTU, MOD_TCP, MOD_HTTP };

struct ctx {
	struct p0f_db *db;
	struct p0f_db_error *err;
	const char *line; /* NUL-terminated copy of the current line */
	unsigned lead;	  /* blanks skipped before it */
	unsigned line_no;
	int state, mod, to_srv;
	int label; /* current label index, -1 none */
	int mtu_label_off, mtu_label_len;
};

__attribute__((format(printf, 4, 5))) static int perr(struct ctx *c, int rc, const char *at,
						      const char *fmt, ...)
{
	va_list ap;

	c->err->line = c->line_no;
	c->err->col = at ? (unsigned)(at - c->line) + c->lead + 1 : 1;
	va_start(ap, fmt);
	vsnprintf(c->err->msg, sizeof(c->err->msg), fmt, ap);
	va_end(ap);
	return rc;
}

#define SYNTAX(c, at, ...) perr((c), -EINVAL, (at), __VA_ARGS__)

/* atol() as p0f uses it, bounded so no input can overflow. */
static long num(const char *s)
{
	long v = 0;
	int neg = 0;

	while (isspace((unsigned char)*s))
		s++;
	if (*s == '+' || *s == '-')
		neg = *s++ == '-';
	for (; isdigit((unsigned char)*s); s++)
		if (v < 100000000L)
			v = v * 10 + (*s - '0');
	return neg ? -v : v;
}

static size_t ndigits(const char *s)
{
	size_t n = 0;

	while (isdigit((unsigned char)s[n]))
		n++;
	return n;
}

static char *digits(char *s)
{
	return s + ndigits(s);
}

static int text_add(struct ctx *c, const char *s, size_t len, struct p0f_db_str *out)
{
	struct p0f_db *db = c->db;

	if (len > P0F_DB_TEXT_MAX - db->text_len)
		return perr(c, -E2BIG, s, "text table full (%u bytes)", P0F_DB_TEXT_MAX);
	memcpy(db->text + db->text_len, s, len);
	out->off = (uint16_t)db->text_len;
	out->len = (uint16_t)len;
	db->text_len += (unsigned)len;
	return 0;
}

static int str_eq_ci(const struct p0f_db *db, const struct p0f_db_str *a, const char *s, size_t len)
{
	return a->len == len && !strncasecmp(db->text + a->off, s, len);
}

/* Look up a name case-insensitively; p0f keeps the first spelling it saw. */
static int name_id(struct ctx *c, const char *s, size_t len)
{
	struct p0f_db *db = c->db;
	unsigned i;
	int rc;

	for (i = 0; i < db->n_names; i++)
		if (str_eq_ci(db, &db->names[i], s, len))
			return (int)i;
	if (db->n_names >= P0F_DB_MAX_NAMES)
		return perr(c, -E2BIG, s, "too many names (max %d)", P0F_DB_MAX_NAMES);
	rc = text_add(c, s, len, &db->names[db->n_names]);
	if (rc)
		return rc;
	return (int)db->n_names++;
}

static int class_id(struct ctx *c, const char *s, size_t len)
{
	unsigned i;

	for (i = 0; i < c->db->n_classes; i++)
		if (str_eq_ci(c->db, &c->db->classes[i], s, len))
			return (int)i;
	return SYNTAX(c, s, "unknown class '%.*s'", (int)len, s);
}

static int is_name_char(char ch)
{
	return isalnum((unsigned char)ch) || (ch && strchr(NAME_CHARS, ch));
}

static int parse_classes(struct ctx *c, const char *val)
{
	struct p0f_db *db = c->db;

	while (*val) {
		const char *nxt;
		int rc;

		while (isblank((unsigned char)*val) || *val == ',')
			val++;
		nxt = val;
		while (isalnum((unsigned char)*nxt))
			nxt++;
		if (nxt == val || (*nxt && *nxt != ','))
			return SYNTAX(c, nxt,
				      "malformed class list (letters and digits, comma-separated)");
		if (db->n_classes >= P0F_DB_MAX_CLASSES)
			return perr(c, -E2BIG, val, "too many classes (max %d)",
				    P0F_DB_MAX_CLASSES);
		rc = text_add(c, val, (size_t)(nxt - val), &db->classes[db->n_classes]);
		if (rc)
			return rc;
		db->n_classes++;
		val = nxt;
	}
	return 0;
}

static int parse_label(struct ctx *c, const char *val)
{
	struct p0f_db *db = c->db;
	struct p0f_db_label *l;
	const char *nxt, *cls;
	int rc;

	if (c->mod == MOD_MTU) {
		struct p0f_db_str s;

		if (!*val)
			return SYNTAX(c, val, "empty MTU label");
		rc = text_add(c, val, strlen(val), &s);
		if (rc)
			return rc;
		c->mtu_label_off = s.off;
		c->mtu_label_len = s.len;
		return 0;
	}
	if (db->n_labels >= P0F_DB_MAX_LABELS)
		return perr(c, -E2BIG, val, "too many labels (max %d)", P0F_DB_MAX_LABELS);
	l = &db->labels[db->n_labels];
	memset(l, 0, sizeof(*l));
	l->line = c->line_no;
	if (*val != 'g' && *val != 's')
		return SYNTAX(c, val, "label must start with 's:' or 'g:'");
	l->generic = *val == 'g';
	if (val[1] != ':')
		return SYNTAX(c, val + 1, "label must start with 's:' or 'g:'");
	cls = val + 2;
	nxt = cls;
	while (isalnum((unsigned char)*nxt) || *nxt == '!')
		nxt++;
	if (nxt == cls || *nxt != ':')
		return SYNTAX(c, nxt, "malformed label class");
	if (cls[0] == '!' && cls[1] == ':') {
		l->class_id = -1;
	} else {
		rc = class_id(c, cls, (size_t)(nxt - cls));
		if (rc < 0)
			return rc;
		l->class_id = (int16_t)rc;
	}
	val = ++nxt;
	while (is_name_char(*nxt))
		nxt++;
	if (nxt == val || *nxt != ':')
		return SYNTAX(c, nxt, "malformed label name");
	rc = name_id(c, val, (size_t)(nxt - val));
	if (rc < 0)
		return rc;
	l->name = (uint16_t)rc;
	if (nxt[1]) {
		struct p0f_db_str s;

		rc = text_add(c, nxt + 1, strlen(nxt + 1), &s);
		if (rc)
			return rc;
		l->flavor = s.off;
		l->flavor_len = s.len;
	}
	c->label = (int)db->n_labels++;
	return 0;
}

/* 'sys' names what a tool runs on: OS names, or @classes. */
static int parse_sys(struct ctx *c, const char *val)
{
	while (*val) {
		const char *nxt;
		int is_cl = 0, rc;

		while (isblank((unsigned char)*val) || *val == ',')
			val++;
		if (*val == '@') {
			is_cl = 1;
			val++;
		}
		nxt = val;
		while (is_name_char(*nxt))
			nxt++;
		if (nxt == val || (*nxt && *nxt != ','))
			return SYNTAX(c, nxt, "malformed sys entry");
		rc = is_cl ? class_id(c, val, (size_t)(nxt - val))
			   : name_id(c, val, (size_t)(nxt - val));
		if (rc < 0)
			return rc;
		val = nxt;
	}
	return 0;
}

static int parse_mtu_sig(struct ctx *c, const char *val)
{
	struct p0f_db *db = c->db;
	const char *nxt = val + ndigits(val);
	long mtu;

	if (nxt == val || *nxt)
		return SYNTAX(c, nxt, "malformed MTU value (digits only)");
	mtu = num(val);
	if (mtu <= 0 || mtu > 65535)
		return SYNTAX(c, val, "MTU out of range 1-65535");
	if (db->n_mtu >= P0F_DB_MAX_MTU)
		return perr(c, -E2BIG, val, "too many MTU signatures (max %d)", P0F_DB_MAX_MTU);
	db->mtu[db->n_mtu].mtu = (uint16_t)mtu;
	db->mtu[db->n_mtu].label.off = (uint16_t)c->mtu_label_off;
	db->mtu[db->n_mtu].label.len = (uint16_t)c->mtu_label_len;
	db->n_mtu++;
	return 0;
}

static const char *const opt_tokens[] = {"nop", "mss", "ws", "sok", "sack", "ts"};
static const uint8_t opt_kinds[] = {1, 2, 3, 4, 5, 8};

static int parse_layout(struct ctx *c, char **pval, struct p0f_db_sig *s)
{
	char *val = *pval, *nxt;
	long v;
	unsigned i;

	while (*val != ':') {
		if (s->opt_cnt >= P0F_SIG_MAX_OPT)
			return SYNTAX(c, val, "too many TCP options (max %d)", P0F_SIG_MAX_OPT);
		if (!strncmp(val, "eol", 3)) {
			s->layout[s->opt_cnt++] = 0;
			val += 3;
			if (*val != '+')
				return SYNTAX(c, val, "'eol' must be followed by '+' and a count");
			nxt = digits(++val);
			if (!*nxt)
				return SYNTAX(c, nxt, "truncated options");
			if (*nxt != ':')
				return SYNTAX(c, nxt, "'eol' must be the last option");
			v = num(val);
			if (v < 0 || v > 255)
				return SYNTAX(c, val, "EOL padding out of range 0-255");
			s->eol_pad = (uint8_t)v;
			val = nxt;
		} else if (*val == '?') {
			nxt = digits(++val);
			if (*nxt != ':' && *nxt != ',')
				return SYNTAX(c, nxt, "malformed '?' option");
			v = num(val);
			if (v < 0 || v > 255)
				return SYNTAX(c, val, "'?' option kind out of range 0-255");
			s->layout[s->opt_cnt++] = (uint8_t)v;
			val = nxt;
		} else {
			for (i = 0; i < sizeof(opt_kinds); i++)
				if (!strncmp(val, opt_tokens[i], strlen(opt_tokens[i])))
					break;
			if (i == sizeof(opt_kinds))
				return SYNTAX(c, val, "unknown TCP option");
			s->layout[s->opt_cnt++] = opt_kinds[i];
			val += strlen(opt_tokens[i]);
		}
		if (*val == ':')
			break;
		if (*val != ',')
			return SYNTAX(c, val, "expected ',' or ':' after a TCP option");
		val++;
	}
	*pval = val + 1;
	return 0;
}

static int parse_quirks(struct ctx *c, char **pval, struct p0f_db_sig *s)
{
	char *val = *pval;
	unsigned i;

	while (*val != ':') {
		const char *q = NULL;

		for (i = 0; i < P0F_Q_COUNT; i++) {
			q = p0f_sig_quirk_name(1u << i);
			if (!strncmp(val, q, strlen(q)))
				break;
		}
		if (i == P0F_Q_COUNT)
			return SYNTAX(c, val, "unknown quirk");
		/* IPv4-only and IPv6-only quirks on a signature of the other kind. */
		if (s->ip_ver == 6 &&
		    ((1u << i) & (P0F_Q_DF | P0F_Q_ID_NZ | P0F_Q_ID_ZERO | P0F_Q_MBZ)))
			return SYNTAX(c, val, "quirk '%s' is not valid for IPv6", q);
		if (s->ip_ver == 4 && (1u << i) == P0F_Q_FLOW)
			return SYNTAX(c, val, "quirk 'flow' is not valid for IPv4");
		s->quirks |= 1u << i;
		val += strlen(q);
		if (*val == ':')
			break;
		if (*val != ',')
			return SYNTAX(c, val, "expected ',' or ':' after a quirk");
		val++;
	}
	*pval = val + 1;
	return 0;
}

/* One field "digits" followed by the terminator term; value in [lo, hi]. */
static int field(struct ctx *c, char **pval, char term, long lo, long hi, const char *what,
		 long *out)
{
	char *val = *pval, *nxt = digits(val);

	if (*nxt != term)
		return SYNTAX(c, nxt, "malformed %s (expected digits and '%c')", what, term);
	*out = num(val);
	if (*out < lo || *out > hi)
		return SYNTAX(c, val, "%s out of range %ld-%ld", what, lo, hi);
	*pval = nxt + 1;
	return 0;
}

static int parse_tcp_sig(struct ctx *c, char *val)
{
	struct p0f_db *db = c->db;
	struct p0f_db_sig *s;
	struct p0f_match m;
	struct p0f_match_probe p;
	char *nxt;
	long v, add;
	int rc;

	if (db->n_sigs >= P0F_DB_MAX_SIGS)
		return perr(c, -E2BIG, val, "too many TCP signatures (max %d)", P0F_DB_MAX_SIGS);
	s = &db->sigs[db->n_sigs];
	memset(s, 0, sizeof(*s));
	s->line = c->line_no;
	s->label = (uint16_t)c->label;

	if (*val == '4' || *val == '6')
		s->ip_ver = (int8_t)(*val - '0');
	else if (*val == '*')
		s->ip_ver = -1;
	else
		return SYNTAX(c, val, "IP version must be 4, 6 or *");
	if (val[1] != ':')
		return SYNTAX(c, val + 1, "expected ':' after the IP version");
	val += 2;

	nxt = digits(val);
	if (*nxt != ':' && *nxt != '+' && *nxt != '-')
		return SYNTAX(c, nxt, "malformed initial TTL");
	v = num(val);
	if (v < 1 || v > 255)
		return SYNTAX(c, val, "initial TTL out of range 1-255");
	val = nxt + 1;
	if (*nxt == '-' && nxt[1] == ':') {
		/*
		 * p0f steps two characters further here, so the IP option length
		 * that follows 'N-:' is skipped over and reads as 0.
		 */
		s->bad_ttl = 1;
		if (!val[1])
			return SYNTAX(c, val, "truncated signature");
		val += 2;
	} else if (*nxt == '+') {
		nxt = digits(nxt + 1);
		if (*nxt != ':')
			return SYNTAX(c, nxt, "malformed TTL distance");
		add = num(val);
		if (add < 0 || v + add > 255)
			return SYNTAX(c, val, "initial TTL plus distance out of range");
		v += add;
		val = nxt + 1;
	}
	s->ittl = (uint8_t)v;

	rc = field(c, &val, ':', 0, 255, "IP option length", &v);
	if (rc)
		return rc;
	s->olen = (uint8_t)v;

	if (val[0] == '*' && val[1] == ':') {
		s->mss = -1;
		val += 2;
	} else {
		rc = field(c, &val, ':', 0, 65535, "MSS", &v);
		if (rc)
			return rc;
		s->mss = (int32_t)v;
	}

	if (val[0] == '*' && val[1] == ',') {
		s->win_type = P0F_DB_WIN_ANY;
		val += 2;
	} else if (val[0] == '%') {
		s->win_type = P0F_DB_WIN_MOD;
		val++;
		rc = field(c, &val, ',', 2, 65535, "'%' window divisor", &v);
		if (rc)
			return rc;
		s->win = (uint16_t)v;
	} else if (!strncmp(val, "mss*", 4) || !strncmp(val, "mtu*", 4)) {
		s->win_type = val[1] == 's' ? P0F_DB_WIN_MSS : P0F_DB_WIN_MTU;
		val += 4;
		rc = field(c, &val, ',', 1, 1000, "MSS/MTU multiplier", &v);
		if (rc)
			return rc;
		s->win = (uint16_t)v;
	} else {
		s->win_type = P0F_DB_WIN_NORMAL;
		rc = field(c, &val, ',', 0, 65535, "window size", &v);
		if (rc)
			return rc;
		s->win = (uint16_t)v;
	}

	if (val[0] == '*' && val[1] == ':') {
		s->wscale = -1;
		val += 2;
	} else {
		rc = field(c, &val, ':', 0, 255, "window scale", &v);
		if (rc)
			return rc;
		s->wscale = (int16_t)v;
	}

	rc = parse_layout(c, &val, s);
	if (rc)
		return rc;
	rc = parse_quirks(c, &val, s);
	if (rc)
		return rc;

	if (!strcmp(val, "*"))
		s->pclass = -1;
	else if (!strcmp(val, "0"))
		s->pclass = 0;
	else if (!strcmp(val, "+"))
		s->pclass = 1;
	else
		return SYNTAX(c, val, "payload class must be '0', '+' or '*'");

	/* p0f refuses a signature an earlier specific one already matches. */
	memset(&p, 0, sizeof(p));
	p.ip_ver = s->ip_ver;
	p.ttl = s->ittl;
	p.olen = s->olen;
	p.eol_pad = s->eol_pad;
	p.opt_cnt = s->opt_cnt;
	p.layout = s->layout;
	p.mss = s->mss;
	p.wscale = s->wscale;
	p.pclass = s->pclass;
	p.win_type = s->win_type;
	p.win = s->win;
	p.quirks = s->quirks;
	p.win_multi = s->win_type == P0F_DB_WIN_NORMAL
			  ? p0f_sig_win_multi(s->win, s->mss, 0, 0, s->ip_ver, &p.use_mtu)
			  : -1;
	p0f_match_probe(db, !c->to_srv, &p, 1, &m);
	if (m.sig >= 0)
		return SYNTAX(c, NULL, "signature already covered by line %u",
			      (unsigned)db->sigs[m.sig].line);
	s->resp = !c->to_srv;
	if (s->resp)
		db->n_tcp_resp++;
	else
		db->n_tcp_req++;
	db->n_sigs++;
	return 0;
}

static int parse_section(struct ctx *c, const char *line)
{
	const char *name = line + 1, *dir;
	size_t nlen;

	if (!strcmp(name, "mtu]")) {
		c->mod = MOD_MTU;
		c->state = NEED_LABEL;
		return 0;
	}
	dir = strchr(name, ':');
	if (!dir)
		return SYNTAX(c, name, "malformed section (expected [mtu] or [module:direction])");
	nlen = (size_t)(dir - name);
	if (nlen == 3 && !strncmp(name, "tcp", 3))
		c->mod = MOD_TCP;
	else if (nlen == 4 && !strncmp(name, "http", 4))
		c->mod = MOD_HTTP;
	else
		return SYNTAX(c, name, "unknown module '%.*s'", (int)nlen, name);
	if (!strcmp(dir + 1, "request]"))
		c->to_srv = 1;
	else if (!strcmp(dir + 1, "response]"))
		c->to_srv = 0;
	else
		return SYNTAX(c, dir + 1, "unknown direction (request] or response])");
	c->state = NEED_LABEL;
	c->label = -1;
	return 0;
}

static int parse_line(struct ctx *c, char *line)
{
	char *val = line, *eon;
	int rc;

	if (*line == '[')
		return parse_section(c, line);
	while (isalpha((unsigned char)*val) || *val == '_')
		val++;
	eon = val;
	while (isblank((unsigned char)*val))
		val++;
	if (val == line || *val != '=')
		return SYNTAX(c, val, "expected 'name = value'");
	while (isblank((unsigned char)*++val))
		;
	*eon = 0;

	if (!strcmp(line, "classes")) {
		if (c->state != NEED_SECT)
			return SYNTAX(c, line, "'classes' must come before the first section");
		return parse_classes(c, val);
	}
	if (!strcmp(line, "ua_os")) {
		if (c->state != NEED_LABEL || c->mod != MOD_HTTP || !c->to_srv)
			return SYNTAX(c, line, "'ua_os' belongs at the start of [http:request]");
		return 0; /* HTTP user-agent mapping: not ours */
	}
	if (!strcmp(line, "label")) {
		if (c->state != NEED_LABEL && c->state != NEED_SIG)
			return SYNTAX(c, line, "misplaced 'label'");
		rc = parse_label(c, val);
		if (rc)
			return rc;
		if (c->mod != MOD_MTU && c->db->labels[c->label].class_id < 0)
			c->state = NEED_SYS;
		else
			c->state = NEED_SIG;
		return 0;
	}
	if (!strcmp(line, "sys")) {
		if (c->state != NEED_SYS)
			return SYNTAX(c, line, "misplaced 'sys' (only after a '!' label)");
		rc = parse_sys(c, val);
		c->state = NEED_SIG;
		return rc;
	}
	if (!strcmp(line, "sig")) {
		if (c->state != NEED_SIG)
			return SYNTAX(c, line, "misplaced 'sig'");
		c->db->n_total++;
		if (c->mod == MOD_MTU)
			return parse_mtu_sig(c, val);
		if (c->mod == MOD_TCP)
			return parse_tcp_sig(c, val);
		c->db->n_http++;
		return 0;
	}
	return SYNTAX(c, line, "unknown field '%s'", line);
}

int p0f_db_parse(struct p0f_db *db, const char *buf, size_t len, struct p0f_db_error *err)
{
	struct ctx c;
	char line[LINE_MAX_LEN + 1];
	size_t pos = 0;
	int rc;

	memset(db, 0, offsetof(struct p0f_db, sigs));
	memset(err, 0, sizeof(*err));
	memset(&c, 0, sizeof(c));
	c.db = db;
	c.err = err;
	c.state = NEED_SECT;
	c.label = -1;
	c.line = line;
	if (len > P0F_DB_MAX_FILE) {
		snprintf(err->msg, sizeof(err->msg), "file larger than %u bytes", P0F_DB_MAX_FILE);
		return -EFBIG;
	}
	while (pos < len) {
		size_t start = pos, end, n;
		const char *nul;

		c.line_no++;
		c.lead = 0;
		while (pos < len && buf[pos] != '\n')
			pos++;
		end = pos;
		pos = pos < len ? pos + 1 : pos;
		nul = memchr(buf + start, 0, end - start);
		if (nul) {
			c.lead = (unsigned)(nul - buf - start);
			line[0] = 0;
			return SYNTAX(&c, line, "NUL byte in file");
		}
		while (start < end && isblank((unsigned char)buf[start])) {
			start++;
			c.lead++;
		}
		n = end - start;
		if (!n || buf[start] == ';')
			continue;
		if (n > LINE_MAX_LEN) {
			line[0] = 0;
			return SYNTAX(&c, line, "line longer than %d bytes", LINE_MAX_LEN);
		}
		memcpy(line, buf + start, n);
		line[n] = 0;
		rc = parse_line(&c, line);
		if (rc)
			return rc;
	}
	return 0;
}

/*
 * The label text goes verbatim into a request header (x-tcp-p0f-os) and into the
 * fingerprint command's os= field: a CR, LF or other control byte would let the
 * database inject header lines, and a '|' would break the os=|dist=|params= format.
 * Returns the first such byte, or -1.
 */
static int bad_label_byte(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch < 0x20 || ch > 0x7e || ch == '|')
			return ch;
	}
	return -1;
}

int p0f_db_check_labels(const struct p0f_db *db, unsigned *line, int *byte)
{
	for (unsigned i = 0; i < db->n_labels; i++) {
		const struct p0f_db_label *l = &db->labels[i];
		const struct p0f_db_str *name = &db->names[l->name];
		int bad = bad_label_byte(db->text + name->off, name->len);

		if (bad < 0 && l->flavor_len)
			bad = bad_label_byte(db->text + l->flavor, l->flavor_len);
		if (bad >= 0) {
			*line = l->line;
			*byte = bad;
			return -EINVAL;
		}
	}
	return 0;
}

int p0f_db_load_text(const char *name, const char *text, size_t len, struct p0f_db **out, char *err,
		     size_t errlen)
{
	struct p0f_db_error perr;
	struct p0f_db *db;
	unsigned line;
	int rc, bad;

	*out = NULL;
	db = malloc(sizeof(*db));
	if (!db) {
		snprintf(err, errlen, "%s: out of memory", name);
		return -ENOMEM;
	}
	rc = p0f_db_parse(db, text, len, &perr);
	if (rc < 0) {
		if (perr.line)
			snprintf(err, errlen, "%s:%u:%u: %s", name, perr.line, perr.col, perr.msg);
		else
			snprintf(err, errlen, "%s: %s", name,
				 perr.msg[0] ? perr.msg : strerror(-rc));
		free(db);
		return rc;
	}
	rc = p0f_db_check_labels(db, &line, &bad);
	if (rc < 0) {
		snprintf(err, errlen,
			 "%s:%u: label holds byte 0x%02x, not allowed in the x-tcp-p0f-os "
			 "header (printable ASCII but '|' only)",
			 name, line, (unsigned)bad);
		free(db);
		return rc;
	}
	*out = db;
	return 0;
}

int p0f_db_load(const char *path, struct p0f_db **out, char *err, size_t errlen)
{
	size_t len = 0;
	char *text = NULL;
	int rc;

	*out = NULL;
	rc = file_read_all(path, P0F_DB_MAX_FILE, &text, &len);
	if (rc < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(-rc));
		return rc;
	}
	rc = p0f_db_load_text(path, text, len, out, err, errlen);
	free(text);
	return rc;
}
