// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests of lib/ramdisk/persist-record.c: which image a ramdisk is
 * persisted to, under /run/brdctl/image of the library root. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../lib/ramdisk/applied.h"
#include "../../lib/ramdisk/persist.h"
#include "../../lib/base/sysfs.h"

static char root[] = "/tmp/test-persist.XXXXXX";

static int setup(void **state)
{
	char p[4200];

	(void)state;
	if (!mkdtemp(root))
		return -1;
	snprintf(p, sizeof(p), "%s/run", root);
	if (mkdir(p, 0755) < 0)
		return -1;
	return brd_set_root(root);
}

static int teardown(void **state)
{
	char p[4200];

	(void)state;
	brd_set_root(NULL);
	snprintf(p, sizeof(p), "rm -rf '%s'", root);
	return system(p);
}

static void write_raw(const char *name, const char *text)
{
	char p[4200];
	FILE *f;

	snprintf(p, sizeof(p), "%s/run/brdctl/image/%s", root, name);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_record_roundtrip(void **state)
{
	char image[256], other[64];
	int64_t ns = 1;

	(void)state;
	assert_int_equal(brd_persist_lookup("cache", image, sizeof(image), &ns), -ENOENT);
	assert_int_equal(brd_persist_record("cache", "/var/lib/brdctl/cache.img",
					    1764645600123456789LL), 0);
	assert_int_equal(brd_persist_lookup("cache", image, sizeof(image), &ns), 0);
	assert_string_equal(image, "/var/lib/brdctl/cache.img");
	assert_true(ns == 1764645600123456789LL);
	/* replaced as a whole */
	assert_int_equal(brd_persist_record("cache", "/srv/b.img", 0), 0);
	assert_int_equal(brd_persist_lookup("cache", image, sizeof(image), &ns), 0);
	assert_string_equal(image, "/srv/b.img");
	assert_true(ns == 0);
	/* no temporary file left, and no record of a line */
	{
		char p[4200];

		snprintf(p, sizeof(p), "ls -A '%s/run/brdctl/image' | grep -qvx cache", root);
		assert_int_not_equal(system(p), 0);
	}
	assert_int_equal(brd_applied_other("x", other, sizeof(other)), 0);
	/* too small a buffer */
	assert_int_equal(brd_persist_lookup("cache", image, 5, &ns), -ENAMETOOLONG);
	assert_int_equal(brd_persist_forget("cache"), 0);
	assert_int_equal(brd_persist_lookup("cache", image, sizeof(image), &ns), -ENOENT);
	assert_int_equal(brd_persist_forget("cache"), 0);	/* twice is fine */
}

static void test_record_forget_all(void **state)
{
	char image[256], p[4200];
	int64_t ns;

	(void)state;
	assert_int_equal(brd_persist_forget_all(), 0);	/* none: fine */
	assert_int_equal(brd_persist_record("a", "/srv/a.img", 1), 0);
	assert_int_equal(brd_persist_record("ram0", "/srv/r.img", 2), 0);
	assert_int_equal(brd_applied_save("a", "a 16M"), 0);
	assert_int_equal(brd_persist_forget_all(), 0);
	assert_int_equal(brd_persist_lookup("a", image, sizeof(image), &ns), -ENOENT);
	assert_int_equal(brd_persist_lookup("ram0", image, sizeof(image), &ns), -ENOENT);
	/* a line's record is not an image record: it stays */
	snprintf(p, sizeof(p), "%s/run/brdctl/applied/a", root);
	assert_int_equal(access(p, F_OK), 0);
	assert_int_equal(brd_applied_remove("a"), 0);
}

static void test_record_refused(void **state)
{
	char image[256];
	int64_t ns;

	(void)state;
	assert_int_equal(brd_persist_record("a", "relative.img", 0), -EINVAL);
	assert_int_equal(brd_persist_record("a", "/x\ny", 0), -EINVAL);
	assert_int_equal(brd_persist_record("../a", "/x", 0), -EINVAL);
	assert_int_equal(brd_persist_record("", "/x", 0), -EINVAL);
	assert_int_equal(brd_persist_lookup("..", image, sizeof(image), &ns), -EINVAL);
	assert_int_equal(brd_persist_forget("a/b"), -EINVAL);
	/* the one name rule, not just "no slash" */
	assert_int_equal(brd_persist_record("a b", "/x", 0), -EINVAL);
	assert_int_equal(brd_persist_record("-x", "/x", 0), -EINVAL);
	assert_int_equal(brd_persist_record("ram01", "/x", 0), -EINVAL);
	assert_int_equal(brd_persist_lookup("a\nb", image, sizeof(image), &ns), -EINVAL);
	assert_int_equal(brd_persist_record("ram0p2", "/x", 0), 0);
	assert_int_equal(brd_persist_forget("ram0p2"), 0);
	assert_int_equal(brd_persist_lookup("a", image, sizeof(image), &ns), -ENOENT);
}

static void test_record_damaged(void **state)
{
	char image[256];
	int64_t ns;

	(void)state;
	assert_int_equal(brd_persist_record("d", "/ok.img", 5), 0);
	write_raw("d", "");
	assert_int_equal(brd_persist_lookup("d", image, sizeof(image), &ns), -EBADMSG);
	write_raw("d", "12x\n/a.img\n");
	assert_int_equal(brd_persist_lookup("d", image, sizeof(image), &ns), -EBADMSG);
	write_raw("d", "12\nrelative\n");
	assert_int_equal(brd_persist_lookup("d", image, sizeof(image), &ns), -EBADMSG);
	write_raw("d", "12\n/a.img\n/b.img\n");
	assert_int_equal(brd_persist_lookup("d", image, sizeof(image), &ns), -EBADMSG);
	write_raw("d", "-3\n/a b.img\n");
	assert_int_equal(brd_persist_lookup("d", image, sizeof(image), &ns), 0);
	assert_string_equal(image, "/a b.img");
	assert_true(ns == -3);
	assert_int_equal(brd_persist_forget("d"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_record_roundtrip),
		cmocka_unit_test(test_record_forget_all),
		cmocka_unit_test(test_record_refused),
		cmocka_unit_test(test_record_damaged),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
