// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The plan of a brdtab against the running system (see brdplan.h): probe
 * what exists, then check every limit and conflict before any change.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <libmount.h>

#include "blkinfo.h"
#include "brdplan.h"
#include "persist.h"
#include "trust.h"
#include "../base/log.h"
#include "../base/sysfs.h"

#define MINOR_COUNT	(1u << 20)	/* MINORBITS: brd's numbers of minors */

const char *brdplan_human(uint64_t bytes, char *buf, size_t len)
{
	static const char units[] = "KMGTPE";
	uint64_t b = bytes;
	double v = (double)bytes;
	int u = -1;

	/* exact when a unit divides it and nothing bigger does: 4K, 24G */
	while (u < 5 && b >= 1024 && b % 1024 == 0) {
		b /= 1024;
		u++;
	}
	if (b < 1024 || u == 5) {
		if (u < 0)
			snprintf(buf, len, "%" PRIu64, b);
		else
			snprintf(buf, len, "%" PRIu64 "%c", b, units[u]);
		return buf;
	}
	for (u = -1; u < 5 && v >= 1024; u++)
		v /= 1024;
	snprintf(buf, len, "%.1f%c", v, units[u]);
	return buf;
}

/* ----------------------------------------------------------- probing --- */

void brdplan_sys_free(struct brdplan_sys *sys)
{
	for (size_t i = 0; sys->keep && i < sys->ndisks; i++)
		free(sys->keep[i]);
	free(sys->keep);
	for (size_t i = 0; sys->line && i < sys->nline; i++) {
		free(sys->line[i].sig);
		free(sys->line[i].taken_src);
		free(sys->line[i].taken_fstype);
		free(sys->line[i].elsewhere);
		free(sys->line[i].image_why);
	}
	free(sys->line);
	free(sys->disks);
	brd_pool_free(&sys->pool);
	memset(sys, 0, sizeof(*sys));
}

/* Why reloading brd must not drop whole disk @d, or NULL. */
static char *keep_reason(const struct brd_disk *d)
{
	struct brd_blkinfo bi = { 0 };
	char path[64], *s = NULL, *m;
	int err = 0;

	m = brd_mountpoints(d->devno, &err);
	if (m) {
		for (char *p = m; *p; p++)
			if (*p == '\n')
				*p = ',';
		if (asprintf(&s, "is mounted on %s", m) < 0)
			s = NULL;
		free(m);
		return s;
	}
	if (d->nholders)
		return strdup("is held by another device");
	if (d->pages > 0)
		return asprintf(&s, "holds data (%" PRId64 " pages)", d->pages) < 0 ?
		       NULL : s;
	snprintf(path, sizeof(path), "/dev/%s", d->name);
	if (brd_blkinfo_probe(path, &bi) == 0 && (bi.fstype || bi.pttype) &&
	    asprintf(&s, "has a %s signature", bi.fstype ? bi.fstype : bi.pttype) < 0)
		s = NULL;
	brd_blkinfo_free(&bi);
	if (!s && d->pages < 0)
		s = strdup("may hold data (RAM use unknown: debugfs not readable)");
	return s;
}

/* brd's disks: the pool (read its GPT) or the whole-disk ramdisks. */
static int probe_disks(const struct brdtab *tab, struct brdplan_sys *sys)
{
	struct brd_disk *all = NULL;
	size_t n = 0;
	int rc;

	if ((rc = brd_list(&all, &n)))
		return rc;
	brd_read_pages(all, n);
	sys->disks = calloc(n + 1, sizeof(*sys->disks));
	if (!sys->disks) {
		free(all);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		char dev[64];

		if (all[i].partno)
			continue;
		snprintf(dev, sizeof(dev), "/dev/%s", all[i].name);
		if (!sys->is_pool && all[i].size >= (1ULL << 30) &&
		    brd_pool_probe(dev) == 1 && brd_pool_read(dev, &sys->pool) == 0) {
			sys->is_pool = true;
			snprintf(sys->pool_name, sizeof(sys->pool_name), "%s", all[i].name);
			sys->pool_pages = all[i].pages;
			continue;
		}
		sys->disks[sys->ndisks++] = all[i];
	}
	free(all);
	/* a reload is only needed for whole disks of another size */
	if (!tab->pooled && tab->n && !sys->is_pool && sys->ndisks &&
	    tab->ent[0].size != sys->rd_size) {
		sys->keep = calloc(sys->ndisks, sizeof(*sys->keep));
		if (!sys->keep)
			return -ENOMEM;
		for (size_t i = 0; i < sys->ndisks; i++)
			sys->keep[i] = keep_reason(&sys->disks[i]);
	}
	return 0;
}

/* The device of @e if it exists. */
static void find_device(const struct brdtab_entry *e, const struct brdplan_sys *sys,
			struct brdplan_line *l)
{
	struct stat st;

	if (e->kind == BRDTAB_POOLED) {
		if (!sys->is_pool)
			return;
		for (size_t i = 0; i < sys->pool.nparts; i++)
			if (!strcmp(sys->pool.parts[i].name, e->name)) {
				snprintf(l->dev, sizeof(l->dev), "/dev/%sp%u", sys->pool_name,
					 sys->pool.parts[i].partno);
				break;
			}
	} else {
		for (size_t i = 0; i < sys->ndisks; i++)
			if (sys->disks[i].num == e->num) {
				snprintf(l->dev, sizeof(l->dev), "/dev/%s", sys->disks[i].name);
				break;
			}
	}
	if (l->dev[0] && stat(l->dev, &st) == 0 && S_ISBLK(st.st_mode)) {
		l->exists = true;
		l->devno = st.st_rdev;
	}
}

/* x-brdctl.persist=: the image's directory and the image's trailer. */
static void probe_image(const struct brdtab_entry *e, struct brdplan_line *l)
{
	struct brd_image_info info;
	struct brd_trust t;
	char dir[4096];
	struct stat st;
	char *slash;
	int fd;

	snprintf(dir, sizeof(dir), "%s", e->persist);
	slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = '\0';
	else if (slash)
		*slash = '\0';
	if (stat(dir, &st) < 0)
		l->image_dir_err = -errno;
	else if (!S_ISDIR(st.st_mode))
		l->image_dir_err = -ENOTDIR;
	if (l->image_dir_err)
		return;
	/* the image is opened as restore opens it (StrictModes, trust.h) */
	fd = brd_image_open(e->persist, 0, &t);
	if (fd >= 0) {
		l->image_err = brd_image_read_info_fd(fd, e->persist, &info);
		close(fd);
		if (!l->image_err)
			l->image_size = info.size;
		return;
	}
	l->image_err = fd;
	if (fd == -EPERM && t.fix[0])
		l->image_why = brd_image_trust_msg(e->persist, &t);
	else if (fd == -EINVAL && asprintf(&l->image_why, "%s: %s", t.path, t.why) < 0)
		l->image_why = NULL;
}

static int probe_line(const struct brdtab_entry *e, const struct brdplan_sys *sys,
		      struct libmnt_table *tb, struct brdplan_line *l)
{
	struct libmnt_fs *fs;
	int err = 0;

	find_device(e, sys, l);
	if (e->persist)
		probe_image(e, l);
	if (l->exists && e->fstype) {
		struct brd_blkinfo bi = { 0 };

		if (brd_blkinfo_probe(l->dev, &bi) == 0 && (bi.fstype || bi.pttype)) {
			l->sig = strdup(bi.fstype ? bi.fstype : bi.pttype);
			l->sig_is_pt = !bi.fstype;
			if (!l->sig) {
				brd_blkinfo_free(&bi);
				return -ENOMEM;
			}
		}
		brd_blkinfo_free(&bi);
	}
	if (!e->target)
		return 0;
	fs = tb ? brd_mounted_on(tb, e->target) : NULL;
	if (fs && !(l->exists && mnt_fs_get_devno(fs) == l->devno)) {
		const char *src = mnt_fs_get_source(fs), *t = mnt_fs_get_fstype(fs);

		l->target_taken = true;
		l->taken_src = strdup(src ? src : "?");
		l->taken_fstype = strdup(t ? t : "?");
		if (!l->taken_src || !l->taken_fstype)
			return -ENOMEM;
	}
	if (l->exists && !fs)
		l->elsewhere = brd_mountpoints(l->devno, &err);
	else if (l->exists && l->target_taken)
		l->elsewhere = brd_mountpoints(l->devno, &err);
	if (l->elsewhere)
		for (char *p = l->elsewhere; *p; p++)
			if (*p == '\n')
				*p = ',';
	return 0;
}

int brdplan_probe(const struct brdtab *tab, struct brdplan_sys *sys)
{
	struct libmnt_table *tb = NULL;
	struct brd_module m;
	int rc;

	memset(sys, 0, sizeof(*sys));
	sys->pool_pages = -1;
	sys->max_part = 1;
	sys->page_size = (uint64_t)sysconf(_SC_PAGESIZE);
	if ((rc = brd_module_get(&m)))
		return rc;
	sys->brd = m.state;
	if (m.state != BRD_MODULE_ABSENT) {
		sys->rd_size = m.rd_size * 1024;
		sys->max_part = m.max_part ? m.max_part : 1;
		if ((rc = probe_disks(tab, sys)))
			return rc;
	}
	sys->new_pool_size = brd_pool_default_size();
	sys->mem_known = brd_mem_available(&sys->mem_avail) == 0;
	sys->line = calloc(tab->n + 1, sizeof(*sys->line));
	if (!sys->line)
		return -ENOMEM;
	sys->nline = tab->n;
	brd_mounts_invalidate();
	tb = brd_mount_table();
	if (!tb)
		brd_dbg("cannot read the mount table");
	for (size_t i = 0; i < tab->n && !rc; i++)
		rc = probe_line(&tab->ent[i], sys, tb, &sys->line[i]);
	mnt_unref_table(tb);
	return rc;
}

/* ---------------------------------------------------------- checking --- */

#define ERR(line, err, ...) do {					\
	if (brdtab_add_error(tab, line, err, __VA_ARGS__))		\
		return -ENOMEM;						\
} while (0)

/* "1st", "2nd", "129th" */
static const char *ordinal(size_t n, char *buf, size_t len)
{
	const char *suf = "th";

	if (n % 100 < 11 || n % 100 > 13)
		suf = n % 10 == 1 ? "st" : n % 10 == 2 ? "nd" : n % 10 == 3 ? "rd" : "th";
	snprintf(buf, len, "%zu%s", n, suf);
	return buf;
}

static int budget_error(struct brdtab *tab, const struct brdtab_entry *e,
			const struct brd_budget *b, uint64_t avail, const char *what)
{
	char h1[32], h2[32];

	ERR(e->line, ENOMEM, "%s: the RAM budget is exceeded: with this line the %s could "
	    "take %s once filled, but only %s of RAM is available (MemAvailable); "
	    "use --force to apply anyway", e->name, what,
	    brdplan_human(brd_budget_need(b), h1, sizeof(h1)),
	    brdplan_human(avail, h2, sizeof(h2)));
	return 0;
}

/* Which limit bounds the number of pooled ramdisks, and its name. */
static unsigned int pool_limit(const struct brd_pool *pool, const char **what)
{
	unsigned int limit = pool->entries ? pool->entries : BRD_POOL_GPT_ENTRIES;

	*what = "GPT entries";
	if (BRD_POOL_SLOTS < limit) {
		limit = BRD_POOL_SLOTS;
		*what = "slots";
	}
	if (BRD_KERNEL_MAX_PARTS < limit) {
		limit = BRD_KERNEL_MAX_PARTS;
		*what = "the kernel's partitions per disk";
	}
	return limit;
}

static const struct brd_pool_part *part_named(const struct brd_pool *pool,
					      const char *name)
{
	for (size_t i = 0; i < pool->nparts; i++)
		if (!strcmp(pool->parts[i].name, name))
			return &pool->parts[i];
	return NULL;
}

/* Add a planned partition to the simulated pool @sim. */
static int sim_add(struct brd_pool *sim, const char *name, uint64_t start,
		   uint64_t size)
{
	struct brd_pool_part *n = realloc(sim->parts, (sim->nparts + 1) * sizeof(*n));

	if (!n)
		return -ENOMEM;
	sim->parts = n;
	n = &sim->parts[sim->nparts++];
	memset(n, 0, sizeof(*n));
	n->partno = (unsigned int)sim->nparts;	/* not used by placement */
	snprintf(n->name, sizeof(n->name), "%s", name);
	n->start = start;
	n->size = size;
	return 0;
}

/* The pool as the plan fills it, and the first line past each limit. */
struct pool_plan {
	struct brd_pool sim;		/* the pool with the planned ramdisks */
	struct brd_budget budget;
	unsigned int limit;		/* ramdisks it holds at most */
	const char *what;		/* ... and why */
	uint64_t slot;
	const struct brdtab_entry *over, *noroom, *budget_line;
	size_t nover, nnoroom;
	unsigned int last_over;
};

/* The pool that exists (a copy), or the one apply would make. */
static int pool_plan_init(struct pool_plan *pp, const struct brdplan_sys *sys)
{
	memset(pp, 0, sizeof(*pp));
	if (sys->is_pool) {
		pp->sim = sys->pool;
		pp->sim.parts = malloc((sys->pool.nparts + 1) * sizeof(*pp->sim.parts));
		if (!pp->sim.parts)
			return -ENOMEM;
		memcpy(pp->sim.parts, sys->pool.parts,
		       sys->pool.nparts * sizeof(*pp->sim.parts));
	} else {
		brd_pool_blank(sys->new_pool_size, &pp->sim);
	}
	pp->limit = pool_limit(&pp->sim, &pp->what);
	pp->slot = brd_pool_slot(&pp->sim);
	for (size_t i = 0; i < pp->sim.nparts; i++)
		brd_budget_add(&pp->budget, pp->sim.parts[i].size, 0);
	brd_budget_add(&pp->budget, 0, sys->pool_pages > 0 ?
		       (uint64_t)sys->pool_pages * sys->page_size : 0);
	return 0;
}

/* One pooled line: it exists, or it is placed in the simulated pool. */
static int pool_plan_line(struct brdtab *tab, struct pool_plan *pp,
			  const struct brdplan_sys *sys, const struct brdtab_entry *e,
			  bool force)
{
	const struct brd_pool_part *have = sys->is_pool ? part_named(&sys->pool, e->name) : NULL;
	char h1[32], h2[32];
	uint64_t start;
	int rc;

	if (have) {
		if (have->size != e->size)
			ERR(e->line, EEXIST, "%s: the pooled ramdisk exists with size %s, "
			    "not %s (see 'brdctl resize')", e->name,
			    brdtab_size_str(have->size, h1, sizeof(h1)),
			    brdtab_size_str(e->size, h2, sizeof(h2)));
		return 0;
	}
	if (pp->sim.nparts >= pp->limit) {
		if (!pp->over)
			pp->over = e;
		pp->nover++;
		pp->last_over = e->line;
		return 0;
	}
	if (brd_pool_place(&pp->sim, pp->slot, e->size, &start)) {
		if (!pp->noroom)
			pp->noroom = e;
		pp->nnoroom++;
		return 0;
	}
	if ((rc = sim_add(&pp->sim, e->name, start, e->size)))
		return rc;
	brd_budget_add(&pp->budget, e->size, 0);
	if (!force && !pp->budget_line && sys->mem_known &&
	    brd_budget_over(&pp->budget, sys->mem_avail)) {
		pp->budget_line = e;
		return budget_error(tab, e, &pp->budget, sys->mem_avail, "pooled ramdisks");
	}
	return 0;
}

/* The slot and count limits, each once, on the first line past it. */
static int pool_plan_report(struct brdtab *tab, const struct pool_plan *pp)
{
	char h1[32], h2[32], more[64] = "";

	if (pp->noroom) {
		if (pp->nnoroom > 1)
			snprintf(more, sizeof(more), "; %zu later lines do not fit either",
				 pp->nnoroom - 1);
		ERR(pp->noroom->line, ENOSPC, "%s: no room in the pool for %s: a pooled "
		    "ramdisk starts at one of the pool's %u slots of %s, and no free slot "
		    "is followed by %s of free space%s", pp->noroom->name,
		    brdtab_size_str(pp->noroom->size, h1, sizeof(h1)), BRD_POOL_SLOTS,
		    brdplan_human(pp->slot, h2, sizeof(h2)), h1, more);
	}
	if (pp->over) {
		char nth[32];

		more[0] = '\0';
		if (pp->nover > 1)
			snprintf(more, sizeof(more), "; lines %u-%u do not fit",
				 pp->over->line, pp->last_over);
		ERR(pp->over->line, ENOSPC, "%s: the pool holds at most %u ramdisks (%s); "
		    "this is the %s%s", pp->over->name, pp->limit, pp->what,
		    ordinal(pp->limit + 1, nth, sizeof(nth)), more);
	}
	return 0;
}

static int check_pooled(struct brdtab *tab, const struct brdplan_sys *sys, bool force)
{
	struct pool_plan pp;
	int rc;

	if (sys->brd != BRD_MODULE_ABSENT && !sys->is_pool) {
		const struct brdtab_entry *e = &tab->ent[0];

		ERR(e->line, EBUSY, "%s: brd is %s with whole-disk ramdisks%s%s: pooled "
		    "ramdisks need brd loaded as a pool or not loaded ('brdctl remove "
		    "--all' first)", e->name,
		    sys->brd == BRD_MODULE_BUILTIN ? "built into the kernel" : "loaded",
		    sys->ndisks ? ", e.g. " : "", sys->ndisks ? sys->disks[0].name : "");
		return 0;
	}
	if ((rc = pool_plan_init(&pp, sys)))
		return rc;
	for (size_t i = 0; i < tab->n && !rc; i++)
		if (tab->ent[i].kind == BRDTAB_POOLED)
			rc = pool_plan_line(tab, &pp, sys, &tab->ent[i], force);
	if (!rc)
		rc = pool_plan_report(tab, &pp);
	free(pp.sim.parts);
	return rc;
}

static bool disk_exists(const struct brdplan_sys *sys, unsigned int num)
{
	for (size_t i = 0; i < sys->ndisks; i++)
		if (sys->disks[i].num == num)
			return true;
	return false;
}

/* Another size than brd's: a reload, refused when something must stay. */
static int check_reload(struct brdtab *tab, const struct brdplan_sys *sys, bool *reload)
{
	const struct brdtab_entry *e0 = &tab->ent[0];
	char h1[32], h2[32];
	int rc = 0;

	*reload = false;
	if (sys->brd == BRD_MODULE_ABSENT || e0->size == sys->rd_size)
		return 0;
	brdtab_size_str(sys->rd_size, h1, sizeof(h1));
	brdtab_size_str(e0->size, h2, sizeof(h2));
	if (sys->brd == BRD_MODULE_BUILTIN) {
		ERR(e0->line, EOPNOTSUPP, "%s: brd is built into the kernel: every "
		    "whole-disk ramdisk has size %s, not %s (set brd.rd_size= at boot, or "
		    "name the lines to make pooled ramdisks)", e0->name, h1, h2);
		return 0;
	}
	for (size_t i = 0; i < tab->n; i++)
		if (disk_exists(sys, tab->ent[i].num)) {
			ERR(tab->ent[i].line, EEXIST, "%s exists with size %s, not %s",
			    tab->ent[i].name, h1, h2);
			rc = 1;
		}
	for (size_t i = 0; i < sys->ndisks && !rc; i++)
		if (sys->keep && sys->keep[i]) {
			ERR(e0->line, EBUSY, "brd must be reloaded to give its ramdisks size "
			    "%s (they have %s), but %s %s", h2, h1, sys->disks[i].name,
			    sys->keep[i]);
			rc = 1;
		}
	*reload = !rc;
	return 0;
}

static int check_whole(struct brdtab *tab, const struct brdplan_sys *sys, bool force)
{
	struct brd_budget b = { 0 };
	uint64_t size = tab->ent[0].size;
	uint64_t max_num = MINOR_COUNT / (sys->max_part ? sys->max_part : 1);
	bool reload, over = false;
	size_t before = tab->nerr;

	if (sys->is_pool) {
		ERR(tab->ent[0].line, EBUSY, "%s: brd is loaded as a pool of pooled "
		    "ramdisks (%s): whole-disk ramdisks cannot be added (name the lines, "
		    "or 'brdctl remove --all' first)", tab->ent[0].name, sys->pool_name);
		return 0;
	}
	for (size_t i = 0; i < tab->n; i++)
		if (tab->ent[i].num >= max_num)
			ERR(tab->ent[i].line, ERANGE, "%s: brd numbers whole-disk ramdisks "
			    "ram0-ram%" PRIu64 " (%u minor numbers, %" PRIu64 " per disk)",
			    tab->ent[i].name, max_num - 1, MINOR_COUNT,
			    sys->max_part ? sys->max_part : 1);
	if (check_reload(tab, sys, &reload))
		return -ENOMEM;
	if (force || !sys->mem_known || tab->nerr != before)
		return 0;
	/* the budget of `create`: every disk brd will have, at the file's size */
	for (size_t i = 0; i < sys->ndisks; i++)
		brd_budget_add(&b, size, reload || sys->disks[i].pages < 0 ? 0 :
			       (uint64_t)sys->disks[i].pages * sys->page_size);
	for (size_t i = 0; i < tab->n && !over; i++) {
		if (disk_exists(sys, tab->ent[i].num))
			continue;
		brd_budget_add(&b, size, 0);
		if (brd_budget_over(&b, sys->mem_avail)) {
			over = true;
			if (budget_error(tab, &tab->ent[i], &b, sys->mem_avail,
					 "whole-disk ramdisks"))
				return -ENOMEM;
		}
	}
	return 0;
}

/* x-brdctl.persist=: an image that cannot be restored into the line's
 * ramdisk fails the line; the image is left as it is. */
static int check_image(struct brdtab *tab, const struct brdtab_entry *e,
		       const struct brdplan_line *l)
{
	char h1[32], h2[32];

	if (l->image_dir_err)
		ERR(e->line, -l->image_dir_err, "x-brdctl.persist: %s: its directory: %s", e->persist, strerror(-l->image_dir_err));
	else if ((l->image_err == -EPERM || l->image_err == -EINVAL) && l->image_why)
		ERR(e->line, -l->image_err, "x-brdctl.persist: %s", l->image_why);
	else if (l->image_err == -EBADMSG)
		ERR(e->line, EBADMSG, "x-brdctl.persist: %s is no brdctl image or its "
		    "trailer is damaged; not restoring it (move it away to start with "
		    "an empty filesystem)", e->persist);
	else if (l->image_err && l->image_err != -ENOENT)
		ERR(e->line, -l->image_err, "x-brdctl.persist: cannot read %s: %s",
		    e->persist, strerror(-l->image_err));
	else if (!l->image_err && l->image_size != e->size)
		ERR(e->line, EEXIST, "x-brdctl.persist: the image %s holds a ramdisk of "
		    "%s, not %s; not restoring it (give the line the image's size)",
		    e->persist, brdtab_size_str(l->image_size, h1, sizeof(h1)),
		    brdtab_size_str(e->size, h2, sizeof(h2)));
	return 0;
}

/* What is on each line's device and mount point today. */
static int check_lines(struct brdtab *tab, const struct brdplan_sys *sys)
{
	for (size_t i = 0; i < tab->n && i < sys->nline; i++) {
		const struct brdtab_entry *e = &tab->ent[i];
		const struct brdplan_line *l = &sys->line[i];
		char dev[80];

		if (l->exists)
			snprintf(dev, sizeof(dev), "%s", l->dev);
		else
			snprintf(dev, sizeof(dev), e->kind == BRDTAB_WHOLE ? "/dev/%s" :
				 "pooled ramdisk %s", e->name);
		if (l->exists && e->fstype && l->sig && strcmp(l->sig, e->fstype))
			ERR(e->line, EBUSY, "%s has a %s %s, not %s; not reformatting it "
			    "(wipefs -a %s, then apply again)", dev, l->sig,
			    l->sig_is_pt ? "partition table" : "signature", e->fstype, dev);
		if (l->target_taken)
			ERR(e->line, EBUSY, "%s: %s (%s) is mounted there, not %s",
			    e->target, l->taken_src, l->taken_fstype, dev);
		else if (l->elsewhere)
			ERR(e->line, EBUSY, "%s is mounted on %s, not on %s", dev,
			    l->elsewhere, e->target);
		if (e->persist && check_image(tab, e, l))
			return -ENOMEM;
	}
	return 0;
}

#undef ERR

/* Sizes within 1% of each other (brdtab(5) SIZES RELATIVE TO RAM). */
static bool size_near(uint64_t have, uint64_t want)
{
	uint64_t d = have > want ? have - want : want - have;

	return d <= want / 100;
}

/*
 * A line sized as a share of RAM (25%) whose ramdisk exists with a size
 * within 1% of the share keeps that size: MemTotal shrinks by a little
 * during a boot (by some hundred KiB in a guest), and the ramdisk the boot
 * made must still be the line's when apply runs again.
 */
static void adopt_sizes(struct brdtab *tab, const struct brdplan_sys *sys)
{
	if (tab->pooled) {
		for (size_t i = 0; i < tab->n && sys->is_pool; i++) {
			struct brdtab_entry *e = &tab->ent[i];
			const struct brd_pool_part *have = part_named(&sys->pool, e->name);

			if (e->size_relative && have && size_near(have->size, e->size))
				e->size = have->size;
		}
		return;
	}
	if (sys->brd == BRD_MODULE_ABSENT || sys->is_pool || !sys->ndisks ||
	    !size_near(sys->rd_size, tab->ent[0].size))
		return;
	for (size_t i = 0; i < tab->n; i++)	/* whole disks: one size */
		if (!tab->ent[i].size_relative)
			return;
	for (size_t i = 0; i < tab->n; i++)
		tab->ent[i].size = sys->rd_size;
}

int brdplan_check(struct brdtab *tab, const struct brdplan_sys *sys, bool force)
{
	int rc;

	if (!tab->n)
		return 0;
	adopt_sizes(tab, sys);
	rc = tab->pooled ? check_pooled(tab, sys, force) : check_whole(tab, sys, force);
	if (!rc)
		rc = check_lines(tab, sys);
	return rc ? rc : brdtab_sort_errors(tab);
}

int brdplan_run(struct brdtab *tab, bool force)
{
	struct brdplan_sys sys;
	int rc = brdplan_probe(tab, &sys);

	if (!rc)
		rc = brdplan_check(tab, &sys, force);
	brdplan_sys_free(&sys);
	return rc;
}
