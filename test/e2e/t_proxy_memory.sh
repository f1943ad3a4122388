#!/bin/sh
# t_proxy_memory.sh - a connection holds buffers only while it has bytes to keep (issue 12),
# read from the pool's own gauges (huginn_buffers, huginn_buffer_bytes):
# - 50 keep-alive connections that each made a request and now idle hold no buffer;
# - 20 connections in the middle of a small request head hold one first-class buffer each
#   (2028 bytes, docs/config.md);
# - pipelined bytes survive the release: a request whose head grew the buffer (a 6000-byte
#   field) carries the start of the next one; between the two, the connection keeps one
#   first-class buffer, and the second request arrives whole once its rest is sent;
# - a 12000-byte head (four fields) sent at once moves through every buffer class on its way and still
#   reaches the backend intact;
# - buffer_memory_max = 65536: 40 connections each start a head; 32 fit (32 x 2028 bytes),
#   the other 8 are answered 503 and counted in huginn_buffer_refusals_total, the borrowed
#   bytes never pass the cap, and once the 32 leave, requests are served again.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"
pl_need

NA=$P_BASE NB=$((P_BASE + 1)) PP=$((P_BASE + 2)) PM=$((P_BASE + 3))
PP2=$((P_BASE + 4)) PM2=$((P_BASE + 5))
FIRST=2028 # the first buffer class (proxy/bufpool.h, docs/config.md)
pl_nginx "$NA" "$NB"

{
	pl_conf "$PP" "$PM" telemetry.access_log=false
	pl_backend "$NA"
	pl_route / "$NA"
} >"$T_DIR/config.toml"
{
	printf '[limits]\nbuffer_memory_max = 65536\n\n'
	pl_conf "$PP2" "$PM2" telemetry.access_log=false
	pl_backend "$NA"
	pl_route / "$NA"
} >"$T_DIR/capped.toml"

HOLD() { timeout 60 "$PYTHON" "$PL_TOOLS/connhold.py" "$@"; }
borrowed() { pl_metric 'huginn_buffers{state="borrowed"}' "${1:-$PM}"; }
borrowed_bytes() { pl_metric 'huginn_buffer_bytes{state="borrowed"}' "${1:-$PM}"; }
# hold_start NAME ARGS...: connhold.py in the background until $T_DIR/NAME.go exists;
# waits for its "ready" line.
hold_start() {
	_n=$1
	shift
	HOLD "$@" "$T_DIR/$_n.go" 30 >"$T_DIR/$_n.out" 2>&1 &
	T_PIDS="$! $T_PIDS"
	HOLD_PID=$!
	t_wait_for 20 grep -q '^ready\|^first' "$T_DIR/$_n.out" ||
		t_fail "$_n: connhold.py did not get ready ($(cat "$T_DIR/$_n.out"))"
}
hold_end() {
	touch "$T_DIR/$1.go"
	t_wait_for 20 grep -q '^closed\|^second' "$T_DIR/$1.out"
	wait "$HOLD_PID" 2>/dev/null
}

pl_proxy "$T_DIR/config.toml" "$PP"
t_eq "a first request is served" "$(pl_code "http://127.0.0.1:$PP/warm")" 200

# --- idle keep-alive connections hold nothing
hold_start idle "$PP" 50 'GET /idle HTTP/1.1\r\nHost: t\r\n\r\n'
t_eq "idle: 50 requests answered 200, connections kept open" "$(cat "$T_DIR/idle.out")" \
	"ready open=50 answered=50 status=200:50"
t_eq "idle: 50 client connections open" "$(pl_metric huginn_active_client_connections)" 50
t_eq "idle: no buffer borrowed by 50 idle connections" "$(borrowed)" 0
t_eq "idle: no buffer bytes borrowed" "$(borrowed_bytes)" 0
p=$(pl_metric 'huginn_buffers{state="pooled"}')
case $p in
'' | absent | *[!0-9]* | 0) t_fail "idle: the buffers went back to the pool (pooled: '$p')" ;;
*) t_ok "idle: the buffers went back to the pool ($p pooled)" ;;
esac
hold_end idle

# --- connections in the middle of a small head hold one small buffer each
hold_start slow "$PP" 20 'GET /slow HTTP/1.1\r\nHost: t\r\nX-Pad: aaaaaaaaaaaaaaaa'
t_eq "slow heads: 20 open, none answered yet" "$(cat "$T_DIR/slow.out")" \
	"ready open=20 answered=0 status=-"
t_eq "slow heads: 20 buffers borrowed" "$(borrowed)" 20
t_eq "slow heads: each the first class ($FIRST bytes)" "$(borrowed_bytes)" $((20 * FIRST))
hold_end slow
t_wait_for 5 sh -c "[ \"\$(curl -s http://127.0.0.1:$PM/metrics | grep '^huginn_buffers{state=\"borrowed\"}')\" = 'huginn_buffers{state=\"borrowed\"} 0' ]"
t_eq "slow heads gone: nothing borrowed" "$(borrowed)" 0

# --- pipelined bytes survive the release, in a small buffer
BIG=$(printf '%06000d' 0 | tr 0 b)
hold_start pipe pipeline "$PP" \
	"GET /p1 HTTP/1.1\\r\\nHost: t\\r\\nX-Big: $BIG\\r\\n\\r\\nGET /p2 HTTP/1.1\\r\\nHo" \
	'st: t\r\nX-After: 1\r\n\r\n'
t_eq "pipeline: first response" "$(grep '^first' "$T_DIR/pipe.out")" "first 200 backend=A uri=/p1"
t_eq "pipeline: between the requests one buffer holds the next one's start" "$(borrowed)" 1
t_eq "pipeline: in a first-class buffer (the grown one went back)" "$(borrowed_bytes)" "$FIRST"
hold_end pipe
t_eq "pipeline: second request arrives whole" "$(grep '^second' "$T_DIR/pipe.out")" \
	"second 200 backend=A uri=/p2"
t_eq "pipeline: nothing borrowed after both" "$(borrowed)" 0

# --- a large head grows its buffer class by class, bytes intact
# (four 3000-byte fields: nginx, the backend, refuses a line over 8 KiB)
F=$(printf '%03000d' 0 | tr 0 h)
r=$(RAW one "$PP" "GET /huge HTTP/1.1\\r\\nHost: t\\r\\nX-H1: $F\\r\\nX-H2: $F\\r\\nX-H3: $F\\r\\nX-H4: $F\\r\\nConnection: close\\r\\n\\r\\n")
t_eq "12000-byte head: answered 200" "$(pl_status_of "$r")" 200
t_check "12000-byte head: the backend saw the request" sh -c "printf '%s' '$r' | grep -q 'uri=/huge'"
grep -c '"GET /huge HTTP/1.1"' "$T_DIR/nginx-access.log" >"$T_DIR/huge.n"
t_eq "12000-byte head: one request at the backend" "$(cat "$T_DIR/huge.n")" 1
pl_proxy_stop "first proxy exits 0 on SIGTERM"

# --- the memory ceiling
pl_proxy "$T_DIR/capped.toml" "$PP2" capped
t_eq "capped: a request is served" "$(pl_code "http://127.0.0.1:$PP2/warm")" 200
hold_start cap "$PP2" 40 'GET /slow HTTP/1.1\r\nHost: t\r\nX-Pad: aaaaaaaaaaaaaaaa'
t_eq "capped: 32 heads fit 65536 bytes, 8 are answered 503" "$(cat "$T_DIR/cap.out")" \
	"ready open=32 answered=8 status=503:8"
t_eq "capped: 32 buffers borrowed" "$(borrowed "$PM2")" 32
t_eq "capped: borrowed bytes stay under the cap" "$(borrowed_bytes "$PM2")" $((32 * FIRST))
t_eq "capped: the refusals counted" "$(pl_metric huginn_buffer_refusals_total "$PM2")" 8
t_eq "capped: 503 counted in huginn_requests_total" \
	"$(pl_metric 'huginn_requests_total{code="503"}' "$PM2")" 8
hold_end cap
t_wait_for 5 sh -c "[ \"\$(curl -s http://127.0.0.1:$PM2/metrics | grep '^huginn_buffers{state=\"borrowed\"}')\" = 'huginn_buffers{state=\"borrowed\"} 0' ]"
t_eq "capped: once they leave, requests are served again" \
	"$(pl_code "http://127.0.0.1:$PP2/again")" 200
pl_proxy_stop "capped proxy exits 0 on SIGTERM" "$PROXY_PID" capped
exit "$((T_FAILS > 0))"
