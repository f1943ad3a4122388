#!/bin/sh
# t_pt_pp_in.sh - PROXY protocol input on passthrough listeners ([[passthrough]]
# proxy_protocol_in and trusted_proxies, docs/proxy-protocol.md).  In a private network
# namespace, on its loopback: test/tools/pt_pp.py as the balancer (a PROXY v2 or v1
# header, then a real ClientHello made by Python's ssl) -> huginn passthrough -> pt_pp.py
# as the backend, which decodes the PROXY v2 header huginn sends (its own decoder, from
# the specification).  Expected values come from the sender's arguments and from tshark
# (Debian 13 chroot, TRIXIE_DIR) for the hello's JA4:
# - the backend's header carries the balancer's client (source and destination, IPv4 and
#   IPv6, v2 and v1), 0xE0/0xE1 equal to the incoming header's, and 0xE2/0xE3 computed from
#   the hello (tshark's), not the balancer's spoofed 0xE2;
# - a header without TLVs gives no 0xE0/0xE1 (no SYN lookup stands in for them);
# - the access log names the balancer's client;
# - a header from an untrusted peer, a trusted peer without one ("required") and one cut
#   short are refused without reaching the backend and counted in
#   huginn_proxy_protocol_total; an untrusted peer without a header and a trusted peer
#   without one under "optional" are relayed as themselves.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/trixie_lib.sh"
. "$(dirname "$0")/pt_lib.sh"
t_need_root
t_need_tool curl "$PYTHON" tcpdump
t_need_bin "$PROXY"
PROXY=$(cd "$(dirname "$PROXY")" && pwd)/$(basename "$PROXY")
PP="$PYTHON $T_TOP/test/tools/pt_pp.py"

ptl_netns ptpp

HTTP=25500 BP=25501 MP=25502 SINK=25503 REQ=25510 OPT=25511
SIG='4:64+0:0:1460:mss*44,7:mss,sok,ts,nop,ws:df,id+:0'
OS='os=Linux 2.2.x-3.x|dist=0|params=generic'
SPOOF='t13d1516h2_8daaf6152771_e5627efa2ab1'

{
	ptl_conf_head "$HTTP" "$BP" "$MP"
	cat <<EOF

[timeouts]
client_header = 1000

[[passthrough]]
listen = ["127.0.0.1:$REQ", "[::1]:$REQ"]
backends = ["127.0.0.1:$BP"]
proxy_protocol_in = "required"
trusted_proxies = ["127.0.0.2/32", "::1/128"]

[[passthrough]]
listen = ["127.0.0.1:$OPT"]
backends = ["127.0.0.1:$BP"]
proxy_protocol_in = "optional"
trusted_proxies = ["127.0.0.2/32"]
EOF
} >"$T_DIR/config.toml"

t_bg backend t_in "$NS" $PP backend 127.0.0.1 "$BP" "$T_DIR/backend.txt"
t_bg sink t_in "$NS" $PP backend 127.0.0.1 "$SINK" "$T_DIR/sink.txt"
ptl_start "$T_DIR/config.toml" "$T_DIR/backend.log"

$PP hello "$T_DIR/hello.bin" pp.huginn.test
send() { t_in "$NS" $PP send "$@"; }
# last N: the backend's last line, once it has N lines
last() {
	t_wait_for 5 sh -c "[ \$(wc -l <'$T_DIR/backend.txt' 2>/dev/null || echo 0) -ge $1 ]"
	tail -n 1 "$T_DIR/backend.txt"
}
field() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }

# The hello's JA4 from tshark: the same bytes sent straight to a sink, captured.
TX=""
if tx_ensure "$BUILD/trixie"; then
	TX=${TRIXIE_DIR:-$BUILD/trixie}
	CAP=/tmp/huginn-ptppin.$$.pcap
	t_defer "rm -f $TX$CAP"
	t_bg tcpdump t_in "$NS" tcpdump --immediate-mode -U -i lo -w "$TX$CAP" "tcp port $SINK"
	TCPD=$T_PID
	t_wait_for 10 grep -q listening "$T_DIR/tcpdump.log" || t_fail "tcpdump did not start"
	send 127.0.0.1 "$SINK" 127.0.0.1 "$T_DIR/hello.bin" >/dev/null
	sleep 0.5
	t_stop "$TCPD"
	chroot "$TX" tshark -r "$CAP" -Y 'tls.handshake.type==1' -T fields \
		-e tls.handshake.ja4 -e tls.handshake.ja4_r >"$T_DIR/tshark.txt" 2>/dev/null
	WANT_JA4=$(head -n 1 "$T_DIR/tshark.txt" | cut -f1)
	WANT_JA4R=$(head -n 1 "$T_DIR/tshark.txt" | cut -f2)
	[ -n "$WANT_JA4" ] || t_fail "tshark found the ClientHello"
else
	t_skip "JA4 against tshark: no Debian 13 chroot: $TX_WHY"
fi

# ---- a trusted balancer's v2 header with TLVs ------------------------------------------
got=$(send 127.0.0.1 "$REQ" 127.0.0.2 "$T_DIR/hello.bin" v2 203.0.113.7 40001 198.51.100.1 443 \
	"e0=$SIG" "e1=$OS" "e2=$SPOOF" "e3=spoofed_raw")
t_eq "v2 with TLVs: relayed, the backend answered" "$got" "got 3"
l=$(last 1)
t_eq "v2: source = the header's client" "$(field "$l" src)" "203.0.113.7:40001"
t_eq "v2: destination = the header's" "$(field "$l" dst)" "198.51.100.1:443"
t_eq "v2: 0xE0 = the incoming 0xE0" "$(field "$l" te0)" "$SIG"
t_eq "v2: 0xE1 = the incoming 0xE1" "$(field "$l" te1)" "$(echo "$OS" | tr ' ' _)"
t_eq "v2: SNI (0x02) from the hello" "$(field "$l" t02)" "pp.huginn.test"
t_check "v2: 0xE2 is not the balancer's spoofed value" [ "$(field "$l" te2)" != "$SPOOF" ]
t_check "v2: 0xE3 is not the balancer's" [ "$(field "$l" te3)" != "spoofed_raw" ]
if [ -n "$TX" ]; then
	t_eq "v2: 0xE2 = tshark's JA4 of the hello" "$(field "$l" te2)" "$WANT_JA4"
	t_eq "v2: 0xE3 = tshark's JA4_r" "$(field "$l" te3)" "$WANT_JA4R"
fi
t_eq "v2: the hello follows the header unchanged" "$(field "$l" n)" \
	"$(($(wc -c <"$T_DIR/hello.bin") - 5))"
t_wait_for 5 grep -q "203.0.113.7:40001 TUNNEL done" "$T_DIR/proxy.log"
t_check "access log: the balancer's client" grep -q "203.0.113.7:40001 TUNNEL done" \
	"$T_DIR/proxy.log"

# ---- v1, IPv6, no TLVs -------------------------------------------------------------------
got=$(send 127.0.0.1 "$REQ" 127.0.0.2 "$T_DIR/hello.bin" v1 203.0.113.8 40002 198.51.100.2 8443)
l=$(last 2)
t_eq "v1: source and destination" "$got $(field "$l" src) $(field "$l" dst)" \
	"got 3 203.0.113.8:40002 198.51.100.2:8443"
t_eq "v1: no 0xE0/0xE1 (none came, no SYN lookup stands in)" \
	"$(field "$l" te0) $(field "$l" te1)" "- -"
got=$(send ::1 "$REQ" ::1 "$T_DIR/hello.bin" v2 2001:db8::7 40003 2001:db8::1 443 "e0=$SIG")
l=$(last 3)
t_eq "v2 over IPv6: source, destination, 0xE0" \
	"$got $(field "$l" src) $(field "$l" dst) $(field "$l" te0)" \
	"got 3 2001:db8::7:40003 2001:db8::1:443 $SIG"

# ---- refusals ------------------------------------------------------------------------------
got=$(send 127.0.0.1 "$REQ" 127.0.0.3 "$T_DIR/hello.bin" v2 203.0.113.9 40004 198.51.100.1 443)
t_eq "untrusted peer sending v2: closed without an answer" "$got" "got 0"
got=$(send 127.0.0.1 "$REQ" 127.0.0.3 "$T_DIR/hello.bin" v1 203.0.113.9 40005 198.51.100.1 443)
t_eq "untrusted peer sending v1: closed" "$got" "got 0"
got=$(send 127.0.0.1 "$REQ" 127.0.0.2 "$T_DIR/hello.bin")
t_eq "trusted peer without a header (required): closed" "$got" "got 0"
printf '\r\n\r\n\000\r\nQU' >"$T_DIR/half.bin"
got=$(send 127.0.0.1 "$REQ" 127.0.0.2 "$T_DIR/half.bin")
t_eq "trusted peer stopping inside a header: closed (client_header)" "$got" "got 0"
sleep 0.3
t_eq "none of them reached the backend" "$(wc -l <"$T_DIR/backend.txt")" 3
for r in pp_untrusted:2 pp_missing:1 pp_incomplete:1; do
	t_eq "access log: ${r#*:} x RESULT ${r%%:*}" \
		"$(grep -c "TUNNEL ${r%%:*} " "$T_DIR/proxy.log")" "${r#*:}"
done

# ---- relayed as themselves -------------------------------------------------------------------
got=$(send 127.0.0.1 "$REQ" 127.0.0.3 "$T_DIR/hello.bin")
l=$(last 4)
t_eq "untrusted peer without a header: relayed as itself" \
	"$got $(field "$l" src | cut -d: -f1)" "got 3 127.0.0.3"
got=$(send 127.0.0.1 "$OPT" 127.0.0.2 "$T_DIR/hello.bin")
l=$(last 5)
t_eq "trusted peer without a header (optional): relayed as itself" \
	"$got $(field "$l" src | cut -d: -f1)" "got 3 127.0.0.2"

# ---- counts ----------------------------------------------------------------------------------
for r in v2:2 v1:1 untrusted:2 missing:1 incomplete:1 none:1 bad:0; do
	t_eq "huginn_proxy_protocol_total{result=\"${r%%:*}\"}" \
		"$(m "huginn_proxy_protocol_total{result=\"${r%%:*}\"}")" "${r#*:}"
done
t_eq "passthrough connections accepted" "$(m huginn_passthrough_accepted_total)" 9
t_eq "first flights read as TLS (the refused ones never got that far)" \
	"$(m 'huginn_passthrough_connections_total{first_flight="tls"}')" 5
ptl_stop
