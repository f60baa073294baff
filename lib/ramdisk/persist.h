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
 * The checksum is XXH3-64 over, for each 4 KiB page that is not all zeros
 * in ascending order, its page index (le64) then the XXH3-64 of its bytes
 * (le64): zero pages cost nothing to skip on either side.
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

/*
 * Open @image for reading, trusted as a brdtab is (trust.h: StrictModes on
 * its path, the descriptor of what was checked): an image chooses what
 * root mounts (setuid files, device nodes), and its checksum is no
 * signature.  -EPERM with @t (may be NULL) saying why and the fix; -EINVAL
 * not a regular file (refused before it is opened: a FIFO never blocks);
 * -ENOENT none.  BRD_IMAGE_UNTRUSTED (restore --force): an image others can
 * change is opened all the same (still only a regular file); then @t->fix
 * is set on success, for a warning.
 */
#define BRD_IMAGE_UNTRUSTED	1
struct brd_trust;
int brd_image_open(const char *image, int flags, struct brd_trust *t);
/* "IMAGE: refusing to restore it: PATH is WHY; ...: FIX" for @t of a
 * -EPERM of brd_image_open() (malloc'd, NULL on ENOMEM). */
char *brd_image_trust_msg(const char *image, const struct brd_trust *t);

/* Read and check the trailer of @image (not the content).  -EBADMSG when
 * @image is no brdctl image or its trailer is damaged.  The path forms open
 * it with brd_image_open(); the _fd forms read a descriptor it returned. */
int brd_image_read_info(const char *image, struct brd_image_info *info);
int brd_image_read_info_fd(int fd, const char *image, struct brd_image_info *info);

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
int brd_image_verify_fd(int fd, const char *image, struct brd_image_info *info);

/* The caller made @dev for this restore, and its undo on a failure
 * removes @dev again (unloads brd, deletes the pooled ramdisk): the image
 * is verified while it is written, in one read, instead of before. */
#define BRD_RESTORE_UNDO_REMOVES	1

/* Write the data of @image into ramdisk @dev, which must be blank and of
 * the image's size (-ENOTEMPTY holds data, -EMSGSIZE size differs,
 * -EBADMSG corrupt image).  Without BRD_RESTORE_UNDO_REMOVES the image is
 * verified before the first write, so that a corrupt image changes
 * nothing.  On any failure after a write, what was written is cleared
 * (discarded, or zeros written where brd cannot discard) and checked:
 * @dev reads as it was. */
int brd_image_restore(const char *image, const char *dev, int flags,
		      struct brd_image_info *info);
/* ... of the image open on @ifd (brd_image_open()), named @image. */
int brd_image_restore_fd(int ifd, const char *image, const char *dev,
			 int flags, struct brd_image_info *info);

/* Record under /run/brdctl (library root) which image ramdisk @name is
 * persisted to and when it was last saved or restored from; list and stat
 * read it back.  lookup: -ENOENT when @name has no image. */
int brd_persist_record(const char *name, const char *image, int64_t saved_ns);
int brd_persist_lookup(const char *name, char *image, size_t len,
		       int64_t *saved_ns);
int brd_persist_forget(const char *name);
/* Forget every record (brd was unloaded: no ramdisk is left). */
int brd_persist_forget_all(void);

/*
 * The pieces the functions above are made of, for the unit tests.
 *
 * The trailer (little-endian; docs/persist.md):
 *   0  magic "BRDIMAGE"    8  le32 version (1)    12  le32 0
 *  16  le64 size          24  le64 data_pages    32  le64 csum
 *  40  le64 saved_ns      48  name, 64 bytes, NUL-padded
 * 112  zeros up to 4088, then le64 XXH3-64 of bytes [0, 4088)
 */
#define BRD_IMAGE_MAGIC		"BRDIMAGE"
#define BRD_IMAGE_VERSION	1
#define BRD_IMAGE_PAGE		4096

void brd_image_trailer_encode(const struct brd_image_info *info,
			      unsigned char trailer[BRD_IMAGE_TRAILER]);
/* -EBADMSG: wrong magic, version, reserved bytes, or self-checksum. */
int brd_image_trailer_decode(const unsigned char trailer[BRD_IMAGE_TRAILER],
			     struct brd_image_info *info);

/* The content checksum, fed in any chunks in ascending order: @buf holds
 * the bytes at offset @off (a multiple of 4096) of the content, @len a
 * multiple of 4096 except at the end of the content. */
struct brd_image_csum {
	void *state;		/* XXH3_state_t */
	uint64_t pages;		/* non-zero pages seen */
};
int brd_image_csum_init(struct brd_image_csum *c);
void brd_image_csum_add(struct brd_image_csum *c, uint64_t off,
			const void *buf, size_t len);
/* The checksum; frees the state. */
uint64_t brd_image_csum_end(struct brd_image_csum *c);

#endif
