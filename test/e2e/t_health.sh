#!/bin/sh
# `huginn-proxy health`: the self-check scratch images use as their healthcheck.
. "$(dirname "$0")/lib.sh"

port=$((28000 + $$ % 500))
mport=$((port + 500))
cat >"$T_DIR/c.toml" <<CFG
[listen]
addrs = ["127.0.0.1:$port"]
[[backends]]
address = "127.0.0.1:9"
[[routes]]
prefix = "/"
backend = "127.0.0.1:9"
[telemetry]
metrics_addr = "127.0.0.1:$mport"
access_log = false
CFG

"$PROXY" health 127.0.0.1:$mport >"$T_DIR/out" 2>&1
t_eq "no proxy yet: exit 1" "$?" 1
t_check "message names the address and the step" grep -q "unhealthy: 127.0.0.1:$mport connect" "$T_DIR/out"

t_bg proxy "$PROXY" "$T_DIR/c.toml"
t_wait_for 5 "$PROXY" health 127.0.0.1:$mport /health
t_check "/health answers 200: exit 0" "$PROXY" health 127.0.0.1:$mport /health
t_check "default path /ready answers 200: exit 0" "$PROXY" health 127.0.0.1:$mport
"$PROXY" health 127.0.0.1:$mport /no-such-path >"$T_DIR/out" 2>&1
t_eq "a 404 is unhealthy: exit 1" "$?" 1
t_check "message names the status" grep -q "answered 404" "$T_DIR/out"
"$PROXY" health "[::1]:$mport" >/dev/null 2>&1
t_eq "IPv6 address where nothing listens: exit 1" "$?" 1
"$PROXY" health localhost:$mport >"$T_DIR/out" 2>&1
t_eq "a host name is a usage error: exit 2" "$?" 2
"$PROXY" health 127.0.0.1:$mport "bad path" >/dev/null 2>&1
t_eq "a path with a space is a usage error: exit 2" "$?" 2
t_stop "$T_PID"
