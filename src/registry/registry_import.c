/*
 * Migration (移行) of the resident register: registry_import (registry.h).
 *
 * How a municipality fills Atena on day one: the records of its previous
 * register system, item by item, household by household — current records
 * and removed ones (除票), with the numbers and dates the old system gave
 * them. Nothing the source gives is assigned anew (household_no and
 * addressee_no included), and nothing bypasses the door: every record is a
 * door_create_as(..., "migration", DOOR_NOTIFIED) — audited, encrypted,
 * indexed like any entry — and gets its outbox row like any event.
 *
 * Like registry_event, a batch is parsed and checked completely before the
 * first write, and any refusal returns -1 with the field named
 * ("households[3].members[1].my_number"): the caller aborts the door and
 * nothing of the batch stays. The caller opens one door per batch (a few
 * hundred households) and commits it; uniqueness is checked in memory within
 * the batch and through the door against the register (which, inside the
 * same door, also sees earlier batches of the same migration once committed).
 *
 * The rules are move_in's, applied to items rather than to a notification's
 * body: each is stated once, in registry_event_parse.c (registry_event_int.h),
 * and called from here — the 住基法30条の45 items and category (with the
 * 永住者's 無期限 stay, reg_foreign_rules), no 本籍 for a foreign resident,
 * the card's name and birth date, a birth date not after the day, 世帯主氏名,
 * one address per household, no current resident twice (same My Number or
 * resident record code on an active record: seed 001 §1.5), free addressee
 * and household numbers, a value once per batch — with the registry's own
 * item checks (reg_check_value, registry_int.h).
 *
 * What stays here is what the format makes different, not the rule:
 * required items are a list checked on the record (住基法7条: an event requires
 * each as it reads the body's own field); the householder is the member whose
 * relationship is 世帯主 (an event's body says householder: true), so "one
 * 世帯主" is counted here; the old system's municipality code is compared
 * (an event stamps its own). And what migration alone has: the state
 * (current or 除票), removal items, dates between birth and the migration
 * day. Two rules differ on purpose, each said where it is applied: a removed
 * record's stay may have ended, and a household number only removed records
 * hold may be given again.
 *
 * A removed record (除票, state "removed") is written as two versions: the
 * record as it stood, then its removal (door_remove_with) carrying the
 * removal items and the last change (除票区分 転出 / 死亡 / 職権消除, 除票日,
 * 転出確定住所 ...), so its history reads like a removal made here. A removed
 * record may share a My Number with a current one (a person who left and
 * came back keeps the number) but never an addressee number.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "core/date.h"
#include "core/json.h"
#include "core/text.h"
#include "policy/platform.h"
#include "registry_event_int.h"

#define IMPORT_EVENT "migration"   /* the door event and the outbox type */

/* Items that belong to a removal (除票): written in the removal's version,
 * refused on a current record. */
static const char *const removal_items[] = {"removal_type", "removal_date",
	"removal_notification_date", "removal_notification_date_2", "removal_notification_reason",
	"confirmed_municipality_code", "confirmed_postcode", "confirmed_address",
	"confirmed_address_supplement", "confirmed_householder", NULL};
/* The last change: on a removed record it is the removal, so it goes with it. */
static const char *const last_change_items[] = {"change_reason", "change_date",
	"notification_date", NULL};
/* 除票区分 (removal_type) the register writes. */
static const char *const removal_types[] = {"転出", "死亡", "職権消除", NULL};

typedef struct imp_person {
	json_t *items;      /* owned: the record's items (the first version) */
	json_t *removal;    /* owned: the removal's items, NULL for a current record */
	char path[JR_PATH];  /* households[i].members[j] */
	char ano[11];
	size_t household;   /* index into the batch */
} imp_person;

typedef struct imp {
	door *d;
	store *s;
	char muni[7];
	at_date today;
	char today_s[11];
	imp_person *p;
	size_t n, cap;
	json_t *seen_ano, *seen_mn, *seen_rc, *seen_hno;   /* value -> path, within the batch */
	size_t households, removed;
} imp;

static void imp_free(imp *m)
{
	for (size_t i = 0; i < m->n; i++) {
		json_decref(m->p[i].items);
		json_decref(m->p[i].removal);
	}
	free(m->p);
	json_decref(m->seen_ano);
	json_decref(m->seen_mn);
	json_decref(m->seen_rc);
	json_decref(m->seen_hno);
}

static imp_person *imp_add(imp *m)
{
	if (m->n == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 256;
		m->p = realloc(m->p, m->cap * sizeof *m->p);
		if (!m->p)
			abort();
	}
	imp_person *p = &m->p[m->n++];
	memset(p, 0, sizeof *p);
	return p;
}

/* A date item of items: 0 absent, 1 present (*d set). Values were checked. */
static int item_date(json_t *items, const char *id, at_date *d)
{
	const char *v = reg_str(items, id);
	at_error ignored;
	return *v && date_parse(v, d, id, &ignored) == 0;
}

/* An error naming path.item; fmt has exactly two %s: that field, then detail. */
static int fail_item(at_error *err, int status, const char *code, const char *path,
		     const char *item, const char *fmt, const char *detail)
{
	char f[200];
	snprintf(f, sizeof f, "%s.%s", path, item);
	return at_fail(err, status, code, f, fmt, f, detail);
}

/* 住基法30条の45 and its 表, as a move-in checks them, on items. One
 * difference, on purpose: a removed record (除票) keeps the stay it had when it
 * was removed, so only a current record's stay must not have ended. */
static int check_foreign(imp *m, json_t *items, const char *path, bool current, at_error *err)
{
	at_date far = {1868, 1, 1};
	if (ev_foreign_status(items, path, current ? m->today : far, err) ||
	    ev_check_no_domicile(items, path, err))
		return -1;
	ev_foreign_card_items(items);
	return 0;
}

/* One member of a household: its items checked one by one, then together. */
static int parse_member(imp *m, json_t *mem, const char *path, const char *hno, at_error *err)
{
	if (!json_is_object(mem))
		return at_fail(err, 400, AT_E_INVALID, path, "%s must be an object of register items",
			       path);
	imp_person *p = imp_add(m);
	snprintf(p->path, sizeof p->path, "%s", path);
	p->household = m->households;
	p->items = json_object();
	bool removed = false;
	const char *k;
	json_t *v;
	json_object_foreach(mem, k, v) {
		char f[200];
		snprintf(f, sizeof f, "%s.%s", path, k);
		if (!strcmp(k, "state")) {
			const char *st = json_is_string(v) ? json_string_value(v) : "";
			if (strcmp(st, "active") && strcmp(st, "removed"))
				return at_fail(err, 400, AT_E_INVALID, f,
					       "%s must be \"active\" (a current record) or \"removed\""
					       " (除票)", f);
			removed = !strcmp(st, "removed");
			continue;
		}
		if (json_is_null(v))
			continue;   /* an empty column of the old system */
		if (reg_check_value(m->d, k, v, f, err))
			return -1;
		json_object_set(p->items, k, v);
	}
	json_t *it = p->items;
	/* 住基法7条: what every resident record holds. */
	static const char *const required[] = {"addressee_no", "name", "name_kana", "birth_date",
		"sex", "relationship", "resident_code", "address", NULL};
	for (const char *const *r = required; *r; r++)
		if (!json_object_get(it, *r))
			return fail_item(err, 400, AT_E_MISSING, path, *r, "%s is required%s",
					 !strcmp(*r, "resident_code")
						 ? " (住民票コード, 住基法7条13号)" : "");
	snprintf(p->ano, sizeof p->ano, "%s", reg_str(it, "addressee_no"));
	/* The household's number is the household's (one per batch entry). */
	const char *own = reg_str(it, "household_no");
	if (*own && strcmp(own, hno))
		return fail_item(err, 400, AT_E_INVALID, path, "household_no",
				 "%s differs from the household's household_no%s", "");
	json_object_set_new(it, "household_no", json_string(hno));
	const char *mc = reg_str(it, "municipality_code");
	if (*mc && strcmp(mc, m->muni))
		return fail_item(err, 400, AT_E_INVALID, path, "municipality_code",
				 "%s is another municipality's; this register is %s's", m->muni);
	json_object_set_new(it, "municipality_code", json_string(m->muni));
	at_date birth, d;
	item_date(it, "birth_date", &birth);
	if (ev_date_not_after(it, "birth_date", path, m->today, "the migration date", err))
		return -1;
	if (item_date(it, "residence_date", &d) && (date_cmp(d, birth) < 0 || date_cmp(d, m->today) > 0))
		return fail_item(err, 400, AT_E_INVALID, path, "residence_date",
				 "%s must be between the birth date and the migration date%s", "");
	if (ev_has_foreign_items(it) && check_foreign(m, it, path, !removed, err))
		return -1;
	if (!removed) {
		for (const char *const *r = removal_items; *r; r++)
			if (json_object_get(it, *r))
				return fail_item(err, 400, AT_E_INVALID, path, *r,
						 "%s belongs to a removed record (除票); give state"
						 " \"removed\" or leave it out%s", "");
		return 0;
	}
	/* 除票: what was removed, when and why. */
	m->removed++;
	const char *rt = reg_str(it, "removal_type");
	if (!*rt)
		return fail_item(err, 400, AT_E_MISSING, path, "removal_type",
				 "%s is required for a removed record (除票区分: 転出, 死亡 or"
				 " 職権消除)%s", "");
	if (!text_in_list(removal_types, rt))
		return fail_item(err, 400, AT_E_INVALID, path, "removal_type",
				 "%s must be 転出, 死亡 or 職権消除%s", "");
	if (!item_date(it, "removal_date", &d))
		return fail_item(err, 400, AT_E_MISSING, path, "removal_date",
				 "%s is required for a removed record%s", "");
	if (date_cmp(d, birth) < 0 || date_cmp(d, m->today) > 0)
		return fail_item(err, 400, AT_E_INVALID, path, "removal_date",
				 "%s must be between the birth date and the migration date%s", "");
	/* The removal is the record's last change (異動事由, 異動日), as a death or
	 * a 転出 recorded here writes it; the old system's own values win. */
	if (!json_object_get(it, "change_reason"))
		json_object_set(it, "change_reason", json_object_get(it, "removal_type"));
	if (!json_object_get(it, "change_date"))
		json_object_set(it, "change_date", json_object_get(it, "removal_date"));
	p->removal = json_object();
	for (int g = 0; g < 2; g++)
		for (const char *const *r = g ? last_change_items : removal_items; *r; r++) {
			json_t *x = json_object_get(it, *r);
			if (!x)
				continue;
			json_object_set(p->removal, *r, x);
			json_object_del(it, *r);
		}
	return 0;
}

/* One household: its members, then the household's own rules. */
static int parse_household(imp *m, json_t *h, const char *path, at_error *err)
{
	static const char *const keys[] = {"household_no", "members", NULL};
	jr r = JR_REQUEST(err);
	if (jr_known(&r, h, path, keys))
		return -1;
	const char *hno = NULL;
	if (reg_field(m->d, h, path, "household_no", "household_no", true, &hno, err) < 0)
		return -1;
	char f[JR_PATH];
	json_t *ms = NULL;
	size_t n = 0;
	if (jr_array(&r, h, path, "members", JR_REQ, 1, REGISTRY_IMPORT_MAX_MEMBERS, &ms, &n, f))
		return -1;
	if (ev_once(m->seen_hno, hno, path, "household_no", err))
		return -1;
	size_t first = m->n;
	for (size_t j = 0; j < n; j++) {
		char mp[JR_PATH];
		jr_path_index(mp, f, j);
		if (parse_member(m, json_array_get(ms, j), mp, hno, err))
			return -1;
	}
	/* The current members: one 世帯主 (住基法7条4号), one address. */
	imp_person *head = NULL, *any = NULL;
	size_t current = 0;
	for (size_t i = first; i < m->n; i++) {
		imp_person *p = &m->p[i];
		if (p->removal)
			continue;
		current++;
		if (strcmp(reg_str(p->items, "relationship"), REG_HOUSEHOLDER))
			continue;
		if (head)
			return fail_item(err, 400, AT_E_INVALID, p->path, "relationship",
					 "%s: a household has one householder (世帯主); %s is already"
					 " one", head->path);
		head = p;
	}
	if (current && !head)
		return at_fail(err, 400, AT_E_INVALID, f,
			       "%s: the household's current members need exactly one householder"
			       " (relationship 世帯主, 住基法7条4号)", f);
	for (size_t i = first; i < m->n; i++) {
		imp_person *p = &m->p[i];
		if (!p->removal) {
			if (!ev_same_address(head->items, p->items))
				return fail_item(err, 400, AT_E_INVALID, p->path, "address",
						 "%s is not the householder's: a household lives at one"
						 " address (%s)", head->path);
		} else if (!any && !strcmp(reg_str(p->items, "relationship"), REG_HOUSEHOLDER)) {
			any = p;   /* a removed householder, for removed members' 世帯主氏名 */
		}
	}
	/* 世帯主氏名 is on every member's record: given, it must be the
	 * householder's; absent, it is copied. A removed record keeps what the
	 * old system had (the householder when it was removed). */
	imp_person *src = head ? head : any;
	for (size_t i = first; i < m->n && src; i++) {
		imp_person *p = &m->p[i];
		if (ev_householder_names(p->items, src->items, p->path, !p->removal && head, err))
			return -1;
	}
	m->households++;
	return 0;
}

/* ---- Checks against the register ------------------------------------------ */

static int check_register(imp *m, at_error *err)
{
	char f[200];
	/* A household with current members is a new one: its number is no
	 * current record's. Unlike an event's new household (any record's), a
	 * number only removed records hold may be the old system's again: it
	 * gave the numbers, and its 除票 keep the numbers they had. */
	size_t h = (size_t)-1;
	for (size_t i = 0; i < m->n; i++) {
		imp_person *p = &m->p[i];
		if (p->household != h && !p->removal) {
			h = p->household;
			snprintf(f, sizeof f, "households[%zu].household_no", h);
			if (ev_check_household_free(m->d, reg_str(p->items, "household_no"), false, f, err))
				return -1;
		}
		if (ev_check_addressee_free(m->d, p->ano, p->path, err) ||
		    (!p->removal && ev_not_resident(m->d, IMPORT_EVENT, p->items, p->path, err)))
			return -1;
	}
	return 0;
}

/* ---- Writing ------------------------------------------------------------- */

static int write_all(imp *m, json_t **result, at_error *err)
{
	store *s = m->s;
	int64_t event_id = 0, max_ano = 0, max_hno = 0;
	if (store_run_id(s,
			 "INSERT INTO registry_event_log(type, event_date, notification_date, flags, status,"
			 " persons, created_at) VALUES(?, ?, '', '', 'applied', ?, ?) RETURNING event_id",
			 STORE_ARGS(STORE_TEXT(IMPORT_EVENT), STORE_TEXT(m->today_s), STORE_INT(m->n),
				    STORE_INT(time_now())),
			 &event_id, err))
		return -1;
	json_t *records = json_array();
	int rc = -1;
	for (size_t i = 0; i < m->n; i++) {
		imp_person *p = &m->p[i];
		const char *hno = reg_str(p->items, "household_no");
		int64_t rid = 0, pid = 0;
		if (door_create_as(m->d, REGISTRY_FILE, p->ano, p->items, IMPORT_EVENT, DOOR_NOTIFIED,
				   &rid, &pid, err) ||
		    reg_map_person(s, p->ano, rid, err))
			goto out;
		/* A notified removal is applied at once (only ex officio acts are held). */
		if (p->removal &&
		    door_remove_with(m->d, REGISTRY_FILE, rid, p->removal,
				     reg_str(p->removal, "removal_type"), IMPORT_EVENT, DOOR_NOTIFIED,
				     &pid, err))
			goto out;
		if (reg_outbox_add(s, event_id, IMPORT_EVENT, p->ano, hno, m->today_s, err))
			goto out;
		int64_t a = atoll(p->ano), h = atoll(hno);
		max_ano = a > max_ano ? a : max_ano;
		max_hno = h > max_hno ? h : max_hno;
		json_array_append_new(records, json_pack("{s:s,s:I}", "addressee_no", p->ano,
							 "record_id", (json_int_t)rid));
	}
	/* the next number Atena assigns follows the old system's */
	if (reg_counter_at_least(s, "addressee_no", max_ano, err) ||
	    reg_counter_at_least(s, "household_no", max_hno, err))
		goto out;
	/* One line ties the batch to who loaded it (the audit row carries the
	 * staff, terminal and reason); no personal data in the detail. */
	char det[200];
	snprintf(det, sizeof det, "event_id=%lld type=%s households=%zu persons=%zu removed=%zu",
		 (long long)event_id, IMPORT_EVENT, m->households, m->n, m->removed);
	if (door_note(m->d, "registry_event", AUDIT_OK, "", det, err))
		goto out;
	*result = json_pack("{s:I,s:s,s:I,s:I,s:I,s:O}", "event_id", (json_int_t)event_id, "type",
			    IMPORT_EVENT, "households", (json_int_t)m->households, "persons",
			    (json_int_t)m->n, "removed", (json_int_t)m->removed, "records", records);
	rc = 0;
out:
	json_decref(records);
	return rc;
}

int registry_import(door *d, json_t *batch, json_t **result, at_error *err)
{
	*result = NULL;
	static const char *const keys[] = {"households", NULL};
	if (!json_is_object(batch))
		return at_fail(err, 400, AT_E_INVALID, "", "the migration batch must be a JSON object"
			       " {\"households\": [...]}");
	jr r = JR_REQUEST(err);
	json_t *hs = NULL;
	size_t n_hs = 0;
	if (jr_known(&r, batch, "", keys) ||
	    jr_array(&r, batch, "", "households", JR_REQ, 1, REGISTRY_IMPORT_MAX_HOUSEHOLDS, &hs,
		     &n_hs, NULL))
		return -1;
	imp m = {.d = d, .s = door_store(d), .today = date_today(), .seen_ano = json_object(),
		 .seen_mn = json_object(), .seen_rc = json_object(), .seen_hno = json_object()};
	date_format(m.today, m.today_s);
	int rc = -1;
	if (platform_municipality(m.s, m.muni, err))
		goto out;
	for (size_t i = 0; i < n_hs; i++) {
		char path[JR_PATH];
		json_t *h = NULL;
		if (jr_elem_object(&r, hs, "households", i, &h, path) ||
		    parse_household(&m, h, path, err))
			goto out;
	}
	/* Distinct people within the batch: an addressee number once; a My Number
	 * and a resident record code once among the current records. */
	for (size_t i = 0; i < m.n; i++) {
		imp_person *p = &m.p[i];
		if (ev_once(m.seen_ano, p->ano, p->path, "addressee_no", err))
			goto out;
		if (p->removal)
			continue;
		const char *mn = reg_str(p->items, "my_number");
		if ((*mn && ev_once(m.seen_mn, mn, p->path, "my_number", err)) ||
		    ev_once(m.seen_rc, reg_str(p->items, "resident_code"), p->path, "resident_code", err))
			goto out;
	}
	if (check_register(&m, err) == 0)
		rc = write_all(&m, result, err);
out:
	imp_free(&m);
	return rc;
}
