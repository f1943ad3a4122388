/*
 * agentchk.c - the --check diagnostics, see agentchk.h.
 *
 * Messages are written for the operator who runs --check on a node that
 * does not work yet: what was found, then the fix.
 */
#include "sys/agentchk.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bpf/xdp_syn.h"
#include "sys/bpf.h"
#include "sys/netlink.h"

#define VLOG_BYTES (256 * 1024)
#define PATH_BYTES 256

__attribute__((format(printf, 3, 4))) static void set(struct agentchk *r, enum agentchk_status s,
						      const char *fmt, ...)
{
	va_list ap;

	r->status = s;
	va_start(ap, fmt);
	vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
	va_end(ap);
}

static const char *err_str(int err)
{
	return strerror(err < 0 ? -err : err);
}

const char *agentchk_status_name(enum agentchk_status s)
{
	return s == AGENTCHK_OK ? "OK" : s == AGENTCHK_FAIL ? "FAIL" : "SKIP";
}

void agentchk_kernel(struct agentchk *r, const char *release)
{
	unsigned maj = 0, min = 0;

	if (sscanf(release, "%u.%u", &maj, &min) != 2) {
		set(r, AGENTCHK_FAIL, "cannot read the version in '%.64s'", release);
		return;
	}
	if (maj > 5 || (maj == 5 && min >= 9))
		set(r, AGENTCHK_OK, "%.64s (XDP bpf links need >= 5.9)", release);
	else
		set(r, AGENTCHK_FAIL, "%.64s: XDP bpf links need >= 5.9; upgrade the kernel",
		    release);
}

int agentchk_capeff_parse(const char *text, uint64_t *eff)
{
	const char *p = text;
	uint64_t v = 0;
	int digits = 0;

	/* Only a line that starts with the key counts. */
	while (p && *p) {
		if (strncmp(p, "CapEff:", 7) == 0)
			break;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	if (!p || !*p)
		return -ENOENT;
	for (p += 7; *p == ' ' || *p == '\t'; p++)
		;
	for (; *p && *p != '\n'; p++) {
		int d;

		if (*p >= '0' && *p <= '9')
			d = *p - '0';
		else if (*p >= 'a' && *p <= 'f')
			d = *p - 'a' + 10;
		else if (*p >= 'A' && *p <= 'F')
			d = *p - 'A' + 10;
		else
			return -EINVAL;
		if (++digits > 16)
			return -EINVAL;
		v = v << 4 | (uint64_t)d;
	}
	if (!digits)
		return -EINVAL;
	*eff = v;
	return 0;
}

static const char *yes(uint64_t eff, int cap)
{
	return eff & (1ULL << cap) ? "yes" : "no";
}

int agentchk_caps(struct agentchk *r, uint64_t eff)
{
	int sys = !!(eff & (1ULL << AGENTCHK_CAP_SYS_ADMIN));
	int bpf = sys || (eff & (1ULL << AGENTCHK_CAP_BPF));
	int net = !!(eff & (1ULL << AGENTCHK_CAP_NET_ADMIN));
	int perf = sys || (eff & (1ULL << AGENTCHK_CAP_PERFMON));

	if (bpf && net && perf)
		set(r, AGENTCHK_OK,
		    "CAP_BPF %s, CAP_NET_ADMIN yes, CAP_PERFMON %s, CAP_SYS_ADMIN %s%s",
		    yes(eff, AGENTCHK_CAP_BPF), yes(eff, AGENTCHK_CAP_PERFMON),
		    yes(eff, AGENTCHK_CAP_SYS_ADMIN),
		    sys ? "" : " (foreign XDP programs are named by id only)");
	else
		set(r, AGENTCHK_FAIL,
		    "CAP_BPF %s, CAP_NET_ADMIN %s, CAP_PERFMON %s, CAP_SYS_ADMIN %s: run as root "
		    "or "
		    "grant CAP_BPF, CAP_NET_ADMIN and CAP_PERFMON",
		    yes(eff, AGENTCHK_CAP_BPF), yes(eff, AGENTCHK_CAP_NET_ADMIN),
		    yes(eff, AGENTCHK_CAP_PERFMON), yes(eff, AGENTCHK_CAP_SYS_ADMIN));
	return bpf && net;
}

void agentchk_unpriv(struct agentchk *r, const char *value, int privileged)
{
	char v[16];

	if (!value) {
		set(r, privileged ? AGENTCHK_OK : AGENTCHK_FAIL, "not readable%s",
		    privileged ? "; irrelevant with capabilities"
			       : " and no capabilities: grant CAP_BPF");
		return;
	}
	snprintf(v, sizeof(v), "%.*s", (int)strcspn(value, "\n"), value);
	if (privileged)
		set(r, AGENTCHK_OK, "%s (the agent uses capabilities, any value works)", v);
	else if (strcmp(v, "0") == 0)
		set(r, AGENTCHK_FAIL, "0, but XDP attach needs CAP_NET_ADMIN and the maps CAP_BPF");
	else
		set(r, AGENTCHK_FAIL, "%s and no capabilities: bpf() is refused; grant CAP_BPF", v);
}

void agentchk_bpffs(struct agentchk *r, const struct agentcfg *cfg)
{
	char parent[PATH_BYTES];
	int err = bpf_fs_check(cfg->pin_path);

	if (!err) {
		set(r, AGENTCHK_OK, "%s is on bpffs", cfg->pin_path);
		return;
	}
	if (err == -ENOENT && !agentcfg_pin_parent(cfg, parent, sizeof(parent)) &&
	    !bpf_fs_check(parent)) {
		set(r, AGENTCHK_OK, "%s will be created in %s (bpffs)", cfg->pin_path, parent);
		return;
	}
	set(r, AGENTCHK_FAIL, "%s: %s; mount bpffs (mount -t bpf bpf /sys/fs/bpf) or set %s",
	    cfg->pin_path, err == -ENOTSUP ? "not a bpf filesystem" : err_str(err),
	    AGENTCFG_ENV_PIN_PATH);
}

void agentchk_map(struct agentchk *r)
{
	int fd =
	    bpf_map_create(BPF_MAP_TYPE_LRU_HASH, "huginn_check", sizeof(struct huginn_syn_key_v4),
			   sizeof(struct huginn_syn_rec), 16, 0);

	if (fd < 0) {
		set(r, AGENTCHK_FAIL, "LRU hash: %s%s", err_str(fd),
		    fd == -EPERM ? " (needs CAP_BPF)" : "");
		return;
	}
	close(fd);
	set(r, AGENTCHK_OK, "LRU hash of %zu-byte records", sizeof(struct huginn_syn_rec));
}

int agentchk_prog(struct agentchk *r, struct obj *o, const void *buf, size_t len)
{
	char *vlog = calloc(1, VLOG_BYTES);
	size_t n;
	int fd, err;

	err = obj_open(o, buf, len);
	if (err) {
		set(r, AGENTCHK_FAIL, "the embedded object is broken at byte %zu: %s", o->err_off,
		    o->err ? o->err : err_str(err));
		free(vlog);
		return -1;
	}
	err = obj_create_maps(o);
	fd = err ? err : obj_load(o, vlog, vlog ? VLOG_BYTES : 0);
	if (fd < 0) {
		/* The verifier's last words say why. */
		n = vlog ? strlen(vlog) : 0;
		set(r, AGENTCHK_FAIL, "%s%s%s", err_str(fd), n ? ": ..." : "",
		    n ? vlog + (n > 300 ? n - 300 : 0) : "");
		free(vlog);
		return -1;
	}
	free(vlog);
	set(r, AGENTCHK_OK, "%s accepted (%zu instructions)", HUGINN_PROG_NAME, o->insn_cnt);
	return fd;
}

void agentchk_prog_describe(uint32_t id, char *buf, size_t n)
{
	struct bpf_prog_info pi;
	uint32_t len = sizeof(pi);
	int fd = bpf_prog_get_fd_by_id(id);

	if (fd < 0) {
		snprintf(buf, n, "id %u (name unknown: %s)", id, err_str(fd));
		return;
	}
	memset(&pi, 0, sizeof(pi));
	if (bpf_obj_get_info(fd, &pi, &len))
		snprintf(buf, n, "id %u", id);
	else
		snprintf(buf, n, "id %u '%.16s'", id, pi.name);
	close(fd);
}

/* The program id behind our pinned link, 0 if none. */
static uint32_t pinned_link_prog(const struct agentcfg *cfg)
{
	struct bpf_link_info li;
	uint32_t len = sizeof(li);
	char path[PATH_BYTES];
	int n, fd;

	n = snprintf(path, sizeof(path), "%s/link_%s", cfg->pin_path, cfg->ifname);
	if (n < 0 || (size_t)n >= sizeof(path))
		return 0;
	fd = bpf_obj_get(path, 0);
	if (fd < 0)
		return 0;
	memset(&li, 0, sizeof(li));
	if (bpf_obj_get_info(fd, &li, &len))
		li.prog_id = 0;
	close(fd);
	return li.prog_id;
}

static void check_attached(struct agentchk *mode, const struct agentcfg *cfg,
			   const struct nl_link *l)
{
	const uint32_t ids[] = {l->drv_prog_id, l->skb_prog_id, l->hw_prog_id};
	uint32_t ours = pinned_link_prog(cfg);
	char who[96];
	size_t i;

	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		if (!ids[i])
			continue;
		agentchk_prog_describe(ids[i], who, sizeof(who));
		if (ids[i] != ours) {
			set(mode, AGENTCHK_FAIL,
			    "foreign XDP program %s attached in %s mode: the agent would refuse; "
			    "detach it or stop its owner first",
			    who, nl_xdp_mode_name(nl_xdp_mode_of(l, ids[i])));
			return;
		}
		set(mode, AGENTCHK_OK,
		    "huginn's program %s runs in %s mode; a new agent takes over", who,
		    nl_xdp_mode_name(nl_xdp_mode_of(l, ids[i])));
	}
}

void agentchk_iface(struct agentchk *iface, struct agentchk *mode, const struct agentcfg *cfg,
		    int prog_fd)
{
	uint32_t want = cfg->xdp_mode == AGENTCFG_XDP_SKB ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE;
	struct nl_sock nl = {.fd = -1};
	struct nl_link l;
	int ifindex, err, fd;

	if (!cfg->ifname[0]) {
		set(iface, AGENTCHK_SKIP, "%s is not set", AGENTCFG_ENV_INTERFACE);
		set(mode, AGENTCHK_SKIP, "no interface");
		return;
	}
	err = nl_open(&nl);
	ifindex = err ? err : nl_ifindex(&nl, cfg->ifname);
	if (ifindex < 0) {
		set(iface, AGENTCHK_FAIL, "%s='%s': %s", AGENTCFG_ENV_INTERFACE, cfg->ifname,
		    ifindex == -ENODEV ? "no such interface in this network namespace"
				       : err_str(ifindex));
		set(mode, AGENTCHK_SKIP, "no interface");
		goto out;
	}
	set(iface, AGENTCHK_OK, "%s has ifindex %d", cfg->ifname, ifindex);
	err = nl_xdp_query(&nl, ifindex, &l, NULL, 0);
	if (err) {
		set(mode, AGENTCHK_FAIL, "cannot query %s: %s", cfg->ifname, err_str(err));
		goto out;
	}
	if (l.xdp_attached != XDP_ATTACHED_NONE) {
		check_attached(mode, cfg, &l);
		goto out;
	}
	if (prog_fd < 0) {
		set(mode, AGENTCHK_SKIP, "no program to try");
		goto out;
	}
	/*
	 * Only an attach tells for sure.  The link dies with its fd at once;
	 * on some NICs a native attach briefly reconfigures the rings.
	 */
	fd = bpf_link_create(prog_fd, ifindex, BPF_XDP, want);
	if (fd < 0) {
		set(mode, AGENTCHK_FAIL, "%s mode on %s: %s%s", nl_xdp_mode_name(want), cfg->ifname,
		    err_str(fd),
		    want == XDP_FLAGS_DRV_MODE ? "; try HUGINN_EBPF_XDP_MODE=skb" : "");
		goto out;
	}
	bpf_link_detach(fd);
	close(fd);
	set(mode, AGENTCHK_OK, "%s mode attaches on %s (tried and detached)",
	    nl_xdp_mode_name(want), cfg->ifname);
out:
	nl_close(&nl);
}
