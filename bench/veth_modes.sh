#!/bin/sh
# bench/veth_modes.sh - what each capture mode costs a bulk TCP stream through a veth:
# a client namespace sends as fast as it can to a sink in the server namespace for
# DURATION seconds (iperf3 if installed, else python3: one connection, 64 KiB writes,
# slower, so it shows less of the difference), first with nothing attached
# to the server's veth, then with the agent attached in each of MODES (skb and native
# XDP, tc: tc ingress through a tcx link).  Prints Gbit/s per run and the ratio to
# "none" (median over ROUNDS), and the load average before and after: other work on
# the machine moves the numbers.  A benchmark, not a test: nothing passes or fails.
# Needs root, ip, nsenter, python3.
#
#   BUILD=build sh bench/veth_modes.sh
# Environment: DURATION=5 ROUNDS=3 MODES="skb native tc" AGENT=$BUILD/huginn-ebpf-agent
#              PORT=27990 NS_PREFIX=hb (namespace and veth names: PREFIX[sc]ID)
set -u
BUILD=${BUILD:-build}
AGENT=${AGENT:-$BUILD/huginn-ebpf-agent}
DURATION=${DURATION:-5}
ROUNDS=${ROUNDS:-3}
MODES=${MODES:-skb native tc}
PORT=${PORT:-27990}
NS_PREFIX=${NS_PREFIX:-hb}
ID=$(printf '%04x' $(($$ % 65536)))
SNS=${NS_PREFIX}s$ID CNS=${NS_PREFIX}c$ID SIF=${NS_PREFIX}s$ID CIF=${NS_PREFIX}c$ID
DIR=$(mktemp -d /tmp/huginn-veth.XXXXXX)
APID="" SPID=""

[ "$(id -u)" = 0 ] || { echo "veth_modes: needs root" >&2; exit 1; }
[ -x "$AGENT" ] || { echo "veth_modes: $AGENT is missing (make)" >&2; exit 1; }
cleanup() {
	[ -n "$APID" ] && kill "$APID" 2>/dev/null && wait "$APID" 2>/dev/null
	[ -n "$SPID" ] && kill "$SPID" 2>/dev/null && wait "$SPID" 2>/dev/null
	umount -l "$DIR/bpffs" 2>/dev/null
	ip netns del "$SNS" 2>/dev/null
	ip netns del "$CNS" 2>/dev/null
	rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ip netns add "$SNS" && ip netns add "$CNS" &&
	ip link add "$SIF" netns "$SNS" type veth peer name "$CIF" netns "$CNS" || exit 1
for ns in "$SNS" "$CNS"; do ip -n "$ns" link set lo up; done
ip -n "$SNS" addr add 10.251.0.1/24 dev "$SIF"
ip -n "$CNS" addr add 10.251.0.2/24 dev "$CIF"
ip -n "$SNS" link set "$SIF" up
ip -n "$CNS" link set "$CIF" up
mkdir "$DIR/bpffs" && mount -t bpf bpf "$DIR/bpffs" || exit 1

# The sink: accept one connection at a time and discard everything.
cat >"$DIR/sink.py" <<'PY'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen(8)
buf = bytearray(1 << 20)
while True:
    c, _ = s.accept()
    while c.recv_into(buf):
        pass
    c.close()
PY
# The source: send for N seconds, print Gbit/s.
cat >"$DIR/src.py" <<'PY'
import socket, sys, time
c = socket.create_connection((sys.argv[1], int(sys.argv[2])))
chunk = b"\0" * 65536
n, t0 = 0, time.monotonic()
end = t0 + float(sys.argv[3])
while time.monotonic() < end:
    c.sendall(chunk)
    n += len(chunk)
c.shutdown(socket.SHUT_WR)
c.recv(1)
print("%.3f" % (n * 8 / (time.monotonic() - t0) / 1e9))
PY
if command -v iperf3 >/dev/null 2>&1; then
	TOOL=iperf3
	nsenter --net="/run/netns/$SNS" iperf3 -s -B 10.251.0.1 -p "$PORT" >/dev/null 2>&1 &
	SPID=$!
	run() {
		nsenter --net="/run/netns/$CNS" iperf3 -c 10.251.0.1 -p "$PORT" -t "$DURATION" -f g |
			awk '/receiver/ { print $(NF - 2) }'
	}
else
	TOOL=python3
	nsenter --net="/run/netns/$SNS" python3 "$DIR/sink.py" 10.251.0.1 "$PORT" &
	SPID=$!
	run() { nsenter --net="/run/netns/$CNS" python3 "$DIR/src.py" 10.251.0.1 "$PORT" "$DURATION"; }
fi
sleep 0.5
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# attach MODE: start the agent in that mode, wait for the attach.
attach() {
	nsenter --net="/run/netns/$SNS" env HUGINN_EBPF_INTERFACE="$SIF" HUGINN_EBPF_DST_PORT=0 \
		HUGINN_EBPF_PIN_PATH="$DIR/bpffs/huginn" HUGINN_EBPF_XDP_MODE="$1" "$AGENT" \
		>"$DIR/agent.log" 2>&1 &
	APID=$!
	i=0
	while ! grep -q 'attached prog id' "$DIR/agent.log" && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	grep -q 'attached prog id' "$DIR/agent.log"
}
detach() {
	kill "$APID" && wait "$APID"
	APID=""
}

LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
: >"$DIR/none"
for m in $MODES; do : >"$DIR/$m"; done
r=1
while [ $r -le "$ROUNDS" ]; do
	run >>"$DIR/none"
	for m in $MODES; do
		if attach "$m"; then
			run >>"$DIR/$m"
			detach
		else
			echo "veth_modes: the agent did not attach in $m mode:" >&2
			cat "$DIR/agent.log" >&2
			detach
		fi
	done
	r=$((r + 1))
done
base=$(median <"$DIR/none")
echo "# $TOOL, $DURATION s per run, $ROUNDS rounds, kernel $(uname -r), $(nproc) CPUs"
echo "# load average (1, 5, 15 min) before: $LOAD0, after: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-8s %10s %8s   %s\n' mode "Gbit/s" ratio "runs (Gbit/s)"
printf '%-8s %10s %8s   %s\n' none "$base" 1.00 "$(tr '\n' ' ' <"$DIR/none")"
for m in $MODES; do
	v=$(median <"$DIR/$m")
	printf '%-8s %10s %8s   %s\n' "$m" "${v:--}" \
		"$(awk -v a="${v:-0}" -v b="$base" 'BEGIN { printf "%.2f", b ? a / b : 0 }')" \
		"$(tr '\n' ' ' <"$DIR/$m")"
done
