#!/usr/bin/env bats
# brdctl apply / unapply with a brdtab(5), on the real brd driver
# (runs inside the guest: tests/vm/run-suite.sh KERNEL tests/vm/apply.bats).
# bats file_tags=vm,brd,apply

load ../test_helper

setup() {
	vm_setup
	TAB=$BATS_TEST_TMPDIR/brdtab
}

teardown() { vm_teardown /mnt/bt; }

# source device of the mount at $1 ("" if none)
mounted_dev() { findmnt -n -o SOURCE --mountpoint "$1" || true; }
# the mount's id: a remount would change it
mount_id() { awk -v t="$1" '$5 == t {print $1}' /proc/self/mountinfo; }

two_sizes_tab() {
	cat >"$TAB" <<-'EOF'
	# two scratch disks of different sizes: pooled ramdisks
	# NAME  SIZE  FSTYPE        MOUNTPOINT   MOUNTOPTS  OWNER           MODE
	small   32M   ext4          /mnt/bt/a    noatime    nobody:nogroup  0750
	big     64M   "ext4:-m 0"   /mnt/bt/b    -          1234:4321       1777
	EOF
}

@test "apply: two ext4 ramdisks of different sizes, mounted with owner and mode" {
	two_sizes_tab
	run_brdctl 0 apply "$TAB"
	assert_equal "$output" ""
	assert_equal "$stderr" ""
	local a b
	a=$(mounted_dev /mnt/bt/a); b=$(mounted_dev /mnt/bt/b)
	[[ $a == /dev/ram* && $b == /dev/ram* && $a != "$b" ]]
	assert_equal "$(blockdev --getsize64 "$a")" $((32 << 20))
	assert_equal "$(blockdev --getsize64 "$b")" $((64 << 20))
	assert_equal "$(findmnt -n -o FSTYPE /mnt/bt/a)" ext4
	assert_equal "$(findmnt -n -o FSTYPE /mnt/bt/b)" ext4
	[[ ,$(findmnt -n -o OPTIONS /mnt/bt/a), == *,noatime,* ]]
	assert_equal "$(stat -c '%U:%G %a' /mnt/bt/a)" "nobody:nogroup 750"
	assert_equal "$(stat -c '%u:%g %a' /mnt/bt/b)" "1234:4321 1777"
	# mkfs options reached mkfs: no reserved blocks on b
	assert_equal "$(dumpe2fs -h "$b" 2>/dev/null | awk -F: '/^Reserved block count/ {gsub(/ /, "", $2); print $2}')" 0
	# the names of the lines are the pooled ramdisks' names
	run_brdctl 0 list -n -o NAME,SIZE
	[[ $output == *small* && $output == *big* ]]
}

@test "apply again is a no-op: nothing re-created, data still there" {
	two_sizes_tab
	run_brdctl 0 apply "$TAB"
	echo precious >/mnt/bt/a/data
	local a uuid id
	a=$(mounted_dev /mnt/bt/a)
	uuid=$(blkid -p -o value -s UUID "$a")
	id=$(mount_id /mnt/bt/a)
	sync
	run_brdctl 0 --verbose apply "$TAB"
	assert_equal "$output" ""
	# verbose lists what is kept, and no action
	stderr_has "using $a"
	stderr_has "already has a ext4 filesystem"
	stderr_has "already mounted on /mnt/bt/a"
	[[ $stderr != *mkfs.ext4\ * && $stderr != *"mount -t"* && $stderr != *chown* ]]
	[[ $stderr != *chmod* && $stderr != *created* ]]
	assert_equal "$(cat /mnt/bt/a/data)" precious
	assert_equal "$(blkid -p -o value -s UUID "$a")" "$uuid"
	assert_equal "$(mount_id /mnt/bt/a)" "$id"
	assert_equal "$(mounted_dev /mnt/bt/a)" "$a"
	# a dry run has nothing to do either
	run_brdctl 0 --dry-run apply "$TAB"
	assert_equal "$output" ""
	# owner and mode drift is repaired, and only that
	chmod 700 /mnt/bt/a
	run_brdctl 0 --verbose apply "$TAB"
	[[ $stderr == *"chmod 0750 /mnt/bt/a"* && $stderr != *chown* ]]
	assert_equal "$(stat -c %a /mnt/bt/a)" 750
	assert_equal "$(cat /mnt/bt/a/data)" precious
}

@test "unapply unmounts and frees the ramdisks; twice is fine" {
	two_sizes_tab
	run_brdctl 0 apply "$TAB"
	run_brdctl 0 --dry-run unapply "$TAB"
	assert_equal "$output" "umount /mnt/bt/b
umount /mnt/bt/a
unload brd"
	[ -n "$(mounted_dev /mnt/bt/a)" ]
	run_brdctl 0 unapply "$TAB"
	assert_equal "$output$stderr" ""
	assert_equal "$(mounted_dev /mnt/bt/a)$(mounted_dev /mnt/bt/b)" ""
	[ ! -d /sys/module/brd ]		# nothing else was there: brd unloaded
	run_brdctl 0 unapply "$TAB"
	assert_equal "$output" ""
}

@test "whole disks: lines of one size are /dev/ramN, auto takes a free number" {
	cat >"$TAB" <<-'EOF'
	auto  16M  ext4  /mnt/bt/x
	ram0  16M  -
	ram3  16M  ext4
	EOF
	run_brdctl 0 apply "$TAB"
	assert_equal "$(mounted_dev /mnt/bt/x)" /dev/ram1
	assert_equal "$(cat /sys/module/brd/parameters/rd_size)" 16384
	assert_equal "$(blkid -p -o value -s TYPE /dev/ram3)" ext4
	run blkid -p /dev/ram0
	assert_failure			# no filesystem asked: none made
	run_brdctl 0 apply "$TAB"
	assert_equal "$(mounted_dev /mnt/bt/x)" /dev/ram1
	[ ! -e /sys/block/ram2 ]
	run_brdctl 0 unapply "$TAB"
	[ ! -d /sys/module/brd ]
}

@test "config errors are reported as FILE:LINE and nothing is changed" {
	cat >"$TAB" <<-'EOF'
	# comment
	ram0  32M  ext4   /mnt/bt/a
	ram1  64M  ext4   /mnt/bt/b
	ram2  32M  ext4   /etc/hostname
	ram3  1X   ext4   /mnt/bt/c
	ram0  32M  nofs9  /mnt/bt/d  -  nosuchuser9  0999  extra
	ram4  32M  ext4   /mnt/bt/a  -  -  -
	EOF
	run_brdctl 2 apply "$TAB"
	assert_equal "$output" ""
	stderr_has "$TAB:2: ram0: whole-disk ramdisks all have one size"
	stderr_has "$TAB:3: ram1: whole-disk ramdisks all have one size (brd), but this line asks for 64M and line 2 for 32M"
	stderr_has "$TAB:4: mount point /etc/hostname is not a directory"
	stderr_has "$TAB:5: invalid size '1X'"
	stderr_has "$TAB:6: too many fields (8)"
	stderr_has "$TAB:7: mount point /mnt/bt/a is already used on line 2"
	stderr_has "nothing changed"
	[ ! -d /sys/module/brd ]
	[ ! -e /mnt/bt ]
	run_brdctl 2 apply --check "$TAB"
	stderr_has "$TAB:5: invalid size '1X'"
	run_brdctl 2 unapply "$TAB"
	stderr_has "$TAB:5: invalid size '1X'"

	printf 'ram0 32M nofs9 /mnt/bt/d - nosuchuser9 0750\nram0 32M\n' >"$TAB"
	run_brdctl 2 apply "$TAB"
	stderr_has "$TAB:1: unknown filesystem type 'nofs9': no mkfs.nofs9 in PATH"
	stderr_has "$TAB:1: unknown user 'nosuchuser9'"
	stderr_has "$TAB:2: ram0: ramdisk ram0 is already defined on line 1"
	[ ! -d /sys/module/brd ]

	run_brdctl 3 apply "$BATS_TEST_TMPDIR/missing"
	stderr_has "missing: cannot read the brdtab: No such file or directory"
}

@test "apply --check and --dry-run change nothing" {
	two_sizes_tab
	run_brdctl 0 apply --check "$TAB"
	assert_equal "$output$stderr" ""
	run_brdctl 0 --dry-run apply "$TAB"
	[[ $output == *"mkfs.ext4 "*"mount -t ext4 -o noatime "*" /mnt/bt/a"* ]]
	[[ $output == *"mkfs.ext4 -m 0 "* ]]
	[[ $output == *"chown 65534:65534 /mnt/bt/a"* && $output == *"chmod 0750 /mnt/bt/a"* ]]
	[[ $output == *"chmod 1777 /mnt/bt/b"* ]]
	[ ! -d /sys/module/brd ]
	[ ! -e /mnt/bt ]
}

@test "unapply refuses a mount in use (exit 4, names it) and keeps its ramdisk" {
	two_sizes_tab
	run_brdctl 0 apply "$TAB"
	echo data >/mnt/bt/b/f
	exec 4</mnt/bt/b/f
	run_brdctl 4 unapply "$TAB"
	stderr_has "$TAB:4: cannot unmount /mnt/bt/b: in use"
	assert_equal "$(mounted_dev /mnt/bt/a)" ""	# the other one went
	[ -n "$(mounted_dev /mnt/bt/b)" ]
	[ -d /sys/module/brd ]
	assert_equal "$(cat /mnt/bt/b/f)" data
	exec 4<&-
	run_brdctl 0 unapply "$TAB"
	[ ! -d /sys/module/brd ]
}

@test "apply refuses to reformat or to mount over something else" {
	cat >"$TAB" <<-'EOF'
	ram0 32M ext4 /mnt/bt/a
	ram1 32M ext4 /mnt/bt/b
	EOF
	run_brdctl 0 create --size 32M --count 2
	mkfs.xfs -q -f /dev/ram0 2>/dev/null || mkfs.ext2 -q -F /dev/ram0
	local fs; fs=$(blkid -p -o value -s TYPE /dev/ram0)
	mkdir -p /mnt/bt/b
	mount -t tmpfs tmpfs /mnt/bt/b
	run_brdctl 4 apply "$TAB"
	stderr_has "$TAB:1: /dev/ram0 has a $fs signature, not ext4; not reformatting"
	stderr_has "$TAB:2: /mnt/bt/b: tmpfs (tmpfs) is mounted there, not /dev/ram1"
	assert_equal "$(blkid -p -o value -s TYPE /dev/ram0)" "$fs"
	umount /mnt/bt/b
	# mounted elsewhere
	mkdir -p /mnt/bt/elsewhere
	mkfs.ext4 -q -F /dev/ram1
	mount /dev/ram1 /mnt/bt/elsewhere
	run_brdctl 4 apply "$TAB"
	stderr_has "$TAB:2: /dev/ram1 is mounted on /mnt/bt/elsewhere, not on /mnt/bt/b"
	umount /mnt/bt/elsewhere
}

# N pooled lines "dI SIZE" into $TAB
pooled_lines() { awk -v n="$1" -v s="$2" 'BEGIN { for (i = 1; i <= n; i++) printf "d%d %s\n", i, s }' >"$TAB"; }

@test "300 pooled lines: --check, apply and --dry-run refuse with the pool's 128-entry limit, nothing created" {
	pooled_lines 300 1M
	local msg="$TAB:129: d129: the pool holds at most 128 ramdisks (GPT entries); this is the 129th; lines 129-300 do not fit"
	run_brdctl 1 apply --check "$TAB"
	assert_equal "$output" ""
	stderr_has "$msg"
	stderr_has "$TAB: 1 error, nothing changed"
	[ ! -d /sys/module/brd ]
	run_brdctl 1 apply "$TAB"
	stderr_has "$msg"
	[ ! -d /sys/module/brd ]
	run_brdctl 1 --dry-run apply "$TAB"
	assert_equal "$output" ""
	stderr_has "$msg"
	[ ! -d /sys/module/brd ]
	# a pool that exists counts: with 128 made, one more line is refused
	pooled_lines 128 1M
	run_brdctl 0 apply --check "$TAB"
	run_brdctl 0 apply "$TAB"
	assert_equal "$(ls -d /sys/block/ram0/ram0p* | wc -l)" 128
	echo "extra 1M" >>"$TAB"
	run_brdctl 1 apply --check "$TAB"
	stderr_has "$TAB:129: extra: the pool holds at most 128 ramdisks (GPT entries); this is the 129th"
	run_brdctl 1 apply "$TAB"
	assert_equal "$(ls -d /sys/block/ram0/ram0p* | wc -l)" 128
	run_brdctl 0 unapply "$TAB"
	[ ! -d /sys/module/brd ]
}

@test "300 x 100G: refused by --check, apply and --dry-run with the RAM budget named, nothing changed" {
	pooled_lines 300 100G
	run_brdctl 1 apply --check "$TAB"
	[[ $stderr == *"$TAB:1: d1: the RAM budget is exceeded: with this line the pooled ramdisks could take 100G once filled, but only "*" of RAM is available (MemAvailable); use --force to apply anyway"* ]]
	# the pool's slots are named too: with --force that is what is left
	stderr_has ": no room in the pool for 100G: a pooled ramdisk starts at one of the pool's 128 slots of "
	[ ! -d /sys/module/brd ]
	run_brdctl 1 apply "$TAB"
	stderr_has "$TAB:1: d1: the RAM budget is exceeded"
	[ ! -d /sys/module/brd ]
	run_brdctl 1 --dry-run apply "$TAB"
	assert_equal "$output" ""
	[ ! -d /sys/module/brd ]
	run_brdctl 1 apply --check --force "$TAB"
	[[ $stderr != *"RAM budget"* ]]
	stderr_has "no room in the pool"
	[ ! -d /sys/module/brd ]
}

@test "the RAM budget and --force are those of create" {
	local avail gib
	# bytes in the shell: mawk prints a product over 2^31 as 4.1e+09
	avail=$(( $(awk '/^MemAvailable:/ { print $2 }' /proc/meminfo) * 1024 ))
	gib=$((avail / (1 << 30) + 1))		# one line is more than MemAvailable
	printf 'a %sG\nb 4M\n' "$gib" >"$TAB"
	run_brdctl 1 apply --check "$TAB"
	stderr_has "$TAB:1: a: the RAM budget is exceeded"
	run_brdctl 1 create --size "${gib}G" a
	stderr_has "use --force to go ahead anyway"
	[ ! -d /sys/module/brd ]
	# create checks all its pooled ramdisks at once: two that fit one by
	# one but not together are refused before either is made
	local half=$((avail * 6 / 10 >> 20))
	run_brdctl 0 create --size 4M first
	run_brdctl 1 create --size "${half}M" h1 h2
	stderr_has "use --force to go ahead anyway"
	[ ! -e /sys/block/ram0/ram0p2 ]
	run_brdctl 0 remove --all
	[ ! -d /sys/module/brd ]
	# --force: both go ahead (sparse: nothing is allocated until written)
	run_brdctl 0 apply --check --force "$TAB"
	assert_equal "$stderr" ""
	run_brdctl 0 apply --force "$TAB"
	assert_equal "$(blockdev --getsize64 /dev/ram0p1)" $((gib << 30))	# a, added first
	run_brdctl 0 unapply "$TAB"
	[ ! -d /sys/module/brd ]
}

@test "a failure only the kernel reveals: the other lines are applied, the report names the lines" {
	cat >"$TAB" <<-'EOF'
	a  32M  "ext4:-O no_such_feature_x"  /mnt/bt/a
	b  32M  ext4                         /mnt/bt/b
	EOF
	run_brdctl 0 apply --check "$TAB"
	run_brdctl 1 apply "$TAB"
	[[ $stderr == *"$TAB:1: mkfs.ext4 "*" failed (exit status "* ]]
	stderr_has "$TAB: 1 of 2 lines applied (lines 2); not applied: lines 1"
	assert_equal "$(findmnt -n -o FSTYPE /mnt/bt/b)" ext4
	assert_equal "$(mounted_dev /mnt/bt/a)" ""
	run_brdctl 0 unapply "$TAB"
	[ ! -d /sys/module/brd ]
}

@test "--only: lines x and x.brdtab have records of their own; each unapply undoes its own line" {
	cat >"$TAB" <<-'EOF'
	x         32M  ext4  /mnt/bt/x
	x.brdtab  16M  ext4  /mnt/bt/y
	EOF
	run_brdctl 0 apply --check "$TAB"
	run_brdctl 0 apply --only x "$TAB"
	run_brdctl 0 apply --only x.brdtab "$TAB"
	local dx dy
	dx=$(mounted_dev /mnt/bt/x); dy=$(mounted_dev /mnt/bt/y)
	[[ $dx == /dev/ram0p* ]]
	[[ $dy == /dev/ram0p* ]]
	assert_equal "$(cat /run/brdctl/applied/x)" 'x 32M "ext4" "/mnt/bt/x" - - -'
	assert_equal "$(cat /run/brdctl/applied/x.brdtab)" 'x.brdtab 16M "ext4" "/mnt/bt/y" - - -'
	assert_equal "$(readlink /run/brdctl/dev/x)" "$dx"
	assert_equal "$(readlink /run/brdctl/dev/x.brdtab)" "$dy"
	# the lines are gone from the file: what is undone is what was recorded
	: >"$TAB"
	run_brdctl 0 unapply --only x "$TAB"
	assert_equal "$(mounted_dev /mnt/bt/x)" ""
	assert_equal "$(mounted_dev /mnt/bt/y)" "$dy"
	[ ! -e /run/brdctl/applied/x ]
	[ ! -e /run/brdctl/dev/x ]
	assert_equal "$(readlink /run/brdctl/dev/x.brdtab)" "$dy"
	run_brdctl 0 unapply --only x.brdtab "$TAB"
	assert_equal "$(mounted_dev /mnt/bt/y)" ""
	assert_equal "$(cd /run/brdctl && find . -mindepth 2)" ""
	[ ! -d /sys/module/brd ]
}

# ---- x-brdctl.persist= (tests/helpers/image makes and reads images) ----

# persist_tab [OPTS]: a pooled ramdisk with an image in $IMG, and a second
# line of another size (so the lines are pooled)
persist_tab() {
	IMG=$BATS_TEST_TMPDIR/img/keep.img
	mkdir -p "${IMG%/*}"
	cat >"$TAB" <<-EOF
	keep   32M   ext4   /mnt/bt/k   noatime,x-brdctl.persist=$IMG${1:-}
	other  16M   ext4   /mnt/bt/o
	EOF
}
# sums DIR: the sha256 of every file below DIR, sorted
sums() { (cd "$1" && find . -type f ! -path './lost+found/*' -exec sha256sum {} + | sort -k2); }

@test "persist: apply formats a line without image, unapply saves it, apply restores it" {
	persist_tab
	run_brdctl 0 apply "$TAB"
	[ ! -e "$IMG" ]
	assert_equal "$(sed -n 2p /run/brdctl/image/keep)" "$IMG"
	# the option is not given to mount
	[[ ,$(findmnt -n -o OPTIONS /mnt/bt/k), == *,noatime,* ]]
	[[ $(findmnt -n -o OPTIONS /mnt/bt/k) != *brdctl* ]]
	mkdir /mnt/bt/k/dir
	head -c 3M /dev/urandom >/mnt/bt/k/dir/blob
	echo hello >/mnt/bt/k/hello
	local before
	before=$(sums /mnt/bt/k)
	run_brdctl 0 --verbose unapply "$TAB"
	stderr_has "$TAB:1: saved /dev/ram0p"
	"$HELPERS/image" info "$IMG" >"$BATS_TEST_TMPDIR/info"
	assert_equal "$(cut -d' ' -f1,2 "$BATS_TEST_TMPDIR/info")" "size=$((32 << 20)) name=keep"
	[ ! -e /run/brdctl/image/keep ]
	[ ! -d /sys/module/brd ]
	# sparse: far less disk than the ramdisk's 32M
	[ "$(du -k "$IMG" | cut -f1)" -lt $((20 * 1024)) ]
	run_brdctl 0 --verbose apply "$TAB"
	stderr_has "$TAB:1: restored $IMG to /dev/ram0p"
	[[ $stderr != *"mkfs.ext4 $(mounted_dev /mnt/bt/k)"* ]]
	assert_equal "$(sums /mnt/bt/k)" "$before"
	[ -s /run/brdctl/image/keep ]
	# applied again: up already, nothing restored over it
	echo more >/mnt/bt/k/more
	run_brdctl 0 --verbose apply "$TAB"
	[[ $stderr != *restored* ]]
	assert_equal "$(cat /mnt/bt/k/more)" more
	run_brdctl 0 unapply "$TAB"
	run_brdctl 0 apply "$TAB"
	assert_equal "$(cat /mnt/bt/k/more)" more
	run_brdctl 0 --dry-run unapply "$TAB"
	assert_line --regexp "^save /dev/ram0p[0-9]+ to $IMG\$"
	run_brdctl 0 unapply "$TAB"
}

@test "unapply --only, whole disks one by one: each line undone, the last one unloads brd (where brd cannot discard, the others are left to it)" {
	printf 'ram0 32M ext4 /mnt/bt/a\nram1 32M ext4 /mnt/bt/b\nram2 32M\n' >"$TAB"
	local l
	for l in ram0 ram1 ram2; do
		run_brdctl 0 apply --only "$l" "$TAB"
	done
	echo data >/mnt/bt/a/f
	local nodiscard=0
	[ "$(cat /sys/block/ram0/queue/discard_max_bytes)" != 0 ] || nodiscard=1
	run_brdctl 0 unapply --only ram0 "$TAB"
	if [ "$nodiscard" = 1 ]; then
		[[ $stderr =~ ^"brdctl: /run/brdctl/applied/ram0:1: /dev/ram0: RAM not freed yet: brd stays loaded for ram"[12]" (applied), and this kernel's brd cannot discard (Linux < 6.10); it is freed when brd is unloaded, by the unapply of the last line (or 'brdctl remove --all')"$ ]]
		[ -f /run/brdctl/left/ram0 ]
		# applied again, the disk is a line's again
		run_brdctl 0 apply --only ram0 "$TAB"
		[ ! -e /run/brdctl/left/ram0 ]
		run_brdctl 0 unapply --only ram0 "$TAB"
		[ -f /run/brdctl/left/ram0 ]
	else
		assert_equal "$stderr" ""
		[ ! -e /run/brdctl/left/ram0 ]
	fi
	[ ! -e /run/brdctl/applied/ram0 ]
	[ ! -e /run/brdctl/dev/ram0 ]
	[ -z "$(mounted_dev /mnt/bt/a)" ]
	[ -d /sys/module/brd ]
	run_brdctl 0 unapply --only ram1 "$TAB"
	[ -d /sys/module/brd ]
	# the lines of ram0 and ram1 removed from the file: what they left
	# does not keep brd loaded either
	printf 'ram2 32M\n' >"$TAB"
	run_brdctl 0 unapply --only ram2 "$TAB"
	[ ! -d /sys/module/brd ]
	run ls -A /run/brdctl/left /run/brdctl/applied /run/brdctl/dev
	refute_output --partial ram
}

@test "persist: whole disks and apply --only / unapply --only (what the setup units run)" {
	IMG=$BATS_TEST_TMPDIR/w.img
	printf 'ram0 32M ext4 /mnt/bt/w x-brdctl.persist=%s\nram1 32M\n' "$IMG" >"$TAB"
	run_brdctl 0 apply --only ram0 "$TAB"
	assert_equal "$(mounted_dev /mnt/bt/w)" /dev/ram0
	echo whole >/mnt/bt/w/f
	run_brdctl 0 unapply --only ram0 "$TAB"
	[ -f "$IMG" ]
	[ ! -e /run/brdctl/image/ram0 ]
	run_brdctl 0 --dry-run apply --only ram0 "$TAB"
	assert_line "restore $IMG to /dev/ram0 (no mkfs)"
	refute_output --partial mkfs.ext4
	run_brdctl 0 apply --only ram0 "$TAB"
	assert_equal "$(cat /mnt/bt/w/f)" whole
	run_brdctl 0 unapply --only ram0 "$TAB"
}

@test "persist: a damaged image is refused at apply (exit 7): nothing mounted, ramdisk gone, image untouched, never saved over" {
	persist_tab
	run_brdctl 0 apply "$TAB"
	echo data >/mnt/bt/k/data
	run_brdctl 0 unapply "$TAB"
	# one byte of the content (the ext4 superblock) changed
	printf 'X' | dd of="$IMG" bs=1 seek=1100 conv=notrunc status=none
	local sum
	sum=$(sha256sum <"$IMG")
	run_brdctl 7 apply "$TAB"
	stderr_has "brdctl: $TAB:1: cannot restore $IMG to /dev/ram0p"
	stderr_has ": the image is damaged (its checksum or trailer does not match); not mounted, the image is left as it is"
	assert_equal "$(mounted_dev /mnt/bt/k)" ""
	[ ! -e /run/brdctl/image/keep ]
	run_brdctl 3 list keep
	# the other line is applied; unapply (what ExecStopPost runs) saves nothing
	assert_equal "$(findmnt -n -o FSTYPE /mnt/bt/o)" ext4
	run_brdctl 0 unapply "$TAB"
	assert_equal "$(sha256sum <"$IMG")" "$sum"
	# --only, as the setup unit: fails, its stop saves nothing
	run_brdctl 7 apply --only keep "$TAB"
	run_brdctl 0 unapply --only keep "$TAB"
	assert_equal "$(sha256sum <"$IMG")" "$sum"
	[ ! -d /sys/module/brd ]
}

@test "persist: an image of another size fails the plan (exit 4), nothing made, image untouched" {
	persist_tab
	run_brdctl 0 apply "$TAB"
	run_brdctl 0 unapply "$TAB"
	sed -i 's/^keep   32M/keep   48M/' "$TAB"
	local sum
	sum=$(sha256sum <"$IMG")
	run_brdctl 4 apply "$TAB"
	assert_equal "$stderr" "brdctl: $TAB:1: x-brdctl.persist: the image $IMG holds a ramdisk of 32M, not 48M; not restoring it (give the line the image's size)
brdctl: $TAB: 1 error, nothing changed"
	[ ! -d /sys/module/brd ]
	assert_equal "$(sha256sum <"$IMG")" "$sum"
}

@test "persist: a failed save keeps the ramdisk and exits non-zero" {
	persist_tab
	run_brdctl 0 apply "$TAB"
	echo keep >/mnt/bt/k/f
	rm -rf "${IMG%/*}"
	run_brdctl 3 unapply "$TAB"
	stderr_has "brdctl: $TAB:1: cannot save /dev/ram0p"
	stderr_has "; the ramdisk is kept"
	[ -s /run/brdctl/image/keep ]
	run_brdctl 0 list keep
	# the directory back: the next unapply saves it
	mkdir -p "${IMG%/*}"
	run_brdctl 0 unapply "$TAB"
	[ -f "$IMG" ]
	[ ! -e /run/brdctl/image/keep ]
}
