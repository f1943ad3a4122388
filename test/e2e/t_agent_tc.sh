#!/bin/sh
# t_agent_tc.sh - huginn-ebpf-agent in tc mode (HUGINN_EBPF_XDP_MODE=tc): tc_syn at tc
# ingress of a veth through a tcx link, in network namespaces of our own (tcx*).
#   - strict parsing of the mode, --check in tc mode;
#   - the agent attaches a tcx link (bpftool link: type tcx / 11, our prog id), pins it
#     as link_<if>, nothing at XDP; --health says ok;
#   - real connections (curl) from the client namespace through huginn-proxy: the
#     x-tcp-p0f the proxy built from the pinned record equals p0f's raw_sig for that
#     SYN (p0f -i on the same veth), and the record is in the pinned map (--dump);
#   - takeover tc -> tc: ROUNDS (6) rounds of "start a new agent, SIGTERM (or SIGKILL)
#     the old one after a random 0-200 ms"; after each, one program at tc ingress, the
#     survivor's, and a SYN is counted once;
#   - mode change tc -> skb and skb -> tc: the new hook is attached before the old one is
#     detached; afterwards exactly one capture runs (a SYN counts once);
#   - a failed attach (native XDP refused: veth MTU 9000) leaves the tc capture as it was;
#   - skbs whose linear area ends inside the headers (a tap with IFF_NAPI_FRAGS, GRO
#     off: build/tools/tap_frags) are pulled and recorded with the fields written;
#   - bulk GSO traffic (iperf3) is never counted as malformed;
#   - SIGTERM detaches; deleting the interface ends the agent with status 3.
# The tc ingress list is read with BPF_PROG_QUERY (build/tools/tcx_query).
# Ports 21000-21999.  Needs root; SKIPs loudly otherwise.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fp_lib.sh"

SYNLOOP=$BUILD/tools/synloop
TCXQ=$BUILD/tools/tcx_query
TAPF=$BUILD/tools/tap_frags
fp_need "$SYNLOOP" "$TCXQ" "$TAPF"
t_need_tool ethtool
TAPF=$(cd "$(dirname "$TAPF")" && pwd)/$(basename "$TAPF")
SYNLOOP=$(cd "$(dirname "$SYNLOOP")" && pwd)/$(basename "$SYNLOOP")
TCXQ=$(cd "$(dirname "$TCXQ")" && pwd)/$(basename "$TCXQ")
case $(uname -r) in
[1-5].* | 6.[0-5].* | 6.[0-5]-*)
	t_skip "SKIPPED, tcx links need kernel >= 6.6 (this is $(uname -r))"
	exit 0
	;;
esac
ROUNDS=${ROUNDS:-6}
SEED=${SEED:-$$}
FP_PORT=21101 # the agent's filter port, the proxy's listener, p0f's filter
MPORT=21102
BPORT=21103

# Namespaces and veth named tcx*, else as t_netns_pair.
T_SNS="tcxs$T_ID"
T_CNS="tcxc$T_ID"
T_SIF="tcxs$T_ID"
T_CIF="tcxc$T_ID"
T_SADDR4="10.$T_NET.1.1"
T_CADDR4="10.$T_NET.1.2"
T_SADDR6="fd00:$T_NET:1::1"
T_CADDR6="fd00:$T_NET:1::2"
pair() {
	ip netns add "$T_SNS" || return 1
	t_defer "ip netns del $T_SNS"
	ip netns add "$T_CNS" || return 1
	t_defer "ip netns del $T_CNS"
	ip link add "$T_SIF" netns "$T_SNS" type veth peer name "$T_CIF" netns "$T_CNS" || return 1
	for ns in "$T_SNS" "$T_CNS"; do t_in "$ns" ip link set lo up; done
	t_in "$T_SNS" ip addr add "$T_SADDR4/24" dev "$T_SIF"
	t_in "$T_CNS" ip addr add "$T_CADDR4/24" dev "$T_CIF"
	t_in "$T_SNS" ip -6 addr add "$T_SADDR6/64" dev "$T_SIF" nodad
	t_in "$T_CNS" ip -6 addr add "$T_CADDR6/64" dev "$T_CIF" nodad
	t_in "$T_SNS" ip link set "$T_SIF" up
	t_in "$T_CNS" ip link set "$T_CIF" up
}
pair || { t_fail "network namespaces"; exit 1; }
t_bpffs || { t_fail "private bpffs"; exit 1; }
PIN=$T_BPFFS/huginn
FP_SNET="--net=/run/netns/$T_SNS"
FP_CNET="--net=/run/netns/$T_CNS"
t_diag "seed $SEED"

# spawn NAME MODE: an agent in the server namespace, not waited for; pid in $T_PID.
spawn() {
	t_bg "$1" nsenter "$FP_SNET" env HUGINN_EBPF_INTERFACE="$T_SIF" \
		HUGINN_EBPF_DST_PORT=$FP_PORT HUGINN_EBPF_PIN_PATH="$PIN" HUGINN_EBPF_XDP_MODE="$2" \
		HUGINN_EBPF_LOG_LEVEL=debug "$AGENT"
}
up() { grep -qE 'attached prog id|took over link|switched ' "$T_DIR/$1.log"; }
prog_of() { sed -n 's/.*loaded program [a-z_]* (prog id \([0-9]*\).*/\1/p' "$T_DIR/$1.log"; }
# The program ids at tc ingress, in run order; the XDP program id, if any.
tcx_progs() { fp_s "$TCXQ" "$T_SIF" | awk '{ print $2 }' | tr '\n' ' ' | sed 's/ $//'; }
xdp_prog() {
	fp_s ip -d link show dev "$T_SIF" | sed -n 's/.*prog\/xdp id \([0-9]*\).*/\1/p' | head -n 1
}
counter() { "$AGENT" --dump "$PIN" | awk '$1 == "syn_counter" { print $2 }'; }
# syn_once: one SYN to the filter port from the client namespace counts exactly once.
syn_once() {
	_c0=$(counter)
	_s=$(fp_c "$SYNLOOP" -n 1 "$T_SADDR4" $FP_PORT | awk '{ print $2 }')
	_c1=$(counter)
	[ "$_s" = 1 ] && [ $((_c1 - _c0)) = 1 ]
}
health() {
	fp_s env HUGINN_EBPF_INTERFACE="$T_SIF" HUGINN_EBPF_DST_PORT=$FP_PORT \
		HUGINN_EBPF_PIN_PATH="$PIN" HUGINN_EBPF_XDP_MODE="$1" "$AGENT" --health
}
# delay N: the Nth pseudo-random delay in seconds, 0.000-0.200.
delay() { awk -v s="$SEED" -v n="$1" 'BEGIN { srand(s); for (k = 0; k < n; k++) x = rand(); printf "%.3f", x * 0.2 }'; }

# ---- the setting ----
t_refuses "HUGINN_EBPF_XDP_MODE=tcx refused, naming the variable and 'tc'" \
	"HUGINN_EBPF_XDP_MODE='tcx'.*'tc' .tc ingress" \
	fp_s env -i HUGINN_EBPF_INTERFACE="$T_SIF" HUGINN_EBPF_DST_PORT=$FP_PORT \
	HUGINN_EBPF_PIN_PATH="$PIN" HUGINN_EBPF_XDP_MODE=tcx "$AGENT"
out=$(fp_s env HUGINN_EBPF_INTERFACE="$T_SIF" HUGINN_EBPF_DST_PORT=$FP_PORT \
	HUGINN_EBPF_PIN_PATH="$PIN" HUGINN_EBPF_XDP_MODE=tc "$AGENT" --check 2>&1)
rc=$?
echo "$out" | sed 's/^/#   /'
t_eq "--check (tc): exit 0, nine OK lines" "$rc $(echo "$out" | grep -c '^OK ')" "0 9"
t_check "--check (tc): the verifier accepts tc_syn, a tcx attach was tried" sh -c \
	"printf '%s\n' \"\$1\" | grep -q 'tc_syn accepted' &&
	 printf '%s\n' \"\$1\" | grep -q 'tc mode attaches at tc ingress'" x "$out"
t_eq "--check leaves nothing at tc ingress" "$(tcx_progs)" ""

# ---- attach, bpftool, health ----
spawn a0 tc
OLD=$T_PID
OLDN=a0
t_wait_for 30 up a0 || t_fail "tc agent attached"
P0=$(prog_of a0)
LINK=$(sed -n 's/.*in tc mode via link id \([0-9]*\) pinned.*/\1/p' "$T_DIR/a0.log")
t_check "the agent loaded tc_syn only" grep -q "loaded program tc_syn (prog id $P0" "$T_DIR/a0.log"
t_eq "tc ingress runs our program, nothing else" "$(tcx_progs)" "$P0"
t_eq "no XDP program on $T_SIF" "$(xdp_prog)" ""
bl=$(bpftool link show id "$LINK" 2>&1)
t_diag "bpftool link show id $LINK: $(echo $bl)"
t_check "bpftool link: link $LINK is a tcx link (type tcx or 11) running prog $P0" sh -c \
	"printf '%s\n' \"\$1\" | grep -qE '^$LINK: (tcx|type 11) +prog $P0( |\$)'" x "$bl"
bp=$(bpftool link show pinned "$PIN/link_$T_SIF" 2>&1 | head -n 1)
t_check "the pin link_$T_SIF is that link" sh -c \
	"printf '%s\n' \"\$1\" | grep -q '^$LINK: '" x "$bp"
bn=$(fp_s bpftool net show dev "$T_SIF" 2>&1)
if echo "$bn" | grep -q 'tcx'; then
	t_check "bpftool net show lists tc_syn at tcx/ingress" sh -c \
		"printf '%s\n' \"\$1\" | grep -A2 tcx | grep -q 'tc_syn.*prog_id $P0'" x "$bn"
else
	t_diag "bpftool $(bpftool version | head -n 1 | cut -d' ' -f2) does not list tcx in 'net show' (7.3+ does)"
fi
h=$(health tc)
t_eq "--health (tc) says ok" "$(echo "$h" | cut -d: -f1)" "ok"
t_diag "$h"
t_check "--health (skb) on the tc link: unhealthy, names the link type" sh -c \
	"printf '%s\n' \"\$1\" | grep -q 'unhealthy: .*is not an XDP link'" x "$(health skb)"

# ---- what lands in the pinned map is what p0f sees ----
fp_nginx "$BPORT"
fp_p0f "$FP_PORT"
fp_conf "$T_DIR/proxy.toml" "$FP_PORT" "$MPORT" "$BPORT"
fp_proxy proxy "$T_DIR/proxy.toml"
t_wait_for 20 fp_ready "$MPORT" || t_fail "proxy /ready is 200"
csys() { fp_c sysctl -q -w "$@" >/dev/null; }
cport=21300
for st in defaults no-timestamps ttl128 no-sack-no-wscale; do
	csys net.ipv4.tcp_timestamps=1 net.ipv4.tcp_sack=1 net.ipv4.tcp_window_scaling=1 \
		net.ipv4.ip_default_ttl=64 "net.ipv6.conf.$T_CIF.hop_limit=64"
	case $st in
	no-timestamps) csys net.ipv4.tcp_timestamps=0 ;;
	ttl128) csys net.ipv4.ip_default_ttl=128 "net.ipv6.conf.$T_CIF.hop_limit=128" ;;
	no-sack-no-wscale) csys net.ipv4.tcp_sack=0 net.ipv4.tcp_window_scaling=0 ;;
	esac
	for host in "$T_SADDR4" "[$T_SADDR6]"; do
		cport=$((cport + 1))
		code=$(fp_req $cport "http://$host:$FP_PORT/tc/$cport")
		hdr=$(fp_hdr "/tc/$cport")
		raw=$(fp_p0f_raw $cport)
		if [ "$code" = 200 ] && [ -n "$raw" ] && [ "$hdr" = "$raw" ]; then
			t_ok "$st $host: x-tcp-p0f from the pinned record = p0f raw_sig $raw"
		else
			t_fail "$st $host: status $code, x-tcp-p0f '$hdr', p0f raw_sig '$raw'"
		fi
		t_check "$st $host: client port $cport is in the pinned SYN map" sh -c \
			"'$AGENT' --dump '$PIN' | grep -qE '^v[46] .*[]:.]$cport -> .*:$FP_PORT ttl='"
	done
done
csys net.ipv4.tcp_timestamps=1 net.ipv4.tcp_sack=1 net.ipv4.tcp_window_scaling=1 \
	net.ipv4.ip_default_ttl=64 "net.ipv6.conf.$T_CIF.hop_limit=64"
t_stop "$PROXY_PID"
t_stop "$P0F_PID"

# ---- bulk traffic: GSO skbs whose payload is not linear are no SYNs, never malformed ----
dumpval() { "$AGENT" --dump "$PIN" | awk -v k="$1" '$1 == k { print $2 }'; }
if command -v iperf3 >/dev/null 2>&1; then
	t_bg iperf nsenter "$FP_SNET" iperf3 -s -1 -B "$T_SADDR4" -p $FP_PORT
	IPERF=$T_PID
	t_wait_for 10 fp_s sh -c "ss -ltn | grep -q ':$FP_PORT '"
	m0="$(dumpval syn_stats.v4_malformed) $(dumpval syn_stats.v6_malformed)"
	c0=$(dumpval syn_stats.v4_captured)
	bulk=$(fp_c iperf3 -c "$T_SADDR4" -p $FP_PORT -t 2 -f m | awk '/receiver/ { print $(NF - 2) }')
	t_stop "$IPERF"
	c1=$(dumpval syn_stats.v4_captured)
	t_diag "iperf3 through tc_syn: $bulk Mbit/s"
	t_eq "bulk stream (iperf3, 2 s): malformed counters stay as they were" \
		"$(dumpval syn_stats.v4_malformed) $(dumpval syn_stats.v6_malformed)" "$m0"
	t_eq "bulk stream: its two connections' SYNs captured, nothing else" "$((c1 - c0))" 2
else
	t_diag "iperf3 not installed: bulk traffic not tried"
fi

# ---- takeover tc -> tc, random delays, one SIGKILL of the old ----
bad=0
r=1
while [ $r -le "$ROUNDS" ]; do
	d=$(delay $r)
	act=term
	[ $r = 3 ] && act=kill
	spawn "a$r" tc
	NEW=$T_PID
	sleep "$d"
	if [ $act = kill ]; then kill -KILL "$OLD"; else kill -TERM "$OLD"; fi
	t_stop "$OLD" 10
	why=""
	[ $act = term ] && [ "$T_RC" != 0 ] && why="$why old agent exit $T_RC;"
	t_wait_for 10 up "a$r" || why="$why new agent not up;"
	kill -0 "$NEW" 2>/dev/null || why="$why new agent exited;"
	got=$(tcx_progs)
	[ "$got" = "$(prog_of "a$r")" ] || why="$why tc ingress runs '$got', not the new prog $(prog_of "a$r");"
	[ -z "$(xdp_prog)" ] || why="$why an XDP program appeared;"
	syn_once || why="$why SYN not counted once;"
	if [ -n "$why" ]; then
		t_fail "takeover round $r ($act old after ${d}s):$why"
		bad=$((bad + 1))
		for l in "$OLDN" "a$r"; do sed "s/^/#   $l: /" "$T_DIR/$l.log" | tail -n 5; done
	else
		t_ok "takeover round $r ($act old after ${d}s): one program at tc ingress, SYN counted once"
	fi
	OLD=$NEW
	OLDN="a$r"
	r=$((r + 1))
done
t_eq "all $ROUNDS takeover rounds kept exactly one tc capture" "$bad" 0
# A SIGTERM that reaches the old agent before the new one holds the lock detaches first
# (the new one then attaches a link of its own); otherwise the swap is in place.
t_diag "$(cat "$T_DIR"/a[0-9]*.log | grep -c 'took over link id') of $ROUNDS takeovers swapped in place"
t_check "takeovers swap the program in place (BPF_LINK_UPDATE on the tcx link)" \
	grep -q "took over link id [0-9]* on $T_SIF: prog id" "$T_DIR/a1.log" "$T_DIR/a2.log" \
	"$T_DIR/a3.log"

# ---- mode changes: tc -> skb, skb -> tc ----
# switch_to MODE NAME: a new agent in MODE, the old one SIGTERMed once it is up.
switch_to() {
	spawn "$2" "$1"
	_new=$T_PID
	if ! t_wait_for 20 up "$2"; then
		t_fail "$1 agent attached over the running one"
		sed "s/^/#   $2: /" "$T_DIR/$2.log" | tail -n 5
	fi
	t_check "$OLDN -> $2 ($1): logged as a switch, attached before the old left" \
		grep -q "switched $T_SIF from .* attached before the old one left" "$T_DIR/$2.log"
	t_stop "$OLD" 10
	t_eq "$OLDN -> $2: the old agent's SIGTERM exits 0" "$T_RC" 0
	t_check "$OLDN -> $2: the old agent left the successor's link attached" \
		grep -q "a successor took over): leaving it attached" "$T_DIR/$OLDN.log"
	OLD=$_new
	OLDN=$2
}
switch_to skb m1
t_eq "tc -> skb: nothing at tc ingress" "$(tcx_progs)" ""
t_eq "tc -> skb: the skb agent's xdp_syn at XDP" "$(xdp_prog)" "$(prog_of m1)"
t_check "tc -> skb: a SYN counts once" syn_once
t_eq "tc -> skb: --health (skb) ok" "$(health skb | cut -d: -f1)" "ok"
switch_to tc m2
t_eq "skb -> tc: no XDP program" "$(xdp_prog)" ""
t_eq "skb -> tc: the tc agent's program alone at tc ingress" "$(tcx_progs)" "$(prog_of m2)"
t_check "skb -> tc: a SYN counts once" syn_once
t_eq "skb -> tc: --health (tc) ok" "$(health tc | cut -d: -f1)" "ok"

# ---- a failed attach leaves the running capture ----
# Native XDP on a veth refuses a peer MTU above one page's worth (no XDP frags).
fp_c ip link set dev "$T_CIF" mtu 9000
fp_s ip link set dev "$T_SIF" mtu 9000
TC_PROG=$(prog_of m2)
spawn m3 native
F=$T_PID
t_gone "$F" 20
wait "$F" 2>/dev/null
frc=$?
t_eq "native over tc with MTU 9000: the new agent fails (exit 1)" "$frc" 1
sed "s/^/#   m3: /" "$T_DIR/m3.log" | grep -E 'error' | head -n 3
t_check "... saying nothing changed" grep -q "nothing changed: prog id $TC_PROG" "$T_DIR/m3.log"
t_eq "... tc ingress still runs the old program" "$(tcx_progs)" "$TC_PROG"
t_eq "... no XDP program" "$(xdp_prog)" ""
t_check "... the link pin is still the tc agent's" sh -c \
	"bpftool link show pinned '$PIN/link_$T_SIF' | grep -qE 'prog $TC_PROG( |\$)'"
t_check "... a SYN still counts once" syn_once
t_eq "... --health (tc) ok" "$(health tc | cut -d: -f1)" "ok"
t_check "... no temporary pins left" sh -c "! ls '$PIN' | grep -q '^tmp'"
fp_c ip link set dev "$T_CIF" mtu 1500
fp_s ip link set dev "$T_SIF" mtu 1500

# ---- SIGTERM detaches ----
t_stop "$OLD" 10
t_eq "SIGTERM: exit 0" "$T_RC" 0
t_eq "SIGTERM: nothing at tc ingress" "$(tcx_progs)" ""
t_check "SIGTERM: the link pin is gone, the map pins stay" sh -c \
	"[ ! -e '$PIN/link_$T_SIF' ] && [ -e '$PIN/tcp_syn_map_v4' ]"

# ---- skbs whose linear area ends before the headers do ----
# A tap with IFF_NAPI_FRAGS and GRO off (build/tools/tap_frags) hands tc ingress skbs
# whose linear part is the first HEADLEN bytes of the written frame: 14 leaves only the
# Ethernet header readable, 34 cuts before the TCP header, 60 inside it.  tc_syn must
# pull and record them as from any other interface; the expected fields are the ones
# written into the frames here.  Not a SYN (ACK; SYN+FIN) stays unrecorded and uncounted.
cat >"$T_DIR/frame.py" <<'PY'
import socket, struct, sys
def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
ver, src, dst, sport, dport, flags = sys.argv[1:7]
opts = bytes.fromhex("020404d20101040201030305")  # MSS 1234, NOP, NOP, SACK ok, NOP, WS 5
tcp = struct.pack("!HHIIBBHHH", int(sport), int(dport), 0x01020304, 0, 8 << 4, int(flags, 16),
                  12345, 0, 0) + opts
eth = bytes.fromhex("ffffffffffff020000000001")
if ver == "4":
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0x1234, 0x4000, 77, 6, 0,
                     socket.inet_aton(src), socket.inet_aton(dst))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    sys.stdout.write((eth + b"\x08\x00" + ip + tcp).hex())
else:
    ip = struct.pack("!IHBB16s16s", 6 << 28, len(tcp), 6, 99,
                     socket.inet_pton(socket.AF_INET6, src), socket.inet_pton(socket.AF_INET6, dst))
    sys.stdout.write((eth + b"\x86\xdd" + ip + tcp).hex())
PY
TAP="tcxt$T_ID"
TPIN="$T_BPFFS/tap"
fr() { "$PYTHON" "$T_DIR/frame.py" "$@"; }
A4=10.9.0.2 S4=10.9.0.1 A6=fd00:9::2 S6=fd00:9::1
FRAMES="14:$(fr 4 $A4 $S4 21777 $FP_PORT 02) 14:$(fr 6 $A6 $S6 21778 $FP_PORT 02)
34:$(fr 4 $A4 $S4 21779 $FP_PORT 02) 60:$(fr 6 $A6 $S6 21780 $FP_PORT 02)
14:$(fr 4 $A4 $S4 21781 $FP_PORT 10) 14:$(fr 4 $A4 $S4 21782 $FP_PORT 03)"
# shellcheck disable=SC2086 # one argument per frame
t_bg tap nsenter "$FP_SNET" "$TAPF" "$TAP" "$T_DIR/go" $FRAMES
TAPPID=$T_PID
if t_wait_for 10 grep -q ready "$T_DIR/tap.log" && fp_s ethtool -K "$TAP" gro off; then
	t_bg tapagent nsenter "$FP_SNET" env HUGINN_EBPF_INTERFACE="$TAP" \
		HUGINN_EBPF_DST_PORT=$FP_PORT HUGINN_EBPF_PIN_PATH="$TPIN" HUGINN_EBPF_XDP_MODE=tc \
		"$AGENT"
	TA=$T_PID
	t_wait_for 20 up tapagent || t_fail "tc agent attached to the tap"
	touch "$T_DIR/go"
	t_gone "$TAPPID" 10
	t_eq "tap: six frames written" "$(grep -c '^sent' "$T_DIR/tap.log")" 6
	d=$("$AGENT" --dump "$TPIN")
	echo "$d" | sed 's/^/#   /'
	t_eq "tap: 2 v4 and 2 v6 SYNs captured, none malformed or filtered" \
		"$(echo "$d" | awk '$1 ~ /captured|malformed|filtered/ { printf "%s ", $2 }')" "2 2 0 0 0 "
	for p in 21777 21778 21779 21780; do
		case $p in 21777 | 21779) want="ttl=77" ;; *) want="ttl=99" ;; esac
		t_check "tap: the SYN from port $p recorded as written ($want, win 12345, its options)" \
			sh -c "printf '%s\n' \"\$1\" | grep -qE '^v[46] .*[:.]$p -> .* $want tos=0 .*win=12345 seq=16909060 flags=0x2 mss_opts=020404d20101040201030305 payload=0 '" x "$d"
	done
	t_check "tap: the ACK and the SYN+FIN are not recorded" sh -c \
		"! printf '%s\n' \"\$1\" | grep -qE ':2178[12] ->'" x "$d"
	t_gone "$TA" 10
	wait "$TA" 2>/dev/null
	t_eq "tap removed: its tc agent exits 3" "$?" 3
else
	t_fail "the IFF_NAPI_FRAGS tap (GRO off) could be set up: $(cat "$T_DIR/tap.log")"
fi

# ---- the interface watch works in tc mode ----
spawn w tc
W=$T_PID
t_wait_for 20 up w || t_fail "tc agent attached again"
fp_s ip link del "$T_SIF"
t_gone "$W" 10
wait "$W" 2>/dev/null
t_eq "ip link del: the tc agent exits 3" "$?" 3
t_check "... saying the interface was deleted" grep -q "was deleted" "$T_DIR/w.log"
t_check "... and the tcx link pin (detached by the kernel) is removed" \
	sh -c "[ ! -e '$PIN/link_$T_SIF' ]"
t_check "no sanitizer reports in any log" sh -c \
	"! grep -lE 'AddressSanitizer|LeakSanitizer|runtime error' '$T_DIR'/*.log"
[ "$T_FAILS" -eq 0 ]
