#!/bin/sh
# The BPF object (xdp_syn and tc_syn) built by every clang installed here, at -O1 and -O2, must pass
# the kernel's verifier and record exactly what the user-space parser reads:
# each object goes through the whole of test_xdp_run (HUGINN_TEST_BPF_OBJ).
# Compilers differ in which bounds checks they can prove redundant and drop
# (clang 19 at -O2 dropped one the verifier needs); bpf/xdp_syn.h's
# huginn_has() keeps every check whatever the optimiser knows.  Each object is
# built with -g: its BTF must load too and give the maps their types, which
# test_map_btf checks through bpftool.
. "$(dirname "$0")/lib.sh"
t_need_root

xdp_run="$BUILD/san/test_xdp_run"
map_btf="$BUILD/san/test_map_btf"
[ -x "$xdp_run" ] && [ -x "$map_btf" ] || {
	t_fail "$xdp_run or $map_btf is missing (make san)"
	exit 1
}
arch_inc=/usr/include/$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)

# Every clang on PATH, each real binary once (Debian's clang is a link to one clang-N).
found=""
seen=""
for c in clang $(cd /usr/bin && ls clang-[0-9]* 2>/dev/null | grep -E '^clang-[0-9]+$' | sort -t- -k2 -n); do
	p=$(command -v "$c" 2>/dev/null) || continue
	real=$(readlink -f "$p")
	case " $seen " in *" $real "*) continue ;; esac
	seen="$seen $real"
	found="$found $c"
done
t_diag "compilers:$found"
n=$(echo $found | wc -w)
if [ "$n" -lt 2 ]; then
	t_skip "only$found installed: install clang-14, clang-16 and clang-19 (scripts/deps.sh test does)"
fi

for c in $found; do
	ver=$("$c" --version | sed -n 's/.*clang version \([0-9][0-9.]*\).*/\1/p' | head -n 1)
	for o in O2 O1; do
		obj="$T_DIR/xdp_syn-$c-$o.o"
		if ! "$c" -$o -g -target bpf -Wall -Werror -I"$arch_inc" -c "$T_TOP/bpf/xdp_syn.c" \
			-o "$obj" >"$T_DIR/$c-$o.cc.log" 2>&1; then
			t_fail "$c ($ver) -$o: the object builds"
			sed 's/^/#   /' "$T_DIR/$c-$o.cc.log" | head -n 20
			continue
		fi
		HUGINN_TEST_BPF_OBJ="$obj" "$xdp_run" >"$T_DIR/$c-$o.run.log" 2>&1
		rc=$?
		last=$(tail -n 1 "$T_DIR/$c-$o.run.log")
		checks=$(grep -c '^ok ' "$T_DIR/$c-$o.run.log")
		if [ "$rc" -eq 0 ] && ! grep -q '^not ok' "$T_DIR/$c-$o.run.log" && [ "$checks" -gt 1200 ]; then
			t_ok "$c ($ver) -$o: verifier accepts xdp_syn and tc_syn, $checks checks of test_xdp_run pass"
		else
			t_fail "$c ($ver) -$o: test_xdp_run on its object ($last)"
			grep -E '^not ok|verifier|invalid|!read_ok' "$T_DIR/$c-$o.run.log" | head -n 20 | sed 's/^/#   /'
		fi
		HUGINN_TEST_BPF_OBJ="$obj" "$map_btf" >"$T_DIR/$c-$o.btf.log" 2>&1
		rc=$?
		if [ "$rc" -eq 0 ] && ! grep -q '^not ok' "$T_DIR/$c-$o.btf.log" &&
			grep -q '^ok .* - record ttl 64' "$T_DIR/$c-$o.btf.log"; then
			t_ok "$c ($ver) -$o: BTF loads, bpftool dumps the records by field name"
		else
			t_fail "$c ($ver) -$o: test_map_btf on its object"
			grep -E '^not ok|^#' "$T_DIR/$c-$o.btf.log" | head -n 20 | sed 's/^/#   /'
		fi
	done
done
