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
		assert_equal "$stderr" "brdctl: $f: not a brdctl image, or damaged"
	done
	assert_equal "$(sha256sum junk.img)" "$s"
	mkdir dir.img
	run_brdctl 2 restore dir.img ram0
	assert_equal "$stderr" "brdctl: dir.img: not a regular file (a directory): not restored"
}

@test "save of a ramdisk that does not exist: exit 3, no image written" {
	run_brdctl 3 save ram4095 a.img
	stderr_has "ram4095: no such ramdisk"
	run_brdctl 3 save /nonexistent/dev a.img
	[ ! -e a.img ]
}

# --- on loop devices, through the library (tests/helpers/image): which
# filesystem a save freezes (issue 18.7), and the leftovers of killed saves
# (issue 18.8).  tests/vm/persist.bats does the same with brdctl on brd.

# two loop devices with ext4: A mounted on $M and bound to $M2, then B
# mounted over $M
two_fs() {
	require_root
	require_cmd losetup mkfs.ext4 fsfreeze
	T=$BATS_TEST_TMPDIR M=$BATS_TEST_TMPDIR/m M2=$BATS_TEST_TMPDIR/m2
	mkdir -p "$M" "$M2"
	truncate -s 64M "$T/a.fs" "$T/b.fs"
	A=$(losetup -f --show "$T/a.fs") || skip "no loop device support (losetup -f failed)"
	B=$(losetup -f --show "$T/b.fs") || { losetup -d "$A"; skip "no second loop device"; }
	mkfs.ext4 -q -F "$A"
	mkfs.ext4 -q -F "$B"
	mount "$A" "$M" || skip "cannot mount ext4"
	echo a >"$M/which"
	mount --bind "$M" "$M2"
	mount "$B" "$M"
	echo b >"$M/which"
}

teardown() {
	cd /
	[ -z "${BG:-}" ] || { kill -9 $BG; wait $BG; } 2>/dev/null
	local m
	for m in "${M:-}" "${M2:-}" "${M:-}"; do
		[ -n "$m" ] && mountpoint -q "$m" 2>/dev/null && { fsfreeze -u "$m" 2>/dev/null; umount "$m"; }
	done
	[ -z "${A:-}" ] || losetup -d "$A" 2>/dev/null
	[ -z "${B:-}" ] || losetup -d "$B" 2>/dev/null
	true
}

@test "save freezes the device's own filesystem, not the one mounted over its first mount point (loop devices)" {
	two_fs
	local mark=$T/mark img=$T/img
	mkdir "$img"
	assert_equal "$(findmnt -rn -o TARGET -S "$A" | head -n1)" "$M"
	PAUSE_AT=pread:3 PAUSE_MARK=$mark LD_PRELOAD=$PRELOAD/pause-at.so \
		ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 \
		"$HELPERS/image" save "$A" a "$img/a.img" 3>&- &
	BG=$!
	wait_for 60 test -e "$mark" || fail "the save did not get to its copy"
	run fsfreeze -f "$M2"
	[ "$status" -ne 0 ] || { fsfreeze -u "$M2"; fail "A's filesystem is not frozen"; }
	run fsfreeze -f "$M"
	[ "$status" -eq 0 ] || fail "B's filesystem was frozen in A's place: $output"
	fsfreeze -u "$M"
	kill -9 "$BG"
	wait "$BG" || true
	BG=
	wait_for 30 sh -c "fsfreeze -f '$M2' && fsfreeze -u '$M2'" || fail "A left frozen"
	# with B over every mount point of A, none is A's: refused
	umount "$M2"
	run "$HELPERS/image" save "$A" a "$img/a.img"
	assert_failure 16	# EBUSY
	[ ! -e "$img/a.img" ]
}

@test "a save removes the temporary images that killed saves left in the directory, and nothing else (loop device)" {
	require_root
	require_cmd losetup
	T=$BATS_TEST_TMPDIR
	truncate -s 16M "$T/a.fs"
	A=$(losetup -f --show "$T/a.fs") || skip "no loop device support (losetup -f failed)"
	local d=$T/img dead reused
	mkdir "$d"
	dead=$(( $(cat /proc/sys/kernel/pid_max) - 1 ))
	! kill -0 "$dead" 2>/dev/null || skip "PID $dead is alive"
	# leftovers: a dead PID's .N and .lN; a PID reused by a process that
	# started after the file was last written
	echo x >"$d/.brdctl-save.$dead.0"
	echo x >"$d/.brdctl-save.$dead.l7"
	sleep 1000 3>&- &
	reused=$! BG=$!
	echo x >"$d/.brdctl-save.$reused.2"
	touch -d '5 minutes ago' "$d/.brdctl-save.$reused.2"
	# to keep: init's PID (started before the file), a file locked by a
	# live holder whose PID is dead, names off the pattern, a symbolic
	# link, a directory, another owner's file, a file with two links
	echo x >"$d/.brdctl-save.1.0"
	echo x >"$d/.brdctl-save.$dead.3"
	flock "$d/.brdctl-save.$dead.3" sleep 1000 3>&- &
	BG+=" $!"
	echo keep >"$d/target"
	ln -s target "$d/.brdctl-save.$dead.4"
	mkdir "$d/.brdctl-save.$dead.5"
	echo x >"$d/.brdctl-save.$dead.6" && chown 65534 "$d/.brdctl-save.$dead.6"
	echo x >"$d/.brdctl-save.$dead.8" && ln "$d/.brdctl-save.$dead.8" "$d/hard"
	local n
	for n in ".brdctl-save.0$dead.9" ".brdctl-save.$dead.010" ".brdctl-save.$dead.x11" \
		 ".brdctl-save.$dead.12~" ".brdctl-save.-$dead.13" ".brdctl-save.$dead" \
		 ".brdctl-save..14" "x.brdctl-save.$dead.15"; do
		echo x >"$d/$n"
	done
	wait_for 10 sh -c "flock -n '$d/.brdctl-save.$dead.3' true; [ \$? = 1 ]"
	local before; before=$(ls -A "$d" | grep -v -x -e ".brdctl-save.$dead.0" \
		-e ".brdctl-save.$dead.l7" -e ".brdctl-save.$reused.2" | sort)
	run "$HELPERS/image" save "$A" a "$d/a.img"
	assert_success
	assert_equal "$(ls -A "$d" | grep -v -x a.img | sort)" "$before"
	assert_equal "$(cat "$d/target")" keep
	[ -L "$d/.brdctl-save.$dead.4" ]
}
