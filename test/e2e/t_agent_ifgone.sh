#!/bin/sh
# t_agent_ifgone.sh - the agent's interface goes away while it runs: after `ip link del`
# (or a move to another network namespace) the agent logs it and exits with status 3
# within two seconds, so that its orchestrator restarts it; a bridge port leaving its
# bridge (an RTM_DELLINK of family AF_BRIDGE) is not a deletion.  No TCP traffic.
# Needs root; SKIPs loudly otherwise.
. "$(dirname "$0")/lib.sh"

t_need_root
t_need_tool ip nsenter
if [ ! -x "$AGENT" ]; then
	t_fail "$AGENT is missing (make BUILD=$BUILD)"
	exit 1
fi
t_netns_pair || { t_fail "network namespaces"; exit 1; }
t_bpffs || { t_fail "private bpffs"; exit 1; }
PIN=$T_BPFFS/huginn
BR=hgb$T_ID
VA=hgva$T_ID
VB=hgvb$T_ID
T_SNET="--net=/run/netns/$T_SNS"

# start_agent NAME IF: wait until attached; pid in $T_PID.
start_agent() {
	t_bg "$1" nsenter "$T_SNET" env HUGINN_EBPF_INTERFACE="$2" HUGINN_EBPF_DST_PORT=0 \
		HUGINN_EBPF_PIN_PATH="$PIN" HUGINN_EBPF_XDP_MODE=skb "$AGENT"
	t_wait_for 30 grep -q 'attached prog id' "$T_DIR/$1.log"
}
# gone_within NAME PID IF: the agent exits 3 within 2 s, naming the interface.
gone_within() {
	if t_wait_for 2 sh -c "! kill -0 $2"; then
		t_ok "$1: the agent exited within 2 s"
	else
		t_fail "$1: the agent exited within 2 s"
	fi
	t_stop "$2" 1
	wait "$2" 2>/dev/null # the shell may have reaped it already: its job keeps the status
	t_eq "$1: exit status 3" "$?" 3
	grep -q "interface $3 (ifindex [0-9]*) was deleted" "$T_DIR/$1.log"
	t_eq "$1: the log names $3" "$?" 0
	t_check "$1: the stale link pin is removed" test ! -e "$PIN/link_$3"
}
br() { t_in "$T_SNS" ip link "$@"; }

# ---- ip link del ----
br add "$BR" type bridge && br set "$BR" up || t_fail "bridge"
start_agent del "$BR" || t_fail "agent on $BR attached"
A=$T_PID
# A port joins and leaves the bridge: RTM_DELLINK (AF_BRIDGE) for the port, not for us.
br add "$VA" type veth peer name "$VB" && br set "$VA" master "$BR" && br set "$VA" nomaster
br del "$VA"
sleep 0.5
kill -0 $A 2>/dev/null
t_eq "a port leaving the bridge and a deleted veth do not stop it" "$?" 0
br del "$BR"
gone_within del $A "$BR"

# ---- the interface comes back: a restarted agent attaches again ----
br add "$BR" type bridge && br set "$BR" up
start_agent again "$BR"
t_eq "after the interface is back, a restarted agent attaches" "$?" 0
t_stop $T_PID
t_eq "and exits 0 on SIGTERM" "$T_RC" 0

# ---- moved to another network namespace ----
br add "$VA" type veth peer name "$VB" && br set "$VA" up
start_agent moved "$VA" || t_fail "agent on $VA attached"
A=$T_PID
br set "$VA" netns "$T_CNS"
gone_within moved $A "$VA"
# AGENT=$BUILD/san/huginn-ebpf-agent runs it all under the sanitizers.
t_check "no sanitizer reports in any log" sh -c \
	"! grep -lE 'AddressSanitizer|LeakSanitizer|runtime error' '$T_DIR'/*.log"
[ "$T_FAILS" -eq 0 ]
