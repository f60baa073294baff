/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A configuration that root acts on must be changeable only by root (the
 * way sshd's StrictModes treats authorized_keys): the file and every
 * directory on its path (as given and after resolving symbolic links) must
 * be owned by root (or by the calling user, when not root) and not writable
 * by group or others.  A directory writable by others is accepted only with
 * the sticky bit and a trusted owner (/tmp): others cannot replace a file
 * in it that they do not own.
 */
#ifndef BRD_TRUST_H
#define BRD_TRUST_H

#include <stddef.h>

struct brd_trust {
	char path[4096];	/* the file or directory that failed */
	int is_dir;		/* path is a directory on the file's path */
	char why[160];		/* "writable by group and others (mode 0666)" */
	char fix[4200];		/* "chmod go-w /etc/brdtab" */
};

/*
 * 0 when @path is trusted; -EPERM with @t filled when not; another -errno
 * when a component cannot be examined (@t->path names it).
 */
int brd_trusted_file(const char *path, struct brd_trust *t);

#endif
