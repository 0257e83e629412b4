/*
 * engine — computes one taxpayer's individual resident tax (個人住民税) for
 * one fiscal year and municipality from a tax_case and the law data.
 *
 * The structure of the formulas is code; every rate, table, limit and
 * rounding unit comes from the law data (tax/law.h), which cites the article
 * for each. tax_compute does no allocation, no JSON and no string lookup:
 * the annual batch calls it for every taxpayer. tax_result_to_json renders
 * the result with every intermediate amount by name and an explanation of
 * each step with its citation (the contract of `atena tax compute`).
 *
 * Steps: income by category → 合計所得金額 / 総所得金額等 → non-taxable rules
 * (地方税法 295条, 附則3条の3) → income deductions (314条の2) → 課税総所得金額
 * (1,000-yen rounding) → 算出所得割 per levy → credits in statutory order
 * (調整控除, 配当控除, 住宅借入金等特別税額控除, 寄附金税額控除, 定額減税) →
 * 100-yen rounding → 均等割 and 森林環境税.
 */
#ifndef ATENA_TAX_ENGINE_H
#define ATENA_TAX_ENGINE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/error.h"
#include "tax/case.h"
#include "tax/law.h"

typedef struct tax_result {
	int fiscal_year;
	/* non-taxable (非課税) */
	bool non_taxable_per_capita, non_taxable_income_levy;
	int non_taxable_reason;            /* TAX_NT_* */
	int family_count;                  /* 同一生計配偶者 + 扶養親族 (incl. under 16) */

	/* income (所得) */
	int64_t salary_income_before_adjustment;  /* 給与所得控除後の給与等の金額 */
	int64_t income_adjustment_salary;         /* 所得金額調整控除 (措置法41条の3の3第1項) */
	int64_t income_adjustment_combined;       /* 同第2項 (給与と年金) */
	int64_t income_adjustment_deduction;      /* the two together */
	int64_t salary_income;                    /* 給与所得 */
	int64_t pension_income;                   /* 公的年金等に係る雑所得 */
	int64_t business_income, real_estate_income, dividend_income;
	int64_t misc_business_income, misc_other_income, misc_income;
	int64_t occasional_income;                /* 一時所得 (1/2 taxed) */
	int64_t total_income_amount;              /* 合計所得金額 */
	int64_t gross_total;                      /* 総所得金額等 */

	/* income deductions (所得控除) */
	int64_t d_basic, d_spouse, d_spouse_special, d_dependants, d_specified_relative;
	int64_t d_disability, d_widow, d_single_parent, d_working_student;
	int64_t d_social_insurance, d_small_business, d_life_insurance, d_earthquake, d_medical;
	int64_t deductions_total;
	int64_t taxable_income;                   /* 課税総所得金額 (1,000-yen units) */

	/* income levy (所得割) */
	int64_t levy_before_credits_municipal, levy_before_credits_prefectural;
	int64_t personal_deduction_difference;    /* 人的控除額の差の合計 */
	int64_t adjustment_municipal, adjustment_prefectural;          /* 調整控除 */
	int64_t income_levy_limit_reduction;      /* 附則3条の3第4項 所得割の調整措置 (both levies) */
	int64_t dividend_municipal, dividend_prefectural;              /* 配当控除 */
	int64_t housing_loan_municipal, housing_loan_prefectural;      /* 住宅借入金等特別税額控除 */
	int64_t donation_basic_municipal, donation_basic_prefectural;  /* 寄附金 基本控除 */
	int64_t donation_special_municipal, donation_special_prefectural;   /* 特例控除 */
	int64_t donation_one_stop_municipal, donation_one_stop_prefectural; /* 申告特例控除 */
	int64_t donation_municipal, donation_prefectural;              /* applied in total */
	int64_t special_rate_ppm;                 /* 特例控除割合 used (ppm) */
	int64_t levy_before_fixed_cut_municipal, levy_before_fixed_cut_prefectural;
	int fixed_cut_persons;
	int64_t fixed_cut_total;
	int64_t fixed_cut_municipal, fixed_cut_prefectural, fixed_cut_shortfall;   /* 定額減税 */
	int64_t income_levy_municipal, income_levy_prefectural, income_levy_total;

	/* per-capita levy (均等割) and forest environment tax */
	int64_t per_capita_municipal, per_capita_prefectural, forest_environment, per_capita_total;

	int64_t annual_tax;   /* income_levy_total + per_capita_total (forest tax included) */
} tax_result;

/* Why a person is non-taxable. */
enum {
	TAX_NT_NONE = 0,
	TAX_NT_PUBLIC_ASSISTANCE = 1,   /* 地方税法 295条1項1号 */
	TAX_NT_LIMITED_PERSON = 2,      /* 295条1項2号 (障害者・未成年者・寡婦・ひとり親, 135万円) */
	TAX_NT_PER_CAPITA_LIMIT = 3,    /* 295条3項 */
	TAX_NT_INCOME_LEVY_LIMIT = 4,   /* 附則3条の3 (所得割のみ) */
};

/* Compute c under law into *r. An unknown year or municipality is a 400
 * naming "fiscal_year" or "municipality". */
int tax_compute(const tax_law *law, const tax_case *c, tax_result *r, at_error *err);

/* The contract output (see docs/tax-law.md): every amount by name, and an
 * "explanation" list of {step, rule, basis, amount}. NULL if the year or
 * municipality is not in law. */
json_t *tax_result_to_json(const tax_law *law, const tax_case *c, const tax_result *r);

#endif
