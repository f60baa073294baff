// SPDX-License-Identifier: GPL-2.0-or-later
/* The command table: exact-name matching, in the order --help lists them. */
#include <stddef.h>
#include "cmd.h"

extern const struct brd_cmd cmd_create, cmd_list, cmd_stat, cmd_flush,
	cmd_resize, cmd_remove, cmd_save, cmd_restore,
	cmd_apply, cmd_unapply;

const struct brd_cmd *const brdctl_commands[] = {
	&cmd_create,
	&cmd_list,
	&cmd_stat,
	&cmd_flush,
	&cmd_resize,
	&cmd_remove,
	&cmd_save,
	&cmd_restore,
	&cmd_apply,
	&cmd_unapply,
	&cmd_bitmap,
	NULL
};
