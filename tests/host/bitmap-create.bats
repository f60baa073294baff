#!/usr/bin/env bats
# brdctl bitmap create: mdadm CreateBitmap layout and defaults, checked with
# the real mdadm -X; refusals leave the disk unchanged; the data is really
# written (no holes, no unwritten or delayed extents) on ext4 and xfs.

load ../test_helper

setup() {
	T=$BATS_TEST_TMPDIR
	cd "$T"
}

teardown() { host_fs_teardown; }

# expected FILE SYNC-SECTORS CHUNK [VERSION [DELAY [WB [UUID-HEX]]]]:
# build the file mdadm's CreateBitmap would write, independently (python).
expected() {
	require_cmd python3
	python3 - "$@" <<'EOF'
import struct, sys
f, sync, chunk = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
ver = int(sys.argv[4]) if len(sys.argv) > 4 else 4
delay = int(sys.argv[5]) if len(sys.argv) > 5 else 5
wb = int(sys.argv[6]) if len(sys.argv) > 6 else 0
uuid = bytes.fromhex(sys.argv[7]) if len(sys.argv) > 7 else bytes(16)
sb = struct.pack("<II16sQQQIIIIII", 0x6d746962, ver, uuid, 0, 0, sync, 0,
                 chunk, delay, wb, 0, 0)
sb += bytes(256 - len(sb))
bits = (sync * 512 + chunk - 1) // chunk
open(f, "wb").write(sb + b"\xff" * ((bits + 7) // 8))
EOF
}

@test "default layout is mdadm's: superblock, all bits set, 256+ceil(bits/8) bytes" {
	run_brdctl 0 bitmap create --sync-size 1G bm
	expected exp 2097152 4096
	cmp bm exp
	[ "$(stat -c %s bm)" = $((256 + 262144 / 8)) ]
	require_cmd mdadm
	run mdadm -X bm
	assert_success
	assert_line '       Chunksize : 4 KB'
	assert_line '          Bitmap : 262144 bits (chunks), 262144 dirty (100.0%)'
	assert_line '          Daemon : 5s flush period'
	assert_line '      Write Mode : Normal'
	assert_line '            UUID : 00000000:00000000:00000000:00000000'
}

@test "default chunk doubles until at most 2^20 chunks (mdadm rule)" {
	# 4 KiB * 2^20 = 4 GiB: up to 4G keeps 4 KB, above doubles
	run_brdctl 0 bitmap create --sync-size 4G a
	expected ea 8388608 4096
	cmp a ea
	run_brdctl 0 bitmap create --sync-size 4294967808 b	# 4G + 512
	expected eb 8388609 8192
	cmp b eb
	run_brdctl 0 bitmap create --sync-size 1T c
	expected ec 2147483648 1048576
	cmp c ec
	[ "$(stat -c %s c)" = $((256 + 131072)) ]
}

@test "every option lands in its field" {
	run_brdctl 0 bitmap create --sync-size 100M --chunk 64K --delay 9 \
		--write-behind 300 --version 3 \
		--uuid 01234567:89abcdef:fedcba98:76543210 bm
	expected exp 204800 65536 3 9 300 0123456789abcdeffedcba9876543210
	cmp bm exp
	require_cmd mdadm
	run mdadm -X bm
	assert_line '         Version : 3'
	assert_line '      Write Mode : Allow write behind, max 300'
	assert_line '            UUID : 01234567:89abcdef:fedcba98:76543210'
	assert_line '          Daemon : 9s flush period'
	# bitmapctl alias, and a dashed UUID
	run "$BITMAPCTL" create --sync-size 512 -u 00112233-4455-6677-8899-aabbccddeeff one
	assert_success
	expected eone 1 4096 4 5 0 00112233445566778899aabbccddeeff
	cmp one eone
}

@test "existing file: refused without --force (exit 4, unchanged), replaced with it" {
	echo "precious data" > bm
	local sum
	sum=$(sha256sum < bm)
	run_brdctl 4 bitmap create --sync-size 1G bm
	assert_equal "$stderr" "brdctl: bm: bitmap file already exists (use --force to replace it)"
	assert_equal "$(sha256sum < bm)" "$sum"
	run_brdctl 0 bitmap create --sync-size 1G --force bm
	expected exp 2097152 4096
	cmp bm exp
	# --force through a symlink replaces the target, keeps the link
	ln -s bm link
	run_brdctl 0 bitmap create --sync-size 512 --force link
	[ -L link ]
	expected exp2 1 4096
	cmp bm exp2
}

@test "a file created by another program during create is never replaced" {
	# the shim creates bm at brdctl's first fsync(): after the existence
	# check, before the temporary file is moved to its name
	[ -f "$PRELOAD/race-create.so" ] || fail "missing $PRELOAD/race-create.so (make tests)"
	RACE_CREATE_PATH=$T/bm LD_PRELOAD=$PRELOAD/race-create.so \
		ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 \
		run_brdctl 4 bitmap create --sync-size 1G bm
	assert_equal "$stderr" "brdctl: bm: bitmap file already exists (use --force to replace it)"
	assert_equal "$(cat bm)" "written by another program"
	# the temporary file is gone
	assert_equal "$(find . -name '.bm.*')" ""
}

@test "bad arguments: exit 2, nothing created or changed" {
	echo keep > existing
	local sum a
	sum=$(sha256sum < existing)
	for a in "" "--sync-size 1000" "--sync-size 0" "--sync-size x" \
		 "--sync-size 1G --chunk 3000" "--sync-size 1G --chunk 256" \
		 "--sync-size 1G --chunk 4G" "--sync-size 1G --uuid 1234" \
		 "--sync-size 1G --uuid 0123456789abcdef0123456789abcdeg" \
		 "--sync-size 1G --write-behind 16384" "--sync-size 1G --version 5" \
		 "--sync-size 1G --version 6" "--sync-size 1G --delay 0" \
		 "--sync-size 1G --bogus"; do
		# shellcheck disable=SC2086
		run_brdctl 2 bitmap create $a new
		[ ! -e new ] || fail "'$a' created a file"
		# shellcheck disable=SC2086
		run_brdctl 2 bitmap create $a --force existing
		assert_equal "$(sha256sum < existing)" "$sum"
	done
	run_brdctl 2 bitmap create --sync-size 1G
	run_brdctl 2 bitmap create --sync-size 1G a b
	[ ! -e a ]
	[ ! -e b ]
}

@test "non-regular targets and missing directories are refused" {
	mkdir w
	cd w
	mkdir dir
	run_brdctl 1 bitmap create --sync-size 1G --force dir
	assert_equal "$stderr" "brdctl: dir: cannot create bitmap file: exists and is not a regular file"
	[ -d dir ]
	run_brdctl 3 bitmap create --sync-size 1G nodir/bm
	[ ! -e nodir ]
	if [ -e /dev/null ]; then
		run_brdctl 1 bitmap create --sync-size 1G --force /dev/null
		[ -c /dev/null ]
	fi
	# no temporary files left behind
	assert_equal "$(ls -A)" "dir"

}

# The file must be usable by md's bmap()-based I/O: data written, no holes,
# no unwritten or delayed-allocation extents, right after the command.
check_extents() {
	require_cmd filefrag
	local f=$1 out
	out=$(filefrag -v "$f")
	echo "$out"
	if grep -Eq 'unwritten|delalloc|unknown|inline|shared' <<<"$out"; then
		fail "$f has unwritten/delayed/unknown extents"
	fi
	# no holes: allocated bytes cover the size
	local size blocks
	size=$(stat -c %s "$f")
	blocks=$(stat -c %b "$f")
	[ $((blocks * 512)) -ge "$size" ] || fail "$f has holes"
}


@test "ext4: data written and allocated, no holes or unwritten extents" {
	mkfs_loop ext4
	run_brdctl 0 bitmap create --verbose --sync-size 64G --chunk 4K "$MNT/bm"
	grep -qxF "brdctl: $MNT/bm: 2097408 bytes, 16777216 chunks of 4096 bytes, all dirty" <<<"$stderr"
	grep -qxF "brdctl: $MNT/bm: 2097408 bytes in plain written extents" <<<"$stderr"
	check_extents "$MNT/bm"
	expected "$T/exp" 134217728 4096
	cmp "$MNT/bm" "$T/exp"
}

@test "xfs: data written and allocated, no holes or unwritten extents" {
	mkfs_loop xfs
	run_brdctl 0 bitmap create --sync-size 64G --chunk 4K "$MNT/bm"
	check_extents "$MNT/bm"
	expected "$T/exp" 134217728 4096
	cmp "$MNT/bm" "$T/exp"
}
