#!/bin/bash
# bench/brdtab-parse.sh — time per line of `brdctl apply --check` on a
# generated brdtab of 1,000 lines (the peer) and of 100,000 lines, measured
# in the same run; prints both and their ratio (goal: <= 2.0, linear).
#
# The lines are pooled ramdisks with mount points, options, owner and mode,
# so every per-line check runs (fields, names, sizes, duplicate names and
# mount points, mount order, the mount point's parents, the owner):
#   dNNNNNN  4M  ext4:-m\ 0  /srv/brdtab-bench/dNNNNNN  noatime  root:root  0750
# A file of more lines than the pool holds is refused by the plan check
# (exit 1, one line naming the limit); the bench checks that message, so
# the time includes the whole check, not an early exit.  The time of an
# empty brdtab (process start, library set-up) is measured too and taken
# off before dividing by the line count.
#   bench/brdtab-parse.sh            (host or guest; no root needed)
#   SMALL=1000 LARGE=100000 RUNS=20
set -euo pipefail
cd "$(dirname "$0")/.."
BRDCTL=${BRDCTL:-build/brdctl}
SMALL=${SMALL:-1000}
LARGE=${LARGE:-100000}
RUNS=${RUNS:-20}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

gen() {  # gen N FILE
	awk -v n="$1" 'BEGIN { for (i = 1; i <= n; i++)
		printf "d%06d 4M ext4:-m\\ 0 /srv/brdtab-bench/d%06d noatime root:root 0750\n", i, i }' >"$2"
}

# nanoseconds per run of `brdctl apply --check FILE` (best of RUNS: the
# least disturbed by the other jobs on the machine)
best_ns() {  # best_ns FILE RUNS
	local best= t0 t1 d i
	for ((i = 0; i < $2; i++)); do
		t0=$(date +%s%N)
		"$BRDCTL" apply --check "$1" >/dev/null 2>"$T/err" || true
		t1=$(date +%s%N)
		d=$((t1 - t0))
		if [ -z "$best" ] || [ "$d" -lt "$best" ]; then best=$d; fi
	done
	echo "$best"
}

# the whole file was checked: no error, or only the pool's limit
verify() {  # verify FILE N
	local rc=0
	"$BRDCTL" apply --check "$1" >/dev/null 2>"$T/err" || rc=$?
	if [ "$rc" != 0 ] && ! grep -q 'the pool holds at most' "$T/err"; then
		echo "bench/brdtab-parse.sh: $2 lines: unexpected failure (exit $rc):" >&2
		cat "$T/err" >&2
		exit 1
	fi
}

: >"$T/empty"
gen "$SMALL" "$T/small"
gen "$LARGE" "$T/large"
verify "$T/small" "$SMALL"
verify "$T/large" "$LARGE"
base=$(best_ns "$T/empty" "$RUNS")
small=$(best_ns "$T/small" "$RUNS")
large=$(best_ns "$T/large" $(((RUNS + 9) / 10)))
awk -v b="$base" -v s="$small" -v l="$large" -v ns="$SMALL" -v nl="$LARGE" 'BEGIN {
	ps = (s - b) / ns; pl = (l - b) / nl
	if (ps <= 0) ps = 1
	printf "empty brdtab:   %8.2f ms per run (taken off below)\n", b / 1e6
	printf "%7d lines: %8.2f ms, %8.0f ns per line\n", ns, s / 1e6, ps
	printf "%7d lines: %8.2f ms, %8.0f ns per line\n", nl, l / 1e6, pl
	printf "ratio (time per line, %d / %d lines): %.2f (goal <= 2.0)\n", nl, ns, pl / ps
}'
