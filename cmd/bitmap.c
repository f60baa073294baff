// SPDX-License-Identifier: GPL-2.0-or-later
/* The bitmap command group; its commands land with the bitmap library. */
#include <stddef.h>
#include "cmd.h"

static const struct brd_cmd *const bitmap_cmds[] = { NULL };

const struct brd_cmd cmd_bitmap = {
	.name = "bitmap",
	.summary = "Examine and write md write-intent bitmaps",
	.subcmds = bitmap_cmds,
};
