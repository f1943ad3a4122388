/*
 * tunnel_hello.h - the pure half of a passthrough connection's handshake (tunnel_hello.c):
 * what the first flight is (tls/hello.h, tls/ja4.h), the PROXY v2 header that goes before
 * it (pp/pp.h), and the access-log fields.  No I/O, no allocation; tunnel.c drives it.
 */
#ifndef HUGINN_PROXY_TUNNEL_HELLO_H
#define HUGINN_PROXY_TUNNEL_HELLO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "pp/pp.h"
#include "proxy/server.h"
#include "tls/ja4.h"

#define PROXY_TUNNEL_SNI_MAX 256
/* The PROXY header: fixed part, IPv6 addresses, five TLVs (3 bytes each) and their values
 * (the SNI, the hook's two lines together, JA4, JA4_r). */
#define PROXY_TUNNEL_HDR_CAP                                                                       \
	(PP_V2_HDR + 36 + 5 * 3 + PROXY_TUNNEL_SNI_MAX + PROXY_HOOK_LINES_MAX + JA4_LEN +          \
	 JA4_STR_MAX)

enum proxy_tunnel_kind { PROXY_TUNNEL_UNDECIDED, PROXY_TUNNEL_TLS, PROXY_TUNNEL_TCP };

/* What a connection learnt before its relay. */
struct proxy_tunnel_facts {
	uint8_t kind; /* enum proxy_tunnel_kind */
	uint16_t sni_len, fp_len;
	char sni[PROXY_TUNNEL_SNI_MAX]; /* not terminated; sni_len 0: none */
	char ja4[JA4_LEN + 1];		/* "" when none */
	char ja4_r[JA4_STR_MAX];	/* "" when none */
	char fp[PROXY_HOOK_LINES_MAX];	/* the accept hook's header lines */
	const char *err;		/* malformed / too large: the field named */
};

/* Results of proxy_tunnel_hello_classify. */
enum {
	PROXY_TUNNEL_NEED_MORE = 0, /* call again with more bytes (up to cap) */
	PROXY_TUNNEL_DECIDED = 1,   /* f->kind is TLS or TCP */
	PROXY_TUNNEL_TOO_LARGE = 2, /* over max_hello (or the stream over cap): refuse */
	PROXY_TUNNEL_MALFORMED = 3, /* a ClientHello the strict reader refuses: refuse */
};

/*
 * What the first len bytes of a client stream, in[0..len) out of a buffer of cap bytes,
 * are: a whole ClientHello (fingerprinted into f: SNI, JA4, JA4_r), not TLS, or not yet
 * known.  max_hello bounds the ClientHello body; msg is scratch of at least max_hello
 * bytes.  Returns one of the values above.
 */
int proxy_tunnel_hello_classify(const uint8_t *in, size_t len, size_t cap, uint8_t *msg,
				size_t max_hello, struct proxy_tunnel_facts *f);

/*
 * The PROXY v2 header for a client peer that connected to local, with f's TLVs (SNI as
 * PP2_TYPE_AUTHORITY, 0xE0 p0f signature, 0xE1 OS label, 0xE2 JA4, 0xE3 JA4_r; each only
 * when known and its PROXY_CONFIG_PT_TLV_* bit is in tlvs).  Returns the header length
 * or -errno (pp_v2_*).
 */
int proxy_tunnel_hello_header(const struct proxy_tunnel_facts *f, unsigned int tlvs,
			      const struct sockaddr_storage *peer,
			      const struct sockaddr_storage *local, uint8_t *out, size_t cap);

/* The value of line "name: value\r\n" among f's hook lines, or NULL (with *len = 0). */
const char *proxy_tunnel_hello_hook_value(const struct proxy_tunnel_facts *f, const char *name,
					  size_t *len);

/* "KIND SNI BACKEND JA4 P0F OS" (tunnel.h's access-log fields; backend NULL or "" -> "-")
 * into out; returns the length written (cut at cap - 1). */
size_t proxy_tunnel_hello_fields(const struct proxy_tunnel_facts *f, const char *backend, char *out,
				 size_t cap);

#endif
