/*
 * pins.c - pin directory, map fate and re-pinning (pins.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "agent/pins.h"
#include "bpf/xdp_syn.h"
#include "sys/bpf.h"
#include "sys/pinperm.h"

/* <sys/file.h> is our own sys/file.h under -I.: declare flock(2) (values from its page). */
#ifndef LOCK_EX
#define LOCK_EX 2
#define LOCK_NB 4
#define LOCK_UN 8
#endif
int flock(int fd, int operation);

#define err_str agent_state_strerror
#define log_err(...) agent_state_logf(a, LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_info(...) agent_state_logf(a, LOG_LEVEL_INFO, __VA_ARGS__)

struct agent_pins_verdict agent_pins_decide(int get_rc, int compat)
{
	struct agent_pins_verdict v = {AGENT_MAP_NEW, 0};

	if (get_rc == -ENOENT)
		return v;
	if (get_rc < 0) {
		v.err = get_rc;
		return v;
	}
	if (compat == 1)
		v.fate = AGENT_MAP_REUSE;
	else if (compat < 0)
		v.err = compat;
	else
		v.fate = AGENT_MAP_REPLACE;
	return v;
}

static int map_info(int fd, struct bpf_map_info *mi)
{
	uint32_t len = sizeof(*mi);

	memset(mi, 0, sizeof(*mi));
	return bpf_obj_get_info(fd, mi, &len);
}

/* The temporary name prefix of this process's replacement pins. */
static void tmp_prefix(char tmp[64])
{
	snprintf(tmp, 64, "tmp%d_", (int)getpid());
}

static const char *const chown_hint =
    " (the agent needs CAP_CHOWN, or that group among its groups: Kubernetes "
    "supplementalGroups, Compose group_add)";

/*
 * HUGINN_EBPF_PIN_GID: hand the map pin dir/prefix+name (name NULL: the
 * directory itself, kept as it is, it may be a mount) to the group.  No-op unset.
 */
static int share_pin(const struct agent_state *a, const char *prefix, const char *name)
{
	const struct agent_cfg *cfg = &a->cfg;
	char base[AGENT_PATH_BYTES];
	int err;

	if (cfg->pin_gid < 0)
		return 0;
	if (snprintf(base, sizeof(base), "%s%s", prefix, name ? name : "") >= (int)sizeof(base))
		return -ENAMETOOLONG;
	err = name ? pinperm_map(cfg->pin_path, base, (uint32_t)cfg->pin_gid)
		   : pinperm_dir(cfg->pin_path, (uint32_t)cfg->pin_gid);
	if (err)
		log_err("%s=%lld: cannot give %s%s%s to that group with mode %#o: %s%s",
			AGENT_CFG_ENV_PIN_GID, (long long)cfg->pin_gid, cfg->pin_path,
			name ? "/" : "", base, name ? PINPERM_MAP_MODE : PINPERM_DIR_MODE,
			err_str(err), err == -EPERM ? chown_hint : "");
	else if (!name)
		log_info(
		    "pins readable by group %lld: %s mode %#o, map pins %#o, link pin root only",
		    (long long)cfg->pin_gid, cfg->pin_path, PINPERM_DIR_MODE, PINPERM_MAP_MODE);
	return err;
}

enum agent_pins_trust agent_pins_trust(uint32_t uid, uint32_t mode, uint32_t parent_mode,
				       uint32_t euid)
{
	if (uid != euid)
		return AGENT_PINS_NOT_OWNER;
	if (mode & (S_IWGRP | S_IWOTH))
		return AGENT_PINS_WRITABLE;
	/* Write access to the parent without the sticky bit lets anyone rename ours away. */
	if ((parent_mode & (S_IWGRP | S_IWOTH)) && !(parent_mode & S_ISVTX))
		return AGENT_PINS_PARENT_OPEN;
	return AGENT_PINS_TRUSTED;
}

/* Open the pin directory, refuse it unless trusted, keep it in a->dir_fd. */
static int open_trusted_dir(struct agent_state *a)
{
	const struct agent_cfg *cfg = &a->cfg;
	char parent[AGENT_PATH_BYTES] = "";
	struct stat st, pst;
	uint32_t pmode = 0;
	int fd, err, root;

	/* O_NOFOLLOW: the configured path itself must be the directory, not a symlink. */
	fd = open(cfg->pin_path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		log_err("%s='%s' cannot be opened as a directory: %s", AGENT_CFG_ENV_PIN_PATH,
			cfg->pin_path, err_str(err));
		return err;
	}
	if (fstat(fd, &st) || agent_cfg_pin_parent(cfg, parent, sizeof(parent)) ||
	    stat(parent, &pst)) {
		err = errno ? -errno : -ENAMETOOLONG;
		close(fd);
		return err;
	}
	/* The root of a bpffs mount: its parent is another filesystem and does not matter. */
	root = pst.st_dev != st.st_dev;
	if (!root)
		pmode = pst.st_mode & 07777;
	switch (agent_pins_trust(st.st_uid, st.st_mode & 07777, pmode, geteuid())) {
	case AGENT_PINS_TRUSTED:
		a->dir_fd = fd;
		return 0;
	case AGENT_PINS_NOT_OWNER:
		log_err("%s='%s' is owned by uid %u, not by the agent (uid %u): whoever made it "
			"can delete or swap the pins. Remove it (after checking what is in it) so "
			"the agent creates it, chown %u it, or pick another %s",
			AGENT_CFG_ENV_PIN_PATH, cfg->pin_path, (unsigned)st.st_uid,
			(unsigned)geteuid(), (unsigned)geteuid(), AGENT_CFG_ENV_PIN_PATH);
		break;
	case AGENT_PINS_WRITABLE:
		if (root)
			log_err(
			    "%s='%s' is the root of a bpffs mount, writable by others "
			    "(mode %04o): anyone could delete or swap the pins. Use a directory "
			    "below it, e.g. %s=%s/huginn, which the agent creates root-only",
			    AGENT_CFG_ENV_PIN_PATH, cfg->pin_path, st.st_mode & 07777,
			    AGENT_CFG_ENV_PIN_PATH, cfg->pin_path);
		else
			log_err("%s='%s' is writable by group or others (mode %04o): they could "
				"delete or swap the pins. chmod go-w it, or remove it so the agent "
				"creates it",
				AGENT_CFG_ENV_PIN_PATH, cfg->pin_path, st.st_mode & 07777);
		break;
	case AGENT_PINS_PARENT_OPEN:
		log_err("%s='%s': its parent %s is writable by others without the sticky bit "
			"(mode %04o), so they could rename the pin directory away; chmod +t %s",
			AGENT_CFG_ENV_PIN_PATH, cfg->pin_path, parent, pmode, parent);
		break;
	}
	close(fd);
	return -EPERM;
}

int agent_pins_setup_dir(struct agent_state *a)
{
	const struct agent_cfg *cfg = &a->cfg;
	char parent[AGENT_PATH_BYTES] = "";
	struct stat st;
	int err;

	err = bpf_fs_check(cfg->pin_path);
	if (err == -ENOENT) {
		err = agent_cfg_pin_parent(cfg, parent, sizeof(parent));
		if (!err)
			err = bpf_fs_check(parent);
		if (err) {
			log_err("%s='%s': the parent directory %s is %s; mount bpffs first: "
				"mount -t bpf bpf /sys/fs/bpf",
				AGENT_CFG_ENV_PIN_PATH, cfg->pin_path, parent,
				err == -ENOTSUP ? "not on a bpf filesystem" : err_str(err));
			return err;
		}
		/* 0755 whatever the umask; EEXIST (someone was faster) is judged below. */
		if (mkdir(cfg->pin_path, 0755) && errno != EEXIST) {
			err = -errno;
			log_err("%s='%s': cannot create the pin directory: %s%s",
				AGENT_CFG_ENV_PIN_PATH, cfg->pin_path, err_str(err),
				err == -EPERM ? " (bpffs refuses names with '.')" : "");
			return err;
		}
		log_info("created pin directory %s", cfg->pin_path);
	} else if (err == -ENOTSUP) {
		log_err("%s='%s' is not on a bpf filesystem; mount one: mount -t bpf bpf "
			"/sys/fs/bpf",
			AGENT_CFG_ENV_PIN_PATH, cfg->pin_path);
		return err;
	} else if (err) {
		/* bpffs answers EPERM for any name with a dot in it. */
		log_err("%s='%s': %s%s", AGENT_CFG_ENV_PIN_PATH, cfg->pin_path, err_str(err),
			err == -EPERM && strchr(strrchr(cfg->pin_path, '/'), '.')
			    ? " (bpffs refuses names with '.')"
			    : "");
		return err;
	} else if (lstat(cfg->pin_path, &st) || !S_ISDIR(st.st_mode)) {
		log_err("%s='%s' is not a directory", AGENT_CFG_ENV_PIN_PATH, cfg->pin_path);
		return -ENOTDIR;
	}
	err = open_trusted_dir(a);
	if (err)
		return err;
	return share_pin(a, "", NULL);
}

int agent_pins_lock(struct agent_state *a, unsigned wait_ms)
{
	struct timespec ts = {0, 10 * 1000 * 1000};
	unsigned waited = 0;

	/* Signals are blocked (signalfd), so poll instead of a blocking flock. */
	while (flock(a->dir_fd, LOCK_EX | LOCK_NB)) {
		if (errno != EWOULDBLOCK && errno != EINTR)
			return -errno;
		if (waited == 0)
			log_info("waiting for the agent holding %s (start or stop in progress)",
				 a->cfg.pin_path);
		if (waited >= wait_ms)
			return -ETIMEDOUT;
		nanosleep(&ts, NULL);
		waited += 10;
	}
	return 0;
}

void agent_pins_unlock(struct agent_state *a)
{
	if (a->dir_fd >= 0)
		flock(a->dir_fd, LOCK_UN);
}

void agent_pins_sweep_tmp(struct agent_state *a)
{
	char path[AGENT_PATH_BYTES];
	struct dirent *d;
	DIR *dir;

	dir = opendir(a->cfg.pin_path);
	if (!dir)
		return;
	while ((d = readdir(dir)))
		if (strncmp(d->d_name, "tmp", 3) == 0 &&
		    !agent_state_path(path, a->cfg.pin_path, "", d->d_name) && !unlink(path))
			log_info("removed %s, left by an agent killed during its start", path);
	closedir(dir);
}

int agent_pins_open(struct agent_state *a)
{
	char path[AGENT_PATH_BYTES];
	struct bpf_map_info mi;
	unsigned i;
	int fd, r;

	for (i = 0; i < a->obj.nmaps; i++) {
		struct obj_map *m = &a->obj.maps[i];
		struct agent_pins_verdict v;

		if (agent_state_path(path, a->cfg.pin_path, "", m->name))
			return -ENAMETOOLONG;
		fd = bpf_obj_get(path, 0);
		r = fd >= 0 ? obj_map_compatible(m, fd) : 0;
		v = agent_pins_decide(fd, r);
		if (v.err) {
			if (fd < 0) {
				log_err("cannot open pinned map %s: %s", path, err_str(fd));
			} else {
				/* Not a map at all (a file someone put there): do not touch it. */
				log_err("%s is not a BPF map: %s; remove it", path, err_str(r));
				close(fd);
			}
			return v.err;
		}
		/* The filter is per agent: a failed start must not change the running one's. */
		if (v.fate == AGENT_MAP_REUSE && strcmp(m->name, HUGINN_MAP_CONFIG) == 0) {
			log_info("writing the filter into a new %s, pinned once attached", path);
			close(fd);
			a->fate[i] = AGENT_MAP_REPLACE;
			continue;
		}
		a->fate[i] = v.fate;
		if (v.fate == AGENT_MAP_NEW)
			continue;
		if (v.fate == AGENT_MAP_REUSE) {
			m->fd = fd;
			r = share_pin(a, "", m->name);
			if (r)
				return r;
			if (!map_info(fd, &mi))
				log_info("reusing pinned map %s (id %u, %u entries)", path, mi.id,
					 mi.max_entries);
			continue;
		}
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

int agent_pins_early(struct agent_state *a)
{
	char path[AGENT_PATH_BYTES];
	char tmp[64];
	unsigned i;
	int err;

	tmp_prefix(tmp);
	for (i = 0; i < a->obj.nmaps; i++) {
		struct obj_map *m = &a->obj.maps[i];
		if (a->fate[i] == AGENT_MAP_REUSE)
			continue;
		if (agent_state_path(path, a->cfg.pin_path, tmp, m->name))
			return -ENAMETOOLONG;
		unlink(path); /* left by a crashed agent that had our pid */
		err = bpf_obj_pin(m->fd, path);
		if (err) {
			log_err("cannot pin map %s: %s", path, err_str(err));
			return err;
		}
		/* It gets its group before rename(2) shows it to readers. */
		err = share_pin(a, tmp, m->name);
		if (err)
			return err;
	}
	return 0;
}

int agent_pins_late(struct agent_state *a)
{
	char path[AGENT_PATH_BYTES], from[AGENT_PATH_BYTES];
	char tmp[64];
	struct bpf_map_info mi;
	unsigned i;
	int err = 0;

	tmp_prefix(tmp);
	for (i = 0; i < a->obj.nmaps; i++) {
		struct obj_map *m = &a->obj.maps[i];

		if (a->fate[i] == AGENT_MAP_REUSE)
			continue;
		if (agent_state_path(path, a->cfg.pin_path, "", m->name) ||
		    agent_state_path(from, a->cfg.pin_path, tmp, m->name))
			return -ENAMETOOLONG;
		if (rename(from, path)) {
			err = -errno;
			log_err("cannot move %s over %s: %s", from, path, err_str(err));
			unlink(from);
			continue;
		}
		if (map_info(m->fd, &mi) || strcmp(m->name, HUGINN_MAP_CONFIG) == 0)
			continue;
		if (a->fate[i] == AGENT_MAP_NEW)
			log_info("created map %s (id %u, %u entries)", path, mi.id, mi.max_entries);
		else
			log_info("replaced map %s (now id %u, %u entries)", path, mi.id,
				 mi.max_entries);
	}
	return err;
}

void agent_pins_unpin_tmp(struct agent_state *a)
{
	char path[AGENT_PATH_BYTES], tmp[64];
	unsigned i;

	tmp_prefix(tmp);
	for (i = 0; i < a->obj.nmaps; i++)
		if (a->fate[i] != AGENT_MAP_REUSE &&
		    !agent_state_path(path, a->cfg.pin_path, tmp, a->obj.maps[i].name))
			unlink(path);
}
