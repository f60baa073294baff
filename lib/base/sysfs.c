// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "log.h"
#include "sysfs.h"

static char root[4096] = "/";

int brd_set_root(const char *dir)
{
	struct stat st;

	if (!dir || !*dir || strcmp(dir, "/") == 0) {
		strcpy(root, "/");
		return 0;
	}
	if (strlen(dir) >= sizeof(root) - 1)
		return -ENAMETOOLONG;
	if (stat(dir, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	strcpy(root, dir);
	/* no trailing slash: paths are appended as "/sys/..." */
	for (size_t n = strlen(root); n > 1 && root[n - 1] == '/'; n--)
		root[n - 1] = '\0';
	return 0;
}

const char *brd_root(void)
{
	return root;
}

char *brd_root_path(char *buf, size_t len, const char *path)
{
	int n;

	if (strcmp(root, "/") == 0)
		n = snprintf(buf, len, "%s", path);
	else
		n = snprintf(buf, len, "%s%s", root, path);
	if (n < 0 || (size_t)n >= len) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	return buf;
}

/* Format @fmt into a rooted path in @buf. */
static char *vpath(char *buf, size_t len, const char *fmt, va_list ap)
{
	char rel[4096];
	int n = vsnprintf(rel, sizeof(rel), fmt, ap);

	if (n < 0 || (size_t)n >= sizeof(rel)) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	return brd_root_path(buf, len, rel);
}

#define WITH_PATH(buf, fmt)						\
	char buf[8192];							\
	do {								\
		va_list ap;						\
		char *ok_;						\
		va_start(ap, fmt);					\
		ok_ = vpath(buf, sizeof(buf), fmt, ap);			\
		va_end(ap);						\
		if (!ok_)						\
			return -ENAMETOOLONG;				\
	} while (0)

int brd_path_open(int flags, const char *fmt, ...)
{
	int fd;

	WITH_PATH(p, fmt);
	fd = open(p, flags | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int brd_path_access(int mode, const char *fmt, ...)
{
	WITH_PATH(p, fmt);
	return access(p, mode) < 0 ? -errno : 0;
}

DIR *brd_path_opendir(const char *fmt, ...)
{
	char p[8192];
	va_list ap;
	char *ok;

	va_start(ap, fmt);
	ok = vpath(p, sizeof(p), fmt, ap);
	va_end(ap);
	return ok ? opendir(p) : NULL;
}

static int read_fd_string(int fd, char **res)
{
	size_t cap = 256, len = 0;
	char *buf = malloc(cap), *nb;
	ssize_t n;

	if (!buf)
		return -ENOMEM;
	for (;;) {
		if (len + 1 >= cap) {
			if (cap >= (1u << 20)) {
				free(buf);
				return -EFBIG;
			}
			nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				return -ENOMEM;
			}
			buf = nb;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			n = -errno;
			free(buf);
			return (int)n;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	while (len && (buf[len - 1] == '\n'))
		len--;
	buf[len] = '\0';
	*res = buf;
	return 0;
}

static int vread_string(char **res, const char *fmt, va_list ap)
{
	char p[8192];
	int fd, rc;

	if (!vpath(p, sizeof(p), fmt, ap))
		return -ENAMETOOLONG;
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	rc = read_fd_string(fd, res);
	close(fd);
	return rc;
}

int brd_path_read_string(char **res, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vread_string(res, fmt, ap);
	va_end(ap);
	return rc;
}

/* Parse a whole file as one decimal number; @is_signed picks strtoll. */
static int vread_number(bool is_signed, void *res, const char *fmt, va_list ap)
{
	char *s, *end;
	int rc = vread_string(&s, fmt, ap);

	if (rc)
		return rc;
	errno = 0;
	if (is_signed) {
		long long v = strtoll(s, &end, 10);

		if (!errno && end != s && !*end)
			*(int64_t *)res = v;
	} else {
		unsigned long long v = strtoull(s, &end, 10);

		if (s[0] == '-')
			end = s;	/* strtoull accepts "-1" */
		else if (!errno && end != s && !*end)
			*(uint64_t *)res = v;
	}
	if (errno || end == s || *end)
		rc = errno == ERANGE ? -ERANGE : -EINVAL;
	free(s);
	return rc;
}

int brd_path_read_u64(uint64_t *res, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vread_number(false, res, fmt, ap);
	va_end(ap);
	return rc;
}

int brd_path_read_s64(int64_t *res, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vread_number(true, res, fmt, ap);
	va_end(ap);
	return rc;
}

int brd_path_read_devno(dev_t *res, const char *fmt, ...)
{
	unsigned int maj, min;
	char *s, c;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vread_string(&s, fmt, ap);
	va_end(ap);
	if (rc)
		return rc;
	if (sscanf(s, "%u:%u%c", &maj, &min, &c) != 2)
		rc = -EINVAL;
	else
		*res = makedev(maj, min);
	free(s);
	return rc;
}

int brd_path_write_string(const char *str, const char *fmt, ...)
{
	size_t len = strlen(str);
	ssize_t n;
	int fd, rc = 0;

	WITH_PATH(p, fmt);
	fd = open(p, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, str, len);
	if (n < 0)
		rc = -errno;
	else if ((size_t)n != len)
		rc = -EIO;
	if (close(fd) < 0 && !rc)
		rc = -errno;
	return rc;
}

int brd_path_readlink(char *buf, size_t len, const char *fmt, ...)
{
	ssize_t n;

	WITH_PATH(p, fmt);
	n = readlink(p, buf, len);
	if (n < 0)
		return -errno;
	if ((size_t)n >= len)
		return -ENAMETOOLONG;
	buf[n] = '\0';
	return 0;
}
