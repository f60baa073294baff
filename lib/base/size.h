/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef BRD_SIZE_H
#define BRD_SIZE_H

#include <stdint.h>

/*
 * Parse a size the way util-linux tools do: a decimal number, optionally
 * with a fraction, followed by an optional suffix K, M, G, T, P or E
 * (any case).  A bare suffix or "<suffix>iB" is binary (4K = 4KiB = 4096),
 * "<suffix>B" is decimal (4KB = 4000).  A fraction needs a suffix and is
 * truncated to whole bytes (1.5K = 1536).
 * Returns 0, -EINVAL for garbage (also empty, negative, trailing junk) or
 * -ERANGE when the value does not fit in 64 bits.
 */
int brd_parse_size(const char *str, uint64_t *res);

#endif
