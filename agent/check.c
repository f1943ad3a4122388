/*
 * check.c - the --check diagnostics, see check.h.
 *
 * Messages are written for the operator who runs --check on a node that
 * does not work yet: what was found, then the fix.
 */
#include "agent/check.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "bpf/xdp_syn.h"
#include "sys/bpf.h"
#include "sys/netlink.h"

#define VLOG_BYTES (256 * 1024)
#define PATH_BYTES 256

__attribute__((format(printf, 3, 4))) static void
set(struct agent_check *r, enum agent_check_status s, const char *fmt, ...)
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

const char *agent_check_status_name(enum agent_check_status s)
{
	return s == AGENT_CHECK_OK ? "OK" : s == AGENT_CHECK_FAIL ? "FAIL" : "SKIP";
}

void agent_check_kernel(struct agent_check *r, const char *release)
{
	unsigned maj = 0, min = 0;

	if (sscanf(release, "%u.%u", &maj, &min) != 2) {
		set(r, AGENT_CHECK_FAIL, "cannot read the version in '%.64s'", release);
		return;
	}
	if (maj > 5 || (maj == 5 && min >= 9))
		set(r, AGENT_CHECK_OK, "%.64s (XDP bpf links need >= 5.9)", release);
	else
		set(r, AGENT_CHECK_FAIL, "%.64s: XDP bpf links need >= 5.9; upgrade the kernel",
		    release);
}

int agent_check_capeff_parse(const char *text, uint64_t *eff)
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

int agent_check_caps(struct agent_check *r, uint64_t eff)
{
	int sys = !!(eff & (1ULL << AGENT_CHECK_CAP_SYS_ADMIN));
	int bpf = sys || (eff & (1ULL << AGENT_CHECK_CAP_BPF));
	int net = !!(eff & (1ULL << AGENT_CHECK_CAP_NET_ADMIN));
	int perf = sys || (eff & (1ULL << AGENT_CHECK_CAP_PERFMON));

	if (bpf && net && perf)
		set(r, AGENT_CHECK_OK,
		    "CAP_BPF %s, CAP_NET_ADMIN yes, CAP_PERFMON %s, CAP_SYS_ADMIN %s%s",
		    yes(eff, AGENT_CHECK_CAP_BPF), yes(eff, AGENT_CHECK_CAP_PERFMON),
		    yes(eff, AGENT_CHECK_CAP_SYS_ADMIN),
		    sys ? "" : " (foreign XDP programs are named by id only)");
	else
		set(r, AGENT_CHECK_FAIL,
		    "CAP_BPF %s, CAP_NET_ADMIN %s, CAP_PERFMON %s, CAP_SYS_ADMIN %s: run as root "
		    "or "
		    "grant CAP_BPF, CAP_NET_ADMIN and CAP_PERFMON",
		    yes(eff, AGENT_CHECK_CAP_BPF), yes(eff, AGENT_CHECK_CAP_NET_ADMIN),
		    yes(eff, AGENT_CHECK_CAP_PERFMON), yes(eff, AGENT_CHECK_CAP_SYS_ADMIN));
	return bpf && net;
}

void agent_check_unpriv(struct agent_check *r, const char *value, int privileged)
{
	char v[16];

	if (!value) {
		set(r, privileged ? AGENT_CHECK_OK : AGENT_CHECK_FAIL, "not readable%s",
		    privileged ? "; irrelevant with capabilities"
			       : " and no capabilities: grant CAP_BPF");
		return;
	}
	snprintf(v, sizeof(v), "%.*s", (int)strcspn(value, "\n"), value);
	if (privileged)
		set(r, AGENT_CHECK_OK, "%s (the agent uses capabilities, any value works)", v);
	else if (strcmp(v, "0") == 0)
		set(r, AGENT_CHECK_FAIL,
		    "0, but XDP attach needs CAP_NET_ADMIN and the maps CAP_BPF");
	else
		set(r, AGENT_CHECK_FAIL, "%s and no capabilities: bpf() is refused; grant CAP_BPF",
		    v);
}

void agent_check_bpffs(struct agent_check *r, const struct agent_cfg *cfg)
{
	char parent[PATH_BYTES];
	int err = bpf_fs_check(cfg->pin_path);

	if (!err) {
		set(r, AGENT_CHECK_OK, "%s is on bpffs", cfg->pin_path);
		return;
	}
	if (err == -ENOENT && !agent_cfg_pin_parent(cfg, parent, sizeof(parent)) &&
	    !bpf_fs_check(parent)) {
		set(r, AGENT_CHECK_OK, "%s will be created in %s (bpffs)", cfg->pin_path, parent);
		return;
	}
	set(r, AGENT_CHECK_FAIL, "%s: %s; mount bpffs (mount -t bpf bpf /sys/fs/bpf) or set %s",
	    cfg->pin_path, err == -ENOTSUP ? "not a bpf filesystem" : err_str(err),
	    AGENT_CFG_ENV_PIN_PATH);
}

void agent_check_map(struct agent_check *r)
{
	int fd =
	    bpf_map_create(BPF_MAP_TYPE_LRU_HASH, "huginn_check", sizeof(struct huginn_syn_key_v4),
			   sizeof(struct huginn_syn_rec), 16, 0);

	if (fd < 0) {
		set(r, AGENT_CHECK_FAIL, "LRU hash: %s%s", err_str(fd),
		    fd == -EPERM ? " (needs CAP_BPF)" : "");
		return;
	}
	close(fd);
	set(r, AGENT_CHECK_OK, "LRU hash of %zu-byte records", sizeof(struct huginn_syn_rec));
}

int agent_check_prog(struct agent_check *r, struct obj *o, const void *buf, size_t len,
		     enum obj_prog prog)
{
	char *vlog = calloc(1, VLOG_BYTES);
	size_t n;
	int fd, err;

	err = obj_open_prog(o, buf, len, prog);
	if (err) {
		set(r, AGENT_CHECK_FAIL, "the embedded object is broken at byte %zu: %s",
		    o->err_off, o->err ? o->err : err_str(err));
		free(vlog);
		return -1;
	}
	err = obj_create_maps(o);
	fd = err ? err : obj_load(o, vlog, vlog ? VLOG_BYTES : 0);
	if (fd < 0) {
		/* The verifier's last words say why. */
		n = vlog ? strlen(vlog) : 0;
		set(r, AGENT_CHECK_FAIL, "%s%s%s", err_str(fd), n ? ": ..." : "",
		    n ? vlog + (n > 300 ? n - 300 : 0) : "");
		free(vlog);
		return -1;
	}
	free(vlog);
	set(r, AGENT_CHECK_OK, "%s accepted (%zu instructions)", o->prog_name, o->insn_cnt);
	return fd;
}

void agent_check_prog_describe(uint32_t id, char *buf, size_t n)
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
static uint32_t pinned_link_prog(const struct agent_cfg *cfg)
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

static void check_attached(struct agent_check *mode, const struct agent_cfg *cfg,
			   const struct nl_link *l)
{
	const uint32_t ids[] = {l->drv_prog_id, l->skb_prog_id, l->hw_prog_id};
	uint32_t ours = pinned_link_prog(cfg);
	char who[96];
	size_t i;

	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		if (!ids[i])
			continue;
		agent_check_prog_describe(ids[i], who, sizeof(who));
		if (ids[i] != ours) {
			set(mode, AGENT_CHECK_FAIL,
			    "foreign XDP program %s attached in %s mode: the agent would refuse; "
			    "detach it or stop its owner first",
			    who, nl_xdp_mode_name(nl_xdp_mode_of(l, ids[i])));
			return;
		}
		set(mode, AGENT_CHECK_OK,
		    "huginn's program %s runs in %s mode; a new agent takes over", who,
		    nl_xdp_mode_name(nl_xdp_mode_of(l, ids[i])));
	}
}

/* tc mode: a tcx link at tc ingress, tried and detached (the agent attaches first in line). */
static void check_tcx(struct agent_check *mode, const struct agent_cfg *cfg, int ifindex,
		      int prog_fd)
{
	int fd;

	if (prog_fd < 0) {
		set(mode, AGENT_CHECK_SKIP, "no program to try");
		return;
	}
	fd = bpf_link_create(prog_fd, ifindex, OBJ_TCX_INGRESS, SYS_BPF_F_BEFORE);
	if (fd < 0) {
		set(mode, AGENT_CHECK_FAIL, "tc mode on %s: %s%s", cfg->ifname, err_str(fd),
		    fd == -EINVAL ? "; tcx links need kernel >= 6.6: use native or skb" : "");
		return;
	}
	bpf_link_detach(fd);
	close(fd);
	set(mode, AGENT_CHECK_OK,
	    "tc mode attaches at tc ingress of %s (tcx link, tried and "
	    "detached)",
	    cfg->ifname);
}

void agent_check_iface(struct agent_check *iface, struct agent_check *mode,
		       const struct agent_cfg *cfg, int prog_fd)
{
	uint32_t want =
	    cfg->xdp_mode == AGENT_CFG_XDP_SKB ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE;
	struct nl_sock nl = {.fd = -1};
	struct nl_link l;
	int ifindex, err, fd;

	if (!cfg->ifname[0]) {
		set(iface, AGENT_CHECK_SKIP, "%s is not set", AGENT_CFG_ENV_INTERFACE);
		set(mode, AGENT_CHECK_SKIP, "no interface");
		return;
	}
	err = nl_open(&nl);
	ifindex = err ? err : nl_ifindex(&nl, cfg->ifname);
	if (ifindex < 0) {
		set(iface, AGENT_CHECK_FAIL, "%s='%s': %s", AGENT_CFG_ENV_INTERFACE, cfg->ifname,
		    ifindex == -ENODEV ? "no such interface in this network namespace"
				       : err_str(ifindex));
		set(mode, AGENT_CHECK_SKIP, "no interface");
		goto out;
	}
	set(iface, AGENT_CHECK_OK, "%s has ifindex %d", cfg->ifname, ifindex);
	if (cfg->xdp_mode == AGENT_CFG_XDP_TC) {
		check_tcx(mode, cfg, ifindex, prog_fd);
		goto out;
	}
	err = nl_xdp_query(&nl, ifindex, &l, NULL, 0);
	if (err) {
		set(mode, AGENT_CHECK_FAIL, "cannot query %s: %s", cfg->ifname, err_str(err));
		goto out;
	}
	if (l.xdp_attached != XDP_ATTACHED_NONE) {
		check_attached(mode, cfg, &l);
		goto out;
	}
	if (prog_fd < 0) {
		set(mode, AGENT_CHECK_SKIP, "no program to try");
		goto out;
	}
	/*
	 * Only an attach tells for sure.  The link dies with its fd at once;
	 * on some NICs a native attach briefly reconfigures the rings.
	 */
	fd = bpf_link_create(prog_fd, ifindex, BPF_XDP, want);
	if (fd < 0) {
		set(mode, AGENT_CHECK_FAIL, "%s mode on %s: %s%s", nl_xdp_mode_name(want),
		    cfg->ifname, err_str(fd),
		    want == XDP_FLAGS_DRV_MODE ? "; try HUGINN_EBPF_XDP_MODE=skb" : "");
		goto out;
	}
	bpf_link_detach(fd);
	close(fd);
	set(mode, AGENT_CHECK_OK, "%s mode attaches on %s (tried and detached)",
	    nl_xdp_mode_name(want), cfg->ifname);
out:
	nl_close(&nl);
}

static const char *const item_names[AGENT_CHECK_NITEMS] = {
    [AGENT_CHECK_ENV] = "environment",
    [AGENT_CHECK_KERNEL] = "kernel version",
    [AGENT_CHECK_CAPS] = "capabilities",
    [AGENT_CHECK_UNPRIV] = "unprivileged_bpf_disabled",
    [AGENT_CHECK_BPFFS] = "bpffs at pin path",
    [AGENT_CHECK_MAP] = "map creation",
    [AGENT_CHECK_PROG] = "program load (verifier)",
    [AGENT_CHECK_IFACE] = "interface",
    [AGENT_CHECK_MODE] = "XDP mode",
};

const char *agent_check_item_name(enum agent_check_item i)
{
	return (unsigned)i < AGENT_CHECK_NITEMS ? item_names[i] : "?";
}

/* A small /proc file into buf; NULL if unreadable. */
static const char *read_small(const char *path, char *buf, size_t n)
{
	ssize_t got;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	got = read(fd, buf, n - 1);
	close(fd);
	if (got < 0)
		return NULL;
	buf[got] = 0;
	return buf;
}

int agent_check_all(struct agent_check *res, char *const *envp, const void *buf, size_t len)
{
	struct agent_cfg cfg;
	struct utsname u;
	struct obj o;
	char text[4096];
	uint64_t eff = 0;
	int failed = 0, privileged = 0, prog_fd, i;

	memset(&o, 0, sizeof(o));
	res[AGENT_CHECK_ENV].status = AGENT_CHECK_OK;
	if (agent_cfg_parse_envp(&cfg, envp, res[AGENT_CHECK_ENV].msg, sizeof(res[0].msg)))
		res[AGENT_CHECK_ENV].status = AGENT_CHECK_FAIL;
	else
		set(&res[AGENT_CHECK_ENV], AGENT_CHECK_OK,
		    "interface %s, port %u, %s mode, pin path %s", cfg.ifname, cfg.dst_port,
		    agent_cfg_xdp_mode_name(cfg.xdp_mode), cfg.pin_path);
	bpf_raise_memlock();

	if (uname(&u))
		snprintf(u.release, sizeof(u.release), "?");
	agent_check_kernel(&res[AGENT_CHECK_KERNEL], u.release);
	if (agent_check_capeff_parse(
		read_small("/proc/self/status", text, sizeof(text)) ? text : "", &eff))
		set(&res[AGENT_CHECK_CAPS], AGENT_CHECK_FAIL,
		    "cannot read CapEff from /proc/self/status");
	else
		privileged = agent_check_caps(&res[AGENT_CHECK_CAPS], eff);
	agent_check_unpriv(
	    &res[AGENT_CHECK_UNPRIV],
	    read_small("/proc/sys/kernel/unprivileged_bpf_disabled", text, sizeof(text)),
	    privileged);
	agent_check_bpffs(&res[AGENT_CHECK_BPFFS], &cfg);
	agent_check_map(&res[AGENT_CHECK_MAP]);
	prog_fd = agent_check_prog(&res[AGENT_CHECK_PROG], &o, buf, len,
				   cfg.xdp_mode == AGENT_CFG_XDP_TC ? OBJ_PROG_TC : OBJ_PROG_XDP);
	agent_check_iface(&res[AGENT_CHECK_IFACE], &res[AGENT_CHECK_MODE], &cfg, prog_fd);
	if (prog_fd >= 0)
		close(prog_fd);
	obj_close(&o);
	for (i = 0; i < AGENT_CHECK_NITEMS; i++)
		failed += res[i].status == AGENT_CHECK_FAIL;
	return failed;
}

/* ---- --health ---- */

static const char *const syn_maps[2] = {HUGINN_MAP_SYN_V4, HUGINN_MAP_SYN_V6};

static uint32_t want_mode(const struct agent_cfg *cfg)
{
	return cfg->xdp_mode == AGENT_CFG_XDP_SKB ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE;
}

/* tc mode: the pinned link is a tcx link that runs at tc ingress of our interface.  1 if so. */
static int judge_tcx(struct agent_check *r, const struct agent_cfg *cfg,
		     const struct agent_check_health_facts *f)
{
	const char *dir = cfg->pin_path, *ifn = cfg->ifname;

	if (f->link_type != SYS_BPF_LINK_TYPE_TCX) {
		set(r, AGENT_CHECK_FAIL,
		    "%s/link_%s (link id %u) is not a tcx link (type %u), but %s is tc", dir, ifn,
		    f->link_id, f->link_type, AGENT_CFG_ENV_XDP_MODE);
		return 0;
	}
	if (f->link_ifindex != (uint32_t)f->ifindex || !f->tcx_attached) {
		set(r, AGENT_CHECK_FAIL,
		    "tcx link id %u at %s/link_%s is %s, not at tc ingress of %s (ifindex %d) in "
		    "this network namespace",
		    f->link_id, dir, ifn,
		    !f->link_ifindex			      ? "detached"
		    : f->link_ifindex != (uint32_t)f->ifindex ? "on another interface"
							      : "on another namespace's interface",
		    ifn, f->ifindex);
		return 0;
	}
	return 1;
}

void agent_check_health_judge(struct agent_check *r, const struct agent_cfg *cfg,
			      const struct agent_check_health_facts *f)
{
	const uint32_t value = sizeof(struct huginn_syn_rec);
	const uint32_t keys[2] = {sizeof(struct huginn_syn_key_v4),
				  sizeof(struct huginn_syn_key_v6)};
	const struct nl_link *l = &f->xdp;
	const uint32_t ids[] = {l->drv_prog_id, l->skb_prog_id, l->hw_prog_id, l->xdp_prog_id};
	const char *dir = cfg->pin_path, *ifn = cfg->ifname, *name = HUGINN_PROG_NAME, *where;
	uint32_t ours = f->link_prog_id, mode, seen = 0;
	size_t i, j;

	for (i = 0; i < 2; i++) {
		const struct agent_check_map_facts *m = &f->map[i];

		if (m->type != BPF_MAP_TYPE_LRU_HASH || m->key_size != keys[i] ||
		    m->value_size != value) {
			set(r, AGENT_CHECK_FAIL,
			    "%s/%s (map id %u) is not this version's SYN map: type %u, key %u, "
			    "value %u bytes; want type %u, key %u, value %u",
			    dir, syn_maps[i], m->id, m->type, m->key_size, m->value_size,
			    BPF_MAP_TYPE_LRU_HASH, keys[i], value);
			return;
		}
	}
	if (cfg->xdp_mode == AGENT_CFG_XDP_TC) {
		if (!judge_tcx(r, cfg, f))
			return;
		name = HUGINN_PROG_NAME_TC;
		where = "tc";
		goto prog;
	}
	if (f->link_type != BPF_LINK_TYPE_XDP) {
		set(r, AGENT_CHECK_FAIL, "%s/link_%s (link id %u) is not an XDP link (type %u)",
		    dir, ifn, f->link_id, f->link_type);
		return;
	}
	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		if (!ids[i])
			continue;
		if (ids[i] != ours) {
			char who[96];

			if (f->foreign[0])
				snprintf(who, sizeof(who), "%s", f->foreign);
			else
				snprintf(who, sizeof(who), "id %u", ids[i]);
			set(r, AGENT_CHECK_FAIL,
			    "%s runs XDP program %s in %s mode, not prog id %u of link id %u at "
			    "%s/link_%s",
			    ifn, who, nl_xdp_mode_name(nl_xdp_mode_of(l, ids[i])), ours, f->link_id,
			    dir, ifn);
			return;
		}
		seen = ids[i];
	}
	if (!seen) {
		set(r, AGENT_CHECK_FAIL,
		    "no XDP program is attached to %s; link id %u at %s/link_%s %s", ifn,
		    f->link_id, dir, ifn, f->link_ifindex ? "still names it" : "is detached");
		return;
	}
	if (f->link_ifindex != (uint32_t)f->ifindex) {
		set(r, AGENT_CHECK_FAIL,
		    "link id %u at %s/link_%s is %s, yet %s (ifindex %d) runs its prog id %u",
		    f->link_id, dir, ifn, f->link_ifindex ? "on another interface" : "detached",
		    ifn, f->ifindex, ours);
		return;
	}
	mode = nl_xdp_mode_of(l, ours);
	if (mode != want_mode(cfg)) {
		set(r, AGENT_CHECK_FAIL, "prog id %u runs in %s mode on %s, but %s is %s", ours,
		    nl_xdp_mode_name(mode), ifn, AGENT_CFG_ENV_XDP_MODE,
		    agent_cfg_xdp_mode_name(cfg->xdp_mode));
		return;
	}
	where = nl_xdp_mode_name(mode);
prog:
	if (f->prog_seen) {
		if (strncmp(f->prog_name, name, sizeof(f->prog_name)) != 0) {
			set(r, AGENT_CHECK_FAIL, "prog id %u behind link id %u is '%.16s', not %s",
			    ours, f->link_id, f->prog_name, name);
			return;
		}
		for (i = 0; i < 2; i++) {
			for (j = 0; j < f->prog_nr_maps && j < AGENT_CHECK_PROG_MAPS; j++)
				if (f->prog_maps[j] == f->map[i].id)
					break;
			if (j == f->prog_nr_maps || j == AGENT_CHECK_PROG_MAPS) {
				/* The proxy reads the pin; the program writes elsewhere. */
				set(r, AGENT_CHECK_FAIL,
				    "prog id %u does not write %s/%s (map id %u): the pin was "
				    "replaced under the running program",
				    ours, dir, syn_maps[i], f->map[i].id);
				return;
			}
		}
	}
	set(r, AGENT_CHECK_OK,
	    "%s (prog id %u) attached to %s in %s mode; maps %s (id %u), %s (id %u)", name, ours,
	    ifn, where, syn_maps[0], f->map[0].id, syn_maps[1], f->map[1].id);
}

/* The pinned SYN maps, read-only.  0, or -errno with r set. */
static int health_maps(struct agent_check *r, const struct agent_cfg *cfg,
		       struct agent_check_health_facts *f)
{
	struct bpf_map_info mi;
	char path[PATH_BYTES];
	uint32_t len;
	int i, n, fd, err;

	for (i = 0; i < 2; i++) {
		n = snprintf(path, sizeof(path), "%s/%s", cfg->pin_path, syn_maps[i]);
		if (n < 0 || (size_t)n >= sizeof(path))
			return -ENAMETOOLONG;
		fd = bpf_obj_get(path, BPF_F_RDONLY);
		if (fd < 0) {
			set(r, AGENT_CHECK_FAIL, "cannot open map %s read-only: %s%s", path,
			    err_str(fd),
			    fd == -ENOENT ? " (no agent has run with this pin path)" : "");
			return fd;
		}
		memset(&mi, 0, sizeof(mi));
		len = sizeof(mi);
		err = bpf_obj_get_info(fd, &mi, &len);
		close(fd);
		if (err) {
			set(r, AGENT_CHECK_FAIL, "cannot query map %s: %s", path, err_str(err));
			return err;
		}
		f->map[i].id = mi.id;
		f->map[i].type = mi.type;
		f->map[i].key_size = mi.key_size;
		f->map[i].value_size = mi.value_size;
	}
	return 0;
}

/* The link pin.  0, or -errno with r set. */
static int health_link(struct agent_check *r, const struct agent_cfg *cfg,
		       struct agent_check_health_facts *f)
{
	struct bpf_link_info li;
	char path[PATH_BYTES];
	uint32_t len = sizeof(li);
	int n, fd, err;

	n = snprintf(path, sizeof(path), "%s/link_%s", cfg->pin_path, cfg->ifname);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	/* The kernel hands out link fds read-write only; nothing is written through it. */
	fd = bpf_obj_get(path, 0);
	if (fd < 0) {
		set(r, AGENT_CHECK_FAIL, "cannot open link %s: %s%s", path, err_str(fd),
		    fd == -ENOENT ? " (no agent is attached to this interface: not started, or "
				    "detached on SIGTERM)"
				  : "");
		return fd;
	}
	memset(&li, 0, sizeof(li));
	err = bpf_obj_get_info(fd, &li, &len);
	close(fd);
	if (err) {
		set(r, AGENT_CHECK_FAIL, "cannot query link %s: %s", path, err_str(err));
		return err;
	}
	f->link_id = li.id;
	f->link_type = li.type;
	f->link_prog_id = li.prog_id;
	f->link_ifindex = li.type == BPF_LINK_TYPE_XDP	     ? li.xdp.ifindex
			  : li.type == SYS_BPF_LINK_TYPE_TCX ? bpf_link_info_tcx_ifindex(&li)
							     : 0;
	f->tcx_attached = li.type == SYS_BPF_LINK_TYPE_TCX &&
			  bpf_link_info_tcx_attach_type(&li) == OBJ_TCX_INGRESS &&
			  bpf_tcx_has_link(f->ifindex, OBJ_TCX_INGRESS, li.id) == 1;
	return 0;
}

/* Name and maps of the linked program; only CAP_SYS_ADMIN may open it by id. */
static void health_prog(struct agent_check_health_facts *f)
{
	struct bpf_prog_info pi;
	uint32_t len = sizeof(pi);
	int fd = bpf_prog_get_fd_by_id(f->link_prog_id);

	if (fd < 0)
		return;
	memset(&pi, 0, sizeof(pi));
	pi.nr_map_ids = AGENT_CHECK_PROG_MAPS;
	pi.map_ids = (uint64_t)(uintptr_t)f->prog_maps;
	if (!bpf_obj_get_info(fd, &pi, &len)) {
		f->prog_seen = 1;
		memcpy(f->prog_name, pi.name, sizeof(f->prog_name));
		f->prog_name[sizeof(f->prog_name) - 1] = 0;
		f->prog_nr_maps =
		    pi.nr_map_ids < AGENT_CHECK_PROG_MAPS ? pi.nr_map_ids : AGENT_CHECK_PROG_MAPS;
	}
	close(fd);
}

/* Name the first attached program that is not the link's, for the message. */
static void health_foreign(struct agent_check_health_facts *f)
{
	const uint32_t ids[] = {f->xdp.drv_prog_id, f->xdp.skb_prog_id, f->xdp.hw_prog_id};
	size_t i;

	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		if (ids[i] && ids[i] != f->link_prog_id) {
			agent_check_prog_describe(ids[i], f->foreign, sizeof(f->foreign));
			return;
		}
}

void agent_check_health(struct agent_check *r, const struct agent_cfg *cfg)
{
	struct agent_check_health_facts f;
	struct nl_sock nl = {.fd = -1};
	char ext[256] = "";
	int err;

	memset(&f, 0, sizeof(f));
	err = nl_open(&nl);
	f.ifindex = err ? err : nl_ifindex(&nl, cfg->ifname);
	if (f.ifindex < 0) {
		set(r, AGENT_CHECK_FAIL, "%s='%s': %s", AGENT_CFG_ENV_INTERFACE, cfg->ifname,
		    f.ifindex == -ENODEV ? "no such interface in this network namespace"
					 : err_str(f.ifindex));
		goto out;
	}
	err = health_maps(r, cfg, &f);
	if (!err)
		err = health_link(r, cfg, &f);
	if (err) {
		if (err == -ENAMETOOLONG)
			set(r, AGENT_CHECK_FAIL, "%s='%s': pin names too long",
			    AGENT_CFG_ENV_PIN_PATH, cfg->pin_path);
		goto out;
	}
	err = nl_xdp_query(&nl, f.ifindex, &f.xdp, ext, sizeof(ext));
	if (err) {
		set(r, AGENT_CHECK_FAIL, "cannot read the XDP state of %s: %s%s%s", cfg->ifname,
		    err_str(err), ext[0] ? ": " : "", ext);
		goto out;
	}
	health_foreign(&f);
	if (f.link_prog_id)
		health_prog(&f);
	agent_check_health_judge(r, cfg, &f);
out:
	nl_close(&nl);
}
