#!/usr/bin/env bats
# Issue 22 on the host: what a new user reads.  One run reports every error;
# messages say one thing once ("no such ramdisk" / "not a brd ramdisk", no
# errno text after a complete sentence); output a script parses is whole.

load ../test_helper

setup() {
	D=$BATS_TEST_TMPDIR/d
	mkdir -p "$D"
	chmod 755 "$BATS_TEST_TMPDIR" "$D"
}

teardown() {
	if [ -n "${NOBODY_ROOT:-}" ]; then rm -rf "$NOBODY_ROOT"; fi
}

@test "apply --check: one run reports every error, also the filesystem type and owner of a line with other errors" {
	require_root
	printf '%s\n' "ram0 16X ext5 $D/a defaults nouser" \
		"ram1 16M ext4 relative - root 9999" \
		"ram2 16M ext5:-F $D/c defaults nouser:nogroup 0755" >"$D/brdtab"
	chmod 644 "$D/brdtab"
	run_brdctl 2 apply --check "$D/brdtab"
	assert_equal "$stderr" "brdctl: $D/brdtab:1: invalid size '16X' (a number with an optional K, M, G, T suffix)
brdctl: $D/brdtab:1: unknown filesystem type 'ext5': no mkfs.ext5 in PATH
brdctl: $D/brdtab:1: unknown user 'nouser'
brdctl: $D/brdtab:2: mount point 'relative' is not an absolute path
brdctl: $D/brdtab:2: invalid mode '9999' (octal, e.g. 0755 or 1777)
brdctl: $D/brdtab:3: unknown filesystem type 'ext5': no mkfs.ext5 in PATH
brdctl: $D/brdtab:3: unknown user 'nouser'
brdctl: $D/brdtab: 7 errors, nothing changed"
}

@test "apply --check: a field that is itself invalid is reported once, not checked again" {
	require_root
	printf '%s\n' "ram0 16X ex/t4 $D/a - bad/user" >"$D/brdtab"
	chmod 644 "$D/brdtab"
	run_brdctl 2 apply --check "$D/brdtab"
	assert_equal "$stderr" "brdctl: $D/brdtab:1: invalid size '16X' (a number with an optional K, M, G, T suffix)
brdctl: $D/brdtab:1: invalid filesystem type 'ex/t4'
brdctl: $D/brdtab:1: invalid user 'bad/user'
brdctl: $D/brdtab: 3 errors, nothing changed"
}

@test "what does not exist is 'no such ramdisk', a device of another driver 'not a brd ramdisk', exit 3, no errno text" {
	cp -a "$TOP/tests/fixtures/sysroot-brd" "$BATS_TEST_TMPDIR/root"
	export BRDCTL_SYSROOT=$BATS_TEST_TMPDIR/root
	require_root
	mknod "$D/blk" b 7 200		# a loop device's number: not brd's
	: >"$D/file"
	local cmd
	for cmd in stat flush remove "resize --size 8M" save list; do
		# shellcheck disable=SC2086
		run_brdctl 3 $cmd ram4
		assert_equal "$stderr" "brdctl: ram4: no such ramdisk"
		run_brdctl 3 $cmd cache			# a pooled name: no such ramdisk
		assert_equal "$stderr" "brdctl: cache: no such ramdisk"
		run_brdctl 3 $cmd "$D/none"
		assert_equal "$stderr" "brdctl: $D/none: no such ramdisk"
		run_brdctl 3 $cmd ram9			# the fixture's ram9 is not brd's
		assert_equal "$stderr" "brdctl: ram9: not a brd ramdisk"
		run_brdctl 3 $cmd "$D/blk"
		assert_equal "$stderr" "brdctl: $D/blk: not a brd ramdisk"
		run_brdctl 3 $cmd "$D/file"
		assert_equal "$stderr" "brdctl: $D/file: not a brd ramdisk"
	done
}

@test "a refusal that is a complete sentence gets no errno text: one line, one reason" {
	cp -a "$TOP/tests/fixtures/sysroot-brd" "$BATS_TEST_TMPDIR/root"
	export BRDCTL_SYSROOT=$BATS_TEST_TMPDIR/root
	run_brdctl 4 --dry-run create --size 32M ram0
	assert_equal "$stderr" "brdctl: ram0: exists with size 16M"
	run_brdctl 5 remove ram0
	assert_equal "$stderr" "brdctl: ram0: cannot remove a single ramdisk: brd only removes all of them at once; 'brdctl flush ram0' frees its RAM, 'brdctl remove --all' removes every ramdisk"
	run_brdctl 5 flush ram1
	assert_equal "$stderr" "brdctl: /dev/ram1: cannot free RAM on this kernel (brd discards only on Linux >= 6.10); 'brdctl remove --all' frees all ramdisk RAM, --cache-only drops just the page cache"
	rm "$BRDCTL_SYSROOT/sys/module/brd/initstate" "$BRDCTL_SYSROOT/sys/module/brd/refcnt"
	run_brdctl 5 resize --size 32M ram0
	assert_equal "$stderr" "brdctl: brd: built into the kernel: its size is set at boot (brd.rd_size=)"
	run_brdctl 5 remove --all
	assert_equal "$stderr" "brdctl: brd: built into the kernel: its ramdisks cannot be removed (use 'brdctl flush --all' to free RAM)"
	unset BRDCTL_SYSROOT
	run_brdctl 0 bitmap create --sync-size 64M "$D/bm"
	run_brdctl 4 bitmap create --sync-size 64M "$D/bm"
	assert_equal "$stderr" "brdctl: $D/bm: bitmap file already exists (use --force to replace it)"
}

@test "the class: cmd/ passes no fixed errno to cmd_err() (its text would follow a complete sentence); cmd_fail() says it" {
	# cmd_err(ERRNO, ...) appends strerror(ERRNO): right when the errno is
	# the reason (what the kernel or a library said), never for a refusal
	# brdctl words itself; ENOMEM is the one fixed errno that is a reason
	local bad
	bad=$(grep -nE 'cmd_err\(-?E[A-Z0-9]+,' "$TOP"/cmd/*.c | grep -vE 'cmd_err\(-?ENOMEM,' || true)
	[ -z "$bad" ] || fail "a fixed errno passed to cmd_err (use cmd_fail): $bad"
	# and the check sees what it looks for
	grep -qE 'cmd_err\(-?ENOMEM,' "$TOP"/cmd/*.c
}

@test "a user other than root: create, flush, remove, resize say the command needs root (exit 6)" {
	require_root
	require_cmd setpriv
	# a root the user can read (bats' own directories are root's alone)
	NOBODY_ROOT=$(mktemp -d /tmp/brdctl-nobody.XXXXXX)
	chmod 755 "$NOBODY_ROOT"
	cp -a "$TOP/tests/fixtures/sysroot-brd/." "$NOBODY_ROOT/"
	export BRDCTL_SYSROOT=$NOBODY_ROOT
	local c
	for c in "create --size 16M ram0" "flush ram0" "remove --all" "resize --size 8M ram0"; do
		# shellcheck disable=SC2086
		run_as_nobody $c
		echo "\$ brdctl $c: $status: $output"
		[ "$status" = 6 ] || fail "brdctl $c: exit status $status, expected 6"
		assert_output "brdctl: ${c%% *}: needs root"
	done
	# what only reads works for anyone
	run_as_nobody stat ram0
	[ "$status" = 0 ] || fail "stat as user 65534: $status $output"
}

@test "the RAM budget refusal: sizes in one unit (human), and '1 ramdisk'" {
	cp -a "$TOP/tests/fixtures/sysroot-brd" "$BATS_TEST_TMPDIR/root"
	export BRDCTL_SYSROOT=$BATS_TEST_TMPDIR/root
	rm -r "$BRDCTL_SYSROOT/sys/module/brd" "$BRDCTL_SYSROOT/sys/block/ram0" "$BRDCTL_SYSROOT/sys/block/ram1"
	run_brdctl 1 --dry-run create --size 2G
	assert_equal "$stderr" "brdctl: 1 ramdisk of 2G could take 2G but only 1.5G of RAM is available; use --force to create it anyway"
	run_brdctl 1 --dry-run create --size 1G --count 2
	assert_equal "$stderr" "brdctl: 2 ramdisks of 1G could take 2G but only 1.5G of RAM is available; use --force to create them anyway"
	assert_equal "$output" ""
}

@test "bitmap map: the size of a device that cannot be opened is 'unknown' (null in JSON), not 0" {
	require_root
	require_cmd setpriv
	NOBODY_ROOT=$(mktemp -d /tmp/brdctl-nobody.XXXXXX)
	chmod 755 "$NOBODY_ROOT"
	local f=$NOBODY_ROOT/file nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)
	head -c 16384 /dev/zero >"$f"
	chmod 644 "$f"
	if (( (0x$(stat -c %D "$f") >> 8) == 0 )); then
		skip "$NOBODY_ROOT is on an anonymous device (no block device)"
	fi
	"${nobody[@]}" test -x "$BRDCTL" || skip "user 65534 cannot run $BRDCTL (its directories)"
	run --separate-stderr "${nobody[@]}" "$BRDCTL" bitmap map "$f"
	echo "$output"
	[[ $output == *"cannot open /dev/"* ]] || skip "user 65534 can open the device of $NOBODY_ROOT"
	assert_line --regexp '^Device: +/dev/[^ ]+ \([0-9]+:[0-9]+\), size unknown, logical block size unknown$'
	refute_output --partial "0 bytes, 0-byte"
	run --separate-stderr "${nobody[@]}" "$BRDCTL" bitmap map --json "$f"
	assert_equal "$(jq -c '.blockmap | [."device-size", ."logical-block-size"]' <<<"$output")" '[null,null]'
}

@test "stat --json, list --json: an empty list is [], a list is one string per element, keys follow one rule" {
	cp -a "$TOP/tests/fixtures/sysroot-brd" "$BATS_TEST_TMPDIR/root"
	export BRDCTL_SYSROOT=$BATS_TEST_TMPDIR/root
	mkdir "$BRDCTL_SYSROOT/sys/block/ram0/holders/md0" "$BRDCTL_SYSROOT/sys/block/ram0/holders/dm-1"
	run_brdctl 0 stat --json ram0 ram1
	assert_equal "$(jq -c '[.ramdisks[] | [.holders, .mountpoints, (.openers | length)]]' <<<"$output")" \
		'[[["dm-1","md0"],[],0],[[],[],0]]'
	# no "[null]", no "[", blank line, "]": the empty ones are written []
	refute_line --regexp '^ +null$'
	refute_line ''
	assert_line --regexp '^ +"mountpoints": \[\],$'
	# the key rule (man brdctl(8), stat): lower case, hyphens; maj:min as
	# lsblk; the module parameters as the kernel names them
	run jq -r '.ramdisks[0] | keys[]' <<<"$output"
	local k bad=
	for k in $output; do
		[[ $k =~ ^[a-z0-9]+(-[a-z0-9]+)*$ || $k == maj:min || $k == rd_nr ||
		   $k == rd_size || $k == max_part ]] || bad+=" $k"
	done
	[ -z "$bad" ] || fail "stat --json keys outside the rule:$bad"
	run_brdctl 0 list --json --output-all
	assert_equal "$(jq -c '[.ramdisks[] | [.holders, .mountpoints]]' <<<"$output")" \
		'[[["dm-1","md0"],[]],[[],[]]]'
	refute_line --regexp '^ +null$'
	refute_line ''
	run jq -r '.ramdisks[0] | keys[]' <<<"$output"
	for k in $output; do
		[[ $k =~ ^[a-z0-9]+(-[a-z0-9]+)*$ || $k == maj:min ]] || bad+=" $k"
	done
	[ -z "$bad" ] || fail "list --json keys outside the rule:$bad"
}

@test "list never cuts a path or a list of names: IMAGE, MOUNTPOINTS, HOLDERS whole on a narrow terminal and in a pipe" {
	require_cmd script stty
	cp -a "$TOP/tests/fixtures/sysroot-brd" "$BATS_TEST_TMPDIR/root"
	export BRDCTL_SYSROOT=$BATS_TEST_TMPDIR/root
	local img=/var/lib/brdctl/a/rather/long/directory/for/the/images/ram0-build-cache.img
	mkdir -p "$BRDCTL_SYSROOT/run/brdctl/image" "$BRDCTL_SYSROOT/sys/block/ram0/holders/md0" \
		"$BRDCTL_SYSROOT/sys/block/ram0/holders/dm-10"
	printf '%s\n%s\n' 1764645600123456789 "$img" >"$BRDCTL_SYSROOT/run/brdctl/image/ram0"
	run_brdctl 0 list -o NAME,IMAGE,SAVED,HOLDERS
	assert_line --regexp "^ram0 +$img +[0-9T:+-]+ +dm-10,md0\$"
	# a terminal of 60 columns (script gives brdctl a pty)
	run script -qec "stty cols 60 && TZ=UTC '$BRDCTL' list -o NAME,TYPE,SIZE,IMAGE,SAVED,HOLDERS" /dev/null
	echo "$output"
	[ "$status" = 0 ] || fail "exit status $status"
	[[ $output == *"$img"* ]] || fail "IMAGE cut on a 60-column terminal"
	[[ $output == *"dm-10,md0"* ]] || fail "HOLDERS cut on a 60-column terminal"
}

@test "root, a lock that cannot be taken: the lock file and its reason (not 'needs root')" {
	require_root
	cp -a "$TOP/tests/fixtures/sysroot-brd" "$BATS_TEST_TMPDIR/root"
	export BRDCTL_SYSROOT=$BATS_TEST_TMPDIR/root
	mkdir "$BRDCTL_SYSROOT/run/brdctl.lock"
	run_brdctl 1 create --size 16M ram0
	assert_equal "$stderr" "brdctl: /run/brdctl.lock: cannot take the brdctl lock: Is a directory"
}
