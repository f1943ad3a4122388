#!/bin/sh
# t_syn_flood.sh - a SYN flood many times the agent's map capacity while real clients
# connect through the proxy (issue 11, "SYN flood beyond the map").
#
# Topology: the agent (skb mode, HUGINN_EBPF_SYN_MAP_MAX_ENTRIES=$FLOOD_MAP, 1024) sits on
# the server namespace's veth.  Its peer is a port of a bridge in the client namespace;
# a third, flood namespace joins the bridge with a veth of its own, so real clients and
# the flood reach the agent's interface alike.  test/tools/synflood.c sends $FLOOD_SYNS
# spoofed IPv4 SYNs and half as many IPv6 ones (sources 198.18.0.0/16 and
# fd00:N:8000::/112, routed back to the flood namespace, where the SYN-ACKs die; every
# key distinct) to the proxy's own port: the agent's port filter
# cannot tell them from clients, and the kernel's SYN queue and syncookies are under the
# same flood the proxy would see in production.  A flood to another port would test the
# map only.  The flood's shape (TTL 200, no DF, window 512, MSS only) is unlike any real
# client's, and each real connection has one of 60 TTLs: a record of anyone else
# attached to a real connection shows as a difference from p0f's raw_sig for that port.
#
#   1. during the flood, real clients (python over IPv4 and IPv6, one connection per
#      request, and curl) make requests: every one answered 200;
#   2. the proxy is stopped (SIGSTOP) while $HELD clients complete their handshakes, then
#      20 x the map capacity of flood SYNs from each CPU evicts their records: after
#      SIGCONT they are
#      answered 200 without x-tcp-p0f and counted as exactly $HELD misses;
#   3. after the flood, fingerprints resume;
#   and no request ever carries an x-tcp-p0f other than p0f's raw_sig for its port (p0f
#   watches the real client's address only), none the flood's shape.
# Ports (server namespace): 24100-24109.  Needs root; SKIPs loudly otherwise.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fp_lib.sh"

fp_need "$BUILD/tools/synflood"
t_need_tool taskset
SYNFLOOD=$(cd "$BUILD/tools" && pwd)/synflood
# shellcheck disable=SC2034 # read by t_netns_pair (lib.sh)
T_NS_PREFIX=fld
fp_setup
FP_PORT=24100
MPORT=24101
BPORT=24102
FLOOD_MAP=${FLOOD_MAP:-1024}
FLOOD_SYNS=${FLOOD_SYNS:-200000}
FLOOD_PPS=${FLOOD_PPS:-60000}
HELD=${HELD:-20}
# shellcheck disable=SC3045
ulimit -n 16384 2>/dev/null || ulimit -n 4096

# ---- the flood namespace, bridged into the client side ----
FNS="fldf$T_ID"
BR="fldb$T_ID"
FIF="fldf$T_ID"
PIF="fldp$T_ID"
FADDR4="10.$T_NET.0.3"
FADDR6="fd00:$T_NET::3"
SPOOF="198.18.0.0" # RFC 2544's benchmarking range: no real client is there
SPOOF6="fd00:$T_NET:8000::"
ip netns add "$FNS" || { t_fail "flood namespace"; exit 1; }
t_defer "ip netns del $FNS"
ip link add "$FIF" netns "$FNS" type veth peer name "$PIF" netns "$T_CNS" || {
	t_fail "flood veth"
	exit 1
}
fp_c ip link add "$BR" type bridge
fp_c ip addr flush dev "$T_CIF"
fp_c ip link set "$T_CIF" master "$BR"
fp_c ip link set "$PIF" master "$BR"
fp_c ip addr add "$T_CADDR4/24" dev "$BR"
fp_c ip -6 addr add "$T_CADDR6/64" dev "$BR" nodad
fp_c ip link set "$BR" up
fp_c ip link set "$PIF" up
t_in "$FNS" ip link set lo up
t_in "$FNS" ip addr add "$FADDR4/24" dev "$FIF"
t_in "$FNS" ip -6 addr add "$FADDR6/64" dev "$FIF" nodad
t_in "$FNS" ip link set "$FIF" up
# SYN-ACKs to the spoofed sources go to the flood namespace (not forwarded there).
fp_s ip route add 198.18.0.0/16 via "$FADDR4"
fp_s ip -6 route add "$SPOOF6/112" via "$FADDR6"
SMAC=$(fp_s ip -o link show dev "$T_SIF" | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
# Reachable: a connect to a closed port is refused (RST) rather than timing out.
reach() {
	fp_c "$PYTHON" -c "import socket, sys; s = socket.socket(); s.settimeout(1)
sys.exit(s.connect_ex(('$T_SADDR4', 9)) not in (0, 111))"
}
if ! t_wait_for 10 reach; then
	t_fail "the client reaches the server through the bridge"
	exit 1
fi

fp_nginx "$BPORT"
# p0f sees the real client's SYNs only: it is the oracle for them, and the flood would
# only bury it.
nsenter "$FP_SNET" "$P0F" -i "$T_SIF" -f "$FP_DB" -o "$T_DIR/p0f.log" \
	"tcp dst port $FP_PORT and (src host $T_CADDR4 or src host $T_CADDR6)" \
	>"$T_DIR/p0f.out" 2>&1 &
P0F_PID=$!
T_PIDS="$P0F_PID $T_PIDS"
t_wait_for 10 grep -q "main event loop" "$T_DIR/p0f.out" || {
	t_fail "p0f did not start"
	exit 1
}
if ! fp_agent agent HUGINN_EBPF_XDP_MODE=skb HUGINN_EBPF_SYN_MAP_MAX_ENTRIES="$FLOOD_MAP"; then
	t_fail "agent attached with $FLOOD_MAP entries per map"
	exit 1
fi
t_eq "bpftool: tcp_syn_map_v4 holds $FLOOD_MAP entries" \
	"$(t_map_max "$PIN" tcp_syn_map_v4)" "$FLOOD_MAP"
fp_conf "$T_DIR/proxy.toml" "$FP_PORT" "$MPORT" "$BPORT"
fp_proxy_up proxy "$T_DIR/proxy.toml" || exit 1

cat >"$T_DIR/clients.py" <<'EOF'
# clients.py HOST PORT FIRST_PORT MAX TAG STOPFILE [HOLD]: real clients, CONC connections
# in flight, one request each (Connection: close) from local ports FIRST_PORT, FIRST_PORT+1,
# ...; connection i has TTL 40 + i % 60.  Stops after MAX connections, or once STOPFILE
# exists (new connections only), or after 50 s.  With HOLD: opens MAX connections at
# once, prints "connected" when all are, sends their requests when STOPFILE exists.
# Prints "PORT STATUS" per connection, "fail PORT WHY" when there was no response.
import os, selectors, socket, sys, time

host, port, first, mx, tag, stop = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), \
    int(sys.argv[4]), sys.argv[5], sys.argv[6]
v6 = ":" in host
hold = len(sys.argv) > 7
CONC = mx if hold else 8
sel = selectors.DefaultSelector()
state = {}
started = 0
deadline = time.time() + 50

def start():
    global started
    i = started
    started += 1
    if v6:
        s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, 40 + i % 60)
        s.bind(("::", first + i))
    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, 40 + i % 60)
        s.bind(("0.0.0.0", first + i))
    s.setblocking(False)
    s.connect_ex((host, port))
    p = first + i
    state[s] = {"port": p, "in": b"", "t": time.time(),
                "out": ("GET /f/%s/%d HTTP/1.1\r\nHost: flood\r\nConnection: close\r\n\r\n"
                        % (tag, p)).encode()}
    sel.register(s, selectors.EVENT_WRITE)

def done(s, line):
    print(line, flush=True)
    sel.unregister(s)
    s.close()
    del state[s]

if hold:
    for _ in range(mx):
        start()
    conn = set()
    while len(conn) < mx and time.time() < deadline:
        for key, ev in sel.select(timeout=1):
            if key.fileobj.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0:
                conn.add(key.fileobj)
                sel.modify(key.fileobj, selectors.EVENT_READ)
    print("connected %d" % len(conn), flush=True)
    while not os.path.exists(stop) and time.time() < deadline:
        time.sleep(0.05)
    for s in conn:
        sel.modify(s, selectors.EVENT_WRITE)
while time.time() < deadline:
    while not hold and len(state) < CONC and started < mx and not os.path.exists(stop):
        start()
    if not state:
        break
    for key, ev in sel.select(timeout=0.5):
        s, c = key.fileobj, state[key.fileobj]
        if ev & selectors.EVENT_WRITE:
            err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if err:
                done(s, "fail %d connect errno %d" % (c["port"], err))
                continue
            try:
                k = s.send(c["out"])
            except OSError as e:
                done(s, "fail %d send %s" % (c["port"], e))
                continue
            c["out"] = c["out"][k:]
            if not c["out"]:
                sel.modify(s, selectors.EVENT_READ)
        elif ev & selectors.EVENT_READ:
            try:
                d = s.recv(65536)
            except OSError as e:
                done(s, "fail %d recv %s" % (c["port"], e))
                continue
            if d:
                c["in"] += d
                continue
            line = c["in"].split(b"\r\n", 1)[0].split()
            if len(line) >= 2:
                done(s, "%d %s" % (c["port"], line[1].decode()))
            else:
                done(s, "fail %d no response" % c["port"])
for s in list(state):
    done(s, "fail %d timeout" % state[s]["port"])
EOF

# clients TAG FIRST MAX [hold]: clients.py from the client namespace to ${CLI_HOST:-the
# server's IPv4 address}, output in TAG.txt.
clients() {
	nsenter "$FP_CNET" timeout 60 "$PYTHON" "$T_DIR/clients.py" "${CLI_HOST:-$T_SADDR4}" \
		"$FP_PORT" "$2" \
		"$3" "$1" "$T_DIR/$1.stop" ${4:+hold} >"$T_DIR/$1.txt" 2>&1
}
ok200() { awk '$2 == "200"' "$T_DIR/$1.txt" | wc -l; }
lookups() { fp_metric "$MPORT" "huginn_fp_lookups_total{result=\"$1\"}"; }
captured() { fp_metric "$MPORT" "huginn_agent_syn_captured_total{family=\"ipv${1:-4}\"}"; }
flood() {
	nsenter --net="/run/netns/$FNS" "$SYNFLOOD" "$FIF" "$SMAC" "$SPOOF" "$T_SADDR4" "$FP_PORT" \
		"$@"
}
flood6() {
	nsenter --net="/run/netns/$FNS" "$SYNFLOOD" "$FIF" "$SMAC" "$SPOOF6" "$T_SADDR6" \
		"$FP_PORT" "$@"
}

# ---- 0. before the flood: fingerprints as p0f sees them ----
clients pre 10000 20
t_eq "before the flood: 20 requests answered 200" "$(ok200 pre)" 20
cap0=$(captured)
cap60=$(captured 6)

# ---- 1. real clients during the flood ----
flood "$FLOOD_SYNS" "$FLOOD_PPS" >"$T_DIR/flood.out" 2>&1 &
FLOOD_PID=$!
flood6 $((FLOOD_SYNS / 2)) $((FLOOD_PPS / 2)) >"$T_DIR/flood6.out" 2>&1 &
FLOOD6_PID=$!
T_PIDS="$FLOOD_PID $FLOOD6_PID $T_PIDS"
clients during 11000 19000 &
CLI_PID=$!
CLI_HOST=$T_SADDR6 clients during6 40000 9000 &
CLI6_PID=$!
T_PIDS="$CLI_PID $CLI6_PID $T_PIDS"
i=0
curl_ok=0
while kill -0 "$FLOOD_PID" 2>/dev/null && [ $i -lt 200 ]; do
	i=$((i + 1))
	[ "$(fp_req $((52000 + i)) "http://$T_SADDR4:$FP_PORT/f/curl/$((52000 + i))")" = 200 ] &&
		curl_ok=$((curl_ok + 1))
done
t_gone "$FLOOD_PID" 60
wait "$FLOOD_PID"
t_eq "synflood sent every IPv4 SYN (exit status)" "$?" 0
t_gone "$FLOOD6_PID" 60
wait "$FLOOD6_PID"
t_eq "synflood sent every IPv6 SYN (exit status)" "$?" 0
touch "$T_DIR/during.stop" "$T_DIR/during6.stop"
wait "$CLI_PID"
wait "$CLI6_PID"
t_diag "flood: IPv4 $(cat "$T_DIR/flood.out"); IPv6 $(cat "$T_DIR/flood6.out")"
sent=$(awk '$1 == "sent" { print $2 }' "$T_DIR/flood.out")
sent6=$(awk '$1 == "sent" { print $2 }' "$T_DIR/flood6.out")
for f in 4: 6:6; do
	tag=during${f#*:}
	ncli=$(grep -c . "$T_DIR/$tag.txt")
	[ "$ncli" -gt 0 ]
	t_eq "during the flood: real IPv${f%:*} clients made requests ($ncli connections)" "$?" 0
	t_eq "during the flood: every IPv${f%:*} python client answered 200" "$(ok200 "$tag")" \
		"$ncli"
	grep -v ' 200$' "$T_DIR/$tag.txt" | head -n 5 | sed 's/^/#   /'
done
t_eq "during the flood: every curl answered 200 ($i)" "$curl_ok" "$i"
seen=$(($(captured) - cap0))
[ "$seen" -ge $((10 * FLOOD_MAP)) ]
t_eq "the XDP program stored $seen IPv4 SYNs, over 10 x the map capacity" "$?" 0
seen6=$(($(captured 6) - cap60))
[ "$seen6" -ge $((10 * FLOOD_MAP)) ]
t_eq "the XDP program stored $seen6 IPv6 SYNs, over 10 x the map capacity" "$?" 0

# ---- 2. held connections: their records evicted before accept ----
miss0=$(lookups miss)
kill -STOP "$PROXY_PID"
clients held 30000 "$HELD" hold &
HELD_PID=$!
T_PIDS="$HELD_PID $T_PIDS"
t_wait_for 20 grep -q '^connected' "$T_DIR/held.txt"
t_eq "held: $HELD handshakes complete while the proxy is stopped" \
	"$(grep '^connected' "$T_DIR/held.txt")" "connected $HELD"
# The kernel's LRU is per CPU at its edges: a new record waits on the list of the CPU
# that stored it (the sender's CPU on a veth; the "local pending" list of
# kernel/bpf/bpf_lru_list.c) until that CPU needs room, and other CPUs
# take room from the shared lists first.  A flood from one CPU may never reach a record
# another CPU stored: send 20 x the capacity from every CPU in turn.
ncpu=$(nproc)
for cpu in $(seq 0 $((ncpu - 1))); do
	taskset -c "$cpu" sh -c 'exec "$@"' flood \
		nsenter --net="/run/netns/$FNS" "$SYNFLOOD" "$FIF" "$SMAC" "$SPOOF" "$T_SADDR4" \
		"$FP_PORT" $((20 * FLOOD_MAP)) >"$T_DIR/flood2.out" 2>&1
	t_eq "held: synflood sent $((20 * FLOOD_MAP)) more SYNs from CPU $cpu" "$?" 0
	sent=$((sent + $(awk '$1 == "sent" { print $2 }' "$T_DIR/flood2.out")))
done
kill -CONT "$PROXY_PID"
touch "$T_DIR/held.stop"
wait "$HELD_PID"
t_eq "held: every request answered 200" "$(ok200 held)" "$HELD"
t_eq "held: exactly $HELD misses counted" "$(($(lookups miss) - miss0))" "$HELD"
nohdr=0
for p in $(awk '$2 == "200" { print $1 }' "$T_DIR/held.txt"); do
	[ "$(fp_hdr "/f/held/$p")" = - ] && nohdr=$((nohdr + 1))
done
t_eq "held: none carries x-tcp-p0f" "$nohdr" "$HELD"

# ---- 3. after the flood ----
clients post 30100 20
t_eq "after the flood: 20 requests answered 200" "$(ok200 post)" 20
last=$(awk '$2 == "200" { p = $1 } END { print p }' "$T_DIR/post.txt")
t_wait_for 5 grep -q "/$last|" "$T_DIR/p0f.log"
t_wait_for 5 fp_logged "/f/post/$last"
t_eq "after the flood: fingerprints resume (x-tcp-p0f of the last equals p0f's)" \
	"$(fp_hdr "/f/post/$last")" "$(fp_p0f_raw "$last")"

# ---- every header against p0f's raw_sig for its port ----
t_p0f_norm "$T_DIR/p0f.log" >"$T_DIR/p0f.norm"
awk -F'\t' -v tname="$T_NAME" '
FILENAME == ARGV[1] { if (($1 in raw) && raw[$1] != $2) multi[$1] = 1; raw[$1] = $2; next }
{
	split($1, u, "/")
	if (u[2] != "f") next
	reqs[u[3]]++
	if ($2 == "-") { none[u[3]]++; next }
	with[u[3]]++
	if ($2 ~ /:1360:512,0:mss:/) { printf "not ok - %s: %s carries the flood'"'"'s shape: %s\n", tname, $1, $2; bad++; next }
	k = u[4]
	if (!(k in raw)) { nop0f++; next }
	if (k in multi) { ambiguous++; next }
	if ($2 == raw[k]) { same++; if (!($2 in seen)) { seen[$2] = 1; distinct++ } }
	else { printf "not ok - %s: %s: x-tcp-p0f \"%s\", p0f raw_sig \"%s\"\n", tname, $1, $2, raw[k]; bad++ }
}
END {
	for (t in reqs) printf "# %s: %d requests, %d with x-tcp-p0f, %d without\n", t, reqs[t], with[t], none[t]
	printf "# compared with p0f: %d equal (%d distinct signatures), %d ports not in p0f log, %d ambiguous\n", same, distinct, nop0f, ambiguous
	if (!bad) printf "ok - %s: no wrong fingerprint: every x-tcp-p0f equals p0f raw_sig for its port, none has the flood'"'"'s shape (%d compared)\n", tname, same
	if (same < 20) printf "not ok - %s: at least 20 fingerprints compared with p0f (%d)\n", tname, same
	print bad + (same < 20) > "/dev/stderr"
}' "$T_DIR/p0f.norm" "$T_DIR/access.log" 2>"$T_DIR/fails"
T_FAILS=$((T_FAILS + $(cat "$T_DIR/fails")))

fp_metrics "$MPORT" >"$T_DIR/metrics.txt"
m() { t_metric_of "$T_DIR/metrics.txt" "$1"; }
hits=$(m 'huginn_fp_lookups_total{result="hit"}')
misses=$(m 'huginn_fp_lookups_total{result="miss"}')
[ "$misses" -gt 0 ]
t_eq "misses counted in /metrics" "$?" 0
t_eq "no malformed lookups" "$(m 'huginn_fp_lookups_total{result="malformed"}')" 0
t_eq "no lookup errors" "$(m 'huginn_fp_lookups_total{result="error"}')" 0
cookies=$(fp_s nstat -az TcpExtSyncookiesSent 2>/dev/null | awk '$1 == "TcpExtSyncookiesSent" { print $2 }')
t_diag "SYNs sent: IPv4 $sent, IPv6 $sent6 (stored by XDP, with the real clients': $(($(m 'huginn_agent_syn_captured_total{family="ipv4"}') - cap0)) and $(($(m 'huginn_agent_syn_captured_total{family="ipv6"}') - cap60))), map capacity $FLOOD_MAP per family ($((sent / FLOOD_MAP)) x and $((sent6 / FLOOD_MAP)) x), requests $(grep -c . "$T_DIR/access.log"), lookups: hit $hits miss $misses stale $(m 'huginn_fp_lookups_total{result="stale"}'); insert failures $(m huginn_agent_syn_insert_failures_total); syncookies sent ${cookies:-?}"

t_stop "$PROXY_PID" 15
t_eq "proxy exits 0 on SIGTERM" "$T_RC" 0
t_san_check "$T_DIR/proxy.err"
t_stop "$AGENT_PID" 15
t_eq "agent exits 0 on SIGTERM" "$T_RC" 0
[ "$T_FAILS" -eq 0 ]
