/*
 * builtin.c - the embedded p0f/huginn.fp (see builtin.h).
 */
#include "p0f/builtin.h"

/* Defined in p0f/builtin.S: the bytes of p0f/huginn.fp. */
extern const char p0f_builtin_fp[], p0f_builtin_fp_end[];

const char *p0f_builtin_text(size_t *len)
{
	*len = (size_t)(p0f_builtin_fp_end - p0f_builtin_fp);
	return p0f_builtin_fp;
}
