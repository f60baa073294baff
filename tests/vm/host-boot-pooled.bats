#!/usr/bin/env bats
# Boot test (runs on the HOST, boots ONE systemd guest, ~1-2 min under TCG):
# pooled ramdisks from /etc/brdtab through brdctl-generator -- ext4 with
# owner and mode, xfs, raw, a line whose mkfs fails, a line the parser
# rejects -- and a service with RequiresMountsFor=.  BOOT_KERNEL=6.12|VERSION.

load ../test_helper
load boot/helper

setup_file() {
	need_boot
	export CONSUMER_MOUNT=/srv/db/tmp
	boot_guest '# NAME    SIZE  FSTYPE                 MOUNTPOINT   MOUNTOPTS OWNER   MODE
db        64M   ext4                   /srv/db/tmp  noatime   nobody: 0700
auto      320M  xfs                    /srv/cache   -         -       1777
scratch   32M
broken    32M   "ext4:-E no_such_opt"  /srv/broken
oops      12Q' "db srv-cache scratch broken"
}

setup() {
	need_boot
	booted
}

@test "pooled: the boot reaches multi-user.target; only the broken line's unit failed" {
	assert_equal "$(prop multi-user.target ActiveState)" active
	assert_equal "$(cat "$B/failed")" "brdctl-setup@broken.service"
	assert_equal "$(cat "$B/state")" degraded
}

@test "pooled: each line is a unit of its own, its mount point a .mount unit" {
	run cat "$B/units"
	assert_line "brdctl-setup@db.service loaded active exited"
	assert_line "brdctl-setup@srv-cache.service loaded active exited"
	assert_line "brdctl-setup@scratch.service loaded active exited"
	assert_line "brdctl-setup@broken.service loaded failed failed"
	assert_line "srv-db-tmp.mount loaded active mounted"
	assert_line "srv-cache.mount loaded active mounted"
	assert_line "srv-broken.mount loaded inactive dead"
	refute_line --partial oops
}

@test "pooled: ext4 line: size, filesystem, mount, options, owner and mode" {
	[[ $(fact db dev) == /dev/ram0p* ]]
	assert_equal "$(fact db size)" $((64 << 20))
	assert_equal "$(fact db fstype)" ext4
	assert_equal "$(fact db target)" /srv/db/tmp
	[[ ,$(fact db options), == *,noatime,* ]]
	assert_equal "$(fact db owner)" "nobody:nogroup 700"
}

@test "pooled: xfs line named after its mount point, and a raw line" {
	[[ $(fact srv-cache dev) == /dev/ram0p* ]]
	assert_equal "$(fact srv-cache size)" $((320 << 20))
	assert_equal "$(fact srv-cache fstype)" xfs
	assert_equal "$(fact srv-cache target)" /srv/cache
	assert_equal "$(fact srv-cache owner)" "root:root 1777"
	[[ $(fact scratch dev) == /dev/ram0p* ]]
	assert_equal "$(fact scratch size)" $((32 << 20))
	assert_equal "$(fact scratch fstype)" ""
	assert_equal "$(fact scratch target)" ""
}

@test "pooled: the mounts are ready before local-fs.target, the consumer starts after its mount" {
	local fs=$(prop local-fs.target ActiveEnterTimestampMonotonic)
	local db=$(prop srv-db-tmp.mount ActiveEnterTimestampMonotonic)
	local cache=$(prop srv-cache.mount ActiveEnterTimestampMonotonic)
	local scratch=$(prop brdctl-setup@scratch.service ActiveEnterTimestampMonotonic)
	local consumer=$(prop consumer.service ExecMainStartTimestampMonotonic)
	echo "local-fs $fs db $db cache $cache scratch $scratch consumer $consumer"
	[ "$db" -gt 0 ]
	[ "$db" -le "$fs" ]
	[ "$cache" -gt 0 ]
	[ "$cache" -le "$fs" ]
	[ "$scratch" -gt 0 ]
	[ "$scratch" -le "$fs" ]
	[ "$consumer" -gt "$db" ]
	assert_equal "$(prop consumer.service ActiveState)" active
}

@test "pooled: the broken line failed alone, named in the journal, its ramdisk freed" {
	run grep -F 'brdctl[' "$B/journal"
	assert_line --partial "brdctl: /etc/brdtab:5: mkfs.ext4 /dev/ram0p"
	assert_line --partial "failed (exit status 1)"
	run grep -F 'srv-broken.mount' "$B/journal"
	assert_line --partial "Dependency failed for srv-broken.mount"
	# ExecStopPost= freed it right after the failure
	run cat "$B/run"
	refute_line --partial broken
	run jq -r '.ramdisks[].name' "$B/list.json"
	assert_line db
	assert_line scratch
	refute_line broken
}

@test "pooled: the generator names the line it cannot parse in the journal" {
	run grep -F 'brdctl-generator' "$B/journal"
	assert_line --partial "/etc/brdtab:6: invalid size '12Q'"
	assert_line --partial "/etc/brdtab: units for 4 ramdisks"
}

@test "pooled: at poweroff the mount stays until its consumer stopped, then the ramdisks are freed" {
	run cat "$BATS_FILE_TMPDIR/share/events"
	# the consumer stopped while its mount was still there
	assert_line --regexp '^consumer-stop - [0-9.]+ srv=.*/srv/db/tmp,.* brd=loaded$'
	# each setup unit stopped after its mount was gone
	assert_line --regexp '^setup-stop db [0-9.]+ srv=[^ ]* brd='
	refute_line --regexp '^setup-stop db .*/srv/db/tmp'
	refute_line --regexp '^setup-stop srv-cache .*/srv/cache'
	# and in that order
	local c s
	c=$(grep -n '^consumer-stop' "$BATS_FILE_TMPDIR/share/events" | cut -d: -f1)
	s=$(grep -n '^setup-stop db' "$BATS_FILE_TMPDIR/share/events" | cut -d: -f1)
	[ "$c" -lt "$s" ]
	# the last of them unloaded brd: nothing left mounted, no RAM held
	run grep -c '^setup-stop' "$BATS_FILE_TMPDIR/share/events"
	assert_output 4
	assert_equal "$(cat "$S/brd")" unloaded
	run grep -c '^/dev/ram' "$S/mounts"
	assert_output 0
	assert_equal "$(cat "$S/run")" ""
	run grep -E 'Mount process exited|Failed unmounting|umount process failed' "$S/journal"
	refute_line --partial srv
}
