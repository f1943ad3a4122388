#!/bin/sh
# Install the Debian packages a step needs, only those missing.
#   build: compilers;  test: build + the real peers the tests drive;  demo: build + demo peers;
#   bench: build + demo peers + the load generator and the proxies compared (bench/run.sh).
# Only what a build, test, demo or benchmark runs is listed (docs/testing.md).
# Without root or apt-get, it lists what is missing and leaves the rest to the caller.
# It never stops or kills anything: a system nginx that Debian's package starts on :80 is
# left alone (every test runs its own nginx on ports of its own).
set -u
what=${1:-build}

need_build="clang:clang musl-gcc:musl-tools gcc:gcc make:make"
need_run="ip:iproute2 curl:curl nginx:nginx p0f:p0f bpftool:bpftool"
# Who uses what: tcpdump (t_p0f_oracle, t_xdp_pcap), buildah (t_images), python3 (test/tools),
# strace (t_fp_lifecycle), nft (t_fp_e2e), wrk (t_proxy_basic, t_proxy_signals),
# clang-format-19 (t_format, make fmt), setpriv/nsenter/unshare (namespaces, users), capsh (t_agent_health),
# haproxy (t_pp_interop), debootstrap (the Debian 13 chroot of test/e2e/trixie_lib.sh).
need_test="wrk:wrk tcpdump:tcpdump buildah:buildah python3:python3 strace:strace clang-format-19:clang-format-19 nft:nftables setpriv:util-linux nsenter:util-linux capsh:libcap2-bin haproxy:haproxy debootstrap:debootstrap"
need_bench="wrk:wrk haproxy:haproxy"

case $what in
build) list=$need_build ;;
demo) list="$need_build $need_run" ;;
test) list="$need_build $need_run $need_test" ;;
bench) list="$need_build $need_run $need_bench" ;;
*) echo "deps.sh: unknown step '$what' (build, test, demo, bench)" >&2; exit 2 ;;
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
# t_deploy_files.sh parses the Compose and Kubernetes files (test/tools/check_deploy.py).
if [ "$what" = test ] && ! python3 -c 'import yaml' >/dev/null 2>&1; then
	missing="$missing python3-yaml"
fi
# t_p0f_builtin.sh crafts SYNs of other stacks with scapy.
if [ "$what" = test ] && ! python3 -c 'import scapy' >/dev/null 2>&1; then
	missing="$missing python3-scapy"
fi
# buildah on Debian 13 needs netavark (a recommendation, which --no-install-recommends skips).
if [ "$what" = test ] && [ ! -x /usr/lib/podman/netavark ] && command -v apt-cache >/dev/null 2>&1 &&
	apt-cache show netavark >/dev/null 2>&1; then
	missing="$missing netavark"
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
exit 0
