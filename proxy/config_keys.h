/*
 * config_keys.h - the schema of config.toml: its sections and keys, each key with its
 * section, its TOML type and, for integers, the accepted range and the struct
 * proxy_config field it sets, and their look-ups.  Included by config.c (the parse)
 * and nothing else: a header of data, not a module, so that the schema reads as one
 * table beside config.h while config.c keeps the logic.  docs/config.md documents the
 * same keys.  Keys whose value needs more than a range check (addresses, header rules,
 * lists) carry no field: config.c sets them by id.
 */
#ifndef HUGINN_PROXY_CONFIG_KEYS_H
#define HUGINN_PROXY_CONFIG_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "proxy/config.h"
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

static const struct {
	const char *name;
	enum proxy_config_sect sect;
	bool aot; /* [[name]] rather than [name] */
} sections[] = {
    {"server", PCFG_S_SERVER, false},		{"listen", PCFG_S_LISTEN, false},
    {"timeouts", PCFG_S_TIMEOUTS, false},	{"limits", PCFG_S_LIMITS, false},
    {"fingerprint", PCFG_S_FINGERPRINT, false}, {"headers", PCFG_S_HEADERS, false},
    {"backends", PCFG_S_BACKENDS, true},	{"routes", PCFG_S_ROUTES, true},
    {"telemetry", PCFG_S_TELEMETRY, false},	{"passthrough", PCFG_S_PASSTHROUGH, true},
};

#define FIELD(f) offsetof(struct proxy_config, f), sizeof(((struct proxy_config *)0)->f)
_Static_assert(sizeof(unsigned int) == sizeof(uint32_t), "integer fields are 32 or 64 bits");

/* Every key: its section, its TOML type (arrays hold strings), and for integers the
 * accepted range and the field it sets (a uint32_t / unsigned int or a uint64_t). */
static const struct proxy_config_keydef keys[] = {
    {PCFG_S_SERVER, "workers", PCFG_K_WORKERS, TOML_INTEGER, 1, PROXY_CONFIG_MAX_WORKERS,
     FIELD(workers)},
    {PCFG_S_SERVER, "max_connections", PCFG_K_MAX_CONNECTIONS, TOML_INTEGER, 1,
     PROXY_CONFIG_MAX_CONNECTIONS, FIELD(max_connections)},
    {PCFG_S_LISTEN, "addrs", PCFG_K_ADDRS, TOML_ARRAY, 0, 0, 0, 0},
    {PCFG_S_LISTEN, "proxy_protocol", PCFG_K_PROXY_PROTOCOL, TOML_STRING, 0, 0, 0, 0},
    {PCFG_S_LISTEN, "trusted_proxies", PCFG_K_TRUSTED, TOML_ARRAY, 0, 0, 0, 0},
    {PCFG_S_TIMEOUTS, "connect", PCFG_K_CONNECT, TOML_INTEGER, 1, PROXY_CONFIG_MAX_TIMEOUT_MS,
     FIELD(connect_timeout_ms)},
    {PCFG_S_TIMEOUTS, "client_header", PCFG_K_CLIENT_HEADER, TOML_INTEGER, 1,
     PROXY_CONFIG_MAX_TIMEOUT_MS, FIELD(client_header_timeout_ms)},
    {PCFG_S_TIMEOUTS, "idle", PCFG_K_IDLE, TOML_INTEGER, 1, PROXY_CONFIG_MAX_TIMEOUT_MS,
     FIELD(idle_timeout_ms)},
    {PCFG_S_TIMEOUTS, "upstream_response", PCFG_K_UPSTREAM_RESPONSE, TOML_INTEGER, 1,
     PROXY_CONFIG_MAX_TIMEOUT_MS, FIELD(upstream_response_timeout_ms)},
    {PCFG_S_TIMEOUTS, "shutdown_drain", PCFG_K_SHUTDOWN_DRAIN, TOML_INTEGER, 0,
     PROXY_CONFIG_MAX_TIMEOUT_MS, FIELD(shutdown_drain_ms)},
    {PCFG_S_LIMITS, "max_header_bytes", PCFG_K_MAX_HEADER_BYTES, TOML_INTEGER,
     PROXY_CONFIG_MIN_HEADER_BYTES, PROXY_CONFIG_MAX_HEADER_BYTES, FIELD(max_header_bytes)},
    {PCFG_S_LIMITS, "max_headers", PCFG_K_MAX_HEADERS, TOML_INTEGER, 1,
     PROXY_CONFIG_MAX_HEADER_COUNT, FIELD(max_headers)},
    {PCFG_S_LIMITS, "max_uri_length", PCFG_K_MAX_URI_LENGTH, TOML_INTEGER, 1,
     PROXY_CONFIG_MAX_HEADER_BYTES, FIELD(max_uri_length)},
    {PCFG_S_LIMITS, "max_body_bytes", PCFG_K_MAX_BODY_BYTES, TOML_INTEGER, 0, INT64_MAX,
     FIELD(max_body_bytes)},
    {PCFG_S_LIMITS, "buffer_memory_max", PCFG_K_BUFFER_MEMORY_MAX, TOML_INTEGER, 65536,
     1099511627776LL, FIELD(buffer_memory_max)},
    {PCFG_S_FINGERPRINT, "tcp_enabled", PCFG_K_TCP_ENABLED, TOML_BOOLEAN, 0, 0, 0, 0},
    {PCFG_S_FINGERPRINT, "p0f_db", PCFG_K_P0F_DB, TOML_STRING, 0, 0, 0, 0},
    {PCFG_S_FINGERPRINT, "pin_path", PCFG_K_PIN_PATH, TOML_STRING, 0, 0, 0, 0},
    {PCFG_S_FINGERPRINT, "max_age_ms", PCFG_K_MAX_AGE_MS, TOML_INTEGER, 1,
     PROXY_CONFIG_MAX_TIMEOUT_MS, FIELD(max_age_ms)},
    {PCFG_S_FINGERPRINT, "map_wait_ms", PCFG_K_MAP_WAIT_MS, TOML_INTEGER, 0,
     PROXY_CONFIG_MAX_TIMEOUT_MS, FIELD(map_wait_ms)},
    {PCFG_S_HEADERS, "request_add", PCFG_K_REQUEST_ADD, TOML_ARRAY, 0, 0, 0, 0},
    {PCFG_S_HEADERS, "request_remove", PCFG_K_REQUEST_REMOVE, TOML_ARRAY, 0, 0, 0, 0},
    {PCFG_S_HEADERS, "response_add", PCFG_K_RESPONSE_ADD, TOML_ARRAY, 0, 0, 0, 0},
    {PCFG_S_HEADERS, "response_remove", PCFG_K_RESPONSE_REMOVE, TOML_ARRAY, 0, 0, 0, 0},
    {PCFG_S_HEADERS, "drop_underscore_fields", PCFG_K_DROP_UNDERSCORE, TOML_BOOLEAN, 0, 0, 0, 0},
    {PCFG_S_BACKENDS, "address", PCFG_K_ADDRESS, TOML_STRING, 0, 0, 0, 0},
    {PCFG_S_ROUTES, "prefix", PCFG_K_PREFIX, TOML_STRING, 0, 0, 0, 0},
    {PCFG_S_ROUTES, "backend", PCFG_K_BACKEND, TOML_STRING, 0, 0, 0, 0},
    {PCFG_S_ROUTES, "backends", PCFG_K_BACKENDS, TOML_ARRAY, 0, 0, 0, 0},
    {PCFG_S_ROUTES, "force_new_connection", PCFG_K_FORCE_NEW, TOML_BOOLEAN, 0, 0, 0, 0},
    {PCFG_S_ROUTES, "replace_path", PCFG_K_REPLACE_PATH, TOML_STRING, 0, 0, 0, 0},
    {PCFG_S_TELEMETRY, "metrics_addr", PCFG_K_METRICS_ADDR, TOML_STRING, 0, 0, 0, 0},
    {PCFG_S_TELEMETRY, "access_log", PCFG_K_ACCESS_LOG, TOML_BOOLEAN, 0, 0, 0, 0},
};

static enum proxy_config_sect proxy_config_keys_section(const char *name, size_t len, bool *aot)
{
	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++) {
		if (strlen(sections[i].name) == len && memcmp(sections[i].name, name, len) == 0) {
			*aot = sections[i].aot;
			return sections[i].sect;
		}
	}
	return PCFG_S_NONE;
}

static const char *proxy_config_keys_section_name(enum proxy_config_sect s)
{
	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
		if (sections[i].sect == s)
			return sections[i].name;
	return "";
}

static const struct proxy_config_keydef *proxy_config_keys_find(enum proxy_config_sect s,
								const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (keys[i].sect == s && strlen(keys[i].name) == len &&
		    memcmp(keys[i].name, name, len) == 0)
			return &keys[i];
	return NULL;
}

#endif /* HUGINN_PROXY_CONFIG_KEYS_H */
