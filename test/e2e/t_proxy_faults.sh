#!/bin/sh
# t_proxy_faults.sh - faults under load (issue 11): wrk runs through huginn-proxy (real
# agent, real XDP on a veth into a client namespace, two nginx backends) while
#   a. the agent is stopped, restarted with another map capacity (maps recreated, the
#      proxy re-opens them) and replaced by a new agent (takeover);
#   b. a backend is killed (SIGKILL) and restarted (and one dies with each request:
#      an idempotent request goes to the other backend, a POST is never sent twice);
#   c. SIGHUP reloads a good config, then a broken one;
#   d. the proxy, started under RLIMIT_NOFILE = 128, is pushed past its fd limit by
#      idle keep-alive connections, then by connections that never finish a head.
# Every wrk request is a new connection ("Connection: close", test/tools/wrk_status.lua
# counts statuses and socket errors) from one of two client addresses whose SYNs differ
# (address B's route has advmss 1200 and hoplimit 50): the backend's access log says for
# each request which client it came from (X-Forwarded-For) and which x-tcp-p0f it
# carried, and p0f on the server side says which raw_sig each address really sends, so
# another client's fingerprint on a request is visible.  Per phase: wrk's counts and the
# backends' lines, zero failed requests where the proxy could serve, the right status
# where it could not, fingerprints present (absent only while no agent runs), never a
# wrong one.  60-100 s on a busy 2-core machine.  Needs root; SKIPs loudly otherwise.
# Ports 23100-23104 inside the test's own server namespace; namespaces flts*/fltc*.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fp_lib.sh"
. "$(dirname "$0")/proxy_lib.sh"

fp_need
t_need_tool wrk prlimit
PP=23100 PM=23101 BA=23102 BB=23103 BD=23104
FP_PORT=$PP # the agent's port filter (fp_agent)
NOFILE=128
# Two connections per wrk, each waiting DELAY ms between its requests: load that a
# shared 2-core machine carries while the faults happen (a few hundred connections/s).
CONNS=${FAULTS_CONNS:-2}
DELAY=${FAULTS_DELAY_MS:-2}
WRK_LUA=$PL_TOOLS/wrk_status.lua

# ---- topology: server namespace with two addresses, client namespace with two ------
T_SNS="flts$T_ID" T_CNS="fltc$T_ID" T_SIF="flts$T_ID" T_CIF="fltc$T_ID"
T_SADDR4="10.$T_NET.0.1" T_CADDR4="10.$T_NET.0.2"
SADDR_B="10.$T_NET.0.11" CADDR_B="10.$T_NET.0.3"
setup() {
	ip netns add "$T_SNS" || return 1
	t_defer "ip netns del $T_SNS"
	ip netns add "$T_CNS" || return 1
	t_defer "ip netns del $T_CNS"
	ip link add "$T_SIF" netns "$T_SNS" type veth peer name "$T_CIF" netns "$T_CNS" || return 1
	t_in "$T_SNS" ip link set lo up &&
		t_in "$T_CNS" ip link set lo up &&
		t_in "$T_SNS" ip addr add "$T_SADDR4/24" dev "$T_SIF" &&
		t_in "$T_SNS" ip addr add "$SADDR_B/24" dev "$T_SIF" &&
		t_in "$T_CNS" ip addr add "$T_CADDR4/24" dev "$T_CIF" &&
		t_in "$T_CNS" ip addr add "$CADDR_B/24" dev "$T_CIF" &&
		t_in "$T_SNS" ip link set "$T_SIF" up &&
		t_in "$T_CNS" ip link set "$T_CIF" up &&
		# Client B: its own source address and SYN shape, chosen by the destination.
		t_in "$T_CNS" ip route add "$SADDR_B/32" dev "$T_CIF" src "$CADDR_B" advmss 1200 \
			hoplimit 50
}
setup || { t_fail "network namespaces"; exit 1; }
t_bpffs || { t_fail "private bpffs"; exit 1; }
PIN=$T_BPFFS/huginn
FP_SNET="--net=/run/netns/$T_SNS"
FP_CNET="--net=/run/netns/$T_CNS"
now() { date +%s.%3N; }
T0=$(date +%s)
elapsed() { echo "$(($(date +%s) - T0)) s"; }

# ---- backends: two nginx, one process each (SIGKILL of the pid stops all of it) ------
# Access log NAME/access.log: msec, uri, status, X-Forwarded-For, x-tcp-p0f.
backend() {
	_d=$T_DIR/$1
	mkdir -p "$_d/tmp"
	cat >"$_d/nginx.conf" <<EOF
daemon off;
master_process off;
pid $_d/nginx.pid;
error_log $_d/error.log warn;
events { worker_connections 4096; }
http {
    client_body_temp_path $_d/tmp/body;
    proxy_temp_path $_d/tmp/proxy;
    fastcgi_temp_path $_d/tmp/fastcgi;
    uwsgi_temp_path $_d/tmp/uwsgi;
    scgi_temp_path $_d/tmp/scgi;
    keepalive_requests 100000;
    keepalive_timeout 60s;
    log_format f '\$msec\t\$request_uri\t\$status\t\$http_x_forwarded_for\t\$http_x_tcp_p0f';
    access_log $_d/access.log f;
    server {
        listen 127.0.0.1:$2;
        location / { return 200 "$1 \$request_uri\n"; }
    }
}
EOF
	nsenter "$FP_SNET" nginx -e "$_d/stderr.log" -p "$_d" -c "$_d/nginx.conf" >"$_d/out" 2>&1 &
	B_PID=$!
	T_PIDS="$B_PID $T_PIDS"
	if ! t_wait_for 10 fp_s curl -sf -o /dev/null --max-time 1 "http://127.0.0.1:$2/up"; then
		t_fail "nginx backend $1 did not start"
		cat "$_d/out" "$_d/error.log" 2>/dev/null | sed 's/^/#   /'
		exit 1
	fi
}
backend ba "$BA"
BA_PID=$B_PID
backend bb "$BB"
# A backend that reads each request and closes without answering (dies with it).
nsenter "$FP_SNET" "$PYTHON" "$PL_TOOLS/bad_backend.py" "$BD" "$T_DIR/drop.log" drop-all \
	>"$T_DIR/drop.out" 2>&1 &
T_PIDS="$! $T_PIDS"
t_wait_for 10 fp_s "$PYTHON" "$PL_TOOLS/rawhttp.py" wait "$BD" 1 ||
	{ t_fail "backend drop-all did not start"; exit 1; }

# ---- the proxy's config: GEN 1 (base), 2 (a header and a route more), broken ---------
conf() {
	cat <<EOF
[server]
workers = 1

[listen]
addrs = ["0.0.0.0:$PP"]

[fingerprint]
tcp_enabled = true
p0f_db = "$FP_DB"

[timeouts]
client_header = 2000

[[backends]]
address = "127.0.0.1:$BA"

[[backends]]
address = "127.0.0.1:$BB"

[[backends]]
address = "127.0.0.1:$BD"

[[routes]]
prefix = "/fb1/"
backend = "127.0.0.1:$BA"

[[routes]]
prefix = "/fx/"
backends = ["127.0.0.1:$BD", "127.0.0.1:$BB"]

[[routes]]
prefix = "/"
backends = ["127.0.0.1:$BA", "127.0.0.1:$BB"]

EOF
	if [ "$1" != 1 ]; then
		printf '[[routes]]\nprefix = "/fc/new/"\nbackend = "127.0.0.1:%s"\n\n' "$BB"
		printf '[headers]\nresponse_add = ["X-Faults-Gen: 2"]\n\n'
	fi
	# A route to a backend that is not in [[backends]]: refused, naming the key and line.
	[ "$1" = broken ] && printf '[[routes]]\nprefix = "/fc/bad/"\nbackend = "127.0.0.1:23109"\n\n'
	printf '[telemetry]\nmetrics_addr = "127.0.0.1:%s"\naccess_log = false\n' "$PM"
}
conf 1 >"$T_DIR/config.toml"

fp_p0f "$PP"
fp_agent a1 HUGINN_EBPF_XDP_MODE=skb || { t_fail "agent a1 attached"; exit 1; }
A1=$AGENT_PID
# The proxy under a low fd limit from the start (phase d); nsenter, env and prlimit exec,
# so $! is the proxy itself.
nsenter "$FP_SNET" env HUGINN_EBPF_PIN_PATH="$PIN" prlimit --nofile=$NOFILE:$NOFILE \
	"$PROXY" "$T_DIR/config.toml" >"$T_DIR/proxy.out" 2>"$T_DIR/proxy.err" &
PROXY_PID=$!
T_PIDS="$PROXY_PID $T_PIDS"
if ! t_wait_for 15 fp_ready "$PM"; then
	t_fail "proxy /ready 200"
	sed 's/^/#   /' "$T_DIR/proxy.err" | tail -n 10
	exit 1
fi
t_eq "proxy runs with RLIMIT_NOFILE $NOFILE" \
	"$(awk '/^Max open files/ { print $4 }' "/proc/$PROXY_PID/limits")" $NOFILE

# ---- load and its counts ----------------------------------------------------------------
LOADS=""
# load NAME ADDR PATH: wrk from the client namespace to http://ADDR:PP/PATH, one new
# connection per request, until load_stop (SIGINT; 60 s at most).
load() {
	nsenter "$FP_CNET" wrk -t 1 -c "$CONNS" -d 60s --timeout 10s -s "$WRK_LUA" \
		"http://$2:$PP$3" -- close "$DELAY" >"$T_DIR/$1.wrk" 2>&1 &
	LOADS="$LOADS $!"
	T_PIDS="$! $T_PIDS"
}
load_stop() {
	for _p in $LOADS; do kill -INT "$_p" 2>/dev/null; done
	for _p in $LOADS; do
		t_gone "$_p" 10 || t_stop "$_p" 1
		wait "$_p" 2>/dev/null
	done
	LOADS=""
}
# wrk_field NAME KEY: KEY= on wrk_status.lua's summary line ("" if wrk did not print it).
wrk_field() {
	awk -v k="$2" '$1 == "wrk" { for (i = 2; i <= NF; i++) if (index($i, k "=") == 1) print substr($i, length(k) + 2) }' "$T_DIR/$1.wrk"
}
wrk_sum() { echo "$(wrk_field "$1" requests) requests, socket errors connect/read/write/timeout $(wrk_field "$1" connect)/$(wrk_field "$1" read)/$(wrk_field "$1" write)/$(wrk_field "$1" timeout), status>=400 $(wrk_field "$1" status) [$(sed -n 's/^status \([0-9]*\) \([0-9]*\)$/\1:\2/p' "$T_DIR/$1.wrk" | tr '\n' ' ' | sed 's/ $//')]"; }
# wrk_clean NAME: wrk completed requests and every one was a 2xx/3xx, no socket error.
wrk_clean() {
	[ "$(wrk_field "$1" requests)" -gt 0 ] 2>/dev/null &&
		[ "$(wrk_field "$1" connect)$(wrk_field "$1" read)$(wrk_field "$1" write)$(wrk_field "$1" timeout)$(wrk_field "$1" status)" = 00000 ]
}
check_wrk() {
	if wrk_clean "$2"; then
		t_ok "$1: zero failed requests ($(wrk_sum "$2"))"
	else
		t_fail "$1: zero failed requests ($(wrk_sum "$2"))"
		sed 's/^/#   /' "$T_DIR/$2.wrk" | tail -n 15
	fi
}

# p0f's raw_sig for each SYN from ADDR, distinct values, one per line.
p0f_sigs() {
	awk -F'|' -v a="$1" '/\] mod=syn\|/ {
		c = ""; r = ""
		for (i = 1; i <= NF; i++) {
			if ($i ~ /^cli=/) { c = substr($i, 5); sub(/\/[0-9]+$/, "", c) }
			if ($i ~ /^raw_sig=/) r = substr($i, 9)
		}
		if (c == a) print r
	}' "$T_DIR/p0f.log" | sort -u
}
# What each client address may carry comes from p0f: the raw_sigs p0f saw from it
# (usually one; the "id+" quirk follows the random IP ID, so a SYN whose ID happens to be
# 0 has a second).  The two sets must not meet, otherwise a wrong attachment could not be
# seen.  SIG_A and SIG_B: the sets, space separated.
expect_sigs() {
	SIG_A=$(p0f_sigs "$T_CADDR4" | tr '\n' ' ')
	SIG_B=$(p0f_sigs "$CADDR_B" | tr '\n' ' ')
	_common=$( (p0f_sigs "$T_CADDR4"; p0f_sigs "$CADDR_B") | sort | uniq -d)
	if [ -n "$SIG_A" ] && [ -n "$SIG_B" ] && [ -z "$_common" ]; then
		t_ok "$1: p0f saw SYN shapes of each client address, none shared (A: $SIG_A; B: $SIG_B)"
	else
		t_fail "$1: p0f saw SYN shapes of each client address, none shared (A: '$SIG_A'; B: '$SIG_B')"
	fi
}
# scan TAG [FROM [TO]]: the backends' lines for /TAG/... logged in [FROM, TO] (epoch
# seconds; nginx's $msec): "n=N hit=H miss=M wrong=W other=O bad=B": hit = x-tcp-p0f
# one of p0f's raw_sigs of the request's own client address, miss = none, wrong = any
# other value, other = a client address the path does not name (/TAG/A/... is sent from
# address A), bad = status other than 200; then up to three wrong lines.
scan() {
	cat "$T_DIR/ba/access.log" "$T_DIR/bb/access.log" 2>/dev/null |
		awk -F'\t' -v tag="/$1/" -v from="${2:-0}" -v to="${3:-1e12}" -v a="$T_CADDR4" \
			-v b="$CADDR_B" -v sa=" $SIG_A" -v sb=" $SIG_B" '
		index($2, tag) == 1 && $1 + 0 >= from + 0 && $1 + 0 <= to + 0 {
			n++
			if ($3 != 200) nb++
			who = substr($2, length(tag) + 1, 1)
			if ((who == "A" && $4 != a) || (who == "B" && $4 != b)) other++
			if ($5 == "-") { miss++; next }
			want = ($4 == a) ? sa : ($4 == b) ? sb : ""
			if (index(want, " " $5 " ")) hit++
			else if (++wrong <= 3) w = w " [" $4 " carried " $5 "]"
		}
		END { printf "n=%d hit=%d miss=%d wrong=%d other=%d bad=%d%s\n", n, hit, miss, wrong, other, nb, w }'
}
sfield() { echo "$1" | sed -n "s/.*[ ^]$2=\([0-9]*\).*/\1/p; s/^$2=\([0-9]*\).*/\1/p" | head -n 1; }
# check_fp DESC SCAN: no wrong fingerprint, no request from an unexpected address.
check_fp() {
	if [ "$(sfield "$2" n)" -gt 0 ] 2>/dev/null && [ "$(sfield "$2" wrong)" = 0 ] &&
		[ "$(sfield "$2" other)" = 0 ] && [ "$(sfield "$2" bad)" = 0 ]; then
		t_ok "$1: never another client's fingerprint ($2)"
	else
		t_fail "$1: never another client's fingerprint ($2)"
	fi
}
metric() { fp_metric "$PM" "$1"; }
# creqs N URL [CURL ARGS...]: N requests (URL1 .. URLN) from the client namespace, each
# on a new connection, in one curl (a process per request is slow on a busy machine);
# their status codes on one line.
creqs() {
	_n=$1 _u=$2
	shift 2
	set -- -s --max-time 20 -H 'Connection: close' -w '%{http_code} ' "$@"
	_i=1
	while [ "$_i" -le "$_n" ]; do
		set -- "$@" -o /dev/null "$_u$_i"
		_i=$((_i + 1))
	done
	fp_c curl "$@"
}
# n200 CODES: how many of CODES are 200.
n200() { echo "$1" | tr ' ' '\n' | grep -c '^200$'; }

# ================= a. the agent stopped, restarted, taken over ===========================
load fa_a "$T_SADDR4" /fa/A/x
load fa_b "$SADDR_B" /fa/B/x
t_wait_for 10 sh -c "grep -q '/fa/B/' '$T_DIR/bb/access.log' '$T_DIR/ba/access.log'"
sleep 1 # the scenario: load with the agent up
t_down=$(now)
t_stop "$A1" 15
t_eq "a: agent a1 exits 0 on SIGTERM under load" "$T_RC" 0
sleep 1.5 # the scenario: load with no agent attached
t_back0=$(now)
if ! fp_agent a2 HUGINN_EBPF_XDP_MODE=skb HUGINN_EBPF_SYN_MAP_MAX_ENTRIES=4096; then
	t_fail "a: agent a2 attached"
	exit 1
fi
A2=$AGENT_PID
t_back=$(now)
# The maps were recreated (other capacity): the proxy re-opens them on its 1 s tick.
reopened() { [ "$(metric huginn_fp_map_reopens_total)" -ge 1 ] 2>/dev/null; }
t_check "a: agent a2 recreated the maps: the proxy re-opened them" t_wait_for 10 reopened
t_reo=$(now)
# first_hit: the time of the first request after the re-open that carried a fingerprint.
first_hit() {
	cat "$T_DIR/ba/access.log" "$T_DIR/bb/access.log" | awk -F'\t' -v t="$t_reo" '
		index($2, "/fa/") == 1 && $1 + 0 > t + 0 && $5 != "-" { if (!m || $1 < m) m = $1 }
		END { if (m) print m; else exit 1 }'
}
t_wait_for 10 first_hit
t_res=$(first_hit)
sleep 1.5 # the scenario: load on agent a2's maps
# A new agent while a2 runs: it takes the pinned link over; then a2 gets SIGTERM.
t_to0=$(now)
fp_agent a3 HUGINN_EBPF_XDP_MODE=skb HUGINN_EBPF_SYN_MAP_MAX_ENTRIES=4096 ||
	t_fail "a: agent a3 took over"
A3=$AGENT_PID
t_stop "$A2" 15
t_eq "a: agent a2 exits 0 after the takeover" "$T_RC" 0
t_check "a: ... saying a successor took over" grep -q 'a successor took over' "$T_DIR/a2.log"
sleep 1.5 # the scenario: load on agent a3
t_end=$(now)
load_stop
expect_sigs a
check_wrk "a: client A through stop/restart/takeover" fa_a
check_wrk "a: client B through stop/restart/takeover" fa_b
all=$(scan fa)
t_diag "a: backends logged $all"
check_fp "a" "$all"
s=$(scan fa 0 "$t_down")
[ "$(sfield "$s" n)" -gt 0 ] 2>/dev/null && [ "$(sfield "$s" miss)" = 0 ]
t_eq "a: before the stop every request carried its fingerprint ($s)" "$?" 0
s=$(scan fa "$t_down" "$t_back0")
[ "$(sfield "$s" n)" -gt 0 ] 2>/dev/null
t_eq "a: while no agent ran requests were still served ($s)" "$?" 0
if [ -n "$t_res" ]; then
	t_ok "a: fingerprints resumed: maps re-opened $(echo "$t_reo $t_back" | awk '{ printf "%.1f", $1 - $2 }') s after agent a2 attached, first fingerprint $(echo "$t_res $t_reo" | awk '{ printf "%.2f", $1 - $2 }') s later"
else
	t_fail "a: fingerprints resumed within 10 s after the re-open"
fi
# From 1 s after the re-open was seen (room for requests accepted just before it),
# through the takeover, to the end: every request carries its own fingerprint.
s=$(scan fa "$(echo "$t_reo" | awk '{ printf "%.3f", $1 + 1 }')" "$t_end")
[ "$(sfield "$s" n)" -gt 0 ] 2>/dev/null && [ "$(sfield "$s" miss)" = 0 ]
t_eq "a: after the restart and across the takeover no request missed its fingerprint ($s)" "$?" 0
s=$(scan fa "$t_to0" "$t_end")
t_diag "a: during and after the takeover: $s"
t_eq "a: agent a3's program is the one attached" "$(t_xdp_id)" "$(t_prog_id_of a3)"

t_diag "phase a done at $(elapsed)"

# ================= b. a backend killed and restarted =====================================
load fb_a "$T_SADDR4" /fb/A/x
load fb_b "$SADDR_B" /fb/B/x
load fb1 "$T_SADDR4" /fb1/A/x
t_wait_for 10 sh -c "grep -q '/fb1/' '$T_DIR/ba/access.log'"
sleep 1 # the scenario: load on both backends
kill -KILL "$BA_PID"
wait "$BA_PID" 2>/dev/null
t_kill=$(now)
sleep 1 # the scenario: load while backend A is gone
# What a client of the route with only backend A gets, on one keep-alive connection and
# with Connection: close (docs/proxy.md: 502 when the backend refuses).
out=$(fp_c curl -s -o /dev/null -o /dev/null -w '%{http_code} %{num_connects}\n' --max-time 10 \
	"http://$T_SADDR4:$PP/fb1/A/k1" "http://$T_SADDR4:$PP/fb1/A/k2" | tr '\n' ' ')
t_eq "b: backend down, route with only that backend: 502 twice on one keep-alive connection" \
	"$out" "502 1 502 0 "
hd=$(fp_c curl -s -D - -o /dev/null --max-time 10 -H 'Connection: close' \
	"http://$T_SADDR4:$PP/fb1/A/c" | tr -d '\r')
t_check "b: ... and 502 with Connection: close when the client asked to close" \
	sh -c "printf '%s\n' \"\$1\" | grep -q '^HTTP/1.1 502' && printf '%s\n' \"\$1\" | grep -qi '^connection: close'" x "$hd"
t_rst=$(now)
backend ba "$BA"
BA_PID=$B_PID
# Backend A takes round-robin requests again (its 2 s "down" mark expires).
back_a() {
	awk -F'\t' -v t="$t_rst" 'index($2, "/fb/") == 1 && $1 + 0 > t + 0 { f = 1 } END { exit !f }' \
		"$T_DIR/ba/access.log"
}
t_check "b: backend A restarted takes requests again" t_wait_for 10 back_a
t_check "b: the single-backend route answers 200 again" \
	t_wait_for 10 sh -c "[ \"\$(nsenter $FP_CNET curl -s -o /dev/null -w '%{http_code}' --max-time 5 http://$T_SADDR4:$PP/fb1/A/w)\" = 200 ]"
load_stop
check_wrk "b: round robin over A and B, client A, A killed and restarted" fb_a
check_wrk "b: round robin over A and B, client B, A killed and restarted" fb_b
s=$(awk -F'\t' -v f="$t_kill" -v t="$t_rst" 'index($2, "/fb/") == 1 && $1 + 0 > f + 0 && $1 + 0 < t + 0' \
	"$T_DIR/bb/access.log" | wc -l)
t_check "b: backend B served the round-robin route while A was down ($s requests)" [ "$s" -gt 0 ]
# The single-backend route: 200 or 502, nothing else, no socket error.
n502=$(sed -n 's/^status 502 //p' "$T_DIR/fb1.wrk")
other=$(sed -n 's/^status \([0-9]*\) .*/\1/p' "$T_DIR/fb1.wrk" | grep -vxE '200|502' | tr '\n' ' ')
[ "${n502:-0}" -gt 0 ] && [ -z "$other" ] &&
	[ "$(wrk_field fb1 connect)$(wrk_field fb1 read)$(wrk_field fb1 write)$(wrk_field fb1 timeout)" = 0000 ]
t_eq "b: single-backend route under load: only 200 and 502, no socket error ($(wrk_sum fb1))" "$?" 0
codes=$(creqs 10 "http://$T_SADDR4:$PP/fb1/A/after")
t_eq "b: after the restart 10 of 10 requests to the single-backend route succeed ($codes)" \
	"$(n200 "$codes")" 10
# A backend that closes the connection with the request unanswered (as a crash does):
# an idempotent request without a body goes to the route's other backend (RFC 9110
# 9.2.2 allows the retry); a POST with a body is never sent twice: 502.
ok=$(n200 "$(creqs 8 "http://$T_SADDR4:$PP/fx/A/get")")
dropped=$(grep -c '^REQ .* GET /fx/A/get' "$T_DIR/drop.log")
t_eq "b: a backend that dies with the request: $ok of 8 GETs answered 200 by the other ($dropped reached the dying one)" \
	"$ok $([ "$dropped" -gt 0 ] && echo exercised)" "8 exercised"
codes=" $(creqs 4 "http://$T_SADDR4:$PP/fx/A/post" --data-binary x)"
seen=$(cat "$T_DIR/drop.log" "$T_DIR/bb/access.log" | grep -c '/fx/A/post')
n502=$(echo "$codes" | tr ' ' '\n' | grep -c '^502$')
t_eq "b: ... POSTs with a body: 502 from the dying one, never sent twice (codes$codes)" \
	"$seen $(echo "$codes" | tr ' ' '\n' | grep -cE '^(200|502)$') $([ "$n502" -gt 0 ] && echo exercised)" \
	"4 4 exercised"
expect_sigs b
check_fp "b" "$(scan fb)"
s=$(scan fb)
[ "$(sfield "$s" miss)" = 0 ]
t_eq "b: every request carried its fingerprint" "$?" 0

t_diag "phase b done at $(elapsed)"

# ================= c. SIGHUP: a good config, then a broken one ===========================
reloads() { [ "$(metric huginn_config_reloads_total)" -ge "$1" ] 2>/dev/null; }
failures() { [ "$(metric huginn_config_reload_failures_total)" -ge "$1" ] 2>/dev/null; }
gen_hdr() {
	fp_c curl -s -D - -o /dev/null --max-time 5 "http://$T_SADDR4:$PP/fc/A/probe" |
		tr -d '\r' | sed -n 's/^X-Faults-Gen: //ip'
}
load fc_a "$T_SADDR4" /fc/A/x
load fc_b "$SADDR_B" /fc/B/x
t_wait_for 10 sh -c "grep -q '/fc/B/' '$T_DIR/ba/access.log' '$T_DIR/bb/access.log'"
sleep 1 # the scenario: the reloads land in the middle of the load
t_eq "c: before the reload no X-Faults-Gen header" "$(gen_hdr)" ""
conf 2 >"$T_DIR/config.toml"
kill -HUP "$PROXY_PID"
t_check "c: good config: reload counted" t_wait_for 10 reloads 1
t_eq "c: good config: the new response_add rule applies" "$(gen_hdr)" 2
t_eq "c: good config: the new route /fc/new/ goes to backend B" \
	"$(fp_c curl -s --max-time 5 "http://$T_SADDR4:$PP/fc/new/A/x")" "bb /fc/new/A/x"
sleep 1 # the scenario: load on the new config
conf broken >"$T_DIR/config.toml"
line=$(grep -n '^backend = "127.0.0.1:23109"' "$T_DIR/config.toml" | cut -d: -f1)
kill -HUP "$PROXY_PID"
t_check "c: broken config: refusal counted" t_wait_for 10 failures 1
t_check "c: broken config: the error names the file, line $line and the key" \
	grep -qE "config\.toml:$line:[0-9]+: key 'routes\.backend'" "$T_DIR/proxy.err"
t_diag "c: $(grep 'keeping the old config' "$T_DIR/proxy.err" | tail -n 1)"
t_eq "c: broken config: the old config stays (response_add)" "$(gen_hdr)" 2
t_eq "c: broken config: the old config stays (route /fc/new/)" \
	"$(fp_c curl -s --max-time 5 "http://$T_SADDR4:$PP/fc/new/A/y")" "bb /fc/new/A/y"
t_eq "c: broken config: reloads counter unchanged" "$(metric huginn_config_reloads_total)" 1
sleep 1 # the scenario: load after the refused reload
conf 2 >"$T_DIR/config.toml"
load_stop
check_wrk "c: client A through both reloads" fc_a
check_wrk "c: client B through both reloads" fc_b
expect_sigs c
s=$(scan fc)
check_fp "c" "$s"
[ "$(sfield "$s" miss)" = 0 ]
t_eq "c: every request carried its fingerprint" "$?" 0
t_check "c: same proxy process" kill -0 "$PROXY_PID"

t_diag "phase c done at $(elapsed)"

# ================= d. the fd limit =======================================================
# hold.py MODE ADDR PORT N GO SECS: N connections to ADDR:PORT; MODE idle sends a whole
# request on each (the proxy answers and then keeps them as idle keep-alive), partial a
# head that never ends.  It reads until every connection has an answer or was closed (or
# SECS pass), prints "ready ...", waits for the file GO, closes all, prints "done".
# Counts: answered (a response head came; status:count), eof_after (closed by the proxy
# after its answer), eof_before / reset (closed with no answer: not clean), waiting
# (neither: still queued or waiting when it stopped looking).
cat >"$T_DIR/hold.py" <<'EOF'
import os, select, socket, sys, time
mode, addr, port, n, go, secs = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], float(sys.argv[6])
conns, buf, st, fail = [], {}, {}, {}
for i in range(n):
    s = socket.socket()
    s.settimeout(5)
    try:
        s.connect((addr, port))
        if mode == "idle":
            s.sendall(b"GET /fd/A/hold%d HTTP/1.1\r\nHost: t\r\n\r\n" % i)
        else:
            s.sendall(b"GET /fd/A/part%d HTTP/1.1\r\nHost: t\r\n" % i)
    except OSError as e:
        fail[i] = "connect"
        continue
    s.setblocking(False)
    conns.append(s)
    buf[s] = b""
end = time.monotonic() + secs
def pending():
    return [s for s in conns if s not in st and b"\r\n\r\n" not in buf[s]]
settle = None
while time.monotonic() < end:
    if settle is None and not pending():
        settle = time.monotonic() + 0.5  # closes that follow the last answer
    if settle is not None and time.monotonic() > settle:
        break
    r, _, _ = select.select([s for s in conns if s not in st], [], [], 0.1)
    for s in r:
        try:
            d = s.recv(65536)
        except OSError:
            st[s] = "reset"
            continue
        if not d:
            st[s] = "eof_after" if b"\r\n\r\n" in buf[s] else "eof_before"
            continue
        buf[s] += d
answered, codes = 0, {}
for s in conns:
    if b"\r\n\r\n" in buf[s]:
        answered += 1
        c = buf[s].split(b" ", 2)[1].decode()
        codes[c] = codes.get(c, 0) + 1
def count(k):
    return sum(1 for s in conns if st.get(s) == k)
waiting = sum(1 for s in conns if s not in st and b"\r\n\r\n" not in buf[s])
print("ready opened=%d connect_failed=%d answered=%d eof_after=%d eof_before=%d reset=%d waiting=%d status=%s" % (
    len(conns), len(fail), answered, count("eof_after"), count("eof_before"), count("reset"), waiting,
    ",".join("%s:%d" % kv for kv in sorted(codes.items()))), flush=True)
end = time.monotonic() + 60
while not os.path.exists(go) and time.monotonic() < end:
    time.sleep(0.05)
for s in conns:
    s.close()
print("done", flush=True)
EOF
nfd() { ls "/proc/$PROXY_PID/fd" | wc -l; }
fd0=$(nfd)
K=$((NOFILE + 40))
# accept's EMFILE as logged (strerror's text differs between C libraries).
emfiles() { grep -cE 'accept: (Too many open files|No file descriptors available)' "$T_DIR/proxy.err"; }
emfiles_above() { [ "$(emfiles)" -gt "$1" ]; }
emfile0=$(emfiles)
# hold NAME MODE SECS: hold.py from the client namespace (address A), in the background.
hold() {
	nsenter "$FP_CNET" timeout 90 "$PYTHON" "$T_DIR/hold.py" "$2" "$T_SADDR4" "$PP" "$K" \
		"$T_DIR/$1.go" "$3" >"$T_DIR/$1.out" 2>&1 &
	HOLD_PID=$!
	T_PIDS="$HOLD_PID $T_PIDS"
}
hfield() { sfield "$(head -n 1 "$T_DIR/$1.out" | sed 's/^ready //')" "$2"; }
load fd_a "$T_SADDR4" /fd/A/x
load fd_b "$SADDR_B" /fd/B/x
t_wait_for 10 sh -c "grep -q '/fd/B/' '$T_DIR/ba/access.log' '$T_DIR/bb/access.log'"
t_diag "d: the proxy holds $fd0 fds under load, limit $NOFILE; $K connections come"
# d1: idle keep-alive connections past the limit.
hold d1 idle 20
t_wait_for 30 grep -q '^ready' "$T_DIR/d1.out"
t_diag "d1 (idle, at $(elapsed)): $(head -n 1 "$T_DIR/d1.out")"
t_check "d1: the fd limit was reached (accept's EMFILE logged)" t_wait_for 5 emfiles_above "$emfile0"
# Served, or a clean 503 when no fd could be found for its upstream connection either
# (nothing idle left to close; docs/proxy.md): never 502, the backends are fine.
d1codes=$(head -n 1 "$T_DIR/d1.out" | sed -n 's/.*status=//p')
t_eq "d1: all $K keep-alive clients, also those beyond the limit, answered 200 (or 503): $d1codes" \
	"$(hfield d1 answered) $(echo "$d1codes" | tr ',' '\n' | grep -vE '^(200|503):' | tr '\n' ' ')" "$K "
[ "$(hfield d1 eof_after)" -gt 0 ] 2>/dev/null
t_eq "d1: idle ones were closed early to make room ($(hfield d1 eof_after) closed after their answer)" "$?" 0
t_eq "d1: no connection closed or reset without an answer" \
	"$(hfield d1 eof_before) $(hfield d1 reset) $(hfield d1 connect_failed)" "0 0 0"
touch "$T_DIR/d1.go"
t_gone "$HOLD_PID" 10
# d2: connections that never finish a head: nothing is idle, fds come back only when
# their 408 (client_header = 2000 ms) closes them; accepting resumes on the retry timer.
emfile1=$(emfiles)
hold d2 partial 20
t_wait_for 30 grep -q '^ready' "$T_DIR/d2.out"
t_diag "d2 (partial heads, at $(elapsed)): $(head -n 1 "$T_DIR/d2.out")"
t_eq "d2: all $K clients with an unfinished head got a clean 408, none was dropped" \
	"$(hfield d2 answered) $(head -n 1 "$T_DIR/d2.out" | sed -n 's/.*status=//p') $(hfield d2 eof_before) $(hfield d2 reset)" \
	"$K 408:$K 0 0"
touch "$T_DIR/d2.go"
t_gone "$HOLD_PID" 10
sleep 1 # the scenario: load after the fds came back
load_stop
# The log says it at most once a second: a second line, or d2 came within that second.
t_check "d2: the fd limit was reached again" t_wait_for 5 emfiles_above "$emfile1"
# wrk_codes_only NAME REGEX: no socket error, every status matches REGEX.
wrk_codes_only() {
	[ "$(wrk_field "$1" requests)" -gt 0 ] 2>/dev/null &&
		[ "$(wrk_field "$1" connect)$(wrk_field "$1" read)$(wrk_field "$1" write)$(wrk_field "$1" timeout)" = 0000 ] &&
		! sed -n 's/^status \([0-9]*\) .*/\1/p' "$T_DIR/$1.wrk" | grep -qvxE "$2"
}
for w in fd_a fd_b; do
	t_check "d: $w through the fd limit: no socket error, only 200 (or a clean 503) ($(wrk_sum "$w"))" \
		wrk_codes_only "$w" '200|503'
done
expect_sigs d
s=$(scan fd)
check_fp "d" "$s"
t_diag "d: fingerprints: $s (a miss here is a connection that waited in the accept queue)"
t_check "d: same proxy process, no crash" kill -0 "$PROXY_PID"
# Client connections come back down to the load's own (pooled upstream connections stay
# until timeouts.idle).
few_clients() { [ "$(metric huginn_active_client_connections)" -le 4 ] 2>/dev/null; }
t_check "d: client connections back to a few ($(metric huginn_active_client_connections); the proxy holds $(nfd) fds)" \
	t_wait_for 10 few_clients
codes=$(creqs 10 "http://$SADDR_B:$PP/fd/B/after")
t_eq "d: afterwards 10 of 10 requests succeed ($codes)" "$(n200 "$codes")" 10

t_diag "phase d done at $(elapsed)"

# ---- the end ------------------------------------------------------------------------------
t_stop "$PROXY_PID" 15
t_eq "proxy exits 0 on SIGTERM" "$T_RC" 0
t_san_check "$T_DIR/proxy.err"
t_stop "$A3" 15
t_eq "agent a3 exits 0 on SIGTERM" "$T_RC" 0
exit "$((T_FAILS > 0))"
