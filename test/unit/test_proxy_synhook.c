/*
 * test_proxy_synhook.c - the proxy's side of the pinned maps: trust rules, lookups through
 * real pinned maps (root), re-opening after recreation, header formatting.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "test/harness.h"
#include "proxy/synhook.h"
#include "sys/bpf.h"
#include "sys/synmap.h"

#define SEC_NS 1000000000ull

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * SEC_NS + (uint64_t)ts.tv_nsec;
}

/* A Linux-like SYN record: mss 1460, sok, ts, nop, ws 7. */
static void linux_rec(struct huginn_syn_rec *r, const char *ip, uint16_t port, uint64_t ts)
{
	static const uint8_t opts[20] = {2,    4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0,
					 0x10, 0, 0,	0,    0, 0, 1, 3,  3, 7};

	memset(r, 0, sizeof(*r));
	r->ts_ns = ts;
	if (strchr(ip, ':')) {
		r->ip_ver = 6;
		inet_pton(AF_INET6, ip, r->saddr);
		r->ip_hdr_len = 40;
	} else {
		r->ip_ver = 4;
		inet_pton(AF_INET, ip, r->saddr);
		r->ip_hdr_len = 20;
		r->ip_flags = HUGINN_IP_DF | HUGINN_IP_ID_NZ;
		r->ip_id = 0x1234;
	}
	r->sport = port;
	r->dport = 80;
	r->ttl = 64;
	r->seq = 1;
	r->win = 64240;
	r->tcp_doff = 40;
	r->tcp_flags = HUGINN_TCP_SYN;
	r->opt_len = 20;
	memcpy(r->opts, opts, sizeof(opts));
}

static socklen_t peer(struct sockaddr_storage *ss, const char *ip, uint16_t port)
{
	memset(ss, 0, sizeof(*ss));
	if (strchr(ip, ':')) {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)ss;

		s->sin6_family = AF_INET6;
		s->sin6_port = htons(port);
		inet_pton(AF_INET6, ip, &s->sin6_addr);
		return sizeof(*s);
	}
	struct sockaddr_in *s = (struct sockaddr_in *)ss;

	s->sin_family = AF_INET;
	s->sin_port = htons(port);
	inet_pton(AF_INET, ip, &s->sin_addr);
	return sizeof(*s);
}

static void test_check(void)
{
	struct sockaddr_storage ss;
	struct huginn_syn_rec r;
	uint64_t now = 100 * SEC_NS, age = 5 * SEC_NS;
	socklen_t len;

	len = peer(&ss, "10.0.0.2", 40000);
	linux_rec(&r, "10.0.0.2", 40000, now - SEC_NS);
	is_int(synmap_check(&r, (struct sockaddr *)&ss, len, now, age), SYNMAP_HIT, "fresh v4 hit");
	r.ts_ns = now - 6 * SEC_NS;
	is_int(synmap_check(&r, (struct sockaddr *)&ss, len, now, age), SYNMAP_STALE,
	       "older than max age: stale");
	r.ts_ns = now + 3 * SEC_NS;
	is_int(synmap_check(&r, (struct sockaddr *)&ss, len, now, age), SYNMAP_MALFORMED,
	       "captured in the future: malformed");
	linux_rec(&r, "10.0.0.3", 40000, now);
	is_int(synmap_check(&r, (struct sockaddr *)&ss, len, now, age), SYNMAP_MALFORMED,
	       "record of another address under this key: malformed");
	linux_rec(&r, "10.0.0.2", 40001, now);
	is_int(synmap_check(&r, (struct sockaddr *)&ss, len, now, age), SYNMAP_MALFORMED,
	       "record of another port: malformed");
	linux_rec(&r, "10.0.0.2", 40000, now);
	r.opt_len = 41;
	is_int(synmap_check(&r, (struct sockaddr *)&ss, len, now, age), SYNMAP_MALFORMED,
	       "opt_len beyond 40: malformed");
	linux_rec(&r, "10.0.0.2", 40000, now);
	r.tcp_flags = HUGINN_TCP_SYN | HUGINN_TCP_ACK;
	is_int(synmap_check(&r, (struct sockaddr *)&ss, len, now, age), SYNMAP_MALFORMED,
	       "a SYN-ACK record: malformed");
	linux_rec(&r, "10.0.0.2", 40000, now);
	r.ip_ver = 6;
	is_int(synmap_check(&r, (struct sockaddr *)&ss, len, now, age), SYNMAP_MALFORMED,
	       "family differs from the peer's: malformed");

	/* An IPv4 client accepted on a [::] socket arrives as ::ffff:a.b.c.d. */
	len = peer(&ss, "::ffff:10.0.0.2", 40000);
	linux_rec(&r, "10.0.0.2", 40000, now);
	is_int(synmap_check(&r, (struct sockaddr *)&ss, len, now, age), SYNMAP_HIT,
	       "v4-mapped peer checked as IPv4");
	len = peer(&ss, "fd00::2", 40000);
	linux_rec(&r, "fd00::2", 40000, now);
	is_int(synmap_check(&r, (struct sockaddr *)&ss, len, now, age), SYNMAP_HIT, "v6 hit");
	r.saddr[15] ^= 1;
	is_int(synmap_check(&r, (struct sockaddr *)&ss, len, now, age), SYNMAP_MALFORMED,
	       "v6 address differs in the last byte: malformed");
}

/*
 * Records are stamped with CLOCK_MONOTONIC_COARSE, up to one tick before the
 * SYN: synmap_init() adds that tick, as clock_getres() reports it, to max_age.
 */
static void test_coarse_slack(void)
{
	struct sockaddr_storage ss;
	struct huginn_syn_rec r;
	struct synmap m;
	struct timespec res = {0, 0};
	uint64_t now = 100 * SEC_NS, tick;
	socklen_t len;

	ok(clock_getres(CLOCK_MONOTONIC_COARSE, &res) == 0 && res.tv_sec == 0 && res.tv_nsec > 0,
	   "coarse clock resolution %ld ns", (long)res.tv_nsec);
	tick = (uint64_t)res.tv_nsec;
	is_int(synmap_init(&m, "/sys/fs/bpf/x", 1000000), 0, "synmap_init, max age 1 ms");
	is_int((long long)m.max_age_ns, 1000000 + (long long)tick, "max age 1 ms + one tick");
	len = peer(&ss, "10.0.0.2", 40000);
	/* Stamped a tick before a SYN that came 0.5 ms ago: fresh. */
	linux_rec(&r, "10.0.0.2", 40000, now - 500000 - tick);
	is_int(synmap_check(&r, (struct sockaddr *)&ss, len, now, m.max_age_ns), SYNMAP_HIT,
	       "stamp a tick before a fresh SYN: hit");
	linux_rec(&r, "10.0.0.2", 40000, now - 1000001 - tick);
	is_int(synmap_check(&r, (struct sockaddr *)&ss, len, now, m.max_age_ns), SYNMAP_STALE,
	       "stamp older than max age plus a tick: stale");
}

static void test_format(void)
{
	struct huginn_syn_rec r;
	char out[PROXY_HOOK_LINES_MAX];
	int n;

	linux_rec(&r, "10.0.0.2", 40000, 0);
	n = proxy_synhook_format(&r, NULL, out, sizeof(out), NULL);
	ok(n > 0, "format without a database");
	is_str(out, "x-tcp-p0f: 4:64+0:0:1460:mss*44,7:mss,sok,ts,nop,ws:df,id+:0\r\n",
	       "x-tcp-p0f line of a Linux-like SYN");
	is_int(proxy_synhook_format(&r, NULL, out, 20, NULL), -ENOSPC,
	       "too small a buffer: -ENOSPC");
	r.ip_ver = 9;
	ok(proxy_synhook_format(&r, NULL, out, sizeof(out), NULL) < 0, "impossible record refused");
}

static void test_format_db(void)
{
	static const char *const debian[] = {"/etc/p0f/p0f.fp"}, *const missing[] = {
								     "/nonexistent/p0f.fp"};
	const char *one[1];
	struct proxy_synhook fp;
	struct huginn_syn_rec r;
	char out[PROXY_HOOK_LINES_MAX], err[256];

	if (access("/etc/p0f/p0f.fp", R_OK) != 0) {
		skip("SKIPPED: /etc/p0f/p0f.fp not installed (apt-get install p0f)");
		return;
	}
	is_int(proxy_synhook_create(&fp, "/nonexistent", SEC_NS, debian, 1, err, sizeof(err)), 0,
	       "hook with Debian's p0f.fp");
	linux_rec(&r, "10.0.0.2", 40000, 0);
	ok(proxy_synhook_format(&r, &fp.dbs, out, sizeof(out), NULL) > 0, "format with a database");
	/* p0f.fp's [mtu] names 1500 "Ethernet or modem". */
	is_str(out,
	       "x-tcp-p0f: 4:64+0:0:1460:mss*44,7:mss,sok,ts,nop,ws:df,id+:0\r\n"
	       "x-tcp-p0f-os: os=Linux 2.2.x-3.x|dist=0|params=generic|link=Ethernet or "
	       "modem|mtu=1500\r\n",
	       "OS line for a Linux-like SYN");
	/* Safe twice: the first call leaves nothing to free or close (NULL pointers, -1 fds),
	 * so the second has nothing to act on (ASan would report a double free). */
	proxy_synhook_destroy(&fp);
	ok(fp.dbs.n == 0 && fp.stats == NULL && fp.map.fd_v4 == -1 && fp.map.fd_v6 == -1,
	   "destroy leaves no pointer and no fd behind");
	proxy_synhook_destroy(&fp);
	ok(fp.dbs.n == 0 && fp.stats == NULL && fp.map.fd_v4 == -1 && fp.map.fd_v6 == -1,
	   "destroy twice is safe");

	is_int(proxy_synhook_create(&fp, "/x", SEC_NS, missing, 1, err, sizeof(err)), -ENOENT,
	       "missing database: -ENOENT");
	ok(strstr(err, "/nonexistent/p0f.fp") != NULL, "error names the file: %s", err);

	/* A label is copied into a header: a CR in it must not reach the backend. */
	{
		static const char db_text[] =
		    "classes = win,unix,other\n"
		    "[tcp:request]\n"
		    "label = s:unix:Linux:3.x\rX-Evil: 1\n"
		    "sig = *:64:0:*:mss*20,10:mss,sok,ts,nop,ws:df,id+:0\n";
		char path[] = "/tmp/huginn-test-fp-db.XXXXXX";
		int fd = mkstemp(path);

		ok(fd >= 0 &&
		       write(fd, db_text, sizeof(db_text) - 1) == (ssize_t)sizeof(db_text) - 1,
		   "write a p0f.fp with a CR inside a label");
		if (fd >= 0)
			close(fd);
		one[0] = path;
		is_int(proxy_synhook_create(&fp, "/x", SEC_NS, one, 1, err, sizeof(err)), -EINVAL,
		       "label with a CR: refused");
		ok(strstr(err, ":3: label holds byte 0x0d") != NULL, "error names the line: %s",
		   err);
		unlink(path);
	}
}

/* The default database: built in.  Expected text from huginn.fp's own label and [mtu]
 * lines (their sources: the kernel commit for mss*44, RFC 894 for 1500). */
static void test_builtin(void)
{
	static const char *const builtin[] = {"builtin"};
	struct proxy_synhook fp;
	struct huginn_syn_rec r;
	enum proxy_synhook_label lab;
	char out[PROXY_HOOK_LINES_MAX], err[256];

	is_int(proxy_synhook_create(&fp, "/x", SEC_NS, builtin, 1, err, sizeof(err)), 0,
	       "hook with the built-in database");
	linux_rec(&r, "10.0.0.2", 40000, 0);
	ok(proxy_synhook_format(&r, &fp.dbs, out, sizeof(out), &lab) > 0, "format");
	is_str(out,
	       "x-tcp-p0f: 4:64+0:0:1460:mss*44,7:mss,sok,ts,nop,ws:df,id+:0\r\n"
	       "x-tcp-p0f-os: os=Linux 4.20 or newer|dist=0|params=none|link=Ethernet|"
	       "mtu=1500\r\n",
	       "Linux >= 4.20 over Ethernet");
	is_int(lab, PROXY_SYNHOOK_EXACT, "an exact specific match");
	linux_rec(&r, "fd00::2", 40000, 0);
	r.opts[3] = 0xa0; /* MSS 1440: IPv6 on Ethernet */
	r.win = 63360;	  /* 44 * 1440 */
	ok(proxy_synhook_format(&r, &fp.dbs, out, sizeof(out), &lab) > 0, "format v6");
	ok(strstr(out, "|link=Ethernet|mtu=1500\r\n") != NULL, "IPv6 MSS 1440: Ethernet: %s", out);
	linux_rec(&r, "10.0.0.2", 40000, 0);
	r.opts[2] = 0x04;
	r.opts[3] = 0xd2; /* MSS 1234: MTU 1274, listed nowhere */
	ok(proxy_synhook_format(&r, &fp.dbs, out, sizeof(out), &lab) > 0, "format MSS 1234");
	ok(strstr(out, "|link=???|mtu=1274\r\n") != NULL, "unlisted MTU: link=???: %s", out);
	/* No MSS option: no link, no mtu. */
	linux_rec(&r, "10.0.0.2", 40000, 0);
	r.opts[0] = 1;
	r.opts[1] = 1;
	r.opts[2] = 1;
	r.opts[3] = 1;
	ok(proxy_synhook_format(&r, &fp.dbs, out, sizeof(out), &lab) > 0, "format without MSS");
	ok(strstr(out, "link=") == NULL && strstr(out, "mtu=") == NULL,
	   "without an MSS the link fields are absent: %s", out);
	proxy_synhook_destroy(&fp);
}

/* Count the lines of text that equal line. */
static int has_line(const char *text, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = text; (p = strstr(p, line)); p += n)
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return 1;
	return 0;
}

/* Per request: x-tcp-p0f-ua, the metrics, the /fingerprints table. */
static void test_request(void)
{
	static const char *const builtin[] = {"builtin"};
	static const char lin[] = "x-tcp-p0f: 4:64+0:0:1460:mss*44,7:mss,sok,ts,nop,ws:df,id+:0\r\n"
				  "x-tcp-p0f-os: os=Linux 4.20 or newer|dist=0|params=none\r\n";
	static const char unk_a[] = "x-tcp-p0f: 4:64+0:0:1460:1234,0:mss::0\r\n"
				    "x-tcp-p0f-os: os=???|dist=0|params=none\r\n";
	static const char unk_b[] = "x-tcp-p0f: 4:128+0:0:1460:4321,0:mss::0\r\n"
				    "x-tcp-p0f-os: os=???|dist=0|params=none\r\n";
	static const char win_ua[] = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) "
				     "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 "
				     "Safari/537.36";
	static const char lin_ua[] = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 "
				     "Firefox/128.0";
	struct proxy_synhook fp;
	char out[PROXY_HOOK_REQ_LINES_MAX], err[256], *page = malloc(1 << 17);
	int n;

	is_int(proxy_synhook_create(&fp, "/x", SEC_NS, builtin, 1, err, sizeof(err)), 0, "hook");
	n = proxy_synhook_request(&fp, lin, strlen(lin), win_ua, strlen(win_ua), out, sizeof(out));
	is_int(n, (int)strlen(out), "length returned");
	is_str(out, "x-tcp-p0f-ua: mismatch\r\n", "Windows User-Agent on a Linux SYN: mismatch");
	proxy_synhook_request(&fp, lin, strlen(lin), lin_ua, strlen(lin_ua), out, sizeof(out));
	is_str(out, "x-tcp-p0f-ua: match\r\n", "Linux User-Agent on a Linux SYN: match");
	proxy_synhook_request(&fp, lin, strlen(lin), "curl/8.5.0", 10, out, sizeof(out));
	is_str(out, "x-tcp-p0f-ua: unknown\r\n", "curl: unknown");
	proxy_synhook_request(&fp, lin, strlen(lin), NULL, 0, out, sizeof(out));
	is_str(out, "x-tcp-p0f-ua: unknown\r\n", "no User-Agent: unknown");
	is_int(proxy_synhook_request(&fp, lin, 60, lin_ua, strlen(lin_ua), out, sizeof(out)), 0,
	       "no x-tcp-p0f-os line: no header");
	is_int(proxy_synhook_request(&fp, lin, strlen(lin), lin_ua, strlen(lin_ua), out, 10),
	       -ENOSPC, "small buffer: -ENOSPC");
	/* Unlabelled signatures: a 3 times (lin_ua twice, once without), b once. */
	proxy_synhook_request(&fp, unk_a, strlen(unk_a), lin_ua, strlen(lin_ua), out, sizeof(out));
	is_str(out, "x-tcp-p0f-ua: unknown\r\n", "os=???: unknown");
	proxy_synhook_request(&fp, unk_b, strlen(unk_b), "x\\y\001z", 5, out, sizeof(out));
	proxy_synhook_request(&fp, unk_a, strlen(unk_a), lin_ua, strlen(lin_ua), out, sizeof(out));
	proxy_synhook_request(&fp, unk_a, strlen(unk_a), NULL, 0, out, sizeof(out));
	n = proxy_synhook_fingerprints(&fp, page, 1 << 17);
	ok(n > 0 && (size_t)n == strlen(page), "page length");
	ok(strstr(page, "sig 3 4:64+0:0:1460:1234,0:mss::0\nua 2 Mozilla/5.0 (X11; Linux x86_64; "
			"rv:128.0) Gecko/20100101 Firefox/128.0\nua 1\n"
			"sig 1 4:128+0:0:1460:4321,0:mss::0\nua 1 x\\x5cy\\x01z\n") != NULL,
	   "page: most requests first, User-Agents by count, escaped:\n%s", page);
	/* Metrics: exact names and labels. */
	n = fp.hook.metrics(fp.hook.ctx, page, 1 << 17);
	page[n > 0 ? n : 0] = 0;
	ok(has_line(page, "huginn_fp_ua_total{result=\"match\"} 1"), "ua match 1");
	ok(has_line(page, "huginn_fp_ua_total{result=\"mismatch\"} 1"), "ua mismatch 1");
	ok(has_line(page, "huginn_fp_ua_total{result=\"unknown\"} 6"), "ua unknown 6");
	ok(has_line(page, "huginn_fp_labels_total{match=\"exact\"} 0"), "labels exact 0");
	ok(has_line(page, "huginn_fp_labels_total{match=\"unknown\"} 0"), "labels unknown 0");
	/* The table is bounded: a 33rd signature takes the least counted slot (b's), with its
	 * count + 1 (space-saving). */
	for (int i = 0; i < PROXY_SYNHOOK_UNKNOWN_MAX; i++) {
		char l[200];

		snprintf(l, sizeof(l),
			 "x-tcp-p0f: 4:64+0:0:1460:%d,0:mss::0\r\nx-tcp-p0f-os: os=???|x\r\n",
			 10000 + i);
		proxy_synhook_request(&fp, l, strlen(l), "u", 1, out, sizeof(out));
		proxy_synhook_request(&fp, l, strlen(l), "u", 1, out, sizeof(out));
	}
	proxy_synhook_fingerprints(&fp, page, 1 << 17);
	{
		int sigs = 0;

		for (char *p = page; (p = strstr(p, "\nsig ")); p++)
			sigs++;
		is_int(sigs, PROXY_SYNHOOK_UNKNOWN_MAX, "the table keeps %d signatures",
		       PROXY_SYNHOOK_UNKNOWN_MAX);
	}
	ok(strstr(page, "sig 3 4:64+0:0:1460:1234,0:mss::0\n") != NULL, "the frequent one stays");
	proxy_synhook_destroy(&fp);
	free(page);
}

/* Pin maps shaped like the agent's under dir; returns 0 or -errno. */
static int make_maps(const char *dir, uint32_t entries, int fds[2])
{
	const uint32_t rec = sizeof(struct huginn_syn_rec);
	char path[256];

	fds[0] = bpf_map_create(BPF_MAP_TYPE_LRU_HASH, "t4", sizeof(struct huginn_syn_key_v4), rec,
				entries, 0);
	fds[1] = bpf_map_create(BPF_MAP_TYPE_LRU_HASH, "t6", sizeof(struct huginn_syn_key_v6), rec,
				entries, 0);
	if (fds[0] < 0 || fds[1] < 0)
		return -EPERM;
	snprintf(path, sizeof(path), "%s/%s", dir, HUGINN_MAP_SYN_V4);
	unlink(path);
	if (bpf_obj_pin(fds[0], path) < 0)
		return -EIO;
	snprintf(path, sizeof(path), "%s/%s", dir, HUGINN_MAP_SYN_V6);
	unlink(path);
	if (bpf_obj_pin(fds[1], path) < 0)
		return -EIO;
	return 0;
}

static void put_rec(int fd4, int fd6, const struct huginn_syn_rec *r)
{
	if (r->ip_ver == 4) {
		struct huginn_syn_key_v4 k = {0};

		memcpy(&k.addr, r->saddr, 4);
		huginn_put_port(&k.port, r->sport);
		bpf_map_update(fd4, &k, r, BPF_ANY);
	} else {
		struct huginn_syn_key_v6 k = {0};

		memcpy(k.addr, r->saddr, 16);
		huginn_put_port(&k.port, r->sport);
		bpf_map_update(fd6, &k, r, BPF_ANY);
	}
}

static void test_pinned(void)
{
	char dir[] = "/tmp/huginn-test-fp.XXXXXX";
	struct sockaddr_storage ss;
	struct huginn_syn_rec r, got;
	struct synmap m;
	socklen_t len;
	uint64_t now = mono_ns();
	int fds[2], fds2[2];
	char path_buf[400];

	if (geteuid() != 0) {
		skip("SKIPPED: pinned map lookups need root");
		return;
	}
	if (!mkdtemp(dir) || mount("bpf", dir, "bpf", 0, NULL) != 0) {
		ok(0, "mount a private bpffs at %s", dir);
		return;
	}
	synmap_init(&m, dir, 5 * SEC_NS);
	is_int(synmap_open(&m), -ENOENT, "no pins yet: -ENOENT (agent not started)");
	is_int(synmap_lookup(&m, (struct sockaddr *)&ss, sizeof(ss), now, &got), SYNMAP_ERROR,
	       "lookup with maps closed: error");
	is_int(make_maps(dir, 64, fds), 0, "pin agent-shaped maps");
	is_int(synmap_open(&m), 0, "open pinned maps read-only");

	linux_rec(&r, "10.1.2.3", 51000, now);
	put_rec(fds[0], fds[1], &r);
	len = peer(&ss, "10.1.2.3", 51000);
	is_int(synmap_lookup(&m, (struct sockaddr *)&ss, len, mono_ns(), &got), SYNMAP_HIT,
	       "v4 lookup hits");
	ok(memcmp(&got, &r, sizeof(r)) == 0, "record read back intact");
	len = peer(&ss, "::ffff:10.1.2.3", 51000);
	is_int(synmap_lookup(&m, (struct sockaddr *)&ss, len, mono_ns(), &got), SYNMAP_HIT,
	       "v4-mapped peer found in the v4 map");
	len = peer(&ss, "10.1.2.3", 51001);
	is_int(synmap_lookup(&m, (struct sockaddr *)&ss, len, mono_ns(), &got), SYNMAP_MISS,
	       "other port: miss");
	linux_rec(&r, "fd00::9", 52000, now - 10 * SEC_NS);
	put_rec(fds[0], fds[1], &r);
	len = peer(&ss, "fd00::9", 52000);
	is_int(synmap_lookup(&m, (struct sockaddr *)&ss, len, mono_ns(), &got), SYNMAP_STALE,
	       "v6 record 10 s old: stale");
	/* A record stored under another peer's key: the map is input, not truth. */
	{
		struct huginn_syn_key_v4 k = {0};

		linux_rec(&r, "10.9.9.9", 1234, now);
		inet_pton(AF_INET, "10.1.2.4", &k.addr);
		huginn_put_port(&k.port, 51000);
		bpf_map_update(fds[0], &k, &r, BPF_ANY);
		len = peer(&ss, "10.1.2.4", 51000);
		is_int(synmap_lookup(&m, (struct sockaddr *)&ss, len, mono_ns(), &got),
		       SYNMAP_MALFORMED, "record naming another peer: malformed");
	}
	{
		struct huginn_syn_key_v4 k = {0};
		int w = bpf_map_update(m.fd_v4, &k, &r, BPF_ANY);

		is_int(w, -EPERM, "the proxy's fd is read-only: update refused");
	}

	is_int(synmap_refresh(&m), 0, "refresh with unchanged pins: 0");
	is_int(make_maps(dir, 128, fds2), 0, "agent recreates the maps with a new capacity");
	is_int(synmap_refresh(&m), 1, "refresh notices new map ids and re-opens");
	linux_rec(&r, "10.1.2.3", 51000, mono_ns());
	put_rec(fds2[0], fds2[1], &r);
	len = peer(&ss, "10.1.2.3", 51000);
	is_int(synmap_lookup(&m, (struct sockaddr *)&ss, len, mono_ns(), &got), SYNMAP_HIT,
	       "lookups go to the new maps");

	/*
	 * Maps of the right sizes but a per-CPU type: a lookup would copy one value per CPU
	 * into a one-value buffer.  They must be refused, not read.
	 */
	{
		char sub[300];
		struct synmap pm;
		struct synmap_counters c;
		int pc[3];

		snprintf(sub, sizeof(sub), "%s/percpu", dir);
		mkdir(sub, 0700);
		pc[0] = bpf_map_create(BPF_MAP_TYPE_LRU_PERCPU_HASH, "p4",
				       sizeof(struct huginn_syn_key_v4), sizeof(r), 64, 0);
		pc[1] = bpf_map_create(BPF_MAP_TYPE_LRU_PERCPU_HASH, "p6",
				       sizeof(struct huginn_syn_key_v6), sizeof(r), 64, 0);
		pc[2] = bpf_map_create(BPF_MAP_TYPE_PERCPU_ARRAY, "ps", 4, 8, HUGINN_STAT_MAX, 0);
		snprintf(path_buf, sizeof(path_buf), "%s/%s", sub, HUGINN_MAP_SYN_V4);
		bpf_obj_pin(pc[0], path_buf);
		snprintf(path_buf, sizeof(path_buf), "%s/%s", sub, HUGINN_MAP_SYN_V6);
		bpf_obj_pin(pc[1], path_buf);
		synmap_init(&pm, sub, 5 * SEC_NS);
		is_int(synmap_open(&pm), -EPROTO, "per-CPU SYN maps of the right sizes: -EPROTO");
		synmap_close(&pm);
		/* Right SYN maps, per-CPU counters: fingerprints work, the counters are skipped. */
		close(pc[0]);
		close(pc[1]);
		is_int(make_maps(sub, 64, pc), 0,
		       "agent-shaped SYN maps next to a per-CPU syn_stats");
		snprintf(path_buf, sizeof(path_buf), "%s/%s", sub, HUGINN_MAP_STATS);
		bpf_obj_pin(pc[2], path_buf);
		is_int(synmap_open(&pm), 0, "SYN maps open");
		ok(pm.fd_stats < 0, "the per-CPU syn_stats is not used");
		ok(synmap_read_counters(&pm, &c) < 0 && c.stats[0] == 0,
		   "counters it could not read stay 0");
		synmap_close(&pm);
		close(pc[0]);
		close(pc[1]);
		close(pc[2]);
	}

	synmap_close(&m);
	synmap_close(&m);
	ok(!synmap_is_open(&m), "close twice is safe");
	close(fds[0]);
	close(fds[1]);
	close(fds2[0]);
	close(fds2[1]);
	umount2(dir, MNT_DETACH);
	rmdir(dir);
}

int main(void)
{
	test_check();
	test_coarse_slack();
	test_format();
	test_format_db();
	test_builtin();
	test_request();
	test_pinned();
	return done_testing();
}
