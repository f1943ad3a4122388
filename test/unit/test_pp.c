/*
 * test_pp.c - vectors for pp/: the PROXY protocol v1/v2 reader, the v2 writer and CRC-32C.
 *
 * Expected values come from outside the code under test: the examples and byte layouts of
 * proxy-protocol.txt (2020/03/05 revision, sections cited per vector), RFC 3720 B.4 for
 * CRC-32C, headers captured from haproxy 2.6 (test/fuzz/corpus/fuzz_pp/ holds them too),
 * and libc's inet_ntop() to print addresses.  Every input sits right before a PROT_NONE
 * page (t_guarded), so an over-read faults; every proper prefix of a valid header must
 * read as PP_NEED_MORE.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "pp/crc32c.h"
#include "pp/pp.h"
#include "test/harness.h"

#define S(lit) lit, sizeof(lit) - 1

/* pp_parse on a guarded copy; slices are moved back onto s for the caller. */
static int parse(const void *s, size_t n, size_t max, struct pp_hdr *h)
{
	unsigned char *g = t_guarded(s, n);
	struct pp_slice *sl[] = {&h->authority, &h->p0f, &h->p0f_os, &h->ja4, &h->ja4_r};
	size_t k;
	int rc;

	if (!g)
		return -9999;
	rc = pp_parse(g, n, max, h);
	for (k = 0; k < sizeof(sl) / sizeof(sl[0]); k++)
		if (sl[k]->p)
			sl[k]->p = (const unsigned char *)s + (sl[k]->p - g);
	t_guarded_free(g, n);
	return rc;
}

/* "ip port" of a decoded address, printed by libc. */
static const char *addr_str(const struct sockaddr_storage *ss, char *buf, size_t cap)
{
	char ip[INET6_ADDRSTRLEN];

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)ss;

		inet_ntop(AF_INET, &a->sin_addr, ip, sizeof(ip));
		snprintf(buf, cap, "%s %u", ip, ntohs(a->sin_port));
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;

		inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof(ip));
		snprintf(buf, cap, "%s %u", ip, ntohs(a->sin6_port));
	} else {
		snprintf(buf, cap, "unspec");
	}
	return buf;
}

static int slice_is(struct pp_slice s, const char *want)
{
	if (!want)
		return s.p == NULL && s.n == 0;
	return s.p && s.n == strlen(want) && !memcmp(s.p, want, s.n);
}

/* Every proper prefix of a valid header is PP_NEED_MORE. */
static void prefixes(const char *what, const void *s, size_t n)
{
	struct pp_hdr h;
	size_t k, bad = 0, at = 0;

	for (k = 0; k < n; k++)
		if (parse(s, k, 0, &h) != PP_NEED_MORE && !bad++)
			at = k;
	if (!ok(bad == 0, "%s: all %zu proper prefixes need more", what, n))
		printf("#   first failing prefix length %zu\n", at);
}

/* One valid header: length, command, family, "ip port" of both ends. */
static void good(const char *what, const void *s, size_t n, int want_len, int cmd, int fam,
		 const char *src, const char *dst)
{
	struct pp_hdr h;
	char b1[80], b2[80];
	int rc = parse(s, n, 0, &h);

	is_int(rc, want_len, "%s: header length", what);
	if (rc < 0)
		printf("#   err '%s' at %zu\n", h.err ? h.err : "", h.err_off);
	is_int(h.command, cmd, "%s: command", what);
	is_int(h.fam, fam, "%s: family", what);
	is_str(addr_str(&h.src, b1, sizeof(b1)), src, "%s: source", what);
	is_str(addr_str(&h.dst, b2, sizeof(b2)), dst, "%s: destination", what);
	if (want_len > 0)
		prefixes(what, s, (size_t)want_len);
}

/* One invalid header: PP_ERROR naming field at offset off. */
static void bad(const char *what, const void *s, size_t n, size_t max, const char *field,
		size_t off)
{
	struct pp_hdr h;
	int rc = parse(s, n, max, &h);

	is_int(rc, PP_ERROR, "%s: error", what);
	is_str(h.err, field, "%s: names '%s'", what, field);
	is_int(h.err_off, off, "%s: at offset %zu", what, off);
}

static void test_crc32c(void)
{
	unsigned char b[32];
	int i;

	/* RFC 3720 B.4: the CRC is shown as bytes low first (aa 36 91 8a = 0x8a9136aa) */
	memset(b, 0, 32);
	is_int(pp_crc32c(0, b, 32), 0x8a9136aa, "crc32c: RFC 3720 B.4 32 bytes of zeroes");
	memset(b, 0xff, 32);
	is_int(pp_crc32c(0, b, 32), 0x62a8ab43, "crc32c: RFC 3720 B.4 32 bytes of ones");
	for (i = 0; i < 32; i++)
		b[i] = (unsigned char)i;
	is_int(pp_crc32c(0, b, 32), 0x46dd794e, "crc32c: RFC 3720 B.4 incrementing");
	is_int(pp_crc32c(pp_crc32c(0, b, 13), b + 13, 19), 0x46dd794e,
	       "crc32c: continued over two pieces");
	for (i = 0; i < 32; i++)
		b[i] = (unsigned char)(31 - i);
	is_int(pp_crc32c(0, b, 32), 0x113fdb5c, "crc32c: RFC 3720 B.4 decrementing");
	/* the catalogue check value of CRC-32/ISCSI */
	is_int(pp_crc32c(0, "123456789", 9), 0xe3069283, "crc32c: check value of 123456789");
	is_int(pp_crc32c(0, "", 0), 0, "crc32c: empty");
}

static void test_v1_good(void)
{
	/* 2.1, the example before an HTTP request */
	static const char ex[] = "PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n"
				 "GET / HTTP/1.1\r\nHost: 192.168.0.11\r\n\r\n";
	/* 2.1, the longest lines a receiver must take */
	static const char max4[] = "PROXY TCP4 255.255.255.255 255.255.255.255 65535 65535\r\n";
	static const char max6[] = "PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff "
				   "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n";
	static const char unk[] = "PROXY UNKNOWN\r\n";
	static const char worst[] = "PROXY UNKNOWN ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff "
				    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n";
	struct pp_hdr h;

	good("v1 2.1 example", S(ex), 47, PP_CMD_PROXY, PP_FAM_TCP4, "192.168.0.1 56324",
	     "192.168.0.11 443");
	is_int(parse(S(ex), 0, &h), 47, "v1 2.1 example: data after the line is left alone");
	is_int(h.version, 1, "v1 2.1 example: version 1");
	good("v1 2.1 TCP4 max (56)", S(max4), 56, PP_CMD_PROXY, PP_FAM_TCP4,
	     "255.255.255.255 65535", "255.255.255.255 65535");
	good("v1 2.1 TCP6 max (104)", S(max6), 104, PP_CMD_PROXY, PP_FAM_TCP6,
	     "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535",
	     "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535");
	good("v1 2.1 UNKNOWN short (15)", S(unk), 15, PP_CMD_LOCAL, PP_FAM_UNSPEC, "unspec",
	     "unspec");
	good("v1 2.1 UNKNOWN worst case (107)", S(worst), 107, PP_CMD_LOCAL, PP_FAM_UNSPEC,
	     "unspec", "unspec");
	good("v1 zeros and port 0", S("PROXY TCP4 0.0.0.0 10.0.0.1 0 0\r\n"), 33, PP_CMD_PROXY,
	     PP_FAM_TCP4, "0.0.0.0 0", "10.0.0.1 0");
	good("v1 TCP6 compressed", S("PROXY TCP6 ::1 2001:db8::a:b 1 65535\r\n"), 38, PP_CMD_PROXY,
	     PP_FAM_TCP6, "::1 1", "2001:db8::a:b 65535");
	good("v1 TCP6 ::", S("PROXY TCP6 :: fe80:: 80 8080\r\n"), 30, PP_CMD_PROXY, PP_FAM_TCP6,
	     ":: 80", "fe80:: 8080");
	good("v1 TCP6 upper case, leading zeros in groups",
	     S("PROXY TCP6 2001:0DB8:0000:0000:0000:0000:0000:0001 ::ABCD 5 6\r\n"), 63,
	     PP_CMD_PROXY, PP_FAM_TCP6, "2001:db8::1 5", "::abcd 6");
	good("v1 TCP6 mapped IPv4 (inet_ntop form)",
	     S("PROXY TCP6 ::ffff:192.0.2.1 64:ff9b::198.51.100.7 1024 443\r\n"), 60, PP_CMD_PROXY,
	     PP_FAM_TCP6, "::ffff:192.0.2.1 1024", "64:ff9b::c633:6407 443");
	good("v1 TCP6 full with dotted tail",
	     S("PROXY TCP6 1:2:3:4:5:6:1.2.3.4 1:2:3:4:5:6:7:8 1 2\r\n"), 52, PP_CMD_PROXY,
	     PP_FAM_TCP6, "1:2:3:4:5:6:102:304 1", "1:2:3:4:5:6:7:8 2");
	good("v1 TCP6 gap in the middle", S("PROXY TCP6 1::8 1:2:3:4:5:6:7:: 1 2\r\n"), 37,
	     PP_CMD_PROXY, PP_FAM_TCP6, "1::8 1", "1:2:3:4:5:6:7:0 2");
	good("v1 UNKNOWN with junk before CRLF", S("PROXY UNKNOWN \x01\xff junk\tx\r\nGET"), 25,
	     PP_CMD_LOCAL, PP_FAM_UNSPEC, "unspec", "unspec");
}

static void test_v1_bad(void)
{
	char line[200];
	struct pp_hdr h;

	bad("v1 no space after PROXY", S("PROXYTCP4 1.2.3.4 1.2.3.4 1 2\r\n"), 0, "v1 separator",
	    5);
	bad("v1 two spaces after PROXY", S("PROXY  TCP4"), 0, "v1 protocol", 6);
	bad("v1 protocol TCP5", S("PROXY TCP5 "), 0, "v1 protocol", 6);
	bad("v1 protocol lower case", S("PROXY tcp4 "), 0, "v1 protocol", 6);
	bad("v1 protocol UDP4", S("PROXY UDP4 "), 0, "v1 protocol", 6);
	bad("v1 protocol TCP44", S("PROXY TCP44 "), 0, "v1 protocol", 6);
	bad("v1 protocol UNKNOWNX", S("PROXY UNKNOWNX\r\n"), 0, "v1 protocol", 13);
	bad("v1 protocol TCP4 then CR", S("PROXY TCP4\r\n"), 0, "v1 separator", 10);
	bad("v1 IPv4 leading zero", S("PROXY TCP4 192.168.0.01 1.2.3.4 1 2\r\n"), 0,
	    "v1 source address", 11);
	bad("v1 IPv4 part 256", S("PROXY TCP4 1.2.3.4 1.2.3.256 1 2\r\n"), 0,
	    "v1 destination address", 19);
	bad("v1 IPv4 three parts", S("PROXY TCP4 1.2.3 1.2.3.4 1 2\r\n"), 0, "v1 source address",
	    11);
	bad("v1 IPv4 five parts", S("PROXY TCP4 1.2.3.4.5 1.2.3.4 1 2\r\n"), 0, "v1 source address",
	    11);
	bad("v1 IPv4 empty part", S("PROXY TCP4 1..3.4 1.2.3.4 1 2\r\n"), 0, "v1 source address",
	    11);
	bad("v1 IPv4 trailing dot", S("PROXY TCP4 1.2.3.4. 1.2.3.4 1 2\r\n"), 0,
	    "v1 source address", 11);
	bad("v1 IPv4 over 15 bytes", S("PROXY TCP4 1111111111111111"), 0, "v1 source address", 26);
	bad("v1 IPv6 in TCP4", S("PROXY TCP4 ::1 ::1 1 2\r\n"), 0, "v1 source address", 11);
	bad("v1 IPv4 in TCP6", S("PROXY TCP6 1.2.3.4 ::1 1 2\r\n"), 0, "v1 source address", 11);
	bad("v1 double space between addresses", S("PROXY TCP4 1.2.3.4  1.2.3.4 1 2\r\n"), 0,
	    "v1 destination address", 19);
	bad("v1 tab as separator", S("PROXY TCP4 1.2.3.4\t1.2.3.4 1 2\r\n"), 0, "v1 source address",
	    18);
	bad("v1 IPv6 two gaps", S("PROXY TCP6 1::2::3 ::1 1 2\r\n"), 0, "v1 source address", 11);
	bad("v1 IPv6 nine groups", S("PROXY TCP6 1:2:3:4:5:6:7:8:9 ::1 1 2\r\n"), 0,
	    "v1 source address", 11);
	bad("v1 IPv6 seven groups", S("PROXY TCP6 1:2:3:4:5:6:7 ::1 1 2\r\n"), 0,
	    "v1 source address", 11);
	bad("v1 IPv6 gap for no group", S("PROXY TCP6 1:2:3:4::5:6:7:8 ::1 1 2\r\n"), 0,
	    "v1 source address", 11);
	bad("v1 IPv6 five hex digits", S("PROXY TCP6 12345:: ::1 1 2\r\n"), 0, "v1 source address",
	    11);
	bad("v1 IPv6 leading single colon", S("PROXY TCP6 :1:2:3:4:5:6:7 ::1 1 2\r\n"), 0,
	    "v1 source address", 11);
	bad("v1 IPv6 trailing single colon", S("PROXY TCP6 1:2:3:4:5:6:7: ::1 1 2\r\n"), 0,
	    "v1 source address", 11);
	bad("v1 IPv6 triple colon", S("PROXY TCP6 1:::2 ::1 1 2\r\n"), 0, "v1 source address", 11);
	bad("v1 IPv6 zone id", S("PROXY TCP6 fe80::1%eth0 ::1 1 2\r\n"), 0, "v1 source address",
	    18);
	bad("v1 IPv6 bad dotted tail", S("PROXY TCP6 ::ffff:1.2.3.04 ::1 1 2\r\n"), 0,
	    "v1 source address", 11);
	bad("v1 IPv6 dotted tail not last", S("PROXY TCP6 ::1.2.3.4:5 ::1 1 2\r\n"), 0,
	    "v1 source address", 11);
	bad("v1 IPv6 brackets", S("PROXY TCP6 [::1] ::1 1 2\r\n"), 0, "v1 source address", 11);
	bad("v1 port 65536", S("PROXY TCP4 1.2.3.4 5.6.7.8 65536 80\r\n"), 0, "v1 source port", 27);
	bad("v1 port 99999", S("PROXY TCP4 1.2.3.4 5.6.7.8 80 99999\r\n"), 0, "v1 destination port",
	    30);
	bad("v1 port leading zero", S("PROXY TCP4 1.2.3.4 5.6.7.8 080 80\r\n"), 0, "v1 source port",
	    27);
	bad("v1 port 00", S("PROXY TCP4 1.2.3.4 5.6.7.8 1 00\r\n"), 0, "v1 destination port", 29);
	bad("v1 port six digits", S("PROXY TCP4 1.2.3.4 5.6.7.8 123456"), 0, "v1 source port", 32);
	bad("v1 port sign", S("PROXY TCP4 1.2.3.4 5.6.7.8 +1 2\r\n"), 0, "v1 source port", 27);
	bad("v1 port missing", S("PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n"), 0, "v1 source port", 28);
	bad("v1 extra field", S("PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n"), 0, "v1 destination port",
	    30);
	bad("v1 bare LF", S("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n"), 0, "v1 destination port", 30);
	bad("v1 bare CR", S("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\rX"), 0, "v1 line end", 31);
	bad("v1 UNKNOWN bare LF", S("PROXY UNKNOWN x\ny\r\n"), 0, "v1 line end", 15);
	bad("v1 UNKNOWN bare CR", S("PROXY UNKNOWN x\ry\r\n"), 0, "v1 line end", 15);

	/* 2.1: no CRLF within 107 bytes; 108 bytes of UNKNOWN line is one too many */
	memset(line, 'x', sizeof(line));
	memcpy(line, "PROXY UNKNOWN ", 14);
	memcpy(line + 106, "\r\n", 2);
	bad("v1 UNKNOWN line of 108", line, 108, 0, "v1 line length", 107);
	memcpy(line + 105, "\r\n", 2);
	is_int(parse(line, 107, 0, &h), 107, "v1 UNKNOWN line of exactly 107");
	memset(line, 'x', sizeof(line));
	memcpy(line, "PROXY UNKNOWN ", 14);
	is_int(parse(line, 106, 0, &h), PP_NEED_MORE, "v1 106 bytes without CRLF: need more");
	bad("v1 107 bytes without CRLF", line, 107, 0, "v1 line length", 107);
	bad("v1 UNKNOWN line of 200", line, 200, 0, "v1 line length", 107);
	/* a TCP6 line made long by dotted tails: valid fields, too long a line */
	snprintf(line, sizeof(line), "PROXY TCP6 %s %s 65535 65535\r\n",
		 "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255",
		 "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255");
	bad("v1 TCP6 line of 116", line, strlen(line), 0, "v1 line length", 107);
	is_int(parse(line, 106, 0, &h), PP_NEED_MORE, "v1 TCP6 long line: 106 bytes need more");
}

static void test_not_proxy(void)
{
	static const struct {
		const char *s;
		size_t n;
	} v[] = {
	    {S("GET / HTTP/1.1\r\n")},
	    {S("POST / HTTP/1.1\r\n")},
	    {S("PRI * HTTP/2.0\r\n")},	 /* "PR" then not "O" */
	    {S("\x16\x03\x01\x02\x00")}, /* a TLS record */
	    {S("proxy TCP4")},
	    {S("PROXz")},
	    {S("\r\n\r\n\x00\r\nQUIX\n\x21")},
	    {S("\r\n\r\n\x01")},
	    {S("\r\nGET")},
	    {S("\n")},
	};
	struct pp_hdr h;
	size_t k;

	for (k = 0; k < sizeof(v) / sizeof(v[0]); k++)
		is_int(parse(v[k].s, v[k].n, 0, &h), PP_NOT_PROXY, "not a PROXY header: vector %zu",
		       k);
	is_int(parse("", 0, 0, &h), PP_NEED_MORE, "empty input: need more");
	is_int(parse("PROX", 4, 0, &h), PP_NEED_MORE, "'PROX': need more");
	is_int(parse("\r\n\r\n\0\r\nQUIT", 11, 0, &h), PP_NEED_MORE,
	       "11 bytes of the v2 signature: need more");
}

/*
 * A real haproxy v2 header (TCP over IPv4, no TLV), as shown in the hex dump of
 * seriousben/experiment-proxy-protocol's README: 172.19.0.1:42578 -> 172.19.0.3:80.
 */
static const unsigned char hap_v4[] = {
    0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a, 0x21, 0x11, 0x00, 0x0c,
    0xac, 0x13, 0x00, 0x01, 0xac, 0x13, 0x00, 0x03, 0xa6, 0x52, 0x00, 0x50, 'G',  'E',	'T',  ' '};

/* Built by hand from the 2.2 layout: PROXY, TCP6, [2001:db8::1]:4660 -> [2001:db8::2]:443,
 * then a NOOP TLV (2.2.4) with no value and an ALPN TLV (2.2.1) "h2": 36 + 3 + 5 = 44. */
static const unsigned char hand_v6[] = {
    0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a, 0x21, 0x21, 0x00,
    0x2c, 0x20, 0x01, 0x0d, 0xb8, 0,	0,    0,    0,	  0,	0,    0,    0,	  0,	0,
    0,	  0x01, 0x20, 0x01, 0x0d, 0xb8, 0,    0,    0,	  0,	0,    0,    0,	  0,	0,
    0,	  0,	0x02, 0x12, 0x34, 0x01, 0xbb, 0x04, 0x00, 0x00, 0x01, 0x00, 0x02, 'h',	'2'};

static void test_v2_good(void)
{
	/* LOCAL, UNSPEC, no address (2.2: what a health check sends) */
	static const unsigned char local[] = {0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51,
					      0x55, 0x49, 0x54, 0x0a, 0x20, 0x00, 0x00, 0x00};
	/* LOCAL with a TCP4 block: the addresses are ignored (2.2) */
	static const unsigned char local4[] = {
	    0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a, 0x20, 0x11,
	    0x00, 0x0c, 1,    2,    3,	  4,	5,    6,    7,	  8,	0,    1,    0,	  2};
	/* PROXY UNSPEC with 5 unknown address bytes: skipped by the length field (2.2) */
	static const unsigned char unspec[] = {0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a,
					       0x51, 0x55, 0x49, 0x54, 0x0a, 0x21, 0x00,
					       0x00, 0x03, 0x04, 0x00, 0x00};
	/* UDP over IPv4 (0x12): same block as TCP (2.2) */
	static const unsigned char udp4[] = {
	    0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a, 0x21, 0x12,
	    0x00, 0x0c, 10,   0,    0,	  1,	10,   0,    0,	  2,	0x00, 0x35, 0x30, 0x39};
	/* AF_UNIX stream (0x31): 216 bytes of paths, addresses left unspec */
	unsigned char unx[16 + 216];
	struct pp_hdr h;

	good("v2 haproxy capture (README hex dump)", hap_v4, sizeof(hap_v4), 28, PP_CMD_PROXY,
	     PP_FAM_TCP4, "172.19.0.1 42578", "172.19.0.3 80");
	parse(hap_v4, sizeof(hap_v4), 0, &h);
	is_int(h.version, 2, "v2 haproxy capture: version 2");
	ok(!h.has_crc32c && !h.authority.p, "v2 haproxy capture: no TLV");

	good("v2 LOCAL UNSPEC", local, sizeof(local), 16, PP_CMD_LOCAL, PP_FAM_UNSPEC, "unspec",
	     "unspec");
	good("v2 LOCAL with TCP4 block", local4, sizeof(local4), 28, PP_CMD_LOCAL, PP_FAM_TCP4,
	     "unspec", "unspec");
	good("v2 PROXY UNSPEC skips the block", unspec, sizeof(unspec), 19, PP_CMD_PROXY,
	     PP_FAM_UNSPEC, "unspec", "unspec");
	good("v2 UDP4", udp4, sizeof(udp4), 28, PP_CMD_PROXY, PP_FAM_UDP4, "10.0.0.1 53",
	     "10.0.0.2 12345");
	memcpy(unx, local, 16);
	unx[12] = 0x21;
	unx[13] = 0x31;
	unx[14] = 0;
	unx[15] = 216;
	memset(unx + 16, 'a', 216);
	good("v2 UNIX stream", unx, sizeof(unx), 232, PP_CMD_PROXY, PP_FAM_UNIX_STREAM, "unspec",
	     "unspec");
	good("v2 TCP6 by hand with NOOP and ALPN", hand_v6, sizeof(hand_v6), 60, PP_CMD_PROXY,
	     PP_FAM_TCP6, "2001:db8::1 4660", "2001:db8::2 443");
}

/* A v2 header: signature, ver_cmd, fam, length = n, then body[0..n). Returns 16 + n. */
static size_t v2(unsigned char *out, int ver_cmd, int fam, const void *body, size_t n)
{
	memcpy(out, "\r\n\r\n\0\r\nQUIT\n", 12);
	out[12] = (unsigned char)ver_cmd;
	out[13] = (unsigned char)fam;
	out[14] = (unsigned char)(n >> 8);
	out[15] = (unsigned char)n;
	memcpy(out + 16, body, n);
	return 16 + n;
}

/* The TCP4 address block 10.0.0.1:1 -> 10.0.0.2:2, then the TLV bytes given. */
#define A4 10, 0, 0, 1, 10, 0, 0, 2, 0, 1, 0, 2
#define V2TLV(...)                                                                                 \
	do {                                                                                       \
		static const unsigned char body_[] = {A4, __VA_ARGS__};                            \
		n = v2(b, 0x21, 0x11, body_, sizeof(body_));                                       \
	} while (0)

static void test_v2_bad(void)
{
	static const unsigned char a4[] = {A4};
	unsigned char b[400];
	struct pp_hdr h;
	size_t n;
	int k, fails;
	char what[64];

	/* 2.2: version must be 2, checked as soon as the 13th byte is there */
	for (k = 0; k < 16; k++) {
		if (k == 2)
			continue;
		v2(b, k << 4 | 1, 0x11, a4, 12);
		snprintf(what, sizeof(what), "v2 version %d (13 bytes)", k);
		bad(what, b, 13, 0, "v2 version", 12);
	}
	/* 2.2: commands other than LOCAL and PROXY are dropped */
	for (k = 2; k < 16; k++) {
		v2(b, 0x20 | k, 0x11, a4, 12);
		snprintf(what, sizeof(what), "v2 command %d", k);
		bad(what, b, 28, 0, "v2 command", 12);
	}
	/* 2.2: every family/protocol byte but the seven listed is rejected, LOCAL included */
	fails = 0;
	for (k = 0; k < 256; k++) {
		int valid = k == 0 || k == 0x11 || k == 0x12 || k == 0x21 || k == 0x22 ||
			    k == 0x31 || k == 0x32;

		v2(b, 0x20, k, a4, 0);
		if ((parse(b, 14, 0, &h) == PP_ERROR && h.err_off == 13 &&
		     !strcmp(h.err, "v2 family")) == valid)
			fails++;
	}
	is_int(fails, 0, "v2 family: the 249 unlisted bytes rejected at 13, the 7 others not");

	/* length lies */
	n = v2(b, 0x21, 0x11, a4, 11);
	bad("v2 TCP4 length 11", b, n, 0, "v2 length", 14);
	n = v2(b, 0x21, 0x21, a4, 12);
	bad("v2 TCP6 length 12", b, n, 0, "v2 length", 14);
	memset(b + 16, 0, 300);
	n = v2(b, 0x20, 0x31, b + 16, 215);
	bad("v2 UNIX length 215 (LOCAL too)", b, n, 0, "v2 length", 14);
	n = v2(b, 0x21, 0x11, a4, 12);
	bad("v2 longer than max_len", b, n, 27, "v2 length", 14);
	is_int(parse(b, n, 28, &h), 28, "v2 exactly max_len");
	b[14] = 0xff;
	b[15] = 0xff;
	is_int(parse(b, n, 0, &h), PP_NEED_MORE, "v2 length 65535 with 28 bytes: need more");
	bad("v2 length 65535 over a max_len of 4096", b, n, 4096, "v2 length", 14);

	/* TLV walk (2.2) */
	V2TLV(0x04, 0x00);
	bad("v2 TLV header cut by the length", b, n, 0, "v2 tlv header", 28);
	V2TLV(0x02, 0x00, 0x05, 'a', 'b');
	bad("v2 TLV value past the end", b, n, 0, "v2 tlv length", 29);
	V2TLV(0x04, 0x00, 0x00, 0xe0, 0xff, 0xff);
	bad("v2 second TLV past the end", b, n, 0, "v2 tlv length", 32);
	V2TLV(0x03, 0x00, 0x03, 0, 0, 0);
	bad("v2 CRC32C of 3 bytes", b, n, 0, "v2 crc32c length", 29);
	V2TLV(0x03, 0x00, 0x04, 0, 0, 0, 0);
	bad("v2 CRC32C wrong", b, n, 0, "v2 crc32c", 31);
	V2TLV(0x20, 0x00, 0x04, 1, 0, 0, 0);
	bad("v2 SSL shorter than client+verify", b, n, 0, "v2 ssl length", 31);
	V2TLV(0x20, 0x00, 0x07, 1, 0, 0, 0, 0, 0x21, 0x00);
	bad("v2 SSL sub-TLV header cut", b, n, 0, "v2 ssl sub-tlv", 36);
	V2TLV(0x20, 0x00, 0x0a, 1, 0, 0, 0, 0, 0x21, 0x00, 0x03, 'T', 'L', 0x02, 0x00, 0x01, 'x');
	bad("v2 SSL sub-TLV past the SSL value", b, n, 0, "v2 ssl sub-tlv length", 37);
	V2TLV(0x02, 0x00, 0x01, 'a', 0x02, 0x00, 0x01, 'b');
	bad("v2 authority twice", b, n, 0, "v2 duplicate tlv", 32);
	V2TLV(0x03, 0x00, 0x04, 0, 0, 0, 0, 0x03, 0x00, 0x04, 0, 0, 0, 0);
	bad("v2 CRC32C twice", b, n, 0, "v2 duplicate tlv", 35);
	V2TLV(0xe2, 0x00, 0x00, 0xe2, 0x00, 0x01, 'x');
	bad("v2 JA4 twice (first empty)", b, n, 0, "v2 duplicate tlv", 31);
	V2TLV(0x02, 0x00, 0x03, 'a', ' ', 'b');
	bad("v2 authority with a space", b, n, 0, "v2 authority", 32);
	V2TLV(0xe0, 0x00, 0x03, '4', '\n', 'x');
	bad("v2 p0f with LF", b, n, 0, "v2 p0f (0xe0)", 32);
	V2TLV(0xe1, 0x00, 0x02, 'L', 0x7f);
	bad("v2 p0f os with DEL", b, n, 0, "v2 p0f os (0xe1)", 32);
	V2TLV(0xe2, 0x00, 0x01, 0x00);
	bad("v2 ja4 with NUL", b, n, 0, "v2 ja4 (0xe2)", 31);
	V2TLV(0xe3, 0x00, 0x02, 'a', '\r');
	bad("v2 ja4_r with CR", b, n, 0, "v2 ja4_r (0xe3)", 32);
	memset(b + 200, 'u', 129);
	{
		unsigned char body[12 + 3 + 129];

		memcpy(body, a4, 12);
		body[12] = 0x05;
		body[13] = 0;
		body[14] = 129;
		memset(body + 15, 'u', 129);
		n = v2(b, 0x21, 0x11, body, sizeof(body));
		bad("v2 unique id of 129 bytes (2.2.5)", b, n, 0, "v2 unique id length", 29);
		body[14] = 128;
		n = v2(b, 0x21, 0x11, body, sizeof(body) - 1);
		is_int(parse(b, n, 0, &h), (int)n, "v2 unique id of 128 bytes");
	}

	/* values we take, and those we pass over */
	V2TLV(0x20, 0x00, 0x0f, 1, 0, 0, 0, 0, 0x21, 0x00, 0x07, 'T', 'L', 'S', 'v', '1', '.', '3',
	      0x02, 0x00, 0x03, 'a', '.', 'b', 0xe1, 0x00, 0x05, 'L', 'i', 'n', 'u', 'x', 0xe0,
	      0x00, 0x00, 0xee, 0x00, 0x02, 0x00, '\n', 0x30, 0x00, 0x01, 0x00);
	is_int(parse(b, n, 0, &h), (int)n, "v2 SSL with a sub-TLV, then TLVs");
	ok(slice_is(h.authority, "a.b"), "v2 authority after SSL");
	ok(slice_is(h.p0f_os, "Linux"), "v2 p0f os");
	ok(slice_is(h.p0f, NULL), "v2 empty p0f is absent");
	ok(slice_is(h.ja4, NULL) && slice_is(h.ja4_r, NULL), "v2 ja4 absent");
	prefixes("v2 SSL and TLVs", b, n);
}

static struct sockaddr_storage sa(const char *ip, int port)
{
	struct sockaddr_storage ss;

	memset(&ss, 0, sizeof(ss));
	if (strchr(ip, ':')) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

		a->sin6_family = AF_INET6;
		inet_pton(AF_INET6, ip, &a->sin6_addr);
		a->sin6_port = htons((uint16_t)port);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;

		a->sin_family = AF_INET;
		inet_pton(AF_INET, ip, &a->sin_addr);
		a->sin_port = htons((uint16_t)port);
	}
	return ss;
}

static void test_encode(void)
{
	/* 2.2 layout, by hand: PROXY TCP4 192.0.2.1:40000 -> 198.51.100.2:443, authority */
	static const unsigned char want4[] = {
	    0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a, 0x21, 0x11,
	    0x00, 0x18, 192,  0,    2,	  1,	198,  51,   100,  2,	0x9c, 0x40, 0x01, 0xbb,
	    0x02, 0x00, 0x09, 'a',  '.',  'e',	'x',  'a',  'm',  'p',	'l',  'e'};
	/* 2.2: LOCAL, UNSPEC, length 0 */
	static const unsigned char want_local[] = {0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51,
						   0x55, 0x49, 0x54, 0x0a, 0x20, 0x00, 0x00, 0x00};
	static unsigned char big[PP_V2_MAX + 64], val[65536];
	struct sockaddr_storage s4 = sa("192.0.2.1", 40000), d4 = sa("198.51.100.2", 443);
	struct sockaddr_storage s6 = sa("2001:db8::1", 4660), d6 = sa("2001:db8::2", 443);
	struct sockaddr_storage un;
	struct pp_v2_enc e;
	struct pp_hdr h;
	unsigned char b[512];
	char b1[80];
	int n;

	pp_v2_begin(&e, b, sizeof(b), PP_CMD_PROXY, &s4, &d4);
	pp_v2_add_tlv_str(&e, PP2_TYPE_AUTHORITY, "a.example");
	pp_v2_add_tlv_str(&e, PP_TLV_P0F, "");
	pp_v2_add_tlv_str(&e, PP_TLV_JA4, NULL);
	pp_v2_add_tlv(&e, PP_TLV_JA4_R, "x", 0);
	n = pp_v2_finish(&e);
	is_int(n, (int)sizeof(want4), "encode TCP4 + authority: length");
	ok(n == (int)sizeof(want4) && !memcmp(b, want4, sizeof(want4)),
	   "encode TCP4 + authority: bytes of the 2.2 layout, empty TLVs left out");

	is_int(pp_v2_begin(&e, b, sizeof(b), PP_CMD_LOCAL, NULL, NULL), 0, "encode LOCAL");
	n = pp_v2_finish(&e);
	ok(n == 16 && !memcmp(b, want_local, 16), "encode LOCAL: the 16 bytes of 2.2");

	/* TCP6 and ALPN: hand_v6 without its empty NOOP (which we never write) */
	pp_v2_begin(&e, b, sizeof(b), PP_CMD_PROXY, &s6, &d6);
	pp_v2_add_tlv(&e, PP2_TYPE_NOOP, "", 0);
	pp_v2_add_tlv(&e, PP2_TYPE_ALPN, "h2", 2);
	n = pp_v2_finish(&e);
	is_int(n, 57, "encode TCP6 + ALPN: length");
	ok(!memcmp(b, hand_v6, 15) && b[15] == 0x29 && !memcmp(b + 16, hand_v6 + 16, 36) &&
	       !memcmp(b + 52, hand_v6 + 55, 5),
	   "encode TCP6 + ALPN: bytes of the 2.2 layout");

	/* a v4 source with a v6 destination: both as IPv6, the v4 one mapped */
	pp_v2_begin(&e, b, sizeof(b), PP_CMD_PROXY, &s4, &d6);
	n = pp_v2_finish(&e);
	is_int(n, 52, "encode mixed families: TCP6 length");
	is_int(parse(b, (size_t)n, 0, &h), 52, "encode mixed families: decodes");
	is_str(addr_str(&h.src, b1, sizeof(b1)), "::ffff:192.0.2.1 40000",
	       "encode mixed families: v4 source mapped");

	/* refusals, sticky */
	memset(&un, 0, sizeof(un));
	un.ss_family = AF_UNIX;
	is_int(pp_v2_begin(&e, b, sizeof(b), PP_CMD_PROXY, &un, &d6), -EAFNOSUPPORT,
	       "encode AF_UNIX: -EAFNOSUPPORT");
	is_int(pp_v2_add_tlv_str(&e, PP2_TYPE_AUTHORITY, "x"), -EAFNOSUPPORT,
	       "encode: error is sticky (add_tlv)");
	is_int(pp_v2_finish(&e), -EAFNOSUPPORT, "encode: error is sticky (finish)");
	is_int(pp_v2_begin(&e, b, sizeof(b), PP_CMD_PROXY, NULL, &d6), -EINVAL,
	       "encode PROXY without source: -EINVAL");
	is_int(pp_v2_begin(&e, b, sizeof(b), 2, &s4, &d4), -EINVAL, "encode command 2: -EINVAL");
	is_int(pp_v2_begin(&e, b, 15, PP_CMD_LOCAL, NULL, NULL), -ENOSPC, "encode cap 15: -ENOSPC");
	is_int(pp_v2_begin(&e, b, 27, PP_CMD_PROXY, &s4, &d4), -ENOSPC, "encode TCP4 cap 27");
	is_int(pp_v2_begin(&e, b, 51, PP_CMD_PROXY, &s6, &d6), -ENOSPC, "encode TCP6 cap 51");
	is_int(pp_v2_begin(&e, b, 28, PP_CMD_PROXY, &s4, &d4), 0, "encode TCP4 cap 28");
	is_int(pp_v2_add_tlv(&e, PP_TLV_JA4, "x", 1), -ENOSPC, "encode TLV past cap: -ENOSPC");
	is_int(pp_v2_finish(&e), -ENOSPC, "encode TLV past cap: finish -ENOSPC");
	pp_v2_begin(&e, b, 32, PP_CMD_PROXY, &s4, &d4);
	is_int(pp_v2_add_tlv(&e, PP_TLV_JA4, "x", 1), 0, "encode TLV filling cap exactly");
	is_int(pp_v2_finish(&e), 32, "encode TLV filling cap exactly: 32");
	pp_v2_begin(&e, b, sizeof(b), PP_CMD_PROXY, &s4, &d4);
	is_int(pp_v2_add_tlv(&e, PP2_TYPE_CRC32C, "abcd", 4), -EINVAL,
	       "encode CRC32C through add_tlv: -EINVAL");
	pp_v2_begin(&e, b, sizeof(b), PP_CMD_PROXY, &s4, &d4);
	is_int(pp_v2_add_crc32c(&e), 0, "encode CRC32C");
	is_int(pp_v2_add_crc32c(&e), -EEXIST, "encode CRC32C twice: -EEXIST");

	/* the 16-bit length field: 12 + 3 + 65520 = 65535 fits, one more byte does not */
	memset(val, 'v', sizeof(val));
	pp_v2_begin(&e, big, sizeof(big), PP_CMD_PROXY, &s4, &d4);
	is_int(pp_v2_add_tlv(&e, 0xee, val, 65520), 0, "encode TLV to a length of 65535");
	is_int(pp_v2_finish(&e), PP_V2_MAX, "encode: header of 16 + 65535");
	is_int(parse(big, PP_V2_MAX, 0, &h), PP_V2_MAX, "decode: header of 16 + 65535");
	pp_v2_begin(&e, big, sizeof(big), PP_CMD_PROXY, &s4, &d4);
	is_int(pp_v2_add_tlv(&e, 0xee, val, 65521), -ENOSPC, "encode TLV to a length of 65536");
	pp_v2_begin(&e, big, sizeof(big), PP_CMD_LOCAL, NULL, NULL);
	is_int(pp_v2_add_tlv(&e, 0xee, val, 65536), -ENOSPC, "encode TLV value of 65536");
}

/* Everything huginn sends, through the encoder and back. */
static void test_round_trip(void)
{
	static const char *p0f = "4:64+0:0:1460:mss*44,7:mss,sok,ts,nop,ws:df,id+:0";
	static const char *os = "Linux 2.2.x-3.x";
	static const char *ja4 = "t13d1516h2_8daaf6152771_02713d6af862";
	static const char *ja4r = "t13d1516h2_002f,0035,009c_0005,000a_0403,0804";
	struct sockaddr_storage s[2][2] = {{sa("203.0.113.7", 51234), sa("10.1.2.3", 443)},
					   {sa("2001:db8:1::7", 1), sa("2001:db8:2::9", 65535)}};
	unsigned char b[512];
	struct pp_v2_enc e;
	struct pp_hdr h;
	char b1[80], b2[80];
	int i, n, leaks;
	size_t k, bit;

	for (i = 0; i < 2; i++) {
		pp_v2_begin(&e, b, sizeof(b), PP_CMD_PROXY, &s[i][0], &s[i][1]);
		pp_v2_add_tlv_str(&e, PP2_TYPE_AUTHORITY, "www.example.test");
		pp_v2_add_tlv_str(&e, PP_TLV_P0F, p0f);
		pp_v2_add_tlv_str(&e, PP_TLV_P0F_OS, os);
		pp_v2_add_tlv_str(&e, PP_TLV_JA4, ja4);
		pp_v2_add_tlv_str(&e, PP_TLV_JA4_R, ja4r);
		pp_v2_add_crc32c(&e);
		n = pp_v2_finish(&e);
		ok(n > 0, "round trip %d: encoded %d bytes", i, n);
		is_int(parse(b, (size_t)n, 0, &h), n, "round trip %d: decoded", i);
		is_int(h.command, PP_CMD_PROXY, "round trip %d: PROXY", i);
		is_int(h.fam, i ? PP_FAM_TCP6 : PP_FAM_TCP4, "round trip %d: family", i);
		is_str(addr_str(&h.src, b1, sizeof(b1)),
		       i ? "2001:db8:1::7 1" : "203.0.113.7 51234", "round trip %d: source", i);
		is_str(addr_str(&h.dst, b2, sizeof(b2)), i ? "2001:db8:2::9 65535" : "10.1.2.3 443",
		       "round trip %d: destination", i);
		ok(slice_is(h.authority, "www.example.test") && slice_is(h.p0f, p0f) &&
		       slice_is(h.p0f_os, os) && slice_is(h.ja4, ja4) && slice_is(h.ja4_r, ja4r),
		   "round trip %d: the five values", i);
		ok(h.has_crc32c, "round trip %d: CRC32C checked", i);
		prefixes(i ? "round trip TCP6" : "round trip TCP4", b, (size_t)n);

		/* 2.2.3: no single flipped bit gets past the checksum */
		leaks = 0;
		for (k = 0; k < (size_t)n; k++) {
			for (bit = 0; bit < 8; bit++) {
				b[k] ^= (unsigned char)(1u << bit);
				if (parse(b, (size_t)n, 0, &h) > 0 && h.has_crc32c)
					leaks++;
				b[k] ^= (unsigned char)(1u << bit);
			}
		}
		is_int(leaks, 0, "round trip %d: every bit flip is caught (or cuts the CRC off)",
		       i);
	}
}

/*
 * Captured from haproxy 2.6.12 (Debian 12) by test/e2e/t_pp_interop.sh: a TLS frontend on
 * 127.0.0.1:29633, curl from port 35886 with SNI pp.example.test, "server ...
 * send-proxy-v2 proxy-v2-options authority,crc32c".  haproxy computed the CRC32C.
 */
static const unsigned char hap_tls[] = {
    0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a, 0x21, 0x11,
    0x00, 0x25, 0x7f, 0x00, 0x00, 0x01, 0x7f, 0x00, 0x00, 0x01, 0x8c, 0x2e, 0x73, 0xc1,
    0x03, 0x00, 0x04, 0x37, 0xd1, 0x3e, 0xf3, 0x02, 0x00, 0x0f, 0x70, 0x70, 0x2e, 0x65,
    0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x2e, 0x74, 0x65, 0x73, 0x74};

static void test_haproxy_crc(void)
{
	struct sockaddr_storage s = sa("127.0.0.1", 35886), d = sa("127.0.0.1", 29633);
	unsigned char b[128];
	struct pp_v2_enc e;
	struct pp_hdr h;
	int n;

	good("haproxy authority+crc32c capture", hap_tls, sizeof(hap_tls), 53, PP_CMD_PROXY,
	     PP_FAM_TCP4, "127.0.0.1 35886", "127.0.0.1 29633");
	parse(hap_tls, sizeof(hap_tls), 0, &h);
	ok(h.has_crc32c, "haproxy capture: its CRC32C matches ours");
	ok(slice_is(h.authority, "pp.example.test"), "haproxy capture: authority = SNI");
	/* the same header from our encoder, TLVs in haproxy's order: the same bytes */
	pp_v2_begin(&e, b, sizeof(b), PP_CMD_PROXY, &s, &d);
	pp_v2_add_crc32c(&e);
	pp_v2_add_tlv_str(&e, PP2_TYPE_AUTHORITY, "pp.example.test");
	n = pp_v2_finish(&e);
	ok(n == (int)sizeof(hap_tls) && !memcmp(b, hap_tls, sizeof(hap_tls)),
	   "encode: byte for byte haproxy's header, CRC32C included");
}

int main(void)
{
	test_crc32c();
	test_v1_good();
	test_v1_bad();
	test_not_proxy();
	test_v2_good();
	test_v2_bad();
	test_encode();
	test_round_trip();
	test_haproxy_crc();
	return done_testing();
}
