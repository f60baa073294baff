// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include "log.h"

static brd_log_fn log_fn;
static void *log_data;

void brd_set_log_fn(brd_log_fn fn, void *data)
{
	log_fn = fn;
	log_data = data;
}

void brd_log(int prio, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	if (log_fn) {
		va_start(ap, fmt);
		log_fn(log_data, prio, fmt, ap);
		va_end(ap);
	}
	errno = saved;
}
