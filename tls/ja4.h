/*
 * ja4.h - JA4 TLS client fingerprint of a parsed ClientHello, after FoxIO's published
 * specification (github.com/FoxIO-LLC/ja4, technical_details/JA4.md; JA4 itself is
 * BSD-3-Clause, unlike the rest of JA4+).  docs/ja4.md spells out every rule.
 *
 * Four forms, all "a_b_c":
 *   JA4     a _ sha256(sorted ciphers)[:12] _ sha256(sorted extensions "_" sigalgs)[:12]
 *   JA4_r   the same lists written out instead of hashed
 *   JA4_o   ciphers and extensions in the client's order (SNI and ALPN kept), hashed
 *   JA4_ro  the client's order, written out
 * GREASE values (RFC 8701) are left out everywhere.  No allocation, no I/O.
 */
#ifndef HUGINN_TLS_JA4_H
#define HUGINN_TLS_JA4_H

#include <stddef.h>

#include "tls/hello.h"

/* ja4_render flags */
#define JA4_RAW 0x1	 /* write the lists out (JA4_r, JA4_ro) instead of hashing them */
#define JA4_ORIGINAL 0x2 /* keep the client's order (JA4_o, JA4_ro) */

/* Length of a hashed form: 10 + 1 + 12 + 1 + 12, e.g. t13d1516h2_8daaf6152771_e5627efa2ab1 */
#define JA4_LEN 36
/* Buffer size that holds any form of any hello tls_hello_parse accepts, NUL included. */
#define JA4_STR_MAX                                                                                \
	(10 + 1 + 5 * TLS_HELLO_MAX_CIPHERS + 1 + 5 * TLS_HELLO_MAX_EXTS + 1 +                     \
	 5 * TLS_HELLO_MAX_SIGALGS + 1)

/*
 * Write one form of the JA4 of h to out (NUL-terminated).  proto is the first character:
 * 't' (TLS over TCP), 'q' (QUIC) or 'd' (DTLS); only the first is produced by our
 * readers.  Returns the string length, -EINVAL (bad proto or flags, or h has more
 * entries than tls_hello_parse accepts) or -ENOSPC (out too small; JA4_LEN + 1 always
 * suffices for the hashed forms, JA4_STR_MAX for all).
 */
int ja4_render(const struct tls_hello *h, char proto, unsigned flags, char *out, size_t cap);

#endif
