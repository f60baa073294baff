/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Access to /sys, /dev, /proc and /run through a settable root, so tests
 * can point the library at a fixture tree.  Paths given to these functions
 * are absolute ("/sys/block/ram0/size") and resolved below the root.
 */
#ifndef BRD_SYSFS_H
#define BRD_SYSFS_H

#include <dirent.h>
#include <stdint.h>
#include <sys/types.h>

/* NULL or "/" selects the real system.  Returns 0 or -errno. */
int brd_set_root(const char *root);
/* The current root ("/" by default). */
const char *brd_root(void);
/* Path of @path below the root, in @buf; returns @buf or NULL (-ENAMETOOLONG). */
char *brd_root_path(char *buf, size_t len, const char *path);

int brd_path_open(int flags, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int brd_path_access(int mode, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
DIR *brd_path_opendir(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
/* Read a whole small file; trailing newlines stripped; *res malloc'd. */
int brd_path_read_string(char **res, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int brd_path_read_u64(uint64_t *res, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int brd_path_read_s64(int64_t *res, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Read "MAJ:MIN" (e.g. /sys/block/ram0/dev). */
int brd_path_read_devno(dev_t *res, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int brd_path_write_string(const char *str, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Target of a symlink, NUL-terminated; -errno on error or truncation. */
int brd_path_readlink(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
