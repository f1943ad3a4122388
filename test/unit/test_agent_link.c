/*
 * test_agent_link.c - the pure rules of agent/link.h, from the ownership contract
 * (docs/agent.md): a pinned XDP link on our interface is ours to take over, a detached
 * one is a stale pin, one attached elsewhere (another interface or network namespace)
 * makes the pin path another agent's, anything else at that path is refused; any program
 * attached that is not behind our link is foreign; a link in another mode is detached
 * first; on exit the agent detaches only a pinned link that still runs its own program.
 */
#include <string.h>
#include <linux/if_link.h>

#include "agent/link.h"
#include "test/harness.h"

static void test_found(void)
{
	is_int(agent_link_found_plan(1, 4, 4, XDP_FLAGS_DRV_MODE), AGENT_LINK_FOUND_OURS,
	       "XDP link on our interface, running: ours");
	is_int(agent_link_found_plan(1, 4, 4, XDP_FLAGS_SKB_MODE), AGENT_LINK_FOUND_OURS,
	       "XDP link on our interface, generic mode: ours");
	is_int(agent_link_found_plan(1, 5, 4, XDP_FLAGS_DRV_MODE), AGENT_LINK_FOUND_OTHER,
	       "XDP link attached to another interface: another agent's pin path");
	is_int(agent_link_found_plan(1, 5, 4, 0), AGENT_LINK_FOUND_OTHER,
	       "XDP link attached to another interface, not running here: another agent's");
	is_int(agent_link_found_plan(1, 0, 4, 0), AGENT_LINK_FOUND_STALE,
	       "detached XDP link (device gone): stale pin");
	is_int(agent_link_found_plan(1, 0, 4, XDP_FLAGS_SKB_MODE), AGENT_LINK_FOUND_STALE,
	       "detached XDP link whose program runs here through another link: stale pin");
	is_int(agent_link_found_plan(1, 4, 4, 0), AGENT_LINK_FOUND_OTHER,
	       "same ifindex, program not running here: another network namespace's");
	is_int(agent_link_found_plan(0, 4, 4, XDP_FLAGS_DRV_MODE), AGENT_LINK_FOUND_BAD,
	       "not an XDP link: refused");
	is_int(agent_link_found_plan(0, 0, 4, 0), AGENT_LINK_FOUND_BAD, "unreadable link: refused");
}

static void test_foreign(void)
{
	struct nl_link l;

	memset(&l, 0, sizeof(l));
	is_int(agent_link_foreign(&l, 0), 0, "nothing attached: nothing foreign");
	is_int(agent_link_foreign(&l, 9), 0, "nothing attached, ours named: nothing foreign");
	l.drv_prog_id = l.xdp_prog_id = 9;
	is_int(agent_link_foreign(&l, 9), 0, "only ours (driver mode)");
	is_int(agent_link_foreign(&l, 0), 9, "a program and no link of ours: foreign");
	is_int(agent_link_foreign(&l, 8), 9, "another program than ours: foreign");
	memset(&l, 0, sizeof(l));
	l.skb_prog_id = l.xdp_prog_id = 12;
	is_int(agent_link_foreign(&l, 12), 0, "only ours (generic mode)");
	is_int(agent_link_foreign(&l, 0), 12, "generic-mode stranger");
	memset(&l, 0, sizeof(l));
	l.drv_prog_id = 9;
	l.skb_prog_id = 12;
	is_int(agent_link_foreign(&l, 9), 12, "ours in driver mode, a stranger in generic");
	is_int(agent_link_foreign(&l, 12), 9, "ours in generic mode, a stranger in driver");
	memset(&l, 0, sizeof(l));
	l.hw_prog_id = 3;
	is_int(agent_link_foreign(&l, 9), 3, "offloaded stranger");
}

static void test_attach(void)
{
	is_int(agent_link_attach_plan(0, 0, XDP_FLAGS_DRV_MODE), AGENT_LINK_ATTACH_NEW,
	       "no link of ours: new link");
	is_int(agent_link_attach_plan(0, XDP_FLAGS_DRV_MODE, XDP_FLAGS_DRV_MODE),
	       AGENT_LINK_ATTACH_NEW, "no link of ours (a mode left over): new link");
	is_int(agent_link_attach_plan(1, XDP_FLAGS_DRV_MODE, XDP_FLAGS_DRV_MODE),
	       AGENT_LINK_ATTACH_TAKEOVER, "our link, same mode: take over, no gap");
	is_int(agent_link_attach_plan(1, XDP_FLAGS_SKB_MODE, XDP_FLAGS_SKB_MODE),
	       AGENT_LINK_ATTACH_TAKEOVER, "our link, generic both: take over");
	is_int(agent_link_attach_plan(1, XDP_FLAGS_SKB_MODE, XDP_FLAGS_DRV_MODE),
	       AGENT_LINK_ATTACH_REMODE, "our link in generic, native wanted: detach first");
	is_int(agent_link_attach_plan(1, XDP_FLAGS_DRV_MODE, XDP_FLAGS_SKB_MODE),
	       AGENT_LINK_ATTACH_REMODE, "our link in native, generic wanted: detach first");
	is_int(agent_link_attach_plan(1, AGENT_LINK_MODE_TC, AGENT_LINK_MODE_TC),
	       AGENT_LINK_ATTACH_TAKEOVER, "our tcx link, tc wanted: take over, no gap");
	is_int(agent_link_attach_plan(0, 0, AGENT_LINK_MODE_TC), AGENT_LINK_ATTACH_NEW,
	       "no link of ours, tc wanted: new tcx link");
	is_int(agent_link_attach_plan(1, XDP_FLAGS_SKB_MODE, AGENT_LINK_MODE_TC),
	       AGENT_LINK_ATTACH_SWITCH, "our link in generic XDP, tc wanted: attach, then detach");
	is_int(agent_link_attach_plan(1, XDP_FLAGS_DRV_MODE, AGENT_LINK_MODE_TC),
	       AGENT_LINK_ATTACH_SWITCH, "our link in native XDP, tc wanted: attach, then detach");
	is_int(agent_link_attach_plan(1, AGENT_LINK_MODE_TC, XDP_FLAGS_DRV_MODE),
	       AGENT_LINK_ATTACH_SWITCH, "our tcx link, native wanted: attach, then detach");
	is_int(agent_link_attach_plan(1, AGENT_LINK_MODE_TC, XDP_FLAGS_SKB_MODE),
	       AGENT_LINK_ATTACH_SWITCH, "our tcx link, generic wanted: attach, then detach");
	is_int(agent_link_mode_of_cfg(AGENT_CFG_XDP_TC), AGENT_LINK_MODE_TC, "tc mode's flag");
	is_int(agent_link_mode_of_cfg(AGENT_CFG_XDP_SKB), XDP_FLAGS_SKB_MODE, "skb mode's flag");
	is_int(agent_link_mode_of_cfg(AGENT_CFG_XDP_NATIVE), XDP_FLAGS_DRV_MODE,
	       "native mode's flag");
	ok(!(AGENT_LINK_MODE_TC &
	     (XDP_FLAGS_MODES | XDP_FLAGS_UPDATE_IF_NOEXIST | XDP_FLAGS_REPLACE)),
	   "the tc mode value is no XDP flag");
	is_str(agent_link_mode_name(AGENT_LINK_MODE_TC), "tc", "tc mode's name");
	is_int(agent_link_is_ours_type(BPF_LINK_TYPE_XDP), 1, "an XDP link is a kind we pin");
	is_int(agent_link_is_ours_type(11), 1, "a tcx link (BPF_LINK_TYPE_TCX = 11) too");
	is_int(agent_link_is_ours_type(BPF_LINK_TYPE_CGROUP), 0, "a cgroup link is not");
}

static void release(int have_pin, uint32_t pprog, uint32_t pif, uint32_t ours, uint32_t oprog,
		    uint32_t oif, int leave, int unlink_pin, int detach_pin, int detach_own,
		    const char *what)
{
	struct agent_link_release r =
	    agent_link_release_plan(have_pin, pprog, pif, ours, oprog, oif);

	is_int(r.leave, leave, "%s: leave", what);
	is_int(r.unlink_pin, unlink_pin, "%s: unlink pin", what);
	is_int(r.detach_pin, detach_pin, "%s: detach the pinned link", what);
	is_int(r.detach_own, detach_own, "%s: detach our own link", what);
}

static void test_release(void)
{
	release(1, 20, 4, 20, 20, 4, 0, 1, 1, 0, "pinned link runs ours, attached: unpin, detach");
	release(1, 21, 4, 20, 21, 4, 1, 0, 0, 0, "a successor swapped in: leave everything");
	release(1, 21, 0, 20, 21, 0, 1, 0, 0, 0, "a successor's link, detached: still leave it");
	release(1, 21, 4, 20, 20, 4, 1, 0, 0, 0,
		"pin holds a successor's link, ours still runs ours: leave (never two owners)");
	release(1, 20, 4, 20, 0, 0, 0, 1, 1, 0,
		"our program put back under a new pinned link after a failed re-mode: detach it");
	release(1, 20, 0, 20, 20, 0, 0, 1, 0, 0, "already detached (device gone): unpin only");
	release(0, 0, 0, 20, 20, 4, 0, 0, 0, 1, "no pin any more, ours still runs: detach ours");
	release(0, 0, 0, 20, 21, 4, 0, 0, 0, 0, "no pin, our link runs another program: leave");
	release(0, 0, 0, 20, 20, 0, 0, 0, 0, 0, "no pin, our link detached: nothing to do");
}

int main(void)
{
	test_found();
	test_foreign();
	test_attach();
	test_release();
	return done_testing();
}
