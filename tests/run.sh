#!/bin/bash
# tests/run.sh — run every test layer this machine can run, independent jobs
# side by side, and print, as the very last line, "N passed, N failed, N skipped".
#
# Layers (LAYERS="unit host asan fuzz vm boot" by default), each made of jobs:
#   unit  cmocka tests of lib/ (no root)           build/tests/unit/test-*   job unit
#   host  bats tests on the host (root: loop devices, real filesystems)       job host
#   asan  unit + host tests again, built with ASan+UBSan (build-asan/)
#                                                          jobs asan-unit, asan-host
#   fuzz  libFuzzer targets, bounded runs over tests/fuzz/corpus/             job fuzz
#   vm    bats suites inside qemu guests booting Debian's 6.1 and 6.12
#         kernels and the newest one in trixie-backports (VM_KERNELS; one job
#         per kernel: vm-6.1 vm-6.12 vm-newest; tests/vm/run-suite.sh),
#         bitmap-write.bats once more on a 6.12 guest booted with
#         bdev_allow_write_mounted=0 (vm-6.12-nowritemounted), and the
#         harness's own tests (vm-harness, tests/vm/harness.bats); VM=0 skips
#         them (skipped), otherwise a guest that cannot be set up is a failure.
#   boot  systemd booted as PID 1 in guests (tests/vm/run-boot.sh) on the
#         BOOT_KERNELS: /etc/brdtab through brdctl-generator, checked at boot
#         and at poweroff; one job per kernel and file, boot-KERNEL-FILE for
#         tests/vm/host-boot-FILE.bats (1-3 boots each, about 1.5 min a boot
#         under TCG); VM=0 skips them (skipped).  On 6.1 only the files of
#         BOOT_FILES_6_1 (whole pooled persist: 5 boots, 3.2 min measured one
#         after the other on 2 loaded cores; they cover what differs there:
#         no discard, so a stopped line's RAM waits for brd's unload, and
#         restore's clean-up zeroes instead); BOOT_FILES_6_1=all: every file
#
# Scheduling: at most JOBS (default: nproc) jobs run at a time, longest first
# (by the estimate in the job table below, in seconds), in that order.  A
# guest is one TCG vCPU, so a guest job takes one core; vm-harness boots
# three guests at once in one of its tests and takes all cores (at most 2):
# it starts first, when nothing else runs (later, it would keep a core idle
# until every running job ended).  The host jobs run side by side too: host
# and asan-host both run tests/host/*.bats as root, which take loop devices
# with `losetup -f`, keep every file and mount point under the test's own
# BATS_TEST_TMPDIR, point BRDCTL_SYSROOT at private copies, and share only
# `make deb` (build/deb, under flock build/.deb.lock).  VM_SLOT_CMD="CMD ARGS": every guest job runs
# as `CMD ARGS JOB-COMMAND...` (an external limiter of guests; a job's wall
# time includes its wait there).
#
# Output: one line as a job starts and one as it ends (its counts and wall
# time); each job's TAP (stdout) in build/test-results/JOB.tap and its
# stderr in JOB.log (RESULTS_DIR= elsewhere).  At the end: the TAP of every
# failing test (with its diagnostics), a table of each job's counts and wall
# time, the wall time of the run, every failing test as "JOB: not ok ...",
# and last "N passed, N failed, N skipped"; the same in summary.txt.
# The counts come from the TAP lines; a job whose tests did not all report
# (fewer results than planned, or a non-zero exit with no failing test)
# counts one failure more.  Exit status 0 when nothing failed, 1 otherwise,
# 2 for a usage error.
#
# `tests/run.sh --list` prints the jobs in the order they would start, with
# their estimates, and runs nothing.
#
# RUN_PLAN=FILE: source FILE instead of the job table (the tests of this
# script, tests/host/run.bats); it calls
#   job NAME ESTIMATE [guest] [cores=N] -- COMMAND [ARGS...]
#   skipjob NAME REASON
# COMMAND runs in the checkout, with stdin from /dev/null and fd 3 closed.
# Other knobs: VM, VM_KERNELS, BOOT_KERNELS, VM_TIMEOUT (seconds per guest,
# default 1200), FUZZ_RUNS (default 20000), BATS_LIB_PATH.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
TOP=$PWD
LAYERS=${LAYERS:-unit host asan fuzz vm boot}
BOOT_KERNELS=${BOOT_KERNELS:-6.1 6.12 newest}
BOOT_FILES_6_1=${BOOT_FILES_6_1:-whole pooled persist}
VM=${VM:-1}
VM_KERNELS=${VM_KERNELS:-6.1 6.12 newest}
# a guest suite takes 5-8 min of one core; a hung guest must not eat the
# whole CI budget (90 min for everything): 20 min each at most
export VM_TIMEOUT=${VM_TIMEOUT:-1200}
FUZZ_RUNS=${FUZZ_RUNS:-20000}
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 1)}
VM_SLOT_CMD=${VM_SLOT_CMD:-}
RESULTS=${RESULTS_DIR:-$TOP/build/test-results}
export BATS_LIB_PATH=${BATS_LIB_PATH:-/usr/lib/bats}

case $JOBS in
''|*[!0-9]*|0) echo "run.sh: JOBS must be a positive number, not '$JOBS'" >&2; exit 2 ;;
esac
mkdir -p "$RESULTS" && RESULTS=$(cd "$RESULTS" && pwd) || exit 2

# ------------------------------------------------------------ layers ---
unit_tests() {  # unit_tests BUILD-DIR
	local t n=0 rc=0
	for t in "$1"/tests/unit/test-*; do
		[ -x "$t" ] || continue
		n=$((n + 1))
		CMOCKA_MESSAGE_OUTPUT=TAP "$t" || rc=1
	done
	[ $n -gt 0 ] || { echo "1..1"; echo "not ok - no unit tests built in $1"; return 1; }
	return $rc
}

host_tests() {  # host_tests BUILD-DIR
	local files=(tests/host/*.bats)
	[ -e "${files[0]}" ] || { echo "1..0"; return 0; }
	BRDCTL=$TOP/$1/brdctl HELPERS=$TOP/$1/tests/helpers \
		bats --formatter tap "${files[@]}"
}

with_asan() {  # with_asan COMMAND...: COMMAND with the sanitizers' options
	export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
	export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
	"$@"
}

fuzz_tests() {
	local f n=0 rc=0 name
	for f in build/tests/fuzz/fuzz-*; do
		[ -x "$f" ] || continue
		n=$((n + 1))
	done
	echo "1..$n"
	for f in build/tests/fuzz/fuzz-*; do
		[ -x "$f" ] || continue
		name=${f##*/}
		mkdir -p "tests/fuzz/corpus/$name"
		# new inputs go to a scratch corpus; the committed seeds are read only
		local scratch; scratch=$(mktemp -d)
		if "$f" -runs="$FUZZ_RUNS" -seed=1 "$scratch" "tests/fuzz/corpus/$name" \
			> "$RESULTS/$name.log" 2>&1; then
			echo "ok - $name: $FUZZ_RUNS runs, no crash"
		else
			echo "not ok - $name: crashed (see $RESULTS/$name.log)"
			sed 's/^/# /' "$RESULTS/$name.log" | tail -n 40
			rc=1
		fi
		rm -rf "$scratch"
	done
	return $rc
}

# --------------------------------------------------------- job table ---
NAMES=()                # every job and skipped job, in table order
declare -A EST CORES GUEST CMD SKIP
job() {  # job NAME ESTIMATE [guest] [cores=N] -- COMMAND [ARGS...]
	local name=$1 est=$2 a
	shift 2
	[ -z "${EST[$name]+x}" ] || { echo "run.sh: job '$name' twice" >&2; exit 2; }
	EST[$name]=$est CORES[$name]=1 GUEST[$name]=0
	while [ $# -gt 0 ]; do
		a=$1; shift
		case $a in
		guest) GUEST[$name]=1 ;;
		cores=*) CORES[$name]=${a#cores=} ;;
		--) break ;;
		*) echo "run.sh: job $name: unknown attribute '$a'" >&2; exit 2 ;;
		esac
	done
	[ $# -gt 0 ] || { echo "run.sh: job $name: no command" >&2; exit 2; }
	[ "${CORES[$name]}" -le "$JOBS" ] || CORES[$name]=$JOBS
	CMD[$name]=$(printf '%q ' "$@")
	NAMES+=("$name")
}
skipjob() {  # skipjob NAME REASON
	EST[$1]=0 SKIP[$1]=$2
	NAMES+=("$1")
}

# Estimates: seconds on a 2-core machine running make check alone (from a
# run on a loaded machine, halved); only their order matters.
builtin_plan() {
	local layer k f b
	for layer in $LAYERS; do
		case $layer in
		unit) job unit 10 -- unit_tests build ;;
		host)
			if [ "$(id -u)" != 0 ]; then
				echo "# host tests that need root will skip themselves"
			fi
			job host 240 -- host_tests build ;;
		asan)
			if [ -x build-asan/brdctl ]; then
				job asan-unit 30 -- with_asan unit_tests build-asan
				job asan-host 300 -- with_asan host_tests build-asan
			else
				skipjob asan "build-asan/brdctl not built (make check-asan)"
			fi ;;
		fuzz)
			if ls build/tests/fuzz/fuzz-* >/dev/null 2>&1; then
				job fuzz 15 -- fuzz_tests
			else
				skipjob fuzz "no fuzz targets built (make fuzz needs clang)"
			fi ;;
		vm)
			for k in $VM_KERNELS; do
				if [ "$VM" = 0 ]; then
					skipjob "vm-$k" "VM=0 given"
				else
					job "vm-$k" 540 guest -- tests/vm/run-suite.sh "$k"
				fi
			done
			if [ "$VM" != 0 ]; then
				# a kernel that forbids writing to mounted block devices
				# (CONFIG_BLK_DEV_WRITE_MOUNTED=n, here by boot option)
				job vm-6.12-nowritemounted 60 guest -- env \
					VM_APPEND=bdev_allow_write_mounted=0 \
					tests/vm/run-suite.sh 6.12 tests/vm/bitmap-write.bats
				job vm-harness 70 guest cores=2 -- \
					bats --formatter tap tests/vm/harness.bats
			fi ;;
		boot)
			for k in $BOOT_KERNELS; do
				if [ "$VM" = 0 ]; then
					skipjob "boot-$k" "VM=0 given"
					continue
				fi
				for f in tests/vm/host-boot-*.bats; do
					[ -e "$f" ] || continue
					b=${f##*/host-boot-}; b=${b%.bats}
					if [ "$k" = 6.1 ] && [ "$BOOT_FILES_6_1" != all ] &&
					   [[ " $BOOT_FILES_6_1 " != *" $b "* ]]; then
						continue
					fi
					job "boot-$k-$b" "$(boot_estimate "$b")" guest -- \
						env BOOT_KERNEL="$k" bats --formatter tap "$f"
				done
			done ;;
		*) echo "run.sh: unknown layer '$layer'" >&2; exit 2 ;;
		esac
	done
}
boot_estimate() {  # 40-60 s a boot, dpkg in the guest more
	case $1 in
	deb|persist|timer) echo 150 ;;
	*) echo 60 ;;
	esac
}

if [ -n "${RUN_PLAN:-}" ]; then
	# shellcheck source=/dev/null
	. "$RUN_PLAN" || { echo "run.sh: RUN_PLAN $RUN_PLAN failed" >&2; exit 2; }
else
	builtin_plan
fi

# ------------------------------------------------------------- counts ---
fmt_time() {  # fmt_time MICROSECONDS: 3m07s, or 4.2s under a minute
	local s=$(( ($1 + 500000) / 1000000 )) d=$(( ($1 + 50000) / 100000 ))
	if [ "$d" -lt 600 ]; then
		printf '%d.%ds' $((d / 10)) $((d % 10))
	else
		printf '%dm%02ds' $((s / 60)) $((s % 60))
	fi
}
now_us() { echo "${EPOCHREALTIME/[.,]/}"; }

declare -A P F S TIME
passed=0 failed=0 skipped=0
# count JOB: count its TAP; a job whose tests did not all report (fewer
# results than planned, or a non-zero exit with no failure) counts one
# failure more, written to its TAP
count() {
	local name=$1 tap=$RESULTS/$1.tap line plan=0 seen=0 p=0 f=0 s=0 rc tail=0
	while IFS= read -r line; do
		case "$line" in
		1..*) plan=$((plan + ${line#1..})) ;;
		"not ok "*) f=$((f + 1)); seen=$((seen + 1)) ;;
		"ok "*" # skip"*|"ok "*" # SKIP"*) s=$((s + 1)); seen=$((seen + 1)) ;;
		"ok "*) p=$((p + 1)); seen=$((seen + 1)) ;;
		esac
	done < "$tap"
	rc=$(cat "$RESULTS/$name.rc" 2>/dev/null || echo 1)
	if [ "$seen" -lt "$plan" ]; then
		echo "not ok - only $seen of $plan planned tests reported" >> "$tap"
		f=$((f + 1)) tail=1
	elif [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		echo "not ok - exited with status $rc without a failing test" >> "$tap"
		f=$((f + 1)) tail=1
	fi
	# and the end of its stderr, which may say why
	if [ "$tail" = 1 ] && [ -s "$RESULTS/$name.log" ]; then
		echo "# the end of $name.log:" >> "$tap"
		tail -n 10 "$RESULTS/$name.log" | sed 's/^/# /' >> "$tap"
	fi
	P[$name]=$p F[$name]=$f S[$name]=$s
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
}

# ---------------------------------------------------------- scheduler ---
declare -A RUNNING START PIDNAME
set -m                  # each job in a process group of its own
stop_all() {
	local n
	for n in "${!RUNNING[@]}"; do kill -TERM -- "-${RUNNING[$n]}" 2>/dev/null; done
	echo "run.sh: interrupted; stopped: ${!RUNNING[*]}" >&2
	exit 130
}
trap stop_all INT TERM HUP

start_job() {  # start_job NAME
	local name=$1 prefix=
	if [ "${GUEST[$name]}" = 1 ]; then prefix=$VM_SLOT_CMD; fi
	rm -f "$RESULTS/$name.rc"
	(
		trap - INT TERM HUP
		eval "set -- ${CMD[$name]}"
		# shellcheck disable=SC2086  # VM_SLOT_CMD: a command and its arguments
		$prefix "$@" >"$RESULTS/$name.tap" 2>"$RESULTS/$name.log" </dev/null 3>&-
		echo $? >"$RESULTS/$name.rc"
	) &
	RUNNING[$name]=$! START[$name]=$(now_us) PIDNAME[$!]=$name
	echo "# $(date +%H:%M:%S) start $name${prefix:+ (through $prefix)}"
}

finish_job() {  # finish_job NAME
	local name=$1
	TIME[$name]=$(( $(now_us) - START[$name] ))
	unset "RUNNING[$name]"
	count "$name"
	echo "# $(date +%H:%M:%S) done  $name: ${P[$name]} passed, ${F[$name]} failed," \
		"${S[$name]} skipped ($(fmt_time "${TIME[$name]}"))"
}

case ${1:-} in
''|--list) ;;
*) echo "usage: tests/run.sh [--list]" >&2; exit 2 ;;
esac
queue=()
for n in "${NAMES[@]}"; do
	if [ -n "${SKIP[$n]+x}" ] && [ "${1:-}" = --list ]; then
		echo "$n skipped: ${SKIP[$n]}"
	elif [ -n "${SKIP[$n]+x}" ]; then
		printf 'ok - %s # skip %s\n' "$n" "${SKIP[$n]}" > "$RESULTS/$n.tap"
		echo 0 > "$RESULTS/$n.rc"; : > "$RESULTS/$n.log"
		echo "# skip $n: ${SKIP[$n]}"
		TIME[$n]=0
		count "$n"
	else
		queue+=("$n")
	fi
done
# the jobs that take more cores first (later they would wait for every
# running job to end), then the longest first, in table order among equals
if [ ${#queue[@]} -gt 0 ]; then
	mapfile -t queue < <(i=0; for n in "${queue[@]}"; do
		echo "${CORES[$n]} ${EST[$n]} $i $n"; i=$((i + 1)); done |
		sort -k1,1nr -k2,2nr -k3,3n | cut -d' ' -f4)
fi
if [ "${1:-}" = --list ]; then
	for n in "${queue[@]}"; do
		printf '%s %s cores=%s%s -- %s\n' "$n" "${EST[$n]}" "${CORES[$n]}" \
			"$([ "${GUEST[$n]}" = 0 ] || echo ' guest')" "${CMD[$n]% }"
	done
	exit 0
fi
T0=$(now_us)
free=$JOBS
echo "# ${#queue[@]} jobs, at most $JOBS at a time; TAP and logs in $RESULTS"
while [ ${#queue[@]} -gt 0 ] || [ ${#RUNNING[@]} -gt 0 ]; do
	# in order: a job that needs more cores than are free waits, and so do
	# the jobs after it
	while [ ${#queue[@]} -gt 0 ] && [ "${CORES[${queue[0]}]}" -le "$free" ]; do
		start_job "${queue[0]}"
		free=$((free - CORES[${queue[0]}]))
		queue=("${queue[@]:1}")
	done
	pid=
	wait -n -p pid
	if [ $? = 127 ] && [ -z "$pid" ]; then
		# no child left (cannot happen): what still runs did not report
		for n in "${!RUNNING[@]}"; do free=$((free + CORES[$n])); finish_job "$n"; done
		continue
	fi
	if [ -z "$pid" ] || [ -z "${PIDNAME[$pid]:-}" ]; then continue; fi
	n=${PIDNAME[$pid]}
	unset "PIDNAME[$pid]"
	free=$((free + CORES[$n]))
	finish_job "$n"
done
WALL=$(( $(now_us) - T0 ))

# ------------------------------------------------------------ summary ---
summary() {
	local n t total=0 w=5
	for n in "${NAMES[@]}"; do [ "${#n}" -le "$w" ] || w=${#n}; done
	if [ "$failed" != 0 ]; then
		echo "# ---- failing tests (all TAP in $RESULTS/JOB.tap, stderr in JOB.log)"
		for n in "${NAMES[@]}"; do
			[ "${F[$n]}" != 0 ] || continue
			# each "not ok" line with the comment lines that follow it
			awk -v job="$n" '
				/^not ok / || /^Bail out!/ { show = 1; k = 0; print "# " job ": " $0; next }
				show && /^#/ && k < 40 { print "#   " $0; k++; next }
				{ show = 0 }' "$RESULTS/$n.tap"
		done
	fi
	echo "# ---- summary"
	printf "# %-${w}s %7s %7s %7s %9s\n" job passed failed skipped time
	for n in "${NAMES[@]}"; do
		t=-
		[ -n "${SKIP[$n]+x}" ] || t=$(fmt_time "${TIME[$n]}")
		printf "# %-${w}s %7d %7d %7d %9s\n" "$n" "${P[$n]}" "${F[$n]}" "${S[$n]}" "$t"
		total=$((total + TIME[$n]))
	done
	echo "# wall time $(fmt_time "$WALL"), JOBS=$JOBS ($(fmt_time "$total") of job time)"
	for n in "${NAMES[@]}"; do
		[ "${F[$n]}" != 0 ] || continue
		grep -E '^(not ok |Bail out!)' "$RESULTS/$n.tap" | sed "s/^/$n: /"
	done
	echo "$passed passed, $failed failed, $skipped skipped"
}
summary | tee "$RESULTS/summary.txt"
[ "$failed" = 0 ]
