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
#   SMALL=1000 LARGE=100000 RUNS=50 (the large file runs RUNS/5 times)
set -euo pipefail
cd "$(dirname "$0")/.."
BRDCTL=${BRDCTL:-build/brdctl}
SMALL=${SMALL:-1000}
LARGE=${LARGE:-100000}
RUNS=${RUNS:-50}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

gen() {  # gen N FILE
	awk -v n="$1" 'BEGIN { for (i = 1; i <= n; i++)
		printf "d%06d 4M ext4:-m\\ 0 /srv/brdtab-bench/d%06d noatime root:root 0750\n", i, i }' >"$2"
}

# "WALL CPU": seconds for N runs of `brdctl apply --check FILE`, wall clock
# and CPU (user + system of brdctl, from getrusage through time(1)).  CPU
# time is what the ratio uses: on a machine shared with other jobs the wall
# clock mostly measures them.
cost() {  # cost FILE N
	/usr/bin/time -f '%e %U %S' -o "$T/time" bash -c '
		for ((i = 0; i < $3; i++)); do "$1" apply --check "$2" >/dev/null 2>&1; done
		true' _ "$BRDCTL" "$1" "$2"
	awk '{ printf "%s %.2f\n", $1, $2 + $3 }' "$T/time"
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
nsmall=$RUNS nlarge=$(((RUNS + 4) / 5))
read -r wb cb < <(cost "$T/empty" "$nsmall")
read -r ws cs < <(cost "$T/small" "$nsmall")
read -r wl cl < <(cost "$T/large" "$nlarge")
awk -v wb="$wb" -v cb="$cb" -v ws="$ws" -v cs="$cs" -v wl="$wl" -v cl="$cl" \
    -v rs="$nsmall" -v rl="$nlarge" -v ns="$SMALL" -v nl="$LARGE" 'BEGIN {
	# per run, less the cost of an empty brdtab (process start, libraries)
	b = cb / rs; s = cs / rs - b; l = cl / rl - b
	if (s <= 0) s = 1e-6
	printf "empty brdtab:  %7.2f ms CPU per run (taken off below)\n", b * 1e3
	printf "%7d lines: %7.2f ms CPU, %7.0f ns per line (wall %.2f ms per run)\n",
		ns, s * 1e3, s / ns * 1e9, ws / rs * 1e3
	printf "%7d lines: %7.2f ms CPU, %7.0f ns per line (wall %.2f ms per run)\n",
		nl, l * 1e3, l / nl * 1e9, wl / rl * 1e3
	printf "ratio (CPU time per line, %d / %d lines): %.2f (goal <= 2.0)\n",
		nl, ns, (l / nl) / (s / ns)
}'
