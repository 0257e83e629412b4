/*
 * Certificate data (registry_certificate, registry.h): what a 住民票の写し,
 * 除票の写し or 住民票記載事項証明書 says, as JSON for src/documents to render.
 * The rules of who may have what are applied here, before any data leaves.
 *
 * Request: {"kind": "juminhyo" | "joshu" | "kisai_jiko", "addressee_no",
 *           "members"?: "all" | ["addressee_no", ...]   (default: the person alone;
 *                        "all" = every active member of the household; juminhyo
 *                        and kisai_jiko only),
 *           "items"?: [...]       (see below; kisai_jiko: required, and only these),
 *           "include_my_number"?: bool, "include_resident_code"?: bool,
 *           "requester": {"relation": "self" | "household" | "third_party" | "agent",
 *                         "name", "addressee_no"? (required for "household")},
 *           "purpose"? (required for third_party and agent: 住基法12条の3第4項)}
 * Items: the 基礎証明事項 (住基法12条5項, 7条1–3号, 6–8号) — "name", "name_kana",
 *   "birth_date", "sex", "address", "became_resident_date", "residence_date",
 *   "notification_date", "previous_address", "change" (異動事由・異動日) — are on every
 *   juminhyo and joshu; the others only when asked: "household" (世帯主, 世帯番号),
 *   "relationship" (続柄), "domicile" (本籍・筆頭者), "former_name" (旧氏),
 *   "foreign" (国籍・在留資格 etc.), "change_history", "removal" (除票 facts; always
 *   on a joshu).
 *
 * Data: {"kind", "title", "municipality" ("東京都墨田区"), "municipality_code", "issued_at",
 *        "issued_date", "issued_date_wareki", "certifier" ("東京都墨田区長": both from
 *        data/municipalities, policy/municipality.h), "household_no" | null,
 *        "address", "householder" | null,
 *        "persons": [{"addressee_no", "name", "name_kana", "birth_date", "birth_date_wareki",
 *                     "sex" ("男"/"女"), "sex_code", "relationship" | null,
 *                     "became_resident_date"(+"_wareki"), "residence_date"(+"_wareki"),
 *                     "notification_date"(+"_wareki"), "previous_address",
 *                     "change_reason", "change_date"(+"_wareki"),
 *                     "my_number"?, "resident_code"?, "domicile"?, "family_register_head"?,
 *                     "former_name"?, "former_name_kana"?, "nationality"?, "foreign_name"?,
 *                     "foreign_alias"?, "residence_status"?, "period_of_stay"(+"_expiry")?, ...,
 *                     "change_history"?: [{"date","date_wareki","reason"}],
 *                     "removal_type"?, "removal_date"(+"_wareki")?,
 *                     "removal_notification_date"(+"_wareki")?, "removal_notification_reason"?,
 *                     "confirmed_address"?}],
 *        "whole_household" (the whole household is certified: picks the
 *        certification sentence), "notes": [...], "serial"}
 * Keys the kind or request leaves out are null (householder, relationship,
 * household_no) or absent (the rest). kisai_jiko persons carry "name" and the
 * requested items only.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "core/date.h"
#include "core/json.h"
#include "core/strbuf.h"
#include "core/text.h"
#include "policy/municipality.h"
#include "registry_int.h"

static const char *const base_items[] = {"name", "name_kana", "birth_date", "sex", "address",
	"became_resident_date", "residence_date", "notification_date", "previous_address", "change",
	NULL};
static const char *const extra_items[] = {"household", "relationship", "domicile",
	"former_name", "foreign", "change_history", "removal", NULL};

typedef struct creq {
	const char *kind, *ano, *relation, *req_name, *req_ano, *purpose;
	bool all, mn, rc;
	json_t *members;     /* array of addressee numbers, or NULL */
	json_t *items;       /* array of item names, or NULL */
} creq;

static bool want(const creq *q, const char *item)
{
	if (q->items) {
		size_t i;
		json_t *v;
		json_array_foreach(q->items, i, v)
			if (!strcmp(json_string_value(v), item))
				return true;
	}
	if (!strcmp(q->kind, "kisai_jiko"))
		return false;
	if (!strcmp(q->kind, "joshu") && !strcmp(item, "removal"))
		return true;
	return text_in_list(base_items, item);
}

static int parse_request(door *d, json_t *r, creq *q, at_error *err)
{
	static const char *const keys[] = {"kind", "addressee_no", "members", "items",
		"include_my_number", "include_resident_code", "requester", "purpose", NULL};
	static const char *const rkeys[] = {"relation", "name", "addressee_no", NULL};
	memset(q, 0, sizeof *q);
	jr rd = JR_REQUEST(err);
	if (!json_is_object(r))
		return jr_fail(&rd, AT_E_INVALID, "", "must be a JSON object (the request)");
	if (jr_known(&rd, r, "", keys) || jr_string(&rd, r, "", "kind", JR_REQ, 20, &q->kind))
		return -1;
	if (strcmp(q->kind, "juminhyo") && strcmp(q->kind, "joshu") && strcmp(q->kind, "kisai_jiko"))
		return at_fail(err, 400, AT_E_INVALID, "kind",
			       "kind must be juminhyo (住民票の写し), joshu (除票の写し) or kisai_jiko"
			       " (住民票記載事項証明書)");
	if (reg_field(d, r, "", "addressee_no", "addressee_no", true, &q->ano, err) < 0 ||
	    jr_bool(&rd, r, "", "include_my_number", JR_OPT, &q->mn) ||
	    jr_bool(&rd, r, "", "include_resident_code", JR_OPT, &q->rc) ||
	    jr_string(&rd, r, "", "purpose", JR_OPT, 200, &q->purpose))
		return -1;
	json_t *m = json_object_get(r, "members");
	if (json_is_string(m) && !strcmp(json_string_value(m), "all")) {
		q->all = true;
	} else if (json_is_array(m)) {
		size_t i;
		json_t *v;
		json_array_foreach(m, i, v) {
			char f[JR_PATH];
			jr_path_index(f, "members", i);
			if (reg_check_value(d, "addressee_no", v, f, err))
				return -1;
		}
		q->members = m;
	} else if (m && !json_is_null(m)) {
		return at_fail(err, 400, AT_E_INVALID, "members",
			       "members must be \"all\" or an array of addressee numbers");
	}
	if (!strcmp(q->kind, "joshu") &&
	    (q->all || json_array_size(q->members) > 1 ||
	     (json_array_size(q->members) == 1 &&
	      strcmp(json_string_value(json_array_get(q->members, 0)), q->ano))))
		return at_fail(err, 400, AT_E_INVALID, "members",
			       "a 除票の写し is of one removed record: give no members");
	json_t *it = NULL;
	size_t n_items = 0;
	if (jr_array(&rd, r, "", "items", JR_OPT, 0, SIZE_MAX, &it, &n_items, NULL))
		return -1;
	for (size_t i = 0; i < n_items; i++) {
		const char *v = NULL;
		if (jr_elem_string(&rd, it, "items", i, 40, &v))
			return -1;
		if (!text_in_list(base_items, v) && !text_in_list(extra_items, v)) {
			char f[JR_PATH];
			jr_path_index(f, "items", i);
			return jr_fail(&rd, AT_E_INVALID, f,
				       "must be one of name, name_kana, birth_date, sex, address,"
				       " became_resident_date, residence_date, notification_date,"
				       " previous_address, change, household, relationship, domicile,"
				       " former_name, foreign, change_history, removal");
		}
	}
	q->items = it;
	if (!strcmp(q->kind, "kisai_jiko") && json_array_size(q->items) == 0)
		return at_fail(err, 400, AT_E_MISSING, "items",
			       "items is required: a 記載事項証明書 certifies the items asked for");
	json_t *rq = json_object_get(r, "requester");
	if (!rq || json_is_null(rq))
		return jr_fail(&rd, AT_E_MISSING, "requester",
			       "is required: who asks (住基法12条2項, 12条の3第4項)");
	if (jr_object(&rd, r, "", "requester", JR_REQ, &rq, NULL) ||
	    jr_known(&rd, rq, "requester", rkeys) ||
	    jr_string(&rd, rq, "requester", "relation", JR_REQ, 20, &q->relation) ||
	    jr_string(&rd, rq, "requester", "name", JR_REQ, 100, &q->req_name) ||
	    reg_field(d, rq, "requester", "addressee_no", "addressee_no", false, &q->req_ano, err) < 0)
		return -1;
	bool own = !strcmp(q->relation, "self") || !strcmp(q->relation, "household");
	if (!own && strcmp(q->relation, "third_party") && strcmp(q->relation, "agent"))
		return at_fail(err, 400, AT_E_INVALID, "requester.relation",
			       "requester.relation must be self, household, third_party or agent");
	if (!strcmp(q->relation, "household") && !q->req_ano)
		return at_fail(err, 400, AT_E_MISSING, "requester.addressee_no",
			       "requester.addressee_no is required: the household member who asks");
	if (!own && (!q->purpose || !*q->purpose))
		return at_fail(err, 400, AT_E_MISSING, "purpose",
			       "purpose is required for a request by a third party or an agent"
			       " (利用目的, 住基法12条の3第4項)");
	/* My Number and resident record code only to the person or their
	 * household (住基法12条5項 特別の請求; 番号法20条 forbids others collecting the
	 * number; 住基法30条の37–38 limit the code's use). */
	if (q->mn && !own)
		return at_fail(err, 403, "not_permitted", "include_my_number",
			       "include_my_number: the My Number is shown only to the person or a member"
			       " of their household (住基法12条5項, 番号法20条); requester.relation is %s",
			       q->relation);
	if (q->rc && !own)
		return at_fail(err, 403, "not_permitted", "include_resident_code",
			       "include_resident_code: the resident record code is shown only to the"
			       " person or a member of their household (住基法12条5項, 30条の38);"
			       " requester.relation is %s", q->relation);
	return 0;
}

/* "2026-05-01" and its era form under key and key_wareki. */
static void put_date(json_t *o, const char *key, const char *iso)
{
	char w[WAREKI_MAX], k[64];
	reg_wareki(iso, w);
	json_object_set_new(o, key, *iso ? json_string(iso) : json_null());
	snprintf(k, sizeof k, "%s_wareki", key);
	json_object_set_new(o, k, *w ? json_string(w) : json_null());
}

/* Copy the non-empty items named in keys from the record's items. */
static void copy_items(json_t *p, json_t *items, const char *const *keys)
{
	for (const char *const *k = keys; *k; k++)
		if (*reg_str(items, *k))
			json_object_set_new(p, *k, json_string(reg_str(items, *k)));
}

static void address_text(json_t *items, strbuf *sb)
{
	sb_adds(sb, reg_str(items, "address"));
	if (*reg_str(items, "address_supplement"))
		sb_addf(sb, " %s", reg_str(items, "address_supplement"));
}

/* One person's part of the certificate, from their record and history. */
static int person_data(door *d, const creq *q, json_t *rec, json_t **out, at_error *err)
{
	json_t *it = json_object_get(rec, "items");
	json_t *hist = NULL;
	/* The history is read only for what the certificate prints of it: the
	 * first change date (住民となった年月日) and the change lines. */
	static const char *const hist_items[] = {"change_date", "change_reason", NULL};
	if ((want(q, "became_resident_date") || want(q, "change_history")) &&
	    door_history_items(d, REGISTRY_FILE,
			       json_integer_value(json_object_get(rec, "record_id")), hist_items,
			       &hist, err))
		return -1;
	json_t *versions = json_object_get(hist, "versions");
	json_t *p = json_object();
	json_object_set_new(p, "addressee_no", json_string(reg_str(it, "addressee_no")));
	json_object_set_new(p, "name", json_string(reg_str(it, "name")));
	if (want(q, "name_kana"))
		json_object_set_new(p, "name_kana", json_string(reg_str(it, "name_kana")));
	if (want(q, "birth_date"))
		put_date(p, "birth_date", reg_str(it, "birth_date"));
	if (want(q, "sex")) {
		const char *sx = reg_str(it, "sex");
		json_object_set_new(p, "sex", json_string(!strcmp(sx, "1") ? "男"
							  : !strcmp(sx, "2") ? "女" : ""));
		json_object_set_new(p, "sex_code", json_string(sx));
	}
	if (strcmp(q->kind, "kisai_jiko"))
		json_object_set_new(p, "relationship", json_null());
	if (want(q, "relationship") || want(q, "household"))
		json_object_set_new(p, "relationship", json_string(reg_str(it, "relationship")));
	if (want(q, "address")) {
		strbuf sb = STRBUF_INIT;
		sb_init(&sb);
		address_text(it, &sb);
		json_object_set_new(p, "address", json_string(sb.buf));
		sb_release(&sb);
	}
	/* 住民となった年月日 (7条6号): the date of the first version — the move-in,
	 * birth or entry that made the record. */
	if (want(q, "became_resident_date"))
		put_date(p, "became_resident_date",
			 reg_str(json_object_get(json_array_get(versions, 0), "items"), "change_date"));
	if (want(q, "residence_date"))
		put_date(p, "residence_date", reg_str(it, "residence_date"));
	if (want(q, "notification_date"))
		put_date(p, "notification_date", reg_str(it, "residence_notification_date"));
	if (want(q, "previous_address")) {
		strbuf sb = STRBUF_INIT;
		sb_init(&sb);
		sb_adds(&sb, reg_str(it, "previous_address"));
		if (*reg_str(it, "previous_address_supplement"))
			sb_addf(&sb, " %s", reg_str(it, "previous_address_supplement"));
		json_object_set_new(p, "previous_address", json_string(sb.buf));
		sb_release(&sb);
	}
	if (want(q, "change")) {
		json_object_set_new(p, "change_reason", json_string(reg_str(it, "change_reason")));
		put_date(p, "change_date", reg_str(it, "change_date"));
	}
	if (q->mn)
		json_object_set_new(p, "my_number", json_string(reg_str(it, "my_number")));
	if (q->rc)
		json_object_set_new(p, "resident_code", json_string(reg_str(it, "resident_code")));
	/* Requested items go out flat, under the register's own item ids, which is
	 * the vocabulary the document layer prints (documents/certificate.h). */
	static const char *const domicile_k[] = {"domicile", "family_register_head", NULL};
	static const char *const former_k[] = {"former_name", "former_name_kana", NULL};
	static const char *const foreign_k[] = {"nationality", "foreign_name", "foreign_name_kana",
		"foreign_alias", "foreign_alias_kana", "residence_status", "period_of_stay",
		"residence_card_no", NULL};
	if (want(q, "domicile"))
		copy_items(p, it, domicile_k);
	if (want(q, "former_name"))
		copy_items(p, it, former_k);
	if (want(q, "foreign") && *reg_str(it, "article_30_45_category")) {
		copy_items(p, it, foreign_k);
		if (*reg_str(it, "period_of_stay_expiry"))
			put_date(p, "period_of_stay_expiry", reg_str(it, "period_of_stay_expiry"));
	}
	if (want(q, "change_history")) {
		json_t *ch = json_array();
		char last[64] = "";
		size_t i;
		json_t *v;
		json_array_foreach(versions, i, v) {
			json_t *vi = json_object_get(v, "items");
			const char *dt = reg_str(vi, "change_date"), *why = reg_str(vi, "change_reason");
			char key[64];
			snprintf(key, sizeof key, "%s|%s", dt, why);
			if (!*dt || !strcmp(key, last))
				continue;
			snprintf(last, sizeof last, "%s", key);
			json_t *e = json_object();
			put_date(e, "date", dt);
			json_object_set_new(e, "reason", json_string(why));
			json_array_append_new(ch, e);
		}
		json_object_set_new(p, "change_history", ch);
	}
	if (want(q, "removal") && !strcmp(reg_state(rec), "removed")) {
		static const char *const removal_k[] = {"removal_type", "removal_notification_reason",
			"confirmed_address", "confirmed_address_supplement", NULL};
		copy_items(p, it, removal_k);
		put_date(p, "removal_date", reg_str(it, "removal_date"));
		put_date(p, "removal_notification_date", reg_str(it, "removal_notification_date"));
	}
	json_decref(hist);
	*out = p;
	return 0;
}

/* The register items a person's part of the certificate prints (person_data),
 * so that each person is read, and logged as seen, with those alone. */
#define CERT_MAX_ITEMS 48
static void printed_items(const creq *q, const char *out[CERT_MAX_ITEMS + 1])
{
	size_t n = 0;
#define ADD(id) (out[n++] = (id))
	ADD("addressee_no");
	ADD("name");
	if (want(q, "name_kana"))
		ADD("name_kana");
	if (want(q, "birth_date"))
		ADD("birth_date");
	if (want(q, "sex"))
		ADD("sex");
	if (want(q, "relationship") || want(q, "household"))
		ADD("relationship");
	if (want(q, "address")) {
		ADD("address");
		ADD("address_supplement");
	}
	if (want(q, "residence_date"))
		ADD("residence_date");
	if (want(q, "notification_date"))
		ADD("residence_notification_date");
	if (want(q, "previous_address")) {
		ADD("previous_address");
		ADD("previous_address_supplement");
	}
	if (want(q, "change")) {
		ADD("change_reason");
		ADD("change_date");
	}
	if (q->mn)
		ADD("my_number");
	if (q->rc)
		ADD("resident_code");
	if (want(q, "domicile")) {
		ADD("domicile");
		ADD("family_register_head");
	}
	if (want(q, "former_name")) {
		ADD("former_name");
		ADD("former_name_kana");
	}
	if (want(q, "foreign")) {
		static const char *const f[] = {"article_30_45_category", "nationality",
			"foreign_name", "foreign_name_kana", "foreign_alias", "foreign_alias_kana",
			"residence_status", "period_of_stay", "period_of_stay_expiry",
			"residence_card_no", NULL};
		for (const char *const *k = f; *k; k++)
			ADD(*k);
	}
	if (want(q, "removal")) {
		static const char *const r[] = {"removal_type", "removal_notification_reason",
			"confirmed_address", "confirmed_address_supplement", "removal_date",
			"removal_notification_date", NULL};
		for (const char *const *k = r; *k; k++)
			ADD(*k);
	}
#undef ADD
	out[n] = NULL;
}

/* items plus the ones the certificate's heading takes from the person's own
 * record: the household number (to find the household), the address and,
 * when the household is printed, 世帯主 as the record states it. */
static void own_items(const creq *q, const char *const *items,
		      const char *out[CERT_MAX_ITEMS + 1])
{
	size_t n = 0;
	for (; *items; items++)
		out[n++] = *items;
	out[n] = NULL;
	static const char *const head[] = {"household_no", "address", "address_supplement", NULL};
	for (const char *const *k = head; *k; k++)
		if (!text_in_list(out, *k)) {
			out[n++] = *k;
			out[n] = NULL;
		}
	if (want(q, "household"))
		out[n++] = "householder_name";
	out[n] = NULL;
}

int registry_certificate(door *d, json_t *request, json_t **out, at_error *err)
{
	*out = NULL;
	/* Issuing is the 市町村長's certification to someone outside (住基法12条,
	 * 12条の3, 15条の4), not a look-up: it needs the update grant a door
	 * opened for writing proves, whatever the transport (docs/security.md,
	 * "Certificates"). A view grant issues nothing, not even without the My
	 * Number: a third party's copy discloses as much as a view shows. */
	if (door_mode_of(d) != DOOR_WRITE)
		return at_fail(err, 403, "no_grant", "business",
			       "issuing a certificate needs an update grant for business %s; a view"
			       " grant looks the register up but issues nothing", REGISTRY_BUSINESS);
	/* what it returns can be rendered (documents.h) */
	if (document_kinds_add(registry_document_kinds, err))
		return -1;
	creq q;
	if (parse_request(d, request, &q, err))
		return -1;
	const char *printed[CERT_MAX_ITEMS + 1], *mine[CERT_MAX_ITEMS + 1];
	printed_items(&q, printed);
	own_items(&q, printed, mine);
	reg_person me;
	if (reg_read_items(d, q.ano, "addressee_no", mine, &me, err))
		return -1;
	int rc = -1;
	json_t *members = NULL, *chosen = json_array(), *persons = json_array(), *res = NULL;
	json_t *hh_items = NULL;
	const char *state = reg_state(me.rec);
	bool joshu = !strcmp(q.kind, "joshu");
	/* A 除票の写し is of a removed record only; a 住民票 of an active one. */
	if (joshu && strcmp(state, "removed")) {
		at_fail(err, 409, AT_E_CONFLICT, "addressee_no",
			"addressee_no: the record of %s is %s; a 除票の写し is issued only for a removed"
			" record (除票)", q.ano, state);
		goto out;
	}
	if (!joshu && strcmp(state, "active")) {
		at_fail(err, 409, AT_E_CONFLICT, "addressee_no",
			"addressee_no: the record of %s is %s; a removed record is certified by a"
			" 除票の写し (kind joshu)", q.ano, state);
		goto out;
	}
	const char *hno = reg_str(me.items, "household_no");
	/* The household is looked at for who is in it (the number, 続柄 to find
	 * the householder) and the support measure in each record's header — its
	 * active members only; the people printed are read below. */
	static const char *const who_items[] = {"addressee_no", "relationship", NULL};
	if (*hno && reg_household_items(d, hno, who_items, false, &members, err))
		goto out;
	if (!members)
		members = json_array();
	/* Whose record is shown: the person, the listed members or everyone. */
	size_t i;
	json_t *m;
	if (joshu) {
		json_array_append(chosen, me.rec);
	} else if (q.all) {
		json_array_foreach(members, i, m)
			json_array_append(chosen, m);
	} else {
		json_array_foreach(members, i, m) {
			const char *a = reg_str(json_object_get(m, "items"), "addressee_no");
			bool listed = !strcmp(a, q.ano);
			size_t j;
			json_t *v;
			json_array_foreach(q.members, j, v)
				if (!strcmp(json_string_value(v), a))
					listed = true;
			if (listed)
				json_array_append(chosen, m);
		}
		json_array_foreach(q.members, i, m) {
			bool found = false;
			size_t j;
			json_t *c;
			json_array_foreach(chosen, j, c)
				if (!strcmp(reg_str(json_object_get(c, "items"), "addressee_no"),
					    json_string_value(m)))
					found = true;
			if (!found) {
				char f[32];
				snprintf(f, sizeof f, "members[%zu]", i);
				at_fail(err, 400, AT_E_INVALID, f,
					"%s: %s is not an active member of household %s", f,
					json_string_value(m), hno);
				goto out;
			}
		}
	}
	/* Who asks. */
	if (!strcmp(q.relation, "self") && q.req_ano && strcmp(q.req_ano, q.ano)) {
		at_fail(err, 400, AT_E_INVALID, "requester.addressee_no",
			"requester.addressee_no: a request by the person (self) is by %s", q.ano);
		goto out;
	}
	if (!strcmp(q.relation, "household")) {
		bool member = false;
		json_array_foreach(members, i, m)
			if (!strcmp(reg_str(json_object_get(m, "items"), "addressee_no"), q.req_ano))
				member = true;
		if (!member) {
			at_fail(err, 403, "not_permitted", "requester.addressee_no",
				"requester.addressee_no: %s is not an active member of household %s; only"
				" the person or their household may ask as such (住基法12条1項)",
				q.req_ano, hno);
			goto out;
		}
	}
	/* 支援措置 (住基法12条6項, 12条の3第8項 / 事務処理要領 第5-10): no record of a
	 * protected person, nor of their household, to a third party or agent. */
	if (strcmp(q.relation, "self") && strcmp(q.relation, "household")) {
		bool protected = json_is_true(json_object_get(me.rec, "support_measure"));
		json_array_foreach(members, i, m)
			if (json_is_true(json_object_get(m, "support_measure")))
				protected = true;
		if (protected) {
			char det[96];
			snprintf(det, sizeof det, "certificate kind=%s refused: support measure, %s request",
				 q.kind ? q.kind : "", q.relation);
			door_note_refusal(d, "certificate", q.ano, det, NULL);
			at_fail(err, 403, "support_measure", "addressee_no",
				"addressee_no: %s or a member of their household is under a support"
				" measure (支援措置); no certificate is issued on a %s request"
				" (住基法12条6項, 12条の3第8項)", q.ano, q.relation);
			goto out;
		}
	}
	/* Each person printed is read (and audited) with the items printed; the
	 * person asked about was read above and is not read again. */
	json_array_foreach(chosen, i, m) {
		const char *a = reg_str(json_object_get(m, "items"), "addressee_no");
		bool hh = !strcmp(reg_str(json_object_get(m, "items"), "relationship"),
				  REG_HOUSEHOLDER);
		json_t *rec = NULL;
		if (m == me.rec || !strcmp(a, q.ano)) {
			rec = json_incref(me.rec);
		} else if (door_read_items(d, REGISTRY_FILE,
					   json_integer_value(json_object_get(m, "record_id")), printed,
					   &rec, err)) {
			goto out;
		}
		json_t *pd = NULL;
		int r = person_data(d, &q, rec, &pd, err);
		if (hh && !hh_items)
			hh_items = json_incref(json_object_get(rec, "items"));
		json_decref(rec);
		if (r)
			goto out;
		json_array_append_new(persons, pd);
	}
	/* 世帯主 as the person's own record states it (a 除票 keeps the one of its time). */
	const char *hh_name = reg_str(me.items, "householder_name");
	if (!*hh_name && hh_items)
		hh_name = reg_str(hh_items, "name");
	/* Who certifies: the municipality's identity data (policy/municipality.h). */
	at_municipality mu;
	if (municipality_of(door_store(d), &mu, err))
		goto out;
	const char *muni = mu.code;
	char mname[2 * MUNICIPALITY_TEXT], certifier[MUNICIPALITY_ISSUER];
	municipality_full_name(&mu, mname);
	municipality_issuer(&mu, certifier);
	int64_t serial;
	if (reg_counter_next(door_store(d), "certificate", &serial, err))
		goto out;
	char sn[32], now[21];
	snprintf(sn, sizeof sn, "%s-%08lld", muni, (long long)serial);
	time_format(time_now(), now);
	char today[11];
	date_format(date_today(), today);
	strbuf addr = STRBUF_INIT;
	sb_init(&addr);
	address_text(me.items, &addr);
	bool household = want(&q, "household");
	res = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:o,s:s,s:o}", "kind", q.kind, "title",
			joshu ? "除票の写し" : !strcmp(q.kind, "kisai_jiko") ? "住民票記載事項証明書"
									 : "住民票の写し",
			"municipality", mname, "municipality_code", muni, "issued_at", now,
			"issued_date", today, "certifier", certifier, "household_no",
			household && *hno ? json_string(hno) : json_null(), "address", addr.buf,
			"householder", household && *hh_name ? json_string(hh_name) : json_null());
	sb_release(&addr);
	put_date(res, "issued_date", today);
	json_object_set(res, "persons", persons);
	json_object_set_new(res, "serial", json_string(sn));
	/* The certification sentence itself (施行令15条) is the document layer's:
	 * it words it from kind and whole_household. */
	json_t *notes = json_array();
	bool whole = !strcmp(q.kind, "juminhyo") && household &&
		     json_array_size(chosen) == json_array_size(members);
	json_object_set_new(res, "whole_household", json_boolean(whole));
	if (!strcmp(q.kind, "juminhyo")) {
		if (json_array_size(chosen) < json_array_size(members))
			json_array_append_new(notes, json_string("世帯の一部の写しです。"));
		if (!household && !want(&q, "relationship"))
			json_array_append_new(notes,
				json_string("世帯主・続柄の記載を省略しています（住民基本台帳法12条5項）。"));
		if (!q.mn)
			json_array_append_new(notes, json_string("個人番号の記載を省略しています。"));
		if (!q.rc)
			json_array_append_new(notes, json_string("住民票コードの記載を省略しています。"));
	}
	json_object_set_new(res, "notes", notes);
	/* Audited with the kind, who asked (relation only) and why — no
	 * personal data beyond the subject's addressee number. */
	char det[300];
	snprintf(det, sizeof det, "kind=%s requester=%s purpose=%.120s persons=%zu serial=%s%s%s",
		 q.kind, q.relation, q.purpose ? q.purpose : "", json_array_size(persons), sn,
		 q.mn ? " my_number" : "", q.rc ? " resident_code" : "");
	if (door_note(d, "certificate", AUDIT_OK, q.ano, det, err))
		goto out;
	*out = res;
	res = NULL;
	rc = 0;
out:
	json_decref(res);
	json_decref(hh_items);
	json_decref(members);
	json_decref(chosen);
	json_decref(persons);
	reg_person_free(&me);
	return rc;
}
