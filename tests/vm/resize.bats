#!/usr/bin/env bats
# Whole-disk resize: a reload of brd that keeps the ramdisks' data (guest).
# bats file_tags=vm,brd

load ../test_helper

setup() { vm_setup; }
teardown() { vm_teardown /tmp/bk; }

sum() { head -c "$2" "$1" | md5sum; }

@test "grow whole disks: all ramdisks get the new size and keep their data (checksums)" {
	run_brdctl 0 create --size 16M ram0 ram1 ram3
	dd if=/dev/urandom of=/dev/ram0 bs=1M count=3 oflag=direct status=none
	dd if=/dev/urandom of=/dev/ram3 bs=64K count=1 seek=200 oflag=direct status=none
	mkfs.ext4 -q -F /dev/ram1
	local s0 s1 s3; s0=$(sum /dev/ram0 16M); s1=$(sum /dev/ram1 16M); s3=$(sum /dev/ram3 16M)
	run_brdctl 0 resize ram0 --size 32M
	assert_output ""
	assert_equal "$(cat /sys/module/brd/parameters/rd_size)" 32768
	local d
	for d in 0 1 3; do assert_equal "$(cat /sys/block/ram$d/size)" 65536; done
	[ ! -e /sys/block/ram2 ]
	assert_equal "$(sum /dev/ram0 16M)" "$s0"
	assert_equal "$(sum /dev/ram1 16M)" "$s1"
	assert_equal "$(sum /dev/ram3 16M)" "$s3"
	run e2fsck -fn /dev/ram1
	assert_success
	# only non-zero pages were written back: RAM use did not grow to the size
	[ "$(cat /sys/kernel/debug/ramdisk_pages/ram3)" -le 32 ]
}

@test "shrink keeps data inside the new size and refuses to cut data unless --force" {
	run_brdctl 0 create --size 32M --count 2
	dd if=/dev/urandom of=/dev/ram0 bs=1M count=4 oflag=direct status=none
	dd if=/dev/urandom of=/dev/ram1 bs=1M count=1 seek=20 oflag=direct status=none
	local s0; s0=$(sum /dev/ram0 4M)
	local all1; all1=$(sum /dev/ram1 32M)
	mkdir -p /tmp/bk
	run_brdctl 4 resize ram0 --size 8M --backup-dir /tmp/bk
	stderr_has "/dev/ram1: holds data up to 21M: the new size would cut it"
	assert_equal "$(cat /sys/module/brd/parameters/rd_size)" 32768
	assert_equal "$(sum /dev/ram1 32M)" "$all1"
	assert_equal "$(sum /dev/ram0 4M)" "$s0"
	# a refusal leaves no backup files behind
	assert_equal "$(ls -A /tmp/bk)" ""
	run_brdctl 0 resize ram0 --size 8M --force
	assert_equal "$(cat /sys/block/ram0/size)" 16384
	assert_equal "$(sum /dev/ram0 4M)" "$s0"
}

@test "resize refuses when any ramdisk is in use, naming it, and changes nothing" {
	run_brdctl 0 create --size 16M --count 2
	mkfs.ext4 -q -F /dev/ram1
	mkdir -p /tmp/r
	mount /dev/ram1 /tmp/r
	run_brdctl 4 resize ram0 --size 32M
	stderr_has "/dev/ram1: in use: mounted on /tmp/r"
	assert_equal "$(cat /sys/module/brd/parameters/rd_size)" 16384
	umount /tmp/r
	exec 4</dev/ram0
	run_brdctl 4 resize ram1 --size 32M
	exec 4<&-
	stderr_has "/dev/ram0: in use: open by"
	assert_equal "$(cat /sys/module/brd/parameters/rd_size)" 16384
}

@test "--backup-dir keeps the copy in sparse files and removes them after success" {
	run_brdctl 0 create --size 16M
	dd if=/dev/urandom of=/dev/ram0 bs=1M count=2 oflag=direct status=none
	local s; s=$(sum /dev/ram0 16M)
	mkdir -p /tmp/bk
	run_brdctl 0 resize ram0 --size 24M --backup-dir /tmp/bk
	assert_equal "$(sum /dev/ram0 16M)" "$s"
	assert_equal "$(ls /tmp/bk)" ""
	run_brdctl 0 --dry-run resize ram0 --size 48M
	assert_line "save 512 non-zero pages of /dev/ram0 (in memory)"
	assert_equal "$(ls -A /tmp/bk)" ""
	assert_line "unload brd"
	assert_line "load brd rd_nr=1 rd_size=49152 max_part=1 (rd_size in KiB: 48M)"
	assert_line "write back 512 pages to /dev/ram0 and verify"
	assert_equal "$(cat /sys/module/brd/parameters/rd_size)" 24576
}
