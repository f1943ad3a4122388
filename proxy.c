/*
 * proxy.c - huginn-proxy main: options, logging, signals and worker processes.
 *
 *   huginn-proxy [-t] CONFIG        run (or with -t only check) the proxy
 *   huginn-proxy fingerprint ...    p0f lines for the SYNs of a pcap (proxy/fingerprint_cmd.c)
 *   huginn-proxy health [ADDR [PATH]] exit 0 if /health answers 200 (proxy/health_cmd.c)
 *
 * The worker processes are in proxy/workers.c, the engine in proxy/server.c, the wait for
 * the agent's maps in proxy/synhook.c.
 *
 * Log lines go to stderr in the format of sys/log.h:
 *   2026-11-26T09:00:00.123Z huginn-proxy[4242] info: message
 * HUGINN_LOG=error|warn|info|debug picks the threshold (default info); any other value is
 * refused (exit 2), as the agent refuses a bad HUGINN_EBPF_LOG_LEVEL.  Access log lines go to
 * stdout (the engine writes them, buffered, once per loop iteration).  A pipe or socket on stdout
 * is made non-blocking, so a reader that stops reading costs access-log lines, never a stalled
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
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "proxy/fingerprint_cmd.h"
#include "proxy/health_cmd.h"
#include "proxy/config.h"
#include "proxy/server.h"
#include "proxy/synhook.h"
#include "proxy/workers.h"
#include "sys/log.h"

#define PROG "huginn-proxy"

#define ENV_LOG "HUGINN_LOG"

/* The one piece of mutable global state: where events go and how much to log. */
static struct log_sink sink = {PROG, LOG_LEVEL_INFO};
#define logf_(level, ...) log_send(log_sink_stderr, &sink, level, __VA_ARGS__)

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: " PROG " [-t] CONFIG\n"
	    "       " PROG " fingerprint [ARGS...]\n"
	    "       " PROG " health [ADDR [PATH]]\n"
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
	    "Environment: HUGINN_LOG=error|warn|info|debug (stderr log level, default info).\n");
}

/* HUGINN_LOG, strictly (sys/log.h): 0, or 2 after saying what is wrong. */
static int set_log_level(void)
{
	const char *v = getenv(ENV_LOG);

	if (!v)
		return 0;
	if (log_level_parse(v, &sink.threshold) == 0)
		return 0;
	logf_(LOG_LEVEL_ERROR, "%s='%.64s': %s", ENV_LOG, v, LOG_LEVEL_EXPECTED);
	return 2;
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
		logf_(LOG_LEVEL_WARN, "access log: cannot make stdout non-blocking: %s",
		      strerror(errno));
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
	if (set_log_level())
		return 2;
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
		logf_(LOG_LEVEL_ERROR, "%s", err);
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
		logf_(LOG_LEVEL_ERROR, "signalfd: %s", strerror(errno));
		free(cfg);
		return 1;
	}
	m = proxy_metrics_create(cfg->workers);
	if (!m) {
		logf_(LOG_LEVEL_ERROR, "metrics mapping: %s", strerror(errno));
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

	proxy_synhook_init(&fp); /* no fds (-1): destroying it closes nothing */
	if (cfg->tcp_enabled) {
		const char *pin = getenv("HUGINN_EBPF_PIN_PATH");
		const char *dbs[PROXY_CONFIG_MAX_P0F_DB];

		for (unsigned i = 0; i < cfg->n_p0f_db; i++)
			dbs[i] = cfg->p0f_db[i];
		struct proxy_synhook_start st = {
		    .pin = pin && pin[0] ? pin : cfg->pin_path,
		    .max_age_ns = (uint64_t)cfg->max_age_ms * 1000000ull,
		    .db = dbs,
		    .n_db = cfg->n_p0f_db,
		    .wait_ms = cfg->map_wait_ms,
		    .sigfd = sigfd,
		    .log = log_sink_stderr,
		    .log_ctx = &sink,
		};

		rc = proxy_synhook_start(&fp, &st);
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
	logf_(LOG_LEVEL_INFO, "%s %s: %u listen address(es), %u route(s), %u backend(s)", PROG,
	      HUGINN_VERSION, cfg->n_listen, cfg->n_routes, cfg->n_backends);
	struct proxy_workers w = {
	    .cfg = cfg,
	    .path = path,
	    .metrics = m,
	    .hook = hook,
	    .sigfd = sigfd,
	    .set = &set,
	    .log = log_sink_stderr,
	    .log_ctx = &sink,
	};

	if (cfg->workers <= 1)
		rc = proxy_workers_run_one(&w, 0, sigfd);
	else
		rc = proxy_workers_supervise(&w);
	fflush(stdout);
	proxy_synhook_destroy(&fp);
	proxy_metrics_destroy(m);
	close(sigfd);
	free(cfg);
	return rc;
}
