// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * brdctl bitmap set|clear|update|write: change an md bitmap file the way
 * md sees it, by writing the file's blocks on its block device directly
 * (lib/bitwrite), after the checks of lib/blockmap.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "bitmap-cmds.h"
#include "../lib/md/bitmap.h"
#include "../lib/md/bitwrite.h"
#include "../lib/md/blockmap.h"
#include "../lib/md/dio.h"

/* cmd/bitmap-map.c */

#define IMAGE_MAX (256u << 20)	/* largest bitmap image for --from */

static const char **opt_chunks, **opt_sectors;
static const char *opt_events, *opt_events_cleared, *opt_state, *opt_from;
static int opt_all, opt_force;

static const struct poptOption force_option[] = {
	{ "force", '\0', POPT_ARG_NONE, &opt_force, 0,
	  "write even if an active md array uses the file (md will not "
	  "notice; never do this on a running array)", NULL },
	POPT_TABLEEND
};

static const struct poptOption setclear_options[] = {
	{ "chunk", '\0', POPT_ARG_ARGV, &opt_chunks, 0,
	  "chunk N or chunks N to M (repeatable)", "N[-M]" },
	{ "sector", '\0', POPT_ARG_ARGV, &opt_sectors, 0,
	  "the chunks holding member sector S, or sectors S to E "
	  "(repeatable)", "S[-E]" },
	{ "all", 'a', POPT_ARG_NONE, &opt_all, 0, "every chunk", NULL },
	{ NULL, '\0', POPT_ARG_INCLUDE_TABLE, (void *)force_option, 0, NULL,
	  NULL },
	POPT_TABLEEND
};

static const struct poptOption update_options[] = {
	{ "events", 'e', POPT_ARG_STRING, &opt_events, 0,
	  "set the event counter", "N" },
	{ "events-cleared", '\0', POPT_ARG_STRING, &opt_events_cleared, 0,
	  "set the events-cleared counter", "N" },
	{ "state", '\0', POPT_ARG_STRING, &opt_state, 0,
	  "ok: clear the stale and write-error flags; stale: set the stale "
	  "flag (md then resyncs everything)", "ok|stale" },
	{ NULL, '\0', POPT_ARG_INCLUDE_TABLE, (void *)force_option, 0, NULL,
	  NULL },
	POPT_TABLEEND
};

static const struct poptOption write_options[] = {
	{ "from", 'i', POPT_ARG_STRING, &opt_from, 0,
	  "bitmap image with the same geometry (required)", "IMAGE" },
	{ NULL, '\0', POPT_ARG_INCLUDE_TABLE, (void *)force_option, 0, NULL,
	  NULL },
	POPT_TABLEEND
};

/* ------------------------------------------------------ edit actions --- */

struct chunk_range {
	uint64_t first, last;	/* inclusive */
};

enum job_kind { JOB_SET, JOB_CLEAR, JOB_UPDATE, JOB_WRITE };

struct job {
	enum job_kind kind;
	struct brd_bitmap_geom g;
	uint64_t data_pos;		/* file offset of chunk 0's byte */
	struct chunk_range *cr;		/* JOB_SET/CLEAR */
	size_t ncr;
	/* JOB_UPDATE */
	struct brd_bitmap_sb_edit sb_edit;
	/* JOB_WRITE */
	unsigned char *image;
	uint64_t image_len;
};

static int edit(void *arg, uint64_t off, unsigned char *buf, size_t len)
{
	struct job *j = arg;

	switch (j->kind) {
	case JOB_SET:
	case JOB_CLEAR:
		for (size_t i = 0; i < j->ncr; i++)
			brd_bitmap_bits_edit(buf, off, len, j->data_pos,
					     j->cr[i].first, j->cr[i].last,
					     j->kind == JOB_SET);
		return 0;
	case JOB_UPDATE:
		if (off != 0 || len < BRD_BITMAP_SB_SIZE)
			return -EINVAL;
		brd_bitmap_sb_edit(buf, &j->sb_edit);
		return 0;
	case JOB_WRITE:
		if (off < j->image_len)
			memcpy(buf, j->image + off,
			       (size_t)(j->image_len - off < len ?
					j->image_len - off : len));
		return 0;
	}
	return -EINVAL;
}

/* ------------------------------------------------------------ parsing --- */

/* "N" or "N-M" (inclusive), N <= M */
static int parse_range(const char *opt, const char *s, uint64_t *a,
		       uint64_t *b)
{
	char *end;
	unsigned long long x, y;

	if (!*s || *s == '-' || *s == '+' || *s == ' ')
		goto bad;
	errno = 0;
	x = strtoull(s, &end, 10);
	if (errno || end == s)
		goto bad;
	y = x;
	if (*end == '-') {
		const char *t = end + 1;

		if (!*t || *t == '-' || *t == '+' || *t == ' ')
			goto bad;
		errno = 0;
		y = strtoull(t, &end, 10);
		if (errno || end == t)
			goto bad;
	}
	if (*end)
		goto bad;
	if (y < x)
		return cmd_usage_error("%s: '%s': the range ends before it "
				       "starts", opt, s);
	*a = x;
	*b = y;
	return 0;
bad:
	return cmd_usage_error("%s: invalid number or range: '%s'", opt, s);
}

static int cmp_cr(const void *pa, const void *pb)
{
	const struct chunk_range *a = pa, *b = pb;

	return a->first < b->first ? -1 : a->first > b->first;
}

static int add_cr(struct job *j, uint64_t a, uint64_t b)
{
	struct chunk_range *x = realloc(j->cr, (j->ncr + 1) * sizeof(*x));

	if (!x)
		return cmd_err(ENOMEM, NULL, "chunk list");
	j->cr = x;
	j->cr[j->ncr++] = (struct chunk_range){ a, b };
	return 0;
}

static int build_chunk_ranges(struct job *j)
{
	uint64_t a, b;
	int rc;

	if (opt_all && (rc = add_cr(j, 0, j->g.chunks - 1)))
		return rc;
	for (size_t i = 0; opt_chunks && opt_chunks[i]; i++) {
		if ((rc = parse_range("--chunk", opt_chunks[i], &a, &b)))
			return rc;
		if (b >= j->g.chunks)
			return cmd_usage_error("--chunk: '%s' is beyond the last "
					       "chunk (the bitmap has %" PRIu64
					       " chunks, 0-%" PRIu64 ")",
					       opt_chunks[i], j->g.chunks,
					       j->g.chunks - 1);
		if ((rc = add_cr(j, a, b)))
			return rc;
	}
	for (size_t i = 0; opt_sectors && opt_sectors[i]; i++) {
		uint64_t sectors = j->g.chunks * j->g.chunk_sectors;

		if ((rc = parse_range("--sector", opt_sectors[i], &a, &b)))
			return rc;
		if (b / j->g.chunk_sectors >= j->g.chunks)
			return cmd_usage_error("--sector: '%s' is beyond the "
					       "bitmap (it covers sectors 0-%"
					       PRIu64 ")", opt_sectors[i],
					       sectors - 1);
		if ((rc = add_cr(j, a / j->g.chunk_sectors,
				 b / j->g.chunk_sectors)))
			return rc;
	}
	/* sort and merge */
	qsort(j->cr, j->ncr, sizeof(*j->cr), cmp_cr);
	size_t k = 0;
	for (size_t i = 0; i < j->ncr; i++) {
		if (k && j->cr[i].first <= j->cr[k - 1].last + 1) {
			if (j->cr[i].last > j->cr[k - 1].last)
				j->cr[k - 1].last = j->cr[i].last;
			continue;
		}
		j->cr[k++] = j->cr[i];
	}
	j->ncr = k;
	return 0;
}

/* Read and check the bitmap superblock of FILE and of IMAGE. */
static int check_sb(const char *name, const unsigned char *raw,
		    struct brd_bitmap_sb *sb, struct brd_bitmap_geom *g)
{
	char why[200] = "";
	int rc;

	brd_bitmap_sb_decode(sb, raw);
	rc = brd_bitmap_geom(sb, g, why, sizeof(why));
	if (rc == -EOPNOTSUPP)
		return cmd_fail(rc, name, "unsupported bitmap version %" PRIu32,
			       sb->version);
	if (rc)
		return cmd_fail(EBADMSG, name, "invalid bitmap superblock%s%s",
			       why[0] ? ": " : "", why);
	if (sb->version != BRD_BITMAP_V_HI &&
	    (sb->version != BRD_BITMAP_V_HOSTENDIAN ||
	     __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__))
		return cmd_fail(EOPNOTSUPP, name, "bitmap version %" PRIu32
			       " is not a bitmap file version brdctl writes "
			       "(3 on little-endian hosts, 4)", sb->version);
	return 0;
}

static int read_file_sb(const char *file, struct brd_bitmap_sb *sb,
			struct brd_bitmap_geom *g, uint64_t size)
{
	unsigned char raw[BRD_BITMAP_SB_SIZE];
	struct brd_dio d;
	size_t got = 0;
	int rc;

	rc = brd_dio_open(&d, file);
	if (rc)
		return cmd_err(rc, file, "cannot open");
	rc = brd_dio_pread(&d, raw, sizeof(raw), 0, &got);
	brd_dio_close(&d);
	if (rc)
		return cmd_err(rc, file, "cannot read the bitmap superblock");
	if (got < sizeof(raw))
		return cmd_fail(ENODATA, file, "only %zu bytes: no bitmap "
			       "superblock", got);
	if ((rc = check_sb(file, raw, sb, g)))
		return rc;
	if (size < g->area_bytes)
		return cmd_fail(ENODATA, file, "bitmap file too short (%" PRIu64
			       " < %" PRIu64 " bytes)", size, g->area_bytes);
	return 0;
}

static int load_image(struct job *j, const char *image,
		      const struct brd_bitmap_sb *fsb)
{
	struct brd_bitmap_sb sb;
	struct brd_bitmap_geom g;
	struct stat st;
	unsigned char *buf;
	size_t done = 0;
	int fd, rc;

	fd = open(image, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return cmd_err(errno, image, "cannot open");
	if (fstat(fd, &st) < 0) {
		rc = errno;
		close(fd);
		return cmd_err(rc, image, "cannot stat");
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return cmd_fail(EINVAL, image, "not a regular file");
	}
	if ((uint64_t)st.st_size > IMAGE_MAX) {
		close(fd);
		return cmd_fail(EFBIG, image, "image too large");
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return cmd_err(ENOMEM, image, "cannot read");
	}
	while (done < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + done, (size_t)st.st_size - done);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		done += (size_t)r;
	}
	close(fd);
	if (done < BRD_BITMAP_SB_SIZE) {
		free(buf);
		return cmd_fail(ENODATA, image, "only %zu bytes: no bitmap "
			       "superblock", done);
	}
	if ((rc = check_sb(image, buf, &sb, &g))) {
		free(buf);
		return rc;
	}
	if (done < g.area_bytes) {
		free(buf);
		return cmd_fail(ENODATA, image, "image too short (%zu < %" PRIu64
			       " bytes)", done, g.area_bytes);
	}
	if (sb.version != fsb->version || g.chunk_bytes != j->g.chunk_bytes ||
	    g.chunks != j->g.chunks || sb.sync_size != fsb->sync_size ||
	    g.area_bytes != j->g.area_bytes) {
		free(buf);
		cmd_err(0, image, "geometry differs from the bitmap file "
			"(version %" PRIu32 "/%" PRIu32 ", chunk %" PRIu64 "/%"
			PRIu64 ", sync size %" PRIu64 "/%" PRIu64 " sectors)",
			sb.version, fsb->version, g.chunk_bytes,
			j->g.chunk_bytes, sb.sync_size, fsb->sync_size);
		return EXIT_FAIL;
	}
	j->image = buf;
	j->image_len = g.area_bytes;
	return 0;
}

/* ------------------------------------------------------------ running --- */

/* One line for one reason; several are listed under a heading line. */
static void print_refusal(const struct brd_blockmap *m)
{
	if (m->nreasons == 1) {
		cmd_warnx("%s: refusing to write through the file's blocks "
			  "(nothing written): %s: %s", m->path,
			  brd_bm_why_name(m->reasons[0].why),
			  m->reasons[0].text);
		return;
	}
	cmd_warnx("%s: refusing to write through the file's blocks "
		  "(nothing written):", m->path);
	for (size_t i = 0; i < m->nreasons; i++)
		fprintf(stderr, "  %s: %s\n", brd_bm_why_name(m->reasons[i].why),
			m->reasons[i].text);
}

/* One line, "brdctl: FILE: WHAT: REASON": the reason lib gave in @why, or
 * strerror(@rc).  Returns the exit code of @rc. */
static int fail_why(int rc, const char *file, const char *why,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int fail_why(int rc, const char *file, const char *why,
		    const char *fmt, ...)
{
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (!why[0])
		return cmd_err(rc, file, "%s", what);
	cmd_err(0, file, "%s: %s", what, why);
	return rc ? exit_code_from_errno(rc) : EXIT_FAIL;
}

/* What the write noticed but did not fail on. */
static void warn_after(const char *file, const struct brd_bitwrite *w)
{
	if (w->drop_err)
		cmd_warnx("%s: cannot drop cached pages: %s", file,
			  strerror(-w->drop_err));
	if (w->verify_buffered)
		cmd_warnx("%s: O_DIRECT refused; verifying with buffered reads",
			  file);
	if (w->buffered_stale)
		cmd_warnx("%s: buffered reads still return old data at offset %"
			  PRIu64 " (pages mapped or locked?); O_DIRECT reads "
			  "see the new data", file, w->stale_off);
}

static const char *state_name(int s)
{
	switch (s) {
	case BRD_BW_WRITTEN: return "written";
	case BRD_BW_FAILED: return "FAILED (contents unknown)";
	case BRD_BW_NOT_WRITTEN: return "not written";
	default: return "planned";
	}
}

static void print_blocks(const struct brd_bitwrite *w, FILE *f, bool dry)
{
	for (size_t i = 0; i < w->n; i++) {
		const struct brd_bw_block *b = &w->blk[i];

		if (dry)
			fprintf(f, "write %s offset %" PRIu64 " length %" PRIu32
				" (file offset %" PRIu64 ")\n", w->devnode,
				b->dev_off, b->len, b->file_off);
		else
			fprintf(f, "  %s offset %" PRIu64 " length %" PRIu32
				" (file offset %" PRIu64 "): %s\n", w->devnode,
				b->dev_off, b->len, b->file_off,
				state_name(b->state));
	}
}

/* The byte ranges of the file the job changes: @one, or an array. */
static int job_ranges(const char *file, struct job *j,
		      const struct brd_bitmap_sb *sb, struct brd_bw_range *one,
		      struct brd_bw_range **ranges, size_t *nranges)
{
	int rc;

	*ranges = one;
	*nranges = 1;
	switch (j->kind) {
	case JOB_SET:
	case JOB_CLEAR:
		if ((rc = build_chunk_ranges(j)))
			return rc;
		*ranges = calloc(j->ncr, sizeof(**ranges));
		if (!*ranges) {
			*ranges = one;
			return cmd_err(ENOMEM, file, "plan");
		}
		for (size_t i = 0; i < j->ncr; i++)
			(*ranges)[i] = (struct brd_bw_range){
				.off = j->data_pos + j->cr[i].first / 8,
				.len = j->cr[i].last / 8 - j->cr[i].first / 8 + 1 };
		*nranges = j->ncr;
		return 0;
	case JOB_UPDATE:
		*one = (struct brd_bw_range){ 0, BRD_BITMAP_SB_SIZE };
		if (j->sb_edit.set_cleared && j->sb_edit.set_events &&
		    j->sb_edit.events_cleared > j->sb_edit.events)
			cmd_warnx("%s: events-cleared %" PRIu64 " is greater than "
				  "events %" PRIu64, file, j->sb_edit.events_cleared,
				  j->sb_edit.events);
		return 0;
	case JOB_WRITE:
		if ((rc = load_image(j, opt_from, sb)))
			return rc;
		*one = (struct brd_bw_range){ 0, j->image_len };
		return 0;
	}
	return cmd_fail(EINVAL, file, "plan");
}

/* What brd_bitwrite_execute() returned @rc, said; the exit code. */
static int report_write(const char *file, struct brd_bitwrite *w, int rc)
{
	const struct brd_bw_block *b = NULL;

	warn_after(file, w);
	if (rc && w->nwritten < w->n) {
		for (size_t i = 0; i < w->n; i++)
			if (w->blk[i].state == BRD_BW_FAILED)
				b = &w->blk[i];
		if (!b)		/* nothing attempted: one line says why */
			return fail_why(rc, file, w->why,
					"cannot write the blocks");
		cmd_err(b->err, file, "device write failed at %s offset %"
			PRIu64 " (file offset %" PRIu64 "); %zu of %zu "
			"block%s written", w->devnode, b->dev_off,
			b->file_off, w->nwritten, w->n, w->n == 1 ? "" : "s");
		print_blocks(w, stderr, false);
		rc = exit_code_from_errno(rc);
		return rc == EXIT_OK ? EXIT_FAIL : rc;
	}
	if (rc) {
		rc = fail_why(rc, file, w->why, "%zu block%s written, but not "
			      "confirmed", w->nwritten,
			      w->nwritten == 1 ? "" : "s");
		print_blocks(w, stderr, false);
		return rc;
	}
	cmd_verbose("%s: wrote %zu of %zu examined blocks (%" PRIu64
		    " bytes) on %s; verified with O_DIRECT", file, w->n,
		    w->examined, w->bytes_written, w->devnode);
	return EXIT_OK;
}

/* Plan the device writes; print them (--dry-run) or do them. */
static int write_job(const char *file, struct job *j, struct brd_blockmap *m,
		     const struct brd_bw_range *ranges, size_t nranges)
{
	struct brd_bitwrite w;
	int rc;

	rc = brd_bitwrite_plan(&w, m, ranges, nranges, edit, j);
	if (rc == -ECANCELED) {
		print_refusal(m);
		rc = EXIT_CORRUPT;
	} else if (rc) {
		rc = fail_why(rc, file, w.why, "cannot plan the device writes");
	} else if (G.dry_run) {
		print_blocks(&w, stdout, true);
		printf("%zu of %zu examined block%s would change, %zu bytes on "
		       "%s; nothing written\n", w.n, w.examined,
		       w.examined == 1 ? "" : "s", w.n * (size_t)w.blksz,
		       w.devnode);
	} else if (!w.n) {
		cmd_verbose("%s: already as requested; nothing written", file);
	} else {
		rc = report_write(file, &w, brd_bitwrite_execute(&w));
	}
	brd_bitwrite_free(&w);
	return rc;
}

static int run_job(const char *file, struct job *j)
{
	struct brd_blockmap m;
	struct brd_bitmap_sb sb;
	struct brd_bw_range one, *ranges = &one;
	size_t nranges = 0;
	int rc;

	rc = brd_blockmap_build(&m, file, opt_force ? BRD_BM_FORCE : 0);
	if (rc) {
		brd_blockmap_free(&m);
		return cmd_err(rc, file, "cannot map");
	}
	/* refused: the content is not even looked at (an unwritten or
	 * sparse file reads as zeros, a directory has none) */
	if (!brd_blockmap_writable(&m)) {
		print_refusal(&m);
		rc = bitmap_refusal_status(&m);
		goto out;
	}
	if ((rc = read_file_sb(file, &sb, &j->g, m.size)))
		goto out;
	j->data_pos = j->g.data_offset;
	rc = job_ranges(file, j, &sb, &one, &ranges, &nranges);
	if (!rc)
		rc = write_job(file, j, &m, ranges, nranges);
out:
	if (ranges != &one)
		free(ranges);
	brd_blockmap_free(&m);
	return rc;
}

static int one_file(int argc)
{
	if (argc != 1)
		return cmd_usage_error(argc ? "too many arguments"
					    : "no bitmap file given");
	return 0;
}

static int do_setclear(const struct brd_cmd *cmd, int argc,
		       const char **argv)
{
	struct job j = { .kind = strcmp(cmd->name, "set") ? JOB_CLEAR : JOB_SET };
	int rc;

	if ((rc = one_file(argc)))
		return rc;
	if (!opt_all && !opt_chunks && !opt_sectors)
		return cmd_usage_error("which chunks? use --chunk, --sector or "
				       "--all");
	if (opt_all && (opt_chunks || opt_sectors))
		return cmd_usage_error("--all cannot be combined with --chunk "
				       "or --sector");
	/* check the syntax before touching the file */
	for (size_t i = 0; opt_chunks && opt_chunks[i]; i++) {
		uint64_t a, b;

		if ((rc = parse_range("--chunk", opt_chunks[i], &a, &b)))
			return rc;
	}
	for (size_t i = 0; opt_sectors && opt_sectors[i]; i++) {
		uint64_t a, b;

		if ((rc = parse_range("--sector", opt_sectors[i], &a, &b)))
			return rc;
	}
	rc = run_job(argv[0], &j);
	free(j.cr);
	return rc;
}

static int do_update(const struct brd_cmd *cmd, int argc, const char **argv)
{
	struct job j = { .kind = JOB_UPDATE };
	int rc;

	(void)cmd;
	if ((rc = one_file(argc)))
		return rc;
	if (!opt_events && !opt_events_cleared && !opt_state)
		return cmd_usage_error("nothing to update: use --events, "
				       "--events-cleared or --state");
	if (opt_events) {
		if ((rc = cmd_parse_u64("--events", opt_events, 0, UINT64_MAX,
					&j.sb_edit.events)))
			return rc;
		j.sb_edit.set_events = true;
	}
	if (opt_events_cleared) {
		if ((rc = cmd_parse_u64("--events-cleared", opt_events_cleared,
					0, UINT64_MAX, &j.sb_edit.events_cleared)))
			return rc;
		j.sb_edit.set_cleared = true;
	}
	if (opt_state) {
		if (!strcmp(opt_state, "ok"))
			j.sb_edit.state_clear = BRD_BITMAP_STALE |
						BRD_BITMAP_WRITE_ERROR;
		else if (!strcmp(opt_state, "stale"))
			j.sb_edit.state_set = BRD_BITMAP_STALE;
		else
			return cmd_usage_error("--state: '%s' is not ok or stale",
					       opt_state);
	}
	return run_job(argv[0], &j);
}

static int do_write(const struct brd_cmd *cmd, int argc, const char **argv)
{
	struct job j = { .kind = JOB_WRITE };
	int rc;

	(void)cmd;
	if ((rc = one_file(argc)))
		return rc;
	if (!opt_from)
		return cmd_usage_error("--from IMAGE is required");
	rc = run_job(argv[0], &j);
	free(j.image);
	return rc;
}

#define WRITE_HELP \
	"The file's blocks are written on its block device directly, as md does\n" \
	"(read-modify-write of whole filesystem blocks with O_DIRECT; only blocks\n" \
	"that change), then the device is flushed, the file's page cache dropped,\n" \
	"and the result re-read through the file with O_DIRECT.  Refused, with\n" \
	"every reason and nothing written, unless 'brdctl bitmap map' says the\n" \
	"file is writable.  --dry-run prints every planned device write.\n" \
	"Exit status: 5 refused, 4 in use by md, 7 invalid bitmap, 8 file too\n" \
	"short, 2 bad chunk/sector, 1 a device write failed (the blocks written\n" \
	"and not written are listed).\n"

const struct brd_cmd cmd_bitmap_set = {
	.name = "set",
	.fn = do_setclear,
	.options = setclear_options,
	.synopsis = "[options] (--chunk N[-M]... | --sector S[-E]... | --all) <file>",
	.summary = "Mark chunks of a bitmap file dirty, through its blocks",
	.help_tail = WRITE_HELP,
	.flags = CMD_DRYRUN,
};

const struct brd_cmd cmd_bitmap_clear = {
	.name = "clear",
	.fn = do_setclear,
	.options = setclear_options,
	.synopsis = "[options] (--chunk N[-M]... | --sector S[-E]... | --all) <file>",
	.summary = "Mark chunks of a bitmap file clean, through its blocks",
	.help_tail = WRITE_HELP,
	.flags = CMD_DRYRUN,
};

const struct brd_cmd cmd_bitmap_update = {
	.name = "update",
	.fn = do_update,
	.options = update_options,
	.synopsis = "[options] [--events N] [--events-cleared N] [--state ok|stale] <file>",
	.summary = "Change bitmap superblock fields, through the file's blocks",
	.help_tail = WRITE_HELP,
	.flags = CMD_DRYRUN,
};

const struct brd_cmd cmd_bitmap_write = {
	.name = "write",
	.fn = do_write,
	.options = write_options,
	.synopsis = "[options] --from IMAGE <file>",
	.summary = "Replace a bitmap file's content with an image, through its "
		   "blocks",
	.help_tail = WRITE_HELP,
	.flags = CMD_DRYRUN,
};
