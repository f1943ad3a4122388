#!/bin/sh
# t_images.sh - build the agent and proxy images from Containerfile with buildah
# (chroot isolation, vfs storage in a private root under $T_DIR, nothing from the
# network), then check them from their mounted root filesystems: the files are
# exactly the expected ones, both together are under 1 MiB, each binary runs
# --version, the proxy runs as a non-root UID and accepts its built-in config.
. "$(dirname "$0")/lib.sh"
t_need_root
t_need_tool buildah chroot

top=$(cd "$(dirname "$0")/../.." && pwd)
limit=$((1024 * 1024))

for b in "$AGENT" "$PROXY"; do
	if [ ! -x "$b" ]; then
		t_fail "$b is not built (run make first)"
		exit 1
	fi
done

# The images copy ${BUILD}/huginn-*, relative to the context.  The repository root is
# the context when BUILD is one of its build* directories (what .dockerignore lets
# in); otherwise stage a minimal context with the same layout.
case $BUILD in
/*) rel=${BUILD#"$top"/} ;;
*) rel=$BUILD ;;
esac
case $rel in
/* | */* | *..*) rel="" ;;
build*) ;;
*) rel="" ;;
esac
if [ -n "$rel" ] && [ -x "$top/$rel/huginn-proxy" ]; then
	ctx=$top
else
	rel=build
	ctx=$T_DIR/context
	mkdir -p "$ctx/build" "$ctx/deploy"
	cp "$top/Containerfile" "$top/.dockerignore" "$ctx/"
	cp "$top/deploy/config.container.toml" "$ctx/deploy/"
	cp "$AGENT" "$PROXY" "$ctx/build/"
fi
version=$(git -C "$top" describe --always --dirty --tags 2>/dev/null || echo unknown)
version=${version:-unknown}

# Private storage: never the system's images and containers.
B="buildah --root $T_DIR/storage --runroot $T_DIR/run --storage-driver vfs"
t_defer "rm -rf $T_DIR/storage $T_DIR/run"
t_defer "$B rmi -a -f"
t_defer "$B rm -a"

build_one() { # TARGET TAG
	$B bud --isolation chroot --pull-never --layers=false --build-arg "BUILD=$rel" \
		--build-arg "VERSION=$version" --target "$1" -t "$2" -f "$ctx/Containerfile" "$ctx" \
		>"$T_DIR/bud-$1.log" 2>&1
}

total=0
for target in agent proxy; do
	tag=localhost/huginn-$target-test:$T_ID
	if ! build_one "$target" "$tag"; then
		t_fail "buildah bud --target $target"
		sed 's/^/#   /' "$T_DIR/bud-$target.log" | tail -n 20
		# containers/storage applies layers after pivot_root; a file system mounted
		# over / (a leak from elsewhere) makes that fail with EBUSY.
		if grep -q pivot_root "$T_DIR/bud-$target.log"; then
			awk '$5 == "/" && $2 != 1 { print "#   mounted over /: " $0 }' \
				/proc/self/mountinfo
		fi
		continue
	fi
	t_ok "buildah bud --target $target (offline, context $ctx)"
	ctr=$($B from --pull-never "$tag") || { t_fail "buildah from $tag"; continue; }
	mnt=$($B mount "$ctr") || { t_fail "buildah mount $ctr"; continue; }
	t_defer "$B umount $ctr"

	files=$(cd "$mnt" && find . -mindepth 1 | sort | tr '\n' ' ')
	size=$(find "$mnt" -type f -exec stat -c %s {} + | awk '{ s += $1 } END { print s + 0 }')
	total=$((total + size))
	t_diag "image $target: $size bytes in files: $files"
	user=$($B inspect --type image --format '{{.OCIv1.Config.User}}' "$tag")
	entry=$($B inspect --type image --format '{{.OCIv1.Config.Entrypoint}}' "$tag")

	case $target in
	agent)
		t_eq "agent image holds only the binary" "$files" "./huginn-ebpf-agent "
		t_eq "agent image entrypoint" "$entry" '[/huginn-ebpf-agent]'
		out=$(chroot "$mnt" /huginn-ebpf-agent --version 2>&1)
		rc=$?
		;;
	proxy)
		t_eq "proxy image holds only the binary and its config" "$files" \
			"./etc ./etc/huginn ./etc/huginn/config.toml ./huginn-proxy "
		t_eq "proxy image entrypoint" "$entry" '[/huginn-proxy]'
		t_eq "proxy image user" "$user" "65532:65532"
		uid=${user%%:*}
		if [ -n "$uid" ] && [ "$uid" != 0 ] && [ "$uid" != root ]; then
			t_ok "proxy image runs as non-root uid $uid"
		else
			t_fail "proxy image runs as root (user '$user')"
		fi
		# As the image's user, the way a runtime starts it.
		if chroot --userspec=65532:65532 "$mnt" /huginn-proxy -t /etc/huginn/config.toml \
			>"$T_DIR/config-check.log" 2>&1; then
			t_ok "proxy -t accepts the image's /etc/huginn/config.toml as uid 65532"
		else
			t_fail "proxy -t rejects the image's /etc/huginn/config.toml as uid 65532"
			sed 's/^/#   /' "$T_DIR/config-check.log" | head -n 5
		fi
		out=$(chroot --userspec=65532:65532 "$mnt" /huginn-proxy --version 2>&1)
		rc=$?
		;;
	esac
	t_diag "$target --version: $out"
	# The same words as the binary in the build directory; a git describe in a checkout.
	case $target in
	agent) want=$("$AGENT" --version 2>&1) ;;
	proxy) want=$("$PROXY" --version 2>&1) ;;
	esac
	if [ $rc -eq 0 ] && [ -n "$out" ] && [ "$out" = "$want" ]; then
		t_ok "$target --version from the image prints '$out'"
	else
		t_fail "$target --version from the image (rc $rc, '$out', want '$want')"
	fi
	if [ "$version" != unknown ] && echo "$out" | grep -q ' unknown$'; then
		t_fail "$target --version says unknown in a git checkout ($version)"
	fi
done

t_diag "both images: $total bytes (limit $limit)"
if [ "$total" -gt 0 ] && [ "$total" -lt "$limit" ]; then
	t_ok "both images together are under 1 MiB ($total bytes)"
else
	t_fail "images together are $total bytes, not under 1 MiB"
fi
[ "$T_FAILS" -eq 0 ]
