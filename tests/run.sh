#!/bin/bash
# tests/run.sh — run every test layer this machine can run and print, as the
# very last line, "N passed, N failed, N skipped".
#
# Layers (LAYERS="unit host asan fuzz vm boot" by default):
#   unit  cmocka tests of lib/ (no root)           build/tests/unit/test-*
#   host  bats tests on the host (root: loop devices, real filesystems)
#   asan  unit + host tests again, built with ASan+UBSan (build-asan/)
#   fuzz  libFuzzer targets, bounded runs over tests/fuzz/corpus/
#   vm    bats suites inside qemu guests booting Debian's 6.1 and 6.12
#         kernels and the newest one in trixie-backports (VM_KERNELS, layers
#         vm-6.1 vm-6.12 vm-newest; tests/vm/), bitmap-write.bats once more on a 6.12 guest
#         booted with bdev_allow_write_mounted=0; VM=0 skips them (skipped),
#         otherwise a guest that cannot be set up is a failure.
#   boot  systemd booted as PID 1 in guests (tests/vm/run-boot.sh) on the
#         BOOT_KERNELS: /etc/brdtab through brdctl-generator, checked at boot
#         and at poweroff (tests/vm/host-boot-*.bats, about 12 boots per kernel,
#         about 1.5 min each under TCG); VM=0 skips them (skipped)
# Every layer emits TAP; the counts come from the TAP lines.  TAP of each
# layer is also kept in build/test-results/<layer>.tap.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
TOP=$PWD
LAYERS=${LAYERS:-unit host asan fuzz vm boot}
BOOT_KERNELS=${BOOT_KERNELS:-6.12 newest}
VM=${VM:-1}
VM_KERNELS=${VM_KERNELS:-6.1 6.12 newest}
# one guest suite takes 5-8 min on 2 cores; a hung guest must not eat the
# whole CI budget (90 min for everything): 20 min each at most
export VM_TIMEOUT=${VM_TIMEOUT:-1200}
FUZZ_RUNS=${FUZZ_RUNS:-20000}
RESULTS=$TOP/build/test-results
mkdir -p "$RESULTS"
passed=0 failed=0 skipped=0
export BATS_LIB_PATH=${BATS_LIB_PATH:-/usr/lib/bats}

# count TAP on stdin (and echo it); a layer whose tests did not all report
# (fewer results than planned, or a non-zero exit with no failure) counts
# one extra failure
count() {  # count LAYER-NAME RC-FILE
	local name=$1 rcfile=$2 line plan=0 seen=0 p=0 f=0 s=0
	while IFS= read -r line; do
		printf '%s\n' "$line"
		case "$line" in
		1..*) plan=$((plan + ${line#1..})) ;;
		"not ok "*) f=$((f + 1)); seen=$((seen + 1)) ;;
		"ok "*" # skip"*|"ok "*" # SKIP"*) s=$((s + 1)); seen=$((seen + 1)) ;;
		"ok "*) p=$((p + 1)); seen=$((seen + 1)) ;;
		esac
	done
	local rc
	rc=$(cat "$rcfile" 2>/dev/null || echo 1)
	if [ "$seen" -lt "$plan" ]; then
		echo "not ok - $name: only $seen of $plan planned tests reported"
		f=$((f + 1))
	elif [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		echo "not ok - $name: exited with status $rc without a failing test"
		f=$((f + 1))
	fi
	echo "# $name: $p passed, $f failed, $s skipped"
	echo "$p $f $s" > "$rcfile.count"
}

run_layer() {  # run_layer NAME COMMAND...
	local name=$1; shift
	local tap=$RESULTS/$name.tap rcf=$RESULTS/$name.rc
	echo "# ---- $name"
	{ "$@"; echo $? > "$rcf"; } 2>&1 | count "$name" "$rcf" | tee "$tap"
	read -r p f s < "$rcf.count"
	passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
}

skip_layer() {  # skip_layer NAME REASON
	echo "# ---- $1"
	echo "ok - $1 # skip $2"
	skipped=$((skipped + 1))
}

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
		bats --formatter tap "${files[@]}" 3>&-
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

vm_tests() {  # vm_tests KERNEL
	tests/vm/run-suite.sh "$1"
}

for layer in $LAYERS; do
	case $layer in
	unit) run_layer unit unit_tests build ;;
	host)
		if [ "$(id -u)" != 0 ]; then
			echo "# host tests that need root will skip themselves"
		fi
		run_layer host host_tests build ;;
	asan)
		if [ -x build-asan/brdctl ]; then
			export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
			export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
			run_layer asan-unit unit_tests build-asan
			run_layer asan-host host_tests build-asan
			unset ASAN_OPTIONS UBSAN_OPTIONS
		else
			skip_layer asan "build-asan/brdctl not built (make check-asan)"
		fi ;;
	fuzz)
		if ls build/tests/fuzz/fuzz-* >/dev/null 2>&1; then
			run_layer fuzz fuzz_tests
		else
			skip_layer fuzz "no fuzz targets built (make fuzz needs clang)"
		fi ;;
	vm)
		for k in $VM_KERNELS; do
			if [ "$VM" = 0 ]; then
				skip_layer "vm-$k" "VM=0 given"
			else
				run_layer "vm-$k" vm_tests "$k"
			fi
		done
		if [ "$VM" != 0 ]; then
			# a kernel that forbids writing to mounted block devices
			# (CONFIG_BLK_DEV_WRITE_MOUNTED=n, here by boot option)
			run_layer vm-6.12-nowritemounted env \
				VM_APPEND=bdev_allow_write_mounted=0 \
				tests/vm/run-suite.sh 6.12 tests/vm/bitmap-write.bats
			run_layer vm-harness bats --formatter tap tests/vm/harness.bats
		fi ;;
	boot)
		for k in $BOOT_KERNELS; do
			if [ "$VM" = 0 ]; then
				skip_layer "boot-$k" "VM=0 given"
			else
				run_layer "boot-$k" env BOOT_KERNEL="$k" \
					bats --formatter tap tests/vm/host-boot-*.bats
			fi
		done ;;
	*) echo "run.sh: unknown layer '$layer'" >&2; exit 2 ;;
	esac
done

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
