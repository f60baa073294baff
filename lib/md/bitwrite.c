// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * lib/bitwrite: read-modify-write of a file's blocks at their device
 * addresses with O_DIRECT, then flush, page-cache coherence, verification.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bitwrite.h"
#include "dio.h"
#include "../base/log.h"

#define BW_ALIGN 4096u	/* buffer alignment: >= any dma alignment */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int brd_bitwrite_blocks(const struct brd_blockmap *m,
			const struct brd_bw_range *r, size_t nr,
			struct brd_bw_block **out, size_t *nout)
{
	uint64_t *offs = NULL, total = 0;
	struct brd_bw_block *blk = NULL;
	size_t n = 0, k = 0;
	uint64_t bs = m->blksz;
	int rc = 0;

	*out = NULL;
	*nout = 0;
	if (!bs)
		return -EINVAL;
	for (size_t i = 0; i < nr; i++) {
		if (!r[i].len || r[i].off >= m->size ||
		    r[i].len > m->size - r[i].off)
			return -EINVAL;
		total += (r[i].off + r[i].len - 1) / bs - r[i].off / bs + 1;
		if (total > SIZE_MAX / sizeof(*offs) / 2)
			return -EFBIG;
	}
	if (!total)
		return 0;
	offs = malloc(total * sizeof(*offs));
	if (!offs)
		return -ENOMEM;
	for (size_t i = 0; i < nr; i++)
		for (uint64_t b = r[i].off / bs;
		     b <= (r[i].off + r[i].len - 1) / bs; b++)
			offs[n++] = b * bs;
	qsort(offs, n, sizeof(*offs), cmp_u64);
	blk = calloc(n, sizeof(*blk));
	if (!blk) {
		free(offs);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		uint64_t dev_off, run;

		if (k && blk[k - 1].file_off == offs[i])
			continue;
		rc = brd_blockmap_file_to_dev(m, offs[i], &dev_off, &run);
		if (rc)
			break;
		if (run < bs) {
			rc = -ERANGE;
			break;
		}
		blk[k++] = (struct brd_bw_block){ .file_off = offs[i],
			.dev_off = dev_off, .len = (uint32_t)bs,
			.state = BRD_BW_PLANNED };
	}
	free(offs);
	if (rc) {
		free(blk);
		return rc;
	}
	*out = blk;
	*nout = k;
	return 0;
}

static void free_blocks(struct brd_bw_block *blk, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(blk[i].old);
		free(blk[i].new);
	}
	free(blk);
}

void brd_bitwrite_free(struct brd_bitwrite *w)
{
	free_blocks(w->blk, w->n);
	free(w->file);
	free(w->devnode);
	memset(w, 0, sizeof(*w));
}

/* Record why the operation fails (the first reason wins) and log it at
 * debug level; returns @rc. */
static int fail(struct brd_bitwrite *w, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(struct brd_bitwrite *w, int rc, const char *fmt, ...)
{
	va_list ap;

	if (!w->why[0]) {
		va_start(ap, fmt);
		vsnprintf(w->why, sizeof(w->why), fmt, ap);
		va_end(ap);
		brd_dbg("%s: %s", w->file, w->why);
	}
	return rc;
}

/* whole O_DIRECT pread; -EIO on a short read */
static int pread_full(int fd, void *buf, size_t len, uint64_t off)
{
	size_t done = 0;

	while (done < len) {
		ssize_t r = pread(fd, (char *)buf + done, len - done,
				  (off_t)(off + done));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -EIO;
		done += (size_t)r;
	}
	return 0;
}

static size_t file_bytes(const struct brd_bitwrite *w,
			 const struct brd_bw_block *b)
{
	uint64_t left = w->size - b->file_off;

	return left < b->len ? (size_t)left : b->len;
}

/*
 * Read block @b from the device and through the file (they must agree, or
 * the map cannot be trusted: a reason in @m, -ECANCELED), then let @fn
 * edit a copy.
 */
static int plan_block(struct brd_bitwrite *w, struct brd_blockmap *m,
		      struct brd_dio *d, int devfd, unsigned char *fbuf,
		      struct brd_bw_block *b, brd_bw_edit_fn fn, void *arg)
{
	size_t flen = file_bytes(w, b), got = 0;
	int rc;

	if (posix_memalign((void **)&b->old, BW_ALIGN, b->len) ||
	    posix_memalign((void **)&b->new, BW_ALIGN, b->len))
		return -ENOMEM;
	rc = pread_full(devfd, b->old, b->len, b->dev_off);
	if (rc)
		return fail(w, rc, "cannot read %u bytes of %s at byte %" PRIu64
			    ": %s", b->len, m->devnode, b->dev_off,
			    strerror(-rc));
	rc = brd_dio_pread(d, fbuf, flen, b->file_off, &got);
	if (rc)
		return rc;
	if (got != flen || memcmp(fbuf, b->old, flen)) {
		rc = brd_blockmap_add_reason(m, BRD_BMW_CONTENT, 0, 0,
			"the device bytes at %s offset %" PRIu64 " differ "
			"from the file's block at offset %" PRIu64 ": the "
			"block map cannot be trusted", m->devnode,
			b->dev_off, b->file_off);
		return rc ? rc : -ECANCELED;
	}
	memcpy(b->new, b->old, b->len);
	return fn(arg, b->file_off, b->new, flen);
}

/* Drop the blocks that do not change; returns how many are left. */
static size_t keep_changed(struct brd_bw_block *blk, size_t n)
{
	size_t keep = 0;

	for (size_t i = 0; i < n; i++) {
		if (memcmp(blk[i].old, blk[i].new, blk[i].len) == 0) {
			free(blk[i].old);
			free(blk[i].new);
			continue;
		}
		blk[keep++] = blk[i];
	}
	return keep;
}

int brd_bitwrite_plan(struct brd_bitwrite *w, struct brd_blockmap *m,
		      const struct brd_bw_range *r, size_t nr,
		      brd_bw_edit_fn fn, void *arg)
{
	struct brd_bw_block *blk = NULL;
	struct brd_dio d;
	unsigned char *fbuf = NULL;
	size_t n = 0, i;
	int devfd = -1, rc;

	memset(w, 0, sizeof(*w));
	if (!brd_blockmap_writable(m) || !m->devnode)
		return -EINVAL;
	w->file = strdup(m->path);
	w->devnode = strdup(m->devnode);
	if (!w->file || !w->devnode)
		return -ENOMEM;
	w->dev = m->dev;
	w->size = m->size;
	w->blksz = m->blksz;

	rc = brd_bitwrite_blocks(m, r, nr, &blk, &n);
	if (rc)
		return rc;
	rc = brd_dio_open(&d, m->path);
	if (rc) {
		free_blocks(blk, n);
		return rc;
	}
	devfd = open(m->devnode, O_RDONLY | O_DIRECT | O_CLOEXEC);
	if (devfd < 0) {
		rc = fail(w, -errno, "cannot open %s for reading: %s",
			  m->devnode, strerror(errno));
		goto out;
	}
	if (posix_memalign((void **)&fbuf, BW_ALIGN, m->blksz)) {
		rc = -ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++)
		if ((rc = plan_block(w, m, &d, devfd, fbuf, &blk[i], fn, arg)))
			goto out;
	w->examined = n;
	w->n = keep_changed(blk, n);
	w->blk = blk;
	blk = NULL;
	n = 0;
out:
	free(fbuf);
	if (devfd >= 0)
		close(devfd);
	brd_dio_close(&d);
	free_blocks(blk, n);
	return rc;
}

/* fsync the file and drop its clean cached pages (docs/md-bitmaps.md,
 * "O_DIRECT rules brdctl uses") */
static int file_coherent(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 0;

	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0 && errno != EINVAL)
		rc = -errno;
	if (!rc) {
		int e = posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);

		if (e)
			rc = -e;
	}
	close(fd);
	return rc;
}

static int verify(struct brd_bitwrite *w)
{
	struct brd_dio d;
	unsigned char *buf = NULL;
	int rc, fd;

	rc = brd_dio_open(&d, w->file);
	if (rc)
		return rc;
	if (!d.direct) {
		w->verify_buffered = true;
		brd_dbg("%s: O_DIRECT refused; verifying with buffered reads",
			w->file);
	}
	if (posix_memalign((void **)&buf, BW_ALIGN, w->blksz)) {
		brd_dio_close(&d);
		return -ENOMEM;
	}
	for (size_t i = 0; i < w->n && !rc; i++) {
		struct brd_bw_block *b = &w->blk[i];
		size_t flen = file_bytes(w, b), got = 0;

		if (b->state != BRD_BW_WRITTEN)
			continue;
		rc = brd_dio_pread(&d, buf, flen, b->file_off, &got);
		if (!rc && (got != flen || memcmp(buf, b->new, flen)))
			rc = fail(w, -EIO, "verification failed: the file's "
				  "block at offset %" PRIu64 " does not read "
				  "back as written", b->file_off);
	}
	brd_dio_close(&d);
	if (rc) {
		free(buf);
		return rc;
	}
	w->verified = true;

	/* the page cache: what buffered readers (and mdadm <4.4 -X
	 * without O_DIRECT) see */
	fd = open(w->file, O_RDONLY | O_CLOEXEC);
	for (size_t i = 0; fd >= 0 && i < w->n; i++) {
		struct brd_bw_block *b = &w->blk[i];
		size_t flen = file_bytes(w, b);

		if (b->state != BRD_BW_WRITTEN)
			continue;
		if (pread(fd, buf, flen, (off_t)b->file_off) != (ssize_t)flen ||
		    memcmp(buf, b->new, flen)) {
			w->buffered_stale = true;
			w->stale_off = b->file_off;
			brd_dbg("%s: buffered reads still return old data at "
				"offset %" PRIu64, w->file, b->file_off);
			break;
		}
	}
	if (fd >= 0)
		close(fd);
	free(buf);
	return 0;
}

int brd_bitwrite_execute(struct brd_bitwrite *w)
{
	struct stat st;
	int devfd, rc = 0, crc;
	size_t i;

	if (!w->n)
		return 0;
	/* no dirty file pages may sit over the blocks while we write under
	 * them: a later writeback would undo our write */
	crc = file_coherent(w->file);
	if (crc)
		return fail(w, crc, "cannot sync the file before writing: %s",
			    strerror(-crc));
	devfd = open(w->devnode, O_RDWR | O_DIRECT | O_CLOEXEC);
	if (devfd < 0 && errno == EBUSY)
		return fail(w, -EBUSY, "the kernel refuses to open the mounted "
			    "device %s for writing (CONFIG_BLK_DEV_WRITE_MOUNTED=n "
			    "or bdev_allow_write_mounted=0)", w->devnode);
	if (devfd < 0)
		return fail(w, -errno, "cannot open %s for writing: %s",
			    w->devnode, strerror(errno));
	if (fstat(devfd, &st) < 0 || !S_ISBLK(st.st_mode) ||
	    st.st_rdev != w->dev) {
		close(devfd);
		return fail(w, -ESTALE, "%s is no longer the file's device",
			    w->devnode);
	}
	for (i = 0; i < w->n; i++) {
		struct brd_bw_block *b = &w->blk[i];
		ssize_t r;

		do {
			r = pwrite(devfd, b->new, b->len, (off_t)b->dev_off);
		} while (r < 0 && errno == EINTR);
		if (r == (ssize_t)b->len) {
			b->state = BRD_BW_WRITTEN;
			w->nwritten++;
			w->bytes_written += b->len;
			continue;
		}
		b->state = BRD_BW_FAILED;
		b->err = r < 0 ? errno : EIO;
		rc = -b->err;
		brd_dbg("%s: write of %u bytes at %" PRIu64 " failed: %s",
			w->devnode, b->len, b->dev_off, strerror(b->err));
		for (size_t j = i + 1; j < w->n; j++)
			w->blk[j].state = BRD_BW_NOT_WRITTEN;
		break;
	}
	if (fsync(devfd) < 0) {
		w->dev_sync_err = -errno;
		if (!rc)
			rc = fail(w, w->dev_sync_err, "fsync of %s failed: %s",
				  w->devnode, strerror(-w->dev_sync_err));
		else
			brd_dbg("%s: fsync: %s", w->devnode,
				strerror(-w->dev_sync_err));
	}
	close(devfd);

	/* make the file's page cache see the new blocks */
	crc = file_coherent(w->file);
	if (crc) {
		w->drop_err = crc;
		brd_dbg("%s: cannot drop cached pages: %s", w->file,
			strerror(-crc));
	}
	if (w->nwritten) {
		crc = verify(w);
		if (!rc)
			rc = crc;
	}
	return rc;
}
