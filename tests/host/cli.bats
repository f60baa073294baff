#!/usr/bin/env bats
# The command framework: help, version, dispatch, usage errors, exit codes.

load ../test_helper

@test "brdctl --help lists every command and the global options, exit 0" {
	run_brdctl 0 --help
	assert_line --index 0 "Usage:"
	assert_line " brdctl [options] <command> [<args>]"
	assert_line --regexp '^ bitmap +Examine'
	assert_line --regexp '^ -h, --help +display this help$'
	assert_line --regexp '^ -V, --version +display the version$'
	assert_line --regexp '^ -J, --json '
	assert_line --regexp '^     --dry-run '
	[ -z "$stderr" ]
}

@test "brdctl -h is --help" {
	run_brdctl 0 --help
	local long=$output
	run_brdctl 0 -h
	assert_equal "$output" "$long"
}

@test "brdctl --version and -V print the version, exit 0" {
	run_brdctl 0 --version
	assert_output --regexp '^brdctl [0-9]+\.[0-9]+\.[0-9]+$'
	run_brdctl 0 -V
	assert_output --regexp '^brdctl [0-9]+\.[0-9]+\.[0-9]+$'
}

@test "brdctl nosuchcmd: exit 2, names the command, points to --help" {
	run_brdctl 2 nosuchcmd
	assert_equal "$output" ""
	assert_equal "$stderr" "brdctl: 'nosuchcmd' is not a brdctl command
Try 'brdctl --help' for more information."
}

@test "command names match exactly, never by prefix" {
	run_brdctl 2 bit
	stderr_has "'bit' is not a brdctl command"
	run_brdctl 2 BITMAP
	stderr_has "'BITMAP' is not a brdctl command"
}

@test "an unknown global option is a usage error (exit 2)" {
	run_brdctl 2 --bogus
	assert_equal "$stderr" "brdctl: --bogus: unknown option
Try 'brdctl --help' for more information."
}

@test "bitmapctl --help is brdctl bitmap --help under its own name" {
	run --separate-stderr "$BITMAPCTL" --help
	assert_success
	assert_line " bitmapctl [options] <command> [<args>]"
	local as_bitmapctl=$output
	run_brdctl 0 bitmap --help
	assert_line " brdctl bitmap [options] <command> [<args>]"
	# same commands listed
	assert_equal "$(grep '^ [a-z]' <<<"$output" | grep -v '^ brdctl')" \
		"$(grep '^ [a-z]' <<<"$as_bitmapctl" | grep -v '^ bitmapctl')"
}

@test "bitmapctl with an unknown command: exit 2 with its own prefix" {
	run --separate-stderr "$BITMAPCTL" nosuch
	assert_equal "$status" 2
	assert_equal "$stderr" "bitmapctl: 'nosuch' is not a bitmapctl command
Try 'bitmapctl --help' for more information."
}

@test "a group without a command is a usage error" {
	run_brdctl 2 bitmap
	assert_equal "$stderr" "brdctl: no command given
Try 'brdctl bitmap --help' for more information."
}

@test "every subcommand has --help that exits 0 and shows its synopsis" {
	local sub
	run_brdctl 0 bitmap --help
	for sub in $(awk '/^Commands:/{f=1;next} /^$/{f=0} f{print $1}' <<<"$output"); do
		run_brdctl 0 bitmap "$sub" --help
		assert_line --index 1 --regexp "^ brdctl bitmap $sub( |$)"
	done
	run_brdctl 0 --help
	for sub in $(awk '/^Commands:/{f=1;next} /^$/{f=0} f{print $1}' <<<"$output"); do
		[ "$sub" = bitmap ] && continue
		run_brdctl 0 "$sub" --help
		assert_line --index 1 --regexp "^ brdctl $sub( |$)"
	done
}

@test "a write error on stdout makes the exit status non-zero" {
	[ -w /dev/full ] || skip "no /dev/full"
	run bash -c '"$BRDCTL" --help > /dev/full'
	assert_equal "$status" 1
	assert_output --partial "write error"
}

@test "BRDCTL_SYSROOT that does not exist is refused with exit 3" {
	BRDCTL_SYSROOT=/nonexistent/root run_brdctl 3 --version
	assert_equal "$stderr" "brdctl: /nonexistent/root: BRDCTL_SYSROOT: No such file or directory"
}

# every help text: brdctl, each command, the bitmap group and its commands
all_helps() {
	local c s
	echo ""
	for c in $("$BRDCTL" --help | awk '/^Commands:/{f=1;next} /^$/{f=0} f{print $1}'); do
		echo "$c"
	done
	for s in $("$BRDCTL" bitmap --help | awk '/^Commands:/{f=1;next} /^$/{f=0} f{print $1}'); do
		echo "bitmap $s"
	done
}

@test "every --help ends with a blank line and 'See brdctl(8).', as util-linux's do" {
	local c n=0
	while read -r c; do
		# shellcheck disable=SC2086  # "bitmap create" is two words
		run_brdctl 0 $c --help
		assert_equal "${lines[-1]}" "See brdctl(8)."
		# bats drops empty lines from ${lines[@]}: look at the raw text
		[[ $output == *$'\n\nSee brdctl(8).' ]] || fail "'brdctl $c --help': no blank line before 'See brdctl(8).'"
		[ "$(grep -c 'See brdctl(8)' <<<"$output")" = 1 ] || fail "'brdctl $c --help': the pointer is glued to a line"
		n=$((n + 1))
	done < <(all_helps)
	[ "$n" -ge 18 ]
	run --separate-stderr "$BITMAPCTL" create --help
	[[ $output == *$'\n\nSee brdctl(8).' ]]
}

# The one meaning of each short option (brdctl(8), COMMANDS): every --help
# may use a letter only for its long option here; --force has none.
SHORT_OPTIONS="-a --all
-b --bytes
-c --count
-d --dirty
-e --events
-f --find
-H --list-columns
-h --help
-i --from
-J --json
-n --noheadings
-O --output-all
-o --output
-P --pairs
-p --partitions
-r --raw
-s --size
-u --uuid
-V --version
-v --verbose
-w --write-behind
-y --shell"

@test "a short option means one thing in every command: the table of brdctl(8)" {
	local c pairs="" p n=0
	declare -A want seen
	while read -r s l; do want[$s]=$l; done <<<"$SHORT_OPTIONS"
	while read -r c; do
		# shellcheck disable=SC2086
		run_brdctl 0 $c --help
		while read -r p; do
			[ -n "$p" ] || continue
			s=${p%% *} l=${p#* }
			[ -n "${want[$s]:-}" ] || fail "'brdctl $c --help': $s ($l) is in no table"
			[ "${want[$s]}" = "$l" ] || fail "'brdctl $c --help': $s is $l, elsewhere ${want[$s]}"
			seen[$s]=1
			n=$((n + 1))
		done < <(grep -oE '^ -[A-Za-z], --[a-z][a-z-]*' <<<"$output" | sed 's/^ //; s/,//')
		# --force has no short form anywhere
		if grep -qE '^ -[A-Za-z], --force' <<<"$output"; then
			fail "'brdctl $c --help': --force has a short form"
		fi
	done < <(all_helps)
	[ "$n" -gt 40 ]
	# every letter of the table is used somewhere: the table is not stale
	for s in "${!want[@]}"; do
		[ -n "${seen[$s]:-}" ] || fail "$s (${want[$s]}) is used by no command"
	done
	# and brdctl(8) states the same table
	for s in "${!want[@]}"; do
		case $s in -h|-V|-J|-v) continue ;; esac
		grep -qF -- "$(sed 's/-/\\-/g' <<<"$s") \" $(sed 's/-/\\-/g' <<<"${want[$s]}")" "$TOP/man/brdctl.8" ||
			fail "brdctl(8) does not give $s ${want[$s]} in its table"
	done
}

@test "the short forms that moved are refused, the long ones work (bitmap create)" {
	cd "$BATS_TEST_TMPDIR"
	run --separate-stderr "$BITMAPCTL" create -s 1M bm
	assert_equal "$status" 2
	run --separate-stderr "$BITMAPCTL" create --sync-size 1M --chunk 64K --delay 5 bm
	assert_success
	run --separate-stderr "$BITMAPCTL" create --sync-size 1M -f bm
	assert_equal "$status" 2
	run --separate-stderr "$BITMAPCTL" create --sync-size 1M --force bm
	assert_success
	run_brdctl 2 bitmap examine -b bm
	run_brdctl 0 bitmap examine --brief bm
}

@test "brdctl help [COMMAND]: the help of brdctl or of the command, exit 0; an unknown command is a usage error" {
	run_brdctl 0 --help
	local main=$output
	run_brdctl 0 help
	assert_equal "$output" "$main"
	assert_line "Run 'brdctl help <command>' or 'brdctl <command> --help' for more information on a command."
	local c
	while read -r c; do
		[ -n "$c" ] || continue
		# shellcheck disable=SC2086
		run_brdctl 0 $c --help
		local want=$output
		# shellcheck disable=SC2086
		run_brdctl 0 help $c
		assert_equal "$output" "$want"
	done < <(all_helps)
	run_brdctl 0 bitmap help set
	assert_line " brdctl bitmap set [options] (--chunk N[-M]... | --sector S[-E]... | --all) <file>"
	run --separate-stderr "$BITMAPCTL" help examine
	assert_success
	assert_line --index 1 " bitmapctl examine [options] <file|device>..."
	run_brdctl 2 help nosuch
	assert_equal "$stderr" "brdctl: 'nosuch' is not a brdctl command
Try 'brdctl --help' for more information."
	run_brdctl 2 help bitmap nosuch
	stderr_has "'nosuch' is not a brdctl bitmap command"
	run_brdctl 2 help list extra
}
