#!/usr/bin/env bats
# The examples of README.md and brdctl(8) run as printed (runs inside the
# guest: tests/vm/run-suite.sh 6.12 tests/vm/readme.bats, the guest of
# `make vm-run`: 2 GiB).  An example is the ```sh block after a line
#   <!-- example (tests/vm/readme.bats): CHECK -->
# in README.md, or the .nf/.RS block after a line
#   .\" example (tests/vm/readme.bats): CHECK
# in man/brdctl.8.  Each runs with `bash -e` as root, brdctl on PATH, on a
# fresh brd ("example, continued": right after the one before it); it must
# print something, and CHECK must then hold: an example that silently does
# nothing fails.
# bats file_tags=vm,brd

load ../test_helper

MADE="/build /scratch /var/cache/build /var/lib/brdctl/cache.img"

# the examples flush ramdisks and give pooled RAM back, as on the guest of
# `make vm-run` (6.12); on a brd that cannot discard (6.1) flush exits 5
setup() {
	vm_setup
	brd_discard_frees || skip "the examples flush ramdisks: $(brd_discard_frees --why)"
}
# shellcheck disable=SC2086
teardown() { vm_teardown $MADE; }

# extract FILE DIR: DIR/N.sh, DIR/N.check, DIR/N.where and DIR/N.cont
# (continued) for each marked example, in order
extract() {
	awk -v dir="$2" -v file="${1##*/}" '
		function start(cont, check) {
			n++; inex = 1; body = 0
			printf "%s\n", check > (dir "/" n ".check")
			printf "%s:%d\n", file, NR > (dir "/" n ".where")
			if (cont) printf "" > (dir "/" n ".cont")
			printf "" > (dir "/" n ".sh")
		}
		/^<!-- example(, continued)? \(tests\/vm\/readme\.bats\): .* -->$/ {
			c = $0; sub(/^<!-- example(, continued)? \(tests\/vm\/readme\.bats\): /, "", c)
			sub(/ -->$/, "", c); start($0 ~ /continued/, c); next
		}
		/^\.\\" example(, continued)? \(tests\/vm\/readme\.bats\): / {
			c = $0; sub(/^\.\\" example(, continued)? \(tests\/vm\/readme\.bats\): /, "", c)
			start($0 ~ /continued/, c); next
		}
		inex && !body && (/^```sh$/ || /^\.RS$/) { body = 1; next }
		inex && body && (/^```$/ || /^\.RE$/) { inex = 0; next }
		inex && body {
			l = $0
			if (file ~ /\.[1-8]$/) gsub(/\\-/, "-", l)
			print l > (dir "/" n ".sh")
		}
	' "$1"
}

# run_examples FILE: every marked example of FILE, in order; sets EXAMPLES
# (how many ran); every failure is reported, then the test fails
run_examples() {
	local dir=$BATS_TEST_TMPDIR/ex bin=$BATS_TEST_TMPDIR/bin n out rc where bad=""
	mkdir -p "$dir" "$bin"
	ln -sf "$BRDCTL" "$bin/brdctl"
	extract "$1" "$dir"
	for ((n = 1; ; n++)); do
		[ -e "$dir/$n.sh" ] || break
		where=$(cat "$dir/$n.where")
		if [ ! -s "$dir/$n.sh" ]; then
			bad+="$where: the marker is not followed by a block"$'\n'
			continue
		fi
		if [ ! -e "$dir/$n.cont" ]; then
			# shellcheck disable=SC2086
			vm_teardown $MADE || fail "cannot unload brd before $where"
		fi
		echo "# example at $where:"
		sed 's/^/#   /' "$dir/$n.sh"
		rc=0
		out=$(cd "$BATS_TEST_TMPDIR" && PATH=$bin:$PATH bash -e "$dir/$n.sh" 2>&1 3>&-) || rc=$?
		echo "$out" | sed 's/^/#   | /'
		if [ "$rc" != 0 ]; then
			bad+="$where: the example failed (exit $rc)"$'\n'
		elif [ -z "$out" ]; then
			bad+="$where: the example printed nothing"$'\n'
		elif ! (cd "$BATS_TEST_TMPDIR" && PATH=$bin:$PATH bash -c "$(cat "$dir/$n.check")" 3>&-); then
			bad+="$where: the example ran but its check failed: $(cat "$dir/$n.check")"$'\n'
		fi
	done
	EXAMPLES=$((n - 1))
	[ -z "$bad" ] || fail "$bad"
}

@test "README.md: every marked example runs as printed in the 2 GiB guest and does what it says" {
	run_examples "$TOP/README.md"
	# the walk-through: scratch disks, list/flush/remove, pooled, save/restore
	[ "$EXAMPLES" -ge 4 ] || fail "only $EXAMPLES examples marked in README.md"
}

@test "brdctl(8): every marked example of EXAMPLES runs as printed in the 2 GiB guest" {
	run_examples "$TOP/man/brdctl.8"
	[ "$EXAMPLES" -ge 4 ] || fail "only $EXAMPLES examples marked in brdctl(8)"
}
