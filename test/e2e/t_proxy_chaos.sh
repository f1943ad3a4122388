#!/bin/sh
# t_proxy_chaos.sh - a network-level fuzz smoke: for a few seconds, four clients send
# mutated requests (test/tools/chaos.py: flipped and inserted bytes, duplicated and
# dropped lines, truncation, random segmenting, early closes) through huginn-proxy to a
# sane echo backend and to a backend answering mutated responses.  Afterwards the proxy
# must still serve, hold no leftover client connections, exit 0 on SIGTERM, and (with the
# sanitizer build, see t_proxy_asan.sh) report no memory error.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"
pl_need

EB=$P_BASE CB=$((P_BASE + 1)) PP=$((P_BASE + 2)) PM=$((P_BASE + 3))
CHAOS_SECS=${CHAOS_SECS:-8}
SEED=${CHAOS_SEED:-$$}
pl_echo echo "$EB"
pl_echo chaos-backend "$CB" chaos --seed "$SEED"

{
	pl_conf "$PP" "$PM"
	cat <<EOF
[timeouts]
client_header = 300
upstream_response = 600
idle = 500
connect = 500

[limits]
max_header_bytes = 4096
max_body_bytes = 1000000

EOF
	pl_backend "$EB" "$CB"
	pl_route /n/ "$EB" 'replace_path = "/"'
	pl_route /c/ "$CB"
} >"$T_DIR/config.toml"
pl_proxy "$T_DIR/config.toml" "$PP"
t_diag "seed $SEED (CHAOS_SEED=$SEED reproduces the request side)"

pids=""
for k in 1 2 3 4; do
	timeout $((CHAOS_SECS + 30)) "$PYTHON" "$PL_TOOLS/chaos.py" "$PP" "$CHAOS_SECS" "$((SEED + k))" /n/ /c/ \
		>"$T_DIR/chaos$k.out" 2>&1 &
	pids="$pids $!"
done
n=0
for p in $pids; do
	wait "$p" && n=$((n + 1))
done
for k in 1 2 3 4; do t_diag "client $k: $(cat "$T_DIR/chaos$k.out")"; done
t_eq "four chaos clients ran to the end" "$n" 4
t_check "proxy still running" kill -0 "$PROXY_PID"
t_eq "a sane request still gets 200" "$(pl_code "http://127.0.0.1:$PP/n/after")" 200
t_eq "pipelined sane requests still answered in order" \
	"$(RAW send "$PP" "GET /n/x1 HTTP/1.1\r\nHost: t\r\n\r\nGET /n/x2 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n" 5 | grep -c '^HTTP/1.1 200')" 2
# Every chaos connection closes within the timeouts (under 1 s): none may linger.
no_clients() { [ "$(pl_metric huginn_active_client_connections)" = 0 ]; }
t_wait_for 5 no_clients
t_eq "no client connection left open afterwards (huginn_active_client_connections)" \
	"$(pl_metric huginn_active_client_connections)" 0
t_diag "sane backend: $(grep -c "^REQ " "$T_DIR/echo.log") requests, $(grep -c "^BAD " "$T_DIR/echo.log") unparsable"
bad=$(grep "^BAD " "$T_DIR/echo.log" | head -n 5)
t_eq "every request forwarded to the sane backend was well-formed HTTP/1.1" "$bad" ""
pl_proxy_stop "proxy exits 0 on SIGTERM"
exit "$((T_FAILS > 0))"
