/*
 * test_proxy_ppin.c - proxy/cidr.c (prefixes, matching) and proxy/ppin.c (PROXY input:
 * trust, the first bytes of a connection, the fingerprint lines from TLVs).
 *
 * Expected values come from outside the code under test: prefix arithmetic done by hand
 * (RFC 4632 3.1 for IPv4 prefixes, RFC 4291 2.3 and 2.5.5.2 for IPv6 and IPv4-mapped
 * addresses), headers laid out byte by byte here from proxy-protocol.txt (2020/03/05: the
 * 2.1 example line, the 2.2 v2 layout), and the JA4 example of FoxIO's README
 * (t13d1516h2_8daaf6152771_e5627efa2ab1).  Inputs sit before a PROT_NONE page.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/un.h>

#include "proxy/cidr.h"
#include "proxy/ppin.h"
#include "test/harness.h"

#define S(lit) lit, sizeof(lit) - 1

static struct sockaddr_storage sa(const char *ip, unsigned port)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, ip, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)port);
	} else if (inet_pton(AF_INET6, ip, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
	}
	return ss;
}

static int in_prefix(const char *prefix, const char *ip)
{
	struct cidr c;
	struct sockaddr_storage ss = sa(ip, 1);

	if (cidr_parse(prefix, strlen(prefix), &c))
		return -1;
	return cidr_match(&c, (struct sockaddr *)&ss);
}

static void test_cidr_parse(void)
{
	static const char *const good[] = {
	    "10.0.0.0/8", "::1/128",	      "127.0.0.1",	     "fd00::/8",  "0.0.0.0/0",
	    "::/0",	  "192.168.1.128/25", "::ffff:10.0.0.0/104", "2001:db8::"};
	static const char *const bad[] = {"",
					  "10.0.0.1/8",
					  "10.0.0.0/33",
					  "::/129",
					  "10.0.0.0/",
					  "10.0.0.0/08",
					  "10.0.0.0/a",
					  "fe80::1%eth0",
					  "10.0.0/8",
					  "host/8",
					  "10.0.0.0/8 ",
					  " 10.0.0.0/8",
					  "1.2.3.4/-1",
					  "10.0.0.0/1234",
					  "::1/0128",
					  "192.168.1.129/25",
					  "2001:db8::1/32",
					  "10.0.0.0//8",
					  "1.2.3.4/32/1"};
	struct cidr c;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ok(!cidr_parse(good[i], strlen(good[i]), &c), "cidr '%s' accepted", good[i]);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ok(cidr_parse(bad[i], strlen(bad[i]), &c) != NULL, "cidr '%s' refused", bad[i]);
	ok(!cidr_parse(S("10.0.0.0/8"), &c) && c.family == AF_INET && c.bits == 8 &&
	       c.addr[0] == 10,
	   "10.0.0.0/8: family, bits, address");
	ok(!cidr_parse(S("127.0.0.1"), &c) && c.bits == 32, "bare IPv4: /32");
	ok(!cidr_parse(S("::1"), &c) && c.family == AF_INET6 && c.bits == 128 && c.addr[15] == 1,
	   "bare IPv6: /128");
	ok(cidr_parse("10.0.0.0/8\0x", 12, &c) != NULL, "NUL inside refused");
}

static void test_cidr_match(void)
{
	is_int(in_prefix("10.0.0.0/8", "10.255.255.255"), 1, "10/8 holds 10.255.255.255");
	is_int(in_prefix("10.0.0.0/8", "10.0.0.0"), 1, "10/8 holds 10.0.0.0");
	is_int(in_prefix("10.0.0.0/8", "11.0.0.0"), 0, "10/8 not 11.0.0.0");
	is_int(in_prefix("10.0.0.0/8", "9.255.255.255"), 0, "10/8 not 9.255.255.255");
	is_int(in_prefix("192.168.1.128/25", "192.168.1.128"), 1, "/25 low end");
	is_int(in_prefix("192.168.1.128/25", "192.168.1.255"), 1, "/25 high end");
	is_int(in_prefix("192.168.1.128/25", "192.168.1.127"), 0, "/25 one below");
	is_int(in_prefix("128.0.0.0/1", "200.1.1.1"), 1, "/1 upper half");
	is_int(in_prefix("128.0.0.0/1", "127.255.255.255"), 0, "/1 not lower half");
	is_int(in_prefix("172.16.0.0/12", "172.31.255.255"), 1, "/12 high end");
	is_int(in_prefix("172.16.0.0/12", "172.32.0.0"), 0, "/12 one above");
	is_int(in_prefix("127.0.0.2", "127.0.0.2"), 1, "/32 itself");
	is_int(in_prefix("127.0.0.2", "127.0.0.3"), 0, "/32 neighbour");
	is_int(in_prefix("0.0.0.0/0", "255.255.255.255"), 1, "0/0 any IPv4");
	is_int(in_prefix("0.0.0.0/0", "2001:db8::1"), 0, "0/0 no plain IPv6");
	is_int(in_prefix("::1/128", "::1"), 1, "::1/128 holds ::1");
	is_int(in_prefix("::1/128", "::2"), 0, "::1/128 not ::2");
	is_int(in_prefix("fd00::/8", "fdff:ffff::1"), 1, "fd00::/8 holds fdff:ffff::1");
	is_int(in_prefix("fd00::/8", "fe00::"), 0, "fd00::/8 not fe00::");
	is_int(in_prefix("2001:db8::/33", "2001:db8:7fff::1"), 1, "/33 lower half");
	is_int(in_prefix("2001:db8::/33", "2001:db8:8000::"), 0, "/33 not upper half");
	is_int(in_prefix("::/0", "::1"), 1, "::/0 any IPv6");
	is_int(in_prefix("::/0", "10.0.0.1"), 0, "::/0 no IPv4 peer");
	is_int(in_prefix("10.0.0.0/8", "::ffff:10.1.2.3"), 1, "IPv4 prefix holds mapped peer");
	is_int(in_prefix("10.0.0.0/8", "::ffff:11.1.2.3"), 0, "IPv4 prefix: other mapped peer");
	is_int(in_prefix("10.0.0.0/8", "::10.1.2.3"), 0,
	       "IPv4 prefix: compatible form is not mapped");
	is_int(in_prefix("10.0.0.0/8", "64:ff9b::10.1.2.3"), 0, "IPv4 prefix: NAT64 form no");
	is_int(in_prefix("::ffff:10.0.0.0/104", "::ffff:10.9.9.9"), 1,
	       "mapped prefix, mapped peer");
	{
		struct sockaddr_un un = {.sun_family = AF_UNIX};
		struct cidr c;

		cidr_parse(S("0.0.0.0/0"), &c);
		is_int(cidr_match(&c, (struct sockaddr *)&un), 0, "AF_UNIX never matches");
	}
	{
		struct cidr l[2];
		struct sockaddr_storage a = sa("::1", 1), b = sa("127.0.0.5", 1),
					d = sa("127.0.0.1", 1);

		cidr_parse(S("127.0.0.5"), &l[0]);
		cidr_parse(S("::1/128"), &l[1]);
		ok(cidr_match_any(l, 2, (struct sockaddr *)&a), "list: ::1");
		ok(cidr_match_any(l, 2, (struct sockaddr *)&b), "list: 127.0.0.5");
		ok(!cidr_match_any(l, 2, (struct sockaddr *)&d), "list: not 127.0.0.1");
		ok(!cidr_match_any(l, 0, (struct sockaddr *)&b), "empty list: nobody");
	}
}

/* ---- the reader ---- */

static struct cidr trusted[1];
static struct proxy_ppin_policy pol = {PROXY_PPIN_OPTIONAL, trusted, 1, 0};

static int rd(int kind, const void *s, size_t n, struct proxy_ppin *r)
{
	unsigned char *g = t_guarded(s, n);
	struct pp_slice *sl[] = {&r->h.authority, &r->h.p0f, &r->h.p0f_os, &r->h.ja4, &r->h.ja4_r};
	int rc;

	if (!g)
		return -9999;
	rc = proxy_ppin_read(&pol, kind, g, n, r);
	for (size_t k = 0; k < sizeof(sl) / sizeof(sl[0]); k++)
		if (sl[k]->p)
			sl[k]->p = (const unsigned char *)s + (sl[k]->p - g);
	t_guarded_free(g, n);
	return rc;
}

/* A v2 header laid out as 2.2 says: signature, 0x21 (v2 PROXY), 0x11 (TCP4), length,
 * 192.0.2.1 -> 192.0.2.2, 56324 -> 443, then TLVs tlv[0..tn). */
static size_t v2(unsigned char *b, int cmd, const unsigned char *tlv, size_t tn)
{
	static const unsigned char head[] = {
	    0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a, 0x21, 0x11,
	    0x00, 0x00, 192,  0,    2,	  1,	192,  0,    2,	  2,	0xdc, 0x04, 0x01, 0xbb};
	size_t n = sizeof(head);

	memcpy(b, head, n);
	b[12] = (unsigned char)(0x20 | cmd);
	if (tn)
		memcpy(b + n, tlv, tn);
	n += tn;
	b[14] = (unsigned char)((n - 16) >> 8);
	b[15] = (unsigned char)(n - 16);
	return n;
}

static size_t tlv(unsigned char *b, unsigned type, const char *v, size_t n)
{
	b[0] = (unsigned char)type;
	b[1] = (unsigned char)(n >> 8);
	b[2] = (unsigned char)n;
	memcpy(b + 3, v, n);
	return 3 + n;
}

#define SIG "4:64+0:0:1460:mss*44,7:mss,sok,ts,nop,ws:df,id+:0"
#define OS "os=Linux 2.2.x-3.x|dist=0|params=generic"
#define JA4 "t13d1516h2_8daaf6152771_e5627efa2ab1"

static void test_peer(void)
{
	struct proxy_ppin_policy off = {PROXY_PPIN_OFF, trusted, 1, 0};
	struct sockaddr_storage t = sa("10.1.2.3", 5), u = sa("192.0.2.9", 5);

	is_int(proxy_ppin_peer(&off, (struct sockaddr *)&t), PROXY_PPIN_PEER_PLAIN, "off: plain");
	is_int(proxy_ppin_peer(&pol, (struct sockaddr *)&t), PROXY_PPIN_PEER_TRUSTED,
	       "10.1.2.3 in 10/8: trusted");
	is_int(proxy_ppin_peer(&pol, (struct sockaddr *)&u), PROXY_PPIN_PEER_WATCH,
	       "192.0.2.9: watched");
}

static void test_v1(void)
{
	/* 2.1's example line, then a request. */
	static const char in[] =
	    "PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\nGET / HTTP/1.1\r\n";
	const size_t hl = sizeof("PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n") - 1;
	const struct sockaddr_storage *cl;
	struct proxy_ppin r;
	char ip[64];
	size_t k;

	is_int(rd(PROXY_PPIN_PEER_TRUSTED, in, sizeof(in) - 1, &r), 1, "v1: decided");
	is_int(r.result, PROXY_PPIN_V1, "v1: result v1");
	is_int((int)r.len, (int)hl, "v1: header length");
	cl = proxy_ppin_client(&r);
	ok(cl && cl->ss_family == AF_INET, "v1: client IPv4");
	if (cl) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)cl;

		inet_ntop(AF_INET, &a->sin_addr, ip, sizeof(ip));
		is_str(ip, "192.168.0.1", "v1: client address");
		is_int(ntohs(a->sin_port), 56324, "v1: client port");
	}
	for (k = 1; k < hl; k++)
		if (rd(PROXY_PPIN_PEER_TRUSTED, in, k, &r) != 0)
			break;
	is_int((int)k, (int)hl, "v1: every proper prefix needs more");

	is_int(rd(PROXY_PPIN_PEER_TRUSTED, S("PROXY UNKNOWN\r\nGET"), &r), 1, "UNKNOWN decided");
	is_int(r.result, PROXY_PPIN_LOCAL, "UNKNOWN: local");
	ok(proxy_ppin_client(&r) == NULL, "UNKNOWN: the real peer stays");
	is_int((int)r.len, 15, "UNKNOWN: length");

	is_int(rd(PROXY_PPIN_PEER_TRUSTED, S("PROXY TCP4 1.2.3.04 1.2.3.4 1 2\r\n"), &r), 1,
	       "v1 leading zero: decided");
	is_int(r.result, PROXY_PPIN_BAD, "v1 leading zero: bad");
	ok(r.err != NULL && r.len == 0, "bad: a reason, nothing to skip");
}

static void test_none(void)
{
	struct proxy_ppin r;

	is_int(rd(PROXY_PPIN_PEER_TRUSTED, S("GET / HTTP/1.1\r\n"), &r), 1, "GET: decided");
	is_int(r.result, PROXY_PPIN_NONE, "optional, GET: none");
	is_int((int)r.len, 0, "none: nothing to skip");
	is_int(rd(PROXY_PPIN_PEER_TRUSTED, S("P"), &r), 0, "P: more");
	is_int(rd(PROXY_PPIN_PEER_TRUSTED, S("PO"), &r), 1, "PO: decided");
	is_int(r.result, PROXY_PPIN_NONE, "PO: none");
	is_int(rd(PROXY_PPIN_PEER_TRUSTED, S("\r\nGET"), &r), 1, "CRLF GET: decided");
	is_int(r.result, PROXY_PPIN_NONE, "CRLF GET: none");
	pol.mode = PROXY_PPIN_REQUIRED;
	is_int(rd(PROXY_PPIN_PEER_TRUSTED, S("GET / HTTP/1.1\r\n"), &r), 1, "required: decided");
	is_int(r.result, PROXY_PPIN_MISSING, "required, GET: missing");
	is_int(rd(PROXY_PPIN_PEER_TRUSTED, S("PUT"), &r), 1, "required, PUT: decided");
	is_int(r.result, PROXY_PPIN_MISSING, "required, PUT: missing");
	pol.mode = PROXY_PPIN_OPTIONAL;
	is_int(rd(PROXY_PPIN_PEER_TRUSTED, "", 0, &r), 0, "no bytes: more");
}

static void test_watch(void)
{
	static const unsigned char sig[] = {0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d,
					    0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a};
	struct proxy_ppin r;

	is_int(rd(PROXY_PPIN_PEER_WATCH, S("PROX"), &r), 0, "watch PROX: more");
	is_int(rd(PROXY_PPIN_PEER_WATCH, S("PROXY"), &r), 1, "watch PROXY: decided");
	is_int(r.result, PROXY_PPIN_UNTRUSTED, "watch PROXY: untrusted");
	is_int(rd(PROXY_PPIN_PEER_WATCH, S("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n"), &r), 1,
	       "watch v1: decided");
	is_int(r.result, PROXY_PPIN_UNTRUSTED, "watch v1 line: untrusted (content unread)");
	ok(r.len == 0 && proxy_ppin_client(&r) == NULL, "untrusted: no client, no skip");
	is_int(rd(PROXY_PPIN_PEER_WATCH, sig, 11, &r), 0, "watch 11 signature bytes: more");
	is_int(rd(PROXY_PPIN_PEER_WATCH, sig, 12, &r), 1, "watch signature: decided");
	is_int(r.result, PROXY_PPIN_UNTRUSTED, "watch signature: untrusted");
	is_int(rd(PROXY_PPIN_PEER_WATCH, S("GET / HTTP/1.1\r\n"), &r), 1, "watch GET: decided");
	is_int(r.result, PROXY_PPIN_NONE, "watch GET: none");
	is_int(rd(PROXY_PPIN_PEER_WATCH, S("PATCH"), &r), 1, "watch PATCH: decided");
	is_int(r.result, PROXY_PPIN_NONE, "watch PATCH: none");
	is_int(rd(PROXY_PPIN_PEER_WATCH, S("\r\nGET"), &r), 1, "watch CRLF GET: decided");
	is_int(r.result, PROXY_PPIN_NONE, "watch CRLF GET: none");
}

static void test_v2(void)
{
	unsigned char t[1024], b[2048];
	char out[512];
	struct proxy_ppin r;
	unsigned ign;
	size_t tn = 0, n, k, len;

	tn += tlv(t + tn, 0xE0, S(SIG));
	tn += tlv(t + tn, 0xE1, S(OS));
	tn += tlv(t + tn, 0xE2, S(JA4));
	tn += tlv(t + tn, 0xE3, S("t13d1516h2_002f,0035_0005,000a"));
	n = v2(b, 1, t, tn);
	memcpy(b + n, "GET /", 5);
	is_int(rd(PROXY_PPIN_PEER_TRUSTED, b, n + 5, &r), 1, "v2: decided");
	is_int(r.result, PROXY_PPIN_V2, "v2: result v2");
	is_int((int)r.len, (int)n, "v2: header length");
	ok(proxy_ppin_client(&r) != NULL, "v2: client");
	len = proxy_ppin_fp_lines(&r, out, sizeof(out), &ign);
	out[len] = 0;
	is_str(out, "x-tcp-p0f: " SIG "\r\nx-tcp-p0f-os: " OS "\r\nx-tls-ja4: " JA4 "\r\n",
	       "v2: the three lines, from the TLVs");
	is_int((int)ign, 0, "v2: nothing ignored");
	for (k = 1; k < n; k++)
		if (rd(PROXY_PPIN_PEER_TRUSTED, b, k, &r) != 0)
			break;
	is_int((int)k, (int)n, "v2: every proper prefix needs more");

	/* No TLVs: no lines. */
	n = v2(b, 1, NULL, 0);
	is_int(rd(PROXY_PPIN_PEER_TRUSTED, b, n, &r), 1, "v2 bare: decided");
	is_int((int)proxy_ppin_fp_lines(&r, out, sizeof(out), &ign), 0, "v2 bare: no lines");

	/* LOCAL: real peer, TLVs still read. */
	tn = tlv(t, 0xE2, S(JA4));
	n = v2(b, 0, t, tn);
	is_int(rd(PROXY_PPIN_PEER_TRUSTED, b, n, &r), 1, "LOCAL: decided");
	is_int(r.result, PROXY_PPIN_LOCAL, "LOCAL: local");
	ok(proxy_ppin_client(&r) == NULL, "LOCAL: the real peer stays");
	len = proxy_ppin_fp_lines(&r, out, sizeof(out), &ign);
	out[len] = 0;
	is_str(out, "x-tls-ja4: " JA4 "\r\n", "LOCAL: the JA4 line");

	/* Values that may not become headers are left out and counted. */
	tn = 0;
	tn += tlv(t + tn, 0xE0, S("caf\xc3\xa9"));			    /* not ASCII */
	tn += tlv(t + tn, 0xE1, S(" os=x"));				    /* leading space */
	tn += tlv(t + tn, 0xE2, S("t13d1516h2_8DAAF6152771_e5627efa2ab1")); /* uppercase hex */
	n = v2(b, 1, t, tn);
	is_int(rd(PROXY_PPIN_PEER_TRUSTED, b, n, &r), 1, "odd values: decided");
	is_int(r.result, PROXY_PPIN_V2, "odd values: the header itself is fine");
	is_int((int)proxy_ppin_fp_lines(&r, out, sizeof(out), &ign), 0, "odd values: no lines");
	is_int((int)ign, 3, "odd values: three ignored");
	{
		static const char *const ja4_bad[] = {
		    "T13d1516h2_8daaf6152771_e5627efa2ab1", /* protocol is t, q or d */
		    "t13x1516h2_8daaf6152771_e5627efa2ab1", /* SNI flag is d or i */
		    "t13d15a6h2_8daaf6152771_e5627efa2ab1", /* counts are digits */
		    "t13d1516h-_8daaf6152771_e5627efa2ab1", /* ALPN characters alphanumeric */
		    "t13d1516h2-8daaf6152771_e5627efa2ab1", /* separators */
		    "t13d1516h2_8daaf6152771_e5627efa2ab1x",
		    "t13d1516h2_8daaf615277g_e5627efa2ab1"};
		static const char *const ja4_good[] = {
		    "q13i0000H2_8daaf6152771_e5627efa2ab1", /* QUIC, IP, no ciphers, ALPN "H2" */
		    "d12d9999ab_000000000000_ffffffffffff", "t00i010100_e3b0c44298fc_e3b0c44298fc"};
		struct pp_slice v;

		for (size_t i = 0; i < sizeof(ja4_bad) / sizeof(ja4_bad[0]); i++) {
			v.p = (const unsigned char *)ja4_bad[i];
			v.n = strlen(ja4_bad[i]);
			is_int(proxy_ppin_value_ok(PP_TLV_JA4, &v), 0, "JA4 '%s' refused",
			       ja4_bad[i]);
		}
		for (size_t i = 0; i < sizeof(ja4_good) / sizeof(ja4_good[0]); i++) {
			v.p = (const unsigned char *)ja4_good[i];
			v.n = strlen(ja4_good[i]);
			is_int(proxy_ppin_value_ok(PP_TLV_JA4, &v), 1, "JA4 '%s' taken",
			       ja4_good[i]);
		}
		v.p = (const unsigned char *)"x";
		v.n = 1;
		is_int(proxy_ppin_value_ok(PP_TLV_JA4_R, &v), 0, "0xE3 never becomes a header");
		is_int(proxy_ppin_value_ok(PP_TLV_P0F, &v), 1, "one printable byte is a value");
	}
	{
		char longv[300];

		memset(longv, 'a', sizeof(longv));
		tn = tlv(t, 0xE0, longv, 256);
		tn += tlv(t + tn, 0xE1, longv, 255);
		tn += tlv(t + tn, 0xE2, S("t13d1516h2_8daaf6152771_e5627efa2ab"));
		n = v2(b, 1, t, tn);
		rd(PROXY_PPIN_PEER_TRUSTED, b, n, &r);
		len = proxy_ppin_fp_lines(&r, out, sizeof(out), &ign);
		is_int((int)len, 14 + 255 + 2, "256-byte p0f and 35-byte JA4 left out, 255 kept");
		is_int((int)ign, 2, "two ignored");
		len = proxy_ppin_fp_lines(&r, out, 100, &ign);
		is_int((int)len, 0, "a line that does not fit is left out");
		is_int((int)ign, 3, "and counted");
	}

	/* Invalid: a bad version nibble, a length over the bound. */
	n = v2(b, 1, NULL, 0);
	b[12] = 0x31;
	is_int(rd(PROXY_PPIN_PEER_TRUSTED, b, n, &r), 1, "v3: decided");
	is_int(r.result, PROXY_PPIN_BAD, "v3: bad");
	is_int((int)r.err_off, 12, "v3: byte 12");
	n = v2(b, 1, NULL, 0);
	b[14] = (PROXY_PPIN_MAX - 16 + 1) >> 8;
	b[15] = (PROXY_PPIN_MAX - 16 + 1) & 0xff;
	is_int(rd(PROXY_PPIN_PEER_TRUSTED, b, 16, &r), 1, "over PROXY_PPIN_MAX: decided at 16");
	is_int(r.result, PROXY_PPIN_BAD, "over PROXY_PPIN_MAX: bad");
	is_int((int)r.err_off, 14, "over PROXY_PPIN_MAX: the length field");
	/* A control byte in a TLV we read: the whole header is refused (pp/). */
	tn = tlv(t, 0xE0, S("a\r\nx-evil: 1"));
	n = v2(b, 1, t, tn);
	is_int(rd(PROXY_PPIN_PEER_TRUSTED, b, n, &r), 1, "CRLF in 0xE0: decided");
	is_int(r.result, PROXY_PPIN_BAD, "CRLF in 0xE0: bad");
}

static void test_names(void)
{
	static const char *const want[] = {"v1",	"v2",	   "local", "none",
					   "untrusted", "missing", "bad",   "incomplete"};

	is_int(PROXY_PPIN_RESULT_N, 8, "eight results");
	for (int i = 0; i < PROXY_PPIN_RESULT_N; i++)
		is_str(proxy_ppin_result_name(i), want[i], "result %d name", i);
	is_str(proxy_ppin_result_name(99), "?", "out of range");
}

int main(void)
{
	cidr_parse(S("10.0.0.0/8"), &trusted[0]);
	test_cidr_parse();
	test_cidr_match();
	test_peer();
	test_v1();
	test_none();
	test_watch();
	test_v2();
	test_names();
	return done_testing();
}
