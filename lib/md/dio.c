// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * O_DIRECT reader with a buffered fallback.  See dio.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <linux/fs.h>

#include "dio.h"
#include "../base/log.h"

#define DEFAULT_ALIGN	4096u

static bool is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

static void drop_cache(struct brd_dio *d)
{
	/* Clean pages only; there is nothing dirty in a read-only open of
	 * someone else's file that we could write back anyway. */
	int rc = posix_fadvise(d->fd, 0, 0, POSIX_FADV_DONTNEED);

	if (rc)
		brd_dbg("%s: cannot drop cached pages: %s", d->name,
			strerror(rc));
}

/* Switch an open fd from O_DIRECT to buffered reads. */
static int go_buffered(struct brd_dio *d, const char *why)
{
	int fl = fcntl(d->fd, F_GETFL);

	if (fl < 0 || fcntl(d->fd, F_SETFL, fl & ~O_DIRECT) < 0) {
		int err = errno;

		brd_dbg("%s: cannot disable O_DIRECT: %s", d->name,
			strerror(err));
		return -err;
	}
	d->direct = false;
	drop_cache(d);
	brd_dbg("%s: O_DIRECT not usable (%s); using buffered reads after "
		"dropping the file's cached pages", d->name, why);
	return 0;
}

static void set_align(struct brd_dio *d, const struct stat *st)
{
	struct statx stx;
	int lbs = 0;

	d->mem_align = d->off_align = 0;
	memset(&stx, 0, sizeof(stx));
	if (statx(d->fd, "", AT_EMPTY_PATH, STATX_DIOALIGN, &stx) == 0 &&
	    (stx.stx_mask & STATX_DIOALIGN)) {
		d->mem_align = stx.stx_dio_mem_align;
		d->off_align = stx.stx_dio_offset_align;
		if (!d->off_align) {
			/* The fs says: no direct I/O for this file (it would
			 * silently be buffered, e.g. ext4 data=journal). */
			if (d->direct)
				go_buffered(d, "statx reports no direct I/O support");
			d->off_align = 0;
		}
	}
	if (!d->off_align && S_ISBLK(st->st_mode) &&
	    ioctl(d->fd, BLKSSZGET, &lbs) == 0 && lbs > 0)
		d->off_align = (uint32_t)lbs;
	if (!is_pow2(d->off_align) || d->off_align > BRD_DIO_BUFSZ)
		d->off_align = DEFAULT_ALIGN;
	if (!is_pow2(d->mem_align) || d->mem_align > BRD_DIO_BUFSZ)
		d->mem_align = DEFAULT_ALIGN;
	if (d->mem_align < sizeof(void *))
		d->mem_align = sizeof(void *);
	brd_dbg("%s: %s reads, offset alignment %u, buffer alignment %u",
		d->name, d->direct ? "O_DIRECT" : "buffered",
		d->off_align, d->mem_align);
}

int brd_dio_open(struct brd_dio *d, const char *path)
{
	struct stat st;
	int err;

	memset(d, 0, sizeof(*d));
	d->fd = -1;
	d->name = strdup(path);
	if (!d->name)
		return -ENOMEM;

	d->fd = open(path, O_RDONLY | O_DIRECT | O_CLOEXEC);
	if (d->fd >= 0) {
		d->direct = true;
	} else if (errno == EINVAL) {
		d->fd = open(path, O_RDONLY | O_CLOEXEC);
		if (d->fd < 0)
			goto fail_errno;
		drop_cache(d);
		brd_dbg("%s: O_DIRECT refused by the filesystem; using "
			"buffered reads after dropping the file's cached pages",
			path);
	} else {
		goto fail_errno;
	}

	if (fstat(d->fd, &st) < 0)
		goto fail_errno;
	if (S_ISDIR(st.st_mode)) {
		err = -EISDIR;
		goto fail;
	}
	if (S_ISBLK(st.st_mode)) {
		d->is_blk = true;
		if (ioctl(d->fd, BLKGETSIZE64, &d->size) < 0)
			goto fail_errno;
	} else if (S_ISREG(st.st_mode)) {
		d->size = (uint64_t)st.st_size;
	} else {
		brd_dbg("%s: not a regular file or block device", path);
		err = -EINVAL;
		goto fail;
	}
	set_align(d, &st);
	d->bufsz = BRD_DIO_BUFSZ;
	return 0;

fail_errno:
	err = -errno;
fail:
	brd_dio_close(d);
	return err;
}

int brd_dio_open_mem(struct brd_dio *d, const void *buf, size_t len,
		     const char *name)
{
	memset(d, 0, sizeof(*d));
	d->fd = -1;
	d->mem = buf;
	d->size = len;
	d->mem_align = 16;
	d->off_align = 512;
	d->bufsz = 4096;	/* small, so tests cross buffer boundaries */
	d->name = strdup(name ? name : "(memory)");
	return d->name ? 0 : -ENOMEM;
}

void brd_dio_close(struct brd_dio *d)
{
	if (d->fd >= 0)
		close(d->fd);
	free(d->buf);
	free(d->name);
	memset(d, 0, sizeof(*d));
	d->fd = -1;
}

static int ensure_buf(struct brd_dio *d)
{
	void *p;
	size_t a = d->off_align ? d->off_align : 512;

	if (d->buf)
		return 0;
	if (d->bufsz < a)
		d->bufsz = a;
	d->bufsz = (d->bufsz + a - 1) & ~(a - 1);
	if (posix_memalign(&p, d->mem_align < 4096 ? 4096 : d->mem_align,
			   d->bufsz))
		return -ENOMEM;
	d->buf = p;
	return 0;
}

/*
 * Read [pos, pos+want) into d->buf; pos and want are off_align multiples.
 * Returns the byte count (less than @want only at end of file) or -errno.
 */
static ssize_t raw_read(struct brd_dio *d, uint64_t pos, size_t want)
{
	size_t got = 0;

	if (d->mem) {
		if (pos >= d->size)
			return 0;
		if (want > d->size - pos)
			want = (size_t)(d->size - pos);
		memcpy(d->buf, d->mem + pos, want);
		return (ssize_t)want;
	}
	while (got < want) {
		ssize_t n = pread(d->fd, d->buf + got, want - got,
				  (off_t)(pos + got));
		if (n < 0) {
			int err = errno;

			if (err == EINTR)
				continue;
			if (err == EINVAL && d->direct) {
				int rc = go_buffered(d, "read refused with EINVAL");

				if (rc)
					return rc;
				continue;
			}
			brd_dbg("%s: read of %zu bytes at %llu failed: %s",
				d->name, want - got,
				(unsigned long long)(pos + got), strerror(err));
			return -err;
		}
		if (n == 0)
			break;
		got += (size_t)n;
		/* An unaligned short O_DIRECT read means end of file. */
		if (d->direct && (got & (d->off_align - 1)))
			break;
	}
	return (ssize_t)got;
}

int brd_dio_stream(struct brd_dio *d, uint64_t off, uint64_t len,
		   brd_dio_fn fn, void *arg, uint64_t *done)
{
	uint64_t align, pos, end, total = 0;
	size_t skip;
	int rc;

	if (done)
		*done = 0;
	if (len == 0)
		return 0;
	if (off > UINT64_MAX - len)
		return -EOVERFLOW;
	rc = ensure_buf(d);
	if (rc)
		return rc;
	align = d->off_align;
	end = off + len;
	pos = off & ~(align - 1);
	skip = (size_t)(off - pos);

	while (pos < end) {
		uint64_t left = end - pos;
		size_t want = d->bufsz;
		ssize_t n;
		size_t avail;

		if (left < want)
			want = (size_t)((left + align - 1) & ~(align - 1));
		n = raw_read(d, pos, want);
		if (n < 0)
			return (int)n;
		if ((size_t)n <= skip)
			break;
		avail = (size_t)n - skip;
		if (avail > end - (pos + skip))
			avail = (size_t)(end - (pos + skip));
		rc = fn(arg, d->buf + skip, avail, pos + skip);
		total += avail;
		if (done)
			*done = total;
		if (rc)
			return rc;
		if ((size_t)n < want)
			break;
		pos += (uint64_t)n;
		skip = 0;
	}
	return 0;
}

struct copy_ctx {
	unsigned char *dst;
	uint64_t base;
};

static int copy_fn(void *arg, const unsigned char *data, size_t len,
		   uint64_t pos)
{
	struct copy_ctx *c = arg;

	memcpy(c->dst + (pos - c->base), data, len);
	return 0;
}

int brd_dio_pread(struct brd_dio *d, void *buf, size_t len, uint64_t off,
		  size_t *got)
{
	struct copy_ctx c = { buf, off };
	uint64_t done = 0;
	int rc = brd_dio_stream(d, off, len, copy_fn, &c, &done);

	if (got)
		*got = (size_t)done;
	return rc;
}
