#!/bin/sh
# t_proxy_log.sh - the access log never stalls the proxy.  With stdout on a FIFO whose
# reader holds it open but never reads, the pipe (64 KiB) and the worker's log buffer fill
# up: every request must still be answered 200, and the lines that did not fit are counted
# in huginn_access_log_dropped_total.  Once the FIFO is drained, the kept lines arrive whole
# and new requests are logged one line each; logged + dropped = requests.  With stdout on a
# regular file every request is logged and nothing is dropped.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"
pl_need

NA=$P_BASE NB=$((P_BASE + 1)) PP=$((P_BASE + 2)) PM=$((P_BASE + 3))
FILL=2000 # requests: ~270-byte lines, far more than the pipe and the buffer hold
pl_nginx "$NA" "$NB"

{
	pl_conf "$PP" "$PM" telemetry.access_log=true
	pl_backend "$NA"
	pl_route / "$NA"
} >"$T_DIR/config.toml"

U="http://127.0.0.1:$PP"
# A long target makes each line long (the log cuts targets at 200 bytes).
LONG=$(printf '%0180d' 0 | tr 0 x)

# curl config for $2 keep-alive requests to $U/$1-N/LONG, one curl, one status per line.
curl_cfg() {
	i=1
	while [ "$i" -le "$2" ]; do
		printf 'url = "%s/%s-%d/%s"\noutput = "/dev/null"\n' "$U" "$1" "$i" "$LONG"
		i=$((i + 1))
	done
}
# Send them: prints how many were answered 200.
send() {
	curl_cfg "$1" "$2" >"$T_DIR/$1.curl"
	timeout 120 curl -s --fail-early --max-time 5 -w '%{http_code}\n' -K "$T_DIR/$1.curl" | grep -c '^200$'
}
dropped() { pl_metric huginn_access_log_dropped_total; }
# Access-log lines of a file whose target starts with /$2-.
logged() { grep -c " GET /$2-" "$1"; }

# --- stdout on a FIFO that nobody reads
mkfifo "$T_DIR/log.fifo"
# The holder opens the read end (so the proxy's open succeeds and writes do not fail with
# EPIPE) and never reads: a sleeping process is the scenario, not a wait.
sleep 120 <"$T_DIR/log.fifo" &
HOLDER=$!
T_PIDS="$HOLDER $T_PIDS"
pl_proxy "$T_DIR/config.toml" "$PP" proxy "$T_DIR/log.fifo"

t_eq "stalled stdout: $FILL requests all answered 200 (curl --max-time 5 each)" \
	"$(send fill "$FILL")" "$FILL"
t_eq "stalled stdout: 20 more requests still answered 200" "$(send more 20)" 20
t_eq "stalled stdout: /health still answers" "$(pl_code "http://127.0.0.1:$PM/health")" 200
d=$(dropped)
case $d in
'' | none | *[!0-9]*) t_fail "huginn_access_log_dropped_total exported (got '$d')" ;;
0) t_fail "stalled stdout: huginn_access_log_dropped_total > 0 (got 0)" ;;
*) t_ok "stalled stdout: huginn_access_log_dropped_total > 0 ($d)" ;;
esac
t_check "/metrics: HELP and TYPE for huginn_access_log_dropped_total" sh -c \
	"curl -s --max-time 5 http://127.0.0.1:$PM/metrics >'$T_DIR/m.txt' &&
	 grep -q '^# HELP huginn_access_log_dropped_total ' '$T_DIR/m.txt' &&
	 grep -q '^# TYPE huginn_access_log_dropped_total counter$' '$T_DIR/m.txt'"

# --- drain the FIFO: the kept lines arrive, then new requests are logged again
cat "$T_DIR/log.fifo" >"$T_DIR/drained.log" &
DRAIN=$!
T_PIDS="$DRAIN $T_PIDS"
# The new reader holds the FIFO before the holder goes: a write while no reader at all
# has it open fails with EPIPE, which ends access logging for good (alog.c).
t_wait_for 5 sh -c "ls -l /proc/$DRAIN/fd 2>/dev/null | grep -q 'log.fifo'"
t_stop "$HOLDER"
if t_wait_for 10 sh -c "grep -q ' GET /fill-' '$T_DIR/drained.log'"; then
	t_ok "after the drain: kept lines arrive"
else
	t_fail "after the drain: kept lines arrive"
fi
# The kept lines leave over the next loop passes (at least one a second): wait until the
# reader has them all, i.e. the file stops growing across more than one pass, so the
# new requests below meet an empty buffer even when the reader is slow (a loaded CI).
t_wait_for 20 sh -c "a=\$(wc -c <'$T_DIR/drained.log'); sleep 1.2
	[ \"\$(wc -c <'$T_DIR/drained.log')\" = \"\$a\" ]"
t_eq "after the drain: 20 requests answered 200" "$(send after 20)" 20
# The loop wakes at least once a second and flushes what is left.
t_wait_for 10 sh -c "[ \"\$(grep -c ' GET /after-' '$T_DIR/drained.log')\" -ge 20 ]"
t_eq "after the drain: one line per request" "$(logged "$T_DIR/drained.log" after)" 20
t_eq "after the drain: each request logged once" \
	"$(grep -o ' GET /after-[0-9]*' "$T_DIR/drained.log" | sort -u | wc -l | tr -d ' ')" 20
t_eq "every line whole (8 fields, status 200)" \
	"$(awk 'NF != 8 || $5 != 200 || $1 !~ /^[0-9-]+T[0-9:]+Z$/' "$T_DIR/drained.log" | wc -l | tr -d ' ')" 0
d=$(dropped)
case $d in '' | *[!0-9]*) d=-1 ;; esac
n=$(($(logged "$T_DIR/drained.log" fill) + $(logged "$T_DIR/drained.log" more)))
t_eq "logged ($n) + dropped ($d) = requests sent before the drain" "$((n + d))" "$((FILL + 20))"
pl_proxy_stop "proxy with a stalled FIFO exits 0 on SIGTERM"

# --- stdout on a regular file: blocking writes, every request logged
pl_proxy "$T_DIR/config.toml" "$PP" file
t_eq "regular file: $FILL requests answered 200" "$(send file "$FILL")" "$FILL"
t_wait_for 10 sh -c "[ \"\$(grep -c ' GET /file-' '$T_DIR/file.out')\" -ge $FILL ]"
t_eq "regular file: every request logged" "$(logged "$T_DIR/file.out" file)" "$FILL"
t_eq "regular file: huginn_access_log_dropped_total is 0" "$(dropped)" 0
pl_proxy_stop "proxy logging to a file exits 0 on SIGTERM"
exit "$((T_FAILS > 0))"
