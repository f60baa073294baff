/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Sparse copies of a ramdisk, to keep its data across a reload of brd
 * (the only way to resize whole-disk ramdisks): only non-zero pages are
 * saved, in memory or in a sparse file of a backup directory, with their
 * offsets and a checksum that the write-back verifies.
 */
#ifndef BRD_SNAPSHOT_H
#define BRD_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

#define BRD_SNAP_PAGE 4096

struct brd_snapshot {
	char dev[64];		/* /dev/ramN it was taken from */
	uint64_t size;		/* device size then */
	uint64_t *offsets;	/* of the saved (non-zero) pages, ascending */
	size_t npages;
	unsigned char *data;	/* npages pages, or NULL when in a file */
	char *file;		/* sparse backup file (same offsets), or NULL */
	uint64_t csum;		/* over offsets and data */
};

/* Save the non-zero pages of @dev.  @expect_pages is the allocated-page
 * count (-1 unknown): scanning stops once that many non-zero pages were
 * found (@expect_pages counts kernel pages, PAGE_SIZE each).  @backup_dir
 * NULL keeps the pages in memory. */
#define BRD_SNAP_COUNT_ONLY	1	/* find the pages, keep only offsets */
int brd_snapshot_take(const char *dev, uint64_t size, int64_t expect_pages,
		      const char *backup_dir, int flags, struct brd_snapshot *s);
/* End of the last saved page (0 if none): data there would be cut by a
 * smaller size. */
uint64_t brd_snapshot_end(const struct brd_snapshot *s);
/* Write the pages back to @dev (those below @dev_size), sync, and verify by
 * reading them back against the checksum.  -EIO on a mismatch. */
int brd_snapshot_restore(const struct brd_snapshot *s, const char *dev,
			 uint64_t dev_size);
/* Keep an in-memory snapshot as a sparse file in @dir (for rescue);
 * s->file names it afterwards. */
int brd_snapshot_to_file(struct brd_snapshot *s, const char *dir);
/* Free memory; @remove_file deletes the backup file. */
void brd_snapshot_free(struct brd_snapshot *s, int remove_file);

#endif
