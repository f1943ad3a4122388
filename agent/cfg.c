/*
 * cfg.c - parse and validate the agent's HUGINN_EBPF_* variables.
 *
 * Strict on purpose: an agent that silently falls back to a default when the
 * operator mistyped a value captures the wrong traffic.  Messages quote the
 * value (cut at 64 bytes, control bytes shown as '?').
 */
#include "agent/cfg.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* How much of a bad value a message repeats. */
#define SHOW_MAX 64

void agent_cfg_defaults(struct agent_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	memcpy(cfg->pin_path, AGENT_CFG_PIN_PATH_DEFAULT, sizeof(AGENT_CFG_PIN_PATH_DEFAULT));
	cfg->pin_gid = -1;
	cfg->max_entries = AGENT_CFG_MAX_ENTRIES_DEFAULT;
	cfg->xdp_mode = AGENT_CFG_XDP_NATIVE;
	cfg->log_level = LOG_LEVEL_INFO;
}

static const char *const xdp_modes[] = {
    [AGENT_CFG_XDP_NATIVE] = "native",
    [AGENT_CFG_XDP_SKB] = "skb",
    [AGENT_CFG_XDP_TC] = "tc",
};

const char *agent_cfg_xdp_mode_name(enum agent_cfg_xdp_mode m)
{
	return (unsigned)m < sizeof(xdp_modes) / sizeof(xdp_modes[0]) ? xdp_modes[m] : "?";
}

/* Index of s in a table of names, or -1. */
static int table_find(const char *const *tab, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(tab[i], s) == 0)
			return (int)i;
	return -1;
}

int agent_cfg_parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (!s[0])
		return -EINVAL;
	for (i = 0; s[i]; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (uint64_t)(s[i] - '0');
		if (v > UINT32_MAX)
			return -ERANGE;
	}
	if (v < min || v > max)
		return -ERANGE;
	*out = (uint32_t)v;
	return 0;
}

/* The kernel's rules for a device name (dev_valid_name), so a typo fails here. */
int agent_cfg_parse_ifname(const char *s, char *out)
{
	size_t n = strlen(s), i;

	if (n == 0 || n >= AGENT_CFG_IFNAMSIZ)
		return -EINVAL;
	if (strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '/' || c == ':' || c <= ' ' || c >= 0x7f)
			return -EINVAL;
	}
	memcpy(out, s, n + 1);
	return 0;
}

/* Absolute, printable, no "." / ".." / empty components; trailing '/' dropped. */
static int parse_pin_path(const char *s, char *out)
{
	size_t n = strlen(s), i, comp = 0;

	while (n > 1 && s[n - 1] == '/')
		n--;
	if (n < 2 || s[0] != '/' || n > AGENT_CFG_PIN_PATH_MAX)
		return -EINVAL;
	for (i = 1; i <= n; i++) {
		unsigned char c = i < n ? (unsigned char)s[i] : '/';

		if (c < 0x21 || c >= 0x7f)
			return -EINVAL;
		if (c != '/')
			continue;
		/* s[comp+1 .. i) is one component. */
		if (i - comp == 1)
			return -EINVAL;
		if ((i - comp == 2 && s[comp + 1] == '.') ||
		    (i - comp == 3 && s[comp + 1] == '.' && s[comp + 2] == '.'))
			return -EINVAL;
		comp = i;
	}
	memcpy(out, s, n);
	out[n] = 0;
	return 0;
}

__attribute__((format(printf, 5, 6))) static int fail(char *err, size_t errlen, const char *var,
						      const char *val, const char *fmt, ...)
{
	char shown[SHOW_MAX + 4];
	size_t i, n = strlen(val);
	int w;
	va_list ap;

	for (i = 0; i < n && i < SHOW_MAX; i++)
		shown[i] = (val[i] >= 0x20 && val[i] < 0x7f) ? val[i] : '?';
	if (n > SHOW_MAX) {
		memcpy(shown + i, "...", 3);
		i += 3;
	}
	shown[i] = 0;
	if (!err || !errlen)
		return -EINVAL;
	w = snprintf(err, errlen, "%s='%s': ", var, shown);
	if (w >= 0 && (size_t)w < errlen) {
		va_start(ap, fmt);
		vsnprintf(err + w, errlen - (size_t)w, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static int missing(char *err, size_t errlen, const char *var, const char *what)
{
	if (err && errlen)
		snprintf(err, errlen, "%s is not set: expected %s", var, what);
	return -EINVAL;
}

int agent_cfg_parse(struct agent_cfg *cfg, agent_cfg_lookup_fn lookup, void *arg, char *err,
		    size_t errlen)
{
	const char *v;
	uint32_t u;
	int i, rc;

	if (err && errlen)
		err[0] = 0;
	agent_cfg_defaults(cfg);

	v = lookup(AGENT_CFG_ENV_INTERFACE, arg);
	if (!v)
		return missing(err, errlen, AGENT_CFG_ENV_INTERFACE,
			       "the interface to capture SYNs on, e.g. eth0");
	if (agent_cfg_parse_ifname(v, cfg->ifname))
		return fail(err, errlen, AGENT_CFG_ENV_INTERFACE, v,
			    "expected an interface name of 1-15 bytes without '/', ':' or "
			    "spaces");

	v = lookup(AGENT_CFG_ENV_DST_IP_V4, arg);
	if (v && inet_pton(AF_INET, v, &cfg->dst_v4) != 1)
		return fail(err, errlen, AGENT_CFG_ENV_DST_IP_V4, v,
			    "expected a dotted IPv4 address such as 192.0.2.10 (0.0.0.0 = any)");

	v = lookup(AGENT_CFG_ENV_DST_IP_V6, arg);
	if (v && inet_pton(AF_INET6, v, cfg->dst_v6) != 1)
		return fail(err, errlen, AGENT_CFG_ENV_DST_IP_V6, v,
			    "expected an IPv6 address such as 2001:db8::10 (:: = any)");

	v = lookup(AGENT_CFG_ENV_DST_PORT, arg);
	if (!v)
		return missing(err, errlen, AGENT_CFG_ENV_DST_PORT,
			       "the TCP port the proxy listens on, 0..65535 (0 = any)");
	rc = agent_cfg_parse_u32(v, 0, 65535, &u);
	if (rc)
		return fail(err, errlen, AGENT_CFG_ENV_DST_PORT, v,
			    "expected a decimal TCP port 0..65535 (0 = any)");
	cfg->dst_port = (uint16_t)u;

	v = lookup(AGENT_CFG_ENV_PIN_PATH, arg);
	if (v && parse_pin_path(v, cfg->pin_path))
		return fail(err, errlen, AGENT_CFG_ENV_PIN_PATH, v,
			    "expected an absolute directory path on bpffs of at most %d bytes, "
			    "without '.', '..', empty components or spaces (default %s)",
			    AGENT_CFG_PIN_PATH_MAX, AGENT_CFG_PIN_PATH_DEFAULT);

	/* Numeric only: a scratch image has no /etc/group to look a name up in. */
	v = lookup(AGENT_CFG_ENV_PIN_GID, arg);
	if (v) {
		if (agent_cfg_parse_u32(v, 0, AGENT_CFG_PIN_GID_MAX, &u))
			return fail(err, errlen, AGENT_CFG_ENV_PIN_GID, v,
				    "expected a numeric group id 0..%u, e.g. the proxy's 65532 "
				    "(unset = pins readable by root only)",
				    AGENT_CFG_PIN_GID_MAX);
		cfg->pin_gid = u;
	}

	v = lookup(AGENT_CFG_ENV_MAX_ENTRIES, arg);
	if (v) {
		rc = agent_cfg_parse_u32(v, 1, AGENT_CFG_MAX_ENTRIES_MAX, &u);
		if (rc)
			return fail(err, errlen, AGENT_CFG_ENV_MAX_ENTRIES, v,
				    "expected a decimal entry count 1..%u (default %d)",
				    AGENT_CFG_MAX_ENTRIES_MAX, AGENT_CFG_MAX_ENTRIES_DEFAULT);
		cfg->max_entries = u;
	}

	v = lookup(AGENT_CFG_ENV_XDP_MODE, arg);
	if (v) {
		i = table_find(xdp_modes, sizeof(xdp_modes) / sizeof(xdp_modes[0]), v);
		if (i < 0)
			return fail(err, errlen, AGENT_CFG_ENV_XDP_MODE, v,
				    "expected 'native' (XDP in the driver, the default), 'skb' "
				    "(generic XDP, any device) or 'tc' (tc ingress via tcx, "
				    "kernel >= 6.6)");
		cfg->xdp_mode = (enum agent_cfg_xdp_mode)i;
	}

	v = lookup(AGENT_CFG_ENV_LOG_LEVEL, arg);
	if (v) {
		/* The one strict parse both programs share (sys/log.h). */
		if (log_level_parse(v, &cfg->log_level))
			return fail(err, errlen, AGENT_CFG_ENV_LOG_LEVEL, v, LOG_LEVEL_EXPECTED);
	}
	return 0;
}

int agent_cfg_pin_parent(const struct agent_cfg *cfg, char *out, size_t n)
{
	const char *slash = strrchr(cfg->pin_path, '/');
	size_t len;

	if (!slash)
		return -EINVAL;
	/* The root keeps its slash. */
	len = slash == cfg->pin_path ? 1 : (size_t)(slash - cfg->pin_path);
	if (len >= n)
		return -ENAMETOOLONG;
	memcpy(out, cfg->pin_path, len);
	out[len] = 0;
	return 0;
}

static const char *envp_lookup(const char *name, void *arg)
{
	char *const *envp = arg;
	size_t n = strlen(name);

	/* The first definition wins, as with getenv(). */
	for (; envp && *envp; envp++)
		if (strncmp(*envp, name, n) == 0 && (*envp)[n] == '=')
			return *envp + n + 1;
	return NULL;
}

int agent_cfg_parse_envp(struct agent_cfg *cfg, char *const *envp, char *err, size_t errlen)
{
	/* The lookup takes void *; envp is only read. */
	return agent_cfg_parse(cfg, envp_lookup, (void *)(uintptr_t)envp, err, errlen);
}
