// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * StrictModes for what root reads or mounts on (trust.h): one walk of the
 * path, component by component, on descriptors; the caller gets the
 * descriptor of what was checked.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "trust.h"

#define MAX_LINKS	40		/* as the kernel's MAXSYMLINKS */
#define MAX_DEPTH	(1u << 16)	/* directories above the working one */

static bool trusted_uid(uid_t uid)
{
	return uid == 0 || uid == geteuid();
}

static void fail_at(struct brd_trust *t, const char *path, bool dir, int err)
{
	snprintf(t->path, sizeof(t->path), "%s", path);
	t->is_dir = dir;
	snprintf(t->why, sizeof(t->why), "%s", strerror(err));
	t->fix[0] = '\0';
}

static const char *kind_of(mode_t m)
{
	switch (m & S_IFMT) {
	case S_IFIFO:
		return "a FIFO";
	case S_IFCHR:
		return "a character device";
	case S_IFBLK:
		return "a block device";
	case S_IFSOCK:
		return "a socket";
	case S_IFDIR:
		return "a directory";
	case S_IFLNK:
		return "a symbolic link";
	default:
		return "not a regular file";
	}
}

/* Owner and write bits of a file (@dir false) or of a directory. */
static int check_mode(struct brd_trust *t, const struct stat *st, const char *p,
		      bool dir)
{
	mode_t w = st->st_mode & (S_IWGRP | S_IWOTH);

	t->is_dir = dir;
	if (!trusted_uid(st->st_uid)) {
		snprintf(t->path, sizeof(t->path), "%s", p);
		snprintf(t->why, sizeof(t->why), "owned by uid %u, not root",
			 (unsigned)st->st_uid);
		snprintf(t->fix, sizeof(t->fix), "chown root %s", p);
		return -EPERM;
	}
	if (!w)
		return 0;
	/* a sticky directory: others cannot rename or remove what they do
	 * not own (/tmp); what is looked up in it is checked in turn */
	if (dir && (st->st_mode & S_ISVTX))
		return 0;
	snprintf(t->path, sizeof(t->path), "%s", p);
	snprintf(t->why, sizeof(t->why), "writable by %s (mode %04o)",
		 w == (S_IWGRP | S_IWOTH) ? "group and others" :
		 w == S_IWGRP ? "its group" : "others",
		 (unsigned)(st->st_mode & 07777));
	snprintf(t->fix, sizeof(t->fix), "chmod go-w %s", p);
	return -EPERM;
}

/* ---- names for messages (never used to reach a file) ---- */

/* "DIR/NAME", "/NAME" below "/"; malloc'd or NULL */
static char *join(const char *dir, const char *name)
{
	char *s;

	if (asprintf(&s, "%s%s%s", dir, strcmp(dir, "/") ? "/" : "", name) < 0)
		return NULL;
	return s;
}

/* the parent of @dir's name, in place ("/a/b" -> "/a", "/a" -> "/",
 * "." -> "..", "../x" -> "..") */
static char *parent_name(char *dir)
{
	char *slash = strrchr(dir, '/');
	const char *last = slash ? slash + 1 : dir;
	char *s;

	if (!strcmp(last, ".") || !strcmp(last, "..")) {
		if (asprintf(&s, "%s%s..", !strcmp(dir, ".") ? "" : dir,
			     !strcmp(dir, ".") ? "" : "/") < 0)
			return dir;
		free(dir);
		return s;
	}
	if (slash == dir)
		slash[1] = '\0';
	else if (slash)
		*slash = '\0';
	else
		strcpy(dir, ".");
	return dir;
}

/* ---- the walk ---- */

struct walker {
	struct brd_trust *t;
	int dfd;		/* the current directory (O_PATH), checked */
	struct stat dst;	/* ... its fstat() */
	char *disp;		/* ... its name, for messages */
	char *rest;		/* what is left to walk */
	size_t pos;		/* ... from rest[pos] */
	unsigned int links;
	bool create, made;
};

static int set_dir(struct walker *w, int fd, const struct stat *st, char *disp)
{
	int rc = check_mode(w->t, st, disp, true);

	if (rc) {
		close(fd);
		free(disp);
		return rc;
	}
	if (w->dfd >= 0)
		close(w->dfd);
	free(w->disp);
	w->dfd = fd;
	w->dst = *st;
	w->disp = disp;
	return 0;
}

static int open_root(struct walker *w)
{
	struct stat st;
	int fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	char *d = strdup("/");

	if (fd < 0 || !d || fstat(fd, &st) < 0) {
		int err = !d ? ENOMEM : errno;

		fail_at(w->t, "/", true, err);
		if (fd >= 0)
			close(fd);
		free(d);
		return -err;
	}
	return set_dir(w, fd, &st, d);
}

/* The name of the k-th directory above the working directory @cwd (NULL:
 * unknown), malloc'd. */
static char *above_cwd(const char *cwd, unsigned int k)
{
	char *s = strdup(cwd ? cwd : ".");

	for (unsigned int i = 0; s && i < k; i++)
		s = parent_name(s);
	return s;
}

static int check_above(struct walker *w, const struct stat *st, const char *cwd,
		       unsigned int k, int err)
{
	char *name = above_cwd(cwd, k);
	int rc;

	if (!name)
		return -ENOMEM;
	if (err) {
		fail_at(w->t, name, true, err);
		rc = -err;
	} else {
		rc = check_mode(w->t, st, name, true);
	}
	free(name);
	return rc;
}

/*
 * A relative path starts in the working directory, by its descriptor: it
 * and every directory above it up to "/" must be trusted (whoever can
 * rename one of them can move the file).  getcwd() only names them in
 * messages; a working directory deeper than PATH_MAX is walked all the same.
 */
static int open_cwd(struct walker *w)
{
	char *cwd = getcwd(NULL, 0), *name;
	struct stat st, cst, pst;
	int fd, cur, parent, rc;
	unsigned int k;

	fd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		rc = check_above(w, NULL, cwd, 0, errno);
		if (fd >= 0)
			close(fd);
		goto out;
	}
	cur = dup(fd);
	cst = st;
	for (k = 0; ; k++) {
		if (cur < 0) {
			rc = check_above(w, NULL, cwd, k, errno);
			break;
		}
		if ((rc = check_above(w, &cst, cwd, k, k > MAX_DEPTH ? ELOOP : 0)))
			break;
		parent = openat(cur, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (parent >= 0 && fstat(parent, &pst) < 0) {
			int err = errno;

			close(parent);
			parent = -1;
			errno = err;
		}
		if (parent < 0) {
			rc = check_above(w, NULL, cwd, k + 1, errno);
			break;
		}
		close(cur);
		cur = parent;
		if (pst.st_dev == cst.st_dev && pst.st_ino == cst.st_ino)
			break;		/* "/" (of this root) */
		cst = pst;
	}
	if (cur >= 0)
		close(cur);
	if (rc) {
		close(fd);
		goto out;
	}
	name = strdup(cwd ? cwd : ".");
	if (!name) {
		close(fd);
		rc = -ENOMEM;
		goto out;
	}
	rc = set_dir(w, fd, &st, name);
out:
	free(cwd);
	return rc;
}

/* nothing but slashes and "." components from @q on */
static bool only_dots(const char *q)
{
	for (;;) {
		while (*q == '/')
			q++;
		if (!*q)
			return true;
		if (q[0] != '.' || (q[1] && q[1] != '/'))
			return false;
		q++;
	}
}

/*
 * The next component of w->rest into @name (NAME_MAX); 0 when none is
 * left, else 1 with *last (nothing but slashes and "." after it) and
 * *slash (a slash after it: it must be a directory).
 */
static int next_name(struct walker *w, char name[NAME_MAX + 1], bool *last,
		     bool *slash)
{
	const char *p = w->rest + w->pos, *e;

	for (;;) {
		while (*p == '/')
			p++;
		if (!*p) {
			w->pos = (size_t)(p - w->rest);
			return 0;
		}
		e = strchrnul(p, '/');
		if (e - p != 1 || p[0] != '.')
			break;
		p = e;
	}
	if (e - p > NAME_MAX)
		return -ENAMETOOLONG;
	memcpy(name, p, (size_t)(e - p));
	name[e - p] = '\0';
	*slash = *e == '/';
	*last = only_dots(e);
	while (*e == '/')
		e++;
	w->pos = (size_t)(e - w->rest);
	return 1;
}

/* A symbolic link @fd (in the current directory, named @disp): follow it
 * when its owner may, by walking its target before what is left. */
static int follow(struct walker *w, int fd, const struct stat *st, const char *disp,
		  bool slash)
{
	char target[PATH_MAX + 1], *rest;
	ssize_t n;

	if (!trusted_uid(st->st_uid) && st->st_uid != w->dst.st_uid) {
		snprintf(w->t->path, sizeof(w->t->path), "%s", disp);
		w->t->is_dir = false;
		snprintf(w->t->why, sizeof(w->t->why),
			 "a symbolic link owned by uid %u, not root", (unsigned)st->st_uid);
		snprintf(w->t->fix, sizeof(w->t->fix), "chown -h root %s", disp);
		return -EPERM;
	}
	if (++w->links > MAX_LINKS) {
		fail_at(w->t, disp, false, ELOOP);
		return -ELOOP;
	}
	n = readlinkat(fd, "", target, sizeof(target));
	if (n < 0 || n >= (ssize_t)sizeof(target) || n == 0) {
		int err = n < 0 ? errno : n ? ENAMETOOLONG : ENOENT;

		fail_at(w->t, disp, false, err);
		return -err;
	}
	target[n] = '\0';
	if (asprintf(&rest, "%s%s%s", target, slash ? "/" : "", w->rest + w->pos) < 0)
		return -ENOMEM;
	free(w->rest);
	w->rest = rest;
	w->pos = 0;
	return target[0] == '/' ? open_root(w) : 0;
}

/*
 * Walk @path to its last component: on 0, w->dfd is its (checked) parent,
 * @name its name ("." when the path ends in a directory already entered)
 * and *fd an O_PATH descriptor of it (not checked yet) with *st.
 */
static int walk(struct walker *w, const char *path, char name[NAME_MAX + 1],
		int *fd, struct stat *st)
{
	bool last, slash;
	int rc, f;

	*fd = -1;
	if (!path || !*path) {
		fail_at(w->t, path ? path : "", false, ENOENT);
		return -ENOENT;
	}
	w->rest = strdup(path);
	if (!w->rest)
		return -ENOMEM;
	if ((rc = path[0] == '/' ? open_root(w) : open_cwd(w)))
		return rc;
	for (;;) {
		char *disp;

		rc = next_name(w, name, &last, &slash);
		if (rc < 0) {
			fail_at(w->t, path, false, -rc);
			return rc;
		}
		if (rc == 0) {		/* the current directory itself */
			strcpy(name, ".");
			f = openat(w->dfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
			if (f < 0 || fstat(f, st) < 0) {
				rc = -errno;
				fail_at(w->t, w->disp, true, errno);
				if (f >= 0)
					close(f);
				return rc;
			}
			*fd = f;
			return 0;
		}
		if (!strcmp(name, "..")) {
			f = openat(w->dfd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
			disp = strdup(w->disp);
			disp = disp ? parent_name(disp) : NULL;
		} else {
			f = openat(w->dfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
			if (f < 0 && errno == ENOENT && w->create) {
				/* made here, in a checked directory; one that
				 * someone else made first is checked below */
				if (mkdirat(w->dfd, name, 0755) == 0)
					w->made = true;
				f = openat(w->dfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
			}
			disp = join(w->disp, name);
		}
		if (!disp) {
			if (f >= 0)
				close(f);
			return -ENOMEM;
		}
		if (f < 0 || fstat(f, st) < 0) {
			rc = -errno;
			fail_at(w->t, disp, false, errno);
			if (f >= 0)
				close(f);
			free(disp);
			return rc;
		}
		if (S_ISLNK(st->st_mode)) {
			rc = follow(w, f, st, disp, slash);
			close(f);
			free(disp);
			if (rc)
				return rc;
			continue;
		}
		if (last && !(slash && !S_ISDIR(st->st_mode))) {
			if (!strcmp(name, "..")) {	/* a directory: enter it */
				if ((rc = set_dir(w, f, st, disp)))
					return rc;
				strcpy(name, ".");
				f = openat(w->dfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
				if (f < 0)
					return -errno;
			} else {
				free(disp);
			}
			*fd = f;
			return 0;
		}
		if (!S_ISDIR(st->st_mode)) {
			fail_at(w->t, disp, false, ENOTDIR);
			close(f);
			free(disp);
			return -ENOTDIR;
		}
		if ((rc = set_dir(w, f, st, disp)))
			return rc;
	}
}

static void walker_free(struct walker *w)
{
	if (w->dfd >= 0)
		close(w->dfd);
	free(w->disp);
	free(w->rest);
}

#define OPEN_FLAGS	(O_ACCMODE | O_DIRECTORY | O_NONBLOCK | O_NOATIME | \
			 O_DIRECT | O_PATH | O_LARGEFILE | O_CLOEXEC | O_NOFOLLOW)

int brd_trust_open(const char *path, int flags, struct brd_trust *t)
{
	struct walker w = { .t = t, .dfd = -1 };
	char name[NAME_MAX + 1], *disp = NULL;
	struct stat st, rst;
	int fd = -1, real = -1, rc;

	memset(t, 0, sizeof(*t));
	if ((flags & ~OPEN_FLAGS) || (flags & O_ACCMODE) != O_RDONLY) {
		fail_at(t, path ? path : "", false, EINVAL);
		return -EINVAL;
	}
	if ((rc = walk(&w, path, name, &fd, &st)))
		goto out;
	disp = strcmp(name, ".") ? join(w.disp, name) : strdup(w.disp);
	if (!disp) {
		rc = -ENOMEM;
		goto out;
	}
	if (S_ISDIR(st.st_mode) != !!(flags & O_DIRECTORY)) {
		rc = S_ISDIR(st.st_mode) ? -EISDIR : -ENOTDIR;
		fail_at(t, disp, S_ISDIR(st.st_mode), -rc);
		goto out;
	}
	if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode)) {
		fail_at(t, disp, false, EINVAL);
		snprintf(t->why, sizeof(t->why), "not a regular file (%s)",
			 kind_of(st.st_mode));
		rc = -EINVAL;
		goto out;
	}
	if ((rc = check_mode(t, &st, disp, S_ISDIR(st.st_mode))))
		goto out;
	if (flags & O_PATH) {
		rc = fd;
		fd = -1;
		goto out;
	}
	/* the checked inode, opened for reading in its checked directory */
	real = openat(w.dfd, name, flags | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK |
		      O_NOCTTY);
	if (real < 0 || fstat(real, &rst) < 0) {
		rc = -errno;
		fail_at(t, disp, S_ISDIR(st.st_mode), errno);
		goto out;
	}
	if (rst.st_dev != st.st_dev || rst.st_ino != st.st_ino) {
		fail_at(t, disp, false, ESTALE);
		snprintf(t->why, sizeof(t->why), "replaced while it was being opened");
		rc = -ESTALE;
		goto out;
	}
	if (!(flags & O_NONBLOCK) &&
	    fcntl(real, F_SETFL, fcntl(real, F_GETFL) & ~O_NONBLOCK) < 0) {
		rc = -errno;
		fail_at(t, disp, false, errno);
		goto out;
	}
	rc = real;
	real = -1;
out:
	if (real >= 0)
		close(real);
	if (fd >= 0)
		close(fd);
	free(disp);
	walker_free(&w);
	return rc;
}

int brd_trust_mountpoint(const char *path, bool create, struct brd_trust *t,
			 bool *made)
{
	struct walker w = { .t = t, .dfd = -1, .create = create };
	char name[NAME_MAX + 1], *disp = NULL;
	struct stat st;
	int fd = -1, rc;

	memset(t, 0, sizeof(*t));
	if (made)
		*made = false;
	rc = walk(&w, path, name, &fd, &st);
	if (made)
		*made = w.made;
	if (rc)
		goto out;
	disp = strcmp(name, ".") ? join(w.disp, name) : strdup(w.disp);
	if (!disp) {
		rc = -ENOMEM;
		goto out;
	}
	if (!S_ISDIR(st.st_mode)) {
		fail_at(t, disp, false, ENOTDIR);
		rc = -ENOTDIR;
		goto out;
	}
	/* in a directory others can write (sticky, or the walk had refused
	 * it), whoever owns the mount point can rename it away */
	if ((w.dst.st_mode & (S_IWGRP | S_IWOTH)) && !trusted_uid(st.st_uid) &&
	    strcmp(name, ".")) {
		rc = check_mode(t, &st, disp, true);
		goto out;
	}
	rc = fd;
	fd = -1;
out:
	if (fd >= 0)
		close(fd);
	free(disp);
	walker_free(&w);
	return rc;
}
