/*
 * tls_build.h - build TLS ClientHello bytes by hand for the unit tests of tls/ (test
 * code only).  Every length is written by the builder from what was put in, so a test
 * states the fields and gets well-formed bytes, then breaks the one it is about.
 */
#ifndef HUGINN_TEST_TLS_BUILD_H
#define HUGINN_TEST_TLS_BUILD_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct hb {
	uint8_t b[70000];
	size_t n;
};

__attribute__((unused)) static void hb_u8(struct hb *h, unsigned v)
{
	h->b[h->n++] = (uint8_t)v;
}

__attribute__((unused)) static void hb_u16(struct hb *h, unsigned v)
{
	hb_u8(h, v >> 8);
	hb_u8(h, v & 0xff);
}

__attribute__((unused)) static void hb_put(struct hb *h, const void *p, size_t n)
{
	memcpy(h->b + h->n, p, n);
	h->n += n;
}

/* Open a length field of w bytes (1, 2 or 3); hb_close fills it with what follows. */
__attribute__((unused)) static size_t hb_open(struct hb *h, int w)
{
	size_t at = h->n;

	h->n += (size_t)w;
	return at;
}

__attribute__((unused)) static void hb_close(struct hb *h, size_t at, int w)
{
	size_t len = h->n - at - (size_t)w;
	int i;

	for (i = 0; i < w; i++)
		h->b[at + (size_t)i] = (uint8_t)(len >> (8 * (w - 1 - i)));
}

/* Start a ClientHello body: version, random 0..31, session id, ciphers, null compression;
 * returns the offset of the extensions length (call hb_close(h, at, 2) at the end). */
__attribute__((unused)) static size_t hb_hello(struct hb *h, unsigned version,
					       const uint16_t *ciphers, size_t nc, size_t sid)
{
	size_t i, at;

	h->n = 0;
	hb_u16(h, version);
	for (i = 0; i < 32; i++)
		hb_u8(h, (unsigned)i);
	hb_u8(h, (unsigned)sid);
	for (i = 0; i < sid; i++)
		hb_u8(h, 0xee);
	at = hb_open(h, 2);
	for (i = 0; i < nc; i++)
		hb_u16(h, ciphers[i]);
	hb_close(h, at, 2);
	hb_u8(h, 1);
	hb_u8(h, 0);
	return hb_open(h, 2);
}

__attribute__((unused)) static void hb_ext(struct hb *h, unsigned type, const void *data, size_t n)
{
	hb_u16(h, type);
	hb_u16(h, (unsigned)n);
	hb_put(h, data, n);
}

__attribute__((unused)) static void hb_ext_sni(struct hb *h, const char *name)
{
	size_t e, l, nl;

	hb_u16(h, 0x0000);
	e = hb_open(h, 2);
	l = hb_open(h, 2);
	hb_u8(h, 0);
	nl = hb_open(h, 2);
	hb_put(h, name, strlen(name));
	hb_close(h, nl, 2);
	hb_close(h, l, 2);
	hb_close(h, e, 2);
}

/* ALPN from NUL-separated names ending in an empty one: "h2\0http/1.1\0". */
__attribute__((unused)) static void hb_ext_alpn(struct hb *h, const char *names, size_t n)
{
	size_t e, l, i = 0;

	hb_u16(h, 0x0010);
	e = hb_open(h, 2);
	l = hb_open(h, 2);
	while (i < n) {
		size_t k = strlen(names + i);

		hb_u8(h, (unsigned)k);
		hb_put(h, names + i, k);
		i += k + 1;
	}
	hb_close(h, l, 2);
	hb_close(h, e, 2);
}

/* An extension holding a list of 16-bit values behind a w-byte length. */
__attribute__((unused)) static void hb_ext_list(struct hb *h, unsigned type, int w,
						const uint16_t *v, size_t n)
{
	size_t e, l, i;

	hb_u16(h, type);
	e = hb_open(h, 2);
	l = hb_open(h, w);
	for (i = 0; i < n; i++)
		hb_u16(h, v[i]);
	hb_close(h, l, w);
	hb_close(h, e, 2);
}

/* Wrap a ClientHello body into a handshake message cut into records of at most cut
 * bytes (record version rv).  Returns the stream length written to out. */
__attribute__((unused)) static size_t hb_records(const uint8_t *body, size_t n, size_t cut,
						 unsigned rv, uint8_t *out)
{
	static uint8_t msg[70004];
	size_t i, o = 0;

	msg[0] = 1;
	msg[1] = (uint8_t)(n >> 16);
	msg[2] = (uint8_t)(n >> 8);
	msg[3] = (uint8_t)n;
	memcpy(msg + 4, body, n);
	for (i = 0; i < n + 4; i += cut) {
		size_t k = n + 4 - i < cut ? n + 4 - i : cut;

		out[o++] = 22;
		out[o++] = (uint8_t)(rv >> 8);
		out[o++] = (uint8_t)rv;
		out[o++] = (uint8_t)(k >> 8);
		out[o++] = (uint8_t)k;
		memcpy(out + o, msg + i, k);
		o += k;
	}
	return o;
}

#endif
