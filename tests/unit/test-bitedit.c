// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests of the in-place bitmap edits of lib/md/bitmap.c (what `brdctl
 * bitmap set/clear/update` write) and of lib/base/endian.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "../../lib/md/bitmap.h"
#include "../../lib/base/endian.h"

static void test_endian(void **state)
{
	unsigned char b[8];

	(void)state;
	brd_put_le64(b, 0x0102030405060708ULL);
	assert_int_equal(b[0], 0x08);
	assert_int_equal(b[7], 0x01);
	assert_true(brd_get_le64(b) == 0x0102030405060708ULL);
	brd_put_le32(b, 0xa1b2c3d4u);
	assert_int_equal(b[0], 0xd4);
	assert_int_equal(b[3], 0xa1);
	assert_int_equal(brd_get_le32(b), 0xa1b2c3d4u);
}

/* the edit changes exactly the fields asked for; padding and every other
 * byte stay as they were (encode() would zero them) */
static void test_sb_edit_in_place(void **state)
{
	unsigned char sb[BRD_BITMAP_SB_SIZE], want[BRD_BITMAP_SB_SIZE];
	struct brd_bitmap_sb d;
	struct brd_bitmap_sb_edit e = {
		.set_events = true, .events = 1234567890123ULL,
		.state_set = BRD_BITMAP_STALE,
	};

	(void)state;
	for (size_t i = 0; i < sizeof(sb); i++)
		sb[i] = (unsigned char)(i * 7 + 3);
	brd_put_le32(sb + 48, BRD_BITMAP_WRITE_ERROR);
	memcpy(want, sb, sizeof(sb));
	brd_bitmap_sb_edit(sb, &e);
	brd_bitmap_sb_decode(&d, sb);
	assert_true(d.events == 1234567890123ULL);
	assert_int_equal(d.state, BRD_BITMAP_WRITE_ERROR | BRD_BITMAP_STALE);
	/* only events (24..31) and state (48..51) changed */
	assert_memory_equal(sb, want, 24);
	assert_memory_equal(sb + 32, want + 32, 16);
	assert_memory_equal(sb + 52, want + 52, sizeof(sb) - 52);

	/* state "ok": clears STALE and WRITE_ERROR, sets events_cleared */
	e = (struct brd_bitmap_sb_edit){ .set_cleared = true,
		.events_cleared = 77,
		.state_clear = BRD_BITMAP_STALE | BRD_BITMAP_WRITE_ERROR };
	brd_bitmap_sb_edit(sb, &e);
	brd_bitmap_sb_decode(&d, sb);
	assert_int_equal(d.state, 0);
	assert_true(d.events_cleared == 77);
	assert_true(d.events == 1234567890123ULL);
}

/* chunk c is bit c%8 of byte data_pos + c/8; only the bytes in the buffer
 * are touched */
static void test_bits_edit(void **state)
{
	unsigned char buf[16];

	(void)state;
	memset(buf, 0, sizeof(buf));
	/* buffer = file bytes 256..271, chunk data starts at 256 */
	brd_bitmap_bits_edit(buf, 256, sizeof(buf), 256, 3, 10, true);
	assert_int_equal(buf[0], 0xf8);
	assert_int_equal(buf[1], 0x07);
	assert_int_equal(buf[2], 0);
	/* a range that starts before and ends after the buffer */
	memset(buf, 0, sizeof(buf));
	brd_bitmap_bits_edit(buf, 264, 4, 256, 0, 1000, true);
	assert_int_equal(buf[0], 0xff);
	assert_int_equal(buf[3], 0xff);
	assert_int_equal(buf[4], 0);
	/* clear one chunk */
	brd_bitmap_bits_edit(buf, 264, 4, 256, 65, 65, false);
	assert_int_equal(buf[0], 0xfd);
	/* a buffer before the chunk data is left alone */
	memset(buf, 0xaa, sizeof(buf));
	brd_bitmap_bits_edit(buf, 0, sizeof(buf), 256, 0, 7, false);
	assert_int_equal(buf[0], 0xaa);
	assert_int_equal(buf[15], 0xaa);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_endian),
		cmocka_unit_test(test_sb_edit_in_place),
		cmocka_unit_test(test_bits_edit),
	};
	return cmocka_run_group_tests_name("bitedit", tests, NULL, NULL);
}
