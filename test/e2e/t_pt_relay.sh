#!/bin/sh
# t_pt_relay.sh - the passthrough relay's two paths (proxy/relay.h): splice(2) after the
# first PROXY_RELAY_COPY_FIRST bytes of a direction (the default), and copies through user
# space all the way ([[passthrough]] splice = false).  In a private network namespace:
# test/tools/pt_bulk.py sends 8 MiB of random bytes through huginn (proxy_protocol =
# "none": the backend sees the client's bytes only), shuts its side, and the backend,
# once it has read to that end, sends 8 MiB back across the half-closed tunnel.  Both
# sides hash what they sent and received (SHA-256): the hashes must pair up, byte for
# byte, in both modes; huginn_passthrough_relay_bytes_total{path=...} says which path
# carried them (splice: most of them; splice = false: none).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pt_lib.sh"
t_need_root
t_need_tool curl "$PYTHON"
t_need_bin "$PROXY"
PROXY=$(cd "$(dirname "$PROXY")" && pwd)/$(basename "$PROXY")
BULK="$PYTHON $T_TOP/test/tools/pt_bulk.py"

ptl_netns ptrl

HTTP=25600 BP=25601 MP=25602 SPL=25610 CPY=25611
N=$((8 * 1024 * 1024))

{
	ptl_conf_head "$HTTP" "$BP" "$MP"
	cat <<EOF

[[passthrough]]
listen = ["127.0.0.1:$SPL"]
backends = ["127.0.0.1:$BP"]
proxy_protocol = "none"

[[passthrough]]
listen = ["127.0.0.1:$CPY"]
backends = ["127.0.0.1:$BP"]
proxy_protocol = "none"
splice = false
EOF
} >"$T_DIR/config.toml"

t_bg backend t_in "$NS" $BULK serve 127.0.0.1 "$BP" "$N" 2 "$T_DIR/backend.txt"
ptl_start "$T_DIR/config.toml" "$T_DIR/backend.log"

SPLICE='huginn_passthrough_relay_bytes_total{path="splice"}'
COPY='huginn_passthrough_relay_bytes_total{path="copy"}'
# run NAME PORT K: one exchange; the backend's K-th line must pair with the client's.
run() {
	s0=$(m "$SPLICE") c0=$(m "$COPY")
	got=$(t_in "$NS" timeout 120 $BULK send 127.0.0.1 "$2" "$N" 1)
	t_wait_for 10 sh -c "[ \$(wc -l <'$T_DIR/backend.txt') -ge $3 ]"
	srv=$(sed -n "${3}p" "$T_DIR/backend.txt")
	# client: sent N SHA recv M SHA; backend: recv N SHA sent M SHA
	t_eq "$1: client -> backend byte-exact (sha256), half-closed" \
		"$(echo "$srv" | cut -d' ' -f2,3)" "$(echo "$got" | cut -d' ' -f2,3)"
	t_eq "$1: backend -> client byte-exact (sha256) after the client's end" \
		"$(echo "$got" | cut -d' ' -f5,6)" "$(echo "$srv" | cut -d' ' -f5,6)"
	t_eq "$1: $N bytes each way" "$(echo "$got" | cut -d' ' -f2,5)" "$N $N"
	t_wait_for 5 sh -c "[ \$(grep -c 'TUNNEL done' '$T_DIR/proxy.log') -ge $3 ]"
	DS=$(($(m "$SPLICE") - s0)) DC=$(($(m "$COPY") - c0))
	t_eq "$1: relayed bytes counted, both paths together" "$((DS + DC))" "$((2 * N))"
}

run "splice (default)" "$SPL" 1
t_check "splice: most bytes went by splice (got $DS of $((2 * N)))" [ "$DS" -gt "$N" ]
t_check "splice: the first bytes of each direction were copied (got $DC)" [ "$DC" -gt 0 ]
PIPES_AFTER_SPLICE=$(m huginn_passthrough_pipes_created_total)
run "splice = false" "$CPY" 2
t_eq "splice = false: no byte went by splice" "$DS" 0
t_eq "splice = false: no pipe was made for it" \
	"$(m huginn_passthrough_pipes_created_total)" "$PIPES_AFTER_SPLICE"
ptl_stop
