/*
 * The resident register (registry.h): the module's own tables, value checks
 * against the declaration (through the door), person and household lookups, views, search, support measures, the
 * outbox and the four-eyes decisions on held ex officio acts. Change events
 * are in registry_events.c, certificate data in registry_cert.c.
 *
 * The module's tables hold no personal data beyond addressee numbers (issue
 * 3): counters, the addressee number → record id map, the event log, held
 * acts and the outbox. Everything else lives in the declared file behind the
 * door.
 */
#include "registry/registry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/date.h"
#include "core/json.h"
#include "core/strbuf.h"
#include "core/text.h"
#include "registry_int.h"

/* ---- The module's tables ------------------------------------------------ */

static const store_migration migrations[] = {
	{1,
	 /* Sequences: addressee numbers, household numbers, certificate serials. */
	 "CREATE TABLE registry_counter(name TEXT PRIMARY KEY, value INTEGER NOT NULL);"
	 /* Addressee number → record id of the declared file (the door's subject). */
	 "CREATE TABLE registry_person_record(addressee_no TEXT PRIMARY KEY,"
	 " record_id INTEGER NOT NULL UNIQUE);"
	 /* One row per event; who made it is in the audit log (detail event_id=N). */
	 "CREATE TABLE registry_event_log(event_id " STORE_SERIAL_KEY ", type TEXT NOT NULL,"
	 " event_date TEXT NOT NULL, notification_date TEXT NOT NULL, flags TEXT NOT NULL,"
	 " status TEXT NOT NULL CHECK(status IN ('applied','held')), persons INTEGER NOT NULL,"
	 " created_at INTEGER NOT NULL);"
	 /* Ex officio acts held by the door for a second person: the outbox row is
	  * written when one is approved (registry_pending_decide). */
	 "CREATE TABLE registry_pending(pending_id " STORE_INT_KEY ", event_id INTEGER NOT NULL,"
	 " type TEXT NOT NULL, addressee_no TEXT NOT NULL, household_no TEXT NOT NULL,"
	 " event_date TEXT NOT NULL,"
	 " status TEXT NOT NULL CHECK(status IN ('pending','approved','rejected')));"
	 /* The durable outbox: change notifications for the addressee hub, tax,
	  * pension and the CS (seed 001 §1.2). Append-only. */
	 "CREATE TABLE registry_outbox(seq " STORE_SERIAL_KEY ", event_id INTEGER NOT NULL,"
	 " type TEXT NOT NULL, addressee_no TEXT NOT NULL, household_no TEXT NOT NULL,"
	 " event_date TEXT NOT NULL, created_at INTEGER NOT NULL);"},
	/* The outbox's guard through the store's dialect layer (portable SQL,
	 * §9); it replaces the SQLite triggers of the same names that migration 1
	 * made in databases created before. */
	{2, NULL},
};

static int guard_outbox(store *s, at_error *err)
{
	return store_append_only(s, "registry_outbox", STORE_NO_UPDATE | STORE_NO_DELETE, NULL,
				 "registry_outbox is append-only", err);
}

static const store_migration_step steps[] = {{2, guard_outbox}};

int registry_migrate(store *s, at_error *err)
{
	return store_migrate_steps(s, "registry", migrations, sizeof migrations / sizeof migrations[0],
				   steps, sizeof steps / sizeof steps[0], err);
}

int reg_counter_next(store *s, const char *name, int64_t *out, at_error *err)
{
	if (store_run(s,
		      "INSERT INTO registry_counter(name, value) VALUES(?, 1)"
		      " ON CONFLICT(name) DO UPDATE SET value = value + 1",
		      STORE_ARGS(STORE_TEXT(name)), err))
		return -1;
	int r = store_query_int(s, "SELECT value FROM registry_counter WHERE name = ?",
				STORE_ARGS(STORE_TEXT(name)), out, err);
	return r == 1 ? 0 : -1;
}

int reg_counter_at_least(store *s, const char *name, int64_t v, at_error *err)
{
	return store_run(s,
			 "INSERT INTO registry_counter(name, value) VALUES(?, ?) ON CONFLICT(name) DO UPDATE"
			 " SET value = CASE WHEN value < excluded.value THEN excluded.value ELSE value END",
			 STORE_ARGS(STORE_TEXT(name), STORE_INT(v)), err);
}

int reg_map_person(store *s, const char *addressee_no, int64_t record_id, at_error *err)
{
	return store_run(s, "INSERT INTO registry_person_record(addressee_no, record_id) VALUES(?, ?)",
			 STORE_ARGS(STORE_TEXT(addressee_no), STORE_INT(record_id)), err);
}

int reg_outbox_add(store *s, int64_t event_id, const char *type, const char *addressee_no,
		   const char *household_no, const char *event_date, at_error *err)
{
	return store_run(s,
			 "INSERT INTO registry_outbox(event_id, type, addressee_no, household_no, event_date,"
			 " created_at) VALUES(?, ?, ?, ?, ?, ?)",
			 STORE_ARGS(STORE_INT(event_id), STORE_TEXT(type), STORE_TEXT(addressee_no),
				    STORE_TEXT(household_no ? household_no : ""), STORE_TEXT(event_date),
				    STORE_INT(time_now())),
			 err);
}

int registry_outbox(store *s, int64_t after_seq, int limit, json_t **out, at_error *err)
{
	*out = NULL;
	if (after_seq < 0)
		return at_fail(err, 400, AT_E_INVALID, "after_seq", "after_seq must be 0 or more");
	/* 1001: a page of the most (REGISTRY_OUTBOX_MAX) and the one row more
	 * that says more follow (json_page). */
	if (limit < 1 || limit > 1001)
		return at_fail(err, 400, AT_E_INVALID, "limit", "limit must be between 1 and 1000");
	store_stmt *st = store_prepare(s,
		"SELECT seq, event_id, type, addressee_no, household_no, event_date, created_at"
		" FROM registry_outbox WHERE seq > ? ORDER BY seq LIMIT ?", err);
	if (!st)
		return -1;
	store_bind_int(st, 1, after_seq);
	store_bind_int(st, 2, limit);
	json_t *arr = json_array();
	int r;
	while ((r = store_step(st, err)) == STORE_ROW) {
		char at[21];
		time_format(store_col_int(st, 6), at);
		json_array_append_new(arr, json_pack("{s:I,s:I,s:s,s:s,s:s,s:s,s:s}",
			"seq", (json_int_t)store_col_int(st, 0), "event_id",
			(json_int_t)store_col_int(st, 1), "type", store_col_text(st, 2),
			"addressee_no", store_col_text(st, 3), "household_no", store_col_text(st, 4),
			"event_date", store_col_text(st, 5), "created_at", at));
	}
	store_done(st);
	if (r < 0) {
		json_decref(arr);
		return -1;
	}
	*out = arr;
	return 0;
}

/* ---- Items: the declaration's (declarations/registry.json) ---------------- */

int reg_check_value(door *d, const char *id, json_t *v, const char *field, at_error *err)
{
	return door_check_value(d, REGISTRY_FILE, id, v, field, err);
}

bool reg_is_item(door *d, const char *id)
{
	/* A declared item accepts null (it clears the item), whatever its type
	 * and rules; only an undeclared one is refused. */
	at_error e;
	json_t *null = json_null();
	return door_check_value(d, REGISTRY_FILE, id, null, id, &e) == 0;
}

int reg_field(door *d, json_t *obj, const char *path, const char *key, const char *item, bool required,
	      const char **out, at_error *err)
{
	jr r = JR_REQUEST(err);
	char f[JR_PATH];
	jr_path(f, path, key);
	json_t *v = json_object_get(obj, key);
	if (!v || json_is_null(v))
		return required ? jr_fail(&r, AT_E_MISSING, f, "is required") : 0;
	if (reg_check_value(d, item, v, f, err))
		return -1;
	if (!json_is_string(v))   /* every item read as a field is declared text */
		return at_fail(err, 400, AT_E_INVALID, f, "%s must be a string", f);
	*out = json_string_value(v);
	return 1;
}

int reg_date_field(door *d, json_t *obj, const char *path, const char *key, bool required,
		   at_date *dt, char s[11], at_error *err)
{
	const char *v = NULL;
	int r = reg_field(d, obj, path, key, "change_date", required, &v, err);
	if (r <= 0)
		return r;
	char f[JR_PATH];
	jr_path(f, path, key);
	if (date_parse(v, dt, f, err))
		return -1;
	date_format(*dt, s);
	return 1;
}

bool reg_is_addressee_no(const char *s)
{
	return s && text_is_digits(s, 10);
}

void reg_wareki(const char *iso, char out[WAREKI_MAX])
{
	out[0] = '\0';
	at_date d;
	at_error e;
	if (iso && *iso && date_parse(iso, &d, "date", &e) == 0 && wareki_format(d, out, WAREKI_MAX))
		out[0] = '\0';
}

/* ---- People and households ---------------------------------------------- */

const char *reg_str(json_t *items, const char *id)
{
	json_t *v = json_object_get(items, id);
	return json_is_string(v) ? json_string_value(v) : "";
}

const char *reg_state(json_t *rec)
{
	json_t *v = json_object_get(rec, "state");
	return json_is_string(v) ? json_string_value(v) : "";
}

int reg_record_id(door *d, const char *addressee_no, int64_t *rid, at_error *err)
{
	store_stmt *st = store_prepare(door_store(d),
		"SELECT record_id FROM registry_person_record WHERE addressee_no = ?", err);
	if (!st)
		return -1;
	store_bind_text(st, 1, addressee_no);
	int r = store_step(st, err);
	if (r == STORE_ROW)
		*rid = store_col_int(st, 0);
	store_done(st);
	/* Every register record has a row here: generic writes to the file are
	 * refused (door_need_owner), so no record exists outside the map. */
	if (r == STORE_ROW)
		return 0;
	return r < 0 ? -1 : 1;
}

int reg_read(door *d, const char *addressee_no, const char *field, reg_person *p, at_error *err)
{
	return reg_read_items(d, addressee_no, field, NULL, p, err);
}

int reg_read_items(door *d, const char *addressee_no, const char *field,
		   const char *const *items, reg_person *p, at_error *err)
{
	memset(p, 0, sizeof *p);
	if (!reg_is_addressee_no(addressee_no))
		return at_fail(err, 400, AT_E_INVALID, field,
			       "%s must be an addressee number (宛名番号) of exactly 10 digits", field);
	int64_t rid = 0;
	int r = reg_record_id(d, addressee_no, &rid, err);
	if (r < 0)
		return -1;
	if (r == 1)
		return at_fail(err, 404, AT_E_NOT_FOUND, field,
			       "%s: no resident record has addressee number %s", field, addressee_no);
	if (door_read_items(d, REGISTRY_FILE, rid, items, &p->rec, err))
		return -1;
	p->items = json_object_get(p->rec, "items");
	p->record_id = rid;
	snprintf(p->addressee_no, sizeof p->addressee_no, "%s", addressee_no);
	return 0;
}

void reg_person_free(reg_person *p)
{
	json_decref(p->rec);
	memset(p, 0, sizeof *p);
}

int reg_any_record(door *d, const char *item, const char *value, json_t **found, at_error *err)
{
	*found = NULL;
	json_t *arr = NULL;
	/* Existence and state are in the record's header; the addressee number
	 * is the one item asked for (a projection names one at least), so no
	 * other item of someone else's record is decrypted or logged. A check
	 * of the write it serves (door_check_items): no search event of its
	 * own, and a person found is recorded as looked at. */
	static const char *const proj[] = {"addressee_no", NULL};
	door_criterion c = {.item = item, .value = value, .match = DOOR_EXACT};
	if (door_check_items(d, REGISTRY_FILE, &c, 1, true, proj, &arr, err))
		return -1;
	if (json_array_size(arr) == 0) {
		json_decref(arr);
		return 0;
	}
	*found = arr;
	return 1;
}

int reg_household_items(door *d, const char *household_no, const char *const *items,
			bool include_removed, json_t **members, at_error *err)
{
	*members = NULL;
	json_t *arr = NULL;
	bool cut = false;
	door_criterion c = {.item = "household_no", .value = household_no, .match = DOOR_EXACT};
	if (door_search_items(d, REGISTRY_FILE, &c, 1, include_removed, DOOR_FIND_MAX, items, &arr,
			      &cut, err))
		return -1;
	/* A household is acted on whole (its members' copies, certificates,
	 * moves): more members than one read holds is refused, never cut. */
	if (cut) {
		json_decref(arr);
		return at_fail(err, 500, AT_E_INTERNAL, "household_no",
			       "household %s has more than %d records; the register reads a"
			       " household whole and will not act on part of it", household_no,
			       DOOR_FIND_MAX);
	}
	json_t *out = json_array();
	size_t i;
	json_t *r;
	/* Householder first, then the others in record order. */
	for (int pass = 0; pass < 2; pass++) {
		json_array_foreach(arr, i, r) {
			if (strcmp(reg_state(r), "active"))
				continue;
			bool hh = !strcmp(reg_str(json_object_get(r, "items"), "relationship"),
					  REG_HOUSEHOLDER);
			if (hh == (pass == 0))
				json_array_append(out, r);
		}
	}
	json_decref(arr);
	*members = out;
	return 0;
}

int reg_household(door *d, const char *household_no, json_t **members, at_error *err)
{
	return reg_household_items(d, household_no, NULL, true, members, err);
}

/* ---- Views --------------------------------------------------------------- *
 * Each view reads exactly the items it shows, so the access log says what was
 * seen, no more (DESIGN.md principle 9). */

/* The other members as the person view lists them (web/person.js). */
static const char *const person_household_items[] = {"addressee_no", "name", "name_kana",
						     "relationship", NULL};
/* The household view's columns (web/person.js renderHousehold). */
static const char *const household_view_items[] = {"addressee_no", "name", "name_kana",
						   "birth_date", "sex", "relationship", NULL};
/* Who a person is, for other businesses: no household, no register history. */
static const char *const identity_items[] = {"addressee_no", "name", "name_kana", "birth_date",
					     "sex", "postcode", "address", "address_supplement",
					     NULL};

int registry_person(door *d, const char *addressee_no, json_t **out, at_error *err)
{
	*out = NULL;
	reg_person p;
	if (reg_read(d, addressee_no, "addressee_no", &p, err))
		return -1;
	json_t *hh = json_array();
	const char *hno = reg_str(p.items, "household_no");
	if (*hno) {
		json_t *members = NULL;
		if (reg_household_items(d, hno, person_household_items, false, &members, err)) {
			json_decref(hh);
			reg_person_free(&p);
			return -1;
		}
		size_t i;
		json_t *m;
		json_array_foreach(members, i, m) {
			json_t *it = json_object_get(m, "items");
			if (!strcmp(reg_str(it, "addressee_no"), addressee_no))
				continue;
			json_array_append_new(hh, json_pack("{s:s,s:s,s:s,s:s}", "addressee_no",
				reg_str(it, "addressee_no"), "name", reg_str(it, "name"), "name_kana",
				reg_str(it, "name_kana"), "relationship", reg_str(it, "relationship")));
		}
		json_decref(members);
	}
	json_object_set_new(p.rec, "household", hh);
	*out = json_incref(p.rec);
	reg_person_free(&p);
	return 0;
}

/* The record id of the resident with addressee_no (400 malformed, 404 none). */
static int resident_record_id(door *d, const char *addressee_no, int64_t *rid, at_error *err)
{
	if (!reg_is_addressee_no(addressee_no))
		return at_fail(err, 400, AT_E_INVALID, "addressee_no",
			       "addressee_no must be an addressee number (宛名番号) of exactly 10 digits");
	int r = reg_record_id(d, addressee_no, rid, err);
	if (r < 0)
		return -1;
	if (r == 1)
		return at_fail(err, 404, AT_E_NOT_FOUND, "addressee_no",
			       "no resident record has addressee number %s", addressee_no);
	return 0;
}

int registry_identity(door *d, const char *addressee_no, const char *const *items, json_t **out,
		      at_error *err)
{
	*out = NULL;
	int64_t rid = 0;
	if (resident_record_id(d, addressee_no, &rid, err))
		return -1;
	return door_read_items(d, REGISTRY_FILE, rid, items ? items : identity_items, out, err);
}

int registry_person_history(door *d, const char *addressee_no, json_t **out, at_error *err)
{
	*out = NULL;
	int64_t rid = 0;
	if (resident_record_id(d, addressee_no, &rid, err))
		return -1;
	return door_history(d, REGISTRY_FILE, rid, out, err);
}

int registry_household(door *d, const char *household_no, json_t **out, at_error *err)
{
	*out = NULL;
	if (!household_no || !text_is_digits(household_no, 10))
		return at_fail(err, 400, AT_E_INVALID, "household_no",
			       "household_no must be a household number (世帯番号) of exactly 10 digits");
	json_t *members = NULL;
	if (reg_household_items(d, household_no, household_view_items, false, &members, err))
		return -1;
	if (json_array_size(members) == 0) {
		json_decref(members);
		return at_fail(err, 404, AT_E_NOT_FOUND, "household_no",
			       "household %s has no active member", household_no);
	}
	*out = json_pack("{s:s,s:o}", "household_no", household_no, "members", members);
	return 0;
}

/* ---- Search -------------------------------------------------------------- *
 * Criteria intersect; the door does the intersection in its index
 * (door_search), exact criteria leading, so only the people returned are
 * read and logged as seen. */

typedef struct criterion {
	const char *key;       /* body key = item id */
	door_match match;
} criterion;

static const criterion criteria_order[] = {
	{"addressee_no", DOOR_EXACT}, {"my_number", DOOR_EXACT}, {"resident_code", DOOR_EXACT},
	{"household_no", DOOR_EXACT}, {"name", DOOR_EXACT}, {"birth_date", DOOR_EXACT},
	{"name_kana", DOOR_PREFIX}, {"address", DOOR_PREFIX},
};
#define N_CRITERIA (sizeof criteria_order / sizeof criteria_order[0])

int registry_search(door *d, json_t *criteria, json_t **out, at_error *err)
{
	*out = NULL;
	static const char *const allowed[] = {"name", "name_kana", "birth_date", "address",
		"household_no", "addressee_no", "my_number", "resident_code", "include_removed",
		"limit", "after", NULL};
	if (!json_is_object(criteria))
		return at_fail(err, 400, AT_E_INVALID, "", "the search criteria must be an object");
	if (jv_no_unknown(criteria, "", allowed, err))
		return -1;
	bool include_removed = false;
	int64_t limit = 100;
	/* after: the last addressee number of the page before; results come in
	 * addressee-number order, so a cut list can be continued. */
	const char *after = "";
	if (jv_bool(criteria, "", "include_removed", false, &include_removed, err) ||
	    jv_int(criteria, "", "limit", false, 1, DOOR_FIND_MAX, &limit, err) ||
	    jv_string(criteria, "", "after", false, 10, &after, err))
		return -1;
	if (*after && !text_is_digits(after, 10))
		return at_fail(err, 400, AT_E_INVALID, "after",
			       "after must be an addressee number (10 digits), the last of the page"
			       " before");
	const char *vals[N_CRITERIA] = {0};
	int first = -1;
	for (size_t i = 0; i < N_CRITERIA; i++) {
		const criterion *c = &criteria_order[i];
		json_t *v = json_object_get(criteria, c->key);
		if (!v || json_is_null(v))
			continue;
		if (!json_is_string(v))
			return at_fail(err, 400, AT_E_INVALID, c->key, "%s must be a string", c->key);
		if (c->match == DOOR_EXACT) {
			if (reg_check_value(d, c->key, v, c->key, err))
				return -1;
		} else if (text_check(json_string_value(v), c->key, 200, false, 0, err)) {
			return -1;
		}
		vals[i] = json_string_value(v);
		if (first < 0)
			first = (int)i;
	}
	if (first < 0)
		return at_fail(err, 400, AT_E_MISSING, "",
			       "give at least one criterion: name, name_kana, birth_date, address,"
			       " household_no, addressee_no, my_number or resident_code");
	/* The door intersects the criteria in the index, so only the people
	 * returned are read and logged as seen (not every candidate). */
	door_criterion crits[N_CRITERIA];
	size_t n = 0;
	for (size_t i = 0; i < N_CRITERIA; i++)
		if (vals[i])
			crits[n++] = (door_criterion){.item = criteria_order[i].key, .value = vals[i],
						      .match = criteria_order[i].match};
	json_t *records = NULL;
	bool truncated = false;
	/* Exactly the counter's result columns (web/search.js render, the CLI
	 * prints the same records): only these are read and logged as seen. */
	static const char *const list_items[] = {"addressee_no", "household_no", "name",
		"name_kana", "birth_date", "sex", "address", "relationship", NULL};
	if (door_search_after(d, REGISTRY_FILE, crits, n, include_removed, (int)limit, list_items,
			      after, &records, &truncated, err))
		return -1;
	json_t *last = json_array_get(records, json_array_size(records) - 1);
	*out = json_pack("{s:o,s:b}", "records", records, "truncated", truncated);
	json_object_set_new(*out, "next_after",
			    truncated ? json_copy(json_object_get(last, "subject")) : json_null());
	return 0;
}

/* ---- Support measures ----------------------------------------------------- */

int registry_support_measure(door *d, const char *addressee_no, bool on, at_error *err)
{
	int64_t rid = 0;
	if (resident_record_id(d, addressee_no, &rid, err))
		return -1;
	return door_set_support_measure(d, REGISTRY_FILE, rid, on, err);
}

/* ---- Four-eyes on held ex officio acts ------------------------------------ */

/* After an approved 職権修正 of a householder's name, every member's record
 * carries the new householder name (世帯主氏名 is on each member's 住民票). */
static int sync_householder_name(door *d, const char *addressee_no, int64_t event_id,
				  const char *type, const char *event_date, at_error *err)
{
	/* Only what the copy needs: the householder's name and who carries it. */
	static const char *const own[] = {"addressee_no", "household_no", "relationship", "name",
		"name_kana", NULL};
	static const char *const theirs[] = {"addressee_no", "relationship", "householder_name",
		"householder_name_kana", NULL};
	reg_person p;
	if (reg_read_items(d, addressee_no, "addressee_no", own, &p, err))
		return -1;
	int rc = 0;
	const char *hno = reg_str(p.items, "household_no");
	if (strcmp(reg_state(p.rec), "active") || !*hno ||
	    strcmp(reg_str(p.items, "relationship"), REG_HOUSEHOLDER))
		goto out;
	json_t *members = NULL;
	if (reg_household_items(d, hno, theirs, false, &members, err)) {
		rc = -1;
		goto out;
	}
	size_t i;
	json_t *m;
	json_array_foreach(members, i, m) {
		json_t *it = json_object_get(m, "items");
		json_t *ch = json_object();
		if (strcmp(reg_str(it, "householder_name"), reg_str(p.items, "name")))
			json_object_set(ch, "householder_name", json_object_get(p.items, "name"));
		if (strcmp(reg_str(it, "householder_name_kana"), reg_str(p.items, "name_kana")))
			json_object_set(ch, "householder_name_kana",
					json_object_get(p.items, "name_kana"));
		if (json_object_size(ch)) {
			int64_t pid = 0;
			int64_t rid = json_integer_value(json_object_get(m, "record_id"));
			if (door_change(d, REGISTRY_FILE, rid, ch, type, DOOR_NOTIFIED, &pid, err) ||
			    reg_outbox_add(door_store(d), event_id, type, reg_str(it, "addressee_no"),
					   hno, event_date, err))
				rc = -1;
		}
		json_decref(ch);
		if (rc)
			break;
	}
	json_decref(members);
out:
	reg_person_free(&p);
	return rc;
}

int registry_pending_decide(door *d, int64_t pending_id, bool approve, const char *note,
			    at_error *err)
{
	if (door_pending_decide(d, pending_id, approve, note, err))
		return -1;
	store *s = door_store(d);
	store_stmt *st = store_prepare(s,
		"SELECT event_id, type, addressee_no, household_no, event_date FROM registry_pending"
		" WHERE pending_id = ? AND status = 'pending'", err);
	if (!st)
		return -1;
	store_bind_int(st, 1, pending_id);
	int r = store_step(st, err);
	int64_t event_id = 0;
	char type[40] = "", ano[16] = "", hno[16] = "", date[16] = "";
	if (r == STORE_ROW) {
		event_id = store_col_int(st, 0);
		snprintf(type, sizeof type, "%s", store_col_text(st, 1));
		snprintf(ano, sizeof ano, "%s", store_col_text(st, 2));
		snprintf(hno, sizeof hno, "%s", store_col_text(st, 3));
		snprintf(date, sizeof date, "%s", store_col_text(st, 4));
	}
	store_done(st);
	if (r < 0)
		return -1;
	if (r == STORE_DONE)
		return 0;   /* not an act of this module: the door's decision is all */
	st = store_prepare(s, "UPDATE registry_pending SET status = ? WHERE pending_id = ?", err);
	if (!st)
		return -1;
	store_bind_text(st, 1, approve ? "approved" : "rejected");
	store_bind_int(st, 2, pending_id);
	r = store_step(st, err);
	store_done(st);
	if (r != STORE_DONE)
		return -1;
	if (!approve)
		return 0;
	if (reg_outbox_add(s, event_id, type, ano, hno, date, err))
		return -1;
	if (!strcmp(type, "ex_officio_correction"))
		return sync_householder_name(d, ano, event_id, type, date, err);
	return 0;
}

int reg_foreign_rules(json_t *items, const char *path, at_date on, at_error *err)
{
	const char *cat = reg_str(items, "article_30_45_category");
	bool permanent = !strcmp(reg_str(items, "residence_status"), "永住者");
	static const char *const need1[] = {"residence_status", "period_of_stay",
		"period_of_stay_expiry", "residence_card_no", NULL};
	static const char *const need2[] = {"residence_card_no", NULL};
	const char *const *need = cat[0] == '1' ? need1 : cat[0] == '2' ? need2 : NULL;
	char f[200];
	for (; need && *need; need++) {
		if (*reg_str(items, *need) || (permanent && !strcmp(*need, "period_of_stay_expiry")))
			continue;
		snprintf(f, sizeof f, "%s.%s", path, *need);
		return at_fail(err, 400, AT_E_MISSING, f, "%s is required for a %s (住基法30条の45 表)",
			       f, cat[0] == '1' ? "中長期在留者 (category 1)" : "特別永住者 (category 2)");
	}
	at_date exp;
	at_error ignored;
	if (cat[0] == '1' && *reg_str(items, "period_of_stay_expiry") &&
	    date_parse(reg_str(items, "period_of_stay_expiry"), &exp, "x", &ignored) == 0 &&
	    date_cmp(exp, on) < 0) {
		snprintf(f, sizeof f, "%s.period_of_stay_expiry", path);
		return at_fail(err, 400, AT_E_INVALID, f,
			       "%s %s is before %04d-%02d-%02d: a person whose period of stay has ended"
			       " is not a foreign resident (住基法30条の45)", f,
			       reg_str(items, "period_of_stay_expiry"), on.year, on.month, on.day);
	}
	return 0;
}

/* ---- The roll ------------------------------------------------------------ */

/* What the resident tax's roll uses of each person (tax.c roll_cb): who they
 * are, whether they lived here on 1 January and, if not, where. */
static const char *const roll_items[] = {"addressee_no", "my_number", "name", "name_kana",
	"birth_date", "household_no", "residence_date", "previous_municipality_code",
	"removal_date", "confirmed_municipality_code", "planned_municipality_code", NULL};

int registry_roll(door *d, const char *after, int limit, registry_roll_cb cb, void *arg,
		  char last[16], at_error *err)
{
	if (limit < 1 || limit > 10000)
		return at_fail(err, 400, AT_E_INVALID, "limit", "limit must be 1..10000");
	/* Collect the page's ids first: the door's reads use the same connection. */
	int64_t *ids = calloc((size_t)limit, sizeof *ids);
	char (*anos)[16] = calloc((size_t)limit, sizeof *anos);
	if (!ids || !anos) {
		free(ids);
		free(anos);
		return at_fail(err, 500, AT_E_INTERNAL, "", "out of memory");
	}
	store_stmt *st = store_prepare(door_store(d),
		"SELECT addressee_no, record_id FROM registry_person_record"
		" WHERE addressee_no > ? ORDER BY addressee_no LIMIT ?", err);
	int n = 0, r = 0;
	if (!st) {
		r = -1;
		goto out;
	}
	store_bind_text(st, 1, after ? after : "");
	store_bind_int(st, 2, limit);
	while ((r = store_step(st, err)) == STORE_ROW) {
		snprintf(anos[n], sizeof anos[n], "%s", store_col_text(st, 0));
		ids[n++] = store_col_int(st, 1);
	}
	store_done(st);
	if (r < 0)
		goto out;
	r = 0;
	for (int i = 0; i < n; i++) {
		json_t *rec = NULL;
		if (door_read_items(d, REGISTRY_FILE, ids[i], roll_items, &rec, err)) {
			r = -1;
			goto out;
		}
		int c = cb(arg, rec);
		json_decref(rec);
		snprintf(last, 16, "%s", anos[i]);
		if (c) {
			r = -1;
			goto out;
		}
	}
out:
	free(ids);
	free(anos);
	return r ? r : n;
}

int registry_addressee_in_use(door *d, const char *addressee_no, bool *in_use, at_error *err)
{
	store_stmt *st = store_prepare(door_store(d),
		"SELECT 1 FROM registry_person_record WHERE addressee_no = ?", err);
	if (!st)
		return -1;
	store_bind_text(st, 1, addressee_no);
	int r = store_step(st, err);
	store_done(st);
	*in_use = r == STORE_ROW;
	return r < 0 ? -1 : 0;
}
