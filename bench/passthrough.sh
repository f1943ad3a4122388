#!/bin/sh
# bench/passthrough.sh - huginn passthrough against haproxy `mode tcp` and nginx `stream`
# (PROXY protocol to the backend, one worker each), in a private network namespace on its
# loopback.  A benchmark, not a test: see bench/passthrough.py for what is measured.
#   BUILD=build sh bench/passthrough.sh     knobs: CONNS PAR BULK_MIB IDLE ONLY PORT_BASE
#   NS_PREFIX (env)
set -eu
BUILD=${BUILD:-build}
PROXY=${PROXY:-$BUILD/huginn-proxy}
PROXY=$(cd "$(dirname "$PROXY")" && pwd)/$(basename "$PROXY")
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
NS=${NS_PREFIX:-hgbench}$$
WORK=$(mktemp -d /tmp/huginn-bench-pt.XXXXXX)
ip netns add "$NS"
trap 'ip netns del "$NS"; rm -rf "$WORK"' EXIT
ip netns exec "$NS" ip link set lo up
ip netns exec "$NS" sh -c "ulimit -n $(ulimit -Hn); exec $PY '$(dirname "$0")/passthrough.py' '$PROXY' '$WORK'"
