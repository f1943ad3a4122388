#!/bin/sh
# test/soak/soak.sh - `make soak`: SOAK_SECONDS (600) of mixed load through huginn-proxy
# with the agent attached, then: are the proxy's memory and descriptors back where they
# were?  Not part of `make test` (it takes SOAK_WARMUP + SOAK_SECONDS + about a minute).
#
# Server namespace: nginx backend (no access log, keep-alive 5 s), the proxy (fingerprints
# on, one worker unless SOAK_WORKERS; timeouts.idle 10 s, client_header 5 s), the agent
# (skb mode) on the veth.  Client namespace, all at once, niced:
#   wrk -c8 keep-alive;  wrk -c8 with "Connection: close";
#   mixload.py: 20 slow clients trickling heads (a quarter give up halfway), 4 threads of
#   garbage and hostile requests (smuggling shapes, oversized heads, bad chunks, forged
#   x-tcp-p0f, h2c, CONNECT, resets), 60 idle connections opening and closing.
# Every SOAK_SAMPLE (5) s: VmRSS and open fds, summed over the proxy's processes, and
# the proxy's connection gauges, into samples.tsv (printed as a table).
#
# Phases: start (one request) -> warm-up (SOAK_WARMUP s of the same mix) -> quiet until
# no client or upstream connection is left: the reference ("post-warm-up") -> the soak
# -> quiet again: the end.  PASS when, at the end:
#   - open fds equal the post-warm-up count and the count at start (nothing leaked:
#     every client, upstream and timer descriptor of the soak is gone);
#   - VmRSS is at most SOAK_RSS_SLACK_KB (2048) above the post-warm-up value (the pools
#     and the allocator have found their size in the warm-up; growth after that is a leak);
#   - no buffer is borrowed (huginn_buffers{state="borrowed"} 0);
#   - the keep-alive wrk saw no socket error and no non-2xx response;
#   - the proxy is alive, serves, and still fingerprints (a request with x-tcp-p0f).
# Prints the table, the numbers and PASS or FAIL; exit status 0 on PASS.
#   sudo make soak  |  SOAK_SECONDS=60 sh test/soak/soak.sh
# Ports (server namespace): 24300-24309.  Needs root, nginx, wrk, curl and python3.
. "$(dirname "$0")/../e2e/lib.sh"
. "$(dirname "$0")/../e2e/fp_lib.sh"

SOAK_SECONDS=${SOAK_SECONDS:-600}
SOAK_WARMUP=${SOAK_WARMUP:-60}
SOAK_SAMPLE=${SOAK_SAMPLE:-5}
SOAK_RSS_SLACK_KB=${SOAK_RSS_SLACK_KB:-2048}
SOAK_WORKERS=${SOAK_WORKERS:-1}
t_need_root
t_need_tool ip nsenter nginx curl wrk "$PYTHON"
t_need_bin "$AGENT" "$PROXY"
AGENT=$(cd "$(dirname "$AGENT")" && pwd)/$(basename "$AGENT")
PROXY=$(cd "$(dirname "$PROXY")" && pwd)/$(basename "$PROXY")
MIX=$T_TOP/test/soak/mixload.py
# shellcheck disable=SC2034 # read by t_netns_pair (lib.sh)
T_NS_PREFIX=fld
fp_setup
FP_PORT=24300
MPORT=24301
BPORT=24302
# shellcheck disable=SC3045
ulimit -n 16384 2>/dev/null || ulimit -n 4096

# nginx without an access log (10 minutes of wrk would write gigabytes); keep-alive 5 s,
# so the proxy's pooled upstream connections are closed by the backend once load stops.
t_nginx_conf 4096
cat >>"$T_DIR/nginx.conf" <<EOF
    access_log off;
    keepalive_timeout 5s;
    server {
        listen 127.0.0.1:$BPORT;
        location / { return 200 "soak \$request_uri p0f=\$http_x_tcp_p0f\n"; }
    }
}
EOF
t_nginx_start "$T_SNS"
t_wait_for 10 fp_s curl -sf -o /dev/null --max-time 1 "http://127.0.0.1:$BPORT/up" ||
	{ t_fail "nginx backend did not start"; exit 1; }
if ! fp_agent agent HUGINN_EBPF_XDP_MODE=skb; then
	t_fail "agent attached"
	exit 1
fi
FP_WORKERS=$SOAK_WORKERS FP_FPCONF="tcp_enabled = true" \
	fp_conf "$T_DIR/proxy.toml" "$FP_PORT" "$MPORT" "$BPORT"
printf '\n[timeouts]\nidle = 10000\nclient_header = 5000\n' >>"$T_DIR/proxy.toml"
fp_proxy proxy "$T_DIR/proxy.toml"
t_wait_for 20 fp_ready "$MPORT" || {
	t_fail "proxy /ready 200"
	sed 's/^/#   /' "$T_DIR/proxy.err" | tail -n 5
	exit 1
}
URL="http://$T_SADDR4:$FP_PORT"

# The proxy's processes: the main one and its workers.
tree() { echo "$PROXY_PID $(ps -o pid= --ppid "$PROXY_PID" 2>/dev/null)"; }
rss_kb() {
	for p in $(tree); do awk '/^VmRSS/ { print $2 }' "/proc/$p/status" 2>/dev/null; done |
		awk '{ s += $1 } END { print s + 0 }'
}
fds() { for p in $(tree); do ls "/proc/$p/fd" 2>/dev/null; done | wc -l; }
gauge() {
	v=$(fp_metric "$MPORT" "$1")
	[ "$v" = absent ] && v=0
	echo "$v"
}
# sample PHASE: one line of samples.tsv.
START=$(date +%s)
# pooled_kb: free buffers the worker keeps for reuse (huginn_buffer_bytes): RSS that
# grows with them is the pool reaching a new peak of concurrent heads, not a leak.
printf 'secs\tphase\trss_kb\tfds\tclients\tupstream_active\tupstream_idle\tborrowed\tpooled_kb\n' \
	>"$T_DIR/samples.tsv"
sample() {
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(($(date +%s) - START))" "$1" \
		"$(rss_kb)" "$(fds)" "$(gauge huginn_active_client_connections)" \
		"$(gauge huginn_active_upstream_connections)" \
		"$(gauge huginn_idle_upstream_connections)" \
		"$(gauge 'huginn_buffers{state="borrowed"}')" \
		"$(($(gauge 'huginn_buffer_bytes{state="pooled"}') / 1024))" >>"$T_DIR/samples.tsv"
}
last() { tail -n 1 "$T_DIR/samples.tsv" | cut -f"$1"; }
quiet() {
	[ "$(gauge huginn_active_client_connections)" = 0 ] &&
		[ "$(gauge huginn_active_upstream_connections)" = 0 ] &&
		[ "$(gauge huginn_idle_upstream_connections)" = 0 ]
}
# settle PHASE: wait (90 s at most) until no connection is left, then 3 s more, sample.
settle() {
	t_wait_for 90 quiet || t_diag "$1: connections still open after 90 s"
	sleep 3
	sample "$1"
}
# load SECS NAME: the whole mix for SECS seconds, sampling meanwhile; waits for the end.
load() {
	nsenter "$FP_CNET" nice -n 10 wrk -t1 -c8 -d"${1}s" --timeout 10s "$URL/ka" \
		>"$T_DIR/$2-wrk-ka.txt" 2>&1 &
	w1=$!
	nsenter "$FP_CNET" nice -n 10 wrk -t1 -c8 -d"${1}s" --timeout 10s \
		-H 'Connection: close' "$URL/close" >"$T_DIR/$2-wrk-close.txt" 2>&1 &
	w2=$!
	nsenter "$FP_CNET" nice -n 10 "$PYTHON" "$MIX" "$T_SADDR4" "$FP_PORT" "$1" \
		>"$T_DIR/$2-mix.txt" 2>&1 &
	w3=$!
	T_PIDS="$w1 $w2 $w3 $T_PIDS"
	end=$(($(date +%s) + $1))
	while [ "$(date +%s)" -lt "$end" ]; do
		sleep "$SOAK_SAMPLE"
		sample "$2"
	done
	for p in $w1 $w2 $w3; do
		t_gone "$p" 60 || t_stop "$p" 5
	done
}
wrk_line() {
	awk '/requests in/ { r = $1 } /Socket errors/ { e = $0 } /Non-2xx/ { n = $NF }
	END { printf "%s requests, non-2xx %s, %s", r, n ? n : 0, e ? e : "no socket errors" }' "$1"
}

t_eq "start: a request is served" "$(fp_req 24900 "$URL/start")" 200
settle start
FD0=$(last 4)
RSS0=$(last 3)

load "$SOAK_WARMUP" warmup
settle post-warmup
FDW=$(last 4)
RSSW=$(last 3)

load "$SOAK_SECONDS" soak
sample soak-end
settle end
FDE=$(last 4)
RSSE=$(last 3)

# ---- the table: every sample of the soak, thinned to one per 30 s ----
awk -F'\t' -v every=$((30 / SOAK_SAMPLE)) 'NR == 1 || $2 != "soak" || ++n % every == 0' \
	"$T_DIR/samples.tsv" | column -t | sed 's/^/# /'
awk -F'\t' '$2 == "soak" { if ($3 > m) m = $3; if ($4 > f) f = $4 } END {
	printf "# during the soak: RSS at most %d kB, fds at most %d\n", m, f }' "$T_DIR/samples.tsv"
t_diag "wrk keep-alive: $(wrk_line "$T_DIR/soak-wrk-ka.txt")"
t_diag "wrk close:      $(wrk_line "$T_DIR/soak-wrk-close.txt")"
sed 's/^/# mixload: /' "$T_DIR/soak-mix.txt"
fp_metrics "$MPORT" >"$T_DIR/metrics.txt"
m() { t_metric_of "$T_DIR/metrics.txt" "$1"; }
t_diag "proxy: accepted $(m huginn_connections_accepted_total), fingerprint lookups hit $(m 'huginn_fp_lookups_total{result="hit"}') miss $(m 'huginn_fp_lookups_total{result="miss"}'), spoofed headers removed $(m huginn_spoofed_headers_total)"
grep '^huginn_requests_total' "$T_DIR/metrics.txt" | tr '\n' ' ' | sed 's/^/# /'
echo

# ---- the verdict ----
t_eq "fds at the end equal fds after the warm-up (start: $FD0)" "$FDE" "$FDW"
t_eq "fds after the warm-up equal fds at start" "$FDW" "$FD0"
[ $((RSSE - RSSW)) -le "$SOAK_RSS_SLACK_KB" ]
t_eq "RSS at the end ($RSSE kB) within $SOAK_RSS_SLACK_KB kB of the post-warm-up value ($RSSW kB; start $RSS0 kB)" "$?" 0
t_eq "no buffer borrowed at the end" "$(last 8)" 0
ka=$(wrk_line "$T_DIR/soak-wrk-ka.txt")
case $ka in
*"non-2xx 0, no socket errors") t_ok "wrk keep-alive: $ka" ;;
*) t_fail "wrk keep-alive: $ka" ;;
esac
kill -0 "$PROXY_PID" 2>/dev/null
t_eq "the proxy is still running" "$?" 0
body=$(fp_c curl -s --max-time 10 --local-port 24901 "$URL/after")
case $body in
"soak /after p0f=4:"*) t_ok "after the soak: served, with x-tcp-p0f ($body)" ;;
*) t_fail "after the soak: served, with x-tcp-p0f (got '$body')" ;;
esac
t_stop "$PROXY_PID" 15
t_eq "proxy exits 0 on SIGTERM" "$T_RC" 0
t_stop "$AGENT_PID" 15
if [ "$T_FAILS" -eq 0 ]; then echo "PASS (soak of $SOAK_SECONDS s)"; else echo "FAIL ($T_FAILS)"; fi
[ "$T_FAILS" -eq 0 ]
