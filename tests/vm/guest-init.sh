#!/bin/busybox sh
# shellcheck shell=sh
# guest-init.sh — /init of the brdctl test guest (run by busybox sh, as PID 1).
#
# Built into the initramfs by run-in-vm.sh; the initramfs cache file name
# carries a hash of this file, so editing it rebuilds the initramfs.
#
# Stage 1 (no argument, in the initramfs): load the virtio/9p/overlay modules
# listed in /mods/order, mount the host root (9p tag hostroot, read-only) under
# a tmpfs overlay, give it its own /proc /sys /dev /run, the per-run 9p dir
# /vmio (tag vmio), optionally /vmio/share (tag vmshare), debugfs and the
# kernel's modules, then switch_root into it and run stage 2 there.
# Stage 2 (argument "stage2", PID 1 in the overlay root): run /vmio/cmd with
# bash, stdout on ttyS1, stderr on ttyS2 (both raw, byte-exact), store its exit
# status in /vmio/rc and power off.  Running the command after switch_root
# (not in a chroot) lets kernel usermode helpers (request_module ->
# /sbin/modprobe, e.g. `mount -t ext4`) find the host userland.
#
# Read from the per-run dir: /vmio/kdir (the unpacked kernel package, whose
# lib/modules/$(uname -r) is bind-mounted), /vmio/want-share, /vmio/cmd.

if [ "$1" = stage2 ]; then
  B=/run/vm/busybox
  # the command: stdin /dev/null, stdout ttyS1, stderr ttyS2, both raw
  $B stty -F /dev/ttyS1 raw -echo
  $B stty -F /dev/ttyS2 raw -echo
  /bin/bash /vmio/cmd </dev/null >/dev/ttyS1 2>/dev/ttyS2
  echo $? >/vmio/rc.tmp
  # the last close of a tty waits for its output to drain; if background
  # processes still hold the ports, coreutils stty (tcsetattr TCSADRAIN) waits
  if $B ls -l /proc/[0-9]*/fd/ 2>/dev/null | $B grep -q '/dev/ttyS[12]$'; then
    stty -F /dev/ttyS1 raw -echo; stty -F /dev/ttyS2 raw -echo
  fi
  $B mv /vmio/rc.tmp /vmio/rc
  $B sync
  $B poweroff -f
  exit 1
fi

B=/bin/busybox
die() { echo "vm-init: $*"; $B poweroff -f; }
$B mount -t proc proc /proc
$B mount -t sysfs sysfs /sys
$B mount -t devtmpfs devtmpfs /dev
for m in $($B cat /mods/order); do
  $B insmod "/mods/$m" || echo "vm-init: insmod $m failed"
done
P9="trans=virtio,version=9p2000.L,msize=512000"

$B mkdir -p /lower /upper /newroot
$B mount -t 9p -o "$P9,ro,cache=loose" hostroot /lower || die "mounting the host root failed"
$B mount -t tmpfs -o mode=755 tmpfs /upper
$B mkdir -p /upper/u /upper/w
$B mount -t overlay -o lowerdir=/lower,upperdir=/upper/u,workdir=/upper/w overlay /newroot ||
  die "overlay mount failed"
R=/newroot
$B mount --move /proc $R/proc
$B mount --move /sys $R/sys
$B mount --move /dev $R/dev
$B mkdir -p $R/dev/pts $R/dev/shm $R/vmio
# devtmpfs has none of these (udev would make them); bats and bash process
# substitution need /dev/fd
$B ln -sf /proc/self/fd $R/dev/fd
$B ln -sf /proc/self/fd/0 $R/dev/stdin
$B ln -sf /proc/self/fd/1 $R/dev/stdout
$B ln -sf /proc/self/fd/2 $R/dev/stderr
$B mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts $R/dev/pts
$B mount -t tmpfs tmpfs $R/dev/shm
$B mount -t tmpfs -o mode=755 tmpfs $R/run
$B mount -t 9p -o "$P9,cache=none" vmio $R/vmio || die "mounting /vmio failed"
if [ -e $R/vmio/want-share ]; then
  $B mkdir -p $R/vmio/share
  $B mount -t 9p -o "$P9,cache=none" vmshare $R/vmio/share || die "mounting /vmio/share failed"
fi
$B mount -t debugfs debugfs $R/sys/kernel/debug 2>/dev/null || echo "vm-init: no debugfs"
KV=$($B uname -r)
KD=$($B cat $R/vmio/kdir 2>/dev/null)
if [ -n "$KD" ] && [ -d "$R$KD/lib/modules/$KV" ]; then
  $B mkdir -p "$R/lib/modules/$KV"
  $B mount --bind "$R$KD/lib/modules/$KV" "$R/lib/modules/$KV" || die "binding the modules failed"
else
  echo "vm-init: no modules for $KV under '$KD'"
fi
$B hostname vm
[ -e $R/vmio/cmd ] || die "no /vmio/cmd"
$B mkdir -p $R/run/vm
$B cp $B $R/run/vm/busybox
$B cp /init $R/run/vm/init
# (if switch_root fails, PID 1 exits and the kernel panics: run-in-vm.sh
# reports that with the console tail)
exec $B switch_root $R /run/vm/busybox sh /run/vm/init stage2
