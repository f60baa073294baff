/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Pooled ramdisks: one nominally huge, sparse brd disk (the pool) carved
 * into GPT partitions, written with libfdisk and announced to the kernel
 * with BLKPG (libfdisk's re-read of changes).  A pool is recognised by its
 * GPT disk GUID, whose first group is BRD_POOL_GUID_PREFIX.
 */
#ifndef BRD_POOL_H
#define BRD_POOL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "brd.h"

#define BRD_POOL_GUID_PREFIX	"b7dc7100"
/* partition type of pooled ramdisks */
#define BRD_POOL_PART_TYPE	"6a1e5d2c-8f43-4b7a-9c0e-3d5f7b21a4e8"
#define BRD_POOL_SLOTS		128
#define BRD_POOL_ALIGN		(1ULL << 20)
/* sizes of pooled ramdisks (and of resized whole disks) are multiples of
 * this: whole 4 KiB pages, so that discard frees all of a removed one */
#define BRD_SIZE_UNIT		4096u
/* GPT partition entries brd_pool_init() writes (libfdisk's default) */
#define BRD_POOL_GPT_ENTRIES	128
/* The kernel numbers a disk's partitions 1..255 whatever brd's max_part:
 * add_partition() refuses partno >= DISK_MAX_PARTS (256), and partitions
 * beyond the disk's minors get extended device numbers (major 259)
 * [block/partitions/core.c, checked in the Linux 7.3 source] */
#define BRD_KERNEL_MAX_PARTS	255

struct brd_pool_part {
	unsigned int partno;	/* 1-based, as the kernel's ram0pN */
	char name[37];
	uint64_t start;		/* bytes from the start of the pool disk */
	uint64_t size;		/* bytes */
};

struct brd_pool {
	uint64_t size;		/* nominal size of the pool disk, bytes */
	uint64_t first, last;	/* usable byte range [first, last) */
	unsigned int entries;	/* partition entries of the GPT */
	struct brd_pool_part *parts;
	size_t nparts;
};

/* A valid pooled ramdisk name: 1-36 characters of A-Z a-z 0-9 . _ -, not
 * starting with '-', not "." or "..", not "auto" (brdtab's keyword), and
 * not "ram" followed by a digit (kernel names: ram0, ram0p1). */
bool brd_pool_name_valid(const char *name);

/* Is the disk at @devpath a pool (libblkid: GPT with our disk GUID)?
 * 1 yes, 0 no, -errno if it cannot be read. */
int brd_pool_probe(const char *devpath);
/* Read the pool's GPT.  -EMEDIUMTYPE if @devpath is not a pool. */
int brd_pool_read(const char *devpath, struct brd_pool *pool);
void brd_pool_free(struct brd_pool *pool);
/* Write an empty GPT with the pool marker. */
int brd_pool_init(const char *devpath);
/* The nominal size of a new pool: 128 slots of the RAM size rounded up
 * to a power of two (at least 1 GiB), so that every pooled ramdisk can
 * grow in place to the machine's RAM. */
uint64_t brd_pool_default_size(void);
/* The slot size of @pool: a new partition starts at a slot boundary. */
uint64_t brd_pool_slot(const struct brd_pool *pool);
/* @pool as brd_pool_init() would write it on a disk of @size bytes, with
 * no partitions (to plan what a new pool will hold). */
void brd_pool_blank(uint64_t size, struct brd_pool *pool);
/* Where a new partition of @size would go: the start of the first free
 * slot with room for it.  -ENOSPC if none. */
int brd_pool_place(const struct brd_pool *pool, uint64_t slot, uint64_t size,
		   uint64_t *start);
/* Bytes partition @partno could grow to (up to the next partition). */
uint64_t brd_pool_room(const struct brd_pool *pool, unsigned int partno);
/* The partition that limits @partno's growth (the next one on the disk),
 * or NULL when only the end of the pool does. */
const struct brd_pool_part *brd_pool_next(const struct brd_pool *pool,
					  unsigned int partno);
/* Add, resize or delete a partition in the GPT and tell the kernel; on a
 * failure after the GPT was written the old table is written back. */
int brd_pool_add(const char *devpath, const char *name, uint64_t start,
		 uint64_t size, unsigned int *partno);
int brd_pool_resize(const char *devpath, unsigned int partno, uint64_t size);
int brd_pool_delete(const char *devpath, unsigned int partno);

/* A partition of any brd disk by its GPT name, or by "ramNpM"
 * (the labels come from the pools' GPTs).  -ENOENT if there is none. */
int brd_find_part(const char *name, struct brd_disk *d);
/* Set the label of @n partitions of disk @num from its GPT (partitions
 * added with BLKPG have no PARTNAME in sysfs until a re-read). */
int brd_label_parts(unsigned int num, struct brd_disk *parts, size_t n);

#endif
