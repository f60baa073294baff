#!/usr/bin/env bats
# Ramdisks on the real brd driver (runs inside the guest: tests/vm/run-suite.sh).
# bats file_tags=vm,brd

load ../test_helper

setup() { vm_setup; }
teardown() { vm_teardown; }

pages() { cat /sys/kernel/debug/ramdisk_pages/"$1"; }

@test "create loads brd with the asked size and count, prints the paths, quiet otherwise" {
	run_brdctl 0 create --size 8M --count 2
	assert_equal "$output" "/dev/ram0
/dev/ram1"
	assert_equal "$stderr" ""
	assert_equal "$(cat /sys/module/brd/parameters/rd_size)" 8192
	assert_equal "$(cat /sys/block/ram0/size)" 16384
	assert_equal "$(cat /sys/block/ram1/size)" 16384
	[ -b /dev/ram0 ]
	[ -b /dev/ram1 ]
	[ ! -e /sys/block/ram2 ]
}

@test "mkfs works right after create (node exists and udev let go)" {
	run_brdctl 0 create --size 16M
	run mkfs.ext4 -q -F "$output"
	assert_success
	assert_equal "$(blkid -p -o value -s TYPE /dev/ram0)" ext4
}

@test "create NAME is idempotent: same size succeeds, another size exits 4" {
	run_brdctl 0 create --size 8M ram0
	assert_equal "$output" /dev/ram0
	run_brdctl 0 create --size 8M ram0
	assert_equal "$output" /dev/ram0
	run_brdctl 0 create ram0
	assert_equal "$output" /dev/ram0
	run_brdctl 4 create --size 16M ram0
	assert_equal "$output" ""
	stderr_has "ram0: exists with size 8M"
	assert_equal "$(cat /sys/module/brd/parameters/rd_size)" 8192
}

@test "create on demand adds ramdisks to a loaded brd; data on others survives" {
	run_brdctl 0 create --size 8M
	dd if=/dev/urandom of=/tmp/pat bs=64K count=16 status=none
	dd if=/tmp/pat of=/dev/ram0 bs=64K oflag=direct status=none
	local sum; sum=$(md5sum < /tmp/pat)
	run_brdctl 0 create ram5
	assert_equal "$output" /dev/ram5
	assert_equal "$(cat /sys/block/ram5/size)" 16384
	run_brdctl 0 create --find
	assert_equal "$output" /dev/ram1
	run_brdctl 0 create --count 2
	assert_equal "$output" "/dev/ram2
/dev/ram3"
	assert_equal "$(head -c 1M /dev/ram0 | md5sum)" "$sum"
}

@test "create --size S reloads brd transparently when no ramdisk holds data" {
	run_brdctl 0 create --size 8M --count 2
	run_brdctl 0 create --size 16M
	assert_equal "$output" /dev/ram2
	assert_equal "$(cat /sys/module/brd/parameters/rd_size)" 16384
	assert_equal "$(cat /sys/block/ram0/size)" 32768
	[ -e /sys/block/ram1 ]
	[ -e /sys/block/ram2 ]
}

@test "create --size S refuses when a ramdisk holds data, naming size, disk and resize" {
	run_brdctl 0 create --size 8M --count 2
	echo hello | dd of=/dev/ram1 oflag=direct bs=4096 conv=sync status=none
	run_brdctl 4 create --size 16M
	stderr_has "ram1: holds data"
	stderr_has "all ramdisks have size 8M"
	stderr_has "brdctl resize"
	assert_equal "$(cat /sys/module/brd/parameters/rd_size)" 8192
	assert_equal "$(head -c 5 /dev/ram1)" hello
}

@test "create --size S refuses when a ramdisk is mounted, naming the mount point" {
	run_brdctl 0 create --size 16M
	mkfs.ext4 -q -F /dev/ram0
	mkdir -p /tmp/mnt
	mount /dev/ram0 /tmp/mnt
	run_brdctl 4 create --size 32M
	stderr_has "ram0: mounted on /tmp/mnt"
	mountpoint -q /tmp/mnt
}

@test "create refuses a total beyond MemAvailable unless --force, and loads nothing" {
	run_brdctl 1 create --size 1T --count 2
	[[ $stderr == *"only"*"of RAM is available; use --force"* ]]
	[ ! -d /sys/module/brd ]
	run_brdctl 0 create --size 1T --force
	assert_equal "$output" /dev/ram0
	assert_equal "$(cat /sys/block/ram0/size)" $((1 << 31))
}

@test "create rejects bad sizes and names with exit 2 and loads nothing" {
	run_brdctl 2 create --size 0
	run_brdctl 2 create --size 1000
	stderr_has "not a positive multiple of 1 KiB"
	run_brdctl 2 create --size 99999999999999999999
	stderr_has "size out of range"
	run_brdctl 2 create --size 4Q
	run_brdctl 2 create /dev/sda
	stderr_has "/dev/sda: invalid ramdisk name: a name is ramN, or a pooled ramdisk name"
	run_brdctl 2 create ram01
	run_brdctl 2 create "bad name"
	run_brdctl 2 create --count 0
	[ ! -d /sys/module/brd ]
}

@test "--dry-run prints the plan and changes nothing" {
	run_brdctl 0 --dry-run create --size 8M --count 2
	assert_equal "$output" "load brd rd_nr=2 rd_size=8192 (rd_size in KiB: 8M)"
	[ ! -d /sys/module/brd ]
	run_brdctl 0 create --size 8M
	echo data | dd of=/dev/ram0 bs=4096 conv=sync oflag=direct status=none
	local before; before=$(pages ram0)
	if brd_discard_frees; then
		run_brdctl 0 flush --dry-run --force ram0
		assert_line "BLKDISCARD /dev/ram0 0 8388608"
	else
		run_brdctl 0 flush --dry-run --cache-only ram0
	fi
	assert_line --index 0 "BLKFLSBUF /dev/ram0"
	assert_equal "$(pages ram0)" "$before"
	assert_equal "$(head -c 4 /dev/ram0)" data
	run_brdctl 0 remove --all --dry-run
	assert_output "unload brd (removes 1 ramdisks)"
	[ -d /sys/module/brd ]
}

@test "list shows the ramdisks; --json has sizes in bytes and real ALLOC" {
	run_brdctl 0 create --size 8M --count 2
	dd if=/dev/urandom of=/dev/ram1 bs=4K count=10 oflag=direct status=none
	run_brdctl 0 list
	assert_line --index 0 --regexp '^NAME +TYPE +SIZE +ALLOC +RO +DISCARD +MOUNTPOINTS$'
	assert_line --index 1 --regexp '^ram0 +disk +8M +0B +0 '
	assert_line --index 2 --regexp '^ram1 +disk +8M +40K +0 '
	run_brdctl 0 list --json
	assert_equal "$(jq -r '.ramdisks[1].size' <<<"$output")" 8388608
	assert_equal "$(jq -r '.ramdisks[1].alloc' <<<"$output")" 40960
	assert_equal "$(jq -r '.ramdisks[0].ro' <<<"$output")" false
	run_brdctl 0 list --output NAME,PATH,MAJ:MIN --noheadings --raw ram1
	assert_output "ram1 /dev/ram1 1:1"
	run_brdctl 0 list --pairs -o NAME,SIZE --bytes ram0
	assert_output 'NAME="ram0" SIZE="8388608"'
	run_brdctl 0 list --shell -o MAJ:MIN ram0
	assert_output 'MAJ_MIN="1:0"'
	run_brdctl 2 list -o NOPE
	stderr_has "unknown column: 'NOPE'"
}

@test "list with no ramdisks prints nothing, and an empty JSON array" {
	run_brdctl 0 list
	assert_output ""
	run_brdctl 0 list --json
	assert_equal "$(jq -c '.ramdisks' <<<"$output")" "[]"
	run_brdctl 0
	assert_output ""
}

@test "list shows FSTYPE, LABEL, UUID, MOUNTPOINTS and HOLDERS" {
	run_brdctl 0 create --size 16M --count 2
	mkfs.ext4 -q -F -L scratch /dev/ram0
	mkdir -p /tmp/mnt
	mount /dev/ram0 /tmp/mnt
	run_brdctl 0 list -o NAME,FSTYPE,LABEL,MOUNTPOINTS --raw --noheadings ram0
	assert_output "ram0 ext4 scratch /tmp/mnt"
	run_brdctl 0 list --json -o NAME,UUID,MOUNTPOINTS ram0
	assert_equal "$(jq -r '.ramdisks[0].uuid' <<<"$output")" "$(blkid -p -o value -s UUID /dev/ram0)"
	assert_equal "$(jq -c '.ramdisks[0].mountpoints' <<<"$output")" '["/tmp/mnt"]'
	dmsetup create brdtest --table "0 8192 linear /dev/ram1 0"
	local dm; dm=dm-$(dmsetup info -c --noheadings -o minor brdtest | tr -d ' ')
	run_brdctl 0 list -o NAME,HOLDERS --raw --noheadings ram1
	dmsetup remove brdtest
	assert_output "ram1 $dm"
}

@test "ALLOC is unknown, never 0, when debugfs cannot be read" {
	run_brdctl 0 create --size 8M
	umount /sys/kernel/debug
	# mounted in a private namespace and read there: still known, no mount left
	run_brdctl 0 list -o NAME,ALLOC --raw --noheadings --bytes
	assert_output "ram0 0"
	run ! grep -q " /sys/kernel/debug " /proc/mounts
	# an unprivileged user cannot: unknown
	run_as_nobody list -o NAME,ALLOC --raw --noheadings
	mount -t debugfs debugfs /sys/kernel/debug
	assert_success
	assert_output "ram0 unknown"
}

@test "stat shows size, allocation, I/O counters, limits, module and capabilities" {
	run_brdctl 0 create --size 8M
	dd if=/dev/zero of=/dev/ram0 bs=4K count=256 oflag=direct status=none
	run_brdctl 0 stat ram0
	assert_line --regexp '^Size: +8M \(8388608 bytes\)$'
	assert_line --regexp '^RAM allocated: +1M \(1048576 bytes\), 256 pages, 12.5% full$'
	assert_line --regexp '^rd_size \(KiB\): +8192$'
	assert_line --regexp '^Physical block size: +4096$'
	run_brdctl 0 stat --json /dev/ram0
	assert_equal "$(jq -r '.ramdisks[0].pages' <<<"$output")" 256
	if [ "$(cat /sys/block/ram0/queue/iostats)" = 0 ]; then
		# brd keeps no I/O statistics: unknown, not 0
		assert_equal "$(jq -r '.ramdisks[0]."write-sectors"' <<<"$output")" null
	else
		assert_equal "$(jq -r '.ramdisks[0]."write-sectors" >= 2048' <<<"$output")" true
	fi
	if brd_discard_frees; then
		assert_equal "$(jq -r '.ramdisks[0]."free-on-flush"' <<<"$output")" true
	else
		assert_equal "$(jq -r '.ramdisks[0]."free-on-flush"' <<<"$output")" false
	fi
	run_brdctl 3 stat ram7
	assert_equal "$stderr" "brdctl: ram7: no such ramdisk"
}

@test "flush frees the RAM where brd discards, and says 'not supported' elsewhere without touching data" {
	run_brdctl 0 create --size 64M
	dd if=/dev/urandom of=/dev/ram0 bs=1M count=32 oflag=direct status=none
	local sum; sum=$(head -c 32M /dev/ram0 | md5sum)
	assert_equal "$(pages ram0)" 8192
	if brd_discard_frees; then
		local free_before; free_before=$(freemem_kib)
		run_brdctl 0 flush ram0
		assert_output "/dev/ram0: freed 32M (8192 pages), 0 pages still allocated"
		# brd's own count is the first witness: every page is gone at once
		assert_equal "$(pages ram0)" 0
		# the allocator's free memory the second (32 MiB freed, slack for
		# what the guest allocates meanwhile)
		wait_freemem_rise "$free_before" $((24 * 1024))
		assert_equal "$(head -c 1M /dev/ram0 | tr -d '\0' | wc -c)" 0
	else
		run_brdctl 5 flush ram0
		[[ $stderr == *"cannot free RAM on this kernel"*"brdctl remove --all"* ]]
		assert_equal "$(pages ram0)" 8192
		assert_equal "$(head -c 32M /dev/ram0 | md5sum)" "$sum"
	fi
}

@test "flush --cache-only works on every kernel and keeps the data" {
	run_brdctl 0 create --size 8M
	echo keep | dd of=/dev/ram0 bs=4096 conv=sync oflag=direct status=none
	run_brdctl 0 flush --cache-only ram0
	assert_output ""
	assert_equal "$(head -c 4 /dev/ram0)" keep
}

@test "flush refuses mounted, open and formatted ramdisks, and changes nothing" {
	brd_discard_frees || skip "$(brd_discard_frees --why) (flush's refusal is tested above)"
	run_brdctl 0 create --size 16M --count 3
	mkfs.ext4 -q -F /dev/ram0
	mkdir -p /tmp/mnt
	mount /dev/ram0 /tmp/mnt
	local p0; p0=$(pages ram0)
	run_brdctl 4 flush ram0
	stderr_has "/dev/ram0: refusing to flush: mounted on /tmp/mnt"
	# nothing discarded (the mounted ext4 itself may still add pages)
	[ "$(pages ram0)" -ge "$p0" ]
	mountpoint -q /tmp/mnt
	echo data | dd of=/dev/ram1 bs=4096 conv=sync oflag=direct status=none
	exec 4</dev/ram1
	run_brdctl 4 flush ram1
	exec 4<&-
	stderr_has "/dev/ram1: refusing to flush: open by"
	assert_equal "$(head -c 4 /dev/ram1)" data
	mkfs.ext4 -q -F /dev/ram2
	run_brdctl 4 flush ram2
	stderr_has "contains a ext4 signature"
	assert_equal "$(blkid -p -o value -s TYPE /dev/ram2)" ext4
	run_brdctl 0 flush --force ram2
	[ -z "$(blkid -p -o value -s TYPE /dev/ram2)" ]
}

@test "remove of one ramdisk says clearly that brd cannot, and offers flush" {
	run_brdctl 0 create --size 8M
	run_brdctl 5 remove ram0
	[[ $stderr == *"ram0: cannot remove a single ramdisk"*"brdctl flush ram0"*"brdctl remove --all"* ]]
	[ -e /sys/block/ram0 ]
}

@test "remove --all unloads brd, refuses while a ramdisk is in use, and is idempotent" {
	run_brdctl 0 create --size 16M --count 2
	mkfs.ext4 -q -F /dev/ram1
	mkdir -p /tmp/mnt
	mount /dev/ram1 /tmp/mnt
	run_brdctl 4 remove --all
	stderr_has "/dev/ram1: in use: mounted on /tmp/mnt"
	[ -d /sys/module/brd ]
	umount /tmp/mnt
	run_brdctl 0 remove --all
	assert_output ""
	[ ! -d /sys/module/brd ]
	run_brdctl 0 remove --all
}

@test "an unprivileged user is told the command needs root (exit 6)" {
	run_as_nobody create --size 8M
	assert_equal "$status" 6
	assert_output "brdctl: create: needs root"
	[ ! -d /sys/module/brd ]
	run_brdctl 0 create --size 8M
	run_as_nobody flush ram0
	assert_equal "$status" 6
	assert_output "brdctl: flush: needs root"
	run_as_nobody remove --all
	assert_equal "$status" 6
	assert_output "brdctl: remove: needs root"
	[ -d /sys/module/brd ]
}

@test "concurrent creates are serialised and each gets its own ramdisk" {
	run_brdctl 0 create --size 8M
	local i
	for i in 1 2 3 4; do "$BRDCTL" create --find > "/tmp/c$i" 3>&- & done
	wait
	run sort /tmp/c1 /tmp/c2 /tmp/c3 /tmp/c4
	assert_output "/dev/ram1
/dev/ram2
/dev/ram3
/dev/ram4"
}
