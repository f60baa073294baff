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

# ------------------------------------------------------ tests/run.sh ---
# run_plan [VAR=VALUE...]: tests/run.sh with the job table $T/plan, results
# in $T/res, nothing from the caller's environment that steers it (LAYERS
# names no layer: a run.sh without RUN_PLAN stops at once, runs no real one)
run_plan() {
	run --separate-stderr env -u VM_SLOT_CMD -u JOBS -u VM LAYERS=none \
		RUN_PLAN="$T/plan" RESULTS_DIR="$T/res" "$@" "$TOP/tests/run.sh" 3>&-
	echo "$output"
	echo "[stderr] $stderr"
}

# a fake job: $T/job NAME SECONDS: records which jobs run as it starts and
# before it ends (in $T/seen, one line each: the names), its start in
# $T/order; prints TAP of one passing test
fake_job() {
	mkdir -p "$T/running"
	cat >"$T/job" <<EOF
#!/bin/bash
touch "$T/running/\$1"
echo "\$1" >>"$T/order"
echo \$(ls "$T/running") >>"$T/seen"
sleep "\$2"
echo \$(ls "$T/running") >>"$T/seen"
rm "$T/running/\$1"
echo 1..1
echo "ok 1 \$1 slept \$2"
EOF
	chmod +x "$T/job"
}

@test "run.sh: counts summed over jobs, each job's counts and time, failing tests named by job, the last line" {
	cat >"$T/plan" <<'EOF'
job alpha 10 -- bash -c 'echo 1..3; echo "ok 1 a"; echo "ok 2 b # skip no frob"; echo "ok 3 c"'
job beta 20 -- bash -c 'echo 1..2; echo "ok 1 x"; echo "not ok 2 y breaks"; echo "# because z"; exit 1'
job gamma 5 guest -- bash -c 'echo "# kernel: 9.9"; echo 1..1; echo "ok 1 g # SKIP no guest"'
skipjob delta "not here"
EOF
	run_plan JOBS=2
	[ "$status" = 1 ] || fail "exit status $status, expected 1"
	assert_equal "${lines[-1]}" "3 passed, 1 failed, 3 skipped"
	assert_equal "${lines[-2]}" "beta: not ok 2 y breaks"
	# the failing test with its diagnostics
	assert_line "# beta: not ok 2 y breaks"
	assert_line "#   # because z"
	# each job: its counts and wall time
	assert_line --regexp '^# alpha +2 +0 +1 +[0-9]+\.[0-9]s$'
	assert_line --regexp '^# beta +1 +1 +0 +[0-9]+\.[0-9]s$'
	assert_line --regexp '^# gamma +0 +0 +1 +[0-9]+\.[0-9]s$'
	assert_line --regexp '^# delta +0 +0 +1 +-$'
	assert_line --regexp '^# wall time [0-9]+\.[0-9]s, JOBS=2 '
	assert_line --regexp '^# [0-9:]{8} done  beta: 1 passed, 1 failed, 0 skipped \([0-9.]+s\)$'
	# TAP and stderr of each job apart; the summary kept
	run -0 cat "$T/res/alpha.tap"
	assert_line "ok 2 b # skip no frob"
	refute_line --partial "y breaks"
	[ -f "$T/res/beta.log" ]
	run -0 tail -n 1 "$T/res/summary.txt"
	assert_output "3 passed, 1 failed, 3 skipped"
	# all passing: exit 0
	sed -i '/^job beta/d' "$T/plan"
	run_plan JOBS=2
	[ "$status" = 0 ] || fail "exit status $status"
	assert_equal "${lines[-1]}" "2 passed, 0 failed, 3 skipped"
}

@test "run.sh: a job reporting fewer tests than planned, or failing without a failing test, counts one failure" {
	cat >"$T/plan" <<'EOF'
job short 1 -- bash -c 'echo 1..3; echo "ok 1 only one"'
job status 1 -- bash -c 'echo 1..1; echo "ok 1 fine"; echo "no kernel here" >&2; exit 125'
job bail 1 -- bash -c 'echo 1..2; echo "Bail out! the guest died"; exit 125'
job ok 1 -- bash -c 'echo 1..1; echo "ok 1 fine"'
EOF
	run_plan JOBS=1
	[ "$status" = 1 ] || fail "exit status $status, expected 1"
	assert_equal "${lines[-1]}" "3 passed, 3 failed, 0 skipped"
	assert_line "short: not ok - only 1 of 3 planned tests reported"
	assert_line "status: not ok - exited with status 125 without a failing test"
	assert_line "bail: Bail out! the guest died"
	assert_line "bail: not ok - only 0 of 2 planned tests reported"
	# the end of the job's stderr is shown with it
	assert_line "#   # no kernel here"
	refute_line --partial "ok: not ok"
}

@test "run.sh: never more than JOBS jobs at once, longest first, a cores=2 job first and alone" {
	fake_job
	cat >"$T/plan" <<EOF
job j1 10 -- $T/job j1 1
job j2 40 -- $T/job j2 1
job j3 30 -- $T/job j3 1
job j4 20 -- $T/job j4 1
job j5 5 -- $T/job j5 1
EOF
	run_plan JOBS=1
	[ "$status" = 0 ] || fail "exit status $status"
	assert_equal "${lines[-1]}" "5 passed, 0 failed, 0 skipped"
	run -0 cat "$T/order"
	assert_output "j2
j3
j4
j1
j5"
	run -1 grep ' ' "$T/seen"		# one name a line: one at a time
	# two at a time: some jobs ran side by side, never three
	rm -f "$T/order" "$T/seen"
	run_plan JOBS=2
	[ "$status" = 0 ] || fail "exit status $status"
	assert_line --regexp '^# wall time .*, JOBS=2 '
	run -0 grep -c . "$T/order"
	assert_output 5
	run -0 grep ' ' "$T/seen"
	run -1 grep -E '[^ ]+ [^ ]+ [^ ]+' "$T/seen"
	# a job that takes every core runs alone
	rm -f "$T/order" "$T/seen"
	cat >"$T/plan" <<EOF
job a 10 -- $T/job a 1
job big 2 cores=2 -- $T/job big 1
job b 9 -- $T/job b 1
job c 1 -- $T/job c 1
EOF
	run_plan JOBS=2
	[ "$status" = 0 ] || fail "exit status $status"
	run -0 head -n 1 "$T/order"
	assert_output big			# the most cores first
	run -1 grep -E 'big .|. big' "$T/seen"
	run -0 grep ' ' "$T/seen"		# a, b, c still side by side
}

@test "run.sh: VM_SLOT_CMD prefixes guest jobs only; a bad JOBS is a usage error" {
	printf '#!/bin/sh\necho "slot: $*" >>"%s/slots"\nshift 2\nexec "$@"\n' "$T" >"$T/slot"
	chmod +x "$T/slot"
	cat >"$T/plan" <<'EOF'
job host1 1 -- bash -c 'echo 1..1; echo "ok 1 h"'
job guest1 1 guest -- bash -c 'echo 1..1; echo "ok 1 g"'
EOF
	run_plan JOBS=2 VM_SLOT_CMD="$T/slot --tag x"
	[ "$status" = 0 ] || fail "exit status $status"
	assert_equal "${lines[-1]}" "2 passed, 0 failed, 0 skipped"
	run -0 cat "$T/slots"
	assert_output "slot: --tag x bash -c echo 1..1; echo \"ok 1 g\""
	local j
	for j in 0 -1 x 2x; do
		run_plan JOBS="$j"
		[ "$status" = 2 ] || fail "JOBS='$j': exit status $status, expected 2"
		[[ $stderr == *"JOBS must be a positive number"* ]] || fail "stderr: $stderr"
	done
}
