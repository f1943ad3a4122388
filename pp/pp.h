/*
 * pp.h - the PROXY protocol, versions 1 and 2 (haproxy's proxy-protocol.txt, 2020/03/05
 * revision; section numbers below are that document's): a v2 encoder and a v1/v2 decoder.
 *
 * No I/O, no allocation, no global state: the caller owns every buffer, decoded TLV values
 * are slices into the caller's input, which must stay put while they are used.
 *
 * Encoder (v2 only; v2.c): pp_v2_begin() writes the 16-byte header and the address block,
 * pp_v2_add_tlv() appends one TLV, pp_v2_add_crc32c() reserves a PP2_TYPE_CRC32C TLV, and
 * pp_v2_finish() fixes the length field, computes the checksum and returns the header
 * length.  Errors are sticky: a failed step makes every later one, and pp_v2_finish(),
 * return the same -errno, so a caller may check only the last call.
 *
 * Decoder (pp.c dispatches to v1.c and v2.c): pp_parse() looks at the first bytes of a
 * connection and returns the header length once a whole, valid header is there, or
 * PP_NEED_MORE, PP_NOT_PROXY or PP_ERROR.  It is restartable: call it again on the same
 * buffer start with more bytes; each call re-reads from byte 0 (a header is bounded:
 * 107 bytes for v1, the caller's max_len for v2).
 *
 * What the decoder accepts, strictly:
 * - v1 (2.1): "PROXY" SP ("TCP4" | "TCP6") SP src SP dst SP sport SP dport CRLF, or
 *   "PROXY" SP "UNKNOWN" [any bytes but CR and LF] CRLF; at most 107 bytes with the CRLF;
 *   exactly one SP between fields; IPv4 as four decimal numbers 0-255 without leading
 *   zeros; IPv6 as 1-4 hex digits per group with at most one "::" and an optional
 *   dotted-quad tail (what inet_ntop() writes, e.g. "::ffff:192.0.2.1"), 128 bits in all;
 *   ports 0-65535 in decimal without leading zeros; TCP4 takes IPv4, TCP6 takes IPv6.
 * - v2 (2.2): the 12-byte signature, version 2, command LOCAL or PROXY; family/protocol
 *   byte one of 0x00, 0x11, 0x12, 0x21, 0x22, 0x31, 0x32 (any other is rejected, for LOCAL
 *   too); the length field at least the address block of that family and at most max_len;
 *   TLVs (2.2) walked to the exact end of the header, each one inside it; PP2_TYPE_SSL's
 *   sub-TLVs (2.2.6) walked inside its value and skipped; a PP2_TYPE_CRC32C TLV (2.2.3)
 *   must be 4 bytes and match; PP2_TYPE_UNIQUE_ID (2.2.5) at most 128 bytes; the TLVs we
 *   extract (and CRC32C) may appear at most once.  Addresses are filled for PROXY over
 *   TCP or UDP on IPv4/IPv6 only; LOCAL, UNSPEC and AF_UNIX leave them AF_UNSPEC (2.2: the
 *   receiver uses the real endpoints then).
 * - Values of the TLVs we extract must hold no control byte (0x00-0x1f, 0x7f), the
 *   authority no space either, so that none can split a log line or an HTTP header built
 *   from it; an empty value is reported as absent (we send "absent, never empty").
 *
 * Not here: a v1 encoder, AF_UNIX addresses, PP2_TYPE_NETNS, policy (whether a peer may
 * send a header at all is the caller's decision: see PP_NOT_PROXY).
 */
#ifndef HUGINN_PP_PP_H
#define HUGINN_PP_PP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* Size limits (2.1 and 2.2). */
#define PP_V1_MAX 107		      /* longest v1 line, CRLF included */
#define PP_V2_HDR 16		      /* signature, ver_cmd, fam, len */
#define PP_V2_MAX (PP_V2_HDR + 65535) /* the 16-bit length field's reach */
#define PP_V2_SIG "\r\n\r\n\0\r\nQUIT\n"
#define PP_V2_SIG_LEN 12

/* Commands (2.2, 13th byte, low nibble); v1 "UNKNOWN" decodes as PP_CMD_LOCAL. */
enum { PP_CMD_LOCAL = 0x0, PP_CMD_PROXY = 0x1 };

/* Family/protocol bytes (2.2, 14th byte). */
enum {
	PP_FAM_UNSPEC = 0x00,
	PP_FAM_TCP4 = 0x11,
	PP_FAM_UDP4 = 0x12,
	PP_FAM_TCP6 = 0x21,
	PP_FAM_UDP6 = 0x22,
	PP_FAM_UNIX_STREAM = 0x31,
	PP_FAM_UNIX_DGRAM = 0x32,
};

/* TLV types: registered (2.2) and ours, from the application range 0xE0-0xEF (2.2.8). */
enum {
	PP2_TYPE_ALPN = 0x01,
	PP2_TYPE_AUTHORITY = 0x02, /* SNI */
	PP2_TYPE_CRC32C = 0x03,
	PP2_TYPE_NOOP = 0x04,
	PP2_TYPE_UNIQUE_ID = 0x05,
	PP2_TYPE_SSL = 0x20,
	PP2_TYPE_NETNS = 0x30,
	PP_TLV_P0F = 0xE0,    /* p0f raw signature, the x-tcp-p0f value */
	PP_TLV_P0F_OS = 0xE1, /* p0f OS label, the x-tcp-p0f-os value */
	PP_TLV_JA4 = 0xE2,    /* JA4 */
	PP_TLV_JA4_R = 0xE3,  /* JA4_r */
};

/* ---- encoder ---------------------------------------------------------------------- */

struct pp_v2_enc {
	unsigned char *buf;
	size_t cap;
	size_t len;	/* bytes written so far */
	size_t crc_off; /* offset of the CRC32C value, 0 when none was reserved */
	int err;	/* first error, sticky */
};

/*
 * Starts a v2 header in buf[0..cap).  cmd PP_CMD_PROXY needs src and dst, each AF_INET or
 * AF_INET6 (a mix is sent as TCP over IPv6 with the IPv4 one mapped to ::ffff:a.b.c.d);
 * they describe TCP (family byte 0x11 or 0x21).  cmd PP_CMD_LOCAL ignores src and dst
 * (may be NULL) and sends family UNSPEC with no address (2.2).
 * Returns 0, -ENOSPC (cap too small), -EAFNOSUPPORT or -EINVAL.
 */
int pp_v2_begin(struct pp_v2_enc *e, void *buf, size_t cap, int cmd,
		const struct sockaddr_storage *src, const struct sockaddr_storage *dst);

/*
 * Appends one TLV (type, 16-bit big-endian length, value).  A zero-length value writes
 * nothing and returns 0: a TLV we send is absent or non-empty, never empty.  type
 * PP2_TYPE_CRC32C is refused here (-EINVAL): use pp_v2_add_crc32c().
 * Returns 0, -ENOSPC (buffer or the 65535-byte header length would overflow) or the
 * sticky error.
 */
int pp_v2_add_tlv(struct pp_v2_enc *e, uint8_t type, const void *val, size_t len);

/* Same with a NUL-terminated string; NULL or "" writes nothing. */
int pp_v2_add_tlv_str(struct pp_v2_enc *e, uint8_t type, const char *s);

/*
 * Reserves a PP2_TYPE_CRC32C TLV (2.2.3), filled in by pp_v2_finish() over the whole
 * header; at most once.  Returns 0, -ENOSPC, -EEXIST or the sticky error.
 */
int pp_v2_add_crc32c(struct pp_v2_enc *e);

/* Writes the length field (and the checksum).  Returns the header length or -errno. */
int pp_v2_finish(struct pp_v2_enc *e);

/* ---- decoder ---------------------------------------------------------------------- */

/* A slice of the caller's input; p == NULL (and n == 0) when absent. */
struct pp_slice {
	const unsigned char *p;
	size_t n;
};

enum {
	PP_ERROR = -1,	   /* invalid header: see err_off and err */
	PP_NEED_MORE = -2, /* a valid prefix of a header: read more and call again */
	PP_NOT_PROXY = -3, /* the first bytes cannot begin a PROXY header (2.2, end) */
};

struct pp_hdr {
	int version; /* 1 or 2 */
	int command; /* PP_CMD_LOCAL or PP_CMD_PROXY */
	int fam;     /* v2 family/protocol byte; v1: PP_FAM_TCP4/TCP6, UNSPEC */
	struct sockaddr_storage src, dst;	 /* AF_INET/AF_INET6, or ss_family AF_UNSPEC */
	struct pp_slice authority;		 /* PP2_TYPE_AUTHORITY */
	struct pp_slice p0f, p0f_os, ja4, ja4_r; /* PP_TLV_P0F .. PP_TLV_JA4_R */
	int has_crc32c;				 /* a CRC32C TLV was present (and matched) */
	size_t err_off;	 /* PP_ERROR: offset of the field or byte at fault */
	const char *err; /* PP_ERROR: static string naming that field */
};

/*
 * Decodes a v1 or v2 header at the start of buf[0..len).  max_len bounds a v2 header
 * (16 + its length field); 0 means PP_V2_MAX.  Returns the header length (> 0; the
 * connection's data starts there), PP_NEED_MORE, PP_NOT_PROXY, or PP_ERROR with
 * h->err_off and h->err set.  h is fully written on every return.
 */
int pp_parse(const void *buf, size_t len, size_t max_len, struct pp_hdr *h);

/* The same for one version only; the first bytes must already be that version's (or a
 * prefix of them), else PP_NOT_PROXY.  Used by pp_parse(). */
int pp_v1_parse(const unsigned char *buf, size_t len, struct pp_hdr *h);
int pp_v2_parse(const unsigned char *buf, size_t len, size_t max_len, struct pp_hdr *h);

#endif
