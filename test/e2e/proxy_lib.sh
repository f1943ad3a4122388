#!/bin/sh
# test/e2e/proxy_lib.sh - helpers for the t_proxy_* tests; source it after lib.sh.
# (Not a test itself: run.sh only runs t_*.sh.)
#
#   P_BASE                       first of ten TCP ports for this run (27000-27989, from the pid)
#   RAW ARGS...                  test/tools/rawhttp.py (raw sockets: send, wait, ws, ...)
#   pl_need                      skip without nginx/curl/python3; fail without the proxy binary
#   pl_nginx PORT_A PORT_B       nginx backend with two servers ("backend=A"/"backend=B",
#                                B closes idle keep-alive connections after 1 s),
#                                access log $T_DIR/nginx-access.log (format below)
#   pl_echo NAME PORT [MODE [ARGS...]]  test/tools/echo_backend.py, log $T_DIR/NAME.log
#   pl_conf PORT MPORT [SETTING...]   the [server], [listen] and [telemetry] sections of a
#                                config: one worker, 127.0.0.1:PORT, metrics on MPORT;
#                                SETTING is workers=N, listen=ADDR (one more address),
#                                server.KEY=VALUE or telemetry.KEY=VALUE
#   pl_backend ADDR...           one [[backends]] section per address (127.0.0.1:PORT)
#   pl_route PREFIX PORT [KEY = VALUE...]   one [[routes]] section to 127.0.0.1:PORT
#   pl_proxy CONF PORT [NAME [STDOUT]]  start $PROXY CONF (stdout $T_DIR/NAME.out or STDOUT,
#                                stderr NAME.err), wait until PORT accepts; pid in $PROXY_PID
#   pl_proxy_stop DESC [PID NAME]  SIGTERM the proxy: ok if it exits 0 within 15 s, then
#                                check its stderr for sanitizer reports
#   pl_code ARGS...              curl, print the status code only
#   pl_status_of TEXT            status code of the first line of a raw response
#   pl_metrics [MPORT]           /metrics text of the proxy (telemetry port $PM by default)
#   pl_metric NAME [MPORT]       the value of the sample named exactly NAME (labels
#                                included), "absent" if there is none
#   pl_status STATUS             the value of huginn_requests_total{code="STATUS"}, 0 if absent

PL_TOOLS=${PL_TOOLS:-$(cd "$(dirname "$0")/../tools" && pwd)}
P_BASE=$((27000 + ($$ % 98) * 10))

RAW() { timeout 30 "$PYTHON" "$PL_TOOLS/rawhttp.py" "$@"; }

pl_need() {
	t_need_tool nginx curl "$PYTHON"
	t_need_bin "$PROXY"
}

# nginx as the real backend.  It logs what it received: the connection serial number and
# how many requests that connection carried (keep-alive and pool checks), and the headers
# the proxy must set, replace, add or strip.
pl_nginx() {
	mkdir -p "$T_DIR/www/static"
	t_nginx_conf 1024
	cat >>"$T_DIR/nginx.conf" <<EOF
    keepalive_timeout 60s;
    log_format t '\$server_port conn=\$connection reqs=\$connection_requests "\$request" '
                 'xff="\$http_x_forwarded_for" xfp="\$http_x_forwarded_proto" '
                 'xfport="\$http_x_forwarded_port" p0f="\$http_x_tcp_p0f" '
                 'xtcp="\$http_x_tcp_anything" add="\$http_x_added" rm="\$http_x_remove_me" '
                 'hop="\$http_x_hop" host="\$http_host" status=\$status';
    access_log $T_DIR/nginx-access.log t;
    server {
        listen 127.0.0.1:$1;
        root $T_DIR/www;
        location /static/ { }
        location / {
            add_header X-Backend-Secret yes always;
            add_header X-Backend-Keep keep always;
            return 200 "backend=A uri=\$request_uri\n";
        }
    }
    server {
        listen 127.0.0.1:$2;
        # Short, so an idle pooled upstream connection goes stale under the proxy.
        keepalive_timeout 1s;
        location / { return 200 "backend=B uri=\$request_uri\n"; }
    }
}
EOF
	t_nginx_start
	if ! RAW wait "$1" 10 >/dev/null || ! RAW wait "$2" 10 >/dev/null; then
		t_fail "nginx backend did not start (see $T_DIR/nginx-error.log)"
		cat "$T_DIR/nginx.out" "$T_DIR/nginx-error.log" 2>/dev/null | sed 's/^/#   /'
		exit 1
	fi
}

pl_echo() {
	_name=$1
	_port=$2
	_mode=${3:-echo}
	shift 2
	[ $# -gt 0 ] && shift
	"$PYTHON" "$PL_TOOLS/echo_backend.py" --port "$_port" --log "$T_DIR/$_name.log" \
		--mode "$_mode" "$@" >"$T_DIR/$_name.out" 2>&1 &
	T_PIDS="$! $T_PIDS"
	if ! RAW wait "$_port" 10 >/dev/null; then
		t_fail "echo backend $_name did not start"
		sed 's/^/#   /' "$T_DIR/$_name.out"
		exit 1
	fi
}

pl_conf() {
	_port=$1
	_mport=$2
	shift 2
	_w=1
	_srv=""
	_tel=""
	_lst=""
	for _kv in "$@"; do
		case $_kv in
		workers=*) _w=${_kv#workers=} ;;
		listen=*) _lst=", \"${_kv#listen=}\"" ;;
		server.*) _kv=${_kv#server.} && _srv="$_srv${_kv%%=*} = ${_kv#*=}
" ;;
		telemetry.*) _kv=${_kv#telemetry.} && _tel="$_tel${_kv%%=*} = ${_kv#*=}
" ;;
		esac
	done
	printf '[server]\nworkers = %s\n%s\n' "$_w" "$_srv"
	printf '[listen]\naddrs = ["127.0.0.1:%s"%s]\n\n' "$_port" "$_lst"
	printf '[telemetry]\nmetrics_addr = "127.0.0.1:%s"\n%s\n' "$_mport" "$_tel"
}

pl_backend() {
	for _b in "$@"; do printf '[[backends]]\naddress = "127.0.0.1:%s"\n\n' "$_b"; done
}

pl_route() {
	printf '[[routes]]\nprefix = "%s"\nbackend = "127.0.0.1:%s"\n' "$1" "$2"
	shift 2
	for _kv in "$@"; do printf '%s\n' "$_kv"; done
	printf '\n'
}

pl_proxy() {
	PL_NAME=${3:-proxy}
	"$PROXY" "$1" >"${4:-$T_DIR/$PL_NAME.out}" 2>"$T_DIR/$PL_NAME.err" &
	PROXY_PID=$!
	T_PIDS="$PROXY_PID $T_PIDS"
	if ! RAW wait "$2" 10 >/dev/null; then
		t_fail "$PROXY $1 did not start listening on $2"
		sed 's/^/#   /' "$T_DIR/$PL_NAME.err" | head -20
		exit 1
	fi
}

pl_proxy_stop() {
	_pid=${2:-$PROXY_PID}
	_name=${3:-${PL_NAME:-proxy}}
	kill -TERM "$_pid" 2>/dev/null
	if t_gone "$_pid" 15; then
		wait "$_pid"
		t_eq "$1 (exit status)" "$?" 0
	else
		t_stop "$_pid" 1
		t_fail "$1 (still running 15 s after SIGTERM)"
	fi
	t_san_check "$T_DIR/$_name.err"
}

pl_code() { curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$@"; }

pl_status_of() { printf '%s\n' "$1" | head -n 1 | cut -d' ' -f2; }

pl_metrics() { curl -s --max-time 5 "http://127.0.0.1:${1:-$PM}/metrics"; }

pl_metric() {
	pl_metrics "${2:-$PM}" >"$T_DIR/pl_metric.txt"
	t_metric_of "$T_DIR/pl_metric.txt" "$1"
}

# huginn_requests_total has a sample for a status code once a response with it was sent.
pl_status() {
	_v=$(pl_metric "huginn_requests_total{code=\"$1\"}")
	[ "$_v" = absent ] && _v=0
	echo "$_v"
}
