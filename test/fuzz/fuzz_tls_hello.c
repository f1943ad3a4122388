/*
 * fuzz_tls_hello.c - a client's first bytes through everything tls/ offers, as the
 * passthrough listener and `huginn-proxy fingerprint` use it: preamble finder, record
 * reassembly, ClientHello parser, and all four JA4 forms.  Aborts on a broken contract
 * (consumed past the input, an error without its field, a rendering of the wrong size).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tls/hello.h"
#include "tls/ja4.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t msg[TLS_HELLO_MAX_DEFAULT];
	static char out[JA4_STR_MAX];
	struct tls_hello_rd rd;
	struct tls_hello h;
	unsigned flags;
	int start, rc;

	start = tls_hello_find(data, size);
	if (start < 0) {
		if (start != TLS_HELLO_NEED_MORE && start != TLS_HELLO_NOT_TLS)
			abort();
		return 0;
	}
	if ((size_t)start >= size || data[start] != TLS_REC_HANDSHAKE)
		abort();
	rc = tls_hello_read(data + start, size - (size_t)start, msg, sizeof(msg), &rd);
	if (rc == TLS_HELLO_NEED_MORE) {
		if (rd.need <= size - (size_t)start)
			abort();
		return 0;
	}
	if (rc == TLS_HELLO_ERROR || rc == TLS_HELLO_TOO_LARGE) {
		if (!rd.err || rd.err_off > size - (size_t)start)
			abort();
		return 0;
	}
	if (rc == TLS_HELLO_NOT_TLS) {
		/* tls_hello_find checks the first byte only; the reader also the second. */
		if (size - (size_t)start < 2 || data[start + 1] == 3)
			abort();
		return 0;
	}
	if (rc <= 0 || (size_t)rc > size - (size_t)start || rd.msg_len > sizeof(msg) ||
	    rd.n_records == 0)
		abort();
	rc = tls_hello_parse(msg, rd.msg_len, &h);
	if (rc) {
		if ((rc != TLS_HELLO_ERROR && rc != TLS_HELLO_TOO_LARGE) || !h.err ||
		    h.err_off > rd.msg_len)
			abort();
		return 0;
	}
	for (flags = 0; flags < 4; flags++) {
		rc = ja4_render(&h, 't', flags, out, sizeof(out));
		if (rc < 0 || (size_t)rc != strlen(out) || (!(flags & JA4_RAW) && rc != JA4_LEN))
			abort();
	}
	/* The hashed form always fits its documented size. */
	if (ja4_render(&h, 't', 0, out, JA4_LEN + 1) != JA4_LEN)
		abort();
	return 0;
}
