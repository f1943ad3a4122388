#!/bin/sh
# t_pp_interop.sh - pp/ (the PROXY protocol codec) against real peers on loopback, with the
# expected values taken from the peers, never from pp/ itself:
# - haproxy 2.6 as a SENDER (send-proxy, send-proxy-v2, and proxy-v2-options
#   authority,crc32c behind a TLS frontend): test/tools/pp_capture.py saves the bytes,
#   test/tools/pp_decode must find the client address and port curl reports
#   (%{local_ip} %{local_port}), the frontend address, the SNI curl sent and a CRC32C
#   that haproxy computed;
# - haproxy 2.6 as a RECEIVER (accept-proxy): test/tools/pp_send sends our v2 header,
#   haproxy's log (%[src] %[src_port] %[dst] %[dst_port] %[fc_pp_authority]) shows our
#   values; a LOCAL header gives the real endpoints; a corrupted CRC32C is refused;
# - nginx 1.22 (host) as a RECEIVER: $proxy_protocol_addr/_port/_server_addr/_server_port;
# - nginx 1.26 (Debian 13 chroot, test/e2e/trixie_lib.sh) as a RECEIVER:
#   $proxy_protocol_tlv_authority and $proxy_protocol_tlv_0xe0..0xe3 carry our TLVs.
# PP_KEEP=DIR copies the haproxy captures there (seeds for test/fuzz/corpus/fuzz_pp/).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/trixie_lib.sh"
t_need_root
t_need_tool haproxy nginx curl openssl ss

DEC=$BUILD/tools/pp_decode
SEND=$BUILD/tools/pp_send
if [ -z "${PYTHON:-}" ]; then
	if [ -x /usr/bin/python3 ]; then PYTHON=/usr/bin/python3; else PYTHON=python3; fi
fi
for t in "$DEC" "$SEND"; do
	if [ ! -x "$t" ]; then
		t_fail "test tool $t is missing (make $t)"
		exit 1
	fi
done

B=$((29000 + ($$ % 98) * 10))
CAP=$B F1=$((B + 1)) F2=$((B + 2)) F3=$((B + 3)) F6=$((B + 4)) F61=$((B + 5))
RH=$((B + 6)) RN=$((B + 7)) RT=$((B + 8))
CAPD=$T_DIR/cap
mkdir -p "$CAPD"

listening() { ss -Hltn "sport = :$1" | grep -q LISTEN; }
kv() { sed -n "s/^$2=//p" "$1" | head -n 1; }

# ---- haproxy: senders (mode tcp) and one receiver (mode http), one process ----------
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
	-subj /CN=pp.example.test -keyout "$T_DIR/key.pem" -out "$T_DIR/cert.pem" \
	>"$T_DIR/openssl.log" 2>&1
cat "$T_DIR/cert.pem" "$T_DIR/key.pem" >"$T_DIR/crt.pem"

cat >"$T_DIR/haproxy.cfg" <<CFG
global
    log stdout format raw local0
defaults
    log global
    timeout connect 2s
    timeout client 10s
    timeout server 10s
frontend s_v1
    mode tcp
    bind 127.0.0.1:$F1
    default_backend b_v1
frontend s_v2
    mode tcp
    bind 127.0.0.1:$F2
    default_backend b_v2
frontend s_tls
    mode tcp
    bind 127.0.0.1:$F3 ssl crt $T_DIR/crt.pem
    default_backend b_v2opt
frontend s_v6
    mode tcp
    bind [::1]:$F6
    default_backend b_v2
frontend s_v6v1
    mode tcp
    bind [::1]:$F61
    default_backend b_v1
backend b_v1
    mode tcp
    server s 127.0.0.1:$CAP send-proxy
backend b_v2
    mode tcp
    server s 127.0.0.1:$CAP send-proxy-v2
backend b_v2opt
    mode tcp
    server s 127.0.0.1:$CAP send-proxy-v2 proxy-v2-options authority,crc32c
frontend r
    mode http
    bind 127.0.0.1:$RH accept-proxy
    log-format "pp path=%HP src=%[src] sport=%[src_port] dst=%[dst] dport=%[dst_port] auth=%[fc_pp_authority]"
    http-request return status 200 content-type text/plain string ok
CFG

t_bg capture "$PYTHON" "$T_TOP/test/tools/pp_capture.py" 127.0.0.1 "$CAP" "$CAPD"
t_bg haproxy haproxy -db -f "$T_DIR/haproxy.cfg"
HAP_LOG=$T_DIR/haproxy.log
if ! t_wait_for 10 listening "$CAP" || ! t_wait_for 10 listening "$RH"; then
	t_fail "haproxy or the capture listener did not start"
	sed 's/^/#   /' "$HAP_LOG" "$T_DIR/capture.log" | head -20
	exit 1
fi

# sender CASE URL VERSION DST_IP DST_PORT [CURL ARGS...]: one connection through haproxy
sender() {
	name=$1 url=$2 ver=$3 dip=$4 dport=$5
	shift 5
	got=$(curl -s -o /dev/null --max-time 10 -w '%{local_ip} %{local_port}' "$@" "$url")
	cip=${got% *}
	cport=${got#* }
	if ! t_wait_for 5 test -s "$CAPD/$name.bin"; then
		t_fail "haproxy sender $name: nothing captured (curl said '$got')"
		return 1
	fi
	"$DEC" "$CAPD/$name.bin" >"$T_DIR/$name.dec"
	if grep -qE '^rc=[1-9][0-9]*$' "$T_DIR/$name.dec"; then
		t_ok "haproxy $name: decoded"
	else
		t_fail "haproxy $name: decoded"
		sed 's/^/#   /' "$T_DIR/$name.dec"
	fi
	t_eq "haproxy $name: version" "$(kv "$T_DIR/$name.dec" version)" "$ver"
	t_eq "haproxy $name: source = curl's end" \
		"$(kv "$T_DIR/$name.dec" src) $(kv "$T_DIR/$name.dec" src_port)" "$cip $cport"
	t_eq "haproxy $name: destination = the frontend" \
		"$(kv "$T_DIR/$name.dec" dst) $(kv "$T_DIR/$name.dec" dst_port)" "$dip $dport"
	t_eq "haproxy $name: the client's bytes follow" "$(kv "$T_DIR/$name.dec" rest)" \
		"GET /$name HTTP/1.1"
}

sender v1 "http://127.0.0.1:$F1/v1" 1 127.0.0.1 "$F1"
sender v2 "http://127.0.0.1:$F2/v2" 2 127.0.0.1 "$F2"
t_eq "haproxy v2: PROXY command" "$(kv "$T_DIR/v2.dec" command)" PROXY
t_eq "haproxy v2: TCP over IPv4" "$(kv "$T_DIR/v2.dec" fam)" 0x11
sender v6 "http://[::1]:$F6/v6" 2 ::1 "$F6" -g
t_eq "haproxy v6: TCP over IPv6" "$(kv "$T_DIR/v6.dec" fam)" 0x21
sender v6v1 "http://[::1]:$F61/v6v1" 1 ::1 "$F61" -g
t_check "haproxy v6v1: a TCP6 line" grep -q '^PROXY TCP6 ::1 ::1 ' "$CAPD/v6v1.bin"
sender tls "https://pp.example.test:$F3/tls" 2 127.0.0.1 "$F3" -k \
	--resolve "pp.example.test:$F3:127.0.0.1"
t_eq "haproxy tls: authority = the SNI curl sent" "$(kv "$T_DIR/tls.dec" authority)" \
	pp.example.test
t_eq "haproxy tls: haproxy's CRC32C verified" "$(kv "$T_DIR/tls.dec" crc32c)" 1
# haproxy's checksum, one bit off, must be refused (our CRC-32C is what haproxy computes)
if [ -s "$CAPD/tls.bin" ]; then
	"$PYTHON" -c 'import sys
d = bytearray(open(sys.argv[1], "rb").read())
i = d.find(b"\x03\x00\x04")
d[i + 3] ^= 0x80
open(sys.argv[2], "wb").write(d)' "$CAPD/tls.bin" "$T_DIR/tls-badcrc.bin"
	"$DEC" "$T_DIR/tls-badcrc.bin" >"$T_DIR/tls-badcrc.dec"
	t_eq "haproxy tls, CRC bit flipped: refused" "$(kv "$T_DIR/tls-badcrc.dec" err)" \
		"v2 crc32c"
fi
if [ -n "${PP_KEEP:-}" ]; then
	mkdir -p "$PP_KEEP"
	cp "$CAPD"/*.bin "$PP_KEEP"/
fi

# ---- haproxy as a receiver of our header ------------------------------------------
P0F='4:64+0:0:1460:mss*44,7:mss,sok,ts,nop,ws:df,id+:0'
OS='Linux 2.2.x-3.x'
JA4='t13d1516h2_8daaf6152771_02713d6af862'
JA4R='t13d1516h2_002f,0035_0005,000a_0403,0804'
TLVS="-t 02=sni.example.test -t e0=$P0F -t e2=$JA4 -t e3=$JA4R"

# receiver NAME PORT PATH EXPECTED_LINE_REGEX SEND_ARGS...: our header, then a log line
hap_recv() {
	name=$1 path=$2 want=$3
	shift 3
	t_check "haproxy receiver $name: answered" "$SEND" -p "$path" "$@" 127.0.0.1 "$RH"
	if t_wait_for 5 grep -q "^pp path=$path " "$HAP_LOG"; then
		t_eq "haproxy receiver $name: logged" \
			"$(grep "^pp path=$path " "$HAP_LOG" | head -n 1)" "$want"
	else
		t_fail "haproxy receiver $name: no log line for $path"
	fi
}
# shellcheck disable=SC2086
hap_recv v4 /r4 "pp path=/r4 src=192.0.2.10 sport=40001 dst=198.51.100.20 dport=443 auth=sni.example.test" \
	-s 192.0.2.10 40001 -d 198.51.100.20 443 $TLVS -t "e1=$OS" -c
hap_recv v6 /r6 "pp path=/r6 src=2001:db8::10 sport=40002 dst=2001:db8::20 dport=8443 auth=v6.example.test" \
	-s 2001:db8::10 40002 -d 2001:db8::20 8443 -t 02=v6.example.test -c
hap_recv bare /rbare "pp path=/rbare src=203.0.113.5 sport=1 dst=203.0.113.6 dport=65535 auth=-" \
	-s 203.0.113.5 1 -d 203.0.113.6 65535
# LOCAL: haproxy uses the real connection (2.2): our ephemeral port, its own listener
t_check "haproxy receiver local: answered" "$SEND" -p /rlocal -L 127.0.0.1 "$RH"
if t_wait_for 5 grep -qE "^pp path=/rlocal src=127\.0\.0\.1 sport=[0-9]+ dst=127\.0\.0\.1 dport=$RH auth=-\$" "$HAP_LOG"; then
	t_ok "haproxy receiver local: logged with the real endpoints"
else
	t_fail "haproxy receiver local: logged with the real endpoints"
	grep '/rlocal' "$HAP_LOG" | sed 's/^/#   /'
fi
if "$SEND" -p /rbadcrc -s 192.0.2.10 40003 -d 198.51.100.20 443 -c -x 127.0.0.1 "$RH" \
	>"$T_DIR/badcrc.out" 2>&1; then
	t_fail "haproxy receiver: a wrong CRC32C was accepted"
else
	t_ok "haproxy receiver: a wrong CRC32C is refused"
fi
t_check "haproxy receiver: no log line for the wrong CRC32C" sh -c "! grep -q 'path=/rbadcrc' '$HAP_LOG'"

# ---- nginx receivers ----------------------------------------------------------------
# nginx_conf DIR PORT LOG_FORMAT: a minimal nginx that logs what the header carried
nginx_conf() {
	mkdir -p "$1/tmp"
	cat >"$1/nginx.conf" <<CFG
worker_processes 1;
user root;
pid $1/nginx.pid;
error_log $1/error.log info;
events { worker_connections 64; }
http {
    client_body_temp_path $1/tmp/body;
    proxy_temp_path $1/tmp/proxy;
    fastcgi_temp_path $1/tmp/fastcgi;
    uwsgi_temp_path $1/tmp/uwsgi;
    scgi_temp_path $1/tmp/scgi;
    log_format pp '$3';
    access_log $1/access.log pp;
    server {
        listen 127.0.0.1:$2 proxy_protocol;
        location / { return 200 "ok\n"; }
    }
}
CFG
}

# nginx_recv NAME LOGFILE PORT PATH WANT SEND_ARGS...
nginx_recv() {
	name=$1 log=$2 port=$3 path=$4 want=$5
	shift 5
	t_check "$name: answered" "$SEND" -p "$path" "$@" 127.0.0.1 "$port"
	if t_wait_for 5 grep -q "uri=$path\$" "$log"; then
		t_eq "$name: logged" "$(grep "uri=$path\$" "$log" | head -n 1)" "$want"
	else
		t_fail "$name: no log line for $path"
	fi
}

N1=$T_DIR/n122
nginx_conf "$N1" "$RN" 'addr=$proxy_protocol_addr port=$proxy_protocol_port saddr=$proxy_protocol_server_addr sport=$proxy_protocol_server_port uri=$request_uri'
t_bg nginx122 nginx -e "$N1/stderr.log" -p "$N1" -c "$N1/nginx.conf" -g 'daemon off;'
if t_wait_for 10 listening "$RN"; then
	# shellcheck disable=SC2086
	nginx_recv "nginx 1.22 v4" "$N1/access.log" "$RN" /n4 \
		"addr=192.0.2.10 port=40001 saddr=198.51.100.20 sport=443 uri=/n4" \
		-s 192.0.2.10 40001 -d 198.51.100.20 443 $TLVS -t "e1=$OS" -c
	nginx_recv "nginx 1.22 v6" "$N1/access.log" "$RN" /n6 \
		"addr=2001:db8::10 port=40002 saddr=2001:db8::20 sport=8443 uri=/n6" \
		-s 2001:db8::10 40002 -d 2001:db8::20 8443
else
	t_fail "nginx 1.22 did not start"
	sed 's/^/#   /' "$T_DIR/nginx122.log" "$N1/error.log" 2>/dev/null | head -20
fi

if tx_ensure "$BUILD/trixie"; then
	TX=${TRIXIE_DIR:-$BUILD/trixie}
	N2=$(mktemp -d "$TX/tmp/huginn-pp.XXXXXX")
	t_defer "rm -rf '$N2'"
	N2IN=${N2#"$TX"}
	nginx_conf "$N2" "$RT" 'addr=$proxy_protocol_addr port=$proxy_protocol_port auth=$proxy_protocol_tlv_authority e0=$proxy_protocol_tlv_0xe0 e1=$proxy_protocol_tlv_0xe1 e2=$proxy_protocol_tlv_0xe2 e3=$proxy_protocol_tlv_0xe3 uri=$request_uri'
	# the paths in the file are the host's; inside the chroot they lose the prefix
	sed -i "s|$N2|$N2IN|g" "$N2/nginx.conf"
	t_bg nginx126 chroot "$TX" nginx -e "$N2IN/stderr.log" -p "$N2IN" -c "$N2IN/nginx.conf" \
		-g 'daemon off;'
	if t_wait_for 10 listening "$RT"; then
		# shellcheck disable=SC2086
		nginx_recv "nginx 1.26 TLVs" "$N2/access.log" "$RT" /t4 \
			"addr=192.0.2.10 port=40001 auth=sni.example.test e0=$P0F e1=$OS e2=$JA4 e3=$JA4R uri=/t4" \
			-s 192.0.2.10 40001 -d 198.51.100.20 443 $TLVS -t "e1=$OS" -c
		# nginx logs "-" for a TLV that is not there; ours are absent, never empty
		nginx_recv "nginx 1.26 no TLVs: absent" "$N2/access.log" "$RT" /t6 \
			"addr=2001:db8::10 port=40002 auth=- e0=- e1=- e2=- e3=- uri=/t6" \
			-s 2001:db8::10 40002 -d 2001:db8::20 8443 -t e0= -t e2=
	else
		t_fail "nginx 1.26 (chroot $TX) did not start"
		sed 's/^/#   /' "$T_DIR/nginx126.log" "$N2/error.log" 2>/dev/null | head -20
	fi
else
	t_skip "nginx 1.26 TLV checks: SKIPPED, no Debian 13 chroot: $TX_WHY"
fi
exit 0
