#!/usr/bin/env bats
# The tools that run tests and guests, on the host and without booting one:
# make vm-run (a fake harness through RUN_IN_VM), tests/vm/run-suite.sh's
# check of the test build.  Where the real harness could be reached (on a
# tree where the feature is missing), VMLAB is a plain file and qemu a fake
# that only logs, so that no guest boots.

load ../test_helper

setup() {
	T=$BATS_TEST_TMPDIR
	mkdir -p "$T/bin"
	# a qemu that never boots anything: it logs its call and fails
	printf '#!/bin/sh\necho "$0 $*" >>"%s/qemu.log"\nexit 1\n' "$T" >"$T/bin/qemu-system-x86_64"
	chmod +x "$T/bin/qemu-system-x86_64"
	: >"$T/vmlab"
	export VMLAB=$T/vmlab PATH=$T/bin:$PATH
}

# a fake run-in-vm.sh: one "[ARG]" line per argument, in $T/args
fake_vm() {
	cat >"$T/fake-vm" <<EOF
#!/bin/bash
for a; do printf '[%s]\n' "\$a"; done >"$T/args"
EOF
	chmod +x "$T/fake-vm"
}

@test "make vm-run passes CMD to the guest's bash untouched: \$?, \$HOME, \$\$, \$(...), quotes, #" {
	fake_vm
	local cmd='echo "$HOME" $? $$ ${USER:-x} $(id -u) `true` \ # a'"'b'"' $(KERNEL)'
	run -0 make -s --no-print-directory -C "$TOP" -o all RUN_IN_VM="$T/fake-vm" CMD="$cmd" vm-run
	[ -f "$T/args" ] || fail "the harness was not run"
	run -0 cat "$T/args"
	assert_output "[6.12]
[--]
[bash]
[-c]
[$cmd]"
	[ ! -e "$T/qemu.log" ]
	# KERNEL= picks the kernel, CMD stays as it is
	run -0 make -s --no-print-directory -C "$TOP" -o all RUN_IN_VM="$T/fake-vm" KERNEL=newest CMD='exit $?' vm-run
	run -0 cat "$T/args"
	assert_output "[newest]
[--]
[bash]
[-c]
[exit \$?]"
}

@test "make vm-run without CMD is a usage error (exit 2) and runs no guest" {
	fake_vm
	run -2 --separate-stderr make -s --no-print-directory -C "$TOP" -o all RUN_IN_VM="$T/fake-vm" vm-run
	[[ $stderr == *"usage: make vm-run [KERNEL=6.12] CMD='build/brdctl list'"* ]] || fail "stderr: $stderr"
	[ ! -e "$T/args" ]
}

# a test build in $T/b: brdctl, and the helpers and preloads named in $@
# (names as built: image, mkbitmap, pause-at.so ...)
fake_build() {
	mkdir -p "$T/b/tests/helpers" "$T/b/tests/preload"
	cp "$BRDCTL" "$T/b/brdctl"
	local f
	for f in "$@"; do
		case $f in
		*.so) : >"$T/b/tests/preload/$f" ;;
		*) printf '#!/bin/sh\n' >"$T/b/tests/helpers/$f"; chmod +x "$T/b/tests/helpers/$f" ;;
		esac
	done
}

# the names of every helper and preload the tree builds
built_names() {
	local f
	for f in "$TOP"/tests/helpers/*.c; do f=${f##*/}; echo "${f%.c}"; done
	for f in "$TOP"/tests/preload/*.c; do f=${f##*/}; echo "${f%.c}.so"; done
}

@test "run-suite.sh without the test helpers: 'run make tests first', exit 2, no guest" {
	local names first
	mapfile -t names < <(built_names)
	[ ${#names[@]} -ge 2 ] || fail "no helpers found in $TOP/tests"
	# a plain make: brdctl only
	fake_build
	first=${names[0]}
	BRDCTL=$T/b/brdctl run -2 --separate-stderr "$TOP/tests/vm/run-suite.sh" 6.12 "$TOP/tests/vm/smoke.bats"
	assert_output ''
	assert_equal "$stderr" "run-suite: $T/b/tests/helpers/$first is not built: run make tests first"
	# every helper but the last preload
	rm -rf "$T/b"
	fake_build "${names[@]:0:${#names[@]}-1}"
	BRDCTL=$T/b/brdctl run -2 --separate-stderr "$TOP/tests/vm/run-suite.sh" 6.12
	assert_equal "$stderr" "run-suite: $T/b/tests/preload/${names[-1]} is not built: run make tests first"
	# a helper that is not executable
	chmod -x "$T/b/tests/helpers/$first"
	BRDCTL=$T/b/brdctl run -2 --separate-stderr "$TOP/tests/vm/run-suite.sh" 6.12
	[[ $stderr == "run-suite: $T/b/tests/helpers/$first is not built: run make tests first" ]] || fail "stderr: $stderr"
	[ ! -e "$T/qemu.log" ] || fail "qemu ran: $(cat "$T/qemu.log")"
}

@test "run-suite.sh with the whole test build goes on to the harness" {
	local names
	mapfile -t names < <(built_names)
	fake_build "${names[@]}"
	# the harness stops at once: VMLAB is a plain file (exit 125, no guest)
	BRDCTL=$T/b/brdctl run -125 --separate-stderr "$TOP/tests/vm/run-suite.sh" 6.12 "$TOP/tests/vm/smoke.bats"
	assert_output --partial "Bail out! the 6.12 guest failed to boot"
	[[ $stderr != *"make tests first"* ]] || fail "stderr: $stderr"
	[ ! -e "$T/qemu.log" ] || fail "qemu ran: $(cat "$T/qemu.log")"
}
