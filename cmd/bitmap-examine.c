// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * brdctl bitmap examine: report md write-intent bitmaps (bitmap files and
 * internal bitmaps of member devices).  The text output is that of
 * mdadm 4.2 -X for every input mdadm handles correctly; --json goes
 * through libsmartcols.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libsmartcols.h>

#include "cmd.h"
#include "bitmap-cmds.h"
#include "../lib/md/bitmap.h"
#include "../lib/md/dio.h"
#include "../lib/md/mdsuper.h"

static int opt_brief, opt_dirty;

static const struct poptOption examine_options[] = {
	{ "brief", 'b', POPT_ARG_NONE, &opt_brief, 0,
	  "stop after the Sync Size line, do not read the chunk data", NULL },
	{ "dirty", 'd', POPT_ARG_NONE, &opt_dirty, 0,
	  "list the dirty chunk ranges, also as array sectors and bytes", NULL },
	POPT_TABLEEND
};

/* ------------------------------------------------ JSON (libsmartcols) */

enum {
	COL_FILENAME, COL_METADATA, COL_SB_OFFSET, COL_OFFSET, COL_NODE,
	COL_MAGIC, COL_VERSION, COL_UUID, COL_EVENTS, COL_EVENTS_CLEARED,
	COL_STATE, COL_STATE_TEXT, COL_CHUNK_SIZE, COL_DAEMON_SLEEP,
	COL_WRITE_BEHIND, COL_SYNC_SIZE, COL_RESERVED_SIZE, COL_NODES,
	COL_CLUSTER_NAME, COL_CHUNKS, COL_PRESENT, COL_TRUNCATED, COL_DIRTY,
	COL_DIRTY_PERCENT, COL_UNWRITTEN, COL_CLEAN, COL_ST_DIRTY,
	COL_NEED_SYNC, COL_SYNCING, COL_NEED_SYNC_UNWRITTEN,
	COL_SYNCING_UNWRITTEN, COL_CLEAN_UNWRITTEN, COL_INVALID, COL_FIRST_USE,
	COL_DIRTY_CHUNKS,
	COL_DIRTY_SECTORS, COL_DIRTY_BYTES, NCOLS
};

static const struct cmd_column examine_columns[NCOLS] = {
	[COL_FILENAME] = { "filename", 0, SCOLS_FL_TREE, SCOLS_JSON_STRING,
			   "file or device examined" },
	[COL_METADATA] = { "metadata", 0, 0, SCOLS_JSON_STRING,
			   "md superblock of a member device (0.90, 1.0, 1.1, 1.2)" },
	[COL_SB_OFFSET] = { "sb-offset", 0, 0, SCOLS_JSON_NUMBER,
			    "byte offset of the md superblock" },
	[COL_OFFSET] = { "offset", 0, 0, SCOLS_JSON_NUMBER,
			 "byte offset of the bitmap (node slot)" },
	[COL_NODE] = { "node", 0, 0, SCOLS_JSON_NUMBER, "cluster node slot" },
	[COL_MAGIC] = { "magic", 0, 0, SCOLS_JSON_NUMBER, "superblock magic" },
	[COL_VERSION] = { "version", 0, 0, SCOLS_JSON_NUMBER, "bitmap version" },
	[COL_UUID] = { "uuid", 0, 0, SCOLS_JSON_STRING,
		       "array UUID as mdadm prints it" },
	[COL_EVENTS] = { "events", 0, 0, SCOLS_JSON_NUMBER, "event counter" },
	[COL_EVENTS_CLEARED] = { "events-cleared", 0, 0, SCOLS_JSON_NUMBER,
				 "events when bits were last cleared" },
	[COL_STATE] = { "state", 0, 0, SCOLS_JSON_NUMBER, "state flags" },
	[COL_STATE_TEXT] = { "state-text", 0, 0, SCOLS_JSON_STRING,
			     "state as mdadm prints it" },
	[COL_CHUNK_SIZE] = { "chunk-size", 0, 0, SCOLS_JSON_NUMBER,
			     "bytes of array per chunk" },
	[COL_DAEMON_SLEEP] = { "daemon-sleep", 0, 0, SCOLS_JSON_NUMBER,
			       "flush period in seconds" },
	[COL_WRITE_BEHIND] = { "write-behind", 0, 0, SCOLS_JSON_NUMBER,
			       "maximum outstanding write-behind writes" },
	[COL_SYNC_SIZE] = { "sync-size", 0, 0, SCOLS_JSON_NUMBER,
			    "bytes of each device covered" },
	[COL_RESERVED_SIZE] = { "reserved-size", 0, 0, SCOLS_JSON_NUMBER,
				"bytes reserved for the bitmap" },
	[COL_NODES] = { "nodes", 0, 0, SCOLS_JSON_NUMBER, "cluster nodes" },
	[COL_CLUSTER_NAME] = { "cluster-name", 0, 0, SCOLS_JSON_STRING,
			       "cluster name" },
	[COL_CHUNKS] = { "chunks", 0, 0, SCOLS_JSON_NUMBER, "number of chunks" },
	[COL_PRESENT] = { "present-chunks", 0, 0, SCOLS_JSON_NUMBER,
			  "chunks actually present in the file or device" },
	[COL_TRUNCATED] = { "truncated", 0, 0, SCOLS_JSON_BOOLEAN,
			    "file shorter than its chunk data" },
	[COL_DIRTY] = { "dirty", 0, 0, SCOLS_JSON_NUMBER,
			"dirty chunks (v6: dirty, need-sync or syncing: what a resync copies)" },
	[COL_DIRTY_PERCENT] = { "dirty-percent", 0, 0, SCOLS_JSON_NUMBER,
				"dirty chunks in percent" },
	[COL_UNWRITTEN] = { "unwritten", 0, 0, SCOLS_JSON_NUMBER,
			    "v6 chunks in state unwritten" },
	[COL_CLEAN] = { "clean", 0, 0, SCOLS_JSON_NUMBER,
			"v6 chunks in state clean" },
	[COL_ST_DIRTY] = { "state-dirty", 0, 0, SCOLS_JSON_NUMBER,
			   "v6 chunks in state dirty" },
	[COL_NEED_SYNC] = { "need-sync", 0, 0, SCOLS_JSON_NUMBER,
			    "v6 chunks in state need-sync" },
	[COL_SYNCING] = { "syncing", 0, 0, SCOLS_JSON_NUMBER,
			  "v6 chunks in state syncing" },
	[COL_NEED_SYNC_UNWRITTEN] = { "need-sync-unwritten", 0, 0,
				      SCOLS_JSON_NUMBER,
				      "v6 chunks in state need-sync-unwritten" },
	[COL_SYNCING_UNWRITTEN] = { "syncing-unwritten", 0, 0,
				    SCOLS_JSON_NUMBER,
				    "v6 chunks in state syncing-unwritten" },
	[COL_CLEAN_UNWRITTEN] = { "clean-unwritten", 0, 0, SCOLS_JSON_NUMBER,
				  "v6 chunks in state clean-unwritten" },
	[COL_INVALID] = { "invalid", 0, 0, SCOLS_JSON_NUMBER,
			  "v6 chunks with an unknown state byte (above 7)" },
	[COL_FIRST_USE] = { "first-use", 0, 0, SCOLS_JSON_BOOLEAN,
			    "v6 header still mdadm's: chunk geometry unknown, "
			    "chunk states not decoded" },
	[COL_DIRTY_CHUNKS] = { "dirty-chunks", 0, SCOLS_FL_WRAP, SCOLS_JSON_ARRAY_STRING,
			       "dirty chunk ranges FIRST-LAST (--dirty)" },
	[COL_DIRTY_SECTORS] = { "dirty-sectors", 0, SCOLS_FL_WRAP, SCOLS_JSON_ARRAY_STRING,
				"dirty array sector ranges (--dirty)" },
	[COL_DIRTY_BYTES] = { "dirty-bytes", 0, SCOLS_FL_WRAP, SCOLS_JSON_ARRAY_STRING,
			      "dirty array byte ranges (--dirty)" },
};

static struct libscols_table *jtab;

static int json_init(void)
{
	size_t i;

	jtab = scols_new_table();
	if (!jtab)
		return -ENOMEM;
	scols_table_enable_json(jtab, 1);
	scols_table_set_name(jtab, "bitmaps");
	for (i = 0; i < NCOLS; i++) {
		const struct cmd_column *c = &examine_columns[i];
		struct libscols_column *cl;

		if (!opt_dirty && i >= COL_DIRTY_CHUNKS)
			break;
		cl = scols_table_new_column(jtab, c->name, c->whint, c->flags);
		if (!cl)
			return -ENOMEM;
		scols_column_set_json_type(cl, c->json_type);
		if (c->json_type == SCOLS_JSON_ARRAY_STRING)
			scols_column_set_wrapfunc(cl, scols_wrapnl_chunksize,
						  scols_wrapnl_nextchunk, NULL);
	}
	return 0;
}

static void jset(struct libscols_line *ln, int col, const char *s)
{
	if (ln && s)
		scols_line_set_data(ln, (size_t)col, s);
}

static void jsetf(struct libscols_line *ln, int col, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void jsetf(struct libscols_line *ln, int col, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	int n;

	if (!ln)
		return;
	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n >= 0 && scols_line_refer_data(ln, (size_t)col, s) != 0)
		free(s);
}

static void jsetu(struct libscols_line *ln, int col, uint64_t v)
{
	jsetf(ln, col, "%" PRIu64, v);
}

/* --------------------------------------------- mdadm-compatible text */

/* mdadm's human_chunksize(): shift by 10 while non-zero. */
static void human_chunksize(uint64_t bytes, char *buf, size_t len)
{
	static const char *const sfx[] = { "B", "KB", "MB", "GB", "TB", "PB",
					   "EB" };
	unsigned i = 0;

	while (bytes >> 10) {
		bytes >>= 10;
		i++;
	}
	snprintf(buf, len, "%" PRIu64 " %s", bytes, sfx[i]);
}

/*
 * mdadm 4.2 util.c human_size(): rounded centi-units, thresholds 5000 KiB,
 * 2 GiB and 2 TiB, binary and decimal.  The arithmetic (binary units
 * multiply by 200 first, decimal ones divide by unit/200) is reproduced
 * so the digits match; the multiplication wraps like mdadm's.
 */
static void human_size(int64_t bytes, char *buf, size_t len)
{
	int64_t b, d;

	if (bytes < 5000 * 1024) {
		buf[0] = '\0';
		return;
	}
	if (bytes < 2LL * 1024 * 1024 * 1024) {
		b = ((int64_t)((uint64_t)bytes * 200) / (1LL << 20) + 1) / 2;
		d = (bytes / (1000000LL / 200) + 1) / 2;
		snprintf(buf, len, " (%" PRId64 ".%02" PRId64 " MiB %" PRId64
			 ".%02" PRId64 " MB)", b / 100, b % 100, d / 100, d % 100);
	} else if (bytes < 2LL * 1024 * 1024 * 1024 * 1024) {
		b = ((int64_t)((uint64_t)bytes * 200) / (1LL << 30) + 1) / 2;
		d = (bytes / (1000000000LL / 200) + 1) / 2;
		snprintf(buf, len, " (%" PRId64 ".%02" PRId64 " GiB %" PRId64
			 ".%02" PRId64 " GB)", b / 100, b % 100, d / 100, d % 100);
	} else {
		b = ((int64_t)((uint64_t)bytes * 200) / (1LL << 40) + 1) / 2;
		d = (bytes / (1000000000000LL / 200) + 1) / 2;
		snprintf(buf, len, " (%" PRId64 ".%02" PRId64 " TiB %" PRId64
			 ".%02" PRId64 " TB)", b / 100, b % 100, d / 100, d % 100);
	}
}

static const char *mdadm_state(uint32_t state)
{
	if (state == 0)
		return "OK";
	if (state == 2)
		return "Out of date";
	return "Unknown";
}

/* llbitmap (v6) states have more flags than mdadm knows: name them. */
static void state_text(const struct brd_bitmap_sb *sb, char *buf, size_t len)
{
	static const struct { uint32_t bit; const char *name; } f[] = {
		{ BRD_BITMAP_STALE, "stale" },
		{ BRD_BITMAP_WRITE_ERROR, "write-error" },
		{ BRD_BITMAP_FIRST_USE, "first-use" },
		{ BRD_BITMAP_CLEAN, "clean" },
		{ BRD_BITMAP_DAEMON_BUSY, "daemon-busy" },
		{ BRD_BITMAP_HOSTENDIAN, "host-endian" },
	};
	uint32_t rest = sb->state;
	size_t n = 0, i;

	if (sb->version != BRD_BITMAP_V_LOCKLESS || sb->state == 0) {
		snprintf(buf, len, "%s", mdadm_state(sb->state));
		return;
	}
	buf[0] = '\0';
	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		if (!(rest & f[i].bit))
			continue;
		rest &= ~f[i].bit;
		n += (size_t)snprintf(buf + n, n < len ? len - n : 0, "%s%s",
				      n ? ", " : "", f[i].name);
	}
	if (rest)
		snprintf(buf + n, n < len ? len - n : 0, "%s0x%x",
			 n ? ", " : "", rest);
}

static void uuid_text(const struct brd_bitmap_sb *sb,
		      const struct brd_bitmap_loc *loc, char *buf)
{
	const uint8_t *u = sb->uuid;
	int g, i;

	/* mdadm swaps each 32-bit word for files and 1.x members (prints
	 * the bytes in order) but not for 0.90 members (native LE words) */
	for (g = 0; g < 4; g++) {
		for (i = 0; i < 4; i++) {
			int k = loc->uuid_words ? 3 - i : i;

			sprintf(buf, "%02x", u[g * 4 + k]);
			buf += 2;
		}
		*buf++ = g < 3 ? ':' : '\0';
	}
}

static double percent(uint64_t part, uint64_t total)
{
	return 100.0 * (double)part / (double)(total ? total : 1);
}

/* ------------------------------------------------------- the ranges */

struct ranges {
	const struct brd_bitmap_sb *sb;
	const struct brd_bitmap_geom *g;
	FILE *chunks, *sectors, *bytes;	/* JSON: newline-separated lists */
	char *cbuf, *sbuf, *bbuf;
	size_t clen, slen, blen;
	uint64_t n;
};

/* "chunk 3" for one, "chunks 3-5" for a run */
static void print_span(const char *what, uint64_t a, uint64_t b)
{
	if (a == b)
		printf("%s %" PRIu64, what, a);
	else
		printf("%ss %" PRIu64 "-%" PRIu64, what, a, b);
}

static int range_cb(void *arg, uint64_t first, uint64_t count)
{
	struct ranges *r = arg;
	uint64_t last = first + count - 1;
	uint64_t array_bytes = r->sb->sync_size << 9;
	uint64_t b0 = first * r->g->chunk_bytes;
	uint64_t b1 = (last + 1) * r->g->chunk_bytes;

	if (b1 > array_bytes)
		b1 = array_bytes;
	b1--;	/* inclusive */
	if (r->chunks) {
		fprintf(r->chunks, "%s%" PRIu64 "-%" PRIu64, r->n ? "\n" : "",
			first, last);
		fprintf(r->sectors, "%s%" PRIu64 "-%" PRIu64, r->n ? "\n" : "",
			b0 >> 9, b1 >> 9);
		fprintf(r->bytes, "%s%" PRIu64 "-%" PRIu64, r->n ? "\n" : "",
			b0, b1);
	} else {
		printf("           Dirty : ");
		print_span("chunk", first, last);
		printf(", ");
		print_span("sector", b0 >> 9, b1 >> 9);
		printf(", bytes %" PRIu64 "-%" PRIu64 "\n", b0, b1);
	}
	r->n++;
	return 0;
}

/* -------------------------------------------------------- one input */

struct exam {
	const char *path;
	struct brd_dio d;
	struct brd_bitmap_loc loc;
	struct libscols_line *jline;	/* the input's JSON line */
	int rc;				/* exit code so far */
};

static void set_rc(struct exam *x, int code)
{
	if (!x->rc)
		x->rc = code;
}

/* Where in the input a bitmap is, for messages. */
static const char *where(const struct exam *x, uint64_t pos, int node,
			 char *buf, size_t len)
{
	if (node >= 0)
		snprintf(buf, len, "node %d bitmap at byte %" PRIu64 ": ",
			 node, pos);
	else if (x->loc.meta || pos)
		snprintf(buf, len, "bitmap at byte %" PRIu64 ": ", pos);
	else
		buf[0] = '\0';
	return buf;
}

/* Read and validate a bitmap superblock; on error report and set rc. */
static int load_sb(struct exam *x, uint64_t pos, int node,
		   struct brd_bitmap_sb *sb, struct brd_bitmap_geom *g)
{
	char why[200], wb[80];
	int rc = brd_bitmap_read_sb(&x->d, pos, sb);

	if (rc == -ENODATA) {
		set_rc(x, cmd_err(rc, x->path, "%sno room for the 256-byte "
				  "bitmap superblock (%s is %" PRIu64 " bytes)",
				  where(x, pos, node, wb, sizeof(wb)),
				  x->d.is_blk ? "device" : "file", x->d.size));
		return rc;
	}
	if (rc) {
		set_rc(x, cmd_err(rc, x->path, "%scannot read the bitmap "
				  "superblock", where(x, pos, node, wb,
						      sizeof(wb))));
		return rc;
	}
	rc = brd_bitmap_geom(sb, g, why, sizeof(why));
	if (rc) {
		set_rc(x, cmd_err(rc, x->path, "%sinvalid bitmap superblock: %s",
				  where(x, pos, node, wb, sizeof(wb)), why));
		return rc;
	}
	return 0;
}

/*
 * Count (and with --dirty list) the chunks of the bitmap at @pos, then
 * print the Bitmap line(s).  Returns 0 or a negative errno already
 * reported.
 */
static int report_chunks(struct exam *x, uint64_t pos, int node,
			 const struct brd_bitmap_sb *sb,
			 const struct brd_bitmap_geom *g,
			 struct libscols_line *ln)
{
	struct brd_bitmap_scan s;
	char wb[80];
	int rc;

	brd_bitmap_scan_init(&s, g, NULL, NULL);
	rc = brd_bitmap_scan_area(&x->d, pos, &s);
	if (rc && rc != -ENODATA) {
		set_rc(x, cmd_err(rc, x->path, "%scannot read the chunk data",
				  where(x, pos, node, wb, sizeof(wb))));
		return rc;
	}
	jsetu(ln, COL_CHUNKS, g->chunks);
	jsetu(ln, COL_PRESENT, s.seen);
	jset(ln, COL_TRUNCATED, rc ? "1" : "0");
	jsetu(ln, COL_DIRTY, s.dirty);
	if (g->per_byte) {
		jsetu(ln, COL_UNWRITTEN, s.states[BRD_LLBIT_UNWRITTEN]);
		jsetu(ln, COL_CLEAN, s.states[BRD_LLBIT_CLEAN]);
		jsetu(ln, COL_ST_DIRTY, s.states[BRD_LLBIT_DIRTY]);
		jsetu(ln, COL_NEED_SYNC, s.states[BRD_LLBIT_NEEDSYNC]);
		jsetu(ln, COL_SYNCING, s.states[BRD_LLBIT_SYNCING]);
		jsetu(ln, COL_NEED_SYNC_UNWRITTEN,
		      s.states[BRD_LLBIT_NEEDSYNC_UNWRITTEN]);
		jsetu(ln, COL_SYNCING_UNWRITTEN,
		      s.states[BRD_LLBIT_SYNCING_UNWRITTEN]);
		jsetu(ln, COL_CLEAN_UNWRITTEN,
		      s.states[BRD_LLBIT_CLEAN_UNWRITTEN]);
		jsetu(ln, COL_INVALID, s.invalid);
	}
	if (rc == -ENODATA) {
		uint64_t have = x->d.size > pos + g->data_offset ?
				x->d.size - pos - g->data_offset : 0;

		jsetf(ln, COL_DIRTY_PERCENT, "%.1f", percent(s.dirty, s.seen));
		set_rc(x, cmd_err(rc, x->path, "%sbitmap truncated: %" PRIu64
				  " of %" PRIu64 " bytes of chunk data present "
				  "(%" PRIu64 " of %" PRIu64 " chunks, %" PRIu64
				  " of them dirty)",
				  where(x, pos, node, wb, sizeof(wb)),
				  have < g->data_bytes ? have : g->data_bytes,
				  g->data_bytes, s.seen, g->chunks, s.dirty));
		return rc;
	}
	jsetf(ln, COL_DIRTY_PERCENT, "%.1f", percent(s.dirty, g->chunks));
	if (!G.json) {
		if (g->per_byte) {
			unsigned k;

			printf("          Bitmap : %" PRIu64 " chunks, %" PRIu64
			       " dirty (%2.1f%%)\n", g->chunks, s.dirty,
			       percent(s.dirty, g->chunks));
			printf("    Chunk States :");
			for (k = 0; k < BRD_LLBIT_NSTATES; k++)
				printf("%s %" PRIu64 " %s", k ? "," : "",
				       s.states[k], brd_llbit_state_name(k));
			putchar('\n');
		} else {
			printf("          Bitmap : %" PRIu64 " bits (chunks), %"
			       PRIu64 " dirty (%2.1f%%)\n", g->chunks, s.dirty,
			       percent(s.dirty, g->chunks));
		}
	}
	if (s.invalid) {
		set_rc(x, cmd_err(-EBADMSG, x->path, "%s%" PRIu64 " chunk "
				  "state bytes are invalid (first: chunk %"
				  PRIu64 " = 0x%02x)",
				  where(x, pos, node, wb, sizeof(wb)),
				  s.invalid, s.first_invalid,
				  s.first_invalid_val));
	}

	if (opt_dirty) {
		struct ranges r = { .sb = sb, .g = g };

		if (G.json) {
			r.chunks = open_memstream(&r.cbuf, &r.clen);
			r.sectors = open_memstream(&r.sbuf, &r.slen);
			r.bytes = open_memstream(&r.bbuf, &r.blen);
			if (!r.chunks || !r.sectors || !r.bytes) {
				rc = -ENOMEM;
				goto out_ranges;
			}
		}
		/* second pass: the summary above had to come first */
		brd_bitmap_scan_init(&s, g, range_cb, &r);
		rc = brd_bitmap_scan_area(&x->d, pos, &s);
		if (!G.json && rc == 0 && r.n == 0)
			printf("           Dirty : none\n");
out_ranges:
		if (r.chunks)
			fclose(r.chunks);
		if (r.sectors)
			fclose(r.sectors);
		if (r.bytes)
			fclose(r.bytes);
		if (rc == 0 && G.json) {
			if (r.n) {
				jset(ln, COL_DIRTY_CHUNKS, r.cbuf);
				jset(ln, COL_DIRTY_SECTORS, r.sbuf);
				jset(ln, COL_DIRTY_BYTES, r.bbuf);
			}
		}
		free(r.cbuf);
		free(r.sbuf);
		free(r.bbuf);
		if (rc) {
			set_rc(x, cmd_err(rc, x->path, "%scannot read the "
					  "chunk data", where(x, pos, node, wb,
							      sizeof(wb))));
			return rc;
		}
	}
	return 0;
}

static void json_sb(struct libscols_line *ln, const struct brd_bitmap_sb *sb,
		    const struct brd_bitmap_geom *g)
{
	char st[128];

	jsetu(ln, COL_EVENTS, sb->events);
	jsetu(ln, COL_EVENTS_CLEARED, sb->events_cleared);
	jsetu(ln, COL_STATE, sb->state);
	state_text(sb, st, sizeof(st));
	jset(ln, COL_STATE_TEXT, st);
	if (g->first_use)
		jset(ln, COL_FIRST_USE, "1");
	else
		jsetu(ln, COL_CHUNKS, g->chunks);
	if (g->per_byte && !g->first_use)
		jset(ln, COL_FIRST_USE, "0");
}

/* Is the chunk data complete?  (Cheap check for --brief.) */
static int check_size(struct exam *x, uint64_t pos, int node,
		      const struct brd_bitmap_geom *g,
		      struct libscols_line *ln)
{
	char wb[80];

	if (x->d.size >= pos && x->d.size - pos >= g->area_bytes)
		return 0;
	jset(ln, COL_TRUNCATED, "1");
	set_rc(x, cmd_err(-ENODATA, x->path, "%sbitmap truncated: needs %"
			  PRIu64 " bytes from byte %" PRIu64 ", %s is %"
			  PRIu64 " bytes", where(x, pos, node, wb, sizeof(wb)),
			  g->area_bytes, pos, x->d.is_blk ? "device" : "file",
			  x->d.size));
	return -ENODATA;
}

static void examine_nodes(struct exam *x, const struct brd_bitmap_sb *sb0,
			  const struct brd_bitmap_geom *g0)
{
	uint64_t slot = brd_bitmap_slot_bytes(g0);
	uint32_t i;

	if (!G.json) {
		printf("   Cluster nodes : %d\n", (int)sb0->nodes);
		printf("    Cluster name : %-64s\n", sb0->cluster_name);
	}
	for (i = 0; i < sb0->nodes; i++) {
		struct brd_bitmap_sb sb;
		struct brd_bitmap_geom g;
		struct libscols_line *ln = NULL;
		uint64_t pos = x->loc.pos + (uint64_t)i * slot;

		if (load_sb(x, pos, (int)i, &sb, &g)) {
			if (!G.json)
				printf("   Unable to read bitmap on node: %u\n", i);
			continue;
		}
		if (G.json) {
			ln = scols_table_new_line(jtab, x->jline);
			jset(ln, COL_FILENAME, x->path);
			jsetu(ln, COL_NODE, i);
			jsetu(ln, COL_OFFSET, pos);
			json_sb(ln, &sb, &g);
		} else {
			char st[128];

			state_text(&sb, st, sizeof(st));
			printf("       Node Slot : %u\n", i);
			printf("          Events : %" PRIu64 "\n", sb.events);
			printf("  Events Cleared : %" PRIu64 "\n",
			       sb.events_cleared);
			printf("           State : %s\n", st);
		}
		if (opt_brief) {
			check_size(x, pos, (int)i, &g, ln);
			continue;
		}
		report_chunks(x, pos, (int)i, &sb, &g, ln);
	}
}

static int examine_one(const char *path)
{
	struct exam x = { .path = path };
	struct brd_bitmap_sb sb;
	struct brd_bitmap_geom g;
	struct libscols_line *ln = NULL;
	char why[200], buf[128];
	int rc;

	rc = brd_dio_open(&x.d, path);
	if (rc)
		return cmd_err(rc, path, "cannot open");
	cmd_verbose("%s: %s, %" PRIu64 " bytes, %s reads", path,
		    x.d.is_blk ? "block device" : "file", x.d.size,
		    x.d.direct ? "O_DIRECT" : "buffered");

	why[0] = '\0';
	rc = brd_bitmap_locate(&x.d, &x.loc, why, sizeof(why));
	if (rc) {
		/* "not found" reasons are complete sentences: no strerror */
		if (why[0] && (rc == -ENOENT || rc == -ENODEV)) {
			cmd_err(0, path, "%s", why);
			set_rc(&x, exit_code_from_errno(rc));
		} else {
			set_rc(&x, cmd_err(rc, path, "%s", why[0] ? why :
					   "cannot locate the bitmap"));
		}
		goto out;
	}
	if (x.loc.meta)
		cmd_verbose("%s: md %s superblock at byte %" PRIu64
			    ", bitmap at byte %" PRIu64, path,
			    brd_md_meta_name(x.loc.meta), x.loc.sb_offset,
			    x.loc.pos);
	if (load_sb(&x, x.loc.pos, -1, &sb, &g))
		goto out;

	if (G.json) {
		ln = x.jline = scols_table_new_line(jtab, NULL);
		if (!ln) {
			set_rc(&x, cmd_err(-ENOMEM, path, "cannot add JSON line"));
			goto out;
		}
		jset(ln, COL_FILENAME, path);
		if (x.loc.meta) {
			jset(ln, COL_METADATA, brd_md_meta_name(x.loc.meta));
			jsetu(ln, COL_SB_OFFSET, x.loc.sb_offset);
		}
		jsetu(ln, COL_OFFSET, x.loc.pos);
		jsetu(ln, COL_MAGIC, sb.magic);
		jsetu(ln, COL_VERSION, sb.version);
		uuid_text(&sb, &x.loc, buf);
		jset(ln, COL_UUID, buf);
		json_sb(ln, &sb, &g);
		if (!g.first_use)
			jsetu(ln, COL_CHUNK_SIZE, g.chunk_bytes);
		jsetu(ln, COL_DAEMON_SLEEP, sb.daemon_sleep);
		jsetu(ln, COL_WRITE_BEHIND, sb.write_behind);
		jsetu(ln, COL_SYNC_SIZE, sb.sync_size << 9);
		jsetu(ln, COL_RESERVED_SIZE, (uint64_t)sb.sectors_reserved << 9);
		jsetu(ln, COL_NODES, sb.nodes);
		jset(ln, COL_CLUSTER_NAME, sb.cluster_name);
	} else {
		printf("        Filename : %s\n", path);
		printf("           Magic : %08x\n", sb.magic);
		printf("         Version : %d\n", (int)sb.version);
		uuid_text(&sb, &x.loc, buf);
		printf("            UUID : %s\n", buf);
		if (sb.nodes == 0) {
			state_text(&sb, buf, sizeof(buf));
			printf("          Events : %" PRIu64 "\n", sb.events);
			printf("  Events Cleared : %" PRIu64 "\n",
			       sb.events_cleared);
			printf("           State : %s\n", buf);
		}
		if (g.first_use) {
			human_chunksize(sb.chunksize, buf, sizeof(buf));
			printf("       Chunksize : %s (first use: mdadm's value "
			       "in bytes, not the kernel's)\n", buf);
		} else {
			human_chunksize(g.chunk_bytes, buf, sizeof(buf));
			printf("       Chunksize : %s\n", buf);
		}
		printf("          Daemon : %ds flush period\n",
		       (int)sb.daemon_sleep);
		if (sb.write_behind)
			printf("      Write Mode : Allow write behind, max %d\n",
			       (int)sb.write_behind);
		else
			printf("      Write Mode : Normal\n");
		human_size((int64_t)(sb.sync_size << 9), buf, sizeof(buf));
		printf("       Sync Size : %" PRIu64 "%s\n", sb.sync_size / 2,
		       buf);
	}

	if (sb.nodes && !g.per_byte) {
		examine_nodes(&x, &sb, &g);
		goto out;
	}
	if (opt_brief) {
		check_size(&x, x.loc.pos, -1, &g, ln);
		goto out;
	}
	if (g.first_use) {
		/* the chunk data may already be the kernel's, laid out in a
		 * geometry that this header does not tell */
		if (!G.json)
			printf("          Bitmap : not decoded (first use: the "
			       "header does not hold the kernel's chunk size "
			       "yet)\n");
		goto out;
	}
	report_chunks(&x, x.loc.pos, -1, &sb, &g, ln);
out:
	brd_dio_close(&x.d);
	return x.rc;
}

static int examine(const struct brd_cmd *cmd, int argc, const char **argv)
{
	int i, rc = 0, one;

	(void)cmd;
	if (argc < 1)
		return cmd_usage_error("no bitmap file or member device given");
	if (G.json && json_init()) {
		scols_unref_table(jtab);
		return cmd_err(-ENOMEM, NULL, "cannot create the JSON table");
	}
	for (i = 0; i < argc; i++) {
		one = examine_one(argv[i]);
		if (!rc)
			rc = one;
	}
	if (G.json) {
		if (scols_print_table(jtab) && !rc)
			rc = EXIT_FAIL;
		scols_unref_table(jtab);
		jtab = NULL;
	}
	return rc;
}

const struct brd_cmd cmd_bitmap_examine = {
	.name = "examine",
	.fn = examine,
	.options = examine_options,
	.synopsis = "[options] <file|device>...",
	.summary = "Report md write-intent bitmaps like mdadm -X",
	.help_tail =
		"Inputs are bitmap files or md member devices (0.90, 1.0, 1.1, 1.2\n"
		"superblocks; every node slot of a clustered bitmap).  The text output\n"
		"is that of mdadm 4.2 -X; version 6 (llbitmap) chunk states are decoded\n"
		"(not while the header still has first-use: mdadm's chunk size).\n"
		"Exit status: 0 ok, 1 failed, 2 usage, 3 not found, 6 permission denied,\n"
		"7 invalid data (bad magic, unknown version, bad field), 8 truncated.\n",
	.columns = examine_columns,
	.ncolumns = NCOLS,
	.flags = CMD_JSON,
};
