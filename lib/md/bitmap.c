// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * md write-intent bitmap format.  See bitmap.h and docs/md-bitmaps.md
 * ("Bitmap superblock", "Chunk bits and sizes", "Clustered bitmaps",
 * "llbitmap").
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "bitmap.h"
#include "../base/endian.h"

void brd_bitmap_sb_decode(struct brd_bitmap_sb *sb, const void *buf)
{
	const unsigned char *p = buf;

	memset(sb, 0, sizeof(*sb));
	sb->magic = brd_get_le32(p + 0);
	sb->version = brd_get_le32(p + 4);
	memcpy(sb->uuid, p + 8, 16);
	sb->events = brd_get_le64(p + 24);
	sb->events_cleared = brd_get_le64(p + 32);
	sb->sync_size = brd_get_le64(p + 40);
	sb->state = brd_get_le32(p + 48);
	sb->chunksize = brd_get_le32(p + 52);
	sb->daemon_sleep = brd_get_le32(p + 56);
	sb->write_behind = brd_get_le32(p + 60);
	sb->sectors_reserved = brd_get_le32(p + 64);
	sb->nodes = brd_get_le32(p + 68);
	memcpy(sb->cluster_name, p + 72, 64);
	sb->cluster_name[64] = '\0';
}

void brd_bitmap_sb_encode(const struct brd_bitmap_sb *sb, void *buf)
{
	unsigned char *p = buf;

	memset(p, 0, BRD_BITMAP_SB_SIZE);
	brd_put_le32(p + 0, sb->magic);
	brd_put_le32(p + 4, sb->version);
	memcpy(p + 8, sb->uuid, 16);
	brd_put_le64(p + 24, sb->events);
	brd_put_le64(p + 32, sb->events_cleared);
	brd_put_le64(p + 40, sb->sync_size);
	brd_put_le32(p + 48, sb->state);
	brd_put_le32(p + 52, sb->chunksize);
	brd_put_le32(p + 56, sb->daemon_sleep);
	brd_put_le32(p + 60, sb->write_behind);
	brd_put_le32(p + 64, sb->sectors_reserved);
	brd_put_le32(p + 68, sb->nodes);
	memcpy(p + 72, sb->cluster_name, strnlen(sb->cluster_name, 64));
}

void brd_bitmap_sb_edit(void *buf, const struct brd_bitmap_sb_edit *e)
{
	unsigned char *p = buf;

	if (e->set_events)
		brd_put_le64(p + 24, e->events);
	if (e->set_cleared)
		brd_put_le64(p + 32, e->events_cleared);
	if (e->state_set || e->state_clear)
		brd_put_le32(p + 48, (brd_get_le32(p + 48) & ~e->state_clear) |
				     e->state_set);
}

void brd_bitmap_bits_edit(unsigned char *buf, uint64_t off, size_t len,
			  uint64_t data_pos, uint64_t first, uint64_t last,
			  bool set)
{
	uint64_t end = off + len, lo, hi;

	/* chunks whose byte lies in [off, end): one bit per chunk, LSB first */
	if (end <= data_pos)
		return;
	lo = off > data_pos ? (off - data_pos) * 8 : 0;
	hi = (end - data_pos) * 8 - 1;
	if (first < lo)
		first = lo;
	if (last > hi)
		last = hi;
	for (uint64_t c = first; c <= last; c++) {
		unsigned char *q = buf + (data_pos + c / 8 - off);
		unsigned char bit = (unsigned char)(1u << (c % 8));

		if (set)
			*q |= bit;
		else
			*q &= (unsigned char)~bit;
	}
}

const char *brd_llbit_state_name(unsigned state)
{
	static const char *const names[BRD_LLBIT_NSTATES] = {
		"unwritten", "clean", "dirty", "need-sync", "syncing",
		"need-sync-unwritten", "syncing-unwritten", "clean-unwritten"
	};
	return state < BRD_LLBIT_NSTATES ? names[state] : "invalid";
}

bool brd_llbit_needs_resync(unsigned state)
{
	return state == BRD_LLBIT_DIRTY || state == BRD_LLBIT_NEEDSYNC ||
	       state == BRD_LLBIT_SYNCING;
}

uint64_t brd_bitmap_bits(uint64_t sync_size, uint64_t chunk_bytes)
{
	uint64_t bytes;

	if (!sync_size || !chunk_bytes)
		return 0;
	if (sync_size > UINT64_MAX >> 9)
		return UINT64_MAX;
	bytes = sync_size << 9;
	/* ceil without the overflow of bytes + chunk - 1 */
	return bytes / chunk_bytes + (bytes % chunk_bytes != 0);
}

uint64_t brd_bitmap_default_chunk(uint64_t sync_size)
{
	uint64_t chunk = BRD_BITMAP_DEFAULT_CHUNK;

	while (chunk < (1ull << 52) && sync_size > chunk << (20 - 9))
		chunk <<= 1;
	return chunk;
}

uint64_t brd_bitmap_slot_bytes(const struct brd_bitmap_geom *g)
{
	uint64_t b = BRD_BITMAP_SB_SIZE + (g->chunks + 7) / 8;

	return (b + 4095) & ~(uint64_t)4095;
}

int brd_bitmap_node_pos(uint64_t base, const struct brd_bitmap_geom *g,
			uint32_t i, uint64_t *pos, char *why, size_t whylen)
{
	uint64_t slot = brd_bitmap_slot_bytes(g), off, p, end;

	if (__builtin_mul_overflow((uint64_t)i, slot, &off) ||
	    __builtin_add_overflow(base, off, &p) ||
	    __builtin_add_overflow(p, g->area_bytes, &end) ||
	    end > (uint64_t)INT64_MAX) {
		snprintf(why, whylen, "node %" PRIu32 " (slots of %" PRIu64
			 " bytes from byte %" PRIu64 ") lies past the largest "
			 "file offset", i, slot, base);
		return -EBADMSG;
	}
	*pos = p;
	return 0;
}

static bool is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

int brd_bitmap_geom(const struct brd_bitmap_sb *sb, struct brd_bitmap_geom *g,
		    char *why, size_t whylen)
{
	bool first_use;

	memset(g, 0, sizeof(*g));
	if (sb->magic != BRD_BITMAP_MAGIC) {
		snprintf(why, whylen, "bad magic 0x%08x (expected 0x%08x)",
			 sb->magic, BRD_BITMAP_MAGIC);
		return -EBADMSG;
	}
	if (sb->version < BRD_BITMAP_V_HOSTENDIAN ||
	    sb->version > BRD_BITMAP_V_LOCKLESS) {
		snprintf(why, whylen, "unknown version %u (known: 3 to 6)",
			 sb->version);
		return -EBADMSG;
	}
	/* an llbitmap FIRST_USE header has mdadm's chunksize in bytes, which
	 * the kernel ignores (llbitmap_read_sb -> llbitmap_init) */
	first_use = sb->version == BRD_BITMAP_V_LOCKLESS &&
		    (sb->state & BRD_BITMAP_FIRST_USE);
	if (!first_use && sb->chunksize == 0) {
		snprintf(why, whylen, "chunksize is 0");
		return -EBADMSG;
	}
	if (!first_use && !is_pow2(sb->chunksize)) {
		snprintf(why, whylen, "chunksize %u is not a power of two",
			 sb->chunksize);
		return -EBADMSG;
	}
	if (sb->sync_size > BRD_BITMAP_MAX_SYNC_SIZE) {
		snprintf(why, whylen, "sync_size %llu sectors overflows "
			 "(more than %llu)", (unsigned long long)sb->sync_size,
			 (unsigned long long)BRD_BITMAP_MAX_SYNC_SIZE);
		return -EBADMSG;
	}
	if (sb->nodes > BRD_BITMAP_MAX_NODES) {
		snprintf(why, whylen, "nodes %u out of range (0 to %u)",
			 sb->nodes, BRD_BITMAP_MAX_NODES);
		return -EBADMSG;
	}
	if (sb->version == BRD_BITMAP_V_LOCKLESS) {
		g->per_byte = true;
		g->data_offset = BRD_LLBITMAP_DATA_OFFSET;
		if (first_use) {
			/* the kernel derives its own geometry */
			g->first_use = true;
			g->area_bytes = g->data_offset;
			return 0;
		}
		g->chunk_bytes = (uint64_t)sb->chunksize << 9;
	} else {
		g->chunk_bytes = sb->chunksize;
		g->data_offset = BRD_BITMAP_SB_SIZE;
	}
	g->chunk_sectors = g->chunk_bytes >> 9;
	g->chunks = brd_bitmap_bits(sb->sync_size, g->chunk_bytes);
	g->data_bytes = g->per_byte ? g->chunks : (g->chunks + 7) / 8;
	g->area_bytes = g->data_offset + g->data_bytes;
	return 0;
}

/* --- streaming scan --- */

void brd_bitmap_scan_init(struct brd_bitmap_scan *s,
			  const struct brd_bitmap_geom *g,
			  brd_bitmap_range_fn fn, void *arg)
{
	memset(s, 0, sizeof(*s));
	s->g = *g;
	s->range_fn = fn;
	s->range_arg = arg;
}

static int run_flush(struct brd_bitmap_scan *s)
{
	int rc = 0;

	if (s->run_len) {
		rc = s->range_fn(s->range_arg, s->run_start, s->run_len);
		s->ranges++;
		s->run_len = 0;
	}
	return rc;
}

static int run_add(struct brd_bitmap_scan *s, uint64_t first, uint64_t count)
{
	int rc = 0;

	if (s->run_len && s->run_start + s->run_len == first) {
		s->run_len += count;
		return 0;
	}
	rc = run_flush(s);
	s->run_start = first;
	s->run_len = count;
	return rc;
}

static uint64_t load64(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t count_bits_generic(const unsigned char *p, size_t n)
{
	uint64_t d = 0;
	size_t i = 0;

	for (; i + 8 <= n; i += 8)
		d += (uint64_t)__builtin_popcountll(load64(p + i));
	for (; i < n; i++)
		d += (uint64_t)__builtin_popcount(p[i]);
	return d;
}

#if defined(__x86_64__) || defined(__i386__)
/* The same loop compiled for the POPCNT instruction (the generic build
 * targets CPUs without it and gets a much slower bit-twiddling routine). */
__attribute__((target("popcnt")))
static uint64_t count_bits_popcnt(const unsigned char *p, size_t n)
{
	uint64_t d0 = 0, d1 = 0, d2 = 0, d3 = 0;
	size_t i = 0;

	for (; i + 32 <= n; i += 32) {
		d0 += (uint64_t)__builtin_popcountll(load64(p + i));
		d1 += (uint64_t)__builtin_popcountll(load64(p + i + 8));
		d2 += (uint64_t)__builtin_popcountll(load64(p + i + 16));
		d3 += (uint64_t)__builtin_popcountll(load64(p + i + 24));
	}
	for (; i < n; i++)
		d0 += (uint64_t)__builtin_popcount(p[i]);
	return d0 + d1 + d2 + d3;
}

static uint64_t count_bits(const unsigned char *p, size_t n)
{
	static int has_popcnt = -1;

	if (has_popcnt < 0) {
		__builtin_cpu_init();
		has_popcnt = __builtin_cpu_supports("popcnt") ? 1 : 0;
	}
	return has_popcnt ? count_bits_popcnt(p, n) : count_bits_generic(p, n);
}
#else
#define count_bits count_bits_generic
#endif

/* Ranges of set bits in the first @nbits bits of byte @b (LSB first). */
static int byte_runs(struct brd_bitmap_scan *s, unsigned b, unsigned nbits,
		     uint64_t base)
{
	unsigned i = 0;
	int rc;

	while (i < nbits) {
		unsigned j;

		if (!(b & (1u << i))) {
			i++;
			continue;
		}
		for (j = i; j < nbits && (b & (1u << j)); j++)
			;
		rc = run_add(s, base + i, j - i);
		if (rc)
			return rc;
		i = j;
	}
	return 0;
}

static int feed_bits(struct brd_bitmap_scan *s, const unsigned char *p,
		     size_t n, unsigned lastbits)
{
	uint64_t base = s->seen;
	size_t i = 0;
	int rc;

	/* n full bytes, except that the last one has only @lastbits bits */
	size_t full = lastbits ? n - 1 : n;

	if (!s->range_fn) {
		s->dirty += count_bits(p, full);
		i = full;
	} else {
		for (; i < full; i++) {
			unsigned b;

			if (i + 8 <= full && (i & 7) == 0) {
				uint64_t w = load64(p + i);

				if (w == 0) {
					i += 7;
					continue;
				}
				if (w == UINT64_MAX) {
					rc = run_add(s, base + i * 8, 64);
					if (rc)
						return rc;
					s->dirty += 64;
					i += 7;
					continue;
				}
			}
			b = p[i];
			if (!b)
				continue;
			s->dirty += (uint64_t)__builtin_popcount(b);
			if (b == 0xff)
				rc = run_add(s, base + i * 8, 8);
			else
				rc = byte_runs(s, b, 8, base + i * 8);
			if (rc)
				return rc;
		}
	}
	s->seen += (uint64_t)full * 8;
	if (lastbits) {
		unsigned b = p[full] & ((1u << lastbits) - 1);

		s->dirty += (uint64_t)__builtin_popcount(b);
		if (s->range_fn && b) {
			rc = byte_runs(s, b, lastbits, s->seen);
			if (rc)
				return rc;
		}
		s->seen += lastbits;
	}
	return 0;
}

static int feed_bytes(struct brd_bitmap_scan *s, const unsigned char *p,
		      size_t n)
{
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		unsigned v = p[i];
		uint64_t c = s->seen + i;

		if (v >= BRD_LLBIT_NSTATES) {
			if (!s->invalid) {
				s->first_invalid = c;
				s->first_invalid_val = v;
			}
			s->invalid++;
			continue;
		}
		s->states[v]++;
		if (brd_llbit_needs_resync(v)) {
			s->dirty++;
			if (s->range_fn) {
				rc = run_add(s, c, 1);
				if (rc) {
					s->seen += i + 1;
					return rc;
				}
			}
		}
	}
	s->seen += n;
	return 0;
}

int brd_bitmap_scan_feed(struct brd_bitmap_scan *s, const unsigned char *data,
			 size_t len)
{
	uint64_t left;

	if (s->seen >= s->g.chunks || !len)
		return 0;
	left = s->g.chunks - s->seen;
	if (s->g.per_byte) {
		if ((uint64_t)len > left)
			len = (size_t)left;
		return feed_bytes(s, data, len);
	}
	/* seen is a multiple of 8 until the final partial byte */
	if ((uint64_t)len >= (left + 7) / 8) {
		size_t n = (size_t)((left + 7) / 8);

		return feed_bits(s, data, n, (unsigned)(left % 8));
	}
	return feed_bits(s, data, len, 0);
}

int brd_bitmap_scan_finish(struct brd_bitmap_scan *s)
{
	return s->range_fn ? run_flush(s) : 0;
}
