// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests of lib/base/size.c: util-linux size semantics. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../../lib/base/size.h"

static void ok(const char *s, uint64_t want)
{
	uint64_t v = 0xdeadbeef;
	int rc = brd_parse_size(s, &v);

	if (rc)
		fail_msg("'%s': unexpected error %d", s, rc);
	if (v != want)
		fail_msg("'%s': got %llu, want %llu", s, (unsigned long long)v,
			 (unsigned long long)want);
}

static void bad(const char *s, int want)
{
	uint64_t v = 12345;
	int rc = brd_parse_size(s, &v);

	if (rc != want)
		fail_msg("'%s': got rc %d, want %d", s, rc, want);
	assert_int_equal(v, 12345);	/* untouched on error */
}

static void test_plain(void **state)
{
	(void)state;
	ok("0", 0);
	ok("512", 512);
	ok("18446744073709551615", UINT64_MAX);
}

static void test_binary_suffixes(void **state)
{
	(void)state;
	ok("4K", 4096);
	ok("4k", 4096);
	ok("4KiB", 4096);
	ok("1M", 1 << 20);
	ok("2G", 2ULL << 30);
	ok("3T", 3ULL << 40);
	ok("1P", 1ULL << 50);
	ok("15E", 15ULL << 60);
	ok("1MiB", 1 << 20);
}

static void test_decimal_suffixes(void **state)
{
	(void)state;
	ok("4KB", 4000);
	ok("1MB", 1000000);
	ok("1GB", 1000000000);
	ok("1.5KB", 1500);
}

static void test_fractions(void **state)
{
	(void)state;
	ok("1.5G", 3ULL << 29);
	ok("1.5K", 1536);
	ok("0.5M", 512 * 1024);
	ok("0.1K", 102);	/* truncated to whole bytes */
	ok("1.000000000000000000001K", 1024);
}

static void test_garbage(void **state)
{
	(void)state;
	bad("", -EINVAL);
	bad("K", -EINVAL);
	bad("-1", -EINVAL);
	bad("+1", -EINVAL);
	bad(" 1", -EINVAL);
	bad("1 ", -EINVAL);
	bad("1X", -EINVAL);
	bad("1KK", -EINVAL);
	bad("1Ki", -EINVAL);
	bad("1KIB", -EINVAL);
	bad("1.5", -EINVAL);
	bad("1.", -EINVAL);
	bad(".5K", -EINVAL);
	bad("1.5.K", -EINVAL);
	bad("0x10", -EINVAL);
}

static void test_overflow(void **state)
{
	(void)state;
	ok("15.999999999999999999E", UINT64_MAX - 1);
	bad("18446744073709551616", -ERANGE);
	bad("16E", -ERANGE);
	bad("99999999999999999999999", -ERANGE);
	bad("17179869184G", -ERANGE);
	bad("16.5E", -ERANGE);
	ok("15.5E", 31ULL << 59);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_binary_suffixes),
		cmocka_unit_test(test_decimal_suffixes),
		cmocka_unit_test(test_fractions),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_overflow),
	};
	return cmocka_run_group_tests_name("size", tests, NULL, NULL);
}
