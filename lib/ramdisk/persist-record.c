// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Which image a ramdisk is persisted to, and when it was last saved or
 * restored (see persist.h): one small file per ramdisk,
 *
 *   /run/brdctl/NAME@image     "SAVED_NS\nIMAGE\n"
 *
 * next to the records of lib/ramdisk/applied.c.  '@' is no character of a
 * ramdisk name, so the file cannot be mistaken for a line's record
 * (NAME.brdtab) or link (NAME) of any name.  Written to a temporary file
 * and renamed over the record: a reader sees the old one or the new one.
 * Paths are below the library root (brd_set_root).
 */
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "applied.h"
#include "brdtab.h"
#include "persist.h"
#include "../base/log.h"
#include "../base/sysfs.h"

#define RECORD_SUFFIX	"@image"
#define RECORD_MAX	8192

/* the one name rule (brdtab.h): nothing else reaches the filesystem */
static bool record_name_ok(const char *name)
{
	return brdtab_name_kind(name) != BRDTAB_NAME_INVALID;
}

static char *record_path(char *buf, size_t len, const char *name)
{
	char p[512];

	if (name)
		snprintf(p, sizeof(p), BRD_RUN_DIR "/%s" RECORD_SUFFIX, name);
	else
		snprintf(p, sizeof(p), BRD_RUN_DIR);
	return brd_root_path(buf, len, p);
}

int brd_persist_record(const char *name, const char *image, int64_t saved_ns)
{
	char p[4096], *text = NULL;
	int len, rc = 0;

	if (!record_name_ok(name) || !image || image[0] != '/' || strchr(image, '\n'))
		return -EINVAL;
	if (!record_path(p, sizeof(p), NULL))
		return -ENAMETOOLONG;
	if (mkdir(p, 0755) < 0 && errno != EEXIST)
		return -errno;
	if (!record_path(p, sizeof(p), name))
		return -ENAMETOOLONG;
	len = asprintf(&text, "%" PRId64 "\n%s\n", saved_ns, image);
	if (len < 0)
		return -ENOMEM;
	if (len > RECORD_MAX) {
		free(text);
		return -ENAMETOOLONG;
	}
	rc = brd_run_replace(p, text, (size_t)len);
	if (rc)
		brd_dbg("%s: cannot write the record: %s", p, strerror(-rc));
	free(text);
	return rc;
}

int brd_persist_lookup(const char *name, char *image, size_t len,
		       int64_t *saved_ns)
{
	char *text = NULL, *nl, *end;
	long long v;
	int rc;

	if (!record_name_ok(name))
		return -EINVAL;
	rc = brd_path_read_string(&text, BRD_RUN_DIR "/%s" RECORD_SUFFIX, name);
	if (rc)
		return rc;
	/* SAVED_NS, newline, an absolute path (the reader drops the final
	 * newline) */
	nl = strchr(text, '\n');
	errno = 0;
	v = strtoll(text, &end, 10);
	if (!nl || end != nl || end == text || errno || nl[1] != '/' ||
	    strchr(nl + 1, '\n')) {
		brd_dbg("%s: not a record of an image", name);
		free(text);
		return -EBADMSG;
	}
	if (strlen(nl + 1) >= len) {
		free(text);
		return -ENAMETOOLONG;
	}
	if (image)
		strcpy(image, nl + 1);
	if (saved_ns)
		*saved_ns = v;
	free(text);
	return 0;
}

int brd_persist_forget(const char *name)
{
	char p[4096];

	if (!record_name_ok(name))
		return -EINVAL;
	if (!record_path(p, sizeof(p), name))
		return -ENAMETOOLONG;
	if (unlink(p) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

int brd_persist_forget_all(void)
{
	DIR *dir = brd_path_opendir(BRD_RUN_DIR);
	struct dirent *de;
	size_t sl = strlen(RECORD_SUFFIX);
	int ret = 0;

	if (!dir)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(dir))) {
		size_t l = strlen(de->d_name);

		if (l <= sl || strcmp(de->d_name + l - sl, RECORD_SUFFIX))
			continue;
		if (unlinkat(dirfd(dir), de->d_name, 0) < 0 && errno != ENOENT && !ret)
			ret = -errno;
	}
	closedir(dir);
	return ret;
}
