/*
 * test_tls_hello.c - tls/hello: record reassembly, ClientHello parsing, preamble finding.
 *
 * Hellos are built field by field (test/tls_build.h), so each expected value is what the
 * test put in.  Inputs sit right before a PROT_NONE page: an over-read faults.
 */
#include <stdio.h>
#include <string.h>

#include "test/harness.h"
#include "test/tls_build.h"
#include "tls/hello.h"

static struct hb B;
static uint8_t wire[80000], msg[70000];

static const uint16_t CIPHERS[] = {0x1301, 0x0a0a, 0xc02f, 0x002f};
static const uint16_t VERS[] = {0x7a7a, 0x0304, 0x0303};
static const uint16_t SIGS[] = {0x0403, 0x0804, 0x0401};

/* A full hello: every decoded extension, a GREASE one, padding, pre_shared_key last. */
static void build_full(void)
{
	size_t at = hb_hello(&B, 0x0303, CIPHERS, 4, 32);

	hb_ext(&B, 0x2a2a, "", 0);
	hb_ext_sni(&B, "www.Example-1.test");
	hb_ext_alpn(&B, "h2\0http/1.1\0", 12);
	hb_ext_list(&B, 0x002b, 1, VERS, 3);
	hb_ext_list(&B, 0x000d, 2, SIGS, 3);
	hb_ext(&B, 0x0015, "\0\0\0\0", 4);
	hb_ext(&B, 0x0029, "\x00\x01\x02", 3);
	hb_close(&B, at, 2);
}

/* Read a stream through a guard page. */
static int read_g(const uint8_t *in, size_t len, size_t cap, struct tls_hello_rd *rd)
{
	unsigned char *g = t_guarded(in, len);
	int rc = tls_hello_read(g, len, msg, cap, rd);

	t_guarded_free(g, len);
	return rc;
}

static int parse_g(const uint8_t *m, size_t len, struct tls_hello *h)
{
	static uint8_t keep[70000];
	unsigned char *g = t_guarded(m, len);
	int rc = tls_hello_parse(g, len, h);

	/* Slices point into g: move them to a copy that outlives the guard mapping. */
	memcpy(keep, g, len);
	t_guarded_free(g, len);
	if (rc == 0)
		rc = tls_hello_parse(keep, len, h);
	return rc;
}

static void fields(void)
{
	struct tls_hello h;
	size_t i;

	build_full();
	if (!ok(parse_g(B.b, B.n, &h) == 0, "full hello parses"))
		return;
	is_int(h.legacy_version, 0x0303, "legacy_version");
	is_int(h.random[0], 0, "random[0]");
	is_int(h.random[31], 31, "random[31]");
	is_int(h.session_id_len, 32, "session id length");
	is_int(h.session_id[31], 0xee, "session id bytes");
	is_int(h.n_ciphers, 4, "4 cipher suites (GREASE kept)");
	for (i = 0; i < 4; i++)
		is_int(tls_hello_u16(h.ciphers, i), CIPHERS[i], "cipher %zu in order", i);
	is_int(h.n_compression, 1, "one compression method");
	is_int(h.n_ext, 7, "7 extensions");
	{
		static const uint16_t t[] = {0x2a2a, 0x0000, 0x0010, 0x002b,
					     0x000d, 0x0015, 0x0029};

		for (i = 0; i < 7; i++)
			is_int(h.ext_types[i], t[i], "extension %zu type in order", i);
	}
	ok(h.has_sni && h.sni_len == 18 && memcmp(h.sni, "www.Example-1.test", 18) == 0, "SNI");
	ok(h.has_alpn && h.n_alpn == 2 && h.alpn_len == 12 && h.alpn[0] == 2 &&
	       memcmp(h.alpn + 1, "h2", 2) == 0,
	   "ALPN list");
	ok(h.has_versions && h.n_versions == 3 && tls_hello_u16(h.versions, 1) == 0x0304,
	   "supported_versions");
	ok(h.has_sigalgs && h.n_sigalgs == 3 && tls_hello_u16(h.sigalgs, 2) == 0x0401,
	   "signature_algorithms in order");
	ok(h.has_ext_block, "extension block seen");

	/* GREASE helper: all 16 RFC 8701 values, and near misses. */
	for (i = 0; i < 16; i++)
		ok(tls_hello_is_grease((uint16_t)(i << 12 | 0xa << 8 | i << 4 | 0xa)),
		   "GREASE %04zx", i << 12 | 0xa << 8 | i << 4 | 0xa);
	ok(!tls_hello_is_grease(0x0a1a), "0a1a is not GREASE");
	ok(!tls_hello_is_grease(0x0b0b), "0b0b is not GREASE");
	ok(!tls_hello_is_grease(0xaaa0), "aaa0 is not GREASE");
	ok(!tls_hello_is_grease(0x0000), "0000 is not GREASE");
}

static void records(void)
{
	struct tls_hello_rd rd;
	struct tls_hello h;
	size_t n, cut, k, bad_need = 0, bad_done = 0, bad_prefix = 0;
	int rc;

	build_full();
	n = hb_records(B.b, B.n, 16384, 0x0301, wire);
	rc = read_g(wire, n, TLS_HELLO_MAX_DEFAULT, &rd);
	is_int(rc, (int)n, "one record: consumed = stream length");
	is_int(rd.msg_len, B.n, "one record: body length");
	is_int(rd.rec_version, 0x0301, "record version kept");
	is_int(rd.n_records, 1, "one record");
	ok(memcmp(msg, B.b, B.n) == 0, "one record: body copied");

	/* Every record size from 1 byte up: same body, consumed = everything. */
	for (cut = 1; cut <= B.n + 4; cut++) {
		n = hb_records(B.b, B.n, cut, 0x0303, wire);
		rc = tls_hello_read(wire, n, msg, TLS_HELLO_MAX_DEFAULT, &rd);
		if (rc != (int)n || rd.msg_len != B.n || memcmp(msg, B.b, B.n) ||
		    rd.n_records != (B.n + 4 + cut - 1) / cut)
			bad_done++;
	}
	is_int(bad_done, 0, "records of every size 1..%zu reassemble", B.n + 4);

	/* Two records split at every byte boundary of the handshake message. */
	bad_done = 0;
	for (k = 1; k < B.n + 4; k++) {
		uint8_t hs[1024];
		size_t o = 0;

		hs[0] = 1, hs[1] = 0, hs[2] = (uint8_t)(B.n >> 8), hs[3] = (uint8_t)B.n;
		memcpy(hs + 4, B.b, B.n);
		wire[o++] = 22, wire[o++] = 3, wire[o++] = 1;
		wire[o++] = (uint8_t)(k >> 8), wire[o++] = (uint8_t)k;
		memcpy(wire + o, hs, k), o += k;
		wire[o++] = 22, wire[o++] = 3, wire[o++] = 3;
		wire[o++] = (uint8_t)((B.n + 4 - k) >> 8), wire[o++] = (uint8_t)(B.n + 4 - k);
		memcpy(wire + o, hs + k, B.n + 4 - k), o += B.n + 4 - k;
		rc = read_g(wire, o, TLS_HELLO_MAX_DEFAULT, &rd);
		if (rc != (int)o || rd.n_records != 2 || memcmp(msg, B.b, B.n))
			bad_done++;
		/* ... and every prefix of that stream needs more, asking for a length between
		 * what it has and the whole. */
		for (n = 0; n < o; n++) {
			rc = read_g(wire, n, TLS_HELLO_MAX_DEFAULT, &rd);
			if (rc != TLS_HELLO_NEED_MORE)
				bad_prefix++;
			else if (rd.need <= n || rd.need > o)
				bad_need++;
		}
	}
	is_int(bad_done, 0, "two records split at every boundary reassemble");
	is_int(bad_prefix, 0, "every prefix of every split -> need-more");
	is_int(bad_need, 0, "need is past the prefix and within the stream");

	/* Bytes after the hello's records (the next flight) are not consumed. */
	n = hb_records(B.b, B.n, 100, 0x0301, wire);
	memcpy(wire + n, "\x17\x03\x03\x00\x01\x00", 6);
	is_int(read_g(wire, n + 6, TLS_HELLO_MAX_DEFAULT, &rd), (int)n,
	       "later records are left to the caller");
	ok(parse_g(msg, rd.msg_len, &h) == 0, "reassembled body parses");
}

/* Break one byte of a one-record stream and expect an error naming the field. */
static void rec_err(size_t at, uint8_t v, int want_rc, const char *want, size_t want_off)
{
	struct tls_hello_rd rd;
	size_t n;
	int rc;

	build_full();
	n = hb_records(B.b, B.n, 100, 0x0301, wire);
	wire[at] = v;
	rc = read_g(wire, n, TLS_HELLO_MAX_DEFAULT, &rd);
	is_int(rc, want_rc, "byte %zu = %02x -> %d", at, v, want_rc);
	if (want) {
		is_str(rd.err, want, "byte %zu = %02x names the field", at, v);
		is_int(rd.err_off, want_off, "byte %zu = %02x error offset", at, v);
	}
}

static void record_errors(void)
{
	struct tls_hello_rd rd;
	size_t n;

	/* Records of 100 bytes: record 2 starts at 105. */
	rec_err(0, 0x17, TLS_HELLO_NOT_TLS, NULL, 0);
	rec_err(1, 0x02, TLS_HELLO_NOT_TLS, NULL, 0);
	rec_err(2, 0x04, TLS_HELLO_ERROR, "record: version", 1);
	rec_err(105, 0x17, TLS_HELLO_ERROR, "record: content type", 105);
	rec_err(106, 0x02, TLS_HELLO_ERROR, "record: version", 106);
	rec_err(107, 0x04, TLS_HELLO_ERROR, "record: version", 106);
	rec_err(5, 0x02, TLS_HELLO_ERROR, "handshake: not a client_hello", 5);
	rec_err(6, 0x01, TLS_HELLO_TOO_LARGE, "handshake: client_hello over the size limit", 6);

	build_full();
	n = hb_records(B.b, B.n, 100, 0x0301, wire);
	wire[3] = 0, wire[4] = 0;
	read_g(wire, n, TLS_HELLO_MAX_DEFAULT, &rd);
	is_str(rd.err, "record: zero length", "zero-length record");
	wire[3] = 0x40, wire[4] = 0x01;
	is_int(read_g(wire, n, TLS_HELLO_MAX_DEFAULT, &rd), TLS_HELLO_ERROR, "2^14+1 record");
	is_str(rd.err, "record: length over 2^14", "2^14+1 record names the field");

	/* A record that goes on after the hello ends. */
	n = hb_records(B.b, B.n, 16384, 0x0301, wire);
	wire[n] = 0x00;
	wire[4]++;
	is_int(read_g(wire, n + 1, TLS_HELLO_MAX_DEFAULT, &rd), TLS_HELLO_ERROR,
	       "handshake data after the hello in its record");
	is_str(rd.err, "record: data after the client_hello", "... names it");
	is_int(rd.err_off, n, "... at the first extra byte");

	/* Size limit: exactly the body fits, one byte less does not. */
	n = hb_records(B.b, B.n, 16384, 0x0301, wire);
	is_int(read_g(wire, n, B.n, &rd), (int)n, "limit = body length: accepted");
	is_int(read_g(wire, n, B.n - 1, &rd), TLS_HELLO_TOO_LARGE, "limit = body - 1: too large");
	is_int(rd.err_off, 6, "too large: offset of the handshake length");
	/* Oversized hellos are refused as soon as the length is seen, not after 16 KiB. */
	memcpy(wire, "\x16\x03\x01\x40\x00\x01\x00\x40\x01", 9);
	is_int(read_g(wire, 9, TLS_HELLO_MAX_DEFAULT, &rd), TLS_HELLO_TOO_LARGE,
	       "16 KiB + 1 hello refused from its header");
	memcpy(wire, "\x16\x03\x01\x00\x04\x01\x00\x00\x00", 9);
	is_int(read_g(wire, 9, TLS_HELLO_MAX_DEFAULT, &rd), TLS_HELLO_ERROR, "empty hello");

	/* Not TLS at all: the caller forwards these unchanged. */
	is_int(read_g((const uint8_t *)"GET / HTTP/1.1\r\n", 16, 16384, &rd), TLS_HELLO_NOT_TLS,
	       "HTTP request is not TLS");
	is_int(read_g((const uint8_t *)"\x80\x2e\x01\x00\x02", 5, 16384, &rd), TLS_HELLO_NOT_TLS,
	       "SSL 2.0 hello is not TLS");
	is_int(read_g((const uint8_t *)"", 0, 16384, &rd), TLS_HELLO_NEED_MORE, "0 bytes");
	is_int(rd.need, 1, "0 bytes: need 1");
	is_int(read_g((const uint8_t *)"\x16", 1, 16384, &rd), TLS_HELLO_NEED_MORE, "1 byte");
	is_int(rd.need, 2, "1 byte: need 2");
	is_int(read_g((const uint8_t *)"\x16\x03\x01\x00\x10\x01", 6, 16384, &rd),
	       TLS_HELLO_NEED_MORE, "record header + 1 byte");
	is_int(rd.need, 21, "need = end of the record");
}

/* Parse a broken copy of the full hello; expect the named field at the offset. */
static void perr(const char *what, size_t at, const uint8_t *v, size_t nv, int want_rc,
		 const char *want, size_t want_off)
{
	struct tls_hello h;
	int rc;

	build_full();
	memcpy(B.b + at, v, nv);
	rc = parse_g(B.b, B.n, &h);
	is_int(rc, want_rc, "%s -> %d", what, want_rc);
	is_str(h.err, want, "%s names the field", what);
	is_int(h.err_off, want_off, "%s error offset", what);
}

static void parse_errors(void)
{
	struct tls_hello h;
	size_t n, bad = 0, valid = 0, cs, ext;
	int rc;

	/* Offsets in the full hello: version 0, random 2, sid len 34, sid 35, cipher length
	 * 67, ciphers 69..76, compression 77, 78, extensions length 79, first extension 81
	 * (GREASE 2a2a, 4 bytes), SNI at 85. */
	cs = 67;
	ext = 79;
	perr("legacy_version 2.0", 0, (const uint8_t *)"\x02\x00", 2, TLS_HELLO_ERROR,
	     "legacy_version: not 3.x", 0);
	perr("session id 33", 34, (const uint8_t *)"\x21", 1, TLS_HELLO_ERROR,
	     "legacy_session_id: over 32 bytes", 34);
	perr("cipher length odd", cs, (const uint8_t *)"\x00\x07", 2, TLS_HELLO_ERROR,
	     "cipher_suites: length", cs);
	perr("cipher length 0", cs, (const uint8_t *)"\x00\x00", 2, TLS_HELLO_ERROR,
	     "cipher_suites: length", cs);
	perr("cipher length past the end", cs, (const uint8_t *)"\x7f\xfe", 2, TLS_HELLO_ERROR,
	     "cipher_suites: length", cs);
	perr("compression length 0", 77, (const uint8_t *)"\x00", 1, TLS_HELLO_ERROR,
	     "legacy_compression_methods: length", 77);
	perr("compression without null", 78, (const uint8_t *)"\x01", 1, TLS_HELLO_ERROR,
	     "legacy_compression_methods: no null", 78);
	perr("extensions length short", ext, (const uint8_t *)"\x00\x10", 2, TLS_HELLO_ERROR,
	     "extensions: length", ext);
	perr("extension length past the block", 83, (const uint8_t *)"\x7f\x00", 2, TLS_HELLO_ERROR,
	     "extension: length", 83);
	perr("pre_shared_key first", 81, (const uint8_t *)"\x00\x29", 2, TLS_HELLO_ERROR,
	     "pre_shared_key: not last", 85);
	perr("SNI list length", 89, (const uint8_t *)"\x00\x20", 2, TLS_HELLO_ERROR,
	     "server_name: list length", 89);
	perr("SNI name type 1", 91, (const uint8_t *)"\x01", 1, TLS_HELLO_ERROR,
	     "server_name: name type", 91);
	perr("SNI bad character", 94 + 3, (const uint8_t *)"/", 1, TLS_HELLO_ERROR,
	     "server_name: host_name syntax", 94);
	perr("SNI empty label", 94 + 4, (const uint8_t *)".", 1, TLS_HELLO_ERROR,
	     "server_name: host_name syntax", 94);
	perr("SNI trailing dot", 94 + 17, (const uint8_t *)".", 1, TLS_HELLO_ERROR,
	     "server_name: host_name syntax", 94);
	perr("SNI leading dot", 94, (const uint8_t *)".", 1, TLS_HELLO_ERROR,
	     "server_name: host_name syntax", 94);
	perr("SNI NUL", 94 + 5, (const uint8_t *)"\0", 1, TLS_HELLO_ERROR,
	     "server_name: host_name syntax", 94);
	perr("SNI name length", 92, (const uint8_t *)"\x00\x13", 2, TLS_HELLO_ERROR,
	     "server_name: host_name length", 92);
	/* ALPN at 112: type(2) len(2) list(2) = 0x000c, "\x02h2", "\x08http/1.1". */
	perr("ALPN empty name", 118, (const uint8_t *)"\x00", 1, TLS_HELLO_ERROR,
	     "alpn: empty protocol name", 118);
	perr("ALPN name overrun", 121, (const uint8_t *)"\x09", 1, TLS_HELLO_ERROR,
	     "alpn: protocol name length", 121);
	perr("ALPN list length", 116, (const uint8_t *)"\x00\x0b", 2, TLS_HELLO_ERROR,
	     "alpn: list length", 116);
	/* supported_versions at 130: type len(0x0007) list-len(6) values. */
	perr("supported_versions odd", 134, (const uint8_t *)"\x05", 1, TLS_HELLO_ERROR,
	     "supported_versions: length", 134);
	/* signature_algorithms at 141: type len(8) list-len(6). */
	perr("signature_algorithms odd", 145, (const uint8_t *)"\x00\x05", 2, TLS_HELLO_ERROR,
	     "signature_algorithms: length", 145);
	perr("signature_algorithms empty", 145, (const uint8_t *)"\x00\x00", 2, TLS_HELLO_ERROR,
	     "signature_algorithms: length", 145);

	/* A type repeated (0x0015 padding renamed to 0x0010 ALPN). */
	perr("duplicate ALPN", 153, (const uint8_t *)"\x00\x10", 2, TLS_HELLO_ERROR,
	     "extension: duplicate type", 153);

	/* Every truncation of the full hello is an error, except the one that ends right
	 * after the compression methods (a hello without extensions is valid). */
	build_full();
	for (n = 0; n < B.n; n++) {
		rc = parse_g(B.b, n, &h);
		if (rc == 0 && n == ext)
			valid++;
		else if (rc != TLS_HELLO_ERROR || !h.err || h.err_off > n)
			bad++;
	}
	is_int(bad, 0, "every truncation of the body -> error inside it");
	is_int(valid, 1, "the hello cut after compression is a valid one without extensions");
	build_full();
	is_int(parse_g(B.b, B.n + 1, &h), TLS_HELLO_ERROR, "one byte too many -> error");

	/* An empty extensions block, and an SNI with two host_names. */
	{
		uint16_t c[] = {0x002f};
		size_t at = hb_hello(&B, 0x0301, c, 1, 0);

		hb_close(&B, at, 2);
		ok(parse_g(B.b, B.n, &h) == 0 && h.has_ext_block && h.n_ext == 0,
		   "empty extensions block");
		at = hb_hello(&B, 0x0301, c, 1, 0);
		hb_ext(&B, 0x0000,
		       "\x00\x08\x00\x00\x01"
		       "a\x00\x00\x01"
		       "b",
		       10);
		hb_close(&B, at, 2);
		is_int(parse_g(B.b, B.n, &h), TLS_HELLO_ERROR, "two host_names");
		is_str(h.err, "server_name: second host_name", "two host_names named");
		at = hb_hello(&B, 0x0301, c, 1, 0);
		hb_ext(&B, 0x0010, "", 0);
		hb_close(&B, at, 2);
		is_int(parse_g(B.b, B.n, &h), TLS_HELLO_ERROR, "empty ALPN extension");
		is_str(h.err, "alpn: truncated list length", "empty ALPN extension named");
		at = hb_hello(&B, 0x0301, c, 1, 0);
		hb_ext(&B, 0x0010, "\x00\x00", 2);
		hb_close(&B, at, 2);
		is_int(parse_g(B.b, B.n, &h), TLS_HELLO_ERROR, "ALPN with an empty list");
		is_str(h.err, "alpn: list length", "ALPN with an empty list named");
	}
}

static void limits(void)
{
	static uint16_t many[TLS_HELLO_MAX_CIPHERS + 1];
	struct tls_hello h;
	size_t i, at;

	for (i = 0; i <= TLS_HELLO_MAX_CIPHERS; i++)
		many[i] = (uint16_t)(0x0100 + i);
	at = hb_hello(&B, 0x0303, many, TLS_HELLO_MAX_CIPHERS, 0);
	hb_close(&B, at, 2);
	is_int(parse_g(B.b, B.n, &h), 0, "%d cipher suites accepted", TLS_HELLO_MAX_CIPHERS);
	at = hb_hello(&B, 0x0303, many, TLS_HELLO_MAX_CIPHERS + 1, 0);
	hb_close(&B, at, 2);
	is_int(parse_g(B.b, B.n, &h), TLS_HELLO_TOO_LARGE, "%d cipher suites refused",
	       TLS_HELLO_MAX_CIPHERS + 1);
	is_str(h.err, "cipher_suites: too many", "too many suites named");

	at = hb_hello(&B, 0x0303, many, 1, 0);
	for (i = 0; i < TLS_HELLO_MAX_EXTS; i++)
		hb_ext(&B, 0x1000 + i, "", 0);
	hb_close(&B, at, 2);
	is_int(parse_g(B.b, B.n, &h), 0, "%d extensions accepted", TLS_HELLO_MAX_EXTS);
	at = hb_hello(&B, 0x0303, many, 1, 0);
	for (i = 0; i <= TLS_HELLO_MAX_EXTS; i++)
		hb_ext(&B, 0x1000 + i, "", 0);
	hb_close(&B, at, 2);
	is_int(parse_g(B.b, B.n, &h), TLS_HELLO_TOO_LARGE, "%d extensions refused",
	       TLS_HELLO_MAX_EXTS + 1);
	is_str(h.err, "extensions: too many", "too many extensions named");

	at = hb_hello(&B, 0x0303, many, 1, 0);
	hb_ext_list(&B, 0x000d, 2, many, TLS_HELLO_MAX_SIGALGS + 1);
	hb_close(&B, at, 2);
	is_int(parse_g(B.b, B.n, &h), TLS_HELLO_TOO_LARGE, "%d signature algorithms refused",
	       TLS_HELLO_MAX_SIGALGS + 1);

	/* SNI name limits: 63-byte label and 255 bytes are fine, 64 and 256 are not. */
	{
		char name[300];

		memset(name, 'a', 63);
		name[63] = 0;
		at = hb_hello(&B, 0x0303, many, 1, 0);
		hb_ext_sni(&B, name);
		hb_close(&B, at, 2);
		is_int(parse_g(B.b, B.n, &h), 0, "63-byte label");
		memset(name, 'a', 64);
		name[64] = 0;
		at = hb_hello(&B, 0x0303, many, 1, 0);
		hb_ext_sni(&B, name);
		hb_close(&B, at, 2);
		is_int(parse_g(B.b, B.n, &h), TLS_HELLO_ERROR, "64-byte label");
		for (i = 0; i < 255; i++)
			name[i] = i % 2 ? '.' : 'x';
		name[254] = 'x';
		name[255] = 0;
		at = hb_hello(&B, 0x0303, many, 1, 0);
		hb_ext_sni(&B, name);
		hb_close(&B, at, 2);
		is_int(parse_g(B.b, B.n, &h), 0, "255-byte name");
		name[255] = 'x';
		name[256] = 0;
		name[254] = '.';
		at = hb_hello(&B, 0x0303, many, 1, 0);
		hb_ext_sni(&B, name);
		hb_close(&B, at, 2);
		is_int(parse_g(B.b, B.n, &h), TLS_HELLO_ERROR, "256-byte name");
	}
}

static int find_g(const void *p, size_t n)
{
	unsigned char *g = t_guarded(p, n);
	int rc = tls_hello_find(g, n);

	t_guarded_free(g, n);
	return rc;
}

/* pre must be followed by the TLS byte in the buffer: check the offset and prefixes. */
static void find_case(const char *what, const void *pre, size_t npre)
{
	uint8_t buf[600];
	size_t n, bad = 0;

	memcpy(buf, pre, npre);
	memcpy(buf + npre, "\x16\x03\x01", 3);
	is_int(find_g(buf, npre + 3), (int)npre, "%s: handshake at %zu", what, npre);
	for (n = 0; n <= npre; n++)
		bad += find_g(buf, n) != TLS_HELLO_NEED_MORE;
	is_int(bad, 0, "%s: every prefix up to the handshake -> need-more", what);
	buf[npre] = 'G';
	is_int(find_g(buf, npre + 3), TLS_HELLO_NOT_TLS, "%s then not TLS", what);
}

static void find(void)
{
	static const uint8_t s4[] = {4, 1, 0x01, 0xbb, 10, 0, 0, 1, 'b', 'o', 'b', 0};
	static const uint8_t s4a[] = {4, 1,   0x01, 0xbb, 0,   0,   0,	 9,
				      0, 'e', 'x',  '.',  'o', 'r', 'g', 0};
	static const uint8_t s5[] = {5, 2, 0, 2, 5, 1, 0, 1, 127, 0, 0, 1, 0x01, 0xbb};
	static const uint8_t s5d[] = {5,   1,	0,   5,	  1,   0,   3,	  6,
				      'e', 'x', '.', 'o', 'r', 'g', 0x01, 0xbb};
	static const uint8_t s5v6[] = {5, 1, 0, 5, 1, 0, 4, 0, 0, 0, 0,	   0,	0,
				       0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0x01, 0xbb};
	static const uint8_t s5auth[] = {5, 1, 2, 1, 3,	  'b', 'o', 'b', 2,    'p', 'w',
					 5, 1, 0, 1, 127, 0,   0,   1,	 0x01, 0xbb};
	static const char conn[] = "CONNECT ex.org:443 HTTP/1.1\r\nHost: ex.org:443\r\n\r\n";
	static uint8_t big[TLS_HELLO_PREAMBLE_MAX + 16];

	is_int(find_g("\x16\x03\x01", 3), 0, "TLS first: offset 0");
	is_int(find_g("", 0), TLS_HELLO_NEED_MORE, "empty: need more");
	is_int(find_g("GET / HTTP/1.1\r\n\r\n", 18), TLS_HELLO_NOT_TLS, "GET: not TLS");
	find_case("SOCKS4", s4, sizeof(s4));
	find_case("SOCKS4a", s4a, sizeof(s4a));
	find_case("SOCKS5 IPv4", s5, sizeof(s5));
	find_case("SOCKS5 domain", s5d, sizeof(s5d));
	find_case("SOCKS5 IPv6", s5v6, sizeof(s5v6));
	find_case("SOCKS5 user/password", s5auth, sizeof(s5auth));
	find_case("HTTP CONNECT", conn, strlen(conn));
	is_int(find_g("\x04\x02\x01\xbb\x0a\x00\x00\x01\x00\x16", 10), TLS_HELLO_NOT_TLS,
	       "SOCKS4 BIND: not TLS");
	is_int(find_g("\x05\x01\x00\x05\x02\x00\x01\x7f\x00\x00\x01\x01\xbb\x16", 14),
	       TLS_HELLO_NOT_TLS, "SOCKS5 BIND: not TLS");
	is_int(find_g("\x05\x01\x00\x05\x01\x00\x07", 7), TLS_HELLO_NOT_TLS,
	       "SOCKS5 bad address type");
	is_int(find_g("CONNECX ", 8), TLS_HELLO_NOT_TLS, "CONNECX: not TLS");
	memcpy(big, "CONNECT ", 8);
	memset(big + 8, 'a', sizeof(big) - 8);
	is_int(find_g(big, sizeof(big)), TLS_HELLO_NOT_TLS, "CONNECT head over the limit");
	big[0] = 4, big[1] = 1;
	is_int(find_g(big, sizeof(big)), TLS_HELLO_NOT_TLS, "SOCKS4 user id over the limit");
}

int main(void)
{
	fields();
	records();
	record_errors();
	parse_errors();
	limits();
	find();
	return done_testing();
}
