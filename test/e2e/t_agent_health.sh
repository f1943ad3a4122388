#!/bin/sh
# t_agent_health.sh - `huginn-ebpf-agent --health` against real kernel state,
# and HUGINN_EBPF_PIN_GID: the pins' owner and mode, and what a non-root
# reader in that group can open (and cannot without the variable).
# A veth pair in namespaces of our own and a private bpffs; no TCP traffic.
# Needs root; SKIPs loudly otherwise.
. "$(dirname "$0")/lib.sh"

t_need_root
t_need_tool ip bpftool nsenter setpriv capsh stat
t_need_bin "$AGENT"
t_netns_pair || { t_fail "network namespaces"; exit 1; }
t_bpffs || { t_fail "private bpffs"; exit 1; }
PIN=$T_BPFFS/huginn
GID=65532
T_SNET="--net=/run/netns/$T_SNS"
# A user outside root's groups must reach the bpffs through our temporary directory.
chmod 711 "$T_DIR"
cp "$AGENT" "$T_DIR/agent" && chmod 755 "$T_DIR/agent"

# agent_env PIN [VAR=value...]: the agent's environment for this test.
agent_env() {
	pin=$1
	shift
	echo "HUGINN_EBPF_INTERFACE=$T_SIF HUGINN_EBPF_DST_PORT=0 HUGINN_EBPF_PIN_PATH=$pin" \
		"HUGINN_EBPF_XDP_MODE=skb HUGINN_EBPF_LOG_LEVEL=debug $*"
}
# start_agent NAME PIN [VAR=value...]: t_agent_start in skb mode on pin path PIN.
start_agent() {
	name=$1
	pin=$2
	shift 2
	t_agent_start "$name" HUGINN_EBPF_PIN_PATH="$pin" HUGINN_EBPF_XDP_MODE=skb "$@"
}
# health [VAR=value...]: run --health on $PIN in the server namespace; output in
# $OUT, exit status in $RC.
health() {
	# shellcheck disable=SC2046
	OUT=$(nsenter "$T_SNET" env -i $(agent_env "$PIN" "$@") "${HEALTH_AGENT:-$AGENT}" --health 2>&1)
	RC=$?
}
# expect_health DESC RC REGEX [VAR=value...]
expect_health() {
	desc=$1
	want=$2
	re=$3
	shift 3
	health "$@"
	if [ "$RC" = "$want" ] && [ "$(echo "$OUT" | wc -l)" -eq 1 ] && echo "$OUT" | grep -qE "$re"; then
		t_ok "$desc (exit $RC)"
	else
		t_fail "$desc (exit $RC, want $want)"
		echo "#   got:  $OUT"
		echo "#   want: $re"
	fi
}
link_id() { bpftool link show pinned "$1/link_$T_SIF" 2>/dev/null | awk -F: 'NR == 1 { print $1 }'; }
perms() { stat -c '%U:%g %a' "$1"; }
# as_proxy CMD...: the proxy's identity, 65532:65532 with no other group, CAP_BPF only.
as_proxy() {
	setpriv --reuid=$GID --regid=$GID --clear-groups --inh-caps=-all,+bpf \
		--ambient-caps=-all,+bpf "$@"
}
SYNMAPS="tcp_syn_map_v4 tcp_syn_map_v6"
ALLMAPS="$SYNMAPS syn_counter syn_insert_failures syn_stats huginn_config"

# ---- before any agent ran ----
expect_health "no agent ran: unhealthy, names the v4 map pin" 1 \
	"^unhealthy: cannot open map $PIN/tcp_syn_map_v4 read-only: No such file"
expect_health "empty HUGINN_EBPF_INTERFACE: unhealthy, names the variable" 1 \
	"^unhealthy: HUGINN_EBPF_INTERFACE='': expected an interface name" HUGINN_EBPF_INTERFACE=
OUT=$(nsenter "$T_SNET" env -i HUGINN_EBPF_DST_PORT=0 "$AGENT" --health 2>&1)
RC=$?
t_eq "no interface in the environment: exit 1" "$RC" 1
echo "$OUT" | grep -q '^unhealthy: HUGINN_EBPF_INTERFACE is not set'
t_eq "no interface in the environment: names the variable" "$?" 0
expect_health "interface that does not exist: names it" 1 \
	"^unhealthy: HUGINN_EBPF_INTERFACE='hgnope0': no such interface" \
	HUGINN_EBPF_INTERFACE=hgnope0
expect_health "bad HUGINN_EBPF_PIN_GID: names the variable" 1 \
	"^unhealthy: HUGINN_EBPF_PIN_GID='proxy': expected a numeric group id" \
	HUGINN_EBPF_PIN_GID=proxy
# shellcheck disable=SC2046
t_refuses "the agent refuses HUGINN_EBPF_PIN_GID=-5, naming it" \
	"HUGINN_EBPF_PIN_GID='-5': expected a numeric group id" \
	nsenter "$T_SNET" env -i $(agent_env "$PIN" HUGINN_EBPF_PIN_GID=-5) "$AGENT"
t_eq "... with exit status 2 (a configuration error)" "$T_RC" 2
t_check "a refused start made no pin directory" test ! -e "$PIN"

# ---- running with HUGINN_EBPF_PIN_GID: healthy, pins for the group ----
if ! start_agent a1 "$PIN" HUGINN_EBPF_PIN_GID=$GID; then
	t_fail "agent with HUGINN_EBPF_PIN_GID=$GID attached"
	exit 1
fi
A1=$T_PID
P1=$(t_prog_id_of a1)
ids="$(t_xdp_id) $(t_map_id "$PIN" tcp_syn_map_v4) $(t_map_id "$PIN" tcp_syn_map_v6)"
expect_health "running agent: healthy, the exact line" 0 \
	"^ok: xdp_syn \\(prog id $P1\\) attached to $T_SIF in skb mode; maps tcp_syn_map_v4 \\(id $(t_map_id "$PIN" tcp_syn_map_v4)\\), tcp_syn_map_v6 \\(id $(t_map_id "$PIN" tcp_syn_map_v6)\\)$"
t_eq "--health changed nothing (attached prog and map ids)" \
	"$(t_xdp_id) $(t_map_id "$PIN" tcp_syn_map_v4) $(t_map_id "$PIN" tcp_syn_map_v6)" "$ids"
expect_health "configured native while skb runs: unhealthy, names HUGINN_EBPF_XDP_MODE" 1 \
	"^unhealthy: prog id $P1 runs in skb mode on $T_SIF, but HUGINN_EBPF_XDP_MODE is native" \
	HUGINN_EBPF_XDP_MODE=native
t_eq "pin directory root:$GID 0750" "$(perms "$PIN")" "root:$GID 750"
for m in $ALLMAPS; do
	t_eq "map pin $m root:$GID 0640" "$(perms "$PIN/$m")" "root:$GID 640"
done
t_eq "link pin stays root-only 0600" "$(stat -c '%U %a' "$PIN/link_$T_SIF")" "root 600"
grep -q "pins readable by group $GID" "$T_DIR/a1.log"
t_eq "the agent logs the sharing" "$?" 0

out=$(as_proxy "$T_DIR/agent" --dump "$PIN" 2>&1)
rc=$?
t_diag "as $GID: $(echo "$out" | head -n 2 | tr '\n' ' ')"
if [ $rc -eq 0 ] && echo "$out" | grep -q '^syn_counter [0-9]' &&
	! echo "$out" | grep -q 'denied'; then
	t_ok "uid/gid $GID (no other group, CAP_BPF) reads every map read-only via --dump"
else
	t_fail "uid/gid $GID reads every map read-only via --dump (exit $rc)"
	echo "$out" | sed 's/^/#   /'
fi
out=$(as_proxy nsenter "$T_SNET" true 2>&1)
t_eq "uid $GID has no CAP_SYS_ADMIN (setns refused)" "$?" 1
# shellcheck disable=SC2046
out=$(nsenter "$T_SNET" env -i $(agent_env "$PIN") setpriv --reuid=$GID --regid=$GID \
	--clear-groups --inh-caps=-all,+bpf --ambient-caps=-all,+bpf "$T_DIR/agent" --health 2>&1)
rc=$?
echo "$out" | grep -q "cannot open link $PIN/link_$T_SIF: Permission denied"
t_eq "uid $GID: --health cannot open the link pin, it stays root's (exit $rc)" "$?" 0
out=$(setpriv --reuid=65533 --regid=65533 --clear-groups --inh-caps=-all,+bpf \
	--ambient-caps=-all,+bpf "$T_DIR/agent" --dump "$PIN" 2>&1)
rc=$?
t_eq "a user outside group $GID is refused (exit 1)" "$rc" 1

# ---- takeover keeps health; SIGTERM of the last agent ends it ----
start_agent a2 "$PIN" HUGINN_EBPF_PIN_GID=$GID || t_fail "successor took over"
A2=$T_PID
P2=$(t_prog_id_of a2)
expect_health "after takeover: healthy with the successor's prog id $P2" 0 \
	"^ok: xdp_syn \\(prog id $P2\\) attached"
t_stop "$A1"
expect_health "old agent's SIGTERM: still healthy" 0 "^ok: xdp_syn \\(prog id $P2\\)"
t_eq "reused pins keep root:$GID 0640" "$(perms "$PIN/tcp_syn_map_v4")" "root:$GID 640"
t_stop "$A2"
t_eq "last agent: SIGTERM exits 0" "$T_RC" 0
expect_health "after SIGTERM (detached): unhealthy, names the link pin" 1 \
	"^unhealthy: cannot open link $PIN/link_$T_SIF: No such file or directory \\(no agent is attached"

# ---- another program replaces ours ----
start_agent a3 "$PIN" HUGINN_EBPF_PIN_GID=$GID || t_fail "agent a3 attached"
A3=$T_PID
P3=$(t_prog_id_of a3)
L3=$(link_id "$PIN")
kill -KILL "$A3"
wait "$A3" 2>/dev/null
expect_health "agent SIGKILLed, its pinned link still captures: healthy" 0 \
	"^ok: xdp_syn \\(prog id $P3\\)"
bpftool link detach pinned "$PIN/link_$T_SIF"
t_eq "bpftool detached link id $L3" "$(t_xdp_id)" ""
expect_health "link detached by hand: unhealthy, says link id $L3 is detached" 1 \
	"^unhealthy: no XDP program is attached to $T_SIF; link id $L3 at $PIN/link_$T_SIF is detached"
start_agent other "$T_BPFFS/other" || t_fail "another installation attached"
OTHER=$T_PID
PO=$(t_prog_id_of other)
expect_health "another program attached: unhealthy, names prog id $PO and ours" 1 \
	"^unhealthy: $T_SIF runs XDP program id $PO 'xdp_syn' in skb mode, not prog id $P3 of link id $L3 at $PIN/link_$T_SIF"
t_stop "$OTHER"
rm -f "$PIN/link_$T_SIF"

# ---- without HUGINN_EBPF_PIN_GID: root-only pins; reuse with it shares them ----
PIN2=$T_BPFFS/plain
start_agent p1 "$PIN2" || t_fail "agent without HUGINN_EBPF_PIN_GID attached"
P=$T_PID
t_eq "no variable: pin directory as mkdir made it, root:0 0755" "$(perms "$PIN2")" "root:0 755"
t_eq "no variable: map pins root:0 0600" "$(perms "$PIN2/tcp_syn_map_v4")" "root:0 600"
t_refuses "no variable: uid/gid $GID cannot open the maps (Permission denied)" \
	"$PIN2/tcp_syn_map_v4: Permission denied" as_proxy "$T_DIR/agent" --dump "$PIN2"
t_eq "... with exit status 1" "$T_RC" 1
t_stop "$P"
ids2="$(t_map_id "$PIN2" tcp_syn_map_v4) $(t_map_id "$PIN2" tcp_syn_map_v6)"
start_agent p2 "$PIN2" HUGINN_EBPF_PIN_GID=$GID || t_fail "restart with the variable attached"
P=$T_PID
t_eq "restart with the variable reused the maps (same ids)" \
	"$(t_map_id "$PIN2" tcp_syn_map_v4) $(t_map_id "$PIN2" tcp_syn_map_v6)" "$ids2"
t_eq "reused: pin directory now root:$GID 0750" "$(perms "$PIN2")" "root:$GID 750"
for m in $SYNMAPS; do
	t_eq "reused: $m now root:$GID 0640" "$(perms "$PIN2/$m")" "root:$GID 640"
done
as_proxy "$T_DIR/agent" --dump "$PIN2" >/dev/null 2>&1
t_eq "reused: uid/gid $GID now reads the maps" "$?" 0
t_stop "$P"

# ---- the group change without CAP_CHOWN: refused unless the agent is in the group ----
PIN3=$T_BPFFS/nochown
t_refuses "no CAP_CHOWN, not in group $GID: refused with the hint" \
	"HUGINN_EBPF_PIN_GID=$GID: cannot give $PIN3 to that group.*Operation not permitted.*CAP_CHOWN.*supplementalGroups" \
	nsenter "$T_SNET" capsh --drop=cap_chown -- -c \
	"exec env -i $(agent_env "$PIN3" HUGINN_EBPF_PIN_GID=$GID) '$AGENT'"
t_eq "the refused start attached nothing" "$(t_xdp_id)" ""
t_bg nochown nsenter "$T_SNET" capsh --drop=cap_chown --groups=$GID -- -c \
	"exec env -i $(agent_env "$PIN3" HUGINN_EBPF_PIN_GID=$GID) '$AGENT'"
P=$T_PID
if t_wait_for 30 grep -q 'attached prog id' "$T_DIR/nochown.log"; then
	t_ok "no CAP_CHOWN but group $GID among its groups (supplementalGroups): attached"
	t_eq "... and the pins are root:$GID 0640" "$(perms "$PIN3/tcp_syn_map_v6")" "root:$GID 640"
	SAVED=$PIN
	PIN=$PIN3
	expect_health "... and healthy" 0 "^ok: xdp_syn"
	PIN=$SAVED
else
	t_fail "no CAP_CHOWN but group $GID among its groups: attached"
	sed 's/^/#   /' "$T_DIR/nochown.log"
fi
t_stop "$P"
t_eq "agent without CAP_CHOWN: SIGTERM exits 0" "$T_RC" 0

# ---- --health under the sanitizers ----
SAN_AGENT=$BUILD/san/huginn-ebpf-agent
if [ -x "$SAN_AGENT" ]; then
	start_agent san "$PIN" HUGINN_EBPF_PIN_GID=$GID || t_fail "agent for the ASan probe"
	S=$T_PID
	HEALTH_AGENT=$SAN_AGENT
	expect_health "ASan --health: healthy" 0 "^ok: xdp_syn"
	t_stop "$S"
	expect_health "ASan --health after SIGTERM: unhealthy" 1 "^unhealthy: cannot open link"
	HEALTH_AGENT=
else
	t_fail "$SAN_AGENT is not built (make BUILD=$BUILD san): sanitizer probe not run"
fi
for f in "$T_DIR"/*.log; do t_san_check "$f"; done
t_eq "nothing left attached" "$(t_xdp_id)" ""

[ "$T_FAILS" -eq 0 ]
