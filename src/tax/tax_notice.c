/*
 * The individual resident tax's notices and certificate (see tax_notice.h
 * for the input shapes): what they contain and the legal checks they must
 * pass live here, with the module that computes them; documents/ only draws
 * the form this builds.
 *
 * Law encoded here:
 *   地方税法319条の2, 320条  普通徴収: the 納税通知書 states the tax, the 納期
 *                         and each installment (期別税額)
 *   地方税法321条の4        特別徴収: the municipality notifies the employer
 *                         (特別徴収義務者) of each employee's tax and monthly
 *                         amounts; the employer passes the taxpayer's copy on
 *   地方税法321条の5第2項   the employer pays in each month's deduction by the
 *                         10th of the next month (printed on its notice)
 *   地方税法321条の6        変更通知 after a correction
 *   地方税法20条の10        certificates of tax matters (課税証明) on request
 *   森林環境税及び森林環境譲与税に関する法律 (令和6年度〜)  the forest environment
 *                         tax is levied with the per-capita levy and printed
 *                         beside it
 * Every amount is checked for type and range, and the notice for adding up
 * (the tax's parts to the annual tax, the installments to the tax): a notice
 * that does not add up must never be sent.
 */
#include "tax/tax_notice.h"

#include <glib.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/date.h"
#include "core/mynumber.h"
#include "core/text.h"
#include "core/json.h"
#include "core/wareki.h"
#include "tax/tax.h"

#define MAX_SHORT FORM_MAX_SHORT
#define MAX_TEXT FORM_MAX_TEXT
#define MAX_LONG FORM_MAX_LONG
#define MAX_INST 16
#define MAX_EMPLOYEES 10000
#define AMOUNT_MAX 999999999999LL   /* 1 兆円 − 1: sums stay in int64 */

/* ---- Reading JSON strictly ------------------------------------------------
 * Thin forms of the core strict reader (core/json.h: one rule set, full field
 * paths) for an object at a path: these documents come from outside, 400. */

typedef struct rd {
	const json_t *o;
	char path[JR_PATH];   /* "" at top, "employees[12]" */
} rd;

static void fld(char *out, size_t n, const rd *x, const char *key)
{
	char f[JR_PATH];
	jr_path(f, x->path, key);
	snprintf(out, n, "%s", f);
}

static const json_t *get(const rd *x, const char *key)
{
	const json_t *v = json_object_get(x->o, key);
	return v && !json_is_null(v) ? v : NULL;
}

static int missing(const rd *x, const char *key, at_error *err)
{
	char f[JR_PATH];
	jr_path(f, x->path, key);
	jr r = JR_REQUEST(err);
	return jr_fail(&r, AT_E_MISSING, f, "is required");
}

/* The object under key as *out (path extended); *present false when absent. */
static int child(const rd *x, const char *key, bool required, rd *out, bool *present,
		 at_error *err)
{
	jr r = JR_REQUEST(err);
	json_t *v = NULL;
	*present = false;
	if (jr_object(&r, (json_t *)x->o, x->path, key, required ? JR_REQ : JR_OPT, &v, out->path))
		return -1;
	*present = v != NULL;
	out->o = v;
	return 0;
}

/* Text: *out NULL when absent or "". */
static int r_str(const rd *x, const char *key, bool required, size_t max, unsigned flags,
		 const char **out, at_error *err)
{
	jr r = JR_REQUEST(err);
	const char *s = NULL;
	*out = NULL;
	if (jr_string(&r, (json_t *)x->o, x->path, key,
		      (required ? JR_REQ : JR_OPT) | ((flags & TEXT_MULTILINE) ? JR_MULTILINE : 0), max,
		      &s))
		return -1;
	*out = s && *s ? s : NULL;
	return 0;
}

/* Element i of the array at path, an integer in min..max. */
static int elem_int(const json_t *a, const char *path, size_t i, int64_t min, int64_t max,
		    int64_t *out, at_error *err)
{
	jr r = JR_REQUEST(err);
	return jr_elem_int(&r, (json_t *)a, path, i, min, max, out);
}

static int r_int(const rd *x, const char *key, bool required, int64_t min, int64_t max,
		 bool *has, int64_t *out, at_error *err)
{
	jr r = JR_REQUEST(err);
	if (has)
		*has = get(x, key) != NULL;
	return jr_int(&r, (json_t *)x->o, x->path, key, required ? JR_REQ : JR_OPT, min, max, out);
}

static int r_bool(const rd *x, const char *key, bool *out, at_error *err)
{
	jr r = JR_REQUEST(err);
	return jr_bool(&r, (json_t *)x->o, x->path, key, JR_OPT, out);
}

static int r_date(const rd *x, const char *key, bool required, at_date *out, bool *has,
		  at_error *err)
{
	jr r = JR_REQUEST(err);
	*has = get(x, key) != NULL;
	return jr_date(&r, (json_t *)x->o, x->path, key, required ? JR_REQ : JR_OPT, out);
}

/* "YYYY-MM", 2000-01 .. 2199-12. */
static int r_month(const rd *x, const char *key, bool required, int *y, int *m, bool *has,
		   at_error *err)
{
	const char *s;
	char f[JR_PATH];
	*has = false;
	if (r_str(x, key, required, 7, 0, &s, err))
		return -1;
	if (!s)
		return required ? missing(x, key, err) : 0;
	jr_path(f, x->path, key);
	bool ok = strlen(s) == 7 && s[4] == '-';
	for (int i = 0; ok && i < 7; i++)
		ok = i == 4 || (s[i] >= '0' && s[i] <= '9');
	if (ok) {
		*y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
		*m = (s[5] - '0') * 10 + (s[6] - '0');
		ok = *y >= 2000 && *y <= 2199 && *m >= 1 && *m <= 12;
	}
	if (!ok) {
		jr r = JR_REQUEST(err);
		return jr_fail(&r, AT_E_INVALID, f, "must be a month \"YYYY-MM\" (was \"%s\")", s);
	}
	*has = true;
	return 0;
}

typedef struct item {
	const char *key, *label;
} item;

#define KNOWN_MAX 64   /* keys one object of these documents may have */

/* Every key of x is in allowed (NULL-terminated) or among items' keys
 * (jr_known over the two lists). */
static int known(const rd *x, const char *const *allowed, const item *items, size_t n_items,
		 at_error *err)
{
	const char *all[KNOWN_MAX + 1];
	size_t n = 0;
	for (const char *const *a = allowed; a && *a && n < KNOWN_MAX; a++)
		all[n++] = *a;
	for (size_t i = 0; i < n_items && n < KNOWN_MAX; i++)
		all[n++] = items[i].key;
	all[n] = NULL;
	jr r = JR_REQUEST(err);
	return jr_known(&r, (json_t *)x->o, x->path, all);
}

/* ---- Amount tables -------------------------------------------------------- */

static const item INCOME[] = {
	{"salary_revenue", "給与収入"},
	{"salary", "給与所得"},
	{"public_pension_revenue", "公的年金等収入"},
	{"public_pension", "公的年金等所得"},
	{"business", "事業所得"},
	{"agriculture", "農業所得"},
	{"real_estate", "不動産所得"},
	{"interest", "利子所得"},
	{"dividends", "配当所得"},
	{"misc_business", "雑所得（業務）"},
	{"misc_other", "雑所得（その他）"},
	{"capital_gains", "総合譲渡所得"},
	{"occasional", "一時所得"},
	{"separate", "分離課税所得"},
	{"total_income", "合計所得金額"},
	{"total_income_amount", "総所得金額等"},
};
#define N_INCOME (sizeof INCOME / sizeof INCOME[0])

static const item DEDUCTIONS[] = {
	{"social_insurance", "社会保険料控除"},
	{"small_business_mutual_aid", "小規模企業共済等掛金控除"},
	{"life_insurance", "生命保険料控除"},
	{"earthquake_insurance", "地震保険料控除"},
	{"medical", "医療費控除"},
	{"casualty", "雑損控除"},
	{"widow", "寡婦控除"},
	{"single_parent", "ひとり親控除"},
	{"working_student", "勤労学生控除"},
	{"disability", "障害者控除"},
	{"spouse", "配偶者控除"},
	{"spouse_special", "配偶者特別控除"},
	{"dependants", "扶養控除"},
	{"basic", "基礎控除"},
	{"total", "所得控除額合計"},
};
#define N_DEDUCTIONS (sizeof DEDUCTIONS / sizeof DEDUCTIONS[0])

static const item CREDITS[] = {
	{"adjustment", "調整控除"},
	{"dividend", "配当控除"},
	{"housing_loan", "住宅借入金等特別税額控除"},
	{"donation", "寄附金税額控除"},
	{"foreign", "外国税額控除"},
	{"dividend_transfer", "配当割額等控除"},
	{"fixed_amount_cut", "定額減税額"},
};
#define N_CREDITS (sizeof CREDITS / sizeof CREDITS[0])

#define MAX_ITEMS 16

typedef struct amounts {
	bool present;            /* the block was given */
	bool has[MAX_ITEMS];
	int64_t v[MAX_ITEMS];
} amounts;

static int read_amounts(const rd *x, const char *key, const item *items, size_t n, int64_t min,
			const char *const *required, amounts *a, at_error *err)
{
	rd y;
	memset(a, 0, sizeof *a);
	if (child(x, key, required != NULL, &y, &a->present, err))
		return -1;
	if (!a->present)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (r_int(&y, items[i].key, false, min, AMOUNT_MAX, &a->has[i], &a->v[i], err))
			return -1;
	for (const char *const *r = required; r && *r; r++)
		if (!get(&y, *r))
			return missing(&y, *r, err);
	return known(&y, NULL, items, n, err);
}

/* ---- The tax block ---------------------------------------------------------- */

typedef struct levy {
	bool has_computed, has_credits;
	int64_t computed, credits, income_levy, per_capita;
} levy;

typedef struct taxblk {
	int64_t taxable, annual, forest;
	bool has_forest;
	levy m, p;
	amounts credits;
} taxblk;

static int read_levy(const rd *x, const char *key, levy *l, at_error *err)
{
	rd y;
	bool present;
	static const char *const ok[] = {"computed", "credits", "income_levy", "per_capita", NULL};
	memset(l, 0, sizeof *l);
	if (child(x, key, true, &y, &present, err) ||
	    r_int(&y, "computed", false, 0, AMOUNT_MAX, &l->has_computed, &l->computed, err) ||
	    r_int(&y, "credits", false, 0, AMOUNT_MAX, &l->has_credits, &l->credits, err) ||
	    r_int(&y, "income_levy", true, 0, AMOUNT_MAX, NULL, &l->income_levy, err) ||
	    r_int(&y, "per_capita", true, 0, AMOUNT_MAX, NULL, &l->per_capita, err))
		return -1;
	return known(&y, ok, NULL, 0, err);
}

static int read_tax(const rd *x, taxblk *t, at_error *err)
{
	rd y;
	bool present;
	static const char *const ok[] = {"taxable_income", "municipal", "prefectural",
					 "forest_environment", "credit_details", "annual_tax", NULL};
	memset(t, 0, sizeof *t);
	if (child(x, "tax", true, &y, &present, err) ||
	    r_int(&y, "taxable_income", true, 0, AMOUNT_MAX, NULL, &t->taxable, err) ||
	    read_levy(&y, "municipal", &t->m, err) || read_levy(&y, "prefectural", &t->p, err) ||
	    r_int(&y, "forest_environment", false, 0, AMOUNT_MAX, &t->has_forest, &t->forest, err) ||
	    read_amounts(&y, "credit_details", CREDITS, N_CREDITS, 0, NULL, &t->credits, err) ||
	    r_int(&y, "annual_tax", true, 0, AMOUNT_MAX, NULL, &t->annual, err) ||
	    known(&y, ok, NULL, 0, err))
		return -1;
	int64_t sum = t->m.income_levy + t->m.per_capita + t->p.income_levy + t->p.per_capita +
		      t->forest;
	if (sum != t->annual)
		return at_fail(err, 400, AT_E_INVALID, "tax.annual_tax",
			       "tax.annual_tax (%lld) is not the sum of the income levies, the "
			       "per-capita levies and the forest environment tax (%lld)",
			       (long long)t->annual, (long long)sum);
	return 0;
}

/* ---- Markup pieces ------------------------------------------------------------ */

/* "1,234,567" of |v|, with "△" before a negative (the forms' minus). */
static void commas(int64_t v, char *out, size_t cap)
{
	char d[32], r[48];
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	snprintf(d, sizeof d, "%llu", (unsigned long long)u);
	size_t n = strlen(d), k = 0;
	for (size_t i = 0; i < n; i++) {
		if (i && (n - i) % 3 == 0)
			r[k++] = ',';
		r[k++] = d[i];
	}
	r[k] = '\0';
	snprintf(out, cap, "%s%s", v < 0 ? "△" : "", r);
}

static char *yen(int64_t v)
{
	char c[64];
	commas(v, c, sizeof c);
	return form_fmt("%s円", c);
}

/* A difference: "+12,000円", "△12,000円", "0円". */
static char *yen_diff(int64_t v)
{
	char c[64];
	commas(v, c, sizeof c);
	return form_fmt("%s%s円", v > 0 ? "+" : "", c);
}

static char *esc(const char *s)
{
	return s && *s ? form_esc(s) : NULL;
}

/* A column heading: gothic, as the labels are. */
static char *heading(const char *plain)
{
	char *e = form_esc(plain);
	char *m = form_fmt("<span font_family=\"IPAexGothic\" size=\"smaller\">%s</span>", e);
	g_free(e);
	return m;
}

/* "令和7年度" (the fiscal year named by the era of its June, so FY2019 is
 * 令和元年度 as the notices of that year wrote it). */
static void fy_wareki(int fy, char *out, size_t cap)
{
	const char *era = "";
	int y = 0;
	at_date d = {fy, 6, 1};
	if (wareki_era_year(d, &era, &y))
		snprintf(out, cap, "%d年度", fy);
	else if (y == 1)
		snprintf(out, cap, "%s元年度", era);
	else
		snprintf(out, cap, "%s%d年度", era, y);
}

/* "令和6年" for a calendar year (its last day's era). */
static void year_wareki(int year, char *out, size_t cap)
{
	const char *era = "";
	int y = 0;
	at_date d = {year, 12, 31};
	if (wareki_era_year(d, &era, &y))
		snprintf(out, cap, "%d年", year);
	else if (y == 1)
		snprintf(out, cap, "%s元年", era);
	else
		snprintf(out, cap, "%s%d年", era, y);
}

/* "令和7年10月" */
static void month_wareki(int year, int month, char *out, size_t cap)
{
	const char *era = "";
	int y = 0;
	at_date d = {year, month, 1};
	if (wareki_era_year(d, &era, &y))
		snprintf(out, cap, "%d年%d月", year, month);
	else if (y == 1)
		snprintf(out, cap, "%s元年%d月", era, month);
	else
		snprintf(out, cap, "%s%d年%d月", era, y, month);
}

static char *date_markup(at_date d)
{
	char w[WAREKI_MAX];
	if (wareki_format(d, w, sizeof w))
		return NULL;
	return form_esc(w);
}

/* ---- Rows ------------------------------------------------------------------------ */


#define CELL FORM_CELL   /* rows of optional items: documents/form.h */
#define RUBY FORM_RUBY
#define ROW FORM_ROW

/* The present amounts of a block, three to a row (grid 4 | 4 | 4). */
static void amounts_table(form *f, const char *field, const item *items, size_t n,
			  const amounts *a)
{
	if (!a->present)
		return;
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		k += a->has[i];
	if (!k)
		return;
	form_table *t = form_add_table(f, field);
	form_pending row[3];
	size_t in_row = 0;
	for (size_t i = 0; i < n; i++) {
		if (!a->has[i])
			continue;
		row[in_row++] = (form_pending)CELL(items[i].label, FS_VALUE, 4, yen(a->v[i]));
		if (in_row == 3) {
			form_add_row_of(t, row, 3);
			in_row = 0;
		}
	}
	if (in_row) {
		/* pad with empty cells so the grid stays 4 | 4 | 4 */
		for (size_t i = in_row; i < 3; i++)
			row[i] = (form_pending)CELL(NULL, FS_VALUE, 4, g_strdup(""));
		form_add_row_of(t, row, 3);
	}
}

/* A per-side value, or "" when that side has none. */
static char *side(bool has, int64_t v)
{
	return has ? yen(v) : g_strdup("");
}

static void tax_table(form *f, const taxblk *t, const char *mname, const char *pname)
{
	form_table *tb = form_add_table(f, "tax");
	ROW(tb, CELL("課税標準額", FS_VALUE, 12, yen(t->taxable)));
	ROW(tb, CELL("区分", FS_VALUE, 4, heading(mname)), CELL(NULL, FS_VALUE, 4, heading(pname)),
	    CELL(NULL, FS_VALUE, 4, heading("合計")));
	if (t->m.has_computed || t->p.has_computed)
		ROW(tb, CELL("算出所得割額", FS_VALUE, 4, side(t->m.has_computed, t->m.computed)),
		    CELL(NULL, FS_VALUE, 4, side(t->p.has_computed, t->p.computed)),
		    CELL(NULL, FS_VALUE, 4, yen(t->m.computed + t->p.computed)));
	if (t->m.has_credits || t->p.has_credits)
		ROW(tb, CELL("税額控除額", FS_VALUE, 4, side(t->m.has_credits, t->m.credits)),
		    CELL(NULL, FS_VALUE, 4, side(t->p.has_credits, t->p.credits)),
		    CELL(NULL, FS_VALUE, 4, yen(t->m.credits + t->p.credits)));
	ROW(tb, CELL("所得割額", FS_VALUE, 4, yen(t->m.income_levy)),
	    CELL(NULL, FS_VALUE, 4, yen(t->p.income_levy)),
	    CELL(NULL, FS_VALUE, 4, yen(t->m.income_levy + t->p.income_levy)));
	ROW(tb, CELL("均等割額", FS_VALUE, 4, yen(t->m.per_capita)),
	    CELL(NULL, FS_VALUE, 4, yen(t->p.per_capita)),
	    CELL(NULL, FS_VALUE, 4, yen(t->m.per_capita + t->p.per_capita)));
	ROW(tb, CELL("合計", FS_VALUE, 4, yen(t->m.income_levy + t->m.per_capita)),
	    CELL(NULL, FS_VALUE, 4, yen(t->p.income_levy + t->p.per_capita)),
	    CELL(NULL, FS_VALUE, 4,
		 yen(t->m.income_levy + t->m.per_capita + t->p.income_levy + t->p.per_capita)));
	if (t->has_forest)
		ROW(tb, CELL("森林環境税", FS_VALUE, 12, yen(t->forest)));
	ROW(tb, CELL("年税額", FS_NAME, 12, yen(t->annual)));
	amounts_table(f, "tax.credit_details", CREDITS, N_CREDITS, &t->credits);
}

/* June..May: the months of special collection (地方税法321条の5第1項). */
static const char *const MONTH_LABEL[12] = {"6月", "7月", "8月", "9月", "10月", "11月",
					    "12月", "1月", "2月", "3月", "4月", "5月"};

static void months_rows(form_table *t, const int64_t m[12])
{
	for (int r = 0; r < 3; r++)
		ROW(t, CELL(MONTH_LABEL[4 * r], FS_VALUE, 3, yen(m[4 * r])),
		    CELL(MONTH_LABEL[4 * r + 1], FS_VALUE, 3, yen(m[4 * r + 1])),
		    CELL(MONTH_LABEL[4 * r + 2], FS_VALUE, 3, yen(m[4 * r + 2])),
		    CELL(MONTH_LABEL[4 * r + 3], FS_VALUE, 3, yen(m[4 * r + 3])));
}

/* Twelve monthly amounts June..May that must sum to `total`. */
static int read_monthly(const rd *x, const char *key, int64_t total, int64_t out[12],
			at_error *err)
{
	char f[200];
	const json_t *v = get(x, key);
	if (!v)
		return missing(x, key, err);
	fld(f, sizeof f, x, key);
	if (!json_is_array(v) || json_array_size(v) != 12)
		return at_fail(err, 400, AT_E_INVALID, f,
			       "%s must be an array of the 12 monthly amounts June..May", f);
	int64_t sum = 0;
	for (size_t i = 0; i < 12; i++) {
		if (elem_int(v, f, i, 0, AMOUNT_MAX, &out[i], err))
			return -1;
		sum += out[i];
	}
	if (sum != total)
		return at_fail(err, 400, AT_E_INVALID, f,
			       "%s sums to %lld, not the special collection tax %lld", f,
			       (long long)sum, (long long)total);
	return 0;
}

/* ---- Common top level ---------------------------------------------------------- */

typedef struct common {
	int fy;
	char fyw[32];                 /* 令和7年度 */
	const char *muni, *issuer, *mname, *pname, *title, *serial;
	char serial_n[32];
	at_date issued;
	bool revised, has_prev, has_from;
	int64_t prev;
	const char *reason;
	int from_y, from_m;
} common;

#define COMMON_KEYS                                                                     \
	"kind", "fiscal_year", "municipality", "issuer", "issued_date", "municipal_tax_name", \
		"prefectural_tax_name", "title", "serial", "notes"
#define REVISION_KEYS "revised", "previous_annual_tax", "revision_reason", "revised_from"

static int read_common(const rd *x, bool notice, bool prev_at_top, common *c, form *f,
		       at_error *err)
{
	int64_t fy = 0;
	bool has;
	memset(c, 0, sizeof *c);
	if (r_int(x, "fiscal_year", true, 2000, 2100, NULL, &fy, err) ||
	    r_str(x, "municipality", true, MAX_SHORT, 0, &c->muni, err) ||
	    r_str(x, "issuer", true, MAX_SHORT, 0, &c->issuer, err) ||
	    r_date(x, "issued_date", true, &c->issued, &has, err) ||
	    r_str(x, "municipal_tax_name", false, 20, 0, &c->mname, err) ||
	    r_str(x, "prefectural_tax_name", false, 20, 0, &c->pname, err) ||
	    r_str(x, "title", false, 60, 0, &c->title, err))
		return -1;
	c->fy = (int)fy;
	fy_wareki(c->fy, c->fyw, sizeof c->fyw);
	if (!c->mname)
		c->mname = "市町村民税";
	if (!c->pname)
		c->pname = "道府県民税";
	const json_t *v = get(x, "serial");
	if (v && json_is_integer(v)) {
		snprintf(c->serial_n, sizeof c->serial_n, "%lld", (long long)json_integer_value(v));
		c->serial = c->serial_n;
	} else if (v && !json_is_string(v)) {
		return at_fail(err, 400, AT_E_INVALID, "serial", "serial must be a string or an integer");
	} else if (r_str(x, "serial", false, 40, 0, &c->serial, err)) {
		return -1;
	}
	if (notice) {
		if (r_bool(x, "revised", &c->revised, err) ||
		    r_int(x, "previous_annual_tax", false, 0, AMOUNT_MAX, &c->has_prev, &c->prev, err) ||
		    r_str(x, "revision_reason", false, MAX_TEXT, 0, &c->reason, err) ||
		    r_month(x, "revised_from", false, &c->from_y, &c->from_m, &c->has_from, err))
			return -1;
		if (prev_at_top && c->revised && !c->has_prev)
			return at_fail(err, 400, AT_E_MISSING, "previous_annual_tax",
				       "previous_annual_tax is required on a revised notice");
		if (c->has_prev && (!c->revised || !prev_at_top))
			return at_fail(err, 400, AT_E_INVALID, "previous_annual_tax",
				       prev_at_top ? "previous_annual_tax belongs only on a revised "
						     "notice (revised: true)"
						   : "previous_annual_tax is given per employee");
		if (!c->revised && (c->reason || c->has_from))
			return at_fail(err, 400, AT_E_INVALID,
				       c->reason ? "revision_reason" : "revised_from",
				       "%s belongs only on a revised notice (revised: true)",
				       c->reason ? "revision_reason" : "revised_from");
	}

	/* the notes (備考) */
	const json_t *notes = get(x, "notes");
	if (form_add_notes(f, notes, err))
		return -1;

	f->issuer = form_esc(c->muni);
	f->serial = c->serial ? form_esc(c->serial) : NULL;
	f->certifier = form_esc(c->issuer);
	f->date = date_markup(c->issued);
	if (!f->date)
		return at_fail(err, 400, AT_E_INVALID, "issued_date",
			       "issued_date cannot be written in 和暦");
	char iso[11], inst[32];
	date_format(c->issued, iso);
	snprintf(inst, sizeof inst, "%sT00:00:00Z", iso);   /* same document, same bytes */
	f->meta_date = g_strdup(inst);
	return 0;
}

/* The heading, and the PDF's Title (the kind of notice only, never whom). */
static void set_title(form *f, const common *c, const char *name)
{
	f->meta_title = g_strdup(name);
	if (c->title) {
		f->title = form_esc(c->title);
		return;
	}
	/* two lines: the taxes, then the notice (one line would not fit) */
	char *t = g_strdup_printf("%s・%s\n%s", c->mname, c->pname, name);
	f->title = form_esc(t);
	g_free(t);
}

/* "令和7年9月分から" for revised_from, or NULL. */
static char *from_markup(const common *c)
{
	if (!c->has_from)
		return NULL;
	char m[64];
	month_wareki(c->from_y, c->from_m, m, sizeof m);
	return form_fmt("%s分から", m);   /* digits and era names only */
}

/* 変更通知: before, after, the difference, why and from when. */
static void revision_table(form *f, const common *c, int64_t annual)
{
	if (!c->revised)
		return;
	form_table *t = form_add_table(f, "revised");
	ROW(t, CELL("変更前の年税額", FS_VALUE, 4, yen(c->prev)),
	    CELL("変更後の年税額", FS_VALUE, 4, yen(annual)),
	    CELL("差引増減額", FS_VALUE, 4, yen_diff(annual - c->prev)));
	ROW(t, CELL("変更の理由", FS_WIDE, 8, esc(c->reason)),
	    CELL("変更月", FS_VALUE, 4, from_markup(c)));
}

/* A person box: 住所, 氏名 (ruby) with an honorific, optional extras. */
typedef struct person {
	const char *name, *kana, *address, *addressee_no, *employee_no, *my_number;
	at_date birth;
	bool has_birth;
} person;

static int read_person(const rd *x, const char *key, bool need_address, bool allow_ids,
		       person *p, at_error *err)
{
	rd y;
	bool present;
	static const char *const ok[] = {"name", "name_kana", "address", "addressee_no",
					 "birth_date", NULL};
	static const char *const ok_ids[] = {"name", "name_kana", "address", "employee_no",
					     "my_number", NULL};
	memset(p, 0, sizeof *p);
	if (child(x, key, true, &y, &present, err) ||
	    r_str(&y, "name", true, MAX_SHORT, 0, &p->name, err) ||
	    r_str(&y, "name_kana", false, MAX_SHORT, 0, &p->kana, err) ||
	    r_str(&y, "address", need_address, MAX_TEXT, 0, &p->address, err))
		return -1;
	if (allow_ids) {
		if (r_str(&y, "employee_no", false, 40, 0, &p->employee_no, err) ||
		    r_str(&y, "my_number", false, 12, 0, &p->my_number, err))
			return -1;
		if (p->my_number) {
			char f[200];
			fld(f, sizeof f, &y, "my_number");
			if (mynumber_validate(p->my_number, f, err))
				return -1;
		}
		return known(&y, ok_ids, NULL, 0, err);
	}
	if (r_str(&y, "addressee_no", false, 40, 0, &p->addressee_no, err) ||
	    r_date(&y, "birth_date", false, &p->birth, &p->has_birth, err))
		return -1;
	return known(&y, ok, NULL, 0, err);
}

static char *name_sama(const char *name)
{
	char *e = form_esc(name);
	char *m = form_fmt("%s　様", e);
	g_free(e);
	return m;
}

/* ---- 税額決定通知書 兼 納税通知書 ------------------------------------------------ */

static int tax_decision(const rd *x, form *f, at_error *err)
{
	static const char *const ok[] = {COMMON_KEYS, REVISION_KEYS, "taxpayer", "income",
					 "deductions", "tax", "installments", "refund", NULL};
	common c;
	person p;
	amounts inc, ded;
	taxblk t;
	int64_t refund = 0;
	if (read_common(x, true, true, &c, f, err) ||
	    read_person(x, "taxpayer", true, false, &p, err) ||
	    read_amounts(x, "income", INCOME, N_INCOME, -AMOUNT_MAX, NULL, &inc, err) ||
	    read_amounts(x, "deductions", DEDUCTIONS, N_DEDUCTIONS, 0, NULL, &ded, err) ||
	    read_tax(x, &t, err) ||
	    r_int(x, "refund", false, 0, AMOUNT_MAX, NULL, &refund, err) ||
	    known(x, ok, NULL, 0, err))
		return -1;

	set_title(f, &c,
		  c.revised ? "税額変更通知書 兼 納税通知書" : "税額決定通知書 兼 納税通知書");
	{
		/* the tax names are data: escaped before they join the markup */
		char *m = form_esc(c.mname), *pn = form_esc(c.pname);
		f->certification = form_fmt("地方税法第319条の2及び第320条の規定により、%sの%s・%sの"
					    "税額を上記のとおり%s通知します。各期の納期限までに"
					    "納付してください。",
					    c.fyw, m, pn, c.revised ? "変更したので" : "決定し、");
		g_free(m);
		g_free(pn);
	}

	form_table *h = &f->header;
	h->field = g_strdup("taxpayer");
	ROW(h, CELL("年度", FS_VALUE, 4, form_esc(c.fyw)),
	    CELL("宛名番号", FS_VALUE, 4, esc(p.addressee_no)),
	    CELL("生年月日", FS_VALUE, 4, p.has_birth ? date_markup(p.birth) : NULL));
	ROW(h, CELL("住所", FS_WIDE, 12, esc(p.address)));
	ROW(h, RUBY("氏名", FS_NAME, 12, name_sama(p.name), esc(p.kana)));

	revision_table(f, &c, t.annual);
	amounts_table(f, "income", INCOME, N_INCOME, &inc);
	amounts_table(f, "deductions", DEDUCTIONS, N_DEDUCTIONS, &ded);
	tax_table(f, &t, c.mname, c.pname);

	/* the installments (期別税額) */
	const json_t *a = get(x, "installments");
	if (!a)
		return missing(x, "installments", err);
	if (!json_is_array(a) || json_array_size(a) < 1 || json_array_size(a) > MAX_INST)
		return at_fail(err, 400, AT_E_INVALID, "installments",
			       "installments must be an array of 1 to %d installments", MAX_INST);
	form_table *it = form_add_table(f, "installments");
	ROW(it, CELL(NULL, FS_VALUE, 3, heading("期別")), CELL(NULL, FS_VALUE, 5, heading("納期限")),
	    CELL(NULL, FS_VALUE, 4, heading("納付額")));
	int64_t sum = 0;
	int ordinary_no = 0;
	for (size_t i = 0; i < json_array_size(a); i++) {
		static const char *const iok[] = {"period", "month", "due_date", "amount", "kind",
						  NULL};
		rd y = {.o = json_array_get(a, i)};
		snprintf(y.path, sizeof y.path, "installments[%zu]", i);
		if (!json_is_object(y.o))
			return at_fail(err, 400, AT_E_INVALID, y.path, "%s must be an object", y.path);
		int64_t period = 0, amount = 0;
		bool has_period, has_month, has_due;
		int my = 0, mm = 0;
		at_date due = {0, 0, 0};
		const char *kind;
		if (r_int(&y, "period", false, 1, 99, &has_period, &period, err) ||
		    r_month(&y, "month", true, &my, &mm, &has_month, err) ||
		    r_date(&y, "due_date", false, &due, &has_due, err) ||
		    r_int(&y, "amount", true, 0, AMOUNT_MAX, NULL, &amount, err) ||
		    r_str(&y, "kind", false, 30, 0, &kind, err) || known(&y, iok, NULL, 0, err))
			return -1;
		const char *what = NULL;
		if (!kind || !strcmp(kind, "ordinary"))
			what = NULL;
		else if (!strcmp(kind, "pension_provisional"))
			what = "年金特徴（仮徴収）";
		else if (!strcmp(kind, "pension_main"))
			what = "年金特徴（本徴収）";
		else if (!strcmp(kind, "special"))
			what = "給与特徴";
		else {
			char fk[200];
			fld(fk, sizeof fk, &y, "kind");
			return at_fail(err, 400, AT_E_INVALID, fk,
				       "%s must be ordinary, pension_provisional, pension_main or special",
				       fk);
		}
		sum += amount;
		char *label, *when;
		if (!what) {
			ordinary_no++;
			label = form_fmt("第%d期", has_period ? (int)period : ordinary_no);
			if (!has_due)   /* 納期 by the month: its last day unless the municipality says */
				due = (at_date){my, mm, date_days_in_month(my, mm)};
			when = date_markup(due);
		} else {
			char mw[40];
			month_wareki(my, mm, mw, sizeof mw);
			label = form_esc(what);
			when = has_due ? date_markup(due) : form_fmt("%s分", mw);
		}
		if (!when)
			when = g_strdup("");
		ROW(it, CELL(NULL, FS_VALUE, 3, label), CELL(NULL, FS_VALUE, 5, when),
		    CELL(NULL, FS_VALUE, 4, yen(amount)));
	}
	ROW(it, CELL(NULL, FS_VALUE, 3, heading("合計")), CELL(NULL, FS_VALUE, 5, g_strdup("")),
	    CELL(NULL, FS_VALUE, 4, yen(sum)));
	if (refund)
		ROW(it, CELL("還付額", FS_VALUE, 12, yen(refund)));
	if (sum - refund != t.annual)
		return at_fail(err, 400, AT_E_INVALID, "installments",
			       "installments sum to %lld%s, not tax.annual_tax %lld", (long long)sum,
			       refund ? " less the refund" : "", (long long)t.annual);
	return 0;
}

/* ---- 特別徴収税額の決定通知書 ------------------------------------------------------- */

static int read_employer(const rd *x, bool number_required, const char **name,
			 const char **number, const char **address, at_error *err)
{
	rd y;
	bool present;
	static const char *const ok[] = {"name", "number", "address", NULL};
	return child(x, "employer", true, &y, &present, err) ||
	       r_str(&y, "name", true, MAX_SHORT, 0, name, err) ||
	       r_str(&y, "number", number_required, 40, 0, number, err) ||
	       r_str(&y, "address", false, MAX_TEXT, 0, address, err) ||
	       known(&y, ok, NULL, 0, err)
		       ? -1
		       : 0;
}

static char *certification_special(const common *c, bool employer)
{
	/* 321条の4第1項 (notice), 321条の5第2項 (pay in by the 10th of the next
	 * month); a 変更通知 under 321条の6第1項 */
	const char *basis = c->revised ? "第321条の6第1項" : "第321条の4";
	char *s = g_strdup_printf("地方税法%sの規定により、%sの特別徴収税額を上記のとおり%s"
				  "通知します。%s",
				  basis, c->fyw, c->revised ? "変更したので" : "",
				  employer ? "各月分の税額は、給与の支払の際に徴収し、その月の翌月"
					     "10日までに納入してください。"
					   : "各月の給与から上記の税額が差し引かれます。");
	char *m = form_esc(s);
	g_free(s);
	return m;
}

static int special_employer(const rd *x, form *f, at_error *err)
{
	static const char *const ok[] = {COMMON_KEYS, REVISION_KEYS, "employer", "employees", "sheet",
					 NULL};
	static const char *const sok[] = {"continued", "continues", "next_after", NULL};
	common c;
	const char *ename, *enumber, *eaddr, *next_after;
	/* One sheet of a list longer than a notice holds (tax.h: the employer's
	 * notice pages): it says so, so that no employee silently drops out. */
	bool continued = false, continues = false;
	rd sh = {.o = get(x, "sheet")};
	snprintf(sh.path, sizeof sh.path, "sheet");
	if (read_common(x, true, false, &c, f, err) ||
	    read_employer(x, true, &ename, &enumber, &eaddr, err) ||
	    known(x, ok, NULL, 0, err))
		return -1;
	if (sh.o && !json_is_object(sh.o))
		return at_fail(err, 400, AT_E_INVALID, "sheet", "sheet must be an object");
	if (sh.o && (r_bool(&sh, "continued", &continued, err) ||
		     r_bool(&sh, "continues", &continues, err) ||
		     r_str(&sh, "next_after", false, 40, 0, &next_after, err) ||
		     known(&sh, sok, NULL, 0, err)))
		return -1;
	set_title(f, &c, c.revised ? "特別徴収税額の変更通知書（特別徴収義務者用）"
			    : "特別徴収税額の決定通知書（特別徴収義務者用）");
	f->certification = certification_special(&c, true);

	/* repeated on every page of a long list */
	form_table *h = &f->header;
	h->field = g_strdup("employer");
	ROW(h, CELL("特別徴収義務者", FS_VALUE, 6, esc(ename)),
	    CELL("指定番号", FS_VALUE, 3, esc(enumber)), CELL("年度", FS_VALUE, 3, form_esc(c.fyw)));
	ROW(h, CELL("所在地", FS_WIDE, 12, esc(eaddr)));
	if (c.revised && (c.reason || c.has_from)) {
		ROW(h, CELL("変更の理由", FS_WIDE, 8, esc(c.reason)),
		    CELL("変更月", FS_VALUE, 4, from_markup(&c)));
	}

	const json_t *es = get(x, "employees");
	if (!es)
		return missing(x, "employees", err);
	if (!json_is_array(es) || json_array_size(es) < 1 || json_array_size(es) > MAX_EMPLOYEES)
		return at_fail(err, 400, AT_E_INVALID, "employees",
			       "employees must be an array of 1 to %d employees", MAX_EMPLOYEES);
	int64_t total = 0, month_total[12] = {0};
	for (size_t i = 0; i < json_array_size(es); i++) {
		static const char *const eok[] = {"name", "name_kana", "employee_no", "my_number",
						  "address", "annual_tax", "monthly",
						  "previous_annual_tax", "revision_reason", NULL};
		rd y = {.o = json_array_get(es, i)};
		snprintf(y.path, sizeof y.path, "employees[%zu]", i);
		if (!json_is_object(y.o))
			return at_fail(err, 400, AT_E_INVALID, y.path, "%s must be an object", y.path);
		const char *name, *kana, *no, *mn, *addr, *reason;
		int64_t annual = 0, prev = 0, m[12];
		bool has_prev;
		if (r_str(&y, "name", true, MAX_SHORT, 0, &name, err) ||
		    r_str(&y, "name_kana", false, MAX_SHORT, 0, &kana, err) ||
		    r_str(&y, "employee_no", false, 40, 0, &no, err) ||
		    r_str(&y, "my_number", false, 12, 0, &mn, err) ||
		    r_str(&y, "address", false, MAX_TEXT, 0, &addr, err) ||
		    r_int(&y, "annual_tax", true, 0, AMOUNT_MAX, NULL, &annual, err) ||
		    read_monthly(&y, "monthly", annual, m, err) ||
		    r_int(&y, "previous_annual_tax", false, 0, AMOUNT_MAX, &has_prev, &prev, err) ||
		    r_str(&y, "revision_reason", false, MAX_TEXT, 0, &reason, err) ||
		    known(&y, eok, NULL, 0, err))
			return -1;
		char fe[200];
		if (mn) {
			fld(fe, sizeof fe, &y, "my_number");
			if (mynumber_validate(mn, fe, err))
				return -1;
		}
		if (c.revised != has_prev) {
			fld(fe, sizeof fe, &y, "previous_annual_tax");
			return at_fail(err, 400, c.revised ? AT_E_MISSING : AT_E_INVALID, fe,
				       c.revised ? "%s is required on a revised notice"
						 : "%s belongs only on a revised notice (revised: true)",
				       fe);
		}
		if (reason && !c.revised) {
			fld(fe, sizeof fe, &y, "revision_reason");
			return at_fail(err, 400, AT_E_INVALID, fe,
				       "%s belongs only on a revised notice (revised: true)", fe);
		}
		total += annual;
		for (int k = 0; k < 12; k++)
			month_total[k] += m[k];

		form_table *t = form_add_table(f, y.path);
		ROW(t, RUBY("氏名", FS_VALUE, 6, esc(name), esc(kana)),
		    CELL("受給者番号", FS_VALUE, 3, esc(no)),
		    CELL("年税額", FS_VALUE, 3, yen(annual)));
		ROW(t, CELL("住所", FS_WIDE, 6, esc(addr)), CELL("個人番号", FS_VALUE, 6, esc(mn)));
		if (c.revised) {
			ROW(t, CELL("変更前税額", FS_VALUE, 6, yen(prev)),
			    CELL("差引増減額", FS_VALUE, 6, yen_diff(annual - prev)));
			ROW(t, CELL("変更の理由", FS_WIDE, 12, esc(reason)));
		}
		months_rows(t, m);
	}
	/* the totals the employer pays in each month: of this sheet when the
	 * list goes on over several */
	bool part = continued || continues;
	form_table *t = form_add_table(f, "totals");
	ROW(t, CELL(part ? "本葉の人数" : "人数", FS_VALUE, 6,
		    form_fmt("%zu人", json_array_size(es))),
	    CELL(part ? "本葉の年税額合計" : "年税額合計", FS_VALUE, 6, yen(total)));
	months_rows(t, month_total);
	if (part)
		ROW(t, CELL("続葉", FS_WIDE, 12,
			    form_esc(continued && continues ? "前葉から続く・次葉に続く"
				     : continued ? "前葉から続く（本葉で終わり）" : "次葉に続く")));
	return 0;
}

static int special_employee(const rd *x, form *f, at_error *err)
{
	static const char *const ok[] = {COMMON_KEYS, REVISION_KEYS, "employer", "employee",
					 "income", "deductions", "tax", "special_collection_tax",
					 "monthly", NULL};
	common c;
	person p;
	amounts inc, ded;
	taxblk t;
	const char *ename, *enumber, *eaddr;
	int64_t special = 0, m[12];
	bool has_special;
	if (read_common(x, true, true, &c, f, err) ||
	    read_employer(x, false, &ename, &enumber, &eaddr, err) ||
	    read_person(x, "employee", false, true, &p, err) ||
	    read_amounts(x, "income", INCOME, N_INCOME, -AMOUNT_MAX, NULL, &inc, err) ||
	    read_amounts(x, "deductions", DEDUCTIONS, N_DEDUCTIONS, 0, NULL, &ded, err) ||
	    read_tax(x, &t, err) ||
	    r_int(x, "special_collection_tax", false, 0, AMOUNT_MAX, &has_special, &special, err))
		return -1;
	if (!has_special)
		special = t.annual;
	if (special > t.annual)
		return at_fail(err, 400, AT_E_INVALID, "special_collection_tax",
			       "special_collection_tax (%lld) exceeds tax.annual_tax (%lld)",
			       (long long)special, (long long)t.annual);
	if (read_monthly(x, "monthly", special, m, err) ||
	    known(x, ok, NULL, 0, err))
		return -1;
	set_title(f, &c, c.revised ? "特別徴収税額の変更通知書（納税義務者用）"
			    : "特別徴収税額の決定通知書（納税義務者用）");
	f->certification = certification_special(&c, false);

	form_table *h = &f->header;
	h->field = g_strdup("employee");
	ROW(h, CELL("年度", FS_VALUE, 4, form_esc(c.fyw)),
	    CELL("受給者番号", FS_VALUE, 4, esc(p.employee_no)),
	    CELL("個人番号", FS_VALUE, 4, esc(p.my_number)));
	ROW(h, CELL("住所", FS_WIDE, 12, esc(p.address)));
	ROW(h, RUBY("氏名", FS_NAME, 12, name_sama(p.name), esc(p.kana)));
	ROW(h, CELL("特別徴収義務者", FS_VALUE, 8, esc(ename)),
	    CELL("指定番号", FS_VALUE, 4, esc(enumber)));

	revision_table(f, &c, t.annual);
	amounts_table(f, "income", INCOME, N_INCOME, &inc);
	amounts_table(f, "deductions", DEDUCTIONS, N_DEDUCTIONS, &ded);
	tax_table(f, &t, c.mname, c.pname);
	form_table *mt = form_add_table(f, "monthly");
	ROW(mt, CELL("特別徴収税額", FS_VALUE, 12, yen(special)));
	months_rows(mt, m);
	return 0;
}

/* ---- 課税（所得）証明書 -------------------------------------------------------------- */

static int tax_certificate(const rd *x, form *f, at_error *err)
{
	static const char *const ok[] = {COMMON_KEYS, "person", "income", "deductions", "tax",
					 "family", "purpose", NULL};
	static const char *const inc_req[] = {"total_income", "total_income_amount", NULL};
	static const char *const ded_req[] = {"total", NULL};
	common c;
	person p;
	amounts inc, ded;
	taxblk t;
	const char *purpose;
	if (read_common(x, false, false, &c, f, err) ||
	    read_person(x, "person", true, false, &p, err) ||
	    read_amounts(x, "income", INCOME, N_INCOME, -AMOUNT_MAX, inc_req, &inc, err) ||
	    read_amounts(x, "deductions", DEDUCTIONS, N_DEDUCTIONS, 0, ded_req, &ded, err) ||
	    read_tax(x, &t, err) || r_str(x, "purpose", false, MAX_SHORT, 0, &purpose, err))
		return -1;

	/* family: 配偶者 and the number of dependants by class */
	rd y;
	bool has_family, spouse = false, has_spouse;
	int64_t cnt[4] = {0};
	bool has_cnt[4] = {false};
	static const char *const fkeys[4] = {"dependants", "specified", "elderly", "under_16"};
	static const char *const flabels[4] = {"扶養親族数", "うち特定扶養", "うち老人扶養",
					       "うち年少扶養"};
	static const char *const fok[] = {"spouse", "dependants", "specified", "elderly",
					  "under_16", NULL};
	if (child(x, "family", false, &y, &has_family, err))
		return -1;
	if (has_family) {
		has_spouse = get(&y, "spouse") != NULL;
		if (r_bool(&y, "spouse", &spouse, err))
			return -1;
		for (int i = 0; i < 4; i++)
			if (r_int(&y, fkeys[i], false, 0, 99, &has_cnt[i], &cnt[i], err))
				return -1;
		if (known(&y, fok, NULL, 0, err))
			return -1;
	} else {
		has_spouse = false;
	}
	if (known(x, ok, NULL, 0, err))
		return -1;

	f->meta_title = g_strdup("課税（所得）証明書");
	f->title = form_esc(c.title ? c.title : "課税（所得）証明書");
	f->certification = form_esc("上記のとおり相違ないことを証明します。");

	char yw[32], fyline[96];
	year_wareki(c.fy - 1, yw, sizeof yw);
	snprintf(fyline, sizeof fyline, "%s（%s分所得）", c.fyw, yw);
	form_table *h = &f->header;
	h->field = g_strdup("person");
	ROW(h, CELL("年度", FS_VALUE, 6, form_esc(fyline)),
	    CELL("生年月日", FS_VALUE, 6, p.has_birth ? date_markup(p.birth) : NULL));
	ROW(h, CELL("住所", FS_WIDE, 12, esc(p.address)));
	ROW(h, RUBY("氏名", FS_NAME, 12, esc(p.name), esc(p.kana)));

	amounts_table(f, "income", INCOME, N_INCOME, &inc);
	amounts_table(f, "deductions", DEDUCTIONS, N_DEDUCTIONS, &ded);
	tax_table(f, &t, c.mname, c.pname);
	if (has_family) {
		form_table *ft = form_add_table(f, "family");
		ROW(ft, CELL("配偶者", FS_VALUE, 4, has_spouse ? form_esc(spouse ? "有" : "無") : NULL),
		    CELL(flabels[0], FS_VALUE, 4, has_cnt[0] ? form_fmt("%lld人", (long long)cnt[0]) : NULL),
		    CELL(flabels[1], FS_VALUE, 4, has_cnt[1] ? form_fmt("%lld人", (long long)cnt[1]) : NULL));
		ROW(ft, CELL(flabels[2], FS_VALUE, 6, has_cnt[2] ? form_fmt("%lld人", (long long)cnt[2]) : NULL),
		    CELL(flabels[3], FS_VALUE, 6, has_cnt[3] ? form_fmt("%lld人", (long long)cnt[3]) : NULL));
	}
	if (purpose) {
		form_table *pt = form_add_table(f, "purpose");
		ROW(pt, CELL("使用目的", FS_WIDE, 12, esc(purpose)));
	}
	return 0;
}

/* ---- Dispatch ---------------------------------------------------------------------- */

static int tax_notice_build(const json_t *doc, const char *kind, form *f, at_error *err)
{
	rd x = {.o = doc};
	if (!strcmp(kind, "tax_decision"))
		return tax_decision(&x, f, err);
	if (!strcmp(kind, "special_collection_employer"))
		return special_employer(&x, f, err);
	if (!strcmp(kind, "special_collection_employee"))
		return special_employee(&x, f, err);
	if (!strcmp(kind, "tax_certificate"))
		return tax_certificate(&x, f, err);
	return at_fail(err, 400, AT_E_INVALID, "kind", "kind %s is not a tax document", kind);
}

/* The kinds the renderer learns from this module (documents.h). */
const document_kind tax_document_kinds[] = {
	{"tax_decision", tax_notice_build},
	{"special_collection_employer", tax_notice_build},
	{"special_collection_employee", tax_notice_build},
	{"tax_certificate", tax_notice_build},
	{NULL, NULL},
};
