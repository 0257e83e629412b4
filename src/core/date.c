#include "core/date.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static bool is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int date_days_in_month(int y, int m)
{
	static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (m < 1 || m > 12)
		return 0;
	return m == 2 && is_leap(y) ? 29 : dm[m - 1];
}

bool date_valid(int y, int m, int d)
{
	return y >= 1868 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 && d <= date_days_in_month(y, m);
}

static int num(const char *s, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

int date_parse(const char *s, at_date *out, const char *field, at_error *err)
{
	if (!s)
		return at_fail(err, 400, AT_E_MISSING, field, "%s is required", field);
	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return at_fail(err, 400, AT_E_INVALID, field,
			       "%s must be a date written YYYY-MM-DD", field);
	int y = num(s, 4), m = num(s + 5, 2), d = num(s + 8, 2);
	if (y < 0 || m < 0 || d < 0)
		return at_fail(err, 400, AT_E_INVALID, field,
			       "%s must be a date written YYYY-MM-DD", field);
	if (!date_valid(y, m, d))
		return at_fail(err, 400, AT_E_INVALID, field,
			       "%s is not a real calendar date between 1868-01-01 and 9999-12-31: %s",
			       field, s);
	out->year = y;
	out->month = m;
	out->day = d;
	return 0;
}

/* Howard Hinnant's days_from_civil: exact for the proleptic Gregorian calendar. */
int64_t date_to_days(at_date dt)
{
	int64_t y = dt.year - (dt.month <= 2);
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t mp = (dt.month + 9) % 12;
	int64_t doy = (153 * mp + 2) / 5 + dt.day - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

at_date date_from_days(int64_t z)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t y = yoe + era * 400;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int64_t d = doy - (153 * mp + 2) / 5 + 1;
	int64_t m = mp < 10 ? mp + 3 : mp - 9;
	at_date r = {(int)(y + (m <= 2)), (int)m, (int)d};
	return r;
}

int date_age_on(at_date birth, at_date on)
{
	/* Reaching an age at the start of the day before the birthday is the
	 * ordinary (birthday) count taken on the day after. */
	at_date next = date_from_days(date_to_days(on) + 1);
	int age = next.year - birth.year;
	if (next.month < birth.month || (next.month == birth.month && next.day < birth.day))
		age--;
	return age < 0 ? 0 : age;
}

int date_cmp(at_date a, at_date b)
{
	if (a.year != b.year)
		return a.year < b.year ? -1 : 1;
	if (a.month != b.month)
		return a.month < b.month ? -1 : 1;
	if (a.day != b.day)
		return a.day < b.day ? -1 : 1;
	return 0;
}

void date_format(at_date d, char out[11])
{
	char tmp[48];
	snprintf(tmp, sizeof tmp, "%04d-%02d-%02d", d.year, d.month, d.day);
	memcpy(out, tmp, 10);
	out[10] = '\0';
}

int64_t time_now(void)
{
#ifdef ATENA_TEST_CLOCK
	/* Test builds only: a production binary never takes its clock from the
	 * environment, or an operator could backdate audit events. */
	const char *fake = getenv("ATENA_FAKE_NOW");
	if (fake && *fake) {
		char *end;
		long long v = strtoll(fake, &end, 10);
		if (*end == '\0')
			return v;
	}
#endif
	return (int64_t)time(NULL);
}

at_date date_today(void)
{
	/* Japan Standard Time (UTC+9) decides what "today" is for a municipality. */
	return date_from_days(floor_div(time_now() + 9 * 3600, 86400));
}

void time_format(int64_t t, char out[21])
{
	int64_t days = floor_div(t, 86400);
	int64_t secs = t - days * 86400;
	at_date d = date_from_days(days);
	char tmp[96];
	snprintf(tmp, sizeof tmp, "%04d-%02d-%02dT%02d:%02d:%02dZ", d.year, d.month, d.day,
		 (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
	memcpy(out, tmp, 20);
	out[20] = '\0';
}

int time_parse(const char *s, int64_t *out, const char *field, at_error *err)
{
	at_date d;
	if (s && strlen(s) == 10) {
		if (date_parse(s, &d, field, err))
			return -1;
		*out = date_to_days(d) * 86400;
		return 0;
	}
	if (!s || strlen(s) != 20 || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != 'Z')
		return at_fail(err, 400, AT_E_INVALID, field,
			       "%s must be written YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ", field);
	char day[11];
	memcpy(day, s, 10);
	day[10] = '\0';
	if (date_parse(day, &d, field, err))
		return -1;
	int hh = num(s + 11, 2), mm = num(s + 14, 2), ss = num(s + 17, 2);
	if (hh < 0 || hh > 23 || mm < 0 || mm > 59 || ss < 0 || ss > 59)
		return at_fail(err, 400, AT_E_INVALID, field, "%s has an impossible time of day", field);
	*out = date_to_days(d) * 86400 + hh * 3600 + mm * 60 + ss;
	return 0;
}
