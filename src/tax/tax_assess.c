/*
 * The assessment, phase 3 — the annual batch (tax_assess: chunk after chunk
 * of roll persons, each chunk its own door and transaction) and the view of a
 * person's assessments (tax_person). The phases it runs per person are in
 * tax_person_case.c (documents into one case) and tax_plan.c (collection
 * plan, the version written); corrections are in tax_reassess.c.
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

/* ---- The annual batch ---------------------------------------------------- */

/* The annual batch's progress row (tax_batch): made by its first chunk. */
static int batch_row(store *ds, int fiscal_year, at_error *err)
{
	store_stmt *st = store_prepare(ds,
		"INSERT INTO tax_batch(fiscal_year, cursor, assessed, started_at) VALUES(?, '', 0, ?)"
		" ON CONFLICT(fiscal_year) DO NOTHING", err);
	if (!st)
		return -1;
	store_bind_int(st, 1, fiscal_year);
	store_bind_int(st, 2, time_now());
	int r = store_step(st, err);
	store_done(st);
	return r < 0 ? -1 : 0;
}

/* The next chunk after `after`: roll persons taxed here with no assessment
 * of the year yet. Whether a person is assessed is the one test of what is
 * left, not the batch's cursor: a person put on the roll after the batch
 * passed their number (a 住登外 registered from a held document, seed 000
 * §1.5) is found by the next run. A correction run takes them only once the
 * annual batch has run for the year (tax_batch has its row). */
static int pending_rows(store *ds, int fiscal_year, const char *after, int chunk, bool batch,
			tax_roll_row *rows, size_t *n, at_error *err)
{
	*n = 0;
	store_stmt *st = store_prepare(ds,
		"SELECT addressee_no, status, birth_date FROM tax_roll r WHERE fiscal_year = ?"
		" AND addressee_no > ? AND status <> 'not_resident' AND NOT EXISTS(SELECT 1"
		" FROM tax_assessment a WHERE a.fiscal_year = r.fiscal_year"
		" AND a.addressee_no = r.addressee_no) AND (? = 1 OR EXISTS(SELECT 1 FROM tax_batch b"
		" WHERE b.fiscal_year = r.fiscal_year)) ORDER BY addressee_no LIMIT ?", err);
	if (!st)
		return -1;
	store_bind_int(st, 1, fiscal_year);
	store_bind_text(st, 2, after);
	store_bind_int(st, 3, batch);
	store_bind_int(st, 4, chunk);
	int r;
	while ((r = store_step(st, err)) == STORE_ROW) {
		tax_roll_row *x = &rows[(*n)++];
		snprintf(x->addressee_no, sizeof x->addressee_no, "%s", store_col_text(st, 0));
		snprintf(x->status, sizeof x->status, "%s", store_col_text(st, 1));
		if (date_parse(store_col_text(st, 2), &x->birth, "birth_date", err)) {
			r = -1;
			break;
		}
	}
	store_done(st);
	return r < 0 ? -1 : 0;
}

/* Version 1 of each of the chunk's persons, audited "tax.assess". */
static int assess_chunk(door *d, const keyring *kr, const tax_law *law, const tax_batch_env *env,
			int fiscal_year, const tax_roll_row *rows, size_t n, tax_person_docs *pd,
			tax_assess_tally *t, at_error *err)
{
	store *ds = door_store(d);
	for (size_t i = 0; i < n; i++)
		pd[i].n = 0;
	if (tax_load_docs(ds, kr, fiscal_year, rows[0].addressee_no, rows[n - 1].addressee_no,
			  rows, n, pd, err))
		return -1;
	for (size_t i = 0; i < n; i++) {
		tax_merged m;
		tax_merge(&pd[i], fiscal_year, env->mu.code, rows[i].birth, &m);
		tax_result res;
		if (tax_compute(law, &m.c, &res, err)) {
			snprintf(err->field, sizeof err->field, "addressee_no %s",
				 rows[i].addressee_no);
			return -1;
		}
		bool house = !strcmp(rows[i].status, TAX_ROLL_HOUSE);
		if (house)
			tax_house_only(&res);
		tax_plan p;
		if (tax_make_plan(ds, rows[i].addressee_no, &env->cl, &m, &res, house, fiscal_year,
				  env->unit, &env->mu, &p, err) ||
		    tax_insert_version(ds, fiscal_year, rows[i].addressee_no, 1, "initial", &res, &p,
				       res.annual_tax, 0, &m.c, err))
			return -1;
		char what[96];
		snprintf(what, sizeof what, "assess version=1 annual=%lld method=%s",
			 (long long)res.annual_tax, p.method);
		if (tax_note(d, "tax.assess", rows[i].addressee_no, fiscal_year, what, err))
			return -1;
		t->assessed++;
		t->total += res.annual_tax;
		if (res.annual_tax > 0)
			t->taxable++;
		else
			t->nontax++;
		if (strstr(p.method, "special"))
			t->special++;
		if (strstr(p.method, "ordinary"))
			t->ordinary++;
		if (strstr(p.method, "pension"))
			t->pension++;
	}
	return 0;
}

/* The batch's row after a chunk (progress: the last number done, the count)
 * or after the last (finished, and the run's end in the log). */
static int batch_progress(door *d, int fiscal_year, const char *last, int64_t n,
			  int64_t assessed, at_error *err)
{
	store *ds = door_store(d);
	store_stmt *st = last
		? store_prepare(ds, "UPDATE tax_batch SET cursor = ?, assessed = assessed + ?"
				    " WHERE fiscal_year = ?", err)
		: store_prepare(ds, "UPDATE tax_batch SET finished_at = ? WHERE fiscal_year = ?", err);
	if (!st)
		return -1;
	if (last) {
		store_bind_text(st, 1, last);
		store_bind_int(st, 2, n);
		store_bind_int(st, 3, fiscal_year);
	} else {
		store_bind_int(st, 1, time_now());
		store_bind_int(st, 2, fiscal_year);
	}
	int r = store_step(st, err);
	store_done(st);
	if (r < 0)
		return -1;
	if (last)
		return 0;
	char what[160];
	snprintf(what, sizeof what, "assess finished: assessed=%lld in this run", (long long)assessed);
	return tax_note(d, "tax.assess_batch", "", fiscal_year, what, err);
}

int tax_assess_pending(store *s, const keyring *kr, const door_ctx *ctx, const tax_law *law,
		       const tax_batch_env *env, int fiscal_year, int chunk, bool batch,
		       tax_assess_tally *t, at_error *err)
{
	memset(t, 0, sizeof *t);
	if (store_cache_size(s, TAX_BULK_CACHE_MIB, err))
		return -1;
	tax_roll_row *rows = calloc((size_t)chunk, sizeof *rows);
	tax_person_docs *pd = calloc((size_t)chunk, sizeof *pd);
	if (!rows || !pd) {
		free(rows);
		free(pd);
		return at_fail(err, 500, AT_E_INTERNAL, "", "out of memory");
	}
	int rc = -1;
	/* Each run starts from the first number: the persons already assessed
	 * are passed over by the query itself, so a rerun neither repeats them
	 * nor misses one added behind an earlier run. */
	char after[16] = "";
	for (;;) {
		door *d = NULL;
		if (door_open_owner(s, kr, ctx, DOOR_WRITE, &tax_owner, &d, err))
			goto out;
		size_t n = 0;
		if ((batch && batch_row(door_store(d), fiscal_year, err)) ||
		    pending_rows(door_store(d), fiscal_year, after, chunk, batch, rows, &n, err))
			goto fail_chunk;
		if (!n) {
			if (batch && batch_progress(d, fiscal_year, NULL, 0, t->assessed, err))
				goto fail_chunk;
			if (door_commit(d, err))
				goto out;
			break;
		}
		if (assess_chunk(d, kr, law, env, fiscal_year, rows, n, pd, t, err) ||
		    (batch && batch_progress(d, fiscal_year, rows[n - 1].addressee_no, (int64_t)n,
					     t->assessed, err)))
			goto fail_chunk;
		if (door_commit(d, err))
			goto out;
		snprintf(after, sizeof after, "%s", rows[n - 1].addressee_no);
		t->chunks++;
		continue;
fail_chunk:
		door_abort(d);
		goto out;
	}
	rc = 0;
out:
	for (int i = 0; i < chunk; i++)
		free(pd[i].docs);
	free(pd);
	free(rows);
	return rc;
}

int tax_assess(store *s, const keyring *kr, const door_ctx *ctx, const tax_law *law,
	       int fiscal_year, int chunk, json_t **summary, at_error *err)
{
	*summary = NULL;
	tax_batch_env env;
	tax_assess_tally t;
	if (tax_batch_setup(s, law, fiscal_year, chunk, &env, err) ||
	    tax_assess_pending(s, kr, ctx, law, &env, fiscal_year, chunk, true, &t, err))
		return -1;
	*summary = json_pack("{s:i,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:i}", "fiscal_year", fiscal_year,
			     "assessed", (json_int_t)t.assessed, "taxable", (json_int_t)t.taxable,
			     "non_taxable", (json_int_t)t.nontax, "special", (json_int_t)t.special,
			     "ordinary", (json_int_t)t.ordinary, "pension", (json_int_t)t.pension,
			     "total_tax", (json_int_t)t.total, "chunks", t.chunks);
	return 0;
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
	/* A support-measure person's tax record alerts as their register record
	 * does (issue 9 §5): the alert follows the person. */
	if (r < 0 || tax_note(d, "tax.view", addressee_no, fiscal_year, "assessment", err) ||
	    door_note_subject_read(d, addressee_no, "tax assessment", err)) {
		json_decref(versions);
		json_decref(docs);
		return -1;
	}
	*out = json_pack("{s:s,s:i,s:o,s:o}", "addressee_no", addressee_no, "fiscal_year",
			 fiscal_year, "versions", versions, "documents", docs);
	return 0;
}
