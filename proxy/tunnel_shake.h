/*
 * tunnel_shake.h - what a passthrough connection holds only during its handshake
 * (tunnel.c's HELLO..SEND): the buffer of its first bytes, its addresses and facts, a
 * per-worker pool of such buffers, and the two ways its client's fingerprint lines are
 * found: the SYN lookup (the accept hook) or an incoming PROXY header from a trusted
 * balancer (ppgate.h, with the same rules as HTTP listeners).
 */
#ifndef HUGINN_PROXY_TUNNEL_SHAKE_H
#define HUGINN_PROXY_TUNNEL_SHAKE_H

#include <netinet/in.h>
#include <stdint.h>
#include <sys/socket.h>

#include "proxy/config_pt.h"
#include "proxy/engine.h"
#include "proxy/ppin.h"
#include "proxy/tunnel_hello.h"

#define PROXY_TUNNEL_SHAKE_SLACK 1024 /* stream bytes beyond max_hello_bytes: record headers */
/* Buffers kept for reuse: musl's malloc hands pages of freed ones back (madvise, munmap),
 * which cost more than the rest of a short connection; 64 cover the handshakes of a
 * burst (about 24 KiB each, 1.5 MiB kept at most). */
#define PROXY_TUNNEL_SHAKE_POOL 64

struct proxy_tunnel_shake {
	struct proxy_tunnel_shake *pool_next;
	struct sockaddr_storage peer;  /* the client: the peer, or an incoming header's source */
	struct sockaddr_storage local; /* where it connected; AF_UNSPEC: not known yet */
	uint32_t len, cap;	       /* client bytes in in[]; its size */
	uint32_t lim;		       /* bytes this connection may use now */
	uint32_t hdr_len, sent;	       /* PROXY header bytes; bytes of header + in[] sent */
	char client[INET6_ADDRSTRLEN + 8];
	struct proxy_tunnel_facts f;
	uint8_t hdr[PROXY_TUNNEL_HDR_CAP];
	uint8_t in[];
};

struct proxy_tunnel_shakes {
	struct proxy_tunnel_shake *free; /* at most PROXY_TUNNEL_SHAKE_POOL */
	unsigned int n;
};

/* A buffer with room for cap client bytes (lim = cap), from the pool when one fits;
 * NULL when out of memory. */
struct proxy_tunnel_shake *proxy_tunnel_shake_get(struct proxy_tunnel_shakes *pool, uint32_t cap);
/* Back to the pool (or freed when it is full); NULL is a no-op. */
void proxy_tunnel_shake_put(struct proxy_tunnel_shakes *pool, struct proxy_tunnel_shake *h);
/* Free the pooled buffers. */
void proxy_tunnel_shake_free(struct proxy_tunnel_shakes *pool);

/* h->client: h->peer as the log writes it ("ADDR:PORT", "[ADDR]:PORT" for IPv6). */
void proxy_tunnel_shake_client(struct proxy_tunnel_shake *h);

/* The accept hook's lines for the SYN of h->peer into h->f.fp (none without a hook). */
void proxy_tunnel_shake_syn(struct proxy_server *p, struct proxy_tunnel_shake *h);

/* Table tb's PROXY input policy (proxy_protocol_in, trusted_proxies). */
void proxy_tunnel_shake_policy(const struct proxy_config_pt *tb, struct proxy_ppin_policy *pol);

/*
 * The PROXY header question on h->in[0..len) of a peer classified as kind: 0 more bytes
 * needed; 1 settled: a header is consumed (h->in holds what came after it; h->peer,
 * h->local, h->client and the p0f lines are the header's), or there was none (a trusted
 * peer's own SYN is then looked up); h->lim is then max_hello_bytes + slack; -1 refused
 * (counted, logged): *why is the access log's RESULT (pp_untrusted, pp_missing, pp_bad).
 */
int proxy_tunnel_shake_pp(struct proxy_server *p, const struct proxy_config_pt *tb, int kind,
			  struct proxy_tunnel_shake *h, const char **why);

/* The connection ended or timed out inside a PROXY header: counted; returns the RESULT
 * "pp_incomplete". */
const char *proxy_tunnel_shake_cut(struct proxy_server *p);

#endif
