// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests of the image format (lib/ramdisk/persist.c): the trailer
 * round-trips and refuses a wrong magic, a damaged byte, an unknown
 * version; the checksum skips zero pages but sees where a page is; an
 * image file verifies, and a flipped data byte or a cut file does not. */
#include <errno.h>
#include <fcntl.h>
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
#include <xxhash.h>

#include "../../lib/base/endian.h"
#include "../../lib/ramdisk/persist.h"
#include "../../lib/ramdisk/trust.h"

#define PG BRD_IMAGE_PAGE

static const struct brd_image_info sample = {
	.size = 64 * PG, .data_pages = 3, .csum = 0x0123456789abcdefULL,
	.saved_ns = 1764640000123456789LL, .name = "cache",
};

static void test_trailer_round_trip(void **state)
{
	unsigned char t[BRD_IMAGE_TRAILER];
	struct brd_image_info out;

	(void)state;
	brd_image_trailer_encode(&sample, t);
	assert_memory_equal(t, "BRDIMAGE", 8);
	assert_int_equal(brd_get_le64(t + 16), 64 * PG);
	assert_int_equal(brd_image_trailer_decode(t, &out), 0);
	assert_int_equal(out.size, sample.size);
	assert_int_equal(out.data_pages, 3);
	assert_int_equal(out.csum, sample.csum);
	assert_int_equal(out.saved_ns, sample.saved_ns);
	assert_string_equal(out.name, "cache");
}

static void test_trailer_damaged(void **state)
{
	unsigned char t[BRD_IMAGE_TRAILER];
	struct brd_image_info out;
	static const size_t at[] = { 8, 16, 24, 33, 40, 48, 200, 4095 };

	(void)state;
	for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		brd_image_trailer_encode(&sample, t);
		t[at[i]] ^= 0x10;
		assert_int_equal(brd_image_trailer_decode(t, &out), -EBADMSG);
	}
}

static void test_trailer_wrong_magic(void **state)
{
	unsigned char t[BRD_IMAGE_TRAILER];
	struct brd_image_info out;

	(void)state;
	brd_image_trailer_encode(&sample, t);
	t[0] = 'X';
	assert_int_equal(brd_image_trailer_decode(t, &out), -EBADMSG);
	memset(t, 0, sizeof(t));		/* a hole where the trailer should be */
	assert_int_equal(brd_image_trailer_decode(t, &out), -EBADMSG);
}

/* a well-checksummed trailer of an unknown version, or counting more pages
 * than the size holds, is refused too */
static void test_trailer_version(void **state)
{
	unsigned char t[BRD_IMAGE_TRAILER];
	struct brd_image_info out, big = sample;

	(void)state;
	brd_image_trailer_encode(&sample, t);
	brd_put_le32(t + 8, 2);
	brd_put_le64(t + BRD_IMAGE_TRAILER - 8,
		     XXH3_64bits(t, BRD_IMAGE_TRAILER - 8));
	assert_int_equal(brd_image_trailer_decode(t, &out), -EBADMSG);
	big.data_pages = 65;
	brd_image_trailer_encode(&big, t);
	assert_int_equal(brd_image_trailer_decode(t, &out), -EBADMSG);
}

static uint64_t csum_of(const unsigned char *buf, size_t len, uint64_t off,
			uint64_t *pages)
{
	struct brd_image_csum c;

	assert_int_equal(brd_image_csum_init(&c), 0);
	brd_image_csum_add(&c, off, buf, len);
	*pages = c.pages;
	return brd_image_csum_end(&c);
}

static void test_csum_skips_zero_pages(void **state)
{
	static unsigned char a[8 * PG], b[8 * PG];
	uint64_t pa, pb, ha, hb;

	(void)state;
	memset(a, 0, sizeof(a));
	a[2 * PG + 7] = 1;
	a[5 * PG + PG - 1] = 2;
	ha = csum_of(a, sizeof(a), 0, &pa);
	assert_int_equal(pa, 2);
	/* the same two pages fed in pieces (page-aligned chunks) */
	{
		struct brd_image_csum c;

		assert_int_equal(brd_image_csum_init(&c), 0);
		brd_image_csum_add(&c, 0, a, 3 * PG);
		brd_image_csum_add(&c, 3 * PG, a + 3 * PG, 5 * PG);
		assert_int_equal(brd_image_csum_end(&c), ha);
	}
	/* more zero pages around them change nothing */
	hb = csum_of(a, 6 * PG, 0, &pb);
	assert_int_equal(hb, ha);
	/* the same bytes one page further are another content */
	memset(b, 0, sizeof(b));
	b[3 * PG + 7] = 1;
	b[6 * PG + PG - 1] = 2;
	hb = csum_of(b, sizeof(b), 0, &pb);
	assert_int_equal(pb, 2);
	assert_true(hb != ha);
	/* nothing but zeros: no pages */
	memset(b, 0, sizeof(b));
	csum_of(b, sizeof(b), 0, &pb);
	assert_int_equal(pb, 0);
}

static char dir[] = "./test-persist.XXXXXX";
static char img[64];

/* an image of 64 pages with data in pages 1, 2 and 40, by hand */
static void make_image(void)
{
	static unsigned char content[64 * PG];
	unsigned char t[BRD_IMAGE_TRAILER];
	struct brd_image_info info = sample;
	uint64_t pages;
	int fd;

	memset(content, 0, sizeof(content));
	memset(content + PG, 0xa5, 2 * PG);
	content[40 * PG + 100] = 9;
	info.csum = csum_of(content, sizeof(content), 0, &pages);
	info.data_pages = pages;
	brd_image_trailer_encode(&info, t);
	fd = open(img, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 64 * PG), 0);
	assert_int_equal(pwrite(fd, content + PG, 2 * PG, PG), 2 * PG);
	assert_int_equal(pwrite(fd, content + 40 * PG, PG, 40 * PG), PG);
	assert_int_equal(pwrite(fd, t, sizeof(t), 64 * PG), sizeof(t));
	close(fd);
}

static void flip(uint64_t off)
{
	unsigned char c;
	int fd = open(img, O_RDWR);

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &c, 1, (off_t)off), 1);
	c ^= 0x01;
	assert_int_equal(pwrite(fd, &c, 1, (off_t)off), 1);
	close(fd);
}

static void test_image_verify(void **state)
{
	struct brd_image_info info;

	(void)state;
	make_image();
	assert_int_equal(brd_image_read_info(img, &info), 0);
	assert_int_equal(info.size, 64 * PG);
	assert_int_equal(info.data_pages, 3);
	assert_int_equal(brd_image_verify(img, &info), 0);
	flip(PG + 17);				/* a data byte */
	assert_int_equal(brd_image_read_info(img, &info), 0);
	assert_int_equal(brd_image_verify(img, &info), -EBADMSG);
	make_image();
	flip(10 * PG);				/* a byte in a hole */
	assert_int_equal(brd_image_verify(img, &info), -EBADMSG);
	make_image();
	flip(64 * PG + 20);			/* the trailer */
	assert_int_equal(brd_image_read_info(img, &info), -EBADMSG);
	assert_int_equal(brd_image_verify(img, &info), -EBADMSG);
	make_image();
	assert_int_equal(truncate(img, 63 * PG + BRD_IMAGE_TRAILER), 0);
	assert_int_equal(brd_image_read_info(img, &info), -EBADMSG);
	assert_int_equal(brd_image_read_info("/nonexistent/image", &info), -ENOENT);
}

/* images are opened under StrictModes; --force opens an untrusted one but
 * never anything that is not a regular file */
static void test_image_open(void **state)
{
	struct brd_image_info info;
	struct brd_trust t;
	char fifo[128];
	int fd;

	(void)state;
	if (geteuid() != 0)
		skip();		/* another owner needs root */
	make_image();
	chmod(img, 0644);
	fd = brd_image_open(img, 0, &t);
	assert_true(fd >= 0);
	assert_int_equal(brd_image_read_info_fd(fd, img, &info), 0);
	assert_int_equal(brd_image_verify_fd(fd, img, &info), 0);
	close(fd);
	assert_string_equal(t.fix, "");
	assert_int_equal(chown(img, 65534, 0), 0);
	assert_int_equal(brd_image_open(img, 0, &t), -EPERM);
	assert_string_equal(t.why, "owned by uid 65534, not root");
	assert_int_equal(brd_image_read_info(img, &info), -EPERM);
	assert_int_equal(brd_image_verify(img, &info), -EPERM);
	assert_int_equal(brd_image_restore(img, "/dev/null", 0, &info), -EPERM);
	fd = brd_image_open(img, BRD_IMAGE_UNTRUSTED, &t);
	assert_true(fd >= 0);
	assert_string_not_equal(t.fix, "");	/* to warn about */
	assert_int_equal(brd_image_read_info_fd(fd, img, &info), 0);
	close(fd);
	assert_int_equal(chown(img, 0, 0), 0);
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	alarm(10);
	assert_int_equal(brd_image_open(fifo, 0, &t), -EINVAL);
	assert_string_equal(t.why, "not a regular file (a FIFO)");
	chmod(dir, 0777);		/* untrusted, and a FIFO: still refused */
	assert_int_equal(brd_image_open(fifo, BRD_IMAGE_UNTRUSTED, &t), -EINVAL);
	assert_string_equal(t.why, "not a regular file (a FIFO)");
	alarm(0);
	chmod(dir, 0700);
	unlink(fifo);
	assert_int_equal(brd_image_open(dir, 0, &t), -EINVAL);
	assert_string_equal(t.why, "not a regular file (a directory)");
}

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	snprintf(img, sizeof(img), "%s/img", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(img);
	return rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_trailer_round_trip),
		cmocka_unit_test(test_trailer_damaged),
		cmocka_unit_test(test_trailer_wrong_magic),
		cmocka_unit_test(test_trailer_version),
		cmocka_unit_test(test_csum_skips_zero_pages),
		cmocka_unit_test(test_image_verify),
		cmocka_unit_test(test_image_open),
	};

	return cmocka_run_group_tests_name("persist", tests, setup, teardown);
}
