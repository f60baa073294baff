// SPDX-License-Identifier: GPL-2.0-or-later
/* "brdctl bitmap" (alias "bitmapctl"): md write-intent bitmap commands. */
#include <stddef.h>
#include "cmd.h"
#include "bitmap-cmds.h"

static const struct brd_cmd *const bitmap_subcmds[] = {
	&cmd_bitmap_examine,
	&cmd_bitmap_create,
	&cmd_bitmap_map,
	&cmd_bitmap_set,
	&cmd_bitmap_clear,
	&cmd_bitmap_update,
	&cmd_bitmap_write,
	NULL
};

const struct brd_cmd cmd_bitmap = {
	.name = "bitmap",
	.fn = NULL,
	.summary = "Examine, create and write md write-intent bitmaps",
	.subcmds = bitmap_subcmds,
};
