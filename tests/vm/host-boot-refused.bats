#!/usr/bin/env bats
# Boot test (runs on the HOST, boots ONE systemd guest): a brdtab that a user
# other than root can change is refused, by the generator at boot and by
# brdctl apply, with the reason and the fix.

load ../test_helper
load boot/helper

stage_hook() {  # the brdtab owned (and so writable) by nobody
	mkdir -p "$1/etc"
	printf 'ram0 64M ext4 /srv/r0\n' >"$1/etc/brdtab"
	chown 65534 "$1/etc/brdtab"
	chmod 644 "$1/etc/brdtab"
}

setup_file() {
	need_boot
	cat >"$BATS_FILE_TMPDIR/apply.sh" <<-'EOF'
	stat -c '%u %a' /etc/brdtab >/vmio/share/boot/brdtab-stat
	$BRDCTL apply --check >/vmio/share/boot/apply.out 2>&1; echo $? >/vmio/share/boot/apply.rc
	EOF
	export BOOT_STAGE_HOOK=stage_hook
	export BOOT_FINAL=""	# no units to wait for
	boot_guest 'ram0 64M ext4 /srv/r0' "ram0" "$BATS_FILE_TMPDIR/apply.sh"
}

setup() {
	need_boot
	booted
}

@test "refused: the brdtab really was owned by nobody in the guest" {
	assert_equal "$(cat "$B/brdtab-stat")" "65534 644"
}

@test "refused: the generator says why and makes no units; the boot goes on" {
	run grep -F 'brdctl-generator' "$B/journal"
	assert_line --partial "/etc/brdtab: refusing to use it: /etc/brdtab is owned by uid 65534, not root; its lines would run as root, so only root may be able to change it: chown root /etc/brdtab (no units generated)"
	assert_equal "$(cat "$B/units")" ""
	assert_equal "$(prop multi-user.target ActiveState)" active
	assert_equal "$(cat "$B/failed")" ""
	run grep -c '^/dev/ram' "$B/mounts"
	assert_output 0
}

@test "refused: brdctl apply refuses it too (exit 6), naming the file and the fix" {
	assert_equal "$(cat "$B/apply.rc")" 6
	assert_equal "$(cat "$B/apply.out")" "brdctl: /etc/brdtab: refusing to use it: /etc/brdtab is owned by uid 65534, not root; brdctl runs it as root, so only root may be able to change it: chown root /etc/brdtab"
}
