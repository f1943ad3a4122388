#!/bin/sh
# t_proxy_bodies.sh - bodies through huginn-proxy, checked by sha256: multi-MB downloads
# (nginx static file with Content-Length, chunked and Content-Length answers from the echo
# backend), multi-MB uploads (Content-Length and chunked), a chunked round trip, several
# bodies on one keep-alive connection, Expect: 100-continue (curl, and a raw client that
# waits for the interim 100 before sending), WebSocket echoes (also with frames riding in
# the handshake segments both ways), and 64 MB each way with bounded proxy memory.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"
pl_need
t_need_tool sha256sum

NA=$P_BASE NB=$((P_BASE + 1)) PP=$((P_BASE + 2)) PM=$((P_BASE + 3)) EB=$((P_BASE + 4))
pl_nginx "$NA" "$NB"
pl_echo echo "$EB"

{
	pl_conf "$PP" "$PM"
	printf '[timeouts]\nupstream_response = 10000\nclient_header = 5000\n\n'
	pl_backend "$NA" "$EB"
	pl_route /static/ "$NA"
	pl_route / "$EB"
} >"$T_DIR/config.toml"
pl_proxy "$T_DIR/config.toml" "$PP"
U="http://127.0.0.1:$PP"
C="curl -s --max-time 20"
sha() { sha256sum "$1" | cut -d' ' -f1; }
hdr() { tr -d '\r' <"$1" | awk -v k="$2" 'tolower($1) == tolower(k) ":" {print $2}'; }

# Deterministic-enough inputs: random bytes, sizes not multiples of any buffer size.
head -c 8388617 /dev/urandom >"$T_DIR/www/static/big.bin"
head -c 4194329 /dev/urandom >"$T_DIR/up4m.bin"
head -c 2097169 /dev/urandom >"$T_DIR/up2m.bin"

# --- downloads
$C -o "$T_DIR/d1" "$U/static/big.bin"
t_eq "8 MB static download (Content-Length) sha256" "$(sha "$T_DIR/d1")" "$(sha "$T_DIR/www/static/big.bin")"
$C -D "$T_DIR/d2.h" -o "$T_DIR/d2" "$U/gen/5000011?chunked"
t_check "5 MB chunked download arrives chunked" grep -qi '^Transfer-Encoding: chunked' "$T_DIR/d2.h"
t_eq "5 MB chunked download sha256" "$(sha "$T_DIR/d2")" "$(hdr "$T_DIR/d2.h" X-Body-Sha256)"
$C -D "$T_DIR/d3.h" -o "$T_DIR/d3" "$U/gen/3000007"
t_eq "3 MB Content-Length download sha256" "$(sha "$T_DIR/d3")" "$(hdr "$T_DIR/d3.h" X-Body-Sha256)"
t_eq "3 MB Content-Length download length" "$(wc -c <"$T_DIR/d3" | tr -d ' ')" 3000007

# --- uploads (the echo backend answers "len=N sha256=HEX" of what it received)
want4="len=4194329 sha256=$(sha "$T_DIR/up4m.bin")"
got=$($C --data-binary @"$T_DIR/up4m.bin" "$U/hash/cl" | head -n 1)
t_eq "4 MB Content-Length upload sha256" "$got" "$want4"
got=$($C -H 'Transfer-Encoding: chunked' --data-binary @"$T_DIR/up4m.bin" "$U/hash/chunked" | head -n 1)
t_eq "4 MB chunked upload sha256" "$got" "$want4"
t_check "chunked upload reached the backend chunked" \
	grep -qi 'Transfer-Encoding: chunked' "$T_DIR/echo.log"

# Chunked both ways: the backend echoes the body back chunked.
$C -H 'Transfer-Encoding: chunked' --data-binary @"$T_DIR/up2m.bin" -o "$T_DIR/rt" "$U/echo?chunked"
t_eq "2 MB chunked round trip sha256" "$(sha "$T_DIR/rt")" "$(sha "$T_DIR/up2m.bin")"
$C --data-binary @"$T_DIR/up2m.bin" -o "$T_DIR/rt2" "$U/echo/cl"
t_eq "2 MB Content-Length round trip sha256" "$(sha "$T_DIR/rt2")" "$(sha "$T_DIR/up2m.bin")"

# Several bodies on one client connection: framing must stay in step.
$C -o "$T_DIR/ka.out" -w '%{num_connects}\n' \
	--data-binary @"$T_DIR/up2m.bin" "$U/hash/ka1" \
	--next -s --max-time 20 -o "$T_DIR/ka2.out" -H 'Transfer-Encoding: chunked' \
	--data-binary @"$T_DIR/up2m.bin" "$U/hash/ka2" \
	--next -s --max-time 20 -o "$T_DIR/ka3.out" "$U/gen/1000003?chunked" >"$T_DIR/ka.n" 2>&1
want2="len=2097169 sha256=$(sha "$T_DIR/up2m.bin")"
t_eq "keep-alive: CL upload then chunked upload then chunked download" \
	"$(head -n 1 "$T_DIR/ka.out")|$(head -n 1 "$T_DIR/ka2.out")|$(wc -c <"$T_DIR/ka3.out" | tr -d ' ')" \
	"$want2|$want2|1000003"

# --- Expect: 100-continue
got=$($C -H 'Expect: 100-continue' --data-binary @"$T_DIR/up2m.bin" "$U/hash/expect" | head -n 1)
t_eq "curl with Expect: 100-continue, 2 MB upload sha256" "$got" "$want2"
t_check "Expect: 100-continue reached the backend" grep -q '^EXPECT ' "$T_DIR/echo.log"
out=$(RAW expect100 "$PP" /hash/expect-raw 300000)
case $out in
"interim=100 status=200 body="*)
	body=${out#*body=}
	if [ "${body%% want=*}" = "${body#* want=}" ]; then t_ok "interim 100 relayed before the body is sent"
	else t_fail "interim 100 relayed, but body mismatch: $out"; fi ;;
*) t_fail "interim 100 relayed before the body is sent: $out" ;;
esac

# --- WebSocket: handshake through the proxy, then a two-way tunnel.
out=$(RAW ws "$PP" /ws/chat)
printf '%s\n' "$out" | sed 's/^/# /'
t_eq "WebSocket: 101 and every frame echoed" "$(printf '%s\n' "$out" | grep -c '^ws ok')" 7
t_check "WebSocket: backend saw the upgrade" grep -q '^WS ' "$T_DIR/echo.log"
out=$(RAW ws "$PP" "/ws/greet?greet")
t_check "WebSocket: backend frame in the same segment as its 101 arrives" \
	sh -c "printf '%s\n' \"\$1\" | grep -q '^ws ok greeting' && ! printf '%s\n' \"\$1\" | grep -q FAIL" x "$out"
out=$(RAW ws "$PP" /ws/eager eager)
t_check "WebSocket: client frame sent with the handshake (before the 101) arrives" \
	sh -c "printf '%s\n' \"\$1\" | grep -q '^ws ok early' && ! printf '%s\n' \"\$1\" | grep -q FAIL" x "$out"

# --- streaming, not buffering: 64 MB up (chunked) and 64 MB down to a client reading at
# 32 MB/s; the proxy's peak resident memory must stay far below the body size.
head -c 67108864 /dev/zero >"$T_DIR/www/static/zero64m.bin"
got=$(head -c 67108864 /dev/zero | $C --max-time 60 -H 'Transfer-Encoding: chunked' --data-binary @- "$U/hash/big" | head -n 1)
t_eq "64 MB chunked upload arrives whole" "${got%% *}" "len=67108864"
$C --max-time 60 --limit-rate 32M -o "$T_DIR/z64" "$U/static/zero64m.bin"
t_eq "64 MB download to a slow client arrives whole" "$(wc -c <"$T_DIR/z64" | tr -d ' ')" 67108864
rm -f "$T_DIR/z64" "$T_DIR/www/static/zero64m.bin"
hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$PROXY_PID/status" 2>/dev/null)
# The same bound for the sanitizer build (t_proxy_asan.sh): its shadow memory is mapped
# lazily, and it measured under 10 MB here.
if [ -n "$hwm" ] && [ "$hwm" -lt 32768 ]; then
	t_ok "bodies streamed: proxy peak RSS ${hwm} kB < 32 MB after 2 x 64 MB"
else
	t_fail "bodies streamed: proxy peak RSS ${hwm:-?} kB, want < 32 MB after 2 x 64 MB"
fi

pl_proxy_stop "proxy exits 0 on SIGTERM"
exit "$((T_FAILS > 0))"
