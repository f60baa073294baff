// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Output: tables (and their JSON) through libsmartcols for the listing
 * commands; cmd_json_* for the one JSON document that is not a table
 * (bitmap map: an object with arrays of objects).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <libsmartcols.h>

#include "cmd.h"

const struct poptOption cmd_table_options[] = {
	{ "output", 'o', POPT_ARG_STRING, &G.output, 0,
	  "columns to show (+LIST adds to the default)", "LIST" },
	{ "output-all", 'O', POPT_ARG_NONE, &G.output_all, 0,
	  "show all columns", NULL },
	{ "list-columns", 'H', POPT_ARG_NONE, &G.list_columns, 0,
	  "list the available columns and exit", NULL },
	{ "raw", 'r', POPT_ARG_NONE, &G.raw, 0, "use the raw output format", NULL },
	{ "pairs", 'P', POPT_ARG_NONE, &G.pairs, 0,
	  "use the KEY=\"value\" output format", NULL },
	{ "shell", 'y', POPT_ARG_NONE, &G.shell, 0,
	  "use shell-safe column names with --pairs", NULL },
	{ "noheadings", 'n', POPT_ARG_NONE, &G.noheadings, 0,
	  "don't print headings", NULL },
	{ "bytes", 'b', POPT_ARG_NONE, &G.bytes, 0,
	  "print sizes in bytes rather than in human form", NULL },
	POPT_TABLEEND
};

char *cmd_size_to_human(uint64_t bytes)
{
	static const char units[] = "BKMGTPE";
	int exp = 0;
	char *s = NULL;

	while (exp < 6 && bytes >= (1ULL << (10 * (exp + 1))))
		exp++;
	if (exp == 0) {
		if (asprintf(&s, "%" PRIu64 "B", bytes) < 0)
			return NULL;
		return s;
	}
	/* one decimal, rounded; drop ".0" */
	uint64_t unit = 1ULL << (10 * exp);
	uint64_t whole = bytes / unit;
	uint64_t tenth = ((bytes % unit) * 10 + unit / 2) / unit;

	if (tenth == 10) {
		whole++;
		tenth = 0;
	}
	if (tenth)
		return asprintf(&s, "%" PRIu64 ".%" PRIu64 "%c", whole, tenth,
				units[exp]) < 0 ? NULL : s;
	return asprintf(&s, "%" PRIu64 "%c", whole, units[exp]) < 0 ? NULL : s;
}

const char *cmd_time_iso(int64_t ns, char *buf, size_t len)
{
	time_t t = (time_t)(ns / 1000000000);
	struct tm tm;
	size_t n;

	buf[0] = '\0';
	if (!ns || !localtime_r(&t, &tm))
		return buf;
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S%z", &tm);
	/* +0100 -> +01:00 */
	if (n >= 5 && n + 2 <= len) {
		memmove(buf + n - 1, buf + n - 2, 3);
		buf[n - 2] = ':';
	}
	return buf;
}

static int column_by_name(const struct brd_cmd *cmd, const char *name, size_t len)
{
	for (size_t i = 0; i < cmd->ncolumns; i++)
		if (strlen(cmd->columns[i].name) == len &&
		    strncasecmp(cmd->columns[i].name, name, len) == 0)
			return (int)i;
	return -1;
}

/* A column is shown once, at its first place: "+TYPE" when TYPE is a
 * default, or "NAME,NAME", adds nothing (JSON keys stay unique). */
static int add_id(struct cmd_table *t, int id)
{
	for (size_t i = 0; i < t->nids; i++)
		if (t->ids[i] == id)
			return 0;
	if (t->nids >= sizeof(t->ids) / sizeof(t->ids[0]))
		return cmd_usage_error("too many columns");
	t->ids[t->nids++] = id;
	return 0;
}

static int parse_columns(struct cmd_table *t, const struct brd_cmd *cmd,
			 const char *list)
{
	const char *p = list;

	if (!*p)
		return cmd_usage_error("--output: empty column list");
	while (*p) {
		size_t len = strcspn(p, ",");
		int id = column_by_name(cmd, p, len);

		if (id < 0)
			return cmd_usage_error("--output: unknown column: '%.*s'",
					       (int)len, p);
		if (add_id(t, id))
			return EXIT_USAGE;
		p += len;
		if (*p == ',')
			p++;
	}
	return 0;
}

int cmd_table_init(struct cmd_table *t, const struct brd_cmd *cmd,
		   const char *name, const char *const *defaults)
{
	int rc;

	memset(t, 0, sizeof(*t));
	t->cols = cmd->columns;
	t->ncols = cmd->ncolumns;

	if (G.output_all) {
		for (size_t i = 0; i < cmd->ncolumns; i++)
			add_id(t, (int)i);
	} else if (!G.output || G.output[0] == '+') {
		for (; defaults && *defaults; defaults++) {
			int id = column_by_name(cmd, *defaults, strlen(*defaults));
			if (id >= 0 && add_id(t, id))
				return EXIT_USAGE;
		}
		if (G.output && (rc = parse_columns(t, cmd, G.output + 1)))
			return rc;
	} else if ((rc = parse_columns(t, cmd, G.output))) {
		return rc;
	}

	scols_init_debug(0);
	t->tb = scols_new_table();
	if (!t->tb)
		return cmd_err(ENOMEM, NULL, "cannot create output table");
	scols_table_enable_raw(t->tb, G.raw);
	scols_table_enable_export(t->tb, G.pairs || G.shell);
	if (G.shell)
		scols_table_enable_shellvar(t->tb, 1);
	scols_table_enable_json(t->tb, G.json);
	scols_table_enable_noheadings(t->tb, G.noheadings);
	if (G.json)
		scols_table_set_name(t->tb, name);

	for (size_t i = 0; i < t->nids; i++) {
		const struct cmd_column *c = &t->cols[t->ids[i]];
		/* JSON arrays of strings are the newline-separated chunks of
		 * the cell, which libsmartcols splits for wrapped columns only */
		int flags = G.json && c->json_type == SCOLS_JSON_ARRAY_STRING ?
			    (c->flags & ~SCOLS_FL_TRUNC) | SCOLS_FL_WRAP : c->flags;
		struct libscols_column *cl = scols_table_new_column(t->tb, c->name,
								    c->whint, flags);
		if (!cl) {
			cmd_table_free(t);
			return cmd_err(ENOMEM, NULL, "cannot create output column");
		}
		if (G.json)
			scols_column_set_json_type(cl, c->json_type);
		/* newline-separated lists: a JSON array of strings */
		if (G.json && c->json_type == SCOLS_JSON_ARRAY_STRING)
			scols_column_set_wrapfunc(cl, scols_wrapnl_chunksize,
						  scols_wrapnl_nextchunk, NULL);
	}
	return 0;
}

struct libscols_line *cmd_table_new_line(struct cmd_table *t,
					 struct libscols_line *parent)
{
	return scols_table_new_line(t->tb, parent);
}

static int cell_of(const struct cmd_table *t, int col)
{
	for (size_t i = 0; i < t->nids; i++)
		if (t->ids[i] == col)
			return (int)i;
	return -1;
}

bool cmd_table_wants(const struct cmd_table *t, int col)
{
	return cell_of(t, col) >= 0;
}

int cmd_table_set(struct cmd_table *t, struct libscols_line *ln, int col,
		  const char *data)
{
	int cell = cell_of(t, col);

	if (cell < 0 || !data)
		return 0;
	return scols_line_set_data(ln, (size_t)cell, data);
}

static int set_owned(struct cmd_table *t, struct libscols_line *ln, int col,
		     char *data)
{
	int cell = cell_of(t, col);

	if (!data)
		return -ENOMEM;
	if (cell < 0) {
		free(data);
		return 0;
	}
	return scols_line_refer_data(ln, (size_t)cell, data);
}

int cmd_table_set_u64(struct cmd_table *t, struct libscols_line *ln, int col,
		      uint64_t v)
{
	char *s;

	if (asprintf(&s, "%" PRIu64, v) < 0)
		return -ENOMEM;
	return set_owned(t, ln, col, s);
}

int cmd_table_set_size(struct cmd_table *t, struct libscols_line *ln, int col,
		       uint64_t bytes)
{
	if (G.bytes || G.json)
		return cmd_table_set_u64(t, ln, col, bytes);
	return set_owned(t, ln, col, cmd_size_to_human(bytes));
}

int cmd_table_set_bool(struct cmd_table *t, struct libscols_line *ln, int col,
		       int v)
{
	/* libsmartcols' JSON booleans read "0"/"1" (2.38 takes any other
	 * non-empty string, "false" included, as true) */
	return cmd_table_set(t, ln, col, v ? "1" : "0");
}

/*
 * libsmartcols (2.38) writes an array with no element as "[null]" (a NULL
 * cell) or as "[", a blank line and "]" (an empty one): both become "[]".
 * In its JSON a bare null inside brackets is only ever that (a string
 * "null" is quoted).  @s is changed in place.
 */
static void json_empty_arrays(char *s)
{
	char *w = s;

	for (const char *r = s; *r;) {
		if (*r == '[') {
			const char *p = r + 1;

			while (*p == ' ' || *p == '\n')
				p++;
			if (strncmp(p, "null", 4) == 0)
				for (p += 4; *p == ' ' || *p == '\n'; p++)
					;
			if (*p == ']') {
				*w++ = '[';
				*w++ = ']';
				r = p + 1;
				continue;
			}
		}
		*w++ = *r++;
	}
	*w = '\0';
}

int cmd_scols_print(struct libscols_table *tb)
{
	char *s = NULL;
	int rc;

	if (!scols_table_is_json(tb))
		return scols_print_table(tb);
	if ((rc = scols_print_table_to_string(tb, &s)))
		return rc;
	json_empty_arrays(s);
	rc = fputs(s, stdout) < 0 ? -EIO : 0;
	free(s);
	return rc;
}

int cmd_table_print(struct cmd_table *t)
{
	int rc = cmd_scols_print(t->tb);

	cmd_table_free(t);
	return rc ? cmd_err(rc, NULL, "cannot print table") : EXIT_OK;
}

void cmd_table_free(struct cmd_table *t)
{
	scols_unref_table(t->tb);
	t->tb = NULL;
}

/* ------------------------------------------------ JSON documents --- */

static void json_string(FILE *f, const char *s)
{
	if (!s) {
		fputs("null", f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

/* the separator, indentation and key of the next member */
static void json_member(struct cmd_json *j, const char *key)
{
	if (!j->empty[j->depth])
		fputc(',', j->f);
	j->empty[j->depth] = false;
	fprintf(j->f, "\n%*s", 3 * j->depth, "");
	if (key) {
		json_string(j->f, key);
		fputs(": ", j->f);
	}
}

void cmd_json_begin(struct cmd_json *j, FILE *f)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
	fputc('{', f);
	j->depth = 1;
	j->empty[1] = true;
}

void cmd_json_end(struct cmd_json *j)
{
	cmd_json_close(j, '}');
	fputc('\n', j->f);
}

void cmd_json_open(struct cmd_json *j, const char *key, char type)
{
	json_member(j, key);
	fputc(type, j->f);
	if (j->depth + 1 < (int)(sizeof(j->empty) / sizeof(j->empty[0])))
		j->depth++;
	j->empty[j->depth] = true;
}

void cmd_json_close(struct cmd_json *j, char type)
{
	if (!j->empty[j->depth])
		fprintf(j->f, "\n%*s", 3 * (j->depth - 1), "");
	if (j->depth > 0)
		j->depth--;
	fputc(type, j->f);
}

void cmd_json_str(struct cmd_json *j, const char *key, const char *s)
{
	json_member(j, key);
	json_string(j->f, s);
}

void cmd_json_u64(struct cmd_json *j, const char *key, uint64_t v)
{
	json_member(j, key);
	fprintf(j->f, "%" PRIu64, v);
}

void cmd_json_bool(struct cmd_json *j, const char *key, bool v)
{
	json_member(j, key);
	fputs(v ? "true" : "false", j->f);
}

void cmd_print_load(uint64_t rd_nr, uint64_t rd_size_kib, uint64_t max_part)
{
	printf("load brd rd_nr=%" PRIu64, rd_nr);
	if (rd_size_kib)
		printf(" rd_size=%" PRIu64, rd_size_kib);
	if (max_part)
		printf(" max_part=%" PRIu64, max_part);
	if (rd_size_kib) {
		char *h = cmd_size_to_human(rd_size_kib * 1024);

		printf(" (rd_size in KiB: %s)", h ? h : "?");
		free(h);
	}
	putchar('\n');
}
