#!/bin/sh
# t_agent_owner.sh - who may use a pin path, and what a failed start leaves:
#   - a mode change that fails (native XDP on a bridge, which has none) leaves
#     the running agent's program, filter map and pins exactly as they were;
#   - a second agent with the same pin path on another interface, or on an interface
#     of the same name in another network namespace, refuses and names the owner;
#   - a pin directory made by another user, one writable by others, or the bpffs
#     root itself (mode 1777) is refused with what to fix.
# No TCP traffic.  Needs root; SKIPs loudly otherwise.
. "$(dirname "$0")/lib.sh"

t_need_root
t_need_tool ip bpftool nsenter setpriv stat
if [ ! -x "$AGENT" ]; then
	t_fail "$AGENT is missing (make BUILD=$BUILD)"
	exit 1
fi
t_netns_pair || { t_fail "network namespaces"; exit 1; }
t_bpffs || { t_fail "private bpffs"; exit 1; }
PIN=$T_BPFFS/huginn
DUM=${T_NS_PREFIX:-hg}d$T_ID
T_SNET="--net=/run/netns/$T_SNS"
t_in "$T_SNS" ip link add "$DUM" type bridge && t_in "$T_SNS" ip link set "$DUM" up ||
	t_fail "bridge device"

# start_agent NAME IF PIN [VAR=value...]: wait until attached; pid in $T_PID.
start_agent() {
	name=$1
	ifn=$2
	pin=$3
	shift 3
	t_bg "$name" nsenter "$T_SNET" env HUGINN_EBPF_INTERFACE="$ifn" HUGINN_EBPF_DST_PORT=1111 \
		HUGINN_EBPF_PIN_PATH="$pin" HUGINN_EBPF_XDP_MODE=skb "$@" "$AGENT"
	t_wait_for 30 grep -qE 'attached prog id|took over link' "$T_DIR/$name.log"
}
# refused DESC REGEX NETNS IF PIN [VAR=value...]: the agent must exit 1 saying REGEX.
refused() {
	desc=$1
	re=$2
	ns=$3
	ifn=$4
	pin=$5
	shift 5
	out=$(timeout 30 nsenter --net="/run/netns/$ns" env HUGINN_EBPF_INTERFACE="$ifn" \
		HUGINN_EBPF_DST_PORT=2222 HUGINN_EBPF_PIN_PATH="$pin" HUGINN_EBPF_XDP_MODE=skb \
		"$@" "$AGENT" 2>&1)
	rc=$?
	if [ $rc = 1 ] && echo "$out" | grep -qE -- "$re"; then
		t_ok "$desc (exit $rc)"
	else
		t_fail "$desc (exit $rc)"
		echo "$out" | sed 's/^/#   /'
	fi
}
xdp_of() { t_in "$1" ip -d link show dev "$2" | sed -n 's/.*prog\/xdp id \([0-9]*\).*/\1/p' | sort -u; }
prog_id_of() { sed -n 's/.*loaded program xdp_syn (prog id \([0-9]*\).*/\1/p' "$T_DIR/$1.log"; }
map_id() { bpftool map show pinned "$1/$2" 2>/dev/null | awk -F: 'NR == 1 { print $1 }'; }
filter() { bpftool map dump pinned "$1/huginn_config" 2>/dev/null | tr -s ' \n' ' '; }

# ---- defect 3: a failed mode change leaves the running agent as it was ----
start_agent skb "$DUM" "$PIN" || t_fail "skb agent on $DUM attached"
A=$T_PID
AP=$(prog_id_of skb)
cfg_id=$(map_id "$PIN" huginn_config)
cfg=$(filter "$PIN")
v4_id=$(map_id "$PIN" tcp_syn_map_v4)
out=$(timeout 30 nsenter "$T_SNET" env HUGINN_EBPF_INTERFACE="$DUM" HUGINN_EBPF_DST_PORT=2222 \
	HUGINN_EBPF_PIN_PATH="$PIN" HUGINN_EBPF_XDP_MODE=native "$AGENT" 2>&1)
rc=$?
echo "$out" | grep -E 'error|warn' | sed 's/^/#   native: /'
t_eq "native agent on a bridge (no native XDP) fails" "$rc" 1
t_eq "the skb agent's program is still attached" "$(xdp_of "$T_SNS" "$DUM")" "$AP"
t_check "it runs in skb mode (xdpgeneric)" \
	sh -c "nsenter $T_SNET ip link show dev $DUM | grep -q xdpgeneric"
t_eq "the filter map is the same map" "$(map_id "$PIN" huginn_config)" "$cfg_id"
t_eq "the filter (port 1111) is unchanged" "$(filter "$PIN")" "$cfg"
t_eq "the SYN map is the same map" "$(map_id "$PIN" tcp_syn_map_v4)" "$v4_id"
t_check "the link pin is there" test -e "$PIN/link_$DUM"
t_check "no temporary pins left" sh -c "! ls '$PIN' | grep -q '^tmp'"
t_stop $A
t_eq "the skb agent still owns it: SIGTERM exits 0" "$T_RC" 0
t_eq "and detaches it" "$(xdp_of "$T_SNS" "$DUM")" ""
t_check "and removes the link pin" test ! -e "$PIN/link_$DUM"

# ---- defect 4: one pin path, one (network namespace, interface) ----
start_agent veth "$T_SIF" "$PIN" || t_fail "agent on $T_SIF attached"
A=$T_PID
AP=$(prog_id_of veth)
cfg_id=$(map_id "$PIN" huginn_config)
cfg=$(filter "$PIN")
refused "another interface with the same pin path: refused, naming the owner" \
	"belongs to another agent: link_$T_SIF .*interface $T_SIF .*in this network namespace.*HUGINN_EBPF_PIN_PATH=$PIN-$DUM" \
	"$T_SNS" "$DUM" "$PIN"
t_eq "nothing attached to $DUM" "$(xdp_of "$T_SNS" "$DUM")" ""
t_eq "the owner's filter is unchanged" "$(filter "$PIN")" "$cfg"
t_eq "the owner's filter map is the same" "$(map_id "$PIN" huginn_config)" "$cfg_id"
NS3=${T_NS_PREFIX:-hg}o$T_ID
ip netns add "$NS3" && t_defer "ip netns del $NS3"
t_in "$NS3" ip link add "$T_SIF" type bridge && t_in "$NS3" ip link set "$T_SIF" up
refused "the same interface name in another network namespace: refused" \
	"belongs to another agent: link_$T_SIF .*another network namespace.*network namespace inode [0-9]" \
	"$NS3" "$T_SIF" "$PIN"
t_check "the owner's link pin was not removed as stale" test -e "$PIN/link_$T_SIF"
t_eq "the owner's program is still attached" "$(xdp_of "$T_SNS" "$T_SIF")" "$AP"
t_eq "nothing attached in the other namespace" "$(xdp_of "$NS3" "$T_SIF")" ""
t_eq "the owner's filter is unchanged" "$(filter "$PIN")" "$cfg"
refused "another pin path on the owner's interface: refused as a foreign program" \
	"XDP program id $AP 'xdp_syn'.*refusing to replace it" "$T_SNS" "$T_SIF" "$PIN-x"
t_stop $A
t_eq "the owner exits 0 on SIGTERM" "$T_RC" 0
OTHER_NS_AGENT_PIN=$T_BPFFS/ns3
t_bg ns3 nsenter --net="/run/netns/$NS3" env HUGINN_EBPF_INTERFACE="$T_SIF" \
	HUGINN_EBPF_DST_PORT=0 HUGINN_EBPF_PIN_PATH="$OTHER_NS_AGENT_PIN" \
	HUGINN_EBPF_XDP_MODE=skb "$AGENT"
N3=$T_PID
t_wait_for 30 grep -q 'attached prog id' "$T_DIR/ns3.log"
t_eq "the other namespace's agent runs with a pin path of its own" "$?" 0
t_stop $N3

# ---- defect 5: a pin directory someone else made is not trusted ----
chmod 711 "$T_DIR"
t_eq "the private bpffs root is 1777, as mount -t bpf makes it" \
	"$(stat -c %a "$T_BPFFS")" 1777
setpriv --reuid=65534 --regid=65534 --clear-groups mkdir "$T_BPFFS/evil"
t_eq "nobody made $T_BPFFS/evil" "$(stat -c %u "$T_BPFFS/evil")" 65534
refused "a pin directory owned by nobody: refused" \
	"HUGINN_EBPF_PIN_PATH='$T_BPFFS/evil' is owned by uid 65534, not by the agent.*Remove it" \
	"$T_SNS" "$T_SIF" "$T_BPFFS/evil"
t_check "no pins were made in it" sh -c "[ -z \"\$(ls -A '$T_BPFFS/evil')\" ]"
refused "the bpffs root itself (1777): refused" \
	"is the root of a bpffs mount, writable by others \\(mode 1777\\).*HUGINN_EBPF_PIN_PATH=$T_BPFFS/huginn" \
	"$T_SNS" "$T_SIF" "$T_BPFFS"
mkdir "$T_BPFFS/open" && chmod 0775 "$T_BPFFS/open"
refused "a root-owned pin directory writable by its group: refused" \
	"writable by group or others \\(mode 0775\\).*chmod go-w" "$T_SNS" "$T_SIF" "$T_BPFFS/open"
t_eq "nothing attached after the refusals" "$(xdp_of "$T_SNS" "$T_SIF")" ""
# AGENT=$BUILD/san/huginn-ebpf-agent runs it all under the sanitizers.
t_check "no sanitizer reports in any log" sh -c \
	"! grep -lE 'AddressSanitizer|LeakSanitizer|runtime error' '$T_DIR'/*.log"
[ "$T_FAILS" -eq 0 ]
