#!/bin/sh
# t_fp_e2e.sh - x-tcp-p0f end to end, against the real p0f.
#
# Server namespace: huginn-ebpf-agent (XDP on the veth, skb mode then native mode),
# huginn-proxy on 0.0.0.0:PORT and [::]:PORT with tcp_enabled = true and p0f.fp, a real
# nginx behind it logging the headers it received, and `p0f -i` on the same veth.
# Client namespace: curl over IPv4 and IPv6 with many TCP stacks (sysctls, TTL/hop limit,
# MTU, receive buffer), three requests on ONE keep-alive connection each, from a fixed
# local port so that p0f's `cli=ADDR/PORT` line can be found.  Every request must carry
# x-tcp-p0f byte-identical to p0f's raw_sig and x-tcp-p0f-os equal to p0f's
# os=|dist=|params= for that connection, followed by |link=|mtu= equal to p0f's mod=mtu
# line (link=, raw_mtu=).
# x-tcp-p0f-ua: a Windows browser User-Agent from this Linux client namespace is a
# mismatch, a Linux one a match (p0f labels the SYN Linux); huginn_fp_ua_total and
# huginn_fp_labels_total move by what p0f's params say; GET /fingerprints lists exactly
# the signatures p0f could not label (os=???), with curl's User-Agent and 3 requests each.
# Also: client-supplied x-tcp-* headers are replaced (hit) or removed (miss: a port the
# agent does not capture), never forwarded, and counted; /metrics exports the agent's
# counters and the lookup results; /ready is 200.  The native-mode run uses the ASan/UBSan
# proxy and fails on any sanitizer report.
# Ports (server namespace): 29100-29109.  Needs root; SKIPs loudly otherwise.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fp_lib.sh"

fp_need "$SAN_PROXY"
fp_setup
FP_PORT=29100  # captured by the agent, watched by p0f
OPORT=29101    # also served by the proxy, outside the agent's port filter: always a miss
MPORT=29102
BPORT=29103
REL_PROXY=$PROXY
SAN_PROXY=$(cd "$(dirname "$SAN_PROXY")" && pwd)/$(basename "$SAN_PROXY")

fp_nginx "$BPORT"
fp_p0f "$FP_PORT"
fp_conf "$T_DIR/proxy.toml" "$FP_PORT" "$MPORT" "$BPORT" "$OPORT"

# ---- client stacks ----
csys() { fp_c sysctl -q -w "$@" >/dev/null; }
mtu() {
	fp_c ip link set dev "$T_CIF" mtu "$1" && fp_s ip link set dev "$T_SIF" mtu "$1"
}
stack_reset() {
	csys net.ipv4.tcp_timestamps=1 net.ipv4.tcp_sack=1 net.ipv4.tcp_window_scaling=1 \
		net.ipv4.tcp_ecn=2 net.ipv4.ip_default_ttl=64 "net.ipv6.conf.$T_CIF.hop_limit=64" \
		"net.ipv4.tcp_rmem=4096 131072 33554432"
	mtu 1500
}
# stack NAME: apply one client TCP stack (after a reset).  Returns 1 if it cannot be set.
stack() {
	stack_reset
	case $1 in
	defaults) ;;
	no-timestamps) csys net.ipv4.tcp_timestamps=0 ;;
	no-sack-no-wscale) csys net.ipv4.tcp_sack=0 net.ipv4.tcp_window_scaling=0 ;;
	ecn) csys net.ipv4.tcp_ecn=1 ;;
	ttl128) csys net.ipv4.ip_default_ttl=128 "net.ipv6.conf.$T_CIF.hop_limit=128" ;;
	ttl255-no-ts) csys net.ipv4.ip_default_ttl=255 "net.ipv6.conf.$T_CIF.hop_limit=255" \
		net.ipv4.tcp_timestamps=0 ;;
	mtu1400) mtu 1400 ;;
	mtu-big) mtu "$BIGMTU" ;;
	small-rmem) csys "net.ipv4.tcp_rmem=4096 16384 65536" ;;
	mixed) csys net.ipv4.tcp_sack=0 net.ipv4.tcp_ecn=1 net.ipv4.ip_default_ttl=100 \
		"net.ipv6.conf.$T_CIF.hop_limit=100" "net.ipv4.tcp_rmem=4096 50000 100000" &&
		mtu 1280 ;;
	esac
}
STACKS="defaults no-timestamps no-sack-no-wscale ecn ttl128 ttl255-no-ts mtu1400 mtu-big small-rmem mixed"

# conn PORT HOST [CURL ARGS...]: one client connection from local port PORT, three
# requests on it; "PORT<TAB>connects" appended to $T_DIR/conns.
conn() {
	cport=$1
	host=$2
	shift 2
	nc=$(fp_c curl -s --max-time 10 --local-port "$cport" -o /dev/null -o /dev/null \
		-o /dev/null -w '%{num_connects}' "$@" "http://$host:$FP_PORT/c/$cport/1" \
		"http://$host:$FP_PORT/c/$cport/2" "http://$host:$FP_PORT/c/$cport/3")
	printf '%s\t%s\t%s\n' "$cport" "$nc" "$CUR_STACK/$host" >>"$T_DIR/conns"
}

SPOOF="-H x-tcp-p0f:fake -H X-TCP-P0F-OS:fake -H x-tcp-anything:spoof"


# check_run LABEL: compare every connection of $T_DIR/conns with p0f and nginx's log.
check_run() {
	label=$1
	t_p0f_norm "$T_DIR/p0f.log" >"$T_DIR/p0f.norm"
	fp_p0f_links "$T_DIR/p0f.log" >"$T_DIR/p0f.links"
	awk -F'\t' -v tname="$T_NAME" -v label="$label" '
	FILENAME == ARGV[1] { if (!($1 in link)) link[$1] = $2; next }
	FILENAME == ARGV[2] { if (!($1 in raw)) { raw[$1] = $2; os[$1] = $3 link[$1] }; next }
	FILENAME == ARGV[3] {
		split($1, u, "/")
		if (u[2] != "c") next
		k = u[3]; n[k]++
		if ($2 != raw[k]) bad[k] = bad[k] sprintf("#   %s: x-tcp-p0f \"%s\", p0f raw_sig \"%s\"\n", $1, $2, raw[k])
		if ($3 != os[k]) bad[k] = bad[k] sprintf("#   %s: x-tcp-p0f-os \"%s\", p0f \"%s\"\n", $1, $3, os[k])
		if ($4 != "-") bad[k] = bad[k] sprintf("#   %s: client x-tcp-anything forwarded: \"%s\"\n", $1, $4)
		next
	}
	{
		k = $1; what = label " " $3 " (port " k ")"
		if (!(k in raw)) { printf "not ok - %s: %s: p0f logged no SYN\n", tname, what; f++; next }
		if ($2 != "100") { printf "not ok - %s: %s: curl connects per request \"%s\", want \"100\" (one keep-alive connection)\n", tname, what, $2; f++; next }
		if (n[k] != 3) { printf "not ok - %s: %s: nginx logged %d requests, want 3\n", tname, what, n[k]; f++; next }
		if (k in bad) { printf "not ok - %s: %s\n%s", tname, what, bad[k]; f++; next }
		printf "ok - %s: %s: 3 requests, x-tcp-p0f = p0f raw_sig %s, %s\n", tname, what, raw[k], os[k]
	}
	END { print f + 0 > "/dev/stderr" }' "$T_DIR/p0f.links" "$T_DIR/p0f.norm" \
		"$T_DIR/access.log" "$T_DIR/conns" 2>"$T_DIR/fails"
	T_FAILS=$((T_FAILS + $(cat "$T_DIR/fails")))
}

base=41000
for mode in skb native; do
	if [ $mode = native ]; then PROXY=$SAN_PROXY; else PROXY=$REL_PROXY; fi
	if ! fp_agent "agent-$mode" HUGINN_EBPF_XDP_MODE=$mode; then
		t_fail "$mode: the agent attached to $T_SIF"
		continue
	fi
	t_ok "$mode: the agent attached to $T_SIF"
	if [ $mode = skb ]; then want=xdpgeneric; else want=xdp; fi
	got=$(fp_s ip link show dev "$T_SIF" | sed -n 's/.* \(xdp[a-z]*\) .*/\1/p' | head -n 1)
	t_eq "$mode: ip link shows the program attached as '$want'" "$got" "$want"
	# Native XDP on a veth caps the PEER's MTU at what fits one page (3506 on 4 KiB pages)
	# because our program does not declare XDP frags: 9000 is refused there.
	BIGMTU=$(fp_c ip -d link show dev "$T_CIF" | sed -n 's/.* maxmtu \([0-9]*\).*/\1/p')
	[ "${BIGMTU:-0}" -gt 9000 ] && BIGMTU=9000
	t_diag "$mode: largest client MTU tried: $BIGMTU"
	fp_proxy "proxy-$mode" "$T_DIR/proxy.toml"
	if ! t_wait_for 20 fp_ready "$MPORT"; then
		t_fail "$mode: proxy /ready is 200"
		sed 's/^/#   /' "$T_DIR/proxy-$mode.err" | tail -n 10
		t_stop "$AGENT_PID" 15
		continue
	fi
	t_ok "$mode: proxy /ready is 200 ($(basename "$(dirname "$PROXY")")/$(basename "$PROXY"))"
	spoof0=$(fp_metric "$MPORT" huginn_spoofed_headers_total)
	: >"$T_DIR/conns"
	i=0
	for s in $STACKS; do
		CUR_STACK=$s
		if ! stack "$s"; then
			t_fail "$mode: client stack $s could not be set"
			continue
		fi
		i=$((i + 1))
		# Odd connections spoof every fingerprint header: the real one must win.
		if [ $((i % 2)) = 1 ]; then sp=$SPOOF; else sp=""; fi
		# shellcheck disable=SC2086
		conn $((base + i * 2)) "$T_SADDR4" $sp
		# shellcheck disable=SC2086
		conn $((base + i * 2 + 1)) "[$T_SADDR6]" $sp
	done
	stack_reset
	nconn=$(wc -l <"$T_DIR/conns")
	# p0f logs the SYNs in order: once the last connection's line is there, all are.
	last=$(tail -n 1 "$T_DIR/conns" | cut -f1)
	t_wait_for 5 grep -q "/$last|" "$T_DIR/p0f.log"
	# nginx logs a request after answering it: wait for the last one's line.
	t_wait_for 5 fp_logged "/c/$last/3"
	check_run "$mode"
	t_check "$mode: x-tcp-p0f-os carries link= and mtu= (p0f wrote mtu lines)" \
		grep -q 'link=.*|mtu=[0-9]' "$T_DIR/access.log"

	# The User-Agent cross-check, from this Linux client namespace (default stack).
	ua0=$(fp_metric "$MPORT" 'huginn_fp_ua_total{result="match"}')
	ua1=$(fp_metric "$MPORT" 'huginn_fp_ua_total{result="mismatch"}')
	ua2=$(fp_metric "$MPORT" 'huginn_fp_ua_total{result="unknown"}')
	for k in exact fuzzy generic unknown; do
		eval "lab0_$k=\$(fp_metric \"\$MPORT\" 'huginn_fp_labels_total{match=\"$k\"}')"
	done
	WIN_UA="Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"
	LIN_UA="Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
	upw=$((base + 900))
	upl=$((base + 901))
	fp_req "$upw" "http://$T_SADDR4:$FP_PORT/ua/$mode/win" -A "$WIN_UA" >/dev/null
	fp_req "$upl" "http://$T_SADDR4:$FP_PORT/ua/$mode/lin" -A "$LIN_UA" >/dev/null
	t_wait_for 5 grep -q "/$upl|" "$T_DIR/p0f.log"
	t_wait_for 5 fp_logged "/ua/$mode/lin"
	t_p0f_norm "$T_DIR/p0f.log" >"$T_DIR/p0f.norm"
	for pp in "$upw win mismatch" "$upl lin match"; do
		set -- $pp
		p0fos=$(awk -F'\t' -v p="$1" '$1 == p { print $3; exit }' "$T_DIR/p0f.norm")
		case $p0fos in
		os=Linux*) ;;
		*) t_fail "$mode: p0f labels the client's SYN Linux (got '$p0fos')" ;;
		esac
		t_wait_for 5 fp_logged "/ua/$mode/$2"
		t_eq "$mode: x-tcp-p0f-ua for a $2 User-Agent on a Linux SYN ($p0fos)" \
			"$(awk -F'\t' -v u="/ua/$mode/$2" '$1 == u { print $7; exit }' \
				"$T_DIR/access.log")" "$3"
	done
	t_eq "$mode: huginn_fp_ua_total{result=\"match\"} moved by 1" \
		"$(($(fp_metric "$MPORT" 'huginn_fp_ua_total{result="match"}') - ua0))" 1
	t_eq "$mode: huginn_fp_ua_total{result=\"mismatch\"} moved by 1" \
		"$(($(fp_metric "$MPORT" 'huginn_fp_ua_total{result="mismatch"}') - ua1))" 1
	t_eq "$mode: huginn_fp_ua_total{result=\"unknown\"} did not move" \
		"$(($(fp_metric "$MPORT" 'huginn_fp_ua_total{result="unknown"}') - ua2))" 0
	# The label outcome p0f reports for the two connections, by its params.
	want=$(awk -F'\t' -v a="$upw" -v b="$upl" '$1 == a || $1 == b {
		k = $3 ~ /params=[^|]*fuzzy/ ? "fuzzy" : $3 ~ /params=[^|]*generic/ ? "generic" : \
			$3 ~ /^os=\?\?\?/ ? "unknown" : "exact"; n[k]++ }
		END { printf "exact=%d fuzzy=%d generic=%d unknown=%d", n["exact"], n["fuzzy"],
			n["generic"], n["unknown"] }' "$T_DIR/p0f.norm")
	got=""
	for k in exact fuzzy generic unknown; do
		eval "o=\$lab0_$k"
		got="$got $k=$(($(fp_metric "$MPORT" "huginn_fp_labels_total{match=\"$k\"}") - o))"
	done
	t_eq "$mode: huginn_fp_labels_total moved as p0f labelled the two SYNs" "${got# }" "$want"

	# /fingerprints: the signatures p0f left unlabelled, 3 requests each, curl's UA.
	fp_s curl -s --max-time 5 "http://127.0.0.1:$MPORT/fingerprints" >"$T_DIR/fps-$mode.txt"
	curl_ua="curl/$(fp_c curl --version | sed -n '1s/^curl \([^ ]*\).*/\1/p')"
	awk -F'\t' 'FILENAME == ARGV[1] { want[$1] = 1; next }
		$3 ~ /^os=\?\?\?/ && ($1 in want) { n[$2] += 3 }
		END { for (s in n) print "sig " n[s] " " s }' "$T_DIR/conns" "$T_DIR/p0f.norm" |
		sort >"$T_DIR/fps-want-$mode.txt"
	grep '^sig ' "$T_DIR/fps-$mode.txt" | sort >"$T_DIR/fps-got-$mode.txt"
	t_eq "$mode: /fingerprints lists p0f's unlabelled signatures ($(wc -l <"$T_DIR/fps-want-$mode.txt")) with 3 requests per connection" \
		"$(cat "$T_DIR/fps-got-$mode.txt")" "$(cat "$T_DIR/fps-want-$mode.txt")"
	t_eq "$mode: /fingerprints: every User-Agent line is curl's ($curl_ua)" \
		"$(grep '^ua ' "$T_DIR/fps-$mode.txt" | grep -vc " $curl_ua\$")" 0

	# A miss: the agent does not capture OPORT.  Spoofed headers are removed, not kept.
	hit0=$(fp_metric "$MPORT" 'huginn_fp_lookups_total{result="hit"}')
	miss0=$(fp_metric "$MPORT" 'huginn_fp_lookups_total{result="miss"}')
	# shellcheck disable=SC2086
	fp_c curl -s -o /dev/null -o /dev/null --max-time 10 $SPOOF \
		"http://$T_SADDR4:$OPORT/m/$mode/4" "http://[$T_SADDR6]:$OPORT/m/$mode/6"
	for fam in 4 6; do
		t_wait_for 5 fp_logged "/m/$mode/$fam"
		line=$(grep "^/m/$mode/$fam	" "$T_DIR/access.log" | head -n 1)
		t_eq "$mode: miss (IPv$fam, port $OPORT not captured): spoofed headers removed, none added" \
			"$(printf '%s' "$line" | cut -f2-4)" "-	-	-"
	done
	t_eq "$mode: two misses counted" \
		"$(($(fp_metric "$MPORT" 'huginn_fp_lookups_total{result="miss"}') - miss0))" 2
	t_eq "$mode: no hit counted for them" \
		"$(($(fp_metric "$MPORT" 'huginn_fp_lookups_total{result="hit"}') - hit0))" 0

	# Metrics: lookups, spoofing, the agent's counters read from the pins.
	fp_metrics "$MPORT" >"$T_DIR/metrics-$mode.txt"
	m() { t_metric_of "$T_DIR/metrics-$mode.txt" "$1"; }
	hits=$(m 'huginn_fp_lookups_total{result="hit"}')
	[ "$hits" -ge "$nconn" ]
	t_eq "$mode: huginn_fp_lookups_total{result=\"hit\"} >= $nconn connections ($hits)" "$?" 0
	for r in stale malformed error; do
		t_eq "$mode: huginn_fp_lookups_total{result=\"$r\"} is 0" \
			"$(m "huginn_fp_lookups_total{result=\"$r\"}")" 0
	done
	sp=$(($(m huginn_spoofed_headers_total) - spoof0))
	# 5 spoofing connections x 2 families x 3 requests x 3 headers, plus the 2 misses x 3.
	t_eq "$mode: huginn_spoofed_headers_total moved by 96" "$sp" 96
	t_eq "$mode: huginn_fp_maps_open 1" "$(m huginn_fp_maps_open)" 1
	v4=$(m 'huginn_agent_syn_captured_total{family="ipv4"}')
	v6=$(m 'huginn_agent_syn_captured_total{family="ipv6"}')
	[ "$v4" -ge $((nconn / 2)) ] && [ "$v6" -ge $((nconn / 2)) ]
	t_eq "$mode: agent counters exported (v4 $v4, v6 $v6 SYNs captured)" "$?" 0
	t_check "$mode: huginn_agent_syn_filtered_total counts the port outside the filter" \
		test "$(m huginn_agent_syn_filtered_total)" -ge 2
	t_check "$mode: huginn_agent_syn_insert_failures_total exported, 0" \
		grep -q '^huginn_agent_syn_insert_failures_total 0$' "$T_DIR/metrics-$mode.txt"

	# Source NAT on this node, after XDP and before the socket: the proxy sees another
	# peer address than the SYN carried, finds no record for it: a miss, no header.
	if [ $mode = skb ] && ! command -v nft >/dev/null 2>&1; then
		t_skip "SKIPPED SNAT case: nft is not installed (make test-deps)"
	elif [ $mode = skb ] && ! fp_s nft -f - <<EOF 2>"$T_DIR/nft.err"
table ip hgnat {
	chain input { type nat hook input priority 100; tcp sport 44999 snat to 10.$T_NET.0.99; }
}
EOF
	then
		t_fail "$mode: nft sets up the SNAT case: $(cat "$T_DIR/nft.err")"
	elif [ $mode = skb ]; then
		miss0=$(fp_metric "$MPORT" 'huginn_fp_lookups_total{result="miss"}')
		t_eq "$mode: SNAT'd client (10.$T_NET.0.2:44999 seen as 10.$T_NET.0.99): 200" \
			"$(fp_req 44999 "http://$T_SADDR4:$FP_PORT/snat/$mode")" 200
		t_eq "$mode: SNAT'd client: no x-tcp-p0f" "$(fp_hdr "/snat/$mode")" -
		t_eq "$mode: SNAT'd client: a miss" \
			"$(($(fp_metric "$MPORT" 'huginn_fp_lookups_total{result="miss"}') - miss0))" 1
		fp_s nft delete table ip hgnat
	fi

	t_stop "$PROXY_PID" 15
	t_eq "$mode: proxy exits 0 on SIGTERM" "$T_RC" 0
	t_san_check "$T_DIR/proxy-$mode.err"
	t_stop "$AGENT_PID" 15
	t_eq "$mode: agent exits 0 on SIGTERM" "$T_RC" 0
	base=$((base + 1000))
done
[ "$T_FAILS" -eq 0 ]
