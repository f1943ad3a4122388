/*
 * hello.h - strict, bounded reader of a TLS ClientHello from a client's first bytes.
 *
 * Three steps, each on the caller's buffers, no allocation, no I/O:
 *  1. tls_hello_find (optional): skip a SOCKS4/4a/5 or HTTP CONNECT preamble that a
 *     client stream may carry before its TLS handshake (used on captures);
 *  2. tls_hello_read: reassemble the ClientHello handshake message from the TLS records
 *     (content type 22) at the start of the stream into the caller's msg buffer;
 *  3. tls_hello_parse: decode the ClientHello body (RFC 8446 4.1.2, RFC 5246 7.4.1.2)
 *     into struct tls_hello, whose pointers are slices of msg.
 *
 * Strictness (what a TLS server would refuse is refused here, with the byte offset and a
 * static string naming the field):
 *  - records: legacy_record_version 0x0300..0x0303 (RFC 8446 5.1 allows 0x0301 or
 *    0x0303 on a ClientHello, RFC 5246 E.1 lets a client use 0x0300); length 1..2^14
 *    (RFC 8446 5.1: no zero-length handshake fragment, no fragment over 2^14); only
 *    handshake records until the hello is complete (RFC 8446 5.1: no interleaving); the
 *    record holding the hello's last byte must end with it (a client sends nothing else
 *    in the handshake before the ServerHello);
 *  - the first handshake message must be a client_hello (type 1);
 *  - every vector length must fit exactly inside its parent (no slack, no overrun);
 *  - legacy_version major 3; session id 0..32 bytes; cipher suites 2..2^16-2 bytes, even;
 *    compression methods 1..255 bytes and include null (0) (RFC 5246 7.4.1.2);
 *  - extensions: the block may be absent (RFC 5246 7.4.1.2); each type at most once
 *    (RFC 8446 4.2); pre_shared_key only last (RFC 8446 4.2.11);
 *  - server_name (RFC 6066 3): a non-empty list holding exactly one host_name entry (no
 *    other name types), 1..255 bytes of letters, digits, '-', '_' and '.', labels of
 *    1..63 bytes, no leading or trailing dot (RFC 6066: "without a trailing dot");
 *  - ALPN (RFC 7301 3.1): a list of at least one protocol, each 1..255 bytes;
 *  - supported_versions (RFC 8446 4.2.1): 2..254 bytes, even;
 *  - signature_algorithms (RFC 8446 4.2.3): 2..2^16-2 bytes, even.
 *
 * Limits of our own (a well-formed hello beyond them is refused like an oversized one):
 * TLS_HELLO_MAX_CIPHERS suites, TLS_HELLO_MAX_EXTS extensions, TLS_HELLO_MAX_SIGALGS
 * signature algorithms, and the caller's hello size.  Real clients send well under half.
 *
 * Not here: SSL 2.0 "compatible" hellos (first byte 0x80: reported as not TLS), DTLS and
 * QUIC framing, any server-side message, decoding extensions not named above (their
 * types are kept, in order).
 */
#ifndef HUGINN_TLS_HELLO_H
#define HUGINN_TLS_HELLO_H

#include <stddef.h>
#include <stdint.h>

/* Return values (all functions below). */
enum {
	TLS_HELLO_ERROR = -1,	  /* malformed: err and err_off say what and where */
	TLS_HELLO_NEED_MORE = -2, /* the stream stops early: call again with more bytes */
	TLS_HELLO_NOT_TLS = -3,	  /* the stream does not start with a TLS handshake record */
	TLS_HELLO_TOO_LARGE = -4, /* over a limit (hello size, suites, extensions, ...) */
};

#define TLS_HELLO_MAX_DEFAULT 16384 /* ClientHello body limit callers use by default */
#define TLS_HELLO_MAX_CIPHERS 512   /* cipher suites accepted in one hello */
#define TLS_HELLO_MAX_EXTS 128	    /* extensions accepted in one hello */
#define TLS_HELLO_MAX_SIGALGS 128   /* signature algorithms accepted */
#define TLS_HELLO_PREAMBLE_MAX 8192 /* bytes tls_hello_find scans for a preamble */

#define TLS_REC_HANDSHAKE 22
#define TLS_HS_CLIENT_HELLO 1
#define TLS_REC_MAX 16384 /* RFC 8446 5.1: TLSPlaintext.length <= 2^14 */

/* Extension types decoded here (IANA TLS ExtensionType Values). */
#define TLS_EXT_SERVER_NAME 0x0000
#define TLS_EXT_SIGNATURE_ALGORITHMS 0x000d
#define TLS_EXT_ALPN 0x0010
#define TLS_EXT_PRE_SHARED_KEY 0x0029
#define TLS_EXT_SUPPORTED_VERSIONS 0x002b

/* Record-layer result of tls_hello_read. */
struct tls_hello_rd {
	size_t msg_len;	      /* done: bytes of ClientHello body written to msg */
	size_t need;	      /* NEED_MORE: stream length at which to call again (> len) */
	size_t err_off;	      /* ERROR / TOO_LARGE: stream offset of the bad field */
	const char *err;      /* ERROR / TOO_LARGE: static text naming the field */
	uint16_t rec_version; /* legacy_record_version of the first record */
	unsigned n_records;   /* records that carried the hello */
};

/*
 * Reassemble the ClientHello at the start of a client's byte stream in[0..len) (the
 * caller accumulates the stream and calls again with all of it; the call is stateless).
 * The handshake body (after the 4-byte type and length) is copied to msg; msg_cap is
 * also the limit on the body length (pass TLS_HELLO_MAX_DEFAULT or the configured one).
 * Returns the number of stream bytes the hello's records take (> 0): the bytes to
 * forward first, everything after belongs to later records.  Or TLS_HELLO_NEED_MORE
 * (rd->need), TLS_HELLO_NOT_TLS (in[0] is not 22, or in[1] is not 3: forward the bytes
 * unchanged), TLS_HELLO_ERROR or TLS_HELLO_TOO_LARGE (rd->err, rd->err_off).
 */
int tls_hello_read(const uint8_t *in, size_t len, uint8_t *msg, size_t msg_cap,
		   struct tls_hello_rd *rd);

/* A decoded ClientHello.  Pointers are slices of the msg given to tls_hello_parse. */
struct tls_hello {
	uint16_t legacy_version;
	const uint8_t *random; /* 32 bytes */
	const uint8_t *session_id;
	uint8_t session_id_len;
	uint8_t n_compression;
	const uint8_t *compression;
	const uint8_t *ciphers; /* n_ciphers big-endian 16-bit values, the client's order */
	uint16_t n_ciphers;
	uint8_t has_ext_block; /* the message carried an extensions field (maybe empty) */
	uint8_t has_sni, has_alpn, has_versions, has_sigalgs; /* extension present */
	uint16_t n_ext;
	uint16_t ext_types[TLS_HELLO_MAX_EXTS]; /* extension types, the client's order */
	const char *sni;			/* server_name host_name, not terminated */
	uint16_t sni_len;
	const uint8_t *alpn;	 /* ALPN protocol_name_list contents: (len8, name)* */
	uint16_t alpn_len;	 /* bytes at alpn */
	uint16_t n_alpn;	 /* protocol names in it */
	const uint8_t *versions; /* supported_versions: n_versions 16-bit values */
	uint8_t n_versions;
	const uint8_t *sigalgs; /* signature_algorithms: n_sigalgs 16-bit values, in order */
	uint16_t n_sigalgs;
	size_t err_off;	 /* ERROR / TOO_LARGE: offset in msg of the bad field */
	const char *err; /* ERROR / TOO_LARGE: static text naming the field */
};

/*
 * Decode a ClientHello body msg[0..len) (as tls_hello_read leaves it).  Returns 0, or
 * TLS_HELLO_ERROR / TLS_HELLO_TOO_LARGE with h->err and h->err_off (an offset in msg).
 * msg must outlive every use of *h.
 */
int tls_hello_parse(const uint8_t *msg, size_t len, struct tls_hello *h);

/*
 * Where the TLS handshake starts in a client's byte stream in[0..len), allowing for one
 * proxy preamble before it.  Rules, in order:
 *  - in[0] == 22: no preamble, returns 0;
 *  - SOCKS4 / SOCKS4a (in[0] == 4, command 1 CONNECT): 8 bytes, a NUL-terminated user
 *    id and, when the address is 0.0.0.x with x != 0 (4a), a NUL-terminated host name;
 *  - SOCKS5 (RFC 1928, in[0] == 5): the method greeting (5, n, n methods), then, when the
 *    next byte is 1, an RFC 1929 username/password request (1, ulen, user, plen, pass),
 *    then the request 5, 1 (CONNECT), 0, an address (type 1: 4 bytes, 3: length-prefixed
 *    name, 4: 16 bytes) and a 2-byte port;
 *  - HTTP CONNECT: the stream starts "CONNECT " and the request head ends at the first
 *    CRLF CRLF.
 * Only the client's direction is read, so the server's answers never appear in between.
 * The handshake must then start with byte 22.  Returns its offset (>= 0), NEED_MORE when
 * the preamble or the byte after it is not complete yet, or NOT_TLS (no preamble we
 * know, a malformed one, one longer than TLS_HELLO_PREAMBLE_MAX, or no 22 after it).
 */
int tls_hello_find(const uint8_t *in, size_t len);

/* RFC 8701 GREASE values: 0x0a0a, 0x1a1a, ..., 0xfafa (both bytes equal, low nibble a). */
static inline int tls_hello_is_grease(uint16_t v)
{
	return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

/* The i-th big-endian 16-bit value of a list (ciphers, versions, sigalgs). */
static inline uint16_t tls_hello_u16(const uint8_t *list, size_t i)
{
	return (uint16_t)(list[2 * i] << 8 | list[2 * i + 1]);
}

#endif
