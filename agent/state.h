/*
 * state.h - what one run of the agent holds between its lifecycle steps (agent/run.c):
 * the configuration, the opened object, each map's fate, the netlink socket, the
 * program, the link and the link of a predecessor.  Every step takes this struct,
 * returns 0 or -errno and reports through the log callback (never prints).
 *
 * Fds are -1 when unset; agent_state_close() is safe to call twice.
 */
#ifndef HUGINN_AGENT_STATE_H
#define HUGINN_AGENT_STATE_H

#include <stdint.h>
#include <linux/bpf.h>

#include "agent/cfg.h"
#include "sys/log.h"
#include "sys/netlink.h"
#include "sys/obj.h"

/* Room for "<pin path>/<prefix><name>" (the pin path is at most 200 bytes). */
#define AGENT_PATH_BYTES 256

enum agent_map_fate {
	AGENT_MAP_REUSE,   /* pinned and compatible: keep it (same id, entries survive) */
	AGENT_MAP_NEW,	   /* nothing pinned: create and pin */
	AGENT_MAP_REPLACE, /* pinned but different: create, pin as tmp, rename over */
};

struct agent_state {
	struct agent_cfg cfg;
	struct obj obj;
	enum agent_map_fate fate[OBJ_MAX_MAPS];
	struct nl_sock nl;
	int ifindex;
	/* The pin directory, opened once it is trusted; its flock is the handover lock. */
	int dir_fd;
	/* RTMGRP_LINK listener that notices the interface going away (agent/watch.h). */
	struct nl_sock watch;
	int prog_fd;
	uint32_t prog_id;
	int link_fd;
	uint32_t link_id;
	char link_path[AGENT_PATH_BYTES];
	int old_link;	   /* our pinned link found at start, -1 if none */
	uint32_t old_mode; /* its XDP_FLAGS_*_MODE, or AGENT_LINK_MODE_TC (agent/link.h) */
	struct bpf_link_info old_li;
	/* The BPF object the agent carries (bpf/blob.S). */
	const unsigned char *blob;
	size_t blob_len;
	/* Where events go (the main prints them); may be NULL. */
	log_fn log;
	void *log_ctx;
};

/* Zero *a, every fd -1. */
void agent_state_init(struct agent_state *a);

/* Close every fd and the object; safe twice. */
void agent_state_close(struct agent_state *a);

/* Format and hand one event to a->log. */
void agent_state_logf(const struct agent_state *a, enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* strerror of a -errno (or errno). */
const char *agent_state_strerror(int err);

/* "dir/prefixname" into buf[AGENT_PATH_BYTES], or -ENAMETOOLONG. */
int agent_state_path(char *buf, const char *dir, const char *prefix, const char *name);

#endif
