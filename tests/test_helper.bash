# Loaded by every bats file: `load ../test_helper` (host and vm tests).
bats_require_minimum_version 1.7.0
bats_load_library bats-support
bats_load_library bats-assert

TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
BRDCTL=${BRDCTL:-$TOP/build/brdctl}
BITMAPCTL=$(dirname "$BRDCTL")/bitmapctl
HELPERS=${HELPERS:-$(dirname "$BRDCTL")/tests/helpers}
PRELOAD=${PRELOAD:-$(dirname "$BRDCTL")/tests/preload}
export BRDCTL BITMAPCTL HELPERS PRELOAD TOP

# run_brdctl EXPECTED-RC ARGS...: run brdctl, show the command and its
# output on failure, and check the exit status ('?' = caller checks).
run_brdctl() {
	local want=$1; shift
	run --separate-stderr timeout 120 "$BRDCTL" "$@" 3>&-
	echo "\$ brdctl $*"
	echo "[stdout] $output"
	echo "[stderr] $stderr"
	echo "[rc] $status"
	if [ "$want" != '?' ] && [ "$status" != "$want" ]; then
		fail "brdctl $*: exit status $status, expected $want"
	fi
}

# stderr_has TEXT: brdctl's stderr (run_brdctl) contains TEXT
stderr_has() {
	[[ $stderr == *"$1"* ]] || fail "stderr lacks '$1'"
}

# golden ARGS...: `brdctl bitmap examine ARGS` must print, byte for byte,
# what `mdadm -X ARGS` prints, and something.  Sets MRC and BRC (the exit
# statuses; check them with expect_rc), keeps $T/{m,b}.{out,err}.
golden() {
	require_cmd mdadm
	MRC=0 BRC=0
	mdadm -X "$@" >"$T/m.out" 2>"$T/m.err" || MRC=$?
	"$BRDCTL" bitmap examine "$@" >"$T/b.out" 2>"$T/b.err" || BRC=$?
	if ! cmp -s "$T/m.out" "$T/b.out"; then
		diff -u "$T/m.out" "$T/b.out" || true
		cat "$T/m.err" "$T/b.err"
		fail "stdout of 'brdctl bitmap examine $*' differs from mdadm -X"
	fi
	[ -s "$T/b.out" ] || fail "no output at all for $*"
}

# expect_rc N: the exit status of the last golden/examine was N
expect_rc() {
	[ "$BRC" = "$1" ] || { cat "$T/b.err" 2>/dev/null; fail "exit status $BRC, expected $1"; }
}

require_root() {
	[ "$(id -u)" = 0 ] || skip "needs root"
}

require_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || skip "needs $c (not installed)"
	done
}

require_vm() {
	[ "${IN_VM:-0}" = 1 ] || skip "runs only inside the test guest (tests/vm/run-suite.sh)"
}

# A loop device over a fresh sparse image: sets LOOPDEV and LOOPIMG.
require_loop() {
	require_root
	require_cmd losetup
	LOOPIMG=$(mktemp "${BATS_TEST_TMPDIR:-/tmp}/loop.XXXXXX")
	truncate -s "${1:-64M}" "$LOOPIMG"
	LOOPDEV=$(losetup -f --show "$LOOPIMG" 2>/dev/null) ||
		skip "no loop device support (losetup -f failed)"
}

release_loop() {
	[ -n "${LOOPDEV:-}" ] && losetup -d "$LOOPDEV" 2>/dev/null
	[ -n "${LOOPIMG:-}" ] && rm -f "$LOOPIMG"
	LOOPDEV= LOOPIMG=
}

# mkfs_loop FSTYPE [MOUNTOPTS]: a loop device with an ext4 or xfs filesystem
# mounted on $MNT ($T/mnt); skips when the kernel cannot mount it.
mkfs_loop() {
	require_loop 320M
	case $1 in
	ext4) require_cmd mkfs.ext4; mkfs.ext4 -q -F "$LOOPDEV" ;;
	xfs) require_cmd mkfs.xfs; mkfs.xfs -q -f "$LOOPDEV" ;;
	esac
	MNT=$T/mnt
	mkdir -p "$MNT"
	mount ${2:+-o "$2"} "$LOOPDEV" "$MNT" || skip "cannot mount $1"
}

# Host suites with a filesystem on a loop device: leave the test directory,
# unmount $MNT if mounted, detach the loop device and remove its image.
host_fs_teardown() {
	cd /
	if [ -n "${MNT:-}" ] && mountpoint -q "$MNT" 2>/dev/null; then umount "$MNT"; fi
	release_loop
}

# Guest side (tests/vm): close fd 4 (tests open ramdisks on it), unmount
# every ramdisk mount, deepest first, and unload brd; fails if brd stays.
vm_unload_brd() {
	local m
	exec 4>&- 2>/dev/null || true
	for m in $(awk '$1 ~ /^\/dev\/ram/ {print $2}' /proc/mounts | sort -r); do
		umount "$m"
	done
	rmmod brd 2>/dev/null || true
	[ ! -d /sys/module/brd ]
}

# wait_for SECONDS CMD...: poll CMD until it succeeds, for at most SECONDS of
# wall-clock time (under TCG one poll can take a second, so count time, not
# polls)
wait_for() {
	local end=$(( SECONDS + $1 ))
	shift
	while ! "$@" >/dev/null 2>&1; do
		[ "$SECONDS" -lt "$end" ] || return 1
		sleep 0.2
	done
}

# Guest side: free memory in KiB as the page allocator sees it: MemFree
# plus the pages parked on the per-CPU free lists (/proc/zoneinfo "count:"
# of every pageset), which MemFree does not count.  The page cache is dropped
# first, so that cache filled by reads (of ramdisks, of the 9p root) does not
# hide or fake a change.  Freed pages first go to the per-CPU lists, and on
# a kernel that keeps those lists large (high_min of tens of MiB), MemFree
# alone can stay flat for minutes after brd gave 32 MiB back.
freemem_kib() {
	sync
	echo 3 >/proc/sys/vm/drop_caches
	awk -v pg="$(( $(getconf PAGESIZE) / 1024 ))" '
		FILENAME == "/proc/meminfo" && /^MemFree:/ { free = $2 }
		FILENAME == "/proc/zoneinfo" && $1 == "count:" { pcp += $2 }
		END { print free + pcp * pg }' /proc/meminfo /proc/zoneinfo
}

# Guest side: wait up to 30 s (wall clock) until free memory (freemem_kib)
# is more than $2 KiB above $1.  brd may free discarded pages only after an
# RCU grace period, which a loaded TCG guest can stretch to seconds.  Prints
# the last reading.
wait_freemem_rise() {
	local before=$1 want=$2 now end=$(( SECONDS + 30 ))
	while :; do
		now=$(freemem_kib)
		[ $((now - before)) -gt "$want" ] && break
		[ "$SECONDS" -lt "$end" ] || break
		sleep 0.2
	done
	echo "free memory before $before KiB, after $now KiB (want > +$want KiB)"
	[ $((now - before)) -gt "$want" ]
}

# run_as_nobody ARGS...: `run` brdctl ARGS as uid/gid 65534, from a copy in
# a world-searchable directory (the checkout's path may not be searchable)
run_as_nobody() {
	local d
	d=$(mktemp -d /tmp/brdctl-nobody.XXXXXX)
	chmod 755 "$d"
	install -m 755 "$BRDCTL" "$d/brdctl"
	run setpriv --reuid=65534 --regid=65534 --clear-groups "$d/brdctl" "$@"
	rm -rf "$d"
}

# setup/teardown of the guest suites that start each test without brd
vm_setup() {
	require_vm
	vm_unload_brd
	probe_brd_discard
}

# vm_teardown [PATH...]: also remove PATHs the suite made in the guest
vm_teardown() {
	[ "${IN_VM:-0}" = 1 ] || return 0
	# a test that unmounted debugfs and failed must not blind later tests
	mountpoint -q /sys/kernel/debug || mount -t debugfs debugfs /sys/kernel/debug
	DM_DISABLE_UDEV=1 dmsetup remove brdtest >/dev/null 2>&1 || true
	vm_unload_brd || return 1
	[ $# -eq 0 ] || rm -rf -- "$@"
}

# Guest side, once per bats run (cached in $BATS_RUN_TMPDIR): does brd on
# the running kernel free a ramdisk's pages on discard?  Probed on a brd of
# its own, loaded and unloaded here (so called while brd is not loaded, by
# vm_setup): 16 pages written, BLKDISCARD by util-linux's blkdiscard (not by
# brdctl, which is what the tests test), then brd's own page count in debugfs
# must be 0 and the disk must read back as zeroes.  The first line of the
# cache file is "yes" or "no", the second the reason.
probe_brd_discard() {
	local c=${BATS_RUN_TMPDIR:-/tmp}/brd-discard out p
	[ -s "$c" ] && return 0
	[ ! -d /sys/module/brd ] || { echo "probe_brd_discard: brd is loaded" >&2; return 1; }
	modprobe brd rd_nr=1 rd_size=64 max_part=1 || return 1
	dd if=/dev/urandom of=/dev/ram0 bs=4096 count=16 oflag=direct status=none
	p=$(cat /sys/kernel/debug/ramdisk_pages/ram0)
	if ! out=$(blkdiscard -f /dev/ram0 2>&1); then
		printf 'no\nbrd on this kernel cannot discard (blkdiscard: %s)\n' \
			"${out##*: }" >"$c"
	elif [ "$(cat /sys/kernel/debug/ramdisk_pages/ram0)" != 0 ] ||
	     [ "$(tr -d '\0' </dev/ram0 | wc -c)" != 0 ]; then
		printf 'no\nbrd on this kernel keeps its pages on discard (%s of %s still allocated)\n' \
			"$(cat /sys/kernel/debug/ramdisk_pages/ram0)" "$p" >"$c"
	else
		printf 'yes\nbrd on this kernel frees pages on discard\n' >"$c"
	fi
	rmmod brd
}

# brd_discard_frees: the probe's answer (status 0 = yes); with --why, print
# the reason (for skip messages)
brd_discard_frees() {
	local c=${BATS_RUN_TMPDIR:-/tmp}/brd-discard
	[ -s "$c" ] || fail "probe_brd_discard did not run (vm_setup runs it)"
	if [ "${1:-}" = --why ]; then sed -n 2p "$c"; return 0; fi
	[ "$(head -n 1 "$c")" = yes ]
}

# require_md_bitmap_files: skip unless md on the running kernel attaches an
# external bitmap FILE to an array.  Decided once per bats run (cached in
# $BATS_RUN_TMPDIR) on arrays of its own: a RAID1 of two loop devices with
# the bitmap file on ext4 on a third, made by mdadm --create --bitmap=FILE
# --assume-clean.  Only md's refusal of the file (mdadm: "Cannot set bitmap
# file") counts as "cannot": any other failure of the probe lets the test run
# (and fail where it breaks) rather than hide a broken setup behind a skip.
require_md_bitmap_files() {
	local c=${BATS_RUN_TMPDIR:-/tmp}/md-bitmap-files
	if [ ! -s "$c" ]; then
		probe_md_bitmap_files >"$c" 2>/dev/null || true
		[ -s "$c" ] || echo yes >"$c"
	fi
	[ "$(head -n 1 "$c")" = yes ] || skip "$(sed -n 2p "$c")"
}

probe_md_bitmap_files() {
	local d l=() i out rc=0
	require_cmd mdadm losetup mkfs.ext4
	modprobe raid1 || return 1
	modprobe loop 2>/dev/null || true	# no udev/static nodes in the guest
	d=$(mktemp -d /tmp/mdprobe.XXXXXX)
	for i in 0 1 2; do
		truncate -s 16M "$d/img$i"
		l[i]=$(losetup -f --show "$d/img$i") || { rm -rf "$d"; return 1; }
	done
	mkdir "$d/mnt"
	mkfs.ext4 -q -F "${l[2]}" && mount "${l[2]}" "$d/mnt" || rc=1
	if [ "$rc" = 0 ]; then
		mkdir -p /run/mdadm
		if out=$(mdadm --create /dev/md/brdprobe --run --quiet --level=1 \
			--raid-devices=2 --metadata=1.2 --bitmap="$d/mnt/bm" \
			--bitmap-chunk=64K --assume-clean "${l[0]}" "${l[1]}" 2>&1 3>&-); then
			echo yes
			mdadm --stop /dev/md/brdprobe >/dev/null 2>&1
		elif [[ $out == *"Cannot set bitmap file"* ]]; then
			printf 'no\nmd on this kernel refuses to attach a bitmap file to an array (SET_BITMAP_FILE: %s)\n' \
				"${out##*: }"
		else
			echo yes	# not md's refusal: let the tests find it
		fi
		umount "$d/mnt"
	fi
	for i in 0 1 2; do losetup -d "${l[i]}"; done
	rm -rf "$d"
	return $rc
}
