/*
 * health.h - the `huginn-proxy health` subcommand (see health.c).
 */
#ifndef HUGINN_HEALTH_H
#define HUGINN_HEALTH_H

/* argv[0] is "health".  Prints one line; returns 0 when healthy, 1 if not, 2 on usage. */
int health_main(int argc, char **argv);

#endif
