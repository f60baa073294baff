/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cmd/: the command-line face of brdctl.  One file per subcommand; each
 * defines a `const struct brd_cmd cmd_<name>` with its popt table, and
 * the dispatcher in brdctl.c finds it by exact name.
 */
#ifndef BRDCTL_CMD_H
#define BRDCTL_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <popt.h>

/* Exit status taxonomy, the same for every subcommand (man/brdctl.8). */
enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,		/* the operation failed (anything not below) */
	EXIT_USAGE = 2,		/* bad command line */
	EXIT_NOTFOUND = 3,	/* device, file, module or ramdisk not found */
	EXIT_BUSY = 4,		/* busy, in use, or exists with another config */
	EXIT_NOTSUP = 5,	/* not supported by this kernel or filesystem */
	EXIT_PERM = 6,		/* permission denied */
	EXIT_CORRUPT = 7,	/* invalid on-disk data (bad magic, field) */
	EXIT_TRUNCATED = 8,	/* on-disk data shorter than it claims */
};

/* Map a negative or positive errno to the taxonomy above. */
int exit_code_from_errno(int err);

/* Command flags, checked centrally before the handler runs. */
#define CMD_JSON	(1u << 0)	/* accepts --json */
#define CMD_DRYRUN	(1u << 1)	/* accepts --dry-run */
#define CMD_TABLE	(1u << 2)	/* accepts the table output options */

/* A column of a listing command; --help prints these. */
struct cmd_column {
	const char *name;
	double whint;		/* libsmartcols width hint */
	int flags;		/* SCOLS_FL_* */
	int json_type;		/* SCOLS_JSON_* */
	const char *help;
};

struct brd_cmd {
	const char *name;
	/* Called with the operands left after option parsing. */
	int (*fn)(const struct brd_cmd *cmd, int argc, const char **argv);
	const struct poptOption *options;	/* may be NULL */
	const char *synopsis;	/* operands/options after "brdctl NAME " */
	const char *summary;	/* one line */
	const char *help_tail;	/* extra help text, may be NULL */
	const struct cmd_column *columns;
	size_t ncolumns;
	const struct brd_cmd *const *subcmds;	/* NULL-terminated group */
	unsigned flags;
};

/* Options shared by every command (set before or after the command). */
struct brd_globals {
	int json;
	int verbose;
	int dry_run;
	int quiet;
	/* table output (CMD_TABLE) */
	int raw;
	int pairs;
	int shell;
	int noheadings;
	int bytes;
	int output_all;
	int list_columns;
	const char *output;
	/* program identity for messages */
	const char *prog;	/* "brdctl" or "bitmapctl" */
	const char *cmdpath;	/* e.g. "brdctl bitmap examine" */
};
extern struct brd_globals G;

/* Messages: "<prog>: <object>: <what>: <reason>".  Each returns the exit
 * code mapped from @err (cmd_err) or EXIT_FAIL (cmd_errx). */
int cmd_err(int err, const char *object, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A message that is the whole reason (a sentence such as "exists with
 * size 128M" or "no such ramdisk"): nothing is appended; @err, an errno
 * value, only picks the exit code.  One line, one reason. */
int cmd_fail(int err, const char *object, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void cmd_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cmd_verbose(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Usage error: message plus "Try '<cmdpath> --help' ..."; returns 2. */
int cmd_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Parse a size with util-linux semantics, or report a usage error naming
 * @opt.  Returns 0 or EXIT_USAGE. */
int cmd_parse_size(const char *opt, const char *arg, uint64_t *res);
/* Parse an unsigned integer in [min, max]; 0 or EXIT_USAGE. */
int cmd_parse_u64(const char *opt, const char *arg, uint64_t min,
		  uint64_t max, uint64_t *res);

/* Table output through libsmartcols, honouring the globals. */
struct libscols_table;
struct libscols_line;
struct cmd_table {
	struct libscols_table *tb;
	const struct cmd_column *cols;
	size_t ncols;
	int ids[64];		/* selected columns, indexes into cols */
	size_t nids;
};
/* Select columns from --output/--output-all (default: @defaults, a
 * NULL-terminated list of names) and create the table.  @name is the JSON
 * array name.  Returns 0 or an exit code (usage error already printed). */
int cmd_table_init(struct cmd_table *t, const struct brd_cmd *cmd,
		   const char *name, const char *const *defaults);
/* Add a line; then set cells by column index into cmd->columns. */
struct libscols_line *cmd_table_new_line(struct cmd_table *t,
					 struct libscols_line *parent);
int cmd_table_set(struct cmd_table *t, struct libscols_line *ln, int col,
		  const char *data);
int cmd_table_set_u64(struct cmd_table *t, struct libscols_line *ln, int col,
		      uint64_t v);
/* Sizes: human (e.g. "64M") unless --bytes/--json, then bytes. */
int cmd_table_set_size(struct cmd_table *t, struct libscols_line *ln, int col,
		       uint64_t bytes);
int cmd_table_set_bool(struct cmd_table *t, struct libscols_line *ln, int col,
		       int v);
bool cmd_table_wants(const struct cmd_table *t, int col);
int cmd_table_print(struct cmd_table *t);	/* prints and frees */
/* scols_print_table(), with an empty JSON array as [] (not [null]) */
int cmd_scols_print(struct libscols_table *tb);
void cmd_table_free(struct cmd_table *t);

/* A JSON document that is not a table (libsmartcols writes only arrays of
 * records): nested objects and arrays, laid out as libsmartcols lays out
 * its JSON, three spaces per level.  Begin, then open/close containers
 * and add members; @key is NULL for the elements of an array. */
struct cmd_json {
	FILE *f;
	int depth;
	bool empty[16];		/* the container at this depth has no member */
};
void cmd_json_begin(struct cmd_json *j, FILE *f);	/* "{" */
void cmd_json_end(struct cmd_json *j);			/* "}" and newline */
void cmd_json_open(struct cmd_json *j, const char *key, char type); /* { [ */
void cmd_json_close(struct cmd_json *j, char type);		   /* } ] */
void cmd_json_str(struct cmd_json *j, const char *key, const char *s);
void cmd_json_u64(struct cmd_json *j, const char *key, uint64_t v);
void cmd_json_bool(struct cmd_json *j, const char *key, bool v);

/* Tools run by brdctl (cmd/run.c).  Start argv[0] (from PATH) with stdin
 * on /dev/null and its stdout and stderr into a pipe, whose read end is
 * *fd: its pid or -errno. */
pid_t cmd_spawn_piped(char *const argv[], int *fd);
/* Read @fd to its end and close it: what was read, NUL-terminated (about
 * 1 MiB kept), or NULL if nothing or no memory. */
char *cmd_read_all(int fd);
/* Each line of @out on stderr as "<prog>: OBJ: PROG: line" (changes @out). */
void cmd_relay_output(const char *obj, const char *prog, char *out);
/* Run argv[] quietly: its output (stdout and stderr) is relayed to our
 * stderr only when it fails or with --verbose.  Its exit status (128 + N
 * when killed by signal N, 127 when it cannot be run), or -errno. */
int cmd_run_quiet(const char *obj, char *const argv[]);

/* Human-readable size like lsblk: "4M", "1.5G". Caller frees. */
char *cmd_size_to_human(uint64_t bytes);
/* The --dry-run line of a module load: "load brd rd_nr=N [rd_size=KiB]
 * [max_part=M]", the size also said with its unit: " (rd_size in KiB: 4M)". */
void cmd_print_load(uint64_t rd_nr, uint64_t rd_size_kib, uint64_t max_part);
/* @ns (CLOCK_REALTIME) as ISO 8601 in local time, "2026-12-02T04:05:06+01:00",
 * into @buf; "" for 0 (never). */
const char *cmd_time_iso(int64_t ns, char *buf, size_t len);

/* The popt tables every listing command includes. */
extern const struct poptOption cmd_table_options[];

/* Subcommands */
extern const struct brd_cmd cmd_bitmap;
extern const struct brd_cmd *const brdctl_commands[];

#endif
