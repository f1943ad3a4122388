#!/bin/sh
# t_proxy_asan.sh - the hostile-input, streaming, signal and chaos tests again, against the
# ASan/UBSan build ($BUILD/san/huginn-proxy): t_proxy_errors.sh (bad bytes, smuggling,
# limits, timeouts, broken backends, aborting clients), t_proxy_bodies.sh (multi-MB chunked
# bodies, 100-continue, WebSocket), t_proxy_signals.sh (SIGHUP reloads under load, SIGTERM
# drain), t_proxy_chaos.sh (mutated requests and responses), t_proxy_log.sh (a stalled
# stdout), t_proxy_hardening.sh (issue 11's client-side defects), t_proxy_engine.sh
# (misbehaving backends, reloads, the fd limit) and t_proxy_memory.sh (buffers borrowed,
# moved, returned, capped).  Each ends with a SIGTERM exit and a check of the proxy's
# stderr for any sanitizer report (leaks included), so a memory error fails here even when
# the HTTP answers were right.
. "$(dirname "$0")/lib.sh"
SAN_PROXY=${SAN_PROXY:-$BUILD/san/huginn-proxy}
if [ ! -x "$SAN_PROXY" ]; then
	t_fail "sanitizer build $SAN_PROXY is missing (make BUILD=$BUILD $SAN_PROXY)"
	exit 1
fi
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:halt_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
dir=$(dirname "$0")
for t in errors bodies signals chaos log hardening engine memory; do
	PROXY=$SAN_PROXY timeout 150 sh "$dir/t_proxy_$t.sh" >"$T_DIR/$t.log" 2>&1
	rc=$?
	# Relabel the inner lines so the runner counts them under this test.
	sed -e "s/^ok - t_proxy_$t: /ok - $T_NAME: [$t] /" \
		-e "s/^not ok - t_proxy_$t: /not ok - $T_NAME: [$t] /" \
		-e "s/^ok # SKIP t_proxy_$t: /ok # SKIP $T_NAME: [$t] /" "$T_DIR/$t.log"
	T_FAILS=$((T_FAILS + $(grep -c '^not ok' "$T_DIR/$t.log")))
	if [ "$rc" -ne 0 ] && ! grep -q '^not ok' "$T_DIR/$t.log"; then
		t_fail "[$t] exited with status $rc"
	fi
done
exit "$((T_FAILS > 0))"
