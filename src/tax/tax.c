/*
 * The resident tax business (tax.h): tables, the roll of persons to tax on
 * January 1, intake and matching (名寄せ), holds, forwarding (回送) and the
 * 二重扶養 check. Assessment, corrections and documents: tax_assess.c.
 */
#include "tax/tax.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "core/date.h"
#include "core/json.h"
#include "core/kana.h"
#include "core/mynumber.h"
#include "core/text.h"
#include "policy/platform.h"
#include "registry/registry.h"
#include "tax_int.h"

/* ---- Tables --------------------------------------------------------------- */

static const store_migration migrations[] = {
	{1,
	 /* Persons to tax per fiscal year; no name, address or number in the
	  * clear: blind indexes for matching, the birth date for the engine. */
	 "CREATE TABLE tax_roll(fiscal_year INTEGER NOT NULL, addressee_no TEXT NOT NULL,"
	 " status TEXT NOT NULL CHECK(status IN ('resident','not_resident',"
	 "  'nonresident_deemed','nonresident_house')),"
	 " my_number_bidx TEXT, name_bidx TEXT, kana_bidx TEXT, birth_date TEXT NOT NULL,"
	 " household_no TEXT, elsewhere TEXT, dirty INTEGER NOT NULL DEFAULT 0,"
	 " PRIMARY KEY(fiscal_year, addressee_no))" STORE_CLUSTERED ";"
	 "CREATE INDEX tax_roll_mn ON tax_roll(fiscal_year, my_number_bidx);"
	 "CREATE INDEX tax_roll_dirty ON tax_roll(fiscal_year) WHERE dirty = 1;"
	 /* Every source document, sealed as received; status says what became of it. */
	 "CREATE TABLE tax_doc(doc_id " STORE_SERIAL_KEY ", fiscal_year INTEGER NOT NULL,"
	 " kind INTEGER NOT NULL, record_id TEXT NOT NULL, payer_id TEXT NOT NULL,"
	 " my_number_bidx TEXT NOT NULL, addressee_no TEXT,"
	 " status TEXT NOT NULL CHECK(status IN ('matched','held','superseded','rejected')),"
	 " hold_reason TEXT, sealed TEXT NOT NULL, loaded_at INTEGER NOT NULL,"
	 " UNIQUE(fiscal_year, kind, record_id));"
	 "CREATE INDEX tax_doc_person ON tax_doc(fiscal_year, addressee_no, kind);"
	 "CREATE INDEX tax_doc_status ON tax_doc(fiscal_year, status);"
	 /* The forwarding log (回送): what went where; the document is not kept
	  * (seed 004 §4 「保有・保管は行わない…資料回送の履歴としては保管」). */
	 "CREATE TABLE tax_forward(seq " STORE_SERIAL_KEY ", fiscal_year INTEGER NOT NULL,"
	 " kind INTEGER NOT NULL, record_id TEXT NOT NULL, payer_id TEXT NOT NULL,"
	 " addressee_no TEXT, destination TEXT NOT NULL, reason TEXT NOT NULL,"
	 " forwarded_at INTEGER NOT NULL, UNIQUE(fiscal_year, kind, record_id));"
	 /* Who claimed which dependant or spouse (blind index of their number). */
	 "CREATE TABLE tax_dependant_claim(fiscal_year INTEGER NOT NULL,"
	 " dependant_bidx TEXT NOT NULL, addressee_no TEXT NOT NULL,"
	 " PRIMARY KEY(fiscal_year, dependant_bidx, addressee_no))" STORE_CLUSTERED ";"
	 /* One row per assessment version; amounts only, keyed by addressee number. */
	 "CREATE TABLE tax_assessment(fiscal_year INTEGER NOT NULL, addressee_no TEXT NOT NULL,"
	 " version INTEGER NOT NULL, reason TEXT NOT NULL, annual_tax INTEGER NOT NULL,"
	 " income_levy INTEGER NOT NULL, per_capita INTEGER NOT NULL,"
	 " pension_part INTEGER NOT NULL, non_taxable TEXT NOT NULL, method TEXT NOT NULL,"
	 " payer_id TEXT NOT NULL, schedule TEXT NOT NULL, difference INTEGER NOT NULL,"
	 " refund INTEGER NOT NULL DEFAULT 0, base TEXT NOT NULL, created_at INTEGER NOT NULL,"
	 " PRIMARY KEY(fiscal_year, addressee_no, version))" STORE_CLUSTERED ";"
	 "CREATE INDEX tax_assessment_payer ON tax_assessment(fiscal_year, payer_id);"
	 /* insert only: guarded by migration 2 */
	 /* The annual batch's progress, so that a rerun continues (restartable). */
	 "CREATE TABLE tax_batch(fiscal_year " STORE_INT_KEY ", cursor TEXT NOT NULL,"
	 " assessed INTEGER NOT NULL, started_at INTEGER NOT NULL, finished_at INTEGER);"},
	/* The assessment's guard through the store's dialect layer (portable SQL,
	 * §9); it replaces the SQLite trigger of the same name that migration 1
	 * made in databases created before. */
	{2, NULL},
};

static int guard_assessment(store *s, at_error *err)
{
	return store_append_only(s, "tax_assessment", STORE_NO_UPDATE, NULL,
				 "tax_assessment keeps every version: insert, never update", err);
}

static const store_migration_step steps[] = {{2, guard_assessment}};

int tax_migrate(store *s, at_error *err)
{
	return store_migrate_steps(s, "tax", migrations, sizeof migrations / sizeof migrations[0],
				   steps, sizeof steps / sizeof steps[0], err);
}

/* ---- Matching queries (tax_int.h: test_tax_plan proves their plans) -------- */

/* The roll entry for a My Number. The candidates come from tax_roll_mn, which
 * holds the key; asked for every column at once, SQLite's planner preferred
 * a search of the primary key by fiscal year alone (a scan of the year:
 * 441 documents/s). Portable SQL instead of an index hint. */
const char TAX_SQL_ROLL_MATCH[] =
	"SELECT addressee_no, status, name_bidx, kana_bidx, birth_date, elsewhere"
	" FROM tax_roll WHERE fiscal_year = ? AND addressee_no IN (SELECT m.addressee_no"
	" FROM tax_roll m WHERE m.fiscal_year = ? AND m.my_number_bidx = ?)"
	" ORDER BY status = 'resident' DESC LIMIT 1";

/* 訂正分: an earlier matched report of the same kind from the same payer. */
const char TAX_SQL_SUPERSEDE[] =
	"UPDATE tax_doc SET status = 'superseded'"
	" WHERE fiscal_year = ? AND kind = ?"
	" AND addressee_no = ? AND payer_id = ? AND status = 'matched' AND doc_id <> ?";

/* 二重扶養: every claim on a relative claimed more than once, one row per claim
 * in order of the relative (portable: no group_concat). */
const char TAX_SQL_DOUBLE_CLAIMS[] =
	"SELECT c.dependant_bidx, c.addressee_no FROM tax_dependant_claim c"
	" WHERE c.fiscal_year = ? AND c.dependant_bidx IN (SELECT dependant_bidx"
	" FROM tax_dependant_claim WHERE fiscal_year = ? GROUP BY dependant_bidx"
	" HAVING count(*) > 1) ORDER BY c.dependant_bidx, c.addressee_no";

/* ---- Helpers ---------------------------------------------------------------- */

void tax_bidx_my_number(const keyring *kr, const char *my_number, strbuf *out)
{
	/* The same domain as the door's My Number index is deliberately not
	 * used: the tax module's index must not be joinable with the register's. */
	crypto_blind_index(kr, "tax.my_number", my_number, out);
}

void tax_bidx_name(const keyring *kr, const char *name, strbuf *out)
{
	/* Names are compared without spaces (half- or full-width): documents
	 * write 「目黒　太郎」, 「目黒 太郎」 or 「目黒太郎」 for the same person. */
	strbuf n = STRBUF_INIT;
	sb_init(&n);
	for (const char *p = name; *p;) {
		if (*p == ' ') {
			p++;
			continue;
		}
		if (!strncmp(p, "\xe3\x80\x80", 3)) {   /* U+3000 */
			p += 3;
			continue;
		}
		sb_addch(&n, *p++);
	}
	crypto_blind_index(kr, "tax.name", n.buf ? n.buf : "", out);
	sb_release(&n);
}

int tax_bidx_kana(const keyring *kr, const char *kana, strbuf *out, at_error *err)
{
	strbuf k = STRBUF_INIT;
	sb_init(&k);
	if (kana_search_key(kana, &k, err)) {
		sb_release(&k);
		return -1;
	}
	crypto_blind_index(kr, "tax.kana", k.buf ? k.buf : "", out);
	sb_release(&k);
	return 0;
}

void tax_doc_aad(int fiscal_year, int kind, const char *record_id, char out[128])
{
	snprintf(out, 128, "tax_doc:%d:%d:%.64s", fiscal_year, kind, record_id);
}

int tax_doc_load(const keyring *kr, int fiscal_year, int kind, const char *record_id,
		 const char *sealed, tax_doc *out, at_error *err)
{
	char aad[128];
	tax_doc_aad(fiscal_year, kind, record_id, aad);
	strbuf line = STRBUF_INIT;
	sb_init(&line);
	if (crypto_open(kr, sealed, aad, &line, err)) {
		sb_release(&line);
		return -1;
	}
	int rc = tax_doc_parse((tax_doc_kind)kind, line.buf ? line.buf : "", line.len, 1, out, err);
	sb_release(&line);
	return rc;
}

int tax_note(door *d, const char *operation, const char *subject, int fiscal_year,
	     const char *what, at_error *err)
{
	char detail[240];
	snprintf(detail, sizeof detail, "fiscal_year=%d %.200s", fiscal_year, what ? what : "");
	return door_note(d, operation, AUDIT_OK, subject ? subject : "", detail, err);
}

static int check_year(int fiscal_year, at_error *err)
{
	if (fiscal_year < 2000 || fiscal_year > 2100)
		return at_fail(err, 400, AT_E_INVALID, "fiscal_year",
			       "fiscal_year must be a year from 2000 to 2100");
	return 0;
}

bool tax_correctable(const tax_law *law, int fiscal_year, at_date today)
{
	/* 地方税法17条の5第1項: 更正 within the years of the law data from the
	 * 法定納期限; the first statutory due date of a fiscal year's resident
	 * tax is the end of June of that year (地方税法320条 普通徴収の納期). */
	tax_collection_law cl;
	if (tax_law_collection(law, fiscal_year, &cl))
		return false;
	at_date limit = {fiscal_year + cl.correction_period_years, 6, 30};
	return date_cmp(today, limit) <= 0;
}

/* ---- The roll ---------------------------------------------------------------- */

int tax_roll_put(door *d, const keyring *kr, int fiscal_year, const tax_roll_person *p,
		 at_error *err)
{
	if (check_year(fiscal_year, err))
		return -1;
	if (!p->addressee_no || !text_is_digits(p->addressee_no, 10) || strlen(p->addressee_no) != 10)
		return at_fail(err, 400, AT_E_INVALID, "addressee_no",
			       "addressee_no must be exactly 10 digits");
	if (p->my_number && *p->my_number && mynumber_validate(p->my_number, "my_number", err))
		return -1;
	strbuf mn = STRBUF_INIT, nm = STRBUF_INIT, kn = STRBUF_INIT;
	sb_init(&mn);
	sb_init(&nm);
	sb_init(&kn);
	int rc = -1;
	if (p->my_number && *p->my_number)
		tax_bidx_my_number(kr, p->my_number, &mn);
	if (p->name && *p->name)
		tax_bidx_name(kr, p->name, &nm);
	if (p->name_kana && *p->name_kana && tax_bidx_kana(kr, p->name_kana, &kn, err))
		goto out;
	char bd[11];
	date_format(p->birth_date, bd);
	store_stmt *st = store_prepare(door_store(d),
		"INSERT INTO tax_roll(fiscal_year, addressee_no, status, my_number_bidx, name_bidx,"
		" kana_bidx, birth_date, household_no, elsewhere) VALUES(?,?,?,?,?,?,?,?,?)"
		" ON CONFLICT(fiscal_year, addressee_no) DO UPDATE SET"
		" status = CASE WHEN tax_roll.status IN ('nonresident_deemed','nonresident_house')"
		"   AND excluded.status = 'not_resident' THEN tax_roll.status ELSE excluded.status END,"
		" my_number_bidx = excluded.my_number_bidx, name_bidx = excluded.name_bidx,"
		" kana_bidx = excluded.kana_bidx, birth_date = excluded.birth_date,"
		" household_no = excluded.household_no, elsewhere = excluded.elsewhere", err);
	if (!st)
		goto out;
	store_bind_int(st, 1, fiscal_year);
	store_bind_text(st, 2, p->addressee_no);
	store_bind_text(st, 3, p->resident ? TAX_ROLL_RESIDENT : TAX_ROLL_NOT_RESIDENT);
	store_bind_text(st, 4, mn.len ? mn.buf : NULL);
	store_bind_text(st, 5, nm.len ? nm.buf : NULL);
	store_bind_text(st, 6, kn.len ? kn.buf : NULL);
	store_bind_text(st, 7, bd);
	store_bind_text(st, 8, p->household_no);
	store_bind_text(st, 9, p->elsewhere);
	rc = store_step(st, err) < 0 ? -1 : 0;
	store_done(st);
out:
	sb_release(&mn);
	sb_release(&nm);
	sb_release(&kn);
	return rc;
}

int tax_roll_bulk(door *d, at_error *err)
{
	return store_cache_size(door_store(d), TAX_BULK_CACHE_MIB, err);
}

typedef struct roll_state {
	door *d;
	const keyring *kr;
	int fiscal_year;
	at_error *err;
	int64_t residents, not_resident;
} roll_state;

static const char *item_s(const json_t *items, const char *key)
{
	json_t *v = json_object_get(items, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* Was the person resident here on January 1 (賦課期日, 地方税法39条)? From
 * the register's record: resident since residence_date (転入・出生: on Jan 1
 * itself counts), and not removed (転出・死亡) on or before Jan 1 (seed 004
 * §1 workflow 4: moved out on or before Jan 1 or in on Jan 2 or later → the
 * documents go to the Jan-1 municipality). */
static int roll_cb(void *arg, const json_t *rec)
{
	roll_state *rs = arg;
	json_t *items = json_object_get(rec, "items");
	const char *ano = item_s(items, "addressee_no");
	const char *bd_s = item_s(items, "birth_date");
	if (!ano || !bd_s)
		return 0;   /* a record without identity (pending entry): nothing to tax */
	at_date jan1 = {rs->fiscal_year, 1, 1}, bd, since, gone;
	if (date_parse(bd_s, &bd, "birth_date", rs->err))
		return -1;
	bool resident = true;
	const char *elsewhere = NULL;
	const char *rd = item_s(items, "residence_date");
	if (rd && !date_parse(rd, &since, "residence_date", NULL) && date_cmp(since, jan1) > 0) {
		resident = false;
		elsewhere = item_s(items, "previous_municipality_code");
	}
	if (date_cmp(bd, jan1) > 0)
		resident = false;
	const char *state = json_string_value(json_object_get(rec, "state"));
	const char *rm = item_s(items, "removal_date");
	if (state && !strcmp(state, "removed") && rm &&
	    !date_parse(rm, &gone, "removal_date", NULL) && date_cmp(gone, jan1) <= 0) {
		resident = false;
		elsewhere = item_s(items, "confirmed_municipality_code");
		if (!elsewhere)
			elsewhere = item_s(items, "planned_municipality_code");
	}
	if (state && strcmp(state, "active") && strcmp(state, "removed"))
		return 0;   /* pending or rejected entries are not on the roll */
	const char *mn = item_s(items, "my_number");
	if (mn && !strcmp(mn, DOOR_MASK))
		mn = NULL;
	tax_roll_person p = {
		.addressee_no = ano, .my_number = mn, .name = item_s(items, "name"),
		.name_kana = item_s(items, "name_kana"), .birth_date = bd,
		.household_no = item_s(items, "household_no"), .resident = resident,
		.elsewhere = elsewhere,
	};
	if (tax_roll_put(rs->d, rs->kr, rs->fiscal_year, &p, rs->err))
		return -1;
	if (resident)
		rs->residents++;
	else
		rs->not_resident++;
	return 0;
}

int tax_roll_build(door *d, const keyring *kr, int fiscal_year, json_t **summary,
		   at_error *err)
{
	*summary = NULL;
	if (check_year(fiscal_year, err))
		return -1;
	if (tax_roll_bulk(d, err))
		return -1;
	roll_state rs = {.d = d, .kr = kr, .fiscal_year = fiscal_year, .err = err};
	char last[16] = "";
	for (;;) {
		char after[16];
		memcpy(after, last, sizeof after);
		int n = registry_roll(d, after, 1000, roll_cb, &rs, last, err);
		if (n < 0)
			return -1;
		if (n < 1000)
			break;
	}
	char what[96];
	snprintf(what, sizeof what, "roll residents=%lld not_resident=%lld",
		 (long long)rs.residents, (long long)rs.not_resident);
	if (tax_note(d, "tax.roll", "", fiscal_year, what, err))
		return -1;
	*summary = json_pack("{s:i,s:I,s:I}", "fiscal_year", fiscal_year, "residents",
			     (json_int_t)rs.residents, "not_resident", (json_int_t)rs.not_resident);
	return 0;
}

/* ---- Intake ---------------------------------------------------------------- */

typedef struct roll_hit {
	bool found;
	char addressee_no[16];
	char status[24];
	char elsewhere[8];
	bool name_ok, birth_ok;
} roll_hit;

static int roll_lookup(door *d, const keyring *kr, int fiscal_year, const tax_doc *doc,
		       const char *mn_bidx, roll_hit *h, at_error *err)
{
	memset(h, 0, sizeof *h);
	store_stmt *st = store_prepare(door_store(d), TAX_SQL_ROLL_MATCH, err);
	if (!st)
		return -1;
	store_bind_int(st, 1, fiscal_year);
	store_bind_int(st, 2, fiscal_year);
	store_bind_text(st, 3, mn_bidx);
	int r = store_step(st, err);
	if (r == STORE_ROW) {
		h->found = true;
		snprintf(h->addressee_no, sizeof h->addressee_no, "%s", store_col_text(st, 0));
		snprintf(h->status, sizeof h->status, "%s", store_col_text(st, 1));
		snprintf(h->elsewhere, sizeof h->elsewhere, "%s", store_col_text(st, 5));
		char bd[11];
		date_format(doc->birth_date, bd);
		h->birth_ok = !strcmp(bd, store_col_text(st, 4));
		strbuf b = STRBUF_INIT;
		sb_init(&b);
		/* Name: kanji first (cheap); the kana reading when the kanji differs
		 * (外字 or old forms written differently on a payroll system). */
		tax_bidx_name(kr, doc->name, &b);
		h->name_ok = b.buf && !strcmp(b.buf, store_col_text(st, 2));
		if (!h->name_ok && doc->name_kana[0]) {
			sb_reset(&b);
			if (!tax_bidx_kana(kr, doc->name_kana, &b, NULL))
				h->name_ok = b.buf && !strcmp(b.buf, store_col_text(st, 3));
		}
		sb_release(&b);
	}
	store_done(st);
	return r < 0 ? -1 : 0;
}

typedef struct intake_count {
	int64_t records, matched, held, forwarded, duplicates, superseded;
} intake_count;

static int already_loaded(door *d, int fiscal_year, int kind, const char *record_id, bool *yes,
			  at_error *err)
{
	store_stmt *st = store_prepare(door_store(d),
		"SELECT 1 FROM tax_doc WHERE fiscal_year = ? AND kind = ? AND record_id = ?"
		" UNION ALL SELECT 1 FROM tax_forward WHERE fiscal_year = ? AND kind = ?"
		" AND record_id = ? LIMIT 1", err);
	if (!st)
		return -1;
	for (int k = 0; k < 2; k++) {   /* the same three values for each table */
		store_bind_int(st, 3 * k + 1, fiscal_year);
		store_bind_int(st, 3 * k + 2, kind);
		store_bind_text(st, 3 * k + 3, record_id);
	}
	int r = store_step(st, err);
	store_done(st);
	*yes = r == STORE_ROW;
	return r < 0 ? -1 : 0;
}

static int forward_log(door *d, int fiscal_year, const tax_doc *doc, const char *addressee_no,
		       const char *destination, const char *reason, at_error *err)
{
	store_stmt *st = store_prepare(door_store(d),
		"INSERT INTO tax_forward(fiscal_year, kind, record_id, payer_id, addressee_no,"
		" destination, reason, forwarded_at) VALUES(?,?,?,?,?,?,?,?)", err);
	if (!st)
		return -1;
	store_bind_int(st, 1, fiscal_year);
	store_bind_int(st, 2, doc->kind);
	store_bind_text(st, 3, doc->record_id);
	store_bind_text(st, 4, doc->payer_id);
	store_bind_text(st, 5, addressee_no && *addressee_no ? addressee_no : NULL);
	store_bind_text(st, 6, destination && *destination ? destination : "unknown");
	store_bind_text(st, 7, reason);
	store_bind_int(st, 8, time_now());
	int r = store_step(st, err);
	store_done(st);
	if (r < 0)
		return -1;
	char what[200];
	snprintf(what, sizeof what, "forward kind=%s record=%.16s to=%s reason=%s",
		 tax_doc_kind_name(doc->kind), doc->record_id, destination ? destination : "", reason);
	return tax_note(d, "tax.forward", addressee_no, fiscal_year, what, err);
}

static int store_doc(door *d, const keyring *kr, int fiscal_year, const tax_doc *doc,
		     const char *line, size_t len, const char *mn_bidx, const char *addressee_no,
		     const char *status, const char *hold_reason, int64_t *doc_id, at_error *err)
{
	char aad[128];
	tax_doc_aad(fiscal_year, doc->kind, doc->record_id, aad);
	strbuf sealed = STRBUF_INIT;
	sb_init(&sealed);
	if (crypto_seal(kr, line, len, aad, &sealed, err)) {
		sb_release(&sealed);
		return -1;
	}
	store_stmt *st = store_prepare(door_store(d),
		"INSERT INTO tax_doc(fiscal_year, kind, record_id, payer_id, my_number_bidx,"
		" addressee_no, status, hold_reason, sealed, loaded_at) VALUES(?,?,?,?,?,?,?,?,?,?)"
		" RETURNING doc_id",
		err);
	int r = -1;
	if (st) {
		store_bind_int(st, 1, fiscal_year);
		store_bind_int(st, 2, doc->kind);
		store_bind_text(st, 3, doc->record_id);
		store_bind_text(st, 4, doc->payer_id);
		store_bind_text(st, 5, mn_bidx);
		store_bind_text(st, 6, addressee_no);
		store_bind_text(st, 7, status);
		store_bind_text(st, 8, hold_reason);
		store_bind_text(st, 9, sealed.buf);
		store_bind_int(st, 10, time_now());
		r = store_step_id(st, doc_id, err);
		store_done(st);
	}
	sb_release(&sealed);
	return r < 0 ? -1 : 0;
}

/* A matched document: attach it to the person, supersede what it amends,
 * record the dependants it claims, and mark an assessed person for
 * reassessment (更正). */
static int attach(door *d, const keyring *kr, int fiscal_year, const tax_doc *doc,
		  const char *addressee_no, int64_t doc_id, intake_count *c, at_error *err)
{
	store *s = door_store(d);
	/* 訂正分: a later report of the same kind from the same payer about the
	 * same person replaces the earlier (one-stop notices are each a gift:
	 * never superseded; a later return replaces an earlier one). */
	if (doc->kind != TAX_DOC_ONESTOP) {
		store_stmt *st = store_prepare(s, TAX_SQL_SUPERSEDE, err);
		if (!st)
			return -1;
		store_bind_int(st, 1, fiscal_year);
		store_bind_int(st, 2, doc->kind);
		store_bind_text(st, 3, addressee_no);
		store_bind_text(st, 4, doc->payer_id);
		store_bind_int(st, 5, doc_id);
		int r = store_step(st, err);
		store_done(st);
		if (r < 0)
			return -1;
		c->superseded += store_changes(s);
	}
	strbuf b = STRBUF_INIT;
	sb_init(&b);
	for (size_t i = 0; i <= doc->body.n_dependants; i++) {
		const tax_doc_relative_id *rid =
			i < doc->body.n_dependants ? &doc->dependant_ids[i]
						   : (doc->body.has_spouse ? &doc->spouse_id : NULL);
		if (!rid || !rid->my_number[0])
			continue;
		sb_reset(&b);
		tax_bidx_my_number(kr, rid->my_number, &b);
		store_stmt *st = store_prepare(s,
			"INSERT INTO tax_dependant_claim(fiscal_year, dependant_bidx,"
			" addressee_no) VALUES(?,?,?) ON CONFLICT DO NOTHING", err);
		if (!st) {
			sb_release(&b);
			return -1;
		}
		store_bind_int(st, 1, fiscal_year);
		store_bind_text(st, 2, b.buf);
		store_bind_text(st, 3, addressee_no);
		int r = store_step(st, err);
		store_done(st);
		if (r < 0) {
			sb_release(&b);
			return -1;
		}
	}
	sb_release(&b);
	store_stmt *st = store_prepare(s,
		"UPDATE tax_roll SET dirty = 1 WHERE fiscal_year = ? AND addressee_no = ?"
		" AND EXISTS(SELECT 1 FROM tax_assessment a WHERE a.fiscal_year = tax_roll.fiscal_year"
		" AND a.addressee_no = tax_roll.addressee_no)", err);
	if (!st)
		return -1;
	store_bind_int(st, 1, fiscal_year);
	store_bind_text(st, 2, addressee_no);
	int r = store_step(st, err);
	store_done(st);
	if (r < 0)
		return -1;
	c->matched++;
	char what[120];
	snprintf(what, sizeof what, "intake kind=%s doc=%lld", tax_doc_kind_name(doc->kind),
		 (long long)doc_id);
	return tax_note(d, "tax.intake", addressee_no, fiscal_year, what, err);
}

/* One parsed record of a file: route it. */
static int route(door *d, const keyring *kr, int fiscal_year, const char *municipality,
		 const tax_doc *doc, const char *line, size_t len, intake_count *c, at_error *err)
{
	bool dup;
	if (already_loaded(d, fiscal_year, doc->kind, doc->record_id, &dup, err))
		return -1;
	if (dup) {
		c->duplicates++;
		return 0;
	}
	/* Addressed to another municipality: not ours to keep (seed 004 §4
	 * 「当市を指定した対象者以外の情報が入手できないよう」). */
	if (doc->addressed_to[0] && strcmp(doc->addressed_to, municipality)) {
		c->forwarded++;
		return forward_log(d, fiscal_year, doc, NULL, doc->addressed_to, "addressed_elsewhere",
				   err);
	}
	strbuf mn = STRBUF_INIT;
	sb_init(&mn);
	tax_bidx_my_number(kr, doc->my_number, &mn);
	roll_hit h;
	int64_t doc_id;
	int rc = roll_lookup(d, kr, fiscal_year, doc, mn.buf, &h, err);
	if (rc)
		goto out;
	if (h.found && !strcmp(h.status, TAX_ROLL_NOT_RESIDENT) && h.name_ok && h.birth_ok) {
		/* Elsewhere on January 1: forward to the Jan-1 municipality. */
		c->forwarded++;
		rc = forward_log(d, fiscal_year, doc, h.addressee_no, h.elsewhere,
				 "not_resident_on_january_1", err);
		goto out;
	}
	if (h.found && h.name_ok && h.birth_ok) {
		rc = store_doc(d, kr, fiscal_year, doc, line, len, mn.buf, h.addressee_no, "matched",
			       NULL, &doc_id, err);
		if (!rc)
			rc = attach(d, kr, fiscal_year, doc, h.addressee_no, doc_id, c, err);
		goto out;
	}
	/* Never merged on the number alone (seed 000 §4): held for identity
	 * confirmation, or for a tax inquiry when nobody has the number. */
	const char *reason = h.found ? (!h.name_ok ? "name_mismatch" : "birth_date_mismatch")
				     : "not_found";
	rc = store_doc(d, kr, fiscal_year, doc, line, len, mn.buf, h.found ? h.addressee_no : NULL,
		       "held", reason, &doc_id, err);
	if (!rc) {
		c->held++;
		char what[120];
		snprintf(what, sizeof what, "intake held kind=%s doc=%lld reason=%s",
			 tax_doc_kind_name(doc->kind), (long long)doc_id, reason);
		rc = tax_note(d, "tax.intake", h.found ? h.addressee_no : "", fiscal_year, what, err);
	}
out:
	sb_release(&mn);
	return rc;
}

static int this_municipality(door *d, char out[8], at_error *err)
{
	/* The municipality this installation serves, as platform_init recorded it. */
	return platform_municipality(door_store(d), out, err);
}

int tax_intake(door *d, const keyring *kr, int fiscal_year, tax_doc_kind kind,
	       const char *data, size_t len, json_t **summary, at_error *err)
{
	*summary = NULL;
	if (check_year(fiscal_year, err))
		return -1;
	if (kind < TAX_DOC_SALARY || kind > TAX_DOC_ONESTOP)
		return at_fail(err, 400, AT_E_INVALID, "kind",
			       "kind must be salary, pension, return or onestop");
	char muni[8];
	if (this_municipality(d, muni, err) ||
	    store_cache_size(door_store(d), TAX_BULK_CACHE_MIB, err))
		return -1;
	/* Two passes over the file, one record in memory at a time (a parsed
	 * record is about 8.8 KB: holding a million of them took 9 GB, issue 10
	 * §2): the first checks every line, so that one bad record refuses the
	 * file before anything is written or logged; the second parses again
	 * and routes. Parsing is a small part of a record's cost. */
	tax_doc *doc = malloc(sizeof *doc);
	int rc = -1;
	intake_count c = {0};
	if (!doc)
		return at_fail(err, 500, AT_E_INTERNAL, "", "out of memory");
	for (int pass = 0; pass < 2; pass++) {
		size_t lineno = 0;
		for (size_t pos = 0; pos < len;) {
			const char *nl = memchr(data + pos, '\n', len - pos);
			size_t end = nl ? (size_t)(nl - data) : len, l = end - pos;
			lineno++;
			if (l && data[pos + l - 1] == '\r')
				l--;
			if (l) {
				if (tax_doc_parse(kind, data + pos, l, lineno, doc, err))
					goto out;
				if (doc->fiscal_year && doc->fiscal_year != fiscal_year) {
					at_fail(err, 400, AT_E_INVALID, "fiscal_year",
						"line %zu: the record is for fiscal year %d, not %d",
						lineno, doc->fiscal_year, fiscal_year);
					goto out;
				}
				if (pass == 1) {
					c.records++;
					if (route(d, kr, fiscal_year, muni, doc, data + pos, l, &c, err))
						goto out;
				}
			}
			pos = end + 1;
		}
	}
	json_t *dd = NULL;
	if (tax_double_dependants(d, fiscal_year, &dd, err))
		goto out;
	*summary = json_pack("{s:s,s:i,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "kind",
			     tax_doc_kind_name(kind), "fiscal_year", fiscal_year, "records",
			     (json_int_t)c.records, "matched", (json_int_t)c.matched, "held",
			     (json_int_t)c.held, "forwarded", (json_int_t)c.forwarded, "duplicates",
			     (json_int_t)c.duplicates, "superseded", (json_int_t)c.superseded,
			     "double_dependants", (json_int_t)json_array_size(dd));
	json_decref(dd);
	rc = 0;
out:
	free(doc);
	return rc;
}

/* ---- Holds, forwarding, 二重扶養 ------------------------------------------ */

/* A page's limit: 1..max, 0 for max. */
static int page_limit(const tax_page *pg, int64_t max, int64_t *limit, at_error *err)
{
	int64_t l = pg ? pg->limit : 0;
	if (l < 0 || l > max)
		return at_fail(err, 400, AT_E_INVALID, "limit", "limit must be 1..%lld",
			       (long long)max);
	*limit = l ? l : max;
	return 0;
}

int tax_holds(door *d, int fiscal_year, const tax_page *page, json_t **out, at_error *err)
{
	*out = NULL;
	int64_t limit = 0;
	if (check_year(fiscal_year, err) || page_limit(page, TAX_HOLDS_MAX, &limit, err))
		return -1;
	store_stmt *st = store_prepare(door_store(d),
		"SELECT doc_id, kind, hold_reason, payer_id, addressee_no, loaded_at FROM tax_doc"
		" WHERE fiscal_year = ? AND status = 'held' AND doc_id > ? ORDER BY doc_id LIMIT ?", err);
	if (!st)
		return -1;
	store_bind_int(st, 1, fiscal_year);
	store_bind_int(st, 2, page ? page->after : 0);
	store_bind_int(st, 3, limit + 1);
	json_t *list = json_array();
	int r;
	while ((r = store_step(st, err)) == STORE_ROW) {
		json_t *o = json_pack("{s:I,s:s,s:s,s:s,s:I}", "doc_id",
				      (json_int_t)store_col_int(st, 0), "kind",
				      tax_doc_kind_name((tax_doc_kind)store_col_int(st, 1)), "reason",
				      store_col_text(st, 2), "payer_id", store_col_text(st, 3),
				      "loaded_at", (json_int_t)store_col_int(st, 5));
		if (!store_col_null(st, 4))
			json_object_set_new(o, "addressee_no", json_string(store_col_text(st, 4)));
		json_array_append_new(list, o);
	}
	store_done(st);
	if (r < 0 || tax_note(d, "tax.holds", "", fiscal_year, "list held documents", err)) {
		json_decref(list);
		return -1;
	}
	*out = json_page("held", list, limit, "doc_id");
	return 0;
}

static int nonresident_number(door *d, int64_t doc_id, char out[24], at_error *err)
{
	for (long long cand = 9000000000LL + doc_id; cand <= 9999999999LL; cand++) {
		snprintf(out, 24, "%010lld", cand);
		bool in_register;
		if (registry_addressee_in_use(d, out, &in_register, err))
			return -1;
		if (in_register)
			continue;
		store_stmt *st = store_prepare(door_store(d),
			"SELECT 1 FROM tax_roll WHERE addressee_no = ? LIMIT 1", err);
		if (!st)
			return -1;
		store_bind_text(st, 1, out);
		int r = store_step(st, err);
		store_done(st);
		if (r < 0)
			return -1;
		if (r != STORE_ROW)
			return 0;
	}
	return at_fail(err, 409, AT_E_CONFLICT, "addressee_no",
		       "no free addressee number for a non-resident taxpayer");
}

int tax_hold_decide(door *d, const keyring *kr, int64_t doc_id, json_t *decision,
		    json_t **result, at_error *err)
{
	*result = NULL;
	static const char *const keys[] = {"action", "addressee_no", "kind", "destination", NULL};
	const char *action = NULL, *ano = NULL, *nkind = NULL, *dest = NULL;
	if (!json_is_object(decision))
		return at_fail(err, 400, AT_E_INVALID, "", "the decision must be a JSON object");
	if (jv_no_unknown(decision, "", keys, err) ||
	    jv_string(decision, "", "action", true, 16, &action, err) ||
	    jv_string(decision, "", "addressee_no", false, 10, &ano, err) ||
	    jv_string(decision, "", "kind", false, 8, &nkind, err) ||
	    jv_string(decision, "", "destination", false, 6, &dest, err))
		return -1;
	store *s = door_store(d);
	store_stmt *st = store_prepare(s,
		"SELECT fiscal_year, kind, record_id, sealed, my_number_bidx FROM tax_doc"
		" WHERE doc_id = ? AND status = 'held'", err);
	if (!st)
		return -1;
	store_bind_int(st, 1, doc_id);
	int r = store_step(st, err);
	if (r != STORE_ROW) {
		store_done(st);
		return r < 0 ? -1 : at_fail(err, 404, AT_E_NOT_FOUND, "doc_id",
					    "no held document %lld", (long long)doc_id);
	}
	int fy = (int)store_col_int(st, 0), kind = (int)store_col_int(st, 1);
	char record_id[72], nano[24], *sealed = strdup(store_col_text(st, 3));
	char mnb[80];
	snprintf(record_id, sizeof record_id, "%s", store_col_text(st, 2));
	snprintf(mnb, sizeof mnb, "%s", store_col_text(st, 4));
	store_done(st);
	tax_doc doc;
	int rc = -1;
	if (!sealed || tax_doc_load(kr, fy, kind, record_id, sealed, &doc, err))
		goto out;
	intake_count c = {0};
	if (!strcmp(action, "confirm")) {
		/* Identity confirmed by staff (本人確認): the person named is on the
		 * roll and the document is theirs. */
		if (!ano || !text_is_digits(ano, 10) || strlen(ano) != 10) {
			at_fail(err, 400, AT_E_INVALID, "addressee_no",
				"confirm needs addressee_no (10 digits) of the person on the roll");
			goto out;
		}
		st = store_prepare(s, "SELECT status FROM tax_roll WHERE fiscal_year = ?"
				      " AND addressee_no = ?", err);
		if (!st)
			goto out;
		store_bind_int(st, 1, fy);
		store_bind_text(st, 2, ano);
		r = store_step(st, err);
		bool on_roll = r == STORE_ROW && strcmp(store_col_text(st, 0), TAX_ROLL_NOT_RESIDENT);
		store_done(st);
		if (r < 0)
			goto out;
		if (!on_roll) {
			at_fail(err, 409, AT_E_CONFLICT, "addressee_no",
				"%s is not a taxpayer of fiscal year %d here", ano, fy);
			goto out;
		}
	} else if (!strcmp(action, "nonresident")) {
		/* 住登外課税 (seed 000 §1.5): register the person for taxation. */
		if (!nkind || (strcmp(nkind, "deemed") && strcmp(nkind, "house"))) {
			at_fail(err, 400, AT_E_INVALID, "kind",
				"kind must be deemed (地方税法294条3項) or house (294条1項2号)");
			goto out;
		}
		if (ano) {
			at_fail(err, 400, AT_E_INVALID, "addressee_no",
				"a non-resident gets an addressee number of its own; leave it out");
			goto out;
		}
		/* 住登外者宛名番号: from 9000000000 + the document id upwards, the
		 * first number neither the register nor the tax roll uses. */
		if (nonresident_number(d, doc_id, nano, err))
			goto out;
		ano = nano;
		st = store_prepare(s,
			"INSERT INTO tax_roll(fiscal_year, addressee_no, status, my_number_bidx,"
			" name_bidx, birth_date) VALUES(?,?,?,?,?,?)", err);
		if (!st)
			goto out;
		strbuf nb = STRBUF_INIT;
		sb_init(&nb);
		tax_bidx_name(kr, doc.name, &nb);
		char bd[11];
		date_format(doc.birth_date, bd);
		store_bind_int(st, 1, fy);
		store_bind_text(st, 2, ano);
		store_bind_text(st, 3, !strcmp(nkind, "deemed") ? TAX_ROLL_DEEMED : TAX_ROLL_HOUSE);
		store_bind_text(st, 4, mnb);
		store_bind_text(st, 5, nb.buf);
		store_bind_text(st, 6, bd);
		r = store_step(st, err);
		store_done(st);
		sb_release(&nb);
		if (r < 0)
			goto out;
	} else if (!strcmp(action, "forward")) {
		if (!dest || municipality_code_validate(dest, "destination", err)) {
			if (!dest)
				at_fail(err, 400, AT_E_MISSING, "destination",
					"forward needs destination (6-digit municipality code)");
			goto out;
		}
		st = store_prepare(s, "DELETE FROM tax_doc WHERE doc_id = ?", err);
		if (!st)
			goto out;
		store_bind_int(st, 1, doc_id);
		r = store_step(st, err);
		store_done(st);
		if (r < 0 || forward_log(d, fy, &doc, NULL, dest, "forwarded_after_inquiry", err))
			goto out;
		*result = json_pack("{s:I,s:s,s:s}", "doc_id", (json_int_t)doc_id, "action", "forward",
				    "destination", dest);
		rc = 0;
		goto out;
	} else if (!strcmp(action, "reject")) {
		st = store_prepare(s, "UPDATE tax_doc SET status = 'rejected' WHERE doc_id = ?", err);
		if (!st)
			goto out;
		store_bind_int(st, 1, doc_id);
		r = store_step(st, err);
		store_done(st);
		if (r < 0 || tax_note(d, "tax.hold_decide", "", fy, "reject", err))
			goto out;
		*result = json_pack("{s:I,s:s}", "doc_id", (json_int_t)doc_id, "action", "reject");
		rc = 0;
		goto out;
	} else {
		at_fail(err, 400, AT_E_INVALID, "action",
			"action must be confirm, nonresident, forward or reject");
		goto out;
	}
	st = store_prepare(s, "UPDATE tax_doc SET status = 'matched', hold_reason = NULL,"
			      " addressee_no = ? WHERE doc_id = ?", err);
	if (!st)
		goto out;
	store_bind_text(st, 1, ano);
	store_bind_int(st, 2, doc_id);
	r = store_step(st, err);
	store_done(st);
	if (r < 0 || attach(d, kr, fy, &doc, ano, doc_id, &c, err))
		goto out;
	char what[96];
	snprintf(what, sizeof what, "hold decided: %s doc=%lld", action, (long long)doc_id);
	if (tax_note(d, "tax.hold_decide", ano, fy, what, err))
		goto out;
	*result = json_pack("{s:I,s:s,s:s}", "doc_id", (json_int_t)doc_id, "action", action,
			    "addressee_no", ano);
	rc = 0;
out:
	free(sealed);
	return rc;
}

int tax_forwarding(door *d, int fiscal_year, const tax_page *page, json_t **out, at_error *err)
{
	*out = NULL;
	int64_t limit = 0;
	if (check_year(fiscal_year, err) || page_limit(page, TAX_FORWARDING_MAX, &limit, err))
		return -1;
	store_stmt *st = store_prepare(door_store(d),
		"SELECT kind, record_id, payer_id, destination, reason, forwarded_at, addressee_no, seq"
		" FROM tax_forward WHERE fiscal_year = ? AND seq > ? ORDER BY seq LIMIT ?", err);
	if (!st)
		return -1;
	store_bind_int(st, 1, fiscal_year);
	store_bind_int(st, 2, page ? page->after : 0);
	store_bind_int(st, 3, limit + 1);
	json_t *list = json_array();
	int r;
	while ((r = store_step(st, err)) == STORE_ROW) {
		json_t *o = json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:I}", "seq",
				      (json_int_t)store_col_int(st, 7), "kind",
				      tax_doc_kind_name((tax_doc_kind)store_col_int(st, 0)),
				      "record_id", store_col_text(st, 1), "payer_id",
				      store_col_text(st, 2), "destination", store_col_text(st, 3),
				      "reason", store_col_text(st, 4), "forwarded_at",
				      (json_int_t)store_col_int(st, 5));
		if (!store_col_null(st, 6))
			json_object_set_new(o, "addressee_no", json_string(store_col_text(st, 6)));
		json_array_append_new(list, o);
	}
	store_done(st);
	if (r < 0 || tax_note(d, "tax.forwarding", "", fiscal_year, "list forwarding log", err)) {
		json_decref(list);
		return -1;
	}
	*out = json_page("forwarded", list, limit, "seq");
	return 0;
}

int tax_double_dependants(door *d, int fiscal_year, json_t **out, at_error *err)
{
	*out = NULL;
	/* 二重扶養 (seed 004 §1.6): one relative claimed by two taxpayers. The
	 * key shown is a prefix of the blind index: enough to tell cases apart,
	 * useless outside this installation. */
	store_stmt *st = store_prepare(door_store(d), TAX_SQL_DOUBLE_CLAIMS, err);
	if (!st)
		return -1;
	store_bind_int(st, 1, fiscal_year);
	store_bind_int(st, 2, fiscal_year);
	json_t *list = json_array();
	json_t *cl = NULL;   /* the claimants of the relative being read */
	strbuf prev = STRBUF_INIT;   /* the relative's whole blind index */
	sb_init(&prev);
	int r;
	/* One row per claim, in order of the relative: a new relative starts an entry. */
	while ((r = store_step(st, err)) == STORE_ROW) {
		const char *bidx = store_col_text(st, 0);
		if (!cl || strcmp(prev.buf ? prev.buf : "", bidx)) {
			sb_reset(&prev);
			sb_adds(&prev, bidx);
			char key[17];
			snprintf(key, sizeof key, "%.16s", bidx);
			cl = json_array();
			json_array_append_new(list, json_pack("{s:s,s:o}", "dependant_key", key,
							      "claimants", cl));
		}
		json_array_append_new(cl, json_string(store_col_text(st, 1)));
	}
	sb_release(&prev);
	store_done(st);
	if (r < 0) {
		json_decref(list);
		return -1;
	}
	*out = list;
	return 0;
}
