/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Ramdisk images: the content of a ramdisk kept in a file, to survive a
 * reboot (brdctl save / restore, brdtab's x-brdctl.persist=).
 *
 * An image is one file:
 *
 *   bytes [0, size)             the ramdisk's content; pages of zeros are
 *                               holes, so the file costs disk space only
 *                               for data (a loop device or `dd count=`
 *                               reads it as a raw disk image)
 *   bytes [size, size + 4096)   the trailer: magic, version, the ramdisk's
 *                               size, the count of data pages, a checksum
 *                               of the content, the time of the save and
 *                               the ramdisk's name; it checks itself
 *
 * The metadata is in the file, not beside it or in an xattr, so that one
 * rename() replaces content and metadata together and a copy of the file
 * keeps both.  docs/persist.md describes the layout.
 *
 * The checksum is XXH3-64 over, for each 4 KiB page that is not all zeros,
 * its page index (le64) then its bytes: zero pages cost nothing to skip on
 * either side.
 */
#ifndef BRD_PERSIST_H
#define BRD_PERSIST_H

#include <stddef.h>
#include <stdint.h>

#define BRD_IMAGE_TRAILER	4096

struct brd_image_info {
	uint64_t size;		/* the ramdisk's size in bytes */
	uint64_t data_pages;	/* 4 KiB pages that are not all zeros */
	uint64_t csum;		/* see above */
	int64_t saved_ns;	/* CLOCK_REALTIME of the save */
	char name[64];		/* the ramdisk it was saved from */
};

/* Read and check the trailer of @image (not the content).  -EBADMSG when
 * @image is no brdctl image or its trailer is damaged. */
int brd_image_read_info(const char *image, struct brd_image_info *info);

#define BRD_SAVE_FORCE	1	/* copy a ramdisk that is open and cannot be frozen */

/* Copy ramdisk @dev (named @name) to @image atomically: a temporary file
 * in @image's directory, written, fsynced, renamed over @image, directory
 * fsynced.  A mounted filesystem is frozen for the copy.  @info (may be
 * NULL) receives what the trailer says.  -EBUSY: open and cannot be frozen
 * (without BRD_SAVE_FORCE). */
int brd_image_save(const char *dev, const char *name, const char *image,
		   int flags, struct brd_image_info *info);

/* Read the data regions of @image and compare their checksum with the
 * trailer's; -EBADMSG on a mismatch. */
int brd_image_verify(const char *image, struct brd_image_info *info);

/* Verify @image, then write its data into ramdisk @dev, which must be
 * blank and of the image's size (-ENOTEMPTY holds data, -EMSGSIZE size
 * differs, -EBADMSG corrupt image); on any failure @dev is as it was. */
int brd_image_restore(const char *image, const char *dev,
		      struct brd_image_info *info);

/* Record under /run/brdctl (library root) which image ramdisk @name is
 * persisted to and when it was last saved or restored from; list and stat
 * read it back.  lookup: -ENOENT when @name has no image. */
int brd_persist_record(const char *name, const char *image, int64_t saved_ns);
int brd_persist_lookup(const char *name, char *image, size_t len,
		       int64_t *saved_ns);
int brd_persist_forget(const char *name);

#endif
