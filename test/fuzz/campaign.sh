#!/bin/sh
# A recorded libFuzzer campaign: each target given on the command line runs
# -runs=$FUZZ_RUNS (default 10000000) executions from a scratch copy of its seed corpus
# (test/fuzz/corpus/<target>/ plus the files <target>.seeds names), at most
# FUZZ_JOBS (default 2) targets at a time, under `nice -n ${FUZZ_NICE:-10}`.
#
# Per target it records, from libFuzzer's own output (-print_final_stats=1):
# executions (stat::number_of_executed_units), wall time, exec/s (executions / wall
# time), peak RSS (stat::peak_rss_mb), coverage (cov/ft of the last status line) and the
# result: none, or crash / leak / timeout / oom (libFuzzer's report names which), with
# the reproducer kept under the work directory.  The table goes to $FUZZ_OUT (default
# $BUILD/fuzz-campaign.md) as Markdown; the logs stay in $FUZZ_WORK.
# FUZZ_MAX_TIME (seconds, unset: none) stops a target early; the table then shows the
# executions it reached, marked "short".  Exit status 1 when any target found something.
set -u
runs=${FUZZ_RUNS:-10000000}
jobs=${FUZZ_JOBS:-2}
nicen=${FUZZ_NICE:-10}
build=${BUILD:-build}
out=${FUZZ_OUT:-$build/fuzz-campaign.md}
work=${FUZZ_WORK:-$(mktemp -d /tmp/huginn-campaign.XXXXXX)}
mkdir -p "$work"

# What each target parses (the table's second column).
what() {
	case "$1" in
	fuzz_agent_cfg) echo "agent HUGINN_EBPF_* environment" ;;
	fuzz_btf) echo "BTF blob (type section, strings)" ;;
	fuzz_elf) echo "BPF ELF object (sections, maps, relocations)" ;;
	fuzz_frame) echo "Ethernet/VLAN/IPv4/IPv6/TCP frame, TCP options (XDP parser)" ;;
	fuzz_http_parse) echo "HTTP/1.x request head, response head, chunked body" ;;
	fuzz_http_rewrite) echo "HTTP request/response head rewriting" ;;
	fuzz_http_target) echo "request target (origin/absolute form, dot segments)" ;;
	fuzz_netlink) echo "rtnetlink replies and link attributes" ;;
	fuzz_p0f_db) echo "p0f.fp database text, matching" ;;
	fuzz_p0f_sig) echo "SYN record -> p0f signature rendering" ;;
	fuzz_p0f_ua) echo "User-Agent value -> OS family" ;;
	fuzz_pcap) echo "pcap/pcapng file, link types, TLS capture" ;;
	fuzz_pp) echo "PROXY protocol v1/v2 decoder and v2 encoder" ;;
	fuzz_proxy_config) echo "config.toml: TOML reader, config incl. [[passthrough]], trusted_proxies" ;;
	fuzz_proxy_ppin) echo "PROXY input policy (trusted peers, TLV lines), CIDR" ;;
	fuzz_tcpflow) echo "TCP stream reassembly, ClientHello over segments" ;;
	fuzz_tls_hello) echo "TLS records, ClientHello, JA4 inputs" ;;
	fuzz_tunnel_hello) echo "passthrough first flight, PROXY v2 header out" ;;
	*) echo "-" ;;
	esac
}

one() {
	bin=$1
	name=$(basename "$bin")
	d="$work/$name"
	rm -rf "$d"
	mkdir -p "$d/corpus"
	[ -d "test/fuzz/corpus/$name" ] && cp -r "test/fuzz/corpus/$name/." "$d/corpus/"
	# Lines of <target>.seeds name build outputs, e.g. "$BUILD/xdp_syn.o".
	[ -f "test/fuzz/corpus/$name.seeds" ] && while read -r f; do
		f=$(printf '%s' "$f" | sed "s|\$BUILD|$build|")
		[ -f "$f" ] && cp "$f" "$d/corpus/"
	done <"test/fuzz/corpus/$name.seeds"
	t0=$(date +%s)
	# quarantine_size_mb: the parsers allocate nothing (STYLE.md), the targets one copy of
	# the input; ASan's default 256 MB quarantine of freed copies only makes every copy
	# land on fresh pages (page faults were half of the time of the slow targets).
	ASAN_OPTIONS=${ASAN_OPTIONS:-quarantine_size_mb=8} nice -n "$nicen" "$bin" -runs="$runs" \
		${FUZZ_MAX_TIME:+-max_total_time=$FUZZ_MAX_TIME} -print_final_stats=1 \
		-rss_limit_mb=2048 -timeout=10 -artifact_prefix="$d/" $FUZZ_FLAGS "$d/corpus" \
		>"$d/log" 2>&1
	rc=$?
	t1=$(date +%s)
	echo "$rc $t0 $t1" >"$d/rc"
}

status=0
FUZZ_FLAGS=${FUZZ_FLAGS:-}
# The tree fuzzed: as it is when the run starts (commits made during it are not).
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
[ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ] && commit="$commit (dirty)"
# Run the targets FUZZ_JOBS at a time (pids polled: dash's `jobs` in a subshell sees none).
pids=""
for bin in "$@"; do
	while :; do
		live=""
		for p in $pids; do
			kill -0 "$p" 2>/dev/null && live="$live $p"
		done
		pids=$live
		[ "$(echo $pids | wc -w)" -lt "$jobs" ] && break
		sleep 5
	done
	one "$bin" &
	pids="$pids $!"
done
wait

{
	echo "Commit $commit, $(date -u '+%Y-%m-%d %H:%M UTC'), FUZZ_RUNS=$runs, $(${CLANG:-clang} --version | head -n 1)."
	echo
	echo "| target | parses | executions | time (s) | exec/s | peak RSS (MB) | cov / ft | result |"
	echo "|---|---|---:|---:|---:|---:|---|---|"
} >"$out"
for bin in "$@"; do
	name=$(basename "$bin")
	d="$work/$name"
	read -r rc t0 t1 <"$d/rc"
	log="$d/log"
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | tail -n 1)
	cov=$(grep -Eo 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -n 1 | sed 's/cov: \([0-9]*\) ft: \([0-9]*\)/\1 \/ \2/')
	secs=$((t1 - t0))
	[ "$secs" -gt 0 ] || secs=1
	execs=${execs:-0}
	if grep -q 'ERROR: LeakSanitizer' "$log"; then
		res=leak
	elif grep -q 'ERROR: libFuzzer: timeout' "$log"; then
		res=timeout
	elif grep -q 'ERROR: libFuzzer: out-of-memory' "$log"; then
		res=oom
	elif [ "$rc" -ne 0 ] || grep -q -E '^==[0-9]+==ERROR|runtime error:|deadly signal' "$log"; then
		res=crash
	else
		res=none
	fi
	if [ "$res" != none ]; then
		status=1
		art=$(grep -o 'Test unit written to [^ ]*' "$log" | tail -n 1 | sed 's/Test unit written to //')
		echo "not ok - $name: $res after $execs runs; log $log${art:+, input $art}"
		grep -E 'ERROR|SUMMARY|runtime error' "$log" | head -n 10 | sed 's/^/#   /'
	elif [ "$execs" -lt "$runs" ]; then
		res="none (short)"
		echo "ok - $name: nothing found, but only $execs of $runs runs (time limit)"
	else
		echo "ok - $name: $execs runs in ${secs}s, nothing found"
	fi
	printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$name" "$(what "$name")" "$execs" \
		"$secs" "$((execs / secs))" "${rss:--}" "${cov:--}" "$res" >>"$out"
done
echo "# table: $out; logs: $work"
exit $status
