#!/bin/sh
# test/e2e/fp_lib.sh - helpers for the t_fp_* tests (agent + proxy + nginx + p0f in
# network namespaces).  Source it after lib.sh.  Not a test itself (run.sh runs t_*.sh).
#
#   fp_need [BIN...]             skip loudly without root or tools; fail without binaries
#   fp_setup                     namespaces, veth, private bpffs; $PIN is the pin path
#   fp_nginx PORT                nginx in the server namespace on 127.0.0.1:PORT, access log
#                                $T_DIR/access.log: one line per request, tab separated:
#                                uri, x-tcp-p0f, x-tcp-p0f-os, x-tcp-anything, conn serial,
#                                request number on that connection ("-" = header absent)
#   fp_p0f PORT                  p0f -i $T_SIF (server side), log $T_DIR/p0f.log, only SYNs
#                                to PORT; pid in $P0F_PID
#   fp_agent NAME [VAR=val...]   t_agent_start with the port filter $FP_PORT; pid in
#                                $AGENT_PID; returns 1 if it did not attach
#   fp_proxy NAME CONF [VAR=val] the proxy in the server namespace (stdout NAME.out, stderr
#                                NAME.err), HUGINN_EBPF_PIN_PATH=$PIN; pid in $PROXY_PID
#   fp_conf FILE PORT MPORT BPORT [EXTRA_PORT]   write a proxy config
#   fp_metrics MPORT             /metrics text (from the server namespace)
#   fp_metric MPORT NAME         value of the sample named exactly NAME (labels included),
#                                "absent" if there is none
#   fp_ready MPORT               true once /ready answers 200
#   fp_req CPORT URL [ARGS...]   one request from client port CPORT; prints the status code
#   fp_hdr URI                   the x-tcp-p0f nginx logged for URI ("-" = none), once the
#                                line is in the access log (waits up to 5 s)
#   fp_p0f_raw CPORT             p0f's raw_sig for client port CPORT, once p0f logged it
#                                (waits up to 5 s)

FP_DB=${FP_DB:-/etc/p0f/p0f.fp}
P0F=$(command -v p0f || echo /usr/sbin/p0f)
SAN_PROXY=${SAN_PROXY:-$BUILD/san/huginn-proxy}

fp_need() {
	t_need_root
	t_need_tool ip nsenter mount bpftool nginx p0f curl "$PYTHON"
	if [ ! -r "$FP_DB" ]; then
		t_skip "SKIPPED, $FP_DB is missing (apt-get install p0f)"
		exit 0
	fi
	t_need_bin "$AGENT" "$PROXY" "$@"
	AGENT=$(cd "$(dirname "$AGENT")" && pwd)/$(basename "$AGENT")
	PROXY=$(cd "$(dirname "$PROXY")" && pwd)/$(basename "$PROXY")
}

fp_setup() {
	t_netns_pair || { t_fail "network namespaces"; exit 1; }
	t_bpffs || { t_fail "private bpffs"; exit 1; }
	PIN=$T_BPFFS/huginn
	FP_SNET="--net=/run/netns/$T_SNS"
	FP_CNET="--net=/run/netns/$T_CNS"
}

# Background jobs call nsenter directly (not through these functions): a function run
# with & is a subshell, and $! would be its pid, not the program's.
fp_s() { nsenter "$FP_SNET" "$@"; }
fp_c() { nsenter "$FP_CNET" "$@"; }

fp_nginx() {
	t_nginx_conf 4096
	cat >>"$T_DIR/nginx.conf" <<EOF
    log_format fp '\$request_uri\t\$http_x_tcp_p0f\t\$http_x_tcp_p0f_os\t\$http_x_tcp_anything\t\$connection\t\$connection_requests\t\$http_x_tcp_p0f_ua';
    access_log $T_DIR/access.log fp;
    server {
        listen 127.0.0.1:$1;
        location / { return 200 "ok \$request_uri\n"; }
    }
}
EOF
	t_nginx_start "$T_SNS"
	if ! t_wait_for 10 fp_s curl -sf -o /dev/null --max-time 1 "http://127.0.0.1:$1/up"; then
		t_fail "nginx backend did not start (see $T_DIR/nginx-error.log)"
		exit 1
	fi
}

fp_p0f() {
	# p0f needs no promiscuous mode: the SYNs are addressed to this interface.
	nsenter "$FP_SNET" "$P0F" -i "$T_SIF" -f "$FP_DB" -o "$T_DIR/p0f.log" "tcp dst port $1" \
		>"$T_DIR/p0f.out" 2>&1 &
	P0F_PID=$!
	T_PIDS="$P0F_PID $T_PIDS"
	if ! t_wait_for 10 grep -q "main event loop" "$T_DIR/p0f.out"; then
		t_fail "p0f did not start on $T_SIF"
		sed 's/^/#   /' "$T_DIR/p0f.out" | tail -n 5
		exit 1
	fi
}

fp_agent() {
	_name=$1
	shift
	AGENT_PORT=$FP_PORT
	t_agent_start "$_name" "$@"
	_rc=$?
	AGENT_PID=$T_PID
	return $_rc
}

fp_proxy() {
	_name=$1
	_conf=$2
	shift 2
	nsenter "$FP_SNET" env HUGINN_EBPF_PIN_PATH="$PIN" "$@" "$PROXY" "$_conf" \
		>"$T_DIR/$_name.out" 2>"$T_DIR/$_name.err" &
	PROXY_PID=$!
	T_PIDS="$PROXY_PID $T_PIDS"
}

# fp_proxy_up NAME CONF [ENV...]: fp_proxy, then up to 20 s for /ready on $MPORT; when it
# does not come, one failed check with the proxy's last log lines, and status 1.
fp_proxy_up() {
	fp_proxy "$@"
	t_wait_for 20 fp_ready "$MPORT" && return 0
	t_fail "proxy /ready is 200"
	sed 's/^/#   /' "$T_DIR/$1.err" | tail -n 10
	return 1
}

# fp_conf FILE PORT MPORT BPORT [EXTRA_PORT]: listens on 0.0.0.0:PORT and [::]:PORT (and
# EXTRA_PORT), telemetry on 127.0.0.1:MPORT, one backend, $FP_WORKERS workers (1);
# [fingerprint] from $FP_FPCONF (default: enabled, with p0f.fp).
fp_conf() {
	_extra=""
	if [ -n "${FP_FPCONF:-}" ]; then
		_fpsec=$FP_FPCONF
	else
		_fpsec="tcp_enabled = true
p0f_db = \"$FP_DB\""
	fi
	[ -n "${5:-}" ] && _extra=", \"0.0.0.0:$5\", \"[::]:$5\""
	cat >"$1" <<EOF
[server]
workers = ${FP_WORKERS:-1}

[listen]
addrs = ["0.0.0.0:$2", "[::]:$2"$_extra]

[fingerprint]
$_fpsec

[[backends]]
address = "127.0.0.1:$4"

[[routes]]
prefix = "/"
backend = "127.0.0.1:$4"

[telemetry]
metrics_addr = "127.0.0.1:$3"
access_log = false
EOF
}

fp_metrics() { fp_s curl -s --max-time 5 "http://127.0.0.1:$1/metrics"; }

fp_metric() {
	fp_metrics "$1" >"$T_DIR/fp_metric.txt"
	t_metric_of "$T_DIR/fp_metric.txt" "$2"
}

fp_ready_code() {
	fp_s curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$1/ready"
}
fp_ready() { [ "$(fp_ready_code "$1")" = 200 ]; }

# fp_req CPORT URL [CURL ARGS...]: one request from client local port CPORT, in the client
# namespace; prints the status code.
fp_req() {
	_cp=$1
	_url=$2
	shift 2
	fp_c curl -s -o /dev/null -w '%{http_code}' --max-time 10 --local-port "$_cp" "$@" "$_url"
}

# nginx writes its access-log line after the response: wait for the line, not a while.
fp_logged() { awk -F'\t' -v u="$1" '$1 == u { f = 1 } END { exit !f }' "$T_DIR/access.log"; }
fp_hdr() {
	t_wait_for 5 fp_logged "$1"
	awk -F'\t' -v u="$1" '$1 == u { print $2; exit }' "$T_DIR/access.log"
}

fp_p0f_raw() {
	t_wait_for 5 grep -q "/$1|" "$T_DIR/p0f.log"
	t_p0f_norm "$T_DIR/p0f.log" | awk -F'\t' -v p="$1" '$1 == p { print $2; exit }'
}

# fp_p0f_links LOG: p0f's mod=mtu lines as "port<TAB>|link=NAME|mtu=N", the form
# x-tcp-p0f-os ends with (after p0f's os|dist|params).
fp_p0f_links() {
	awk -F'|' '/\] mod=mtu\|/ { p = $2; sub(/.*\//, "", p); l = $5; sub(/^link=/, "", l)
		m = $6; sub(/^raw_mtu=/, "", m); print p "\t|link=" l "|mtu=" m }' "$1"
}

# fp_p0f_label PORT: the x-tcp-p0f-os value p0f's log gives the client at PORT: its SYN
# line's os|dist|params, then its mtu line's |link=NAME|mtu=N (link=, raw_mtu=).
fp_p0f_label() {
	t_wait_for 5 grep -q "/$1|" "$T_DIR/p0f.log"
	_os=$(t_p0f_norm "$T_DIR/p0f.log" | awk -F'\t' -v p="$1" '$1 == p { print $3; exit }')
	_ln=$(fp_p0f_links "$T_DIR/p0f.log" | awk -F'\t' -v p="$1" '$1 == p { print $2; exit }')
	[ -n "$_os" ] && echo "$_os$_ln"
}
