// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * brdctl flush DEVICE...|--all: give a ramdisk's RAM back.  BLKFLSBUF
 * (sync and drop the device's page cache), then BLKDISCARD over the whole
 * device in page-aligned ranges, which frees brd pages on kernels >= 6.10.
 * The data is gone afterwards: refused on mounted, held or open devices and
 * on devices with a filesystem signature unless --force.  A pool's whole
 * disk is never discarded as one: its pooled ramdisks are flushed instead.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ramdisk.h"

static int opt_all, opt_force, opt_cache_only;

static const struct poptOption flush_options[] = {
	{ "all", 'a', POPT_ARG_NONE, &opt_all, 0,
	  "flush every ramdisk (every pooled ramdisk of a pool)", NULL },
	{ "force", '\0', POPT_ARG_NONE, &opt_force, 0,
	  "flush even a mounted, open or formatted ramdisk", NULL },
	{ "cache-only", '\0', POPT_ARG_NONE, &opt_cache_only, 0,
	  "only sync and drop the page cache (BLKFLSBUF); keeps the data", NULL },
	POPT_TABLEEND
};

static int flush_one(struct brd_disk *d)
{
	struct rd_info ri = { .d = *d };
	char *why;
	int fd, rc, ret = EXIT_OK;

	rd_info_fill(&ri, RD_ALL);
	if (!opt_cache_only) {
		if (rd_is_pool_disk(d)) {
			ret = cmd_fail(EBUSY, ri.path, "refusing to flush the whole disk of a "
				      "pool; flush its pooled ramdisks by name");
			goto out;
		}
		if (!d->discard_max) {
			ret = cmd_fail(EOPNOTSUPP, ri.path, "cannot free RAM on this kernel "
				      "(brd discards only on Linux >= 6.10); "
				      "'brdctl remove --all' frees all ramdisk RAM, "
				      "--cache-only drops just the page cache");
			goto out;
		}
		if (!opt_force && (why = rd_busy_reason(&ri))) {
			ret = cmd_fail(EBUSY, ri.path, "refusing to flush: %s "
				      "(use --force to destroy its data anyway)", why);
			free(why);
			goto out;
		}
		if (!opt_force && (ri.bi.fstype || ri.bi.pttype)) {
			ret = cmd_fail(EBUSY, ri.path, "refusing to flush: contains a %s "
				      "signature (use --force to destroy it)",
				      ri.bi.fstype ? ri.bi.fstype : ri.bi.pttype);
			goto out;
		}
	}
	if (G.dry_run) {
		printf("BLKFLSBUF %s\n", ri.path);
		if (!opt_cache_only)
			printf("BLKDISCARD %s 0 %" PRIu64 "\n", ri.path,
			       d->size & ~(uint64_t)4095);
		goto out;
	}
	if (!opt_cache_only) {
		ret = rd_discard_report(d, opt_force);
		goto out;
	}
	fd = open(ri.path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = cmd_err(errno, ri.path, "cannot open");
		goto out;
	}
	if ((rc = brd_flush_cache(fd)))
		ret = cmd_err(rc, ri.path, "BLKFLSBUF failed");
	close(fd);
out:
	rd_info_free(&ri);
	return ret;
}

/*
 * --all: every whole-disk ramdisk, and in place of a pool's whole disk its
 * pooled ramdisks (with --cache-only the pool's disk itself, whose page
 * cache is the one to drop).
 */
static int list_all(struct brd_disk **out, size_t *nout)
{
	struct brd_disk *disks, *parts, *all = NULL, *tmp;
	size_t n, np, nall = 0;
	int rc = brd_list(&disks, &n);

	if (rc)
		return rc;
	for (size_t i = 0; i < n; i++) {
		if (opt_cache_only || !rd_is_pool_disk(&disks[i])) {
			parts = &disks[i];
			np = 1;
		} else if ((rc = brd_list_parts(disks[i].num, &parts, &np))) {
			goto fail;
		}
		tmp = np ? realloc(all, (nall + np) * sizeof(*all)) : all;
		if (!tmp) {
			rc = -ENOMEM;
		} else {
			all = tmp;
			memcpy(all + nall, parts, np * sizeof(*all));
			nall += np;
		}
		if (parts != &disks[i])
			free(parts);
		if (rc)
			goto fail;
	}
	free(disks);
	*out = all;
	*nout = nall;
	return 0;
fail:
	free(all);
	free(disks);
	return rc;
}

static int do_flush(const struct brd_cmd *cmd, int argc, const char **argv)
{
	struct brd_disk *disks = NULL;
	size_t n = 0;
	int rc, ret = EXIT_OK, lock = -1;

	(void)cmd;
	if (opt_all && argc)
		return cmd_usage_error("--all and DEVICE are mutually exclusive");
	if (!opt_all && !argc)
		return cmd_usage_error("no ramdisk given (DEVICE... or --all)");
	if ((rc = rd_check_names(argc, argv)))
		return rc;
	if (!G.dry_run && (lock = brd_lock(RD_LOCK_TIMEOUT_MS)) < 0)
		return rd_lock_error(lock);
	if (opt_all) {
		if ((rc = list_all(&disks, &n))) {
			ret = cmd_err(rc, "/sys/block", "cannot list ramdisks");
			goto out;
		}
	} else {
		disks = calloc((size_t)argc, sizeof(*disks));
		if (!disks) {
			ret = cmd_err(ENOMEM, NULL, "flush");
			goto out;
		}
		for (int i = 0; i < argc; i++) {
			if ((rc = brd_resolve(argv[i], &disks[n]))) {
				ret = rd_resolve_error(rc, argv[i]);
				continue;
			}
			n++;
		}
	}
	for (size_t i = 0; i < n; i++) {
		rc = flush_one(&disks[i]);
		if (rc && !ret)
			ret = rc;
	}
out:
	free(disks);
	brd_unlock(lock);
	return ret;
}

const struct brd_cmd cmd_flush = {
	.name = "flush",
	.fn = do_flush,
	.options = flush_options,
	.synopsis = "[options] DEVICE...|--all",
	.summary = "Give the RAM of ramdisks back (destroys their data)",
	.flags = CMD_DRYRUN,
};
