#!/bin/sh
# t_ja4_tshark.sh - `huginn-proxy fingerprint FILE` prints for every TLS ClientHello the
# JA4 and JA4_r that Wireshark computes (tshark 4.4 from a Debian 13 chroot: an
# independent implementation).
#
#  1. live: real clients (curl, openssl s_client -tls1_2 / -tls1_3, Python ssl; cipher,
#     ALPN and SNI settings; a HelloRetryRequest) against a local `openssl s_server`,
#     captured with tcpdump on lo; for every ClientHello (matched by client port, two for
#     the HRR connection) our ja4 and ja4_r equal tshark's on the same capture;
#  2. the committed captures test/data/tls/*.pcap: the first hello of each equals
#     tshark's value stored in test/data/tls/expected.txt;
#  3. crafted: test/tools/hello_pcaps.py re-sends the first live hello out of order,
#     retransmitted, overlapping, with a hole at byte 0, in three records, across a
#     sequence wrap, without the handshake (mid-stream), behind HTTP CONNECT / SOCKS4a /
#     SOCKS5 preambles, over VLAN / QinQ / Linux cooked v1 and v2 / raw IP (101, 12, 14)
#     / BSD NULL (both byte orders) and LOOP / IPv6, in a big-endian pcap, plus editcap's
#     pcapng and nanosecond pcap; each must give the original's value, and tshark's on
#     the same file where tshark reads TLS there (not after a proxy preamble);
#  4. the SYN lines are still there (one per connection) in the live capture.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/trixie_lib.sh"

t_need_root
t_need_tool tcpdump openssl curl
PROXY=${PROXY:-$BUILD/huginn-proxy}
t_need_bin "$PROXY"
PY3=/usr/bin/python3
if ! tx_ensure "$BUILD/trixie"; then
	t_skip "no tshark 4.4 to compare with: $TX_WHY"
	exit 0
fi
TX=${TRIXIE_DIR:-$BUILD/trixie}
TXW=/tmp/$T_NAME.$$
mkdir -p "$TX$TXW"
t_defer "rm -rf '$TX$TXW'"

port=$((20000 + $$ % 20000))
hport=$((port + 1))

# ours PCAP: "client-port ja4 ja4_r" per ClientHello line, in output order.
ours() {
	"$PROXY" fingerprint "$1" | sed -n \
		's/^cli=[^|]*\/\([0-9]*\)|srv=[^|]*|sni=[^|]*|ja4=\([^|]*\)|ja4_r=\([^|]*\)|ja4_o=[^|]*|ja4_ro=.*$/\1 \2 \3/p'
}

# theirs PCAP PORT...: tshark's "client-port ja4 ja4_r" per ClientHello, in frame order.
theirs() {
	f=$1
	shift
	cp "$f" "$TX$TXW/in"
	set -- $(for p in "$@"; do echo "-d tcp.port==$p,tls"; done)
	chroot "$TX" tshark -r "$TXW/in" -o tcp.reassemble_out_of_order:TRUE "$@" \
		-Y tls.handshake.type==1 -T fields -E separator=' ' -e tcp.srcport \
		-e tls.handshake.ja4 -e tls.handshake.ja4_r 2>/dev/null
}

# ---- 1. live clients -----------------------------------------------------------------
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
	-subj /CN=huginn.test -keyout "$T_DIR/key.pem" -out "$T_DIR/cert.pem" 2>/dev/null
t_bg server openssl s_server -accept "127.0.0.1:$port" -cert "$T_DIR/cert.pem" \
	-key "$T_DIR/key.pem" -www -alpn h2,http/1.1 -cipher 'ALL:@SECLEVEL=0'
# Accepts X25519 only: a client offering a P-256 key share gets a HelloRetryRequest.
t_bg hrr_server openssl s_server -accept "127.0.0.1:$hport" -cert "$T_DIR/cert.pem" \
	-key "$T_DIR/key.pem" -www -tls1_3 -groups X25519
t_wait_for 5 grep -q ACCEPT "$T_DIR/server.log" || t_fail "s_server did not start"
t_wait_for 5 grep -q ACCEPT "$T_DIR/hrr_server.log" || t_fail "s_server (HRR) did not start"
t_bg tcpdump tcpdump -i lo -U -s 0 -w "$T_DIR/live.pcap" "tcp port $port or tcp port $hport"
tdpid=$T_PID
t_wait_for 5 grep -q "listening on" "$T_DIR/tcpdump.log" || t_fail "tcpdump did not start"

n=0
client() {
	n=$((n + 1))
	timeout 10 "$@" </dev/null >>"$T_DIR/clients.log" 2>&1
}
res="--resolve huginn.test:$port:127.0.0.1"
url="https://huginn.test:$port/"
sc="openssl s_client -connect 127.0.0.1:$port"
client curl -sk $res "$url"
client curl -sk --http1.1 "https://127.0.0.1:$port/"
client curl -sk --tlsv1.2 --tls-max 1.2 \
	--ciphers 'ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256' $res "$url"
client curl -sk --tlsv1.3 --tls13-ciphers TLS_AES_128_GCM_SHA256 $res "$url"
client $sc -tls1_2 -servername a.huginn.test
client $sc -tls1_3 -servername b.huginn.test -alpn h2
client $sc -tls1_3 -noservername -ciphersuites TLS_CHACHA20_POLY1305_SHA256
client $sc -tls1_2 -noservername -cipher AES128-SHA -no_ticket
client "$PY3" -c "
import socket, ssl
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
with socket.create_connection(('127.0.0.1', $port)) as raw:
    with ctx.wrap_socket(raw, server_hostname='py.huginn.test') as t:
        t.sendall(b'GET / HTTP/1.0\r\n\r\n')
        t.recv(100)
"
client "$PY3" -c "
import socket, ssl
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
ctx.set_ciphers('ECDHE+AESGCM')
ctx.set_alpn_protocols(['h2', 'http/1.1'])
with socket.create_connection(('127.0.0.1', $port)) as raw:
    with ctx.wrap_socket(raw) as t:
        t.sendall(b'GET / HTTP/1.0\r\n\r\n')
        t.recv(100)
"
client openssl s_client -connect "127.0.0.1:$hport" -tls1_3 -groups P-256:X25519 \
	-servername hrr.huginn.test
# Complete once every connection (client port) has sent its FIN or RST to the server.
fins() {
	[ "$(tcpdump -nn -r "$T_DIR/live.pcap" "tcp[tcpflags] & (tcp-fin|tcp-rst) != 0 and \
		(dst port $port or dst port $hport)" 2>/dev/null |
		sed -n 's/.* 127\.0\.0\.1\.\([0-9]*\) > .*/\1/p' | sort -u | wc -l)" -ge "$n" ]
}
t_wait_for 5 fins || t_fail "not every client connection ended in the capture"
t_stop "$tdpid" 5

ours "$T_DIR/live.pcap" | sort >"$T_DIR/live.ours"
theirs "$T_DIR/live.pcap" "$port" "$hport" | sort >"$T_DIR/live.theirs"
t_check "live: tshark read $n or more ClientHellos" \
	test "$(wc -l <"$T_DIR/live.theirs")" -ge "$n"
# One ok line per ClientHello, matched by client port and order.
while read -r p j r; do
	if grep -qx "$p $j $r" "$T_DIR/live.ours"; then
		t_ok "live: client port $p: ja4 $j and ja4_r as tshark"
	else
		t_fail "live: client port $p: tshark says $j $r; ours: $(grep "^$p " \
			"$T_DIR/live.ours" | tr '\n' ';')"
	fi
done <"$T_DIR/live.theirs"
t_eq "live: the same ClientHello lines as tshark, no more" "$(cat "$T_DIR/live.ours")" \
	"$(cat "$T_DIR/live.theirs")"
hrr_port=$(tcpdump -r "$T_DIR/live.pcap" -nn "dst port $hport and \
	tcp[tcpflags] & tcp-syn != 0" 2>/dev/null | sed -n 's/.*127\.0\.0\.1\.\([0-9]*\) >.*/\1/p' |
	head -n 1)
t_eq "live: the HelloRetryRequest connection has two ClientHellos" \
	"$(grep -c "^$hrr_port " "$T_DIR/live.ours")" 2
t_eq "live: one SYN line per connection, beside the TLS lines" \
	"$("$PROXY" fingerprint "$T_DIR/live.pcap" | grep -c '|raw_sig=')" "$n"
t_check "live: sni= empty for a client that sends none" \
	grep -q "^cli=127.0.0.1/[0-9]*|srv=127.0.0.1/$port|sni=|ja4=t1[23]i" \
	"$("$PROXY" fingerprint "$T_DIR/live.pcap" >"$T_DIR/live.out" && echo "$T_DIR/live.out")"

# ---- 2. committed captures -----------------------------------------------------------
data=$T_TOP/test/data/tls
grep -v '^#' "$data/expected.txt" | while IFS="$(printf '\t')" read -r f j r; do
	got=$(ours "$data/$f" | head -n 1 | cut -d' ' -f2-)
	if [ "$got" = "$j $r" ]; then
		echo "ok - committed $f: ja4 and ja4_r as tshark ($j)"
	else
		echo "not ok - committed $f: want $j, got ${got:-nothing}"
	fi
done >"$T_DIR/committed.out"
cat "$T_DIR/committed.out"
m=$(grep -c '^not ok' "$T_DIR/committed.out")
T_FAILS=$((T_FAILS + m))
t_check "committed: every capture of expected.txt checked" \
	test "$(grep -c '^ok' "$T_DIR/committed.out")" -ge 21

# ---- 3. crafted captures -------------------------------------------------------------
if ! "$PY3" -c 'import scapy' 2>/dev/null; then
	t_skip "crafted captures: no scapy for $PY3"
	[ "$T_FAILS" -eq 0 ]
	exit
fi
mkdir -p "$T_DIR/crafted"
"$PY3" "$T_TOP/test/tools/hello_pcaps.py" "$T_DIR/live.pcap" "$T_DIR/crafted" \
	>"$T_DIR/crafted.list" 2>"$T_DIR/crafted.err" || t_fail "hello_pcaps.py: $(cat "$T_DIR/crafted.err")"
# The original: the first ClientHello of the live capture (the first client's).
want=$(theirs "$T_DIR/live.pcap" "$port" "$hport" | head -n 1 | cut -d' ' -f2-)
# Formats written by Wireshark's own editcap (host or chroot): pcapng, nanosecond pcap.
for fmt in pcapng nsecpcap; do
	if command -v editcap >/dev/null 2>&1; then
		editcap -F "$fmt" "$T_DIR/crafted/split_ooo_dup.pcap" "$T_DIR/crafted/ooo_$fmt.pcap" &&
			printf 'ooo_%s\t1\n' "$fmt" >>"$T_DIR/crafted.list"
	fi
done
while IFS="$(printf '\t')" read -r name ts; do
	f=$T_DIR/crafted/$name.pcap
	got=$(ours "$f" | cut -d' ' -f2-)
	t_eq "crafted $name: the original's ja4 and ja4_r" "$got" "$want"
	if [ "$ts" = 1 ]; then
		t_eq "crafted $name: tshark on the same file agrees" \
			"$(theirs "$f" 443 | cut -d' ' -f2-)" "$got"
	fi
done <"$T_DIR/crafted.list"
t_check "crafted: more than 20 files checked" test "$(wc -l <"$T_DIR/crafted.list")" -gt 20
[ "$T_FAILS" -eq 0 ]
