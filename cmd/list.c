// SPDX-License-Identifier: GPL-2.0-or-later
/* brdctl list [DEVICE...]: the ramdisks, one per line (libsmartcols). */
#include <errno.h>
#include <stdlib.h>

#include "ramdisk.h"

static const char *const default_columns[] = {
	"NAME", "SIZE", "ALLOC", "RO", "DISCARD", "FSTYPE", "MOUNTPOINTS", NULL
};

static int do_list(const struct brd_cmd *cmd, int argc, const char **argv)
{
	struct brd_disk *disks = NULL;
	struct cmd_table t;
	size_t n = 0;
	int rc, ret = EXIT_OK;

	if ((rc = cmd_table_init(&t, cmd, "ramdisks", default_columns)))
		return rc;
	if (argc) {
		disks = calloc((size_t)argc, sizeof(*disks));
		if (!disks) {
			cmd_table_free(&t);
			return cmd_err(ENOMEM, NULL, "list");
		}
		for (int i = 0; i < argc; i++) {
			rc = rd_resolve(argv[i], &disks[n]);
			if (rc) {
				ret = cmd_err(rc, argv[i], "not a brd ramdisk");
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
	for (size_t i = 0; i < n; i++) {
		struct rd_info ri = { .d = disks[i] };

		rd_info_fill(&ri);
		rd_table_add(&t, &ri);
		rd_info_free(&ri);
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
