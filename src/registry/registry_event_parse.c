/*
 * Change events, phase 1: reading an event's body and the register it refers
 * to — dates, places and addresses, persons (with the foreign-resident items),
 * household references, uniqueness, number assignment — and the primitives
 * the planners build the plan with. The register's rules for a new record
 * are stated here once, for the events and for the migration
 * (registry_import.c), which calls them on the old system's items. Nothing
 * here writes a record (registry_event_int.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "core/date.h"
#include "core/json.h"
#include "core/strbuf.h"
#include "core/text.h"
#include "policy/platform.h"
#include "registry_event_int.h"


op *ev_op_add(ev *e, op_kind kind, const char *ano, int64_t rid, json_t *current,
		  const char *hno)
{
	if (e->n_ops == e->cap_ops) {
		e->cap_ops = e->cap_ops ? e->cap_ops * 2 : 8;
		e->ops = realloc(e->ops, e->cap_ops * sizeof *e->ops);
		if (!e->ops)
			abort();
	}
	op *o = &e->ops[e->n_ops++];
	memset(o, 0, sizeof *o);
	o->kind = kind;
	o->basis = e->ex_officio ? DOOR_EX_OFFICIO : DOOR_NOTIFIED;
	snprintf(o->addressee_no, sizeof o->addressee_no, "%s", ano);
	snprintf(o->household_no, sizeof o->household_no, "%s", hno ? hno : "");
	o->record_id = rid;
	o->items = json_object();
	o->current = current ? json_incref(current) : NULL;
	return o;
}

/* The operation for a person already planned, or a new change. */
op *ev_op_for(ev *e, json_t *rec)
{
	json_t *items = json_object_get(rec, "items");
	const char *ano = ev_ano_of(rec);
	for (size_t i = 0; i < e->n_ops; i++)
		if (!strcmp(e->ops[i].addressee_no, ano))
			return &e->ops[i];
	return ev_op_add(e, OP_CHANGE, ano, json_integer_value(json_object_get(rec, "record_id")),
		      items, reg_str(items, "household_no"));
}

void ev_set_s(op *o, const char *item, const char *v)
{
	json_object_set_new(o->items, item, v ? json_string(v) : json_null());
}

void ev_set_v(op *o, const char *item, json_t *v)
{
	json_object_set(o->items, item, v ? v : json_null());
}

void ev_free(ev *e)
{
	for (size_t i = 0; i < e->n_ops; i++) {
		json_decref(e->ops[i].items);
		json_decref(e->ops[i].current);
	}
	free(e->ops);
	json_decref(e->keep);
	json_decref(e->taken);
}

/* ---- Reading ------------------------------------------------------------ */

static bool is_active(json_t *rec)
{
	return !strcmp(reg_state(rec), "active");
}

/* The person's record (kept for the event's life); must be active. */
json_t *ev_person(ev *e, const char *ano, const char *field, at_error *err)
{
	reg_person p;
	if (reg_read(e->d, ano, field, &p, err))
		return NULL;
	json_t *rec = p.rec;
	json_array_append(e->keep, rec);
	reg_person_free(&p);
	if (!is_active(rec)) {
		at_fail(err, 409, AT_E_CONFLICT, field,
			"%s: the record of %s is %s, not active; a %s applies to residents only", field,
			ano, !strcmp(reg_state(rec), "removed") ? "removed (除票)" : reg_state(rec),
			e->type);
		return NULL;
	}
	return rec;
}

json_t *ev_household(ev *e, const char *hno, at_error *err)
{
	json_t *m = NULL;
	if (reg_household(e->d, hno, &m, err))
		return NULL;
	json_array_append_new(e->keep, m);
	return m;
}

json_t *ev_householder_of(json_t *members)
{
	size_t i;
	json_t *r;
	json_array_foreach(members, i, r)
		if (!strcmp(reg_str(json_object_get(r, "items"), "relationship"), REG_HOUSEHOLDER))
			return r;
	return NULL;
}

/* The addressee number: the item, else the record's subject (the door's
 * subject is the addressee number, registry.h). */
const char *ev_ano_of(json_t *rec)
{
	const char *a = reg_str(json_object_get(rec, "items"), "addressee_no");
	return *a ? a : reg_str(rec, "subject");
}

bool ev_in_array(json_t *arr, const char *ano)
{
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v) {
		const char *s = json_is_string(v) ? json_string_value(v) : ev_ano_of(v);
		if (!strcmp(s, ano))
			return true;
	}
	return false;
}

/* ---- Checking ---------------------------------------------------------- */

int ev_dates(ev *e, bool future_ok, at_error *err)
{
	if (reg_date_field(e->d, e->body, "", "event_date", true, &e->date, e->date_s, err) < 0)
		return -1;
	int r = reg_date_field(e->d, e->body, "", "notification_date", !e->ex_officio, &e->ndate,
			       e->ndate_s, err);
	if (r < 0)
		return -1;
	e->has_ndate = r == 1;
	at_date today = date_today();
	/* An event is recorded after it happened; only a 転出届 is filed ahead
	 * of the move (住基法24条 「あらかじめ」). */
	if (!future_ok && date_cmp(e->date, today) > 0)
		return at_fail(err, 400, AT_E_INVALID, "event_date",
			       "event_date %s is in the future; a %s is recorded after it happens",
			       e->date_s, e->type);
	if (e->has_ndate && date_cmp(e->ndate, today) > 0)
		return at_fail(err, 400, AT_E_INVALID, "notification_date",
			       "notification_date %s is in the future", e->ndate_s);
	if (e->has_ndate && !future_ok && date_cmp(e->ndate, e->date) < 0)
		return at_fail(err, 400, AT_E_INVALID, "notification_date",
			       "notification_date %s is before event_date %s; a %s is notified after it"
			       " happens", e->ndate_s, e->date_s, e->type);
	return 0;
}

/* 住基法22–25条: the notification is due within 14 days of the event (the
 * day of the event not counted, 民法140条). A late one is still accepted
 * (the duty to record stands; 過料 under 52条2項 is for the court). */
void ev_late_check(ev *e)
{
	if (e->has_ndate && date_to_days(e->ndate) - date_to_days(e->date) > REGISTRY_LATE_DAYS)
		e->late = true;
}

int ev_check_relationship(ev *e, json_t *v, const char *field, at_error *err)
{
	if (reg_check_value(e->d, "relationship", v, field, err))
		return -1;
	if (!strcmp(json_string_value(v), REG_HOUSEHOLDER))
		return at_fail(err, 400, AT_E_INVALID, field,
			       "%s: 世帯主 is the householder's own entry; the householder is named with"
			       " householder: true or new_householder", field);
	return 0;
}

/* addressee_nos: a non-empty array of distinct active residents. */
json_t *ev_person_list(ev *e, const char *key, at_error *err)
{
	json_t *a = json_object_get(e->body, key);
	if (!a)
		return at_fail(err, 400, AT_E_MISSING, key, "%s is required", key), NULL;
	if (!json_is_array(a) || json_array_size(a) == 0 || json_array_size(a) > MAX_PERSONS)
		return at_fail(err, 400, AT_E_INVALID, key,
			       "%s must be an array of 1 to %d addressee numbers", key, MAX_PERSONS),
		       NULL;
	json_t *recs = json_array();
	json_array_append_new(e->keep, recs);
	size_t i;
	json_t *v;
	json_array_foreach(a, i, v) {
		char f[48];
		snprintf(f, sizeof f, "%s[%zu]", key, i);
		if (!json_is_string(v) || !reg_is_addressee_no(json_string_value(v)))
			return at_fail(err, 400, AT_E_INVALID, f,
				       "%s must be an addressee number (宛名番号) of 10 digits", f), NULL;
		if (ev_in_array(recs, json_string_value(v)))
			return at_fail(err, 400, AT_E_INVALID, f, "%s is listed twice", f), NULL;
		json_t *rec = ev_person(e, json_string_value(v), f, err);
		if (!rec)
			return NULL;
		json_array_append(recs, rec);
	}
	return recs;
}

/* 世帯主氏名 on every member's record (住基法7条4号): item <- the householder's. */
static const char *const householder_name_map[][2] = {{"householder_name", "name"},
	{"householder_name_kana", "name_kana"}};

/* Household and relationship items of a person. */
void ev_set_household(op *o, const char *hno, const char *relationship, json_t *hh_items)
{
	ev_set_s(o, "household_no", hno);
	snprintf(o->household_no, sizeof o->household_no, "%s", hno);
	if (relationship)
		ev_set_s(o, "relationship", relationship);
	for (size_t k = 0; k < 2; k++)
		ev_set_v(o, householder_name_map[k][0], json_object_get(hh_items, householder_name_map[k][1]));
}

int ev_householder_names(json_t *items, json_t *hh_items, const char *path, bool check,
			 at_error *err)
{
	for (size_t k = 0; k < 2; k++) {
		const char *item = householder_name_map[k][0], *from = householder_name_map[k][1];
		json_t *given = json_object_get(items, item);
		json_t *want = json_object_get(hh_items, from);
		if (!given && want) {
			json_object_set(items, item, want);
		} else if (given && check && !json_equal(given, want)) {
			char f[200];
			snprintf(f, sizeof f, "%s.%s", path, item);
			return at_fail(err, 400, AT_E_INVALID, f, "%s is not the householder's %s", f, from);
		}
	}
	return 0;
}

/* ---- Places, addresses, people ------------------------------------------- */

static const char *const address_keys[] = {"address", "postcode", "address_supplement",
	"address_supplement_code", "town_code", "district_code", NULL};

/* Parse an address block into o's items (absent parts clear the old ones). */
int ev_parse_address(ev *e, json_t *a, const char *path, json_t *out, at_error *err)
{
	if (!json_is_object(a))
		return at_fail(err, 400, AT_E_INVALID, path, "%s must be an object", path);
	if (jv_no_unknown(a, path, address_keys, err))
		return -1;
	for (const char *const *k = address_keys; *k; k++) {
		const char *v = NULL;
		int r = reg_field(e->d, a, path, *k, *k, !strcmp(*k, "address"), &v, err);
		if (r < 0)
			return -1;
		json_object_set_new(out, *k, r ? json_string(v) : json_null());
	}
	json_object_set_new(out, "municipality_code", json_string(e->muni));
	return 0;
}

/* The address items of a record (a household's address). */
void ev_copy_address(json_t *from_items, json_t *out)
{
	for (const char *const *k = address_keys; *k; k++)
		json_object_set(out, *k, json_object_get(from_items, *k) ? json_object_get(from_items, *k)
									 : json_null());
	json_object_set(out, "municipality_code", json_object_get(from_items, "municipality_code")
		? json_object_get(from_items, "municipality_code") : json_null());
}

bool ev_same_address(json_t *addr, json_t *items)
{
	return !strcmp(reg_str(addr, "address"), reg_str(items, "address")) &&
	       !strcmp(reg_str(addr, "address_supplement"), reg_str(items, "address_supplement"));
}

/* A place elsewhere (前住所, 転出先): items <prefix>_municipality_code, _postcode,
 * _address, _address_supplement, _householder. *abroad says which form. */
int ev_parse_place(ev *e, json_t *p, const char *path, const char *prefix, json_t *out,
		       bool *abroad, at_error *err)
{
	static const char *const keys[] = {"municipality_code", "postcode", "address",
		"address_supplement", "householder", "country", NULL};
	if (!json_is_object(p))
		return at_fail(err, 400, AT_E_INVALID, path, "%s must be an object", path);
	if (jv_no_unknown(p, path, keys, err))
		return -1;
	char item[64];
	const char *country = NULL;
	if (jv_string(p, path, "country", false, 50, &country, err))
		return -1;
	*abroad = country && *country;
	const char *v = NULL;
	int r;
	snprintf(item, sizeof item, "%s_municipality_code", prefix);
	if (*abroad && json_object_get(p, "municipality_code")) {
		char f[96];
		snprintf(f, sizeof f, "%s.municipality_code", path);
		return at_fail(err, 400, AT_E_INVALID, f,
			       "%s: a place abroad (country) has no municipality code", f);
	}
	if ((r = reg_field(e->d, p, path, "municipality_code", item, !*abroad, &v, err)) < 0)
		return -1;
	if (r)
		json_object_set_new(out, item, json_string(v));
	snprintf(item, sizeof item, "%s_postcode", prefix);
	if ((r = reg_field(e->d, p, path, "postcode", item, false, &v, err)) < 0)
		return -1;
	if (r)
		json_object_set_new(out, item, json_string(v));
	snprintf(item, sizeof item, "%s_address", prefix);
	if ((r = reg_field(e->d, p, path, "address", item, !*abroad, &v, err)) < 0)
		return -1;
	if (*abroad) {
		/* 国外: the country is the address (住民票 shows 「国外（国名）」). */
		strbuf sb = STRBUF_INIT;
		sb_init(&sb);
		sb_addf(&sb, "国外（%s）%s%s", country, r ? " " : "", r ? v : "");
		json_t *s = json_string(sb.buf);
		sb_release(&sb);
		char f[96];
		snprintf(f, sizeof f, "%s.country", path);
		if (reg_check_value(e->d, item, s, f, err)) {
			json_decref(s);
			return -1;
		}
		json_object_set_new(out, item, s);
	} else {
		json_object_set_new(out, item, json_string(v));
	}
	snprintf(item, sizeof item, "%s_address_supplement", prefix);
	if ((r = reg_field(e->d, p, path, "address_supplement", item, false, &v, err)) < 0)
		return -1;
	if (r)
		json_object_set_new(out, item, json_string(v));
	snprintf(item, sizeof item, "%s_householder", prefix);
	if ((r = reg_field(e->d, p, path, "householder", item, false, &v, err)) < 0)
		return -1;
	if (r)
		json_object_set_new(out, item, json_string(v));
	return 0;
}

/* Copy one field of obj into out[item] after checking it. */
static int take(ev *e, json_t *obj, const char *path, const char *key, const char *item, bool required,
		json_t *out, at_error *err)
{
	const char *v = NULL;
	int r = reg_field(e->d, obj, path, key, item, required, &v, err);
	if (r < 0)
		return -1;
	if (r)
		json_object_set(out, item, json_object_get(obj, key));
	return 0;
}

static int take_bool(json_t *obj, const char *path, const char *key, bool *out, at_error *err)
{
	return jv_bool(obj, path, key, false, out, err);
}

/* The foreign resident's items (住基法30条の45). partial: a change of some
 * of them (foreign_status_change); current: the record's items then. */
static const struct {
	const char *key, *item;
} foreign_map[] = {
	{"name", "foreign_name"}, {"name_kana", "foreign_name_kana"},
	{"alias", "foreign_alias"}, {"alias_kana", "foreign_alias_kana"},
	{"parallel_name", "foreign_parallel_name"},
	{"parallel_name_kana", "foreign_parallel_name_kana"},
	{"nationality_code", "nationality_code"}, {"nationality", "nationality"},
	{"residence_card_no", "residence_card_no"},
	{"residence_status_code", "residence_status_code"},
	{"residence_status", "residence_status"},
	{"article_30_45_category", "article_30_45_category"},
	{"period_of_stay", "period_of_stay"}, {"period_of_stay_expiry", "period_of_stay_expiry"},
};
#define N_FOREIGN (sizeof foreign_map / sizeof foreign_map[0])

/* Items that may be cleared in a change (an alias is deleted on request:
 * 住基法施行令30条の27). */
bool ev_foreign_clearable(const char *key)
{
	return !strcmp(key, "alias") || !strcmp(key, "alias_kana") || !strcmp(key, "parallel_name") ||
	       !strcmp(key, "parallel_name_kana");
}

bool ev_has_foreign_items(json_t *items)
{
	for (size_t i = 0; i < N_FOREIGN; i++)
		if (json_object_get(items, foreign_map[i].item))
			return true;
	return false;
}

int ev_foreign_status(json_t *items, const char *path, at_date on, at_error *err)
{
	char fp[200];
	const char *cat = reg_str(items, "article_30_45_category");
	snprintf(fp, sizeof fp, "%s.article_30_45_category", path);
	if (!*cat)
		return at_fail(err, 400, AT_E_MISSING, fp,
			       "%s is required for a foreign resident: the 住基法30条の45 category"
			       " (1 中長期在留者 … 6 国籍喪失による経過滞在者)", fp);
	if (strlen(cat) != 1 || cat[0] < '1' || cat[0] > '6')
		return at_fail(err, 400, AT_E_INVALID, fp,
			       "%s must be \"1\" to \"6\" (1 中長期在留者, 2 特別永住者, 3 一時庇護許可者,"
			       " 4 仮滞在許可者, 5 出生による経過滞在者, 6 国籍喪失による経過滞在者)", fp);
	if (!*reg_str(items, "nationality")) {
		snprintf(fp, sizeof fp, "%s.nationality", path);
		return at_fail(err, 400, AT_E_MISSING, fp, "%s is required (国籍等, 住基法30条の45)", fp);
	}
	return reg_foreign_rules(items, path, on, err);
}

void ev_foreign_card_items(json_t *items)
{
	static const char *const card[][2] = {{"foreign_name", "name"},
		{"foreign_name_kana", "name_kana"}, {"foreign_birth_date", "birth_date"}};
	for (size_t k = 0; k < 3; k++)
		if (!json_object_get(items, card[k][0]))
			json_object_set(items, card[k][0], json_object_get(items, card[k][1]));
}

/* 本籍・筆頭者: the body's domicile keys and the items they become. */
static const struct {
	const char *key, *item;
} domicile_map[] = {
	{"address", "domicile"}, {"head", "family_register_head"},
	{"municipality_code", "domicile_municipality_code"}, {"postcode", "domicile_postcode"},
};
#define N_DOMICILE (sizeof domicile_map / sizeof domicile_map[0])

int ev_check_no_domicile(json_t *items, const char *path, at_error *err)
{
	for (size_t i = 0; i < N_DOMICILE; i++)
		if (json_object_get(items, domicile_map[i].item)) {
			char f[200];
			snprintf(f, sizeof f, "%s.%s", path, domicile_map[i].item);
			return at_fail(err, 400, AT_E_INVALID, f,
				       "%s: a foreign resident has no 本籍 (住基法30条の45 replaces 7条5号)",
				       f);
		}
	return 0;
}

int ev_date_not_after(json_t *items, const char *item, const char *path, at_date limit,
		      const char *what, at_error *err)
{
	const char *v = reg_str(items, item);
	at_date d;
	at_error ignored;
	if (!*v || date_parse(v, &d, item, &ignored))
		return 0;   /* absent; a value was checked as the item was read */
	if (date_cmp(d, limit) <= 0)
		return 0;
	char f[200], ls[11];
	snprintf(f, sizeof f, "%s.%s", path, item);
	date_format(limit, ls);
	return at_fail(err, 400, AT_E_INVALID, f, "%s %s is after %s %s", f, v, what, ls);
}

int ev_parse_foreign(ev *e, json_t *f, const char *path, bool partial, json_t *current,
			 json_t *out, at_error *err)
{
	if (!json_is_object(f))
		return at_fail(err, 400, AT_E_INVALID, path, "%s must be an object", path);
	const char *keys[N_FOREIGN + 1];
	for (size_t i = 0; i < N_FOREIGN; i++)
		keys[i] = foreign_map[i].key;
	keys[N_FOREIGN] = NULL;
	if (jv_no_unknown(f, path, keys, err))
		return -1;
	if (partial && json_object_size(f) == 0)
		return at_fail(err, 400, AT_E_MISSING, path, "%s must change at least one item", path);
	/* The state after the event, to check the category's required items. */
	json_t *after = current ? json_deep_copy(current) : json_object();
	int rc = -1;
	char fp[96];
	for (size_t i = 0; i < N_FOREIGN; i++) {
		const char *key = foreign_map[i].key, *item = foreign_map[i].item;
		json_t *v = json_object_get(f, key);
		if (!v)
			continue;
		snprintf(fp, sizeof fp, "%s.%s", path, key);
		if (json_is_null(v)) {
			if (!partial)
				continue;
			if (!ev_foreign_clearable(key)) {
				at_fail(err, 400, AT_E_INVALID, fp,
					"%s cannot be cleared; give the new value", fp);
				goto out;
			}
			json_object_set_new(out, item, json_null());
			json_object_del(after, item);
			continue;
		}
		if (reg_check_value(e->d, item, v, fp, err))
			goto out;
		json_object_set(out, item, v);
		json_object_set(after, item, v);
	}
	if (ev_foreign_status(after, path, e->date, err))
		goto out;
	/* 通称履歴 (住基法施行令30条の27): each entry and deletion of the alias,
	 * with its date. */
	const char *old_alias = current ? reg_str(current, "foreign_alias") : "";
	const char *new_alias = reg_str(after, "foreign_alias");
	if (strcmp(old_alias, new_alias)) {
		strbuf h = STRBUF_INIT;
		sb_init(&h);
		sb_adds(&h, current ? reg_str(current, "alias_history") : "");
		if (*old_alias)
			sb_addf(&h, "%s%s 削除 %s", h.len ? "; " : "", e->date_s, old_alias);
		if (*new_alias)
			sb_addf(&h, "%s%s 記載 %s", h.len ? "; " : "", e->date_s, new_alias);
		json_t *hv = json_string(h.buf);
		sb_release(&h);
		snprintf(fp, sizeof fp, "%s.alias", path);
		if (reg_check_value(e->d, "alias_history", hv, fp, err)) {
			json_decref(hv);
			goto out;
		}
		json_object_set_new(out, "alias_history", hv);
	}
	rc = 0;
out:
	json_decref(after);
	return rc;
}



/* A person who becomes a resident: move-in, ex officio entry, birth. */
int ev_parse_new_person(ev *e, json_t *p, const char *path, np_mode mode, bool abroad,
			    newp *np, at_error *err)
{
	static const char *const keys[] = {"addressee_no", "name", "name_kana", "birth_date",
		"sex", "relationship", "householder", "resident_code", "my_number", "domicile",
		"former_name", "former_name_kana", "foreign", NULL};
	static const char *const birth_keys[] = {"addressee_no", "name", "name_kana", "sex",
		"relationship", "resident_code", "my_number", "domicile", "former_name",
		"former_name_kana", "foreign", NULL};
	snprintf(np->path, sizeof np->path, "%s", path);
	np->items = json_object();
	if (!json_is_object(p))
		return at_fail(err, 400, AT_E_INVALID, path, "%s must be an object", path);
	if (jv_no_unknown(p, path, mode == NP_BIRTH ? birth_keys : keys, err))
		return -1;
	const char *ano = NULL;
	char f[96];
	snprintf(f, sizeof f, "%s.addressee_no", path);
	int r = reg_field(e->d, p, path, "addressee_no", "addressee_no", false, &ano, err);
	if (r < 0)
		return -1;
	if (r)
		snprintf(np->ano, sizeof np->ano, "%s", ano);
	if (take(e, p, path, "name", "name", true, np->items, err) ||
	    take(e, p, path, "name_kana", "name_kana", true, np->items, err) ||
	    take(e, p, path, "sex", "sex", true, np->items, err) ||
	    take(e, p, path, "former_name", "former_name", false, np->items, err) ||
	    take(e, p, path, "former_name_kana", "former_name_kana", false, np->items, err))
		return -1;
	/* 住民票コード: every resident record has one (住基法7条13号); a real
	 * system obtains it from J-LIS (30条の2). */
	if (take(e, p, path, "resident_code", "resident_code", true, np->items, err))
		return -1;
	/* 個人番号 (住基法7条8号の2): someone moving in from within Japan has one;
	 * a newborn or someone first registered from abroad is given one after
	 * the entry (番号法7条1項), so it may come later via my_number_change. */
	if (take(e, p, path, "my_number", "my_number", mode == NP_MOVE_IN && !abroad, np->items, err))
		return -1;
	if (mode == NP_BIRTH) {
		json_object_set_new(np->items, "birth_date", json_string(e->date_s));
	} else {
		at_date bd;
		char bs[11];
		if (reg_date_field(e->d, p, path, "birth_date", true, &bd, bs, err) < 0)
			return -1;
		json_object_set_new(np->items, "birth_date", json_string(bs));
		if (ev_date_not_after(np->items, "birth_date", path, e->date, "the event date", err))
			return -1;
		if (take_bool(p, path, "householder", &np->householder, err))
			return -1;
	}
	json_t *rel = json_object_get(p, "relationship");
	snprintf(f, sizeof f, "%s.relationship", path);
	if (np->householder) {
		if (rel && !json_is_null(rel) &&
		    (!json_is_string(rel) || strcmp(json_string_value(rel), REG_HOUSEHOLDER)))
			return at_fail(err, 400, AT_E_INVALID, f,
				       "%s: the householder's relationship is 世帯主", f);
		json_object_set_new(np->items, "relationship", json_string(REG_HOUSEHOLDER));
	} else {
		if (!rel || json_is_null(rel))
			return at_fail(err, 400, AT_E_MISSING, f,
				       "%s is required: the relationship (続柄) to the householder"
				       " (住基法7条4号)", f);
		if (ev_check_relationship(e, rel, f, err))
			return -1;
		json_object_set(np->items, "relationship", rel);
	}
	json_t *fo = json_object_get(p, "foreign");
	json_t *dom = json_object_get(p, "domicile");
	if (fo && !json_is_null(fo)) {
		snprintf(f, sizeof f, "%s.foreign", path);
		if (ev_parse_foreign(e, fo, f, false, NULL, np->items, err))
			return -1;
		np->foreign = true;
		ev_foreign_card_items(np->items);
	}
	if (dom && !json_is_null(dom)) {
		const char *dkeys[N_DOMICILE + 1];
		for (size_t i = 0; i < N_DOMICILE; i++)
			dkeys[i] = domicile_map[i].key;
		dkeys[N_DOMICILE] = NULL;
		snprintf(f, sizeof f, "%s.domicile", path);
		if (!json_is_object(dom))
			return at_fail(err, 400, AT_E_INVALID, f, "%s must be an object", f);
		if (jv_no_unknown(dom, f, dkeys, err))
			return -1;
		for (size_t i = 0; i < N_DOMICILE; i++)
			if (take(e, dom, f, domicile_map[i].key, domicile_map[i].item, i == 0, np->items,
				 err))
				return -1;
		/* 本籍 is given as domicile.address, so the refusal names
		 * persons[i].domicile, the body's own field. */
		if (np->foreign && ev_check_no_domicile(np->items, path, err))
			return -1;
	}
	return 0;
}

/* seed 001 §1.5 (CS update check): an entry for someone who is already a
 * resident is refused — same My Number or resident record code on an active
 * record. */
int ev_check_not_resident(ev *e, json_t *items, const char *path, at_error *err)
{
	return ev_not_resident(e->d, e->type, items, path, err);
}

/* Is value of an indexed item on a record: an active one, or any (removed_too)? */
static int held(door *d, const char *item, const char *value, bool removed_too, bool *out,
		at_error *err)
{
	json_t *found = NULL;
	*out = false;
	if (reg_any_record(d, item, value, &found, err) < 0)
		return -1;
	size_t i;
	json_t *rec;
	json_array_foreach(found, i, rec)
		if (removed_too || is_active(rec))
			*out = true;
	json_decref(found);
	return 0;
}

int ev_not_resident(door *d, const char *what, json_t *items, const char *path, at_error *err)
{
	static const char *const keys[] = {"my_number", "resident_code"};
	for (size_t k = 0; k < 2; k++) {
		const char *v = reg_str(items, keys[k]);
		if (!*v)
			continue;
		bool current;
		if (held(d, keys[k], v, false, &current, err))
			return -1;
		char f[200];
		snprintf(f, sizeof f, "%s.%s", path, keys[k]);
		/* Whose record it is stays out of the error: the clerk learns that
		 * the person is resident, not another person's addressee number. */
		if (current)
			return at_fail(err, 409, "already_resident", f,
				       "%s: this person is already a resident; a %s of a current"
				       " resident is refused (seed 001 §1.5)", f, what);
	}
	return 0;
}

int ev_check_addressee_free(door *d, const char *ano, const char *path, at_error *err)
{
	int64_t rid;
	int r = reg_record_id(d, ano, &rid, err);
	if (r != 0)
		return r < 0 ? -1 : 0;
	char f[200];
	snprintf(f, sizeof f, "%s.addressee_no", path);
	return at_fail(err, 409, AT_E_CONFLICT, f, "%s: addressee number %s already belongs to a record",
		       f, ano);
}

int ev_check_household_free(door *d, const char *hno, bool removed_too, const char *field,
			    at_error *err)
{
	bool used;
	if (held(d, "household_no", hno, removed_too, &used, err))
		return -1;
	if (used)
		return at_fail(err, 409, AT_E_CONFLICT, field,
			       "%s: household number %s is already in use; a new household needs a new"
			       " number", field, hno);
	return 0;
}

int ev_once(json_t *seen, const char *value, const char *path, const char *key, at_error *err)
{
	json_t *prev = json_object_get(seen, value);
	if (prev) {
		char f[200];
		snprintf(f, sizeof f, "%s.%s", path, key);
		return at_fail(err, 400, AT_E_INVALID, f, "%s is the same as %s's", f,
			       json_string_value(prev));
	}
	json_object_set_new(seen, value, json_string(path));
	return 0;
}

/* A changed My Number or resident record code must not be another active
 * resident's. */
int ev_check_unique(ev *e, const char *item, const char *value, const char *self,
			const char *field, at_error *err)
{
	json_t *found = NULL;
	int r = reg_any_record(e->d, item, value, &found, err);
	if (r < 0)
		return -1;
	size_t i;
	json_t *rec;
	int rc = 0;
	json_array_foreach(found, i, rec)
		if (is_active(rec) && strcmp(ev_ano_of(rec), self))
			rc = at_fail(err, 409, AT_E_CONFLICT, field,
				     "%s is already recorded for another resident", field);
	json_decref(found);
	return rc;
}

/* ---- Numbers ---------------------------------------------------------- */

/* n (0 <= n <= 9999999999) as 10 digits; through a wide buffer so the
 * compiler can see it never truncates. */
static void fmt10(int64_t n, char out[11])
{
	char tmp[24];
	snprintf(tmp, sizeof tmp, "%010lld", (long long)n);
	memcpy(out, tmp, 10);
	out[10] = '\0';
}

/* Next free addressee number (宛名番号): sequential, skipping any in use. */
int ev_assign_addressee(ev *e, char out[11], at_error *err)
{
	for (int tries = 0; tries < 100000; tries++) {
		int64_t n;
		if (reg_counter_next(e->s, "addressee_no", &n, err))
			return -1;
		if (n > 9999999999LL)
			return at_fail(err, 500, AT_E_INTERNAL, "addressee_no",
				       "the addressee numbers are exhausted");
		fmt10(n, out);
		if (ev_in_array(e->taken, out))
			continue;
		int64_t rid;
		int r = reg_record_id(e->d, out, &rid, err);
		if (r < 0)
			return -1;
		if (r == 1) {
			json_array_append_new(e->taken, json_string(out));
			return 0;
		}
	}
	return at_fail(err, 500, AT_E_INTERNAL, "addressee_no", "no free addressee number found");
}

int ev_assign_household(ev *e, char out[11], at_error *err)
{
	for (int tries = 0; tries < 100000; tries++) {
		int64_t n;
		if (reg_counter_next(e->s, "household_no", &n, err))
			return -1;
		if (n > 9999999999LL)
			return at_fail(err, 500, AT_E_INTERNAL, "household_no",
				       "the household numbers are exhausted");
		fmt10(n, out);
		json_t *found = NULL;
		int r = reg_any_record(e->d, "household_no", out, &found, err);
		json_decref(found);
		if (r < 0)
			return -1;
		if (r == 0)
			return 0;
	}
	return at_fail(err, 500, AT_E_INTERNAL, "household_no", "no free household number found");
}

/* {"household_no"} | {"new": true, "household_no"?}: *is_new, hno (given or
 * empty), members of an existing one. */
int ev_parse_household_ref(ev *e, json_t *h, const char *path, bool *is_new, char hno[11],
			       json_t **members, at_error *err)
{
	static const char *const keys[] = {"household_no", "new", NULL};
	*members = NULL;
	hno[0] = '\0';
	if (!json_is_object(h))
		return at_fail(err, 400, AT_E_INVALID, path,
			       "%s must be {\"household_no\"} or {\"new\": true}", path);
	if (jv_no_unknown(h, path, keys, err) || jv_bool(h, path, "new", false, is_new, err))
		return -1;
	const char *v = NULL;
	int r = reg_field(e->d, h, path, "household_no", "household_no", !*is_new, &v, err);
	if (r < 0)
		return -1;
	char f[96];
	snprintf(f, sizeof f, "%s.household_no", path);
	if (r)
		snprintf(hno, 11, "%s", v);
	if (*is_new)
		return r ? ev_check_household_free(e->d, hno, true, f, err) : 0;
	*members = ev_household(e, hno, err);
	if (!*members)
		return -1;
	if (json_array_size(*members) == 0)
		return at_fail(err, 404, "no_such_household", f,
			       "%s: household %s does not exist (no resident belongs to it); join an"
			       " existing household or start one with {\"new\": true}", f, hno);
	return 0;
}

