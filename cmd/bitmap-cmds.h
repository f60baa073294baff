/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The subcommands of the "bitmap" group (cmd/bitmap*.c). */
#ifndef BRDCTL_BITMAP_CMDS_H
#define BRDCTL_BITMAP_CMDS_H

#include "cmd.h"

extern const struct brd_cmd cmd_bitmap_examine;
extern const struct brd_cmd cmd_bitmap_create;

#endif
