#!/bin/sh
# bench/run.sh - huginn-proxy, nginx and haproxy side by side, in one run, each as a
# one-worker reverse proxy in front of the same nginx backend on loopback, driven by wrk
# with keep-alive and with "Connection: close".  Prints requests/s, p99 latency and the
# proxy's CPU time per request (utime+stime of the proxy's whole process tree, from
# /proc/PID/stat before and after each run, also split into user and system time), then
# the ratios ours/nginx, ours/haproxy.
# A benchmark, not a test: nothing here passes or fails.
#
#   BUILD=build sh bench/run.sh            (or: make bench)
# Environment:
#   DURATION=10     seconds per wrk run          CONNS=50    wrk connections
#   THREADS=2       wrk threads                  WARMUP=1    seconds of warm-up per run
#   PROXY=...       huginn-proxy binary (default $BUILD/huginn-proxy)
#   ONLY="huginn nginx haproxy"   which proxies   MODES="keepalive close"
#   PIN=1           taskset: proxies on CPU 0, backend and wrk on the other CPUs
#   BODY=128        bytes of the backend's answer
#   PORT_BASE=27900 ten ports from here (loopback only)
#   ROUNDS=1        rounds, each running every proxy once in turn; with more than one the
#                   table shows the median of each figure (errors: the sum) and the CPU/req
#                   of every round, so slow drifts of the machine hit all proxies alike
set -u
BUILD=${BUILD:-build}
PROXY=${PROXY:-$BUILD/huginn-proxy}
DURATION=${DURATION:-10}
CONNS=${CONNS:-50}
THREADS=${THREADS:-2}
WARMUP=${WARMUP:-1}
ONLY=${ONLY:-huginn nginx haproxy}
MODES=${MODES:-keepalive close}
PIN=${PIN:-0}
BODY=${BODY:-128}
PORT_BASE=${PORT_BASE:-27900}
ROUNDS=${ROUNDS:-1}

BE=$PORT_BASE
P_HUGINN=$((PORT_BASE + 1)) P_NGINX=$((PORT_BASE + 2)) P_HAPROXY=$((PORT_BASE + 3))
P_METRICS=$((PORT_BASE + 4))
HZ=$(getconf CLK_TCK)
DIR=$(mktemp -d /tmp/huginn-bench.XXXXXX)
PIDS=""

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

NCPU=$(nproc)
LOAD0=$(cut -d" " -f1-3 /proc/loadavg)
pin_proxy=""
pin_other=""
if [ "$PIN" = 1 ] && [ "$NCPU" -ge 2 ] && command -v taskset >/dev/null 2>&1; then
	pin_proxy="taskset -c 0"
	pin_other="taskset -c 1-$((NCPU - 1))"
fi

# Wait until 127.0.0.1:$1 answers HTTP (any status).
wait_http() {
	i=0
	while [ $i -lt 100 ]; do
		curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$1/" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# "UTIME STIME": clock ticks of PID and all its descendants (workers, threads are
# already in their process's figure).  Field 2 (comm) may hold spaces and parentheses:
# cut through the last ") ".
tree_ticks() {
	# cat, not awk FILE...: a process may exit between the glob and the open.
	cat /proc/[0-9]*/stat 2>/dev/null | awk -v root="$1" '
	{
		pid = $1
		line = $0
		sub(/^[^(]*\(.*\) /, "", line)
		split(line, f, " ")
		ppid[pid] = f[2]
		ut[pid] = f[12]
		st[pid] = f[13]
	}
	END {
		want[root] = 1
		changed = 1
		while (changed) {
			changed = 0
			for (p in ppid)
				if (!(p in want) && (ppid[p] in want)) { want[p] = 1; changed = 1 }
		}
		for (p in want) { u += ut[p]; k += st[p] }
		print u + 0, k + 0
	}'
}

# --- the backend: nginx, one worker, a small fixed answer.
mkdir -p "$DIR/tmp"
body=$(head -c "$BODY" /dev/zero | tr '\0' 'b')
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
        location / { return 200 "$body"; }
    }
}
EOF
$pin_other nginx -e "$DIR/backend-stderr.log" -p "$DIR" -c "$DIR/backend.conf" \
	-g "daemon off; pid $DIR/backend.pid;" >"$DIR/backend.out" 2>&1 &
PIDS="$! $PIDS"
wait_http "$BE" || { echo "bench: backend nginx did not start" >&2; cat "$DIR/backend.out" >&2; exit 1; }

# --- the three proxies, started one at a time (so each has the machine to itself).
start_huginn() {
	cat >"$DIR/huginn.toml" <<EOF
[server]
workers = 1
max_connections = 10000

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
	$pin_proxy "$PROXY" "$DIR/huginn.toml" >"$DIR/huginn.out" 2>&1 &
	SPID=$!
	SPORT=$P_HUGINN
}

start_nginx() {
	cat >"$DIR/nginx-proxy.conf" <<EOF
worker_processes 1;
user root;
error_log $DIR/nginx-proxy-error.log crit;
events { worker_connections 10000; }
http {
    access_log off;
    client_body_temp_path $DIR/tmp/b2; proxy_temp_path $DIR/tmp/p2;
    fastcgi_temp_path $DIR/tmp/f2; uwsgi_temp_path $DIR/tmp/u2; scgi_temp_path $DIR/tmp/s2;
    keepalive_requests 1000000;
    upstream backend {
        server 127.0.0.1:$BE;
        keepalive 256;
    }
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
	$pin_proxy nginx -e "$DIR/nginx-proxy-stderr.log" -p "$DIR" -c "$DIR/nginx-proxy.conf" \
		-g "daemon off; pid $DIR/nginx-proxy.pid;" >"$DIR/nginx.out" 2>&1 &
	SPID=$!
	SPORT=$P_NGINX
}

start_haproxy() {
	cat >"$DIR/haproxy.cfg" <<EOF
global
    nbthread 1
    maxconn 4000
defaults
    mode http
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    option http-keep-alive
    option forwardfor
    http-reuse always
frontend fe
    bind 127.0.0.1:$P_HAPROXY
    default_backend be
backend be
    server b1 127.0.0.1:$BE
EOF
	$pin_proxy haproxy -db -f "$DIR/haproxy.cfg" >"$DIR/haproxy.out" 2>&1 &
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

# wrk's latency with unit -> microseconds.
to_us() {
	awk -v v="$1" 'BEGIN {
		n = v + 0
		if (v ~ /us$/) m = 1; else if (v ~ /ms$/) m = 1000; else if (v ~ /m$/) m = 60e6;
		else if (v ~ /s$/) m = 1e6; else m = 1
		printf "%.0f", n * m
	}'
}

# run NAME MODE: one measured wrk run; appends "name mode rps p99_us cpu_us_per_req errs".
run() {
	name=$1
	mode=$2
	hdr=""
	[ "$mode" = close ] && hdr="Connection: close"
	url="http://127.0.0.1:$SPORT/"
	set -- -t "$THREADS" -c "$CONNS" --timeout 5s
	[ -n "$hdr" ] && set -- "$@" -H "$hdr"
	$pin_other timeout $((WARMUP + 10)) wrk "$@" -d "${WARMUP}s" "$url" >/dev/null 2>&1
	t0=$(tree_ticks "$SPID")
	$pin_other timeout $((DURATION + 30)) wrk "$@" --latency -d "${DURATION}s" "$url" \
		>"$DIR/wrk-$name-$mode.txt" 2>&1
	t1=$(tree_ticks "$SPID")
	[ -n "${BENCH_DEBUG:-}" ] && echo "bench: $name/$mode pid $SPID ticks (user system) $t0 -> $t1" >&2
	w="$DIR/wrk-$name-$mode.txt"
	rps=$(awk '/^Requests\/sec:/ {print $2}' "$w")
	total=$(awk '/requests in/ {print $1}' "$w")
	p99=$(awk '$1 == "99%" {print $2}' "$w")
	errs=$(awk '/Non-2xx/ {n += $NF} /Socket errors/ {gsub(/,/, ""); n += $4 + $6 + $8 + $10} END {print n + 0}' "$w")
	if [ -z "$rps" ] || [ -z "$total" ] || [ "$total" = 0 ]; then
		echo "bench: $name/$mode: wrk failed:" >&2
		sed 's/^/    /' "$w" >&2
		echo "$name $mode - - - - - -" >>"$DIR/results"
		return
	fi
	# CPU/req (user+system), then the user and system parts.
	cpu=$(echo "$t0 $t1" | awk -v hz="$HZ" -v n="$total" '{
		u = ($3 - $1) * 1e6 / hz / n; k = ($4 - $2) * 1e6 / hz / n
		printf "%.2f %.2f %.2f", u + k, u, k }')
	echo "$name $mode $rps $(to_us "$p99") $cpu $errs" >>"$DIR/results"
}

: >"$DIR/results"
round=0
while [ "$round" -lt "$ROUNDS" ]; do
	round=$((round + 1))
	for name in $ONLY; do
		case $name in
		huginn)
			if [ ! -x "$PROXY" ]; then
				echo "bench: $PROXY missing, skipping huginn" >&2
				continue
			fi
			start_huginn ;;
		nginx) start_nginx ;;
		haproxy)
			command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] || {
				echo "bench: haproxy not installed, skipping" >&2
				continue
			}
			start_haproxy ;;
		*) echo "bench: unknown proxy '$name'" >&2; continue ;;
		esac
		if ! wait_http "$SPORT"; then
			echo "bench: $name did not start:" >&2
			sed 's/^/    /' "$DIR/$name.out" >&2
			stop_spid
			continue
		fi
		body_got=$(curl -s --max-time 2 "http://127.0.0.1:$SPORT/")
		if [ "$body_got" != "$body" ]; then
			echo "bench: $name does not proxy to the backend (got '$(printf '%s' "$body_got" | head -c 80)')" >&2
			stop_spid
			continue
		fi
		for mode in $MODES; do
			run "$name" "$mode"
		done
		stop_spid
	done
done
echo
echo "load average at start: $LOAD0 (other work on the machine skews every figure)"
echo "huginn bench: ${DURATION}s per run, wrk -t$THREADS -c$CONNS, $NCPU CPUs, one worker per proxy," \
	"backend nginx answering $BODY bytes${pin_proxy:+, pinned (proxy on CPU 0)}"
echo
awk -v rounds="$ROUNDS" '
	# The median of column c over the rounds of key k.
	function med(k, c,    n, i, j, a, t) {
		n = cnt[k]
		for (i = 1; i <= n; i++)
			a[i] = val[k, c, i] + 0
		for (i = 2; i <= n; i++) {
			t = a[i]
			for (j = i - 1; j >= 1 && a[j] > t; j--)
				a[j + 1] = a[j]
			a[j + 1] = t
		}
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	{ seen[$2] = 1; k = $1 SUBSEP $2 }
	$3 == "-" { failed[k] = 1; next }
	{
		n = ++cnt[k]
		for (c = 3; c <= 7; c++)
			val[k, c, n] = $c
		errs[k] += $8
		each[k] = each[k] sprintf(" %8.2f", $5)
	}
	END {
		for (k in cnt) {
			rps[k] = sprintf("%.2f", med(k, 3)); p99[k] = sprintf("%.0f", med(k, 4))
			cpu[k] = sprintf("%.2f", med(k, 5)); usr[k] = sprintf("%.2f", med(k, 6))
			sys[k] = sprintf("%.2f", med(k, 7)); err[k] = errs[k]
		}
		for (k in failed)
			if (!(k in cnt))
				rps[k] = p99[k] = cpu[k] = usr[k] = sys[k] = err[k] = "-"
		if (rounds > 1)
			printf "median of %d rounds (errors: their sum)\n\n", rounds
		printf "%-10s %-8s %12s %10s %13s %9s %9s %7s\n", "mode", "proxy", "requests/s", "p99 (us)",
			"CPU/req (us)", "user", "system", "errors"
		nm = split("keepalive close", modes, " ")
		np = split("huginn nginx haproxy", px, " ")
		for (i = 1; i <= nm; i++) {
			m = modes[i]
			if (!(m in seen)) continue
			for (j = 1; j <= np; j++) {
				p = px[j]
				if (!((p, m) in rps)) continue
				printf "%-10s %-8s %12s %10s %13s %9s %9s %7s\n", m, p, rps[p, m], p99[p, m], cpu[p, m],
					usr[p, m], sys[p, m], err[p, m]
			}
		}
		print ""
		printf "%-10s %-16s %10s %10s %12s\n", "mode", "ratio", "req/s", "p99", "CPU/req"
		for (i = 1; i <= nm; i++) {
			m = modes[i]
			for (j = 2; j <= np; j++) {
				o = px[j]
				if (!(("huginn", m) in rps) || !((o, m) in rps)) continue
				if (rps["huginn", m] == "-" || rps[o, m] == "-") continue
				printf "%-10s %-16s %10.2f %10.2f %12.2f\n", m, "huginn/" o,
					rps["huginn", m] / rps[o, m],
					(p99[o, m] > 0 ? p99["huginn", m] / p99[o, m] : 0),
					(cpu[o, m] > 0 ? cpu["huginn", m] / cpu[o, m] : 0)
			}
		}
		if (rounds > 1) {
			print ""
			print "CPU/req (us) of each round:"
			for (i = 1; i <= nm; i++)
				for (j = 1; j <= np; j++)
					if ((px[j], modes[i]) in each)
						printf "%-10s %-8s%s\n", modes[i], px[j], each[px[j], modes[i]]
		}
		print ""
		print "targets (issue 4, vs nginx): CPU/req <= 0.60 keep-alive, <= 0.80 close;"
		print "req/s >= 1.25 keep-alive; p99 <= 1.00"
	}' "$DIR/results"
