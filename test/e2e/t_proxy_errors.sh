#!/bin/sh
# t_proxy_errors.sh - every error status of huginn-proxy, provoked for real: 400 for bad
# bytes and request-smuggling attempts (and the backend's own log proves none of them
# reached it), 404, 408 (half a head, small client_header timeout), 413, 414, 431 (small
# limits), 502 (closed port; a backend answering garbage), 503 (max_connections reached),
# 504 (a backend that never answers, small upstream_response timeout); responses with
# broken framing (502); framing fields in trailers either way; values just inside the
# limits; clients aborting mid-request; a request trickling in byte by byte; the idle
# timeout.  The proxy must stay up and keep serving after each.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"
pl_need

EB=$P_BASE GB=$((P_BASE + 1)) HB=$((P_BASE + 2)) PP=$((P_BASE + 3)) PM=$((P_BASE + 4))
PP2=$((P_BASE + 5)) PM2=$((P_BASE + 6)) DEAD=$((P_BASE + 9))
pl_echo echo "$EB"
pl_echo garbage "$GB" garbage
pl_echo hang "$HB" hang

{
	pl_conf "$PP" "$PM"
	cat <<EOF
[timeouts]
idle = 1000
client_header = 600
upstream_response = 800
connect = 1000

[limits]
max_header_bytes = 1024
max_headers = 12
max_uri_length = 100
max_body_bytes = 100000

EOF
	pl_backend "$EB" "$GB" "$HB" "$DEAD"
	for r in /ok /smuggle /delay/ /badresp/ /truncate/; do pl_route "$r" "$EB"; done
	pl_route /dead "$DEAD"
	pl_route /garbage "$GB"
	pl_route /hang "$HB"
} >"$T_DIR/config.toml"
pl_proxy "$T_DIR/config.toml" "$PP"
U="http://127.0.0.1:$PP"

# --- 400: each raw request must get a 400 (or, where named, another rejection status the
# RFCs give for that case) and the connection must be closed right after it; none may
# reach the backend.  Every target starts with /smuggle, so the backend log shows whether
# anything leaked.
bad() {
	desc=$1
	codes=${3:-400}
	out=$(RAW eof "$PP" "$2" 3)
	st=${out#status=}
	st=${st%% *}
	ms=${out##*eof_ms=}
	case "|$codes|" in
	*"|$st|"*)
		if [ "$ms" -ge 0 ] 2>/dev/null; then
			t_ok "$codes: $desc"
		else
			t_fail "$codes: $desc (answered $st but the connection stayed open)"
		fi ;;
	*) t_fail "$codes: $desc (got '$out')" ;;
	esac
}
H='Host: t\r\n'
bad "CL.TE: Content-Length and Transfer-Encoding" \
	"POST /smuggle/clte HTTP/1.1\r\n${H}Content-Length: 35\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggle/inner HTTP/1.1\r\nX: y"
bad "TE.CL: Transfer-Encoding then Content-Length" \
	"POST /smuggle/tecl HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n5c\r\nGET /smuggle/inner2 HTTP/1.1\r\nContent-Length: 15\r\n\r\nx=1\r\n0\r\n\r\n"
bad "duplicate Content-Length (different)" \
	"POST /smuggle/dupcl HTTP/1.1\r\n${H}Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!"
bad "duplicate Content-Length (equal)" \
	"POST /smuggle/dupcl2 HTTP/1.1\r\n${H}Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello"
bad "Content-Length with a sign" \
	"POST /smuggle/clsign HTTP/1.1\r\n${H}Content-Length: +5\r\n\r\nhello"
bad "Content-Length with inner space" \
	"POST /smuggle/clspace HTTP/1.1\r\n${H}Content-Length: 1 0\r\n\r\nhellohello"
bad "Content-Length not a number" \
	"POST /smuggle/clhex HTTP/1.1\r\n${H}Content-Length: 0x5\r\n\r\nhello"
bad "Transfer-Encoding not ending in chunked" \
	"POST /smuggle/tenochunk HTTP/1.1\r\n${H}Transfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n"
# RFC 9112 6.3 asks 400 for a final coding other than chunked, 6.1 allows 501 for an
# unknown coding: either is a rejection.
bad "Transfer-Encoding: xchunked (TE.TE obfuscation)" \
	"POST /smuggle/xchunked HTTP/1.1\r\n${H}Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n" "400|501"
bad "Transfer-Encoding: chunked twice (TE.TE)" \
	"POST /smuggle/tete HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" "400|501"
bad "whitespace before the colon" \
	"POST /smuggle/wscolon HTTP/1.1\r\n${H}Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n"
bad "obs-fold header continuation" \
	"GET /smuggle/fold HTTP/1.1\r\n${H}X-Long: a\r\n b\r\n\r\n"
bad "LF-only line endings" \
	"GET /smuggle/lf HTTP/1.1\n${H}\n"
bad "bare CR inside a header value" \
	"GET /smuggle/cr HTTP/1.1\r\n${H}X-A: a\rb\r\n\r\n"
bad "NUL inside a header value" \
	"GET /smuggle/nul HTTP/1.1\r\n${H}X-A: a\x00b\r\n\r\n"
bad "space inside a header name" \
	"GET /smuggle/namesp HTTP/1.1\r\n${H}X A: b\r\n\r\n"
bad "request line without a version" \
	"GET /smuggle/gl\r\n\r\n"
bad "request line of one word" \
	"GARBAGE\r\n\r\n"
bad "unknown method (RFC 9110 9.1 allows 501)" \
	"FROBNICATE /smuggle/method HTTP/1.1\r\n${H}\r\n" "400|501"
bad "two spaces in the request line" \
	"GET  /smuggle/sp HTTP/1.1\r\n${H}\r\n"
bad "unknown HTTP major version (RFC 9112 2.3 allows 505)" \
	"GET /smuggle/ver HTTP/9.1\r\n${H}\r\n" "400|505"
bad "malformed HTTP version" \
	"GET /smuggle/ver2 HTTP/1.1x\r\n${H}\r\n"
bad "HTTP/1.1 without Host" \
	"GET /smuggle/nohost HTTP/1.1\r\nX-A: b\r\n\r\n"
bad "two Host headers" \
	"GET /smuggle/twohost HTTP/1.1\r\n${H}Host: u\r\n\r\n"
bad "chunk size overflow" \
	"POST /smuggle/chunkovf HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\nffffffffffffffffff1\r\nx\r\n0\r\n\r\n"
bad "chunk size not hex" \
	"POST /smuggle/chunkbad HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\nzz\r\nx\r\n0\r\n\r\n"
bad "Content-Length beyond 64 bits" \
	"POST /smuggle/clbig HTTP/1.1\r\n${H}Content-Length: 18446744073709551617\r\n\r\nhello" "400|413"
bad "bare LF inside a trailer" \
	"POST /smuggle/chunktrailer HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nX-T: a\nX-U: b\r\n\r\n"
# Every bad request above was answered and its connection closed.  A sane request after
# them, once in the backend's log, shows the backend has read all it was sent before.
t_eq "a sane request after the bad ones: 200" "$(pl_code "$U/ok/sentinel")" 200
t_wait_for 5 grep -q '^REQ .* /ok/sentinel' "$T_DIR/echo.log"
# A request head may reach the backend before a broken chunk is seen (bodies stream), but
# for the head-level cases nothing may; no case may deliver a complete request.
leaked=$(grep '^REQ ' "$T_DIR/echo.log" | grep '/smuggle' | grep -v '/smuggle/chunk' | awk '{print $4}' | tr '\n' ' ')
t_eq "400: no head-level bad request reached the backend" "$leaked" ""
ids=$(grep '^REQ ' "$T_DIR/echo.log" | grep '/smuggle' | awk '{print $2}')
done_bodies=""
for id in $ids; do
	grep -q "^BODY $id " "$T_DIR/echo.log" && done_bodies="$done_bodies $id"
done
t_eq "400: no bad chunked body reached the backend complete" "$done_bodies" ""
t_eq "400: no smuggled inner request reached the backend" "$(grep -c '/smuggle/inner' "$T_DIR/echo.log")" 0
out=$(RAW send "$PP" "GET /smuggle/cl0 HTTP/1.1\r\n${H}Content-Length: 3\r\nContent-Length: 3\r\n\r\nabcGET /ok/after HTTP/1.1\r\n${H}\r\n" 4)
t_check "400 closes the connection (no request after it is served)" \
	sh -c "! printf '%s' \"\$1\" | grep -q 'HTTP/1.1 200'" x "$out"
t_check "400 answer says Connection: close" sh -c "printf '%s' \"\$1\" | grep -qi '^Connection: close'" x "$out"

# Valid but unusual bytes must pass: Content-Length with leading zeros (1*DIGIT), an
# empty value, a tab inside a value, obs-text (RFC 9110 5.5).
out=$(RAW one "$PP" "POST /ok/lz HTTP/1.1\r\n${H}Content-Length: 005\r\n\r\nhello" 3)
t_check "Content-Length with leading zeros accepted" \
	sh -c "printf '%s' \"\$1\" | grep -q '^len=5 '" x "$out"
out=$(RAW one "$PP" "GET /ok/odd HTTP/1.1\r\n${H}X-Empty:\r\nX-Tab: a\tb\r\nX-Obs: caf\xe9\r\n\r\n" 3)
t_eq "empty value, tab and obs-text in values pass through" \
	"$(printf '%s\n' "$out" | grep -a '^hdr X-\(Empty\|Tab\|Obs\)' | tr -d '\r' | od -An -c | tr -s ' \n' ' ')" \
	"$(printf 'hdr X-Empty: \nhdr X-Tab: a\tb\nhdr X-Obs: caf\351\n' | od -An -c | tr -s ' \n' ' ')"

# Framing and routing fields are not allowed in trailers (RFC 9110 6.5.1: a sender MUST NOT
# generate a trailer field whose definition does not permit it): the proxy may drop them
# or refuse the request, but must not pass them on.  Other trailers pass.
out=$(RAW one "$PP" "POST /ok/trl HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\nHost: evil\r\nX-Fine: yes\r\n\r\n" 3)
t_eq "framing fields in request trailers never reach the backend" \
	"$(grep '^TRAILER ' "$T_DIR/echo.log" | grep -ciE 'content-length|transfer-encoding|host')" 0
out=$(RAW one "$PP" "POST /ok/trl2 HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nX-Checksum: abc\r\n\r\n" 3)
t_check "a plain request trailer is passed on" grep -q '^TRAILER [0-9]* X-Checksum: abc' "$T_DIR/echo.log"

# --- 404
t_eq "404: no route" "$(pl_code "$U/nothing")" 404

# --- 408: half a head, then silence.
out=$(RAW partial "$PP" "GET /ok/slow HTTP/1.1\r\nHost: t\r\nX-A: " 5)
t_eq "408: client_header timeout on half a head" "$(pl_status_of "$out")" 408

# --- 413 / 414 / 431
head -c 200000 /dev/zero | tr '\0' 'a' >"$T_DIR/200k"
t_eq "413: Content-Length over max_body_bytes" \
	"$(pl_code --data-binary @"$T_DIR/200k" "$U/ok/toobig")" 413
t_eq "413: the oversized body never reached the backend" "$(grep -c '/ok/toobig' "$T_DIR/echo.log")" 0
long=$(head -c 150 /dev/zero | tr '\0' 'u')
t_eq "414: URI over max_uri_length" "$(pl_code "$U/ok/$long")" 414
set --
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do set -- "$@" -H "X-H$i: v"; done
t_eq "431: more headers than max_headers" "$(pl_code "$@" "$U/ok/manyhdrs")" 431
big=$(head -c 1500 /dev/zero | tr '\0' 'h')
t_eq "431: head over max_header_bytes" "$(pl_code -H "X-Big: $big" "$U/ok/bighdr")" 431
t_eq "413/414/431: none reached the backend" \
	"$(grep -cE '/ok/(toobig|uuu|manyhdrs|bighdr)' "$T_DIR/echo.log")" 0
# Just inside the limits passes.
head -c 100000 /dev/zero | tr '\0' 'a' >"$T_DIR/100k"
t_eq "body of exactly max_body_bytes passes" "$(pl_code --data-binary @"$T_DIR/100k" "$U/ok/justfits")" 200
t_eq "URI of exactly max_uri_length passes" \
	"$(pl_code "$U/ok/$(head -c 96 /dev/zero | tr '\0' 'u')")" 200
set --
for i in 1 2 3 4 5 6 7 8; do set -- "$@" -H "X-H$i: v"; done
t_eq "headers under max_headers pass (curl adds 3)" "$(pl_code "$@" "$U/ok/somehdrs")" 200

# --- 502 / 504
t_eq "502: backend port closed" "$(pl_code "$U/dead/x")" 502
t_eq "502: backend answers garbage" "$(pl_code "$U/garbage/x")" 502
t_eq "504: backend never answers (upstream_response timeout)" "$(pl_code "$U/hang/x")" 504
# Broken responses from a backend: framing the proxy cannot trust is a 502, not relayed.
t_eq "502: backend response with Content-Length and Transfer-Encoding" "$(pl_code "$U/badresp/cl-te")" 502
t_eq "502: backend response with two different Content-Length" "$(pl_code "$U/badresp/dup-cl")" 502
for k in fold lf nul wscolon status te-cl; do
	t_eq "502: backend response with broken framing ($k)" "$(pl_code "$U/badresp/$k")" 502
done
out=$(RAW send "$PP" "GET /badresp/trailer-cl HTTP/1.1\r\n${H}Connection: close\r\n\r\n" 3)
t_check "framing field in a response trailer never reaches the client" \
	sh -c "! printf '%s' \"\$1\" | grep -qi '^Content-Length: 9'" x "$out"
# A chunk error after the head was relayed can only cut the client connection.
curl -s --max-time 5 -o /dev/null -w '%{http_code}' "$U/badresp/badchunk" >"$T_DIR/badchunk.code" 2>&1
rc=$?
code=$(cat "$T_DIR/badchunk.code")
if [ "$code" = 502 ] || { [ "$rc" -ne 0 ] && [ "$rc" -ne 28 ]; }; then
	t_ok "backend chunk error: 502 or the client connection cut (curl $rc, $code)"
else
	t_fail "backend chunk error: 502 or the client connection cut (curl exit $rc, status $code)"
fi
curl -s --max-time 5 -o /dev/null "$U/truncate/100000"
rc=$?
if [ "$rc" -ne 0 ] && [ "$rc" -ne 28 ]; then
	t_ok "backend closes mid-body: the client sees the cut at once (curl $rc)"
else
	t_fail "backend closes mid-body: the client sees the cut at once (curl exit $rc)"
fi
t_eq "still serving after the errors" "$(pl_code "$U/ok/alive")" 200

# Clients that go away mid-request must not hurt anyone else.
RAW abort "$PP" "POST /ok/abortbody HTTP/1.1\r\nHost: t\r\nContent-Length: 1000000\r\n\r\n0123456789" 200
RAW abort "$PP" "GET /delay/1000 HTTP/1.1\r\nHost: t\r\n\r\n" 200
RAW abort "$PP" "GET /ok/aborthead HTTP/1.1\r\nHost: t\r\nX-Half: " 50
t_eq "clients aborting mid-body / mid-response / mid-head: still serving" "$(pl_code "$U/ok/afterabort")" 200

# A request trickling in one byte per segment (incremental parsing), chunked with a
# chunk extension and a trailer.
out=$(RAW slow "$PP" "POST /ok/trickle HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5;name=val\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n" 3 5)
t_check "request sent one byte at a time, chunk extension and trailer: body intact" \
	sh -c "printf '%s' \"\$1\" | grep -q '^len=11 sha256=b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9'" x "$out"

# Idle keep-alive timeout (1 s): after an answer, an idle client connection is closed.
out=$(RAW eof "$PP" "GET /ok/idle HTTP/1.1\r\nHost: t\r\n\r\n" 4)
ms=${out##*eof_ms=}
if [ "${out%% *}" = status=200 ] && [ "$ms" -ge 500 ] && [ "$ms" -le 3000 ]; then
	t_ok "idle timeout closes a kept-alive connection (after $ms ms)"
else
	t_fail "idle timeout closes a kept-alive connection ($out, want 500..3000 ms)"
fi

# --- the counters saw them
for s in 400 404 408 413 414 431 502 504; do
	n=$(pl_status "$s")
	if [ "$n" -gt 0 ]; then
		t_ok "/metrics: huginn_requests_total{code=\"$s\"} counts them ($n)"
	else
		t_fail "/metrics: huginn_requests_total{code=\"$s\"} counts them (0)"
	fi
done

pl_proxy_stop "proxy exits 0 on SIGTERM"

# --- 503: a second proxy with max_connections = 1, one slow request holding the slot.
{
	pl_conf "$PP2" "$PM2" server.max_connections=1
	pl_backend "$EB"
	pl_route / "$EB"
} >"$T_DIR/config2.toml"
pl_proxy "$T_DIR/config2.toml" "$PP2" proxy2
RAW hold "$PP2" "GET /delay/2500 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n" 6 >"$T_DIR/hold.out" 2>&1 &
hold=$!
t_wait_for 5 grep -q '/delay/2500' "$T_DIR/echo.log"
t_eq "503: over max_connections" "$(pl_code "http://127.0.0.1:$PP2/x")" 503
wait "$hold"
t_eq "503: huginn_connections_rejected_total counts the rejected connection" \
	"$(pl_metric huginn_connections_rejected_total "$PM2")" 1
t_eq "503: the connection holding the slot still got its 200" "$(pl_status_of "$(cat "$T_DIR/hold.out")")" 200
t_eq "503: a new connection is served once the slot is free" "$(pl_code "http://127.0.0.1:$PP2/y")" 200
pl_proxy_stop "second proxy exits 0 on SIGTERM" "$PROXY_PID" proxy2
exit "$((T_FAILS > 0))"
