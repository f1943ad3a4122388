/*
 * synhook.c - the TCP fingerprint hook of the proxy (see synhook.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "proxy/synhook.h"
#include "p0f/sig.h"
#include "sys/file.h"

/*
 * The label text goes verbatim into a request header: a CR, LF or other control
 * byte would let the database inject header lines, and a '|' would break the
 * os=|dist=|params= format.  Returns the first such byte, or -1.
 */
static int bad_label_byte(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch < 0x20 || ch > 0x7e || ch == '|')
			return ch;
	}
	return -1;
}

/* Every label's name and flavor must be safe in a header value (see above). */
static int check_labels(const struct p0f_db *db, const char *path, char *err, size_t errlen)
{
	for (unsigned i = 0; i < db->n_labels; i++) {
		const struct p0f_db_label *l = &db->labels[i];
		const struct p0f_db_str *name = &db->names[l->name];
		int bad = bad_label_byte(db->text + name->off, name->len);

		if (bad < 0 && l->flavor_len)
			bad = bad_label_byte(db->text + l->flavor, l->flavor_len);
		if (bad >= 0) {
			snprintf(err, errlen,
				 "%s:%u: label holds byte 0x%02x, not allowed in the x-tcp-p0f-os "
				 "header (printable ASCII but '|' only)",
				 path, l->line, (unsigned)bad);
			return -EINVAL;
		}
	}
	return 0;
}

static int load_db(struct proxy_synhook *fp, const char *path, char *err, size_t errlen)
{
	struct p0f_db_error perr;
	size_t len = 0;
	char *text = NULL;
	int rc;

	rc = file_read_all(path, P0F_DB_MAX_FILE, &text, &len);
	if (rc < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(-rc));
		return rc;
	}
	fp->db = malloc(sizeof(*fp->db));
	if (!fp->db) {
		free(text);
		snprintf(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	memset(&perr, 0, sizeof(perr));
	rc = p0f_db_parse(fp->db, text, len, &perr);
	free(text);
	if (rc < 0) {
		if (perr.line)
			snprintf(err, errlen, "%s:%u:%u: %s", path, perr.line, perr.col, perr.msg);
		else
			snprintf(err, errlen, "%s: %s", path,
				 perr.msg[0] ? perr.msg : strerror(-rc));
		free(fp->db);
		fp->db = NULL;
		return rc;
	}
	rc = check_labels(fp->db, path, err, errlen);
	if (rc < 0) {
		free(fp->db);
		fp->db = NULL;
		return rc;
	}
	return 0;
}

int proxy_synhook_format(const struct huginn_syn_rec *rec, const struct p0f_db *db, char *out,
			 size_t cap)
{
	char sig_text[P0F_SIG_STR_MAX], os[P0F_DB_STR_MAX], dist[P0F_DB_STR_MAX],
	    params[P0F_DB_STR_MAX];
	struct p0f_db_match m;
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
	p0f_db_match(db, &sig, &m);
	if (p0f_db_render_os(db, &m, os, sizeof(os)) < 0 ||
	    p0f_db_render_dist(&m, dist, sizeof(dist)) < 0 ||
	    p0f_db_render_params(&sig, &m, params, sizeof(params)) < 0)
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

int proxy_synhook_create(struct proxy_synhook *fp, const char *pin_dir, uint64_t max_age_ns,
			 const char *db_path, char *err, size_t errlen)
{
	void *m;
	int rc;

	memset(fp, 0, sizeof(*fp));
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
		rc = load_db(fp, db_path, err, errlen);
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
