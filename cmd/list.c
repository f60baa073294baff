// SPDX-License-Identifier: GPL-2.0-or-later
/* brdctl list [DEVICE...]: the ramdisks, one per line (libsmartcols). */
#include <errno.h>
#include <stdlib.h>

#include "ramdisk.h"

/* like lsblk's defaults, no filesystem probing unless asked (-o +FSTYPE) */
static const char *const default_columns[] = {
	"NAME", "TYPE", "SIZE", "ALLOC", "RO", "DISCARD", "MOUNTPOINTS", NULL
};

static int do_list(const struct brd_cmd *cmd, int argc, const char **argv)
{
	struct brd_disk *disks = NULL;
	struct cmd_table t;
	size_t n = 0;
	unsigned int what = 0;
	int rc, ret = EXIT_OK;

	if ((rc = rd_check_names(argc, argv)))
		return rc;
	if ((rc = cmd_table_init(&t, cmd, "ramdisks", default_columns)))
		return rc;
	if (argc) {
		disks = calloc((size_t)argc, sizeof(*disks));
		if (!disks) {
			cmd_table_free(&t);
			return cmd_err(ENOMEM, NULL, "list");
		}
		for (int i = 0; i < argc; i++) {
			rc = brd_resolve(argv[i], &disks[n]);
			if (rc) {
				ret = rd_resolve_error(rc, argv[i]);
				continue;
			}
			n++;
		}
	} else if ((rc = brd_list(&disks, &n))) {
		cmd_table_free(&t);
		return cmd_err(rc, "/sys/block", "cannot list ramdisks");
	}
	if (cmd_table_wants(&t, COL_ALLOC))
		brd_read_pages(disks, n);	/* unknown stays unknown */
	if (cmd_table_wants(&t, COL_FSTYPE) || cmd_table_wants(&t, COL_LABEL) ||
	    cmd_table_wants(&t, COL_UUID))
		what |= RD_PROBE;
	if (cmd_table_wants(&t, COL_MOUNTPOINTS))
		what |= RD_MOUNTS;
	if (cmd_table_wants(&t, COL_HOLDERS))
		what |= RD_HOLDERS;
	if (cmd_table_wants(&t, COL_IMAGE) || cmd_table_wants(&t, COL_SAVED))
		what |= RD_PERSIST;
	for (size_t i = 0; i < n; i++) {
		struct rd_info ri = { .d = disks[i] };
		struct brd_disk *parts = NULL;
		size_t np = 0;

		ri.pool = rd_is_pool_disk(&disks[i]);
		rd_info_fill(&ri, what);
		rd_table_add(&t, &ri);
		rd_info_free(&ri);
		/* a pool's ramdisks follow it, unless devices were named */
		if (!ri.pool || argc || brd_list_parts(disks[i].num, &parts, &np))
			continue;
		brd_label_parts(disks[i].num, parts, np);
		for (size_t j = 0; j < np; j++) {
			struct rd_info pi = { .d = parts[j] };

			rd_info_fill(&pi, what);
			rd_table_add(&t, &pi);
			rd_info_free(&pi);
		}
		free(parts);
	}
	free(disks);
	rc = cmd_table_print(&t);
	return ret ? ret : rc;
}

const struct brd_cmd cmd_list = {
	.name = "list",
	.fn = do_list,
	.synopsis = "[options] [DEVICE...]",
	.summary = "List ramdisks (the default command)",
	.columns = rd_columns,
	.ncolumns = RD_NCOLUMNS,
	.flags = CMD_JSON | CMD_TABLE,
};
