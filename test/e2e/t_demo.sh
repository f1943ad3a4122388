#!/bin/sh
# t_demo.sh - `make demo` as CI runs it: scripts/demo.sh must finish with status 0 and
# print, for its first connection, an x-tcp-p0f value that is a real p0f signature and
# equals the raw_sig p0f printed (the script itself compares every connection), a
# built-in label for this machine's Linux whose range includes the running kernel, with
# link=Ethernet|mtu=1500 (the veth's MTU), and x-tcp-p0f-ua: mismatch for the Windows
# browser User-Agent sent from the Linux client.
. "$(dirname "$0")/lib.sh"
t_need_root
t_need_tool nginx p0f curl nsenter
top=$(cd "$(dirname "$0")/../.." && pwd)

if AGENT=$AGENT PROXY=$PROXY BUILD=$BUILD sh "$top/scripts/demo.sh" >"$T_DIR/demo.out" 2>&1; then
	t_ok "scripts/demo.sh exits 0"
else
	t_fail "scripts/demo.sh exits $?"
	tail -n 40 "$T_DIR/demo.out" | sed 's/^/#   /'
fi
hdr=$(sed -n 's/^ *GET \/demo\/1  *x-tcp-p0f: *//p' "$T_DIR/demo.out" | head -n 1)
raw=$(grep -A 10 '^\[1\]' "$T_DIR/demo.out" |
	sed -n 's/^ *p0f (reference) *raw_sig: *//p' | head -n 1)
# ver:ittl:olen:mss:wsize,scale:olayout:quirks:pclass
sig='^[46*]:[0-9]+\+[0-9?]+:[0-9]+:[0-9*]+:[^:]+,[0-9]+:[^:]*:[^:]*:[0+]$'
if echo "$hdr" | grep -Eq "$sig"; then
	t_ok "demo output shows a p0f signature in x-tcp-p0f ($hdr)"
else
	t_fail "demo output shows no p0f signature in x-tcp-p0f ('$hdr')"
fi
t_eq "demo's x-tcp-p0f equals p0f's raw_sig for the same connection" "$hdr" "$raw"
# The built-in label for this machine's own Linux must be true: Linux, with a version
# range that includes the running kernel ("A or newer", or "A-B").
os=$(sed -n 's/^ *x-tcp-p0f-os: os=\([^|]*\)|.*/\1/p' "$T_DIR/demo.out" | head -n 1)
kver=$(uname -r | sed 's/^\([0-9]*\.[0-9]*\).*/\1/')
if [ "${os%% *}" = Linux ] && [ "${os#Linux }" != "$os" ] && t_label_in_range "${os#Linux }" "$kver"; then
	t_ok "demo labels this machine's Linux truly: '$os' includes $kver"
else
	t_fail "demo's label '$os' is not Linux with a range that includes $kver"
fi
if t_label_in_range "3.x-4.19" "$kver" || t_label_in_range "6.6-6.9 (x)" "6.18"; then
	t_fail "the range check accepts a range that excludes the version"
else
	t_ok "the range check can say no"
fi
t_check "demo shows link= and mtu= for the first connection" \
	grep -q '^ *x-tcp-p0f-os: os=[^|]*|dist=[^|]*|params=[^|]*|link=Ethernet|mtu=1500$' \
	"$T_DIR/demo.out"
ua=$(grep -A 4 'Windows browser User-Agent' "$T_DIR/demo.out" |
	sed -n 's/^ *x-tcp-p0f-ua: *//p' | head -n 1)
t_eq "demo: a Windows browser User-Agent from the Linux client is a mismatch" "$ua" mismatch
# Nothing left behind: the namespaces it named, its work directory.
# shellcheck disable=SC2046 # two names, split on purpose
set -- $(sed -n 's/^demo: namespaces \([^ ]*\) .* and \([^ ]*\) .*/\1 \2/p' "$T_DIR/demo.out")
left=""
for ns in "$@"; do
	[ -e "/run/netns/$ns" ] && left="$left $ns"
done
t_eq "demo removed its namespaces ($*)" "$left" ""
if grep -q '^demo: OK' "$T_DIR/demo.out"; then
	t_eq "demo removed its work directory" "$(grep -c 'logs kept in' "$T_DIR/demo.out")" "0"
fi
[ "$T_FAILS" -eq 0 ]
