// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests of lib/ramdisk/trust.c: StrictModes on one walk of descriptors. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../lib/ramdisk/trust.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test-trust.XXXXXX");
	if (!mkdtemp(dir) || chmod(dir, 0755) < 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	char cmd[256];

	(void)state;
	snprintf(cmd, sizeof(cmd), "chmod -R u+rwx '%s' 2>/dev/null; rm -rf '%s'", dir, dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void need_root(void)
{
	if (geteuid() != 0)
		skip();		/* owners other than ourselves need root */
}

static void mkfile(const char *p, mode_t mode)
{
	FILE *f = fopen(p, "w");

	assert_non_null(f);
	fputs("ram0 8M\n", f);
	fclose(f);
	assert_int_equal(chmod(p, mode), 0);
}

/* the descriptor returned is the file that was checked */
static void same_file(int fd, const char *p)
{
	struct stat a, b;

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &a), 0);
	assert_int_equal(stat(p, &b), 0);
	assert_int_equal(a.st_ino, b.st_ino);
	assert_int_equal(a.st_dev, b.st_dev);
	assert_int_equal(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	assert_int_equal(fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
	close(fd);
}

static void test_modes(void **state)
{
	char f[256], fix[300];
	struct brd_trust t;

	(void)state;
	need_root();
	snprintf(f, sizeof(f), "%s/brdtab", dir);
	mkfile(f, 0644);
	same_file(brd_trust_open(f, O_RDONLY, &t), f);
	chmod(f, 0664);
	assert_int_equal(brd_trust_open(f, O_RDONLY, &t), -EPERM);
	assert_string_equal(t.path, f);
	assert_false(t.is_dir);
	assert_string_equal(t.why, "writable by its group (mode 0664)");
	snprintf(fix, sizeof(fix), "chmod go-w %s", f);
	assert_string_equal(t.fix, fix);
	chmod(f, 0646);
	assert_int_equal(brd_trust_open(f, O_RDONLY, &t), -EPERM);
	assert_string_equal(t.why, "writable by others (mode 0646)");
	chmod(f, 0666);
	assert_int_equal(brd_trust_open(f, O_RDONLY, &t), -EPERM);
	assert_string_equal(t.why, "writable by group and others (mode 0666)");
	chmod(f, 0644);
	assert_int_equal(chown(f, 65534, 0), 0);
	assert_int_equal(brd_trust_open(f, O_RDONLY, &t), -EPERM);
	assert_string_equal(t.why, "owned by uid 65534, not root");
	snprintf(fix, sizeof(fix), "chown root %s", f);
	assert_string_equal(t.fix, fix);
	assert_int_equal(chown(f, 0, 0), 0);
	/* a directory on the path */
	chmod(dir, 0777);
	assert_int_equal(brd_trust_open(f, O_RDONLY, &t), -EPERM);
	assert_true(t.is_dir);
	assert_string_equal(t.path, dir);
	chmod(dir, 0775);
	assert_int_equal(brd_trust_open(f, O_RDONLY, &t), -EPERM);
	assert_string_equal(t.why, "writable by its group (mode 0775)");
	chmod(dir, 01777);		/* sticky, root's: like /tmp */
	same_file(brd_trust_open(f, O_RDONLY, &t), f);
	assert_int_equal(chown(dir, 65534, 0), 0);	/* sticky, but not root's */
	assert_int_equal(brd_trust_open(f, O_RDONLY, &t), -EPERM);
	assert_string_equal(t.why, "owned by uid 65534, not root");
	assert_true(t.is_dir);
	assert_int_equal(chown(dir, 0, 0), 0);
	chmod(dir, 0755);
	same_file(brd_trust_open(f, O_RDONLY, &t), f);
	/* only reading; nothing else */
	assert_int_equal(brd_trust_open(f, O_RDWR, &t), -EINVAL);
	assert_int_equal(brd_trust_open(f, O_RDONLY | O_CREAT, &t), -EINVAL);
	/* O_PATH: the checked descriptor itself */
	same_file(brd_trust_open(f, O_PATH, &t), f);
}

static void test_kinds(void **state)
{
	char f[256], p[300];
	struct brd_trust t;
	int fd;

	(void)state;
	snprintf(f, sizeof(f), "%s/kinds", dir);
	assert_int_equal(mkdir(f, 0755), 0);
	chmod(f, 0755);
	assert_int_equal(brd_trust_open(f, O_RDONLY, &t), -EISDIR);
	assert_string_equal(t.path, f);
	fd = brd_trust_open(f, O_RDONLY | O_DIRECTORY, &t);
	same_file(fd, f);
	snprintf(p, sizeof(p), "%s/kinds/fifo", dir);
	assert_int_equal(mkfifo(p, 0600), 0);
	alarm(10);			/* a FIFO is never opened: no blocking */
	assert_int_equal(brd_trust_open(p, O_RDONLY, &t), -EINVAL);
	alarm(0);
	assert_string_equal(t.why, "not a regular file (a FIFO)");
	assert_string_equal(t.path, p);
	assert_int_equal(brd_trust_open("/dev/null", O_RDONLY, &t), -EINVAL);
	assert_string_equal(t.why, "not a regular file (a character device)");
	snprintf(p, sizeof(p), "%s/kinds/file", dir);
	mkfile(p, 0644);
	assert_int_equal(brd_trust_open(p, O_RDONLY | O_DIRECTORY, &t), -ENOTDIR);
	snprintf(p, sizeof(p), "%s/kinds/file/", dir);
	assert_int_equal(brd_trust_open(p, O_RDONLY, &t), -ENOTDIR);
	snprintf(p, sizeof(p), "%s/kinds/file/x", dir);
	assert_int_equal(brd_trust_open(p, O_RDONLY, &t), -ENOTDIR);
	/* missing: t names what is missing */
	snprintf(p, sizeof(p), "%s/kinds/none", dir);
	assert_int_equal(brd_trust_open(p, O_RDONLY, &t), -ENOENT);
	assert_string_equal(t.path, p);
	assert_string_equal(t.fix, "");
	snprintf(p, sizeof(p), "%s/none/brdtab", dir);
	assert_int_equal(brd_trust_open(p, O_RDONLY, &t), -ENOENT);
	snprintf(f, sizeof(f), "%s/none", dir);
	assert_string_equal(t.path, f);
	assert_int_equal(brd_trust_open("", O_RDONLY, &t), -ENOENT);
	/* ".", "..", repeated slashes */
	snprintf(p, sizeof(p), "%s//kinds/./../kinds/file", dir);
	snprintf(f, sizeof(f), "%s/kinds/file", dir);
	same_file(brd_trust_open(p, O_RDONLY, &t), f);
	same_file(brd_trust_open("/", O_RDONLY | O_DIRECTORY, &t), "/");
	snprintf(p, sizeof(p), "%s/kinds/..", dir);
	same_file(brd_trust_open(p, O_RDONLY | O_DIRECTORY, &t), dir);
}

static void test_dotdot(void **state)
{
	char f[256], p[300], sub[256];
	struct brd_trust t;

	(void)state;
	need_root();
	/* ".." is looked up in the directory it follows, which must be
	 * trusted: whoever can write there can make it lead elsewhere */
	snprintf(sub, sizeof(sub), "%s/open", dir);
	assert_int_equal(mkdir(sub, 0777), 0);
	chmod(sub, 0777);
	snprintf(f, sizeof(f), "%s/tab", dir);
	mkfile(f, 0644);
	snprintf(p, sizeof(p), "%s/open/../tab", dir);
	assert_int_equal(brd_trust_open(p, O_RDONLY, &t), -EPERM);
	assert_string_equal(t.path, sub);
	chmod(sub, 0755);
	same_file(brd_trust_open(p, O_RDONLY, &t), f);
}

static void test_links(void **state)
{
	char f[256], ln[300], sub[256], real[300], fix[400];
	struct brd_trust t;

	(void)state;
	need_root();
	/* a root-owned link: followed, its target walked */
	snprintf(real, sizeof(real), "%s/real", dir);
	mkfile(real, 0644);
	snprintf(ln, sizeof(ln), "%s/link", dir);
	assert_int_equal(symlink("real", ln), 0);
	same_file(brd_trust_open(ln, O_RDONLY, &t), real);
	/* ... to a file in a directory others can write */
	snprintf(sub, sizeof(sub), "%s/open", dir);
	assert_int_equal(mkdir(sub, 0777), 0);
	chmod(sub, 0777);
	snprintf(f, sizeof(f), "%s/open/real", dir);
	mkfile(f, 0644);
	snprintf(ln, sizeof(ln), "%s/link2", dir);
	assert_int_equal(symlink(f, ln), 0);
	assert_int_equal(brd_trust_open(ln, O_RDONLY, &t), -EPERM);
	assert_string_equal(t.path, sub);
	assert_true(t.is_dir);
	/* a link owned by a user, in a sticky directory others can write,
	 * to a trusted file: it can be swapped, so it is not followed */
	chmod(sub, 01777);
	snprintf(ln, sizeof(ln), "%s/open/user-link", dir);
	assert_int_equal(symlink(real, ln), 0);
	assert_int_equal(lchown(ln, 65534, 65534), 0);
	assert_int_equal(brd_trust_open(ln, O_RDONLY, &t), -EPERM);
	assert_string_equal(t.path, ln);
	assert_false(t.is_dir);
	assert_string_equal(t.why, "a symbolic link owned by uid 65534, not root");
	snprintf(fix, sizeof(fix), "chown -h root %s", ln);
	assert_string_equal(t.fix, fix);
	/* ... the same link owned by the directory's owner is followed */
	assert_int_equal(chown(sub, 65534, 0), 0);
	chmod(sub, 0755);
	assert_int_equal(brd_trust_open(ln, O_RDONLY, &t), -EPERM);	/* the dir */
	assert_string_equal(t.path, sub);
	assert_int_equal(chown(sub, 0, 0), 0);
	assert_int_equal(lchown(ln, 0, 0), 0);
	same_file(brd_trust_open(ln, O_RDONLY, &t), real);
	/* a user's file behind a root's link */
	snprintf(f, sizeof(f), "%s/users", dir);
	mkfile(f, 0644);
	assert_int_equal(chown(f, 65534, 0), 0);
	snprintf(ln, sizeof(ln), "%s/link3", dir);
	assert_int_equal(symlink("users", ln), 0);
	assert_int_equal(brd_trust_open(ln, O_RDONLY, &t), -EPERM);
	assert_string_equal(t.path, f);
	/* links to directories, with more after them, relative and absolute */
	snprintf(ln, sizeof(ln), "%s/dirlink", dir);
	assert_int_equal(symlink(".", ln), 0);
	snprintf(ln, sizeof(ln), "%s/dirlink/dirlink/./real", dir);
	same_file(brd_trust_open(ln, O_RDONLY, &t), real);
	snprintf(ln, sizeof(ln), "%s/abslink", dir);
	assert_int_equal(symlink(dir, ln), 0);
	snprintf(ln, sizeof(ln), "%s/abslink/real", dir);
	same_file(brd_trust_open(ln, O_RDONLY, &t), real);
	/* loops end */
	snprintf(ln, sizeof(ln), "%s/loop", dir);
	assert_int_equal(symlink("loop", ln), 0);
	assert_int_equal(brd_trust_open(ln, O_RDONLY, &t), -ELOOP);
	snprintf(ln, sizeof(ln), "%s/dangling", dir);
	assert_int_equal(symlink("nothing-here", ln), 0);
	assert_int_equal(brd_trust_open(ln, O_RDONLY, &t), -ENOENT);
}

/* A working directory deeper than PATH_MAX: a relative path is walked
 * from it by its descriptor, and every directory above it counts. */
static void test_deep_cwd(void **state)
{
	char name[201], f[300];
	struct brd_trust t;
	int top, levels = 0;

	(void)state;
	need_root();
	memset(name, 'd', 200);
	name[200] = '\0';
	top = open(".", O_RDONLY | O_DIRECTORY);
	assert_true(top >= 0);
	snprintf(f, sizeof(f), "%s/deep", dir);
	assert_int_equal(mkdir(f, 0755), 0);
	chmod(f, 0755);
	assert_int_equal(chdir(f), 0);
	for (levels = 0; levels * 201 < PATH_MAX + 1000; levels++) {
		assert_int_equal(mkdir(name, 0755), 0);
		assert_int_equal(chmod(name, 0755), 0);
		assert_int_equal(chdir(name), 0);
	}
	mkfile("brdtab", 0666);
	assert_int_equal(chown("brdtab", 65534, 0), 0);
	assert_int_equal(brd_trust_open("brdtab", O_RDONLY, &t), -EPERM);
	assert_string_equal(t.why, "owned by uid 65534, not root");
	assert_int_equal(chown("brdtab", 0, 0), 0);
	assert_int_equal(brd_trust_open("brdtab", O_RDONLY, &t), -EPERM);
	assert_string_equal(t.why, "writable by group and others (mode 0666)");
	chmod("brdtab", 0644);
	assert_true(brd_trust_open("brdtab", O_RDONLY, &t) >= 0);
	assert_true(brd_trust_open("./brdtab", O_RDONLY, &t) >= 0);
	/* a directory far above the working directory */
	assert_int_equal(chmod(f, 0777), 0);
	assert_int_equal(brd_trust_open("brdtab", O_RDONLY, &t), -EPERM);
	assert_true(t.is_dir);
	assert_string_equal(t.why, "writable by group and others (mode 0777)");
	assert_int_equal(chmod(f, 0755), 0);
	/* and the working directory itself */
	assert_int_equal(chmod(".", 0757), 0);
	assert_int_equal(brd_trust_open("brdtab", O_RDONLY, &t), -EPERM);
	assert_true(t.is_dir);
	assert_int_equal(chmod(".", 0755), 0);
	assert_int_equal(fchdir(top), 0);
	close(top);
}

static void test_mountpoint(void **state)
{
	char p[300], q[300], ln[300];
	struct brd_trust t;
	bool made;
	int fd;

	(void)state;
	need_root();
	/* missing directories are made, in checked parents */
	snprintf(p, sizeof(p), "%s/mnt/a/b", dir);
	assert_int_equal(brd_trust_mountpoint(p, false, &t, &made), -ENOENT);
	assert_false(made);
	fd = brd_trust_mountpoint(p, true, &t, &made);
	assert_true(made);
	same_file(fd, p);
	fd = brd_trust_mountpoint(p, true, &t, &made);
	assert_false(made);
	same_file(fd, p);
	/* a parent others can write refuses, and nothing is made in it */
	snprintf(q, sizeof(q), "%s/mnt", dir);
	chmod(q, 0777);
	snprintf(p, sizeof(p), "%s/mnt/c", dir);
	assert_int_equal(brd_trust_mountpoint(p, true, &t, &made), -EPERM);
	assert_false(made);
	assert_string_equal(t.path, q);
	assert_int_equal(access(p, F_OK), -1);
	/* sticky: a root's directory is fine, a user's is not (they can
	 * rename it and put a link in its place) */
	chmod(q, 01777);
	fd = brd_trust_mountpoint(p, true, &t, &made);
	assert_true(made);
	same_file(fd, p);
	assert_int_equal(chown(p, 65534, 0), 0);
	assert_int_equal(brd_trust_mountpoint(p, true, &t, &made), -EPERM);
	assert_string_equal(t.path, p);
	assert_string_equal(t.why, "owned by uid 65534, not root");
	/* ... and a user's link there is not followed */
	snprintf(ln, sizeof(ln), "%s/mnt/ln", dir);
	assert_int_equal(symlink("/etc", ln), 0);
	assert_int_equal(lchown(ln, 65534, 65534), 0);
	assert_int_equal(brd_trust_mountpoint(ln, true, &t, &made), -EPERM);
	assert_string_equal(t.path, ln);
	/* not a directory */
	snprintf(p, sizeof(p), "%s/mnt/file", dir);
	mkfile(p, 0644);
	assert_int_equal(brd_trust_mountpoint(p, true, &t, &made), -ENOTDIR);
	/* a user's mount point in a directory only root can write is fine:
	 * nobody else can replace it */
	chmod(q, 0755);
	snprintf(p, sizeof(p), "%s/mnt/c", dir);
	fd = brd_trust_mountpoint(p, true, &t, &made);
	same_file(fd, p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_modes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kinds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dotdot, setup, teardown),
		cmocka_unit_test_setup_teardown(test_links, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deep_cwd, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mountpoint, setup, teardown),
	};

	umask(022);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
