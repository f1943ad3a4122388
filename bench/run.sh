#!/bin/sh
# bench/run.sh - huginn-proxy, nginx and haproxy side by side, in one run, each as a
# one-worker reverse proxy in front of the same nginx backend on loopback, driven by wrk
# with keep-alive and with "Connection: close", with access logs off and on.  Prints
# requests/s, p99 latency and the proxy's CPU time per request (utime+stime of the
# proxy's whole process tree, from /proc/PID/stat before and after each run, also split
# into user and system time), then the ratios ours/nginx, ours/haproxy.
# A benchmark, not a test: nothing here passes or fails.
#
#   BUILD=build sh bench/run.sh            (or: make bench)
# Environment:
#   DURATION=10     seconds per wrk run          CONNS=50    wrk connections
#   THREADS=2       wrk threads                  WARMUP=1    seconds of warm-up per run
#   PROXY=...       huginn-proxy binary (default $BUILD/huginn-proxy)
#   ONLY="huginn nginx haproxy"   which proxies   MODES="keepalive close"
#   LOGS=both       off, on or both: access logs (see bench/lib.sh: huginn and nginx to a
#                   file each, haproxy `option httplog` to stdout redirected to a file)
#   PIN=1           taskset: proxies on CPU 0, backend and wrk on the other CPUs
#   BODY=128        bytes of the backend's answer
#   PORT_BASE=26900 five ports from here (loopback only)
#   ROUNDS=1        rounds, each running every proxy once in turn; with more than one the
#                   table shows the median of each figure (errors: the sum) and the spread,
#                   and the ratios are taken within each round (neighbouring runs), then
#                   their median and spread shown, so slow drifts of the machine hit all
#                   proxies alike
set -u
BUILD=${BUILD:-build}
PROXY=${PROXY:-$BUILD/huginn-proxy}
DURATION=${DURATION:-10}
CONNS=${CONNS:-50}
THREADS=${THREADS:-2}
WARMUP=${WARMUP:-1}
ONLY=${ONLY:-huginn nginx haproxy}
MODES=${MODES:-keepalive close}
LOGS=${LOGS:-both}
PIN=${PIN:-0}
BODY=${BODY:-128}
PORT_BASE=${PORT_BASE:-26900}
ROUNDS=${ROUNDS:-1}
case $LOGS in
both) LOGS_LIST="off on" ;;
on | off) LOGS_LIST=$LOGS ;;
*) echo "bench: LOGS is off, on or both" >&2; exit 2 ;;
esac

. "$(dirname "$0")/lib.sh"
bench_need wrk nginx curl
HZ=$(getconf CLK_TCK)

NCPU=$(nproc)
LOAD0=$(cut -d" " -f1-3 /proc/loadavg)
if [ "$PIN" = 1 ] && [ "$NCPU" -ge 2 ] && command -v taskset >/dev/null 2>&1; then
	pin_proxy="taskset -c 0"
	pin_other="taskset -c 1-$((NCPU - 1))"
fi
bench_init huginn-bench

body=$(head -c "$BODY" /dev/zero | tr '\0' 'b')
start_backend "location / { return 200 \"$body\"; }"
wait_http "$BE" || { echo "bench: backend nginx did not start" >&2; cat "$DIR/backend.out" >&2; exit 1; }

# run NAME MODE: one measured wrk run; appends
# "name mode logs round rps p99_us cpu_us_per_req user system errs" to results.
run() {
	name=$1
	mode=$2
	url="http://127.0.0.1:$SPORT/"
	set -- -t "$THREADS" -c "$CONNS" --timeout 5s
	[ "$mode" = close ] && set -- "$@" -H "Connection: close"
	$pin_other timeout $((WARMUP + 10)) wrk "$@" -d "${WARMUP}s" "$url" >/dev/null 2>&1
	w="$DIR/wrk-$name-$mode.txt"
	t0=$(tree_ticks "$SPID")
	$pin_other timeout $((DURATION + 30)) wrk "$@" --latency -d "${DURATION}s" "$url" >"$w" 2>&1
	t1=$(tree_ticks "$SPID")
	[ -n "${BENCH_DEBUG:-}" ] && echo "bench: $name/$mode/$LOG pid $SPID ticks (user system) $t0 -> $t1" >&2
	wrk_read "$w"
	if [ -z "$W_RPS" ] || [ -z "$W_TOTAL" ] || [ "$W_TOTAL" = 0 ]; then
		echo "bench: $name/$mode: wrk failed:" >&2
		sed 's/^/    /' "$w" >&2
		echo "$name $mode $LOG $round - - - - - -" >>"$DIR/results"
		return
	fi
	# CPU/req (user+system), then the user and system parts.
	cpu=$(echo "$t0 $t1" | awk -v hz="$HZ" -v n="$W_TOTAL" '{
		u = ($3 - $1) * 1e6 / hz / n; k = ($4 - $2) * 1e6 / hz / n
		printf "%.2f %.2f %.2f", u + k, u, k }')
	echo "$name $mode $LOG $round $W_RPS $W_P99 $cpu $W_ERRS" >>"$DIR/results"
}

: >"$DIR/results"
for round in $(seq 1 "$ROUNDS"); do
	for LOG in $LOGS_LIST; do
		for name in $ONLY; do
			start_proxy "$name" || continue
			body_got=$(curl -s --max-time 2 "http://127.0.0.1:$SPORT/")
			if [ "$body_got" != "$body" ]; then
				echo "bench: $name does not proxy to the backend (got '$(printf '%s' "$body_got" | head -c 80)')" >&2
				stop_spid
				continue
			fi
			for mode in $MODES; do
				run "$name" "$mode"
			done
			if [ "$LOG" = on ] && [ ! -s "$DIR/access-$name.log" ]; then
				echo "bench: $name wrote no access log with LOG=on" >&2
			fi
			stop_spid
			rm -f "$DIR/access-$name.log"
		done
	done
done
[ -n "${BENCH_RAW:-}" ] && cp "$DIR/results" "$BENCH_RAW"
echo
echo "load average at start: $LOAD0, at the end: $(cut -d" " -f1-3 /proc/loadavg)" \
	"(other work on the machine skews every figure)"
echo "huginn bench: ${DURATION}s per run, wrk -t$THREADS -c$CONNS, $NCPU CPUs, one worker per proxy," \
	"backend nginx answering $BODY bytes${pin_proxy:+, pinned (proxy on CPU 0)}"
echo
awk -v rounds="$ROUNDS" "$AWK_STATS"'
	# The median of column c over the rounds of key k.
	function med(k, c,    n, i, a) {
		n = cnt[k]
		for (i = 1; i <= n; i++)
			a[i] = val[k, c, i] + 0
		return median(a, n)
	}
	# "min-max" of column c over the rounds of key k.
	function spread(k, c,    n, i, a) {
		n = cnt[k]
		for (i = 1; i <= n; i++)
			a[i] = val[k, c, i] + 0
		sort(a, n)
		return sprintf("%.2f-%.2f", a[1], a[n])
	}
	{ k = $1 SUBSEP $2 SUBSEP $3; seen[$2, $3] = 1 }
	$5 == "-" { failed[k] = 1; next }
	{
		n = ++cnt[k]
		for (c = 5; c <= 9; c++)
			val[k, c, n] = $c
		errs[k] += $10
		cpuof[k, $4] = $7
		rpsof[k, $4] = $5
	}
	END {
		for (k in cnt) {
			rps[k] = sprintf("%.0f", med(k, 5)); p99[k] = sprintf("%.0f", med(k, 6))
			cpu[k] = sprintf("%.2f", med(k, 7)); usr[k] = sprintf("%.2f", med(k, 8))
			sys[k] = sprintf("%.2f", med(k, 9)); err[k] = errs[k]; spr[k] = spread(k, 7)
		}
		for (k in failed)
			if (!(k in cnt))
				rps[k] = p99[k] = cpu[k] = usr[k] = sys[k] = err[k] = spr[k] = "-"
		if (rounds > 1)
			printf "median of %d rounds (errors: their sum; CPU/req range: lowest-highest round)\n\n", rounds
		printf "%-10s %-4s %-8s %10s %9s %9s %13s %7s %7s %6s\n", "mode", "logs", "proxy", "req/s",
			"p99 (us)", "CPU/req", "range", "user", "system", "errors"
		nm = split("keepalive close", modes, " ")
		nl = split("off on", logs, " ")
		np = split("huginn nginx haproxy", px, " ")
		for (l = 1; l <= nl; l++)
			for (i = 1; i <= nm; i++) {
				m = modes[i]; g = logs[l]
				if (!((m, g) in seen)) continue
				for (j = 1; j <= np; j++) {
					k = px[j] SUBSEP m SUBSEP g
					if (!(k in rps)) continue
					printf "%-10s %-4s %-8s %10s %9s %9s %13s %7s %7s %6s\n", m, g, px[j], rps[k],
						p99[k], cpu[k], spr[k], usr[k], sys[k], err[k]
				}
			}
		print ""
		print "ratios taken in each round (neighbouring runs), then their median and range:"
		printf "%-10s %-4s %-16s %9s %13s %9s %13s\n", "mode", "logs", "ratio", "CPU/req", "range",
			"req/s", "range"
		for (l = 1; l <= nl; l++)
			for (i = 1; i <= nm; i++)
				for (j = 2; j <= np; j++) {
					m = modes[i]; g = logs[l]; o = px[j]
					h = "huginn" SUBSEP m SUBSEP g; k = o SUBSEP m SUBSEP g
					n = 0
					for (r = 1; r <= rounds; r++)
						if ((h, r) in cpuof && (k, r) in cpuof && cpuof[k, r] > 0 && rpsof[k, r] > 0) {
							n++
							rc[n] = cpuof[h, r] / cpuof[k, r]
							rr[n] = rpsof[h, r] / rpsof[k, r]
						}
					if (!n) continue
					mc = median(rc, n); lo = rc[1]; hi = rc[n]
					mr = median(rr, n)
					printf "%-10s %-4s %-16s %9.2f %13s %9.2f %13s\n", m, g, "huginn/" o, mc,
						sprintf("%.2f-%.2f", lo, hi), mr, sprintf("%.2f-%.2f", rr[1], rr[n])
				}
		print ""
		print "targets (issue 12, CPU/req): logs on, huginn/nginx <= 0.85;"
		print "logs off, keep-alive and close, huginn/nginx and huginn/haproxy <= 1.00"
	}' "$DIR/results"
