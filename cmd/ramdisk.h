/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared by the ramdisk subcommands (create, list, stat, flush, remove,
 * resize, apply). */
#ifndef BRDCTL_RAMDISK_H
#define BRDCTL_RAMDISK_H

#include "cmd.h"
#include "../lib/ramdisk/blkinfo.h"
#include "../lib/ramdisk/brd.h"
#include "../lib/ramdisk/pool.h"
#include "../lib/ramdisk/resolve.h"
#include "../lib/ramdisk/brdstat.h"

/* Columns of `list` (and the fields of `stat --json`). */
enum {
	COL_NAME, COL_TYPE, COL_PATH, COL_MAJMIN, COL_SIZE, COL_ALLOC, COL_RO,
	COL_DISCARD, COL_FSTYPE, COL_LABEL, COL_UUID, COL_MOUNTPOINTS,
	COL_HOLDERS, COL_IMAGE, COL_SAVED,
	RD_NCOLUMNS
};
extern const struct cmd_column rd_columns[RD_NCOLUMNS];

struct rd_info {
	struct brd_disk d;
	char path[64];			/* /dev/ramN */
	struct brd_blkinfo bi;
	char *mounts;			/* newline-separated, or NULL */
	char *holders;			/* comma-separated, or NULL */
	bool pool;			/* a pool's whole disk */
	char *image;			/* RD_PERSIST: its image (persist.h), or NULL */
	int64_t saved_ns;		/* ... and the time of its last save */
};

/* Probe filesystem (RD_PROBE), mounts (RD_MOUNTS) and holders (RD_HOLDERS)
 * of an already filled rd->d. */
#define RD_PROBE	(1u << 0)
#define RD_MOUNTS	(1u << 1)
#define RD_HOLDERS	(1u << 2)
#define RD_PERSIST	(1u << 3)	/* the record of its image (not in RD_ALL) */
#define RD_ALL		(RD_PROBE | RD_MOUNTS | RD_HOLDERS)
void rd_info_fill(struct rd_info *ri, unsigned int what);
void rd_info_free(struct rd_info *ri);
/* Add one ramdisk as a table line. */
int rd_table_add(struct cmd_table *t, const struct rd_info *ri);

/* Each of @argv a device path (it has a '/') or a name that passes the one
 * name rule (brdtab_name_kind(), lib/ramdisk/brdtab.h)?  Else a usage error
 * naming the rule (exit 2), before anything is looked up.  An exit status. */
int rd_check_names(int argc, const char *const *argv);

/* What brd_resolve() of @arg returned (@rc, not 0), said: "no such
 * ramdisk", "not a brd ramdisk", or the errno's text.  An exit status
 * (3 for the first two). */
int rd_resolve_error(int rc, const char *arg);

/* brd_lock() failed with @lock: said ("needs root" for a user other than
 * root, who cannot open it); an exit status (6 for that one). */
int rd_lock_error(int lock);

/* Why a ramdisk must not be destroyed: a message part such as
 * "mounted on /mnt/x" or "held by md0", or NULL if nothing holds it. */
char *rd_busy_reason(const struct rd_info *ri);

/* Default wait for the lock and for device nodes, milliseconds. */
#define RD_LOCK_TIMEOUT_MS 30000
#define RD_NODE_TIMEOUT_MS 10000

/*
 * Creating ramdisks from other commands (create, apply): one request per
 * ramdisk.  @name is "ramN" (a whole brd disk), NULL (the lowest free whole
 * disk), or any other name of 1-36 characters [A-Za-z0-9._-] (a pooled
 * ramdisk: a GPT partition of the pool disk, see `brdctl create`).
 * Idempotent: an existing ramdisk of the same name and size is fine and is
 * returned.  On success paths[i] is the malloc'd device path of request i.
 * Errors are printed; the return value is an exit status (EXIT_OK...).
 */
struct rd_request {
	const char *name;
	uint64_t size;		/* bytes; 0 = keep / default (whole disks) */
};
struct rd_create_opts {
	bool force;		/* allow sizes beyond MemAvailable */
	unsigned int timeout_ms;
	uint64_t max_part;	/* whole disks: 0 = keep / default */
	uint64_t pool_size;	/* pool nominal size; 0 = default */
};
int rd_create(const struct rd_request *req, size_t n,
	      const struct rd_create_opts *o, char **paths);
/* One ramdisk @name (as above; not NULL) of @size bytes: rd_create() of one
 * request.  *path as paths[0].  For commands that make one ramdisk to fill
 * it (restore). */
int rd_create_one(const char *name, uint64_t size,
		  const struct rd_create_opts *o, char **path);


/* Pooled ramdisks (cmd/pool.c) */
int pool_create(const struct rd_request *req, size_t n,
		const struct rd_create_opts *o, char **paths);
/* Whole-disk creation while brd is a pool: print why not, return 4. */
int pool_refuse_whole(const struct brd_disk *disks, size_t n);
/* Is whole disk @d the disk of a pool? */
bool rd_is_pool_disk(const struct brd_disk *d);
/* Remove pooled ramdisk @d (discard its range, delete its partition). */
int pool_remove(const struct brd_disk *d);
/* Discard all pages of @d (whole disk or partition); prints the report. */
int rd_discard_report(const struct brd_disk *d, bool force);
/* Print what brd_free_ram() freed: "PATH: WHATfreed 8M (2048 pages), N
 * pages still allocated SUFFIX", or that it is unknown. */
void rd_print_freed(const char *path, const struct brd_freed *f,
		    const char *what, const char *suffix);

/* Load brd (not loaded) with @size_kib and @max_part and whole disks
 * @nums, and wait for their nodes.  Returns an exit status. */
int rd_load_disks(const unsigned int *nums, size_t n, uint64_t size_kib,
		  uint64_t max_part, unsigned int timeout_ms);

/* Every disk of @disks and each of its partitions idle (not mounted, held
 * or open)?  Prints each busy one ("in use: <reason><why>"); exit status. */
int rd_check_idle(const struct brd_disk *disks, size_t n, const char *why);
/* a + b, saturating at UINT64_MAX */
uint64_t rd_add_sat(uint64_t a, uint64_t b);

/* Saved and restored ramdisks (cmd/save.c): the name @d is recorded under
 * (its pooled name, or ramN); @path gets its device node. */
const char *rd_persist_name(struct brd_disk *d, char *path, size_t len);

#endif
