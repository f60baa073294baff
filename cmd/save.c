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

/* RAMDISK @arg to @image (NULL: its recorded image), under the lock */
static int save_locked(const char *arg, const char *image)
{
	char path[64], recorded[PATH_MAX], *abs;
	struct brd_image_info info;
	const char *name;
	struct brd_disk d;
	int rc;

	if ((rc = brd_resolve(arg, &d)))
		return cmd_err(rc, arg, "not a brd ramdisk");
	if (!d.partno && rd_is_pool_disk(&d))
		return cmd_err(EBUSY, arg, "is the whole disk of a pool; "
			       "save its pooled ramdisks by name");
	name = rd_persist_name(&d, path, sizeof(path));
	if (!image) {
		rc = brd_persist_lookup(name, recorded, sizeof(recorded), NULL);
		if (rc == -ENOENT)
			return cmd_usage_error("%s: no image recorded for it: give IMAGE",
					       arg);
		if (rc)
			return cmd_err(rc, arg, "cannot read its recorded image");
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
	abs = realpath(image, NULL);
	rc = brd_persist_record(name, abs ? abs : image, info.saved_ns);
	free(abs);
	if (rc)
		return cmd_err(rc, name, "saved, but cannot record its image");
	return EXIT_OK;
}

static int do_save(const struct brd_cmd *cmd, int argc, const char **argv)
{
	int rc, lock = -1;

	(void)cmd;
	if (argc < 1 || argc > 2)
		return cmd_usage_error(argc ? "too many arguments" :
				       "no ramdisk given (RAMDISK [IMAGE])");
	if ((rc = rd_check_names(1, argv)))
		return rc;
	/* the lock: a save races with unapply's save of the same line, and
	 * with remove, which forgets the record save writes */
	if (!G.dry_run && (lock = brd_lock(RD_LOCK_TIMEOUT_MS)) < 0)
		return cmd_err(lock, "/run/brdctl.lock", "cannot take the brdctl lock");
	rc = save_locked(argv[0], argv[1]);
	brd_unlock(lock);
	return rc;
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
