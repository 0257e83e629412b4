/*
 * Unit tests for src/core: My Number and municipality check digits, dates and
 * instants, text validation, strict JSON reading, strbuf.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/date.h"
#include "core/error.h"
#include "core/json.h"
#include "core/mynumber.h"
#include "core/strbuf.h"
#include "core/text.h"
#include "core/kana.h"
#include "test.h"

/* ---- My Number ------------------------------------------------------------ */

static void test_mynumber_hand_example(void)
{
	/*
	 * 平成26年総務省令第85号 第5条, worked by hand for the first eleven digits
	 * "12345678901". Pn is the n-th digit counted from the right; Qn = n+1
	 * for 1<=n<=6 and n-5 for 7<=n<=11.
	 *
	 *   n   : 1  2  3  4  5  6  7  8  9 10 11
	 *   Pn  : 1  0  9  8  7  6  5  4  3  2  1
	 *   Qn  : 2  3  4  5  6  7  2  3  4  5  6
	 *   PnQn: 2  0 36 40 42 42 10 12 12 10  6   sum = 212
	 *
	 * 212 mod 11 = 3 (11 * 19 = 209), remainder > 1, so check = 11 - 3 = 8:
	 * "123456789018" is a valid My Number.
	 */
	CHECK_INT(mynumber_check_digit("12345678901"), 8);
	CHECK_INT(mynumber_check("123456789018"), MYNUMBER_OK);

	/* remainder 0: all zeros, sum 0 -> check 0 */
	CHECK_INT(mynumber_check_digit("00000000000"), 0);
	CHECK_INT(mynumber_check("000000000000"), MYNUMBER_OK);
	/* remainder 1: P1 = 6, Q1 = 2, sum 12, 12 mod 11 = 1 -> check 0 */
	CHECK_INT(mynumber_check_digit("00000000006"), 0);
	/* remainder 2: P1 = 1, sum 2 -> check 11 - 2 = 9 */
	CHECK_INT(mynumber_check_digit("00000000001"), 9);
	/* P7 carries weight Q7 = 2: "00001000000" sum 2 -> 9 */
	CHECK_INT(mynumber_check_digit("00001000000"), 9);
}

static void test_mynumber_built_numbers(void)
{
	/* Build valid numbers from many prefixes; every other last digit is wrong. */
	char n[13];
	uint64_t x = 12345u;
	for (int i = 0; i < 500; i++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull; /* Knuth's MMIX LCG */
		snprintf(n, sizeof n, "%011llu", (unsigned long long)((x >> 16) % 100000000000ull));
		int cd = mynumber_check_digit(n);
		CHECK(cd >= 0 && cd <= 9);
		n[11] = (char)('0' + cd);
		n[12] = '\0';
		CHECK_INT(mynumber_check(n), MYNUMBER_OK);
		at_error err = {0};
		CHECK_INT(mynumber_validate(n, "my_number", &err), 0);
		for (int d = 0; d <= 9; d++) {
			if (d == cd)
				continue;
			n[11] = (char)('0' + d);
			CHECK_INT(mynumber_check(n), MYNUMBER_BAD_CHECK);
		}
	}
}

static void test_mynumber_bad(void)
{
	CHECK_INT(mynumber_check("123456789017"), MYNUMBER_BAD_CHECK);
	CHECK_INT(mynumber_check("123456789019"), MYNUMBER_BAD_CHECK);
	const char *fmt[] = {"12345678901",   "1234567890180", "", "12345678901a", "a23456789018",
			     "1234 5678 901", " 123456789018", "123456789018 ", "１23456789018",
			     "-23456789018"};
	for (size_t i = 0; i < sizeof fmt / sizeof fmt[0]; i++)
		CHECK_INT(mynumber_check(fmt[i]), MYNUMBER_BAD_FORMAT);
	CHECK_INT(mynumber_check(NULL), MYNUMBER_BAD_FORMAT);
	CHECK_INT(mynumber_check_digit("1234567890"), -1);
	CHECK_INT(mynumber_check_digit("123456789018"), -1);
	CHECK_INT(mynumber_check_digit("1234567890a"), -1);

	at_error err = {0};
	CHECK_INT(mynumber_validate("123456789017", "resident.my_number", &err), -1);
	CHECK_STR(err.code, AT_E_INVALID);
	CHECK_STR(err.field, "resident.my_number");
	CHECK_INT(err.status, 400);
	CHECK(strstr(err.message, "check digit") != NULL);
	at_error_clear(&err);
	CHECK_INT(mynumber_validate("12345", "resident.my_number", &err), -1);
	CHECK_STR(err.field, "resident.my_number");
	CHECK(strstr(err.message, "12 digits") != NULL);
}

static void test_municipality_code(void)
{
	at_error err = {0};
	/* Weights 6,5,4,3,2; check = last digit of 11 - (sum mod 11).
	 * 13110 (目黒区): 6+15+4+3+0 = 28, 28 mod 11 = 6, 11-6 = 5 -> 131105. */
	CHECK_INT(municipality_code_validate("131105", "m", &err), 0); /* 目黒区 */
	CHECK_INT(municipality_code_validate("131075", "m", &err), 0); /* 墨田区 */
	CHECK_INT(municipality_code_validate("131164", "m", &err), 0); /* 豊島区 */
	CHECK_INT(municipality_code_validate("112089", "m", &err), 0); /* 所沢市 */
	/* the two edge cases of the rule: remainder 0 gives 11 -> 1 (新宿区
	 * 13104: 6+15+4+0+8 = 33), remainder 1 gives 10 -> 0 (渋谷区 13113: 34) */
	CHECK_INT(municipality_code_validate("131041", "m", &err), 0);
	CHECK_INT(municipality_code_validate("131130", "m", &err), 0);

	CHECK_INT(municipality_code_validate("131106", "office.code", &err), -1);
	CHECK_STR(err.field, "office.code");
	CHECK_STR(err.code, AT_E_INVALID);
	CHECK_INT(municipality_code_validate("13110", "m", &err), -1);
	CHECK_INT(municipality_code_validate("1311050", "m", &err), -1);
	CHECK_INT(municipality_code_validate("13110a", "m", &err), -1);
	CHECK_INT(municipality_code_validate("", "m", &err), -1);
	CHECK_INT(municipality_code_validate(NULL, "m", &err), -1);
}

/* ---- Dates and instants ----------------------------------------------------- */

static void test_date_parse(void)
{
	at_date d = {0, 0, 0};
	at_error err = {0};
	CHECK_INT(date_parse("2024-02-29", &d, "birth_date", &err), 0);
	CHECK_INT(d.year, 2024);
	CHECK_INT(d.month, 2);
	CHECK_INT(d.day, 29);
	CHECK_INT(date_parse("1868-01-01", &d, "f", &err), 0);
	CHECK_INT(date_parse("9999-12-31", &d, "f", &err), 0);
	CHECK_INT(date_parse("2000-02-29", &d, "f", &err), 0); /* 400-year leap */

	const char *bad[] = {"2023-02-29", "2025-13-01", "2025-1-01", "1867-12-31", "2025-00-10",
			     "2025-04-31", "2025-04-00", "1900-02-29", "2025/01/01", "20250101",
			     "2025-01-01T00:00:00Z",   "+025-01-01", "2025-01-0a", ""};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		at_error_clear(&err);
		CHECK_INT(date_parse(bad[i], &d, "person.birth_date", &err), -1);
		CHECK_STR(err.code, AT_E_INVALID);
		CHECK_STR(err.field, "person.birth_date");
		CHECK(strstr(err.message, "person.birth_date") != NULL);
	}
	CHECK_INT(date_parse(NULL, &d, "f", &err), -1);
	CHECK_STR(err.code, AT_E_MISSING);

	CHECK(date_valid(2024, 2, 29));
	CHECK(!date_valid(2100, 2, 29));
	CHECK_INT(date_days_in_month(2024, 2), 29);
	CHECK_INT(date_days_in_month(2023, 2), 28);
	CHECK_INT(date_days_in_month(2023, 13), 0);
}

static void test_date_days_roundtrip(void)
{
	at_date epoch = {1970, 1, 1}, y2k = {2000, 3, 1}, first = {1868, 1, 1},
		last = {9999, 12, 31};
	CHECK_INT(date_to_days(epoch), 0);
	/* 2000-01-01 is day 10957; + 31 (Jan) + 29 (Feb 2000 is leap) */
	CHECK_INT(date_to_days(y2k), 11017);
	CHECK_INT(date_to_days((at_date){1969, 12, 31}), -1);

	/* Every day in the supported range: the round trip holds and consecutive
	 * day numbers are consecutive calendar days. */
	int64_t lo = date_to_days(first), hi = date_to_days(last);
	at_date prev = date_from_days(lo - 1);
	CHECK_INT(prev.year, 1867);
	long bad = 0;
	for (int64_t n = lo; n <= hi; n++) {
		at_date d = date_from_days(n);
		at_date want = prev;
		if (++want.day > date_days_in_month(want.year, want.month)) {
			want.day = 1;
			if (++want.month > 12) {
				want.month = 1;
				want.year++;
			}
		}
		if (date_cmp(d, want) != 0 || date_to_days(d) != n || !date_valid(d.year, d.month, d.day))
			bad++;
		prev = d;
	}
	CHECK_INT(bad, 0);
	CHECK_INT(prev.year, 9999);

	char s[11];
	date_format(date_from_days(11017), s);
	CHECK_STR(s, "2000-03-01");
	date_format(date_from_days(0), s);
	CHECK_STR(s, "1970-01-01");
	CHECK(date_cmp(epoch, y2k) < 0);
	CHECK(date_cmp(y2k, epoch) > 0);
	CHECK(date_cmp(y2k, y2k) == 0);
}

/* 年齢計算ニ関スル法律: the age goes up on the day before the birthday. */
static void test_date_age_on(void)
{
	at_date apr2 = {1960, 4, 2}, apr1 = {1960, 4, 1};
	CHECK_INT(date_age_on(apr2, (at_date){2025, 4, 1}), 65);
	CHECK_INT(date_age_on(apr2, (at_date){2025, 3, 31}), 64);
	CHECK_INT(date_age_on(apr1, (at_date){2025, 3, 31}), 65);
	CHECK_INT(date_age_on(apr1, (at_date){2025, 3, 30}), 64);
	CHECK_INT(date_age_on(apr1, (at_date){2025, 4, 1}), 65);
	/* born 1 January: a year older on 31 December, across the year end */
	CHECK_INT(date_age_on((at_date){1955, 1, 1}, (at_date){2024, 12, 31}), 70);
	CHECK_INT(date_age_on((at_date){1955, 1, 1}, (at_date){2024, 12, 30}), 69);
	/* 29 February: in a common year the age goes up on 28 February
	 * (民法143条2項: no corresponding day, so the month's last day) */
	CHECK_INT(date_age_on((at_date){2000, 2, 29}, (at_date){2001, 2, 27}), 0);
	CHECK_INT(date_age_on((at_date){2000, 2, 29}, (at_date){2001, 2, 28}), 1);
	CHECK_INT(date_age_on((at_date){2000, 2, 29}, (at_date){2004, 2, 28}), 4);
	/* the day of birth and before it */
	CHECK_INT(date_age_on(apr2, apr2), 0);
	CHECK_INT(date_age_on(apr2, (at_date){1950, 1, 1}), 0);
}

static void test_time_roundtrip(void)
{
	char s[21];
	int64_t t = -1;
	at_error err = {0};
	time_format(0, s);
	CHECK_STR(s, "1970-01-01T00:00:00Z");
	time_format(951868800 + 3661, s);
	CHECK_STR(s, "2000-03-01T01:01:01Z");
	time_format(-1, s);
	CHECK_STR(s, "1969-12-31T23:59:59Z");

	CHECK_INT(time_parse("2000-03-01T01:01:01Z", &t, "at", &err), 0);
	CHECK_INT(t, 951868800 + 3661);
	CHECK_INT(time_parse("2000-03-01", &t, "at", &err), 0); /* bare date: midnight UTC */
	CHECK_INT(t, 951868800);

	/* round trip over the whole range, including before 1970 */
	int64_t lo = -3218832000LL;  /* 1868-01-01T00:00:00Z, the first supported instant */
	int64_t hi = 253402300799LL; /* 9999-12-31T23:59:59Z */
	time_format(lo, s);
	CHECK_STR(s, "1868-01-01T00:00:00Z");
	time_format(hi, s);
	CHECK_STR(s, "9999-12-31T23:59:59Z");
	long bad = 0;
	for (int64_t x = lo; x <= hi; x += 7777777 + 13) {
		int64_t back = 0;
		time_format(x, s);
		if (time_parse(s, &back, "at", &err) || back != x)
			bad++;
	}
	CHECK_INT(bad, 0);

	const char *bad_s[] = {"2000-03-01T24:00:00Z", "2000-03-01T12:60:00Z", "2000-03-01T12:00:60Z",
			       "2000-03-01 12:00:00Z", "2000-03-01T12:00:00",  "2000-03-01T12:00:00+09:00",
			       "2023-02-29T00:00:00Z", "",                     "2000-03-01T1a:00:00Z"};
	for (size_t i = 0; i < sizeof bad_s / sizeof bad_s[0]; i++) {
		at_error_clear(&err);
		CHECK_INT(time_parse(bad_s[i], &t, "event.at", &err), -1);
		CHECK_STR(err.field, "event.at");
	}
	CHECK_INT(time_parse(NULL, &t, "event.at", &err), -1);
}

static void test_today_is_japan(void)
{
	/* 2024-12-31T15:00:00Z is 2025-01-01 00:00 in Japan (UTC+9). */
	setenv("ATENA_FAKE_NOW", "1735657200", 1);
	CHECK_INT(time_now(), 1735657200);
	at_date d = date_today();
	CHECK_INT(d.year, 2025);
	CHECK_INT(d.month, 1);
	CHECK_INT(d.day, 1);
	setenv("ATENA_FAKE_NOW", "1735657199", 1);
	d = date_today();
	CHECK_INT(d.year, 2024);
	CHECK_INT(d.day, 31);
	unsetenv("ATENA_FAKE_NOW");
}

/* ---- Text ------------------------------------------------------------------- */

static void test_text_utf8(void)
{
	at_error err = {0};
	const char *bad[] = {"\xff", "a\xfe", "\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80",
			     "\xed\xbf\xbf", "\xf4\x90\x80\x80", "\xc3", "\xe5\xb1", "\x80",
			     "\xf8\x88\x80\x80\x80"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		at_error_clear(&err);
		CHECK_INT(text_check(bad[i], "name", 100, false, 0, &err), -1);
		CHECK_STR(err.code, AT_E_INVALID);
		CHECK_STR(err.field, "name");
		CHECK(strstr(err.message, "UTF-8") != NULL);
		CHECK(text_utf8_len(bad[i]) == (size_t)-1);
	}
	CHECK_INT(text_utf8_len("山田太郎"), 4);
	CHECK_INT(text_utf8_len("𠮷野家"), 3); /* a 4-byte character counts once */
	CHECK_INT(text_utf8_len(""), 0);
	CHECK_INT(text_utf8_len("\xef\xbf\xbf"), 1); /* U+FFFF is well-formed */
	CHECK_INT(text_utf8_len("\xf4\x8f\xbf\xbf"), 1); /* U+10FFFF, the last */
}

static void test_text_controls(void)
{
	at_error err = {0};
	const char *bad[] = {"a\x01b", "a\nb", "a\tb", "a\rb", "a\x7f", "\x1b[31m", "a\xc2\x85",
			     "\xc2\x80", "\xc2\x9f"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		at_error_clear(&err);
		CHECK_INT(text_check(bad[i], "note", 100, false, 0, &err), -1);
		CHECK_STR(err.field, "note");
		CHECK(strstr(err.message, "control") != NULL);
	}
	CHECK_INT(text_check("a\nb", "note", 100, false, TEXT_MULTILINE, &err), 0);
	CHECK_INT(text_check("a\tb", "note", 100, false, TEXT_MULTILINE, &err), 0);
	CHECK_INT(text_check("a\x01b", "note", 100, false, TEXT_MULTILINE, &err), -1);
	CHECK_INT(text_check("a\rb", "note", 100, false, TEXT_MULTILINE, &err), -1);
	CHECK_INT(text_check("a\xc2\x85", "note", 100, false, TEXT_MULTILINE, &err), -1);
	/* U+00A0 (C2 A0) is not a control character */
	CHECK_INT(text_check("a\xc2\xa0" "b", "note", 100, false, 0, &err), 0);
}

static void test_text_length(void)
{
	at_error err = {0};
	/* characters, not bytes: 山田太郎 is 12 bytes and 4 characters */
	CHECK_INT(text_check("山田太郎", "name", 4, false, 0, &err), 0);
	at_error_clear(&err);
	CHECK_INT(text_check("山田太郎", "name", 3, false, 0, &err), -1);
	CHECK_STR(err.field, "name");
	CHECK(strstr(err.message, "at most 3") != NULL);
	CHECK_INT(text_check("", "name", 4, false, 0, &err), -1);
	CHECK(strstr(err.message, "empty") != NULL);
	CHECK_INT(text_check("", "name", 4, true, 0, &err), 0);
	CHECK_INT(text_check(NULL, "name", 4, true, 0, &err), -1);
	CHECK_STR(err.code, AT_E_MISSING);
}

static void test_text_helpers(void)
{
	CHECK(text_is_digits("0123", 4));
	CHECK(!text_is_digits("0123", 3));
	CHECK(!text_is_digits("01a3", 4));
	CHECK(!text_is_digits(NULL, 0));
	CHECK(text_is_digits("", 0));
	CHECK(text_equal_ct("abc", "abc"));
	CHECK(!text_equal_ct("abc", "abd"));
	CHECK(!text_equal_ct("abc", "ab"));
	CHECK(text_equal_ct("", ""));
}

/* ---- JSON ------------------------------------------------------------------- */

static json_t *parse(const char *s)
{
	at_error err = {0};
	json_t *v = jv_parse_object(s, strlen(s), &err);
	if (!v)
		fprintf(stderr, "parse %s: %s\n", s, err.message);
	return v;
}

static void test_jv_readers(void)
{
	json_t *root = parse("{\"a\":{\"b\":1,\"s\":\"山田\",\"t\":true,\"n\":null}}");
	CHECK(root != NULL);
	if (!root)
		return;
	json_t *a = json_object_get(root, "a");
	at_error err = {0};
	const char *s = "untouched";
	int64_t i = -7;
	bool b = false;

	/* required and missing: the dotted path names it */
	CHECK_INT(jv_string(a, "a", "x", true, 10, &s, &err), -1);
	CHECK_STR(err.code, AT_E_MISSING);
	CHECK_STR(err.field, "a.x");
	CHECK_INT(err.status, 400);
	CHECK(strstr(err.message, "a.x") != NULL);
	CHECK_INT(jv_string(root, "", "x", true, 10, &s, &err), -1);
	CHECK_STR(err.field, "x");
	/* null counts as missing */
	CHECK_INT(jv_int(a, "a", "n", true, 0, 10, &i, &err), -1);
	CHECK_STR(err.code, AT_E_MISSING);
	/* optional and missing: untouched */
	CHECK_INT(jv_string(a, "a", "x", false, 10, &s, &err), 0);
	CHECK_STR(s, "untouched");
	CHECK_INT(jv_int(a, "a", "n", false, 0, 10, &i, &err), 0);
	CHECK_INT(i, -7);
	CHECK_INT(jv_bool(a, "a", "x", false, &b, &err), 0);
	CHECK(!b);

	/* wrong type */
	at_error_clear(&err);
	CHECK_INT(jv_string(a, "a", "b", true, 10, &s, &err), -1);
	CHECK_STR(err.code, AT_E_INVALID);
	CHECK_STR(err.field, "a.b");
	CHECK_INT(jv_int(a, "a", "s", true, 0, 10, &i, &err), -1);
	CHECK_STR(err.code, AT_E_INVALID);
	CHECK_STR(err.field, "a.s");
	CHECK_INT(jv_bool(a, "a", "b", true, &b, &err), -1);
	CHECK_STR(err.code, AT_E_INVALID);
	CHECK_STR(err.field, "a.b");

	/* good values */
	CHECK_INT(jv_string(a, "a", "s", true, 2, &s, &err), 0);
	CHECK_STR(s, "山田");
	CHECK_INT(jv_string(a, "a", "s", true, 1, &s, &err), -1); /* 2 characters > 1 */
	CHECK_INT(jv_int(a, "a", "b", true, 0, 10, &i, &err), 0);
	CHECK_INT(i, 1);
	CHECK_INT(jv_int(a, "a", "b", true, 2, 10, &i, &err), -1); /* range */
	CHECK_STR(err.field, "a.b");
	CHECK_INT(jv_bool(a, "a", "t", true, &b, &err), 0);
	CHECK(b);
	json_decref(root);

	/* a string field is text-checked, and 1.0 is not an integer */
	root = parse("{\"c\":\"a\\u0001b\",\"r\":1.0,\"e\":\"\"}");
	CHECK(root != NULL);
	if (root) {
		CHECK_INT(jv_string(root, "", "c", true, 10, &s, &err), -1);
		CHECK_STR(err.field, "c");
		CHECK_INT(jv_int(root, "", "r", true, 0, 10, &i, &err), -1);
		CHECK_INT(jv_string(root, "", "e", true, 10, &s, &err), -1);
		CHECK_INT(jv_string(root, "", "e", false, 10, &s, &err), 0);
		CHECK_STR(s, "");
		json_decref(root);
	}
}


/* The strict reader: nested objects and arrays name the full path, data files
 * carry their source and status 500, every kind of value has its rule. */
static void test_jr_paths_and_kinds(void)
{
	json_t *root = parse("{\"persons\":[{\"name\":\"山田\",\"birth_date\":\"1990-02-30\"},"
			     "{\"name\":\"\",\"birth_date\":\"1990-02-28\",\"nick\":1}],"
			     "\"income\":{\"salary\":-5,\"other\":3000},\"kind\":\"special\","
			     "\"flag\":\"yes\",\"bands\":[1,2,\"x\"],\"open\":null}");
	CHECK(root != NULL);
	if (!root)
		return;
	at_error err = {0};
	jr r = JR_REQUEST(&err);
	json_t *ps = NULL, *p = NULL, *inc = NULL;
	size_t n = 0;
	char q[JR_PATH];
	at_date d = {0};

	CHECK_INT(jr_array(&r, root, "", "persons", JR_REQ, 1, 5, &ps, &n, q), 0);
	CHECK_INT(n, 2);
	CHECK_STR(q, "persons");
	CHECK_INT(jr_array(&r, root, "", "persons", JR_REQ, 1, 1, &ps, &n, NULL), -1);
	CHECK_STR(err.field, "persons");
	CHECK_INT(jr_array(&r, root, "", "persons", JR_REQ, 3, 5, &ps, &n, NULL), -1);

	/* an impossible date inside an array element: persons[0].birth_date */
	CHECK_INT(jr_elem_object(&r, ps, "persons", 0, &p, q), 0);
	CHECK_STR(q, "persons[0]");
	at_error_clear(&err);
	CHECK_INT(jr_date(&r, p, q, "birth_date", JR_REQ, &d), -1);
	CHECK_STR(err.field, "persons[0].birth_date");
	CHECK_STR(err.code, AT_E_INVALID);
	CHECK_INT(err.status, 400);
	CHECK(strstr(err.message, "persons[0].birth_date") != NULL);

	/* an unknown key and an empty required string in the second element */
	static const char *const pk[] = {"name", "birth_date", NULL};
	CHECK_INT(jr_elem_object(&r, ps, "persons", 1, &p, q), 0);
	CHECK_INT(jr_date(&r, p, q, "birth_date", JR_REQ, &d), 0);
	CHECK_INT(d.year * 10000 + d.month * 100 + d.day, 19900228);
	CHECK_INT(jr_known(&r, p, q, pk), -1);
	CHECK_STR(err.field, "persons[1].nick");
	CHECK_STR(err.code, AT_E_UNKNOWN);
	const char *s = NULL;
	CHECK_INT(jr_string(&r, p, q, "name", JR_REQ, 10, &s), -1);
	CHECK_STR(err.field, "persons[1].name");
	CHECK_INT(jr_string(&r, p, q, "name", JR_OPT, 10, &s), 0);   /* optional may be "" */
	CHECK_STR(s, "");
	CHECK_INT(jr_string(&r, p, q, "name", JR_NONEMPTY, 10, &s), -1);
	/* an element that is not an object */
	json_t *bands = NULL;
	CHECK_INT(jr_array(&r, root, "", "bands", JR_REQ, 1, 5, &bands, &n, NULL), 0);
	CHECK_INT(jr_elem_object(&r, bands, "bands", 0, &p, q), -1);
	CHECK_STR(err.field, "bands[0]");
	int64_t v = 0;
	CHECK_INT(jr_elem_int(&r, bands, "bands", 1, 0, 9, &v), 0);
	CHECK_INT(v, 2);
	CHECK_INT(jr_elem_int(&r, bands, "bands", 2, 0, 9, &v), -1);
	CHECK_STR(err.field, "bands[2]");
	CHECK_INT(jr_elem_int(&r, bands, "bands", 0, 5, 9, &v), -1);
	CHECK(strstr(err.message, "between 5 and 9") != NULL);

	/* yen: negative refused with the yen rule; nested path */
	CHECK_INT(jr_object(&r, root, "", "income", JR_REQ, &inc, NULL), 0);
	CHECK_INT(jr_yen(&r, inc, "income", "salary", JR_OPT, 0, 1000000, &v), -1);
	CHECK_STR(err.field, "income.salary");
	CHECK(strstr(err.message, "negative") != NULL);
	CHECK_INT(jr_yen(&r, inc, "income", "other", JR_OPT, 0, 1000000, &v), 0);
	CHECK_INT(v, 3000);
	CHECK_INT(jr_yen(&r, inc, "income", "other", JR_OPT, 0, 2000, &v), -1);
	v = 77;
	CHECK_INT(jr_yen(&r, inc, "income", "absent", JR_OPT, 0, 2000, &v), 0);
	CHECK_INT(v, 77);
	CHECK_INT(jr_yen(&r, inc, "income", "absent", JR_REQ, 0, 2000, &v), -1);
	CHECK_STR(err.code, AT_E_MISSING);
	CHECK_STR(err.field, "income.absent");
	CHECK_INT(jr_object(&r, root, "", "kind", JR_REQ, &inc, NULL), -1);
	CHECK_STR(err.field, "kind");

	/* choice, bool, raw value */
	static const char *const kinds[] = {"none", "general", "special", NULL};
	int k = -1;
	CHECK_INT(jr_choice(&r, root, "", "kind", JR_REQ, kinds, &k), 0);
	CHECK_INT(k, 2);
	CHECK_INT(jr_choice(&r, root, "", "flag", JR_REQ, kinds, &k), -1);
	CHECK(strstr(err.message, "\"general\"") != NULL);
	bool b = false;
	CHECK_INT(jr_bool(&r, root, "", "flag", JR_REQ, &b), -1);
	json_t *raw = NULL;
	CHECK_INT(jr_value(&r, root, "", "open", JR_REQ, &raw), 0);
	CHECK(json_is_null(raw));
	CHECK_INT(jr_value(&r, root, "", "nothing", JR_REQ, &raw), -1);
	CHECK_INT(jr_value(&r, root, "", "nothing", JR_OPT, &raw), 0);
	CHECK(raw == NULL);
	json_decref(root);
}

static void test_jr_data_source(void)
{
	at_error err = {0};
	jr r = JR_DATA(&err, "law/fy2025.json");
	const char *text = "{\"deductions\":{\"basic\":{\"amout\":1}}}";
	json_t *root = jr_parse_object(&r, text, strlen(text));
	CHECK(root != NULL);
	if (!root)
		return;
	json_t *d = NULL, *basic = NULL;
	static const char *const bk[] = {"amount", NULL};
	char q[JR_PATH], q2[JR_PATH];
	CHECK_INT(jr_object(&r, root, "", "deductions", JR_REQ, &d, q), 0);
	CHECK_INT(jr_object(&r, d, q, "basic", JR_REQ, &basic, q2), 0);
	CHECK_STR(q2, "deductions.basic");
	CHECK_INT(jr_known(&r, basic, q2, bk), -1);
	CHECK_INT(err.status, 500);
	CHECK_STR(err.field, "deductions.basic.amout");
	CHECK(strncmp(err.message, "law/fy2025.json: deductions.basic.amout", 39) == 0);
	/* a failure from another core check gets the source and status too */
	json_t *o = json_pack("{s:s}", "d", "2025-13-01");
	at_date dt;
	at_error_clear(&err);
	CHECK_INT(jr_date(&r, o, "x", "d", JR_REQ, &dt), -1);
	CHECK_INT(err.status, 500);
	CHECK_STR(err.field, "x.d");
	CHECK(strncmp(err.message, "law/fy2025.json: ", 17) == 0);
	json_decref(o);
	json_decref(root);
	/* not JSON, not an object: the file is named */
	CHECK(jr_parse_object(&r, "[1]", 3) == NULL);
	CHECK(strstr(err.message, "law/fy2025.json") != NULL);
	CHECK(jr_parse_object(&r, "{", 1) == NULL);
	CHECK_INT(err.status, 500);
	/* long paths are cut, never overflow */
	char long_key[300];
	memset(long_key, 'k', sizeof long_key - 1);
	long_key[sizeof long_key - 1] = '\0';
	jr_path(q, long_key, long_key);
	CHECK(strlen(q) < JR_PATH);
	jr_path_index(q, long_key, 12345);
	CHECK(strlen(q) < JR_PATH);
}


/* One rule for a reading: hiragana or katakana, or katakana only for file layouts. */
static void test_kana_reading(void)
{
	CHECK(kana_reading_ok("ヤマダ タロウ", KANA_READING_ANY));
	CHECK(kana_reading_ok("やまだ　たろう", KANA_READING_ANY));      /* ideographic space */
	CHECK(kana_reading_ok("ﾔﾏﾀﾞ ﾀﾛｳ", KANA_READING_ANY));           /* half-width */
	CHECK(kana_reading_ok("ジョン・スミス", KANA_READING_ANY));      /* ・ and ー */
	CHECK(kana_reading_ok("コーヒー", KANA_READING_KATAKANA));
	CHECK(kana_reading_ok("", KANA_READING_ANY));
	CHECK(!kana_reading_ok("やまだ", KANA_READING_KATAKANA));        /* hiragana: not in a カナ column */
	CHECK(!kana_reading_ok("山田", KANA_READING_ANY));
	CHECK(!kana_reading_ok("Yamada", KANA_READING_ANY));
	CHECK(!kana_reading_ok("ヤマダ1", KANA_READING_ANY));
	CHECK(!kana_reading_ok("ﾔﾏﾀﾞ｡", KANA_READING_ANY));             /* half-width punctuation */
	CHECK(!kana_reading_ok("\xE3\x82", KANA_READING_ANY));          /* cut UTF-8: never read past */
	CHECK(!kana_reading_ok("\xE3", KANA_READING_ANY));
	CHECK(!kana_reading_ok("\xF0\x9F\x98\x80", KANA_READING_ANY));  /* emoji */
}

static void test_text_in_list(void)
{
	static const char *const l[] = {"転出", "死亡", NULL};
	CHECK(text_in_list(l, "死亡"));
	CHECK(!text_in_list(l, "死"));
	CHECK(!text_in_list(l, ""));
	CHECK(!text_in_list(l, NULL));
	static const char *const empty[] = {NULL};
	CHECK(!text_in_list(empty, "x"));
}

static void test_jv_no_unknown(void)
{
	json_t *root = parse("{\"name\":\"x\",\"addr\":{\"zip\":\"1\",\"zpi\":\"2\"},\"nmae\":\"y\"}");
	CHECK(root != NULL);
	if (!root)
		return;
	at_error err = {0};
	static const char *const top[] = {"name", "addr", NULL};
	static const char *const addr[] = {"zip", NULL};
	CHECK_INT(jv_no_unknown(root, "", top, &err), -1);
	CHECK_STR(err.code, AT_E_UNKNOWN);
	CHECK_STR(err.field, "nmae");
	CHECK(strstr(err.message, "nmae") != NULL);
	CHECK_INT(jv_no_unknown(json_object_get(root, "addr"), "addr", addr, &err), -1);
	CHECK_STR(err.field, "addr.zpi");
	static const char *const all[] = {"name", "addr", "nmae", NULL};
	CHECK_INT(jv_no_unknown(root, "", all, &err), 0);
	json_decref(root);
}

static void test_jv_parse_object(void)
{
	at_error err = {0};
	const char *bad[] = {"{\"a\":1,\"a\":2}", "[1,2]", "\"s\"", "{", "", "{\"a\":1} x",
			     "{\"a\":\"\\u0000\"}"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		at_error_clear(&err);
		CHECK(jv_parse_object(bad[i], strlen(bad[i]), &err) == NULL);
		CHECK_STR(err.code, AT_E_INVALID);
		CHECK_INT(err.status, 400);
	}

	/* exactly JV_MAX_BODY bytes is accepted; one more is 413 */
	size_t n = JV_MAX_BODY + 1;
	char *big = malloc(n);
	CHECK(big != NULL);
	if (!big)
		return;
	memset(big, 'x', n);
	memcpy(big, "{\"a\":\"", 6);
	memcpy(big + JV_MAX_BODY - 2, "\"}", 2);
	json_t *v = jv_parse_object(big, JV_MAX_BODY, &err);
	CHECK(v != NULL);
	json_decref(v);
	memcpy(big + JV_MAX_BODY - 2, "x\"}", 3);
	at_error_clear(&err);
	CHECK(jv_parse_object(big, n, &err) == NULL);
	CHECK_STR(err.code, AT_E_TOO_LARGE);
	CHECK_INT(err.status, 413);
	free(big);
}

static void test_jv_dump_and_error_body(void)
{
	json_t *v = parse("{\"b\":1,\"a\":[true,null]}");
	char *s = v ? jv_dump(v) : NULL;
	CHECK_STR(s, "{\"a\":[true,null],\"b\":1}");
	free(s);
	json_decref(v);

	at_error err = {0};
	at_fail(&err, 403, AT_E_FORBIDDEN, "resident.tax", "no grant for %s", "resident.tax");
	json_t *body = jv_error_body(&err);
	s = body ? jv_dump(body) : NULL;
	CHECK_STR(s, "{\"error\":{\"code\":\"forbidden\",\"field\":\"resident.tax\","
		     "\"message\":\"no grant for resident.tax\"}}");
	free(s);
	json_decref(body);
	/* no code yet: internal_error, never an empty code */
	at_error blank = {0};
	body = jv_error_body(&blank);
	CHECK_STR(json_string_value(json_object_get(json_object_get(body, "error"), "code")),
		  AT_E_INTERNAL);
	json_decref(body);
	CHECK_INT(at_fail(NULL, 500, AT_E_INTERNAL, "", "x"), -1);
}

/* ---- strbuf ------------------------------------------------------------------ */

static void test_strbuf(void)
{
	strbuf sb = STRBUF_INIT;
	for (int i = 0; i < 10000; i++)
		sb_addch(&sb, (char)('a' + i % 26));
	CHECK_INT(sb.len, 10000);
	CHECK_INT(strlen(sb.buf), 10000);
	CHECK(sb.cap > sb.len);
	long bad = 0;
	for (int i = 0; i < 10000; i++)
		if (sb.buf[i] != (char)('a' + i % 26))
			bad++;
	CHECK_INT(bad, 0);

	size_t cap = sb.cap;
	sb_reset(&sb);
	CHECK_INT(sb.len, 0);
	CHECK_STR(sb.buf, "");
	CHECK_INT(sb.cap, cap); /* memory kept */

	sb_addf(&sb, "%d-%s-%05.1f", 42, "山田", 3.14159);
	CHECK_STR(sb.buf, "42-山田-003.1");
	char longs[5001];
	memset(longs, 'z', 5000);
	longs[5000] = '\0';
	sb_addf(&sb, "[%s]", longs); /* grows inside sb_addf */
	CHECK_INT(sb.len, strlen("42-山田-003.1") + 5002);
	CHECK(sb.buf[sb.len - 1] == ']');
	CHECK_INT(strlen(sb.buf), sb.len);
	sb_addf(&sb, "%s", "");
	CHECK_INT(strlen(sb.buf), sb.len);

	sb_reset(&sb);
	static const unsigned char h[] = {0x00, 0xab, 0xff, 0x10};
	sb_add_hex(&sb, h, sizeof h);
	CHECK_STR(sb.buf, "00abff10");
	sb_add(&sb, "xyz", 2);
	sb_adds(&sb, "!");
	CHECK_STR(sb.buf, "00abff10xy!");

	char *owned = sb_detach(&sb);
	CHECK_STR(owned, "00abff10xy!");
	free(owned);
	CHECK_INT(sb.len, 0);
	CHECK_STR(sb.buf, ""); /* never NULL after detach */
	owned = sb_detach(&sb); /* empty detach: still a string the caller frees */
	CHECK_STR(owned, "");
	free(owned);
	sb_release(&sb);

	strbuf s2;
	sb_init(&s2);
	CHECK(s2.buf != NULL);
	CHECK_STR(s2.buf, "");
	sb_add_hex(&s2, h, 0);
	CHECK_STR(s2.buf, "");
	sb_release(&s2);
	sb_release(&s2); /* release twice is harmless */
	strbuf s3 = STRBUF_INIT;
	sb_reset(&s3);
	CHECK_STR(s3.buf, "");
	sb_release(&s3);
}

/* The kana search key (清音化かな, seed 001 §3 (2) item 5). */
static const char *key(const char *in)
{
	static strbuf out;
	sb_release(&out);
	sb_init(&out);
	at_error e;
	return kana_search_key(in, &out, &e) == 0 ? out.buf : "(error)";
}

static void test_kana_key(void)
{
	CHECK_STR(key("メグロ イチロウ"), "めくろいちろう");        /* katakana, space */
	CHECK_STR(key("めぐろ　いちろう"), "めくろいちろう");        /* hiragana, ideographic space */
	CHECK_STR(key("ﾒｸﾞﾛ ｲﾁﾛｳ"), "めくろいちろう");              /* half-width with dakuten */
	CHECK_STR(key("ガッコウ"), "かつこう");                     /* voicing removed, small tsu */
	CHECK_STR(key("キャリー・パミュパミュ"), "きやりー・はみゆはみゆ");
	CHECK_STR(key("ヴィクトリア"), "ういくとりあ");             /* ヴ → う */
	CHECK_STR(key("ＳＭＩＴＨ John"), "smithjohn");             /* full-width Latin, case */
	CHECK_STR(key(""), "");
	strbuf o = STRBUF_INIT;
	sb_init(&o);
	at_error e;
	CHECK(kana_search_key("\xff", &o, &e) == -1);
	sb_release(&o);
}

/* A message cut to fit never ends in half a UTF-8 character. */
static void test_error_truncation_utf8(void)
{
	at_error e;
	char longja[2000] = "";
	for (int i = 0; i < 400; i++)
		strcat(longja, "住");   /* 3 bytes each */
	at_fail(&e, 400, AT_E_INVALID, longja, "x%s", longja);
	CHECK(text_utf8_len(e.message) != (size_t)-1);
	CHECK(text_utf8_len(e.field) != (size_t)-1);
	CHECK(strlen(e.message) > 400);
}

int main(void)
{
	RUN(test_error_truncation_utf8);
	RUN(test_kana_key);
	RUN(test_mynumber_hand_example);
	RUN(test_mynumber_built_numbers);
	RUN(test_mynumber_bad);
	RUN(test_municipality_code);
	RUN(test_date_parse);
	RUN(test_date_days_roundtrip);
	RUN(test_date_age_on);
	RUN(test_time_roundtrip);
	RUN(test_today_is_japan);
	RUN(test_text_utf8);
	RUN(test_text_controls);
	RUN(test_text_length);
	RUN(test_text_helpers);
	RUN(test_jv_readers);
	RUN(test_jv_no_unknown);
	RUN(test_jr_paths_and_kinds);
	RUN(test_jr_data_source);
	RUN(test_kana_reading);
	RUN(test_text_in_list);
	RUN(test_jv_parse_object);
	RUN(test_jv_dump_and_error_body);
	RUN(test_strbuf);
	return test_report();
}
