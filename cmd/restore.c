// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * brdctl restore IMAGE RAMDISK: fill a blank ramdisk of the image's size
 * with the image's content, creating it first (as `create` would) when it
 * does not exist.  The image is verified by brd_image_restore while it
 * holds the ramdisk: before anything is written into a ramdisk that
 * existed, while writing into one that restore created and removes again
 * on a failure; every refusal leaves ramdisk and image as they were, and a
 * ramdisk created for a restore that fails, e.g. of a corrupt image, is
 * removed again (lib/ramdisk/persist.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ramdisk.h"
#include "../lib/ramdisk/persist.h"

static int image_error(int rc, const char *image)
{
	if (rc == -EBADMSG)
		return cmd_err(rc, image, "not a brdctl image, or damaged");
	return cmd_err(rc, image, "cannot read the image");
}

/* RAMDISK does not exist: create it with the image's size. */
static int create_for(const char *arg, struct brd_image_info *info, bool *loaded,
		      struct brd_disk *d)
{
	struct rd_create_opts o = { .timeout_ms = RD_LOCK_TIMEOUT_MS };
	const char *name = strncmp(arg, "/dev/", 5) ? arg : arg + 5;
	struct brd_module m;
	unsigned int num;
	char *path = NULL;
	int rc;

	if (brd_parse_name(name, &num) && !brd_pool_name_valid(name))
		return cmd_err(ENOENT, arg, "no such ramdisk (and not a name to create: "
			       "ramN or a pooled ramdisk name)");
	if (G.dry_run) {
		printf("create %s of %" PRIu64 " bytes\n", name, info->size);
		return EXIT_OK;
	}
	*loaded = brd_module_get(&m) == 0 && m.state == BRD_MODULE_ABSENT;
	if ((rc = rd_create_one(name, info->size, &o, &path)))
		return rc;
	free(path);
	if ((rc = brd_resolve(name, d)))
		return cmd_err(rc, name, "created, but cannot find it");
	return EXIT_OK;
}

/* Undo create_for() after a failed restore (which left the ramdisk
 * blank: there is no RAM to give back). */
static void uncreate(const struct brd_disk *d, bool loaded)
{
	char pool[64];
	int rc;

	if (loaded) {		/* brd, and the pool if any, are restore's own */
		if ((rc = brd_module_unload(3000)))
			cmd_err(rc, "brd", "cannot unload the module it loaded");
	} else if (d->partno) {
		snprintf(pool, sizeof(pool), "/dev/ram%u", d->num);
		if ((rc = brd_pool_delete(pool, d->partno)))
			cmd_err(rc, d->label[0] ? d->label : d->name,
				"cannot remove the pooled ramdisk it created");
	} else {
		cmd_warnx("%s: left blank: brd cannot remove a single whole-disk ramdisk",
			  d->name);
	}
}

static int restore_error(int rc, const char *image, const char *path,
			 const struct brd_disk *d, const struct brd_image_info *info)
{
	switch (-rc) {
	case EMSGSIZE:
		cmd_err(0, path, "%" PRIu64 " bytes, the image %" PRIu64 ": not restored",
			d->size, info->size);
		return EXIT_BUSY;
	case ENOTEMPTY:
		cmd_err(0, path, "holds data: not restored (only a blank ramdisk is filled)");
		return EXIT_BUSY;
	case EBUSY:
		return cmd_err(rc, path, "in use: not restored");
	case EBADMSG:
		return cmd_err(rc, image, "the content does not match its checksum: "
			       "not restored");
	default:
		return cmd_err(rc, path, "cannot restore %s", image);
	}
}

static int do_restore(const struct brd_cmd *cmd, int argc, const char **argv)
{
	struct brd_image_info info;
	char path[64], *abs;
	bool created = false, loaded = false;
	const char *name;
	struct brd_disk d;
	int rc, lock;

	(void)cmd;
	if (argc != 2)
		return cmd_usage_error(argc > 2 ? "too many arguments" :
				       "IMAGE and RAMDISK are both needed");
	if ((rc = brd_image_read_info(argv[0], &info)))
		return image_error(rc, argv[0]);
	rc = brd_resolve(argv[1], &d);
	if (rc == -ENOENT) {
		if ((rc = create_for(argv[1], &info, &loaded, &d)) || G.dry_run)
			return rc;
		created = true;
	} else if (rc) {
		return cmd_err(rc, argv[1], "not a brd ramdisk");
	}
	if (!d.partno && rd_is_pool_disk(&d))
		return cmd_err(EBUSY, argv[1], "is the whole disk of a pool; "
			       "restore into a pooled ramdisk by name");
	name = rd_persist_name(&d, path, sizeof(path));
	if (G.dry_run) {
		printf("restore %s into %s\n", argv[0], path);
		return EXIT_OK;
	}
	if ((lock = brd_lock(RD_LOCK_TIMEOUT_MS)) < 0)
		return cmd_err(lock, "/run/brdctl.lock", "cannot take the brdctl lock");
	/* The undo of a ramdisk restore created removes it with all its RAM
	 * when restore loaded brd (unload), or for a pooled ramdisk where brd
	 * can discard (the pages it wrote are freed; 6.1 cannot): then the
	 * image is verified while it is written.  Else (a whole disk next to
	 * others stays, blank; a pool keeps what was written) it is written
	 * only once the image is verified. */
	rc = brd_image_restore(argv[0], path,
			       created && (loaded || (d.partno && d.discard_max)) ?
			       BRD_RESTORE_UNDO_REMOVES : 0, &info);
	brd_unlock(lock);
	if (rc) {
		rc = restore_error(rc, argv[0], path, &d, &info);
		if (created)
			uncreate(&d, loaded);
		return rc;
	}
	cmd_verbose("%s: restored from %s: %" PRIu64 " data pages", path, argv[0],
		    info.data_pages);
	abs = realpath(argv[0], NULL);
	rc = brd_persist_record(name, abs ? abs : argv[0], info.saved_ns);
	free(abs);
	if (rc)
		return cmd_err(rc, name, "restored, but cannot record its image");
	return EXIT_OK;
}

const struct brd_cmd cmd_restore = {
	.name = "restore",
	.fn = do_restore,
	.synopsis = "[options] IMAGE RAMDISK",
	.summary = "Fill a blank ramdisk (created if missing) from an image file",
	.help_tail = "The image is verified against its checksum before anything is "
		     "written; a ramdisk that holds data or has another size is refused.",
	.flags = CMD_DRYRUN,
};
