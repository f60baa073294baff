// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Which image a ramdisk is persisted to, and when it was last saved or
 * restored (see persist.h): one small record per ramdisk (record.h),
 *
 *   /run/brdctl/image/NAME     "SAVED_NS\nIMAGE\n"
 *
 * replaced as a whole (a reader sees the old record or the new one, two
 * writers never share a temporary file).  Paths are below the library root
 * (brd_set_root).
 */
#include <errno.h>
#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "brdtab.h"
#include "persist.h"
#include "record.h"
#include "../base/log.h"

#define RECORD_MAX	8192

/* the one name rule (brdtab.h): nothing else reaches the filesystem */
static bool record_name_ok(const char *name)
{
	return brdtab_name_kind(name) != BRDTAB_NAME_INVALID;
}

int brd_persist_record(const char *name, const char *image, int64_t saved_ns)
{
	char *text = NULL;
	int len, rc = 0;

	if (!record_name_ok(name) || !image || image[0] != '/' || strchr(image, '\n'))
		return -EINVAL;
	len = asprintf(&text, "%" PRId64 "\n%s\n", saved_ns, image);
	if (len < 0)
		return -ENOMEM;
	if (len > RECORD_MAX) {
		free(text);
		return -ENAMETOOLONG;
	}
	rc = brd_record_write(BRD_RECORD_IMAGE, name, text, (size_t)len);
	if (rc)
		brd_dbg("%s: cannot write the record of its image: %s", name, strerror(-rc));
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
	rc = brd_record_read(BRD_RECORD_IMAGE, name, RECORD_MAX, &text);
	if (rc == -EFBIG)
		rc = -EBADMSG;
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
	return brd_record_remove(BRD_RECORD_IMAGE, name);
}

int brd_persist_forget_all(void)
{
	DIR *dir = brd_record_opendir(BRD_RECORD_IMAGE);
	struct dirent *de;
	int ret = 0;

	if (!dir)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(dir))) {
		if (!record_name_ok(de->d_name))
			continue;	/* ".", "..", a temporary file */
		if (unlinkat(dirfd(dir), de->d_name, 0) < 0 && errno != ENOENT && !ret)
			ret = -errno;
	}
	closedir(dir);
	return ret;
}
