#!/usr/bin/env bats
# Boot test (runs on the HOST, boots TWO systemd guests one after the other):
# the save timer of x-brdctl.persist-every= in a real boot.  The image lives
# on the shared directory (9p), which outlives each guest.
#   boot 1: no image yet: formatted and mounted.  A file is changed, and the
#           test waits for brdctl-save@timed.timer to save the image; then
#           a second change that no save may see, and the guest is powered
#           off at once (run-boot.sh VM_POWEROFF=force: `systemctl poweroff
#           -ff`, no unit stopped, so no save at shutdown: a power cut)
#   boot 2: the image the timer saved is restored before the mount: the
#           first change is there, the second is not

load ../test_helper
load boot/helper

TAB='timed  64M  ext4  /srv/t  noatime,x-brdctl.persist=/vmio/share/img/t.img,x-brdctl.persist-every=15s'
IMG=/vmio/share/img/t.img

setup_file() {
	need_boot
	export CONSUMER_MOUNT=/srv/t
	local t=$BATS_FILE_TMPDIR
	cat >"$t/boot1.sh" <<-EOF
	S=/vmio/share/boot
	# a change, then a save of the timer that started after it (the time
	# in the image's trailer is when the save's copy started)
	date +%s%N >"\$S/changed_ns"
	echo "changed in boot 1" >/srv/t/change
	for i in \$(seq 1 300); do
		ns=\$($TOP/build/tests/helpers/image info $IMG 2>/dev/null | sed -n 's/.* saved_ns=//p')
		[ -n "\$ns" ] && [ "\$ns" -gt "\$(cat "\$S/changed_ns")" ] && break
		sleep 1
	done
	echo "\$ns" >"\$S/saved_ns"
	sha256sum <$IMG >"\$S/img.sum"
	# after the timer's save: nothing may save this
	echo "after the save" >/srv/t/late
	sync
	systemctl show --no-pager -p ActiveState,LastTriggerUSec brdctl-save@timed.timer >"\$S/timer"
	journalctl -b -o short-monotonic --no-pager -u brdctl-save@timed.service >"\$S/save.journal"
	EOF
	cat >"$t/boot2.sh" <<-'EOF'
	S=/vmio/share/boot
	cat /srv/t/change >"$S/change" 2>&1
	ls -A /srv/t >"$S/ls"
	EOF
	mkdir -p "$t/b1/share/img" "$t/b2/share/img"
	VM_POWEROFF=force BOOT_DIR=$t/b1 boot_guest "$TAB" timed "$t/boot1.sh"
	[ -f "$t/b1/share/img/t.img" ] || return 0	# the tests say why
	cp --sparse=always "$t/b1/share/img/t.img" "$t/b2/share/img/t.img"
	BOOT_DIR=$t/b2 boot_guest "$TAB" timed "$t/boot2.sh"
}

setup() {
	need_boot
	T=$BATS_FILE_TMPDIR
}

@test "save timer boot 1: the timer saves the changed filesystem; a power cut saves nothing" {
	BOOT_DIR=$T/b1 booted
	assert_equal "$(cat "$B/failed")" ""
	assert_equal "$(fact timed target)" /srv/t
	run cat "$B/timer"
	assert_line ActiveState=active
	# a save that started after the change, by the timer's service
	[ -s "$B/saved_ns" ] || fail "no save after the change: $(cat "$B/save.journal")"
	[ "$(cat "$B/saved_ns")" -gt "$(cat "$B/changed_ns")" ]
	run grep -E 'brdctl-save@timed\.service: (Deactivated successfully|Succeeded)|Finished brdctl-save@timed\.service' "$B/save.journal"
	assert_success
	# the power-off ran no unit's stop: no setup unit stopped, no shutdown
	# phase, and the image is the one the timer wrote
	run grep '^setup-stop' "$T/b1/share/events"
	assert_output ""
	[ ! -e "$T/b1/share/shutdown" ]
	assert_equal "$(sha256sum <"$T/b1/share/img/t.img")" "$(cat "$B/img.sum")"
}

@test "save timer boot 2: the timer's image is restored: the change it saw is there, the later one is not" {
	BOOT_DIR=$T/b2 booted
	assert_equal "$(cat "$B/failed")" ""
	assert_equal "$(fact timed target)" /srv/t
	assert_equal "$(cat "$B/change")" "changed in boot 1"
	run cat "$B/ls"
	assert_line change
	refute_line late
}
