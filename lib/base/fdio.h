/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Whole reads and writes at an offset, and the zero-page test, shared by
 * the sparse copies of ramdisks (snapshot.c, persist.c). */
#ifndef BRD_FDIO_H
#define BRD_FDIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* pread/pwrite all of @len bytes, retrying on EINTR and short transfers.
 * 0 or -errno; pread: -ENODATA at end of file before @len bytes. */
int brd_pread_full(int fd, void *buf, size_t len, uint64_t off);
int brd_pwrite_full(int fd, const void *buf, size_t len, uint64_t off);
/* Are the @len bytes at @p (8-byte aligned) all zero? */
bool brd_is_zero(const void *p, size_t len);

#endif
