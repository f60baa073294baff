// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target over the brdtab(5) parser and the pure plan check:
 * malformed, huge and binary input.  The input is the file's text.
 * Checked on every input: errors sorted by line and within the file, each
 * entry resolved (a name, a size that is a positive multiple of 4 KiB, a
 * line in the file), no two entries of one kind with one name, no two with
 * one mount point; then the plan against a machine with brd not loaded
 * (no system access: brdplan_check is pure) keeps the errors sorted.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/ramdisk/brdplan.h"
#include "../../lib/ramdisk/brdtab.h"

static unsigned int count_lines(const uint8_t *data, size_t size)
{
	unsigned int n = 0;

	for (size_t i = 0; i < size; i++)
		n += data[i] == '\n';
	return n + (size && data[size - 1] != '\n');
}

static void check_sorted(const struct brdtab *tab, unsigned int lines)
{
	for (size_t i = 0; i < tab->nerr; i++) {
		if (!tab->err[i].msg || tab->err[i].line > lines)
			__builtin_trap();
		if (i && tab->err[i - 1].line > tab->err[i].line)
			__builtin_trap();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned int lines = count_lines(data, size);
	struct brdplan_sys sys;
	struct brdtab *tab = NULL;

	if (brdtab_parse_buffer("fuzz", (const char *)data, size, &tab))
		return 0;		/* -ENOMEM only */
	check_sorted(tab, lines);
	for (size_t i = 0; i < tab->n; i++) {
		const struct brdtab_entry *e = &tab->ent[i];

		if (!e->line || e->line > lines || !e->spec)
			__builtin_trap();
		if (!tab->nerr && (!e->name || !e->size || e->size % 4096))
			__builtin_trap();
		if (i && tab->ent[i - 1].line >= e->line)
			__builtin_trap();
		/* the hash checks found every duplicate (few lines: compare) */
		for (size_t j = 0; !tab->nerr && tab->n < 64 && j < i; j++) {
			const struct brdtab_entry *o = &tab->ent[j];

			if (e->kind == o->kind && !strcmp(e->name, o->name))
				__builtin_trap();
			if (e->target && o->target && !strcmp(e->target, o->target))
				__builtin_trap();
		}
	}
	if (!tab->nerr && tab->n) {
		memset(&sys, 0, sizeof(sys));
		sys.brd = BRD_MODULE_ABSENT;
		sys.max_part = 1;
		sys.pool_pages = -1;
		sys.new_pool_size = 128ULL << 35;
		sys.mem_known = true;
		sys.mem_avail = 24ULL << 30;
		sys.page_size = 4096;
		sys.line = calloc(tab->n, sizeof(*sys.line));
		sys.nline = sys.line ? tab->n : 0;
		if (sys.line && brdplan_check(tab, &sys, size & 1) == 0)
			check_sorted(tab, lines);
		brdplan_sys_free(&sys);
	}
	brdtab_free(tab);
	return 0;
}
