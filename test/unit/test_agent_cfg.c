/*
 * test_agent_cfg.c - HUGINN_EBPF_* parsing: defaults, every good form, and
 * every bad value giving a message that names the variable and the value.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "agent/cfg.h"
#include "test/harness.h"

/* A fake environment: the two required variables plus at most one override. */
struct fake_env {
	const char *name, *value; /* override (value NULL = unset this variable) */
	const char *name2, *value2;
};

static const char *fake_lookup(const char *name, void *arg)
{
	const struct fake_env *e = arg;

	if (e->name && strcmp(name, e->name) == 0)
		return e->value;
	if (e->name2 && strcmp(name, e->name2) == 0)
		return e->value2;
	if (strcmp(name, AGENT_CFG_ENV_INTERFACE) == 0)
		return "eth0";
	if (strcmp(name, AGENT_CFG_ENV_DST_PORT) == 0)
		return "8080";
	return NULL;
}

static int parse1(const char *name, const char *value, struct agent_cfg *cfg, char *err,
		  size_t errlen)
{
	struct fake_env e = {.name = name, .value = value};

	return agent_cfg_parse(cfg, fake_lookup, &e, err, errlen);
}

/* A bad value: -EINVAL, and the message names the variable and quotes the value. */
#define BAD(var, val, want_substr)                                                                 \
	do {                                                                                       \
		struct agent_cfg c_;                                                               \
		char e_[512];                                                                      \
		char q_[256];                                                                      \
		int r_ = parse1(var, val, &c_, e_, sizeof(e_));                                    \
		snprintf(q_, sizeof(q_), "%s='%s'", var, val);                                     \
		ok(r_ == -EINVAL && strstr(e_, q_) && strstr(e_, want_substr),                     \
		   "%s='%s' rejected: %s", var, val, e_);                                          \
	} while (0)

static void test_defaults(void)
{
	struct agent_cfg c;
	char err[256];
	static const uint8_t any6[16];

	is_int(parse1(NULL, NULL, &c, err, sizeof(err)), 0, "required variables only: accepted");
	is_str(err, "", "no message on success");
	is_str(c.ifname, "eth0", "interface");
	is_int(c.dst_port, 8080, "port");
	is_int(c.dst_v4, 0, "default IPv4 filter: any");
	ok(memcmp(c.dst_v6, any6, 16) == 0, "default IPv6 filter: any");
	is_str(c.pin_path, "/sys/fs/bpf/huginn", "default pin path");
	is_int(c.max_entries, 8192, "default map capacity");
	is_int(c.xdp_mode, AGENT_CFG_XDP_NATIVE, "default mode: native");
	is_int(c.log_level, LOG_LEVEL_INFO, "default log level: info");
	ok(c.pin_gid == -1, "default pin group: unset (-1), pins stay root-only");
	is_str(agent_cfg_xdp_mode_name(c.xdp_mode), "native", "mode name");
	is_str(log_level_name(c.log_level), "info", "level name");
}

static void test_good(void)
{
	struct agent_cfg c;
	char err[256];
	uint8_t want6[16];
	struct fake_env e = {0};

	is_int(parse1(AGENT_CFG_ENV_DST_IP_V4, "192.0.2.10", &c, err, sizeof(err)), 0, "v4");
	is_int(c.dst_v4, htonl(0xc000020a), "v4 stored in network order");
	is_int(parse1(AGENT_CFG_ENV_DST_IP_V4, "0.0.0.0", &c, err, sizeof(err)), 0, "v4 any");
	is_int(c.dst_v4, 0, "0.0.0.0 = any");
	is_int(parse1(AGENT_CFG_ENV_DST_IP_V6, "2001:db8::10", &c, err, sizeof(err)), 0, "v6");
	inet_pton(AF_INET6, "2001:db8::10", want6);
	ok(memcmp(c.dst_v6, want6, 16) == 0, "v6 bytes");
	is_int(parse1(AGENT_CFG_ENV_DST_IP_V6, "::ffff:192.0.2.1", &c, err, sizeof(err)), 0,
	       "v4-mapped v6");
	is_int(parse1(AGENT_CFG_ENV_DST_PORT, "0", &c, err, sizeof(err)), 0, "port 0");
	is_int(c.dst_port, 0, "port 0 = any");
	is_int(parse1(AGENT_CFG_ENV_DST_PORT, "65535", &c, err, sizeof(err)), 0, "port 65535");
	is_int(c.dst_port, 65535, "port 65535 kept");
	is_int(parse1(AGENT_CFG_ENV_DST_PORT, "00443", &c, err, sizeof(err)), 0,
	       "leading zeros are still decimal");
	is_int(c.dst_port, 443, "00443 = 443");
	is_int(parse1(AGENT_CFG_ENV_PIN_PATH, "/run/bpf/x/", &c, err, sizeof(err)), 0,
	       "pin path with trailing slash");
	is_str(c.pin_path, "/run/bpf/x", "trailing slash dropped");
	is_int(parse1(AGENT_CFG_ENV_PIN_PATH, "/sys/fs/bpf/huginn.v2_a-b", &c, err, sizeof(err)), 0,
	       "pin path with dots inside a name");
	is_int(parse1(AGENT_CFG_ENV_PIN_GID, "65532", &c, err, sizeof(err)), 0, "pin group 65532");
	ok(c.pin_gid == 65532, "pin group 65532 stored");
	is_int(parse1(AGENT_CFG_ENV_PIN_GID, "0", &c, err, sizeof(err)), 0, "pin group 0 (root)");
	ok(c.pin_gid == 0, "pin group 0 stored, distinct from unset");
	is_int(parse1(AGENT_CFG_ENV_PIN_GID, "4294967294", &c, err, sizeof(err)), 0,
	       "pin group at the bound");
	ok(c.pin_gid == 4294967294LL, "pin group 4294967294 stored without sign trouble");
	is_int(parse1(AGENT_CFG_ENV_PIN_GID, "000100", &c, err, sizeof(err)), 0,
	       "pin group with leading zeros is decimal");
	ok(c.pin_gid == 100, "000100 = 100");
	is_int(parse1(AGENT_CFG_ENV_MAX_ENTRIES, "1", &c, err, sizeof(err)), 0, "capacity 1");
	is_int(c.max_entries, 1, "capacity 1 kept");
	is_int(parse1(AGENT_CFG_ENV_MAX_ENTRIES, "16777216", &c, err, sizeof(err)), 0,
	       "capacity at the bound");
	is_int(parse1(AGENT_CFG_ENV_XDP_MODE, "skb", &c, err, sizeof(err)), 0, "mode skb");
	is_int(c.xdp_mode, AGENT_CFG_XDP_SKB, "skb stored");
	is_int(parse1(AGENT_CFG_ENV_XDP_MODE, "tc", &c, err, sizeof(err)), 0, "mode tc");
	is_int(c.xdp_mode, AGENT_CFG_XDP_TC, "tc stored");
	is_str(agent_cfg_xdp_mode_name(c.xdp_mode), "tc", "mode name tc");
	is_int(parse1(AGENT_CFG_ENV_XDP_MODE, "native", &c, err, sizeof(err)), 0, "mode native");
	is_int(parse1(AGENT_CFG_ENV_LOG_LEVEL, "debug", &c, err, sizeof(err)), 0, "level debug");
	is_int(c.log_level, LOG_LEVEL_DEBUG, "debug stored");
	is_int(parse1(AGENT_CFG_ENV_LOG_LEVEL, "error", &c, err, sizeof(err)), 0, "level error");
	is_int(c.log_level, LOG_LEVEL_ERROR, "error stored");
	is_int(parse1(AGENT_CFG_ENV_LOG_LEVEL, "warn", &c, err, sizeof(err)), 0, "level warn");
	is_int(parse1(AGENT_CFG_ENV_INTERFACE, "0123456789abcde", &c, err, sizeof(err)), 0,
	       "15-byte interface name");
	is_int(parse1(AGENT_CFG_ENV_INTERFACE, "eth0.100", &c, err, sizeof(err)), 0,
	       "VLAN interface name");

	e.name = AGENT_CFG_ENV_XDP_MODE;
	e.value = "skb";
	e.name2 = AGENT_CFG_ENV_DST_IP_V4;
	e.value2 = "10.1.2.3";
	is_int(agent_cfg_parse(&c, fake_lookup, &e, err, sizeof(err)), 0, "two overrides");
	ok(c.xdp_mode == AGENT_CFG_XDP_SKB && c.dst_v4 == htonl(0x0a010203), "both applied");
}

static void test_bad(void)
{
	struct agent_cfg c;
	char err[256], tiny[12];
	char longpath[AGENT_CFG_PIN_PATH_MAX + 8];

	/* Required variables. */
	ok(parse1(AGENT_CFG_ENV_INTERFACE, NULL, &c, err, sizeof(err)) == -EINVAL &&
	       strstr(err, "HUGINN_EBPF_INTERFACE is not set"),
	   "interface unset: %s", err);
	ok(parse1(AGENT_CFG_ENV_DST_PORT, NULL, &c, err, sizeof(err)) == -EINVAL &&
	       strstr(err, "HUGINN_EBPF_DST_PORT is not set"),
	   "port unset: %s", err);

	BAD(AGENT_CFG_ENV_INTERFACE, "", "interface name");
	BAD(AGENT_CFG_ENV_INTERFACE, "0123456789abcdef", "1-15 bytes");
	BAD(AGENT_CFG_ENV_INTERFACE, "eth/0", "'/'");
	BAD(AGENT_CFG_ENV_INTERFACE, "eth:0", "':'");
	BAD(AGENT_CFG_ENV_INTERFACE, "eth 0", "spaces");
	BAD(AGENT_CFG_ENV_INTERFACE, ".", "interface name");
	BAD(AGENT_CFG_ENV_INTERFACE, "..", "interface name");

	BAD(AGENT_CFG_ENV_DST_IP_V4, "", "IPv4 address");
	BAD(AGENT_CFG_ENV_DST_IP_V4, "1.2.3", "IPv4 address");
	BAD(AGENT_CFG_ENV_DST_IP_V4, "256.1.1.1", "IPv4 address");
	BAD(AGENT_CFG_ENV_DST_IP_V4, "1.2.3.4 ", "IPv4 address");
	BAD(AGENT_CFG_ENV_DST_IP_V4, "::1", "IPv4 address");
	BAD(AGENT_CFG_ENV_DST_IP_V4, "localhost", "IPv4 address");
	BAD(AGENT_CFG_ENV_DST_IP_V4, "10.0.0.1/24", "IPv4 address");

	BAD(AGENT_CFG_ENV_DST_IP_V6, "", "IPv6 address");
	BAD(AGENT_CFG_ENV_DST_IP_V6, "10.0.0.1", "IPv6 address");
	BAD(AGENT_CFG_ENV_DST_IP_V6, "2001:db8:::1", "IPv6 address");
	BAD(AGENT_CFG_ENV_DST_IP_V6, "fe80::1%eth0", "IPv6 address");
	BAD(AGENT_CFG_ENV_DST_IP_V6, "[::1]", "IPv6 address");

	BAD(AGENT_CFG_ENV_DST_PORT, "", "0..65535");
	BAD(AGENT_CFG_ENV_DST_PORT, "65536", "0..65535");
	BAD(AGENT_CFG_ENV_DST_PORT, "-1", "0..65535");
	BAD(AGENT_CFG_ENV_DST_PORT, "+80", "0..65535");
	BAD(AGENT_CFG_ENV_DST_PORT, "80 ", "0..65535");
	BAD(AGENT_CFG_ENV_DST_PORT, "0x50", "0..65535");
	BAD(AGENT_CFG_ENV_DST_PORT, "http", "0..65535");
	BAD(AGENT_CFG_ENV_DST_PORT, "99999999999999999999", "0..65535");

	BAD(AGENT_CFG_ENV_PIN_PATH, "", "absolute");
	BAD(AGENT_CFG_ENV_PIN_PATH, "/", "absolute");
	BAD(AGENT_CFG_ENV_PIN_PATH, "sys/fs/bpf", "absolute");
	BAD(AGENT_CFG_ENV_PIN_PATH, "/sys/fs/bpf/../etc", "'..'");
	BAD(AGENT_CFG_ENV_PIN_PATH, "/sys/fs/bpf/./x", "'.'");
	BAD(AGENT_CFG_ENV_PIN_PATH, "/sys/fs//bpf", "empty components");
	BAD(AGENT_CFG_ENV_PIN_PATH, "/sys/fs/bpf/a b", "spaces");
	ok(parse1(AGENT_CFG_ENV_PIN_PATH, "/sys/fs/bpf/a\nb", &c, err, sizeof(err)) == -EINVAL &&
	       strstr(err, "HUGINN_EBPF_PIN_PATH='/sys/fs/bpf/a?b'"),
	   "pin path with a newline rejected: %s", err);
	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[0] = '/';
	longpath[sizeof(longpath) - 1] = 0;
	ok(parse1(AGENT_CFG_ENV_PIN_PATH, longpath, &c, err, sizeof(err)) == -EINVAL &&
	       strstr(err, "HUGINN_EBPF_PIN_PATH='/aaa") && strstr(err, "...'"),
	   "overlong pin path rejected, value cut in the message: %s", err);

	BAD(AGENT_CFG_ENV_PIN_GID, "", "numeric group id 0..4294967294");
	BAD(AGENT_CFG_ENV_PIN_GID, "nogroup", "numeric group id");
	BAD(AGENT_CFG_ENV_PIN_GID, "-1", "numeric group id");
	BAD(AGENT_CFG_ENV_PIN_GID, "4294967295", "0..4294967294");
	BAD(AGENT_CFG_ENV_PIN_GID, "99999999999", "0..4294967294");
	BAD(AGENT_CFG_ENV_PIN_GID, "65532 ", "numeric group id");
	BAD(AGENT_CFG_ENV_PIN_GID, "0x10", "numeric group id");
	BAD(AGENT_CFG_ENV_PIN_GID, "65532:65532", "numeric group id");

	BAD(AGENT_CFG_ENV_MAX_ENTRIES, "", "1..16777216");
	BAD(AGENT_CFG_ENV_MAX_ENTRIES, "0", "1..16777216");
	BAD(AGENT_CFG_ENV_MAX_ENTRIES, "16777217", "1..16777216");
	BAD(AGENT_CFG_ENV_MAX_ENTRIES, "4294967296", "1..16777216");
	BAD(AGENT_CFG_ENV_MAX_ENTRIES, "-5", "1..16777216");
	BAD(AGENT_CFG_ENV_MAX_ENTRIES, "8k", "1..16777216");
	BAD(AGENT_CFG_ENV_MAX_ENTRIES, "1e4", "1..16777216");

	BAD(AGENT_CFG_ENV_XDP_MODE, "", "'native'");
	BAD(AGENT_CFG_ENV_XDP_MODE, "drv", "'skb'");
	BAD(AGENT_CFG_ENV_XDP_MODE, "SKB", "'skb'");
	BAD(AGENT_CFG_ENV_XDP_MODE, "generic", "'skb'");
	BAD(AGENT_CFG_ENV_XDP_MODE, "hw", "'skb'");
	BAD(AGENT_CFG_ENV_XDP_MODE, "TC", "'tc'");
	BAD(AGENT_CFG_ENV_XDP_MODE, "tcx", "'tc'");
	BAD(AGENT_CFG_ENV_XDP_MODE, "tc ", "'tc'");

	BAD(AGENT_CFG_ENV_LOG_LEVEL, "", "debug");
	BAD(AGENT_CFG_ENV_LOG_LEVEL, "verbose", "debug");
	BAD(AGENT_CFG_ENV_LOG_LEVEL, "INFO", "debug");
	BAD(AGENT_CFG_ENV_LOG_LEVEL, "warning", "debug");

	/* Control bytes in a value never reach the message raw. */
	parse1(AGENT_CFG_ENV_XDP_MODE, "a\033[2Jb", &c, err, sizeof(err));
	ok(strstr(err, "'a?[2Jb'") != NULL, "escape byte shown as '?': %s", err);
	/* A small message buffer is still terminated. */
	is_int(parse1(AGENT_CFG_ENV_XDP_MODE, "x", &c, tiny, sizeof(tiny)), -EINVAL,
	       "tiny message buffer: -EINVAL");
	is_int(strlen(tiny), sizeof(tiny) - 1, "tiny message buffer: cut and terminated");
	is_int(parse1(AGENT_CFG_ENV_XDP_MODE, "x", &c, NULL, 0), -EINVAL, "no message buffer");
}

static void test_envp(void)
{
	struct agent_cfg c;
	char err[256];
	char *const envp[] = {
	    "PATH=/bin",
	    "HUGINN_EBPF_INTERFACEX=nope",
	    "HUGINN_EBPF_INTERFACE=veth1",
	    "HUGINN_EBPF_DST_PORT=443",
	    "HUGINN_EBPF_DST_PORT=80",
	    "HUGINN_EBPF_XDP_MODE=skb",
	    "HUGINN_EBPF_PIN_GID=65532",
	    NULL,
	};
	char *const bad[] = {"HUGINN_EBPF_INTERFACE=lo", "HUGINN_EBPF_DST_PORT", NULL};

	is_int(agent_cfg_parse_envp(&c, envp, err, sizeof(err)), 0, "envp parse");
	is_str(c.ifname, "veth1", "envp: a longer name with the same prefix is not matched");
	is_int(c.dst_port, 443, "envp: the first definition wins, as getenv()");
	is_int(c.xdp_mode, AGENT_CFG_XDP_SKB, "envp: mode");
	ok(c.pin_gid == 65532, "envp: pin group");
	ok(agent_cfg_parse_envp(&c, bad, err, sizeof(err)) == -EINVAL &&
	       strstr(err, "HUGINN_EBPF_DST_PORT is not set"),
	   "envp: an entry without '=' is no definition: %s", err);
	ok(agent_cfg_parse_envp(&c, NULL, err, sizeof(err)) == -EINVAL, "envp NULL");
}

static void test_u32(void)
{
	uint32_t v = 7;

	is_int(agent_cfg_parse_u32("4294967295", 0, UINT32_MAX, &v), 0, "u32 max");
	is_int(v, 4294967295u, "u32 max value");
	is_int(agent_cfg_parse_u32("4294967296", 0, UINT32_MAX, &v), -ERANGE, "u32 overflow");
	is_int(agent_cfg_parse_u32("", 0, 10, &v), -EINVAL, "empty");
	is_int(agent_cfg_parse_u32("11", 0, 10, &v), -ERANGE, "above max");
	is_int(agent_cfg_parse_u32("1", 2, 10, &v), -ERANGE, "below min");
}

static void test_pin_parent(void)
{
	struct agent_cfg c;
	char buf[64], tiny[4];

	agent_cfg_defaults(&c);
	is_int(agent_cfg_pin_parent(&c, buf, sizeof(buf)), 0, "parent of the default pin path");
	is_str(buf, "/sys/fs/bpf", "parent is /sys/fs/bpf");
	strcpy(c.pin_path, "/x");
	is_int(agent_cfg_pin_parent(&c, buf, sizeof(buf)), 0, "parent of /x");
	is_str(buf, "/", "parent of /x is /");
	strcpy(c.pin_path, "/sys/fs/bpf/huginn");
	is_int(agent_cfg_pin_parent(&c, tiny, sizeof(tiny)), -ENAMETOOLONG, "small buffer");
}

int main(void)
{
	test_defaults();
	test_good();
	test_bad();
	test_envp();
	test_u32();
	test_pin_parent();
	return done_testing();
}
