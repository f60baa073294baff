// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Pooled ramdisks: brd loaded with one nominally huge, sparse disk (the
 * pool, ram0) and a GPT written with libfdisk whose partitions are the
 * ramdisks, named by their GPT partition names.  A partition gets the start
 * of a free slot (pool size / 128), so it has room to grow in place.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ramdisk.h"
#include "../lib/ramdisk/pool.h"
#include "../lib/base/sysfs.h"

bool rd_is_pool_disk(const struct brd_disk *d)
{
	char path[64];

	if (d->partno || d->size < (1ULL << 30))
		return false;
	snprintf(path, sizeof(path), "/dev/%s", d->name);
	return brd_pool_probe(path) == 1;
}

int pool_refuse_whole(const struct brd_disk *disks, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (rd_is_pool_disk(&disks[i]))
			return cmd_fail(EBUSY, disks[i].name, "brd is loaded as a pool of "
				       "pooled ramdisks: whole-disk ramdisks cannot be added "
				       "(create pooled ramdisks by name, or 'brdctl remove --all')");
	return EXIT_OK;
}

/* The pool disk of a loaded brd, or -ENOENT (whole disks) / other -errno. */
static int find_pool(struct brd_disk *pool_disk, struct brd_disk **disks, size_t *n)
{
	int rc = brd_list(disks, n);

	if (rc)
		return rc;
	for (size_t i = 0; i < *n; i++)
		if (rd_is_pool_disk(&(*disks)[i])) {
			*pool_disk = (*disks)[i];
			return 0;
		}
	return -ENOENT;
}

/* The same RAM budget as whole disks (lib/ramdisk/brd.c): the pool's ramdisks and
 * @more bytes of new ones, less the pages the pool holds. */
static int check_pool_memory(const struct brd_pool *pool, int64_t pages,
			     uint64_t more, bool force)
{
	struct brd_budget b = { 0 };
	uint64_t avail;

	if (force)
		return 0;
	for (size_t i = 0; i < pool->nparts; i++)
		brd_budget_add(&b, pool->parts[i].size, 0);
	brd_budget_add(&b, more, brd_pages_bytes(pages));
	if (brd_budget_check(&b, &avail)) {
		char *h1 = cmd_size_to_human(b.size), *h2 = cmd_size_to_human(avail);

		cmd_warnx("pooled ramdisks would total %s but only %s of RAM is available "
			  "beyond what they use; use --force to go ahead anyway",
			  h1 ? h1 : "?", h2 ? h2 : "?");
		free(h1);
		free(h2);
		return EXIT_FAIL;
	}
	return 0;
}

static const struct brd_pool_part *part_named(const struct brd_pool *pool,
					      const char *name)
{
	for (size_t i = 0; i < pool->nparts; i++)
		if (strcmp(pool->parts[i].name, name) == 0)
			return &pool->parts[i];
	return NULL;
}

/* A new pooled ramdisk may lie where a removed or shrunk one was: discard
 * its range (reads zeros, frees stale pages), or where the kernel cannot
 * discard, erase the signatures left there so nothing mounts stale data. */
static int clear_new(const struct brd_disk *pd, const char *name, uint64_t start,
		     uint64_t size)
{
	struct brd_freed f;
	char path[64];
	int rc;

	snprintf(path, sizeof(path), "/dev/%s", pd->name);
	if (pd->discard_max) {
		rc = brd_free_ram(path, pd->num, start, size, BRD_FREE_SHARED, &f);
		if (rc)
			return !strcmp(f.step, "open") ? cmd_err(rc, path, "cannot open") :
				cmd_err(rc, name, "cannot discard its range");
		return EXIT_OK;
	}
	snprintf(path, sizeof(path), "/dev/%s", name);
	rc = brd_wipe_signatures(path);
	return rc < 0 ? cmd_err(rc, path, "cannot erase old signatures") : EXIT_OK;
}

/* brd not loaded: load it with one pool disk and write the pool's GPT
 * (with --dry-run, print that and the partitions to add: *done). */
static int load_pool(const struct rd_request *req, size_t n,
		     const struct rd_create_opts *o, bool *done)
{
	struct brd_pool none = { 0 };
	uint64_t size = o->pool_size ? o->pool_size : brd_pool_default_size();
	uint64_t more = 0;
	int rc, ret;

	*done = false;
	for (size_t i = 0; i < n; i++)
		more = rd_add_sat(more, req[i].size);
	if ((ret = check_pool_memory(&none, 0, more, o->force)))
		return ret;
	if (G.dry_run) {
		cmd_print_load(1, size / 1024, 1);
		printf("write a GPT (pool) on /dev/ram0\n");
		for (size_t i = 0; i < n; i++)
			printf("add partition '%s' of %" PRIu64 " bytes to /dev/ram0\n",
			       req[i].name, req[i].size);
		*done = true;
		return EXIT_OK;
	}
	if ((rc = brd_module_available()))
		return cmd_err(rc, "brd", "kernel module not available");
	if ((rc = brd_module_load(1, size / 1024, 1)))
		return cmd_err(rc, "brd", "cannot load the module");
	if ((rc = brd_wait_node("ram0", o->timeout_ms)))
		return cmd_err(rc, "ram0", "device node did not appear in /dev");
	if ((rc = brd_pool_init("/dev/ram0")))
		return cmd_err(rc, "/dev/ram0", "cannot write the pool's partition table");
	return EXIT_OK;
}

/* The loaded pool: its disk @pd (with its pages), @dev and table @pool. */
static int open_pool(struct brd_disk *pd, char *dev, size_t len, struct brd_pool *pool)
{
	struct brd_disk *disks = NULL;
	size_t nd = 0;
	int rc = find_pool(pd, &disks, &nd), ret = EXIT_OK;

	if (rc == -ENOENT) {
		ret = cmd_fail(EBUSY, "brd", "loaded with whole-disk ramdisks%s%s: pooled "
			      "ramdisks need brd loaded as a pool ('brdctl remove --all' first)",
			      nd ? ", e.g. " : "", nd ? disks[0].name : "");
	} else if (rc) {
		ret = cmd_err(rc, "brd", "cannot find the pool");
	} else {
		snprintf(dev, len, "/dev/%s", pd->name);
		if ((rc = brd_pool_read(dev, pool)))
			ret = cmd_err(rc, dev, "cannot read the pool's partition table");
		else
			brd_read_pages(pd, 1);
	}
	free(disks);
	return ret;
}

/* Add pooled ramdisk @r to @pool on @dev (an existing one of its size is
 * fine); *partno is its partition, *added whether it is new, *start its
 * start then. */
static int add_part(const char *dev, struct brd_pool *pool, uint64_t slot,
		    const struct rd_request *r, unsigned int *partno, bool *added,
		    uint64_t *start)
{
	const struct brd_pool_part *pp = part_named(pool, r->name);
	int rc;

	*added = !pp;
	if (pp) {
		if (pp->size != r->size) {
			char *h = cmd_size_to_human(pp->size);

			rc = cmd_fail(EEXIST, r->name, "exists with size %s "
				     "(see 'brdctl resize')", h ? h : "?");
			free(h);
			return rc;
		}
		*partno = pp->partno;
		return EXIT_OK;
	}
	if ((rc = brd_pool_place(pool, slot, r->size, start)))
		return (rc == -ENOSPC ? cmd_fail : cmd_err)(rc, r->name,
			"no room in the pool for %" PRIu64 " bytes", r->size);
	if (G.dry_run) {
		printf("add partition '%s' of %" PRIu64 " bytes at %" PRIu64 " to %s\n",
		       r->name, r->size, *start, dev);
		return EXIT_OK;
	}
	if ((rc = brd_pool_add(dev, r->name, *start, r->size, partno)))
		return cmd_err(rc, r->name, "cannot add to the pool");
	brd_pool_free(pool);
	if ((rc = brd_pool_read(dev, pool)))
		return cmd_err(rc, dev, "cannot read the pool's partition table");
	return EXIT_OK;
}

/* Pooled ramdisk @r, added to the pool: wait for its node, clear a new
 * one's range, and give its path. */
static int ready_part(const struct brd_disk *pd, const struct rd_request *r,
		      unsigned int partno, bool added, uint64_t start,
		      unsigned int timeout_ms, char **path)
{
	char name[48];
	int rc, ret;

	snprintf(name, sizeof(name), "%sp%u", pd->name, partno);
	if ((rc = brd_wait_node(name, timeout_ms)))
		return cmd_err(rc, name, "device node did not appear in /dev");
	if (added && (ret = clear_new(pd, name, start, r->size)))
		return ret;
	if (asprintf(path, "/dev/%s", name) < 0)
		*path = NULL;
	return EXIT_OK;
}

int pool_create(const struct rd_request *req, size_t n,
		const struct rd_create_opts *o, char **paths)
{
	struct brd_disk pd;
	struct brd_module m;
	struct brd_pool pool = { 0 };
	char dev[64];
	uint64_t slot, more = 0;
	bool done;
	int rc, ret = EXIT_OK;

	for (size_t i = 0; i < n; i++)
		if (!req[i].size || req[i].size % BRD_SIZE_UNIT)
			return cmd_fail(EINVAL, req[i].name, "a pooled ramdisk needs a size "
				       "that is a multiple of 4 KiB");
	if ((rc = brd_module_get(&m)))
		return cmd_err(rc, "brd", "cannot read the module parameters");
	if (m.state == BRD_MODULE_ABSENT && ((ret = load_pool(req, n, o, &done)) || done))
		return ret;
	if ((ret = open_pool(&pd, dev, sizeof(dev), &pool)))
		goto out;
	slot = brd_pool_slot(&pool);
	/* the budget of all the new ones at once: refuse before adding any */
	for (size_t i = 0; i < n; i++)
		if (!part_named(&pool, req[i].name))
			more = rd_add_sat(more, req[i].size);
	if (more && (ret = check_pool_memory(&pool, pd.pages, more, o->force)))
		goto out;
	for (size_t i = 0; i < n; i++) {
		uint64_t start = 0;
		unsigned int partno = 0;
		bool added;

		if ((ret = add_part(dev, &pool, slot, &req[i], &partno, &added, &start)))
			goto out;
		if (G.dry_run)
			continue;
		if ((ret = ready_part(&pd, &req[i], partno, added, start, o->timeout_ms,
				      &paths[i])))
			goto out;
	}
out:
	brd_pool_free(&pool);
	return ret;
}

/* "PATH: freed 8M (2048 pages), N pages still allocated[SUFFIX]" */
void rd_print_freed(const char *path, const struct brd_freed *f,
		    const char *what, const char *suffix)
{
	int64_t freed = brd_freed_pages(f);
	char *h;

	if (freed < 0) {
		printf("%s: %sdiscarded (RAM freed: unknown, debugfs not readable)\n",
		       path, what);
		return;
	}
	h = cmd_size_to_human(brd_pages_bytes(freed));
	printf("%s: %sfreed %s (%" PRId64 " pages), %" PRId64 " pages still "
	       "allocated%s\n", path, what, h ? h : "?", freed, f->after, suffix);
	free(h);
}

int rd_discard_report(const struct brd_disk *d, bool force)
{
	struct brd_freed f;
	char path[64];
	int rc;

	snprintf(path, sizeof(path), "/dev/%s", d->name);
	rc = brd_free_ram(path, d->num, 0, d->size,
			  BRD_FREE_CACHE | (force ? BRD_FREE_SHARED : 0), &f);
	if (rc)
		return cmd_err(rc, path, !strcmp(f.step, "open") ? "cannot open" :
			       !strcmp(f.step, "BLKFLSBUF") ? "BLKFLSBUF failed" :
			       "discard failed");
	rd_print_freed(path, &f, "", d->partno ? " in the pool" : "");
	return EXIT_OK;
}

int pool_remove(const struct brd_disk *d)
{
	struct brd_freed f;
	char dev[64], part[64];
	int rc;

	snprintf(dev, sizeof(dev), "/dev/ram%u", d->num);
	snprintf(part, sizeof(part), "/dev/%s", d->name);
	if (G.dry_run) {
		printf("delete partition %u ('%s') of %s\n", d->partno, d->label, dev);
		if (d->discard_max)
			printf("BLKDISCARD %s %" PRIu64 " %" PRIu64 "\n", dev, d->start, d->size);
		return EXIT_OK;
	}
	f.before = brd_disk_pages(d->num);
	/* delete first: the kernel refuses while the partition is open, and
	 * the data stays until it is gone for good */
	if ((rc = brd_pool_delete(dev, d->partno)))
		return cmd_err(rc, d->label[0] ? d->label : d->name,
			       "cannot delete the partition");
	if (!d->discard_max) {
		printf("%s: removed; RAM not freed: this kernel's brd cannot discard "
		       "(Linux < 6.10); 'brdctl remove --all' frees the pool\n", part);
		return EXIT_OK;
	}
	/* the pool's disk: the partition is gone */
	rc = brd_free_ram(dev, d->num, d->start, d->size,
			  BRD_FREE_SHARED | BRD_FREE_COUNTED, &f);
	if (rc)
		return cmd_err(rc, dev, !strcmp(f.step, "open") ?
			       "removed, but cannot open the pool to free its RAM" :
			       "removed, but cannot discard its range");
	rd_print_freed(part, &f, "removed, ", " in the pool");
	return EXIT_OK;
}
