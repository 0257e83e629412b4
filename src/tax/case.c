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

static int amount(json_t *o, const char *path, const char *key, int64_t *out, at_error *err)
{
	json_t *v = json_object_get(o, key);
	if (v && json_is_integer(v) && json_integer_value(v) < 0) {
		char f[96];
		snprintf(f, sizeof f, "%s.%s", path, key);
		return at_fail(err, 400, AT_E_INVALID, f,
			       "%s must not be negative: amounts are yen of income, revenue or payment", f);
	}
	return jv_int(o, path, key, false, 0, TAX_MAX_AMOUNT, out, err);
}

static int object(json_t *o, const char *path, const char *key, bool required, json_t **out,
		  at_error *err)
{
	char f[96];
	snprintf(f, sizeof f, "%s%s%s", path, *path ? "." : "", key);
	json_t *v = json_object_get(o, key);
	*out = NULL;
	if (!v || json_is_null(v)) {
		if (required)
			return at_fail(err, 400, AT_E_MISSING, f, "%s is required", f);
		return 0;
	}
	if (!json_is_object(v))
		return at_fail(err, 400, AT_E_INVALID, f, "%s must be an object", f);
	*out = v;
	return 0;
}

static int date(json_t *o, const char *path, at_date *out, at_error *err)
{
	const char *s = NULL;
	char f[96];
	snprintf(f, sizeof f, "%s.birth_date", path);
	if (jv_string(o, path, "birth_date", true, 10, &s, err))
		return -1;
	return date_parse(s, out, f, err);
}

static int disability(json_t *o, const char *path, tax_disability *out, at_error *err)
{
	const char *s = NULL;
	*out = TAX_DIS_NONE;
	if (jv_string(o, path, "disability", false, 16, &s, err))
		return -1;
	if (!s || !strcmp(s, "none"))
		return 0;
	if (!strcmp(s, "general"))
		*out = TAX_DIS_GENERAL;
	else if (!strcmp(s, "special"))
		*out = TAX_DIS_SPECIAL;
	else {
		char f[96];
		snprintf(f, sizeof f, "%s.disability", path);
		return at_fail(err, 400, AT_E_INVALID, f,
			       "%s must be \"none\", \"general\" (障害者) or \"special\" (特別障害者)", f);
	}
	return 0;
}

static int relative(json_t *o, const char *path, bool dependant, tax_relative *r, at_error *err)
{
	static const char *const spouse_keys[] = {"birth_date", "total_income", "disability",
						  "cohabiting", "non_resident", NULL};
	static const char *const dep_keys[] = {"birth_date", "total_income", "disability", "cohabiting",
					       "lineal_ascendant", "non_resident", NULL};
	memset(r, 0, sizeof *r);
	if (jv_no_unknown(o, path, dependant ? dep_keys : spouse_keys, err) || date(o, path, &r->birth_date, err) ||
	    amount(o, path, "total_income", &r->total_income, err) || disability(o, path, &r->disability, err) ||
	    jv_bool(o, path, "cohabiting", false, &r->cohabiting, err) ||
	    jv_bool(o, path, "non_resident", false, &r->non_resident, err))
		return -1;
	if (dependant && jv_bool(o, path, "lineal_ascendant", false, &r->lineal_ascendant, err))
		return -1;
	return 0;
}

int tax_case_from_json(json_t *in, tax_case *out, at_error *err)
{
	memset(out, 0, sizeof *out);
	if (!json_is_object(in))
		return at_fail(err, 400, AT_E_INVALID, "", "the case must be a JSON object");
	static const char *const top[] = {"fiscal_year", "municipality", "taxpayer", "spouse",
					  "dependants", NULL};
	int64_t fy = 0;
	const char *muni = NULL;
	if (jv_no_unknown(in, "", top, err) || jv_int(in, "", "fiscal_year", true, 2000, 2999, &fy, err) ||
	    jv_string(in, "", "municipality", true, 6, &muni, err))
		return -1;
	if (strlen(muni) != 6 || strspn(muni, "0123456789") != 6)
		return at_fail(err, 400, AT_E_INVALID, "municipality",
			       "municipality must be the 6-digit 全国地方公共団体コード (e.g. \"131105\")");
	out->fiscal_year = (int)fy;
	memcpy(out->municipality, muni, 7);

	json_t *tp, *o;
	if (object(in, "", "taxpayer", true, &tp, err))
		return -1;
	static const char *const tk[] = {"birth_date", "sex", "public_assistance", "disability", "widow",
					 "single_parent", "working_student", "income", "deductions",
					 "housing_loan_carryover", "credits", "donations", NULL};
	const char *sex = NULL;
	if (jv_no_unknown(tp, "taxpayer", tk, err) || date(tp, "taxpayer", &out->birth_date, err) ||
	    jv_string(tp, "taxpayer", "sex", false, 8, &sex, err) ||
	    jv_bool(tp, "taxpayer", "public_assistance", false, &out->public_assistance, err) ||
	    disability(tp, "taxpayer", &out->disability, err) ||
	    jv_bool(tp, "taxpayer", "widow", false, &out->widow, err) ||
	    jv_bool(tp, "taxpayer", "single_parent", false, &out->single_parent, err) ||
	    jv_bool(tp, "taxpayer", "working_student", false, &out->working_student, err) ||
	    amount(tp, "taxpayer", "housing_loan_carryover", &out->housing_loan_carryover, err))
		return -1;
	if (sex) {
		if (!strcmp(sex, "male"))
			out->sex = TAX_SEX_MALE;
		else if (!strcmp(sex, "female"))
			out->sex = TAX_SEX_FEMALE;
		else
			return at_fail(err, 400, AT_E_INVALID, "taxpayer.sex",
				       "taxpayer.sex must be \"male\" or \"female\"");
	}
	if (out->widow && out->single_parent)
		return at_fail(err, 400, AT_E_INVALID, "taxpayer.widow",
			       "taxpayer.widow and taxpayer.single_parent exclude each other "
			       "(地方税法 292条1項11号: 寡婦 is a person who is not a ひとり親)");

	/* The carry-over is also accepted as taxpayer.credits.housing_loan_carryover
	 * (the form the golden cases under tests/tax/cases use). */
	if (object(tp, "taxpayer", "credits", false, &o, err))
		return -1;
	if (o) {
		static const char *const ck[] = {"housing_loan_carryover", NULL};
		int64_t v = 0;
		if (jv_no_unknown(o, "taxpayer.credits", ck, err) ||
		    amount(o, "taxpayer.credits", "housing_loan_carryover", &v, err))
			return -1;
		if (v && out->housing_loan_carryover)
			return at_fail(err, 400, AT_E_INVALID, "taxpayer.credits.housing_loan_carryover",
				       "give the housing-loan carry-over once: taxpayer.housing_loan_carryover "
				       "or taxpayer.credits.housing_loan_carryover");
		if (v)
			out->housing_loan_carryover = v;
	}
	if (object(tp, "taxpayer", "income", false, &o, err))
		return -1;
	if (o) {
		static const char *const ik[] = {"salary_revenue", "public_pension_revenue", "business",
						 "real_estate", "dividends", "misc_business", "misc_other",
						 "occasional", NULL};
		tax_income *i = &out->income;
		const char *p = "taxpayer.income";
		if (jv_no_unknown(o, p, ik, err) || amount(o, p, "salary_revenue", &i->salary_revenue, err) ||
		    amount(o, p, "public_pension_revenue", &i->public_pension_revenue, err) ||
		    amount(o, p, "business", &i->business, err) ||
		    amount(o, p, "real_estate", &i->real_estate, err) ||
		    amount(o, p, "dividends", &i->dividends, err) ||
		    amount(o, p, "misc_business", &i->misc_business, err) ||
		    amount(o, p, "misc_other", &i->misc_other, err) ||
		    amount(o, p, "occasional", &i->occasional, err))
			return -1;
	}
	if (object(tp, "taxpayer", "deductions", false, &o, err))
		return -1;
	if (o) {
		static const char *const dk[] = {"social_insurance", "small_business_mutual_aid",
						 "medical_expenses", "life_insurance",
						 "earthquake_insurance", NULL};
		tax_deduction_input *d = &out->deductions;
		const char *p = "taxpayer.deductions";
		json_t *li;
		if (jv_no_unknown(o, p, dk, err) || amount(o, p, "social_insurance", &d->social_insurance, err) ||
		    amount(o, p, "small_business_mutual_aid", &d->small_business_mutual_aid, err) ||
		    amount(o, p, "medical_expenses", &d->medical_expenses, err) ||
		    amount(o, p, "earthquake_insurance", &d->earthquake_insurance, err) ||
		    object(o, p, "life_insurance", false, &li, err))
			return -1;
		if (li) {
			static const char *const lk[] = {"new_general", "new_care_medical", "new_pension",
							 "old_general", "old_pension", NULL};
			const char *lp = "taxpayer.deductions.life_insurance";
			tax_life_insurance *l = &d->life_insurance;
			if (jv_no_unknown(li, lp, lk, err) || amount(li, lp, "new_general", &l->new_general, err) ||
			    amount(li, lp, "new_care_medical", &l->new_care_medical, err) ||
			    amount(li, lp, "new_pension", &l->new_pension, err) ||
			    amount(li, lp, "old_general", &l->old_general, err) ||
			    amount(li, lp, "old_pension", &l->old_pension, err))
				return -1;
		}
	}
	if (object(tp, "taxpayer", "donations", false, &o, err))
		return -1;
	if (o) {
		static const char *const dk[] = {"hometown", "other_eligible", "one_stop", NULL};
		const char *p = "taxpayer.donations";
		if (jv_no_unknown(o, p, dk, err) || amount(o, p, "hometown", &out->donations.hometown, err) ||
		    amount(o, p, "other_eligible", &out->donations.other_eligible, err) ||
		    jv_bool(o, p, "one_stop", false, &out->donations.one_stop, err))
			return -1;
	}

	if (object(in, "", "spouse", false, &o, err))
		return -1;
	if (o) {
		out->has_spouse = true;
		if (relative(o, "spouse", false, &out->spouse, err))
			return -1;
	}
	json_t *deps = json_object_get(in, "dependants");
	if (deps && !json_is_null(deps)) {
		if (!json_is_array(deps))
			return at_fail(err, 400, AT_E_INVALID, "dependants", "dependants must be an array");
		size_t n = json_array_size(deps);
		if (n > TAX_MAX_DEPENDANTS)
			return at_fail(err, 400, AT_E_INVALID, "dependants",
				       "dependants has %zu entries; at most %d are accepted", n,
				       TAX_MAX_DEPENDANTS);
		for (size_t i = 0; i < n; i++) {
			char p[32];
			snprintf(p, sizeof p, "dependants[%zu]", i);
			json_t *d = json_array_get(deps, i);
			if (!json_is_object(d))
				return at_fail(err, 400, AT_E_INVALID, p, "%s must be an object", p);
			if (relative(d, p, true, &out->dependants[i], err))
				return -1;
		}
		out->n_dependants = n;
	}
	return 0;
}

static const char *dis_name(tax_disability d)
{
	return d == TAX_DIS_SPECIAL ? "special" : d == TAX_DIS_GENERAL ? "general" : "none";
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
