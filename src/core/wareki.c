#include "core/wareki.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

typedef struct era {
	const char *name;  /* as printed */
	char letter;       /* the abbreviation on forms: R8.11.22 */
	at_date first;     /* first day counted in this era */
	int base;          /* Gregorian year of 元年 */
} era;

/* Newest first. 明治 counts from 1868-01-01, not 1868-10-23, because the
 * 改元 was applied to the whole of 慶応4年 and Atena has no earlier dates. */
static const era ERAS[] = {
	{"令和", 'R', {2019, 5, 1}, 2019},
	{"平成", 'H', {1989, 1, 8}, 1989},
	{"昭和", 'S', {1926, 12, 25}, 1926},
	{"大正", 'T', {1912, 7, 30}, 1912},
	{"明治", 'M', {1868, 1, 1}, 1868},
};
#define N_ERAS (sizeof ERAS / sizeof ERAS[0])

static const era *era_of(at_date d)
{
	for (size_t i = 0; i < N_ERAS; i++)
		if (date_cmp(d, ERAS[i].first) >= 0)
			return &ERAS[i];
	return NULL;
}

int wareki_era_year(at_date d, const char **era_name, int *year)
{
	if (!date_valid(d.year, d.month, d.day))
		return -1;
	const era *e = era_of(d);
	if (!e)
		return -1;
	*era_name = e->name;
	*year = d.year - e->base + 1;
	return 0;
}

int wareki_format(at_date d, char *out, size_t cap)
{
	const char *name;
	int y;
	if (cap == 0)
		return -1;
	out[0] = '\0';
	if (wareki_era_year(d, &name, &y))
		return -1;
	int n;
	if (y == 1)
		n = snprintf(out, cap, "%s元年%d月%d日", name, d.month, d.day);
	else
		n = snprintf(out, cap, "%s%d年%d月%d日", name, y, d.month, d.day);
	if (n < 0 || (size_t)n >= cap) {
		out[0] = '\0';
		return -1;
	}
	return 0;
}

/* ---- parsing ------------------------------------------------------------- */

/* Read one digit, ASCII or full-width (U+FF10..U+FF19, EF BC 90..99). */
static int digit(const char **p)
{
	const unsigned char *s = (const unsigned char *)*p;
	if (s[0] >= '0' && s[0] <= '9') {
		*p += 1;
		return s[0] - '0';
	}
	if (s[0] == 0xEF && s[1] == 0xBC && s[2] >= 0x90 && s[2] <= 0x99) {
		*p += 3;
		return s[2] - 0x90;
	}
	return -1;
}

/* 1 to 4 digits; -1 when there is none. Caps the length so no int overflows. */
static int number(const char **p)
{
	int v = 0, n = 0, dg;
	const char *q = *p;
	while (n < 4 && (dg = digit(&q)) >= 0) {
		v = v * 10 + dg;
		n++;
		*p = q;
	}
	if (n == 0 || digit(&q) >= 0)   /* none, or a fifth digit */
		return -1;
	return v;
}

static bool eat(const char **p, const char *lit)
{
	size_t n = strlen(lit);
	if (strncmp(*p, lit, n))
		return false;
	*p += n;
	return true;
}

static int bad_form(const char *s, const char *field, at_error *err)
{
	return at_fail(err, 400, AT_E_INVALID, field,
		       "%s must be a Japanese era date such as 令和8年11月22日 or R8.11.22: %s",
		       field, s);
}

int wareki_parse(const char *s, at_date *out, const char *field, at_error *err)
{
	if (!s)
		return at_fail(err, 400, AT_E_MISSING, field, "%s is required", field);
	const char *p = s;
	const era *e = NULL;
	int y = -1, m, d;
	bool full = false;

	for (size_t i = 0; i < N_ERAS && !e; i++) {
		if (eat(&p, ERAS[i].name)) {
			e = &ERAS[i];
			full = true;
		} else if (*p == ERAS[i].letter || *p == ERAS[i].letter + ('a' - 'A')) {
			e = &ERAS[i];
			p++;
		}
	}
	if (!e)
		return bad_form(s, field, err);

	if (full) {
		if (eat(&p, "元"))
			y = 1;
		else if ((y = number(&p)) < 0)
			return bad_form(s, field, err);
		if (!eat(&p, "年") || (m = number(&p)) < 0 || !eat(&p, "月") ||
		    (d = number(&p)) < 0 || !eat(&p, "日") || *p)
			return bad_form(s, field, err);
	} else {
		char sep;
		if ((y = number(&p)) < 0 || (*p != '.' && *p != '/'))
			return bad_form(s, field, err);
		sep = *p++;
		if ((m = number(&p)) < 0 || *p++ != sep || (d = number(&p)) < 0 || *p)
			return bad_form(s, field, err);
	}

	if (y == 0)
		return at_fail(err, 400, AT_E_INVALID, field,
			       "%s: an era year starts at 元年 (1), not 0: %s", field, s);
	at_date g = {e->base + y - 1, m, d};
	if (!date_valid(g.year, g.month, g.day))
		return at_fail(err, 400, AT_E_INVALID, field, "%s is not a real calendar date: %s",
			       field, s);
	/* The date must fall inside its own era: 平成31年5月1日 is 令和元年5月1日,
	 * and 昭和64年1月8日 is 平成元年1月8日; neither is written so. */
	if (era_of(g) != e) {
		char edge[11];
		if (date_cmp(g, e->first) < 0) {
			date_format(e->first, edge);
			return at_fail(err, 400, AT_E_INVALID, field,
				       "%s: %s is before the era %s began (%s)", field, s, e->name,
				       edge);
		}
		date_format(date_from_days(date_to_days((e - 1)->first) - 1), edge);
		return at_fail(err, 400, AT_E_INVALID, field,
			       "%s: %s is after the era %s ended (its last day was %s)", field, s,
			       e->name, edge);
	}
	*out = g;
	return 0;
}
