#!/bin/sh
# t_proxy_basic.sh - huginn-proxy in front of a real nginx on loopback: routing (longest
# prefix, 404, replace_path, round robin, a refusing backend skipped), header rules,
# hop-by-hop and X-Forwarded-* handling, client x-tcp-* stripped, keep-alive reuse and
# force_new_connection seen from nginx's $connection, a stale pooled upstream connection,
# pipelining (4 and 100 requests), HEAD/204/304 without bodies, a declined Upgrade, a
# backend closing after its answer, 103 interim answers, HTTP/1.0, absolute-form, an IPv6
# listener, 200 concurrent clients, /metrics, /health, /ready, the access log, and a clean
# SIGTERM exit.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"
pl_need

NA=$P_BASE NB=$((P_BASE + 1)) PP=$((P_BASE + 2)) PM=$((P_BASE + 3)) EB=$((P_BASE + 4))
PP6=$((P_BASE + 5)) DEAD=$((P_BASE + 9))
pl_nginx "$NA" "$NB"
pl_echo echo "$EB"
listen6=""
ip -6 addr show dev lo 2>/dev/null | grep -q '::1/128' && listen6="listen=[::1]:$PP6"

{
	pl_conf "$PP" "$PM" telemetry.access_log=true $listen6
	cat <<EOF
[timeouts]
connect = 1000
upstream_response = 5000

[headers]
request_add = ["X-Added: yes-added"]
request_remove = ["X-Remove-Me"]
response_add = ["X-Proxy-Added: 1"]
response_remove = ["X-Backend-Secret"]

[[routes]]
prefix = "/rr"
backends = ["127.0.0.1:$NA", "127.0.0.1:$NB"]

[[routes]]
prefix = "/skip"
backends = ["127.0.0.1:$DEAD", "127.0.0.1:$NA"]

EOF
	pl_backend "$NA" "$NB" "$DEAD" "$EB"
	pl_route /status/ "$EB"
	pl_route /e/ "$EB" 'replace_path = "/"'
	pl_route /a "$NA"
	pl_route /a/b "$NB"
	pl_route /rewrite/ "$NA" 'replace_path = "/new/"'
	pl_route /fresh "$NA" 'force_new_connection = true'
} >"$T_DIR/config.toml"

if ! "$PROXY" -t "$T_DIR/config.toml" >"$T_DIR/check.out" 2>&1; then
	t_fail "huginn-proxy -t accepts the test config"
	sed 's/^/#   /' "$T_DIR/check.out"
else
	t_ok "huginn-proxy -t accepts the test config"
fi
pl_proxy "$T_DIR/config.toml" "$PP"
U="http://127.0.0.1:$PP"
C="curl -s --max-time 10"

# nginx access log lines of requests whose target contains $1
ngx() { grep -F "$1" "$T_DIR/nginx-access.log"; }

# --- routing
t_eq "route /a -> backend A" "$($C "$U/a/x")" "backend=A uri=/a/x"
t_eq "longest prefix /a/b wins over /a" "$($C "$U/a/b/x")" "backend=B uri=/a/b/x"
t_eq "no matching route -> 404" "$(pl_code "$U/nothing/here")" 404
t_eq "replace_path swaps the prefix, keeps the query" "$($C "$U/rewrite/x/y?q=1&r=2")" \
	"backend=A uri=/new/x/y?q=1&r=2"
rr=$(for i in 1 2 3 4; do $C "$U/rr/$i"; done | cut -d' ' -f1 | sort -u | tr '\n' ' ')
t_eq "round robin over a route's two backends" "$rr" "backend=A backend=B "
sk=$(for i in 1 2 3 4; do pl_code "$U/skip/$i"; echo; done | sort | uniq -c | awk '{print $1 "x" $2}')
t_eq "a backend refusing connections is skipped" "$sk" "4x200"

# --- header rules, hop-by-hop, X-Forwarded-*, x-tcp-*
$C -D "$T_DIR/hdr.head" -o "$T_DIR/hdr.body" \
	-H 'X-Remove-Me: should-not-arrive' -H 'X-Forwarded-For: 6.6.6.6' \
	-H 'X-Forwarded-Proto: https' -H 'X-Forwarded-Port: 1' \
	-H 'x-tcp-p0f: 4:64+0:0:1460:spoofed' -H 'X-TCP-Anything: spoofed' \
	-H 'Connection: keep-alive, X-Hop' -H 'X-Hop: hop-by-hop' \
	"$U/a/hdrmark"
line=$(ngx '/a/hdrmark')
case $line in *'add="yes-added"'*) t_ok "request_add reaches the backend" ;;
*) t_fail "request_add reaches the backend: $line" ;; esac
case $line in *'rm="-"'*) t_ok "request_remove strips the header" ;;
*) t_fail "request_remove strips the header: $line" ;; esac
case $line in *'xff="127.0.0.1"'*) t_ok "X-Forwarded-For set to the client, client value replaced" ;;
*) t_fail "X-Forwarded-For set to the client, client value replaced: $line" ;; esac
case $line in *'xfp="http"'*) t_ok "X-Forwarded-Proto http, client value replaced" ;;
*) t_fail "X-Forwarded-Proto http, client value replaced: $line" ;; esac
case $line in *"xfport=\"$PP\""*) t_ok "X-Forwarded-Port is the listener port" ;;
*) t_fail "X-Forwarded-Port is the listener port: $line" ;; esac
case $line in *'p0f="-" xtcp="-"'*) t_ok "client x-tcp-p0f / X-TCP-Anything never reach the backend" ;;
*) t_fail "client x-tcp-p0f / X-TCP-Anything never reach the backend: $line" ;; esac
case $line in *'hop="-"'*) t_ok "header named in Connection (hop-by-hop) is removed" ;;
*) t_fail "header named in Connection (hop-by-hop) is removed: $line" ;; esac
case $line in *"host=\"127.0.0.1:$PP\""*) t_ok "Host is passed through" ;;
*) t_fail "Host is passed through: $line" ;; esac
tr -d '\r' <"$T_DIR/hdr.head" >"$T_DIR/hdr.h"
t_check "response_add adds X-Proxy-Added" grep -qi '^X-Proxy-Added: 1$' "$T_DIR/hdr.h"
t_check "response_remove strips X-Backend-Secret" sh -c "! grep -qi '^X-Backend-Secret' '$T_DIR/hdr.h'"
t_check "other backend headers pass (X-Backend-Keep)" grep -qi '^X-Backend-Keep: keep$' "$T_DIR/hdr.h"
t_check "no Via added" sh -c "! grep -qi '^Via:' '$T_DIR/hdr.h'"

# --- keep-alive: 10 requests on one client connection; nginx must see them on fewer
# connections (the upstream pool), and curl must have connected once.
set --
for i in 1 2 3 4 5 6 7 8 9 10; do set -- "$@" -o /dev/null "$U/a/kamark?i=$i"; done
nc=$($C -w '%{num_connects}\n' "$@" | awk '{n += $1} END {print n}')
t_eq "keep-alive: 10 client requests over 1 client connection" "$nc" 1
nreq=$(ngx '/a/kamark' | wc -l)
nconn=$(ngx '/a/kamark' | awk '{print $2}' | sort -u | wc -l)
t_eq "keep-alive: nginx got all 10 requests" "$nreq" 10
if [ "$nconn" -lt "$nreq" ]; then t_ok "keep-alive: upstream connections reused ($nconn for $nreq requests)"
else t_fail "keep-alive: upstream connections reused ($nconn connections for $nreq requests)"; fi

set --
for i in 1 2 3 4 5 6 7 8 9 10; do set -- "$@" -o /dev/null "$U/fresh/fnmark?i=$i"; done
$C "$@"
nreq=$(ngx '/fresh/fnmark' | wc -l)
nconn=$(ngx '/fresh/fnmark' | awk '{print $2}' | sort -u | wc -l)
t_eq "force_new_connection: 10 requests -> 10 upstream connections" "$nreq/$nconn" "10/10"
t_eq "force_new_connection: each upstream connection carried 1 request" \
	"$(ngx '/fresh/fnmark' | grep -vc ' reqs=1 ')" 0

# --- a pooled upstream connection that the backend closed (B closes idle ones after 1 s)
# must not fail the next request.
# The idle time is the scenario: 1.6 s lets nginx's 1 s keepalive_timeout pass.
r1=$($C "$U/a/b/stale1")
sleep 1.6
r2=$($C "$U/a/b/stale2")
sleep 1.6
r3=$($C "$U/a/b/stale3")
t_eq "stale pooled upstream connection: next requests still 200" "$r1|$r2|$r3" \
	"backend=B uri=/a/b/stale1|backend=B uri=/a/b/stale2|backend=B uri=/a/b/stale3"

# --- pipelining: four requests (one with a body) in one send, answers in order.
out=$(RAW send "$PP" "GET /a/p1 HTTP/1.1\r\nHost: t\r\n\r\nPOST /a/p2 HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhelloGET /a/b/p3 HTTP/1.1\r\nHost: t\r\n\r\nGET /a/p4 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n" 8)
order=$(printf '%s\n' "$out" | grep -o 'uri=/a/[a-z/0-9]*' | tr '\n' ' ')
t_eq "pipelining: 4 requests in one send answered in order" "$order" \
	"uri=/a/p1 uri=/a/p2 uri=/a/b/p3 uri=/a/p4 "
t_eq "pipelining: 4 status lines" "$(printf '%s\n' "$out" | grep -c '^HTTP/1.1 200')" 4

# 100 pipelined requests in one send: buffers refill and answers stay in order.
d=""
i=1
while [ $i -lt 100 ]; do
	d="${d}GET /a/pp$i HTTP/1.1\\r\\nHost: t\\r\\n\\r\\n"
	i=$((i + 1))
done
d="${d}GET /a/pp100 HTTP/1.1\\r\\nHost: t\\r\\nConnection: close\\r\\n\\r\\n"
RAW send "$PP" "$d" 10 >"$T_DIR/pp.out"
want=$(i=1; while [ $i -le 100 ]; do echo "uri=/a/pp$i"; i=$((i + 1)); done | tr '\n' ' ')
t_eq "pipelining: 100 requests in one send, 100 answers in order" \
	"$(grep -o 'uri=/a/pp[0-9]*' "$T_DIR/pp.out" | tr '\n' ' ')" "$want"

# --- HEAD has no body: the answer must end without waiting for one.
out=$(RAW send "$PP" "HEAD /a/head HTTP/1.1\r\nHost: t\r\n\r\nGET /a/afterhead HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n" 5)
t_eq "HEAD then GET on one connection: both answered" "$(printf '%s\n' "$out" | grep -c '^HTTP/1.1 200')" 2
t_check "HEAD answer carries no body" sh -c "printf '%s\n' \"\$1\" | grep -c 'uri=' | grep -qx 1" x "$out"

# --- 204 and 304 have no body (the 304 even announces a Content-Length): the next
# pipelined request must be answered right after them.
out=$(RAW send "$PP" "GET /status/204 HTTP/1.1\r\nHost: t\r\n\r\nGET /status/304 HTTP/1.1\r\nHost: t\r\n\r\nGET /a/after304 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n" 5)
got=$(printf '%s\n' "$out" | grep -oE '^HTTP/1.1 [0-9]+|uri=/a/after304' | tr '\n' ' ')
t_eq "204 and 304 without body, then the next request" "$got" "HTTP/1.1 204 HTTP/1.1 304 HTTP/1.1 200 uri=/a/after304 "

# --- an Upgrade the backend declines (nginx answers 200): no tunnel, HTTP goes on.
out=$(RAW send "$PP" "GET /a/up HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\nGET /a/afterup HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n" 4)
t_eq "declined Upgrade: the next pipelined request is still HTTP" \
	"$(printf '%s\n' "$out" | grep -o 'uri=/a/[a-z]*' | tr '\n' ' ')" "uri=/a/up uri=/a/afterup "
# --- the backend closes after its answer: the client connection lives on.
out=$(RAW send "$PP" "GET /e/closing HTTP/1.1\r\nHost: t\r\n\r\nGET /e/after-closing HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n" 4)
t_eq "backend Connection: close: next request on the same client connection served" \
	"$(printf '%s\n' "$out" | grep -cE '^HTTP/1.1 200|^closing|^len=0')" 4
# --- a 103 interim answer is relayed and the final answer follows.
out=$(RAW send "$PP" "GET /e/early HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n" 4)
t_eq "103 Early Hints then 200" "$(printf '%s\n' "$out" | grep -oE '^HTTP/1.1 [0-9]+' | tr '\n' ' ')" \
	"HTTP/1.1 103 HTTP/1.1 200 "
# --- several client X-Forwarded-For lines and mixed-case x-tcp-* names: one XFF, no x-tcp.
out=$(RAW send "$PP" "GET /e/xff HTTP/1.1\r\nHost: t\r\nX-Forwarded-For: 1.1.1.1\r\nX-Forwarded-For: 2.2.2.2\r\nx-forwarded-for: 3.3.3.3\r\nX-TCP-P0F: a\r\nx-Tcp-Foo: b\r\nConnection: close\r\n\r\n" 4)
t_eq "three client X-Forwarded-For lines -> one, the client address" \
	"$(printf '%s\n' "$out" | grep -i '^hdr x-forwarded-for:' | sed 's/^hdr [^:]*: //' | tr -d '\r' | tr '\n' ' ')" "127.0.0.1 "
t_eq "mixed-case x-tcp-* headers stripped" "$(printf '%s\n' "$out" | grep -ci '^hdr x-tcp')" 0

# --- HTTP/1.0 client: answered, then closed (no keep-alive asked for).
out=$(RAW eof "$PP" "GET /a/http10 HTTP/1.0\r\n\r\n" 3)
ms=${out##*eof_ms=}
if [ "${out%% *}" = status=200 ] && [ "$ms" -ge 0 ]; then
	t_ok "HTTP/1.0 request without Host: 200, then the proxy closes"
else
	t_fail "HTTP/1.0 request without Host: 200, then the proxy closes ($out)"
fi
# absolute-form must be accepted by a server (RFC 9112 3.2.2); routing uses its path.
t_eq "absolute-form request target" "$(pl_status_of "$(RAW one "$PP" "GET http://127.0.0.1:$PP/a/absform HTTP/1.1\r\nHost: 127.0.0.1:$PP\r\n\r\n" 3)")" 200
t_check "absolute-form reaches the backend as origin-form" grep -q '"GET /a/absform HTTP/1.1"' "$T_DIR/nginx-access.log"

# --- IPv6 listener
if [ -n "$listen6" ]; then
	t_eq "IPv6 listener [::1]: routed" "$(curl -s -g --max-time 5 "http://[::1]:$PP6/a/v6")" "backend=A uri=/a/v6"
	case $(ngx '/a/v6') in *'xff="::1"'*) t_ok "IPv6 client: X-Forwarded-For ::1" ;;
	*) t_fail "IPv6 client: X-Forwarded-For ::1: $(ngx '/a/v6')" ;; esac
else
	t_skip "no ::1 on lo: IPv6 listener not tested"
fi

# --- telemetry
t_eq "/health 200" "$(pl_code "http://127.0.0.1:$PM/health")" 200
t_eq "/ready 200" "$(pl_code "http://127.0.0.1:$PM/ready")" 200
pl_metrics >"$T_DIR/metrics.1"
t_check "/metrics answers Prometheus text" \
	grep -q '^# TYPE huginn_requests_total counter$' "$T_DIR/metrics.1"
b404=$(pl_status 404)
b200=$(pl_status 200)
pl_code "$U/nothing/1" >/dev/null
pl_code "$U/nothing/2" >/dev/null
pl_code "$U/a/metricmark" >/dev/null
t_eq "/metrics: huginn_requests_total{code=\"404\"} moved by 2" "$(($(pl_status 404) - b404))" 2
t_eq "/metrics: huginn_requests_total{code=\"200\"} moved by 1" "$(($(pl_status 200) - b200))" 1
pl_metrics >"$T_DIR/metrics.2"
m() { t_metric_of "$T_DIR/metrics.2" "$1"; }
t_check "/metrics: huginn_active_client_connections is a number" \
	sh -c "echo '$(m huginn_active_client_connections)' | grep -qE '^[0-9]+$'"
for peer in client upstream; do
	for dir in received sent; do
		n="huginn_bytes_${dir}_total{peer=\"$peer\"}"
		t_check "/metrics: $n > 0" test "$(m "$n")" -gt 0
	done
done
# The request with a spoofed x-tcp-p0f and X-TCP-Anything above.
t_check "/metrics: huginn_spoofed_headers_total counts the client's x-tcp-* (>= 2)" \
	test "$(m huginn_spoofed_headers_total)" -ge 2
# /skip's first backend refuses connections.
t_check "/metrics: huginn_upstream_errors_total{kind=\"refused\"} counts the refusing backend" \
	test "$(m 'huginn_upstream_errors_total{kind="refused"}')" -gt 0

# --- 200 concurrent clients for 2 s: no errors, and every connection is gone afterwards.
if command -v wrk >/dev/null 2>&1; then
	timeout 20 wrk -t 2 -c 200 -d 2s --timeout 5s "$U/a/conc" >"$T_DIR/wrk.out" 2>&1
	t_check "200 concurrent clients: no errors (wrk)" \
		sh -c "grep -q 'requests in' '$T_DIR/wrk.out' && ! grep -qE 'Non-2xx|Socket errors' '$T_DIR/wrk.out'"
	no_clients() { [ "$(pl_metric huginn_active_client_connections)" = 0 ]; }
	t_wait_for 5 no_clients
	t_eq "after the load: huginn_active_client_connections back to 0" \
		"$(pl_metric huginn_active_client_connections)" 0
else
	t_skip "wrk not installed: concurrency check"
fi

# --- access log: one line per request, with path and status
for i in 1 2 3; do pl_code "$U/a/logmark" >/dev/null; done
pl_code "$U/nothing/logmark404" >/dev/null
t_wait_for 5 grep -q '/nothing/logmark404' "$T_DIR/proxy.out"
t_eq "access log: one line per request" "$(grep -c '/a/logmark' "$T_DIR/proxy.out")" 3
t_check "access log: line names method, path and status" \
	sh -c "grep '/nothing/logmark404' '$T_DIR/proxy.out' | grep 'GET' | grep -q ' 404'"

pl_proxy_stop "proxy exits 0 on SIGTERM"
exit "$((T_FAILS > 0))"
