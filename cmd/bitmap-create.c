// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * brdctl bitmap create: write a new md bitmap file with mdadm's
 * CreateBitmap defaults (every chunk dirty).
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "bitmap-cmds.h"
#include "../lib/md/bitmap.h"

static const char *opt_sync_size, *opt_chunk, *opt_uuid, *opt_write_behind,
		  *opt_delay, *opt_version;
static int opt_force;

static const struct poptOption create_options[] = {
	{ "sync-size", '\0', POPT_ARG_STRING, &opt_sync_size, 0,
	  "bytes of each member covered (required; multiple of 512)", "SIZE" },
	{ "chunk", '\0', POPT_ARG_STRING, &opt_chunk, 0,
	  "bytes per bit, a power of two >= 512 (default: 4K, doubled "
	  "until at most 2^20 chunks)", "SIZE" },
	{ "uuid", 'u', POPT_ARG_STRING, &opt_uuid, 0,
	  "array UUID, 32 hex digits (':' and '-' ignored; default: zeros)",
	  "UUID" },
	{ "write-behind", 'w', POPT_ARG_STRING, &opt_write_behind, 0,
	  "maximum outstanding write-behind writes, 0-16383 (default 0)", "N" },
	{ "delay", '\0', POPT_ARG_STRING, &opt_delay, 0,
	  "seconds between bitmap flushes (default 5)", "SECONDS" },
	{ "version", '\0', POPT_ARG_STRING, &opt_version, 0,
	  "superblock version, 3 or 4 (default 4)", "3|4" },
	{ "force", '\0', POPT_ARG_NONE, &opt_force, 0,
	  "replace an existing file", NULL },
	POPT_TABLEEND
};

static int parse_uuid(const char *s, uint8_t *u)
{
	int n = 0, hi = -1;

	for (; *s; s++) {
		int v;

		if (*s == ':' || *s == '-' || *s == '.' || *s == ' ')
			continue;
		if (!isxdigit((unsigned char)*s))
			return -1;
		v = isdigit((unsigned char)*s) ? *s - '0'
					       : tolower((unsigned char)*s) - 'a' + 10;
		if (hi < 0) {
			hi = v;
			continue;
		}
		if (n == 16)
			return -1;
		u[n++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	return n == 16 && hi < 0 ? 0 : -1;
}

static int create(const struct brd_cmd *cmd, int argc, const char **argv)
{
	struct brd_bitmap_sb sb;
	uint64_t sync = 0, chunk, v, bytes = 0;
	char why[200];
	int rc;

	(void)cmd;
	if (argc != 1)
		return cmd_usage_error(argc ? "too many arguments"
					    : "no bitmap file given");
	if (!opt_sync_size)
		return cmd_usage_error("--sync-size is required");

	memset(&sb, 0, sizeof(sb));
	sb.magic = BRD_BITMAP_MAGIC;
	sb.version = BRD_BITMAP_V_HI;
	sb.daemon_sleep = BRD_BITMAP_DEFAULT_DELAY;

	if ((rc = cmd_parse_size("--sync-size", opt_sync_size, &sync)))
		return rc;
	if (sync == 0 || sync % 512)
		return cmd_usage_error("--sync-size: '%s' is not a positive "
				       "multiple of 512 bytes", opt_sync_size);
	if ((sync >> 9) > BRD_BITMAP_MAX_SYNC_SIZE)
		return cmd_usage_error("--sync-size: '%s' is too large",
				       opt_sync_size);
	sb.sync_size = sync >> 9;

	if (opt_chunk) {
		if ((rc = cmd_parse_size("--chunk", opt_chunk, &chunk)))
			return rc;
		if (chunk < 512 || chunk > (1ull << 31) || (chunk & (chunk - 1)))
			return cmd_usage_error("--chunk: '%s' is not a power of "
					       "two from 512 to 2G", opt_chunk);
	} else {
		chunk = brd_bitmap_default_chunk(sb.sync_size);
		if (chunk > (1ull << 31))
			chunk = 1ull << 31;
	}
	sb.chunksize = (uint32_t)chunk;

	if (opt_uuid && parse_uuid(opt_uuid, sb.uuid))
		return cmd_usage_error("--uuid: '%s' is not 32 hex digits",
				       opt_uuid);
	if (opt_write_behind) {
		if ((rc = cmd_parse_u64("--write-behind", opt_write_behind, 0,
					BRD_BITMAP_WRITE_BEHIND_MAX, &v)))
			return rc;
		sb.write_behind = (uint32_t)v;
	}
	if (opt_delay) {
		if ((rc = cmd_parse_u64("--delay", opt_delay, 1, INT32_MAX, &v)))
			return rc;
		sb.daemon_sleep = (uint32_t)v;
	}
	if (opt_version) {
		if ((rc = cmd_parse_u64("--version", opt_version, 3, 4, &v)))
			return rc;
		sb.version = (uint32_t)v;
	}

	rc = brd_bitmap_write_file(argv[0], &sb, opt_force, &bytes, why,
				   sizeof(why));
	if (rc == -EEXIST)
		return cmd_fail(rc, argv[0], "bitmap file already exists "
				"(use --force to replace it)");
	if (rc && why[0])	/* a complete reason */
		return cmd_fail(rc, argv[0], "cannot create bitmap file: %s", why);
	if (rc)
		return cmd_err(rc, argv[0], "cannot create bitmap file");
	cmd_verbose("%s: %" PRIu64 " bytes, %" PRIu64 " chunks of %" PRIu64
		    " bytes, all dirty", argv[0], bytes,
		    brd_bitmap_bits(sb.sync_size, chunk), chunk);
	return EXIT_OK;
}

const struct brd_cmd cmd_bitmap_create = {
	.name = "create",
	.fn = create,
	.options = create_options,
	.synopsis = "[options] --sync-size SIZE <file>",
	.summary = "Write a new md bitmap file (every chunk dirty)",
	.help_tail =
		"The file is laid out as mdadm's CreateBitmap does: a 256-byte superblock\n"
		"and one bit per chunk, all set; its data is written and fsynced (no holes\n"
		"or unwritten extents) and it replaces FILE atomically.\n",
};
