#!/bin/sh
# t_xdp_pcap.sh - the XDP program in the kernel and its user-space build agree
# on every frame of whole captures (issue 3: "runs the same frames through the
# loaded XDP program with BPF_PROG_TEST_RUN").
#
# What this shows, and what it does not: both sides run the SAME source
# (bpf/xdp_syn.h's parser, compiled once by clang for BPF and once by gcc for
# user space), so agreement proves that the verifier-accepted program, the
# kernel's view of the frame (test-run context, direct packet access, maps) and
# the user-space build behave alike.  It cannot show that the parser is right:
# a wrong rule would be wrong on both sides.  The independent checks of what
# is parsed are against p0f: t_p0f_oracle.sh (the same spec files and kernel
# SYNs, read by p0f -r) and t_fp_e2e.sh (live SYNs through the agent's map,
# compared with p0f -i on the same interface).
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
t_need_tool tcpdump "$PYTHON"
CMP=${CMP:-$BUILD/san/xdp_pcap_cmp}
SYNGEN=${SYNGEN:-$BUILD/tools/syngen}
t_need_bin "$CMP" "$SYNGEN"
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
} >"$T_DIR/all.spec"
t_spec_number "$T_DIR/all.spec" "$T_DIR/cases.spec"
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
t_netns_pair || {
	t_fail "cannot create namespaces"
	exit 1
}
# Port range of this test: 24100-24899.
PORT=$((24100 + $$ % 800))
# Nothing listens: each SYN is answered by a RST (a non-SYN frame to check too).
t_captures "tcp port $PORT" "live_eth $T_SIF" "live_sll any -y LINUX_SLL" \
	"live_sll2 any -y LINUX_SLL2"
# Options on and off, with and without ECN.
t_syn_stacks "$PORT" 1,1,1,0 1,1,1,1 0,0,0,0 0,0,0,1
for ttl in 1 65 255; do
	t_syn "$T_SADDR4" "$PORT" "$ttl"
	t_syn "$T_SADDR6" "$PORT" "$ttl" 1000
done
n=$T_SYNS
t_captures_stop "$n"
for cap in live_eth live_sll live_sll2; do
	syns=$(t_pcap_syns "$T_DIR/$cap.pcap")
	if [ "$syns" -lt $((n - 2)) ]; then
		t_fail "$cap: only $syns of $n SYNs captured: $(cat "$T_DIR/client.err")"
	fi
	cmp_pcap "$T_DIR/$cap.pcap" --prefixes --mutants 32
	t_eq "$cap: the comparison saw every SYN tcpdump sees" \
		"$(sed -n 's/^# xdp_pcap_cmp: .* packets (\([0-9]*\) SYNs).*/\1/p' "$T_DIR/cmp.out")" \
		"$syns"
done
exit $((T_FAILS > 0))
