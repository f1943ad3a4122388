#!/bin/sh
# t_layout.sh - the tree keeps the include rules of docs/architecture.md: folders are
# layers (layout_check.sh holds the table), no include cycle, no two modules calling each
# other.  Then the checker itself is shown to fail: on a copy of the tree with one
# forbidden include, and on small trees with a cycle, a module cycle, a missing header.
. "$(dirname "$0")/lib.sh"

check="$T_TOP/test/e2e/layout_check.sh"

# ---- the tree as it is ----
if out=$(sh "$check" "$T_TOP" 2>&1); then
	t_ok "the source tree keeps the include rules"
else
	t_fail "the source tree breaks the include rules"
	echo "$out" | sed 's/^/#   /'
fi

# expect_fail NAME ROOT PATTERN: the checker must exit 1 and print a line matching PATTERN.
expect_fail() {
	out=$(sh "$check" "$2" 2>&1)
	rc=$?
	if [ "$rc" -eq 1 ] && echo "$out" | grep -q -- "$3"; then
		t_ok "$1 (checker said: $(echo "$out" | grep -- "$3" | head -n 1))"
	else
		t_fail "$1: checker exit $rc, output: $out"
	fi
}

# ---- a copy of the tree with one forbidden include (http/ may not include proxy/) ----
copy="$T_DIR/copy"
mkdir -p "$copy"
srcs=$(cd "$T_TOP" && find . -path ./test -prune -o -path ./build -prune -o -path ./.git -prune \
	-o \( -name '*.c' -o -name '*.h' \) -print)
for f in $srcs; do
	mkdir -p "$copy/$(dirname "$f")" && cp "$T_TOP/$f" "$copy/$f"
done
if sh "$check" "$copy" >/dev/null 2>&1; then
	t_ok "the copy of the tree passes before the change"
else
	t_fail "the copy of the tree fails before the change"
fi
sed -i 's|^#include "http/parse.h"$|#include "http/parse.h"\n#include "proxy/config.h"|' \
	"$copy/http/chunked.c"
expect_fail "a forbidden include in the copy (http/chunked.c -> proxy/config.h) fails" \
	"$copy" 'http/chunked.c: includes "proxy/config.h"'

# ---- small trees ----
mk() { mkdir -p "$(dirname "$1")" && printf '%s\n' "$2" >"$1"; }

up="$T_DIR/up"
mk "$up/sys/a.h" '#include "proxy/b.h"'
mk "$up/proxy/b.h" '/* b */'
expect_fail "sys/ including proxy/ (a folder above it) fails" "$up" 'sys/a.h: includes "proxy/b.h"'

cyc="$T_DIR/cycle"
mk "$cyc/sys/a.h" '#include "sys/b.h"'
mk "$cyc/sys/b.h" '#include "sys/a.h"'
expect_fail "a header include cycle fails" "$cyc" 'include cycle: sys/.\.h -> sys/.\.h -> sys/.\.h'

mod="$T_DIR/modules"
mk "$mod/proxy/x.h" '/* x */'
mk "$mod/proxy/y.h" '/* y */'
mk "$mod/proxy/x.c" '#include "proxy/x.h"
#include "proxy/y.h"'
mk "$mod/proxy/y.c" '#include "proxy/y.h"
#include "proxy/x.h"'
expect_fail "two modules calling each other fail" "$mod" 'module cycle'

miss="$T_DIR/missing"
mk "$miss/p0f/a.c" '#include "p0f/gone.h"'
expect_fail "an include of a file that does not exist fails" "$miss" 'does not exist'

odd="$T_DIR/odd"
mk "$odd/util/a.c" '/* a folder outside the table */'
expect_fail "a folder outside the layer table fails" "$odd" 'not in the layer table'

okt="$T_DIR/fine"
mk "$okt/bpf/c.h" '/* contract */'
mk "$okt/sys/s.h" '#include "bpf/c.h"'
mk "$okt/proxy/p.c" '#include "sys/s.h"
#include "bpf/c.h"'
if sh "$check" "$okt" >/dev/null 2>&1; then
	t_ok "a small tree that keeps the rules passes"
else
	t_fail "a small tree that keeps the rules fails"
fi
[ "$T_FAILS" -eq 0 ]
