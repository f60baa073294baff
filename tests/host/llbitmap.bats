#!/usr/bin/env bats
# Real llbitmap (md bitmap version 6) members written by Debian's Linux 7.3
# kernel: tests/fixtures/llbitmap/, made by regen.sh there (RAID1 and RAID5
# on brd, llbitmap-enabled md-mod, mdadm 4.6).  Each snapshot NAME has the
# heads of its members (NAME-ramN.img.gz), what the kernel reported in
# md/llbitmap/bits at capture time (NAME.bits) and sysfs facts (NAME.info).
# brdctl bitmap examine must decode every member with the kernel's counts.

load ../test_helper

FIX=$BATS_TEST_DIRNAME/../fixtures/llbitmap

# the eight md/llbitmap/bits labels, in state order 0-7, and our JSON keys
KLABELS=("unwritten" "clean" "dirty" "need sync" "syncing"
	 "need sync unwritten" "syncing unwritten" "clean unwritten")
JKEYS=(unwritten clean state-dirty need-sync syncing
       need-sync-unwritten syncing-unwritten clean-unwritten)
TNAMES=(unwritten clean dirty need-sync syncing
	need-sync-unwritten syncing-unwritten clean-unwritten)

setup() {
	require_cmd jq gzip
	T=$BATS_TEST_TMPDIR
	ls "$FIX"/*.bits >/dev/null 2>&1 || fail "no fixtures in $FIX"
}

teardown() {
	release_loop
}

kbits() {  # kbits SNAP LABEL: the kernel's count
	awk -v l="$2" '{ n = $NF; $NF = ""; sub(/ $/, ""); if ($0 == l) print n }' "$FIX/$1.bits"
}

info() {  # info SNAP KEY: a value recorded by regen.sh
	awk -v k="$2" '$1 == k { $1 = ""; sub(/^ /, ""); print; exit }' "$FIX/$1.info"
}

first_use() {  # the snapshot's header still had BITMAP_FIRST_USE (8)
	[ $(($(info "$1" header_state) & 8)) != 0 ]
}

# member IMG.gz: the head on a loop device of the ramdisk's size (32 MiB)
member() {
	release_loop
	require_loop 32M
	gzip -dc "$1" | dd of="$LOOPDEV" conv=notrunc status=none
}

examine() {
	BRC=0
	"$BRDCTL" bitmap examine "$@" >"$T/b.out" 2>"$T/b.err" || BRC=$?
	echo "--- $*"; cat "$T/b.out" "$T/b.err"; echo "--- rc $BRC"
}

jexamine() {
	BRC=0
	"$BRDCTL" --json bitmap examine "$@" >"$T/b.json" 2>"$T/b.err" || BRC=$?
	echo "--- json $*: rc $BRC"; cat "$T/b.err"
}

@test "every real 7.3 member decodes with the per-state counts the kernel reported" {
	local b snap img n=0 k want got chunks dirty
	for b in "$FIX"/*.bits; do
		snap=$(basename "$b" .bits)
		first_use "$snap" && continue
		chunks=$(awk '$1 == "llbitmap-metadata" && $2 == "chunks" { print $3 }' "$FIX/$snap.info")
		[ -n "$chunks" ] || fail "$snap: no chunk count recorded"
		for img in "$FIX/$snap"-ram[0-9]*.img.gz; do
			member "$img"
			jexamine "$LOOPDEV"
			[ "$BRC" = 0 ] || fail "$img: exit $BRC"
			[ ! -s "$T/b.err" ] || fail "$img: stderr not empty"
			jq -e '.bitmaps[0] | .version == 6 and .metadata == "1.2" and
				.["first-use"] == false and .invalid == 0 and
				.truncated == false' "$T/b.json" >/dev/null ||
				fail "$img: not a complete 1.2 llbitmap member"
			got=$(jq '.bitmaps[0].chunks' "$T/b.json")
			[ "$got" = "$chunks" ] || fail "$img: $got chunks, the kernel had $chunks"
			dirty=0
			for k in 0 1 2 3 4 5 6 7; do
				want=$(kbits "$snap" "${KLABELS[$k]}")
				[ -n "$want" ] || fail "$snap.bits: no '${KLABELS[$k]}'"
				got=$(jq ".bitmaps[0][\"${JKEYS[$k]}\"]" "$T/b.json")
				[ "$got" = "$want" ] ||
					fail "$img: ${JKEYS[$k]} $got, the kernel reported ${KLABELS[$k]} $want"
				case $k in 2|3|4) dirty=$((dirty + want)) ;; esac
			done
			got=$(jq '.bitmaps[0].dirty' "$T/b.json")
			[ "$got" = "$dirty" ] || fail "$img: dirty $got, want $dirty"
			# the text report says the same
			examine "$LOOPDEV"
			[ "$BRC" = 0 ] || fail "$img: text exit $BRC"
			want="    Chunk States :"
			for k in 0 1 2 3 4 5 6 7; do
				want+="$([ "$k" = 0 ] || echo ,) $(kbits "$snap" "${KLABELS[$k]}") ${TNAMES[$k]}"
			done
			grep -qxF "$want" "$T/b.out" || fail "$img: no line '$want'"
			grep -qxF "          Bitmap : $chunks chunks, $dirty dirty ($(awk -v d="$dirty" -v c="$chunks" 'BEGIN { printf "%.1f", 100 * d / c }')%)" "$T/b.out" ||
				fail "$img: wrong Bitmap line"
			n=$((n + 1))
		done
	done
	echo "$n members checked"
	[ "$n" -ge 20 ] || fail "only $n members decoded"
}

@test "the real members hold every state 0-7, RAID1 and RAID5" {
	local k b total
	for k in 0 1 2 3 4 5 6 7; do
		total=0
		for b in "$FIX"/*.bits; do
			first_use "$(basename "$b" .bits)" && continue
			total=$((total + $(kbits "$(basename "$b" .bits)" "${KLABELS[$k]}")))
		done
		echo "state $k (${KLABELS[$k]}): $total chunks over all snapshots"
		[ "$total" -gt 0 ] || fail "no real member has state $k"
	done
	grep -l '^array md0 level raid1' "$FIX"/*.info
	grep -l '^array md1 level raid5' "$FIX"/*.info
}

@test "a RAID5 member after proactive sync (the case that exited 7): syncing-unwritten decoded" {
	member "$FIX/r5-syncing-ram2.img.gz"
	examine "$LOOPDEV"
	[ "$BRC" = 0 ] || fail "exit $BRC"
	grep -qx '         Version : 6' "$T/b.out"
	grep -qx '       Chunksize : 64 KB' "$T/b.out"
	grep -qx 'llbitmap-metadata chunksize 128' "$FIX/r5-syncing.info"
	run ! grep -q invalid "$T/b.err"
	# --dirty lists exactly the need-sync and syncing chunks
	examine --dirty "$LOOPDEV"
	[ "$BRC" = 0 ] || fail "exit $BRC"
	[ "$(grep -c 'Dirty : chunk' "$T/b.out")" -ge 1 ]
	local sum
	# "chunks A-B" for a run, "chunk A" for one chunk
	sum=$(grep 'Dirty : chunk' "$T/b.out" |
	      sed -e 's/.*chunks \([0-9]*\)-\([0-9]*\),.*/\1 \2/' -e 's/.*chunk \([0-9]*\),.*/\1 \1/' |
	      awk '{ s += $2 - $1 + 1 } END { print s }')
	[ "$sum" = $(($(kbits r5-syncing "need sync") + $(kbits r5-syncing syncing))) ]
}

@test "a member right after mdadm --assume-clean (first use): mdadm's chunksize said, not decoded" {
	local b snap n=0 img
	for b in "$FIX"/*.bits; do
		snap=$(basename "$b" .bits)
		first_use "$snap" || continue
		# the kernel's own geometry differs from the header's byte value
		[ "$(info "$snap" header_chunksize)" != \
		  "$(awk '$1 == "llbitmap-metadata" && $2 == "chunksize" { print $3 }' "$FIX/$snap.info")" ]
		for img in "$FIX/$snap"-ram[0-9]*.img.gz; do
			member "$img"
			examine "$LOOPDEV"
			[ "$BRC" = 0 ] || fail "$img: exit $BRC"
			grep -q '           State : first-use' "$T/b.out"
			grep -qx "       Chunksize : 64 MB (first use: mdadm's value in bytes, not the kernel's)" "$T/b.out"
			grep -qx "          Bitmap : not decoded (first use: the header does not hold the kernel's chunk size yet)" "$T/b.out"
			run ! grep -q 'Chunk States' "$T/b.out"
			jexamine "$LOOPDEV"
			[ "$BRC" = 0 ] || fail "$img: json exit $BRC"
			jq -e '.bitmaps[0] | .["first-use"] == true and .chunks == null and
				.["chunk-size"] == null' "$T/b.json"
			n=$((n + 1))
		done
	done
	[ "$n" -ge 1 ] || fail "no first-use fixture"
}

@test "the fixtures are small" {
	local f
	for f in "$FIX"/*.img.gz; do
		[ "$(stat -c %s "$f")" -lt 102400 ] || fail "$f is 100 KiB or more"
	done
}
