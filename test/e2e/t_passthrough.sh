#!/bin/sh
# t_passthrough.sh - passthrough listeners (issue 13) end to end, against real peers.
#
# Server namespace: huginn-ebpf-agent on the veth (port filter = the passthrough port),
# p0f -i on the same veth (the p0f oracle), huginn-proxy with two [[passthrough]] tables,
# and behind it, each terminating TLS after our PROXY v2 header:
#   nginx 1.22 (host, `listen ... ssl proxy_protocol`): $proxy_protocol_addr/_port;
#   haproxy 2.6 (`bind ... ssl crt ... accept-proxy`): %[src] %[src_port] %[fc_pp_authority];
#   nginx 1.26 (Debian 13 chroot, test/e2e/trixie_lib.sh): passes $proxy_protocol_tlv_0xe0..
#   0xe3 as X-TCP-P0F, X-TCP-P0F-OS, X-TLS-JA4, X-TLS-JA4-R to a recording server block;
# and a plain TCP peer (test/tools/pt_peer.py, proxy_protocol "none") for bytes that are
# not TLS.  Client namespace: curl over TLS with --resolve (SNI routing: exact, wildcard,
# default, a refusing backend skipped), captured with tcpdump for tshark's JA4 (the JA4
# oracle), pt_peer.py for half-closes both ways and a tunnel across a SIGHUP, raw bytes for
# an oversized and a slow ClientHello.  Expected values come from curl, p0f, tshark and
# the peers' logs, never from huginn.
# PROXY=build/san/huginn-proxy runs it under ASan/UBSan (and checks for reports).
# Needs root; SKIPs loudly otherwise.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fp_lib.sh"
. "$(dirname "$0")/trixie_lib.sh"

fp_need
t_need_tool haproxy openssl tcpdump ss
fp_setup
FP_PORT=29443 # TLS passthrough, every TLV: captured by the agent, watched by p0f
EPORT=29444   # the not-TLS table (proxy_protocol "none")
BPORT=29445   # TLS passthrough with proxy_protocol_tlvs = ["authority"] for nginx 1.22
HTTP=29400 MPORT=29490
N122=29401 HAP=29402 N126=29403 REC=29404 PEER=29405 DEAD=29406
S4=$T_SADDR4
S6=$T_SADDR6
listening() { fp_s ss -Hltn "sport = :$1" | grep -q LISTEN; }

# ---- certificates, peers ------------------------------------------------------------
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
	-subj /CN=pt.test -keyout "$T_DIR/key.pem" -out "$T_DIR/cert.pem" >"$T_DIR/openssl.log" 2>&1
cat "$T_DIR/cert.pem" "$T_DIR/key.pem" >"$T_DIR/crt.pem"

t_nginx_conf 256
cat >>"$T_DIR/nginx.conf" <<EOF
    log_format pt 'uri=\$request_uri addr=\$proxy_protocol_addr port=\$proxy_protocol_port sni=\$ssl_server_name';
    access_log $T_DIR/n122.log pt;
    server {
        listen 127.0.0.1:$N122 ssl proxy_protocol;
        ssl_certificate $T_DIR/cert.pem;
        ssl_certificate_key $T_DIR/key.pem;
        location / { return 200 "n122 \$request_uri\n"; }
    }
}
EOF
t_nginx_start "$T_SNS"

cat >"$T_DIR/haproxy.cfg" <<EOF
global
    log stdout format raw local0
defaults
    log global
    mode http
    timeout connect 2s
    timeout client 10s
    timeout server 10s
frontend tls
    # HTTP/1.1 only: haproxy 3.0 (Debian 13) offers h2 by ALPN, and %HP then logs the
    # absolute URI; the checks read the path.
    bind 127.0.0.1:$HAP ssl crt $T_DIR/crt.pem alpn http/1.1 accept-proxy
    log-format "hap path=%HP src=%[src] sport=%[src_port] auth=%[fc_pp_authority]"
    http-request return status 200 content-type text/plain string hap
EOF
t_bg haproxy nsenter "$FP_SNET" haproxy -db -f "$T_DIR/haproxy.cfg"
HAP_LOG=$T_DIR/haproxy.log
t_bg peer nsenter "$FP_SNET" "$PYTHON" "$T_TOP/test/tools/pt_peer.py" serve 127.0.0.1 "$PEER" \
	"$T_DIR/peer.log"

TX=""
if tx_ensure "$BUILD/trixie"; then
	TX=${TRIXIE_DIR:-$BUILD/trixie}
	N2=$(mktemp -d "$TX/tmp/huginn-pt.XXXXXX")
	t_defer "rm -rf '$N2'"
	N2IN=${N2#"$TX"}
	mkdir -p "$N2/tmp"
	cp "$T_DIR/cert.pem" "$T_DIR/key.pem" "$N2/"
	cat >"$N2/nginx.conf" <<EOF
worker_processes 1;
user root;
pid $N2IN/nginx.pid;
error_log $N2IN/error.log info;
events { worker_connections 64; }
http {
    client_body_temp_path $N2IN/tmp/body;
    proxy_temp_path $N2IN/tmp/proxy;
    fastcgi_temp_path $N2IN/tmp/fastcgi;
    uwsgi_temp_path $N2IN/tmp/uwsgi;
    scgi_temp_path $N2IN/tmp/scgi;
    log_format rec '\$request_uri	\$http_x_tcp_p0f	\$http_x_tcp_p0f_os	\$http_x_tls_ja4	\$http_x_tls_ja4_r	\$http_x_client';
    server {
        listen 127.0.0.1:$N126 ssl proxy_protocol;
        ssl_certificate $N2IN/cert.pem;
        ssl_certificate_key $N2IN/key.pem;
        access_log off;
        location / {
            proxy_set_header X-TCP-P0F \$proxy_protocol_tlv_0xe0;
            proxy_set_header X-TCP-P0F-OS \$proxy_protocol_tlv_0xe1;
            proxy_set_header X-TLS-JA4 \$proxy_protocol_tlv_0xe2;
            proxy_set_header X-TLS-JA4-R \$proxy_protocol_tlv_0xe3;
            proxy_set_header X-Client \$proxy_protocol_addr:\$proxy_protocol_port;
            proxy_pass http://127.0.0.1:$REC;
        }
    }
    server {
        listen 127.0.0.1:$REC;
        access_log $N2IN/rec.log rec;
        location / { return 200 "rec\n"; }
    }
}
EOF
	t_bg nginx126 nsenter "$FP_SNET" chroot "$TX" nginx -e "$N2IN/stderr.log" -p "$N2IN" \
		-c "$N2IN/nginx.conf" -g 'daemon off;'
else
	t_skip "nginx 1.26 and tshark checks: SKIPPED, no Debian 13 chroot: $TX_WHY"
fi

for port in $N122 $HAP $PEER ${TX:+$N126}; do
	if ! t_wait_for 10 listening "$port"; then
		t_fail "a peer did not start on port $port"
		sed 's/^/#   /' "$T_DIR"/*.log 2>/dev/null | tail -n 20
		exit 1
	fi
done
t_ok "peers listen: nginx 1.22, haproxy 2.6, pt_peer${TX:+, nginx 1.26 (chroot)}"

# ---- huginn -------------------------------------------------------------------------
# conf FILE EXTRA_ROUTE: the config (EXTRA_ROUTE: more [[passthrough.routes]] text)
conf() {
	cat >"$1" <<EOF
[listen]
addrs = ["127.0.0.1:$HTTP"]

[timeouts]
client_header = 1500

[fingerprint]
tcp_enabled = true
p0f_db = "$FP_DB"

[telemetry]
metrics_addr = "127.0.0.1:$MPORT"

[[passthrough]]
listen = ["0.0.0.0:$FP_PORT", "[::]:$FP_PORT"]
backends = ["127.0.0.1:$HAP"]

[[passthrough.routes]]
sni = "n126.test"
backends = ["127.0.0.1:$N126"]

[[passthrough.routes]]
sni = ["*.w.test"]
backends = ["127.0.0.1:$N126"]

[[passthrough.routes]]
sni = "skip.test"
backends = ["127.0.0.1:$DEAD", "127.0.0.1:$HAP"]
$2
# nginx 1.22 reads at most 107 header bytes on an ssl listener: addresses and the SNI
[[passthrough]]
listen = ["0.0.0.0:$BPORT", "[::]:$BPORT"]
backends = ["127.0.0.1:$N122"]
proxy_protocol_tlvs = ["authority"]

[[passthrough]]
listen = ["0.0.0.0:$EPORT"]
backends = ["127.0.0.1:$PEER"]
proxy_protocol = "none"
EOF
}
conf "$T_DIR/proxy.toml" ""
if ! fp_agent agent; then
	t_fail "the agent attached to $T_SIF"
	exit 1
fi
fp_p0f "$FP_PORT"
fp_proxy_up proxy "$T_DIR/proxy.toml" || exit 1
t_ok "proxy /ready is 200 ($(basename "$(dirname "$PROXY")")/$(basename "$PROXY"))"
m() { fp_metric "$MPORT" "$1"; }

# Capture the client's traffic for tshark (inside the chroot, which runs tshark).
if [ -n "$TX" ]; then
	PCAP_IN=$N2IN/client.pcap
	t_bg tcpdump nsenter "$FP_CNET" tcpdump --immediate-mode -U -i "$T_CIF" -w "$N2/client.pcap" \
		"tcp port $FP_PORT"
	TCPDUMP_PID=$T_PID
	t_wait_for 10 grep -q listening "$T_DIR/tcpdump.log" || t_fail "tcpdump did not start"
fi

# tls NAME ADDR PATH LPORT [PORT]: curl through the passthrough (port PORT, default
# $FP_PORT) with SNI NAME; prints "CODE IP PORT"
tls() {
	_p=${5:-$FP_PORT}
	fp_c curl -sk --max-time 10 --local-port "$4" -o "$T_DIR/body.$4" \
		-w '%{http_code} %{local_ip} %{local_port}' \
		--resolve "$1:$_p:$2" "https://$1:$_p$3" 2>>"$T_DIR/curl.err"
}
logged() { t_wait_for 5 grep -q "$2" "$1"; }

# ---- nginx 1.22: the client's real address ----------------------------------------
for fam in 4 6; do
	if [ $fam = 4 ]; then a=$S4; else a="[$S6]"; fi
	got=$(tls n122.test "$a" "/n122/$fam" $((42000 + fam)) "$BPORT")
	ip=$(echo "$got" | cut -d' ' -f2) port=$(echo "$got" | cut -d' ' -f3)
	t_eq "nginx 1.22 (IPv$fam): 200" "$(echo "$got" | cut -d' ' -f1)" 200
	logged "$T_DIR/n122.log" "uri=/n122/$fam "
	t_eq "nginx 1.22 (IPv$fam): \$proxy_protocol_addr/_port = curl's local address and port" \
		"$(grep "uri=/n122/$fam " "$T_DIR/n122.log" | head -n 1)" \
		"uri=/n122/$fam addr=$ip port=$port sni=n122.test"
done

# ---- haproxy 2.6: SNI and address (the default route) -------------------------------
for fam in 4 6; do
	if [ $fam = 4 ]; then a=$S4; else a="[$S6]"; fi
	got=$(tls hap.test "$a" "/hap/$fam" $((42010 + fam)))
	t_eq "haproxy (IPv$fam, default route): 200" "$(echo "$got" | cut -d' ' -f1)" 200
	logged "$HAP_LOG" "path=/hap/$fam "
	t_eq "haproxy (IPv$fam): %[src] %[src_port] = curl's end, %[fc_pp_authority] = the SNI" \
		"$(grep "path=/hap/$fam " "$HAP_LOG" | head -n 1)" \
		"hap path=/hap/$fam src=$(echo "$got" | cut -d' ' -f2) sport=$((42010 + fam)) auth=hap.test"
done
# wildcard: *.w.test takes a.w.test and a.b.w.test, not w.test itself (default: haproxy)
if [ -n "$TX" ]; then
	tls a.w.test "$S4" /w1 42017 >/dev/null
	tls a.b.w.test "$S4" /w2 42018 >/dev/null
	t_check "wildcard *.w.test: a.w.test and a.b.w.test went to nginx 1.26" \
		t_wait_for 5 sh -c "grep -q '^/w1	' '$N2/rec.log' && grep -q '^/w2	' '$N2/rec.log'"
fi
tls w.test "$S4" /w0 42019 >/dev/null
logged "$HAP_LOG" "path=/w0 "
t_check "wildcard *.w.test does not take w.test (default route: haproxy)" \
	grep -q "path=/w0 .*auth=w.test" "$HAP_LOG"

# ---- a refusing backend is skipped ---------------------------------------------------
ref0=$(m 'huginn_passthrough_backend_errors_total{kind="refused"}')
ok=0
for i in 1 2 3; do
	got=$(tls skip.test "$S4" "/skip/$i" $((42020 + i)))
	[ "$(echo "$got" | cut -d' ' -f1)" = 200 ] && ok=$((ok + 1))
done
t_eq "skip.test (backends: a refusing port, haproxy): 3 of 3 answered" "$ok" 3
ref=$(($(m 'huginn_passthrough_backend_errors_total{kind="refused"}') - ref0))
[ "$ref" -ge 1 ]
t_eq "the refusing backend was tried and counted ($ref refused)" "$?" 0

# ---- nginx 1.26: our TLVs equal p0f's and tshark's values ----------------------------
if [ -n "$TX" ]; then
	for fam in 4 6; do
		if [ $fam = 4 ]; then a=$S4; else a="[$S6]"; fi
		lp=$((42030 + fam))
		got=$(tls n126.test "$a" "/n126/$fam" "$lp")
		t_eq "nginx 1.26 (IPv$fam, exact route): 200" "$(echo "$got" | cut -d' ' -f1)" 200
		logged "$N2/rec.log" "^/n126/$fam	"
		line=$(grep "^/n126/$fam	" "$N2/rec.log" | head -n 1)
		raw=$(fp_p0f_raw "$lp")
		os=$(fp_p0f_label "$lp")
		t_eq "nginx 1.26 (IPv$fam): X-TCP-P0F (0xE0) = p0f raw_sig" \
			"$(echo "$line" | cut -f2)" "$raw"
		t_eq "nginx 1.26 (IPv$fam): X-TCP-P0F-OS (0xE1) = p0f's os|dist|params|link|mtu" \
			"$(echo "$line" | cut -f3)" "$os"
		t_eq "nginx 1.26 (IPv$fam): X-Client = curl's end" "$(echo "$line" | cut -f6)" \
			"$(echo "$got" | cut -d' ' -f2):$lp"
		echo "$line" | cut -f4,5 >"$T_DIR/ja4.$lp"
	done
	sleep 0.5
	t_stop "$TCPDUMP_PID"
	chroot "$TX" tshark -r "$PCAP_IN" -Y 'tls.handshake.type==1' -T fields -e tcp.srcport \
		-e tls.handshake.ja4 -e tls.handshake.ja4_r >"$T_DIR/tshark.txt" 2>"$T_DIR/tshark.err"
	for lp in 42034 42036; do
		want=$(awk -v p="$lp" '$1 == p { print $2 "\t" $3; exit }' "$T_DIR/tshark.txt")
		if [ -z "$want" ]; then
			t_fail "tshark found no ClientHello from port $lp"
			sed 's/^/#   /' "$T_DIR/tshark.err" | head -5
			continue
		fi
		t_eq "nginx 1.26 (port $lp): X-TLS-JA4, X-TLS-JA4-R (0xE2, 0xE3) = tshark's JA4, JA4_r" \
			"$(cat "$T_DIR/ja4.$lp")" "$want"
	done
	JA4_4=$(cut -f1 "$T_DIR/ja4.42034")
fi

# ---- the access log -------------------------------------------------------------------
t_wait_for 5 grep -q ":42034 TUNNEL " "$T_DIR/proxy.out"
if [ -n "$TX" ]; then
	line=$(grep ":42034 TUNNEL " "$T_DIR/proxy.out" | head -n 1)
	t_eq "access log: client, result, kind, SNI, backend, JA4 of the n126 connection" \
		"$(echo "$line" | cut -d' ' -f2-4,8-11)" \
		"$T_CADDR4:42034 TUNNEL done tls n126.test 127.0.0.1:$N126 $JA4_4"
	t_eq "access log: p0f signature and label" "$(echo "$line" | cut -d' ' -f12-)" \
		"$(fp_p0f_raw 42034) $(fp_p0f_label 42034)"
fi

# ---- bytes that are not TLS, half-closes ------------------------------------------------
peer() { fp_c "$PYTHON" "$T_TOP/test/tools/pt_peer.py" "$@"; }
nt0=$(m 'huginn_passthrough_connections_total{first_flight="not_tls"}')
got=$(peer echo "$S4" "$EPORT" 200000)
t_eq "not TLS: 200005 bytes relayed unchanged; the client shut its side and still got the rest" \
	"$got" "sent 200005 got 200016 tail bye 200005"
t_eq "not TLS: counted" \
	"$(($(m 'huginn_passthrough_connections_total{first_flight="not_tls"}') - nt0))" 1
got=$(peer srvfirst "$S4" "$EPORT" 5000)
t_eq "the backend shut its side first: the client read its end" "$got" "got srv-done"
t_wait_for 5 grep -q "^srvfirst" "$T_DIR/peer.log"
t_eq "... and the backend still received the client's 5000 bytes after it" \
	"$(grep "^srvfirst" "$T_DIR/peer.log" | head -n 1)" "srvfirst 5000"
t_wait_for 5 grep -q "TUNNEL done 200005 200016 " "$T_DIR/proxy.out"
t_check "access log: the echo tunnel's bytes each way (200005 up, 200016 down)" \
	grep -q "TUNNEL done 200005 200016 [0-9.]* tcp - 127.0.0.1:$PEER - - -\$" "$T_DIR/proxy.out"

# ---- an oversized and a slow ClientHello -------------------------------------------------
big0=$(m 'huginn_passthrough_connections_total{first_flight="too_large"}')
slow0=$(m 'huginn_passthrough_connections_total{first_flight="slow"}')
# record header, then a client_hello whose length (0x010000) is over max_hello_bytes
got=$(peer raw "$S4" "$FP_PORT" 160301400001010000 5)
t_eq "oversized ClientHello: closed at once, nothing sent back" \
	"$(echo "$got" | sed 's/after [0-9.]* s/after S s/')" "closed after S s, got 0 bytes"
t_eq "oversized ClientHello: counted" \
	"$(($(m 'huginn_passthrough_connections_total{first_flight="too_large"}') - big0))" 1
got=$(peer raw "$S4" "$FP_PORT" 16030100 6)
case $got in
"closed after 1."* | "closed after 2."*) t_ok "slow ClientHello: closed after client_header (1.5 s): $got" ;;
*) t_fail "slow ClientHello: closed after client_header (1.5 s): $got" ;;
esac
t_eq "slow ClientHello: counted" \
	"$(($(m 'huginn_passthrough_connections_total{first_flight="slow"}') - slow0))" 1
t_check "access log: too_large and slow lines" sh -c \
	"grep -q ' TUNNEL too_large ' '$T_DIR/proxy.out' && grep -q ' TUNNEL slow ' '$T_DIR/proxy.out'"

# ---- SIGHUP: tunnels go on, the new routes apply ---------------------------------------
rl0=$(m huginn_config_reloads_total)
rm -f "$T_DIR/halfway"
fp_c "$PYTHON" "$T_TOP/test/tools/pt_peer.py" echo "$S4" "$EPORT" 100000 3 "$T_DIR/halfway" \
	>"$T_DIR/hup.out" 2>&1 &
HUP_CLIENT=$!
t_wait_for 5 test -e "$T_DIR/halfway"
conf "$T_DIR/proxy.toml" "
[[passthrough.routes]]
sni = \"new.test\"
backends = [\"127.0.0.1:$HAP\"]
"
kill -HUP "$PROXY_PID"
t_wait_for 5 grep -q "reloaded $T_DIR/proxy.toml" "$T_DIR/proxy.err"
wait "$HUP_CLIENT"
t_eq "a tunnel open across SIGHUP carried all its bytes" "$(cat "$T_DIR/hup.out")" \
	"sent 100005 got 100016 tail bye 100005"
t_eq "SIGHUP reloaded once" "$(($(m huginn_config_reloads_total) - rl0))" 1
got=$(tls new.test "$S4" /new 42040)
logged "$HAP_LOG" "path=/new "
t_check "after the reload the new route new.test goes to haproxy" grep -q "path=/new .*auth=new.test" "$HAP_LOG"

# ---- metrics, stop --------------------------------------------------------------------
fp_metrics "$MPORT" >"$T_DIR/metrics.txt"
t_check "huginn_passthrough_bytes_total counts both directions" sh -c \
	"[ \$(awk '\$1 ~ /direction=\"client_to_backend\"/ { print \$2 }' '$T_DIR/metrics.txt') -ge 300010 ]"
t_eq "no tunnel left open" "$(t_metric_of "$T_DIR/metrics.txt" huginn_passthrough_active_connections)" 0
t_stop "$PROXY_PID" 15
t_eq "proxy exits 0 on SIGTERM" "$T_RC" 0
t_san_check "$T_DIR/proxy.err"
t_stop "$AGENT_PID" 15
[ "$T_FAILS" -eq 0 ]
