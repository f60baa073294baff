/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * brdtab(5): the declarative list of ramdisks `brdctl apply` provisions.
 *
 *   # NAME  SIZE  [FSTYPE[:MKFSOPTS]]  [MOUNTPOINT]  [MOUNTOPTS]  [OWNER[:GROUP]]  [MODE]
 *   ram0    1G    ext4                 /scratch      noatime      build:build      0750
 *
 * MOUNTOPTS may hold brdctl's own options, fstab's x- convention, which
 * are not given to mount: x-brdctl.persist=/ABS/IMAGE (restore the image
 * before the mount, save it after the unmount; persist.h) and
 * x-brdctl.persist-every=TIMESPAN (also save on a timer: 15min, 1h30min).
 *
 * One ramdisk per line, whitespace-separated fields, "-" for an empty
 * field, "#" starts a comment (at the start of a field), double quotes
 * group a field with blanks ("ext4:-m 0 -L scratch"), a backslash escapes
 * the next character.  NAME is ramN, "auto" or a pool name.
 *
 * The parser is pure: it reads text, never prints, and reports every
 * problem as a (line, message) pair.  brdtab_check_system() adds the
 * checks that look at the running system (mkfs.TYPE in PATH, filesystem
 * known to the kernel, mount point, owner and group) without changing it;
 * brdplan_run() (brdplan.h) then checks the file as a whole against what
 * exists: the pool's and brd's limits, the RAM budget, conflicts.
 * The whole-file checks are linear in the number of lines (hash indexes).
 */
#ifndef BRD_BRDTAB_H
#define BRD_BRDTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define BRDTAB_DEFAULT_PATH	"/etc/brdtab"
#define BRDTAB_NAME_MAX		36	/* pooled ramdisk names: 1-36 chars */
#define BRDTAB_MAX_FIELDS	7

enum brdtab_kind {
	BRDTAB_WHOLE = 0,	/* a whole brd disk /dev/ramN */
	BRDTAB_POOLED,		/* a named partition of the brd pool disk */
};

struct brdtab_entry {
	unsigned int line;
	char *spec;		/* NAME as written: "ram0", "auto", "db" */
	char *name;		/* resolved: "ram3" (whole) or the pool name */
	enum brdtab_kind kind;
	unsigned int num;	/* BRDTAB_WHOLE: N of ramN */
	uint64_t size;		/* bytes, > 0, multiple of 4 KiB */
	char *fstype;		/* NULL: no filesystem (raw ramdisk) */
	char *mkfs_opts;	/* as written after "TYPE:", NULL if none */
	char **mkfs_argv;	/* mkfs_opts split on blanks, NULL-terminated */
	char *target;		/* mount point (normalised), NULL: not mounted */
	char *options;		/* mount options, NULL: defaults */
	char *owner;		/* user as written, NULL: keep */
	char *group;		/* group as written, NULL: keep */
	bool owner_group;	/* "user:" form: the user's login group */
	uid_t uid;		/* resolved by brdtab_check_system, else -1 */
	gid_t gid;		/* resolved by brdtab_check_system, else -1 */
	mode_t mode;
	bool has_mode;
	/* x-brdctl.* among the mount options (taken out of @options) */
	char *persist;		/* persist=: the image (absolute), NULL: none */
	char *persist_every;	/* persist-every=: a time span as written */
	uint64_t persist_every_s;	/* ... in seconds */
	/* sizes relative to RAM and conditions (brdtab_machine below) */
	bool size_relative;	/* SIZE was a share of MemTotal (25%, min(...)) */
	uint64_t min_memory;	/* x-brdctl.min-memory=: bytes, 0: none */
	uint64_t max_memory;	/* x-brdctl.max-memory=: bytes, 0: none */
};

/* A line left out on this machine by a condition (min-memory=, max-memory=,
 * brdctl.brdtab=0 or brdctl.skip= on the kernel command line): not an
 * error, no entry, no units. */
struct brdtab_skipped {
	unsigned int line;
	char *spec;		/* NAME as written */
	char *why;		/* "MemTotal 1.9G is below x-brdctl.min-memory=4G" */
};

/* One file of a brdtab read with its drop-ins (brdtab_parse_set()): its
 * lines are lines first .. first + nlines - 1 of the whole. */
struct brdtab_source {
	char *file;
	unsigned int first, nlines;
};

struct brdtab_error {
	unsigned int line;	/* 0: about the whole file */
	char *msg;
	int err;		/* what kind of problem, as an errno value:
				 * EINVAL the file itself (fix the file);
				 * EBUSY, EEXIST it conflicts with what exists;
				 * EOPNOTSUPP this kernel cannot do it;
				 * ENOSPC, ENOMEM more than the pool or the RAM
				 * holds; EBADMSG, ENOENT an image of
				 * x-brdctl.persist= (see brdplan.h);
				 * EPERM a mount point or an image someone
				 * other than root can change (trust.h) */
};

struct brdtab {
	char *file;			/* name used in messages */
	struct brdtab_entry *ent;
	size_t n;
	struct brdtab_error *err;
	size_t nerr;
	bool pooled;			/* some entry is BRDTAB_POOLED */
	size_t cap, errcap;		/* allocated ent[], err[] */
	/* lines with errors, not in ent[]: the fields of them that parsed
	 * (the others NULL), for brdtab_check_system() only, so that one run
	 * reports every error */
	struct brdtab_entry *rej;
	size_t nrej, rejcap;
	struct brdtab_skipped *skip;	/* lines left out by a condition */
	size_t nskip;
	struct brdtab_source *src;	/* the files, when more than @file */
	size_t nsrc;
	uint64_t mem_total;		/* MemTotal used (bytes), 0: not read */
};

/*
 * The machine a brdtab is read for: MemTotal for sizes like 25% and for
 * x-brdctl.min-memory= / max-memory=, and the kernel command line's
 * brdctl.brdtab=0 (every line off) and brdctl.skip=NAME[,NAME] (lines off).
 * brdtab_parse_buffer() and brdtab_parse_fd() read MemTotal from
 * /proc/meminfo below the root (sysfs.h) when a line needs it and ignore
 * the kernel command line; the _machine variants take @m (NULL: the same).
 */
struct brdtab_machine {
	uint64_t mem_total;	/* bytes; 0: read /proc/meminfo */
	bool cmdline;		/* honour brdctl.brdtab= and brdctl.skip= */
	const char *cmdline_text;	/* NULL: $SYSTEMD_PROC_CMDLINE, else
					 * /proc/cmdline below the root */
};
int brdtab_parse_machine(const struct brdtab_machine *m, const char *file,
			 const char *text, size_t len, struct brdtab **tab);
int brdtab_parse_fd_machine(const struct brdtab_machine *m, int fd,
			    const char *name, struct brdtab **tab);

/*
 * The system's brdtab: /etc/brdtab, then the drop-ins brdtab.d/NAME.brdtab
 * of /etc, /run and /usr/lib (below the root, sysfs.h) in the order of
 * NAME, parsed as one file.  A NAME in /etc/brdtab.d masks it in /run and
 * /usr/lib, one in /run masks it in /usr/lib; an empty file or a symbolic
 * link to /dev/null masks without adding lines.  Every file and directory
 * is opened with brd_trust_open() (StrictModes).  Messages name each line
 * as FILE:LINE of its own file (brdtab_where()).  -ENOENT when none of
 * them exists; on another error, @failed (@flen bytes) names the file or
 * directory (as systemd sees it) and @t says why (nothing allocated).
 */
struct brd_trust;
int brdtab_parse_set(const struct brdtab_machine *m, struct brd_trust *t,
		     char *failed, size_t flen, struct brdtab **tab);
#define BRDTAB_DROPIN_DIRS	"/etc/brdtab.d, /run/brdtab.d, /usr/lib/brdtab.d"

/* "FILE:LINE" of line @line of @tab (its own file, or one of its drop-ins)
 * into @buf. */
const char *brdtab_where(const struct brdtab *tab, unsigned int line,
			 char *buf, size_t len);
/* The file of line @line and its line number in that file. */
const char *brdtab_line_file(const struct brdtab *tab, unsigned int line,
			     unsigned int *local);

/*
 * Parse @text (@len bytes, NUL bytes are an error) named @file in
 * messages.  Returns 0 with *tab set (check (*tab)->nerr: configuration
 * errors are in (*tab)->err, sorted by line), or -ENOMEM.
 */
int brdtab_parse_buffer(const char *file, const char *text, size_t len,
			struct brdtab **tab);
/* Read and parse the regular file open on @fd, named @name in messages.
 * -errno if it cannot be read (nothing allocated). */
int brdtab_parse_fd(int fd, const char *name, struct brdtab **tab);
/* Open @path with brd_trust_open() (StrictModes, trust.h: -EPERM with @t
 * filled when someone other than root can change it; @t may be NULL) and
 * parse that descriptor.  -errno if it cannot be read (nothing allocated). */
struct brd_trust;
int brdtab_parse_file(const char *path, struct brd_trust *t, struct brdtab **tab);

/*
 * Check @tab against the running system, changing nothing: the filesystem
 * of each line has a mkfs.TYPE in PATH and the kernel knows it or can load
 * it (/proc/filesystems, a fs-TYPE module alias); the mount point is a
 * directory or missing below a directory (apply creates it), on a path
 * only root can change (trust.h: else EPERM); owner and group resolve
 * (fills uid/gid).  Problems are added to tab->err.  The lines with
 * errors (tab->rej) are checked too, for what of them parsed.
 * Returns 0 or -ENOMEM.
 */
int brdtab_check_system(struct brdtab *tab);

void brdtab_free(struct brdtab *tab);
/* Free what @e holds and zero it (for callers that drop entries). */
void brdtab_entry_clear(struct brdtab_entry *e);

/* Add a problem of kind @err (an errno value, see struct brdtab_error) on
 * @line (0: the whole file).  0 or -ENOMEM.  Keep them sorted with
 * brdtab_sort_errors() once done (stable: order within a line is kept). */
int brdtab_add_error(struct brdtab *tab, unsigned int line, int err,
		     const char *fmt, ...) __attribute__((format(printf, 4, 5)));
int brdtab_sort_errors(struct brdtab *tab);

/*
 * The one name rule: what a ramdisk or a line may be named, in a brdtab,
 * on the command line (--only, save, restore, create, stat, ...) and under
 * /run/brdctl.  A name has no '/' and is one of
 *   BRDTAB_NAME_WHOLE   ramN, a whole brd disk (N without leading zeros,
 *                       at most 2^20)
 *   BRDTAB_NAME_POOLED  a pooled ramdisk: 1-36 characters of A-Z a-z 0-9
 *                       . _ -, not starting with '-', not "." or "..",
 *                       not "auto", not "ram" and a digit
 *   BRDTAB_NAME_PART    ramNpM, the kernel's name of a pooled ramdisk's
 *                       partition (not a brdtab NAME)
 * and anything else is BRDTAB_NAME_INVALID (0): nothing that fails it
 * reaches the filesystem.  BRDTAB_NAME_RULE says it in a message.
 */
enum brdtab_name_kind {
	BRDTAB_NAME_INVALID = 0,
	BRDTAB_NAME_WHOLE,
	BRDTAB_NAME_POOLED,
	BRDTAB_NAME_PART,
};
#define BRDTAB_NAME_RULE	"ramN, or a pooled ramdisk name of 1-36 characters " \
				"A-Z a-z 0-9 . _ - (not starting with '-', not auto, " \
				"not ram and a digit)"
enum brdtab_name_kind brdtab_name_kind(const char *name);

/*
 * The path rule (brdtab(5) PATHS IN UNITS).  A mount point and the image of
 * x-brdctl.persist= go into systemd units (Where=, RequiresMountsFor=, the
 * mount unit's name, descriptions), and systemd must read back the path
 * the line named.  So such a path (normalised: absolute, no . or ..
 * components, no empty ones) is
 *   - valid UTF-8 as systemd sees it: shortest forms only, no surrogates,
 *     nothing above U+10FFFF, no noncharacter (U+FDD0-U+FDEF, U+xFFFE,
 *     U+xFFFF): else systemd ignores Where= and the unit fails to load;
 *   - free of control characters (bytes 0x01-0x1f and 0x7f, U+0080-U+009F);
 *   - free of " ' and \ (RequiresMountsFor= unquotes and splits words, a
 *     backslash at a line's end continues it);
 *   - not ending in a blank (systemd strips it from Where=, which then no
 *     longer matches the mount unit's name);
 *   - short enough that its mount unit name, systemd-escape --path PATH
 *     plus ".mount" (brd_unit_name_from_path()), is at most
 *     BRDTAB_UNIT_NAME_MAX bytes (systemd's limit for any unit name).
 * Blanks elsewhere, '%' (doubled in units), '-', ':' and any other UTF-8
 * are fine.  The parser refuses a line that breaks it, for brdctl apply,
 * apply --check and the generator alike, naming the line.
 * Returns NULL if @path follows the rule, else the reason ("has a double
 * quote"), in @buf (@len bytes, 128 are enough).
 */
#define BRDTAB_UNIT_NAME_MAX	255
const char *brdtab_unit_path_problem(const char *path, char *buf, size_t len);
/* The same rule for other text a unit file holds as it is (mount options
 * for Options=): UTF-8, no control characters, no backslash, no blank at
 * the end; quotes are allowed (mount(8) options may quote a value). */
const char *brdtab_unit_text_problem(const char *text, char *buf, size_t len);

/* Pool name for an "auto" line from its mount point: "/srv/cache" ->
 * "srv-cache" (other characters become '_').  NULL if it would be empty,
 * too long, or on ENOMEM. */
char *brdtab_name_from_target(const char *target);

/* Format a size the way brdtab messages show it ("2G", "1536M", "4K",
 * else bytes) into @buf. */
const char *brdtab_size_str(uint64_t bytes, char *buf, size_t len);

#endif
