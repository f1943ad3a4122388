/*
 * config_keys.h - the schema of config.toml: its sections and keys, each key with its
 * section, its TOML type and, for integers, the accepted range and the struct
 * proxy_config field it sets.  Read by config.c (the parse) and nothing else;
 * docs/config.md documents the same keys.  Keys whose value needs more than a range
 * check (addresses, header rules, lists) carry no field: config.c sets them by id.
 */
#ifndef HUGINN_PROXY_CONFIG_KEYS_H
#define HUGINN_PROXY_CONFIG_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proxy/toml.h"

enum proxy_config_sect {
	PCFG_S_NONE,
	PCFG_S_SERVER,
	PCFG_S_LISTEN,
	PCFG_S_TIMEOUTS,
	PCFG_S_LIMITS,
	PCFG_S_FINGERPRINT,
	PCFG_S_HEADERS,
	PCFG_S_BACKENDS,
	PCFG_S_ROUTES,
	PCFG_S_TELEMETRY,
	PCFG_S_PASSTHROUGH, /* config_pt.c */
};

enum proxy_config_key {
	PCFG_K_WORKERS,
	PCFG_K_MAX_CONNECTIONS,
	PCFG_K_ADDRS,
	PCFG_K_PROXY_PROTOCOL,
	PCFG_K_TRUSTED,
	PCFG_K_CONNECT,
	PCFG_K_CLIENT_HEADER,
	PCFG_K_IDLE,
	PCFG_K_UPSTREAM_RESPONSE,
	PCFG_K_SHUTDOWN_DRAIN,
	PCFG_K_MAX_HEADER_BYTES,
	PCFG_K_MAX_HEADERS,
	PCFG_K_MAX_URI_LENGTH,
	PCFG_K_MAX_BODY_BYTES,
	PCFG_K_BUFFER_MEMORY_MAX,
	PCFG_K_TCP_ENABLED,
	PCFG_K_P0F_DB,
	PCFG_K_PIN_PATH,
	PCFG_K_MAX_AGE_MS,
	PCFG_K_MAP_WAIT_MS,
	PCFG_K_REQUEST_ADD,
	PCFG_K_REQUEST_REMOVE,
	PCFG_K_RESPONSE_ADD,
	PCFG_K_RESPONSE_REMOVE,
	PCFG_K_DROP_UNDERSCORE,
	PCFG_K_ADDRESS,
	PCFG_K_PREFIX,
	PCFG_K_BACKEND,
	PCFG_K_BACKENDS,
	PCFG_K_FORCE_NEW,
	PCFG_K_REPLACE_PATH,
	PCFG_K_METRICS_ADDR,
	PCFG_K_ACCESS_LOG,
};

struct proxy_config_keydef {
	enum proxy_config_sect sect;
	const char *name;
	enum proxy_config_key id;
	enum toml_type type;
	int64_t min, max;
	size_t off, size; /* the field an integer sets (4 or 8 bytes), else 0, 0 */
};

/* The section called name[0..len), PCFG_S_NONE if there is none; *aot says whether it is
 * an array of tables ([[name]]) rather than a table ([name]). */
enum proxy_config_sect proxy_config_keys_section(const char *name, size_t len, bool *aot);

/* The name of section s ("" for PCFG_S_NONE), for messages. */
const char *proxy_config_keys_section_name(enum proxy_config_sect s);

/* Key name[0..len) of section s, or NULL when the section has no such key. */
const struct proxy_config_keydef *proxy_config_keys_find(enum proxy_config_sect s, const char *name,
							 size_t len);

#endif /* HUGINN_PROXY_CONFIG_KEYS_H */
