/*
 * law — loading and validating the resident tax's law data (tax/law.h).
 *
 * Each file is read strictly: every object lists the keys it accepts, every
 * value is checked for type and sign, every table for order. A failure is
 * an error naming the file and the key path; nothing defaults to zero. What
 * each key means is in docs/tax-law.md.
 */
#include "tax/law.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "policy/decl_builtin.h"
#include "tax/law_internal.h"

extern const struct decl_builtin tax_data_builtins[];

/* ---- strict readers ------------------------------------------------------ */
/* The reading itself is core/json.h (jr_*), with the file name as the source
 * and status 500: a bad law file is Atena's fault, not the user's. What stays
 * here are the law's own value kinds: yen within the law's range, an open
 * upper bound (null), ages, and rates held as millionths. */

typedef jr ld;

#define PATH_MAX_LEN JR_PATH
#define LAW_YEN_MAX 1000000000000LL   /* a trillion yen: beyond any band in 地方税法 */

/* p.key[i], for a row of the array p.key. */
static void joini(char *out, const char *p, const char *key, size_t i)
{
	char k[JR_PATH];
	jr_path(k, p, key);
	jr_path_index(out, k, i);
}

/* A required integer amount in yen, >= min. */
static int amt(const ld *l, json_t *o, const char *p, const char *key, int64_t min, int64_t *out)
{
	return jr_yen(l, o, p, key, JR_REQ, min, LAW_YEN_MAX, out);
}

static int obj(const ld *l, json_t *o, const char *p, const char *key, json_t **out, char *q)
{
	return jr_object(l, o, p, key, JR_REQ, out, q);
}

/* An upper bound: an amount, or null for no bound. */
static int bound(const ld *l, json_t *o, const char *p, const char *key, int64_t *out)
{
	json_t *v = NULL;
	if (jr_value(l, o, p, key, JR_REQ, &v))
		return -1;
	if (json_is_null(v)) {
		*out = LAW_OPEN;
		return 0;
	}
	return jr_yen(l, o, p, key, JR_REQ, -1, LAW_YEN_MAX, out);
}

static int age(const ld *l, json_t *o, const char *p, const char *key, int *out)
{
	int64_t v = 0;
	if (jr_int(l, o, p, key, JR_REQ, 0, 999, &v))
		return -1;
	*out = (int)v;
	return 0;
}

/* A rate between 0 and 1 (0.06 = 6%), exact to a millionth, held as ppm. */
static int rate(const ld *l, json_t *o, const char *p, const char *key, int64_t *out)
{
	char q[PATH_MAX_LEN];
	json_t *v = NULL;
	jr_path(q, p, key);
	if (jr_value(l, o, p, key, JR_REQ, &v))
		return -1;
	if (!json_is_number(v))
		return jr_fail(l, AT_E_INVALID, q, "must be a number (a rate: 0.06 is 6%%)");
	double d = json_number_value(v);
	if (!(d >= 0.0))
		return jr_fail(l, AT_E_INVALID, q, "must not be negative (got %g)", d);
	if (d > 1.0)
		return jr_fail(l, AT_E_INVALID, q, "is a rate and must be at most 1 (got %g; 6%% is 0.06)", d);
	double ppm = d * LAW_PPM;
	double r = (double)(int64_t)(ppm + 0.5);   /* no libm: the library links only atena_core */
	double off = ppm - r;
	if (off > 1e-6 || off < -1e-6)
		return jr_fail(l, AT_E_INVALID, q, "must be exact to a millionth (got %.12g)", d);
	*out = (int64_t)r;
	return 0;
}

/* A non-empty string the law keeps (an owned copy, replacing *out). */
static int str(const ld *l, json_t *o, const char *p, const char *key, bool required, char **out)
{
	const char *s = NULL;
	if (jr_string(l, o, p, key, (required ? JR_REQ : JR_OPT) | JR_NONEMPTY | JR_MULTILINE, 4000, &s))
		return -1;
	if (!s)
		return 0;
	free(*out);
	*out = strdup(s);
	if (!*out) {
		char q[PATH_MAX_LEN];
		jr_path(q, p, key);
		return jr_fail(l, AT_E_INTERNAL, q, "could not be copied: out of memory");
	}
	return 0;
}

/* A "basis" citation: required next to every rule. */
static int basis(const ld *l, json_t *o, const char *p, char **out)
{
	return str(l, o, p, "basis", true, out);
}

/* ---- tables ---------------------------------------------------------------- */

/* Rows whose "to" bounds ascend strictly and end open (null). */
static int check_ascending(const ld *l, const char *p, const char *key, const int64_t *to, size_t n,
			   bool must_end_open)
{
	char q[PATH_MAX_LEN];
	for (size_t i = 1; i < n; i++)
		if (to[i] <= to[i - 1]) {
			joini(q, p, key, i);
			return jr_fail(l, AT_E_INVALID, q, "rows must be sorted by \"to\" ascending");
		}
	if (must_end_open && to[n - 1] != LAW_OPEN) {
		joini(q, p, key, n - 1);
		return jr_fail(l, AT_E_INVALID, q, "the last row must have \"to\": null (no upper bound)");
	}
	for (size_t i = 0; i + 1 < n; i++)
		if (to[i] == LAW_OPEN) {
			joini(q, p, key, i);
			return jr_fail(l, AT_E_INVALID, q, "only the last row may be open (\"to\": null)");
		}
	return 0;
}

static int step_table(const ld *l, json_t *o, const char *p, const char *key, const char *amount_key,
		      bool must_end_open, law_step *rows, size_t *n)
{
	json_t *a = NULL;
	char ap[PATH_MAX_LEN];
	if (jr_array(l, o, p, key, JR_REQ, 1, LAW_MAX_BANDS, &a, n, ap))
		return -1;
	int64_t to[LAW_MAX_BANDS];
	const char *allowed[] = {"to", amount_key, "basis", "note", NULL};
	for (size_t i = 0; i < *n; i++) {
		char q[PATH_MAX_LEN];
		json_t *r = NULL;
		if (jr_elem_object(l, a, ap, i, &r, q))
			return -1;
		if (jr_known(l, r, q, allowed) || bound(l, r, q, "to", &rows[i].to) ||
		    amt(l, r, q, amount_key, 0, &rows[i].amount))
			return -1;
		to[i] = rows[i].to;
	}
	return check_ascending(l, p, key, to, *n, must_end_open);
}

static int rate_table(const ld *l, json_t *o, const char *p, const char *key, law_rate_band *rows,
		      size_t *n)
{
	json_t *a = NULL;
	char ap[PATH_MAX_LEN];
	if (jr_array(l, o, p, key, JR_REQ, 1, LAW_MAX_BANDS, &a, n, ap))
		return -1;
	int64_t to[LAW_MAX_BANDS];
	static const char *const allowed[] = {"to", "rate", "add", "basis", "note", NULL};
	for (size_t i = 0; i < *n; i++) {
		char q[PATH_MAX_LEN];
		json_t *r = NULL;
		if (jr_elem_object(l, a, ap, i, &r, q))
			return -1;
		if (jr_known(l, r, q, allowed) || bound(l, r, q, "to", &rows[i].to) ||
		    rate(l, r, q, "rate", &rows[i].rate) || amt(l, r, q, "add", 0, &rows[i].add))
			return -1;
		to[i] = rows[i].to;
	}
	return check_ascending(l, p, key, to, *n, true);
}

/* Three amounts, one per taxpayer income band. */
static int three(const ld *l, json_t *o, const char *p, const char *key, int64_t out[3])
{
	json_t *a = NULL;
	char ap[PATH_MAX_LEN];
	size_t n = 0;
	if (jr_array(l, o, p, key, JR_REQ, 3, 3, &a, &n, ap))
		return -1;
	for (size_t i = 0; i < 3; i++)
		if (jr_elem_int(l, a, ap, i, 0, LAW_YEN_MAX, &out[i]))
			return -1;
	return 0;
}

static int step3_table(const ld *l, json_t *o, const char *p, const char *key, size_t max,
		       law_step3 *rows, size_t *n)
{
	json_t *a = NULL;
	char ap[PATH_MAX_LEN];
	if (jr_array(l, o, p, key, JR_REQ, 1, max, &a, n, ap))
		return -1;
	int64_t to[LAW_MAX_BANDS];
	static const char *const allowed[] = {"to", "amounts", "basis", "note", NULL};
	for (size_t i = 0; i < *n; i++) {
		char q[PATH_MAX_LEN];
		json_t *r = NULL;
		if (jr_elem_object(l, a, ap, i, &r, q))
			return -1;
		if (jr_known(l, r, q, allowed) || bound(l, r, q, "to", &rows[i].to) ||
		    three(l, r, q, "amounts", rows[i].amount))
			return -1;
		to[i] = rows[i].to;
	}
	return check_ascending(l, p, key, to, *n, false);
}

/* ---- one fiscal year -------------------------------------------------------- */

static int load_salary(const ld *l, law_year *y, json_t *s, const char *p)
{
	static const char *const allowed[] = {"basis", "note", "bands", NULL};
	json_t *a = NULL;
	char ap[PATH_MAX_LEN];
	if (jr_known(l, s, p, allowed) || basis(l, s, p, &y->basis[LB_SALARY]) ||
	    jr_array(l, s, p, "bands", JR_REQ, 1, LAW_MAX_BANDS, &a, &y->n_salary, ap))
		return -1;
	static const char *const band_keys[] = {"from", "to", "step", "rate", "add", "basis", "note", NULL};
	for (size_t i = 0; i < y->n_salary; i++) {
		char q[PATH_MAX_LEN];
		json_t *r = NULL;
		law_salary_band *b = &y->salary[i];
		if (jr_elem_object(l, a, ap, i, &r, q))
			return -1;
		if (jr_known(l, r, q, band_keys) || amt(l, r, q, "from", 0, &b->from) ||
		    bound(l, r, q, "to", &b->to) || amt(l, r, q, "step", 1, &b->step) ||
		    rate(l, r, q, "rate", &b->rate) || amt(l, r, q, "add", INT64_MIN / 4, &b->add))
			return -1;
		/* The bands tile [0, open) without gaps: 別表第五 covers every revenue. */
		int64_t expect = i ? y->salary[i - 1].to : 0;
		if (b->from != expect)
			return jr_fail(l, AT_E_INVALID, q,
				     "\"from\" must be %lld (the previous band's \"to\"): bands must be "
				     "sorted and contiguous", (long long)expect);
		if (b->to <= b->from)
			return jr_fail(l, AT_E_INVALID, q, "\"to\" must be above \"from\"");
		if (b->to != LAW_OPEN && (b->to - b->from) % b->step)
			return jr_fail(l, AT_E_INVALID, q, "the band's width must be a multiple of \"step\"");
	}
	if (y->salary[y->n_salary - 1].to != LAW_OPEN) {
		char q[PATH_MAX_LEN];
		joini(q, p, "bands", y->n_salary - 1);
		return jr_fail(l, AT_E_INVALID, q, "the last band must have \"to\": null");
	}
	return 0;
}

static int load_pension(const ld *l, law_year *y, json_t *s, const char *p)
{
	static const char *const allowed[] = {"basis", "note", "age_threshold", "under_age",
					      "at_or_over_age", "other_income_reduction", NULL};
	if (jr_known(l, s, p, allowed) || basis(l, s, p, &y->basis[LB_PENSION]) ||
	    age(l, s, p, "age_threshold", &y->pension_age) ||
	    rate_table(l, s, p, "under_age", y->pension_young, &y->n_pension_young) ||
	    rate_table(l, s, p, "at_or_over_age", y->pension_old, &y->n_pension_old) ||
	    step_table(l, s, p, "other_income_reduction", "reduce", true, y->pension_reduce,
		       &y->n_pension_reduce))
		return -1;
	return 0;
}

static int load_income_adjustment(const ld *l, law_year *y, json_t *s, const char *p)
{
	static const char *const allowed[] = {"basis", "note", "salary_threshold", "salary_cap", "rate",
					      "dependant_age_below", "combined_each_cap",
					      "combined_offset", NULL};
	if (jr_known(l, s, p, allowed) || basis(l, s, p, &y->basis[LB_ADJ_INCOME]) ||
	    amt(l, s, p, "salary_threshold", 0, &y->adj_salary_threshold) ||
	    amt(l, s, p, "salary_cap", 0, &y->adj_salary_cap) || rate(l, s, p, "rate", &y->adj_rate) ||
	    age(l, s, p, "dependant_age_below", &y->adj_dependant_age_below) ||
	    amt(l, s, p, "combined_each_cap", 0, &y->adj_combined_each_cap) ||
	    amt(l, s, p, "combined_offset", 0, &y->adj_combined_offset))
		return -1;
	if (y->adj_salary_cap < y->adj_salary_threshold) {
		char q[PATH_MAX_LEN];
		jr_path(q, p, "salary_cap");
		return jr_fail(l, AT_E_INVALID, q, "must not be below salary_threshold");
	}
	return 0;
}

static const char *const BASIS_NOTE[] = {"basis", "note", NULL};

/* A section that only cites its rule: {"basis": ..., "note": ...}. */
static int cite(const ld *l, json_t *d, const char *p, const char *key, char **out)
{
	char q[PATH_MAX_LEN];
	json_t *s = NULL;
	if (obj(l, d, p, key, &s, q) || jr_known(l, s, q, BASIS_NOTE) || basis(l, s, q, out))
		return -1;
	return 0;
}

static int load_dependants(const ld *l, law_year *y, json_t *s, const char *p)
{
	static const char *const allowed[] = {"basis", "note", "classes", NULL};
	json_t *a = NULL;
	char ap[PATH_MAX_LEN];
	if (jr_known(l, s, p, allowed) || basis(l, s, p, &y->basis[LB_DEPENDANTS]) ||
	    jr_array(l, s, p, "classes", JR_REQ, 1, 8, &a, &y->n_dep_class, ap))
		return -1;
	static const char *const ck[] = {"age_from", "age_to", "kind", "amount", "cohabiting_parent",
					 "basis", "note", NULL};
	for (size_t i = 0; i < y->n_dep_class; i++) {
		char q[PATH_MAX_LEN];
		json_t *r = NULL;
		law_dep_class *c = &y->dep_class[i];
		/* in the order of LAW_DEP_* */
		static const char *const kinds[] = {"young", "general", "specified", "elderly", NULL};
		if (jr_elem_object(l, a, ap, i, &r, q))
			return -1;
		if (jr_known(l, r, q, ck) || age(l, r, q, "age_from", &c->age_from) ||
		    age(l, r, q, "age_to", &c->age_to) || amt(l, r, q, "amount", 0, &c->amount) ||
		    amt(l, r, q, "cohabiting_parent", 0, &c->cohabiting_parent) ||
		    jr_choice(l, r, q, "kind", JR_REQ, kinds, &c->kind))
			return -1;
		int expect = i ? y->dep_class[i - 1].age_to + 1 : 0;
		if (c->age_from != expect || c->age_to < c->age_from)
			return jr_fail(l, AT_E_INVALID, q,
				     "age classes must be sorted and contiguous from age 0 (expected "
				     "age_from %d)", expect);
	}
	if (y->dep_class[y->n_dep_class - 1].age_to != 999) {
		char q[PATH_MAX_LEN];
		joini(q, p, "classes", y->n_dep_class - 1);
		return jr_fail(l, AT_E_INVALID, q, "the last class must end at age_to 999");
	}
	return 0;
}

static int load_deductions(const ld *l, law_year *y, json_t *d, const char *p)
{
	static const char *const allowed[] = {"note", "relative_income_limit", "basic", "spouse",
					      "spouse_special", "dependants",
					      "specified_relative_special", "disability", "widow",
					      "single_parent", "working_student", "social_insurance",
					      "small_business_mutual_aid", "life_insurance",
					      "earthquake_insurance", "medical_expenses", NULL};
	char q[PATH_MAX_LEN];
	json_t *s = NULL;
	if (jr_known(l, d, p, allowed) ||
	    amt(l, d, p, "relative_income_limit", 0, &y->relative_income_limit))
		return -1;

	static const char *const basic_k[] = {"basis", "note", "bands", NULL};
	if (obj(l, d, p, "basic", &s, q) || jr_known(l, s, q, basic_k) ||
	    basis(l, s, q, &y->basis[LB_BASIC]) ||
	    step_table(l, s, q, "bands", "amount", true, y->basic, &y->n_basic))
		return -1;

	static const char *const spouse_k[] = {"basis", "note", "elderly_age", "bands", NULL};
	if (obj(l, d, p, "spouse", &s, q) || jr_known(l, s, q, spouse_k) ||
	    basis(l, s, q, &y->basis[LB_SPOUSE]) || age(l, s, q, "elderly_age", &y->spouse_elderly_age) ||
	    step3_table(l, s, q, "bands", 3, y->spouse_taxpayer, &y->n_spouse_taxpayer))
		return -1;
	if (y->n_spouse_taxpayer != 3)
		return jr_fail(l, AT_E_INVALID, q, "bands must have 3 taxpayer income bands");

	static const char *const ss_k[] = {"basis", "note", "taxpayer_income_to", "bands", NULL};
	if (obj(l, d, p, "spouse_special", &s, q) || jr_known(l, s, q, ss_k) ||
	    basis(l, s, q, &y->basis[LB_SPOUSE_SPECIAL]) ||
	    three(l, s, q, "taxpayer_income_to", y->spouse_special_taxpayer_to) ||
	    step3_table(l, s, q, "bands", LAW_MAX_BANDS, y->spouse_special, &y->n_spouse_special))
		return -1;

	if (obj(l, d, p, "dependants", &s, q) || load_dependants(l, y, s, q))
		return -1;

	static const char *const sr_k[] = {"basis", "note", "age_from", "age_to", "bands", NULL};
	s = NULL;
	if (jr_object(l, d, p, "specified_relative_special", JR_OPT, &s, q))
		return -1;
	y->has_specified_relative = s != NULL;
	if (s && (jr_known(l, s, q, sr_k) || basis(l, s, q, &y->basis[LB_SPECIFIED_RELATIVE]) ||
		  age(l, s, q, "age_from", &y->specified_relative_age_from) ||
		  age(l, s, q, "age_to", &y->specified_relative_age_to) ||
		  step_table(l, s, q, "bands", "amount", false, y->specified_relative,
			     &y->n_specified_relative)))
		return -1;

	static const char *const dis_k[] = {"basis", "note", "general", "special",
					    "cohabiting_special", NULL};
	if (obj(l, d, p, "disability", &s, q) || jr_known(l, s, q, dis_k) ||
	    basis(l, s, q, &y->basis[LB_DISABILITY]) || amt(l, s, q, "general", 0, &y->dis_general) ||
	    amt(l, s, q, "special", 0, &y->dis_special) ||
	    amt(l, s, q, "cohabiting_special", 0, &y->dis_cohabiting_special))
		return -1;

	static const char *const w_k[] = {"basis", "note", "amount", "income_limit", NULL};
	if (obj(l, d, p, "widow", &s, q) || jr_known(l, s, q, w_k) || basis(l, s, q, &y->basis[LB_WIDOW]) ||
	    amt(l, s, q, "amount", 0, &y->widow_amount) ||
	    amt(l, s, q, "income_limit", 0, &y->widow_income_limit))
		return -1;
	if (obj(l, d, p, "single_parent", &s, q) || jr_known(l, s, q, w_k) ||
	    basis(l, s, q, &y->basis[LB_SINGLE_PARENT]) ||
	    amt(l, s, q, "amount", 0, &y->single_parent_amount) ||
	    amt(l, s, q, "income_limit", 0, &y->single_parent_income_limit))
		return -1;
	static const char *const st_k[] = {"basis", "note", "amount", "income_limit",
					   "non_work_income_limit", NULL};
	if (obj(l, d, p, "working_student", &s, q) || jr_known(l, s, q, st_k) ||
	    basis(l, s, q, &y->basis[LB_WORKING_STUDENT]) ||
	    amt(l, s, q, "amount", 0, &y->student_amount) ||
	    amt(l, s, q, "income_limit", 0, &y->student_income_limit) ||
	    amt(l, s, q, "non_work_income_limit", 0, &y->student_non_work_limit))
		return -1;
	if (cite(l, d, p, "social_insurance", &y->basis[LB_SOCIAL_INSURANCE]) ||
	    cite(l, d, p, "small_business_mutual_aid", &y->basis[LB_SMALL_BUSINESS]))
		return -1;

	static const char *const li_k[] = {"basis", "note", "new_contract", "old_contract",
					   "mixed_class_cap", "total_cap", NULL};
	if (obj(l, d, p, "life_insurance", &s, q) || jr_known(l, s, q, li_k) ||
	    basis(l, s, q, &y->basis[LB_LIFE]) ||
	    rate_table(l, s, q, "new_contract", y->life_new, &y->n_life_new) ||
	    rate_table(l, s, q, "old_contract", y->life_old, &y->n_life_old) ||
	    amt(l, s, q, "mixed_class_cap", 0, &y->life_mixed_cap) ||
	    amt(l, s, q, "total_cap", 0, &y->life_total_cap))
		return -1;
	static const char *const eq_k[] = {"basis", "note", "rate", "cap", NULL};
	if (obj(l, d, p, "earthquake_insurance", &s, q) || jr_known(l, s, q, eq_k) ||
	    basis(l, s, q, &y->basis[LB_EARTHQUAKE]) || rate(l, s, q, "rate", &y->quake_rate) ||
	    amt(l, s, q, "cap", 0, &y->quake_cap))
		return -1;
	static const char *const me_k[] = {"basis", "note", "floor", "income_rate", "cap", NULL};
	if (obj(l, d, p, "medical_expenses", &s, q) || jr_known(l, s, q, me_k) ||
	    basis(l, s, q, &y->basis[LB_MEDICAL]) || amt(l, s, q, "floor", 0, &y->medical_floor) ||
	    rate(l, s, q, "income_rate", &y->medical_rate) || amt(l, s, q, "cap", 0, &y->medical_cap))
		return -1;
	return 0;
}

static int load_non_taxable(const ld *l, law_year *y, json_t *d, const char *p)
{
	static const char *const allowed[] = {"note", "public_assistance", "limited_persons",
					      "per_capita", "income_levy", NULL};
	char q[PATH_MAX_LEN];
	json_t *s = NULL;
	if (jr_known(l, d, p, allowed) || cite(l, d, p, "public_assistance", &y->basis[LB_NT_ASSIST]))
		return -1;
	static const char *const lp_k[] = {"basis", "note", "income_limit", "minor_age", NULL};
	if (obj(l, d, p, "limited_persons", &s, q) || jr_known(l, s, q, lp_k) ||
	    basis(l, s, q, &y->basis[LB_NT_LIMITED]) ||
	    amt(l, s, q, "income_limit", 0, &y->limited_income_limit) ||
	    age(l, s, q, "minor_age", &y->minor_age))
		return -1;
	static const char *const pc_k[] = {"basis", "note", "grades", NULL};
	static const char *const lim_k[] = {"per_person", "base", "dependants_add", "basis", "note", NULL};
	json_t *g = NULL;
	if (obj(l, d, p, "per_capita", &s, q) || jr_known(l, s, q, pc_k) ||
	    basis(l, s, q, &y->basis[LB_NT_PER_CAPITA]))
		return -1;
	char qg[PATH_MAX_LEN];
	if (obj(l, s, q, "grades", &g, qg))
		return -1;
	static const char *const grade_keys[] = {"1", "2", "3", NULL};
	if (jr_known(l, g, qg, grade_keys))
		return -1;
	for (int i = 0; i < 3; i++) {
		char qi[PATH_MAX_LEN];
		json_t *r = NULL;
		if (obj(l, g, qg, grade_keys[i], &r, qi) || jr_known(l, r, qi, lim_k) ||
		    amt(l, r, qi, "per_person", 0, &y->pc_per_person[i]) ||
		    amt(l, r, qi, "base", 0, &y->pc_base[i]) ||
		    amt(l, r, qi, "dependants_add", 0, &y->pc_add[i]))
			return -1;
	}
	static const char *const il_k[] = {"per_person", "base", "dependants_add", "basis", "note", NULL};
	if (obj(l, d, p, "income_levy", &s, q) || jr_known(l, s, q, il_k) ||
	    basis(l, s, q, &y->basis[LB_NT_INCOME]) ||
	    amt(l, s, q, "per_person", 0, &y->il_per_person) || amt(l, s, q, "base", 0, &y->il_base) ||
	    amt(l, s, q, "dependants_add", 0, &y->il_add))
		return -1;
	return 0;
}

static int load_adjustment_credit(const ld *l, law_year *y, json_t *s, const char *p)
{
	static const char *const allowed[] = {"basis", "note", "threshold", "minimum_base",
					      "income_limit", "differences", NULL};
	char q[PATH_MAX_LEN];
	json_t *d = NULL;
	if (jr_known(l, s, p, allowed) || basis(l, s, p, &y->basis[LB_ADJ_CREDIT]) ||
	    amt(l, s, p, "threshold", 0, &y->ac_threshold) ||
	    amt(l, s, p, "minimum_base", 0, &y->ac_min_base) ||
	    amt(l, s, p, "income_limit", 0, &y->ac_income_limit) || obj(l, s, p, "differences", &d, q))
		return -1;
	static const char *const dk[] = {"basis", "note", "basic", "spouse_general", "spouse_elderly",
					 "spouse_special", "dependant_general", "dependant_specified",
					 "dependant_elderly", "dependant_cohabiting_parent",
					 "disability_general", "disability_special",
					 "disability_cohabiting_special", "widow",
					 "single_parent_mother", "single_parent_father",
					 "working_student", NULL};
	if (jr_known(l, d, q, dk) || amt(l, d, q, "basic", 0, &y->d_basic) ||
	    three(l, d, q, "spouse_general", y->d_spouse_general) ||
	    three(l, d, q, "spouse_elderly", y->d_spouse_elderly) ||
	    step3_table(l, d, q, "spouse_special", 4, y->d_spouse_special, &y->n_d_spouse_special) ||
	    amt(l, d, q, "dependant_general", 0, &y->d_dep_general) ||
	    amt(l, d, q, "dependant_specified", 0, &y->d_dep_specified) ||
	    amt(l, d, q, "dependant_elderly", 0, &y->d_dep_elderly) ||
	    amt(l, d, q, "dependant_cohabiting_parent", 0, &y->d_dep_cohabiting_parent) ||
	    amt(l, d, q, "disability_general", 0, &y->d_dis_general) ||
	    amt(l, d, q, "disability_special", 0, &y->d_dis_special) ||
	    amt(l, d, q, "disability_cohabiting_special", 0, &y->d_dis_cohabiting_special) ||
	    amt(l, d, q, "widow", 0, &y->d_widow) ||
	    amt(l, d, q, "single_parent_mother", 0, &y->d_single_mother) ||
	    amt(l, d, q, "single_parent_father", 0, &y->d_single_father) ||
	    amt(l, d, q, "working_student", 0, &y->d_student))
		return -1;
	return 0;
}

static int load_donation(const ld *l, law_year *y, json_t *s, const char *p)
{
	static const char *const allowed[] = {"basis", "note", "income_cap_rate", "floor",
					      "special_cap_rate", "special_rates", NULL};
	json_t *a = NULL;
	char ap[PATH_MAX_LEN];
	if (jr_known(l, s, p, allowed) || basis(l, s, p, &y->basis[LB_DONATION]) ||
	    rate(l, s, p, "income_cap_rate", &y->don_income_cap_rate) ||
	    amt(l, s, p, "floor", 0, &y->don_floor) ||
	    rate(l, s, p, "special_cap_rate", &y->don_special_cap_rate) ||
	    jr_array(l, s, p, "special_rates", JR_REQ, 1, LAW_MAX_BANDS, &a, &y->n_don_special, ap))
		return -1;
	static const char *const rk[] = {"to", "special_rate", "income_tax_rate", "basis", "note", NULL};
	int64_t to[LAW_MAX_BANDS];
	for (size_t i = 0; i < y->n_don_special; i++) {
		char q[PATH_MAX_LEN];
		json_t *r = NULL;
		law_special_band *b = &y->don_special[i];
		if (jr_elem_object(l, a, ap, i, &r, q))
			return -1;
		if (jr_known(l, r, q, rk) || bound(l, r, q, "to", &b->to) ||
		    rate(l, r, q, "special_rate", &b->special_rate) ||
		    rate(l, r, q, "income_tax_rate", &b->income_tax_rate))
			return -1;
		if (b->special_rate == 0) {
			char qs[PATH_MAX_LEN];
			jr_path(qs, q, "special_rate");
			return jr_fail(l, AT_E_INVALID, qs, "must be above 0");
		}
		to[i] = b->to;
	}
	return check_ascending(l, p, "special_rates", to, y->n_don_special, true);
}

static int load_kinds(const ld *l, law_year *y, json_t *s, const char *p)
{
	static const char *const names[] = {"ordinary", "designated", "special_ward", NULL};
	static const char *const allowed[] = {"ordinary", "designated", "special_ward", "basis", "note",
					      NULL};
	if (jr_known(l, s, p, allowed) || basis(l, s, p, &y->basis[LB_KINDS]))
		return -1;
	static const char *const kk[] = {"adjustment_rate", "dividend_full", "dividend_half",
					 "donation_basic", "share", "fixed_cut_share",
					 "income_levy_share", "basis", "note", NULL};
	static const char *const mp[] = {"municipal", "prefectural", NULL};
	static const char *const fields[] = {"adjustment_rate", "dividend_full", "dividend_half",
					     "donation_basic", "share", "fixed_cut_share",
					     "income_levy_share"};
	for (int k = 0; k < LAW_KIND_COUNT; k++) {
		char q[PATH_MAX_LEN];
		json_t *o = NULL;
		if (obj(l, s, p, names[k], &o, q) || jr_known(l, o, q, kk))
			return -1;
		law_kind *K = &y->kinds[k];
		int64_t *dst[] = {K->adjustment_rate, K->dividend_full, K->dividend_half,
				  K->donation_basic, K->share, K->fixed_cut_share,
				  K->income_levy_share};
		for (size_t f = 0; f < sizeof fields / sizeof *fields; f++) {
			char qf[PATH_MAX_LEN];
			json_t *pair = NULL;
			if (obj(l, o, q, fields[f], &pair, qf) || jr_known(l, pair, qf, mp) ||
			    rate(l, pair, qf, "municipal", &dst[f][LAW_M]) ||
			    rate(l, pair, qf, "prefectural", &dst[f][LAW_P]))
				return -1;
		}
		/* Shares split one amount between the two levies: they must add up to 1. */
		if (K->share[0] + K->share[1] != LAW_PPM ||
		    K->fixed_cut_share[0] + K->fixed_cut_share[1] != LAW_PPM ||
		    K->income_levy_share[0] + K->income_levy_share[1] != LAW_PPM)
			return jr_fail(l, AT_E_INVALID, q,
				     "share, fixed_cut_share and income_levy_share must each add up to 1");
		K->present = true;
	}
	return 0;
}

static int load_year(const ld *l, json_t *root, law_year *y)
{
	static const char *const allowed[] = {"fiscal_year", "income_year", "name", "note", "basis",
					      "salary_income", "public_pension", "income_adjustment",
					      "income_totals", "deductions", "non_taxable", "rounding",
					      "collection", "adjustment_credit", "dividend_credit",
					      "housing_loan_credit", "donation_credit", "fixed_cut",
					      "forest_environment_tax", "municipality_kinds", NULL};
	char q[PATH_MAX_LEN];
	json_t *s = NULL;
	int64_t fy = 0, iy = 0;
	char *top_basis = NULL;
	if (jr_known(l, root, "", allowed) || amt(l, root, "", "fiscal_year", 2000, &fy) ||
	    amt(l, root, "", "income_year", 1999, &iy) || str(l, root, "", "name", true, &y->name) ||
	    str(l, root, "", "note", false, &y->note) || basis(l, root, "", &top_basis))
		return -1;
	free(top_basis);
	if (fy > 2999 || iy != fy - 1)
		return jr_fail(l, AT_E_INVALID, "income_year",
			     "must be fiscal_year - 1 (the resident tax taxes the previous year's income)");
	y->fiscal_year = (int)fy;
	y->income_year = (int)iy;

	if (obj(l, root, "", "salary_income", &s, q) || load_salary(l, y, s, q) ||
	    obj(l, root, "", "public_pension", &s, q) || load_pension(l, y, s, q) ||
	    obj(l, root, "", "income_adjustment", &s, q) || load_income_adjustment(l, y, s, q) ||
	    cite(l, root, "", "income_totals", &y->basis[LB_INCOME_TOTALS]) ||
	    obj(l, root, "", "deductions", &s, q) || load_deductions(l, y, s, q) ||
	    obj(l, root, "", "non_taxable", &s, q) || load_non_taxable(l, y, s, q))
		return -1;

	static const char *const rk[] = {"basis", "note", "taxable_income_unit", "levy_unit", NULL};
	if (obj(l, root, "", "rounding", &s, q) || jr_known(l, s, q, rk) ||
	    basis(l, s, q, &y->basis[LB_ROUNDING]) ||
	    amt(l, s, q, "taxable_income_unit", 1, &y->taxable_unit) ||
	    amt(l, s, q, "levy_unit", 1, &y->levy_unit))
		return -1;
	static const char *const ck[] = {"basis", "note", "pension_special_min_age",
					 "pension_special_min_revenue", "correction_period_years",
					 NULL};
	if (obj(l, root, "", "collection", &s, q) || jr_known(l, s, q, ck) ||
	    basis(l, s, q, &y->basis[LB_COLLECTION]) ||
	    amt(l, s, q, "pension_special_min_age", 1, &y->pension_special_age) ||
	    amt(l, s, q, "pension_special_min_revenue", 0, &y->pension_special_min_revenue) ||
	    amt(l, s, q, "correction_period_years", 1, &y->correction_years))
		return -1;
	if (obj(l, root, "", "adjustment_credit", &s, q) || load_adjustment_credit(l, y, s, q))
		return -1;
	static const char *const dk[] = {"basis", "note", "threshold", NULL};
	if (obj(l, root, "", "dividend_credit", &s, q) || jr_known(l, s, q, dk) ||
	    basis(l, s, q, &y->basis[LB_DIVIDEND]) ||
	    amt(l, s, q, "threshold", 0, &y->dividend_threshold))
		return -1;
	static const char *const hk[] = {"basis", "note", "rate", "cap", NULL};
	if (obj(l, root, "", "housing_loan_credit", &s, q) || jr_known(l, s, q, hk) ||
	    basis(l, s, q, &y->basis[LB_HOUSING]) || rate(l, s, q, "rate", &y->housing_rate) ||
	    amt(l, s, q, "cap", 0, &y->housing_cap))
		return -1;
	if (obj(l, root, "", "donation_credit", &s, q) || load_donation(l, y, s, q))
		return -1;

	/* The fixed-amount cut exists only in the years that have it: null elsewhere. */
	static const char *const fk[] = {"basis", "note", "per_person", "income_limit", "count_self",
					 "count_deductible_spouse", "count_other_same_livelihood_spouse",
					 "count_dependants", NULL};
	if (jr_value(l, root, "", "fixed_cut", JR_REQ, &s))
		return -1;
	jr_path(q, "", "fixed_cut");
	if (!json_is_null(s)) {
		if (!json_is_object(s))
			return jr_fail(l, AT_E_INVALID, q, "must be an object or null");
		if (jr_known(l, s, q, fk) || basis(l, s, q, &y->basis[LB_FIXED_CUT]) ||
		    amt(l, s, q, "per_person", 0, &y->fc_per_person) ||
		    amt(l, s, q, "income_limit", 0, &y->fc_income_limit) ||
		    jr_bool(l, s, q, "count_self", JR_REQ, &y->fc_self) ||
		    jr_bool(l, s, q, "count_deductible_spouse", JR_REQ, &y->fc_deductible_spouse) ||
		    jr_bool(l, s, q, "count_other_same_livelihood_spouse", JR_REQ, &y->fc_other_spouse) ||
		    jr_bool(l, s, q, "count_dependants", JR_REQ, &y->fc_dependants))
			return -1;
		y->has_fixed_cut = true;
	}
	static const char *const ek[] = {"basis", "note", "amount", NULL};
	if (obj(l, root, "", "forest_environment_tax", &s, q) || jr_known(l, s, q, ek) ||
	    basis(l, s, q, &y->basis[LB_FOREST]) || amt(l, s, q, "amount", 0, &y->forest))
		return -1;
	if (obj(l, root, "", "municipality_kinds", &s, q) || load_kinds(l, y, s, q))
		return -1;
	return 0;
}

/* ---- one municipality ------------------------------------------------------- */

static int load_muni(const ld *l, json_t *root, law_muni *m, const char *expect_code)
{
	static const char *const allowed[] = {"code", "name", "prefecture", "kind", "grade", "note",
					      "basis", "income_levy_rates", "per_capita",
					      "installment", NULL};
	char q[PATH_MAX_LEN];
	json_t *s = NULL;
	char *code = NULL, *top = NULL;
	/* in the order of LAW_KIND_* */
	static const char *const kinds[] = {"ordinary", "designated", "special_ward", NULL};
	int rc = -1;
	if (jr_known(l, root, "", allowed) || str(l, root, "", "code", true, &code) ||
	    str(l, root, "", "name", true, &m->name) ||
	    str(l, root, "", "prefecture", true, &m->prefecture) ||
	    str(l, root, "", "note", false, &m->note) || jr_choice(l, root, "", "kind", JR_REQ, kinds, &m->kind) ||
	    basis(l, root, "", &top))
		goto out;
	if (strlen(code) != 6 || strspn(code, "0123456789") != 6) {
		jr_fail(l, AT_E_INVALID, "code", "must be a 6-digit municipality code");
		goto out;
	}
	if (expect_code && strcmp(code, expect_code)) {
		jr_fail(l, AT_E_INVALID, "code", "is %s but the file is named %s.json", code, expect_code);
		goto out;
	}
	memcpy(m->code, code, 7);
	m->code_num = atoi(code);
	static const char *const gk[] = {"class", "basis", "note", NULL};
	int64_t grade = 0;
	if (obj(l, root, "", "grade", &s, q) || jr_known(l, s, q, gk) ||
	    amt(l, s, q, "class", 1, &grade) || str(l, s, q, "basis", true, &m->basis_grade))
		goto out;
	if (grade > 3) {
		jr_fail(l, AT_E_INVALID, "grade.class", "must be 1, 2 or 3 (級地)");
		goto out;
	}
	m->grade = (int)grade;
	static const char *const rk[] = {"municipal", "prefectural", "basis", "note", NULL};
	if (obj(l, root, "", "income_levy_rates", &s, q) || jr_known(l, s, q, rk) ||
	    rate(l, s, q, "municipal", &m->rate[LAW_M]) ||
	    rate(l, s, q, "prefectural", &m->rate[LAW_P]) || str(l, s, q, "basis", true, &m->basis_rates))
		goto out;
	if (obj(l, root, "", "per_capita", &s, q) || jr_known(l, s, q, rk) ||
	    amt(l, s, q, "municipal", 0, &m->per_capita[LAW_M]) ||
	    amt(l, s, q, "prefectural", 0, &m->per_capita[LAW_P]) ||
	    str(l, s, q, "basis", true, &m->basis_per_capita))
		goto out;
	static const char *const ik[] = {"unit", "remainder_to", "basis", "note", NULL};
	char *rem = NULL;
	if (obj(l, root, "", "installment", &s, q) || jr_known(l, s, q, ik) ||
	    amt(l, s, q, "unit", 1, &m->installment_unit) || str(l, s, q, "remainder_to", true, &rem) ||
	    str(l, s, q, "basis", true, &m->basis_installment)) {
		free(rem);
		goto out;
	}
	bool first = !strcmp(rem, "first");
	free(rem);
	if (!first) {
		jr_fail(l, AT_E_INVALID, "installment.remainder_to",
		      "must be \"first\" (地方税法 20条の4の2第6項)");
		goto out;
	}
	if (m->installment_unit != 100 && m->installment_unit != 1000) {
		jr_fail(l, AT_E_INVALID, "installment.unit", "must be 100 or 1000");
		goto out;
	}
	rc = 0;
out:
	free(code);
	free(top);
	return rc;
}

/* ---- the whole law ---------------------------------------------------------- */

static void free_year(law_year *y)
{
	free(y->name);
	free(y->note);
	for (int i = 0; i < LB_COUNT; i++)
		free(y->basis[i]);
}

static void free_muni(law_muni *m)
{
	free(m->name);
	free(m->prefecture);
	free(m->note);
	free(m->basis_rates);
	free(m->basis_per_capita);
	free(m->basis_grade);
	free(m->basis_installment);
}

void tax_law_free(tax_law *law)
{
	if (!law)
		return;
	for (size_t i = 0; i < law->n_years; i++)
		free_year(&law->years[i]);
	for (size_t i = 0; i < law->n_munis; i++)
		free_muni(&law->munis[i]);
	free(law->years);
	free(law->munis);
	free(law);
}

/* Add one file ("law/fy2024.json" or "municipalities/131105.json"). */
static int add_file(tax_law *law, const char *name, const char *text, at_error *err)
{
	ld l = JR_DATA(err, name);
	bool is_law = !strncmp(name, "law/", 4);
	bool is_muni = !strncmp(name, "municipalities/", 15);
	if (!is_law && !is_muni)
		return at_fail(err, 500, AT_E_INVALID, "", "%s: not under law/ or municipalities/", name);
	json_t *root = jr_parse_object(&l, text, strlen(text));
	if (!root)
		return -1;
	int rc = -1;
	if (is_law) {
		if (law->n_years >= LAW_MAX_YEARS) {
			jr_fail(&l, AT_E_INVALID, "", "too many fiscal years (at most %d)", LAW_MAX_YEARS);
			goto out;
		}
		law_year *y = &law->years[law->n_years];
		memset(y, 0, sizeof *y);
		law->n_years++;   /* counted first so a failure frees what was read */
		if (load_year(&l, root, y))
			goto out;
		char want[32];
		snprintf(want, sizeof want, "law/fy%d.json", y->fiscal_year);
		if (strcmp(want, name)) {
			jr_fail(&l, AT_E_INVALID, "fiscal_year", "is %d but the file is not named %s",
			      y->fiscal_year, want + 4);
			goto out;
		}
		for (size_t i = 0; i + 1 < law->n_years; i++)
			if (law->years[i].fiscal_year == y->fiscal_year) {
				jr_fail(&l, AT_E_CONFLICT, "fiscal_year", "fiscal year %d is defined twice",
				      y->fiscal_year);
				goto out;
			}
	} else {
		if (law->n_munis >= LAW_MAX_MUNIS) {
			jr_fail(&l, AT_E_INVALID, "", "too many municipalities (at most %d)", LAW_MAX_MUNIS);
			goto out;
		}
		law_muni *m = &law->munis[law->n_munis];
		memset(m, 0, sizeof *m);
		law->n_munis++;
		char code[16] = "";
		const char *base = name + 15;
		const char *dot = strrchr(base, '.');
		if (dot && (size_t)(dot - base) < sizeof code)
			memcpy(code, base, (size_t)(dot - base));
		if (load_muni(&l, root, m, code))
			goto out;
		for (size_t i = 0; i + 1 < law->n_munis; i++)
			if (law->munis[i].code_num == m->code_num) {
				jr_fail(&l, AT_E_CONFLICT, "code", "municipality %s is defined twice", m->code);
				goto out;
			}
	}
	rc = 0;
out:
	json_decref(root);
	return rc;
}

static tax_law *law_new(at_error *err)
{
	tax_law *law = calloc(1, sizeof *law);
	if (law) {
		law->years = calloc(LAW_MAX_YEARS, sizeof *law->years);
		law->munis = calloc(LAW_MAX_MUNIS, sizeof *law->munis);
	}
	if (!law || !law->years || !law->munis) {
		tax_law_free(law);
		at_fail(err, 500, AT_E_INTERNAL, "", "out of memory loading the tax law");
		return NULL;
	}
	return law;
}

static int law_finish(tax_law *law, at_error *err)
{
	if (law->n_years == 0)
		return at_fail(err, 500, AT_E_MISSING, "law", "no fiscal year in the tax law data (law/fyYYYY.json)");
	if (law->n_munis == 0)
		return at_fail(err, 500, AT_E_MISSING, "municipalities",
			       "no municipality in the tax law data (municipalities/CODE.json)");
	return 0;
}

int tax_law_load_builtin(tax_law **out, at_error *err)
{
	*out = NULL;
	tax_law *law = law_new(err);
	if (!law)
		return -1;
	for (const struct decl_builtin *b = tax_data_builtins; b->name; b++)
		if (add_file(law, b->name, b->json, err)) {
			tax_law_free(law);
			return -1;
		}
	if (law_finish(law, err)) {
		tax_law_free(law);
		return -1;
	}
	*out = law;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every *.json in dir/sub, in name order, added as "sub/NAME.json". */
static int load_subdir(tax_law *law, const char *dir, const char *sub, at_error *err)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/%s", dir, sub);
	DIR *d = opendir(path);
	if (!d)
		return at_fail(err, 500, AT_E_NOT_FOUND, sub, "%s: cannot open the directory", path);
	char *names[128];
	size_t n = 0;
	struct dirent *e;
	int rc = 0;
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		if (len < 6 || strcmp(e->d_name + len - 5, ".json") || e->d_name[0] == '.')
			continue;
		if (n == sizeof names / sizeof *names) {
			rc = at_fail(err, 500, AT_E_INVALID, sub, "%s: too many files", path);
			break;
		}
		names[n] = strdup(e->d_name);
		if (!names[n]) {
			rc = at_fail(err, 500, AT_E_INTERNAL, sub, "out of memory");
			break;
		}
		n++;
	}
	closedir(d);
	qsort(names, n, sizeof *names, cmp_str);
	for (size_t i = 0; i < n && !rc; i++) {
		char file[1200], name[300];
		snprintf(file, sizeof file, "%s/%s", path, names[i]);
		snprintf(name, sizeof name, "%s/%s", sub, names[i]);
		FILE *f = fopen(file, "rb");
		if (!f) {
			rc = at_fail(err, 500, AT_E_NOT_FOUND, name, "%s: cannot open", file);
			break;
		}
		char *buf = malloc(JV_MAX_BODY + 1);
		size_t len = buf ? fread(buf, 1, JV_MAX_BODY + 1, f) : 0;
		fclose(f);
		if (!buf) {
			rc = at_fail(err, 500, AT_E_INTERNAL, name, "out of memory");
			break;
		}
		if (len > JV_MAX_BODY) {
			free(buf);
			rc = at_fail(err, 500, AT_E_TOO_LARGE, name, "%s: larger than 1 MiB", name);
			break;
		}
		buf[len] = '\0';
		rc = add_file(law, name, buf, err);
		free(buf);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	return rc;
}

int tax_law_load_dir(const char *dir, tax_law **out, at_error *err)
{
	*out = NULL;
	tax_law *law = law_new(err);
	if (!law)
		return -1;
	if (load_subdir(law, dir, "law", err) || load_subdir(law, dir, "municipalities", err) ||
	    law_finish(law, err)) {
		tax_law_free(law);
		return -1;
	}
	*out = law;
	return 0;
}

/* ---- lookups ---------------------------------------------------------------- */

const law_year *law_find_year(const tax_law *law, int fiscal_year)
{
	for (size_t i = 0; i < law->n_years; i++)
		if (law->years[i].fiscal_year == fiscal_year)
			return &law->years[i];
	return NULL;
}

const law_muni *law_find_muni(const tax_law *law, const char *code)
{
	if (!code)
		return NULL;
	int n = 0;
	for (int i = 0; i < 6; i++) {
		if (code[i] < '0' || code[i] > '9')
			return NULL;
		n = n * 10 + (code[i] - '0');
	}
	if (code[6])
		return NULL;
	for (size_t i = 0; i < law->n_munis; i++)
		if (law->munis[i].code_num == n)
			return &law->munis[i];
	return NULL;
}

const char *law_kind_name(int kind)
{
	return kind == LAW_KIND_DESIGNATED ? "designated"
	       : kind == LAW_KIND_SPECIAL_WARD ? "special_ward"
					       : "ordinary";
}

bool tax_law_has_year(const tax_law *law, int fiscal_year)
{
	return law && law_find_year(law, fiscal_year);
}

bool tax_law_has_municipality(const tax_law *law, const char *code)
{
	return law && law_find_muni(law, code);
}

const char *tax_law_municipality_name(const tax_law *law, const char *code)
{
	const law_muni *m = law ? law_find_muni(law, code) : NULL;
	return m ? m->name : NULL;
}

int tax_law_collection(const tax_law *law, int fiscal_year, tax_collection_law *out)
{
	const law_year *y = law ? law_find_year(law, fiscal_year) : NULL;
	if (!y)
		return -1;
	out->pension_special_min_age = (int)y->pension_special_age;
	out->pension_special_min_revenue = y->pension_special_min_revenue;
	out->correction_period_years = (int)y->correction_years;
	return 0;
}

int64_t tax_law_installment_unit(const tax_law *law, const char *code)
{
	const law_muni *m = law ? law_find_muni(law, code) : NULL;
	return m ? m->installment_unit : 0;
}

static double pct(int64_t ppm)
{
	return (double)ppm / LAW_PPM;
}

json_t *tax_law_describe(const tax_law *law)
{
	json_t *years = json_array(), *munis = json_array();
	for (size_t i = 0; i < law->n_years; i++) {
		const law_year *y = &law->years[i];
		json_array_append_new(
			years, json_pack("{s:i,s:i,s:s,s:s?,s:b,s:I,s:I}", "fiscal_year", y->fiscal_year,
					 "income_year", y->income_year, "name", y->name, "note", y->note,
					 "fixed_cut", y->has_fixed_cut, "forest_environment_tax",
					 (json_int_t)y->forest, "basic_deduction",
					 (json_int_t)y->basic[0].amount));
	}
	for (size_t i = 0; i < law->n_munis; i++) {
		const law_muni *m = &law->munis[i];
		json_array_append_new(
			munis,
			json_pack("{s:s,s:s,s:s,s:s,s:i,s:{s:f,s:f},s:{s:I,s:I},s:I,s:s?}", "code",
				  m->code, "name", m->name, "prefecture", m->prefecture, "kind",
				  law_kind_name(m->kind), "grade", m->grade, "income_levy_rates",
				  "municipal", pct(m->rate[LAW_M]), "prefectural", pct(m->rate[LAW_P]),
				  "per_capita", "municipal", (json_int_t)m->per_capita[LAW_M],
				  "prefectural", (json_int_t)m->per_capita[LAW_P], "installment_unit",
				  (json_int_t)m->installment_unit, "note", m->note));
	}
	return json_pack("{s:o,s:o}", "years", years, "municipalities", munis);
}
