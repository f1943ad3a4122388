/*
 * file.h - read a whole, bounded file: configs, p0f.fp databases, pcaps.
 */
#ifndef HUGINN_SYS_FILE_H
#define HUGINN_SYS_FILE_H

#include <stddef.h>

/*
 * Read path into a fresh malloc'd buffer with a NUL after the last byte
 * (*out, freed by the caller; *len excludes the NUL).  At most max bytes: a
 * longer file is -EFBIG, a directory -EISDIR, otherwise 0 or -errno.
 */
int file_read_all(const char *path, size_t max, char **out, size_t *len);

#endif
