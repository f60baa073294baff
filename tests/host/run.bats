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
