#!/bin/sh
# t_xdp_pcap.sh - the XDP program in the kernel and its user-space build agree
# on every frame of whole captures (issue 3: "runs the same frames through the
# loaded XDP program with BPF_PROG_TEST_RUN").
#
# xdp_pcap_cmp (test/e2e/xdp_pcap_cmp.c) loads the embedded object with our
# loader, reads a pcap with proxy/pcap.c and, per frame, compares the kernel's
# verdict, stored record and counters with huginn_parse_frame()/_ip() run in
# user space.  Captures:
#   1. syngen frames from test/p0f/oracle.spec and select.spec (numbered as
#      t_p0f_oracle.sh does) plus a few non-SYN segments, each also cut at every
#      length and mutated 32 times (malformed headers of both families);
#   2. a negative control: a corrupted user-space record must fail every SYN;
#   3. real kernel SYNs captured with tcpdump on a veth in namespaces, as
#      Ethernet and as Linux cooked v1/v2 (the synthetic Ethernet header path).
. "$(dirname "$0")/lib.sh"

t_need_root
CMP=${CMP:-$BUILD/san/xdp_pcap_cmp}
SYNGEN=${SYNGEN:-$BUILD/tools/syngen}
for b in "$CMP" "$SYNGEN"; do
	if [ ! -x "$b" ]; then
		t_fail "$b is not built (make BUILD=$BUILD $b)"
		exit 1
	fi
done
pdir=$(dirname "$0")/../p0f

# cmp PCAP ARGS...: run the comparison, pass its lines on, count its failures.
cmp_pcap() {
	pcap=$1
	shift
	"$CMP" "$@" "$pcap" >"$T_DIR/cmp.out" 2>&1
	rc=$?
	cat "$T_DIR/cmp.out"
	f=$(grep -c '^not ok' "$T_DIR/cmp.out")
	T_FAILS=$((T_FAILS + f))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		t_fail "xdp_pcap_cmp $* $(basename "$pcap") exited $rc"
	fi
}

# ---- 1. synthetic frames ---------------------------------------------------------
{
	cat "$pdir/oracle.spec" "$pdir/select.spec"
	# Not SYNs: both families, with and without payload; must store nothing.
	printf '%s\n' 'name=synack flags=SA ack=7' 'name=ack flags=A ack=7' 'name=rst flags=R' \
		'name=rstack flags=RA ack=7' 'name=data flags=PA ack=7 pay=100' \
		'name=fin flags=FA ack=7' 'name=synack6 v=6 flags=SA ack=7' \
		'name=data6 v=6 flags=PA ack=7 pay=33 flow=12345' 'name=null flags=0x00'
} | awk '!/^[ \t]*(#|$)/ { n++; print $0, "sport=" (20000 + n), "dport=23080" }' \
	>"$T_DIR/cases.spec"
if ! "$SYNGEN" "$T_DIR/cases.spec" "$T_DIR/syn.pcap" 2>"$T_DIR/syngen.err"; then
	t_fail "syngen: $(cat "$T_DIR/syngen.err")"
	exit 1
fi
t_diag "synthetic: $(wc -l <"$T_DIR/cases.spec") frames from oracle.spec, select.spec and non-SYNs"
cmp_pcap "$T_DIR/syn.pcap" --prefixes --mutants 32

# ---- 2. negative control -----------------------------------------------------------
# Flip a bit of the user-space TTL (record offset 45): every SYN must be reported.
"$CMP" --flip-user-byte 45 "$T_DIR/syn.pcap" >"$T_DIR/flip.out" 2>&1
rc=$?
t_eq "negative control: a corrupted user-space record fails (exit status)" "$rc" 1
syns=$(sed -n 's/^# xdp_pcap_cmp: .* packets (\([0-9]*\) SYNs).*/\1/p' "$T_DIR/flip.out")
t_eq "negative control: every SYN is a mismatch" \
	"$(sed -n 's/.* \([0-9]*\) mismatching frames$/\1/p' "$T_DIR/flip.out")" "${syns:-none}"
t_check "negative control: the diff names the field and shows both bytes" \
	grep -A2 -q '^#   field ttl (offset 45, 1 bytes):' "$T_DIR/flip.out"

# ---- 3. real kernel SYNs -------------------------------------------------------------
if ! command -v tcpdump >/dev/null 2>&1 || ! command -v python3 >/dev/null 2>&1; then
	t_skip "SKIPPED live kernel SYNs: needs tcpdump and python3"
	exit $((T_FAILS > 0))
fi
t_netns_pair || {
	t_fail "cannot create namespaces"
	exit 1
}
# Port range of this test: 24100-24899.
PORT=$((24100 + $$ % 800))
# Nothing listens: each SYN is answered by a RST (a non-SYN frame to check too).
start_dump() { # name, interface, extra tcpdump args
	t_bg "$1" nsenter --net="/run/netns/$T_SNS" tcpdump --immediate-mode -i "$2" -U \
		-w "$T_DIR/$1.pcap" $3 "tcp port $PORT"
	eval "${1}_pid=\$T_PID"
}
start_dump live_eth "$T_SIF" ""
start_dump live_sll any "-y LINUX_SLL"
start_dump live_sll2 any "-y LINUX_SLL2"
for d in live_eth live_sll live_sll2; do
	if ! t_wait_for 10 grep -q listening "$T_DIR/$d.log"; then
		t_fail "tcpdump did not start: $(cat "$T_DIR/$d.log")"
		exit 1
	fi
done
sysc() { t_in "$T_CNS" sysctl -qw "$@" >/dev/null 2>&1; }
conn() {
	t_in "$T_CNS" timeout 5 python3 "$T_TOP/test/tools/syn_client.py" "$1" "$PORT" "${2:-0}" "${3:-0}" \
		2>>"$T_DIR/client.err"
}
n=0
for ts in 1 0; do
	for ecn in 0 1; do
		sysc net.ipv4.tcp_timestamps=$ts net.ipv4.tcp_sack=$ts \
			net.ipv4.tcp_window_scaling=$ts net.ipv4.tcp_ecn=$ecn
		conn "$T_SADDR4"
		conn "$T_SADDR6"
		n=$((n + 2))
	done
done
sysc net.ipv4.tcp_timestamps=1 net.ipv4.tcp_sack=1 net.ipv4.tcp_window_scaling=1 \
	net.ipv4.tcp_ecn=0
for ttl in 1 65 255; do
	conn "$T_SADDR4" "$ttl"
	conn "$T_SADDR6" "$ttl" 1000
	n=$((n + 2))
done
sleep 0.5
for p in $live_eth_pid $live_sll_pid $live_sll2_pid; do t_stop "$p"; done
for cap in live_eth live_sll live_sll2; do
	syns=$(tcpdump -nr "$T_DIR/$cap.pcap" 2>/dev/null | grep -c 'Flags \[S[E]*[W]*\],')
	if [ "$syns" -lt $((n - 2)) ]; then
		t_fail "$cap: only $syns of $n SYNs captured: $(cat "$T_DIR/client.err")"
	fi
	cmp_pcap "$T_DIR/$cap.pcap" --prefixes --mutants 32
	t_eq "$cap: the comparison saw every SYN tcpdump sees" \
		"$(sed -n 's/^# xdp_pcap_cmp: .* packets (\([0-9]*\) SYNs).*/\1/p' "$T_DIR/cmp.out")" \
		"$syns"
done
exit $((T_FAILS > 0))
