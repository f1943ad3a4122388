/*
 * tunnel.h - passthrough listeners (issue 13; config in config_pt.h, the whole behaviour
 * in docs/passthrough.md): TCP connections whose TLS ClientHello is read in the clear,
 * fingerprinted and routed by SNI, then relayed unchanged to a backend after a PROXY
 * protocol v2 header that carries the client's address, the SNI, the p0f signature and
 * label of its SYN (the accept hook, as HTTP listeners have it) and JA4 / JA4_r.
 *
 * A connection's life (tunnel.c):
 *   HELLO    with proxy_protocol_in on, a trusted peer's PROXY header first (tunnel_shake.h:
 *            the client and its p0f TLVs come from it); then
 *            read the first flight into a buffer of max_hello_bytes + 1 KiB until
 *            tls_hello_read decides (a whole ClientHello, not TLS, too large, malformed),
 *            within timeouts.client_header;
 *   CONNECT  non-blocking connect to the route's next backend (round robin; a refusing
 *            or failing one is marked down for PROXY_DOWN_MS and the next one tried),
 *            within timeouts.connect per attempt;
 *            the header and first flight are sent right after connect (EAGAIN: not
 *            connected yet, wait for EPOLLOUT; an error: the next backend);
 *   SEND     the rest of the PROXY header and the buffered first flight;
 *   RELAY    both directions, copies first and then splice(2) through pooled pipes
 *            (relay.h), half-closes passed on, until both directions are done, a socket
 *            fails or nothing moved for timeouts.idle.
 * The hello buffer exists only in HELLO..SEND; a relaying tunnel keeps its two sockets,
 * about 200 bytes of state and its access-log fields.
 *
 * Access log (opts.access_fd), one line per connection when it ends:
 *   TIME CLIENT TUNNEL RESULT UP DOWN MS KIND SNI BACKEND JA4 P0F OS
 * RESULT: done, reset, idle_timeout, drain, no_route, no_backend (after a relay or a
 * routing attempt), or the first flight's fault: too_large, slow, malformed, incomplete,
 * or an incoming PROXY header refused: pp_untrusted, pp_missing, pp_bad, pp_incomplete.
 * UP/DOWN: client bytes delivered to the backend / backend bytes delivered to the client
 * (the PROXY header not counted).  KIND: tls, tcp (not TLS) or - (undecided).  SNI,
 * BACKEND, JA4 (hashed), P0F (the x-tcp-p0f value): "-" when absent.  OS: the
 * x-tcp-p0f-os value (it holds spaces: the last field, to the end of the line) or "-".
 */
#ifndef HUGINN_PROXY_TUNNEL_H
#define HUGINN_PROXY_TUNNEL_H

#include <stdint.h>

#include "proxy/engine.h"

/* Set up p->pt for p->cfg's [[passthrough]] tables (p->pt stays NULL without any).
 * Returns 0 or -ENOMEM. */
int proxy_tunnel_create(struct proxy_server *p);

/* Adopt the listening socket fd of table ti (opened by server.c) into the loop.
 * Returns 0 or -errno (fd is then closed). */
int proxy_tunnel_listen(struct proxy_server *p, unsigned int ti, int fd);

/* epoll events: a passthrough listener (HK_PT_LISTEN) or a tunnel socket (HK_TUNNEL,
 * HK_TUNNEL_UP); obj is the event's data pointer. */
void proxy_tunnel_event(struct proxy_server *p, void *obj, uint32_t ev);

/* A timer on TL_PT_HELLO, TL_PT_CONNECT or TL_PT_IDLE expired. */
void proxy_tunnel_timeout(struct proxy_server *p, struct proxy_timer *t, enum proxy_tl list);

/* p->cfg was replaced by a reload (same passthrough listeners): forget round-robin
 * positions and down marks.  Open tunnels go on; a connect that fails after the reload
 * routes again with the new tables. */
void proxy_tunnel_reload(struct proxy_server *p);

/* SIGTERM: accept what is queued, close the listeners; tunnels go on until they end or
 * the drain time is up. */
void proxy_tunnel_drain(struct proxy_server *p);

/* After a batch of events: closed tunnels back to the free list. */
void proxy_tunnel_reap(struct proxy_server *p);

/* Close every tunnel (logged with RESULT drain) and listener, free p->pt.  Safe twice. */
void proxy_tunnel_destroy(struct proxy_server *p);

#endif
