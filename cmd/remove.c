// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * brdctl remove POOLED-NAME...: delete pooled ramdisks (their GPT entries
 * and partitions), giving their RAM back where brd can discard (cmd/pool.c).
 * brdctl remove --all: unload brd, freeing every ramdisk and its RAM, when
 * none is in use.  No kernel can remove a single whole-disk brd ramdisk:
 * brd has no such interface.  A removed ramdisk's persist record (list's
 * IMAGE) goes with it, so a new ramdisk of that name is not saved over the
 * image.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "ramdisk.h"
#include "../lib/ramdisk/applied.h"
#include "../lib/ramdisk/persist.h"

static int opt_all;

static const struct poptOption remove_options[] = {
	{ "all", 'a', POPT_ARG_NONE, &opt_all, 0,
	  "remove every ramdisk, pooled or not (unload brd)", NULL },
	POPT_TABLEEND
};

/* One pooled ramdisk, by name or path; a whole disk cannot go alone. */
static int remove_one(const char *arg)
{
	struct rd_info ri = { 0 };
	char *why, path[64], name[64];
	int rc = brd_resolve(arg, &ri.d);

	if (rc)
		return rd_resolve_error(rc, arg);
	if (rd_is_pool_disk(&ri.d) && !ri.d.partno)
		return cmd_fail(EBUSY, arg, "is the whole disk of a pool; "
			       "remove its pooled ramdisks by name, or all with "
			       "'brdctl remove --all'");
	if (!ri.d.partno)
		return cmd_fail(EOPNOTSUPP, arg, "cannot remove a single "
			       "ramdisk: brd only removes all of them at once; "
			       "'brdctl flush %s' frees its RAM, "
			       "'brdctl remove --all' removes every ramdisk",
			       ri.d.name);
	snprintf(name, sizeof(name), "%s", rd_persist_name(&ri.d, path, sizeof(path)));
	rd_info_fill(&ri, RD_ALL);
	why = rd_busy_reason(&ri);
	rc = why ? cmd_fail(EBUSY, arg, "in use: %s", why) : pool_remove(&ri.d);
	/* gone: a new ramdisk of that name is not saved to its image */
	if (!rc && !G.dry_run)
		brd_persist_forget(name);
	free(why);
	rd_info_free(&ri);
	return rc;
}

/* --all: unload brd when nothing is in use. */
static int remove_all(void)
{
	struct brd_disk *disks = NULL;
	struct brd_module m;
	size_t n = 0;
	int rc, ret = EXIT_OK;

	if ((rc = brd_module_get(&m)))
		return cmd_err(rc, "brd", "cannot read the module state");
	if (m.state == BRD_MODULE_ABSENT)
		return EXIT_OK;			/* nothing to do */
	if (m.state == BRD_MODULE_BUILTIN)
		return cmd_fail(EOPNOTSUPP, "brd", "built into the kernel: its ramdisks "
			       "cannot be removed (use 'brdctl flush --all' to free RAM)");
	if ((rc = brd_list(&disks, &n)))
		return cmd_err(rc, "/sys/block", "cannot list ramdisks");
	ret = rd_check_idle(disks, n, NULL);
	if (!ret && G.dry_run) {
		printf("unload brd (removes %zu ramdisks)\n", n);
	} else if (!ret) {
		rc = brd_module_unload(3000);
		if (rc)
			ret = cmd_err(rc, "brd", "cannot unload the module");
		else {
			brd_persist_forget_all();	/* no ramdisk is left */
			brd_left_forget_all();
		}
	}
	free(disks);
	return ret;
}

static int do_remove(const struct brd_cmd *cmd, int argc, const char **argv)
{
	int rc, ret = EXIT_OK, lock = -1;

	(void)cmd;
	if (argc && opt_all)
		return cmd_usage_error("--all and DEVICE are mutually exclusive");
	if (!argc && !opt_all)
		return cmd_usage_error("no ramdisk given (DEVICE... or --all)");
	if ((rc = rd_check_names(argc, argv)))
		return rc;
	if (!G.dry_run && (lock = brd_lock(RD_LOCK_TIMEOUT_MS)) < 0)
		return rd_lock_error(lock);
	if (opt_all)
		ret = remove_all();
	for (int i = 0; i < argc; i++)
		if ((rc = remove_one(argv[i])) && !ret)
			ret = rc;
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
