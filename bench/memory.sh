#!/bin/sh
# bench/memory.sh - what a client connection costs in memory: huginn-proxy, nginx and
# haproxy, one at a time, one worker each, in front of the same nginx backend on loopback.
# For each proxy it prints the RSS (VmRSS summed over the proxy's process tree) per
#   idle   connection that made one keep-alive request and now waits (IDLE_N connections)
#   slow   connection that sent HEAD_BYTES of a request head that never ends (SLOW_N)
# and, after BURST_N connections made one request each at once and closed, how far RSS
# stayed above what it was before the burst.
# A benchmark, not a test: nothing here passes or fails.
#
#   BUILD=build sh bench/memory.sh
# Environment:
#   IDLE_N="5000 19000"  idle connection counts (a process may hold at most `ulimit -n`
#                        fds: 20000 on the bench VM, so 19000 is its largest round figure)
#   SLOW_N=5000  HEAD_BYTES=200  BURST_N=10000
#   ONLY="huginn nginx haproxy"   PROXY=$BUILD/huginn-proxy   PORT_BASE=26950
#   SETTLE=2     seconds to wait before each RSS reading (connections settle, timers run)
set -u
BUILD=${BUILD:-build}
PROXY=${PROXY:-$BUILD/huginn-proxy}
IDLE_N=${IDLE_N:-5000 19000}
SLOW_N=${SLOW_N:-5000}
HEAD_BYTES=${HEAD_BYTES:-200}
BURST_N=${BURST_N:-10000}
ONLY=${ONLY:-huginn nginx haproxy}
PORT_BASE=${PORT_BASE:-26950}
SETTLE=${SETTLE:-2}
export HEAD_BYTES

HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
bench_need nginx curl python3
bench_init huginn-membench

# RSS in bytes of PID and all its descendants.
tree_rss() {
	tree_mem "$1" VmRSS
}

start_backend 'location / { return 200 "hello from the backend\n"; }'
wait_http "$BE" || { echo "bench: backend nginx did not start" >&2; exit 1; }

# hold MODE N: start memclient holding N connections of MODE; sets CPID, HELD.
hold() {
	: >"$DIR/client.out"
	DEADLINE=90 python3 "$HERE/memclient.py" "$1" "$SPORT" "$2" >"$DIR/client.out" 2>&1 &
	CPID=$!
	i=0
	while ! grep -q '^ready' "$DIR/client.out" && [ $i -lt 1200 ]; do sleep 0.1; i=$((i + 1)); done
	HELD=$(awk '/^ready/ {print $2}' "$DIR/client.out")
	HELD=${HELD:-0}
}

release() {
	kill -TERM "$CPID" 2>/dev/null
	wait "$CPID" 2>/dev/null
	sleep "$SETTLE"
}

# per_conn MODE N: RSS per connection in bytes; appends "name what n held bytes".
per_conn() {
	r0=$(tree_rss "$SPID")
	hold "$1" "$2"
	sleep "$SETTLE"
	r1=$(tree_rss "$SPID")
	[ -n "${BENCH_DEBUG:-}" ] && echo "bench: $name $1 $2: $(cat "$DIR/client.out" | tr '\n' ' ') rss $r0 -> $r1" >&2
	release
	if [ "$HELD" -gt 0 ]; then
		per=$(((r1 - r0) / HELD))
	else
		per=-
	fi
	echo "$name $1 $2 $HELD $per" >>"$DIR/results"
}

: >"$DIR/results"
# start NAME: a fresh proxy, warmed up with a few requests.  1 when it did not start.
start() {
	start_proxy "$1" || return 1
	for i in 1 2 3 4 5; do curl -s -o /dev/null "http://127.0.0.1:$SPORT/"; done
	return 0
}

# Every reading on a fresh proxy, so what one left behind does not hide the next.
for name in $ONLY; do
	for n in $IDLE_N; do
		[ "$name" = haproxy ] && [ "$n" -gt "$HAPROXY_MAXC" ] && n=$HAPROXY_MAXC
		start "$name" || continue 2
		per_conn idle "$n"
		stop_spid
	done
	start "$name" || continue
	per_conn slow "$SLOW_N"
	stop_spid
	start "$name" || continue
	sleep "$SETTLE"
	b0=$(tree_rss "$SPID")
	: >"$DIR/client.out"
	DEADLINE=90 python3 "$HERE/memclient.py" burst "$SPORT" "$BURST_N" >"$DIR/client.out" 2>&1
	held=$(awk '/^ready/ {print $2}' "$DIR/client.out")
	sleep "$SETTLE"
	sleep "$SETTLE"
	b1=$(tree_rss "$SPID")
	echo "$name burst $BURST_N ${held:-0} $((b1 - b0)) $b0" >>"$DIR/results"
	stop_spid
done

echo "memory bench: one worker per proxy, RSS summed over each proxy's process tree;"
echo "per connection = (RSS with the connections held - RSS before) / connections held"
echo
awk '
	$2 == "idle" || $2 == "slow" {
		printf "%-8s %-5s %6s connections (%6s held): %8s bytes per connection\n",
			$1, $2, $3, $4, $5
	}
	$2 == "burst" {
		printf "%-8s after a burst of %s connections (%s served) closed: RSS %+.2f MiB (before: %.1f MiB)\n",
			$1, $3, $4, $5 / 1048576, $6 / 1048576
	}' "$DIR/results"
