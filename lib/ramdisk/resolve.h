/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Resolve a ramdisk as a user names it: "ram3", "/dev/ram3", a pooled
 * ramdisk's name, "ram0p2", or any block device node of a brd disk or of
 * one of its partitions (the node's device number decides, with brd's
 * max_part: minors of major 1 are disk * max_part + partition).
 */
#ifndef BRD_RESOLVE_H
#define BRD_RESOLVE_H

#include "brd.h"

/* 0 and *d filled; -ENOENT no such ramdisk, -ENODEV a block device that
 * is not one, or -errno of stat(). */
int brd_resolve(const char *arg, struct brd_disk *d);

#endif
