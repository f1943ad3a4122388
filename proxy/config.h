/*
 * config.h - huginn-proxy's config.toml, parsed and validated into one flat struct.
 *
 * The struct holds everything by value: strings in fixed char arrays (NUL-terminated,
 * with their length), addresses already parsed into sockaddr_storage.  It contains no
 * pointers, so it can be copied with memcpy or swapped as a whole on reload.  It is
 * about 200 KiB: allocate it on the heap or statically, not on a small stack.
 *
 * Every key has a default (proxy_config_defaults); docs/config.md lists them.  Unknown
 * keys, type mismatches, out-of-range values and bad addresses are errors that name
 * the file, line, column and key: "config.toml:12:9: key 'timeouts.idle': must be
 * between 1 and 86400000".
 *
 * Not here: reading HUGINN_EBPF_PIN_PATH (the main does that), DNS (addresses are
 * numeric only), opening sockets.
 */
#ifndef HUGINN_PROXY_CONFIG_H
#define HUGINN_PROXY_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "http/rewrite.h"
#include "proxy/config_pt.h"
#include "proxy/config_value.h"
#include "proxy/ppin.h"

/* Capacities.  A config asking for more is rejected with a message naming the key. */
#define PROXY_CONFIG_MAX_LISTEN 16	   /* listen.addrs entries */
#define PROXY_CONFIG_MAX_BACKENDS 64	   /* [[backends]] tables */
#define PROXY_CONFIG_MAX_ROUTES 128	   /* [[routes]] tables */
#define PROXY_CONFIG_MAX_ROUTE_BACKENDS 16 /* backends of one route */
#define PROXY_CONFIG_MAX_HEADER_RULES 32   /* entries of each headers.* list */
#define PROXY_CONFIG_MAX_P0F_DB 4	   /* fingerprint.p0f_db sources (P0F_DBSET_MAX) */
#define PROXY_CONFIG_MAX_TRUSTED 64	   /* listen.trusted_proxies entries */

/* String sizes including the terminating NUL. */
#define PROXY_CONFIG_ADDR_MAX PROXY_CONFIG_VALUE_ADDR_MAX /* "[v6]:port" text as written */
#define PROXY_CONFIG_PATH_MAX 256			/* file paths, route prefix, replace_path */
#define PROXY_CONFIG_HEADER_NAME_MAX 128		/* header field name */
#define PROXY_CONFIG_HEADER_VALUE_MAX HTTP_RW_VALUE_MAX /* header field value */

/* Ranges enforced at load (inclusive). */
#define PROXY_CONFIG_MAX_WORKERS 64
#define PROXY_CONFIG_MAX_CONNECTIONS 1000000
#define PROXY_CONFIG_MAX_TIMEOUT_MS 86400000u /* one day */
#define PROXY_CONFIG_MIN_HEADER_BYTES 256
#define PROXY_CONFIG_MAX_HEADER_BYTES (1u << 20) /* also bounds max_uri_length */
#define PROXY_CONFIG_MAX_HEADER_COUNT 512	 /* upper bound of limits.max_headers */

/* Input bound of the file itself (the TOML parser enforces it too). */
#define PROXY_CONFIG_MAX_FILE_BYTES (1u << 20)

/* A numeric socket address (struct proxy_config_addr): config_value.h. */

/*
 * Header rules are http/rewrite.h's struct http_rw_field / http_rw_fields.  For *_add
 * lists: name and value ("name: value" in the file, optional whitespace around the value
 * trimmed).  For *_remove lists: name only.  Names keep the case they were written in.
 * Names are RFC 9110 tokens; values are field-vchar/SP/HTAB with no leading/trailing
 * whitespace.  Framing and hop-by-hop names (content-length, transfer-encoding,
 * connection, keep-alive, upgrade, te, trailer, proxy-connection, host), x-tcp-* and
 * x-tls-* (reserved for the fingerprints) are rejected in every list.
 */

struct proxy_config_route {
	char prefix[PROXY_CONFIG_PATH_MAX]; /* starts with '/'; plain byte prefix of the path */
	size_t prefix_len;
	char replace_path[PROXY_CONFIG_PATH_MAX]; /* replaces the matched prefix; "" = keep */
	size_t replace_path_len;		  /* 0 = no replacement */
	bool force_new_connection;
	unsigned int n_backends; /* 1..PROXY_CONFIG_MAX_ROUTE_BACKENDS */
	/* Indexes into proxy_config.backends, in the order written; round robin over them. */
	uint16_t backends[PROXY_CONFIG_MAX_ROUTE_BACKENDS];
};

struct proxy_config {
	/* [server] */
	unsigned int workers;	      /* 1..64, default 1 */
	unsigned int max_connections; /* per worker, 1..1000000, default 10000 */

	/* [listen] addrs: at least one, no duplicates; default 0.0.0.0:7000 and [::]:7000
	 * (so IPv6 listeners must set IPV6_V6ONLY). */
	unsigned int n_listen;
	struct proxy_config_addr listen[PROXY_CONFIG_MAX_LISTEN];
	/* [listen] PROXY protocol input (proxy/ppin.h, docs/proxy-protocol.md): proxy_protocol
	 * "off" (default), "optional" or "required"; trusted_proxies, CIDR prefixes, unique,
	 * non-empty exactly when proxy_protocol is not "off". */
	int proxy_protocol; /* enum proxy_ppin_mode */
	unsigned int n_trusted;
	struct cidr trusted[PROXY_CONFIG_MAX_TRUSTED];

	/* [timeouts], milliseconds, 1..86400000 (shutdown_drain 0..86400000). */
	uint32_t connect_timeout_ms;	       /* default 2000 */
	uint32_t client_header_timeout_ms;     /* default 10000 -> 408 */
	uint32_t idle_timeout_ms;	       /* default 60000 */
	uint32_t upstream_response_timeout_ms; /* default 30000 -> 504 */
	uint32_t shutdown_drain_ms;	       /* default 10000; 0 = close at once */

	/* [limits] */
	uint32_t max_header_bytes; /* 256..1048576, default 16384 -> 431 */
	uint32_t max_headers;	   /* 1..512, default 100 -> 431 */
	uint32_t max_uri_length;   /* 1..1048576, default 8192 -> 414 */
	uint64_t max_body_bytes;   /* 0 = unlimited (default), else -> 413; <= INT64_MAX */
	/* Bytes of connection buffers a worker may hold (65536..2^40, default 268435456);
	 * past it new requests are answered 503. */
	uint64_t buffer_memory_max;

	/* [fingerprint] */
	bool tcp_enabled; /* default false */
	/* Signature databases in order (p0f/dbset.h): "builtin" or a p0f.fp path each.
	 * Default ["builtin"]; p0f_db = "" or [] gives none (no OS labels). */
	char p0f_db[PROXY_CONFIG_MAX_P0F_DB][PROXY_CONFIG_PATH_MAX];
	unsigned int n_p0f_db;
	char pin_path[PROXY_CONFIG_PATH_MAX]; /* absolute, default "/sys/fs/bpf/huginn" */
	uint32_t max_age_ms;		      /* 1..86400000, default 5000 */
	uint32_t map_wait_ms; /* 0..86400000, default 60000: wait at start for the maps */

	/* [headers] */
	struct http_rw_fields request_add;
	struct http_rw_fields request_remove;
	struct http_rw_fields response_add;
	struct http_rw_fields response_remove;
	/* Request fields (and request trailers) with '_' in their name are dropped, as nginx
	 * does by default: CGI-style backends read "X_A" and "X-A" as one HTTP_X_A. */
	bool drop_underscore_fields; /* default true */

	/* [[backends]]: unique addresses, in file order. */
	unsigned int n_backends;
	struct proxy_config_addr backends[PROXY_CONFIG_MAX_BACKENDS];

	/* [[routes]]: unique prefixes, sorted by prefix length, longest first (ties keep
	 * file order), so the first route whose prefix matches is the longest match. */
	unsigned int n_routes;
	struct proxy_config_route routes[PROXY_CONFIG_MAX_ROUTES];

	/* [telemetry] */
	bool metrics_enabled; /* false when metrics_addr = "" */
	/* Valid when metrics_enabled; default 127.0.0.1:9090; never overlaps a listen address. */
	struct proxy_config_addr metrics;
	bool access_log; /* default true */

	/* [[passthrough]] (config_pt.h): TLS passthrough listeners; none by default. */
	struct proxy_config_pts pt;
};

/* Fill *cfg with every default (the values documented above and in docs/config.md). */
void proxy_config_defaults(struct proxy_config *cfg);

/*
 * Parse buf[0..len) (need not be NUL-terminated) as config.toml into *cfg, starting from
 * the defaults.  name is used in messages only (NULL -> "config").
 * Returns 0, or -EINVAL (syntax, type, range, unknown key) / -E2BIG (file over
 * PROXY_CONFIG_MAX_FILE_BYTES) with err holding one line "NAME:LINE:COL: message"
 * (NUL-terminated, truncated to errlen).  On error *cfg is defined but must not be used;
 * parse into a scratch struct when reloading.
 */
int proxy_config_parse(const char *buf, size_t len, const char *name, struct proxy_config *cfg,
		       char *err, size_t errlen);

/*
 * Read path (at most PROXY_CONFIG_MAX_FILE_BYTES) and parse it as above, with path as the
 * name in messages.  Returns 0 or -errno (open/read failures: err = "PATH: strerror")
 * or the proxy_config_parse status.
 */
int proxy_config_load_file(const char *path, struct proxy_config *cfg, char *err, size_t errlen);

/* Release what the config holds (nothing today: it owns no memory) and reset it to the
 * defaults.  Safe to call twice. */
void proxy_config_free(struct proxy_config *cfg);

/* Single values (addresses, header rules): config_value.h. */

/* The header rules of cfg (drop_underscore_fields as HTTP_RW_DROP_UNDERSCORE) and the path
 * rewrite of route (an index into cfg->routes, or -1 for none) into o, for
 * http_rewrite_request. */
void proxy_config_rw_request(const struct proxy_config *cfg, int route, struct http_rw_request *o);

/* The response header rules of cfg into o, for http_rewrite_response. */
void proxy_config_rw_response(const struct proxy_config *cfg, struct http_rw_response *o);

/*
 * Longest-prefix route for path[0..len) (the request-target's path, without the query):
 * the index into cfg->routes, or -1 when no prefix matches (-> 404).
 */
int proxy_config_route_match(const struct proxy_config *cfg, const char *path, size_t len);

#endif
