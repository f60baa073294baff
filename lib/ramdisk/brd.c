// SPDX-License-Identifier: GPL-2.0-or-later
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <dlfcn.h>
#include <linux/fs.h>
#include <libkmod.h>

#include "brd.h"
#include "../base/log.h"
#include "../base/sysfs.h"

#define BRD_PAGE 4096ULL

static bool real_root(void)
{
	return strcmp(brd_root(), "/") == 0;
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ------------------------------------------------------------ module --- */

int brd_module_get(struct brd_module *m)
{
	int rc;

	memset(m, 0, sizeof(*m));
	m->refcnt = -1;
	if (brd_path_access(F_OK, "/sys/module/brd") < 0)
		return 0;
	/* a loadable module has initstate; a built-in one only parameters */
	m->state = brd_path_access(F_OK, "/sys/module/brd/initstate") == 0 ?
		   BRD_MODULE_LOADED : BRD_MODULE_BUILTIN;
	if ((rc = brd_path_read_u64(&m->rd_nr, "/sys/module/brd/parameters/rd_nr")) ||
	    (rc = brd_path_read_u64(&m->rd_size, "/sys/module/brd/parameters/rd_size")) ||
	    (rc = brd_path_read_u64(&m->max_part, "/sys/module/brd/parameters/max_part"))) {
		brd_dbg("/sys/module/brd/parameters: cannot read: %s", strerror(-rc));
		return rc;
	}
	if (m->state == BRD_MODULE_LOADED)
		brd_path_read_s64(&m->refcnt, "/sys/module/brd/refcnt");
	return 0;
}

/*
 * libkmod is loaded with dlopen() when a module must be loaded or unloaded:
 * linking it pulls in libcrypto, which doubles the start-up time of every
 * brdctl invocation (list, stat, bitmap examine) that never needs it.
 */
static struct {
	void *handle;
	struct kmod_ctx *(*new)(const char *, const char *const *);
	struct kmod_ctx *(*unref)(struct kmod_ctx *);
	void (*set_log_fn)(struct kmod_ctx *, void (*)(void *, int, const char *,
			   int, const char *, const char *, va_list), const void *);
	int (*module_new_from_name)(struct kmod_ctx *, const char *,
				    struct kmod_module **);
	struct kmod_module *(*module_unref)(struct kmod_module *);
	const char *(*module_get_path)(const struct kmod_module *);
	int (*module_get_initstate)(const struct kmod_module *);
	int (*module_probe_insert_module)(struct kmod_module *, unsigned int,
		const char *, int (*)(struct kmod_module *, void *), const void *,
		void (*)(struct kmod_module *, bool, const char *));
	int (*module_remove_module)(struct kmod_module *, unsigned int);
	int (*module_new_from_lookup)(struct kmod_ctx *, const char *,
				      struct kmod_list **);
	int (*module_unref_list)(struct kmod_list *);
} K;

static int kmod_load_lib(void)
{
	if (K.handle)
		return 0;
	K.handle = dlopen("libkmod.so.2", RTLD_NOW | RTLD_LOCAL);
	if (!K.handle) {
		brd_dbg("cannot load libkmod: %s", dlerror());
		return -ELIBACC;
	}
#define SYM(field, name)						\
	do {								\
		*(void **)&K.field = dlsym(K.handle, name);		\
		if (!K.field) {						\
			brd_dbg("libkmod: no symbol %s", name);		\
			dlclose(K.handle);				\
			K.handle = NULL;				\
			return -ELIBBAD;				\
		}							\
	} while (0)
	SYM(new, "kmod_new");
	SYM(unref, "kmod_unref");
	SYM(set_log_fn, "kmod_set_log_fn");
	SYM(module_new_from_name, "kmod_module_new_from_name");
	SYM(module_unref, "kmod_module_unref");
	SYM(module_get_path, "kmod_module_get_path");
	SYM(module_get_initstate, "kmod_module_get_initstate");
	SYM(module_probe_insert_module, "kmod_module_probe_insert_module");
	SYM(module_remove_module, "kmod_module_remove_module");
	SYM(module_new_from_lookup, "kmod_module_new_from_lookup");
	SYM(module_unref_list, "kmod_module_unref_list");
#undef SYM
	return 0;
}

static void kmod_log(void *data, int prio, const char *file, int line,
		     const char *fn, const char *fmt, va_list args)
{
	char msg[1024];

	(void)data; (void)file; (void)line; (void)fn;
	vsnprintf(msg, sizeof(msg), fmt, args);
	msg[strcspn(msg, "\n")] = '\0';
	brd_log(prio > LOG_WARNING ? prio : LOG_DEBUG, "libkmod: %s", msg);
}

static int kmod_open(struct kmod_ctx **ctx, struct kmod_module **mod)
{
	int rc = kmod_load_lib();

	if (rc)
		return rc;
	*ctx = K.new(NULL, NULL);
	if (!*ctx)
		return -ENOMEM;
	K.set_log_fn(*ctx, kmod_log, NULL);
	rc = K.module_new_from_name(*ctx, "brd", mod);
	if (rc < 0) {
		K.unref(*ctx);
		return rc;
	}
	return 0;
}

static void kmod_close(struct kmod_ctx *ctx, struct kmod_module *mod)
{
	K.module_unref(mod);
	K.unref(ctx);
}

int brd_module_alias_exists(const char *alias)
{
	struct kmod_ctx *ctx;
	struct kmod_list *list = NULL;
	int rc = kmod_load_lib();

	if (rc)
		return rc;
	ctx = K.new(NULL, NULL);
	if (!ctx)
		return -ENOMEM;
	K.set_log_fn(ctx, kmod_log, NULL);
	rc = K.module_new_from_lookup(ctx, alias, &list);
	if (rc == 0)
		rc = list ? 1 : 0;
	K.module_unref_list(list);
	K.unref(ctx);
	return rc;
}

int brd_module_available(void)
{
	struct kmod_ctx *ctx;
	struct kmod_module *mod;
	int rc;

	if (!real_root())
		return brd_path_access(F_OK, "/sys/module/brd") == 0 ? 0 : -ENOENT;
	if ((rc = kmod_open(&ctx, &mod)))
		return rc;
	rc = K.module_get_path(mod) ? 0 : -ENOENT;
	if (rc && K.module_get_initstate(mod) == KMOD_MODULE_BUILTIN)
		rc = 0;
	kmod_close(ctx, mod);
	return rc;
}

int brd_module_load(uint64_t rd_nr, uint64_t rd_size_kib, uint64_t max_part)
{
	struct kmod_ctx *ctx;
	struct kmod_module *mod;
	char opts[128];
	int n, rc;

	n = snprintf(opts, sizeof(opts), "rd_nr=%" PRIu64, rd_nr);
	if (rd_size_kib)
		n += snprintf(opts + n, sizeof(opts) - (size_t)n,
			      " rd_size=%" PRIu64, rd_size_kib);
	if (max_part)
		snprintf(opts + n, sizeof(opts) - (size_t)n,
			 " max_part=%" PRIu64, max_part);
	if ((rc = kmod_open(&ctx, &mod)))
		return rc;
	if (!K.module_get_path(mod)) {
		brd_dbg("brd: no such kernel module (is CONFIG_BLK_DEV_RAM=m?)");
		rc = -ENOENT;
	} else {
		brd_info("loading brd %s", opts);
		rc = K.module_probe_insert_module(mod, 0, opts, NULL, NULL, NULL);
		if (rc > 0)	/* blacklisted and friends */
			rc = -EPERM;
	}
	kmod_close(ctx, mod);
	return rc;
}

int brd_module_unload(unsigned int timeout_ms)
{
	struct kmod_ctx *ctx;
	struct kmod_module *mod;
	uint64_t end = now_ms() + timeout_ms;
	int rc;

	if ((rc = kmod_open(&ctx, &mod)))
		return rc;
	for (;;) {
		rc = K.module_remove_module(mod, KMOD_REMOVE_NOWAIT);
		if (rc != -EAGAIN && rc != -EBUSY)
			break;
		if (now_ms() >= end) {
			rc = -EBUSY;
			break;
		}
		sleep_ms(50);	/* e.g. udev still probing a ramdisk */
	}
	kmod_close(ctx, mod);
	return rc;
}

/* ------------------------------------------------------------- disks --- */

int brd_parse_name(const char *name, unsigned int *num)
{
	const char *p = name;
	char *end;
	unsigned long v;

	if (strncmp(p, "/dev/", 5) == 0)
		p += 5;
	if (strncmp(p, "ram", 3) != 0 || !isdigit((unsigned char)p[3]))
		return -EINVAL;
	if (p[3] == '0' && p[4])
		return -EINVAL;		/* "ram01" */
	errno = 0;
	v = strtoul(p + 3, &end, 10);
	if (errno || *end || v > (1UL << 20))
		return -EINVAL;
	*num = (unsigned int)v;
	return 0;
}

/* The entries of a sysfs directory such as holders/ (0 if it cannot be
 * opened); closes @dir. */
static unsigned int count_entries(DIR *dir)
{
	struct dirent *de;
	unsigned int n = 0;

	if (!dir)
		return 0;
	while ((de = readdir(dir)))
		if (de->d_name[0] != '.')
			n++;
	closedir(dir);
	return n;
}

int brd_get(unsigned int num, struct brd_disk *d)
{
	uint64_t sectors, ro = 0;
	int rc;

	memset(d, 0, sizeof(*d));
	snprintf(d->name, sizeof(d->name), "ram%u", num);
	d->num = num;
	d->pages = -1;
	rc = brd_path_read_devno(&d->devno, "/sys/block/%s/dev", d->name);
	if (rc)
		return rc == -ENOENT ? -ENOENT : rc;
	if (major(d->devno) != BRD_MAJOR)
		return -ENOENT;		/* a ram%u that is not brd's */
	if ((rc = brd_path_read_u64(&sectors, "/sys/block/%s/size", d->name)))
		return rc;
	d->size = sectors * 512;
	brd_path_read_u64(&ro, "/sys/block/%s/ro", d->name);
	d->ro = ro != 0;
	if (brd_path_read_u64(&d->discard_max,
			      "/sys/block/%s/queue/discard_max_bytes", d->name))
		d->discard_max = 0;
	d->nholders = count_entries(brd_path_opendir("/sys/block/%s/holders",
						     d->name));
	return 0;
}

static int cmp_disk(const void *a, const void *b)
{
	const struct brd_disk *x = a, *y = b;

	if (x->num != y->num)
		return (x->num > y->num) - (x->num < y->num);
	return (x->partno > y->partno) - (x->partno < y->partno);
}

/* Fill @d from /sys/block/DISK/PART; -ENOENT if it is not a partition. */
static int get_part(const struct brd_disk *disk, const char *part, struct brd_disk *d)
{
	uint64_t v = 0;
	char *uevent = NULL, *p;
	int rc;

	memset(d, 0, sizeof(*d));
	d->num = disk->num;
	d->pages = -1;
	d->ro = disk->ro;
	d->discard_max = disk->discard_max;
	if (strlen(part) >= sizeof(d->name))
		return -ENAMETOOLONG;
	memcpy(d->name, part, strlen(part) + 1);
	if ((rc = brd_path_read_u64(&v, "/sys/block/%s/%s/partition", disk->name, part)))
		return rc == -ENOENT ? -ENOENT : rc;
	d->partno = (unsigned int)v;
	if ((rc = brd_path_read_devno(&d->devno, "/sys/block/%s/%s/dev", disk->name, part)) ||
	    (rc = brd_path_read_u64(&v, "/sys/block/%s/%s/size", disk->name, part)))
		return rc;
	d->size = v * 512;
	if (brd_path_read_u64(&v, "/sys/block/%s/%s/start", disk->name, part) == 0)
		d->start = v * 512;
	if (brd_path_read_u64(&v, "/sys/block/%s/%s/ro", disk->name, part) == 0)
		d->ro = d->ro || v;
	if (brd_path_read_string(&uevent, "/sys/block/%s/%s/uevent", disk->name, part) == 0) {
		p = strstr(uevent, "PARTNAME=");
		if (p && (p == uevent || p[-1] == '\n')) {
			p += 9;
			snprintf(d->label, sizeof(d->label), "%.*s", (int)strcspn(p, "\n"), p);
		}
		free(uevent);
	}
	d->nholders = count_entries(brd_path_opendir("/sys/block/%s/%s/holders",
						     disk->name, part));
	return 0;
}

/* A growing array of disks, sorted when done (brd_list, brd_list_parts). */
struct disk_vec {
	struct brd_disk *v;
	size_t cnt, cap;
};

/* The next free slot, or NULL (-ENOMEM). */
static struct brd_disk *vec_slot(struct disk_vec *dv)
{
	if (dv->cnt == dv->cap) {
		size_t cap = dv->cap ? dv->cap * 2 : 16;
		struct brd_disk *nv = realloc(dv->v, cap * sizeof(*nv));

		if (!nv)
			return NULL;
		dv->v = nv;
		dv->cap = cap;
	}
	return &dv->v[dv->cnt];
}

/* Hand the sorted array out on success, free it on error. */
static int vec_finish(struct disk_vec *dv, int rc, struct brd_disk **res, size_t *n)
{
	if (rc) {
		free(dv->v);
		return rc;
	}
	if (dv->cnt)
		qsort(dv->v, dv->cnt, sizeof(*dv->v), cmp_disk);
	*res = dv->v;
	*n = dv->cnt;
	return 0;
}

int brd_list_parts(unsigned int num, struct brd_disk **parts, size_t *n)
{
	struct disk_vec dv = { 0 };
	struct brd_disk disk, *slot;
	size_t plen;
	struct dirent *de;
	DIR *dir;
	int rc;

	*parts = NULL;
	*n = 0;
	if ((rc = brd_get(num, &disk)))
		return rc;
	dir = brd_path_opendir("/sys/block/%s", disk.name);
	if (!dir)
		return -errno;
	plen = strlen(disk.name);
	rc = 0;
	while ((de = readdir(dir))) {
		if (strncmp(de->d_name, disk.name, plen) != 0 || de->d_name[plen] != 'p')
			continue;
		if (!(slot = vec_slot(&dv))) {
			rc = -ENOMEM;
			break;
		}
		if (get_part(&disk, de->d_name, slot) == 0)
			dv.cnt++;
	}
	closedir(dir);
	return vec_finish(&dv, rc, parts, n);
}

int brd_list(struct brd_disk **disks, size_t *n)
{
	struct disk_vec dv = { 0 };
	struct brd_disk *slot;
	struct dirent *de;
	unsigned int num;
	DIR *dir;
	int rc = 0;

	*disks = NULL;
	*n = 0;
	dir = brd_path_opendir("/sys/block");
	if (!dir)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(dir))) {
		if (brd_parse_name(de->d_name, &num))
			continue;
		if (!(slot = vec_slot(&dv))) {
			rc = -ENOMEM;
			break;
		}
		rc = brd_get(num, slot);
		if (rc == -ENOENT) {	/* vanished, or not brd */
			rc = 0;
			continue;
		}
		if (rc)
			break;
		dv.cnt++;
	}
	closedir(dir);
	return vec_finish(&dv, rc, disks, n);
}

/* Read ramdisk_pages/<name> for every disk from an already mounted debugfs
 * at @dir (a path below the root). */
static int read_pages_at(const char *dir, struct brd_disk *disks, size_t n)
{
	int missing = 0;

	for (size_t i = 0; i < n; i++) {
		uint64_t v;

		if (brd_path_read_u64(&v, "%s/ramdisk_pages/%s", dir, disks[i].name) == 0)
			disks[i].pages = (int64_t)v;
		else
			missing++;
	}
	return missing ? -ENOENT : 0;
}

/* debugfs is not mounted: read the counts from a child in a private mount
 * namespace, so no mount is left behind. */
static int read_pages_private_ns(struct brd_disk *disks, size_t n)
{
	int pfd[2], status, rc = 0;
	pid_t pid;
	FILE *f;

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		rc = -errno;
		close(pfd[0]);
		close(pfd[1]);
		return rc;
	}
	if (pid == 0) {
		FILE *out;

		close(pfd[0]);
		if (unshare(CLONE_NEWNS) < 0 ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
		    mount("debugfs", "/sys/kernel/debug", "debugfs",
			  MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
			_exit(1);
		out = fdopen(pfd[1], "w");
		if (!out)
			_exit(1);
		read_pages_at("/sys/kernel/debug", disks, n);
		for (size_t i = 0; i < n; i++)
			fprintf(out, "%" PRId64 "\n", disks[i].pages);
		_exit(fclose(out) == 0 ? 0 : 1);
	}
	close(pfd[1]);
	f = fdopen(pfd[0], "r");
	if (!f) {
		rc = -errno;
		close(pfd[0]);
	} else {
		for (size_t i = 0; i < n; i++) {
			int64_t v;

			if (fscanf(f, "%" SCNd64, &v) != 1) {
				rc = -EIO;
				break;
			}
			disks[i].pages = v;
		}
		fclose(f);
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0)
		rc = rc ? rc : -EPERM;
	return rc;
}

int brd_read_pages(struct brd_disk *disks, size_t n)
{
	int rc;

	for (size_t i = 0; i < n; i++)
		disks[i].pages = -1;
	if (!n)
		return 0;
	if (brd_path_access(F_OK, "/sys/kernel/debug/ramdisk_pages") == 0)
		return read_pages_at("/sys/kernel/debug", disks, n);
	if (!real_root() || geteuid() != 0)
		return -ENOENT;
	rc = read_pages_private_ns(disks, n);
	if (rc)
		brd_dbg("debugfs: cannot read ramdisk_pages: %s", strerror(-rc));
	for (size_t i = 0; i < n; i++)
		if (disks[i].pages < 0)
			return -ENOENT;
	return rc;
}

int brd_create_on_demand(unsigned int num, uint64_t max_part)
{
	char dir[] = "/tmp/brdctl.XXXXXX", node[64];
	struct brd_disk d;
	uint64_t minor;
	int fd, rc = 0;

	if (brd_get(num, &d) == 0)
		return -EEXIST;
	if (!max_part)
		max_part = 1;
	minor = (uint64_t)num * max_part;
	if (minor + max_part > (1ULL << 20))
		return -ERANGE;
	if (!real_root())
		return -EOPNOTSUPP;
	if (!mkdtemp(dir))	/* mode 0700, private to us */
		return -errno;
	snprintf(node, sizeof(node), "%s/ram", dir);
	brd_info("mknod %s b %d %" PRIu64 " and open it", node, BRD_MAJOR, minor);
	if (mknod(node, S_IFBLK | 0600, makedev(BRD_MAJOR, (unsigned int)minor)) < 0) {
		rc = -errno;
		goto out;
	}
	fd = open(node, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		rc = -errno;	/* ENXIO: no BLOCK_LEGACY_AUTOLOAD */
	else
		close(fd);
	unlink(node);
out:
	rmdir(dir);
	if (rc)
		return rc;
	return brd_get(num, &d) == 0 ? 0 : -ENXIO;
}

int brd_wait_node(const char *name, unsigned int timeout_ms)
{
	uint64_t end = now_ms() + timeout_ms;
	struct stat st;
	char path[4096], rel[64];
	int fd;

	snprintf(rel, sizeof(rel), "/dev/%s", name);
	if (!brd_root_path(path, sizeof(path), rel))
		return -ENAMETOOLONG;
	for (;;) {
		if (stat(path, &st) == 0 && S_ISBLK(st.st_mode)) {
			fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
			if (fd >= 0) {
				/* udev holds LOCK_SH while it probes */
				if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
					flock(fd, LOCK_UN);
					close(fd);
					return 0;
				}
				close(fd);
			}
		}
		if (now_ms() >= end)
			return -ETIMEDOUT;
		sleep_ms(10);
	}
}

char *brd_holders(const char *name)
{
	char *list = NULL;
	size_t len = 0;
	struct dirent *de;
	DIR *dir = brd_path_opendir("/sys/block/%s/holders", name);

	if (!dir)
		return NULL;
	while ((de = readdir(dir))) {
		size_t l = strlen(de->d_name);
		char *nl;

		if (de->d_name[0] == '.')
			continue;
		nl = realloc(list, len + l + 2);
		if (!nl)
			break;
		list = nl;
		if (len)
			list[len++] = ',';
		memcpy(list + len, de->d_name, l + 1);
		len += l;
	}
	closedir(dir);
	return list;
}

int brd_flush_cache(int fd)
{
	return ioctl(fd, BLKFLSBUF, 0) < 0 ? -errno : 0;
}

int brd_discard_range(int fd, uint64_t off, uint64_t len)
{
	const uint64_t step = 1ULL << 30;
	uint64_t start, end;

	/* whole pages only: unaligned discards corrupt data on 6.10-6.15
	 * (docs/kernels.md, section "brd"); the range shrinks inward */
	if (__builtin_add_overflow(off, len, &end))
		return -EINVAL;
	start = (off + BRD_PAGE - 1) & ~(BRD_PAGE - 1);
	end &= ~(BRD_PAGE - 1);
	for (; start < end; start += step) {
		uint64_t range[2] = { start, end - start < step ? end - start : step };

		if (ioctl(fd, BLKDISCARD, range) < 0)
			return -errno;
	}
	return 0;
}

int brd_discard_all(int fd, uint64_t size)
{
	return brd_discard_range(fd, 0, size);
}

int64_t brd_disk_pages(unsigned int num)
{
	struct brd_disk d;

	if (brd_get(num, &d) || brd_read_pages(&d, 1))
		return -1;
	return d.pages;
}

int brd_free_ram(const char *path, unsigned int num, uint64_t off,
		 uint64_t len, unsigned int flags, struct brd_freed *f)
{
	struct brd_freed dummy;
	int fd, rc;

	if (!f)
		f = &dummy;
	if (!(flags & BRD_FREE_COUNTED))
		f->before = brd_disk_pages(num);
	f->after = -1;
	f->step = "open";
	fd = open(path, O_RDWR | O_CLOEXEC | (flags & BRD_FREE_SHARED ? 0 : O_EXCL));
	if (fd < 0)
		return -errno;
	rc = 0;
	if (flags & BRD_FREE_CACHE) {
		f->step = "BLKFLSBUF";
		rc = brd_flush_cache(fd);
	}
	if (!rc) {
		f->step = "discard";
		rc = brd_discard_range(fd, off, len);
	}
	close(fd);
	if (rc)
		return rc;
	f->step = NULL;
	if (f->before >= 0)
		f->after = brd_disk_pages(num);
	return 0;
}

int64_t brd_freed_pages(const struct brd_freed *f)
{
	if (f->before < 0 || f->after < 0)
		return -1;
	return f->before > f->after ? f->before - f->after : 0;
}

/* -------------------------------------------------------------- misc --- */

/* Reentrant within a process: nested callers share the one flock. */
static int lock_fd = -1;
static unsigned int lock_depth;

int brd_lock(unsigned int timeout_ms)
{
	uint64_t end = now_ms() + timeout_ms;
	char path[4096];
	int fd;

	if (lock_depth) {
		lock_depth++;
		return lock_fd;
	}
	if (!brd_root_path(path, sizeof(path), "/run/brdctl.lock"))
		return -ENAMETOOLONG;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			int rc = -errno;
			close(fd);
			return rc;
		}
		if (now_ms() >= end) {
			close(fd);
			return -EBUSY;
		}
		sleep_ms(20);
	}
	lock_fd = fd;
	lock_depth = 1;
	return fd;
}

void brd_unlock(int fd)
{
	if (fd < 0 || fd != lock_fd || !lock_depth)
		return;
	if (--lock_depth == 0) {
		close(lock_fd);
		lock_fd = -1;
	}
}

/* the /proc/meminfo line @key ("MemTotal:"), in bytes */
static int meminfo_bytes(const char *key, uint64_t *bytes)
{
	char *s, *p;
	int rc = brd_path_read_string(&s, "/proc/meminfo");

	if (rc)
		return rc;
	p = strstr(s, key);
	if (!p || sscanf(p + strlen(key), "%" SCNu64, bytes) != 1)
		rc = -ENODATA;
	else
		*bytes *= 1024;
	free(s);
	return rc;
}

int brd_mem_available(uint64_t *bytes)
{
	return meminfo_bytes("MemAvailable:", bytes);
}

int brd_mem_total(uint64_t *bytes)
{
	return meminfo_bytes("MemTotal:", bytes);
}

static uint64_t add_sat(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

void brd_budget_add(struct brd_budget *b, uint64_t size, uint64_t used)
{
	b->size = add_sat(b->size, size);
	b->used = add_sat(b->used, used);
	if (size)
		b->count++;
}

uint64_t brd_budget_need(const struct brd_budget *b)
{
	return b->size > b->used ? b->size - b->used : 0;
}

bool brd_budget_over(const struct brd_budget *b, uint64_t avail)
{
	return brd_budget_need(b) > avail;
}

int brd_budget_check(const struct brd_budget *b, uint64_t *avail)
{
	int rc = brd_mem_available(avail);

	if (rc) {
		brd_dbg("MemAvailable unknown (%s): RAM budget not checked",
			strerror(-rc));
		return 0;
	}
	return brd_budget_over(b, *avail) ? -ENOMEM : 0;
}

int brd_kernel_version(unsigned int *maj, unsigned int *min)
{
	struct utsname u;
	char *s = NULL;
	int rc = 0;

	if (!real_root()) {
		if ((rc = brd_path_read_string(&s, "/proc/sys/kernel/osrelease")))
			return rc;
	} else if (uname(&u) == 0) {
		s = strdup(u.release);
	}
	if (!s)
		return -ENOMEM;
	if (sscanf(s, "%u.%u", maj, min) != 2)
		rc = -EINVAL;
	free(s);
	return rc;
}
