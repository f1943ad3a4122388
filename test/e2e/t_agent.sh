#!/bin/sh
# t_agent.sh - huginn-ebpf-agent on a real veth pair in namespaces of our own:
# attach in skb and native mode, real TCP connections from the client side,
# entries read back through the pins by our code (--dump) and by bpftool,
# counters, --check, bad environment, refusal of a foreign pin path, takeover
# without a gap, restarts reusing or replacing maps, detach on SIGTERM.
# Ports 22000-22999 (H2's range).  Needs root; SKIPs loudly otherwise.
. "$(dirname "$0")/lib.sh"

t_need_root
t_need_tool ip bpftool nsenter curl "$PYTHON"
SYNLOOP=$BUILD/tools/synloop
t_need_bin "$AGENT" "$SYNLOOP"

PORT=22001       # the agent's filter port; a listener sits here in phase 1
OTHER_PORT=22002 # closed, outside the filter
t_netns_pair || { t_fail "network namespaces"; exit 1; }
t_bpffs || { t_fail "private bpffs"; exit 1; }
PIN=$T_BPFFS/huginn
T_CNET="--net=/run/netns/$T_CNS"
T_SNET="--net=/run/netns/$T_SNS"

AGENT_PORT=$PORT

# One value from our reader of the pinned maps.
dumpval() { "$AGENT" --dump "$PIN" | awk -v k="$1" '$1 == k { print $2 }'; }
map_id() { t_map_id "$PIN" "$1"; }
# syn ARGS...: one synloop run from the client namespace; prints its "sent" count.
syn() { nsenter "$T_CNET" "$SYNLOOP" "$@" | awk '{ print $2 }'; }
# counter_above N: syn_counter (read through the pins) is above N.
counter_above() { [ "$(dumpval syn_counter)" -gt "$1" ]; }

# ---- options and environment ----
t_check "--help exits 0" "$AGENT" --help
t_eq "--version prints the version" "$("$AGENT" --version | cut -d' ' -f1)" "huginn-ebpf-agent"
"$AGENT" --bogus >/dev/null 2>&1
t_eq "unknown option: exit 2" "$?" 2

# bad_env DESC WANT_IN_MESSAGE VAR=value...: must fail, naming the variable.
bad_env() {
	desc=$1
	want=$2
	shift 2
	t_refuses "$desc" "$want" nsenter "$T_SNET" env -i HUGINN_EBPF_PIN_PATH="$PIN" "$@" "$AGENT"
}
bad_env "no interface" "HUGINN_EBPF_INTERFACE is not set" HUGINN_EBPF_DST_PORT=$PORT
bad_env "no port" "HUGINN_EBPF_DST_PORT is not set" HUGINN_EBPF_INTERFACE="$T_SIF"
bad_env "port 70000" "HUGINN_EBPF_DST_PORT='70000'" HUGINN_EBPF_INTERFACE="$T_SIF" \
	HUGINN_EBPF_DST_PORT=70000
bad_env "interface that does not exist" "HUGINN_EBPF_INTERFACE='hgnope0': no such interface" \
	HUGINN_EBPF_INTERFACE=hgnope0 HUGINN_EBPF_DST_PORT=$PORT
bad_env "bad XDP mode" "HUGINN_EBPF_XDP_MODE='turbo'" HUGINN_EBPF_INTERFACE="$T_SIF" \
	HUGINN_EBPF_DST_PORT=$PORT HUGINN_EBPF_XDP_MODE=turbo
bad_env "bad IPv4 filter" "HUGINN_EBPF_DST_IP_V4='10.0.0'" HUGINN_EBPF_INTERFACE="$T_SIF" \
	HUGINN_EBPF_DST_PORT=$PORT HUGINN_EBPF_DST_IP_V4=10.0.0
bad_env "capacity 0" "HUGINN_EBPF_SYN_MAP_MAX_ENTRIES='0'" HUGINN_EBPF_INTERFACE="$T_SIF" \
	HUGINN_EBPF_DST_PORT=$PORT HUGINN_EBPF_SYN_MAP_MAX_ENTRIES=0
mkdir -p "$T_DIR/plain"
t_refuses "pin path not on bpffs: refused with the mount hint" \
	"HUGINN_EBPF_PIN_PATH=.*mount -t bpf bpf /sys/fs/bpf" \
	nsenter "$T_SNET" env -i HUGINN_EBPF_INTERFACE="$T_SIF" HUGINN_EBPF_DST_PORT=$PORT \
	HUGINN_EBPF_PIN_PATH="$T_DIR/plain" "$AGENT"
t_eq "nothing attached after the failures" "$(t_xdp_id)" ""

# ---- --check ----
for mode in skb native; do
	out=$(nsenter "$T_SNET" env HUGINN_EBPF_INTERFACE="$T_SIF" HUGINN_EBPF_DST_PORT=$PORT \
		HUGINN_EBPF_PIN_PATH="$PIN" HUGINN_EBPF_XDP_MODE=$mode "$AGENT" --check 2>&1)
	rc=$?
	echo "$out" | sed 's/^/#   /'
	t_eq "--check ($mode) passes as root" "$rc" 0
	t_eq "--check ($mode): nine OK lines, no FAIL" \
		"$(echo "$out" | grep -c '^OK ') $(echo "$out" | grep -c '^FAIL')" "9 0"
done
t_eq "--check leaves nothing attached" "$(t_xdp_id)" ""
t_refuses "--check fails on a non-bpffs pin path" '^FAIL bpffs at pin path' \
	nsenter "$T_SNET" env HUGINN_EBPF_INTERFACE=hgnope0 HUGINN_EBPF_DST_PORT=$PORT \
	HUGINN_EBPF_PIN_PATH="$T_DIR/plain" "$AGENT" --check
t_check "... and on the missing interface, in the same run" \
	sh -c "printf '%s\\n' \"\$1\" | grep -q '^FAIL interface'" x "$T_OUT"

# ---- attach in both modes, real connections, read back ----
t_bg http nsenter "$T_SNET" "$PYTHON" -m http.server $PORT --bind "$T_SADDR4" --directory "$T_DIR"
HTTP=$T_PID
t_wait_for 20 nsenter "$T_SNET" sh -c "ss -ltn | grep -q ':$PORT '" || t_fail "http listener"

cport=22100
for mode in skb native; do
	ids_before="$(map_id tcp_syn_map_v4) $(map_id syn_counter)"
	if ! t_agent_start "agent_$mode" HUGINN_EBPF_XDP_MODE=$mode; then
		t_fail "$mode: agent attached"
		continue
	fi
	A=$T_PID
	t_ok "$mode: agent attached"
	flag=xdp
	[ $mode = skb ] && flag=xdpgeneric
	t_check "$mode: ip link shows $flag with our program" \
		sh -c "nsenter $T_SNET ip link show dev $T_SIF | grep -q ' $flag .*' &&
		       nsenter $T_SNET ip link show dev $T_SIF | grep -q 'prog/xdp id $(t_prog_id_of "agent_$mode") name xdp_syn'"
	# One socket: the netlink listener for the interface's deletion; no TCP or UDP.
	t_eq "$mode: the running agent holds one socket, netlink (opens no ports)" \
		"$(ls -l /proc/$A/fd | grep -c 'socket:') $(nsenter "$T_SNET" ss -tuanp | grep -c "pid=$A,")" "1 0"
	if [ $mode = native ]; then
		t_eq "native restart reuses the maps (same ids)" \
			"$(map_id tcp_syn_map_v4) $(map_id syn_counter)" "$ids_before"
		grep -q "reusing pinned map $PIN/tcp_syn_map_v4" "$T_DIR/agent_$mode.log"
		t_eq "native restart logs the reuse" "$?" 0
	fi
	c0=$(dumpval syn_counter)
	v4c0=$(dumpval syn_stats.v4_captured)
	v6c0=$(dumpval syn_stats.v6_captured)
	f0=$(dumpval syn_stats.filtered)

	t_check "$mode: curl from the client namespace" \
		nsenter "$T_CNET" curl -sf -m 10 -o /dev/null "http://$T_SADDR4:$PORT/"
	cport=$((cport + 1))
	p4=$cport
	t_eq "$mode: one SYN from v4 port $p4" "$(syn -n 1 -b $p4 "$T_SADDR4" $PORT)" 1
	cport=$((cport + 1))
	p6=$cport
	t_eq "$mode: one SYN from v6 port $p6" "$(syn -n 1 -b $p6 "$T_SADDR6" $PORT)" 1
	t_eq "$mode: three SYNs to a port outside the filter" \
		"$(syn -n 3 "$T_SADDR4" $OTHER_PORT)" 3

	dump=$("$AGENT" --dump "$PIN")
	echo "$dump" | grep -q "^v4 $T_CADDR4:$p4 -> $T_SADDR4:$PORT ttl=64 .*win=[1-9]"
	t_eq "$mode: our reader finds the v4 entry of port $p4" "$?" 0
	echo "$dump" | grep -q "^v6 $T_CADDR6:$p6 -> $T_SADDR6:$PORT ttl=64 "
	t_eq "$mode: our reader finds the v6 entry of port $p6" "$?" 0
	echo "$dump" | grep -q ":$OTHER_PORT "
	t_eq "$mode: nothing recorded for the filtered port" "$?" 1
	key=$(printf '%02x %02x %02x %02x %02x %02x 00 00' 10 "$T_NET" 0 2 $((p4 >> 8)) $((p4 & 255)))
	# The maps carry BTF: bpftool names the record's fields (ttl from the SYN's IP header).
	bpftool -j map lookup pinned "$PIN/tcp_syn_map_v4" key hex $key 2>&1 |
		grep -q '"formatted":{"key":{"addr":[0-9]*,"port":[0-9]*,"pad":0},"value":{"ts_ns":[0-9]*,.*"ttl":64,'
	t_eq "$mode: bpftool finds key '$key' (client address and port), fields by name" "$?" 0
	t_eq "$mode: syn_counter +3 (curl, v4, v6)" "$(($(dumpval syn_counter) - c0))" 3
	t_eq "$mode: v4_captured +2" "$(($(dumpval syn_stats.v4_captured) - v4c0))" 2
	t_eq "$mode: v6_captured +1" "$(($(dumpval syn_stats.v6_captured) - v6c0))" 1
	t_eq "$mode: filtered +3" "$(($(dumpval syn_stats.filtered) - f0))" 3
	t_eq "$mode: no insert failures" "$(dumpval syn_insert_failures)" 0

	t_stop $A
	t_eq "$mode: SIGTERM exits 0" "$T_RC" 0
	t_eq "$mode: detached on SIGTERM (no XDP on $T_SIF)" "$(t_xdp_id)" ""
	t_check "$mode: link pin removed" test ! -e "$PIN/link_$T_SIF"
	t_check "$mode: map pins kept" test -e "$PIN/tcp_syn_map_v4" -a -e "$PIN/syn_counter"
	grep -q 'detached prog id' "$T_DIR/agent_$mode.log"
	t_eq "$mode: the detach is logged" "$?" 0
done
t_stop $HTTP

# ---- a foreign pin path refuses; a new agent with ours takes over, no gap ----
ids0="$(map_id tcp_syn_map_v4) $(map_id tcp_syn_map_v6) $(map_id syn_counter)"
t_agent_start old || t_fail "old agent attached"
OLD=$T_PID
OLD_PROG=$(t_prog_id_of old)

t_refuses "a different pin path refuses, naming prog id $OLD_PROG" \
	"XDP program id $OLD_PROG 'xdp_syn'.*refusing" \
	nsenter "$T_SNET" env HUGINN_EBPF_INTERFACE="$T_SIF" HUGINN_EBPF_DST_PORT=$PORT \
	HUGINN_EBPF_PIN_PATH="$T_BPFFS/other" "$AGENT"
t_eq "the refusing agent left the program alone" "$(t_xdp_id)" "$OLD_PROG"
t_check "the refusing agent created no maps" test ! -e "$T_BPFFS/other/syn_counter"

c0=$(dumpval syn_counter)
rm -f "$T_DIR/stop"
t_bg synloop nsenter "$T_CNET" "$SYNLOOP" -s "$T_DIR/stop" -w 1 "$T_SADDR4" $PORT
SL=$T_PID
t_check "SYNs are flowing before the takeover (syn_counter moves)" \
	t_wait_for 5 counter_above "$c0"
t_agent_start new || t_fail "new agent took over"
NEW=$T_PID
NEW_PROG=$(t_prog_id_of new)
kill -0 $SL 2>/dev/null
t_eq "SYNs were flowing during the takeover" "$?" 0
c1=$(dumpval syn_counter)
t_check "SYNs are counted after the takeover (syn_counter moves)" \
	t_wait_for 5 counter_above "$c1"
t_eq "new agent: took over in place" "$(grep -c 'took over link' "$T_DIR/new.log")" 1
t_eq "the interface runs the new program" "$(t_xdp_id)" "$NEW_PROG"
t_stop $OLD
t_eq "old agent: SIGTERM exits 0" "$T_RC" 0
grep -q 'a successor took over' "$T_DIR/old.log"
t_eq "old agent: logs that a successor took over" "$?" 0
c2=$(dumpval syn_counter)
t_check "SYNs are counted after the old agent's exit (syn_counter moves)" \
	t_wait_for 5 counter_above "$c2"
touch "$T_DIR/stop"
wait $SL
sent=$(awk '{ print $2 }' "$T_DIR/synloop.log")
[ "${sent:-0}" -gt 100 ]
t_eq "more than 100 SYNs sent across the takeover ($sent)" "$?" 0
t_eq "every SYN captured: counter delta == SYNs sent" "$(($(dumpval syn_counter) - c0))" "$sent"
t_eq "map ids unchanged by the takeover" \
	"$(map_id tcp_syn_map_v4) $(map_id tcp_syn_map_v6) $(map_id syn_counter)" "$ids0"
t_eq "still attached after the old agent's SIGTERM: new prog id" "$(t_xdp_id)" "$NEW_PROG"
t_check "bpftool net shows prog id $NEW_PROG on $T_SIF" \
	sh -c "nsenter $T_SNET bpftool net show dev $T_SIF | grep -q 'driver id $NEW_PROG'"

# ---- SIGTERM without a successor detaches; a new capacity replaces the maps ----
t_stop $NEW
t_eq "new agent: SIGTERM exits 0" "$T_RC" 0
t_eq "no XDP on $T_SIF afterwards" "$(t_xdp_id)" ""
cnt_id=$(map_id syn_counter)
t_agent_start resized HUGINN_EBPF_SYN_MAP_MAX_ENTRIES=1024 || t_fail "resized agent attached"
RS=$T_PID
t_eq "capacity 1024: v4 map replaced" "$(t_map_max "$PIN" tcp_syn_map_v4)" 1024
t_eq "capacity 1024: v6 map replaced" "$(t_map_max "$PIN" tcp_syn_map_v6)" 1024
[ "$(map_id tcp_syn_map_v4)" != "$(echo "$ids0" | cut -d' ' -f1)" ]
t_eq "capacity 1024: new v4 map id" "$?" 0
t_eq "capacity 1024: counters kept (same id)" "$(map_id syn_counter)" "$cnt_id"
t_eq "capacity 1024: replacement logged" "$(grep -c 'replaced map' "$T_DIR/resized.log")" 2
t_check "no temporary pins left" sh -c "! ls '$PIN' | grep -q '^tmp'"
cport=$((cport + 1))
syn -n 1 -b $cport "$T_SADDR4" $PORT >/dev/null
"$AGENT" --dump "$PIN" | grep -q "^v4 $T_CADDR4:$cport "
t_eq "capacity 1024: the new map records SYNs" "$?" 0
t_stop $RS
t_eq "resized agent: SIGTERM exits 0" "$T_RC" 0

# ---- a crashed agent's link is taken over too ----
t_agent_start crashed || t_fail "agent attached before the crash"
kill -KILL $T_PID
wait $T_PID 2>/dev/null
t_eq "after SIGKILL the pinned link keeps the program" "$(t_xdp_id)" "$(t_prog_id_of crashed)"
t_agent_start heir || t_fail "heir attached"
HEIR=$T_PID
t_eq "heir took over the crashed agent's link" "$(grep -c 'took over link' "$T_DIR/heir.log")" 1
t_stop $HEIR
t_eq "heir: SIGTERM exits 0" "$T_RC" 0
t_eq "heir detached" "$(t_xdp_id)" ""

# ---- one cycle with the sanitizer build ----
SAN_AGENT=$BUILD/san/huginn-ebpf-agent
if [ -x "$SAN_AGENT" ]; then
	REL_AGENT=$AGENT
	AGENT=$SAN_AGENT
	c0=$(dumpval syn_counter)
	if t_agent_start san HUGINN_EBPF_XDP_MODE=skb; then
		SAN=$T_PID
		t_eq "ASan agent: 5 SYNs sent" "$(syn -n 5 "$T_SADDR4" $PORT)" 5
		t_eq "ASan agent: 5 SYNs captured" "$(($(dumpval syn_counter) - c0))" 5
		t_stop $SAN
		t_eq "ASan agent: SIGTERM exits 0" "$T_RC" 0
		t_eq "ASan agent: detached" "$(t_xdp_id)" ""
	else
		t_fail "ASan agent attached"
	fi
	AGENT=$REL_AGENT
else
	t_fail "$SAN_AGENT is not built (make BUILD=$BUILD san): sanitizer cycle not run"
fi

# With AGENT=$BUILD/san/huginn-ebpf-agent the whole script runs under the sanitizers.
for f in "$T_DIR"/*.log; do t_san_check "$f"; done

[ "$T_FAILS" -eq 0 ]
