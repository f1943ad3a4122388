/*
 * pins.h - the agent's pins on bpffs: the pin directory, each map's fate (reuse the
 * pinned map, replace it, or make a new one) and the two-phase re-pinning that lets
 * readers never see a missing file.
 *
 * A restart reuses every pinned map whose type, sizes, capacity and flags still match,
 * and replaces the others: the new map is pinned under a temporary name (no '.' on
 * bpffs) and, once the new program runs, rename(2)d over the old pin.  Map pins are
 * never removed.  With HUGINN_EBPF_PIN_GID the directory (0750) and every map pin
 * (0640) belong to that group before a reader can find them under their final name.
 *
 * agent_pins_decide() is the pure rule; the other functions do the steps in the order
 * agent/run.c calls them.  Each returns 0 or -errno after logging why.
 */
#ifndef HUGINN_AGENT_PINS_H
#define HUGINN_AGENT_PINS_H

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

/* The pin directory must be on bpffs; make it if its parent is, give it to the group. */
int agent_pins_setup_dir(const struct agent_state *a);

/* Decide every map's fate (a->fate); reused maps get their fd in a->obj. */
int agent_pins_open(struct agent_state *a);

/* Pin new maps at their name, replacements at a temporary name. */
int agent_pins_early(struct agent_state *a);

/* After the new program runs: move replacement pins over the old ones. */
int agent_pins_late(struct agent_state *a);

/* Drop temporary pins after a failed start. */
void agent_pins_unpin_tmp(struct agent_state *a);

#endif
