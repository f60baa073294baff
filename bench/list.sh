#!/bin/bash
# bench/list.sh — `brdctl list` against `lsblk -I 1` listing the same 64
# ramdisks, measured in the same run.  Needs the real brd: run it in a guest:
#   tests/vm/run-in-vm.sh 6.12 -- bench/list.sh
# Prints the time per listing of each and the ratio brdctl/lsblk
# (goal: <= 1.0, brdctl no slower than lsblk).  With FSTYPE, LABEL and UUID
# the two do different work: brdctl probes every device with libblkid, lsblk
# only reads udev's database (in a guest without udev it shows no FSTYPE and
# opens no device), so that ratio is printed with the counts each found.
# (`blkid -p DEV...` is no peer either: it stops at the first device that
# has no signature.)
set -euo pipefail
cd "$(dirname "$0")/.."
BRDCTL=${BRDCTL:-build/brdctl}
N=${N:-64}
RUNS=${RUNS:-200}

if [ "${IN_VM:-0}" != 1 ] && ! [ -d /sys/module/brd ]; then
	echo "bench/list.sh: needs brd; run it with tests/vm/run-in-vm.sh 6.12 -- bench/list.sh" >&2
	exit 2
fi
rmmod brd 2>/dev/null || true
"$BRDCTL" create --size 16M --count "$N" >/dev/null
for i in 0 1 2 3; do mkfs.ext4 -q -F /dev/ram$i; done	# some probing work

# time RUNS invocations of a command; prints nanoseconds per run
per_run() {
	local t0 t1 i
	"$@" >/dev/null	# warm
	t0=$(date +%s%N)
	for ((i = 0; i < RUNS; i++)); do "$@" >/dev/null; done
	t1=$(date +%s%N)
	echo $(((t1 - t0) / RUNS))
}

lines_b=$("$BRDCTL" list --noheadings | wc -l)
lines_l=$(lsblk -I 1 --noheadings | wc -l)
[ "$lines_b" = "$N" ] && [ "$lines_l" = "$N" ] || {
	echo "bench/list.sh: expected $N lines, brdctl $lines_b, lsblk $lines_l" >&2; exit 1; }

b=$(per_run "$BRDCTL" list)
l=$(per_run lsblk -I 1)
bj=$(per_run "$BRDCTL" list --json)
lj=$(per_run lsblk -I 1 --json)
bf=$(per_run "$BRDCTL" list -o NAME,FSTYPE,LABEL,UUID)
lf=$(per_run lsblk -I 1 -o NAME,FSTYPE,LABEL,UUID)
fs_b=$("$BRDCTL" list -n -o FSTYPE | grep -c ext4 || true)
fs_l=$(lsblk -I 1 -n -o FSTYPE | grep -c ext4 || true)
"$BRDCTL" remove --all
printf 'ramdisks: %d, runs: %d, kernel: %s\n' "$N" "$RUNS" "$(uname -r)"
awk -v b="$b" -v l="$l" -v bj="$bj" -v lj="$lj" -v bf="$bf" -v lf="$lf" \
    -v fs_b="$fs_b" -v fs_l="$fs_l" 'BEGIN {
	printf "brdctl list          %8.2f ms\n", b / 1e6
	printf "lsblk -I 1           %8.2f ms\n", l / 1e6
	printf "ratio brdctl/lsblk   %8.2f\n", b / l
	printf "brdctl list --json   %8.2f ms\n", bj / 1e6
	printf "lsblk -I 1 --json    %8.2f ms\n", lj / 1e6
	printf "ratio (json)         %8.2f\n", bj / lj
	printf "brdctl -o FSTYPE,... %8.2f ms (libblkid probing; found %d of 4 ext4)\n", bf / 1e6, fs_b
	printf "lsblk -o FSTYPE,...  %8.2f ms (udev database; found %d of 4 ext4)\n", lf / 1e6, fs_l
	printf "ratio (FSTYPE...)    %8.2f (not like for like when lsblk found fewer)\n", bf / lf
}'
