#!/bin/sh
# test/e2e/lib.sh - shared helpers for end-to-end tests.  Source it first:
#   . "$(dirname "$0")/lib.sh"
# Every test creates its own namespaces, bpffs mount and processes, registers
# them for cleanup, and stops them by pid on exit (trap), also on failure.
#
# Results
#   t_ok DESC / t_fail DESC / t_skip DESC     one result line (a SKIP says SKIPPED and why)
#   t_check DESC CMD...                       ok if CMD exits 0
#   t_eq DESC GOT WANT                        ok if the two strings are equal
#   t_san_check FILE                          ok if FILE holds no sanitizer report
#   t_refuses DESC REGEX CMD...               ok if CMD exits non-zero and its output
#                                             (stdout and stderr) matches REGEX (grep -E);
#                                             output in $T_OUT, exit status in $T_RC
#   t_need_root / t_need_tool TOOL...         skip the whole test (loudly) if missing
#   t_need_bin FILE...                        fail the whole test if a built binary is missing
# Processes
#   t_bg NAME CMD...                          start CMD in background, log in $T_DIR/NAME.log,
#                                             pid in $T_PID; killed at exit
#   t_stop PID [SECS]                         TERM, wait SECS (10), KILL; status in $T_RC
#   t_gone PID SECS                           wait up to SECS for PID to exit (without
#                                             signalling it); 0 if it did; tenths of a
#                                             second waited in $T_WAITED
#   t_wait_for SECS CMD...                    poll CMD every 0.1 s until it succeeds: the
#                                             way to wait for a log line or a counter
#   t_defer CMD                               run CMD (a string) at exit, last first
# Namespaces, captures, SYNs
#   t_netns_pair                              namespaces $T_SNS (server) and $T_CNS (client)
#                                             (names ${T_NS_PREFIX:-hg}s<id>, ...c<id>)
#                                             joined by veth $T_SIF <-> $T_CIF, addresses
#                                             10.$T_NET.0.1/2 and fd00:$T_NET::1/2
#   t_in NS CMD...                            run CMD in network namespace NS (mounts kept)
#   t_bpffs                                   mount a private bpffs at $T_DIR/bpffs
#   t_capture NAME IFACE FILTER [ARGS...]     tcpdump in $T_SNS on IFACE into $T_DIR/NAME.pcap;
#                                             returns once it listens; pid in $T_PID
#   t_captures FILTER "NAME IFACE [ARGS...]"...  t_capture for each; the test fails and
#                                             ends when one does not start
#   t_captures_stop N                         wait (5 s at most) until every capture of
#                                             t_captures holds N SYNs, then stop them
#   t_pcap_syns PCAP                          how many SYNs tcpdump reads in PCAP
#   t_client_sysctl VAR=value...              sysctl -w in the client namespace
#   t_syn ADDR PORT [TTL] [MSS]               one kernel SYN from the client namespace
#                                             (test/tools/syn_client.py); counted in $T_SYNS
#   t_syn46 PORT [TTL] [MSS]                  t_syn to $T_SADDR4 and to $T_SADDR6
#   t_syn_stacks PORT TS,SACK,WS,ECN...       for each client stack (tcp_timestamps,
#                                             tcp_sack, tcp_window_scaling, tcp_ecn): t_syn46;
#                                             then back to 1,1,1,0
#   t_spec_number IN OUT                      number a syngen spec's lines by source port
#                                             (20000 + line), destination port 23080
#   t_p0f_norm LOG                            p0f's SYN lines as
#                                             "port<TAB>raw_sig<TAB>os=..|dist=..|params=.."
# The agent (after t_netns_pair; pins under $PIN)
#   t_agent_start NAME [VAR=value...]         huginn-ebpf-agent on $T_SIF in $T_SNS (port
#                                             ${AGENT_PORT:-0}, log level debug; VAR=value
#                                             overrides); returns once attached or took
#                                             over, else 1 (log shown); pid in $T_PID
#   t_xdp_id / t_prog_id_of NAME              prog id on $T_SIF / loaded by agent log NAME
#   t_map_id DIR MAP / t_map_max DIR MAP      a pinned map's id / max_entries (bpftool)
# nginx
#   t_nginx_conf CONNS                        the head of $T_DIR/nginx.conf (error log, temp
#                                             paths under $T_DIR) up to "http {"; append
#                                             the rest, then t_nginx_start
#   t_nginx_start [NS]                        nginx on $T_DIR/nginx.conf (in netns NS)
# Metrics
#   t_metric_of FILE NAME                     the value of the sample named exactly NAME
#                                             (labels included) in Prometheus text, or
#                                             "absent"

set -u
BUILD=${BUILD:-build}
T_NAME=$(basename "$0" .sh)
# The repository root, for data files and test tools.
T_TOP=$(cd "$(dirname "$0")/../.." && pwd)
T_DIR=$(mktemp -d "/tmp/huginn-$T_NAME.XXXXXX")
T_DEFER=""
T_PIDS=""
T_FAILS=0
# A short id keeps interface names under 15 bytes and tests apart.
T_ID=$(printf '%04x' $(($$ % 65536)))
T_NET=$(($$ % 200 + 20))

t_ok() { echo "ok - $T_NAME: $*"; }
t_fail() {
	echo "not ok - $T_NAME: $*"
	T_FAILS=$((T_FAILS + 1))
}
t_skip() { echo "ok # SKIP $T_NAME: $*"; }
t_diag() { echo "# $*"; }

t_check() {
	_desc=$1
	shift
	if "$@" >>"$T_DIR/check.log" 2>&1; then t_ok "$_desc"; else t_fail "$_desc"; fi
}

t_eq() {
	if [ "$2" = "$3" ]; then
		t_ok "$1"
	else
		t_fail "$1"
		echo "#   got:  '$2'"
		echo "#   want: '$3'"
	fi
}

t_need_root() {
	if [ "$(id -u)" != 0 ]; then
		echo "ok # SKIP $T_NAME: SKIPPED, needs root (run make test as root)"
		exit 0
	fi
}

t_need_bin() {
	for _b in "$@"; do
		if [ ! -x "$_b" ]; then
			t_fail "$_b is not built (make BUILD=$BUILD $_b)"
			exit 1
		fi
	done
}

t_san_check() {
	if grep -qE 'AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:' "$1"; then
		t_fail "sanitizer report in $(basename "$1")"
		grep -E -A12 'AddressSanitizer|LeakSanitizer|runtime error:' "$1" | head -40 |
			sed 's/^/#   /'
	else
		t_ok "no sanitizer report in $(basename "$1")"
	fi
}

t_refuses() {
	_rd=$1
	_rr=$2
	shift 2
	T_OUT=$("$@" 2>&1)
	T_RC=$?
	if [ "$T_RC" -ne 0 ] && printf '%s\n' "$T_OUT" | grep -qE -- "$_rr"; then
		t_ok "$_rd (exit $T_RC)"
	else
		t_fail "$_rd (exit $T_RC)"
		echo "#   want: $_rr"
		printf '%s\n' "$T_OUT" | sed 's/^/#   /'
	fi
}

t_need_tool() {
	for _t in "$@"; do
		if ! command -v "$_t" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$_t" ]; then
			echo "ok # SKIP $T_NAME: SKIPPED, '$_t' is not installed (make test-deps)"
			exit 0
		fi
	done
}

t_defer() { T_DEFER="$1
$T_DEFER"; }

# t_stop PID [SECS]: TERM, up to SECS (10) s, then KILL; the exit status of a
# child of this shell lands in $T_RC (only this shell can wait for its children).
t_stop() {
	_pid=$1
	_lim=$((${2:-10} * 10))
	T_RC=0
	kill -0 "$_pid" 2>/dev/null || return 0
	kill -TERM "$_pid" 2>/dev/null
	_i=0
	while kill -0 "$_pid" 2>/dev/null && [ $_i -lt $_lim ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	kill -KILL "$_pid" 2>/dev/null
	wait "$_pid" 2>/dev/null
	T_RC=$?
	return 0
}

t_gone() {
	_lim=$(($2 * 10))
	T_WAITED=0
	while kill -0 "$1" 2>/dev/null && [ "$T_WAITED" -lt "$_lim" ]; do
		sleep 0.1
		T_WAITED=$((T_WAITED + 1))
	done
	! kill -0 "$1" 2>/dev/null
}

t_bg() {
	_name=$1
	shift
	# A shell function would run in a subshell whose pid is not the command's:
	# turn t_in into nsenter so $T_PID is the real process and t_stop reaches it.
	if [ "$1" = t_in ]; then
		_ns=$2
		shift 2
		set -- nsenter --net="/run/netns/$_ns" "$@"
	fi
	"$@" >"$T_DIR/$_name.log" 2>&1 &
	T_PID=$!
	T_PIDS="$T_PID $T_PIDS"
}

t_wait_for() {
	_secs=$1
	shift
	_n=$((_secs * 10))
	while [ $_n -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
		_n=$((_n - 1))
	done
	return 1
}

t_in() {
	_ns=$1
	shift
	nsenter --net="/run/netns/$_ns" "$@"
}

t_netns_pair() {
	# T_NS_PREFIX (default hg) names the namespaces and veths: runs that share a machine
	# keep apart by prefix.
	T_SNS="${T_NS_PREFIX:-hg}s$T_ID"
	T_CNS="${T_NS_PREFIX:-hg}c$T_ID"
	T_SIF="${T_NS_PREFIX:-hg}s$T_ID"
	T_CIF="${T_NS_PREFIX:-hg}c$T_ID"
	T_SADDR4="10.$T_NET.0.1"
	T_CADDR4="10.$T_NET.0.2"
	T_SADDR6="fd00:$T_NET::1"
	T_CADDR6="fd00:$T_NET::2"
	ip netns add "$T_SNS" || return 1
	t_defer "ip netns del $T_SNS"
	ip netns add "$T_CNS" || return 1
	t_defer "ip netns del $T_CNS"
	ip link add "$T_SIF" netns "$T_SNS" type veth peer name "$T_CIF" netns "$T_CNS" || return 1
	t_in "$T_SNS" ip link set lo up
	t_in "$T_CNS" ip link set lo up
	t_in "$T_SNS" ip addr add "$T_SADDR4/24" dev "$T_SIF"
	t_in "$T_CNS" ip addr add "$T_CADDR4/24" dev "$T_CIF"
	t_in "$T_SNS" ip -6 addr add "$T_SADDR6/64" dev "$T_SIF" nodad
	t_in "$T_CNS" ip -6 addr add "$T_CADDR6/64" dev "$T_CIF" nodad
	t_in "$T_SNS" ip link set "$T_SIF" up
	t_in "$T_CNS" ip link set "$T_CIF" up
	# Native XDP on a veth receives without a program on the peer, but caps its MTU
	# (no XDP fragments): keep MTUs at or below 3506 in native mode.
	return 0
}

t_bpffs() {
	T_BPFFS="$T_DIR/bpffs"
	mkdir -p "$T_BPFFS"
	mount -t bpf bpf "$T_BPFFS" || return 1
	t_defer "umount -l $T_BPFFS"
}

t_capture() {
	_cap=$1
	_ifc=$2
	_filt=$3
	shift 3
	# nsenter execs tcpdump, so $T_PID is tcpdump itself (t_in would be a subshell).
	t_bg "$_cap" nsenter --net="/run/netns/$T_SNS" tcpdump --immediate-mode -U -i "$_ifc" \
		-w "$T_DIR/$_cap.pcap" "$@" "$_filt"
	t_wait_for 10 grep -q listening "$T_DIR/$_cap.log"
}

t_captures() {
	_filt=$1
	shift
	T_CAPS=""
	T_CAP_PIDS=""
	for _spec in "$@"; do
		# shellcheck disable=SC2086 # name, interface, tcpdump arguments
		set -- $_spec
		_cn=$1
		_ifc=$2
		shift 2
		if ! t_capture "$_cn" "$_ifc" "$_filt" "$@"; then
			t_fail "tcpdump did not start: $(cat "$T_DIR/$_cn.log")"
			exit 1
		fi
		T_CAPS="$T_CAPS $_cn"
		T_CAP_PIDS="$T_CAP_PIDS $T_PID"
	done
}

t_captures_hold() {
	for _cn in $T_CAPS; do
		[ "$(t_pcap_syns "$T_DIR/$_cn.pcap")" -ge "$1" ] || return 1
	done
}

# tcpdump -U writes each packet as it comes: wait until all are in, then stop.
t_captures_stop() {
	t_wait_for 5 t_captures_hold "$1"
	for _p in $T_CAP_PIDS; do t_stop "$_p"; done
}

t_pcap_syns() { tcpdump -nr "$1" 2>/dev/null | grep -c 'Flags \[S[E]*[W]*\],'; }

t_client_sysctl() { t_in "$T_CNS" sysctl -qw "$@" >/dev/null 2>&1; }

T_SYNS=0
t_syn() {
	t_in "$T_CNS" timeout 5 "$PYTHON" "$T_TOP/test/tools/syn_client.py" "$1" "$2" \
		"${3:-0}" "${4:-0}" 2>>"$T_DIR/client.err"
	T_SYNS=$((T_SYNS + 1))
}
t_syn46() {
	t_syn "$T_SADDR4" "$@"
	t_syn "$T_SADDR6" "$@"
}
t_syn_stacks() {
	_port=$1
	shift
	for _st in "$@" ""; do
		# shellcheck disable=SC2046 # four numbers
		set -- $(echo "${_st:-1,1,1,0}" | tr ',' ' ')
		t_client_sysctl net.ipv4.tcp_timestamps="$1" net.ipv4.tcp_sack="$2" \
			net.ipv4.tcp_window_scaling="$3" net.ipv4.tcp_ecn="$4"
		[ -n "$_st" ] && t_syn46 "$_port"
	done
	return 0
}

t_spec_number() {
	awk '!/^[ \t]*(#|$)/ { n++; print $0, "sport=" (20000 + n), "dport=23080" }' "$1" >"$2"
}

# A '!' (tool) match is logged by p0f as app=; printed here as os=, like ours.
t_p0f_norm() {
	awk -F'|' '/\] mod=syn\|/ {
		os = ""; d = ""; pa = ""; raw = ""; port = ""
		for (i = 1; i <= NF; i++) {
			k = $i; sub(/=.*/, "", k); v = substr($i, length(k) + 2)
			if (k == "cli") { port = v; sub(/.*\//, "", port) }
			else if (k == "os" || k == "app") os = v
			else if (k == "dist") d = v
			else if (k == "params") pa = v
			else if (k == "raw_sig") raw = v
		}
		print port "\t" raw "\t" "os=" os "|dist=" d "|params=" pa
	}' "$1"
}

t_agent_start() {
	_name=$1
	shift
	t_bg "$_name" nsenter --net="/run/netns/$T_SNS" env HUGINN_EBPF_INTERFACE="$T_SIF" \
		HUGINN_EBPF_DST_PORT="${AGENT_PORT:-0}" HUGINN_EBPF_PIN_PATH="$PIN" \
		HUGINN_EBPF_LOG_LEVEL=debug "$@" "$AGENT"
	if ! t_wait_for 30 grep -qE 'attached prog id|took over link' "$T_DIR/$_name.log"; then
		sed 's/^/#   /' "$T_DIR/$_name.log" | tail -n 10
		return 1
	fi
}

t_xdp_id() {
	t_in "$T_SNS" ip link show dev "$T_SIF" | sed -n 's/.*prog\/xdp id \([0-9]*\).*/\1/p'
}
t_prog_id_of() {
	sed -n 's/.*loaded program xdp_syn (prog id \([0-9]*\).*/\1/p' "$T_DIR/$1.log"
}
t_map_id() { bpftool map show pinned "$1/$2" 2>/dev/null | awk -F: 'NR == 1 { print $1 }'; }
t_map_max() {
	bpftool map show pinned "$1/$2" 2>/dev/null | sed -n 's/.*max_entries \([0-9]*\).*/\1/p'
}

t_nginx_conf() {
	mkdir -p "$T_DIR/nginx-tmp"
	cat >"$T_DIR/nginx.conf" <<EOF
worker_processes 1;
user root;
error_log $T_DIR/nginx-error.log warn;
events { worker_connections $1; }
http {
    client_body_temp_path $T_DIR/nginx-tmp/body;
    proxy_temp_path $T_DIR/nginx-tmp/proxy;
    fastcgi_temp_path $T_DIR/nginx-tmp/fastcgi;
    uwsgi_temp_path $T_DIR/nginx-tmp/uwsgi;
    scgi_temp_path $T_DIR/nginx-tmp/scgi;
    keepalive_requests 100000;
EOF
}

t_nginx_start() {
	set -- "${1:-}" nginx -e "$T_DIR/nginx-stderr.log" -p "$T_DIR" -c "$T_DIR/nginx.conf" \
		-g "daemon off; pid $T_DIR/nginx.pid;"
	_ns=$1
	shift
	# nsenter execs nginx: $! is nginx's own pid either way.
	[ -n "$_ns" ] && set -- nsenter --net="/run/netns/$_ns" "$@"
	"$@" >"$T_DIR/nginx.out" 2>&1 &
	T_PIDS="$! $T_PIDS"
}

t_metric_of() {
	awk -v n="$2" '$1 == n { v = $2; f = 1 } END { print f ? v : "absent" }' "$1"
}

t_cleanup() {
	for _p in $T_PIDS; do
		t_stop "$_p"
	done
	echo "$T_DEFER" | while IFS= read -r _c; do
		[ -n "$_c" ] && sh -c "$_c" >/dev/null 2>&1
	done
	if [ "$T_FAILS" -eq 0 ]; then rm -rf "$T_DIR"; else echo "# logs kept in $T_DIR"; fi
}
trap t_cleanup EXIT
trap 'exit 130' INT TERM

# The release binaries under test.
AGENT=${AGENT:-$BUILD/huginn-ebpf-agent}
PROXY=${PROXY:-$BUILD/huginn-proxy}
# The system interpreter when there is one: a version-manager shim in PATH can cost a
# second or more per start, and the tests start python a hundred times.
if [ -z "${PYTHON:-}" ]; then
	if [ -x /usr/bin/python3 ]; then PYTHON=/usr/bin/python3; else PYTHON=python3; fi
fi

# t_label_in_range FLAVOR VERSION: does an OS label's version range ("4.20 or newer",
# "6.6-6.9 ...", "3.x-4.19") include VERSION (major.minor)?  Exit status 0 if so.
t_label_in_range() {
	echo "$1 $2" | awk '
	function v(s) { sub(/\.x$/, ".0", s); split(s, p, "."); return p[1] * 1000 + p[2] }
	{
		ver = v($NF)
		if ($0 ~ /^[0-9.x]+ or newer /) exit !(ver >= v($1))
		if (split($1, r, "-") == 2) {
			hi = r[2]; if (hi ~ /\.x$/) { sub(/\.x$/, ".999", hi) }
			exit !(ver >= v(r[1]) && ver <= v(hi))
		}
		exit 1
	}'
}

# t_backend_hdr PATH NAME LOG: the values of field NAME in the requests for PATH that
# test/tools/echo_backend.py logged to LOG (REQ/HDR lines), one per line.
t_backend_hdr() {
	awk -v p="$1" -v n="$2" '
	$1 == "REQ" { cur[$2] = ($4 == p) }
	$1 == "HDR" && cur[$2] {
		l = $0; sub(/^HDR [0-9]+ /, "", l); i = index(l, ": ")
		if (tolower(substr(l, 1, i - 1)) == tolower(n)) print substr(l, i + 2)
	}' "$3"
}
