#!/bin/bash
# bench/persist.sh — brdctl save and restore of a ramdisk of DISK MiB holding
# N MiB of random data, against the plain tools in the same run:
#   save:    brdctl save ram0 IMG       vs  cp --sparse=always /dev/ram0 FILE
#   restore: brdctl restore IMG ram0    vs  dd if=FILE of=/dev/ram0 conv=sparse
#            bs=1M oflag=direct (1 MiB blocks and O_DIRECT: what brdctl does;
#            brd ends holding the data once, not also in the page cache)
# and the image's disk usage against the data held.
# Needs the real brd: VM_MEM=4096M tests/vm/run-in-vm.sh 6.12 -- bench/persist.sh
# (the guest's /tmp is RAM: a 1 GiB ramdisk holding 512 MiB and two images of
# 512 MiB do not fit in the default 2 GiB).
# Goals: save and restore within 1.2x of cp and dd; image <= data + 1%.
set -euo pipefail
cd "$(dirname "$0")/.."
BRDCTL=${BRDCTL:-build/brdctl}
SIZES=${SIZES:-64 512}
DISK=${DISK:-1024}	# MiB
W=${WORKDIR:-/tmp/bench-persist}

if [ "${IN_VM:-0}" != 1 ] && ! modprobe -n brd 2>/dev/null; then
	echo "bench/persist.sh: needs brd; run it with tests/vm/run-in-vm.sh 6.12 -- bench/persist.sh" >&2
	exit 2
fi
ms() { echo $(( ($2 - $1) / 1000000 )); }
now() { date +%s%N; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / (b ? b : 1) }'; }
reset() { "$BRDCTL" remove --all; }
sum() { sha256sum </dev/ram0 | cut -d' ' -f1; }

mkdir -p "$W"
printf '%-6s %9s %9s %7s %9s %9s %7s %10s %10s %8s\n' data save cp save/cp \
	restore dd rst/dd "image" "cp-file" "img/data"
for n in $SIZES; do
	reset
	rm -f "$W"/*
	"$BRDCTL" create --size "${DISK}M" ram0 >/dev/null
	dd if=/dev/urandom of=/dev/ram0 bs=1M count="$n" oflag=direct status=none
	want=$(sum)
	sync; echo 3 >/proc/sys/vm/drop_caches

	t0=$(now); "$BRDCTL" save ram0 "$W/img"; t1=$(now)
	save=$(ms "$t0" "$t1")
	t0=$(now); cp --sparse=always /dev/ram0 "$W/cp"; t1=$(now)
	cp=$(ms "$t0" "$t1")
	img=$(du -B1 "$W/img" | cut -f1) cpu=$(du -B1 "$W/cp" | cut -f1)

	reset
	t0=$(now); "$BRDCTL" restore "$W/img" ram0; t1=$(now)
	restore=$(ms "$t0" "$t1")
	[ "$(sum)" = "$want" ] || { echo "brdctl restore: content differs" >&2; exit 1; }
	reset
	"$BRDCTL" create --size "${DISK}M" ram0 >/dev/null
	t0=$(now); dd if="$W/cp" of=/dev/ram0 bs=1M conv=sparse oflag=direct status=none; t1=$(now)
	dd=$(ms "$t0" "$t1")
	[ "$(sum)" = "$want" ] || { echo "dd: content differs" >&2; exit 1; }

	printf '%-6s %7sms %7sms %7s %7sms %7sms %7s %9sK %9sK %8s\n' "${n}M" \
		"$save" "$cp" "$(ratio "$save" "$cp")" "$restore" "$dd" "$(ratio "$restore" "$dd")" \
		$((img / 1024)) $((cpu / 1024)) \
		"$(awk -v a="$img" -v b="$((n << 20))" 'BEGIN { printf "%+.2f%%", (a - b) * 100 / b }')"
done
reset
rm -rf "$W"
echo "ramdisk ${DISK}M (whole disk), data written raw from /dev/urandom; images on $(stat -f -c %T /tmp) in the guest; kernel $(uname -r)"
