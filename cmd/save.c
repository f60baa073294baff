// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * brdctl save [--force] RAMDISK [IMAGE]: copy a ramdisk to an image file,
 * sparse and atomically, its mounted filesystem frozen for the copy
 * (lib/ramdisk/persist.h, docs/persist.md).  IMAGE omitted: the image
 * recorded for RAMDISK by its last save or restore.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ramdisk.h"
#include "../lib/ramdisk/persist.h"

static int opt_force;

static const struct poptOption save_options[] = {
	{ "force", '\0', POPT_ARG_NONE, &opt_force, 0,
	  "copy a ramdisk that is open and cannot be frozen (the image may be "
	  "inconsistent)", NULL },
	POPT_TABLEEND
};

const char *rd_persist_name(struct brd_disk *d, char *path, size_t len)
{
	if (d->partno && !d->label[0])
		brd_label_parts(d->num, d, 1);
	snprintf(path, len, "/dev/%s", d->name);
	return d->partno && d->label[0] ? d->label : d->name;
}

static int save_error(int rc, const char *dev, const char *image)
{
	if (rc == -EBUSY) {
		cmd_err(0, dev, "in use and cannot be frozen: not saved "
			"(--force copies it anyway)");
		return EXIT_BUSY;
	}
	if (rc == -EINVAL) {
		cmd_err(0, image, "cannot be on the ramdisk it saves");
		return EXIT_USAGE;
	}
	return cmd_err(rc, image, "cannot save %s", dev);
}

/* Is @arg still the ramdisk @d was (same device, place, size and name)? */
static bool same_ramdisk(const char *arg, const struct brd_disk *d)
{
	struct brd_disk now;

	if (brd_resolve(arg, &now))
		return false;
	if (now.partno && !now.label[0])
		brd_label_parts(now.num, &now, 1);
	return now.devno == d->devno && now.start == d->start && now.size == d->size &&
	       !strcmp(now.label, d->label);
}

/*
 * Record @image for @name, under the brdctl lock: remove forgets the record
 * under it, and a save that finished after a remove must not write it back
 * (a new ramdisk of the name would then be saved over the image).  The copy
 * itself runs without the lock (the ramdisk is held open exclusively).
 * An exit status.
 */
static int record_saved(const char *arg, const struct brd_disk *d, const char *name,
			const char *image, bool recorded, const struct brd_image_info *info)
{
	char *abs = realpath(image, NULL), now[PATH_MAX];
	int lock, rc;

	if ((lock = brd_lock(RD_LOCK_TIMEOUT_MS)) < 0) {
		free(abs);
		return cmd_err(lock, "/run/brdctl.lock", "saved to %s, but cannot take the "
			       "brdctl lock to record it", image);
	}
	if (!same_ramdisk(arg, d) ||
	    (recorded && (brd_persist_lookup(name, now, sizeof(now), NULL) ||
			  strcmp(now, image)))) {
		brd_unlock(lock);
		free(abs);
		cmd_warnx("%s: saved to %s, not recorded: the ramdisk was removed or "
			  "its record changed meanwhile", arg, image);
		return EXIT_OK;
	}
	rc = brd_persist_record(name, abs ? abs : image, info->saved_ns);
	brd_unlock(lock);
	free(abs);
	if (rc)
		return cmd_err(rc, name, "saved, but cannot record its image");
	return EXIT_OK;
}

static int do_save(const struct brd_cmd *cmd, int argc, const char **argv)
{
	char path[64], recorded[PATH_MAX];
	struct brd_image_info info;
	const char *image = argc > 1 ? argv[1] : NULL, *name;
	struct brd_disk d;
	int rc;

	(void)cmd;
	if (argc < 1 || argc > 2)
		return cmd_usage_error(argc ? "too many arguments" :
				       "no ramdisk given (RAMDISK [IMAGE])");
	if ((rc = rd_check_names(1, argv)))
		return rc;
	if ((rc = brd_resolve(argv[0], &d)))
		return rd_resolve_error(rc, argv[0]);
	if (!d.partno && rd_is_pool_disk(&d))
		return cmd_fail(EBUSY, argv[0], "is the whole disk of a pool; "
			       "save its pooled ramdisks by name");
	name = rd_persist_name(&d, path, sizeof(path));
	if (!image) {
		rc = brd_persist_lookup(name, recorded, sizeof(recorded), NULL);
		if (rc == -ENOENT)
			return cmd_usage_error("%s: no image recorded for it: give IMAGE",
					       argv[0]);
		if (rc)
			return cmd_err(rc, argv[0], "cannot read its recorded image");
		image = recorded;
	}
	if (G.dry_run) {
		printf("save %s to %s\n", path, image);
		return EXIT_OK;
	}
	rc = brd_image_save(path, name, image,
			    opt_force ? BRD_SAVE_FORCE : 0, &info);
	if (rc)
		return save_error(rc, path, image);
	cmd_verbose("%s: saved to %s: %" PRIu64 " bytes, %" PRIu64 " data pages, "
		    "checksum %016" PRIx64, path, image, info.size, info.data_pages,
		    info.csum);
	return record_saved(argv[0], &d, name, image, image == recorded, &info);
}

const struct brd_cmd cmd_save = {
	.name = "save",
	.fn = do_save,
	.options = save_options,
	.synopsis = "[options] RAMDISK [IMAGE]",
	.summary = "Save a ramdisk's content to an image file (sparse, atomic)",
	.help_tail = "A mounted filesystem is frozen for the copy. IMAGE defaults to "
		     "the image of RAMDISK's last save or restore.",
	.flags = CMD_DRYRUN,
};
