/*
 * proxy.c - huginn-proxy main: options, logging, signals and worker processes.
 *
 *   huginn-proxy [-t] CONFIG        run (or with -t only check) the proxy
 *   huginn-proxy fingerprint ...    p0f lines for the SYNs of a pcap (proxy/fingerprint_cmd.c)
 *
 * With server.workers = 1 the engine runs in this process.  With more, the parent forks
 * that many workers (each opens its own SO_REUSEPORT listeners), restarts one that
 * crashes, forwards SIGHUP/SIGTERM/SIGINT to them and waits for all on shutdown.  The
 * counters live in a shared mapping made before the fork, so any worker's /metrics shows
 * the totals.
 *
 * Log lines go to stderr: "huginn-proxy[PID]: LEVEL: message"; HUGINN_LOG=err|warn|info|debug
 * picks the threshold (default info).  Access log lines go to stdout (the engine writes
 * them, buffered, once per loop iteration).  A pipe or socket on stdout is made
 * non-blocking, so a reader that stops reading costs access-log lines, never a stalled
 * worker.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>

#include "proxy/fingerprint_cmd.h"
#include "proxy/health_cmd.h"
#include "proxy/config.h"
#include "proxy/synhook.h"
#include "proxy/server.h"

#define PROG "huginn-proxy"

static enum http_log_level log_threshold = HTTP_LOG_INFO;

static const char *const level_names[] = {"error", "warning", "info", "debug"};

static void log_msg(void *ctx, enum http_log_level level, const char *msg)
{
	(void)ctx;
	if (level > log_threshold)
		return;
	fprintf(stderr, PROG "[%d]: %s: %s\n", (int)getpid(), level_names[level], msg);
}

__attribute__((format(printf, 2, 3))) static void logf_(enum http_log_level level, const char *fmt,
							...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	log_msg(NULL, level, buf);
}

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: " PROG " [-t] CONFIG\n"
	    "       " PROG " fingerprint [ARGS...]\n"
	    "       " PROG " --version | --help\n"
	    "\n"
	    "An HTTP/1.1 reverse proxy that adds the client's TCP SYN fingerprint\n"
	    "(x-tcp-p0f) to every request it forwards.\n"
	    "\n"
	    "  -t          check CONFIG and exit (0 when valid; else print FILE:LINE:COL: error)\n"
	    "  --version   print the version and exit\n"
	    "  --help      print this help and exit\n"
	    "\n"
	    "Signals: SIGTERM/SIGINT drain in-flight requests and exit; SIGHUP reloads\n"
	    "routes, backends, headers and timeouts from CONFIG.\n"
	    "Environment: HUGINN_LOG=err|warn|info|debug (stderr log level, default info).\n");
}

static void set_log_level(void)
{
	const char *v = getenv("HUGINN_LOG");

	if (!v)
		return;
	if (!strcmp(v, "err") || !strcmp(v, "error"))
		log_threshold = HTTP_LOG_ERR;
	else if (!strcmp(v, "warn") || !strcmp(v, "warning"))
		log_threshold = HTTP_LOG_WARN;
	else if (!strcmp(v, "info"))
		log_threshold = HTTP_LOG_INFO;
	else if (!strcmp(v, "debug"))
		log_threshold = HTTP_LOG_DEBUG;
}

static int make_sigfd(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGCHLD);
	/* Signals are events read from the loop, never handled asynchronously. */
	if (sigprocmask(SIG_BLOCK, set, NULL))
		return -errno;
	return signalfd(-1, set, SFD_CLOEXEC | SFD_NONBLOCK);
}

/*
 * The access log must never stall a worker: a pipe or socket gets O_NONBLOCK and the
 * engine keeps (bounded) or drops what the reader does not take.  The flag is on the open
 * file description, shared with every other holder (a shell's 2>&1 included), which is
 * acceptable for a daemon's stdout.  Regular files and terminals keep blocking writes:
 * they do not stall the way an unread pipe does.
 */
static void access_fd_nonblock(int fd)
{
	struct stat st;
	int fl;

	if (fstat(fd, &st) || !(S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)))
		return;
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || (fl & O_NONBLOCK))
		return;
	if (fcntl(fd, F_SETFL, fl | O_NONBLOCK))
		logf_(HTTP_LOG_WARN, "access log: cannot make stdout non-blocking: %s",
		      strerror(errno));
}

/* Run one engine in this process; returns the exit status. */
static int run_worker(const struct proxy_config *cfg, const char *path, struct proxy_metrics *m,
		      unsigned int worker, const struct proxy_hook *hook, int sigfd)
{
	struct proxy_server_opts o = {
	    .config_path = path,
	    .metrics = m,
	    .worker = worker,
	    .hook = hook,
	    .sigfd = sigfd,
	    .access_fd = cfg->access_log ? 1 : -1,
	    .log = log_msg,
	    .log_ctx = NULL,
	};
	struct proxy_server *p = NULL;
	char err[512];
	int rc;

	proxy_metrics_reset_gauges(m, worker);
	rc = proxy_server_create(&p, cfg, &o, err, sizeof(err));
	if (rc) {
		logf_(HTTP_LOG_ERR, "worker %u: %s", worker, err);
		return 1;
	}
	rc = proxy_server_run(p);
	proxy_server_destroy(p);
	if (rc) {
		logf_(HTTP_LOG_ERR, "worker %u: loop failed: %s", worker, strerror(-rc));
		return 1;
	}
	return 0;
}

struct worker_slot {
	pid_t pid;
	struct timespec started;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static pid_t spawn(const struct proxy_config *cfg, const char *path, struct proxy_metrics *m,
		   unsigned int idx, const struct proxy_hook *hook, int parent_sigfd,
		   const sigset_t *set)
{
	pid_t parent = getpid(), pid = fork();

	if (pid != 0)
		return pid;
	/* Child: die with the parent (also if it died before the prctl took effect); its own
	 * signalfd reads its own signals. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(0);
	close(parent_sigfd);
	int sfd = signalfd(-1, set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0) {
		logf_(HTTP_LOG_ERR, "worker %u: signalfd: %s", idx, strerror(errno));
		_exit(1);
	}
	fflush(stdout);
	_exit(run_worker(cfg, path, m, idx, hook, sfd));
}

static int supervise(struct proxy_config *cfg, const char *path, struct proxy_metrics *m,
		     const struct proxy_hook *hook, int sigfd, const sigset_t *set)
{
	unsigned int n = cfg->workers, alive = 0;
	struct worker_slot w[PROXY_CONFIG_MAX_WORKERS];
	int stopping = 0, status = 0;
	double stop_deadline = 0;
	char err[512];

	for (unsigned int i = 0; i < n; i++) {
		w[i].pid = spawn(cfg, path, m, i, hook, sigfd, set);
		if (w[i].pid < 0) {
			logf_(HTTP_LOG_ERR, "fork: %s", strerror(errno));
			return 1;
		}
		clock_gettime(CLOCK_MONOTONIC, &w[i].started);
		alive++;
	}
	logf_(HTTP_LOG_INFO, "started %u workers", n);
	while (alive > 0) {
		struct pollfd pfd = {.fd = sigfd, .events = POLLIN};
		int tmo = -1;

		if (stopping) {
			double left = stop_deadline - now_s();

			if (left <= 0) {
				logf_(HTTP_LOG_WARN, "workers did not stop in time: SIGKILL");
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
					logf_(HTTP_LOG_INFO, "signal %u: draining workers",
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
					logf_(HTTP_LOG_INFO, "SIGHUP: %s reloaded", path);
				} else {
					logf_(HTTP_LOG_ERR, "SIGHUP: keeping the old config: %s",
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
					logf_(HTTP_LOG_ERR,
					      "worker %u (pid %d) exited with status %d", i,
					      (int)pid, WEXITSTATUS(st));
				else
					logf_(HTTP_LOG_ERR,
					      "worker %u (pid %d) killed by signal %d", i, (int)pid,
					      WIFSIGNALED(st) ? WTERMSIG(st) : 0);
				if (WIFEXITED(st) && WEXITSTATUS(st) != 0 && age < 2) {
					/* A worker that fails right at startup (cannot bind, say)
					 * would fail again: stop everything. */
					logf_(HTTP_LOG_ERR, "worker %u failed at startup: stopping",
					      i);
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
				w[i].pid = spawn(cfg, path, m, i, hook, sigfd, set);
				if (w[i].pid < 0) {
					logf_(HTTP_LOG_ERR, "fork: %s", strerror(errno));
					w[i].pid = 0;
				} else {
					w[i].started = now;
					alive++;
					logf_(HTTP_LOG_INFO, "worker %u restarted (pid %d)", i,
					      (int)w[i].pid);
				}
				break;
			}
		}
	}
	logf_(HTTP_LOG_INFO, "all workers stopped");
	return status;
}

/* How long the proxy waits at start for the agent's pinned maps. */
#define MAP_WAIT_SECONDS 60

/*
 * Create the fingerprint hook and open the agent's maps, waiting up to
 * MAP_WAIT_SECONDS for them (the agent may start after us).  SIGTERM/SIGINT
 * end the wait.  Returns 0 or an exit status.
 */
static int start_fingerprint(const struct proxy_config *cfg, struct proxy_synhook *fp, int sigfd)
{
	const char *pin = getenv("HUGINN_EBPF_PIN_PATH");
	char err[512];
	int rc, waited;

	if (!pin || !pin[0])
		pin = cfg->pin_path;
	rc = proxy_synhook_create(fp, pin, (uint64_t)cfg->max_age_ms * 1000000ull, cfg->p0f_db, err,
				  sizeof(err));
	if (rc) {
		logf_(HTTP_LOG_ERR, "[fingerprint] %s", err);
		return 1;
	}
	if (cfg->p0f_db[0])
		logf_(HTTP_LOG_INFO, "[fingerprint] p0f database %s: %u tcp:request signatures",
		      cfg->p0f_db, fp->db->n_tcp_req);
	for (waited = 0;; waited++) {
		struct pollfd pfd = {.fd = sigfd, .events = POLLIN};

		rc = proxy_synhook_open(fp);
		if (rc == 0)
			break;
		if (rc != -ENOENT) {
			logf_(HTTP_LOG_ERR, "[fingerprint] cannot open the SYN maps under %s: %s%s",
			      pin, strerror(-rc),
			      rc == -EPERM ? " (the proxy needs CAP_BPF)"
			      : rc == -EACCES
				  ? " (the pins and their directory must be readable by "
				    "the proxy's user)"
			      : rc == -EPROTO ? " (the maps were made by an incompatible agent)"
					      : "");
			return 1;
		}
		if (waited >= MAP_WAIT_SECONDS) {
			logf_(HTTP_LOG_ERR,
			      "[fingerprint] no SYN maps under %s after %d s: is huginn-ebpf-agent "
			      "running with HUGINN_EBPF_PIN_PATH=%s?",
			      pin, MAP_WAIT_SECONDS, pin);
			return 1;
		}
		if (waited % 5 == 0)
			logf_(HTTP_LOG_WARN,
			      "[fingerprint] waiting for the agent's maps under %s (%d s of %d)",
			      pin, waited, MAP_WAIT_SECONDS);
		/* Sleep a second, or less if a signal arrives: SIGTERM ends the wait. */
		if (poll(&pfd, 1, 1000) > 0) {
			struct signalfd_siginfo si;

			if (read(sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si) &&
			    (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)) {
				logf_(HTTP_LOG_INFO,
				      "[fingerprint] signal %u while waiting: exiting",
				      si.ssi_signo);
				return 1;
			}
		}
	}
	logf_(HTTP_LOG_INFO, "[fingerprint] SYN maps open under %s (read-only)", pin);
	return 0;
}

int main(int argc, char **argv)
{
	const char *path = NULL;
	int check = 0, rc, sigfd;
	struct proxy_config *cfg;
	struct proxy_metrics *m;
	char err[512];
	sigset_t set;

	if (argc > 1 && strcmp(argv[1], "fingerprint") == 0)
		return proxy_fingerprint_cmd_main(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "health") == 0)
		return proxy_health_cmd_main(argc - 1, argv + 1);
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--version")) {
			printf(PROG " %s\n", HUGINN_VERSION);
			return 0;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "-t")) {
			check = 1;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, PROG ": unknown option '%s'\n", argv[i]);
			usage(stderr);
			return 2;
		} else if (!path) {
			path = argv[i];
		} else {
			fprintf(stderr, PROG ": more than one CONFIG given\n");
			return 2;
		}
	}
	if (!path) {
		usage(stderr);
		return 2;
	}
	set_log_level();
	cfg = malloc(sizeof(*cfg));
	if (!cfg) {
		fprintf(stderr, PROG ": out of memory\n");
		return 1;
	}
	rc = proxy_config_load_file(path, cfg, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "%s\n", err);
		free(cfg);
		return 1;
	}
	if (check) {
		printf("%s: configuration ok\n", path);
		free(cfg);
		return 0;
	}
	if (proxy_server_check_listen(cfg, err, sizeof(err))) {
		logf_(HTTP_LOG_ERR, "%s", err);
		free(cfg);
		return 1;
	}
	/* A client that goes away mid-write must not kill us. */
	signal(SIGPIPE, SIG_IGN);
	/* Each client may hold an upstream socket too: take every fd the hard limit allows. */
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	sigfd = make_sigfd(&set);
	if (sigfd < 0) {
		logf_(HTTP_LOG_ERR, "signalfd: %s", strerror(errno));
		free(cfg);
		return 1;
	}
	m = proxy_metrics_create(cfg->workers);
	if (!m) {
		logf_(HTTP_LOG_ERR, "metrics mapping: %s", strerror(errno));
		close(sigfd);
		free(cfg);
		return 1;
	}

	/*
	 * The fingerprint hook: with tcp_enabled = false nothing here touches BPF and
	 * no capability is needed.
	 */
	const struct proxy_hook *hook = NULL;
	struct proxy_synhook fp;

	memset(&fp, 0, sizeof(fp));
	if (cfg->tcp_enabled) {
		rc = start_fingerprint(cfg, &fp, sigfd);
		if (rc) {
			proxy_synhook_destroy(&fp);
			proxy_metrics_destroy(m);
			close(sigfd);
			free(cfg);
			return rc;
		}
		hook = proxy_hook(&fp);
	}

	if (cfg->access_log)
		access_fd_nonblock(1);
	logf_(HTTP_LOG_INFO, "%s %s: %u listen address(es), %u route(s), %u backend(s)", PROG,
	      HUGINN_VERSION, cfg->n_listen, cfg->n_routes, cfg->n_backends);
	if (cfg->workers <= 1)
		rc = run_worker(cfg, path, m, 0, hook, sigfd);
	else
		rc = supervise(cfg, path, m, hook, sigfd, &set);
	fflush(stdout);
	proxy_synhook_destroy(&fp);
	proxy_metrics_destroy(m);
	close(sigfd);
	free(cfg);
	return rc;
}
