/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lib/bitwrite: change bytes of a file by writing its blocks on the block
 * device directly, as md does with a bitmap file (docs/md-bitmaps.md, "FIEMAP, FIBMAP, and
 * writing through a file's block addresses" and "O_DIRECT rules brdctl uses").
 *
 *   plan:    the filesystem blocks covering the byte ranges, each read
 *            from the device with O_DIRECT (and checked against the file's
 *            own bytes read with O_DIRECT: a wrong address is caught here),
 *            edited by a callback; unchanged blocks are dropped.
 *   execute: fsync the file, one O_DIRECT pwrite of each changed whole
 *            block at its device address, fsync the device, fsync and
 *            POSIX_FADV_DONTNEED the file, re-read through the file with
 *            O_DIRECT (and buffered) and compare.
 *
 * Writes never leave the file's mapped blocks and never change i_size.
 * No printing: a failure's reason goes into w->why, warnings into flags of
 * w, detail through brd_log at debug level.
 */
#ifndef BRD_BITWRITE_H
#define BRD_BITWRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "blockmap.h"

struct brd_bw_range {
	uint64_t off;	/* file byte offset */
	uint64_t len;	/* bytes */
};

enum brd_bw_state {
	BRD_BW_PLANNED,
	BRD_BW_WRITTEN,		/* pwrite completed in full */
	BRD_BW_FAILED,		/* pwrite failed: state of the block unknown */
	BRD_BW_NOT_WRITTEN,	/* not attempted after a failure */
};

struct brd_bw_block {
	uint64_t file_off;	/* block-aligned */
	uint64_t dev_off;	/* byte offset on the device */
	uint32_t len;		/* the filesystem block size */
	int state;		/* enum brd_bw_state */
	int err;		/* errno of a failed write */
	unsigned char *old;	/* device content before (aligned) */
	unsigned char *new;	/* content to write (aligned) */
};

struct brd_bitwrite {
	char *file;
	char *devnode;
	dev_t dev;
	uint64_t size;		/* i_size */
	uint32_t blksz;
	struct brd_bw_block *blk;	/* the blocks that change */
	size_t n;
	size_t examined;	/* blocks read while planning */
	size_t nwritten;
	uint64_t bytes_written;
	int dev_sync_err;	/* fsync of the device, 0 or -errno */
	bool verified;		/* O_DIRECT re-read matched */
	bool verify_buffered;	/* O_DIRECT refused: verified with buffered reads */
	bool buffered_stale;	/* a buffered re-read still saw old data */
	uint64_t stale_off;	/* ... at this file offset */
	int drop_err;		/* dropping the cached pages after: -errno */
	/* Why plan or execute failed, for the user's one line (the -errno
	 * returned says less); "" when strerror of the result says it all. */
	char why[256];
};

/*
 * Pure planning: the filesystem blocks of @m that cover @r[0..@nr), sorted
 * and unique, with their device offsets (old/new NULL).  -EINVAL if a range
 * is empty or reaches beyond i_size, -ENXIO if a block is not mapped,
 * -ERANGE if a block is not wholly inside one extent.
 */
int brd_bitwrite_blocks(const struct brd_blockmap *m,
			const struct brd_bw_range *r, size_t nr,
			struct brd_bw_block **out, size_t *nout);

/*
 * Edit callback: @buf holds the file's bytes [@off, @off + @len) (one
 * block, clipped at i_size); change what should change.  Non-zero return
 * aborts the plan and is returned.
 */
typedef int (*brd_bw_edit_fn)(void *arg, uint64_t off, unsigned char *buf,
			      size_t len);

/*
 * Plan the change.  @m must have an empty verdict.  Reads every block
 * from the device and through the file; if they differ the map is not
 * trustworthy: a BRD_BMW_CONTENT reason is added to @m and -ECANCELED
 * returned.  Returns 0 (w->n may be 0: nothing changes) or -errno.
 */
int brd_bitwrite_plan(struct brd_bitwrite *w, struct brd_blockmap *m,
		      const struct brd_bw_range *r, size_t nr,
		      brd_bw_edit_fn fn, void *arg);

/*
 * Write the plan.  On a failed device write the remaining blocks are not
 * attempted (their state says so), what was written is still flushed and
 * made visible, and the write's -errno is returned.  A verification
 * mismatch returns -EIO.
 */
int brd_bitwrite_execute(struct brd_bitwrite *w);

void brd_bitwrite_free(struct brd_bitwrite *w);

#endif
