#!/bin/sh
# t_proxy_config.sh - `huginn-proxy -t FILE` on good and bad config files: a good file
# exits 0; each bad one exits non-zero with a message naming FILE:LINE:COLUMN, where LINE
# is the line of the fault and COLUMN falls on that line's text.  Starting the proxy with
# a bad file fails the same way.  --version and --help answer.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"
pl_need

PP=$P_BASE PM=$((P_BASE + 1)) NA=$((P_BASE + 2))

good() {
	pl_conf "$PP" "$PM"
	pl_backend "$NA"
	pl_route / "$NA"
}
good >"$T_DIR/good.toml"
if "$PROXY" -t "$T_DIR/good.toml" >"$T_DIR/good.out" 2>&1; then
	t_ok "-t good.toml exits 0"
else
	t_fail "-t good.toml exits 0"
	sed 's/^/#   /' "$T_DIR/good.out"
fi

# bad NAME LINE DESC: $T_DIR/NAME.toml must fail -t, naming NAME.toml:LINE:COL with
# 1 <= COL <= length of that line + 1.  LINE may be "a|b" where either line is right
# (an unknown table may be reported at its header or at its first key).
bad() {
	f="$T_DIR/$1.toml"
	want_line=$2
	desc=$3
	"$PROXY" -t "$f" >"$T_DIR/$1.out" 2>&1
	rc=$?
	msg=$(head -n 5 "$T_DIR/$1.out" | tr '\n' ' ')
	if [ "$rc" -eq 0 ]; then
		t_fail "$desc: -t exits non-zero (exit 0: $msg)"
		return
	fi
	at=$(grep -oE "$1\\.toml:($want_line):[0-9]+" "$T_DIR/$1.out" | head -n 1)
	line=$(echo "$at" | cut -d: -f2)
	col=$(echo "$at" | cut -d: -f3)
	len=$(sed -n "${line:-0}p" "$f" | wc -c)
	if [ -n "$col" ] && [ "$col" -ge 1 ] && [ "$col" -le "$len" ]; then
		t_ok "$desc: exit $rc, $1.toml:$line:$col"
	else
		t_fail "$desc: message names $1.toml:$want_line:COL (got: $msg)"
	fi
}

printf '[server]\nworkerz = 2\n' >"$T_DIR/unknown_key.toml"
bad unknown_key 2 "unknown key"
printf '[server]\nworkers = "two"\n' >"$T_DIR/type.toml"
bad type 2 "string for an integer"
printf '# c\n[server]\nworkers = 0\n' >"$T_DIR/range0.toml"
bad range0 3 "workers = 0 out of range"
printf '[server]\nworkers = 100000\n' >"$T_DIR/range.toml"
bad range 2 "workers too large"
printf '[listen]\naddrs = ["127.0.0.1:99999"]\n' >"$T_DIR/port.toml"
bad port 2 "port out of range"
printf '[listen]\naddrs = ["localhost:80"]\n' >"$T_DIR/addrname.toml"
bad addrname 2 "address not numeric"
printf '[listen]\naddrs = "127.0.0.1:80"\n' >"$T_DIR/notarray.toml"
bad notarray 2 "string where an array is expected"
printf '[server]\nworkers = 1\n[telemetry]\nmetrics_addr = "127.0.0.1:9090\n' >"$T_DIR/unterminated.toml"
bad unterminated 4 "unterminated string"
printf '[server\nworkers = 1\n' >"$T_DIR/table.toml"
bad table 1 "unclosed table header"
printf '\n[bogus]\nx = 1\n' >"$T_DIR/unknown_table.toml"
bad unknown_table "2|3" "unknown table"
printf '[server]\nworkers = 1\nworkers = 2\n' >"$T_DIR/dupkey.toml"
bad dupkey 3 "duplicate key"
printf '[timeouts]\nidle = -5\n' >"$T_DIR/negative.toml"
bad negative 2 "negative timeout"
printf '[fingerprint]\ntcp_enabled = "yes"\n' >"$T_DIR/bool.toml"
bad bool 2 "string for a boolean"
printf '[headers]\nrequest_add = ["Content-Length: 5"]\n' >"$T_DIR/hdrframing.toml"
bad hdrframing 2 "request_add of a framing header"
printf '[headers]\nrequest_add = ["X-Tcp-P0f: spoof"]\n' >"$T_DIR/hdrxtcp.toml"
bad hdrxtcp 2 "request_add of a reserved x-tcp-* header"
printf '[headers]\nrequest_add = ["Bad Name: x"]\n' >"$T_DIR/hdrname.toml"
bad hdrname 2 "header name with a space"
printf '[[backends]]\naddress = "127.0.0.1:%s"\n\n[[routes]]\nprefix = "/"\nbackend = "127.0.0.1:1"\n' \
	"$NA" >"$T_DIR/unknownbackend.toml"
bad unknownbackend "4|6" "route names an undeclared backend"
printf '[[backends]]\naddress = "127.0.0.1:%s"\n\n[[routes]]\nprefix = "nope"\nbackend = "127.0.0.1:%s"\n' \
	"$NA" "$NA" >"$T_DIR/prefix.toml"
bad prefix 5 "route prefix not starting with /"
printf '[server]\nworkers = 1 x\n' >"$T_DIR/trailing.toml"
bad trailing 2 "trailing garbage after a value"

"$PROXY" -t "$T_DIR/does-not-exist.toml" >"$T_DIR/missing.out" 2>&1
rc=$?
if [ "$rc" -ne 0 ] && grep -q 'does-not-exist.toml' "$T_DIR/missing.out"; then
	t_ok "-t on a missing file: exit $rc, names the file"
else
	t_fail "-t on a missing file: exit $rc, names the file ($(head -n 2 "$T_DIR/missing.out"))"
fi

# Starting (not -t) with a bad file fails too, without listening.
timeout 10 "$PROXY" "$T_DIR/unknown_key.toml" >"$T_DIR/start.out" 2>&1
rc=$?
if [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && grep -q 'unknown_key.toml:2:' "$T_DIR/start.out"; then
	t_ok "starting with a bad file: exit $rc with line:column"
else
	t_fail "starting with a bad file: exit $rc with line:column ($(head -n 2 "$T_DIR/start.out"))"
fi

t_check "--version exits 0 and prints something" sh -c "'$PROXY' --version | grep -q ."
t_check "--help exits 0 and mentions -t" sh -c "'$PROXY' --help 2>&1 | grep -q -- '-t'"
exit "$((T_FAILS > 0))"
