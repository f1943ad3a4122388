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

_Static_assert(PROXY_CONFIG_MAX_P0F_DB <= P0F_DBSET_MAX, "every configured database fits");

static enum proxy_synhook_label label_of(const struct p0f_match *m)
{
	if (m->sig < 0)
		return PROXY_SYNHOOK_UNKNOWN;
	if (m->fuzzy)
		return PROXY_SYNHOOK_FUZZY;
	return m->generic ? PROXY_SYNHOOK_GENERIC : PROXY_SYNHOOK_EXACT;
}

int proxy_synhook_format(const struct huginn_syn_rec *rec, const struct p0f_dbset *dbs, char *out,
			 size_t cap, enum proxy_synhook_label *label)
{
	char sig_text[P0F_SIG_STR_MAX], os[P0F_DB_STR_MAX], dist[P0F_DB_STR_MAX],
	    params[P0F_DB_STR_MAX], link[P0F_DB_STR_MAX], tail[P0F_DB_STR_MAX + 32];
	const struct p0f_db *db;
	struct p0f_match m;
	struct p0f_sig sig;
	unsigned mtu;
	int n, rc;

	if (label)
		*label = PROXY_SYNHOOK_LABEL_MAX;
	rc = p0f_sig_from_rec(rec, 0, &sig);
	if (rc < 0)
		return rc;
	if (p0f_sig_render(&sig, sig_text, sizeof(sig_text)) < 0)
		return -EINVAL;
	if (!dbs || !dbs->n) {
		n = snprintf(out, cap, "x-tcp-p0f: %s\r\n", sig_text);
		return n < 0 || (size_t)n >= cap ? -ENOSPC : n;
	}
	p0f_dbset_match(dbs, &sig, &m, &db);
	if (p0f_match_render_os(db, &m, os, sizeof(os)) < 0 ||
	    p0f_match_render_dist(&m, dist, sizeof(dist)) < 0 ||
	    p0f_match_render_params(&sig, &m, params, sizeof(params)) < 0)
		return -ENOSPC;
	/* link= and mtu= only when the SYN states an MSS (the MTU is implied by it). */
	tail[0] = 0;
	rc = p0f_dbset_mtu_link(dbs, &sig, &mtu, link, sizeof(link));
	if (rc < 0)
		return -ENOSPC;
	if (mtu)
		snprintf(tail, sizeof(tail), "|link=%s|mtu=%u", rc ? link : "???", mtu);
	if (label)
		*label = label_of(&m);
	n = snprintf(out, cap, "x-tcp-p0f: %s\r\nx-tcp-p0f-os: os=%s|dist=%s|params=%s%s\r\n",
		     sig_text, os, dist, params, tail);
	return n < 0 || (size_t)n >= cap ? -ENOSPC : n;
}

/*
 * The /fingerprints table is shared by the workers (one mapping): a tiny lock holds
 * the owner's pid, so that a worker that dies inside the few lines it guards does not
 * freeze the table: after spinning a while the others check the owner is alive and take
 * the lock from a dead one.  A worker that cannot take it skips its note.
 */
static int table_lock(int32_t *lock)
{
	int32_t me = (int32_t)getpid();

	for (unsigned i = 0; i < 20000; i++) {
		int32_t cur = 0;

		if (__atomic_compare_exchange_n(lock, &cur, me, 0, __ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED))
			return 1;
		if (i % 4096 == 4095 && cur > 0 && kill(cur, 0) < 0 && errno == ESRCH &&
		    __atomic_compare_exchange_n(lock, &cur, me, 0, __ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED))
			return 1;
	}
	return 0;
}

static void table_unlock(int32_t *lock)
{
	__atomic_store_n(lock, 0, __ATOMIC_RELEASE);
}

/*
 * Count one request of signature sig with User-Agent ua.  Both tables are bounded and
 * kept with the space-saving rule (Metwally, Agrawal, El Abbadi, "Efficient Computation
 * of Frequent and Top-k Elements in Data Streams", ICDT 2005): a new entry takes the
 * least counted slot and starts from its count + 1, so any signature seen in more than
 * 1/PROXY_SYNHOOK_UNKNOWN_MAX of the requests is in the table, with an upper bound.
 */
static void note_unknown(struct proxy_synhook_stats *st, const char *sig, size_t sig_len,
			 const char *ua, size_t ua_len)
{
	struct proxy_synhook_unknown *e = NULL, *min = NULL;
	unsigned i, j = 0, min_j = 0;

	if (sig_len >= P0F_SIG_STR_MAX)
		return;
	if (ua && ua_len > PROXY_SYNHOOK_UA_MAX)
		ua_len = PROXY_SYNHOOK_UA_MAX; /* a long value is known by its beginning */
	if (!table_lock(&st->lock))
		return;
	for (i = 0; i < PROXY_SYNHOOK_UNKNOWN_MAX; i++) {
		struct proxy_synhook_unknown *u = &st->unknown[i];

		if (u->count && strlen(u->sig) == sig_len && !memcmp(u->sig, sig, sig_len)) {
			e = u;
			break;
		}
		if (!min || u->count < min->count)
			min = u;
	}
	if (!e) {
		uint64_t base = min->count;

		e = min;
		memset(e, 0, sizeof(*e));
		e->count = base;
		memcpy(e->sig, sig, sig_len);
	}
	e->count++;
	for (j = 0; j < PROXY_SYNHOOK_UNKNOWN_UAS; j++) {
		if (e->ua[j].count && e->ua[j].present == (ua != NULL) &&
		    e->ua[j].len == (ua ? ua_len : 0) && (!ua || !memcmp(e->ua[j].ua, ua, ua_len)))
			break;
		if (e->ua[j].count < e->ua[min_j].count)
			min_j = j;
	}
	if (j == PROXY_SYNHOOK_UNKNOWN_UAS) {
		j = min_j;
		e->ua[j].present = ua != NULL;
		e->ua[j].len = (uint16_t)(ua ? ua_len : 0);
		if (ua)
			memcpy(e->ua[j].ua, ua, ua_len);
	}
	e->ua[j].count++;
	table_unlock(&st->lock);
}

/* The value of the header line "name: value\r\n" in lines, or NULL. */
static const char *line_value(const char *lines, size_t len, const char *name, size_t *vlen)
{
	size_t nl = strlen(name), i = 0;

	while (i < len) {
		const char *eol = memchr(lines + i, '\n', len - i);
		size_t end = eol ? (size_t)(eol - lines) : len;

		if (end - i > nl + 2 && !memcmp(lines + i, name, nl) && lines[i + nl] == ':' &&
		    lines[i + nl + 1] == ' ') {
			*vlen = end - (i + nl + 2);
			if (*vlen && lines[end - 1] == '\r')
				(*vlen)--;
			return lines + i + nl + 2;
		}
		i = end + 1;
	}
	return NULL;
}

int proxy_synhook_request(struct proxy_synhook *fp, const char *lines, size_t lines_len,
			  const char *ua, size_t ua_len, char *out, size_t cap)
{
	const char *os, *sig;
	size_t os_len, sig_len, lab_len;
	enum p0f_ua_result r;
	int n;

	os = line_value(lines, lines_len, "x-tcp-p0f-os", &os_len);
	if (!os || os_len < 3 || memcmp(os, "os=", 3))
		return 0;
	os += 3;
	os_len -= 3;
	lab_len = 0;
	while (lab_len < os_len && os[lab_len] != '|')
		lab_len++;
	r = p0f_ua_compare(p0f_ua_parse(ua, ua ? ua_len : 0), p0f_ua_label_os(os, lab_len));
	n = snprintf(out, cap, "x-tcp-p0f-ua: %s\r\n", p0f_ua_result_name(r));
	if (n < 0 || (size_t)n >= cap)
		return -ENOSPC;
	__atomic_fetch_add(&fp->stats->ua[r], 1, __ATOMIC_RELAXED);
	if (lab_len == 3 && !memcmp(os, "???", 3)) {
		sig = line_value(lines, lines_len, "x-tcp-p0f", &sig_len);
		if (sig)
			note_unknown(fp->stats, sig, sig_len, ua, ua_len);
	}
	return n;
}

static int hook_on_request(void *ctx, const char *lines, size_t lines_len, const char *ua,
			   size_t ua_len, char *out, size_t cap)
{
	return proxy_synhook_request(ctx, lines, lines_len, ua, ua_len, out, cap);
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
		enum proxy_synhook_label lab;

		n = proxy_synhook_format(&rec, &fp->dbs, out, cap, &lab);
		if (n < 0)
			r = SYNMAP_MALFORMED; /* the signature code refused what the map held */
		else if (lab < PROXY_SYNHOOK_LABEL_MAX)
			__atomic_fetch_add(&fp->stats->labels[lab], 1, __ATOMIC_RELAXED);
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
	static const char *const label_names[PROXY_SYNHOOK_LABEL_MAX] = {"exact", "fuzzy",
									 "generic", "unknown"};
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
	    "# HELP huginn_fp_labels_total OS label outcomes of the SYNs found at accept "
	    "(with signature databases).\n# TYPE huginn_fp_labels_total counter\n");
	for (i = 0; i < PROXY_SYNHOOK_LABEL_MAX; i++)
		put(out, cap, &len, "huginn_fp_labels_total{match=\"%s\"} %llu\n", label_names[i],
		    (unsigned long long)__atomic_load_n(&fp->stats->labels[i], __ATOMIC_RELAXED));
	put(out, cap, &len,
	    "# HELP huginn_fp_ua_total Requests by x-tcp-p0f-ua: the User-Agent's OS against "
	    "the SYN's label.\n# TYPE huginn_fp_ua_total counter\n");
	for (i = 0; i < P0F_UA_RESULT_MAX; i++)
		put(out, cap, &len, "huginn_fp_ua_total{result=\"%s\"} %llu\n",
		    p0f_ua_result_name((enum p0f_ua_result)i),
		    (unsigned long long)__atomic_load_n(&fp->stats->ua[i], __ATOMIC_RELAXED));
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

/* One byte of a User-Agent on the page: printable ASCII as is, the rest as \xNN. */
static void put_ua(char *out, size_t cap, size_t *len, const char *ua, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)ua[i];

		if (ch < 0x20 || ch > 0x7e || ch == '\\')
			put(out, cap, len, "\\x%02x", ch);
		else
			put(out, cap, len, "%c", ch);
	}
}

int proxy_synhook_fingerprints(struct proxy_synhook *fp, char *out, size_t cap)
{
	struct proxy_synhook_unknown *t, tmp;
	size_t len = 0;
	unsigned n = 0;

	t = malloc(sizeof(fp->stats->unknown));
	if (!t)
		return 0;
	if (table_lock(&fp->stats->lock)) {
		memcpy(t, fp->stats->unknown, sizeof(fp->stats->unknown));
		table_unlock(&fp->stats->lock);
	} else {
		memset(t, 0, sizeof(fp->stats->unknown));
	}
	put(out, cap, &len,
	    "# SYN signatures no database labels (os=??"
	    "?), most requests first, with their "
	    "User-Agents.\n# sig REQUESTS RAW_SIG / ua REQUESTS USER-AGENT; at most %d "
	    "signatures and %d User-Agents each (docs/p0f-db.md).\n",
	    PROXY_SYNHOOK_UNKNOWN_MAX, PROXY_SYNHOOK_UNKNOWN_UAS);
	for (unsigned i = 0; i < PROXY_SYNHOOK_UNKNOWN_MAX; i++)
		if (t[i].count)
			t[n++] = t[i];
	/* Insertion sorts: 32 signatures, 4 User-Agents each. */
	for (unsigned i = 1; i < n; i++)
		for (unsigned j = i; j > 0 && t[j].count > t[j - 1].count; j--) {
			tmp = t[j];
			t[j] = t[j - 1];
			t[j - 1] = tmp;
		}
	for (unsigned i = 0; i < n; i++) {
		struct proxy_synhook_unknown *e = &t[i];
		unsigned order[PROXY_SYNHOOK_UNKNOWN_UAS], k = 0;

		e->sig[sizeof(e->sig) - 1] = 0;
		put(out, cap, &len, "sig %llu %s\n", (unsigned long long)e->count, e->sig);
		for (unsigned j = 0; j < PROXY_SYNHOOK_UNKNOWN_UAS; j++)
			if (e->ua[j].count)
				order[k++] = j;
		for (unsigned a = 1; a < k; a++)
			for (unsigned b = a;
			     b > 0 && e->ua[order[b]].count > e->ua[order[b - 1]].count; b--) {
				unsigned x = order[b];

				order[b] = order[b - 1];
				order[b - 1] = x;
			}
		for (unsigned j = 0; j < k; j++) {
			unsigned ulen = e->ua[order[j]].len;

			put(out, cap, &len, "ua %llu", (unsigned long long)e->ua[order[j]].count);
			if (e->ua[order[j]].present) {
				put(out, cap, &len, " ");
				put_ua(out, cap, &len, e->ua[order[j]].ua,
				       ulen > PROXY_SYNHOOK_UA_MAX ? PROXY_SYNHOOK_UA_MAX : ulen);
			}
			put(out, cap, &len, "\n");
		}
	}
	free(t);
	return (int)(len > cap ? cap : len);
}

static int hook_fingerprints(void *ctx, char *out, size_t cap)
{
	return proxy_synhook_fingerprints(ctx, out, cap);
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
			 const char *const *db, unsigned n_db, char *err, size_t errlen)
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
	for (unsigned i = 0; i < n_db; i++) {
		rc = p0f_dbset_add(&fp->dbs, db[i], err, errlen);
		if (rc < 0) {
			proxy_synhook_destroy(fp);
			return rc;
		}
	}
	fp->hook.ctx = fp;
	fp->hook.on_accept = hook_on_accept;
	fp->hook.on_request = hook_on_request;
	fp->hook.fingerprints = hook_fingerprints;
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
	p0f_dbset_free(&fp->dbs);
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

	rc = proxy_synhook_create(fp, s->pin, s->max_age_ns, s->db, s->n_db, err, sizeof(err));
	if (rc) {
		slog(s->log, s->log_ctx, LOG_LEVEL_ERROR, "[fingerprint] %s", err);
		return 1;
	}
	for (unsigned i = 0; i < fp->dbs.n; i++)
		slog(s->log, s->log_ctx, LOG_LEVEL_INFO,
		     "[fingerprint] p0f database %s: %u tcp:request signatures", s->db[i],
		     fp->dbs.db[i]->n_tcp_req);
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
