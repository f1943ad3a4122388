/*
 * file.c - bounded whole-file reads (see file.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sys/file.h"

/* First allocation; grown by doubling up to max + 1, which tells "too large" from "at max". */
#define FILE_CHUNK 65536

int file_read_all(const char *path, size_t max, char **out, size_t *len)
{
	size_t cap, got = 0;
	struct stat st;
	char *buf, *nb;
	int fd, err;

	*out = NULL;
	*len = 0;
	if (max > SIZE_MAX / 4)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		return -EISDIR;
	}
	/* Size the buffer from stat when it is honest (regular files), else grow. */
	cap = S_ISREG(st.st_mode) && (size_t)st.st_size < max ? (size_t)st.st_size + 2 : FILE_CHUNK;
	if (cap > max + 2)
		cap = max + 2;
	buf = malloc(cap);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	for (;;) {
		ssize_t n;

		if (got + 1 >= cap) {
			size_t ncap = cap * 2 > max + 2 ? max + 2 : cap * 2;

			if (ncap <= cap) {
				err = -EFBIG;
				goto out_free;
			}
			nb = realloc(buf, ncap);
			if (!nb) {
				err = -ENOMEM;
				goto out_free;
			}
			buf = nb;
			cap = ncap;
		}
		n = read(fd, buf + got, cap - 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			goto out_free;
		}
		if (n == 0)
			break;
		got += (size_t)n;
		if (got > max) {
			err = -EFBIG;
			goto out_free;
		}
	}
	close(fd);
	buf[got] = 0;
	*out = buf;
	*len = got;
	return 0;

out_free:
	free(buf);
	close(fd);
	return err;
}
