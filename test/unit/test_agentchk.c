/*
 * test_agentchk.c - the --check diagnostics: the pure ones on made-up input,
 * the others against the running kernel where that is harmless.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "sys/agentchk.h"
#include "test/harness.h"

extern const unsigned char huginn_bpf_obj[], huginn_bpf_obj_end[];

#define CAP(n) (1ULL << (n))

static void test_kernel(void)
{
	struct agentchk r;

	agentchk_kernel(&r, "6.18.44-fc-v782");
	ok(r.status == AGENTCHK_OK && strstr(r.msg, "6.18.44"), "6.18: OK (%s)", r.msg);
	agentchk_kernel(&r, "5.9.0");
	is_int(r.status, AGENTCHK_OK, "5.9: OK");
	agentchk_kernel(&r, "5.8.18-generic");
	ok(r.status == AGENTCHK_FAIL && strstr(r.msg, "upgrade"), "5.8: FAIL with a hint (%s)",
	   r.msg);
	agentchk_kernel(&r, "4.19.0");
	is_int(r.status, AGENTCHK_FAIL, "4.19: FAIL");
	agentchk_kernel(&r, "linux");
	is_int(r.status, AGENTCHK_FAIL, "unreadable release: FAIL");
}

static void test_capeff(void)
{
	uint64_t v = 7;

	is_int(
	    agentchk_capeff_parse("Name:\tx\nCapInh:\t0000000000000000\nCapEff:\t000001ffffffffff\n"
				  "CapBnd:\t0\n",
				  &v),
	    0, "CapEff found");
	ok(v == 0x000001ffffffffffULL, "CapEff value");
	is_int(agentchk_capeff_parse("CapEff:\t00000000a80425fb", &v), 0, "first line, no newline");
	ok(v == 0xa80425fbULL, "CapEff value without newline");
	is_int(agentchk_capeff_parse("Name:\tx\nCapPrm:\t0\n", &v), -ENOENT, "no CapEff: -ENOENT");
	is_int(agentchk_capeff_parse("Name:\tCapEff: 1\n", &v), -ENOENT,
	       "CapEff inside a line does not count");
	is_int(agentchk_capeff_parse("CapEff:\tzz\n", &v), -EINVAL, "non-hex: -EINVAL");
	is_int(agentchk_capeff_parse("CapEff:\t\n", &v), -EINVAL, "empty: -EINVAL");
	is_int(agentchk_capeff_parse("CapEff:\t00000000000000001\n", &v), -EINVAL,
	       "17 digits: -EINVAL");
	is_int(agentchk_capeff_parse("", &v), -ENOENT, "empty text: -ENOENT");
}

static void test_caps(void)
{
	struct agentchk r;

	is_int(agentchk_caps(&r, 0x000001ffffffffffULL), 1, "all capabilities: privileged");
	is_int(r.status, AGENTCHK_OK, "all capabilities: OK");
	is_int(agentchk_caps(&r, CAP(AGENTCHK_CAP_BPF) | CAP(AGENTCHK_CAP_NET_ADMIN) |
				     CAP(AGENTCHK_CAP_PERFMON)),
	       1, "CAP_BPF + CAP_NET_ADMIN + CAP_PERFMON: privileged");
	ok(r.status == AGENTCHK_OK && strstr(r.msg, "by id only"),
	   "without CAP_SYS_ADMIN: OK, says foreign programs are named by id (%s)", r.msg);
	is_int(agentchk_caps(&r, CAP(AGENTCHK_CAP_SYS_ADMIN) | CAP(AGENTCHK_CAP_NET_ADMIN)), 1,
	       "CAP_SYS_ADMIN covers CAP_BPF and CAP_PERFMON (old kernels)");
	is_int(r.status, AGENTCHK_OK, "CAP_SYS_ADMIN + CAP_NET_ADMIN: OK");
	is_int(agentchk_caps(&r, CAP(AGENTCHK_CAP_BPF) | CAP(AGENTCHK_CAP_PERFMON)), 0,
	       "no CAP_NET_ADMIN: not privileged");
	ok(r.status == AGENTCHK_FAIL && strstr(r.msg, "CAP_NET_ADMIN no"),
	   "no CAP_NET_ADMIN: FAIL naming it (%s)", r.msg);
	is_int(agentchk_caps(&r, CAP(AGENTCHK_CAP_BPF) | CAP(AGENTCHK_CAP_NET_ADMIN)), 1,
	       "no CAP_PERFMON: bpf() still works");
	ok(r.status == AGENTCHK_FAIL && strstr(r.msg, "CAP_PERFMON no"),
	   "no CAP_PERFMON: FAIL naming it");
	is_int(agentchk_caps(&r, 0), 0, "no capabilities");
	ok(r.status == AGENTCHK_FAIL && strstr(r.msg, "run as root"), "no capabilities: hint");
}

static void test_unpriv(void)
{
	struct agentchk r;

	agentchk_unpriv(&r, "2\n", 1);
	ok(r.status == AGENTCHK_OK && strncmp(r.msg, "2 ", 2) == 0, "2, privileged: OK (%s)",
	   r.msg);
	agentchk_unpriv(&r, "1\n", 0);
	ok(r.status == AGENTCHK_FAIL && strstr(r.msg, "CAP_BPF"), "1, unprivileged: FAIL (%s)",
	   r.msg);
	agentchk_unpriv(&r, "0\n", 0);
	is_int(r.status, AGENTCHK_FAIL, "0, unprivileged: still FAIL (XDP needs capabilities)");
	agentchk_unpriv(&r, NULL, 1);
	is_int(r.status, AGENTCHK_OK, "unreadable, privileged: OK");
	agentchk_unpriv(&r, NULL, 0);
	is_int(r.status, AGENTCHK_FAIL, "unreadable, unprivileged: FAIL");
}

static void test_system(void)
{
	struct agentchk r, r2;
	struct agentcfg cfg;
	struct obj o;
	int fd;

	agentcfg_defaults(&cfg);
	strcpy(cfg.pin_path, "/proc");
	agentchk_bpffs(&r, &cfg);
	ok(r.status == AGENTCHK_FAIL && strstr(r.msg, "not a bpf filesystem") &&
	       strstr(r.msg, "mount -t bpf bpf /sys/fs/bpf"),
	   "/proc as pin path: FAIL with the mount hint (%s)", r.msg);
	strcpy(cfg.pin_path, "/proc/hg_nonexistent");
	agentchk_bpffs(&r, &cfg);
	is_int(r.status, AGENTCHK_FAIL, "missing pin dir under a non-bpffs parent: FAIL");

	cfg.ifname[0] = 0;
	agentchk_iface(&r, &r2, &cfg, -1);
	ok(r.status == AGENTCHK_SKIP && r2.status == AGENTCHK_SKIP,
	   "no interface configured: both SKIP");
	strcpy(cfg.ifname, "hgnosuch0");
	agentchk_iface(&r, &r2, &cfg, -1);
	ok(r.status == AGENTCHK_FAIL && strstr(r.msg, "HUGINN_EBPF_INTERFACE='hgnosuch0'") &&
	       r2.status == AGENTCHK_SKIP,
	   "missing interface: FAIL naming the variable (%s)", r.msg);

	if (geteuid() != 0) {
		skip("map creation and program load: need root (CAP_BPF)");
		skip("program load");
		return;
	}
	agentchk_map(&r);
	is_int(r.status, AGENTCHK_OK, "map creation as root");
	memset(&o, 0, sizeof(o));
	fd = agentchk_prog(&r, &o, huginn_bpf_obj, (size_t)(huginn_bpf_obj_end - huginn_bpf_obj));
	ok(fd >= 0 && r.status == AGENTCHK_OK, "the embedded program passes the verifier (%s)",
	   r.msg);
	if (fd >= 0)
		close(fd);
	obj_close(&o);
	memset(&o, 0, sizeof(o));
	fd = agentchk_prog(&r, &o, huginn_bpf_obj, 100);
	ok(fd < 0 && r.status == AGENTCHK_FAIL && strstr(r.msg, "broken at byte"),
	   "a truncated object: FAIL (%s)", r.msg);
	obj_close(&o);
}

int main(void)
{
	test_kernel();
	test_capeff();
	test_caps();
	test_unpriv();
	test_system();
	return done_testing();
}
