/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The plan of a brdtab(5) against the running system: every limit and
 * conflict `brdctl apply` could meet, found before anything changes.
 * Shared by `apply --check`, `apply`, `--dry-run apply` and anything else
 * that provisions a brdtab (a systemd generator): a brdtab that passes the
 * plan on a machine applies there, short of what only the kernel can
 * reveal while it is done (mkfs failing, a device node that never shows).
 *
 * Two steps, so that the rules can be tested without a kernel:
 *   brdplan_probe()  reads what exists (brd, the pool's GPT, the disks,
 *                    their signatures, the mount table, MemAvailable);
 *   brdplan_check()  is pure: it compares the file with that state and adds
 *                    each problem to tab->err with its line and kind.
 *
 * What is checked (the limits name themselves in the messages):
 *  - pooled lines: the pool holds at most min(GPT entries, slots, the
 *    kernel's 255 partitions per disk) ramdisks, 128 for a pool brdctl
 *    writes; each new one needs a free slot with room for it; a pooled
 *    ramdisk that exists must have the line's size; brd must be a pool or
 *    not loaded;
 *  - whole-disk lines: brd not loaded as a pool; ramN within brd's minor
 *    numbers; another size than the loaded one needs a reload, which needs
 *    a loadable brd and every existing disk unused and empty;
 *  - the RAM budget of `brdctl create` (brd_budget_*, lib/ramdisk/brd.h) unless
 *    @force;
 *  - per line: an existing ramdisk with another signature than the line's
 *    filesystem, something else mounted on the mount point, the ramdisk
 *    mounted elsewhere; x-brdctl.persist=: the image's directory exists,
 *    an existing image has a readable trailer (EBADMSG) and the line's size
 *    (EEXIST) -- its content is verified when it is restored.
 * Kinds (struct brdtab_error.err): EEXIST/EBUSY a conflict with what
 * exists, EOPNOTSUPP this kernel cannot, ENOSPC/ENOMEM/ERANGE more than the
 * pool, brd or the RAM holds, EBADMSG a damaged image, ENOENT/ENOTDIR an
 * image's directory missing (x-brdctl.persist=).
 */
#ifndef BRD_BRDPLAN_H
#define BRD_BRDPLAN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "brd.h"
#include "brdtab.h"
#include "pool.h"

/* What exists today for one brdtab line. */
struct brdplan_line {
	bool exists;		/* its ramdisk exists */
	char dev[64];		/* its device, "/dev/ram3" or "/dev/ram0p2" */
	dev_t devno;
	char *sig;		/* signature found on it, NULL: none */
	bool sig_is_pt;		/* ... a partition table */
	bool target_taken;	/* something else is mounted on the mount point */
	char *taken_src;	/* ... its source and type */
	char *taken_fstype;
	char *elsewhere;	/* where else its ramdisk is mounted (a,b), or NULL */
	/* x-brdctl.persist=: the image's directory (0, -errno), the image
	 * (0 its trailer reads, -ENOENT none yet, -EBADMSG damaged, -EPERM
	 * someone else can change it, -EINVAL not a regular file, -errno),
	 * why (-EPERM, -EINVAL; malloc'd) and the size its trailer gives */
	int image_dir_err, image_err;
	char *image_why;
	uint64_t image_size;
};

struct brdplan_sys {
	enum brd_module_state brd;
	uint64_t rd_size;		/* loaded: whole disks' size, bytes */
	uint64_t max_part;		/* loaded: brd's max_part; else 1 */
	bool is_pool;			/* loaded as a pool */
	char pool_name[32];		/* the pool's disk, "ram0" */
	struct brd_pool pool;		/* its GPT */
	int64_t pool_pages;		/* pages the pool holds, -1 unknown */
	uint64_t new_pool_size;		/* nominal size of a pool made now */
	struct brd_disk *disks;		/* whole-disk ramdisks (not a pool) */
	size_t ndisks;
	char **keep;			/* per disk: why a reload must not drop
					 * it ("mounted on /x"), or NULL */
	bool mem_known;
	uint64_t mem_avail;		/* MemAvailable, bytes */
	uint64_t page_size;
	struct brdplan_line *line;	/* one per tab->ent[] */
	size_t nline;
};

/* Read the state that @tab's lines depend on.  0 or -errno (-ENOMEM, or
 * brd's state cannot be read); free with brdplan_sys_free() either way. */
int brdplan_probe(const struct brdtab *tab, struct brdplan_sys *sys);
void brdplan_sys_free(struct brdplan_sys *sys);

/*
 * Add to tab->err every problem of applying @tab to @sys (@force: no RAM
 * budget, like `create --force`).  @tab must have parsed without errors.
 * Returns 0 (problems, if any, are in tab->err, sorted) or -ENOMEM.
 */
int brdplan_check(struct brdtab *tab, const struct brdplan_sys *sys, bool force);

/*
 * Both steps: probe the system and check @tab against it.  0 or -errno
 * (the state could not be read, -ENOMEM).  Every error carries its line,
 * so a caller that sets up one line at a time (a generator's unit per
 * line) can fail just the lines that have one; limits are still those of
 * the whole file.
 */
int brdplan_run(struct brdtab *tab, bool force);

/* Format @bytes for a message: "24G", "23.4G", "512M", "4096" (bytes). */
const char *brdplan_human(uint64_t bytes, char *buf, size_t len);

#endif
