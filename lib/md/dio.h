/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lib/dio: read a file or block device with O_DIRECT, bypassing the page
 * cache (md writes bitmaps behind the page cache's back).
 *
 * Alignment comes from statx(STATX_DIOALIGN), or BLKSSZGET for block
 * devices, or 4096 when nothing is reported.  Where O_DIRECT is refused
 * (EINVAL: e.g. tmpfs before 6.6, or statx reports no DIO support) the
 * reader falls back to buffered reads after dropping the file's cached
 * pages (POSIX_FADV_DONTNEED), and says so through brd_dbg().
 *
 * A memory backend exists for unit tests and fuzzing.
 */
#ifndef BRD_DIO_H
#define BRD_DIO_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <sys/types.h>

/* Default size of one streaming read. */
#define BRD_DIO_BUFSZ	(1u << 20)

struct brd_dio {
	int fd;			/* -1 for the memory backend */
	bool direct;		/* O_DIRECT in effect */
	bool is_blk;		/* block device */
	uint32_t mem_align;	/* buffer alignment */
	uint32_t off_align;	/* offset/length alignment */
	uint64_t size;		/* bytes (st_size or BLKGETSIZE64) */
	const unsigned char *mem;	/* memory backend */
	size_t bufsz;		/* streaming read size (multiple of off_align) */
	unsigned char *buf;	/* aligned buffer of bufsz bytes */
	char *name;		/* for messages */
};

/*
 * Open @path read-only.  Returns 0 or -errno (-ENOENT, -EACCES, -EISDIR,
 * -EINVAL for a file that is neither regular nor a block device, ...).
 */
int brd_dio_open(struct brd_dio *d, const char *path);

/* Memory backend over @buf (not copied; must outlive @d). */
int brd_dio_open_mem(struct brd_dio *d, const void *buf, size_t len,
		     const char *name);

void brd_dio_close(struct brd_dio *d);

/*
 * Stream bytes [@off, @off + @len) to @fn in pieces of at most bufsz
 * bytes, in order.  @pos passed to @fn is the absolute offset of @data.
 * Stops early (without error) at end of file; *@done (may be NULL) gets
 * the number of bytes delivered.  A non-zero return of @fn stops the
 * stream and is returned.  I/O errors are returned as -errno.
 */
typedef int (*brd_dio_fn)(void *arg, const unsigned char *data, size_t len,
			  uint64_t pos);
int brd_dio_stream(struct brd_dio *d, uint64_t off, uint64_t len,
		   brd_dio_fn fn, void *arg, uint64_t *done);

/* Read up to @len bytes at @off into @buf (any alignment); *@got gets the
 * count (short at end of file).  Returns 0 or -errno. */
int brd_dio_pread(struct brd_dio *d, void *buf, size_t len, uint64_t off,
		  size_t *got);

#endif
