/*
 * law_internal — the loaded law data (tax/law.h) as the engine reads it.
 *
 * Private to the tax engine (law*.c, engine*.c). Every value comes from the
 * data files under data/tax/ (docs/tax-law.md); nothing here is a legal
 * constant. Rates are held as parts per million (ppm: 6% = 60000) so the
 * engine works in exact integer arithmetic; amounts are integer yen; an
 * open upper bound ("to": null in the file) is LAW_OPEN.
 *
 * The engine resolves a fiscal year and a municipality to these structs once
 * per computation by small integer lookups (no strings, no hashing).
 */
#ifndef ATENA_TAX_LAW_INTERNAL_H
#define ATENA_TAX_LAW_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tax/law.h"

#define LAW_OPEN INT64_MAX   /* "to": null: no upper bound */
#define LAW_PPM 1000000      /* 100% in parts per million */
#define LAW_MAX_BANDS 16     /* rows in any one table */
#define LAW_MAX_YEARS 16
#define LAW_MAX_MUNIS 64

/* Municipality kinds: they decide how the statutory shares split between
 * the municipal and prefectural levies (地方税法 314条の3 / 35条 etc.). */
enum { LAW_KIND_ORDINARY = 0, LAW_KIND_DESIGNATED = 1, LAW_KIND_SPECIAL_WARD = 2, LAW_KIND_COUNT };
enum { LAW_M = 0, LAW_P = 1 };   /* municipal, prefectural */

/* Salary: 別表第五 style rows. Revenue r in [from, to) is bucketed to
 * A = from + floor((r - from) / step) * step; income = floor(A * rate) + add. */
typedef struct law_salary_band {
	int64_t from, to, step, rate, add;
} law_salary_band;

/* Public pension deduction rows: revenue <= to: deduction = ceil(r * rate) + add. */
typedef struct law_rate_band {
	int64_t to, rate, add;
} law_rate_band;

/* A step function: x <= to -> amount. */
typedef struct law_step {
	int64_t to, amount;
} law_step;

/* A step function with one amount per taxpayer income band (3 bands). */
typedef struct law_step3 {
	int64_t to;
	int64_t amount[3];
} law_step3;

/* A dependant age class (ages on December 31 of the income year). */
enum { LAW_DEP_YOUNG = 0, LAW_DEP_GENERAL = 1, LAW_DEP_SPECIFIED = 2, LAW_DEP_ELDERLY = 3 };
typedef struct law_dep_class {
	int age_from, age_to;       /* inclusive; age_to = 999 for open */
	int kind;                   /* LAW_DEP_* */
	int64_t amount;
	int64_t cohabiting_parent;  /* 同居老親等 amount (elderly class), else 0 */
} law_dep_class;

/* 寄附金税額控除 特例控除 rows: (課税総所得金額 - 人的控除差調整額) <= to. */
typedef struct law_special_band {
	int64_t to;                 /* the first row may have to = -1: "below zero" */
	int64_t special_rate;       /* e.g. 84.895% */
	int64_t income_tax_rate;    /* marginal income tax rate incl. 復興特別所得税 (5.105%) */
} law_special_band;

typedef struct law_kind {
	bool present;
	int64_t adjustment_rate[2];   /* 調整控除 (3%/2%; 4%/1%) */
	int64_t dividend_full[2];     /* 配当控除, 課税総所得金額等 <= threshold part */
	int64_t dividend_half[2];     /* the part above the threshold */
	int64_t donation_basic[2];    /* 寄附金税額控除 基本控除 (6%/4%; 8%/2%) */
	int64_t share[2];             /* statutory split of 特例控除, 住宅借入金等特別税額控除 (3/5, 2/5) */
	int64_t fixed_cut_share[2];   /* 定額減税 split */
	int64_t income_levy_share[2]; /* 附則3条の3 所得割の調整措置 split (6:4; 8:2) */
} law_kind;

/* Where each step's rule comes from (for the explanation). */
enum {
	LB_SALARY, LB_PENSION, LB_ADJ_INCOME, LB_BASIC, LB_SPOUSE, LB_SPOUSE_SPECIAL,
	LB_DEPENDANTS, LB_SPECIFIED_RELATIVE, LB_DISABILITY, LB_WIDOW, LB_SINGLE_PARENT,
	LB_WORKING_STUDENT, LB_SOCIAL_INSURANCE, LB_SMALL_BUSINESS, LB_LIFE, LB_EARTHQUAKE,
	LB_MEDICAL, LB_NT_ASSIST, LB_NT_LIMITED, LB_NT_PER_CAPITA, LB_NT_INCOME, LB_ROUNDING,
	LB_ADJ_CREDIT, LB_DIVIDEND, LB_HOUSING, LB_DONATION, LB_FIXED_CUT, LB_FOREST, LB_COLLECTION,
	LB_KINDS, LB_INCOME_TOTALS, LB_COUNT
};

typedef struct law_year {
	int fiscal_year, income_year;
	char *name, *note;

	law_salary_band salary[LAW_MAX_BANDS];
	size_t n_salary;

	int pension_age;                            /* 65 on December 31 */
	/* collection (徴収): pension special collection, the period for corrections */
	int64_t pension_special_age, pension_special_min_revenue, correction_years;
	law_rate_band pension_young[LAW_MAX_BANDS], pension_old[LAW_MAX_BANDS];
	size_t n_pension_young, n_pension_old;
	law_step pension_reduce[LAW_MAX_BANDS];     /* by other income: deduction reduced by */
	size_t n_pension_reduce;

	/* 所得金額調整控除 (租税特別措置法 41条の3の3) */
	int64_t adj_salary_threshold, adj_salary_cap, adj_rate;
	int adj_dependant_age_below;
	int64_t adj_combined_each_cap, adj_combined_offset;

	/* deductions */
	law_step basic[LAW_MAX_BANDS];
	size_t n_basic;
	int64_t relative_income_limit;              /* 同一生計配偶者・扶養親族 合計所得金額 */
	int spouse_elderly_age;
	law_step3 spouse_taxpayer[3];               /* taxpayer income bands; [.].amount[0]=general,[1]=elderly */
	size_t n_spouse_taxpayer;
	int64_t spouse_special_taxpayer_to[3];      /* taxpayer bands */
	law_step3 spouse_special[LAW_MAX_BANDS];    /* spouse income <= to -> amount[band] */
	size_t n_spouse_special;
	law_dep_class dep_class[8];
	size_t n_dep_class;
	bool has_specified_relative;
	int specified_relative_age_from, specified_relative_age_to;
	law_step specified_relative[LAW_MAX_BANDS];
	size_t n_specified_relative;
	int64_t dis_general, dis_special, dis_cohabiting_special;
	int64_t widow_amount, widow_income_limit;
	int64_t single_parent_amount, single_parent_income_limit;
	int64_t student_amount, student_income_limit, student_non_work_limit;
	law_rate_band life_new[LAW_MAX_BANDS], life_old[LAW_MAX_BANDS];
	size_t n_life_new, n_life_old;
	int64_t life_mixed_cap, life_total_cap;
	int64_t quake_rate, quake_cap;
	int64_t medical_floor, medical_rate, medical_cap;

	/* non-taxable (地方税法 295条, 附則3条の3) */
	int64_t limited_income_limit;
	int minor_age;
	int64_t pc_per_person[3], pc_base[3], pc_add[3];  /* by 級地 1..3 */
	int64_t il_per_person, il_base, il_add;

	/* rounding (地方税法 20条の4の2) */
	int64_t taxable_unit, levy_unit;

	/* 調整控除 */
	int64_t ac_threshold, ac_min_base, ac_income_limit;
	int64_t d_basic, d_spouse_general[3], d_spouse_elderly[3];
	law_step3 d_spouse_special[4];              /* spouse income < to (strict) */
	size_t n_d_spouse_special;
	int64_t d_dep_general, d_dep_specified, d_dep_elderly, d_dep_cohabiting_parent;
	int64_t d_dis_general, d_dis_special, d_dis_cohabiting_special;
	int64_t d_widow, d_single_mother, d_single_father, d_student;

	int64_t dividend_threshold;
	int64_t housing_rate, housing_cap;
	int64_t don_income_cap_rate, don_floor, don_special_cap_rate;
	law_special_band don_special[LAW_MAX_BANDS];
	size_t n_don_special;

	bool has_fixed_cut;
	int64_t fc_per_person, fc_income_limit;
	bool fc_self, fc_deductible_spouse, fc_other_spouse, fc_dependants;

	int64_t forest;                             /* 森林環境税 per person */
	law_kind kinds[LAW_KIND_COUNT];
	char *basis[LB_COUNT];
} law_year;

typedef struct law_muni {
	int code_num;
	char code[7];
	char *name, *prefecture, *note;
	int kind, grade;
	int64_t rate[2];            /* 所得割 rates (ppm) */
	int64_t per_capita[2];      /* 均等割 */
	int64_t installment_unit;
	char *basis_rates, *basis_per_capita, *basis_grade, *basis_installment;
} law_muni;

struct tax_law {
	law_year *years;
	size_t n_years;
	law_muni *munis;
	size_t n_munis;
};

const law_year *law_find_year(const tax_law *law, int fiscal_year);
const law_muni *law_find_muni(const tax_law *law, const char *code);
const char *law_kind_name(int kind);

#endif
