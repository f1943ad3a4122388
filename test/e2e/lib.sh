#!/bin/sh
# test/e2e/lib.sh - shared helpers for end-to-end tests.  Source it first:
#   . "$(dirname "$0")/lib.sh"
# Every test creates its own namespaces, bpffs mount and processes, registers
# them for cleanup, and stops them by pid on exit (trap), also on failure.
#
#   t_ok DESC / t_fail DESC / t_skip DESC     one result line
#   t_check DESC CMD...                       ok if CMD exits 0
#   t_eq DESC GOT WANT                        ok if the two strings are equal
#   t_need_root / t_need_tool TOOL...         skip the whole test (loudly) if missing
#   t_bg NAME CMD...                          start CMD in background, log in $T_DIR/NAME.log,
#                                             pid in $T_PID; killed at exit
#   t_stop PID [SECS]                         TERM, wait SECS (10), KILL; status in $T_RC
#   t_wait_for SECS CMD...                    poll CMD every 0.1 s until it succeeds
#   t_defer CMD                               run CMD (a string) at exit, last first
#   t_netns_pair                              namespaces $T_SNS (server) and $T_CNS (client)
#                                             joined by veth $T_SIF <-> $T_CIF, addresses
#                                             10.$T_NET.0.1/2 and fd00:$T_NET::1/2
#   t_in NS CMD...                            run CMD in network namespace NS (mounts kept)
#   t_bpffs                                   mount a private bpffs at $T_DIR/bpffs

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
	desc=$1
	shift
	if "$@" >>"$T_DIR/check.log" 2>&1; then t_ok "$desc"; else t_fail "$desc"; fi
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

t_need_tool() {
	for t in "$@"; do
		if ! command -v "$t" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$t" ]; then
			echo "ok # SKIP $T_NAME: SKIPPED, '$t' is not installed (make test-deps)"
			exit 0
		fi
	done
}

t_defer() { T_DEFER="$1
$T_DEFER"; }

# t_stop PID [SECS]: TERM, up to SECS (10) s, then KILL; the exit status of a
# child of this shell lands in $T_RC (only this shell can wait for its children).
t_stop() {
	pid=$1
	lim=$((${2:-10} * 10))
	T_RC=0
	kill -0 "$pid" 2>/dev/null || return 0
	kill -TERM "$pid" 2>/dev/null
	i=0
	while kill -0 "$pid" 2>/dev/null && [ $i -lt $lim ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	T_RC=$?
	return 0
}

t_bg() {
	name=$1
	shift
	# A shell function would run in a subshell whose pid is not the command's:
	# turn t_in into nsenter so $T_PID is the real process and t_stop reaches it.
	if [ "$1" = t_in ]; then
		ns=$2
		shift 2
		set -- nsenter --net="/run/netns/$ns" "$@"
	fi
	"$@" >"$T_DIR/$name.log" 2>&1 &
	T_PID=$!
	T_PIDS="$T_PID $T_PIDS"
}

t_wait_for() {
	secs=$1
	shift
	n=$((secs * 10))
	while [ $n -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

t_in() {
	ns=$1
	shift
	nsenter --net="/run/netns/$ns" "$@"
}

t_netns_pair() {
	T_SNS="hgs$T_ID"
	T_CNS="hgc$T_ID"
	T_SIF="hgs$T_ID"
	T_CIF="hgc$T_ID"
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

t_cleanup() {
	for p in $T_PIDS; do
		t_stop "$p"
	done
	echo "$T_DEFER" | while IFS= read -r c; do
		[ -n "$c" ] && sh -c "$c" >/dev/null 2>&1
	done
	if [ "$T_FAILS" -eq 0 ]; then rm -rf "$T_DIR"; else echo "# logs kept in $T_DIR"; fi
}
trap t_cleanup EXIT
trap 'exit 130' INT TERM

# The release binaries under test.
AGENT=${AGENT:-$BUILD/huginn-ebpf-agent}
PROXY=${PROXY:-$BUILD/huginn-proxy}
