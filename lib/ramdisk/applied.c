// SPDX-License-Identifier: GPL-2.0-or-later
/* Records of applied brdtab lines under /run/brdctl (see applied.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "applied.h"
#include "../base/sysfs.h"

static char *run_path(char *buf, size_t len, const char *name, const char *suffix)
{
	char p[512];

	if (snprintf(p, sizeof(p), BRD_RUN_DIR "%s%s%s", name ? "/" : "",
		     name ? name : "", suffix) >= (int)sizeof(p))
		return NULL;
	return brd_root_path(buf, len, p);
}

/* the one name rule (brdtab.h): nothing else reaches the filesystem */
static bool name_ok(const char *name)
{
	return brdtab_name_kind(name) != BRDTAB_NAME_INVALID;
}

static int make_dir(void)
{
	char d[4096];

	if (!run_path(d, sizeof(d), NULL, ""))
		return -ENAMETOOLONG;
	if (mkdir(d, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

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

int brd_run_replace(const char *path, const char *text, size_t len)
{
	char tmp[4200];
	int fd, rc;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return -errno;
	if (write(fd, text, len) != (ssize_t)len) {
		rc = errno ? -errno : -EIO;
		close(fd);
		unlink(tmp);
		return rc;
	}
	if (close(fd) < 0 || rename(tmp, path) < 0) {
		rc = -errno;
		unlink(tmp);
		return rc;
	}
	return 0;
}

int brd_applied_save(const char *name, const char *line)
{
	char p[4096];
	int rc;

	if (!name_ok(name))
		return -EINVAL;
	if ((rc = make_dir()))
		return rc;
	if (!run_path(p, sizeof(p), name, ".brdtab"))
		return -ENAMETOOLONG;
	return brd_run_replace(p, line, strlen(line));
}

int brd_applied_link(const char *name, const char *dev)
{
	char p[4096], tmp[4200];
	int rc;

	if (!name_ok(name))
		return -EINVAL;
	if ((rc = make_dir()))
		return rc;
	if (!run_path(p, sizeof(p), name, ""))
		return -ENAMETOOLONG;
	snprintf(tmp, sizeof(tmp), "%s.tmp-link", p);
	unlink(tmp);
	if (symlink(dev, tmp) < 0)
		return -errno;
	if (rename(tmp, p) < 0) {
		rc = -errno;
		unlink(tmp);
		return rc;
	}
	return 0;
}

int brd_applied_load(const char *name, char **line)
{
	*line = NULL;
	if (!name_ok(name))
		return -EINVAL;
	/* brd_path_read_string() resolves below the root itself */
	return brd_path_read_string(line, BRD_RUN_DIR "/%s.brdtab", name);
}

int brd_applied_remove(const char *name)
{
	char p[4096];
	int rc = 0;

	if (!name_ok(name))
		return -EINVAL;
	if (!run_path(p, sizeof(p), name, "") || (unlink(p) < 0 && errno != ENOENT))
		rc = -errno;
	if (!run_path(p, sizeof(p), name, ".brdtab") || (unlink(p) < 0 && errno != ENOENT))
		rc = rc ? rc : -errno;
	return rc;
}

int brd_applied_other(const char *name, char *other, size_t len)
{
	char d[4096];
	struct dirent *de;
	DIR *dir;
	int found = 0;

	if (!run_path(d, sizeof(d), NULL, ""))
		return -ENAMETOOLONG;
	dir = opendir(d);
	if (!dir)
		return errno == ENOENT ? 0 : -errno;
	while (!found && (de = readdir(dir))) {
		size_t l = strlen(de->d_name);

		/* records are files; a line named "x.brdtab" has a link of
		 * that name */
		if (l <= 7 || strcmp(de->d_name + l - 7, ".brdtab") || de->d_type == DT_LNK)
			continue;
		if (l - 7 == strlen(name) && !strncmp(de->d_name, name, l - 7))
			continue;
		snprintf(other, len, "%.*s", (int)(l - 7), de->d_name);
		found = 1;
	}
	closedir(dir);
	return found;
}
