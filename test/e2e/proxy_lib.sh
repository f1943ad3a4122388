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
#   pl_echo NAME PORT [MODE]     test/tools/echo_backend.py, log $T_DIR/NAME.log
#   pl_proxy CONF PORT [NAME]    start $PROXY CONF (stdout $T_DIR/NAME.out, stderr NAME.err),
#                                wait until PORT accepts; pid in $PROXY_PID
#   pl_proxy_stop DESC           SIGTERM the proxy: ok if it exits 0 within 15 s, then check
#                                its stderr for sanitizer reports
#   pl_code ARGS...              curl, print the status code only
#   pl_status_of TEXT            status code of the first line of a raw response
#   pl_metric STATUS             sum of /metrics samples whose labels hold the status code

PL_TOOLS=${PL_TOOLS:-$(cd "$(dirname "$0")/../tools" && pwd)}
P_BASE=$((27000 + ($$ % 98) * 10))
# The system interpreter when there is one: a version-manager shim in PATH can cost a
# second or more per start, and the tests start python a hundred times.
if [ -z "${PYTHON:-}" ]; then
	if [ -x /usr/bin/python3 ]; then PYTHON=/usr/bin/python3; else PYTHON=python3; fi
fi

RAW() { timeout 30 "$PYTHON" "$PL_TOOLS/rawhttp.py" "$@"; }

pl_need() {
	t_need_tool nginx curl "$PYTHON"
	if [ ! -x "$PROXY" ]; then
		t_fail "proxy binary $PROXY is missing (make BUILD=$BUILD)"
		exit 1
	fi
}

# nginx as the real backend.  It logs what it received: the connection serial number and
# how many requests that connection carried (keep-alive and pool checks), and the headers
# the proxy must set, replace, add or strip.
pl_nginx() {
	mkdir -p "$T_DIR/www/static" "$T_DIR/nginx-tmp"
	cat >"$T_DIR/nginx.conf" <<EOF
worker_processes 1;
user root;
error_log $T_DIR/nginx-error.log warn;
events { worker_connections 1024; }
http {
    client_body_temp_path $T_DIR/nginx-tmp/body;
    proxy_temp_path $T_DIR/nginx-tmp/proxy;
    fastcgi_temp_path $T_DIR/nginx-tmp/fastcgi;
    uwsgi_temp_path $T_DIR/nginx-tmp/uwsgi;
    scgi_temp_path $T_DIR/nginx-tmp/scgi;
    keepalive_requests 100000;
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
	nginx -e "$T_DIR/nginx-stderr.log" -p "$T_DIR" -c "$T_DIR/nginx.conf" \
		-g "daemon off; pid $T_DIR/nginx.pid;" >"$T_DIR/nginx.out" 2>&1 &
	T_PIDS="$! $T_PIDS"
	if ! RAW wait "$1" 10 >/dev/null || ! RAW wait "$2" 10 >/dev/null; then
		t_fail "nginx backend did not start (see $T_DIR/nginx-error.log)"
		cat "$T_DIR/nginx.out" "$T_DIR/nginx-error.log" 2>/dev/null | sed 's/^/#   /'
		exit 1
	fi
}

pl_echo() {
	"$PYTHON" "$PL_TOOLS/echo_backend.py" --port "$2" --log "$T_DIR/$1.log" \
		--mode "${3:-echo}" >"$T_DIR/$1.out" 2>&1 &
	T_PIDS="$! $T_PIDS"
	if ! RAW wait "$2" 10 >/dev/null; then
		t_fail "echo backend $1 did not start"
		sed 's/^/#   /'
		exit 1
	fi
}

pl_proxy() {
	PL_NAME=${3:-proxy}
	"$PROXY" "$1" >"$T_DIR/$PL_NAME.out" 2>"$T_DIR/$PL_NAME.err" &
	PROXY_PID=$!
	T_PIDS="$PROXY_PID $T_PIDS"
	if ! RAW wait "$2" 10 >/dev/null; then
		t_fail "$PROXY $1 did not start listening on $2"
		sed 's/^/#   /' "$T_DIR/$PL_NAME.err" | head -20
		exit 1
	fi
}

pl_sanitizer_check() {
	if grep -qE 'AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:' "$1"; then
		t_fail "sanitizer report in $(basename "$1")"
		grep -E -A12 'AddressSanitizer|LeakSanitizer|runtime error:' "$1" | head -40 | sed 's/^/#   /'
	else
		t_ok "no sanitizer report in $(basename "$1")"
	fi
}

pl_proxy_stop() {
	pid=${2:-$PROXY_PID}
	name=${3:-${PL_NAME:-proxy}}
	kill -TERM "$pid" 2>/dev/null
	i=0
	while kill -0 "$pid" 2>/dev/null && [ $i -lt 150 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		t_fail "$1 (still running 15 s after SIGTERM)"
	else
		wait "$pid"
		rc=$?
		t_eq "$1 (exit status)" "$rc" 0
	fi
	pl_sanitizer_check "$T_DIR/$name.err"
}

pl_code() { curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$@"; }

pl_status_of() { printf '%s\n' "$1" | head -n 1 | cut -d' ' -f2; }

# Prometheus text: sum every sample whose label set carries the status code, whatever the
# metric and label are called (code="404", status="404").
pl_metric() {
	curl -s --max-time 5 "http://127.0.0.1:$PM/metrics" |
		awk -v s="\"$1\"" '!/^#/ && /request/ && index($0, s) && /(code|status)=/ { n += $NF } END { print n + 0 }'
}
