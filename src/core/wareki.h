/*
 * wareki — Japanese era dates (和暦) at the edges.
 *
 * Atena keeps dates as ISO 8601 (DESIGN.md, data conventions); forms, files
 * and certificates show them in the era calendar, and residents and clerks
 * type them that way. This module converts between the two, nothing else.
 *
 * An era begins on the Gregorian day its 改元 took effect and ends the day
 * before the next one began:
 *   明治 1868-10-23  (明治改元の詔; applied back to the start of 1868, so every
 *                     1868 date is 明治元年. Japan kept the lunisolar calendar
 *                     until 明治5年12月2日 and used the Gregorian one from
 *                     明治6年 (1873); earlier Meiji dates here are the Gregorian
 *                     day counted in Meiji years, as registers write them.)
 *   大正 1912-07-30
 *   昭和 1926-12-25
 *   平成 1989-01-08  (元号を改める政令 (昭和64年政令第1号): 昭和64年1月7日 is
 *                     the last day of 昭和, 平成元年1月8日 the first of 平成)
 *   令和 2019-05-01  (元号を改める政令 (平成31年政令第143号), in force
 *                     令和元年5月1日; 平成31年4月30日 is the last day of 平成)
 * The first year of an era is written 元年 ("平成元年1月8日").
 */
#ifndef ATENA_CORE_WAREKI_H
#define ATENA_CORE_WAREKI_H

#include <stddef.h>

#include "core/date.h"
#include "core/error.h"

#define WAREKI_MAX 32   /* bytes a formatted era date needs, with the NUL */

/* The era and era year of d: *era is "令和" etc. (static), *year >= 1.
 * -1 when d is not a valid date (date_valid: 1868-01-01 .. 9999-12-31). */
int wareki_era_year(at_date d, const char **era, int *year);

/* "令和8年11月22日" / "平成元年1月8日" into out. Returns 0, or -1 when d is
 * invalid or cap is too small (out is then ""). */
int wareki_format(at_date d, char *out, size_t cap);

/* Parse an era date written in full ("令和8年11月22日", "平成元年1月8日",
 * full-width digits allowed) or abbreviated with the era's letter M/T/S/H/R
 * ("R8.11.22", "H1.1.8", "s33.4.12"; '.' or '/' between the parts).
 * Refused, with an error naming `field`: anything else, year 0, a day that
 * does not exist, and a date outside its era ("平成31年5月1日" is 令和元年,
 * "昭和65年1月1日" never was). */
int wareki_parse(const char *s, at_date *out, const char *field, at_error *err);

#endif
