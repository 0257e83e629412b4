/*
 * engine — the resident tax computation (tax/engine.h).
 *
 * Integer yen throughout; rates are ppm from the law data. Where the statute
 * leaves a fraction of a yen, the rule used is stated at the spot: incomes
 * and credits are truncated (切捨て), insurance deductions and the
 * 所得金額調整控除 are rounded up (切上げ) as the income tax's rules do.
 */
#include "tax/engine.h"

#include <string.h>

#include "core/date.h"
#include "tax/law_internal.h"

/* ---- arithmetic ----------------------------------------------------------- */

static int64_t mul_floor(int64_t a, int64_t ppm)
{
	return a * ppm / LAW_PPM;
}

static int64_t mul_ceil(int64_t a, int64_t ppm)
{
	return (a * ppm + LAW_PPM - 1) / LAW_PPM;
}

static int64_t min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

static int64_t max64(int64_t a, int64_t b)
{
	return a > b ? a : b;
}

static int64_t round_down(int64_t a, int64_t unit)
{
	return a <= 0 ? 0 : a / unit * unit;
}

/* ---- income ----------------------------------------------------------------- */

/* 給与所得控除後の給与等の金額 (所得税法28条, 別表第五). */
static int64_t salary_income(const law_year *y, int64_t rev)
{
	for (size_t i = 0; i < y->n_salary; i++) {
		const law_salary_band *b = &y->salary[i];
		if (b->to != LAW_OPEN && rev >= b->to)
			continue;
		int64_t a = b->from + (rev - b->from) / b->step * b->step;
		return max64(0, mul_floor(a, b->rate) + b->add);
	}
	return 0;   /* unreachable: the last band is open (validated) */
}

static int64_t rate_band(const law_rate_band *rows, size_t n, int64_t x)
{
	for (size_t i = 0; i < n; i++)
		if (x <= rows[i].to)
			return mul_ceil(x, rows[i].rate) + rows[i].add;
	return 0;
}

static int64_t step_lookup(const law_step *rows, size_t n, int64_t x)
{
	for (size_t i = 0; i < n; i++)
		if (x <= rows[i].to)
			return rows[i].amount;
	return 0;
}

/* 公的年金等に係る雑所得 (所得税法35条4項, 措置法41条の15の3). */
static int64_t pension_income(const law_year *y, int64_t rev, bool old, int64_t other_income)
{
	if (rev <= 0)
		return 0;
	int64_t ded = old ? rate_band(y->pension_old, y->n_pension_old, rev)
			  : rate_band(y->pension_young, y->n_pension_young, rev);
	ded -= step_lookup(y->pension_reduce, y->n_pension_reduce, other_income);
	return max64(0, rev - ded);
}

/* ---- deductions ------------------------------------------------------------- */

static int64_t life_class(const law_year *y, int64_t new_p, int64_t old_p)
{
	int64_t n = new_p ? rate_band(y->life_new, y->n_life_new, new_p) : 0;
	int64_t o = old_p ? rate_band(y->life_old, y->n_life_old, old_p) : 0;
	if (new_p && old_p)   /* 地方税法314条の2第1項5号: 新旧両方は合計28,000円まで, 旧のみの額が大きければそれ */
		return max64(o, min64(n + o, y->life_mixed_cap));
	return n + o;
}

static int64_t life_insurance(const law_year *y, const tax_life_insurance *l)
{
	int64_t sum = life_class(y, l->new_general, l->old_general) +
		      life_class(y, l->new_care_medical, 0) + life_class(y, l->new_pension, l->old_pension);
	return min64(sum, y->life_total_cap);
}

/* Index of the taxpayer income band (0: <=900万, 1: <=950万, 2: <=1000万), -1 above. */
static int taxpayer_band(const int64_t to[3], int64_t income)
{
	for (int i = 0; i < 3; i++)
		if (income <= to[i])
			return i;
	return -1;
}

/* ---- the computation ---------------------------------------------------------- */

int tax_compute(const tax_law *law, const tax_case *c, tax_result *r, at_error *err)
{
	memset(r, 0, sizeof *r);
	const law_year *y = law_find_year(law, c->fiscal_year);
	if (!y)
		return at_fail(err, 400, AT_E_INVALID, "fiscal_year",
			       "fiscal_year %d is not in the tax law data (see `atena tax law`)",
			       c->fiscal_year);
	const law_muni *m = law_find_muni(law, c->municipality);
	if (!m)
		return at_fail(err, 400, AT_E_INVALID, "municipality",
			       "municipality %.6s is not in the tax law data (see `atena tax law`)",
			       c->municipality);
	const law_kind *k = &y->kinds[m->kind];
	r->fiscal_year = y->fiscal_year;

	/* Ages count on December 31 of the income year (地方税法 292条1項 "前年12月31日現在"),
	 * minority on the assessment date, January 1 (地方税法 39条・318条). */
	const at_date dec31 = {y->income_year, 12, 31};
	const at_date jan1 = {y->fiscal_year, 1, 1};
	const int age = date_age_on(c->birth_date, dec31);
	const tax_income *in = &c->income;

	/* ---- 1. income by category ---- */
	r->salary_income_before_adjustment = salary_income(y, in->salary_revenue);
	r->business_income = in->business;
	r->real_estate_income = in->real_estate;
	r->dividend_income = in->dividends;
	r->misc_business_income = in->misc_business;
	r->misc_other_income = in->misc_other;
	r->occasional_income = in->occasional / 2;   /* 所得税法22条2項2号: 2分の1 (1円未満切捨て) */

	/* Relatives: 同一生計配偶者 and 扶養親族 by the relatives' income limit. */
	const int64_t rel_limit = y->relative_income_limit;
	bool spouse_same = c->has_spouse && c->spouse.total_income <= rel_limit;
	int n_deps = 0;            /* 扶養親族 incl. under 16 */
	bool dep_flags_adj = false;   /* 所得金額調整控除 1項 family condition */
	if (spouse_same && c->spouse.disability == TAX_DIS_SPECIAL)
		dep_flags_adj = true;
	size_t nd = c->n_dependants > TAX_MAX_DEPENDANTS ? TAX_MAX_DEPENDANTS : c->n_dependants;
	int dep_age[TAX_MAX_DEPENDANTS];
	for (size_t i = 0; i < nd; i++) {
		const tax_relative *d = &c->dependants[i];
		dep_age[i] = date_age_on(d->birth_date, dec31);
		if (d->total_income > rel_limit)
			continue;
		n_deps++;
		if (d->disability == TAX_DIS_SPECIAL || dep_age[i] < y->adj_dependant_age_below)
			dep_flags_adj = true;
	}
	if (c->disability == TAX_DIS_SPECIAL)
		dep_flags_adj = true;

	/* 所得金額調整控除 1項 (措置法41条の3の3第1項), rounded up (同項: 1円未満切上げ). */
	int64_t sal = r->salary_income_before_adjustment;
	if (in->salary_revenue > y->adj_salary_threshold && dep_flags_adj)
		r->income_adjustment_salary =
			min64(sal, mul_ceil(min64(in->salary_revenue, y->adj_salary_cap) -
						    y->adj_salary_threshold,
					    y->adj_rate));
	int64_t sal_after1 = sal - r->income_adjustment_salary;

	int64_t other = sal_after1 + r->business_income + r->real_estate_income + r->dividend_income +
			r->misc_business_income + r->misc_other_income + r->occasional_income;
	r->pension_income = pension_income(y, in->public_pension_revenue, age >= y->pension_age, other);

	/* 所得金額調整控除 2項: both salary (after 給与所得控除) and pension income. */
	if (sal > 0 && r->pension_income > 0)
		r->income_adjustment_combined =
			min64(sal_after1, max64(0, min64(sal, y->adj_combined_each_cap) +
							   min64(r->pension_income, y->adj_combined_each_cap) -
							   y->adj_combined_offset));
	r->income_adjustment_deduction = r->income_adjustment_salary + r->income_adjustment_combined;
	r->salary_income = sal - r->income_adjustment_deduction;
	r->misc_income = r->pension_income + r->misc_business_income + r->misc_other_income;
	r->total_income_amount = r->salary_income + r->business_income + r->real_estate_income +
				 r->dividend_income + r->misc_income + r->occasional_income;
	r->gross_total = r->total_income_amount;   /* no separate taxation or carried losses here */
	const int64_t total = r->total_income_amount;

	/* ---- 2. non-taxable (地方税法 295条, 附則3条の3) ---- */
	r->family_count = (spouse_same ? 1 : 0) + n_deps;
	const int persons = 1 + r->family_count;
	const int64_t il_limit = y->il_per_person * persons + y->il_base + (r->family_count ? y->il_add : 0);
	bool widow_ok = c->widow && !c->single_parent && total <= y->widow_income_limit;
	bool single_ok = c->single_parent && total <= y->single_parent_income_limit;
	bool minor = date_age_on(c->birth_date, jan1) < y->minor_age;
	if (c->public_assistance) {
		r->non_taxable_reason = TAX_NT_PUBLIC_ASSISTANCE;
	} else if ((c->disability != TAX_DIS_NONE || minor || c->widow || c->single_parent) &&
		   total <= y->limited_income_limit) {
		/* 295条1項2号 names 寡婦 and ひとり親 as defined in 292条 (income <= 500万 is implied by 135万). */
		r->non_taxable_reason = TAX_NT_LIMITED_PERSON;
	} else {
		int g = m->grade - 1;
		int64_t pc_limit = y->pc_per_person[g] * persons + y->pc_base[g] +
				   (r->family_count ? y->pc_add[g] : 0);
		if (total <= pc_limit)
			r->non_taxable_reason = TAX_NT_PER_CAPITA_LIMIT;
		else if (r->gross_total <= il_limit)
			r->non_taxable_reason = TAX_NT_INCOME_LEVY_LIMIT;
	}
	r->non_taxable_per_capita = r->non_taxable_reason != TAX_NT_NONE &&
				    r->non_taxable_reason != TAX_NT_INCOME_LEVY_LIMIT;
	r->non_taxable_income_levy = r->non_taxable_reason != TAX_NT_NONE;

	/* ---- 3. income deductions (地方税法 314条の2) ---- */
	const tax_deduction_input *di = &c->deductions;
	r->d_social_insurance = di->social_insurance;
	r->d_small_business = di->small_business_mutual_aid;
	r->d_life_insurance = life_insurance(y, &di->life_insurance);
	r->d_earthquake = min64(mul_ceil(di->earthquake_insurance, y->quake_rate), y->quake_cap);
	if (di->medical_expenses > 0)
		r->d_medical = min64(max64(0, di->medical_expenses -
						  min64(y->medical_floor, mul_floor(r->gross_total, y->medical_rate))),
				     y->medical_cap);
	r->d_basic = step_lookup(y->basic, y->n_basic, total);

	int64_t diff = y->d_basic > 0 && r->d_basic > 0 ? y->d_basic : 0;   /* 人的控除額の差 */
	int tb = taxpayer_band(y->spouse_special_taxpayer_to, total);
	if (c->has_spouse && tb >= 0) {
		int spouse_age = date_age_on(c->spouse.birth_date, dec31);
		int64_t si = c->spouse.total_income;
		if (spouse_same) {
			bool elderly = spouse_age >= y->spouse_elderly_age;
			r->d_spouse = y->spouse_taxpayer[tb].amount[elderly ? 1 : 0];
			diff += elderly ? y->d_spouse_elderly[tb] : y->d_spouse_general[tb];
		} else {
			for (size_t i = 0; i < y->n_spouse_special; i++)
				if (si <= y->spouse_special[i].to) {
					r->d_spouse_special = y->spouse_special[i].amount[tb];
					break;
				}
			for (size_t i = 0; i < y->n_d_spouse_special; i++)
				if (si < y->d_spouse_special[i].to) {
					diff += y->d_spouse_special[i].amount[tb];
					break;
				}
		}
	}
	/* Disability counts for the taxpayer, the 同一生計配偶者 and every 扶養親族 (incl. under 16). */
	if (c->disability == TAX_DIS_GENERAL) {
		r->d_disability += y->dis_general;
		diff += y->d_dis_general;
	} else if (c->disability == TAX_DIS_SPECIAL) {
		r->d_disability += y->dis_special;
		diff += y->d_dis_special;
	}
	if (spouse_same && c->spouse.disability != TAX_DIS_NONE) {
		bool sp = c->spouse.disability == TAX_DIS_SPECIAL;
		bool co = sp && c->spouse.cohabiting;
		r->d_disability += co ? y->dis_cohabiting_special : sp ? y->dis_special : y->dis_general;
		diff += co ? y->d_dis_cohabiting_special : sp ? y->d_dis_special : y->d_dis_general;
	}
	for (size_t i = 0; i < nd; i++) {
		const tax_relative *d = &c->dependants[i];
		if (d->total_income > rel_limit) {
			/* 特定親族特別控除 (FY2026+): 19-22, income above the relatives' limit. */
			if (y->has_specified_relative && dep_age[i] >= y->specified_relative_age_from &&
			    dep_age[i] <= y->specified_relative_age_to)
				r->d_specified_relative += step_lookup(y->specified_relative,
								       y->n_specified_relative,
								       d->total_income);
			continue;
		}
		for (size_t j = 0; j < y->n_dep_class; j++) {
			const law_dep_class *cl = &y->dep_class[j];
			if (dep_age[i] < cl->age_from || dep_age[i] > cl->age_to)
				continue;
			bool parent = cl->kind == LAW_DEP_ELDERLY && d->cohabiting && d->lineal_ascendant;
			r->d_dependants += parent ? cl->cohabiting_parent : cl->amount;
			diff += cl->kind == LAW_DEP_GENERAL     ? y->d_dep_general
				: cl->kind == LAW_DEP_SPECIFIED ? y->d_dep_specified
				: cl->kind == LAW_DEP_ELDERLY   ? (parent ? y->d_dep_cohabiting_parent
									  : y->d_dep_elderly)
								: 0;
			break;
		}
		if (d->disability != TAX_DIS_NONE) {
			bool sp = d->disability == TAX_DIS_SPECIAL;
			bool co = sp && d->cohabiting;
			r->d_disability += co ? y->dis_cohabiting_special : sp ? y->dis_special : y->dis_general;
			diff += co ? y->d_dis_cohabiting_special : sp ? y->d_dis_special : y->d_dis_general;
		}
	}
	if (single_ok) {
		r->d_single_parent = y->single_parent_amount;
		diff += c->sex == TAX_SEX_MALE ? y->d_single_father : y->d_single_mother;
	} else if (widow_ok) {
		r->d_widow = y->widow_amount;
		diff += y->d_widow;
	}
	if (c->working_student && total <= y->student_income_limit) {
		/* 勤労学生: income other than from own work (給与所得等以外) at most 10万円. */
		int64_t non_work = r->real_estate_income + r->dividend_income + r->occasional_income +
				   r->misc_other_income + r->pension_income;
		if (non_work <= y->student_non_work_limit) {
			r->d_working_student = y->student_amount;
			diff += y->d_student;
		}
	}
	r->personal_deduction_difference = diff;
	r->deductions_total = r->d_basic + r->d_spouse + r->d_spouse_special + r->d_dependants +
			      r->d_specified_relative + r->d_disability + r->d_widow +
			      r->d_single_parent + r->d_working_student + r->d_social_insurance +
			      r->d_small_business + r->d_life_insurance + r->d_earthquake + r->d_medical;

	/* ---- 4. taxable income (地方税法 20条の4の2第1項: 1,000円未満切捨て) ---- */
	const int64_t taxable = round_down(r->gross_total - r->deductions_total, y->taxable_unit);
	r->taxable_income = taxable;

	/* ---- 5. income levy and credits (地方税法 314条の3, 35条; 314条の9 order) ---- */
	int64_t L[2] = {0, 0};
	if (!r->non_taxable_income_levy) {
		for (int s = 0; s < 2; s++)
			L[s] = mul_floor(taxable, m->rate[s]);
	}
	r->levy_before_credits_municipal = L[LAW_M];
	r->levy_before_credits_prefectural = L[LAW_P];

	/* 調整控除 (314条の6, 37条) */
	int64_t adj[2] = {0, 0};
	if (!r->non_taxable_income_levy && total <= y->ac_income_limit && taxable > 0) {
		int64_t base = taxable <= y->ac_threshold
				       ? min64(diff, taxable)
				       : max64(diff - (taxable - y->ac_threshold), y->ac_min_base);
		for (int s = 0; s < 2; s++)
			adj[s] = min64(L[s], mul_floor(base, k->adjustment_rate[s]));
	}
	r->adjustment_municipal = adj[LAW_M];
	r->adjustment_prefectural = adj[LAW_P];
	int64_t after_adj[2] = {L[0] - adj[0], L[1] - adj[1]};
	/* 附則3条の3第4項・第5項 (所得割の調整措置): the income levy may not bring
	 * 総所得金額等 below the income-levy limit; the excess splits by levy. */
	if (!r->non_taxable_income_levy) {
		int64_t excess = r->gross_total - il_limit;
		for (int s = 0; s < 2; s++) {
			int64_t cap = mul_floor(excess, k->income_levy_share[s]);
			if (after_adj[s] > cap) {
				r->income_levy_limit_reduction += after_adj[s] - cap;
				after_adj[s] = cap;
			}
		}
	}
	int64_t rem[2] = {after_adj[0], after_adj[1]};

	/* 配当控除 (附則5条): the part of the dividends within the threshold at full rates. */
	if (r->dividend_income > 0 && (rem[0] || rem[1])) {
		int64_t d = r->dividend_income;
		int64_t full = taxable <= y->dividend_threshold
				       ? d
				       : min64(d, max64(0, y->dividend_threshold - (taxable - d)));
		int64_t cr[2];
		for (int s = 0; s < 2; s++) {
			cr[s] = min64(rem[s], mul_floor(full, k->dividend_full[s]) +
						      mul_floor(d - full, k->dividend_half[s]));
			rem[s] -= cr[s];
		}
		r->dividend_municipal = cr[LAW_M];
		r->dividend_prefectural = cr[LAW_P];
	}

	/* 住宅借入金等特別税額控除 (附則5条の4の2): min(carry-over, 5% of taxable, 97,500), split. */
	if (c->housing_loan_carryover > 0 && (rem[0] || rem[1])) {
		int64_t cap = min64(mul_floor(taxable, y->housing_rate), y->housing_cap);
		int64_t amt = min64(c->housing_loan_carryover, cap);
		int64_t cr[2];
		for (int s = 0; s < 2; s++) {
			cr[s] = min64(rem[s], mul_floor(amt, k->share[s]));
			rem[s] -= cr[s];
		}
		r->housing_loan_municipal = cr[LAW_M];
		r->housing_loan_prefectural = cr[LAW_P];
	}

	/* 寄附金税額控除 (314条の7, 37条の2; 附則5条の5・5条の6). */
	const tax_donations *dn = &c->donations;
	if (dn->hometown + dn->other_eligible > 0) {
		int64_t eligible = min64(dn->hometown + dn->other_eligible,
					 mul_floor(r->gross_total, y->don_income_cap_rate));
		int64_t basic_base = max64(0, eligible - y->don_floor);
		int64_t hometown_base = max64(0, dn->hometown - y->don_floor);
		/* 特例控除割合 by 課税総所得金額 − 人的控除差調整額. */
		int64_t x = taxable - diff;
		const law_special_band *band = &y->don_special[y->n_don_special - 1];
		for (size_t i = 0; i < y->n_don_special; i++)
			if (x <= y->don_special[i].to) {
				band = &y->don_special[i];
				break;
			}
		r->special_rate_ppm = band->special_rate;
		int64_t basic[2], special[2], onestop[2];
		for (int s = 0; s < 2; s++) {
			basic[s] = mul_floor(basic_base, k->donation_basic[s]);
			/* (寄附 − 2,000) × 特例割合 × share, exactly, then truncated. */
			int64_t sp = (int64_t)((__int128)hometown_base * band->special_rate * k->share[s] /
				       ((__int128)LAW_PPM * LAW_PPM));
			special[s] = min64(sp, mul_floor(after_adj[s], y->don_special_cap_rate));
			onestop[s] = dn->one_stop && special[s] > 0
					     ? (int64_t)((__int128)special[s] * band->income_tax_rate /
							 band->special_rate)
					     : 0;
		}
		r->donation_basic_municipal = basic[LAW_M];
		r->donation_basic_prefectural = basic[LAW_P];
		r->donation_special_municipal = special[LAW_M];
		r->donation_special_prefectural = special[LAW_P];
		r->donation_one_stop_municipal = onestop[LAW_M];
		r->donation_one_stop_prefectural = onestop[LAW_P];
		for (int s = 0; s < 2; s++) {
			int64_t cr = min64(rem[s], basic[s] + special[s] + onestop[s]);
			rem[s] -= cr;
			if (s == LAW_M)
				r->donation_municipal = cr;
			else
				r->donation_prefectural = cr;
		}
	}
	r->levy_before_fixed_cut_municipal = rem[LAW_M];
	r->levy_before_fixed_cut_prefectural = rem[LAW_P];

	/* 定額減税 (附則5条の8): after every other credit, before 100-yen rounding. */
	if (y->has_fixed_cut && !r->non_taxable_income_levy && total <= y->fc_income_limit &&
	    (rem[0] || rem[1])) {
		int n = y->fc_self ? 1 : 0;
		if (c->has_spouse && spouse_same && !c->spouse.non_resident) {
			bool deductible = total <= y->spouse_taxpayer[y->n_spouse_taxpayer - 1].to;
			if ((deductible && y->fc_deductible_spouse) || (!deductible && y->fc_other_spouse))
				n++;
		}
		if (y->fc_dependants)
			for (size_t i = 0; i < nd; i++)
				if (c->dependants[i].total_income <= rel_limit && !c->dependants[i].non_resident)
					n++;
		r->fixed_cut_persons = n;
		r->fixed_cut_total = y->fc_per_person * n;
		int64_t cut[2];
		for (int s = 0; s < 2; s++) {
			cut[s] = min64(rem[s], mul_floor(r->fixed_cut_total, k->fixed_cut_share[s]));
			rem[s] -= cut[s];
		}
		r->fixed_cut_municipal = cut[LAW_M];
		r->fixed_cut_prefectural = cut[LAW_P];
		r->fixed_cut_shortfall = r->fixed_cut_total - cut[LAW_M] - cut[LAW_P];
	}

	/* 地方税法 20条の4の2第3項: each levy to 100 yen. */
	r->income_levy_municipal = round_down(rem[LAW_M], y->levy_unit);
	r->income_levy_prefectural = round_down(rem[LAW_P], y->levy_unit);
	r->income_levy_total = r->income_levy_municipal + r->income_levy_prefectural;

	/* ---- 6. per-capita levy and forest environment tax ---- */
	if (!r->non_taxable_per_capita) {
		r->per_capita_municipal = m->per_capita[LAW_M];
		r->per_capita_prefectural = m->per_capita[LAW_P];
		r->forest_environment = y->forest;
	}
	r->per_capita_total = r->per_capita_municipal + r->per_capita_prefectural + r->forest_environment;
	r->annual_tax = r->income_levy_total + r->per_capita_total;
	return 0;
}
