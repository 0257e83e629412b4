/*
 * schedule — installments of the individual resident tax (see schedule.h).
 *
 * One rule underlies every split here: k equal parts, each rounded down to
 * the unit, and the rest (the rounding remainder, or the whole amount when it
 * is below the unit) into the first part. The Act states it for each method:
 * 地方税法20条の4の2第6項 (分割金額の端数は最初の納期限に合算, 1,000円 unless
 * the 条例 sets otherwise), 321条の5第1項 ただし書 (月割額の100円未満 → 最初の
 * 月分), and the pension provisions (321条の7の2, 321条の7の8) with 100 円.
 */
#include "tax/schedule.h"

#include <stdio.h>

#define ANNUAL_MAX TAX_ANNUAL_MAX

static int check_annual(int64_t annual, const char *field, at_error *err)
{
	if (annual < 0 || annual > ANNUAL_MAX)
		return at_fail(err, 400, AT_E_INVALID, field,
			       "%s: must be a whole number of yen from 0 to %lld (was %lld)",
			       field, (long long)ANNUAL_MAX, (long long)annual);
	return 0;
}

static int check_year(int fiscal_year, at_error *err)
{
	if (fiscal_year < 2000 || fiscal_year > 2100)
		return at_fail(err, 400, AT_E_INVALID, "fiscal_year",
			       "fiscal_year: must be from 2000 to 2100 (was %d)", fiscal_year);
	return 0;
}

static int check_unit(int64_t unit, at_error *err)
{
	if (unit != 100 && unit != 1000)
		return at_fail(err, 400, AT_E_INVALID, "unit",
			       "unit: the installment rounding unit must be 100 or 1000 yen "
			       "(was %lld)", (long long)unit);
	return 0;
}

/* Split total into parts[0..k): each floor(total / k / unit) * unit, the
 * remainder into parts[0]. k ≥ 1, total ≥ 0. */
static void split(int64_t total, size_t k, int64_t unit, int64_t *parts)
{
	int64_t each = total / (int64_t)k / unit * unit;
	parts[0] = total - each * (int64_t)(k - 1);
	for (size_t i = 1; i < k; i++)
		parts[i] = each;
}

/* The calendar year of month m (1..12) in the collection year of fiscal
 * year fy: collection runs June (fy) .. May (fy+1) (321条の5: 6月から翌年5月
 * まで), so January–May belong to the next calendar year. */
static int fiscal_month_year(int fy, int m)
{
	return m >= 6 ? fy : fy + 1;
}

static void set(tax_installment *o, int year, int month, int64_t amount, tax_inst_kind k)
{
	o->year = year;
	o->month = month;
	o->amount = amount;
	o->kind = k;
}

int tax_schedule_special(int64_t annual, int fiscal_year, tax_installment out[12],
			 at_error *err)
{
	if (check_annual(annual, "annual", err) || check_year(fiscal_year, err))
		return -1;
	/* 321条の5第1項: 12分の1 each June..May; the 100円未満 remainder → June */
	int64_t parts[12];
	split(annual, 12, 100, parts);
	for (int i = 0; i < 12; i++) {
		int m = (6 + i - 1) % 12 + 1;   /* 6,7,...,12,1,...,5 */
		set(&out[i], fiscal_month_year(fiscal_year, m), m, parts[i], TAX_INST_SPECIAL);
	}
	return 0;
}

int tax_schedule_ordinary_in(int64_t annual, int fiscal_year, int64_t unit,
			     const int *months, size_t n_months, tax_installment *out,
			     at_error *err)
{
	if (check_annual(annual, "annual", err) || check_year(fiscal_year, err) ||
	    check_unit(unit, err))
		return -1;
	if (!months || n_months < 1 || n_months > 12)
		return at_fail(err, 400, AT_E_INVALID, "months",
			       "months: between 1 and 12 納期 are needed (were %zu)", n_months);
	/* months in collection order: June (6) is position 0, May (5) position 11 */
	int prev = -1;
	for (size_t i = 0; i < n_months; i++) {
		int m = months[i];
		if (m < 1 || m > 12)
			return at_fail(err, 400, AT_E_INVALID, "months",
				       "months[%zu]: a month is 1..12 (was %d)", i, m);
		int pos = (m + 6) % 12;
		if (pos <= prev)
			return at_fail(err, 400, AT_E_INVALID, "months",
				       "months[%zu]: 納期 must be in order June..May "
				       "without repeats (%d after %d)",
				       i, m, months[i - 1]);
		prev = pos;
	}
	int64_t parts[12];
	split(annual, n_months, unit, parts);   /* 20条の4の2第6項 */
	for (size_t i = 0; i < n_months; i++)
		set(&out[i], fiscal_month_year(fiscal_year, months[i]), months[i], parts[i],
		    TAX_INST_ORDINARY);
	return 0;
}

int tax_schedule_ordinary(int64_t annual, int fiscal_year, int64_t unit,
			  tax_installment out[4], at_error *err)
{
	static const int dflt[4] = {6, 8, 10, 1};   /* 320条 本文 */
	return tax_schedule_ordinary_in(annual, fiscal_year, unit, dflt, 4, out, err);
}

int tax_schedule_pension(int64_t annual, int64_t previous_annual, int fiscal_year,
			 int64_t unit, tax_installment out[6], size_t *n, int64_t *excess,
			 at_error *err)
{
	if (check_annual(annual, "annual", err) ||
	    check_annual(previous_annual, "previous_annual", err) ||
	    check_year(fiscal_year, err) || check_unit(unit, err))
		return -1;
	*n = 0;
	*excess = 0;
	int64_t parts[3];
	if (previous_annual == 0) {
		/* First year (321条の7の2第2項): half by ordinary collection in the
		 * 1st and 2nd 納期 (June, August), the rest deducted from the
		 * pension in October, December, February. */
		int64_t ordinary = annual / 2 / 100 * 100;
		split(ordinary, 2, unit, parts);
		set(&out[0], fiscal_year, 6, parts[0], TAX_INST_ORDINARY);
		set(&out[1], fiscal_year, 8, parts[1], TAX_INST_ORDINARY);
		split(annual - ordinary, 3, 100, parts);
		set(&out[2], fiscal_year, 10, parts[0], TAX_INST_PENSION_MAIN);
		set(&out[3], fiscal_year, 12, parts[1], TAX_INST_PENSION_MAIN);
		set(&out[4], fiscal_year + 1, 2, parts[2], TAX_INST_PENSION_MAIN);
		*n = 5;
		return 0;
	}
	/* Continuing year. Provisional (321条の7の8第1項, 平成28年10月以後):
	 * half of last year's pension-part tax, in three — April, June, August. */
	int64_t provisional = previous_annual / 2;
	split(provisional, 3, 100, parts);
	set(&out[0], fiscal_year, 4, parts[0], TAX_INST_PENSION_PROVISIONAL);
	set(&out[1], fiscal_year, 6, parts[1], TAX_INST_PENSION_PROVISIONAL);
	set(&out[2], fiscal_year, 8, parts[2], TAX_INST_PENSION_PROVISIONAL);
	/* Main (321条の7の2第1項): this year's tax less the provisional, in three. */
	int64_t main_total = annual - provisional;
	if (main_total < 0) {
		*excess = -main_total;   /* over-collected: refund or apply (17条, 17条の2) */
		main_total = 0;
	}
	split(main_total, 3, 100, parts);
	set(&out[3], fiscal_year, 10, parts[0], TAX_INST_PENSION_MAIN);
	set(&out[4], fiscal_year, 12, parts[1], TAX_INST_PENSION_MAIN);
	set(&out[5], fiscal_year + 1, 2, parts[2], TAX_INST_PENSION_MAIN);
	*n = 6;
	return 0;
}

static int ym_cmp(int y1, int m1, int y2, int m2)
{
	return y1 != y2 ? (y1 < y2 ? -1 : 1) : (m1 != m2 ? (m1 < m2 ? -1 : 1) : 0);
}

int tax_schedule_revise(const tax_installment *old, size_t n_old, int64_t new_annual,
			int open_year, int open_month, int64_t unit, tax_installment *out,
			size_t cap, size_t *n_out, int64_t *refund, at_error *err)
{
	if (check_annual(new_annual, "new_annual", err))
		return -1;
	if (check_unit(unit, err))
		return -1;
	if (open_year < 2000 || open_year > 2102 || open_month < 1 || open_month > 12)
		return at_fail(err, 400, AT_E_INVALID, "open_month",
			       "open_month: %04d-%02d is not a month of a fiscal year 2000..2100",
			       open_year, open_month);
	if (!old && n_old)
		return at_fail(err, 400, AT_E_INVALID, "schedule", "schedule: missing");
	if (n_old > TAX_SCHEDULE_MAX)
		return at_fail(err, 400, AT_E_INVALID, "schedule",
			       "schedule: at most %d installments (were %zu)", TAX_SCHEDULE_MAX,
			       n_old);
	if (cap < n_old + 1)
		return at_fail(err, 500, AT_E_INTERNAL, "schedule",
			       "schedule: the output needs room for %zu installments", n_old + 1);
	int64_t due = 0;
	size_t first_open = n_old;
	for (size_t i = 0; i < n_old; i++) {
		const tax_installment *o = &old[i];
		if (o->month < 1 || o->month > 12 || o->amount < 0 || o->amount > ANNUAL_MAX)
			return at_fail(err, 400, AT_E_INVALID, "schedule",
				       "schedule[%zu]: month or amount out of range", i);
		if (i && ym_cmp(old[i - 1].year, old[i - 1].month, o->year, o->month) >= 0)
			return at_fail(err, 400, AT_E_INVALID, "schedule",
				       "schedule[%zu]: installments must be in date order", i);
		if (ym_cmp(o->year, o->month, open_year, open_month) < 0)
			due += o->amount;
		else if (first_open == n_old)
			first_open = i;
		out[i] = *o;
	}
	*n_out = n_old;
	*refund = 0;
	int64_t rest = new_annual - due;
	if (rest < 0) {
		/* What fell due already exceeds the corrected tax: those amounts
		 * stand (they were due), the excess is refunded or applied. */
		*refund = -rest;
		for (size_t i = first_open; i < n_old; i++)
			out[i].amount = 0;
		return 0;
	}
	size_t k = n_old - first_open;
	if (k == 0) {
		if (rest > 0) {
			/* nothing left to spread over: a new installment in the open
			 * month, by ordinary collection (321条の7第1項) */
			set(&out[n_old], open_year, open_month, rest, TAX_INST_ORDINARY);
			*n_out = n_old + 1;
		}
		return 0;
	}
	/* 321条の6 (special collection): the corrected tax less what fell due,
	 * over the remaining months, the 100円未満 remainder into the first of
	 * them; the same rule for the remaining 納期 of ordinary collection. */
	int64_t parts[TAX_SCHEDULE_MAX];
	split(rest, k, unit, parts);
	for (size_t i = 0; i < k; i++)
		out[first_open + i].amount = parts[i];
	return 0;
}

int64_t tax_schedule_total(const tax_installment *in, size_t n)
{
	int64_t s = 0;
	for (size_t i = 0; i < n; i++)
		s += in[i].amount;
	return s;
}

const char *tax_inst_kind_name(tax_inst_kind k)
{
	switch (k) {
	case TAX_INST_SPECIAL: return "special";
	case TAX_INST_ORDINARY: return "ordinary";
	case TAX_INST_PENSION_PROVISIONAL: return "pension_provisional";
	case TAX_INST_PENSION_MAIN: return "pension_main";
	}
	return "unknown";
}

json_t *tax_schedule_to_json(const tax_installment *in, size_t n)
{
	json_t *arr = json_array();
	if (!arr)
		return NULL;
	int mixed = 0;
	for (size_t i = 1; i < n; i++)
		if (in[i].kind != in[0].kind)
			mixed = 1;
	for (size_t i = 0; i < n; i++) {
		char ym[32];
		snprintf(ym, sizeof ym, "%04d-%02d", in[i].year, in[i].month);
		json_t *o = json_pack("{s:s, s:I}", "month", ym, "amount", (json_int_t)in[i].amount);
		if (!o)
			goto fail;
		if (mixed || in[i].kind == TAX_INST_PENSION_PROVISIONAL ||
		    in[i].kind == TAX_INST_PENSION_MAIN) {
			if (json_object_set_new(o, "kind", json_string(tax_inst_kind_name(in[i].kind)))) {
				json_decref(o);
				goto fail;
			}
		}
		if (json_array_append_new(arr, o))
			goto fail;
	}
	return arr;
fail:
	json_decref(arr);
	return NULL;
}
