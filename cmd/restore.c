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
#include <unistd.h>

#include "ramdisk.h"
#include "../lib/ramdisk/persist.h"
#include "../lib/ramdisk/trust.h"

static int opt_force;

static const struct poptOption restore_options[] = {
	{ "force", '\0', POPT_ARG_NONE, &opt_force, 0,
	  "restore an image that a user other than root can change (with a warning)",
	  NULL },
	POPT_TABLEEND
};

static int image_error(int rc, const char *image)
{
	if (rc == -EBADMSG)
		return cmd_fail(rc, image, "not a brdctl image, or damaged");
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
		return cmd_fail(ENOENT, arg, "no such ramdisk (and not a name to create: "
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
		return cmd_fail(rc, path, "in use: not restored");
	case EBADMSG:
		return cmd_fail(rc, image, "the content does not match its checksum: "
				"not restored");
	default:
		return cmd_err(rc, path, "cannot restore %s", image);
	}
}

/* The image open on @ifd (named @image) into ramdisk @arg. */
static int restore_fd(int ifd, const char *image, const char *arg)
{
	struct brd_image_info info;
	char path[64], *abs;
	bool created = false, loaded = false;
	const char *name;
	struct brd_disk d;
	int rc, lock;

	if ((rc = brd_image_read_info_fd(ifd, image, &info)))
		return image_error(rc, image);
	rc = brd_resolve(arg, &d);
	if (rc == -ENOENT) {
		if ((rc = create_for(arg, &info, &loaded, &d)))
			return rc;
		if (G.dry_run) {	/* the fill that follows the create */
			printf("restore %s into %s%s\n", image,
			       strncmp(arg, "/dev/", 5) && !brd_parse_name(arg, &(unsigned int){ 0 }) ?
			       "/dev/" : "", arg);
			return EXIT_OK;
		}
		created = true;
	} else if (rc) {
		return rd_resolve_error(rc, arg);
	}
	if (!d.partno && rd_is_pool_disk(&d))
		return cmd_fail(EBUSY, arg, "is the whole disk of a pool; "
			       "restore into a pooled ramdisk by name");
	name = rd_persist_name(&d, path, sizeof(path));
	if (G.dry_run) {
		printf("restore %s into %s\n", image, path);
		return EXIT_OK;
	}
	if ((lock = brd_lock(RD_LOCK_TIMEOUT_MS)) < 0)
		return rd_lock_error(lock);
	/* The undo of a ramdisk restore created removes it with all its RAM
	 * when restore loaded brd (unload), or for a pooled ramdisk where brd
	 * can discard (the pages it wrote are freed; 6.1 cannot): then the
	 * image is verified while it is written.  Else (a whole disk next to
	 * others stays, blank; a pool keeps what was written) it is written
	 * only once the image is verified. */
	rc = brd_image_restore_fd(ifd, image, path,
			       created && (loaded || (d.partno && d.discard_max)) ?
			       BRD_RESTORE_UNDO_REMOVES : 0, &info);
	if (rc) {
		brd_unlock(lock);
		rc = restore_error(rc, image, path, &d, &info);
		if (created)
			uncreate(&d, loaded);
		return rc;
	}
	cmd_verbose("%s: restored from %s: %" PRIu64 " data pages", path, image,
		    info.data_pages);
	abs = realpath(image, NULL);
	/* still under the lock: remove (which forgets it) waits */
	rc = brd_persist_record(name, abs ? abs : image, info.saved_ns);
	brd_unlock(lock);
	free(abs);
	if (rc)
		return cmd_err(rc, name, "restored, but cannot record its image");
	return EXIT_OK;
}

static int do_restore(const struct brd_cmd *cmd, int argc, const char **argv)
{
	struct brd_trust t;
	char *msg;
	int rc, ifd;

	(void)cmd;
	if (argc != 2)
		return cmd_usage_error(argc > 2 ? "too many arguments" :
				       "IMAGE and RAMDISK are both needed");
	if ((rc = rd_check_names(1, argv + 1)))
		return rc;
	/* opened once, under StrictModes (trust.h); that descriptor is read */
	ifd = brd_image_open(argv[0], opt_force ? BRD_IMAGE_UNTRUSTED : 0, &t);
	if (ifd == -EPERM && t.fix[0] && (msg = brd_image_trust_msg(argv[0], &t))) {
		fprintf(stderr, "%s: %s (--force restores it anyway)\n", G.prog, msg);
		free(msg);
		return EXIT_PERM;
	}
	if (ifd == -EINVAL) {
		cmd_err(0, argv[0], "%s: not restored", t.why);
		return EXIT_USAGE;
	}
	if (ifd < 0)
		return image_error(ifd, argv[0]);
	if (t.fix[0])
		cmd_warnx("%s: restoring it anyway (--force): %s%s is %s; whoever can "
			  "change it chooses what root mounts (%s)", argv[0],
			  t.is_dir ? "directory " : "", t.path, t.why, t.fix);
	rc = restore_fd(ifd, argv[0], argv[1]);
	close(ifd);
	return rc;
}

const struct brd_cmd cmd_restore = {
	.name = "restore",
	.fn = do_restore,
	.options = restore_options,
	.synopsis = "[options] IMAGE RAMDISK",
	.summary = "Fill a blank ramdisk (created if missing) from an image file",
	.help_tail = "The image is verified against its checksum before anything is "
		     "written; a ramdisk that holds data or has another size is refused.",
	.flags = CMD_DRYRUN,
};
