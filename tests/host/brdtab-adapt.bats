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
	printf 'nodev\tproc\n\text4\n' >"$ROOT/proc/filesystems"
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
	run_brdctl 0 --verbose apply --check "$F"
	stderr_has "brdctl: $F:1: a: size 1000000K (1024000000 bytes) on this machine (MemTotal 2000000K)
brdctl: $F:2: b: size 100M (104857600 bytes) on this machine (MemTotal 2000000K)"
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
	assert_line "load brd rd_nr=2 rd_size=500 (rd_size in KiB: 500K)"
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
	assert_output "load brd rd_nr=1 rd_size=500000 (rd_size in KiB: 488.3M)"
	memtotal 8000000
	run_brdctl 0 --dry-run apply --force "$F"
	assert_equal "$stderr" "brdctl: $F:1: ram0: skipped: MemTotal 7.6G (8000000K) is above x-brdctl.max-memory=4G"
	assert_output "load brd rd_nr=0 rd_size=2097152 (rd_size in KiB: 2G)
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
	assert_output "load brd rd_nr=1 rd_size=65536 (rd_size in KiB: 64M)"
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

dropin() {  # dropin DIR NAME TEXT: $ROOT/DIR/brdtab.d/NAME (root's, 0644)
	mkdir -p "$ROOT/$1/brdtab.d"
	chmod 755 "$ROOT/$1" "$ROOT/$1/brdtab.d"
	printf '%s\n' "$3" >"$ROOT/$1/brdtab.d/$2"
	chmod 644 "$ROOT/$1/brdtab.d/$2"
}

@test "drop-ins: /etc masks /run masks /usr/lib; empty files and /dev/null links mask; read by name after /etc/brdtab" {
	require_cmd mkfs.ext4
	mkdir -p "$ROOT/usr"
	chmod 755 "$ROOT/usr" "$ROOT/run"
	tab 'main 64M ext4 /srv/main'
	dropin usr/lib 50-base.brdtab 'base 32M ext4 /srv/base'
	dropin usr/lib 60-vendor.brdtab 'vendor 32M ext4 /srv/vendor'
	dropin usr/lib 70-gone.brdtab 'gone 32M ext4 /srv/gone'
	dropin usr/lib 80-off.brdtab 'off 32M ext4 /srv/off'
	dropin run 60-vendor.brdtab 'runvendor 16M ext4 /srv/runvendor'
	dropin etc 60-vendor.brdtab 'etcvendor 16M ext4 /srv/etcvendor'
	dropin etc 70-gone.brdtab ''
	: >"$ROOT/etc/brdtab.d/70-gone.brdtab"
	ln -s /dev/null "$ROOT/etc/brdtab.d/80-off.brdtab"
	dropin run 10-first.brdtab '# a comment
first 8M ext4 /srv/first'
	dropin etc README 'not a drop-in 1X'
	dropin etc .hidden.brdtab 'hidden 1X'
	gen
	assert_success
	assert_equal "$stderr" "brdctl-generator: /etc/brdtab: units for 4 ramdisks"
	assert_equal "$(listing)" "brdctl-setup@base.service.d brdctl-setup@etcvendor.service.d brdctl-setup@first.service.d brdctl-setup@main.service.d local-fs.target.wants srv-base.mount srv-etcvendor.mount srv-first.mount srv-main.mount "
	# each unit names its own file and line
	assert_equal "$(head -1 "$O/srv-first.mount")" "# Generated by brdctl-generator from /run/brdtab.d/10-first.brdtab, line 2."
	grep -qx "SourcePath=/run/brdtab.d/10-first.brdtab" "$O/srv-first.mount"
	grep -qx "SourcePath=/etc/brdtab" "$O/srv-main.mount"
	# apply reads the same set when given no FILE (below BRDCTL_SYSROOT);
	# the fixture has no mount table, so only the ramdisks are dry-run
	run_brdctl 0 apply --check
	run_brdctl '?' --dry-run apply
	stderr_has "not applied: lines /etc/brdtab:1, /run/brdtab.d/10-first.brdtab:2, /usr/lib/brdtab.d/50-base.brdtab:1, /etc/brdtab.d/60-vendor.brdtab:1"
	assert_equal "$(grep -o "add partition '[a-z]*'" <<<"$output" | tr '\n' ' ')" "add partition 'main' add partition 'first' add partition 'base' add partition 'etcvendor' "
	# a FILE given: that file only
	run_brdctl '?' --dry-run apply "$F"
	assert_line "add partition 'main' of 67108864 bytes to /dev/ram0"
	refute_output --partial "first"
	# only drop-ins, no /etc/brdtab
	rm "$F"
	gen
	assert_equal "$stderr" "brdctl-generator: /etc/brdtab: units for 3 ramdisks"
	# empty drop-in directories and no /etc/brdtab: no brdtab at all
	rm -r "$ROOT"/{etc,run,usr/lib}/brdtab.d/*
	gen
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(listing)" ""
	run_brdctl 3 apply --check
	assert_equal "$stderr" "brdctl: /etc/brdtab: cannot read the brdtab: No such file or directory"
}

@test "drop-ins: every error names its file:line; one name in two files names both" {
	require_cmd mkfs.ext4
	tab 'db 64M ext4 /srv/db'
	dropin etc 10-a.brdtab 'x 64M
db 32M ext4 /srv/other
bad 12Q'
	dropin etc 20-b.brdtab 'y 64M ext4 /srv/db'
	run_brdctl 2 apply --check
	assert_equal "$stderr" "brdctl: /etc/brdtab.d/10-a.brdtab:2: db: ramdisk db is already defined on /etc/brdtab:1
brdctl: /etc/brdtab.d/10-a.brdtab:3: invalid size '12Q' (a number with an optional K, M, G, T suffix)
brdctl: /etc/brdtab.d/20-b.brdtab:1: mount point /srv/db is already used on /etc/brdtab:1
brdctl: /etc/brdtab: 3 errors, nothing changed"
	gen
	assert_success
	stderr_has "brdctl-generator: /etc/brdtab.d/10-a.brdtab:3: invalid size '12Q' (a number with an optional K, M, G, T suffix) (no units for this line)"
	# within one file, "line N" as before
	dropin etc 10-a.brdtab 'x 64M
x 32M'
	rm "$ROOT/etc/brdtab.d/20-b.brdtab"
	run_brdctl 2 apply --check
	stderr_has "brdctl: /etc/brdtab.d/10-a.brdtab:2: x: ramdisk x is already defined on line 1"
	# skipped lines name their drop-in too
	dropin etc 10-a.brdtab 'x 64M - - x-brdctl.min-memory=1T'
	run_brdctl 0 apply --check
	assert_equal "$stderr" "brdctl: /etc/brdtab.d/10-a.brdtab:1: x: skipped: MemTotal 1.9G (2000000K) is below x-brdctl.min-memory=1T"
}

@test "drop-ins: StrictModes on every drop-in directory and file (generator and apply)" {
	tab 'db 64M'
	dropin etc 10-a.brdtab 'x 64M'
	chmod 664 "$ROOT/etc/brdtab.d/10-a.brdtab"
	gen
	assert_failure 1
	assert_equal "$stderr" "brdctl-generator: /etc/brdtab.d/10-a.brdtab: refusing to use it: $ROOT/etc/brdtab.d/10-a.brdtab is writable by its group (mode 0664); its lines would run as root, so only root may be able to change it: chmod go-w $ROOT/etc/brdtab.d/10-a.brdtab (no units generated)"
	assert_equal "$(listing)" ""
	run_brdctl 6 apply --check
	assert_equal "$stderr" "brdctl: /etc/brdtab.d/10-a.brdtab: refusing to use it: $ROOT/etc/brdtab.d/10-a.brdtab is writable by its group (mode 0664); brdctl runs it as root, so only root may be able to change it: chmod go-w $ROOT/etc/brdtab.d/10-a.brdtab"
	chmod 644 "$ROOT/etc/brdtab.d/10-a.brdtab"
	mkdir -p "$ROOT/usr/lib/brdtab.d"
	chmod 755 "$ROOT/usr" "$ROOT/usr/lib"
	chmod 777 "$ROOT/usr/lib/brdtab.d"
	gen
	assert_failure 1
	[[ $stderr == "brdctl-generator: /usr/lib/brdtab.d: refusing to use it: directory $ROOT/usr/lib/brdtab.d is writable by group and others (mode 0777)"* ]]
	run_brdctl 6 apply --check
	stderr_has "brdctl: /usr/lib/brdtab.d: refusing to use it"
	chmod 755 "$ROOT/usr/lib/brdtab.d"
	# a FIFO where a drop-in belongs is refused at once, never opened
	mkfifo "$ROOT/usr/lib/brdtab.d/30-fifo.brdtab"
	gen
	assert_failure 1
	stderr_has "brdctl-generator: /usr/lib/brdtab.d/30-fifo.brdtab: cannot read it"
	run_brdctl 2 apply --check
	stderr_has "/usr/lib/brdtab.d/30-fifo.brdtab"
}
