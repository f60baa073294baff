// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * brdctl create [--size SIZE] [--count N] [--partitions N] [--find] [NAME...]
 *
 * brd not loaded: load it through libkmod.  brd loaded: add ramdisks on
 * demand.  All ramdisks of a kernel share one size: another --size reloads
 * brd when no ramdisk is in use or holds data, and refuses otherwise.
 * Idempotent: an existing NAME of the asked size is fine.  Names that are
 * not ramN make pooled ramdisks (cmd/pool.c).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ramdisk.h"
#include "../lib/ramdisk/brdtab.h"
#include "../lib/ramdisk/pool.h"

static const char *opt_size, *opt_count, *opt_parts, *opt_timeout, *opt_pool_size;
static int opt_find, opt_force;

static const struct poptOption create_options[] = {
	{ "size", 's', POPT_ARG_STRING, &opt_size, 0,
	  "size of the ramdisks (whole disks all share one)", "SIZE" },
	{ "count", 'c', POPT_ARG_STRING, &opt_count, 0,
	  "number of ramdisks to create (default 1)", "N" },
	{ "partitions", 'p', POPT_ARG_STRING, &opt_parts, 0,
	  "partitions per ramdisk (brd max_part)", "N" },
	{ "find", 'f', POPT_ARG_NONE, &opt_find, 0,
	  "use the lowest free ramdisk numbers (the default without NAME)", NULL },
	{ "force", '\0', POPT_ARG_NONE, &opt_force, 0,
	  "allow a total size beyond MemAvailable", NULL },
	{ "pool-size", '\0', POPT_ARG_STRING, &opt_pool_size, 0,
	  "nominal size of a new pool (default: 128 x RAM, rounded)", "SIZE" },
	{ "timeout", '\0', POPT_ARG_STRING, &opt_timeout, 0,
	  "seconds to wait for the lock and the device nodes (default 30)", "SECONDS" },
	POPT_TABLEEND
};

struct plan {
	unsigned int *nums;	/* ramdisks to print, in order */
	size_t n;
	uint64_t size_kib;	/* 0 = keep / kernel default */
	uint64_t max_part;	/* 0 = keep / kernel default */
};

static bool in_list(const unsigned int *v, size_t n, unsigned int x)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == x)
			return true;
	return false;
}

static bool exists_in(const struct brd_disk *d, size_t n, unsigned int num)
{
	for (size_t i = 0; i < n; i++)
		if (d[i].num == num)
			return true;
	return false;
}

/* Lowest @count numbers not in @disks. */
static void pick_free(struct plan *p, const struct brd_disk *disks, size_t n,
		      uint64_t count)
{
	for (unsigned int num = 0; p->n < count; num++)
		if (!exists_in(disks, n, num) && !in_list(p->nums, p->n, num))
			p->nums[p->n++] = num;
}

/* Reason a ramdisk must not be thrown away by a reload, or NULL. */
static char *keep_reason(struct brd_disk *d)
{
	struct rd_info ri = { .d = *d };
	char *why;

	rd_info_fill(&ri, RD_ALL);
	why = rd_busy_reason(&ri);
	if (!why) {
		if (d->pages > 0) {
			if (asprintf(&why, "holds data (%" PRId64 " pages)", d->pages) < 0)
				why = NULL;
		} else if (ri.bi.fstype || ri.bi.pttype) {
			if (asprintf(&why, "has a %s signature",
				     ri.bi.fstype ? ri.bi.fstype : ri.bi.pttype) < 0)
				why = NULL;
		} else if (d->pages < 0) {
			why = strdup("may hold data (RAM use unknown: debugfs not readable)");
		}
	}
	rd_info_free(&ri);
	return why;
}

/* Make ramdisks @nums appear in a loaded brd (those in @disks exist);
 * @max_part: brd's, for the --dry-run lines (0: as loaded now). */
static int create_nodes(const unsigned int *nums, size_t n,
			const struct brd_disk *disks, size_t ndisks,
			uint64_t max_part)
{
	struct brd_module m = { 0 };

	brd_module_get(&m);
	if (!max_part)
		max_part = m.max_part;
	for (size_t i = 0; i < n; i++) {
		char name[32];
		int rc;

		if (exists_in(disks, ndisks, nums[i]))
			continue;	/* idempotent */
		if (G.dry_run) {
			printf("create /dev/ram%u (mknod b %d %" PRIu64 ", open)\n",
			       nums[i], BRD_MAJOR,
			       (uint64_t)nums[i] * (max_part ? max_part : 1));
			continue;
		}
		rc = brd_create_on_demand(nums[i], m.max_part);
		if (!rc || rc == -EEXIST)
			continue;
		snprintf(name, sizeof(name), "ram%u", nums[i]);
		if (rc == -ENXIO)
			return cmd_fail(EOPNOTSUPP, name, "this kernel cannot create "
				       "ramdisks on demand (no BLOCK_LEGACY_AUTOLOAD); "
				       "number them from ram0 up, or reload brd with "
				       "'brdctl remove --all' and 'brdctl create --count N'");
		return cmd_err(rc, name, "cannot create");
	}
	return 0;
}

static int load(const struct plan *p, const unsigned int *all, size_t nall)
{
	uint64_t contiguous = 0;
	int rc;

	/* 0..k-1: let the module create them; otherwise create on demand */
	while (in_list(all, nall, (unsigned int)contiguous))
		contiguous++;
	if (contiguous != nall)
		contiguous = 0;
	if (G.dry_run) {
		cmd_print_load(contiguous, p->size_kib, p->max_part);
	} else if ((rc = brd_module_load(contiguous, p->size_kib, p->max_part))) {
		return cmd_err(rc, "brd", "cannot load the module");
	}
	if (contiguous)
		return 0;
	return create_nodes(all, nall, NULL, 0, p->max_part);
}

static int check_memory(const struct plan *p, struct brd_disk *disks, size_t n,
			uint64_t cur_kib, bool reload, bool force)
{
	struct brd_budget b = { 0 };
	uint64_t avail, size = (p->size_kib ? p->size_kib : cur_kib) * 1024;

	if (!size || force)
		return 0;
	/* what every ramdisk may still take when filled */
	for (size_t i = 0; i < n; i++)
		brd_budget_add(&b, size, reload ? 0 : brd_pages_bytes(disks[i].pages));
	for (size_t i = 0; i < p->n; i++)
		if (!exists_in(disks, n, p->nums[i]))
			brd_budget_add(&b, size, 0);
	if (brd_budget_check(&b, &avail)) {
		char *h1 = cmd_size_to_human(brd_budget_need(&b)), *h2 = cmd_size_to_human(avail);
		char *h0 = cmd_size_to_human(size);

		cmd_warnx("%zu ramdisk%s of %s could take %s but only %s "
			  "of RAM is available; use --force to create %s anyway",
			  b.count, b.count == 1 ? "" : "s", h0 ? h0 : "?",
			  h1 ? h1 : "?", h2 ? h2 : "?", b.count == 1 ? "it" : "them");
		free(h0);
		free(h1);
		free(h2);
		return EXIT_FAIL;
	}
	return 0;
}

int rd_load_disks(const unsigned int *nums, size_t n, uint64_t size_kib,
		  uint64_t max_part, unsigned int timeout_ms)
{
	struct plan p = { .nums = (unsigned int *)nums, .n = n, .size_kib = size_kib,
			  .max_part = max_part };
	int rc, ret;

	if ((ret = load(&p, nums, n)) || G.dry_run)
		return ret;
	for (size_t i = 0; i < n; i++) {
		char name[32];

		snprintf(name, sizeof(name), "ram%u", nums[i]);
		if ((rc = brd_wait_node(name, timeout_ms)))
			return cmd_err(rc, name, "device node did not appear in /dev");
	}
	return EXIT_OK;
}

/* brd not loaded: load it with the ramdisks of @p. */
static int create_absent(const struct plan *p, const struct rd_create_opts *o)
{
	int rc, ret;

	if (!G.dry_run && (rc = brd_module_available()))
		return cmd_err(rc, "brd", "kernel module not available");
	if ((ret = check_memory(p, NULL, 0, 0, true, o->force)))
		return ret;
	return load(p, p->nums, p->n);
}

/*
 * brd is loaded with another size or max_part than @p asks: may it be
 * reloaded?  Not when a named ramdisk of @p exists (it has the other size),
 * brd is built in, or a ramdisk is in use or holds data.  Exit status.
 */
static int check_reload(const struct plan *p, bool named, const struct brd_module *m,
			struct brd_disk *disks, size_t n, bool size_differs)
{
	char cur[64];
	char *h = cmd_size_to_human(m->rd_size * 1024);
	int ret = EXIT_OK;

	snprintf(cur, sizeof(cur), "%s", h ? h : "?");
	free(h);
	/* a named ramdisk that exists has another size: refuse */
	for (size_t i = 0; i < p->n && named; i++)
		if (exists_in(disks, n, p->nums[i])) {
			char name[32];

			snprintf(name, sizeof(name), "ram%u", p->nums[i]);
			return cmd_fail(EEXIST, name, "exists with %s %s",
				       size_differs ? "size" : "max_part",
				       size_differs ? cur : "another value");
		}
	if (m->state == BRD_MODULE_BUILTIN)
		return cmd_fail(EOPNOTSUPP, "brd", "built into the kernel: every "
			       "ramdisk has size %s (set brd.rd_size= at boot)", cur);
	for (size_t i = 0; i < n; i++) {
		char *why = keep_reason(&disks[i]);

		if (why) {
			cmd_warnx("%s: %s", disks[i].name, why);
			free(why);
			ret = EXIT_BUSY;
		}
	}
	if (ret)
		cmd_warnx("brd: all ramdisks have size %s and brd must be reloaded "
			  "to change it; the ramdisks above prevent that "
			  "(see 'brdctl resize')", cur);
	return ret;
}

/* Reload brd with @p's size and max_part (the loaded ones where @p has
 * none), recreating the ramdisks that existed (all empty) too. */
static int reload(struct plan *p, const struct brd_module *m,
		  const struct brd_disk *disks, size_t n, unsigned int timeout_ms)
{
	unsigned int *all = calloc(n + p->n, sizeof(*all));
	size_t nall = 0;
	int rc, ret;

	if (!all)
		return cmd_err(ENOMEM, NULL, "create");
	for (size_t i = 0; i < n; i++)
		all[nall++] = disks[i].num;
	for (size_t i = 0; i < p->n; i++)
		if (!in_list(all, nall, p->nums[i]))
			all[nall++] = p->nums[i];
	if (!p->max_part)
		p->max_part = m->max_part;
	if (!p->size_kib)
		p->size_kib = m->rd_size;
	if (G.dry_run)
		printf("unload brd\n");
	else if ((rc = brd_module_unload(timeout_ms))) {
		free(all);
		return cmd_err(rc, "brd", "cannot unload the module");
	}
	ret = load(p, all, nall);
	free(all);
	return ret;
}

/* brd loaded with @disks: add the ramdisks of @p, reloading brd when @p
 * asks for another size or max_part. */
static int create_loaded(struct plan *p, bool named, const struct brd_module *m,
			 struct brd_disk *disks, size_t n, const struct rd_create_opts *o)
{
	bool size_differs = p->size_kib && p->size_kib != m->rd_size;
	bool parts_differ = p->max_part && p->max_part != m->max_part;
	bool reloading = size_differs || parts_differ;
	int ret;

	if (reloading && (ret = check_reload(p, named, m, disks, n, size_differs)))
		return ret;
	if (!reloading) {
		p->size_kib = 0;		/* same as loaded */
		p->max_part = 0;
	}
	if ((ret = check_memory(p, disks, n, m->rd_size, reloading, o->force)))
		return ret;
	if (reloading)
		return reload(p, m, disks, n, o->timeout_ms);
	return create_nodes(p->nums, p->n, disks, n, 0);
}

/* Wait for the nodes of @p's ramdisks; paths[i] for each that appeared. */
static int wait_paths(const struct plan *p, unsigned int timeout_ms, char **paths)
{
	int rc, ret = EXIT_OK;

	for (size_t i = 0; i < p->n; i++) {
		char name[32];

		snprintf(name, sizeof(name), "ram%u", p->nums[i]);
		rc = brd_wait_node(name, timeout_ms);
		if (rc) {
			ret = cmd_err(rc, name, "device node did not appear in /dev");
			continue;
		}
		if (asprintf(&paths[i], "/dev/%s", name) < 0)
			paths[i] = NULL;
	}
	return ret;
}

/* Whole-disk ramdisks: @p->nums named (or picked when !named). */
static int create_whole(struct plan *p, bool named, uint64_t count,
			const struct rd_create_opts *o, char **paths)
{
	struct brd_disk *disks = NULL;
	struct brd_module m;
	size_t n = 0;
	int rc, ret;

	if ((rc = brd_module_get(&m)))
		return cmd_err(rc, "brd", "cannot read the module parameters");
	if (m.state != BRD_MODULE_ABSENT) {
		if ((rc = brd_list(&disks, &n)))
			return cmd_err(rc, "/sys/block", "cannot list ramdisks");
		brd_read_pages(disks, n);
		if ((rc = pool_refuse_whole(disks, n))) {
			free(disks);
			return rc;
		}
	}
	if (!named)
		pick_free(p, disks, n, count);
	if (m.state == BRD_MODULE_ABSENT)
		ret = create_absent(p, o);
	else
		ret = create_loaded(p, named, &m, disks, n, o);
	if (!ret && !G.dry_run)
		ret = wait_paths(p, o->timeout_ms, paths);
	free(disks);
	return ret;
}

int rd_create(const struct rd_request *req, size_t n,
	      const struct rd_create_opts *o, char **paths)
{
	struct plan p = { 0 };
	size_t npool = 0, nnamed = 0;
	int lock = -1, ret;

	for (size_t i = 0; i < n; i++) {
		paths[i] = NULL;
		if (req[i].name && brd_pool_name_valid(req[i].name))
			npool++;
		else if (req[i].name)
			nnamed++;
	}
	if (npool && npool != n)
		return cmd_usage_error("pooled and whole-disk ramdisks cannot be "
				       "created together: brd is one module, with either "
				       "a pool or whole-disk ramdisks");
	if (nnamed && nnamed != n)
		return cmd_usage_error("name every whole-disk ramdisk or none");
	if (!G.dry_run && (lock = brd_lock(o->timeout_ms)) < 0)
		return rd_lock_error(lock);
	if (npool) {
		ret = pool_create(req, n, o, paths);
		goto out;
	}
	for (size_t i = 1; i < n; i++)
		if (req[i].size != req[0].size) {
			ret = cmd_usage_error("whole-disk ramdisks all have one size "
					      "(brd rd_size); use pooled ramdisks for "
					      "different sizes");
			goto out;
		}
	p.size_kib = req[0].size / 1024;
	p.max_part = o->max_part;
	p.nums = calloc(n, sizeof(*p.nums));
	if (!p.nums) {
		ret = cmd_err(ENOMEM, NULL, "create");
		goto out;
	}
	for (size_t i = 0; nnamed && i < n; i++) {
		unsigned int num;

		brd_parse_name(req[i].name, &num);
		p.nums[p.n++] = num;	/* duplicates resolve to the same disk */
	}
	ret = create_whole(&p, nnamed > 0, n, o, paths);
	/* a name given twice: both requests get the path */
	for (size_t i = 0; nnamed && i < n; i++)
		if (!paths[i] && ret == EXIT_OK && !G.dry_run &&
		    asprintf(&paths[i], "/dev/%s", req[i].name +
			     (strncmp(req[i].name, "/dev/", 5) ? 0 : 5)) < 0)
			paths[i] = NULL;
	free(p.nums);
out:
	brd_unlock(lock);
	return ret;
}

int rd_create_one(const char *name, uint64_t size,
		  const struct rd_create_opts *o, char **path)
{
	struct rd_request req = { .name = name, .size = size };

	return rd_create(&req, 1, o, path);
}

static int do_create(const struct brd_cmd *cmd, int argc, const char **argv)
{
	struct rd_create_opts o = { .timeout_ms = RD_LOCK_TIMEOUT_MS };
	struct rd_request *req;
	uint64_t v, size = 0, count = 1;
	size_t n;
	char **paths;
	int rc, ret;

	(void)cmd;
	if (opt_size) {
		if ((rc = cmd_parse_size("--size", opt_size, &v)))
			return rc;
		if (v == 0 || v % 1024)
			return cmd_usage_error("--size: %s is not a positive multiple of 1 KiB "
					       "(brd sizes are in KiB)", opt_size);
		size = v;
	}
	if (opt_parts) {
		if ((rc = cmd_parse_u64("--partitions", opt_parts, 1, 256, &o.max_part)))
			return rc;
		/* brd rounds up to a power of two */
		while (o.max_part & (o.max_part - 1))
			o.max_part += o.max_part & -o.max_part;
	}
	if (opt_pool_size) {
		if ((rc = cmd_parse_size("--pool-size", opt_pool_size, &o.pool_size)))
			return rc;
		if (o.pool_size < (1ULL << 30) || o.pool_size % (1ULL << 20))
			return cmd_usage_error("--pool-size: %s is not a multiple of 1 MiB "
					       "of at least 1 GiB", opt_pool_size);
	}
	if (opt_count && argc)
		return cmd_usage_error("--count and NAME are mutually exclusive");
	if (opt_find && argc)
		return cmd_usage_error("--find and NAME are mutually exclusive");
	if (opt_count && (rc = cmd_parse_u64("--count", opt_count, 1, 1024, &count)))
		return rc;
	if (opt_timeout) {
		if ((rc = cmd_parse_u64("--timeout", opt_timeout, 0, 3600, &v)))
			return rc;
		o.timeout_ms = (unsigned int)v * 1000;
	}
	o.force = opt_force;
	for (int i = 0; i < argc; i++) {
		unsigned int num;

		if (brd_parse_name(argv[i], &num) &&
		    brdtab_name_kind(argv[i]) != BRDTAB_NAME_POOLED)
			return cmd_usage_error("%s: invalid ramdisk name: a name is "
					       BRDTAB_NAME_RULE " (or /dev/ramN)", argv[i]);
		if (brd_pool_name_valid(argv[i]) && !size)
			return cmd_usage_error("%s: a pooled ramdisk needs --size", argv[i]);
		if (brd_pool_name_valid(argv[i]) && opt_parts)
			return cmd_usage_error("%s: --partitions is for whole-disk ramdisks "
					       "(brd max_part); a pooled ramdisk is a "
					       "partition of the pool", argv[i]);
	}
	n = argc ? (size_t)argc : count;
	req = calloc(n, sizeof(*req));
	paths = calloc(n, sizeof(*paths));
	if (!req || !paths) {
		free(req);
		free(paths);
		return cmd_err(ENOMEM, NULL, "create");
	}
	for (size_t i = 0; i < n; i++) {
		req[i].name = argc ? argv[i] : NULL;
		req[i].size = size;
	}
	ret = rd_create(req, n, &o, paths);
	for (size_t i = 0; i < n; i++) {
		if (paths[i])
			printf("%s\n", paths[i]);
		free(paths[i]);
	}
	free(paths);
	free(req);
	return ret;
}

const struct brd_cmd cmd_create = {
	.name = "create",
	.fn = do_create,
	.options = create_options,
	.synopsis = "[options] [ramN...|POOLED-NAME...]",
	.summary = "Create ramdisks and print their device paths",
	.flags = CMD_DRYRUN,
};
