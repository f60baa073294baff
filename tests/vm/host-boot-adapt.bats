#!/usr/bin/env bats
# Boot test (runs on the HOST, boots THREE systemd guests, ~1.5 min each
# under TCG): one brdtab, with drop-ins, that adapts to the machine
# (brdtab(5) SIZES RELATIVE TO RAM, CONDITIONS, DROP-INS, KERNEL COMMAND
# LINE):
#   boot 1: VM_MEM=1024M: scratch is 25% of this MemTotal; small applies,
#           big is skipped (min-memory); the vendor drop-in in
#           /usr/lib/brdtab.d applies, the one masked by a /dev/null link
#           in /etc/brdtab.d does not
#   boot 2: VM_MEM=2048M, brdctl.skip=vendor: another scratch size; big
#           applies, small is skipped (max-memory), vendor is skipped
#   boot 3: brdctl.brdtab=0 (the rescue case): no units at all, the boot goes
#           on, brdctl apply --check says every line is skipped
# The generator's journal lines name each skipped line's FILE:LINE.

load ../test_helper
load boot/helper

TAB='# NAME  SIZE          FSTYPE  MOUNTPOINT    MOUNTOPTS                  OWNER  MODE
scratch  "min(25%, 1G)"  ext4  /srv/scratch  -                           -      1777
small    64M             ext4  /srv/small    x-brdctl.max-memory=1536M
big      256M            ext4  /srv/big      x-brdctl.min-memory=1536M'

stage_hook() {  # the drop-ins: one from "a package", one masked by the admin
	mkdir -p "$1/usr/lib/brdtab.d" "$1/etc/brdtab.d"
	printf '# a package drop-in\nvendor 32M ext4 /srv/vendor\n' >"$1/usr/lib/brdtab.d/50-vendor.brdtab"
	printf 'masked 32M ext4 /srv/masked\n' >"$1/usr/lib/brdtab.d/60-masked.brdtab"
	ln -s /dev/null "$1/etc/brdtab.d/60-masked.brdtab"
	chmod 755 "$1/usr/lib/brdtab.d" "$1/etc/brdtab.d"
	chmod 644 "$1"/usr/lib/brdtab.d/*.brdtab
}

setup_file() {
	need_boot
	local t=$BATS_FILE_TMPDIR
	cat >"$t/extra.sh" <<-'EOF'
	S=/vmio/share/boot
	sed -n 's/^MemTotal: *\([0-9]*\) kB$/\1/p' /proc/meminfo >"$S/memtotal"
	cat /proc/cmdline >"$S/cmdline"
	$BRDCTL apply --check >"$S/check.out" 2>&1; echo $? >"$S/check.rc"
	# apply again changes nothing, though MemTotal shrank a little since
	$BRDCTL apply >"$S/apply.out" 2>&1; echo $? >"$S/apply.rc"
	EOF
	export BOOT_STAGE_HOOK=stage_hook
	VM_MEM=1024M BOOT_DIR=$t/b1 boot_guest "$TAB" "scratch small vendor" "$t/extra.sh"
	VM_MEM=2048M VM_APPEND=brdctl.skip=vendor BOOT_DIR=$t/b2 \
		boot_guest "$TAB" "scratch big" "$t/extra.sh"
	VM_APPEND=brdctl.brdtab=0 BOOT_FINAL="" BOOT_DIR=$t/b3 boot_guest "$TAB" "" "$t/extra.sh"
}

setup() {
	need_boot
	T=$BATS_FILE_TMPDIR
}

# the size of line NAME is N% of the guest's MemTotal: whole 4 KiB pages,
# within 1% of the share of MemTotal when collected (it shrinks by some
# hundred KiB during a boot, after the setup unit ran)
is_share() {
	local size want
	size=$(fact "$1" size) want=$(( $(cat "$B/memtotal") * 1024 * $2 / 100 ))
	echo "$1: size $size, $2% of the MemTotal collected $want"
	[ $((size % 4096)) = 0 ]
	[ "$size" -ge $((want - want / 100)) ]
	[ "$size" -le $((want + want / 100)) ]
}

@test "adapt boot 1 (1024M): 25% of its MemTotal; small and the vendor drop-in up, big and the masked drop-in not" {
	BOOT_DIR=$T/b1 booted
	assert_equal "$(cat "$B/failed")" ""
	assert_equal "$(prop multi-user.target ActiveState)" active
	[ "$(cat "$B/memtotal")" -lt 1048576 ]
	is_share scratch 25
	assert_equal "$(fact scratch target)" /srv/scratch
	assert_equal "$(fact small size)" $((64 << 20))
	assert_equal "$(fact vendor size)" $((32 << 20))
	assert_equal "$(fact vendor target)" /srv/vendor
	run cat "$B/units"
	assert_line "brdctl-setup@scratch.service loaded active exited"
	assert_line "brdctl-setup@small.service loaded active exited"
	assert_line "brdctl-setup@vendor.service loaded active exited"
	assert_line "srv-vendor.mount loaded active mounted"
	refute_line --partial big
	refute_line --partial masked
	run grep -F 'brdctl-generator' "$B/journal"
	assert_line --regexp "/etc/brdtab:4: big: skipped: MemTotal .* is below x-brdctl.min-memory=1536M \(no units for this line\)$"
	refute_line --partial "masked"
	# apply --check in the guest agrees
	assert_equal "$(cat "$B/check.rc")" 0
	run cat "$B/check.out"
	assert_output --regexp "^brdctl: /etc/brdtab:4: big: skipped: MemTotal .* is below x-brdctl.min-memory=1536M$"
	assert_equal "$(cat "$B/apply.rc")" 0
	run cat "$B/apply.out"
	assert_output --regexp "^brdctl: /etc/brdtab:4: big: skipped: MemTotal .* is below x-brdctl.min-memory=1536M$"
}

@test "adapt boot 2 (2048M, brdctl.skip=vendor): another size; big up, small and vendor skipped" {
	BOOT_DIR=$T/b2 booted
	assert_equal "$(cat "$B/failed")" ""
	[[ " $(cat "$B/cmdline") " == *" brdctl.skip=vendor "* ]]
	[ "$(cat "$B/memtotal")" -gt 1572864 ]
	is_share scratch 25
	[ "$(fact scratch size)" -gt "$(BOOT_DIR=$T/b1 booted; fact scratch size)" ]
	assert_equal "$(fact big size)" $((256 << 20))
	assert_equal "$(fact big target)" /srv/big
	run cat "$B/units"
	assert_line "brdctl-setup@scratch.service loaded active exited"
	assert_line "brdctl-setup@big.service loaded active exited"
	assert_line "srv-big.mount loaded active mounted"
	refute_line --partial small
	refute_line --partial vendor
	refute_line --partial masked
	run grep -F 'brdctl-generator' "$B/journal"
	assert_line --regexp "/etc/brdtab:3: small: skipped: MemTotal .* is above x-brdctl.max-memory=1536M \(no units for this line\)$"
	assert_line --partial "/usr/lib/brdtab.d/50-vendor.brdtab:2: vendor: skipped: brdctl.skip=vendor on the kernel command line (no units for this line)"
	assert_line --partial "/etc/brdtab: units for 2 ramdisks"
	assert_equal "$(cat "$B/check.rc")" 0
	assert_equal "$(cat "$B/apply.rc")" 0
	# the poweroff freed everything
	assert_equal "$(cat "$S/brd")" unloaded
}

@test "adapt boot 3 (brdctl.brdtab=0): no brdtab units, the boot goes on, apply says every line is skipped" {
	BOOT_DIR=$T/b3 booted
	assert_equal "$(cat "$B/failed")" ""
	assert_equal "$(prop multi-user.target ActiveState)" active
	assert_equal "$(cat "$B/units")" ""
	run grep -c '^/dev/ram' "$B/mounts"
	assert_output 0
	run grep -F 'brdctl-generator' "$B/journal"
	assert_line --partial "/etc/brdtab:2: scratch: skipped: brdctl.brdtab=0 on the kernel command line (no units for this line)"
	assert_line --partial "/usr/lib/brdtab.d/50-vendor.brdtab:2: vendor: skipped: brdctl.brdtab=0 on the kernel command line (no units for this line)"
	assert_line --partial "/etc/brdtab: units for 0 ramdisks"
	assert_equal "$(cat "$B/check.rc")" 0
	run cat "$B/check.out"
	assert_line "brdctl: /etc/brdtab:2: scratch: skipped: brdctl.brdtab=0 on the kernel command line"
	assert_line "brdctl: /usr/lib/brdtab.d/50-vendor.brdtab:2: vendor: skipped: brdctl.brdtab=0 on the kernel command line"
}
