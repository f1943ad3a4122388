/*
 * test_p0f_sig.c - golden vectors for p0f raw_sig rendering, one per line.
 *
 * Each vector is a record described in a tiny key=value language (the same
 * words as test/tools/syngen) and the exact raw_sig p0f 3.09b prints for it
 * (checked against the real p0f by test/e2e/t_p0f_oracle.sh).  BUG() lines
 * are the two p0f bugs: our text, p0f's text, and the deviation bit.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "p0f/sig.h"
#include "test/harness.h"

static int hexbytes(const char *s, size_t n, unsigned char *out, unsigned max)
{
	unsigned k = 0;
	size_t i;

	for (i = 0; i + 1 < n + 1 && i < n; i += 2) {
		char b[3] = {s[i], s[i + 1], 0};

		if (k >= max)
			return -1;
		out[k++] = (unsigned char)strtoul(b, NULL, 16);
	}
	return (int)k;
}

/* Build a record: defaults are a bare IPv4 SYN, TTL 64, DF, ID 1, window 65535. */
static struct huginn_syn_rec mkrec(const char *spec)
{
	struct huginn_syn_rec r;
	const char *p = spec;

	memset(&r, 0, sizeof(r));
	r.ip_ver = 4;
	r.ttl = 64;
	r.ip_flags = HUGINN_IP_DF | HUGINN_IP_ID_NZ;
	r.ip_id = 1;
	r.win = 65535;
	r.seq = 1;
	r.tcp_flags = HUGINN_TCP_SYN;
	r.tcp_doff = 20;
	r.ip_hdr_len = 20;
	while (*p) {
		char key[16];
		const char *eq = strchr(p, '='), *end;
		size_t kl, vl;
		unsigned long v;

		while (*p == ' ')
			p++;
		eq = strchr(p, '=');
		if (!eq)
			break;
		end = strchr(eq, ' ');
		if (!end)
			end = eq + strlen(eq);
		kl = (size_t)(eq - p);
		vl = (size_t)(end - eq - 1);
		snprintf(key, sizeof(key), "%.*s", (int)kl, p);
		v = strtoul(eq + 1, NULL, 0);
		if (!strcmp(key, "v")) {
			r.ip_ver = (unsigned char)v;
			if (v == 6) {
				r.ip_flags = 0;
				r.ip_id = 0;
				r.ip_hdr_len = 40;
			}
		} else if (!strcmp(key, "ttl")) {
			r.ttl = (unsigned char)v;
		} else if (!strcmp(key, "df")) {
			r.ip_flags = (unsigned short)(v ? r.ip_flags | HUGINN_IP_DF
							: r.ip_flags & ~HUGINN_IP_DF);
		} else if (!strcmp(key, "mbz")) {
			r.ip_flags |= HUGINN_IP_MBZ;
		} else if (!strcmp(key, "id")) {
			r.ip_id = (unsigned short)v;
		} else if (!strcmp(key, "tos")) {
			r.tos = (unsigned char)v;
		} else if (!strcmp(key, "flow")) {
			r.flow_label = (unsigned)v;
		} else if (!strcmp(key, "win")) {
			r.win = (unsigned short)v;
		} else if (!strcmp(key, "seq")) {
			r.seq = (unsigned)v;
		} else if (!strcmp(key, "ack")) {
			r.ack = (unsigned)v;
		} else if (!strcmp(key, "flags")) {
			r.tcp_flags = (unsigned char)v;
		} else if (!strcmp(key, "urg")) {
			r.urg_ptr = (unsigned short)v;
		} else if (!strcmp(key, "res")) {
			r.tcp_res = (unsigned char)v;
		} else if (!strcmp(key, "ipopt")) {
			r.ip_opt_len = (unsigned char)v;
			r.ip_hdr_len = (unsigned short)(20 + v);
		} else if (!strcmp(key, "pay")) {
			r.payload_len = (unsigned short)v;
		} else if (!strcmp(key, "opt")) {
			int n = hexbytes(eq + 1, vl, r.opts, HUGINN_TCP_OPT_MAX);

			/* Real records hold doff - 20 bytes: pad with zeros as a header would. */
			r.opt_len = (unsigned char)(n < 0 ? 0 : (n + 3) / 4 * 4);
			r.tcp_doff = (unsigned char)(20 + r.opt_len);
		}
		p = end;
	}
	return r;
}

static void sig_is(const char *what, const char *spec, unsigned flags, const char *want,
		   unsigned want_dev)
{
	struct huginn_syn_rec r = mkrec(spec);
	struct p0f_sig s;
	char buf[P0F_SIG_STR_MAX];
	int rc = p0f_sig_from_rec(&r, flags, &s);

	if (rc < 0) {
		ok(0, "%s: p0f_sig_from_rec failed %d", what, rc);
		return;
	}
	rc = p0f_sig_render(&s, buf, sizeof(buf));
	is_str(rc >= 0 ? buf : "(error)", want, "%s", what);
	is_int(rc, (int)strlen(want), "%s: length", what);
	if (!flags)
		is_int(s.dev, want_dev, "%s: deviation bits", what);
}

#define SIG(what, spec, want) sig_is(what, spec, 0, want, 0)
/* A p0f bug: our text, then what p0f 3.09b prints, then the deviation bit. */
#define BUG(what, spec, ours, p0f, dev)                                                            \
	do {                                                                                       \
		sig_is(what " (ours)", spec, 0, ours, dev);                                        \
		sig_is(what " (p0f)", spec, P0F_SIG_P0F_BUGS, p0f, 0);                             \
	} while (0)

#define LINUX "opt=020405b40402080a000000010000000001030307"

static void test_ttl(void)
{
	SIG("ttl 1", "ttl=1", "4:1+31:0:0:65535,0::df,id+:0");
	SIG("ttl 32", "ttl=32", "4:32+0:0:0:65535,0::df,id+:0");
	SIG("ttl 33 -> 64", "ttl=33", "4:33+31:0:0:65535,0::df,id+:0");
	SIG("ttl 57", "ttl=57", "4:57+7:0:0:65535,0::df,id+:0");
	SIG("ttl 64", "ttl=64", "4:64+0:0:0:65535,0::df,id+:0");
	SIG("ttl 65: distance 63 is past 35", "ttl=65", "4:65+?:0:0:65535,0::df,id+:0");
	SIG("ttl 93: distance 35 still shown", "ttl=93", "4:93+35:0:0:65535,0::df,id+:0");
	SIG("ttl 92: distance 36 is '?'", "ttl=92", "4:92+?:0:0:65535,0::df,id+:0");
	SIG("ttl 128", "ttl=128", "4:128+0:0:0:65535,0::df,id+:0");
	SIG("ttl 129 -> 255", "ttl=129", "4:129+?:0:0:65535,0::df,id+:0");
	SIG("ttl 220", "ttl=220", "4:220+35:0:0:65535,0::df,id+:0");
	SIG("ttl 219", "ttl=219", "4:219+?:0:0:65535,0::df,id+:0");
	SIG("ttl 255", "ttl=255", "4:255+0:0:0:65535,0::df,id+:0");
	SIG("ttl 0", "ttl=0", "4:0+32:0:0:65535,0::df,id+:0");
	SIG("ipv6 hop limit", "v=6 ttl=60", "6:60+4:0:0:65535,0:::0");
	is_int(p0f_sig_guess_dist(200), 55, "guess_dist(200)");
}

static void test_window(void)
{
	SIG("mss multiple", "win=5840 opt=020405b4", "4:64+0:0:1460:mss*4,0:mss:df,id+:0");
	SIG("mss-12 with timestamps", "win=2964 opt=020403e8080a00000005000000000000",
	    "4:64+0:0:1000:mss*3,0:mss,ts,eol+1:df,id+:0");
	SIG("mss-12 needs ts1 != 0", "win=2964 opt=020403e8080a00000000000000000000",
	    "4:64+0:0:1000:2964,0:mss,ts,eol+1:df,id+,ts1-:0");
	SIG("1460 divisor", "win=4380 opt=020403e8", "4:64+0:0:1000:mss*3,0:mss:df,id+:0");
	SIG("1448 divisor", "win=7240 opt=020403e8", "4:64+0:0:1000:mss*5,0:mss:df,id+:0");
	SIG("1440 only for IPv6", "win=10080 opt=020403e8", "4:64+0:0:1000:10080,0:mss:df,id+:0");
	SIG("1440 divisor v6", "v=6 win=10080 opt=020403e8", "6:64+0:0:1000:mss*7,0:mss::0");
	SIG("1428 divisor v6", "v=6 win=4284 opt=020403e8", "6:64+0:0:1000:mss*3,0:mss::0");
	SIG("mtu = mss+40", "win=5200 opt=020403e8", "4:64+0:0:1000:mtu*5,0:mss:df,id+:0");
	SIG("mtu = mss+headers", "win=3144 opt=020403e801030302",
	    "4:64+0:0:1000:mtu*3,2:mss,nop,ws:df,id+:0");
	SIG("mtu = mss+headers with IP options", "win=2112 ipopt=8 opt=020403e801030302",
	    "4:64+0:8:1000:mtu*2,2:mss,nop,ws:df,id+:0");
	SIG("mtu = mss+60 v6", "v=6 win=6360 opt=020403e8", "6:64+0:0:1000:mtu*6,0:mss::0");
	SIG("mtu 1500", "win=10500 opt=020403e8", "4:64+0:0:1000:mtu*7,0:mss:df,id+:0");
	SIG("raw window", "win=12345 opt=020403e8", "4:64+0:0:1000:12345,0:mss:df,id+:0");
	SIG("window 0 stays raw", "win=0 opt=020405b4", "4:64+0:0:1460:0,0:mss:df,id+:0");
	SIG("mss 99 stays raw", "win=990 opt=02040063", "4:64+0:0:99:990,0:mss:df,id+:0");
	SIG("mss 100 divides", "win=1000 opt=02040064", "4:64+0:0:100:mss*10,0:mss:df,id+:0");
	SIG("no mss: 0 and raw", "win=5840", "4:64+0:0:0:5840,0::df,id+:0");
	SIG("mss first wins over 1460", "win=2920 opt=020405b4",
	    "4:64+0:0:1460:mss*2,0:mss:df,id+:0");
}

static void test_options(void)
{
	SIG("linux layout", "win=29200 " LINUX,
	    "4:64+0:0:1460:mss*20,7:mss,sok,ts,nop,ws:df,id+:0");
	SIG("mss wrong length", "opt=020505b4", "4:64+0:0:1460:65535,0:mss:df,id+,bad:0");
	SIG("mss truncated", "opt=01010204", "4:64+0:0:0:65535,0:nop,nop,mss:df,id+,bad:0");
	SIG("mss kind last", "opt=01010102", "4:64+0:0:0:65535,0:nop,nop,nop,mss:df,id+,bad:0");
	SIG("ws wrong length", "opt=03020700", "4:64+0:0:0:65535,7:ws,eol+0:df,id+,bad:0");
	SIG("ws truncated", "opt=01010303", "4:64+0:0:0:65535,0:nop,nop,ws:df,id+,bad:0");
	SIG("ws 14 is fine", "opt=03030e00", "4:64+0:0:0:65535,14:ws,eol+0:df,id+:0");
	SIG("ws 15 is exws", "opt=03030f00", "4:64+0:0:0:65535,15:ws,eol+0:df,id+,exws:0");
	SIG("sok", "opt=04020000", "4:64+0:0:0:65535,0:sok,eol+1:df,id+:0");
	SIG("sok wrong length", "opt=04030000", "4:64+0:0:0:65535,0:sok,eol+1:df,id+,bad:0");
	SIG("sok kind last", "opt=01010104", "4:64+0:0:0:65535,0:nop,nop,nop,sok:df,id+,bad:0");
	SIG("sack 10", "opt=050a0000000000000000", "4:64+0:0:0:65535,0:sack,eol+1:df,id+:0");
	SIG("sack 9 stops", "opt=0509000000000000", "4:64+0:0:0:65535,0:sack:df,id+,bad:0");
	SIG("sack 35 stops", "opt=0523000000000000", "4:64+0:0:0:65535,0:sack:df,id+,bad:0");
	SIG("sack too long", "opt=0101051200000000",
	    "4:64+0:0:0:65535,0:nop,nop,sack:df,id+,bad:0");
	SIG("sack kind last", "opt=01010105", "4:64+0:0:0:65535,0:nop,nop,nop,sack:df,id+,bad:0");
	SIG("ts", "opt=080a0000123400000000", "4:64+0:0:0:65535,0:ts,eol+1:df,id+:0");
	SIG("ts wrong length", "opt=080b000000010000000000",
	    "4:64+0:0:0:65535,0:ts,eol+1:df,id+,bad:0");
	SIG("ts truncated", "opt=080a000000010000", "4:64+0:0:0:65535,0:ts:df,id+,bad:0");
	SIG("ts1 zero", "opt=080a0000000000000000", "4:64+0:0:0:65535,0:ts,eol+1:df,id+,ts1-:0");
	SIG("ts2 non-zero", "opt=080a0000000700000009",
	    "4:64+0:0:0:65535,0:ts,eol+1:df,id+,ts2+:0");
	SIG("ts2 ignored with ACK flag", "flags=0x12 opt=080a0000000700000009",
	    "4:64+0:0:0:65535,0:ts,eol+1:df,id+,ack-:0");
	SIG("unknown kind with length", "opt=1e040000", "4:64+0:0:0:65535,0:?30:df,id+:0");
	SIG("unknown length 1 stops", "opt=1e010000", "4:64+0:0:0:65535,0:?30:df,id+,bad:0");
	SIG("unknown length 41 stops", "opt=1e290000", "4:64+0:0:0:65535,0:?30:df,id+,bad:0");
	SIG("unknown too long", "opt=1e0a0000", "4:64+0:0:0:65535,0:?30:df,id+,bad:0");
	SIG("unknown kind last", "opt=0101011e", "4:64+0:0:0:65535,0:nop,nop,nop,?30:df,id+,bad:0");
	SIG("unknown 254 len 40",
	    "opt=fe280000000000000000000000000000000000000000000000000000000000000000000000000000",
	    "4:64+0:0:0:65535,0:?254:df,id+:0");
	SIG("eol padding", "opt=020405b400000000", "4:64+0:0:1460:65535,0:mss,eol+3:df,id+:0");
	SIG("eol first", "opt=00000000", "4:64+0:0:0:65535,0:eol+3:df,id+:0");
	SIG("eol with garbage mid", "opt=020405b400070000",
	    "4:64+0:0:1460:65535,0:mss,eol+3:df,id+,opt+:0");
	SIG("24 nops", "opt=010101010101010101010101010101010101010101010101",
	    "4:64+0:0:0:65535,0:nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,"
	    "nop,nop,nop,nop,nop,nop,nop,nop:df,id+:0");
	SIG("25th option is 'bad'", "opt=01010101010101010101010101010101010101010101010101010101",
	    "4:64+0:0:0:65535,0:nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,"
	    "nop,nop,nop,nop,nop,nop,nop,nop:df,id+,bad:0");
	SIG("second mss wins", "opt=020405b402040218", "4:64+0:0:536:65535,0:mss,mss:df,id+:0");
}

static void test_quirks(void)
{
	SIG("df without id", "id=0", "4:64+0:0:0:65535,0::df:0");
	SIG("no df, id", "df=0 id=7", "4:64+0:0:0:65535,0:::0");
	SIG("no df, id 0", "df=0 id=0", "4:64+0:0:0:65535,0::id-:0");
	SIG("mbz", "mbz=1", "4:64+0:0:0:65535,0::df,id+,0+:0");
	SIG("ecn ect0", "tos=2", "4:64+0:0:0:65535,0::df,id+,ecn:0");
	SIG("ecn ce", "tos=3", "4:64+0:0:0:65535,0::df,id+,ecn:0");
	SIG("ecn ece", "flags=0x42", "4:64+0:0:0:65535,0::df,id+,ecn:0");
	SIG("ecn cwr", "flags=0x82", "4:64+0:0:0:65535,0::df,id+,ecn:0");
	SIG("ecn ns bit", "res=1", "4:64+0:0:0:65535,0::df,id+,ecn:0");
	SIG("other reserved bits: nothing", "res=14", "4:64+0:0:0:65535,0::df,id+:0");
	SIG("flow", "v=6 flow=1", "6:64+0:0:0:65535,0::flow:0");
	SIG("v6 traffic class ecn", "v=6 tos=1", "6:64+0:0:0:65535,0::ecn:0");
	SIG("seq zero", "seq=0", "4:64+0:0:0:65535,0::df,id+,seq-:0");
	SIG("ack+ where p0f agrees", "ack=0x01000000", "4:64+0:0:0:65535,0::df,id+,ack+:0");
	SIG("ack- with ACK flag", "flags=0x12 ack=0", "4:64+0:0:0:65535,0::df,id+,ack-:0");
	SIG("urgf+", "flags=0x22", "4:64+0:0:0:65535,0::df,id+,urgf+:0");
	SIG("urgf+ hides uptr+", "flags=0x22 urg=5", "4:64+0:0:0:65535,0::df,id+,urgf+:0");
	SIG("uptr+", "urg=5", "4:64+0:0:0:65535,0::df,id+,uptr+:0");
	SIG("pushf+", "flags=0x0a", "4:64+0:0:0:65535,0::df,id+,pushf+:0");
	SIG("every quirk in p0f's order",
	    "mbz=1 tos=3 seq=0 ack=0x01000001 flags=0x2a urg=9 opt=080a00000000000000010303100000",
	    "4:64+0:0:0:65535,16:ts,ws,eol+2:df,id+,ecn,0+,seq-,ack+,urgf+,pushf+,ts1-,ts2+,exws:"
	    "0");
	SIG("opt+ and bad together", "opt=00010000020505b4",
	    "4:64+0:0:0:65535,0:eol+7:df,id+,opt+:0");
	SIG("ip options", "ipopt=4", "4:64+0:4:0:65535,0::df,id+:0");
	SIG("payload", "pay=1", "4:64+0:0:0:65535,0::df,id+:+");
	SIG("tos is not in the signature", "tos=0x10", "4:64+0:0:0:65535,0::df,id+:0");
}

static void test_bugs(void)
{
	BUG("ack 1: p0f tests bit 24 only", "ack=1", "4:64+0:0:0:65535,0::df,id+,ack+:0",
	    "4:64+0:0:0:65535,0::df,id+:0", P0F_SIG_DEV_ACK);
	BUG("ack 0x80000000", "ack=0x80000000", "4:64+0:0:0:65535,0::df,id+,ack+:0",
	    "4:64+0:0:0:65535,0::df,id+:0", P0F_SIG_DEV_ACK);
	BUG("eol: non-zero last byte", "opt=020405b400000001",
	    "4:64+0:0:1460:65535,0:mss,eol+3:df,id+,opt+:0",
	    "4:64+0:0:1460:65535,0:mss,eol+3:df,id+:0", P0F_SIG_DEV_OPT);
	BUG("eol: single pad byte", "opt=02040218010100ff",
	    "4:64+0:0:536:65535,0:mss,nop,nop,eol+1:df,id+,opt+:0",
	    "4:64+0:0:536:65535,0:mss,nop,nop,eol+1:df,id+:0", P0F_SIG_DEV_OPT);
	/* Where the two agree, no deviation is reported. */
	SIG("eol: two non-zero bytes", "opt=00000101", "4:64+0:0:0:65535,0:eol+3:df,id+,opt+:0");
	SIG("ack with bit 24 set", "ack=0x01ffffff", "4:64+0:0:0:65535,0::df,id+,ack+:0");
}

static void test_render_bounds(void)
{
	struct p0f_sig s;
	char buf[P0F_SIG_STR_MAX];
	int full, i, n;

	memset(&s, 0, sizeof(s));
	s.ip_ver = 6;
	s.ttl = 200;
	s.dist = 55;
	s.ip_opt_len = 255;
	s.mss = 65535;
	s.win_class = P0F_WIN_MSS;
	s.win_multi = 65535;
	s.wscale = 255;
	s.opt_cnt = P0F_SIG_MAX_OPT;
	memset(s.opt_layout, 255, sizeof(s.opt_layout));
	s.quirks = (1u << P0F_Q_COUNT) - 1;
	s.pclass = 1;
	full = p0f_sig_render(&s, buf, sizeof(buf));
	ok(full > 0 && full < P0F_SIG_STR_MAX, "worst case fits P0F_SIG_STR_MAX (%d)", full);
	for (i = 0, n = 0; i <= full; i++) {
		char small[P0F_SIG_STR_MAX];
		int rc;

		memset(small, 'x', sizeof(small));
		rc = p0f_sig_render(&s, small, (size_t)i);
		if (rc != -ENOSPC || (i && small[i - 1] != 0) || small[i] != 'x')
			n++;
	}
	is_int(n, 0, "every short buffer: -ENOSPC, NUL-terminated, nothing past it");
	is_int(p0f_sig_render(&s, buf, (size_t)full + 1), full, "exact fit");
	is_str(p0f_sig_quirk_name(P0F_Q_OPT_NZ), "opt+", "quirk name");
	ok(p0f_sig_quirk_name(3) == NULL, "not a single quirk bit");
}

static void test_bad_records(void)
{
	struct huginn_syn_rec r = mkrec("");
	struct p0f_sig s;

	r.ip_ver = 5;
	is_int(p0f_sig_from_rec(&r, 0, &s), -EINVAL, "IP version 5 rejected");
	r = mkrec("");
	r.opt_len = 41;
	is_int(p0f_sig_from_rec(&r, 0, &s), -EINVAL, "opt_len 41 rejected");
	r = mkrec("");
	r.tcp_doff = 19;
	is_int(p0f_sig_from_rec(&r, 0, &s), -EINVAL, "doff 19 rejected");
}

/* The record comes from the XDP parser: run a real frame through it. */
static void test_from_frame(void)
{
	static const unsigned char frame[] = {
	    /* Ethernet */
	    2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x00,
	    /* IPv4: DF, id 0x1234, ttl 57 */
	    0x45, 0x00, 0x00, 0x3c, 0x12, 0x34, 0x40, 0x00, 57, 6, 0, 0, 10, 0, 0, 2, 10, 0, 0, 1,
	    /* TCP: win 29200, doff 10 */
	    0x9c, 0x40, 0x00, 0x50, 0, 0, 0, 1, 0, 0, 0, 0, 0xa0, 0x02, 0x72, 0x10, 0, 0, 0, 0,
	    /* mss 1460, sok, ts 1/0, nop, ws 7 */
	    2, 4, 5, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7};
	struct huginn_syn_rec r;
	struct p0f_sig s;
	char buf[P0F_SIG_STR_MAX];

	memset(&r, 0, sizeof(r));
	is_int(huginn_parse_frame(frame, frame + sizeof(frame), &r), HUGINN_PARSE_SYN,
	       "frame parses as a SYN");
	is_int(p0f_sig_from_rec(&r, 0, &s), 0, "record converts");
	p0f_sig_render(&s, buf, sizeof(buf));
	is_str(buf, "4:57+7:0:1460:mss*20,7:mss,sok,ts,nop,ws:df,id+:0", "frame -> raw_sig");
}

int main(void)
{
	test_ttl();
	test_window();
	test_options();
	test_quirks();
	test_bugs();
	test_render_bounds();
	test_bad_records();
	test_from_frame();
	return done_testing();
}
