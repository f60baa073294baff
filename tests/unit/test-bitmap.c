// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests of lib/md/bitmap.c and lib/md/bitmap-io.c (cmocka). */
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

#include "../../lib/md/bitmap.h"
#include "../../lib/md/dio.h"

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

/* Node slot offsets: base + i * slot, refused where they would wrap or
 * pass the largest file offset (issue 18.11). */
static void test_node_pos(void **state)
{
	struct brd_bitmap_sb sb = {
		.magic = BRD_BITMAP_MAGIC, .version = BRD_BITMAP_V_HI,
		.chunksize = 1, .sync_size = BRD_BITMAP_MAX_SYNC_SIZE,
		.nodes = 64,
	};
	struct brd_bitmap_geom g;
	uint64_t pos = 12345, slot, unchecked;
	char why[200] = "";
	uint32_t i;

	(void)state;
	/* an ordinary slot: 4096 bytes, node i at base + 4096 i */
	g = (struct brd_bitmap_geom){ .chunks = 235, .area_bytes = 256 + 30 };
	assert_int_equal(brd_bitmap_node_pos(8192, &g, 0, &pos, why,
					     sizeof(why)), 0);
	assert_true(pos == 8192);
	assert_int_equal(brd_bitmap_node_pos(8192, &g, 63, &pos, why,
					     sizeof(why)), 0);
	assert_true(pos == 8192 + 63 * 4096);

	/* the crafted header: chunksize 1, the largest sync_size */
	assert_int_equal(brd_bitmap_geom(&sb, &g, why, sizeof(why)), 0);
	slot = brd_bitmap_slot_bytes(&g);
	assert_true(slot == (1ull << 60) + 4096);
	unchecked = 16 * slot;		/* what the old code computed */
	assert_true(unchecked == 65536);
	/* nodes 0..6 fit (node 7's area ends past INT64_MAX) */
	for (i = 0; i < 7; i++) {
		assert_int_equal(brd_bitmap_node_pos(0, &g, i, &pos, why,
						     sizeof(why)), 0);
		assert_true(pos == i * slot);
	}
	for (i = 7; i < 64; i++) {
		pos = 777;
		why[0] = '\0';
		assert_int_equal(brd_bitmap_node_pos(0, &g, i, &pos, why,
						     sizeof(why)), -EBADMSG);
		assert_true(pos == 777);	/* untouched */
		assert_non_null(strstr(why, "past the largest file offset"));
	}
	assert_string_equal(why, "node 63 (slots of 1152921504606851072 bytes "
			    "from byte 0) lies past the largest file offset");
	/* the base itself can carry it over */
	g = (struct brd_bitmap_geom){ .chunks = 235, .area_bytes = 286 };
	assert_int_equal(brd_bitmap_node_pos(UINT64_MAX - 100, &g, 0, &pos, why,
					     sizeof(why)), -EBADMSG);
	assert_int_equal(brd_bitmap_node_pos((uint64_t)INT64_MAX - 286, &g, 0,
					     &pos, why, sizeof(why)), 0);
	assert_int_equal(brd_bitmap_node_pos((uint64_t)INT64_MAX - 285, &g, 0,
					     &pos, why, sizeof(why)), -EBADMSG);
	assert_int_equal(brd_bitmap_node_pos(0, &g, UINT32_MAX, &pos, why,
					     sizeof(why)), 0);
	assert_true(pos == (uint64_t)UINT32_MAX * 4096);
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

/* --- llbitmap (version 6) images as a 7.x kernel lays them out --- */

/* An llbitmap superblock, byte by byte (independent of the encoder). */
static void raw_sb_v6(unsigned char *p, uint64_t sync_size, uint32_t chunksize,
		      uint32_t state)
{
	memset(p, 0, 256);
	p[0] = 0x62; p[1] = 0x69; p[2] = 0x74; p[3] = 0x6d;	/* "bitm" */
	p[4] = 6;						/* version */
	for (int i = 0; i < 16; i++)
		p[8 + i] = (unsigned char)(0x10 + i);
	p[24] = 21;						/* events */
	for (int i = 0; i < 8; i++)
		p[40 + i] = (unsigned char)(sync_size >> (8 * i));
	for (int i = 0; i < 4; i++) {
		p[48 + i] = (unsigned char)(state >> (8 * i));
		p[52 + i] = (unsigned char)(chunksize >> (8 * i));
	}
	p[56] = 30;						/* daemon */
	p[65] = 1;						/* reserved 256 */
}

/*
 * A 128 KiB bitmap area: superblock, zeros to 1024, @nstates state bytes,
 * then 0xff to the end, as real members carry it (mdadm fills the area
 * with 0xff; the kernel rewrites only the chunks' bytes).
 */
static unsigned char *ll_image(size_t *len, uint64_t sync_size,
			       uint32_t chunksize, uint32_t state,
			       const unsigned char *states, size_t nstates)
{
	unsigned char *img = malloc(128 * 1024);

	assert_non_null(img);
	memset(img, 0xff, 128 * 1024);
	raw_sb_v6(img, sync_size, chunksize, state);
	memset(img + 256, 0, 1024 - 256);
	memcpy(img + 1024, states, nstates);
	*len = 128 * 1024;
	return img;
}

/* Decode @img like examine does: locate nothing, read sb, geom, scan. */
static int ll_scan(const unsigned char *img, size_t len,
		   struct brd_bitmap_geom *g, struct brd_bitmap_scan *s,
		   struct rec *r)
{
	struct brd_bitmap_sb sb;
	struct brd_dio d;
	char why[200] = "";
	int rc;

	assert_int_equal(brd_dio_open_mem(&d, img, len, "ll"), 0);
	assert_int_equal(brd_bitmap_read_sb(&d, 0, &sb), 0);
	assert_int_equal(sb.version, 6);
	assert_int_equal(brd_bitmap_geom(&sb, g, why, sizeof(why)), 0);
	brd_bitmap_scan_init(s, g, r ? rec_cb : NULL, r);
	rc = brd_bitmap_scan_area(&d, 0, s);
	brd_dio_close(&d);
	return rc;
}

static void test_llbit_names_and_resync(void **state)
{
	static const char *const want[] = {
		"unwritten", "clean", "dirty", "need-sync", "syncing",
		"need-sync-unwritten", "syncing-unwritten", "clean-unwritten"
	};

	(void)state;
	assert_int_equal(BRD_LLBIT_NSTATES, 8);
	assert_int_equal(BRD_LLBIT_NEEDSYNC_UNWRITTEN, 5);
	assert_int_equal(BRD_LLBIT_SYNCING_UNWRITTEN, 6);
	assert_int_equal(BRD_LLBIT_CLEAN_UNWRITTEN, 7);
	for (unsigned v = 0; v < 8; v++)
		assert_string_equal(brd_llbit_state_name(v), want[v]);
	for (unsigned v = 8; v < 256; v++)
		assert_string_equal(brd_llbit_state_name(v), "invalid");
	/* exactly dirty, need-sync and syncing hold data a resync copies */
	for (unsigned v = 0; v < 256; v++)
		assert_int_equal(brd_llbit_needs_resync(v),
				 v == 2 || v == 3 || v == 4);
}

/* Every state 0-7, a partial last chunk, 0xff after the last chunk. */
static void test_llbit_every_state(void **state)
{
	enum { N = 8 * 37 + 3 };	/* 299 chunks */
	unsigned char st[N];
	struct brd_bitmap_geom g;
	struct brd_bitmap_scan s;
	static struct rec r;
	unsigned char *img;
	size_t len;

	(void)state;
	for (int i = 0; i < N; i++)
		st[i] = (unsigned char)(i % 8);
	/* 128-sector chunks, the last one 5 sectors short */
	img = ll_image(&len, (uint64_t)N * 128 - 5, 128, 0, st, N);
	r.n = 0;
	assert_int_equal(ll_scan(img, len, &g, &s, &r), 0);
	assert_true(g.per_byte);
	assert_false(g.first_use);
	assert_true(g.chunk_bytes == 65536 && g.chunks == N);
	assert_true(g.data_bytes == N);
	assert_true(s.seen == N);
	/* 0-2 occur 38 times (the tail 296-298), 3-7 37 times */
	for (unsigned v = 0; v < 8; v++)
		assert_true(s.states[v] == (v < 3 ? 38u : 37u));
	assert_true(s.invalid == 0);
	/* dirty: 38 dirty + 37 need-sync + 37 syncing */
	assert_true(s.dirty == 38 + 37 + 37);
	/* runs 8j+2 .. 8j+4, the last one only chunk 298 */
	assert_int_equal(r.n, 38);
	for (int j = 0; j < 37; j++)
		assert_true(r.first[j] == (uint64_t)(8 * j + 2) &&
			    r.count[j] == 3);
	assert_true(r.first[37] == 298 && r.count[37] == 1);
	free(img);
}

/* 0xff (and anything else) after the last chunk is neither counted nor
 * invalid; the same byte inside the chunks is invalid. */
static void test_llbit_trailing_ff(void **state)
{
	unsigned char st[100];
	struct brd_bitmap_geom g;
	struct brd_bitmap_scan s;
	unsigned char *img;
	size_t len;

	(void)state;
	memset(st, BRD_LLBIT_CLEAN, sizeof(st));
	img = ll_image(&len, 100 * 128, 128, 0, st, sizeof(st));
	assert_int_equal(img[1024 + 100], 0xff);	/* right after the last */
	assert_int_equal(img[len - 1], 0xff);
	assert_int_equal(ll_scan(img, len, &g, &s, NULL), 0);
	assert_true(g.chunks == 100 && s.seen == 100);
	assert_true(s.states[BRD_LLBIT_CLEAN] == 100);
	assert_true(s.invalid == 0 && s.dirty == 0);
	/* one more sector of sync_size: chunk 100 exists, its 0xff counts */
	raw_sb_v6(img, 100 * 128 + 1, 128, 0);
	assert_int_equal(ll_scan(img, len, &g, &s, NULL), 0);
	assert_true(g.chunks == 101 && s.seen == 101);
	assert_true(s.invalid == 1 && s.first_invalid == 100 &&
		    s.first_invalid_val == 0xff);
	assert_true(s.states[BRD_LLBIT_CLEAN] == 100);
	free(img);
}

/* Values above 7 are invalid wherever they are, and counted apart. */
static void test_llbit_unknown_value(void **state)
{
	static const unsigned char st[] = { 1, 7, 8, 2, 0xfe, 5, 0x80, 6 };
	struct brd_bitmap_geom g;
	struct brd_bitmap_scan s;
	static struct rec r;
	unsigned char *img;
	size_t len;

	(void)state;
	img = ll_image(&len, sizeof(st) * 256, 256, 0, st, sizeof(st));
	r.n = 0;
	assert_int_equal(ll_scan(img, len, &g, &s, &r), 0);
	assert_true(g.chunk_bytes == 131072 && g.chunks == sizeof(st));
	assert_true(s.invalid == 3);
	assert_true(s.first_invalid == 2 && s.first_invalid_val == 8);
	assert_true(s.states[1] == 1 && s.states[7] == 1 && s.states[2] == 1 &&
		    s.states[5] == 1 && s.states[6] == 1);
	assert_true(s.states[0] == 0 && s.states[3] == 0 && s.states[4] == 0);
	/* an invalid byte is not dirty and ends no run on its own */
	assert_true(s.dirty == 1);
	assert_int_equal(r.n, 1);
	assert_true(r.first[0] == 3 && r.count[0] == 1);
	free(img);
}

/* FIRST_USE: mdadm's header (chunksize in bytes): no geometry decoded. */
static void test_llbit_first_use(void **state)
{
	struct brd_bitmap_sb sb;
	struct brd_bitmap_geom g;
	unsigned char raw[256];
	char why[200] = "";

	(void)state;
	/* as mdadm 4.6 writes it for --assume-clean: 64 MiB in bytes */
	raw_sb_v6(raw, 131072, 64u << 20, BRD_BITMAP_FIRST_USE |
		  BRD_BITMAP_CLEAN);
	brd_bitmap_sb_decode(&sb, raw);
	assert_int_equal(brd_bitmap_geom(&sb, &g, why, sizeof(why)), 0);
	assert_true(g.first_use && g.per_byte);
	assert_true(g.chunks == 0 && g.chunk_bytes == 0 &&
		    g.chunk_sectors == 0 && g.data_bytes == 0);
	assert_true(g.data_offset == 1024 && g.area_bytes == 1024);
	/* the kernel ignores the field then: so do we */
	raw_sb_v6(raw, 131072, 3000, BRD_BITMAP_FIRST_USE);
	brd_bitmap_sb_decode(&sb, raw);
	assert_int_equal(brd_bitmap_geom(&sb, &g, why, sizeof(why)), 0);
	assert_true(g.first_use);
	raw_sb_v6(raw, 131072, 0, BRD_BITMAP_FIRST_USE);
	brd_bitmap_sb_decode(&sb, raw);
	assert_int_equal(brd_bitmap_geom(&sb, &g, why, sizeof(why)), 0);
	/* without FIRST_USE the same header is read in sectors */
	raw_sb_v6(raw, 131072, 64u << 20, BRD_BITMAP_CLEAN);
	brd_bitmap_sb_decode(&sb, raw);
	assert_int_equal(brd_bitmap_geom(&sb, &g, why, sizeof(why)), 0);
	assert_false(g.first_use);
	assert_true(g.chunk_bytes == (64ull << 20) * 512 && g.chunks == 1);
	raw_sb_v6(raw, 131072, 0, 0);
	brd_bitmap_sb_decode(&sb, raw);
	expect_bad(sb, -EBADMSG, "chunksize is 0");
	/* version 4 with the same state bit: an ordinary bitmap */
	sb = good_sb();
	sb.state = BRD_BITMAP_FIRST_USE;
	assert_int_equal(brd_bitmap_geom(&sb, &g, why, sizeof(why)), 0);
	assert_false(g.first_use);
	assert_true(g.chunks == 16384);
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
		cmocka_unit_test(test_llbit_names_and_resync),
		cmocka_unit_test(test_llbit_every_state),
		cmocka_unit_test(test_llbit_trailing_ff),
		cmocka_unit_test(test_llbit_unknown_value),
		cmocka_unit_test(test_llbit_first_use),
		cmocka_unit_test(test_scan_callback_stops),
		cmocka_unit_test(test_scan_area_mem),
		cmocka_unit_test(test_write_file),
		cmocka_unit_test(test_node_pos),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
