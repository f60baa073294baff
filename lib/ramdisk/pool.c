// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <blkid.h>
#include <libfdisk.h>

#include "brd.h"
#include "../base/log.h"
#include "pool.h"

bool brd_pool_name_valid(const char *name)
{
	size_t len = name ? strlen(name) : 0;

	if (!len || len > 36 || name[0] == '-' || !strcmp(name, ".") ||
	    !strcmp(name, "..") || !strcmp(name, "auto"))
		return false;
	if (!strncmp(name, "ram", 3) && name[3] >= '0' && name[3] <= '9')
		return false;
	return strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		      "0123456789._-") == len;
}

int brd_pool_probe(const char *devpath)
{
	const char *type = NULL, *uuid = NULL;
	blkid_probe pr;
	int rc = 0;

	pr = blkid_new_probe_from_filename(devpath);	/* read-only, closed on free */
	if (!pr)
		return errno ? -errno : -EIO;
	blkid_probe_enable_superblocks(pr, 0);
	blkid_probe_enable_partitions(pr, 1);
	if (blkid_do_safeprobe(pr) == 0 &&
	    blkid_probe_lookup_value(pr, "PTTYPE", &type, NULL) == 0 &&
	    strcmp(type, "gpt") == 0 &&
	    blkid_probe_lookup_value(pr, "PTUUID", &uuid, NULL) == 0 &&
	    strncasecmp(uuid, BRD_POOL_GUID_PREFIX, strlen(BRD_POOL_GUID_PREFIX)) == 0)
		rc = 1;
	blkid_free_probe(pr);
	return rc;
}

static int open_cxt(const char *devpath, bool rw, struct fdisk_context **res)
{
	struct fdisk_context *cxt = fdisk_new_context();
	int rc;

	if (!cxt)
		return -ENOMEM;
	fdisk_disable_dialogs(cxt, 1);
	rc = fdisk_assign_device(cxt, devpath, !rw);
	if (rc) {
		fdisk_unref_context(cxt);
		return rc < 0 ? rc : -EIO;
	}
	*res = cxt;
	return 0;
}

static void close_cxt(struct fdisk_context *cxt)
{
	fdisk_deassign_device(cxt, 1);	/* no global sync(); fsync only */
	fdisk_unref_context(cxt);
}

static bool is_pool(struct fdisk_context *cxt)
{
	char *id = NULL;
	bool ok;

	if (!fdisk_has_label(cxt) || !fdisk_is_label(cxt, GPT))
		return false;
	if (fdisk_get_disklabel_id(cxt, &id) || !id)
		return false;
	ok = strncasecmp(id, BRD_POOL_GUID_PREFIX, strlen(BRD_POOL_GUID_PREFIX)) == 0;
	free(id);
	return ok;
}

static int read_parts(struct fdisk_context *cxt, struct brd_pool *pool)
{
	uint64_t ss = fdisk_get_sector_size(cxt);
	struct fdisk_table *tb = NULL;
	struct fdisk_iter *itr;
	struct fdisk_partition *pa;
	int rc;

	memset(pool, 0, sizeof(*pool));
	pool->size = fdisk_get_nsectors(cxt) * ss;
	pool->first = fdisk_get_first_lba(cxt) * ss;
	pool->last = (fdisk_get_last_lba(cxt) + 1) * ss;
	pool->entries = (unsigned int)fdisk_get_npartitions(cxt);
	if ((rc = fdisk_get_partitions(cxt, &tb)))
		return rc < 0 ? rc : -EIO;
	pool->parts = calloc(fdisk_table_get_nents(tb) + 1, sizeof(*pool->parts));
	itr = fdisk_new_iter(FDISK_ITER_FORWARD);
	if (!pool->parts || !itr) {
		fdisk_free_iter(itr);
		fdisk_unref_table(tb);
		free(pool->parts);
		pool->parts = NULL;
		return -ENOMEM;
	}
	while (fdisk_table_next_partition(tb, itr, &pa) == 0) {
		struct brd_pool_part *p = &pool->parts[pool->nparts];
		const char *name = fdisk_partition_get_name(pa);

		if (!fdisk_partition_has_start(pa) || !fdisk_partition_has_size(pa))
			continue;
		p->partno = (unsigned int)fdisk_partition_get_partno(pa) + 1;
		snprintf(p->name, sizeof(p->name), "%s", name ? name : "");
		p->start = fdisk_partition_get_start(pa) * ss;
		p->size = fdisk_partition_get_size(pa) * ss;
		pool->nparts++;
	}
	fdisk_free_iter(itr);
	fdisk_unref_table(tb);
	return 0;
}

int brd_pool_read(const char *devpath, struct brd_pool *pool)
{
	struct fdisk_context *cxt;
	int rc;

	memset(pool, 0, sizeof(*pool));
	if ((rc = open_cxt(devpath, false, &cxt)))
		return rc;
	rc = is_pool(cxt) ? read_parts(cxt, pool) : -EMEDIUMTYPE;
	close_cxt(cxt);
	return rc;
}

void brd_pool_free(struct brd_pool *pool)
{
	free(pool->parts);
	memset(pool, 0, sizeof(*pool));
}

int brd_pool_init(const char *devpath)
{
	struct fdisk_context *cxt;
	char *id = NULL;
	int rc;

	if ((rc = open_cxt(devpath, true, &cxt)))
		return rc;
	rc = fdisk_create_disklabel(cxt, "gpt");
	if (!rc)	/* libfdisk's default, made explicit: brd_pool_blank() */
		rc = fdisk_gpt_set_npartitions(cxt, BRD_POOL_GPT_ENTRIES);
	if (!rc)
		rc = fdisk_get_disklabel_id(cxt, &id);
	if (!rc && id && strlen(id) > strlen(BRD_POOL_GUID_PREFIX)) {
		memcpy(id, BRD_POOL_GUID_PREFIX, strlen(BRD_POOL_GUID_PREFIX));
		rc = fdisk_set_disklabel_id_from_string(cxt, id);
	}
	free(id);
	if (!rc)
		rc = fdisk_write_disklabel(cxt);
	if (rc)
		brd_dbg("%s: cannot write the pool's partition table: %s", devpath,
			strerror(rc < 0 ? -rc : EIO));
	close_cxt(cxt);
	return rc < 0 ? rc : rc ? -EIO : 0;
}

uint64_t brd_pool_default_size(void)
{
	uint64_t ram = 0, slot = 1ULL << 30;

	brd_mem_total(&ram);
	while (slot < ram)
		slot <<= 1;
	return slot * BRD_POOL_SLOTS;
}

uint64_t brd_pool_slot(const struct brd_pool *pool)
{
	return (pool->size / BRD_POOL_SLOTS) & ~(BRD_POOL_ALIGN - 1);
}

void brd_pool_blank(uint64_t size, struct brd_pool *pool)
{
	/* a GPT on 512-byte sectors: protective MBR, header and entry array
	 * at the start, entry array and backup header at the end */
	uint64_t array = BRD_POOL_GPT_ENTRIES * 128 / 512;

	memset(pool, 0, sizeof(*pool));
	pool->size = size;
	pool->first = (2 + array) * 512;
	pool->last = size > (1 + array) * 512 ? size - (1 + array) * 512 : 0;
	pool->entries = BRD_POOL_GPT_ENTRIES;
}

/* end of the partition area free after @from: next partition start, or last */
static uint64_t free_until(const struct brd_pool *pool, uint64_t from,
			   unsigned int skip)
{
	uint64_t end = pool->last;

	for (size_t i = 0; i < pool->nparts; i++)
		if (pool->parts[i].partno != skip && pool->parts[i].start >= from &&
		    pool->parts[i].start < end)
			end = pool->parts[i].start;
	return end;
}

static bool occupied(const struct brd_pool *pool, uint64_t at)
{
	for (size_t i = 0; i < pool->nparts; i++)
		if (at >= pool->parts[i].start &&
		    at < pool->parts[i].start + pool->parts[i].size)
			return true;
	return false;
}

int brd_pool_place(const struct brd_pool *pool, uint64_t slot, uint64_t size,
		   uint64_t *start)
{
	for (uint64_t s = 0; s < pool->last; s += slot) {
		uint64_t at = s < BRD_POOL_ALIGN ? BRD_POOL_ALIGN : s;

		if (at < pool->first || occupied(pool, at))
			continue;
		if (free_until(pool, at, 0) - at >= size) {
			*start = at;
			return 0;
		}
	}
	return -ENOSPC;
}

uint64_t brd_pool_room(const struct brd_pool *pool, unsigned int partno)
{
	for (size_t i = 0; i < pool->nparts; i++)
		if (pool->parts[i].partno == partno)
			return free_until(pool, pool->parts[i].start + 1, partno) -
			       pool->parts[i].start;
	return 0;
}

const struct brd_pool_part *brd_pool_next(const struct brd_pool *pool,
					  unsigned int partno)
{
	const struct brd_pool_part *me = NULL, *next = NULL;

	for (size_t i = 0; i < pool->nparts; i++)
		if (pool->parts[i].partno == partno)
			me = &pool->parts[i];
	if (!me)
		return NULL;
	for (size_t i = 0; i < pool->nparts; i++) {
		const struct brd_pool_part *p = &pool->parts[i];

		if (p != me && p->start > me->start &&
		    (!next || p->start < next->start))
			next = p;
	}
	return next;
}

/* Write the in-memory table and tell the kernel what changed since @org. */
static int commit(struct fdisk_context *cxt, struct fdisk_table *org,
		  const char *devpath)
{
	int rc = fdisk_write_disklabel(cxt);

	if (rc) {
		brd_dbg("%s: cannot write the partition table: %s", devpath,
			strerror(rc < 0 ? -rc : EIO));
		return rc < 0 ? rc : -EIO;
	}
	rc = fdisk_reread_changes(cxt, org);
	if (rc) {
		brd_dbg("%s: the kernel refused the partition change: %s", devpath,
			strerror(rc < 0 ? -rc : EIO));
		return rc < 0 ? rc : -EIO;
	}
	return 0;
}

/* Put @org back on disk after a failed commit (best effort, logged). */
static void rollback(struct fdisk_context *cxt, struct fdisk_table *org,
		     const char *devpath)
{
	struct fdisk_table *now = NULL;
	int rc;

	fdisk_get_partitions(cxt, &now);
	rc = fdisk_delete_all_partitions(cxt);
	if (!rc)
		rc = fdisk_apply_table(cxt, org);
	if (!rc)
		rc = fdisk_write_disklabel(cxt);
	if (!rc && now)
		rc = fdisk_reread_changes(cxt, now);
	if (rc)
		brd_err("%s: could not restore the previous partition table: %s",
			devpath, strerror(rc < 0 ? -rc : EIO));
	else
		brd_info("%s: the previous partition table was restored", devpath);
	fdisk_unref_table(now);
}

static int open_pool_rw(const char *devpath, struct fdisk_context **cxt,
			struct fdisk_table **org)
{
	int rc = open_cxt(devpath, true, cxt);

	if (rc)
		return rc;
	if (!is_pool(*cxt)) {
		close_cxt(*cxt);
		return -EMEDIUMTYPE;
	}
	*org = NULL;
	if ((rc = fdisk_get_partitions(*cxt, org))) {
		close_cxt(*cxt);
		return rc < 0 ? rc : -EIO;
	}
	return 0;
}

/*
 * The end of every change: @rc is what libfdisk said of the change (< 0
 * -errno, > 0 a libfdisk refusal); on success write the table and tell the
 * kernel, and put the old table back if that fails.
 */
static int finish_change(struct fdisk_context *cxt, struct fdisk_table *org,
			 const char *devpath, int rc, const char *what)
{
	if (rc) {
		brd_dbg("%s: cannot %s: %s", devpath, what,
			strerror(rc < 0 ? -rc : EINVAL));
		return rc < 0 ? rc : -EINVAL;
	}
	rc = commit(cxt, org, devpath);
	if (rc)
		rollback(cxt, org, devpath);
	return rc;
}

int brd_pool_add(const char *devpath, const char *name, uint64_t start,
		 uint64_t size, unsigned int *partno)
{
	struct fdisk_context *cxt;
	struct fdisk_table *org;
	struct fdisk_partition *pa;
	struct fdisk_parttype *type;
	size_t no = 0;
	uint64_t ss;
	char what[128];
	int rc;

	if ((rc = open_pool_rw(devpath, &cxt, &org)))
		return rc;
	ss = fdisk_get_sector_size(cxt);
	pa = fdisk_new_partition();
	type = fdisk_label_parse_parttype(fdisk_get_label(cxt, NULL), BRD_POOL_PART_TYPE);
	if (!pa || !type) {
		rc = -ENOMEM;
		goto out;
	}
	fdisk_partition_set_start(pa, start / ss);
	fdisk_partition_set_size(pa, size / ss);
	fdisk_partition_partno_follow_default(pa, 1);
	fdisk_partition_set_name(pa, name);
	fdisk_partition_set_type(pa, type);
	snprintf(what, sizeof(what), "add partition %s", name);
	rc = finish_change(cxt, org, devpath, fdisk_add_partition(cxt, pa, &no), what);
	if (!rc)
		*partno = (unsigned int)no + 1;
out:
	fdisk_unref_parttype(type);
	fdisk_unref_partition(pa);
	fdisk_unref_table(org);
	close_cxt(cxt);
	return rc;
}

int brd_pool_resize(const char *devpath, unsigned int partno, uint64_t size)
{
	struct fdisk_context *cxt;
	struct fdisk_table *org;
	struct fdisk_partition *pa;
	char what[64];
	int rc;

	if ((rc = open_pool_rw(devpath, &cxt, &org)))
		return rc;
	pa = fdisk_new_partition();
	if (!pa) {
		rc = -ENOMEM;
		goto out;
	}
	fdisk_partition_set_size(pa, size / fdisk_get_sector_size(cxt));
	snprintf(what, sizeof(what), "resize partition %u", partno);
	rc = finish_change(cxt, org, devpath,
			   fdisk_set_partition(cxt, partno - 1, pa), what);
out:
	fdisk_unref_partition(pa);
	fdisk_unref_table(org);
	close_cxt(cxt);
	return rc;
}

int brd_pool_delete(const char *devpath, unsigned int partno)
{
	struct fdisk_context *cxt;
	struct fdisk_table *org;
	char what[64];
	int rc;

	if ((rc = open_pool_rw(devpath, &cxt, &org)))
		return rc;
	snprintf(what, sizeof(what), "delete partition %u", partno);
	rc = finish_change(cxt, org, devpath,
			   fdisk_delete_partition(cxt, partno - 1), what);
	fdisk_unref_table(org);
	close_cxt(cxt);
	return rc;
}

int brd_label_parts(unsigned int num, struct brd_disk *parts, size_t n)
{
	struct brd_pool pool;
	char dev[64];
	int rc;

	if (!n)
		return 0;
	snprintf(dev, sizeof(dev), "/dev/ram%u", num);
	if ((rc = brd_pool_read(dev, &pool)))
		return rc;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < pool.nparts; j++)
			if (pool.parts[j].partno == parts[i].partno)
				snprintf(parts[i].label, sizeof(parts[i].label), "%s",
					 pool.parts[j].name);
	brd_pool_free(&pool);
	return 0;
}

int brd_find_part(const char *name, struct brd_disk *d)
{
	struct brd_disk *disks, *parts;
	size_t n, np;
	int rc = brd_list(&disks, &n);

	if (rc)
		return rc;
	if (strncmp(name, "/dev/", 5) == 0)
		name += 5;
	/* a GPT name and a kernel name never collide (brd_pool_name_valid
	 * refuses ramN...), but look at the labels first all the same */
	rc = -ENOENT;
	for (int by_label = 1; by_label >= 0 && rc == -ENOENT; by_label--) {
		for (size_t i = 0; i < n && rc == -ENOENT; i++) {
			if (brd_list_parts(disks[i].num, &parts, &np))
				continue;
			if (by_label)
				brd_label_parts(disks[i].num, parts, np);
			for (size_t j = 0; j < np; j++)
				if (strcmp(by_label ? parts[j].label : parts[j].name, name) == 0) {
					*d = parts[j];
					rc = 0;
					break;
				}
			free(parts);
		}
	}
	free(disks);
	return rc;
}
