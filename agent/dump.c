/*
 * dump.c - the text dump of the pinned maps (dump.h).
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "agent/cfg.h"
#include "agent/dump.h"
#include "agent/state.h"
#include "bpf/xdp_syn.h"
#include "sys/bpf.h"

#define err_str agent_state_strerror

/* Each returns 0, or -errno when the pin cannot be opened (the reason is printed). */
static int dump_counter(FILE *out, const char *dir, const char *name, const char *const *labels,
			uint32_t n)
{
	char path[AGENT_PATH_BYTES];
	uint64_t v;
	uint32_t i;
	int fd;

	if (agent_state_path(path, dir, "", name))
		return -ENAMETOOLONG;
	fd = bpf_obj_get(path, BPF_F_RDONLY);
	if (fd < 0) {
		fprintf(out, "%s: %s\n", path, err_str(fd));
		return fd;
	}
	for (i = 0; i < n; i++)
		if (!bpf_map_lookup(fd, &i, &v))
			fprintf(out, "%s%s%s %llu\n", name, labels ? "." : "",
				labels ? labels[i] : "", (unsigned long long)v);
	close(fd);
	return 0;
}

static void dump_rec(FILE *out, const char *fam, const void *addr, uint16_t port_be,
		     const struct huginn_syn_rec *r, uint64_t now)
{
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN], opts[2 * HUGINN_TCP_OPT_MAX + 1];
	int af = r->ip_ver == 6 ? AF_INET6 : AF_INET;
	unsigned i;

	inet_ntop(af, addr, src, sizeof(src));
	inet_ntop(af, r->daddr, dst, sizeof(dst));
	for (i = 0; i < r->opt_len && i < HUGINN_TCP_OPT_MAX; i++)
		snprintf(opts + 2 * i, 3, "%02x", r->opts[i]);
	opts[2 * i] = 0;
	fprintf(out,
		"%s %s:%u -> %s:%u ttl=%u tos=%#x ipflags=%#x ipopt=%u win=%u seq=%u flags=%#x "
		"mss_opts=%s payload=%u age_ms=%lld\n",
		fam, src, ntohs(port_be), dst, r->dport, r->ttl, r->tos, r->ip_flags, r->ip_opt_len,
		r->win, r->seq, r->tcp_flags, opts[0] ? opts : "-", r->payload_len,
		now >= r->ts_ns ? (long long)((now - r->ts_ns) / 1000000) : -1LL);
}

static int dump_syn_map(FILE *out, const char *dir, const char *name, int v6)
{
	char path[AGENT_PATH_BYTES];
	struct huginn_syn_key_v4 k4, n4;
	struct huginn_syn_key_v6 k6, n6;
	struct huginn_syn_rec r;
	struct timespec ts;
	void *key = v6 ? (void *)&k6 : (void *)&k4, *next = v6 ? (void *)&n6 : (void *)&n4;
	size_t ksz = v6 ? sizeof(k6) : sizeof(k4);
	uint64_t now;
	unsigned long n;
	int fd, err, first = 1;

	if (agent_state_path(path, dir, "", name))
		return -ENAMETOOLONG;
	fd = bpf_obj_get(path, BPF_F_RDONLY);
	if (fd < 0) {
		fprintf(out, "%s: %s\n", path, err_str(fd));
		return fd;
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	/* Bounded: an LRU map never holds more than its capacity (1 << 24 at most). */
	for (n = 0; n <= AGENT_CFG_MAX_ENTRIES_MAX; n++) {
		err = bpf_map_get_next_key(fd, first ? NULL : key, next);
		if (err)
			break;
		first = 0;
		memcpy(key, next, ksz);
		if (bpf_map_lookup(fd, key, &r))
			continue; /* evicted between the two calls */
		if (v6)
			dump_rec(out, "v6", k6.addr, k6.port, &r, now);
		else
			dump_rec(out, "v4", &k4.addr, k4.port, &r, now);
	}
	close(fd);
	return 0;
}

int agent_dump_run(FILE *out, const char *dir)
{
	static const char *const stats[HUGINN_STAT_MAX] = {
	    [HUGINN_STAT_V4_CAPTURED] = "v4_captured",
	    [HUGINN_STAT_V6_CAPTURED] = "v6_captured",
	    [HUGINN_STAT_V4_MALFORMED] = "v4_malformed",
	    [HUGINN_STAT_V6_MALFORMED] = "v6_malformed",
	    [HUGINN_STAT_FILTERED] = "filtered",
	};
	int bad = 0;

	bad |= dump_counter(out, dir, HUGINN_MAP_SYN_COUNTER, NULL, 1) != 0;
	bad |= dump_counter(out, dir, HUGINN_MAP_INSERT_FAILURES, NULL, 1) != 0;
	bad |= dump_counter(out, dir, HUGINN_MAP_STATS, stats, HUGINN_STAT_MAX) != 0;
	bad |= dump_syn_map(out, dir, HUGINN_MAP_SYN_V4, 0) != 0;
	bad |= dump_syn_map(out, dir, HUGINN_MAP_SYN_V6, 1) != 0;
	return bad ? 1 : 0;
}
