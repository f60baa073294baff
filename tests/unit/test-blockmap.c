// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of lib/md/blockmap.c and lib/md/bitwrite.c, the pure parts: extent
 * flag verdicts, holes, alignment, device bounds, the filesystem
 * allow-list, /proc/mdstat bitmap files, and the planning of device
 * writes (which whole blocks, at which device offsets).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../lib/md/bitwrite.h"
#include "../../lib/md/blockmap.h"

#define LAST		0x1u
#define UNKNOWN		0x2u
#define DELALLOC	0x4u
#define ENCODED		0x8u
#define ENCRYPTED	0x80u
#define NOT_ALIGNED	0x100u
#define INLINE		0x200u
#define TAIL		0x400u
#define UNWRITTEN	0x800u
#define MERGED		0x1000u
#define SHARED		0x2000u

/* a map of @n extents over a file of @size bytes, 4 KiB blocks, on a
 * 1 GiB device with 512-byte logical blocks */
static struct brd_blockmap mkmap(const struct brd_extent *e, size_t n,
				 uint64_t size)
{
	struct brd_blockmap m;

	memset(&m, 0, sizeof(m));
	m.path = strdup("test");
	m.size = size;
	m.blksz = 4096;
	m.dev_size = 1ull << 30;
	m.dev_lbs = 512;
	m.ext = malloc(n ? n * sizeof(*e) : 1);
	if (n)		/* memcpy from NULL is undefined even for 0 bytes */
		memcpy(m.ext, e, n * sizeof(*e));
	m.next = n;
	m.source = BRD_BM_SRC_FIEMAP;
	return m;
}

static size_t count_why(const struct brd_blockmap *m, int why)
{
	size_t c = 0;

	for (size_t i = 0; i < m->nreasons; i++)
		c += m->reasons[i].why == why;
	return c;
}

static bool has_flag_reason(const struct brd_blockmap *m, uint32_t flag)
{
	for (size_t i = 0; i < m->nreasons; i++)
		if (m->reasons[i].why == BRD_BMW_FLAG &&
		    m->reasons[i].flag == flag)
			return true;
	return false;
}

static void test_flag_names(void **state)
{
	char buf[128];

	(void)state;
	assert_string_equal(brd_extent_flag_name(UNWRITTEN), "UNWRITTEN");
	assert_string_equal(brd_extent_flag_name(SHARED), "SHARED");
	assert_null(brd_extent_flag_name(0x40000));
	assert_string_equal(brd_extent_flags_str(0, buf, sizeof(buf)), "");
	assert_string_equal(brd_extent_flags_str(LAST | MERGED, buf,
						 sizeof(buf)), "LAST,MERGED");
	assert_string_equal(brd_extent_flags_str(LAST | UNWRITTEN | 0x40000,
						 buf, sizeof(buf)),
			    "LAST,UNWRITTEN,0x40000");
	/* truncation never overflows */
	brd_extent_flags_str(0xffffffffu, buf, 8);
	assert_true(strlen(buf) < 8);
	assert_string_equal(brd_bm_why_name(BRD_BMW_MDINUSE), "md-in-use");
	assert_string_equal(brd_bm_why_name(-1), "unknown");
	assert_string_equal(brd_bm_why_name(BRD_BMW_NR), "unknown");
}

static void test_bad_flags(void **state)
{
	(void)state;
	assert_int_equal(brd_extent_bad_flags(0), 0);
	assert_int_equal(brd_extent_bad_flags(LAST), 0);
	assert_int_equal(brd_extent_bad_flags(MERGED | LAST), 0);
	static const uint32_t bad[] = { UNKNOWN, DELALLOC, ENCODED, ENCRYPTED,
		NOT_ALIGNED, INLINE, TAIL, UNWRITTEN, SHARED, 0x40000 };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(brd_extent_bad_flags(bad[i] | LAST), bad[i]);
}

static void test_plain_writable(void **state)
{
	struct brd_extent e[] = {
		{ 0, 1 << 20, 8192, 0 },
		{ 8192, 4 << 20, 4096, MERGED | LAST },
	};
	struct brd_blockmap m = mkmap(e, 2, 8192 + 100);

	(void)state;
	assert_int_equal(brd_blockmap_check_extents(&m), 0);
	assert_int_equal(m.nreasons, 0);
	assert_true(brd_blockmap_writable(&m));
	brd_blockmap_free(&m);
}

static void test_each_flag_named_once(void **state)
{
	/* delalloc (ext4 reports 0x7 = LAST|UNKNOWN|DELALLOC), unwritten
	 * twice, shared: one reason per flag, all of them */
	struct brd_extent e[] = {
		{ 0, 0, 4096, UNKNOWN | DELALLOC },
		{ 4096, 1 << 20, 4096, UNWRITTEN },
		{ 8192, 2 << 20, 4096, UNWRITTEN | SHARED },
		{ 12288, 3 << 20, 4096, LAST | ENCODED | ENCRYPTED },
	};
	struct brd_blockmap m = mkmap(e, 4, 16384);

	(void)state;
	assert_int_equal(brd_blockmap_check_extents(&m), 0);
	assert_false(brd_blockmap_writable(&m));
	assert_int_equal(count_why(&m, BRD_BMW_FLAG), 6);
	assert_true(has_flag_reason(&m, UNKNOWN));
	assert_true(has_flag_reason(&m, DELALLOC));
	assert_true(has_flag_reason(&m, UNWRITTEN));
	assert_true(has_flag_reason(&m, SHARED));
	assert_true(has_flag_reason(&m, ENCODED));
	assert_true(has_flag_reason(&m, ENCRYPTED));
	for (size_t i = 0; i < m.nreasons; i++)
		if (m.reasons[i].flag == UNWRITTEN)
			assert_non_null(strstr(m.reasons[i].text,
					       "2 extents UNWRITTEN"));
	/* no bogus "outside the device" for the delalloc extent at 0 */
	assert_int_equal(count_why(&m, BRD_BMW_OUTSIDE), 0);
	brd_blockmap_free(&m);
}

static void test_inline_tail(void **state)
{
	struct brd_extent e[] = {
		{ 0, 0, 4096, LAST | INLINE | NOT_ALIGNED | TAIL },
	};
	struct brd_blockmap m = mkmap(e, 1, 300);

	(void)state;
	assert_int_equal(brd_blockmap_check_extents(&m), 0);
	assert_true(has_flag_reason(&m, INLINE));
	assert_true(has_flag_reason(&m, NOT_ALIGNED));
	assert_true(has_flag_reason(&m, TAIL));
	brd_blockmap_free(&m);
}

static void test_holes(void **state)
{
	/* hole in the middle and at the end */
	struct brd_extent e[] = {
		{ 0, 1 << 20, 4096, 0 },
		{ 8192, 2 << 20, 4096, LAST },
	};
	struct brd_blockmap m = mkmap(e, 2, 5 * 4096);

	(void)state;
	assert_int_equal(brd_blockmap_check_extents(&m), 0);
	assert_int_equal(count_why(&m, BRD_BMW_HOLE), 1);
	assert_non_null(strstr(m.reasons[0].text, "2 holes"));
	assert_non_null(strstr(m.reasons[0].text, "12288 bytes"));
	assert_non_null(strstr(m.reasons[0].text, "offset 4096"));
	brd_blockmap_free(&m);

	/* no extents at all: all hole */
	m = mkmap(NULL, 0, 100);
	assert_int_equal(brd_blockmap_check_extents(&m), 0);
	assert_int_equal(count_why(&m, BRD_BMW_HOLE), 1);
	brd_blockmap_free(&m);

	/* the tail of the last block beyond i_size is part of the block */
	struct brd_extent e2[] = { { 0, 1 << 20, 4096, LAST } };
	m = mkmap(e2, 1, 4097);
	assert_int_equal(brd_blockmap_check_extents(&m), 0);
	assert_int_equal(count_why(&m, BRD_BMW_HOLE), 1);
	brd_blockmap_free(&m);
}

static void test_beyond_eof_ignored(void **state)
{
	/* xfs speculative preallocation after EOF: unwritten, not ours */
	struct brd_extent e[] = {
		{ 0, 1 << 20, 4096, 0 },
		{ 4096, 2 << 20, 65536, UNWRITTEN | LAST },
	};
	struct brd_blockmap m = mkmap(e, 2, 4000);

	(void)state;
	assert_int_equal(brd_blockmap_check_extents(&m), 0);
	assert_int_equal(m.nreasons, 0);
	brd_blockmap_free(&m);
}

static void test_outside_and_alignment(void **state)
{
	struct brd_extent e[] = {
		{ 0, (1ull << 30) - 4096, 8192, LAST },	/* crosses the end */
	};
	struct brd_blockmap m = mkmap(e, 1, 8192);

	(void)state;
	assert_int_equal(brd_blockmap_check_extents(&m), 0);
	assert_int_equal(count_why(&m, BRD_BMW_OUTSIDE), 1);
	brd_blockmap_free(&m);

	struct brd_extent e2[] = { { 0, 1000, 4096, LAST } };
	m = mkmap(e2, 1, 4096);
	assert_int_equal(brd_blockmap_check_extents(&m), 0);
	assert_int_equal(count_why(&m, BRD_BMW_ALIGN), 1);
	brd_blockmap_free(&m);

	/* fs block smaller than the device's logical block */
	struct brd_extent e3[] = { { 0, 8192, 4096, LAST } };
	m = mkmap(e3, 1, 4096);
	m.dev_lbs = 8192;
	assert_int_equal(brd_blockmap_check_extents(&m), 0);
	assert_int_equal(count_why(&m, BRD_BMW_ALIGN), 1);
	brd_blockmap_free(&m);
}

static void test_fs_allow_list(void **state)
{
	const char *name, *note;

	(void)state;
	assert_true(brd_blockmap_fs_allowed(0xEF53, &name, &note));
	assert_true(brd_blockmap_fs_allowed(0x58465342, &name, &note));
	assert_string_equal(name, "xfs");
	assert_false(brd_blockmap_fs_allowed(0x9123683E, &name, &note));
	assert_string_equal(name, "btrfs");
	assert_non_null(note);
	assert_false(brd_blockmap_fs_allowed(0x01021994, &name, &note));
	assert_string_equal(name, "tmpfs");
	assert_false(brd_blockmap_fs_allowed(0x794c7630, &name, &note));
	assert_string_equal(name, "overlayfs");
	assert_false(brd_blockmap_fs_allowed(0x6969, &name, &note));
	assert_false(brd_blockmap_fs_allowed(0x65735546, &name, &note));
	assert_string_equal(name, "fuse");
	assert_false(brd_blockmap_fs_allowed(0x12345678, &name, &note));
	assert_null(name);
	/* sign-extended f_type from a 32-bit statfs */
	assert_true(brd_blockmap_fs_allowed(0xffffffff00000000ul | 0xEF53ul,
					    NULL, NULL));
}

static void test_file_to_dev(void **state)
{
	struct brd_extent e[] = {
		{ 0, 1 << 20, 8192, 0 },
		{ 16384, 5 << 20, 4096, LAST },
	};
	struct brd_blockmap m = mkmap(e, 2, 20480);
	uint64_t d, run;

	(void)state;
	assert_int_equal(brd_blockmap_file_to_dev(&m, 4100, &d, &run), 0);
	assert_int_equal(d, (1 << 20) + 4100);
	assert_int_equal(run, 8192 - 4100);
	assert_int_equal(brd_blockmap_file_to_dev(&m, 8192, &d, &run), -ENXIO);
	assert_int_equal(brd_blockmap_file_to_dev(&m, 16384, &d, NULL), 0);
	assert_int_equal(d, 5 << 20);
	assert_int_equal(brd_blockmap_file_to_dev(&m, 20480, &d, NULL), -ENXIO);
	brd_blockmap_free(&m);
}

static void test_mdstat(void **state)
{
	static const char text[] =
		"Personalities : [raid1] [raid0]\n"
		"md126 : active raid0 ram3[1] ram2[0]\n"
		"      16256 blocks super 1.2 512k chunks\n"
		"      \n"
		"md127 : active raid1 ram1[1] ram0[0]\n"
		"      8128 blocks super 1.2 [2/2] [UU]\n"
		"      bitmap: 0/1 pages [0KB], 64KB chunk, file: /mnt/a\\040b/bm\n"
		"\n"
		"md125 : active raid1 ram5[1] ram4[0]\n"
		"      8128 blocks super 1.2 [2/2] [UU]\n"
		"      bitmap: 1/1 pages [4KB], 65536KB chunk\n"
		"\n"
		"unused devices: <none>\n";
	char **names, **paths;
	size_t n;

	(void)state;
	assert_int_equal(brd_mdstat_bitmap_files(text, &names, &paths, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(names[0], "md127");
	assert_string_equal(paths[0], "/mnt/a b/bm");
	brd_strv_free(names, n);
	brd_strv_free(paths, n);

	assert_int_equal(brd_mdstat_bitmap_files("", &names, &paths, &n), 0);
	assert_int_equal(n, 0);
	/* a truncated escape is taken literally, never read past the end */
	assert_int_equal(brd_mdstat_bitmap_files(
		"md1 : active raid1 a[0]\n  bitmap: 0/1 pages, file: /x\\04",
		&names, &paths, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(paths[0], "/x\\04");
	brd_strv_free(names, n);
	brd_strv_free(paths, n);
}

/* ------------------------------------------------------ write planning */

static void test_plan_blocks(void **state)
{
	/* 1 KiB blocks: file 0-3071 in one extent, 3072-5119 in another */
	struct brd_extent e[] = {
		{ 0, 100 * 1024, 3072, 0 },
		{ 3072, 500 * 1024, 2048, LAST },
	};
	struct brd_blockmap m = mkmap(e, 2, 4500);
	struct brd_bw_block *b;
	size_t n;

	(void)state;
	m.blksz = 1024;
	/* one byte in block 0, overlapping ranges in blocks 2-3, the last
	 * partial block: sorted, unique, whole blocks */
	struct brd_bw_range r[] = {
		{ 4400, 100 }, { 10, 1 }, { 2100, 1000 }, { 3000, 10 },
	};
	assert_int_equal(brd_bitwrite_blocks(&m, r, 4, &b, &n), 0);
	assert_int_equal(n, 4);
	assert_int_equal(b[0].file_off, 0);
	assert_int_equal(b[0].dev_off, 100 * 1024);
	assert_int_equal(b[1].file_off, 2048);
	assert_int_equal(b[1].dev_off, 102 * 1024);
	assert_int_equal(b[2].file_off, 3072);
	assert_int_equal(b[2].dev_off, 500 * 1024);
	assert_int_equal(b[3].file_off, 4096);
	assert_int_equal(b[3].dev_off, 501 * 1024);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(b[i].len, 1024);
		assert_int_equal(b[i].state, BRD_BW_PLANNED);
		assert_null(b[i].old);
	}
	free(b);

	/* the superblock only: one block */
	struct brd_bw_range sb = { 0, 256 };
	assert_int_equal(brd_bitwrite_blocks(&m, &sb, 1, &b, &n), 0);
	assert_int_equal(n, 1);
	free(b);
	brd_blockmap_free(&m);
}

static void test_plan_refusals(void **state)
{
	struct brd_extent e[] = {
		{ 0, 1 << 20, 4096, 0 },
		{ 8192, 2 << 20, 4096, LAST },
	};
	struct brd_blockmap m = mkmap(e, 2, 12288);
	struct brd_bw_block *b = (void *)1;
	size_t n = 7;

	(void)state;
	/* beyond i_size, empty */
	struct brd_bw_range past = { 12000, 289 }, empty = { 0, 0 },
			    far = { UINT64_MAX - 1, 2 };
	assert_int_equal(brd_bitwrite_blocks(&m, &past, 1, &b, &n), -EINVAL);
	assert_null(b);
	assert_int_equal(n, 0);
	assert_int_equal(brd_bitwrite_blocks(&m, &empty, 1, &b, &n), -EINVAL);
	assert_int_equal(brd_bitwrite_blocks(&m, &far, 1, &b, &n), -EINVAL);
	/* a hole: never written */
	struct brd_bw_range hole = { 4096, 10 };
	assert_int_equal(brd_bitwrite_blocks(&m, &hole, 1, &b, &n), -ENXIO);
	assert_null(b);
	/* an extent shorter than a block */
	m.ext[1].length = 1024;
	struct brd_bw_range last = { 8192, 10 };
	assert_int_equal(brd_bitwrite_blocks(&m, &last, 1, &b, &n), -ERANGE);
	brd_blockmap_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flag_names),
		cmocka_unit_test(test_bad_flags),
		cmocka_unit_test(test_plain_writable),
		cmocka_unit_test(test_each_flag_named_once),
		cmocka_unit_test(test_inline_tail),
		cmocka_unit_test(test_holes),
		cmocka_unit_test(test_beyond_eof_ignored),
		cmocka_unit_test(test_outside_and_alignment),
		cmocka_unit_test(test_fs_allow_list),
		cmocka_unit_test(test_file_to_dev),
		cmocka_unit_test(test_mdstat),
		cmocka_unit_test(test_plan_blocks),
		cmocka_unit_test(test_plan_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
