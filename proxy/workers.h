/*
 * workers.h - huginn-proxy's processes: with server.workers = 1 the engine runs in this
 * process; with more, the parent forks that many workers (each opens its own
 * SO_REUSEPORT listeners), restarts one that crashes (and stops everything when one fails
 * right at startup), forwards SIGHUP/SIGTERM/SIGINT to them and waits for all on
 * shutdown.  The counters live in a shared mapping made before the fork, so any worker's
 * /metrics shows the totals.  Events go to the log callback.
 */
#ifndef HUGINN_PROXY_WORKERS_H
#define HUGINN_PROXY_WORKERS_H

#include <signal.h>

#include "proxy/config.h"
#include "proxy/metrics.h"
#include "proxy/server.h"
#include "sys/log.h"

struct proxy_workers {
	struct proxy_config *cfg;      /* the parent keeps a reloaded copy for restarts */
	const char *path;	       /* the config file, re-read on SIGHUP */
	struct proxy_metrics *metrics; /* shared mapping */
	const struct proxy_hook *hook; /* NULL = none */
	int sigfd;	     /* the parent's signalfd (SIGTERM, SIGINT, SIGHUP, SIGCHLD) */
	const sigset_t *set; /* those signals, for each worker's own signalfd */
	log_fn log;
	void *log_ctx;
};

/* Run one engine (worker slot `worker`, signals from sigfd) until it drains: exit status. */
int proxy_workers_run_one(const struct proxy_workers *o, unsigned int worker, int sigfd);

/* Fork cfg->workers workers and supervise them until all stopped: exit status. */
int proxy_workers_supervise(const struct proxy_workers *o);

#endif
