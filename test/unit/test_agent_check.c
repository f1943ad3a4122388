/*
 * test_agent_check.c - the --check diagnostics: the pure ones on made-up input,
 * the others against the running kernel where that is harmless.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "bpf/xdp_syn.h"
#include "agent/check.h"
#include "test/harness.h"

extern const unsigned char huginn_bpf_obj[], huginn_bpf_obj_end[];

#define CAP(n) (1ULL << (n))

static void test_kernel(void)
{
	struct agent_check r;

	agent_check_kernel(&r, "6.18.44-fc-v782");
	ok(r.status == AGENT_CHECK_OK && strstr(r.msg, "6.18.44"), "6.18: OK (%s)", r.msg);
	agent_check_kernel(&r, "5.9.0");
	is_int(r.status, AGENT_CHECK_OK, "5.9: OK");
	agent_check_kernel(&r, "5.8.18-generic");
	ok(r.status == AGENT_CHECK_FAIL && strstr(r.msg, "upgrade"), "5.8: FAIL with a hint (%s)",
	   r.msg);
	agent_check_kernel(&r, "4.19.0");
	is_int(r.status, AGENT_CHECK_FAIL, "4.19: FAIL");
	agent_check_kernel(&r, "linux");
	is_int(r.status, AGENT_CHECK_FAIL, "unreadable release: FAIL");
}

static void test_capeff(void)
{
	uint64_t v = 7;

	is_int(agent_check_capeff_parse(
		   "Name:\tx\nCapInh:\t0000000000000000\nCapEff:\t000001ffffffffff\n"
		   "CapBnd:\t0\n",
		   &v),
	       0, "CapEff found");
	ok(v == 0x000001ffffffffffULL, "CapEff value");
	is_int(agent_check_capeff_parse("CapEff:\t00000000a80425fb", &v), 0,
	       "first line, no newline");
	ok(v == 0xa80425fbULL, "CapEff value without newline");
	is_int(agent_check_capeff_parse("Name:\tx\nCapPrm:\t0\n", &v), -ENOENT,
	       "no CapEff: -ENOENT");
	is_int(agent_check_capeff_parse("Name:\tCapEff: 1\n", &v), -ENOENT,
	       "CapEff inside a line does not count");
	is_int(agent_check_capeff_parse("CapEff:\tzz\n", &v), -EINVAL, "non-hex: -EINVAL");
	is_int(agent_check_capeff_parse("CapEff:\t\n", &v), -EINVAL, "empty: -EINVAL");
	is_int(agent_check_capeff_parse("CapEff:\t00000000000000001\n", &v), -EINVAL,
	       "17 digits: -EINVAL");
	is_int(agent_check_capeff_parse("", &v), -ENOENT, "empty text: -ENOENT");
}

static void test_caps(void)
{
	struct agent_check r;

	is_int(agent_check_caps(&r, 0x000001ffffffffffULL), 1, "all capabilities: privileged");
	is_int(r.status, AGENT_CHECK_OK, "all capabilities: OK");
	is_int(agent_check_caps(&r, CAP(AGENT_CHECK_CAP_BPF) | CAP(AGENT_CHECK_CAP_NET_ADMIN) |
					CAP(AGENT_CHECK_CAP_PERFMON)),
	       1, "CAP_BPF + CAP_NET_ADMIN + CAP_PERFMON: privileged");
	ok(r.status == AGENT_CHECK_OK && strstr(r.msg, "by id only"),
	   "without CAP_SYS_ADMIN: OK, says foreign programs are named by id (%s)", r.msg);
	is_int(
	    agent_check_caps(&r, CAP(AGENT_CHECK_CAP_SYS_ADMIN) | CAP(AGENT_CHECK_CAP_NET_ADMIN)),
	    1, "CAP_SYS_ADMIN covers CAP_BPF and CAP_PERFMON (old kernels)");
	is_int(r.status, AGENT_CHECK_OK, "CAP_SYS_ADMIN + CAP_NET_ADMIN: OK");
	is_int(agent_check_caps(&r, CAP(AGENT_CHECK_CAP_BPF) | CAP(AGENT_CHECK_CAP_PERFMON)), 0,
	       "no CAP_NET_ADMIN: not privileged");
	ok(r.status == AGENT_CHECK_FAIL && strstr(r.msg, "CAP_NET_ADMIN no"),
	   "no CAP_NET_ADMIN: FAIL naming it (%s)", r.msg);
	is_int(agent_check_caps(&r, CAP(AGENT_CHECK_CAP_BPF) | CAP(AGENT_CHECK_CAP_NET_ADMIN)), 1,
	       "no CAP_PERFMON: bpf() still works");
	ok(r.status == AGENT_CHECK_FAIL && strstr(r.msg, "CAP_PERFMON no"),
	   "no CAP_PERFMON: FAIL naming it");
	is_int(agent_check_caps(&r, 0), 0, "no capabilities");
	ok(r.status == AGENT_CHECK_FAIL && strstr(r.msg, "run as root"), "no capabilities: hint");
}

static void test_unpriv(void)
{
	struct agent_check r;

	agent_check_unpriv(&r, "2\n", 1);
	ok(r.status == AGENT_CHECK_OK && strncmp(r.msg, "2 ", 2) == 0, "2, privileged: OK (%s)",
	   r.msg);
	agent_check_unpriv(&r, "1\n", 0);
	ok(r.status == AGENT_CHECK_FAIL && strstr(r.msg, "CAP_BPF"), "1, unprivileged: FAIL (%s)",
	   r.msg);
	agent_check_unpriv(&r, "0\n", 0);
	is_int(r.status, AGENT_CHECK_FAIL, "0, unprivileged: still FAIL (XDP needs capabilities)");
	agent_check_unpriv(&r, NULL, 1);
	is_int(r.status, AGENT_CHECK_OK, "unreadable, privileged: OK");
	agent_check_unpriv(&r, NULL, 0);
	is_int(r.status, AGENT_CHECK_FAIL, "unreadable, unprivileged: FAIL");
}

static void test_system(void)
{
	struct agent_check r, r2;
	struct agent_cfg cfg;
	struct obj o;
	int fd;

	agent_cfg_defaults(&cfg);
	strcpy(cfg.pin_path, "/proc");
	agent_check_bpffs(&r, &cfg);
	ok(r.status == AGENT_CHECK_FAIL && strstr(r.msg, "not a bpf filesystem") &&
	       strstr(r.msg, "mount -t bpf bpf /sys/fs/bpf"),
	   "/proc as pin path: FAIL with the mount hint (%s)", r.msg);
	strcpy(cfg.pin_path, "/proc/hg_nonexistent");
	agent_check_bpffs(&r, &cfg);
	is_int(r.status, AGENT_CHECK_FAIL, "missing pin dir under a non-bpffs parent: FAIL");

	cfg.ifname[0] = 0;
	agent_check_iface(&r, &r2, &cfg, -1);
	ok(r.status == AGENT_CHECK_SKIP && r2.status == AGENT_CHECK_SKIP,
	   "no interface configured: both SKIP");
	strcpy(cfg.ifname, "hgnosuch0");
	agent_check_iface(&r, &r2, &cfg, -1);
	ok(r.status == AGENT_CHECK_FAIL && strstr(r.msg, "HUGINN_EBPF_INTERFACE='hgnosuch0'") &&
	       r2.status == AGENT_CHECK_SKIP,
	   "missing interface: FAIL naming the variable (%s)", r.msg);

	if (geteuid() != 0) {
		skip("map creation and program load: need root (CAP_BPF)");
		skip("program load");
		return;
	}
	agent_check_map(&r);
	is_int(r.status, AGENT_CHECK_OK, "map creation as root");
	memset(&o, 0, sizeof(o));
	fd = agent_check_prog(&r, &o, huginn_bpf_obj, (size_t)(huginn_bpf_obj_end - huginn_bpf_obj),
			      OBJ_PROG_XDP);
	ok(fd >= 0 && r.status == AGENT_CHECK_OK, "the embedded program passes the verifier (%s)",
	   r.msg);
	if (fd >= 0)
		close(fd);
	obj_close(&o);
	memset(&o, 0, sizeof(o));
	fd = agent_check_prog(&r, &o, huginn_bpf_obj, 100, OBJ_PROG_XDP);
	ok(fd < 0 && r.status == AGENT_CHECK_FAIL && strstr(r.msg, "broken at byte"),
	   "a truncated object: FAIL (%s)", r.msg);
	obj_close(&o);
}

/* A healthy agent: skb mode on ifindex 3, maps 10 and 11, link 5 running prog 7. */
static void good_facts(struct agent_check_health_facts *f, struct agent_cfg *cfg)
{
	agent_cfg_defaults(cfg);
	strcpy(cfg->ifname, "eth0");
	cfg->xdp_mode = AGENT_CFG_XDP_SKB;
	memset(f, 0, sizeof(*f));
	f->ifindex = 3;
	f->map[0].id = 10;
	f->map[0].type = BPF_MAP_TYPE_LRU_HASH;
	f->map[0].key_size = sizeof(struct huginn_syn_key_v4);
	f->map[0].value_size = sizeof(struct huginn_syn_rec);
	f->map[1] = f->map[0];
	f->map[1].id = 11;
	f->map[1].key_size = sizeof(struct huginn_syn_key_v6);
	f->link_id = 5;
	f->link_type = BPF_LINK_TYPE_XDP;
	f->link_ifindex = 3;
	f->link_prog_id = 7;
	f->xdp.ifindex = 3;
	f->xdp.xdp_attached = XDP_ATTACHED_SKB;
	f->xdp.skb_prog_id = 7;
	f->xdp.xdp_prog_id = 7;
}

#define JUDGE(mutate, want_status, want_substr, desc)                                              \
	do {                                                                                       \
		struct agent_check_health_facts f;                                                 \
		struct agent_cfg cfg;                                                              \
		struct agent_check r;                                                              \
		good_facts(&f, &cfg);                                                              \
		mutate;                                                                            \
		agent_check_health_judge(&r, &cfg, &f);                                            \
		ok(r.status == (want_status) && strstr(r.msg, want_substr), "%s: %s", desc,        \
		   r.msg);                                                                         \
	} while (0)

static void test_health_judge(void)
{
	JUDGE((void)0, AGENT_CHECK_OK,
	      "xdp_syn (prog id 7) attached to eth0 in skb mode; maps tcp_syn_map_v4 (id 10), "
	      "tcp_syn_map_v6 (id 11)",
	      "healthy: the one-line summary");
	JUDGE((f.xdp.xdp_attached = XDP_ATTACHED_DRV, f.xdp.skb_prog_id = 0, f.xdp.drv_prog_id = 7,
	       cfg.xdp_mode = AGENT_CFG_XDP_NATIVE),
	      AGENT_CHECK_OK, "attached to eth0 in native mode", "healthy in native mode");
	JUDGE((f.prog_seen = 1, strcpy(f.prog_name, "xdp_syn"), f.prog_nr_maps = 3,
	       f.prog_maps[0] = 12, f.prog_maps[1] = 11, f.prog_maps[2] = 10),
	      AGENT_CHECK_OK, "(prog id 7)", "program visible, uses both maps: healthy");
	JUDGE((f.prog_seen = 1, strcpy(f.prog_name, "xdp_syn"), f.prog_nr_maps = 2,
	       f.prog_maps[0] = 10, f.prog_maps[1] = 99),
	      AGENT_CHECK_FAIL,
	      "prog id 7 does not write /sys/fs/bpf/huginn/tcp_syn_map_v6 (map id 11): the pin "
	      "was replaced",
	      "program writes other maps than the pins");
	JUDGE((f.prog_seen = 1, f.prog_nr_maps = 0), AGENT_CHECK_FAIL, "is '', not xdp_syn",
	      "program visible without a name");
	JUDGE((f.prog_seen = 1, strcpy(f.prog_name, "xdp_dummy"), f.prog_nr_maps = 0),
	      AGENT_CHECK_FAIL, "prog id 7 behind link id 5 is 'xdp_dummy', not xdp_syn",
	      "program of another name behind our link");
	JUDGE(f.map[0].type = BPF_MAP_TYPE_HASH, AGENT_CHECK_FAIL,
	      "/sys/fs/bpf/huginn/tcp_syn_map_v4 (map id 10) is not this version's SYN map",
	      "v4 pin of another map type");
	JUDGE(f.map[1].value_size = 64, AGENT_CHECK_FAIL, "tcp_syn_map_v6 (map id 11) is not",
	      "v6 pin with another value size");
	JUDGE(f.map[1].key_size = 8, AGENT_CHECK_FAIL, "tcp_syn_map_v6", "v6 pin with the v4 key");
	JUDGE(f.link_type = BPF_LINK_TYPE_CGROUP, AGENT_CHECK_FAIL,
	      "/sys/fs/bpf/huginn/link_eth0 (link id 5) is not an XDP link", "a cgroup link pin");
	JUDGE((memset(&f.xdp, 0, sizeof(f.xdp)), f.link_ifindex = 0), AGENT_CHECK_FAIL,
	      "no XDP program is attached to eth0; link id 5 at /sys/fs/bpf/huginn/link_eth0 is "
	      "detached",
	      "link detached, nothing attached");
	JUDGE(memset(&f.xdp, 0, sizeof(f.xdp)), AGENT_CHECK_FAIL, "link id 5 at",
	      "nothing attached");
	JUDGE((f.xdp.skb_prog_id = 9, f.xdp.xdp_prog_id = 9, strcpy(f.foreign, "id 9 'xdp_fw'")),
	      AGENT_CHECK_FAIL,
	      "eth0 runs XDP program id 9 'xdp_fw' in skb mode, not prog id 7 of link id 5 at "
	      "/sys/fs/bpf/huginn/link_eth0",
	      "another program replaced ours");
	JUDGE((f.xdp.skb_prog_id = 9, f.xdp.xdp_prog_id = 9), AGENT_CHECK_FAIL,
	      "runs XDP program id 9 in skb", "another program, not described");
	JUDGE(f.link_ifindex = 4, AGENT_CHECK_FAIL, "is on another interface, yet eth0 (ifindex 3)",
	      "link on another interface");
	JUDGE(f.link_ifindex = 0, AGENT_CHECK_FAIL, "is detached, yet eth0",
	      "link detached, prog there");
	JUDGE(cfg.xdp_mode = AGENT_CFG_XDP_NATIVE, AGENT_CHECK_FAIL,
	      "prog id 7 runs in skb mode on eth0, but HUGINN_EBPF_XDP_MODE is native",
	      "mode other than configured");

	/* tc mode: a tcx link (type 11, the kernel's BPF_LINK_TYPE_TCX) at tc ingress. */
#define TC_GOOD                                                                                    \
	cfg.xdp_mode = AGENT_CFG_XDP_TC, f.link_type = 11, memset(&f.xdp, 0, sizeof(f.xdp)),       \
	f.tcx_attached = 1
	JUDGE((TC_GOOD), AGENT_CHECK_OK,
	      "tc_syn (prog id 7) attached to eth0 in tc mode; maps tcp_syn_map_v4 (id 10)",
	      "tc: healthy");
	JUDGE((TC_GOOD, f.prog_seen = 1, strcpy(f.prog_name, "tc_syn"), f.prog_nr_maps = 2,
	       f.prog_maps[0] = 11, f.prog_maps[1] = 10),
	      AGENT_CHECK_OK, "tc_syn (prog id 7)", "tc: program visible, both maps: healthy");
	JUDGE((TC_GOOD, f.prog_seen = 1, strcpy(f.prog_name, "xdp_syn"), f.prog_nr_maps = 0),
	      AGENT_CHECK_FAIL, "is 'xdp_syn', not tc_syn", "tc: the XDP program behind the link");
	JUDGE((TC_GOOD, f.link_type = BPF_LINK_TYPE_XDP), AGENT_CHECK_FAIL,
	      "link_eth0 (link id 5) is not a tcx link (type 6), but HUGINN_EBPF_XDP_MODE is tc",
	      "tc configured, an XDP link pinned");
	JUDGE((TC_GOOD, f.link_ifindex = 0), AGENT_CHECK_FAIL, "tcx link id 5 at",
	      "tc: detached link");
	JUDGE((TC_GOOD, f.link_ifindex = 4), AGENT_CHECK_FAIL, "is on another interface",
	      "tc: link on another interface");
	JUDGE((TC_GOOD, f.tcx_attached = 0), AGENT_CHECK_FAIL,
	      "is on another namespace's interface, not at tc ingress of eth0 (ifindex 3)",
	      "tc: same ifindex, not in our namespace's tcx list");
	JUDGE((TC_GOOD, cfg.xdp_mode = AGENT_CFG_XDP_SKB), AGENT_CHECK_FAIL,
	      "is not an XDP link (type 11)", "skb configured, a tcx link pinned");
#undef TC_GOOD
}

static void test_health_system(void)
{
	struct agent_check r;
	struct agent_cfg cfg;

	agent_cfg_defaults(&cfg);
	strcpy(cfg.ifname, "hgnosuch0");
	agent_check_health(&r, &cfg);
	ok(r.status == AGENT_CHECK_FAIL &&
	       strstr(r.msg, "HUGINN_EBPF_INTERFACE='hgnosuch0': no such"),
	   "--health, missing interface: FAIL naming it (%s)", r.msg);
	strcpy(cfg.ifname, "lo");
	strcpy(cfg.pin_path, "/proc/hg_nonexistent");
	agent_check_health(&r, &cfg);
	ok(r.status == AGENT_CHECK_FAIL &&
	       strstr(r.msg, "cannot open map /proc/hg_nonexistent/tcp_syn_map_v4 read-only"),
	   "--health, no pins: FAIL naming the v4 map (%s)", r.msg);
}

static void test_all(void)
{
	struct agent_check r[AGENT_CHECK_NITEMS];
	char *const envp[] = {"PATH=/bin", NULL};
	int failed;

	failed =
	    agent_check_all(r, envp, huginn_bpf_obj, (size_t)(huginn_bpf_obj_end - huginn_bpf_obj));
	ok(failed >= 1 && r[AGENT_CHECK_ENV].status == AGENT_CHECK_FAIL &&
	       strstr(r[AGENT_CHECK_ENV].msg, "HUGINN_EBPF_INTERFACE is not set"),
	   "--check without environment: the environment line FAILs (%s)", r[AGENT_CHECK_ENV].msg);
	ok(r[AGENT_CHECK_IFACE].status == AGENT_CHECK_SKIP &&
	       r[AGENT_CHECK_MODE].status == AGENT_CHECK_SKIP,
	   "--check without interface: interface and mode SKIP");
	is_int(r[AGENT_CHECK_KERNEL].status, AGENT_CHECK_OK, "--check: this kernel is new enough");
	is_str(agent_check_item_name(AGENT_CHECK_ENV), "environment", "first line name");
	is_str(agent_check_item_name(AGENT_CHECK_MODE), "XDP mode", "last line name");
	is_str(agent_check_item_name(AGENT_CHECK_NITEMS), "?", "out of range name");
}

int main(void)
{
	test_kernel();
	test_capeff();
	test_caps();
	test_unpriv();
	test_system();
	test_health_judge();
	test_health_system();
	test_all();
	return done_testing();
}
