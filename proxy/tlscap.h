/*
 * tlscap.h - find the TLS ClientHellos in the TCP streams of a capture (for
 * `huginn-proxy fingerprint`).  Pure: packets in, one callback per ClientHello out, no
 * I/O, no allocation (the caller gives the memory, see tlscap_mem_size).
 *
 * Every direction of every TCP connection is reassembled by proxy/tcpflow.c (its rules:
 * order, duplicates, overlaps, captures that start late).  A direction's stream is
 * read as a client's:
 *  1. tls_hello_find skips a SOCKS4/4a/5 or HTTP CONNECT preamble (tls/hello.h);
 *  2. tls_hello_read / tls_hello_parse read the ClientHello across records and
 *     segments; a good one is reported;
 *  3. after it, the stream is read on while it holds ChangeCipherSpec records (at most
 *     TLSCAP_CCS_MAX) and handshake records: a second ClientHello (the answer to a
 *     HelloRetryRequest, RFC 8446 4.1.4) is reported too, at most TLSCAP_HELLOS_MAX per
 *     stream (a client that gets a second HelloRetryRequest aborts);
 *  4. anything else (no TLS, a server's direction, a malformed hello, application data,
 *     another handshake message) finishes the stream: its bytes are not read again.
 * The side that sent the ClientHello is the client, whoever opened the connection.
 */
#ifndef HUGINN_PROXY_TLSCAP_H
#define HUGINN_PROXY_TLSCAP_H

#include <stddef.h>
#include <stdint.h>

#include "proxy/tcpflow.h"
#include "tls/hello.h"

#define TLSCAP_HELLOS_MAX 2 /* ClientHellos reported per stream */
#define TLSCAP_CCS_MAX 4    /* ChangeCipherSpec records skipped between them */
/*
 * Stream bytes buffered per direction: a preamble (TLS_HELLO_PREAMBLE_MAX) plus a hello
 * of TLS_HELLO_MAX_DEFAULT body bytes in full records, with room to spare.  A hello
 * that needs more is not reported.
 */
#define TLSCAP_BUF_SIZE 32768

struct tlscap_stats {
	uint64_t hellos;     /* ClientHellos reported */
	uint64_t bad_hellos; /* records that started a ClientHello but did not parse */
	uint64_t too_large;  /* hellos over the limits */
};

/* One ClientHello: cli sent it (src = client, dst = server). */
typedef void (*tlscap_fn)(void *arg, const struct tcpflow_key *cli, const struct tls_hello *h);

struct tlscap {
	struct tcpflow flows;
	tlscap_fn fn;
	void *arg;
	struct tlscap_stats stats;
	uint8_t msg[TLS_HELLO_MAX_DEFAULT]; /* the hello being parsed */
};

/* Memory for tlscap_init with these limits (see tcpflow.h), 0 if they are refused. */
size_t tlscap_mem_size(uint32_t max_flows, uint32_t max_bufs);

/* Set c up over mem (tlscap_mem_size bytes, 8-byte aligned).  0 or -EINVAL. */
int tlscap_init(struct tlscap *c, void *mem, size_t size, uint32_t max_flows, uint32_t max_bufs,
		tlscap_fn fn, void *arg);

/*
 * One captured packet (its link type, captured bytes).  Calls fn for each ClientHello
 * the packet completes.  Returns the number of hellos reported (>= 0), or
 * -EPROTONOSUPPORT for a link type proxy/pcap.h does not read.
 */
int tlscap_packet(struct tlscap *c, uint32_t linktype, const uint8_t *data, uint32_t len);

#endif
