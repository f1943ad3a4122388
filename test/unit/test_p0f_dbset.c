/*
 * test_p0f_dbset.c - the built-in database (p0f/builtin.h) and several databases as one
 * (p0f/dbset.h): it loads with every signature, sources combine by match kind then by
 * order, and the [mtu] link of a SYN's MSS.
 *
 * Expected labels and link names come from the files' own text (huginn.fp's labels and
 * [mtu] section, whose sources are cited there: RFC 894 Ethernet 1500, RFC 2516 PPPoE
 * 1492, wg-quick's 1420; Debian's p0f.fp "Ethernet or modem"), not from the matcher.
 */
#include <errno.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "p0f/builtin.h"
#include "p0f/dbset.h"
#include "p0f/match.h"
#include "test/harness.h"

/* A Linux >= 4.20 SYN: MSS mss, window 44 * 1460 = 64240, wscale 7, the Linux layout. */
static void linux_sig(struct p0f_sig *sig, int v6, uint16_t mss, uint16_t win)
{
	static const uint8_t opts[20] = {2,    4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0,
					 0x10, 0, 0,	0,    0, 0, 1, 3,  3, 7};
	struct huginn_syn_rec r;

	memset(&r, 0, sizeof(r));
	r.ip_ver = v6 ? 6 : 4;
	r.ip_hdr_len = v6 ? 40 : 20;
	if (!v6) {
		r.ip_flags = HUGINN_IP_DF | HUGINN_IP_ID_NZ;
		r.ip_id = 0x1234;
	} else {
		r.flow_label = 0x12345;
		r.ip_flags = HUGINN_IP_FLOW_NZ;
	}
	r.ttl = 64;
	r.seq = 1;
	r.win = win;
	r.tcp_doff = 40;
	r.tcp_flags = HUGINN_TCP_SYN;
	r.opt_len = 20;
	memcpy(r.opts, opts, sizeof(opts));
	r.opts[2] = (uint8_t)(mss >> 8);
	r.opts[3] = (uint8_t)mss;
	if (p0f_sig_from_rec(&r, 0, sig) != 0)
		fprintf(stderr, "bad test record\n");
}

/* "os" as p0f prints it for sig over s. */
static const char *label(const struct p0f_dbset *s, const struct p0f_sig *sig)
{
	static char buf[P0F_DB_STR_MAX];
	const struct p0f_db *db;
	struct p0f_match m;

	p0f_dbset_match(s, sig, &m, &db);
	if (p0f_match_render_os(db, &m, buf, sizeof(buf)) < 0)
		return "(render failed)";
	return buf;
}

static char *write_tmp(const char *text)
{
	static char path[64];
	int fd;

	snprintf(path, sizeof(path), "/tmp/huginn-test-dbset.XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		return NULL;
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		close(fd);
		return NULL;
	}
	close(fd);
	return path;
}

static void test_builtin(void)
{
	struct p0f_dbset s;
	struct p0f_sig sig;
	char err[256];
	size_t len, nsig = 0;
	const char *t = p0f_builtin_text(&len);

	ok(len > 1000 && !memcmp(t, ";\n; huginn.fp", 13), "the embedded text is huginn.fp");
	/* 'sig' lines counted by hand, apart from the parser. */
	for (size_t i = 0; i + 3 < len; i++)
		if ((i == 0 || t[i - 1] == '\n') && !memcmp(t + i, "sig", 3) &&
		    (t[i + 3] == ' ' || t[i + 3] == '\t' || t[i + 3] == '='))
			nsig++;
	p0f_dbset_init(&s);
	is_int(p0f_dbset_add(&s, P0F_BUILTIN_NAME, err, sizeof(err)), 0, "builtin loads");
	is_int(s.n, 1, "one source");
	ok(s.n == 1 && s.db[0]->n_total == nsig, "every sig line of the file is kept (%zu)", nsig);
	ok(s.n == 1 && s.db[0]->n_mtu >= 11, "its [mtu] section is kept");
	linux_sig(&sig, 0, 1460, 64240);
	is_str(label(&s, &sig), "Linux 4.20 or newer", "mss*44 at 1460: Linux >= 4.20");
	linux_sig(&sig, 0, 1460, 29200);
	is_str(label(&s, &sig), "Linux 3.x-4.19", "mss*20: Linux 3.x-4.19");
	p0f_dbset_free(&s);
	is_int(s.n, 0, "free empties the set");
	p0f_dbset_free(&s);
	ok(1, "free twice is safe");
}

static void test_combine(void)
{
	static const char custom[] = "classes = unix\n"
				     "[tcp:request]\n"
				     "label = s:unix:Custom:linux\n"
				     "sig = *:64:0:*:mss*44,*:mss,sok,ts,nop,ws:df,id+:0\n";
	struct p0f_dbset s;
	struct p0f_sig sig;
	char err[256], *path = write_tmp(custom);

	ok(path != NULL, "custom database written");
	if (!path)
		return;
	linux_sig(&sig, 0, 1460, 64240);
	/* Both exact and specific: the earlier source wins. */
	p0f_dbset_init(&s);
	is_int(p0f_dbset_add(&s, path, err, sizeof(err)), 0, "custom file loads: %s", err);
	is_int(p0f_dbset_add(&s, "builtin", err, sizeof(err)), 0, "then builtin");
	is_str(label(&s, &sig), "Custom linux", "[custom, builtin]: the first exact one wins");
	p0f_dbset_free(&s);
	is_int(p0f_dbset_add(&s, "builtin", err, sizeof(err)), 0, "builtin first");
	is_int(p0f_dbset_add(&s, path, err, sizeof(err)), 0, "then custom");
	is_str(label(&s, &sig), "Linux 4.20 or newer", "[builtin, custom]: builtin wins");
	/* A SYN only the custom file knows. */
	p0f_dbset_free(&s);
	is_int(p0f_dbset_add(&s, "builtin", err, sizeof(err)), 0, "builtin alone");
	linux_sig(&sig, 0, 1460, 1234);
	ok(strcmp(label(&s, &sig), "Custom linux") != 0, "an odd window is not Custom alone");
	p0f_dbset_free(&s);
	/* No source, and a failing one. */
	is_str(label(&s, &sig), "???", "empty set: ???");
	is_int(p0f_dbset_add(&s, "/nonexistent/p0f.fp", err, sizeof(err)), -ENOENT,
	       "missing file: -ENOENT");
	ok(strstr(err, "/nonexistent/p0f.fp") != NULL, "names the file: %s", err);
	is_int(s.n, 0, "nothing added");
	for (int i = 0; i < P0F_DBSET_MAX; i++)
		p0f_dbset_add(&s, "builtin", err, sizeof(err));
	is_int(p0f_dbset_add(&s, "builtin", err, sizeof(err)), -E2BIG, "a fifth source: -E2BIG");
	p0f_dbset_free(&s);
	unlink(path);

	if (access("/etc/p0f/p0f.fp", R_OK) != 0) {
		skip("SKIPPED: /etc/p0f/p0f.fp not installed (apt-get install p0f)");
		return;
	}
	/* The built-in file and Debian's together: each within p0f_db.h's limits. */
	is_int(p0f_dbset_add(&s, "builtin", err, sizeof(err)), 0, "builtin");
	is_int(p0f_dbset_add(&s, "/etc/p0f/p0f.fp", err, sizeof(err)), 0, "and Debian's p0f.fp");
	is_int(s.db[1]->n_total, 322, "p0f.fp: 322 signatures, as p0f 3.09b reports");
	linux_sig(&sig, 0, 1460, 64240);
	is_str(label(&s, &sig), "Linux 4.20 or newer",
	       "exact builtin beats p0f.fp's generic 'Linux 2.2.x-3.x'");
	linux_sig(&sig, 0, 1460, 29200);
	is_str(label(&s, &sig), "Linux 3.x-4.19", "both exact: the earlier (builtin) wins");
	p0f_dbset_free(&s);
	is_int(p0f_dbset_add(&s, "/etc/p0f/p0f.fp", err, sizeof(err)), 0, "p0f.fp first");
	is_int(p0f_dbset_add(&s, "builtin", err, sizeof(err)), 0, "then builtin");
	linux_sig(&sig, 0, 1460, 64240);
	is_str(label(&s, &sig), "Linux 4.20 or newer", "p0f.fp's generic loses to exact builtin");
	linux_sig(&sig, 0, 1460, 29200);
	is_str(label(&s, &sig), "Linux 3.11 and newer", "both exact: the earlier (p0f.fp) wins");
	p0f_dbset_free(&s);
}

static void test_mtu(void)
{
	static const struct {
		int v6;
		uint16_t mss;
		const char *link;
		unsigned mtu;
	} c[] = {
	    {0, 1460, "Ethernet", 1500},
	    {1, 1440, "Ethernet", 1500},
	    {0, 1452, "PPPoE", 1492},
	    {0, 1380, "WireGuard", 1420},
	    {1, 1360, "WireGuard", 1420},
	    {0, 1400, "WireGuard over IPv4", 1440},
	    {0, 1360, "IPsec or GRE tunnel (MSS clamp 1360)", 1400},
	    {1, 1220, "IPv6 minimum or tunnel", 1280},
	    {0, 536, "minimum IPv4", 576},
	    {0, 1234, "", 1274}, /* not listed */
	};
	struct p0f_dbset s;
	struct p0f_sig sig;
	char err[256], link[P0F_DB_STR_MAX];
	unsigned mtu;

	p0f_dbset_init(&s);
	is_int(p0f_dbset_add(&s, "builtin", err, sizeof(err)), 0, "builtin");
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		int n;

		linux_sig(&sig, c[i].v6, c[i].mss, 64240);
		n = p0f_dbset_mtu_link(&s, &sig, &mtu, link, sizeof(link));
		is_int(n, (int)strlen(c[i].link), "IPv%d MSS %u: length", c[i].v6 ? 6 : 4,
		       c[i].mss);
		is_str(link, c[i].link, "IPv%d MSS %u: link", c[i].v6 ? 6 : 4, c[i].mss);
		is_int(mtu, c[i].mtu, "IPv%d MSS %u: mtu", c[i].v6 ? 6 : 4, c[i].mss);
	}
	linux_sig(&sig, 0, 1460, 64240);
	sig.mss = 0;
	is_int(p0f_dbset_mtu_link(&s, &sig, &mtu, link, sizeof(link)), 0, "no MSS: no link");
	is_int(mtu, 0, "no MSS: mtu 0");
	sig.mss = 1460;
	is_int(p0f_dbset_mtu_link(&s, &sig, &mtu, link, 4), -ENOSPC, "small buffer: -ENOSPC");
	if (access("/etc/p0f/p0f.fp", R_OK) == 0) {
		/* The first source that lists the MTU names it. */
		is_int(p0f_dbset_add(&s, "/etc/p0f/p0f.fp", err, sizeof(err)), 0, "+ p0f.fp");
		p0f_dbset_mtu_link(&s, &sig, &mtu, link, sizeof(link));
		is_str(link, "Ethernet", "[builtin, p0f.fp]: builtin's name");
		p0f_dbset_free(&s);
		p0f_dbset_add(&s, "/etc/p0f/p0f.fp", err, sizeof(err));
		p0f_dbset_add(&s, "builtin", err, sizeof(err));
		p0f_dbset_mtu_link(&s, &sig, &mtu, link, sizeof(link));
		is_str(link, "Ethernet or modem", "[p0f.fp, builtin]: p0f.fp's name");
		sig.mss = 65495; /* MTU 65535: Linux loopback, which only builtin lists */
		p0f_dbset_mtu_link(&s, &sig, &mtu, link, sizeof(link));
		is_str(link, "loopback", "an MTU only builtin lists: builtin's name");
	} else {
		skip("SKIPPED: /etc/p0f/p0f.fp not installed");
	}
	p0f_dbset_free(&s);
}

int main(void)
{
	test_builtin();
	test_combine();
	test_mtu();
	return done_testing();
}
