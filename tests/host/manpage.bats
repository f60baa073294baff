#!/usr/bin/env bats
# brdctl(8) says what the binary does: the man page's claims, read from its
# roff source, against --help, the output on a fixture sysfs, and the exit
# codes in cmd/cmd.h.  Change one side only and a test here fails.

load ../test_helper

MAN=$TOP/man/brdctl.8

setup() {
	require_cmd python3
	ROOT=$BATS_TEST_TMPDIR/root
	cp -a "$TOP/tests/fixtures/sysroot-brd" "$ROOT"
	export BRDCTL_SYSROOT=$ROOT
}

# man_query WHAT [ARG]: facts of brdctl(8), one per line (see the python)
man_query() {
	python3 - "$MAN" "$@" <<'PY'
import re, sys

src = open(sys.argv[1]).read().splitlines()
what = sys.argv[2]
arg = sys.argv[3] if len(sys.argv) > 3 else None
GLOBAL = {"help", "version", "json", "verbose", "dry-run"}

def plain(s):
    s = re.sub(r"\\f[BIRP]", "", s).replace("\\-", "-").replace('\\"', "")
    s = re.sub(r"\\\(\w\w", " ", s)
    return s

def sections():
    """(kind, title, lines): kind 'SH' or 'SS'."""
    out, cur = [], None
    for l in src:
        m = re.match(r"\.(SH|SS) (.*)", l)
        if m:
            cur = (m.group(1), plain(m.group(2)).strip('"'), [])
            out.append(cur)
        elif cur:
            cur[2].append(l)
    return out

def tp_tags(lines):
    """the tag line of every .TP"""
    return [plain(lines[i + 1]) for i, l in enumerate(lines[:-1]) if l == ".TP"]

def longs(text):
    return set(re.findall(r"(?<![\w-])--([a-z][a-z-]*)", text))

def pairs(text):
    return {(a, b) for a, b in re.findall(r"(?<![\w-])-([A-Za-z])\W+--([a-z][a-z-]*)", text)}

def command_sections():
    """{'create': (header, lines), 'bitmap set': ...} from the .SS of
    COMMANDS and BITMAP COMMANDS"""
    res, sh = {}, None
    for kind, title, lines in sections():
        if kind == "SH":
            sh = title
            continue
        if sh not in ("COMMANDS", "BITMAP COMMANDS") or ", " in title.split(" [")[0]:
            continue
        words = title.split()
        if words[0] == "bitmap":
            names = ["bitmap " + n for n in words[1].split("|")]
            header = " ".join(words[2:])
        else:
            names = words[0].split("|")
            header = " ".join(words[1:])
        for n in names:
            res[n] = (header, lines)
    return res

def sh(name):
    for kind, title, lines in sections():
        if kind == "SH" and title == name:
            return lines
    sys.exit("no section " + name)

if what == "commands":
    print("\n".join(sorted(command_sections())))
elif what == "options":       # the options documented for command ARG
    header, lines = command_sections()[arg]
    opts = longs(header) | longs("\n".join(tp_tags(lines)))
    print("\n".join(sorted(opts)))
elif what == "pairs":         # its -X, --long pairs (the .TP tags)
    header, lines = command_sections()[arg]
    print("\n".join(sorted("-%s --%s" % p for p in pairs("\n".join(tp_tags(lines))))))
elif what in ("sh-options", "sh-pairs"):   # the .TP tags of an .SH (GLOBAL OPTIONS...)
    tags = "\n".join(tp_tags(sh(arg)))
    if what == "sh-options":
        print("\n".join(sorted(longs(tags))))
    else:
        print("\n".join(sorted("-%s --%s" % p for p in pairs(tags))))
elif what == "accepted-by":   # GLOBAL OPTIONS: "Accepted by A, B and C" of --ARG
    lines = sh("GLOBAL OPTIONS")
    for i, l in enumerate(lines[:-1]):
        if l == ".TP" and longs(plain(lines[i + 1])) == {arg}:
            body = []
            for b in lines[i + 2:]:
                if b.startswith(".TP"):
                    break
                body.append(plain(b))
            m = re.search(r"Accepted by (.*?);", " ".join(body))
            if not m:
                sys.exit("--%s: no 'Accepted by ...;'" % arg)
            print("\n".join(sorted(re.split(r", | and ", m.group(1)))))
            break
    else:
        sys.exit("--%s not in GLOBAL OPTIONS" % arg)
elif what == "default-columns":
    for l in src:
        m = re.match(r"Default columns: (.*)\.$", plain(l))
        if m:
            print(" ".join(m.group(1).split(", ")))
elif what == "exit-status":   # "N first words" of each .TP of EXIT STATUS
    lines = sh("EXIT STATUS")
    for i, l in enumerate(lines[:-2]):
        if l == ".TP" and re.match(r"\.B \d+$", lines[i + 1]):
            print(lines[i + 1][3:], plain(lines[i + 2]))
else:
    sys.exit("man_query: " + what)
PY
}

# the commands of brdctl --help, with the bitmap commands as "bitmap NAME"
commands() {
	"$BRDCTL" --help | awk '/^Commands:/{f=1;next} /^$/{f=0} f && $1 != "bitmap" {print $1}'
	"$BRDCTL" bitmap --help | awk '/^Commands:/{f=1;next} /^$/{f=0} f{print "bitmap " $1}'
}

# help_section CMD... HEADING: the "-X, --long" / "--long" lines under
# HEADING ("Options:", "Output options:", "Global options:") of its --help
help_section() {
	local heading=${*: -1}
	"$BRDCTL" "${@:1:$#-1}" --help |
		awk -v h="$heading" '$0 == h {f=1; next} /^$/ || /^[A-Z]/ {f=0} f' |
		grep -oE '^ +(-[A-Za-z], )?--[a-z][a-z-]*'
}
help_options() { help_section "$@" | grep -oE -- '--[a-z][a-z-]*' | sed 's/^--//' | sort; }
help_pairs() { help_section "$@" | grep -E -- '^ +-[A-Za-z],' | sed 's/^ *//; s/,//' | sort; }

@test "brdctl(8) has a section for every command of --help, and no other" {
	# and for help [COMMAND], which --help names in its last line
	"$BRDCTL" --help | grep -q "Run 'brdctl help <command>'"
	assert_equal "$(man_query commands)" "$( (commands; echo help) | sort)"
}

@test "every option of each command's --help is in its section of brdctl(8), and vice versa, with the same short form" {
	local c n=0 shadowed
	while read -r c; do
		# the global options a section mentions are GLOBAL OPTIONS' (unless
		# the command has its own of that name: bitmap create --version)
		# shellcheck disable=SC2086
		shadowed=$(comm -23 <(printf '%s\n' dry-run help json verbose version) <(help_options $c Options:))
		# shellcheck disable=SC2086
		assert_equal "brdctl $c: $(man_query options "$c" | grep -vxF -- "$shadowed" | paste -sd' ')" \
			"brdctl $c: $(help_options $c Options: | paste -sd' ')"
		# shellcheck disable=SC2086
		assert_equal "brdctl $c: $(man_query pairs "$c" | grep -vE " --($(paste -sd'|' <<<"$shadowed"))$" | paste -sd' ')" \
			"brdctl $c: $(help_pairs $c Options: | paste -sd' ')"
		n=$((n + 1))
	done < <(commands)
	[ "$n" -ge 17 ]
	# a command with options is compared with a non-empty list
	[ -n "$(man_query options create)" ]
	[ -n "$(man_query pairs 'bitmap write')" ]
}

@test "OUTPUT OPTIONS and GLOBAL OPTIONS of brdctl(8) are those of --help" {
	assert_equal "$(man_query sh-options 'OUTPUT OPTIONS')" "$(help_options list 'Output options:')"
	assert_equal "$(man_query sh-pairs 'OUTPUT OPTIONS')" "$(help_pairs list 'Output options:')"
	assert_equal "$(man_query sh-options 'GLOBAL OPTIONS')" "$(help_options 'Global options:')"
	assert_equal "$(man_query sh-pairs 'GLOBAL OPTIONS')" "$(help_pairs 'Global options:')"
}

# accepts CMD... OPTION: the command takes the global OPTION: its --help
# lists it, and it is not refused as unsupported
accepts() {
	local opt=${*: -1}
	run --separate-stderr "$BRDCTL" "--$opt" "${@:1:$#-1}" 3>&-
	if [[ $stderr == *"--$opt is not supported"* ]]; then
		[ "$status" = 2 ] || fail "--$opt refused with exit $status, not 2"
		! help_options "${@:1:$#-1}" 'Global options:' | grep -qx "$opt" ||
			fail "'brdctl ${*:1:$#-1} --help' lists --$opt, which it refuses"
		return 1
	fi
	help_options "${@:1:$#-1}" 'Global options:' | grep -qx "$opt" ||
		fail "'brdctl ${*:1:$#-1}' takes --$opt, its --help does not list it"
}

@test "the commands that take --dry-run and --json are those brdctl(8) names (run on a fixture sysfs)" {
	local c opt got
	for opt in dry-run json; do
		got=""
		while read -r c; do
			# shellcheck disable=SC2086
			if accepts $c "$opt"; then got+="$c"$'\n'; fi
		done < <(commands)
		assert_equal "--$opt: $(man_query accepted-by "$opt" | tr '\n' ',')" \
			"--$opt: $(sort <<<"${got%$'\n'}" | tr '\n' ',')"
	done
	# nothing was changed by the dry runs
	diff -r "$TOP/tests/fixtures/sysroot-brd" "$ROOT"
}

@test "the default columns of list in brdctl(8) are the header of 'brdctl list' on a fixture sysfs" {
	run_brdctl 0 list
	[ -n "$(man_query default-columns)" ]
	assert_equal "$(man_query default-columns)" "$(echo ${lines[0]})"
}

@test "the EXIT STATUS table of brdctl(8), and README's, have the numbers of cmd/cmd.h" {
	# the enum, as "NUMBER NAME"
	local code got readme n name m r
	code=$(sed -n '/^enum {/,/^};/p' "$TOP/cmd/cmd.h" |
		sed -nE 's/^\s*EXIT_([A-Z]+) = ([0-9]+),.*/\2 \1/p')
	[ "$(wc -l <<<"$code")" = 9 ]
	got=$(man_query exit-status)
	readme=$(sed -n '/^## Exit status/,/^## [A-Z]/p' "$TOP/README.md" | tr '\n' ' ')
	[ -n "$got" ]
	[ -n "$readme" ]
	# each name with the words that begin its meaning: in the man page, in README
	while read -r n name; do
		case $name in
		OK) m=success r=ok ;;
		FAIL) m="the operation failed" r=failed ;;
		USAGE) m="usage error" r=usage ;;
		NOTFOUND) m="not found" r="not found" ;;
		BUSY) m=busy r=busy ;;
		NOTSUP) m="not supported" r="not supported" ;;
		PERM) m="permission denied" r="permission denied" ;;
		CORRUPT) m="invalid on-disk data" r="invalid on-disk data" ;;
		TRUNCATED) m="on-disk data truncated" r="truncated" ;;
		*) fail "EXIT_$name: not in this test's table" ;;
		esac
		grep -qE "^$n $m" <<<"$got" || fail "brdctl(8) EXIT STATUS: $n is not '$m' (EXIT_$name of cmd/cmd.h)"
		[[ $readme == *"$n $r"* ]] || fail "README Exit status: $n is not '$r' (EXIT_$name of cmd/cmd.h)"
	done <<<"$code"
	assert_equal "$(cut -d' ' -f1 <<<"$got" | paste -sd' ')" "$(cut -d' ' -f1 <<<"$code" | paste -sd' ')"
}
