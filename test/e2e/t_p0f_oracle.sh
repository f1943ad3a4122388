#!/bin/sh
# t_p0f_oracle.sh - the real p0f 3.09b is the oracle for our signatures.
#
# 1. Synthetic SYNs: test/p0f/oracle.spec (TTL boundaries, every window
#    divisor, every option kind and malformed form, every quirk, IPv4 options,
#    IPv6 flow labels, payload, p0f.fp signatures) -> syngen -> one pcap, read
#    by `p0f -r` and by `huginn-proxy fingerprint`.  raw_sig, os, dist and
#    params must be identical for every SYN.  The two p0f bugs (ack+, opt+)
#    are the only allowed differences: a case is a bug case when our output
#    differs from our own --emulate-p0f-bugs output; then the emulation must
#    equal p0f, and the set of bug cases must be exactly the spec's "bug-*".
# 2. Real kernel SYNs: a client namespace with varied sysctls, TTLs, MSS and
#    MTU connects over a veth; tcpdump on the server side records (pcap with
#    us and ns stamps, Ethernet and Linux cooked v2); same comparison.
. "$(dirname "$0")/lib.sh"

t_need_tool p0f
FPDB=${FPDB:-/etc/p0f/p0f.fp}
SYNGEN=${SYNGEN:-$BUILD/tools/syngen}
P0F=$(command -v p0f || echo /usr/sbin/p0f)
if [ ! -f "$FPDB" ]; then
	t_skip "SKIPPED, $FPDB is missing (apt-get install p0f)"
	exit 0
fi
for b in "$SYNGEN" "$PROXY"; do
	if [ ! -x "$b" ]; then
		t_fail "$b is not built (make BUILD=$BUILD $b)"
		exit 1
	fi
done

# Normalize p0f's log: "port<TAB>os|dist|params|raw_sig" for every mod=syn line
# (a '!' tool match is logged as app=, which we print as os=).
p0f_norm() {
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
		print port "\t" os "|" d "|" pa "|" raw
	}' "$1"
}

ours_norm() {
	awk -F'|' '{
		port = $1; sub(/.*\//, "", port)
		os = $3; sub(/^os=/, "", os); d = $4; sub(/^dist=/, "", d)
		pa = $5; sub(/^params=/, "", pa); raw = $6; sub(/^raw_sig=/, "", raw)
		print port "\t" os "|" d "|" pa "|" raw
	}' "$1"
}

# compare NAMES P0F OURS BUGS: NAMES holds "port<TAB>case name" in order.
# Prints one ok / not ok line per case; returns the failure count via file.
compare() {
	awk -F'\t' -v tname="$T_NAME" -v what="$5" '
	FILENAME == ARGV[1] { order[++n] = $1; name[$1] = $2; next }
	FILENAME == ARGV[2] { if ($1 in p) dup[$1] = 1; p[$1] = $2; next }
	FILENAME == ARGV[3] { if ($1 in o) odup[$1] = 1; o[$1] = $2; next }
	FILENAME == ARGV[4] { b[$1] = $2; next }
	END {
		fails = 0; bugs = 0
		for (i = 1; i <= n; i++) {
			k = order[i]; nm = name[k]; msg = what " " nm " (port " k ")"
			isbug = (nm ~ /^bug-/)
			if (!(k in p) || !(k in o)) {
				printf "not ok - %s: %s: missing line (p0f: %s, ours: %s)\n", tname, msg, \
					(k in p) ? "yes" : "no", (k in o) ? "yes" : "no"
				fails++; continue
			}
			dev = (o[k] != b[k])
			if (dev && !isbug && nm !~ /^live/) {
				printf "not ok - %s: %s: unexpected p0f-bug deviation\n#   ours: %s\n#   emul: %s\n", tname, msg, o[k], b[k]
				fails++; continue
			}
			if (!dev && isbug) {
				printf "not ok - %s: %s: expected a p0f-bug deviation, none\n#   ours: %s\n", tname, msg, o[k]
				fails++; continue
			}
			want = p[k]; got = dev ? b[k] : o[k]
			if (got == want) {
				if (dev) {
					bugs++
					printf "ok - %s: %s (p0f bug case; emulation equals p0f; ours: %s)\n", tname, msg, o[k]
				} else {
					printf "ok - %s: %s\n", tname, msg
				}
			} else {
				printf "not ok - %s: %s%s\n#   p0f:  %s\n#   ours: %s\n", tname, msg, dev ? " (emulated)" : "", want, got
				fails++
			}
		}
		printf "# %s: %d cases, %d p0f-bug cases, %d failed\n", what, n, bugs, fails
		print fails > "/dev/stderr"
	}' "$1" "$2" "$3" "$4" 2>"$T_DIR/fails"
	f=$(cat "$T_DIR/fails")
	T_FAILS=$((T_FAILS + f))
}

# Run both sides on one capture and compare.  $1 = pcap, $2 = names, $3 = label,
# $4 = p0f.fp (default $FPDB).
oracle() {
	db=${4:-$FPDB}
	rm -f "$T_DIR/p0f.log"
	if ! TZ=UTC "$P0F" -f "$db" -r "$1" -o "$T_DIR/p0f.log" >"$T_DIR/p0f.out" 2>&1; then
		t_fail "$3: p0f -r failed: $(tail -n 3 "$T_DIR/p0f.out")"
		return
	fi
	if ! "$PROXY" fingerprint "$1" --db "$db" >"$T_DIR/ours.txt" 2>"$T_DIR/ours.err"; then
		t_fail "$3: huginn-proxy fingerprint failed: $(cat "$T_DIR/ours.err")"
		return
	fi
	"$PROXY" fingerprint "$1" --db "$db" --emulate-p0f-bugs >"$T_DIR/bugs.txt" 2>&1
	p0f_norm "$T_DIR/p0f.log" >"$T_DIR/p0f.norm"
	ours_norm "$T_DIR/ours.txt" >"$T_DIR/ours.norm"
	ours_norm "$T_DIR/bugs.txt" >"$T_DIR/bugs.norm"
	compare "$2" "$T_DIR/p0f.norm" "$T_DIR/ours.norm" "$T_DIR/bugs.norm" "$3"
	# p0f's mod=mtu lines ([mtu] link names) against ours from --mtu.  The bug
	# emulation is used: a bug case can flip a tool match, which hides the line.
	"$PROXY" fingerprint "$1" --db "$db" --mtu --emulate-p0f-bugs 2>&1 | awk -F'|' '/\|link=/ {
		p = $1; sub(/.*\//, "", p); print p "|" $3 "|" $4 }' | sort >"$T_DIR/ours.mtu"
	awk -F'|' '/\] mod=mtu\|/ { p = $2; sub(/.*\//, "", p); print p "|" $5 "|" $6 }' \
		"$T_DIR/p0f.log" | sort >"$T_DIR/p0f.mtu"
	if diff -u "$T_DIR/p0f.mtu" "$T_DIR/ours.mtu" >"$T_DIR/mtu.diff"; then
		t_ok "$3: all $(wc -l <"$T_DIR/p0f.mtu") mtu/link lines identical"
	else
		t_fail "$3: mtu/link lines differ"
		sed 's/^/#   /' "$T_DIR/mtu.diff" | head -n 20
	fi
}

# ---- 1. synthetic SYNs -------------------------------------------------------------
# synthetic SPEC DB LABEL: number the spec's SYNs by source port, build, compare.
synthetic() {
	awk '!/^[ \t]*(#|$)/ { n++; print $0, "sport=" (20000 + n), "dport=23080" }' "$1" \
		>"$T_DIR/cases.spec"
	awk '{ for (i = 1; i <= NF; i++) { if ($i ~ /^name=/) nm = substr($i, 6)
		if ($i ~ /^sport=/) p = substr($i, 7) }
		print p "\t" nm }' "$T_DIR/cases.spec" >"$T_DIR/cases.names"
	if ! "$SYNGEN" "$T_DIR/cases.spec" "$T_DIR/syn.pcap" 2>"$T_DIR/syngen.err"; then
		t_fail "$3: syngen: $(cat "$T_DIR/syngen.err")"
		return
	fi
	oracle "$T_DIR/syn.pcap" "$T_DIR/cases.names" "$3" "$2"
}
pdir=$(dirname "$0")/../p0f
# p0f's selection order on a database written for it (specific/generic/fuzzy/tool).
synthetic "$pdir/select.spec" "$pdir/select.fp" select
# Every field, quirk and option form against Debian's database (last: its
# outputs are reused below).
synthetic "$pdir/oracle.spec" "$FPDB" synthetic

# The same frames as pcapng and cooked captures, when editcap/tcpdump can convert.
if command -v tcpdump >/dev/null 2>&1; then
	if tcpdump -r "$T_DIR/syn.pcap" -w "$T_DIR/syn-ns.pcap" --time-stamp-precision=nano \
		>/dev/null 2>&1; then
		"$PROXY" fingerprint "$T_DIR/syn-ns.pcap" --db "$FPDB" >"$T_DIR/ns.txt" 2>&1
		t_eq "nanosecond pcap gives the same lines" "$(cat "$T_DIR/ns.txt")" \
			"$(cat "$T_DIR/ours.txt")"
	fi
fi

# The command's contract around the comparison: no database, bad inputs.
"$PROXY" fingerprint "$T_DIR/syn.pcap" >"$T_DIR/nodb.txt" 2>&1
t_eq "without --db every line says os=???" "$(grep -vc '|os=???|' "$T_DIR/nodb.txt")" 0
t_eq "without --db the signatures are the same" \
	"$(cut -d'|' -f6 "$T_DIR/nodb.txt")" "$(cut -d'|' -f6 "$T_DIR/ours.txt")"
head -c 1000 "$T_DIR/syn.pcap" >"$T_DIR/trunc.pcap"
"$PROXY" fingerprint "$T_DIR/trunc.pcap" >"$T_DIR/trunc.out" 2>"$T_DIR/trunc.err"
rc=$?
t_eq "truncated pcap: exit status 1" "$rc" 1
t_check "truncated pcap: message names the offset" \
	grep -q 'trunc.pcap: offset [0-9]*: packet record runs past the end' "$T_DIR/trunc.err"
t_check "truncated pcap: the complete SYNs before it are printed" \
	test "$(wc -l <"$T_DIR/trunc.out")" -ge 5
"$PROXY" fingerprint "$T_DIR/missing.pcap" 2>"$T_DIR/missing.err"
t_eq "missing file: exit status 1" "$?" 1
printf 'classes = a\n[tcp:request]\nlabel = s:a:x:\nsig = *:64:0:*:*,*:bogus::0\n' \
	>"$T_DIR/bad.fp"
"$PROXY" fingerprint "$T_DIR/syn.pcap" --db "$T_DIR/bad.fp" 2>"$T_DIR/badfp.err" >/dev/null
t_eq "broken p0f.fp: exit status 1" "$?" 1
t_check "broken p0f.fp: file:line:column in the message" \
	grep -q 'bad.fp:4:20: unknown TCP option' "$T_DIR/badfp.err"

# ---- 2. real kernel SYNs --------------------------------------------------------------
if [ "$(id -u)" != 0 ] || ! command -v tcpdump >/dev/null 2>&1 ||
	! command -v python3 >/dev/null 2>&1; then
	t_skip "SKIPPED live kernel SYNs: needs root, tcpdump and python3"
	exit $((T_FAILS > 0))
fi
t_netns_pair || {
	t_fail "cannot create namespaces"
	exit 1
}
PORT=$((23100 + $$ % 800))
# Nothing listens: each SYN is answered by a RST, which is all p0f needs.
start_dump() { # name, extra tcpdump args
	# nsenter execs tcpdump, so $T_PID is tcpdump itself (t_in would be a subshell).
	t_bg "$1" nsenter --net="/run/netns/$T_SNS" tcpdump --immediate-mode -i "$2" -U \
		-w "$T_DIR/$1.pcap" $3 "tcp port $PORT"
	eval "${1}_pid=\$T_PID"
}
start_dump live_eth "$T_SIF" ""
start_dump live_ns "$T_SIF" "--time-stamp-precision=nano"
start_dump live_sll2 any "-y LINUX_SLL2"
if ! t_wait_for 10 grep -q listening "$T_DIR/live_eth.log" ||
	! t_wait_for 10 grep -q listening "$T_DIR/live_ns.log" ||
	! t_wait_for 10 grep -q listening "$T_DIR/live_sll2.log"; then
	t_fail "tcpdump did not start: $(cat "$T_DIR"/live_*.log)"
	exit 1
fi
sysc() { t_in "$T_CNS" sysctl -qw "$@" >/dev/null 2>&1; }
conn() {
	t_in "$T_CNS" timeout 5 python3 "$T_TOP/test/tools/syn_client.py" "$1" "$PORT" "${2:-0}" "${3:-0}" \
		2>>"$T_DIR/client.err"
}
n=0
for ts in 1 0; do
	for sack in 1 0; do
		for ws in 1 0; do
			for ecn in 0 1; do
				sysc net.ipv4.tcp_timestamps=$ts net.ipv4.tcp_sack=$sack \
					net.ipv4.tcp_window_scaling=$ws net.ipv4.tcp_ecn=$ecn
				conn "$T_SADDR4"
				conn "$T_SADDR6"
				n=$((n + 2))
			done
		done
	done
done
sysc net.ipv4.tcp_timestamps=1 net.ipv4.tcp_sack=1 net.ipv4.tcp_window_scaling=1 \
	net.ipv4.tcp_ecn=0
for ttl in 1 32 33 64 65 128 129 200 255; do
	conn "$T_SADDR4" "$ttl"
	conn "$T_SADDR6" "$ttl"
	n=$((n + 2))
done
for dttl in 32 128 255; do
	sysc net.ipv4.ip_default_ttl=$dttl
	conn "$T_SADDR4"
	n=$((n + 1))
done
sysc net.ipv4.ip_default_ttl=64
for mss in 536 1000 1220 1400; do
	conn "$T_SADDR4" 0 "$mss"
	conn "$T_SADDR6" 0 "$mss"
	n=$((n + 2))
done
for mtu in 1280 1400 9000; do
	t_in "$T_CNS" ip link set "$T_CIF" mtu "$mtu"
	t_in "$T_SNS" ip link set "$T_SIF" mtu "$mtu"
	conn "$T_SADDR4"
	conn "$T_SADDR6"
	n=$((n + 2))
done
sleep 0.5
for p in $live_eth_pid $live_ns_pid $live_sll2_pid; do t_stop "$p"; done
for cap in live_eth live_ns live_sll2; do
	"$PROXY" fingerprint "$T_DIR/$cap.pcap" --db "$FPDB" >"$T_DIR/$cap.txt" 2>&1
	awk -F'|' '{ p = $1; sub(/.*\//, "", p); print p "\tlive-" NR }' "$T_DIR/$cap.txt" \
		>"$T_DIR/$cap.names"
	# tcpdump's own reading of the capture is the count to meet.
	syns=$(tcpdump -nr "$T_DIR/$cap.pcap" 2>/dev/null | grep -c 'Flags \[S[E]*[W]*\],')
	got=$(wc -l <"$T_DIR/$cap.names")
	t_eq "$cap: one line per SYN tcpdump sees" "$got" "$syns"
	if [ "$syns" -lt $((n - 2)) ]; then
		t_fail "$cap: only $syns of $n SYNs captured: $(cat "$T_DIR/client.err")"
	fi
	oracle "$T_DIR/$cap.pcap" "$T_DIR/$cap.names" "$cap"
done
exit $((T_FAILS > 0))
