/*
 * tunnel_shake.c - a passthrough connection's handshake state (tunnel_shake.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/loop.h"
#include "proxy/ppgate.h"
#include "proxy/tunnel_shake.h"

struct proxy_tunnel_shake *proxy_tunnel_shake_get(struct proxy_tunnel_shakes *pool, uint32_t cap)
{
	struct proxy_tunnel_shake **pp = &pool->free, *h;

	for (; (h = *pp) != NULL; pp = &h->pool_next) {
		if (h->cap >= cap) {
			*pp = h->pool_next;
			pool->n--;
			break;
		}
	}
	if (!h) {
		h = malloc(sizeof(*h) + cap);
		if (!h)
			return NULL;
		h->cap = cap;
	}
	/* Only what is read before it is written. */
	h->pool_next = NULL;
	h->lim = cap;
	h->len = h->hdr_len = h->sent = 0;
	h->local.ss_family = AF_UNSPEC;
	h->f.kind = PROXY_TUNNEL_UNDECIDED;
	h->f.sni_len = h->f.fp_len = 0;
	h->f.ja4[0] = h->f.ja4_r[0] = '\0';
	h->f.err = NULL;
	return h;
}

void proxy_tunnel_shake_put(struct proxy_tunnel_shakes *pool, struct proxy_tunnel_shake *h)
{
	if (!h)
		return;
	if (pool->n >= PROXY_TUNNEL_SHAKE_POOL) {
		free(h);
		return;
	}
	h->pool_next = pool->free;
	pool->free = h;
	pool->n++;
}

void proxy_tunnel_shake_free(struct proxy_tunnel_shakes *pool)
{
	while (pool->free) {
		struct proxy_tunnel_shake *h = pool->free;

		pool->free = h->pool_next;
		free(h);
	}
	pool->n = 0;
}

void proxy_tunnel_shake_syn(struct proxy_server *p, struct proxy_tunnel_shake *h)
{
	socklen_t sl = h->peer.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
						     : sizeof(struct sockaddr_in);
	int n;

	if (!p->o.hook || !p->o.hook->on_accept)
		return;
	n = p->o.hook->on_accept(p->o.hook->ctx, (const struct sockaddr *)&h->peer, sl, h->f.fp,
				 sizeof(h->f.fp));
	h->f.fp_len = n > 0 && (size_t)n <= sizeof(h->f.fp) ? (uint16_t)n : 0;
}

void proxy_tunnel_shake_policy(const struct proxy_config_pt *tb, struct proxy_ppin_policy *pol)
{
	pol->mode = tb->pp_in;
	pol->trusted = tb->trusted;
	pol->n_trusted = tb->n_trusted;
	pol->max_len = PROXY_PPIN_MAX;
}

void proxy_tunnel_shake_client(struct proxy_tunnel_shake *h)
{
	char ip[INET6_ADDRSTRLEN];
	uint16_t port;
	int v = proxy_loop_addr(&h->peer, ip, sizeof(ip), &port);

	snprintf(h->client, sizeof(h->client),
		 v == 6	  ? "[%s]:%u"
		 : v == 4 ? "%s:%u"
			  : "%s",
		 ip, port);
}

int proxy_tunnel_shake_pp(struct proxy_server *p, const struct proxy_config_pt *tb, int kind,
			  struct proxy_tunnel_shake *h, const char **why)
{
	static const char *const refusals[] = {"pp_untrusted", "pp_missing", "pp_bad",
					       "pp_incomplete"};
	struct proxy_ppin_policy pol;
	struct proxy_ppgate g;
	int r;

	proxy_tunnel_shake_policy(tb, &pol);
	r = proxy_ppgate_read(p, &pol, kind, h->in, h->len, h->client, &g);
	if (r == 0)
		return 0;
	if (r < 0) {
		*why = refusals[g.result - PROXY_PPIN_UNTRUSTED];
		return -1;
	}
	if (g.result == PROXY_PPIN_NONE && kind == PROXY_PPIN_PEER_TRUSTED) {
		proxy_tunnel_shake_syn(p, h); /* the trusted peer is its own client */
	} else if (g.result != PROXY_PPIN_NONE) {
		if (g.has_addr) {
			h->peer = g.src;
			h->local = g.dst;
			proxy_tunnel_shake_client(h);
		}
		/* 0xE0 and 0xE1 from the header only: the SYN the agent saw is the balancer's.
		 * Its 0xE2 line is there too but never read: JA4 is computed from the hello
		 * that is relayed (docs/proxy-protocol.md). */
		memcpy(h->f.fp, g.fp, g.fp_len);
		h->f.fp_len = g.fp_len;
		h->len -= g.skip;
		memmove(h->in, h->in + g.skip, h->len);
	}
	h->lim = tb->max_hello_bytes + PROXY_TUNNEL_SHAKE_SLACK;
	return 1;
}

const char *proxy_tunnel_shake_cut(struct proxy_server *p)
{
	proxy_ppgate_incomplete(p);
	return "pp_incomplete";
}
