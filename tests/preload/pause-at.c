/*
 * LD_PRELOAD shim for tests: stop the process for good at the Nth call of
 * one function, so that a test can kill -9 it there.  PAUSE_AT=pread:N,
 * fsync:N or renameat:N; when the process gets there it creates the file
 * $PAUSE_MARK and sleeps until killed (the call itself never happens).
 * Two more faults of the same kind:
 *   FAIL_AT=pwrite:N   the Nth pwrite() fails with EIO (a write error)
 *   NO_TMPFILE=1       openat(O_TMPFILE) fails with EOPNOTSUPP, as on a
 *                      filesystem without O_TMPFILE
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

static void maybe_pause(const char *fn)
{
	static int count;
	const char *at = getenv("PAUSE_AT"), *mark = getenv("PAUSE_MARK");
	size_t len = strlen(fn);

	if (!at || strncmp(at, fn, len) || at[len] != ':')
		return;
	if (++count != atoi(at + len + 1))
		return;
	if (mark)
		close(open(mark, O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
	for (;;)
		pause();
}

ssize_t pread(int fd, void *buf, size_t len, off_t off)
{
	static ssize_t (*real)(int, void *, size_t, off_t);

	maybe_pause("pread");
	if (!real)
		real = (ssize_t (*)(int, void *, size_t, off_t))dlsym(RTLD_NEXT, "pread");
	return real(fd, buf, len, off);
}

ssize_t pread64(int fd, void *buf, size_t len, off_t off)
{
	return pread(fd, buf, len, off);
}

int fsync(int fd)
{
	static int (*real)(int);

	maybe_pause("fsync");
	if (!real)
		real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
	return real(fd);
}

int renameat(int ofd, const char *old, int nfd, const char *new)
{
	static int (*real)(int, const char *, int, const char *);

	maybe_pause("renameat");
	if (!real)
		real = (int (*)(int, const char *, int, const char *))dlsym(RTLD_NEXT, "renameat");
	return real(ofd, old, nfd, new);
}

ssize_t pwrite(int fd, const void *buf, size_t len, off_t off)
{
	static ssize_t (*real)(int, const void *, size_t, off_t);
	static int count;
	const char *at = getenv("FAIL_AT");

	if (at && !strncmp(at, "pwrite:", 7) && ++count == atoi(at + 7)) {
		errno = EIO;
		return -1;
	}
	if (!real)
		real = (ssize_t (*)(int, const void *, size_t, off_t))dlsym(RTLD_NEXT, "pwrite");
	return real(fd, buf, len, off);
}

ssize_t pwrite64(int fd, const void *buf, size_t len, off_t off)
{
	return pwrite(fd, buf, len, off);
}

int openat(int dfd, const char *path, int flags, ...)
{
	static int (*real)(int, const char *, int, ...);
	mode_t mode = 0;
	va_list ap;

	va_start(ap, flags);
	if (flags & (O_CREAT | __O_TMPFILE))
		mode = va_arg(ap, mode_t);
	va_end(ap);
	if ((flags & __O_TMPFILE) == __O_TMPFILE && getenv("NO_TMPFILE")) {
		errno = EOPNOTSUPP;
		return -1;
	}
	if (!real)
		real = (int (*)(int, const char *, int, ...))dlsym(RTLD_NEXT, "openat");
	return real(dfd, path, flags, mode);
}

int openat64(int dfd, const char *path, int flags, ...)
{
	mode_t mode = 0;
	va_list ap;

	va_start(ap, flags);
	if (flags & (O_CREAT | __O_TMPFILE))
		mode = va_arg(ap, mode_t);
	va_end(ap);
	return openat(dfd, path, flags, mode);
}
