/*
 * ppgate.h - the PROXY header question of an accepted connection, answered the same way
 * for every listener kind that takes PROXY input (conn.c: HTTP, tunnel.c: passthrough):
 * proxy_ppin_read on the connection's first bytes, the counts
 * (huginn_proxy_protocol_total, huginn_proxy_protocol_tlv_ignored_total), the debug line
 * of a refusal, and what an accepted header gives: the client's and the destination's
 * addresses and the fingerprint lines made from its TLVs.  No I/O: the caller reads and
 * closes.
 */
#ifndef HUGINN_PROXY_PPGATE_H
#define HUGINN_PROXY_PPGATE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "proxy/engine.h"
#include "proxy/ppin.h"

struct proxy_ppgate {
	int result;	  /* enum proxy_ppin_result */
	uint32_t skip;	  /* header bytes to skip before the application's */
	uint8_t has_addr; /* src and dst are the header's (PROXY over TCP4/TCP6) */
	struct sockaddr_storage src, dst;
	uint16_t fp_len; /* fp[0..fp_len): "x-tcp-p0f: ...\r\n" lines from 0xE0..0xE2 */
	char fp[PROXY_HOOK_LINES_MAX];
};

/*
 * Look at buf[0..len), the first bytes of a connection whose peer (text peer, for the
 * log) proxy_ppin_peer classified as kind (TRUSTED or WATCH) under pol.  Returns 0 when
 * more bytes are needed, 1 when settled (g->result NONE: no header, the peer is the
 * client; or V1 / V2 / LOCAL: accepted, g filled), -1 when refused (g->result says why;
 * counted and logged: the caller closes without an answer).
 */
int proxy_ppgate_read(struct proxy_server *p, const struct proxy_ppin_policy *pol, int kind,
		      const void *buf, size_t len, const char *peer, struct proxy_ppgate *g);

/* A connection closed or timed out inside a header: count it (result incomplete). */
void proxy_ppgate_incomplete(struct proxy_server *p);

#endif
