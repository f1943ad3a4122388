#!/bin/sh
# test/e2e/trixie_lib.sh - a Debian 13 (trixie) chroot for tests that need newer peers
# than the host's Debian 12 (nginx 1.26 reads PROXY v2 TLVs, tshark 4.4 computes JA4).
# Source it after lib.sh.  (Not a test itself: run.sh only runs t_*.sh.)
#
#   tx_ensure DIR     build DIR once with debootstrap (minbase + nginx-light, tshark) from
#                     debootstrap's default mirror, then reuse it; a lock (flock on
#                     DIR.lock) keeps two tests from building it at once, a stamp file
#                     (DIR/.huginn-ready) marks a finished build.  Returns 0 when DIR is
#                     ready, 1 otherwise (no debootstrap, no network, ...), with the
#                     reason in $TX_WHY.  Needs root.
#   TRIXIE_DIR        when set, tx_ensure only checks that this ready-made chroot holds
#                     nginx (a cache kept outside the build directory, e.g. /tmp/trixie).

TX_PKGS=${TX_PKGS:-nginx-light,tshark}

tx_ready() {
	[ -x "$1/usr/sbin/nginx" ] && [ -x "$1/usr/bin/tshark" ]
}

tx_ensure() {
	dir=${TRIXIE_DIR:-$1}
	TX_WHY=""
	if [ -n "${TRIXIE_DIR:-}" ]; then
		tx_ready "$dir" && return 0
		TX_WHY="TRIXIE_DIR=$dir holds no nginx and tshark"
		return 1
	fi
	[ -f "$dir/.huginn-ready" ] && tx_ready "$dir" && return 0
	if ! command -v debootstrap >/dev/null 2>&1 && [ ! -x /usr/sbin/debootstrap ]; then
		TX_WHY="debootstrap is not installed (make test-deps)"
		return 1
	fi
	if ! command -v flock >/dev/null 2>&1; then
		TX_WHY="flock is not installed"
		return 1
	fi
	mkdir -p "$(dirname "$dir")"
	# One builder at a time; a second test waits (up to 10 min) and then finds the stamp.
	(
		flock -w 600 9 || exit 1
		[ -f "$dir/.huginn-ready" ] && tx_ready "$dir" && exit 0
		rm -rf "$dir"
		timeout 900 debootstrap --variant=minbase --include="$TX_PKGS" trixie "$dir" \
			>"$dir.log" 2>&1 || exit 1
		tx_ready "$dir" || exit 1
		touch "$dir/.huginn-ready"
	) 9>"$dir.lock"
	if [ -f "$dir/.huginn-ready" ] && tx_ready "$dir"; then
		return 0
	fi
	TX_WHY="debootstrap of trixie into $dir failed (see $dir.log)"
	return 1
}
