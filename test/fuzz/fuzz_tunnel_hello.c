/*
 * fuzz_tunnel_hello.c - libFuzzer target for proxy/tunnel_hello.c: a passthrough
 * connection's first flight as tunnel.c hands it over (the bytes read so far, the
 * connection's buffer bound, the table's max_hello_bytes), then the PROXY v2 header built
 * from what it learnt and the access-log fields.
 *
 * Input: byte 0 picks max_hello_bytes (512..16384) and the TLV set, byte 1 the address
 * families and the slack of the buffer bound, byte 2 how many trailing bytes are the
 * accept hook's lines (fp); the rest is the client's stream.
 * Contracts: a result from the documented set; a decision is TLS or TCP; a refusal of a
 * malformed hello names its field; the SNI fits; JA4 is absent or JA4_LEN long; every
 * proper prefix of the stream needs more or gets the same verdict (same SNI and JA4);
 * the header fits PROXY_TUNNEL_HDR_CAP and decodes (pp_parse) to the same addresses and
 * exactly the TLVs that were asked for and known; the log fields are terminated and cut.
 */
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pp/pp.h"
#include "proxy/config_pt.h"
#include "proxy/tunnel_hello.h"
#include "test/fuzz_check.h"
#include "tls/ja4.h"

static int same(int r, const struct proxy_tunnel_facts *a, const struct proxy_tunnel_facts *b)
{
	if (r != PROXY_TUNNEL_DECIDED)
		return 1;
	if (a->kind != b->kind)
		return 0;
	if (a->kind != PROXY_TUNNEL_TLS)
		return 1;
	return a->sni_len == b->sni_len && !memcmp(a->sni, b->sni, a->sni_len) &&
	       !strcmp(a->ja4, b->ja4) && !strcmp(a->ja4_r, b->ja4_r);
}

static int slice_is(struct pp_slice s, const char *v, size_t n)
{
	return s.n == n && (!n || !memcmp(s.p, v, n));
}

static void addrs(uint8_t sel, const uint8_t *seed, size_t n, struct sockaddr_storage *peer,
		  struct sockaddr_storage *local)
{
	struct sockaddr_storage *ss[2] = {peer, local};

	/* One family for both ends (a socket pair): the bytes fill the addresses. */
	for (int i = 0; i < 2; i++) {
		memset(ss[i], 0, sizeof(*ss[i]));
		if (sel & 1) {
			struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss[i];

			a->sin6_family = AF_INET6;
			a->sin6_port = htons((uint16_t)(443 + i + sel));
			for (size_t k = 0; k < 16 && k < n; k++)
				a->sin6_addr.s6_addr[k] = seed[(k + 16 * (size_t)i) % n];
		} else {
			struct sockaddr_in *a = (struct sockaddr_in *)ss[i];

			a->sin_family = AF_INET;
			a->sin_port = htons((uint16_t)(443 + i + sel));
			a->sin_addr.s_addr =
			    htonl(0x0a000001u + (uint32_t)i + ((uint32_t)sel << 8));
		}
	}
}

static int addr_eq(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return 0;
	if (a->ss_family == AF_INET)
		return !memcmp(a, b, sizeof(struct sockaddr_in));
	return !memcmp(a, b, sizeof(struct sockaddr_in6));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct proxy_tunnel_facts f, g;
	static uint8_t hdr[PROXY_TUNNEL_HDR_CAP];
	static char line[1024];
	struct sockaddr_storage peer, local;
	struct pp_hdr ph;
	size_t max_hello, cap, len, fpn, k, vl;
	unsigned int tlvs;
	uint8_t *in, *msg;
	const char *v;
	int r, r2, h;

	if (size < 3)
		return 0;
	max_hello = PROXY_CONFIG_PT_HELLO_MIN + (size_t)data[0] * 62; /* 512..16322 */
	if (data[0] == 0xff)
		max_hello = PROXY_CONFIG_PT_HELLO_DEFAULT;
	tlvs = data[0] & PROXY_CONFIG_PT_TLV_ALL;
	fpn = data[2] % (PROXY_HOOK_LINES_MAX + 1);
	len = size - 3;
	if (fpn > len)
		fpn = len;
	len -= fpn;
	/* The connection's bound: tunnel.c allows max_hello_bytes and a little slack. */
	cap = max_hello + (size_t)(data[1] >> 1) * 8;
	if (len > cap)
		len = cap;
	/* Exact-size heap copies: ASan sees any read past the stream or the scratch. */
	in = malloc(len ? len : 1);
	msg = malloc(max_hello);
	CHECK(in && msg);
	memcpy(in, data + 3, len);

	memset(&f, 0, sizeof(f));
	f.ja4[0] = f.ja4_r[0] = '\0';
	r = proxy_tunnel_hello_classify(in, len, cap, msg, max_hello, &f);
	CHECK(r >= PROXY_TUNNEL_NEED_MORE && r <= PROXY_TUNNEL_MALFORMED);
	if (r == PROXY_TUNNEL_DECIDED)
		CHECK(f.kind == PROXY_TUNNEL_TLS || f.kind == PROXY_TUNNEL_TCP);
	if (r == PROXY_TUNNEL_MALFORMED)
		CHECK(f.err != NULL && f.err[0]);
	if (r == PROXY_TUNNEL_DECIDED && f.kind == PROXY_TUNNEL_TLS) {
		CHECK(f.sni_len < sizeof(f.sni));
		CHECK(memchr(f.ja4, 0, sizeof(f.ja4)) && memchr(f.ja4_r, 0, sizeof(f.ja4_r)));
		CHECK(!f.ja4[0] || strlen(f.ja4) == JA4_LEN);
	}

	/* Bytes arrive in pieces: a prefix needs more, or it already decides the same way, or
	 * both refuse (which refusal may differ: a prefix can only see a record too long for
	 * the buffer where the whole stream shows what is wrong inside that record). */
	k = len ? (data[1] * 257u + len * 13u) % len : 0;
	memset(&g, 0, sizeof(g));
	r2 = proxy_tunnel_hello_classify(in, k, cap, msg, max_hello, &g);
	CHECK(r2 == PROXY_TUNNEL_NEED_MORE || (r2 == r && same(r, &f, &g)) ||
	      (r2 > PROXY_TUNNEL_DECIDED && r > PROXY_TUNNEL_DECIDED));

	/* The PROXY header for what was learnt, with the hook's lines from the input. */
	if (r != PROXY_TUNNEL_DECIDED) {
		f.kind = PROXY_TUNNEL_UNDECIDED;
		f.sni_len = 0;
		f.ja4[0] = f.ja4_r[0] = '\0';
	}
	/* The hook writes printable lines ending in CRLF: control bytes other than CR become
	 * letters, so every value the lines hold is one the PROXY decoder takes. */
	for (k = 0; k < fpn; k++) {
		uint8_t c = data[3 + len + k];

		f.fp[k] = (char)(c == '\r' || (c >= 0x20 && c < 0x7f) ? c : 'a' + c % 26);
	}
	f.fp_len = (uint16_t)fpn;
	addrs(data[1], data + 3, len, &peer, &local);
	h = proxy_tunnel_hello_header(&f, tlvs, &peer, &local, hdr, sizeof(hdr));
	CHECK(h > PP_V2_HDR && (size_t)h <= sizeof(hdr));
	CHECK(pp_parse(hdr, (size_t)h, 0, &ph) == h);
	CHECK(ph.version == 2 && ph.command == PP_CMD_PROXY);
	CHECK(addr_eq(&ph.src, &peer) && addr_eq(&ph.dst, &local));
	CHECK(
	    slice_is(ph.authority, f.sni, (tlvs & PROXY_CONFIG_PT_TLV_AUTHORITY) ? f.sni_len : 0));
	CHECK(slice_is(ph.ja4, f.ja4, (tlvs & PROXY_CONFIG_PT_TLV_JA4) ? strlen(f.ja4) : 0));
	CHECK(
	    slice_is(ph.ja4_r, f.ja4_r, (tlvs & PROXY_CONFIG_PT_TLV_JA4_R) ? strlen(f.ja4_r) : 0));
	v = proxy_tunnel_hello_hook_value(&f, "x-tcp-p0f", &vl);
	CHECK(v ? v >= f.fp && v + vl <= f.fp + f.fp_len : vl == 0);
	if (tlvs & PROXY_CONFIG_PT_TLV_P0F)
		CHECK(v ? ph.p0f.n == vl && (!vl || !memcmp(ph.p0f.p, v, vl)) : ph.p0f.n == 0);
	v = proxy_tunnel_hello_hook_value(&f, "x-tcp-p0f-os", &vl);
	CHECK(v ? v >= f.fp && v + vl <= f.fp + f.fp_len : vl == 0);
	if (tlvs & PROXY_CONFIG_PT_TLV_P0F_OS)
		CHECK(v ? ph.p0f_os.n == vl && (!vl || !memcmp(ph.p0f_os.p, v, vl))
			: ph.p0f_os.n == 0);

	/* Access-log fields, whole and cut short. */
	k = proxy_tunnel_hello_fields(&f, data[1] & 2 ? "127.0.0.1:8443" : NULL, line,
				      sizeof(line));
	CHECK(k < sizeof(line) && strlen(line) == k);
	vl = 1 + data[2] % 40;
	k = proxy_tunnel_hello_fields(&f, "[::1]:8443", line, vl);
	CHECK(k < vl && strlen(line) == k);

	free(in);
	free(msg);
	return 0;
}
