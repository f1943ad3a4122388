#!/bin/sh
# test/e2e/layout_check.sh ROOT - check the include rules of docs/architecture.md on the
# source tree under ROOT (test/ and build/ are not checked).  Prints one line per problem
# and exits 1 if there is any, 0 otherwise.
#
#   1. Folders are layers: a file may include "dir/x.h" only if its folder may depend
#      on dir (the table below); an include naming a file that does not exist is an error.
#   2. No file-level include cycle (a.h -> b.h -> a.h).
#   3. No two modules call each other in a circle: module X (x.c with x.h) depends on Y
#      when x.c includes y.h directly and y.c exists; that graph has no cycle.
set -u
root=${1:?usage: layout_check.sh ROOT}
cd "$root" || exit 2

# Which folders each folder may include (itself first).  Dependencies point down:
# mains -> agent/, proxy/ -> http/, p0f/, tls/, pp/ -> sys/ -> bpf/.
allowed() {
	case "$1" in
	.) echo ". agent proxy http p0f tls pp sys bpf" ;;
	bench) echo "bench agent proxy http p0f tls pp sys bpf" ;; # programs, like the mains
	agent) echo "agent sys bpf" ;;
	proxy) echo "proxy http p0f tls pp sys bpf" ;;
	http) echo "http" ;;
	p0f) echo "p0f sys bpf" ;;
	tls) echo "tls sys bpf" ;;
	pp) echo "pp sys bpf" ;;
	sys) echo "sys bpf" ;;
	bpf) echo "bpf" ;;
	*) echo "" ;;
	esac
}

edges=$(mktemp)
trap 'rm -f "$edges"' EXIT
bad=0
for f in $(find . -path ./test -prune -o -path ./build -prune -o -path ./.git -prune -o \
	\( -name '*.c' -o -name '*.h' \) -print | sed 's|^\./||' | sort); do
	dir=$(dirname "$f")
	ok=$(allowed "$dir")
	if [ -z "$ok" ]; then
		echo "$f: folder '$dir' is not in the layer table (test/e2e/layout_check.sh)"
		bad=1
		continue
	fi
	for inc in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f"); do
		case "$inc" in
		*/*) tdir=$(dirname "$inc") target=$inc ;;
		*) tdir=$dir target=$dir/$inc ;;
		esac
		target=${target#./}
		if [ ! -f "$target" ]; then
			echo "$f: includes \"$inc\", which does not exist"
			bad=1
			continue
		fi
		case " $ok " in
		*" $tdir "*) ;;
		*)
			echo "$f: includes \"$inc\": $dir/ may include only $ok"
			bad=1
			;;
		esac
		echo "$f $target" >>"$edges"
	done
done

# Depth-first search for a cycle; prints it as a -> b -> a.
cycles() {
	awk '
	{ n[$1]++; e[$1, n[$1]] = $2; nodes[$1] = 1; nodes[$2] = 1 }
	function dfs(v,   i, w, k, s) {
		state[v] = 1; stack[++depth] = v
		for (i = 1; i <= n[v]; i++) {
			w = e[v, i]
			if (state[w] == 1) {
				s = w
				for (k = depth; k >= 1 && stack[k] != w; k--) ;
				for (k = k + 1; k <= depth; k++) s = s " -> " stack[k]
				print s " -> " w
				found = 1
			} else if (state[w] == 0) dfs(w)
		}
		depth--; state[v] = 2
	}
	END { for (v in nodes) if (!state[v]) dfs(v); exit found ? 1 : 0 }'
}

if ! out=$(cycles <"$edges"); then
	echo "$out" | sed 's/^/include cycle: /'
	bad=1
fi
# Modules: x.c including y.h (another module with a .c) depends on y.
mods=$(awk '$1 ~ /\.c$/ && $2 ~ /\.h$/ {
	x = $1; sub(/\.c$/, "", x); y = $2; sub(/\.h$/, "", y)
	if (x != y) print x, y }' "$edges" | while read -r x y; do
	[ -f "$y.c" ] && echo "$x $y"
done)
if [ -n "$mods" ] && ! out=$(echo "$mods" | cycles); then
	echo "$out" | sed 's/^/module cycle (calls go both ways): /'
	bad=1
fi
exit $bad
