// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Which image a ramdisk is persisted to (persist.h): /run/brdctl/NAME.image
 * below the library root, two lines: the image's path, the saved_ns of its
 * last save or restore.  A minimal version for brdctl save/restore; the
 * brdtab side may replace it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../base/sysfs.h"
#include "persist.h"

static int record_path(char *buf, size_t len, const char *name, const char *suffix)
{
	char rel[256];

	if (!*name || strchr(name, '/') || name[0] == '.')
		return -EINVAL;
	if (snprintf(rel, sizeof(rel), "/run/brdctl/%s.image%s", name, suffix) >= (int)sizeof(rel) ||
	    !brd_root_path(buf, len, rel))
		return -ENAMETOOLONG;
	return 0;
}

int brd_persist_record(const char *name, const char *image, int64_t saved_ns)
{
	char path[4096], tmp[4096], dir[4096];
	FILE *f;
	int rc;

	if ((rc = record_path(path, sizeof(path), name, "")) ||
	    (rc = record_path(tmp, sizeof(tmp), name, ".tmp")))
		return rc;
	if (!brd_root_path(dir, sizeof(dir), "/run/brdctl"))
		return -ENAMETOOLONG;
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -errno;
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	fprintf(f, "%s\n%" PRId64 "\n", image, saved_ns);
	if (fflush(f) || ferror(f)) {
		rc = -errno;
		fclose(f);
		unlink(tmp);
		return rc ? rc : -EIO;
	}
	fclose(f);
	if (rename(tmp, path) < 0) {
		rc = -errno;
		unlink(tmp);
		return rc;
	}
	return 0;
}

int brd_persist_lookup(const char *name, char *image, size_t len,
		       int64_t *saved_ns)
{
	char path[4096], line[4096];
	int64_t ns = 0;
	FILE *f;
	int rc;

	if ((rc = record_path(path, sizeof(path), name, "")))
		return rc;
	f = fopen(path, "re");
	if (!f)
		return -errno;
	if (!fgets(line, sizeof(line), f) || !strchr(line, '\n')) {
		fclose(f);
		return -EBADMSG;
	}
	*strchr(line, '\n') = 0;
	if (fscanf(f, "%" SCNd64, &ns) != 1)
		ns = 0;
	fclose(f);
	if (strlen(line) >= len)
		return -ENAMETOOLONG;
	memcpy(image, line, strlen(line) + 1);
	if (saved_ns)
		*saved_ns = ns;
	return 0;
}

int brd_persist_forget(const char *name)
{
	char path[4096];
	int rc;

	if ((rc = record_path(path, sizeof(path), name, "")))
		return rc;
	return unlink(path) < 0 && errno != ENOENT ? -errno : 0;
}
