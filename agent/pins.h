/*
 * pins.h - the agent's pins on bpffs: the pin directory, each map's fate (reuse the
 * pinned map, replace it, or make a new one) and the two-phase re-pinning that lets
 * readers never see a missing file.
 *
 * A restart reuses every pinned map whose type, sizes, capacity and flags still match
 * (except the filter map, which is always new), and replaces the others: the new map is
 * pinned under a temporary name (no '.' on bpffs) and, once the new program runs,
 * rename(2)d over the old pin, so a failed start leaves every pin as it was.  Map pins are
 * never removed.  With HUGINN_EBPF_PIN_GID the directory (0750) and every map pin
 * (0640) belong to that group before a reader can find them under their final name.
 *
 * agent_pins_decide() is the pure rule; the other functions do the steps in the order
 * agent/run.c calls them.  Each returns 0 or -errno after logging why.
 */
#ifndef HUGINN_AGENT_PINS_H
#define HUGINN_AGENT_PINS_H

#include <stdint.h>

#include "agent/state.h"

/* The fate of one map, or err (< 0) when the agent must stop. */
struct agent_pins_verdict {
	enum agent_map_fate fate;
	int err;
};

/*
 * The rule: get_rc is what BPF_OBJ_GET on the map's pin returned (an fd >= 0 or
 * -errno); compat what obj_map_compatible() said about that fd (1 same map, 0 a
 * different map, < 0 not a map at all; ignored when get_rc < 0).
 *   no pin (-ENOENT)       -> NEW
 *   pin unreadable (other) -> err = get_rc
 *   compatible             -> REUSE
 *   a map, but different   -> REPLACE
 *   not a map              -> err = compat (someone else's file: never touched)
 */
struct agent_pins_verdict agent_pins_decide(int get_rc, int compat);

/* Why a pin directory is not trusted (agent_pins_trust). */
enum agent_pins_trust {
	AGENT_PINS_TRUSTED = 0,
	AGENT_PINS_NOT_OWNER,	/* not owned by the agent's euid: someone else made it */
	AGENT_PINS_WRITABLE,	/* group or others may write it: they could swap the pins */
	AGENT_PINS_PARENT_OPEN, /* its parent lets others rename it away (writable, no sticky bit)
				 */
};

/*
 * The rule for the pin directory (owner uid, mode) and its parent's mode (parent_mode 0
 * when the directory is the root of its bpffs mount, whose parent does not matter): the
 * agent's euid owns it, nobody else may write it, and a parent that others may write has
 * the sticky bit (as `mount -t bpf` gives the bpffs root, 1777).  Pure.
 */
enum agent_pins_trust agent_pins_trust(uint32_t uid, uint32_t mode, uint32_t parent_mode,
				       uint32_t euid);

/*
 * The pin directory must be on bpffs; make it if its parent is; refuse it unless
 * agent_pins_trust() says so; keep it open in a->dir_fd; give it to the group.
 */
int agent_pins_setup_dir(struct agent_state *a);

/*
 * The handover lock: flock(LOCK_EX) on a->dir_fd, waiting at most wait_ms.  Every agent
 * with this pin path holds it from looking at the interface until its program is attached
 * and pinned, and again while it releases on SIGTERM, so "take over" and "release" never
 * interleave.  The kernel drops it when the holder dies (SIGKILL included).  0, -ETIMEDOUT.
 */
int agent_pins_lock(struct agent_state *a, unsigned wait_ms);
void agent_pins_unlock(struct agent_state *a);

/*
 * Under the lock: remove every temporary pin (tmp*).  Only the lock holder makes them
 * and it renames or removes them before it unlocks, so any found now belongs to an
 * agent that died (SIGKILL) in the middle of its start.
 */
void agent_pins_sweep_tmp(struct agent_state *a);

/* Decide every map's fate (a->fate); reused maps get their fd in a->obj. */
int agent_pins_open(struct agent_state *a);

/*
 * Pin every map that is not reused under a temporary name: nothing a running agent
 * uses changes before the new program is attached.  The filter map (huginn_config) is
 * never reused: each agent writes its filter into a map of its own.
 */
int agent_pins_early(struct agent_state *a);

/* After the new program runs: move the temporary pins over the final names. */
int agent_pins_late(struct agent_state *a);

/* Drop temporary pins after a failed start. */
void agent_pins_unpin_tmp(struct agent_state *a);

#endif
