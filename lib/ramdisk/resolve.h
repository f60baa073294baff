/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Resolve a ramdisk as a user names it.  An argument without a '/' is a
 * NAME and must pass the one name rule (brdtab_name_kind(), brdtab.h):
 * "ram3", "ram0p2" or a pooled ramdisk's name, looked up in sysfs and the
 * pools' partition tables only.  An argument with a '/' is a DEVICE PATH:
 * "/dev/ramN" is read as ramN; any other is stat()ed and must be a block
 * device node of a brd disk or of one of its partitions (the node's device
 * number decides, with brd's max_part: minors of major 1 are disk *
 * max_part + partition).
 */
#ifndef BRD_RESOLVE_H
#define BRD_RESOLVE_H

#include "brd.h"

/* 0 and *d filled; -EINVAL a name that breaks the name rule, -ENOENT
 * nothing of that name or path (no such ramdisk), -ENODEV something that
 * is not a brd ramdisk (a block device of another driver, a file), or
 * -errno of stat(). */
int brd_resolve(const char *arg, struct brd_disk *d);

#endif
