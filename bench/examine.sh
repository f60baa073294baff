#!/bin/bash
# bench/examine.sh — brdctl bitmap examine against mdadm -X, same run.
#
# For a 64 MiB bitmap file (2^29 chunks: a 2 TiB member with 4 KiB chunks)
# and a typical 1 MiB one, prints the best of N wall-clock times of
#   raw    dd iflag=direct bs=1M  (the O_DIRECT read of the same file: the
#          physical limit)
#   brdctl brdctl bitmap examine FILE
#   mdadm  mdadm -X FILE          (skipped if mdadm is missing)
# with the ratios brdctl/raw (goal: <= 1.5) and mdadm/brdctl (goal: several
# times), brdctl's peak RSS (bounded: it never holds the whole bitmap), and
# checks that both tools printed the same report.
#
# Usage: bench/examine.sh [DIR]   (default /var/tmp; RUNS=5; BRDCTL=...)
set -euo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
BRDCTL=${BRDCTL:-$TOP/build/brdctl}
MK=${MKBITMAP:-$TOP/build/tests/helpers/mkbitmap}
RUNS=${RUNS:-5}
DIR=$(mktemp -d "${1:-/var/tmp}/brdctl-bench.XXXXXX")
trap 'rm -rf "$DIR"' EXIT

for x in "$BRDCTL" "$MK"; do
	[ -x "$x" ] || { echo "bench: $x not built (make tests)" >&2; exit 1; }
done
HAVE_MDADM=1
command -v mdadm >/dev/null || HAVE_MDADM=0

now() { date +%s%N; }

# best NAME CMD...: best wall time in ms over RUNS runs (stdout discarded)
best() {
	local b=-1 t0 t1 i
	for ((i = 0; i < RUNS; i++)); do
		t0=$(now)
		"$@" >/dev/null 2>&1 || true
		t1=$(now)
		if (( b < 0 || t1 - t0 < b )); then b=$((t1 - t0)); fi
	done
	echo $((b / 1000))	# microseconds
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
ms() { awk -v u="$1" 'BEGIN { printf "%.1f ms", u / 1000 }'; }

bench_one() {  # bench_one LABEL SYNC-SECTORS CHUNK
	local label=$1 f=$DIR/$1.bitmap raw brd mda rss mbps
	"$MK" --sync-size "$2" --chunksize "$3" --pattern random:7 "$f"
	sync
	if [ $HAVE_MDADM = 1 ] &&
	   ! cmp -s <(mdadm -X "$f" 2>/dev/null) <("$BRDCTL" bitmap examine "$f"); then
		echo "bench: brdctl and mdadm -X disagree on $f" >&2
		exit 1
	fi
	raw=$(best dd if="$f" of=/dev/null bs=1M iflag=direct status=none)
	brd=$(best "$BRDCTL" bitmap examine "$f")
	rss=$( { /usr/bin/time -f %M "$BRDCTL" bitmap examine "$f" >/dev/null; } 2>&1 ) || rss="?"
	mbps=$(awk -v s="$(stat -c %s "$f")" -v u="$raw" 'BEGIN { printf "%.0f", s / u }')
	printf '%-7s %10s bytes  raw O_DIRECT %-9s (%s MB/s)  brdctl %-9s  brdctl/raw %s  peak RSS %s KiB\n' \
		"$label" "$(stat -c %s "$f")" "$(ms "$raw")" "$mbps" "$(ms "$brd")" \
		"$(ratio "$brd" "$raw")" "$rss"
	if [ $HAVE_MDADM = 1 ]; then
		mda=$(best mdadm -X "$f")
		printf '%-7s %10s        mdadm -X %-9s  mdadm/brdctl %s\n' "" "" \
			"$(ms "$mda")" "$(ratio "$mda" "$brd")"
	else
		echo "        mdadm not installed: no comparison"
	fi
}

echo "# brdctl bitmap examine benchmark, best of $RUNS, files in $(df --output=fstype "$DIR" | tail -1) at $DIR"
echo "# process start-up alone (brdctl --version): $(ms "$(best "$BRDCTL" --version)")"
bench_one 64MiB 4294967296 4096
bench_one 1MiB 67108864 4096
