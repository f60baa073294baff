// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * brdctl bitmap examine: report md write-intent bitmaps (bitmap files and
 * internal bitmaps of member devices).  The text output is that of
 * mdadm 4.2 -X for every input mdadm handles correctly; --json goes
 * through libsmartcols (cmd/table.c).
 */
#include <errno.h>
#include <inttypes.h>
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
	{ "brief", '\0', POPT_ARG_NONE, &opt_brief, 0,
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

static struct cmd_table jt;	/* --json: through cmd/table.c */

/* Every column; the --dirty ones only with --dirty. */
static int json_init(const struct brd_cmd *cmd)
{
	const char *names[NCOLS + 1];
	size_t i, n = 0;

	for (i = 0; i < NCOLS; i++)
		if (opt_dirty || i < COL_DIRTY_CHUNKS)
			names[n++] = examine_columns[i].name;
	names[n] = NULL;
	return cmd_table_init(&jt, cmd, "bitmaps", names);
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

/* ------------------------------------------------- gathered results */

/* A run of dirty chunks, inclusive. */
struct span {
	uint64_t first, last;
};

/* What brief/scan found out about the chunk data of one bitmap. */
enum { CH_NONE, CH_SHORT, CH_SCANNED };

/* One bitmap (of a file, a member device, or one cluster node slot). */
struct bm {
	uint64_t pos;
	int node;			/* node slot, or -1 */
	bool loaded;			/* superblock read and valid */
	struct brd_bitmap_sb sb;
	struct brd_bitmap_geom g;
	int chunks;			/* CH_*: --brief short, or scanned */
	int scan_rc;			/* 0 or -ENODATA (truncated) */
	struct brd_bitmap_scan s;
	struct span *dirty;		/* --dirty */
	size_t ndirty;
};

/* One input: everything is gathered first, then printed. */
struct exam {
	const char *path;
	struct brd_dio d;
	struct brd_bitmap_loc loc;
	struct bm top;
	struct bm *nodes;		/* clustered (not v6): every slot */
	uint32_t nnodes;
	int rc;				/* exit code so far */
};

static void set_rc(struct exam *x, int code)
{
	if (!x->rc)
		x->rc = code;
}

static bool clustered(const struct exam *x)
{
	return x->top.sb.nodes && !x->top.g.per_byte;
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

/* ---------------------------------------------------------- gather */

/* Read and validate a bitmap superblock; on error report and set rc. */
static int load_sb(struct exam *x, struct bm *b)
{
	char why[200], wb[80];
	int rc = brd_bitmap_read_sb(&x->d, b->pos, &b->sb);

	where(x, b->pos, b->node, wb, sizeof(wb));
	if (rc == -ENODATA) {
		set_rc(x, cmd_fail(rc, x->path, "%sno room for the 256-byte "
				  "bitmap superblock (%s is %" PRIu64 " bytes)",
				  wb, x->d.is_blk ? "device" : "file",
				  x->d.size));
		return rc;
	}
	if (rc) {
		set_rc(x, cmd_err(rc, x->path, "%scannot read the bitmap "
				  "superblock", wb));
		return rc;
	}
	rc = brd_bitmap_geom(&b->sb, &b->g, why, sizeof(why));
	if (rc) {
		set_rc(x, cmd_fail(rc, x->path, "%sinvalid bitmap superblock: %s",
				  wb, why));
		return rc;
	}
	b->loaded = true;
	return 0;
}

/* Is the chunk data complete?  (Cheap check for --brief.) */
static void check_size(struct exam *x, struct bm *b)
{
	char wb[80];

	if (x->d.size >= b->pos && x->d.size - b->pos >= b->g.area_bytes)
		return;
	b->chunks = CH_SHORT;
	set_rc(x, cmd_fail(-ENODATA, x->path, "%sbitmap truncated: needs %"
			  PRIu64 " bytes from byte %" PRIu64 ", %s is %"
			  PRIu64 " bytes",
			  where(x, b->pos, b->node, wb, sizeof(wb)),
			  b->g.area_bytes, b->pos,
			  x->d.is_blk ? "device" : "file", x->d.size));
}

static int span_cb(void *arg, uint64_t first, uint64_t count)
{
	struct bm *b = arg;
	struct span *n;

	if ((b->ndirty & (b->ndirty - 1)) == 0) {	/* 0, 1, 2, 4, ... */
		n = realloc(b->dirty, (b->ndirty ? 2 * b->ndirty : 1) *
			    sizeof(*n));
		if (!n)
			return -ENOMEM;
		b->dirty = n;
	}
	b->dirty[b->ndirty++] = (struct span){ first, first + count - 1 };
	return 0;
}

/* Count (and with --dirty list) the chunks; report what is wrong. */
static void scan_chunks(struct exam *x, struct bm *b)
{
	const struct brd_bitmap_geom *g = &b->g;
	const struct brd_bitmap_scan *s = &b->s;
	char wb[80];
	int rc;

	where(x, b->pos, b->node, wb, sizeof(wb));
	brd_bitmap_scan_init(&b->s, g, opt_dirty ? span_cb : NULL, b);
	rc = brd_bitmap_scan_area(&x->d, b->pos, &b->s);
	if (rc && rc != -ENODATA) {
		set_rc(x, cmd_err(rc, x->path, "%scannot read the chunk data",
				  wb));
		return;
	}
	b->chunks = CH_SCANNED;
	b->scan_rc = rc;
	if (rc) {
		uint64_t have = x->d.size > b->pos + g->data_offset ?
				x->d.size - b->pos - g->data_offset : 0;

		set_rc(x, (rc == -ENODATA ? cmd_fail : cmd_err)(rc, x->path,
				  "%sbitmap truncated: %" PRIu64
				  " of %" PRIu64 " bytes of chunk data present "
				  "(%" PRIu64 " of %" PRIu64 " chunks, %" PRIu64
				  " of them dirty)", wb,
				  have < g->data_bytes ? have : g->data_bytes,
				  g->data_bytes, s->seen, g->chunks, s->dirty));
		return;
	}
	if (s->invalid)
		set_rc(x, cmd_fail(-EBADMSG, x->path, "%s%" PRIu64 " chunk "
				  "state bytes are invalid (first: chunk %"
				  PRIu64 " = 0x%02x)", wb, s->invalid,
				  s->first_invalid, s->first_invalid_val));
}

static void gather_chunks(struct exam *x, struct bm *b)
{
	if (opt_brief)
		check_size(x, b);
	else
		scan_chunks(x, b);
}

/*
 * Every node slot.  Their offsets are computed (and checked) first: a
 * header whose last slot lies past the largest file offset is corrupt as a
 * whole, refused like any other invalid superblock (exit 7, no report).
 */
static void gather_nodes(struct exam *x)
{
	uint32_t n = x->top.sb.nodes;
	char why[200];
	int rc;

	x->nodes = calloc(n, sizeof(*x->nodes));
	if (!x->nodes) {
		set_rc(x, cmd_err(-ENOMEM, x->path, "cannot read the nodes"));
		return;
	}
	for (uint32_t i = 0; i < n; i++) {
		rc = brd_bitmap_node_pos(x->loc.pos, &x->top.g, i,
					 &x->nodes[i].pos, why, sizeof(why));
		if (rc) {
			x->top.loaded = false;
			set_rc(x, cmd_err(rc, x->path, "invalid bitmap "
					  "superblock: %" PRIu32 " nodes: %s",
					  n, why));
			return;
		}
		x->nodes[i].node = (int)i;
	}
	x->nnodes = n;
	for (uint32_t i = 0; i < n; i++) {
		struct bm *b = &x->nodes[i];

		if (load_sb(x, b) == 0)
			gather_chunks(x, b);
	}
}

/* Find the bitmap of the open input, read what is to be printed. */
static void gather(struct exam *x)
{
	char why[200];
	int rc;

	why[0] = '\0';
	rc = brd_bitmap_locate(&x->d, &x->loc, why, sizeof(why));
	if (rc) {
		/* the reasons are complete sentences: no strerror */
		if (why[0])
			set_rc(x, cmd_fail(rc, x->path, "%s", why));
		else
			set_rc(x, cmd_err(rc, x->path, "cannot locate the bitmap"));
		return;
	}
	if (x->loc.unflagged)
		cmd_warnx("%s: md 0.90 superblock does not flag a bitmap, but "
			  "one is at byte %" PRIu64, x->path, x->loc.pos);
	if (x->loc.meta)
		cmd_verbose("%s: md %s superblock at byte %" PRIu64
			    ", bitmap at byte %" PRIu64, x->path,
			    brd_md_meta_name(x->loc.meta), x->loc.sb_offset,
			    x->loc.pos);
	x->top.pos = x->loc.pos;
	x->top.node = -1;
	if (load_sb(x, &x->top))
		return;
	if (clustered(x))
		gather_nodes(x);
	else if (opt_brief || !x->top.g.first_use)
		gather_chunks(x, &x->top);
	/* first use: the chunk data may already be the kernel's, laid out
	 * in a geometry that this header does not tell */
}

/* Byte range of array data a span of chunks covers (inclusive). */
static void span_bytes(const struct bm *b, const struct span *sp,
		       uint64_t *b0, uint64_t *b1)
{
	uint64_t array_bytes = b->sb.sync_size << 9;

	*b0 = sp->first * b->g.chunk_bytes;
	*b1 = (sp->last + 1) * b->g.chunk_bytes;
	if (*b1 > array_bytes)
		*b1 = array_bytes;
	(*b1)--;
}

/* ------------------------------------------------------------ text */

/* "chunk 3" for one, "chunks 3-5" for a run */
static void print_span(const char *what, uint64_t a, uint64_t b)
{
	if (a == b)
		printf("%s %" PRIu64, what, a);
	else
		printf("%ss %" PRIu64 "-%" PRIu64, what, a, b);
}

static void text_dirty(const struct bm *b)
{
	uint64_t b0, b1;

	if (!b->ndirty)
		printf("           Dirty : none\n");
	for (size_t i = 0; i < b->ndirty; i++) {
		span_bytes(b, &b->dirty[i], &b0, &b1);
		printf("           Dirty : ");
		print_span("chunk", b->dirty[i].first, b->dirty[i].last);
		printf(", ");
		print_span("sector", b0 >> 9, b1 >> 9);
		printf(", bytes %" PRIu64 "-%" PRIu64 "\n", b0, b1);
	}
}

/* The Bitmap line(s) and with --dirty the ranges. */
static void text_chunks(const struct bm *b)
{
	const struct brd_bitmap_geom *g = &b->g;
	const struct brd_bitmap_scan *s = &b->s;

	if (b->chunks != CH_SCANNED || b->scan_rc)
		return;
	if (g->per_byte) {
		printf("          Bitmap : %" PRIu64 " chunks, %" PRIu64
		       " dirty (%2.1f%%)\n", g->chunks, s->dirty,
		       percent(s->dirty, g->chunks));
		printf("    Chunk States :");
		for (unsigned k = 0; k < BRD_LLBIT_NSTATES; k++)
			printf("%s %" PRIu64 " %s", k ? "," : "",
			       s->states[k], brd_llbit_state_name(k));
		putchar('\n');
	} else {
		printf("          Bitmap : %" PRIu64 " bits (chunks), %"
		       PRIu64 " dirty (%2.1f%%)\n", g->chunks, s->dirty,
		       percent(s->dirty, g->chunks));
	}
	if (opt_dirty)
		text_dirty(b);
}

static void text_events(const struct brd_bitmap_sb *sb)
{
	char st[128];

	state_text(sb, st, sizeof(st));
	printf("          Events : %" PRIu64 "\n", sb->events);
	printf("  Events Cleared : %" PRIu64 "\n", sb->events_cleared);
	printf("           State : %s\n", st);
}

static void text_nodes(const struct exam *x)
{
	printf("   Cluster nodes : %d\n", (int)x->top.sb.nodes);
	printf("    Cluster name : %-64s\n", x->top.sb.cluster_name);
	for (uint32_t i = 0; i < x->nnodes; i++) {
		const struct bm *b = &x->nodes[i];

		if (!b->loaded) {
			printf("   Unable to read bitmap on node: %u\n", i);
			continue;
		}
		printf("       Node Slot : %u\n", i);
		text_events(&b->sb);
		text_chunks(b);
	}
}

/* mdadm -X's report. */
static void print_text(const struct exam *x)
{
	const struct brd_bitmap_sb *sb = &x->top.sb;
	const struct brd_bitmap_geom *g = &x->top.g;
	char buf[128];

	if (!x->top.loaded)
		return;
	printf("        Filename : %s\n", x->path);
	printf("           Magic : %08x\n", sb->magic);
	printf("         Version : %d\n", (int)sb->version);
	uuid_text(sb, &x->loc, buf);
	printf("            UUID : %s\n", buf);
	if (sb->nodes == 0)
		text_events(sb);
	if (g->first_use) {
		human_chunksize(sb->chunksize, buf, sizeof(buf));
		printf("       Chunksize : %s (first use: mdadm's value "
		       "in bytes, not the kernel's)\n", buf);
	} else {
		human_chunksize(g->chunk_bytes, buf, sizeof(buf));
		printf("       Chunksize : %s\n", buf);
	}
	printf("          Daemon : %ds flush period\n", (int)sb->daemon_sleep);
	if (sb->write_behind)
		printf("      Write Mode : Allow write behind, max %d\n",
		       (int)sb->write_behind);
	else
		printf("      Write Mode : Normal\n");
	human_size((int64_t)(sb->sync_size << 9), buf, sizeof(buf));
	printf("       Sync Size : %" PRIu64 "%s\n", sb->sync_size / 2, buf);
	if (clustered(x))
		text_nodes(x);
	else if (!opt_brief && g->first_use)
		printf("          Bitmap : not decoded (first use: the header "
		       "does not hold the kernel's chunk size yet)\n");
	else
		text_chunks(&x->top);
}

/* ------------------------------------------------------------ JSON */

/* The --dirty ranges as newline-separated lists (JSON arrays). */
static int json_dirty(struct libscols_line *ln, const struct bm *b)
{
	char *buf[3] = { NULL, NULL, NULL };
	size_t len[3];
	FILE *f[3];
	uint64_t b0, b1;
	int i, rc = 0;

	for (i = 0; i < 3; i++)
		if (!(f[i] = open_memstream(&buf[i], &len[i])))
			rc = -ENOMEM;
	for (size_t k = 0; !rc && k < b->ndirty; k++) {
		const char *nl = k ? "\n" : "";

		span_bytes(b, &b->dirty[k], &b0, &b1);
		fprintf(f[0], "%s%" PRIu64 "-%" PRIu64, nl, b->dirty[k].first,
			b->dirty[k].last);
		fprintf(f[1], "%s%" PRIu64 "-%" PRIu64, nl, b0 >> 9, b1 >> 9);
		fprintf(f[2], "%s%" PRIu64 "-%" PRIu64, nl, b0, b1);
	}
	for (i = 0; i < 3; i++)
		if (f[i] && fclose(f[i]))
			rc = -ENOMEM;
	if (!rc) {
		cmd_table_set(&jt, ln, COL_DIRTY_CHUNKS, buf[0]);
		cmd_table_set(&jt, ln, COL_DIRTY_SECTORS, buf[1]);
		cmd_table_set(&jt, ln, COL_DIRTY_BYTES, buf[2]);
	}
	for (i = 0; i < 3; i++)
		free(buf[i]);
	return rc;
}

static void json_chunks(struct libscols_line *ln, const struct bm *b)
{
	const struct brd_bitmap_geom *g = &b->g;
	const struct brd_bitmap_scan *s = &b->s;
	char pct[32];

	if (b->chunks == CH_SHORT)
		cmd_table_set(&jt, ln, COL_TRUNCATED, "1");
	if (b->chunks != CH_SCANNED)
		return;
	cmd_table_set_u64(&jt, ln, COL_CHUNKS, g->chunks);
	cmd_table_set_u64(&jt, ln, COL_PRESENT, s->seen);
	cmd_table_set(&jt, ln, COL_TRUNCATED, b->scan_rc ? "1" : "0");
	cmd_table_set_u64(&jt, ln, COL_DIRTY, s->dirty);
	if (g->per_byte) {
		static const int col[BRD_LLBIT_NSTATES] = {
			[BRD_LLBIT_UNWRITTEN] = COL_UNWRITTEN,
			[BRD_LLBIT_CLEAN] = COL_CLEAN,
			[BRD_LLBIT_DIRTY] = COL_ST_DIRTY,
			[BRD_LLBIT_NEEDSYNC] = COL_NEED_SYNC,
			[BRD_LLBIT_SYNCING] = COL_SYNCING,
			[BRD_LLBIT_NEEDSYNC_UNWRITTEN] = COL_NEED_SYNC_UNWRITTEN,
			[BRD_LLBIT_SYNCING_UNWRITTEN] = COL_SYNCING_UNWRITTEN,
			[BRD_LLBIT_CLEAN_UNWRITTEN] = COL_CLEAN_UNWRITTEN,
		};

		for (unsigned k = 0; k < BRD_LLBIT_NSTATES; k++)
			cmd_table_set_u64(&jt, ln, col[k], s->states[k]);
		cmd_table_set_u64(&jt, ln, COL_INVALID, s->invalid);
	}
	snprintf(pct, sizeof(pct), "%.1f",
		 percent(s->dirty, b->scan_rc ? s->seen : g->chunks));
	cmd_table_set(&jt, ln, COL_DIRTY_PERCENT, pct);
	if (!b->scan_rc && opt_dirty && b->ndirty)
		json_dirty(ln, b);
}

static void json_sb(struct libscols_line *ln, const struct brd_bitmap_sb *sb,
		    const struct brd_bitmap_geom *g)
{
	char st[128];

	cmd_table_set_u64(&jt, ln, COL_EVENTS, sb->events);
	cmd_table_set_u64(&jt, ln, COL_EVENTS_CLEARED, sb->events_cleared);
	cmd_table_set_u64(&jt, ln, COL_STATE, sb->state);
	state_text(sb, st, sizeof(st));
	cmd_table_set(&jt, ln, COL_STATE_TEXT, st);
	if (g->first_use)
		cmd_table_set(&jt, ln, COL_FIRST_USE, "1");
	else
		cmd_table_set_u64(&jt, ln, COL_CHUNKS, g->chunks);
	if (g->per_byte && !g->first_use)
		cmd_table_set(&jt, ln, COL_FIRST_USE, "0");
}

static void json_nodes(const struct exam *x, struct libscols_line *top)
{
	for (uint32_t i = 0; i < x->nnodes; i++) {
		const struct bm *b = &x->nodes[i];
		struct libscols_line *ln;

		if (!b->loaded)
			continue;
		ln = cmd_table_new_line(&jt, top);
		cmd_table_set(&jt, ln, COL_FILENAME, x->path);
		cmd_table_set_u64(&jt, ln, COL_NODE, i);
		cmd_table_set_u64(&jt, ln, COL_OFFSET, b->pos);
		json_sb(ln, &b->sb, &b->g);
		json_chunks(ln, b);
	}
}

/* The input's line (and its node slots' lines) of the JSON table. */
static int print_json(const struct exam *x)
{
	const struct brd_bitmap_sb *sb = &x->top.sb;
	const struct brd_bitmap_geom *g = &x->top.g;
	struct libscols_line *ln;
	char buf[40];

	if (!x->top.loaded)
		return 0;
	ln = cmd_table_new_line(&jt, NULL);
	if (!ln)
		return cmd_err(-ENOMEM, x->path, "cannot add JSON line");
	cmd_table_set(&jt, ln, COL_FILENAME, x->path);
	if (x->loc.meta) {
		cmd_table_set(&jt, ln, COL_METADATA, brd_md_meta_name(x->loc.meta));
		cmd_table_set_u64(&jt, ln, COL_SB_OFFSET, x->loc.sb_offset);
	}
	cmd_table_set_u64(&jt, ln, COL_OFFSET, x->loc.pos);
	cmd_table_set_u64(&jt, ln, COL_MAGIC, sb->magic);
	cmd_table_set_u64(&jt, ln, COL_VERSION, sb->version);
	uuid_text(sb, &x->loc, buf);
	cmd_table_set(&jt, ln, COL_UUID, buf);
	json_sb(ln, sb, g);
	if (!g->first_use)
		cmd_table_set_u64(&jt, ln, COL_CHUNK_SIZE, g->chunk_bytes);
	cmd_table_set_u64(&jt, ln, COL_DAEMON_SLEEP, sb->daemon_sleep);
	cmd_table_set_u64(&jt, ln, COL_WRITE_BEHIND, sb->write_behind);
	cmd_table_set_u64(&jt, ln, COL_SYNC_SIZE, sb->sync_size << 9);
	cmd_table_set_u64(&jt, ln, COL_RESERVED_SIZE,
			  (uint64_t)sb->sectors_reserved << 9);
	cmd_table_set_u64(&jt, ln, COL_NODES, sb->nodes);
	cmd_table_set(&jt, ln, COL_CLUSTER_NAME, sb->cluster_name);
	if (clustered(x))
		json_nodes(x, ln);
	else
		json_chunks(ln, &x->top);
	return 0;
}

/* -------------------------------------------------------- one input */

static int examine_one(const char *path)
{
	struct exam x = { .path = path };
	int rc;

	rc = brd_dio_open(&x.d, path);
	if (rc)
		return cmd_err(rc, path, "cannot open");
	cmd_verbose("%s: %s, %" PRIu64 " bytes, %s reads", path,
		    x.d.is_blk ? "block device" : "file", x.d.size,
		    x.d.direct ? "O_DIRECT" : "buffered");
	gather(&x);
	brd_dio_close(&x.d);
	if (!G.json)
		print_text(&x);
	else if ((rc = print_json(&x)))
		set_rc(&x, rc);
	free(x.top.dirty);
	for (uint32_t i = 0; i < x.nnodes; i++)
		free(x.nodes[i].dirty);
	free(x.nodes);
	return x.rc;
}

static int examine(const struct brd_cmd *cmd, int argc, const char **argv)
{
	int i, rc = 0, one;

	if (argc < 1)
		return cmd_usage_error("no bitmap file or member device given");
	if (G.json && (rc = json_init(cmd)))
		return rc;
	for (i = 0; i < argc; i++) {
		one = examine_one(argv[i]);
		if (!rc)
			rc = one;
	}
	if (G.json) {
		if (cmd_scols_print(jt.tb) && !rc)
			rc = EXIT_FAIL;
		cmd_table_free(&jt);
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
