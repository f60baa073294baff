// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * brd_image_save (persist.h): copy a ramdisk to an image atomically, with
 * its mounted filesystem frozen.  A watchdog process, in its own session,
 * undoes what a killed save leaves behind: it thaws the filesystem and
 * removes the temporary file's name when its socket to the save closes
 * before the save said both were done (docs/persist.md, "Crash safety").
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../base/fdio.h"
#include "../base/log.h"
#include "blkinfo.h"
#include "persist.h"

#define PG	BRD_IMAGE_PAGE
#define CHUNK	(1u << 20)

struct save {
	const char *dev, *image;
	int dfd;		/* the ramdisk, O_DIRECT */
	int mfd;		/* its mount point, or -1 */
	int dirfd;		/* the image's directory */
	int tfd;		/* the temporary image */
	char tmpname[64];	/* its name in dirfd, "" while unnamed */
	const char *base;	/* the image's name in dirfd */
	uint64_t size;
	bool frozen;
	pid_t wd;		/* the watchdog */
	int wfd;		/* our end of its socket */
};

/* ---- the watchdog ---- */

/* Messages, one a line: "F" frozen, "T" thawed, "N<name>" a temporary name
 * exists, "n" it does not any more. */
static void __attribute__((noreturn)) watchdog_main(void)
{
	bool frozen = false;
	char line[128], name[64] = "";
	size_t len = 0;
	ssize_t n;
	char c;

	/* fd 0 the socket, 1 the mount point (or /dev/null), 2 the directory */
	while ((n = read(0, &c, 1)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (c != '\n') {
			if (len < sizeof(line) - 1)
				line[len++] = c;
			continue;
		}
		line[len] = 0;
		len = 0;
		if (line[0] == 'F' || line[0] == 'T')
			frozen = line[0] == 'F';
		else if (line[0] == 'N' && strlen(line + 1) < sizeof(name))
			memcpy(name, line + 1, strlen(line + 1) + 1);
		else if (line[0] == 'n')
			name[0] = 0;
	}
	if (frozen)
		ioctl(1, FITHAW, 0);
	if (name[0])
		unlinkat(2, name, 0);
	_exit(0);
}

static int watchdog_start(struct save *s)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	s->wd = fork();
	if (s->wd < 0) {
		int rc = -errno;

		close(sv[0]);
		close(sv[1]);
		return rc;
	}
	if (s->wd == 0) {
		int fds[3] = { sv[1], s->mfd, s->dirfd };

		setsid();
		signal(SIGINT, SIG_IGN);
		signal(SIGTERM, SIG_IGN);
		signal(SIGHUP, SIG_IGN);
		if (fds[1] < 0)
			fds[1] = open("/dev/null", O_RDONLY | O_CLOEXEC);
		for (int i = 0; i < 3; i++)
			fds[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 16);
		for (int i = 0; i < 3; i++)
			if (fds[i] < 0 || dup2(fds[i], i) < 0)
				_exit(1);
		close_range(3, ~0U, 0);
		watchdog_main();
	}
	close(sv[1]);
	s->wfd = sv[0];
	return 0;
}

static void wd_say(struct save *s, const char *msg)
{
	size_t len = strlen(msg);

	if (s->wfd >= 0 && send(s->wfd, msg, len, MSG_NOSIGNAL) != (ssize_t)len)
		brd_dbg("the save's watchdog does not listen: %s", strerror(errno));
}

static void watchdog_stop(struct save *s)
{
	if (s->wfd < 0)
		return;
	close(s->wfd);
	s->wfd = -1;
	while (waitpid(s->wd, NULL, 0) < 0 && errno == EINTR)
		;
}

/* ---- the steps of a save ---- */

/* Open a mount point of the device that is proven to be its filesystem:
 * the descriptor's st_dev is the device.  Every mount point of the mount
 * table is tried in turn (a bind mount, or another filesystem mounted over
 * the first, make the path of one lead elsewhere); swap areas ("[SWAP]")
 * and anything that is not an absolute path are skipped.  -1 when none is. */
static int open_own_mount(const char *dev, dev_t devno, const char *mounts)
{
	const char *p = mounts;

	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char *target = strndup(p, len);
		struct stat st;
		int fd;

		p = nl ? nl + 1 : NULL;
		if (!target)
			return -1;
		if (target[0] != '/') {
			brd_dbg("%s: %s is not a mount point to freeze", dev, target);
			free(target);
			continue;
		}
		fd = open(target, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			brd_dbg("%s: cannot open its mount point %s: %s", dev, target,
				strerror(errno));
		} else if (fstat(fd, &st) < 0 || st.st_dev != devno) {
			brd_dbg("%s: %s is not its filesystem (another one is mounted "
				"there)", dev, target);
			close(fd);
			fd = -1;
		}
		free(target);
		if (fd >= 0)
			return fd;
	}
	return -1;
}

/* Open the ramdisk.  Exclusively when nothing uses it; shared when it
 * is mounted (to be frozen) or, with BRD_SAVE_FORCE, open elsewhere. */
static int save_open(struct save *s, int flags)
{
	struct stat st, now;
	char *mounts;
	int err = 0;

	s->dfd = open(s->dev, O_RDONLY | O_DIRECT | O_CLOEXEC | O_EXCL);
	if (s->dfd >= 0 || errno != EBUSY)
		return s->dfd >= 0 ? 0 : -errno;
	if (stat(s->dev, &st) < 0)
		return -errno;
	if (!S_ISBLK(st.st_mode))
		return -ENOTBLK;
	brd_mounts_invalidate();
	mounts = brd_mountpoints(st.st_rdev, &err);
	s->mfd = open_own_mount(s->dev, st.st_rdev, mounts);
	free(mounts);
	if (s->mfd < 0 && !(flags & BRD_SAVE_FORCE)) {
		brd_dbg("%s: in use and no mount point of it can be proven to be its "
			"filesystem, to freeze", s->dev);
		return -EBUSY;
	}
	s->dfd = open(s->dev, O_RDONLY | O_DIRECT | O_CLOEXEC);
	if (s->dfd < 0)
		return -errno;
	/* the device opened is the one whose mount point was proven */
	if (fstat(s->dfd, &now) < 0)
		return -errno;
	if (!S_ISBLK(now.st_mode) || now.st_rdev != st.st_rdev) {
		brd_dbg("%s: changed while it was being opened", s->dev);
		return -EBUSY;
	}
	return 0;
}

/* The image's directory, which must not be on the ramdisk itself (its
 * filesystem is frozen while the image is written). */
static int save_dir(struct save *s)
{
	char *copy = strdup(s->image), *slash;
	struct stat dst, dev;
	int rc = 0;

	if (!copy)
		return -ENOMEM;
	slash = strrchr(copy, '/');
	s->base = strrchr(s->image, '/') ? strrchr(s->image, '/') + 1 : s->image;
	if (slash)
		*slash = 0;
	s->dirfd = open(!slash ? "." : slash == copy ? "/" : copy,
			O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->dirfd < 0)
		rc = -errno;
	else if (!*s->base)
		rc = -EISDIR;
	else if (fstat(s->dirfd, &dst) < 0 || fstat(s->dfd, &dev) < 0)
		rc = -errno;
	else if (dst.st_dev == dev.st_rdev) {
		brd_dbg("%s: the image cannot be on the ramdisk it saves", s->image);
		rc = -EINVAL;
	}
	free(copy);
	return rc;
}

/* ---- leftovers of saves that died ---- */

#define TMP_PREFIX	".brdctl-save."

/* Is @n exactly ".brdctl-save.PID.N" or ".brdctl-save.PID.lN" (decimal,
 * no sign, no leading zero), the names tmp_name() makes?  *pid: PID. */
static bool leftover_name(const char *n, pid_t *pid)
{
	const char *p = n + strlen(TMP_PREFIX);
	unsigned long v = 0;
	size_t digits;

	if (strncmp(n, TMP_PREFIX, strlen(TMP_PREFIX)))
		return false;
	for (digits = 0; isdigit((unsigned char)*p); p++, digits++)
		if (digits == 10 || (digits == 0 && *p == '0') ||
		    (v = v * 10 + (unsigned long)(*p - '0')) > INT_MAX)
			return false;
	if (!digits || *p++ != '.')
		return false;
	if (*p == 'l')
		p++;
	for (digits = 0; isdigit((unsigned char)*p); p++, digits++)
		if (digits == 10 || (digits == 1 && p[-1] == '0'))
			return false;
	if (!digits || *p)
		return false;
	*pid = (pid_t)v;
	return true;
}

/* When did process @pid start, in seconds since the epoch (/proc/PID/stat
 * field 22, ticks since boot, plus btime of /proc/stat)?  -1: unknown. */
static long long pid_started(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long ticks = 0, btime = 0;
	long hz = sysconf(_SC_CLK_TCK);
	FILE *f;
	int field;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (!(f = fopen(path, "re")))
		return -1;
	p = fgets(buf, sizeof(buf), f);
	fclose(f);
	if (!p || !(p = strrchr(buf, ')')))
		return -1;
	/* after "pid (comm)": field 3 is the state; 22 the start time */
	for (field = 2; field < 22 && p; field++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p + 1, "%llu", &ticks) != 1)
		return -1;
	if (!(f = fopen("/proc/stat", "re")))
		return -1;
	while (fgets(buf, sizeof(buf), f))
		if (sscanf(buf, "btime %llu", &btime) == 1)
			break;
	fclose(f);
	if (!btime || hz <= 0)
		return -1;
	return (long long)(btime + ticks / (unsigned long long)hz);
}

/* Is the save that named @st ".brdctl-save.@pid.*" gone?  Its PID is no
 * process, or the process that has it now started after the file was last
 * written (the PID was reused: the save that wrote the file was older). */
static bool save_gone(pid_t pid, const struct stat *st)
{
	long long started;

	if (kill(pid, 0) < 0 && errno == ESRCH)
		return true;
	started = pid_started(pid);
	/* btime has whole seconds: 2 s of slack */
	return started >= 0 && started > (long long)st->st_mtime + 2;
}

/* Remove temporary images that earlier saves into this directory left
 * behind when they were killed together with their watchdog (a cgroup-wide
 * SIGKILL): names of exactly tmp_name()'s pattern, regular files owned by
 * root with one link, never followed through a link, whose save is gone
 * (save_gone()) and which nobody holds locked (a live save holds its
 * temporary image under flock(LOCK_EX) from its creation on: that covers a
 * save in another PID namespace too).  Best effort: what cannot be proven
 * a leftover stays. */
static void remove_leftovers(struct save *s)
{
	int fd = fcntl(s->dirfd, F_DUPFD_CLOEXEC, 3);
	struct dirent *de;
	DIR *dir;

	if (fd < 0 || !(dir = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(dir))) {
		struct stat st, again;
		pid_t pid;
		int lfd;

		if (!leftover_name(de->d_name, &pid))
			continue;
		if (fstatat(s->dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode) || st.st_uid != 0 || st.st_nlink != 1 ||
		    !save_gone(pid, &st))
			continue;
		lfd = openat(s->dirfd, de->d_name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
			     O_NOCTTY | O_CLOEXEC);
		if (lfd < 0)
			continue;
		if (fstat(lfd, &again) == 0 && again.st_dev == st.st_dev &&
		    again.st_ino == st.st_ino && S_ISREG(again.st_mode) &&
		    flock(lfd, LOCK_EX | LOCK_NB) == 0 &&
		    fstatat(s->dirfd, de->d_name, &again, AT_SYMLINK_NOFOLLOW) == 0 &&
		    again.st_dev == st.st_dev && again.st_ino == st.st_ino) {
			if (unlinkat(s->dirfd, de->d_name, 0) == 0)
				brd_info("%s: removed %s, left by a save (PID %d) that was "
					 "killed", s->image, de->d_name, (int)pid);
			else
				brd_dbg("%s: cannot remove the leftover %s: %s", s->image,
					de->d_name, strerror(errno));
		}
		close(lfd);
	}
	closedir(dir);
}

/* A new name ".brdctl-save.PID.TAGN" for the temporary image, told to the
 * watchdog before @make creates it (0 or an errno; EEXIST: the next N). */
static int tmp_name(struct save *s, const char *tag, int (*make)(struct save *s))
{
	static unsigned int seq;
	char msg[80];
	int err;

	do {
		snprintf(s->tmpname, sizeof(s->tmpname), TMP_PREFIX "%d.%s%u",
			 (int)getpid(), tag, seq++);
		snprintf(msg, sizeof(msg), "N%s\n", s->tmpname);
		wd_say(s, msg);
		err = make(s);
		if (err)
			wd_say(s, "n\n");
	} while (err == EEXIST);
	if (err)
		s->tmpname[0] = 0;
	return -err;
}

/* A live save holds its temporary image locked (remove_leftovers()). */
static void tmp_lock(struct save *s)
{
	if (flock(s->tfd, LOCK_EX | LOCK_NB) < 0)
		brd_dbg("%s: cannot lock the temporary image: %s", s->image,
			strerror(errno));
}

static int make_file(struct save *s)
{
	s->tfd = openat(s->dirfd, s->tmpname, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (s->tfd < 0)
		return errno;
	tmp_lock(s);
	return 0;
}

static int make_link(struct save *s)
{
	char proc[64];

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", s->tfd);
	return linkat(AT_FDCWD, proc, s->dirfd, s->tmpname, AT_SYMLINK_FOLLOW) < 0 ?
	       errno : 0;
}

/* The temporary image: unnamed (O_TMPFILE) where the filesystem can, or a
 * new name that the watchdog knows. */
static int save_tmpfile(struct save *s)
{
	remove_leftovers(s);
	s->tfd = openat(s->dirfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (s->tfd >= 0) {
		tmp_lock(s);
		return 0;
	}
	if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
		return -errno;
	return tmp_name(s, "", make_file);
}

static int save_freeze(struct save *s, int flags)
{
	int err;

	if (s->mfd < 0)
		return 0;
	wd_say(s, "F\n");	/* first: a kill right after the freeze is covered */
	if (ioctl(s->mfd, FIFREEZE, 0) == 0) {
		s->frozen = true;
		return 0;
	}
	err = errno;
	wd_say(s, "T\n");
	if (err == EBUSY) {	/* frozen already, by someone else: still */
		brd_dbg("%s: its filesystem is frozen already", s->dev);
		return 0;
	}
	brd_dbg("%s: cannot freeze its filesystem: %s", s->dev, strerror(err));
	return flags & BRD_SAVE_FORCE ? 0 : -EBUSY;
}

static void save_thaw(struct save *s)
{
	if (!s->frozen)
		return;
	if (ioctl(s->mfd, FITHAW, 0) < 0)
		brd_dbg("%s: cannot thaw its filesystem: %s", s->dev, strerror(errno));
	s->frozen = false;
	wd_say(s, "T\n");
}

/* Write the non-zero pages of @buf (@len bytes at @off) to the image. */
static int save_chunk(struct save *s, struct brd_image_csum *c, uint64_t off,
		      const unsigned char *buf, size_t len)
{
	size_t run = 0, at;
	int rc;

	for (at = 0; at <= len; at += PG) {
		size_t n = len - at < PG ? len - at : PG;

		if (at < len && !brd_is_zero(buf + at, n))
			continue;
		if (at > run) {
			brd_image_csum_add(c, off + run, buf + run, at - run);
			if ((rc = brd_pwrite_full(s->tfd, buf + run, at - run, off + run)))
				return rc;
		}
		run = at + PG;
	}
	if (run < len) {	/* a short last page with data */
		brd_image_csum_add(c, off + run, buf + run, len - run);
		return brd_pwrite_full(s->tfd, buf + run, len - run, off + run);
	}
	return 0;
}

static int save_copy(struct save *s, struct brd_image_info *info)
{
	struct brd_image_csum c;
	unsigned char *buf;
	uint64_t off;
	int rc;

	if (posix_memalign((void **)&buf, PG, CHUNK))
		return -ENOMEM;
	if ((rc = brd_image_csum_init(&c))) {
		free(buf);
		return rc;
	}
	for (off = 0; !rc && off < s->size; off += CHUNK) {
		size_t len = s->size - off < CHUNK ? (size_t)(s->size - off) : CHUNK;

		if (!(rc = brd_pread_full(s->dfd, buf, len, off)))
			rc = save_chunk(s, &c, off, buf, len);
	}
	info->csum = brd_image_csum_end(&c);
	info->data_pages = c.pages;
	free(buf);
	return rc;
}

/* Give the temporary image a name (O_TMPFILE), that the watchdog knows. */
static int save_link(struct save *s)
{
	return tmp_name(s, "l", make_link);
}

/* The trailer, fsync, the rename over the image, fsync of the directory. */
static int save_commit(struct save *s, const struct brd_image_info *info)
{
	unsigned char *t = malloc(BRD_IMAGE_TRAILER);
	int rc;

	if (!t)
		return -ENOMEM;
	brd_image_trailer_encode(info, t);
	rc = brd_pwrite_full(s->tfd, t, BRD_IMAGE_TRAILER, s->size);
	free(t);
	if (rc)
		return rc;
	if (fsync(s->tfd) < 0)
		return -errno;
	if (!s->tmpname[0] && (rc = save_link(s)))
		return rc;
	if (renameat(s->dirfd, s->tmpname, s->dirfd, s->base) < 0)
		return -errno;
	s->tmpname[0] = 0;
	wd_say(s, "n\n");
	if (fsync(s->dirfd) < 0)
		return -errno;
	return 0;
}

static int save_run(struct save *s, const char *name, int flags,
		    struct brd_image_info *info)
{
	struct timespec ts;
	int rc;

	if ((rc = save_open(s, flags)) || (rc = save_dir(s)))
		return rc;
	if (ioctl(s->dfd, BLKGETSIZE64, &s->size) < 0)
		return -errno;
	if ((rc = watchdog_start(s)) || (rc = save_tmpfile(s)))
		return rc;
	if (ftruncate(s->tfd, (off_t)(s->size + BRD_IMAGE_TRAILER)) < 0)
		return -errno;
	if ((rc = save_freeze(s, flags)))
		return rc;
	clock_gettime(CLOCK_REALTIME, &ts);
	info->saved_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	info->size = s->size;
	snprintf(info->name, sizeof(info->name), "%s", name);
	rc = save_copy(s, info);
	save_thaw(s);
	return rc ? rc : save_commit(s, info);
}

int brd_image_save(const char *dev, const char *name, const char *image,
		   int flags, struct brd_image_info *info)
{
	struct save s = { .dev = dev, .image = image, .dfd = -1, .mfd = -1,
			  .dirfd = -1, .tfd = -1, .wfd = -1 };
	struct brd_image_info tmp;
	int rc;

	if (!info)
		info = &tmp;
	memset(info, 0, sizeof(*info));
	rc = save_run(&s, name, flags, info);
	save_thaw(&s);
	if (s.tmpname[0]) {
		unlinkat(s.dirfd, s.tmpname, 0);
		wd_say(&s, "n\n");
	}
	watchdog_stop(&s);
	if (s.tfd >= 0)
		close(s.tfd);
	if (s.dirfd >= 0)
		close(s.dirfd);
	if (s.mfd >= 0)
		close(s.mfd);
	if (s.dfd >= 0)
		close(s.dfd);
	if (rc)
		brd_dbg("%s: cannot save to %s: %s", dev, image, strerror(-rc));
	return rc;
}
