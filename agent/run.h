/*
 * run.h - the agent's lifecycle in order, one step per call of agent/pins.h,
 * agent/link.h and agent/prog.h:
 *
 *   start: find the interface, lift RLIMIT_MEMLOCK, set up (and trust) the pin directory,
 *          take its lock, look at what runs on the interface (our pinned link? a foreign
 *          program? another agent's pin path?), open the object, decide each map's fate,
 *          create maps, pin the new ones under temporary names, write the filter, load
 *          the program, attach (new link, takeover, or re-mode), move the temporary pins
 *          over the final names, drop the lock.
 *   stop:  take the lock, release the link (detach only if the pinned link runs our
 *          program), drop the lock.
 *
 * Map pins are never removed: the proxy reads them and the next start reuses them.
 */
#ifndef HUGINN_AGENT_RUN_H
#define HUGINN_AGENT_RUN_H

#include "agent/state.h"

/*
 * Run the start steps on a (a->cfg, a->blob and a->log set by the caller).  Returns 0
 * with the program attached, or the exit status: 2 for a configuration problem (no such
 * interface), 1 for the others.  On failure nothing stays attached and temporary pins
 * are gone; agent_state_close() is still the caller's.
 */
int agent_run_start(struct agent_state *a);

/* Release what start attached: 0 or -errno. */
int agent_run_stop(struct agent_state *a);

#endif
