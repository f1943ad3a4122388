/*
 * link.h - the agent's hold on the interface: find the interface, look at what runs on it,
 * attach through a bpf link pinned as <pin>/link_<ifname>, take over a predecessor's
 * link, and on exit release it.
 *
 * "Ours" is exactly the program behind that pinned link.  A new agent with the same pin
 * path swaps its program into the running link (BPF_LINK_UPDATE: atomic, no gap); any
 * other XDP program on the interface is refused.  On SIGTERM an agent detaches only if
 * the link still runs its own program; if a successor swapped in, it leaves everything
 * in place.
 *
 * The agent_link_*_plan/foreign functions are the pure rules (unit-tested); the others
 * are the steps, each 0 or -errno after logging why.
 */
#ifndef HUGINN_AGENT_LINK_H
#define HUGINN_AGENT_LINK_H

#include <stdint.h>

#include "agent/state.h"
#include "sys/netlink.h"

/* What to do with a link pinned at our link path, found at start. */
enum agent_link_found {
	AGENT_LINK_FOUND_OURS,	/* an XDP link attached to this interface: ours to take over */
	AGENT_LINK_FOUND_STALE, /* an XDP link not attached here: remove the pin */
	AGENT_LINK_FOUND_BAD,	/* not an XDP link: refuse, someone else's file */
};

/*
 * is_xdp: the pinned link's type is BPF_LINK_TYPE_XDP; link_ifindex: the interface it
 * is attached to; mode: the XDP mode its program runs in on our interface (0 if it does
 * not run there).
 */
enum agent_link_found agent_link_found_plan(int is_xdp, uint32_t link_ifindex, int ifindex,
					    uint32_t mode);

/*
 * The first program id attached to l that is not ours (0 = none of ours), in the order
 * driver, generic, hardware, single; 0 when only ours (or nothing) runs there.
 */
uint32_t agent_link_foreign(const struct nl_link *l, uint32_t ours);

enum agent_link_attach {
	AGENT_LINK_ATTACH_NEW,	    /* no link of ours: create one */
	AGENT_LINK_ATTACH_TAKEOVER, /* our link in the wanted mode: swap the program in */
	AGENT_LINK_ATTACH_REMODE,   /* our link in another mode: detach it, then create (a gap) */
};

/* have_old: a link of ours was found; old_mode / want: XDP_FLAGS_*_MODE. */
enum agent_link_attach agent_link_attach_plan(int have_old, uint32_t old_mode, uint32_t want);

/* What release does with the link it made or took over. */
struct agent_link_release {
	uint8_t leave;	    /* a successor swapped its program in: touch nothing */
	uint8_t unlink_pin; /* the pin still names this very link: remove it */
	uint8_t detach;	    /* still attached: detach */
};

/*
 * link_prog_id / link_ifindex: what the link runs and where (0 = detached);
 * our_prog_id: the program we loaded; pin_link_id: the id of the link pinned at our
 * path now (0 = none or unreadable); our_link_id: the link we hold.
 */
struct agent_link_release agent_link_release_plan(uint32_t link_prog_id, uint32_t link_ifindex,
						  uint32_t our_prog_id, uint32_t pin_link_id,
						  uint32_t our_link_id);

/* Open the netlink socket and find a->cfg.ifname. */
int agent_link_ifindex(struct agent_state *a);

/* Before anything is created: what runs on the interface now?  Sets a->old_link (our
 * pinned link, if its program is attached here) and refuses any program not behind it. */
int agent_link_inspect(struct agent_state *a);

/* Attach a->prog_fd: take over, re-mode or create and pin a link (agent_link_attach_plan). */
int agent_link_attach(struct agent_state *a);

/* On exit: detach only if the link still runs our program. */
int agent_link_release(struct agent_state *a);

#endif
