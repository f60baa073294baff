#!/usr/bin/env bats
# make install / uninstall: the layout under DESTDIR and PREFIX, the systemd
# generator and template unit (systemd-analyze verify), the installed
# completions and man pages.

load ../test_helper

# make install/uninstall with the already built binary ($BRDCTL): -o all
# keeps make from rebuilding anything.
mk() {
	make -s --no-print-directory -C "$TOP" -o all BUILD="$(dirname "$BRDCTL")" "$@"
}

setup() {
	D=$BATS_TEST_TMPDIR/dest
	mkdir -p "$D"
}

# where systemd 252 runs generators for PREFIX (systemd.generator(7)): the
# systemd.pc directory for /usr (resolved: /usr/lib/... on a merged /usr),
# PREFIX/lib/systemd/system-generators otherwise (/usr/local is searched)
gendir() {
	local d
	if [ "$1" = /usr ]; then
		d=$(pkg-config --variable=systemdsystemgeneratordir systemd 2>/dev/null)
		if [ -n "$d" ]; then realpath -m "$d"; else echo /usr/lib/systemd/system-generators; fi
	else
		echo "$1/lib/systemd/system-generators"
	fi
}

expected_files() {  # PREFIX
	local p=$1
	cat <<-EOF | sort
	$(gendir "$p")/brdctl-generator
	$p/lib/systemd/system/brdctl-save@.service
	$p/lib/systemd/system/brdctl-setup@.service
	$p/sbin/bitmapctl -> brdctl
	$p/sbin/brdctl
	$p/share/bash-completion/completions/bitmapctl -> brdctl
	$p/share/bash-completion/completions/brdctl
	$p/share/doc/brdctl/examples/brdtab
	$p/share/man/man5/brdtab.5
	$p/share/man/man8/bitmapctl.8 -> brdctl.8
	$p/share/man/man8/brdctl.8
	$p/share/zsh/site-functions/_brdctl
	EOF
}

installed_files() {  # DIR: files and links below DIR, links with their targets
	(cd "$1" && find . \( -type f -o -type l \) -printf '/%P%l\n' |
		sed -E 's|^(/[^ ]*sbin/bitmapctl\|.*/bitmapctl\|.*bitmapctl\.8)brdctl(\.8)?$|\1 -> brdctl\2|' | sort)
}

@test "make install DESTDIR=... PREFIX=/usr lays out exactly the expected files" {
	run mk install DESTDIR="$D" PREFIX=/usr
	assert_success
	assert_equal "$(installed_files "$D")" "$(expected_files /usr)"
	assert_equal "$(stat -c %a "$D/usr/sbin/brdctl")" 755
	assert_equal "$(stat -c %a "$D$(gendir /usr)/brdctl-generator")" 755
	cmp "$(dirname "$BRDCTL")/brdctl-generator" "$D$(gendir /usr)/brdctl-generator"
	local f
	for f in share/man/man8/brdctl.8 share/man/man5/brdtab.5 'lib/systemd/system/brdctl-setup@.service' \
		'lib/systemd/system/brdctl-save@.service' \
		share/doc/brdctl/examples/brdtab share/bash-completion/completions/brdctl \
		share/zsh/site-functions/_brdctl; do
		assert_equal "$(stat -c %a "$D/usr/$f")" 644
	done
	cmp "$BRDCTL" "$D/usr/sbin/brdctl"
	run "$D/usr/sbin/brdctl" --version
	assert_success
	run "$D/usr/sbin/bitmapctl" --help
	assert_success
	assert_line --partial "bitmapctl"
	# the unit runs the installed binary
	run grep -E '^Exec' "$D/usr/lib/systemd/system/brdctl-setup@.service"
	assert_output "ExecStart=/usr/sbin/brdctl apply --only %i
ExecStopPost=/usr/sbin/brdctl unapply --only %i"
	run grep -c @SBINDIR@ "$D/usr/lib/systemd/system/brdctl-setup@.service"
	assert_output 0
	run grep -E '^Exec' "$D/usr/lib/systemd/system/brdctl-save@.service"
	assert_output "ExecStart=/usr/sbin/brdctl save %i"
}

@test "the unit follows PREFIX and SBINDIR; uninstall removes every file" {
	run mk install DESTDIR="$D"
	assert_success
	assert_equal "$(installed_files "$D")" "$(expected_files /usr/local)"
	grep -qx 'ExecStart=/usr/local/sbin/brdctl apply --only %i' "$D/usr/local/lib/systemd/system/brdctl-setup@.service"
	run mk uninstall DESTDIR="$D"
	assert_success
	assert_equal "$(installed_files "$D")" ""

	run mk install DESTDIR="$D" PREFIX=/usr SBINDIR=/sbin SYSTEMDUNITDIR=/lib/systemd/system
	assert_success
	grep -qx 'ExecStopPost=/sbin/brdctl unapply --only %i' "$D/lib/systemd/system/brdctl-setup@.service"
	[ -x "$D/sbin/brdctl" ]
	run mk uninstall DESTDIR="$D" PREFIX=/usr SBINDIR=/sbin SYSTEMDUNITDIR=/lib/systemd/system
	assert_success
	assert_equal "$(installed_files "$D")" ""
}

@test "the template unit passes systemd-analyze verify; the generator runs" {
	require_cmd systemd-analyze
	local p=$BATS_TEST_TMPDIR/prefix unit
	# installed for real under a private PREFIX, so ExecStart= exists
	run mk install PREFIX="$p"
	assert_success
	unit=$p/lib/systemd/system/brdctl-setup@.service
	# Documentation= resolves to the installed man pages
	run env MANPATH="$p/share/man" SYSTEMD_UNIT_PATH="$p/lib/systemd/system:" \
		systemd-analyze verify brdctl-setup@scratch.service
	echo "$output"
	assert_success
	[[ $output != *brdctl-setup* ]]	# not even a warning
	grep -qx 'Type=oneshot' "$unit"
	grep -qx 'RemainAfterExit=yes' "$unit"
	grep -qx 'DefaultDependencies=no' "$unit"
	grep -qx 'Conflicts=shutdown.target' "$unit"
	grep -Eq '^After=.*systemd-modules-load\.service' "$unit"
	run grep -c '^\[Install\]' "$unit"	# pulled in by the generator only
	assert_output 0
	# the check is real: a broken copy fails
	mkdir -p "$BATS_TEST_TMPDIR/u"
	sed 's|^ExecStart=.*|ExecStart=brdctl-nonexistent apply|' "$unit" >"$BATS_TEST_TMPDIR/u/brdctl-setup@.service"
	run env SYSTEMD_UNIT_PATH="$BATS_TEST_TMPDIR/u:" systemd-analyze verify --man=no brdctl-setup@x.service
	assert_failure
	# the installed generator is the one systemd would run
	mkdir -p "$BATS_TEST_TMPDIR/g"
	run env SYSTEMD_LOG_TARGET=console "$p/lib/systemd/system-generators/brdctl-generator" "$BATS_TEST_TMPDIR/g"
	assert_success
}

@test "installed completions load without errors in bash and parse in zsh" {
	[ -f /usr/share/bash-completion/bash_completion ] || skip "bash-completion not installed"
	run mk install DESTDIR="$D" PREFIX=/usr
	assert_success
	run --separate-stderr bash -c '
		source /usr/share/bash-completion/bash_completion
		source "$1" && complete -p brdctl bitmapctl' _ \
		"$D/usr/share/bash-completion/completions/brdctl"
	assert_success
	assert_equal "$stderr" ""
	assert_line "complete -F _brdctl brdctl"
	assert_line "complete -F _brdctl bitmapctl"
	# bash-completion's loader finds bitmapctl's through the link
	[ "$(readlink "$D/usr/share/bash-completion/completions/bitmapctl")" = brdctl ]
	if command -v zsh >/dev/null; then
		run zsh -n "$D/usr/share/zsh/site-functions/_brdctl"
		assert_success
	fi
}

@test "installed man pages render without warnings" {
	require_cmd groff
	run mk install DESTDIR="$D" PREFIX=/usr
	assert_success
	local m
	for m in man8/brdctl.8 man5/brdtab.5; do
		run --separate-stderr groff -man -ww -z "$D/usr/share/man/$m"
		assert_success
		assert_equal "$stderr" ""
	done
}

@test "the installed example brdtab is valid, with either set of lines enabled" {
	run mk install DESTDIR="$D" PREFIX=/usr
	assert_success
	local ex=$D/usr/share/doc/brdctl/examples/brdtab
	run_brdctl 0 apply --check "$ex"		# all commented out
	# set 1 (whole disks) and set 2 (pooled), accounts made local
	sed -n '/^# 1\./,/^#$/ s/^#\(ram[0-9]\)/\1/p' "$ex" | sed 's/build:build/root:root/' \
		>"$BATS_TEST_TMPDIR/set1"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/set1")" = 3 ]
	run_brdctl 0 apply --check "$BATS_TEST_TMPDIR/set1"
	sed -n '/^# 2\./,$ s/^#\(cache\|auto\)/\1/p' "$ex" |
		sed -e 's/app:/root:/' -e 's/postgres:postgres/root:root/' >"$BATS_TEST_TMPDIR/set2"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/set2")" = 2 ]
	if command -v mkfs.xfs >/dev/null &&
	   { grep -qw xfs /proc/filesystems || modprobe -n -q fs-xfs 2>/dev/null; }; then
		run_brdctl 0 apply --check "$BATS_TEST_TMPDIR/set2"
	fi
	# both sets together: whole disks and pooled ramdisks do not mix
	cat "$BATS_TEST_TMPDIR/set1" "$BATS_TEST_TMPDIR/set2" >"$BATS_TEST_TMPDIR/both"
	run_brdctl 2 apply --check "$BATS_TEST_TMPDIR/both"
	stderr_has "both:1: ram0: whole-disk ramdisks all have one size (brd), but this line asks for 1G and line 5 for 2G"
}
