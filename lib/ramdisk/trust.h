/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Files that root acts on (a brdtab, a persisted image) and directories it
 * mounts on must be changeable only by root, the way sshd's StrictModes
 * treats authorized_keys.  brd_trust_open() opens such a file ONCE, walking
 * its path one component at a time from "/" (a relative path: from the
 * working directory, by its descriptor, whose parents up to "/" are checked
 * as well), and returns the descriptor of what it checked: the caller reads
 * that descriptor, never the path again.
 *
 * The rules, for the real user the process runs as (root; or the calling
 * user when not root: "trusted" below is root or the effective uid):
 *   - every directory looked up in: owned by a trusted uid, and not
 *     writable by group or others -- unless it has the sticky bit (/tmp):
 *     there others cannot rename or remove what they do not own, and what
 *     is looked up in it must itself be owned by a trusted uid;
 *   - a symbolic link: followed only when it is owned by a trusted uid (or
 *     by the owner of its directory); its target is walked by the same
 *     rules (from "/" when absolute), at most 40 links per path;
 *   - the file: a regular file (a directory with O_DIRECTORY), owned by a
 *     trusted uid, not writable by group or others (an ACL that lets
 *     someone write shows as group-writable: its mask is the group bits);
 *   - ".." is the directory's real parent, checked like any other.
 * Each component is opened with O_PATH | O_NOFOLLOW and checked with
 * fstat() on that descriptor; the file itself is then opened relative to
 * its checked directory with O_NOFOLLOW | O_NONBLOCK (cleared again unless
 * asked for: a FIFO is refused before it is opened, and never blocks), and
 * must be the inode that was checked.  Every error refuses.
 */
#ifndef BRD_TRUST_H
#define BRD_TRUST_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct brd_trust {
	char path[4096];	/* the file or directory that failed */
	int is_dir;		/* path is a directory (on the file's path) */
	char why[160];		/* "writable by group and others (mode 0666)",
				 * or strerror() of another error */
	char fix[4200];		/* "chmod go-w /etc/brdtab"; empty when the
				 * failure is not one of trust */
};

/*
 * Open @path for reading with @flags (O_RDONLY, optionally O_DIRECTORY for
 * a directory, O_NONBLOCK, O_NOATIME, O_DIRECT, O_PATH; others: -EINVAL),
 * O_CLOEXEC always.  Returns the descriptor, or:
 *   -EPERM    not trusted: @t->path, why and the fix (a chmod or chown)
 *   -EISDIR   a directory (without O_DIRECTORY); -ENOTDIR the reverse
 *   -EINVAL   not a regular file (FIFO, device, socket): @t->why says which
 *   -ELOOP    more than 40 symbolic links
 *   -ESTALE   the file changed while it was being opened
 *   another -errno of a component (-ENOENT: it does not exist)
 * @t is filled on every error (@t->fix only for -EPERM).
 */
int brd_trust_open(const char *path, int flags, struct brd_trust *t);

/*
 * The same walk for a mount point: every directory on the path of @path
 * must be trusted as above, symbolic links likewise, and @path must be a
 * directory (owned by a trusted uid when its parent is a sticky directory
 * others can write).  With @create, missing directories are made (mkdirat,
 * mode 0755) inside their checked parent; *made (may be NULL) tells whether
 * any was.  Returns an O_PATH descriptor of the mount point, or -errno as
 * for brd_trust_open (-ENOENT: missing, without @create).  Nobody but a
 * trusted user can then redirect the path before it is mounted on.
 */
int brd_trust_mountpoint(const char *path, bool create, struct brd_trust *t,
			 bool *made);

#endif
