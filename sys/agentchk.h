/*
 * agentchk.h - the diagnostics behind `huginn-ebpf-agent --check`.
 *
 * Each check fills one result: OK / FAIL / SKIP and a one-line message that
 * says what was found and, on FAIL, what to do.  Nothing is printed here.
 * The checks that only interpret text (kernel release, /proc/self/status,
 * unprivileged_bpf_disabled) are pure, so tests feed them any input; the
 * others make the real syscalls (statfs, bpf, netlink).
 */
#ifndef HUGINN_SYS_AGENTCHK_H
#define HUGINN_SYS_AGENTCHK_H

#include <stddef.h>
#include <stdint.h>

#include "sys/agentcfg.h"
#include "sys/obj.h"

#define AGENTCHK_MSG 512

enum agentchk_status {
	AGENTCHK_OK = 0,
	AGENTCHK_FAIL,
	AGENTCHK_SKIP,
};

struct agentchk {
	enum agentchk_status status;
	char msg[AGENTCHK_MSG];
};

/* Capability numbers (linux/capability.h). */
#define AGENTCHK_CAP_NET_ADMIN 12
#define AGENTCHK_CAP_SYS_ADMIN 21
#define AGENTCHK_CAP_PERFMON 38
#define AGENTCHK_CAP_BPF 39

/* "OK", "FAIL", "SKIP". */
const char *agentchk_status_name(enum agentchk_status s);

/* uname release "6.1.0-18-amd64": XDP bpf links need 5.9.  Pure. */
void agentchk_kernel(struct agentchk *r, const char *release);

/* The CapEff mask from the text of /proc/self/status; -ENOENT if absent, -EINVAL if bad. */
int agentchk_capeff_parse(const char *status_text, uint64_t *eff);

/*
 * Judge an effective capability set: CAP_BPF (or CAP_SYS_ADMIN),
 * CAP_NET_ADMIN and CAP_PERFMON (or CAP_SYS_ADMIN).  Returns 1 if bpf() and
 * XDP attach are allowed, else 0.  Pure.
 */
int agentchk_caps(struct agentchk *r, uint64_t eff);

/* /proc/sys/kernel/unprivileged_bpf_disabled (NULL: unreadable).  Pure. */
void agentchk_unpriv(struct agentchk *r, const char *value, int privileged);

/* The pin path is on bpffs, or will be created in a bpffs directory. */
void agentchk_bpffs(struct agentchk *r, const struct agentcfg *cfg);

/* Create (and close) a small LRU hash like the SYN maps. */
void agentchk_map(struct agentchk *r);

/*
 * Open the object in buf, create throwaway maps and load the program through
 * the verifier.  Returns the program fd (caller closes it; obj_close(o) after)
 * or -1.
 */
int agentchk_prog(struct agentchk *r, struct obj *o, const void *buf, size_t len);

/*
 * The interface exists (iface) and the configured XDP mode can be used
 * (mode): if a program is attached, whether it is huginn's (the one behind
 * <pin>/link_<ifname>) or foreign; if none is, prog_fd is attached in that
 * mode for a moment and detached.  SKIP both when cfg names no interface.
 */
void agentchk_iface(struct agentchk *iface, struct agentchk *mode, const struct agentcfg *cfg,
		    int prog_fd);

/* "id 42 'xdp_foo'", or "id 42 (name unknown: ...)" without CAP_SYS_ADMIN. */
void agentchk_prog_describe(uint32_t id, char *buf, size_t n);

#endif /* HUGINN_SYS_AGENTCHK_H */
