// SPDX-License-Identifier: GPL-2.0-or-later
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include "size.h"

/* Exponent of the unit for a suffix letter, 0 if none. */
static int suffix_exponent(char c)
{
	static const char units[] = "KMGTPE";
	const char *p = strchr(units, toupper((unsigned char)c));

	return (c && p) ? (int)(p - units) + 1 : 0;
}

/* res = a * b, or -ERANGE */
static int mul_u64(uint64_t a, uint64_t b, uint64_t *res)
{
	if (__builtin_mul_overflow(a, b, res))
		return -ERANGE;
	return 0;
}

int brd_parse_size(const char *str, uint64_t *res)
{
	const char *p = str;
	uint64_t whole = 0, frac = 0, frac_div = 1, mult = 1, base = 1024, r;
	int exp, frac_digits = 0, have_digits = 0;

	if (!str || !res)
		return -EINVAL;
	for (; isdigit((unsigned char)*p); p++, have_digits = 1) {
		if (mul_u64(whole, 10, &whole) ||
		    __builtin_add_overflow(whole, (uint64_t)(*p - '0'), &whole))
			return -ERANGE;
	}
	if (*p == '.') {
		if (!have_digits)
			return -EINVAL;		/* ".5K" */
		p++;
		for (; isdigit((unsigned char)*p); p++, have_digits = 1) {
			/* more than 18 fraction digits cannot change bytes
			 * below 2^64 / 10^18; ignore the rest */
			if (frac_digits < 18) {
				frac = frac * 10 + (uint64_t)(*p - '0');
				frac_div *= 10;
				frac_digits++;
			}
		}
		if (!frac_digits)
			return -EINVAL;
	}
	if (!have_digits)
		return -EINVAL;

	exp = suffix_exponent(*p);
	if (exp) {
		p++;
		if (p[0] == 'i' && p[1] == 'B')
			p += 2;
		else if (p[0] == 'B') {
			base = 1000;
			p++;
		}
	} else if (frac_digits) {
		return -EINVAL;		/* "1.5" bytes makes no sense */
	}
	if (*p)
		return -EINVAL;

	while (exp-- > 0)
		if (mul_u64(mult, base, &mult))
			return -ERANGE;
	if (mul_u64(whole, mult, &r))
		return -ERANGE;
	if (frac) {
		/* frac/frac_div * mult without overflow: mult <= 2^60 and
		 * frac < frac_div <= 10^18, so split the multiplication */
		unsigned __int128 f = (unsigned __int128)frac * mult / frac_div;

		if (__builtin_add_overflow(r, (uint64_t)f, &r))
			return -ERANGE;
	}
	*res = r;
	return 0;
}
