#!/usr/bin/env bats
# The Debian package in guests (runs on the HOST; make deb's package,
# built once and reused):
#   1. a systemd boot (tests/vm/run-boot.sh, VM_DEB): the package installed
#      by dpkg -i into the guest's root before systemd starts, no make
#      install; /etc/brdtab comes up from the package's generator and
#      units; then `dpkg --purge brdctl` with the lines up (tests/vm/deb/purge)
#   2. a guest without systemd (tests/vm/run-in-vm.sh): dpkg -i, the LSB
#      init script's start, status, stop, restart, force-reload and a
#      broken brdtab, then the purge (tests/vm/deb/sysv)
# About 1.5 min for each guest under TCG, most of it dpkg reading its
# database over 9p.

load ../test_helper
load boot/helper

TAB='cache  64M  ext4  /srv/cache
keep   32M  ext4  /srv/keep  x-brdctl.persist=/vmio/share/img/keep.img'

setup_file() {
	need_boot
	command -v dpkg-buildpackage >/dev/null || skip "dpkg-buildpackage is not installed (make deps)"
	local t=$BATS_FILE_TMPDIR
	# one package for every test file that needs it (make: rebuilt only
	# when a file it is made of changed; the lock: test files in parallel)
	mkdir -p "$TOP/build"
	flock "$TOP/build/.deb.lock" make -s -C "$TOP" deb >"$t/make-deb.log" 2>&1 ||
		{ cat "$t/make-deb.log" >&2; return 1; }
	DEB=$(ls "$TOP"/build/deb/brdctl_*_amd64.deb)
	export DEB
	# the guest's names before the install: the host's (its lower layer)
	find /etc /var/lib /var/cache \( -name '*brdctl*' -o -name '*bitmapctl*' -o -name '*brdtab*' \) \
		2>/dev/null | sort >"$t/names-before"

	mkdir -p "$t/share/img"
	# nothing of brdctl's is left at poweroff: the purge stopped it all
	BOOT_FINAL="" VM_DEB=$DEB boot_guest "$TAB" "cache keep" "$TOP/tests/vm/deb/purge"

	mkdir -p "$t/sysv"
	VM_SHARE=$t/sysv VM_TIMEOUT=900 "$TOP/tests/vm/run-in-vm.sh" "$BOOT_KERNEL" -- \
		bash "$TOP/tests/vm/deb/sysv" "$DEB" >"$t/sysv.out" 2>&1 3>&-
	echo $? >"$t/sysv.rc"
}

setup() {
	need_boot
	T=$BATS_FILE_TMPDIR
	D=$T/share/deb
	V=$T/sysv/sysv
}

@test "deb, systemd boot: the files come from the installed package, and /etc/brdtab comes up" {
	booted
	assert_equal "$(cat "$D/status")" "install ok installed $(sed -n 's/^VERSION *:= *//p' "$TOP/Makefile")"
	assert_equal "$(cat "$D/verify")" "rc=0"	# every file as the package has it
	assert_equal "$(cat "$D/which")" "/usr/sbin/brdctl
/usr/sbin/bitmapctl"
	# (systemd names it by the first directory of its path: /lib on Debian 12)
	run cat "$D/fragment"
	assert_output --regexp '^(/usr)?/lib/systemd/system/brdctl-setup@\.service$'
	# the unit and the generator systemd used are the package's files
	run cat "$D/files"
	assert_line /usr/lib/systemd/system/brdctl-setup@.service
	assert_line /usr/lib/systemd/system-generators/brdctl-generator
	assert_line /usr/sbin/brdctl
	# no make install: nothing of the project's below /usr/local
	run grep -c /usr/local "$D/files"
	assert_output 0
	assert_equal "$(cat "$B/failed")" ""
	assert_equal "$(fact cache target)" /srv/cache
	assert_equal "$(fact cache fstype)" ext4
	assert_equal "$(fact cache size)" $((64 << 20))
	assert_equal "$(fact keep target)" /srv/keep
	run cat "$B/units"
	assert_line "brdctl-setup@cache.service loaded active exited"
	assert_line "brdctl-setup@keep.service loaded active exited"
	assert_line "srv-cache.mount loaded active mounted"
	assert_line "srv-keep.mount loaded active mounted"
}

@test "deb, systemd boot: the init script is masked; systemd-sysv-generator made no unit of it" {
	booted
	run cat "$D/initd-unit"
	assert_line LoadState=masked
	assert_line ActiveState=inactive
	assert_line SourcePath=
	run grep brdctl "$D/generator-late"
	assert_failure
	run cat "$D/unit-files-before"
	assert_line --regexp '^brdctl-setup@\.service (static|indirect)$'	# indirect: the generator's wants
	assert_line "brdctl-save@.service static"
	assert_line "brdctl.service masked"
}

@test "deb, systemd boot: dpkg --purge stops the lines (the persistent one saved), removes every file and unit" {
	booted
	run cat "$D/purge.err"
	refute_output --partial "brdctl: warning"	# the prerm stopped every line
	assert_equal "$(cat "$D/purge.rc")" 0
	assert_equal "$(cat "$D/status-after")" "dpkg-query: no packages found matching brdctl"
	# the prerm stopped the setup units (the test's record drop-in saw it)
	run cat "$T/share/events"
	assert_line --regexp '^purge-start - [0-9.]+ srv=.*/srv/cache,.* brd=loaded$'
	assert_line --regexp '^purge-start - [0-9.]+ srv=.*/srv/keep,.* brd=loaded$'
	assert_line --regexp '^setup-stop cache [0-9.]+ srv=.* brd='
	assert_line --regexp '^setup-stop keep [0-9.]+ srv=.* brd='
	assert_equal "$(cat "$D/mounts-after")" ""
	assert_equal "$(cat "$D/brd-after")" unloaded
	# the persistent line was saved before its ramdisk went
	run debugfs -R 'cat /b' "$T/share/img/keep.img"
	assert_output --partial keep-data-2
	# units: neither files nor loaded units
	assert_equal "$(cat "$D/unit-files-after")" ""
	assert_equal "$(cat "$D/units-after")" ""
	# files: none of the package's, nothing in /run; in /etc and /var only
	# what the test staged (/etc/brdtab, the record drop-in)
	assert_equal "$(cat "$D/left")" ""
	[ "$(wc -l <"$D/files")" -gt 20 ]
	assert_equal "$(cat "$D/run-after")" ""
	assert_equal "$(cat "$D/systemd-after")" "/etc/systemd/system/brdctl-setup@.service.d"
	assert_equal "$(cat "$D/names-after")" "$( { cat "$T/names-before"
		echo /etc/brdtab; echo /etc/systemd/system/brdctl-setup@.service.d; } | sort)"
}

sysv_ok() {
	if [ "$(cat "$T/sysv.rc")" != 0 ]; then
		cat "$T/sysv.out"
		fail "the guest without systemd exited with $(cat "$T/sysv.rc")"
	fi
}
# step NAME: the exit status of the step and its output (stdout, then
# stderr), as `run` sets them
step() {
	output=$(cat "$V/$1.out" "$V/$1.err")
	status=$(cat "$V/$1.rc")
	mapfile -t lines <<<"$output"
	echo "== $1: rc $status"; echo "$output"; cat "$V/$1.state"
}

@test "deb, no systemd: dpkg -i enables the init script for boot and shutdown and starts nothing" {
	sysv_ok
	step install
	assert_equal "$status" 0
	run cat "$V/rclinks"
	assert_output "rc0.d/K01brdctl
rc6.d/K01brdctl
rcS.d/S01brdctl"
	run cat "$V/install.state"
	assert_line "brd: unloaded"
}

@test "deb, no systemd: start applies /etc/brdtab once, status tells applied from not" {
	sysv_ok
	step status-none
	assert_equal "$status" 3
	assert_output "brdctl: no /etc/brdtab: no ramdisks are set up"
	step start-none
	assert_equal "$status" 0
	step status-down
	assert_equal "$status" 3
	assert_line "brdctl: /etc/brdtab is not applied; brdctl apply would do:"
	assert_line "mount -t ext4 <pooled ramdisk keep> /srv/keep"
	step start
	assert_equal "$status" 0
	run cat "$V/start.state"
	assert_line "/srv/keep ext4"
	assert_line "/srv/scratch ext4"
	assert_line "brd: loaded"
	step status-up
	assert_equal "$status" 0
	assert_output "brdctl: every line of /etc/brdtab is applied"
	step start-again
	assert_equal "$status" 0
	assert_equal "$(cat "$V/a-after-start-again")" scratch-data
}

@test "deb, no systemd: force-reload adds a line and keeps the others; restart makes them anew" {
	sysv_ok
	step force-reload
	assert_equal "$status" 0
	run cat "$V/force-reload.state"
	assert_line "/srv/extra ext4"
	assert_equal "$(cat "$V/a-after-reload")" scratch-data
	step restart
	assert_equal "$status" 0
	run cat "$V/restart.state"
	assert_line "/srv/extra ext4"
	assert_line "/srv/keep ext4"
	assert_line "/srv/scratch ext4"
	# a new ramdisk: the data is gone, but for the persistent line's
	run cat "$V/a-after-restart"
	assert_output --partial "No such file"
	assert_equal "$(cat "$V/b-after-restart")" keep-data
}

@test "deb, no systemd: stop frees everything; a broken brdtab fails start and sets up nothing" {
	sysv_ok
	step stop
	assert_equal "$status" 0
	run cat "$V/stop.state"
	refute_line --partial /srv/
	assert_line "brd: unloaded"
	assert_line "run: "
	step status-stopped
	assert_equal "$status" 3
	assert_line --partial "restore /var/lib/brdctl-test/keep.img to"
	assert_equal "$(cat "$V/images")" keep.img
	step start-broken
	assert_equal "$status" 1
	assert_line "brdctl: /etc/brdtab:4: invalid size '10X' (a number with an optional K, M, G, T suffix)"
	run cat "$V/start-broken.state"
	refute_line --partial /srv/
	assert_line "brd: unloaded"
	step status-broken
	assert_equal "$status" 4
	step usage
	assert_equal "$status" 2
	assert_output --partial "Usage: /etc/init.d/brdctl {start|stop|restart|reload|force-reload|status}"
}

@test "deb, no systemd: dpkg --purge stops the lines through the init script and leaves nothing" {
	sysv_ok
	step start-before-purge
	assert_equal "$status" 0
	step purge
	assert_equal "$status" 0
	assert_line "Freeing the ramdisks of /etc/brdtab...done."
	run cat "$V/purge.state"
	refute_line --partial /srv/
	assert_line "brd: unloaded"
	assert_equal "$(cat "$V/left")" ""
	[ "$(wc -l <"$V/files")" -gt 20 ]
	run cat "$V/rclinks-after-purge"
	refute_line --regexp '^(rc.\.d|init\.d)/'
	assert_equal "$(grep -c "No such file" "$V/rclinks-after-purge")" 2
	run cat "$V/run-after-purge"
	refute_line --regexp '^/'
	# in /etc and /var only what the test made (/etc/brdtab, the image's
	# directory)
	assert_equal "$(cat "$V/names-after-purge")" "$( { cat "$T/names-before"
		echo /etc/brdtab; echo /var/lib/brdctl-test; } | sort)"
	assert_equal "$(cat "$V/dpkg-status")" "dpkg-query: no packages found matching brdctl"
	# the image is the administrator's: kept, with what was written last
	assert_equal "$(cat "$V/images-after-purge")" keep.img
	assert_equal "$(cat "$V/image-b")" keep-data-2
}
