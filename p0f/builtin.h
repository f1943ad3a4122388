/*
 * builtin.h - huginn's own signature database (p0f/huginn.fp, docs/p0f-db.md), carried
 * in the binary: p0f/builtin.S embeds the file at build time (.incbin, as bpf/blob.S
 * does for the XDP object), so a `scratch` image has OS labels without any p0f.fp.
 */
#ifndef HUGINN_P0F_BUILTIN_H
#define HUGINN_P0F_BUILTIN_H

#include <stddef.h>

/* The name that selects it where a p0f.fp path is expected (config, --db). */
#define P0F_BUILTIN_NAME "builtin"

/* The embedded text (not NUL-terminated) and its length in *len. */
const char *p0f_builtin_text(size_t *len);

#endif
