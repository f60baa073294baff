// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * brdctl remove POOLED-NAME...: delete pooled ramdisks (their GPT entries
 * and partitions), giving their RAM back where brd can discard (cmd/pool.c).
 * brdctl remove --all: unload brd, freeing every ramdisk and its RAM, when
 * none is in use.  No kernel can remove a single whole-disk brd ramdisk:
 * brd has no such interface.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "ramdisk.h"

static int opt_all;

static const struct poptOption remove_options[] = {
	{ "all", 'a', POPT_ARG_NONE, &opt_all, 0,
	  "remove every ramdisk, pooled or not (unload brd)", NULL },
	POPT_TABLEEND
};

static int do_remove(const struct brd_cmd *cmd, int argc, const char **argv)
{
	struct brd_disk *disks = NULL;
	struct brd_module m;
	size_t n = 0;
	int rc, ret = EXIT_OK, lock = -1;

	(void)cmd;
	if (argc && opt_all)
		return cmd_usage_error("--all and DEVICE are mutually exclusive");
	if (!argc && !opt_all)
		return cmd_usage_error("no ramdisk given (DEVICE... or --all)");
	if (argc) {
		struct brd_disk d;

		if (!G.dry_run && (lock = brd_lock(RD_LOCK_TIMEOUT_MS)) < 0)
			return cmd_err(lock, "/run/brdctl.lock", "cannot take the brdctl lock");
		for (int i = 0; i < argc; i++) {
			rc = brd_resolve(argv[i], &d);
			if (rc) {
				rc = cmd_err(rc, argv[i], "not a brd ramdisk");
			} else if (d.partno) {
				struct rd_info ri = { .d = d };
				char *why;

				rd_info_fill(&ri, RD_ALL);
				why = rd_busy_reason(&ri);
				rc = why ? cmd_err(EBUSY, argv[i], "in use: %s", why) :
					   pool_remove(&d);
				free(why);
				rd_info_free(&ri);
			} else if (rd_is_pool_disk(&d)) {
				rc = cmd_err(EBUSY, argv[i], "is the whole disk of a pool; "
					     "remove its pooled ramdisks by name, or all with "
					     "'brdctl remove --all'");
			} else {
				rc = cmd_err(EOPNOTSUPP, argv[i], "cannot remove a single "
					     "ramdisk: brd only removes all of them at once; "
					     "'brdctl flush %s' frees its RAM, "
					     "'brdctl remove --all' removes every ramdisk",
					     d.name);
			}
			if (rc && !ret)
				ret = rc;
		}
		brd_unlock(lock);
		return ret;
	}
	if (!G.dry_run && (lock = brd_lock(RD_LOCK_TIMEOUT_MS)) < 0)
		return cmd_err(lock, "/run/brdctl.lock", "cannot take the brdctl lock");
	if ((rc = brd_module_get(&m))) {
		ret = cmd_err(rc, "brd", "cannot read the module state");
		goto out;
	}
	if (m.state == BRD_MODULE_ABSENT)
		goto out;			/* nothing to do */
	if (m.state == BRD_MODULE_BUILTIN) {
		ret = cmd_err(EOPNOTSUPP, "brd", "built into the kernel: its ramdisks "
			      "cannot be removed (use 'brdctl flush --all' to free RAM)");
		goto out;
	}
	if ((rc = brd_list(&disks, &n))) {
		ret = cmd_err(rc, "/sys/block", "cannot list ramdisks");
		goto out;
	}
	ret = rd_check_idle(disks, n, NULL);
	if (ret)
		goto out;
	if (G.dry_run) {
		printf("unload brd (removes %zu ramdisks)\n", n);
		goto out;
	}
	rc = brd_module_unload(3000);
	if (rc)
		ret = cmd_err(rc, "brd", "cannot unload the module");
out:
	free(disks);
	brd_unlock(lock);
	return ret;
}

const struct brd_cmd cmd_remove = {
	.name = "remove",
	.fn = do_remove,
	.options = remove_options,
	.synopsis = "[options] POOLED-NAME...|--all",
	.summary = "Remove pooled ramdisks, or all ramdisks (unload brd)",
	.flags = CMD_DRYRUN,
};
