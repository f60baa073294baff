#!/bin/bash
# bench/resize.sh — growing a ramdisk that holds N MiB: a pooled ramdisk
# (brdctl resize NAME), whole disks (brdctl resize ramN: reload with a sparse
# copy), and the naive way (dd out, reload brd, dd back), same run.
# Needs the real brd: tests/vm/run-in-vm.sh 6.12 -- bench/resize.sh
# Goals: pooled resize in constant time; whole-disk reload >= 2x faster than
# the dd round trip, growing with the data held, not with the disk size.
# Sizes fit the default 2 GiB guest: the disk grows from DISK to 2 x DISK,
# which brdctl's RAM guard allows only below MemAvailable (about 1.8G there).
set -euo pipefail
cd "$(dirname "$0")/.."
BRDCTL=${BRDCTL:-build/brdctl}
SIZES=${SIZES:-16 64 256}
DISK=${DISK:-512}	# MiB, nominal size before the resize

if [ "${IN_VM:-0}" != 1 ] && ! modprobe -n brd 2>/dev/null; then
	echo "bench/resize.sh: needs brd; run it with tests/vm/run-in-vm.sh 6.12 -- bench/resize.sh" >&2
	exit 2
fi
ms() { echo $(( ($2 - $1) / 1000000 )); }
now() { date +%s%N; }
reset() { rmmod brd 2>/dev/null || true; rm -f /tmp/bench.img; }
fill() { dd if=/dev/urandom of="$1" bs=1M count="$2" oflag=direct status=none; }

printf '%-8s %12s %12s %12s %10s %10s\n' "data" "pooled" "whole-disk" "dd-reload" "dd/whole" "rss(KiB)"
for n in $SIZES; do
	reset
	"$BRDCTL" create --size "${DISK}M" p >/dev/null
	fill /dev/ram0p1 "$n"
	t0=$(now); "$BRDCTL" resize p --size "$((DISK * 2))M"; t1=$(now)
	pooled=$(ms "$t0" "$t1")

	reset
	"$BRDCTL" create --size "${DISK}M" >/dev/null
	fill /dev/ram0 "$n"
	sum=$(head -c "${n}M" /dev/ram0 | md5sum)
	rss=-
	t0=$(now)
	if [ -x /usr/bin/time ]; then
		rss=$( { /usr/bin/time -f %M "$BRDCTL" resize ram0 --size "$((DISK * 2))M"; } 2>&1 | tail -1)
	else
		"$BRDCTL" resize ram0 --size "$((DISK * 2))M"
	fi
	t1=$(now)
	whole=$(ms "$t0" "$t1")
	[ "$(head -c "${n}M" /dev/ram0 | md5sum)" = "$sum" ] || { echo "whole-disk resize lost data" >&2; exit 1; }

	reset
	modprobe brd rd_nr=1 rd_size=$((DISK * 1024))
	fill /dev/ram0 "$n"
	t0=$(now)
	dd if=/dev/ram0 of=/tmp/bench.img bs=1M status=none
	rmmod brd
	modprobe brd rd_nr=1 rd_size=$((DISK * 2048))
	dd if=/tmp/bench.img of=/dev/ram0 bs=1M oflag=direct status=none
	t1=$(now)
	naive=$(ms "$t0" "$t1")
	printf '%-8s %10sms %10sms %10sms %9.1fx %10s\n' "${n}M" "$pooled" "$whole" "$naive" \
		"$(awk -v a="$naive" -v b="$whole" 'BEGIN { printf "%.1f", a / (b ? b : 1) }')" "$rss"
done
reset
echo "disk: ${DISK}M grown to $((DISK * 2))M; kernel $(uname -r)"
