/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lib/blockmap: where a file's bytes live on its block device, and whether
 * brdctl may write them there directly (the way md writes a bitmap file:
 * bmap() + submit_bh to the filesystem's device).
 *
 * The map comes from FIEMAP (with FIEMAP_FLAG_SYNC unless asked not to),
 * or FIBMAP when the filesystem has no FIEMAP; FIBMAP also cross-checks
 * every block when we have CAP_SYS_RAWIO.  The verdict is a list of
 * reasons, every one that applies; an empty list means writable.
 * See docs/md-bitmaps.md, "FIEMAP, FIBMAP, and writing through a file's
 * block addresses".  No printing.
 */
#ifndef BRD_BLOCKMAP_H
#define BRD_BLOCKMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/fiemap.h>

struct brd_extent {
	uint64_t logical;	/* byte offset in the file */
	uint64_t physical;	/* byte offset on the device */
	uint64_t length;	/* bytes */
	uint32_t flags;		/* FIEMAP_EXTENT_* */
};

/*
 * Extent flags that are fine for a write through the block address (and for
 * the kernel's bmap()-based bitmap file I/O): the extent is plain written
 * data at a known, aligned place on st_dev's device.
 */
#define BRD_EXTENT_OK_FLAGS	(FIEMAP_EXTENT_LAST | FIEMAP_EXTENT_MERGED)

/* The flags of @flags that forbid writing (everything but LAST, MERGED). */
static inline uint32_t brd_extent_bad_flags(uint32_t flags)
{
	return flags & ~BRD_EXTENT_OK_FLAGS;
}

/*
 * Walk the FIEMAP extents of fd from byte `start` (FIEMAP_FLAG_SYNC when
 * `sync`), calling fn for each one until it returns non-zero, the kernel
 * reports the last extent, or an extent ends at or beyond `end`.  Returns
 * 0, fn's non-zero value, or -errno of the ioctl (-EOPNOTSUPP/-ENOTTY: the
 * filesystem has no FIEMAP).  The one FIEMAP loop of the project.
 */
typedef int (*brd_fiemap_fn)(const struct brd_extent *e, void *arg);
int brd_fiemap_walk(int fd, uint64_t start, uint64_t end, bool sync,
		    brd_fiemap_fn fn, void *arg);

/* Name of one FIEMAP_EXTENT_* bit ("UNWRITTEN"), NULL if unknown. */
const char *brd_extent_flag_name(uint32_t bit);
/* "LAST,MERGED" (unknown bits as hex, "" for 0) into @buf. */
char *brd_extent_flags_str(uint32_t flags, char *buf, size_t len);

/* Why a file cannot be written through its blocks. */
enum brd_bm_why {
	BRD_BMW_NOTREG,		/* not a regular file */
	BRD_BMW_EMPTY,		/* nothing to write */
	BRD_BMW_FSTYPE,		/* filesystem not on the allow-list */
	BRD_BMW_FSOPT,		/* mount option (ext4 data=journal) */
	BRD_BMW_REALTIME,	/* XFS realtime file: other device */
	BRD_BMW_NOMAP,		/* neither FIEMAP nor FIBMAP works */
	BRD_BMW_FLAG,		/* an extent flag (one reason per flag) */
	BRD_BMW_HOLE,		/* part of the file has no blocks */
	BRD_BMW_ALIGN,		/* extent not aligned to blocks */
	BRD_BMW_OUTSIDE,	/* extent beyond the end of the device */
	BRD_BMW_ANONDEV,	/* st_dev is not a block device (major 0) */
	BRD_BMW_NODEV,		/* no device node for st_dev */
	BRD_BMW_DEVMISMATCH,	/* node's st_rdev is not st_dev */
	BRD_BMW_FIBMAP,		/* FIBMAP disagrees with FIEMAP */
	BRD_BMW_MDINUSE,	/* attached to an active md array */
	BRD_BMW_DEVOPEN,	/* the device cannot be opened for writing */
	BRD_BMW_CONTENT,	/* device bytes at the address != file bytes */
	BRD_BMW_NR
};

/* Short stable name for JSON/tests ("unwritten", "hole", "md-in-use"). */
const char *brd_bm_why_name(int why);

struct brd_bm_reason {
	int why;		/* enum brd_bm_why */
	uint32_t flag;		/* BRD_BMW_FLAG: the FIEMAP_EXTENT_* bit */
	int err;		/* errno behind it, or 0 */
	char *text;		/* one line, human readable */
};

enum brd_bm_source { BRD_BM_SRC_NONE, BRD_BM_SRC_FIEMAP, BRD_BM_SRC_FIBMAP };

struct brd_blockmap {
	char *path;
	dev_t dev;		/* st_dev */
	ino_t ino;
	uint64_t size;		/* i_size */
	uint32_t blksz;		/* filesystem block size (FIGETBSZ) */
	unsigned long fs_magic;	/* statfs f_type */
	char *fstype;		/* "ext4", "xfs", ... */
	char *mountpoint;	/* NULL if not found */
	bool realtime;		/* XFS realtime inode */
	bool synced;		/* fsync + FIEMAP_FLAG_SYNC were used */

	char *devnode;		/* resolved node of st_dev, or NULL */
	uint64_t dev_size;	/* bytes (BLKGETSIZE64) */
	uint32_t dev_lbs;	/* logical block size (BLKSSZGET) */
	int dev_write_err;	/* 0 if open(O_RDWR) works, else -errno */

	int source;		/* enum brd_bm_source */
	int fiemap_err;		/* 0 or -errno of FIEMAP */
	struct brd_extent *ext;	/* sorted by logical */
	size_t next;

	int fibmap;		/* 1 cross-checked, 0 not tried, -errno */
	uint64_t fibmap_blocks;	/* blocks compared */

	char *md_user;		/* md array using the file, if any */

	struct brd_bm_reason *reasons;
	size_t nreasons;
};

/* brd_blockmap_build() flags */
#define BRD_BM_NOSYNC	(1u << 0)	/* no fsync / FIEMAP_FLAG_SYNC */
#define BRD_BM_FORCE	(1u << 1)	/* md in use is not a reason */
#define BRD_BM_NOFIBMAP	(1u << 2)	/* skip the FIBMAP cross-check */

/*
 * Map @path and judge it.  Returns 0 when the map could be examined at
 * all (the verdict is in m->reasons), or -errno when @path cannot be
 * opened or stat()ed (-ENOENT, -EACCES, ...).  The file is opened
 * read-only; fsync works on it.
 */
int brd_blockmap_build(struct brd_blockmap *m, const char *path,
		       unsigned flags);
void brd_blockmap_free(struct brd_blockmap *m);

static inline bool brd_blockmap_writable(const struct brd_blockmap *m)
{
	return m->nreasons == 0;
}

/* Add a reason (printf-style text).  Returns 0 or -ENOMEM. */
int brd_blockmap_add_reason(struct brd_blockmap *m, int why, uint32_t flag,
			    int err, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/*
 * The pure part of the verdict: checks m->ext against m->size, m->blksz,
 * m->dev_size and m->dev_lbs (each when non-zero) and adds reasons for
 * bad flags (one per flag, with the count and the first extent), holes,
 * misalignment and extents beyond the device.  Only the blocks that hold
 * the file's bytes [0, i_size) are judged.
 */
int brd_blockmap_check_extents(struct brd_blockmap *m);

/*
 * Filesystem allow-list by statfs f_type.  Returns true if allowed; sets
 * *@name to a name for it (or NULL if unknown) and *@note to why it is
 * refused (NULL if allowed or no particular reason).
 */
bool brd_blockmap_fs_allowed(unsigned long magic, const char **name,
			     const char **note);

/* Device byte offset of file byte @off (in a mapped extent); *@run gets the
 * bytes left in that extent.  -ENXIO if @off is in a hole. */
int brd_blockmap_file_to_dev(const struct brd_blockmap *m, uint64_t off,
			     uint64_t *dev_off, uint64_t *run);

/*
 * md bitmap files in /proc/mdstat text: for every array with a "file:"
 * bitmap, its name and path (octal escapes undone).  *@names and *@paths
 * are malloc'd arrays of malloc'd strings.  Returns 0 or -ENOMEM.
 */
int brd_mdstat_bitmap_files(const char *mdstat, char ***names, char ***paths,
			    size_t *n);
void brd_strv_free(char **v, size_t n);

#endif
