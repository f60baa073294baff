// SPDX-License-Identifier: GPL-2.0-or-later
/* Helpers shared by the ramdisk subcommands. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/sysmacros.h>
#include <libsmartcols.h>

#include "ramdisk.h"
#include "../lib/ramdisk/brdtab.h"
#include "../lib/ramdisk/persist.h"

const struct cmd_column rd_columns[RD_NCOLUMNS] = {
	[COL_NAME]    = { "NAME", 5, 0, SCOLS_JSON_STRING,
			  "ramdisk name (pooled ramdisks: their name)" },
	[COL_TYPE]    = { "TYPE", 4, 0, SCOLS_JSON_STRING,
			  "disk, pool (a pool's whole disk) or pooled" },
	[COL_PATH]    = { "PATH", 10, 0, SCOLS_JSON_STRING, "device node path" },
	[COL_MAJMIN]  = { "MAJ:MIN", 6, 0, SCOLS_JSON_STRING, "major:minor device number" },
	[COL_SIZE]    = { "SIZE", 5, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER, "size of the ramdisk" },
	[COL_ALLOC]   = { "ALLOC", 5, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER,
			  "RAM in use by the ramdisk (unknown without debugfs)" },
	[COL_RO]      = { "RO", 1, SCOLS_FL_RIGHT, SCOLS_JSON_BOOLEAN, "read-only device" },
	[COL_DISCARD] = { "DISCARD", 1, SCOLS_FL_RIGHT, SCOLS_JSON_BOOLEAN,
			  "flush can give the RAM back (kernel >= 6.10)" },
	[COL_FSTYPE]  = { "FSTYPE", 0.1, SCOLS_FL_TRUNC, SCOLS_JSON_STRING, "filesystem type" },
	[COL_LABEL]   = { "LABEL", 0.1, SCOLS_FL_TRUNC, SCOLS_JSON_STRING, "filesystem label" },
	[COL_UUID]    = { "UUID", 36, 0, SCOLS_JSON_STRING, "filesystem UUID" },
	/* paths and lists of names are never cut (libsmartcols cuts a
	 * SCOLS_FL_TRUNC column to the terminal without a mark): a line
	 * longer than the terminal instead */
	[COL_MOUNTPOINTS] = { "MOUNTPOINTS", 0.1, 0, SCOLS_JSON_ARRAY_STRING,
			  "where the ramdisk is mounted" },
	[COL_HOLDERS] = { "HOLDERS", 0.1, 0, SCOLS_JSON_ARRAY_STRING,
			  "devices stacked on the ramdisk (md, dm, ...)" },
	[COL_IMAGE]   = { "IMAGE", 0.1, 0, SCOLS_JSON_STRING,
			  "image it is persisted to (brdtab x-brdctl.persist=)" },
	[COL_SAVED]   = { "SAVED", 25, 0, SCOLS_JSON_STRING,
			  "time of the image's last save (ISO 8601, local)" },
};

int rd_check_names(int argc, const char *const *argv)
{
	for (int i = 0; i < argc; i++)
		if (!strchr(argv[i], '/') && brdtab_name_kind(argv[i]) == BRDTAB_NAME_INVALID)
			return cmd_usage_error("%s: invalid ramdisk name: a name is " BRDTAB_NAME_RULE
					       ", or ramNpM; a device path has a '/' (/dev/ram0)",
					       argv[i]);
	return EXIT_OK;
}

int rd_resolve_error(int rc, const char *arg)
{
	if (rc == -ENOENT)
		return cmd_fail(ENOENT, arg, "no such ramdisk");
	if (rc == -ENODEV)
		return cmd_fail(ENODEV, arg, "not a brd ramdisk");
	return cmd_err(rc, arg, "cannot look up the ramdisk");
}

int rd_lock_error(int lock)
{
	const char *cmd = G.cmdpath;
	size_t n = strlen(G.prog);

	if (strncmp(cmd, G.prog, n) == 0 && cmd[n] == ' ')
		cmd += n + 1;
	if ((lock == -EACCES || lock == -EPERM) && geteuid() != 0)
		return cmd_fail(lock, cmd, "needs root");
	return cmd_err(lock, "/run/brdctl.lock", "cannot take the brdctl lock");
}

/* The record of the ramdisk's image, if it has one (persist.h). */
static void fill_persist(struct rd_info *ri)
{
	char image[4096];
	const char *name = ri->d.label[0] ? ri->d.label : ri->d.name;

	if (brd_persist_lookup(name, image, sizeof(image), &ri->saved_ns) == 0)
		ri->image = strdup(image);
}

void rd_info_fill(struct rd_info *ri, unsigned int what)
{
	int err;

	snprintf(ri->path, sizeof(ri->path), "/dev/%s", ri->d.name);
	memset(&ri->bi, 0, sizeof(ri->bi));
	ri->mounts = ri->holders = ri->image = NULL;
	if (what & RD_PERSIST)
		fill_persist(ri);
	if (what & RD_PROBE)
		brd_blkinfo_probe(ri->path, &ri->bi);
	if (what & RD_MOUNTS)
		ri->mounts = brd_mountpoints(ri->d.devno, &err);
	if ((what & RD_HOLDERS) && ri->d.nholders)
		ri->holders = brd_holders(ri->d.name);
}

void rd_info_free(struct rd_info *ri)
{
	brd_blkinfo_free(&ri->bi);
	free(ri->mounts);
	free(ri->holders);
	free(ri->image);
	ri->mounts = ri->holders = ri->image = NULL;
}

/* Lists are newline-separated for JSON arrays, comma-joined otherwise. */
static int set_list(struct cmd_table *t, struct libscols_line *ln, int col,
		    const char *list, char sep)
{
	char *s;
	int rc;

	if (!list)
		return 0;
	s = strdup(list);
	if (!s)
		return -ENOMEM;
	for (char *p = s; *p; p++)
		if (*p == sep)
			*p = G.json ? '\n' : ',';
	rc = cmd_table_set(t, ln, col, s);
	free(s);
	return rc;
}

int rd_table_add(struct cmd_table *t, const struct rd_info *ri)
{
	struct libscols_line *ln = cmd_table_new_line(t, NULL);
	char mm[32];

	if (!ln)
		return -ENOMEM;
	snprintf(mm, sizeof(mm), "%u:%u", major(ri->d.devno), minor(ri->d.devno));
	cmd_table_set(t, ln, COL_NAME, ri->d.label[0] ? ri->d.label : ri->d.name);
	cmd_table_set(t, ln, COL_TYPE, ri->d.partno ? "pooled" : ri->pool ? "pool" : "disk");
	cmd_table_set(t, ln, COL_PATH, ri->path);
	cmd_table_set(t, ln, COL_MAJMIN, mm);
	cmd_table_set_size(t, ln, COL_SIZE, ri->d.size);
	if (ri->d.pages >= 0)
		cmd_table_set_size(t, ln, COL_ALLOC, brd_pages_bytes(ri->d.pages));
	else if (!G.json)	/* brd counts pages per disk, not per partition */
		cmd_table_set(t, ln, COL_ALLOC, ri->d.partno ? "-" : "unknown");
	cmd_table_set_bool(t, ln, COL_RO, ri->d.ro);
	cmd_table_set_bool(t, ln, COL_DISCARD, ri->d.discard_max > 0);
	cmd_table_set(t, ln, COL_FSTYPE, ri->bi.fstype ? ri->bi.fstype : ri->bi.pttype);
	cmd_table_set(t, ln, COL_LABEL, ri->bi.label);
	cmd_table_set(t, ln, COL_UUID, ri->bi.uuid);
	set_list(t, ln, COL_MOUNTPOINTS, ri->mounts, '\n');
	set_list(t, ln, COL_HOLDERS, ri->holders, ',');
	if (ri->image) {
		char when[64];

		cmd_table_set(t, ln, COL_IMAGE, ri->image);
		if (ri->saved_ns)
			cmd_table_set(t, ln, COL_SAVED, cmd_time_iso(ri->saved_ns, when,
								     sizeof(when)));
	}
	return 0;
}

char *rd_busy_reason(const struct rd_info *ri)
{
	char *s = NULL, *openers;

	if (ri->mounts) {
		char *m = strdup(ri->mounts);

		if (!m)
			return NULL;
		for (char *p = m; *p; p++)
			if (*p == '\n')
				*p = ',';
		if (asprintf(&s, "mounted on %s", m) < 0)
			s = NULL;
		free(m);
		return s;
	}
	if (ri->holders)
		return asprintf(&s, "held by %s", ri->holders) < 0 ? NULL : s;
	openers = brd_openers(ri->d.devno);
	if (openers) {
		if (asprintf(&s, "open by %s", openers) < 0)
			s = NULL;
		free(openers);
	}
	return s;
}

int rd_check_idle(const struct brd_disk *disks, size_t n, const char *why)
{
	int rc, ret = EXIT_OK;

	for (size_t i = 0; i < n; i++) {
		struct brd_disk *parts = NULL;
		size_t np = 0;

		/* the disk itself and each of its partitions */
		brd_list_parts(disks[i].num, &parts, &np);
		for (size_t j = 0; j <= np; j++) {
			struct rd_info ri = { .d = j < np ? parts[j] : disks[i] };
			char *busy;

			rd_info_fill(&ri, RD_ALL);
			busy = rd_busy_reason(&ri);
			if (busy) {
				rc = cmd_fail(EBUSY, ri.path, "in use: %s%s", busy, why ? why : "");
				if (!ret)
					ret = rc;
				free(busy);
			}
			rd_info_free(&ri);
		}
		free(parts);
	}
	return ret;
}

uint64_t rd_add_sat(uint64_t a, uint64_t b)
{
	uint64_t r;

	return __builtin_add_overflow(a, b, &r) ? UINT64_MAX : r;
}

