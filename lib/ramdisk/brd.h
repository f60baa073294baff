/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * brd control: module state and parameters, loading and unloading through
 * libkmod, on-demand creation of /dev/ramN, listing, allocated-page counts,
 * cache flush and discard.  See docs/kernels.md, section "brd".
 */
#ifndef BRD_BRD_H
#define BRD_BRD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define BRD_MAJOR 1

enum brd_module_state {
	BRD_MODULE_ABSENT = 0,	/* not loaded (may still be loadable) */
	BRD_MODULE_LOADED,	/* loadable module, live */
	BRD_MODULE_BUILTIN,	/* built into the kernel: cannot reload */
};

struct brd_module {
	enum brd_module_state state;
	uint64_t rd_nr;
	uint64_t rd_size;	/* KiB */
	uint64_t max_part;
	int64_t refcnt;		/* -1 unknown */
};

/* Read /sys/module/brd.  Always fills @m; returns 0 or -errno. */
int brd_module_get(struct brd_module *m);
/* Is a brd module available to load (modules.dep knows it)?  0 = yes. */
int brd_module_available(void);
/* Does a module with this alias (e.g. "fs-xfs") exist?  1, 0 or -errno. */
int brd_module_alias_exists(const char *alias);
/* Load brd with the given parameters (0 = leave out max_part / size). */
int brd_module_load(uint64_t rd_nr, uint64_t rd_size_kib, uint64_t max_part);
/* Unload brd; retries while busy up to @timeout_ms.  -EBUSY if in use. */
int brd_module_unload(unsigned int timeout_ms);

struct brd_disk {
	char name[32];		/* "ram0", or "ram0p1" for a partition */
	unsigned int num;	/* 0 (the whole disk's number) */
	unsigned int partno;	/* 0 for a whole disk */
	char label[40];		/* GPT partition name (PARTNAME), or "" */
	uint64_t start;		/* partitions: bytes from the disk start */
	dev_t devno;
	uint64_t size;		/* bytes */
	int64_t pages;		/* allocated pages, -1 unknown */
	bool ro;
	uint64_t discard_max;	/* bytes; 0 = the kernel cannot discard */
	unsigned int nholders;
};

/* Whether @name (e.g. "ram3" or "/dev/ram3") names a brd disk number. */
int brd_parse_name(const char *name, unsigned int *num);
/* All brd disks, sorted by number.  *disks is malloc'd. */
int brd_list(struct brd_disk **disks, size_t *n);
/* One disk by number; -ENOENT if it does not exist. */
int brd_get(unsigned int num, struct brd_disk *d);
/* The partitions of disk @num (sorted by partno); *parts malloc'd. */
int brd_list_parts(unsigned int num, struct brd_disk **parts, size_t *n);
/* Fill the pages field of @n disks from debugfs (ramdisk_pages), mounting
 * debugfs in a private mount namespace when it is not mounted.  Disks whose
 * count cannot be read keep pages = -1.  Returns 0 if all were read. */
int brd_read_pages(struct brd_disk *disks, size_t n);

/* Make disk @num appear (brd loaded): mknod b 1 num*max_part in a private
 * directory and open it.  -EEXIST if it already exists. */
int brd_create_on_demand(unsigned int num, uint64_t max_part);
/* Wait until /dev/NAME exists and udev has released it (flock LOCK_EX on
 * the node), up to @timeout_ms.  -ETIMEDOUT otherwise. */
int brd_wait_node(const char *name, unsigned int timeout_ms);

/* Holders (/sys/block/NAME/holders) as a malloc'd comma list, or NULL. */
char *brd_holders(const char *name);

/* BLKFLSBUF on an open device. */
int brd_flush_cache(int fd);
/* BLKDISCARD over [0, size) in page-aligned ranges.  -EOPNOTSUPP on
 * kernels whose brd cannot discard. */
int brd_discard_all(int fd, uint64_t size);
/* BLKDISCARD over the whole pages inside [off, off + len). */
int brd_discard_range(int fd, uint64_t off, uint64_t len);

/*
 * Give back the RAM under [off, off + len) of @path, a brd disk or a
 * partition of disk @num: open it (O_EXCL unless BRD_FREE_SHARED), drop its
 * page cache first with BRD_FREE_CACHE (BLKFLSBUF), and discard the whole
 * pages of the range.  Disk @num's allocated pages are counted before (not
 * with BRD_FREE_COUNTED: the caller counted them, e.g. before deleting a
 * partition) and after, into *f (NULL: not wanted).  On failure f->step
 * names the step that failed ("open", "BLKFLSBUF", "discard").
 */
struct brd_freed {
	int64_t before, after;	/* disk's pages, -1 unknown */
	const char *step;
};
#define BRD_FREE_SHARED		(1u << 0)
#define BRD_FREE_CACHE		(1u << 1)
#define BRD_FREE_COUNTED	(1u << 2)
int brd_free_ram(const char *path, unsigned int num, uint64_t off,
		 uint64_t len, unsigned int flags, struct brd_freed *f);
/* Pages freed (before - after, at least 0), or -1 unknown. */
int64_t brd_freed_pages(const struct brd_freed *f);
/* Disk @num's allocated pages now, -1 unknown. */
int64_t brd_disk_pages(unsigned int num);

/* Serialise state-changing brdctl invocations: flock on /run/brdctl.lock,
 * waiting up to @timeout_ms.  Returns the lock fd or -errno. */
int brd_lock(unsigned int timeout_ms);
void brd_unlock(int fd);

/* MemAvailable in bytes from /proc/meminfo. */
int brd_mem_available(uint64_t *bytes);
/* MemTotal in bytes from /proc/meminfo. */
int brd_mem_total(uint64_t *bytes);

/*
 * The RAM budget, one rule for every command that adds ramdisks or makes
 * them bigger (create, apply, resize): a ramdisk can take its whole size
 * once filled, so the sizes of all ramdisks, those that exist and those to
 * be made, less the RAM they already hold, must fit in MemAvailable.
 * --force skips the check (the caller does not call brd_budget_check).
 */
struct brd_budget {
	uint64_t size;		/* sum of the sizes, bytes (saturating) */
	uint64_t used;		/* of it, bytes already allocated */
	size_t count;		/* ramdisks counted with a size */
};
/* Count a ramdisk of @size bytes holding @used bytes (a pool's pages can
 * be counted once with @size 0). */
void brd_budget_add(struct brd_budget *b, uint64_t size, uint64_t used);
/* What the counted ramdisks could still take: size - used, or 0. */
uint64_t brd_budget_need(const struct brd_budget *b);
/* Does brd_budget_need() exceed @avail bytes? */
bool brd_budget_over(const struct brd_budget *b, uint64_t avail);
/* 0 if brd_budget_need() fits in MemAvailable (also when MemAvailable
 * cannot be read: there is nothing to check against), -ENOMEM if not;
 * *avail is MemAvailable whenever it was read. */
int brd_budget_check(const struct brd_budget *b, uint64_t *avail);

/* Kernel release as numbers (e.g. 6.12 -> 6, 12). */
int brd_kernel_version(unsigned int *major, unsigned int *minor);

#endif
