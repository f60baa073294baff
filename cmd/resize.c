// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * brdctl resize NAME --size SIZE [--grow-fs] [--force]
 *
 * Pooled ramdisks grow in place, online, also while mounted (the GPT and
 * the kernel's partition are changed together; a failure in between puts
 * the old table back), and shrink only when no filesystem or partition
 * table would be cut.  brd has one size for all its whole disks, fixed at
 * load: resizing one reloads brd and resizes all, keeping their data in a
 * sparse copy (non-zero pages only) that is written back and verified.
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ramdisk.h"
#include "../lib/ramdisk/pool.h"
#include "../lib/ramdisk/snapshot.h"


static const char *opt_size, *opt_backup_dir;
static int opt_grow_fs, opt_force;

static const struct poptOption resize_options[] = {
	{ "size", 's', POPT_ARG_STRING, &opt_size, 0, "the new size", "SIZE" },
	{ "grow-fs", '\0', POPT_ARG_NONE, &opt_grow_fs, 0,
	  "grow the ext4 or xfs filesystem on it too (resize2fs, xfs_growfs)", NULL },
	{ "force", '\0', POPT_ARG_NONE, &opt_force, 0,
	  "shrink even over a filesystem or data; grow beyond MemAvailable", NULL },
	{ "backup-dir", '\0', POPT_ARG_STRING, &opt_backup_dir, 0,
	  "whole disks: keep the data in sparse files here, not in memory", "DIR" },
	POPT_TABLEEND
};

/* Run the filesystem's own tool, quietly (its output goes to our stderr
 * only when it fails, or with --verbose): stdout has the device paths
 * only.  Returns its exit status or -errno. */
static int run_tool(const char *obj, char *const argv[])
{
	if (G.verbose || G.dry_run) {
		fprintf(G.dry_run ? stdout : stderr, "%s", G.dry_run ? "" : "brdctl: running");
		for (int i = 0; argv[i]; i++)
			fprintf(G.dry_run ? stdout : stderr, "%s%s", i || !G.dry_run ? " " : "",
				argv[i]);
		fputc('\n', G.dry_run ? stdout : stderr);
	}
	if (G.dry_run)
		return 0;
	return cmd_run_quiet(obj, argv);
}

static int grow_fs(struct rd_info *ri)
{
	char *mnt = ri->mounts ? strdup(ri->mounts) : NULL;
	int rc;

	if (mnt)
		mnt[strcspn(mnt, "\n")] = '\0';
	if (!ri->bi.fstype) {
		free(mnt);
		return cmd_fail(EINVAL, ri->path, "--grow-fs: no filesystem found");
	}
	if (strcmp(ri->bi.fstype, "ext4") == 0 || strcmp(ri->bi.fstype, "ext3") == 0 ||
	    strcmp(ri->bi.fstype, "ext2") == 0) {
		char *argv[] = { "resize2fs", ri->path, NULL };
		rc = run_tool(ri->path, argv);
	} else if (strcmp(ri->bi.fstype, "xfs") == 0) {
		if (!mnt) {
			return cmd_fail(EOPNOTSUPP, ri->path, "--grow-fs: xfs grows only "
				       "while mounted (xfs_growfs)");
		}
		char *argv[] = { "xfs_growfs", mnt, NULL };
		rc = run_tool(ri->path, argv);
	} else {
		free(mnt);
		return cmd_fail(EOPNOTSUPP, ri->path, "--grow-fs: cannot grow %s "
			       "(ext2/3/4 and xfs only)", ri->bi.fstype);
	}
	free(mnt);
	if (rc < 0)
		return cmd_err(rc, ri->path, "--grow-fs: cannot run the filesystem's tool");
	if (rc)
		return cmd_err(0, ri->path, "--grow-fs: the filesystem's tool failed "
			       "(exit %d); the ramdisk was resized", rc);
	return EXIT_OK;
}

/* The grow does not fit: say the exact room (in bytes when the human
 * sizes would read the same) and what is in the way. */
static int refuse_growth(const char *name, const struct brd_pool *pool,
			 unsigned int partno, uint64_t size, uint64_t room)
{
	const struct brd_pool_part *next = brd_pool_next(pool, partno);
	char *hroom = cmd_size_to_human(room), *hsize = cmd_size_to_human(size);
	char exact[32], what[96];
	int ret;

	if (!hroom || !hsize || !strcmp(hroom, hsize))
		snprintf(exact, sizeof(exact), "%" PRIu64 " bytes", room);
	else
		snprintf(exact, sizeof(exact), "%s", hroom);
	if (next)
		snprintf(what, sizeof(what), "pooled ramdisk '%s' starts there",
			 next->name);
	else
		snprintf(what, sizeof(what), "the pool ends there");
	ret = cmd_fail(ENOSPC, name, "can grow in place to at most %s (%s)",
		      exact, what);
	free(hroom);
	free(hsize);
	return ret;
}

static int resize_pooled(struct brd_disk *d, uint64_t size)
{
	struct rd_info ri = { .d = *d };
	struct brd_pool pool = { 0 };
	const char *name = d->label[0] ? d->label : d->name;
	char dev[64];
	int rc, ret = EXIT_OK;

	snprintf(dev, sizeof(dev), "/dev/ram%u", d->num);
	rd_info_fill(&ri, RD_ALL);
	if (size == d->size) {
		if (opt_grow_fs && !G.dry_run)
			ret = grow_fs(&ri);
		goto out;
	}
	if ((rc = brd_pool_read(dev, &pool))) {
		ret = cmd_err(rc, dev, "cannot read the pool's partition table");
		goto out;
	}
	if (size < d->size) {
		char *why = rd_busy_reason(&ri);

		if (why && ri.mounts) {
			ret = cmd_fail(EBUSY, name, "cannot shrink: %s", why);
			free(why);
			goto out;
		}
		free(why);
		/* libblkid (2.38) does not tell a filesystem's size: any
		 * signature may be cut */
		if (!opt_force && (ri.bi.fstype || ri.bi.pttype)) {
			ret = cmd_fail(EBUSY, name, "refusing to shrink over a %s signature "
				      "(it would be cut; use --force)",
				      ri.bi.fstype ? ri.bi.fstype : ri.bi.pttype);
			goto out;
		}
	} else {
		uint64_t room = brd_pool_room(&pool, d->partno), avail;
		struct brd_budget b = { 0 };

		if (size > room) {
			ret = refuse_growth(name, &pool, d->partno, size, room);
			goto out;
		}
		for (size_t i = 0; i < pool.nparts; i++)
			if (pool.parts[i].partno != d->partno)
				brd_budget_add(&b, pool.parts[i].size, 0);
		brd_budget_add(&b, size, brd_pages_bytes(brd_disk_pages(d->num)));
		if (!opt_force && brd_budget_check(&b, &avail)) {
			char *h1 = cmd_size_to_human(b.size), *h2 = cmd_size_to_human(avail);

			ret = cmd_err(0, name, "pooled ramdisks would total %s but only %s "
				      "of RAM is available; use --force to grow anyway",
				      h1 ? h1 : "?", h2 ? h2 : "?");
			free(h1);
			free(h2);
			goto out;
		}
	}
	if (G.dry_run) {
		printf("resize partition %u ('%s') of %s to %" PRIu64 " bytes (BLKPG)\n",
		       d->partno, name, dev, size);
	} else if ((rc = brd_pool_resize(dev, d->partno, size))) {
		ret = cmd_err(rc, name, "cannot resize");
		goto out;
	} else if (size < d->size && d->discard_max) {
		/* give back the cut tail, so no stale data is left there */
		if (brd_free_ram(dev, d->num, d->start + size, d->size - size,
				 BRD_FREE_SHARED, NULL))
			cmd_warnx("%s: shrunk, but its cut tail could not be discarded", name);
	}
	if (opt_grow_fs && size > d->size)
		ret = grow_fs(&ri);
out:
	brd_pool_free(&pool);
	rd_info_free(&ri);
	return ret;
}

static void rescue(struct brd_snapshot *snaps, size_t n)
{
	const char *dir = opt_backup_dir ? opt_backup_dir : "/var/tmp";

	for (size_t i = 0; i < n; i++) {
		if (!snaps[i].npages)
			continue;
		if (brd_snapshot_to_file(&snaps[i], dir) == 0)
			cmd_warnx("%s: its data (%zu pages) is saved in %s (a sparse image "
				  "of the old disk)", snaps[i].dev, snaps[i].npages, snaps[i].file);
		else
			cmd_warnx("%s: its data could not be saved", snaps[i].dev);
	}
}

/* RAM for the whole disks at @size, and for the copy of their data that
 * is held across the reload (brd_read_pages() done). */
static int check_whole_memory(const struct brd_disk *disks, size_t n, uint64_t size)
{
	struct brd_budget budget = { 0 };
	uint64_t avail = 0, data = 0;
	bool have_avail;
	int ret = EXIT_OK;

	for (size_t i = 0; i < n; i++) {
		uint64_t used = brd_pages_bytes(disks[i].pages);

		/* data beyond a smaller new size is cut, not kept */
		brd_budget_add(&budget, size, used < size ? used : size);
		data = rd_add_sat(data, used);
	}
	have_avail = brd_mem_available(&avail) == 0;
	if (!opt_force && have_avail && brd_budget_over(&budget, avail)) {
		char *h1 = cmd_size_to_human(brd_budget_need(&budget));
		char *h2 = cmd_size_to_human(avail);

		ret = cmd_err(0, "brd", "%zu ramdisk%s of the new size could take %s more "
			      "but only %s of RAM is available; use --force", n,
			      n == 1 ? "" : "s", h1 ? h1 : "?", h2 ? h2 : "?");
		free(h1);
		free(h2);
	} else if (!opt_backup_dir && !opt_force && have_avail && data > avail / 2) {
		/* the copy in memory must fit beside the data (both at once) */
		char *h = cmd_size_to_human(data);

		ret = cmd_err(0, "brd", "the ramdisks hold %s: too much to keep in memory "
			      "across the reload; use --backup-dir DIR (or --force)",
			      h ? h : "?");
		free(h);
	}
	return ret;
}

/* Save each disk's non-zero pages in snaps[] (count them with --dry-run)
 * and its number in nums[]. */
static int save_whole(const struct brd_disk *disks, size_t n, uint64_t size,
		      struct brd_snapshot *snaps, unsigned int *nums)
{
	for (size_t i = 0; i < n; i++) {
		char dev[64];
		int rc;

		nums[i] = disks[i].num;
		snprintf(dev, sizeof(dev), "/dev/%s", disks[i].name);
		rc = brd_snapshot_take(dev, disks[i].size, disks[i].pages, opt_backup_dir,
				       G.dry_run ? BRD_SNAP_COUNT_ONLY : 0, &snaps[i]);
		if (rc)
			return cmd_err(rc, dev, "cannot save its data");
		if (brd_snapshot_end(&snaps[i]) > size && !opt_force) {
			char *h = cmd_size_to_human(brd_snapshot_end(&snaps[i]));

			rc = cmd_fail(EBUSY, dev, "holds data up to %s: the new size would "
				     "cut it (use --force to cut)", h ? h : "?");
			free(h);
			return rc;
		}
		if (G.dry_run)
			printf("save %zu non-zero pages of %s (%s)\n", snaps[i].npages, dev,
			       opt_backup_dir ? opt_backup_dir : "in memory");
	}
	return EXIT_OK;
}

/*
 * Unload brd and load it with *size; if that fails, with the old size again
 * (then *size is the old size).  *unloaded: brd was unloaded; *loaded: brd
 * holds the disks again, so the data can be written back (if not, it is
 * saved to files).  Returns EXIT_OK or the exit code of the failure.
 */
static int reload_whole(const struct brd_module *m, const unsigned int *nums,
			size_t n, uint64_t *size, struct brd_snapshot *snaps,
			bool *unloaded, bool *loaded)
{
	int rc, ret;

	*unloaded = *loaded = false;
	if (G.dry_run) {
		printf("unload brd\n");
	} else if ((rc = brd_module_unload(RD_LOCK_TIMEOUT_MS))) {
		/* nothing changed yet: the copies are not needed */
		return cmd_err(rc, "brd", "cannot unload the module; nothing was changed");
	}
	*unloaded = !G.dry_run;
	ret = rd_load_disks(nums, n, *size / 1024, m->max_part, RD_LOCK_TIMEOUT_MS);
	if (ret && !G.dry_run) {
		cmd_warnx("brd: loading with the new size failed; loading the old size again");
		brd_module_unload(RD_LOCK_TIMEOUT_MS);	/* if it loaded halfway */
		if (rd_load_disks(nums, n, m->rd_size, m->max_part, RD_LOCK_TIMEOUT_MS)) {
			rescue(snaps, n);
			return ret;
		}
		*size = m->rd_size * 1024;
	}
	*loaded = true;
	return ret;
}

/* Write each disk's data back and verify it; a disk whose data cannot be
 * written back gets it saved to a file.  Returns @ret or the first failure. */
static int restore_whole(const struct brd_disk *disks, size_t n, uint64_t size,
			 struct brd_snapshot *snaps, int ret)
{
	for (size_t i = 0; i < n; i++) {
		char dev[64];
		int rc;

		snprintf(dev, sizeof(dev), "/dev/%s", disks[i].name);
		if (G.dry_run) {
			if (snaps[i].npages)
				printf("write back %zu pages to %s and verify\n",
				       snaps[i].npages, dev);
			continue;
		}
		rc = brd_snapshot_restore(&snaps[i], dev, size);
		if (rc) {
			rc = cmd_err(rc, dev, "cannot write its data back");
			if (!ret)
				ret = rc;
			rescue(&snaps[i], 1);
			snaps[i].npages = 0;
		}
	}
	return ret;
}

static int resize_whole(uint64_t size)
{
	struct brd_disk *disks = NULL;
	struct brd_snapshot *snaps = NULL;
	struct brd_module m;
	unsigned int *nums = NULL;
	size_t n = 0;
	bool unloaded = false, loaded;
	int rc, ret = EXIT_OK;

	if ((rc = brd_module_get(&m)))
		return cmd_err(rc, "brd", "cannot read the module parameters");
	if (m.state == BRD_MODULE_BUILTIN)
		return cmd_fail(EOPNOTSUPP, "brd", "built into the kernel: its size is set "
			       "at boot (brd.rd_size=)");
	if (size % 1024)
		return cmd_usage_error("--size: whole disks are sized in KiB");
	if (size == m.rd_size * 1024)
		return EXIT_OK;
	if ((rc = brd_list(&disks, &n)))
		return cmd_err(rc, "/sys/block", "cannot list ramdisks");
	ret = rd_check_idle(disks, n, " (brd must be reloaded to resize, which "
			    "needs every ramdisk idle)");
	if (ret)
		goto out;
	brd_read_pages(disks, n);
	if ((ret = check_whole_memory(disks, n, size)))
		goto out;
	snaps = calloc(n + 1, sizeof(*snaps));
	nums = calloc(n + 1, sizeof(*nums));
	if (!snaps || !nums) {
		ret = cmd_err(ENOMEM, NULL, "resize");
		goto out;
	}
	if ((ret = save_whole(disks, n, size, snaps, nums)))
		goto out;
	ret = reload_whole(&m, nums, n, &size, snaps, &unloaded, &loaded);
	if (loaded)
		ret = restore_whole(disks, n, size, snaps, ret);
out:
	/* backup files are kept only when brd was reloaded and something failed */
	for (size_t i = 0; snaps && i < n; i++)
		brd_snapshot_free(&snaps[i], !(unloaded && ret));
	free(snaps);
	free(nums);
	free(disks);
	return ret;
}

static int do_resize(const struct brd_cmd *cmd, int argc, const char **argv)
{
	struct brd_disk d;
	uint64_t size;
	int rc, lock = -1, ret;

	(void)cmd;
	if (argc != 1)
		return cmd_usage_error(argc ? "one ramdisk at a time" : "no ramdisk given");
	if ((rc = rd_check_names(argc, argv)))
		return rc;
	if (!opt_size)
		return cmd_usage_error("--size is required");
	if ((rc = cmd_parse_size("--size", opt_size, &size)))
		return rc;
	if (!size || size % BRD_SIZE_UNIT)
		return cmd_usage_error("--size: %s is not a positive multiple of 4 KiB",
				       opt_size);
	if (!G.dry_run && (lock = brd_lock(RD_LOCK_TIMEOUT_MS)) < 0)
		return rd_lock_error(lock);
	if ((rc = brd_resolve(argv[0], &d))) {
		ret = rd_resolve_error(rc, argv[0]);
	} else if (d.partno) {
		ret = resize_pooled(&d, size);
	} else if (rd_is_pool_disk(&d)) {
		ret = cmd_fail(EBUSY, d.name, "is the whole disk of a pool; resize its "
			      "pooled ramdisks by name");
	} else {
		/* brd has one size for all its whole disks: all are resized */
		ret = resize_whole(size);
	}
	brd_unlock(lock);
	return ret;
}

const struct brd_cmd cmd_resize = {
	.name = "resize",
	.fn = do_resize,
	.options = resize_options,
	.synopsis = "[options] --size SIZE NAME|ramN",
	.summary = "Resize a pooled ramdisk in place, or all whole disks",
	.flags = CMD_DRYRUN,
};
