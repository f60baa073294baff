// SPDX-License-Identifier: GPL-2.0-or-later
/* The records under /run/brdctl: one directory per kind (record.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "brdtab.h"
#include "record.h"
#include "../base/sysfs.h"

#define DIR_FLAGS	(O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)

static const char *const kind_dir[] = {
	[BRD_RECORD_APPLIED] = "applied",
	[BRD_RECORD_DEV] = "dev",
	[BRD_RECORD_IMAGE] = "image",
	[BRD_RECORD_LEFT] = "left",
};

static bool name_ok(const char *name)
{
	return brdtab_name_kind(name) != BRDTAB_NAME_INVALID;
}

const char *brd_record_name(enum brd_record_kind kind, const char *name,
			    char *buf, size_t len)
{
	snprintf(buf, len, BRD_RUN_DIR "/%s/%s", kind_dir[kind], name ? name : "");
	return buf;
}

/* @top's directory of @kind, made when missing and @create. */
static int kind_at(int top, enum brd_record_kind kind, bool create)
{
	int fd = openat(top, kind_dir[kind], DIR_FLAGS);

	if (fd < 0 && errno == ENOENT && create) {
		if (mkdirat(top, kind_dir[kind], 0755) < 0 && errno != EEXIST)
			return -errno;
		fd = openat(top, kind_dir[kind], DIR_FLAGS);
	}
	return fd < 0 ? -errno : fd;
}

/* An entry of the flat layout: its kind and its name, or false. */
static bool old_entry(int top, const char *ent, enum brd_record_kind *kind,
		      char *name, size_t len)
{
	size_t l = strlen(ent);
	struct stat st;

	if (fstatat(top, ent, &st, AT_SYMLINK_NOFOLLOW) < 0 || l >= len)
		return false;
	memcpy(name, ent, l + 1);
	if (S_ISLNK(st.st_mode)) {
		*kind = BRD_RECORD_DEV;
	} else if (!S_ISREG(st.st_mode)) {
		return false;
	} else if (l > 7 && !strcmp(ent + l - 7, ".brdtab")) {
		*kind = BRD_RECORD_APPLIED;
		name[l - 7] = '\0';
	} else if (l > 6 && !strcmp(ent + l - 6, "@image")) {
		*kind = BRD_RECORD_IMAGE;
		name[l - 6] = '\0';
	} else {
		return false;
	}
	return name_ok(name);
}

/* One pass over the flat layout: its links (@links) or its files. */
static void migrate_pass(int top, DIR *dir, bool links)
{
	enum brd_record_kind kind;
	char name[256];
	struct dirent *de;

	rewinddir(dir);
	while ((de = readdir(dir))) {
		int kfd;

		if (!old_entry(top, de->d_name, &kind, name, sizeof(name)) ||
		    (kind == BRD_RECORD_DEV) != links)
			continue;
		kfd = kind_at(top, kind, true);
		if (kfd < 0)
			continue;
		/* a record already in the new place is the newer one */
		if (renameat2(top, de->d_name, kfd, name, RENAME_NOREPLACE) < 0 &&
		    errno == EEXIST)
			unlinkat(top, de->d_name, 0);
		close(kfd);
	}
}

/* Move the flat layout's records to their directories, once per process
 * and root (record.h).  Best effort: what cannot be moved stays where it is
 * and is not read. */
static void migrate(int top)
{
	static char done[4096];
	DIR *dir;
	int dfd;

	if (!strcmp(done, brd_root()))
		return;
	snprintf(done, sizeof(done), "%s", brd_root());
	dfd = dup(top);
	if (dfd < 0 || !(dir = fdopendir(dfd))) {
		if (dfd >= 0)
			close(dfd);
		return;
	}
	/* links first: the link of a line named "applied", "dev" or "image"
	 * is where a directory of the new layout goes */
	migrate_pass(top, dir, true);
	migrate_pass(top, dir, false);
	closedir(dir);
}

/* /run/brdctl below the root (made when missing and @create). */
static int run_dir(bool create)
{
	char p[4096];
	int fd;

	if (!brd_root_path(p, sizeof(p), BRD_RUN_DIR))
		return -ENAMETOOLONG;
	fd = open(p, DIR_FLAGS);
	if (fd < 0 && errno == ENOENT && create) {
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			return -errno;
		fd = open(p, DIR_FLAGS);
	}
	if (fd < 0)
		return -errno;
	migrate(fd);
	return fd;
}

static int kind_fd(enum brd_record_kind kind, bool create)
{
	int top = run_dir(create), fd;

	if (top < 0)
		return top;
	fd = kind_at(top, kind, create);
	close(top);
	return fd;
}

/* A new, unused temporary name for @name in @dfd: "NAME~PID.N.NS". */
static void tmp_name(char *buf, size_t len, const char *name)
{
	static unsigned int seq;
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(buf, len, "%s~%ld.%u.%ld", name, (long)getpid(), seq++, (long)ts.tv_nsec);
}

/* Put the temporary @tmp in place of @name (both in @dfd). */
static int put_in_place(int dfd, const char *tmp, const char *name)
{
	if (renameat(dfd, tmp, dfd, name) < 0) {
		int rc = -errno;

		unlinkat(dfd, tmp, 0);
		return rc;
	}
	return 0;
}

int brd_record_write(enum brd_record_kind kind, const char *name,
		     const char *text, size_t len)
{
	char tmp[320];
	int dfd, fd = -1, rc;

	if (!name_ok(name))
		return -EINVAL;
	if ((dfd = kind_fd(kind, true)) < 0)
		return dfd;
	for (int i = 0; fd < 0 && i < 100; i++) {
		tmp_name(tmp, sizeof(tmp), name);
		fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			    0644);
		if (fd < 0 && errno != EEXIST)
			break;
	}
	if (fd < 0) {
		rc = -errno;
		close(dfd);
		return rc;
	}
	for (size_t off = 0; off < len;) {
		ssize_t w = write(fd, text + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			rc = w < 0 ? -errno : -EIO;
			close(fd);
			unlinkat(dfd, tmp, 0);
			close(dfd);
			return rc;
		}
		off += (size_t)w;
	}
	if (close(fd) < 0) {
		rc = -errno;
		unlinkat(dfd, tmp, 0);
	} else {
		rc = put_in_place(dfd, tmp, name);
	}
	close(dfd);
	return rc;
}

int brd_record_link(enum brd_record_kind kind, const char *name,
		    const char *target)
{
	char tmp[320];
	int dfd, rc = -EEXIST;

	if (!name_ok(name) || !target || !*target)
		return -EINVAL;
	if ((dfd = kind_fd(kind, true)) < 0)
		return dfd;
	for (int i = 0; rc == -EEXIST && i < 100; i++) {
		tmp_name(tmp, sizeof(tmp), name);
		rc = symlinkat(target, dfd, tmp) < 0 ? -errno : 0;
	}
	if (!rc)
		rc = put_in_place(dfd, tmp, name);
	close(dfd);
	return rc;
}

int brd_record_read(enum brd_record_kind kind, const char *name, size_t max,
		    char **text)
{
	size_t len = 0;
	char *buf;
	int dfd, fd, rc = 0;

	*text = NULL;
	if (!name_ok(name))
		return -EINVAL;
	if ((dfd = kind_fd(kind, false)) < 0)
		return dfd;
	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	rc = fd < 0 ? -errno : 0;
	close(dfd);
	if (rc)
		return rc;
	buf = malloc(max + 2);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	while (len <= max) {
		ssize_t r = read(fd, buf + len, max + 1 - len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = -errno;
			break;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	if (!rc && len > max)
		rc = -EFBIG;
	if (rc) {
		free(buf);
		return rc;
	}
	while (len && buf[len - 1] == '\n')
		len--;
	buf[len] = '\0';
	*text = buf;
	return 0;
}

int brd_record_remove(enum brd_record_kind kind, const char *name)
{
	int dfd, rc = 0;

	if (!name_ok(name))
		return -EINVAL;
	dfd = kind_fd(kind, false);
	if (dfd == -ENOENT)
		return 0;
	if (dfd < 0)
		return dfd;
	if (unlinkat(dfd, name, 0) < 0 && errno != ENOENT)
		rc = -errno;
	close(dfd);
	return rc;
}

DIR *brd_record_opendir(enum brd_record_kind kind)
{
	int fd = kind_fd(kind, false);
	DIR *dir;

	if (fd < 0) {
		errno = -fd;
		return NULL;
	}
	dir = fdopendir(fd);
	if (!dir) {
		int err = errno;

		close(fd);
		errno = err;
	}
	return dir;
}
