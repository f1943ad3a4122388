#!/bin/sh
# Every C file of the tree is formatted by the repo's .clang-format (make fmt fixes it),
# with the one formatter version the Makefile names (CLANG_FORMAT, clang-format-19):
# versions differ on a few constructs, so a check with "whatever clang-format is
# installed" would pass on one Debian release and fail on the next.
. "$(dirname "$0")/lib.sh"
CLANG_FORMAT=${CLANG_FORMAT:-clang-format-19}
t_need_tool "$CLANG_FORMAT" git

top=$(git rev-parse --show-toplevel 2>/dev/null) || {
	t_skip "not a git checkout: no file list"
	exit 0
}
cd "$top" || exit 1
# One formatter run over all files; its warnings name each file that differs.
git ls-files '*.c' '*.h' >"$T_DIR/files"
xargs "$CLANG_FORMAT" --dry-run <"$T_DIR/files" >"$T_DIR/out" 2>&1
bad=$(sed -n 's/^\([^:]*\):[0-9]*:[0-9]*: warning: code should be clang-formatted.*/\1/p' "$T_DIR/out" | sort -u)
for f in $bad; do
	t_fail "$f is not formatted (run: make fmt)"
done
[ -z "$bad" ] && t_ok "all $(wc -l <"$T_DIR/files") C files match .clang-format ($CLANG_FORMAT)"
exit 0
