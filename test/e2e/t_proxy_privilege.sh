#!/bin/sh
# t_proxy_privilege.sh - what the proxy needs to fingerprint, run with setpriv as a user
# that is not root (issue 11, "Privilege"; docs/deploy.md, "Privileges of the proxy").
#
# The agent runs with HUGINN_EBPF_PIN_GID=$G: pin directory root:$G 0750, map pins root:$G
# 0640 (sys/pinperm.h).  The proxy runs as uid $U through
#   setpriv --reuid=U --regid=GID --clear-groups --inh-caps=-all[,+bpf]
#           --ambient-caps=-all[,+bpf] --bounding-set=-all[,+bpf]
#   1. as root (every capability): the reference; its x-tcp-p0f equals p0f's raw_sig;
#   2. uid $U, group $G, CAP_BPF only: CapEff is bit 39 alone, /ready 200, x-tcp-p0f equals
#      p0f's raw_sig for that connection;
#   3. uid $U, group $G, no capability at all: since Linux 5.19 (commit c8644cd0efe7,
#      "bpf: refine kernel.unprivileged_bpf_disabled behaviour") the sysctl only gates
#      BPF_MAP_CREATE and BPF_PROG_LOAD; BPF_OBJ_GET and lookups are gated by the pin's file
#      mode.  So on >= 5.19 this proxy fingerprints too; before 5.19 it must exit naming
#      CAP_BPF.  A raw BPF_OBJ_GET as uid $U shows the same rule without the proxy: read-only
#      open works, a read-write open is refused (EACCES: the pin is 0640);
#   4. negatives, which exit != 0 at once with the reason: uid $U NOT in group $G, with
#      CAP_BPF ("Permission denied (the pins and their directory must be readable...)":
#      CAP_BPF does not bypass file permissions), and without any capability;
#   5. tcp_enabled = false: uid $U, no capability at all, serves, no x-tcp-p0f.
# Ports (server namespace): 24200-24209.  Needs root; SKIPs loudly otherwise.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fp_lib.sh"

fp_need
t_need_tool setpriv
# shellcheck disable=SC2034 # read by t_netns_pair (lib.sh)
T_NS_PREFIX=fld
fp_setup
FP_PORT=24200
MPORT=24201
BPORT=24202
NPORT=24203
NMPORT=24204
U=24001 # numeric: no passwd entry needed
G=24001
OTHER_G=24002

# The proxy's user must reach its config and the pin directory: T_DIR is 0700 (mktemp).
chmod 0755 "$T_DIR"
fp_nginx "$BPORT"
fp_p0f "$FP_PORT"
if ! fp_agent agent HUGINN_EBPF_XDP_MODE=skb HUGINN_EBPF_PIN_GID=$G; then
	t_fail "agent attached with HUGINN_EBPF_PIN_GID=$G"
	exit 1
fi
t_eq "pin directory: root:$G 0750" "$(stat -c '%u:%g %a' "$PIN")" "0:$G 750"
t_eq "map pin: root:$G 0640" "$(stat -c '%u:%g %a' "$PIN/tcp_syn_map_v4")" "0:$G 640"
t_eq "link pin stays root-only 0600" "$(stat -c '%u:%g %a' "$PIN/link_$T_SIF")" "0:0 600"
fp_conf "$T_DIR/proxy.toml" "$FP_PORT" "$MPORT" "$BPORT"
FP_FPCONF="tcp_enabled = false" fp_conf "$T_DIR/nofp.toml" "$NPORT" "$NMPORT" "$BPORT"
chmod 0644 "$T_DIR/proxy.toml" "$T_DIR/nofp.toml"

# run_as NAME GID CAPS CONF: the proxy as uid $U, group GID, keeping only CAPS ("" = none),
# in the server namespace; pid in AS_PID.
run_as() {
	_n=$1
	_g=$2
	_c=$3
	_conf=$4
	if [ -n "$_c" ]; then
		set -- --inh-caps=-all,+"$_c" --ambient-caps=-all,+"$_c" --bounding-set=-all,+"$_c"
	else
		set -- --inh-caps=-all --ambient-caps=-all --bounding-set=-all
	fi
	nsenter "$FP_SNET" env HUGINN_EBPF_PIN_PATH="$PIN" setpriv --reuid=$U --regid="$_g" \
		--clear-groups "$@" "$PROXY" "$_conf" >"$T_DIR/$_n.out" 2>"$T_DIR/$_n.err" &
	AS_PID=$!
	T_PIDS="$AS_PID $T_PIDS"
}
capeff() { awk '/^CapEff/ { print $2 }' "/proc/$1/status"; }
cport=24500
# fingerprinted DESC: one request from a new client port; ok if x-tcp-p0f equals p0f's
# raw_sig for that port (the expected value from outside); the header in FP_GOT.
fingerprinted() {
	cport=$((cport + 1))
	t_eq "$1: request answered 200" "$(fp_req $cport "http://$T_SADDR4:$FP_PORT/p/$cport")" 200
	FP_GOT=$(fp_hdr "/p/$cport")
	want=$(fp_p0f_raw $cport)
	case $want in
	4:*) t_eq "$1: x-tcp-p0f equals p0f's raw_sig ($want)" "$FP_GOT" "$want" ;;
	*) t_fail "$1: p0f logged client port $cport (got '$want')" ;;
	esac
}
# refused DESC REGEX: the proxy of AS_PID exits != 0 within 10 s, stderr matching REGEX.
refused() {
	if ! t_gone "$AS_PID" 10; then
		t_fail "$1: exits at once (still running after 10 s)"
		t_stop "$AS_PID" 15
		return
	fi
	wait "$AS_PID"
	_rc=$?
	[ $_rc -ne 0 ] && grep -qE "$2" "$T_DIR/$3.err"
	t_eq "$1: exit $_rc, stderr names the reason" "$?" 0
	sed 's/^/#   /' "$T_DIR/$3.err" | tail -n 1
}

# ---- 1. root, every capability: the reference ----
fp_proxy root "$T_DIR/proxy.toml"
if t_wait_for 20 fp_ready "$MPORT"; then
	fingerprinted "root"
	ROOT_HDR=$FP_GOT
else
	t_fail "root proxy: /ready 200"
fi
t_stop "$PROXY_PID" 15
t_eq "root proxy exits 0 on SIGTERM" "$T_RC" 0

# ---- 2. uid $U, group $G, CAP_BPF only ----
run_as bpf $G bpf "$T_DIR/proxy.toml"
if t_wait_for 20 fp_ready "$MPORT"; then
	t_ok "uid $U with CAP_BPF only: /ready 200"
	t_eq "its CapEff: CAP_BPF (bit 39) alone" "$(capeff $AS_PID)" 0000008000000000
	t_eq "its uid and gid" "$(awk '/^Uid/ { print $2 } /^Gid/ { print $2 }' \
		"/proc/$AS_PID/status" | tr '\n' ' ')" "$U $G "
	fingerprinted "uid $U with CAP_BPF only"
	t_eq "uid $U with CAP_BPF only: the same header as the root run" "$FP_GOT" "$ROOT_HDR"
	t_stop "$AS_PID" 15
	t_eq "uid $U with CAP_BPF only: exits 0 on SIGTERM" "$T_RC" 0
else
	t_fail "uid $U with CAP_BPF only: /ready 200"
	sed 's/^/#   /' "$T_DIR/bpf.err" | tail -n 5
	t_stop "$AS_PID" 15
fi

# ---- 3. uid $U, group $G, no capability ----
# The kernel's rule, without the proxy: BPF_OBJ_GET as uid $U, no capability.
cat >"$T_DIR/objget.py" <<'EOF'
# objget.py PATH FLAGS: bpf(BPF_OBJ_GET) of a pin with file_flags FLAGS; prints "fd" or
# the errno name.  union bpf_attr's obj part: pathname (u64), bpf_fd, file_flags, path_fd.
import ctypes, errno, os, platform, struct, sys
nr = {"x86_64": 321, "aarch64": 280}[platform.machine()]
libc = ctypes.CDLL(None, use_errno=True)
path = ctypes.create_string_buffer(sys.argv[1].encode())
attr = ctypes.create_string_buffer(struct.pack("=QIIi", ctypes.addressof(path), 0,
                                               int(sys.argv[2]), 0), 24)
fd = libc.syscall(nr, 7, attr, 24)  # BPF_OBJ_GET
print("fd" if fd >= 0 else errno.errorcode[ctypes.get_errno()])
EOF
chmod 0644 "$T_DIR/objget.py"
objget() {
	setpriv --reuid=$U --regid="$1" --clear-groups --inh-caps=-all --bounding-set=-all \
		"$PYTHON" "$T_DIR/objget.py" "$PIN/tcp_syn_map_v4" "$2"
}
kver=$(uname -r | awk -F. '{ print $1 * 1000 + $2 }')
if [ "$kver" -ge 5019 ]; then
	t_eq "no capability, group $G: BPF_OBJ_GET read-only (BPF_F_RDONLY) opens the pin" \
		"$(objget $G 8)" fd
	t_eq "no capability, group $G: BPF_OBJ_GET read-write is refused by the 0640 mode" \
		"$(objget $G 0)" EACCES
	run_as nocap $G "" "$T_DIR/proxy.toml"
	if t_wait_for 20 fp_ready "$MPORT"; then
		t_ok "uid $U with no capability (Linux $(uname -r) >= 5.19): /ready 200"
		t_eq "its CapEff: none" "$(capeff $AS_PID)" 0000000000000000
		fingerprinted "uid $U with no capability"
	else
		t_fail "uid $U with no capability (Linux >= 5.19): /ready 200"
		sed 's/^/#   /' "$T_DIR/nocap.err" | tail -n 5
	fi
	t_stop "$AS_PID" 15
else
	t_eq "no capability (Linux < 5.19): BPF_OBJ_GET refused" "$(objget $G 8)" EPERM
	run_as nocap $G "" "$T_DIR/proxy.toml"
	refused "no capability (Linux < 5.19)" "Operation not permitted \(the proxy needs CAP_BPF\)" \
		nocap
fi

# ---- 4. negatives: not in the pins' group ----
t_eq "group $OTHER_G, no capability: BPF_OBJ_GET read-only refused" "$(objget $OTHER_G 8)" EACCES
run_as other-bpf $OTHER_G bpf "$T_DIR/proxy.toml"
refused "uid $U not in group $G, with CAP_BPF" \
	"cannot open the SYN maps under $PIN: Permission denied \(the pins and their directory must be readable" \
	other-bpf
run_as other-nocap $OTHER_G "" "$T_DIR/proxy.toml"
refused "uid $U not in group $G, no capability" \
	"cannot open the SYN maps under $PIN: Permission denied" other-nocap

# ---- 5. fingerprinting off: no capability needed ----
run_as nofp $OTHER_G "" "$T_DIR/nofp.toml"
if t_wait_for 20 fp_ready "$NMPORT"; then
	t_ok "tcp_enabled = false, uid $U, no capability, no access to the pins: /ready 200"
	t_eq "its CapEff: none" "$(capeff $AS_PID)" 0000000000000000
	cport=$((cport + 1))
	t_eq "tcp_enabled = false: request 200" \
		"$(fp_req $cport "http://$T_SADDR4:$NPORT/p/$cport")" 200
	t_eq "tcp_enabled = false: no x-tcp-p0f" "$(fp_hdr "/p/$cport")" -
	t_stop "$AS_PID" 15
	t_eq "tcp_enabled = false: exits 0 on SIGTERM" "$T_RC" 0
else
	t_fail "tcp_enabled = false, uid $U, no capability: /ready 200"
	sed 's/^/#   /' "$T_DIR/nofp.err" | tail -n 5
	t_stop "$AS_PID" 15
fi
for f in root bpf nocap other-bpf other-nocap nofp; do
	[ -f "$T_DIR/$f.err" ] && t_san_check "$T_DIR/$f.err"
done
t_stop "$AGENT_PID" 15
t_eq "agent exits 0 on SIGTERM" "$T_RC" 0
[ "$T_FAILS" -eq 0 ]
