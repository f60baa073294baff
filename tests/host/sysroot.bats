#!/usr/bin/env bats
# Listing and decision logic against a fixture sysfs tree (BRDCTL_SYSROOT).
# These complement the real-kernel tests in tests/vm/, never replace them.

load ../test_helper

setup() {
	ROOT=$BATS_TEST_TMPDIR/root
	cp -a "$TOP/tests/fixtures/sysroot-brd" "$ROOT"
	export BRDCTL_SYSROOT=$ROOT
}

@test "fixture: list parses sysfs and debugfs; skips non-brd ram names and other disks" {
	run_brdctl 0 list --raw --noheadings -o NAME,MAJ:MIN,SIZE,ALLOC,RO,DISCARD
	assert_output "ram0 1:0 16M 1M 0 1
ram1 1:1 16M 0B 1 0"
	run_brdctl 0 list --json -o NAME,SIZE,ALLOC,RO
	assert_equal "$(jq -c '[.ramdisks[] | [.name, .size, .alloc, .ro]]' <<<"$output")" \
		'[["ram0",16777216,1048576,false],["ram1",16777216,0,true]]'
}

@test "fixture: ALLOC is unknown (null in JSON) without ramdisk_pages, never 0" {
	rm -r "$ROOT/sys/kernel/debug/ramdisk_pages"
	run_brdctl 0 list --raw --noheadings -o NAME,ALLOC
	assert_output "ram0 unknown
ram1 unknown"
	run_brdctl 0 list --json -o NAME,ALLOC
	assert_equal "$(jq -c '[.ramdisks[].alloc]' <<<"$output")" '[null,null]'
}

@test "fixture: output options select, add and list columns" {
	run_brdctl 0 list -o +PATH --noheadings ram1
	assert_output --regexp '^ram1 +disk +16M +0B +1 +0 +/dev/ram1$'
	run_brdctl 0 list --output-all --pairs ram0
	assert_output --partial 'NAME="ram0" TYPE="disk" PATH="/dev/ram0" MAJ:MIN="1:0" SIZE="16M"'
	run_brdctl 0 list --list-columns
	assert_equal "$(awk '{print $1}' <<<"$output" | tr '\n' ' ')" \
		"NAME TYPE PATH MAJ:MIN SIZE ALLOC RO DISCARD FSTYPE LABEL UUID MOUNTPOINTS HOLDERS IMAGE SAVED "
	run_brdctl 2 list --json --raw
	stderr_has "mutually exclusive"
	run_brdctl 3 list ram4
	assert_equal "$stderr" "brdctl: ram4: no such ramdisk"
	run_brdctl 3 list ram9
}

@test "fixture: stat --json reports module, capabilities and fill ratio" {
	run_brdctl 0 stat --json ram0 ram1
	assert_equal "$(jq -c '[.ramdisks[] | [.name, .pages, .fill, ."free-on-flush", .module, .rd_size, .reads]]' <<<"$output")" \
		'[["ram0",256,0.0625,true,"loaded",16384,null],["ram1",0,0,false,"loaded",16384,null]]'
	run_brdctl 0 stat ram1
	assert_line --regexp '^Flush frees RAM: +no \(this kernel.s brd cannot discard; only .brdctl remove --all. frees RAM\)$'
	assert_line --regexp '^I/O statistics: +not counted \(brd keeps none\)$'
	refute_line --partial 'brd keeps no I/O statistics'
	refute_line --regexp '^(Reads|Writes|Discards|I/O in flight):'
	run_brdctl 2 stat
}

@test "fixture: a built-in brd cannot be reloaded or removed (exit 5), nothing changes" {
	rm "$ROOT/sys/module/brd/initstate" "$ROOT/sys/module/brd/refcnt"
	run_brdctl 5 create --size 32M
	stderr_has "brd: built into the kernel: every ramdisk has size 16M"
	run_brdctl 5 remove --all
	stderr_has "built into the kernel"
	run_brdctl 0 stat ram0
	assert_line --regexp '^brd: +built into the kernel'
	assert_equal "$(cat "$ROOT/sys/module/brd/parameters/rd_size")" 16384
}

@test "fixture: create checks the size against MemAvailable before doing anything" {
	rm -r "$ROOT/sys/module/brd" "$ROOT/sys/block/ram0" "$ROOT/sys/block/ram1"
	run_brdctl 1 --dry-run create --size 1G --count 2
	stderr_has "2 ramdisks of 1G could take 2G but only 1.5G of RAM is available; use --force"
	run_brdctl 0 --dry-run create --size 1G --count 2 --force
	assert_output "load brd rd_nr=2 rd_size=1048576 (rd_size in KiB: 1G)"
	run_brdctl 0 --dry-run create --size 512M ram3 ram1
	assert_output "load brd rd_nr=0 rd_size=524288 (rd_size in KiB: 512M)
create /dev/ram3 (mknod b 1 3, open)
create /dev/ram1 (mknod b 1 1, open)"
	run_brdctl 0 --dry-run create --partitions 3 --count 2
	assert_output "load brd rd_nr=2 max_part=4"
	# the total saturates instead of wrapping around
	run_brdctl 1 --dry-run create --size 8E --count 2
	stderr_has "2 ramdisks of 8E could take 16E"
	run_brdctl 1 --dry-run create --size 6E --count 3
	stderr_has "could take 16E"
	assert_equal "$output" ""
}

@test "fixture: pooled names never look like kernel names" {
	rm -r "$ROOT/sys/module/brd" "$ROOT/sys/block/ram0" "$ROOT/sys/block/ram1"
	run_brdctl 2 --dry-run create --size 16M ram1p2
	stderr_has "ram1p2: invalid ramdisk name: a name is ramN, or a pooled ramdisk name"
	run_brdctl 2 --dry-run create --size 16M ram7x
	run_brdctl 2 --dry-run create --size 16M auto
	run_brdctl 2 --dry-run create --size 16M -- -x
	run_brdctl 2 --dry-run create --size 16M 0123456789012345678901234567890123456
	run_brdctl 0 --dry-run create --size 16M random.name_1-2
	assert_line --index 2 "add partition 'random.name_1-2' of 16777216 bytes to /dev/ram0"
	run_brdctl 2 --dry-run create --size 16M ram0 pooled
	stderr_has "cannot be created together"
}

@test "fixture: --dry-run says the unit of rd_size, and restore prints the create and the fill" {
	rm -r "$ROOT/sys/module/brd" "$ROOT/sys/block/ram0" "$ROOT/sys/block/ram1"
	run_brdctl 0 --dry-run create --size 256M build
	assert_line --index 0 "load brd rd_nr=1 rd_size=268435456 max_part=1 (rd_size in KiB: 256G)"
	assert_line --index 2 "add partition 'build' of 268435456 bytes to /dev/ram0"
	# an image of 8 MiB, made through the library from a loop device
	require_loop 8M
	printf 'data' | dd of="$LOOPDEV" conv=notrunc status=none
	run -0 "$HELPERS/image" save "$LOOPDEV" a "$BATS_TEST_TMPDIR/a.img"
	release_loop
	chmod 600 "$BATS_TEST_TMPDIR/a.img"
	run_brdctl 0 --dry-run restore "$BATS_TEST_TMPDIR/a.img" ram3
	assert_output "create ram3 of 8388608 bytes
restore $BATS_TEST_TMPDIR/a.img into /dev/ram3"
	run_brdctl 0 --dry-run restore "$BATS_TEST_TMPDIR/a.img" scratch
	assert_output "create scratch of 8388608 bytes
restore $BATS_TEST_TMPDIR/a.img into scratch"
	# nothing was created
	assert [ ! -e "$ROOT/sys/module/brd" ]
}

@test "fixture: --dry-run is refused by commands that do not change anything" {
	run_brdctl 2 --dry-run list
	stderr_has "--dry-run is not supported by 'brdctl list'"
	run_brdctl 2 create --json
	stderr_has "--json is not supported by 'brdctl create'"
}

# record NAME IMAGE NS: what apply writes for a persist line that came up
record() {
	mkdir -p "$ROOT/run/brdctl/image"
	printf '%s\n%s\n' "$3" "$2" >"$ROOT/run/brdctl/image/$1"
}

@test "fixture: list -o +IMAGE,SAVED shows a persisted ramdisk's image and last save" {
	record ram0 /var/lib/brdctl/r0.img 1764645600123456789
	run_brdctl 0 list --raw --noheadings
	assert_output "ram0 disk 16M 1M 0 1 
ram1 disk 16M 0B 1 0 "
	TZ=UTC run_brdctl 0 list --raw --noheadings -o +IMAGE,SAVED
	assert_output "ram0 disk 16M 1M 0 1  /var/lib/brdctl/r0.img 2025-12-02T03:20:00+00:00
ram1 disk 16M 0B 1 0   "
	TZ=Europe/Paris run_brdctl 0 list --raw --noheadings --bytes -o NAME,IMAGE,SAVED ram0
	assert_output "ram0 /var/lib/brdctl/r0.img 2025-12-02T04:20:00+01:00"
	TZ=UTC run_brdctl 0 list --json -o NAME,IMAGE,SAVED
	assert_equal "$(jq -c '[.ramdisks[] | [.name, .image, .saved]]' <<<"$output")" \
		'[["ram0","/var/lib/brdctl/r0.img","2025-12-02T03:20:00+00:00"],["ram1",null,null]]'
	# up, never saved yet (formatted at apply): no SAVED
	record ram1 /r1.img 0
	TZ=UTC run_brdctl 0 list --raw --noheadings -o NAME,IMAGE,SAVED ram1
	assert_output "ram1 /r1.img "
}

@test "fixture: stat shows Image and Last saved only for a persisted ramdisk" {
	record ram0 /var/lib/brdctl/r0.img 1764645600123456789
	TZ=UTC run_brdctl 0 stat ram0 ram1
	assert_line --regexp '^Image: +/var/lib/brdctl/r0.img$'
	assert_line --regexp '^Last saved: +2025-12-02T03:20:00\+00:00$'
	run grep -c '^Image:' <<<"$output"
	assert_output 1
	TZ=UTC run_brdctl 0 stat --json ram0 ram1
	assert_equal "$(jq -c '[.ramdisks[] | [.name, .image, .saved]]' <<<"$output")" \
		'[["ram0","/var/lib/brdctl/r0.img","2025-12-02T03:20:00+00:00"],["ram1",null,null]]'
	record ram1 /r1.img 0
	run_brdctl 0 stat ram1
	assert_line --regexp '^Last saved: +never \(saved when the line is unapplied\)$'
	# a damaged record is no record
	printf 'garbage\n' >"$ROOT/run/brdctl/image/ram1"
	run_brdctl 0 stat ram1
	refute_line --partial 'Image:'
}

@test "fixture: records of the flat layout of earlier versions are moved to their directories" {
	mkdir -p "$ROOT/run/brdctl"
	printf '%s\n%s\n' 1764645600123456789 /old/r0.img >"$ROOT/run/brdctl/ram0@image"
	printf 'ram1 16M\n' >"$ROOT/run/brdctl/ram1.brdtab"
	ln -s /dev/ram1 "$ROOT/run/brdctl/ram1"
	TZ=UTC run_brdctl 0 list --raw --noheadings -o NAME,IMAGE ram0
	assert_output "ram0 /old/r0.img"
	assert_equal "$(cd "$ROOT/run/brdctl" && find . | sort | tr '\n' ' ')" \
		". ./applied ./applied/ram1 ./dev ./dev/ram1 ./image ./image/ram0 "
	assert_equal "$(readlink "$ROOT/run/brdctl/dev/ram1")" /dev/ram1
}

@test "fixture: BRDCTL_SYSROOT is ignored when brdctl runs with elevated privileges (secure_getenv)" {
	require_root
	local d
	d=$(mktemp -d /tmp/brdctl-suid.XXXXXX)
	chmod 755 "$d" "$ROOT"
	cp "$BRDCTL" "$d/brdctl"
	chmod 4755 "$d/brdctl"
	# as root (no elevation): the fixture's ramdisks
	run_brdctl 0 list --noheadings -o NAME
	assert_output "ram0
ram1"
	# setuid root, run by nobody: the real system, whatever the variable says
	run --separate-stderr runuser -u nobody -- env BRDCTL_SYSROOT="$ROOT" \
		ASAN_OPTIONS="${ASAN_OPTIONS:-}" "$d/brdctl" list --noheadings -o NAME
	rm -rf "$d"
	echo "[stdout] $output"
	echo "[stderr] $stderr"
	assert_equal "$status" 0	# it ran, on the real system (no brd here)
	[[ $output != *ram0* ]]
	[[ $stderr != *ram0* ]]
}

@test "fixture: a column is shown once: +LIST of a default column, or a column named twice" {
	run_brdctl 0 list -o +FSTYPE,TYPE,PATH ram1
	assert_equal "$(echo ${lines[0]})" "NAME TYPE SIZE ALLOC RO DISCARD MOUNTPOINTS FSTYPE PATH"
	assert_equal "$(grep -o TYPE <<<"${lines[0]}" | wc -l)" 2  # TYPE and FSTYPE
	run_brdctl 0 list -o name,NAME,SIZE,name --raw ram1
	assert_output "NAME SIZE
ram1 16M"
	run_brdctl 0 list --json -o +TYPE,type ram1
	assert_equal "$(jq -c '.ramdisks[0] | keys_unsorted' <<<"$output")" \
		'["name","type","size","alloc","ro","discard","mountpoints"]'
}

@test "fixture: -O is --output-all, as in lsblk" {
	run_brdctl 0 list --output-all --pairs
	local long=$output
	run_brdctl 0 list -O --pairs
	assert_equal "$output" "$long"
	assert_output --partial 'IMAGE="" SAVED=""'
}

@test "fixture: --partitions with pooled ramdisks is a usage error, not ignored" {
	run_brdctl 2 create -s 1M x y --partitions 3
	assert_equal "$stderr" "brdctl: x: --partitions is for whole-disk ramdisks (brd max_part); a pooled ramdisk is a partition of the pool
Try 'brdctl create --help' for more information."
	run_brdctl 2 create --size 1M --partitions 2 scratch
	# whole disks still take it (refused here by the loaded brd's other size, not by the option)
	run_brdctl '?' --dry-run create --size 16M --partitions 2 ram0
	[ "$status" != 2 ]
}
