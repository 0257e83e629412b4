/*
 * case — the engine's input as JSON (tax/case.h), read strictly.
 *
 *   {"fiscal_year": 2025, "municipality": "131105",
 *    "taxpayer": {"birth_date": "1980-04-01", "sex": "female",
 *                 "public_assistance": false, "disability": "none",
 *                 "widow": false, "single_parent": false, "working_student": false,
 *                 "income": {"salary_revenue": 5000000, ...},
 *                 "deductions": {"social_insurance": 700000, "life_insurance": {...}, ...},
 *                 "housing_loan_carryover": 0,
 *                 "donations": {"hometown": 30000, "other_eligible": 0, "one_stop": true}},
 *    "spouse": {"birth_date": ..., "total_income": 0, "disability": "none",
 *               "cohabiting": true, "non_resident": false} | null,
 *    "dependants": [{"birth_date": ..., "total_income": 0, "disability": "none",
 *                    "cohabiting": true, "lineal_ascendant": false, "non_resident": false}]}
 *
 * Every key but fiscal_year, municipality, taxpayer and each birth_date is
 * optional (absent = 0 / false / none). Unknown keys, negative amounts,
 * impossible dates and wrong types are errors naming the field.
 */
#include "tax/case.h"

#include <stdio.h>
#include <string.h>

#include "core/json.h"
#include "core/text.h"

/* In the order of tax_disability. */
const char *const tax_disability_names[] = {"none", "general", "special", NULL};

static int amount(const jr *r, json_t *o, const char *path, const char *key, int64_t max,
		  int64_t *out)
{
	return jr_yen(r, o, path, key, JR_OPT, 0, max, out);
}

int tax_case_read_disability(const jr *r, json_t *o, const char *path, tax_disability *out)
{
	int k = (int)*out;
	if (jr_choice(r, o, path, "disability", JR_OPT, tax_disability_names, &k))
		return -1;
	*out = (tax_disability)k;
	return 0;
}

int tax_case_read_income(const jr *r, json_t *parent, const char *path, int64_t max,
			 tax_income *i)
{
	static const char *const ik[] = {"salary_revenue", "public_pension_revenue", "business",
					 "real_estate", "dividends", "misc_business", "misc_other",
					 "occasional", NULL};
	json_t *o = NULL;
	char p[JR_PATH];
	if (jr_object(r, parent, path, "income", JR_OPT, &o, p))
		return -1;
	if (!o)
		return 0;
	int64_t *f[] = {&i->salary_revenue, &i->public_pension_revenue, &i->business,
			&i->real_estate, &i->dividends, &i->misc_business, &i->misc_other,
			&i->occasional};
	if (jr_known(r, o, p, ik))
		return -1;
	for (size_t k = 0; ik[k]; k++)
		if (amount(r, o, p, ik[k], max, f[k]))
			return -1;
	return 0;
}

int tax_case_read_deductions(const jr *r, json_t *parent, const char *path, int64_t max,
			     tax_deduction_input *d)
{
	static const char *const dk[] = {"social_insurance", "small_business_mutual_aid",
					 "medical_expenses", "life_insurance",
					 "earthquake_insurance", NULL};
	static const char *const lk[] = {"new_general", "new_care_medical", "new_pension",
					 "old_general", "old_pension", NULL};
	json_t *o = NULL, *li = NULL;
	char p[JR_PATH], lp[JR_PATH];
	if (jr_object(r, parent, path, "deductions", JR_OPT, &o, p))
		return -1;
	if (!o)
		return 0;
	if (jr_known(r, o, p, dk) || amount(r, o, p, "social_insurance", max, &d->social_insurance) ||
	    amount(r, o, p, "small_business_mutual_aid", max, &d->small_business_mutual_aid) ||
	    amount(r, o, p, "medical_expenses", max, &d->medical_expenses) ||
	    amount(r, o, p, "earthquake_insurance", max, &d->earthquake_insurance) ||
	    jr_object(r, o, p, "life_insurance", JR_OPT, &li, lp))
		return -1;
	if (!li)
		return 0;
	tax_life_insurance *l = &d->life_insurance;
	int64_t *f[] = {&l->new_general, &l->new_care_medical, &l->new_pension, &l->old_general,
			&l->old_pension};
	if (jr_known(r, li, lp, lk))
		return -1;
	for (size_t k = 0; lk[k]; k++)
		if (amount(r, li, lp, lk[k], max, f[k]))
			return -1;
	return 0;
}

int tax_case_read_donations(const jr *r, json_t *parent, const char *path, int64_t max,
			    tax_donations *out)
{
	static const char *const dk[] = {"hometown", "other_eligible", "one_stop", NULL};
	json_t *o = NULL;
	char p[JR_PATH];
	if (jr_object(r, parent, path, "donations", JR_OPT, &o, p))
		return -1;
	if (!o)
		return 0;
	if (jr_known(r, o, p, dk) || amount(r, o, p, "hometown", max, &out->hometown) ||
	    amount(r, o, p, "other_eligible", max, &out->other_eligible) ||
	    jr_bool(r, o, p, "one_stop", JR_OPT, &out->one_stop))
		return -1;
	return 0;
}

static int relative(const jr *r, json_t *o, const char *path, bool dependant, tax_relative *rel)
{
	static const char *const spouse_keys[] = {"birth_date", "total_income", "disability",
						  "cohabiting", "non_resident", NULL};
	static const char *const dep_keys[] = {"birth_date", "total_income", "disability", "cohabiting",
					       "lineal_ascendant", "non_resident", NULL};
	memset(rel, 0, sizeof *rel);
	if (jr_known(r, o, path, dependant ? dep_keys : spouse_keys) ||
	    jr_date(r, o, path, "birth_date", JR_REQ, &rel->birth_date) ||
	    amount(r, o, path, "total_income", TAX_MAX_AMOUNT, &rel->total_income) ||
	    tax_case_read_disability(r, o, path, &rel->disability) ||
	    jr_bool(r, o, path, "cohabiting", JR_OPT, &rel->cohabiting) ||
	    jr_bool(r, o, path, "non_resident", JR_OPT, &rel->non_resident))
		return -1;
	if (dependant && jr_bool(r, o, path, "lineal_ascendant", JR_OPT, &rel->lineal_ascendant))
		return -1;
	return 0;
}

int tax_case_from_json(json_t *in, tax_case *out, at_error *err)
{
	jr r = JR_REQUEST(err);
	memset(out, 0, sizeof *out);
	if (!json_is_object(in))
		return jr_fail(&r, AT_E_INVALID, "", "must be a JSON object (the case)");
	static const char *const top[] = {"fiscal_year", "municipality", "taxpayer", "spouse",
					  "dependants", NULL};
	int64_t fy = 0;
	const char *muni = NULL;
	if (jr_known(&r, in, "", top) || jr_int(&r, in, "", "fiscal_year", JR_REQ, 2000, 2999, &fy) ||
	    jr_string(&r, in, "", "municipality", JR_REQ, 6, &muni))
		return -1;
	if (!text_is_digits(muni, 6))
		return jr_fail(&r, AT_E_INVALID, "municipality",
			       "must be the 6-digit 全国地方公共団体コード (e.g. \"131105\")");
	out->fiscal_year = (int)fy;
	memcpy(out->municipality, muni, 7);

	json_t *tp, *o;
	char tq[JR_PATH];
	if (jr_object(&r, in, "", "taxpayer", JR_REQ, &tp, tq))
		return -1;
	static const char *const tk[] = {"birth_date", "sex", "public_assistance", "disability", "widow",
					 "single_parent", "working_student", "income", "deductions",
					 "housing_loan_carryover", "credits", "donations", NULL};
	static const char *const sexes[] = {"male", "female", NULL};   /* tax_sex - 1 */
	int sex = -1;
	if (jr_known(&r, tp, tq, tk) || jr_date(&r, tp, tq, "birth_date", JR_REQ, &out->birth_date) ||
	    jr_choice(&r, tp, tq, "sex", JR_OPT, sexes, &sex) ||
	    jr_bool(&r, tp, tq, "public_assistance", JR_OPT, &out->public_assistance) ||
	    tax_case_read_disability(&r, tp, tq, &out->disability) ||
	    jr_bool(&r, tp, tq, "widow", JR_OPT, &out->widow) ||
	    jr_bool(&r, tp, tq, "single_parent", JR_OPT, &out->single_parent) ||
	    jr_bool(&r, tp, tq, "working_student", JR_OPT, &out->working_student) ||
	    amount(&r, tp, tq, "housing_loan_carryover", TAX_MAX_AMOUNT, &out->housing_loan_carryover))
		return -1;
	out->sex = (tax_sex)(sex + 1);   /* absent stays TAX_SEX_NONE */
	if (out->widow && out->single_parent)
		return jr_fail(&r, AT_E_INVALID, "taxpayer.widow",
			       "and taxpayer.single_parent exclude each other "
			       "(地方税法 292条1項11号: 寡婦 is a person who is not a ひとり親)");

	/* The carry-over is also accepted as taxpayer.credits.housing_loan_carryover
	 * (the form the golden cases under tests/tax/cases use). */
	char cq[JR_PATH];
	o = NULL;
	if (jr_object(&r, tp, tq, "credits", JR_OPT, &o, cq))
		return -1;
	if (o) {
		static const char *const ck[] = {"housing_loan_carryover", NULL};
		int64_t v = 0;
		if (jr_known(&r, o, cq, ck) ||
		    amount(&r, o, cq, "housing_loan_carryover", TAX_MAX_AMOUNT, &v))
			return -1;
		if (v && out->housing_loan_carryover)
			return jr_fail(&r, AT_E_INVALID, "taxpayer.credits.housing_loan_carryover",
				       "repeats the carry-over: give it once, as taxpayer.housing_loan_carryover "
				       "or taxpayer.credits.housing_loan_carryover");
		if (v)
			out->housing_loan_carryover = v;
	}
	if (tax_case_read_income(&r, tp, tq, TAX_MAX_AMOUNT, &out->income) ||
	    tax_case_read_deductions(&r, tp, tq, TAX_MAX_AMOUNT, &out->deductions) ||
	    tax_case_read_donations(&r, tp, tq, TAX_MAX_AMOUNT, &out->donations))
		return -1;

	o = NULL;
	if (jr_object(&r, in, "", "spouse", JR_OPT, &o, NULL))
		return -1;
	if (o) {
		out->has_spouse = true;
		if (relative(&r, o, "spouse", false, &out->spouse))
			return -1;
	}
	json_t *deps = NULL;
	size_t n = 0;
	char dq[JR_PATH];
	if (jr_array(&r, in, "", "dependants", JR_OPT, 0, TAX_MAX_DEPENDANTS, &deps, &n, dq))
		return -1;
	for (size_t i = 0; i < n; i++) {
		char p[JR_PATH];
		json_t *d = NULL;
		if (jr_elem_object(&r, deps, dq, i, &d, p) || relative(&r, d, p, true, &out->dependants[i]))
			return -1;
	}
	out->n_dependants = n;
	return 0;
}

static const char *dis_name(tax_disability d)
{
	return tax_disability_names[(unsigned)d % 3];
}

static json_t *relative_json(const tax_relative *r, bool dependant)
{
	char bd[11];
	date_format(r->birth_date, bd);
	json_t *o = json_pack("{s:s,s:I,s:s,s:b,s:b}", "birth_date", bd, "total_income",
			      (json_int_t)r->total_income, "disability", dis_name(r->disability),
			      "cohabiting", r->cohabiting, "non_resident", r->non_resident);
	if (dependant)
		json_object_set_new(o, "lineal_ascendant", json_boolean(r->lineal_ascendant));
	return o;
}

json_t *tax_case_to_json(const tax_case *c)
{
	char bd[11];
	date_format(c->birth_date, bd);
	const tax_income *i = &c->income;
	const tax_deduction_input *d = &c->deductions;
	const tax_life_insurance *l = &d->life_insurance;
	json_t *tp = json_pack(
		"{s:s,s:b,s:s,s:b,s:b,s:b,s:I}", "birth_date", bd, "public_assistance",
		c->public_assistance, "disability", dis_name(c->disability), "widow", c->widow,
		"single_parent", c->single_parent, "working_student", c->working_student,
		"housing_loan_carryover", (json_int_t)c->housing_loan_carryover);
	if (c->sex != TAX_SEX_NONE)
		json_object_set_new(tp, "sex", json_string(c->sex == TAX_SEX_MALE ? "male" : "female"));
	json_object_set_new(
		tp, "income",
		json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "salary_revenue",
			  (json_int_t)i->salary_revenue, "public_pension_revenue",
			  (json_int_t)i->public_pension_revenue, "business", (json_int_t)i->business,
			  "real_estate", (json_int_t)i->real_estate, "dividends", (json_int_t)i->dividends,
			  "misc_business", (json_int_t)i->misc_business, "misc_other",
			  (json_int_t)i->misc_other, "occasional", (json_int_t)i->occasional));
	json_object_set_new(
		tp, "deductions",
		json_pack("{s:I,s:I,s:I,s:I,s:{s:I,s:I,s:I,s:I,s:I}}", "social_insurance",
			  (json_int_t)d->social_insurance, "small_business_mutual_aid",
			  (json_int_t)d->small_business_mutual_aid, "medical_expenses",
			  (json_int_t)d->medical_expenses, "earthquake_insurance",
			  (json_int_t)d->earthquake_insurance, "life_insurance", "new_general",
			  (json_int_t)l->new_general, "new_care_medical", (json_int_t)l->new_care_medical,
			  "new_pension", (json_int_t)l->new_pension, "old_general",
			  (json_int_t)l->old_general, "old_pension", (json_int_t)l->old_pension));
	json_object_set_new(tp, "donations",
			    json_pack("{s:I,s:I,s:b}", "hometown", (json_int_t)c->donations.hometown,
				      "other_eligible", (json_int_t)c->donations.other_eligible,
				      "one_stop", c->donations.one_stop));
	json_t *deps = json_array();
	for (size_t k = 0; k < c->n_dependants && k < TAX_MAX_DEPENDANTS; k++)
		json_array_append_new(deps, relative_json(&c->dependants[k], true));
	return json_pack("{s:i,s:s,s:o,s:o,s:o}", "fiscal_year", c->fiscal_year, "municipality",
			 c->municipality, "taxpayer", tp, "spouse",
			 c->has_spouse ? relative_json(&c->spouse, false) : json_null(), "dependants",
			 deps);
}
