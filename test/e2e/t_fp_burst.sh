#!/bin/sh
# t_fp_burst.sh - more concurrent connections than the agent's LRU map holds.
#
# The agent runs with HUGINN_EBPF_SYN_MAP_MAX_ENTRIES=64; a python client in the client
# namespace opens 600 connections at once (non-blocking connects, then one request each,
# Connection: close, the path naming the client port), twice.  The proxy must answer
# every request 200; evicted SYNs are misses, counted in /metrics; and no wrong
# fingerprint is ever attached: every x-tcp-p0f nginx logged equals p0f's raw_sig for
# that client port (where p0f logged the port; p0f may itself drop under a burst).
# Each connection's TTL / hop limit is one of 60 values and the stack changes between
# rounds, so a record of another connection would show as a difference.
# PROXY=$BUILD/san/huginn-proxy runs it under ASan/UBSan (sanitizer output fails).
# Ports (server namespace): 29300-29309.  Needs root; SKIPs loudly otherwise.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fp_lib.sh"

fp_need
fp_setup
FP_PORT=29300
MPORT=29301
BPORT=29302
N=${BURST_CONNS:-600}
# 600 client sockets and 1200 in the proxy: more than the usual 1024 (dash has ulimit -n).
# shellcheck disable=SC3045
ulimit -n 16384 2>/dev/null || ulimit -n 4096

fp_nginx "$BPORT"
fp_p0f "$FP_PORT"
if ! fp_agent agent HUGINN_EBPF_XDP_MODE=skb HUGINN_EBPF_SYN_MAP_MAX_ENTRIES=64; then
	t_fail "agent attached with 64 entries per map"
	exit 1
fi
t_eq "bpftool: tcp_syn_map_v4 holds 64 entries" "$(t_map_max "$PIN" tcp_syn_map_v4)" 64
fp_conf "$T_DIR/proxy.toml" "$FP_PORT" "$MPORT" "$BPORT"
fp_proxy_up proxy "$T_DIR/proxy.toml" || exit 1

cat >"$T_DIR/burst.py" <<'EOF'
# burst.py HOST PORT N TAG: N connections at once, then one request on each; prints
# "port status" per connection, "fail port reason" for any that did not get a response.
import selectors, socket, sys, time

host, port, n, tag = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
fam = socket.AF_INET6 if ":" in host else socket.AF_INET
sel = selectors.DefaultSelector()
conns = {}
for i in range(n):
    s = socket.socket(fam, socket.SOCK_STREAM)
    # 60 TTLs: 60 different signatures in a round, so a record of another connection
    # would show in the comparison with p0f.
    if fam == socket.AF_INET:
        s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, 40 + i % 60)
    else:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, 40 + i % 60)
    s.setblocking(False)
    s.connect_ex((host, port))
    conns[s] = {"port": s.getsockname()[1], "out": None, "in": b""}
    sel.register(s, selectors.EVENT_WRITE)
deadline = time.time() + 60
while sel.get_map() and time.time() < deadline:
    for key, ev in sel.select(timeout=1):
        s, c = key.fileobj, conns[key.fileobj]
        if ev & selectors.EVENT_WRITE:
            if c["out"] is None:
                err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err:
                    print("fail", c["port"], "connect errno", err)
                    sel.unregister(s); s.close(); continue
                c["out"] = ("GET /b/%s/%d HTTP/1.1\r\nHost: burst\r\nConnection: close\r\n\r\n"
                            % (tag, c["port"])).encode()
            try:
                k = s.send(c["out"])
            except OSError as e:
                print("fail", c["port"], "send", e); sel.unregister(s); s.close(); continue
            c["out"] = c["out"][k:]
            if not c["out"]:
                sel.modify(s, selectors.EVENT_READ)
        elif ev & selectors.EVENT_READ:
            try:
                d = s.recv(65536)
            except OSError as e:
                d = b""
                c["err"] = str(e)
            if d:
                c["in"] += d
                continue
            sel.unregister(s); s.close()
            line = c["in"].split(b"\r\n", 1)[0].split()
            if len(line) >= 2:
                print(c["port"], line[1].decode())
            else:
                print("fail", c["port"], "no response", c.get("err", ""))
for s in list(sel.get_map().values()):
    print("fail", conns[s.fileobj]["port"], "timeout")
EOF

csys() { fp_c sysctl -q -w "$@" >/dev/null; }
round=0
for spec in "4 $T_SADDR4 net.ipv4.tcp_timestamps=1" "6 $T_SADDR6 net.ipv4.tcp_timestamps=0" \
	"4 $T_SADDR4 net.ipv4.ip_default_ttl=128"; do
	# shellcheck disable=SC2086
	set -- $spec
	round=$((round + 1))
	# Each round its own client port range: a port is one connection in p0f's log.
	csys "$3" "net.ipv4.ip_local_port_range=$((30000 + round * 1000)) $((30999 + round * 1000))"
	miss0=$(fp_metric "$MPORT" 'huginn_fp_lookups_total{result="miss"}')
	fp_c timeout 90 "$PYTHON" "$T_DIR/burst.py" "$2" "$FP_PORT" "$N" "r$round" \
		>"$T_DIR/burst-$round.txt" 2>&1
	ok200=$(awk '$2 == "200"' "$T_DIR/burst-$round.txt" | wc -l)
	t_eq "round $round (IPv$1, $3): all $N connections answered 200" "$ok200" "$N"
	grep -v ' 200$' "$T_DIR/burst-$round.txt" | head -n 5 | sed 's/^/#   /'
	miss=$(($(fp_metric "$MPORT" 'huginn_fp_lookups_total{result="miss"}') - miss0))
	# How many records the proxy still finds depends on how fast it accepts: per round it
	# is only reported; over all rounds there must be misses.
	t_diag "round $round: $miss misses"
done
miss=$(fp_metric "$MPORT" 'huginn_fp_lookups_total{result="miss"}')
[ "$miss" -gt 0 ]
t_eq "misses counted in /metrics ($miss over $round rounds of $N on a 64-entry map)" "$?" 0
csys net.ipv4.tcp_timestamps=1 net.ipv4.ip_default_ttl=64
# p0f logs in order and may drop under the burst: wait (bounded) for the line of the
# last answered connection; nginx logs after answering: wait for its line too.
last=$(awk '$2 == "200" { p = $1 } END { print p }' "$T_DIR/burst-$round.txt")
t_wait_for 5 grep -q "/$last|" "$T_DIR/p0f.log"
t_wait_for 5 fp_logged "/b/r$round/$last"

# Every header nginx logged against p0f's raw_sig for the same client port and round.
t_p0f_norm "$T_DIR/p0f.log" >"$T_DIR/p0f.norm"
awk -F'\t' -v tname="$T_NAME" '
FILENAME == ARGV[1] { if (($1 in raw) && raw[$1] != $2) multi[$1] = 1; raw[$1] = $2; next }
{
	split($1, u, "/")
	if (u[2] != "b") next
	reqs++
	if ($2 == "-") { none++; next }
	with++
	k = u[4]
	if ($4 != "-") { printf "not ok - %s: %s: client x-tcp-anything forwarded\n", tname, $1; bad++ }
	if (!(k in raw)) { nop0f++; next }
	if (k in multi) { ambiguous++; next }
	if ($2 == raw[k]) { same++; if (!($2 in seen)) { seen[$2] = 1; distinct++ } }
	else { printf "not ok - %s: %s: x-tcp-p0f \"%s\", p0f raw_sig \"%s\"\n", tname, $1, $2, raw[k]; bad++ }
}
END {
	printf "# %d burst requests: %d with x-tcp-p0f (%d compared equal to p0f, %d port not in p0f log, %d port reused across rounds), %d without\n", reqs, with, same, nop0f, ambiguous, none
	if (!bad) printf "ok - %s: no wrong fingerprint: every x-tcp-p0f equals p0f raw_sig for its port (%d compared, %d distinct signatures)\n", tname, same, distinct
	if (distinct < 60) printf "not ok - %s: at least 60 distinct signatures among them (%d)\n", tname, distinct
	if (same < 1) printf "not ok - %s: at least one fingerprint compared with p0f\n", tname
	print bad + (same < 1) + (distinct < 60) > "/dev/stderr"
}' "$T_DIR/p0f.norm" "$T_DIR/access.log" 2>"$T_DIR/fails"
T_FAILS=$((T_FAILS + $(cat "$T_DIR/fails")))

fp_metrics "$MPORT" >"$T_DIR/metrics.txt"
m() { t_metric_of "$T_DIR/metrics.txt" "$1"; }
t_diag "lookups: hit $(m 'huginn_fp_lookups_total{result="hit"}') miss $(m 'huginn_fp_lookups_total{result="miss"}') stale $(m 'huginn_fp_lookups_total{result="stale"}') malformed $(m 'huginn_fp_lookups_total{result="malformed"}'); agent: v4 $(m 'huginn_agent_syn_captured_total{family="ipv4"}') v6 $(m 'huginn_agent_syn_captured_total{family="ipv6"}') insert failures $(m huginn_agent_syn_insert_failures_total)"
t_eq "no malformed lookups" "$(m 'huginn_fp_lookups_total{result="malformed"}')" 0
t_eq "no lookup errors" "$(m 'huginn_fp_lookups_total{result="error"}')" 0

t_stop "$PROXY_PID" 15
t_eq "proxy exits 0 on SIGTERM" "$T_RC" 0
t_san_check "$T_DIR/proxy.err"
t_stop "$AGENT_PID" 15
t_eq "agent exits 0 on SIGTERM" "$T_RC" 0
[ "$T_FAILS" -eq 0 ]
