// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Reading md bitmaps from files and member devices.  See bitmap.h.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "bitmap.h"
#include "dio.h"
#include "../base/log.h"
#include "mdsuper.h"

int brd_bitmap_read_sb(struct brd_dio *d, uint64_t pos,
		       struct brd_bitmap_sb *sb)
{
	unsigned char buf[BRD_BITMAP_SB_SIZE];
	size_t got = 0;
	int rc = brd_dio_pread(d, buf, sizeof(buf), pos, &got);

	if (rc)
		return rc;
	if (got < sizeof(buf)) {
		brd_dbg("%s: only %zu bytes of bitmap superblock at byte %llu",
			d->name, got, (unsigned long long)pos);
		return -ENODATA;
	}
	brd_bitmap_sb_decode(sb, buf);
	return 0;
}

static int scan_cb(void *arg, const unsigned char *data, size_t len,
		   uint64_t pos)
{
	(void)pos;
	return brd_bitmap_scan_feed(arg, data, len);
}

int brd_bitmap_scan_area(struct brd_dio *d, uint64_t pos,
			 struct brd_bitmap_scan *s)
{
	uint64_t start, done = 0;
	int rc;

	if (pos > UINT64_MAX - s->g.area_bytes)
		return -EOVERFLOW;
	start = pos + s->g.data_offset;
	rc = brd_dio_stream(d, start, s->g.data_bytes, scan_cb, s, &done);
	if (rc)
		return rc;
	rc = brd_bitmap_scan_finish(s);
	if (rc)
		return rc;
	return brd_bitmap_scan_complete(s) ? 0 : -ENODATA;
}

static bool has_magic(struct brd_dio *d, uint64_t pos)
{
	struct brd_bitmap_sb sb;

	return brd_bitmap_read_sb(d, pos, &sb) == 0 &&
	       sb.magic == BRD_BITMAP_MAGIC;
}

static void uuid_str(const uint8_t *u, char *buf)
{
	int i;

	for (i = 0; i < 16; i++)
		sprintf(buf + 2 * i, "%02x", u[i]);
}

/* 0.90: the bitmap follows the superblock, flagged or not (mdadm looks). */
static int locate_0_90(struct brd_dio *d, const struct brd_md_sb *md,
		       struct brd_bitmap_loc *loc, char *why, size_t whylen)
{
	if (md->has_bitmap)
		return 0;
	if (!has_magic(d, md->bitmap_pos)) {
		snprintf(why, whylen, "md 0.90 superblock at byte %llu has no "
			 "bitmap", (unsigned long long)md->sb_offset);
		return -ENOENT;
	}
	loc->unflagged = true;
	brd_dbg("%s: md 0.90 superblock does not flag a bitmap, but one is at "
		"byte %llu", d->name, (unsigned long long)md->bitmap_pos);
	return 0;
}

int brd_bitmap_locate(struct brd_dio *d, struct brd_bitmap_loc *loc,
		      char *why, size_t whylen)
{
	struct brd_md_sb md;
	struct brd_bitmap_sb sb;
	int rc;

	memset(loc, 0, sizeof(*loc));
	if (!d->is_blk)
		return 0;

	rc = brd_md_find(d, &md);
	if (rc == -ENOENT) {
		if (has_magic(d, 0)) {
			brd_dbg("%s: no md superblock; bitmap at offset 0",
				d->name);
			return 0;
		}
		snprintf(why, whylen, "no md superblock (0.90, 1.0, 1.1, 1.2) "
			 "and no bitmap at offset 0");
		return -ENODEV;
	}
	if (rc)
		return rc;

	loc->meta = (int)md.meta;
	loc->sb_offset = md.sb_offset;
	loc->bitmap_offset = md.bitmap_offset;
	memcpy(loc->set_uuid, md.set_uuid, 16);
	loc->clustered = md.clustered;
	loc->pos = md.bitmap_pos;
	loc->uuid_words = md.meta == BRD_MD_0_90;

	if (md.meta == BRD_MD_0_90)
		return locate_0_90(d, &md, loc, why, whylen);
	if (!md.has_bitmap) {
		snprintf(why, whylen, "md %s superblock at byte %llu has no "
			 "internal bitmap (feature_map 0x%x)",
			 brd_md_meta_name(md.meta),
			 (unsigned long long)md.sb_offset, md.feature_map);
		return -ENOENT;
	}
	brd_dbg("%s: md %s superblock at byte %llu, bitmap_offset %+d "
		"sectors: bitmap at byte %llu", d->name,
		brd_md_meta_name(md.meta), (unsigned long long)md.sb_offset,
		md.bitmap_offset, (unsigned long long)md.bitmap_pos);
	/* mdadm (load_super1) ignores a bitmap whose UUID is not the
	 * array's; say so precisely. */
	rc = brd_bitmap_read_sb(d, md.bitmap_pos, &sb);
	if (rc == -ENODATA) {
		snprintf(why, whylen, "bitmap_offset %+d points past the end "
			 "of the device (byte %llu)", md.bitmap_offset,
			 (unsigned long long)md.bitmap_pos);
		return rc;
	}
	if (rc)
		return rc;
	if (sb.magic == BRD_BITMAP_MAGIC && memcmp(sb.uuid, md.set_uuid, 16)) {
		char a[33], b[33];

		uuid_str(sb.uuid, a);
		uuid_str(md.set_uuid, b);
		snprintf(why, whylen, "bitmap uuid %s does not match the "
			 "array's set_uuid %s", a, b);
		return -EBADMSG;
	}
	return 0;
}
