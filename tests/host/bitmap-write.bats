#!/usr/bin/env bats
# brdctl bitmap map / set / clear / update / write: writing a bitmap file
# through its block addresses on ext4 (1 KiB and 4 KiB blocks) and xfs on
# loop devices, and refusing btrfs, tmpfs, unwritten, shared, sparse files.
#
# The no-stray-write proof: every write runs with the filesystem frozen
# (fsfreeze: the filesystem itself writes nothing meanwhile), and a hash of
# every block of the device is taken before and after; exactly the blocks
# that hold the changed bytes (located independently with filefrag) may
# differ.  Refusals and bad input must leave every block as it was.

load ../test_helper

setup() {
	require_root
	require_cmd python3 fsfreeze filefrag
	T=$BATS_TEST_TMPDIR
	MNT=$T/mnt
	mkdir -p "$MNT"
	FROZEN=
	cd "$T"
}

teardown() {
	if [ -n "${FROZEN:-}" ]; then fsfreeze -u "$MNT" 2>/dev/null || true; fi
	host_fs_teardown
}

# mkfs_mount ext4|xfs|btrfs [BLOCKSIZE]: a fresh filesystem on a loop
# device at $MNT; sets FS and BS (filesystem block size)
mkfs_mount() {
	FS=$1 BS=${2:-4096}
	case $FS in
	ext4)
		require_cmd mkfs.ext4 e2fsck
		require_loop 64M
		mkfs.ext4 -q -F -b "$BS" -E lazy_itable_init=0,lazy_journal_init=0 \
			"$LOOPDEV" || fail "mkfs.ext4 failed" ;;
	xfs)
		require_cmd mkfs.xfs xfs_repair
		require_loop 64M
		# xfsprogs refuses < 300 MB unless run as from fstests
		TEST_DIR=1 TEST_DEV=1 QA_CHECK_FS=1 mkfs.xfs -q -f -b size="$BS" \
			"$LOOPDEV" || fail "mkfs.xfs failed" ;;
	btrfs)
		require_cmd mkfs.btrfs
		require_loop 160M
		mkfs.btrfs -q -f "$LOOPDEV" >/dev/null || fail "mkfs.btrfs failed" ;;
	esac
	mount -o noatime "$LOOPDEV" "$MNT" || skip "cannot mount $FS"
}

# hash every BS-byte block of the device: "INDEX SHA1" lines
dev_hashes() {
	sync
	dd if="$LOOPDEV" iflag=direct bs=1M status=none | python3 -c '
import sys, hashlib
bs = int(sys.argv[1]); f = sys.stdin.buffer; i = 0
while True:
    b = f.read(bs)
    if not b: break
    print(i, hashlib.sha1(b).hexdigest()); i += 1
' "$BS" >"$1"
}

# changed blocks between two dev_hashes files, space separated
changed() {
	diff "$1" "$2" | sed -n 's/^> \([0-9]*\) .*/\1/p' | tr '\n' ' ' | sed 's/ $//'
}

# physical block (in BS units) of the file's block holding byte OFFSET,
# from filefrag (FIEMAP, independent of brdctl)
phys_block() {
	filefrag -e -b"$BS" "$1" | python3 -c '
import sys, re
off = int(sys.argv[1]) // int(sys.argv[2])
for l in sys.stdin:
    m = re.match(r"\s*\d+:\s*(\d+)\.\.\s*(\d+):\s*(\d+)\.\.\s*(\d+):", l)
    if m and int(m.group(1)) <= off <= int(m.group(2)):
        print(int(m.group(3)) + off - int(m.group(1))); break
' "$2" "$BS"
}

# read LEN bytes at OFFSET with O_DIRECT (or buffered with "buffered"), hex
read_hex() {
	python3 -c '
import os, sys, mmap
path, off, ln = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
if sys.argv[4] == "direct":
    fd = os.open(path, os.O_RDONLY | os.O_DIRECT)
    buf = mmap.mmap(-1, 1 << 20)
    start = off // 4096 * 4096
    n = os.preadv(fd, [buf], start)
    data = buf[off - start:min(n, off - start + ln)]
else:
    fd = os.open(path, os.O_RDONLY)
    data = os.pread(fd, ln, off)
print(data.hex())
' "$1" "$2" "$3" "${4:-direct}"
}

# guarded EXPECTED-RC ARGS...: run brdctl ARGS with the filesystem frozen,
# hashing the device before and after; sets CHANGED
guarded() {
	local want=$1
	shift
	sync
	fsfreeze -f "$MNT" || fail "fsfreeze failed"
	FROZEN=1
	dev_hashes "$T/before"
	run_brdctl "$want" "$@"
	dev_hashes "$T/after"
	fsfreeze -u "$MNT"
	FROZEN=
	CHANGED=$(changed "$T/before" "$T/after")
}

# offline check of the filesystem
fsck_clean() {
	umount "$MNT"
	case $FS in
	ext4) run e2fsck -fn "$LOOPDEV" ;;
	xfs) run xfs_repair -n "$LOOPDEV" ;;
	esac
	echo "$output"
	[ "$status" = 0 ] || fail "$FS check after the write is not clean"
	mount -o noatime "$LOOPDEV" "$MNT"
}

# set one chunk, clear it again: one block each, read back every way
write_cycle() {
	local bm=$MNT/bm off want
	run_brdctl 0 bitmap create --sync-size 64M --chunk 4K "$bm"
	sync
	run_brdctl 0 -J bitmap map "$bm"
	[ "$(jq -r .blockmap.writable <<<"$output")" = true ] || fail "not writable"
	[ "$(jq -r '.blockmap.reasons|length' <<<"$output")" = 0 ]
	[ "$(jq -r .blockmap.device <<<"$output")" = "$LOOPDEV" ]

	# chunk 9000 lives in byte 256 + 1125, bit 0
	off=$((256 + 9000 / 8))
	guarded 0 bitmap clear --chunk 9000 "$bm"
	want=$(phys_block "$bm" "$off")
	[ -n "$want" ] || fail "filefrag found no block"
	[ "$CHANGED" = "$want" ] || fail "changed blocks '$CHANGED', expected only $want"
	[ "$(read_hex "$bm" "$off" 1)" = fe ]
	[ "$(read_hex "$bm" "$off" 1 buffered)" = fe ]
	[ "$(read_hex "$bm" 0 4)" = 6269746d ]	# superblock untouched
	run_brdctl 0 bitmap examine "$bm"
	assert_output --partial "16384 bits (chunks), 16383 dirty"

	# the superblock: events = 42, stale
	guarded 0 bitmap update --events 42 --state stale "$bm"
	want=$(phys_block "$bm" 0)
	[ "$CHANGED" = "$want" ] || fail "changed blocks '$CHANGED', expected only $want"
	[ "$(read_hex "$bm" 24 8)" = 2a00000000000000 ]
	[ "$(read_hex "$bm" 48 4)" = 02000000 ]
	guarded 0 bitmap update --state ok "$bm"
	[ "$(read_hex "$bm" 48 4 buffered)" = 00000000 ]

	fsck_clean
	# still there after a remount (it is on the disk, not in a cache)
	[ "$(read_hex "$bm" "$off" 1 buffered)" = fe ]
	guarded 0 bitmap set --chunk 9000 "$bm"
	[ "$CHANGED" = "$(phys_block "$bm" "$off")" ]
	[ "$(read_hex "$bm" "$off" 1)" = ff ]
	fsck_clean
}

@test "ext4 1 KiB blocks: set/clear/update write exactly the changed block, fsck clean" {
	mkfs_mount ext4 1024
	write_cycle
}

@test "ext4 4 KiB blocks: set/clear/update write exactly the changed block, fsck clean" {
	mkfs_mount ext4 4096
	write_cycle
}

@test "xfs: set/clear/update write exactly the changed block, xfs_repair clean" {
	mkfs_mount xfs 4096
	write_cycle
}

@test "chunk ranges spanning blocks: only the blocks that change are written" {
	mkfs_mount ext4 1024
	local bm=$MNT/bm expect b
	# 512M / 4K = 131072 chunks = 16 KiB of bits: 17 blocks of 1 KiB
	run_brdctl 0 bitmap create --sync-size 512M --chunk 4K "$bm"
	# bytes 256+0 (block 0) and 256+8192..256+8192+1023 (blocks 8, 9)
	guarded 0 bitmap clear --chunk 0 --chunk 65536-73727 --sector 0-7 "$bm"
	expect="$(phys_block "$bm" 256) $(phys_block "$bm" $((256 + 8192))) $(phys_block "$bm" $((256 + 9215)))"
	expect=$(tr ' ' '\n' <<<"$expect" | sort -n | tr '\n' ' ' | sed 's/ $//')
	[ "$CHANGED" = "$expect" ] || fail "changed '$CHANGED', expected '$expect'"
	run_brdctl 0 bitmap examine "$bm"
	assert_output --partial "131072 bits (chunks), $((131072 - 1 - 8192)) dirty"
	# clearing what is clean changes nothing and writes nothing
	guarded 0 bitmap clear --chunk 65536-73727 "$bm"
	[ -z "$CHANGED" ] || fail "wrote blocks $CHANGED for a no-op"
	fsck_clean
}

@test "--dry-run lists every planned device write and writes nothing" {
	mkfs_mount ext4 4096
	local bm=$MNT/bm pb
	run_brdctl 0 bitmap create --sync-size 64M --chunk 4K "$bm"
	guarded 0 --dry-run bitmap clear --all "$bm"
	[ -z "$CHANGED" ] || fail "dry run wrote blocks $CHANGED"
	pb=$(phys_block "$bm" 0)
	assert_line "write $LOOPDEV offset $((pb * 4096)) length 4096 (file offset 0)"
	assert_line --partial "1 of 1 examined block would change"
	[ "$(read_hex "$bm" 256 1)" = ff ]
}

@test "write --from: replaces the content with an image of the same geometry" {
	mkfs_mount ext4 1024
	local bm=$MNT/bm img=$T/img
	run_brdctl 0 bitmap create --sync-size 64M --chunk 4K "$bm"
	cp "$bm" "$img"
	# the image: events 9, chunks 0-7 and 8000-8007 clean
	python3 - "$img" <<'EOF'
import sys, struct
f = open(sys.argv[1], "r+b"); d = bytearray(f.read())
d[24:32] = struct.pack("<Q", 9); d[256] = 0; d[256 + 1000] = 0
f.seek(0); f.write(d)
EOF
	guarded 0 bitmap write --from "$img" "$bm"
	cmp "$img" "$bm" || fail "file differs from the image"
	local expect
	expect=$(printf '%s\n' "$(phys_block "$bm" 0)" "$(phys_block "$bm" 1256)" | sort -un | tr '\n' ' ' | sed 's/ $//')
	[ "$CHANGED" = "$expect" ] || fail "changed '$CHANGED', expected '$expect'"
	# a different geometry is refused, nothing written
	run_brdctl 0 bitmap create --sync-size 64M --chunk 8K "$T/other"
	guarded 1 bitmap write --from "$T/other" "$bm"
	stderr_has "geometry differs"
	[ -z "$CHANGED" ]
	fsck_clean
}

@test "dirty unsynced file: delayed allocation until synced, then written" {
	mkfs_mount ext4 4096
	local bm=$MNT/bm
	run_brdctl 0 bitmap create --sync-size 64M --chunk 4K "$T/src"
	# written through the page cache, never synced: delalloc
	python3 -c 'import sys; open(sys.argv[2], "wb").write(open(sys.argv[1], "rb").read())' "$T/src" "$bm"
	run_brdctl 0 -J bitmap map --no-sync "$bm"
	if [ "$(jq -r .blockmap.writable <<<"$output")" = true ]; then
		skip "writeback already happened (no delayed allocation to see)"
	fi
	# delalloc, or unwritten if writeback has just begun: refused either way
	jq -e '.blockmap.reasons[] | select(.flag == "DELALLOC" or .flag == "UNWRITTEN")' <<<"$output"
	run_brdctl 0 -J bitmap map "$bm"
	[ "$(jq -r .blockmap.writable <<<"$output")" = true ]
	guarded 0 bitmap clear --chunk 0 "$bm"
	[ "$CHANGED" = "$(phys_block "$bm" 256)" ]
	[ "$(read_hex "$bm" 256 1)" = fe ]
	[ "$(read_hex "$bm" 256 1 buffered)" = fe ]
	fsck_clean
}

# refused FILE REASON-CODE...: map says not writable with these reasons,
# set is refused with exit 5 naming each, and no block changes
refused() {
	local f=$1 code nr lines
	shift
	run_brdctl 0 -J bitmap map "$f"
	[ "$(jq -r .blockmap.writable <<<"$output")" = false ]
	nr=$(jq '.blockmap.reasons | length' <<<"$output")
	for code in "$@"; do
		jq -e --arg c "$code" '.blockmap.reasons[] | select(.code == $c or .flag == $c)' \
			<<<"$output" >/dev/null || fail "map: no reason $code"
	done
	run_brdctl 5 bitmap map --check "$f"
	guarded 5 bitmap set --chunk 1 "$f"
	stderr_has "refusing to write"
	for code in "$@"; do
		[[ $stderr == *"$code"* ]] || fail "set: reason $code not named"
	done
	# one reason: one line; several: a heading, then one line each
	lines=$(( nr == 1 ? 1 : nr + 1 ))
	[ "$(wc -l <<<"$stderr")" = "$lines" ] ||
		fail "$nr reason(s) should take $lines line(s): $stderr"
	[ -z "$CHANGED" ] || fail "a refused write changed blocks $CHANGED"
}

@test "refused: fallocated (unwritten) file" {
	mkfs_mount ext4 4096
	require_cmd fallocate
	fallocate -l 8192 "$MNT/fa"
	refused "$MNT/fa" UNWRITTEN
}

@test "refused: fallocated file on xfs, and a file whose start was written" {
	mkfs_mount xfs 4096
	require_cmd fallocate
	run_brdctl 0 bitmap create --sync-size 64M --chunk 4K "$T/src"
	fallocate -l 65536 "$MNT/fa"
	dd if="$T/src" of="$MNT/fa" conv=notrunc,fsync status=none
	refused "$MNT/fa" UNWRITTEN
}

@test "refused: sparse file (hole)" {
	mkfs_mount ext4 1024
	run_brdctl 0 bitmap create --sync-size 64M --chunk 4K "$T/src"
	# the superblock at 0, nothing behind it: a hole over the bits
	truncate -s 4096 "$MNT/sp"
	dd if="$T/src" of="$MNT/sp" bs=256 count=1 conv=notrunc,fsync status=none
	refused "$MNT/sp" hole
}

@test "refused: reflinked copy on xfs (shared), both files" {
	mkfs_mount xfs 4096
	run_brdctl 0 bitmap create --sync-size 64M --chunk 4K "$MNT/bm"
	cp --reflink=always "$MNT/bm" "$MNT/copy" 2>/dev/null ||
		skip "xfs without reflink"
	refused "$MNT/copy" SHARED
	refused "$MNT/bm" SHARED
}

@test "refused: btrfs (logical addresses, anonymous device)" {
	mkfs_mount btrfs
	python3 -c 'import sys; open(sys.argv[1], "wb").write(b"x" * 65536)' "$MNT/bm"
	sync
	refused "$MNT/bm" filesystem no-block-device
}

@test "refused: tmpfs, nothing to map" {
	mount -t tmpfs -o size=1M tmpfs "$MNT"
	run_brdctl 0 bitmap create --sync-size 1M "$MNT/bm"
	cp "$MNT/bm" "$T/before"
	run_brdctl 0 -J bitmap map "$MNT/bm"
	[ "$(jq -r .blockmap.writable <<<"$output")" = false ]
	jq -e '.blockmap.reasons[] | select(.code == "filesystem")' <<<"$output"
	jq -e '.blockmap.reasons[] | select(.code == "no-block-device")' <<<"$output"
	run_brdctl 5 bitmap clear --all "$MNT/bm"
	stderr_has "tmpfs is not on the allow-list"
	cmp "$T/before" "$MNT/bm"
}

@test "refused: file in use by an active md array (mdstat), allowed with --force" {
	mkfs_mount ext4 4096
	local bm=$MNT/bm root=$T/root
	run_brdctl 0 bitmap create --sync-size 64M --chunk 4K "$bm"
	# a fake /proc/mdstat naming the file (BRDCTL_SYSROOT), whose path
	# (resolved inside that root) leads to the very same inode
	mkdir -p "$root/proc"
	ln -s "$bm" "$root/bm"
	cat >"$root/proc/mdstat" <<'EOF'
Personalities : [raid1]
md9 : active raid1 ram1[1] ram0[0]
      8128 blocks super 1.2 [2/2] [UU]
      bitmap: 0/1 pages [0KB], 4KB chunk, file: /bm

unused devices: <none>
EOF
	export BRDCTL_SYSROOT=$root
	guarded 4 bitmap clear --chunk 3 "$bm"
	stderr_has "md-in-use"
	stderr_has "md9"
	[ -z "$CHANGED" ]
	run_brdctl 0 -J bitmap map "$bm"
	[ "$(jq -r '.blockmap["md-array"]' <<<"$output")" = md9 ]
	guarded 0 bitmap clear --force --chunk 3 "$bm"
	[ "$CHANGED" = "$(phys_block "$bm" 256)" ]
	unset BRDCTL_SYSROOT
}

@test "bad input: clear errors, documented exit codes, every block unchanged" {
	mkfs_mount ext4 1024
	local bm=$MNT/bm
	run_brdctl 0 bitmap create --sync-size 64M --chunk 4K "$bm"
	head -c 4096 /dev/urandom >"$MNT/junk"
	run_brdctl 0 bitmap create --sync-size 64M --chunk 4K "$MNT/short"
	truncate -s 1000 "$MNT/short"
	mkdir "$MNT/dir"
	: >"$MNT/empty"
	sync

	guarded 2 bitmap set "$bm"				; [ -z "$CHANGED" ]
	stderr_has "which chunks"
	guarded 2 bitmap set --chunk 16384 "$bm"		; [ -z "$CHANGED" ]
	stderr_has "beyond the last chunk"
	guarded 2 bitmap set --chunk 5-3 "$bm"			; [ -z "$CHANGED" ]
	guarded 2 bitmap set --chunk abc "$bm"			; [ -z "$CHANGED" ]
	guarded 2 bitmap set --chunk -1 "$bm"			; [ -z "$CHANGED" ]
	guarded 2 bitmap set --sector 131072 "$bm"		; [ -z "$CHANGED" ]
	guarded 2 bitmap set --all --chunk 1 "$bm"		; [ -z "$CHANGED" ]
	guarded 2 bitmap set --chunk 1 "$bm" "$bm"		; [ -z "$CHANGED" ]
	guarded 2 bitmap update "$bm"				; [ -z "$CHANGED" ]
	guarded 2 bitmap update --state bogus "$bm"		; [ -z "$CHANGED" ]
	guarded 2 bitmap update --events -1 "$bm"		; [ -z "$CHANGED" ]
	guarded 2 bitmap write "$bm"				; [ -z "$CHANGED" ]
	guarded 3 bitmap set --chunk 1 "$MNT/missing"		; [ -z "$CHANGED" ]
	guarded 7 bitmap set --chunk 1 "$MNT/junk"		; [ -z "$CHANGED" ]
	stderr_has "invalid bitmap superblock"
	guarded 8 bitmap set --chunk 1 "$MNT/short"		; [ -z "$CHANGED" ]
	stderr_has "too short"
	guarded 5 bitmap set --chunk 1 "$MNT/dir"		; [ -z "$CHANGED" ]
	guarded 5 bitmap set --chunk 1 "$MNT/empty"		; [ -z "$CHANGED" ]
	guarded 7 bitmap write --from "$MNT/junk" "$bm"		; [ -z "$CHANGED" ]
	guarded 3 bitmap write --from "$MNT/missing" "$bm"	; [ -z "$CHANGED" ]
	guarded 2 --dry-run bitmap map "$bm"			; [ -z "$CHANGED" ]
	run_brdctl 2 bitmap map
	run_brdctl 3 bitmap map "$MNT/missing"
	fsck_clean
}
