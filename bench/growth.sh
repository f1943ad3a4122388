#!/bin/sh
# bench/growth.sh - how the cost grows: requests/s, p99 latency and peak RSS of
# huginn-proxy and nginx (one worker each, in front of the same nginx backend on
# loopback) as the concurrent keep-alive connections go CONNS_LIST and the answer's body
# goes BODIES.  Every cell runs on a freshly started proxy, so its peak RSS (VmHWM summed
# over the proxy's processes) is that cell's own.
# A benchmark, not a test: nothing here passes or fails.  About DURATION+4 seconds a cell.
#
#   BUILD=build sh bench/growth.sh
# Environment:
#   CONNS_LIST="10 1000 9000"  wrk -c values (each client connection also needs an
#                        upstream one: 2 x 9000 fds fit the 20000-fd limit of the bench VM)
#   BODIES="0 1048576"   bytes of the backend's answer
#   DURATION=5  THREADS=2  ONLY="huginn nginx"  PROXY=$BUILD/huginn-proxy  PORT_BASE=27970
set -u
BUILD=${BUILD:-build}
PROXY=${PROXY:-$BUILD/huginn-proxy}
CONNS_LIST=${CONNS_LIST:-10 1000 9000}
BODIES=${BODIES:-0 1048576}
DURATION=${DURATION:-5}
THREADS=${THREADS:-2}
ONLY=${ONLY:-huginn nginx}
PORT_BASE=${PORT_BASE:-27970}

BE=$PORT_BASE
P_HUGINN=$((PORT_BASE + 1)) P_NGINX=$((PORT_BASE + 2)) P_METRICS=$((PORT_BASE + 4))
DIR=$(mktemp -d /tmp/huginn-growth.XXXXXX)
PIDS=""
MAXC=19800

for t in wrk nginx curl; do
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
		curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$1/b0" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# Peak RSS in bytes (VmHWM) of PID and its descendants.
tree_hwm() {
	for f in /proc/[0-9]*/status; do cat "$f" 2>/dev/null; echo; done | awk -v root="$1" '
	/^Pid:/ { pid = $2 } /^PPid:/ { ppid[pid] = $2 } /^VmHWM:/ { hwm[pid] = $2 }
	END {
		want[root] = 1
		changed = 1
		while (changed) {
			changed = 0
			for (p in ppid)
				if (!(p in want) && (ppid[p] in want)) { want[p] = 1; changed = 1 }
		}
		for (p in want) s += hwm[p]
		print s * 1024
	}'
}

mkdir -p "$DIR/tmp" "$DIR/www"
for b in $BODIES; do head -c "$b" /dev/zero | tr '\0' 'b' >"$DIR/www/b$b"; done
: >"$DIR/www/b0"
cat >"$DIR/backend.conf" <<EOF
worker_processes 1;
user root;
error_log $DIR/backend-error.log crit;
events { worker_connections $MAXC; }
http {
    access_log off;
    client_body_temp_path $DIR/tmp/b1; proxy_temp_path $DIR/tmp/p1;
    fastcgi_temp_path $DIR/tmp/f1; uwsgi_temp_path $DIR/tmp/u1; scgi_temp_path $DIR/tmp/s1;
    keepalive_requests 1000000;
    server {
        listen 127.0.0.1:$BE backlog=4096;
        root $DIR/www;
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

stop_spid() {
	kill -TERM "$SPID" 2>/dev/null
	i=0
	while kill -0 "$SPID" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	kill -KILL "$SPID" 2>/dev/null
	wait "$SPID" 2>/dev/null
}

to_us() {
	awk -v v="$1" 'BEGIN {
		n = v + 0
		if (v ~ /us$/) m = 1; else if (v ~ /ms$/) m = 1000; else if (v ~ /m$/) m = 60e6;
		else if (v ~ /s$/) m = 1e6; else m = 1
		printf "%.0f", n * m
	}'
}

: >"$DIR/results"
for name in $ONLY; do
	for body in $BODIES; do
		for c in $CONNS_LIST; do
			case $name in
			huginn) start_huginn ;;
			nginx) start_nginx ;;
			*) echo "bench: unknown proxy '$name'" >&2; continue 3 ;;
			esac
			if ! wait_http "$SPORT"; then
				echo "bench: $name did not start" >&2
				stop_spid
				continue
			fi
			t=$THREADS
			[ "$c" -lt "$t" ] && t=$c
			w="$DIR/wrk-$name-$body-$c.txt"
			timeout $((DURATION + 60)) wrk -t "$t" -c "$c" --timeout 10s --latency \
				-d "${DURATION}s" "http://127.0.0.1:$SPORT/b$body" >"$w" 2>&1
			hwm=$(tree_hwm "$SPID")
			stop_spid
			rps=$(awk '/^Requests\/sec:/ {print $2}' "$w")
			p99=$(awk '$1 == "99%" {print $2}' "$w")
			errs=$(awk '/Non-2xx/ {n += $NF} /Socket errors/ {gsub(/,/, ""); n += $4 + $6 + $8 + $10} END {print n + 0}' "$w")
			echo "$name $body $c ${rps:--} $(to_us "${p99:-0}") $hwm $errs" >>"$DIR/results"
		done
	done
done

echo "growth bench: ${DURATION}s per cell, wrk keep-alive, one worker per proxy, fresh proxy per cell"
echo
awk '
	BEGIN { printf "%-7s %9s %7s %12s %10s %10s %7s\n", "proxy", "body", "conns", "requests/s",
		"p99 (us)", "peak RSS", "errors" }
	{
		rss = $6 / 1048576
		printf "%-7s %9s %7s %12s %10s %8.1fMiB %7s\n", $1, $2, $3, $4, $5, rss, $7
	}' "$DIR/results"
