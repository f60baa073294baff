// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests of lib/bitmap.c and lib/bitmap-io.c (cmocka). */
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
#include <sys/stat.h>
#include <cmocka.h>

#include "../../lib/bitmap.h"
#include "../../lib/dio.h"

/* A superblock written byte by byte, independent of the encoder. */
static void raw_sb(unsigned char *p)
{
	static const unsigned char hdr[] = {
		0x62, 0x69, 0x74, 0x6d,		/* magic "bitm" */
		0x04, 0, 0, 0,			/* version 4 */
	};
	memset(p, 0, 256);
	memcpy(p, hdr, sizeof(hdr));
	for (int i = 0; i < 16; i++)
		p[8 + i] = (unsigned char)(0xa0 + i);
	p[24] = 0x10; p[31] = 0x01;		/* events 0x0100000000000010 */
	p[32] = 0x0f;				/* events_cleared 15 */
	p[40] = 0x00; p[41] = 0x00; p[42] = 0x20;	/* sync 0x200000 */
	p[48] = 0x02;				/* state stale */
	p[54] = 0x01;				/* chunksize 65536 */
	p[56] = 5;				/* daemon */
	p[60] = 0x00; p[61] = 0x01;		/* write_behind 256 */
	p[64] = 8;				/* sectors_reserved */
	p[68] = 0;				/* nodes */
	memcpy(p + 72, "cluster-x", 9);
}

static void test_decode(void **state)
{
	unsigned char buf[256], out[256];
	struct brd_bitmap_sb sb;

	(void)state;
	raw_sb(buf);
	brd_bitmap_sb_decode(&sb, buf);
	assert_int_equal(sb.magic, BRD_BITMAP_MAGIC);
	assert_int_equal(sb.version, 4);
	assert_int_equal(sb.uuid[0], 0xa0);
	assert_int_equal(sb.uuid[15], 0xaf);
	assert_true(sb.events == 0x0100000000000010ull);
	assert_true(sb.events_cleared == 15);
	assert_true(sb.sync_size == 0x200000);
	assert_int_equal(sb.state, BRD_BITMAP_STALE);
	assert_int_equal(sb.chunksize, 65536);
	assert_int_equal(sb.daemon_sleep, 5);
	assert_int_equal(sb.write_behind, 256);
	assert_int_equal(sb.sectors_reserved, 8);
	assert_string_equal(sb.cluster_name, "cluster-x");
	/* encode reproduces the bytes exactly */
	brd_bitmap_sb_encode(&sb, out);
	assert_memory_equal(buf, out, 256);
}

static void test_cluster_name_unterminated(void **state)
{
	unsigned char buf[256];
	struct brd_bitmap_sb sb;

	(void)state;
	raw_sb(buf);
	memset(buf + 72, 'x', 64);
	memset(buf + 136, 'y', 120);	/* pad must not leak in */
	brd_bitmap_sb_decode(&sb, buf);
	assert_int_equal(strlen(sb.cluster_name), 64);
}

static struct brd_bitmap_sb good_sb(void)
{
	struct brd_bitmap_sb sb;

	memset(&sb, 0, sizeof(sb));
	sb.magic = BRD_BITMAP_MAGIC;
	sb.version = 4;
	sb.chunksize = 65536;
	sb.sync_size = 2097152;
	sb.daemon_sleep = 5;
	return sb;
}

static void test_geom(void **state)
{
	struct brd_bitmap_sb sb = good_sb();
	struct brd_bitmap_geom g;
	char why[200];

	(void)state;
	assert_int_equal(brd_bitmap_geom(&sb, &g, why, sizeof(why)), 0);
	assert_true(g.chunks == 16384);
	assert_true(g.data_offset == 256);
	assert_true(g.data_bytes == 2048);
	assert_true(g.area_bytes == 2304);
	assert_false(g.per_byte);

	/* partial last chunk rounds up; partial last byte too */
	sb.sync_size = 129;	/* 66048 bytes / 65536 -> 2 chunks */
	assert_int_equal(brd_bitmap_geom(&sb, &g, why, sizeof(why)), 0);
	assert_true(g.chunks == 2);
	assert_true(g.data_bytes == 1);

	/* llbitmap: chunksize in sectors, a byte per chunk from 1024 */
	sb = good_sb();
	sb.version = 6;
	sb.chunksize = 128;
	assert_int_equal(brd_bitmap_geom(&sb, &g, why, sizeof(why)), 0);
	assert_true(g.chunk_bytes == 65536);
	assert_true(g.chunks == 16384);
	assert_true(g.data_offset == 1024);
	assert_true(g.data_bytes == 16384);
	assert_true(g.per_byte);

	/* sync_size 0: no chunks, valid */
	sb = good_sb();
	sb.sync_size = 0;
	assert_int_equal(brd_bitmap_geom(&sb, &g, why, sizeof(why)), 0);
	assert_true(g.chunks == 0 && g.area_bytes == 256);
}

static void expect_bad(struct brd_bitmap_sb sb, int err, const char *word)
{
	struct brd_bitmap_geom g;
	char why[200] = "";

	assert_int_equal(brd_bitmap_geom(&sb, &g, why, sizeof(why)), err);
	assert_non_null(strstr(why, word));
}

static void test_geom_invalid(void **state)
{
	struct brd_bitmap_sb sb;

	(void)state;
	sb = good_sb(); sb.magic = 0x12345678;
	expect_bad(sb, -EBADMSG, "magic");
	sb = good_sb(); sb.version = 2;
	expect_bad(sb, -EBADMSG, "version 2");
	sb = good_sb(); sb.version = 7;
	expect_bad(sb, -EBADMSG, "version 7");
	sb = good_sb(); sb.chunksize = 0;
	expect_bad(sb, -EBADMSG, "chunksize is 0");
	sb = good_sb(); sb.chunksize = 3000;
	expect_bad(sb, -EBADMSG, "chunksize 3000 is not a power of two");
	sb = good_sb(); sb.version = 6; sb.chunksize = 129;
	expect_bad(sb, -EBADMSG, "power of two");
	sb = good_sb(); sb.sync_size = UINT64_MAX;
	expect_bad(sb, -EBADMSG, "sync_size");
	sb = good_sb(); sb.sync_size = BRD_BITMAP_MAX_SYNC_SIZE + 1;
	expect_bad(sb, -EBADMSG, "overflows");
	sb = good_sb(); sb.nodes = 1000;
	expect_bad(sb, -EBADMSG, "nodes");
}

static void test_bits_math(void **state)
{
	(void)state;
	assert_true(brd_bitmap_bits(0, 4096) == 0);
	assert_true(brd_bitmap_bits(8, 0) == 0);
	assert_true(brd_bitmap_bits(8, 4096) == 1);
	assert_true(brd_bitmap_bits(9, 4096) == 2);
	assert_true(brd_bitmap_bits(BRD_BITMAP_MAX_SYNC_SIZE, 1) ==
		    BRD_BITMAP_MAX_SYNC_SIZE * 512);
	assert_true(brd_bitmap_bits(UINT64_MAX, 512) == UINT64_MAX);
	/* mdadm: 4 KiB doubled while sync > chunk << 11 */
	assert_true(brd_bitmap_default_chunk(2048) == 4096);
	assert_true(brd_bitmap_default_chunk(4096 * 2048) == 4096);
	assert_true(brd_bitmap_default_chunk(4096 * 2048 + 1) == 8192);
	assert_true(brd_bitmap_default_chunk(2097152) == 4096);
	assert_true(brd_bitmap_default_chunk(1ull << 40) == 1ull << 29);
	assert_true(brd_bitmap_bits(2097152, brd_bitmap_default_chunk(2097152))
		    <= (1u << 20));
	{
		struct brd_bitmap_geom g = { .chunks = 235 };

		assert_true(brd_bitmap_slot_bytes(&g) == 4096);
		g.chunks = (4096 - 256) * 8 + 1;
		assert_true(brd_bitmap_slot_bytes(&g) == 8192);
	}
}

/* --- scanning --- */

struct rec {
	uint64_t first[16384], count[16384];
	int n;
};

static int rec_cb(void *arg, uint64_t first, uint64_t count)
{
	struct rec *r = arg;

	assert_true(r->n < 16384);
	r->first[r->n] = first;
	r->count[r->n] = count;
	r->n++;
	return 0;
}

static uint64_t lcg(uint64_t *s)
{
	*s = *s * 6364136223846793005ull + 1442695040888963407ull;
	return *s >> 33;
}

/* Compare streaming scans (any split) with a naive bit-by-bit count. */
static void test_scan_bits_random(void **state)
{
	unsigned char data[3000];
	uint64_t seed = 42;

	(void)state;
	for (int iter = 0; iter < 200; iter++) {
		struct brd_bitmap_geom g = { 0 };
		struct brd_bitmap_scan s;
		static struct rec r;
		uint64_t chunks = lcg(&seed) % (sizeof(data) * 8) + 1;
		uint64_t naive = 0, off = 0, c;
		int density = (int)(lcg(&seed) % 4);

		r.n = 0;

		for (size_t i = 0; i < sizeof(data); i++) {
			uint64_t v = lcg(&seed);

			data[i] = density == 0 ? 0 : density == 1 ? 0xff :
				  density == 2 ? (unsigned char)v :
				  (v % 7 == 0 ? (unsigned char)v : 0);
		}
		g.chunks = chunks;
		g.data_bytes = (chunks + 7) / 8;
		brd_bitmap_scan_init(&s, &g, iter % 2 ? rec_cb : NULL, &r);
		while (off < sizeof(data)) {
			size_t n = (size_t)(lcg(&seed) % 700) + 1;

			if (n > sizeof(data) - off)
				n = sizeof(data) - off;
			assert_int_equal(brd_bitmap_scan_feed(&s, data + off, n), 0);
			off += n;
		}
		assert_int_equal(brd_bitmap_scan_finish(&s), 0);
		assert_true(brd_bitmap_scan_complete(&s));
		assert_true(s.seen == chunks);
		for (c = 0; c < chunks; c++)
			naive += (data[c / 8] >> (c % 8)) & 1;
		assert_true(s.dirty == naive);
		if (iter % 2) {
			/* ranges: disjoint, ordered, maximal, exact */
			uint64_t sum = 0, prev_end = 0;

			for (int i = 0; i < r.n; i++) {
				assert_true(r.count[i] > 0);
				assert_true(i == 0 || r.first[i] > prev_end);
				for (c = r.first[i]; c < r.first[i] + r.count[i]; c++)
					assert_true((data[c / 8] >> (c % 8)) & 1);
				if (r.first[i] > 0)
					assert_false((data[(r.first[i] - 1) / 8] >>
						      ((r.first[i] - 1) % 8)) & 1);
				prev_end = r.first[i] + r.count[i];
				sum += r.count[i];
			}
			assert_true(sum == naive);
			assert_true(s.ranges == (uint64_t)r.n);
		}
	}
}

static void test_scan_tail_bits_ignored(void **state)
{
	unsigned char data[2] = { 0xff, 0xff };
	struct brd_bitmap_geom g = { .chunks = 10, .data_bytes = 2 };
	struct brd_bitmap_scan s;
	struct rec r = { .n = 0 };

	(void)state;
	brd_bitmap_scan_init(&s, &g, rec_cb, &r);
	assert_int_equal(brd_bitmap_scan_feed(&s, data, 2), 0);
	assert_int_equal(brd_bitmap_scan_finish(&s), 0);
	assert_true(s.dirty == 10);
	assert_int_equal(r.n, 1);
	assert_true(r.first[0] == 0 && r.count[0] == 10);
	/* extra data after the last chunk is ignored */
	assert_int_equal(brd_bitmap_scan_feed(&s, data, 2), 0);
	assert_true(s.dirty == 10 && s.seen == 10);
}

static void test_scan_incomplete(void **state)
{
	unsigned char data[4] = { 0x01, 0x80, 0, 0 };
	struct brd_bitmap_geom g = { .chunks = 100, .data_bytes = 13 };
	struct brd_bitmap_scan s;

	(void)state;
	brd_bitmap_scan_init(&s, &g, NULL, NULL);
	assert_int_equal(brd_bitmap_scan_feed(&s, data, sizeof(data)), 0);
	assert_false(brd_bitmap_scan_complete(&s));
	assert_true(s.seen == 32 && s.dirty == 2);
}

static void test_scan_llbitmap(void **state)
{
	unsigned char data[] = { 0, 1, 2, 3, 4, 2, 2, 1, 0x7f, 3, 9 };
	struct brd_bitmap_geom g = { .chunks = 10, .data_bytes = 10,
				     .per_byte = true };
	struct brd_bitmap_scan s;
	struct rec r = { .n = 0 };

	(void)state;
	brd_bitmap_scan_init(&s, &g, rec_cb, &r);
	assert_int_equal(brd_bitmap_scan_feed(&s, data, 3), 0);
	assert_int_equal(brd_bitmap_scan_feed(&s, data + 3, 8), 0);
	assert_int_equal(brd_bitmap_scan_finish(&s), 0);
	assert_true(s.seen == 10);
	assert_true(s.states[BRD_LLBIT_UNWRITTEN] == 1);
	assert_true(s.states[BRD_LLBIT_CLEAN] == 2);
	assert_true(s.states[BRD_LLBIT_DIRTY] == 3);
	assert_true(s.states[BRD_LLBIT_NEEDSYNC] == 2);
	assert_true(s.states[BRD_LLBIT_SYNCING] == 1);
	assert_true(s.invalid == 1);
	assert_true(s.first_invalid == 8 && s.first_invalid_val == 0x7f);
	assert_true(s.dirty == 6);
	/* runs: 2-6, 9 */
	assert_int_equal(r.n, 2);
	assert_true(r.first[0] == 2 && r.count[0] == 5);
	assert_true(r.first[1] == 9 && r.count[1] == 1);
	assert_string_equal(brd_llbit_state_name(3), "need-sync");
	assert_string_equal(brd_llbit_state_name(99), "invalid");
}

static int stop_cb(void *arg, uint64_t first, uint64_t count)
{
	(void)arg; (void)first; (void)count;
	return -EINTR;
}

static void test_scan_callback_stops(void **state)
{
	unsigned char data[4] = { 0x01, 0x00, 0x01, 0x00 };
	struct brd_bitmap_geom g = { .chunks = 32, .data_bytes = 4 };
	struct brd_bitmap_scan s;

	(void)state;
	brd_bitmap_scan_init(&s, &g, stop_cb, NULL);
	/* the first run is reported when the second begins */
	assert_int_equal(brd_bitmap_scan_feed(&s, data, 4), -EINTR);
}

/* --- reading areas through lib/dio --- */

static void test_scan_area_mem(void **state)
{
	static unsigned char img[8192];
	struct brd_bitmap_sb sb = good_sb();
	struct brd_bitmap_geom g;
	struct brd_bitmap_scan s;
	struct brd_dio d;
	char why[100];

	(void)state;
	sb.sync_size = 1024 * 128;	/* 1024 chunks of 64 KiB: 128 bytes */
	memset(img, 0, sizeof(img));
	brd_bitmap_sb_encode(&sb, img + 4096);
	img[4096 + 256] = 0x03;
	img[4096 + 256 + 127] = 0x80;
	img[4096 + 256 + 128] = 0xff;	/* past the end: ignored */
	assert_int_equal(brd_dio_open_mem(&d, img, sizeof(img), "img"), 0);
	assert_int_equal(brd_bitmap_read_sb(&d, 4096, &sb), 0);
	assert_int_equal(brd_bitmap_geom(&sb, &g, why, sizeof(why)), 0);
	brd_bitmap_scan_init(&s, &g, NULL, NULL);
	assert_int_equal(brd_bitmap_scan_area(&d, 4096, &s), 0);
	assert_true(s.dirty == 3);
	/* the same area, cut short: -ENODATA and a partial count */
	brd_dio_close(&d);
	assert_int_equal(brd_dio_open_mem(&d, img, 4096 + 256 + 64, "cut"), 0);
	brd_bitmap_scan_init(&s, &g, NULL, NULL);
	assert_int_equal(brd_bitmap_scan_area(&d, 4096, &s), -ENODATA);
	assert_true(s.seen == 512 && s.dirty == 2);
	/* superblock cut short */
	assert_int_equal(brd_bitmap_read_sb(&d, 4096 + 100, &sb), -ENODATA);
	brd_dio_close(&d);
}

/* --- writing files --- */

static void test_write_file(void **state)
{
	char dir[] = "/tmp/test-bitmap.XXXXXX", path[64];
	struct brd_bitmap_sb sb = good_sb(), rd;
	unsigned char buf[4096];
	uint64_t bytes = 0;
	struct stat st;
	char why[200];
	int fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/bm", dir);
	sb.sync_size = 1000;	/* 65536-byte chunks: 8 chunks, 1 byte */
	sb.chunksize = 65536;
	assert_int_equal(brd_bitmap_write_file(path, &sb, false, &bytes, why,
					       sizeof(why)), 0);
	assert_true(bytes == 257);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 257);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, buf, sizeof(buf)), 257);
	close(fd);
	brd_bitmap_sb_decode(&rd, buf);
	assert_true(rd.sync_size == 1000 && rd.chunksize == 65536);
	assert_int_equal(buf[256], 0xff);

	/* exists: refused without force, replaced with force */
	assert_int_equal(brd_bitmap_write_file(path, &sb, false, NULL, why,
					       sizeof(why)), -EEXIST);
	sb.sync_size = 2097152;
	assert_int_equal(brd_bitmap_write_file(path, &sb, true, &bytes, why,
					       sizeof(why)), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_true((uint64_t)st.st_size == bytes && bytes == 256 + 2048);

	/* not a regular file: refused even with force */
	assert_int_equal(brd_bitmap_write_file(dir, &sb, true, NULL, why,
					       sizeof(why)), -EINVAL);
	/* invalid superblock */
	sb.chunksize = 1000;
	assert_int_equal(brd_bitmap_write_file(path, &sb, true, NULL, why,
					       sizeof(why)), -EBADMSG);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_cluster_name_unterminated),
		cmocka_unit_test(test_geom),
		cmocka_unit_test(test_geom_invalid),
		cmocka_unit_test(test_bits_math),
		cmocka_unit_test(test_scan_bits_random),
		cmocka_unit_test(test_scan_tail_bits_ignored),
		cmocka_unit_test(test_scan_incomplete),
		cmocka_unit_test(test_scan_llbitmap),
		cmocka_unit_test(test_scan_callback_stops),
		cmocka_unit_test(test_scan_area_mem),
		cmocka_unit_test(test_write_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
