/*
 * run.c - the order of the agent's lifecycle steps (run.h).
 */
#include <errno.h>
#include <sys/resource.h>

#include "agent/link.h"
#include "agent/pins.h"
#include "agent/prog.h"
#include "agent/run.h"
#include "sys/bpf.h"

/* Kernels since 5.11 account BPF memory to the cgroup: the limit only matters before. */
static void raise_memlock(struct agent_state *a)
{
	struct rlimit rl;
	int err = bpf_raise_memlock();

	if (!err)
		return;
	/* Without CAP_SYS_RESOURCE the soft limit can still go up to the hard one. */
	if (!getrlimit(RLIMIT_MEMLOCK, &rl) && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_MEMLOCK, &rl);
	}
	agent_state_logf(a, LOG_LEVEL_DEBUG,
			 "RLIMIT_MEMLOCK not lifted to unlimited (%s); kernels since 5.11 do not "
			 "need it",
			 agent_state_strerror(err));
}

/* Longest wait for another agent's start or stop with the same pin path. */
#define LOCK_WAIT_MS 20000

/* Everything between looking at the interface and a pinned attach: under the lock. */
static int start_locked(struct agent_state *a)
{
	agent_pins_sweep_tmp(a);
	if (agent_link_inspect(a))
		return 1;
	if (agent_prog_open(a) || agent_pins_open(a) || agent_prog_create_maps(a))
		return 1;
	if (agent_pins_early(a) || agent_prog_write_filter(a) || agent_prog_load(a) ||
	    agent_link_attach(a)) {
		agent_pins_unpin_tmp(a);
		return 1;
	}
	if (agent_pins_late(a)) {
		agent_link_release(a);
		return 1;
	}
	return 0;
}

int agent_run_start(struct agent_state *a)
{
	int rc, err;

	if (agent_link_ifindex(a))
		return 2;
	raise_memlock(a);
	if (agent_pins_setup_dir(a))
		return 1;
	if (agent_state_path(a->link_path, a->cfg.pin_path, "link_", a->cfg.ifname))
		return 1;
	err = agent_pins_lock(a, LOCK_WAIT_MS);
	if (err) {
		agent_state_logf(a, LOG_LEVEL_ERROR, "cannot lock %s: %s", a->cfg.pin_path,
				 agent_state_strerror(err));
		return 1;
	}
	rc = start_locked(a);
	agent_pins_unlock(a);
	nl_close(&a->nl);
	return rc;
}

int agent_run_stop(struct agent_state *a)
{
	int err;

	if (a->link_fd < 0)
		return 0;
	/* Never decide about the link while a successor may be swapping it. */
	err = agent_pins_lock(a, LOCK_WAIT_MS);
	if (err) {
		agent_state_logf(a, LOG_LEVEL_ERROR,
				 "cannot lock %s (%s): leaving the program attached",
				 a->cfg.pin_path, agent_state_strerror(err));
		return err;
	}
	err = agent_link_release(a);
	agent_pins_unlock(a);
	return err;
}
