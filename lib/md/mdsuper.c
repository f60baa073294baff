// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * md superblock probing for internal bitmaps.  See mdsuper.h.
 */
#include <errno.h>
#include <string.h>

#include "dio.h"
#include "../base/log.h"
#include "mdsuper.h"
#include "../base/endian.h"


const char *brd_md_meta_name(enum brd_md_meta m)
{
	switch (m) {
	case BRD_MD_0_90: return "0.90";
	case BRD_MD_1_0: return "1.0";
	case BRD_MD_1_1: return "1.1";
	case BRD_MD_1_2: return "1.2";
	default: return "none";
	}
}

int brd_md_sb_offset(enum brd_md_meta m, uint64_t dev_bytes, uint64_t *off)
{
	uint64_t dsize = dev_bytes >> 9;	/* sectors */

	switch (m) {
	case BRD_MD_0_90:
		/* MD_NEW_SIZE_SECTORS; mdadm refuses < 2*MD_RESERVED_SECTORS */
		if (dsize < 256)
			return -ENOSPC;
		*off = ((dsize & ~(uint64_t)127) - 128) << 9;
		return 0;
	case BRD_MD_1_0:
		if (dsize < 24)
			return -ENOSPC;
		*off = ((dsize - 16) & ~(uint64_t)7) << 9;
		return 0;
	case BRD_MD_1_1:
		if (dsize < 8)
			return -ENOSPC;
		*off = 0;
		return 0;
	case BRD_MD_1_2:
		if (dsize < 16)
			return -ENOSPC;
		*off = 8 << 9;
		return 0;
	default:
		return -EINVAL;
	}
}

static int add_offset(uint64_t base, int64_t sectors, uint64_t *res)
{
	int64_t bytes = sectors * 512;	/* |sectors| < 2^31: no overflow */

	if (bytes < 0 && (uint64_t)(-bytes) > base)
		return -EBADMSG;
	if (bytes > 0 && base > UINT64_MAX - (uint64_t)bytes)
		return -EBADMSG;
	*res = base + (uint64_t)bytes;
	return 0;
}

int brd_md_parse1(const void *buf, size_t len, enum brd_md_meta m,
		  uint64_t sb_off, struct brd_md_sb *out)
{
	const unsigned char *p = buf;

	if (len < BRD_MD_SB1_BYTES)
		return -ENOENT;
	if (m != BRD_MD_1_0 && m != BRD_MD_1_1 && m != BRD_MD_1_2)
		return -EINVAL;
	if (brd_get_le32(p) != BRD_MD_SB_MAGIC || brd_get_le32(p + 4) != 1)
		return -ENOENT;
	if (brd_get_le64(p + 144) != sb_off >> 9)	/* super_offset */
		return -ENOENT;

	memset(out, 0, sizeof(*out));
	out->meta = m;
	out->sb_offset = sb_off;
	out->feature_map = brd_get_le32(p + 8);
	memcpy(out->set_uuid, p + 16, 16);
	memcpy(out->name, p + 32, 32);
	out->name[32] = '\0';
	out->ctime = brd_get_le64(p + 64) & 0xffffffffffull;
	out->clustered = out->feature_map & BRD_MD_FEATURE_CLUSTERED;
	if (out->feature_map & BRD_MD_FEATURE_BITMAP_OFFSET) {
		out->bitmap_offset = (int32_t)brd_get_le32(p + 96);
		if (add_offset(sb_off, out->bitmap_offset, &out->bitmap_pos))
			return -EBADMSG;
		out->has_bitmap = true;
	}
	return 0;
}

int brd_md_parse0(const void *buf, size_t len, uint64_t sb_off,
		  struct brd_md_sb *out)
{
	const unsigned char *p = buf;

	if (len < BRD_MD_SB0_BYTES)
		return -ENOENT;
	/* host-endian; this code supports little-endian hosts only */
	if (brd_get_le32(p) != BRD_MD_SB_MAGIC || brd_get_le32(p + 4) != 0)
		return -ENOENT;

	memset(out, 0, sizeof(*out));
	out->meta = BRD_MD_0_90;
	out->sb_offset = sb_off;
	memcpy(out->set_uuid, p + 20, 4);	/* set_uuid0 */
	memcpy(out->set_uuid + 4, p + 52, 12);	/* set_uuid1..3 */
	out->ctime = brd_get_le32(p + 24);
	out->has_bitmap = brd_get_le32(p + 132) & BRD_MD_SB0_BITMAP_PRESENT;
	out->bitmap_offset = BRD_MD_SB0_BYTES >> 9;
	/* mdadm looks at sb + 4096 whether or not the flag is set */
	if (sb_off > UINT64_MAX - BRD_MD_SB0_BYTES)
		return -EBADMSG;
	out->bitmap_pos = sb_off + BRD_MD_SB0_BYTES;
	return 0;
}

int brd_md_find(struct brd_dio *d, struct brd_md_sb *out)
{
	static const enum brd_md_meta order[] = {
		BRD_MD_0_90, BRD_MD_1_0, BRD_MD_1_1, BRD_MD_1_2
	};
	unsigned char buf[BRD_MD_SB0_BYTES];
	struct brd_md_sb cand;
	bool found = false;
	size_t i;

	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		enum brd_md_meta m = order[i];
		size_t want = m == BRD_MD_0_90 ? BRD_MD_SB0_BYTES
					       : BRD_MD_SB1_BYTES;
		uint64_t off;
		size_t got;
		int rc;

		if (brd_md_sb_offset(m, d->size, &off))
			continue;
		rc = brd_dio_pread(d, buf, want, off, &got);
		if (rc)
			return rc;
		rc = m == BRD_MD_0_90 ? brd_md_parse0(buf, got, off, &cand)
				      : brd_md_parse1(buf, got, m, off, &cand);
		if (rc == -ENOENT)
			continue;
		if (rc) {
			brd_dbg("%s: %s superblock at byte %llu: bitmap "
				"offset out of range", d->name,
				brd_md_meta_name(m), (unsigned long long)off);
			continue;
		}
		brd_dbg("%s: md %s superblock at byte %llu, ctime %llu",
			d->name, brd_md_meta_name(m),
			(unsigned long long)off,
			(unsigned long long)cand.ctime);
		if (!found || cand.ctime > out->ctime) {
			*out = cand;
			found = true;
		}
	}
	return found ? 0 : -ENOENT;
}
