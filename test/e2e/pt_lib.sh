#!/bin/sh
# test/e2e/pt_lib.sh - helpers for the passthrough tests that run in one private network
# namespace on its loopback (t_pt_*.sh); source it after lib.sh.  (Not a test itself.)
#
#   ptl_netns PREFIX            namespace PREFIX$T_ID with lo up, in $NS (deleted at exit)
#   ptl_conf_head HTTP BP MP    the [server], [listen], [[backends]], [[routes]] and
#                               [telemetry] sections of a config: one worker, an HTTP
#                               listener on HTTP routed to BP, metrics on MP
#   ptl_start CONF BACKEND_LOG  start $PROXY CONF in $NS (log $T_DIR/proxy.log) and wait
#                               for its metrics and for "ready" in BACKEND_LOG; the test
#                               ends (failed) if either does not come
#   ptl_stop                    SIGTERM the proxy: ok if it exits 0, and no sanitizer
#                               report in its log (PROXY=build/san/huginn-proxy)
#   metrics / m NAME            the metrics text / the value of sample NAME ($MP)

ptl_netns() {
	NS=$1$T_ID
	ip netns add "$NS" || exit 1
	t_defer "ip netns del $NS"
	t_in "$NS" ip link set lo up
}

ptl_conf_head() {
	MP=$3
	cat <<EOF
[server]
workers = 1

[listen]
addrs = ["127.0.0.1:$1"]

[[backends]]
address = "127.0.0.1:$2"

[[routes]]
prefix = "/"
backend = "127.0.0.1:$2"

[telemetry]
metrics_addr = "127.0.0.1:$3"
EOF
}

metrics() { t_in "$NS" curl -s --max-time 5 "http://127.0.0.1:$MP/metrics"; }
m() {
	metrics >"$T_DIR/m.txt"
	t_metric_of "$T_DIR/m.txt" "$1"
}

ptl_start() {
	t_bg proxy t_in "$NS" "$PROXY" "$1"
	PTL_PID=$T_PID
	if ! t_wait_for 10 metrics || ! t_wait_for 5 grep -q ready "$2"; then
		t_fail "proxy and backend start"
		sed 's/^/#   /' "$T_DIR/proxy.log" | tail -5
		exit 1
	fi
	t_ok "proxy and backend started"
}

ptl_stop() {
	t_stop "$PTL_PID" 15
	t_eq "proxy exits 0 on SIGTERM" "$T_RC" 0
	t_san_check "$T_DIR/proxy.log"
}
