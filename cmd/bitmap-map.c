// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * brdctl bitmap map FILE: the file's block map (FIEMAP, FIBMAP), the block
 * device that holds it, and the verdict: can brdctl write this file
 * through its block addresses, and if not, every reason.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>

#include "cmd.h"
#include "bitmap-cmds.h"
#include "../lib/md/blockmap.h"

static int opt_no_sync, opt_check;

static const struct poptOption map_options[] = {
	{ "no-sync", '\0', POPT_ARG_NONE, &opt_no_sync, 0,
	  "map the file as it is now (no fsync, no FIEMAP_FLAG_SYNC); writes "
	  "always sync first", NULL },
	{ "check", '\0', POPT_ARG_NONE, &opt_check, 0,
	  "exit with the status a write would have when it is refused", NULL },
	POPT_TABLEEND
};

/* Exit status of a refusal: 4 if every reason is "busy" (md array, the
 * kernel refusing a write-open), 6 if every reason is a permission
 * problem, 5 otherwise.  Also used by bitmap-write.c. */
int bitmap_refusal_status(const struct brd_blockmap *m)
{
	bool busy = true, perm = true;

	if (!m->nreasons)
		return EXIT_OK;
	for (size_t i = 0; i < m->nreasons; i++) {
		const struct brd_bm_reason *r = &m->reasons[i];
		bool b = r->why == BRD_BMW_MDINUSE ||
			 (r->why == BRD_BMW_DEVOPEN && r->err == EBUSY);
		bool p = r->why == BRD_BMW_DEVOPEN &&
			 (r->err == EACCES || r->err == EPERM || r->err == EROFS);

		busy &= b;
		perm &= p;
	}
	return busy ? EXIT_BUSY : perm ? EXIT_PERM : EXIT_NOTSUP;
}

static const char *source_name(int s)
{
	return s == BRD_BM_SRC_FIEMAP ? "FIEMAP" :
	       s == BRD_BM_SRC_FIBMAP ? "FIBMAP" : "none";
}

/* ------------------------------------------------------------- JSON --- */

static void json_extents(struct cmd_json *j, const struct brd_blockmap *m)
{
	char flags[128];

	cmd_json_open(j, "extents", '[');
	for (size_t i = 0; i < m->next; i++) {
		const struct brd_extent *e = &m->ext[i];

		cmd_json_open(j, NULL, '{');
		cmd_json_u64(j, "logical", e->logical);
		cmd_json_u64(j, "physical", e->physical);
		cmd_json_u64(j, "length", e->length);
		cmd_json_str(j, "flags", brd_extent_flags_str(e->flags, flags,
							      sizeof(flags)));
		cmd_json_close(j, '}');
	}
	cmd_json_close(j, ']');
}

static void json_reasons(struct cmd_json *j, const struct brd_blockmap *m)
{
	cmd_json_open(j, "reasons", '[');
	for (size_t i = 0; i < m->nreasons; i++) {
		const struct brd_bm_reason *r = &m->reasons[i];

		cmd_json_open(j, NULL, '{');
		cmd_json_str(j, "code", brd_bm_why_name(r->why));
		if (r->why == BRD_BMW_FLAG)
			cmd_json_str(j, "flag", brd_extent_flag_name(r->flag));
		cmd_json_str(j, "reason", r->text);
		cmd_json_close(j, '}');
	}
	cmd_json_close(j, ']');
}

static void print_json(const struct brd_blockmap *m)
{
	struct cmd_json j;
	char devno[32];

	snprintf(devno, sizeof(devno), "%u:%u", major(m->dev), minor(m->dev));
	cmd_json_begin(&j, stdout);
	cmd_json_open(&j, "blockmap", '{');
	cmd_json_str(&j, "file", m->path);
	cmd_json_u64(&j, "size", m->size);
	cmd_json_u64(&j, "block-size", m->blksz);
	cmd_json_str(&j, "fstype", m->fstype);
	cmd_json_str(&j, "mountpoint", m->mountpoint);
	cmd_json_str(&j, "devno", devno);
	cmd_json_str(&j, "device", m->devnode);
	if (m->dev_lbs) {
		cmd_json_u64(&j, "device-size", m->dev_size);
		cmd_json_u64(&j, "logical-block-size", m->dev_lbs);
	} else {	/* the device could not be opened: unknown, not 0 */
		cmd_json_str(&j, "device-size", NULL);
		cmd_json_str(&j, "logical-block-size", NULL);
	}
	cmd_json_bool(&j, "synced", m->synced);
	cmd_json_str(&j, "source", source_name(m->source));
	cmd_json_bool(&j, "fibmap-checked", m->fibmap == 1);
	cmd_json_u64(&j, "fibmap-blocks", m->fibmap_blocks);
	cmd_json_str(&j, "md-array", m->md_user);
	json_extents(&j, m);
	cmd_json_bool(&j, "writable", brd_blockmap_writable(m));
	json_reasons(&j, m);
	cmd_json_close(&j, '}');
	cmd_json_end(&j);
}

/* ------------------------------------------------------------- text --- */

static void print_text(const struct brd_blockmap *m)
{
	char flags[128];

	printf("File:         %s\n", m->path);
	printf("Size:         %" PRIu64 " bytes, %" PRIu32 "-byte blocks\n",
	       m->size, m->blksz);
	printf("Filesystem:   %s%s%s\n", m->fstype ? m->fstype : "unknown",
	       m->mountpoint ? " on " : "", m->mountpoint ? m->mountpoint : "");
	if (m->devnode && m->dev_lbs)
		printf("Device:       %s (%u:%u), %" PRIu64 " bytes, %" PRIu32
		       "-byte logical blocks\n", m->devnode, major(m->dev),
		       minor(m->dev), m->dev_size, m->dev_lbs);
	else if (m->devnode)	/* not opened (the verdict says why) */
		printf("Device:       %s (%u:%u), size unknown, logical block "
		       "size unknown\n", m->devnode, major(m->dev), minor(m->dev));
	else
		printf("Device:       %u:%u (no block device node)\n",
		       major(m->dev), minor(m->dev));
	printf("Map:          %s%s", source_name(m->source),
	       m->synced ? " (after fsync)" : " (not synced)");
	if (m->fibmap == 1)
		printf(", FIBMAP cross-checked %" PRIu64 " block%s",
		       m->fibmap_blocks, m->fibmap_blocks == 1 ? "" : "s");
	else if (m->fibmap < 0)
		printf(", no FIBMAP cross-check (%s)", strerror(-m->fibmap));
	putchar('\n');
	if (m->md_user)
		printf("md array:     %s\n", m->md_user);
	if (m->next) {
		printf("%4s %14s %14s %12s  %s\n", "EXT", "LOGICAL", "PHYSICAL",
		       "LENGTH", "FLAGS");
		for (size_t i = 0; i < m->next; i++) {
			const struct brd_extent *e = &m->ext[i];

			printf("%4zu %14" PRIu64 " %14" PRIu64 " %12" PRIu64
			       "  %s\n", i, e->logical, e->physical, e->length,
			       brd_extent_flags_str(e->flags, flags,
						    sizeof(flags)));
		}
	}
	if (brd_blockmap_writable(m)) {
		printf("Verdict:      writable through its blocks\n");
		return;
	}
	printf("Verdict:      not writable through its blocks:\n");
	for (size_t i = 0; i < m->nreasons; i++)
		printf("  %s: %s\n", brd_bm_why_name(m->reasons[i].why),
		       m->reasons[i].text);
}

static int do_map(const struct brd_cmd *cmd, int argc, const char **argv)
{
	struct brd_blockmap m;
	int rc;

	(void)cmd;
	if (argc != 1)
		return cmd_usage_error(argc ? "too many arguments"
					    : "no file given");
	rc = brd_blockmap_build(&m, argv[0], opt_no_sync ? BRD_BM_NOSYNC : 0);
	if (rc) {
		brd_blockmap_free(&m);
		return cmd_err(rc, argv[0], "cannot map");
	}
	if (G.json)
		print_json(&m);
	else
		print_text(&m);
	rc = opt_check ? bitmap_refusal_status(&m) : EXIT_OK;
	brd_blockmap_free(&m);
	return rc;
}

const struct brd_cmd cmd_bitmap_map = {
	.name = "map",
	.fn = do_map,
	.options = map_options,
	.synopsis = "[options] <file>",
	.summary = "Show a file's block map and whether it can be written "
		   "through its blocks",
	.help_tail =
		"The extents come from FIEMAP (after an fsync), cross-checked block by\n"
		"block with FIBMAP when privileged (CAP_SYS_RAWIO).  The verdict lists\n"
		"every reason why bitmap set/clear/update/write would refuse the file.\n"
		"Exit status is 0 when the map was shown; with --check, the status a\n"
		"write would have: 5 not supported, 4 busy, 6 permission.\n",
	.flags = CMD_JSON,
};
