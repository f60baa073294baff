// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * brdtab(5) parser and validation.  Pure: reads text, never prints, and
 * returns every problem as a line-numbered message (see brdtab.h).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "brd.h"
#include "pool.h"
#include "brdtab.h"
#include "brdunit.h"
#include "trust.h"
#include "../base/size.h"
#include "../base/sysfs.h"

#define SIZE_ALIGN	4096u

/* ------------------------------------------------------------ errors --- */

static int vadd_err(struct brdtab *tab, unsigned int line, int err,
		    const char *fmt, va_list ap)
{
	struct brdtab_error *n;
	char *msg;

	if (vasprintf(&msg, fmt, ap) < 0)
		return -ENOMEM;
	if (tab->nerr == tab->errcap) {
		size_t cap = tab->errcap ? tab->errcap * 2 : 16;

		n = realloc(tab->err, cap * sizeof(*n));
		if (!n) {
			free(msg);
			return -ENOMEM;
		}
		tab->err = n;
		tab->errcap = cap;
	}
	tab->err[tab->nerr++] = (struct brdtab_error){ line, msg, err };
	return 0;
}

static int add_err(struct brdtab *tab, unsigned int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int add_err(struct brdtab *tab, unsigned int line, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vadd_err(tab, line, EINVAL, fmt, ap);
	va_end(ap);
	return rc;
}

int brdtab_add_error(struct brdtab *tab, unsigned int line, int err,
		     const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vadd_err(tab, line, err, fmt, ap);
	va_end(ap);
	return rc;
}

/* stable merge sort of @n errors by line, through @tmp (n elements) */
static void merge_sort(struct brdtab_error *e, struct brdtab_error *tmp, size_t n)
{
	size_t h = n / 2, i = 0, j = h, k = 0;

	if (n < 2)
		return;
	merge_sort(e, tmp, h);
	merge_sort(e + h, tmp, n - h);
	while (i < h && j < n)
		tmp[k++] = e[j].line < e[i].line ? e[j++] : e[i++];
	while (i < h)
		tmp[k++] = e[i++];
	while (j < n)
		tmp[k++] = e[j++];
	memcpy(e, tmp, n * sizeof(*e));
}

/* Errors by line, in the order found within a line.  0 or -ENOMEM. */
int brdtab_sort_errors(struct brdtab *tab)
{
	struct brdtab_error *tmp;
	size_t i;

	for (i = 1; i < tab->nerr && tab->err[i - 1].line <= tab->err[i].line; i++)
		;
	if (i >= tab->nerr)
		return 0;		/* already sorted: the usual case */
	tmp = malloc(tab->nerr * sizeof(*tmp));
	if (!tmp)
		return -ENOMEM;
	merge_sort(tab->err, tmp, tab->nerr);
	free(tmp);
	return 0;
}

/* ------------------------------------------------------------ helpers --- */

const char *brdtab_size_str(uint64_t bytes, char *buf, size_t len)
{
	static const char units[] = "KMGTPE";
	int u = -1;

	while (u < 5 && bytes && bytes % 1024 == 0) {
		bytes /= 1024;
		u++;
	}
	if (u < 0)
		snprintf(buf, len, "%" PRIu64, bytes);
	else
		snprintf(buf, len, "%" PRIu64 "%c", bytes, units[u]);
	return buf;
}

static bool name_char(char c)
{
	return isalnum((unsigned char)c) || c == '.' || c == '_' || c == '-';
}

char *brdtab_name_from_target(const char *target)
{
	char *s, *q;

	while (*target == '/')
		target++;
	if (!*target || strlen(target) > BRDTAB_NAME_MAX)
		return NULL;
	s = strdup(target);
	if (!s)
		return NULL;
	for (q = s; *q; q++)
		if (*q == '/')
			*q = '-';
		else if (!name_char(*q))
			*q = '_';
	return s;
}

/* ------------------------------------------------------ unit paths --- */

/* after a reason of the path rule, in messages */
#define UNIT_PATH_HINT	": systemd units cannot name it (see PATHS IN UNITS in brdtab(5))"

/*
 * One UTF-8 character at @p (NUL-terminated) as systemd accepts it
 * (utf8_encoded_valid_unichar): its length, *@cp its code point; 0 if the
 * bytes are not a shortest-form encoding of a valid character (surrogates,
 * above U+10FFFF, noncharacters).
 */
static size_t utf8_char(const unsigned char *p, uint32_t *cp)
{
	uint32_t c = p[0], min;
	size_t n;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if ((c & 0xe0) == 0xc0) {
		n = 2, c &= 0x1f, min = 0x80;
	} else if ((c & 0xf0) == 0xe0) {
		n = 3, c &= 0x0f, min = 0x800;
	} else if ((c & 0xf8) == 0xf0) {
		n = 4, c &= 0x07, min = 0x10000;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)	/* also stops at the NUL */
			return 0;
		c = c << 6 | (p[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff) ||
	    (c >= 0xfdd0 && c <= 0xfdef) || (c & 0xfffe) == 0xfffe)
		return 0;
	*cp = c;
	return n;
}

/* The characters both rules refuse; @path: also quotes.  NULL or why. */
static const char *unit_chars_problem(const char *s, bool path, char *buf,
				      size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);

	while (*p) {
		uint32_t c;
		size_t l = utf8_char(p, &c);

		if (!l) {
			snprintf(buf, len, "is not valid UTF-8 (byte 0x%02x at "
				 "offset %zu)", *p, (size_t)(p - (const unsigned char *)s));
			return buf;
		}
		if (c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f)) {
			snprintf(buf, len, "has a control character (U+%04X)", c);
			return buf;
		}
		if (c == '\\')
			return "has a backslash";
		if (path && c == '"')
			return "has a double quote";
		if (path && c == '\'')
			return "has a single quote";
		p += l;
	}
	if (n && s[n - 1] == ' ')
		return "ends in a blank";
	return NULL;
}

const char *brdtab_unit_path_problem(const char *path, char *buf, size_t len)
{
	const char *why = unit_chars_problem(path, true, buf, len);
	char *unit;
	size_t ul;

	if (why)
		return why;
	unit = brd_unit_name_from_path(path, ".mount");
	if (!unit)
		return "cannot be checked (out of memory)";
	ul = strlen(unit);
	free(unit);
	if (ul > BRDTAB_UNIT_NAME_MAX) {
		snprintf(buf, len, "gives a mount unit name (systemd-escape "
			 "--path, .mount) of %zu bytes, more than systemd's %d",
			 ul, BRDTAB_UNIT_NAME_MAX);
		return buf;
	}
	return NULL;
}

const char *brdtab_unit_text_problem(const char *text, char *buf, size_t len)
{
	return unit_chars_problem(text, false, buf, len);
}

/* @s for a message: printable ASCII as it is, a backslash as \\, any
 * other byte as \xHH (a control character or invalid UTF-8 from the file
 * must not reach the log raw); at most SHOWN_MAX bytes of @s, then "...".
 * malloc'd, NULL on ENOMEM. */
#define SHOWN_MAX	200
static char *shown(const char *s)
{
	char *out = malloc(SHOWN_MAX * 4 + 4), *o = out;
	size_t n = 0;

	if (!out)
		return NULL;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++, n++) {
		if (n == SHOWN_MAX) {
			strcpy(o, "...");
			return out;
		}
		if (*p == '\\')
			o += sprintf(o, "\\\\");
		else if (*p >= 0x20 && *p < 0x7f)
			*o++ = (char)*p;
		else
			o += sprintf(o, "\\x%02x", *p);
	}
	*o = '\0';
	return out;
}

/* "/a//b/" -> "/a/b"; NULL with *why if not an absolute canonical path */
static char *normalise_target(const char *in, const char **why)
{
	char *out, *o;
	const char *p = in;

	if (in[0] != '/') {
		*why = "is not an absolute path";
		return NULL;
	}
	if (strlen(in) >= PATH_MAX) {
		*why = "is too long";
		return NULL;
	}
	out = malloc(strlen(in) + 1);
	if (!out) {
		*why = NULL;
		return NULL;
	}
	o = out;
	while (*p) {
		const char *c;
		size_t l;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		c = p;
		while (*p && *p != '/')
			p++;
		l = (size_t)(p - c);
		if ((l == 1 && c[0] == '.') || (l == 2 && c[0] == '.' && c[1] == '.')) {
			free(out);
			*why = "has a . or .. component";
			return NULL;
		}
		*o++ = '/';
		memcpy(o, c, l);
		o += l;
	}
	*o = '\0';
	if (o == out) {
		free(out);
		*why = "is the root directory";
		return NULL;
	}
	return out;
}

/* ------------------------------------------------------------ fields --- */

struct fields {
	char *f[BRDTAB_MAX_FIELDS + 1];
	int n;		/* fields seen (may exceed BRDTAB_MAX_FIELDS) */
};

static void fields_free(struct fields *fl)
{
	for (int i = 0; i < BRDTAB_MAX_FIELDS + 1; i++)
		free(fl->f[i]);
	memset(fl, 0, sizeof(*fl));
}

/* The depth of parentheses after @c in the SIZE field ("min(25%, 4G)"). */
static int size_paren(char c, int depth)
{
	if (c == '(')
		return depth + 1;
	if (c == ')' && depth)
		return depth - 1;
	return depth;
}

/*
 * Split [s, end) into fields.  Blanks separate; "..." groups (\" and \\
 * escape inside); \x escapes x outside quotes; an unquoted # at the start of
 * a field starts a comment.  Returns 0, -EINVAL with *why, or -ENOMEM.
 */
static int split_fields(const char *s, const char *end, struct fields *fl,
			const char **why)
{
	char *buf = malloc((size_t)(end - s) + 1);

	if (!buf)
		return -ENOMEM;
	memset(fl, 0, sizeof(*fl));
	while (s < end) {
		size_t n = 0;
		bool quoted = false;

		while (s < end && (*s == ' ' || *s == '\t' || *s == '\r' ||
				   *s == '\v' || *s == '\f'))
			s++;
		if (s >= end || *s == '#')
			break;
		int depth = 0;	/* SIZE: blanks inside min(...) belong to it */

		while (s < end) {
			char c = *s;

			if (quoted) {
				if (c == '"') {
					quoted = false;
					s++;
					continue;
				}
				if (c == '\\' && s + 1 < end && (s[1] == '"' || s[1] == '\\'))
					c = *++s;
				buf[n++] = c;
				s++;
				continue;
			}
			if (fl->n == 1)
				depth = size_paren(c, depth);
			if ((c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f') &&
			    !depth)
				break;
			if (c == '"') {
				quoted = true;
				s++;
				continue;
			}
			if (c == '\\') {
				if (s + 1 >= end) {
					free(buf);
					fields_free(fl);
					*why = "a backslash ends the line";
					return -EINVAL;
				}
				c = *++s;
			}
			buf[n++] = c;
			s++;
		}
		if (quoted) {
			free(buf);
			fields_free(fl);
			*why = "unterminated quote";
			return -EINVAL;
		}
		if (fl->n < BRDTAB_MAX_FIELDS) {
			fl->f[fl->n] = strndup(buf, n);
			if (!fl->f[fl->n]) {
				free(buf);
				fields_free(fl);
				return -ENOMEM;
			}
		}
		fl->n++;
	}
	free(buf);
	return 0;
}

static bool empty_field(const char *f)
{
	return !f || !*f || !strcmp(f, "-");
}

/* Split mkfs options on blanks into a NULL-terminated vector. */
static char **split_argv(const char *s)
{
	char **v = calloc(strlen(s) / 2 + 2, sizeof(*v));
	size_t n = 0;

	if (!v)
		return NULL;
	while (*s) {
		const char *b;

		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			break;
		b = s;
		while (*s && *s != ' ' && *s != '\t')
			s++;
		v[n] = strndup(b, (size_t)(s - b));
		if (!v[n]) {
			for (size_t i = 0; i < n; i++)
				free(v[i]);
			free(v);
			return NULL;
		}
		n++;
	}
	return v;
}

static bool valid_fstype(const char *t)
{
	if (!*t || strlen(t) > 32)
		return false;
	for (; *t; t++)
		if (!isalnum((unsigned char)*t) && *t != '_' && *t != '.')
			return false;
	return true;
}

static bool valid_account(const char *s)
{
	if (!*s || strlen(s) > 64 || *s == '-')
		return false;
	for (; *s; s++)
		if (isspace((unsigned char)*s) || *s == ':' || *s == '/' || *s == ',')
			return false;
	return true;
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

static void entry_free(struct brdtab_entry *e)
{
	free(e->spec);
	free(e->name);
	free(e->fstype);
	free(e->mkfs_opts);
	if (e->mkfs_argv)
		for (char **a = e->mkfs_argv; *a; a++)
			free(*a);
	free(e->mkfs_argv);
	free(e->target);
	free(e->options);
	free(e->owner);
	free(e->group);
	free(e->persist);
	free(e->persist_every);
}

/*
 * A time span as systemd.time(7) writes it, strictly: one or more NUMBER
 * UNIT without blanks ("15min", "1h30min"), units s sec m min h hr d w and
 * their long forms; at least one second.  0 or -EINVAL.
 */
static int parse_timespan(const char *s, uint64_t *secs)
{
	static const struct { const char *u; uint64_t mul; } units[] = {
		{ "seconds", 1 }, { "second", 1 }, { "sec", 1 }, { "s", 1 },
		{ "minutes", 60 }, { "minute", 60 }, { "min", 60 }, { "m", 60 },
		{ "hours", 3600 }, { "hour", 3600 }, { "hr", 3600 }, { "h", 3600 },
		{ "days", 86400 }, { "day", 86400 }, { "d", 86400 },
		{ "weeks", 604800 }, { "week", 604800 }, { "w", 604800 },
	};
	uint64_t total = 0;

	if (!*s)
		return -EINVAL;
	while (*s) {
		uint64_t v = 0, part;
		size_t i, l = 0;

		if (!isdigit((unsigned char)*s))
			return -EINVAL;
		for (; isdigit((unsigned char)*s); s++)
			if (__builtin_mul_overflow(v, 10, &v) ||
			    __builtin_add_overflow(v, (uint64_t)(*s - '0'), &v))
				return -EINVAL;
		while (isalpha((unsigned char)s[l]))
			l++;
		for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
			if (strlen(units[i].u) == l && !strncmp(s, units[i].u, l))
				break;
		if (!l || i == sizeof(units) / sizeof(units[0]) ||
		    __builtin_mul_overflow(v, units[i].mul, &part) ||
		    __builtin_add_overflow(total, part, &total) ||
		    total > 100ULL * 365 * 86400)
			return -EINVAL;
		s += l;
	}
	if (!total)
		return -EINVAL;
	*secs = total;
	return 0;
}

/* The image of x-brdctl.persist=: an absolute path of a file, normalised,
 * that follows the path rule (brdtab_unit_path_problem(): the units hold
 * it), not below the line's own mount point.  NULL with *why (maybe in
 * @whybuf), or NULL (ENOMEM). */
static char *persist_image(const struct brdtab_entry *e, const char *v,
			   const char **why, bool *unit_rule, char *whybuf,
			   size_t whylen)
{
	char *img;
	size_t tl;

	*unit_rule = false;
	*why = "is not an absolute path of a file";
	if (v[0] != '/' || v[strlen(v) - 1] == '/')
		return NULL;
	img = normalise_target(v, why);
	if (!img)
		return NULL;
	if ((*why = brdtab_unit_path_problem(img, whybuf, whylen))) {
		*unit_rule = true;
		free(img);
		return NULL;
	}
	tl = e->target ? strlen(e->target) : 0;
	if (tl && !strncmp(img, e->target, tl) && img[tl] == '/') {
		*why = "is below the line's own mount point (it must outlive the ramdisk)";
		free(img);
		return NULL;
	}
	return img;
}

/* x-brdctl.min-memory=SIZE / max-memory=SIZE (@kl: the name's length):
 * the line applies only where MemTotal is at least / at most SIZE.
 * 0, 1 if it is refused (recorded), -ENOMEM. */
static int memory_option(struct brdtab *tab, unsigned int line,
			 struct brdtab_entry *e, const char *opt, size_t kl,
			 const char *v)
{
	uint64_t *slot = opt[9] == 'm' && opt[10] == 'i' ? &e->min_memory : &e->max_memory;
	uint64_t bytes;

	if (*slot)
		return add_err(tab, line, "option %.*s is given twice", (int)kl, opt) ?
		       -ENOMEM : 1;
	if (brd_parse_size(v, &bytes) || !bytes)
		return add_err(tab, line, "%.*s: invalid size '%s' (a number with an "
			       "optional K, M, G, T suffix, not 0)", (int)kl, opt, v) ?
		       -ENOMEM : 1;
	*slot = bytes;
	if (e->min_memory && e->max_memory && e->min_memory > e->max_memory)
		return add_err(tab, line, "x-brdctl.min-memory= is more than "
			       "x-brdctl.max-memory=: the line would never apply") ?
		       -ENOMEM : 1;
	return 0;
}

/* One x-brdctl.NAME=VALUE option into @e; 1 if it is refused (recorded). */
static int brdctl_option(struct brdtab *tab, unsigned int line,
			 struct brdtab_entry *e, const char *opt)
{
	const char *eq = strchr(opt, '='), *v = eq ? eq + 1 : "", *why = NULL;
	size_t kl = eq ? (size_t)(eq - opt) : strlen(opt);
	char **slot, whybuf[160], *sv;
	bool unit_rule;
	int rc;

#define OPT_IS(k) (kl == sizeof(k) - 1 && !strncmp(opt, k, kl))
	if (OPT_IS("x-brdctl.min-memory") || OPT_IS("x-brdctl.max-memory"))
		return memory_option(tab, line, e, opt, kl, v);
	if (OPT_IS("x-brdctl.persist"))
		slot = &e->persist;
	else if (OPT_IS("x-brdctl.persist-every"))
		slot = &e->persist_every;
	else
		return add_err(tab, line, "unknown option '%.*s' (brdctl knows "
			       "x-brdctl.persist=, x-brdctl.persist-every=, "
			       "x-brdctl.min-memory= and x-brdctl.max-memory=)",
			       (int)kl, opt) ? -ENOMEM : 1;
#undef OPT_IS
	if (*slot)
		return add_err(tab, line, "option %.*s is given twice", (int)kl, opt) ?
		       -ENOMEM : 1;
	if (slot == &e->persist_every) {
		if (parse_timespan(v, &e->persist_every_s))
			return add_err(tab, line, "x-brdctl.persist-every: invalid time "
				       "span '%s' (e.g. 15min, 1h, 1h30min; at least 1s)",
				       v) ? -ENOMEM : 1;
		*slot = strdup(v);
	} else {
		*slot = persist_image(e, v, &why, &unit_rule, whybuf, sizeof(whybuf));
		if (!*slot && why) {
			if (!(sv = shown(v)))
				return -ENOMEM;
			rc = add_err(tab, line, "x-brdctl.persist: the image '%s' %s%s",
				     sv, why, unit_rule ? UNIT_PATH_HINT : "");
			free(sv);
			return rc ? -ENOMEM : 1;
		}
	}
	return *slot ? 0 : -ENOMEM;
}

/*
 * Take brdctl's own options (x-brdctl.*) out of @e->options, which keeps
 * what mount is given (NULL when nothing or only "defaults" is left).
 * 0, 1 if errors were recorded, -ENOMEM.
 */
static int parse_brdctl_options(struct brdtab *tab, unsigned int line,
				struct brdtab_entry *e)
{
	char *rest, *o, *save = NULL;
	int bad = 0, rc;

	if (!e->options || !strstr(e->options, "x-brdctl."))
		return 0;
	rest = calloc(1, strlen(e->options) + 1);
	if (!rest)
		return -ENOMEM;
	for (o = strtok_r(e->options, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
		if (strncmp(o, "x-brdctl.", 9)) {
			if (*rest)
				strcat(rest, ",");
			strcat(rest, o);
			continue;
		}
		if ((rc = brdctl_option(tab, line, e, o)) < 0) {
			free(rest);
			return rc;
		}
		bad |= rc;
	}
	free(e->options);
	e->options = rest;
	if (!*rest || !strcmp(rest, "defaults")) {
		free(rest);
		e->options = NULL;
	}
	if (e->persist_every && !e->persist && !bad) {
		bad = 1;
		if (add_err(tab, line, "x-brdctl.persist-every= needs "
			    "x-brdctl.persist=IMAGE"))
			return -ENOMEM;
	}
	return bad;
}

#define ERR(...) do { if (add_err(tab, line, __VA_ARGS__)) return -ENOMEM; } while (0)

/* Field i is present and not "-". */
static bool has_field(const struct fields *fl, int i)
{
	return fl->n > i && !empty_field(fl->f[i]);
}

/* "pM" of ramNpM: M from 1, no leading zero */
static bool part_suffix(const char *p)
{
	if (*p++ != 'p' || *p < '1' || *p > '9')
		return false;
	return strspn(p, "0123456789") == strlen(p) && strlen(p) <= 3;
}

enum brdtab_name_kind brdtab_name_kind(const char *name)
{
	unsigned int num;
	const char *p;

	if (!name || !*name || strchr(name, '/'))
		return BRDTAB_NAME_INVALID;
	if (brd_parse_name(name, &num) == 0)
		return BRDTAB_NAME_WHOLE;
	if (brd_pool_name_valid(name))
		return BRDTAB_NAME_POOLED;
	/* ramNpM: N as brd_parse_name() reads it */
	p = name + 3;
	if (strncmp(name, "ram", 3) || *p < '0' || *p > '9' || (*p == '0' && p[1] != 'p'))
		return BRDTAB_NAME_INVALID;
	p += strspn(p, "0123456789");
	if (p - name > 10 || !part_suffix(p))
		return BRDTAB_NAME_INVALID;
	return BRDTAB_NAME_PART;
}

/* NAME: ramN, auto or a pooled name.  0 or -ENOMEM (errors recorded). */
static int parse_name(struct brdtab *tab, unsigned int line, const char *f,
		      struct brdtab_entry *e)
{
	unsigned int num;

	e->spec = strdup(f);
	if (!e->spec)
		return -ENOMEM;
	if (!strcmp(f, "auto")) {
		e->kind = BRDTAB_WHOLE;		/* decided in plan() */
	} else if (brd_parse_name(f, &num) == 0) {
		e->kind = BRDTAB_WHOLE;
		e->num = num;
		if (asprintf(&e->name, "ram%u", num) < 0)
			return -ENOMEM;
	} else if (brdtab_name_kind(f) == BRDTAB_NAME_POOLED) {
		e->kind = BRDTAB_POOLED;
		e->name = strdup(f);
		if (!e->name)
			return -ENOMEM;
	} else {
		ERR("invalid name '%s': use ramN, auto, or a pooled ramdisk name "
		    "(1-%d characters of A-Z a-z 0-9 . _ -)", f, BRDTAB_NAME_MAX);
	}
	return 0;
}

/* ------------------------------------------------------ the machine --- */

/* The MemTotal @tab is read for (read once, when a line needs it); an
 * error of @line when it cannot be read.  0, 1 (recorded), -ENOMEM. */
static int tab_mem_total(struct brdtab *tab, unsigned int line, const char *what,
			 uint64_t *bytes)
{
	int rc;

	if (!tab->mem_total && (rc = brd_mem_total(&tab->mem_total))) {
		tab->mem_total = 0;
		return add_err(tab, line, "%s: cannot read MemTotal from /proc/meminfo: %s",
			       what, strerror(-rc)) ? -ENOMEM : 1;
	}
	*bytes = tab->mem_total;
	return 0;
}

/* "1.9G (2006572K)": MemTotal as messages show it */
static const char *mem_str(uint64_t bytes, char *buf, size_t len)
{
	static const char units[] = "KMGTP";
	double v = (double)bytes / 1024;
	int u = 0;

	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	snprintf(buf, len, "%.1f%c (%" PRIu64 "K)", v, units[u], bytes / 1024);
	return buf;
}

/*
 * A size relative to RAM, strictly:
 *   SIZE := TERM | min(SIZE, SIZE[, ...]) | max(SIZE, SIZE[, ...])
 *   TERM := NUMBER[K|M|G|T...] (brd_parse_size) | PERCENT%
 * PERCENT: 1-100 with at most two decimals (12.5%), of MemTotal.  Blanks
 * around the parentheses and commas are allowed; nesting too (at most
 * SIZE_DEPTH deep).
 */
#define SIZE_DEPTH	8

struct size_expr {
	const char *p;
	uint64_t mem;		/* MemTotal, bytes */
	const char *why;	/* set on error */
};

static void sx_blanks(struct size_expr *x)
{
	while (*x->p == ' ' || *x->p == '\t')
		x->p++;
}

/* PERCENT% of MemTotal: [s, s + l) without the '%' */
static int sx_percent(struct size_expr *x, const char *s, size_t l, uint64_t *v)
{
	uint64_t hundredths = 0;
	size_t i = 0, dec = 0;
	unsigned __int128 r;

	for (; i < l && isdigit((unsigned char)s[i]); i++)
		if ((hundredths = hundredths * 10 + (uint64_t)(s[i] - '0')) > 100)
			break;
	if (!i || hundredths > 100 || (i > 1 && s[0] == '0')) {
		x->why = "a share of RAM is 1% to 100% (at most two decimals)";
		return -EINVAL;
	}
	hundredths *= 100;
	if (i < l && s[i] == '.') {
		uint64_t f = 0;

		for (i++; i < l && isdigit((unsigned char)s[i]) && dec < 2; i++, dec++)
			f = f * 10 + (uint64_t)(s[i] - '0');
		if (!dec) {
			x->why = "a share of RAM is 1% to 100% (at most two decimals)";
			return -EINVAL;
		}
		hundredths += dec == 1 ? f * 10 : f;
	}
	if (i != l || !hundredths || hundredths > 10000) {
		x->why = "a share of RAM is 1% to 100% (at most two decimals)";
		return -EINVAL;
	}
	r = (unsigned __int128)x->mem * hundredths / 10000;
	*v = (uint64_t)r;
	return 0;
}

static int sx_size(struct size_expr *x, int depth, uint64_t *v);

/* min(...) or max(...) after the '(' */
static int sx_bound(struct size_expr *x, int depth, bool is_min, uint64_t *v)
{
	unsigned int n = 0;

	if (depth >= SIZE_DEPTH) {
		x->why = "min() and max() nest too deep";
		return -EINVAL;
	}
	for (;;) {
		uint64_t a;

		if (sx_size(x, depth + 1, &a))
			return -EINVAL;
		*v = !n++ ? a : is_min ? (a < *v ? a : *v) : (a > *v ? a : *v);
		sx_blanks(x);
		if (*x->p == ',') {
			x->p++;
			continue;
		}
		if (*x->p != ')') {
			x->why = *x->p ? "expected ',' or ')'" : "a '(' is not closed";
			return -EINVAL;
		}
		x->p++;
		break;
	}
	if (n < 2) {
		x->why = is_min ? "min() takes two sizes or more" : "max() takes two sizes or more";
		return -EINVAL;
	}
	return 0;
}

static int sx_size(struct size_expr *x, int depth, uint64_t *v)
{
	const char *t;
	char tok[64];
	size_t l;
	int rc;

	sx_blanks(x);
	if (!strncmp(x->p, "min(", 4) || !strncmp(x->p, "max(", 4)) {
		bool is_min = x->p[1] == 'i';

		x->p += 4;
		return sx_bound(x, depth, is_min, v);
	}
	t = x->p;
	while (*x->p && *x->p != ',' && *x->p != ')' && *x->p != '(' &&
	       *x->p != ' ' && *x->p != '\t')
		x->p++;
	l = (size_t)(x->p - t);
	if (!l) {
		x->why = "a size is missing";
		return -EINVAL;
	}
	if (t[l - 1] == '%')
		return sx_percent(x, t, l - 1, v);
	if (l >= sizeof(tok)) {
		x->why = "a size is too long";
		return -EINVAL;
	}
	memcpy(tok, t, l);
	tok[l] = '\0';
	rc = brd_parse_size(tok, v);
	if (rc) {
		x->why = rc == -ERANGE ? "a size is too large" :
			 "a size is a number with an optional K, M, G, T suffix, or N% of RAM";
		return -EINVAL;
	}
	return 0;
}

/* SIZE with a share of RAM or min()/max(): rounded down to whole 4 KiB
 * pages; 0 is an error.  0 or -ENOMEM (errors recorded). */
static int parse_relative_size(struct brdtab *tab, unsigned int line, const char *f,
			       struct brdtab_entry *e)
{
	struct size_expr x = { .p = f };
	char m[64];
	uint64_t v;
	int rc;

	if (strchr(f, '%') && (rc = tab_mem_total(tab, line, "size", &x.mem)))
		return rc < 0 ? rc : 0;
	if (sx_size(&x, 0, &v) == 0) {
		sx_blanks(&x);
		if (*x.p)
			x.why = *x.p == ')' ? "a ')' has no '('" : "unexpected text after the size";
	}
	if (x.why)
		return add_err(tab, line, "invalid size '%s': %s (e.g. 25%%, "
			       "min(25%%, 4G), max(10%%, 256M))", f, x.why) ? -ENOMEM : 0;
	e->size = v - v % SIZE_ALIGN;
	e->size_relative = true;
	if (!e->size)
		return add_err(tab, line, "size '%s' is 0 on this machine (MemTotal %s; "
			       "sizes are rounded down to whole 4 KiB pages)", f,
			       mem_str(x.mem, m, sizeof(m))) ? -ENOMEM : 0;
	return 0;
}

/* ------------------------------------------------------- conditions --- */

/* What the kernel command line says about brdtabs (brdtab(5) KERNEL
 * COMMAND LINE): brdctl.brdtab=0 (every line off for this boot) and
 * brdctl.skip=NAME[,NAME] (those lines off); the last brdctl.brdtab= wins,
 * every brdctl.skip= counts. */
struct cmdline {
	bool off;
	char *skip;		/* ",a,b," of every brdctl.skip=, NULL: none */
};

/* 1 true, 0 false, -1 not a boolean (systemd's spellings) */
static int cmdline_bool(const char *v, size_t l)
{
	static const char *const yes[] = { "1", "yes", "y", "true", "t", "on" };
	static const char *const no[] = { "0", "no", "n", "false", "f", "off" };

	for (size_t i = 0; i < 6; i++) {
		if (strlen(yes[i]) == l && !strncasecmp(v, yes[i], l))
			return 1;
		if (strlen(no[i]) == l && !strncasecmp(v, no[i], l))
			return 0;
	}
	return -1;
}

/* One word of the command line, [w, w + l). 0 or -ENOMEM. */
static int cmdline_word(struct cmdline *c, const char *w, size_t l)
{
	static const char kb[] = "brdctl.brdtab", ks[] = "brdctl.skip=";
	size_t lb = sizeof(kb) - 1, ls = sizeof(ks) - 1;

	if (l == lb && !strncmp(w, kb, lb)) {
		c->off = false;		/* a bare boolean switch is "on" */
	} else if (l > lb && !strncmp(w, kb, lb) && w[lb] == '=') {
		int b = cmdline_bool(w + lb + 1, l - lb - 1);

		if (b >= 0)
			c->off = !b;
	} else if (l > ls && !strncmp(w, ks, ls)) {
		size_t old = c->skip ? strlen(c->skip) : 0;
		char *n = realloc(c->skip, old + (l - ls) + 3);

		if (!n)
			return -ENOMEM;
		if (!old)
			n[old++] = ',';
		memcpy(n + old, w + ls, l - ls);
		n[old + l - ls] = ',';
		n[old + l - ls + 1] = '\0';
		c->skip = n;
	}
	return 0;
}

/* Split @text into words as the kernel does (blanks; "..." groups). */
static int cmdline_parse(struct cmdline *c, const char *text)
{
	const char *p = text;
	int rc;

	while (*p) {
		char w[4096];
		size_t l = 0;
		bool q = false;

		while (isspace((unsigned char)*p))
			p++;
		for (; *p && (q || !isspace((unsigned char)*p)); p++)
			if (*p == '"')
				q = !q;
			else if (l < sizeof(w))
				w[l++] = *p;
		if (l && l < sizeof(w) && (rc = cmdline_word(c, w, l)))
			return rc;
	}
	return 0;
}

/* The kernel command line @m names: its text, else $SYSTEMD_PROC_CMDLINE
 * (as systemd's generators read it), else /proc/cmdline below the root.
 * A command line that cannot be read is an empty one. */
static int cmdline_load(struct cmdline *c, const struct brdtab_machine *m)
{
	const char *env = m->cmdline_text ? m->cmdline_text :
			  secure_getenv("SYSTEMD_PROC_CMDLINE");
	char *text = NULL;
	int rc;

	memset(c, 0, sizeof(*c));
	if (env)
		return cmdline_parse(c, env);
	if (brd_path_read_string(&text, "/proc/cmdline"))
		return 0;
	rc = cmdline_parse(c, text);
	free(text);
	return rc;
}

/* Is @name one of brdctl.skip=? */
static bool cmdline_skips(const struct cmdline *c, const char *name)
{
	char *p;
	size_t l = strlen(name);

	if (!c->skip || !l)
		return false;
	for (p = strstr(c->skip, name); p; p = strstr(p + 1, name))
		if (p[-1] == ',' && p[l] == ',')
			return true;
	return false;
}

/* Add line @e to @tab's lines skipped, for @why. 0 or -ENOMEM. */
static int add_skipped(struct brdtab *tab, const struct brdtab_entry *e,
		       const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int add_skipped(struct brdtab *tab, const struct brdtab_entry *e,
		       const char *fmt, ...)
{
	struct brdtab_skipped *n = realloc(tab->skip, (tab->nskip + 1) * sizeof(*n));
	va_list ap;
	char *why, *spec;
	int rc;

	if (!n)
		return -ENOMEM;
	tab->skip = n;
	va_start(ap, fmt);
	rc = vasprintf(&why, fmt, ap);
	va_end(ap);
	if (rc < 0)
		return -ENOMEM;
	if (!(spec = strdup(e->spec))) {
		free(why);
		return -ENOMEM;
	}
	tab->skip[tab->nskip++] = (struct brdtab_skipped){ e->line, spec, why };
	return 0;
}

/*
 * Does valid line @e apply on this machine?  1: skipped (recorded in
 * tab->skip), 0: it applies, 2: an error was recorded, -ENOMEM.
 * @c: the kernel command line (NULL: not honoured).
 */
static int line_condition(struct brdtab *tab, const struct cmdline *c,
			  const struct brdtab_entry *e)
{
	char a[64], b[32], *auto_name = NULL;
	uint64_t mem;
	int rc;

	if (c && c->off)
		return add_skipped(tab, e, "brdctl.brdtab=0 on the kernel command line") ?
		       -ENOMEM : 1;
	if (c && c->skip) {
		const char *n = e->name;

		if (!n && e->target)	/* auto: the name of its mount point */
			n = auto_name = brdtab_name_from_target(e->target);
		rc = cmdline_skips(c, e->spec) || (n && cmdline_skips(c, n));
		free(auto_name);
		if (rc)
			return add_skipped(tab, e, "brdctl.skip=%s on the kernel command line",
					   e->spec) ? -ENOMEM : 1;
	}
	if (!e->min_memory && !e->max_memory)
		return 0;
	if ((rc = tab_mem_total(tab, e->line, "x-brdctl.min-memory/max-memory", &mem)))
		return rc < 0 ? rc : 2;
	if (e->min_memory && mem < e->min_memory)
		return add_skipped(tab, e, "MemTotal %s is below x-brdctl.min-memory=%s",
				   mem_str(mem, a, sizeof(a)),
				   brdtab_size_str(e->min_memory, b, sizeof(b))) ? -ENOMEM : 1;
	if (e->max_memory && mem > e->max_memory)
		return add_skipped(tab, e, "MemTotal %s is above x-brdctl.max-memory=%s",
				   mem_str(mem, a, sizeof(a)),
				   brdtab_size_str(e->max_memory, b, sizeof(b))) ? -ENOMEM : 1;
	return 0;
}

/* ---------------------------------------------------------- sources --- */

const char *brdtab_line_file(const struct brdtab *tab, unsigned int line,
			     unsigned int *local)
{
	for (size_t i = 0; i < tab->nsrc; i++) {
		const struct brdtab_source *s = &tab->src[i];

		if (line >= s->first && line < s->first + s->nlines) {
			*local = line - s->first + 1;
			return s->file;
		}
	}
	*local = line;
	return tab->file;
}

const char *brdtab_where(const struct brdtab *tab, unsigned int line,
			 char *buf, size_t len)
{
	unsigned int l;
	const char *f = brdtab_line_file(tab, line, &l);

	if (line)
		snprintf(buf, len, "%s:%u", f, l);
	else
		snprintf(buf, len, "%s", tab->file);
	return buf;
}

/* Another line @other as a message of line @here names it: "line 3" in
 * the same file, else "FILE:3". */
static const char *line_ref(const struct brdtab *tab, unsigned int here,
			    unsigned int other, char *buf, size_t len)
{
	unsigned int lh, lo;
	const char *fh = brdtab_line_file(tab, here, &lh);
	const char *fo = brdtab_line_file(tab, other, &lo);

	if (fh == fo)
		snprintf(buf, len, "line %u", lo);
	else
		snprintf(buf, len, "%s:%u", fo, lo);
	return buf;
}


/* SIZE.  0 or -ENOMEM (errors recorded). */
static int parse_size(struct brdtab *tab, unsigned int line, const char *f,
		      struct brdtab_entry *e)
{
	int rc;

	if (strpbrk(f, "%("))
		return parse_relative_size(tab, line, f, e);
	rc = brd_parse_size(f, &e->size);

	if (rc == -ERANGE)
		ERR("size '%s' is too large", f);
	else if (rc)
		ERR("invalid size '%s' (a number with an optional K, M, G, T suffix)", f);
	else if (e->size == 0)
		ERR("size must not be 0");
	else if (e->size % SIZE_ALIGN)
		ERR("size '%s' is not a multiple of 4 KiB", f);
	return 0;
}

/* FSTYPE[:MKFSOPTS].  0 or -ENOMEM (errors recorded). */
static int parse_fstype(struct brdtab *tab, unsigned int line, const char *f,
			struct brdtab_entry *e)
{
	char *colon = strchr(f, ':');

	e->fstype = colon ? strndup(f, (size_t)(colon - f)) : strdup(f);
	if (!e->fstype)
		return -ENOMEM;
	if (colon && colon[1]) {
		e->mkfs_opts = strdup(colon + 1);
		if (!e->mkfs_opts)
			return -ENOMEM;
	}
	e->mkfs_argv = split_argv(e->mkfs_opts ? e->mkfs_opts : "");
	if (!e->mkfs_argv)
		return -ENOMEM;
	if (!valid_fstype(e->fstype))
		ERR("invalid filesystem type '%s'", e->fstype);
	else if (!strcmp(e->fstype, "swap"))
		ERR("swap is not supported: brdtab ramdisks hold filesystems "
		    "(use zram for swap in RAM)");
	return 0;
}

/* MOUNTPOINT and MOUNTOPTS.  0 or -ENOMEM (errors recorded). */
static int parse_mount(struct brdtab *tab, unsigned int line,
		       const struct fields *fl, struct brdtab_entry *e)
{
	char *const *f = fl->f;
	const char *why = NULL;

	char whybuf[160], *sv;
	bool unit_rule = false;

	if (has_field(fl, 3)) {
		e->target = normalise_target(f[3], &why);
		if (!e->target && !why)
			return -ENOMEM;
		if (e->target &&
		    (why = brdtab_unit_path_problem(e->target, whybuf, sizeof(whybuf)))) {
			unit_rule = true;
			free(e->target);
			e->target = NULL;
		}
		if (!e->target) {
			if (!(sv = shown(f[3])))
				return -ENOMEM;
			if (add_err(tab, line, "mount point '%s' %s%s", sv, why,
				    unit_rule ? UNIT_PATH_HINT : "")) {
				free(sv);
				return -ENOMEM;
			}
			free(sv);
		} else if (!e->fstype) {
			ERR("mount point %s needs a filesystem type (third field)", e->target);
		}
	}
	if (has_field(fl, 4) && strcmp(f[4], "defaults")) {
		e->options = strdup(f[4]);
		if (!e->options)
			return -ENOMEM;
		if ((why = brdtab_unit_text_problem(e->options, whybuf, sizeof(whybuf)))) {
			if (!(sv = shown(e->options)))
				return -ENOMEM;
			if (add_err(tab, line, "mount options '%s' %s: a mount unit's "
				    "Options= cannot hold them (see PATHS IN UNITS in "
				    "brdtab(5))", sv, why)) {
				free(sv);
				return -ENOMEM;
			}
			free(sv);
			return 0;
		}
	}
	if (parse_brdctl_options(tab, line, e) < 0)
		return -ENOMEM;
	/* without a mount point, only the conditions (x-brdctl.min-memory=) */
	if (has_field(fl, 4) && !has_field(fl, 3) &&
	    (e->options || e->persist || e->persist_every || !strcmp(f[4], "defaults")))
		ERR("mount options '%s' need a mount point", f[4]);
	return 0;
}

/* OWNER[:GROUP]; @mounted: a mount point is given.  0 or -ENOMEM. */
static int parse_owner(struct brdtab *tab, unsigned int line, const char *f,
		       bool mounted, struct brdtab_entry *e)
{
	char *colon = strchr(f, ':');
	char *u = colon ? strndup(f, (size_t)(colon - f)) : strdup(f);
	const char *g = colon ? colon + 1 : NULL;

	if (!u)
		return -ENOMEM;
	if (*u) {
		e->owner = u;
		if (!valid_account(u))
			ERR("invalid user '%s'", u);
	} else {
		free(u);
	}
	if (g && *g) {
		e->group = strdup(g);
		if (!e->group)
			return -ENOMEM;
		if (!valid_account(g))
			ERR("invalid group '%s'", g);
	} else if (g) {
		if (!e->owner)
			ERR("invalid owner '%s': give USER, USER:GROUP, USER: or :GROUP", f);
		e->owner_group = true;
	}
	if (!mounted)
		ERR("owner '%s' needs a mount point (it applies to the root "
		    "directory of the mounted filesystem)", f);
	return 0;
}

/* MODE (octal); @mounted: a mount point is given.  0 or -ENOMEM. */
static int parse_mode(struct brdtab *tab, unsigned int line, const char *m,
		      bool mounted, struct brdtab_entry *e)
{
	unsigned long v = 0;
	bool ok = strlen(m) <= 5;

	for (const char *p = m; ok && *p; p++)
		if (*p < '0' || *p > '7')
			ok = false;
	if (ok)
		v = strtoul(m, NULL, 8);
	if (!ok || v > 07777)
		ERR("invalid mode '%s' (octal, e.g. 0755 or 1777)", m);
	e->mode = (mode_t)v;
	e->has_mode = true;
	if (!mounted)
		ERR("mode '%s' needs a mount point (it applies to the root "
		    "directory of the mounted filesystem)", m);
	return 0;
}

/*
 * One line's fields into @e.  Returns 0 if the line is fine, 1 if errors
 * were recorded, -ENOMEM.
 */
static int parse_entry(struct brdtab *tab, unsigned int line, struct fields *fl,
		       struct brdtab_entry *e)
{
	static const char *const what[BRDTAB_MAX_FIELDS] = {
		"name", "size", "filesystem", "mount point", "mount options",
		"owner", "mode"
	};
	int nerr = (int)tab->nerr;
	char **f = fl->f;
	bool mounted = has_field(fl, 3);

	memset(e, 0, sizeof(*e));
	e->line = line;
	e->uid = (uid_t)-1;
	e->gid = (gid_t)-1;
	if (fl->n > BRDTAB_MAX_FIELDS)
		ERR("too many fields (%d): NAME SIZE [FSTYPE[:MKFSOPTS]] [MOUNTPOINT] "
		    "[MOUNTOPTS] [OWNER[:GROUP]] [MODE]; quote a field that has blanks",
		    fl->n);
	if (fl->n < 2)
		ERR("missing size: a line is NAME SIZE [FSTYPE[:MKFSOPTS]] [MOUNTPOINT] "
		    "[MOUNTOPTS] [OWNER[:GROUP]] [MODE]");
	if ((int)tab->nerr != nerr)
		return 1;
	for (int i = 2; i < fl->n; i++)
		if (!f[i] || !*f[i])
			ERR("empty %s field: write - for none", what[i]);
	if (parse_name(tab, line, f[0], e) || parse_size(tab, line, f[1], e))
		return -ENOMEM;
	if (has_field(fl, 2) && parse_fstype(tab, line, f[2], e))
		return -ENOMEM;
	if (parse_mount(tab, line, fl, e))
		return -ENOMEM;
	if (has_field(fl, 5) && parse_owner(tab, line, f[5], mounted, e))
		return -ENOMEM;
	if (has_field(fl, 6) && parse_mode(tab, line, f[6], mounted, e))
		return -ENOMEM;
	return (int)tab->nerr != nerr;
}
#undef ERR

/*
 * Keep the line @e, which has errors, in tab->rej for the system checks:
 * only the filesystem type, mount point, owner and group that are valid
 * themselves (the others were reported; a check of them would say it
 * again).  Takes @e.  0 or -ENOMEM.
 */
static int keep_rejected(struct brdtab *tab, struct brdtab_entry *e)
{
	struct brdtab_entry k = { .line = e->line, .uid = (uid_t)-1, .gid = (gid_t)-1 };

	if (e->fstype && valid_fstype(e->fstype) && strcmp(e->fstype, "swap"))
		k.fstype = e->fstype, e->fstype = NULL;
	k.target = e->target, e->target = NULL;
	if (e->owner && valid_account(e->owner))
		k.owner = e->owner, e->owner = NULL;
	if (e->group && valid_account(e->group))
		k.group = e->group, e->group = NULL;
	k.owner_group = e->owner_group && k.owner;
	entry_free(e);
	if (!k.fstype && !k.target && !k.owner && !k.group)
		return 0;
	if (tab->nrej == tab->rejcap) {
		size_t cap = tab->rejcap ? tab->rejcap * 2 : 8;
		struct brdtab_entry *n = realloc(tab->rej, cap * sizeof(*n));

		if (!n) {
			entry_free(&k);
			return -ENOMEM;
		}
		tab->rej = n;
		tab->rejcap = cap;
	}
	tab->rej[tab->nrej++] = k;
	return 0;
}

/* -------------------------------------------------------- hash index --- */

/*
 * Open-addressing index of entries by name (with kind) or by mount point,
 * so that the whole-file checks stay linear in the number of lines.
 * A slot holds an entry index + 1, 0 when empty.
 */
struct hindex {
	size_t *slot;
	size_t mask;
	bool by_target;
};

static int hindex_init(struct hindex *h, size_t n, bool by_target)
{
	size_t cap = 16;

	while (cap < 2 * n + 2)
		cap *= 2;
	h->slot = calloc(cap, sizeof(*h->slot));
	h->mask = cap - 1;
	h->by_target = by_target;
	return h->slot ? 0 : -ENOMEM;
}

static uint64_t hash_bytes(const char *s, size_t len, unsigned int salt)
{
	uint64_t v = 1469598103934665603ULL ^ salt;	/* FNV-1a */

	for (size_t i = 0; i < len; i++) {
		v ^= (unsigned char)s[i];
		v *= 1099511628211ULL;
	}
	return v;
}

/* The slot of the entry whose key is [key, key + len) (and @kind, by name),
 * or the empty slot where it would go. */
static size_t *hindex_slot(const struct hindex *h, const struct brdtab *tab,
			   const char *key, size_t len, enum brdtab_kind kind)
{
	size_t i = hash_bytes(key, len, h->by_target ? 0 : kind + 1) & h->mask;

	for (;; i = (i + 1) & h->mask) {
		const struct brdtab_entry *e;
		const char *k;

		if (!h->slot[i])
			return &h->slot[i];
		e = &tab->ent[h->slot[i] - 1];
		k = h->by_target ? e->target : e->name;
		if ((h->by_target || e->kind == kind) && strlen(k) == len &&
		    !memcmp(k, key, len))
			return &h->slot[i];
	}
}

/* ------------------------------------------------------------- plan --- */

static int cmp_uint(const void *a, const void *b)
{
	unsigned int x = *(const unsigned int *)a, y = *(const unsigned int *)b;

	return x < y ? -1 : x > y;
}

/* Whole disks: explicit ramN lines keep their number, "auto" lines take
 * the lowest numbers no other line names, in file order. */
static int number_auto(struct brdtab *tab)
{
	unsigned int *used = malloc((tab->n + 1) * sizeof(*used)), next = 0;
	size_t nused = 0, u = 0;

	if (!used)
		return -ENOMEM;
	for (size_t i = 0; i < tab->n; i++)
		if (tab->ent[i].name)
			used[nused++] = tab->ent[i].num;
	qsort(used, nused, sizeof(*used), cmp_uint);
	for (size_t i = 0; i < tab->n; i++) {
		struct brdtab_entry *e = &tab->ent[i];

		if (e->name)
			continue;
		for (;;) {
			while (u < nused && used[u] < next)
				u++;
			if (u < nused && used[u] == next)
				next++;
			else
				break;
		}
		e->num = next++;
		if (asprintf(&e->name, "ram%u", e->num) < 0) {
			e->name = NULL;
			free(used);
			return -ENOMEM;
		}
	}
	free(used);
	return 0;
}

/* Duplicate names and mount points, and a mount point below one that is
 * mounted later: one pass with two hash indexes. */
static int check_duplicates(struct brdtab *tab)
{
	struct hindex names, targets;
	char ref[4200];
	int rc;

	if ((rc = hindex_init(&names, tab->n, false)))
		return rc;
	if ((rc = hindex_init(&targets, tab->n, true))) {
		free(names.slot);
		return rc;
	}
	/* first pass: the first line of each name and mount point */
	for (size_t i = 0; i < tab->n && !rc; i++) {
		const struct brdtab_entry *e = &tab->ent[i];
		size_t *s;

		if (e->name) {
			s = hindex_slot(&names, tab, e->name, strlen(e->name), e->kind);
			if (*s)
				rc = add_err(tab, e->line, "%s: ramdisk %s is already "
					     "defined on %s", e->spec, e->name,
					     line_ref(tab, e->line, tab->ent[*s - 1].line,
						      ref, sizeof(ref)));
			else
				*s = i + 1;
		}
		if (!rc && e->target) {
			s = hindex_slot(&targets, tab, e->target, strlen(e->target), 0);
			if (*s)
				rc = add_err(tab, e->line, "mount point %s is already used "
					     "on %s", e->target,
					     line_ref(tab, e->line, tab->ent[*s - 1].line,
						      ref, sizeof(ref)));
			else
				*s = i + 1;
		}
	}
	/* second pass: each parent directory that is a later line's mount point */
	for (size_t i = 0; i < tab->n && !rc; i++) {
		const struct brdtab_entry *e = &tab->ent[i];

		if (!e->target)
			continue;
		for (const char *p = strchr(e->target + 1, '/'); p && !rc;
		     p = strchr(p + 1, '/')) {
			size_t *s = hindex_slot(&targets, tab, e->target,
						(size_t)(p - e->target), 0);
			const struct brdtab_entry *o = *s ? &tab->ent[*s - 1] : NULL;

			if (o && o > e)
				rc = add_err(tab, e->line, "mount point %s is below %s of "
					     "%s, which is mounted later: list %s "
					     "first", e->target, o->target,
					     line_ref(tab, e->line, o->line, ref, sizeof(ref)),
					     o->target);
		}
	}
	free(names.slot);
	free(targets.slot);
	return rc;
}

/*
 * Decide whole disks or pooled ramdisks, name the "auto" lines, and check
 * what only the whole file shows (duplicates, sizes, mount order).
 */
static int plan(struct brdtab *tab)
{
	const struct brdtab_entry *first_size = NULL, *other_size = NULL, *first_pool = NULL;
	char ref[4200];
	bool pooled;

#define ERR(l, ...) do { if (add_err(tab, l, __VA_ARGS__)) return -ENOMEM; } while (0)
	for (size_t i = 0; i < tab->n; i++) {
		const struct brdtab_entry *e = &tab->ent[i];

		if (e->kind == BRDTAB_POOLED) {
			if (!first_pool)
				first_pool = e;
			continue;
		}
		if (!first_size)
			first_size = e;
		else if (e->size != first_size->size && !other_size)
			other_size = e;
	}
	pooled = first_pool || other_size;
	tab->pooled = pooled;

	if (!pooled) {
		if (number_auto(tab))
			return -ENOMEM;
	} else {
		char a[32], b[32];

		for (size_t i = 0; i < tab->n; i++) {
			struct brdtab_entry *e = &tab->ent[i];

			if (e->kind == BRDTAB_POOLED)
				continue;
			if (e->name) {		/* an explicit ramN */
				if (other_size) {
					const struct brdtab_entry *o =
						e->size != first_size->size ? first_size : other_size;

					ERR(e->line, "%s: whole-disk ramdisks all have one size "
					    "(brd), but this line asks for %s and %s for %s; "
					    "name the lines (pooled ramdisks) to give them "
					    "different sizes", e->spec,
					    brdtab_size_str(e->size, a, sizeof(a)),
					    line_ref(tab, e->line, o->line, ref, sizeof(ref)),
					    brdtab_size_str(o->size, b, sizeof(b)));
				} else {
					ERR(e->line, "%s: whole-disk ramdisks cannot be mixed with "
					    "pooled ramdisks (%s): brd gives every disk one "
					    "size; name this line instead", e->spec,
					    line_ref(tab, e->line, first_pool->line, ref,
						     sizeof(ref)));
				}
				continue;
			}
			/* auto: a pooled ramdisk named after its mount point */
			if (!e->target) {
				ERR(e->line, "auto: this line becomes a pooled ramdisk (lines "
				    "have different sizes) and has no mount point to name it "
				    "after; give it a name");
				continue;
			}
			e->name = brdtab_name_from_target(e->target);
			if (!e->name || !brd_pool_name_valid(e->name)) {
				ERR(e->line, "auto: cannot name a pooled ramdisk after %s "
				    "(at most %d characters, not ramN); give it a name",
				    e->target, BRDTAB_NAME_MAX);
				free(e->name);
				e->name = NULL;
				continue;
			}
			e->kind = BRDTAB_POOLED;
		}
	}

#undef ERR
	return check_duplicates(tab);
}

/* ------------------------------------------------------------ parsing --- */

/* Parse @text for machine @m (NULL: MemTotal when needed, no command
 * line); @src, @nsrc: the files it is made of (taken by the result, also
 * on failure), or none. */
static int parse_text(const struct brdtab_machine *m, const char *file,
		      const char *text, size_t len, struct brdtab_source *src,
		      size_t nsrc, struct brdtab **tabp)
{
	struct brdtab *tab = calloc(1, sizeof(*tab));
	const char *p = text, *end = text + len;
	struct cmdline cl = { 0 };
	unsigned int line = 0;
	int rc = 0;

	*tabp = NULL;
	if (!tab || !(tab->file = strdup(file ? file : "brdtab"))) {
		free(tab);
		for (size_t i = 0; i < nsrc; i++)
			free(src[i].file);
		free(src);
		return -ENOMEM;
	}
	tab->src = src;
	tab->nsrc = nsrc;
	tab->mem_total = m ? m->mem_total : 0;
	if (m && m->cmdline && (rc = cmdline_load(&cl, m)))
		goto fail;
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *why = NULL;
		struct fields fl;
		struct brdtab_entry e, *n;

		if (!eol)
			eol = end;
		line++;
		if (memchr(p, '\0', (size_t)(eol - p))) {
			if ((rc = add_err(tab, line, "contains a NUL byte")))
				goto fail;
			p = eol < end ? eol + 1 : end;
			continue;
		}
		rc = split_fields(p, eol, &fl, &why);
		p = eol < end ? eol + 1 : end;
		if (rc == -ENOMEM)
			goto fail;
		if (rc) {
			if ((rc = add_err(tab, line, "%s", why)))
				goto fail;
			continue;
		}
		if (fl.n == 0)
			continue;		/* blank or comment */
		rc = parse_entry(tab, line, &fl, &e);
		fields_free(&fl);
		if (rc < 0) {
			entry_free(&e);
			goto fail;
		}
		if (rc) {
			rc = keep_rejected(tab, &e);
			if (rc)
				goto fail;
			continue;
		}
		rc = line_condition(tab, m && m->cmdline ? &cl : NULL, &e);
		if (rc) {
			entry_free(&e);
			if (rc < 0)
				goto fail;
			rc = 0;
			continue;
		}
		if (tab->n == tab->cap) {
			size_t cap = tab->cap ? tab->cap * 2 : 16;

			n = realloc(tab->ent, cap * sizeof(*n));
			if (!n) {
				entry_free(&e);
				rc = -ENOMEM;
				goto fail;
			}
			tab->ent = n;
			tab->cap = cap;
		}
		tab->ent[tab->n++] = e;
	}
	if ((rc = plan(tab)))
		goto fail;
	if ((rc = brdtab_sort_errors(tab)))
		goto fail;
	free(cl.skip);
	*tabp = tab;
	return 0;
fail:
	free(cl.skip);
	brdtab_free(tab);
	return rc;
}

int brdtab_parse_machine(const struct brdtab_machine *m, const char *file,
			 const char *text, size_t len, struct brdtab **tab)
{
	return parse_text(m, file, text, len, NULL, 0, tab);
}

int brdtab_parse_buffer(const char *file, const char *text, size_t len,
			struct brdtab **tab)
{
	return parse_text(NULL, file, text, len, NULL, 0, tab);
}

/* The text of the regular file open on @fd into *buf (NUL-terminated,
 * *len bytes).  0 or -errno. */
static int read_text(int fd, char **bufp, size_t *lenp)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;
	struct stat st;
	int rc;

	*bufp = NULL;
	*lenp = 0;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
	for (;;) {
		ssize_t r;

		if (len == cap) {
			char *n;

			cap = cap ? cap * 2 : 4096;
			if (cap > (16u << 20)) {	/* a brdtab is a few lines */
				rc = -EFBIG;
				goto out;
			}
			n = realloc(buf, cap);
			if (!n) {
				rc = -ENOMEM;
				goto out;
			}
			buf = n;
		}
		r = read(fd, buf + len, cap - len);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			goto out;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	if (len == cap) {
		char *n = realloc(buf, cap + 1);

		if (!n) {
			rc = -ENOMEM;
			goto out;
		}
		buf = n;
	}
	buf[len] = '\0';
	*bufp = buf;
	*lenp = len;
	return 0;
out:
	free(buf);
	return rc;
}

int brdtab_parse_fd_machine(const struct brdtab_machine *m, int fd,
			    const char *name, struct brdtab **tab)
{
	char *buf;
	size_t len;
	int rc;

	*tab = NULL;
	if ((rc = read_text(fd, &buf, &len)))
		return rc;
	rc = parse_text(m, name, buf, len, NULL, 0, tab);
	free(buf);
	return rc;
}

int brdtab_parse_fd(int fd, const char *name, struct brdtab **tab)
{
	return brdtab_parse_fd_machine(NULL, fd, name, tab);
}

int brdtab_parse_file(const char *path, struct brd_trust *t, struct brdtab **tab)
{
	struct brd_trust tmp;
	int fd, rc;

	*tab = NULL;
	fd = brd_trust_open(path, O_RDONLY, t ? t : &tmp);
	if (fd < 0)
		return fd;
	rc = brdtab_parse_fd(fd, path, tab);
	close(fd);
	return rc;
}

/* --------------------------------------------------------- drop-ins --- */

/* The drop-in directories, most important first: a file in one masks the
 * file of the same name in those after it (systemd's precedence). */
static const char *const dropin_dirs[] = {
	"/etc/brdtab.d", "/run/brdtab.d", "/usr/lib/brdtab.d",
};

struct dropin {
	char *name;		/* "50-db.brdtab" */
	unsigned int dir;	/* index in dropin_dirs[] */
	bool masked;		/* a link to /dev/null */
};

static int cmp_dropin(const void *a, const void *b)
{
	return strcmp(((const struct dropin *)a)->name, ((const struct dropin *)b)->name);
}

static bool dropin_name(const char *n)
{
	size_t l = strlen(n);

	return n[0] != '.' && l > 7 && !strcmp(n + l - 7, ".brdtab");
}

/* Set @failed to @path; @t already says why. */
static int set_failed(char *failed, size_t flen, const char *path, int rc)
{
	snprintf(failed, flen, "%s", path);
	return rc;
}

/* Add the *.brdtab of directory @dir (dropin_dirs[@k]) that no earlier
 * directory has to @v.  0, -ENOENT (no such directory: fine), -errno. */
static int list_dropins(unsigned int k, struct dropin **v, size_t *n,
			struct brd_trust *t)
{
	char rooted[4096];
	struct dirent *de;
	DIR *d;
	int fd, rc = 0;
	size_t seen = *n;

	if (!brd_root_path(rooted, sizeof(rooted), dropin_dirs[k]))
		return -ENAMETOOLONG;
	fd = brd_trust_open(rooted, O_RDONLY | O_DIRECTORY, t);
	if (fd < 0)
		return fd;
	d = fdopendir(fd);
	if (!d) {
		rc = -errno;
		close(fd);
		return rc;
	}
	while ((errno = 0, de = readdir(d))) {
		struct dropin *nv;
		char target[16];
		ssize_t tl;
		size_t i;

		if (!dropin_name(de->d_name))
			continue;
		for (i = 0; i < seen && strcmp((*v)[i].name, de->d_name); i++)
			;
		if (i < seen)
			continue;	/* masked by a more important directory */
		nv = realloc(*v, (*n + 1) * sizeof(*nv));
		if (!nv) {
			rc = -ENOMEM;
			break;
		}
		*v = nv;
		tl = readlinkat(dirfd(d), de->d_name, target, sizeof(target) - 1);
		nv[*n] = (struct dropin){ strdup(de->d_name), k,
					  tl == 9 && !memcmp(target, "/dev/null", 9) };
		if (!nv[*n].name) {
			rc = -ENOMEM;
			break;
		}
		(*n)++;
	}
	if (!rc && errno)
		rc = -errno;
	closedir(d);
	return rc;
}

/* Append the text of @path (logical; opened below the root under
 * StrictModes) to @all, as source @src.  0, -ENOENT, -errno. */
static int add_source(const char *path, struct brd_trust *t, char **all, size_t *len,
		      unsigned int *lines, struct brdtab_source *src)
{
	char rooted[4096], *text, *n;
	size_t l, nl = 0;
	int fd, rc;

	if (!brd_root_path(rooted, sizeof(rooted), path))
		return -ENAMETOOLONG;
	fd = brd_trust_open(rooted, O_RDONLY, t);
	if (fd < 0)
		return fd;
	rc = read_text(fd, &text, &l);
	close(fd);
	if (rc)
		return rc;
	for (size_t i = 0; i < l; i++)
		nl += text[i] == '\n';
	if (l && text[l - 1] != '\n')
		nl++;
	if (*len + l + 2 > (16u << 20) ||
	    !(n = realloc(*all, *len + l + 2))) {
		free(text);
		return *len + l + 2 > (16u << 20) ? -EFBIG : -ENOMEM;
	}
	if (l)
		memcpy(n + *len, text, l);
	*len += l;
	if (l && text[l - 1] != '\n')
		n[(*len)++] = '\n';
	n[*len] = '\0';
	*all = n;
	free(text);
	if (!(src->file = strdup(path)))
		return -ENOMEM;
	src->first = *lines + 1;
	src->nlines = (unsigned int)nl;
	*lines += (unsigned int)nl;
	return 0;
}

int brdtab_parse_set(const struct brdtab_machine *m, struct brd_trust *t,
		     char *failed, size_t flen, struct brdtab **tab)
{
	struct dropin *v = NULL;
	struct brdtab_source *src = NULL;
	size_t n = 0, nsrc = 0, len = 0;
	unsigned int lines = 0;
	char *all = NULL;
	bool any = false;
	int rc;

	*tab = NULL;
	failed[0] = '\0';
	for (unsigned int k = 0; k < sizeof(dropin_dirs) / sizeof(dropin_dirs[0]); k++) {
		rc = list_dropins(k, &v, &n, t);
		if (rc == -ENOENT)
			continue;
		if (rc) {
			set_failed(failed, flen, dropin_dirs[k], rc);
			goto out;
		}
	}
	any = n > 0;		/* an empty brdtab.d is no brdtab */
	if (n)
		qsort(v, n, sizeof(*v), cmp_dropin);
	src = calloc(n + 1, sizeof(*src));
	rc = -ENOMEM;
	if (!src)
		goto out;
	/* /etc/brdtab first, then the drop-ins by name */
	rc = add_source(BRDTAB_DEFAULT_PATH, t, &all, &len, &lines, &src[nsrc]);
	if (!rc)
		nsrc++;
	else if (rc != -ENOENT) {
		set_failed(failed, flen, BRDTAB_DEFAULT_PATH, rc);
		goto out;
	} else if (!any) {
		snprintf(failed, flen, "%s", BRDTAB_DEFAULT_PATH);
		goto out;		/* -ENOENT: no brdtab at all */
	}
	for (size_t i = 0; i < n; i++) {
		char path[4096];

		if (v[i].masked)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dropin_dirs[v[i].dir], v[i].name);
		if ((rc = add_source(path, t, &all, &len, &lines, &src[nsrc]))) {
			set_failed(failed, flen, path, rc);
			goto out;
		}
		nsrc++;
	}
	rc = parse_text(m, BRDTAB_DEFAULT_PATH, all ? all : "", len, src, nsrc, tab);
	src = NULL;		/* taken */
	nsrc = 0;
out:
	for (size_t i = 0; i < n; i++)
		free(v[i].name);
	free(v);
	for (size_t i = 0; i < nsrc; i++)
		free(src[i].file);
	free(src);
	free(all);
	return rc;
}

void brdtab_free(struct brdtab *tab)
{
	if (!tab)
		return;
	for (size_t i = 0; i < tab->n; i++)
		entry_free(&tab->ent[i]);
	for (size_t i = 0; i < tab->nrej; i++)
		entry_free(&tab->rej[i]);
	free(tab->rej);
	for (size_t i = 0; i < tab->nerr; i++)
		free(tab->err[i].msg);
	for (size_t i = 0; i < tab->nskip; i++) {
		free(tab->skip[i].spec);
		free(tab->skip[i].why);
	}
	for (size_t i = 0; i < tab->nsrc; i++)
		free(tab->src[i].file);
	free(tab->skip);
	free(tab->src);
	free(tab->ent);
	free(tab->err);
	free(tab->file);
	free(tab);
}

/* ------------------------------------------------------ system checks --- */

/* mkfs.TYPE as an executable regular file somewhere in PATH */
/* The mount point's path under StrictModes (trust.h): whoever can change a
 * directory on it could swap in a link between the check and the mount. */
static int check_target_trust(struct brdtab *tab, const struct brdtab_entry *e)
{
	struct brd_trust t;
	int fd = brd_trust_mountpoint(e->target, false, &t, NULL);

	if (fd >= 0) {
		close(fd);
		return 0;
	}
	if (fd != -EPERM || !t.fix[0])
		return 0;	/* missing (made by apply), or said by check_target() */
	return brdtab_add_error(tab, e->line, EPERM, "mount point %s: refusing it: "
				"%s%s is %s; whoever can change it could redirect the mount "
				"(a symbolic link in its place): %s", e->target,
				t.is_dir ? "directory " : "", t.path, t.why, t.fix);
}

static bool have_mkfs(const char *fstype)
{
	const char *path = getenv("PATH");
	char *dup, *dir, *save = NULL;
	bool found = false;

	if (!path || !*path)
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	dup = strdup(path);
	if (!dup)
		return false;
	for (dir = strtok_r(dup, ":", &save); dir && !found;
	     dir = strtok_r(NULL, ":", &save)) {
		char p[PATH_MAX];
		struct stat st;

		if (snprintf(p, sizeof(p), "%s/mkfs.%s", *dir ? dir : ".", fstype) >=
		    (int)sizeof(p))
			continue;
		found = stat(p, &st) == 0 && S_ISREG(st.st_mode) && access(p, X_OK) == 0;
	}
	free(dup);
	return found;
}

/* listed in /proc/filesystems, or a module with alias fs-TYPE exists */
static bool fs_known(const char *fstype)
{
	char *fs = NULL, alias[64];
	bool found = false;

	if (brd_path_read_string(&fs, "/proc/filesystems") == 0) {
		char *save = NULL;

		for (char *l = strtok_r(fs, "\n", &save); l && !found;
		     l = strtok_r(NULL, "\n", &save)) {
			char *t = strrchr(l, '\t');

			t = t ? t + 1 : l;
			while (isspace((unsigned char)*t))
				t++;
			found = !strcmp(t, fstype);
		}
		free(fs);
	}
	if (found)
		return true;
	snprintf(alias, sizeof(alias), "fs-%s", fstype);
	return brd_module_alias_exists(alias) == 1;
}

/* Mount points are compared with /proc/self/mountinfo as written: refuse a
 * path that goes through a symbolic link or is not canonical. */
static int check_canonical(struct brdtab *tab, const struct brdtab_entry *e,
			   const char *existing)
{
	char *real = realpath(existing, NULL);
	int rc = 0;

	if (!real)
		return add_err(tab, e->line, "mount point %s: %s", e->target,
			       strerror(errno));
	if (strcmp(real, existing) != 0)
		rc = add_err(tab, e->line, "mount point %s is not a canonical path "
			     "(%s resolves to %s): write the real path", e->target,
			     existing, real);
	free(real);
	return rc;
}

static int check_target(struct brdtab *tab, const struct brdtab_entry *e)
{
	char *p = strdup(e->target), *slash;
	struct stat st;
	int rc = 0;

	if (!p)
		return -ENOMEM;
	if (stat(p, &st) == 0) {
		if (!S_ISDIR(st.st_mode))
			rc = add_err(tab, e->line, "mount point %s is not a directory",
				     e->target);
		else
			rc = check_canonical(tab, e, p);
		goto out;
	}
	if (errno != ENOENT && errno != ENOTDIR) {
		rc = add_err(tab, e->line, "mount point %s: %s", e->target,
			     strerror(errno));
		goto out;
	}
	/* missing: apply creates it below the nearest existing directory */
	while ((slash = strrchr(p, '/')) && slash != p) {
		*slash = '\0';
		if (stat(p, &st) == 0) {
			if (!S_ISDIR(st.st_mode))
				rc = add_err(tab, e->line, "mount point %s cannot be created: "
					     "%s is not a directory", e->target, p);
			else
				rc = check_canonical(tab, e, p);
			goto out;
		}
		if (errno != ENOENT && errno != ENOTDIR) {
			rc = add_err(tab, e->line, "mount point %s cannot be created: %s: %s",
				     e->target, p, strerror(errno));
			goto out;
		}
	}
out:
	free(p);
	return rc;
}

/*
 * A numeric user or group id: below (uid_t)-1, which means "none".  False
 * when out of range, with the error added to @tab (*rc: adding it failed).
 */
static bool numeric_id(struct brdtab *tab, const struct brdtab_entry *e,
		       const char *what, const char *s, uint32_t *id, int *rc)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v >= UINT32_MAX) {
		*rc = add_err(tab, e->line, "%s id '%s' out of range "
			      "(0-4294967294)", what, s);
		return false;
	}
	*id = (uint32_t)v;
	return true;
}

static int check_owner(struct brdtab *tab, struct brdtab_entry *e)
{
	char buf[16384];
	int rc = 0;

	if (e->owner) {
		struct passwd pw, *res = NULL;

		if (getpwnam_r(e->owner, &pw, buf, sizeof(buf), &res) == 0 && res) {
			e->uid = res->pw_uid;
			if (e->owner_group)
				e->gid = res->pw_gid;
		} else if (all_digits(e->owner) && !e->owner_group) {
			uint32_t id;

			if (numeric_id(tab, e, "user", e->owner, &id, &rc))
				e->uid = (uid_t)id;
		} else {
			rc = add_err(tab, e->line, "unknown user '%s'", e->owner);
		}
	}
	if (!rc && e->group) {
		struct group gr, *res = NULL;

		if (getgrnam_r(e->group, &gr, buf, sizeof(buf), &res) == 0 && res)
			e->gid = res->gr_gid;
		else if (all_digits(e->group)) {
			uint32_t id;

			if (numeric_id(tab, e, "group", e->group, &id, &rc))
				e->gid = (gid_t)id;
		} else
			rc = add_err(tab, e->line, "unknown group '%s'", e->group);
	}
	return rc;
}

/* mkfs.TYPE and the kernel's filesystems are looked up once per type:
 * 0 fine, 1 no mkfs, 2 the kernel does not know it */
struct fs_seen {
	const char *type;
	int verdict;
};

static int fs_verdict(struct fs_seen *seen, size_t *nseen, size_t max,
		      const char *fstype)
{
	int v;

	for (size_t i = 0; i < *nseen; i++)
		if (!strcmp(seen[i].type, fstype))
			return seen[i].verdict;
	v = !have_mkfs(fstype) ? 1 : !fs_known(fstype) ? 2 : 0;
	if (*nseen < max)
		seen[(*nseen)++] = (struct fs_seen){ fstype, v };
	return v;
}

static bool same_str(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

/* The same owner and group as @o, whose lookup succeeded: reuse it (a
 * passwd lookup reads /etc/passwd each time). */
static bool same_owner(const struct brdtab_entry *e, const struct brdtab_entry *o)
{
	return o && same_str(e->owner, o->owner) && same_str(e->group, o->group) &&
	       e->owner_group == o->owner_group;
}

int brdtab_check_system(struct brdtab *tab)
{
	const struct brdtab_entry *owner_ok = NULL;
	struct fs_seen seen[16];
	size_t nseen = 0, nerr;
	int rc;

	for (size_t i = 0; i < tab->n + tab->nrej; i++) {
		struct brdtab_entry *e = i < tab->n ? &tab->ent[i] : &tab->rej[i - tab->n];

		if (e->fstype) {
			int v = fs_verdict(seen, &nseen, 16, e->fstype);

			if (v == 1)
				rc = add_err(tab, e->line, "unknown filesystem type '%s': "
					     "no mkfs.%s in PATH", e->fstype, e->fstype);
			else if (v == 2)
				rc = add_err(tab, e->line, "unknown filesystem type '%s': "
					     "the kernel does not know it (not in "
					     "/proc/filesystems, no fs-%s module)",
					     e->fstype, e->fstype);
			else
				rc = 0;
			if (rc)
				return rc;
		}
		if (e->target && ((rc = check_target(tab, e)) ||
				  (rc = check_target_trust(tab, e))))
			return rc;
		if (same_owner(e, owner_ok)) {
			e->uid = owner_ok->uid;
			e->gid = owner_ok->gid;
			continue;
		}
		nerr = tab->nerr;
		if ((rc = check_owner(tab, e)))
			return rc;
		owner_ok = tab->nerr == nerr ? e : NULL;
	}
	return brdtab_sort_errors(tab);
}

void brdtab_entry_clear(struct brdtab_entry *e)
{
	entry_free(e);
	memset(e, 0, sizeof(*e));
}
