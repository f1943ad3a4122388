/*
 * test_agent_pins.c - the map-fate rule of agent/pins.h, case by case, as the agent's
 * ownership contract states it (docs/agent.md): reuse a compatible pinned map, replace a
 * different one, make a missing one, never touch a pin that is not a map.
 */
#include <errno.h>

#include "agent/pins.h"
#include "test/harness.h"

static void fate(int get_rc, int compat, int want_fate, int want_err, const char *what)
{
	struct agent_pins_verdict v = agent_pins_decide(get_rc, compat);

	is_int(v.err, want_err, "%s: error", what);
	if (!want_err)
		is_int(v.fate, want_fate, "%s: fate", what);
}

static void trust(uint32_t uid, uint32_t mode, uint32_t pmode, int want, const char *what)
{
	is_int(agent_pins_trust(uid, mode, pmode, 0), want, "%s", what);
}

/* The pin directory rule (defect: a directory made by someone else was trusted). */
static void test_trust(void)
{
	trust(0, 0755, 01777, AGENT_PINS_TRUSTED, "root's 0755 under a sticky 1777 bpffs root");
	trust(0, 0750, 0700, AGENT_PINS_TRUSTED, "root:GID 0750 (HUGINN_EBPF_PIN_GID)");
	trust(0, 0700, 0, AGENT_PINS_TRUSTED, "a bpffs root of its own, 0700");
	trust(65534, 0755, 01777, AGENT_PINS_NOT_OWNER, "made by nobody");
	trust(65534, 0700, 0, AGENT_PINS_NOT_OWNER, "a bpffs root owned by another user");
	trust(0, 01777, 0, AGENT_PINS_WRITABLE, "the bpffs root as mounted, 1777");
	trust(0, 0775, 0755, AGENT_PINS_WRITABLE, "group-writable");
	trust(0, 0757, 0755, AGENT_PINS_WRITABLE, "world-writable");
	trust(0, 0755, 0777, AGENT_PINS_PARENT_OPEN, "parent 0777 without the sticky bit");
	trust(0, 0755, 0775, AGENT_PINS_PARENT_OPEN, "parent group-writable without sticky");
	is_int(agent_pins_trust(1000, 0755, 0755, 1000), AGENT_PINS_TRUSTED,
	       "owned by the agent's own euid (not root)");
}

int main(void)
{
	test_trust();
	/* No pin: make one, whatever the compatibility argument says (it is not looked at). */
	fate(-ENOENT, 0, AGENT_MAP_NEW, 0, "no pin");
	fate(-ENOENT, 1, AGENT_MAP_NEW, 0, "no pin, compat ignored");
	fate(-ENOENT, -EINVAL, AGENT_MAP_NEW, 0, "no pin, bad compat ignored");
	/* A pin that cannot be opened for another reason stops the agent with that reason. */
	fate(-EACCES, 0, 0, -EACCES, "pin not readable");
	fate(-EPERM, 1, 0, -EPERM, "pin refused");
	fate(-ENOTDIR, 0, 0, -ENOTDIR, "pin path through a file");
	/* An open pin: compatible -> reuse (entries survive); a map of another shape ->
	 * replace; not a map (obj_map_compatible < 0) -> stop, never replace a stranger. */
	fate(3, 1, AGENT_MAP_REUSE, 0, "compatible map");
	fate(0, 1, AGENT_MAP_REUSE, 0, "compatible map on fd 0");
	fate(7, 0, AGENT_MAP_REPLACE, 0, "different map");
	fate(7, -EINVAL, 0, -EINVAL, "not a map");
	fate(7, -ENOTSUP, 0, -ENOTSUP, "not a map (other reason)");
	ok(AGENT_MAP_REUSE != AGENT_MAP_NEW && AGENT_MAP_NEW != AGENT_MAP_REPLACE &&
	       AGENT_MAP_REUSE != AGENT_MAP_REPLACE,
	   "three distinct fates");
	return done_testing();
}
