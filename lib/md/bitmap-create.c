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

/*
 * The name to write: @path, or where it exists (only as a regular file,
 * and only with @force) its real path: never write through a symlink's
 * name, replace its target.
 */
static int resolve_target(const char *path, bool force, char **target,
			  char *why, size_t whylen)
{
	struct stat st;

	*target = NULL;
	if (stat(path, &st) == 0) {
		if (!S_ISREG(st.st_mode)) {
			snprintf(why, whylen, "exists and is not a regular file");
			return -EINVAL;
		}
		if (!force)
			return -EEXIST;
		*target = realpath(path, NULL);
		return *target ? 0 : -errno;
	}
	if (errno != ENOENT)
		return -errno;
	*target = strdup(path);
	return *target ? 0 : -ENOMEM;
}

/* A temporary file ".NAME.XXXXXX" next to @target, mode 0666 & ~umask. */
static int make_temp(char *target, const char *dir, char **tmp)
{
	mode_t um;
	int fd;

	if (asprintf(tmp, "%s/.%s.XXXXXX", dir, basename(target)) < 0) {
		*tmp = NULL;
		return -ENOMEM;
	}
	fd = mkostemp(*tmp, O_CLOEXEC);
	if (fd < 0) {
		fd = -errno;
		free(*tmp);
		*tmp = NULL;
		return fd;
	}
	/* mkostemp creates 0600; give the usual 0666 & ~umask */
	um = umask(0);
	umask(um);
	if (fchmod(fd, 0666 & ~um) < 0) {
		int rc = -errno;

		close(fd);
		return rc;
	}
	return fd;
}

/* The superblock, then 0xff (every chunk dirty) up to @size; fsynced. */
static int write_content(int fd, const struct brd_bitmap_sb *sb,
			 uint64_t size)
{
	unsigned char *buf = malloc(WRITE_BUFSZ);
	uint64_t off;
	int rc;

	if (!buf)
		return -ENOMEM;
	brd_bitmap_sb_encode(sb, buf);
	rc = write_all(fd, buf, BRD_BITMAP_SB_SIZE, 0);
	memset(buf, 0xff, WRITE_BUFSZ);
	for (off = BRD_BITMAP_SB_SIZE; !rc && off < size;) {
		size_t n = size - off < WRITE_BUFSZ ? (size_t)(size - off)
						    : WRITE_BUFSZ;

		rc = write_all(fd, buf, n, off);
		off += n;
	}
	free(buf);
	if (!rc && fsync(fd) < 0)
		rc = -errno;
	return rc;
}

static void fsync_dir(const char *dir)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (dfd < 0 || fsync(dfd) < 0)
		brd_dbg("%s: cannot fsync the directory: %s", dir,
			strerror(errno));
	if (dfd >= 0)
		close(dfd);
}

int brd_bitmap_write_file(const char *path, const struct brd_bitmap_sb *sb,
			  bool force, uint64_t *bytes, char *why,
			  size_t whylen)
{
	struct brd_bitmap_geom g;
	char *target = NULL, *dircopy = NULL, *tmp = NULL;
	const char *dir;
	int fd = -1, rc;

	why[0] = '\0';
	rc = brd_bitmap_geom(sb, &g, why, whylen);
	if (rc)
		return rc;
	if (g.per_byte) {
		snprintf(why, whylen, "version %u bitmaps are internal only",
			 sb->version);
		return -EOPNOTSUPP;
	}
	if (bytes)
		*bytes = g.area_bytes;
	rc = resolve_target(path, force, &target, why, whylen);
	if (rc)
		return rc;
	dircopy = strdup(target);
	if (!dircopy) {
		rc = -ENOMEM;
		goto out;
	}
	dir = dirname(dircopy);
	fd = make_temp(target, dir, &tmp);
	if (fd < 0) {
		rc = fd;
		goto out;
	}
	rc = write_content(fd, sb, g.area_bytes);
	if (!rc)
		rc = check_extents(fd, target, g.area_bytes, why, whylen);
	if (close(fd) < 0 && !rc)
		rc = -errno;
	if (!rc)
		rc = install_file(tmp, target, force);
	if (rc)
		goto out;
	free(tmp);
	tmp = NULL;
	fsync_dir(dir);
out:
	if (tmp) {
		unlink(tmp);
		free(tmp);
	}
	free(dircopy);
	free(target);
	return rc;
}
