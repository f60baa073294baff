#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Property test of brdctl-generator (issue 18.12), run by generator.bats.

For random brdtab lines (mount points and x-brdctl.persist= images made of
blanks, quotes, backslashes, control characters, valid and invalid UTF-8,
noncharacters, long components, dashes, dots, '%', '//', '.', '..'), one
line per brdtab, the generator is run on each and either

  - the line is refused: a message names it ("/etc/brdtab:1: ... (no units
    for this line)") and nothing at all is written, or
  - every unit written for it passes `systemd-analyze verify`, the mount
    unit is named as systemd names the mount point (an escaping written
    here, independently of brdctl's), and the paths in Where= and
    RequiresMountsFor=, read back the way systemd reads them (value
    stripped, RequiresMountsFor= split into words and unquoted, %%
    unescaped), are the paths the line named (normalised).

  generator-property.py GENERATOR TEMPLATE-DIR SBINDIR WORKDIR

PROPERTY_SEED (default 1812) and PROPERTY_CASES (default 300) choose the
cases; the seed is printed, so a failure reproduces with the same seed.
No new case starts after PROPERTY_DEADLINE seconds (default 50; it says how
many ran), so the test stays under a minute on a slow machine.
Exit 0 if the property holds, 1 with the failing cases otherwise.
"""
import os
import random
import shutil
import subprocess
import sys
import time

GEN, TEMPLATES, SBINDIR, WORK = sys.argv[1:5]
SEED = int(os.environ.get("PROPERTY_SEED", "1812"))
CASES = int(os.environ.get("PROPERTY_CASES", "300"))
DEADLINE = float(os.environ.get("PROPERTY_DEADLINE", "50"))
VERIFY = shutil.which("systemd-analyze")

# pieces of path components (bytes); no NUL, no newline (they end a brdtab
# line), no '/' (that is the separator)
PIECES = [
    b"a", b"data", b"srv", b"x1", b"-", b"--", b".", b"_", b":", b"%", b"%n",
    b"%%", b" ", b"  ", b'"', b"'", b"\\", b"\t", b"\r", b"\x01", b"\x1b",
    b"\x7f", b"#", b",", b"=", b"@", b"~",
    "é".encode(), "日本".encode(), "\U0001f4be".encode(), "\u00a0".encode(),
    "\u0085".encode(), "\ufffd".encode(), "\ufffe".encode(), "\ufdd0".encode(),
    "\U0010fffd".encode(), "\u2028".encode(),
    b"\xff", b"\xfe", b"\xc0\xaf", b"\x80", b"\xbf", b"\xed\xa0\x80",
    b"\xf4\x90\x80\x80", b"\xc3", b"\xe6\x97", b"\xf8\x88\x80\x80\x80",
]


def component(rng):
    r = rng.random()
    if r < 0.05:
        return b"." if rng.random() < 0.5 else b".."
    if r < 0.10:
        return b""  # "//"
    if r < 0.20:  # long, around systemd's 255-byte unit name limit
        return rng.choice([b"L", b"-", "é".encode()]) * rng.randint(30, 250)
    if r < 0.70:  # plain
        return rng.choice([b"a", b"data", b"cache", b"x.y", b"my_app", b"v1:2"])
    return b"".join(rng.choice(PIECES) for _ in range(rng.randint(1, 4)))


def rand_path(rng, no_comma=False):
    comps = [component(rng) for _ in range(rng.randint(1, 4))]
    p = b"/" + b"/".join(comps)
    r = rng.random()
    if r < 0.08:
        p += b"/"
    elif r < 0.16:
        p += b" "
    if no_comma:
        p = p.replace(b",", b"_")
    return p


def quote(field):
    """A brdtab field in double quotes (\\" and \\\\ inside)."""
    return b'"' + field.replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'


def normalise(p):
    return b"/" + b"/".join(c for c in p.split(b"/") if c)


def parent(p):
    d = p.rsplit(b"/", 1)[0]
    return d if d else b"/"


def escape_path(p):
    """systemd's unit_name_path_escape() (written from systemd.unit(5))."""
    p = p.strip(b"/")
    if not p:
        return "-"
    out = []
    for i, c in enumerate(p):
        ch = bytes([c])
        if ch == b"/":
            out.append("-")
        elif (ch.isalnum() and c < 0x80) or ch in b":_" or (ch == b"." and i):
            out.append(ch.decode())
        else:
            out.append("\\x%02x" % c)
    return "".join(out)


def unspecify(v):
    """Undo the %% doubling; None if another specifier is left."""
    out, i = bytearray(), 0
    while i < len(v):
        if v[i:i + 1] == b"%":
            if v[i + 1:i + 2] != b"%":
                return None
            out += b"%"
            i += 2
            continue
        out += v[i:i + 1]
        i += 1
    return bytes(out)


def words(v):
    """extract_first_word(..., EXTRACT_UNQUOTE) over a whole value."""
    ws, i, n = [], 0, len(v)
    blank = b" \t\n\r"
    while True:
        while i < n and v[i:i + 1] in blank:
            i += 1
        if i >= n:
            return ws
        w, quote_ch = bytearray(), None
        while i < n:
            c = v[i:i + 1]
            if quote_ch:
                if c == quote_ch:
                    quote_ch = None
                elif c == b"\\" and i + 1 < n:
                    i += 1
                    w += v[i:i + 1]
                else:
                    w += c
            elif c in blank:
                break
            elif c in (b'"', b"'"):
                quote_ch = c
            elif c == b"\\" and i + 1 < n:
                i += 1
                w += v[i:i + 1]
            else:
                w += c
            i += 1
        if quote_ch:
            return None  # systemd: "Invalid syntax"
        ws.append(bytes(w))


def values(text, key):
    """The values of KEY= in a unit file as systemd's parser sees them."""
    out = []
    lines = text.split(b"\n")
    for ln in lines:
        if ln.endswith(b"\\"):
            out.append(None)  # a continued line: not what was meant
            continue
        s = ln.strip(b" \t\r")
        if s.startswith(key + b"="):
            out.append(s[len(key) + 1:].strip(b" \t\r"))
    return out


def listing(d):
    out = []
    for root, dirs, files in os.walk(d):
        for f in dirs + files:
            out.append(os.path.relpath(os.path.join(root, f), d))
    return sorted(out)


def one_case(i, rng):
    """Returns (verdict, problem or None, line)."""
    mp = rand_path(rng)
    img = None
    opts = b"-"
    if rng.random() < 0.35:
        img = rand_path(rng, no_comma=True) + rng.choice([b".img", b"", b" "])
        o = b"noatime,x-brdctl.persist=" + img
        if rng.random() < 0.4:
            o += b",x-brdctl.persist-every=15min"
        opts = quote(o)
    line = b"p 64M ext4 " + quote(mp) + b" " + opts + b"\n"
    root = os.path.join(WORK, "root")
    out = os.path.join(WORK, "out%d" % i)
    os.makedirs(os.path.join(root, "etc"), exist_ok=True)
    os.makedirs(out)
    with open(os.path.join(root, "etc", "brdtab"), "wb") as f:
        f.write(line)
    os.chmod(os.path.join(root, "etc", "brdtab"), 0o644)
    env = dict(os.environ, BRDCTL_SYSROOT=root, SYSTEMD_LOG_TARGET="console")
    r = subprocess.run([GEN, out, out, out], env=env, capture_output=True)
    err = r.stderr
    files = listing(out)
    if r.returncode != 0:
        return "fail", "generator exit status %d: %r" % (r.returncode, err), line
    if b"/etc/brdtab:1: " in err:
        if b"(no units for this line)" not in err:
            return "fail", "line 1 has an error but keeps units: %r" % err, line
        if files:
            return "fail", "refused, yet wrote %r" % files, line
        shutil.rmtree(out)
        return "refused", None, line
    # accepted: the units must say what the line said
    target = normalise(mp)
    mnt = escape_path(target) + ".mount"
    setup = "brdctl-setup@p.service"
    want = {mnt, setup + ".d", setup + ".d/50-brdtab.conf", "local-fs.target.wants",
            "local-fs.target.wants/" + setup, "local-fs.target.wants/" + mnt}
    timer = img is not None and b"persist-every" in opts
    if timer:
        want.add("brdctl-save@p.timer")
    if set(files) != want:
        return "fail", "units %r, expected %r" % (files, sorted(want)), line
    with open(os.path.join(out, mnt), "rb") as f:
        mtext = f.read()
    with open(os.path.join(out, setup + ".d", "50-brdtab.conf"), "rb") as f:
        dtext = f.read()
    where = values(mtext, b"Where")
    if len(where) != 1 or where[0] is None or unspecify(where[0]) != target:
        return "fail", "Where= %r reads back as %r, the line named %r" % (
            where, where and where[0] is not None and unspecify(where[0]), target), line
    expect = []
    if parent(target) != b"/":
        expect.append(parent(target))
    if img is not None:
        expect.append(parent(normalise(img)))
    got = []
    for v in values(dtext, b"RequiresMountsFor"):
        ws = words(v) if v is not None else None
        if ws is None:
            return "fail", "RequiresMountsFor=%r: invalid syntax for systemd" % v, line
        for w in ws:
            u = unspecify(w)
            if u is None:
                return "fail", "RequiresMountsFor= word %r has a specifier" % w, line
            got.append(u)
    if got != expect:
        return "fail", "RequiresMountsFor= reads back as %r, the line named %r" % (
            got, expect), line
    if VERIFY:
        for t in ("brdctl-setup@.service", "brdctl-save@.service"):
            with open(os.path.join(TEMPLATES, t)) as f:
                text = f.read().replace("@SBINDIR@", SBINDIR)
            with open(os.path.join(out, t), "w") as f:
                f.write(text)
        # verify takes FILE:ALIAS arguments, so a unit whose name has a
        # ':' is verified as what a target requires
        units = [mnt, setup] + (["brdctl-save@p.timer"] if timer else [])
        with open(os.path.join(out, "property-check.target"), "w") as f:
            f.write("[Unit]\nDescription=property check\nRequires=%s\n" %
                    " ".join(units))
        v = subprocess.run([VERIFY, "verify", "--man=no", "property-check.target"],
                           env=dict(os.environ, SYSTEMD_UNIT_PATH=out + ":"),
                           capture_output=True)
        if v.returncode != 0 or v.stdout or v.stderr:
            return "fail", "systemd-analyze verify (status %d): %r" % (
                v.returncode, v.stdout + v.stderr), line
    shutil.rmtree(out)
    return "accepted", None, line


def main():
    rng = random.Random(SEED)
    print("# property: seed %d, %d cases (PROPERTY_SEED=%d PROPERTY_CASES=%d "
          "to reproduce)%s" % (SEED, CASES, SEED, CASES,
                               "" if VERIFY else "; no systemd-analyze: verify skipped"))
    start = time.monotonic()
    counts = {"accepted": 0, "refused": 0, "fail": 0}
    ran = 0
    for i in range(CASES):
        if time.monotonic() - start > DEADLINE:
            print("# deadline of %.0f s: %d of %d cases ran" % (DEADLINE, i, CASES))
            break
        ran += 1
        verdict, problem, line = one_case(i, rng)
        counts[verdict] += 1
        if problem:
            print("# case %d: %s\n#   line: %r" % (i, problem, line))
            if counts["fail"] >= 10:
                print("# stopping after 10 failures")
                break
    print("# %d accepted, %d refused, %d failed in %.1f s" % (
        counts["accepted"], counts["refused"], counts["fail"],
        time.monotonic() - start))
    # the cases must exercise both outcomes, or the property says little
    if counts["fail"] == 0 and min(counts["accepted"], counts["refused"]) < ran // 10:
        print("# degenerate: fewer than 10%% of the cases accepted or refused")
        return 1
    return 1 if counts["fail"] else 0


if __name__ == "__main__":
    sys.exit(main())
