/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared by the ramdisk subcommands (create, list, stat, flush, remove). */
#ifndef BRDCTL_RAMDISK_H
#define BRDCTL_RAMDISK_H

#include "cmd.h"
#include "../lib/blkinfo.h"
#include "../lib/brd.h"

/* Columns of `list` (and the fields of `stat --json`). */
enum {
	COL_NAME, COL_PATH, COL_MAJMIN, COL_SIZE, COL_ALLOC, COL_RO,
	COL_DISCARD, COL_FSTYPE, COL_LABEL, COL_UUID, COL_MOUNTPOINTS,
	COL_HOLDERS,
	RD_NCOLUMNS
};
extern const struct cmd_column rd_columns[RD_NCOLUMNS];

struct rd_info {
	struct brd_disk d;
	char path[64];			/* /dev/ramN */
	struct brd_blkinfo bi;
	char *mounts;			/* newline-separated, or NULL */
	char *holders;			/* comma-separated, or NULL */
};

/* Resolve "ram3", "/dev/ram3" or any block node of a brd disk. */
int rd_resolve(const char *arg, struct brd_disk *d);
/* Probe filesystem, mounts and holders of an already filled rd->d. */
void rd_info_fill(struct rd_info *ri);
void rd_info_free(struct rd_info *ri);
/* Add one ramdisk as a table line. */
int rd_table_add(struct cmd_table *t, const struct rd_info *ri);

/* Why a ramdisk must not be destroyed: a message part such as
 * "mounted on /mnt/x" or "held by md0", or NULL if nothing holds it. */
char *rd_busy_reason(const struct rd_info *ri);

/* Default wait for the lock and for device nodes, milliseconds. */
#define RD_LOCK_TIMEOUT_MS 30000
#define RD_NODE_TIMEOUT_MS 10000

#endif
