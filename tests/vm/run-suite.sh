#!/bin/bash
# run-suite.sh KERNEL [BATS_FILES...]
#
# Boot ONE guest with KERNEL (6.1, 6.12, newest or a full version, see run-in-vm.sh)
# and run `bats --formatter tap` over the guest-side .bats files in it,
# streaming TAP to stdout unchanged.  The first line is the TAP comment
# `# kernel: <uname -r of the guest>`.  Default files: every tests/vm/*.bats
# except harness.bats and host-*.bats (those run on the host).
#
# The suites need the test build: BRDCTL (default build/brdctl of this
# checkout) and, beside it, tests/helpers/* and tests/preload/*.so (`make
# tests`); when one is missing, run-suite says so and stops before booting.
#
# Exit status: bats's (0 all passed or skipped, 1 a test failed); 124/125 when
# the guest timed out / did not boot, after a `Bail out!` TAP line; 2 for a
# usage error or a missing test build.
# Environment: as for run-in-vm.sh (VM_TIMEOUT, VM_MEM, BRDCTL, ...).
# Tests that start background processes must close fd 3 for them
# (`cmd 3>&- &`), or bats waits for them forever.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if [ $# -lt 1 ] || [ "$1" = -h ] || [ "$1" = --help ]; then
  sed -n '2,/^set -uo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//' >&2
  exit 2
fi
KERNEL=$1; shift
command -v bats >/dev/null || { echo "run-suite: bats not installed (apt-get install bats bats-assert bats-support)" >&2; exit 2; }

files=()
if [ $# -gt 0 ]; then
  files=("$@")
else
  for f in "$HERE"/*.bats; do
    case ${f##*/} in harness.bats|host-*) continue ;; esac
    files+=("$f")
  done
fi
[ ${#files[@]} -gt 0 ] || { echo "run-suite: no guest-side .bats files in $HERE" >&2; exit 2; }
for f in "${files[@]}"; do
  [ -e "$f" ] || { echo "run-suite: $f: no such file" >&2; exit 2; }
done

# the test build, as tests/test_helper.bash finds it in the guest
B=$(dirname "${BRDCTL:-$(cd "$HERE/../.." && pwd)/build/brdctl}")
need=("${BRDCTL:-$B/brdctl}")
for f in "$HERE"/../helpers/*.c; do
  [ -e "$f" ] && { f=${f##*/}; need+=("$B/tests/helpers/${f%.c}"); }
done
for f in "$HERE"/../preload/*.c; do
  [ -e "$f" ] && { f=${f##*/}; need+=("$B/tests/preload/${f%.c}.so"); }
done
for f in "${need[@]}"; do
  case $f in *.so) [ -f "$f" ] ;; *) [ -f "$f" ] && [ -x "$f" ] ;; esac ||
    { echo "run-suite: $f is not built: run make tests first" >&2; exit 2; }
done

# shellcheck disable=SC2016  # expanded in the guest
"$HERE/run-in-vm.sh" "$KERNEL" -- bash -c \
  'printf "# kernel: %s\n" "$(uname -r)"; exec bats --formatter tap "$@"' run-suite "${files[@]}"
rc=$?
case $rc in
  124) echo "Bail out! the $KERNEL guest timed out" ;;
  125) echo "Bail out! the $KERNEL guest failed to boot or died (console tail on stderr)" ;;
esac
exit "$rc"
