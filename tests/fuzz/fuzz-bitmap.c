// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target over the bitmap parser: superblock decoding and
 * validation, md superblock probing (0.90/1.x) and bitmap location,
 * cluster node slots, and the streaming chunk scan with range extraction.
 *
 * Input: one flag byte, then the file or device image.
 *   bit 0: treat the image as a block device (probe md superblocks)
 *   bit 1: extract dirty ranges
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../../lib/md/bitmap.h"
#include "../../lib/md/dio.h"
#include "../../lib/md/mdsuper.h"

static uint64_t sink;

static int range_cb(void *arg, uint64_t first, uint64_t count)
{
	uint64_t *last_end = arg;

	/* ranges must be ordered, disjoint and non-empty */
	if (count == 0 || first < *last_end)
		__builtin_trap();
	*last_end = first + count;
	sink += first ^ count;
	return 0;
}

static void scan(struct brd_dio *d, uint64_t pos, const struct brd_bitmap_geom *g,
		 int ranges)
{
	struct brd_bitmap_scan s;
	uint64_t last_end = 0;
	int rc;

	brd_bitmap_scan_init(&s, g, ranges ? range_cb : NULL, &last_end);
	rc = brd_bitmap_scan_area(d, pos, &s);
	if (s.seen > g->chunks || s.dirty > s.seen)
		__builtin_trap();
	if (rc == 0 && s.seen != g->chunks)
		__builtin_trap();
	if (g->per_byte) {
		/* every chunk byte is one of the 8 states or invalid */
		uint64_t sum = s.invalid;

		for (int k = 0; k < BRD_LLBIT_NSTATES; k++)
			sum += s.states[k];
		if (sum != s.seen || s.dirty != s.states[BRD_LLBIT_DIRTY] +
		    s.states[BRD_LLBIT_NEEDSYNC] + s.states[BRD_LLBIT_SYNCING])
			__builtin_trap();
	}
	if (g->first_use && (g->chunks || g->data_bytes))
		__builtin_trap();
	sink += s.dirty + s.invalid;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct brd_bitmap_loc loc;
	struct brd_bitmap_sb sb;
	struct brd_bitmap_geom g;
	struct brd_md_sb md;
	struct brd_dio d;
	char why[256];
	uint8_t flags;

	if (size < 1)
		return 0;
	flags = data[0];
	data++;
	size--;

	/* the pure parsers on the raw bytes */
	if (size >= BRD_MD_SB1_BYTES)
		(void)brd_md_parse1(data, size, BRD_MD_1_1, 0, &md);
	(void)brd_md_parse0(data, size, 0, &md);
	if (size >= BRD_BITMAP_SB_SIZE) {
		unsigned char re[BRD_BITMAP_SB_SIZE];

		brd_bitmap_sb_decode(&sb, data);
		brd_bitmap_sb_encode(&sb, re);
		/* everything but the pad round-trips */
		if (memcmp(re, data, 72))
			__builtin_trap();
		(void)brd_bitmap_geom(&sb, &g, why, sizeof(why));
	}

	if (brd_dio_open_mem(&d, data, size, "fuzz"))
		return 0;
	d.is_blk = flags & 1;
	if (brd_bitmap_locate(&d, &loc, why, sizeof(why)) == 0 &&
	    brd_bitmap_read_sb(&d, loc.pos, &sb) == 0 &&
	    brd_bitmap_geom(&sb, &g, why, sizeof(why)) == 0) {
		if (sb.nodes && !g.per_byte) {
			for (uint32_t i = 0; i < sb.nodes; i++) {
				struct brd_bitmap_sb nsb;
				struct brd_bitmap_geom ng;
				uint64_t pos;

				if (brd_bitmap_node_pos(loc.pos, &g, i, &pos,
							why, sizeof(why)))
					break;
				if (brd_bitmap_read_sb(&d, pos, &nsb) ||
				    brd_bitmap_geom(&nsb, &ng, why, sizeof(why)))
					continue;
				scan(&d, pos, &ng, flags & 2);
			}
		} else {
			scan(&d, loc.pos, &g, flags & 2);
		}
	}
	brd_dio_close(&d);
	return 0;
}
