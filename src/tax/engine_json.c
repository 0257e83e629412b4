/*
 * engine_json — a tax_result as the contract's JSON, with an explanation of
 * each step citing the article (from the law data's "basis" strings).
 * Keys are stable: other modules and the CLI depend on them.
 */
#include <stdio.h>

#include "tax/engine.h"
#include "tax/law_internal.h"

static json_t *I(int64_t v)
{
	return json_integer((json_int_t)v);
}

static json_t *pair(int64_t m, int64_t p)
{
	return json_pack("{s:o,s:o,s:o}", "municipal", I(m), "prefectural", I(p), "total", I(m + p));
}

static void explain(json_t *list, const char *step, const char *rule, const char *basis, int64_t amount)
{
	json_array_append_new(list, json_pack("{s:s,s:s,s:s,s:o}", "step", step, "rule", rule, "basis",
					      basis ? basis : "", "amount", I(amount)));
}

static const char *nt_reason(int r)
{
	switch (r) {
	case TAX_NT_PUBLIC_ASSISTANCE: return "public_assistance";
	case TAX_NT_LIMITED_PERSON: return "limited_person_income";
	case TAX_NT_PER_CAPITA_LIMIT: return "per_capita_limit";
	case TAX_NT_INCOME_LEVY_LIMIT: return "income_levy_limit";
	default: return "none";
	}
}

json_t *tax_result_to_json(const tax_law *law, const tax_case *c, const tax_result *r)
{
	const law_year *y = law_find_year(law, c->fiscal_year);
	const law_muni *m = law_find_muni(law, c->municipality);
	if (!y || !m)
		return NULL;
	char buf[256];
	json_t *out = json_object();
	json_object_set_new(out, "fiscal_year", json_integer(y->fiscal_year));
	json_object_set_new(out, "income_year", json_integer(y->income_year));
	json_object_set_new(out, "municipality",
			    json_pack("{s:s,s:s,s:s,s:s,s:i}", "code", m->code, "name", m->name,
				      "prefecture", m->prefecture, "kind", law_kind_name(m->kind),
				      "grade", m->grade));

	json_object_set_new(out, "non_taxable",
			    json_pack("{s:b,s:b,s:s,s:i}", "per_capita", r->non_taxable_per_capita,
				      "income_levy", r->non_taxable_income_levy, "reason",
				      nt_reason(r->non_taxable_reason), "family_count", r->family_count));

	json_t *inc = json_object();
	json_object_set_new(inc, "salary_revenue", I(c->income.salary_revenue));
	json_object_set_new(inc, "salary_income_before_adjustment", I(r->salary_income_before_adjustment));
	json_object_set_new(inc, "income_adjustment_deduction", I(r->income_adjustment_deduction));
	json_object_set_new(inc, "income_adjustment_salary", I(r->income_adjustment_salary));
	json_object_set_new(inc, "income_adjustment_combined", I(r->income_adjustment_combined));
	json_object_set_new(inc, "salary_income", I(r->salary_income));
	json_object_set_new(inc, "public_pension_revenue", I(c->income.public_pension_revenue));
	json_object_set_new(inc, "pension_income", I(r->pension_income));
	json_object_set_new(inc, "business_income", I(r->business_income));
	json_object_set_new(inc, "real_estate_income", I(r->real_estate_income));
	json_object_set_new(inc, "dividend_income", I(r->dividend_income));
	json_object_set_new(inc, "misc_business_income", I(r->misc_business_income));
	json_object_set_new(inc, "misc_other_income", I(r->misc_other_income));
	json_object_set_new(inc, "misc_income", I(r->misc_income));
	json_object_set_new(inc, "occasional_income", I(r->occasional_income));
	json_object_set_new(inc, "total_income_amount", I(r->total_income_amount));
	json_object_set_new(inc, "gross_total", I(r->gross_total));
	json_object_set_new(out, "income", inc);

	json_t *d = json_object();
	json_object_set_new(d, "basic", I(r->d_basic));
	json_object_set_new(d, "spouse", I(r->d_spouse));
	json_object_set_new(d, "spouse_special", I(r->d_spouse_special));
	json_object_set_new(d, "dependants", I(r->d_dependants));
	json_object_set_new(d, "specified_relative_special", I(r->d_specified_relative));
	json_object_set_new(d, "disability", I(r->d_disability));
	json_object_set_new(d, "widow", I(r->d_widow));
	json_object_set_new(d, "single_parent", I(r->d_single_parent));
	json_object_set_new(d, "working_student", I(r->d_working_student));
	json_object_set_new(d, "social_insurance", I(r->d_social_insurance));
	json_object_set_new(d, "small_business_mutual_aid", I(r->d_small_business));
	json_object_set_new(d, "life_insurance", I(r->d_life_insurance));
	json_object_set_new(d, "earthquake_insurance", I(r->d_earthquake));
	json_object_set_new(d, "medical_expenses", I(r->d_medical));
	json_object_set_new(d, "total", I(r->deductions_total));
	json_object_set_new(out, "income_deductions", d);

	json_object_set_new(out, "taxable_income", I(r->taxable_income));
	json_object_set_new(out, "income_levy_before_credits",
			    pair(r->levy_before_credits_municipal, r->levy_before_credits_prefectural));
	json_object_set_new(out, "personal_deduction_difference", I(r->personal_deduction_difference));
	json_object_set_new(out, "income_levy_limit_reduction", I(r->income_levy_limit_reduction));
	json_object_set_new(out, "adjustment_credit",
			    pair(r->adjustment_municipal, r->adjustment_prefectural));
	json_t *cr = json_object();
	json_object_set_new(cr, "adjustment", pair(r->adjustment_municipal, r->adjustment_prefectural));
	json_object_set_new(cr, "dividend", pair(r->dividend_municipal, r->dividend_prefectural));
	json_object_set_new(cr, "housing_loan",
			    pair(r->housing_loan_municipal, r->housing_loan_prefectural));
	json_object_set_new(
		cr, "donation",
		json_pack("{s:o,s:o,s:o,s:o,s:f}", "basic",
			  pair(r->donation_basic_municipal, r->donation_basic_prefectural), "special",
			  pair(r->donation_special_municipal, r->donation_special_prefectural),
			  "one_stop", pair(r->donation_one_stop_municipal, r->donation_one_stop_prefectural),
			  "applied", pair(r->donation_municipal, r->donation_prefectural),
			  "special_rate", (double)r->special_rate_ppm / LAW_PPM));
	json_t *fc = pair(r->fixed_cut_municipal, r->fixed_cut_prefectural);
	json_object_set_new(fc, "persons", json_integer(r->fixed_cut_persons));
	json_object_set_new(fc, "amount", I(r->fixed_cut_total));
	json_object_set_new(fc, "shortfall", I(r->fixed_cut_shortfall));
	json_object_set_new(fc, "income_levy_before",
			    pair(r->levy_before_fixed_cut_municipal, r->levy_before_fixed_cut_prefectural));
	json_object_set_new(cr, "fixed_cut", fc);
	json_object_set_new(out, "credits", cr);

	json_object_set_new(out, "income_levy", pair(r->income_levy_municipal, r->income_levy_prefectural));
	json_object_set_new(out, "per_capita_levy",
			    json_pack("{s:o,s:o,s:o,s:o}", "municipal", I(r->per_capita_municipal),
				      "prefectural", I(r->per_capita_prefectural), "forest_environment",
				      I(r->forest_environment), "total", I(r->per_capita_total)));
	json_object_set_new(out, "annual_tax", I(r->annual_tax));

	/* basis: the citation of each rule, by the keys above */
	const char *const *b = (const char *const *)y->basis;
	json_object_set_new(
		out, "basis",
		json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}",
			  "salary_income", b[LB_SALARY], "pension_income", b[LB_PENSION],
			  "income_adjustment_deduction", b[LB_ADJ_INCOME], "total_income_amount",
			  b[LB_INCOME_TOTALS], "basic", b[LB_BASIC], "spouse", b[LB_SPOUSE],
			  "spouse_special", b[LB_SPOUSE_SPECIAL], "dependants", b[LB_DEPENDANTS],
			  "disability", b[LB_DISABILITY], "life_insurance", b[LB_LIFE],
			  "non_taxable_per_capita", b[LB_NT_PER_CAPITA], "non_taxable_income_levy",
			  b[LB_NT_INCOME], "rounding", b[LB_ROUNDING], "adjustment_credit",
			  b[LB_ADJ_CREDIT], "dividend_credit", b[LB_DIVIDEND], "housing_loan_credit",
			  b[LB_HOUSING], "donation_credit", b[LB_DONATION], "forest_environment",
			  b[LB_FOREST], "income_levy_rates", m->basis_rates, "per_capita_levy",
			  m->basis_per_capita));

	json_t *ex = json_array();
	explain(ex, "salary_income_before_adjustment",
		"給与等の収入金額から給与所得控除後の給与等の金額 (660万円未満は別表第五の刻み)",
		b[LB_SALARY], r->salary_income_before_adjustment);
	if (r->income_adjustment_deduction)
		explain(ex, "income_adjustment_deduction",
			"所得金額調整控除: (min(給与収入,1,000万円)−850万円)×10% / (給与+年金の各10万円まで)−10万円",
			b[LB_ADJ_INCOME], r->income_adjustment_deduction);
	if (c->income.public_pension_revenue)
		explain(ex, "pension_income", "公的年金等の収入金額 − 公的年金等控除額 (12月31日現在の年齢とその他の所得による)",
			b[LB_PENSION], r->pension_income);
	explain(ex, "total_income_amount", "合計所得金額 = 各所得の合計 (一時所得は2分の1)",
		b[LB_INCOME_TOTALS], r->total_income_amount);
	const char *ntb = r->non_taxable_reason == TAX_NT_PUBLIC_ASSISTANCE ? b[LB_NT_ASSIST]
			  : r->non_taxable_reason == TAX_NT_LIMITED_PERSON  ? b[LB_NT_LIMITED]
			  : r->non_taxable_reason == TAX_NT_INCOME_LEVY_LIMIT ? b[LB_NT_INCOME]
									    : b[LB_NT_PER_CAPITA];
	snprintf(buf, sizeof buf, "非課税判定: %s (同一生計配偶者・扶養親族 %d 人, %d 級地)",
		 nt_reason(r->non_taxable_reason), r->family_count, m->grade);
	explain(ex, "non_taxable", buf, ntb, r->non_taxable_income_levy ? 1 : 0);
	struct {
		const char *step, *rule;
		int basis;
		int64_t v;
	} ds[] = {
		{"basic", "基礎控除 (合計所得金額による)", LB_BASIC, r->d_basic},
		{"spouse", "配偶者控除", LB_SPOUSE, r->d_spouse},
		{"spouse_special", "配偶者特別控除", LB_SPOUSE_SPECIAL, r->d_spouse_special},
		{"dependants", "扶養控除 (12月31日現在の年齢区分)", LB_DEPENDANTS, r->d_dependants},
		{"specified_relative_special", "特定親族特別控除", LB_SPECIFIED_RELATIVE, r->d_specified_relative},
		{"disability", "障害者控除", LB_DISABILITY, r->d_disability},
		{"widow", "寡婦控除", LB_WIDOW, r->d_widow},
		{"single_parent", "ひとり親控除", LB_SINGLE_PARENT, r->d_single_parent},
		{"working_student", "勤労学生控除", LB_WORKING_STUDENT, r->d_working_student},
		{"social_insurance", "社会保険料控除", LB_SOCIAL_INSURANCE, r->d_social_insurance},
		{"small_business_mutual_aid", "小規模企業共済等掛金控除", LB_SMALL_BUSINESS, r->d_small_business},
		{"life_insurance", "生命保険料控除 (住民税の算式)", LB_LIFE, r->d_life_insurance},
		{"earthquake_insurance", "地震保険料控除", LB_EARTHQUAKE, r->d_earthquake},
		{"medical_expenses", "医療費控除", LB_MEDICAL, r->d_medical},
	};
	for (size_t i = 0; i < sizeof ds / sizeof *ds; i++)
		if (ds[i].v)
			explain(ex, ds[i].step, ds[i].rule, b[ds[i].basis], ds[i].v);
	explain(ex, "income_deductions_total", "所得控除の合計", b[LB_BASIC], r->deductions_total);
	explain(ex, "taxable_income", "課税総所得金額 = 総所得金額等 − 所得控除 (1,000円未満切捨て)",
		b[LB_ROUNDING], r->taxable_income);
	snprintf(buf, sizeof buf, "算出所得割 = 課税総所得金額 × 税率 (区市町村 %.3f%%, 都道府県 %.3f%%)",
		 (double)m->rate[LAW_M] / 10000.0, (double)m->rate[LAW_P] / 10000.0);
	explain(ex, "income_levy_before_credits", buf, m->basis_rates,
		r->levy_before_credits_municipal + r->levy_before_credits_prefectural);
	explain(ex, "adjustment_credit", "調整控除 (人的控除額の差による)", b[LB_ADJ_CREDIT],
		r->adjustment_municipal + r->adjustment_prefectural);
	if (r->dividend_municipal + r->dividend_prefectural)
		explain(ex, "dividend_credit", "配当控除", b[LB_DIVIDEND],
			r->dividend_municipal + r->dividend_prefectural);
	if (r->housing_loan_municipal + r->housing_loan_prefectural)
		explain(ex, "housing_loan_credit", "住宅借入金等特別税額控除", b[LB_HOUSING],
			r->housing_loan_municipal + r->housing_loan_prefectural);
	if (r->donation_municipal + r->donation_prefectural)
		explain(ex, "donation_credit", "寄附金税額控除 (基本控除 + 特例控除 + 申告特例控除)",
			b[LB_DONATION], r->donation_municipal + r->donation_prefectural);
	if (y->has_fixed_cut)
		explain(ex, "fixed_cut", "定額減税 (他の税額控除の後の所得割額から)", b[LB_FIXED_CUT],
			r->fixed_cut_municipal + r->fixed_cut_prefectural);
	explain(ex, "income_levy", "所得割 (各税目100円未満切捨て)", b[LB_ROUNDING], r->income_levy_total);
	explain(ex, "per_capita_levy", "均等割 (非課税でなければ)", m->basis_per_capita,
		r->per_capita_municipal + r->per_capita_prefectural);
	explain(ex, "forest_environment", "森林環境税 (均等割と併せて)", b[LB_FOREST], r->forest_environment);
	explain(ex, "annual_tax", "年税額 = 所得割 + 均等割 + 森林環境税", "", r->annual_tax);
	json_object_set_new(out, "explanation", ex);
	return out;
}
