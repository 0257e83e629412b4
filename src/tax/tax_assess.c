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

int tax_assess(store *s, const keyring *kr, const door_ctx *ctx, const tax_law *law,
	       int fiscal_year, int chunk, json_t **summary, at_error *err)
{
	*summary = NULL;
	tax_batch_env env;
	if (tax_batch_setup(s, law, fiscal_year, chunk, &env, err))
		return -1;
	const at_municipality *mu = &env.mu;
	const char *muni = mu->code;
	const tax_collection_law *clp = &env.cl;
	int64_t unit = env.unit;
	int64_t assessed = 0, taxable = 0, nontax = 0, n_special = 0, n_ordinary = 0,
		n_pension = 0, total = 0;
	tax_roll_row *rows = calloc((size_t)chunk, sizeof *rows);
	tax_person_docs *pd = calloc((size_t)chunk, sizeof *pd);
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
		if (door_open_owner(s, kr, ctx, DOOR_WRITE, &tax_owner, &d, err))
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
		if (tax_load_docs(ds, kr, fiscal_year, rows[0].addressee_no, rows[n - 1].addressee_no,
			      rows, n, pd, err))
			goto fail_chunk;
		for (size_t i = 0; i < n; i++) {
			tax_merged m;
			tax_merge(&pd[i], fiscal_year, muni, rows[i].birth, &m);
			tax_result res;
			if (tax_compute(law, &m.c, &res, err)) {
				snprintf(err->field, sizeof err->field, "addressee_no %s",
					 rows[i].addressee_no);
				goto fail_chunk;
			}
			bool house = !strcmp(rows[i].status, TAX_ROLL_HOUSE);
			if (house)
				tax_house_only(&res);
			tax_plan p;
			if (tax_make_plan(ds, rows[i].addressee_no, clp, &m, &res, house, fiscal_year, unit, mu,
				      &p, err) ||
			    tax_insert_version(ds, fiscal_year, rows[i].addressee_no, 1, "initial", &res, &p,
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
