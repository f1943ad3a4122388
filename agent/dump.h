/*
 * dump.h - `huginn-ebpf-agent --dump [PIN_PATH]`: the counters and SYN records of the
 * pinned maps as text, read through read-only fds (so any reader the pins' mode lets in,
 * HUGINN_EBPF_PIN_GID, may run it).
 */
#ifndef HUGINN_AGENT_DUMP_H
#define HUGINN_AGENT_DUMP_H

#include <stdio.h>

/* Write every counter and record under dir to out; a pin that cannot be opened is named
 * with the reason on out.  Returns 0, or 1 if any pin could not be read. */
int agent_dump_run(FILE *out, const char *dir);

#endif
