/*
 * test_sha256.c - tls/sha256 against published vectors: the FIPS 180-4 examples
 * (NIST "Cryptographic Standards and Guidelines: Examples with Intermediate Values",
 * SHA256.pdf: "abc", the 448-bit and 896-bit messages), the one-million-'a' vector and
 * the empty message (NIST CAVP / RFC 6234 test suite), and the full SHA-256 printed in
 * FoxIO's JA4 specification (technical_details/JA4.md, "Extension hash").  Incremental
 * updates split at every offset must agree with the one-shot digest.
 */
#include <stdio.h>
#include <string.h>

#include "test/harness.h"
#include "tls/sha256.h"

static void hex(const uint8_t d[SHA256_DIGEST_LEN], char out[2 * SHA256_DIGEST_LEN + 1])
{
	int i;

	for (i = 0; i < SHA256_DIGEST_LEN; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static void one(const char *msg, size_t len, const char *want, const char *what)
{
	uint8_t d[SHA256_DIGEST_LEN];
	char h[2 * SHA256_DIGEST_LEN + 1];
	unsigned char *g = t_guarded(msg, len);

	sha256(g, len, d);
	hex(d, h);
	is_str(h, want, "sha256(%s)", what);
	t_guarded_free(g, len);
}

int main(void)
{
	static const char m448[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	static const char m896[] =
	    "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
	    "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
	static const char ja4ext[] = "0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,"
				     "4469,ff01_0403,0804,0401,0503,0805,0501,0806,0601";
	static char million[1000000];
	uint8_t d[SHA256_DIGEST_LEN], ref[SHA256_DIGEST_LEN];
	char h[2 * SHA256_DIGEST_LEN + 1];
	struct sha256_ctx c;
	size_t i, j, bad;

	one("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "abc");
	one(m448, strlen(m448), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
	    "448-bit message");
	one(m896, strlen(m896), "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1",
	    "896-bit message");
	one("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "empty");
	one(ja4ext, strlen(ja4ext),
	    "e5627efa2ab19723084c1033a96c694a45826ab5a460d2d3fd5ffcfe97161c95", "JA4.md example");

	memset(million, 'a', sizeof(million));
	one(million, sizeof(million),
	    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0", "one million a");

	/* The same million 'a' in uneven pieces (1, 2, 3, ... bytes). */
	sha256_init(&c);
	for (i = 0, j = 1; i < sizeof(million); i += j, j++)
		sha256_update(&c, million + i, j < sizeof(million) - i ? j : sizeof(million) - i);
	sha256_final(&c, d);
	hex(d, h);
	is_str(h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
	       "one million a in growing pieces");

	/* NULL with length 0 is a valid empty update. */
	sha256_init(&c);
	sha256_update(&c, NULL, 0);
	sha256_update(&c, "abc", 3);
	sha256_update(&c, NULL, 0);
	sha256_final(&c, d);
	hex(d, h);
	is_str(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
	       "abc with empty updates around it");

	/* Every split point (and every three-way split) of the 896-bit message, which spans
	 * the padding boundaries (55, 56, 63, 64 bytes) of one and two blocks. */
	sha256(m896, strlen(m896), ref);
	bad = 0;
	for (i = 0; i <= strlen(m896); i++) {
		for (j = i; j <= strlen(m896); j++) {
			sha256_init(&c);
			sha256_update(&c, m896, i);
			sha256_update(&c, m896 + i, j - i);
			sha256_update(&c, m896 + j, strlen(m896) - j);
			sha256_final(&c, d);
			bad += memcmp(d, ref, sizeof(d)) != 0;
		}
	}
	is_int(bad, 0, "three-way splits at every offset of the 896-bit message agree");

	/* Every prefix length around the block and padding boundaries hashes the same in one
	 * piece and byte by byte. */
	bad = 0;
	for (i = 0; i <= 200; i++) {
		sha256(million, i, ref);
		sha256_init(&c);
		for (j = 0; j < i; j++)
			sha256_update(&c, million + j, 1);
		sha256_final(&c, d);
		bad += memcmp(d, ref, sizeof(d)) != 0;
	}
	is_int(bad, 0, "byte-by-byte equals one-shot for lengths 0..200");
	return done_testing();
}
