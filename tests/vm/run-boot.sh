#!/bin/bash
# run-boot.sh KERNEL BRDTAB_FILE TEST_SCRIPT
#
# The boot test layer: boot a qemu guest (TCG, 1 vCPU, no KVM needed) with
# systemd as PID 1 on a stock Debian kernel, the host's / shared read-only
# over virtio-9p under a tmpfs overlay (guest writes vanish), with the
# project installed by its own `make install PREFIX=/usr` (brdctl,
# brdctl-generator, brdctl-setup@.service) and BRDTAB_FILE as /etc/brdtab
# (mode 0644, root).  VM_STAGE=DIR: DIR's tree is copied over the guest's /
# after that (extra units, drop-ins, a brdtab with odd modes or owners).
# VM_DEB=FILE: no make install; the Debian package FILE is installed instead
# with `dpkg -i`, chrooted into the guest's root before systemd starts
# (with an empty /run, as on a machine that is not running; man-db's
# trigger off: under TCG it would take minutes).
# TEST_SCRIPT runs twice, as root under bash, in $PROJECT, with IN_VM=1
# BRDCTL=/usr/sbin/brdctl:
#   TEST_SCRIPT boot      after multi-user.target, from guest-test.service
#                         (Type=exec, so the boot is finished); then poweroff
#   TEST_SCRIPT shutdown  during that poweroff, from the ExecStop= of
#                         guest-final.service, which is ordered Before= the
#                         units of VM_FINAL_BEFORE (e.g. the brdctl-setup@
#                         instances): it runs after they stopped
# Both phases' stdout go to our stdout (live), stderr to our stderr (at the
# end).  Exit status: the boot phase's when non-zero, else the shutdown
# phase's; 124 timed out; 125 setup failure / a phase never reported.
# Adapted from the recipe in ../shared/vm (systemd-boot.md: its pitfalls).
#
# KERNEL: a full version (6.12.117+deb12-amd64) or an alias (6.12, newest): the
# newest kernel prepared in $VMLAB/k by tests/vm/run-in-vm.sh (which is run
# once, unchanged, to download one when none is cached).
# Environment:
#   PROJECT     built project tree (build/brdctl)  [the checkout of this script]
#   VMLAB       the harness's cache            [${XDG_CACHE_HOME:-~/.cache}/brdctl-vm]
#   VM_TIMEOUT  seconds [600]   VM_MEM [2048M]   VM_APPEND  more kernel cmdline
#   VM_MASK     more units to mask in the guest (space separated)
#   VM_FINAL_BEFORE  units the shutdown phase must run after
#   VM_SHARE    host dir mounted read-write at /vmio/share in the guest
#   VM_CONSOLE  copy the console log (systemd status + journal) to this file
#   VM_VERBOSE  1 = print the console log and the timings to stderr
#   VM_POWEROFF force = after the boot phase, power off at once (`systemctl
#               poweroff -ff`: no unit is stopped, no ExecStop= runs, as at a
#               power cut); the shutdown phase does not run, and the exit
#               status is the boot phase's
set -uo pipefail
log() { echo "run-boot: $*" >&2; }
[ $# -eq 3 ] || { sed -n '2,/^set -uo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//' >&2; exit 125; }
KERNEL=$1 BRDTAB=$2 TEST=$3
PROJECT=$(cd "${PROJECT:-$(dirname "${BASH_SOURCE[0]}")/../..}" && pwd) || exit 125
VMLAB=${VMLAB:-${XDG_CACHE_HOME:-$HOME/.cache}/brdctl-vm}
VM_TIMEOUT=${VM_TIMEOUT:-600} VM_MEM=${VM_MEM:-2048M}
T0=${EPOCHREALTIME/[.,]/}
for f in "$BRDTAB" "$TEST" "$PROJECT/Makefile"; do
  [ -r "$f" ] || { log "cannot read $f"; exit 125; }
done
for c in qemu-system-x86_64 modprobe cpio xz zstd flock; do
  command -v $c >/dev/null || { log "missing $c"; exit 125; }; done
if [ ! -x /bin/busybox ] || grep -q /lib64/ld-linux /bin/busybox; then
  log "need a static /bin/busybox (busybox-static)"; exit 125; fi
mkdir -p "$VMLAB/k" "$VMLAB/runs" && VMLAB=$(cd "$VMLAB" && pwd) || exit 125

# ------------------------------------------------------------ kernel ---
cached() { # newest prepared kernel matching $1 (alias or full version)
  local d v re=${1//./\\.}
  for d in "$VMLAB"/k/*/.ready; do
    v=${d%/.ready}; v=${v##*/}
    if [ "$v" = "$1" ] || { [[ $v =~ ^${re}[.-][0-9].*-amd64$ ]] && [[ ! $v =~ -(cloud|rt)-amd64$ ]]; }; then
      echo "$v"; fi
  done | sort -V | tail -n 1
}
# an alias (6.12, newest, 7.3) names what the apt lists say today, as for
# run-in-vm.sh; offline, the newest cached kernel of an X.Y alias serves
WANT=$KERNEL
if full=$(VMLAB=$VMLAB "$PROJECT/tests/vm/kernel-version.sh" "$KERNEL" 2>/dev/null); then
  WANT=$full
fi
KVER=$(cached "$WANT")
[ -n "$KVER" ] || [ "$WANT" = "$KERNEL" ] || KVER=$(cached "$KERNEL")
if [ -z "$KVER" ] && [ -x "$PROJECT/tests/vm/run-in-vm.sh" ]; then
  log "no cached kernel $KERNEL: preparing it with the project's run-in-vm.sh"
  VMLAB=$VMLAB "$PROJECT/tests/vm/run-in-vm.sh" "$KERNEL" -- true >&2
  KVER=$(cached "$WANT")
fi
[ -n "$KVER" ] || { log "no kernel $KERNEL in $VMLAB/k"; exit 125; }
KDIR=$VMLAB/k/$KVER
KIMG=$KDIR/boot/vmlinux-$KVER                     # ELF: PVH boot, faster
[ -f "$KIMG" ] || KIMG=$KDIR/boot/vmlinuz-$KVER

# ---------------------------------------------- guest /init (busybox) ---
# Mount host / (9p, ro) under a tmpfs overlay, /vmio (the run dir), copy the
# staged files (/vmio/stage) into the overlay, then switch_root to systemd.
guest_init() { cat <<'EOF'
#!/bin/busybox sh
B=/bin/busybox
die() { echo "guest-init: $*"; $B poweroff -f; }
$B mount -t proc proc /proc; $B mount -t sysfs sysfs /sys; $B mount -t devtmpfs devtmpfs /dev
for m in $($B cat /mods/order); do $B insmod "/mods/$m" || echo "guest-init: insmod $m failed"; done
P9=trans=virtio,version=9p2000.L,msize=512000
$B mkdir -p /lower /upper /newroot
$B mount -t 9p -o $P9,ro,cache=loose hostroot /lower || die "cannot mount the host root"
$B mount -t tmpfs -o mode=755 tmpfs /upper && $B mkdir -p /upper/u /upper/w
$B mount -t overlay -o lowerdir=/lower,upperdir=/upper/u,workdir=/upper/w overlay /newroot || die "overlay"
R=/newroot
for d in proc sys dev; do $B mount --move /$d $R/$d; done
$B mkdir -p $R/vmio
$B mount -t 9p -o $P9,cache=none vmio $R/vmio || die "cannot mount /vmio"
if [ -e $R/vmio/want-share ]; then
  $B mkdir -p $R/vmio/share && $B mount -t 9p -o $P9,cache=none vmshare $R/vmio/share || die "share"
fi
# the kernel's modules: a symlink to the harness cache, seen through the
# overlay (a bind mount would be a mount unit that fails to unmount at poweroff)
KV=$($B uname -r) KD=$($B cat $R/vmio/kdir)
$B mkdir -p $R/lib/modules && [ -e $R/lib/modules/$KV ] || $B ln -s $KD/lib/modules/$KV $R/lib/modules/$KV
$B cp -a $R/vmio/stage/. $R/ || die "cannot copy /vmio/stage"
if [ -e $R/vmio/install.deb ]; then      # VM_DEB: installed as dpkg installs it
  # (by path: busybox would run its own dpkg applet for a bare "dpkg")
  $B mount -t tmpfs -o mode=755 tmpfs $R/run && $B rm -f $R/var/lib/man-db/auto-update
  PATH=/usr/sbin:/usr/bin:/sbin:/bin $B chroot $R /usr/bin/dpkg -i /vmio/install.deb >$R/vmio/deb.log 2>&1
  echo $? >$R/vmio/deb.rc; $B umount $R/run
fi
$B tr -d - <$R/proc/sys/kernel/random/uuid >$R/etc/machine-id   # a fresh machine
# the host's /.dockerenv makes systemd believe it runs in a container: it then
# ignores /proc/cmdline (systemd.unit=) and starts console-getty
$B rm -f $R/.dockerenv
exec $B switch_root $R /lib/systemd/systemd
EOF
}
HASH=$(guest_init | sha256sum | cut -c1-16)
INITRD=$KDIR/sysd-initrd-$HASH.cpio
exec 8>"$VMLAB/.lock" && flock 8 || exit 125      # the harness's cache lock
if [ ! -s "$INITRD" ]; then    # busybox, plain-ELF virtio/9p/overlay modules, /init
  W=$(mktemp -d "$VMLAB/.initrd.XXXXXX") || exit 125
  mkdir -p "$W"/{bin,dev,proc,sys,mods} && cp /bin/busybox "$W/bin/" && guest_init >"$W/init" &&
    chmod 755 "$W/init" || exit 125
  KOS=$(for m in virtio_pci 9pnet_virtio 9p overlay; do
      modprobe -d "$KDIR" -S "$KVER" --show-depends "$m" || exit 1
    done | awk '$1 == "insmod" && !seen[$2]++ { print $2 }') || { log "virtio/9p/overlay modules missing"; exit 125; }
  for ko in $KOS; do     # busybox insmod wants plain ELF
    b=${ko##*/}; b=${b%.xz}; b=${b%.zst}; b=${b%.gz}
    case $ko in *.xz) xz -dc "$ko" ;; *.zst) zstd -qdc "$ko" ;; *.gz) gzip -dc "$ko" ;; *) cat "$ko" ;; esac >"$W/mods/$b"
    echo "$b" >>"$W/mods/order"
  done
  (cd "$W" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) >"$INITRD.tmp" && mv "$INITRD.tmp" "$INITRD" || exit 125
  rm -rf "$W"
fi
RUN=$(mktemp -d "$VMLAB/runs/sysd.XXXXXX") || exit 125
flock -u 8; exec 8>&-
QPID=
trap '[ -z "$QPID" ] || kill "$QPID" 2>/dev/null; rm -rf "$RUN"' EXIT
trap 'exit 130' INT; trap 'exit 143' TERM

# ----------------------------------- files staged into the guest's / ---
ST=$RUN/stage U=$RUN/stage/etc/systemd/system
mkdir -p "$U/multi-user.target.wants" "$U/sysinit.target.wants" "$ST/etc/tmpfiles.d" "$ST/etc/run-boot" || exit 125
cp "$BRDTAB" "$ST/etc/brdtab" && cp "$TEST" "$RUN/test" && printf %s "$KDIR" >"$RUN/kdir" || exit 125
echo vm >"$ST/etc/hostname"
# the project as its own `make install PREFIX=/usr` installs it (nothing to
# enable: brdctl-generator pulls the units of /etc/brdtab in)
if [ -n "${VM_DEB:-}" ]; then   # or the package (VM_DEB), by dpkg in the guest
  cp "$VM_DEB" "$RUN/install.deb" || { log "cannot read VM_DEB=$VM_DEB"; exit 125; }
else
  make -s -C "$PROJECT" install DESTDIR="$ST" PREFIX=/usr >"$RUN/install.log" 2>&1 ||
    { log "make install failed:"; tail -5 "$RUN/install.log" >&2; exit 125; }
fi
chmod 644 "$ST/etc/brdtab"
if [ -n "${VM_STAGE:-}" ]; then cp -a "$VM_STAGE/." "$ST/" || exit 125; fi
# tmp.conf's "D /tmp" would empty /tmp at boot: through the overlay that is a
# whiteout per file of the host's /tmp (minutes), and the project (and the
# kernel modules) may live there
echo 'd /tmp 1777 root root -' >"$ST/etc/tmpfiles.d/tmp.conf"
# units of the host that make no sense here: login prompts on the console,
# apt/man-db/e2scrub timers, the host's postgresql, NTP without a network
for u in getty.target timers.target postgresql.service postgresql@.service \
         e2scrub_reap.service systemd-timesyncd.service ${VM_MASK:-}; do
  ln -sfn /dev/null "$U/$u"; done
# phase runner: stdout on ttyS1, stderr on ttyS2 (raw), status to /vmio/rc.PHASE
cat >"$ST/etc/run-boot/phase" <<EOF
#!/bin/bash
p=\$1
stty -F /dev/ttyS1 raw -echo; stty -F /dev/ttyS2 raw -echo
cut -d' ' -f1 /proc/uptime >/vmio/up.\$p
export IN_VM=1 HOME=/root LANG=C.UTF-8 BRDCTL=/usr/sbin/brdctl
(cd $(printf %q "$PROJECT") && exec /bin/bash /vmio/test "\$p") </dev/null >/dev/ttyS1 2>/dev/ttyS2
echo \$? >/vmio/rc.\$p.tmp && mv /vmio/rc.\$p.tmp /vmio/rc.\$p
[ "\$p" != boot ] || [ "${VM_POWEROFF:-}" = force ] || systemctl --no-block poweroff
[ "\$p" != boot ] || [ "${VM_POWEROFF:-}" != force ] || { sync; systemctl poweroff -ff; }
EOF
chmod 755 "$ST/etc/run-boot/phase"
cat >"$U/guest-test.service" <<EOF
[Unit]
Description=run-boot: test, boot phase
After=multi-user.target
[Service]
Type=exec
ExecStart=/etc/run-boot/phase boot
EOF
ln -s ../guest-test.service "$U/multi-user.target.wants/"
# started early, stopped late: after VM_FINAL_BEFORE, before /vmio is unmounted
cat >"$U/guest-final.service" <<EOF
[Unit]
Description=run-boot: test, shutdown phase
DefaultDependencies=no
RequiresMountsFor=/vmio${VM_SHARE:+ /vmio/share}
# stopped after these (VM_FINAL_BEFORE: units of the project, e.g. generated ones)
Before=${VM_FINAL_BEFORE:-} shutdown.target
Conflicts=shutdown.target
[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/true
ExecStop=/etc/run-boot/phase shutdown
TimeoutStopSec=300
EOF
ln -s ../guest-final.service "$U/sysinit.target.wants/"
# emergency/rescue mode would wait for a root password on the console until
# VM_TIMEOUT: power off at once instead (no phase reports: exit 125)
for u in emergency rescue; do
  mkdir -p "$U/$u.service.d" && printf '%s\n' '[Service]' 'ExecStartPre=' 'ExecStart=' \
    "ExecStart=/bin/sh -c 'echo run-boot: $u mode >/dev/ttyS2; systemctl --no-block poweroff'" \
    >"$U/$u.service.d/run-boot.conf"; done

# --------------------------------------------------------------- run ---
SHARE=()
if [ -n "${VM_SHARE:-}" ]; then
  mkdir -p "$VM_SHARE" || exit 125
  SHARE=(-virtfs "local,path=$(cd "$VM_SHARE" && pwd),mount_tag=vmshare,security_model=none,multidevs=remap")
  : >"$RUN/want-share"
fi
APPEND="console=ttyS0 panic=-1 quiet loglevel=4 norandmaps mitigations=off
 systemd.unit=multi-user.target systemd.show_status=1 systemd.journald.forward_to_console=1 ${VM_APPEND:-}"
timeout -k 10 "$VM_TIMEOUT" qemu-system-x86_64 -accel tcg -cpu max -m "$VM_MEM" -smp 1 \
  -display none -monitor none -no-reboot -nodefaults -no-user-config \
  -kernel "$KIMG" -initrd "$INITRD" -append "${APPEND//$'\n'/}" \
  -serial "file:$RUN/console.log" -chardev stdio,id=out,signal=off -serial chardev:out \
  -serial "file:$RUN/err" \
  -virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap" \
  -virtfs "local,path=$RUN,mount_tag=vmio,security_model=none,multidevs=remap" \
  "${SHARE[@]}" </dev/null &
QPID=$!
wait "$QPID"; qrc=$?; QPID=
cat "$RUN/err" >&2 2>/dev/null

# ----------------------------------------------------------- verdict ---
t=$(( ${EPOCHREALTIME/[.,]/} - T0 )); TOTAL=$((t / 1000000)).$(printf %02d $((t % 1000000 / 10000)))
[ -z "${VM_CONSOLE:-}" ] || cp "$RUN/console.log" "$VM_CONSOLE"
if [ "${VM_VERBOSE:-0}" = 1 ]; then
  { echo "----- guest console -----"; sed 's/\x1b\[[0-9;]*[mK]//g' "$RUN/console.log"; } >&2
  log "kernel $KVER: boot phase at $(cat "$RUN/up.boot" 2>/dev/null)s guest uptime," \
      "shutdown phase at $(cat "$RUN/up.shutdown" 2>/dev/null)s, total ${TOTAL}s"
fi
if grep -qE 'Oops|BUG:|Kernel panic|WARNING: CPU|Call Trace' "$RUN/console.log"; then
  log "the guest kernel reported a problem:"
  grep -E -A25 -m1 'Oops|BUG:|Kernel panic|WARNING: CPU|Call Trace' "$RUN/console.log" >&2
fi
rb=$(cat "$RUN/rc.boot" 2>/dev/null) rs=$(cat "$RUN/rc.shutdown" 2>/dev/null)
if [ -n "${VM_DEB:-}" ] && [ "$(cat "$RUN/deb.rc" 2>/dev/null)" != 0 ]; then
  log "dpkg -i $VM_DEB failed in the guest:"; cat "$RUN/deb.log" >&2 2>/dev/null; rc=125
elif [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then log "timed out after ${VM_TIMEOUT}s"; rc=124
elif [[ ! $rb =~ ^[0-9]+$ ]]; then log "the boot phase did not report (qemu rc=$qrc)"; rc=125
elif [ "$rb" != 0 ] || [ "${VM_POWEROFF:-}" = force ]; then rc=$rb
elif [[ ! $rs =~ ^[0-9]+$ ]]; then log "the shutdown phase did not report (qemu rc=$qrc)"; rc=125
else rc=$rs; fi
[ "$rc" -ge 124 ] || grep -q 'reboot: Power down' "$RUN/console.log" || { log "no clean power-off"; rc=125; }
if [ "$rc" -ge 124 ] && [ "${VM_VERBOSE:-0}" != 1 ]; then   # the last of each run of "Job ... running" lines
  log "console tail:"; sed 's/\x1b\[[0-9;]*[mK]//g; s/\x1bM//g' "$RUN/console.log" |
    awk '/ running \(/ { j = $0; next } j != "" { print j; j = "" } { print } END { if (j != "") print j }' | tail -n 40 >&2
fi
exit "$rc"
