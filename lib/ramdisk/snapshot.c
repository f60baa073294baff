// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../base/fdio.h"
#include "../base/log.h"
#include "snapshot.h"

#define CHUNK (1u << 20)	/* read the device 1 MiB at a time */

static uint64_t fnv1a(uint64_t h, const void *p, size_t len)
{
	const unsigned char *c = p;

	for (size_t i = 0; i < len; i++) {
		h ^= c[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static int add_page(struct brd_snapshot *s, size_t *cap, uint64_t off,
		    const unsigned char *page, int bfd)
{
	if (s->npages == *cap) {
		size_t ncap = *cap ? *cap * 2 : 256;
		uint64_t *no = realloc(s->offsets, ncap * sizeof(*no));
		unsigned char *nd;

		if (!no)
			return -ENOMEM;
		s->offsets = no;
		if (bfd < 0 && page) {
			nd = realloc(s->data, ncap * BRD_SNAP_PAGE);
			if (!nd)
				return -ENOMEM;
			s->data = nd;
		}
		*cap = ncap;
	}
	s->offsets[s->npages] = off;
	if (!page) {		/* counting only */
		s->npages++;
		return 0;
	}
	if (bfd < 0)
		memcpy(s->data + s->npages * BRD_SNAP_PAGE, page, BRD_SNAP_PAGE);
	else {
		int rc = brd_pwrite_full(bfd, page, BRD_SNAP_PAGE, off);

		if (rc)
			return rc;
	}
	s->npages++;
	s->csum = fnv1a(fnv1a(s->csum, &off, sizeof(off)), page, BRD_SNAP_PAGE);
	return 0;
}

static int open_backup(const char *dir, const char *dev, char **path)
{
	const char *base = strrchr(dev, '/');
	int fd;

	if (asprintf(path, "%s/%s.sparse", dir, base ? base + 1 : dev) < 0) {
		*path = NULL;
		return -ENOMEM;
	}
	fd = open(*path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		int rc = -errno;

		brd_dbg("%s: cannot create the backup file: %s", *path, strerror(errno));
		free(*path);
		*path = NULL;
		return rc;
	}
	return fd;
}

int brd_snapshot_take(const char *dev, uint64_t size, int64_t expect_pages,
		      const char *backup_dir, int flags, struct brd_snapshot *s)
{
	/* debugfs counts kernel pages; a non-zero kernel page holds at
	 * least one non-zero 4 KiB page, and at most PAGE_SIZE/4096 */
	uint64_t expect = expect_pages > 0 ?
		(uint64_t)expect_pages * ((uint64_t)sysconf(_SC_PAGESIZE) / BRD_SNAP_PAGE) : 0;
	bool count_only = flags & BRD_SNAP_COUNT_ONLY;
	unsigned char *buf = NULL;
	size_t cap = 0;
	int fd, bfd = -1, rc = 0;
	uint64_t off;

	memset(s, 0, sizeof(*s));
	snprintf(s->dev, sizeof(s->dev), "%s", dev);
	s->size = size;
	s->csum = 0xcbf29ce484222325ULL;
	if (expect_pages == 0)
		return 0;	/* nothing allocated: nothing to save */
	/* O_DIRECT: do not fill the page cache with a second copy */
	fd = open(dev, O_RDONLY | O_CLOEXEC | O_DIRECT);
	if (fd < 0)
		return -errno;
	if (posix_memalign((void **)&buf, BRD_SNAP_PAGE, CHUNK)) {
		close(fd);
		return -ENOMEM;
	}
	if (backup_dir && !count_only) {
		bfd = open_backup(backup_dir, dev, &s->file);
		if (bfd < 0) {
			rc = bfd;
			goto out;
		}
		if (ftruncate(bfd, (off_t)size) < 0) {
			rc = -errno;
			goto out;
		}
	}
	for (off = 0; off < size; off += CHUNK) {
		size_t len = size - off < CHUNK ? (size_t)(size - off) : CHUNK;

		len &= ~(size_t)(BRD_SNAP_PAGE - 1);
		if (!len)
			break;
		if ((rc = brd_pread_full(fd, buf, len, off)))
			goto out;
		for (size_t p = 0; p < len; p += BRD_SNAP_PAGE)
			if (!brd_is_zero(buf + p, BRD_SNAP_PAGE) &&
			    (rc = add_page(s, &cap, off + p, count_only ? NULL : buf + p, bfd)))
				goto out;
		/* every allocated page found non-zero: the rest is unallocated */
		if (expect && s->npages >= expect)
			break;
	}
	if (bfd >= 0 && fsync(bfd) < 0)
		rc = -errno;
out:
	if (bfd >= 0)
		close(bfd);
	free(buf);
	close(fd);
	if (rc)
		brd_snapshot_free(s, 1);
	return rc;
}

uint64_t brd_snapshot_end(const struct brd_snapshot *s)
{
	return s->npages ? s->offsets[s->npages - 1] + BRD_SNAP_PAGE : 0;
}

int brd_snapshot_restore(const struct brd_snapshot *s, const char *dev,
			 uint64_t dev_size)
{
	unsigned char *page = NULL;
	uint64_t csum = 0xcbf29ce484222325ULL;
	int fd, bfd = -1, rc = 0;

	if (!s->npages)
		return 0;
	fd = open(dev, O_RDWR | O_CLOEXEC | O_DIRECT);
	if (fd < 0)
		return -errno;
	if (s->file && (bfd = open(s->file, O_RDONLY | O_CLOEXEC)) < 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	if (posix_memalign((void **)&page, BRD_SNAP_PAGE, BRD_SNAP_PAGE)) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < s->npages && s->offsets[i] + BRD_SNAP_PAGE <= dev_size; i++) {
		if (s->data)	/* O_DIRECT wants an aligned buffer */
			memcpy(page, s->data + i * BRD_SNAP_PAGE, BRD_SNAP_PAGE);
		else if ((rc = brd_pread_full(bfd, page, BRD_SNAP_PAGE, s->offsets[i])))
			goto out;
		if ((rc = brd_pwrite_full(fd, page, BRD_SNAP_PAGE, s->offsets[i])))
			goto out;
	}
	if (fsync(fd) < 0) {
		rc = -errno;
		goto out;
	}
	/* verify: the device holds what was saved */
	for (size_t i = 0; i < s->npages; i++) {
		if (s->offsets[i] + BRD_SNAP_PAGE > dev_size)
			break;	/* cut on purpose (--force) */
		if ((rc = brd_pread_full(fd, page, BRD_SNAP_PAGE, s->offsets[i])))
			goto out;
		csum = fnv1a(fnv1a(csum, &s->offsets[i], sizeof(s->offsets[i])),
			     page, BRD_SNAP_PAGE);
	}
	if (brd_snapshot_end(s) <= dev_size && csum != s->csum) {
		brd_dbg("%s: the data written back does not match the saved copy", dev);
		rc = -EIO;
	}
out:
	free(page);
	if (bfd >= 0)
		close(bfd);
	close(fd);
	return rc;
}

int brd_snapshot_to_file(struct brd_snapshot *s, const char *dir)
{
	int fd, rc = 0;

	if (s->file || !s->npages)
		return 0;
	fd = open_backup(dir, s->dev, &s->file);
	if (fd < 0)
		return fd;
	if (ftruncate(fd, (off_t)s->size) < 0)
		rc = -errno;
	for (size_t i = 0; !rc && i < s->npages; i++)
		rc = brd_pwrite_full(fd, s->data + i * BRD_SNAP_PAGE, BRD_SNAP_PAGE,
				 s->offsets[i]);
	if (!rc && fsync(fd) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

void brd_snapshot_free(struct brd_snapshot *s, int remove_file)
{
	if (remove_file && s->file)
		unlink(s->file);
	free(s->file);
	free(s->offsets);
	free(s->data);
	s->file = NULL;
	s->offsets = NULL;
	s->data = NULL;
	s->npages = 0;
}
