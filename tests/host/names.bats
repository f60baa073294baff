#!/usr/bin/env bats
# The one name rule (brdtab_name_kind, lib/ramdisk/brdtab.h): every ramdisk
# or line name on the command line is checked before anything is touched;
# an argument with a '/' is a device path, not a name.

load ../test_helper

RULE="a name is ramN, or a pooled ramdisk name of 1-36 characters A-Z a-z 0-9 . _ - (not starting with '-', not auto, not ram and a digit)"

setup() {
	ROOT=$BATS_TEST_TMPDIR/root
	cp -a "$TOP/tests/fixtures/sysroot-brd" "$ROOT"
	export BRDCTL_SYSROOT=$ROOT
	mkdir -p "$ROOT/victim"
	echo precious >"$ROOT/victim/data"
}

# the victim file is as it was
victim_intact() {
	assert_equal "$(cat "$ROOT/victim/data")" precious
}

@test "names: unapply --only with a path for a name is refused (exit 2) and deletes nothing" {
	run_brdctl 2 unapply --only ../../victim/data "$BATS_TEST_TMPDIR/none"
	assert_equal "${stderr%%$'\n'*}" "brdctl: --only: invalid name '../../victim/data': a line's name is ramN, or a pooled ramdisk name of 1-36 characters A-Z a-z 0-9 . _ - (not starting with '-', not auto, not ram and a digit)"
	victim_intact
	run_brdctl 2 unapply --only .. "$BATS_TEST_TMPDIR/none"
	run_brdctl 2 apply --only ../../victim/data "$BATS_TEST_TMPDIR/none"
	victim_intact
	run_brdctl 2 --dry-run apply --only 'a b' "$BATS_TEST_TMPDIR/none"
	stderr_has "invalid name 'a b'"
}

@test "names: every command that takes a ramdisk refuses a name that breaks the rule (exit 2)" {
	local bad cmd
	for bad in .. . 'a b' -x ram01 auto "$(printf 'x%.0s' {1..37})" 'x$y' $'a\nb'; do
		for cmd in stat list flush remove save; do
			run_brdctl 2 "$cmd" -- "$bad"
			stderr_has "$bad: invalid ramdisk name: $RULE, or ramNpM; a device path has a '/' (/dev/ram0)"
		done
		run_brdctl 2 resize --size 64M -- "$bad"
		stderr_has "$bad: invalid ramdisk name"
		run_brdctl 2 restore -- /nonexistent.img "$bad"
		stderr_has "$bad: invalid ramdisk name"
		run_brdctl 2 create --size 64M -- "$bad"
		stderr_has "$bad: invalid ramdisk name: $RULE (or /dev/ramN)"
	done
	# checked before anything: the valid ones after a bad one are not flushed
	run_brdctl 2 --dry-run flush ram0 'a b'
	assert_equal "$output" ""
	victim_intact
}

@test "names: valid names and device paths still resolve" {
	run_brdctl 0 stat ram0
	run_brdctl 0 list --noheadings -o NAME /dev/ram1
	assert_output ram1
	# a name that passes the rule but names no ramdisk: not found
	run_brdctl 3 stat ram9
	run_brdctl 3 stat cache
	run_brdctl 3 stat ram0p1
	# a device path that is no node
	run_brdctl 3 stat ../../victim/data
	stderr_has "../../victim/data: no such ramdisk"
	victim_intact
}
