/*
 * synmap.c - read-only access to the agent's pinned SYN maps (see synmap.h).
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sys/bpf.h"
#include "sys/synmap.h"

/* A record may carry a capture time slightly after our clock read: allow this much. */
#define SYNMAP_FUTURE_SLACK_NS 1000000000ull

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

void synmap_reset(struct synmap *m)
{
	memset(m, 0, sizeof(*m));
	m->fd_v4 = m->fd_v6 = m->fd_counter = m->fd_failures = m->fd_stats = -1;
}

/*
 * The XDP program stamps a record with the coarse clock (ts_ns in
 * bpf/xdp_syn.h): the SYN arrived up to one tick after its stamp.  A record is
 * stale only when the SYN surely came more than max_age before: its stamp is
 * older than max_age plus that tick, the coarse clock's resolution.  10 ms
 * (HZ=100, the coarsest Linux tick) if the resolution cannot be read.
 */
uint64_t synmap_stamp_slack_ns(void)
{
	struct timespec res;

	if (clock_getres(CLOCK_MONOTONIC_COARSE, &res) || res.tv_sec || res.tv_nsec <= 0)
		return 10000000u;
	return (uint64_t)res.tv_nsec;
}

int synmap_init(struct synmap *m, const char *dir, uint64_t max_age_ns)
{
	size_t n = strlen(dir);

	synmap_reset(m);
	m->max_age_ns = max_age_ns + synmap_stamp_slack_ns();
	/* Room for "/" and the longest map name. */
	if (n == 0 || n + 1 + sizeof(HUGINN_MAP_INSERT_FAILURES) > sizeof(m->dir))
		return -ENAMETOOLONG;
	memcpy(m->dir, dir, n + 1);
	return 0;
}

/*
 * Open one pin read-only and check its layout.  *id gets the map id.
 * Returns the fd or -errno.  The type matters as much as the sizes: a lookup in
 * a per-CPU map copies one value per possible CPU, and that write, done by the
 * kernel, would overrun our one-value buffer unseen by any sanitizer.
 */
static int open_pin(const char *dir, const char *name, uint32_t type, uint32_t key_size,
		    uint32_t value_size, uint32_t *id)
{
	struct bpf_map_info info;
	uint32_t len = sizeof(info);
	char path[SYNMAP_DIR_MAX + 32];
	int fd, err;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = bpf_obj_get(path, BPF_F_RDONLY);
	if (fd < 0)
		return fd;
	memset(&info, 0, sizeof(info));
	err = bpf_obj_get_info(fd, &info, &len);
	if (err < 0) {
		close(fd);
		return err;
	}
	if (info.type != type || info.key_size != key_size || info.value_size != value_size) {
		close(fd);
		return -EPROTO;
	}
	if (id)
		*id = info.id;
	return fd;
}

struct pinned {
	int fd_v4, fd_v6, fd_counter, fd_failures, fd_stats;
	uint32_t id_v4, id_v6;
};

static int open_all(const char *dir, struct pinned *p)
{
	const uint32_t rec = sizeof(struct huginn_syn_rec), u64 = sizeof(uint64_t);

	p->fd_v4 = p->fd_v6 = p->fd_counter = p->fd_failures = p->fd_stats = -1;
	p->fd_v4 = open_pin(dir, HUGINN_MAP_SYN_V4, BPF_MAP_TYPE_LRU_HASH,
			    sizeof(struct huginn_syn_key_v4), rec, &p->id_v4);
	if (p->fd_v4 < 0)
		return p->fd_v4;
	p->fd_v6 = open_pin(dir, HUGINN_MAP_SYN_V6, BPF_MAP_TYPE_LRU_HASH,
			    sizeof(struct huginn_syn_key_v6), rec, &p->id_v6);
	if (p->fd_v6 < 0)
		goto out_v4;
	/* Counters are optional for fingerprinting: a missing one only leaves its metric at 0. */
	p->fd_counter =
	    open_pin(dir, HUGINN_MAP_SYN_COUNTER, BPF_MAP_TYPE_ARRAY, sizeof(uint32_t), u64, NULL);
	p->fd_failures = open_pin(dir, HUGINN_MAP_INSERT_FAILURES, BPF_MAP_TYPE_ARRAY,
				  sizeof(uint32_t), u64, NULL);
	p->fd_stats =
	    open_pin(dir, HUGINN_MAP_STATS, BPF_MAP_TYPE_ARRAY, sizeof(uint32_t), u64, NULL);
	if (p->fd_counter < 0)
		p->fd_counter = -1;
	if (p->fd_failures < 0)
		p->fd_failures = -1;
	if (p->fd_stats < 0)
		p->fd_stats = -1;
	return 0;

out_v4: {
	int err = p->fd_v6;

	close_fd(&p->fd_v4);
	p->fd_v6 = -1;
	return err;
}
}

static void adopt(struct synmap *m, struct pinned *p)
{
	synmap_close(m);
	m->fd_v4 = p->fd_v4;
	m->fd_v6 = p->fd_v6;
	m->fd_counter = p->fd_counter;
	m->fd_failures = p->fd_failures;
	m->fd_stats = p->fd_stats;
	m->id_v4 = p->id_v4;
	m->id_v6 = p->id_v6;
}

int synmap_open(struct synmap *m)
{
	struct pinned p;
	int err = open_all(m->dir, &p);

	if (err < 0)
		return err;
	adopt(m, &p);
	return 0;
}

int synmap_refresh(struct synmap *m)
{
	const uint32_t rec = sizeof(struct huginn_syn_rec);
	uint32_t id4 = 0, id6 = 0;
	struct pinned p;
	int fd4, fd6;

	/* Cheap path first: are the pins still the maps we hold? */
	fd4 = open_pin(m->dir, HUGINN_MAP_SYN_V4, BPF_MAP_TYPE_LRU_HASH,
		       sizeof(struct huginn_syn_key_v4), rec, &id4);
	if (fd4 < 0)
		return fd4;
	close(fd4);
	fd6 = open_pin(m->dir, HUGINN_MAP_SYN_V6, BPF_MAP_TYPE_LRU_HASH,
		       sizeof(struct huginn_syn_key_v6), rec, &id6);
	if (fd6 < 0)
		return fd6;
	close(fd6);
	if (synmap_is_open(m) && id4 == m->id_v4 && id6 == m->id_v6)
		return 0;
	fd4 = open_all(m->dir, &p);
	if (fd4 < 0)
		return fd4;
	adopt(m, &p);
	return 1;
}

int synmap_is_open(const struct synmap *m)
{
	return m->fd_v4 >= 0 && m->fd_v6 >= 0;
}

/* Is this IPv6 address an IPv4-mapped one (::ffff:a.b.c.d)? */
static int is_v4_mapped(const uint8_t *a)
{
	static const uint8_t prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	return memcmp(a, prefix, sizeof(prefix)) == 0;
}

/*
 * The peer as the XDP program saw it: family 4 or 6, address bytes, port in
 * host order.  Returns 0, or -EAFNOSUPPORT.
 */
static int peer_view(const struct sockaddr *peer, socklen_t len, int *ver, uint8_t addr[16],
		     uint16_t *port)
{
	memset(addr, 0, 16);
	if (peer->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *s = (const struct sockaddr_in *)(const void *)peer;

		*ver = 4;
		memcpy(addr, &s->sin_addr, 4);
		*port = ntohs(s->sin_port);
		return 0;
	}
	if (peer->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)(const void *)peer;

		*port = ntohs(s->sin6_port);
		if (is_v4_mapped(s->sin6_addr.s6_addr)) {
			*ver = 4;
			memcpy(addr, s->sin6_addr.s6_addr + 12, 4);
		} else {
			*ver = 6;
			memcpy(addr, s->sin6_addr.s6_addr, 16);
		}
		return 0;
	}
	return -EAFNOSUPPORT;
}

enum synmap_result synmap_check(const struct huginn_syn_rec *rec, const struct sockaddr *peer,
				socklen_t peerlen, uint64_t now_ns, uint64_t max_age_ns)
{
	uint8_t addr[16];
	uint16_t port;
	int ver;

	if (peer_view(peer, peerlen, &ver, addr, &port) < 0)
		return SYNMAP_MALFORMED;
	/* The parser's own bounds: anything else did not come from our program. */
	if (rec->ip_ver != ver || rec->opt_len > HUGINN_TCP_OPT_MAX || rec->tcp_doff < 20 ||
	    rec->opt_len != rec->tcp_doff - 20 ||
	    (rec->tcp_flags & (HUGINN_TCP_SYN | HUGINN_TCP_ACK)) != HUGINN_TCP_SYN)
		return SYNMAP_MALFORMED;
	/* A collision or a hand-written entry: the key must name the record's own sender. */
	if (rec->sport != port || memcmp(rec->saddr, addr, ver == 4 ? 4 : 16) != 0)
		return SYNMAP_MALFORMED;
	if (rec->ts_ns > now_ns + SYNMAP_FUTURE_SLACK_NS)
		return SYNMAP_MALFORMED;
	if (rec->ts_ns + max_age_ns < now_ns)
		return SYNMAP_STALE;
	return SYNMAP_HIT;
}

enum synmap_result synmap_lookup(const struct synmap *m, const struct sockaddr *peer,
				 socklen_t peerlen, uint64_t now_ns, struct huginn_syn_rec *rec)
{
	struct huginn_syn_rec tmp;
	uint8_t addr[16];
	uint16_t port;
	int ver, err;

	if (!synmap_is_open(m))
		return SYNMAP_ERROR;
	if (peer_view(peer, peerlen, &ver, addr, &port) < 0)
		return SYNMAP_ERROR;
	if (ver == 4) {
		struct huginn_syn_key_v4 k;

		memset(&k, 0, sizeof(k));
		memcpy(&k.addr, addr, 4);
		huginn_put_port(&k.port, port);
		err = bpf_map_lookup(m->fd_v4, &k, &tmp);
	} else {
		struct huginn_syn_key_v6 k;

		memset(&k, 0, sizeof(k));
		memcpy(k.addr, addr, 16);
		huginn_put_port(&k.port, port);
		err = bpf_map_lookup(m->fd_v6, &k, &tmp);
	}
	if (err == -ENOENT)
		return SYNMAP_MISS;
	if (err < 0)
		return SYNMAP_ERROR;
	enum synmap_result r = synmap_check(&tmp, peer, peerlen, now_ns, m->max_age_ns);

	if (r == SYNMAP_HIT)
		*rec = tmp;
	return r;
}

static int read_u64(int fd, uint32_t idx, uint64_t *out)
{
	if (fd < 0)
		return -EBADF;
	return bpf_map_lookup(fd, &idx, out);
}

int synmap_read_counters(const struct synmap *m, struct synmap_counters *c)
{
	int err = 0, e;
	uint32_t i;

	memset(c, 0, sizeof(*c));
	e = read_u64(m->fd_counter, 0, &c->syn);
	if (e < 0)
		err = e;
	e = read_u64(m->fd_failures, 0, &c->insert_failures);
	if (e < 0)
		err = e;
	for (i = 0; i < HUGINN_STAT_MAX; i++) {
		e = read_u64(m->fd_stats, i, &c->stats[i]);
		if (e < 0)
			err = e;
	}
	return err;
}

void synmap_close(struct synmap *m)
{
	close_fd(&m->fd_v4);
	close_fd(&m->fd_v6);
	close_fd(&m->fd_counter);
	close_fd(&m->fd_failures);
	close_fd(&m->fd_stats);
}

const char *synmap_result_name(enum synmap_result r)
{
	static const char *const names[SYNMAP_RESULT_MAX] = {
	    [SYNMAP_HIT] = "hit",     [SYNMAP_MISS] = "miss",
	    [SYNMAP_STALE] = "stale", [SYNMAP_MALFORMED] = "malformed",
	    [SYNMAP_ERROR] = "error",
	};

	return (unsigned)r < SYNMAP_RESULT_MAX ? names[r] : "unknown";
}
