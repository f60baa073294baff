// SPDX-License-Identifier: GPL-2.0-or-later
/* StrictModes-style ownership check of a root-run configuration file. */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "trust.h"

static bool trusted_uid(uid_t uid)
{
	return uid == 0 || uid == geteuid();
}

/* One file or directory; @dir: a directory on the path of the file. */
static int check_one(const char *p, bool dir, struct brd_trust *t)
{
	struct stat st;
	mode_t w;

	if (lstat(p, &st) < 0) {
		snprintf(t->path, sizeof(t->path), "%s", p);
		return -errno;
	}
	if (S_ISLNK(st.st_mode))
		return 0;	/* the link's target is checked after realpath() */
	t->is_dir = dir;
	if (!trusted_uid(st.st_uid)) {
		snprintf(t->path, sizeof(t->path), "%s", p);
		snprintf(t->why, sizeof(t->why), "owned by uid %u, not root",
			 (unsigned)st.st_uid);
		snprintf(t->fix, sizeof(t->fix), "chown root %s", p);
		return -EPERM;
	}
	w = st.st_mode & (S_IWGRP | S_IWOTH);
	if (!w)
		return 0;
	/* a sticky directory: others cannot rename or remove what they do
	 * not own (/tmp) */
	if (dir && (st.st_mode & S_ISVTX))
		return 0;
	snprintf(t->path, sizeof(t->path), "%s", p);
	snprintf(t->why, sizeof(t->why), "writable by %s (mode %04o)",
		 w == (S_IWGRP | S_IWOTH) ? "group and others" :
		 w == S_IWGRP ? "its group" : "others",
		 (unsigned)(st.st_mode & 07777));
	snprintf(t->fix, sizeof(t->fix), "chmod go-w %s", p);
	return -EPERM;
}

/* @abs (absolute) and each of its parent directories up to "/". */
static int check_chain(const char *abs, struct brd_trust *t)
{
	char *p = strdup(abs), *slash;
	int rc;

	if (!p)
		return -ENOMEM;
	rc = check_one(p, false, t);
	while (!rc && (slash = strrchr(p, '/'))) {
		if (slash == p) {
			rc = check_one("/", true, t);
			break;
		}
		*slash = '\0';
		rc = check_one(p, true, t);
	}
	free(p);
	return rc;
}

int brd_trusted_file(const char *path, struct brd_trust *t)
{
	char *real, *abs = NULL;
	int rc;

	memset(t, 0, sizeof(*t));
	if (path[0] != '/') {
		char cwd[PATH_MAX];

		if (!getcwd(cwd, sizeof(cwd)))
			return -errno;
		if (asprintf(&abs, "%s/%s", strcmp(cwd, "/") ? cwd : "", path) < 0)
			return -ENOMEM;
	}
	/* the path as given (a link in a directory others can write could be
	 * replaced), then the file it resolves to */
	rc = check_chain(abs ? abs : path, t);
	if (!rc) {
		real = realpath(path, NULL);
		if (!real) {
			rc = -errno;
			snprintf(t->path, sizeof(t->path), "%s", path);
		} else {
			rc = check_chain(real, t);
			free(real);
		}
	}
	free(abs);
	return rc;
}
