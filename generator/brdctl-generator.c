// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * brdctl-generator: a systemd generator (systemd.generator(7)) that turns
 * each line of /etc/brdtab into units of its own (lib/ramdisk/brdunit.h):
 * brdctl-setup@NAME.service (creates, formats and mounts that line's
 * ramdisk with `brdctl apply --only NAME`, frees it with `brdctl unapply
 * --only NAME`) and, for a line with a mount point, a .mount unit.
 *
 *   brdctl-generator NORMAL-DIR [EARLY-DIR LATE-DIR]
 *
 * It reads the file and its drop-ins (brdtab.d/ *.brdtab under /etc, /run,
 * /usr/lib: brdtab_parse_set()) with the parser `brdctl apply` uses
 * (lib/ramdisk/brdtab.c), for this machine's MemTotal and kernel command
 * line (brdctl.brdtab=0, brdctl.skip=; $SYSTEMD_PROC_CMDLINE in tests); a
 * line a condition leaves out is logged as skipped and gets no units.
 * systemd runs it at boot and at every daemon-reload, before journald is
 * there, so messages go to the kernel log (/dev/kmsg; the journal picks
 * them up) -- or to stderr with SYSTEMD_LOG_TARGET=console, or when
 * /dev/kmsg cannot be opened.  A line with an error is logged and gets no
 * units; the other lines do.  A brdtab that someone other than root can
 * change is refused as a whole (lib/ramdisk/trust.h: the file is opened once,
 * its path walked and checked, and that descriptor is parsed).  No brdtab:
 * no units.
 * BRDCTL_SYSROOT=DIR reads DIR/etc/brdtab (and DIR/proc/meminfo, ...): a test hook, read with
 * secure_getenv() (ignored with elevated privileges).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "../lib/ramdisk/brdtab.h"
#include "../lib/ramdisk/brdunit.h"
#include "../lib/base/log.h"
#include "../lib/base/sysfs.h"
#include "../lib/ramdisk/trust.h"

#define PROG "brdctl-generator"

static int kmsg_fd = -1;

static void vlog(int prio, const char *fmt, va_list ap)
{
	char msg[2048];

	char rec[2200];
	int n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (kmsg_fd < 0) {
		fprintf(stderr, PROG ": %s\n", msg);
		return;
	}
	/* one write() per record (dprintf() gives up on /dev/kmsg: its lseek
	 * fails with EINVAL) */
	n = snprintf(rec, sizeof(rec), "<%d>" PROG "[%d]: %s\n", LOG_USER | prio,
		     (int)getpid(), msg);
	if (n > 0 && write(kmsg_fd, rec, (size_t)n < sizeof(rec) ? (size_t)n : sizeof(rec) - 1) < 0)
		fprintf(stderr, PROG ": %s\n", msg);
}

static void say(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(prio, fmt, ap);
	va_end(ap);
}

static void lib_log(void *data, int prio, const char *fmt, va_list ap)
{
	(void)data;
	if (prio <= LOG_WARNING)
		vlog(prio, fmt, ap);
}

int main(int argc, char **argv)
{
	const char *target = getenv("SYSTEMD_LOG_TARGET");
	const char *root = secure_getenv("BRDCTL_SYSROOT");	/* tests only */
	/* MemTotal and the kernel command line ($SYSTEMD_PROC_CMDLINE, else
	 * /proc/cmdline): brdtab(5) CONDITIONS */
	static const struct brdtab_machine machine = { .cmdline = true };
	struct brdtab *tab = NULL;
	struct brd_trust t;
	char failed[4096];
	size_t nunits = 0;
	int rc;

	if (argc != 2 && argc != 4) {
		fprintf(stderr, "Usage: " PROG " NORMAL-DIR [EARLY-DIR LATE-DIR]\n"
			"Writes the units of the lines of " BRDTAB_DEFAULT_PATH
			" (see brdtab(5)).\n");
		return 2;
	}
	if (!target || (strcmp(target, "console") && strcmp(target, "stderr")))
		kmsg_fd = open("/dev/kmsg", O_WRONLY | O_NOCTTY | O_CLOEXEC);
	brd_set_log_fn(lib_log, NULL);
	if (root && *root && (rc = brd_set_root(root)) < 0) {
		say(LOG_ERR, "%s: BRDCTL_SYSROOT: %s", root, strerror(-rc));
		return 1;
	}
	/* /etc/brdtab and its drop-ins, named as systemd sees them (not the
	 * test root) */
	memset(&t, 0, sizeof(t));
	rc = brdtab_parse_set(&machine, &t, failed, sizeof(failed), &tab);
	if (rc == -ENOENT && !t.fix[0] && !strcmp(failed, BRDTAB_DEFAULT_PATH))
		return 0;		/* no brdtab: nothing to do */
	if (rc == -EPERM && t.fix[0]) {
		say(LOG_ERR, "%s: refusing to use it: %s%s is %s; its lines would run as "
		    "root, so only root may be able to change it: %s (no units generated)",
		    failed, t.is_dir ? "directory " : "", t.path, t.why, t.fix);
		return 1;
	}
	if (rc) {
		say(LOG_ERR, "%s: cannot read it: %s: %s (no units generated)",
		    failed[0] ? failed : BRDTAB_DEFAULT_PATH, t.path[0] ? t.path : failed,
		    t.why[0] ? t.why : strerror(-rc));
		return 1;
	}
	for (size_t i = 0; i < tab->nerr; i++) {
		bool has_unit = false;
		char w[4200];

		for (size_t j = 0; j < tab->n; j++)
			if (tab->ent[j].line == tab->err[i].line && tab->ent[j].name)
				has_unit = true;
		say(LOG_ERR, "%s: %s%s", brdtab_where(tab, tab->err[i].line, w, sizeof(w)),
		    tab->err[i].msg, has_unit ? "" : " (no units for this line)");
	}
	/* lines a condition leaves out: not errors, no units */
	for (size_t i = 0; i < tab->nskip; i++) {
		char w[4200];

		say(LOG_INFO, "%s: %s: skipped: %s (no units for this line)",
		    brdtab_where(tab, tab->skip[i].line, w, sizeof(w)), tab->skip[i].spec,
		    tab->skip[i].why);
	}
	rc = brdtab_write_units(tab, argv[1], BRDTAB_DEFAULT_PATH);
	for (size_t j = 0; j < tab->n; j++)
		nunits += tab->ent[j].name != NULL;
	if (!rc)
		say(LOG_INFO, "%s: units for %zu ramdisk%s", BRDTAB_DEFAULT_PATH, nunits,
		    nunits == 1 ? "" : "s");
	brdtab_free(tab);
	return rc ? 1 : 0;
}
