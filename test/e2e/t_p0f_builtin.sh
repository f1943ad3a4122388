#!/bin/sh
# t_p0f_builtin.sh - huginn's own signature database (p0f/huginn.fp).
#
# 1. The file: parses with no message at all, every 'sig' line is directly
#    preceded by a '; src:' comment whose tags are all defined in the file's
#    source table, and the generated Linux/Windows blocks are up to date
#    (test/tools/gen_linux_sigs.py --check).
# 2. Crafted SYNs of today's stacks (test/tools/craft_syns.py, from published
#    layouts) -> `huginn-proxy fingerprint` with no --db (the database built into the
#    binary, which must be this file: checked against --db p0f/huginn.fp): each line's
#    label against test/data/p0f/crafted.expect (family, and the version range
#    where one is claimed), which was written from the sources, not from us;
#    the real p0f 3.09b, when installed, must load the file and agree.
# 3. Live SYNs from this machine's kernel (namespaces, tcpdump): labelled Linux
#    with a range that includes the running kernel's version.
. "$(dirname "$0")/lib.sh"

DB=${DB:-$T_TOP/p0f/huginn.fp}
EXPECT=$T_TOP/test/data/p0f/crafted.expect
if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=python3; fi
if [ ! -x "$PROXY" ]; then
	t_fail "$PROXY is not built (make BUILD=$BUILD $PROXY)"
	exit 1
fi
# fp_db_args: the database option for `fingerprint`: none, the built-in one is the default.
fp_db_args=""

# ---- 1. the file -----------------------------------------------------------------
awk '
	/^; \[[a-z0-9.-]+\]/ { t = $2; gsub(/[][]/, "", t); tags[t] = 1 }
	/^sig[ \t]*=/ {
		nsig++
		if (prev !~ /^; src: /) { printf "line %d: sig without a src comment\n", NR; bad++ }
		else {
			n = split(prev, w, " ")
			known = 0
			for (i = 3; i <= n && w[i] !~ /^\(/; i++) {
				if (!(w[i] in tags)) { printf "line %d: unknown source tag %s\n", NR - 1, w[i]; bad++ }
				known++
			}
			if (!known) { printf "line %d: src comment names no source\n", NR - 1; bad++ }
		}
	}
	{ prev = $0 }
	END { printf "%d sig lines\n", nsig; exit bad > 0 }' "$DB" >"$T_DIR/src.txt"
rc=$?
t_eq "every sig line has a src comment with known source tags ($(tail -n 1 "$T_DIR/src.txt"))" \
	"$rc" 0
[ "$rc" -eq 0 ] || sed 's/^/#   /' "$T_DIR/src.txt" | head -n 10
if "$PY" "$T_TOP/test/tools/gen_linux_sigs.py" --check "$DB" >"$T_DIR/gen.diff" 2>&1; then
	t_ok "generated Linux/Windows blocks are up to date"
else
	t_fail "generated blocks are stale: run test/tools/gen_linux_sigs.py"
	sed 's/^/#   /' "$T_DIR/gen.diff" | head -n 20
fi

# ---- 2. crafted SYNs ---------------------------------------------------------------
if ! "$PY" -c 'import scapy' >/dev/null 2>&1; then
	t_skip "SKIPPED crafted SYNs: python3-scapy is not installed (apt-get install python3-scapy)"
else
	if ! "$PY" "$T_TOP/test/tools/craft_syns.py" "$T_DIR/crafted.pcap" "$T_DIR/crafted.names" \
		>"$T_DIR/craft.log" 2>&1; then
		t_fail "craft_syns.py failed: $(tail -n 3 "$T_DIR/craft.log")"
		exit 1
	fi
	# shellcheck disable=SC2086
	"$PROXY" fingerprint "$T_DIR/crafted.pcap" $fp_db_args >"$T_DIR/crafted.txt" \
		2>"$T_DIR/crafted.err"
	rc=$?
	t_eq "fingerprint on the crafted pcap: exit status 0" "$rc" 0
	t_eq "the database parses without a message (stderr empty)" "$(cat "$T_DIR/crafted.err")" ""
	t_eq "one line per crafted SYN" "$(wc -l <"$T_DIR/crafted.txt")" \
		"$(wc -l <"$T_DIR/crafted.names")"
	# The binary carries this very file: the same lines as when it is named.
	"$PROXY" fingerprint "$T_DIR/crafted.pcap" --db "$DB" >"$T_DIR/crafted.file.txt" 2>&1
	t_eq "no --db gives the same lines as --db $(basename "$DB") (the file is built in)" \
		"$(cat "$T_DIR/crafted.txt")" "$(cat "$T_DIR/crafted.file.txt")"
	t_eq "every case has an expectation and the other way round" \
		"$(cut -f2 "$T_DIR/crafted.names" | sort)" \
		"$(grep -v '^#' "$EXPECT" | cut -f1 | sort)"
	# case<TAB>family<TAB>range from the expectation; port -> case from craft_syns.py;
	# os= from our output.  Family is the label's first word ("???" for none).
	awk -F'\t' -v tname="$T_NAME" '
		FILENAME == ARGV[1] { if ($0 !~ /^#/) { fam[$1] = $2; rng[$1] = $3 }; next }
		FILENAME == ARGV[2] { name[$1] = $2; next }
		{
			split($0, f, "|"); port = f[1]; sub(/.*\//, "", port)
			os = f[3]; sub(/^os=/, "", os)
			nm = name[port]; gotfam = os; sub(/ .*/, "", gotfam)
			want = (rng[nm] == "-" || fam[nm] == "???") ? fam[nm] : fam[nm] " " rng[nm]
			got = (rng[nm] == "-" || fam[nm] == "???") ? gotfam : os
			if (nm == "") { printf "not ok - %s: crafted port %s: no case\n", tname, port; next }
			if (got == want)
				printf "ok - %s: crafted %s: %s (%s)\n", tname, nm, os, f[6]
			else
				printf "not ok - %s: crafted %s\n#   got:  %s\n#   want: %s\n#   %s\n", \
					tname, nm, os, want, f[6]
		}' "$EXPECT" "$T_DIR/crafted.names" "$T_DIR/crafted.txt" >"$T_DIR/crafted.tap"
	cat "$T_DIR/crafted.tap"
	T_FAILS=$((T_FAILS + $(grep -c '^not ok' "$T_DIR/crafted.tap")))
	# The real p0f 3.09b must load the same file and pick the same labels.
	P0F=$(command -v p0f || echo /usr/sbin/p0f)
	if [ -x "$P0F" ]; then
		if TZ=UTC "$P0F" -f "$DB" -r "$T_DIR/crafted.pcap" -o "$T_DIR/p0f.log" \
			>"$T_DIR/p0f.out" 2>&1; then
			awk -F'|' '/\] mod=syn\|/ { for (i = 1; i <= NF; i++) {
				if ($i ~ /^cli=/) { p = $i; sub(/.*\//, "", p) }
				if ($i ~ /^(os|app)=/) { o = $i; sub(/^[a-z]+=/, "", o) } }
				print p "\t" o }' "$T_DIR/p0f.log" | sort >"$T_DIR/p0f.os"
			awk -F'|' '{ p = $1; sub(/.*\//, "", p); o = $3; sub(/^os=/, "", o)
				print p "\t" o }' "$T_DIR/crafted.txt" | sort >"$T_DIR/ours.os"
			# p0f's mod=mtu link names against our link= field (same MSS, same file).
			awk -F'|' '/\] mod=mtu\|/ { p = $2; sub(/.*\//, "", p); l = $5; sub(/^link=/, "", l)
				m = $6; sub(/^raw_mtu=/, "", m); print p "\t" l "\t" m }' \
				"$T_DIR/p0f.log" | sort >"$T_DIR/p0f.link"
			awk -F'|' '{ p = $1; sub(/.*\//, "", p); l = ""; m = ""
				for (i = 7; i <= NF; i++) { if ($i ~ /^link=/) l = substr($i, 6)
					if ($i ~ /^mtu=/) m = substr($i, 5) }
				if (m != "") print p "\t" l "\t" m }' "$T_DIR/crafted.txt" |
				sort >"$T_DIR/ours.link"
			# p0f writes no mtu line after a tool match; none of these SYNs is one.
			t_eq "p0f 3.09b gives the same link and MTU for every crafted SYN ($(wc -l <"$T_DIR/p0f.link") lines)" \
				"$(cat "$T_DIR/p0f.link")" "$(cat "$T_DIR/ours.link")"
			t_eq "p0f 3.09b loads the file without a warning" \
				"$(grep -ciE 'warn|error' "$T_DIR/p0f.out")" 0
			t_eq "p0f 3.09b gives the same label for every crafted SYN" \
				"$(cat "$T_DIR/p0f.os")" "$(cat "$T_DIR/ours.os")"
		else
			t_fail "p0f -r with the database failed: $(tail -n 3 "$T_DIR/p0f.out")"
		fi
	else
		t_skip "SKIPPED p0f comparison: p0f is not installed"
	fi
fi

# ---- 3. live kernel SYNs -----------------------------------------------------------
if [ "$(id -u)" != 0 ] || ! command -v tcpdump >/dev/null 2>&1; then
	t_skip "SKIPPED live kernel SYNs: needs root and tcpdump"
	exit $((T_FAILS > 0))
fi
t_netns_pair || {
	t_fail "cannot create namespaces"
	exit 1
}
PORT=$((24100 + $$ % 800))
# Nothing listens: the SYN is answered by a RST, which is all we need.
t_bg live nsenter --net="/run/netns/$T_SNS" tcpdump --immediate-mode -i "$T_SIF" -U \
	-w "$T_DIR/live.pcap" "tcp port $PORT"
live_pid=$T_PID
if ! t_wait_for 10 grep -q listening "$T_DIR/live.log"; then
	t_fail "tcpdump did not start: $(cat "$T_DIR/live.log")"
	exit 1
fi
conn() {
	t_in "$T_CNS" timeout 5 "$PY" "$T_TOP/test/tools/syn_client.py" "$1" "$PORT" 0 "${2:-0}" \
		2>>"$T_DIR/client.err"
}
# The kernel's defaults, then MSS clamps by the socket (TCP_MAXSEG), on both families.
for mss in 0 1400 1360 1220; do
	conn "$T_SADDR4" "$mss"
	conn "$T_SADDR6" "$mss"
done
# tcpdump writes each packet as it sees it (-U): wait until all 8 SYNs are in the file.
t_wait_for 5 sh -c "[ \$(tcpdump -nr '$T_DIR/live.pcap' 2>/dev/null | grep -c 'Flags \[S') -ge 8 ]"
t_stop "$live_pid"
# shellcheck disable=SC2086
"$PROXY" fingerprint "$T_DIR/live.pcap" $fp_db_args >"$T_DIR/live.txt" 2>"$T_DIR/live.err"
t_eq "live capture: stderr empty" "$(cat "$T_DIR/live.err")" ""
t_eq "live capture: 8 SYNs" "$(grep -c . "$T_DIR/live.txt")" 8
kver=$(uname -r | sed 's/^\([0-9]*\.[0-9]*\).*/\1/')
while IFS='|' read -r cli _srv os _dist _params raw _link _mtu; do
	os=${os#os=}
	flavor=${os#Linux }
	if [ "${os%% *}" = Linux ] && [ "$flavor" != "$os" ] && t_label_in_range "$flavor" "$kver"; then
		t_ok "live ${cli#cli=}: $os includes this kernel ($kver) (${raw#raw_sig=})"
	else
		t_fail "live ${cli#cli=}: '$os' is not Linux with a range including $kver (${raw#raw_sig=})"
	fi
done <"$T_DIR/live.txt"
case $kver in
6.*) t_check "in_range helper: 6.x is in '4.20 or newer'" t_label_in_range "4.20 or newer" "$kver" ;;
esac
# The helper itself must be able to say no, or the checks above prove nothing.
if t_label_in_range "3.x-4.19" "$kver" || t_label_in_range "6.6-6.9 (x)" "6.18"; then
	t_fail "in_range accepts a range that excludes the version"
else
	t_ok "in_range rejects ranges that exclude the version"
fi
exit $((T_FAILS > 0))
