/*
 * pinperm.c - group and mode of the agent's pins, see pinperm.h.
 *
 * Path based on purpose: a bpffs map pin cannot be open()ed for fchmod (most
 * map types answer EIO), so the name is looked up relative to a directory fd
 * and checked with lstat semantics first.  Only root can write the pin
 * directory, so nothing swaps the name between the check and the change.
 */
#include "sys/pinperm.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int pinperm_dir(const char *dir, uint32_t gid)
{
	int fd, err = 0;

	/* O_NOFOLLOW: the configured path itself must be the directory. */
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fchown(fd, (uid_t)-1, (gid_t)gid) || fchmod(fd, PINPERM_DIR_MODE))
		err = -errno;
	close(fd);
	return err;
}

int pinperm_map(const char *dir, const char *name, uint32_t gid)
{
	struct stat st;
	int dfd, err = 0;

	if (!name[0] || strchr(name, '/'))
		return -EINVAL;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW)) {
		err = -errno;
		goto out;
	}
	if (S_ISLNK(st.st_mode)) {
		err = -ELOOP;
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		err = -EISDIR;
		goto out;
	}
	if (fchownat(dfd, name, (uid_t)-1, (gid_t)gid, AT_SYMLINK_NOFOLLOW) ||
	    fchmodat(dfd, name, PINPERM_MAP_MODE, 0))
		err = -errno;
out:
	close(dfd);
	return err;
}
