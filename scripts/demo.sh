#!/bin/sh
# demo.sh - huginn end to end in two network namespaces, for `make demo` (as root).
#
#   client namespace  --veth-->  server namespace
#   curl                         XDP (huginn-ebpf-agent, skb mode) on the veth
#                                huginn-proxy :7000 -> nginx 127.0.0.1:8080
#                                p0f -i <veth>, the reference
#
# A few curl requests with different client TCP stacks (sysctls of the client
# namespace); for each one it prints the x-tcp-p0f / x-tcp-p0f-os / x-tcp-p0f-ua headers
# nginx received next to p0f's raw_sig / os for the same client address and port.  The
# proxy labels with its built-in database (p0f/huginn.fp); p0f with Debian's p0f.fp.
# Exit 0 only when every request carried a header identical to p0f's raw_sig, a label of
# the same family as p0f's where both have one, and, for the request that sends a Windows
# browser User-Agent from this Linux stack, x-tcp-p0f-ua: mismatch.
#
# Builds nothing (make did).  Everything it creates - namespaces, the veth pair, a
# private bpffs, processes, a work directory in /tmp - is removed on exit, Ctrl-C or
# failure; processes are stopped by their pid.  Touches no system bpffs or network.
#
#   BUILD=build  AGENT=$BUILD/huginn-ebpf-agent  PROXY=$BUILD/huginn-proxy
#   P0F_DB=/etc/p0f/p0f.fp  KEEP=1 (keep the work directory and its logs)
set -u
BUILD=${BUILD:-build}
AGENT=${AGENT:-$BUILD/huginn-ebpf-agent}
PROXY=${PROXY:-$BUILD/huginn-proxy}
P0F_DB=${P0F_DB:-/etc/p0f/p0f.fp}
KEEP=${KEEP:-0}

say() { echo "demo: $*"; }
die() {
	echo "demo: FAILED: $*" >&2
	exit 1
}

[ "$(id -u)" = 0 ] || die "needs root (network namespaces, XDP, bpffs): run 'sudo make demo'"
for b in "$AGENT" "$PROXY"; do
	[ -x "$b" ] || die "$b is not built (run make)"
done
for t in ip nsenter mount nginx p0f curl; do
	command -v "$t" >/dev/null 2>&1 || [ -x "/usr/sbin/$t" ] ||
		die "'$t' is missing (make demo installs it)"
done
[ -r "$P0F_DB" ] || die "$P0F_DB is missing (Debian package p0f)"
AGENT=$(cd "$(dirname "$AGENT")" && pwd)/$(basename "$AGENT")
PROXY=$(cd "$(dirname "$PROXY")" && pwd)/$(basename "$PROXY")

# Names unique to this run; addresses are private to our namespaces.
id=$(printf '%04x' $(($$ % 65536)))
SNS=hds$id
CNS=hdc$id
SIF=hds$id
CIF=hdc$id
SADDR4=10.77.0.1
CADDR4=10.77.0.2
SADDR6=fd00:77::1
CADDR6=fd00:77::2
CADDR6_P0F=fd00:77:0:0:0:0:0:2 # p0f logs IPv6 addresses without '::'
PORT=7000
DIR=$(mktemp -d /tmp/huginn-demo.XXXXXX) || die "mktemp"
BPFFS=$DIR/bpffs
PIN=$BPFFS/huginn
PIDS=""
MOUNTED=0
NETNS="" # the namespaces this run created, and only those
OK=0

stop_pid() {
	kill -0 "$1" 2>/dev/null || return 0
	kill -TERM "$1" 2>/dev/null
	n=0
	while kill -0 "$1" 2>/dev/null && [ $n -lt 100 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}

# fd 3 is the terminal's stderr, for messages from the traps: a signal may arrive while
# a command's output is redirected.
exec 3>&2
INTERRUPTED=0
cleanup() {
	# Ignore SIGPIPE from here on: a message to a closed pipe must not stop the cleanup.
	trap - EXIT INT TERM HUP
	trap '' PIPE
	[ "$INTERRUPTED" = 1 ] && echo "demo: interrupted, cleaning up" >&3
	# Last started first: the proxy, then the agent (it detaches XDP on SIGTERM).
	for p in $PIDS; do
		stop_pid "$p"
	done
	for ns in $NETNS; do
		ip netns del "$ns" 2>/dev/null
	done
	[ "$MOUNTED" = 1 ] && umount "$BPFFS" 2>/dev/null
	if [ "$OK" = 1 ] && [ "$KEEP" != 1 ]; then
		rm -rf "$DIR"
	else
		echo "demo: logs kept in $DIR" >&3
	fi
}
trap cleanup EXIT
# Also a closed terminal or pipe (`make demo | head`): clean up rather than die silently.
trap 'INTERRUPTED=1; exit 130' INT TERM HUP PIPE

in_s() { nsenter --net="/run/netns/$SNS" "$@"; }
in_c() { nsenter --net="/run/netns/$CNS" "$@"; }

# bg NAME CMD... : start CMD in the server namespace, output in $DIR/NAME.log.  nsenter
# is started directly (not through a function, which would fork a subshell) and execs
# CMD, so $! is CMD's own pid.
bg() {
	name=$1
	shift
	nsenter --net="/run/netns/$SNS" "$@" >"$DIR/$name.log" 2>&1 &
	PIDS="$! $PIDS"
	LAST=$!
}

wait_for() { # SECS PID CMD... : poll CMD until it succeeds, while PID lives
	n=$(($1 * 10))
	p=$2
	shift 2
	while [ $n -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		kill -0 "$p" 2>/dev/null || return 1
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

show_log() {
	echo "--- $1 (last lines of $DIR/$1.log)" >&2
	tail -n 15 "$DIR/$1.log" >&2
}

say "namespaces $CNS (client $CADDR4, $CADDR6) and $SNS (server $SADDR4, $SADDR6)"
ip netns add "$SNS" || die "ip netns add $SNS"
NETNS="$SNS"
ip netns add "$CNS" || die "ip netns add $CNS"
NETNS="$CNS $NETNS"
ip link add "$SIF" netns "$SNS" type veth peer name "$CIF" netns "$CNS" || die "veth pair"
in_s ip link set lo up
in_c ip link set lo up
in_s ip addr add "$SADDR4/24" dev "$SIF"
in_c ip addr add "$CADDR4/24" dev "$CIF"
in_s ip -6 addr add "$SADDR6/64" dev "$SIF" nodad
in_c ip -6 addr add "$CADDR6/64" dev "$CIF" nodad
in_s ip link set "$SIF" up || die "link $SIF up"
in_c ip link set "$CIF" up || die "link $CIF up"

mkdir -p "$BPFFS" "$DIR/nginx-tmp"
mount -t bpf bpf "$BPFFS" || die "mount bpffs on $BPFFS"
MOUNTED=1

# nginx, the backend: logs what it received from the proxy.
cat >"$DIR/nginx.conf" <<EOF
worker_processes 1;
user root;
error_log $DIR/nginx-error.log warn;
events { worker_connections 64; }
http {
    client_body_temp_path $DIR/nginx-tmp/body;
    proxy_temp_path $DIR/nginx-tmp/proxy;
    fastcgi_temp_path $DIR/nginx-tmp/fastcgi;
    uwsgi_temp_path $DIR/nginx-tmp/uwsgi;
    scgi_temp_path $DIR/nginx-tmp/scgi;
    log_format demo '"\$request" p0f="\$http_x_tcp_p0f" os="\$http_x_tcp_p0f_os" ua="\$http_x_tcp_p0f_ua"';
    access_log $DIR/access.log demo;
    server {
        listen 127.0.0.1:8080;
        location / { return 200 "backend got x-tcp-p0f: \$http_x_tcp_p0f\n"; }
    }
}
EOF
bg nginx nginx -e "$DIR/nginx-stderr.log" -p "$DIR" -c "$DIR/nginx.conf" \
	-g "daemon off; pid $DIR/nginx.pid;"
wait_for 10 "$LAST" in_s curl -sf -o /dev/null --max-time 2 http://127.0.0.1:8080/ ||
	{ show_log nginx; die "nginx did not start"; }

# p0f on the server side of the veth: the reference signature of each client SYN.
bg p0f p0f -i "$SIF" -f "$P0F_DB" -o "$DIR/p0f.out" "tcp dst port $PORT"
wait_for 10 "$LAST" grep -q "main event loop" "$DIR/p0f.log" ||
	{ show_log p0f; die "p0f did not start"; }

# The agent: XDP in generic (skb) mode, which works on any veth; maps pinned in our bpffs.
bg agent env HUGINN_EBPF_INTERFACE="$SIF" HUGINN_EBPF_DST_PORT="$PORT" \
	HUGINN_EBPF_PIN_PATH="$PIN" HUGINN_EBPF_XDP_MODE=skb HUGINN_EBPF_LOG_LEVEL=info "$AGENT"
wait_for 15 "$LAST" test -e "$PIN/tcp_syn_map_v4" ||
	{ show_log agent; die "the agent pinned no maps under $PIN"; }
say "agent attached to $SIF (skb mode), maps pinned under $PIN"

cat >"$DIR/proxy.toml" <<EOF
[listen]
addrs = ["0.0.0.0:$PORT", "[::]:$PORT"]

[fingerprint]
tcp_enabled = true
# no p0f_db: the signature database built into the proxy
pin_path = "$PIN"

[[backends]]
address = "127.0.0.1:8080"

[[routes]]
prefix = "/"
backend = "127.0.0.1:8080"

[telemetry]
metrics_addr = "127.0.0.1:9090"
EOF
bg proxy env HUGINN_EBPF_PIN_PATH="$PIN" "$PROXY" "$DIR/proxy.toml"
ready() { in_s curl -sf -o /dev/null --max-time 2 http://127.0.0.1:9090/ready; }
wait_for 20 "$LAST" ready ||
	{ show_log proxy; die "the proxy is not ready (GET 127.0.0.1:9090/ready)"; }
say "proxy listening on :$PORT with fingerprints on, nginx behind it on 127.0.0.1:8080"

# The requests.  Each client uses a fixed source port, so that p0f's line for the same
# connection (cli=ADDR/PORT) can be found; the sysctls change the client's TCP stack.
sysctl_c() { in_c sysctl -q -w "$@" >/dev/null; }
N=0
FAILS=0
request() { # DESC ADDR(as p0f logs it) URL-HOST [CURL ARGS...]: one connection
	desc=$1
	caddr=$2
	host=$3
	shift 3
	N=$((N + 1))
	cport=$((41000 + N))
	urls=""
	paths=""
	for extra in "" ${KA:+/again}; do
		urls="$urls http://$host:$PORT/demo/$N$extra"
		paths="$paths /demo/$N$extra"
	done
	# shellcheck disable=SC2086
	if ! in_c curl -s --max-time 5 --local-port "$cport" "$@" $urls >/dev/null; then
		echo "[$N] $desc: curl from $caddr/$cport failed"
		FAILS=$((FAILS + 1))
		return
	fi
	echo "$N|$desc|$caddr|$cport|$paths" >>"$DIR/requests"
}
: >"$DIR/requests"
request "Linux defaults, IPv4" "$CADDR4" "$SADDR4"
sysctl_c net.ipv4.tcp_timestamps=0
request "no TCP timestamps, IPv4" "$CADDR4" "$SADDR4"
sysctl_c net.ipv4.tcp_timestamps=1 net.ipv4.ip_default_ttl=128 net.ipv4.tcp_window_scaling=0 \
	net.ipv4.tcp_sack=0
request "TTL 128, no window scaling, no SACK, IPv4" "$CADDR4" "$SADDR4"
sysctl_c net.ipv4.ip_default_ttl=64 net.ipv4.tcp_window_scaling=1 net.ipv4.tcp_sack=1
request "Linux defaults, IPv6" "$CADDR6_P0F" "[$SADDR6]"
KA=1
request "keep-alive: two requests on one connection" "$CADDR4" "$SADDR4"
KA=""
# What a bot on a Linux server looks like when it claims to be a Windows browser.
WIN_UA="Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"
request "Windows browser User-Agent from this Linux stack" "$CADDR4" "$SADDR4" -A "$WIN_UA"
WIN_N=$N

# Let p0f and nginx write their lines.
sleep 1
"$AGENT" --dump "$PIN" >"$DIR/agent-dump.txt" 2>&1

# field NAME LINE: the value of NAME="..." in an nginx line, or NAME=... in a p0f line.
# nginx logs an absent header as "-".
nginx_field() { printf '%s\n' "$2" | sed -n "s/.* $1=\"\\([^\"]*\\)\".*/\\1/p" | grep -vx -- -; }
p0f_field() { printf '%s\n' "$2" | tr '|' '\n' | sed -n "s/^$1=//p" | head -n 1; }
# The family of a label: its first word ("Linux 4.20 or newer" -> "Linux").
family() { printf '%s\n' "$1" | sed 's/^os=//; s/[ |].*//'; }

echo
echo "What nginx received from huginn-proxy, next to what p0f saw on the wire:"
while IFS='|' read -r n desc caddr cport paths; do
	echo
	echo "[$n] $desc: client $caddr/$cport"
	pl=$(grep -F "cli=$caddr/$cport|" "$DIR/p0f.out" | grep -F "mod=syn|" | head -n 1)
	raw=$(p0f_field raw_sig "$pl")
	pos=$(p0f_field os "$pl")
	for path in $paths; do
		line=$(grep -F "\"GET $path HTTP/1.1\"" "$DIR/access.log" | head -n 1)
		hdr=$(nginx_field p0f "$line")
		hos=$(nginx_field os "$line")
		hua=$(nginx_field ua "$line")
		printf '    %-22s %s\n' "GET $path" "x-tcp-p0f:    ${hdr:-(none)}" \
			"" "x-tcp-p0f-os: ${hos:-(none)}" "" "x-tcp-p0f-ua: ${hua:-(none)}"
		if [ -z "$line" ]; then
			echo "    MISSING: nginx did not log GET $path"
			FAILS=$((FAILS + 1))
		elif [ -z "$hdr" ]; then
			echo "    MISSING: no x-tcp-p0f header"
			FAILS=$((FAILS + 1))
		elif [ -z "$raw" ]; then
			echo "    MISSING: p0f logged no SYN from $caddr/$cport"
			FAILS=$((FAILS + 1))
		elif [ "$hdr" != "$raw" ]; then
			echo "    DIFFERS from p0f's raw_sig"
			FAILS=$((FAILS + 1))
		elif [ -n "$pos" ] && [ "$pos" != "???" ] && [ -n "$hos" ] &&
			[ "$(family "$hos")" != "???" ] &&
			[ "$(family "$hos")" != "$(family "$pos")" ]; then
			echo "    OS family differs from p0f's os"
			FAILS=$((FAILS + 1))
		elif [ "$n" = "$WIN_N" ] && [ "$hua" != mismatch ]; then
			echo "    x-tcp-p0f-ua should say mismatch: a Windows User-Agent on a Linux SYN"
			FAILS=$((FAILS + 1))
		elif [ -n "$pos" ] && [ "$pos" != "???" ] && [ -z "$hos" ]; then
			echo "    MISSING: no x-tcp-p0f-os header, p0f says '$pos'"
			FAILS=$((FAILS + 1))
		fi
	done
	printf '    %-22s %s\n' "p0f (reference)" "raw_sig:      ${raw:-(none)}" \
		"" "os:           ${pos:-(none)}"
done <"$DIR/requests"
echo
counter() { sed -n "s/^$1 //p" "$DIR/agent-dump.txt" | head -n 1; }
say "agent counters: $(counter syn_counter) SYNs recorded" \
	"(IPv4 $(counter syn_stats.v4_captured), IPv6 $(counter syn_stats.v6_captured))," \
	"$(counter syn_insert_failures) insert failures"

if [ "$FAILS" -ne 0 ] || [ ! -s "$DIR/requests" ]; then
	show_log proxy
	show_log agent
	die "$FAILS mismatch(es) or missing values (see above)"
fi
OK=1
say "OK: every request carried x-tcp-p0f identical to p0f's raw_sig for its connection"
exit 0
