#!/bin/sh
# t_proxy_protocol_in.sh - PROXY protocol input on the HTTP listener ([listen]
# proxy_protocol and trusted_proxies, docs/proxy-protocol.md).  Expected values come from
# the peers: curl's own address (-w %{local_ip} %{local_port}) and haproxy's log of it, the
# addresses and TLV values this script hands to test/tools/pp_send.
#
# Loopback part: haproxy 2.6 (mode tcp, "source 127.0.0.2", send-proxy-v2 and send-proxy,
# and over IPv6) in front of huginn-proxy ("required", trusted 127.0.0.2/32 and ::1/128) in
# front of test/tools/echo_backend.py, which logs every header it receives:
# - X-Forwarded-For and the access log's client are curl's address as haproxy logged it;
# - a v2 header split over two writes is put back together;
# - TLVs 0xE0/0xE1/0xE2 become x-tcp-p0f, x-tcp-p0f-os and x-tls-ja4 byte for byte, the
#   client's own copies of those dropped; values that are not printable ASCII or not a JA4
#   are left out and counted; a CR/LF in one refuses the header;
# - LOCAL keeps the real peer; a header from an untrusted peer (v1 and v2), a trusted peer
#   without one, and a header cut short (client_header timeout) are refused without an
#   answer and counted; untrusted peers speaking plain HTTP are served, their x-tls-* and
#   x-tcp-* stripped and counted;
# - after SIGHUP to "optional", the trusted peer without a header is served as itself.
# Namespace part (root, the agent): haproxy in the client namespace, huginn-proxy with
# tcp_enabled behind the agent's XDP program: a direct connection from the balancer's
# address gets its SYN's x-tcp-p0f (the agent records that peer), a PROXY connection from
# it gets none, and no SYN lookup is made for it (huginn_fp_lookups_total stays).
# PROXY=build/san/huginn-proxy runs it on the sanitizer build.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"
t_need_tool haproxy curl "$PYTHON"
SEND=$BUILD/tools/pp_send
t_need_bin "$PROXY" "$SEND"
PROXY=$(cd "$(dirname "$PROXY")" && pwd)/$(basename "$PROXY")
SEND=$(cd "$(dirname "$SEND")" && pwd)/$(basename "$SEND")

BP=$P_BASE PP=$((P_BASE + 1)) PM=$((P_BASE + 2))
H2=$((P_BASE + 3)) H1=$((P_BASE + 4)) H6=$((P_BASE + 5)) H46=$((P_BASE + 6))

SIG='4:64+0:0:1460:mss*44,7:mss,sok,ts,nop,ws:df,id+:0'
OS='os=Linux 2.2.x-3.x|dist=0|params=generic'
JA4='t13d1516h2_8daaf6152771_e5627efa2ab1'
JA4R='t13d1516h2_002f,0035,009c_0005,000a,000b'

pl_echo backend "$BP"

conf() {
	cat <<EOF
[server]
workers = 1

[listen]
addrs = ["127.0.0.1:$PP", "[::1]:$PP"]
proxy_protocol = "$1"
trusted_proxies = ["127.0.0.2/32", "::1/128"]

[timeouts]
client_header = 1000

[[backends]]
address = "127.0.0.1:$BP"

[[routes]]
prefix = "/"
backend = "127.0.0.1:$BP"

[telemetry]
metrics_addr = "127.0.0.1:$PM"
EOF
}
conf required >"$T_DIR/config.toml"
pl_proxy "$T_DIR/config.toml" "$PP" proxy

cat >"$T_DIR/haproxy.cfg" <<EOF
global
    log stdout format raw local0
defaults
    log global
    mode tcp
    log-format "hap %ci %cp %ft"
    timeout connect 2s
    timeout client 10s
    timeout server 10s
frontend v2
    bind 127.0.0.1:$H2
    default_backend v2
frontend v1
    bind 127.0.0.1:$H1
    default_backend v1
frontend v6
    bind [::1]:$H6
    default_backend v6
frontend v4to6
    bind 127.0.0.1:$H46
    default_backend v6
backend v2
    server s 127.0.0.1:$PP send-proxy-v2 source 127.0.0.2
backend v1
    server s 127.0.0.1:$PP send-proxy source 127.0.0.2
backend v6
    server s [::1]:$PP send-proxy-v2
EOF
t_bg haproxy haproxy -db -f "$T_DIR/haproxy.cfg"
if ! RAW wait "$H2" 10 >/dev/null; then
	t_fail "haproxy did not start"
	sed 's/^/#   /' "$T_DIR/haproxy.log" | head -20
	exit 1
fi

BLOG=$T_DIR/backend.log
# hdr PATH NAME: the values of header NAME the backend received with the request for PATH
# (one line each; nothing when absent).
hdr() { t_backend_hdr "$1" "$2" "$BLOG"; }
# The access log's client field for PATH.
alog_client() {
	t_wait_for 5 grep -q " GET $1 " "$T_DIR/proxy.out"
	awk -v p="$1" '$3 == "GET" && $4 == p { print $2; exit }' "$T_DIR/proxy.out"
}
ppm() {
	_v=$(pl_metric "huginn_proxy_protocol_total{result=\"$1\"}")
	echo "$_v"
}
ign() { pl_metric huginn_proxy_protocol_tlv_ignored_total; }

# hap NAME URL [CURL ARGS]: a request through haproxy; checks the backend's X-Forwarded-For
# and the access log against curl's end and haproxy's log of it.
hap() {
	name=$1 url=$2
	shift 2
	path=/${url#http*://*/}
	got=$(curl -s -o /dev/null --max-time 10 -w '%{http_code} %{local_ip} %{local_port}' \
		"$@" "$url")
	# shellcheck disable=SC2086 # three words: status, address, port
	set -- $got
	t_eq "$name: 200 through haproxy" "$1" 200
	t_wait_for 5 grep -q "^hap $2 $3 " "$T_DIR/haproxy.log"
	hline=$(grep "^hap $2 $3 " "$T_DIR/haproxy.log" | head -n 1)
	t_check "$name: haproxy logged the client $2 port $3 ('$hline')" test -n "$hline"
	t_eq "$name: X-Forwarded-For is curl's address" "$(hdr "$path" x-forwarded-for)" "$2"
	case $2 in *:*) want="[$2]:$3" ;; *) want="$2:$3" ;; esac
	t_eq "$name: access log client is curl's address and port" "$(alog_client "$path")" "$want"
	t_eq "$name: no fingerprint header" "$(hdr "$path" x-tcp-p0f)$(hdr "$path" x-tls-ja4)" ""
}

v2_0=$(ppm v2)
v1_0=$(ppm v1)
hap "v2 from haproxy" "http://127.0.0.1:$H2/hap-v2" --interface 127.0.0.5
hap "v1 from haproxy" "http://127.0.0.1:$H1/hap-v1" --interface 127.0.0.6
hap "v2 over IPv6 (TCP6 header)" "http://[::1]:$H6/hap-v6" -g
hap "v2 over IPv6 for an IPv4 client" "http://127.0.0.1:$H46/hap-v4to6" --interface 127.0.0.7
t_eq "huginn_proxy_protocol_total{result=\"v2\"} +3" "$(($(ppm v2) - v2_0))" 3
t_eq "huginn_proxy_protocol_total{result=\"v1\"} +1" "$(($(ppm v1) - v1_0))" 1

# ---- our own headers (pp_send), from the trusted address --------------------------
D="-d 127.0.0.1 $PP"
snd() { "$SEND" -b 127.0.0.2 "$@" 127.0.0.1 "$PP"; }
# shellcheck disable=SC2086
t_eq "v2 split over two writes (10 bytes, 300 ms, the rest): 200" \
	"$(snd -S 10 -s 198.51.100.7 4444 $D -p /split | cut -d' ' -f2)" 200
t_eq "split: X-Forwarded-For from the header" "$(hdr /split x-forwarded-for)" 198.51.100.7
t_eq "split: access log client" "$(alog_client /split)" 198.51.100.7:4444
# shellcheck disable=SC2086
t_eq "v2 over IPv6 from pp_send: 200" \
	"$("$SEND" -b ::1 -s 2001:db8::42 5555 -d ::1 "$PP" -p /v6send ::1 "$PP" | cut -d' ' -f2)" 200
t_eq "IPv6 client: X-Forwarded-For" "$(hdr /v6send x-forwarded-for)" 2001:db8::42
t_eq "IPv6 client: access log" "$(alog_client /v6send)" "[2001:db8::42]:5555"

ign0=$(ign)
sp0=$(pl_metric huginn_spoofed_headers_total)
# shellcheck disable=SC2086
t_eq "TLVs 0xE0-0xE3 (with spoofed client copies): 200" \
	"$(snd -s 203.0.113.9 5555 $D -t "e0=$SIG" -t "e1=$OS" -t "e2=$JA4" -t "e3=$JA4R" \
		-H 'X-TLS-JA4: spoofed' -H 'x-tcp-p0f: spoofed' -H 'X-Tls-Ja4-R: spoofed' \
		-p /tlv | cut -d' ' -f2)" 200
t_eq "TLV: x-tcp-p0f is 0xE0, once" "$(hdr /tlv x-tcp-p0f)" "$SIG"
t_eq "TLV: x-tcp-p0f-os is 0xE1, once" "$(hdr /tlv x-tcp-p0f-os)" "$OS"
t_eq "TLV: x-tls-ja4 is 0xE2, once" "$(hdr /tlv x-tls-ja4)" "$JA4"
t_eq "TLV: the client's x-tls-ja4-r is dropped (0xE3 is not a header)" \
	"$(hdr /tlv x-tls-ja4-r)" ""
t_eq "TLV: X-Forwarded-For from the header" "$(hdr /tlv x-forwarded-for)" 203.0.113.9
t_eq "TLV: three spoofed client headers counted" \
	"$(($(pl_metric huginn_spoofed_headers_total) - sp0))" 3
t_eq "TLV: nothing ignored" "$(($(ign) - ign0))" 0

# shellcheck disable=SC2086
snd -s 203.0.113.10 5556 $D -t "e0=caf$(printf '\303\251')" -t "e1=$OS" \
	-t "e2=T13d1516h2_8daaf6152771_e5627efa2ab1" -p /odd >/dev/null
t_eq "odd TLVs: non-ASCII 0xE0 left out" "$(hdr /odd x-tcp-p0f)" ""
t_eq "odd TLVs: malformed JA4 left out" "$(hdr /odd x-tls-ja4)" ""
t_eq "odd TLVs: the good 0xE1 kept" "$(hdr /odd x-tcp-p0f-os)" "$OS"
t_eq "odd TLVs: two counted in huginn_proxy_protocol_tlv_ignored_total" \
	"$(($(ign) - ign0))" 2

bad0=$(ppm bad)
# shellcheck disable=SC2086
t_eq "CR LF inside 0xE0: refused without an answer" \
	"$(snd -s 203.0.113.11 5557 $D -t "e0=x$(printf '\r\nx-evil: 1')" -p /crlf)" "(no answer)"
t_check "CR LF inside 0xE0: nothing reached the backend" sh -c "! grep -q ' GET /crlf$' '$BLOG'"
t_eq "huginn_proxy_protocol_total{result=\"bad\"} +1" "$(($(ppm bad) - bad0))" 1

loc0=$(ppm local)
t_eq "LOCAL: 200" "$(snd -L -p /local | cut -d' ' -f2)" 200
t_eq "LOCAL: X-Forwarded-For is the real peer" "$(hdr /local x-forwarded-for)" 127.0.0.2
t_eq "huginn_proxy_protocol_total{result=\"local\"} +1" "$(($(ppm local) - loc0))" 1

# ---- refusals ------------------------------------------------------------------------
un0=$(ppm untrusted)
# shellcheck disable=SC2086
t_eq "untrusted peer (127.0.0.1) sending v2: no answer" \
	"$("$SEND" -b 127.0.0.1 -s 192.0.2.1 1 $D -p /untrusted-v2 127.0.0.1 "$PP")" "(no answer)"
t_eq "untrusted peer sending v1: no answer" \
	"$(RAW send "$PP" 'PROXY TCP4 192.0.2.1 127.0.0.1 1 2\r\nGET /untrusted-v1 HTTP/1.1\r\nHost: x\r\n\r\n' 3)" ""
t_eq "huginn_proxy_protocol_total{result=\"untrusted\"} +2" "$(($(ppm untrusted) - un0))" 2
t_check "untrusted: nothing reached the backend" \
	sh -c "! grep -q ' GET /untrusted' '$BLOG'"

sp0=$(pl_metric huginn_spoofed_headers_total)
t_eq "untrusted peer speaking plain HTTP: 200" \
	"$(pl_code -H 'X-TLS-JA4: fake' -H 'x-tls-anything: fake' -H 'X-TCP-P0F: fake' \
		"http://127.0.0.1:$PP/direct")" 200
t_eq "plain HTTP: X-Forwarded-For is the peer" "$(hdr /direct x-forwarded-for)" 127.0.0.1
t_eq "plain HTTP: client x-tls-ja4 stripped" "$(hdr /direct x-tls-ja4)$(hdr /direct x-tls-anything)$(hdr /direct x-tcp-p0f)" ""
t_eq "plain HTTP: three spoofed headers counted" \
	"$(($(pl_metric huginn_spoofed_headers_total) - sp0))" 3

mi0=$(ppm missing)
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 --interface 127.0.0.2 \
	"http://127.0.0.1:$PP/missing")
t_eq "required: trusted peer without a header gets no answer (curl: $code)" "$code" 000
code=$(curl -s -g -o /dev/null -w '%{http_code}' --max-time 5 "http://[::1]:$PP/missing6")
t_eq "required: trusted ::1 without a header gets no answer" "$code" 000
t_eq "huginn_proxy_protocol_total{result=\"missing\"} +2" "$(($(ppm missing) - mi0))" 2
t_check "missing: nothing reached the backend" sh -c "! grep -q ' GET /missing' '$BLOG'"

inc0=$(ppm incomplete)
got=$("$PYTHON" -c '
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.2", 0))
s.connect(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"\r\n\r\n\0\r\nQUIT\n\x21\x11")
s.settimeout(8)
t = time.time()
try:
    d = s.recv(100)
except OSError:
    d = b"?"
print("%d %d" % (len(d), time.time() - t < 3))' "$PP")
t_eq "a header cut short: closed without an answer within 3 s (client_header 1 s)" "$got" "0 1"
t_eq "huginn_proxy_protocol_total{result=\"incomplete\"} +1" "$(($(ppm incomplete) - inc0))" 1

t_check "/metrics: HELP and TYPE of huginn_proxy_protocol_total" sh -c \
	"curl -s http://127.0.0.1:$PM/metrics | grep -q '^# TYPE huginn_proxy_protocol_total counter$'"

# ---- SIGHUP: optional ----------------------------------------------------------------
conf optional >"$T_DIR/config.toml"
r0=$(pl_metric huginn_config_reloads_total)
kill -HUP "$PROXY_PID"
t_wait_for 5 sh -c "[ \"\$(curl -s http://127.0.0.1:$PM/metrics | sed -n 's/^huginn_config_reloads_total //p')\" -gt $r0 ]"
no0=$(ppm none)
t_eq "optional (after SIGHUP): trusted peer without a header: 200" \
	"$(pl_code --interface 127.0.0.2 "http://127.0.0.1:$PP/optional")" 200
t_eq "optional: X-Forwarded-For is the peer itself" "$(hdr /optional x-forwarded-for)" 127.0.0.2
t_eq "huginn_proxy_protocol_total{result=\"none\"} +1" "$(($(ppm none) - no0))" 1
hap "optional: v2 from haproxy still read" "http://127.0.0.1:$H2/hap-v2-opt" --interface 127.0.0.8
un0=$(ppm untrusted)
t_eq "optional: untrusted peer sending v1: no answer" \
	"$(RAW send "$PP" 'PROXY TCP4 192.0.2.1 127.0.0.1 1 2\r\nGET /untrusted-opt HTTP/1.1\r\nHost: x\r\n\r\n' 3)" ""
t_eq "optional: untrusted counted" "$(($(ppm untrusted) - un0))" 1
pl_proxy_stop "proxy exits 0 on SIGTERM"

# ---- namespaces: the SYN lookup is not made for PROXY connections --------------------
if [ "$(id -u)" != 0 ] || ! command -v bpftool >/dev/null 2>&1; then
	t_skip "SKIPPED the agent part: needs root and bpftool"
	exit "$((T_FAILS > 0))"
fi
t_need_bin "$AGENT"
AGENT=$(cd "$(dirname "$AGENT")" && pwd)/$(basename "$AGENT")
t_netns_pair || { t_fail "network namespaces"; exit 1; }
t_bpffs || { t_fail "private bpffs"; exit 1; }
PIN=$T_BPFFS/huginn
NP=29150 NM=29151 NB=29152 NH=29153
# shellcheck disable=SC2034 # read by t_agent_start (lib.sh)
AGENT_PORT=$NP
if ! t_agent_start agent; then
	t_fail "the agent attached to $T_SIF"
	exit 1
fi
BLOG=$T_DIR/nsbackend.log
nsenter --net="/run/netns/$T_SNS" "$PYTHON" "$PL_TOOLS/echo_backend.py" --port "$NB" \
	--log "$BLOG" >"$T_DIR/nsbackend.out" 2>&1 &
T_PIDS="$! $T_PIDS"
cat >"$T_DIR/ns.toml" <<EOF
[listen]
addrs = ["0.0.0.0:$NP"]
proxy_protocol = "optional"
trusted_proxies = ["$T_CADDR4/32"]

[fingerprint]
tcp_enabled = true

[[backends]]
address = "127.0.0.1:$NB"

[[routes]]
prefix = "/"
backend = "127.0.0.1:$NB"

[telemetry]
metrics_addr = "127.0.0.1:$NM"
EOF
nsenter --net="/run/netns/$T_SNS" env HUGINN_EBPF_PIN_PATH="$PIN" "$PROXY" "$T_DIR/ns.toml" \
	>"$T_DIR/nsproxy.out" 2>"$T_DIR/nsproxy.err" &
NSPROXY=$!
T_PIDS="$NSPROXY $T_PIDS"
cat >"$T_DIR/nshaproxy.cfg" <<EOF
global
    log stdout format raw local0
defaults
    log global
    mode tcp
    log-format "hap %ci %cp %ft"
    timeout connect 2s
    timeout client 10s
    timeout server 10s
frontend v2
    bind 127.0.0.1:$NH
    default_backend v2
backend v2
    server s $T_SADDR4:$NP send-proxy-v2
EOF
t_bg nshaproxy t_in "$T_CNS" haproxy -db -f "$T_DIR/nshaproxy.cfg"
nsm() {
	t_in "$T_SNS" curl -s --max-time 5 "http://127.0.0.1:$NM/metrics" >"$T_DIR/nsm.txt"
	t_metric_of "$T_DIR/nsm.txt" "$1"
}
lookups() {
	t_in "$T_SNS" curl -s --max-time 5 "http://127.0.0.1:$NM/metrics" |
		awk '/^huginn_fp_lookups_total\{/ { s += $2 } END { print s + 0 }'
}
if ! t_wait_for 20 sh -c "[ \"\$(nsenter --net=/run/netns/$T_SNS curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$NM/ready)\" = 200 ]" ||
	! t_wait_for 10 t_in "$T_CNS" "$PYTHON" "$PL_TOOLS/rawhttp.py" wait "$NH" 1; then
	t_fail "proxy (/ready) or haproxy in the namespaces did not start"
	sed 's/^/#   /' "$T_DIR/nsproxy.err" "$T_DIR/nshaproxy.log" | tail -n 20
	exit 1
fi
l0=$(lookups)
t_eq "direct from the balancer's address (no header): 200" \
	"$(t_in "$T_CNS" curl -s -o /dev/null -w '%{http_code}' --max-time 10 "http://$T_SADDR4:$NP/ns-direct")" 200
direct=$(hdr /ns-direct x-tcp-p0f)
t_check "direct: x-tcp-p0f from the balancer's own SYN ('$direct')" test -n "$direct"
t_eq "direct: one SYN lookup" "$(($(lookups) - l0))" 1
t_eq "direct: a hit" "$(nsm 'huginn_fp_lookups_total{result="hit"}')" 1
l0=$(lookups)
got=$(t_in "$T_CNS" curl -s -o /dev/null --max-time 10 -w '%{http_code} %{local_ip}' \
	"http://127.0.0.1:$NH/ns-proxied")
t_eq "through haproxy (PROXY v2, no TLVs): 200 from 127.0.0.1" "$got" "200 127.0.0.1"
t_eq "through haproxy: X-Forwarded-For is the client" "$(hdr /ns-proxied x-forwarded-for)" 127.0.0.1
t_eq "through haproxy: NO x-tcp-p0f although the agent saw the balancer's SYN" \
	"$(hdr /ns-proxied x-tcp-p0f)$(hdr /ns-proxied x-tcp-p0f-os)" ""
t_eq "through haproxy: no SYN lookup made" "$(($(lookups) - l0))" 0
t_eq "through pp_send with TLVs: 200" \
	"$(t_in "$T_CNS" "$SEND" -s 192.0.2.44 4444 -d "$T_SADDR4" "$NP" -t "e0=$SIG" -p /ns-tlv \
		"$T_SADDR4" "$NP" | cut -d' ' -f2)" 200
t_eq "through pp_send: x-tcp-p0f is the TLV, not the SYN" "$(hdr /ns-tlv x-tcp-p0f)" "$SIG"
t_eq "through pp_send: still no SYN lookup" "$(($(lookups) - l0))" 0
kill -TERM "$NSPROXY"
if t_gone "$NSPROXY" 15; then
	wait "$NSPROXY"
	t_eq "namespace proxy exits 0 on SIGTERM" "$?" 0
else
	t_fail "namespace proxy still running 15 s after SIGTERM"
fi
t_san_check "$T_DIR/nsproxy.err"
exit "$((T_FAILS > 0))"
