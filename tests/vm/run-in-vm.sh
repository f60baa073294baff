#!/bin/bash
# run-in-vm.sh [-e NAME=VALUE]... KERNEL -- COMMAND [ARGS...]
#
# Run COMMAND as root in a qemu guest (TCG, no KVM needed) booting a stock
# Debian kernel, in the host's current directory, with the host's root
# filesystem shared read-only over virtio-9p under a tmpfs overlay (guest
# writes vanish at power-off).  COMMAND's stdout is streamed byte-exact to our
# stdout and its stderr to our stderr; our exit status is COMMAND's.
#   124  timed out (VM_TIMEOUT)
#   125  setup failure, or the guest died without reporting a status
#        (kernel panic ...; the console tail is printed to stderr)
#
# KERNEL: a full version (6.1.0-56-amd64, 6.12.117+deb12-amd64,
# 7.3.4+deb13-amd64) or an alias 6.1 / 6.12 / X.Y / newest resolved at run
# time by kernel-version.sh (6.x from the machine's apt lists, newest and
# kernels the machine's lists lack from trixie-backports through the
# harness's own apt configuration in $VMLAB/apt, see kernel-apt.sh).
# If the alias cannot be resolved or the kernel cannot be downloaded
# (offline) the newest cached kernel of the same alias is used (for newest:
# the newest cached kernel), with a warning.
#
# Guest: its own /proc /sys /dev (devtmpfs, with /dev/fd links) /dev/pts
# /dev/shm /run; debugfs at /sys/kernel/debug; the kernel's modules
# bind-mounted at /lib/modules/$(uname -r) (modprobe brd / raid1 / dm-flakey /
# loop, mount -t ext4 work); IN_VM=1; BRDCTL and BATS_LIB_PATH passed through
# when set; -e NAME=VALUE sets more.  With VM_SHARE, that host dir is mounted
# read-write at /vmio/share (files written there survive the guest).
#
# Knobs (environment):
#   VMLAB       cache and run dir         default ${XDG_CACHE_HOME:-~/.cache}/brdctl-vm
#   VM_MEM      guest RAM                 default 2048M
#   VM_SMP      vCPUs                     default 1 (multi-threaded TCG in qemu
#               7.2 rarely oopses the guest in early boot)
#   VM_TIMEOUT  seconds, then exit 124    default 1800
#   VM_SHARE    host dir exported read-write at /vmio/share
#   VM_PASSENV  space separated names of host variables to pass to COMMAND
#   VM_APPEND   extra kernel command line (the default one has norandmaps and
#               mitigations=off: under TCG they make each exec ~3x cheaper)
#   VM_CONSOLE  copy the guest console log to this file
#   VM_VERBOSE  1 = print the guest console log (and timings) to stderr
#   VM_PVH      1 = boot the ELF vmlinux via PVH (faster), 0 = bzImage  default 1
#   VM_ACCEL, VM_CPU  qemu -accel / -cpu  default tcg / max
#
# Cache ($VMLAB): debs/ (downloaded .deb), k/VERSION/ (dpkg-deb -x, depmod,
# boot/vmlinux-VERSION, initrd-HASH.cpio where HASH covers guest-init.sh),
# apt/ (the private apt configuration), runs/run.* (one per run, removed
# afterwards).  Preparation is serialised with flock; concurrent runs are
# independent.  Kernel packages come in two shapes, unpacked into the same
# layout (k/VERSION/boot/vmlinuz-VERSION, boot/config-VERSION,
# lib/modules/VERSION): 6.x's linux-image-VERSION(-unsigned) holds it all;
# from 7.x linux-image-VERSION only depends on linux-binary-VERSION (the
# kernel at /usr/lib/modules/VERSION/vmlinuz), linux-modules-VERSION and
# linux-base-VERSION (/usr/lib/modules/VERSION/config), fetched with it.
# Host packages: qemu-system-x86 busybox-static kmod cpio xz-utils zstd
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
log() { echo "run-in-vm: $*" >&2; }
usage() { sed -n '2,/^set -uo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//' >&2; exit 125; }
ENVS=()
while [ $# -gt 0 ]; do
  case $1 in
    -e) if [ $# -lt 2 ] || [[ ! $2 =~ ^[A-Za-z_][A-Za-z0-9_]*= ]]; then usage; fi
        ENVS+=("$2"); shift 2 ;;
    -h|--help) usage ;;
    *) break ;;
  esac
done
if [ $# -lt 3 ] || [ "$2" != "--" ]; then usage; fi
KERNEL=$1; shift 2

VMLAB=${VMLAB:-${XDG_CACHE_HOME:-$HOME/.cache}/brdctl-vm}
VM_MEM=${VM_MEM:-2048M}
VM_SMP=${VM_SMP:-1}
VM_TIMEOUT=${VM_TIMEOUT:-1800}
VM_PVH=${VM_PVH:-1}
VM_ACCEL=${VM_ACCEL:-tcg}
VM_CPU=${VM_CPU:-max}
# bump when the initramfs layout built below changes (guest-init.sh is hashed)
INITRD_FORMAT=2

T0=${EPOCHREALTIME/[.,]/}
elapsed() { local d=$(( ${EPOCHREALTIME/[.,]/} - T0 )); printf '%d.%02d' $((d / 1000000)) $((d % 1000000 / 10000)); }
vlog() { [ "${VM_VERBOSE:-0}" != 1 ] || log "$* (+$(elapsed)s)"; }

need() { command -v "$1" >/dev/null || { log "missing $1 (apt-get install $2)"; exit 125; }; }
need qemu-system-x86_64 qemu-system-x86; need modprobe kmod; need depmod kmod; need cpio cpio
need xz xz-utils; need zstd zstd; need dpkg-deb dpkg; need flock util-linux
if [ ! -x /bin/busybox ] || grep -q /lib64/ld-linux /bin/busybox; then
  log "need a static /bin/busybox (apt-get install busybox-static)"; exit 125
fi
[ -r "$HERE/guest-init.sh" ] || { log "missing $HERE/guest-init.sh"; exit 125; }

mkdir -p "$VMLAB/debs" "$VMLAB/k" "$VMLAB/runs" || exit 125
VMLAB=$(cd "$VMLAB" && pwd)
case $VMLAB in *[[:space:]]*) log "VMLAB must not contain white space: $VMLAB"; exit 125 ;; esac
export VMLAB
# shellcheck source=kernel-apt.sh
. "$HERE/kernel-apt.sh"

# ------------------------------------------------------------ kernel ---
is_alias() { [[ $1 =~ ^[0-9]+\.[0-9]+$ ]] || [ "$1" = newest ]; }

# newest prepared kernel of alias $1 in the cache (newest: of any version)
newest_cached() {
  local re=${1//./\\.} d v best=
  [ "$1" != newest ] || re='[0-9]+\.[0-9]+'
  for d in "$VMLAB"/k/*/.ready; do
    [ -e "$d" ] || continue
    v=${d%/.ready}; v=${v##*/}
    if [[ ! $v =~ ^${re}[.-][0-9].*-amd64$ ]] || [[ $v =~ -(cloud|rt)-amd64$ ]]; then continue; fi
    best=$(printf '%s\n' "$best" "$v" | sed '/^$/d' | sort -V | tail -n 1)
  done
  [ -n "$best" ] && echo "$best"
}

# extract the ELF vmlinux (it has the PVH entry note) from a bzImage
extract_vmlinux() { # bzImage out
  local img=$1 out=$2 m magic cmd pos
  for m in $'\xfd7zXZ:xz -dc' $'\x28\xb5\x2f\xfd:zstd -qdc' $'\x1f\x8b\x08:gzip -dc'; do
    magic=${m%%:*}; cmd=${m#*:}
    while read -r pos; do
      tail -c +$((pos + 1)) "$img" | $cmd >"$out" 2>/dev/null
      if [ "$(head -c 4 "$out" | tail -c 3)" = ELF ]; then return 0; fi
    done < <(LC_ALL=C grep -abo "$magic" "$img" | cut -d: -f1)
  done
  rm -f "$out"; return 1
}

# get_deb PACKAGE: print the path of PACKAGE's .deb in $VMLAB/debs,
# downloading it when missing: from the machine's apt sources, else from
# the harness's trixie-backports configuration (kernel-apt.sh)
get_deb() {
  local p=$1 deb dl
  deb=$(find "$VMLAB/debs" -maxdepth 1 -name "${p}_*.deb" | sort -V | tail -n 1)
  if [ -n "$deb" ]; then echo "$deb"; return 0; fi
  dl=$(mktemp -d "$VMLAB/debs/.dl.XXXXXX") || return 1
  if ! ( cd "$dl" && apt-get -q download "$p" ) >/dev/null 2>"$dl/.err"; then
    if kapt_update 2>>"$dl/.err"; then
      ( cd "$dl" && kapt_get -q download "$p" ) >/dev/null 2>>"$dl/.err"
    fi
  fi
  deb=$(find "$dl" -maxdepth 1 -name "${p}_*.deb" | head -n 1)
  if [ -n "$deb" ] && mv "$deb" "$VMLAB/debs/"; then
    rm -rf "$dl"
    echo "$VMLAB/debs/${deb##*/}"
    return 0
  fi
  grep -v 'Download is performed unsandboxed' "$dl/.err" >&2
  rm -rf "$dl"
  return 1
}

# download, unpack, depmod, vmlinux; $VMLAB/k/$1/.ready marks a usable kernel
prepare_kernel() {
  local v=$1 kd=$VMLAB/k/$1 deb debs=() dep t m
  [ -e "$kd/.ready" ] && return 0
  t=$(date +%s)
  log "preparing kernel $v (downloads on first use) ..."
  deb=$(get_deb "linux-image-$v-unsigned" 2>/dev/null) || deb=$(get_deb "linux-image-$v") ||
    { log "cannot download linux-image-$v(-unsigned)"; return 1; }
  debs=("$deb")
  # 7.x: the image package is a stub depending on the parts (linux-binary-,
  # linux-modules-, linux-base-$v); fetch the ones named after this version
  for dep in $(dpkg-deb -f "$deb" Depends | tr ',|' '\n' | awk '{print $1}'); do
    case $dep in
      linux-image-*) ;;
      linux-*-"$v") m=$(get_deb "$dep") || { log "cannot download $dep"; return 1; }
                    debs+=("$m") ;;
    esac
  done
  rm -rf "$kd" "$kd.tmp"
  for deb in "${debs[@]}"; do
    dpkg-deb -x "$deb" "$kd.tmp" || { log "dpkg-deb -x $deb failed"; rm -rf "$kd.tmp"; return 1; }
  done
  # one layout for both shapes: modules in lib/modules/$v, kernel and config
  # in boot/
  if [ ! -d "$kd.tmp/lib/modules/$v" ] && [ -d "$kd.tmp/usr/lib/modules/$v" ]; then
    mkdir -p "$kd.tmp/lib/modules" && mv "$kd.tmp/usr/lib/modules/$v" "$kd.tmp/lib/modules/$v" || return 1
  fi
  mkdir -p "$kd.tmp/boot"
  if [ ! -f "$kd.tmp/boot/vmlinuz-$v" ] && [ -f "$kd.tmp/lib/modules/$v/vmlinuz" ]; then
    mv "$kd.tmp/lib/modules/$v/vmlinuz" "$kd.tmp/boot/vmlinuz-$v" || return 1
  fi
  if [ ! -f "$kd.tmp/boot/config-$v" ] && [ -f "$kd.tmp/lib/modules/$v/config" ]; then
    cp "$kd.tmp/lib/modules/$v/config" "$kd.tmp/boot/config-$v" || return 1
  fi
  if [ ! -f "$kd.tmp/boot/vmlinuz-$v" ] || [ ! -d "$kd.tmp/lib/modules/$v/kernel" ]; then
    log "${debs[*]##*/} have no vmlinuz or modules for $v"; rm -rf "$kd.tmp"; return 1
  fi
  depmod -b "$kd.tmp" "$v" || { log "depmod failed"; rm -rf "$kd.tmp"; return 1; }
  extract_vmlinux "$kd.tmp/boot/vmlinuz-$v" "$kd.tmp/boot/vmlinux-$v" ||
    log "could not extract vmlinux from vmlinuz-$v (PVH boot unavailable)"
  touch "$kd.tmp/.ready" && mv "$kd.tmp" "$kd" || return 1
  log "prepared kernel $v in $(($(date +%s) - t))s (cache $kd)"
}

exec 8>"$VMLAB/.lock" || exit 125
flock 8 || { log "cannot lock $VMLAB/.lock"; exit 125; }
KVER=
if is_alias "$KERNEL"; then
  KVER=$("$HERE/kernel-version.sh" "$KERNEL") || KVER=
  if [ -z "$KVER" ]; then
    KVER=$(newest_cached "$KERNEL") || { log "cannot resolve kernel $KERNEL and none is cached"; exit 125; }
    log "warning: cannot resolve $KERNEL from the apt lists; using cached $KVER"
  fi
else
  KVER=$("$HERE/kernel-version.sh" "$KERNEL") || exit 125
fi
if ! prepare_kernel "$KVER"; then
  old=
  if is_alias "$KERNEL"; then old=$(newest_cached "$KERNEL"); fi
  [ -n "$old" ] || { log "no kernel for $KERNEL"; exit 125; }
  log "warning: using cached kernel $old instead of $KVER"
  KVER=$old
fi
KDIR=$VMLAB/k/$KVER
KIMG=$KDIR/boot/vmlinuz-$KVER
if [ "$VM_PVH" = 1 ] && [ -f "$KDIR/boot/vmlinux-$KVER" ]; then KIMG=$KDIR/boot/vmlinux-$KVER; fi
vlog "kernel $KVER ready"

# ------------------------------------------------------------ initrd ---
# busybox (static), the decompressed virtio/9p/overlay modules, guest-init.sh
HASH=$( { cat "$HERE/guest-init.sh"; echo "format $INITRD_FORMAT"; } | sha256sum | cut -c1-16)
INITRD=$KDIR/initrd-$HASH.cpio
if [ ! -s "$INITRD" ]; then
  W=$(mktemp -d "$VMLAB/.initrd.XXXXXX") || exit 125
  mkdir -p "$W"/{bin,dev,proc,sys,mods}
  cp /bin/busybox "$W/bin/busybox" && cp "$HERE/guest-init.sh" "$W/init" && chmod 755 "$W/init" || exit 125
  for m in virtio_pci 9pnet_virtio 9p overlay; do
    modprobe -d "$KDIR" -S "$KVER" --show-depends "$m" || { log "module $m not found for $KVER"; rm -rf "$W"; exit 125; }
  done | awk '$1 == "insmod" && !seen[$2]++ { print $2 }' >"$W/list"
  : >"$W/mods/order"
  while read -r ko; do
    b=${ko##*/}; b=${b%.xz}; b=${b%.zst}; b=${b%.gz}
    case $ko in            # busybox insmod wants plain ELF
      *.xz) xz -dc "$ko" ;;
      *.zst) zstd -qdc "$ko" ;;
      *.gz) gzip -dc "$ko" ;;
      *) cat "$ko" ;;
    esac >"$W/mods/$b" || { rm -rf "$W"; exit 125; }
    echo "$b" >>"$W/mods/order"
  done <"$W/list"
  rm -f "$W/list"
  # uncompressed: the guest need not decompress it (faster under TCG)
  (cd "$W" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) >"$INITRD.tmp" && mv "$INITRD.tmp" "$INITRD" || exit 125
  rm -rf "$W"
  vlog "built $INITRD"
fi
touch "$INITRD"
# drop initramfs images of older guest-init.sh versions unused for a week
find "$VMLAB/k" -maxdepth 2 -name 'initrd-*.cpio' -mtime +7 -delete 2>/dev/null

# --------------------------------------------------------------- run ---
# remove run dirs of runs that died without cleaning up (their lock is free)
for d in "$VMLAB"/runs/run.*; do
  [ -d "$d" ] || continue
  ( flock -n 7 || exit 0; rm -rf "$d" ) 7>>"$d/.lock" 2>/dev/null
done
RUN=$(mktemp -d "$VMLAB/runs/run.XXXXXX") || exit 125
exec 9>"$RUN/.lock" || exit 125
flock 9 || exit 125     # held (by qemu too) for the run
flock -u 8; exec 8>&-

QPID='' EPID=''
# shellcheck disable=SC2317  # invoked by the EXIT trap
cleanup() {
  [ -z "$QPID" ] || kill "$QPID" 2>/dev/null
  # unblock the stderr reader if qemu never opened the fifo, then let it finish
  if [ -n "$EPID" ]; then : 2<>"$RUN/err"; wait "$EPID" 2>/dev/null; fi
  rm -rf "$RUN"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

{
  echo '#!/bin/bash'
  echo "export PATH=$(printf %q "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$PATH")"
  echo 'export HOME=/root TERM=dumb LANG=C.UTF-8 IN_VM=1'
  for v in BRDCTL BATS_LIB_PATH ${VM_PASSENV:-}; do
    [[ $v =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || continue
    if [ -n "${!v+x}" ]; then echo "export $v=$(printf %q "${!v}")"; fi
  done
  for e in "${ENVS[@]}"; do echo "export ${e%%=*}=$(printf %q "${e#*=}")"; done
  echo "cd $(printf %q "$PWD") 2>/dev/null || { echo \"run-in-vm: cannot cd to $(printf %q "$PWD") in the guest\" >&2; exit 125; }"
  printf 'exec'; printf ' %q' "$@"; echo
} >"$RUN/cmd"
printf '%s' "$KDIR" >"$RUN/kdir"
SHARE=()
if [ -n "${VM_SHARE:-}" ]; then
  mkdir -p "$VM_SHARE" || exit 125
  SHARE=(-virtfs "local,path=$(cd "$VM_SHARE" && pwd),mount_tag=vmshare,security_model=none,multidevs=remap")
  : >"$RUN/want-share"
fi
mkfifo "$RUN/err" || exit 125
cat "$RUN/err" >&2 &
EPID=$!

vlog "starting qemu"
timeout -k 10 "$VM_TIMEOUT" qemu-system-x86_64 -accel "$VM_ACCEL" -cpu "$VM_CPU" -m "$VM_MEM" -smp "$VM_SMP" \
  -display none -monitor none -no-reboot -nodefaults -no-user-config \
  -kernel "$KIMG" -initrd "$INITRD" \
  -append "console=ttyS0 panic=-1 quiet loglevel=4 norandmaps mitigations=off ${VM_APPEND:-}" \
  -serial "file:$RUN/console.log" \
  -chardev stdio,id=out,signal=off -serial chardev:out \
  -chardev "file,id=err,path=$RUN/err" -serial chardev:err \
  -virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap" \
  -virtfs "local,path=$RUN,mount_tag=vmio,security_model=none,multidevs=remap" \
  "${SHARE[@]}" </dev/null &
QPID=$!
wait "$QPID"; qrc=$?; QPID=
: 2<>"$RUN/err"; wait "$EPID" 2>/dev/null; EPID=
vlog "qemu exited ($qrc)"

if [ -n "${VM_CONSOLE:-}" ]; then cp "$RUN/console.log" "$VM_CONSOLE"; fi
if [ "${VM_VERBOSE:-0}" = 1 ]; then { echo "----- guest console -----"; cat "$RUN/console.log"; } >&2; fi
if grep -qE 'Oops|BUG:|Kernel panic|WARNING: CPU|Call Trace' "$RUN/console.log"; then
  log "the guest kernel reported a problem:"
  grep -E -A25 -m1 'Oops|BUG:|Kernel panic|WARNING: CPU|Call Trace' "$RUN/console.log" >&2
fi
if [ -s "$RUN/rc" ]; then
  rc=$(cat "$RUN/rc")
  [[ $rc =~ ^[0-9]+$ ]] && exit "$rc"
fi
if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then log "timed out after ${VM_TIMEOUT}s"; rc=124
else log "the guest did not report an exit status (qemu rc=$qrc); console tail:"; rc=125; fi
tail -n 40 "$RUN/console.log" >&2
exit "$rc"
