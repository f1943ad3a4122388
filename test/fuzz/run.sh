#!/bin/sh
# Run each libFuzzer target for FUZZ_SECONDS on a scratch copy of its seed corpus
# (test/fuzz/corpus/<target>/).  One "ok"/"not ok" line per target.
set -u
secs=${FUZZ_SECONDS:-60}
status=0
for bin in "$@"; do
	name=$(basename "$bin")
	work=$(mktemp -d /tmp/huginn-fuzz.XXXXXX)
	mkdir -p "$work/corpus"
	[ -d "test/fuzz/corpus/$name" ] && cp -r "test/fuzz/corpus/$name/." "$work/corpus/"
	# Some targets seed from build outputs (the real BPF object for the ELF loader).
	# Lines may name $BUILD, e.g. "$BUILD/xdp_syn.o".
	[ -f "test/fuzz/corpus/$name.seeds" ] && while read -r f; do
		f=$(printf '%s' "$f" | sed "s|\$BUILD|${BUILD:-build}|")
		[ -f "$f" ] && cp "$f" "$work/corpus/"
	done <"test/fuzz/corpus/$name.seeds"
	if "$bin" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 \
		-artifact_prefix="$work/" "$work/corpus" >"$work/log" 2>&1; then
		runs=$(grep -o 'Done [0-9]* runs' "$work/log" | tail -n 1)
		echo "ok - $name fuzzed ${secs}s ($runs)"
		rm -rf "$work"
	else
		echo "not ok - $name: crash, artifacts in $work"
		grep -E 'ERROR|SUMMARY|artifact|Test unit written' "$work/log" | head -n 20 | sed 's/^/#   /'
		status=1
	fi
done
exit $status
