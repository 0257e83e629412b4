/*
 * Unit tests for tax/schedule: the installments of each collection method,
 * hand-checked (the derivation of every expected amount is in the comment
 * beside it), sums always equal to the tax split, revisions, refusals.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "tax/schedule.h"
#include "test.h"

static void check_month(const tax_installment *t, int y, int m, int64_t amount,
			tax_inst_kind k)
{
	CHECK_INT(t->year, y);
	CHECK_INT(t->month, m);
	CHECK_INT(t->amount, amount);
	CHECK_INT(t->kind, k);
}

/* ---- special collection from salary (321条の5) ------------------------------- */

static void test_special_123456(void)
{
	tax_installment s[12];
	at_error err;
	CHECK_INT(tax_schedule_special(123456, 2025, s, &err), 0);
	/* 123,456 / 12 = 10,288 → 10,200 each July..May (11 × 10,200 = 112,200);
	 * June = 123,456 − 112,200 = 11,256. */
	check_month(&s[0], 2025, 6, 11256, TAX_INST_SPECIAL);
	check_month(&s[1], 2025, 7, 10200, TAX_INST_SPECIAL);
	check_month(&s[6], 2025, 12, 10200, TAX_INST_SPECIAL);
	check_month(&s[7], 2026, 1, 10200, TAX_INST_SPECIAL);
	check_month(&s[11], 2026, 5, 10200, TAX_INST_SPECIAL);
	CHECK_INT(tax_schedule_total(s, 12), 123456);
}

static void test_special_small_and_large(void)
{
	tax_installment s[12];
	at_error err;
	/* 1,000 / 12 = 83 → 0 each; the whole below 100 per month goes to June */
	CHECK_INT(tax_schedule_special(1000, 2025, s, &err), 0);
	CHECK_INT(s[0].amount, 1000);
	for (int i = 1; i < 12; i++)
		CHECK_INT(s[i].amount, 0);
	/* 0 → all zero */
	CHECK_INT(tax_schedule_special(0, 2025, s, &err), 0);
	CHECK_INT(tax_schedule_total(s, 12), 0);
	/* 60,000 / 12 = 5,000 exactly */
	CHECK_INT(tax_schedule_special(60000, 2025, s, &err), 0);
	for (int i = 0; i < 12; i++)
		CHECK_INT(s[i].amount, 5000);
	/* 1,234,567 / 12 = 102,880.6 → 102,800; 11 × = 1,130,800; June 103,767 */
	CHECK_INT(tax_schedule_special(1234567, 2025, s, &err), 0);
	CHECK_INT(s[0].amount, 103767);
	CHECK_INT(s[5].amount, 102800);
	CHECK_INT(tax_schedule_total(s, 12), 1234567);
	/* Sums hold for every amount: sweep a range with odd remainders. */
	for (int64_t a = 0; a < 300000; a += 997) {
		CHECK_INT(tax_schedule_special(a, 2030, s, &err), 0);
		CHECK_INT(tax_schedule_total(s, 12), a);
		for (int i = 1; i < 12; i++)
			CHECK(s[i].amount % 100 == 0 && s[i].amount == s[1].amount);
		CHECK(s[0].amount >= s[1].amount && s[0].amount - s[1].amount < 1200);
	}
}

/* ---- ordinary collection (320条, 20条の4の2第6項) ------------------------------ */

static void test_ordinary_units(void)
{
	tax_installment o[4];
	at_error err;
	/* unit 1,000: 123,456 / 4 = 30,864 → 30,000; first 123,456 − 90,000 = 33,456 */
	CHECK_INT(tax_schedule_ordinary(123456, 2025, 1000, o, &err), 0);
	check_month(&o[0], 2025, 6, 33456, TAX_INST_ORDINARY);
	check_month(&o[1], 2025, 8, 30000, TAX_INST_ORDINARY);
	check_month(&o[2], 2025, 10, 30000, TAX_INST_ORDINARY);
	check_month(&o[3], 2026, 1, 30000, TAX_INST_ORDINARY);
	/* unit 100: 30,864 → 30,800; first 123,456 − 92,400 = 31,056 */
	CHECK_INT(tax_schedule_ordinary(123456, 2025, 100, o, &err), 0);
	CHECK_INT(o[0].amount, 31056);
	CHECK_INT(o[3].amount, 30800);
	CHECK_INT(tax_schedule_total(o, 4), 123456);
	/* below unit × 4: 2,500 / 4 = 625 → 0 at 1,000 (all in the first);
	 * → 600 at 100, first 2,500 − 1,800 = 700 */
	CHECK_INT(tax_schedule_ordinary(2500, 2025, 1000, o, &err), 0);
	CHECK_INT(o[0].amount, 2500);
	CHECK_INT(o[1].amount + o[2].amount + o[3].amount, 0);
	CHECK_INT(tax_schedule_ordinary(2500, 2025, 100, o, &err), 0);
	CHECK_INT(o[0].amount, 700);
	CHECK_INT(o[1].amount, 600);
	for (int64_t a = 0; a < 200000; a += 1234) {
		CHECK_INT(tax_schedule_ordinary(a, 2025, 1000, o, &err), 0);
		CHECK_INT(tax_schedule_total(o, 4), a);
	}
}

static void test_ordinary_own_months(void)
{
	/* A municipality with ten 納期 June..March (320条 ただし書, 条例) */
	static const int months[10] = {6, 7, 8, 9, 10, 11, 12, 1, 2, 3};
	tax_installment o[10];
	at_error err;
	/* 123,456 / 10 = 12,345 → 12,300; first 123,456 − 9 × 12,300 = 12,756 */
	CHECK_INT(tax_schedule_ordinary_in(123456, 2025, 100, months, 10, o, &err), 0);
	check_month(&o[0], 2025, 6, 12756, TAX_INST_ORDINARY);
	check_month(&o[6], 2025, 12, 12300, TAX_INST_ORDINARY);
	check_month(&o[9], 2026, 3, 12300, TAX_INST_ORDINARY);
	CHECK_INT(tax_schedule_total(o, 10), 123456);
	/* out of fiscal order, repeats, bad months */
	static const int bad1[3] = {6, 1, 8}, bad2[2] = {6, 6}, bad3[2] = {6, 13};
	CHECK_INT(tax_schedule_ordinary_in(1000, 2025, 100, bad1, 3, o, &err), -1);
	CHECK_STR(err.field, "months");
	CHECK_INT(tax_schedule_ordinary_in(1000, 2025, 100, bad2, 2, o, &err), -1);
	CHECK_INT(tax_schedule_ordinary_in(1000, 2025, 100, bad3, 2, o, &err), -1);
	CHECK_INT(tax_schedule_ordinary_in(1000, 2025, 100, months, 0, o, &err), -1);
}

/* ---- pension special collection (321条の7の2〜321条の7の8) --------------------- */

static void test_pension_first_year(void)
{
	tax_installment p[6];
	size_t n;
	int64_t excess = -1;
	at_error err;
	/* 60,000: half 30,000 by ordinary in June/August (15,000 each), the other
	 * 30,000 from the pension Oct/Dec/Feb (10,000 each). */
	CHECK_INT(tax_schedule_pension(60000, 0, 2025, 100, p, &n, &excess, &err), 0);
	CHECK_INT(n, 5);
	CHECK_INT(excess, 0);
	check_month(&p[0], 2025, 6, 15000, TAX_INST_ORDINARY);
	check_month(&p[1], 2025, 8, 15000, TAX_INST_ORDINARY);
	check_month(&p[2], 2025, 10, 10000, TAX_INST_PENSION_MAIN);
	check_month(&p[3], 2025, 12, 10000, TAX_INST_PENSION_MAIN);
	check_month(&p[4], 2026, 2, 10000, TAX_INST_PENSION_MAIN);
	/* 61,234 at unit 1,000: half 30,617 → 30,600 (100 yen); 30,600 / 2 = 15,300
	 * → 15,000, June 15,600, August 15,000. Pension part 61,234 − 30,600 =
	 * 30,634; / 3 = 10,211 → 10,200; October 30,634 − 20,400 = 10,234. */
	CHECK_INT(tax_schedule_pension(61234, 0, 2025, 1000, p, &n, &excess, &err), 0);
	CHECK_INT(p[0].amount, 15600);
	CHECK_INT(p[1].amount, 15000);
	CHECK_INT(p[2].amount, 10234);
	CHECK_INT(p[3].amount, 10200);
	CHECK_INT(p[4].amount, 10200);
	CHECK_INT(tax_schedule_total(p, n), 61234);
}

static void test_pension_continuing(void)
{
	tax_installment p[6];
	size_t n;
	int64_t excess = -1;
	at_error err;
	/* The worked example municipalities publish for the 平成28年 change
	 * (e.g. 富加町): year N+1 after 60,000, annual 36,000: provisional
	 * 60,000 / 2 / 3 = 10,000 each; main (36,000 − 30,000) / 3 = 2,000. */
	CHECK_INT(tax_schedule_pension(36000, 60000, 2025, 100, p, &n, &excess, &err), 0);
	CHECK_INT(n, 6);
	CHECK_INT(excess, 0);
	check_month(&p[0], 2025, 4, 10000, TAX_INST_PENSION_PROVISIONAL);
	check_month(&p[1], 2025, 6, 10000, TAX_INST_PENSION_PROVISIONAL);
	check_month(&p[2], 2025, 8, 10000, TAX_INST_PENSION_PROVISIONAL);
	check_month(&p[3], 2025, 10, 2000, TAX_INST_PENSION_MAIN);
	check_month(&p[4], 2025, 12, 2000, TAX_INST_PENSION_MAIN);
	check_month(&p[5], 2026, 2, 2000, TAX_INST_PENSION_MAIN);
	/* N+2 after 36,000, annual 60,000: provisional 6,000 each; main
	 * (60,000 − 18,000) / 3 = 14,000 each. */
	CHECK_INT(tax_schedule_pension(60000, 36000, 2026, 100, p, &n, &excess, &err), 0);
	CHECK_INT(p[0].amount, 6000);
	CHECK_INT(p[3].amount, 14000);
	CHECK_INT(p[5].amount, 14000);
	/* With remainders: previous 61,234 → provisional 30,617; / 3 = 10,205 →
	 * 10,200; April 30,617 − 20,400 = 10,217. Annual 70,001: main 39,384;
	 * / 3 = 13,128 → 13,100; October 39,384 − 26,200 = 13,184. */
	CHECK_INT(tax_schedule_pension(70001, 61234, 2025, 100, p, &n, &excess, &err), 0);
	CHECK_INT(p[0].amount, 10217);
	CHECK_INT(p[1].amount, 10200);
	CHECK_INT(p[2].amount, 10200);
	CHECK_INT(p[3].amount, 13184);
	CHECK_INT(p[4].amount, 13100);
	CHECK_INT(p[5].amount, 13100);
	CHECK_INT(tax_schedule_total(p, n), 70001);
	/* Provisional beyond the year's tax: previous 60,000 → 30,000 taken
	 * April..August; annual 24,000 → main 0, 6,000 over-collected. */
	CHECK_INT(tax_schedule_pension(24000, 60000, 2025, 100, p, &n, &excess, &err), 0);
	CHECK_INT(p[3].amount + p[4].amount + p[5].amount, 0);
	CHECK_INT(excess, 6000);
	CHECK_INT(tax_schedule_total(p, n) - excess, 24000);
}

/* ---- revisions (更正) ------------------------------------------------------------ */

static void test_revise_special(void)
{
	tax_installment s[12], r[13];
	size_t n;
	int64_t refund = -1;
	at_error err;
	CHECK_INT(tax_schedule_special(123456, 2025, s, &err), 0);
	/* Up to 150,000 in September: June..August due = 11,256 + 2 × 10,200 =
	 * 31,656; 118,344 over Sep..May (9): / 9 = 13,149 → 13,100; September
	 * 118,344 − 8 × 13,100 = 13,544. */
	CHECK_INT(tax_schedule_revise(s, 12, 150000, 2025, 9, 100, r, 13, &n, &refund, &err), 0);
	CHECK_INT(n, 12);
	CHECK_INT(refund, 0);
	CHECK_INT(r[0].amount, 11256);
	CHECK_INT(r[2].amount, 10200);
	check_month(&r[3], 2025, 9, 13544, TAX_INST_SPECIAL);
	CHECK_INT(r[4].amount, 13100);
	CHECK_INT(r[11].amount, 13100);
	CHECK_INT(tax_schedule_total(r, n), 150000);
	/* Down to 60,000: 28,344 over 9: 3,149 → 3,100; September 28,344 − 24,800 = 3,544 */
	CHECK_INT(tax_schedule_revise(s, 12, 60000, 2025, 9, 100, r, 13, &n, &refund, &err), 0);
	CHECK_INT(r[3].amount, 3544);
	CHECK_INT(r[11].amount, 3100);
	CHECK_INT(tax_schedule_total(r, n), 60000);
	/* Down to 20,000: 31,656 already due; open months 0, refund 11,656 */
	CHECK_INT(tax_schedule_revise(s, 12, 20000, 2025, 9, 100, r, 13, &n, &refund, &err), 0);
	CHECK_INT(refund, 11656);
	CHECK_INT(r[3].amount + r[11].amount, 0);
	CHECK_INT(tax_schedule_total(r, n) - refund, 20000);
	/* After May nothing is open: 130,000 − 123,456 = 6,544 as a new ordinary
	 * installment in June 2026. */
	CHECK_INT(tax_schedule_revise(s, 12, 130000, 2026, 6, 100, r, 13, &n, &refund, &err), 0);
	CHECK_INT(n, 13);
	check_month(&r[12], 2026, 6, 6544, TAX_INST_ORDINARY);
	CHECK_INT(tax_schedule_total(r, n), 130000);
	/* Same total after the end: nothing added, nothing refunded */
	CHECK_INT(tax_schedule_revise(s, 12, 123456, 2026, 6, 100, r, 13, &n, &refund, &err), 0);
	CHECK_INT(n, 12);
	CHECK_INT(refund, 0);
	/* Before anything is due: the same as a fresh schedule */
	tax_installment fresh[12];
	CHECK_INT(tax_schedule_special(99999, 2025, fresh, &err), 0);
	CHECK_INT(tax_schedule_revise(s, 12, 99999, 2025, 5, 100, r, 13, &n, &refund, &err), 0);
	for (int i = 0; i < 12; i++)
		CHECK_INT(r[i].amount, fresh[i].amount);
}

static void test_revise_ordinary(void)
{
	tax_installment o[4], r[5];
	size_t n;
	int64_t refund;
	at_error err;
	CHECK_INT(tax_schedule_ordinary(123456, 2025, 1000, o, &err), 0);
	/* 150,000 with the 2nd 納期 passed (June 33,456 + August 30,000 = 63,456):
	 * 86,544 over October and January: 43,272 → 43,000; October 43,544 */
	CHECK_INT(tax_schedule_revise(o, 4, 150000, 2025, 9, 1000, r, 5, &n, &refund, &err), 0);
	CHECK_INT(r[0].amount, 33456);
	CHECK_INT(r[1].amount, 30000);
	CHECK_INT(r[2].amount, 43544);
	CHECK_INT(r[3].amount, 43000);
	CHECK_INT(tax_schedule_total(r, n), 150000);
	/* Refusals: unsorted input, capacity, bad new annual */
	tax_installment bad[2] = {{2025, 8, 100, TAX_INST_ORDINARY}, {2025, 6, 100, TAX_INST_ORDINARY}};
	CHECK_INT(tax_schedule_revise(bad, 2, 100, 2025, 7, 100, r, 5, &n, &refund, &err), -1);
	CHECK_STR(err.field, "schedule");
	CHECK_INT(tax_schedule_revise(o, 4, 100, 2025, 7, 100, r, 4, &n, &refund, &err), -1);
	CHECK_INT(tax_schedule_revise(o, 4, -1, 2025, 7, 100, r, 5, &n, &refund, &err), -1);
	CHECK_STR(err.field, "new_annual");
	CHECK_INT(tax_schedule_revise(o, 4, 1, 2025, 13, 100, r, 5, &n, &refund, &err), -1);
	CHECK_STR(err.field, "open_month");
}

/* ---- refusals and JSON ---------------------------------------------------------- */

static void test_refusals(void)
{
	tax_installment s[12];
	size_t n;
	int64_t excess;
	at_error err;
	CHECK_INT(tax_schedule_special(-1, 2025, s, &err), -1);
	CHECK_STR(err.field, "annual");
	CHECK_STR(err.code, AT_E_INVALID);
	CHECK(strstr(err.message, "annual") != NULL);
	CHECK_INT(tax_schedule_special(100, 1999, s, &err), -1);
	CHECK_STR(err.field, "fiscal_year");
	CHECK_INT(tax_schedule_special(100, 2101, s, &err), -1);
	CHECK_INT(tax_schedule_ordinary(100, 2025, 500, s, &err), -1);
	CHECK_STR(err.field, "unit");
	CHECK_INT(tax_schedule_ordinary(-5, 2025, 100, s, &err), -1);
	CHECK_STR(err.field, "annual");
	CHECK_INT(tax_schedule_pension(100, -1, 2025, 100, s, &n, &excess, &err), -1);
	CHECK_STR(err.field, "previous_annual");
	CHECK_INT(tax_schedule_special(TAX_ANNUAL_MAX + 1, 2025, s, &err), -1);
	CHECK_INT(tax_schedule_special(TAX_ANNUAL_MAX, 2025, s, &err), 0);
	CHECK_INT(tax_schedule_total(s, 12), TAX_ANNUAL_MAX);
}

static void test_json(void)
{
	tax_installment s[12], p[6];
	size_t n;
	int64_t excess;
	at_error err;
	CHECK_INT(tax_schedule_special(123456, 2025, s, &err), 0);
	json_t *j = tax_schedule_to_json(s, 12);
	char *d = json_dumps(j, JSON_COMPACT);
	static const char head[] = "[{\"month\":\"2025-06\",\"amount\":11256},"
				   "{\"month\":\"2025-07\",\"amount\":10200},";
	CHECK(d && strncmp(d, head, sizeof head - 1) == 0);
	CHECK(d && strstr(d, "{\"month\":\"2026-05\",\"amount\":10200}]") != NULL);
	CHECK(d && !strstr(d, "kind"));
	free(d);
	json_decref(j);
	/* first pension year mixes ordinary and pension: every element has a kind */
	CHECK_INT(tax_schedule_pension(60000, 0, 2025, 100, p, &n, &excess, &err), 0);
	j = tax_schedule_to_json(p, n);
	CHECK_INT(json_array_size(j), 5);
	CHECK_STR(json_string_value(json_object_get(json_array_get(j, 0), "kind")), "ordinary");
	CHECK_STR(json_string_value(json_object_get(json_array_get(j, 4), "kind")), "pension_main");
	CHECK_STR(json_string_value(json_object_get(json_array_get(j, 4), "month")), "2026-02");
	json_decref(j);
	j = tax_schedule_to_json(p, 0);
	CHECK_INT(json_array_size(j), 0);
	json_decref(j);
}

int main(void)
{
	RUN(test_special_123456);
	RUN(test_special_small_and_large);
	RUN(test_ordinary_units);
	RUN(test_ordinary_own_months);
	RUN(test_pension_first_year);
	RUN(test_pension_continuing);
	RUN(test_revise_special);
	RUN(test_revise_ordinary);
	RUN(test_refusals);
	RUN(test_json);
	return test_report();
}
