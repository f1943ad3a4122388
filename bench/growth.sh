#!/bin/sh
# bench/growth.sh - how the cost grows: requests/s, p99 latency and peak RSS of
# huginn-proxy, nginx and haproxy (in front of the same nginx backend on loopback) as the
# concurrent keep-alive connections go CONNS_LIST and the answer's body goes BODIES.
# Every cell runs on a freshly started proxy, so its peak RSS (VmHWM summed over the
# proxy's processes) is that cell's own; the proxies of a cell run one after the other,
# so the ratios compare neighbouring runs.
# A benchmark, not a test: nothing here passes or fails.  About DURATION+4 seconds a cell.
#
#   BUILD=build sh bench/growth.sh
# Environment:
#   CONNS_LIST="10 1000 10000"  wrk -c values.  Each client connection in flight also
#                        needs an upstream one, and a process may hold 20000 fds on the
#                        bench VM: above 9000 connections huginn and nginx run two
#                        workers (haproxy two threads of one process, capped at maxconn
#                        9900 by the same limit), so each process holds half.
#   BODIES="0 1048576"   bytes of the backend's answer
#   ROUNDS=1             repeat every cell; the table shows medians and ranges
#   DURATION=5  THREADS=2  ONLY="huginn nginx haproxy"  PROXY=$BUILD/huginn-proxy
#   PORT_BASE=26970
set -u
BUILD=${BUILD:-build}
PROXY=${PROXY:-$BUILD/huginn-proxy}
CONNS_LIST=${CONNS_LIST:-10 1000 10000}
BODIES=${BODIES:-0 1048576}
DURATION=${DURATION:-5}
THREADS=${THREADS:-2}
ONLY=${ONLY:-huginn nginx haproxy}
PORT_BASE=${PORT_BASE:-26970}
ROUNDS=${ROUNDS:-1}

. "$(dirname "$0")/lib.sh"
bench_need wrk nginx curl
bench_init huginn-growth
LOAD0=$(cut -d" " -f1-3 /proc/loadavg)

mkdir -p "$DIR/www"
for b in $BODIES; do head -c "$b" /dev/zero | tr '\0' 'b' >"$DIR/www/b$b"; done
: >"$DIR/www/b0"
start_backend "root $DIR/www;"
wait_http "$BE" /b0 || { echo "bench: backend nginx did not start" >&2; exit 1; }

: >"$DIR/results"
for round in $(seq 1 "$ROUNDS"); do
	for body in $BODIES; do
		for c in $CONNS_LIST; do
			WORKERS=1
			[ "$c" -gt 9000 ] && WORKERS=2
			for name in $ONLY; do
				start_proxy "$name" /b0 || continue
				t=$THREADS
				[ "$c" -lt "$t" ] && t=$c
				w="$DIR/wrk-$name-$body-$c.txt"
				timeout $((DURATION + 60)) wrk -t "$t" -c "$c" --timeout 10s --latency \
					-d "${DURATION}s" "http://127.0.0.1:$SPORT/b$body" >"$w" 2>&1
				hwm=$(tree_mem "$SPID" VmHWM)
				load=$(cut -d" " -f1 /proc/loadavg)
				stop_spid
				wrk_read "$w"
				echo "$name $body $c $round ${W_RPS:--} ${W_P99:-0} $hwm $W_ERRS $WORKERS $load" >>"$DIR/results"
			done
		done
	done
done
[ -n "${BENCH_RAW:-}" ] && cp "$DIR/results" "$BENCH_RAW"

echo "growth bench: ${DURATION}s per cell, wrk -t$THREADS keep-alive, fresh proxy per cell, $ROUNDS round(s);"
echo "load average at start: $LOAD0, at the end: $(cut -d" " -f1-3 /proc/loadavg)"
echo "(medians over the rounds; [lowest-highest] with more than one round; load: 1-minute"
echo "load average after each cell, median; errors: sum)"
echo
awk -v rounds="$ROUNDS" "$AWK_STATS"'
	function med(k, c,    n, i, a, md) {
		n = cnt[k]
		for (i = 1; i <= n; i++) a[i] = val[k, c, i] + 0
		md = median(a, n)
		lo = a[1]; hi = a[n]
		return md
	}
	function rng(fmt) { return rounds > 1 ? sprintf(" [" fmt "-" fmt "]", lo, hi) : "" }
	{
		k = $1 SUBSEP $2 SUBSEP $3
		if (!(k in cnt)) order[++nk] = k
		n = ++cnt[k]
		val[k, 5, n] = ($5 == "-" ? 0 : $5); val[k, 6, n] = $6; val[k, 7, n] = $7 / 1048576
		val[k, 10, n] = $10
		errs[k] += $8; wk[k] = $9
		body[k] = $2; conns[k] = $3; name[k] = $1
	}
	END {
		printf "%-7s %8s %6s %3s %22s %26s %22s %6s %5s\n", "proxy", "body", "conns", "wk",
			"requests/s", "p99 (us)", "peak RSS (MiB)", "errors", "load"
		for (i = 1; i <= nk; i++) {
			k = order[i]
			r = med(k, 5); rs = rng("%.0f")
			p = med(k, 6); ps = rng("%.0f")
			m = med(k, 7); ms = rng("%.1f")
			l = med(k, 10)
			printf "%-7s %8s %6s %3s %22s %26s %22s %6s %5.1f\n", name[k], body[k], conns[k], wk[k],
				sprintf("%.0f%s", r, rs), sprintf("%.0f%s", p, ps), sprintf("%.1f%s", m, ms),
				errs[k], l
			rpsm[k] = r; rssm[k] = m; p99m[k] = p
		}
		print ""
		print "huginn / other, of the medians:"
		printf "%-16s %8s %6s %10s %10s %10s\n", "ratio", "body", "conns", "req/s", "p99", "peak RSS"
		for (i = 1; i <= nk; i++) {
			k = order[i]
			if (name[k] == "huginn") continue
			h = "huginn" SUBSEP body[k] SUBSEP conns[k]
			if (!(h in rpsm)) continue
			printf "%-16s %8s %6s %10s %10s %10s\n", "huginn/" name[k], body[k], conns[k],
				(rpsm[k] > 0 ? sprintf("%.2f", rpsm[h] / rpsm[k]) : "-"),
				(p99m[k] > 0 ? sprintf("%.2f", p99m[h] / p99m[k]) : "-"),
				(rssm[k] > 0 ? sprintf("%.2f", rssm[h] / rssm[k]) : "-")
		}
	}' "$DIR/results"
