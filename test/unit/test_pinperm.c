/*
 * test_pinperm.c - handing pins to a group, on an ordinary directory: the
 * calls are the same on bpffs (t_agent_health.sh checks real pins).  As root
 * the group is 65532, the proxy's; otherwise our own group, which an owner
 * may always give.
 */
#include <errno.h>
#include <grp.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sys/pinperm.h"
#include "test/harness.h"

static void touch(const char *dir, const char *name, mode_t mode)
{
	char p[512];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd >= 0)
		close(fd);
	chmod(p, mode); /* past the umask */
}

static int st_of(const char *dir, const char *name, struct stat *st)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return lstat(p, st);
}

int main(void)
{
	char dir[] = "/tmp/huginn-pinperm.XXXXXX", sub[600], p[600];
	uint32_t gid = geteuid() == 0 ? 65532 : (uint32_t)getegid();
	struct stat st;

	if (!mkdtemp(dir)) {
		ok(0, "mkdtemp: %s", strerror(errno));
		return done_testing();
	}
	chmod(dir, 0755);
	touch(dir, "tcp_syn_map_v4", 0600);
	touch(dir, "link_eth0", 0600);
	snprintf(sub, sizeof(sub), "%s/subdir", dir);
	mkdir(sub, 0700);
	snprintf(p, sizeof(p), "%s/alias", dir);
	ok(symlink("tcp_syn_map_v4", p) == 0, "symlink made");

	is_int(pinperm_map(dir, "tcp_syn_map_v4", gid), 0, "map pin handed to group %u", gid);
	memset(&st, 0, sizeof(st));
	st_of(dir, "tcp_syn_map_v4", &st);
	ok(st.st_gid == gid && (st.st_mode & 07777) == PINPERM_MAP_MODE && st.st_uid == geteuid(),
	   "map pin: owner kept, group %u, mode 0640 (mode %o)", gid, st.st_mode & 07777);
	is_int(pinperm_map(dir, "tcp_syn_map_v4", gid), 0, "again: idempotent (a reused pin)");
	ok(st_of(dir, "link_eth0", &st) == 0 && (st.st_mode & 07777) == 0600,
	   "the other pins are untouched");

	is_int(pinperm_map(dir, "alias", gid), -ELOOP, "a symlink is refused, not followed");
	is_int(pinperm_map(dir, "subdir", gid), -EISDIR, "a directory is not a map pin");
	is_int(pinperm_map(dir, "nothere", gid), -ENOENT, "a missing pin: -ENOENT");
	is_int(pinperm_map(dir, "", gid), -EINVAL, "an empty name: -EINVAL");
	is_int(pinperm_map(dir, "subdir/x", gid), -EINVAL, "a name with '/': -EINVAL");
	is_int(pinperm_map("/nonexistent-huginn", "x", gid), -ENOENT, "a missing directory");

	is_int(pinperm_dir(dir, gid), 0, "pin directory handed to group %u", gid);
	memset(&st, 0, sizeof(st));
	stat(dir, &st);
	ok(st.st_gid == gid && (st.st_mode & 07777) == PINPERM_DIR_MODE,
	   "pin directory: group %u, mode 0750 (mode %o)", gid, st.st_mode & 07777);
	ok(S_ISDIR(st.st_mode), "the directory itself is kept, not recreated");
	ok(pinperm_dir(p, gid) == -ELOOP || pinperm_dir(p, gid) == -ENOTDIR,
	   "a symlink as pin directory is refused");
	snprintf(p, sizeof(p), "%s/tcp_syn_map_v4", dir);
	is_int(pinperm_dir(p, gid), -ENOTDIR, "a file as pin directory: -ENOTDIR");
	if (geteuid() == 0) {
		/*
		 * Without CAP_CHOWN and outside the group: what the agent reports as EPERM.
		 * As root, a child drops to nobody and tries on a directory of its own.
		 */
		pid_t pid = fork();
		int status = 0;

		if (pid == 0) {
			char own[] = "/tmp/huginn-pinperm-nobody.XXXXXX";
			int rc;

			if (setgroups(0, NULL) || setgid(65534) || setuid(65534) || !mkdtemp(own))
				_exit(3);
			rc = pinperm_dir(own, 0);
			rmdir(own);
			_exit(rc == -EPERM ? 0 : 1);
		}
		ok(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
		       WEXITSTATUS(status) == 0,
		   "a group we are not in, without CAP_CHOWN: -EPERM (child as uid 65534, status "
		   "%d)",
		   WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	} else {
		is_int(pinperm_dir(dir, 0), -EPERM, "a group we are not in: -EPERM");
	}

	snprintf(p, sizeof(p), "rm -rf '%s'", dir);
	if (system(p) != 0)
		ok(0, "cleanup of %s", dir);
	return done_testing();
}
