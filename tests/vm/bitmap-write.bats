#!/usr/bin/env bats
# brdctl bitmap set/clear through the block addresses, against the REAL
# kernel md (guest side: tests/vm/run-suite.sh 6.12 tests/vm/bitmap-write.bats).
#
# 1. md RAID1 on two brd ramdisks with an external bitmap file on ext4 (a
#    third ramdisk): stop the array, damage some chunks of the second
#    member, mark only some of them dirty with brdctl, re-assemble: md must
#    resync exactly the marked chunks (they become equal again, the other
#    damaged chunks stay different) and clear their bits.
# 2. Fault injection: ext4 on device-mapper; one block of the bitmap file
#    sits under dm-flakey with error_writes.  brdctl's report of written /
#    failed / not-written blocks must match the device afterwards.
# Waits are on state (polling), never fixed sleeps.

load ../test_helper

setup() {
	require_vm
	require_cmd mdadm python3 jq
	T=$BATS_TEST_TMPDIR
	MNT=$T/mnt
	mkdir -p "$MNT" /run/mdadm
	if [ -d /sys/module/brd ]; then rmmod brd; fi
	modprobe brd rd_nr=3 rd_size=16384 max_part=1 || skip "no brd module"
	MD=/dev/md/bwtest
	if [[ $BATS_TEST_DESCRIPTION != *"forbids writing"* ]] &&
	   grep -qw 'bdev_allow_write_mounted=0' /proc/cmdline; then
		skip "this guest forbids writes to mounted devices"
	fi
}

teardown() {
	[ "${IN_VM:-0}" = 1 ] || return 0
	md_stop 2>/dev/null || true
	# a test that failed between suspend and resume must not hang the umount
	DM_DISABLE_UDEV=1 dmsetup resume bwt >/dev/null 2>&1 || true
	if mountpoint -q "$MNT" 2>/dev/null; then umount "$MNT"; fi
	DM_DISABLE_UDEV=1 dmsetup remove bwt >/dev/null 2>&1 || true
	mdadm --zero-superblock /dev/ram0 /dev/ram1 >/dev/null 2>&1 || true
	if [ -d /sys/module/brd ]; then rmmod brd; fi
}

# the md device holding ram0 (the name md picks on assembly varies)
mddev() {
	local d
	for d in /sys/block/md*; do
		if [ -e "$d/md/dev-ram0" ]; then basename "$d"; return 0; fi
	done
	return 1
}
md_idle() { [ "$(cat "/sys/block/$(mddev)/md/sync_action")" = idle ]; }
md_stop() { local d; d=$(mddev) && mdadm --stop "/dev/$d" 3>&- >/dev/null; }
# md_assemble [MDADM-OPTIONS]: assembled arrays start auto-read-only: no
# resync until made writable
md_assemble() {
	mdadm --assemble "$MD" "$@" --bitmap="$MNT/bm" /dev/ram0 /dev/ram1 3>&- ||
		fail "assemble failed"
	mdadm --readwrite "/dev/$(mddev)" 3>&- || true
}

# chunk_sum DEV DATA-OFFSET-BYTES CHUNK: checksum of one 64 KiB chunk
chunk_sum() {
	dd if="$1" iflag=direct,skip_bytes skip=$(( $2 + $3 * 65536 )) \
		bs=65536 count=1 status=none | sha1sum | cut -d' ' -f1
}
same_chunk() { [ "$(chunk_sum /dev/ram0 "$DOFF" "$1")" = "$(chunk_sum /dev/ram1 "$DOFF" "$1")" ]; }
dirty_count() {
	"$BRDCTL" bitmap examine "$MNT/bm" | sed -n 's/.* bits (chunks), \([0-9]*\) dirty.*/\1/p'
}
bitmap_clean() { [ "$(dirty_count)" = 0 ]; }

@test "md raid1 external bitmap: chunks set through the blocks are exactly the ones md resyncs" {
	modprobe raid1 || skip "no raid1 module"
	require_md_bitmap_files
	mkfs.ext4 -q -F -b 1024 -E lazy_itable_init=0,lazy_journal_init=0 /dev/ram2
	mount -o noatime /dev/ram2 "$MNT"
	mdadm --create "$MD" --run --quiet --level=1 --raid-devices=2 \
		--metadata=1.2 --bitmap="$MNT/bm" --bitmap-chunk=64K \
		/dev/ram0 /dev/ram1 3>&- || fail "mdadm --create --bitmap=FILE failed"
	wait_for 120 md_idle || fail "initial resync did not finish"
	wait_for 60 bitmap_clean || fail "bits not cleared after the initial resync"
	DOFF=$(( $(cat "/sys/block/$(mddev)/md/dev-ram0/offset") * 512 ))
	md_stop

	run_brdctl 0 -J bitmap map "$MNT/bm"
	[ "$(jq -r .blockmap.writable <<<"$output")" = true ] || fail "not writable"

	# damage chunks 2 3 4 5 9 10 11 of the second member
	local c
	for c in 2 3 4 5 9 10 11; do
		dd if=/dev/urandom of=/dev/ram1 bs=4096 count=1 oflag=direct,seek_bytes \
			seek=$(( DOFF + c * 65536 + 8192 )) status=none
		! same_chunk "$c" || fail "chunk $c not damaged"
	done
	# md would resync only what its bitmap says: mark 3 and 10
	run_brdctl 0 bitmap set --chunk 3 --chunk 10 "$MNT/bm"
	[ "$(dirty_count)" = 2 ] || fail "bitmap examine: $(dirty_count) dirty, want 2"

	# A cleanly stopped array ignores dirty bits (md_bitmap_init_from_disk:
	# a bit is "needed" only below recovery_cp, MaxSector when clean), so
	# assemble it as after a crash: --update=resync (resync_offset 0).
	# With a bitmap, md then resyncs only the chunks whose bits are set.
	md_assemble --update=resync
	wait_for 120 same_chunk 3 || fail "chunk 3 was not resynced"
	wait_for 120 same_chunk 10 || fail "chunk 10 was not resynced"
	wait_for 120 md_idle || fail "resync did not finish"
	# md cleared the bits it resynced (its daemon, a few seconds)
	wait_for 60 bitmap_clean || fail "md left $(dirty_count) bits dirty"
	for c in 2 4 5 9 11; do
		! same_chunk "$c" || fail "chunk $c was resynced but not marked dirty"
	done
	md_stop
	# the file is still sound for md: re-assemble, nothing to resync
	md_assemble
	wait_for 60 md_idle
	# an active array's bitmap file is refused, by name
	run_brdctl 4 bitmap set --chunk 1 "$MNT/bm"
	[[ $stderr == *"md-in-use"* ]] || fail "md in use not named"
	[[ $stderr == *"$(mddev)"* ]] || fail "array not named"
	md_stop
	umount "$MNT"
	run e2fsck -fn /dev/ram2
	[ "$status" = 0 ] || fail "e2fsck: $output"
}

# the failing block: the 5th filesystem block of the bitmap file
@test "fault injection: a device write fails midway; the report matches the device" {
	modprobe dm-flakey 2>/dev/null || modprobe dm_flakey 2>/dev/null || skip "no dm-flakey"
	require_cmd dmsetup
	local sz bm=$MNT/bm phys
	sz=$(blockdev --getsz /dev/ram2)
	export DM_DISABLE_UDEV=1	# no udev in the guest: nodes by libdevmapper
	dmsetup create bwt --table "0 $sz linear /dev/ram2 0" || skip "dmsetup create failed"
	mkfs.ext4 -q -F -b 1024 -E lazy_itable_init=0,lazy_journal_init=0 /dev/mapper/bwt
	mount -o noatime /dev/mapper/bwt "$MNT"
	# 512M / 4K chunks: 16 KiB of bits, 17 blocks of 1 KiB, all 0xff
	run_brdctl 0 bitmap create --sync-size 512M --chunk 4K "$bm"
	run_brdctl 0 -J bitmap map "$bm"
	[ "$(jq -r .blockmap.writable <<<"$output")" = true ] || fail "not writable"
	# device byte of every file block
	mapfile -t phys < <(jq -r '.blockmap.extents[] | "\(.logical) \(.physical) \(.length)"' <<<"$output" |
		python3 -c '
import sys
m = {}
for l in sys.stdin:
    lo, ph, ln = map(int, l.split())
    for b in range(0, ln, 1024): m[lo + b] = ph + b
for k in sorted(m)[:17]: print(m[k])
')
	[ "${#phys[@]}" = 17 ] || fail "expected 17 blocks, got ${#phys[@]}"
	local bad=$(( phys[4] / 512 ))
	# writes to that block fail, reads work
	dmsetup suspend bwt
	dmsetup load bwt --table "0 $bad linear /dev/ram2 0
$bad 2 flakey /dev/ram2 $bad 0 3600 1 error_writes
$((bad + 2)) $((sz - bad - 2)) linear /dev/ram2 $((bad + 2))" || {
		dmsetup resume bwt
		skip "no error_writes in dm-flakey"
	}
	dmsetup resume bwt

	run_brdctl '?' bitmap clear --all "$bm"
	[ "$status" != 0 ] || fail "a failed device write exited 0"
	[[ $stderr == *"device write failed"* ]] || fail "no failure report"
	[[ $stderr == *"4 of 17 blocks written"* ]] || fail "wrong count"

	dmsetup suspend bwt
	dmsetup load bwt --table "0 $sz linear /dev/ram2 0"
	dmsetup resume bwt
	# what the report says, block by block, against the device itself
	local i state want got
	for i in $(seq 0 16); do
		state=$(grep -E "offset ${phys[$i]} length 1024 " <<<"$stderr" | sed 's/.*: //')
		got=$(dd if=/dev/ram2 iflag=direct,skip_bytes skip="${phys[$i]}" \
			bs=1024 count=1 status=none |
			od -An -tx1 -j $(( i == 0 ? 256 : 0 )) -N1 | tr -d ' ')
		case $i in
		[0-3]) want="written"; [ "$got" = 00 ] || fail "block $i: reported written, device has $got" ;;
		4) want="FAILED (contents unknown)"; [ "$got" = ff ] || fail "block 4: device has $got" ;;
		*) want="not written"; [ "$got" = ff ] || fail "block $i: reported not written, device has $got" ;;
		esac
		[ "$state" = "$want" ] || fail "block $i reported '$state', want '$want'"
	done
	umount "$MNT"
	run e2fsck -fn /dev/mapper/bwt
	[ "$status" = 0 ] || fail "e2fsck: $output"
}

@test "a kernel that forbids writing to mounted devices gets a clear refusal" {
	grep -qw 'bdev_allow_write_mounted=0' /proc/cmdline ||
		skip "boot the guest with VM_APPEND=bdev_allow_write_mounted=0 to run this"
	mkfs.ext4 -q -F -b 1024 /dev/ram2
	mount -o noatime /dev/ram2 "$MNT"
	run_brdctl 0 bitmap create --sync-size 64M --chunk 4K "$MNT/bm"
	cp "$MNT/bm" "$T/before"
	run_brdctl 4 bitmap set --chunk 1 "$MNT/bm"
	# one line, with the reason
	stderr_has "brdctl: $MNT/bm: refusing to write through the file's blocks (nothing written): device-not-writable: the kernel refuses to open mounted device /dev/ram2 for writing"
	stderr_has "CONFIG_BLK_DEV_WRITE_MOUNTED"
	[ "$(wc -l <<<"$stderr")" = 1 ] || fail "not one line: $stderr"
	cmp "$T/before" "$MNT/bm"
}
