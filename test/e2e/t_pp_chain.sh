#!/bin/sh
# t_pp_chain.sh - a chain: huginn passthrough ([[passthrough]], PROXY v2 out) -> huginn HTTP
# listener ([listen] proxy_protocol = "required", trusted_proxies) -> a backend that logs
# every header (test/tools/echo_backend.py).  The client's SYN is seen by the agent on the
# passthrough's port only; the HTTP listener must take the client and its fingerprint from
# the PROXY header, never from a SYN of its own.
#
# Server namespace: huginn-ebpf-agent and p0f -i on the veth (filter: the passthrough
# port), one huginn-proxy with both listeners, tcp_enabled and p0f.fp.  Client namespace:
# curl over IPv4 and IPv6 from fixed local ports, plain HTTP (bytes that are not TLS are
# relayed with the SYN's TLVs, without the TLS ones), with spoofed fingerprint headers.
# Expected: x-tcp-p0f = p0f's raw_sig and x-tcp-p0f-os = p0f's os=|dist=|params= for that
# client port, X-Forwarded-For = the client, no x-tls-ja4 (no ClientHello), exactly one
# SYN lookup per client connection (the passthrough's).
# JA4 cannot reach this backend through the chain: the HTTP listener does not terminate
# TLS, so a TLS client's requests never get there (t_passthrough.sh checks JA4 against
# tshark with nginx terminating TLS; t_proxy_protocol_in.sh checks 0xE2 -> x-tls-ja4).
# Needs root and the passthrough listener; SKIPs loudly otherwise.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fp_lib.sh"

fp_need
fp_setup
FP_PORT=29160 # the passthrough: captured by the agent, watched by p0f
HP=29161 MP=29162 BP=29163

cat >"$T_DIR/chain.toml" <<EOF
[listen]
addrs = ["127.0.0.1:$HP"]
proxy_protocol = "required"
trusted_proxies = ["127.0.0.1/32"]

[fingerprint]
tcp_enabled = true
p0f_db = "$FP_DB"

[[backends]]
address = "127.0.0.1:$BP"

[[routes]]
prefix = "/"
backend = "127.0.0.1:$BP"

[[passthrough]]
listen = ["0.0.0.0:$FP_PORT", "[::]:$FP_PORT"]
backends = ["127.0.0.1:$HP"]
proxy_protocol = "v2"

[telemetry]
metrics_addr = "127.0.0.1:$MP"
access_log = true
EOF
if "$PROXY" -t "$T_DIR/chain.toml" 2>&1 | grep -q "unknown table 'passthrough'"; then
	t_skip "SKIPPED: this build has no [[passthrough]] listener (the passthrough branch)"
	exit 0
fi

BLOG=$T_DIR/backend.log
nsenter "$FP_SNET" "$PYTHON" "$T_TOP/test/tools/echo_backend.py" --port "$BP" --log "$BLOG" \
	>"$T_DIR/backend.out" 2>&1 &
T_PIDS="$! $T_PIDS"
fp_p0f "$FP_PORT"
if ! fp_agent agent; then
	t_fail "the agent attached to $T_SIF"
	exit 1
fi
fp_proxy proxy "$T_DIR/chain.toml"
if ! t_wait_for 20 fp_ready "$MP"; then
	t_fail "proxy /ready is 200"
	sed 's/^/#   /' "$T_DIR/proxy.err" | tail -n 10
	exit 1
fi

# hdr PATH NAME: values of header NAME the backend received with PATH.
hdr() { t_backend_hdr "$1" "$2" "$BLOG"; }
lookups() {
	fp_metrics "$MP" | awk '/^huginn_fp_lookups_total\{/ { s += $2 } END { print s + 0 }'
}

l0=$(lookups)
n=0
for c in "4 $T_SADDR4 $T_CADDR4 42001" "6 [$T_SADDR6] $T_CADDR6 42002" \
	"4 $T_SADDR4 $T_CADDR4 42003" "6 [$T_SADDR6] $T_CADDR6 42004"; do
	# shellcheck disable=SC2086
	set -- $c
	fam=$1 host=$2 cli=$3 cp=$4
	path=/chain/$cp
	n=$((n + 1))
	code=$(fp_req "$cp" "http://$host:$FP_PORT$path" -H 'x-tcp-p0f: spoofed' \
		-H 'X-TLS-JA4: t13d1516h2_8daaf6152771_e5627efa2ab1' -H 'X-TCP-P0F-OS: spoofed')
	t_eq "IPv$fam client port $cp: 200 through passthrough and HTTP listener" "$code" 200
	raw=$(fp_p0f_raw "$cp")
	os=$(fp_p0f_label "$cp")
	t_check "IPv$fam port $cp: p0f logged the SYN ('$raw')" test -n "$raw"
	t_eq "IPv$fam port $cp: x-tcp-p0f = p0f raw_sig, once" "$(hdr "$path" x-tcp-p0f)" "$raw"
	t_eq "IPv$fam port $cp: x-tcp-p0f-os = p0f's os|dist|params|link|mtu, once" \
		"$(hdr "$path" x-tcp-p0f-os)" "$os"
	t_eq "IPv$fam port $cp: no x-tls-ja4 (no ClientHello; the client's copy dropped)" \
		"$(hdr "$path" x-tls-ja4)" ""
	t_eq "IPv$fam port $cp: X-Forwarded-For is the client" \
		"$(hdr "$path" x-forwarded-for)" "$cli"
done
t_eq "one SYN lookup per client connection (the passthrough's), none by the HTTP listener" \
	"$(($(lookups) - l0))" "$n"
t_eq "huginn_proxy_protocol_total{result=\"v2\"} = $n" \
	"$(fp_metric "$MP" 'huginn_proxy_protocol_total{result="v2"}')" "$n"
t_eq "huginn_proxy_protocol_tlv_ignored_total 0" \
	"$(fp_metric "$MP" huginn_proxy_protocol_tlv_ignored_total)" 0
t_wait_for 5 grep -q " GET /chain/42004 " "$T_DIR/proxy.out"
t_eq "access log: the client's address and port" \
	"$(awk '$3 == "GET" && $4 == "/chain/42001" { print $2; exit }' "$T_DIR/proxy.out")" \
	"$T_CADDR4:42001"

t_stop "$PROXY_PID" 15
t_eq "proxy exits 0 on SIGTERM" "$T_RC" 0
t_san_check "$T_DIR/proxy.err"
exit "$((T_FAILS > 0))"
