#!/bin/bash
# bench/persist.sh — brdctl save and restore of a ramdisk of DISK MiB holding
# N MiB of random data, against the plain tools in the same run:
#   save:    brdctl save ram0 IMG       vs  cp --sparse=always /dev/ram0 FILE
#   restore: brdctl restore IMG ram0    vs  dd if=FILE of=/dev/ram0 conv=sparse
#            bs=1M oflag=direct (1 MiB blocks and O_DIRECT: what brdctl does;
#            brd ends holding the data once, not also in the page cache)
#   read:    the rate restore reads the image at (the data / the restore's
#            time) vs  cat IMG >/dev/null (the image's length / cat's time):
#            how close restore comes to the speed of the image's filesystem
# and the image's disk usage against the data held.  RUNS=N (default 3):
# each size is measured N times, one after the other, and the median of
# every column is printed (ratios are the medians of each run's ratio).
# Needs the real brd: VM_MEM=4096M tests/vm/run-in-vm.sh 6.12 -- bench/persist.sh
# (the guest's /tmp is RAM: a 1 GiB ramdisk holding 512 MiB and two images of
# 512 MiB do not fit in the default 2 GiB).
# Goals: save <= 1.0x cp, restore <= 1.05x dd; image <= data + 1%.
set -euo pipefail
cd "$(dirname "$0")/.."
BRDCTL=${BRDCTL:-build/brdctl}
SIZES=${SIZES:-64 512}
DISK=${DISK:-1024}	# MiB
RUNS=${RUNS:-3}
W=${WORKDIR:-/tmp/bench-persist}

if [ "${IN_VM:-0}" != 1 ] && ! modprobe -n brd 2>/dev/null; then
	echo "bench/persist.sh: needs brd; run it with tests/vm/run-in-vm.sh 6.12 -- bench/persist.sh" >&2
	exit 2
fi
ms() { echo $(( ($2 - $1) / 1000000 )); }
now() { date +%s%N; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / (b ? b : 1) }'; }
mbs() { awk -v b="$1" -v t="$2" 'BEGIN { printf "%.0f", b / 1048576 / (t ? t : 1) * 1000 }'; }
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
reset() { "$BRDCTL" remove --all; }
sum() { sha256sum </dev/ram0 | cut -d' ' -f1; }

# one run of size $1 MiB: prints "save cp restore dd cat image cpfile"
# (ms, ms, ms, ms, ms, bytes, bytes)
one() {
	local n=$1 want t0 t1 save cp restore dd cat img cpu
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
	t0=$(now); cat "$W/img" >/dev/null; t1=$(now)
	cat=$(ms "$t0" "$t1")
	reset
	"$BRDCTL" create --size "${DISK}M" ram0 >/dev/null
	t0=$(now); dd if="$W/cp" of=/dev/ram0 bs=1M conv=sparse oflag=direct status=none; t1=$(now)
	dd=$(ms "$t0" "$t1")
	[ "$(sum)" = "$want" ] || { echo "dd: content differs" >&2; exit 1; }
	echo "$save $cp $restore $dd $cat $img $cpu"
}

mkdir -p "$W"
printf '%-5s %8s %8s %7s %8s %8s %7s %8s %8s %7s %9s %9s %8s\n' data save cp save/cp \
	restore dd rst/dd "read" cat rd/cat "image" "cp-file" "img/data"
for n in $SIZES; do
	S=() C=() R=() D=() K=() I=() F=() RS=() RR=() RK=()
	for ((r = 1; r <= RUNS; r++)); do
		read -r save cp restore dd cat img cpu < <(one "$n")
		S+=("$save") C+=("$cp") R+=("$restore") D+=("$dd") K+=("$cat") I+=("$img") F+=("$cpu")
		RS+=("$(ratio "$save" "$cp")") RR+=("$(ratio "$restore" "$dd")")
		# read rates: restore reads the data, cat the whole length
		RK+=("$(ratio "$(mbs $((n << 20)) "$restore")" "$(mbs $(( (DISK << 20) + 4096 )) "$cat")")")
		echo "# run $r, ${n}M: save ${save}ms cp ${cp}ms restore ${restore}ms dd ${dd}ms cat ${cat}ms" >&2
	done
	save=$(median "${S[@]}") cp=$(median "${C[@]}") restore=$(median "${R[@]}")
	dd=$(median "${D[@]}") cat=$(median "${K[@]}") img=$(median "${I[@]}") cpu=$(median "${F[@]}")
	printf '%-5s %6sms %6sms %6sx %6sms %6sms %6sx %5sMB/s %5sMB/s %6sx %8sK %8sK %8s\n' "${n}M" \
		"$save" "$cp" "$(median "${RS[@]}")" "$restore" "$dd" "$(median "${RR[@]}")" \
		"$(mbs $((n << 20)) "$restore")" "$(mbs $(( (DISK << 20) + 4096 )) "$cat")" \
		"$(median "${RK[@]}")" $((img / 1024)) $((cpu / 1024)) \
		"$(awk -v a="$img" -v b="$((n << 20))" 'BEGIN { printf "%+.2f%%", (a - b) * 100 / b }')"
done
reset
rm -rf "$W"
echo "median of $RUNS runs; ramdisk ${DISK}M (whole disk), data written raw from /dev/urandom;" \
	"images on $(stat -f -c %T /tmp) in the guest; kernel $(uname -r), $(nproc) vCPU"
