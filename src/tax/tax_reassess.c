/*
 * Corrections (更正, 地方税法17条の5): every person whose documents changed
 * after their last assessment gets a new version with the difference and a
 * revised schedule, chunk after chunk (tax.h: tax_reassess); a person the
 * annual batch has not assessed gets their first assessment (tax_assess.c).
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

/* ---- Corrections (更正) ---------------------------------------------------- */


/* One person's correction inside the chunk's door: a new version with the
 * difference, the schedule revised from the first month not yet due. */
typedef struct due {
	tax_roll_row row;
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
	tax_person_docs pd = {0};
	tax_merged m;
	tax_result res;
	tax_plan p;
	int rc = tax_load_docs(ds, rr->kr, fiscal_year, x->row.addressee_no, x->row.addressee_no,
			   &x->row, 1, &pd, err);
	if (!rc) {
		tax_merge(&pd, fiscal_year, rr->mu->code, x->row.birth, &m);
		rc = tax_compute(rr->law, &m.c, &res, err);
	}
	free(pd.docs);
	if (rc)
		return -1;
	bool house = !strcmp(x->row.status, TAX_ROLL_HOUSE);
	if (house)
		tax_house_only(&res);
	if (tax_make_plan(ds, x->row.addressee_no, rr->cl, &m, &res, house, fiscal_year, rr->unit,
		      rr->mu, &p, err))
		return -1;
	/* The method stays as notified for this year (the employer and the
	 * pension payer already deduct): only the amounts change, the months
	 * already due keep theirs (地方税法321条の6, 321条の7の6). */
	tax_installment old[TAX_SCHEDULE_MAX * 2], rev[TAX_SCHEDULE_MAX * 2 + 1];
	size_t nold = 0, nrev = 0;
	int64_t refund = 0;
	if (x->schedule && !tax_parse_schedule(x->schedule, old, TAX_SCHEDULE_MAX * 2, &nold) &&
	    nold > 0) {
		if (tax_schedule_revise(old, nold, res.annual_tax, rr->oy, rr->om, rr->unit, rev,
					sizeof rev / sizeof rev[0], &nrev, &refund, err))
			return -1;
		memcpy(p.inst, rev, nrev * sizeof *rev);
		p.n = nrev;
		snprintf(p.payer, sizeof p.payer, "%s", x->payer);
	}
	int64_t diff = res.annual_tax - x->annual;
	if (tax_insert_version(ds, fiscal_year, x->row.addressee_no, x->version + 1, "correction",
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
	if (chunk == 0)
		chunk = TAX_REASSESS_CHUNK;
	tax_batch_env env;
	if (tax_batch_setup(s, law, fiscal_year, chunk, &env, err))
		return -1;
	const tax_collection_law cl = env.cl;
	if (!tax_correctable(law, fiscal_year, today))
		return at_fail(err, 409, "period_expired", "fiscal_year",
			       "fiscal year %d can no longer be corrected: 地方税法17条の5 allows %d years"
			       " from the statutory due date", fiscal_year, cl.correction_period_years);
	reassess_run rr = {.kr = kr, .law = law, .cl = &env.cl, .mu = &env.mu,
			   .fiscal_year = fiscal_year, .unit = env.unit,
			   .employers = json_array(), .persons = json_array()};
	/* The first month not yet due: this month's installment has usually been
	 * deducted or billed already, so the change takes effect next month. */
	rr.oy = today.year;
	rr.om = today.month + 1;
	if (rr.om > 12) {
		rr.om = 1;
		rr.oy++;
	}
	/* A person on the roll with no assessment yet (a 住登外 registered after
	 * the annual batch, seed 000 §1.5) gets their first one here, as the
	 * batch would give it; those are not corrections, and are counted apart. */
	tax_assess_tally first;
	if (tax_assess_pending(s, kr, ctx, law, &env, fiscal_year, chunk, false, &first, err))
		goto fail;
	/* Every marked person, a chunk per door and transaction (as tax_assess):
	 * a failure keeps the chunks before it, and a rerun takes up the rest
	 * (the marks of those corrected are cleared with them). */
	char after[16] = "";
	int64_t chunks = 0;
	for (;;) {
		door *d = NULL;
		if (door_open_owner(s, kr, ctx, DOOR_WRITE, &tax_owner, &d, err))
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
	*summary = json_pack("{s:i,s:I,s:I,s:I,s:I,s:I,s:o,s:o}", "fiscal_year", fiscal_year,
			     "assessed", (json_int_t)first.assessed,
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

