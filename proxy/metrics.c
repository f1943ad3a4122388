/*
 * metrics.c - shared per-worker counters and their Prometheus text form.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "proxy/metrics.h"

struct proxy_metrics *proxy_metrics_create(unsigned int workers)
{
	struct proxy_metrics *m;
	size_t len;

	if (workers == 0 || workers > 1024) {
		errno = EINVAL;
		return NULL;
	}
	len = sizeof(*m) + (size_t)workers * sizeof(struct proxy_metrics_slot);
	m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return NULL;
	/* Anonymous mappings are zero-filled: every counter starts at 0. */
	m->n_slots = workers;
	m->map_len = len;
	return m;
}

void proxy_metrics_destroy(struct proxy_metrics *m)
{
	if (m)
		munmap(m, m->map_len);
}

void proxy_metrics_reset_gauges(struct proxy_metrics *m, unsigned int worker)
{
	struct proxy_metrics_slot *s;

	if (!m || worker >= m->n_slots)
		return;
	s = &m->slot[worker];
	s->active_clients = 0;
	s->active_upstreams = 0;
	s->idle_upstreams = 0;
	s->buffers_borrowed = s->buffers_pooled = 0;
	s->buffer_bytes_borrowed = s->buffer_bytes_pooled = 0;
	s->up = 0;
	s->pt.active = 0;
}

struct out {
	char *p;
	size_t cap, len;
	int full;
};

/* Append one line; once a line does not fit nothing more is appended, so the text
 * always ends with a whole line. */
__attribute__((format(printf, 2, 3))) static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->full)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->p + o->len, o->cap - o->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->cap - o->len) {
		o->full = 1;
		if (o->cap > o->len)
			o->p[o->len] = '\0';
		return;
	}
	o->len += (size_t)n;
}

static const char *const uerr_names[PROXY_UERR_N] = {
    [PROXY_UERR_REFUSED] = "refused",
    [PROXY_UERR_CONNECT] = "connect",
    [PROXY_UERR_CONNECT_TIMEOUT] = "connect_timeout",
    [PROXY_UERR_RESET] = "reset",
    [PROXY_UERR_BAD_RESPONSE] = "bad_response",
    [PROXY_UERR_TIMEOUT] = "timeout",
};

#define SUM(field)                                                                                 \
	({                                                                                         \
		uint64_t s_ = 0;                                                                   \
		for (unsigned int i_ = 0; i_ < m->n_slots; i_++)                                   \
			s_ += (uint64_t)m->slot[i_].field;                                         \
		s_;                                                                                \
	})

static void counter(struct out *o, const char *name, const char *help, uint64_t v)
{
	put(o, "# HELP %s %s\n# TYPE %s counter\n%s %llu\n", name, help, name, name,
	    (unsigned long long)v);
}

static void gauge(struct out *o, const char *name, const char *help, int64_t v)
{
	put(o, "# HELP %s %s\n# TYPE %s gauge\n%s %lld\n", name, help, name, name, (long long)v);
}

static const char *const pt_flight_names[PROXY_PT_FLIGHT_N] = {
    [PROXY_PT_TLS] = "tls",
    [PROXY_PT_NOT_TLS] = "not_tls",
    [PROXY_PT_TOO_LARGE] = "too_large",
    [PROXY_PT_SLOW] = "slow",
    [PROXY_PT_MALFORMED] = "malformed",
    [PROXY_PT_INCOMPLETE] = "incomplete",
};
static const char *const pt_end_names[PROXY_PT_END_N] = {
    [PROXY_PT_END_DONE] = "done",	   [PROXY_PT_END_RESET] = "reset",
    [PROXY_PT_END_IDLE] = "idle_timeout",  [PROXY_PT_END_DRAIN] = "drain",
    [PROXY_PT_END_NOROUTE] = "no_backend",
};
static const char *const pt_berr_names[3] = {"refused", "connect", "connect_timeout"};

/* The passthrough listeners' series (docs/passthrough.md). */
static void render_pt(const struct proxy_metrics *m, struct out *o)
{
	counter(o, "huginn_passthrough_accepted_total", "Passthrough connections accepted.",
		SUM(pt.accepted));
	counter(o, "huginn_passthrough_rejected_total",
		"Passthrough connections closed at once because max_connections was reached.",
		SUM(pt.rejected));
	put(o, "# HELP huginn_passthrough_connections_total Passthrough connections by what "
	       "their first bytes were.\n# TYPE huginn_passthrough_connections_total counter\n");
	for (int k = 0; k < PROXY_PT_FLIGHT_N; k++)
		put(o, "huginn_passthrough_connections_total{first_flight=\"%s\"} %llu\n",
		    pt_flight_names[k], (unsigned long long)SUM(pt.flight[k]));
	put(o, "# HELP huginn_passthrough_tunnels_closed_total Passthrough connections relayed "
	       "or routed, by how they ended.\n"
	       "# TYPE huginn_passthrough_tunnels_closed_total counter\n");
	for (int k = 0; k < PROXY_PT_END_N; k++)
		put(o, "huginn_passthrough_tunnels_closed_total{end=\"%s\"} %llu\n",
		    pt_end_names[k], (unsigned long long)SUM(pt.end[k]));
	put(o, "# HELP huginn_passthrough_backend_errors_total Failed backend connection "
	       "attempts, by kind.\n# TYPE huginn_passthrough_backend_errors_total counter\n");
	for (int k = 0; k < 3; k++)
		put(o, "huginn_passthrough_backend_errors_total{kind=\"%s\"} %llu\n",
		    pt_berr_names[k], (unsigned long long)SUM(pt.backend_err[k]));
	put(o,
	    "# HELP huginn_passthrough_bytes_total Bytes relayed by passthrough tunnels.\n"
	    "# TYPE huginn_passthrough_bytes_total counter\n"
	    "huginn_passthrough_bytes_total{direction=\"client_to_backend\"} %llu\n"
	    "huginn_passthrough_bytes_total{direction=\"backend_to_client\"} %llu\n",
	    (unsigned long long)SUM(pt.bytes_up), (unsigned long long)SUM(pt.bytes_down));
	put(o,
	    "# HELP huginn_passthrough_relay_bytes_total Bytes relayed by passthrough tunnels, "
	    "by how: splice(2) or a copy through user space.\n"
	    "# TYPE huginn_passthrough_relay_bytes_total counter\n"
	    "huginn_passthrough_relay_bytes_total{path=\"splice\"} %llu\n"
	    "huginn_passthrough_relay_bytes_total{path=\"copy\"} %llu\n",
	    (unsigned long long)SUM(pt.bytes_spliced),
	    (unsigned long long)(SUM(pt.bytes_up) + SUM(pt.bytes_down) - SUM(pt.bytes_spliced)));
	counter(o, "huginn_passthrough_pipes_created_total",
		"Pipes made for splice(2) (empty ones are pooled and reused).",
		SUM(pt.pipes_created));
	gauge(o, "huginn_passthrough_active_connections", "Open passthrough connections.",
	      (int64_t)SUM(pt.active));
}

size_t proxy_metrics_render(const struct proxy_metrics *m, char *out, size_t cap)
{
	struct out o = {out, cap, 0, 0};
	int64_t g;

	if (!cap)
		return 0;
	out[0] = '\0';
	put(&o, "# HELP huginn_requests_total Responses sent to clients, by status code.\n"
		"# TYPE huginn_requests_total counter\n");
	for (int c = HTTP_METRICS_STATUS_MIN; c <= HTTP_METRICS_STATUS_MAX; c++) {
		uint64_t v = SUM(status[c - HTTP_METRICS_STATUS_MIN]);

		if (v)
			put(&o, "huginn_requests_total{code=\"%d\"} %llu\n", c,
			    (unsigned long long)v);
	}
	put(&o, "# HELP huginn_upstream_errors_total Upstream failures, by kind.\n"
		"# TYPE huginn_upstream_errors_total counter\n");
	for (int k = 0; k < PROXY_UERR_N; k++)
		put(&o, "huginn_upstream_errors_total{kind=\"%s\"} %llu\n", uerr_names[k],
		    (unsigned long long)SUM(upstream_err[k]));
	counter(&o, "huginn_connections_accepted_total", "Client connections accepted.",
		SUM(accepted));
	counter(&o, "huginn_connections_rejected_total",
		"Client connections answered 503 because max_connections was reached.",
		SUM(rejected));
	put(&o,
	    "# HELP huginn_bytes_received_total Bytes read, by peer.\n"
	    "# TYPE huginn_bytes_received_total counter\n"
	    "huginn_bytes_received_total{peer=\"client\"} %llu\n"
	    "huginn_bytes_received_total{peer=\"upstream\"} %llu\n",
	    (unsigned long long)SUM(client_bytes_in), (unsigned long long)SUM(upstream_bytes_in));
	put(&o,
	    "# HELP huginn_bytes_sent_total Bytes written, by peer.\n"
	    "# TYPE huginn_bytes_sent_total counter\n"
	    "huginn_bytes_sent_total{peer=\"client\"} %llu\n"
	    "huginn_bytes_sent_total{peer=\"upstream\"} %llu\n",
	    (unsigned long long)SUM(client_bytes_out), (unsigned long long)SUM(upstream_bytes_out));
	counter(&o, "huginn_upstream_connections_opened_total", "Upstream connections opened.",
		SUM(upstream_connects));
	counter(&o, "huginn_upstream_connections_reused_total",
		"Requests sent on a pooled keep-alive upstream connection.", SUM(upstream_reused));
	counter(&o, "huginn_spoofed_headers_total",
		"Client-supplied x-tcp-* and x-tls-* headers removed before forwarding.",
		SUM(spoofed));
	put(&o, "# HELP huginn_proxy_protocol_total PROXY protocol input on the listeners, by "
		"result.\n# TYPE huginn_proxy_protocol_total counter\n");
	for (int r = 0; r < PROXY_PPIN_RESULT_N; r++)
		put(&o, "huginn_proxy_protocol_total{result=\"%s\"} %llu\n",
		    proxy_ppin_result_name(r), (unsigned long long)SUM(pp[r]));
	counter(&o, "huginn_proxy_protocol_tlv_ignored_total",
		"Fingerprint TLVs (0xE0-0xE2) in accepted PROXY headers left out: not printable "
		"ASCII, too long, or not a JA4.",
		SUM(pp_tlv_ignored));
	counter(&o, "huginn_config_reloads_total", "Successful configuration reloads (per worker).",
		SUM(reloads));
	counter(&o, "huginn_config_reload_failures_total",
		"Reloads rejected because the new configuration was invalid (per worker).",
		SUM(reload_failures));
	counter(&o, "huginn_access_log_dropped_total",
		"Access-log lines dropped: stdout stopped taking them and the buffer was full, "
		"or writing failed.",
		SUM(access_log_dropped));
	counter(&o, "huginn_buffer_refusals_total",
		"Requests answered 503 because the worker's buffers reached "
		"limits.buffer_memory_max.",
		SUM(buffer_refused));
	put(&o,
	    "# HELP huginn_buffers Connection buffers, by state: borrowed (held by a connection) "
	    "or pooled (free, kept for reuse).\n"
	    "# TYPE huginn_buffers gauge\n"
	    "huginn_buffers{state=\"borrowed\"} %lld\n"
	    "huginn_buffers{state=\"pooled\"} %lld\n",
	    (long long)SUM(buffers_borrowed), (long long)SUM(buffers_pooled));
	put(&o,
	    "# HELP huginn_buffer_bytes Bytes of connection buffers, by state.\n"
	    "# TYPE huginn_buffer_bytes gauge\n"
	    "huginn_buffer_bytes{state=\"borrowed\"} %lld\n"
	    "huginn_buffer_bytes{state=\"pooled\"} %lld\n",
	    (long long)SUM(buffer_bytes_borrowed), (long long)SUM(buffer_bytes_pooled));
	g = (int64_t)SUM(active_clients);
	gauge(&o, "huginn_active_client_connections", "Open client connections.", g);
	g = (int64_t)SUM(active_upstreams);
	gauge(&o, "huginn_active_upstream_connections",
	      "Open upstream connections (busy and idle).", g);
	g = (int64_t)SUM(idle_upstreams);
	gauge(&o, "huginn_idle_upstream_connections", "Idle pooled upstream connections.", g);
	g = (int64_t)SUM(up);
	gauge(&o, "huginn_workers_up", "Worker processes running.", g);
	render_pt(m, &o);
	return o.len;
}
