// SPDX-License-Identifier: GPL-2.0-or-later
/* Records of applied brdtab lines under /run/brdctl (see applied.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "applied.h"
#include "../base/sysfs.h"

/* append @s as one quoted field */
static int put_field(FILE *f, const char *s)
{
	if (!s || !*s)
		return fputs(" -", f) < 0 ? -EIO : 0;
	fputs(" \"", f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
	return fputc('"', f) < 0 ? -EIO : 0;
}

/* the mount options with brdctl's own (x-brdctl.*) back among them */
static int put_options(FILE *f, const struct brdtab_entry *e)
{
	char *o = NULL;
	int rc;

	if (!e->persist)
		return put_field(f, e->options);
	if (asprintf(&o, "%s%sx-brdctl.persist=%s%s%s", e->options ? e->options : "",
		     e->options ? "," : "", e->persist,
		     e->persist_every ? ",x-brdctl.persist-every=" : "",
		     e->persist_every ? e->persist_every : "") < 0)
		return -ENOMEM;
	rc = put_field(f, o);
	free(o);
	return rc;
}

char *brdtab_entry_line(const struct brdtab_entry *e)
{
	char *buf = NULL, sz[32], fs[512], own[200], mode[16];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	snprintf(fs, sizeof(fs), "%s%s%s", e->fstype ? e->fstype : "",
		 e->mkfs_opts ? ":" : "", e->mkfs_opts ? e->mkfs_opts : "");
	snprintf(own, sizeof(own), "%s%s%s", e->owner ? e->owner : "",
		 e->group || e->owner_group ? ":" : "", e->group ? e->group : "");
	snprintf(mode, sizeof(mode), "%04o", (unsigned)e->mode);
	fputs(e->name, f);
	fprintf(f, " %s", brdtab_size_str(e->size, sz, sizeof(sz)));
	put_field(f, fs);
	put_field(f, e->target);
	put_options(f, e);
	put_field(f, own);
	put_field(f, e->has_mode ? mode : NULL);
	fputc('\n', f);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

#define LINE_MAX_LEN	65536	/* a brdtab line, with quoting */

int brd_applied_save(const char *name, const char *line)
{
	return brd_record_write(BRD_RECORD_APPLIED, name, line, strlen(line));
}

int brd_applied_link(const char *name, const char *dev)
{
	return brd_record_link(BRD_RECORD_DEV, name, dev);
}

int brd_applied_load(const char *name, char **line)
{
	return brd_record_read(BRD_RECORD_APPLIED, name, LINE_MAX_LEN, line);
}

int brd_applied_remove(const char *name)
{
	int rc = brd_record_remove(BRD_RECORD_DEV, name);
	int rc2 = brd_record_remove(BRD_RECORD_APPLIED, name);

	return rc ? rc : rc2;
}

int brd_applied_other(const char *name, char *other, size_t len)
{
	DIR *dir = brd_record_opendir(BRD_RECORD_APPLIED);
	struct dirent *de;
	int found = 0;

	if (!dir)
		return errno == ENOENT ? 0 : -errno;
	while (!found && (de = readdir(dir))) {
		/* records only: not a temporary file, not this line's */
		if (brdtab_name_kind(de->d_name) == BRDTAB_NAME_INVALID ||
		    !strcmp(de->d_name, name) || de->d_type == DT_DIR)
			continue;
		snprintf(other, len, "%s", de->d_name);
		found = 1;
	}
	closedir(dir);
	return found;
}

/* "DISKSEQ NAME": the disk's sequence number ("-" where the kernel has
 * none) and the line that left it. */
static void left_seq(const char *disk, char *buf, size_t len)
{
	uint64_t seq;

	if (brd_path_read_u64(&seq, "/sys/block/%s/diskseq", disk) == 0)
		snprintf(buf, len, "%" PRIu64, seq);
	else
		snprintf(buf, len, "-");
}

int brd_left_mark(const char *disk, const char *name)
{
	char text[160], seq[32];
	int n;

	left_seq(disk, seq, sizeof(seq));
	n = snprintf(text, sizeof(text), "%s %s\n", seq, name);
	if (n < 0 || (size_t)n >= sizeof(text))
		return -EINVAL;
	return brd_record_write(BRD_RECORD_LEFT, disk, text, (size_t)n);
}

int brd_left_marked(const char *disk)
{
	char *text = NULL, seq[32];
	size_t l;
	int rc = brd_record_read(BRD_RECORD_LEFT, disk, 160, &text);

	if (rc)
		return rc == -ENOENT ? 0 : rc;
	left_seq(disk, seq, sizeof(seq));
	l = strlen(seq);
	rc = !strncmp(text, seq, l) && text[l] == ' ';
	free(text);
	return rc;
}

int brd_left_forget(const char *disk)
{
	return brd_record_remove(BRD_RECORD_LEFT, disk);
}

int brd_left_forget_all(void)
{
	DIR *dir = brd_record_opendir(BRD_RECORD_LEFT);
	struct dirent *de;
	int rc = 0, one;

	if (!dir)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(dir))) {
		if (brdtab_name_kind(de->d_name) == BRDTAB_NAME_INVALID ||
		    de->d_type == DT_DIR)
			continue;
		if ((one = brd_record_remove(BRD_RECORD_LEFT, de->d_name)) && !rc)
			rc = one;
	}
	closedir(dir);
	return rc;
}
