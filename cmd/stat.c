// SPDX-License-Identifier: GPL-2.0-or-later
/* brdctl stat DEVICE...: everything known about ramdisks, for a person
 * (Key: value lines) or a script (--json, one object per ramdisk). */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <libsmartcols.h>

#include "ramdisk.h"
#include "../lib/ramdisk/brdstat.h"

enum {
	F_NAME, F_TYPE, F_PATH, F_MAJMIN, F_SIZE, F_ALLOC, F_PAGES, F_FILL, F_RO,
	F_READS, F_READ_SECTORS, F_WRITES, F_WRITE_SECTORS, F_DISCARDS,
	F_DISCARD_SECTORS, F_IN_FLIGHT,
	F_LBS, F_PBS, F_DISCARD_GRAN, F_DISCARD_MAX,
	F_MODULE, F_RD_NR, F_RD_SIZE, F_MAX_PART, F_KERNEL,
	F_FREE_ON_FLUSH, F_CREATE_ON_DEMAND,
	F_FSTYPE, F_LABEL, F_UUID, F_PTTYPE, F_MOUNTPOINTS, F_HOLDERS, F_OPENERS,
	F_IMAGE, F_SAVED,
	NFIELDS
};

/* name doubles as the JSON key (lower-cased by us) and the text label */
static const struct cmd_column fields[NFIELDS] = {
	[F_NAME] = { "name", 0, 0, SCOLS_JSON_STRING, "Name" },
	[F_TYPE] = { "type", 0, 0, SCOLS_JSON_STRING, "Type" },
	[F_PATH] = { "path", 0, 0, SCOLS_JSON_STRING, "Path" },
	[F_MAJMIN] = { "maj:min", 0, 0, SCOLS_JSON_STRING, "Device number" },
	[F_SIZE] = { "size", 0, 0, SCOLS_JSON_NUMBER, "Size" },
	[F_ALLOC] = { "alloc", 0, 0, SCOLS_JSON_NUMBER, "RAM allocated" },
	[F_PAGES] = { "pages", 0, 0, SCOLS_JSON_NUMBER, "Pages allocated" },
	[F_FILL] = { "fill", 0, 0, SCOLS_JSON_NUMBER, "Fill ratio" },
	[F_RO] = { "ro", 0, 0, SCOLS_JSON_BOOLEAN, "Read-only" },
	[F_READS] = { "reads", 0, 0, SCOLS_JSON_NUMBER, "Reads" },
	[F_READ_SECTORS] = { "read-sectors", 0, 0, SCOLS_JSON_NUMBER, "Sectors read" },
	[F_WRITES] = { "writes", 0, 0, SCOLS_JSON_NUMBER, "Writes" },
	[F_WRITE_SECTORS] = { "write-sectors", 0, 0, SCOLS_JSON_NUMBER, "Sectors written" },
	[F_DISCARDS] = { "discards", 0, 0, SCOLS_JSON_NUMBER, "Discards" },
	[F_DISCARD_SECTORS] = { "discard-sectors", 0, 0, SCOLS_JSON_NUMBER, "Sectors discarded" },
	[F_IN_FLIGHT] = { "in-flight", 0, 0, SCOLS_JSON_NUMBER, "I/O in flight" },
	[F_LBS] = { "logical-block-size", 0, 0, SCOLS_JSON_NUMBER, "Logical block size" },
	[F_PBS] = { "physical-block-size", 0, 0, SCOLS_JSON_NUMBER, "Physical block size" },
	[F_DISCARD_GRAN] = { "discard-granularity", 0, 0, SCOLS_JSON_NUMBER, "Discard granularity" },
	[F_DISCARD_MAX] = { "discard-max-bytes", 0, 0, SCOLS_JSON_NUMBER, "Discard max bytes" },
	[F_MODULE] = { "module", 0, 0, SCOLS_JSON_STRING, "brd" },
	[F_RD_NR] = { "rd_nr", 0, 0, SCOLS_JSON_NUMBER, "rd_nr" },
	[F_RD_SIZE] = { "rd_size", 0, 0, SCOLS_JSON_NUMBER, "rd_size (KiB)" },
	[F_MAX_PART] = { "max_part", 0, 0, SCOLS_JSON_NUMBER, "max_part" },
	[F_KERNEL] = { "kernel", 0, 0, SCOLS_JSON_STRING, "Kernel" },
	[F_FREE_ON_FLUSH] = { "free-on-flush", 0, 0, SCOLS_JSON_BOOLEAN, "Flush frees RAM" },
	[F_CREATE_ON_DEMAND] = { "create-on-demand", 0, 0, SCOLS_JSON_BOOLEAN, "Create on demand" },
	[F_FSTYPE] = { "fstype", 0, 0, SCOLS_JSON_STRING, "Filesystem" },
	[F_LABEL] = { "label", 0, 0, SCOLS_JSON_STRING, "Label" },
	[F_UUID] = { "uuid", 0, 0, SCOLS_JSON_STRING, "UUID" },
	[F_PTTYPE] = { "pttype", 0, 0, SCOLS_JSON_STRING, "Partition table" },
	[F_MOUNTPOINTS] = { "mountpoints", 0, 0, SCOLS_JSON_ARRAY_STRING, "Mounted on" },
	[F_HOLDERS] = { "holders", 0, 0, SCOLS_JSON_ARRAY_STRING, "Holders" },
	[F_OPENERS] = { "openers", 0, 0, SCOLS_JSON_ARRAY_STRING, "Opened by" },
	[F_IMAGE] = { "image", 0, 0, SCOLS_JSON_STRING, "Image" },
	[F_SAVED] = { "saved", 0, 0, SCOLS_JSON_STRING, "Last saved" },
};

struct values {
	char *v[NFIELDS];	/* JSON form; NULL = unknown */
	char *text[NFIELDS];	/* text form when it differs, else NULL */
	bool io_uncounted;	/* the kernel keeps no I/O statistics */
};

static void setf(struct values *vals, int f, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void setf(struct values *vals, int f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	free(vals->v[f]);
	if (vasprintf(&vals->v[f], fmt, ap) < 0)
		vals->v[f] = NULL;
	va_end(ap);
}

static void sett(struct values *vals, int f, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void sett(struct values *vals, int f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	free(vals->text[f]);
	if (vasprintf(&vals->text[f], fmt, ap) < 0)
		vals->text[f] = NULL;
	va_end(ap);
}

static void set_list(struct values *vals, int f, const char *list, char sep)
{
	if (!list)
		return;
	setf(vals, f, "%s", list);
	for (char *p = vals->v[f]; p && *p; p++)
		if (*p == sep)
			*p = '\n';
	sett(vals, f, "%s", list);
	for (char *p = vals->text[f]; p && *p; p++)
		if (*p == sep || *p == '\n')
			*p = ',';
}

static void set_size(struct values *vals, int f, uint64_t bytes)
{
	char *h = cmd_size_to_human(bytes);

	setf(vals, f, "%" PRIu64, bytes);
	sett(vals, f, "%s (%" PRIu64 " bytes)", h ? h : "?", bytes);
	free(h);
}

/* Name, type, path, device number, size, RAM and read-only. */
static void gather_disk(struct values *vals, const struct rd_info *ri)
{
	const struct brd_disk *d = &ri->d;

	setf(vals, F_NAME, "%s", d->label[0] ? d->label : d->name);
	setf(vals, F_TYPE, "%s", d->partno ? "pooled" : ri->pool ? "pool" : "disk");
	setf(vals, F_PATH, "%s", ri->path);
	setf(vals, F_MAJMIN, "%u:%u", major(d->devno), minor(d->devno));
	set_size(vals, F_SIZE, d->size);
	if (d->pages >= 0) {
		uint64_t bytes = brd_pages_bytes(d->pages);

		set_size(vals, F_ALLOC, bytes);
		setf(vals, F_PAGES, "%" PRId64, d->pages);
		setf(vals, F_FILL, "%.4f", d->size ? (double)bytes / (double)d->size : 0.0);
		sett(vals, F_FILL, "%.1f%%", d->size ? 100.0 * (double)bytes / (double)d->size : 0.0);
	} else if (d->partno) {
		sett(vals, F_ALLOC, "counted per disk only (see ram%u)", d->num);
	} else {
		sett(vals, F_ALLOC, "unknown (debugfs ramdisk_pages not readable)");
	}
	/* JSON booleans are "0"/"1" for libsmartcols */
	setf(vals, F_RO, "%d", d->ro);
	sett(vals, F_RO, "%s", d->ro ? "yes" : "no");
}

/* I/O counters and queue limits. */
static void gather_io(struct values *vals, const struct brd_disk *d)
{
	struct brd_io_stats io;
	struct brd_queue_limits q;

	vals->io_uncounted = brd_disk_io_stats(d, &io) == 0 && !io.counted;
	if (io.have_io) {
		setf(vals, F_READS, "%" PRIu64, io.reads);
		setf(vals, F_READ_SECTORS, "%" PRIu64, io.read_sectors);
		setf(vals, F_WRITES, "%" PRIu64, io.writes);
		setf(vals, F_WRITE_SECTORS, "%" PRIu64, io.write_sectors);
		setf(vals, F_IN_FLIGHT, "%" PRIu64, io.in_flight);
	}
	if (io.have_discard) {
		setf(vals, F_DISCARDS, "%" PRIu64, io.discards);
		setf(vals, F_DISCARD_SECTORS, "%" PRIu64, io.discard_sectors);
	}
	brd_disk_queue_limits(d, &q);
	if (q.logical_block_size >= 0)
		setf(vals, F_LBS, "%" PRId64, q.logical_block_size);
	if (q.physical_block_size >= 0)
		setf(vals, F_PBS, "%" PRId64, q.physical_block_size);
	if (q.discard_granularity >= 0)
		setf(vals, F_DISCARD_GRAN, "%" PRId64, q.discard_granularity);
	setf(vals, F_DISCARD_MAX, "%" PRIu64, d->discard_max);
}

/* The brd module and what this kernel's brd can do. */
static void gather_module(struct values *vals, const struct brd_disk *d,
			  const struct brd_module *m, unsigned kmaj, unsigned kmin)
{
	bool ondemand;

	setf(vals, F_MODULE, "%s", m->state == BRD_MODULE_BUILTIN ? "builtin" : "loaded");
	sett(vals, F_MODULE, "%s", m->state == BRD_MODULE_BUILTIN ?
	     "built into the kernel (cannot be reloaded)" : "loadable module");
	setf(vals, F_RD_NR, "%" PRIu64, m->rd_nr);
	setf(vals, F_RD_SIZE, "%" PRIu64, m->rd_size);
	setf(vals, F_MAX_PART, "%" PRIu64, m->max_part);
	setf(vals, F_KERNEL, "%u.%u", kmaj, kmin);

	setf(vals, F_FREE_ON_FLUSH, "%d", d->discard_max > 0);
	sett(vals, F_FREE_ON_FLUSH, "%s", d->discard_max ?
	     "yes (discard, kernel >= 6.10)" :
	     "no (this kernel's brd cannot discard; only 'brdctl remove --all' frees RAM)");
	/* brd_probe through __register_blkdev since 5.11; needs the
	 * kernel's BLOCK_LEGACY_AUTOLOAD, which md selects */
	ondemand = kmaj > 5 || (kmaj == 5 && kmin >= 11);
	setf(vals, F_CREATE_ON_DEMAND, "%d", ondemand);
	sett(vals, F_CREATE_ON_DEMAND, "%s", ondemand ?
	     "yes (mknod + open, needs CONFIG_BLOCK_LEGACY_AUTOLOAD)" : "no");
}

/* What is on it (libblkid), where it is mounted, who holds and opens it. */
static void gather_content(struct values *vals, const struct rd_info *ri)
{
	const struct brd_disk *d = &ri->d;
	char *openers;

	if (ri->bi.fstype)
		setf(vals, F_FSTYPE, "%s", ri->bi.fstype);
	if (ri->bi.label)
		setf(vals, F_LABEL, "%s", ri->bi.label);
	if (ri->bi.uuid)
		setf(vals, F_UUID, "%s", ri->bi.uuid);
	if (ri->bi.pttype)
		setf(vals, F_PTTYPE, "%s", ri->bi.pttype);
	set_list(vals, F_MOUNTPOINTS, ri->mounts, '\n');
	set_list(vals, F_HOLDERS, ri->holders, ',');
	openers = brd_openers(d->devno);
	set_list(vals, F_OPENERS, openers, ',');
	free(openers);
}

static void gather(struct values *vals, struct rd_info *ri,
		   const struct brd_module *m, unsigned kmaj, unsigned kmin)
{
	gather_disk(vals, ri);
	gather_io(vals, &ri->d);
	gather_module(vals, &ri->d, m, kmaj, kmin);
	gather_content(vals, ri);
}

/* A ramdisk of a brdtab line with x-brdctl.persist= that is up: its
 * image and last save (text and JSON alike; no record, no lines). */
static void gather_persist(struct values *vals, const struct rd_info *ri)
{
	char when[64];

	if (!ri->image)
		return;
	setf(vals, F_IMAGE, "%s", ri->image);
	if (ri->saved_ns)
		setf(vals, F_SAVED, "%s", cmd_time_iso(ri->saved_ns, when, sizeof(when)));
	else
		sett(vals, F_SAVED, "never (saved when the line is unapplied)");
}

static void print_text(const struct values *vals)
{
	for (int f = 0; f < NFIELDS; f++) {
		const char *s = vals->text[f] ? vals->text[f] : vals->v[f];

		if (f == F_PAGES)
			continue;	/* shown with ALLOC */
		if (f == F_ALLOC && vals->v[F_PAGES]) {
			printf("%-21s %s, %s pages, %s full\n", "RAM allocated:",
			       s, vals->v[F_PAGES], vals->text[F_FILL]);
			continue;
		}
		if (f == F_FILL)
			continue;
		if (f >= F_READS && f <= F_IN_FLIGHT && vals->io_uncounted) {
			if (f == F_READS)	/* one line for all counters */
				printf("%-21s %s\n", "I/O statistics:",
				       "not counted (brd keeps none)");
			continue;
		}
		if (f >= F_IMAGE && !vals->v[F_IMAGE])
			continue;	/* not persisted */
		if (!s)
			s = "-";
		printf("%s:%*s %s\n", fields[f].help,
		       (int)(20 - strlen(fields[f].help)), "", s);
	}
}

static int do_stat(const struct brd_cmd *cmd, int argc, const char **argv)
{
	struct libscols_table *tb = NULL;
	struct brd_module m;
	unsigned kmaj = 0, kmin = 0;
	int ret = EXIT_OK, rc, shown = 0;

	(void)cmd;
	if (!argc)
		return cmd_usage_error("no ramdisk given");
	if ((rc = rd_check_names(argc, argv)))
		return rc;
	brd_module_get(&m);
	brd_kernel_version(&kmaj, &kmin);
	if (G.json) {
		tb = scols_new_table();
		if (!tb)
			return cmd_err(ENOMEM, NULL, "stat");
		scols_table_enable_json(tb, 1);
		scols_table_set_name(tb, "ramdisks");
		for (int f = 0; f < NFIELDS; f++) {
			bool list = fields[f].json_type == SCOLS_JSON_ARRAY_STRING;
			struct libscols_column *cl =
				scols_table_new_column(tb, fields[f].name, 0,
						       list ? SCOLS_FL_WRAP : 0);
			if (!cl)
				continue;
			scols_column_set_json_type(cl, fields[f].json_type);
			/* a list: one string per newline-separated chunk */
			if (list)
				scols_column_set_wrapfunc(cl, scols_wrapnl_chunksize,
							  scols_wrapnl_nextchunk, NULL);
		}
	}
	for (int i = 0; i < argc; i++) {
		struct rd_info ri = { 0 };
		struct values vals = { 0 };

		rc = brd_resolve(argv[i], &ri.d);
		if (rc) {
			ret = rd_resolve_error(rc, argv[i]);
			continue;
		}
		if (!ri.d.partno)
			brd_read_pages(&ri.d, 1);
		ri.pool = rd_is_pool_disk(&ri.d);
		rd_info_fill(&ri, RD_ALL | RD_PERSIST);
		gather(&vals, &ri, &m, kmaj, kmin);
		gather_persist(&vals, &ri);
		if (tb) {
			struct libscols_line *ln = scols_table_new_line(tb, NULL);

			for (int f = 0; ln && f < NFIELDS; f++)
				if (vals.v[f])
					scols_line_set_data(ln, (size_t)f, vals.v[f]);
		} else {
			if (shown++)
				putchar('\n');
			print_text(&vals);
		}
		for (int f = 0; f < NFIELDS; f++) {
			free(vals.v[f]);
			free(vals.text[f]);
		}
		rd_info_free(&ri);
	}
	if (tb) {
		if (scols_table_get_nlines(tb) || ret == EXIT_OK)
			cmd_scols_print(tb);
		scols_unref_table(tb);
	}
	return ret;
}

const struct brd_cmd cmd_stat = {
	.name = "stat",
	.fn = do_stat,
	.synopsis = "[options] DEVICE...",
	.summary = "Show everything known about ramdisks",
	.flags = CMD_JSON,
};
