#!/usr/bin/env bats
# Boot test (runs on the HOST, boots THREE systemd guests one after the
# other, ~1.5 min each under TCG): a brdtab line with x-brdctl.persist= whose
# image lives on the shared directory (9p), so it outlives each guest; the
# host carries it from one boot's share to the next.
#   boot 1: no image yet: formatted, files written; the poweroff saves it
#   boot 2: the image is restored before the mount: same filesystem, every
#           file's sha256 equal
#   boot 3: the image damaged (one byte): the line fails with its reason in
#           the journal, nothing is mounted there, the other line and the
#           boot go on, the image is not written
# (x-brdctl.persist-every= and its timer: tests/host/generator.bats checks
# the units; the timer's `brdctl save` is not in this boot test.)

load ../test_helper
load boot/helper

TAB='persist  64M  ext4  /srv/p  noatime,x-brdctl.persist=/vmio/share/img/p.img
other    32M  ext4  /srv/o'

setup_file() {
	need_boot
	export CONSUMER_MOUNT=/srv/p
	local t=$BATS_FILE_TMPDIR
	# boot 1 and 2: files written, or their sums taken; the UUID of the fs
	cat >"$t/files.sh" <<-'EOF'
	S=/vmio/share/boot
	if [ ! -e /vmio/share/second ]; then
		mkdir -p /srv/p/dir
		head -c 3M /dev/urandom >/srv/p/dir/blob
		seq 1 100000 >/srv/p/numbers
	fi
	(cd /srv/p && find . -type f ! -path './lost+found/*' -exec sha256sum {} + | sort -k2) >"$S/sums"
	blkid -p -o value -s UUID "$(readlink -f /run/brdctl/dev/persist)" >"$S/uuid"
	TZ=UTC $BRDCTL list --raw --noheadings -o NAME,IMAGE,SAVED persist >"$S/list" 2>&1
	$BRDCTL stat persist >"$S/stat" 2>&1
	EOF
	mkdir -p "$t/b1/share/img" "$t/b2/share/img" "$t/b3/share/img"
	BOOT_DIR=$t/b1 boot_guest "$TAB" "persist other" "$t/files.sh"
	# the image is carried to the next boot's share (sparse)
	[ -f "$t/b1/share/img/p.img" ] || return 0	# the tests say why
	cp --sparse=always "$t/b1/share/img/p.img" "$t/b2/share/img/p.img"
	: >"$t/b2/share/second"
	BOOT_DIR=$t/b2 boot_guest "$TAB" "persist other" "$t/files.sh"
	[ -f "$t/b2/share/img/p.img" ] || return 0
	cp --sparse=always "$t/b2/share/img/p.img" "$t/b3/share/img/p.img"
	# one byte of the content (in the ext4 superblock) changed
	printf 'X' | dd of="$t/b3/share/img/p.img" bs=1 seek=1100 conv=notrunc status=none
	sha256sum <"$t/b3/share/img/p.img" >"$t/b3/img.sum"
	CONSUMER_MOUNT=/srv/o BOOT_DIR=$t/b3 boot_guest "$TAB" "persist other"
}

setup() {
	need_boot
	T=$BATS_FILE_TMPDIR
}

@test "persist boot 1: no image yet: formatted and mounted, recorded; the poweroff saves the image" {
	BOOT_DIR=$T/b1 booted
	assert_equal "$(cat "$B/failed")" ""
	assert_equal "$(fact persist target)" /srv/p
	assert_equal "$(fact persist fstype)" ext4
	[[ ,$(fact persist options), == *,noatime,* ]]
	[[ $(fact persist options) != *brdctl* ]]
	run cat "$B/list"
	assert_output --regexp '^persist /vmio/share/img/p.img $'	# up, never saved
	run grep -E '^(Image|Last saved):' "$B/stat"
	assert_line --regexp '^Image: +/vmio/share/img/p.img$'
	assert_line --regexp '^Last saved: +never'
	# saved at the poweroff, after the unmount; the ramdisks are gone
	[ -f "$T/b1/share/img/p.img" ]
	assert_equal "$(cat "$S/brd")" unloaded
	run grep -c '^/dev/ram' "$S/mounts"
	assert_output 0
	# sparse on the host: far less than the ramdisk's 64M
	[ "$(du -k "$T/b1/share/img/p.img" | cut -f1)" -lt $((24 * 1024)) ]
}

@test "persist boot 2: the image is restored before the mount: same filesystem, every file equal" {
	BOOT_DIR=$T/b2 booted
	assert_equal "$(cat "$B/failed")" ""
	assert_equal "$(fact persist target)" /srv/p
	# the same ext4 (not a new mkfs) and the same files
	assert_equal "$(cat "$B/uuid")" "$(cat "$T/b1/share/boot/uuid")"
	[ -s "$B/sums" ]
	assert_equal "$(grep -c . "$B/sums")" 3	# blob, numbers, the consumer's hello
	assert_equal "$(cat "$B/sums")" "$(cat "$T/b1/share/boot/sums")"
	# restored before the mount, the mount before its consumer
	local p c
	p=$(prop srv-p.mount ActiveEnterTimestampMonotonic)
	c=$(prop consumer.service ExecMainStartTimestampMonotonic)
	[ "$p" -gt 0 ]
	[ "$c" -gt "$p" ]
	run cat "$B/list"
	assert_output --regexp '^persist /vmio/share/img/p.img 20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\+00:00$'
	# and saved again at this poweroff
	[ -f "$T/b2/share/img/p.img" ]
	assert_equal "$(cat "$S/brd")" unloaded
}

@test "persist boot 3: a damaged image fails its line with the reason; nothing mounted, image untouched, the boot goes on" {
	BOOT_DIR=$T/b3 booted
	run cat "$B/failed"
	assert_line brdctl-setup@persist.service
	refute_line brdctl-setup@other.service
	run grep -F 'brdctl[' "$B/journal"
	assert_line --regexp "brdctl: /etc/brdtab:1: cannot restore /vmio/share/img/p.img to /dev/ram0p[0-9]+: the image is damaged \\(its checksum or trailer does not match\\); not mounted, the image is left as it is$"
	run grep ' /srv/p ' "$B/mounts"
	assert_output ""
	assert_equal "$(fact persist size)" ""		# no ramdisk behind its link
	# the stop after the failed start freed it and left no record
	run cat "$B/run"
	refute_line image/persist
	# the other line and the boot go on
	assert_equal "$(fact other target)" /srv/o
	assert_equal "$(prop multi-user.target ActiveState)" active
	assert_equal "$(prop consumer.service ActiveState)" active
	# the stop after the failed start (ExecStopPost) did not save over it
	assert_equal "$(sha256sum <"$T/b3/share/img/p.img")" "$(cat "$T/b3/img.sum")"
	assert_equal "$(cat "$S/brd")" unloaded
}
