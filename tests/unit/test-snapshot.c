// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests of lib/ramdisk/snapshot.c on sparse files (the same code reads and
 * writes /dev/ramN): zero pages are skipped, the expected page count stops
 * the scan, and a restore writes back and verifies exactly what was saved. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../lib/ramdisk/snapshot.h"

#define PG BRD_SNAP_PAGE
#define SIZE (64 * PG)

static char dir[] = "./test-snapshot.XXXXXX";
static char src[64], dst[64];

static void put_page(const char *path, uint64_t off, int byte, size_t at)
{
	unsigned char page[PG];
	int fd = open(path, O_WRONLY);

	assert_true(fd >= 0);
	memset(page, 0, sizeof(page));
	page[at] = (unsigned char)byte;
	assert_int_equal(pwrite(fd, page, PG, (off_t)off), PG);
	close(fd);
}

static int make_file(const char *path)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);

	if (fd < 0 || ftruncate(fd, SIZE) < 0)
		return -1;
	close(fd);
	return 0;
}

static int setup(void **state)
{
	int fd;

	(void)state;
	if (!mkdtemp(dir))
		return -1;
	snprintf(src, sizeof(src), "%s/src", dir);
	snprintf(dst, sizeof(dst), "%s/dst", dir);
	if (make_file(src) || make_file(dst))
		return -1;
	/* the snapshot reads with O_DIRECT: say so if this filesystem has none */
	fd = open(src, O_RDONLY | O_DIRECT);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(src);
	unlink(dst);
	rmdir(dir);
	return 0;
}

static void test_zero_pages_skipped(void **state)
{
	struct brd_snapshot s;

	(void)state;
	put_page(src, 0, 0x11, 0);
	put_page(src, 5 * PG, 0x22, PG - 1);	/* non-zero only in its last byte */
	put_page(src, 63 * PG, 0x33, 100);
	put_page(src, 7 * PG, 0, 0);		/* written, but all zero */
	assert_int_equal(brd_snapshot_take(src, SIZE, -1, NULL, 0, &s), 0);
	assert_int_equal(s.npages, 3);
	assert_true(s.offsets[0] == 0);
	assert_true(s.offsets[1] == 5 * PG);
	assert_true(s.offsets[2] == 63 * PG);
	assert_true(brd_snapshot_end(&s) == SIZE);
	assert_non_null(s.data);
	assert_int_equal(s.data[PG + PG - 1], 0x22);
	brd_snapshot_free(&s, 1);
}

static void test_nothing_allocated(void **state)
{
	struct brd_snapshot s;

	(void)state;
	/* 0 allocated pages: nothing is read at all */
	assert_int_equal(brd_snapshot_take("/nonexistent/dev", SIZE, 0, NULL, 0,
					   &s), 0);
	assert_int_equal(s.npages, 0);
	assert_true(brd_snapshot_end(&s) == 0);
	brd_snapshot_free(&s, 1);
}

static void test_count_only(void **state)
{
	struct brd_snapshot s;

	(void)state;
	assert_int_equal(brd_snapshot_take(src, SIZE, -1, NULL,
					   BRD_SNAP_COUNT_ONLY, &s), 0);
	assert_int_equal(s.npages, 3);
	assert_null(s.data);
	brd_snapshot_free(&s, 1);
}

static void test_restore_verifies(void **state)
{
	struct brd_snapshot s;
	unsigned char a[PG], b[PG];
	int fa, fb;

	(void)state;
	assert_int_equal(brd_snapshot_take(src, SIZE, -1, NULL, 0, &s), 0);
	assert_int_equal(brd_snapshot_restore(&s, dst, SIZE), 0);
	fa = open(src, O_RDONLY);
	fb = open(dst, O_RDONLY);
	for (uint64_t off = 0; off < SIZE; off += PG) {
		assert_int_equal(pread(fa, a, PG, (off_t)off), PG);
		assert_int_equal(pread(fb, b, PG, (off_t)off), PG);
		assert_memory_equal(a, b, PG);
	}
	close(fa);
	close(fb);
	/* a smaller target keeps the pages that fit, and says nothing of the
	 * cut one (the caller decided with brd_snapshot_end) */
	assert_int_equal(brd_snapshot_restore(&s, dst, 32 * PG), 0);
	brd_snapshot_free(&s, 1);
}

static void test_backup_file(void **state)
{
	struct brd_snapshot s;

	(void)state;
	assert_int_equal(brd_snapshot_take(src, SIZE, -1, dir, 0, &s), 0);
	assert_non_null(s.file);
	assert_null(s.data);
	assert_int_equal(s.npages, 3);
	assert_int_equal(access(s.file, F_OK), 0);
	assert_int_equal(brd_snapshot_restore(&s, dst, SIZE), 0);
	char *f = strdup(s.file);
	brd_snapshot_free(&s, 1);
	assert_int_equal(access(f, F_OK), -1);	/* removed with the snapshot */
	free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_zero_pages_skipped),
		cmocka_unit_test(test_nothing_allocated),
		cmocka_unit_test(test_count_only),
		cmocka_unit_test(test_restore_verifies),
		cmocka_unit_test(test_backup_file),
	};
	return cmocka_run_group_tests_name("snapshot", tests, setup, teardown);
}
