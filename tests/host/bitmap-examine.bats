#!/usr/bin/env bats
# brdctl bitmap examine: golden comparison with the real mdadm -X (Debian's
# mdadm 4.2, run in the same test), exit codes of bad inputs, member devices
# on loop devices, files on ext4/xfs/tmpfs (O_DIRECT paths), --json, --dirty.
# Inputs come from tests/helpers/mkbitmap (raw fields and bit patterns).

load ../test_helper

setup() {
	MK=$HELPERS/mkbitmap
	[ -x "$MK" ] || skip "test helper $MK not built (make tests)"
	T=$BATS_TEST_TMPDIR
	cd "$T"
}

teardown() {
	host_fs_teardown
	for l in ${EXTRA_LOOPS:-}; do losetup -d "$l" 2>/dev/null || true; done
}

# examine ARGS...: run ours only (stdout/stderr in files, BRC).
examine() {
	BRC=0
	"$BRDCTL" bitmap examine "$@" >"$T/b.out" 2>"$T/b.err" || BRC=$?
	echo "--- stdout"; cat "$T/b.out"; echo "--- stderr"; cat "$T/b.err"
	echo "--- rc $BRC"
}

@test "golden: version 4 files, all patterns, match mdadm -X byte for byte" {
	local p n=0
	for p in full zero alt first:1 first:77 bits:0,5-9,100 random:1 random:7; do
		"$MK" --pattern "$p" --sync-size 300000 --chunksize 4096 "bm-$n"
		golden "bm-$n"
		expect_rc 0
		n=$((n + 1))
	done
	golden bm-0
	grep -qx '          Bitmap : 37500 bits (chunks), 37500 dirty (100.0%)' b.out
	golden bm-1
	grep -qx '          Bitmap : 37500 bits (chunks), 0 dirty (0.0%)' b.out
}

@test "golden: 0% and 100% dirty, tail bits past the last chunk ignored" {
	"$MK" --pattern full --sync-size 1001 --chunksize 4096 full
	golden full
	assert_equal "$(grep Bitmap b.out)" "          Bitmap : 126 bits (chunks), 126 dirty (100.0%)"
	"$MK" --pattern zero --sync-size 1001 --chunksize 4096 zero
	golden zero
	assert_equal "$(grep Bitmap b.out)" "          Bitmap : 126 bits (chunks), 0 dirty (0.0%)"
	"$MK" --sync-size 0 empty-sync
	golden empty-sync
	grep -q 'Bitmap : 0 bits (chunks), 0 dirty (0.0%)' b.out
}

@test "golden: version 3 (host-endian state), Out of date, Unknown states" {
	"$MK" --version 3 --state 0x8000 --pattern alt v3
	golden v3
	grep -q 'State : Unknown' b.out
	"$MK" --state 2 st2
	golden st2
	grep -q 'State : Out of date' b.out
	"$MK" --state 4 st4
	golden st4
	grep -q 'State : Unknown' b.out
	"$MK" --version 5 --state 6 st6
	golden st6
}

@test "golden: write-behind line, daemon period, UUID byte order, events" {
	"$MK" --write-behind 256 --daemon 30 --events 123456789012 \
		--events-cleared 42 --uuid 0123456789abcdeffedcba9876543210 wb
	golden wb
	grep -q 'Write Mode : Allow write behind, max 256' b.out
	grep -q 'UUID : 01234567:89abcdef:fedcba98:76543210' b.out
	"$MK" --write-behind 16383 wb2
	golden wb2
}

@test "golden: human sizes and chunk sizes at every threshold" {
	local s c n=0
	for s in 1 9998 9999 10000 10001 2097151 2097152 4194303 4194304 \
		 4194305 987654321 4294967295 4294967296 4294967297 \
		 1099511627776 35184372088831; do
		for c in 512 65536 67108864 2147483648; do
			"$MK" --sync-size "$s" --chunksize "$c" --data-bytes 0 "h$n"
			golden --brief "h$n"
			n=$((n + 1))
		done
	done
	# full reports too (data present) for the small ones
	for s in 9999 10000 2097152 4194305; do
		"$MK" --sync-size "$s" --chunksize 1048576 --pattern random:3 "f$n"
		golden "f$n"
		expect_rc 0
		n=$((n + 1))
	done
}

@test "golden: --brief and several inputs in one call" {
	"$MK" --pattern random:5 a
	"$MK" --pattern zero --version 3 b
	"$MK" --pattern first:9 --write-behind 4 c
	golden --brief a b c
	expect_rc 0
	golden a b c
	expect_rc 0
	[ "$(grep -c Filename b.out)" = 3 ]
}

@test "golden: files written by 'brdctl bitmap create'" {
	run_brdctl 0 bitmap create --sync-size 1G --uuid 00112233-4455-6677-8899-aabbccddeeff new
	golden new
	grep -q '100.0%' b.out
	run_brdctl 0 bitmap create --sync-size 100M --chunk 64K --write-behind 7 --delay 9 --version 3 new3
	golden new3
}

@test "version 6 (llbitmap): per-chunk states decoded where mdadm gives up" {
	"$MK" --version 6 --chunksize 128 --sync-size 2097152 \
		--pattern states:0,1,2,3,4,1,1,1,1,1 ll
	examine ll
	expect_rc 0
	grep -qx '         Version : 6' b.out
	grep -qx '       Chunksize : 64 KB' b.out
	grep -qx '          Bitmap : 16384 chunks, 4916 dirty (30.0%)' b.out
	grep -qx '    Chunk States : 1639 unwritten, 9829 clean, 1639 dirty, 1639 need-sync, 1638 syncing, 0 need-sync-unwritten, 0 syncing-unwritten, 0 clean-unwritten' b.out
	# mdadm cannot
	run mdadm -X ll
	assert_failure
	# same header lines as mdadm prints for v4
	"$MK" --version 6 --chunksize 128 --state 0x18 --pattern zero ll2
	examine ll2
	grep -qx '           State : first-use, clean' b.out
}

@test "version 6: an invalid state byte is corrupt data (exit 7)" {
	"$MK" --version 6 --chunksize 128 --sync-size 2048 --pattern states:1,1,9 llbad
	examine llbad
	expect_rc 7
	grep -q 'llbad: .*invalid (first: chunk 2 = 0x09)' b.err
	# 8 is the first value past Linux 7.3's states
	"$MK" --version 6 --chunksize 128 --sync-size 2048 --pattern states:7,7,7,8 ll8
	examine ll8
	expect_rc 7
	grep -qx 'brdctl: ll8: 4 chunk state bytes are invalid (first: chunk 3 = 0x08)' b.err
	grep -qx '    Chunk States : 0 unwritten, 0 clean, 0 dirty, 0 need-sync, 0 syncing, 0 need-sync-unwritten, 0 syncing-unwritten, 12 clean-unwritten' b.out
}

@test "version 6: the eight Linux 7.3 states named; --dirty counts dirty, need-sync, syncing" {
	require_cmd jq
	# 16 chunks of 64 KiB, states 0-7 twice
	"$MK" --version 6 --chunksize 128 --sync-size 2048 \
		--pattern states:0,1,2,3,4,5,6,7 ll8s
	examine --dirty ll8s
	expect_rc 0
	grep -qx '          Bitmap : 16 chunks, 6 dirty (37.5%)' b.out
	grep -qx '    Chunk States : 2 unwritten, 2 clean, 2 dirty, 2 need-sync, 2 syncing, 2 need-sync-unwritten, 2 syncing-unwritten, 2 clean-unwritten' b.out
	assert_equal "$(grep 'Dirty :' b.out)" "$(printf '%s\n' \
		'           Dirty : chunks 2-4, sectors 256-639, bytes 131072-327679' \
		'           Dirty : chunks 10-12, sectors 1280-1663, bytes 655360-851967')"
	[ ! -s b.err ]
	BRC=0
	"$BRDCTL" --json bitmap examine --dirty ll8s >ll8s.json || BRC=$?
	expect_rc 0
	jq -e '.bitmaps[0] | .unwritten == 2 and .clean == 2 and
		.["state-dirty"] == 2 and .["need-sync"] == 2 and .syncing == 2 and
		.["need-sync-unwritten"] == 2 and .["syncing-unwritten"] == 2 and
		.["clean-unwritten"] == 2 and .invalid == 0 and .dirty == 6 and
		.["first-use"] == false and
		.["dirty-chunks"] == ["2-4","10-12"]' ll8s.json
	# only the proactive-sync states: nothing for a resync to copy
	"$MK" --version 6 --chunksize 128 --sync-size 2048 --pattern states:5,6,7 llu
	examine --dirty llu
	expect_rc 0
	grep -qx '          Bitmap : 16 chunks, 0 dirty (0.0%)' b.out
	grep -qx '           Dirty : none' b.out
}

@test "version 6: bytes after the last chunk (0xff on real members) are not chunk states" {
	# 10 chunks, then 0xff to the end of a 128 KiB area like a real member
	"$MK" --version 6 --chunksize 128 --sync-size 1280 --pattern states:1,2 \
		--tail $((131072 - 1024 - 10)) lltail
	[ "$(stat -c %s lltail)" = 131072 ]
	[ "$(od -An -tx1 -j1034 -N1 lltail | tr -d ' ')" = ff ]
	examine lltail
	expect_rc 0
	grep -qx '          Bitmap : 10 chunks, 5 dirty (50.0%)' b.out
	grep -qx '    Chunk States : 0 unwritten, 5 clean, 5 dirty, 0 need-sync, 0 syncing, 0 need-sync-unwritten, 0 syncing-unwritten, 0 clean-unwritten' b.out
	[ ! -s b.err ]
	examine --brief lltail
	expect_rc 0
	# the same 0xff inside the chunks is invalid
	"$MK" --version 6 --chunksize 128 --sync-size 1408 --pattern states:1,2 \
		--data-bytes 10 --tail 100 lltail11
	examine lltail11
	expect_rc 7
	grep -q 'lltail11: 1 chunk state bytes are invalid (first: chunk 10 = 0xff)' b.err
}

@test "version 6 first use: mdadm's byte chunksize is said, not decoded as the kernel's" {
	require_cmd jq
	# as mdadm 4.6 --assume-clean writes it: FIRST_USE|CLEAN, 64 MiB in
	# bytes, 256 reserved sectors, 0xff after the header
	"$MK" --version 6 --state 0x18 --chunksize 67108864 --sync-size 131072 \
		--reserved 256 --data-bytes 0 --tail $((131072 - 1024)) llfu
	cp llfu llfu.orig
	examine llfu
	expect_rc 0
	grep -qx '           State : first-use, clean' b.out
	grep -qx "       Chunksize : 64 MB (first use: mdadm's value in bytes, not the kernel's)" b.out
	grep -qx "          Bitmap : not decoded (first use: the header does not hold the kernel's chunk size yet)" b.out
	run ! grep -q 'Chunk States' b.out
	[ ! -s b.err ]
	examine --dirty llfu
	expect_rc 0
	run ! grep -q 'Dirty :' b.out
	examine --brief llfu
	expect_rc 0
	grep -qx '       Sync Size : 65536 (64.00 MiB 67.11 MB)' b.out
	BRC=0
	"$BRDCTL" --json bitmap examine llfu >llfu.json || BRC=$?
	expect_rc 0
	jq -e '.bitmaps[0] | .["first-use"] == true and .["chunk-size"] == null and
		.chunks == null and .dirty == null and .state == 24' llfu.json
	# a chunksize the kernel would reject is not checked either: it ignores it
	"$MK" --version 6 --state 0x8 --chunksize 3000 --data-bytes 0 llfu3000
	examine llfu3000
	expect_rc 0
	# without FIRST_USE the same field is sectors again, and checked
	"$MK" --version 6 --state 0x10 --chunksize 3000 --data-bytes 0 ll3000
	examine ll3000
	expect_rc 7
	cmp llfu llfu.orig
}

@test "truncated bitmap: exit 8, header as mdadm, no Bitmap line, clear message" {
	"$MK" --sync-size 2097152 --data-bytes 100 trunc
	golden --brief trunc
	expect_rc 8
	examine trunc
	expect_rc 8
	# mdadm prints the header and a bogus "800 bits" line and exits 0
	mdadm -X trunc 2>/dev/null | head -n 11 | cmp - b.out
	run mdadm -X trunc	# mdadm calls this a success
	assert_success
	grep -q '^brdctl: trunc: bitmap truncated: 100 of 2048 bytes of chunk data present (800 of 16384 chunks, 800 of them dirty)' b.err
	run ! grep -q Bitmap b.out
}

@test "file shorter than a superblock, empty file: exit 8 naming the file" {
	head -c 100 /dev/zero > short
	examine short
	expect_rc 8
	grep -q '^brdctl: short: no room for the 256-byte bitmap superblock (file is 100 bytes)' b.err
	[ ! -s b.out ]
	: > empty
	examine empty
	expect_rc 8
	grep -q 'empty: .*file is 0 bytes' b.err
}

@test "bad magic: exit 7, no report, message names the field" {
	"$MK" --magic 0x12345678 badmagic
	examine badmagic
	expect_rc 7
	[ ! -s b.out ]
	grep -qx 'brdctl: badmagic: invalid bitmap superblock: bad magic 0x12345678 (expected 0x6d746962)' b.err
	[ "$(wc -l < b.err)" = 1 ]
}

@test "unknown version, chunksize 0 / not a power of two, sync_size overflow: exit 7" {
	"$MK" --version 2 v2
	examine v2
	expect_rc 7
	grep -q 'v2: invalid bitmap superblock: unknown version 2' b.err
	"$MK" --version 7 v7
	examine v7
	expect_rc 7
	"$MK" --chunksize 0 c0
	examine c0
	expect_rc 7
	grep -q 'c0: invalid bitmap superblock: chunksize is 0' b.err
	"$MK" --chunksize 3000 c3000
	examine c3000
	expect_rc 7
	grep -q 'chunksize 3000 is not a power of two' b.err
	"$MK" --sync-size 0xffffffffffffffff --data-bytes 10 big
	examine big
	expect_rc 7
	grep -q 'big: invalid bitmap superblock: sync_size 18446744073709551615 sectors overflows' b.err
	# nothing on stdout for any of them
	[ ! -s b.out ]
}

@test "missing, unreadable and non-regular inputs; later inputs still examined" {
	"$MK" ok
	examine nonexistent ok
	expect_rc 3
	grep -q '^brdctl: nonexistent: cannot open: No such file or directory' b.err
	grep -q 'Filename : ok' b.out
	examine "$T"
	expect_rc 1
	grep -q 'Is a directory' b.err
	if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
		chmod 600 ok
		chmod 755 "$T"
		BRC=0
		setpriv --reuid=65534 --regid=65534 --clear-groups \
			"$BRDCTL" bitmap examine "$T/ok" 2>"$T/b.err" || BRC=$?
		expect_rc 6
		grep -q 'Permission denied' b.err
	fi
}

@test "clustered file: node slots read at their real offsets (mdadm cannot)" {
	# slot size = roundup(256 + ceil(235/8), 4096) = 4096
	"$MK" --version 5 --nodes 3 --cluster-name web --sync-size 30000 \
		--chunksize 65536 --pattern bits:1,5-9 cl
	"$MK" --version 5 --nodes 3 --cluster-name web --sync-size 30000 \
		--chunksize 65536 --events 99 --pattern zero --offset 4096 --slots 1 cl
	examine cl
	expect_rc 0
	# the header is mdadm's
	mdadm -X cl 2>/dev/null | head -n 10 | cmp - <(head -n 10 b.out)
	grep -q 'Unable to read bitmap on node: 1' <(mdadm -X cl 2>/dev/null)
	[ "$(grep -c 'Node Slot' b.out)" = 3 ]
	sed -n '/Node Slot : 1/,/Bitmap/p' b.out | grep -qx '          Events : 99'
	sed -n '/Node Slot : 1/,/Bitmap/p' b.out | grep -qx '          Bitmap : 235 bits (chunks), 0 dirty (0.0%)'
	sed -n '/Node Slot : 2/,/Bitmap/p' b.out | grep -qx '          Bitmap : 235 bits (chunks), 6 dirty (2.6%)'
	# a slot past the end of the file is a truncation
	head -c 8192 cl > cl2
	examine cl2
	expect_rc 8
	grep -q 'node 2 bitmap at byte 8192' b.err
}

@test "clustered file whose node offsets would wrap: exit 7, one line, nothing read or changed" {
	# chunksize 1 and the largest sync_size: each slot is 2^60 + 4096
	# bytes, so node 16 would be at 16 * slot = 2^64 + 65536, i.e. byte
	# 65536 after a wrap.  A superblock waits there (events 4242): read
	# unchecked, it shows up as node 16.
	local big=0x3fffffffffffff
	"$MK" --version 4 --chunksize 1 --sync-size $big --nodes 64 \
		--data-bytes 0 --slots 1 wrap
	"$MK" --version 4 --chunksize 1 --sync-size $big --nodes 64 \
		--data-bytes 0 --slots 1 --events 4242 --offset 65536 wrap
	local sum; sum=$(sha256sum < wrap)
	for opt in "" --brief --json; do
		examine $opt wrap
		expect_rc 7
		grep -qx 'brdctl: wrap: invalid bitmap superblock: 64 nodes: node 7 (slots of 1152921504606851072 bytes from byte 0) lies past the largest file offset: invalid data' b.err
		[ "$(wc -l < b.err)" = 1 ]
		! grep -q 4242 b.out
		! grep -q 'Node Slot' b.out
	done
	assert_equal "$(sha256sum < wrap)" "$sum"
	# 7 nodes of that size still fit below 2^63: merely truncated
	"$MK" --version 4 --chunksize 1 --sync-size $big --nodes 7 \
		--data-bytes 0 --slots 1 seven
	examine --brief seven
	expect_rc 8
	grep -q 'node 6 bitmap at byte 6917529027641106432: no room' b.err
}

@test "--dirty lists chunk, sector and byte ranges (last chunk clipped)" {
	# 488 sectors, 64 KiB chunks: 4 chunks, the last one 104 sectors
	"$MK" --sync-size 488 --chunksize 65536 --pattern bits:0,2-3 d
	examine --dirty d
	expect_rc 0
	assert_equal "$(grep 'Dirty :' b.out)" "$(printf '%s\n' \
		'           Dirty : chunk 0, sectors 0-127, bytes 0-65535' \
		'           Dirty : chunks 2-3, sectors 256-487, bytes 131072-249855')"
	# a chunk of one sector: "chunk 5, sector 5"
	"$MK" --sync-size 16 --chunksize 512 --pattern bits:5,7-9 one
	examine --dirty one
	expect_rc 0
	assert_equal "$(grep 'Dirty :' b.out)" "$(printf '%s\n' \
		'           Dirty : chunk 5, sector 5, bytes 2560-3071' \
		'           Dirty : chunks 7-9, sectors 7-9, bytes 3584-5119')"
	"$MK" --sync-size 1000 --pattern zero clean
	examine --dirty clean
	grep -qx '           Dirty : none' b.out
	# without --dirty the output is still mdadm's
	golden d
}

@test "--json: typed fields, counts, ranges, per-node children" {
	require_cmd jq
	"$MK" --sync-size 488 --chunksize 65536 --pattern bits:0,2-3 \
		--write-behind 5 --uuid 000102030405060708090a0b0c0d0e0f j
	BRC=0
	"$BRDCTL" --json bitmap examine --dirty j >j.json || BRC=$?
	expect_rc 0
	jq -e '.bitmaps[0] | .filename == "j" and .version == 4 and
		.magic == 1836345698 and .chunks == 4 and .dirty == 3 and
		.["chunk-size"] == 65536 and .["sync-size"] == 249856 and
		.["write-behind"] == 5 and .truncated == false and
		.uuid == "00010203:04050607:08090a0b:0c0d0e0f" and
		.["dirty-chunks"] == ["0-0","2-3"] and
		.["dirty-sectors"] == ["0-127","256-487"] and
		.["dirty-bytes"] == ["0-65535","131072-249855"]' j.json
	"$MK" --version 5 --nodes 2 --sync-size 8192 --pattern first:3 jn
	"$BRDCTL" bitmap examine --json jn >jn.json
	jq -e '.bitmaps[0].nodes == 2 and (.bitmaps[0].children | length) == 2 and
		.bitmaps[0].children[1].node == 1 and
		.bitmaps[0].children[1].offset == 4096 and
		.bitmaps[0].children[1].dirty == 3' jn.json
	"$MK" --version 6 --chunksize 128 --sync-size 1280 --pattern states:0,1,2,3,4 jl
	"$BRDCTL" bitmap examine --json jl >jl.json
	jq -e '.bitmaps[0] | .unwritten == 2 and .clean == 2 and
		.["state-dirty"] == 2 and .["need-sync"] == 2 and .syncing == 2 and
		.dirty == 6 and .["chunk-size"] == 65536' jl.json
	# a truncated input is reported, flagged, and exits 8
	"$MK" --data-bytes 3 jt
	BRC=0
	"$BRDCTL" bitmap examine --json j jt >jt.json 2>jt.err || BRC=$?
	expect_rc 8
	jq -e '.bitmaps | length == 2 and .[1].truncated == true and
		.[1]["present-chunks"] == 24' jt.json
}

@test "bitmapctl examine is brdctl bitmap examine" {
	"$MK" --pattern random:9 x
	BRC=0
	"$BITMAPCTL" examine x >bc.out || BRC=$?
	expect_rc 0
	golden x
	cmp bc.out b.out
}

# ---------------------------------------------------------- member devices

mkmember() {  # mkmember META BITMAP-OFFSET [mkbitmap options]
	local meta=$1 off=$2
	shift 2
	require_loop 16M
	"$MK" --md "$meta" --dev-size 16777216 --bitmap-offset "$off" "$@" "$LOOPDEV"
}

@test "member devices 0.90, 1.0, 1.1, 1.2 on loop devices: golden" {
	local m
	for m in 0.90:8 1.0:-16 1.1:8 1.2:8 1.2:2; do
		mkmember "${m%%:*}" "${m#*:}" --sync-size 30000 --chunksize 65536 \
			--pattern bits:1,5-9 --uuid 11223344556677889900aabbccddeeff
		golden "$LOOPDEV"
		expect_rc 0
		if [ "${m%%:*}" = 0.90 ]; then
			grep -qx '            UUID : 44332211:88776655:bbaa0099:ffeeddcc' b.out
		else
			grep -qx '            UUID : 11223344:55667788:9900aabb:ccddeeff' b.out
		fi
		release_loop
	done
}

@test "member device: clustered 1.2 bitmap, every node slot: golden" {
	mkmember 1.2 8 --clustered --version 5 --nodes 3 --cluster-name mycl \
		--sync-size 30000 --chunksize 65536 --pattern bits:1,5-9
	golden "$LOOPDEV"
	expect_rc 0
	[ "$(grep -c 'Node Slot' b.out)" = 3 ]
	golden --brief "$LOOPDEV"
}

@test "member device: no bitmap, foreign bitmap uuid, blank device" {
	mkmember 1.1 8 --no-bitmap-flag
	examine "$LOOPDEV"
	expect_rc 3
	grep -q "$LOOPDEV: md 1.1 superblock at byte 0 has no internal bitmap" b.err
	release_loop
	mkmember 1.2 8 --md-uuid ffffffffffffffffffffffffffffffff
	examine "$LOOPDEV"
	expect_rc 7
	grep -q 'does not match the array' b.err
	run mdadm -X "$LOOPDEV"
	assert_failure
	release_loop
	require_loop 16M
	examine "$LOOPDEV"
	expect_rc 3
	grep -q 'no md superblock (0.90, 1.0, 1.1, 1.2) and no bitmap at offset 0' b.err
}

@test "member device: bare bitmap at offset 0 (no md superblock), as mdadm" {
	require_loop 16M
	"$MK" --offset 0 --pattern first:10 "$LOOPDEV"
	golden "$LOOPDEV"
	expect_rc 0
}

# ------------------------------------------------ filesystems, O_DIRECT


fs_golden() {
	"$MK" --sync-size 8388608 --chunksize 4096 --pattern random:11 "$MNT/bm"
	run_brdctl 0 bitmap create --sync-size 3G "$MNT/created"
	golden "$MNT/bm" "$MNT/created"
	expect_rc 0
	examine --verbose "$MNT/bm"
	grep -q "$MNT/bm: file, 131328 bytes, O_DIRECT reads" b.err
}

@test "files on ext4 (O_DIRECT): golden" {
	mkfs_loop ext4
	fs_golden
}

@test "files on xfs (O_DIRECT): golden" {
	mkfs_loop xfs
	fs_golden
}

@test "files on tmpfs: golden (O_DIRECT on >= 6.6, else buffered fallback)" {
	require_root
	MNT=$T/mnt
	mkdir -p "$MNT"
	mount -t tmpfs -o size=64M tmpfs "$MNT"
	"$MK" --sync-size 8388608 --chunksize 4096 --pattern random:11 "$MNT/bm"
	if mdadm -X "$MNT/bm" >/dev/null 2>&1; then
		golden "$MNT/bm"
	fi
	examine --verbose "$MNT/bm"
	expect_rc 0
	grep -Eq 'O_DIRECT reads|buffered' b.err
}

@test "ext4 data=journal: no direct I/O, buffered after dropping the cache, said with --verbose" {
	mkfs_loop ext4 data=journal
	"$MK" --pattern random:2 "$MNT/bm"
	examine --verbose "$MNT/bm"
	expect_rc 0
	grep -q 'O_DIRECT not usable (statx reports no direct I/O support); using buffered reads after dropping' b.err
	golden "$MNT/bm"
}

@test "reads bypass a stale page cache (data written under the file, as md does)" {
	require_cmd filefrag
	mkfs_loop ext4
	"$MK" --sync-size 2097152 --pattern zero "$MNT/bm"
	sync
	cat "$MNT/bm" >/dev/null		# page cache now holds zeros
	local phys
	phys=$(filefrag -v -b1 "$MNT/bm" | awk '$1 == "0:" { sub(/\.\..*/, "", $4); print $4 }')
	[ -n "$phys" ] || skip "cannot map the file"
	# set the first 8 chunks dirty directly on the device, like md's submit_bh
	printf '\xff' | dd of="$LOOPDEV" bs=1 seek=$((phys + 256)) conv=notrunc status=none
	blockdev --flushbufs "$LOOPDEV"
	# a buffered read still sees the old byte (unless memory pressure
	# evicted the page meanwhile: then there is no stale cache to bypass)
	[ "$(od -An -tx1 -j256 -N1 "$MNT/bm" | tr -d ' ')" = 00 ] ||
		skip "the file's page cache was evicted before the check"
	examine "$MNT/bm"
	grep -qx '          Bitmap : 16384 bits (chunks), 8 dirty (0.0%)' b.out
	golden "$MNT/bm"
}
