/*
 * test_proxy_config_pt.c - the [[passthrough]] tables of config.toml: a full table with
 * routes, defaults, SNI matching (exact, wildcard, default, case), and one bad file per
 * check with its exact message.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "proxy/config.h"
#include "proxy/config_pt.h"
#include "test/harness.h"

static struct proxy_config cfg; /* large: not on the stack */
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

static const char full[] = "[listen]\naddrs = [\"127.0.0.1:7000\"]\n"
			   "[[passthrough]]\n"
			   "listen = [\"0.0.0.0:443\", \"[::]:443\"]\n"
			   "backends = [\"127.0.0.1:8443\", \"127.0.0.1:8444\"]\n"
			   "[[passthrough.routes]]\n"
			   "sni = [\"Example.com\", \"*.example.com\"]\n"
			   "backends = [\"127.0.0.1:9443\"]\n"
			   "[[passthrough.routes]]\n"
			   "sni = \"*.b.example.com\"\n"
			   "backends = [\"127.0.0.1:8444\", \"[::1]:9000\"]\n"
			   "[[passthrough.routes]]\n"
			   "sni = \"api.example.com\"\n"
			   "backends = [\"127.0.0.1:9443\"]\n"
			   "[[passthrough]]\n"
			   "listen = [\"127.0.0.1:8000\"]\n"
			   "proxy_protocol = \"none\"\n"
			   "proxy_protocol_tlvs = [\"ja4\", \"authority\"]\n"
			   "max_hello_bytes = 4096\n"
			   "[[passthrough.routes]]\n"
			   "sni = \"x.test\"\n"
			   "backends = [\"127.0.0.1:1\"]\n";

static const char *route_of(const struct proxy_config_pt *t, const char *name)
{
	static char out[128];
	int r = proxy_config_pt_match(t, name, strlen(name));
	const uint8_t *b = r < 0 ? t->dflt : t->routes[r].backends;
	unsigned int n = r < 0 ? t->n_default : t->routes[r].n_backends;
	size_t o = 0;

	out[0] = '\0';
	for (unsigned int i = 0; i < n && o < sizeof(out); i++)
		o += (size_t)snprintf(out + o, sizeof(out) - o, "%s%s", i ? "," : "",
				      t->backends[b[i]].text);
	return n ? out : "(none)";
}

static void test_full(void)
{
	const struct proxy_config_pt *t = &cfg.pt.t[0], *u = &cfg.pt.t[1];

	is_int(parse(full), 0, "full file parses (%s)", err);
	is_int(cfg.pt.n, 2, "two tables");
	is_int(t->n_listen, 2, "table 0: two listen addresses");
	is_str(t->listen[1].text, "[::]:443", "table 0: listen 1");
	ok(t->proxy_protocol, "table 0: proxy_protocol defaults to v2");
	is_int(t->max_hello_bytes, 16384, "table 0: max_hello_bytes default");
	is_int(t->n_backends, 4, "table 0: four distinct backends");
	is_int(t->n_routes, 4, "table 0: four SNI patterns");
	/* exact names first (file order), then wildcards, longest suffix first */
	is_str(t->routes[0].sni, "example.com", "route 0: exact, lower case");
	is_str(t->routes[1].sni, "api.example.com", "route 1: exact");
	is_str(t->routes[2].sni, ".b.example.com", "route 2: longest wildcard");
	is_str(t->routes[3].sni, ".example.com", "route 3: wildcard");
	is_str(route_of(t, "example.com"), "127.0.0.1:9443", "exact name");
	is_str(route_of(t, "EXAMPLE.Com"), "127.0.0.1:9443", "case-insensitive");
	is_str(route_of(t, "www.example.com"), "127.0.0.1:9443", "wildcard, one label");
	is_str(route_of(t, "a.b.example.com"), "127.0.0.1:8444,[::1]:9000",
	       "longest wildcard wins");
	is_str(route_of(t, "b.example.com"), "127.0.0.1:9443",
	       "*.b.example.com does not match b.example.com itself");
	is_str(route_of(t, "api.example.com"), "127.0.0.1:9443", "exact beats wildcard");
	is_str(route_of(t, "example.org"), "127.0.0.1:8443,127.0.0.1:8444", "default");
	is_str(route_of(t, "xexample.com"), "127.0.0.1:8443,127.0.0.1:8444",
	       "a suffix match needs the dot");
	is_str(route_of(t, ""), "127.0.0.1:8443,127.0.0.1:8444", "no SNI: default");
	ok(!u->proxy_protocol, "table 1: proxy_protocol none");
	is_int(t->tlvs, PROXY_CONFIG_PT_TLV_ALL, "table 0: every TLV by default");
	is_int(u->tlvs, PROXY_CONFIG_PT_TLV_JA4 | PROXY_CONFIG_PT_TLV_AUTHORITY,
	       "table 1: the TLVs listed");
	is_int(u->max_hello_bytes, 4096, "table 1: max_hello_bytes");
	is_str(route_of(u, "x.test"), "127.0.0.1:1", "table 1: its route");
	is_str(route_of(u, "y.test"), "(none)", "table 1: no default backends");
	ok(proxy_config_pt_same_listen(&cfg.pt, &cfg.pt), "same listeners: itself");
	struct proxy_config_pts other = cfg.pt;

	other.t[1].listen[0].sa.ss_family = 0;
	other.t[1].listen[0].salen = 0;
	ok(!proxy_config_pt_same_listen(&cfg.pt, &other), "changed listener noticed");
	other.n = 1;
	ok(!proxy_config_pt_same_listen(&cfg.pt, &other), "fewer tables noticed");
	is_int(parse("[listen]\naddrs = [\"127.0.0.1:7000\"]\n"), 0, "no table");
	is_int(cfg.pt.n, 0, "no passthrough by default");
}

#define L "[listen]\naddrs = [\"127.0.0.1:7000\"]\n"
#define PT "[[passthrough]]\nlisten = [\"127.0.0.1:443\"]\n"

static void bad(const char *doc, const char *want)
{
	int r = parse(doc);

	is_int(r, -EINVAL, "refused: %s", want);
	is_str(err, want, "message");
}

static void test_bad(void)
{
	bad(L "[passthrough]\nlisten = []\n",
	    "c.toml:3:1: 'passthrough' must be an array of tables: write [[passthrough]]");
	bad(L "[[passthrough]]\nbackends = [\"127.0.0.1:1\"]\n",
	    "c.toml:3:1: [[passthrough]] table is missing key 'listen'");
	bad(L "[[passthrough]]\nlisten = [\"127.0.0.1:443\"]\n",
	    "c.toml:3:1: [[passthrough]] table needs 'backends' or [[passthrough.routes]]");
	bad(L PT "backends = [\"127.0.0.1:1\"]\nfoo = 1\n",
	    "c.toml:6:1: unknown key 'passthrough.foo'");
	bad(L PT "backends = [\"host:1\"]\n",
	    "c.toml:5:13: key 'passthrough.backends': expected a numeric address like "
	    "127.0.0.1:8443 or [::1]:8443, got 'host:1'");
	bad(L PT "backends = [\"127.0.0.1:1\", \"127.0.0.1:1\"]\n",
	    "c.toml:5:28: key 'passthrough.backends': 127.0.0.1:1 is listed twice");
	bad(L PT "backends = \"127.0.0.1:1\"\n",
	    "c.toml:5:12: key 'passthrough.backends': expected array, got string");
	bad(L PT "proxy_protocol = \"v1\"\nbackends = [\"127.0.0.1:1\"]\n",
	    "c.toml:5:18: key 'passthrough.proxy_protocol': must be \"v2\" or \"none\"");
	bad(L PT "proxy_protocol_tlvs = [\"ja4\", \"sni\"]\nbackends = [\"127.0.0.1:1\"]\n",
	    "c.toml:5:31: key 'passthrough.proxy_protocol_tlvs[1]': expected one of "
	    "\"authority\", \"p0f\", \"p0f_os\", \"ja4\", \"ja4_r\"");
	bad(L PT "proxy_protocol_tlvs = [\"ja4\", \"ja4\"]\nbackends = [\"127.0.0.1:1\"]\n",
	    "c.toml:5:31: key 'passthrough.proxy_protocol_tlvs': ja4 is listed twice");
	bad(L PT "max_hello_bytes = 100\nbackends = [\"127.0.0.1:1\"]\n",
	    "c.toml:5:19: key 'passthrough.max_hello_bytes': must be between 512 and 65536");
	bad(L "[[passthrough]]\nlisten = [\"127.0.0.1:7000\"]\nbackends = [\"127.0.0.1:1\"]\n",
	    "c.toml:4:11: key 'passthrough.listen': 127.0.0.1:7000 overlaps listen address "
	    "127.0.0.1:7000");
	bad(L "[[passthrough]]\nlisten = [\"0.0.0.0:9090\"]\nbackends = [\"127.0.0.1:1\"]\n",
	    "c.toml:4:11: key 'passthrough.listen': 0.0.0.0:9090 overlaps "
	    "telemetry.metrics_addr 127.0.0.1:9090");
	bad(L PT "backends = [\"127.0.0.1:1\"]\n[[passthrough]]\n"
		 "listen = [\"0.0.0.0:443\"]\nbackends = [\"127.0.0.1:1\"]\n",
	    "c.toml:7:11: key 'passthrough.listen': 0.0.0.0:443 overlaps 127.0.0.1:443");
	bad(L PT "[[passthrough.routes]]\nbackends = [\"127.0.0.1:1\"]\n",
	    "c.toml:5:1: [[passthrough.routes]] table is missing key 'sni'");
	bad(L PT "[[passthrough.routes]]\nsni = \"a.test\"\n",
	    "c.toml:5:1: [[passthrough.routes]] table is missing key 'backends'");
	bad(L PT "[[passthrough.routes]]\nsni = \"a..test\"\nbackends = [\"127.0.0.1:1\"]\n",
	    "c.toml:6:7: key 'passthrough.routes.sni': empty label (leading, trailing or "
	    "double dot)");
	bad(L PT "[[passthrough.routes]]\nsni = \"a.test.\"\nbackends = [\"127.0.0.1:1\"]\n",
	    "c.toml:6:7: key 'passthrough.routes.sni': empty label (leading, trailing or "
	    "double dot)");
	bad(L PT "[[passthrough.routes]]\nsni = \"a*.test\"\nbackends = [\"127.0.0.1:1\"]\n",
	    "c.toml:6:7: key 'passthrough.routes.sni': only letters, digits, '-', '_' and '.' "
	    "(and a leading '*.')");
	bad(L PT "[[passthrough.routes]]\nsni = \"*\"\nbackends = [\"127.0.0.1:1\"]\n",
	    "c.toml:6:7: key 'passthrough.routes.sni': only letters, digits, '-', '_' and '.' "
	    "(and a leading '*.')");
	bad(L PT "[[passthrough.routes]]\nsni = []\nbackends = [\"127.0.0.1:1\"]\n",
	    "c.toml:6:7: key 'passthrough.routes.sni': must not be empty");
	bad(L PT "[[passthrough.routes]]\nsni = [\"a.test\", \"A.TEST\"]\n"
		 "backends = [\"127.0.0.1:1\"]\n",
	    "c.toml:6:18: key 'passthrough.routes.sni': 'A.TEST' is routed twice");
	bad(L PT "[[passthrough.routes]]\nsni = \"a.test\"\nbackends = [\"127.0.0.1:1\"]\n"
		 "weight = 1\n",
	    "c.toml:8:1: unknown key 'passthrough.routes.weight'");
	bad(L PT "backends = [\"127.0.0.1:1\"]\n[passthrough.x]\n",
	    "c.toml:6:1: unknown table 'passthrough.x' (write [[passthrough]] or "
	    "[[passthrough.routes]])");
	bad(L "[[passthrough]]\nlisten = [\"127.0.0.1:1\", \"127.0.0.1:2\", \"127.0.0.1:3\", "
	      "\"127.0.0.1:4\", \"127.0.0.1:5\", \"127.0.0.1:6\", \"127.0.0.1:7\", "
	      "\"127.0.0.1:8\", \"127.0.0.1:9\"]\n",
	    "c.toml:4:131: key 'passthrough.listen': too many addresses (max 8)");
	bad(L PT "backends = [\"127.0.0.1:1\"]\n" PT "backends = [\"127.0.0.2:1\"]\n",
	    "c.toml:7:11: key 'passthrough.listen': 127.0.0.1:443 overlaps 127.0.0.1:443");
}

/* PROXY input and splice: [listen]'s rules for the first two (config.md). */
static void test_in(void)
{
	const struct proxy_config_pt *t;

	is_int(parse(L PT "backends = [\"127.0.0.1:1\"]\n"), 0, "defaults");
	t = &cfg.pt.t[0];
	is_int(t->pp_in, PROXY_PPIN_OFF, "proxy_protocol_in default off");
	is_int(t->n_trusted, 0, "no trusted_proxies");
	ok(t->splice, "splice default true");
	is_int(parse(L PT "backends = [\"127.0.0.1:1\"]\nproxy_protocol_in = \"required\"\n"
			  "trusted_proxies = [\"10.0.0.0/8\", \"::1/128\"]\nsplice = false\n"),
	       0, "proxy_protocol_in, trusted_proxies, splice");
	t = &cfg.pt.t[0];
	is_int(t->pp_in, PROXY_PPIN_REQUIRED, "required");
	is_int(t->n_trusted, 2, "two prefixes");
	is_int(t->trusted[0].bits, 8, "10.0.0.0/8");
	ok(!t->splice, "splice = false");
	bad(L PT "backends = [\"127.0.0.1:1\"]\nproxy_protocol_in = \"optional\"\n",
	    "c.toml:6:21: key 'passthrough.proxy_protocol_in': needs passthrough.trusted_proxies");
	bad(L PT "backends = [\"127.0.0.1:1\"]\ntrusted_proxies = [\"10.0.0.0/8\"]\n",
	    "c.toml:6:1: key 'passthrough.trusted_proxies': unused while "
	    "passthrough.proxy_protocol_in is \"off\"");
	bad(L PT "backends = [\"127.0.0.1:1\"]\nproxy_protocol_in = \"v2\"\n",
	    "c.toml:6:21: key 'passthrough.proxy_protocol_in': expected \"off\", \"optional\" "
	    "or \"required\"");
	bad(L PT "backends = [\"127.0.0.1:1\"]\nproxy_protocol_in = \"optional\"\n"
		 "trusted_proxies = [\"10.0.0.1/8\"]\n",
	    "c.toml:7:20: key 'passthrough.trusted_proxies[0]': address has bits set beyond "
	    "the prefix length: expected a prefix like 10.0.0.0/8 or fd00::/8, got '10.0.0.1/8'");
	bad(L PT "backends = [\"127.0.0.1:1\"]\nsplice = \"no\"\n",
	    "c.toml:6:10: key 'passthrough.splice': expected boolean, got string");
}

int main(void)
{
	test_full();
	test_bad();
	test_in();
	return done_testing();
}
