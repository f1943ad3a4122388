#!/bin/sh
# test/run.sh - run every test and count.  Each test prints TAP-like lines:
#   "ok - what", "not ok - what", "ok # SKIP what" (also "ok N - ..." from C tests).
# A test that exits non-zero without a "not ok" line counts as one failure.
# Ends with "N passed, N failed" (and skipped), exit 1 if anything failed.
set -u
BUILD=${BUILD:-build}
ONLY=${ONLY:-all}
TEST_TIMEOUT=${TEST_TIMEOUT:-1200}
export BUILD
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
logs=$(mktemp -d /tmp/huginn-test.XXXXXX)
pass=0 fail=0 skip=0

run_one() {
	name=$1
	shift
	log="$logs/$(echo "$name" | tr '/ ' '__').log"
	start=$(date +%s)
	timeout --kill-after=15 "$TEST_TIMEOUT" "$@" >"$log" 2>&1 </dev/null
	rc=$?
	secs=$(($(date +%s) - start))
	p=$(grep -E '^ok ' "$log" | grep -vc '# SKIP')
	s=$(grep -E '^ok ' "$log" | grep -c '# SKIP')
	f=$(grep -cE '^not ok' "$log")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $name exited with status $rc" >>"$log"
		f=1
	fi
	pass=$((pass + p))
	fail=$((fail + f))
	skip=$((skip + s))
	echo "=== $name: $p passed, $f failed, $s skipped (${secs}s)"
	if [ "$f" -ne 0 ]; then
		tail -n 80 "$log" | sed 's/^/    /'
	else
		grep -E '# SKIP' "$log" | sed 's/^/    /'
	fi
}

if [ "$ONLY" = all ] || [ "$ONLY" = unit ]; then
	for t in "$BUILD"/san/test_*; do
		[ -x "$t" ] || continue
		run_one "unit/$(basename "$t")" "$t"
	done
fi
if [ "$ONLY" = all ] || [ "$ONLY" = e2e ]; then
	for t in test/e2e/t_*.sh; do
		[ -f "$t" ] || continue
		run_one "e2e/$(basename "$t" .sh)" sh "$t"
	done
fi
if [ "$ONLY" = all ] || [ "$ONLY" = fuzz ]; then
	set -- "$BUILD"/fuzz/fuzz_*
	if [ -x "$1" ]; then
		run_one "fuzz-smoke" env FUZZ_SECONDS="${FUZZ_SECONDS:-8}" sh test/fuzz/run.sh "$@"
	fi
fi

echo "logs: $logs"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
