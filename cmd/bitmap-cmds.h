/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The subcommands of the "bitmap" group (cmd/bitmap*.c). */
#ifndef BRDCTL_BITMAP_CMDS_H
#define BRDCTL_BITMAP_CMDS_H

#include "cmd.h"

extern const struct brd_cmd cmd_bitmap_examine;
extern const struct brd_cmd cmd_bitmap_create;
extern const struct brd_cmd cmd_bitmap_map, cmd_bitmap_set, cmd_bitmap_clear,
	cmd_bitmap_update, cmd_bitmap_write;

/* Exit status for a blockmap refusal (cmd/bitmap-map.c). */
struct brd_blockmap;
int bitmap_refusal_status(const struct brd_blockmap *m);

#endif
