/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What `brdctl apply --only NAME` set up, kept under /run/brdctl (record.h)
 * so that `brdctl unapply --only NAME` undoes exactly that, even after the
 * line was edited or removed from the brdtab:
 *
 *   /run/brdctl/applied/NAME  the line as applied (one brdtab(5) line, with
 *                             the resolved name), written before anything
 *                             is created
 *   /run/brdctl/dev/NAME      a symbolic link to the ramdisk's device
 *                             (/dev/ram1, /dev/ram0p3): a stable path known
 *                             before the ramdisk exists (What= of the mount
 *                             units brdctl-generator writes; no udev needed)
 *
 * Paths are below the library root (brd_set_root), like /run/brdctl.lock.
 * Every function refuses a NAME that breaks the name rule (-EINVAL).
 */
#ifndef BRD_APPLIED_H
#define BRD_APPLIED_H

#include <stddef.h>

#include "brdtab.h"
#include "record.h"

/* One brdtab line that parses back to @e (quoted fields, resolved name). */
char *brdtab_entry_line(const struct brdtab_entry *e);

/* Record @line as NAME's applied line (atomically, record.h). */
int brd_applied_save(const char *name, const char *line);
/* Point /run/brdctl/dev/NAME at @dev (atomically). */
int brd_applied_link(const char *name, const char *dev);
/* The recorded line of @name (malloc'd), -ENOENT if none. */
int brd_applied_load(const char *name, char **line);
/* Remove the record and the link of @name (missing ones are fine). */
int brd_applied_remove(const char *name);
/* 1 with @other set when a line other than @name is recorded, 0 if none. */
int brd_applied_other(const char *name, char *other, size_t len);

/*
 * Whole disks left to brd (record.h, left/): `unapply --only NAME` undid
 * line NAME but could not give disk @disk's RAM back (no discard) while
 * other lines keep brd loaded.  Such a disk keeps nothing of value; the
 * unapply that unloads brd frees it, and an apply that uses the disk again
 * forgets its mark.  A mark names the disk's diskseq (/sys/block/ramN/
 * diskseq, unique per disk since boot): a disk made again after brd was
 * unloaded some other way is a new disk, not marked.
 */
int brd_left_mark(const char *disk, const char *name);
/* 1 if @disk (as it is now) is marked, 0 if not, -errno. */
int brd_left_marked(const char *disk);
int brd_left_forget(const char *disk);
/* Forget every mark (brd was unloaded).  0 or the first -errno. */
int brd_left_forget_all(void);

#endif
