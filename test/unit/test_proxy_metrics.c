/*
 * test_proxy_metrics.c - the metrics text: counters summed over workers, labels, zero rows
 * shown, whole lines in a short buffer, gauges reset for a restarted worker.
 */
#include <stdlib.h>
#include <string.h>

#include "proxy/metrics.h"
#include "test/harness.h"

static int has(const char *hay, const char *needle)
{
	return strstr(hay, needle) != NULL;
}

static void test_metrics(void)
{
	struct proxy_metrics *m = proxy_metrics_create(3);
	char *out = malloc(65536);
	size_t n;

	ok(m != NULL && out != NULL, "metrics mapping created");
	if (!m || !out) {
		free(out);
		return;
	}
	proxy_metrics_status(&m->slot[0], 200);
	proxy_metrics_status(&m->slot[1], 200);
	proxy_metrics_status(&m->slot[2], 404);
	proxy_metrics_status(&m->slot[2], 99);	/* ignored */
	proxy_metrics_status(&m->slot[2], 600); /* ignored */
	m->slot[0].spoofed = 2;
	m->slot[1].spoofed = 3;
	m->slot[1].active_clients = 4;
	m->slot[2].upstream_err[PROXY_UERR_REFUSED] = 7;
	m->slot[0].pp[PROXY_PPIN_V2] = 1;
	m->slot[2].pp[PROXY_PPIN_V2] = 2;
	m->slot[1].pp[PROXY_PPIN_UNTRUSTED] = 4;
	m->slot[1].pp_tlv_ignored = 6;
	n = proxy_metrics_render(m, out, 65536);
	ok(n > 0 && n < 65536, "rendered %zu bytes", n);
	ok(has(out, "huginn_requests_total{code=\"200\"} 2\n"), "200 summed over workers");
	ok(has(out, "huginn_requests_total{code=\"404\"} 1\n"), "404 counted");
	ok(!has(out, "code=\"99\"") && !has(out, "code=\"600\""), "out-of-range codes ignored");
	ok(has(out, "huginn_spoofed_headers_total 5\n"), "spoofed headers summed");
	ok(has(out, "huginn_active_client_connections 4\n"), "gauge summed");
	ok(has(out, "huginn_upstream_errors_total{kind=\"refused\"} 7\n"), "error kind label");
	ok(has(out, "huginn_proxy_protocol_total{result=\"v2\"} 3\n") &&
	       has(out, "huginn_proxy_protocol_total{result=\"untrusted\"} 4\n") &&
	       has(out, "huginn_proxy_protocol_total{result=\"missing\"} 0\n"),
	   "PROXY results summed, zero ones shown");
	ok(has(out, "# TYPE huginn_proxy_protocol_total counter\n"), "PROXY results: TYPE line");
	ok(has(out, "huginn_proxy_protocol_tlv_ignored_total 6\n"), "ignored TLVs summed");
	n = proxy_metrics_render(m, out, 200);
	ok(n < 200 && n > 0 && out[n - 1] == '\n', "short buffer: whole lines only (%zu)", n);
	proxy_metrics_reset_gauges(m, 1);
	n = proxy_metrics_render(m, out, 65536);
	ok(has(out, "huginn_active_client_connections 0\n"), "gauges reset for a restarted worker");
	proxy_metrics_destroy(m);
	free(out);
}

int main(void)
{
	test_metrics();
	return done_testing();
}
