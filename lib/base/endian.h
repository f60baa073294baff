/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Little-endian loads and stores of on-disk fields (md superblocks and
 * bitmaps are little-endian on every architecture), byte by byte, so they
 * need no alignment.  The project's one set of these helpers.
 */
#ifndef BRD_ENDIAN_H
#define BRD_ENDIAN_H

#include <stdint.h>

static inline uint32_t brd_get_le32(const void *buf)
{
	const unsigned char *p = buf;

	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline uint64_t brd_get_le64(const void *buf)
{
	const unsigned char *p = buf;

	return (uint64_t)brd_get_le32(p) | (uint64_t)brd_get_le32(p + 4) << 32;
}

static inline void brd_put_le32(void *buf, uint32_t v)
{
	unsigned char *p = buf;

	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

static inline void brd_put_le64(void *buf, uint64_t v)
{
	unsigned char *p = buf;

	brd_put_le32(p, (uint32_t)v);
	brd_put_le32(p + 4, (uint32_t)(v >> 32));
}

#endif
