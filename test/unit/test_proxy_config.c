/*
 * test_proxy_config.c - config.toml into struct proxy_config: defaults, a full valid file,
 * the repo's example config.toml, and one bad file per check with its exact message.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proxy/config.h"
#include "proxy/config_value.h"
#include "test/harness.h"

static struct proxy_config cfg; /* ~200 KiB: not on the stack */
static char err[512];

static int parse(const char *s)
{
	size_t len = strlen(s);
	unsigned char *g = t_guarded(s, len);
	int r;

	if (!g)
		return -ENOMEM;
	r = proxy_config_parse((const char *)g, len, "c.toml", &cfg, err, sizeof(err));
	t_guarded_free(g, len);
	return r;
}

static const char *addr_text(const struct sockaddr_storage *sa)
{
	static char out[80];
	char ip[INET6_ADDRSTRLEN];

	if (sa->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)sa;

		inet_ntop(AF_INET, &a->sin_addr, ip, sizeof(ip));
		snprintf(out, sizeof(out), "%s:%u", ip, ntohs(a->sin_port));
	} else if (sa->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)sa;

		inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof(ip));
		snprintf(out, sizeof(out), "[%s]:%u", ip, ntohs(a->sin6_port));
	} else {
		snprintf(out, sizeof(out), "family %d", sa->ss_family);
	}
	return out;
}

static void test_defaults(void)
{
	is_int(parse(""), 0, "empty file is valid");
	is_int(cfg.workers, 1, "default workers");
	is_int(cfg.max_connections, 10000, "default max_connections");
	is_int(cfg.n_listen, 2, "default listen count");
	is_str(cfg.listen[0].text, "0.0.0.0:7000", "default listen 0 text");
	is_str(addr_text(&cfg.listen[0].sa), "0.0.0.0:7000", "default listen 0 parsed");
	is_int(cfg.listen[0].salen, sizeof(struct sockaddr_in), "default listen 0 salen");
	is_str(addr_text(&cfg.listen[1].sa), "[::]:7000", "default listen 1 parsed");
	is_int(cfg.listen[1].salen, sizeof(struct sockaddr_in6), "default listen 1 salen");
	is_int(cfg.connect_timeout_ms, 2000, "default connect");
	is_int(cfg.client_header_timeout_ms, 10000, "default client_header");
	is_int(cfg.idle_timeout_ms, 60000, "default idle");
	is_int(cfg.upstream_response_timeout_ms, 30000, "default upstream_response");
	is_int(cfg.shutdown_drain_ms, 10000, "default shutdown_drain");
	is_int(cfg.max_header_bytes, 16384, "default max_header_bytes");
	is_int(cfg.max_headers, 100, "default max_headers");
	is_int(cfg.max_uri_length, 8192, "default max_uri_length");
	is_int(cfg.max_body_bytes, 0, "default max_body_bytes");
	ok(!cfg.tcp_enabled, "default tcp_enabled false");
	is_int(cfg.n_p0f_db, 1, "default p0f_db: one source");
	is_str(cfg.p0f_db[0], "builtin", "default p0f_db: the built-in database");
	is_str(cfg.pin_path, "/sys/fs/bpf/huginn", "default pin_path");
	is_int(cfg.max_age_ms, 5000, "default max_age_ms");
	is_int(cfg.map_wait_ms, 60000, "default map_wait_ms");
	is_int(cfg.request_add.n + cfg.request_remove.n + cfg.response_add.n +
		   cfg.response_remove.n,
	       0, "default header lists empty");
	is_int(cfg.n_backends, 0, "default no backends");
	is_int(cfg.n_routes, 0, "default no routes");
	ok(cfg.metrics_enabled, "default metrics enabled");
	is_str(addr_text(&cfg.metrics.sa), "127.0.0.1:9090", "default metrics addr");
	ok(cfg.access_log, "default access_log");
	is_int(proxy_config_route_match(&cfg, "/", 1), -1, "no routes: no match");

	/* proxy_config_defaults and _free give the same, twice over. */
	{
		static struct proxy_config d;

		memset(&d, 0xa5, sizeof(d));
		proxy_config_defaults(&d);
		ok(memcmp(&d, &cfg, sizeof(d)) == 0,
		   "proxy_config_defaults == parse of empty file");
		d.workers = 9;
		proxy_config_free(&d);
		proxy_config_free(&d);
		ok(memcmp(&d, &cfg, sizeof(d)) == 0, "proxy_config_free twice resets to defaults");
	}
}

static const char full[] =
    "# every key set to a non-default value\n"
    "[server]\nworkers = 4\nmax_connections = 500\n"
    "[listen]\naddrs = [\"127.0.0.1:7001\", \"[::1]:7002\", \"[2001:db8::1]:65535\"]\n"
    "[timeouts]\nconnect = 1\nclient_header = 2\nidle = 3\nupstream_response = 4\n"
    "shutdown_drain = 0\n"
    "[limits]\nmax_header_bytes = 256\nmax_headers = 512\nmax_uri_length = 1048576\n"
    "max_body_bytes = 9223372036854775807\n"
    "[fingerprint]\ntcp_enabled = true\np0f_db = \"/etc/p0f/p0f.fp\"\n"
    "pin_path = \"/sys/fs/bpf/test\"\nmax_age_ms = 86400000\nmap_wait_ms = 0\n"
    "[headers]\nrequest_add = [ \"X-A: 1\", \"x-b:two  words \", \"x-empty:\" ]\n"
    "request_remove = [\"X-Remove-Me\"]\n"
    "response_add = [\"server: huginn\"]\nresponse_remove = [\"x-powered-by\", \"via\"]\n"
    "[[backends]]\naddress = \"127.0.0.1:9000\"\n"
    "[[backends]]\naddress = \"127.0.0.1:9001\"\n"
    "[[routes]]\nprefix = \"/\"\nbackend = \"127.0.0.1:9000\"\n"
    "[[routes]]\nprefix = \"/api/\"\nbackends = [\"127.0.0.1:9001\", \"127.0.0.1:9000\"]\n"
    "force_new_connection = true\nreplace_path = \"/\"\n"
    "[[routes]]\nprefix = \"/api/v2/\"\nbackend = \"127.0.0.1:9001\"\n"
    "[[backends]] # backends may follow the routes that use them\n"
    "address = \"[::1]:9002\"\n"
    "[[routes]]\nprefix = \"/v6\"\nbackend = \"[0:0::1]:9002\"\n"
    "[telemetry]\nmetrics_addr = \"\"\naccess_log = false\n";

static void test_full(void)
{
	int r = parse(full);

	is_int(r, 0, "full config parses");
	if (r)
		printf("# %s\n", err);
	is_int(cfg.workers, 4, "workers");
	is_int(cfg.max_connections, 500, "max_connections");
	is_int(cfg.n_listen, 3, "listen count");
	is_str(addr_text(&cfg.listen[0].sa), "127.0.0.1:7001", "listen 0");
	is_str(addr_text(&cfg.listen[1].sa), "[::1]:7002", "listen 1");
	is_str(addr_text(&cfg.listen[2].sa), "[2001:db8::1]:65535", "listen 2");
	is_str(cfg.listen[2].text, "[2001:db8::1]:65535", "listen 2 text");
	is_int(cfg.connect_timeout_ms, 1, "connect");
	is_int(cfg.client_header_timeout_ms, 2, "client_header");
	is_int(cfg.idle_timeout_ms, 3, "idle");
	is_int(cfg.upstream_response_timeout_ms, 4, "upstream_response");
	is_int(cfg.shutdown_drain_ms, 0, "shutdown_drain 0");
	is_int(cfg.max_header_bytes, 256, "max_header_bytes");
	is_int(cfg.max_headers, 512, "max_headers");
	is_int(cfg.max_uri_length, 1048576, "max_uri_length");
	ok(cfg.max_body_bytes == 9223372036854775807ull, "max_body_bytes");
	ok(cfg.tcp_enabled, "tcp_enabled");
	is_int(cfg.n_p0f_db, 1, "p0f_db as a string: one source");
	is_str(cfg.p0f_db[0], "/etc/p0f/p0f.fp", "p0f_db");
	is_str(cfg.pin_path, "/sys/fs/bpf/test", "pin_path");
	is_int(cfg.max_age_ms, 86400000, "max_age_ms");
	is_int(cfg.map_wait_ms, 0, "map_wait_ms = 0: no wait");

	is_int(cfg.request_add.n, 3, "request_add count");
	is_str(cfg.request_add.h[0].name, "X-A", "request_add 0 name keeps case");
	is_str(cfg.request_add.h[0].value, "1", "request_add 0 value");
	is_str(cfg.request_add.h[1].name, "x-b", "request_add 1 name");
	is_str(cfg.request_add.h[1].value, "two  words", "request_add 1 value trimmed");
	is_int(cfg.request_add.h[1].value_len, 10, "request_add 1 value_len");
	is_str(cfg.request_add.h[2].value, "", "request_add 2 empty value");
	is_int(cfg.request_remove.n, 1, "request_remove count");
	is_str(cfg.request_remove.h[0].name, "X-Remove-Me", "request_remove 0");
	is_int(cfg.request_remove.h[0].name_len, 11, "request_remove 0 name_len");
	is_int(cfg.response_add.n, 1, "response_add count");
	is_str(cfg.response_add.h[0].value, "huginn", "response_add 0 value");
	is_int(cfg.response_remove.n, 2, "response_remove count");
	is_str(cfg.response_remove.h[1].name, "via", "response_remove 1");

	is_int(cfg.n_backends, 3, "backends count");
	is_str(cfg.backends[2].text, "[::1]:9002", "backend 2 text");
	is_int(cfg.n_routes, 4, "routes count");
	/* Sorted longest prefix first. */
	is_str(cfg.routes[0].prefix, "/api/v2/", "route 0 is the longest prefix");
	is_str(cfg.routes[1].prefix, "/api/", "route 1");
	is_str(cfg.routes[2].prefix, "/v6", "route 2");
	is_str(cfg.routes[3].prefix, "/", "route 3 is the shortest");
	is_int(cfg.routes[1].n_backends, 2, "/api/ has two backends");
	is_int(cfg.routes[1].backends[0], 1, "/api/ backend 0 is backends[1]");
	is_int(cfg.routes[1].backends[1], 0, "/api/ backend 1 is backends[0]");
	ok(cfg.routes[1].force_new_connection, "/api/ force_new_connection");
	is_str(cfg.routes[1].replace_path, "/", "/api/ replace_path");
	is_int(cfg.routes[1].replace_path_len, 1, "/api/ replace_path_len");
	ok(!cfg.routes[3].force_new_connection, "/ keeps connections");
	is_int(cfg.routes[3].replace_path_len, 0, "/ no replace_path");
	is_int(cfg.routes[2].backends[0], 2, "/v6 resolves [0:0::1] to backends[2] ([::1])");
	ok(!cfg.metrics_enabled, "metrics disabled by \"\"");
	ok(!cfg.access_log, "access_log false");

	/* Longest prefix match. */
	is_int(proxy_config_route_match(&cfg, "/api/v2/x", 9), 0, "match /api/v2/x");
	is_int(proxy_config_route_match(&cfg, "/api/v2", 7), 1, "match /api/v2 -> /api/");
	is_int(proxy_config_route_match(&cfg, "/api", 4), 3, "match /api -> /");
	is_int(proxy_config_route_match(&cfg, "/v6abc", 6), 2, "plain byte prefix: /v6abc -> /v6");
	is_int(proxy_config_route_match(&cfg, "x", 1), -1, "no match");
	is_int(proxy_config_route_match(&cfg, "", 0), -1, "empty path: no match");
}

static void test_example_file(void)
{
	int r;

	if (access("config.toml", R_OK) != 0) {
		skip("config.toml not found in the current directory (run from the repo top)");
		return;
	}
	r = proxy_config_load_file("config.toml", &cfg, err, sizeof(err));
	is_int(r, 0, "example config.toml loads");
	if (r)
		printf("# %s\n", err);
	is_int(cfg.n_listen, 1, "example listens once");
	is_str(cfg.listen[0].text, "127.0.0.1:7000", "example listens on loopback");
	is_int(cfg.n_routes, 1, "example has one route");
	is_str(cfg.backends[cfg.routes[0].backends[0]].text, "127.0.0.1:9000", "example backend");
}

static void test_load_file(void)
{
	char path[] = "/tmp/huginn-test-config.XXXXXX";
	int fd = mkstemp(path), r;
	char *big;

	r = proxy_config_load_file("/nonexistent/huginn.toml", &cfg, err, sizeof(err));
	is_int(r, -ENOENT, "missing file: -ENOENT");
	is_str(err, "/nonexistent/huginn.toml: No such file or directory", "missing file message");
	if (fd < 0) {
		skip("mkstemp failed");
		return;
	}
	big = malloc(PROXY_CONFIG_MAX_FILE_BYTES + 1);
	memset(big, '\n', PROXY_CONFIG_MAX_FILE_BYTES + 1);
	ok(write(fd, big, PROXY_CONFIG_MAX_FILE_BYTES + 1) == PROXY_CONFIG_MAX_FILE_BYTES + 1,
	   "wrote big file");
	r = proxy_config_load_file(path, &cfg, err, sizeof(err));
	is_int(r, -E2BIG, "file over 1 MiB: -E2BIG");
	ok(strstr(err, "file too large (max 1048576 bytes)") != NULL, "too large message: %s", err);
	ok(ftruncate(fd, 0) == 0 && pwrite(fd, "[server]\nworkers = 0\n", 21, 0) == 21,
	   "wrote small file");
	r = proxy_config_load_file(path, &cfg, err, sizeof(err));
	is_int(r, -EINVAL, "bad value in file: -EINVAL");
	{
		char want[128];

		snprintf(want, sizeof(want),
			 "%s:2:11: key 'server.workers': must be between 1 and 64", path);
		is_str(err, want, "file name in message");
	}
	close(fd);
	unlink(path);
	free(big);
}

#define BAD(in, want)                                                                              \
	do {                                                                                       \
		int r_ = parse(in);                                                                \
		is_int(r_, -EINVAL, "bad: %s", want);                                              \
		is_str(err, "c.toml:" want, "message: %s", want);                                  \
	} while (0)

/* fingerprint.p0f_db: a string (one source, "" none) or a list, in order. */
static void test_p0f_db(void)
{
	is_int(parse("[fingerprint]\np0f_db = [\"builtin\", \"/etc/p0f/p0f.fp\"]\n"), 0,
	       "p0f_db list");
	is_int(cfg.n_p0f_db, 2, "p0f_db list: two sources");
	is_str(cfg.p0f_db[0], "builtin", "p0f_db list: first");
	is_str(cfg.p0f_db[1], "/etc/p0f/p0f.fp", "p0f_db list: second, in order");
	is_int(parse("[fingerprint]\np0f_db = [\"/a.fp\", \"builtin\"]\n"), 0, "p0f_db order");
	is_str(cfg.p0f_db[0], "/a.fp", "p0f_db order: as written");
	is_int(parse("[fingerprint]\np0f_db = \"\"\n"), 0, "p0f_db empty string");
	is_int(cfg.n_p0f_db, 0, "p0f_db = \"\": no database");
	is_int(parse("[fingerprint]\np0f_db = []\n"), 0, "p0f_db empty list");
	is_int(cfg.n_p0f_db, 0, "p0f_db = []: no database");
	is_int(parse("[fingerprint]\np0f_db = [\"a\", \"b\", \"c\", \"d\"]\n"), 0,
	       "p0f_db: four sources");
	is_int(cfg.n_p0f_db, PROXY_CONFIG_MAX_P0F_DB, "p0f_db: four sources kept");
}

static void test_bad(void)
{
	/* syntax errors come through with their position */
	BAD("[server\n", "1:8: expected ']' to close the table header");
	/* unknown tables and keys */
	BAD("[sever]\n", "1:1: unknown table 'sever'");
	BAD("[server.x]\n", "1:1: unknown table 'server.x'");
	BAD("workers = 1\n", "1:1: unknown key 'workers' (keys belong in a [table])");
	BAD("[server]\nworker = 1\n", "2:1: unknown key 'server.worker'");
	BAD("[server]\nworkers.x = 1\n", "2:1: unknown key 'server.workers.x'");
	BAD("[[server]]\n", "1:1: 'server' must be a table: write [server]");
	BAD("[routes]\n", "1:1: 'routes' must be an array of tables: write [[routes]]");
	BAD("routes.prefix = \"/\"\n",
	    "1:1: 'routes' must be an array of tables: write [[routes]]");
	BAD("[[routes]]\nbackend_x = 1\n", "2:1: unknown key 'routes.backend_x'");
	BAD("[[routes]]\n[routes.x]\n", "2:1: unknown table 'routes.x'");
	/* types */
	BAD("[server]\nworkers = \"2\"\n",
	    "2:11: key 'server.workers': expected integer, got string");
	BAD("[server]\nworkers = true\n",
	    "2:11: key 'server.workers': expected integer, got boolean");
	BAD("[server]\nworkers = [1]\n", "2:11: key 'server.workers': expected integer, got array");
	BAD("[listen]\naddrs = \"127.0.0.1:1\"\n",
	    "2:9: key 'listen.addrs': expected array, got string");
	BAD("[listen]\naddrs = [\"127.0.0.1:1\", 7]\n",
	    "2:25: key 'listen.addrs[1]': expected string, got integer");
	BAD("[fingerprint]\ntcp_enabled = 1\n",
	    "2:15: key 'fingerprint.tcp_enabled': expected boolean, got integer");
	BAD("[telemetry]\naccess_log = \"yes\"\n",
	    "2:14: key 'telemetry.access_log': expected boolean, got string");
	BAD("[[routes]]\nforce_new_connection = 0\n",
	    "2:24: key 'routes.force_new_connection': expected boolean, got integer");
	/* ranges */
	BAD("[server]\nworkers = 0\n", "2:11: key 'server.workers': must be between 1 and 64");
	BAD("[server]\nworkers = 65\n", "2:11: key 'server.workers': must be between 1 and 64");
	BAD("[server]\nmax_connections = -1\n",
	    "2:19: key 'server.max_connections': must be between 1 and 1000000");
	BAD("[timeouts]\nconnect = 0\n",
	    "2:11: key 'timeouts.connect': must be between 1 and 86400000");
	BAD("[timeouts]\nidle = 86400001\n",
	    "2:8: key 'timeouts.idle': must be between 1 and 86400000");
	BAD("[timeouts]\nclient_header = 0\n",
	    "2:17: key 'timeouts.client_header': must be between 1 and 86400000");
	BAD("[timeouts]\nupstream_response = 0\n",
	    "2:21: key 'timeouts.upstream_response': must be between 1 and 86400000");
	BAD("[timeouts]\nshutdown_drain = -1\n",
	    "2:18: key 'timeouts.shutdown_drain': must be between 0 and 86400000");
	BAD("[limits]\nmax_header_bytes = 255\n",
	    "2:20: key 'limits.max_header_bytes': must be between 256 and 1048576");
	BAD("[limits]\nmax_headers = 513\n",
	    "2:15: key 'limits.max_headers': must be between 1 and 512");
	BAD("[limits]\nmax_uri_length = 0\n",
	    "2:18: key 'limits.max_uri_length': must be between 1 and 1048576");
	BAD("[limits]\nmax_body_bytes = -1\n",
	    "2:18: key 'limits.max_body_bytes': must be between 0 and 9223372036854775807");
	BAD("[fingerprint]\nmap_wait_ms = 86400001\n",
	    "2:15: key 'fingerprint.map_wait_ms': must be between 0 and 86400000");
	BAD("[fingerprint]\nmap_wait_ms = -1\n",
	    "2:15: key 'fingerprint.map_wait_ms': must be between 0 and 86400000");
	BAD("[fingerprint]\nmax_age_ms = 0\n",
	    "2:14: key 'fingerprint.max_age_ms': must be between 1 and 86400000");
	BAD("[limits]\nmax_body_bytes = 9223372036854775808\n", "2:18: integer out of range");
	/* strings */
	BAD("[fingerprint]\npin_path = \"\"\n",
	    "2:12: key 'fingerprint.pin_path': must be an absolute path");
	BAD("[fingerprint]\npin_path = \"sys/fs/bpf\"\n",
	    "2:12: key 'fingerprint.pin_path': must be an absolute path");
	BAD("[fingerprint]\np0f_db = \"a\\u0000b\"\n",
	    "2:10: key 'fingerprint.p0f_db': contains a NUL byte");
	BAD("[fingerprint]\np0f_db = [\"a\", \"b\", \"c\", \"d\", \"e\"]\n",
	    "2:31: key 'fingerprint.p0f_db': too many databases (max 4)");
	BAD("[fingerprint]\np0f_db = [\"builtin\", \"\"]\n",
	    "2:22: key 'fingerprint.p0f_db[1]': empty (write [] for no database)");
	BAD("[fingerprint]\np0f_db = [1]\n",
	    "2:11: key 'fingerprint.p0f_db[0]': expected string, got integer");
	BAD("[fingerprint]\np0f_db = 1\n",
	    "2:10: key 'fingerprint.p0f_db': expected string, got integer");
	/* addresses */
	BAD("[listen]\naddrs = []\n", "2:9: key 'listen.addrs': must not be empty");
	BAD("[listen]\naddrs = [\"localhost:80\"]\n",
	    "2:10: key 'listen.addrs': expected a numeric address like 127.0.0.1:9000 or "
	    "[::1]:9000, "
	    "got 'localhost:80'");
	BAD("[listen]\naddrs = [\"127.0.0.1\"]\n", "2:10: key 'listen.addrs': expected a numeric "
						   "address like 127.0.0.1:9000 or [::1]:9000, "
						   "got '127.0.0.1'");
	BAD("[listen]\naddrs = [\"127.0.0.1:7000\", \"127.0.0.1:07000\"]\n",
	    "2:28: key 'listen.addrs': 127.0.0.1:07000 is listed twice");
	BAD("[listen]\naddrs = [\"[::]:1\",\"[::]:2\",\"[::]:3\",\"[::]:4\",\"[::]:5\",\"[::]:6\","
	    "\"[::]:7\",\"[::]:8\",\"[::]:9\",\"[::]:10\",\"[::]:11\",\"[::]:12\",\"[::]:13\","
	    "\"[::]:14\",\"[::]:15\",\"[::]:16\",\"[::]:17\"]\n",
	    "2:161: key 'listen.addrs': too many addresses (max 16)");
	BAD("[telemetry]\nmetrics_addr = \"127.0.0.1\"\n",
	    "2:16: key 'telemetry.metrics_addr': expected a numeric address like 127.0.0.1:9000 or "
	    "[::1]:9000, got '127.0.0.1'");
	BAD("[[backends]]\naddress = \"::1:80\"\n",
	    "2:11: key 'backends.address': expected a numeric address like 127.0.0.1:9000 or "
	    "[::1]:9000, got '::1:80'");
	BAD("[[backends]]\naddress = \"127.0.0.1:1\"\n[[backends]]\naddress = \"127.0.0.1:1\"\n",
	    "4:11: key 'backends.address': backend 127.0.0.1:1 is listed twice");
	BAD("[[backends]]\n", "1:1: [[backends]] table is missing key 'address'");
	BAD("[telemetry]\nmetrics_addr = \"127.0.0.1:7000\"\n",
	    "2:16: key 'telemetry.metrics_addr': 127.0.0.1:7000 overlaps listen address "
	    "0.0.0.0:7000");
	BAD("[listen]\naddrs = [\"[::1]:9090\", \"[::]:9090\"]\n[telemetry]\nmetrics_addr = "
	    "\"[::1]:9090\"\n",
	    "4:16: key 'telemetry.metrics_addr': [::1]:9090 overlaps listen address [::1]:9090");
	BAD("[listen]\naddrs = [\"127.0.0.1:1\", \"0.0.0.0:9090\"]\n",
	    "2:25: key 'listen.addrs': 0.0.0.0:9090 overlaps telemetry.metrics_addr "
	    "127.0.0.1:9090");
	is_int(parse("[listen]\naddrs = [\"127.0.0.1:9090\"]\n[telemetry]\nmetrics_addr = "
		     "\"[::1]:9090\""),
	       0, "same port in another family does not overlap");
	is_int(parse("[listen]\naddrs = [\"127.0.0.2:9090\"]\n"), 0,
	       "same port on another address does not overlap");
	/* headers */
	BAD("[headers]\nrequest_add = [\"x-a\"]\n",
	    "2:16: key 'headers.request_add[0]': expected \"name: value\"");
	BAD("[headers]\nrequest_add = [\"x-a : 1\"]\n",
	    "2:16: key 'headers.request_add[0]': invalid character in header name");
	BAD("[headers]\nrequest_add = [\": 1\"]\n",
	    "2:16: key 'headers.request_add[0]': empty header name");
	BAD("[headers]\nresponse_add = [\"x-a: 1\\r\\nx-b: 2\"]\n",
	    "2:17: key 'headers.response_add[0]': invalid character in header value");
	BAD("[headers]\nrequest_remove = [\"x-a: 1\"]\n",
	    "2:19: key 'headers.request_remove[0]': invalid character in header name");
	BAD("[headers]\nrequest_remove = [\"ok\", \"Transfer-Encoding\"]\n",
	    "2:25: key 'headers.request_remove[1]': header is managed by the proxy and cannot be "
	    "configured");
	BAD("[headers]\nrequest_add = [\"Content-Length: 0\"]\n",
	    "2:16: key 'headers.request_add[0]': header is managed by the proxy and cannot be "
	    "configured");
	BAD("[headers]\nrequest_add = [\"X-TCP-P0F: fake\"]\n",
	    "2:16: key 'headers.request_add[0]': x-tcp-* headers are reserved for the fingerprint");
	BAD("[headers]\nrequest_add = [\"x-tls-ja4: fake\"]\n",
	    "2:16: key 'headers.request_add[0]': x-tls-* headers are reserved for the fingerprint");
	BAD("[headers]\nrequest_remove = [\"X-TLS-JA4\"]\n",
	    "2:19: key 'headers.request_remove[0]': x-tls-* headers are reserved for the "
	    "fingerprint");
	/* PROXY protocol input */
	BAD("[listen]\nproxy_protocol = \"on\"\n",
	    "2:18: key 'listen.proxy_protocol': expected \"off\", \"optional\" or \"required\"");
	BAD("[listen]\nproxy_protocol = true\n",
	    "2:18: key 'listen.proxy_protocol': expected string, got boolean");
	BAD("[listen]\nproxy_protocol = \"required\"\n",
	    "2:18: key 'listen.proxy_protocol': needs listen.trusted_proxies");
	BAD("[listen]\nproxy_protocol = \"optional\"\ntrusted_proxies = []\n",
	    "2:18: key 'listen.proxy_protocol': needs listen.trusted_proxies");
	BAD("[listen]\ntrusted_proxies = [\"10.0.0.0/8\"]\n",
	    "2:1: key 'listen.trusted_proxies': unused while listen.proxy_protocol is \"off\"");
	BAD("[listen]\nproxy_protocol = \"optional\"\ntrusted_proxies = [\"10.0.0.1/8\"]\n",
	    "3:20: key 'listen.trusted_proxies[0]': address has bits set beyond the prefix "
	    "length: expected a prefix like 10.0.0.0/8 or fd00::/8, got '10.0.0.1/8'");
	BAD("[listen]\nproxy_protocol = \"optional\"\ntrusted_proxies = [\"::1\", \"x/8\"]\n",
	    "3:27: key 'listen.trusted_proxies[1]': not a numeric IPv4 or IPv6 address: expected "
	    "a prefix like 10.0.0.0/8 or fd00::/8, got 'x/8'");
	BAD("[listen]\nproxy_protocol = \"optional\"\ntrusted_proxies = [\"::1/129\"]\n",
	    "3:20: key 'listen.trusted_proxies[0]': prefix length over 128: expected a prefix "
	    "like 10.0.0.0/8 or fd00::/8, got '::1/129'");
	BAD("[listen]\nproxy_protocol = \"optional\"\ntrusted_proxies = [\"::1\", \"::1/128\"]\n",
	    "3:27: key 'listen.trusted_proxies[1]': listed twice");
	BAD("[listen]\nproxy_protocol = \"optional\"\ntrusted_proxies = [1]\n",
	    "3:20: key 'listen.trusted_proxies[0]': expected string, got integer");
	BAD("[listen]\nproxy_protocol = \"optional\"\ntrusted_proxies = \"::1\"\n",
	    "3:19: key 'listen.trusted_proxies': expected array, got string");
	BAD("[headers]\nresponse_remove = [7]\n",
	    "2:20: key 'headers.response_remove[0]': expected string, got integer");
	/* routes */
	BAD("[[backends]]\naddress = \"127.0.0.1:1\"\n[[routes]]\nbackend = \"127.0.0.1:1\"\n",
	    "3:1: [[routes]] table is missing key 'prefix'");
	BAD("[[routes]]\nprefix = \"/\"\n",
	    "1:1: [[routes]] table needs key 'backend' or 'backends'");
	BAD("[[routes]]\nprefix = \"api\"\n", "2:10: key 'routes.prefix': must start with '/'");
	BAD("[[routes]]\nprefix = \"\"\n", "2:10: key 'routes.prefix': must start with '/'");
	BAD("[[routes]]\nprefix = \"/a b\"\n",
	    "2:10: key 'routes.prefix': only printable ASCII without spaces");
	BAD("[[routes]]\nreplace_path = \"x\"\n",
	    "2:16: key 'routes.replace_path': must start with '/'");
	BAD("[[routes]]\nprefix = \"/\"\nbackend = \"127.0.0.1:1\"\n",
	    "3:11: key 'routes.backend': 127.0.0.1:1 is not listed in [[backends]]");
	BAD("[[backends]]\naddress = \"127.0.0.1:1\"\n[[routes]]\nprefix = \"/\"\n"
	    "backends = [\"127.0.0.1:1\", \"127.0.0.1:2\"]\n",
	    "5:28: key 'routes.backends': 127.0.0.1:2 is not listed in [[backends]]");
	BAD("[[routes]]\nbackend = \"127.0.0.1:1\"\nbackends = [\"127.0.0.1:1\"]\n",
	    "3:1: key 'routes.backends': use either 'backend' or 'backends', not both");
	BAD("[[routes]]\nbackends = [\"127.0.0.1:1\"]\nbackend = \"127.0.0.1:1\"\n",
	    "3:1: key 'routes.backend': use either 'backend' or 'backends', not both");
	BAD("[[routes]]\nprefix = \"/\"\nbackends = []\n",
	    "3:12: key 'routes.backends': must not be empty");
	BAD("[[backends]]\naddress = \"127.0.0.1:1\"\n[[routes]]\nprefix = \"/a\"\nbackend = "
	    "\"127.0.0.1:1\"\n"
	    "[[routes]]\nprefix = \"/a\"\nbackend = \"127.0.0.1:1\"\n",
	    "7:10: key 'routes.prefix': prefix '/a' is used twice");
	BAD("[[routes]]\nprefix = \"/\"\nprefix = \"/x\"\n", "3:1: duplicate key 'prefix'");
}

static void test_proxy_protocol(void)
{
	char buf[4096];
	size_t n;

	ok(parse("[server]\n") == 0, "no [listen] keys: parses");
	is_int(cfg.proxy_protocol, PROXY_PPIN_OFF, "proxy_protocol defaults to off");
	is_int((int)cfg.n_trusted, 0, "no trusted proxies by default");
	ok(parse("[listen]\nproxy_protocol = \"off\"\ntrusted_proxies = []\n") == 0,
	   "off with an empty list: parses (%s)", err);
	ok(parse("[listen]\nproxy_protocol = \"required\"\n"
		 "trusted_proxies = [\"10.0.0.0/8\", \"::1/128\", \"192.0.2.7\"]\n") == 0,
	   "required with three prefixes: parses (%s)", err);
	is_int(cfg.proxy_protocol, PROXY_PPIN_REQUIRED, "required");
	is_int((int)cfg.n_trusted, 3, "three prefixes");
	ok(cfg.trusted[0].family == AF_INET && cfg.trusted[0].bits == 8 &&
	       cfg.trusted[0].addr[0] == 10,
	   "10.0.0.0/8 stored");
	ok(cfg.trusted[1].family == AF_INET6 && cfg.trusted[1].bits == 128 &&
	       cfg.trusted[1].addr[15] == 1,
	   "::1/128 stored");
	ok(cfg.trusted[2].bits == 32 && cfg.trusted[2].addr[3] == 7, "bare 192.0.2.7 is /32");
	ok(parse("[listen]\nproxy_protocol = \"optional\"\ntrusted_proxies = [\"0.0.0.0/0\"]\n") ==
	       0,
	   "optional, 0.0.0.0/0: parses");
	is_int(cfg.proxy_protocol, PROXY_PPIN_OPTIONAL, "optional");
	/* Capacity. */
	n = (size_t)snprintf(buf, sizeof(buf),
			     "[listen]\nproxy_protocol = \"optional\"\ntrusted_proxies = [");
	for (int i = 0; i <= PROXY_CONFIG_MAX_TRUSTED; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s\"10.0.%d.0/24\"", i ? "," : "",
				      i);
	snprintf(buf + n, sizeof(buf) - n, "]\n");
	ok(parse(buf) == -EINVAL && strstr(err, "too many prefixes (max 64)"),
	   "65 prefixes refused: %s", err);
}

static void test_capacity(void)
{
	static char buf[65536];
	size_t n = 0;

	for (int i = 0; i <= PROXY_CONFIG_MAX_BACKENDS; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n,
				      "[[backends]]\naddress = \"10.0.0.1:%d\"\n", i + 1);
	is_int(parse(buf), -EINVAL, "65 backends rejected");
	is_str(err, "c.toml:129:1: too many [[backends]] (max 64)", "65 backends message");

	n = (size_t)snprintf(buf, sizeof(buf), "[[backends]]\naddress = \"10.0.0.1:1\"\n");
	for (int i = 0; i < PROXY_CONFIG_MAX_ROUTES; i++)
		n +=
		    (size_t)snprintf(buf + n, sizeof(buf) - n,
				     "[[routes]]\nprefix = \"/%d\"\nbackend = \"10.0.0.1:1\"\n", i);
	is_int(parse(buf), 0, "128 routes accepted");
	is_int(cfg.n_routes, 128, "128 routes stored");
	is_str(cfg.routes[0].prefix, "/100", "longest prefixes first, file order among equals");
	is_str(cfg.routes[127].prefix, "/9", "shortest last");
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "[[routes]]\n");
	is_int(parse(buf), -EINVAL, "129 routes rejected");
	is_str(err, "c.toml:387:1: too many [[routes]] (max 128)", "129 routes message");

	n = (size_t)snprintf(buf, sizeof(buf),
			     "[[backends]]\naddress = \"10.0.0.1:1\"\n"
			     "[[routes]]\nprefix = \"/\"\nbackends = [");
	for (int i = 0; i <= PROXY_CONFIG_MAX_ROUTE_BACKENDS; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "\"10.0.0.1:1\",");
	snprintf(buf + n, sizeof(buf) - n, "]\n");
	is_int(parse(buf), -EINVAL, "17 backends in one route rejected");
	is_str(err, "c.toml:5:221: key 'routes.backends': too many backends (max 16)",
	       "17 route backends message");

	n = (size_t)snprintf(buf, sizeof(buf), "[headers]\nrequest_remove = [");
	for (int i = 0; i <= PROXY_CONFIG_MAX_HEADER_RULES; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "\"x-%02d\",", i);
	snprintf(buf + n, sizeof(buf) - n, "]\n");
	is_int(parse(buf), -EINVAL, "33 header rules rejected");
	is_str(err, "c.toml:2:243: key 'headers.request_remove': too many entries (max 32)",
	       "33 header rules message");

	/* A name and a value at their maximum lengths fit; one more byte does not. */
	n = (size_t)snprintf(buf, sizeof(buf), "[headers]\nrequest_add = [\"%0*d: %0*d\"]\n",
			     PROXY_CONFIG_HEADER_NAME_MAX - 1, 0, PROXY_CONFIG_HEADER_VALUE_MAX - 1,
			     0);
	is_int(parse(buf), 0, "max header name and value accepted");
	is_int(cfg.request_add.h[0].name_len, 127, "max name length");
	is_int(cfg.request_add.h[0].value_len, 511, "max value length");
	snprintf(buf, sizeof(buf), "[headers]\nrequest_add = [\"%0*d: 1\"]\n",
		 PROXY_CONFIG_HEADER_NAME_MAX, 0);
	is_int(parse(buf), -EINVAL, "header name over max");
	is_str(err, "c.toml:2:16: key 'headers.request_add[0]': header name too long",
	       "name too long");
	snprintf(buf, sizeof(buf), "[[routes]]\nprefix = \"/%0*d\"\n", PROXY_CONFIG_PATH_MAX - 1,
		 0);
	is_int(parse(buf), -EINVAL, "prefix over max");
	is_str(err, "c.toml:2:10: key 'routes.prefix': too long (max 255 bytes)",
	       "prefix too long");
}

static void test_addr(void)
{
	static const struct {
		const char *in;
		const char *want; /* NULL: rejected */
	} v[] = {
	    {"127.0.0.1:80", "127.0.0.1:80"},
	    {"0.0.0.0:65535", "0.0.0.0:65535"},
	    {"[::1]:1", "[::1]:1"},
	    {"[::ffff:10.1.2.3]:8080", "[::ffff:10.1.2.3]:8080"},
	    {"[fe80::1%eth0]:80", NULL},
	    {"127.0.0.1:0", NULL},
	    {"127.0.0.1:65536", NULL},
	    {"127.0.0.1:123456", NULL},
	    {"127.0.0.1:", NULL},
	    {"127.0.0.1:+80", NULL},
	    {"127.0.0.1: 80", NULL},
	    {"127.1:80", NULL},
	    {"256.0.0.1:80", NULL},
	    {":80", NULL},
	    {"[]:80", NULL},
	    {"[::1]80", NULL},
	    {"[::1]:", NULL},
	    {"[::1", NULL},
	    {"::1:80", NULL},
	    {"example.com:80", NULL},
	    {"", NULL},
	};
	struct sockaddr_storage sa;
	socklen_t salen;

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		size_t len = strlen(v[i].in);
		unsigned char *g = t_guarded(v[i].in, len);
		int r = proxy_config_value_addr((const char *)g, len, &sa, &salen);

		t_guarded_free(g, len);
		if (v[i].want)
			is_str(r == 0 ? addr_text(&sa) : "rejected", v[i].want, "addr '%s'",
			       v[i].in);
		else
			ok(r == -EINVAL && salen == 0, "addr '%s' rejected", v[i].in);
	}
}

int main(void)
{
	test_defaults();
	test_full();
	test_example_file();
	test_load_file();
	test_p0f_db();
	test_bad();
	test_proxy_protocol();
	test_capacity();
	test_addr();
	return done_testing();
}
