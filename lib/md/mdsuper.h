/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lib/mdsuper: find an md superblock (0.90, 1.0, 1.1, 1.2) on a member
 * device and, through it, the internal write-intent bitmap
 * (docs/md-bitmaps.md, "Where md superblocks and internal bitmaps live").
 * No printing.
 */
#ifndef BRD_MDSUPER_H
#define BRD_MDSUPER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct brd_dio;

#define BRD_MD_SB_MAGIC		0xa92b4efcu
#define BRD_MD_FEATURE_BITMAP_OFFSET	1u
#define BRD_MD_FEATURE_CLUSTERED	256u
#define BRD_MD_FEATURE_PPL		1024u
#define BRD_MD_SB0_BYTES	4096u
#define BRD_MD_SB1_BYTES	256u	/* fixed part; dev_roles follow */
#define BRD_MD_SB0_BITMAP_PRESENT	(1u << 8)

enum brd_md_meta {
	BRD_MD_NONE = 0,
	BRD_MD_0_90,
	BRD_MD_1_0,
	BRD_MD_1_1,
	BRD_MD_1_2,
};
const char *brd_md_meta_name(enum brd_md_meta m);

struct brd_md_sb {
	enum brd_md_meta meta;
	uint64_t sb_offset;		/* bytes from the device start */
	uint8_t set_uuid[16];		/* as stored */
	uint64_t ctime;			/* seconds */
	uint32_t feature_map;		/* 1.x */
	int32_t bitmap_offset;		/* sectors relative to sb_offset */
	bool has_bitmap;		/* 1.x feature bit 0; 0.90 state bit 8 */
	bool clustered;			/* 1.x MD_FEATURE_CLUSTERED */
	uint64_t bitmap_pos;		/* bytes; valid if has_bitmap */
	char name[33];			/* 1.x set_name */
};

/* Superblock location in bytes for a device of @dev_bytes, or -ENOSPC
 * (device too small). */
int brd_md_sb_offset(enum brd_md_meta m, uint64_t dev_bytes, uint64_t *off);

/*
 * Parse a superblock read from its expected location @sb_off (bytes).
 * Returns 0, or -ENOENT if @buf does not hold that kind of superblock
 * (wrong magic, major version, or super_offset).  1.x needs 256 bytes,
 * 0.90 needs 4096.  Computes bitmap_pos (-EBADMSG if it would fall
 * outside the 64-bit range).
 */
int brd_md_parse1(const void *buf, size_t len, enum brd_md_meta m,
		  uint64_t sb_off, struct brd_md_sb *out);
int brd_md_parse0(const void *buf, size_t len, uint64_t sb_off,
		  struct brd_md_sb *out);

/*
 * Probe a member device (@d->size bytes) for all four superblock kinds;
 * when several are found the newest ctime wins (as mdadm's guess_super).
 * Returns 0 or -ENOENT (no md superblock), or an I/O -errno.
 */
int brd_md_find(struct brd_dio *d, struct brd_md_sb *out);

#endif
