#!/usr/bin/env bats
# Boot test (runs on the HOST, boots ONE systemd guest, ~1-2 min under TCG):
# whole-disk ramdisks from /etc/brdtab (ramN, auto, raw), a service with
# RequiresMountsFor=, then -- in the running system -- an edited brdtab
# applied with daemon-reload and restarts: a changed line, a removed line,
# an added line, an unchanged line that keeps its data.

load ../test_helper
load boot/helper

setup_file() {
	need_boot
	export CONSUMER_MOUNT=/srv/w1
	# ram2's line is removed while the system runs: nothing may hold on
	# to its unit (guest-final.service orders itself against these)
	export BOOT_FINAL="ram0 ram1 ram3"
	cat >"$BATS_FILE_TMPDIR/reload.sh" <<-'EOF'
	# in the guest, after the boot facts: edit, reload, restart
	S=/vmio/share/reload; mkdir -p "$S"
	echo kept >/srv/w1/keep
	cat >/etc/brdtab <<-TAB
	ram0  64M  ext4  /srv/w0b
	auto  64M  ext4  /srv/w1
	ram3  64M  ext4  /srv/w3  -  -  0711
	TAB
	systemctl daemon-reload
	systemctl restart brdctl-setup@ram0.service; echo "restart $?" >"$S/rc"
	systemctl stop brdctl-setup@ram2.service; echo "stop $?" >>"$S/rc"
	systemctl start local-fs.target; echo "start $?" >>"$S/rc"
	sleep 1	# let systemd collect the units nothing references any more
	systemctl list-units --all --plain --no-legend --no-pager 'brdctl-setup@*' 'srv-*.mount' |
		awk '{ print $1, $2, $3, $4 }' >"$S/units"
	findmnt -rn -o TARGET,SOURCE | grep '^/srv' >"$S/mounts"
	stat -c '%a' /srv/w3 >"$S/w3mode"
	cat /srv/w1/keep >"$S/keep" 2>&1
	(cd /run/brdctl && find . -mindepth 2 | sed 's|^\./||' | sort) >"$S/run"
	EOF
	boot_guest 'ram0  64M  ext4  /srv/w0  -  -  1777
auto  64M  ext4  /srv/w1  noatime  nobody:nogroup
ram2  64M' "ram0 ram1 ram2 ram3" "$BATS_FILE_TMPDIR/reload.sh"
}

setup() {
	need_boot
	booted
	R=$BATS_FILE_TMPDIR/share/reload
}

@test "whole disks: every line is set up and mounted before local-fs.target" {
	assert_equal "$(prop multi-user.target ActiveState)" active
	assert_equal "$(cat "$B/failed")" ""
	assert_equal "$(fact ram0 dev)" /dev/ram0
	assert_equal "$(fact ram0 size)" $((64 << 20))
	assert_equal "$(fact ram0 target)" /srv/w0
	assert_equal "$(fact ram0 owner)" "root:root 1777"
	# auto: the lowest number no line names
	assert_equal "$(fact ram1 dev)" /dev/ram1
	assert_equal "$(fact ram1 fstype)" ext4
	assert_equal "$(fact ram1 owner)" "nobody:nogroup 755"
	assert_equal "$(fact ram2 dev)" /dev/ram2
	assert_equal "$(fact ram2 fstype)" ""
	local fs=$(prop local-fs.target ActiveEnterTimestampMonotonic)
	local w0=$(prop srv-w0.mount ActiveEnterTimestampMonotonic)
	local w1=$(prop srv-w1.mount ActiveEnterTimestampMonotonic)
	[ "$w0" -gt 0 ]
	[ "$w0" -le "$fs" ]
	[ "$w1" -gt 0 ]
	[ "$w1" -le "$fs" ]
	[ "$(prop consumer.service ExecMainStartTimestampMonotonic)" -gt "$w1" ]
}

@test "whole disks: daemon-reload and restarts apply an edited brdtab" {
	run cat "$R/rc"
	assert_output "restart 0
stop 0
start 0"
	run cat "$R/mounts"
	assert_line "/srv/w0b /dev/ram0"	# the changed line: new mount point
	assert_line "/srv/w1 /dev/ram1"		# unchanged
	assert_line "/srv/w3 /dev/ram3"		# added
	refute_line --partial "/srv/w0 "
	assert_equal "$(cat "$R/keep")" kept	# the unchanged line kept its data
	assert_equal "$(cat "$R/w3mode")" 711
}

@test "whole disks: the units of removed lines go away" {
	run cat "$R/units"
	assert_line "brdctl-setup@ram0.service loaded active exited"
	assert_line "brdctl-setup@ram1.service loaded active exited"
	assert_line "brdctl-setup@ram3.service loaded active exited"
	assert_line "srv-w0b.mount loaded active mounted"
	assert_line "srv-w3.mount loaded active mounted"
	refute_line --partial ram2
	refute_line --partial "srv-w0.mount"
	run cat "$R/run"
	refute_line dev/ram2
	refute_line applied/ram2
	assert_line dev/ram3
	assert_line applied/ram3
}

@test "whole disks: at poweroff every mount goes after its consumer, then brd is unloaded" {
	run cat "$BATS_FILE_TMPDIR/share/events"
	assert_line --regexp '^consumer-stop - [0-9.]+ srv=.*/srv/w1,.* brd=loaded$'
	refute_line --regexp '^setup-stop ram1 .*/srv/w1,'
	refute_line --regexp '^setup-stop ram0 .*/srv/w0b,'
	refute_line --regexp '^setup-stop ram3 .*/srv/w3,'
	local c s
	c=$(grep -n '^consumer-stop' "$BATS_FILE_TMPDIR/share/events" | cut -d: -f1)
	s=$(grep -n '^setup-stop ram1 ' "$BATS_FILE_TMPDIR/share/events" | tail -n1 | cut -d: -f1)
	[ "$c" -lt "$s" ]
	assert_equal "$(cat "$S/brd")" unloaded
	run grep -c '^/dev/ram' "$S/mounts"
	assert_output 0
	assert_equal "$(cat "$S/run")" ""
}
