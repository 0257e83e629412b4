/*
 * date — calendar dates and instants as Atena keeps them.
 *
 * Dates are ISO 8601 "YYYY-MM-DD" strings internally (DESIGN.md, data
 * conventions); instants are UTC seconds since the epoch, printed as
 * "YYYY-MM-DDTHH:MM:SSZ". Era dates (和暦) are converted only at the edges
 * (forms, files, certificates), with core/wareki.h.
 */
#ifndef ATENA_CORE_DATE_H
#define ATENA_CORE_DATE_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "core/error.h"

typedef struct at_date {
	int year, month, day;
} at_date;

/* Parse "YYYY-MM-DD" (years 1868..9999, a real calendar day). */
int date_parse(const char *s, at_date *out, const char *field, at_error *err);
bool date_valid(int y, int m, int d);
int date_days_in_month(int y, int m);
/* Days since 1970-01-01 (proleptic Gregorian); negative before. */
int64_t date_to_days(at_date d);
at_date date_from_days(int64_t days);
int date_cmp(at_date a, at_date b);
void date_format(at_date d, char out[11]);
at_date date_today(void);

/* The legal age on a day (年齢計算ニ関スル法律 1902, applying 民法143条 with
 * the day of birth counted): the age goes up at the start of the day before
 * each birthday, so someone born 2 April 1960 is 65 on 1 April 2025, and
 * someone born 1 April 1960 is 65 on 31 March 2025; a 29 February birthday
 * counts from 28 February in common years. The one age rule of Atena: the
 * tax engine, the collection plan and the file layouts all ask it. 0 before
 * birth. */
int date_age_on(at_date birth, at_date on);

/* Current instant. Builds with -DATENA_TEST_CLOCK=ON (tests only) honour
 * ATENA_FAKE_NOW (unix seconds) so tests can move time. */
int64_t time_now(void);
/* "YYYY-MM-DDTHH:MM:SSZ" */
void time_format(int64_t t, char out[21]);
/* Parse the same form, or a bare date (midnight UTC). */
int time_parse(const char *s, int64_t *out, const char *field, at_error *err);

#endif
