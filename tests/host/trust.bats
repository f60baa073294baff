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
