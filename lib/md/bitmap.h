/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lib/bitmap: the md write-intent bitmap format (kernel md-bitmap.h,
 * md-llbitmap.c): the 256-byte little-endian superblock, the chunk
 * geometry, and streaming scans of the chunk data.  No printing.
 */
#ifndef BRD_BITMAP_H
#define BRD_BITMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BRD_BITMAP_MAGIC	0x6d746962u
#define BRD_BITMAP_SB_SIZE	256u
#define BRD_BITMAP_V_HOSTENDIAN	3u	/* BITMAP_MAJOR_LO */
#define BRD_BITMAP_V_HI		4u	/* BITMAP_MAJOR_HI (default) */
#define BRD_BITMAP_V_CLUSTERED	5u
#define BRD_BITMAP_V_LOCKLESS	6u	/* llbitmap, Linux >= 6.18 */
#define BRD_LLBITMAP_DATA_OFFSET 1024u

/* superblock state bits (values, not bit numbers) */
#define BRD_BITMAP_STALE	(1u << 1)
#define BRD_BITMAP_WRITE_ERROR	(1u << 2)
#define BRD_BITMAP_FIRST_USE	(1u << 3)
#define BRD_BITMAP_CLEAN	(1u << 4)
#define BRD_BITMAP_DAEMON_BUSY	(1u << 5)
#define BRD_BITMAP_HOSTENDIAN	(1u << 15)

/* mdadm / kernel limits and defaults */
#define BRD_BITMAP_WRITE_BEHIND_MAX	16383u	/* COUNTER_MAX */
#define BRD_BITMAP_DEFAULT_WRITE_BEHIND	256u
#define BRD_BITMAP_DEFAULT_DELAY	5u
#define BRD_BITMAP_DEFAULT_CHUNK	4096u	/* file bitmaps, mdadm */
/* sync_size limit: sync_size * 512 must fit in int64_t */
#define BRD_BITMAP_MAX_SYNC_SIZE	(INT64_MAX >> 9)
/* cluster nodes: md-cluster's limit is far lower; this bounds the work */
#define BRD_BITMAP_MAX_NODES		64u

/*
 * llbitmap per-chunk states, one byte each (enum llbitmap_state of
 * drivers/md/md-llbitmap.c; 5 to 7 are Linux 7.x's proactive parity build
 * of never-written RAID 4/5/6 regions).  Any other byte value is invalid.
 */
enum brd_llbit_state {
	BRD_LLBIT_UNWRITTEN = 0,
	BRD_LLBIT_CLEAN = 1,
	BRD_LLBIT_DIRTY = 2,
	BRD_LLBIT_NEEDSYNC = 3,
	BRD_LLBIT_SYNCING = 4,
	BRD_LLBIT_NEEDSYNC_UNWRITTEN = 5,
	BRD_LLBIT_SYNCING_UNWRITTEN = 6,
	BRD_LLBIT_CLEAN_UNWRITTEN = 7,
	BRD_LLBIT_NSTATES
};
/* "unwritten", "clean", "dirty", "need-sync", "syncing",
 * "need-sync-unwritten", "syncing-unwritten", "clean-unwritten";
 * "invalid" for any other value. */
const char *brd_llbit_state_name(unsigned state);

/*
 * Does a chunk in @state hold data that a resync will copy?  True for
 * dirty, need-sync and syncing: when the array is assembled again the
 * kernel turns dirty and syncing into need-sync (BitmapActionReload) and
 * resyncs every need-sync chunk.  False for unwritten, clean and the three
 * *-unwritten states: those chunks hold no user data (reload resets
 * need-sync-unwritten and syncing-unwritten to unwritten; resync always
 * skips unwritten and clean-unwritten).  False for invalid values.
 */
bool brd_llbit_needs_resync(unsigned state);

struct brd_bitmap_sb {
	uint32_t magic;
	uint32_t version;
	uint8_t uuid[16];
	uint64_t events;
	uint64_t events_cleared;
	uint64_t sync_size;		/* 512-byte sectors */
	uint32_t state;
	uint32_t chunksize;		/* raw: bytes (v3-5), sectors (v6) */
	uint32_t daemon_sleep;		/* seconds */
	uint32_t write_behind;
	uint32_t sectors_reserved;
	uint32_t nodes;
	char cluster_name[65];		/* NUL-terminated copy of 64 bytes */
};

/* Decode/encode the 256 on-disk bytes (no validation). */
void brd_bitmap_sb_decode(struct brd_bitmap_sb *sb, const void *buf);
void brd_bitmap_sb_encode(const struct brd_bitmap_sb *sb, void *buf);

/* Change some fields of the 256 on-disk bytes in place; every other byte
 * (padding included) stays as it is. */
struct brd_bitmap_sb_edit {
	bool set_events, set_cleared;
	uint64_t events, events_cleared;
	uint32_t state_set, state_clear;	/* BRD_BITMAP_* bits */
};
void brd_bitmap_sb_edit(void *buf, const struct brd_bitmap_sb_edit *e);

/* Set (or clear) the bits of chunks first..last (inclusive) that lie in
 * buf, which holds the len bytes at file offset off of a version 3/4/5
 * bitmap whose chunk 0 is at file offset data_pos. */
void brd_bitmap_bits_edit(unsigned char *buf, uint64_t off, size_t len,
			  uint64_t data_pos, uint64_t first, uint64_t last,
			  bool set);

/* Layout of the chunk data, from a validated superblock. */
struct brd_bitmap_geom {
	uint64_t chunk_bytes;	/* array bytes per chunk */
	uint64_t chunk_sectors;
	uint64_t chunks;	/* number of chunks (bits or bytes) */
	uint64_t data_offset;	/* from start of the bitmap area */
	uint64_t data_bytes;	/* bytes of chunk data */
	uint64_t area_bytes;	/* data_offset + data_bytes */
	bool per_byte;		/* llbitmap: one state byte per chunk */
	/*
	 * llbitmap whose header still has BITMAP_FIRST_USE: written by mdadm
	 * (chunksize in bytes, not sectors) and not yet rewritten by the
	 * kernel, which chooses its own chunk size when it starts the array.
	 * The chunk geometry is unknown: chunk_bytes, chunks and data_bytes
	 * are 0 and the chunksize field is not validated.
	 */
	bool first_use;
};

/*
 * Validate @sb and compute its geometry.  On invalid data returns
 * -EBADMSG and writes a one-line reason naming the field into @why
 * (e.g. "chunksize 3000 is not a power of two"), also for an unknown
 * version.
 */
int brd_bitmap_geom(const struct brd_bitmap_sb *sb, struct brd_bitmap_geom *g,
		    char *why, size_t whylen);

/* mdadm's bitmap_bits(): ceil(sync_size*512 / chunksize), 0 if either is
 * 0; saturates instead of overflowing. */
uint64_t brd_bitmap_bits(uint64_t sync_size, uint64_t chunk_bytes);

/* Default chunk size of a new file bitmap (mdadm CreateBitmap): 4 KiB,
 * doubled while sync_size > chunk << 11, i.e. at most 2^20 chunks. */
uint64_t brd_bitmap_default_chunk(uint64_t sync_size);

/* Size of one clustered node slot: roundup(256 + ceil(bits/8), 4096). */
uint64_t brd_bitmap_slot_bytes(const struct brd_bitmap_geom *g);

/*
 * Byte offset of cluster node slot @i of a bitmap whose slot 0 is at
 * @base: base + i * slot_bytes, checked.  Returns 0 and sets *@pos, or
 * -EBADMSG (reason in @why) when that offset, or the end of the node's
 * area (pos + area_bytes), does not fit in a file offset (INT64_MAX): no
 * file or device can hold it, so the header is corrupt (a crafted v4
 * file with chunksize 1, the largest sync_size and 64 nodes makes
 * i * slot wrap at node 16).  Every caller that walks node slots uses
 * this instead of computing the offset itself.
 */
int brd_bitmap_node_pos(uint64_t base, const struct brd_bitmap_geom *g,
			uint32_t i, uint64_t *pos, char *why, size_t whylen);

/*
 * Streaming scan of chunk data.  Feed the data bytes (starting at
 * geom.data_offset of the area) in order, in pieces of any size; bytes
 * beyond the last chunk are ignored.  Memory use is constant.
 *
 * Dirty chunks: bits set (v3-5); states for which
 * brd_llbit_needs_resync() is true (v6).  If @range_fn is set it is called with every maximal run of
 * dirty chunks [first, first + count), in order; a non-zero return stops
 * the scan and is returned by feed/finish.
 */
typedef int (*brd_bitmap_range_fn)(void *arg, uint64_t first, uint64_t count);

struct brd_bitmap_scan {
	struct brd_bitmap_geom g;
	uint64_t seen;			/* chunks consumed */
	uint64_t dirty;
	uint64_t states[BRD_LLBIT_NSTATES];	/* v6 only */
	uint64_t invalid;		/* v6: bytes with unknown state (> 7) */
	uint64_t first_invalid;		/* chunk of the first one */
	unsigned first_invalid_val;
	brd_bitmap_range_fn range_fn;
	void *range_arg;
	uint64_t run_start, run_len;	/* open dirty run */
	uint64_t ranges;		/* runs reported */
};

void brd_bitmap_scan_init(struct brd_bitmap_scan *s,
			  const struct brd_bitmap_geom *g,
			  brd_bitmap_range_fn fn, void *arg);
int brd_bitmap_scan_feed(struct brd_bitmap_scan *s, const unsigned char *data,
			 size_t len);
/* Flush the open run.  Returns 0, or the range callback's result. */
int brd_bitmap_scan_finish(struct brd_bitmap_scan *s);
static inline bool brd_bitmap_scan_complete(const struct brd_bitmap_scan *s)
{
	return s->seen >= s->g.chunks;
}

/* --- reading through lib/dio (bitmap-io.c) --- */
struct brd_dio;

/* Read and decode the superblock of the bitmap area at byte @pos.
 * -ENODATA if fewer than 256 bytes are there. */
int brd_bitmap_read_sb(struct brd_dio *d, uint64_t pos,
		       struct brd_bitmap_sb *sb);

/*
 * Stream the chunk data of the area at @pos through @s (initialised with
 * its geometry).  Returns 0 when every chunk was seen, -ENODATA when the
 * file or device ends first (s->seen tells how far), a range callback's
 * non-zero result, or -errno.
 */
int brd_bitmap_scan_area(struct brd_dio *d, uint64_t pos,
			 struct brd_bitmap_scan *s);

/* Where the bitmap of an input is. */
struct brd_bitmap_loc {
	int meta;		/* enum brd_md_meta; 0 = none (file, raw) */
	uint64_t sb_offset;	/* md superblock, bytes */
	int32_t bitmap_offset;	/* sectors from the md superblock */
	uint8_t set_uuid[16];	/* md array UUID as stored */
	bool clustered;		/* md 1.x MD_FEATURE_CLUSTERED */
	uint64_t pos;		/* bitmap area (node slot 0), bytes */
	bool uuid_words;	/* print the UUID as 4 native u32 (0.90) */
	bool unflagged;		/* 0.90: a bitmap at pos, not flagged in the
				 * superblock (the front end warns) */
};

/*
 * Find the bitmap: offset 0 for a regular file; for a block device the md
 * superblock (0.90/1.0/1.1/1.2, newest ctime) and its bitmap, or a bare
 * bitmap at offset 0.  Errors (with a reason in @why): -ENODEV no md
 * superblock and no bitmap; -ENOENT md superblock without bitmap;
 * -EBADMSG bitmap UUID differs from the array's (1.x, as mdadm checks).
 */
int brd_bitmap_locate(struct brd_dio *d, struct brd_bitmap_loc *loc,
		      char *why, size_t whylen);

/*
 * Write a new bitmap file at @path the way mdadm's CreateBitmap lays it
 * out: the superblock @sb, then ceil(chunks/8) bytes of 0xff (every chunk
 * dirty), 256 + ceil(chunks/8) bytes in all.  The data is written (no
 * holes, no fallocate), fsynced, checked with FIEMAP (no unwritten,
 * delayed or unknown extents, where the filesystem supports FIEMAP), and
 * renamed over @path atomically; the directory is fsynced.
 * Returns 0; -EEXIST if @path exists and !@force; -EINVAL (reason in @why)
 * if @path exists and is not a regular file; -EBADMSG for an invalid @sb;
 * other -errno from the filesystem.  *@bytes gets the file size.
 */
int brd_bitmap_write_file(const char *path, const struct brd_bitmap_sb *sb,
			  bool force, uint64_t *bytes, char *why,
			  size_t whylen);

#endif
