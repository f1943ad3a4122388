#!/bin/sh
# test/run.sh - run every test and count (docs/testing.md).  Each test prints TAP-like lines:
#   "ok - what", "not ok - what", "ok # SKIP what" (also "ok N - ..." from C tests).
# A test that exits non-zero without a "not ok" line counts as one failure, and so does a
# test that exits 0 having checked nothing (no ok, not ok or SKIP line at all).
# A stage that has nothing to run (no unit binaries, no fuzz targets) is one loud SKIP.
# With REQUIRE_NO_SKIP=1 (set by .ci/run) every SKIP is also a failure: CI has root and
# every tool, so a SKIP there means a check did not run.
# Ends with "N passed, N failed, N skipped", exit 1 if anything failed.
#   ONLY=unit|e2e|fuzz|all (all)   BUILD=dir (build)   TEST_TIMEOUT=secs per test (1200)
#   T=NAME runs only the tests whose name contains NAME (e.g. T=t_proxy_ or T=test_toml).
set -u
BUILD=${BUILD:-build}
ONLY=${ONLY:-all}
T=${T:-}
TEST_TIMEOUT=${TEST_TIMEOUT:-1200}
REQUIRE_NO_SKIP=${REQUIRE_NO_SKIP:-0}
export BUILD
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
logs=$(mktemp -d /tmp/huginn-test.XXXXXX)
pass=0 fail=0 skip=0
started=$(date +%s)

case $ONLY in all | unit | e2e | fuzz) ;; *)
	echo "test/run.sh: ONLY=$ONLY: expected unit, e2e, fuzz or all" >&2
	exit 2
	;;
esac

# skips_fail NAME N LOG: with REQUIRE_NO_SKIP=1, N skips are N failures, said in LOG.
skips_fail() {
	[ "$REQUIRE_NO_SKIP" = 1 ] && [ "$2" -gt 0 ] || return 0
	echo "not ok - $1: $2 SKIP(s) counted as failures: REQUIRE_NO_SKIP=1 (CI runs everything)" >>"$3"
	fail=$((fail + $2))
	return 1
}

run_one() {
	name=$1
	shift
	case $name in *"$T"*) ;; *) return 0 ;; esac
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
	if [ "$rc" -eq 0 ] && [ "$p" -eq 0 ] && [ "$f" -eq 0 ] && [ "$s" -eq 0 ]; then
		echo "not ok - $name exited 0 having checked nothing (no ok, not ok or SKIP line)" \
			>>"$log"
		f=1
	fi
	pass=$((pass + p))
	fail=$((fail + f))
	skip=$((skip + s))
	skips_fail "$name" "$s" "$log" || f=$((f + s))
	echo "=== $name: $p passed, $f failed, $s skipped (${secs}s)"
	echo "$secs $name" >>"$logs/times"
	if [ "$f" -ne 0 ]; then
		tail -n 80 "$log" | sed 's/^/    /'
	else
		grep -E '# SKIP' "$log" | sed 's/^/    /'
	fi
}

# stage_skip NAME WHY: a stage with nothing to run is one SKIP, never silence.
stage_skip() {
	log="$logs/$1.log"
	echo "ok # SKIP $1: SKIPPED, $2" >"$log"
	skip=$((skip + 1))
	f=0
	skips_fail "$1" 1 "$log" || f=1
	echo "=== $1: 0 passed, $f failed, 1 skipped"
	sed 's/^/    /' "$log"
}

if [ "$ONLY" = all ] || [ "$ONLY" = unit ]; then
	n=0
	for t in "$BUILD"/san/test_*; do
		[ -x "$t" ] || continue
		n=$((n + 1))
		run_one "unit/$(basename "$t")" "$t"
	done
	[ "$n" -gt 0 ] || stage_skip unit "no unit test binaries in $BUILD/san (make san)"
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
	else
		stage_skip fuzz-smoke "no libFuzzer targets in $BUILD/fuzz (make test builds them with clang)"
	fi
fi

echo "logs: $logs"
if [ -s "$logs/times" ]; then
	echo "slowest: $(sort -rn "$logs/times" | head -n 5 | awk '{ printf "%s%s %ss", (NR > 1 ? ", " : ""), $2, $1 }')"
fi
[ "$REQUIRE_NO_SKIP" = 1 ] && [ "$skip" -gt 0 ] &&
	echo "REQUIRE_NO_SKIP=1: the $skip SKIP(s) above are counted as failures"
echo "$pass passed, $fail failed, $skip skipped ($(($(date +%s) - started))s)"
[ "$fail" -eq 0 ]
