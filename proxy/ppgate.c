/*
 * ppgate.c - the PROXY header question of an accepted connection (ppgate.h).
 */
#include <string.h>

#include "proxy/loop.h"
#include "proxy/ppgate.h"

int proxy_ppgate_read(struct proxy_server *p, const struct proxy_ppin_policy *pol, int kind,
		      const void *buf, size_t len, const char *peer, struct proxy_ppgate *g)
{
	const struct sockaddr_storage *cl;
	struct proxy_ppin r;
	unsigned ignored = 0;

	if (!proxy_ppin_read(pol, kind, buf, len, &r))
		return 0;
	g->result = r.result;
	g->skip = 0;
	g->has_addr = 0;
	g->fp_len = 0;
	/* A watched peer without a header is an ordinary client: nothing to count. */
	if (kind == PROXY_PPIN_PEER_TRUSTED || r.result != PROXY_PPIN_NONE)
		p->ms->pp[r.result]++;
	if (r.result >= PROXY_PPIN_UNTRUSTED) {
		/* No answer: the peer is not speaking the way the configuration says. */
		if (r.result == PROXY_PPIN_BAD)
			proxy_loop_logf(p, LOG_LEVEL_DEBUG,
					"PROXY header from %s refused: %s at byte %zu", peer, r.err,
					r.err_off);
		else
			proxy_loop_logf(p, LOG_LEVEL_DEBUG, "PROXY header from %s refused: %s",
					peer, proxy_ppin_result_name(r.result));
		return -1;
	}
	if (r.result == PROXY_PPIN_NONE)
		return 1;
	g->skip = (uint32_t)r.len;
	cl = proxy_ppin_client(&r);
	if (cl) {
		g->has_addr = 1;
		g->src = *cl;
		g->dst = r.h.dst;
	}
	/* Fingerprints come from the TLVs only: the SYN the agent saw is the balancer's. */
	g->fp_len = (uint16_t)proxy_ppin_fp_lines(&r, g->fp, sizeof(g->fp), &ignored);
	p->ms->pp_tlv_ignored += ignored;
	return 1;
}

void proxy_ppgate_incomplete(struct proxy_server *p)
{
	p->ms->pp[PROXY_PPIN_INCOMPLETE]++;
}
