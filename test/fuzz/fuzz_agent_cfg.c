/*
 * fuzz_agent_cfg.c - bytes as the values of the eight HUGINN_EBPF_* variables
 * (NUL-separated, in the order of agent/cfg.h; a missing one is unset).  On
 * success the result must hold what the agent relies on; on failure the
 * message must be one terminated line.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agent/cfg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const names[] = {
    AGENT_CFG_ENV_INTERFACE, AGENT_CFG_ENV_DST_IP_V4, AGENT_CFG_ENV_DST_IP_V6,
    AGENT_CFG_ENV_DST_PORT,  AGENT_CFG_ENV_PIN_PATH,  AGENT_CFG_ENV_MAX_ENTRIES,
    AGENT_CFG_ENV_XDP_MODE,  AGENT_CFG_ENV_LOG_LEVEL,
};

struct vals {
	const char *v[8];
};

static const char *lookup(const char *name, void *arg)
{
	const struct vals *vs = arg;
	size_t i;

	for (i = 0; i < 8; i++)
		if (strcmp(name, names[i]) == 0)
			return vs->v[i];
	return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1), *p, err[256];
	struct agent_cfg cfg;
	struct vals vs = {{0}};
	size_t i;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = 0;
	p = buf;
	for (i = 0; i < 8 && p <= buf + size; i++) {
		vs.v[i] = p;
		p += strlen(p) + 1;
	}
	if (agent_cfg_parse(&cfg, lookup, &vs, err, sizeof(err)) == 0) {
		size_t n = strlen(cfg.ifname);

		if (n == 0 || n >= AGENT_CFG_IFNAMSIZ || strchr(cfg.ifname, '/'))
			abort();
		if (cfg.pin_path[0] != '/' || strlen(cfg.pin_path) > AGENT_CFG_PIN_PATH_MAX ||
		    strstr(cfg.pin_path, "/../") || strstr(cfg.pin_path, "//"))
			abort();
		if (cfg.max_entries < 1 || cfg.max_entries > AGENT_CFG_MAX_ENTRIES_MAX)
			abort();
	} else if (memchr(err, 0, sizeof(err)) == NULL || strchr(err, '\n') || !err[0]) {
		abort();
	}
	free(buf);
	return 0;
}
