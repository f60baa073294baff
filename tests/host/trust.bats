#!/usr/bin/env bats
# StrictModes (lib/ramdisk/trust.c): what root reads is opened once, its
# path walked component by component, and that descriptor is read.

load ../test_helper

setup() {
	require_root
	D=$BATS_TEST_TMPDIR/d
	mkdir -m 755 "$D"
	GEN=$(dirname "$BRDCTL")/brdctl-generator
}

@test "trust: a user's link in a sticky directory is not followed, even to a trusted brdtab (exit 6)" {
	printf 'ram0 64M\n' >"$D/brdtab"
	chmod 644 "$D/brdtab"
	mkdir -m 1777 "$D/tmp"
	ln -s "$D/brdtab" "$D/tmp/link"
	chown -h 65534:65534 "$D/tmp/link"
	run_brdctl 6 apply --check "$D/tmp/link"
	assert_equal "$stderr" "brdctl: $D/tmp/link: refusing to use it: $D/tmp/link is a symbolic link owned by uid 65534, not root; brdctl runs it as root, so only root may be able to change it: chown -h root $D/tmp/link"
	# root's link there is followed
	chown -h 0:0 "$D/tmp/link"
	run_brdctl 0 apply --check "$D/tmp/link"
}

@test "trust: below a working directory deeper than PATH_MAX, a brdtab others can change is refused" {
	local name i
	name=$(printf 'd%.0s' {1..200})
	cd "$D"
	for i in $(seq 25); do
		mkdir -m 755 "$name"
		cd "$name"
	done
	printf 'ram0 64M\n' >brdtab
	chmod 666 brdtab
	chown 65534 brdtab
	run_brdctl 6 apply --check brdtab
	stderr_has "is owned by uid 65534, not root"
	chown 0 brdtab
	run_brdctl 6 apply --check brdtab
	stderr_has "is writable by group and others (mode 0666)"
	chmod 644 brdtab
	run_brdctl 0 apply --check brdtab
	# a directory far above it
	chmod 777 "$D"
	run_brdctl 6 apply --check brdtab
	stderr_has "writable by group and others (mode 0777)"
	chmod 755 "$D"
}

@test "trust: a brdtab that is a FIFO is refused at once (exit 2), nothing read" {
	mkfifo -m 644 "$D/fifo"
	SECONDS=0
	run_brdctl 2 apply --check "$D/fifo"
	assert_equal "$stderr" "brdctl: $D/fifo: cannot read the brdtab: $D/fifo: not a regular file (a FIFO)"
	[ "$SECONDS" -lt 10 ]
}

@test "trust: the generator refuses a brdtab behind a user's link, and makes no units" {
	local R=$BATS_TEST_TMPDIR/root O=$BATS_TEST_TMPDIR/out
	mkdir -p -m 755 "$R/etc" "$R/srv" "$O"
	chmod 755 "$R"
	printf 'a  64M  ext4  /srv/a\n' >"$R/srv/brdtab"
	chmod 644 "$R/srv/brdtab"
	chmod 1777 "$R/etc"
	ln -s "$R/srv/brdtab" "$R/etc/brdtab"
	chown -h 65534 "$R/etc/brdtab"
	run --separate-stderr env BRDCTL_SYSROOT="$R" SYSTEMD_LOG_TARGET=console "$GEN" "$O" "$O" "$O"
	assert_failure 1
	assert_equal "$stderr" "brdctl-generator: /etc/brdtab: refusing to use it: $R/etc/brdtab is a symbolic link owned by uid 65534, not root; its lines would run as root, so only root may be able to change it: chown -h root $R/etc/brdtab (no units generated)"
	assert_equal "$(ls -A "$O")" ""
	chown -h 0 "$R/etc/brdtab"
	run --separate-stderr env BRDCTL_SYSROOT="$R" SYSTEMD_LOG_TARGET=console "$GEN" "$O" "$O" "$O"
	assert_success
	[ -e "$O/srv-a.mount" ]
}

# img PATH: a brdctl image of a 4 MiB loop device at PATH (root's, 0644)
img() {
	local raw=$BATS_TEST_TMPDIR/lo.raw lo
	truncate -s 4M "$raw"
	lo=$(losetup -f --show "$raw")
	"$HELPERS/image" save "$lo" lo "$1" >/dev/null
	losetup -d "$lo"
	chmod 644 "$1"
}

@test "trust: restore refuses an image someone else can change (exit 6, the fix named), --force warns" {
	local f=$D/img/a.img sum
	mkdir -m 755 "$D/img"
	img "$f"
	export BRDCTL_SYSROOT=$BATS_TEST_TMPDIR/root
	cp -a "$TOP/tests/fixtures/sysroot-brd" "$BRDCTL_SYSROOT"
	chown 65534 "$f"
	sum=$(sha256sum <"$f")
	run_brdctl 6 restore "$f" ram0
	assert_equal "$stderr" "brdctl: $f: refusing to restore it: $f is owned by uid 65534, not root; whoever can change it chooses what root mounts (setuid files, device nodes): chown root $f (--force restores it anyway)"
	chown 0 "$f"
	chmod 666 "$f"
	run_brdctl 6 restore "$f" ram0
	stderr_has "$f is writable by group and others (mode 0666)"
	chmod 644 "$f"
	chmod 777 "$D/img"
	run_brdctl 6 restore "$f" ram0
	stderr_has "refusing to restore it: directory $D/img is writable by group and others (mode 0777)"
	stderr_has ": chmod go-w $D/img (--force restores it anyway)"
	# --force: said, and restored as far as the fixture allows (no device)
	run_brdctl 3 restore --force "$f" ram0
	stderr_has "brdctl: $f: restoring it anyway (--force): directory $D/img is writable by group and others (mode 0777)"
	chmod 755 "$D/img"
	run_brdctl 3 restore "$f" ram0
	[[ $stderr != *refusing* ]]
	assert_equal "$(sha256sum <"$f")" "$sum"
}

@test "trust: restore of a FIFO is refused at once (exit 2), with --force too" {
	mkfifo -m 600 "$D/fifo"
	SECONDS=0
	run_brdctl 2 restore "$D/fifo" ram0
	assert_equal "$stderr" "brdctl: $D/fifo: not a regular file (a FIFO): not restored"
	chmod 777 "$D"
	run_brdctl 2 restore --force "$D/fifo" ram0
	stderr_has "not a regular file (a FIFO): not restored"
	chmod 755 "$D"
	[ "$SECONDS" -lt 10 ]
}

@test "trust: apply --check refuses a persist line whose image someone else can change (exit 6)" {
	mkdir -m 755 "$D/img"
	img "$D/img/a.img"
	chown 65534 "$D/img/a.img"
	printf 'ram0 4M ext4 %s x-brdctl.persist=%s\n' "$D/m" "$D/img/a.img" >"$D/brdtab"
	chmod 644 "$D/brdtab"
	run_brdctl 6 apply --check "$D/brdtab"
	assert_equal "$stderr" "brdctl: $D/brdtab:1: x-brdctl.persist: $D/img/a.img: refusing to restore it: $D/img/a.img is owned by uid 65534, not root; whoever can change it chooses what root mounts (setuid files, device nodes): chown root $D/img/a.img
brdctl: $D/brdtab: 1 error, nothing changed"
	run_brdctl 6 --dry-run apply "$D/brdtab"
	assert_output ""
	[ ! -e "$D/m" ]
	chown 0 "$D/img/a.img"
	run_brdctl 0 apply --check "$D/brdtab"
	# a FIFO where the image goes: exit 2, at once
	rm "$D/img/a.img"
	mkfifo -m 600 "$D/img/a.img"
	run_brdctl 2 apply --check "$D/brdtab"
	stderr_has "x-brdctl.persist: $D/img/a.img: not a regular file (a FIFO)"
}

@test "trust: a mount point under a directory others can write is refused (exit 6), nothing made" {
	local T=$BATS_TEST_TMPDIR/brdtab
	mkdir -m 777 "$D/open"
	printf 'ram0 64M ext4 %s\n' "$D/open/m" >"$T"
	chmod 644 "$T"
	run_brdctl 6 apply --check "$T"
	assert_equal "$stderr" "brdctl: $T:1: mount point $D/open/m: refusing it: directory $D/open is writable by group and others (mode 0777); whoever can change it could redirect the mount (a symbolic link in its place): chmod go-w $D/open
brdctl: $T: 1 error, nothing changed"
	run_brdctl 6 --dry-run apply "$T"
	assert_output ""
	run_brdctl 6 apply "$T"
	[ ! -e "$D/open/m" ]
	# an existing mount point there, too
	mkdir "$D/open/m"
	run_brdctl 6 apply --check "$T"
	# sticky (like /tmp): a missing mount point is made by root, fine; one a
	# user owns is not (they can rename it and put a link in its place)
	chmod 1777 "$D/open"
	run_brdctl 0 apply --check "$T"
	chown 65534 "$D/open/m"
	run_brdctl 6 apply --check "$T"
	stderr_has "mount point $D/open/m: refusing it: directory $D/open/m is owned by uid 65534, not root"
	rmdir "$D/open/m"
	run_brdctl 0 apply --check "$T"
	# a directory far up the path
	chmod 755 "$D/open"
	chmod 757 "$D"
	run_brdctl 6 apply --check "$T"
	stderr_has "refusing it: directory $D is writable by others (mode 0757)"
	chmod 755 "$D"
}
