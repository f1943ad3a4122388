/*
 * link.c - interface, inspection, attach, takeover and release (link.h).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/if_link.h>

#include "agent/check.h"
#include "agent/link.h"
#include "sys/bpf.h"

#define err_str agent_state_strerror
#define log_err(...) agent_state_logf(a, LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warn(...) agent_state_logf(a, LOG_LEVEL_WARN, __VA_ARGS__)
#define log_info(...) agent_state_logf(a, LOG_LEVEL_INFO, __VA_ARGS__)

enum agent_link_found agent_link_found_plan(int is_ours_type, uint32_t link_ifindex, int ifindex,
					    uint32_t mode)
{
	if (!is_ours_type)
		return AGENT_LINK_FOUND_BAD;
	/* The kernel detaches a link whose device went away: only then is the pin stale. */
	if (link_ifindex == 0)
		return AGENT_LINK_FOUND_STALE;
	if (link_ifindex == (uint32_t)ifindex && mode)
		return AGENT_LINK_FOUND_OURS;
	return AGENT_LINK_FOUND_OTHER;
}

uint32_t agent_link_foreign(const struct nl_link *l, uint32_t ours)
{
	const uint32_t ids[] = {l->drv_prog_id, l->skb_prog_id, l->hw_prog_id, l->xdp_prog_id};

	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		if (ids[i] && ids[i] != ours)
			return ids[i];
	return 0;
}

enum agent_link_attach agent_link_attach_plan(int have_old, uint32_t old_mode, uint32_t want)
{
	if (!have_old)
		return AGENT_LINK_ATTACH_NEW;
	if (old_mode == want)
		return AGENT_LINK_ATTACH_TAKEOVER;
	/* XDP and tc hooks coexist: the new one can run before the old one goes. */
	if ((old_mode == AGENT_LINK_MODE_TC) != (want == AGENT_LINK_MODE_TC))
		return AGENT_LINK_ATTACH_SWITCH;
	return AGENT_LINK_ATTACH_REMODE;
}

const char *agent_link_mode_name(uint32_t mode)
{
	return mode == AGENT_LINK_MODE_TC ? "tc" : nl_xdp_mode_name(mode);
}

int agent_link_is_ours_type(uint32_t link_type)
{
	return link_type == BPF_LINK_TYPE_XDP || link_type == SYS_BPF_LINK_TYPE_TCX;
}

uint32_t agent_link_ifindex_of(const struct bpf_link_info *li)
{
	if (li->type == BPF_LINK_TYPE_XDP)
		return li->xdp.ifindex;
	if (li->type == SYS_BPF_LINK_TYPE_TCX)
		return bpf_link_info_tcx_ifindex(li);
	return 0;
}

struct agent_link_release agent_link_release_plan(int have_pin, uint32_t pin_prog_id,
						  uint32_t pin_ifindex, uint32_t our_prog_id,
						  uint32_t own_prog_id, uint32_t own_ifindex)
{
	struct agent_link_release r = {0, 0, 0, 0};

	if (have_pin) {
		if (pin_prog_id != our_prog_id) {
			r.leave = 1;
			return r;
		}
		r.unlink_pin = 1;
		r.detach_pin = pin_ifindex != 0;
		return r;
	}
	r.detach_own = own_prog_id == our_prog_id && own_ifindex != 0;
	return r;
}

static int link_info(int fd, struct bpf_link_info *li)
{
	uint32_t len = sizeof(*li);

	memset(li, 0, sizeof(*li));
	return bpf_obj_get_info(fd, li, &len);
}

uint32_t agent_link_mode_of_cfg(enum agent_cfg_xdp_mode m)
{
	return m == AGENT_CFG_XDP_TC	? AGENT_LINK_MODE_TC
	       : m == AGENT_CFG_XDP_SKB ? XDP_FLAGS_SKB_MODE
					: XDP_FLAGS_DRV_MODE;
}

/*
 * Where the link li runs on the interface ifindex of our network namespace, from the
 * kernel's view: its XDP mode per netlink (l describes that interface), AGENT_LINK_MODE_TC
 * when the tcx hook there lists the link, 0 when it does not run there.
 */
static uint32_t mode_here(const struct nl_link *l, int ifindex, const struct bpf_link_info *li)
{
	if (li->type == BPF_LINK_TYPE_XDP)
		return nl_xdp_mode_of(l, li->prog_id);
	if (li->type == SYS_BPF_LINK_TYPE_TCX &&
	    bpf_link_info_tcx_attach_type(li) == OBJ_TCX_INGRESS &&
	    bpf_tcx_has_link(ifindex, OBJ_TCX_INGRESS, li->id))
		return AGENT_LINK_MODE_TC;
	return 0;
}

int agent_link_ifindex(struct agent_state *a)
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
		log_err("%s='%s': %s", AGENT_CFG_ENV_INTERFACE, a->cfg.ifname,
			err == -ENODEV ? "no such interface in this network namespace"
				       : err_str(err));
		return err;
	}
	return 0;
}

/* The program ids attached to the interface that are not `ours`: refuse on the first. */
static int refuse_foreign(struct agent_state *a, const struct nl_link *l, uint32_t ours)
{
	uint32_t id = agent_link_foreign(l, ours);
	char who[96];

	if (!id)
		return 0;
	agent_check_prog_describe(id, who, sizeof(who));
	log_err("%s already has XDP program %s attached in %s mode, and it is not the one "
		"linked at %s: refusing to replace it. Stop its owner or detach it first "
		"(ip link set dev %s xdp off, for a program attached without a bpf link), "
		"or give this agent the owner's %s",
		a->cfg.ifname, who, nl_xdp_mode_name(nl_xdp_mode_of(l, id)), a->link_path,
		a->cfg.ifname, AGENT_CFG_ENV_PIN_PATH);
	return -EBUSY;
}

/* The inode of our network namespace, to name it in messages (0 if unknown). */
static unsigned long long netns_ino(void)
{
	struct stat st;

	return stat("/proc/self/ns/net", &st) ? 0 : (unsigned long long)st.st_ino;
}

/*
 * The pin path belongs to the agent of the link li (pinned as name), attached
 * elsewhere: say where, from the kernel's view, and how to pick another pin path.
 */
static int refuse_owner(struct agent_state *a, const char *name, const struct bpf_link_info *li)
{
	uint32_t ifx = agent_link_ifindex_of(li);
	struct nl_link ol;
	char where[96];

	if (!nl_xdp_query(&a->nl, (int)ifx, &ol, NULL, 0) && mode_here(&ol, (int)ifx, li))
		snprintf(where, sizeof(where),
			 "interface %s (ifindex %u) in this network namespace", ol.name, ifx);
	else
		snprintf(where, sizeof(where), "ifindex %u of another network namespace", ifx);
	log_err("%s='%s' belongs to another agent: %s (link id %u, prog id %u) is attached to "
		"%s; this agent is for %s (ifindex %d) in network namespace inode %llu. One pin "
		"path serves one interface of one network namespace (the agents would share the "
		"filter and the maps): give this agent a pin path of its own, e.g. %s=%s-%s",
		AGENT_CFG_ENV_PIN_PATH, a->cfg.pin_path, name, li->id, li->prog_id, where,
		a->cfg.ifname, a->ifindex, netns_ino(), AGENT_CFG_ENV_PIN_PATH, a->cfg.pin_path,
		a->cfg.ifname);
	return -EBUSY;
}

/* Every link_* pin but ours: a live one means the pin path is another agent's. */
static int claim_pin_path(struct agent_state *a, const struct nl_link *l)
{
	const char *ours = strrchr(a->link_path, '/') + 1;
	char path[AGENT_PATH_BYTES];
	struct bpf_link_info li;
	struct dirent *d;
	DIR *dir;
	int fd, err = 0;

	dir = opendir(a->cfg.pin_path);
	if (!dir)
		return -errno;
	while (!err && (d = readdir(dir))) {
		if (strncmp(d->d_name, "link_", 5) || strcmp(d->d_name, ours) == 0 ||
		    agent_state_path(path, a->cfg.pin_path, "", d->d_name))
			continue;
		fd = bpf_obj_get(path, 0);
		if (fd < 0)
			continue;
		if (!link_info(fd, &li) && agent_link_is_ours_type(li.type)) {
			switch (agent_link_found_plan(1, agent_link_ifindex_of(&li), a->ifindex,
						      mode_here(l, a->ifindex, &li))) {
			case AGENT_LINK_FOUND_STALE:
				log_info("removing stale link pin %s (link id %u, prog id %u: "
					 "detached by the kernel)",
					 path, li.id, li.prog_id);
				unlink(path);
				break;
			case AGENT_LINK_FOUND_OURS: /* our interface under another name */
			case AGENT_LINK_FOUND_OTHER:
				err = refuse_owner(a, d->d_name, &li);
				break;
			case AGENT_LINK_FOUND_BAD:
				break;
			}
		}
		close(fd);
	}
	closedir(dir);
	return err;
}

int agent_link_inspect(struct agent_state *a)
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
	err = claim_pin_path(a, &l);
	if (err)
		return err;
	old = bpf_obj_get(a->link_path, 0);
	if (old >= 0) {
		err = link_info(old, li);
		a->old_mode = err ? 0 : mode_here(&l, a->ifindex, li);
		switch (agent_link_found_plan(!err && agent_link_is_ours_type(li->type),
					      agent_link_ifindex_of(li), a->ifindex, a->old_mode)) {
		case AGENT_LINK_FOUND_BAD:
			log_err("%s is neither an XDP nor a tcx link (%s); remove it", a->link_path,
				err ? err_str(err) : "other link type");
			close(old);
			return err ? err : -EINVAL;
		case AGENT_LINK_FOUND_OURS:
			a->old_link = old;
			log_info("found our link id %u at %s running prog id %u in %s mode", li->id,
				 a->link_path, li->prog_id, agent_link_mode_name(a->old_mode));
			break;
		case AGENT_LINK_FOUND_OTHER:
			err = refuse_owner(a, strrchr(a->link_path, '/') + 1, li);
			close(old);
			return err;
		case AGENT_LINK_FOUND_STALE:
			log_info("removing stale link pin %s (link id %u, prog id %u: detached by "
				 "the kernel)",
				 a->link_path, li->id, li->prog_id);
			unlink(a->link_path);
			close(old);
			a->old_mode = 0;
			break;
		}
	} else if (old != -ENOENT) {
		log_err("cannot open %s: %s", a->link_path, err_str(old));
		return old;
	}
	/* tc mode shares the interface with any XDP program: XDP is not its hook. */
	if (a->cfg.xdp_mode == AGENT_CFG_XDP_TC)
		return 0;
	return refuse_foreign(a, &l,
			      a->old_link >= 0 && li->type == BPF_LINK_TYPE_XDP ? li->prog_id : 0);
}

/* Swap our program into the pinned link of a running (or crashed) predecessor. */
static int take_over(struct agent_state *a)
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

/*
 * Pin the link fd at the link path: under a temporary name first, then rename(2) over
 * whatever is there (a detached link of a predecessor), so the path never goes missing.
 */
static int pin_link(struct agent_state *a, int fd)
{
	char tmp[AGENT_PATH_BYTES], pfx[32];
	int err;

	snprintf(pfx, sizeof(pfx), "tmp%d_link_", (int)getpid());
	if (agent_state_path(tmp, a->cfg.pin_path, pfx, a->cfg.ifname))
		return -ENAMETOOLONG;
	unlink(tmp); /* left by a crashed agent that had our pid */
	err = bpf_obj_pin(fd, tmp);
	if (!err && rename(tmp, a->link_path)) {
		err = -errno;
		unlink(tmp);
	}
	return err;
}

/* Create a link for prog_fd in mode and pin it; the link fd, or -errno after logging. */
static int link_and_pin(struct agent_state *a, int prog_fd, uint32_t mode)
{
	int fd, err;

	/*
	 * tc: at the head of the tcx list (BPF_F_BEFORE, no relative program), so a program
	 * that redirects or drops cannot hide a SYN from us; ours never changes a verdict.
	 */
	if (mode == AGENT_LINK_MODE_TC)
		fd = bpf_link_create(prog_fd, a->ifindex, OBJ_TCX_INGRESS, SYS_BPF_F_BEFORE);
	else
		fd = bpf_link_create(prog_fd, a->ifindex, BPF_XDP, mode);
	if (fd < 0) {
		err = fd;
		log_err("cannot attach to %s in %s mode: %s%s", a->cfg.ifname,
			agent_link_mode_name(mode), err_str(err),
			mode == XDP_FLAGS_DRV_MODE && (err == -EOPNOTSUPP || err == -EINVAL)
			    ? "; the driver may lack native XDP: try HUGINN_EBPF_XDP_MODE=skb"
			: mode == AGENT_LINK_MODE_TC && err == -EINVAL
			    ? "; tc mode needs tcx links (kernel >= 6.6)"
			: err == -EBUSY || err == -EEXIST
			    ? "; another XDP program was attached meanwhile"
			    : "");
		return err;
	}
	err = pin_link(a, fd);
	if (err) {
		/* Unpinned, the link dies with its fd: nothing stays attached. */
		log_err("cannot pin the link at %s: %s", a->link_path, err_str(err));
		close(fd);
		return err;
	}
	return fd;
}

/* Create a link for our program and pin it. */
static int attach_new(struct agent_state *a, uint32_t want)
{
	struct bpf_link_info li;
	int fd;

	fd = link_and_pin(a, a->prog_fd, want);
	if (fd < 0)
		return fd;
	a->link_fd = fd;
	if (!link_info(fd, &li))
		a->link_id = li.id;
	log_info("attached prog id %u to %s (ifindex %d) in %s mode via link id %u pinned at %s",
		 a->prog_id, a->cfg.ifname, a->ifindex, agent_link_mode_name(want), a->link_id,
		 a->link_path);
	return 0;
}

/*
 * A link cannot change mode, and the kernel refuses native and generic XDP at once:
 * detach the old link, attach ours, and if that fails put the old program back in its
 * old mode at the same pin path, so a failure leaves the interface as it was.
 */
static int re_mode(struct agent_state *a, uint32_t want)
{
	const struct bpf_link_info *li = &a->old_li;
	int old_prog, fd, err;

	old_prog = bpf_prog_get_fd_by_id(li->prog_id);
	if (old_prog < 0) {
		log_err("prog id %u of link id %u runs in %s mode, %s asks for %s: a link cannot "
			"change mode, and without CAP_SYS_ADMIN this agent could not put the old "
			"program back if the new mode failed; nothing changed. Stop the running "
			"agent first, or keep its mode",
			li->prog_id, li->id, nl_xdp_mode_name(a->old_mode), AGENT_CFG_ENV_XDP_MODE,
			nl_xdp_mode_name(want));
		return old_prog;
	}
	log_warn("prog id %u of link id %u runs in %s mode, %s asks for %s: detaching it "
		 "first, SYNs until the new attach are not captured",
		 li->prog_id, li->id, nl_xdp_mode_name(a->old_mode), AGENT_CFG_ENV_XDP_MODE,
		 nl_xdp_mode_name(want));
	err = bpf_link_detach(a->old_link);
	if (err) {
		log_err("cannot detach link id %u: %s", li->id, err_str(err));
		close(old_prog);
		return err;
	}
	err = attach_new(a, want);
	if (err) {
		fd = link_and_pin(a, old_prog, a->old_mode);
		if (fd >= 0)
			log_warn("put prog id %u back on %s in %s mode (pinned at %s): capture "
				 "continues as before",
				 li->prog_id, a->cfg.ifname, nl_xdp_mode_name(a->old_mode),
				 a->link_path);
		else
			log_err("could not put prog id %u back: nothing is attached to %s",
				li->prog_id, a->cfg.ifname);
		if (fd >= 0)
			close(fd); /* the pin holds it */
	}
	close(old_prog);
	return err;
}

/*
 * XDP <-> tc: the two hooks coexist, so make before break.  Attach ours and pin it over
 * the link path, and only then detach the old link: a failed attach or pin leaves the old
 * program running and pinned, untouched.  For a moment both run and a SYN may be recorded
 * twice (the same record).  If the old link will not detach, ours goes and the old one
 * is pinned again, so exactly one capture stays.
 */
static int switch_hook(struct agent_state *a, uint32_t want)
{
	const struct bpf_link_info *li = &a->old_li;
	struct bpf_link_info nli;
	int fd, err;

	fd = link_and_pin(a, a->prog_fd, want);
	if (fd < 0) {
		log_err("nothing changed: prog id %u of link id %u still runs on %s in %s mode",
			li->prog_id, li->id, a->cfg.ifname, agent_link_mode_name(a->old_mode));
		return fd;
	}
	err = bpf_link_detach(a->old_link);
	if (err) {
		log_err("cannot detach link id %u (%s mode): %s; removing ours again", li->id,
			agent_link_mode_name(a->old_mode), err_str(err));
		if (pin_link(a, a->old_link))
			log_err("could not pin link id %u at %s again", li->id, a->link_path);
		bpf_link_detach(fd);
		close(fd);
		return err;
	}
	a->link_fd = fd;
	if (!link_info(fd, &nli))
		a->link_id = nli.id;
	log_info("switched %s from %s mode (link id %u, prog id %u, now detached) to %s mode "
		 "(link id %u, prog id %u, pinned at %s): attached before the old one left",
		 a->cfg.ifname, agent_link_mode_name(a->old_mode), li->id, li->prog_id,
		 agent_link_mode_name(want), a->link_id, a->prog_id, a->link_path);
	return 0;
}

int agent_link_attach(struct agent_state *a)
{
	uint32_t want = agent_link_mode_of_cfg(a->cfg.xdp_mode);

	switch (agent_link_attach_plan(a->old_link >= 0, a->old_mode, want)) {
	case AGENT_LINK_ATTACH_TAKEOVER:
		return take_over(a);
	case AGENT_LINK_ATTACH_REMODE:
		return re_mode(a, want);
	case AGENT_LINK_ATTACH_SWITCH:
		return switch_hook(a, want);
	case AGENT_LINK_ATTACH_NEW:
		break;
	}
	return attach_new(a, want);
}

int agent_link_release(struct agent_state *a)
{
	struct agent_link_release plan;
	struct bpf_link_info li, pl;
	int pinned, err;

	if (a->link_fd < 0)
		return 0;
	memset(&pl, 0, sizeof(pl));
	err = link_info(a->link_fd, &li);
	if (err) {
		log_err("cannot query link id %u: %s", a->link_id, err_str(err));
		return err;
	}
	pinned = bpf_obj_get(a->link_path, 0);
	if (pinned >= 0 && link_info(pinned, &pl)) {
		close(pinned);
		pinned = -1;
	}
	plan = agent_link_release_plan(pinned >= 0, pl.prog_id, agent_link_ifindex_of(&pl),
				       a->prog_id, li.prog_id, agent_link_ifindex_of(&li));
	if (plan.leave) {
		log_info("link id %u at %s now runs prog id %u (a successor took over): leaving "
			 "it attached",
			 pl.id, a->link_path, pl.prog_id);
		close(pinned);
		return 0;
	}
	if (plan.detach_pin || plan.detach_own) {
		err = bpf_link_detach(plan.detach_pin ? pinned : a->link_fd);
		if (err) {
			log_err("cannot detach link id %u from %s: %s",
				plan.detach_pin ? pl.id : li.id, a->cfg.ifname, err_str(err));
			if (pinned >= 0)
				close(pinned);
			return err;
		}
		log_info("detached prog id %u from %s (link id %u); map pins kept in %s",
			 a->prog_id, a->cfg.ifname, plan.detach_pin ? pl.id : li.id,
			 a->cfg.pin_path);
	} else {
		log_info("link id %u was already detached", plan.unlink_pin ? pl.id : li.id);
	}
	if (plan.unlink_pin)
		unlink(a->link_path);
	if (pinned >= 0)
		close(pinned);
	return 0;
}
