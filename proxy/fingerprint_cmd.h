/*
 * fingerprint_cmd.h - the `huginn-proxy fingerprint` subcommand: p0f-style lines
 * for every SYN of a pcap, through the same parser the XDP program runs.
 */
#ifndef HUGINN_PROXY_FINGERPRINT_CMD_H
#define HUGINN_PROXY_FINGERPRINT_CMD_H

/* argv[0] is "fingerprint".  Prints to stdout/stderr; returns the exit status. */
int proxy_fingerprint_cmd_main(int argc, char **argv);

#endif
