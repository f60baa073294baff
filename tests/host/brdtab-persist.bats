#!/usr/bin/env bats
# brdtab's x-brdctl.persist= and x-brdctl.persist-every= on the host: what
# the parser and the plan (apply --check) refuse, with FILE:LINE and the
# documented exit status, and that nothing changes.  Restore and save
# themselves need brd: tests/vm/apply.bats and tests/vm/host-boot-persist.bats.

load ../test_helper

setup() {
	D=$BATS_TEST_TMPDIR/d
	mkdir -p "$D/img"
	chmod 755 "$BATS_TEST_TMPDIR" "$D"
}

tab() {  # tab TEXT: $D/brdtab (root's, 0644)
	printf '%s\n' "$1" >"$D/brdtab"
	chmod 644 "$D/brdtab"
}

@test "persist: a relative image path, a bad span, an orphan span are usage errors (exit 2)" {
	tab "ram0 64M ext4 $D/m x-brdctl.persist=img/a.img
ram1 64M ext4 $D/n x-brdctl.persist=$D/img/b.img,x-brdctl.persist-every=15minutes2
ram2 64M ext4 $D/o noatime,x-brdctl.persist-every=1h
ram3 64M ext4 $D/p x-brdctl.persistt=$D/img/c.img"
	run_brdctl 2 apply --check "$D/brdtab"
	assert_equal "$stderr" "brdctl: $D/brdtab:1: x-brdctl.persist: the image 'img/a.img' is not an absolute path of a file
brdctl: $D/brdtab:2: x-brdctl.persist-every: invalid time span '15minutes2' (e.g. 15min, 1h, 1h30min; at least 1s)
brdctl: $D/brdtab:3: x-brdctl.persist-every= needs x-brdctl.persist=IMAGE
brdctl: $D/brdtab:4: unknown option 'x-brdctl.persistt' (brdctl knows x-brdctl.persist=, x-brdctl.persist-every=, x-brdctl.min-memory= and x-brdctl.max-memory=)
brdctl: $D/brdtab: 4 errors, nothing changed"
	[ ! -e "$D/m" ]
	run ls "$D/img"
	assert_output ""
}

@test "persist: a valid line passes the check; the options are not given to mount" {
	tab "ram0 64M ext4 $D/m noatime,x-brdctl.persist=$D/img/a.img,x-brdctl.persist-every=1h30min"
	run_brdctl 0 apply --check "$D/brdtab"
	run_brdctl 0 --dry-run apply "$D/brdtab"
	assert_line "mkfs.ext4 /dev/ram0"
	assert_line "mount -t ext4 -o noatime /dev/ram0 $D/m"
	refute_output --partial "restore"
	[ ! -e "$D/img/a.img" ]
}

@test "persist: a missing image directory fails the line (exit 3), nothing made" {
	tab "ram0 64M ext4 $D/m x-brdctl.persist=$D/none/a.img"
	run_brdctl 3 apply --check "$D/brdtab"
	assert_equal "$stderr" "brdctl: $D/brdtab:1: x-brdctl.persist: $D/none/a.img: its directory: No such file or directory
brdctl: $D/brdtab: 1 error, nothing changed"
	run_brdctl 3 --dry-run apply "$D/brdtab"
	assert_output ""
	[ ! -e "$D/none" ]
}

@test "persist: a file that is no image is refused (exit 7) and left as it is" {
	head -c 8192 /dev/urandom >"$D/img/a.img"
	local sum
	sum=$(sha256sum <"$D/img/a.img")
	tab "ram0 64M ext4 $D/m x-brdctl.persist=$D/img/a.img"
	run_brdctl 7 apply --check "$D/brdtab"
	stderr_has "brdctl: $D/brdtab:1: x-brdctl.persist: $D/img/a.img is no brdctl image or its trailer is damaged; not restoring it"
	run_brdctl 7 --dry-run apply "$D/brdtab"
	assert_output ""
	assert_equal "$(sha256sum <"$D/img/a.img")" "$sum"
	# a directory in its place: not a regular file (exit 2)
	rm "$D/img/a.img"
	mkdir "$D/img/a.img"
	run_brdctl 2 apply --check "$D/brdtab"
	stderr_has "brdctl: $D/brdtab:1: x-brdctl.persist: $D/img/a.img: not a regular file (a directory)"
}

@test "persist: --only keeps the persist line's own errors" {
	tab "ram0 64M ext4 $D/m x-brdctl.persist=$D/none/a.img
ram1 64M ext4 $D/n x-brdctl.persist=$D/img/b.img"
	run_brdctl 0 apply --check --only ram1 "$D/brdtab"
	run_brdctl 3 apply --check --only ram0 "$D/brdtab"
	stderr_has "$D/brdtab:1: x-brdctl.persist"
}
