/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lib/ logging: the library never prints.  It reports detail through a
 * callback the front end installs, and returns -errno.
 */
#ifndef BRD_LOG_H
#define BRD_LOG_H

#include <stdarg.h>
#include <syslog.h>	/* LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO, LOG_DEBUG */

typedef void (*brd_log_fn)(void *data, int prio, const char *fmt, va_list ap);

/* Install the sink (NULL = discard everything).  Not thread-safe. */
void brd_set_log_fn(brd_log_fn fn, void *data);

/* Report a message at syslog priority @prio.  Never changes errno. */
void brd_log(int prio, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define brd_err(...)	brd_log(LOG_ERR, __VA_ARGS__)
#define brd_warn(...)	brd_log(LOG_WARNING, __VA_ARGS__)
#define brd_info(...)	brd_log(LOG_INFO, __VA_ARGS__)
#define brd_dbg(...)	brd_log(LOG_DEBUG, __VA_ARGS__)

#endif
