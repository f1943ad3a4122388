/*
 * health_cmd.h - the `huginn-proxy health` subcommand (see health_cmd.c).
 */
#ifndef HUGINN_PROXY_HEALTH_CMD_H
#define HUGINN_PROXY_HEALTH_CMD_H

/* argv[0] is "health".  Prints one line; returns 0 when healthy, 1 if not, 2 on usage. */
int proxy_health_cmd_main(int argc, char **argv);

#endif
