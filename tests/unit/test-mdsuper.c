// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests of lib/md/mdsuper.c, brd_bitmap_locate() and lib/md/dio.c. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../lib/md/bitmap.h"
#include "../../lib/md/dio.h"
#include "../../lib/md/mdsuper.h"

#define DEV_BYTES (4u << 20)	/* 8192 sectors */
static unsigned char dev[DEV_BYTES];

static void put32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static void put64(unsigned char *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static const uint8_t UUID[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
				  13, 14, 15, 16 };

static void put_bitmap(uint64_t pos, const uint8_t *uuid)
{
	struct brd_bitmap_sb sb;

	memset(&sb, 0, sizeof(sb));
	sb.magic = BRD_BITMAP_MAGIC;
	sb.version = 4;
	sb.chunksize = 65536;
	sb.sync_size = 8000;
	memcpy(sb.uuid, uuid, 16);
	brd_bitmap_sb_encode(&sb, dev + pos);
}

static uint64_t put_sb1(uint64_t sb_sec, int32_t bitmap_offset,
			uint32_t features, uint64_t ctime)
{
	unsigned char *p = dev + sb_sec * 512;

	memset(p, 0, 512);
	put32(p, BRD_MD_SB_MAGIC);
	put32(p + 4, 1);
	put32(p + 8, features);
	memcpy(p + 16, UUID, 16);
	memcpy(p + 32, "host:name", 9);
	put64(p + 64, ctime | (0x5ull << 40));	/* high bits: usec */
	put32(p + 96, (uint32_t)bitmap_offset);
	put64(p + 144, sb_sec);
	return (uint64_t)((int64_t)sb_sec * 512 + (int64_t)bitmap_offset * 512);
}

static void test_offsets(void **state)
{
	uint64_t off;

	(void)state;
	assert_int_equal(brd_md_sb_offset(BRD_MD_1_1, DEV_BYTES, &off), 0);
	assert_true(off == 0);
	assert_int_equal(brd_md_sb_offset(BRD_MD_1_2, DEV_BYTES, &off), 0);
	assert_true(off == 4096);
	assert_int_equal(brd_md_sb_offset(BRD_MD_1_0, DEV_BYTES, &off), 0);
	assert_true(off == (8192 - 16) * 512ull);
	/* 1.0: (dsize - 16) & ~7, e.g. 8195 sectors -> 8176 */
	assert_int_equal(brd_md_sb_offset(BRD_MD_1_0, 8195 * 512ull, &off), 0);
	assert_true(off == 8176 * 512ull);
	/* 0.90: last 64 KiB-aligned 64 KiB block */
	assert_int_equal(brd_md_sb_offset(BRD_MD_0_90, DEV_BYTES, &off), 0);
	assert_true(off == (8192 - 128) * 512ull);
	assert_int_equal(brd_md_sb_offset(BRD_MD_0_90, 8300 * 512ull, &off), 0);
	assert_true(off == (8192 - 128) * 512ull);
	assert_int_equal(brd_md_sb_offset(BRD_MD_0_90, 255 * 512, &off), -ENOSPC);
	assert_int_equal(brd_md_sb_offset(BRD_MD_1_0, 23 * 512, &off), -ENOSPC);
	assert_string_equal(brd_md_meta_name(BRD_MD_1_2), "1.2");
}

static void test_parse1(void **state)
{
	struct brd_md_sb md;

	(void)state;
	memset(dev, 0, sizeof(dev));
	put_sb1(8, 8, 1, 1000);
	assert_int_equal(brd_md_parse1(dev + 4096, 256, BRD_MD_1_2, 4096, &md), 0);
	assert_true(md.has_bitmap);
	assert_true(md.bitmap_pos == 8192);
	assert_true(md.ctime == 1000);	/* low 40 bits */
	assert_string_equal(md.name, "host:name");
	/* wrong location (super_offset mismatch) */
	assert_int_equal(brd_md_parse1(dev + 4096, 256, BRD_MD_1_1, 0, &md),
			 -ENOENT);
	/* short buffer */
	assert_int_equal(brd_md_parse1(dev + 4096, 255, BRD_MD_1_2, 4096, &md),
			 -ENOENT);
	/* negative offset below the device start */
	put_sb1(0, -8, 1, 1);
	assert_int_equal(brd_md_parse1(dev, 256, BRD_MD_1_1, 0, &md), -EBADMSG);
	/* PPL without the bitmap bit: no bitmap */
	put_sb1(0, 8, BRD_MD_FEATURE_PPL, 1);
	assert_int_equal(brd_md_parse1(dev, 256, BRD_MD_1_1, 0, &md), 0);
	assert_false(md.has_bitmap);
}

static void test_parse0(void **state)
{
	struct brd_md_sb md;
	unsigned char *p = dev;

	(void)state;
	memset(dev, 0, 4096);
	put32(p, BRD_MD_SB_MAGIC);
	put32(p + 8, 90);
	memcpy(p + 20, "\x11\x22\x33\x44", 4);
	memcpy(p + 52, "\x55\x66\x77\x88\x99\xaa\xbb\xcc\xdd\xee\xff\x00", 12);
	put32(p + 24, 777);
	put32(p + 132, 1u << 8);
	assert_int_equal(brd_md_parse0(dev, 4096, 1 << 20, &md), 0);
	assert_true(md.meta == BRD_MD_0_90 && md.has_bitmap);
	assert_true(md.bitmap_pos == (1 << 20) + 4096);
	assert_true(md.ctime == 777);
	assert_int_equal(md.set_uuid[0], 0x11);
	assert_int_equal(md.set_uuid[4], 0x55);
	assert_int_equal(md.set_uuid[15], 0x00);
	put32(p + 4, 1);	/* major 1 is not 0.90 */
	assert_int_equal(brd_md_parse0(dev, 4096, 0, &md), -ENOENT);
	assert_int_equal(brd_md_parse0(dev, 4095, 0, &md), -ENOENT);
}

static int locate(struct brd_bitmap_loc *loc, char *why)
{
	struct brd_dio d;
	int rc;

	assert_int_equal(brd_dio_open_mem(&d, dev, sizeof(dev), "dev"), 0);
	d.is_blk = true;
	why[0] = '\0';
	rc = brd_bitmap_locate(&d, loc, why, 200);
	brd_dio_close(&d);
	return rc;
}

static void test_locate(void **state)
{
	struct brd_bitmap_loc loc;
	char why[200];
	uint8_t other[16];

	(void)state;
	/* blank: nothing */
	memset(dev, 0, sizeof(dev));
	assert_int_equal(locate(&loc, why), -ENODEV);
	assert_non_null(strstr(why, "no md superblock"));

	/* bare bitmap at offset 0 */
	put_bitmap(0, UUID);
	assert_int_equal(locate(&loc, why), 0);
	assert_true(loc.meta == 0 && loc.pos == 0);

	/* 1.2 with bitmap at +8 */
	memset(dev, 0, sizeof(dev));
	put_bitmap(put_sb1(8, 8, 1, 10), UUID);
	assert_int_equal(locate(&loc, why), 0);
	assert_true(loc.meta == BRD_MD_1_2 && loc.pos == 8192);
	assert_false(loc.uuid_words);

	/* 1.0 with a negative offset; newer than the stale 1.2 */
	put_bitmap(put_sb1(8192 - 16, -64, 1, 20), UUID);
	assert_int_equal(locate(&loc, why), 0);
	assert_true(loc.meta == BRD_MD_1_0);
	assert_true(loc.pos == (8192 - 16 - 64) * 512ull);

	/* UUID mismatch, like mdadm's "doesn't have bitmap" */
	memset(dev, 0, sizeof(dev));
	memset(other, 0xee, 16);
	put_bitmap(put_sb1(0, 8, 1 | BRD_MD_FEATURE_CLUSTERED, 10), other);
	assert_int_equal(locate(&loc, why), -EBADMSG);
	assert_non_null(strstr(why, "does not match"));

	/* no bitmap feature */
	memset(dev, 0, sizeof(dev));
	put_sb1(8, 8, 0, 10);
	assert_int_equal(locate(&loc, why), -ENOENT);
	assert_non_null(strstr(why, "no internal bitmap"));

	/* bitmap offset past the device end */
	memset(dev, 0, sizeof(dev));
	put_sb1(8, 0x7fffffff, 1, 10);
	assert_int_equal(locate(&loc, why), -ENODATA);

	/* 0.90: uuid printed as words */
	memset(dev, 0, sizeof(dev));
	put32(dev + (8192 - 128) * 512, BRD_MD_SB_MAGIC);
	put32(dev + (8192 - 128) * 512 + 132, 1u << 8);
	put_bitmap((8192 - 128) * 512 + 4096, UUID);
	assert_int_equal(locate(&loc, why), 0);
	assert_true(loc.meta == BRD_MD_0_90 && loc.uuid_words);
	/* 0.90 without the flag and without a bitmap */
	put32(dev + (8192 - 128) * 512 + 132, 0);
	memset(dev + (8192 - 128) * 512 + 4096, 0, 256);
	assert_int_equal(locate(&loc, why), -ENOENT);

	/* a regular file: offset 0, no probing */
	{
		struct brd_dio d;

		assert_int_equal(brd_dio_open_mem(&d, dev, 100, "f"), 0);
		assert_int_equal(brd_bitmap_locate(&d, &loc, why, 200), 0);
		assert_true(loc.pos == 0 && loc.meta == 0);
		brd_dio_close(&d);
	}
}

/* --- dio --- */

static unsigned char fbuf[3 << 20];

static int cat_cb(void *arg, const unsigned char *data, size_t len,
		  uint64_t pos)
{
	unsigned char *out = arg;

	memcpy(out + pos, data, len);
	return 0;
}

static void test_dio_file(void **state)
{
	static unsigned char got[3 << 20];
	char path[] = "/var/tmp/test-dio.XXXXXX";
	struct brd_dio d;
	uint64_t done;
	size_t n;
	int fd;
	const size_t size = (2 << 20) + 381;	/* not block-aligned */

	(void)state;
	for (size_t i = 0; i < sizeof(fbuf); i++)
		fbuf[i] = (unsigned char)(i * 7 + (i >> 12));
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, fbuf, size), (ssize_t)size);
	close(fd);

	assert_int_equal(brd_dio_open(&d, path), 0);
	assert_true(d.size == size);
	assert_false(d.is_blk);
	/* whole file, streaming past EOF: short read handled */
	memset(got, 0, sizeof(got));
	assert_int_equal(brd_dio_stream(&d, 0, sizeof(got), cat_cb, got, &done), 0);
	assert_true(done == size);
	assert_memory_equal(got, fbuf, size);
	/* unaligned offset and length */
	memset(got, 0, sizeof(got));
	assert_int_equal(brd_dio_pread(&d, got, 5000, 1234567, &n), 0);
	assert_true(n == 5000);
	assert_memory_equal(got, fbuf + 1234567, 5000);
	/* crossing EOF */
	assert_int_equal(brd_dio_pread(&d, got, 1000, size - 10, &n), 0);
	assert_true(n == 10);
	assert_memory_equal(got, fbuf + size - 10, 10);
	/* at and after EOF */
	assert_int_equal(brd_dio_pread(&d, got, 10, size, &n), 0);
	assert_true(n == 0);
	assert_int_equal(brd_dio_pread(&d, got, 10, size + 100000, &n), 0);
	assert_true(n == 0);
	/* offset overflow */
	assert_int_equal(brd_dio_stream(&d, UINT64_MAX - 5, 10, cat_cb, got,
					&done), -EOVERFLOW);
	brd_dio_close(&d);
	unlink(path);
}

static void test_dio_errors(void **state)
{
	struct brd_dio d;

	(void)state;
	assert_int_equal(brd_dio_open(&d, "/nonexistent/x"), -ENOENT);
	assert_int_equal(brd_dio_open(&d, "/tmp"), -EISDIR);
	assert_int_equal(brd_dio_open(&d, "/dev/null"), -EINVAL);
}

/* procfs refuses O_DIRECT (EINVAL): the reader falls back to buffered */
static void test_dio_fallback(void **state)
{
	struct brd_dio d;
	char buf[64];
	size_t n = 0;

	(void)state;
	assert_int_equal(brd_dio_open(&d, "/proc/self/stat"), 0);
	assert_false(d.direct);
	assert_int_equal(brd_dio_pread(&d, buf, sizeof(buf), 0, &n), 0);
	assert_true(n > 0);
	brd_dio_close(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_offsets),
		cmocka_unit_test(test_parse1),
		cmocka_unit_test(test_parse0),
		cmocka_unit_test(test_locate),
		cmocka_unit_test(test_dio_file),
		cmocka_unit_test(test_dio_errors),
		cmocka_unit_test(test_dio_fallback),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
