/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * brdtab(5) lines as systemd units (brdctl-generator), and the selection of
 * one line (brdctl apply/unapply --only NAME).
 *
 * Per line NAME (the resolved name: ram3, cache, srv-db-tmp):
 *   brdctl-setup@NAME.service.d/50-brdtab.conf
 *       a drop-in for the instance of the shipped template
 *       brdctl-setup@.service (`brdctl apply --only NAME`, and
 *       `brdctl unapply --only NAME` when it stops or fails): description
 *       naming the line, Before=local-fs.target, RequiresMountsFor= the
 *       directory above the mount point
 *       and, for a line with x-brdctl.persist=, RequiresMountsFor= the
 *       image's directory (and Wants= its timer)
 *   brdctl-save@NAME.timer  (x-brdctl.persist-every=SPAN) OnActiveSec= and
 *       OnUnitActiveSec= SPAN, BindsTo= and After= the setup unit: starts
 *       the shipped brdctl-save@.service while the line is up
 *   local-fs.target.wants/brdctl-setup@NAME.service
 *       (Wants=, not Requires=: a failed line does not fail the boot)
 * and, for a line with a mount point:
 *   ESCAPED.mount (e.g. srv-db-tmp.mount) with What=/run/brdctl/dev/NAME,
 *       Requires= and After= the setup unit, so that RequiresMountsFor= of
 *       other units works and at shutdown the mount is stopped after the
 *       units that use it and before the setup unit frees the ramdisk
 *   local-fs.target.wants/ESCAPED.mount
 */
#ifndef BRD_BRDUNIT_H
#define BRD_BRDUNIT_H

#include "brdtab.h"

#define BRD_SETUP_TEMPLATE	"brdctl-setup@.service"

/* systemd's name for path @path with @suffix ("/srv/db/tmp", ".mount" ->
 * "srv-db-tmp.mount"; other characters than [A-Za-z0-9:_.] as \xHH).
 * malloc'd, NULL on ENOMEM. */
char *brd_unit_name_from_path(const char *path, const char *suffix);

/*
 * Keep only the entry named @name (its resolved name) and the errors of its
 * line and of the whole file (line 0).  -ENOENT if no line has that name
 * (nothing changed), else 0.
 */
int brdtab_select(struct brdtab *tab, const char *name);

/* Move the entries of @src other than @skip (may be NULL) to the end of
 * @dst; @src keeps the rest.  0 or -ENOMEM. */
int brdtab_take(struct brdtab *dst, struct brdtab *src, const char *skip);

/* Write the units of every named entry of @tab below @dir (which exists).
 * @source: the brdtab path for SourcePath= and descriptions.  0 or -errno
 * (detail logged). */
int brdtab_write_units(const struct brdtab *tab, const char *dir,
		       const char *source);

#endif
