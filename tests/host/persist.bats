#!/usr/bin/env bats
# brdctl save / restore: the refusals that need no brd (the rest is in
# tests/vm/persist.bats).

load ../test_helper

setup() { cd "$BATS_TEST_TMPDIR"; }

@test "save and restore: usage errors exit 2 and point to --help" {
	run_brdctl 2 save
	stderr_has "no ramdisk given (RAMDISK [IMAGE])"
	stderr_has "Try 'brdctl save --help'"
	run_brdctl 2 save ram0 a.img extra
	stderr_has "too many arguments"
	run_brdctl 2 restore
	stderr_has "IMAGE and RAMDISK are both needed"
	run_brdctl 2 restore a.img
	stderr_has "IMAGE and RAMDISK are both needed"
	run_brdctl 2 restore a.img ram0 extra
	stderr_has "too many arguments"
	run_brdctl 2 save --nosuch ram0 a.img
	[ ! -e a.img ]
}

@test "save and restore --help show their synopsis" {
	run_brdctl 0 save --help
	assert_line --partial "brdctl save [options] RAMDISK [IMAGE]"
	assert_line --regexp '^ +--force '
	run_brdctl 0 restore --help
	assert_line --partial "brdctl restore [options] IMAGE RAMDISK"
}

@test "restore of a missing image: exit 3, names it" {
	run_brdctl 3 restore nonexistent.img ram0
	assert_equal "$stderr" "brdctl: nonexistent.img: cannot read the image: No such file or directory"
}

@test "restore of a file that is no image or is empty: exit 7, the file unchanged; a directory: exit 2" {
	head -c 20000 /dev/urandom >junk.img
	: >empty.img
	printf 'BRDIMAGE' >short.img
	local s; s=$(sha256sum junk.img)
	local f
	for f in junk.img empty.img short.img; do
		run_brdctl 7 restore "$f" ram0
		assert_equal "$stderr" "brdctl: $f: not a brdctl image, or damaged: invalid data"
	done
	assert_equal "$(sha256sum junk.img)" "$s"
	mkdir dir.img
	run_brdctl 2 restore dir.img ram0
	assert_equal "$stderr" "brdctl: dir.img: not a regular file (a directory): not restored"
}

@test "save of a ramdisk that does not exist: exit 3, no image written" {
	run_brdctl 3 save ram4095 a.img
	stderr_has "ram4095: not a brd ramdisk"
	run_brdctl 3 save /nonexistent/dev a.img
	[ ! -e a.img ]
}
