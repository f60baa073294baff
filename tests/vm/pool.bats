#!/usr/bin/env bats
# Pooled ramdisks: partitions of one sparse brd disk (runs inside the guest).
# bats file_tags=vm,brd

load ../test_helper

setup() { vm_setup; }
teardown() { vm_teardown; }

pages() { cat /sys/kernel/debug/ramdisk_pages/ram0; }
sum() { head -c "$2" "$1" | md5sum; }

@test "pooled ramdisks of three sizes; idempotent by name; the pool is one sparse disk" {
	run_brdctl 0 create --size 16M small
	assert_output /dev/ram0p1
	run_brdctl 0 create --size 32M mid big
	assert_output "/dev/ram0p2
/dev/ram0p3"
	run_brdctl 0 resize big --size 64M
	assert_equal "$(cat /sys/block/ram0/ram0p1/size)" 32768
	assert_equal "$(cat /sys/block/ram0/ram0p2/size)" 65536
	assert_equal "$(cat /sys/block/ram0/ram0p3/size)" 131072
	# a GPT costs a handful of pages, not the nominal size
	[ "$(pages)" -lt 64 ]
	[ "$(cat /sys/module/brd/parameters/rd_nr)" = 1 ]
	run_brdctl 0 create --size 32M mid
	assert_output /dev/ram0p2
	run_brdctl 4 create --size 48M mid
	stderr_has "mid: exists with size 32M"
	run_brdctl 0 list -o NAME,TYPE,PATH,SIZE --raw --noheadings --bytes
	assert_output "ram0 pool /dev/ram0 $(( $(cat /sys/block/ram0/size) * 512 ))
small pooled /dev/ram0p1 16777216
mid pooled /dev/ram0p2 33554432
big pooled /dev/ram0p3 67108864"
	run_brdctl 0 list --json -o NAME,ALLOC
	assert_equal "$(jq -c '[.ramdisks[1:][].alloc]' <<<"$output")" '[null,null,null]'
	run_brdctl 0 stat --json big
	assert_equal "$(jq -r '.ramdisks[0].type' <<<"$output")" pooled
	assert_equal "$(jq -r '.ramdisks[0].pages' <<<"$output")" null
}

@test "grow a pooled ramdisk while its ext4 is mounted, growing the filesystem online" {
	run_brdctl 0 create --size 32M a b
	mkfs.ext4 -q -F /dev/ram0p1
	mkdir -p /tmp/a
	mount /dev/ram0p1 /tmp/a
	dd if=/dev/urandom of=/tmp/a/file bs=1M count=8 status=none
	local s; s=$(md5sum < /tmp/a/file)
	dd if=/dev/urandom of=/dev/ram0p2 bs=1M count=4 oflag=direct status=none
	local sb; sb=$(sum /dev/ram0p2 4M)
	local before; before=$(df -k --output=size /tmp/a | tail -1)
	run_brdctl 0 resize a --size 96M --grow-fs
	# a quiet success: resize2fs's banner and report are not shown
	assert_equal "$output" ""
	assert_equal "$stderr" ""
	assert_equal "$(cat /sys/block/ram0/ram0p1/size)" 196608
	local after; after=$(df -k --output=size /tmp/a | tail -1)
	[ "$after" -gt $((before * 2)) ]
	assert_equal "$(md5sum < /tmp/a/file)" "$s"
	umount /tmp/a
	run e2fsck -fn /dev/ram0p1
	assert_success
	assert_equal "$(sum /dev/ram0p2 4M)" "$sb"
}

@test "grow --grow-fs of a mounted xfs is quiet: xfs_growfs's geometry is not on stdout, shown with --verbose" {
	require_cmd mkfs.xfs xfs_growfs
	run_brdctl 0 create --size 320M x
	mkfs.xfs -q -f /dev/ram0p1
	mkdir -p /tmp/x
	mount /dev/ram0p1 /tmp/x
	local before; before=$(df -k --output=size /tmp/x | tail -1)
	run_brdctl 0 resize x --size 400M --grow-fs
	assert_equal "$output" ""
	assert_equal "$stderr" ""
	local after; after=$(df -k --output=size /tmp/x | tail -1)
	[ "$after" -gt "$before" ] || fail "xfs did not grow: $before -> $after KiB"
	# with --verbose the tool's report is relayed, on stderr, as ours
	run_brdctl 0 --verbose resize x --size 480M --grow-fs
	assert_equal "$output" ""
	stderr_has "brdctl: /dev/ram0p1: xfs_growfs: "
	umount /tmp/x
}

@test "shrink is refused when it would cut a filesystem, and allowed on an empty ramdisk" {
	run_brdctl 0 create --size 64M fs raw
	mkfs.ext4 -q -F /dev/ram0p1
	run_brdctl 4 resize fs --size 16M
	stderr_has "fs: refusing to shrink over a ext4 signature"
	assert_equal "$(cat /sys/block/ram0/ram0p1/size)" 131072
	mkdir -p /tmp/fs
	mount /dev/ram0p1 /tmp/fs
	run_brdctl 4 resize fs --size 16M --force
	stderr_has "cannot shrink: mounted on /tmp/fs"
	umount /tmp/fs
	run_brdctl 0 resize raw --size 16M
	assert_equal "$(cat /sys/block/ram0/ram0p2/size)" 32768
	run_brdctl 2 resize raw --size 1000
	run_brdctl 1 resize raw --size 100T
	stderr_has "raw: can grow in place to at most "
	stderr_has " (the pool ends there)"
	assert_equal "$(cat /sys/block/ram0/ram0p2/size)" 32768
}

@test "a grow that does not fit says the exact room and what is in the way" {
	run_brdctl 0 create --pool-size 256G --size 1G scratch
	run_brdctl 0 create --size 16M next
	# slots are 2G (256G / 128): scratch starts at 1M, next at 2G
	assert_equal "$(cat /sys/block/ram0/ram0p2/start)" 4194304
	# the room, 2G - 1M, reads "2G" like the size asked for: in bytes
	run_brdctl 1 resize --size 2G scratch
	assert_equal "$stderr" "brdctl: scratch: can grow in place to at most 2146435072 bytes (pooled ramdisk 'next' starts there)"
	# where the human sizes differ, the human size says it
	run_brdctl 1 resize --size 3G scratch
	assert_equal "$stderr" "brdctl: scratch: can grow in place to at most 2G (pooled ramdisk 'next' starts there)"
	assert_equal "$(cat /sys/block/ram0/ram0p1/size)" $((1024 * 2048))
	run_brdctl 0 resize --force --size 2146435072 scratch	# more than the guest's RAM
	assert_equal "$(cat /sys/block/ram0/ram0p1/size)" $((2146435072 / 512))
}

@test "remove one pooled ramdisk: its RAM is freed (or 'not freed' on old kernels), the others keep their data" {
	run_brdctl 0 create --size 16M keep1 gone keep2
	assert_equal "$(blkid -p -o value -s TYPE /dev/ram0p1)" ""
	local d
	for d in 1 2 3; do dd if=/dev/urandom of=/dev/ram0p$d bs=1M count=8 oflag=direct status=none; done
	local s1 s3; s1=$(sum /dev/ram0p1 8M); s3=$(sum /dev/ram0p3 8M)
	local start3; start3=$(cat /sys/block/ram0/ram0p3/start)
	local before; before=$(pages)
	run_brdctl 0 remove gone
	if brd_discard_frees; then
		assert_output --regexp '^/dev/ram0p2: removed, freed 8M \(2048 pages\)'
		assert_equal "$(pages)" $((before - 2048))
	else
		assert_output --partial "RAM not freed"
		assert_equal "$(pages)" "$before"
	fi
	# the new ramdisk in the freed slot shows nothing of the old one
	# (discarded, or at least no signature left)
	[ ! -e /sys/block/ram0/ram0p2 ]
	run_brdctl 3 stat gone
	assert_equal "$(sum /dev/ram0p1 8M)" "$s1"
	assert_equal "$(sum /dev/ram0p3 8M)" "$s3"
	# freed slots are reused, and nothing of the old ramdisks shows there
	mkfs.ext4 -q -F /dev/ram0p3
	run_brdctl 0 remove keep2
	run_brdctl 0 create --size 16M again again2
	assert_output "/dev/ram0p2
/dev/ram0p3"
	assert_equal "$(cat /sys/block/ram0/ram0p3/start)" "$start3"
	[ -z "$(blkid -p -o value -s TYPE /dev/ram0p3)" ]
	if brd_discard_frees; then
		assert_equal "$(head -c 8M /dev/ram0p2 | tr -d '\0' | wc -c)" 0
	fi
}

@test "remove refuses a mounted or open pooled ramdisk, naming it, and changes nothing" {
	run_brdctl 0 create --size 16M m o
	mkfs.ext4 -q -F /dev/ram0p1
	mkdir -p /tmp/m
	mount /dev/ram0p1 /tmp/m
	run_brdctl 4 remove m
	stderr_has "m: in use: mounted on /tmp/m"
	exec 4</dev/ram0p2
	run_brdctl 4 remove o
	exec 4<&-
	stderr_has "o: in use: open by"
	[ -e /sys/block/ram0/ram0p1 ]
	[ -e /sys/block/ram0/ram0p2 ]
	run_brdctl 4 remove --all
	stderr_has "/dev/ram0p1: in use: mounted on /tmp/m"
	[ -d /sys/module/brd ]
}

@test "a partition re-read (BLKRRPART) rebuilds exactly the same ramdisks from the GPT" {
	run_brdctl 0 create --size 16M one two three
	run_brdctl 0 resize two --size 40M
	run_brdctl 0 remove one
	run_brdctl 0 list -o NAME,PATH,SIZE --raw --noheadings
	local before=$output
	blockdev --rereadpt /dev/ram0
	run_brdctl 0 list -o NAME,PATH,SIZE --raw --noheadings
	assert_equal "$output" "$before"
	# the kernel now has the GPT names too
	grep -q '^PARTNAME=two$' /sys/block/ram0/ram0p2/uevent
}

@test "the pool's whole disk is refused as a ramdisk; whole disks cannot join a pool" {
	run_brdctl 0 create --size 16M p
	run_brdctl 4 flush --force ram0
	stderr_has "refusing to flush the whole disk of a pool"
	run_brdctl 4 resize ram0 --size 1G
	run_brdctl 4 remove ram0
	run_brdctl 4 create --size 16M ram1
	stderr_has "brd is loaded as a pool"
	[ ! -e /sys/block/ram1 ]
	run_brdctl 0 list -o NAME,TYPE --raw --noheadings ram0
	assert_output "ram0 pool"
}

@test "pooled ramdisks need brd loaded as a pool: whole disks loaded means a clear conflict" {
	run_brdctl 0 create --size 16M ram0
	run_brdctl 4 create --size 16M named
	[[ $stderr == *"loaded with whole-disk ramdisks"*"brdctl remove --all"* ]]
	[ ! -e /sys/block/ram0/ram0p1 ]
	run_brdctl 2 create named
	stderr_has "a pooled ramdisk needs --size"
}

@test "the total of pooled sizes is checked against MemAvailable at create and grow" {
	run_brdctl 0 create --size 16M x
	run_brdctl 1 create --size 100G huge
	[[ $stderr == *"pooled ramdisks would total"*"use --force"* ]]
	[ ! -e /sys/block/ram0/ram0p2 ]
	# MemTotal is always above MemAvailable, whatever the guest's RAM
	run_brdctl 1 resize x --size "$(( $(awk '/^MemTotal:/ {print $2}' /proc/meminfo) / 1024 ))M"
	stderr_has "would total"
	assert_equal "$(cat /sys/block/ram0/ram0p1/size)" 32768
	run_brdctl 0 create --size 1G --force huge
	assert_output /dev/ram0p2
}

@test "flush of a pooled ramdisk gives its RAM back where brd discards" {
	brd_discard_frees || skip "$(brd_discard_frees --why)"
	run_brdctl 0 create --size 16M f g
	dd if=/dev/urandom of=/dev/ram0p1 bs=1M count=8 oflag=direct status=none
	dd if=/dev/urandom of=/dev/ram0p2 bs=1M count=4 oflag=direct status=none
	local sg; sg=$(sum /dev/ram0p2 4M)
	local before; before=$(pages)
	run_brdctl 0 flush f
	assert_output --regexp '^/dev/ram0p1: freed 8M \(2048 pages\)'
	assert_equal "$(pages)" $((before - 2048))
	assert_equal "$(sum /dev/ram0p2 4M)" "$sg"
}

@test "flush --all flushes each pooled ramdisk, never the pool's disk; a refusal spares the rest" {
	brd_discard_frees || skip "$(brd_discard_frees --why)"
	run_brdctl 0 create --size 16M f g h
	dd if=/dev/urandom of=/dev/ram0p1 bs=1M count=8 oflag=direct status=none
	dd if=/dev/urandom of=/dev/ram0p2 bs=1M count=4 oflag=direct status=none
	# no lazy init: the mounted filesystem stays quiet during the test
	mkfs.ext4 -q -E lazy_itable_init=0,lazy_journal_init=0 /dev/ram0p3
	mkdir -p "$BATS_TEST_TMPDIR/m"
	mount /dev/ram0p3 "$BATS_TEST_TMPDIR/m"
	echo kept >"$BATS_TEST_TMPDIR/m/file"
	sync
	local before; before=$(pages)
	run_brdctl 4 flush --all
	assert_line --regexp '^/dev/ram0p1: freed 8M \(2048 pages\)'
	assert_line --regexp '^/dev/ram0p2: freed 4M \(1024 pages\)'
	stderr_has "/dev/ram0p3: refusing to flush: mounted on $BATS_TEST_TMPDIR/m"
	[[ $stderr != *"/dev/ram0:"* ]]
	# at least the 3072 pages of f and g are gone (ext4 on h may add some)
	[ "$(pages)" -le $((before - 3072)) ]
	echo 3 >/proc/sys/vm/drop_caches
	assert_equal "$(cat "$BATS_TEST_TMPDIR/m/file")" kept
	# the GPT survived: the pool still has its three ramdisks
	run_brdctl 0 list -n -o NAME
	assert_output --partial "f"
	assert_equal "$(sfdisk -l /dev/ram0 | grep -c '^/dev/ram0p')" 3
	umount "$BATS_TEST_TMPDIR/m"
}

@test "--dry-run of pooled create, resize and remove changes nothing" {
	run_brdctl 0 --dry-run create --size 16M a
	assert_line --index 0 --regexp '^load brd rd_nr=1 rd_size=[0-9]+ max_part=1 \(rd_size in KiB: [0-9.]+[KMGTPE]\)$'
	[ ! -d /sys/module/brd ]
	run_brdctl 0 create --size 16M a
	run_brdctl 0 resize --dry-run a --size 32M
	assert_output --partial "resize partition 1 ('a')"
	assert_equal "$(cat /sys/block/ram0/ram0p1/size)" 32768
	run_brdctl 0 remove --dry-run a
	assert_output --partial "delete partition 1 ('a')"
	[ -e /sys/block/ram0/ram0p1 ]
}
