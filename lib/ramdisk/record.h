/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The records brdctl keeps under /run/brdctl (below the library root,
 * brd_set_root), one directory per kind, one entry per ramdisk or line
 * NAME, which passes the one name rule (brdtab_name_kind(), brdtab.h):
 *
 *   /run/brdctl/applied/NAME   the brdtab line `apply --only NAME` applied
 *                              (applied.h)
 *   /run/brdctl/dev/NAME       a symbolic link to NAME's device: the What=
 *                              of the mount units brdctl-generator writes
 *   /run/brdctl/image/NAME     the image NAME is persisted to (persist.h)
 *   /run/brdctl/left/ramN      a whole disk `unapply --only` undid but whose
 *                              RAM brd keeps (it cannot discard, Linux <
 *                              6.10, and other lines keep brd loaded): it
 *                              holds nothing of value and does not keep brd
 *                              loaded; unloading brd frees it (applied.h)
 *
 * No two names can meet: a kind is a directory, and a name is an entry in
 * it (a line "x.brdtab" and a line "x" have nothing in common).
 *
 * A record is replaced as a whole: written to a temporary file of a unique
 * name in the same directory ("NAME~" and a unique suffix: no valid name
 * has a '~', so it is never read as a record), then renamed over the
 * record; two writers never share a temporary file, and a reader sees the
 * old record or the new one, never a mixture.  The directories are opened
 * without following links.
 *
 * The flat layout of earlier versions (/run/brdctl/NAME.brdtab, the link
 * /run/brdctl/NAME, /run/brdctl/NAME@image) is migrated, not ignored: the
 * first time a process touches the records, each old entry whose name
 * passes the rule is moved to its kind's directory (a record already there
 * is newer: the old entry is removed), so an upgrade while lines are
 * applied still unapplies and saves them.  Nothing else reads the flat
 * layout.
 */
#ifndef BRD_RECORD_H
#define BRD_RECORD_H

#include <dirent.h>
#include <stddef.h>

#define BRD_RUN_DIR	"/run/brdctl"

enum brd_record_kind {
	BRD_RECORD_APPLIED,	/* applied/ */
	BRD_RECORD_DEV,		/* dev/ */
	BRD_RECORD_IMAGE,	/* image/ */
	BRD_RECORD_LEFT,	/* left/ */
};

/* "/run/brdctl/applied/NAME", for messages (not below the root). */
const char *brd_record_name(enum brd_record_kind kind, const char *name,
			    char *buf, size_t len);

/* Replace record @name of @kind by @text (@len bytes).  -EINVAL: @name
 * breaks the name rule. */
int brd_record_write(enum brd_record_kind kind, const char *name,
		     const char *text, size_t len);
/* Replace the link @name of @kind by a symbolic link to @target. */
int brd_record_link(enum brd_record_kind kind, const char *name,
		    const char *target);
/* The record's text (at most @max bytes, trailing newlines dropped),
 * malloc'd in *text.  -ENOENT: none; -EFBIG: longer than @max. */
int brd_record_read(enum brd_record_kind kind, const char *name, size_t max,
		    char **text);
/* Remove it; a missing record is fine. */
int brd_record_remove(enum brd_record_kind kind, const char *name);
/* The directory of @kind, for listing (NULL with errno ENOENT: none yet);
 * skip entries whose name breaks the rule (temporary files). */
DIR *brd_record_opendir(enum brd_record_kind kind);

#endif
