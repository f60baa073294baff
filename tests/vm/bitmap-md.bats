#!/usr/bin/env bats
# brdctl bitmap examine on REAL md arrays (guest side; run with
# tests/vm/run-suite.sh 6.12 tests/vm/bitmap-md.bats).  Members are brd
# ramdisks (2 x 8 MiB; a third one holds an ext4 for the external bitmap
# file).  The bitmap-file tests skip where md refuses bitmap files
# (require_md_bitmap_files in ../test_helper.bash).  Every report is compared byte for byte with Debian's mdadm 4.2 -X
# in the same guest, and the dirty chunks are checked against what was
# written.  Waits are on state (mdadm --wait, polling), never fixed sleeps.

load ../test_helper

setup() {
	require_vm
	require_cmd mdadm
	T=$BATS_TEST_TMPDIR
	if [ -d /sys/module/brd ]; then rmmod brd; fi
	modprobe brd rd_nr=3 rd_size=8192 max_part=1
	modprobe raid1 || skip "no raid1 module in this kernel"
	MD=/dev/md/brdtest
	mkdir -p /run/mdadm
}

teardown() {
	[ "${IN_VM:-0}" = 1 ] || return 0
	mdadm --stop "$MD" >/dev/null 2>&1 || true
	mdadm --stop /dev/md127 >/dev/null 2>&1 || true
	if mountpoint -q "$T/mnt" 2>/dev/null; then umount "$T/mnt"; fi
	mdadm --zero-superblock /dev/ram0 /dev/ram1 >/dev/null 2>&1 || true
	if [ -d /sys/module/brd ]; then rmmod brd; fi
}

md_gone() {
	! compgen -G '/sys/block/md*/md' >/dev/null
}

md_idle() {
	local dev
	dev=$(basename "$(readlink -f "$MD")")
	[ "$(cat "/sys/block/$dev/md/sync_action" 2>/dev/null)" = idle ]
}

create() {  # create METADATA BITMAP [mdadm options]
	local meta=$1 bm=$2
	shift 2
	mdadm --create "$MD" --run --quiet --level=1 --raid-devices=2 \
		--metadata="$meta" --bitmap="$bm" "$@" /dev/ram0 /dev/ram1 \
		3>&- || fail "mdadm --create $meta failed"
	mdadm --wait "$MD" 3>&- || true
	wait_for 120 md_idle || fail "resync did not finish"
}

@test "internal bitmaps of 0.90, 1.0, 1.1, 1.2 members: golden, dirty after a degraded write" {
	local m
	for m in 0.90 1.0 1.1 1.2; do
		create "$m" internal --bitmap-chunk=64K
		# fail a member, write 1 MiB at the start: chunks 0-15 stay dirty
		mdadm "$MD" --fail /dev/ram1 3>&- >/dev/null
		dd if=/dev/urandom of="$MD" bs=1M count=1 oflag=direct status=none
		wait_for 60 bash -c "'$BRDCTL' bitmap examine /dev/ram0 | grep -q ' 16 dirty'" ||
			{ "$BRDCTL" bitmap examine /dev/ram0; fail "$m: the kernel did not set 16 bits"; }
		mdadm --stop "$MD" 3>&- >/dev/null
		golden /dev/ram0
		expect_rc 0
		[ "$MRC" = 0 ] || fail "mdadm -X exit $MRC"
		grep -q 'Chunksize : 64 KB' "$T/b.out"
		"$BRDCTL" bitmap examine --dirty /dev/ram0 >"$T/d.out"
		grep -qx '           Dirty : chunks 0-15, sectors 0-2047, bytes 0-1048575' "$T/d.out" ||
			{ cat "$T/d.out"; fail "$m: wrong dirty ranges"; }
		golden /dev/ram1
		expect_rc 0
		[ "$MRC" = 0 ] || fail "mdadm -X exit $MRC"
		"$BRDCTL" --json bitmap examine /dev/ram0 >"$T/j.json"
		grep -q "\"metadata\": \"$m\"" "$T/j.json"
		mdadm --zero-superblock /dev/ram0 /dev/ram1
		# md deletes a stopped array's device asynchronously
		wait_for 10 md_gone || true
	done
}

@test "external bitmap file written by the kernel after a member failed" {
	require_md_bitmap_files
	require_cmd mkfs.ext4
	mkfs.ext4 -q -F /dev/ram2
	mkdir -p "$T/mnt"
	mount /dev/ram2 "$T/mnt"
	create 1.2 "$T/mnt/bitmap" --bitmap-chunk=64K --delay=1
	# mdadm created it all dirty; the kernel clears the bits after the sync
	wait_for 60 bash -c "'$BRDCTL' bitmap examine '$T/mnt/bitmap' | grep -q ' 0 dirty'" ||
		{ "$BRDCTL" bitmap examine "$T/mnt/bitmap"; fail "bits not cleared"; }
	mdadm "$MD" --fail /dev/ram1 3>&- >/dev/null
	dd if=/dev/urandom of="$MD" bs=64K count=3 seek=10 oflag=direct status=none
	# md writes the file behind the page cache with submit_bh; only an
	# O_DIRECT reader sees it
	wait_for 60 bash -c "'$BRDCTL' bitmap examine '$T/mnt/bitmap' | grep -q ' 3 dirty'" ||
		{ "$BRDCTL" bitmap examine "$T/mnt/bitmap"; fail "kernel-written dirty bits not seen"; }
	"$BRDCTL" bitmap examine --dirty "$T/mnt/bitmap" >"$T/d.out"
	grep -qx '           Dirty : chunks 10-12, sectors 1280-1663, bytes 655360-851967' "$T/d.out" ||
		{ cat "$T/d.out"; fail "wrong dirty ranges"; }
	mdadm --stop "$MD" 3>&- >/dev/null
	golden "$T/mnt/bitmap"
	expect_rc 0
	[ "$MRC" = 0 ] || fail "mdadm -X exit $MRC"
	grep -q 'Bitmap : .* 3 dirty' "$T/b.out"
}

@test "a bitmap file made by 'brdctl bitmap create' is accepted by the kernel" {
	require_md_bitmap_files
	require_cmd mkfs.ext4
	mkfs.ext4 -q -F /dev/ram2
	mkdir -p "$T/mnt"
	mount /dev/ram2 "$T/mnt"
	create 1.2 none
	local size
	# the array's size in sectors is what the kernel wants as sync_size
	size=$(( $(cat "/sys/block/$(basename "$(readlink -f "$MD")")/md/component_size") * 1024 ))
	# --delay 1: the kernel clears bits a few daemon periods after the resync
	"$BRDCTL" bitmap create --sync-size "$size" --chunk 64K --delay 1 "$T/mnt/bm"
	mdadm --grow "$MD" --bitmap="$T/mnt/bm" --force 3>&- ||
		fail "mdadm --grow --bitmap=file refused the file"
	mdadm --detail "$MD" | grep -q "Intent Bitmap : $T/mnt/bm"
	# the kernel stamps the array uuid and clears the bits after a resync
	wait_for 90 bash -c "'$BRDCTL' bitmap examine '$T/mnt/bm' | grep -q ' 0 dirty'" ||
		{ "$BRDCTL" bitmap examine "$T/mnt/bm"; fail "kernel did not clear the bits"; }
	mdadm --grow "$MD" --bitmap=none 3>&- || true
	mdadm --stop "$MD" 3>&- >/dev/null
	golden "$T/mnt/bm"
	expect_rc 0
	[ "$MRC" = 0 ] || fail "mdadm -X exit $MRC"
}
