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
#   ONLY="huginn nginx haproxy"   PROXY=$BUILD/huginn-proxy   PORT_BASE=27950
#   SETTLE=2     seconds to wait before each RSS reading (connections settle, timers run)
set -u
BUILD=${BUILD:-build}
PROXY=${PROXY:-$BUILD/huginn-proxy}
IDLE_N=${IDLE_N:-5000 19000}
SLOW_N=${SLOW_N:-5000}
HEAD_BYTES=${HEAD_BYTES:-200}
BURST_N=${BURST_N:-10000}
ONLY=${ONLY:-huginn nginx haproxy}
PORT_BASE=${PORT_BASE:-27950}
SETTLE=${SETTLE:-2}
export HEAD_BYTES

BE=$PORT_BASE
P_HUGINN=$((PORT_BASE + 1)) P_NGINX=$((PORT_BASE + 2)) P_HAPROXY=$((PORT_BASE + 3))
P_METRICS=$((PORT_BASE + 4))
HERE=$(cd "$(dirname "$0")" && pwd)
DIR=$(mktemp -d /tmp/huginn-membench.XXXXXX)
PIDS=""
MAXC=19800
# haproxy reserves two fds per connection and refuses to start when `ulimit -n` is short:
# its readings are capped at half the fd limit.
HAPROXY_MAXC=$(($(ulimit -n) / 2 - 100))

for t in nginx curl python3; do
	command -v "$t" >/dev/null 2>&1 || [ -x "/usr/sbin/$t" ] || {
		echo "bench: '$t' is not installed (make test-deps)" >&2
		exit 1
	}
done

cleanup() {
	for p in $PIDS; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in $PIDS; do
		i=0
		while kill -0 "$p" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
		kill -KILL "$p" 2>/dev/null
	done
	rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

wait_http() {
	i=0
	while [ $i -lt 100 ]; do
		curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$1/" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# RSS in bytes of PID and all its descendants.
tree_rss() {
	for f in /proc/[0-9]*/status; do cat "$f" 2>/dev/null; echo; done | awk -v root="$1" '
	/^Pid:/ { pid = $2 } /^PPid:/ { ppid[pid] = $2 } /^VmRSS:/ { rss[pid] = $2 }
	END {
		want[root] = 1
		changed = 1
		while (changed) {
			changed = 0
			for (p in ppid)
				if (!(p in want) && (ppid[p] in want)) { want[p] = 1; changed = 1 }
		}
		for (p in want) s += rss[p]
		print s * 1024
	}'
}

# --- backend
mkdir -p "$DIR/tmp"
cat >"$DIR/backend.conf" <<EOF
worker_processes 1;
user root;
error_log $DIR/backend-error.log crit;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $DIR/tmp/b1; proxy_temp_path $DIR/tmp/p1;
    fastcgi_temp_path $DIR/tmp/f1; uwsgi_temp_path $DIR/tmp/u1; scgi_temp_path $DIR/tmp/s1;
    keepalive_requests 1000000;
    server {
        listen 127.0.0.1:$BE backlog=4096;
        location / { return 200 "hello from the backend\n"; }
    }
}
EOF
nginx -e "$DIR/backend-stderr.log" -p "$DIR" -c "$DIR/backend.conf" \
	-g "daemon off; pid $DIR/backend.pid;" >"$DIR/backend.out" 2>&1 &
PIDS="$! $PIDS"
wait_http "$BE" || { echo "bench: backend nginx did not start" >&2; exit 1; }

start_huginn() {
	cat >"$DIR/huginn.toml" <<EOF
[server]
workers = 1
max_connections = $MAXC

[listen]
addrs = ["127.0.0.1:$P_HUGINN"]

[telemetry]
metrics_addr = "127.0.0.1:$P_METRICS"
access_log = false

[[backends]]
address = "127.0.0.1:$BE"

[[routes]]
prefix = "/"
backend = "127.0.0.1:$BE"
EOF
	"$PROXY" "$DIR/huginn.toml" >"$DIR/huginn.out" 2>&1 &
	SPID=$!
	SPORT=$P_HUGINN
}

start_nginx() {
	cat >"$DIR/nginx-proxy.conf" <<EOF
worker_processes 1;
user root;
error_log $DIR/nginx-proxy-error.log crit;
events { worker_connections $MAXC; }
http {
    access_log off;
    client_body_temp_path $DIR/tmp/b2; proxy_temp_path $DIR/tmp/p2;
    fastcgi_temp_path $DIR/tmp/f2; uwsgi_temp_path $DIR/tmp/u2; scgi_temp_path $DIR/tmp/s2;
    keepalive_requests 1000000;
    upstream backend { server 127.0.0.1:$BE; keepalive 256; }
    server {
        listen 127.0.0.1:$P_NGINX backlog=4096;
        location / {
            proxy_pass http://backend;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header X-Forwarded-For \$remote_addr;
        }
    }
}
EOF
	nginx -e "$DIR/nginx-proxy-stderr.log" -p "$DIR" -c "$DIR/nginx-proxy.conf" \
		-g "daemon off; pid $DIR/nginx-proxy.pid;" >"$DIR/nginx.out" 2>&1 &
	SPID=$!
	SPORT=$P_NGINX
}

start_haproxy() {
	cat >"$DIR/haproxy.cfg" <<EOF
global
    nbthread 1
    maxconn $HAPROXY_MAXC
defaults
    mode http
    maxconn $HAPROXY_MAXC
    timeout connect 2s
    timeout client 60s
    timeout server 30s
    timeout http-request 60s
    timeout http-keep-alive 60s
    option http-keep-alive
    option forwardfor
    http-reuse always
frontend fe
    bind 127.0.0.1:$P_HAPROXY backlog 4096
    default_backend be
backend be
    server b1 127.0.0.1:$BE
EOF
	haproxy -db -f "$DIR/haproxy.cfg" >"$DIR/haproxy.out" 2>&1 &
	SPID=$!
	SPORT=$P_HAPROXY
}

stop_spid() {
	kill -TERM "$SPID" 2>/dev/null
	i=0
	while kill -0 "$SPID" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	kill -KILL "$SPID" 2>/dev/null
	wait "$SPID" 2>/dev/null
}

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
	case $1 in
	huginn)
		[ -x "$PROXY" ] || { echo "bench: $PROXY missing, skipping huginn" >&2; return 1; }
		start_huginn ;;
	nginx) start_nginx ;;
	haproxy)
		command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] || {
			echo "bench: haproxy not installed, skipping" >&2
			return 1
		}
		start_haproxy ;;
	*) echo "bench: unknown proxy '$1'" >&2; return 1 ;;
	esac
	if ! wait_http "$SPORT"; then
		echo "bench: $1 did not start:" >&2
		sed 's/^/    /' "$DIR/$1.out" >&2
		stop_spid
		return 1
	fi
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
