#!/bin/sh
# Every C file of the tree is formatted by the repo's .clang-format (make fmt fixes it).
. "$(dirname "$0")/lib.sh"
t_need_tool clang-format git

top=$(git rev-parse --show-toplevel 2>/dev/null) || {
	t_skip "not a git checkout: no file list"
	exit 0
}
cd "$top" || exit 1
bad=0
for f in $(git ls-files '*.c' '*.h'); do
	if ! clang-format --dry-run -Werror "$f" >/dev/null 2>&1; then
		t_fail "$f is not formatted (run: make fmt)"
		bad=$((bad + 1))
	fi
done
[ "$bad" -eq 0 ] && t_ok "all $(git ls-files '*.c' '*.h' | wc -l) C files match .clang-format"
exit 0
