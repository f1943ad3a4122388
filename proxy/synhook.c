/*
 * synhook.c - the TCP fingerprint hook of the proxy (see synhook.h).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "proxy/synhook.h"
#include "p0f/match.h"
#include "p0f/sig.h"
#include "sys/file.h"

int proxy_synhook_format(const struct huginn_syn_rec *rec, const struct p0f_db *db, char *out,
			 size_t cap)
{
	char sig_text[P0F_SIG_STR_MAX], os[P0F_DB_STR_MAX], dist[P0F_DB_STR_MAX],
	    params[P0F_DB_STR_MAX];
	struct p0f_match m;
	struct p0f_sig sig;
	int n, rc;

	rc = p0f_sig_from_rec(rec, 0, &sig);
	if (rc < 0)
		return rc;
	if (p0f_sig_render(&sig, sig_text, sizeof(sig_text)) < 0)
		return -EINVAL;
	if (!db) {
		n = snprintf(out, cap, "x-tcp-p0f: %s\r\n", sig_text);
		return n < 0 || (size_t)n >= cap ? -ENOSPC : n;
	}
	p0f_match_sig(db, &sig, &m);
	if (p0f_match_render_os(db, &m, os, sizeof(os)) < 0 ||
	    p0f_match_render_dist(&m, dist, sizeof(dist)) < 0 ||
	    p0f_match_render_params(&sig, &m, params, sizeof(params)) < 0)
		return -ENOSPC;
	n = snprintf(out, cap, "x-tcp-p0f: %s\r\nx-tcp-p0f-os: os=%s|dist=%s|params=%s\r\n",
		     sig_text, os, dist, params);
	return n < 0 || (size_t)n >= cap ? -ENOSPC : n;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int hook_on_accept(void *ctx, const struct sockaddr *peer, socklen_t peerlen, char *out,
			  size_t cap)
{
	struct proxy_synhook *fp = ctx;
	struct huginn_syn_rec rec;
	enum synmap_result r;
	int n;

	r = synmap_lookup(&fp->map, peer, peerlen, now_ns(), &rec);
	if (r == SYNMAP_HIT) {
		n = proxy_synhook_format(&rec, fp->db, out, cap);
		if (n < 0)
			r = SYNMAP_MALFORMED; /* the signature code refused what the map held */
	}
	__atomic_fetch_add(&fp->stats->results[r], 1, __ATOMIC_RELAXED);
	return r == SYNMAP_HIT ? n : 0;
}

/* Append to out at *len; on overflow the text is cut at a line boundary. */
static void put(char *out, size_t cap, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void put(char *out, size_t cap, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*len >= cap)
		return;
	va_start(ap, fmt);
	n = vsnprintf(out + *len, cap - *len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= cap - *len) {
		out[*len] = 0;
		*len = cap; /* full: later lines are dropped */
		return;
	}
	*len += (size_t)n;
}

static int hook_metrics(void *ctx, char *out, size_t cap)
{
	static const char *const fam[2] = {"ipv4", "ipv6"};
	struct proxy_synhook *fp = ctx;
	struct synmap_counters c;
	size_t len = 0;
	int i;

	put(out, cap, &len,
	    "# HELP huginn_fp_lookups_total SYN lookups at accept, by result.\n"
	    "# TYPE huginn_fp_lookups_total counter\n");
	for (i = 0; i < SYNMAP_RESULT_MAX; i++)
		put(out, cap, &len, "huginn_fp_lookups_total{result=\"%s\"} %llu\n",
		    synmap_result_name((enum synmap_result)i),
		    (unsigned long long)__atomic_load_n(&fp->stats->results[i], __ATOMIC_RELAXED));
	put(out, cap, &len,
	    "# HELP huginn_fp_map_reopens_total Times the agent's SYN maps were found recreated "
	    "(new map ids) and re-opened.\n# TYPE huginn_fp_map_reopens_total counter\n"
	    "huginn_fp_map_reopens_total %llu\n"
	    "# HELP huginn_fp_maps_open 1 when the agent's SYN maps are open.\n"
	    "# TYPE huginn_fp_maps_open gauge\nhuginn_fp_maps_open %d\n",
	    (unsigned long long)__atomic_load_n(&fp->stats->reopens, __ATOMIC_RELAXED),
	    synmap_is_open(&fp->map));
	if (!synmap_is_open(&fp->map))
		return (int)(len > cap ? cap : len);
	synmap_read_counters(&fp->map, &c);
	put(out, cap, &len,
	    "# HELP huginn_agent_syn_total SYNs the XDP program stored (all families).\n"
	    "# TYPE huginn_agent_syn_total counter\nhuginn_agent_syn_total %llu\n"
	    "# HELP huginn_agent_syn_insert_failures_total SYNs the XDP program could not store.\n"
	    "# TYPE huginn_agent_syn_insert_failures_total counter\n"
	    "huginn_agent_syn_insert_failures_total %llu\n"
	    "# HELP huginn_agent_syn_captured_total SYNs stored, by family.\n"
	    "# TYPE huginn_agent_syn_captured_total counter\n",
	    (unsigned long long)c.syn, (unsigned long long)c.insert_failures);
	for (i = 0; i < 2; i++)
		put(out, cap, &len, "huginn_agent_syn_captured_total{family=\"%s\"} %llu\n", fam[i],
		    (unsigned long long)c.stats[HUGINN_STAT_V4_CAPTURED + i]);
	put(out, cap, &len,
	    "# HELP huginn_agent_syn_malformed_total Malformed IP/TCP headers seen, by family.\n"
	    "# TYPE huginn_agent_syn_malformed_total counter\n");
	for (i = 0; i < 2; i++)
		put(out, cap, &len, "huginn_agent_syn_malformed_total{family=\"%s\"} %llu\n",
		    fam[i], (unsigned long long)c.stats[HUGINN_STAT_V4_MALFORMED + i]);
	put(out, cap, &len,
	    "# HELP huginn_agent_syn_filtered_total SYNs outside the agent's address/port "
	    "filter.\n# TYPE huginn_agent_syn_filtered_total counter\n"
	    "huginn_agent_syn_filtered_total %llu\n",
	    (unsigned long long)c.stats[HUGINN_STAT_FILTERED]);
	return (int)(len > cap ? cap : len);
}

static int hook_ready(void *ctx)
{
	struct proxy_synhook *fp = ctx;

	return synmap_is_open(&fp->map);
}

static void hook_tick(void *ctx)
{
	struct proxy_synhook *fp = ctx;

	/* A missing pin keeps the old fds: the agent may be in the middle of a restart. */
	if (synmap_refresh(&fp->map) == 1) {
		/* Every worker re-opens its own fds; one recreation counts once. */
		uint64_t ids = (uint64_t)fp->map.id_v4 << 32 | fp->map.id_v6;

		if (__atomic_exchange_n(&fp->stats->ids_seen, ids, __ATOMIC_RELAXED) != ids)
			__atomic_fetch_add(&fp->stats->reopens, 1, __ATOMIC_RELAXED);
	}
}

void proxy_synhook_init(struct proxy_synhook *fp)
{
	memset(fp, 0, sizeof(*fp));
	synmap_reset(&fp->map);
}

int proxy_synhook_create(struct proxy_synhook *fp, const char *pin_dir, uint64_t max_age_ns,
			 const char *db_path, char *err, size_t errlen)
{
	void *m;
	int rc;

	proxy_synhook_init(fp);
	rc = synmap_init(&fp->map, pin_dir, max_age_ns);
	if (rc < 0) {
		snprintf(err, errlen, "pin path '%s' is too long", pin_dir);
		return rc;
	}
	m = mmap(NULL, sizeof(*fp->stats), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1,
		 0);
	if (m == MAP_FAILED) {
		rc = -errno;
		snprintf(err, errlen, "shared counters: %s", strerror(-rc));
		return rc;
	}
	fp->stats = m;
	if (db_path && db_path[0]) {
		rc = p0f_db_load(db_path, &fp->db, err, errlen);
		if (rc < 0) {
			proxy_synhook_destroy(fp);
			return rc;
		}
	}
	fp->hook.ctx = fp;
	fp->hook.on_accept = hook_on_accept;
	fp->hook.metrics = hook_metrics;
	fp->hook.ready = hook_ready;
	fp->hook.tick = hook_tick;
	return 0;
}

int proxy_synhook_open(struct proxy_synhook *fp)
{
	int rc = synmap_open(&fp->map);

	if (rc == 0)
		__atomic_store_n(&fp->stats->ids_seen,
				 (uint64_t)fp->map.id_v4 << 32 | fp->map.id_v6, __ATOMIC_RELAXED);
	return rc;
}

const struct proxy_hook *proxy_hook(struct proxy_synhook *fp)
{
	return &fp->hook;
}

void proxy_synhook_destroy(struct proxy_synhook *fp)
{
	synmap_close(&fp->map);
	free(fp->db);
	fp->db = NULL;
	if (fp->stats)
		munmap(fp->stats, sizeof(*fp->stats));
	fp->stats = NULL;
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

__attribute__((format(printf, 4, 5))) static void slog(log_fn log, void *ctx, enum log_level lv,
						       const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	if (!log)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	log(ctx, lv, buf);
}

int proxy_synhook_start(struct proxy_synhook *fp, const struct proxy_synhook_start *s)
{
	char err[512];
	uint64_t t0, waited;
	int rc;

	rc = proxy_synhook_create(fp, s->pin, s->max_age_ns, s->db_path, err, sizeof(err));
	if (rc) {
		slog(s->log, s->log_ctx, LOG_LEVEL_ERROR, "[fingerprint] %s", err);
		return 1;
	}
	if (fp->db)
		slog(s->log, s->log_ctx, LOG_LEVEL_INFO,
		     "[fingerprint] p0f database %s: %u tcp:request signatures", s->db_path,
		     fp->db->n_tcp_req);
	t0 = mono_ms();
	for (unsigned n = 0;; n++) {
		struct pollfd pfd = {.fd = s->sigfd, .events = POLLIN};
		uint64_t left;

		rc = proxy_synhook_open(fp);
		if (rc == 0)
			break;
		if (rc != -ENOENT) {
			slog(s->log, s->log_ctx, LOG_LEVEL_ERROR,
			     "[fingerprint] cannot open the SYN maps under %s: %s%s", s->pin,
			     strerror(-rc),
			     rc == -EPERM    ? " (the proxy needs CAP_BPF)"
			     : rc == -EACCES ? " (the pins and their directory must be readable by "
					       "the proxy's user)"
			     : rc == -EPROTO ? " (the maps were made by an incompatible agent)"
					     : "");
			return 1;
		}
		waited = mono_ms() - t0;
		if (waited >= s->wait_ms) {
			slog(s->log, s->log_ctx, LOG_LEVEL_ERROR,
			     "[fingerprint] no SYN maps under %s after %u ms ([fingerprint] "
			     "map_wait_ms): is huginn-ebpf-agent running with "
			     "HUGINN_EBPF_PIN_PATH=%s?",
			     s->pin, s->wait_ms, s->pin);
			return 1;
		}
		if (n % 5 == 0)
			slog(s->log, s->log_ctx, LOG_LEVEL_WARN,
			     "[fingerprint] waiting for the agent's maps under %s (%llu ms of %u)",
			     s->pin, (unsigned long long)waited, s->wait_ms);
		/* Sleep a second (or what is left), less if a signal arrives: SIGTERM ends it. */
		left = s->wait_ms - waited;
		if (poll(&pfd, 1, left < 1000 ? (int)left : 1000) > 0) {
			struct signalfd_siginfo si;

			if (read(s->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si) &&
			    (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)) {
				slog(s->log, s->log_ctx, LOG_LEVEL_INFO,
				     "[fingerprint] signal %u while waiting: exiting",
				     si.ssi_signo);
				return 1;
			}
		}
	}
	slog(s->log, s->log_ctx, LOG_LEVEL_INFO, "[fingerprint] SYN maps open under %s (read-only)",
	     s->pin);
	return 0;
}
