#!/bin/sh
# t_agent_takeover.sh - the handover between two agents under every interleaving:
# ROUNDS (50) rounds of "start a new agent" and, after a random 0-200 ms delay,
# "SIGTERM the old one" (every tenth round SIGKILL of the old one, every tenth
# SIGKILL of the new one instead).  After each round exactly one program is
# attached, it is the survivor's (or, after a SIGKILL, a program whose link
# stayed pinned), and a SYN from the client namespace lands in the pinned
# counter.  Half of the rounds run in skb mode, half in native mode.  The seed
# is printed; SEED=N reruns the same delays.  About one to two minutes.
# Ports 22600-22699.  Needs root; SKIPs loudly otherwise.
. "$(dirname "$0")/lib.sh"

t_need_root
t_need_tool ip bpftool nsenter awk
SYNLOOP=$BUILD/tools/synloop
for f in "$AGENT" "$SYNLOOP"; do
	if [ ! -x "$f" ]; then
		t_fail "$f is missing (make BUILD=$BUILD $f)"
		exit 1
	fi
done
ROUNDS=${ROUNDS:-50}
SEED=${SEED:-$$}
PORT=22601
t_netns_pair || { t_fail "network namespaces"; exit 1; }
t_bpffs || { t_fail "private bpffs"; exit 1; }
PIN=$T_BPFFS/huginn
T_CNET="--net=/run/netns/$T_CNS"
T_SNET="--net=/run/netns/$T_SNS"
t_diag "seed $SEED, $ROUNDS rounds"

# spawn NAME MODE: an agent in the server namespace, not waited for; pid in $T_PID.
spawn() {
	t_bg "$1" nsenter "$T_SNET" env HUGINN_EBPF_INTERFACE="$T_SIF" HUGINN_EBPF_DST_PORT=$PORT \
		HUGINN_EBPF_PIN_PATH="$PIN" HUGINN_EBPF_XDP_MODE="$2" HUGINN_EBPF_LOG_LEVEL=debug \
		"$AGENT"
}
up() { grep -qE 'attached prog id|took over link' "$T_DIR/$1.log"; }
prog_id_of() { sed -n 's/.*loaded program xdp_syn (prog id \([0-9]*\).*/\1/p' "$T_DIR/$1.log"; }
# Every XDP program id attached to the interface, one per line (generic and native).
attached() {
	t_in "$T_SNS" ip -d link show dev "$T_SIF" |
		sed -n 's/.*prog\/xdp id \([0-9]*\).*/\1/p; s/^ *prog\/xdp.* id \([0-9]*\).*/\1/p' | sort -u
}
counter() { "$AGENT" --dump "$PIN" | awk '$1 == "syn_counter" { print $2 }'; }
# delay N: the Nth pseudo-random delay in seconds, 0.000-0.200.
delay() { awk -v s="$SEED" -v n="$1" 'BEGIN { srand(s); for (k = 0; k < n; k++) x = rand(); printf "%.3f", x * 0.2 }'; }
alive() { kill -0 "$1" 2>/dev/null; }

spawn a0 skb
OLD=$T_PID
OLDN=a0
t_wait_for 30 up a0 || t_fail "first agent attached"
bad=0
start=$(date +%s)
r=1
while [ $r -le "$ROUNDS" ]; do
	mode=skb
	[ $r -gt $((ROUNDS / 2)) ] && mode=native
	d=$(delay $r)
	case $((r % 10)) in
	3) act=kill-old ;;
	7) act=kill-new ;;
	*) act=term-old ;;
	esac
	spawn "a$r" $mode
	NEW=$T_PID
	sleep "$d"
	case $act in
	term-old) kill -TERM $OLD ;;
	kill-old) kill -KILL $OLD ;;
	kill-new) kill -KILL $NEW ;;
	esac
	why=""
	if [ $act = kill-new ]; then
		wait $NEW 2>/dev/null
		survivor=$OLD
		sname=$OLDN
		alive $OLD || why="$why old agent died;"
	else
		# The old agent finishes (t_stop only waits when it is already gone or
		# stuck), then the new one must be up and stay up.
		t_stop $OLD 10
		[ $act = term-old ] && [ "$T_RC" != 0 ] && why="$why old agent exit $T_RC;"
		t_wait_for 10 up "a$r" || why="$why new agent not up;"
		alive $NEW || why="$why new agent exited;"
		survivor=$NEW
		sname="a$r"
	fi
	ids=$(attached)
	cnt=$(echo "$ids" | grep -c .)
	[ "$cnt" = 1 ] || why="$why $cnt programs attached ($(echo $ids));"
	# After SIGKILL of the new agent its swap may or may not have happened.
	if [ $act != kill-new ] && [ "$ids" != "$(prog_id_of "$sname")" ]; then
		why="$why attached '$(echo $ids)' is not the survivor's prog $(prog_id_of "$sname");"
	fi
	c0=$(counter)
	sent=$(nsenter "$T_CNET" "$SYNLOOP" -n 1 "$T_SADDR4" $PORT | awk '{ print $2 }')
	c1=$(counter)
	[ "$sent" = 1 ] && [ $((c1 - c0)) = 1 ] || why="$why SYN not counted ($c0 -> $c1);"
	if [ -n "$why" ]; then
		t_fail "round $r ($mode, $act after ${d}s):$why"
		bad=$((bad + 1))
		for l in "$OLDN" "a$r"; do sed "s/^/#   $l: /" "$T_DIR/$l.log" | tail -n 6; done
	else
		t_ok "round $r ($mode, $act after ${d}s): one program, SYN counted"
	fi
	OLD=$survivor
	OLDN=$sname
	r=$((r + 1))
done
t_diag "$ROUNDS rounds in $(($(date +%s) - start)) s"
t_eq "all $ROUNDS rounds kept exactly one program capturing" "$bad" 0
t_stop $OLD
t_eq "last agent: SIGTERM exits 0" "$T_RC" 0
t_eq "nothing attached after the last agent's SIGTERM" "$(attached)" ""
t_check "no temporary pins left (those of killed agents are swept)" \
	sh -c "! ls '$PIN' | grep -q '^tmp'"
# AGENT=$BUILD/san/huginn-ebpf-agent runs it all under the sanitizers.
t_check "no sanitizer reports in any log" sh -c \
	"! grep -lE 'AddressSanitizer|LeakSanitizer|runtime error' '$T_DIR'/*.log"
[ "$T_FAILS" -eq 0 ]
