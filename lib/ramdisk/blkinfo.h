/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What is on and who uses a block device: libblkid probing, libmount
 * mount points, and processes that hold it open. */
#ifndef BRD_BLKINFO_H
#define BRD_BLKINFO_H

#include <sys/types.h>

struct brd_blkinfo {
	char *fstype;	/* TYPE (filesystem, swap, raid member...) */
	char *label;
	char *uuid;
	char *pttype;	/* partition table type */
};

/* Probe @devpath with libblkid (safe probe).  Fields stay NULL when not
 * found.  Returns 0 or -errno (the device cannot be opened). */
int brd_blkinfo_probe(const char *devpath, struct brd_blkinfo *bi);
void brd_blkinfo_free(struct brd_blkinfo *bi);
/* Erase every filesystem and partition-table signature libblkid finds on
 * @devpath (as wipefs does).  Returns the number erased or -errno. */
int brd_wipe_signatures(const char *devpath);

/* Mount points of @devno (and "[SWAP]"), newline-separated; NULL if none.
 * *err is set to -errno if the mount table cannot be read. */
char *brd_mountpoints(dev_t devno, int *err);
/* Forget the cached mount table (after mounting or unmounting). */
void brd_mounts_invalidate(void);
/* A fresh mount table (/proc/self/mountinfo below the root), NULL if it
 * cannot be read; the caller mnt_unref_table()s it. */
struct libmnt_table;
struct libmnt_fs;
struct libmnt_table *brd_mount_table(void);
/* The top-most filesystem mounted on @target in @tb (may be NULL), or NULL. */
struct libmnt_fs *brd_mounted_on(struct libmnt_table *tb, const char *target);

/* Processes with @devno open ("pid(comm)" comma list), NULL if none.
 * Needs permission to read /proc/PID/fd of others. */
char *brd_openers(dev_t devno);

#endif
