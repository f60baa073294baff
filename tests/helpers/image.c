// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * image save DEV NAME IMAGE | image restore IMAGE DEV | image info IMAGE:
 * the calls of lib/ramdisk/persist.h as a test helper, so that tests of
 * brdtab's x-brdctl.persist= make and read images through the library
 * whichever implementation of the image format is linked.  Exit 0, or the
 * errno of the failure (printed).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "../../lib/ramdisk/persist.h"

int main(int argc, char **argv)
{
	struct brd_image_info info;
	int rc = -EINVAL;

	if (argc == 5 && !strcmp(argv[1], "save"))
		rc = brd_image_save(argv[2], argv[3], argv[4], 0, &info);
	else if (argc == 4 && !strcmp(argv[1], "restore"))
		rc = brd_image_restore(argv[2], argv[3], 0, &info);
	else if (argc == 3 && !strcmp(argv[1], "info"))
		rc = brd_image_read_info(argv[2], &info);
	else {
		fprintf(stderr, "usage: image save DEV NAME IMAGE | restore IMAGE DEV | info IMAGE\n");
		return 2;
	}
	if (rc) {
		fprintf(stderr, "image %s: %s\n", argv[1], strerror(-rc));
		return -rc;
	}
	printf("size=%" PRIu64 " name=%s saved_ns=%" PRId64 "\n", info.size, info.name,
	       info.saved_ns);
	return 0;
}
