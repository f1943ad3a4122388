/*
 * ja4.c - JA4, JA4_r, JA4_o, JA4_ro from a parsed ClientHello (ja4.h).  The rules, from
 * FoxIO's technical_details/JA4.md, are quoted where they are applied.
 */
#include "tls/ja4.h"

#include <errno.h>
#include <string.h>

#include "tls/sha256.h"

static const char hexd[] = "0123456789abcdef";

/* Output: the caller's buffer, or a SHA-256 when a list is hashed. */
struct w {
	char *out;
	size_t cap, n;
	int full;
	struct sha256_ctx *sha;
};

static void put(struct w *w, const char *p, size_t n)
{
	if (w->sha) {
		sha256_update(w->sha, p, n);
		return;
	}
	if (w->full || w->cap - w->n <= n) { /* keep a byte for the NUL */
		w->full = 1;
		return;
	}
	memcpy(w->out + w->n, p, n);
	w->n += n;
}

/* "4 character hex values ..., lower case, comma delimited" */
static void put_list(struct w *w, const uint16_t *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char s[5] = {hexd[v[i] >> 12], hexd[v[i] >> 8 & 15], hexd[v[i] >> 4 & 15],
			     hexd[v[i] & 15], ','};

		put(w, s, i + 1 < n ? 5 : 4);
	}
}

static void sort16(uint16_t *v, size_t n)
{
	size_t i, j;

	for (i = 1; i < n; i++) {
		uint16_t x = v[i];

		for (j = i; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

/* Non-GREASE values of a 16-bit big-endian list. */
static size_t strip16(const uint8_t *list, size_t n, uint16_t *out)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		uint16_t v = tls_hello_u16(list, i);

		if (!tls_hello_is_grease(v))
			out[k++] = v;
	}
	return k;
}

static const char *version_code(const struct tls_hello *h)
{
	/* "If extension 0x002b exists (supported_versions), then the version is the highest
	 * value in the extension. Remember to ignore GREASE values. If the extension doesn't
	 * exist, then the TLS version is the value of the Protocol Version."  A list of only
	 * GREASE has no highest value: we fall back to legacy_version then. */
	static const struct {
		uint16_t v;
		char code[3];
	} map[] = {
	    {0x0304, "13"}, {0x0303, "12"}, {0x0302, "11"}, {0x0301, "10"}, {0x0300, "s3"},
	    {0x0002, "s2"}, {0xfeff, "d1"}, {0xfefd, "d2"}, {0xfefc, "d3"},
	};
	unsigned v = h->legacy_version, best = 0, found = 0;
	size_t i;

	for (i = 0; h->has_versions && i < h->n_versions; i++) {
		uint16_t x = tls_hello_u16(h->versions, i);

		if (!tls_hello_is_grease(x) && (!found || x > best))
			best = x, found = 1;
	}
	if (found)
		v = best;
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (map[i].v == v)
			return map[i].code;
	return "00"; /* "Unknown" */
}

static int alnum(uint8_t c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static void alpn_code(const struct tls_hello *h, char out[2])
{
	const uint8_t *p;
	size_t n;

	/* "If there is no ALPN extension, no ALPN values, or the first ALPN value is empty,
	 * then we print "00"" */
	out[0] = out[1] = '0';
	if (!h->has_alpn || !h->alpn || h->n_alpn == 0 || h->alpn_len < 1 || h->alpn[0] == 0 ||
	    h->alpn[0] > h->alpn_len - 1)
		return;
	p = h->alpn + 1;
	n = h->alpn[0];
	/* "The first and last alphanumeric characters of the ALPN first value"; one
	 * character is both; a non-alphanumeric first or last byte: the first and last
	 * characters of the hex representation of the whole first value instead. */
	if (alnum(p[0]) && alnum(p[n - 1])) {
		out[0] = (char)p[0];
		out[1] = (char)p[n - 1];
	} else {
		out[0] = hexd[p[0] >> 4];
		out[1] = hexd[p[n - 1] & 15];
	}
}

/* Write the 12-character truncated hash of what put() fed into sha. */
static void put_hash(struct w *w, struct sha256_ctx *sha)
{
	uint8_t d[SHA256_DIGEST_LEN];
	char s[12];
	int i;

	sha256_final(sha, d);
	for (i = 0; i < 6; i++) {
		s[2 * i] = hexd[d[i] >> 4];
		s[2 * i + 1] = hexd[d[i] & 15];
	}
	put(w, s, sizeof(s));
}

int ja4_render(const struct tls_hello *h, char proto, unsigned flags, char *out, size_t cap)
{
	uint16_t ciph[TLS_HELLO_MAX_CIPHERS], ext[TLS_HELLO_MAX_EXTS], sig[TLS_HELLO_MAX_SIGALGS];
	size_t nc, ne = 0, ns = 0, n_ext_all = 0, i;
	struct sha256_ctx sha;
	struct w w = {out, cap, 0, 0, NULL};
	char a[10];

	if ((proto != 't' && proto != 'q' && proto != 'd') || (flags & ~3u))
		return -EINVAL;
	if (h->n_ciphers > TLS_HELLO_MAX_CIPHERS || h->n_ext > TLS_HELLO_MAX_EXTS ||
	    h->n_sigalgs > TLS_HELLO_MAX_SIGALGS || (h->n_ciphers && !h->ciphers) ||
	    (h->n_sigalgs && !h->sigalgs) || (h->n_versions && !h->versions))
		return -EINVAL;
	if (cap == 0)
		return -ENOSPC;

	nc = strip16(h->ciphers, h->n_ciphers, ciph);
	for (i = 0; i < h->n_ext; i++) {
		uint16_t t = h->ext_types[i];

		if (tls_hello_is_grease(t))
			continue;
		n_ext_all++; /* "Ignore GREASE. Include SNI and ALPN." */
		/* Sorted forms: "Ignore the SNI extension (0000) and the ALPN extension (0010)";
		 * the original-order forms keep them. */
		if (!(flags & JA4_ORIGINAL) && (t == TLS_EXT_SERVER_NAME || t == TLS_EXT_ALPN))
			continue;
		ext[ne++] = t;
	}
	if (h->has_sigalgs)
		ns = strip16(h->sigalgs, h->n_sigalgs, sig);
	if (!(flags & JA4_ORIGINAL)) {
		sort16(ciph, nc);
		sort16(ext, ne);
	}

	/* Part a: protocol, version, SNI, counts ("> 99 ... output 99"), ALPN. */
	a[0] = proto;
	memcpy(a + 1, version_code(h), 2);
	a[3] = h->has_sni ? 'd' : 'i';
	a[4] = (char)('0' + (nc > 99 ? 99 : nc) / 10);
	a[5] = (char)('0' + (nc > 99 ? 99 : nc) % 10);
	a[6] = (char)('0' + (n_ext_all > 99 ? 99 : n_ext_all) / 10);
	a[7] = (char)('0' + (n_ext_all > 99 ? 99 : n_ext_all) % 10);
	alpn_code(h, a + 8);
	put(&w, a, sizeof(a));
	put(&w, "_", 1);

	/* Part b: the cipher list. "If there are no ciphers in the sorted cipher list, then
	 * the value of JA4_b is set to 000000000000". */
	if (flags & JA4_RAW) {
		put_list(&w, ciph, nc);
	} else if (nc == 0) {
		put(&w, "000000000000", 12);
	} else {
		sha256_init(&sha);
		w.sha = &sha;
		put_list(&w, ciph, nc);
		w.sha = NULL;
		put_hash(&w, &sha);
	}
	put(&w, "_", 1);

	/* Part c: extensions, then "_" and the signature algorithms in their order; "If there
	 * are no signature algorithms in the hello packet, then the string ends without an
	 * underscore"; "If there are no extensions in the sorted extensions list, then the
	 * value of JA4_c is set to 000000000000". */
	if (!(flags & JA4_RAW) && ne == 0) {
		put(&w, "000000000000", 12);
	} else {
		if (!(flags & JA4_RAW)) {
			sha256_init(&sha);
			w.sha = &sha;
		}
		put_list(&w, ext, ne);
		if (ns) {
			put(&w, "_", 1);
			put_list(&w, sig, ns);
		}
		if (w.sha) {
			w.sha = NULL;
			put_hash(&w, &sha);
		}
	}
	if (w.full)
		return -ENOSPC;
	out[w.n] = 0;
	return (int)w.n;
}
