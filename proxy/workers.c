/*
 * workers.c - huginn-proxy's worker processes (workers.h): one engine in this process,
 * or a parent that forks server.workers of them, restarts one that crashes, forwards
 * SIGHUP/SIGTERM/SIGINT and waits for all on shutdown.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>

#include "proxy/server.h"
#include "proxy/workers.h"

__attribute__((format(printf, 3, 4))) static void wlog(const struct proxy_workers *o,
						       enum log_level level, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	if (!o->log)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	o->log(o->log_ctx, level, buf);
}

/* Run one engine in this process; returns the exit status. */
struct worker_slot {
	pid_t pid;
	struct timespec started;
};

int proxy_workers_run_one(const struct proxy_workers *o, unsigned int worker, int sigfd)
{
	const struct proxy_config *cfg = o->cfg;
	const char *path = o->path;
	struct proxy_metrics *m = o->metrics;
	const struct proxy_hook *hook = o->hook;
	struct proxy_server_opts so = {
	    .config_path = path,
	    .metrics = m,
	    .worker = worker,
	    .hook = hook,
	    .sigfd = sigfd,
	    .access_fd = cfg->access_log ? 1 : -1,
	    .log = o->log,
	    .log_ctx = o->log_ctx,
	};
	struct proxy_server *p = NULL;
	char err[512];
	int rc;

	proxy_metrics_reset_gauges(m, worker);
	rc = proxy_server_create(&p, cfg, &so, err, sizeof(err));
	if (rc) {
		wlog(o, LOG_LEVEL_ERROR, "worker %u: %s", worker, err);
		return 1;
	}
	rc = proxy_server_run(p);
	proxy_server_destroy(p);
	if (rc) {
		wlog(o, LOG_LEVEL_ERROR, "worker %u: loop failed: %s", worker, strerror(-rc));
		return 1;
	}
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static pid_t spawn(const struct proxy_workers *o, unsigned int idx)
{
	pid_t parent = getpid(), pid = fork();

	if (pid != 0)
		return pid;
	/* Child: die with the parent (also if it died before the prctl took effect); its own
	 * signalfd reads its own signals. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(0);
	close(o->sigfd);
	int sfd = signalfd(-1, o->set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0) {
		wlog(o, LOG_LEVEL_ERROR, "worker %u: signalfd: %s", idx, strerror(errno));
		_exit(1);
	}
	fflush(stdout);
	_exit(proxy_workers_run_one(o, idx, sfd));
}

int proxy_workers_supervise(const struct proxy_workers *o)
{
	struct proxy_config *cfg = o->cfg;
	const char *path = o->path;
	struct proxy_metrics *m = o->metrics;
	int sigfd = o->sigfd;
	unsigned int n = cfg->workers, alive = 0;
	struct worker_slot w[PROXY_CONFIG_MAX_WORKERS];
	int stopping = 0, status = 0;
	double stop_deadline = 0;
	char err[512];

	for (unsigned int i = 0; i < n; i++) {
		w[i].pid = spawn(o, i);
		if (w[i].pid < 0) {
			wlog(o, LOG_LEVEL_ERROR, "fork: %s", strerror(errno));
			return 1;
		}
		clock_gettime(CLOCK_MONOTONIC, &w[i].started);
		alive++;
	}
	wlog(o, LOG_LEVEL_INFO, "started %u workers", n);
	while (alive > 0) {
		struct pollfd pfd = {.fd = sigfd, .events = POLLIN};
		int tmo = -1;

		if (stopping) {
			double left = stop_deadline - now_s();

			if (left <= 0) {
				wlog(o, LOG_LEVEL_WARN, "workers did not stop in time: SIGKILL");
				for (unsigned int i = 0; i < n; i++)
					if (w[i].pid > 0)
						kill(w[i].pid, SIGKILL);
				stop_deadline = now_s() + 5;
				left = 5;
			}
			tmo = (int)(left * 1000) + 1;
		}
		if (poll(&pfd, 1, tmo) < 0 && errno != EINTR)
			return 1;
		struct signalfd_siginfo si;

		while (read(sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
			switch (si.ssi_signo) {
			case SIGTERM:
			case SIGINT:
				if (!stopping) {
					wlog(o, LOG_LEVEL_INFO, "signal %u: draining workers",
					     si.ssi_signo);
					stopping = 1;
					stop_deadline =
					    now_s() + cfg->shutdown_drain_ms / 1000.0 + 5;
				}
				for (unsigned int i = 0; i < n; i++)
					if (w[i].pid > 0)
						kill(w[i].pid, SIGTERM);
				break;
			case SIGHUP: {
				struct proxy_config *nc = malloc(sizeof(*nc));

				/* The parent keeps the new config for workers it restarts later;
				 * each worker re-reads the file itself. */
				if (nc && proxy_config_load_file(path, nc, err, sizeof(err)) == 0) {
					proxy_server_keep_fixed(cfg, nc);
					memcpy(cfg, nc, sizeof(*cfg));
					wlog(o, LOG_LEVEL_INFO, "SIGHUP: %s reloaded", path);
				} else {
					wlog(o, LOG_LEVEL_ERROR,
					     "SIGHUP: keeping the old config: %s",
					     nc ? err : "out of memory");
				}
				free(nc);
				for (unsigned int i = 0; i < n; i++)
					if (w[i].pid > 0)
						kill(w[i].pid, SIGHUP);
				break;
			}
			default:
				break;
			}
		}
		for (;;) {
			int st;
			pid_t pid = waitpid(-1, &st, WNOHANG);

			if (pid <= 0)
				break;
			for (unsigned int i = 0; i < n; i++) {
				if (w[i].pid != pid)
					continue;
				w[i].pid = 0;
				alive--;
				proxy_metrics_reset_gauges(m, i);
				if (stopping) {
					if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
						status = 1;
					break;
				}
				struct timespec now;
				clock_gettime(CLOCK_MONOTONIC, &now);
				double age = (double)(now.tv_sec - w[i].started.tv_sec);

				if (WIFEXITED(st))
					wlog(o, LOG_LEVEL_ERROR,
					     "worker %u (pid %d) exited with status %d", i,
					     (int)pid, WEXITSTATUS(st));
				else
					wlog(o, LOG_LEVEL_ERROR,
					     "worker %u (pid %d) killed by signal %d", i, (int)pid,
					     WIFSIGNALED(st) ? WTERMSIG(st) : 0);
				if (WIFEXITED(st) && WEXITSTATUS(st) != 0 && age < 2) {
					/* A worker that fails right at startup (cannot bind, say)
					 * would fail again: stop everything. */
					wlog(o, LOG_LEVEL_ERROR,
					     "worker %u failed at startup: stopping", i);
					stopping = 1;
					status = 1;
					stop_deadline = now_s() + 5;
					for (unsigned int j = 0; j < n; j++)
						if (w[j].pid > 0)
							kill(w[j].pid, SIGTERM);
					break;
				}
				if (age < 1)
					usleep(200000); /* crash loop brake */
				w[i].pid = spawn(o, i);
				if (w[i].pid < 0) {
					wlog(o, LOG_LEVEL_ERROR, "fork: %s", strerror(errno));
					w[i].pid = 0;
				} else {
					w[i].started = now;
					alive++;
					wlog(o, LOG_LEVEL_INFO, "worker %u restarted (pid %d)", i,
					     (int)w[i].pid);
				}
				break;
			}
		}
	}
	wlog(o, LOG_LEVEL_INFO, "all workers stopped");
	return status;
}
