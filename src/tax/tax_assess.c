/*
 * The annual assessment batch, corrections (更正) and the views of an
 * assessment (tax.h). Documents are merged into one case per person (名寄せ
 * (一本化), seed 004 §1), computed by the engine (tax/engine.h), given a
 * collection method and a schedule (tax/schedule.h), and written as a new
 * version; nothing is overwritten.
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

/* ---- Merging documents (名寄せ・一本化) ---------------------------------- */

typedef struct person_docs {
	tax_doc *docs;
	size_t n, cap;
} person_docs;

static int docs_push(person_docs *p, const tax_doc *d)
{
	if (p->n == p->cap) {
		size_t nc = p->cap ? p->cap * 2 : 4;
		tax_doc *nd = realloc(p->docs, nc * sizeof *nd);
		if (!nd)
			return -1;
		p->docs = nd;
		p->cap = nc;
	}
	p->docs[p->n++] = *d;
	return 0;
}

typedef struct merged {
	tax_case c;
	char special_payer[32];      /* 特別徴収義務者 (主たる給与の支払者), "" none */
	bool ordinary_requested;     /* every salary report asked for 普通徴収 */
	int n_salary, n_pension, n_return, n_onestop;
} merged;

/* One case from a person's documents:
 *  - a return (住民税申告書 / 確定申告書) declares everything: the latest one
 *    is the case, and one-stop notices lapse (地方税法附則7条: 申告特例は
 *    申告書の提出により適用されない — the donations belong on the return);
 *  - otherwise salary reports add up (revenue and the deductions each
 *    employer applied), the relatives and status come from the main
 *    employer's report (the largest revenue: 主たる給与, where 扶養控除等
 *    申告書 is filed, 所得税法194条), pension reports add their revenue and
 *    withheld insurance, one-stop notices add hometown donations with the
 *    申告特例 (地方税法附則7条). */
static void merge(const person_docs *p, int fiscal_year, const char *municipality, at_date birth,
		  merged *m)
{
	memset(m, 0, sizeof *m);
	tax_case *c = &m->c;
	const tax_doc *ret = NULL, *main_salary = NULL;
	for (size_t i = 0; i < p->n; i++) {
		const tax_doc *d = &p->docs[i];
		switch (d->kind) {
		case TAX_DOC_RETURN:
			m->n_return++;
			ret = d;   /* ordered by doc id: the last loaded wins */
			break;
		case TAX_DOC_SALARY:
			m->n_salary++;
			if (!main_salary ||
			    d->body.income.salary_revenue > main_salary->body.income.salary_revenue)
				main_salary = d;
			break;
		case TAX_DOC_PENSION:
			m->n_pension++;
			break;
		case TAX_DOC_ONESTOP:
			m->n_onestop++;
			break;
		}
	}
	if (ret) {
		*c = ret->body;
	} else {
		const tax_doc *rel = main_salary;
		for (size_t i = 0; i < p->n; i++) {
			const tax_doc *d = &p->docs[i];
			const tax_case *b = &d->body;
			if (d->kind == TAX_DOC_SALARY || d->kind == TAX_DOC_PENSION) {
				c->income.salary_revenue += b->income.salary_revenue;
				c->income.public_pension_revenue += b->income.public_pension_revenue;
				c->deductions.social_insurance += b->deductions.social_insurance;
				c->deductions.small_business_mutual_aid +=
					b->deductions.small_business_mutual_aid;
				const tax_life_insurance *l = &b->deductions.life_insurance;
				tax_life_insurance *t = &c->deductions.life_insurance;
				t->new_general += l->new_general;
				t->new_care_medical += l->new_care_medical;
				t->new_pension += l->new_pension;
				t->old_general += l->old_general;
				t->old_pension += l->old_pension;
				c->deductions.earthquake_insurance += b->deductions.earthquake_insurance;
				if (!rel)
					rel = d;   /* no salary report: the pension report's relatives */
			} else if (d->kind == TAX_DOC_ONESTOP) {
				c->donations.hometown += b->donations.hometown;
				c->donations.one_stop = true;
			}
		}
		if (rel) {
			const tax_case *b = &rel->body;
			c->disability = b->disability;
			c->widow = b->widow;
			c->single_parent = b->single_parent;
			c->working_student = b->working_student;
			c->has_spouse = b->has_spouse;
			c->spouse = b->spouse;
			c->n_dependants = b->n_dependants;
			memcpy(c->dependants, b->dependants, sizeof c->dependants);
		}
	}
	/* Who and where come from the roll, not from the documents. */
	c->fiscal_year = fiscal_year;
	snprintf(c->municipality, sizeof c->municipality, "%s", municipality);
	c->birth_date = birth;
	bool any_special = false;
	m->ordinary_requested = m->n_salary > 0;
	int64_t best = -1;
	for (size_t i = 0; i < p->n; i++) {
		const tax_doc *d = &p->docs[i];
		if (d->kind != TAX_DOC_SALARY)
			continue;
		if (!d->ordinary_collection) {
			m->ordinary_requested = false;
			any_special = true;
			if (d->body.income.salary_revenue > best) {
				best = d->body.income.salary_revenue;
				snprintf(m->special_payer, sizeof m->special_payer, "%s", d->payer_id);
			}
		}
	}
	if (!any_special)
		m->special_payer[0] = 0;
}

/* ---- Collection method and schedule ------------------------------------- */

typedef struct plan {
	char method[32];
	char payer[32];
	int64_t pension_part;
	tax_installment inst[TAX_SCHEDULE_MAX * 2];
	size_t n;
} plan;

static int add_inst(plan *p, const tax_installment *in, size_t n)
{
	if (p->n + n > sizeof p->inst / sizeof p->inst[0])
		return -1;
	memcpy(p->inst + p->n, in, n * sizeof *in);
	p->n += n;
	return 0;
}

static int previous_pension_part(store *s, int fiscal_year, const char *ano, int64_t *out,
				 at_error *err);

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
static int make_plan(store *s, const char *ano, const tax_collection_law *cl, const merged *m,
		     const tax_result *r, bool house_only, int fiscal_year, int64_t unit,
		     const at_municipality *mu, plan *p, at_error *err)
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

/* ---- Writing an assessment version -------------------------------------- */

typedef struct roll_row {
	char addressee_no[16];
	char status[24];
	at_date birth;
} roll_row;

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

static int insert_version(store *s, int fiscal_year, const char *ano, int version,
			  const char *reason, const tax_result *r, const plan *p,
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

/* A 住登外 person with a house or office here pays the per-capita levy only
 * (地方税法294条1項2号, 310条); the 森林環境税 is levied where they live
 * (森林環境税及び森林環境譲与税に関する法律 3条: 国内に住所を有する個人). */
static void house_only_result(tax_result *r)
{
	r->income_levy_municipal = r->income_levy_prefectural = r->income_levy_total = 0;
	r->forest_environment = 0;
	r->per_capita_total = r->per_capita_municipal + r->per_capita_prefectural;
	r->annual_tax = r->per_capita_total;
}

/* Load the matched documents of roll persons [first, last] into per-person lists. */
static int load_docs(store *s, const keyring *kr, int fiscal_year, const char *first,
		     const char *last, const roll_row *rows, size_t nrows, person_docs *pd,
		     at_error *err)
{
	store_stmt *st = store_prepare(s,
		"SELECT addressee_no, kind, record_id, sealed FROM tax_doc WHERE fiscal_year = ?"
		" AND addressee_no BETWEEN ? AND ? AND status = 'matched'"
		" ORDER BY addressee_no, doc_id", err);
	if (!st)
		return -1;
	store_bind_int(st, 1, fiscal_year);
	store_bind_text(st, 2, first);
	store_bind_text(st, 3, last);
	size_t j = 0;
	int r;
	tax_doc doc;
	while ((r = store_step(st, err)) == STORE_ROW) {
		const char *ano = store_col_text(st, 0);
		while (j < nrows && strcmp(rows[j].addressee_no, ano) < 0)
			j++;
		if (j == nrows || strcmp(rows[j].addressee_no, ano))
			continue;   /* not in this chunk's persons (e.g. not resident) */
		if (tax_doc_load(kr, fiscal_year, (int)store_col_int(st, 1), store_col_text(st, 2),
				 store_col_text(st, 3), &doc, err) ||
		    docs_push(&pd[j], &doc)) {
			if (!err->code[0])
				at_fail(err, 500, AT_E_INTERNAL, "", "out of memory");
			store_done(st);
			return -1;
		}
	}
	store_done(st);
	return r < 0 ? -1 : 0;
}

/* ---- The annual batch ---------------------------------------------------- */

int tax_assess(store *s, const keyring *kr, const door_ctx *ctx, const tax_law *law,
	       int fiscal_year, int chunk, json_t **summary, at_error *err)
{
	*summary = NULL;
	at_municipality mu;
	if (municipality_of(s, &mu, err))
		return -1;
	const char *muni = mu.code;
	if (!tax_law_has_year(law, fiscal_year))
		return at_fail(err, 400, AT_E_INVALID, "fiscal_year",
			       "no tax law data for fiscal year %d", fiscal_year);
	if (!tax_law_has_municipality(law, muni))
		return at_fail(err, 400, AT_E_INVALID, "municipality",
			       "no tax data for municipality %s", muni);
	if (chunk < 1 || chunk > 100000)
		return at_fail(err, 400, AT_E_INVALID, "chunk", "chunk must be 1..100000");
	tax_collection_law cl;
	if (tax_law_collection(law, fiscal_year, &cl))
		return at_fail(err, 400, AT_E_INVALID, "fiscal_year",
			       "no tax law data for fiscal year %d", fiscal_year);
	int64_t unit = tax_law_installment_unit(law, muni);
	int64_t assessed = 0, taxable = 0, nontax = 0, n_special = 0, n_ordinary = 0,
		n_pension = 0, total = 0;
	roll_row *rows = calloc((size_t)chunk, sizeof *rows);
	person_docs *pd = calloc((size_t)chunk, sizeof *pd);
	if (!rows || !pd) {
		free(rows);
		free(pd);
		return at_fail(err, 500, AT_E_INTERNAL, "", "out of memory");
	}
	int rc = -1, chunks_done = 0;
#ifdef ATENA_TEST_CLOCK
	/* Tests simulate a crash after N committed chunks (restartability). */
	const char *stop_s = getenv("ATENA_TAX_STOP_AFTER_CHUNKS");
	int stop_after = stop_s ? atoi(stop_s) : 0;
#endif
	for (;;) {
		door *d = NULL;
		if (door_open(s, kr, ctx, DOOR_WRITE, &d, err))
			goto out;
		store *ds = door_store(d);
		char cursor[16] = "";
		store_stmt *st = store_prepare(ds,
			"SELECT cursor FROM tax_batch WHERE fiscal_year = ?", err);
		if (!st)
			goto fail_chunk;
		store_bind_int(st, 1, fiscal_year);
		int r = store_step(st, err);
		if (r == STORE_ROW)
			snprintf(cursor, sizeof cursor, "%s", store_col_text(st, 0));
		store_done(st);
		if (r < 0)
			goto fail_chunk;
		if (r != STORE_ROW) {
			st = store_prepare(ds, "INSERT INTO tax_batch(fiscal_year, cursor, assessed,"
					       " started_at) VALUES(?, '', 0, ?)", err);
			if (!st)
				goto fail_chunk;
			store_bind_int(st, 1, fiscal_year);
			store_bind_int(st, 2, time_now());
			r = store_step(st, err);
			store_done(st);
			if (r < 0)
				goto fail_chunk;
		}
		/* The next chunk: roll persons taxed here, not yet assessed. */
		st = store_prepare(ds,
			"SELECT addressee_no, status, birth_date FROM tax_roll r WHERE fiscal_year = ?"
			" AND addressee_no > ? AND status <> 'not_resident' AND NOT EXISTS(SELECT 1"
			" FROM tax_assessment a WHERE a.fiscal_year = r.fiscal_year"
			" AND a.addressee_no = r.addressee_no) ORDER BY addressee_no LIMIT ?", err);
		if (!st)
			goto fail_chunk;
		store_bind_int(st, 1, fiscal_year);
		store_bind_text(st, 2, cursor);
		store_bind_int(st, 3, chunk);
		size_t n = 0;
		while ((r = store_step(st, err)) == STORE_ROW) {
			snprintf(rows[n].addressee_no, sizeof rows[n].addressee_no, "%s",
				 store_col_text(st, 0));
			snprintf(rows[n].status, sizeof rows[n].status, "%s", store_col_text(st, 1));
			if (date_parse(store_col_text(st, 2), &rows[n].birth, "birth_date", err))
				r = -1;
			n++;
			if (r < 0)
				break;
		}
		store_done(st);
		if (r < 0)
			goto fail_chunk;
		if (!n) {
			st = store_prepare(ds, "UPDATE tax_batch SET finished_at = ? WHERE fiscal_year = ?",
					   err);
			if (!st)
				goto fail_chunk;
			store_bind_int(st, 1, time_now());
			store_bind_int(st, 2, fiscal_year);
			r = store_step(st, err);
			store_done(st);
			if (r < 0)
				goto fail_chunk;
			char what[160];
			snprintf(what, sizeof what, "assess finished: assessed=%lld in this run",
				 (long long)assessed);
			if (tax_note(d, "tax.assess_batch", "", fiscal_year, what, err))
				goto fail_chunk;
			if (door_commit(d, err))
				goto out;
			break;
		}
		for (size_t i = 0; i < n; i++)
			pd[i].n = 0;
		if (load_docs(ds, kr, fiscal_year, rows[0].addressee_no, rows[n - 1].addressee_no,
			      rows, n, pd, err))
			goto fail_chunk;
		for (size_t i = 0; i < n; i++) {
			merged m;
			merge(&pd[i], fiscal_year, muni, rows[i].birth, &m);
			tax_result res;
			if (tax_compute(law, &m.c, &res, err)) {
				snprintf(err->field, sizeof err->field, "addressee_no %s",
					 rows[i].addressee_no);
				goto fail_chunk;
			}
			bool house = !strcmp(rows[i].status, TAX_ROLL_HOUSE);
			if (house)
				house_only_result(&res);
			plan p;
			if (make_plan(ds, rows[i].addressee_no, &cl, &m, &res, house, fiscal_year, unit, &mu,
				      &p, err) ||
			    insert_version(ds, fiscal_year, rows[i].addressee_no, 1, "initial", &res, &p,
					   res.annual_tax, 0, &m.c, err))
				goto fail_chunk;
			char what[96];
			snprintf(what, sizeof what, "assess version=1 annual=%lld method=%s",
				 (long long)res.annual_tax, p.method);
			if (tax_note(d, "tax.assess", rows[i].addressee_no, fiscal_year, what, err))
				goto fail_chunk;
			assessed++;
			total += res.annual_tax;
			if (res.annual_tax > 0)
				taxable++;
			else
				nontax++;
			if (strstr(p.method, "special"))
				n_special++;
			if (strstr(p.method, "ordinary"))
				n_ordinary++;
			if (strstr(p.method, "pension"))
				n_pension++;
		}
		st = store_prepare(ds, "UPDATE tax_batch SET cursor = ?, assessed = assessed + ?"
				       " WHERE fiscal_year = ?", err);
		if (!st)
			goto fail_chunk;
		store_bind_text(st, 1, rows[n - 1].addressee_no);
		store_bind_int(st, 2, (int64_t)n);
		store_bind_int(st, 3, fiscal_year);
		r = store_step(st, err);
		store_done(st);
		if (r < 0)
			goto fail_chunk;
		if (door_commit(d, err))
			goto out;
		chunks_done++;
#ifdef ATENA_TEST_CLOCK
		if (stop_after && chunks_done >= stop_after) {
			at_fail(err, 500, "simulated_crash", "",
				"stopped after %d chunks (ATENA_TAX_STOP_AFTER_CHUNKS)", chunks_done);
			goto out;
		}
#endif
		continue;
fail_chunk:
		door_abort(d);
		goto out;
	}
	*summary = json_pack("{s:i,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:i}", "fiscal_year", fiscal_year,
			     "assessed", (json_int_t)assessed, "taxable", (json_int_t)taxable,
			     "non_taxable", (json_int_t)nontax, "special", (json_int_t)n_special,
			     "ordinary", (json_int_t)n_ordinary, "pension", (json_int_t)n_pension,
			     "total_tax", (json_int_t)total, "chunks", chunks_done);
	rc = 0;
out:
	for (int i = 0; i < chunk; i++)
		free(pd[i].docs);
	free(pd);
	free(rows);
	return rc;
}

/* ---- Corrections (更正) ---------------------------------------------------- */

static int parse_schedule(const char *text, tax_installment *out, size_t cap, size_t *n)
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

/* One person's correction inside the chunk's door: a new version with the
 * difference, the schedule revised from the first month not yet due. */
typedef struct due {
	roll_row row;
	int version;
	int64_t annual;
	char *schedule;
	char payer[32];
} due;

typedef struct reassess_run {
	const keyring *kr;
	const tax_law *law;
	const tax_collection_law *cl;
	const at_municipality *mu;
	int fiscal_year, oy, om;   /* the first month not yet due */
	int64_t unit, additional, refund_total, count;
	json_t *employers, *persons;
} reassess_run;

static int reassess_one(reassess_run *rr, door *d, due *x, at_error *err)
{
	store *ds = door_store(d);
	int fiscal_year = rr->fiscal_year;
	person_docs pd = {0};
	merged m;
	tax_result res;
	plan p;
	int rc = load_docs(ds, rr->kr, fiscal_year, x->row.addressee_no, x->row.addressee_no,
			   &x->row, 1, &pd, err);
	if (!rc) {
		merge(&pd, fiscal_year, rr->mu->code, x->row.birth, &m);
		rc = tax_compute(rr->law, &m.c, &res, err);
	}
	free(pd.docs);
	if (rc)
		return -1;
	bool house = !strcmp(x->row.status, TAX_ROLL_HOUSE);
	if (house)
		house_only_result(&res);
	if (make_plan(ds, x->row.addressee_no, rr->cl, &m, &res, house, fiscal_year, rr->unit,
		      rr->mu, &p, err))
		return -1;
	/* The method stays as notified for this year (the employer and the
	 * pension payer already deduct): only the amounts change, the months
	 * already due keep theirs (地方税法321条の6, 321条の7の6). */
	tax_installment old[TAX_SCHEDULE_MAX * 2], rev[TAX_SCHEDULE_MAX * 2 + 1];
	size_t nold = 0, nrev = 0;
	int64_t refund = 0;
	if (x->schedule && !parse_schedule(x->schedule, old, TAX_SCHEDULE_MAX * 2, &nold) &&
	    nold > 0) {
		if (tax_schedule_revise(old, nold, res.annual_tax, rr->oy, rr->om, rr->unit, rev,
					sizeof rev / sizeof rev[0], &nrev, &refund, err))
			return -1;
		memcpy(p.inst, rev, nrev * sizeof *rev);
		p.n = nrev;
		snprintf(p.payer, sizeof p.payer, "%s", x->payer);
	}
	int64_t diff = res.annual_tax - x->annual;
	if (insert_version(ds, fiscal_year, x->row.addressee_no, x->version + 1, "correction",
			   &res, &p, diff, refund, &m.c, err))
		return -1;
	store_stmt *st = store_prepare(ds, "UPDATE tax_roll SET dirty = 0 WHERE fiscal_year = ?"
				       " AND addressee_no = ?", err);
	if (!st)
		return -1;
	store_bind_int(st, 1, fiscal_year);
	store_bind_text(st, 2, x->row.addressee_no);
	rc = store_step(st, err) < 0 ? -1 : 0;
	store_done(st);
	char what[120];
	snprintf(what, sizeof what, "correction version=%d annual=%lld difference=%lld",
		 x->version + 1, (long long)res.annual_tax, (long long)diff);
	if (rc || tax_note(d, "tax.correct", x->row.addressee_no, fiscal_year, what, err))
		return -1;
	if (diff > 0)
		rr->additional += diff;
	rr->refund_total += refund;
	rr->count++;
	json_array_append_new(rr->persons, json_pack("{s:s,s:i,s:I,s:I}", "addressee_no",
						     x->row.addressee_no, "version", x->version + 1,
						     "annual_tax", (json_int_t)res.annual_tax,
						     "difference", (json_int_t)diff));
	/* The employer gets an amended special-collection notice (変更通知). */
	if (x->payer[0]) {
		bool seen = false;
		size_t k;
		json_t *e;
		json_array_foreach(rr->employers, k, e)
			seen = seen || !strcmp(json_string_value(e), x->payer);
		if (!seen)
			json_array_append_new(rr->employers, json_string(x->payer));
	}
	return 0;
}

/* The next chunk of persons marked for correction after `after`, in
 * addressee-number order: *n rows into list (caller frees). */
static int reassess_chunk_rows(store *ds, int fiscal_year, const char *after, int chunk,
			       due **list, size_t *n, at_error *err)
{
	*list = NULL;
	*n = 0;
	store_stmt *st = store_prepare(ds,
		"SELECT r.addressee_no, r.status, r.birth_date, a.version, a.annual_tax, a.schedule,"
		" a.payer_id FROM tax_roll r JOIN tax_assessment a ON a.fiscal_year = r.fiscal_year"
		" AND a.addressee_no = r.addressee_no AND a.version = (SELECT max(version) FROM"
		" tax_assessment b WHERE b.fiscal_year = r.fiscal_year AND b.addressee_no ="
		" r.addressee_no) WHERE r.fiscal_year = ? AND r.dirty = 1 AND r.addressee_no > ?"
		" ORDER BY r.addressee_no LIMIT ?", err);
	if (!st)
		return -1;
	store_bind_int(st, 1, fiscal_year);
	store_bind_text(st, 2, after);
	store_bind_int(st, 3, chunk);
	due *l = calloc((size_t)chunk, sizeof *l);
	if (!l) {
		store_done(st);
		return at_fail(err, 500, AT_E_INTERNAL, "", "out of memory");
	}
	int r = STORE_DONE;
	size_t k = 0;
	while (k < (size_t)chunk && (r = store_step(st, err)) == STORE_ROW) {
		due *x = &l[k++];
		snprintf(x->row.addressee_no, sizeof x->row.addressee_no, "%s", store_col_text(st, 0));
		snprintf(x->row.status, sizeof x->row.status, "%s", store_col_text(st, 1));
		date_parse(store_col_text(st, 2), &x->row.birth, "birth_date", NULL);
		x->version = (int)store_col_int(st, 3);
		x->annual = store_col_int(st, 4);
		x->schedule = strdup(store_col_text(st, 5));
		snprintf(x->payer, sizeof x->payer, "%s", store_col_text(st, 6));
	}
	store_done(st);
	*list = l;
	*n = k;
	return r < 0 ? -1 : 0;
}

int tax_reassess(store *s, const keyring *kr, const door_ctx *ctx, const tax_law *law,
		 int fiscal_year, at_date today, int chunk, json_t **summary, at_error *err)
{
	*summary = NULL;
	at_municipality mu;
	if (municipality_of(s, &mu, err))
		return -1;
	if (!tax_law_has_year(law, fiscal_year))
		return at_fail(err, 400, AT_E_INVALID, "fiscal_year",
			       "no tax law data for fiscal year %d", fiscal_year);
	if (chunk == 0)
		chunk = TAX_REASSESS_CHUNK;
	if (chunk < 1 || chunk > 100000)
		return at_fail(err, 400, AT_E_INVALID, "chunk", "chunk must be 1..100000");
	tax_collection_law cl;
	if (tax_law_collection(law, fiscal_year, &cl))
		return at_fail(err, 400, AT_E_INVALID, "fiscal_year",
			       "no tax law data for fiscal year %d", fiscal_year);
	if (!tax_correctable(law, fiscal_year, today))
		return at_fail(err, 409, "period_expired", "fiscal_year",
			       "fiscal year %d can no longer be corrected: 地方税法17条の5 allows %d years"
			       " from the statutory due date", fiscal_year, cl.correction_period_years);
	reassess_run rr = {.kr = kr, .law = law, .cl = &cl, .mu = &mu, .fiscal_year = fiscal_year,
			   .unit = tax_law_installment_unit(law, mu.code),
			   .employers = json_array(), .persons = json_array()};
	/* The first month not yet due: this month's installment has usually been
	 * deducted or billed already, so the change takes effect next month. */
	rr.oy = today.year;
	rr.om = today.month + 1;
	if (rr.om > 12) {
		rr.om = 1;
		rr.oy++;
	}
	/* Every marked person, a chunk per door and transaction (as tax_assess):
	 * a failure keeps the chunks before it, and a rerun takes up the rest
	 * (the marks of those corrected are cleared with them). */
	char after[16] = "";
	int64_t chunks = 0;
	for (;;) {
		door *d = NULL;
		if (door_open(s, kr, ctx, DOOR_WRITE, &d, err))
			goto fail;
		due *list = NULL;
		size_t n = 0;
		int rc = reassess_chunk_rows(door_store(d), fiscal_year, after, chunk, &list, &n, err);
		for (size_t i = 0; i < n && !rc; i++)
			rc = reassess_one(&rr, d, &list[i], err);
		if (n)
			snprintf(after, sizeof after, "%s", list[n - 1].row.addressee_no);
		for (size_t i = 0; i < n; i++)
			free(list[i].schedule);
		free(list);
		if (rc) {
			door_abort(d);
			goto fail;
		}
		if (door_commit(d, err))
			goto fail;
		chunks += n > 0;
		if (n < (size_t)chunk)
			break;
	}
	*summary = json_pack("{s:i,s:I,s:I,s:I,s:I,s:o,s:o}", "fiscal_year", fiscal_year,
			     "reassessed", (json_int_t)rr.count, "chunks", (json_int_t)chunks,
			     "additional", (json_int_t)rr.additional, "refund",
			     (json_int_t)rr.refund_total, "employers", rr.employers, "persons",
			     rr.persons);
	return 0;
fail:
	json_decref(rr.employers);
	json_decref(rr.persons);
	return -1;
}

/* ---- Views -------------------------------------------------------------------- */

int tax_person(door *d, const keyring *kr, const tax_law *law, int fiscal_year,
	       const char *addressee_no, json_t **out, at_error *err)
{
	(void)kr;
	*out = NULL;
	store *s = door_store(d);
	store_stmt *st = store_prepare(s,
		"SELECT version, reason, annual_tax, difference, refund, method, payer_id, schedule,"
		" base, created_at, non_taxable FROM tax_assessment WHERE fiscal_year = ?"
		" AND addressee_no = ? ORDER BY version DESC", err);
	if (!st)
		return -1;
	store_bind_int(st, 1, fiscal_year);
	store_bind_text(st, 2, addressee_no);
	json_t *versions = json_array();
	int r;
	while ((r = store_step(st, err)) == STORE_ROW) {
		json_error_t je;
		json_t *sched = json_loads(store_col_text(st, 7), 0, &je);
		json_t *base = json_loads(store_col_text(st, 8), 0, &je);
		json_t *result = NULL;
		tax_case c;
		tax_result res;
		at_error e2;
		/* The explanation is recomputed from the stored base with the same
		 * year's law: law files are versioned, so this is what was assessed. */
		if (base && !tax_case_from_json(base, &c, &e2) && !tax_compute(law, &c, &res, &e2))
			result = tax_result_to_json(law, &c, &res);
		json_array_append_new(versions, json_pack(
			"{s:I,s:s,s:I,s:I,s:I,s:s,s:s,s:o*,s:o*,s:o*,s:I,s:s}",
			"version", (json_int_t)store_col_int(st, 0), "reason", store_col_text(st, 1),
			"annual_tax", (json_int_t)store_col_int(st, 2), "difference",
			(json_int_t)store_col_int(st, 3), "refund", (json_int_t)store_col_int(st, 4),
			"method", store_col_text(st, 5), "payer_id", store_col_text(st, 6), "schedule",
			sched, "base", base, "result", result, "created_at",
			(json_int_t)store_col_int(st, 9), "non_taxable", store_col_text(st, 10)));
	}
	store_done(st);
	if (r < 0) {
		json_decref(versions);
		return -1;
	}
	if (!json_array_size(versions)) {
		json_decref(versions);
		return at_fail(err, 404, AT_E_NOT_FOUND, "addressee_no",
			       "no assessment of %s for fiscal year %d", addressee_no, fiscal_year);
	}
	json_t *docs = json_array();
	st = store_prepare(s, "SELECT doc_id, kind, payer_id, status, loaded_at FROM tax_doc"
			      " WHERE fiscal_year = ? AND addressee_no = ? ORDER BY doc_id", err);
	if (!st) {
		json_decref(versions);
		json_decref(docs);
		return -1;
	}
	store_bind_int(st, 1, fiscal_year);
	store_bind_text(st, 2, addressee_no);
	while ((r = store_step(st, err)) == STORE_ROW)
		json_array_append_new(docs, json_pack(
			"{s:I,s:s,s:s,s:s,s:I}", "doc_id", (json_int_t)store_col_int(st, 0), "kind",
			tax_doc_kind_name((tax_doc_kind)store_col_int(st, 1)), "payer_id",
			store_col_text(st, 2), "status", store_col_text(st, 3), "loaded_at",
			(json_int_t)store_col_int(st, 4)));
	store_done(st);
	if (r < 0 || tax_note(d, "tax.view", addressee_no, fiscal_year, "assessment", err)) {
		json_decref(versions);
		json_decref(docs);
		return -1;
	}
	*out = json_pack("{s:s,s:i,s:o,s:o}", "addressee_no", addressee_no, "fiscal_year",
			 fiscal_year, "versions", versions, "documents", docs);
	return 0;
}
