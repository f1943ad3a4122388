/*
 * watch.h - notice that the agent's interface went away while it runs.
 *
 * A deleted interface (or one moved to another network namespace) takes the XDP
 * program with it, and a new interface of the same name gets none.  The agent does not
 * re-attach by itself: it logs the event and exits with AGENT_WATCH_EXIT_GONE, so that
 * the orchestrator (systemd Restart=, Kubernetes, Compose restart:) starts it again,
 * which attaches to whatever interface has the name then.
 */
#ifndef HUGINN_AGENT_WATCH_H
#define HUGINN_AGENT_WATCH_H

#include "agent/state.h"

/* The agent's exit status when its interface was deleted. */
#define AGENT_WATCH_EXIT_GONE 3

/*
 * Subscribe a->watch to link events (RTMGRP_LINK), then check that a->ifindex still
 * exists (it may have gone before the subscription).  0, 1 if already gone, or -errno
 * after logging.
 */
int agent_watch_open(struct agent_state *a);

/*
 * Read the pending events of a->watch (poll said readable): 1 if the interface was
 * deleted (logged), 0 if not, -errno after logging.  An overrun (ENOBUFS) is answered
 * by asking the kernel whether the interface still exists.
 */
int agent_watch_read(struct agent_state *a);

#endif
