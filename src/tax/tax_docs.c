/*
 * The data of the resident tax's notices and certificate (tax.h): built from
 * the latest assessment version, its explanation (recomputed from the stored
 * base by the same year's law) and the person's name and address read from
 * the register through the door (audited) — the tax tables hold no names.
 * The shapes are those of documents/tax_notice.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/date.h"
#include "core/json.h"
#include "policy/municipality.h"
#include "registry/registry.h"
#include "tax/engine.h"
#include "tax/schedule.h"
#include "tax/tax.h"
#include "tax_int.h"

static json_int_t geti(json_t *o, const char *a, const char *b)
{
	json_t *v = json_object_get(o, a);
	if (b)
		v = json_object_get(v, b);
	return json_integer_value(v);
}

typedef struct latest {
	int version;
	int64_t annual, difference, refund;
	char method[32], payer[32];
	json_t *schedule, *base, *result;
	tax_case c;
	tax_result r;
	int64_t previous_annual;
} latest;

static void latest_free(latest *l)
{
	json_decref(l->schedule);
	json_decref(l->base);
	json_decref(l->result);
}

static int load_latest(door *d, const tax_law *law, int fy, const char *ano, latest *l,
		       at_error *err)
{
	memset(l, 0, sizeof *l);
	store_stmt *st = store_prepare(door_store(d),
		"SELECT version, annual_tax, difference, refund, method, payer_id, schedule, base"
		" FROM tax_assessment WHERE fiscal_year = ? AND addressee_no = ?"
		" ORDER BY version DESC LIMIT 1", err);
	if (!st)
		return -1;
	store_bind_int(st, 1, fy);
	store_bind_text(st, 2, ano);
	int r = store_step(st, err);
	if (r == STORE_ROW) {
		json_error_t je;
		l->version = (int)store_col_int(st, 0);
		l->annual = store_col_int(st, 1);
		l->difference = store_col_int(st, 2);
		l->refund = store_col_int(st, 3);
		snprintf(l->method, sizeof l->method, "%s", store_col_text(st, 4));
		snprintf(l->payer, sizeof l->payer, "%s", store_col_text(st, 5));
		l->schedule = json_loads(store_col_text(st, 6), 0, &je);
		l->base = json_loads(store_col_text(st, 7), 0, &je);
	}
	store_done(st);
	if (r < 0)
		return -1;
	if (r != STORE_ROW)
		return at_fail(err, 404, AT_E_NOT_FOUND, "addressee_no",
			       "no assessment of %s for fiscal year %d", ano, fy);
	l->previous_annual = l->annual - l->difference;
	if (!l->base || tax_case_from_json(l->base, &l->c, err) ||
	    tax_compute(law, &l->c, &l->r, err))
		return -1;
	l->result = tax_result_to_json(law, &l->c, &l->r);
	return 0;
}

/* What the documents print of a taxpayer (documents/tax_notice.h): the
 * decision notice and the certificate print the taxpayer; the employer's
 * list prints each employee's name only. */
static const char *const printed_taxpayer[] = {"name", "name_kana", "address", "birth_date", NULL};
static const char *const printed_employee[] = {"name", "name_kana", NULL};

/* Name and address: from the register (through the door, audited: only the
 * taxpayer and only the items `printed` — registry_identity); a non-resident
 * taxpayer (住登外) is not in the register, so from the sealed document that
 * put them on the roll. */
static int identity(door *d, const keyring *kr, int fy, const char *ano,
		    const char *const *printed, json_t **out, at_error *err)
{
	*out = NULL;
	store_stmt *st = store_prepare(door_store(d),
		"SELECT status FROM tax_roll WHERE fiscal_year = ? AND addressee_no = ?", err);
	if (!st)
		return -1;
	store_bind_int(st, 1, fy);
	store_bind_text(st, 2, ano);
	int r = store_step(st, err);
	bool nonresident = r == STORE_ROW && !strncmp(store_col_text(st, 0), "nonresident", 11);
	store_done(st);
	if (r < 0)
		return -1;
	if (!nonresident) {
		json_t *p = NULL;
		if (registry_identity(d, ano, printed, &p, err))
			return -1;
		json_t *items = json_object_get(p, "items");
		*out = json_pack("{s:O*,s:O*,s:O*,s:O*,s:s}", "name", json_object_get(items, "name"),
				 "name_kana", json_object_get(items, "name_kana"), "address",
				 json_object_get(items, "address"), "birth_date",
				 json_object_get(items, "birth_date"), "addressee_no", ano);
		json_decref(p);
		return 0;
	}
	st = store_prepare(door_store(d),
		"SELECT kind, record_id, sealed FROM tax_doc WHERE fiscal_year = ? AND addressee_no = ?"
		" AND status = 'matched' ORDER BY doc_id LIMIT 1", err);
	if (!st)
		return -1;
	store_bind_int(st, 1, fy);
	store_bind_text(st, 2, ano);
	r = store_step(st, err);
	tax_doc doc;
	int rc = -1;
	if (r == STORE_ROW && !tax_doc_load(kr, fy, (int)store_col_int(st, 0),
					    store_col_text(st, 1), store_col_text(st, 2), &doc, err)) {
		char bd[11];
		date_format(doc.birth_date, bd);
		*out = json_pack("{s:s,s:s,s:s,s:s,s:s}", "name", doc.name, "name_kana",
				 doc.name_kana, "address", doc.address[0] ? doc.address : "（不明）",
				 "birth_date", bd, "addressee_no", ano);
		rc = 0;
	} else if (r != STORE_ROW && r >= 0) {
		at_fail(err, 404, AT_E_NOT_FOUND, "addressee_no", "no document names %s", ano);
	}
	store_done(st);
	return rc;
}

/* The employer's name as its reports give it (the tax tables keep only its number). */
static void payer_name(door *d, const keyring *kr, int fy, const char *payer, char *out,
		       size_t n)
{
	snprintf(out, n, "%s", payer);
	at_error e;
	store_stmt *st = store_prepare(door_store(d),
		"SELECT kind, record_id, sealed FROM tax_doc WHERE fiscal_year = ? AND payer_id = ?"
		" AND kind = 1 ORDER BY doc_id DESC LIMIT 1", &e);
	if (!st)
		return;
	store_bind_int(st, 1, fy);
	store_bind_text(st, 2, payer);
	tax_doc doc;
	if (store_step(st, &e) == STORE_ROW &&
	    !tax_doc_load(kr, fy, (int)store_col_int(st, 0), store_col_text(st, 1),
			  store_col_text(st, 2), &doc, &e) && doc.payer_name[0])
		snprintf(out, n, "%s", doc.payer_name);
	store_done(st);
}

/* The blocks income / deductions / tax of tax_notice.h from the engine's
 * explanation. */
static json_t *income_block(json_t *res)
{
	json_t *in = json_object_get(res, "income");
	json_t *o = json_object();
	static const char *const same[] = {"business", "real_estate", "dividends",
					   "misc_business", "misc_other", NULL};
	json_object_set_new(o, "salary", json_integer(geti(in, "salary_income", NULL)));
	json_object_set_new(o, "public_pension", json_integer(geti(in, "pension_income", NULL)));
	for (size_t i = 0; same[i]; i++)
		if (geti(in, same[i], NULL))
			json_object_set_new(o, same[i], json_integer(geti(in, same[i], NULL)));
	/* tax_notice.h: total_income is 合計所得金額, total_income_amount 総所得金額等. */
	json_object_set_new(o, "total_income", json_integer(geti(in, "total_income_amount", NULL)));
	json_object_set_new(o, "total_income_amount", json_integer(geti(in, "gross_total", NULL)));
	return o;
}

static json_t *deductions_block(json_t *res)
{
	json_t *d = json_object_get(res, "income_deductions");
	static const char *const map[][2] = {
		{"social_insurance", "social_insurance"},
		{"small_business_mutual_aid", "small_business_mutual_aid"},
		{"life_insurance", "life_insurance"},
		{"earthquake_insurance", "earthquake_insurance"},
		{"medical_expenses", "medical"},
		{"widow", "widow"},
		{"single_parent", "single_parent"},
		{"working_student", "working_student"},
		{"disability", "disability"},
		{"spouse", "spouse"},
		{"spouse_special", "spouse_special"},
		{"dependants", "dependants"},
		{"basic", "basic"},
		{"total", "total"},
	};
	json_t *o = json_object();
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
		json_int_t v = geti(d, map[i][0], NULL);
		if (v > 0 || !strcmp(map[i][1], "total"))
			json_object_set_new(o, map[i][1], json_integer(v));
	}
	return o;
}

static json_t *tax_block(const latest *l)
{
	const tax_result *r = &l->r;
	return json_pack("{s:I,s:{s:I,s:I},s:{s:I,s:I},s:I,s:{s:I},s:I}", "taxable_income",
			 (json_int_t)r->taxable_income, "municipal", "income_levy",
			 (json_int_t)r->income_levy_municipal, "per_capita",
			 (json_int_t)r->per_capita_municipal, "prefectural", "income_levy",
			 (json_int_t)r->income_levy_prefectural, "per_capita",
			 (json_int_t)r->per_capita_prefectural, "forest_environment",
			 (json_int_t)r->forest_environment, "credit_details", "adjustment",
			 (json_int_t)(r->adjustment_municipal + r->adjustment_prefectural),
			 "annual_tax", (json_int_t)r->annual_tax);
}

/* The document's common top: who issues it and the names of its levies come
 * from the municipality's identity data (policy/municipality.h). */
static json_t *doc_top(door *d, const char *kind, int fy, at_error *err)
{
	at_municipality mu;
	if (municipality_of(door_store(d), &mu, err))
		return NULL;
	char full[2 * MUNICIPALITY_TEXT], issuer[MUNICIPALITY_ISSUER], today[11];
	municipality_full_name(&mu, full);
	municipality_issuer(&mu, issuer);
	date_format(date_today(), today);
	return json_pack("{s:s,s:i,s:s,s:s,s:s,s:s,s:s}", "kind", kind, "fiscal_year", fy,
			 "municipality", full, "issuer", issuer, "issued_date", today,
			 "municipal_tax_name", mu.municipal_tax, "prefectural_tax_name",
			 mu.prefectural_tax);
}

static void add_revision(json_t *doc, const latest *l)
{
	if (l->version > 1 && l->difference) {
		json_object_set_new(doc, "revised", json_true());
		json_object_set_new(doc, "previous_annual_tax", json_integer(l->previous_annual));
		json_object_set_new(doc, "revision_reason", json_string("課税資料の追加・訂正による更正"));
	}
}

/* The months of the special-collection part, June..May, 12 integers. */
static json_t *monthly(json_t *schedule, int64_t *sum)
{
	json_t *m = json_array();
	*sum = 0;
	size_t i;
	json_t *e;
	int64_t by_month[12] = {0};
	json_array_foreach(schedule, i, e) {
		const char *k = json_string_value(json_object_get(e, "kind"));
		if (k && strcmp(k, "special"))
			continue;
		const char *mo = json_string_value(json_object_get(e, "month"));
		int y, mm;
		if (!mo || sscanf(mo, "%4d-%2d", &y, &mm) != 2)
			continue;
		int idx = (mm + 6) % 12;   /* June → 0 .. May → 11 */
		by_month[idx] += json_integer_value(json_object_get(e, "amount"));
	}
	for (int k = 0; k < 12; k++) {
		json_array_append_new(m, json_integer(by_month[k]));
		*sum += by_month[k];
	}
	return m;
}

int tax_document(door *d, const keyring *kr, const tax_law *law, int fiscal_year,
		 const char *addressee_no, const char *kind, json_t **out, at_error *err)
{
	*out = NULL;
	/* what it returns can be rendered (documents.h) */
	if (document_kinds_add(tax_document_kinds, err))
		return -1;
	bool dec = !strcmp(kind, "tax_decision"), emp = !strcmp(kind, "special_collection_employee"),
	     cert = !strcmp(kind, "tax_certificate");
	if (!dec && !emp && !cert)
		return at_fail(err, 400, AT_E_INVALID, "kind",
			       "kind must be tax_decision, special_collection_employee or "
			       "tax_certificate");
	latest l;
	json_t *who = NULL, *doc = NULL;
	int rc = -1;
	if (load_latest(d, law, fiscal_year, addressee_no, &l, err) ||
	    identity(d, kr, fiscal_year, addressee_no, printed_taxpayer, &who, err))
		goto out;
	doc = doc_top(d, kind, fiscal_year, err);
	if (!doc)
		goto out;
	json_object_set_new(doc, "income", income_block(l.result));
	json_object_set_new(doc, "deductions", deductions_block(l.result));
	json_object_set_new(doc, "tax", tax_block(&l));
	if (dec) {
		json_object_set(doc, "taxpayer", who);
		json_t *inst = json_array();
		size_t i;
		json_t *e;
		json_array_foreach(l.schedule, i, e) {
			json_t *x = json_pack("{s:O,s:O}", "month", json_object_get(e, "month"), "amount",
					      json_object_get(e, "amount"));
			const char *k = json_string_value(json_object_get(e, "kind"));
			json_object_set_new(x, "kind", json_string(k ? k : "ordinary"));
			json_array_append_new(inst, x);
		}
		if (!json_array_size(inst)) {
			json_decref(inst);
			at_fail(err, 409, AT_E_CONFLICT, "kind",
				"%s owes no tax for fiscal year %d: there is no payment notice (非課税)",
				addressee_no, fiscal_year);
			goto out;
		}
		json_object_set_new(doc, "installments", inst);
		if (l.refund)
			json_object_set_new(doc, "refund", json_integer(l.refund));
		add_revision(doc, &l);
	} else if (emp) {
		if (!l.payer[0]) {
			at_fail(err, 409, AT_E_CONFLICT, "kind",
				"%s is not collected by an employer in fiscal year %d", addressee_no,
				fiscal_year);
			goto out;
		}
		int64_t sum;
		char pname[128];
		payer_name(d, kr, fiscal_year, l.payer, pname, sizeof pname);
		json_object_set_new(doc, "employer", json_pack("{s:s,s:s}", "name", pname, "number",
							       l.payer));
		json_object_set_new(doc, "employee", json_pack("{s:O,s:O*,s:O*}", "name",
			json_object_get(who, "name"), "name_kana", json_object_get(who, "name_kana"),
			"address", json_object_get(who, "address")));
		json_object_set_new(doc, "monthly", monthly(l.schedule, &sum));
		json_object_set_new(doc, "special_collection_tax", json_integer(sum));
		add_revision(doc, &l);
	} else {
		json_object_set_new(doc, "person", json_pack("{s:O,s:O*,s:O,s:O*}", "name",
			json_object_get(who, "name"), "name_kana", json_object_get(who, "name_kana"),
			"address", json_object_get(who, "address"), "birth_date",
			json_object_get(who, "birth_date")));
		int under16 = 0, spec = 0, elder = 0;
		at_date dec31 = {fiscal_year - 1, 12, 31};
		for (size_t i = 0; i < l.c.n_dependants; i++) {
			at_date b = l.c.dependants[i].birth_date;
			int age = date_age_on(b, dec31);   /* the legal age on 31 December */
			if (age < 16)
				under16++;
			else if (age >= 19 && age < 23)
				spec++;
			else if (age >= 70)
				elder++;
		}
		json_object_set_new(doc, "family", json_pack("{s:b,s:i,s:i,s:i,s:i}", "spouse",
			l.c.has_spouse, "dependants", (int)l.c.n_dependants - under16, "specified",
			spec, "elderly", elder, "under_16", under16));
	}
	char what[64];
	snprintf(what, sizeof what, "document kind=%s version=%d", kind, l.version);
	if (tax_note(d, "tax.document", addressee_no, fiscal_year, what, err))
		goto out;
	*out = doc;
	doc = NULL;
	rc = 0;
out:
	json_decref(doc);
	json_decref(who);
	latest_free(&l);
	return rc;
}

int tax_employer_notice(door *d, const keyring *kr, const tax_law *law, int fiscal_year,
			const char *payer_id, const tax_page *page, json_t **out, at_error *err)
{
	(void)kr;
	(void)law;   /* the levy names are identity data now; the parameter stays for the callers */
	*out = NULL;
	if (document_kinds_add(tax_document_kinds, err))
		return -1;
	int64_t limit = page && page->limit ? page->limit : TAX_EMPLOYEES_MAX;
	int64_t after = page ? page->after : 0;
	if (limit < 1 || limit > TAX_EMPLOYEES_MAX)
		return at_fail(err, 400, AT_E_INVALID, "limit", "limit must be 1..%d",
			       TAX_EMPLOYEES_MAX);
	if (after < 0 || after > 9999999999LL)
		return at_fail(err, 400, AT_E_INVALID, "after",
			       "after must be an addressee number (10 digits)");
	char after_no[24];
	snprintf(after_no, sizeof after_no, "%010lld", (long long)after);
	/* Each employee's latest version whose collector is this payer, one
	 * more than the sheet holds so that it knows whether another follows. */
	store_stmt *st = store_prepare(door_store(d),
		"SELECT a.addressee_no, a.annual_tax, a.difference, a.version, a.schedule"
		" FROM tax_assessment a WHERE a.fiscal_year = ? AND a.payer_id = ?"
		" AND a.addressee_no > ?"
		" AND a.version = (SELECT max(version) FROM tax_assessment b"
		"  WHERE b.fiscal_year = a.fiscal_year AND b.addressee_no = a.addressee_no)"
		" ORDER BY a.addressee_no LIMIT ?", err);
	if (!st)
		return -1;
	store_bind_int(st, 1, fiscal_year);
	store_bind_text(st, 2, payer_id);
	store_bind_text(st, 3, after_no);
	store_bind_int(st, 4, limit + 1);
	json_t *emps = json_array();
	bool revised = false;
	int r;
	typedef struct row {
		char ano[16];
		int64_t annual, diff;
		int version;
		json_t *schedule;
	} row;
	row *rows = NULL;
	size_t n = 0, cap = 0;
	while ((r = store_step(st, err)) == STORE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			row *nr = realloc(rows, cap * sizeof *nr);
			if (!nr) {
				r = -1;
				break;
			}
			rows = nr;
		}
		json_error_t je;
		snprintf(rows[n].ano, sizeof rows[n].ano, "%s", store_col_text(st, 0));
		rows[n].annual = store_col_int(st, 1);
		rows[n].diff = store_col_int(st, 2);
		rows[n].version = (int)store_col_int(st, 3);
		rows[n].schedule = json_loads(store_col_text(st, 4), 0, &je);
		n++;
	}
	store_done(st);
	int rc = -1;
	if (r < 0)
		goto out;
	if (!n) {
		at_fail(err, 404, AT_E_NOT_FOUND, "payer_id",
			"no employee of %s is collected specially in fiscal year %d%s", payer_id,
			fiscal_year, after ? " after the given one" : "");
		goto out;
	}
	/* A sheet holds `limit` employees; the one more read only says that
	 * another sheet follows (nothing silently cut). */
	bool continues = (int64_t)n > limit;
	if (continues) {
		json_decref(rows[n - 1].schedule);
		n--;
	}
	for (size_t i = 0; i < n; i++)
		revised = revised || (rows[i].version > 1 && rows[i].diff);
	for (size_t i = 0; i < n; i++) {
		json_t *who = NULL;
		if (identity(d, kr, fiscal_year, rows[i].ano, printed_employee, &who, err))
			goto out;
		int64_t sum;
		json_t *m = monthly(rows[i].schedule, &sum);
		json_t *e = json_pack("{s:O,s:O*,s:s,s:I,s:o}", "name", json_object_get(who, "name"),
				      "name_kana", json_object_get(who, "name_kana"), "employee_no",
				      rows[i].ano, "annual_tax", (json_int_t)sum, "monthly", m);
		if (revised)
			json_object_set_new(e, "previous_annual_tax",
					    json_integer(rows[i].version > 1
							 ? sum - rows[i].diff : sum));
		json_array_append_new(emps, e);
		json_decref(who);
		if (tax_note(d, "tax.document", rows[i].ano, fiscal_year,
			     "document kind=special_collection_employer", err))
			goto out;
	}
	json_t *doc = doc_top(d, "special_collection_employer", fiscal_year, err);
	if (!doc)
		goto out;
	char pname[128];
	payer_name(d, kr, fiscal_year, payer_id, pname, sizeof pname);
	json_object_set_new(doc, "employer", json_pack("{s:s,s:s}", "name", pname, "number",
						       payer_id));
	json_object_set(doc, "employees", emps);
	if (after || continues)
		json_object_set_new(doc, "sheet", json_pack("{s:b,s:b,s:o}", "continued", after > 0,
							     "continues", continues, "next_after",
							     continues ? json_string(rows[n - 1].ano)
								       : json_null()));
	if (revised)
		json_object_set_new(doc, "revised", json_true());
	*out = doc;
	rc = 0;
out:
	for (size_t i = 0; i < n; i++)
		json_decref(rows[i].schedule);
	free(rows);
	json_decref(emps);
	return rc;
}
