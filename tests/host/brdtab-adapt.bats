#!/usr/bin/env bats
# brdtab that adapts to the machine (brdtab(5) SIZES RELATIVE TO RAM,
# CONDITIONS, KERNEL COMMAND LINE), on the host: apply --check and
# --dry-run on the fixture sysroot (its /proc/meminfo: MemTotal 2000000 kB,
# MemAvailable 1600000 kB), and the generator's units and journal lines.
# SYSTEMD_PROC_CMDLINE stands for the kernel command line, as for systemd's
# own generators.  Real boots: tests/vm/host-boot-adapt.bats.

load ../test_helper

setup() {
	ROOT=$BATS_TEST_TMPDIR/root
	cp -a "$TOP/tests/fixtures/sysroot-brd" "$ROOT"
	# brd not loaded: the plan may load it as it likes
	rm -r "$ROOT/sys/module/brd" "$ROOT/sys/block/ram0" "$ROOT/sys/block/ram1"
	mkdir -p "$ROOT/etc"
	chmod 755 "$BATS_TEST_TMPDIR" "$ROOT" "$ROOT/etc"
	F=$ROOT/etc/brdtab
	GEN=$(dirname "$BRDCTL")/brdctl-generator
	O=$BATS_TEST_TMPDIR/out
	mkdir -p "$O"
	export BRDCTL_SYSROOT=$ROOT SYSTEMD_LOG_TARGET=console
	unset SYSTEMD_PROC_CMDLINE
}

tab() {  # tab TEXT: the brdtab $F (root's, 0644)
	printf '%s\n' "$1" >"$F"
	chmod 644 "$F"
}

memtotal() {  # memtotal KB: the fixture's MemTotal
	sed -i "s/^MemTotal:.*/MemTotal:       $1 kB/" "$ROOT/proc/meminfo"
}

gen() {  # run the generator on $ROOT
	rm -rf "$O" && mkdir -p "$O"
	run --separate-stderr "$GEN" "$O" "$O" "$O"
	echo "[stderr] $stderr"
}

listing() { (cd "$O" && find . -mindepth 1 -maxdepth 1 -printf '%P\n' | sort | tr '\n' ' '); }

@test "adapt: a share of MemTotal, bounded, is the size that --check, the budget and apply use" {
	tab 'a  50%
b  min(25%, 100M)
c  "max( 1% , 8M )"'
	run_brdctl 0 apply --check "$F"
	assert_equal "$stderr" ""
	run_brdctl 0 --dry-run apply "$F"
	# 50% of 2000000 KiB, 100M, 8M: pooled (different sizes)
	assert_line "add partition 'a' of 1024000000 bytes to /dev/ram0"
	assert_line "add partition 'b' of 104857600 bytes to /dev/ram0"
	assert_line "add partition 'c' of 20480000 bytes to /dev/ram0"
	# the RAM budget sums the resolved sizes: 90% + 25% > MemAvailable
	tab 'a  90%
b  25%'
	run_brdctl 1 apply --check "$F"
	stderr_has "$F:1: a: the RAM budget is exceeded"
	run_brdctl 0 apply --check --force "$F"
	# another machine, the same file: another size
	memtotal 1000000
	run_brdctl 0 --dry-run apply "$F"
	assert_line "add partition 'a' of 921600000 bytes to /dev/ram0"
}

@test "adapt: sizes are rounded down to whole 4 KiB pages; 0 and garbage are errors of their line" {
	memtotal 1001
	tab 'ram0  50%
ram1  50%'
	run_brdctl 0 --dry-run apply "$F"
	# 50% of 1025024 bytes is 512512, rounded down to 512000 (125 pages)
	assert_line "load brd rd_nr=2 rd_size=500"
	tab 'a 0.01%
b 25%x
c min(25%)
d min(25%,4G
e max(1G,,2G)
f 0%
g 100%'
	run_brdctl 2 apply --check "$F"
	assert_equal "$stderr" "brdctl: $F:1: size '0.01%' is 0 on this machine (MemTotal 1001.0K (1001K); sizes are rounded down to whole 4 KiB pages)
brdctl: $F:2: invalid size '25%x': a size is a number with an optional K, M, G, T suffix, or N% of RAM (e.g. 25%, min(25%, 4G), max(10%, 256M))
brdctl: $F:3: invalid size 'min(25%)': min() takes two sizes or more (e.g. 25%, min(25%, 4G), max(10%, 256M))
brdctl: $F:4: invalid size 'min(25%,4G': a '(' is not closed (e.g. 25%, min(25%, 4G), max(10%, 256M))
brdctl: $F:5: invalid size 'max(1G,,2G)': a size is missing (e.g. 25%, min(25%, 4G), max(10%, 256M))
brdctl: $F:6: invalid size '0%': a share of RAM is 1% to 100% (at most two decimals) (e.g. 25%, min(25%, 4G), max(10%, 256M))
brdctl: $F: 6 errors, nothing changed"
}

@test "adapt: min-memory and max-memory lines are skipped, reported, not errors" {
	# whole disks: only the lines that apply decide brd's one size
	tab 'ram0  25%  -  -  x-brdctl.max-memory=4G
ram1  2G   -  -  x-brdctl.min-memory=4G'
	run_brdctl 0 apply --check "$F"
	assert_equal "$stderr" "brdctl: $F:2: ram1: skipped: MemTotal 1.9G (2000000K) is below x-brdctl.min-memory=4G"
	run_brdctl 0 --dry-run apply "$F"
	assert_output "load brd rd_nr=1 rd_size=500000"
	memtotal 8000000
	run_brdctl 0 --dry-run apply --force "$F"
	assert_equal "$stderr" "brdctl: $F:1: ram0: skipped: MemTotal 7.6G (8000000K) is above x-brdctl.max-memory=4G"
	assert_output "load brd rd_nr=0 rd_size=2097152
create /dev/ram1 (mknod b 1 1, open)"
	# apply --only of a skipped line: said, nothing to do
	run_brdctl 0 --dry-run apply --force --only ram0 "$F"
	assert_equal "$output" ""
	assert_equal "$stderr" "brdctl: $F:1: ram0: skipped: MemTotal 7.6G (8000000K) is above x-brdctl.max-memory=4G"
	# garbage in a condition is an error of its line
	tab 'a 1G - - x-brdctl.min-memory=4Q'
	run_brdctl 2 apply --check "$F"
	stderr_has "$F:1: x-brdctl.min-memory: invalid size '4Q'"
}

@test "adapt: brdctl.brdtab=0 and brdctl.skip= on the kernel command line turn lines off in apply" {
	tab 'db   64M
auto 64M'
	SYSTEMD_PROC_CMDLINE="quiet brdctl.brdtab=0" run_brdctl 0 --dry-run apply "$F"
	assert_equal "$output" ""
	assert_equal "$stderr" "brdctl: $F:1: db: skipped: brdctl.brdtab=0 on the kernel command line
brdctl: $F:2: auto: skipped: brdctl.brdtab=0 on the kernel command line"
	SYSTEMD_PROC_CMDLINE="brdctl.skip=db" run_brdctl 0 --dry-run apply "$F"
	assert_equal "$stderr" "brdctl: $F:1: db: skipped: brdctl.skip=db on the kernel command line"
	assert_output "load brd rd_nr=1 rd_size=65536"
	# without $SYSTEMD_PROC_CMDLINE: /proc/cmdline (below the sysroot)
	echo "ro brdctl.brdtab=off" >"$ROOT/proc/cmdline"
	run_brdctl 0 --dry-run apply "$F"
	assert_equal "$output" ""
	stderr_has "db: skipped: brdctl.brdtab=0 on the kernel command line"
}

@test "adapt: the generator gives skipped lines no units and logs why" {
	memtotal 2000000
	tab 'small  25%  ext4  /srv/small  x-brdctl.max-memory=4G
big    2G   ext4  /srv/big    x-brdctl.min-memory=4G
db     min(10%,1G)  ext4  /srv/db'
	gen
	assert_success
	assert_equal "$stderr" "brdctl-generator: /etc/brdtab:2: big: skipped: MemTotal 1.9G (2000000K) is below x-brdctl.min-memory=4G (no units for this line)
brdctl-generator: /etc/brdtab: units for 2 ramdisks"
	assert_equal "$(listing)" "brdctl-setup@db.service.d brdctl-setup@small.service.d local-fs.target.wants srv-db.mount srv-small.mount "
	memtotal 8000000
	gen
	assert_equal "$(listing)" "brdctl-setup@big.service.d brdctl-setup@db.service.d local-fs.target.wants srv-big.mount srv-db.mount "
	SYSTEMD_PROC_CMDLINE="brdctl.skip=db,big" gen
	assert_equal "$stderr" "brdctl-generator: /etc/brdtab:1: small: skipped: MemTotal 7.6G (8000000K) is above x-brdctl.max-memory=4G (no units for this line)
brdctl-generator: /etc/brdtab:2: big: skipped: brdctl.skip=big on the kernel command line (no units for this line)
brdctl-generator: /etc/brdtab:3: db: skipped: brdctl.skip=db on the kernel command line (no units for this line)
brdctl-generator: /etc/brdtab: units for 0 ramdisks"
	assert_equal "$(listing)" ""
	SYSTEMD_PROC_CMDLINE="splash brdctl.brdtab=0" gen
	assert_success
	assert_equal "$(listing)" ""
	stderr_has "/etc/brdtab:3: db: skipped: brdctl.brdtab=0 on the kernel command line (no units for this line)"
}
