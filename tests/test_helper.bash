# Loaded by every bats file: `load ../test_helper` (host and vm tests).
bats_require_minimum_version 1.7.0
bats_load_library bats-support
bats_load_library bats-assert

TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
BRDCTL=${BRDCTL:-$TOP/build/brdctl}
BITMAPCTL=$(dirname "$BRDCTL")/bitmapctl
HELPERS=${HELPERS:-$(dirname "$BRDCTL")/tests/helpers}
export BRDCTL BITMAPCTL HELPERS TOP

# run_brdctl EXPECTED-RC ARGS...: run brdctl, show the command and its
# output on failure, and check the exit status ('?' = caller checks).
run_brdctl() {
	local want=$1; shift
	run --separate-stderr timeout 120 "$BRDCTL" "$@" 3>&-
	echo "\$ brdctl $*"
	echo "[stdout] $output"
	echo "[stderr] $stderr"
	echo "[rc] $status"
	if [ "$want" != '?' ] && [ "$status" != "$want" ]; then
		fail "brdctl $*: exit status $status, expected $want"
	fi
}

require_root() {
	[ "$(id -u)" = 0 ] || skip "needs root"
}

require_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || skip "needs $c (not installed)"
	done
}

require_vm() {
	[ "${IN_VM:-0}" = 1 ] || skip "runs only inside the test guest (tests/vm/run-suite.sh)"
}

# A loop device over a fresh sparse image: sets LOOPDEV and LOOPIMG.
require_loop() {
	require_root
	require_cmd losetup
	LOOPIMG=$(mktemp "${BATS_TEST_TMPDIR:-/tmp}/loop.XXXXXX")
	truncate -s "${1:-64M}" "$LOOPIMG"
	LOOPDEV=$(losetup -f --show "$LOOPIMG" 2>/dev/null) ||
		skip "no loop device support (losetup -f failed)"
}

release_loop() {
	[ -n "${LOOPDEV:-}" ] && losetup -d "$LOOPDEV" 2>/dev/null
	[ -n "${LOOPIMG:-}" ] && rm -f "$LOOPIMG"
	LOOPDEV= LOOPIMG=
}

# Guest side (tests/vm): close fd 4 (tests open ramdisks on it), unmount
# every ramdisk mount, deepest first, and unload brd; fails if brd stays.
vm_unload_brd() {
	local m
	exec 4>&- 2>/dev/null || true
	for m in $(awk '$1 ~ /^\/dev\/ram/ {print $2}' /proc/mounts | sort -r); do
		umount "$m"
	done
	rmmod brd 2>/dev/null || true
	[ ! -d /sys/module/brd ]
}

# brd frees pages on discard since Linux 6.10
kernel_discards() {
	local maj min
	IFS=. read -r maj min _ <<<"$(uname -r)"
	[ "$maj" -gt 6 ] || { [ "$maj" -eq 6 ] && [ "$min" -ge 10 ]; }
}
