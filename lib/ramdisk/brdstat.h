/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Per-ramdisk figures for `stat` and `list`: RAM held (brd counts pages of
 * the kernel's page size), the block layer's I/O counters as named fields,
 * and the queue limits.  Partitions share their disk's queue.
 */
#ifndef BRD_BRDSTAT_H
#define BRD_BRDSTAT_H

#include <stdbool.h>
#include <stdint.h>

#include "brd.h"

/* Bytes held by @pages brd pages (the kernel's page size); 0 if < 0. */
uint64_t brd_pages_bytes(int64_t pages);

struct brd_io_stats {
	/* false: the kernel keeps no I/O statistics for this disk (brd is
	 * bio-based and leaves queue/iostats at 0: its counters stay 0) */
	bool counted;
	bool have_io;		/* the fields of Documentation/block/stat.rst */
	bool have_discard;	/* since Linux 4.19 */
	uint64_t reads, read_sectors, writes, write_sectors, in_flight;
	uint64_t discards, discard_sectors;
};

/* Read /sys/block/<disk>[/<part>]/stat (not when the disk's queue keeps
 * no statistics: then only counted = false).  -errno if unreadable. */
int brd_disk_io_stats(const struct brd_disk *d, struct brd_io_stats *st);

struct brd_queue_limits {
	/* -1 where the attribute cannot be read */
	int64_t logical_block_size, physical_block_size, discard_granularity;
};

/* The queue limits of @d's disk. */
void brd_disk_queue_limits(const struct brd_disk *d, struct brd_queue_limits *q);

#endif
