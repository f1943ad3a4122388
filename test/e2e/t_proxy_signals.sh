#!/bin/sh
# t_proxy_signals.sh - huginn-proxy's signals under traffic, two workers: SIGHUP while wrk
# runs (config rewritten with a new route and header rule; zero failed requests, the new
# route works, the pid stays), a SIGHUP with a broken file (old config kept), a SIGHUP
# during a request that removes its route, and SIGTERM drains (a slow in-flight request
# completes with 200, new connections are refused, an idle client does not delay the
# exit, the proxy exits 0; a request longer than shutdown_drain does not keep it alive).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"
pl_need
t_need_tool wrk

NA=$P_BASE NB=$((P_BASE + 1)) PP=$((P_BASE + 2)) PM=$((P_BASE + 3)) EB=$((P_BASE + 4))
pl_nginx "$NA" "$NB"
pl_echo echo "$EB"

conf() {
	pl_conf "$PP" "$PM" workers=2 telemetry.access_log=false
	printf '[timeouts]\nshutdown_drain = 8000\nupstream_response = 8000\n\n'
	pl_backend "$NA" "$NB" "$EB"
	pl_route /delay/ "$EB"
	pl_route / "$NA"
}
conf >"$T_DIR/config.toml"
pl_proxy "$T_DIR/config.toml" "$PP"
pid0=$PROXY_PID
U="http://127.0.0.1:$PP"

# reloads_at_least N / failures_at_least N: the counters summed over both workers.
reloads_at_least() { [ "$(pl_metric huginn_config_reloads_total)" -ge "$1" ] 2>/dev/null; }
failures_at_least() { [ "$(pl_metric huginn_config_reload_failures_total)" -ge "$1" ] 2>/dev/null; }
# hup N: SIGHUP, then wait until huginn_config_reloads_total (or, with "failure",
# huginn_config_reload_failures_total) reaches N: each of the two workers counts one.
hup() {
	kill -HUP "$PROXY_PID"
	if [ "${2:-}" = failure ]; then
		t_wait_for 10 failures_at_least "$1"
	else
		t_wait_for 10 reloads_at_least "$1"
	fi
}

t_eq "before reload: /new/ goes to backend A" "$(curl -s --max-time 5 "$U/new/x")" "backend=A uri=/new/x"

# --- SIGHUP under load
timeout 20 wrk -t 2 -c 16 -d 4s --timeout 3s "$U/load" >"$T_DIR/wrk.out" 2>&1 &
wrkpid=$!
sleep 1.5 # the scenario: the reloads land in the middle of wrk's 4 s run
{
	conf
	cat <<EOF

[[routes]]
prefix = "/new/"
backend = "127.0.0.1:$NB"
EOF
} >"$T_DIR/config.toml.new"
# Header rules are reloadable too.
sed 's/^\[telemetry\]/[headers]\nresponse_add = ["X-Reloaded: 1"]\n\n[telemetry]/' \
	"$T_DIR/config.toml.new" >"$T_DIR/config.toml"
hup 2
hup 4
wait "$wrkpid"
sed 's/^/# /' "$T_DIR/wrk.out"
reqs=$(awk '/requests in/ {print $1}' "$T_DIR/wrk.out")
t_check "wrk ran requests during the reloads" [ "${reqs:-0}" -gt 100 ]
t_check "SIGHUP under load: no non-2xx/3xx responses" sh -c "! grep -q 'Non-2xx' '$T_DIR/wrk.out'"
t_check "SIGHUP under load: no socket errors" sh -c "! grep -q 'Socket errors' '$T_DIR/wrk.out'"
t_check "proxy still running with the same pid" kill -0 "$pid0"
t_eq "huginn_config_reloads_total counts two reloads of two workers" \
	"$(pl_metric huginn_config_reloads_total)" 4
# Eight separate connections, so both workers (SO_REUSEPORT) are asked.
got=$(for i in 1 2 3 4 5 6 7 8; do curl -s --max-time 5 "$U/new/x"; done | sort | uniq -c | awk '{print $1 "x" $2}')
t_eq "after reload: new route /new/ goes to backend B (8 connections)" "$got" "8xbackend=B"
t_check "after reload: new response_add rule applies" \
	sh -c "curl -s -D - -o /dev/null --max-time 5 '$U/y' | tr -d '\r' | grep -qx 'X-Reloaded: 1'"

# A broken file on SIGHUP: the old config stays.
printf '[server]\nworkers = "many"\n' >"$T_DIR/config.toml"
hup 2 failure
t_eq "huginn_config_reload_failures_total counts the refusal in both workers" \
	"$(pl_metric huginn_config_reload_failures_total)" 2
t_check "SIGHUP with a broken config: proxy keeps running" kill -0 "$pid0"
t_eq "SIGHUP with a broken config: old routes kept" "$(curl -s --max-time 5 "$U/new/x")" "backend=B uri=/new/x"
t_check "SIGHUP with a broken config: error names line:column" \
	grep -qE 'config\.toml:2:[0-9]+' "$T_DIR/proxy.err" "$T_DIR/proxy.out"

# --- a reload while a request is in flight, removing that request's route and setting a
# body limit: the in-flight request finishes on the old config, new ones see the new one.
conf >"$T_DIR/config.toml"
hup 6
curl -s --max-time 10 -o "$T_DIR/fl.body" -w '%{http_code}' "$U/delay/1500/inflight" >"$T_DIR/fl.code" 2>&1 &
fl=$!
t_wait_for 5 grep -q '/delay/1500/inflight' "$T_DIR/echo.log"
conf | sed -e 's|^prefix = "/delay/"|prefix = "/gone/"|' \
	-e 's/^\[telemetry\]/[limits]\nmax_body_bytes = 10\n\n[telemetry]/' >"$T_DIR/config.toml"
hup 8
wait "$fl"
t_eq "reload during a request: the in-flight request completes with 200" \
	"$(cat "$T_DIR/fl.code") $(head -c 6 "$T_DIR/fl.body")" "200 len=0 "
t_eq "reload removed /delay/: it now falls to / (backend A)" \
	"$(curl -s --max-time 5 "$U/delay/x")" "backend=A uri=/delay/x"
t_eq "reload removed /new/: it now falls to / (backend A)" \
	"$(curl -s --max-time 5 "$U/new/x")" "backend=A uri=/new/x"
t_eq "reload set max_body_bytes = 10: 100 bytes -> 413" \
	"$(head -c 100 /dev/zero | pl_code --data-binary @- "$U/post")" 413
conf >"$T_DIR/config.toml"
hup 10
t_eq "reload back: /delay/ to the echo backend again" \
	"$(curl -s --max-time 5 "$U/delay/0" | head -c 6)" "len=0 "

# --- SIGTERM drain, with an idle keep-alive client that must not hold the exit up
RAW hold "$PP" "GET /idle HTTP/1.1\r\nHost: t\r\n\r\n" 12 >"$T_DIR/idle.out" 2>&1 &
idle=$!
t_wait_for 5 grep -q '"GET /idle ' "$T_DIR/nginx-access.log"
curl -s --max-time 10 -o "$T_DIR/slow.body" -w '%{http_code}' "$U/delay/1500/drain" >"$T_DIR/slow.code" 2>&1 &
slow=$!
t_wait_for 5 grep -q '/delay/1500/drain' "$T_DIR/echo.log"
kill -TERM "$PROXY_PID"
t_check "SIGTERM: new connections are refused" t_wait_for 3 RAW closed "$PP"
wait "$slow"
t_eq "SIGTERM: in-flight slow request completes with 200" "$(cat "$T_DIR/slow.code")" 200
t_check "SIGTERM: its body arrived" grep -q '^len=0 ' "$T_DIR/slow.body"
t_gone "$PROXY_PID" 10
i=$T_WAITED
if kill -0 "$PROXY_PID" 2>/dev/null; then
	t_fail "SIGTERM: proxy exits after the drain (still running 10 s after the last request)"
else
	wait "$PROXY_PID"
	t_eq "SIGTERM: proxy exits 0 after the drain" "$?" 0
	if [ $i -le 30 ]; then
		t_ok "SIGTERM: an idle keep-alive client does not hold the exit up (exit $((i * 100)) ms after the last request)"
	else
		t_fail "SIGTERM: an idle keep-alive client held the exit up (${i}00 ms after the last request)"
	fi
fi
wait "$idle" 2>/dev/null
t_check "SIGTERM: the idle client had its answer and then saw the close" \
	sh -c "grep -q '^HTTP/1.1 200' '$T_DIR/idle.out' && ! grep -q 'error' '$T_DIR/idle.out'"
t_san_check "$T_DIR/proxy.err"

# --- the drain is bounded: shutdown_drain = 1000 and a request needing 5 s.
conf | sed 's/^shutdown_drain = 8000/shutdown_drain = 1000/' >"$T_DIR/config2.toml"
pl_proxy "$T_DIR/config2.toml" "$PP" proxy2
curl -s --max-time 10 -o /dev/null -w '%{http_code}' "$U/delay/5000/bounded" >"$T_DIR/b.code" 2>&1 &
b=$!
t_wait_for 5 grep -q '/delay/5000/bounded' "$T_DIR/echo.log"
kill -TERM "$PROXY_PID"
t_gone "$PROXY_PID" 8
i=$T_WAITED
if kill -0 "$PROXY_PID" 2>/dev/null; then
	t_fail "SIGTERM: drain bounded by shutdown_drain = 1000 (still running after 8 s)"
	kill -KILL "$PROXY_PID"
else
	wait "$PROXY_PID"
	rc=$?
	t_ok "SIGTERM: drain bounded by shutdown_drain = 1000 (exit $rc after ${i}00 ms)"
fi
wait "$b"
t_san_check "$T_DIR/proxy2.err"
exit "$((T_FAILS > 0))"
