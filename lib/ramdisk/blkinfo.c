// SPDX-License-Identifier: GPL-2.0-or-later
#include <ctype.h>
#include <stdbool.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <blkid.h>
#include <libmount.h>

#include "blkinfo.h"
#include "../base/log.h"
#include "../base/sysfs.h"

static char *dup_value(blkid_probe pr, const char *name)
{
	const char *v;

	if (blkid_probe_lookup_value(pr, name, &v, NULL) == 0 && v && *v)
		return strdup(v);
	return NULL;
}

int brd_blkinfo_probe(const char *devpath, struct brd_blkinfo *bi)
{
	blkid_probe pr;
	int rc;

	memset(bi, 0, sizeof(*bi));
	/* libblkid opens the device read-only (O_NONBLOCK) and closes it */
	pr = blkid_new_probe_from_filename(devpath);
	if (!pr)
		return errno ? -errno : -EIO;
	blkid_probe_enable_superblocks(pr, 1);
	blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_TYPE | BLKID_SUBLKS_LABEL |
					  BLKID_SUBLKS_UUID);
	blkid_probe_enable_partitions(pr, 1);
	blkid_probe_set_partitions_flags(pr, 0);
	rc = blkid_do_safeprobe(pr);
	if (rc == -2) {
		/* ambiguous: more than one signature; report it as such */
		bi->fstype = strdup("ambiguous");
		rc = 0;
	} else if (rc == 0) {
		bi->fstype = dup_value(pr, "TYPE");
		bi->label = dup_value(pr, "LABEL");
		bi->uuid = dup_value(pr, "UUID");
		bi->pttype = dup_value(pr, "PTTYPE");
	} else if (rc == 1) {
		rc = 0;		/* nothing found */
	} else {
		rc = -EIO;
	}
	blkid_free_probe(pr);
	return rc;
}

int brd_wipe_signatures(const char *devpath)
{
	blkid_probe pr;
	int fd, rc = 0, n = 0;

	fd = open(devpath, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	pr = blkid_new_probe();
	if (!pr || blkid_probe_set_device(pr, fd, 0, 0) < 0) {
		rc = pr ? -EIO : -ENOMEM;
		goto out;
	}
	blkid_probe_enable_superblocks(pr, 1);
	blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_MAGIC);
	blkid_probe_enable_partitions(pr, 1);
	blkid_probe_set_partitions_flags(pr, BLKID_PARTS_MAGIC);
	while (blkid_do_probe(pr) == 0) {
		if (blkid_do_wipe(pr, 0) < 0) {
			rc = -EIO;
			break;
		}
		n++;
	}
	if (!rc && fsync(fd) < 0)
		rc = -errno;
out:
	if (pr)
		blkid_free_probe(pr);
	close(fd);
	return rc ? rc : n;
}

void brd_blkinfo_free(struct brd_blkinfo *bi)
{
	free(bi->fstype);
	free(bi->label);
	free(bi->uuid);
	free(bi->pttype);
	memset(bi, 0, sizeof(*bi));
}

static int append(char **list, size_t *len, const char *s, char sep)
{
	size_t l = strlen(s);
	char *n = realloc(*list, *len + l + 2);

	if (!n)
		return -ENOMEM;
	*list = n;
	if (*len)
		n[(*len)++] = sep;
	memcpy(n + *len, s, l + 1);
	*len += l;
	return 0;
}

/* The mount table, parsed once per process (listing many ramdisks must
 * not parse mountinfo again for each); brd_mounts_invalidate() drops it. */
static struct libmnt_table *mount_table;
static int mount_table_err;

void brd_mounts_invalidate(void)
{
	mnt_unref_table(mount_table);
	mount_table = NULL;
	mount_table_err = 0;
}

static struct libmnt_table *mounts(int *err)
{
	char path[4096];

	if (mount_table || mount_table_err) {
		*err = mount_table_err;
		return mount_table;
	}
	if (!brd_root_path(path, sizeof(path), "/proc/self/mountinfo")) {
		*err = mount_table_err = -ENAMETOOLONG;
		return NULL;
	}
	mount_table = mnt_new_table();
	if (!mount_table) {
		*err = -ENOMEM;
		return NULL;
	}
	if (mnt_table_parse_file(mount_table, path) < 0) {
		mount_table_err = errno ? -errno : -EIO;
		brd_mounts_invalidate();
		mount_table_err = *err = mount_table_err;
		return NULL;
	}
	*err = 0;
	return mount_table;
}

struct libmnt_table *brd_mount_table(void)
{
	char path[4096];

	if (!brd_root_path(path, sizeof(path), "/proc/self/mountinfo"))
		return NULL;
	return mnt_new_table_from_file(path);
}

struct libmnt_fs *brd_mounted_on(struct libmnt_table *tb, const char *target)
{
	struct libmnt_iter *itr = mnt_new_iter(MNT_ITER_BACKWARD);
	struct libmnt_fs *fs, *found = NULL;

	while (itr && tb && mnt_table_next_fs(tb, itr, &fs) == 0)
		if (mnt_fs_get_target(fs) && strcmp(mnt_fs_get_target(fs), target) == 0) {
			found = fs;
			break;
		}
	mnt_free_iter(itr);
	return found;
}

char *brd_mountpoints(dev_t devno, int *err)
{
	struct libmnt_table *tb;
	struct libmnt_iter *itr;
	struct libmnt_fs *fs;
	char path[4096];
	char *list = NULL;
	size_t len = 0;
	FILE *f;

	tb = mounts(err);
	itr = mnt_new_iter(MNT_ITER_FORWARD);
	if (!tb || !itr)
		goto out;
	while (mnt_table_next_fs(tb, itr, &fs) == 0)
		if (mnt_fs_get_devno(fs) == devno && mnt_fs_get_target(fs))
			append(&list, &len, mnt_fs_get_target(fs), '\n');

	/* swap areas: /proc/swaps names the device by path */
	if (brd_root_path(path, sizeof(path), "/proc/swaps") && (f = fopen(path, "re"))) {
		char line[4096], dev[4096];
		struct stat st;

		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "%4095s", dev) == 1 && dev[0] == '/' &&
			    stat(dev, &st) == 0 && S_ISBLK(st.st_mode) &&
			    st.st_rdev == devno)
				append(&list, &len, "[SWAP]", '\n');
		fclose(f);
	}
out:
	mnt_free_iter(itr);
	return list;
}

char *brd_openers(dev_t devno)
{
	char *list = NULL;
	size_t len = 0;
	struct dirent *pe, *fe;
	DIR *proc = brd_path_opendir("/proc");

	if (!proc)
		return NULL;
	while ((pe = readdir(proc))) {
		char fdpath[300], entry[600], comm[64] = "?", item[384];
		struct stat st;
		bool found = false;
		DIR *fds;

		if (!isdigit((unsigned char)pe->d_name[0]))
			continue;
		snprintf(fdpath, sizeof(fdpath), "%s/proc/%s/fd",
			 strcmp(brd_root(), "/") ? brd_root() : "", pe->d_name);
		fds = opendir(fdpath);
		if (!fds)
			continue;
		while (!found && (fe = readdir(fds))) {
			if (fe->d_name[0] == '.')
				continue;
			snprintf(entry, sizeof(entry), "%s/%s", fdpath, fe->d_name);
			if (stat(entry, &st) == 0 && S_ISBLK(st.st_mode) &&
			    st.st_rdev == devno)
				found = true;
		}
		closedir(fds);
		if (!found || atoi(pe->d_name) == getpid())
			continue;
		{
			char *c = NULL;

			if (brd_path_read_string(&c, "/proc/%s/comm", pe->d_name) == 0) {
				snprintf(comm, sizeof(comm), "%s", c);
				free(c);
			}
		}
		snprintf(item, sizeof(item), "%s(%s)", pe->d_name, comm);
		append(&list, &len, item, ',');
	}
	closedir(proc);
	return list;
}
