#!/usr/bin/env bats
# brdctl save / restore: ramdisk images that survive brd (runs inside the guest).
# bats file_tags=vm,brd

load ../test_helper

setup() {
	vm_setup
	D=$BATS_TEST_TMPDIR/img M=$BATS_TEST_TMPDIR/mnt
	mkdir -p "$D" "$M"
	# the images recorded by earlier tests (brdctl(8), FILES)
	rm -f /run/brdctl/image/*
}
teardown() {
	cd /
	# a save a failed test left stopped (pause-at.c), and what it froze
	[ -z "${BG:-}" ] || { kill -9 $BG; wait $BG; } 2>/dev/null
	awk -v t="$BATS_TEST_TMPDIR/" 'index($2, t) == 1 { print $2 }' /proc/mounts |
		xargs -r -n1 fsfreeze -u 2>/dev/null
	awk 'NR > 1 && $1 ~ /^\/dev\/ram/ { print $1 }' /proc/swaps | xargs -r swapoff
	[ -z "${CG:-}" ] || { echo 1 >"$CG/cgroup.kill"; rmdir "$CG"; } 2>/dev/null
	mountpoint -q "$M" 2>/dev/null && { fsfreeze -u "$M" 2>/dev/null; umount "$M"; }
	vm_teardown
}

pages() { cat "/sys/kernel/debug/ramdisk_pages/ram${1:-0}"; }
devsum() { sha256sum <"$1" | cut -d' ' -f1; }
imgsum() { sha256sum <"$1" | cut -d' ' -f1; }

# mkfiles DIR [TAG]: files of random data in DIR, their sums in $D/sums
mkfiles() {
	mkdir -p "$1/sub"
	head -c 3M /dev/urandom >"$1/big${2:-}"
	head -c 300K /dev/urandom >"$1/sub/mid${2:-}"
	echo "small file ${2:-}" >"$1/small${2:-}"
	(cd "$1" && find . -type f | sort | xargs sha256sum) >"$D/sums"
}
checkfiles() { (cd "$1" && sha256sum -c --quiet "$D/sums"); }

mkfs_dev() {
	case $1 in
	ext4) mkfs.ext4 -q -F "$2" ;;
	xfs) mkfs.xfs -q -f "$2" ;;
	esac
}

# roundtrip FS whole|pooled: files, save (mounted: frozen), remove --all,
# restore into a ramdisk that restore creates, mount, the same files
roundtrip() {
	local name dev
	require_cmd "mkfs.$1"
	if [ "$2" = whole ]; then name=ram0 dev=/dev/ram0; else name=cache dev=/dev/ram0p1; fi
	run_brdctl 0 create --size 320M "$name"
	mkfs_dev "$1" "$dev"
	mount "$dev" "$M"
	mkfiles "$M"
	run_brdctl 0 save "$name" "$D/$name.img"
	assert_output ""
	assert_equal "$stderr" ""
	# sparse: the image holds the data, not the 320M
	[ "$(du -B1 "$D/$name.img" | cut -f1)" -lt $((64 << 20)) ]
	assert_equal "$(stat -c %s "$D/$name.img")" $(( (320 << 20) + 4096 ))
	checkfiles "$M"
	umount "$M"
	# the content saved: the frozen filesystem, before the unmount wrote to it
	local saved; saved=$(head -c 320M "$D/$name.img" | sha256sum | cut -d' ' -f1)
	run_brdctl 0 remove --all
	[ ! -d /sys/module/brd ]
	run_brdctl 0 restore "$D/$name.img" "$name"
	assert_output ""
	assert_equal "$(devsum "$dev")" "$saved"
	mount "$dev" "$M"
	checkfiles "$M"
}

@test "ext4 on a whole disk: save mounted, remove --all, restore, every file's sha256 equal" {
	roundtrip ext4 whole
}

@test "xfs on a whole disk: save mounted, remove --all, restore, every file's sha256 equal" {
	roundtrip xfs whole
}

@test "ext4 on a pooled ramdisk: save, remove --all, restore creates it, files equal" {
	roundtrip ext4 pooled
}

@test "xfs on a pooled ramdisk: save, remove --all, restore creates it, files equal" {
	roundtrip xfs pooled
}

@test "save without IMAGE uses the recorded image; without a record it is a usage error" {
	run_brdctl 0 create --size 64M ram0
	run_brdctl 2 save ram0
	stderr_has "ram0: no image recorded for it: give IMAGE"
	[ -z "$(ls -A "$D")" ]
	mkfs.ext4 -q -F /dev/ram0
	run_brdctl 0 save ram0 "$D/a.img"
	local s1; s1=$(imgsum "$D/a.img")
	mount /dev/ram0 "$M"
	mkfiles "$M" 2
	run_brdctl 0 --verbose save /dev/ram0
	stderr_has "saved to $D/a.img"
	[ "$(imgsum "$D/a.img")" != "$s1" ]
	assert_equal "$(ls -A "$D")" "a.img
sums"
}

@test "remove forgets the recorded image: a new ramdisk of the name is not saved over it" {
	run_brdctl 0 create --size 16M p1
	run_brdctl 0 create --size 16M p2
	run_brdctl 0 save p1 "$D/p1.img"
	run_brdctl 0 save p2 "$D/p2.img"
	local s1 s2; s1=$(imgsum "$D/p1.img")
	run_brdctl 0 remove p1
	run_brdctl 0 create --size 16M p1
	run_brdctl 2 save p1
	stderr_has "p1: no image recorded for it: give IMAGE"
	# the other one keeps its record
	run_brdctl 0 save p2
	s2=$(imgsum "$D/p2.img")
	run_brdctl 0 remove --all
	run_brdctl 0 create --size 16M p2
	run_brdctl 2 save p2
	stderr_has "p2: no image recorded for it: give IMAGE"
	assert_equal "$(imgsum "$D/p1.img")" "$s1"
	assert_equal "$(imgsum "$D/p2.img")" "$s2"
}

# kill9_save POINT: start a save of ram0 (mounted on $M) to $D/a.img that
# stops at POINT (tests/preload/pause-at.c), kill -9 it there; the old
# image stays, no temporary file, the filesystem thawed
kill9_save() {
	local mark=$BATS_TEST_TMPDIR/mark.$1 pid
	rm -f "$mark"
	PAUSE_AT=$1 PAUSE_MARK=$mark LD_PRELOAD=$PRELOAD/pause-at.so \
		"$BRDCTL" save ram0 "$D/a.img" 3>&- &
	pid=$!
	wait_for 60 test -e "$mark" || fail "the save did not get to $1"
	if [ "$1" = pread:3 ]; then
		# frozen meanwhile: a second freeze is refused
		run fsfreeze -f "$M"
		[ "$status" -ne 0 ] || { fsfreeze -u "$M"; fail "not frozen during the copy"; }
	fi
	kill -9 "$pid"
	wait "$pid" || true
	wait_for 30 sh -c "fsfreeze -f '$M' && fsfreeze -u '$M'" ||
		fail "still frozen after kill -9 at $1"
	wait_for 30 sh -c "! ls -A '$D' | grep -q brdctl-save" ||
		fail "temporary file left after kill -9 at $1: $(ls -A "$D")"
	# the watchdog is gone too
	wait_for 30 sh -c '! pgrep -x brdctl' || fail "a brdctl process is left: $(pgrep -ax brdctl)"
	assert_equal "$(imgsum "$D/a.img")" "$S1"
}

@test "kill -9 during the frozen copy, before the rename, at the fsync: the old image stays and restores" {
	run_brdctl 0 create --size 64M ram0
	mkfs.ext4 -q -F /dev/ram0
	mount /dev/ram0 "$M"
	mkfiles "$M"
	cp "$D/sums" "$D/sums.1"
	run_brdctl 0 save ram0 "$D/a.img"
	S1=$(imgsum "$D/a.img")
	head -c 2M /dev/urandom >"$M/later"
	kill9_save pread:3
	kill9_save fsync:1
	kill9_save renameat:1
	touch "$M/still-writable"
	umount "$M"
	run_brdctl 0 remove --all
	run_brdctl 0 restore "$D/a.img" ram0
	mount /dev/ram0 "$M"
	cp "$D/sums.1" "$D/sums"
	checkfiles "$M"
	[ ! -e "$M/later" ]
}

# a corrupt image: refused with 7, the ramdisk (absent, or blank) unchanged
@test "restore refuses a flipped data byte, a damaged trailer, a cut image: exit 7, nothing changed" {
	run_brdctl 0 create --size 64M ram0
	mkfs.ext4 -q -F /dev/ram0
	run_brdctl 0 save ram0 "$D/a.img"
	run_brdctl 0 remove --all
	local b s
	cp "$D/a.img" "$D/data.img"
	b=$(od -An -tu1 -j 1100 -N1 "$D/data.img")
	printf "\\$(printf %03o $(( (b ^ 0x5a) & 255 )))" |
		dd of="$D/data.img" bs=1 seek=1100 conv=notrunc status=none
	cp "$D/a.img" "$D/trailer.img"
	printf 'X' | dd of="$D/trailer.img" bs=1 seek=$(( (64 << 20) + 20 )) conv=notrunc status=none
	cp "$D/a.img" "$D/cut.img"
	truncate -s $(( (64 << 20) - 4096 )) "$D/cut.img"
	s=$(imgsum "$D/data.img")
	# no ramdisk: none is created
	run_brdctl 7 restore "$D/data.img" ram0
	stderr_has "data.img: the content does not match its checksum"
	[ ! -d /sys/module/brd ]
	run_brdctl 0 create --size 16M other
	run_brdctl 7 restore "$D/data.img" cache
	run_brdctl 0 list -o NAME --noheadings --raw
	refute_line cache
	assert_equal "$(imgsum "$D/data.img")" "$s"
	run_brdctl 0 remove --all
	# an existing blank ramdisk stays blank
	run_brdctl 0 create --size 64M ram0
	local before; before=$(devsum /dev/ram0)
	for i in data trailer cut; do
		run_brdctl 7 restore "$D/$i.img" ram0
		assert_equal "$(pages)" 0
	done
	stderr_has "cut.img: not a brdctl image, or damaged"
	assert_equal "$(devsum /dev/ram0)" "$before"
	run_brdctl 3 restore "$D/nonexistent.img" ram0
	stderr_has "nonexistent.img: cannot read the image: No such file or directory"
}

@test "restore refuses a wrong size, a ramdisk holding data, a busy one: exit 4, nothing changed" {
	run_brdctl 0 create --size 64M ram0
	mkfs.ext4 -q -F /dev/ram0
	run_brdctl 0 save ram0 "$D/a.img"
	local s; s=$(imgsum "$D/a.img")
	run_brdctl 0 remove --all
	run_brdctl 0 create --size 32M ram0
	run_brdctl 4 restore "$D/a.img" ram0
	stderr_has "/dev/ram0: 33554432 bytes, the image 67108864: not restored"
	assert_equal "$(pages)" 0
	run_brdctl 0 remove --all
	run_brdctl 0 create --size 64M ram0
	dd if=/dev/urandom of=/dev/ram0 bs=4k count=1 seek=5000 oflag=direct status=none
	local before p; before=$(devsum /dev/ram0) p=$(pages)
	run_brdctl 4 restore "$D/a.img" ram0
	stderr_has "/dev/ram0: holds data: not restored"
	assert_equal "$(devsum /dev/ram0)" "$before"
	assert_equal "$(pages)" "$p"
	# a pooled ramdisk holding data while its pool holds other data too
	run_brdctl 0 remove --all
	run_brdctl 0 create --size 64M cache keep
	dd if=/dev/urandom of=/dev/ram0p2 bs=4k count=8 oflag=direct status=none
	printf 'x' | dd of=/dev/ram0p1 bs=1 seek=$((40 << 20)) conv=notrunc status=none
	sync
	before=$(devsum /dev/ram0p1)
	run_brdctl 4 restore "$D/a.img" cache
	assert_equal "$(devsum /dev/ram0p1)" "$before"
	assert_equal "$(imgsum "$D/a.img")" "$s"
}

@test "restore into an existing blank ramdisk of the image's size, whole and pooled; busy is refused" {
	run_brdctl 0 create --size 64M ram0
	mkfs.ext4 -q -F /dev/ram0
	mount /dev/ram0 "$M"
	mkfiles "$M"
	umount "$M"
	run_brdctl 0 save ram0 "$D/a.img"
	run_brdctl 0 remove --all
	run_brdctl 0 create --size 64M ram0
	run_brdctl 0 restore "$D/a.img" /dev/ram0
	mount /dev/ram0 "$M"
	checkfiles "$M"
	umount "$M"
	run_brdctl 0 remove --all
	run_brdctl 0 create --size 16M first
	run_brdctl 0 create --size 64M cache
	# busy: a save of cache that stops in its copy holds it open exclusively
	local mark=$BATS_TEST_TMPDIR/mark pid
	PAUSE_AT=pread:1 PAUSE_MARK=$mark LD_PRELOAD=$PRELOAD/pause-at.so \
		"$BRDCTL" save cache "$D/b.img" 3>&- &
	pid=$!
	wait_for 60 test -e "$mark"
	run_brdctl 4 restore "$D/a.img" cache
	stderr_has "/dev/ram0p2: in use: not restored"
	# and a second save of it, open and not a mounted filesystem, is refused
	run_brdctl 4 save cache "$D/c.img"
	stderr_has "in use and cannot be frozen: not saved (--force copies it anyway)"
	[ ! -e "$D/c.img" ]
	run_brdctl 0 save --force cache "$D/c.img"
	kill -9 "$pid"
	wait "$pid" || true
	[ ! -e "$D/b.img" ]
	run_brdctl 0 restore "$D/a.img" cache
	mount /dev/ram0p2 "$M"
	checkfiles "$M"
}

@test "save refuses the pool's whole disk and an image on the ramdisk itself" {
	run_brdctl 0 create --size 64M cache
	run_brdctl 4 save ram0 "$D/p.img"
	stderr_has "ram0: is the whole disk of a pool"
	mkfs.ext4 -q -F /dev/ram0p1
	mount /dev/ram0p1 "$M"
	run_brdctl 2 save cache "$M/self.img"
	stderr_has "self.img: cannot be on the ramdisk it saves"
	[ ! -e "$M/self.img" ]
	touch "$M/writable"
	[ -z "$(ls -A "$D")" ]
}

@test "save records its image under the brdctl lock (it waits for another brdctl to let it go)" {
	run_brdctl 0 create --size 16M ram0
	head -c 1M /dev/urandom | dd of=/dev/ram0 oflag=direct status=none
	flock -x /run/brdctl.lock sleep 6 &
	local locker=$! start took
	sleep 1
	start=$(date +%s%N)
	run_brdctl 0 save ram0 "$D/l.img"
	took=$((($(date +%s%N) - start) / 1000000))
	wait "$locker"
	echo "took ${took} ms"
	[ "$took" -ge 3000 ]
	"$HELPERS/image" info "$D/l.img"
	assert_equal "$(sed -n 2p /run/brdctl/image/ram0)" "$D/l.img"
}

# --- which filesystem a save freezes (issue 18.7) ---

@test "save freezes its own filesystem, not another one mounted over its first mount point" {
	require_cmd fsfreeze
	local M2=$BATS_TEST_TMPDIR/bind mark=$BATS_TEST_TMPDIR/mark pid
	mkdir -p "$M2"
	run_brdctl 0 create --size 32M cache
	run_brdctl 0 create --size 32M other
	mkfs.ext4 -q -F /dev/ram0p1
	mkfs.ext4 -q -F /dev/ram0p2
	# cache mounted on $M, bound to $M2; then other mounted over $M: the
	# mount table lists $M first for cache, and $M leads to other
	mount /dev/ram0p1 "$M"
	mkfiles "$M"
	mount --bind "$M" "$M2"
	mount /dev/ram0p2 "$M"
	assert_equal "$(findmnt -rn -o TARGET -S /dev/ram0p1 | head -n1)" "$M"
	PAUSE_AT=pread:3 PAUSE_MARK=$mark LD_PRELOAD=$PRELOAD/pause-at.so \
		"$BRDCTL" save cache "$D/c.img" 3>&- &
	pid=$! BG=$!
	wait_for 60 test -e "$mark" || fail "the save did not get to its copy"
	# in the copy: cache's filesystem is frozen (a second freeze is refused),
	# other's is not
	run fsfreeze -f "$M2"
	[ "$status" -ne 0 ] || { fsfreeze -u "$M2"; fail "cache's filesystem is not frozen"; }
	run fsfreeze -f "$M"
	[ "$status" -eq 0 ] || fail "other's filesystem was frozen: $output"
	fsfreeze -u "$M"
	kill -9 "$pid"
	wait "$pid" || true
	wait_for 30 sh -c "fsfreeze -f '$M2' && fsfreeze -u '$M2'" || fail "left frozen"
	run_brdctl 0 save cache "$D/c.img"
	umount "$M"
	umount "$M2"
	umount "$M"
	run_brdctl 0 remove --all
	run_brdctl 0 restore "$D/c.img" cache
	mount /dev/ram0p1 "$M"
	checkfiles "$M"
}

@test "save of a ramdisk used as swap: no filesystem to freeze, refused (4) whatever the working directory holds; --force copies it" {
	require_cmd mkswap
	require_cmd swapon
	run_brdctl 0 create --size 32M sw
	run_brdctl 0 create --size 32M fs
	mkswap /dev/ram0p1 >/dev/null
	swapon /dev/ram0p1
	mkfs.ext4 -q -F /dev/ram0p2
	mount /dev/ram0p2 "$M"
	# a directory named as the mount table names a swap area, where the
	# save runs: it is another filesystem, never to be frozen for this one
	mkdir "$M/[SWAP]"
	cd "$M"
	run_brdctl 4 save sw "$D/sw.img"
	cd /
	stderr_has "in use and cannot be frozen: not saved (--force copies it anyway)"
	[ ! -e "$D/sw.img" ]
	# other's filesystem was not frozen meanwhile, and is not now
	touch "$M/writable"
	run_brdctl 0 save --force sw "$D/sw.img"
	assert_equal "$(stat -c %s "$D/sw.img")" $(( (32 << 20) + 4096 ))
	touch "$M/still-writable"
}

# --- leftovers of a save killed with its watchdog (issue 18.8) ---

# cg_kill_save POINT [NAME=VALUE...]: a save of ram0 to $D/a.img in a
# cgroup of its own, stopped at POINT (tests/preload/pause-at.c), then the
# whole cgroup SIGKILLed at once (cgroup.kill: the save and its watchdog,
# in its own session, as systemd kills a unit at shutdown)
cg_kill_save() {
	local point=$1 mark=$BATS_TEST_TMPDIR/mark.$1 pid
	shift
	CG=/sys/fs/cgroup/brdctl-save-test
	mkdir "$CG"
	rm -f "$mark"
	(echo "$BASHPID" >"$CG/cgroup.procs" &&
	 exec env "$@" PAUSE_AT="$point" PAUSE_MARK="$mark" \
		LD_PRELOAD="$PRELOAD/pause-at.so" "$BRDCTL" save ram0 "$D/a.img") 3>&- &
	pid=$!
	wait_for 60 test -e "$mark" || fail "the save did not get to $point"
	echo 1 >"$CG/cgroup.kill"
	wait "$pid" || true
	wait_for 30 sh -c "[ -z \"\$(cat $CG/cgroup.procs)\" ]" || fail "the cgroup is not empty"
	rmdir "$CG"
	CG=
}

leftovers() { ls -A "$D" | grep '^\.brdctl-save\.' || true; }

@test "a save killed together with its watchdog leaves its temporary image; the next save removes it, and nothing else" {
	[ -e /sys/fs/cgroup/cgroup.procs ] || mount -t cgroup2 cgroup2 /sys/fs/cgroup
	# cgroup.kill is in every cgroup but the root
	mkdir /sys/fs/cgroup/brdctl-probe
	local kill=yes
	[ -e /sys/fs/cgroup/brdctl-probe/cgroup.kill ] || kill=no
	rmdir /sys/fs/cgroup/brdctl-probe
	[ "$kill" = yes ] || skip "no cgroup.kill on this kernel (cgroup v2, Linux >= 5.14)"
	run_brdctl 0 create --size 64M ram0 ram1
	mkfs.ext4 -q -F /dev/ram0
	mount /dev/ram0 "$M"
	mkfiles "$M"
	run_brdctl 0 save ram0 "$D/a.img"
	S1=$(imgsum "$D/a.img")
	# a save that is alive: another image in the same directory, on a
	# filesystem without O_TMPFILE (named from the start), stopped in its copy
	local mark=$BATS_TEST_TMPDIR/mark.live live
	NO_TMPFILE=1 PAUSE_AT=pread:2 PAUSE_MARK=$mark LD_PRELOAD=$PRELOAD/pause-at.so \
		"$BRDCTL" save ram1 "$D/live.img" 3>&- &
	live=$! BG=$!
	wait_for 60 test -e "$mark" || fail "the live save did not get to its copy"
	run leftovers
	assert_output ".brdctl-save.$live.0"
	# killed with its watchdog in the frozen copy, without O_TMPFILE: nobody
	# is left to remove the name (or to thaw)
	cg_kill_save pread:3 NO_TMPFILE=1
	fsfreeze -u "$M"
	run leftovers
	assert_equal "${#lines[@]}" 2
	assert_line ".brdctl-save.$live.0"
	assert_line --regexp '^\.brdctl-save\.[0-9]+\.0$'
	local first; first=$(leftovers | grep -v -x ".brdctl-save.$live.0")
	# the next save removes it; killed with its watchdog just before its
	# rename, it leaves its own (named by linkat after O_TMPFILE, .lN; named
	# from the start, .N, where the directory's filesystem has no O_TMPFILE:
	# the guest's /tmp is an overlayfs, which has none before 6.6)
	cg_kill_save renameat:1
	run leftovers
	echo "leftovers: ${lines[*]}"
	assert_equal "${#lines[@]}" 2
	assert_line ".brdctl-save.$live.0"
	assert_line --regexp '^\.brdctl-save\.[0-9]+\.l?0$'
	refute_line "$first"
	local second; second=$(leftovers | grep -v -x ".brdctl-save.$live.0")
	assert_equal "$(imgsum "$D/a.img")" "$S1"
	# what must stay besides the live save's: a file whose PID is init's
	# (alive, started before the file), names off the pattern, a link, a
	# directory, a file of another owner, a file with two links
	local dead; dead=$(( $(cat /proc/sys/kernel/pid_max) - 1 ))
	! kill -0 "$dead" 2>/dev/null || skip "PID $dead is alive"
	echo keep >"$D/target"
	ln -s target "$D/.brdctl-save.$dead.1"
	mkdir "$D/.brdctl-save.$dead.2"
	echo x >"$D/.brdctl-save.$dead.3" && chown 65534 "$D/.brdctl-save.$dead.3"
	echo x >"$D/.brdctl-save.$dead.4" && ln "$D/.brdctl-save.$dead.4" "$D/hardlink"
	for n in ".brdctl-save.1.5" ".brdctl-save.0$dead.6" ".brdctl-save.$dead.07" \
		 ".brdctl-save.$dead.x8" ".brdctl-save.$dead.9~" ".brdctl-save.-$dead.10"; do
		echo x >"$D/$n"
	done
	# a PID reused: the process that has it now started after the file was
	# last written (three minutes before), so it is not the save that wrote it
	sleep 1000 3>&- &
	local reused=$!
	BG+=" $reused"
	echo x >"$D/.brdctl-save.$reused.11"
	touch -d '3 minutes ago' "$D/.brdctl-save.$reused.11"
	local before; before=$(ls -A "$D" | grep -v -x -e "$second" -e ".brdctl-save.$reused.11" | sort)
	run_brdctl 0 --verbose save ram0 "$D/a.img"
	stderr_has "removed $second, left by a save"
	stderr_has "removed .brdctl-save.$reused.11, left by a save"
	assert_equal "$(ls -A "$D" | sort)" "$before"
	kill "$reused"
	[ "$(imgsum "$D/a.img")" != "$S1" ]
	assert_equal "$(cat "$D/target")" keep
	[ -L "$D/.brdctl-save.$dead.1" ]
	[ -d "$D/.brdctl-save.$dead.2" ]
	# the live save, killed alone: its watchdog removes its name
	kill -9 "$live"
	wait "$live" || true
	wait_for 30 sh -c "! ls -A '$D' | grep -qx '.brdctl-save.$live.0'" ||
		fail "the watchdog did not remove .brdctl-save.$live.0"
}

# --- a failed restore leaves the ramdisk as it was (issues 18.10, 21.1) ---

# damage_late IN OUT: OUT is IN with one byte of its last data page changed
# (found only at the end of a read of the whole image)
damage_late() {
	local last
	cp --sparse=always "$1" "$2"
	last=$(( ($(stat -c %s "$2") - 4096) / 4096 - 1 ))
	while [ "$(dd if="$2" bs=4096 skip="$last" count=1 status=none | tr -d '\0' | wc -c)" = 0 ]; do
		last=$((last - 1))
	done
	printf 'Z' | dd of="$2" bs=1 seek=$(( last * 4096 + 7 )) conv=notrunc status=none
}

@test "a corrupt image whose damage is found last: existing ramdisks keep content and page count, created ones go again" {
	run_brdctl 0 create --size 64M ram0
	mkfs.ext4 -q -F /dev/ram0
	mount /dev/ram0 "$M"
	mkfiles "$M"
	head -c 20M /dev/urandom >"$M/tail"
	umount "$M"
	run_brdctl 0 save ram0 "$D/a.img"
	run_brdctl 0 remove --all
	damage_late "$D/a.img" "$D/bad.img"
	local s p; s=$(imgsum "$D/bad.img")
	# restore creates the ramdisk (and loads brd): removed again
	run_brdctl 7 restore "$D/bad.img" ram0
	stderr_has "bad.img: the content does not match its checksum: not restored"
	[ ! -d /sys/module/brd ]
	# an existing blank whole disk: as it was, page count included
	run_brdctl 0 create --size 64M ram0
	p=$(pages)
	run_brdctl 7 restore "$D/bad.img" ram0
	assert_equal "$(pages)" "$p"
	assert_equal "$(devsum /dev/ram0)" "$(head -c 64M /dev/zero | sha256sum | cut -d' ' -f1)"
	run_brdctl 0 remove --all
	# pooled: one existing, holding data next to the pool's other ramdisk;
	# one that restore creates in the same pool
	run_brdctl 0 create --size 64M keep blank
	dd if=/dev/urandom of=/dev/ram0p1 bs=1M count=8 oflag=direct status=none
	local k; k=$(devsum /dev/ram0p1) p=$(pages)
	run_brdctl 7 restore "$D/bad.img" blank
	assert_equal "$(pages)" "$p"
	run_brdctl 7 restore "$D/bad.img" made
	run_brdctl 0 list -o NAME --noheadings --raw
	refute_line made
	assert_equal "$(pages)" "$p"
	assert_equal "$(devsum /dev/ram0p1)" "$k"
	assert_equal "$(devsum /dev/ram0p2)" "$(head -c 64M /dev/zero | sha256sum | cut -d' ' -f1)"
	assert_equal "$(imgsum "$D/bad.img")" "$s"
}

@test "a restore whose write fails half-way into an existing ramdisk: what it wrote is cleared, every byte as before" {
	run_brdctl 0 create --size 64M ram0
	mkfs.ext4 -q -F /dev/ram0
	mount /dev/ram0 "$M"
	mkfiles "$M"
	head -c 20M /dev/urandom >"$M/tail"
	umount "$M"
	run_brdctl 0 save ram0 "$D/a.img"
	run_brdctl 0 remove --all
	local zero; zero=$(head -c 64M /dev/zero | sha256sum | cut -d' ' -f1)
	for name in ram0 blank; do
		run_brdctl 0 remove --all
		run_brdctl 0 create --size 64M "$name"
		local dev=/dev/ram0 p
		[ "$name" = ram0 ] || dev=/dev/ram0p1
		p=$(pages)
		# the 20th write to the ramdisk fails (EIO), after about 20 MiB
		FAIL_AT=pwrite:20 LD_PRELOAD=$PRELOAD/pause-at.so run_brdctl 1 restore "$D/a.img" "$name"
		stderr_has "cannot restore $D/a.img: Input/output error"
		assert_equal "$(devsum "$dev")" "$zero"
		if brd_discard_frees; then
			assert_equal "$(pages)" "$p"
		else
			# no discard (6.1): zeros were written over the pages written,
			# which brd keeps until the ramdisk goes; no other page
			[ "$(pages)" -gt "$p" ]
			[ "$(pages)" -le $(( p + 20 * 256 )) ]
		fi
		run_brdctl 0 restore "$D/a.img" "$name"
		mount "$dev" "$M"
		checkfiles "$M"
		umount "$M"
	done
}
