// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * brdctl apply [--check] [--force] [--only NAME] [FILE]
 * brdctl unapply [--only NAME] [FILE]
 *
 * Make the system match a brdtab(5) (default /etc/brdtab): create the
 * ramdisks (rd_create, idempotent), run mkfs.TYPE on a ramdisk without any
 * signature (libblkid), mount through libmount, set owner and mode of the
 * mounted root.  Everything in the file is checked before anything is
 * changed; a second run changes nothing.  unapply unmounts what the file
 * mounts (refusing busy mounts) and frees its ramdisks.
 *
 * --only NAME restricts both to the line of ramdisk NAME: that is what
 * brdctl-setup@NAME.service runs (brdctl-generator).  apply --only records
 * the line and a link to its device under /run/brdctl (lib/ramdisk/applied.h);
 * unapply --only undoes what was recorded, even if the line has changed or
 * is gone since, and unloads brd only when no other line is applied.
 *
 * A brdtab that someone other than root can change is refused
 * (lib/ramdisk/trust.h), as sshd's StrictModes does.
 *
 * Messages go to stderr, one line each, no colours: the journal keeps them
 * readable when the command runs from a unit.
 */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <libmount.h>

#include "ramdisk.h"
#include "../lib/ramdisk/applied.h"
#include "../lib/ramdisk/brdplan.h"
#include "../lib/ramdisk/brdtab.h"
#include "../lib/ramdisk/brdunit.h"
#include "../lib/ramdisk/persist.h"
#include "../lib/ramdisk/trust.h"
#include "../lib/ramdisk/pool.h"
#include "../lib/base/sysfs.h"

static int opt_check, opt_force;
static const char *opt_only;

/* --only: the units of a brdtab start together and wait for each other's
 * mkfs of pooled ramdisks (below), which takes long under emulation */
#define ONLY_LOCK_TIMEOUT_MS	(4 * 60 * 1000)

static const struct poptOption apply_options[] = {
	{ "check", '\0', POPT_ARG_NONE, &opt_check, 0,
	  "only validate FILE (errors as FILE:LINE), change nothing", NULL },
	{ "force", '\0', POPT_ARG_NONE, &opt_force, 0,
	  "allow a total size beyond MemAvailable", NULL },
	{ "only", '\0', POPT_ARG_STRING, &opt_only, 0,
	  "only the line of ramdisk NAME (what brdctl-setup@NAME.service runs)", "NAME" },
	POPT_TABLEEND
};

static const struct poptOption unapply_options[] = {
	{ "only", '\0', POPT_ARG_STRING, &opt_only, 0,
	  "only undo what 'apply --only NAME' did", "NAME" },
	POPT_TABLEEND
};

/* "FILE:LINE", the object of every message about a line */
struct where {
	char s[4200];
};

static const char *where(struct where *w, const struct brdtab *tab,
			 const struct brdtab_entry *e)
{
	return brdtab_where(tab, e->line, w->s, sizeof(w->s));
}

/* An action: printed on stdout with --dry-run, on stderr with --verbose. */
static void act(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void act(const char *fmt, ...)
{
	va_list ap;

	if (!G.dry_run && !G.verbose)
		return;
	va_start(ap, fmt);
	if (G.dry_run) {
		vprintf(fmt, ap);
		putchar('\n');
	} else {
		fprintf(stderr, "%s: ", G.prog);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	}
	va_end(ap);
}

/*
 * The exit status of a refused brdtab: 2 when the file itself is wrong,
 * else 6 when an image is one someone other than root can change, else 4
 * when it conflicts with what exists, else 5 when this kernel cannot do
 * it, else 7 when an image is damaged, else 3 when an image's directory is
 * missing, else 1 (more than the pool, brd or the RAM holds).
 */
static int refused_status(const struct brdtab *tab)
{
	bool busy = false, notsup = false, corrupt = false, missing = false;
	bool perm = false;

	for (size_t i = 0; i < tab->nerr; i++)
		switch (tab->err[i].err) {
		case EINVAL:
			return EXIT_USAGE;
		case EPERM:
			perm = true;
			break;
		case EBUSY:
		case EEXIST:
			busy = true;
			break;
		case EOPNOTSUPP:
			notsup = true;
			break;
		case EBADMSG:		/* a damaged image (x-brdctl.persist=) */
			corrupt = true;
			break;
		case ENOENT:
		case ENOTDIR:
			missing = true;
			break;
		}
	return perm ? EXIT_PERM : busy ? EXIT_BUSY : notsup ? EXIT_NOTSUP :
	       corrupt ? EXIT_CORRUPT : missing ? EXIT_NOTFOUND : EXIT_FAIL;
}

/* Does @tpath (trust.h's name of what failed) name the file @path itself
 * (a relative @path is named from "/")? */
static bool names_file(const char *tpath, const char *path)
{
	const char *b = strrchr(path, '/');
	size_t lt = strlen(tpath), lb;

	b = b ? b + 1 : path;
	lb = strlen(b);
	return lt >= lb && !strcmp(tpath + lt - lb, b) &&
	       (lt == lb || tpath[lt - lb - 1] == '/');
}

/* No FILE argument: the system's brdtab, /etc/brdtab and its drop-ins
 * (brdtab_parse_set()). */
static bool use_set;

/* Parse the brdtab @path under StrictModes: root acts on the file, so only
 * root may be able to change it (the file and every directory on its
 * path); what is parsed is the descriptor that was checked
 * (lib/ramdisk/trust.h).  @again (may be NULL): the same descriptor parsed
 * once more.  @quiet: say only a refusal of trust.  An exit status. */
static int read_tab(const char *path, struct brdtab **tab, struct brdtab **again,
		    bool quiet)
{
	/* MemTotal and the kernel command line of this boot (brdtab(5)) */
	static const struct brdtab_machine machine = { .cmdline = true };
	struct brd_trust t;
	char failed[4096];
	int fd, rc;

	*tab = NULL;
	memset(&t, 0, sizeof(t));
	if (use_set) {
		/* no FILE: /etc/brdtab and its drop-ins (below BRDCTL_SYSROOT) */
		rc = brdtab_parse_set(&machine, &t, failed, sizeof(failed), tab);
		if (!rc && again &&
		    (rc = brdtab_parse_set(&machine, &t, failed, sizeof(failed), again))) {
			brdtab_free(*tab);
			*tab = NULL;
		}
		if (rc && failed[0])
			path = failed;	/* the file or directory that failed */
	} else if ((fd = rc = brd_trust_open(path, O_RDONLY, &t)) >= 0) {
		rc = brdtab_parse_fd_machine(&machine, fd, path, tab);
		/* @again: the same text parsed once more, from the same file */
		if (!rc && again && (lseek(fd, 0, SEEK_SET) < 0 ||
				     (rc = brdtab_parse_fd_machine(&machine, fd, path, again)))) {
			rc = rc ? rc : -errno;
			brdtab_free(*tab);
			*tab = NULL;
		}
		close(fd);
		t.why[0] = '\0';
	}
	if (!rc)
		return EXIT_OK;
	if (rc == -EPERM && t.fix[0]) {
		fprintf(stderr, "%s: %s: refusing to use it: %s%s is %s; brdctl runs it as "
			"root, so only root may be able to change it: %s\n", G.prog, path,
			t.is_dir ? "directory " : "", t.path, t.why, t.fix);
		return EXIT_PERM;
	}
	if (quiet)
		return exit_code_from_errno(rc);
	if (t.why[0] && (!names_file(t.path, path) || rc == -EINVAL)) {
		fprintf(stderr, "%s: %s: cannot read the brdtab: %s: %s\n", G.prog, path,
			t.path, t.why);
		return rc == -EINVAL ? EXIT_USAGE : exit_code_from_errno(rc);
	}
	return cmd_err(rc, path, "cannot read the brdtab");
}

/* Say each line a condition leaves out on this machine (brdtab(5)
 * CONDITIONS); with @only, that line's only.  Whether @only is one. */
static bool report_skipped(const struct brdtab *tab, const char *only)
{
	bool found = false;

	for (size_t i = 0; i < tab->nskip; i++) {
		const struct brdtab_skipped *k = &tab->skip[i];
		char w[4200];

		if (only && strcmp(k->spec, only))
			continue;
		found = true;
		fprintf(stderr, "%s: %s: %s: skipped: %s\n", G.prog,
			brdtab_where(tab, k->line, w, sizeof(w)), k->spec, k->why);
	}
	return found;
}

/* --verbose: the size a share of RAM came to on this machine. */
static void report_relative(const struct brdtab *tab)
{
	for (size_t i = 0; i < tab->n; i++) {
		const struct brdtab_entry *e = &tab->ent[i];
		char sz[32];
		struct where w;

		if (e->size_relative)
			cmd_verbose("%s: %s: size %s (%" PRIu64 " bytes) on this machine "
				    "(MemTotal %" PRIu64 "K)", where(&w, tab, e), e->spec,
				    brdtab_size_str(e->size, sz, sizeof(sz)), e->size,
				    tab->mem_total / 1024);
	}
}

/* Every error of @tab, one line each: "brdctl: FILE:LINE: message". */
static void print_errors(const struct brdtab *tab)
{
	char w[4200];

	for (size_t i = 0; i < tab->nerr; i++)
		fprintf(stderr, "%s: %s: %s\n", G.prog,
			brdtab_where(tab, tab->err[i].line, w, sizeof(w)), tab->err[i].msg);
}

/* Read @path (system: with the checks against the running system); with
 * @only, keep only the line of that ramdisk and its errors. */
static int load_tab(const char *path, bool system, const char *only,
		    struct brdtab **tab)
{
	int rc = read_tab(path, tab, NULL, false);

	if (rc)
		return rc;
	/* apply: the lines this machine or boot leaves out, not errors; apply
	 * --only of such a line has nothing to do */
	if (system && report_skipped(*tab, only) && only) {
		brdtab_free(*tab);
		*tab = NULL;
		return EXIT_OK;
	}
	/* --only: the system checks of that line only (they cost time at boot,
	 * once per line and unit) */
	if (only && brdtab_select(*tab, only) == -ENOENT) {
		/* a line with errors has no name: show them, they may be it */
		print_errors(*tab);
		fprintf(stderr, "%s: %s: no valid line for ramdisk %s\n", G.prog,
			(*tab)->file, only);
		brdtab_free(*tab);
		*tab = NULL;
		return EXIT_NOTFOUND;
	}
	/* then the plan: every limit, against what exists (lib/ramdisk/brdplan.c);
	 * with --only, what this one line adds to it */
	if (system && (rc = brdtab_check_system(*tab)) == 0 && !(*tab)->nerr)
		rc = brdplan_run(*tab, opt_force);
	if (rc) {
		brdtab_free(*tab);
		*tab = NULL;
		return cmd_err(rc, path, "cannot check the brdtab");
	}
	if ((*tab)->nerr) {
		print_errors(*tab);
		fprintf(stderr, "%s: %s: %zu error%s, nothing changed\n", G.prog,
			(*tab)->file, (*tab)->nerr, (*tab)->nerr == 1 ? "" : "s");
		rc = refused_status(*tab);
		brdtab_free(*tab);
		*tab = NULL;
		return rc;
	}
	return EXIT_OK;
}

/* The current device of an entry, if it exists: 0, -ENOENT, -errno. */
static int entry_disk(const struct brdtab_entry *e, struct brd_disk *d)
{
	struct brd_module m;

	if (e->kind == BRDTAB_POOLED)
		return brd_find_part(e->name, d);
	if (brd_module_get(&m) == 0 && m.state == BRD_MODULE_ABSENT)
		return -ENOENT;
	return brd_get(e->num, d);
}

/* ------------------------------------------------------------- mount --- */


/* The mount point of @e walked under StrictModes (trust.h) and, with
 * @create, made; nobody but root can then redirect the path before the
 * mount.  An exit status (-ENOENT without @create: EXIT_NOTFOUND, quiet). */
static int trusted_target(const struct brdtab *tab, const struct brdtab_entry *e,
			  bool create)
{
	struct brd_trust t;
	struct where w;
	int fd = brd_trust_mountpoint(e->target, create, &t, NULL);

	if (fd >= 0) {
		close(fd);
		return EXIT_OK;
	}
	if (fd == -ENOENT && !create)
		return EXIT_NOTFOUND;
	if (fd == -EPERM && t.fix[0]) {
		fprintf(stderr, "%s: %s: mount point %s: refusing it: %s%s is %s; whoever "
			"can change it could redirect the mount (a symbolic link in its "
			"place): %s\n", G.prog, where(&w, tab, e), e->target,
			t.is_dir ? "directory " : "", t.path, t.why, t.fix);
		return EXIT_PERM;
	}
	return cmd_err(fd, where(&w, tab, e), "cannot create %s: %s", e->target, t.path);
}

static int do_mount(const struct brdtab *tab, const struct brdtab_entry *e,
		    const char *dev)
{
	struct libmnt_context *cxt = mnt_new_context();
	struct where w;
	char buf[512] = "";
	int rc, err, ret = EXIT_OK;

	if (!cxt)
		return cmd_err(ENOMEM, where(&w, tab, e), "mount");
	mnt_context_set_optsmode(cxt, MNT_OMODE_NOTAB);
	mnt_context_set_source(cxt, dev);
	mnt_context_set_target(cxt, e->target);
	mnt_context_set_fstype(cxt, e->fstype);
	if (e->options)
		mnt_context_set_options(cxt, e->options);
	rc = mnt_context_mount(cxt);
	if (rc || mnt_context_get_status(cxt) != 1) {
		err = mnt_context_syscall_called(cxt) ? mnt_context_get_syscall_errno(cxt) : 0;
		mnt_context_get_excode(cxt, rc, buf, sizeof(buf));
		fprintf(stderr, "%s: %s: cannot mount %s on %s: %s\n", G.prog,
			where(&w, tab, e), dev, e->target,
			*buf ? buf : err ? strerror(err) : "failed");
		ret = err ? exit_code_from_errno(err) : EXIT_FAIL;
	}
	mnt_free_context(cxt);
	return ret;
}

/*
 * mkfs.TYPE [OPTS...] DEV.  Its output (banners, progress) is collected and
 * shown only when it fails or with --verbose, each line prefixed like ours.
 */
static int run_mkfs(const struct brdtab *tab, const struct brdtab_entry *e,
		    const char *dev)
{
	size_t nopt = 0;
	char **argv, prog[64], *out;
	struct where w;
	int status, fd = -1;
	pid_t pid;

	while (e->mkfs_argv && e->mkfs_argv[nopt])
		nopt++;
	argv = calloc(nopt + 3, sizeof(*argv));
	if (!argv)
		return cmd_err(ENOMEM, where(&w, tab, e), "mkfs");
	snprintf(prog, sizeof(prog), "mkfs.%s", e->fstype);
	argv[0] = prog;
	for (size_t i = 0; i < nopt; i++)
		argv[i + 1] = e->mkfs_argv[i];
	argv[nopt + 1] = (char *)dev;
	where(&w, tab, e);
	pid = cmd_spawn_piped(argv, &fd);
	free(argv);
	if (pid < 0)
		return cmd_err(pid, w.s, "cannot run %s", prog);
	out = cmd_read_all(fd);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			int ret = cmd_err(errno, w.s, "waiting for %s", prog);

			free(out);
			return ret;
		}
	if (out && (G.verbose || !WIFEXITED(status) || WEXITSTATUS(status)))
		cmd_relay_output(w.s, prog, out);
	free(out);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return EXIT_OK;
	if (WIFEXITED(status))
		fprintf(stderr, "%s: %s: %s %s failed (exit status %d)\n", G.prog,
			w.s, prog, dev, WEXITSTATUS(status));
	else
		fprintf(stderr, "%s: %s: %s %s killed by signal %d\n", G.prog,
			w.s, prog, dev, WTERMSIG(status));
	return EXIT_FAIL;
}

static int ensure_fs(const struct brdtab *tab, const struct brdtab_entry *e,
		     const char *dev, bool exists)
{
	struct brd_blkinfo bi = { 0 };
	struct where w;
	char opts[1024] = "";
	int rc, ret = EXIT_OK;

	if (exists) {
		rc = brd_blkinfo_probe(dev, &bi);
		if (rc)
			return cmd_err(rc, where(&w, tab, e), "cannot probe %s", dev);
		if (bi.fstype && strcmp(bi.fstype, e->fstype) == 0) {
			cmd_verbose("%s: %s already has a %s filesystem", where(&w, tab, e),
				    dev, e->fstype);
			goto out;
		}
		if (bi.fstype || bi.pttype) {
			ret = cmd_fail(EBUSY, where(&w, tab, e), "%s has a %s %s, not %s; "
				      "not reformatting it (wipefs -a %s, then apply again)",
				      dev, bi.fstype ? bi.fstype : bi.pttype,
				      bi.fstype ? "signature" : "partition table",
				      e->fstype, dev);
			goto out;
		}
	}
	if (e->mkfs_opts)
		snprintf(opts, sizeof(opts), "%s ", e->mkfs_opts);
	act("mkfs.%s %s%s", e->fstype, opts, dev);
	if (!G.dry_run)
		ret = run_mkfs(tab, e, dev);
out:
	brd_blkinfo_free(&bi);
	return ret;
}

/* Owner and mode of the mounted root; @fresh: not mounted yet (dry run). */
static int ensure_owner_mode(const struct brdtab *tab, const struct brdtab_entry *e,
			     bool fresh)
{
	struct stat st = { .st_uid = 0, .st_gid = 0, .st_mode = 0755 };
	struct where w;
	int fd = -1, ret = EXIT_OK;
	bool chown_needed, chmod_needed;

	if (!fresh) {
		fd = open(e->target, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &st) < 0) {
			ret = cmd_err(errno, where(&w, tab, e), "%s", e->target);
			goto out;
		}
	}
	chown_needed = (e->uid != (uid_t)-1 && st.st_uid != e->uid) ||
		       (e->gid != (gid_t)-1 && st.st_gid != e->gid);
	chmod_needed = e->has_mode && (st.st_mode & 07777) != e->mode;
	if (chown_needed) {
		char u[32] = "", g[32] = "";

		if (e->uid != (uid_t)-1)
			snprintf(u, sizeof(u), "%u", (unsigned)e->uid);
		if (e->gid != (gid_t)-1)
			snprintf(g, sizeof(g), ":%u", (unsigned)e->gid);
		act("chown %s%s %s", u, g, e->target);
		if (!G.dry_run && fchown(fd, e->uid, e->gid) < 0) {
			ret = cmd_err(errno, where(&w, tab, e), "chown %s", e->target);
			goto out;
		}
	}
	if (chmod_needed) {
		act("chmod %04o %s", (unsigned)e->mode, e->target);
		if (!G.dry_run && fchmod(fd, e->mode) < 0)
			ret = cmd_err(errno, where(&w, tab, e), "chmod %s", e->target);
	}
out:
	if (fd >= 0)
		close(fd);
	return ret;
}

static int ensure_mounted(const struct brdtab *tab, const struct brdtab_entry *e,
			  const char *dev, bool exists)
{
	struct libmnt_table *tb = brd_mount_table();
	struct libmnt_fs *fs;
	struct where w;
	struct stat st;
	dev_t devno = 0;
	int rc, ret = EXIT_OK;

	if (!tb)
		return cmd_err(errno ? errno : EIO, "/proc/self/mountinfo",
			       "cannot read the mount table");
	if (exists) {
		if (stat(dev, &st) < 0) {
			ret = cmd_err(errno, where(&w, tab, e), "%s", dev);
			goto out;
		}
		devno = st.st_rdev;
	}
	fs = brd_mounted_on(tb, e->target);
	if (fs && exists && mnt_fs_get_devno(fs) == devno) {
		cmd_verbose("%s: %s already mounted on %s", where(&w, tab, e), dev,
			    e->target);
		ret = ensure_owner_mode(tab, e, false);
		goto out;
	}
	if (fs) {
		ret = cmd_fail(EBUSY, where(&w, tab, e), "%s: %s (%s) is mounted there, "
			      "not %s", e->target,
			      mnt_fs_get_source(fs) ? mnt_fs_get_source(fs) : "?",
			      mnt_fs_get_fstype(fs) ? mnt_fs_get_fstype(fs) : "?", dev);
		goto out;
	}
	if (exists) {
		char *elsewhere;

		brd_mounts_invalidate();
		elsewhere = brd_mountpoints(devno, &rc);
		if (elsewhere) {
			for (char *p = elsewhere; *p; p++)
				if (*p == '\n')
					*p = ',';
			ret = cmd_fail(EBUSY, where(&w, tab, e), "%s is mounted on %s, "
				      "not on %s", dev, elsewhere, e->target);
			free(elsewhere);
			goto out;
		}
	}
	ret = trusted_target(tab, e, false);
	if (ret == EXIT_NOTFOUND) {
		act("mkdir -p %s", e->target);
		ret = G.dry_run ? EXIT_OK : trusted_target(tab, e, true);
	}
	if (ret)
		goto out;
	act("mount -t %s%s%s %s %s", e->fstype, e->options ? " -o " : "",
	    e->options ? e->options : "", dev, e->target);
	if (!G.dry_run && (ret = do_mount(tab, e, dev)))
		goto out;
	brd_mounts_invalidate();
	ret = ensure_owner_mode(tab, e, G.dry_run);
out:
	mnt_unref_table(tb);
	return ret;
}

/* ------------------------------------------------------- persistence --- */

/* Why brd_image_restore() or brd_image_save() failed, for a message. */
static const char *image_reason(int rc, int *status)
{
	*status = exit_code_from_errno(rc);
	switch (-rc) {
	case EBADMSG:
		return "the image is damaged (its checksum or trailer does not match)";
	case EMSGSIZE:
		*status = EXIT_BUSY;
		return "the image holds a ramdisk of another size";
	case ENOTEMPTY:
		*status = EXIT_BUSY;
		return "the ramdisk holds data";
	case EBUSY:
		return "the ramdisk is open and cannot be frozen";
	default:
		return strerror(-rc);
	}
}

/* The image of a line cannot be opened to restore it: nothing is mounted.
 * An exit status. */
static int image_refused(const struct brdtab *tab, const struct brdtab_entry *e,
			 int rc, const struct brd_trust *t)
{
	struct where w;
	char *msg;

	if (rc == -EPERM && t->fix[0] && (msg = brd_image_trust_msg(e->persist, t))) {
		fprintf(stderr, "%s: %s: x-brdctl.persist: %s; not mounted\n", G.prog,
			where(&w, tab, e), msg);
		free(msg);
		return EXIT_PERM;
	}
	if (rc == -EINVAL) {
		fprintf(stderr, "%s: %s: x-brdctl.persist: %s: %s; not mounted\n", G.prog,
			where(&w, tab, e), t->path, t->why);
		return EXIT_USAGE;
	}
	return cmd_err(rc, where(&w, tab, e), "cannot open %s; not mounted", e->persist);
}

/* A pooled ramdisk this apply created for a failed restore goes again (a
 * whole disk that was restored into nothing holds no RAM). */
static void drop_created(const struct brdtab_entry *e)
{
	struct brd_disk d;

	if (e->kind == BRDTAB_POOLED && entry_disk(e, &d) == 0)
		pool_remove(&d);
}

/*
 * x-brdctl.persist=: restore the image into @dev instead of mkfs when the
 * image exists and the ramdisk has no signature.  *saved_ns: > 0 restored
 * (the image's time of save), 0 not (mkfs as usual), -1 the line is up
 * already (its record exists and the ramdisk has a filesystem).  @created:
 * apply made the ramdisk (removed again after a failure; with --only that
 * is left to unapply --only, which the setup unit runs after a failed
 * start).  Exit status; on a failure nothing is mounted and the image is
 * left as it is.
 */
static int restore_entry(const struct brdtab *tab, const struct brdtab_entry *e,
			 const char *dev, bool exists, bool created, int64_t *saved_ns)
{
	struct brd_blkinfo bi = { 0 };
	struct brd_image_info info;
	struct brd_trust t;
	struct brd_disk d;
	struct where w;
	bool blank = true, up, undo_removes;
	int rc, status, ifd;

	*saved_ns = 0;
	if (!e->persist)
		return EXIT_OK;
	up = brd_persist_lookup(e->name, NULL, PATH_MAX, NULL) == 0;
	if (exists && (rc = brd_blkinfo_probe(dev, &bi)))
		return cmd_err(rc, where(&w, tab, e), "cannot probe %s", dev);
	blank = !bi.fstype && !bi.pttype;
	brd_blkinfo_free(&bi);
	if (!blank && up) {
		*saved_ns = -1;
		return EXIT_OK;			/* applied before: keep it */
	}
	/* opened once, under StrictModes (trust.h); that descriptor is read */
	ifd = brd_image_open(e->persist, 0, &t);
	if (ifd == -ENOENT)
		return EXIT_OK;			/* no image yet: mkfs */
	if (ifd < 0) {
		status = image_refused(tab, e, ifd, &t);
		if (created && !opt_only)
			drop_created(e);
		return status;
	}
	if (!blank) {
		close(ifd);
		return cmd_fail(EBUSY, where(&w, tab, e), "%s already holds a filesystem "
			       "that was not restored from %s; not mounting it (save it "
			       "with 'brdctl save', or remove the ramdisk)", dev, e->persist);
	}
	act("restore %s to %s (no mkfs)", e->persist, dev);
	*saved_ns = 1;
	if (G.dry_run) {
		close(ifd);
		return EXIT_OK;
	}
	/* a pooled ramdisk apply created is removed again after a failure
	 * (here, or by the unapply --only of the setup unit's stop), and its
	 * RAM freed where brd can discard: then the image is verified while
	 * it is written (brd_image_restore) */
	undo_removes = created && e->kind == BRDTAB_POOLED &&
		       entry_disk(e, &d) == 0 && d.discard_max;
	rc = brd_image_restore_fd(ifd, e->persist, dev, undo_removes ?
				  BRD_RESTORE_UNDO_REMOVES : 0, &info);
	close(ifd);
	if (rc) {
		const char *why = image_reason(rc, &status);

		fprintf(stderr, "%s: %s: cannot restore %s to %s: %s; not mounted, the "
			"image is left as it is\n", G.prog, where(&w, tab, e), e->persist,
			dev, why);
		/* --only: the unit's ExecStopPost (unapply --only) frees it */
		if (created && !opt_only)
			drop_created(e);
		return status;
	}
	cmd_verbose("%s: restored %s to %s", where(&w, tab, e), e->persist, dev);
	*saved_ns = info.saved_ns ? info.saved_ns : 1;
	return EXIT_OK;
}

/* The line is up: record its image (the mark that unapply saves it). */
static int record_up(const struct brdtab *tab, const struct brdtab_entry *e,
		     int64_t saved_ns)
{
	struct where w;
	int rc, lock;

	if (!e->persist || G.dry_run || saved_ns < 0)
		return EXIT_OK;
	/* under the lock, as every writer of the record (save, remove) */
	if ((lock = brd_lock(opt_only ? ONLY_LOCK_TIMEOUT_MS : RD_LOCK_TIMEOUT_MS)) < 0)
		return rd_lock_error(lock);
	rc = brd_persist_record(e->name, e->persist, saved_ns);
	brd_unlock(lock);
	return rc ? cmd_err(rc, where(&w, tab, e), "cannot record %s in "
			    BRD_RUN_DIR, e->persist) : EXIT_OK;
}

/*
 * unapply: a line that came up (its record) is saved to its image after
 * the unmount, before its ramdisk @d is freed.  Exit status; a failure
 * keeps the ramdisk.
 */
static int save_entry(const struct brdtab *tab, const struct brdtab_entry *e,
		      const struct brd_disk *d)
{
	struct brd_image_info info;
	char image[4096], dev[80];
	struct where w;
	int rc, status;

	if (!e->persist)
		return EXIT_OK;
	rc = brd_persist_lookup(e->name, image, sizeof(image), NULL);
	if (rc == -ENOENT) {
		cmd_verbose("%s: %s not saved: the line did not come up", where(&w, tab, e),
			    e->persist);
		return EXIT_OK;
	}
	if (rc)
		return cmd_err(rc, where(&w, tab, e), "cannot read the record of %s in "
			       BRD_RUN_DIR "; the ramdisk is kept", e->name);
	snprintf(dev, sizeof(dev), "/dev/%s", d->name);
	act("save %s to %s", dev, image);
	if (G.dry_run)
		return EXIT_OK;
	rc = brd_image_save(dev, e->name, image, 0, &info);
	if (rc) {
		const char *why = image_reason(rc, &status);

		fprintf(stderr, "%s: %s: cannot save %s to %s: %s; the ramdisk is kept\n",
			G.prog, where(&w, tab, e), dev, image, why);
		return status;
	}
	cmd_verbose("%s: saved %s to %s", where(&w, tab, e), dev, image);
	brd_persist_record(e->name, image, info.saved_ns);
	return EXIT_OK;
}

/* Forget the records of the lines whose ramdisk was freed. */
static void forget_freed(const struct brdtab *tab, size_t nown, const bool *busy,
			 int ret)
{
	struct brd_disk d;

	for (size_t i = 0; tab && busy && !G.dry_run && i < nown; i++)
		if (tab->ent[i].persist && !busy[i] &&
		    (!ret || entry_disk(&tab->ent[i], &d)))
			brd_persist_forget(tab->ent[i].name);
}

static int apply_entry(const struct brdtab *tab, const struct brdtab_entry *e,
		       const char *path, bool created)
{
	struct brd_disk d;
	char dev[80];
	bool exists;
	int64_t saved_ns;
	int ret;

	/* in a dry run the ramdisk may not exist yet: show what it would be */
	if (path) {
		snprintf(dev, sizeof(dev), "%s", path);
		exists = true;
	} else if (entry_disk(e, &d) == 0) {
		snprintf(dev, sizeof(dev), "/dev/%s", d.name);
		exists = true;
	} else {
		snprintf(dev, sizeof(dev), e->kind == BRDTAB_WHOLE ? "/dev/%s" :
			 "<pooled ramdisk %s>", e->name);
		exists = false;
	}
	if (!e->fstype)
		return EXIT_OK;
	if ((ret = restore_entry(tab, e, dev, exists, created, &saved_ns)))
		return ret;
	if (saved_ns <= 0 && (ret = ensure_fs(tab, e, dev, exists)))
		return ret;
	if (!e->target)
		return EXIT_OK;
	ret = ensure_mounted(tab, e, dev, exists);
	return ret ? ret : record_up(tab, e, saved_ns);
}

/* Append the line numbers of @tab's entries with done[i] == @want to @buf,
 * as "2, 4-7" ("none" if there are none). */
static void line_list(const struct brdtab *tab, const bool *done, bool want,
		      char *buf, size_t len)
{
	size_t o = 0, i = 0;

	buf[0] = '\0';
	while (i < tab->n && o + 32 < len) {
		size_t j = i;

		if (done[i] != want) {
			i++;
			continue;
		}
		if (tab->nsrc > 1) {	/* drop-ins: FILE:LINE each */
			char w[4200];

			o += (size_t)snprintf(buf + o, len - o, "%s%s", o ? ", " : "",
					      brdtab_where(tab, tab->ent[i].line, w, sizeof(w)));
			if (o >= len)
				o = len - 1;
			i++;
			continue;
		}
		while (j + 1 < tab->n && done[j + 1] == want)
			j++;
		o += (size_t)snprintf(buf + o, len - o, "%s%u", o ? ", " : "",
				      tab->ent[i].line);
		if (j > i)
			o += (size_t)snprintf(buf + o, len - o, "-%u", tab->ent[j].line);
		i = j + 1;
	}
	if (i < tab->n)
		snprintf(buf + o, len - o, ", ...");
	else if (!o)
		snprintf(buf, len, "none");
}

/* After a failure: which lines are applied and which are not, one line. */
static void report_done(const struct brdtab *tab, const bool *done)
{
	char yes[1024], no[1024];
	size_t n = 0;

	for (size_t i = 0; i < tab->n; i++)
		n += done[i];
	line_list(tab, done, true, yes, sizeof(yes));
	line_list(tab, done, false, no, sizeof(no));
	fprintf(stderr, "%s: %s: %zu of %zu lines applied (lines %s); not applied: "
		"lines %s\n", G.prog, tab->file, n, tab->n, yes, no);
}

/* --only: record the line before anything is created, so that unapply
 * --only frees whatever a failure leaves behind. */
static int record_only(const struct brdtab *tab)
{
	char *line = brdtab_entry_line(&tab->ent[0]);
	int rc = line ? brd_applied_save(tab->ent[0].name, line) : -ENOMEM;

	free(line);
	if (rc)
		return cmd_err(rc, BRD_RUN_DIR, "cannot record %s", tab->ent[0].name);
	return EXIT_OK;
}

/* --verbose: which ramdisk each line uses, and whether it was made now. */
static void report_created(const struct brdtab *tab, char *const *paths,
			   const bool *existed)
{
	for (size_t i = 0; i < tab->n; i++) {
		char sz[32];
		struct where w;

		if (!G.dry_run && paths[i])
			cmd_verbose("%s: %s %s (%s, %s)", where(&w, tab, &tab->ent[i]),
				    existed[i] ? "using" : "created", paths[i],
				    tab->ent[i].kind == BRDTAB_POOLED ? "pooled" : "whole disk",
				    brdtab_size_str(tab->ent[i].size, sz, sizeof(sz)));
	}
}

/* mkfs, mount, owner and mode of each line whose ramdisk is there; goes on
 * after a failure.  done[i]: line i is applied.  Returns @ret, or the
 * first failure's status if @ret is 0. */
static int apply_entries(const struct brdtab *tab, char *const *paths,
			 const bool *existed, bool *done, unsigned int timeout_ms, int ret)
{
	for (size_t i = 0; i < tab->n; i++) {
		/* pooled: while a partition is opened exclusively (mkfs, mount),
		 * another unit's change of the pool's partition table makes the
		 * kernel claim the whole disk, and the open fails with EBUSY:
		 * the lock keeps pool changes out until this line is done */
		bool hold = opt_only && tab->ent[i].kind == BRDTAB_POOLED && !G.dry_run;
		int l, rc;

		if (!G.dry_run && !paths[i]) {
			done[i] = false;
			continue;
		}
		l = hold ? brd_lock(timeout_ms) : -1;
		if (hold && l < 0) {
			rc = rd_lock_error(l);
		} else {
			rc = apply_entry(tab, &tab->ent[i], paths[i], !existed[i]);
			brd_unlock(l);
		}
		done[i] = rc == EXIT_OK;
		if (rc && !ret)
			ret = rc;
	}
	return ret;
}

/* --only NAME: a line's name (the one name rule), checked before it is
 * looked up anywhere.  An exit status. */
static int check_only(void)
{
	enum brdtab_name_kind k = brdtab_name_kind(opt_only);

	if (!opt_only || k == BRDTAB_NAME_WHOLE || k == BRDTAB_NAME_POOLED)
		return EXIT_OK;
	return cmd_usage_error("--only: invalid name '%s': a line's name is "
			       BRDTAB_NAME_RULE, opt_only);
}

static int do_apply(const struct brd_cmd *cmd, int argc, const char **argv)
{
	struct rd_create_opts o = { .force = opt_force, .timeout_ms = RD_LOCK_TIMEOUT_MS };
	const char *path = argc ? argv[0] : BRDTAB_DEFAULT_PATH;
	struct rd_request *req = NULL;
	struct brdtab *tab = NULL;
	char **paths = NULL;
	bool *existed = NULL, *done = NULL;
	int rc, ret;

	(void)cmd;
	use_set = !argc;
	if (argc > 1)
		return cmd_usage_error("too many arguments: one brdtab FILE at most");
	if (opt_check && G.dry_run)
		return cmd_usage_error("--check and --dry-run are mutually exclusive");
	if ((ret = check_only()))
		return ret;
	if ((ret = load_tab(path, true, opt_only, &tab)) || !tab)
		return ret;	/* !tab: --only of a line skipped on this machine */
	if (opt_only)
		o.timeout_ms = ONLY_LOCK_TIMEOUT_MS;
	report_relative(tab);
	if (opt_check) {
		cmd_verbose("%s: %zu ramdisk%s, no errors", tab->file, tab->n,
			    tab->n == 1 ? "" : "s");
		goto out;
	}
	if (!tab->n) {
		cmd_verbose("%s: no ramdisks", tab->file);
		goto out;
	}
	req = calloc(tab->n, sizeof(*req));
	paths = calloc(tab->n, sizeof(*paths));
	existed = calloc(tab->n, sizeof(*existed));
	done = calloc(tab->n, sizeof(*done));
	if (!req || !paths || !existed || !done) {
		ret = cmd_err(ENOMEM, NULL, "apply");
		goto out;
	}
	for (size_t i = 0; i < tab->n; i++) {
		struct brd_disk d;

		req[i].name = tab->ent[i].name;
		req[i].size = tab->ent[i].size;
		existed[i] = entry_disk(&tab->ent[i], &d) == 0;
	}
	if (opt_only && !G.dry_run && (ret = record_only(tab)))
		goto out;
	/* a failure here is one only the kernel could reveal (the plan was
	 * checked): the lines whose ramdisk was made go on, the report says
	 * which lines are done */
	ret = rd_create(req, tab->n, &o, paths);
	if (ret && G.dry_run)
		goto out;
	if (opt_only && !G.dry_run && paths[0] &&
	    (rc = brd_applied_link(tab->ent[0].name, paths[0]))) {
		ret = cmd_err(rc, BRD_RUN_DIR, "cannot link %s to %s",
			      tab->ent[0].name, paths[0]);
		goto out;
	}
	report_created(tab, paths, existed);
	/* a disk left to brd by an earlier unapply --only is a line's again */
	for (size_t i = 0; !G.dry_run && i < tab->n; i++)
		if (tab->ent[i].kind == BRDTAB_WHOLE && paths[i] &&
		    !strncmp(paths[i], "/dev/", 5))
			brd_left_forget(paths[i] + 5);
	ret = apply_entries(tab, paths, existed, done, o.timeout_ms, ret);
	if (ret)
		report_done(tab, done);
out:
	for (size_t i = 0; paths && i < tab->n; i++)
		free(paths[i]);
	free(paths);
	free(req);
	free(existed);
	free(done);
	brdtab_free(tab);
	return ret;
}

/* ----------------------------------------------------------- unapply --- */

static int do_umount(const struct brdtab *tab, const struct brdtab_entry *e)
{
	struct libmnt_context *cxt;
	struct where w;
	char buf[512] = "";
	int rc, err, ret = EXIT_OK;

	act("umount %s", e->target);
	if (G.dry_run)
		return EXIT_OK;
	cxt = mnt_new_context();
	if (!cxt)
		return cmd_err(ENOMEM, where(&w, tab, e), "umount");
	mnt_context_set_target(cxt, e->target);
	rc = mnt_context_umount(cxt);
	if (rc || mnt_context_get_status(cxt) != 1) {
		err = mnt_context_syscall_called(cxt) ? mnt_context_get_syscall_errno(cxt) : 0;
		mnt_context_get_excode(cxt, rc, buf, sizeof(buf));
		if (err == EBUSY)
			fprintf(stderr, "%s: %s: cannot unmount %s: in use (target is busy)\n",
				G.prog, where(&w, tab, e), e->target);
		else
			fprintf(stderr, "%s: %s: cannot unmount %s: %s\n", G.prog,
				where(&w, tab, e), e->target,
				*buf ? buf : err ? strerror(err) : "failed");
		ret = err ? exit_code_from_errno(err) : EXIT_FAIL;
	}
	mnt_free_context(cxt);
	brd_mounts_invalidate();
	return ret;
}

/* Unmount @e's mount point when its own ramdisk is mounted there. */
static int unmount_entry(const struct brdtab *tab, const struct brdtab_entry *e)
{
	struct libmnt_table *tb;
	struct libmnt_fs *fs;
	struct brd_disk d;
	struct where w;
	int ret = EXIT_OK;

	if (!e->target || entry_disk(e, &d))
		return EXIT_OK;
	tb = brd_mount_table();
	if (!tb)
		return cmd_err(errno ? errno : EIO, "/proc/self/mountinfo",
			       "cannot read the mount table");
	fs = brd_mounted_on(tb, e->target);
	if (fs && mnt_fs_get_devno(fs) == d.devno)
		ret = do_umount(tab, e);
	else if (fs)
		cmd_verbose("%s: %s: not unmounted: %s is mounted there, not /dev/%s",
			    where(&w, tab, e), e->target,
			    mnt_fs_get_source(fs) ? mnt_fs_get_source(fs) : "?", d.name);
	else
		cmd_verbose("%s: %s: not mounted", where(&w, tab, e), e->target);
	mnt_unref_table(tb);
	return ret;
}

static bool in_tab_whole(const struct brdtab *tab, unsigned int num)
{
	for (size_t i = 0; i < tab->n; i++)
		if (tab->ent[i].kind == BRDTAB_WHOLE && tab->ent[i].num == num)
			return true;
	return false;
}

static bool in_tab_pooled(const struct brdtab *tab, const char *label)
{
	for (size_t i = 0; i < tab->n; i++)
		if (tab->ent[i].kind == BRDTAB_POOLED && !strcmp(tab->ent[i].name, label))
			return true;
	return false;
}

/* A whole disk that holds nothing (no page allocated, e.g. the disk of a
 * line removed from the file, discarded) and that nothing uses: unloading
 * brd loses nothing of it.  Unknown page counts (no debugfs): false. */
static bool empty_idle(const struct brd_disk *d)
{
	struct rd_info ri = { .d = *d };
	char *why;

	if (brd_read_pages(&ri.d, 1) || ri.d.pages != 0)
		return false;
	rd_info_fill(&ri, RD_ALL);
	why = rd_busy_reason(&ri);
	free(why);
	rd_info_free(&ri);
	return why == NULL;
}

/*
 * What keeps brd loaded once the file's ramdisks are gone: the name of a
 * whole disk not in the file, or of a pool with partitions not in the
 * file; NULL if nothing (brd can be unloaded).  *why_len sized buffer.
 */
static bool other_ramdisk(const struct brdtab *tab, const struct brd_disk *disks,
			  size_t n, char *other, size_t len)
{
	for (size_t i = 0; i < n; i++) {
		if (disks[i].partno)
			continue;	/* partitions: with their pool below */
		if (rd_is_pool_disk(&disks[i])) {
			struct brd_pool pool = { 0 };
			char dev[64];
			bool found = false;

			snprintf(dev, sizeof(dev), "/dev/%s", disks[i].name);
			if (brd_pool_read(dev, &pool)) {
				snprintf(other, len, "%s (pool, unreadable)", disks[i].name);
				return true;
			}
			for (size_t j = 0; !found && j < pool.nparts; j++)
				if (!in_tab_pooled(tab, pool.parts[j].name)) {
					snprintf(other, len, "pooled ramdisk %s", pool.parts[j].name);
					found = true;
				}
			brd_pool_free(&pool);
			if (found)
				return true;
		} else if (!in_tab_whole(tab, disks[i].num) && !empty_idle(&disks[i]) &&
			   brd_left_marked(disks[i].name) != 1) {
			snprintf(other, len, "%s", disks[i].name);
			return true;
		}
	}
	return false;
}

/*
 * Free a whole disk that must stay (others keep brd loaded): discard.
 * Where brd cannot discard and @defer (unapply --only, brd kept by other
 * lines of brdctl's, so the unapply of the last of them unloads it): the
 * disk is left to brd (applied.h, left/), its RAM freed with brd, and the
 * line is undone.
 */
static int discard_whole(const struct brdtab *tab, const struct brdtab_entry *e,
			 const struct brd_disk *d, const char *other, bool defer)
{
	struct brd_freed f;
	struct where w;
	char path[64];
	int rc;

	snprintf(path, sizeof(path), "/dev/%s", d->name);
	if (!d->discard_max && defer) {
		act("leave %s to brd (it cannot discard; brd stays loaded for %s)",
		    path, other);
		if (!G.dry_run && (rc = brd_left_mark(d->name, e->name)))
			return cmd_err(rc, where(&w, tab, e), "cannot record %s in "
				       BRD_RUN_DIR, path);
		cmd_warnx("%s: %s: RAM not freed yet: brd stays loaded for %s, and "
			  "this kernel's brd cannot discard (Linux < 6.10); it is freed "
			  "when brd is unloaded, by the unapply of the last line (or "
			  "'brdctl remove --all')", where(&w, tab, e), path, other);
		return EXIT_OK;
	}
	if (!d->discard_max)
		return cmd_fail(EOPNOTSUPP, where(&w, tab, e), "%s: RAM not freed: brd "
			       "stays loaded for %s, and this kernel's brd cannot discard "
			       "(Linux < 6.10); 'brdctl remove --all' frees it", path, other);
	act("discard %s (brd stays loaded for %s)", path, other);
	if (G.dry_run)
		return EXIT_OK;
	rc = brd_free_ram(path, d->num, 0, d->size, BRD_FREE_CACHE, &f);
	if (rc && !strcmp(f.step, "open"))
		return cmd_err(rc, where(&w, tab, e), "cannot open %s", path);
	return rc ? cmd_err(rc, where(&w, tab, e), "cannot discard %s", path) : EXIT_OK;
}

/*
 * --only NAME: what to undo is the recorded line (what apply --only did),
 * else the file's line of that name.  *tab gets it first, followed by the
 * file's other lines (they decide whether brd may be unloaded).  Returns an
 * exit status; *tab NULL (and EXIT_OK) when there is nothing to undo.
 */
static int load_only(const char *path, const char *name, struct brdtab **tab)
{
	struct brdtab *file = NULL, *mine = NULL;
	char *rec = NULL, rpath[600];
	int rc, ret = EXIT_OK;

	*tab = NULL;
	brd_record_name(BRD_RECORD_APPLIED, name, rpath, sizeof(rpath));
	rc = brd_applied_load(name, &rec);
	if (rc == 0) {
		rc = brdtab_parse_buffer(rpath, rec, strlen(rec), tab);
		free(rec);
		if (rc)
			return cmd_err(rc, rpath, "cannot read the record");
		if ((*tab)->nerr || (*tab)->n != 1 || !(*tab)->ent[0].name ||
		    strcmp((*tab)->ent[0].name, name)) {
			brdtab_free(*tab);
			*tab = NULL;
			return cmd_fail(EINVAL, rpath, "not a record of %s (remove it)", name);
		}
	} else if (rc != -ENOENT) {
		return cmd_err(rc, rpath, "cannot read the record");
	}
	/* the file's lines: the others keep brd loaded while in use (no file
	 * is fine; an untrusted one is refused, and said so) */
	if (read_tab(path, &file, *tab ? NULL : &mine, true) == EXIT_OK && mine) {
		/* the file's line of that name (brdtab_select() drops the others) */
		if (brdtab_select(mine, name) == 0 && !mine->nerr)
			*tab = mine;
		else
			brdtab_free(mine);
	}
	if (!*tab) {
		cmd_verbose("%s: not applied and not in %s: nothing to undo", name, path);
		brdtab_free(file);
		return EXIT_OK;
	}
	if (file && brdtab_take(*tab, file, name))
		ret = cmd_err(ENOMEM, NULL, "unapply");
	brdtab_free(file);
	return ret;
}

/* In use (mounted, held, open)?  Quiet: for the lines unapply --only keeps. */
static bool entry_in_use(const struct brdtab_entry *e)
{
	struct rd_info ri = { 0 };
	char *why;

	if (entry_disk(e, &ri.d))
		return false;
	rd_info_fill(&ri, RD_ALL);
	why = rd_busy_reason(&ri);
	free(why);
	rd_info_free(&ri);
	return why != NULL;
}

/* Unmount the first @nown lines, the last line first.  busy[i]: line i
 * could not be unmounted (reported: keep its ramdisk, say no more).
 * Returns the first failure's status. */
static int unmount_entries(const struct brdtab *tab, size_t nown, bool *busy)
{
	int ret = EXIT_OK;

	for (size_t i = nown; i-- > 0;) {
		int rc = unmount_entry(tab, &tab->ent[i]);

		if (rc && !ret)
			ret = rc;
		if (rc)
			busy[i] = true;
	}
	return ret;
}

/* What is still in use cannot be freed: report each of the first @nown
 * lines whose ramdisk is and mark it busy.  Returns the first failure. */
static int check_in_use(const struct brdtab *tab, size_t nown, bool *busy)
{
	int ret = EXIT_OK, rc;

	for (size_t i = 0; i < nown; i++) {
		const struct brdtab_entry *e = &tab->ent[i];
		struct rd_info ri = { 0 };
		struct where w;
		char *why;

		if (busy[i] || entry_disk(e, &ri.d))
			continue;
		if (G.dry_run && e->target) {
			/* a dry run unmounted nothing: ignore our own mount */
			rd_info_fill(&ri, RD_HOLDERS);
		} else {
			rd_info_fill(&ri, RD_ALL);
		}
		why = rd_busy_reason(&ri);
		if (why) {
			rc = cmd_fail(EBUSY, where(&w, tab, e), "/dev/%s: in use: %s",
				     ri.d.name, why);
			ret = ret ? ret : rc;
			busy[i] = true;
			free(why);
		} else if ((rc = save_entry(tab, e, &ri.d))) {
			ret = ret ? ret : rc;	/* not saved: keep it */
			busy[i] = true;
		}
		rd_info_free(&ri);
	}
	return ret;
}

/* --only: brd stays while another line is applied or in use; names it in
 * @other. */
static bool only_keeps(const struct brdtab *tab, size_t nown, char *other, size_t len)
{
	if (brd_applied_other(opt_only, other, len - 12) > 0) {
		strcat(other, " (applied)");
		return true;
	}
	for (size_t i = nown; i < tab->n; i++)
		if (entry_in_use(&tab->ent[i])) {
			snprintf(other, len, "%s (in use)", tab->ent[i].name);
			return true;
		}
	return false;
}

/* Remove the pooled ramdisks of the first @nown lines that are not busy.
 * Returns the first failure's status. */
static int remove_pooled(const struct brdtab *tab, size_t nown, const bool *busy)
{
	int ret = EXIT_OK;

	for (size_t i = 0; i < nown; i++) {
		const struct brdtab_entry *e = &tab->ent[i];
		struct brd_disk d;
		struct where w;
		int rc;

		if (e->kind != BRDTAB_POOLED || busy[i] || brd_find_part(e->name, &d))
			continue;
		if (!G.dry_run)	/* a dry run of pool_remove prints its steps */
			cmd_verbose("%s: removing pooled ramdisk %s (/dev/%s)",
				    where(&w, tab, e), e->name, d.name);
		rc = pool_remove(&d);
		ret = ret ? ret : rc;
	}
	return ret;
}

/* The whole disks of the first @nown lines that are not busy stay (for
 * @other): give their RAM back.  Returns the first failure's status. */
static int discard_wholes(const struct brdtab *tab, size_t nown, const bool *busy,
			  const char *other, bool defer)
{
	int ret = EXIT_OK;

	for (size_t i = 0; i < nown; i++) {
		const struct brdtab_entry *e = &tab->ent[i];
		struct brd_disk d;
		int rc;

		if (e->kind != BRDTAB_WHOLE || busy[i] || entry_disk(e, &d))
			continue;
		if (rd_is_pool_disk(&d))
			continue;	/* not a whole-disk ramdisk of ours */
		rc = discard_whole(tab, e, &d, other, defer);
		ret = ret ? ret : rc;
	}
	return ret;
}

/* Nothing but the lines' ramdisks (and disks left to brd) in brd: unload
 * it, which frees all of them (and the pool) on every kernel. */
static int unload_brd(void)
{
	int rc;

	act("unload brd");
	if (G.dry_run)
		return EXIT_OK;
	if ((rc = brd_module_unload(3000)))
		return cmd_err(rc, "brd", "cannot unload the module");
	brd_left_forget_all();		/* those disks are gone */
	return EXIT_OK;
}

/* brd stays (for @other, or a ramdisk in use, or built in): free the
 * first @nown lines' ramdisks one by one.  Returns the first failure. */
static int free_each(const struct brdtab *tab, size_t nown, const bool *busy,
		     bool anybusy, enum brd_module_state state, char *other, size_t len,
		     bool defer)
{
	int rc, ret;

	if (!anybusy && state == BRD_MODULE_LOADED)
		cmd_verbose("%s: brd stays loaded: %s is not %s", tab->file, other,
			    opt_only ? "this line" : "in the file");
	ret = remove_pooled(tab, nown, busy);
	if (state == BRD_MODULE_BUILTIN)
		snprintf(other, len, "brd built into the kernel");
	else if (anybusy)
		snprintf(other, len, "the ramdisks in use");
	rc = discard_wholes(tab, nown, busy, other,
			    defer && !anybusy && state == BRD_MODULE_LOADED);
	return ret ? ret : rc;
}

static bool any(const bool *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (v[i])
			return true;
	return false;
}

static int do_unapply(const struct brd_cmd *cmd, int argc, const char **argv)
{
	const char *path = argc ? argv[0] : BRDTAB_DEFAULT_PATH;
	struct brd_disk *disks = NULL;
	struct brdtab *tab = NULL;
	struct brd_module m;
	bool *busy = NULL, anybusy, keep = false, lines_keep = false;
	char other[128];
	size_t n = 0, nown;
	int lock = -1, rc, ret;

	(void)cmd;
	use_set = !argc;
	if (argc > 1)
		return cmd_usage_error("too many arguments: one brdtab FILE at most");
	if ((ret = check_only()))
		return ret;
	if (opt_only) {
		if ((ret = load_only(path, opt_only, &tab)) || !tab)
			goto out;
	} else if ((ret = load_tab(path, false, NULL, &tab))) {
		return ret;
	}
	/* entries [0, nown) are undone; the rest (--only: the file's other
	 * lines) only decide whether brd can be unloaded */
	nown = opt_only ? 1 : tab->n;
	busy = calloc(tab->n + 1, sizeof(*busy));
	if (!busy) {
		ret = cmd_err(ENOMEM, NULL, "unapply");
		goto out;
	}
	ret = unmount_entries(tab, nown, busy);
	if (!G.dry_run && (lock = brd_lock(opt_only ? ONLY_LOCK_TIMEOUT_MS :
					   RD_LOCK_TIMEOUT_MS)) < 0) {
		rc = rd_lock_error(lock);
		ret = ret ? ret : rc;
		goto out;
	}
	if ((rc = brd_module_get(&m))) {
		rc = cmd_err(rc, "brd", "cannot read the module state");
		ret = ret ? ret : rc;
		goto out;
	}
	if (m.state == BRD_MODULE_ABSENT)
		goto out;				/* nothing left to free */
	rc = check_in_use(tab, nown, busy);
	ret = ret ? ret : rc;
	anybusy = any(busy, nown);
	if (opt_only)
		keep = lines_keep = only_keeps(tab, nown, other, sizeof(other));

	if ((rc = brd_list(&disks, &n))) {
		rc = cmd_err(rc, "/sys/block", "cannot list ramdisks");
		ret = ret ? ret : rc;
		goto out;
	}
	if (!keep)
		keep = other_ramdisk(tab, disks, n, other, sizeof(other));
	if (!anybusy && m.state == BRD_MODULE_LOADED && !keep)
		rc = unload_brd();
	else
		rc = free_each(tab, nown, busy, anybusy, m.state, other, sizeof(other),
			       lines_keep);
	ret = ret ? ret : rc;
out:
	forget_freed(tab, busy ? nown : 0, busy, ret);
	/* undone: forget the record (kept after a failure, to try again) */
	if (opt_only && !ret && !G.dry_run && (rc = brd_applied_remove(opt_only)))
		ret = cmd_err(rc, BRD_RUN_DIR, "cannot remove the record of %s", opt_only);
	brd_unlock(lock);
	free(disks);
	free(busy);
	brdtab_free(tab);
	return ret;
}

const struct brd_cmd cmd_apply = {
	.name = "apply",
	.fn = do_apply,
	.options = apply_options,
	.synopsis = "[options] [FILE]",
	.summary = "Create, format and mount the ramdisks of a brdtab (default /etc/brdtab)",
	.help_tail = "FILE lists one ramdisk per line (see brdtab(5)):\n"
		     " NAME SIZE [FSTYPE[:MKFSOPTS]] [MOUNTPOINT] [MOUNTOPTS] [OWNER[:GROUP]] [MODE]\n"
		     "Nothing is changed when a line has an error (reported as FILE:LINE);\n"
		     "running apply again changes nothing.\n",
	.flags = CMD_DRYRUN,
};

const struct brd_cmd cmd_unapply = {
	.name = "unapply",
	.fn = do_unapply,
	.options = unapply_options,
	.synopsis = "[options] [FILE]",
	.summary = "Unmount the ramdisks of a brdtab and free them",
	.help_tail = "Mounts in use are refused (exit 4) and their ramdisks kept.\n"
		     "--only NAME undoes what 'apply --only NAME' recorded in /run/brdctl.\n",
	.flags = CMD_DRYRUN,
};
