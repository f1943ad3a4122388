/*
 * xdp_cost.c - per-packet cost of the XDP program, as a ratio against an empty
 * XDP program measured in the same run.  A benchmark, not a test: it prints
 * numbers and asserts nothing about them.
 *
 * Loads our object (the one embedded at build time, or the file named by the
 * first argument, e.g. an older build to compare) through sys/obj.c, and a
 * two-instruction program that returns XDP_PASS.  Then, for ROUNDS rounds, it
 * times BPF_PROG_TEST_RUN with REPEAT runs of each program on each frame: a
 * captured IPv4 SYN, a captured IPv6 SYN, a non-SYN TCP segment (ACK with 100
 * bytes of payload) and a UDP datagram, the two programs alternating so both
 * see the same machine.  Time per packet = the task clock of the call / REPEAT:
 * the perf software counter of the CPU time this thread ran, kernel included,
 * so time other tasks take on a busy machine is not counted (wall time when
 * perf events are unavailable; the kernel's own figure is a whole number of
 * ns, too coarse for ~20 ns).  The syscall itself is ~1 us over REPEAT runs,
 * i.e. ~0.05 ns.  The table
 * shows, per program and frame, the fastest round (other load on the machine
 * only ever adds time, so it is the best estimate) and the median round.
 *
 * Needs root (bpf() and BPF_PROG_TEST_RUN).  ROUNDS (default 101) and REPEAT
 * (default 20000) are environment variables.
 */
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <linux/perf_event.h>

#include "bpf/xdp_syn.h"
#include "sys/bpf.h"
#include "sys/file.h"
#include "sys/obj.h"

extern const unsigned char huginn_bpf_obj[], huginn_bpf_obj_end[];

#define MAX_ROUNDS 1001
#define NFRAMES 4

struct frame {
	const char *name;
	uint8_t b[256];
	size_t len;
	int syn; /* 4 or 6: must land in that family's map; 0: must not */
};

static void be16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Ethernet + IPv4 + TCP with Linux's SYN options, or an ACK with payload, or UDP. */
static void build4(struct frame *f, int proto, uint8_t flags, size_t payload)
{
	static const uint8_t opts[20] = {2, 4, 5, 180, 4, 2, 8, 10, 0, 1,
					 2, 3, 0, 0,   0, 0, 1, 3,  3, 7};
	uint8_t *p = f->b, *ip = p + 14, *l4 = ip + 20;
	size_t l4len;

	memset(f->b, 0, sizeof(f->b));
	p[0] = 2, p[5] = 1, p[6] = 2, p[11] = 2;
	be16(p + 12, HUGINN_ETH_P_IP);
	if (proto == 17) {
		l4len = 8 + payload;
		be16(l4, 40000), be16(l4 + 2, 53), be16(l4 + 4, (unsigned)l4len);
	} else {
		size_t hl = flags == HUGINN_TCP_SYN ? 40 : 32;

		l4len = hl + payload;
		be16(l4, 40000), be16(l4 + 2, 443);
		l4[7] = 1;
		l4[12] = (uint8_t)(hl / 4 << 4);
		l4[13] = flags;
		be16(l4 + 14, 64240);
		if (hl == 40)
			memcpy(l4 + 20, opts, 20);
		else /* NOP NOP timestamps, as an established Linux connection sends */
			l4[20] = 1, l4[21] = 1, l4[22] = 8, l4[23] = 10;
	}
	ip[0] = 0x45;
	be16(ip + 2, (unsigned)(20 + l4len));
	ip[6] = 0x40; /* DF */
	ip[8] = 64;
	ip[9] = (uint8_t)proto;
	ip[12] = 192, ip[14] = 2, ip[15] = 10;
	ip[16] = 192, ip[18] = 2, ip[19] = 1;
	f->len = 14 + 20 + l4len;
}

static void build6_syn(struct frame *f)
{
	uint8_t *p = f->b, *ip = p + 14, *tcp = ip + 40;

	memset(f->b, 0, sizeof(f->b));
	p[0] = 2, p[5] = 1, p[6] = 2, p[11] = 2;
	be16(p + 12, HUGINN_ETH_P_IPV6);
	ip[0] = 0x60;
	be16(ip + 4, 24);
	ip[6] = HUGINN_IPPROTO_TCP;
	ip[7] = 64;
	ip[8] = 0x20, ip[9] = 0x01, ip[10] = 0x0d, ip[11] = 0xb8, ip[23] = 10;
	ip[24] = 0x20, ip[25] = 0x01, ip[26] = 0x0d, ip[27] = 0xb8, ip[39] = 1;
	be16(tcp, 40001), be16(tcp + 2, 443);
	tcp[12] = 6 << 4;
	tcp[13] = HUGINN_TCP_SYN;
	be16(tcp + 14, 65535);
	tcp[20] = 2, tcp[21] = 4, tcp[22] = 5, tcp[23] = 160;
	f->len = 14 + 40 + 24;
}

/* The task-clock counter (perf_event_open), or -1 to fall back to wall time. */
static int clock_fd = -1;

static int task_clock_open(void)
{
	struct perf_event_attr a;

	memset(&a, 0, sizeof(a));
	a.type = PERF_TYPE_SOFTWARE;
	a.size = sizeof(a);
	a.config = PERF_COUNT_SW_TASK_CLOCK;
	a.exclude_hv = 1;
	return (int)syscall(__NR_perf_event_open, &a, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
}

static double now_ns(void)
{
	struct timespec ts;
	uint64_t v;

	if (clock_fd >= 0 && read(clock_fd, &v, sizeof(v)) == (ssize_t)sizeof(v))
		return (double)v;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/*
 * New keys.  BPF_PROG_TEST_RUN runs one frame REPEAT times, so in the rows
 * above every run after the first replaces the record of the same client
 * (same address and port): the LRU map's replace path.  A real SYN almost
 * always comes from a new port, i.e. inserts a new key, and once the map is
 * full (8192 SYNs after the agent starts: LRU entries never expire) each
 * insert evicts the least recently used record.  Measured here with one run
 * per call, the frame's source address and port changed between calls so no
 * key repeats within 2^20 calls, and the kernel's own time of each call
 * (bpf_test_run's clock around the program: the syscall is not in it, one
 * clock read and the loop's bookkeeping are), for our program and for the
 * empty one on the same frames.  cost = empty (REPEAT mode, above) + (ours -
 * empty) per single run: the bookkeeping cancels in the difference.
 */
static uint32_t newkey_seq;

static void newkey_next(struct frame *f)
{
	uint32_t n = newkey_seq++ & 0xfffff;
	uint8_t *ip = f->b + 14, *tcp = ip + 20;

	/* Source 192.x.2.10, x = 0..16, ports 1024..65535: 2^20 distinct keys. */
	ip[13] = (uint8_t)(n / 64512);
	be16(tcp, 1024 + n % 64512);
}

/* Mean kernel time (ns) of one run of prog over batch new-key frames, or < 0. */
static double newkey_cost(int prog, struct frame *f, uint32_t batch)
{
	uint32_t retval, dur, j;
	uint64_t sum = 0;

	for (j = 0; j < batch; j++) {
		newkey_next(f);
		if (bpf_prog_test_time(prog, f->b, (uint32_t)f->len, 1, &retval, &dur) ||
		    retval != XDP_PASS)
			return -1;
		sum += dur;
	}
	return (double)sum / batch;
}

/* ns per run of prog on f, or a negative errno. */
static double cost(int prog, const struct frame *f, uint32_t repeat)
{
	uint32_t retval = 0, dur = 0;
	double t0 = now_ns(), t1;
	int r = bpf_prog_test_time(prog, f->b, (uint32_t)f->len, repeat, &retval, &dur);

	t1 = now_ns();
	if (r)
		return r;
	if (retval != XDP_PASS)
		return -EPROTO;
	return (t1 - t0) / repeat;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static long env_long(const char *name, long def, long lo, long hi)
{
	const char *s = getenv(name);
	char *end;
	long v;

	if (!s || !*s)
		return def;
	v = strtol(s, &end, 10);
	if (*end || v < lo || v > hi) {
		fprintf(stderr, "xdp_cost: %s=%s: expected %ld..%ld\n", name, s, lo, hi);
		exit(2);
	}
	return v;
}

static int load(const char *path, struct obj *o)
{
	char *file = NULL, log[4096];
	size_t len = 0;
	int r;

	if (path) {
		r = file_read_all(path, 1 << 22, &file, &len);
		if (r) {
			fprintf(stderr, "xdp_cost: %s: %s\n", path, strerror(-r));
			return r;
		}
		r = obj_open(o, file, len);
		free(file);
	} else {
		r = obj_open(o, huginn_bpf_obj, (size_t)(huginn_bpf_obj_end - huginn_bpf_obj));
	}
	if (r) {
		fprintf(stderr, "xdp_cost: object rejected at byte %zu: %s\n", o->err_off,
			o->err ? o->err : strerror(-r));
		return r;
	}
	r = obj_create_maps(o);
	if (r) {
		fprintf(stderr, "xdp_cost: cannot create the maps: %s\n", strerror(-r));
		return r;
	}
	r = obj_load(o, log, sizeof(log));
	if (r < 0)
		fprintf(stderr, "xdp_cost: the verifier refused the program: %s\n%s\n",
			strerror(-r), log);
	return r;
}

static uint64_t counter(struct obj *o, const char *map)
{
	uint32_t zero = 0;
	uint64_t v = 0;

	bpf_map_lookup(obj_map_by_name(o, map)->fd, &zero, &v);
	return v;
}

int main(int argc, char **argv)
{
	static const struct bpf_insn empty_insns[] = {
	    {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = XDP_PASS},
	    {.code = BPF_JMP | BPF_EXIT},
	};
	static double t_empty[NFRAMES][MAX_ROUNDS], t_prog[NFRAMES][MAX_ROUNDS];
	static double n_empty[MAX_ROUNDS], n_prog[MAX_ROUNDS], n_cost[MAX_ROUNDS];
	struct frame fr[NFRAMES] = {{.name = "IPv4 SYN (captured)", .syn = 4},
				    {.name = "IPv6 SYN (captured)", .syn = 6},
				    {.name = "TCP ACK + 100 B (no SYN)"},
				    {.name = "UDP 64 B"}};
	static const char *const target[NFRAMES] = {"<= 6x", "<= 6x", "<= 1.1x", "-"};
	int rounds = (int)env_long("ROUNDS", 101, 1, MAX_ROUNDS);
	uint32_t repeat = (uint32_t)env_long("REPEAT", 20000, 1, 100000000);
	uint32_t batch = (uint32_t)env_long("NEWKEYS", 2000, 1, 1000000);
	struct frame fnew;
	struct obj o;
	int empty, prog, i, k;
	uint64_t c0;

	if (geteuid() != 0) {
		fprintf(stderr, "xdp_cost: needs root (bpf() and BPF_PROG_TEST_RUN)\n");
		return 2;
	}
	bpf_raise_memlock();
	{
		/* One CPU for the whole run: no migrations between the programs' runs. */
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(sched_getcpu() < 0 ? 0 : sched_getcpu(), &set);
		sched_setaffinity(0, sizeof(set), &set);
	}
	clock_fd = task_clock_open();
	prog = load(argc > 1 ? argv[1] : NULL, &o);
	if (prog < 0)
		return 1;
	empty = bpf_prog_load(BPF_PROG_TYPE_XDP, empty_insns, 2, "GPL", "xdp_empty", 0, NULL, 0);
	if (empty < 0) {
		fprintf(stderr, "xdp_cost: cannot load the empty program: %s\n", strerror(-empty));
		return 1;
	}
	build4(&fr[0], HUGINN_IPPROTO_TCP, HUGINN_TCP_SYN, 0);
	build6_syn(&fr[1]);
	build4(&fr[2], HUGINN_IPPROTO_TCP, HUGINN_TCP_ACK | HUGINN_TCP_PSH, 100);
	build4(&fr[3], 17, 0, 64 - 8);

	/* Each frame does what its name says: the SYNs land in the maps, the others do not. */
	for (i = 0; i < NFRAMES; i++) {
		c0 = counter(&o, HUGINN_MAP_SYN_COUNTER);
		if (cost(prog, &fr[i], 1) < 0 ||
		    counter(&o, HUGINN_MAP_SYN_COUNTER) - c0 != (fr[i].syn ? 1u : 0u)) {
			fprintf(stderr, "xdp_cost: frame '%s' is not %s\n", fr[i].name,
				fr[i].syn ? "captured" : "passed by");
			return 1;
		}
	}

	/* Fill the map first, so every measured insert evicts (the steady state). */
	fnew = fr[0];
	c0 = counter(&o, HUGINN_MAP_SYN_COUNTER);
	if (newkey_cost(prog, &fnew, 2 * HUGINN_SYN_MAP_DEFAULT_ENTRIES) < 0 ||
	    counter(&o, HUGINN_MAP_SYN_COUNTER) - c0 != 2 * HUGINN_SYN_MAP_DEFAULT_ENTRIES) {
		fprintf(stderr, "xdp_cost: new-key frames are not all captured\n");
		return 1;
	}

	for (k = 0; k < rounds; k++) {
		for (i = 0; i < NFRAMES; i++) {
			/* Alternate which program goes first, so neither always runs warm. */
			if (k % 2) {
				t_prog[i][k] = cost(prog, &fr[i], repeat);
				t_empty[i][k] = cost(empty, &fr[i], repeat);
			} else {
				t_empty[i][k] = cost(empty, &fr[i], repeat);
				t_prog[i][k] = cost(prog, &fr[i], repeat);
			}
			if (t_prog[i][k] < 0 || t_empty[i][k] < 0) {
				fprintf(stderr, "xdp_cost: BPF_PROG_TEST_RUN failed\n");
				return 1;
			}
		}
		if (k % 2) {
			n_prog[k] = newkey_cost(prog, &fnew, batch);
			n_empty[k] = newkey_cost(empty, &fnew, batch);
		} else {
			n_empty[k] = newkey_cost(empty, &fnew, batch);
			n_prog[k] = newkey_cost(prog, &fnew, batch);
		}
		if (n_prog[k] < 0 || n_empty[k] < 0) {
			fprintf(stderr, "xdp_cost: BPF_PROG_TEST_RUN failed\n");
			return 1;
		}
		n_cost[k] = t_empty[0][k] + n_prog[k] - n_empty[k];
	}

	printf("xdp_cost: %s, %d rounds x %u runs per program and frame, %s\n",
	       argc > 1 ? argv[1] : "embedded object", rounds, repeat,
	       clock_fd >= 0 ? "task clock" : "wall clock (no perf events)");
	printf("%-26s %7s %7s %6s %7s | %7s %7s %6s\n", "frame", "empty", "xdp_syn", "ratio",
	       "target", "empty", "xdp_syn", "ratio");
	printf("%-26s %22s %7s | %22s\n", "", "fastest round", "", "median round");
	for (i = 0; i < NFRAMES; i++) {
		double e = median(t_empty[i], rounds), p = median(t_prog[i], rounds);

		/* median() sorted the rounds: [0] is the fastest. */
		printf("%-26s %7.1f %7.1f %5.2fx %7s | %7.1f %7.1f %5.2fx\n", fr[i].name,
		       t_empty[i][0], t_prog[i][0], t_prog[i][0] / t_empty[i][0], target[i], e, p,
		       p / e);
	}
	{
		/* n_cost[k] took round k's empty figure before the table above sorted them. */
		double e0 = t_empty[0][0], em = median(t_empty[0], rounds);
		double c = median(n_cost, rounds), pm = median(n_prog, rounds),
		       nm = median(n_empty, rounds);

		printf("%-26s %7.1f %7.1f %5.2fx %7s | %7.1f %7.1f %5.2fx\n",
		       "IPv4 SYN, new key each run", e0, n_cost[0], n_cost[0] / e0, "<= 6x", em, c,
		       c / em);
		printf("(new keys: %u single runs per program and round, map full so each insert "
		       "evicts; kernel time of one run, median round: xdp_syn %.1f, empty %.1f; "
		       "cost = empty + their difference)\n",
		       batch, pm, nm);
	}
	printf("ns per packet.  Other load only adds time: the fastest round is the best "
	       "estimate of the cost; medians show the spread on a busy machine.\n");
	if (clock_fd >= 0)
		close(clock_fd);
	close(empty);
	close(prog);
	obj_close(&o);
	return 0;
}
