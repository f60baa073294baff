// SPDX-License-Identifier: GPL-2.0-or-later
/* From what a user types to a brd disk or pooled ramdisk.  See resolve.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "../base/sysfs.h"
#include "brd.h"
#include "brdtab.h"
#include "pool.h"
#include "resolve.h"

/* A partition of a brd disk with device number @devno. */
static int find_part_devno(dev_t devno, struct brd_disk *d)
{
	struct brd_disk *disks, *parts;
	size_t n, np;
	int rc = brd_list(&disks, &n);

	if (rc)
		return rc;
	rc = -ENODEV;
	for (size_t i = 0; i < n && rc; i++) {
		if (brd_list_parts(disks[i].num, &parts, &np))
			continue;
		for (size_t j = 0; j < np; j++)
			if (parts[j].devno == devno) {
				*d = parts[j];
				rc = 0;
				break;
			}
		free(parts);
	}
	free(disks);
	return rc;
}

/* -ENOENT of a lookup by name: -ENODEV if the kernel has a block device
 * of that name all the same (ram9 of another driver, sda). */
static int name_not_found(const char *arg)
{
	const char *name = strncmp(arg, "/dev/", 5) == 0 ? arg + 5 : arg;

	if (strchr(name, '/') == NULL &&
	    (brd_path_access(F_OK, "/sys/class/block/%s", name) == 0 ||
	     brd_path_access(F_OK, "/sys/block/%s", name) == 0))
		return -ENODEV;
	return -ENOENT;
}

int brd_resolve(const char *arg, struct brd_disk *d)
{
	struct brd_module m;
	unsigned int num;
	struct stat st;
	int rc;

	if (!strchr(arg, '/') && brdtab_name_kind(arg) == BRDTAB_NAME_INVALID)
		return -EINVAL;		/* a name, and not a valid one */
	if (brd_parse_name(arg, &num) == 0) {
		rc = brd_get(num, d);
		return rc == -ENOENT ? name_not_found(arg) : rc;
	}
	if (strchr(arg, '/') == NULL || strncmp(arg, "/dev/ram", 8) == 0) {
		/* a pooled ramdisk's name, or ramNpM */
		rc = brd_find_part(arg, d);
		if (rc != -ENOENT || strchr(arg, '/') == NULL)
			return rc == -ENOENT ? name_not_found(arg) : rc;
	}
	if (stat(arg, &st) < 0)
		return errno == ENOTDIR ? -ENOENT : -errno;
	if (!S_ISBLK(st.st_mode))
		return -ENODEV;
	if (major(st.st_rdev) != BRD_MAJOR)
		return find_part_devno(st.st_rdev, d);
	if (brd_module_get(&m) || m.state == BRD_MODULE_ABSENT)
		return -ENOENT;
	if (!m.max_part)
		m.max_part = 1;
	/* with max_part > 1 the first partitions share major 1 */
	if (minor(st.st_rdev) % m.max_part)
		return find_part_devno(st.st_rdev, d);
	rc = brd_get(minor(st.st_rdev) / (unsigned int)m.max_part, d);
	if (!rc && d->devno != st.st_rdev)
		rc = -ENODEV;
	return rc;
}

