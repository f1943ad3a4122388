/*
 * agent.c - huginn-ebpf-agent: load the SYN recorder (XDP, or tc in tc mode), pin its maps, attach
 * it to one interface, wait for SIGTERM/SIGINT, detach.
 *
 * Exit status: 0 after SIGTERM/SIGINT, 1 on an error, 2 for a bad configuration,
 * 3 when the interface was deleted (agent/watch.h).
 * Configured only by HUGINN_EBPF_* variables (agent/cfg.h).  Logs one
 * line per event to stderr in the format of sys/log.h.  Opens no ports.
 * This file is the main: options, logging, signals and the wait; the
 * lifecycle steps are in agent/ (run.h gives their order).
 *
 * Ownership, so that one agent per node is safe and restarts lose nothing:
 *   - the maps are pinned as <pin>/<map name>; a restart reuses every pinned
 *     map whose type, sizes, capacity and flags still match, and replaces the
 *     others (new map pinned under a temporary name, then rename(2) over the
 *     old pin, so readers never see a missing file);
 *   - the program is attached through a bpf link pinned as <pin>/link_<ifname>.
 *     "Ours" is exactly the program behind that link.  A new agent with the
 *     same pin path swaps its program into the running link (BPF_LINK_UPDATE:
 *     atomic, no gap); any other XDP program on the interface is refused;
 *   - on SIGTERM an agent detaches only if the pinned link still runs its own
 *     program; if a successor swapped in, it leaves everything in place.  The
 *     takeover and that check-and-detach run under flock on the pin directory
 *     (agent/pins.h), so they never interleave (docs/agent.md, "Handover");
 *   - one pin path serves one (network namespace, interface);
 *   - a deleted interface ends the agent with status 3 (agent/watch.h).
 * Map pins are never removed: the proxy reads them and the next start reuses them.
 * With HUGINN_EBPF_PIN_GID the pin directory (0750) and every map pin (0640)
 * belong to that group, before a reader can find them under their final name.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <poll.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "agent/cfg.h"
#include "agent/check.h"
#include "agent/dump.h"
#include "agent/run.h"
#include "agent/state.h"
#include "agent/watch.h"
#include "sys/log.h"

#ifndef HUGINN_VERSION
#define HUGINN_VERSION "unknown"
#endif

#define PROG "huginn-ebpf-agent"

/* The BPF object, linked in by bpf/blob.S. */
extern const unsigned char huginn_bpf_obj[], huginn_bpf_obj_end[];

/* The one piece of mutable global state: where events go and how much to log. */
static struct log_sink sink = {PROG, LOG_LEVEL_INFO};
#define logm(level, ...) log_send(log_sink_stderr, &sink, level, __VA_ARGS__)

/* Block the signals we wait for and return a signalfd for them. */
static int signal_fd(void)
{
	sigset_t set;
	int fd;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return -errno;
	fd = signalfd(-1, &set, SFD_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static int read_signal(int sfd)
{
	struct signalfd_siginfo si;
	ssize_t n;

	for (;;) {
		n = read(sfd, &si, sizeof(si));
		if (n < 0 && errno == EINTR)
			continue;
		if (n != (ssize_t)sizeof(si))
			return n < 0 ? -errno : -EIO;
		return (int)si.ssi_signo;
	}
}

/*
 * Wait for SIGTERM/SIGINT or the interface's deletion: the signal number, 0 when the
 * interface went away (agent/watch.h, already logged), or -errno.
 */
static int wait_event(int sfd, struct agent_state *a)
{
	struct pollfd p[2] = {{.fd = sfd, .events = POLLIN}, {.fd = a->watch.fd, .events = POLLIN}};
	int r;

	for (;;) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (p[0].revents)
			return read_signal(sfd);
		if (p[1].revents) {
			r = agent_watch_read(a);
			if (r)
				return r > 0 ? 0 : r;
		}
	}
}

static int run(char **envp)
{
	struct agent_state a;
	char msg[512];
	int sfd, sig, rc;

	agent_state_init(&a);
	a.blob = huginn_bpf_obj;
	a.blob_len = (size_t)(huginn_bpf_obj_end - huginn_bpf_obj);
	a.log = log_sink_stderr;
	a.log_ctx = &sink;
	if (agent_cfg_parse_envp(&a.cfg, envp, msg, sizeof(msg))) {
		logm(LOG_LEVEL_ERROR, "%s", msg);
		return 2;
	}
	sink.threshold = a.cfg.log_level;
	/* Blocked before any setup: a SIGTERM during it is handled after, with cleanup. */
	sfd = signal_fd();
	if (sfd < 0) {
		logm(LOG_LEVEL_ERROR, "cannot set up signals: %s", agent_state_strerror(sfd));
		return 1;
	}
	logm(LOG_LEVEL_INFO,
	     "starting version %s: interface %s, %s mode, pin path %s, %u entries per SYN map",
	     HUGINN_VERSION, a.cfg.ifname, agent_cfg_xdp_mode_name(a.cfg.xdp_mode), a.cfg.pin_path,
	     a.cfg.max_entries);

	rc = agent_run_start(&a);
	if (rc == 0) {
		sig = agent_watch_open(&a);
		if (sig == 0)
			sig = wait_event(sfd, &a);
		else if (sig > 0)
			sig = 0; /* gone before the watch began */
		if (sig < 0)
			logm(LOG_LEVEL_ERROR, "waiting for signals failed: %s",
			     agent_state_strerror(sig));
		else if (sig > 0)
			logm(LOG_LEVEL_INFO, "got %s, stopping",
			     sig == SIGTERM ? "SIGTERM" : "SIGINT");
		rc = agent_run_stop(&a) || sig < 0 ? 1 : 0;
		if (sig == 0)
			rc = AGENT_WATCH_EXIT_GONE;
	}
	agent_state_close(&a);
	close(sfd);
	return rc;
}

/* ---- --check and --health ---- */

static int run_check(char **envp)
{
	struct agent_check r[AGENT_CHECK_NITEMS];
	int i, failed;

	failed =
	    agent_check_all(r, envp, huginn_bpf_obj, (size_t)(huginn_bpf_obj_end - huginn_bpf_obj));
	for (i = 0; i < AGENT_CHECK_NITEMS; i++)
		printf("%-4s %-26s %s\n", agent_check_status_name(r[i].status),
		       agent_check_item_name((enum agent_check_item)i), r[i].msg);
	printf("%s\n", failed ? "FAIL: see the lines above" : "OK: all checks passed");
	return failed ? 1 : 0;
}

/* One line on stdout, exit 0 / 1: for exec probes in images without a shell. */
static int run_health(char **envp)
{
	struct agent_check r;
	struct agent_cfg cfg;

	if (agent_cfg_parse_envp(&cfg, envp, r.msg, sizeof(r.msg)))
		r.status = AGENT_CHECK_FAIL;
	else
		agent_check_health(&r, &cfg);
	printf("%s: %s\n", r.status == AGENT_CHECK_OK ? "ok" : "unhealthy", r.msg);
	return r.status == AGENT_CHECK_OK ? 0 : 1;
}

/* ---- main ---- */
static void usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: %s [--check | --health | --dump [PIN_PATH] | --version | --help]\n"
	    "\n"
	    "Records inbound TCP SYNs with XDP (or at tc ingress) into maps pinned under the\n"
	    "pin path, for huginn-proxy to fingerprint.  Runs until SIGTERM/SIGINT, then detaches\n"
	    "(unless a newer agent took over).  Configuration, from the environment:\n"
	    "  %-33s interface to attach to (required)\n"
	    "  %-33s destination IPv4 filter (default 0.0.0.0 = any)\n"
	    "  %-33s destination IPv6 filter (default :: = any)\n"
	    "  %-33s destination TCP port, 0 = any (required)\n"
	    "  %-33s bpffs directory for pins (default %s)\n"
	    "  %-33s numeric group given the maps read-only (default: root only)\n"
	    "  %-33s entries per SYN map (default %d)\n"
	    "  %-33s native | skb | tc (default native; tc: tcx, kernel >= 6.6)\n"
	    "  %-33s error | warn | info | debug (default info)\n"
	    "\n"
	    "  --check    diagnose kernel, capabilities, bpffs, program load and interface\n"
	    "  --health   one line, exit 0 if our program is attached as configured\n"
	    "  --dump     print the counters and SYN records of the pinned maps\n",
	    PROG, AGENT_CFG_ENV_INTERFACE, AGENT_CFG_ENV_DST_IP_V4, AGENT_CFG_ENV_DST_IP_V6,
	    AGENT_CFG_ENV_DST_PORT, AGENT_CFG_ENV_PIN_PATH, AGENT_CFG_PIN_PATH_DEFAULT,
	    AGENT_CFG_ENV_PIN_GID, AGENT_CFG_ENV_MAX_ENTRIES, AGENT_CFG_MAX_ENTRIES_DEFAULT,
	    AGENT_CFG_ENV_XDP_MODE, AGENT_CFG_ENV_LOG_LEVEL);
}

int main(int argc, char **argv, char **envp)
{
	const char *dir;

	/* A closed stderr pipe must not kill us in the middle of a detach. */
	signal(SIGPIPE, SIG_IGN);
	if (argc == 1)
		return run(envp);
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0 && argc == 2) {
		printf("%s %s\n", PROG, HUGINN_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "--check") == 0 && argc == 2)
		return run_check(envp);
	if (strcmp(argv[1], "--health") == 0 && argc == 2)
		return run_health(envp);
	if (strcmp(argv[1], "--dump") == 0 && argc <= 3) {
		dir = argc == 3 ? argv[2] : getenv(AGENT_CFG_ENV_PIN_PATH);
		return agent_dump_run(stdout, dir ? dir : AGENT_CFG_PIN_PATH_DEFAULT);
	}
	fprintf(stderr, "%s: unknown arguments (configuration comes from the environment)\n", PROG);
	usage(stderr);
	return 2;
}
