/*
 * ppin.h - PROXY protocol input: whether a connection's peer may send a PROXY header
 * (v1 or v2, pp/pp.h), the header read from the connection's first bytes, and the
 * fingerprint header lines built from its TLVs.  For every listener that accepts PROXY
 * input (HTTP and passthrough listeners, through ppgate.h); no I/O, no allocation, no
 * engine types: the caller owns the buffer and the socket.
 *
 * Policy (docs/proxy-protocol.md, "What huginn accepts"):
 *   mode OFF       nothing is read here: the first bytes are the application's (a PROXY
 *                  header then is just bad HTTP)
 *   mode OPTIONAL  a peer in the trusted list may send one header; without it the
 *                  connection is its own (the peer is the client)
 *   mode REQUIRED  a peer in the trusted list must send one: without it, refused
 * In both modes, any peer outside the list whose first bytes begin a PROXY header (the
 * "PROXY " line or the v2 signature) is refused; its other bytes are the application's.
 *
 * Use: proxy_ppin_peer() at accept; if it says TRUSTED or WATCH, feed the first bytes to
 * proxy_ppin_read() as they arrive until it returns 1, then skip r->len bytes.  A trusted
 * peer's connection learns its client only then: look the client's SYN up only when the
 * result is PROXY_PPIN_NONE (the SYN the agent saw otherwise belongs to the balancer).
 */
#ifndef HUGINN_PROXY_PPIN_H
#define HUGINN_PROXY_PPIN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "pp/pp.h"
#include "proxy/cidr.h"

/* Longest v2 header read: room for every TLV a huginn passthrough sends (JA4_r of the
 * largest hello included), far below the 16-bit length field's reach (2.2). */
#define PROXY_PPIN_MAX 8192

/* Longest TLV value turned into a header line (JA4 is always JA4_LEN = 36 bytes). */
#define PROXY_PPIN_VALUE_MAX 255

enum proxy_ppin_mode { PROXY_PPIN_OFF, PROXY_PPIN_OPTIONAL, PROXY_PPIN_REQUIRED };

struct proxy_ppin_policy {
	int mode;		    /* enum proxy_ppin_mode */
	const struct cidr *trusted; /* peers that may send a header */
	unsigned int n_trusted;
	size_t max_len; /* v2 header bound; 0 = PROXY_PPIN_MAX */
};

/* What proxy_ppin_peer says about a peer. */
enum proxy_ppin_peer {
	PROXY_PPIN_PEER_PLAIN = 0, /* mode OFF: read nothing */
	PROXY_PPIN_PEER_TRUSTED,   /* may (OPTIONAL) or must (REQUIRED) send a header */
	PROXY_PPIN_PEER_WATCH,	   /* must not send one: its first bytes are checked */
};

/* Outcomes, also the label values of huginn_proxy_protocol_total. */
enum proxy_ppin_result {
	PROXY_PPIN_V1,	       /* accepted: a v1 PROXY line */
	PROXY_PPIN_V2,	       /* accepted: a v2 PROXY header */
	PROXY_PPIN_LOCAL,      /* accepted: LOCAL (v2) or UNKNOWN (v1): the real peer stays */
	PROXY_PPIN_NONE,       /* no header, none needed (r->len 0) */
	PROXY_PPIN_UNTRUSTED,  /* refused: a header from a peer outside the list */
	PROXY_PPIN_MISSING,    /* refused: a trusted peer without one under REQUIRED */
	PROXY_PPIN_BAD,	       /* refused: a trusted peer's header is invalid (r->err) */
	PROXY_PPIN_INCOMPLETE, /* refused: closed or timed out inside a header (caller's) */
	PROXY_PPIN_RESULT_N
};

struct proxy_ppin {
	int result;	 /* enum proxy_ppin_result */
	size_t len;	 /* header bytes to skip (accepted results), else 0 */
	struct pp_hdr h; /* the decoded header (accepted results); TLVs are slices of buf */
	const char *err; /* PROXY_PPIN_BAD: the field at fault, at byte err_off */
	size_t err_off;
};

/* Classify a peer at accept. */
int proxy_ppin_peer(const struct proxy_ppin_policy *pol, const struct sockaddr *peer);

/*
 * Look at the first bytes buf[0..len) of a connection from a peer classified as kind
 * (TRUSTED or WATCH).  Returns 0 when more bytes are needed (the bytes so far are a
 * valid beginning of a header; at most max_len of them, or 12 for WATCH), or 1 with
 * r->result set.  Restartable: call again with the same buffer start and more bytes.
 */
int proxy_ppin_read(const struct proxy_ppin_policy *pol, int kind, const void *buf, size_t len,
		    struct proxy_ppin *r);

/* The client's address from an accepted header, or NULL when the real peer stays (LOCAL,
 * UNKNOWN, UNSPEC and AF_UNIX families). */
const struct sockaddr_storage *proxy_ppin_client(const struct proxy_ppin *r);

/*
 * 1 if v may become a header value for TLV type (PP_TLV_P0F, PP_TLV_P0F_OS, PP_TLV_JA4):
 * 1..PROXY_PPIN_VALUE_MAX bytes of printable ASCII (0x20-0x7e), no leading or trailing
 * space; a JA4 must have its form: [tqd], 2 letters or digits, [di], 4 digits, 2 letters
 * or digits, '_', 12 lowercase hex, '_', 12 lowercase hex.  0 otherwise.
 */
int proxy_ppin_value_ok(int type, const struct pp_slice *v);

/*
 * The fingerprint header lines of an accepted header into out[0..cap):
 * "x-tcp-p0f: <0xE0>\r\n", "x-tcp-p0f-os: <0xE1>\r\n", "x-tls-ja4: <0xE2>\r\n", each
 * only when its TLV is present and proxy_ppin_value_ok; a present TLV that is not, or
 * whose line does not fit, is left out and counted in *ignored.  Returns the length.
 */
size_t proxy_ppin_fp_lines(const struct proxy_ppin *r, char *out, size_t cap, unsigned *ignored);

/* "v1", "v2", "local", "none", "untrusted", "missing", "bad", "incomplete". */
const char *proxy_ppin_result_name(int result);

#endif
