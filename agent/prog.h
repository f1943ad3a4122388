/*
 * prog.h - the agent's program (xdp_syn, or tc_syn in tc mode): open the object the agent carries,
 * size its SYN maps, write the destination filter into the config map, load the program (and show
 * the verifier's reason when the kernel refuses it).  Each step returns 0 or -errno after logging
 * why.
 */
#ifndef HUGINN_AGENT_PROG_H
#define HUGINN_AGENT_PROG_H

#include "agent/state.h"

/* Open a->blob into a->obj and size the SYN maps to a->cfg.max_entries. */
int agent_prog_open(struct agent_state *a);

/* Create the maps that are not reused (after agent_pins_open decided). */
int agent_prog_create_maps(struct agent_state *a);

/* Write the destination filter (address, port) into the config map. */
int agent_prog_write_filter(struct agent_state *a);

/* Load the program: a->prog_fd, a->prog_id. */
int agent_prog_load(struct agent_state *a);

#endif
