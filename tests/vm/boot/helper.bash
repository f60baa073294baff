# Boot tests (host side): boot a systemd guest once per file (setup_file)
# with tests/vm/run-boot.sh, then check what tests/vm/boot/collect wrote on
# the shared directory at boot and during the poweroff.
# BOOT_KERNEL: the kernel to boot (6.12, or a full version) [6.12].

BOOT_KERNEL=${BOOT_KERNEL:-6.12}

need_boot() {
	[ "$(id -u)" = 0 ] || skip "needs root (the guest harness runs as root)"
	command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86 is not installed"
	[ -x /bin/busybox ] || skip "busybox-static is not installed"
	[ -x /lib/systemd/systemd ] || skip "systemd is not installed (the guest boots the host's)"
}

# boot_stage DIR UNIT...: the units every boot test stages into the guest:
# consumer.service (RequiresMountsFor=$CONSUMER_MOUNT) and a drop-in that
# records each brdctl-setup@ instance's stop (tests/vm/boot/record).
boot_stage() {
	local st=$1 u=$1/etc/systemd/system
	mkdir -p "$u/multi-user.target.wants" "$u/brdctl-setup@.service.d"
	cat >"$u/brdctl-setup@.service.d/zz-boot-test.conf" <<-EOF
	[Unit]
	RequiresMountsFor=/vmio/share
	[Service]
	ExecStopPost=$TOP/tests/vm/boot/record setup-stop %i
	EOF
	if [ -n "${CONSUMER_MOUNT:-}" ]; then
		cat >"$u/consumer.service" <<-EOF
		[Unit]
		Description=boot test: a service that uses $CONSUMER_MOUNT
		RequiresMountsFor=$CONSUMER_MOUNT /vmio/share
		[Service]
		Type=oneshot
		RemainAfterExit=yes
		ExecStart=/bin/sh -c 'echo hello >$CONSUMER_MOUNT/hello'
		ExecStart=$TOP/tests/vm/boot/record consumer-start
		ExecStop=$TOP/tests/vm/boot/record consumer-stop
		EOF
		ln -s ../consumer.service "$u/multi-user.target.wants/consumer.service"
	fi
}

# boot_guest BRDTAB-TEXT LINES [EXTRA-SCRIPT]: one boot.  LINES: the names
# whose units the shutdown phase waits for and whose facts are collected.
# Sets nothing; results in $BATS_FILE_TMPDIR/{share,rc,out,console.log}, or
# below $BOOT_DIR (a file with several boots: one directory each).
boot_guest() {
	local d=${BOOT_DIR:-$BATS_FILE_TMPDIR} l before=""
	mkdir -p "$d/share" "$d/stage"
	printf '%s\n' "$1" >"$d/brdtab"
	# BOOT_FINAL: the lines still set up at poweroff, if not all of LINES
	for l in ${BOOT_FINAL-$2}; do before+=" brdctl-setup@$l.service"; done
	[ -z "${CONSUMER_MOUNT:-}" ] || before+=" consumer.service"
	boot_stage "$d/stage"
	[ -z "${BOOT_STAGE_HOOK:-}" ] || "$BOOT_STAGE_HOOK" "$d/stage"
	cat >"$d/t.sh" <<-EOF
	BOOT_LINES="$2" BOOT_EXTRA="${3:-}" exec bash $TOP/tests/vm/boot/collect "\$1"
	EOF
	local t0=$SECONDS
	VM_SHARE=$d/share VM_STAGE=$d/stage VM_FINAL_BEFORE=$before VM_TIMEOUT=${BOOT_TIMEOUT:-900} \
		VM_CONSOLE=$d/console.log "$TOP/tests/vm/run-boot.sh" "$BOOT_KERNEL" "$d/brdtab" "$d/t.sh" \
		>"$d/out" 2>&1 3>&-
	echo $? >"$d/rc"
	echo "$((SECONDS - t0))" >"$d/seconds"
}

# The boot and the poweroff completed (every test of the file checks it).
booted() {
	local d=${BOOT_DIR:-$BATS_FILE_TMPDIR}
	if [ "$(cat "$d/rc" 2>/dev/null)" != 0 ]; then
		cat "$d/out" 2>/dev/null
		fail "run-boot.sh exited with $(cat "$d/rc" 2>/dev/null) (console: $d/console.log)"
	fi
	B=$d/share/boot S=$d/share/shutdown
}

# fact LINE KEY: a value of facts.LINE collected at boot
fact() { sed -n "s/^$2=//p" "$B/facts.$1"; }
# prop UNIT PROPERTY (at boot)
prop() { sed -n "s/^$2=//p" "$B/show.$1"; }
