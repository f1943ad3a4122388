/*
 * link.h - the agent's hold on the interface: find the interface, look at what runs on it,
 * attach through a bpf link pinned as <pin>/link_<ifname>, take over a predecessor's
 * link, and on exit release it.  The link is an XDP link (native / skb mode) or, in tc
 * mode, a tcx link at tc ingress (BPF_TCX_INGRESS); the same pin path, the same rules.
 *
 * "Ours" is exactly the program behind that pinned link.  A new agent with the same pin
 * path and mode swaps its program into the running link (BPF_LINK_UPDATE: atomic, no
 * gap); in an XDP mode any other XDP program on the interface is refused (tc mode
 * shares the interface with XDP and with other tcx programs).  A change between XDP and
 * tc attaches the new link before the old one is detached (both hooks coexist).  On SIGTERM an
 * agent detaches only if the pinned link still runs its own program; if a successor swapped in, it
 * leaves everything in place.  Both steps run under the pin directory's flock (agent_pins_lock), so
 * a successor's swap and a predecessor's detach never interleave.
 *
 * The agent_link_*_plan/foreign functions are the pure rules (unit-tested); the others
 * are the steps, each 0 or -errno after logging why.
 */
#ifndef HUGINN_AGENT_LINK_H
#define HUGINN_AGENT_LINK_H

#include <stdint.h>

#include "agent/state.h"
#include "sys/netlink.h"

/* What to do with a link pinned at our link path (or another link_* pin), found at start. */
enum agent_link_found {
	AGENT_LINK_FOUND_OURS,	/* an XDP link running on this interface: ours to take over */
	AGENT_LINK_FOUND_STALE, /* a detached XDP link (ifindex 0): remove the pin */
	AGENT_LINK_FOUND_OTHER, /* an XDP link attached elsewhere: another interface, or the
				 * same ifindex in another network namespace; the pin path is
				 * that agent's: refuse */
	AGENT_LINK_FOUND_BAD,	/* not an XDP link: refuse, someone else's file */
};

/*
 * The "mode" of a tc link, beside the XDP_FLAGS_*_MODE values: outside their bits.
 */
#define AGENT_LINK_MODE_TC (1u << 16)

/*
 * The kernel's view decides, never a name: is_ours_type: the pinned link's type is
 * BPF_LINK_TYPE_XDP or tcx; link_ifindex: the interface it is attached to (0 once the
 * kernel detached it); mode: where it runs on our interface in our network namespace
 * (0 if it does not run there): its XDP mode according to netlink, or
 * AGENT_LINK_MODE_TC when BPF_PROG_QUERY of our interface's tcx ingress lists the link
 * (ifindex numbers repeat across namespaces; the query resolves it in ours).
 */
enum agent_link_found agent_link_found_plan(int is_ours_type, uint32_t link_ifindex, int ifindex,
					    uint32_t mode);

/* XDP_FLAGS_DRV_MODE / XDP_FLAGS_SKB_MODE / AGENT_LINK_MODE_TC for a configured mode. */
uint32_t agent_link_mode_of_cfg(enum agent_cfg_xdp_mode m);

/* "native", "skb", ... or "tc". */
const char *agent_link_mode_name(uint32_t mode);

/* An XDP or tcx link: the two kinds an agent pins. */
int agent_link_is_ours_type(uint32_t link_type);

/* The interface of an XDP or tcx link (0: detached, or another type). */
uint32_t agent_link_ifindex_of(const struct bpf_link_info *li);

/*
 * The first program id attached to l that is not ours (0 = none of ours), in the order
 * driver, generic, hardware, single; 0 when only ours (or nothing) runs there.
 */
uint32_t agent_link_foreign(const struct nl_link *l, uint32_t ours);

enum agent_link_attach {
	AGENT_LINK_ATTACH_NEW,	    /* no link of ours: create one */
	AGENT_LINK_ATTACH_TAKEOVER, /* our link in the wanted mode: swap the program in */
	AGENT_LINK_ATTACH_REMODE,   /* our link in another XDP mode: detach it, then create (a gap:
				     * native and skb XDP cannot run at once) */
	AGENT_LINK_ATTACH_SWITCH,   /* XDP <-> tc: create and pin ours, then detach the old (no
				     * gap: the hooks coexist) */
};

/* have_old: a link of ours was found; old_mode / want: XDP_FLAGS_*_MODE or _MODE_TC. */
enum agent_link_attach agent_link_attach_plan(int have_old, uint32_t old_mode, uint32_t want);

/* What release does, under the handover lock (agent_pins_lock). */
struct agent_link_release {
	uint8_t leave;	    /* the pinned link runs another program: a successor's, touch nothing */
	uint8_t unlink_pin; /* the pinned link runs our program: remove the pin */
	uint8_t detach_pin; /* ... and it is attached: detach it */
	uint8_t detach_own; /* no pin at all, and the link we hold still runs ours: detach it */
};

/*
 * Ownership is what the pinned link runs, read under the lock: have_pin: a link is
 * pinned at our link path; pin_prog_id / pin_ifindex: what it runs and where (0 =
 * detached); our_prog_id: the program we loaded; own_prog_id / own_ifindex: the same for
 * the link fd we hold (after a failed mode change of a successor it may be an older link
 * than the pinned one, which runs our program again).
 */
struct agent_link_release agent_link_release_plan(int have_pin, uint32_t pin_prog_id,
						  uint32_t pin_ifindex, uint32_t our_prog_id,
						  uint32_t own_prog_id, uint32_t own_ifindex);

/* Open the netlink socket and find a->cfg.ifname. */
int agent_link_ifindex(struct agent_state *a);

/*
 * Before anything is created, under the handover lock: what runs on the interface now?
 * Sets a->old_link (our pinned link, if its program is attached here), refuses any
 * program not behind it, and refuses a pin path whose link pins (link_*) are attached to
 * another interface or network namespace; pins of detached links are removed.
 */
int agent_link_inspect(struct agent_state *a);

/*
 * Attach a->prog_fd: take over, re-mode, switch or create and pin a link
 * (agent_link_attach_plan).  A failed switch leaves the old link attached and pinned.
 * New link pins appear by rename(2) over the old name.  A failed re-mode puts the old
 * program back in its old mode, pinned at the same path (needs CAP_SYS_ADMIN to open
 * it by id; without, a mode change is refused before anything is touched).
 */
int agent_link_attach(struct agent_state *a);

/* On exit, under the handover lock: detach only if the pinned link runs our program. */
int agent_link_release(struct agent_state *a);

#endif
