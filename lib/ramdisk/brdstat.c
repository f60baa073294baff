// SPDX-License-Identifier: GPL-2.0-or-later
/* Per-ramdisk figures.  See brdstat.h. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "brdstat.h"
#include "../base/sysfs.h"

uint64_t brd_pages_bytes(int64_t pages)
{
	return pages > 0 ? (uint64_t)pages * (uint64_t)sysconf(_SC_PAGESIZE) : 0;
}

/* the fields of /sys/block/.../stat, in the kernel's order */
enum {
	ST_READS, ST_READ_MERGES, ST_READ_SECTORS, ST_READ_TICKS,
	ST_WRITES, ST_WRITE_MERGES, ST_WRITE_SECTORS, ST_WRITE_TICKS,
	ST_IN_FLIGHT, ST_IO_TICKS, ST_TIME_IN_QUEUE,
	ST_DISCARDS, ST_DISCARD_MERGES, ST_DISCARD_SECTORS, ST_DISCARD_TICKS,
	ST_MAX = 17
};

int brd_disk_io_stats(const struct brd_disk *d, struct brd_io_stats *st)
{
	uint64_t f[ST_MAX] = { 0 }, v;
	char *s, *p, *end;
	int n = 0, rc;

	memset(st, 0, sizeof(*st));
	st->counted = !(brd_path_read_u64(&v, "/sys/block/ram%u/queue/iostats",
					  d->num) == 0 && !v);
	if (!st->counted)
		return 0;
	if (d->partno)
		rc = brd_path_read_string(&s, "/sys/block/ram%u/%s/stat", d->num,
					  d->name);
	else
		rc = brd_path_read_string(&s, "/sys/block/%s/stat", d->name);
	if (rc)
		return rc;
	for (p = s; n < ST_MAX; p = end) {
		v = strtoull(p, &end, 10);
		if (end == p)
			break;
		f[n++] = v;
	}
	free(s);
	if (n > ST_TIME_IN_QUEUE) {
		st->have_io = true;
		st->reads = f[ST_READS];
		st->read_sectors = f[ST_READ_SECTORS];
		st->writes = f[ST_WRITES];
		st->write_sectors = f[ST_WRITE_SECTORS];
		st->in_flight = f[ST_IN_FLIGHT];
	}
	if (n > ST_DISCARD_TICKS) {
		st->have_discard = true;
		st->discards = f[ST_DISCARDS];
		st->discard_sectors = f[ST_DISCARD_SECTORS];
	}
	return 0;
}

static int64_t queue_attr(const struct brd_disk *d, const char *attr)
{
	uint64_t v;

	if (brd_path_read_u64(&v, "/sys/block/ram%u/queue/%s", d->num, attr) ||
	    v > INT64_MAX)
		return -1;
	return (int64_t)v;
}

void brd_disk_queue_limits(const struct brd_disk *d, struct brd_queue_limits *q)
{
	q->logical_block_size = queue_attr(d, "logical_block_size");
	q->physical_block_size = queue_attr(d, "physical_block_size");
	q->discard_granularity = queue_attr(d, "discard_granularity");
}
