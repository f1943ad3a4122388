/*
 * check.h - the diagnostics behind `huginn-ebpf-agent --check`.
 *
 * Each check fills one result: OK / FAIL / SKIP and a one-line message that
 * says what was found and, on FAIL, what to do.  Nothing is printed here.
 * The checks that only interpret text (kernel release, /proc/self/status,
 * unprivileged_bpf_disabled) are pure, so tests feed them any input; the
 * others make the real syscalls (statfs, bpf, netlink).
 *
 * It also holds the `--health` probe: read-only questions to the kernel
 * about what a running agent left attached, judged by a pure function.
 */
#ifndef HUGINN_AGENT_CHECK_H
#define HUGINN_AGENT_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "agent/cfg.h"
#include "sys/netlink.h"
#include "sys/obj.h"

#define AGENT_CHECK_MSG 512

enum agent_check_status {
	AGENT_CHECK_OK = 0,
	AGENT_CHECK_FAIL,
	AGENT_CHECK_SKIP,
};

struct agent_check {
	enum agent_check_status status;
	char msg[AGENT_CHECK_MSG];
};

/* Capability numbers (linux/capability.h). */
#define AGENT_CHECK_CAP_NET_ADMIN 12
#define AGENT_CHECK_CAP_SYS_ADMIN 21
#define AGENT_CHECK_CAP_PERFMON 38
#define AGENT_CHECK_CAP_BPF 39

/* "OK", "FAIL", "SKIP". */
const char *agent_check_status_name(enum agent_check_status s);

/* uname release "6.1.0-18-amd64": XDP bpf links need 5.9.  Pure. */
void agent_check_kernel(struct agent_check *r, const char *release);

/* The CapEff mask from the text of /proc/self/status; -ENOENT if absent, -EINVAL if bad. */
int agent_check_capeff_parse(const char *status_text, uint64_t *eff);

/*
 * Judge an effective capability set: CAP_BPF (or CAP_SYS_ADMIN),
 * CAP_NET_ADMIN and CAP_PERFMON (or CAP_SYS_ADMIN).  Returns 1 if bpf() and
 * XDP attach are allowed, else 0.  Pure.
 */
int agent_check_caps(struct agent_check *r, uint64_t eff);

/* /proc/sys/kernel/unprivileged_bpf_disabled (NULL: unreadable).  Pure. */
void agent_check_unpriv(struct agent_check *r, const char *value, int privileged);

/* The pin path is on bpffs, or will be created in a bpffs directory. */
void agent_check_bpffs(struct agent_check *r, const struct agent_cfg *cfg);

/* Create (and close) a small LRU hash like the SYN maps. */
void agent_check_map(struct agent_check *r);

/*
 * Open the object in buf, create throwaway maps and load the program prog
 * (the configured mode's) through the verifier.  Returns the program fd
 * (caller closes it; obj_close(o) after) or -1.
 */
int agent_check_prog(struct agent_check *r, struct obj *o, const void *buf, size_t len,
		     enum obj_prog prog);

/*
 * The interface exists (iface) and the configured XDP mode can be used
 * (mode): if a program is attached, whether it is huginn's (the one behind
 * <pin>/link_<ifname>) or foreign; if none is, prog_fd is attached in that
 * mode for a moment and detached.  In tc mode prog_fd (tc_syn) is always
 * attached at tc ingress for a moment (tcx hooks take many programs; XDP ones
 * do not matter).  SKIP both when cfg names no interface.
 */
void agent_check_iface(struct agent_check *iface, struct agent_check *mode,
		       const struct agent_cfg *cfg, int prog_fd);

/* The lines of --check, in the order they are shown. */
enum agent_check_item {
	AGENT_CHECK_ENV = 0,
	AGENT_CHECK_KERNEL,
	AGENT_CHECK_CAPS,
	AGENT_CHECK_UNPRIV,
	AGENT_CHECK_BPFFS,
	AGENT_CHECK_MAP,
	AGENT_CHECK_PROG,
	AGENT_CHECK_IFACE,
	AGENT_CHECK_MODE,
	AGENT_CHECK_NITEMS,
};

/* "environment", "kernel version", ... "XDP mode". */
const char *agent_check_item_name(enum agent_check_item i);

/*
 * Every check of --check, with the configuration from envp (a bad one is the
 * environment's FAIL; the checks that need it then use the defaults) and the
 * BPF object buf[len].  Raises RLIMIT_MEMLOCK like the agent.  Fills
 * res[AGENT_CHECK_NITEMS] and returns how many are FAIL.
 */
int agent_check_all(struct agent_check *res, char *const *envp, const void *buf, size_t len);

/* "id 42 'xdp_foo'", or "id 42 (name unknown: ...)" without CAP_SYS_ADMIN. */
void agent_check_prog_describe(uint32_t id, char *buf, size_t n);

/* ---- --health ---- */

/* Map ids a program may list for the health check to look at. */
#define AGENT_CHECK_PROG_MAPS 16

/* One pinned SYN map, as BPF_OBJ_GET_INFO_BY_FD describes it. */
struct agent_check_map_facts {
	uint32_t id, type, key_size, value_size;
};

/*
 * What agent_check_health() gathered; agent_check_health_judge() decides from this
 * alone, so tests feed it every case without a kernel.
 */
struct agent_check_health_facts {
	int ifindex;				   /* of cfg->ifname */
	struct agent_check_map_facts map[2];	   /* tcp_syn_map_v4, tcp_syn_map_v6 */
	uint32_t link_id, link_type, link_ifindex; /* <pin>/link_<ifname>; ifindex 0 = detached */
	uint32_t link_prog_id;
	struct nl_link xdp;    /* the interface's XDP state, from netlink */
	int tcx_attached;      /* tc ingress of the interface (our netns) runs the link */
	char foreign[96];      /* "id N 'name'" of an attached program not behind the link */
	int prog_seen;	       /* the program could be opened by id (needs CAP_SYS_ADMIN) */
	char prog_name[16];    /* then: its name */
	uint32_t prog_nr_maps; /* and the ids of the maps it uses (at most AGENT_CHECK_PROG_MAPS) */
	uint32_t prog_maps[AGENT_CHECK_PROG_MAPS];
};

/*
 * Healthy means: both SYN maps are pinned with this version's layout, the
 * link pinned at <pin>/link_<ifname> is an XDP link on that interface, its
 * program is the one netlink reports attached there, in the configured mode,
 * and (when the program is visible) it is xdp_syn writing to those very maps.
 * In tc mode: the link is a tcx link on that interface, BPF_PROG_QUERY of the
 * interface's tc ingress in our network namespace lists it (tcx_attached), and
 * its program is tc_syn writing to those maps.
 * r->msg is "xdp_syn (prog id N) attached to IF in MODE mode; maps
 * tcp_syn_map_v4 (id A), tcp_syn_map_v6 (id B)" or the first reason it is not,
 * naming the object.  Pure.
 */
void agent_check_health_judge(struct agent_check *r, const struct agent_cfg *cfg,
			      const struct agent_check_health_facts *f);

/*
 * The `--health` probe: gather the facts (maps opened with BPF_F_RDONLY, the
 * link pin's info, one RTM_GETLINK) and judge them.  Loads, attaches, pins
 * and changes nothing; every fd is closed again.  OK or FAIL in r.
 */
void agent_check_health(struct agent_check *r, const struct agent_cfg *cfg);

#endif /* HUGINN_AGENT_CHECK_H */
