#!/usr/bin/env bats
# Host-side proof of the real-kernel harness (runs on the HOST, boots guests):
#   bats tests/vm/harness.bats
# Needs root, qemu-system-x86, busybox-static and the apt lists (the first run
# downloads the kernels into ~/.cache/brdctl-vm; newest comes from
# trixie-backports through the harness's own apt configuration).  About 8
# guest boots.

bats_require_minimum_version 1.7.0
bats_load_library bats-support
bats_load_library bats-assert

setup() {
  VM=$BATS_TEST_DIRNAME/run-in-vm.sh
  KV=$BATS_TEST_DIRNAME/kernel-version.sh
}

need_vm() {
  [ "$(id -u)" = 0 ] || skip "needs root (the guest harness runs as root)"
  command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86 is not installed"
  [ -x /bin/busybox ] || skip "busybox-static is not installed"
  command -v apt-get >/dev/null || skip "apt-get is needed to fetch the kernels"
}

@test "kernel-version.sh resolves 6.1, 6.12 and newest to generic -amd64 versions" {
  command -v apt-cache >/dev/null || skip "apt-cache is not installed"
  run -0 "$KV" 6.1
  assert_output --regexp '^6\.1\.0-[0-9]+-amd64$'
  run -0 "$KV" 6.12
  assert_output --regexp '^6\.12\.[0-9]+\+deb12-amd64$'
  KERNEL_VERSION_NOCACHE=1 run -0 "$KV" 6.12
  assert_output --regexp '^6\.12\.[0-9]+\+deb12-amd64$'
  run -0 --separate-stderr "$KV" newest
  assert_output --regexp '^[0-9]+\.[0-9]+\.[0-9]+\+deb1[3-9]-amd64$'
  run -0 "$KV" 6.1.0-56-amd64
  assert_output 6.1.0-56-amd64
  run -1 "$KV" 6.12.117+deb12-cloud-amd64
  run -1 "$KV" 9.99
  assert_output --partial "cannot resolve"
  run -1 "$KV" bogus
}

# fake_apt: kernel-version.sh against tests/vm/fake-apt (no network): a
# VMLAB of its own, the fake apt-get/apt-cache first on PATH, their calls
# logged to $APTLOG
fake_apt() {
  export VMLAB=$BATS_TEST_TMPDIR/vmlab
  export FAKE_APT_LISTS=$VMLAB/apt/lists FAKE_APT_LOG=$BATS_TEST_TMPDIR/apt.log
  APTLOG=$FAKE_APT_LOG
  PATH=$BATS_TEST_DIRNAME/fake-apt:$PATH
  : >"$APTLOG"
}

@test "kernel-version.sh newest and 7.3: trixie-backports through the harness's own apt configuration" {
  fake_apt
  # machine aliases never touch the private configuration
  run -0 "$KV" 6.1
  assert_output 6.1.0-99-amd64
  run -0 "$KV" 6.12
  assert_output 6.12.200+deb12-amd64
  run -1 grep -c 'bpo\|update' "$APTLOG"
  [ ! -e "$VMLAB/apt/sources.list" ]
  # newest: one update of the private lists, the metapackage there
  run -0 --separate-stderr "$KV" newest
  assert_output 7.3.4+deb13-amd64
  run -0 grep -c '^apt-get update' "$APTLOG"
  assert_output 1
  run -0 grep '^apt-get update' "$APTLOG"
  assert_output --partial "Dir::Etc::SourceList=$VMLAB/apt/sources.list"
  assert_output --partial "Dir::Etc::SourceParts=/dev/null"
  assert_output --partial "Dir::State::Lists=$VMLAB/apt/lists"
  assert_output --partial "Dir::Cache=$VMLAB/apt/cache"
  assert_output --partial "Dir::State::status=/dev/null"
  run -0 cat "$VMLAB/apt/sources.list"
  assert_output "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie-backports main"
  # 7.3: not in the machine's lists, found in trixie-backports (by search,
  # generic flavour only); lists a minute old are not updated again
  KERNEL_VERSION_NOCACHE=1 run -0 --separate-stderr "$KV" 7.3
  assert_output 7.3.4+deb13-amd64
  KERNEL_VERSION_NOCACHE=1 run -0 --separate-stderr "$KV" 7.2
  assert_output 7.2.9+deb13-amd64
  run -0 grep -c '^apt-get update' "$APTLOG"
  assert_output 1
  # no metapackage: the newest generic version there
  FAKE_APT_NOMETA=1 KERNEL_VERSION_NOCACHE=1 run -0 --separate-stderr "$KV" newest
  assert_output 7.3.4+deb13-amd64
  # full versions pass through, without any lookup
  : >"$APTLOG"
  run -0 "$KV" 7.3.4+deb13-amd64
  assert_output 7.3.4+deb13-amd64
  run -1 "$KV" 7.3.4+deb13-cloud-amd64
  run -0 cat "$APTLOG"
  assert_output ''
  # lists older than a day are refreshed; offline, the old ones still answer
  touch -d '2 days ago' "$VMLAB/apt/lists/.updated"
  FAKE_APT_OFFLINE=1 KERNEL_VERSION_NOCACHE=1 run -0 --separate-stderr "$KV" newest
  assert_output 7.3.4+deb13-amd64
  [[ $stderr == *"warning: apt-get update of trixie-backports failed"* ]] || fail "no warning: $stderr"
  run -0 grep -c '^apt-get update' "$APTLOG"
  assert_output 2
  # offline without lists: a clear failure
  rm -rf "$VMLAB/apt"
  FAKE_APT_OFFLINE=1 KERNEL_VERSION_NOCACHE=1 run -1 "$KV" newest
  assert_output --partial "cannot resolve kernel alias 'newest'"
  FAKE_APT_OFFLINE=1 KERNEL_VERSION_NOCACHE=1 run -1 "$KV" 9.99
  assert_output --partial "cannot resolve kernel alias '9.99'"
}

@test "run-in-vm.sh 6.12 -- true exits 0 and prints nothing on stdout" {
  need_vm
  run -0 --separate-stderr "$VM" 6.12 -- true
  assert_output ''
}

@test "a failing command in the guest fails on the host with its status (exit 3)" {
  need_vm
  run -3 "$VM" 6.12 -- sh -c 'exit 3'
}

@test "6.1, 6.12 and newest guests side by side: requested kernel, brd, byte-exact output, env, cwd" {
  need_vm
  local d=$BATS_TEST_TMPDIR k v pids=() rc
  # every byte value, CR/LF/NUL runs, and no trailing newline
  { for i in $(seq 0 255); do printf '%b' "\\0$(printf %03o "$i")"; done
    printf '\r\n\n\0\0\r\x1b[0m\xff'; head -c 65536 /dev/urandom; printf 'end'; } >"$d/payload"
  cat >"$d/guest.sh" <<'EOF'
cat "$1"
echo "uname=$(uname -r)" >&2
modprobe brd rd_nr=1 rd_size=1024 && test -d /sys/module/brd && echo brd=ok >&2
echo "pwd=$PWD in_vm=$IN_VM foo=$FOO brdctl=$BRDCTL" >&2
EOF
  for k in 6.1 6.12 newest; do
    (cd "$d" && BRDCTL="/x y/brdctl" "$VM" -e "FOO=a b'c" "$k" -- bash "$d/guest.sh" "$d/payload" \
      >"$d/out.$k" 2>"$d/err.$k" 3>&-; echo $? >"$d/rc.$k") 3>&- &
    pids+=($!)
  done
  wait "${pids[@]}"
  for k in 6.1 6.12 newest; do
    v=$("$KV" "$k")
    rc=$(cat "$d/rc.$k")
    [ "$rc" = 0 ] || { cat "$d/err.$k"; fail "$k: run-in-vm.sh exited $rc"; }
    run -0 cmp "$d/payload" "$d/out.$k"
    run -0 cat "$d/err.$k"
    assert_line "uname=$v"
    assert_line brd=ok
    assert_line "pwd=$d in_vm=1 foo=a b'c brdctl=/x y/brdctl"
  done
}

@test "newest offline: the newest cached kernel boots, with a warning" {
  need_vm
  local real=${XDG_CACHE_HOME:-$HOME/.cache}/brdctl-vm v
  v=$("$KV" newest)
  "$VM" newest -- true || fail "cannot prepare the newest kernel $v"
  # 7.x's split packages unpacked into the layout of 6.x's
  local f
  for f in .ready "boot/vmlinuz-$v" "boot/config-$v" "lib/modules/$v/modules.dep"; do
    [ -e "$real/k/$v/$f" ] || fail "$real/k/$v/$f missing"
  done
  compgen -G "$real/k/$v/lib/modules/$v/kernel/drivers/block/brd.ko*" >/dev/null ||
    fail "no brd module under $real/k/$v/lib/modules/$v"
  fake_apt
  export FAKE_APT_OFFLINE=1 KERNEL_VERSION_NOCACHE=1
  mkdir -p "$VMLAB/k"
  # the newest kernel, as prepared by an earlier run
  ln -s "$real/k/$v" "$VMLAB/k/$v"
  run -0 --separate-stderr "$VM" newest -- uname -r
  assert_output "$v"
  [[ $stderr == *"warning: cannot resolve newest"*"using cached $v"* ]] || fail "no warning: $stderr"
}

@test "exit 124 on timeout, 125 when no kernel resolves" {
  need_vm
  VM_TIMEOUT=2 run -124 "$VM" 6.12 -- sleep 600
  assert_output --partial "timed out"
  run -125 "$VM" 9.99 -- true
  assert_output --partial "cannot resolve"
}
