/*
 * test_map_btf.c - the maps carry their BTF, checked by an independent reader.
 *
 * Loads the object through sys/obj.c (the embedded one, or HUGINN_TEST_BPF_OBJ
 * as test/e2e/t_bpf_clang.sh sets it), feeds one IPv4 and one IPv6 SYN to
 * BPF_PROG_TEST_RUN, pins the SYN maps on a private bpffs and asks bpftool
 * (`bpftool -j map dump pinned PATH`, libbpf's reader, not ours) for the
 * records: the dump must name the key and record fields and show the values
 * of the SYN bytes below.  Also checks the fallback: a map whose BTF the
 * kernel refuses is created without it, obj->btf_err says so, and bpftool
 * shows raw bytes only.  Needs root and bpftool; says SKIP without them.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <time.h>
#include <unistd.h>

#include "bpf/xdp_syn.h"
#include "sys/bpf.h"
#include "sys/file.h"
#include "sys/obj.h"
#include "test/harness.h"

extern const unsigned char huginn_bpf_obj[], huginn_bpf_obj_end[];

/*
 * A Linux-style IPv4 SYN, byte by byte (RFC 791 / RFC 9293 layouts):
 * 192.0.2.10:40000 -> 192.0.2.1:80, TTL 64, DF, id 0x1c46, window 64240,
 * options MSS 1460, SACK permitted, timestamps, NOP, window scale 7.
 */
/* clang-format off */
static const uint8_t syn4[] = {
	0x02, 0, 0, 0, 0, 0x01, 0x02, 0, 0, 0, 0, 0x02, 0x08, 0x00,		/* Ethernet */
	0x45, 0x00, 0x00, 0x3c, 0x1c, 0x46, 0x40, 0x00, 0x40, 0x06, 0x00, 0x00, /* IPv4 */
	192, 0, 2, 10, 192, 0, 2, 1,						/* addresses */
	0x9c, 0x40, 0x00, 0x50, 0x11, 0x22, 0x33, 0x44, 0, 0, 0, 0,		/* ports, seq, ack */
	0xa0, 0x02, 0xfa, 0xf0, 0x00, 0x00, 0x00, 0x00,				/* doff 10, SYN, win */
	0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0x00, 0x01, 0x02, 0x03, /* options */
	0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x07,
};

/* IPv6: 2001:db8::a port 40001 -> 2001:db8::1 port 443, hop limit 57, window 65535, MSS 1440. */
static const uint8_t syn6[] = {
	0x02, 0, 0, 0, 0, 0x01, 0x02, 0, 0, 0, 0, 0x02, 0x86, 0xdd,	/* Ethernet */
	0x60, 0x00, 0x00, 0x00, 0x00, 0x18, 0x06, 57,			/* IPv6, plen 24 */
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0a,	/* source */
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,	/* destination */
	0x9c, 0x41, 0x01, 0xbb, 0, 0, 0, 1, 0, 0, 0, 0,			/* ports, seq, ack */
	0x60, 0x02, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00,			/* doff 6, SYN, win */
	0x02, 0x04, 0x05, 0xa0,
};
/* clang-format on */

/* The program stamps records with CLOCK_MONOTONIC_COARSE (bpf/xdp_syn.h). */
static uint64_t coarse_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* bpftool's JSON for the map pinned at path, into buf; 0 or -1. */
static int dump(const char *path, char *buf, size_t cap)
{
	char cmd[300];
	size_t n = 0, r;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "bpftool -j map dump pinned %s 2>&1", path);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	while (n + 1 < cap && (r = fread(buf + n, 1, cap - 1 - n, f)) > 0)
		n += r;
	buf[n] = '\0';
	return pclose(f) == 0 ? 0 : -1;
}

/* The unsigned number after "key": in s (bpftool's compact JSON), or -1. */
static long long num(const char *s, const char *key)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	p = strstr(s, pat);
	if (!p)
		return -1;
	p += strlen(pat);
	if (*p < '0' || *p > '9')
		return -1;
	return strtoll(p, NULL, 10);
}

static int has(const char *s, const char *needle)
{
	return strstr(s, needle) != NULL;
}

static int load(struct obj *o, int *prog)
{
	const char *path = getenv("HUGINN_TEST_BPF_OBJ");
	char *file = NULL;
	size_t len = 0;
	int r;

	if (path && *path) {
		r = file_read_all(path, 1 << 22, &file, &len);
		if (r)
			return r;
		r = obj_open(o, file, len);
		free(file);
	} else {
		r = obj_open(o, huginn_bpf_obj, (size_t)(huginn_bpf_obj_end - huginn_bpf_obj));
	}
	is_int(r, 0, "obj_open on %s", path && *path ? path : "the embedded object");
	if (r)
		return r;
	r = obj_create_maps(o);
	is_int(r, 0, "obj_create_maps");
	if (r)
		return r;
	*prog = obj_load(o, NULL, 0);
	ok(*prog >= 0, "obj_load (%d)", *prog);
	return *prog < 0 ? *prog : 0;
}

static void check_btf_maps(const char *dir)
{
	static char js[1 << 16];
	char path[256];
	uint64_t t0, t1;
	uint32_t retval = 0;
	struct bpf_map_info mi;
	uint32_t mlen = sizeof(mi);
	struct obj o;
	int prog = -1, r;
	long long ts;

	if (load(&o, &prog))
		goto out;
	is_int(o.btf_err, 0, "the kernel took the BTF");
	ok(o.btf_fd >= 0, "BTF fd %d", o.btf_fd);
	memset(&mi, 0, sizeof(mi));
	r = bpf_obj_get_info(obj_map_by_name(&o, HUGINN_MAP_SYN_V4)->fd, &mi, &mlen);
	ok(r == 0 && mi.btf_id && mi.btf_key_type_id && mi.btf_value_type_id,
	   "map info: btf id %u, key type %u, value type %u", mi.btf_id, mi.btf_key_type_id,
	   mi.btf_value_type_id);

	t0 = coarse_ns();
	r = bpf_prog_test_run(prog, syn4, sizeof(syn4), NULL, NULL, &retval, 1);
	ok(r == 0 && retval == XDP_PASS, "IPv4 SYN: test run, XDP_PASS");
	r = bpf_prog_test_run(prog, syn6, sizeof(syn6), NULL, NULL, &retval, 1);
	ok(r == 0 && retval == XDP_PASS, "IPv6 SYN: test run, XDP_PASS");
	t1 = coarse_ns();

	snprintf(path, sizeof(path), "%s/%s", dir, HUGINN_MAP_SYN_V4);
	is_int(bpf_obj_pin(obj_map_by_name(&o, HUGINN_MAP_SYN_V4)->fd, path), 0, "pin the v4 map");
	r = dump(path, js, sizeof(js));
	ok(r == 0, "bpftool -j map dump pinned %s", path);
	printf("# %.*s\n", 400, js);
	/* Named key fields: addr and port hold network-order bytes, read as host u32/u16. */
	ok(has(js, "\"formatted\":{\"key\":{\"addr\":"), "v4 key is dumped with field names");
	is_int(num(js, "addr"), (long long)(192 | 0 << 8 | 2 << 16 | 10LL << 24),
	       "key addr: the bytes 192.0.2.10");
	is_int(num(js, "port"), 0x409c, "key port: the bytes 0x9c 0x40 (40000)");
	is_int(num(js, "sport"), 40000, "record sport 40000");
	is_int(num(js, "dport"), 80, "record dport 80");
	is_int(num(js, "ttl"), 64, "record ttl 64");
	is_int(num(js, "win"), 64240, "record win 64240");
	is_int(num(js, "ip_id"), 0x1c46, "record ip_id 0x1c46");
	is_int(num(js, "ip_ver"), 4, "record ip_ver 4");
	is_int(num(js, "tcp_doff"), 40, "record tcp_doff 40");
	is_int(num(js, "opt_len"), 20, "record opt_len 20");
	is_int(num(js, "seq"), 0x11223344, "record seq 0x11223344");
	ok(has(js, "\"saddr\":[192,0,2,10,0,0,0,0,0,0,0,0,0,0,0,0]"),
	   "record saddr as a byte array");
	ok(has(js, "\"opts\":[2,4,5,180,4,2,8,10,0,1,2,3,0,0,0,0,1,3,3,7,0,"),
	   "record opts: MSS 1460, SACK, TS, NOP, WS 7");
	ts = num(js, "ts_ns");
	ok(ts > 0 && (uint64_t)ts >= t0 && (uint64_t)ts <= t1,
	   "record ts_ns %lld within the CLOCK_MONOTONIC_COARSE window of the run", ts);
	unlink(path);

	snprintf(path, sizeof(path), "%s/%s", dir, HUGINN_MAP_SYN_V6);
	is_int(bpf_obj_pin(obj_map_by_name(&o, HUGINN_MAP_SYN_V6)->fd, path), 0, "pin the v6 map");
	r = dump(path, js, sizeof(js));
	ok(r == 0 && has(js, "\"key\":{\"addr\":[32,1,13,184,0,0,0,0,0,0,0,0,0,0,0,10]"),
	   "v6 key addr 2001:db8::a by name");
	is_int(num(js, "sport"), 40001, "v6 record sport 40001");
	is_int(num(js, "dport"), 443, "v6 record dport 443");
	is_int(num(js, "ttl"), 57, "v6 record hop limit 57");
	is_int(num(js, "win"), 65535, "v6 record win 65535");
	is_int(num(js, "ip_ver"), 6, "v6 record ip_ver 6");
	unlink(path);

	snprintf(path, sizeof(path), "%s/%s", dir, HUGINN_MAP_STATS);
	is_int(bpf_obj_pin(obj_map_by_name(&o, HUGINN_MAP_STATS)->fd, path), 0, "pin syn_stats");
	r = dump(path, js, sizeof(js));
	ok(r == 0 && has(js, "\"formatted\":{\"key\":0,\"value\":1}"),
	   "syn_stats: key 0 (v4 captured) = 1, as numbers");
	unlink(path);
out:
	if (prog >= 0)
		close(prog);
	obj_close(&o);
}

/* A map whose types the kernel refuses is made without BTF, and says so. */
static void check_fallback(const char *dir)
{
	static char js[1 << 16];
	char path[256];
	struct obj o;
	struct obj_map *m;
	uint32_t key = 0;
	uint64_t one = 1;
	int r;

	r = obj_open(&o, huginn_bpf_obj, (size_t)(huginn_bpf_obj_end - huginn_bpf_obj));
	if (r) {
		ok(0, "obj_open for the fallback");
		return;
	}
	/* Value type: the v4 key struct (8 bytes), not the __u64 ... but of the right size. */
	m = obj_map_by_name(&o, HUGINN_MAP_SYN_COUNTER);
	m->btf_value_id = obj_map_by_name(&o, HUGINN_MAP_SYN_V6)->btf_key_id; /* 20 bytes */
	r = obj_create_maps(&o);
	is_int(r, 0, "fallback: obj_create_maps still succeeds");
	is_int(o.btf_err, -EINVAL, "fallback: btf_err is the kernel's -EINVAL");
	snprintf(path, sizeof(path), "%s/fallback", dir);
	if (r == 0 && bpf_map_update(m->fd, &key, &one, BPF_ANY) == 0 &&
	    bpf_obj_pin(m->fd, path) == 0) {
		r = dump(path, js, sizeof(js));
		ok(r == 0 && !has(js, "formatted") && has(js, "\"value\":[\"0x01\""),
		   "fallback: bpftool dumps raw bytes only");
		unlink(path);
	} else {
		ok(0, "fallback: write and pin the BTF-less map");
	}
	obj_close(&o);
}

int main(void)
{
	char dir[] = "/tmp/huginn-btf.XXXXXX";

	if (geteuid() != 0) {
		skip("test_map_btf SKIPPED: needs root for bpf() (run make test as root)");
		return done_testing();
	}
	if (system("bpftool version >/dev/null 2>&1") != 0) {
		skip("test_map_btf SKIPPED: bpftool is not installed (scripts/deps.sh test)");
		return done_testing();
	}
	if (!mkdtemp(dir) || mount("bpf", dir, "bpf", 0, NULL)) {
		ok(0, "mount a private bpffs (%s)", strerror(errno));
		return done_testing();
	}
	check_btf_maps(dir);
	check_fallback(dir);
	umount(dir);
	rmdir(dir);
	return done_testing();
}
