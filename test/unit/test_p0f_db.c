/*
 * test_p0f_db.c - p0f.fp parsing (Debian's file, a table of broken lines with
 * the line, column and reason we expect) and p0f-style matching.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "p0f/db.h"
#include "p0f/match.h"
#include "test/harness.h"

static struct p0f_db *db;

static int parse(const char *text, struct p0f_db_error *err)
{
	unsigned char *g = t_guarded(text, strlen(text));
	int rc = p0f_db_parse(db, (const char *)g, strlen(text), err);

	t_guarded_free(g, strlen(text));
	return rc;
}

/* Count [tcp:request] 'sig' lines independently of the parser under test. */
static unsigned count_request_sigs(const char *text)
{
	const char *p = text;
	unsigned n = 0;
	int in = 0;

	while (*p) {
		const char *e = strchr(p, '\n');
		size_t len = e ? (size_t)(e - p) : strlen(p);

		if (len && p[0] == '[')
			in = len == 13 && !strncmp(p, "[tcp:request]", 13);
		else if (in && len > 3 && !strncmp(p, "sig", 3))
			n++;
		p += len + (e != NULL);
	}
	return n;
}

static void test_debian(void)
{
	struct p0f_db_error err;
	FILE *f = fopen("/etc/p0f/p0f.fp", "r");
	static char text[P0F_DB_MAX_FILE / 16];
	size_t len;
	int rc;

	if (!f) {
		skip("/etc/p0f/p0f.fp is missing (apt-get install p0f)");
		return;
	}
	len = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[len] = 0;
	rc = p0f_db_parse(db, text, len, &err);
	if (!ok(rc == 0, "Debian p0f.fp parses")) {
		printf("#   %u:%u: %s\n", err.line, err.col, err.msg);
		return;
	}
	is_int(db->n_tcp_req, count_request_sigs(text),
	       "[tcp:request] sigs as counted in the file");
	is_int(db->n_tcp_req, 91, "Debian's 91 [tcp:request] signatures");
	is_int(db->n_total, 322, "322 signatures in all, as p0f's 'Loaded' line says");
	is_int(db->n_tcp_resp, 101, "101 [tcp:response] signatures");
	is_int(db->n_mtu, 25, "25 [mtu] signatures");
	is_int(db->n_classes, 3, "classes win, unix, other");
}

struct bad {
	const char *text;
	int rc;
	unsigned line, col;
	const char *msg; /* substring */
};

#define HDR "classes = win,unix\n[tcp:request]\nlabel = s:unix:Linux:x\n"
#define SIGL(s) HDR "sig = " s "\n"

static const struct bad bad[] = {
    {"[foo]\n", -EINVAL, 1, 2, "malformed section"},
    {"[udp:request]\n", -EINVAL, 1, 2, "unknown module 'udp'"},
    {"[tcp:sideways]\n", -EINVAL, 1, 6, "unknown direction"},
    {"[tcp:request] \n", -EINVAL, 1, 6, "unknown direction"},
    {"[tcp:request]\nclasses = a\n", -EINVAL, 2, 1, "'classes' must come before"},
    {"classes = a,,b c\n", -EINVAL, 1, 15, "malformed class list"},
    {"classes = a,\n", -EINVAL, 1, 13, "malformed class list"},
    {"label = s:unix:Linux:\n", -EINVAL, 1, 1, "misplaced 'label'"},
    {"sig = *:64:0:*:*,*::df:0\n", -EINVAL, 1, 1, "misplaced 'sig'"},
    {"[tcp:request]\nsig = *:64:0:*:*,*:::0\n", -EINVAL, 2, 1, "misplaced 'sig'"},
    {"[tcp:request]\nlabel = x:unix:Linux:\n", -EINVAL, 2, 9, "label must start"},
    {"[tcp:request]\nlabel = s-unix:Linux:\n", -EINVAL, 2, 10, "label must start"},
    {"classes = win\n[tcp:request]\nlabel = s:unix:Linux:\n", -EINVAL, 3, 11,
     "unknown class 'unix'"},
    {"[tcp:request]\nlabel = s::Linux:\n", -EINVAL, 2, 11, "malformed label class"},
    {"classes = unix\n[tcp:request]\nlabel = s:unix:Lin#ux:\n", -EINVAL, 3, 19,
     "malformed label name"},
    {"classes = unix\n[tcp:request]\nlabel = s:unix:Linux\n", -EINVAL, 3, 21,
     "malformed label name"},
    {HDR "sys = Linux\n", -EINVAL, 4, 1, "misplaced 'sys'"},
    {"classes = unix\n[tcp:request]\nlabel = s:!:nmap:\nsys = @win\n", -EINVAL, 4, 8,
     "unknown class 'win'"},
    {"classes = unix\n[tcp:request]\nlabel = s:!:nmap:\nsig = *:64:0:*:*,*:::0\n", -EINVAL, 4, 1,
     "misplaced 'sig'"},
    {"classes = unix\n[tcp:request]\nlabel = s:!:nmap:\nlabel = s:unix:x:\n", -EINVAL, 4, 1,
     "misplaced 'label'"},
    {HDR "flavor = x\n", -EINVAL, 4, 1, "unknown field 'flavor'"},
    {HDR "sig *:64:0:*:*,*:::0\n", -EINVAL, 4, 5, "expected 'name = value'"},
    {HDR "= 1\n", -EINVAL, 4, 1, "expected 'name = value'"},
    {SIGL("5:64:0:*:*,*:::0"), -EINVAL, 4, 7, "IP version must be"},
    {SIGL("4-64:0:*:*,*:::0"), -EINVAL, 4, 8, "expected ':' after the IP version"},
    {SIGL("*:0:0:*:*,*:::0"), -EINVAL, 4, 9, "initial TTL out of range"},
    {SIGL("*:256:0:*:*,*:::0"), -EINVAL, 4, 9, "initial TTL out of range"},
    {SIGL("*:6x:0:*:*,*:::0"), -EINVAL, 4, 10, "malformed initial TTL"},
    {SIGL("*:64+x:0:*:*,*:::0"), -EINVAL, 4, 12, "malformed TTL distance"},
    {SIGL("*:250+6:0:*:*,*:::0"), -EINVAL, 4, 13, "initial TTL plus distance"},
    {SIGL("*:64:x:*:*,*:::0"), -EINVAL, 4, 12, "malformed IP option length"},
    {SIGL("*:64:256:*:*,*:::0"), -EINVAL, 4, 12, "IP option length out of range"},
    {SIGL("*:64:0:65536:*,*:::0"), -EINVAL, 4, 14, "MSS out of range"},
    {SIGL("*:64:0:1460x:*,*:::0"), -EINVAL, 4, 18, "malformed MSS"},
    {SIGL("*:64:0:*:%1,*:::0"), -EINVAL, 4, 17, "'%' window divisor out of range"},
    {SIGL("*:64:0:*:mss*0,*:::0"), -EINVAL, 4, 20, "MSS/MTU multiplier out of range"},
    {SIGL("*:64:0:*:mtu*1001,*:::0"), -EINVAL, 4, 20, "MSS/MTU multiplier out of range"},
    {SIGL("*:64:0:*:65536,*:::0"), -EINVAL, 4, 16, "window size out of range"},
    {SIGL("*:64:0:*:mss,*:::0"), -EINVAL, 4, 16, "malformed window size"},
    {SIGL("*:64:0:*:*,256:::0"), -EINVAL, 4, 18, "window scale out of range"},
    {SIGL("*:64:0:*:*,*:mss,foo::0"), -EINVAL, 4, 24, "unknown TCP option"},
    {SIGL("*:64:0:*:*,*:mss;nop::0"), -EINVAL, 4, 23, "expected ',' or ':' after a TCP"},
    {SIGL("*:64:0:*:*,*:eol+1,mss::0"), -EINVAL, 4, 25, "'eol' must be the last"},
    {SIGL("*:64:0:*:*,*:eol,mss::0"), -EINVAL, 4, 23, "'eol' must be followed by '+'"},
    {SIGL("*:64:0:*:*,*:eol+1"), -EINVAL, 4, 25, "truncated options"},
    {SIGL("*:64:0:*:*,*:eol+256::0"), -EINVAL, 4, 24, "EOL padding out of range"},
    {SIGL("*:64:0:*:*,*:?x::0"), -EINVAL, 4, 21, "malformed '?' option"},
    {SIGL("*:64:0:*:*,*:?256::0"), -EINVAL, 4, 21, "'?' option kind out of range"},
    {SIGL("*:64:0:*:*,*:nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,"
	  "nop,nop,nop,nop,nop,nop,nop,nop,nop::0"),
     -EINVAL, 4, 116, "too many TCP options"},
    {SIGL("*:64:0:*:*,*::df,foo:0"), -EINVAL, 4, 24, "unknown quirk"},
    {SIGL("*:64:0:*:*,*::df;id+:0"), -EINVAL, 4, 23, "expected ',' or ':' after a quirk"},
    {SIGL("6:64:0:*:*,*::df:0"), -EINVAL, 4, 21, "quirk 'df' is not valid for IPv6"},
    {SIGL("6:64:0:*:*,*::0+:0"), -EINVAL, 4, 21, "quirk '0+' is not valid for IPv6"},
    {SIGL("4:64:0:*:*,*::flow:0"), -EINVAL, 4, 21, "quirk 'flow' is not valid for IPv4"},
    {SIGL("*:64:0:*:*,*:::1"), -EINVAL, 4, 22, "payload class"},
    {SIGL("*:64:0:*:*,*:::0 "), -EINVAL, 4, 22, "payload class"},
    {SIGL("*:64:0:*:*,*:::0\r"), -EINVAL, 4, 22, "payload class"},
    {SIGL("*:64:0:*:*,*:::"), -EINVAL, 4, 22, "payload class"},
    {SIGL("*:64:0:*:*,*:mss:df"), -EINVAL, 4, 26, "expected ',' or ':' after a quirk"},
    {SIGL("*:64:0:*:*,*:::0") "sig = *:64:0:1460:*,*:::0\n", -EINVAL, 5, 1,
     "already covered by line 4"},
    {"[mtu]\nsig = 1500\n", -EINVAL, 2, 1, "misplaced 'sig'"},
    {"[mtu]\nlabel = \n", -EINVAL, 2, 9, "empty MTU label"},
    {"[mtu]\nlabel = x\nsig = 15x0\n", -EINVAL, 3, 9, "malformed MTU value"},
    {"[mtu]\nlabel = x\nsig = 0\n", -EINVAL, 3, 7, "MTU out of range"},
    {"[mtu]\nlabel = x\nsig = 65536\n", -EINVAL, 3, 7, "MTU out of range"},
    {"[mtu]\nlabel = x\nsig =\n", -EINVAL, 3, 6, "malformed MTU value"},
    {"[http:request]\nlabel = s:!:x:\nua_os = Linux\n", -EINVAL, 3, 1, "'ua_os' belongs"},
    {"[tcp:request]\nua_os = Linux\n", -EINVAL, 2, 1, "'ua_os' belongs"},
    {"; ok\n  \n\t[tcp:request]\n  lab\x01l = 1\n", -EINVAL, 4, 6, "expected 'name = value'"},
};

static void test_bad(void)
{
	size_t i;
	struct p0f_db_error err;
	char nul[] = "[mtu]\nlabel = a\0b\n";
	int rc;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const struct bad *b = &bad[i];
		int pass;

		rc = parse(b->text, &err);
		pass = rc == b->rc && err.line == b->line && err.col == b->col &&
		       strstr(err.msg, b->msg);
		if (!ok(pass, "rejects line %u col %u: %s", b->line, b->col, b->msg))
			printf("#   got rc %d at %u:%u: %s\n", rc, err.line, err.col, err.msg);
	}
	rc = p0f_db_parse(db, nul, sizeof(nul) - 1, &err);
	ok(rc == -EINVAL && err.line == 2 && err.col == 10 && strstr(err.msg, "NUL"),
	   "NUL byte rejected at 2:10 (%u:%u %s)", err.line, err.col, err.msg);
}

static void test_limits(void)
{
	struct p0f_db_error err;
	static char text[8192];
	size_t n = 0;
	int i, rc;

	n += (size_t)snprintf(text + n, sizeof(text) - n, "classes = ");
	for (i = 0; i < P0F_DB_MAX_CLASSES + 1; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "c%d,", i);
	text[n - 1] = '\n';
	rc = parse(text, &err);
	ok(rc == -E2BIG && strstr(err.msg, "too many classes"), "class table full: -E2BIG (%s)",
	   err.msg);
	n = 0;
	n += (size_t)snprintf(text + n, sizeof(text) - n, "[tcp:request]\n");
	memset(text + n, 'x', 5000);
	text[n + 5000] = 0;
	rc = parse(text, &err);
	ok(rc == -EINVAL && err.line == 2 && strstr(err.msg, "longer than"), "long line rejected");
	rc = p0f_db_parse(db, text, (size_t)P0F_DB_MAX_FILE + 1, &err);
	is_int(rc, -EFBIG, "oversized file refused before reading");
}

/* A record from a few fields; options as hex, padded like a real header. */
static struct p0f_sig mksig(int v, int ttl, int df, int id, int tos, int win, const char *opt,
			    unsigned ack)
{
	struct huginn_syn_rec r;
	struct p0f_sig s;
	size_t i, n = strlen(opt) / 2;

	memset(&r, 0, sizeof(r));
	r.ip_ver = (unsigned char)v;
	r.ttl = (unsigned char)ttl;
	r.ip_flags = (unsigned short)(df ? HUGINN_IP_DF : 0);
	r.ip_id = (unsigned short)id;
	r.tos = (unsigned char)tos;
	r.win = (unsigned short)win;
	r.seq = 1;
	r.ack = ack;
	r.tcp_flags = HUGINN_TCP_SYN;
	r.ip_hdr_len = v == 4 ? 20 : 40;
	for (i = 0; i < n && i < HUGINN_TCP_OPT_MAX; i++) {
		char b[3] = {opt[2 * i], opt[2 * i + 1], 0};

		r.opts[i] = (unsigned char)strtoul(b, NULL, 16);
	}
	r.opt_len = (unsigned char)((n + 3) / 4 * 4);
	r.tcp_doff = (unsigned char)(20 + r.opt_len);
	p0f_sig_from_rec(&r, 0, &s);
	return s;
}

static void match_is(const char *what, const struct p0f_sig *s, const char *os, const char *dist,
		     const char *params)
{
	struct p0f_match m;
	char b1[P0F_DB_STR_MAX], b2[P0F_DB_STR_MAX], b3[P0F_DB_STR_MAX], got[1024], want[1024];

	p0f_match_sig(db, s, &m);
	p0f_match_render_os(db, &m, b1, sizeof(b1));
	p0f_match_render_dist(&m, b2, sizeof(b2));
	p0f_match_render_params(s, &m, b3, sizeof(b3));
	snprintf(got, sizeof(got), "%s|%s|%s", b1, b2, b3);
	snprintf(want, sizeof(want), "%s|%s|%s", os, dist, params);
	is_str(got, want, "match: %s", what);
}

#define LINUX_OPT "020405b40402080a000000010000000001030307"
#define MSS_OPT "020405b4"

static const char own_db[] = "; a small database exercising p0f's selection order\n"
			     "classes = unix,win\n"
			     "[mtu]\n"
			     "label = Ethernet\n"
			     "sig = 1500\n"
			     "label = tunnel\n"
			     "sig = 1400\n"
			     "[tcp:request]\n"
			     "label = g:unix:Linux:generic first\n"
			     "sig   = *:64:0:*:*,*:mss:df,id+:0\n"
			     "label = s:unix:linux:specific later\n"
			     "sig   = *:64:0:*:mss*4,0:mss:df,id+:0\n"
			     "label = s:unix:Fuzzy:ttl\n"
			     "sig   = 4:128:0:1000:*,0:mss,nop,eol+2:df,id+:0\n"
			     "sig   = 4:128:0:1000:*,0:mss:df,id+:0\n"
			     "label = s:win:Fuzzy:quirk\n"
			     "sig   = 4:64:0:1000:*,0:mss:df,id+:0\n"
			     "label = s:!:Tool:\n"
			     "sys   = @unix, Windows\n"
			     "sig   = *:64-:0:536:*,0:mss,nop,eol+2::0\n"
			     "label = s:unix:Modulo:\n"
			     "sig   = *:64:0:1200:%1000,0:mss:df,id+:0\n"
			     "label = s:unix:MTU:\n"
			     "sig   = *:64:0:1300:mtu*4,0:mss:df,id+:0\n"
			     "label = s:unix:Payload:\n"
			     "sig   = *:255:0:0:*,*::df,id+:+\n"
			     "label = s:unix:IPopt:\n"
			     "sig   = *:255:4:0:*,*::df,id+:0\n"
			     "label = s:unix:Plus:\n"
			     "sig   = *:60+4:0:0:1,*::df,id+:0\n";

static void test_match_own(void)
{
	struct p0f_db_error err;
	struct p0f_sig s;
	char buf[P0F_DB_STR_MAX];
	struct p0f_match m;
	unsigned mtu;
	int rc;

	rc = parse(own_db, &err);
	if (!ok(rc == 0, "own database parses")) {
		printf("#   %u:%u: %s\n", err.line, err.col, err.msg);
		return;
	}
	s = mksig(4, 60, 1, 1, 0, 5840, MSS_OPT, 0);
	match_is("specific beats an earlier generic; name keeps first spelling", &s,
		 "Linux specific later", "4", "none");
	s = mksig(4, 60, 1, 1, 0, 1234, MSS_OPT, 0);
	match_is("generic when nothing specific", &s, "Linux generic first", "4", "generic");
	s = mksig(4, 60, 0, 1, 0, 5840, MSS_OPT, 0);
	match_is("missing df: the first fuzzy candidate wins, even generic", &s,
		 "Linux generic first", "4", "generic fuzzy");
	s = mksig(4, 60, 1, 1, 0x10, 1234, MSS_OPT, 0);
	match_is("tos is reported", &s, "Linux generic first", "4", "generic tos:0x04");
	s = mksig(4, 60, 1, 1, 0, 1000, "020403e8", 0);
	match_is("an exact match later beats an earlier fuzzy one", &s, "Fuzzy quirk", "4", "none");
	s = mksig(4, 60, 1, 1, 0, 1000, "020403e801000000", 0);
	match_is("TTL distance > 35 is fuzzy", &s, "Fuzzy ttl", "4", "fuzzy");
	s = mksig(4, 90, 1, 1, 0, 1000, "020403e8", 0);
	match_is("TTL above every signature: fuzzy, guessed distance", &s, "Linux generic first",
		 "38", "generic fuzzy excess_dist");
	s = mksig(4, 50, 0, 1, 1, 100, "0204021801000000", 0);
	match_is("tool: no fuzzy match, distance 0", &s, "???", "0", "none");
	s = mksig(4, 20, 0, 1, 0, 100, "0204021801000000", 0);
	match_is("tool with random TTL", &s, "Tool", "<= 44", "random_ttl excess_dist");
	ok(p0f_match_render_label(db, &(struct p0f_match){0}, buf, sizeof(buf)) > 0, "label");
	p0f_match_sig(db, &s, &m);
	p0f_match_render_label(db, &m, buf, sizeof(buf));
	is_str(buf, "s:!:Tool:", "tool label rendering");
	s = mksig(4, 64, 1, 1, 0, 3000, "020404b0", 0);
	match_is("%N window", &s, "Modulo", "0", "none");
	s = mksig(4, 64, 1, 1, 0, 5360, "02040514", 0);
	match_is("mtu*N window", &s, "MTU", "0", "none");
	s = mksig(4, 255, 1, 1, 0, 1, "", 0);
	match_is("TTL 255 against ttl+N 60+4: fuzzy", &s, "Plus", "0", "fuzzy");
	s = mksig(4, 60, 1, 1, 0, 1, "", 0);
	match_is("ttl+N signature matches", &s, "Plus", "4", "none");
	s = mksig(6, 64, 0, 0, 0, 5840, MSS_OPT, 0);
	match_is("IPv6 vs '*' sig with df,id+: quirks dropped", &s, "Linux specific later", "0",
		 "none");

	s = mksig(4, 64, 1, 1, 0, 5840, MSS_OPT, 0);
	rc = p0f_match_mtu_link(db, &s, &mtu, buf, sizeof(buf));
	ok(rc > 0 && !strcmp(buf, "Ethernet") && mtu == 1500, "mtu 1500 -> Ethernet");
	s = mksig(6, 64, 0, 0, 0, 5840, "02040514", 0);
	rc = p0f_match_mtu_link(db, &s, &mtu, buf, sizeof(buf));
	ok(rc == 0 && mtu == 1360, "IPv6 mss 1300 -> mtu 1360, not listed");
	s = mksig(4, 64, 1, 1, 0, 5840, "", 0);
	is_int(p0f_match_mtu_link(db, &s, &mtu, buf, sizeof(buf)), 0, "no mss, no link");
	s = mksig(4, 64, 1, 1, 0, 5840, "02040550", 0);
	is_int(p0f_match_mtu_link(db, &s, &mtu, buf, 3), -ENOSPC, "small buffer: -ENOSPC");
}

static void test_match_debian(void)
{
	struct p0f_db_error err;
	FILE *f = fopen("/etc/p0f/p0f.fp", "r");
	static char text[P0F_DB_MAX_FILE / 16];
	struct p0f_sig s;
	size_t len;

	if (!f) {
		skip("/etc/p0f/p0f.fp is missing");
		return;
	}
	len = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	if (p0f_db_parse(db, text, len, &err)) {
		ok(0, "Debian p0f.fp parses");
		return;
	}
	s = mksig(4, 64, 1, 1, 0, 29200, LINUX_OPT, 0);
	match_is("Linux 3.11", &s, "Linux 3.11 and newer", "0", "none");
	s = mksig(4, 57, 1, 1, 0, 29200, LINUX_OPT, 0);
	match_is("Linux 3.11, 7 hops", &s, "Linux 3.11 and newer", "7", "none");
	s = mksig(4, 64, 1, 1, 0, 65535, LINUX_OPT, 0);
	match_is("Linux generic", &s, "Linux 2.2.x-3.x", "0", "generic");
	s = mksig(4, 128, 1, 1, 0, 8192, "020405b40103030801010402", 0);
	match_is("Windows 7", &s, "Windows 7 or 8", "0", "none");
	s = mksig(4, 51, 0, 9, 0, 1024, MSS_OPT, 0);
	match_is("NMap SYN scan", &s, "NMap SYN scan", "<= 13", "random_ttl");
	s = mksig(4, 200, 0, 0, 0, 65535, "", 0);
	match_is("unknown far away", &s, "???", "55", "excess_dist");
	s = mksig(4, 64, 1, 1, 0, 65535,
		  "020405b4010303030101080a00000001000000000402"
		  "0000",
		  0);
	match_is("Mac OS X", &s, "Mac OS X 10.x", "0", "none");
}

/* Write text to a temporary file; its name into path (a mkstemp template). */
static int write_tmp(char *path, const char *text)
{
	int fd = mkstemp(path);
	size_t n = strlen(text);
	int ok_ = fd >= 0 && write(fd, text, n) == (ssize_t)n;

	if (fd >= 0)
		close(fd);
	return ok_ ? 0 : -1;
}

/* The one loader (p0f_db_load), shared by the accept hook and the fingerprint command:
 * file errors, syntax errors with line:column, and labels unsafe in a header value. */
static void test_load(void)
{
	static const char sig[] = "sig = *:64:0:*:mss*20,10:mss,sok,ts,nop,ws:df,id+:0\n";
	static const struct {
		const char *label, *want;
	} bad_labels[] = {
	    {"label = s:unix:Linux:3.x|evil\n", ":3: label holds byte 0x7c"},
	    {"label = s:unix:Linux:3.x\rX-Evil: 1\n", ":3: label holds byte 0x0d"},
	    {"label = s:unix:Linux:3.\001x\n", ":3: label holds byte 0x01"},
	    {"label = s:unix:Linux:3.x\177\n", ":3: label holds byte 0x7f"},
	};
	struct p0f_db *d = NULL;
	char path[64], text[512], err[512];

	strcpy(path, "/tmp/huginn-test-p0f-db.XXXXXX");
	snprintf(text, sizeof(text), "classes = win,unix,other\n[tcp:request]\n%s%s",
		 "label = s:unix:Linux:3.11 and newer\n", sig);
	ok(write_tmp(path, text) == 0, "write a good p0f.fp");
	is_int(p0f_db_load(path, &d, err, sizeof(err)), 0, "good file loads");
	ok(d && d->n_tcp_req == 1, "one tcp:request signature");
	free(d);
	unlink(path);
	for (size_t i = 0; i < sizeof(bad_labels) / sizeof(bad_labels[0]); i++) {
		strcpy(path, "/tmp/huginn-test-p0f-db.XXXXXX");
		snprintf(text, sizeof(text), "classes = win,unix,other\n[tcp:request]\n%s%s",
			 bad_labels[i].label, sig);
		ok(write_tmp(path, text) == 0, "write p0f.fp %zu", i);
		d = (struct p0f_db *)1;
		is_int(p0f_db_load(path, &d, err, sizeof(err)), -EINVAL, "bad label %zu refused",
		       i);
		ok(d == NULL, "nothing returned for bad label %zu", i);
		ok(strstr(err, bad_labels[i].want) != NULL && !strncmp(err, path, strlen(path)),
		   "error names file, line and byte: %s", err);
		unlink(path);
	}
	strcpy(path, "/tmp/huginn-test-p0f-db.XXXXXX");
	ok(write_tmp(path,
		     "classes = unix\n[tcp:request]\nlabel = s:unix:Linux:3.x\nsig = nonsense\n") ==
	       0,
	   "write a p0f.fp with a bad sig");
	ok(p0f_db_load(path, &d, err, sizeof(err)) < 0 && d == NULL, "bad sig refused");
	snprintf(text, sizeof(text), "%s:4:", path);
	ok(!strncmp(err, text, strlen(text)), "error is PATH:LINE:COL: %s", err);
	unlink(path);
	is_int(p0f_db_load("/nonexistent/p0f.fp", &d, err, sizeof(err)), -ENOENT,
	       "missing file: -ENOENT");
	ok(!strncmp(err, "/nonexistent/p0f.fp: ", 21), "error names the file: %s", err);
}

int main(void)
{
	db = calloc(1, sizeof(*db));
	if (!db)
		return 1;
	test_debian();
	test_bad();
	test_limits();
	test_match_own();
	test_match_debian();
	test_load();
	free(db);
	return done_testing();
}
