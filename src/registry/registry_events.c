/*
 * Change events (異動) of the resident register: registry_event (registry.h).
 *
 * An event is parsed and checked completely — every field, every rule, every
 * lookup — before the first write; then it is applied as a plan of door
 * operations (one version per affected person) plus the module's own rows
 * (event log, outbox), all inside the caller's door transaction. On any
 * error the function returns -1 and the caller aborts the door, so nothing
 * of a refused event stays.
 *
 * Body shapes (JSON; every object refuses keys it does not list; dates are
 * "YYYY-MM-DD"; "?" marks an optional key):
 *
 * Common to all types: "event_date" (異動日), "notification_date" (届出日;
 * optional for ex_officio_* acts). A future event date is refused (except
 * move_out_planned, filed in advance: 住基法24条), so is a notification date
 * in the future or before the event date (except move_out_planned). A
 * notification more than REGISTRY_LATE_DAYS after the event is accepted and
 * flagged "late_notification" for move_in, move_out_planned, in_ward_move,
 * household_change (住基法22–25条: within 14 days) and birth and death (the
 * 戸籍届 that carries them: 戸籍法49条 14 days; 戸籍法86条 7 days from learning of the
 * death, a day the register does not hold, so the register's 14-day horizon
 * is used).
 *
 * address    = {"address", "postcode"?, "address_supplement"?, "address_supplement_code"?,
 *               "town_code"?, "district_code"?}   (the municipality is this one)
 * place      = {"municipality_code", "address", "postcode"?, "address_supplement"?,
 *               "householder"?}  — or, abroad, {"country", "address"?, ...} without
 *               municipality_code (stored as 前住所/転出先 "国外（country）…")
 * person     = {"addressee_no"?, "name", "name_kana", "birth_date", "sex": "1"|"2",
 *               "relationship" (続柄: 妻, 夫, 子, 父, 母, 孫, 兄, 姉, 弟, 妹, 祖父, 祖母,
 *               同居人, 縁故者, 妻の子, 夫の子, ...; "世帯主" only for the householder),
 *               "householder"?: bool, "resident_code" (11 digits), "my_number"?,
 *               "domicile"?: {"address", "head"?, "municipality_code"?, "postcode"?}
 *               (本籍・筆頭者; not for foreign residents), "former_name"?, "former_name_kana"?,
 *               "foreign"?: foreign}
 * foreign    = {"nationality", "article_30_45_category": "1".."6" (1 中長期在留者,
 *               2 特別永住者, 3 一時庇護許可者, 4 仮滞在許可者, 5 出生による経過滞在者,
 *               6 国籍喪失による経過滞在者), "nationality_code"?, "name"?, "name_kana"?,
 *               "alias"?, "alias_kana"?, "parallel_name"?, "parallel_name_kana"?,
 *               "residence_card_no"?, "residence_status_code"?, "residence_status"?,
 *               "period_of_stay"?, "period_of_stay_expiry"?}; category 1 needs
 *               residence_status, period_of_stay, period_of_stay_expiry and
 *               residence_card_no, category 2 residence_card_no (住基法30条の45 表)
 * successor  = {"addressee_no", "relationships": {"<addressee_no>": "<続柄>", ...}}:
 *               the new householder (世帯主変更, 住基法25条) and every other staying
 *               member's relationship to them (続柄 is to the householder, so each changes)
 *
 * move_in / ex_officio_entry:
 *   {"household": {"household_no"} | {"new": true, "household_no"?},
 *    "address"?: address (required for a new household; for an existing one it
 *               must be the household's, and is copied when absent),
 *    "previous": place (required for move_in), "from_abroad"?: bool (then
 *               previous.country), "persons": [person, ...] (1..50)}
 *   A new household needs exactly one person with householder true; joining
 *   a household adds no householder. my_number is required for a move-in from
 *   within Japan. Refused when the person is already a resident (same
 *   my_number or resident_code on an active record; seed 001 §1.5).
 *   ex_officio_entry (職権記載) is held for a second person (result 1, pending_ids).
 * birth: {"household_no", "person": person without birth_date and householder
 *   (the birth date is the event date)}; the household's address is copied.
 * death: {"addressee_no", "new_householder"?: successor}
 * move_out_planned: {"addressee_nos": [..], "destination": place}
 * move_out_confirmed: {"addressee_nos": [..], "destination"?: place (default: the
 *   planned destination), "new_householder"?: successor}; notification_date is the
 *   day the 転入通知 arrived (住基法9条1項)
 * move_out_cancelled: {"addressee_nos": [..]}
 * in_ward_move: {"persons": [{"addressee_no", "relationship"?, "householder"?}],
 *   "address"?: address, "household"?: {"household_no"} | {"new": true, "household_no"?},
 *   "new_householder"?: successor}. Without "household" every mover keeps their
 *   household, which must then move whole (a household lives at one address).
 *   Any other item of the register, at the top or in a person, is refused
 *   (seed 001 §1.5: a 転居 changes only the address).
 * household_change: {"kind": "split", "persons": [{"addressee_no", "relationship"?,
 *   "householder"?}], "new_householder"?}
 *   | {"kind": "merge", "household_no", "persons": [{"addressee_no", "relationship"}],
 *      "new_householder"?}
 *   | {"kind": "new_householder", "household_no", "new_householder": successor}
 * ex_officio_removal: {"addressee_no", "reason"? (≤40, 除票届出事由)}; held.
 * ex_officio_correction: {"addressee_no", "items": {"<item id>": value | null}}; held.
 * resident_code_change: {"addressee_no", "resident_code"}
 * my_number_change: {"addressee_no", "my_number"}
 * foreign_status_change: {"addressee_no", "foreign": part of foreign (null clears an
 *   alias or parallel name; an alias change is appended to 通称履歴)}
 *
 * 異動事由 (change_reason) written: 転入, 国外転入, 転居, 転出予定, 転出, 転出取消, 出生,
 * 死亡, 世帯分離, 世帯合併, 世帯主変更 (also on members whose householder changed),
 * 職権記載, 職権消除, 職権修正, 住民票コード変更, 個人番号変更, 在留資格等変更, 通称変更.
 * removal_type (除票区分): 転出, 死亡, 職権消除.
 *
 * Result: {"event_id": int, "type", "records": [{"addressee_no","record_id"}],
 *          "household_no", "flags": [...], "pending_id"?, "pending_ids"?}.
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


/* ---- Succession (世帯主変更, 住基法25条) ----------------------------------- *
 * `staying` are the records that remain in household hno; nh names the new
 * householder among them with every other staying member's relationship. */
static int plan_successor(ev *e, const char *hno, json_t *staying, json_t *nh, const char *path,
			  at_error *err)
{
	static const char *const keys[] = {"addressee_no", "relationships", NULL};
	char f[96];
	if (!json_is_object(nh))
		return at_fail(err, 400, AT_E_INVALID, path,
			       "%s must be an object {\"addressee_no\", \"relationships\"}", path);
	if (jv_no_unknown(nh, path, keys, err))
		return -1;
	const char *new_no = NULL;
	snprintf(f, sizeof f, "%s.addressee_no", path);
	if (jv_string(nh, path, "addressee_no", true, 10, &new_no, err))
		return -1;
	json_t *heir = NULL;
	size_t i;
	json_t *r;
	json_array_foreach(staying, i, r)
		if (!strcmp(ev_ano_of(r), new_no))
			heir = r;
	if (!heir)
		return at_fail(err, 400, AT_E_INVALID, f,
			       "%s: %s is not a member who stays in household %s; the new householder"
			       " must be one", f, new_no, hno);
	json_t *rels = json_object_get(nh, "relationships");
	snprintf(f, sizeof f, "%s.relationships", path);
	if (json_array_size(staying) > 1 && !json_is_object(rels))
		return at_fail(err, 400, AT_E_MISSING, f,
			       "%s is required: each member's relationship (続柄) is to the householder,"
			       " so it changes with a new householder", f);
	if (rels && !json_is_object(rels))
		return at_fail(err, 400, AT_E_INVALID, f, "%s must be an object", f);
	const char *k;
	json_t *v;
	json_object_foreach(rels, k, v) {
		char g[200];
		snprintf(g, sizeof g, "%s.%s", f, k);
		bool member = false;
		json_array_foreach(staying, i, r)
			if (!strcmp(ev_ano_of(r), k) && strcmp(k, new_no))
				member = true;
		if (!member)
			return at_fail(err, 400, AT_E_UNKNOWN, g,
				       "%s: %s is not another member staying in household %s", g, k, hno);
		if (ev_check_relationship(e, v, g, err))
			return -1;
	}
	json_t *heir_items = json_object_get(heir, "items");
	json_array_foreach(staying, i, r) {
		const char *ano = ev_ano_of(r);
		op *o = ev_op_for(e, r);
		if (!o->reason)
			o->reason = "世帯主変更";
		if (!strcmp(ano, new_no)) {
			ev_set_household(o, hno, REG_HOUSEHOLDER, heir_items);
			continue;
		}
		json_t *rel = json_object_get(rels, ano);
		if (!rel) {
			char g[200];
			snprintf(g, sizeof g, "%s.%s", f, ano);
			return at_fail(err, 400, AT_E_MISSING, g,
				       "%s is required: the relationship (続柄) of %s to the new householder",
				       g, ano);
		}
		ev_set_household(o, hno, json_string_value(rel), heir_items);
	}
	return 0;
}

/* Persons `leavers` (records) leave their households. Where a householder
 * leaves members behind, the body's "new_householder" must name the
 * successor (住基法25条); it serves one household at most. */
static int plan_leaving(ev *e, json_t *leavers, at_error *err)
{
	json_t *nh = json_object_get(e->body, "new_householder");
	bool used = false;
	json_t *seen = json_array();
	size_t i;
	json_t *r;
	int rc = -1;
	json_array_foreach(leavers, i, r) {
		const char *hno = reg_str(json_object_get(r, "items"), "household_no");
		if (!*hno || ev_in_array(seen, hno))
			continue;
		json_array_append_new(seen, json_string(hno));
		json_t *members = ev_household(e, hno, err);
		if (!members)
			goto out;
		json_t *hh = ev_householder_of(members);
		json_t *staying = json_array();
		json_t *m;
		size_t j;
		json_array_foreach(members, j, m)
			if (!ev_in_array(leavers, ev_ano_of(m)))
				json_array_append(staying, m);
		bool hh_leaves = hh && ev_in_array(leavers, ev_ano_of(hh));
		int x = 0;
		if (hh_leaves && json_array_size(staying) > 0) {
			if (!nh || json_is_null(nh))
				x = at_fail(err, 409, "householder_leaving", "new_householder",
					    "the householder %s leaves household %s, where %zu member(s)"
					    " stay; name the new householder in new_householder"
					    " (世帯主変更, 住基法25条)", ev_ano_of(hh), hno,
					    json_array_size(staying));
			else if (used)
				x = at_fail(err, 400, AT_E_INVALID, "new_householder",
					    "householders of two households leave; new_householder"
					    " serves one: file one event per household");
			else
				x = plan_successor(e, hno, staying, nh, "new_householder", err);
			used = true;
		}
		json_decref(staying);
		if (x)
			goto out;
	}
	if (nh && !json_is_null(nh) && !used) {
		at_fail(err, 400, AT_E_INVALID, "new_householder",
			"new_householder is given, but no householder leaves members behind");
		goto out;
	}
	rc = 0;
out:
	json_decref(seen);
	return rc;
}

/* ---- move_in, ex_officio_entry -------------------------------------------- */

int ev_move_in(ev *e, at_error *err)
{
	static const char *const keys[] = {"event_date", "notification_date", "household",
		"address", "previous", "from_abroad", "persons", NULL};
	if (jv_no_unknown(e->body, "", keys, err) || ev_dates(e, false, err))
		return -1;
	bool abroad = false;
	if (jv_bool(e->body, "", "from_abroad", false, &abroad, err))
		return -1;
	e->reason = e->ex_officio ? "職権記載" : abroad ? "国外転入" : "転入";
	json_t *h = json_object_get(e->body, "household");
	if (!h)
		return at_fail(err, 400, AT_E_MISSING, "household",
			       "household is required: {\"household_no\"} to join one, {\"new\": true} to"
			       " start one");
	bool is_new = false;
	char hno[11];
	json_t *members = NULL;
	if (ev_parse_household_ref(e, h, "household", &is_new, hno, &members, err))
		return -1;
	/* Where they live: a new household's address, or the household's own. */
	json_t *addr = json_object();
	json_array_append_new(e->keep, addr);
	json_t *a = json_object_get(e->body, "address");
	json_t *hh = members ? ev_householder_of(members) : NULL;
	json_t *hh_items = hh ? json_object_get(hh, "items") : NULL;
	if (a && !json_is_null(a)) {
		if (ev_parse_address(e, a, "address", addr, err))
			return -1;
		if (!is_new && !ev_same_address(addr, json_object_get(json_array_get(members, 0), "items")))
			return at_fail(err, 400, AT_E_INVALID, "address.address",
				       "address.address is not the address of household %s; a household"
				       " lives at one address (omit address to use the household's)", hno);
	} else if (is_new) {
		return at_fail(err, 400, AT_E_MISSING, "address",
			       "address is required for a new household");
	}
	if (!is_new)
		ev_copy_address(json_object_get(json_array_get(members, 0), "items"), addr);
	/* 従前の住所 (住基法22条1項3号). */
	json_t *prev = json_object();
	json_array_append_new(e->keep, prev);
	json_t *pv = json_object_get(e->body, "previous");
	if ((!pv || json_is_null(pv)) && !e->ex_officio)
		return at_fail(err, 400, AT_E_MISSING, "previous",
			       "previous is required: the former address (従前の住所, 住基法22条1項)");
	if (pv && !json_is_null(pv)) {
		bool p_abroad = false;
		if (ev_parse_place(e, pv, "previous", "previous", prev, &p_abroad, err))
			return -1;
		if (p_abroad != abroad)
			return at_fail(err, 400, AT_E_INVALID, abroad ? "previous.country" : "from_abroad",
				       abroad ? "previous.country is required for a move-in from abroad"
					      : "from_abroad must be true when previous names a country");
	}
	json_t *ps = json_object_get(e->body, "persons");
	if (!json_is_array(ps) || json_array_size(ps) == 0 || json_array_size(ps) > MAX_PERSONS)
		return at_fail(err, 400, ps ? AT_E_INVALID : AT_E_MISSING, "persons",
			       "persons must be an array of 1 to %d persons", MAX_PERSONS);
	size_t n = json_array_size(ps);
	newp *np = calloc(n, sizeof *np);
	if (!np)
		abort();
	int rc = -1;
	size_t householders = 0;
	json_t *seen_mn = json_object(), *seen_rc = json_object(), *seen_ano = json_object();
	json_array_append_new(e->keep, seen_mn);
	json_array_append_new(e->keep, seen_rc);
	json_array_append_new(e->keep, seen_ano);
	for (size_t i = 0; i < n; i++) {
		char path[32];
		snprintf(path, sizeof path, "persons[%zu]", i);
		if (ev_parse_new_person(e, json_array_get(ps, i), path, e->ex_officio ? NP_ENTRY : NP_MOVE_IN,
				     abroad, &np[i], err))
			goto out;
		if (np[i].householder) {
			householders++;
			if (!is_new) {
				char f[48];
				snprintf(f, sizeof f, "%s.householder", path);
				at_fail(err, 409, AT_E_CONFLICT, f,
					"%s: household %s has a householder; joining it adds members"
					" (change the householder with household_change, 住基法25条)", f, hno);
				goto out;
			}
		}
		/* Distinct people within the body. */
		static const char *const uniq[] = {"my_number", "resident_code"};
		for (size_t k = 0; k < 2; k++) {
			const char *x = reg_str(np[i].items, uniq[k]);
			if (*x && ev_once(k ? seen_rc : seen_mn, x, path, uniq[k], err))
				goto out;
		}
		if (*np[i].ano && ev_once(seen_ano, np[i].ano, path, "addressee_no", err))
			goto out;
	}
	if (is_new && householders != 1) {
		at_fail(err, 400, AT_E_INVALID, "persons",
			"a new household needs exactly one householder (householder: true); %zu given",
			householders);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (ev_check_not_resident(e, np[i].items, np[i].path, err))
			goto out;
		if (*np[i].ano) {
			if (ev_check_addressee_free(e->d, np[i].ano, np[i].path, err))
				goto out;
			json_array_append_new(e->taken, json_string(np[i].ano));
		}
	}
	/* Checked: from here on numbers are assigned and the plan is built. */
	if (!e->ex_officio)
		ev_late_check(e);
	if (is_new && !*hno && ev_assign_household(e, hno, err))
		goto out;
	if (is_new && reg_counter_at_least(e->s, "household_no", atoll(hno), err))
		goto out;
	snprintf(e->household_no, sizeof e->household_no, "%s", hno);
	for (size_t i = 0; i < n; i++) {
		if (*np[i].ano) {
			if (reg_counter_at_least(e->s, "addressee_no", atoll(np[i].ano), err))
				goto out;
		} else if (ev_assign_addressee(e, np[i].ano, err)) {
			goto out;
		}
		if (np[i].householder)
			hh_items = np[i].items;
	}
	for (size_t i = 0; i < n; i++) {
		op *o = ev_op_add(e, OP_CREATE, np[i].ano, 0, NULL, hno);
		json_object_update(o->items, np[i].items);
		json_object_update(o->items, addr);
		json_object_update(o->items, prev);
		ev_set_s(o, "addressee_no", np[i].ano);
		ev_set_household(o, hno, NULL, hh_items);
		ev_set_s(o, "change_reason", e->reason);
		ev_set_s(o, "change_date", e->date_s);
		ev_set_s(o, "residence_date", e->date_s);
		ev_set_s(o, "residence_reason", e->reason);
		if (e->has_ndate) {
			ev_set_s(o, "notification_date", e->ndate_s);
			ev_set_s(o, "residence_notification_date", e->ndate_s);
			ev_set_s(o, "residence_notification_reason", "転入届");
		}
		if (np[i].foreign) {
			ev_set_s(o, "foreign_change_date", e->date_s);
			ev_set_s(o, "foreign_residence_date", e->date_s);
			ev_set_s(o, "foreign_residence_reason", e->reason);
			if (e->has_ndate) {
				ev_set_s(o, "foreign_notification_date", e->ndate_s);
				ev_set_s(o, "foreign_residence_notification_date", e->ndate_s);
			}
			/* The 転入届 of a foreign resident is also the 住居地の届出
			 * (入管法19条の9第3項, 住基法30条の46). */
			json_object_set_new(o->items, "residence_notified_flag", json_boolean(!e->ex_officio));
		}
		/* Null parts (no supplement) are simply not written in a new record. */
		const char *k;
		json_t *v;
		void *tmp;
		json_object_foreach_safe(o->items, tmp, k, v)
			if (json_is_null(v))
				json_object_del(o->items, k);
	}
	rc = 0;
out:
	for (size_t i = 0; i < n; i++)
		json_decref(np[i].items);
	free(np);
	return rc;
}

/* ---- birth ------------------------------------------------------------------ */

int ev_birth(ev *e, at_error *err)
{
	static const char *const keys[] = {"event_date", "notification_date", "household_no",
		"person", NULL};
	if (jv_no_unknown(e->body, "", keys, err) || ev_dates(e, false, err))
		return -1;
	e->reason = "出生";
	const char *hno = NULL;
	if (reg_field(e->d, e->body, "", "household_no", "household_no", true, &hno, err) < 0)
		return -1;
	json_t *members = ev_household(e, hno, err);
	if (!members)
		return -1;
	if (json_array_size(members) == 0)
		return at_fail(err, 404, "no_such_household", "household_no",
			       "household_no: household %s does not exist (no resident belongs to it)",
			       hno);
	json_t *p = json_object_get(e->body, "person");
	if (!p)
		return at_fail(err, 400, AT_E_MISSING, "person", "person is required");
	newp np = {0};
	int rc = -1;
	if (ev_parse_new_person(e, p, "person", NP_BIRTH, false, &np, err) ||
	    ev_check_not_resident(e, np.items, "person", err) ||
	    (*np.ano && ev_check_addressee_free(e->d, np.ano, "person", err)))
		goto out;
	/* 出生届 within 14 days (戸籍法49条1項). */
	ev_late_check(e);
	if (*np.ano ? reg_counter_at_least(e->s, "addressee_no", atoll(np.ano), err)
		    : ev_assign_addressee(e, np.ano, err))
		goto out;
	snprintf(e->household_no, sizeof e->household_no, "%s", hno);
	json_t *first = json_object_get(json_array_get(members, 0), "items");
	json_t *hh = ev_householder_of(members);
	op *o = ev_op_add(e, OP_CREATE, np.ano, 0, NULL, hno);
	json_object_update(o->items, np.items);
	json_t *addr = json_object();
	ev_copy_address(first, addr);
	json_object_update(o->items, addr);
	json_decref(addr);
	ev_set_s(o, "addressee_no", np.ano);
	ev_set_household(o, hno, NULL, hh ? json_object_get(hh, "items") : NULL);
	ev_set_s(o, "change_reason", "出生");
	ev_set_s(o, "change_date", e->date_s);
	ev_set_s(o, "notification_date", e->ndate_s);
	ev_set_s(o, "residence_date", e->date_s);
	ev_set_s(o, "residence_reason", "出生");
	ev_set_s(o, "residence_notification_date", e->ndate_s);
	ev_set_s(o, "residence_notification_reason", "出生届");
	if (np.foreign) {
		ev_set_s(o, "foreign_change_date", e->date_s);
		ev_set_s(o, "foreign_notification_date", e->ndate_s);
		ev_set_s(o, "foreign_residence_date", e->date_s);
		ev_set_s(o, "foreign_residence_reason", "出生");
	}
	const char *k;
	json_t *v;
	void *tmp;
	json_object_foreach_safe(o->items, tmp, k, v)
		if (json_is_null(v))
			json_object_del(o->items, k);
	rc = 0;
out:
	json_decref(np.items);
	return rc;
}

/* ---- death, ex_officio_removal ------------------------------------------ */

int ev_death(ev *e, at_error *err)
{
	static const char *const keys[] = {"event_date", "notification_date", "addressee_no",
		"new_householder", NULL};
	if (jv_no_unknown(e->body, "", keys, err) || ev_dates(e, false, err))
		return -1;
	e->reason = "死亡";
	const char *ano = NULL;
	if (reg_field(e->d, e->body, "", "addressee_no", "addressee_no", true, &ano, err) < 0)
		return -1;
	json_t *rec = ev_person(e, ano, "addressee_no", err);
	if (!rec)
		return -1;
	json_t *items = json_object_get(rec, "items");
	if (strcmp(reg_str(items, "birth_date"), e->date_s) > 0)
		return at_fail(err, 400, AT_E_INVALID, "event_date",
			       "event_date %s is before the person's birth date", e->date_s);
	json_t *leavers = json_pack("[O]", rec);
	int r = plan_leaving(e, leavers, err);
	json_decref(leavers);
	if (r)
		return -1;
	ev_late_check(e);
	snprintf(e->household_no, sizeof e->household_no, "%s", reg_str(items, "household_no"));
	op *o = ev_op_for(e, rec);
	o->kind = OP_REMOVE;
	o->removal_reason = "死亡";
	ev_set_s(o, "removal_type", "死亡");
	ev_set_s(o, "removal_date", e->date_s);
	ev_set_s(o, "removal_notification_date", e->ndate_s);
	ev_set_s(o, "removal_notification_reason", "死亡届");
	ev_set_s(o, "change_reason", "死亡");
	ev_set_s(o, "change_date", e->date_s);
	ev_set_s(o, "notification_date", e->ndate_s);
	return 0;
}

/* Members other than rec who are active in rec's household. */
static int others_in_household(ev *e, json_t *rec, size_t *n, at_error *err)
{
	*n = 0;
	const char *hno = reg_str(json_object_get(rec, "items"), "household_no");
	if (!*hno)
		return 0;
	json_t *m = ev_household(e, hno, err);
	if (!m)
		return -1;
	size_t i;
	json_t *x;
	json_array_foreach(m, i, x)
		if (strcmp(ev_ano_of(x), ev_ano_of(rec)))
			(*n)++;
	return 0;
}

int ev_ex_officio_removal(ev *e, at_error *err)
{
	static const char *const keys[] = {"event_date", "notification_date", "addressee_no",
		"reason", NULL};
	if (jv_no_unknown(e->body, "", keys, err) || ev_dates(e, false, err))
		return -1;
	e->reason = "職権消除";
	const char *ano = NULL, *why = NULL;
	if (reg_field(e->d, e->body, "", "addressee_no", "addressee_no", true, &ano, err) < 0 ||
	    reg_field(e->d, e->body, "", "reason", "removal_notification_reason", false, &why, err) < 0)
		return -1;
	json_t *rec = ev_person(e, ano, "addressee_no", err);
	if (!rec)
		return -1;
	json_t *items = json_object_get(rec, "items");
	size_t others = 0;
	if (others_in_household(e, rec, &others, err))
		return -1;
	/* The held removal cannot carry a succession the second person has not
	 * seen; the householder is changed first (household_change, 住基法25条). */
	if (!strcmp(reg_str(items, "relationship"), REG_HOUSEHOLDER) && others)
		return at_fail(err, 409, "householder_leaving", "addressee_no",
			       "%s is the householder of a household with %zu other member(s); change the"
			       " householder first (household_change kind new_householder)", ano, others);
	snprintf(e->household_no, sizeof e->household_no, "%s", reg_str(items, "household_no"));
	op *o = ev_op_for(e, rec);
	o->kind = OP_REMOVE;
	o->removal_reason = "職権消除";
	ev_set_s(o, "removal_type", "職権消除");
	ev_set_s(o, "removal_date", e->date_s);
	ev_set_s(o, "removal_notification_reason", why ? why : "職権消除");
	if (e->has_ndate)
		ev_set_s(o, "removal_notification_date", e->ndate_s);
	ev_set_s(o, "change_reason", "職権消除");
	ev_set_s(o, "change_date", e->date_s);
	return 0;
}

/* ---- move_out_planned / _confirmed / _cancelled --------------------------- */

static const char *const place_suffix[] = {"municipality_code", "postcode", "address",
	"address_supplement", "householder"};

int ev_move_out(ev *e, at_error *err)
{
	bool planned = !strcmp(e->type, "move_out_planned");
	bool confirmed = !strcmp(e->type, "move_out_confirmed");
	static const char *const k_planned[] = {"event_date", "notification_date", "addressee_nos",
		"destination", NULL};
	static const char *const k_confirmed[] = {"event_date", "notification_date",
		"addressee_nos", "destination", "new_householder", NULL};
	static const char *const k_cancel[] = {"event_date", "notification_date", "addressee_nos",
		NULL};
	if (jv_no_unknown(e->body, "", planned ? k_planned : confirmed ? k_confirmed : k_cancel,
			  err) ||
	    ev_dates(e, planned, err))
		return -1;
	e->reason = planned ? "転出予定" : confirmed ? "転出" : "転出取消";
	json_t *dest = json_object();
	json_array_append_new(e->keep, dest);
	json_t *dv = json_object_get(e->body, "destination");
	if (planned && (!dv || json_is_null(dv)))
		return at_fail(err, 400, AT_E_MISSING, "destination",
			       "destination is required: where the person moves (転出先, 住基法24条)");
	bool abroad = false;
	if (dv && !json_is_null(dv) &&
	    ev_parse_place(e, dv, "destination", planned ? "planned" : "confirmed", dest, &abroad, err))
		return -1;
	json_t *recs = ev_person_list(e, "addressee_nos", err);
	if (!recs)
		return -1;
	size_t i;
	json_t *rec;
	json_array_foreach(recs, i, rec) {
		json_t *items = json_object_get(rec, "items");
		bool has_plan = *reg_str(items, "planned_address");
		char f[48];
		snprintf(f, sizeof f, "addressee_nos[%zu]", i);
		if (planned && has_plan)
			return at_fail(err, 409, AT_E_CONFLICT, f,
				       "%s: %s already has a planned move-out; cancel it first"
				       " (move_out_cancelled)", f, ev_ano_of(rec));
		if (!planned && !has_plan)
			return at_fail(err, 409, AT_E_CONFLICT, f,
				       confirmed ? "%s: %s filed no move-out (転出届, 住基法24条); someone who"
						   " left without one is removed ex officio"
						   " (ex_officio_removal)"
						 : "%s: %s has no planned move-out to cancel", f, ev_ano_of(rec));
	}
	if (confirmed && plan_leaving(e, recs, err))
		return -1;
	/* 転出届 after the move is due within 14 days of it (住基法24条). */
	if (planned)
		ev_late_check(e);
	json_array_foreach(recs, i, rec) {
		json_t *items = json_object_get(rec, "items");
		op *o = ev_op_for(e, rec);
		o->reason = e->reason;
		if (!i)
			snprintf(e->household_no, sizeof e->household_no, "%s",
				 reg_str(items, "household_no"));
		if (planned) {
			for (size_t k = 0; k < 5; k++) {
				char item[64];
				snprintf(item, sizeof item, "planned_%s", place_suffix[k]);
				ev_set_v(o, item, json_object_get(dest, item));
			}
			ev_set_s(o, "change_reason", "転出予定");
			ev_set_s(o, "change_date", e->date_s);
			ev_set_s(o, "notification_date", e->ndate_s);
		} else if (confirmed) {
			/* 転出確定 on the 転入通知 (住基法9条1項): the destination it
			 * reports, else the planned one; the record becomes a 除票. */
			for (size_t k = 0; k < 5; k++) {
				char item[64], from[64];
				snprintf(item, sizeof item, "confirmed_%s", place_suffix[k]);
				snprintf(from, sizeof from, "planned_%s", place_suffix[k]);
				ev_set_v(o, item, dv && !json_is_null(dv) ? json_object_get(dest, item)
								       : json_object_get(items, from));
			}
			o->kind = OP_REMOVE;
			o->removal_reason = "転出";
			ev_set_s(o, "removal_type", "転出");
			ev_set_s(o, "removal_date", e->date_s);
			/* The removal was notified by the 転出届. */
			const char *nd = reg_str(items, "notification_date");
			ev_set_s(o, "removal_notification_date", *nd ? nd : e->ndate_s);
			ev_set_s(o, "removal_notification_reason", "転出届");
			ev_set_s(o, "change_reason", "転出");
			ev_set_s(o, "change_date", e->date_s);
		} else {
			for (size_t k = 0; k < 5; k++) {
				char item[64];
				snprintf(item, sizeof item, "planned_%s", place_suffix[k]);
				ev_set_v(o, item, NULL);
			}
			ev_set_s(o, "change_reason", "転出取消");
			ev_set_s(o, "change_date", e->date_s);
			ev_set_s(o, "notification_date", e->ndate_s);
		}
	}
	return 0;
}

/* ---- in_ward_move, household_change ------------------------------------ */

/* Movers: [{"addressee_no", "relationship"?, "householder"?}] read and checked.
 * in_ward: any other item of the register is refused by seed 001 §1.5. */
typedef struct mover {
	json_t *rec;              /* borrowed */
	json_t *relationship;     /* borrowed, may be NULL */
	bool householder;
} mover;

static int refuse_not_address(const char *field, at_error *err)
{
	return at_fail(err, 400, "not_changeable_by_event", field,
		       "%s cannot change in an in_ward_move: a 転居 (住基法23条) changes only the"
		       " address and the household (seed 001 §1.5 refuses any other item); use"
		       " ex_officio_correction or the matching event", field);
}

static int parse_movers(ev *e, bool in_ward, mover **out, size_t *n, at_error *err)
{
	static const char *const keys[] = {"addressee_no", "relationship", "householder", NULL};
	*out = NULL;
	*n = 0;
	json_t *ps = json_object_get(e->body, "persons");
	if (!ps)
		return at_fail(err, 400, AT_E_MISSING, "persons", "persons is required");
	if (!json_is_array(ps) || json_array_size(ps) == 0 || json_array_size(ps) > MAX_PERSONS)
		return at_fail(err, 400, AT_E_INVALID, "persons",
			       "persons must be an array of 1 to %d persons", MAX_PERSONS);
	mover *m = calloc(json_array_size(ps), sizeof *m);
	if (!m)
		abort();
	*out = m;
	json_t *seen = json_array();
	int rc = -1;
	size_t i;
	json_t *p;
	json_array_foreach(ps, i, p) {
		char path[32], f[64];
		snprintf(path, sizeof path, "persons[%zu]", i);
		if (!json_is_object(p)) {
			at_fail(err, 400, AT_E_INVALID, path, "%s must be an object", path);
			goto out;
		}
		if (in_ward) {
			const char *k;
			json_t *v;
			json_object_foreach(p, k, v) {
				if (reg_is_item(e->d, k) && !text_in_list(keys, k)) {
					snprintf(f, sizeof f, "%s.%s", path, k);
					refuse_not_address(f, err);
					goto out;
				}
			}
		}
		if (jv_no_unknown(p, path, keys, err))
			goto out;
		const char *ano = NULL;
		if (reg_field(e->d, p, path, "addressee_no", "addressee_no", true, &ano, err) < 0)
			goto out;
		snprintf(f, sizeof f, "%s.addressee_no", path);
		if (ev_in_array(seen, ano)) {
			at_fail(err, 400, AT_E_INVALID, f, "%s: %s is listed twice", f, ano);
			goto out;
		}
		json_array_append_new(seen, json_string(ano));
		m[i].rec = ev_person(e, ano, f, err);
		if (!m[i].rec || jv_bool(p, path, "householder", false, &m[i].householder, err))
			goto out;
		json_t *rel = json_object_get(p, "relationship");
		snprintf(f, sizeof f, "%s.relationship", path);
		if (rel && !json_is_null(rel)) {
			if (m[i].householder)
				at_fail(err, 400, AT_E_INVALID, f,
					"%s: the householder's relationship is 世帯主 (householder: true)", f);
			if (m[i].householder || ev_check_relationship(e, rel, f, err))
				goto out;
			m[i].relationship = rel;
		}
		(*n)++;
	}
	rc = 0;
out:
	json_decref(seen);
	return rc;
}

static json_t *mover_recs(mover *m, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append(a, m[i].rec);
	return a;
}

/* Movers join household hno: a new one (exactly one of them householder:
 * true) or an existing one with members (every mover a relationship, none
 * householder). */
static int plan_join(ev *e, mover *m, size_t n, const char *hno, json_t *members, at_error *err)
{
	json_t *hh_items = NULL;
	size_t hh = 0;
	for (size_t i = 0; i < n; i++) {
		char f[48];
		snprintf(f, sizeof f, "persons[%zu]", i);
		if (m[i].householder) {
			if (members) {
				snprintf(f, sizeof f, "persons[%zu].householder", i);
				return at_fail(err, 409, AT_E_CONFLICT, f,
					       "%s: household %s has a householder; joining it adds members"
					       " (change the householder with household_change, 住基法25条)",
					       f, hno);
			}
			hh++;
			hh_items = json_object_get(m[i].rec, "items");
		} else if (!m[i].relationship) {
			snprintf(f, sizeof f, "persons[%zu].relationship", i);
			return at_fail(err, 400, AT_E_MISSING, f,
				       "%s is required: the relationship (続柄) to the householder of the"
				       " household joined", f);
		}
	}
	if (!members && hh != 1)
		return at_fail(err, 400, AT_E_INVALID, "persons",
			       "a new household needs exactly one householder (householder: true); %zu"
			       " given", hh);
	if (members) {
		json_t *h = ev_householder_of(members);
		hh_items = h ? json_object_get(h, "items") : NULL;
	}
	for (size_t i = 0; i < n; i++) {
		op *o = ev_op_for(e, m[i].rec);
		o->reason = NULL;
		ev_set_household(o, hno, m[i].householder ? REG_HOUSEHOLDER
						       : json_string_value(m[i].relationship), hh_items);
	}
	return 0;
}

/* Items of a 転居 (住基法23条): the address and the dates it was set. */
static void plan_address(ev *e, json_t *rec, json_t *addr)
{
	op *o = ev_op_for(e, rec);
	json_object_update(o->items, addr);
	ev_set_s(o, "residence_date", e->date_s);
	ev_set_s(o, "residence_reason", "転居");
	ev_set_s(o, "residence_notification_date", e->ndate_s);
	ev_set_s(o, "residence_notification_reason", "転居届");
	if (*reg_str(json_object_get(rec, "items"), "article_30_45_category")) {
		ev_set_s(o, "foreign_change_date", e->date_s);
		ev_set_s(o, "foreign_notification_date", e->ndate_s);
		ev_set_s(o, "foreign_residence_date", e->date_s);
		ev_set_s(o, "foreign_residence_reason", "転居");
		ev_set_s(o, "foreign_residence_notification_date", e->ndate_s);
	}
}

/* Source households of the movers and whether each moves whole. */
static int whole_households(ev *e, mover *m, size_t n, json_t *movers, const char **partial,
			    at_error *err)
{
	*partial = NULL;
	for (size_t i = 0; i < n; i++) {
		const char *hno = reg_str(json_object_get(m[i].rec, "items"), "household_no");
		if (!*hno)
			continue;
		json_t *mem = ev_household(e, hno, err);
		if (!mem)
			return -1;
		size_t j;
		json_t *x;
		json_array_foreach(mem, j, x)
			if (!ev_in_array(movers, ev_ano_of(x)))
				*partial = hno;
	}
	return 0;
}

int ev_in_ward_move(ev *e, at_error *err)
{
	static const char *const keys[] = {"event_date", "notification_date", "persons",
		"address", "household", "new_householder", NULL};
	/* seed 001 §1.5: a 転居 update that changes anything but the address is an
	 * error. Name the item rather than calling it an unknown key. */
	const char *k;
	json_t *v;
	json_object_foreach(e->body, k, v)
		if (reg_is_item(e->d, k) && !text_in_list(keys, k))
			return refuse_not_address(k, err);
	if (jv_no_unknown(e->body, "", keys, err) || ev_dates(e, false, err))
		return -1;
	e->reason = "転居";
	mover *m = NULL;
	size_t n = 0;
	int rc = -1;
	json_t *movers = NULL;
	if (parse_movers(e, true, &m, &n, err))
		goto out;
	movers = mover_recs(m, n);
	json_t *h = json_object_get(e->body, "household");
	bool is_new = false, changes_household = h && !json_is_null(h);
	char hno[11] = "";
	json_t *members = NULL;
	if (changes_household && ev_parse_household_ref(e, h, "household", &is_new, hno, &members, err))
		goto out;
	json_t *addr = json_object();
	json_array_append_new(e->keep, addr);
	json_t *a = json_object_get(e->body, "address");
	if (a && !json_is_null(a)) {
		if (ev_parse_address(e, a, "address", addr, err))
			goto out;
		if (members && !ev_same_address(addr, json_object_get(json_array_get(members, 0), "items"))) {
			at_fail(err, 400, AT_E_INVALID, "address.address",
				"address.address is not the address of household %s; a household lives at"
				" one address (omit address to use the household's)", hno);
			goto out;
		}
	} else if (!members) {
		at_fail(err, 400, AT_E_MISSING, "address", "address is required: the new address");
		goto out;
	}
	if (members)
		ev_copy_address(json_object_get(json_array_get(members, 0), "items"), addr);
	if (!changes_household) {
		for (size_t i = 0; i < n; i++)
			if (m[i].relationship || m[i].householder) {
				char f[48];
				snprintf(f, sizeof f, "persons[%zu].%s", i,
					 m[i].relationship ? "relationship" : "householder");
				at_fail(err, 400, AT_E_INVALID, f,
					"%s applies only when the movers change household (household)", f);
				goto out;
			}
		const char *partial = NULL;
		if (whole_households(e, m, n, movers, &partial, err))
			goto out;
		if (partial) {
			at_fail(err, 400, "household_split_by_move", "household",
				"members of household %s stay at the old address; a household lives at one"
				" address, so list every member or move these into a household"
				" ({\"new\": true} or {\"household_no\"}) (住基法23条, 25条)", partial);
			goto out;
		}
		if (json_object_get(e->body, "new_householder")) {
			at_fail(err, 400, AT_E_INVALID, "new_householder",
				"new_householder is given, but no householder leaves members behind");
			goto out;
		}
	} else {
		for (size_t i = 0; i < n && members; i++)
			if (!strcmp(reg_str(json_object_get(m[i].rec, "items"), "household_no"), hno)) {
				char f[48];
				snprintf(f, sizeof f, "persons[%zu].addressee_no", i);
				at_fail(err, 400, AT_E_INVALID, f,
					"%s is already a member of household %s", f, hno);
				goto out;
			}
		if (plan_leaving(e, movers, err))
			goto out;
	}
	ev_late_check(e);
	if (changes_household) {
		if (is_new && !*hno && ev_assign_household(e, hno, err))
			goto out;
		if (is_new && reg_counter_at_least(e->s, "household_no", atoll(hno), err))
			goto out;
		if (plan_join(e, m, n, hno, members, err))
			goto out;
		snprintf(e->household_no, sizeof e->household_no, "%s", hno);
	} else {
		snprintf(e->household_no, sizeof e->household_no, "%s",
			 reg_str(json_object_get(m[0].rec, "items"), "household_no"));
	}
	for (size_t i = 0; i < n; i++) {
		plan_address(e, m[i].rec, addr);
		ev_op_for(e, m[i].rec)->reason = "転居";
	}
	rc = 0;
out:
	json_decref(movers);
	free(m);
	return rc;
}

int ev_household_change(ev *e, at_error *err)
{
	static const char *const k_split[] = {"event_date", "notification_date", "kind", "persons",
		"new_householder", NULL};
	static const char *const k_merge[] = {"event_date", "notification_date", "kind",
		"household_no", "persons", "new_householder", NULL};
	static const char *const k_nh[] = {"event_date", "notification_date", "kind",
		"household_no", "new_householder", NULL};
	const char *kind = NULL;
	if (jv_string(e->body, "", "kind", true, 20, &kind, err))
		return -1;
	bool split = !strcmp(kind, "split"), merge = !strcmp(kind, "merge"),
	     nh = !strcmp(kind, "new_householder");
	if (!split && !merge && !nh)
		return at_fail(err, 400, AT_E_INVALID, "kind",
			       "kind must be split (世帯分離), merge (世帯合併) or new_householder"
			       " (世帯主変更)");
	if (jv_no_unknown(e->body, "", split ? k_split : merge ? k_merge : k_nh, err) ||
	    ev_dates(e, false, err))
		return -1;
	e->reason = split ? "世帯分離" : merge ? "世帯合併" : "世帯主変更";
	const char *hno = NULL;
	if (!split && reg_field(e->d, e->body, "", "household_no", "household_no", true, &hno, err) < 0)
		return -1;
	json_t *target = NULL;
	if (hno) {
		target = ev_household(e, hno, err);
		if (!target)
			return -1;
		if (json_array_size(target) == 0)
			return at_fail(err, 404, "no_such_household", "household_no",
				       "household_no: household %s does not exist (no resident belongs"
				       " to it)", hno);
	}
	if (nh) {
		json_t *s = json_object_get(e->body, "new_householder");
		if (!s)
			return at_fail(err, 400, AT_E_MISSING, "new_householder",
				       "new_householder is required");
		json_t *cur = ev_householder_of(target);
		const char *who = json_string_value(json_object_get(s, "addressee_no"));
		if (cur && who && !strcmp(who, ev_ano_of(cur)))
			return at_fail(err, 400, AT_E_INVALID, "new_householder.addressee_no",
				       "new_householder.addressee_no: %s is already the householder", who);
		if (plan_successor(e, hno, target, s, "new_householder", err))
			return -1;
		ev_late_check(e);
		snprintf(e->household_no, sizeof e->household_no, "%s", hno);
		for (size_t i = 0; i < e->n_ops; i++)
			e->ops[i].reason = NULL;
		return 0;
	}
	mover *m = NULL;
	size_t n = 0;
	int rc = -1;
	json_t *movers = NULL;
	if (parse_movers(e, false, &m, &n, err))
		goto out;
	movers = mover_recs(m, n);
	if (split) {
		/* 世帯分離: some members of one household form a new one at the same
		 * address. */
		const char *from = reg_str(json_object_get(m[0].rec, "items"), "household_no");
		for (size_t i = 1; i < n; i++)
			if (strcmp(reg_str(json_object_get(m[i].rec, "items"), "household_no"), from)) {
				char f[48];
				snprintf(f, sizeof f, "persons[%zu].addressee_no", i);
				at_fail(err, 400, AT_E_INVALID, f,
					"%s is not in household %s; a split takes members of one household",
					f, from);
				goto out;
			}
		const char *partial = NULL;
		if (whole_households(e, m, n, movers, &partial, err))
			goto out;
		if (!partial) {
			at_fail(err, 400, AT_E_INVALID, "persons",
				"every member of household %s is listed; a split leaves someone behind",
				from);
			goto out;
		}
	} else {
		/* 世帯合併: members join another household at the same address. */
		json_t *t_items = json_object_get(json_array_get(target, 0), "items");
		for (size_t i = 0; i < n; i++) {
			json_t *it = json_object_get(m[i].rec, "items");
			char f[48];
			snprintf(f, sizeof f, "persons[%zu].addressee_no", i);
			if (!strcmp(reg_str(it, "household_no"), hno)) {
				at_fail(err, 400, AT_E_INVALID, f, "%s is already a member of household %s",
					f, hno);
				goto out;
			}
			if (!ev_same_address(it, t_items)) {
				at_fail(err, 400, AT_E_INVALID, f,
					"%s lives at another address than household %s; moving and joining"
					" is an in_ward_move with household (住基法23条)", f, hno);
				goto out;
			}
		}
	}
	if (plan_leaving(e, movers, err))
		goto out;
	ev_late_check(e);
	char newno[11] = "";
	if (split && ev_assign_household(e, newno, err))
		goto out;
	if (plan_join(e, m, n, split ? newno : hno, split ? NULL : target, err))
		goto out;
	snprintf(e->household_no, sizeof e->household_no, "%s", split ? newno : hno);
	rc = 0;
out:
	json_decref(movers);
	free(m);
	return rc;
}

/* ---- Corrections and changes of one person's items ------------------------- */

/* Does `items` change anything of `current` (null = absent)? */
static bool changes_something(json_t *items, json_t *current)
{
	const char *k;
	json_t *v;
	json_object_foreach(items, k, v) {
		json_t *c = json_object_get(current, k);
		if (json_is_null(v) ? c != NULL : !(c && json_equal(c, v)))
			return true;
	}
	return false;
}

static int ev_one_person(ev *e, const char *const *keys, json_t **rec, at_error *err)
{
	if (jv_no_unknown(e->body, "", keys, err) || ev_dates(e, false, err))
		return -1;
	const char *ano = NULL;
	if (reg_field(e->d, e->body, "", "addressee_no", "addressee_no", true, &ano, err) < 0)
		return -1;
	*rec = ev_person(e, ano, "addressee_no", err);
	if (!*rec)
		return -1;
	snprintf(e->household_no, sizeof e->household_no, "%s",
		 reg_str(json_object_get(*rec, "items"), "household_no"));
	return 0;
}

int ev_ex_officio_correction(ev *e, at_error *err)
{
	static const char *const keys[] = {"event_date", "notification_date", "addressee_no",
		"items", NULL};
	json_t *rec;
	if (ev_one_person(e, keys, &rec, err))
		return -1;
	e->reason = "職権修正";
	json_t *cur = json_object_get(rec, "items");
	json_t *items = json_object_get(e->body, "items");
	if (!json_is_object(items) || json_object_size(items) == 0)
		return at_fail(err, 400, items ? AT_E_INVALID : AT_E_MISSING, "items",
			       "items must be an object of the items to correct");
	/* Items set by events, not by correction: the addressee number is the
	 * person; the household, its householder's name and a 世帯主 entry move
	 * with household_change (住基法25条); removal items belong to a removal. */
	static const char *const fixed[] = {"addressee_no", "household_no", "householder_name",
		"householder_name_kana", "change_reason", "change_date", "removal_type",
		"removal_date", "removal_notification_date", "removal_notification_date_2",
		"removal_notification_reason", NULL};
	static const char *const required[] = {"name", "name_kana", "birth_date", "sex",
		"resident_code", "relationship", NULL};
	bool hh = !strcmp(reg_str(cur, "relationship"), REG_HOUSEHOLDER);
	const char *k;
	json_t *v;
	json_object_foreach(items, k, v) {
		char f[96];
		snprintf(f, sizeof f, "items.%s", k);
		for (const char *const *x = fixed; *x; x++)
			if (!strcmp(*x, k))
				return at_fail(err, 400, "not_changeable_by_event", f,
					       "%s is not corrected item by item: it follows the events"
					       " that set it (household_change, the removal events)", f);
		/* 現住所自治体コード of this register's own records is this
		 * municipality (住基法7条7号: the address in this municipality), as
		 * every event and the migration set it; no correction moves it. */
		if (!strcmp(k, "municipality_code") &&
		    (!json_is_string(v) || strcmp(json_string_value(v), e->muni)))
			return at_fail(err, 400, AT_E_INVALID, f,
				       "%s must be this municipality's code %s: a resident of this"
				       " register lives here (a move away is move_out_planned)", f,
				       e->muni);
		if (json_is_null(v)) {
			if (!reg_is_item(e->d, k))
				return reg_check_value(e->d, k, v, f, err);
			for (const char *const *x = required; *x; x++)
				if (!strcmp(*x, k))
					return at_fail(err, 400, AT_E_INVALID, f,
						       "%s cannot be cleared: every resident record has it"
						       " (住基法7条)", f);
			continue;
		}
		if (reg_check_value(e->d, k, v, f, err))
			return -1;
		if (!strcmp(k, "relationship") &&
		    (hh || !strcmp(json_string_value(v), REG_HOUSEHOLDER)))
			return at_fail(err, 400, "not_changeable_by_event", f,
				       "%s: who is 世帯主 changes with household_change (世帯主変更,"
				       " 住基法25条)", f);
		if ((!strcmp(k, "my_number") || !strcmp(k, "resident_code")) &&
		    ev_check_unique(e, k, json_string_value(v), ev_ano_of(rec), f, err))
			return -1;
	}
	if (!changes_something(items, cur))
		return at_fail(err, 400, AT_E_INVALID, "items",
			       "items: every value given is already recorded; there is nothing to correct");
	op *o = ev_op_for(e, rec);
	json_object_update(o->items, items);
	/* The householder's own 世帯主氏名 follows a corrected name in the same
	 * held version; the other members follow on approval. */
	if (hh) {
		if (json_object_get(items, "name"))
			ev_set_v(o, "householder_name", json_object_get(items, "name"));
		if (json_object_get(items, "name_kana"))
			ev_set_v(o, "householder_name_kana", json_object_get(items, "name_kana"));
	}
	ev_set_s(o, "change_reason", "職権修正");
	ev_set_s(o, "change_date", e->date_s);
	return 0;
}

int ev_code_change(ev *e, at_error *err)
{
	bool mn = !strcmp(e->type, "my_number_change");
	const char *item = mn ? "my_number" : "resident_code";
	const char *const keys[] = {"event_date", "notification_date", "addressee_no", item, NULL};
	json_t *rec;
	if (ev_one_person(e, keys, &rec, err))
		return -1;
	/* 住民票コードの変更請求 (住基法30条の4); 個人番号の変更 (番号法7条2項). */
	e->reason = mn ? "個人番号変更" : "住民票コード変更";
	const char *v = NULL;
	if (reg_field(e->d, e->body, "", item, item, true, &v, err) < 0)
		return -1;
	if (!strcmp(v, reg_str(json_object_get(rec, "items"), item)))
		return at_fail(err, 400, AT_E_INVALID, item,
			       "%s is the one already recorded; a change needs a new one", item);
	if (ev_check_unique(e, item, v, ev_ano_of(rec), item, err))
		return -1;
	op *o = ev_op_for(e, rec);
	ev_set_s(o, item, v);
	return 0;
}

int ev_foreign_status_change(ev *e, at_error *err)
{
	static const char *const keys[] = {"event_date", "notification_date", "addressee_no",
		"foreign", NULL};
	json_t *rec;
	if (ev_one_person(e, keys, &rec, err))
		return -1;
	json_t *cur = json_object_get(rec, "items");
	if (!*reg_str(cur, "article_30_45_category"))
		return at_fail(err, 409, AT_E_CONFLICT, "addressee_no",
			       "addressee_no: %s is not a foreign resident (住基法30条の45)", ev_ano_of(rec));
	json_t *f = json_object_get(e->body, "foreign");
	if (!f)
		return at_fail(err, 400, AT_E_MISSING, "foreign", "foreign is required");
	op *o = ev_op_for(e, rec);
	if (ev_parse_foreign(e, f, "foreign", true, cur, o->items, err))
		return -1;
	if (!changes_something(o->items, cur))
		return at_fail(err, 400, AT_E_INVALID, "foreign",
			       "foreign: every value given is already recorded; nothing changes");
	/* 在留資格等の変更 arrives as the 法務大臣's notice (住基法30条の50); the
	 * 通称 is entered or deleted on the resident's application (施行令30条の26). */
	bool alias_only = true;
	const char *k;
	json_t *v;
	json_object_foreach(f, k, v)
		if (!ev_foreign_clearable(k))
			alias_only = false;
	e->reason = alias_only ? "通称変更" : "在留資格等変更";
	ev_set_s(o, "foreign_change_date", e->date_s);
	ev_set_s(o, "foreign_notification_date", e->ndate_s);
	return 0;
}

/* ---- Dispatch ---------------------------------------------------------------- */

int registry_event(door *d, const char *type, json_t *body, json_t **result, at_error *err)
{
	*result = NULL;
	/* The one list of event types carries each type's planner. */
	const registry_event_type *t = registry_event_type_find(type);
	if (!t) {
		strbuf names = STRBUF_INIT;
		sb_init(&names);
		registry_event_type_names(&names);
		at_fail(err, 400, AT_E_INVALID, "type", "type must be one of %s", names.buf);
		sb_release(&names);
		return -1;
	}
	if (!json_is_object(body))
		return at_fail(err, 400, AT_E_INVALID, "", "the event body must be a JSON object");
	ev e = {.d = d, .s = door_store(d), .type = t->name, .body = body,
		.ex_officio = t->ex_officio, .keep = json_array(), .taken = json_array()};
	int rc = -1;
	if (platform_municipality(e.s, e.muni, err) == 0 && t->plan(&e, err) == 0)
		rc = ev_apply(&e, result, err);
	ev_free(&e);
	return rc;
}
