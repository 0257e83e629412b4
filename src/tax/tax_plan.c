/*
 * The assessment, phase 2 — the collection plan and its record: who collects
 * what and when (徴収区分 and schedule, tax/schedule.h), and the assessment
 * version written with it (nothing is overwritten: a correction is a new
 * version). Internal (tax_int.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/date.h"
#include "core/json.h"
#include "policy/municipality.h"
#include "tax/engine.h"
#include "tax/schedule.h"
#include "tax/tax.h"
#include "tax_int.h"

int tax_batch_setup(store *s, const tax_law *law, int fiscal_year, int chunk, tax_batch_env *env,
		    at_error *err)
{
	if (municipality_of(s, &env->mu, err))
		return -1;
	if (!tax_law_has_year(law, fiscal_year) || tax_law_collection(law, fiscal_year, &env->cl))
		return at_fail(err, 400, AT_E_INVALID, "fiscal_year",
			       "no tax law data for fiscal year %d", fiscal_year);
	if (!tax_law_has_municipality(law, env->mu.code))
		return at_fail(err, 400, AT_E_INVALID, "municipality",
			       "no tax data for municipality %s", env->mu.code);
	if (chunk < 1 || chunk > 100000)
		return at_fail(err, 400, AT_E_INVALID, "chunk", "chunk must be 1..100000");
	env->unit = tax_law_installment_unit(law, env->mu.code);
	return 0;
}

static int previous_pension_part(store *s, int fiscal_year, const char *ano, int64_t *out,
				 at_error *err)
{
	*out = 0;
	store_stmt *st = store_prepare(s,
		"SELECT pension_part FROM tax_assessment WHERE fiscal_year = ? AND addressee_no = ?"
		" ORDER BY version DESC LIMIT 1", err);
	if (!st)
		return -1;
	store_bind_int(st, 1, fiscal_year - 1);
	store_bind_text(st, 2, ano);
	int r = store_step(st, err);
	if (r == STORE_ROW)
		*out = store_col_int(st, 0);
	store_done(st);
	return r < 0 ? -1 : 0;
}

static int add_inst(tax_plan *p, const tax_installment *in, size_t n)
{
	if (p->n + n > sizeof p->inst / sizeof p->inst[0])
		return -1;
	memcpy(p->inst + p->n, in, n * sizeof *in);
	p->n += n;
	return 0;
}

/* Decide who collects what (徴収区分, seed 000 §1.7; seed 004 §1.6):
 *  - the tax on public-pension income of a pensioner 65+ by pension special
 *    collection (地方税法321条の7の2), with the per-capita levy when no
 *    salary special collection takes it;
 *  - the rest by the employer's special collection when a salary report
 *    asks for it (地方税法321条の3: 給与所得者は特別徴収が原則);
 *  - otherwise ordinary collection (地方税法319条の2).
 * The age and revenue thresholds are the year's law data (tax_law_collection);
 * last year's pension part (the provisional base) is read only for those
 * whom pension special collection concerns. */
int tax_make_plan(store *s, const char *ano, const tax_collection_law *cl, const tax_merged *m,
		     const tax_result *r, bool house_only, int fiscal_year, int64_t unit,
		     const at_municipality *mu, tax_plan *p, at_error *err)
{
	memset(p, 0, sizeof *p);
	int64_t annual = r->annual_tax;
	if (annual <= 0) {
		snprintf(p->method, sizeof p->method, "none");
		return 0;
	}
	at_date apr1 = {fiscal_year, 4, 1};
	int64_t rest = annual;
	bool special = m->special_payer[0] && !house_only;
	if (!house_only && date_age_on(m->c.birth_date, apr1) >= cl->pension_special_min_age &&
	    m->c.income.public_pension_revenue >= cl->pension_special_min_revenue &&
	    r->pension_income > 0 && r->total_income_amount > 0) {
		/* 公的年金等に係る所得に係る所得割額: the income levy in proportion
		 * of the pension income to all income, rounded down to 100 yen. */
		int64_t share = r->income_levy_total;
		if (r->pension_income < r->total_income_amount)
			share = (int64_t)((__int128)r->income_levy_total * r->pension_income /
					  r->total_income_amount);
		if (!special)
			share += r->per_capita_total;
		share = share / 100 * 100;
		if (share > rest)
			share = rest;
		int64_t previous_pension = 0;
		if (share > 0 && previous_pension_part(s, fiscal_year, ano, &previous_pension, err))
			return -1;
		if (share > 0) {
			tax_installment pi[6];
			size_t n = 0;
			int64_t excess = 0;
			if (tax_schedule_pension(share, previous_pension, fiscal_year, unit, pi, &n,
						 &excess, err))
				return -1;
			add_inst(p, pi, n);
			p->pension_part = share;
			rest -= share;
		}
	}
	if (rest > 0 && special) {
		tax_installment si[12];
		if (tax_schedule_special(rest, fiscal_year, si, err))
			return -1;
		add_inst(p, si, 12);
		snprintf(p->payer, sizeof p->payer, "%s", m->special_payer);
	} else if (rest > 0) {
		/* on the municipality's own 納期 (地方税法320条, data/municipalities) */
		tax_installment oi[MUNICIPALITY_MAX_MONTHS];
		if (tax_schedule_ordinary_in(rest, fiscal_year, unit, mu->ordinary_months,
					     mu->n_ordinary_months, oi, err) ||
		    add_inst(p, oi, mu->n_ordinary_months))
			return at_fail(err, 500, AT_E_INTERNAL, "schedule", "the ordinary schedule does not fit");
		special = false;
	}
	snprintf(p->method, sizeof p->method, "%s%s%s",
		 rest > 0 ? (special ? "special" : "ordinary") : "",
		 rest > 0 && p->pension_part ? "+" : "", p->pension_part ? "pension" : "");
	return 0;
}


int tax_insert_version(store *s, int fiscal_year, const char *ano, int version,
			  const char *reason, const tax_result *r, const tax_plan *p,
			  int64_t difference, int64_t refund, const tax_case *c, at_error *err)
{
	json_t *sched = tax_schedule_to_json(p->inst, p->n);
	json_t *base = tax_case_to_json(c);
	char *sched_s = sched ? json_dumps(sched, JSON_COMPACT) : NULL;
	char *base_s = base ? json_dumps(base, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(sched);
	json_decref(base);
	int rc = -1;
	if (!sched_s || !base_s) {
		at_fail(err, 500, AT_E_INTERNAL, "", "out of memory");
		goto out;
	}
	const char *nt = r->non_taxable_per_capita ? "all"
			 : r->non_taxable_income_levy ? "income_levy" : "none";
	store_stmt *st = store_prepare(s,
		"INSERT INTO tax_assessment(fiscal_year, addressee_no, version, reason, annual_tax,"
		" income_levy, per_capita, pension_part, non_taxable, method, payer_id, schedule,"
		" difference, refund, base, created_at) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", err);
	if (!st)
		goto out;
	store_bind_int(st, 1, fiscal_year);
	store_bind_text(st, 2, ano);
	store_bind_int(st, 3, version);
	store_bind_text(st, 4, reason);
	store_bind_int(st, 5, r->annual_tax);
	store_bind_int(st, 6, r->income_levy_total);
	store_bind_int(st, 7, r->per_capita_total);
	store_bind_int(st, 8, p->pension_part);
	store_bind_text(st, 9, nt);
	store_bind_text(st, 10, p->method);
	store_bind_text(st, 11, p->payer);
	store_bind_text(st, 12, sched_s);
	store_bind_int(st, 13, difference);
	store_bind_int(st, 14, refund);
	store_bind_text(st, 15, base_s);
	store_bind_int(st, 16, time_now());
	rc = store_step(st, err) < 0 ? -1 : 0;
	store_done(st);
out:
	free(sched_s);
	free(base_s);
	return rc;
}

int tax_parse_schedule(const char *text, tax_installment *out, size_t cap, size_t *n)
{
	*n = 0;
	json_error_t je;
	json_t *a = json_loads(text, 0, &je);
	if (!json_is_array(a)) {
		json_decref(a);
		return -1;
	}
	size_t i;
	json_t *e;
	json_array_foreach(a, i, e) {
		if (*n == cap)
			break;
		const char *mo = json_string_value(json_object_get(e, "month"));
		const char *k = json_string_value(json_object_get(e, "kind"));
		int y = 0, m = 0;
		if (!mo || sscanf(mo, "%4d-%2d", &y, &m) != 2)
			continue;
		tax_installment *t = &out[(*n)++];
		t->year = y;
		t->month = m;
		t->amount = json_integer_value(json_object_get(e, "amount"));
		t->kind = !k ? TAX_INST_SPECIAL
			  : !strcmp(k, "ordinary")	      ? TAX_INST_ORDINARY
			  : !strcmp(k, "pension_provisional") ? TAX_INST_PENSION_PROVISIONAL
			  : !strcmp(k, "pension_main")	      ? TAX_INST_PENSION_MAIN
							      : TAX_INST_SPECIAL;
	}
	json_decref(a);
	return 0;
}
