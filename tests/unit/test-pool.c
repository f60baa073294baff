// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests of lib/ramdisk/pool.c's placement rules: where a new pooled ramdisk
 * goes (brd_pool_place) and how far one can grow (brd_pool_room). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../../lib/ramdisk/pool.h"

#define MiB (1ULL << 20)
#define GiB (1ULL << 30)

/* a 64 GiB pool with GPT areas like the real one: partitions from 1 MiB */
static struct brd_pool pool_of(struct brd_pool_part *parts, size_t n)
{
	return (struct brd_pool){ .size = 64 * GiB, .first = 34 * 512,
		.last = 64 * GiB - 33 * 512, .parts = parts, .nparts = n };
}

static void test_place_empty_pool(void **state)
{
	struct brd_pool p = pool_of(NULL, 0);
	uint64_t at = 0;

	(void)state;
	/* the first slot starts at the 1 MiB alignment, not at LBA 34 */
	assert_int_equal(brd_pool_place(&p, GiB, 512 * MiB, &at), 0);
	assert_true(at == BRD_POOL_ALIGN);
}

static void test_place_skips_used_slots(void **state)
{
	struct brd_pool_part parts[] = {
		{ .partno = 1, .start = MiB, .size = 512 * MiB },
		{ .partno = 2, .start = GiB, .size = GiB },
	};
	struct brd_pool p = pool_of(parts, 2);
	uint64_t at = 0;

	(void)state;
	/* slots of 1 GiB: [1M..) used, [1G..2G) used -> 2 GiB */
	assert_int_equal(brd_pool_place(&p, GiB, 100 * MiB, &at), 0);
	assert_true(at == 2 * GiB);
	/* a size that needs more than a slot: still placed where it fits */
	assert_int_equal(brd_pool_place(&p, GiB, 3 * GiB, &at), 0);
	assert_true(at == 2 * GiB);
}

static void test_place_no_room(void **state)
{
	struct brd_pool p = pool_of(NULL, 0);
	uint64_t at = 12345;

	(void)state;
	assert_int_equal(brd_pool_place(&p, GiB, 65 * GiB, &at), -ENOSPC);
	assert_true(at == 12345);	/* untouched */
}

static void test_place_between_partitions(void **state)
{
	/* a gap of exactly 1 GiB - 1 MiB at slot 1: too small for 1 GiB */
	struct brd_pool_part parts[] = {
		{ .partno = 1, .start = MiB, .size = GiB - MiB },
		{ .partno = 2, .start = 2 * GiB - MiB, .size = GiB },
	};
	struct brd_pool p = pool_of(parts, 2);
	uint64_t at = 0;

	(void)state;
	assert_int_equal(brd_pool_place(&p, GiB, GiB, &at), 0);
	assert_true(at == 3 * GiB);
	assert_int_equal(brd_pool_place(&p, GiB, GiB - 2 * MiB, &at), 0);
	assert_true(at == GiB);
}

static void test_room(void **state)
{
	struct brd_pool_part parts[] = {
		{ .partno = 1, .start = MiB, .size = 512 * MiB },
		{ .partno = 3, .start = 2 * GiB, .size = GiB },
		{ .partno = 2, .start = GiB, .size = 256 * MiB },
	};
	struct brd_pool p = pool_of(parts, 3);

	(void)state;
	/* up to the next partition by position, not by number */
	assert_true(brd_pool_room(&p, 1) == GiB - MiB);
	assert_true(brd_pool_room(&p, 2) == GiB);
	/* the last one: up to the end of the usable area */
	assert_true(brd_pool_room(&p, 3) == p.last - 2 * GiB);
	/* unknown partition */
	assert_true(brd_pool_room(&p, 9) == 0);
	/* what is in the way: the next partition by position, or none */
	assert_int_equal(brd_pool_next(&p, 1)->partno, 2);
	assert_int_equal(brd_pool_next(&p, 2)->partno, 3);
	assert_null(brd_pool_next(&p, 3));
	assert_null(brd_pool_next(&p, 9));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_place_empty_pool),
		cmocka_unit_test(test_place_skips_used_slots),
		cmocka_unit_test(test_place_no_room),
		cmocka_unit_test(test_place_between_partitions),
		cmocka_unit_test(test_room),
	};
	return cmocka_run_group_tests_name("pool", tests, NULL, NULL);
}
