// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Ramdisk images (persist.h, docs/persist.md): save a ramdisk to a sparse
 * file with a self-checking trailer, atomically; verify an image; restore
 * it into a blank ramdisk of its size.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "../base/endian.h"
#include "../base/fdio.h"
#include "../base/log.h"
#include "brd.h"
#include "persist.h"
#include "resolve.h"
#include "trust.h"

#define PG	BRD_IMAGE_PAGE
#define CHUNK	(1u << 20)	/* copy 1 MiB at a time */
#define T_CSUM	(BRD_IMAGE_TRAILER - 8)

/* ---- the trailer and the checksum ---- */

void brd_image_trailer_encode(const struct brd_image_info *info,
			      unsigned char t[BRD_IMAGE_TRAILER])
{
	memset(t, 0, BRD_IMAGE_TRAILER);
	memcpy(t, BRD_IMAGE_MAGIC, 8);
	brd_put_le32(t + 8, BRD_IMAGE_VERSION);
	brd_put_le64(t + 16, info->size);
	brd_put_le64(t + 24, info->data_pages);
	brd_put_le64(t + 32, info->csum);
	brd_put_le64(t + 40, (uint64_t)info->saved_ns);
	memcpy(t + 48, info->name, strnlen(info->name, sizeof(info->name) - 1));
	brd_put_le64(t + T_CSUM, XXH3_64bits(t, T_CSUM));
}

int brd_image_trailer_decode(const unsigned char t[BRD_IMAGE_TRAILER],
			     struct brd_image_info *info)
{
	if (memcmp(t, BRD_IMAGE_MAGIC, 8)) {
		brd_dbg("no brdctl image trailer (magic)");
		return -EBADMSG;
	}
	if (brd_get_le64(t + T_CSUM) != XXH3_64bits(t, T_CSUM)) {
		brd_dbg("the image trailer is damaged (its checksum)");
		return -EBADMSG;
	}
	if (brd_get_le32(t + 8) != BRD_IMAGE_VERSION || brd_get_le32(t + 12) ||
	    !brd_is_zero(t + 112, T_CSUM - 112) || t[48 + 63]) {
		brd_dbg("image trailer version %u is not known", brd_get_le32(t + 8));
		return -EBADMSG;
	}
	memset(info, 0, sizeof(*info));
	info->size = brd_get_le64(t + 16);
	info->data_pages = brd_get_le64(t + 24);
	info->csum = brd_get_le64(t + 32);
	info->saved_ns = (int64_t)brd_get_le64(t + 40);
	memcpy(info->name, t + 48, sizeof(info->name));
	if (info->data_pages > (info->size + PG - 1) / PG) {
		brd_dbg("the image trailer counts more pages than its size holds");
		return -EBADMSG;
	}
	return 0;
}

int brd_image_csum_init(struct brd_image_csum *c)
{
	c->pages = 0;
	c->state = XXH3_createState();
	if (!c->state)
		return -ENOMEM;
	XXH3_64bits_reset(c->state);
	return 0;
}

/* one page that is not all zeros: its index and its own XXH3-64 go into
 * the stream (hashing each page in one call is several times faster than
 * streaming the pages themselves where SIMD is slow, e.g. under TCG) */
static void csum_page(struct brd_image_csum *c, uint64_t index,
		      const void *page, size_t len)
{
	unsigned char rec[16];

	brd_put_le64(rec, index);
	brd_put_le64(rec + 8, XXH3_64bits(page, len));
	XXH3_64bits_update(c->state, rec, sizeof(rec));
	c->pages++;
}

void brd_image_csum_add(struct brd_image_csum *c, uint64_t off,
			const void *buf, size_t len)
{
	const unsigned char *p = buf;

	for (size_t at = 0; at < len; at += PG) {
		size_t n = len - at < PG ? len - at : PG;

		if (!brd_is_zero(p + at, n))
			csum_page(c, (off + at) / PG, p + at, n);
	}
}

uint64_t brd_image_csum_end(struct brd_image_csum *c)
{
	uint64_t h = XXH3_64bits_digest(c->state);

	XXH3_freeState(c->state);
	c->state = NULL;
	return h;
}

/* ---- reading images ---- */

static int info_from_fd(int fd, const char *image, struct brd_image_info *info)
{
	unsigned char *t = malloc(BRD_IMAGE_TRAILER);
	struct stat st;
	int rc;

	if (!t)
		return -ENOMEM;
	if (fstat(fd, &st) < 0) {
		rc = -errno;
	} else if (!S_ISREG(st.st_mode) || st.st_size < BRD_IMAGE_TRAILER) {
		brd_dbg("%s: not a regular file of at least %d bytes", image,
			BRD_IMAGE_TRAILER);
		rc = -EBADMSG;
	} else if (!(rc = brd_pread_full(fd, t, BRD_IMAGE_TRAILER,
				       (uint64_t)st.st_size - BRD_IMAGE_TRAILER)) &&
		   !(rc = brd_image_trailer_decode(t, info)) &&
		   info->size != (uint64_t)st.st_size - BRD_IMAGE_TRAILER) {
		brd_dbg("%s: the trailer says %llu bytes, the file holds %llu", image,
			(unsigned long long)info->size,
			(unsigned long long)st.st_size - BRD_IMAGE_TRAILER);
		rc = -EBADMSG;
	}
	free(t);
	return rc;
}

int brd_image_open(const char *image, int flags, struct brd_trust *t)
{
	struct brd_trust tmp;
	char proc[64];
	struct stat st;
	int fd, pfd;

	if (!t)
		t = &tmp;
	/* StrictModes, on the descriptor that is then read (trust.h): a FIFO
	 * or a device is refused before it is opened */
	fd = brd_trust_open(image, O_RDONLY, t);
	if (fd == -EISDIR) {		/* not a regular file either */
		snprintf(t->why, sizeof(t->why), "not a regular file (a directory)");
		return -EINVAL;
	}
	if (fd != -EPERM || !t->fix[0] || !(flags & BRD_IMAGE_UNTRUSTED))
		return fd;
	/* --force: the image as it is, @t says why it is not trusted.  Still
	 * only a regular file: the name is opened O_PATH (nothing happens to a
	 * FIFO or a device), and the inode checked is reopened by its
	 * descriptor, so nothing is swapped in between */
	pfd = open(image, O_PATH | O_CLOEXEC);
	if (pfd < 0)
		return -errno;
	if (fstat(pfd, &st) < 0) {
		fd = -errno;
	} else if (!S_ISREG(st.st_mode)) {
		snprintf(t->path, sizeof(t->path), "%s", image);
		snprintf(t->why, sizeof(t->why), "not a regular file (%s)",
			 S_ISDIR(st.st_mode) ? "a directory" : S_ISFIFO(st.st_mode) ?
			 "a FIFO" : "a device or a socket");
		t->fix[0] = '\0';
		fd = -EINVAL;
	} else {
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", pfd);
		fd = open(proc, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			fd = -errno;
	}
	close(pfd);
	return fd;
}

char *brd_image_trust_msg(const char *image, const struct brd_trust *t)
{
	char *s;

	if (asprintf(&s, "%s: refusing to restore it: %s%s is %s; whoever can change "
		     "it chooses what root mounts (setuid files, device nodes): %s", image,
		     t->is_dir ? "directory " : "", t->path, t->why, t->fix) < 0)
		return NULL;
	return s;
}

int brd_image_read_info_fd(int fd, const char *image, struct brd_image_info *info)
{
	return info_from_fd(fd, image, info);
}

int brd_image_read_info(const char *image, struct brd_image_info *info)
{
	int fd = brd_image_open(image, 0, NULL);
	int rc;

	if (fd < 0)
		return fd;
	rc = info_from_fd(fd, image, info);
	close(fd);
	return rc;
}

typedef int (*chunk_fn)(void *ctx, uint64_t off, unsigned char *buf, size_t len);

/* Call @fn on the content [0, size) of image @fd in chunks of at most
 * CHUNK bytes at page-aligned offsets, skipping holes (SEEK_DATA and
 * SEEK_HOLE; all of it where the filesystem has neither). */
static int for_each_data(int fd, uint64_t size, unsigned char *buf,
			 chunk_fn fn, void *ctx)
{
	uint64_t off = 0, end;
	bool seek = true;
	int rc;

	while (off < size) {
		off_t d = seek ? lseek(fd, (off_t)off, SEEK_DATA) : (off_t)off;
		off_t h;

		if (d < 0 && errno == ENXIO)
			break;
		if (d < 0) {
			brd_dbg("no SEEK_DATA here (%s): reading all of the image",
				strerror(errno));
			seek = false;
			continue;
		}
		if ((uint64_t)d >= size)
			break;
		if ((uint64_t)d / PG * PG > off)
			off = (uint64_t)d / PG * PG;
		h = seek ? lseek(fd, d, SEEK_HOLE) : (off_t)size;
		end = h < 0 || (uint64_t)h > size ? size : (uint64_t)h;
		end = (end + PG - 1) / PG * PG;
		if (end > size)
			end = size;
		while (off < end) {
			size_t len = end - off < CHUNK ? (size_t)(end - off) : CHUNK;

			if ((rc = brd_pread_full(fd, buf, len, off)) ||
			    (rc = fn(ctx, off, buf, len)))
				return rc;
			off += len;
		}
	}
	return 0;
}

static int csum_chunk(void *ctx, uint64_t off, unsigned char *buf, size_t len)
{
	brd_image_csum_add(ctx, off, buf, len);
	return 0;
}

static int verify_fd(int fd, const char *image, struct brd_image_info *info,
		     unsigned char *buf)
{
	struct brd_image_csum c;
	uint64_t sum;
	int rc;

	if ((rc = info_from_fd(fd, image, info)) || (rc = brd_image_csum_init(&c)))
		return rc;
	rc = for_each_data(fd, info->size, buf, csum_chunk, &c);
	sum = brd_image_csum_end(&c);
	if (rc)
		return rc;
	if (sum != info->csum || c.pages != info->data_pages) {
		brd_dbg("%s: the content does not match the trailer's checksum "
			"(%llu data pages, the trailer counts %llu)", image,
			(unsigned long long)c.pages,
			(unsigned long long)info->data_pages);
		return -EBADMSG;
	}
	return 0;
}

int brd_image_verify_fd(int fd, const char *image, struct brd_image_info *info)
{
	struct brd_image_info tmp;
	unsigned char *buf = malloc(CHUNK);
	int rc;

	if (!buf)
		return -ENOMEM;
	rc = verify_fd(fd, image, info ? info : &tmp, buf);
	free(buf);
	return rc;
}

int brd_image_verify(const char *image, struct brd_image_info *info)
{
	int fd = brd_image_open(image, 0, NULL);
	int rc;

	if (fd < 0)
		return fd;
	rc = brd_image_verify_fd(fd, image, info);
	close(fd);
	return rc;
}

/* ---- restore ---- */

struct restore {
	const char *dev;
	int dfd;		/* the ramdisk, O_EXCL | O_DIRECT */
	uint64_t size;
	struct brd_image_csum c;	/* of what is written */
	uint64_t *written;	/* a bit per page written */
};

/* Is the ramdisk blank: no page allocated on its brd disk, or else only
 * zeros when read? */
static int dev_blank(int dfd, const char *dev, uint64_t size, unsigned char *buf)
{
	struct brd_disk d;
	int rc;

	if (brd_resolve(dev, &d) == 0 && brd_disk_pages(d.num) == 0)
		return 0;
	for (uint64_t off = 0; off < size; off += CHUNK) {
		size_t len = size - off < CHUNK ? (size_t)(size - off) : CHUNK;

		if ((rc = brd_pread_full(dfd, buf, len, off)))
			return rc;
		if (!brd_is_zero(buf, len)) {
			brd_dbg("%s: holds data at byte %llu", dev, (unsigned long long)off);
			return -ENOTEMPTY;
		}
	}
	return 0;
}

/* Write a run of non-zero pages, marked as written first (a write that
 * fails half-way may have written part of it). */
static int restore_run(struct restore *r, const unsigned char *buf, size_t len,
		       uint64_t off)
{
	for (uint64_t pg = off / PG; pg < (off + len + PG - 1) / PG; pg++)
		r->written[pg / 64] |= 1ULL << (pg % 64);
	return brd_pwrite_full(r->dfd, buf, len, off);
}

/* Write the non-zero pages of a chunk of the image to the ramdisk and add
 * them to the checksum of what was written. */
static int restore_chunk(void *ctx, uint64_t off, unsigned char *buf, size_t len)
{
	struct restore *r = ctx;
	size_t run = 0, at;
	int rc;

	for (at = 0; at < len; at += PG) {
		size_t n = len - at < PG ? len - at : PG;

		if (!brd_is_zero(buf + at, n)) {
			csum_page(&r->c, (off + at) / PG, buf + at, n);
			continue;
		}
		if (at > run && (rc = restore_run(r, buf + run, at - run, off + run)))
			return rc;
		run = at + PG;
	}
	if (run < len)
		return restore_run(r, buf + run, len - run, off + run);
	return 0;
}

/* Does [off, off + len) of the ramdisk read as zeros? */
static int range_zero(struct restore *r, unsigned char *buf, uint64_t off,
		      uint64_t len)
{
	int rc;

	for (uint64_t at = off; at < off + len; at += CHUNK) {
		size_t n = off + len - at < CHUNK ? (size_t)(off + len - at) : CHUNK;

		if ((rc = brd_pread_full(r->dfd, buf, n, at)))
			return rc;
		if (!brd_is_zero(buf, n))
			return 1;
	}
	return 0;
}

/* Write zeros over [off, off + len): BLKZEROOUT, or else pwrite. */
static int range_zero_out(struct restore *r, unsigned char *buf, uint64_t off,
			  uint64_t len)
{
	uint64_t range[2] = { off, len };
	int rc;

	if (ioctl(r->dfd, BLKZEROOUT, range) == 0)
		return 0;
	brd_dbg("%s: BLKZEROOUT: %s: writing zeros", r->dev, strerror(errno));
	memset(buf, 0, CHUNK);
	for (uint64_t at = off; at < off + len; at += CHUNK) {
		size_t n = off + len - at < CHUNK ? (size_t)(off + len - at) : CHUNK;

		if ((rc = brd_pwrite_full(r->dfd, buf, n, at)))
			return rc;
	}
	return 0;
}

/*
 * A restore failed after it wrote: make the pages it wrote read as zeros
 * again (the ramdisk was blank), and check that they do.  Only those pages:
 * a page that was not written is not touched, so brd allocates none.
 * Discarded where brd can discard (its pages are freed: the page count is
 * as before); where it cannot (6.1: EOPNOTSUPP), or where a discard left a
 * partial last page, zeros are written over them (brd keeps those pages,
 * zero-filled, until the ramdisk goes).  0, or -errno when the ramdisk
 * still holds part of the image.
 */
static int restore_clear(struct restore *r, unsigned char *buf)
{
	uint64_t pages = (r->size + PG - 1) / PG, pg = 0, kept = 0;
	bool discard = true;
	int rc = 0, err;

	while (pg < pages) {
		uint64_t a, off, len;

		if (!(r->written[pg / 64] & (1ULL << (pg % 64)))) {
			pg++;
			continue;
		}
		for (a = pg; pg < pages && (r->written[pg / 64] & (1ULL << (pg % 64))); pg++)
			;
		off = a * PG;
		len = (pg * PG < r->size ? pg * PG : r->size) - off;
		if (discard && (err = brd_discard_range(r->dfd, off, len))) {
			brd_dbg("%s: cannot discard what the restore wrote (%s): "
				"writing zeros over it", r->dev, strerror(-err));
			discard = false;
		}
		err = discard ? range_zero(r, buf, off, len) : 1;
		if (err == 1) {
			kept += pg - a;
			if (!(err = range_zero_out(r, buf, off, len)))
				err = range_zero(r, buf, off, len);
		}
		if (err) {
			rc = err < 0 ? err : -EIO;
			brd_err("%s: cannot clear bytes %llu-%llu, which the failed "
				"restore wrote: %s", r->dev, (unsigned long long)off,
				(unsigned long long)(off + len - 1),
				err < 0 ? strerror(-err) : "they do not read as zeros");
		}
	}
	if (kept)
		brd_dbg("%s: %llu pages written with zeros (brd keeps them until the "
			"ramdisk is removed)", r->dev, (unsigned long long)kept);
	return rc;
}

static int restore_open(const char *dev, uint64_t size, unsigned char *buf)
{
	uint64_t dsize;
	int fd = open(dev, O_RDWR | O_EXCL | O_DIRECT | O_CLOEXEC);
	int rc;

	if (fd < 0) {
		rc = -errno;
		brd_dbg("%s: cannot open it exclusively: %s", dev, strerror(errno));
		return rc;
	}
	if (ioctl(fd, BLKGETSIZE64, &dsize) < 0) {
		rc = -errno;
	} else if (dsize != size) {
		brd_dbg("%s: %llu bytes, the image %llu", dev,
			(unsigned long long)dsize, (unsigned long long)size);
		rc = -EMSGSIZE;
	} else {
		rc = dev_blank(fd, dev, size, buf);
	}
	if (rc) {
		close(fd);
		return rc;
	}
	return fd;
}

/*
 * Write the image's data regions into the ramdisk, checksumming what is
 * written: the content must match the trailer (for an image verified
 * before, that also catches a change since).  On a failure the pages
 * written are cleared again.
 */
static int restore_write(struct restore *r, int ifd, const char *image,
			 const struct brd_image_info *info, unsigned char *buf)
{
	uint64_t sum;
	int rc;

	r->written = calloc((info->size / PG + 64) / 64, sizeof(*r->written));
	if (!r->written)
		return -ENOMEM;
	if ((rc = brd_image_csum_init(&r->c)))
		return rc;
	rc = for_each_data(ifd, info->size, buf, restore_chunk, r);
	sum = brd_image_csum_end(&r->c);
	if (!rc && (sum != info->csum || r->c.pages != info->data_pages)) {
		brd_dbg("%s: the content does not match the trailer's checksum "
			"(%llu data pages, the trailer counts %llu)", image,
			(unsigned long long)r->c.pages,
			(unsigned long long)info->data_pages);
		rc = -EBADMSG;
	}
	if (!rc && fsync(r->dfd) < 0)
		rc = -errno;
	if (rc) {	/* it was blank: make it blank again */
		brd_dbg("%s: the restore failed (%s): clearing what it wrote", r->dev,
			strerror(-rc));
		restore_clear(r, buf);
	}
	return rc;
}

int brd_image_restore(const char *image, const char *dev, int flags,
		      struct brd_image_info *info)
{
	int ifd = brd_image_open(image, 0, NULL);
	int rc;

	if (ifd < 0)
		return ifd;
	rc = brd_image_restore_fd(ifd, image, dev, flags, info);
	close(ifd);
	return rc;
}

int brd_image_restore_fd(int ifd, const char *image, const char *dev,
			 int flags, struct brd_image_info *info)
{
	struct brd_image_info tmp;
	struct restore r = { .dev = dev, .dfd = -1 };
	unsigned char *buf = NULL;
	int rc;

	if (!info)
		info = &tmp;
	if (posix_memalign((void **)&buf, PG, CHUNK))
		return -ENOMEM;
	/* the ramdisk stays open O_EXCL from the checks to the end */
	if ((rc = info_from_fd(ifd, image, info)) ||
	    (rc = r.dfd = restore_open(dev, info->size, buf)) < 0)
		goto out;
	r.size = info->size;
	/* a ramdisk that the caller's undo does not remove is written only
	 * once the whole image is known to be good; one that it removes is
	 * verified while it is written (one read of the image) */
	if (!(flags & BRD_RESTORE_UNDO_REMOVES) &&
	    (rc = verify_fd(ifd, image, info, buf)))
		goto out;
	rc = restore_write(&r, ifd, image, info, buf);
out:
	if (r.dfd >= 0)
		close(r.dfd);
	free(r.written);
	free(buf);
	return rc < 0 ? rc : 0;
}
