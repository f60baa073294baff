#!/bin/bash
# bench/boot.sh [KERNEL] — the systemd integration against a plain shell
# script, in one systemd guest (tests/vm/run-boot.sh, default kernel 6.12):
# 4 lines of /etc/brdtab (2 ext4, 1 xfs, 1 raw; whole disks of 320M, xfs
# needs 300M) set up by brdctl-generator's units, measured from the start of
# the first brdctl-setup@ unit to the last mount (or raw setup) being ready
# (systemd's monotonic timestamps); the peer is a plain script doing the
# same with modprobe, mkfs and mount.  Measured at boot (informational: the
# rest of the boot competes for the one vCPU) and then ROUNDS times each in
# the running system, alternating: units restarted (systemctl stop, then
# start local-fs.target) and the script.  Prints the medians and the ratio
# units/script (goal: <= 1.1).  For attribution, one `brdctl apply` of the
# same file (no systemd, one process) is timed in the same rounds.  DETAIL=1: the units' timeline of each round
# on stderr.  Needs root, qemu, busybox-static.
set -euo pipefail
cd "$(dirname "$0")/.."
KERNEL=${1:-6.12}
ROUNDS=${ROUNDS:-3}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
cat >"$W/brdtab" <<'TAB'
ram0  320M  ext4  /bench/e0
ram1  320M  ext4  /bench/e1
ram2  320M  xfs   /bench/x
ram3  320M
TAB
echo "ROUNDS=$ROUNDS DETAIL=${DETAIL:-0}" >"$W/t.sh"
cat >>"$W/t.sh" <<'GUEST'
[ "$1" = boot ] || exit 0
set -u
UNITS="brdctl-setup@ram0.service brdctl-setup@ram1.service brdctl-setup@ram2.service brdctl-setup@ram3.service"
READY="bench-e0.mount bench-e1.mount bench-x.mount brdctl-setup@ram3.service"
ts() { systemctl show -P "$2" "$1"; }
# µs from the first setup unit's start to the last line being ready
units_span() {
	local u first= last=0 v
	for u in $UNITS; do
		[ "$(ts "$u" ActiveState)" = active ] || { echo "bench: $u is not active" >&2; exit 1; }
		v=$(ts "$u" InactiveExitTimestampMonotonic)
		if [ -z "$first" ] || [ "$v" -lt "$first" ]; then first=$v; fi
	done
	for u in $READY; do
		v=$(ts "$u" ActiveEnterTimestampMonotonic)
		if [ "$v" -gt "$last" ]; then last=$v; fi
	done
	echo $((last - first))
}
now() { echo "${EPOCHREALTIME/[.,]/}"; }
script() (  # the peer: what a plain init script does
	set -e
	[ ! -d /sys/module/brd ]
	sync
	t0=$(now)
	modprobe brd rd_nr=4 rd_size=327680
	mkfs.ext4 -q /dev/ram0
	mkfs.ext4 -q /dev/ram1
	mkfs.xfs -q /dev/ram2
	mkdir -p /bench/s0 /bench/s1 /bench/sx
	mount -t ext4 /dev/ram0 /bench/s0
	mount -t ext4 /dev/ram1 /bench/s1
	mount -t xfs /dev/ram2 /bench/sx
	t1=$(now)
	umount /bench/s0 /bench/s1 /bench/sx
	rmmod brd
	echo $((t1 - t0))
)
# the timeline of the last start (ms after the first setup unit started)
timeline() {
	local u first
	first=$(for u in $UNITS; do ts "$u" InactiveExitTimestampMonotonic; done | sort -n | head -n1)
	for u in $UNITS bench-e0.mount bench-e1.mount bench-x.mount; do
		printf '  %-28s' "$u"
		for p in InactiveExitTimestampMonotonic ExecMainStartTimestampMonotonic \
			ExecMainExitTimestampMonotonic ActiveEnterTimestampMonotonic; do
			v=$(ts "$u" $p)
			if [ "${v:-0}" -gt 0 ]; then printf ' %s=%d' "${p%%Timestamp*}" $(((v - first) / 1000)); fi
		done
		echo
	done
}
apply_all() (  # no systemd: one `brdctl apply` for the 4 lines (attribution)
	set -e
	[ ! -d /sys/module/brd ]
	sync
	t0=$(now)
	/usr/sbin/brdctl apply
	t1=$(now)
	/usr/sbin/brdctl unapply
	echo $((t1 - t0))
)
restart_units() {
	systemctl stop $UNITS
	if [ -d /sys/module/brd ]; then echo "bench: brd still loaded after stop" >&2; exit 1; fi
	sync
	systemctl start local-fs.target
	units_span
	[ "${DETAIL:-0}" = 0 ] || timeline >&2
	systemctl stop $UNITS	# the script needs brd unloaded
}
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
sec() { awk -v v="$1" 'BEGIN { printf "%.2f", v / 1e6 }'; }
boot=$(units_span)
# the units' ramdisks go first: the script needs brd unloaded
systemctl stop $UNITS
u=() s=() a=()
for ((r = 1; r <= ROUNDS; r++)); do
	if ((r % 2)); then s+=("$(script)"); u+=("$(restart_units)"); a+=("$(apply_all)")
	else u+=("$(restart_units)"); a+=("$(apply_all)"); s+=("$(script)"); fi
	[[ ${s[-1]} =~ ^[0-9]+$ && ${u[-1]} =~ ^[0-9]+$ && ${a[-1]} =~ ^[0-9]+$ ]] ||
		{ echo "bench: round $r failed" >&2; exit 1; }
done
mu=$(printf '%s\n' "${u[@]}" | median) ms=$(printf '%s\n' "${s[@]}" | median)
ma=$(printf '%s\n' "${a[@]}" | median)
echo "kernel $(uname -r), 4 lines (2 ext4, 1 xfs, 1 raw), 320M each, $ROUNDS rounds"
echo "at boot:            units $(sec "$boot") s (first setup unit started -> last line ready)"
echo "restarted units:    $(for v in "${u[@]}"; do printf '%s ' "$(sec "$v")"; done)s, median $(sec "$mu") s"
echo "plain script:       $(for v in "${s[@]}"; do printf '%s ' "$(sec "$v")"; done)s, median $(sec "$ms") s"
echo "one brdctl apply:   $(for v in "${a[@]}"; do printf '%s ' "$(sec "$v")"; done)s, median $(sec "$ma") s (no systemd, for attribution)"
awk -v a="$ma" -v b="$ms" 'BEGIN { printf "ratio apply/script: %.3f\n", a / b }'
awk -v a="$mu" -v b="$ms" 'BEGIN { printf "ratio units/script: %.3f (goal <= 1.1)\n", a / b }'
GUEST
FINAL="brdctl-setup@ram0.service brdctl-setup@ram1.service brdctl-setup@ram2.service brdctl-setup@ram3.service"
VM_FINAL_BEFORE=$FINAL VM_TIMEOUT=${VM_TIMEOUT:-1200} tests/vm/run-boot.sh "$KERNEL" "$W/brdtab" "$W/t.sh"
