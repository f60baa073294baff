#!/usr/bin/env bats
# Real-kernel smoke test of the VM harness: runs INSIDE the guest
# (tests/vm/run-suite.sh KERNEL tests/vm/smoke.bats); skipped elsewhere.
# Each test loads brd afresh and its teardown unloads it (rmmod must succeed,
# so a test that leaves a ramdisk open fails).

bats_require_minimum_version 1.7.0
bats_load_library bats-support
bats_load_library bats-assert

setup() {
  if [ "${IN_VM:-}" != 1 ]; then
    skip "needs the real-kernel guest (IN_VM=1): run tests/vm/run-suite.sh 6.12"
  fi
  if [ -d /sys/module/brd ]; then rmmod brd; fi
  run -0 modprobe brd rd_nr=2 rd_size=8192 max_part=1
}

teardown() {
  [ "${IN_VM:-}" = 1 ] || return 0
  if mountpoint -q "$BATS_TEST_TMPDIR/mnt" 2>/dev/null; then umount "$BATS_TEST_TMPDIR/mnt"; fi
  if [ -d /sys/module/brd ]; then rmmod brd || return 1; fi
  [ ! -d /sys/module/brd ]
}

pages() { cat "/sys/kernel/debug/ramdisk_pages/$1"; }

@test "brd loads with rd_nr=2 rd_size=8192 max_part=1: two 8 MiB disks" {
  assert [ -d /sys/module/brd ]
  run -0 cat /sys/block/ram0/size
  assert_output 16384
  run -0 cat /sys/block/ram1/size
  assert_output 16384
  assert [ ! -e /sys/block/ram2 ]
  assert [ -b /dev/ram0 ]
  run -0 blockdev --getsize64 /dev/ram1
  assert_output $((8192 * 1024))
  run -0 cat /sys/module/brd/parameters/rd_size
  assert_output 8192
}

@test "a pattern written with O_DIRECT reads back identically, other disk untouched" {
  head -c $((1024 * 1024)) /dev/urandom >"$BATS_TEST_TMPDIR/pattern"
  run -0 dd if="$BATS_TEST_TMPDIR/pattern" of=/dev/ram0 bs=64k seek=16 oflag=direct conv=fsync status=none
  run -0 dd if=/dev/ram0 of="$BATS_TEST_TMPDIR/back" bs=64k skip=16 count=16 iflag=direct status=none
  run -0 cmp "$BATS_TEST_TMPDIR/pattern" "$BATS_TEST_TMPDIR/back"
  # the disk before the pattern still reads as zeros, and so does ram1
  run -0 cmp -n $((1024 * 1024)) /dev/ram0 /dev/zero
  run -0 cmp -n $((8192 * 1024)) /dev/ram1 /dev/zero
}

@test "debugfs ramdisk_pages counts the pages written" {
  run -0 pages ram0
  assert_output 0
  run -0 dd if=/dev/urandom of=/dev/ram0 bs=4k count=256 oflag=direct status=none
  run -0 pages ram0
  assert [ "$output" -gt 0 ]
  assert [ "$output" -ge 256 ]
  run -0 pages ram1
  assert_output 0
}

@test "raid1 loads and /proc/mdstat lists it" {
  run -0 modprobe raid1
  assert [ -e /proc/mdstat ]
  run -0 cat /proc/mdstat
  assert_line --partial '[raid1]'
}

@test "ext4 on a ramdisk mounts (module autoload), loop and dm-flakey load" {
  run -0 mkfs.ext4 -q -F /dev/ram1
  mkdir "$BATS_TEST_TMPDIR/mnt"
  run -0 mount -t ext4 /dev/ram1 "$BATS_TEST_TMPDIR/mnt"
  echo hello >"$BATS_TEST_TMPDIR/mnt/f"
  run -0 cat "$BATS_TEST_TMPDIR/mnt/f"
  assert_output hello
  run -0 umount "$BATS_TEST_TMPDIR/mnt"
  run -0 modprobe loop
  assert [ -e /dev/loop-control ]
  run -0 modprobe dm-flakey
  assert [ -d /sys/module/dm_flakey ]
}
