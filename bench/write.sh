#!/bin/bash
# bench/write.sh — cost of changing ONE chunk of an md bitmap file:
#   brdctl bitmap clear --chunk N FILE   (write through the block address)
# against
#   rewriting the whole file through the filesystem + fsync
# for a 1 MiB and a 64 MiB bitmap file on ext4 (4 KiB blocks) on a loop
# device.  Counts device write requests and bytes from the loop device's
# /sys/block/loopN/stat (what reached the block device, journal included;
# WRITE_REQS also counts empty flush/barrier requests),
# brdctl's own pwrite64 calls with strace, and wall time.
#
# Goal (exit 1 if missed): brdctl issues one logical-block write per
# touched block, and writes at least 10x less data than the rewrite.
# Needs root, losetup, mkfs.ext4, python3; strace optional.
# Usage: bench/write.sh [BRDCTL]   (default build/brdctl)
set -euo pipefail
cd "$(dirname "$0")/.."
BRDCTL=${1:-${BRDCTL:-build/brdctl}}
[ "$(id -u)" = 0 ] || { echo "bench/write.sh: needs root" >&2; exit 2; }
W=$(mktemp -d /tmp/brdctl-bench.XXXXXX)
LOOP=
cleanup() {
	mountpoint -q "$W/mnt" 2>/dev/null && umount "$W/mnt"
	[ -n "$LOOP" ] && losetup -d "$LOOP"
	rm -rf "$W"
}
trap cleanup EXIT

truncate -s 512M "$W/img"
LOOP=$(losetup -f --show "$W/img")
DEV=$(basename "$LOOP")
mkfs.ext4 -q -F -b 4096 -E lazy_itable_init=0,lazy_journal_init=0 "$LOOP"
mkdir "$W/mnt"
mount -o noatime "$LOOP" "$W/mnt"

# data write requests (write I/Os minus empty flush requests, field 15),
# and bytes written so far on the loop device
wstat() { awk '{ print $5 - ($15 == "" ? 0 : $15), $7 * 512 }' "/sys/block/$DEV/stat"; }
now() { date +%s%N; }

fail=0
printf '%-8s %-22s %10s %14s %10s %12s\n' BITMAP METHOD WRITE_REQS DEV_BYTES PWRITES TIME_MS
for spec in "1M 32G" "64M 2T"; do
	set -- $spec
	label=$1 sync_size=$2
	bm=$W/mnt/bm-$label
	"$BRDCTL" bitmap create --force --sync-size "$sync_size" --chunk 4K "$bm"
	size=$(stat -c %s "$bm")
	chunk=$(( (size - 256) * 8 / 2 ))	# a chunk in the middle
	sync

	# --- brdctl, through the block address
	read -r w0 b0 < <(wstat)
	t0=$(now)
	"$BRDCTL" bitmap clear --chunk "$chunk" "$bm"
	t1=$(now)
	sync
	read -r w1 b1 < <(wstat)
	pw=-
	if command -v strace >/dev/null; then
		"$BRDCTL" bitmap set --chunk "$chunk" "$bm"	# back to dirty
		sync
		pw=$(strace -f -e trace=pwrite64 -o "$W/strace" "$BRDCTL" bitmap clear --chunk "$chunk" "$bm" &&
			grep -c 'pwrite64(' "$W/strace")
		pwb=$(sed -n 's/.*pwrite64([0-9]*, [^,]*, \([0-9]*\), .*/\1/p' "$W/strace" | paste -sd+ | bc)
		[ "$pw" = 1 ] && [ "$pwb" = 4096 ] || { echo "  brdctl: $pw pwrite64 calls, $pwb bytes (want 1 x 4096)"; fail=1; }
	fi
	bw=$((w1 - w0)) bb=$((b1 - b0))
	printf '%-8s %-22s %10d %14d %10s %12d\n' "$label" "brdctl clear --chunk" \
		"$bw" "$bb" "$pw" $(( (t1 - t0) / 1000000 ))

	# --- the whole file through the filesystem + fsync
	sync
	read -r w0 b0 < <(wstat)
	t0=$(now)
	python3 - "$bm" "$chunk" <<'EOF'
import os, sys
path, c = sys.argv[1], int(sys.argv[2])
data = bytearray(open(path, "rb").read())
data[256 + c // 8] |= 1 << (c % 8)
fd = os.open(path, os.O_WRONLY)
os.pwrite(fd, bytes(data), 0)
os.fsync(fd)
os.close(fd)
EOF
	t1=$(now)
	sync
	read -r w1 b1 < <(wstat)
	fw=$((w1 - w0)) fb=$((b1 - b0))
	printf '%-8s %-22s %10d %14d %10s %12d\n' "$label" "rewrite + fsync" \
		"$fw" "$fb" 1 $(( (t1 - t0) / 1000000 ))

	if [ "$bb" -le 0 ] || [ $(( fb / bb )) -lt 10 ]; then
		echo "  goal missed: brdctl wrote $bb bytes, the rewrite $fb (< 10x)"
		fail=1
	else
		echo "  $label: brdctl wrote $(( fb / bb ))x less data than the rewrite"
	fi
	rm -f "$bm"
done
exit $fail
