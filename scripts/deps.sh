#!/bin/sh
# Install the Debian packages a step needs, only those missing.
#   build: compilers;  test: build + the real peers the tests drive;  demo: build + demo peers.
# Without root or apt-get, it lists what is missing and leaves the rest to the caller.
set -u
what=${1:-build}

need_build="clang:clang musl-gcc:musl-tools llvm-objdump:llvm gcc:gcc make:make"
need_run="ip:iproute2 curl:curl nginx:nginx p0f:p0f bpftool:bpftool"
need_test="wrk:wrk haproxy:haproxy tcpdump:tcpdump buildah:buildah afl-fuzz:afl++ python3:python3 ethtool:ethtool strace:strace clang-format:clang-format nft:nftables setpriv:util-linux nsenter:util-linux"

case $what in
build) list=$need_build ;;
demo) list="$need_build $need_run" ;;
test) list="$need_build $need_run $need_test" ;;
*) echo "deps.sh: unknown step '$what' (build, test, demo)" >&2; exit 2 ;;
esac

missing=""
for pair in $list; do
	cmd=${pair%%:*}
	pkg=${pair#*:}
	command -v "$cmd" >/dev/null 2>&1 || [ -x "/usr/sbin/$cmd" ] || missing="$missing $pkg"
done
# The clang sanitizer/libFuzzer runtime is a library, not a command: the one that
# matches the default clang (14 on Debian 12, 19 on Debian 13).
clang_major=$(clang --version 2>/dev/null | sed -n 's/.*clang version \([0-9]*\).*/\1/p' | head -n 1)
fuzzer_rt=""
for f in /usr/lib/llvm-"$clang_major"/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a \
	/usr/lib/llvm-"$clang_major"/lib/clang/*/lib/x86_64*/libclang_rt.fuzzer.a; do
	[ -f "$f" ] && fuzzer_rt=$f
done
if [ "$what" = test ] && [ -n "$clang_major" ] && [ -z "$fuzzer_rt" ]; then
	missing="$missing libclang-rt-$clang_major-dev"
fi
# test/e2e/t_bpf_clang.sh builds the XDP object with every clang it finds: install
# the ones this release packages (Debian 12: 14, 16, 19; Debian 13: 17, 18, 19).
if [ "$what" = test ] && [ "$(id -u)" = 0 ] && command -v apt-cache >/dev/null 2>&1; then
	for v in 14 16 17 18 19; do
		command -v clang-$v >/dev/null 2>&1 && continue
		apt-cache show clang-$v >/dev/null 2>&1 && missing="$missing clang-$v"
	done
fi
if [ "$what" = test ] && ! python3 -c 'import yaml' >/dev/null 2>&1; then
	missing="$missing python3-yaml"
fi
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
	echo "deps.sh: missing packages:$missing (install them, or run as root on Debian)" >&2
	[ "$what" = build ] && exit 1
	exit 0
fi
echo "deps.sh: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null || true
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing >/dev/null || {
	echo "deps.sh: apt-get install$missing failed" >&2
	exit 1
}
# Debian's nginx package starts a system nginx on :80; the tests run their own.
if echo "$missing" | grep -q nginx; then
	systemctl stop nginx >/dev/null 2>&1 || service nginx stop >/dev/null 2>&1 || true
	pkill -x nginx >/dev/null 2>&1 || true
fi
exit 0
