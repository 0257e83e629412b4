/*
 * case — one taxpayer's assessment base (課税標準の基礎) for one fiscal year:
 * the input of the engine (tax/engine.h). It is what `atena tax compute`
 * reads (the contract in docs/tax.md and issue 4), and what intake
 * (tax/tax.h) builds by merging every document of a person (名寄せ).
 *
 * All amounts are integer yen, never negative. Income amounts of the
 * categories other than salary and public pension are income (所得), i.e.
 * already net of expenses; salary and public pension are revenue (収入金額)
 * and the engine derives their income by the statutory tables.
 */
#ifndef ATENA_TAX_CASE_H
#define ATENA_TAX_CASE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/date.h"
#include "core/error.h"
#include "core/json.h"

#define TAX_MAX_DEPENDANTS 24   /* dependants in one case; more is refused */
#define TAX_MAX_AMOUNT 1000000000000LL   /* 1 trillion yen: any larger input amount is refused */

typedef enum { TAX_SEX_NONE = 0, TAX_SEX_MALE = 1, TAX_SEX_FEMALE = 2 } tax_sex;
/* 障害者 / 特別障害者 (地方税法 292条1項10号・11号). */
typedef enum { TAX_DIS_NONE = 0, TAX_DIS_GENERAL = 1, TAX_DIS_SPECIAL = 2 } tax_disability;

/* A spouse or a dependant (親族). */
typedef struct tax_relative {
	at_date birth_date;
	int64_t total_income;      /* 合計所得金額 of the relative */
	tax_disability disability;
	bool cohabiting;           /* 同居 (同居特別障害者, 同居老親等) */
	bool lineal_ascendant;     /* 直系尊属 (老人扶養親族のうち同居老親等) */
	bool non_resident;         /* 国外居住 (not counted for the FY2024/2025 fixed cut) */
} tax_relative;

typedef struct tax_income {
	int64_t salary_revenue;          /* 給与等の収入金額 */
	int64_t public_pension_revenue;  /* 公的年金等の収入金額 */
	int64_t business;                /* 事業所得 */
	int64_t real_estate;             /* 不動産所得 */
	int64_t dividends;               /* 配当所得 (総合課税分) */
	int64_t misc_business;           /* 雑所得 (業務) */
	int64_t misc_other;              /* 雑所得 (その他, 公的年金等を除く) */
	int64_t occasional;              /* 一時所得の金額 (特別控除後; 1/2 is taxed) */
} tax_income;

typedef struct tax_life_insurance {   /* premiums paid (支払保険料) */
	int64_t new_general, new_care_medical, new_pension, old_general, old_pension;
} tax_life_insurance;

typedef struct tax_deduction_input {
	int64_t social_insurance;            /* 社会保険料 */
	int64_t small_business_mutual_aid;   /* 小規模企業共済等掛金 */
	int64_t medical_expenses;            /* 医療費 (支払額, 保険金等で補填された額を除く) */
	tax_life_insurance life_insurance;
	int64_t earthquake_insurance;        /* 地震保険料 (支払額) */
} tax_deduction_input;

typedef struct tax_donations {
	int64_t hometown;         /* ふるさと納税 (都道府県・市区町村への寄附) */
	int64_t other_eligible;   /* 条例指定・共同募金等 その他の控除対象寄附 */
	bool one_stop;            /* 申告特例 (ワンストップ特例) applies */
} tax_donations;

typedef struct tax_case {
	int fiscal_year;            /* 年度: taxes income of fiscal_year - 1 */
	char municipality[7];       /* 6-digit code */
	/* taxpayer */
	at_date birth_date;
	tax_sex sex;
	bool public_assistance;     /* 生活扶助 (地方税法 295条1項1号) */
	tax_disability disability;
	bool widow;                 /* 寡婦 */
	bool single_parent;         /* ひとり親 */
	bool working_student;       /* 勤労学生 */
	tax_income income;
	tax_deduction_input deductions;
	int64_t housing_loan_carryover;   /* 住宅借入金等特別税額控除: 所得税で控除しきれなかった額 */
	tax_donations donations;
	bool has_spouse;
	tax_relative spouse;
	size_t n_dependants;
	tax_relative dependants[TAX_MAX_DEPENDANTS];
} tax_case;

/* Parse the contract's JSON into *out, strictly: unknown keys, negative
 * amounts, impossible dates, wrong types are errors naming the field
 * ("taxpayer.income.salary_revenue"). Does not check fiscal year or
 * municipality against the law data (the engine does). */
int tax_case_from_json(json_t *in, tax_case *out, at_error *err);
/* Parts of the contract that the 申告書 reader (tax/layout.c) shares, so both
 * read a taxpayer's income, deductions, donations and disability by one rule
 * set. Each reads parent.<name> ("income", "deductions", "donations",
 * "disability"), which is optional; amounts are yen in 0..max. */
extern const char *const tax_disability_names[];   /* "none", "general", "special" */
int tax_case_read_disability(const jr *r, json_t *parent, const char *path, tax_disability *out);
int tax_case_read_income(const jr *r, json_t *parent, const char *path, int64_t max,
			 tax_income *out);
int tax_case_read_deductions(const jr *r, json_t *parent, const char *path, int64_t max,
			     tax_deduction_input *out);
int tax_case_read_donations(const jr *r, json_t *parent, const char *path, int64_t max,
			    tax_donations *out);
/* The case as contract JSON (for storing an assessment base and tests). */
json_t *tax_case_to_json(const tax_case *c);

#endif
