// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Writing new bitmap files (mdadm CreateBitmap layout).  See bitmap.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <linux/fs.h>

#include "bitmap.h"
#include "blockmap.h"
#include "../base/log.h"

#define WRITE_BUFSZ	(1u << 20)

/* the written file must be plain written extents from byte 0 to `size` */
struct extent_check {
	uint64_t size;		/* bytes to check (later extents: preallocation) */
	uint64_t next;		/* first byte not yet seen mapped */
	bool last;		/* the kernel reported the last extent */
	char *why;
	size_t whylen;
};

static int check_extent(const struct brd_extent *e, void *arg)
{
	struct extent_check *c = arg;

	if (e->logical >= c->size)
		return 1;	/* past the end: done */
	if (e->logical > c->next) {
		snprintf(c->why, c->whylen, "hole at byte %llu after writing",
			 (unsigned long long)c->next);
		return -EIO;
	}
	if (brd_extent_bad_flags(e->flags)) {
		snprintf(c->why, c->whylen, "extent at byte %llu has flags 0x%x "
			 "(unwritten, delayed, inline or shared) after fsync",
			 (unsigned long long)e->logical, e->flags);
		return -EIO;
	}
	c->next = e->logical + e->length;
	c->last = e->flags & FIEMAP_EXTENT_LAST;
	return 0;
}

static int check_extents(int fd, const char *name, uint64_t size, char *why,
			 size_t whylen)
{
	struct extent_check c = { .size = size, .why = why, .whylen = whylen };
	int rc = brd_fiemap_walk(fd, 0, size, true, check_extent, &c);

	if (rc == 1)
		rc = 0;

	if (rc == -EOPNOTSUPP || rc == -ENOTTY) {
		brd_dbg("%s: the filesystem has no FIEMAP; extents not checked "
			"(md cannot use such a file: it needs bmap)", name);
		return 0;
	}
	if (rc == -EIO && why[0])
		return rc;
	if (rc) {
		snprintf(why, whylen, "FIEMAP failed: %s", strerror(-rc));
		return rc;
	}
	if (c.next < size) {
		if (c.last)
			snprintf(why, whylen, "extents end at byte %llu of %llu",
				 (unsigned long long)c.next,
				 (unsigned long long)size);
		else
			snprintf(why, whylen, "hole at byte %llu after writing",
				 (unsigned long long)c.next);
		return -EIO;
	}
	brd_dbg("%s: %llu bytes in plain written extents", name,
		(unsigned long long)size);
	return 0;
}

static int write_all(int fd, const unsigned char *buf, size_t len,
		     uint64_t off)
{
	while (len) {
		ssize_t n = pwrite(fd, buf, len, (off_t)off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

/*
 * Move the finished temporary file to its name. Without force, never replace
 * a file that appeared after the first check: RENAME_NOREPLACE, or where the
 * filesystem lacks it, link() (which fails on an existing name) and unlink().
 */
static int install_file(const char *tmp, const char *target, bool force)
{
	if (force)
		return rename(tmp, target) < 0 ? -errno : 0;
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, target, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP)
		return -errno;
	if (link(tmp, target) < 0)
		return -errno;
	if (unlink(tmp) < 0)
		brd_dbg("%s: cannot remove: %s", tmp, strerror(errno));
	return 0;
}

int brd_bitmap_write_file(const char *path, const struct brd_bitmap_sb *sb,
			  bool force, uint64_t *bytes, char *why,
			  size_t whylen)
{
	struct brd_bitmap_geom g;
	unsigned char *buf = NULL;
	char *target = NULL, *dircopy = NULL, *tmp = NULL;
	const char *dir;
	struct stat st;
	uint64_t size, off;
	int fd = -1, dfd = -1, rc;

	why[0] = '\0';
	rc = brd_bitmap_geom(sb, &g, why, whylen);
	if (rc)
		return rc;
	if (g.per_byte) {
		snprintf(why, whylen, "version %u bitmaps are internal only",
			 sb->version);
		return -EOPNOTSUPP;
	}
	size = g.area_bytes;
	if (bytes)
		*bytes = size;

	/* Never write through a symlink's name: replace its target. */
	if (stat(path, &st) == 0) {
		if (!S_ISREG(st.st_mode)) {
			snprintf(why, whylen, "exists and is not a regular file");
			return -EINVAL;
		}
		if (!force)
			return -EEXIST;
		target = realpath(path, NULL);
		if (!target)
			return -errno;
	} else if (errno != ENOENT) {
		return -errno;
	} else {
		target = strdup(path);
		if (!target)
			return -ENOMEM;
	}

	dircopy = strdup(target);
	if (!dircopy) {
		rc = -ENOMEM;
		goto out;
	}
	dir = dirname(dircopy);
	if (asprintf(&tmp, "%s/.%s.XXXXXX", dir, basename(target)) < 0) {
		tmp = NULL;
		rc = -ENOMEM;
		goto out;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		free(tmp);
		tmp = NULL;
		goto out;
	}
	/* mkostemp creates 0600; give the usual 0666 & ~umask */
	{
		mode_t um = umask(0);

		umask(um);
		if (fchmod(fd, 0666 & ~um) < 0) {
			rc = -errno;
			goto out;
		}
	}

	buf = malloc(WRITE_BUFSZ);
	if (!buf) {
		rc = -ENOMEM;
		goto out;
	}
	brd_bitmap_sb_encode(sb, buf);
	rc = write_all(fd, buf, BRD_BITMAP_SB_SIZE, 0);
	if (rc)
		goto out;
	memset(buf, 0xff, WRITE_BUFSZ);
	for (off = BRD_BITMAP_SB_SIZE; off < size;) {
		size_t n = size - off < WRITE_BUFSZ ? (size_t)(size - off)
						    : WRITE_BUFSZ;

		rc = write_all(fd, buf, n, off);
		if (rc)
			goto out;
		off += n;
	}
	if (fsync(fd) < 0) {
		rc = -errno;
		goto out;
	}
	rc = check_extents(fd, target, size, why, whylen);
	if (rc)
		goto out;
	if (close(fd) < 0) {
		fd = -1;
		rc = -errno;
		goto out;
	}
	fd = -1;
	rc = install_file(tmp, target, force);
	if (rc)
		goto out;
	free(tmp);
	tmp = NULL;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fsync(dfd) < 0)
		brd_dbg("%s: cannot fsync the directory: %s", dir,
			strerror(errno));
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	if (tmp) {
		unlink(tmp);
		free(tmp);
	}
	free(buf);
	free(dircopy);
	free(target);
	return rc;
}
