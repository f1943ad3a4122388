# bench/lib.sh - what bench/run.sh, memory.sh and growth.sh share: the nginx backend, the
# three proxies under test (huginn-proxy, nginx, haproxy; one worker each unless WORKERS
# says otherwise), stopping them by pid, and reading their CPU time and memory from /proc.
# Sourced, not run.  The caller sets before `bench_init`:
#   PROXY      the huginn-proxy binary          PORT_BASE  five loopback ports from here
#   MAXC       connections each proxy accepts (default 19800: the fd limit is 20000)
# and may set before each start_*:
#   LOG=off|on access logs (off: none; on: huginn's access_log and nginx's default
#              access_log, combined format, to a file each; haproxy `option httplog` to
#              `log stdout`, redirected to a file)
#   WORKERS=1  worker processes of huginn-proxy and nginx, threads of haproxy
#   pin_proxy, pin_other   command prefixes (taskset) for the proxy, and backend / clients
# The last start_* sets SPID (the proxy's pid) and SPORT (its port).

# bench_need TOOL...: exit unless every tool is installed.
bench_need() {
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 || [ -x "/usr/sbin/$t" ] || {
			echo "bench: '$t' is not installed (make test-deps)" >&2
			exit 1
		}
	done
}

# bench_init NAME: the scratch directory, the ports, and the exit trap that stops every
# process in PIDS (by pid) and removes the directory.
bench_init() {
	DIR=$(mktemp -d "/tmp/$1.XXXXXX")
	PIDS=""
	MAXC=${MAXC:-19800}
	LOG=${LOG:-off}
	WORKERS=${WORKERS:-1}
	pin_proxy=${pin_proxy:-}
	pin_other=${pin_other:-}
	BE=$PORT_BASE
	P_HUGINN=$((PORT_BASE + 1)) P_NGINX=$((PORT_BASE + 2)) P_HAPROXY=$((PORT_BASE + 3))
	P_METRICS=$((PORT_BASE + 4))
	# haproxy reserves two fds per connection and refuses to start when `ulimit -n` is
	# short: its maxconn is capped at half the fd limit.
	HAPROXY_MAXC=$(($(ulimit -n) / 2 - 100))
	[ "$HAPROXY_MAXC" -gt "$MAXC" ] && HAPROXY_MAXC=$MAXC
	mkdir -p "$DIR/tmp"
	trap bench_cleanup EXIT
	trap 'exit 130' INT TERM
}

bench_stop_pid() {
	kill -TERM "$1" 2>/dev/null
	i=0
	while kill -0 "$1" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

bench_cleanup() {
	for p in ${SPID:-} $PIDS; do
		bench_stop_pid "$p"
	done
	rm -rf "$DIR"
}

# wait_http PORT [PATH]: until 127.0.0.1:PORT answers HTTP (any status); 1 after 10 s.
wait_http() {
	i=0
	while [ $i -lt 100 ]; do
		curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$1${2:-/}" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# The /proc/PID/stat lines of every process ("PID PPID UTIME STIME"), for tree sums.
# cat, not awk FILE...: a process may exit between the glob and the open.  Field 2
# (comm) may hold spaces and parentheses: cut through the last ") ".
proc_stats() {
	cat /proc/[0-9]*/stat 2>/dev/null | awk '{
		pid = $1
		sub(/^[^(]*\(.*\) /, "")
		print pid, $2, $12, $13
	}'
}

# The awk code that sums column COL of "PID PPID ..." lines over ROOT and its descendants.
TREE_SUM='
	{ ppid[$1] = $2; for (c = 3; c <= NF; c++) v[$1, c] = $c; nf = NF }
	END {
		want[root] = 1
		changed = 1
		while (changed) {
			changed = 0
			for (p in ppid)
				if (!(p in want) && (ppid[p] in want)) { want[p] = 1; changed = 1 }
		}
		out = ""
		for (c = 3; c <= nf; c++) {
			s = 0
			for (p in want) s += v[p, c]
			out = out (c > 3 ? " " : "") s * mul
		}
		print (nf ? out : "0")
	}'

# tree_ticks PID: "UTIME STIME", clock ticks of PID and all its descendants (workers;
# threads are already in their process's figure).
tree_ticks() {
	proc_stats | awk -v root="$1" -v mul=1 "$TREE_SUM"
}

# tree_mem PID FIELD: the sum of /proc/*/status FIELD (VmRSS, VmHWM) over PID and its
# descendants, in bytes.
tree_mem() {
	for f in /proc/[0-9]*/status; do cat "$f" 2>/dev/null; echo; done | awk -v field="$2:" '
	/^Pid:/ { pid = $2 } /^PPid:/ { ppid = $2 } $1 == field { print pid, ppid, $2 }' |
		awk -v root="$1" -v mul=1024 "$TREE_SUM"
}

# start_backend LOCATIONS: nginx, one worker, access log off, keep-alive without a
# request limit; LOCATIONS is the inside of its server block after `listen`.
start_backend() {
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
        $1
    }
}
EOF
	$pin_other nginx -e "$DIR/backend-stderr.log" -p "$DIR" -c "$DIR/backend.conf" \
		-g "daemon off; pid $DIR/backend.pid;" >"$DIR/backend.out" 2>&1 &
	PIDS="$! $PIDS"
}

start_huginn() {
	alog=false
	[ "$LOG" = on ] && alog=true
	cat >"$DIR/huginn.toml" <<EOF
[server]
workers = $WORKERS
max_connections = $MAXC

[listen]
addrs = ["127.0.0.1:$P_HUGINN"]

[telemetry]
metrics_addr = "127.0.0.1:$P_METRICS"
access_log = $alog

[[backends]]
address = "127.0.0.1:$BE"

[[routes]]
prefix = "/"
backend = "127.0.0.1:$BE"
EOF
	# The access log is stdout: a regular file here, so its writes block (as nginx's).
	$pin_proxy "$PROXY" "$DIR/huginn.toml" >"$DIR/access-huginn.log" 2>"$DIR/huginn.out" &
	SPID=$!
	SPORT=$P_HUGINN
}

start_nginx() {
	alog=off
	# nginx's default: the combined format, one write() per request, no buffer.
	[ "$LOG" = on ] && alog="$DIR/access-nginx.log"
	cat >"$DIR/nginx-proxy.conf" <<EOF
worker_processes $WORKERS;
user root;
error_log $DIR/nginx-proxy-error.log crit;
events { worker_connections $MAXC; }
http {
    access_log $alog;
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
	$pin_proxy nginx -e "$DIR/nginx-proxy-stderr.log" -p "$DIR" -c "$DIR/nginx-proxy.conf" \
		-g "daemon off; pid $DIR/nginx-proxy.pid;" >"$DIR/nginx.out" 2>&1 &
	SPID=$!
	SPORT=$P_NGINX
}

start_haproxy() {
	# Logs on: `option httplog` lines written by haproxy itself to its stdout (a file
	# here), one write per request as nginx's; a syslog target would move the work to
	# another process that nobody would charge.
	hlog="    no log"
	[ "$LOG" = on ] && hlog="    log global
    option httplog"
	cat >"$DIR/haproxy.cfg" <<EOF
global
    nbthread $WORKERS
    maxconn $HAPROXY_MAXC
    log stdout format raw local0 info
defaults
    mode http
$hlog
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
	$pin_proxy haproxy -db -f "$DIR/haproxy.cfg" >"$DIR/access-haproxy.log" 2>"$DIR/haproxy.out" &
	SPID=$!
	SPORT=$P_HAPROXY
}

# start_proxy NAME [PATH]: start NAME and wait until it answers PATH; 1 (and a message)
# when it is not installed or did not start.
start_proxy() {
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
	if ! wait_http "$SPORT" "${2:-/}"; then
		echo "bench: $1 did not start:" >&2
		sed 's/^/    /' "$DIR/$1.out" >&2
		stop_spid
		return 1
	fi
	return 0
}

stop_spid() {
	bench_stop_pid "$SPID"
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

# wrk_read FILE: W_RPS, W_TOTAL, W_P99 (us), W_ERRS (non-2xx and socket errors) of a
# `wrk --latency` output; W_RPS is empty when wrk failed.
wrk_read() {
	W_RPS=$(awk '/^Requests\/sec:/ {print $2}' "$1")
	W_TOTAL=$(awk '/requests in/ {print $1}' "$1")
	W_P99=$(to_us "$(awk '$1 == "99%" {print $2}' "$1")")
	W_ERRS=$(awk '/Non-2xx/ {n += $NF} /Socket errors/ {gsub(/,/, ""); n += $4 + $6 + $8 + $10}
		END {print n + 0}' "$1")
}

# Functions for the summaries' awk programs (prepend: awk "$AWK_STATS"'...'):
# sort(a, n) sorts a[1..n] in place; median(a, n) sorts and returns the median; after
# either, a[1] and a[n] are the lowest and highest.
AWK_STATS='
	function sort(a, n,    i, j, t) {
		for (i = 2; i <= n; i++) {
			t = a[i]
			for (j = i - 1; j >= 1 && a[j] > t; j--)
				a[j + 1] = a[j]
			a[j + 1] = t
		}
	}
	function median(a, n) {
		sort(a, n)
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
'
