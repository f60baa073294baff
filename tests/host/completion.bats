#!/usr/bin/env bats
# Shell completions offer exactly the options each command's --help lists.

load ../test_helper

# long options a command's --help shows, sorted
help_options() {
	"$BRDCTL" "$@" --help | grep -oE '^ +(-[A-Za-z], )?--[a-z][a-z-]*' |
		grep -oE -- '--[a-z][a-z-]*' | sort -u
}

# what bash completes for "brdctl WORDS... --"
bash_completes() {
	bash -c '
		source /usr/share/bash-completion/bash_completion
		source "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
		_brdctl
		printf "%s\n" "${COMPREPLY[@]}"' _ "$TOP/completions/brdctl.bash" "$@" | sort
}

commands_of() {  # commands listed by --help
	"$BRDCTL" "$@" --help | awk '/^Commands:/{f=1;next} /^$/{f=0} f{print $1}'
}

@test "bash completion loads without errors and completes the command names" {
	[ -f /usr/share/bash-completion/bash_completion ] || skip "bash-completion not installed"
	run bash -c 'source /usr/share/bash-completion/bash_completion && source "$1" && complete -p brdctl bitmapctl' _ "$TOP/completions/brdctl.bash"
	assert_success
	assert_line "complete -F _brdctl brdctl"
	# and help (brdctl help [COMMAND]), which --help names in its last line
	assert_equal "$(bash_completes brdctl '')" "$( (commands_of; echo help) | sort)"
	assert_equal "$(bash_completes brdctl bitmap '')" "$( (commands_of bitmap; echo help) | sort)"
	assert_equal "$(bash_completes bitmapctl '')" "$( (commands_of bitmap; echo help) | sort)"
}

@test "bash completion offers exactly the options of every command's --help" {
	[ -f /usr/share/bash-completion/bash_completion ] || skip "bash-completion not installed"
	local c s
	for c in $(commands_of); do
		[ "$c" = bitmap ] && continue
		assert_equal "$(bash_completes brdctl "$c" --)" "$(help_options "$c")"
	done
	for s in $(commands_of bitmap); do
		assert_equal "$(bash_completes brdctl bitmap "$s" --)" "$(help_options bitmap "$s")"
		assert_equal "$(bash_completes bitmapctl "$s" --)" "$(help_options bitmap "$s")"
	done
	assert_equal "$(bash_completes brdctl --)" "$(help_options)"
}

@test "bash completion of --output offers the list columns" {
	[ -f /usr/share/bash-completion/bash_completion ] || skip "bash-completion not installed"
	local PATH=$(dirname "$BRDCTL"):$PATH
	assert_equal "$(bash_completes brdctl list --output '')" \
		"$("$BRDCTL" list --list-columns | awk '{print $1}' | sort)"
	assert_equal "$(bash_completes brdctl list -o NAME,SI)" "NAME,SIZE"
}

# long options the zsh completion offers for command CMD of function FUNC:
# the `CMD)` block of its case, with the shared arrays expanded
zsh_opts() {  # zsh_opts FUNC CMD
	awk -v fn="$1" -v cmd="$2" '
		$0 ~ "^" fn "\\(\\) \\{" { infn = 1; next }
		infn && /^}/ { infn = 0 }
		infn && !inblk && match($0, /^    [a-z|-]+\)/) {
			n = split(substr($0, 5, RLENGTH - 5), names, "|")
			for (i = 1; i <= n; i++) if (names[i] == cmd) inblk = 1
		}
		inblk { print; if ($0 ~ /;;/) inblk = 0 }
	' "$TOP/completions/_brdctl" |
	sed -e 's/\$_brdctl_global/--help --version --verbose/g' \
	    -e 's/\$_brdctl_help_verbose/--help --verbose/g' \
	    -e 's/\$_brdctl_json/--json/g' -e 's/\$_brdctl_dry/--dry-run/g' \
	    -e 's/\$table/--output --output-all --list-columns --raw --pairs --shell --noheadings --bytes/g' |
	sed 's/\[[^]]*\]//g' | grep -oE -- '--[a-z][a-z-]*' | sort -u
}

@test "zsh completion parses and offers exactly the options of every command's --help" {
	require_cmd zsh
	run zsh -n "$TOP/completions/_brdctl"
	assert_success
	local c s
	for c in $(commands_of); do
		grep -q "'$c:" "$TOP/completions/_brdctl" || fail "zsh: command $c missing"
		[ "$c" = bitmap ] && continue
		assert_equal "$(zsh_opts _brdctl "$c")" "$(help_options "$c")"
	done
	for s in $(commands_of bitmap); do
		grep -q "'$s:" "$TOP/completions/_brdctl" || fail "zsh: bitmap command $s missing"
		assert_equal "$(zsh_opts _brdctl_bitmap "$s")" "$(help_options bitmap "$s")"
	done
}

@test "bash completion of save and restore: a ramdisk, then a file (save); a file, then a ramdisk (restore)" {
	[ -f /usr/share/bash-completion/bash_completion ] || skip "bash-completion not installed"
	cd "$BATS_TEST_TMPDIR"
	touch cache.img
	# no brd on the host: the ramdisk places offer nothing, the file places the file
	assert_equal "$(bash_completes brdctl save ca)" ""
	assert_equal "$(bash_completes brdctl save ram0 ca)" "cache.img"
	assert_equal "$(bash_completes brdctl restore ca)" "cache.img"
	assert_equal "$(bash_completes brdctl restore cache.img ca)" ""
	assert_equal "$(bash_completes brdctl --verbose save --force ram0 ca)" "cache.img"
}

@test "bash completion offers each option once (bitmap create --: its own --version, not twice)" {
	[ -f /usr/share/bash-completion/bash_completion ] || skip "bash-completion not installed"
	local c s
	assert_equal "$(bash_completes brdctl bitmap create -- | uniq -d)" ""
	assert_equal "$(bash_completes brdctl bitmap create --vers)" "--version"
	for c in $(commands_of); do
		[ "$c" = bitmap ] && continue
		assert_equal "$(bash_completes brdctl "$c" -- | uniq -d)" ""
	done
	for s in $(commands_of bitmap); do
		assert_equal "$(bash_completes bitmapctl "$s" -- | uniq -d)" ""
	done
}

@test "bash completion of -o LIST, offers the columns not yet listed, after what was typed" {
	[ -f /usr/share/bash-completion/bash_completion ] || skip "bash-completion not installed"
	local all
	all=$("$BRDCTL" list --list-columns | awk '{print $1}' | sort)
	assert_equal "$(bash_completes "$BRDCTL" list -o NAME,)" \
		"$(grep -vx NAME <<<"$all" | sed 's/^/NAME,/')"
	[[ $(bash_completes "$BRDCTL" list -o NAME,) != *NAME,NAME* ]]
	assert_equal "$(bash_completes "$BRDCTL" list -o +name,SIZE,)" \
		"$(grep -vxE 'NAME|SIZE' <<<"$all" | sed 's/^/+name,SIZE,/')"
	assert_equal "$(bash_completes "$BRDCTL" list --output +FSTYPE,S)" "+FSTYPE,SAVED
+FSTYPE,SIZE"
}

# a brdctl that is not on PATH, answering as brdctl does with one pool
stub_brdctl() {
	mkdir -p "$BATS_TEST_TMPDIR/bin"
	cat >"$BATS_TEST_TMPDIR/bin/brdctl" <<'STUB'
#!/bin/sh
case "$*" in
*--list-columns*) printf '%s\n' "   NAME  ramdisk name" "   SIZE  size" ;;
*"-o NAME,TYPE"*) printf '%s\n' "ram0 pool" "scratch pooled" ;;
esac
STUB
	chmod +x "$BATS_TEST_TMPDIR/bin/brdctl"
	ln -sf brdctl "$BATS_TEST_TMPDIR/bin/bitmapctl"
}

@test "bash completion asks the brdctl being completed (build/brdctl, ~/bin/brdctl), not the one on PATH" {
	[ -f /usr/share/bash-completion/bash_completion ] || skip "bash-completion not installed"
	stub_brdctl
	local PATH=/usr/bin:/bin
	! command -v brdctl
	cd "$BATS_TEST_TMPDIR"
	assert_equal "$(bash_completes bin/brdctl list -o S)" "SIZE"
	assert_equal "$(bash_completes bin/brdctl stat sc)" "scratch"
	assert_equal "$(bash_completes bin/brdctl save --force scr)" "scratch"
	assert_equal "$(HOME=$BATS_TEST_TMPDIR bash_completes '~/bin/brdctl' list -o NAME,)" "NAME,SIZE"
}

@test "zsh completion: --output completes the columns of the brdctl being completed" {
	require_cmd zsh
	stub_brdctl
	cd "$BATS_TEST_TMPDIR"
	# _values and compset stubbed: what the column function offers
	run zsh -c '
		compset() { :; }; _values() { shift 3; print -rl -- "$@"; }
		_arguments() { :; }; _describe() { :; }
		source <(sed "\$d" "$1")
		words=(bin/brdctl list -o ""); CURRENT=4; service=brdctl
		_brdctl; print "prog=$_brdctl_prog"; _brdctl_columns' _ "$TOP/completions/_brdctl"
	assert_success
	assert_output "prog=bin/brdctl
NAME
SIZE"
}

@test "bash completion of help: the commands, then the bitmap commands after help bitmap" {
	[ -f /usr/share/bash-completion/bash_completion ] || skip "bash-completion not installed"
	assert_equal "$(bash_completes brdctl help '')" "$(commands_of | sort)"
	assert_equal "$(bash_completes brdctl help bitmap '')" "$(commands_of bitmap | sort)"
	assert_equal "$(bash_completes brdctl help list '')" ""
	assert_equal "$(bash_completes brdctl bitmap help '')" "$(commands_of bitmap | sort)"
	assert_equal "$(bash_completes bitmapctl help ex)" "examine"
	assert_equal "$(bash_completes bitmapctl help examine '')" ""
}
