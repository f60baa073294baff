// SPDX-License-Identifier: GPL-2.0-or-later
/* Messages, exit codes and argument parsing shared by every subcommand. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "../lib/base/size.h"

struct brd_globals G = { .prog = "brdctl", .cmdpath = "brdctl" };

int exit_code_from_errno(int err)
{
	if (err < 0)
		err = -err;
	switch (err) {
	case 0:
		return EXIT_OK;
	case ENOENT:
	case ENODEV:
	case ENXIO:
	case ESRCH:
		return EXIT_NOTFOUND;
	case EBUSY:
	case EEXIST:
	case ETXTBSY:
		return EXIT_BUSY;
	case EOPNOTSUPP:
	case ENOSYS:
	case ENOTTY:
		return EXIT_NOTSUP;
	case EPERM:
	case EACCES:
	case EROFS:
		return EXIT_PERM;
	case EBADMSG:
	case EUCLEAN:
		return EXIT_CORRUPT;
	case ENODATA:
		return EXIT_TRUNCATED;
	default:
		return EXIT_FAIL;
	}
}

/* strerror for our private uses of errno values */
static const char *reason(int err)
{
	switch (err) {
	case EBADMSG:
		return "invalid data";
	case ENODATA:
		return "data truncated";
	default:
		return strerror(err);
	}
}

/* "prog: object: message[: reason]" and the exit code of @err */
static int report(int err, bool say_reason, const char *object, const char *fmt,
		  va_list ap)
{
	if (err < 0)
		err = -err;
	fprintf(stderr, "%s: ", G.prog);
	if (object)
		fprintf(stderr, "%s: ", object);
	vfprintf(stderr, fmt, ap);
	if (err && say_reason)
		fprintf(stderr, ": %s", reason(err));
	fputc('\n', stderr);
	return err ? exit_code_from_errno(err) : EXIT_FAIL;
}

int cmd_err(int err, const char *object, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = report(err, true, object, fmt, ap);
	va_end(ap);
	return rc;
}

int cmd_fail(int err, const char *object, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = report(err, false, object, fmt, ap);
	va_end(ap);
	return rc;
}

void cmd_warnx(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", G.prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void cmd_verbose(const char *fmt, ...)
{
	va_list ap;

	if (!G.verbose)
		return;
	fprintf(stderr, "%s: ", G.prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int cmd_usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", G.prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s --help' for more information.\n", G.cmdpath);
	return EXIT_USAGE;
}

int cmd_parse_size(const char *opt, const char *arg, uint64_t *res)
{
	int rc = brd_parse_size(arg, res);

	if (rc == -ERANGE)
		return cmd_usage_error("%s: size out of range: '%s'", opt, arg);
	if (rc)
		return cmd_usage_error("%s: invalid size: '%s'", opt, arg);
	return 0;
}

int cmd_parse_u64(const char *opt, const char *arg, uint64_t min,
		  uint64_t max, uint64_t *res)
{
	char *end;
	uint64_t v;

	errno = 0;
	v = strtoull(arg, &end, 10);
	if (!*arg || *end || arg[0] == '-' || arg[0] == '+' ||
	    (errno && errno != ERANGE))
		return cmd_usage_error("%s: invalid number: '%s'", opt, arg);
	if (errno == ERANGE || v < min || v > max)
		return cmd_usage_error("%s: '%s' is out of range (%" PRIu64
				       "-%" PRIu64 ")", opt, arg, min, max);
	*res = v;
	return 0;
}
