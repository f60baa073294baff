#!/usr/bin/env bats
# Host-side proof of the real-kernel harness (runs on the HOST, boots guests):
#   bats tests/vm/harness.bats
# Needs root, qemu-system-x86, busybox-static and the apt lists (the first run
# downloads the kernels into ~/.cache/brdctl-vm).  About 5 guest boots.

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

@test "kernel-version.sh resolves 6.1 and 6.12 to generic -amd64 versions" {
  command -v apt-cache >/dev/null || skip "apt-cache is not installed"
  run -0 "$KV" 6.1
  assert_output --regexp '^6\.1\.0-[0-9]+-amd64$'
  run -0 "$KV" 6.12
  assert_output --regexp '^6\.12\.[0-9]+\+deb12-amd64$'
  KERNEL_VERSION_NOCACHE=1 run -0 "$KV" 6.12
  assert_output --regexp '^6\.12\.[0-9]+\+deb12-amd64$'
  run -0 "$KV" 6.1.0-56-amd64
  assert_output 6.1.0-56-amd64
  run -1 "$KV" 6.12.117+deb12-cloud-amd64
  run -1 "$KV" 9.99
  assert_output --partial "cannot resolve"
  run -1 "$KV" bogus
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

@test "6.1 and 6.12 guests side by side: requested kernel, brd, byte-exact output, env, cwd" {
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
  for k in 6.1 6.12; do
    (cd "$d" && BRDCTL="/x y/brdctl" "$VM" -e "FOO=a b'c" "$k" -- bash "$d/guest.sh" "$d/payload" \
      >"$d/out.$k" 2>"$d/err.$k" 3>&-; echo $? >"$d/rc.$k") 3>&- &
    pids+=($!)
  done
  wait "${pids[@]}"
  for k in 6.1 6.12; do
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

@test "exit 124 on timeout, 125 when no kernel resolves" {
  need_vm
  VM_TIMEOUT=2 run -124 "$VM" 6.12 -- sleep 600
  assert_output --partial "timed out"
  run -125 "$VM" 9.99 -- true
  assert_output --partial "cannot resolve"
}
