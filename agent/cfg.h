/*
 * cfg.h - the agent's configuration from HUGINN_EBPF_* variables.
 *
 * Pure: values come through a lookup function (or an envp array), so tests
 * never touch the process environment.  Only syntax and ranges are checked
 * here; whether the interface exists or the pin path is on bpffs is the
 * agent's job.  A value that is set but empty is an error, not the default.
 *
 *   HUGINN_EBPF_INTERFACE            required; a Linux interface name
 *   HUGINN_EBPF_DST_IP_V4            0.0.0.0 (any)
 *   HUGINN_EBPF_DST_IP_V6            :: (any)
 *   HUGINN_EBPF_DST_PORT             required; 0..65535, 0 = any
 *   HUGINN_EBPF_PIN_PATH             /sys/fs/bpf/huginn
 *   HUGINN_EBPF_PIN_GID              unset (pins stay root-only, 0600); a numeric group id
 *   HUGINN_EBPF_SYN_MAP_MAX_ENTRIES  8192, 1..AGENT_CFG_MAX_ENTRIES_MAX
 *   HUGINN_EBPF_XDP_MODE             native | skb | tc (default native)
 *
 * The mode keeps its old name although tc is not XDP: one variable says where
 * the capture runs, old configurations stay valid, and there is no second
 * variable whose precedence one would have to learn.
 *   HUGINN_EBPF_LOG_LEVEL            error | warn | info | debug (default info)
 */
#ifndef HUGINN_AGENT_CFG_H
#define HUGINN_AGENT_CFG_H

#include <stddef.h>
#include <stdint.h>

#include "sys/log.h"

#define AGENT_CFG_ENV_INTERFACE "HUGINN_EBPF_INTERFACE"
#define AGENT_CFG_ENV_DST_IP_V4 "HUGINN_EBPF_DST_IP_V4"
#define AGENT_CFG_ENV_DST_IP_V6 "HUGINN_EBPF_DST_IP_V6"
#define AGENT_CFG_ENV_DST_PORT "HUGINN_EBPF_DST_PORT"
#define AGENT_CFG_ENV_PIN_PATH "HUGINN_EBPF_PIN_PATH"
#define AGENT_CFG_ENV_PIN_GID "HUGINN_EBPF_PIN_GID"
#define AGENT_CFG_ENV_MAX_ENTRIES "HUGINN_EBPF_SYN_MAP_MAX_ENTRIES"
#define AGENT_CFG_ENV_XDP_MODE "HUGINN_EBPF_XDP_MODE"
#define AGENT_CFG_ENV_LOG_LEVEL "HUGINN_EBPF_LOG_LEVEL"

#define AGENT_CFG_PIN_PATH_DEFAULT "/sys/fs/bpf/huginn"
#define AGENT_CFG_MAX_ENTRIES_DEFAULT 8192
/*
 * 2^24 entries of ~200 bytes (key, 120-byte record, hash overhead) is ~3 GiB
 * per map: far past any SYN backlog worth keeping, and a typo guard.
 */
#define AGENT_CFG_MAX_ENTRIES_MAX (1u << 24)
/*
 * Leaves room under PATH_MAX-free buffers for "/link_<ifname>" and the
 * temporary names used while re-pinning.
 */
#define AGENT_CFG_PIN_PATH_MAX 200
#define AGENT_CFG_IFNAMSIZ 16
/* (gid_t)-1 means "no change" to chown(2): not a group one can hand pins to. */
#define AGENT_CFG_PIN_GID_MAX 4294967294u

enum agent_cfg_xdp_mode {
	AGENT_CFG_XDP_NATIVE = 0, /* XDP_FLAGS_DRV_MODE: in the driver, before the skb */
	AGENT_CFG_XDP_SKB,	  /* XDP_FLAGS_SKB_MODE: generic, works on every device */
	AGENT_CFG_XDP_TC,	  /* not XDP: tc ingress through a tcx link (kernel >= 6.6) */
};

struct agent_cfg {
	char ifname[AGENT_CFG_IFNAMSIZ];
	uint32_t dst_v4;    /* network order, as struct huginn_config wants; 0 = any */
	uint8_t dst_v6[16]; /* all zero = any */
	uint16_t dst_port;  /* host order; 0 = any */
	char pin_path[AGENT_CFG_PIN_PATH_MAX + 1]; /* absolute, no trailing '/' */
	/*
	 * -1: unset, pins keep the kernel's root-only 0600.  Else the group that
	 * gets the pin directory (0750) and the map pins (0640), never the link.
	 */
	int64_t pin_gid;
	uint32_t max_entries;
	enum agent_cfg_xdp_mode xdp_mode;
	enum log_level log_level; /* sys/log.h: the strict level names */
};

/* Returns the value of variable name, or NULL when unset. */
typedef const char *(*agent_cfg_lookup_fn)(const char *name, void *arg);

/* Fill cfg with the defaults (the required fields stay empty/0). */
void agent_cfg_defaults(struct agent_cfg *cfg);

/*
 * Parse every variable through lookup.  Returns 0, or -EINVAL with err
 * (errlen bytes, always NUL-terminated) holding one line that names the
 * variable, quotes the value and says what is expected.  The first bad
 * variable in the order of the table above is reported.
 */
int agent_cfg_parse(struct agent_cfg *cfg, agent_cfg_lookup_fn lookup, void *arg, char *err,
		    size_t errlen);

/* The same over a NULL-terminated "NAME=value" array (e.g. main's envp). */
int agent_cfg_parse_envp(struct agent_cfg *cfg, char *const *envp, char *err, size_t errlen);

/* "native" / "skb" / "tc" (level names: log_level_name). */
const char *agent_cfg_xdp_mode_name(enum agent_cfg_xdp_mode m);

/*
 * The directory holding the pin directory ("/sys/fs/bpf" for
 * "/sys/fs/bpf/huginn", "/" for "/x") into out[n]; -ENAMETOOLONG.
 */
int agent_cfg_pin_parent(const struct agent_cfg *cfg, char *out, size_t n);

/*
 * Single-variable parsers, shared with other tools; 0 or -EINVAL/-ERANGE.
 * agent_cfg_parse_u32 takes decimal digits only (no sign, no spaces).
 */
int agent_cfg_parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out);
int agent_cfg_parse_ifname(const char *s, char *out);

#endif /* HUGINN_AGENT_CFG_H */
