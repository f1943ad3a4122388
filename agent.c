/*
 * agent.c - huginn-ebpf-agent: load the XDP SYN recorder, pin its maps, attach
 * it to one interface, wait for SIGTERM/SIGINT, detach.
 *
 * Configured only by HUGINN_EBPF_* variables (sys/agentcfg.h).  Logs one
 * line per event to stderr.  Opens no ports.
 *
 * Ownership, so that one agent per node is safe and restarts lose nothing:
 *   - the maps are pinned as <pin>/<map name>; a restart reuses every pinned
 *     map whose type, sizes, capacity and flags still match, and replaces the
 *     others (new map pinned under a temporary name, then rename(2) over the
 *     old pin, so readers never see a missing file);
 *   - the program is attached through a bpf link pinned as <pin>/link_<ifname>.
 *     "Ours" is exactly the program behind that link.  A new agent with the
 *     same pin path swaps its program into the running link (BPF_LINK_UPDATE:
 *     atomic, no gap); any other XDP program on the interface is refused;
 *   - on SIGTERM an agent detaches only if the link still runs its own
 *     program; if a successor swapped in, it leaves everything in place.
 * Map pins are never removed: the proxy reads them and the next start reuses them.
 * With HUGINN_EBPF_PIN_GID the pin directory (0750) and every map pin (0640)
 * belong to that group, before a reader can find them under their final name.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>

#include "bpf/xdp_syn.h"
#include "sys/agentcfg.h"
#include "sys/agentchk.h"
#include "sys/bpf.h"
#include "sys/netlink.h"
#include "sys/obj.h"
#include "sys/pinperm.h"

#ifndef HUGINN_VERSION
#define HUGINN_VERSION "unknown"
#endif

#define PROG "huginn-ebpf-agent"
#define PATH_BYTES 256
#define VLOG_BYTES (256 * 1024)

/* The BPF object, linked in by bpf/blob.S. */
extern const unsigned char huginn_bpf_obj[], huginn_bpf_obj_end[];

/* The one piece of mutable global state: how much to log. */
static enum agentcfg_log_level log_level = AGENTCFG_LOG_INFO;

__attribute__((format(printf, 2, 3))) static void logm(enum agentcfg_log_level lvl, const char *fmt,
						       ...)
{
	char ts[32], msg[1024];
	struct timespec now;
	struct tm tm;
	va_list ap;
	size_t i;

	if (lvl > log_level)
		return;
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* One event, one line, whatever the kernel or the environment put in the text. */
	for (i = 0; msg[i]; i++)
		if (msg[i] == '\n' || msg[i] == '\r')
			msg[i] = ' ';
	fprintf(stderr, "%s.%03ldZ %s[%d] %s: %s\n", ts, now.tv_nsec / 1000000, PROG, (int)getpid(),
		agentcfg_log_level_name(lvl), msg);
}

#define log_err(...) logm(AGENTCFG_LOG_ERROR, __VA_ARGS__)
#define log_warn(...) logm(AGENTCFG_LOG_WARN, __VA_ARGS__)
#define log_info(...) logm(AGENTCFG_LOG_INFO, __VA_ARGS__)
#define log_debug(...) logm(AGENTCFG_LOG_DEBUG, __VA_ARGS__)

static const char *err_str(int err)
{
	return strerror(err < 0 ? -err : err);
}

/* "dir/prefixname", or -ENAMETOOLONG. */
static int path_join(char *buf, const char *dir, const char *prefix, const char *name)
{
	int n = snprintf(buf, PATH_BYTES, "%s/%s%s", dir, prefix, name);

	return n < 0 || n >= PATH_BYTES ? -ENAMETOOLONG : 0;
}

static int prog_info(int fd, struct bpf_prog_info *pi)
{
	uint32_t len = sizeof(*pi);

	memset(pi, 0, sizeof(*pi));
	return bpf_obj_get_info(fd, pi, &len);
}

static int map_info(int fd, struct bpf_map_info *mi)
{
	uint32_t len = sizeof(*mi);

	memset(mi, 0, sizeof(*mi));
	return bpf_obj_get_info(fd, mi, &len);
}

static int link_info(int fd, struct bpf_link_info *li)
{
	uint32_t len = sizeof(*li);

	memset(li, 0, sizeof(*li));
	return bpf_obj_get_info(fd, li, &len);
}

static uint32_t mode_flag(enum agentcfg_xdp_mode m)
{
	return m == AGENTCFG_XDP_SKB ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE;
}

enum map_fate {
	MAP_REUSE,   /* pinned and compatible: keep it (same id, entries survive) */
	MAP_NEW,     /* nothing pinned: create and pin */
	MAP_REPLACE, /* pinned but different: create, pin as tmp, rename over */
};

struct agent {
	struct agentcfg cfg;
	struct obj obj;
	enum map_fate fate[OBJ_MAX_MAPS];
	struct nl_sock nl;
	int ifindex;
	int prog_fd;
	uint32_t prog_id;
	int link_fd;
	uint32_t link_id;
	char link_path[PATH_BYTES];
	int old_link;	   /* our pinned link found at start, -1 if none */
	uint32_t old_mode; /* its XDP_FLAGS_*_MODE */
	struct bpf_link_info old_li;
};

static const char *const chown_hint =
    " (the agent needs CAP_CHOWN, or that group among its groups: Kubernetes "
    "supplementalGroups, Compose group_add)";

/*
 * HUGINN_EBPF_PIN_GID: hand the map pin dir/prefix+name (name NULL: the
 * directory itself, kept as it is, it may be a mount) to the group.  No-op unset.
 */
static int share_pin(const struct agentcfg *cfg, const char *prefix, const char *name)
{
	char base[PATH_BYTES];
	int err;

	if (cfg->pin_gid < 0)
		return 0;
	if (snprintf(base, sizeof(base), "%s%s", prefix, name ? name : "") >= (int)sizeof(base))
		return -ENAMETOOLONG;
	err = name ? pinperm_map(cfg->pin_path, base, (uint32_t)cfg->pin_gid)
		   : pinperm_dir(cfg->pin_path, (uint32_t)cfg->pin_gid);
	if (err)
		log_err("%s=%lld: cannot give %s%s%s to that group with mode %#o: %s%s",
			AGENTCFG_ENV_PIN_GID, (long long)cfg->pin_gid, cfg->pin_path,
			name ? "/" : "", base, name ? PINPERM_MAP_MODE : PINPERM_DIR_MODE,
			err_str(err), err == -EPERM ? chown_hint : "");
	else if (!name)
		log_info(
		    "pins readable by group %lld: %s mode %#o, map pins %#o, link pin root only",
		    (long long)cfg->pin_gid, cfg->pin_path, PINPERM_DIR_MODE, PINPERM_MAP_MODE);
	return err;
}

/* The pin directory must be on bpffs; make it if its parent is. */
static int setup_pin_dir(const struct agentcfg *cfg)
{
	char parent[PATH_BYTES] = "";
	struct stat st;
	int err;

	err = bpf_fs_check(cfg->pin_path);
	if (err == -ENOENT) {
		err = agentcfg_pin_parent(cfg, parent, sizeof(parent));
		if (!err)
			err = bpf_fs_check(parent);
		if (err) {
			log_err("%s='%s': the parent directory %s is %s; mount bpffs first: "
				"mount -t bpf bpf /sys/fs/bpf",
				AGENTCFG_ENV_PIN_PATH, cfg->pin_path, parent,
				err == -ENOTSUP ? "not on a bpf filesystem" : err_str(err));
			return err;
		}
		if (mkdir(cfg->pin_path, 0755) && errno != EEXIST) {
			err = -errno;
			log_err("%s='%s': cannot create the pin directory: %s%s",
				AGENTCFG_ENV_PIN_PATH, cfg->pin_path, err_str(err),
				err == -EPERM ? " (bpffs refuses names with '.')" : "");
			return err;
		}
		log_info("created pin directory %s", cfg->pin_path);
		return share_pin(cfg, "", NULL);
	}
	if (err == -ENOTSUP) {
		log_err("%s='%s' is not on a bpf filesystem; mount one: mount -t bpf bpf "
			"/sys/fs/bpf",
			AGENTCFG_ENV_PIN_PATH, cfg->pin_path);
		return err;
	}
	if (err) {
		/* bpffs answers EPERM for any name with a dot in it. */
		log_err("%s='%s': %s%s", AGENTCFG_ENV_PIN_PATH, cfg->pin_path, err_str(err),
			err == -EPERM && strchr(strrchr(cfg->pin_path, '/'), '.')
			    ? " (bpffs refuses names with '.')"
			    : "");
		return err;
	}
	if (stat(cfg->pin_path, &st) || !S_ISDIR(st.st_mode)) {
		log_err("%s='%s' is not a directory", AGENTCFG_ENV_PIN_PATH, cfg->pin_path);
		return -ENOTDIR;
	}
	return share_pin(cfg, "", NULL);
}

/* Open the embedded object and size the SYN maps as configured. */
static int open_obj(struct obj *o, uint32_t max_entries)
{
	static const char *const syn_maps[] = {HUGINN_MAP_SYN_V4, HUGINN_MAP_SYN_V6};
	size_t i;
	int err;

	err = obj_open(o, huginn_bpf_obj, (size_t)(huginn_bpf_obj_end - huginn_bpf_obj));
	if (err) {
		log_err("embedded BPF object rejected at byte %zu: %s (%s)", o->err_off,
			o->err ? o->err : "?", err_str(err));
		return err;
	}
	for (i = 0; i < sizeof(syn_maps) / sizeof(syn_maps[0]); i++) {
		struct obj_map *m = obj_map_by_name(o, syn_maps[i]);

		if (!m) {
			log_err("embedded BPF object has no map %s", syn_maps[i]);
			return -ENOENT;
		}
		m->max_entries = max_entries;
	}
	return 0;
}

/* Decide, map by map, whether the pinned one is reused, replaced or made. */
static int open_pinned_maps(struct agent *a)
{
	char path[PATH_BYTES];
	struct bpf_map_info mi;
	unsigned i;
	int fd, r;

	for (i = 0; i < a->obj.nmaps; i++) {
		struct obj_map *m = &a->obj.maps[i];

		if (path_join(path, a->cfg.pin_path, "", m->name))
			return -ENAMETOOLONG;
		fd = bpf_obj_get(path, 0);
		if (fd == -ENOENT) {
			a->fate[i] = MAP_NEW;
			continue;
		}
		if (fd < 0) {
			log_err("cannot open pinned map %s: %s", path, err_str(fd));
			return fd;
		}
		r = obj_map_compatible(m, fd);
		if (r == 1) {
			m->fd = fd;
			a->fate[i] = MAP_REUSE;
			r = share_pin(&a->cfg, "", m->name);
			if (r)
				return r;
			if (!map_info(fd, &mi))
				log_info("reusing pinned map %s (id %u, %u entries)", path, mi.id,
					 mi.max_entries);
			continue;
		}
		if (r < 0) {
			/* Not a map at all (a file someone put there): do not touch it. */
			log_err("%s is not a BPF map: %s; remove it", path, err_str(r));
			close(fd);
			return r;
		}
		a->fate[i] = MAP_REPLACE;
		if (!map_info(fd, &mi))
			log_info(
			    "replacing pinned map %s (id %u): it has type %u, key %u, value %u, "
			    "%u entries, flags %#x; want type %u, key %u, value %u, %u entries, "
			    "flags %#x",
			    path, mi.id, mi.type, mi.key_size, mi.value_size, mi.max_entries,
			    mi.map_flags, m->type, m->key_size, m->value_size, m->max_entries,
			    m->map_flags);
		close(fd);
	}
	return 0;
}

/* Pin new maps at their name, replacements at a temporary name (no '.' on bpffs). */
static int pin_maps_early(struct agent *a)
{
	char path[PATH_BYTES];
	char tmp[64];
	unsigned i;
	int err;

	snprintf(tmp, sizeof(tmp), "tmp%d_", (int)getpid());
	for (i = 0; i < a->obj.nmaps; i++) {
		struct obj_map *m = &a->obj.maps[i];

		if (a->fate[i] == MAP_REUSE)
			continue;
		if (path_join(path, a->cfg.pin_path, a->fate[i] == MAP_REPLACE ? tmp : "", m->name))
			return -ENAMETOOLONG;
		if (a->fate[i] == MAP_REPLACE)
			unlink(path); /* left by a crashed agent that had our pid */
		err = bpf_obj_pin(m->fd, path);
		if (err) {
			log_err("cannot pin map %s: %s", path, err_str(err));
			return err;
		}
		/* A replacement gets its group before rename(2) shows it to readers. */
		err = share_pin(&a->cfg, a->fate[i] == MAP_REPLACE ? tmp : "", m->name);
		if (err)
			return err;
		if (a->fate[i] == MAP_NEW) {
			struct bpf_map_info mi;

			if (!map_info(m->fd, &mi))
				log_info("created map %s (id %u, %u entries)", path, mi.id,
					 mi.max_entries);
		}
	}
	return 0;
}

/* After the new program runs: move replacement pins over the old ones. */
static int pin_maps_late(struct agent *a)
{
	char path[PATH_BYTES], from[PATH_BYTES];
	char tmp[64];
	struct bpf_map_info mi;
	unsigned i;
	int err = 0;

	snprintf(tmp, sizeof(tmp), "tmp%d_", (int)getpid());
	for (i = 0; i < a->obj.nmaps; i++) {
		struct obj_map *m = &a->obj.maps[i];

		if (a->fate[i] != MAP_REPLACE)
			continue;
		if (path_join(path, a->cfg.pin_path, "", m->name) ||
		    path_join(from, a->cfg.pin_path, tmp, m->name))
			return -ENAMETOOLONG;
		if (rename(from, path)) {
			err = -errno;
			log_err("cannot move %s over %s: %s", from, path, err_str(err));
			unlink(from);
			continue;
		}
		if (!map_info(m->fd, &mi))
			log_info("replaced map %s (now id %u, %u entries)", path, mi.id,
				 mi.max_entries);
	}
	return err;
}

/* Drop temporary pins on a failed start. */
static void unpin_tmp_maps(struct agent *a)
{
	char path[PATH_BYTES], tmp[64];
	unsigned i;

	snprintf(tmp, sizeof(tmp), "tmp%d_", (int)getpid());
	for (i = 0; i < a->obj.nmaps; i++)
		if (a->fate[i] == MAP_REPLACE &&
		    !path_join(path, a->cfg.pin_path, tmp, a->obj.maps[i].name))
			unlink(path);
}

static int write_config(struct agent *a)
{
	struct obj_map *m = obj_map_by_name(&a->obj, HUGINN_MAP_CONFIG);
	struct huginn_config hc;
	uint32_t zero = 0;
	char v4[INET_ADDRSTRLEN], v6[INET6_ADDRSTRLEN];
	int err;

	if (!m)
		return -ENOENT;
	memset(&hc, 0, sizeof(hc));
	hc.dst_v4 = a->cfg.dst_v4;
	memcpy(hc.dst_v6, a->cfg.dst_v6, 16);
	hc.dst_port = a->cfg.dst_port;
	err = bpf_map_update(m->fd, &zero, &hc, BPF_ANY);
	if (err) {
		log_err("cannot write the filter into %s: %s", HUGINN_MAP_CONFIG, err_str(err));
		return err;
	}
	inet_ntop(AF_INET, &hc.dst_v4, v4, sizeof(v4));
	inet_ntop(AF_INET6, hc.dst_v6, v6, sizeof(v6));
	log_info("filter: destination %s / %s port %u (0.0.0.0, ::, 0 = any)", v4, v6, hc.dst_port);
	return 0;
}

/* Print the tail of the verifier log, the part that says why. */
static void log_verifier(const char *vlog)
{
	size_t n = strlen(vlog);
	const char *p = vlog + (n > 600 ? n - 600 : 0);

	if (n)
		log_err("verifier: ...%s", p);
}

static int load_prog(struct agent *a)
{
	struct bpf_prog_info pi;
	char *vlog = calloc(1, VLOG_BYTES);
	int fd;

	fd = obj_load(&a->obj, vlog, vlog ? VLOG_BYTES : 0);
	if (fd < 0) {
		log_err("the kernel refused the XDP program: %s", err_str(fd));
		if (vlog)
			log_verifier(vlog);
		free(vlog);
		return fd;
	}
	free(vlog);
	a->prog_fd = fd;
	if (!prog_info(fd, &pi))
		a->prog_id = pi.id;
	log_info("loaded program %s (prog id %u, %zu instructions)", HUGINN_PROG_NAME, a->prog_id,
		 a->obj.insn_cnt);
	return 0;
}

/* The program ids attached to the interface that are not `ours`: refuse on the first. */
static int refuse_foreign(struct agent *a, const struct nl_link *l, uint32_t ours)
{
	const uint32_t ids[] = {l->drv_prog_id, l->skb_prog_id, l->hw_prog_id, l->xdp_prog_id};
	char who[96];
	size_t i;

	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		if (!ids[i] || ids[i] == ours)
			continue;
		agentchk_prog_describe(ids[i], who, sizeof(who));
		log_err("%s already has XDP program %s attached in %s mode, and it is not the one "
			"linked at %s: refusing to replace it. Stop its owner or detach it first "
			"(ip link set dev %s xdp off, for a program attached without a bpf link), "
			"or give this agent the owner's %s",
			a->cfg.ifname, who, nl_xdp_mode_name(nl_xdp_mode_of(l, ids[i])),
			a->link_path, a->cfg.ifname, AGENTCFG_ENV_PIN_PATH);
		return -EBUSY;
	}
	return 0;
}

/*
 * Before anything is created: what runs on the interface now?  Sets
 * a->old_link (our pinned link, if its program is attached here) and refuses
 * any program that is not behind it.
 */
static int inspect(struct agent *a)
{
	struct bpf_link_info *li = &a->old_li;
	struct nl_link l;
	char ext[256];
	int old, err;

	err = nl_xdp_query(&a->nl, a->ifindex, &l, ext, sizeof(ext));
	if (err) {
		log_err("cannot read the XDP state of %s: %s%s%s", a->cfg.ifname, err_str(err),
			ext[0] ? ": " : "", ext);
		return err;
	}
	old = bpf_obj_get(a->link_path, 0);
	if (old >= 0) {
		err = link_info(old, li);
		if (err || li->type != BPF_LINK_TYPE_XDP) {
			log_err("%s is not an XDP link (%s); remove it", a->link_path,
				err ? err_str(err) : "other link type");
			close(old);
			return err ? err : -EINVAL;
		}
		a->old_mode = nl_xdp_mode_of(&l, li->prog_id);
		if (li->xdp.ifindex == (uint32_t)a->ifindex && a->old_mode) {
			a->old_link = old;
			log_info("found our link id %u at %s running prog id %u in %s mode", li->id,
				 a->link_path, li->prog_id, nl_xdp_mode_name(a->old_mode));
		} else {
			log_info("removing stale link pin %s (link id %u, ifindex %u, prog id %u: "
				 "not attached here)",
				 a->link_path, li->id, li->xdp.ifindex, li->prog_id);
			unlink(a->link_path);
			close(old);
			a->old_mode = 0;
		}
	} else if (old != -ENOENT) {
		log_err("cannot open %s: %s", a->link_path, err_str(old));
		return old;
	}
	return refuse_foreign(a, &l, a->old_link >= 0 ? li->prog_id : 0);
}

/* Swap our program into the pinned link of a running (or crashed) predecessor. */
static int take_over(struct agent *a)
{
	const struct bpf_link_info *li = &a->old_li;
	int old_prog = bpf_prog_get_fd_by_id(li->prog_id), err;

	/* Conditional on the old program when we may name it: no blind overwrite of a race. */
	err = bpf_link_update(a->old_link, a->prog_fd, old_prog >= 0 ? old_prog : -1);
	if (old_prog >= 0)
		close(old_prog);
	if (err) {
		log_err("cannot swap the program of link id %u (%s): %s", li->id, a->link_path,
			err_str(err));
		return err;
	}
	a->link_fd = a->old_link;
	a->old_link = -1;
	a->link_id = li->id;
	log_info("took over link id %u on %s: prog id %u replaced by prog id %u in place, no gap",
		 li->id, a->cfg.ifname, li->prog_id, a->prog_id);
	return 0;
}

static int attach(struct agent *a)
{
	uint32_t want = mode_flag(a->cfg.xdp_mode);
	struct bpf_link_info li;
	int fd, err;

	if (a->old_link >= 0 && a->old_mode == want)
		return take_over(a);
	if (a->old_link >= 0) {
		/* A link cannot change mode: this one move has a gap, say so. */
		log_warn("prog id %u of link id %u runs in %s mode, %s asks for %s: detaching it "
			 "first, SYNs until the new attach are not captured",
			 a->old_li.prog_id, a->old_li.id, nl_xdp_mode_name(a->old_mode),
			 AGENTCFG_ENV_XDP_MODE, nl_xdp_mode_name(want));
		err = bpf_link_detach(a->old_link);
		if (err) {
			log_err("cannot detach link id %u: %s", a->old_li.id, err_str(err));
			return err;
		}
		unlink(a->link_path);
		close(a->old_link);
		a->old_link = -1;
	}

	fd = bpf_link_create(a->prog_fd, a->ifindex, BPF_XDP, want);
	if (fd < 0) {
		err = fd;
		log_err("cannot attach to %s in %s mode: %s%s", a->cfg.ifname,
			nl_xdp_mode_name(want), err_str(err),
			want == XDP_FLAGS_DRV_MODE && (err == -EOPNOTSUPP || err == -EINVAL)
			    ? "; the driver may lack native XDP: try HUGINN_EBPF_XDP_MODE=skb"
			: err == -EBUSY || err == -EEXIST
			    ? "; another XDP program was attached meanwhile"
			    : "");
		return err;
	}
	err = bpf_obj_pin(fd, a->link_path);
	if (err) {
		/* Unpinned, the link dies with its fd: nothing stays attached. */
		log_err("cannot pin the link at %s: %s", a->link_path, err_str(err));
		close(fd);
		return err;
	}
	a->link_fd = fd;
	if (!link_info(fd, &li))
		a->link_id = li.id;
	log_info("attached prog id %u to %s (ifindex %d) in %s mode via link id %u pinned at %s",
		 a->prog_id, a->cfg.ifname, a->ifindex, nl_xdp_mode_name(want), a->link_id,
		 a->link_path);
	return 0;
}

/* On exit: detach only if the link still runs our program. */
static int release(struct agent *a)
{
	struct bpf_link_info li, pl;
	int pinned, err;

	if (a->link_fd < 0)
		return 0;
	err = link_info(a->link_fd, &li);
	if (err) {
		log_err("cannot query link id %u: %s", a->link_id, err_str(err));
		return err;
	}
	if (li.prog_id != a->prog_id) {
		log_info("link id %u now runs prog id %u (a successor took over): leaving it "
			 "attached",
			 li.id, li.prog_id);
		return 0;
	}
	pinned = bpf_obj_get(a->link_path, 0);
	if (pinned >= 0) {
		if (!link_info(pinned, &pl) && pl.id == a->link_id)
			unlink(a->link_path);
		else
			log_info("%s now holds another link: leaving it", a->link_path);
		close(pinned);
	}
	if (!li.xdp.ifindex) {
		log_info("link id %u was already detached", li.id);
		return 0;
	}
	err = bpf_link_detach(a->link_fd);
	if (err) {
		log_err("cannot detach link id %u from %s: %s", li.id, a->cfg.ifname, err_str(err));
		return err;
	}
	log_info("detached prog id %u from %s (link id %u); map pins kept in %s", a->prog_id,
		 a->cfg.ifname, li.id, a->cfg.pin_path);
	return 0;
}

/* Block the signals we wait for and return a signalfd for them. */
static int signal_fd(void)
{
	sigset_t set;
	int fd;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return -errno;
	fd = signalfd(-1, &set, SFD_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static int wait_signal(int sfd)
{
	struct signalfd_siginfo si;
	ssize_t n;

	for (;;) {
		n = read(sfd, &si, sizeof(si));
		if (n < 0 && errno == EINTR)
			continue;
		if (n != (ssize_t)sizeof(si))
			return n < 0 ? -errno : -EIO;
		return (int)si.ssi_signo;
	}
}

static void agent_close(struct agent *a)
{
	unsigned i;

	/* Reused map fds are ours to close; obj_close() closes the ones it made. */
	for (i = 0; i < a->obj.nmaps && i < OBJ_MAX_MAPS; i++)
		if (!a->obj.maps[i].created && a->obj.maps[i].fd >= 0) {
			close(a->obj.maps[i].fd);
			a->obj.maps[i].fd = -1;
		}
	obj_close(&a->obj);
	if (a->prog_fd >= 0)
		close(a->prog_fd);
	a->prog_fd = -1;
	if (a->link_fd >= 0)
		close(a->link_fd);
	a->link_fd = -1;
	if (a->old_link >= 0)
		close(a->old_link);
	a->old_link = -1;
	nl_close(&a->nl);
}

static void agent_init(struct agent *a)
{
	memset(a, 0, sizeof(*a));
	a->nl.fd = -1;
	a->prog_fd = -1;
	a->link_fd = -1;
	a->old_link = -1;
}

static int lookup_ifindex(struct agent *a)
{
	int err;

	err = nl_open(&a->nl);
	if (err) {
		log_err("cannot open a netlink socket: %s", err_str(err));
		return err;
	}
	a->ifindex = nl_ifindex(&a->nl, a->cfg.ifname);
	if (a->ifindex < 0) {
		err = a->ifindex;
		log_err("%s='%s': %s", AGENTCFG_ENV_INTERFACE, a->cfg.ifname,
			err == -ENODEV ? "no such interface in this network namespace"
				       : err_str(err));
		return err;
	}
	return 0;
}

static int run(char **envp)
{
	struct agent a;
	char msg[512];
	int sfd, sig, err, rc = 1;

	agent_init(&a);
	if (agentcfg_parse_envp(&a.cfg, envp, msg, sizeof(msg))) {
		log_err("%s", msg);
		return 2;
	}
	log_level = a.cfg.log_level;
	/* Blocked before any setup: a SIGTERM during it is handled after, with cleanup. */
	sfd = signal_fd();
	if (sfd < 0) {
		log_err("cannot set up signals: %s", err_str(sfd));
		return 1;
	}
	log_info("starting version %s: interface %s, %s mode, pin path %s, %u entries per SYN "
		 "map",
		 HUGINN_VERSION, a.cfg.ifname, agentcfg_xdp_mode_name(a.cfg.xdp_mode),
		 a.cfg.pin_path, a.cfg.max_entries);

	if (lookup_ifindex(&a)) {
		rc = 2;
		goto out;
	}
	err = bpf_raise_memlock();
	if (err) {
		struct rlimit rl;

		/* Without CAP_SYS_RESOURCE the soft limit can still go up to the hard one. */
		if (!getrlimit(RLIMIT_MEMLOCK, &rl) && rl.rlim_cur < rl.rlim_max) {
			rl.rlim_cur = rl.rlim_max;
			setrlimit(RLIMIT_MEMLOCK, &rl);
		}
		log_debug("RLIMIT_MEMLOCK not lifted to unlimited (%s); kernels since 5.11 do not "
			  "need it",
			  err_str(err));
	}
	if (setup_pin_dir(&a.cfg))
		goto out;
	if (path_join(a.link_path, a.cfg.pin_path, "link_", a.cfg.ifname))
		goto out;
	if (inspect(&a))
		goto out;
	if (open_obj(&a.obj, a.cfg.max_entries) || open_pinned_maps(&a))
		goto out;
	err = obj_create_maps(&a.obj);
	if (err) {
		log_err("cannot create the maps: %s%s", err_str(err),
			err == -EPERM ? " (needs CAP_BPF, or root)" : "");
		goto out;
	}
	if (a.obj.btf_err)
		log_warn("the kernel refused the maps' BTF (%s): maps created without type "
			 "information, so bpftool map dump prints raw bytes; capture is unaffected",
			 err_str(a.obj.btf_err));
	if (pin_maps_early(&a) || write_config(&a) || load_prog(&a))
		goto out_tmp;
	if (attach(&a))
		goto out_tmp;
	nl_close(&a.nl);
	if (pin_maps_late(&a)) {
		release(&a);
		goto out;
	}

	sig = wait_signal(sfd);
	if (sig < 0)
		log_err("waiting for signals failed: %s", err_str(sig));
	else
		log_info("got %s, stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
	rc = release(&a) ? 1 : 0;
	goto out;

out_tmp:
	unpin_tmp_maps(&a);
out:
	agent_close(&a);
	close(sfd);
	return rc;
}

/* ---- --check and --health ---- */

static int run_check(char **envp)
{
	struct agentchk r[AGENTCHK_NITEMS];
	int i, failed;

	failed =
	    agentchk_all(r, envp, huginn_bpf_obj, (size_t)(huginn_bpf_obj_end - huginn_bpf_obj));
	for (i = 0; i < AGENTCHK_NITEMS; i++)
		printf("%-4s %-26s %s\n", agentchk_status_name(r[i].status),
		       agentchk_item_name((enum agentchk_item)i), r[i].msg);
	printf("%s\n", failed ? "FAIL: see the lines above" : "OK: all checks passed");
	return failed ? 1 : 0;
}

/* One line on stdout, exit 0 / 1: for exec probes in images without a shell. */
static int run_health(char **envp)
{
	struct agentchk r;
	struct agentcfg cfg;

	if (agentcfg_parse_envp(&cfg, envp, r.msg, sizeof(r.msg)))
		r.status = AGENTCHK_FAIL;
	else
		agentchk_health(&r, &cfg);
	printf("%s: %s\n", r.status == AGENTCHK_OK ? "ok" : "unhealthy", r.msg);
	return r.status == AGENTCHK_OK ? 0 : 1;
}

/* ---- --dump ---- */

/* Each returns 0, or -errno when the pin cannot be opened (the reason is printed). */
static int dump_counter(const char *dir, const char *name, const char *const *labels, uint32_t n)
{
	char path[PATH_BYTES];
	uint64_t v;
	uint32_t i;
	int fd;

	if (path_join(path, dir, "", name))
		return -ENAMETOOLONG;
	fd = bpf_obj_get(path, BPF_F_RDONLY);
	if (fd < 0) {
		printf("%s: %s\n", path, err_str(fd));
		return fd;
	}
	for (i = 0; i < n; i++)
		if (!bpf_map_lookup(fd, &i, &v))
			printf("%s%s%s %llu\n", name, labels ? "." : "", labels ? labels[i] : "",
			       (unsigned long long)v);
	close(fd);
	return 0;
}

static void dump_rec(const char *fam, const void *addr, uint16_t port_be,
		     const struct huginn_syn_rec *r, uint64_t now)
{
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN], opts[2 * HUGINN_TCP_OPT_MAX + 1];
	int af = r->ip_ver == 6 ? AF_INET6 : AF_INET;
	unsigned i;

	inet_ntop(af, addr, src, sizeof(src));
	inet_ntop(af, r->daddr, dst, sizeof(dst));
	for (i = 0; i < r->opt_len && i < HUGINN_TCP_OPT_MAX; i++)
		snprintf(opts + 2 * i, 3, "%02x", r->opts[i]);
	opts[2 * i] = 0;
	printf("%s %s:%u -> %s:%u ttl=%u tos=%#x ipflags=%#x ipopt=%u win=%u seq=%u flags=%#x "
	       "mss_opts=%s payload=%u age_ms=%lld\n",
	       fam, src, ntohs(port_be), dst, r->dport, r->ttl, r->tos, r->ip_flags, r->ip_opt_len,
	       r->win, r->seq, r->tcp_flags, opts[0] ? opts : "-", r->payload_len,
	       now >= r->ts_ns ? (long long)((now - r->ts_ns) / 1000000) : -1LL);
}

static int dump_syn_map(const char *dir, const char *name, int v6)
{
	char path[PATH_BYTES];
	struct huginn_syn_key_v4 k4, n4;
	struct huginn_syn_key_v6 k6, n6;
	struct huginn_syn_rec r;
	struct timespec ts;
	void *key = v6 ? (void *)&k6 : (void *)&k4, *next = v6 ? (void *)&n6 : (void *)&n4;
	size_t ksz = v6 ? sizeof(k6) : sizeof(k4);
	uint64_t now;
	unsigned long n;
	int fd, err, first = 1;

	if (path_join(path, dir, "", name))
		return -ENAMETOOLONG;
	fd = bpf_obj_get(path, BPF_F_RDONLY);
	if (fd < 0) {
		printf("%s: %s\n", path, err_str(fd));
		return fd;
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	/* Bounded: an LRU map never holds more than its capacity (1 << 24 at most). */
	for (n = 0; n <= AGENTCFG_MAX_ENTRIES_MAX; n++) {
		err = bpf_map_get_next_key(fd, first ? NULL : key, next);
		if (err)
			break;
		first = 0;
		memcpy(key, next, ksz);
		if (bpf_map_lookup(fd, key, &r))
			continue; /* evicted between the two calls */
		if (v6)
			dump_rec("v6", k6.addr, k6.port, &r, now);
		else
			dump_rec("v4", &k4.addr, k4.port, &r, now);
	}
	close(fd);
	return 0;
}

static int run_dump(const char *dir)
{
	static const char *const stats[HUGINN_STAT_MAX] = {
	    [HUGINN_STAT_V4_CAPTURED] = "v4_captured",
	    [HUGINN_STAT_V6_CAPTURED] = "v6_captured",
	    [HUGINN_STAT_V4_MALFORMED] = "v4_malformed",
	    [HUGINN_STAT_V6_MALFORMED] = "v6_malformed",
	    [HUGINN_STAT_FILTERED] = "filtered",
	};

	int bad = 0;

	/* Read-only fds: works for any reader the pins' mode lets in (HUGINN_EBPF_PIN_GID). */
	bad |= dump_counter(dir, HUGINN_MAP_SYN_COUNTER, NULL, 1) != 0;
	bad |= dump_counter(dir, HUGINN_MAP_INSERT_FAILURES, NULL, 1) != 0;
	bad |= dump_counter(dir, HUGINN_MAP_STATS, stats, HUGINN_STAT_MAX) != 0;
	bad |= dump_syn_map(dir, HUGINN_MAP_SYN_V4, 0) != 0;
	bad |= dump_syn_map(dir, HUGINN_MAP_SYN_V6, 1) != 0;
	return bad ? 1 : 0;
}

/* ---- main ---- */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: %s [--check | --health | --dump [PIN_PATH] | --version | --help]\n"
		"\n"
		"Records inbound TCP SYNs with XDP into maps pinned under the pin path, for\n"
		"huginn-proxy to fingerprint.  Runs until SIGTERM/SIGINT, then detaches\n"
		"(unless a newer agent took over).  Configuration, from the environment:\n"
		"  %-33s interface to attach to (required)\n"
		"  %-33s destination IPv4 filter (default 0.0.0.0 = any)\n"
		"  %-33s destination IPv6 filter (default :: = any)\n"
		"  %-33s destination TCP port, 0 = any (required)\n"
		"  %-33s bpffs directory for pins (default %s)\n"
		"  %-33s numeric group given the maps read-only (default: root only)\n"
		"  %-33s entries per SYN map (default %d)\n"
		"  %-33s native | skb (default native)\n"
		"  %-33s error | warn | info | debug (default info)\n"
		"\n"
		"  --check    diagnose kernel, capabilities, bpffs, program load and interface\n"
		"  --health   one line, exit 0 if our program is attached as configured\n"
		"  --dump     print the counters and SYN records of the pinned maps\n",
		PROG, AGENTCFG_ENV_INTERFACE, AGENTCFG_ENV_DST_IP_V4, AGENTCFG_ENV_DST_IP_V6,
		AGENTCFG_ENV_DST_PORT, AGENTCFG_ENV_PIN_PATH, AGENTCFG_PIN_PATH_DEFAULT,
		AGENTCFG_ENV_PIN_GID, AGENTCFG_ENV_MAX_ENTRIES, AGENTCFG_MAX_ENTRIES_DEFAULT,
		AGENTCFG_ENV_XDP_MODE, AGENTCFG_ENV_LOG_LEVEL);
}

int main(int argc, char **argv, char **envp)
{
	const char *dir;

	/* A closed stderr pipe must not kill us in the middle of a detach. */
	signal(SIGPIPE, SIG_IGN);
	if (argc == 1)
		return run(envp);
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0 && argc == 2) {
		printf("%s %s\n", PROG, HUGINN_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "--check") == 0 && argc == 2)
		return run_check(envp);
	if (strcmp(argv[1], "--health") == 0 && argc == 2)
		return run_health(envp);
	if (strcmp(argv[1], "--dump") == 0 && argc <= 3) {
		dir = argc == 3 ? argv[2] : getenv(AGENTCFG_ENV_PIN_PATH);
		return run_dump(dir ? dir : AGENTCFG_PIN_PATH_DEFAULT);
	}
	fprintf(stderr, "%s: unknown arguments (configuration comes from the environment)\n", PROG);
	usage(stderr);
	return 2;
}
