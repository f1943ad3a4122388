#!/bin/sh
# test/e2e/fp_lib.sh - helpers for the t_fp_* tests (agent + proxy + nginx + p0f in
# network namespaces).  Source it after lib.sh.  Not a test itself (run.sh runs t_*.sh).
#
#   fp_need                      skip loudly without root or tools; fail without binaries
#   fp_setup                     namespaces, veth, private bpffs; $PIN is the pin path
#   fp_nginx PORT                nginx in the server namespace on 127.0.0.1:PORT, access log
#                                $T_DIR/access.log: one line per request, tab separated:
#                                uri, x-tcp-p0f, x-tcp-p0f-os, x-tcp-anything, conn serial,
#                                request number on that connection ("-" = header absent)
#   fp_p0f PORT                  p0f -i $T_SIF (server side), log $T_DIR/p0f.log, only SYNs
#                                to PORT; pid in $P0F_PID
#   fp_agent NAME [VAR=val...]   huginn-ebpf-agent on $T_SIF in the server namespace (port
#                                filter $FP_PORT unless overridden); waits until attached;
#                                pid in $AGENT_PID; returns 1 if it did not attach
#   fp_proxy NAME CONF [VAR=val] the proxy in the server namespace (stdout NAME.out, stderr
#                                NAME.err), HUGINN_EBPF_PIN_PATH=$PIN; pid in $PROXY_PID
#   fp_conf FILE PORT MPORT BPORT [fingerprint lines...]   write a proxy config
#   fp_metrics MPORT             /metrics text (from the server namespace)
#   fp_metric MPORT NAME         value of one sample, exact name incl. labels, 0 if absent
#   fp_p0f_norm LOG              p0f's SYN lines as "port<TAB>raw_sig<TAB>os|dist|params"
#   fp_stop_pid PID              TERM, wait up to 15 s, KILL; exit status in $RC
#   fp_san_check FILE            fail on sanitizer output in FILE

FP_DB=${FP_DB:-/etc/p0f/p0f.fp}
P0F=$(command -v p0f || echo /usr/sbin/p0f)
SAN_PROXY=${SAN_PROXY:-$BUILD/san/huginn-proxy}
if [ -z "${PYTHON:-}" ]; then
	if [ -x /usr/bin/python3 ]; then PYTHON=/usr/bin/python3; else PYTHON=python3; fi
fi

fp_need() {
	t_need_root
	t_need_tool ip nsenter mount bpftool nginx p0f curl "$PYTHON"
	if [ ! -r "$FP_DB" ]; then
		t_skip "SKIPPED, $FP_DB is missing (apt-get install p0f)"
		exit 0
	fi
	for b in "$AGENT" "$PROXY" "$@"; do
		if [ ! -x "$b" ]; then
			t_fail "$b is missing (make BUILD=$BUILD)"
			exit 1
		fi
	done
	AGENT=$(cd "$(dirname "$AGENT")" && pwd)/$(basename "$AGENT")
	PROXY=$(cd "$(dirname "$PROXY")" && pwd)/$(basename "$PROXY")
}

fp_setup() {
	t_netns_pair || { t_fail "network namespaces"; exit 1; }
	t_bpffs || { t_fail "private bpffs"; exit 1; }
	PIN=$T_BPFFS/huginn
	# p0f logs IPv6 addresses in full, without '::'.
	FP_CADDR6_P0F=fd00:$T_NET:0:0:0:0:0:2
	FP_SNET="--net=/run/netns/$T_SNS"
	FP_CNET="--net=/run/netns/$T_CNS"
}

# Background jobs call nsenter directly (not through these functions): a function run
# with & is a subshell, and $! would be its pid, not the program's.
fp_s() { nsenter "$FP_SNET" "$@"; }
fp_c() { nsenter "$FP_CNET" "$@"; }

fp_nginx() {
	mkdir -p "$T_DIR/nginx-tmp"
	cat >"$T_DIR/nginx.conf" <<EOF
worker_processes 1;
user root;
error_log $T_DIR/nginx-error.log warn;
events { worker_connections 4096; }
http {
    client_body_temp_path $T_DIR/nginx-tmp/body;
    proxy_temp_path $T_DIR/nginx-tmp/proxy;
    fastcgi_temp_path $T_DIR/nginx-tmp/fastcgi;
    uwsgi_temp_path $T_DIR/nginx-tmp/uwsgi;
    scgi_temp_path $T_DIR/nginx-tmp/scgi;
    keepalive_requests 100000;
    log_format fp '\$request_uri\t\$http_x_tcp_p0f\t\$http_x_tcp_p0f_os\t\$http_x_tcp_anything\t\$connection\t\$connection_requests';
    access_log $T_DIR/access.log fp;
    server {
        listen 127.0.0.1:$1;
        location / { return 200 "ok \$request_uri\n"; }
    }
}
EOF
	nsenter "$FP_SNET" nginx -e "$T_DIR/nginx-stderr.log" -p "$T_DIR" -c "$T_DIR/nginx.conf" \
		-g "daemon off; pid $T_DIR/nginx.pid;" >"$T_DIR/nginx.out" 2>&1 &
	T_PIDS="$! $T_PIDS"
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
	FP_AGENT_NAME=$1
	shift
	nsenter "$FP_SNET" env HUGINN_EBPF_INTERFACE="$T_SIF" HUGINN_EBPF_DST_PORT="$FP_PORT" \
		HUGINN_EBPF_PIN_PATH="$PIN" HUGINN_EBPF_LOG_LEVEL=debug "$@" "$AGENT" \
		>"$T_DIR/$FP_AGENT_NAME.log" 2>&1 &
	AGENT_PID=$!
	T_PIDS="$AGENT_PID $T_PIDS"
	if ! t_wait_for 30 grep -qE 'attached prog id|took over' "$T_DIR/$FP_AGENT_NAME.log"; then
		sed 's/^/#   /' "$T_DIR/$FP_AGENT_NAME.log" | tail -n 10
		return 1
	fi
	return 0
}

fp_proxy() {
	name=$1
	conf=$2
	shift 2
	nsenter "$FP_SNET" env HUGINN_EBPF_PIN_PATH="$PIN" "$@" "$PROXY" "$conf" \
		>"$T_DIR/$name.out" 2>"$T_DIR/$name.err" &
	PROXY_PID=$!
	T_PIDS="$PROXY_PID $T_PIDS"
}

# fp_conf FILE PORT MPORT BPORT [EXTRA_PORT]: listens on 0.0.0.0:PORT and [::]:PORT (and
# EXTRA_PORT), telemetry on 127.0.0.1:MPORT, one backend, $FP_WORKERS workers (1);
# [fingerprint] from $FP_FPCONF (default: enabled, with p0f.fp).
fp_conf() {
	extra=""
	if [ -n "${FP_FPCONF:-}" ]; then
		fpsec=$FP_FPCONF
	else
		fpsec="tcp_enabled = true
p0f_db = \"$FP_DB\""
	fi
	[ -n "${5:-}" ] && extra=", \"0.0.0.0:$5\", \"[::]:$5\""
	cat >"$1" <<EOF
[server]
workers = ${FP_WORKERS:-1}

[listen]
addrs = ["0.0.0.0:$2", "[::]:$2"$extra]

[fingerprint]
$fpsec

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
	fp_metrics "$1" | awk -v n="$2" '$1 == n { v = $2 } END { print v + 0 }'
}

fp_ready_code() {
	fp_s curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$1/ready"
}

fp_p0f_norm() {
	awk -F'|' '/\] mod=syn\|/ {
		os = ""; d = ""; pa = ""; raw = ""; port = ""
		for (i = 1; i <= NF; i++) {
			k = $i; sub(/=.*/, "", k); v = substr($i, length(k) + 2)
			if (k == "cli") { port = v; sub(/.*\//, "", port) }
			else if (k == "os" || k == "app") os = v
			else if (k == "dist") d = v
			else if (k == "params") pa = v
			else if (k == "raw_sig") raw = v
		}
		print port "\t" raw "\t" "os=" os "|dist=" d "|params=" pa
	}' "$1"
}

fp_stop_pid() {
	t_stop "$1" 15
	RC=$T_RC
}

fp_san_check() {
	if grep -qE 'AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:' "$1"; then
		t_fail "sanitizer report in $(basename "$1")"
		grep -E -A12 'AddressSanitizer|LeakSanitizer|runtime error:' "$1" | head -40 |
			sed 's/^/#   /'
	else
		t_ok "no sanitizer report in $(basename "$1")"
	fi
}

# fp_req CPORT URL [CURL ARGS...]: one request from client local port CPORT, in the client
# namespace; prints the status code.
fp_req() {
	cp=$1
	url=$2
	shift 2
	fp_c curl -s -o /dev/null -w '%{http_code}' --max-time 10 --local-port "$cp" "$@" "$url"
}

# fp_hdr URI: the x-tcp-p0f nginx logged for the first request with this URI ("-" = none).
fp_hdr() { awk -F'\t' -v u="$1" '$1 == u { print $2; exit }' "$T_DIR/access.log"; }

# fp_p0f_raw CPORT: p0f's raw_sig for the first SYN from client port CPORT.
fp_p0f_raw() {
	fp_p0f_norm "$T_DIR/p0f.log" | awk -F'\t' -v p="$1" '$1 == p { print $2; exit }'
}

# fp_map_id NAME / fp_map_max NAME: id and capacity of a pinned map, as bpftool sees them.
fp_map_id() { bpftool map show pinned "$PIN/$1" 2>/dev/null | awk -F: 'NR == 1 { print $1 }'; }
fp_map_max() {
	bpftool map show pinned "$PIN/$1" 2>/dev/null | sed -n 's/.*max_entries \([0-9]*\).*/\1/p'
}
