/*
 * schedule — how one year's individual resident tax is split into
 * installments (期別税額) for each collection method (徴収方法).
 *
 *   special   給与からの特別徴収 (地方税法321条の3〜321条の5): 12 monthly
 *             amounts June..May, deducted by the employer.
 *   ordinary  普通徴収 (地方税法319条の2, 320条): the taxpayer pays by
 *             installments on the municipality's 納期 (default June, August,
 *             October, January).
 *   pension   公的年金からの特別徴収 (地方税法321条の7の2〜321条の7の8):
 *             provisional (仮徴収) April/June/August and main (本徴収)
 *             October/December/February; in the first year half by ordinary
 *             collection in June and August.
 *   revise    a correction mid-year (更正; for special collection
 *             地方税法321条の6): months already due keep their amounts, what
 *             remains is spread again over the months still open.
 *
 * All amounts are integer yen (DESIGN.md). Every schedule sums exactly to the
 * tax it splits: the rounding remainder always goes into the first
 * installment (of the split it belongs to), as the Act says each time.
 * This module only does arithmetic; the municipality's data (納期, unit of
 * rounding) comes from the caller.
 */
#ifndef ATENA_TAX_SCHEDULE_H
#define ATENA_TAX_SCHEDULE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

typedef enum {
	TAX_INST_SPECIAL = 1,            /* 給与特別徴収 (月割額) */
	TAX_INST_ORDINARY,               /* 普通徴収 (期別税額) */
	TAX_INST_PENSION_PROVISIONAL,    /* 年金特別徴収 仮徴収 (4/6/8月) */
	TAX_INST_PENSION_MAIN,           /* 年金特別徴収 本徴収 (10/12/2月) */
} tax_inst_kind;

/* One installment: the calendar month it falls in (June of FY2025 is
 * year 2025, month 6; January of FY2025 is 2026-01) and its amount. */
typedef struct tax_installment {
	int year, month;
	int64_t amount;
	tax_inst_kind kind;
} tax_installment;

#define TAX_SCHEDULE_MAX 16          /* no schedule has more installments */
#define TAX_ANNUAL_MAX 999999999999LL  /* 1 兆円 − 1: keeps every sum in int64 */

/* Special collection from salary: 12 installments June (fiscal_year) .. May
 * (fiscal_year+1). Each of July..May is annual/12 rounded down to 100 yen;
 * June takes the rest (地方税法321条の5第1項 ただし書: 100円未満の端数 or a
 * whole below 100 yen goes into 最初の月分, June). */
int tax_schedule_special(int64_t annual, int fiscal_year, tax_installment out[12],
			 at_error *err);

/* Ordinary collection on the default 納期 June, August, October (fiscal_year)
 * and January (fiscal_year+1) (地方税法320条 本文). Each installment is
 * annual/4 rounded down to `unit` yen, the first takes the rest
 * (地方税法20条の4の2第6項: 1,000円未満 into 最初の納期限; the municipality's
 * 条例 may set otherwise, commonly 100 円). unit: 100 or 1000. */
int tax_schedule_ordinary(int64_t annual, int fiscal_year, int64_t unit,
			  tax_installment out[4], at_error *err);

/* The same on the municipality's own 納期 (地方税法320条 ただし書: 条例で
 * 異なる納期): months[] are calendar months in order June..May, 6..12 in
 * fiscal_year and 1..5 in fiscal_year+1 (e.g. {6,7,8,9,10,11,12,1,2,3});
 * 1..12 of them. out must hold n_months. */
int tax_schedule_ordinary_in(int64_t annual, int fiscal_year, int64_t unit,
			     const int *months, size_t n_months, tax_installment *out,
			     at_error *err);

/* Pension special collection for the pension part of the tax
 * (公的年金等に係る所得に係る所得割額及び均等割額).
 *
 * previous_annual == 0 — first year (no provisional base;
 *   地方税法321条の7の2第2項): half the tax (rounded down to 100 yen) by
 *   ordinary collection in June and August (split by `unit`, remainder into
 *   June), the rest by special collection October, December, February
 *   (each ÷3 rounded down to 100 yen, remainder into October). 5 installments.
 * previous_annual > 0 — continuing year: provisional April, June, August
 *   totalling previous_annual/2 (地方税法321条の7の8第1項, since 平成28年10月:
 *   前年度分の公的年金等に係る年税額の2分の1に相当する額), each ÷3 rounded down
 *   to 100 yen with the rest in April; main October, December, February
 *   totalling annual − provisional, each ÷3 rounded down to 100 yen with the
 *   rest in October (地方税法321条の7の2第1項). 6 installments. When the
 *   provisional total exceeds the annual tax, the main installments are 0 and
 *   *excess is what was over-collected (to be refunded or applied, 地方税法
 *   17条, 17条の2); otherwise *excess is 0.
 * out must hold 6; *n is set to the count. */
int tax_schedule_pension(int64_t annual, int64_t previous_annual, int fiscal_year,
			 int64_t unit, tax_installment out[6], size_t *n, int64_t *excess,
			 at_error *err);

/* Revise a schedule for a corrected annual tax (更正).
 *   old, n_old   the schedule in force, in date order (any kinds)
 *   new_annual   the corrected annual tax (≥ 0)
 *   open_year, open_month  the first month not yet due: installments before
 *                it keep their amounts; those in it or after are "open"
 *   unit         rounding of the open installments (100 for special
 *                collection, 地方税法321条の6; the 納期 unit for ordinary)
 * The open installments are recomputed as (new_annual − due total) split
 * equally, each rounded down to `unit`, the rest into the first open one.
 * If the due installments already exceed new_annual, every open installment
 * becomes 0 and *refund is the excess (還付, or 充当 by the collection side).
 * If nothing is open and more is owed, one installment of the shortfall is
 * added in the open month, kind TAX_INST_ORDINARY (what can no longer be
 * deducted is collected by ordinary collection, 地方税法321条の7第1項).
 * out (capacity cap ≥ n_old + 1) receives the revised schedule, *n_out its
 * length. Sums: Σ out − *refund == new_annual, always. */
int tax_schedule_revise(const tax_installment *old, size_t n_old, int64_t new_annual,
			int open_year, int open_month, int64_t unit, tax_installment *out,
			size_t cap, size_t *n_out, int64_t *refund, at_error *err);

/* Σ amounts. */
int64_t tax_schedule_total(const tax_installment *in, size_t n);

/* "special" / "ordinary" / "pension_provisional" / "pension_main". */
const char *tax_inst_kind_name(tax_inst_kind k);

/* [{"month":"2025-06","amount":N}, ...]; each element also carries
 * "kind" when the installment is a pension one or the list mixes kinds.
 * NULL only on allocation failure. */
json_t *tax_schedule_to_json(const tax_installment *in, size_t n);

#endif
