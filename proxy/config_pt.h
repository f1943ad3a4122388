/*
 * config_pt.h - the [[passthrough]] tables of config.toml (issue 13): TCP listeners that
 * read the client's TLS ClientHello, pick a backend by SNI and relay the connection
 * unchanged after a PROXY protocol v2 header (proxy/tunnel.h runs them).
 *
 *   [[passthrough]]
 *   listen = ["0.0.0.0:443", "[::]:443"]    # required, 1..8 addresses
 *   backends = ["127.0.0.1:8443"]           # the default route; round robin
 *   proxy_protocol = "v2"                   # "v2" (default) or "none"
 *   proxy_protocol_tlvs = ["authority", "p0f", "p0f_os", "ja4", "ja4_r"]  # the default
 *   max_hello_bytes = 16384                 # ClientHello body limit, 512..65536
 *   proxy_protocol_in = "off"               # PROXY input: "off", "optional", "required"
 *   trusted_proxies = ["10.0.0.0/8"]        # who may send it (as [listen]'s keys)
 *   splice = true                           # false: relay by read/write (relay.h)
 *
 *   [[passthrough.routes]]                  # belongs to the [[passthrough]] above it
 *   sni = ["example.com", "*.example.com"]  # a string or an array of strings
 *   backends = ["127.0.0.1:9443"]
 *
 * Matching (proxy_config_pt_match): names compare case-insensitively; an exact name wins,
 * then the longest "*.suffix" that the name ends with (at least one label before the
 * suffix: "*.example.com" matches "a.example.com" and "a.b.example.com", not
 * "example.com"), then the table's own backends.  No SNI, or bytes that are not TLS, go
 * to the table's backends.  A table without backends refuses what no route takes.
 *
 * The parse is driven by config.c: it hands every [[passthrough...]] header and key here.
 * Types only hold values (no pointers), like struct proxy_config, which embeds them.
 */
#ifndef HUGINN_PROXY_CONFIG_PT_H
#define HUGINN_PROXY_CONFIG_PT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proxy/cidr.h"
#include "proxy/config_value.h"
#include "proxy/toml.h"

#define PROXY_CONFIG_MAX_PT 4		  /* [[passthrough]] tables */
#define PROXY_CONFIG_PT_MAX_LISTEN 8	  /* listen addresses of one table */
#define PROXY_CONFIG_PT_MAX_BACKENDS 32	  /* distinct backend addresses of one table */
#define PROXY_CONFIG_PT_MAX_ROUTES 64	  /* SNI patterns of one table (all routes) */
#define PROXY_CONFIG_PT_ROUTE_BACKENDS 16 /* backends of one route (or the default) */
#define PROXY_CONFIG_PT_SNI_MAX 256	  /* a pattern with its NUL */
#define PROXY_CONFIG_PT_HELLO_MIN 512	  /* max_hello_bytes range */
#define PROXY_CONFIG_PT_HELLO_MAX 65536
#define PROXY_CONFIG_PT_HELLO_DEFAULT 16384 /* = TLS_HELLO_MAX_DEFAULT */
#define PROXY_CONFIG_PT_MAX_TRUSTED 64	    /* trusted_proxies prefixes of one table */

/* proxy_protocol_tlvs names, as bits. */
#define PROXY_CONFIG_PT_TLV_AUTHORITY 0x01 /* "authority": PP2_TYPE_AUTHORITY, the SNI */
#define PROXY_CONFIG_PT_TLV_P0F 0x02	   /* "p0f": 0xE0 */
#define PROXY_CONFIG_PT_TLV_P0F_OS 0x04	   /* "p0f_os": 0xE1 */
#define PROXY_CONFIG_PT_TLV_JA4 0x08	   /* "ja4": 0xE2 */
#define PROXY_CONFIG_PT_TLV_JA4_R 0x10	   /* "ja4_r": 0xE3 */
#define PROXY_CONFIG_PT_TLV_ALL 0x1f

/* One SNI pattern and its backends. */
struct proxy_config_pt_route {
	char sni[PROXY_CONFIG_PT_SNI_MAX]; /* lower case; a wildcard keeps ".suffix" (no '*') */
	uint16_t sni_len;
	uint8_t wildcard; /* written "*.suffix" */
	uint8_t n_backends;
	uint8_t backends[PROXY_CONFIG_PT_ROUTE_BACKENDS]; /* indexes into the table's backends */
};

struct proxy_config_pt {
	unsigned int n_listen;
	struct proxy_config_addr listen[PROXY_CONFIG_PT_MAX_LISTEN];
	unsigned int n_backends; /* every distinct address of the table and its routes */
	struct proxy_config_addr backends[PROXY_CONFIG_PT_MAX_BACKENDS];
	unsigned int n_default; /* the table's own backends: 0 = none, unmatched SNI closed */
	uint8_t dflt[PROXY_CONFIG_PT_ROUTE_BACKENDS];
	/* Exact names first (file order), then wildcards, longest suffix first: the first
	 * pattern that matches is the one to use. */
	unsigned int n_routes;
	struct proxy_config_pt_route routes[PROXY_CONFIG_PT_MAX_ROUTES];
	bool proxy_protocol; /* "v2" (default): true; "none": false */
	/* Which TLVs the header may carry (PROXY_CONFIG_PT_TLV_*); default all.  Some
	 * receivers take short headers only: nginx 1.22 reads at most 107 bytes of it on an
	 * ssl listener (1.26 reads ours whole); [] or ["authority"] fit. */
	uint8_t tlvs;
	uint32_t max_hello_bytes; /* default PROXY_CONFIG_PT_HELLO_DEFAULT */
	/* PROXY protocol input from a balancer in front (proxy/ppin.h, the rules of
	 * [listen]'s keys of the same meaning): enum proxy_ppin_mode, default off;
	 * trusted_proxies non-empty exactly when it is not off. */
	int pp_in;
	unsigned int n_trusted;
	struct cidr trusted[PROXY_CONFIG_PT_MAX_TRUSTED];
	bool splice; /* default true; false: read/write through a buffer (tests, sandboxes) */
};

struct proxy_config_pts {
	unsigned int n;
	struct proxy_config_pt t[PROXY_CONFIG_MAX_PT];
};

/* Positions kept during one parse, for the checks at its end.  Zero it first. */
struct proxy_config_pt_parse {
	struct {
		unsigned int line, col;
		unsigned int lline[PROXY_CONFIG_PT_MAX_LISTEN], lcol[PROXY_CONFIG_PT_MAX_LISTEN];
		unsigned int first_route; /* its [[passthrough.routes]]: pend[first..first+n) */
		unsigned int pp_line, pp_col, tr_line, tr_col; /* 0: not in the file */
		unsigned int n_pend;
	} t[PROXY_CONFIG_MAX_PT];
	struct {
		unsigned int line, col;
		unsigned int first, n; /* its patterns: routes[first..first+n) before sorting */
		uint8_t nb, has_sni, has_backends;
		uint8_t b[PROXY_CONFIG_PT_ROUTE_BACKENDS];
	} pend[PROXY_CONFIG_PT_MAX_ROUTES];
	unsigned int n_pend;
};

/* A [[passthrough]] or [[passthrough.routes]] header (ev->seg[0] names "passthrough"). */
int proxy_config_pt_table(struct proxy_config_pts *s, struct proxy_config_pt_parse *ps,
			  const struct toml_event *ev, const char *key);

/* A key (or array event) under [[passthrough]]; key is the dotted name for messages. */
int proxy_config_pt_key(struct proxy_config_pts *s, struct proxy_config_pt_parse *ps,
			const struct toml_event *ev, const char *key);

/*
 * After the parse: required keys, route backends, sorting, and listen addresses that
 * collide with one another, with the HTTP listeners listen[0..n_listen) or with the
 * telemetry address metrics (NULL: none).  Returns 0 or -EINVAL with
 * err = "NAME:LINE:COL: message".
 */
int proxy_config_pt_finish(struct proxy_config_pts *s, const struct proxy_config_pt_parse *ps,
			   const struct proxy_config_addr *listen, unsigned int n_listen,
			   const struct proxy_config_addr *metrics, const char *name, char *err,
			   size_t errlen);

/*
 * The route for a client's SNI name[0..len) (len 0: none): an index into t->routes, or
 * -1 for the table's own backends.  Case-insensitive.
 */
int proxy_config_pt_match(const struct proxy_config_pt *t, const char *name, size_t len);

/* Do a and b listen on the same addresses, table by table? (A reload keeps the running
 * tables when they do not: listeners are opened once.) */
bool proxy_config_pt_same_listen(const struct proxy_config_pts *a,
				 const struct proxy_config_pts *b);

#endif
