/*
 * The assessment, phase 1 — a person: their matched documents loaded and
 * merged into one case (名寄せ (一本化), seed 004 §1), and the per-capita-only
 * result of a 住登外 taxpayer with a house here. Used by the annual batch
 * (tax_assess.c) and corrections (tax_reassess.c); internal (tax_int.h).
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

static int docs_push(tax_person_docs *p, const tax_doc *d)
{
	if (p->n == p->cap) {
		/* most persons have one or two documents of about 8.8 KB each: grow
		 * from one, not four (a chunk of 5,000 persons held 176 MB) */
		size_t nc = p->cap ? p->cap * 2 : 1;
		tax_doc *nd = realloc(p->docs, nc * sizeof *nd);
		if (!nd)
			return -1;
		p->docs = nd;
		p->cap = nc;
	}
	p->docs[p->n++] = *d;
	return 0;
}


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
void tax_merge(const tax_person_docs *p, int fiscal_year, const char *municipality, at_date birth,
		  tax_merged *m)
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

/* Load the matched documents of roll persons [first, last] into per-person lists. */
int tax_load_docs(store *s, const keyring *kr, int fiscal_year, const char *first,
		     const char *last, const tax_roll_row *rows, size_t nrows, tax_person_docs *pd,
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

/* A 住登外 person with a house or office here pays the per-capita levy only
 * (地方税法294条1項2号, 310条); the 森林環境税 is levied where they live
 * (森林環境税及び森林環境譲与税に関する法律 3条: 国内に住所を有する個人). */
void tax_house_only(tax_result *r)
{
	r->income_levy_municipal = r->income_levy_prefectural = r->income_levy_total = 0;
	r->forest_environment = 0;
	r->per_capita_total = r->per_capita_municipal + r->per_capita_prefectural;
	r->annual_tax = r->per_capita_total;
}
