/*
 * Registry: the resident register module driven through registry.h against a
 * real data directory (墨田区, 131075), as two clerks with update grants.
 *
 * "Today" is 2026-06-01 (JST) throughout: ATENA_FAKE_NOW = 1780282800 is
 * 2026-06-01T03:00:00Z = 12:00 JST. Counters start at 1, so the first
 * household is 0000000001 and the first three people 0000000001..03.
 */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit/audit.h"
#include "core/date.h"
#include "core/mynumber.h"
#include "policy/decl.h"
#include "policy/door.h"
#include "policy/grant.h"
#include "policy/platform.h"
#include "policy/staff.h"
#include "documents/documents.h"
#include "registry/registry.h"
#include "registry/registry_int.h"   /* reg_check_value, reg_is_item */
#include "test.h"
#include "test_fixtures.h"

static char dir[512];
static store *S;
static keyring *KR;

/* My Numbers with valid check digits. */
static char MN_TARO[13], MN_HANAKO[13], MN_ICHIRO[13], MN_SUZUKI[13], MN_NEW[13], MN_X[13];

static door_ctx ctx(const char *staff, const char *reason)
{
	door_ctx c = {.staff_id = staff, .department = "窓口課", .terminal_id = "T-SUMIDA-01",
		      .business = REGISTRY_BUSINESS, .reason = reason, .case_id = "R8-0001"};
	return c;
}

/* Apply one event as `staff`: commits on 0/1, aborts on -1 (as the API does). */
static int event_as(const char *staff, const char *type, json_t *body, json_t **res, at_error *e)
{
	door_ctx c = ctx(staff, "異動届の受付");
	door *d;
	*res = NULL;
	if (door_open_owner(S, KR, &c, DOOR_WRITE, &registry_owner, &d, e))
		return -2;
	int rc = registry_event(d, type, body, res, e);
	json_decref(body);
	if (rc < 0) {
		door_abort(d);
		return rc;
	}
	if (door_commit(d, e))
		return -3;
	return rc;
}

static int event(const char *type, json_t *body, json_t **res, at_error *e)
{
	return event_as("clerk1", type, body, res, e);
}

/* Expect a refusal naming field with code. */
static void refused(const char *type, json_t *body, const char *field, const char *code)
{
	json_t *res = NULL;
	at_error e = {0};
	int rc = event(type, body, &res, &e);
	CHECK_INT(rc, -1);
	CHECK_STR(e.field, field);
	if (code)
		CHECK_STR(e.code, code);
	if (rc != -1 || strcmp(e.field, field))
		fprintf(stderr, "  (%s: %s)\n", type, e.message);
	json_decref(res);
}

static json_t *person(const char *ano)
{
	door_ctx c = ctx("clerk1", "住民票の確認");
	door *d;
	at_error e;
	json_t *out = NULL;
	if (door_open_owner(S, KR, &c, DOOR_READ, &registry_owner, &d, &e))
		return NULL;
	if (registry_person(d, ano, &out, &e))
		fprintf(stderr, "person %s: %s\n", ano, e.message);
	door_commit(d, &e);
	return out;
}

static const char *item(json_t *rec, const char *id)
{
	json_t *v = json_object_get(json_object_get(rec, "items"), id);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static json_t *search(json_t *criteria)
{
	door_ctx c = ctx("clerk1", "住民票の検索");
	door *d;
	at_error e;
	json_t *out = NULL;
	if (door_open_owner(S, KR, &c, DOOR_READ, &registry_owner, &d, &e))
		return NULL;
	if (registry_search(d, criteria, &out, &e))
		fprintf(stderr, "search: %s: %s\n", e.field, e.message);
	door_commit(d, &e);
	json_decref(criteria);
	return out;
}

static size_t search_n(json_t *criteria)
{
	json_t *r = search(criteria);
	size_t n = json_array_size(json_object_get(r, "records"));
	json_decref(r);
	return n;
}

static int64_t outbox_count(void)
{
	json_t *o = NULL;
	at_error e;
	int64_t n = 0, after = 0;
	for (;;) {
		if (registry_outbox(S, after, 1000, &o, &e))
			return -1;
		size_t got = json_array_size(o);
		n += (int64_t)got;
		if (got)
			after = json_integer_value(json_object_get(json_array_get(o, got - 1), "seq"));
		json_decref(o);
		if (got < 1000)
			break;
	}
	return n;
}

static int64_t count_events(const char *op, const char *outcome)
{
	audit_filter f = {.limit = 1000};
	json_t *arr = NULL;
	at_error e;
	int64_t n = 0, after = 0;
	for (;;) {
		f.after_seq = after;
		if (audit_query(S, &f, &arr, &e))
			return -1;
		size_t i;
		json_t *ev;
		json_array_foreach(arr, i, ev) {
			after = json_integer_value(json_object_get(ev, "seq"));
			if ((!op || !strcmp(json_string_value(json_object_get(ev, "operation")), op)) &&
			    (!outcome || !strcmp(json_string_value(json_object_get(ev, "outcome")), outcome)))
				n++;
		}
		size_t got = json_array_size(arr);
		json_decref(arr);
		if (got < 1000)
			break;
	}
	return n;
}

static void setup(void)
{
	fixture_data_dir(dir, sizeof dir, "registry");
	setenv("ATENA_FAKE_NOW", "1780282800", 1);   /* 2026-06-01 12:00 JST */
	at_error e = {0};
	if (platform_init(dir, "131075", &e) || platform_open(dir, &S, &KR, &e) ||
	    registry_migrate(S, &e) || registry_init(&e)) {
		fprintf(stderr, "setup: %s\n", e.message);
		exit(1);
	}
	strbuf pw = STRBUF_INIT, tp = STRBUF_INIT;
	sb_init(&pw);
	sb_init(&tp);
	const char *who[][2] = {{"admin", "管理 太郎"}, {"clerk1", "窓口 花子"}, {"clerk2", "確認 次郎"},
				{"viewer1", "照会 三郎"}};
	for (size_t i = 0; i < 4; i++) {
		sb_reset(&pw);
		sb_reset(&tp);
		if (staff_add(S, KR, who[i][0], who[i][1], "窓口課", i == 0, i ? "admin" : "", "T-ADM",
			      &pw, &tp, &e)) {
			fprintf(stderr, "staff_add: %s\n", e.message);
			exit(1);
		}
	}
	sb_release(&pw);
	sb_release(&tp);
	if (grant_add(S, "clerk1", REGISTRY_BUSINESS, GRANT_UPDATE, 0, 0, "admin", "T-ADM", "窓口担当", &e) ||
	    grant_add(S, "clerk2", REGISTRY_BUSINESS, GRANT_UPDATE, 0, 0, "admin", "T-ADM", "確認担当", &e) ||
	    grant_add(S, "viewer1", REGISTRY_BUSINESS, GRANT_VIEW, 0, 0, "admin", "T-ADM", "照会担当", &e)) {
		fprintf(stderr, "grants: %s\n", e.message);
		exit(1);
	}
	mk_mynumber("12345678901", MN_TARO);
	mk_mynumber("22345678901", MN_HANAKO);
	mk_mynumber("32345678901", MN_ICHIRO);
	mk_mynumber("42345678901", MN_SUZUKI);
	mk_mynumber("52345678901", MN_NEW);
	mk_mynumber("62345678901", MN_X);
}

/* ---- The item table is the declaration ---- */

/* The register checks a body against declarations/registry.json through the
 * door (door_check_value), with the body's own field names: there is no copy
 * of the item table or of its rules in the module. */
static int roll_count(void *arg, const json_t *rec)
{
	(void)arg;
	(void)rec;
	return 0;
}

static void test_item_table(void)
{
	json_t *all = NULL;
	at_error e;
	CHECK(decl_export(S, &all, &e) == 0);
	json_t *file = NULL;
	size_t i;
	json_t *f;
	json_array_foreach(json_object_get(all, "files"), i, f)
		if (!strcmp(json_string_value(json_object_get(f, "id")), REGISTRY_FILE))
			file = f;
	CHECK(file != NULL);
	CHECK_INT(json_array_size(json_object_get(file, "items")), 84);   /* seed 001 別添2 */
	door_ctx c = ctx("clerk1", "規則の確認");
	door *d;
	CHECK(door_open_owner(S, KR, &c, DOOR_READ, &registry_owner, &d, &e) == 0);
	/* every declared item is one the register knows, and no other */
	json_t *it;
	json_array_foreach(json_object_get(file, "items"), i, it)
		CHECK(reg_is_item(d, json_string_value(json_object_get(it, "id"))));
	CHECK(!reg_is_item(d, "nickname"));
	struct { const char *item, *json, *field; int ok; const char *says; } cases[] = {
		{"sex", "\"1\"", "persons[0].sex", 1, NULL},
		/* the declared code list, not a C copy of it */
		{"sex", "\"9\"", "persons[0].sex", 0, "declared codes"},
		{"municipality_code", "\"131075\"", "address.municipality_code", 1, NULL},
		/* the check digit of 全国地方公共団体コード, declared "check" */
		{"municipality_code", "\"131076\"", "address.municipality_code", 0, NULL},
		{"domicile_municipality_code", "\"131106\"", "persons[0].domicile.municipality_code",
		 0, NULL},
		/* not_future is declared for birth_date: today is 2026-06-01 */
		{"birth_date", "\"2026-06-02\"", "persons[0].birth_date", 0, "after today"},
		{"birth_date", "\"2026-06-01\"", "persons[0].birth_date", 1, NULL},
		{"birth_date", "\"2026-02-30\"", "persons[0].birth_date", 0, NULL},
		/* the declared type: boolean, text length, digits, kana */
		{"residence_notified_flag", "true", "foreign.residence_notified_flag", 1, NULL},
		{"residence_notified_flag", "\"yes\"", "foreign.residence_notified_flag", 0,
		 "true or false"},
		{"resident_code", "\"1234567890\"", "persons[0].resident_code", 0, "11 digits"},
		{"name_kana", "\"山田\"", "persons[0].name_kana", 0, "kana"},
		{"name", "1", "persons[0].name", 0, "string"},
		{"nickname", "\"タロ\"", "persons[0].nickname", 0, "not an item"},
		{"household_no", "null", "household.household_no", 1, NULL},
	};
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		json_error_t je;
		json_t *v = json_loads(cases[k].json, JSON_DECODE_ANY, &je);
		at_error ce = {0};
		int rc = reg_check_value(d, cases[k].item, v, cases[k].field, &ce);
		CHECK_INT(rc, cases[k].ok ? 0 : -1);
		if (!cases[k].ok) {
			CHECK_INT(ce.status, 400);
			CHECK_STR(ce.field, cases[k].field);
			CHECK(strstr(ce.message, cases[k].field) != NULL);
			if (cases[k].says)
				CHECK(strstr(ce.message, cases[k].says) != NULL);
			if (strcmp(ce.field, cases[k].field) ||
			    (cases[k].says && !strstr(ce.message, cases[k].says)))
				fprintf(stderr, "  (%s %s: %s)\n", cases[k].item, cases[k].json, ce.message);
		}
		json_decref(v);
	}
	door_commit(d, &e);
	json_decref(all);
}

/* ---- move_in ---- */

static json_t *meguro_family(void)
{
	return J("{'event_date':'2026-05-10','notification_date':'2026-05-15',"
		 "'household':{'new':true},"
		 "'address':{'postcode':'1300001','address':'東京都墨田区吾妻橋一丁目23番1号',"
		 "'address_supplement':'吾妻橋ハイツ101'},"
		 "'previous':{'municipality_code':'131105','postcode':'1530061',"
		 "'address':'東京都目黒区中目黒一丁目1番1号','householder':'目黒 太郎'},"
		 "'persons':["
		 "{'name':'目黒 太郎','name_kana':'メグロ タロウ','birth_date':'1958-04-12','sex':'1',"
		 "'householder':true,'resident_code':'10000000001','my_number':'%s',"
		 "'domicile':{'address':'東京都目黒区中目黒一丁目1番','head':'目黒 太郎'}},"
		 "{'name':'目黒 花子','name_kana':'メグロ ハナコ','birth_date':'1960-08-01','sex':'2',"
		 "'relationship':'妻','resident_code':'10000000002','my_number':'%s'},"
		 "{'name':'目黒 一郎','name_kana':'メグロ イチロウ','birth_date':'1989-01-08','sex':'1',"
		 "'relationship':'子','resident_code':'10000000003','my_number':'%s'}]}",
		 MN_TARO, MN_HANAKO, MN_ICHIRO);
}

static void test_move_in(void)
{
	json_t *res = NULL;
	at_error e = {0};
	int64_t all0 = count_events(NULL, NULL), move_in0 = count_events("move_in", AUDIT_OK);
	int rc = event("move_in", meguro_family(), &res, &e);
	CHECK_INT(rc, 0);
	/* One event per person (issue 10 §2): the checks the event runs (is this
	 * My Number, this resident code, this household number in use?) are part
	 * of it, no search events of their own; then the event's own line. */
	CHECK_INT(count_events("move_in", AUDIT_OK) - move_in0, 3);
	CHECK_INT(count_events("search", NULL), 0);
	CHECK_INT(count_events(NULL, NULL) - all0, 3 + 1);
	if (rc)
		fprintf(stderr, "  %s: %s\n", e.field, e.message);
	/* First household and first three addressee numbers. */
	CHECK_STR(json_string_value(json_object_get(res, "household_no")), "0000000001");
	json_t *recs = json_object_get(res, "records");
	CHECK_INT(json_array_size(recs), 3);
	CHECK_STR(json_string_value(json_object_get(json_array_get(recs, 2), "addressee_no")),
		  "0000000003");
	CHECK_INT(json_array_size(json_object_get(res, "flags")), 0);   /* 5 days: on time */
	CHECK_INT(json_integer_value(json_object_get(res, "event_id")), 1);
	json_decref(res);

	json_t *p = person("0000000002");
	CHECK_STR(json_string_value(json_object_get(p, "state")), "active");
	CHECK_STR(item(p, "relationship"), "妻");
	CHECK_STR(item(p, "householder_name"), "目黒 太郎");
	CHECK_STR(item(p, "householder_name_kana"), "メグロ タロウ");
	CHECK_STR(item(p, "household_no"), "0000000001");
	CHECK_STR(item(p, "municipality_code"), "131075");   /* this ward */
	CHECK_STR(item(p, "change_reason"), "転入");
	CHECK_STR(item(p, "change_date"), "2026-05-10");
	CHECK_STR(item(p, "notification_date"), "2026-05-15");
	CHECK_STR(item(p, "previous_address"), "東京都目黒区中目黒一丁目1番1号");
	CHECK_STR(item(p, "resident_code"), "10000000002");
	CHECK_STR(item(p, "my_number"), MN_HANAKO);          /* number-using business */
	/* The household view lists the other two members. */
	CHECK_INT(json_array_size(json_object_get(p, "household")), 2);
	json_decref(p);
	p = person("0000000001");
	CHECK_STR(item(p, "relationship"), "世帯主");
	CHECK_STR(item(p, "domicile"), "東京都目黒区中目黒一丁目1番");
	json_decref(p);

	/* registry_household: householder first. */
	door_ctx c = ctx("clerk1", "世帯の確認");
	door *d;
	json_t *hh = NULL;
	CHECK(door_open_owner(S, KR, &c, DOOR_READ, &registry_owner, &d, &e) == 0);
	CHECK(registry_household(d, "0000000001", &hh, &e) == 0);
	json_t *members = json_object_get(hh, "members");
	CHECK_INT(json_array_size(members), 3);
	CHECK_STR(item(json_array_get(members, 0), "name"), "目黒 太郎");
	json_decref(hh);
	CHECK(registry_household(d, "0000009999", &hh, &e) == -1);
	CHECK_INT(e.status, 404);
	door_commit(d, &e);

	/* One outbox row per person, no personal data beyond the number. */
	json_t *o = NULL;
	CHECK(registry_outbox(S, 0, 100, &o, &e) == 0);
	CHECK_INT(json_array_size(o), 3);
	json_t *row = json_array_get(o, 0);
	CHECK_STR(json_string_value(json_object_get(row, "type")), "move_in");
	CHECK_STR(json_string_value(json_object_get(row, "addressee_no")), "0000000001");
	CHECK_STR(json_string_value(json_object_get(row, "household_no")), "0000000001");
	CHECK_STR(json_string_value(json_object_get(row, "event_date")), "2026-05-10");
	CHECK(json_object_get(row, "name") == NULL);
	CHECK_INT(json_object_size(row), 7);
	json_decref(o);
	CHECK(registry_outbox(S, 0, 0, &o, &e) == -1);
}

/* ---- Search ---- */

static void test_search(void)
{
	/* Kana search ignores width, katakana/hiragana and voicing marks. */
	CHECK_INT(search_n(J("{'name_kana':'ﾒｸﾞﾛ'}")), 3);
	CHECK_INT(search_n(J("{'name_kana':'めぐろ'}")), 3);
	CHECK_INT(search_n(J("{'name_kana':'メグロ'}")), 3);
	CHECK_INT(search_n(J("{'name_kana':'めくろ はなこ'}")), 1);
	/* A many-person result carries no My Number; a single one does. */
	json_t *r = search(J("{'name_kana':'メグロ'}"));
	size_t i;
	json_t *rec;
	json_array_foreach(json_object_get(r, "records"), i, rec)
		CHECK(item(rec, "my_number") == NULL);
	CHECK(json_is_false(json_object_get(r, "truncated")));
	json_decref(r);
	/* Found by My Number, the one person is still a list row: the number
	 * found by is not echoed (the list's columns only, issue 8 §3). */
	r = search(J("{'my_number':'%s'}", MN_TARO));
	CHECK_INT(json_array_size(json_object_get(r, "records")), 1);
	CHECK(item(json_array_get(json_object_get(r, "records"), 0), "my_number") == NULL);
	CHECK_STR(item(json_array_get(json_object_get(r, "records"), 0), "name"), "目黒 太郎");
	json_decref(r);
	/* Criteria intersect: kana prefix ∩ birth date = 一郎 only. */
	r = search(J("{'name_kana':'めぐろ','birth_date':'1989-01-08'}"));
	CHECK_INT(json_array_size(json_object_get(r, "records")), 1);
	CHECK_STR(item(json_array_get(json_object_get(r, "records"), 0), "name"), "目黒 一郎");
	json_decref(r);
	CHECK_INT(search_n(J("{'name':'目黒 花子'}")), 1);
	CHECK_INT(search_n(J("{'address':'東京都墨田区吾妻橋'}")), 3);
	CHECK_INT(search_n(J("{'address':'東京都墨田区吾妻橋','name':'目黒 太郎'}")), 1);
	CHECK_INT(search_n(J("{'household_no':'0000000001'}")), 3);
	CHECK_INT(search_n(J("{'addressee_no':'0000000003'}")), 1);
	CHECK_INT(search_n(J("{'resident_code':'10000000002'}")), 1);
	/* addressee_no first, then My Number intersected. */
	CHECK_INT(search_n(J("{'addressee_no':'0000000001','my_number':'%s'}", MN_TARO)), 1);
	CHECK_INT(search_n(J("{'addressee_no':'0000000001','my_number':'%s'}", MN_HANAKO)), 0);
	CHECK_INT(search_n(J("{'name_kana':'メグロ','limit':2}")), 2);
	r = search(J("{'name_kana':'メグロ','limit':2}"));
	CHECK(json_is_true(json_object_get(r, "truncated")));
	/* A cut result goes on from next_after, in addressee-number order, and
	 * the pages together are the whole result, each person once. */
	json_t *whole = search(J("{'name_kana':'メグロ'}"));
	size_t total = json_array_size(json_object_get(whole, "records"));
	CHECK(json_is_null(json_object_get(whole, "next_after")));
	char prev[11] = "";
	size_t seen_n = 0, pages = 0;
	json_t *page = r;
	r = NULL;
	for (;;) {
		json_array_foreach(json_object_get(page, "records"), i, rec) {
			const char *sub = json_string_value(json_object_get(rec, "subject"));
			CHECK(strcmp(sub, prev) > 0);   /* ordered, none twice */
			CHECK_STR(sub, json_string_value(json_object_get(
					       json_array_get(json_object_get(whole, "records"), seen_n),
					       "subject")));
			snprintf(prev, sizeof prev, "%s", sub);
			seen_n++;
		}
		pages++;
		bool more = json_is_true(json_object_get(page, "truncated"));
		if (more)
			CHECK_STR(json_string_value(json_object_get(page, "next_after")), prev);
		json_decref(page);
		if (!more || pages > 10)
			break;
		page = search(J("{'name_kana':'メグロ','limit':2,'after':'%s'}", prev));
	}
	CHECK_INT(seen_n, total);
	CHECK_INT(pages, (total + 1) / 2);
	json_decref(whole);
	/* Refusals. */
	door_ctx c = ctx("clerk1", "住民票の検索");
	door *d;
	at_error e;
	json_t *out = NULL;
	CHECK(door_open_owner(S, KR, &c, DOOR_READ, &registry_owner, &d, &e) == 0);
	json_t *q = J("{}");
	CHECK(registry_search(d, q, &out, &e) == -1);
	json_decref(q);
	q = J("{'nickname':'x'}");
	CHECK(registry_search(d, q, &out, &e) == -1);
	CHECK_STR(e.code, "unknown_field");
	json_decref(q);
	q = J("{'my_number':'123456789010'}");
	CHECK(registry_search(d, q, &out, &e) == -1);
	CHECK_STR(e.field, "my_number");
	json_decref(q);
	q = J("{'resident_code':'1234'}");
	CHECK(registry_search(d, q, &out, &e) == -1);
	CHECK_STR(e.field, "resident_code");
	json_decref(q);
	q = J("{'name':'目黒 太郎','after':'12ab'}");
	CHECK(registry_search(d, q, &out, &e) == -1);
	CHECK_STR(e.field, "after");
	json_decref(q);
	door_abort(d);
}

/* ---- Refusals change nothing ---- */

static const char *one_person_fmt =
	"{'event_date':'%s','notification_date':'%s','household':%s,"
	"'address':{'address':'東京都墨田区横川一丁目1番1号'},"
	"'previous':{'municipality_code':'131164','address':'東京都豊島区東池袋一丁目1番1号'},"
	"'persons':[{'name':'%s','name_kana':'ヤマダ タロウ','birth_date':'1980-01-01','sex':'1',"
	"'householder':true,'resident_code':'%s','my_number':'%s'%s}]}";

static void test_refusals(void)
{
	int64_t before = outbox_count();
	const char *nh = "{'new':true}";
	/* Event date in the future (today is 2026-06-01). */
	refused("move_in", J(one_person_fmt, "2026-06-02", "2026-06-01", nh, "山田 太郎",
			     "20000000001", MN_NEW, ""), "event_date", "invalid_input");
	/* A day that does not exist. */
	refused("move_in", J(one_person_fmt, "2026-02-30", "2026-03-01", nh, "山田 太郎",
			     "20000000001", MN_NEW, ""), "event_date", "invalid_input");
	/* Notified before it happened. */
	refused("move_in", J(one_person_fmt, "2026-05-20", "2026-05-19", nh, "山田 太郎",
			     "20000000001", MN_NEW, ""), "notification_date", "invalid_input");
	/* Into a household that does not exist. */
	refused("move_in", J(one_person_fmt, "2026-05-20", "2026-05-21", "{'household_no':'0000000999'}",
			     "山田 太郎", "20000000001", MN_NEW, ""), "household.household_no",
		"no_such_household");
	/* My Number with a wrong check digit. */
	char bad[13];
	snprintf(bad, sizeof bad, "%s", MN_NEW);
	bad[11] = bad[11] == '9' ? '0' : (char)(bad[11] + 1);
	refused("move_in", J(one_person_fmt, "2026-05-20", "2026-05-21", nh, "山田 太郎",
			     "20000000001", bad, ""), "persons[0].my_number", "invalid_input");
	/* Resident record code of the wrong length. */
	refused("move_in", J(one_person_fmt, "2026-05-20", "2026-05-21", nh, "山田 太郎",
			     "2000000001", MN_NEW, ""), "persons[0].resident_code", "invalid_input");
	/* Control character in a name (JSON \u0007). */
	refused("move_in", J(one_person_fmt, "2026-05-20", "2026-05-21", nh, "山田\\u0007太郎",
			     "20000000001", MN_NEW, ""), "persons[0].name", "invalid_input");
	/* An unknown key. */
	refused("move_in", J(one_person_fmt, "2026-05-20", "2026-05-21", nh, "山田 太郎",
			     "20000000001", MN_NEW, ",'nickname':'タロ'"), "persons[0].nickname",
		"unknown_field");
	/* Already a resident (seed 001 §1.5): 目黒 太郎's My Number, then his code. */
	refused("move_in", J(one_person_fmt, "2026-05-20", "2026-05-21", nh, "山田 太郎",
			     "20000000001", MN_TARO, ""), "persons[0].my_number", "already_resident");
	refused("move_in", J(one_person_fmt, "2026-05-20", "2026-05-21", nh, "山田 太郎",
			     "10000000001", MN_NEW, ""), "persons[0].resident_code", "already_resident");
	/* A new household without a householder. */
	refused("move_in", J("{'event_date':'2026-05-20','notification_date':'2026-05-21',"
			     "'household':{'new':true},'address':{'address':'墨田区横川一丁目1番1号'},"
			     "'previous':{'municipality_code':'131164','address':'豊島区東池袋'},"
			     "'persons':[{'name':'山田 太郎','name_kana':'ヤマダ タロウ',"
			     "'birth_date':'1980-01-01','sex':'1','relationship':'同居人',"
			     "'resident_code':'20000000001','my_number':'%s'}]}", MN_NEW),
		"persons", "invalid_input");
	/* Second person invalid: the first is not written either. */
	refused("move_in", J("{'event_date':'2026-05-20','notification_date':'2026-05-21',"
			     "'household':{'new':true},'address':{'address':'墨田区横川一丁目1番1号'},"
			     "'previous':{'municipality_code':'131164','address':'豊島区東池袋'},"
			     "'persons':[{'name':'山田 太郎','name_kana':'ヤマダ タロウ',"
			     "'birth_date':'1980-01-01','sex':'1','householder':true,"
			     "'resident_code':'20000000001','my_number':'%s'},"
			     "{'name':'山田 花子','name_kana':'ヤマダ ハナコ','birth_date':'2030-01-01',"
			     "'sex':'2','relationship':'妻','resident_code':'20000000002','my_number':'%s'}]}",
			     MN_NEW, MN_X),
		"persons[1].birth_date", "invalid_input");
	/* Sex outside 1/2 (the later duplicate key wins in the parse), a missing
	 * relationship, a wrong municipality check digit. */
	refused("move_in", J(one_person_fmt, "2026-05-20", "2026-05-21", nh, "山田 太郎",
			     "20000000001", MN_NEW, ",'sex':'3'"), "persons[0].sex", "invalid_input");
	refused("move_in", J("{'event_date':'2026-05-20','notification_date':'2026-05-21',"
			     "'household':{'household_no':'0000000001'},"
			     "'previous':{'municipality_code':'131164','address':'豊島区東池袋'},"
			     "'persons':[{'name':'山田 太郎','name_kana':'ヤマダ タロウ',"
			     "'birth_date':'1980-01-01','sex':'1',"
			     "'resident_code':'20000000001','my_number':'%s'}]}", MN_NEW),
		"persons[0].relationship", "missing_field");
	refused("move_in", J("{'event_date':'2026-05-20','notification_date':'2026-05-21',"
			     "'household':{'household_no':'0000000001'},"
			     "'previous':{'municipality_code':'131165','address':'豊島区東池袋'},"
			     "'persons':[{'name':'山田 太郎','name_kana':'ヤマダ タロウ',"
			     "'birth_date':'1980-01-01','sex':'1','relationship':'同居人',"
			     "'resident_code':'20000000001','my_number':'%s'}]}", MN_NEW),
		"previous.municipality_code", "invalid_input");
	/* Unknown event type. */
	refused("move_sideways", J("{}"), "type", "invalid_input");
	/* Nothing was written: no outbox row, nobody found, and the next
	 * numbers handed out are the next ones (the counters rolled back). */
	CHECK_INT(outbox_count(), before);
	CHECK_INT(search_n(J("{'name_kana':'ヤマダ'}")), 0);
	CHECK_INT(search_n(J("{'resident_code':'20000000001'}")), 0);
}

/* ---- Late notification (住基法22条: 14 days) ---- */

static void test_late_notification(void)
{
	json_t *res = NULL;
	at_error e = {0};
	/* 2026-05-01 + 14 days = 2026-05-15: on time. */
	int rc = event("move_in", J(one_person_fmt, "2026-05-01", "2026-05-15", "{'new':true}",
				    "鈴木 一郎", "20000000001", MN_SUZUKI, ""), &res, &e);
	CHECK_INT(rc, 0);
	if (rc)
		fprintf(stderr, "  %s: %s\n", e.field, e.message);
	/* The refusals above handed out nothing: household 2, person 4. */
	CHECK_STR(json_string_value(json_object_get(res, "household_no")), "0000000002");
	CHECK_STR(json_string_value(json_object_get(json_array_get(json_object_get(res, "records"), 0),
						    "addressee_no")), "0000000004");
	CHECK_INT(json_array_size(json_object_get(res, "flags")), 0);
	json_decref(res);
	/* 2026-05-01 → 2026-05-16 is 15 days: accepted, flagged. */
	rc = event("move_in", J(one_person_fmt, "2026-05-01", "2026-05-16", "{'new':true}",
				"佐藤 二郎", "20000000002", MN_NEW, ""), &res, &e);
	CHECK_INT(rc, 0);
	CHECK_INT(json_array_size(json_object_get(res, "flags")), 1);
	CHECK_STR(json_string_value(json_array_get(json_object_get(res, "flags"), 0)),
		  "late_notification");
	json_decref(res);
	/* 佐藤 二郎 is 0000000005 in household 0000000003. */
	json_t *p = person("0000000005");
	CHECK_STR(item(p, "name"), "佐藤 二郎");
	json_decref(p);
}

/* ---- in_ward_move (住基法23条, seed 001 §1.5) ---- */

static void test_in_ward_move(void)
{
	json_t *res = NULL;
	at_error e = {0};
	/* Refused: a name change rides along. */
	refused("in_ward_move", J("{'event_date':'2026-05-20','notification_date':'2026-05-21',"
				  "'persons':[{'addressee_no':'0000000004','name':'鈴木 一朗'}],"
				  "'address':{'address':'東京都墨田区押上一丁目1番2号'}}"),
		"persons[0].name", "not_changeable_by_event");
	refused("in_ward_move", J("{'event_date':'2026-05-20','notification_date':'2026-05-21',"
				  "'persons':[{'addressee_no':'0000000004'}],'birth_date':'1980-02-02',"
				  "'address':{'address':'東京都墨田区押上一丁目1番2号'}}"),
		"birth_date", "not_changeable_by_event");
	/* Refused: part of a household moving without a household of its own. */
	refused("in_ward_move", J("{'event_date':'2026-05-20','notification_date':'2026-05-21',"
				  "'persons':[{'addressee_no':'0000000003'}],"
				  "'address':{'address':'東京都墨田区押上一丁目1番2号'}}"),
		"household", "household_split_by_move");
	/* 鈴木 moves, alone in his household. */
	int rc = event("in_ward_move", J("{'event_date':'2026-05-20','notification_date':'2026-05-21',"
					 "'persons':[{'addressee_no':'0000000004'}],"
					 "'address':{'postcode':'1310045','address':'東京都墨田区押上一丁目1番2号'}}"),
		       &res, &e);
	CHECK_INT(rc, 0);
	if (rc)
		fprintf(stderr, "  %s: %s\n", e.field, e.message);
	json_decref(res);
	json_t *p = person("0000000004");
	CHECK_STR(item(p, "address"), "東京都墨田区押上一丁目1番2号");
	CHECK_STR(item(p, "postcode"), "1310045");
	CHECK_STR(item(p, "residence_reason"), "転居");
	CHECK_STR(item(p, "residence_date"), "2026-05-20");
	CHECK_STR(item(p, "change_reason"), "転居");
	CHECK_STR(item(p, "name"), "鈴木 一郎");   /* unchanged */
	CHECK_INT(json_integer_value(json_object_get(p, "version")), 2);
	json_decref(p);
	/* 一郎 (0000000003) moves out of his parents' household into his own. */
	rc = event("in_ward_move", J("{'event_date':'2026-05-25','notification_date':'2026-05-26',"
				     "'persons':[{'addressee_no':'0000000003','householder':true}],"
				     "'household':{'new':true},"
				     "'address':{'address':'東京都墨田区錦糸一丁目2番3号'}}"), &res, &e);
	CHECK_INT(rc, 0);
	if (rc)
		fprintf(stderr, "  %s: %s\n", e.field, e.message);
	CHECK_STR(json_string_value(json_object_get(res, "household_no")), "0000000004");
	json_decref(res);
	p = person("0000000003");
	CHECK_STR(item(p, "household_no"), "0000000004");
	CHECK_STR(item(p, "relationship"), "世帯主");
	CHECK_STR(item(p, "householder_name"), "目黒 一郎");
	CHECK_STR(item(p, "address"), "東京都墨田区錦糸一丁目2番3号");
	json_decref(p);
	/* The parents' household now has two. */
	CHECK_INT(search_n(J("{'household_no':'0000000001'}")), 2);
}

/* ---- death, the householder rule (住基法25条) ---- */

static void test_death_and_householder(void)
{
	json_t *res = NULL;
	at_error e = {0};
	/* 佐藤 二郎 (0000000005) lives alone; 鈴木 (0000000004) joins him as 同居人. */
	int rc = event("household_change",
		       J("{'event_date':'2026-05-26','notification_date':'2026-05-27','kind':'merge',"
			 "'household_no':'0000000003','persons':[{'addressee_no':'0000000004',"
			 "'relationship':'同居人'}]}"), &res, &e);
	/* Refused: 鈴木 lives elsewhere (押上 vs 横川). */
	CHECK_INT(rc, -1);
	CHECK_STR(e.field, "persons[0].addressee_no");
	/* Move 鈴木 in with 佐藤: an in-ward move into household 3. */
	rc = event("in_ward_move", J("{'event_date':'2026-05-26','notification_date':'2026-05-27',"
				     "'persons':[{'addressee_no':'0000000004','relationship':'同居人'}],"
				     "'household':{'household_no':'0000000003'}}"), &res, &e);
	CHECK_INT(rc, 0);
	if (rc)
		fprintf(stderr, "  %s: %s\n", e.field, e.message);
	json_decref(res);
	json_t *p = person("0000000004");
	CHECK_STR(item(p, "address"), "東京都墨田区横川一丁目1番1号");   /* the household's */
	CHECK_STR(item(p, "householder_name"), "佐藤 二郎");
	CHECK_STR(item(p, "relationship"), "同居人");
	json_decref(p);

	/* The householder 佐藤 dies; 鈴木 stays: refused without a successor. */
	int64_t before = outbox_count();
	refused("death", J("{'event_date':'2026-05-28','notification_date':'2026-05-29',"
			   "'addressee_no':'0000000005'}"), "new_householder", "householder_leaving");
	CHECK_INT(outbox_count(), before);
	p = person("0000000005");
	CHECK_STR(json_string_value(json_object_get(p, "state")), "active");
	json_decref(p);
	/* A successor who is not in the household is refused. */
	refused("death", J("{'event_date':'2026-05-28','notification_date':'2026-05-29',"
			   "'addressee_no':'0000000005','new_householder':{'addressee_no':'0000000001'}}"),
		"new_householder.addressee_no", "invalid_input");
	/* Death of a non-householder: 目黒 花子 (wife) — fine, nobody else changes. */
	before = outbox_count();
	rc = event("death", J("{'event_date':'2026-05-28','notification_date':'2026-05-29',"
			      "'addressee_no':'0000000002'}"), &res, &e);
	CHECK_INT(rc, 0);
	CHECK_INT(json_array_size(json_object_get(res, "records")), 1);
	json_decref(res);
	CHECK_INT(outbox_count(), before + 1);
	p = person("0000000002");
	CHECK_STR(json_string_value(json_object_get(p, "state")), "removed");
	CHECK_STR(json_string_value(json_object_get(p, "removal_reason")), "死亡");
	CHECK_STR(item(p, "removal_type"), "死亡");
	CHECK_STR(item(p, "removal_date"), "2026-05-28");
	CHECK_STR(item(p, "removal_notification_date"), "2026-05-29");
	CHECK_STR(item(p, "removal_notification_reason"), "死亡届");
	CHECK_STR(item(p, "name"), "目黒 花子");   /* the 除票 stays readable */
	json_decref(p);
	/* A removed person is not found unless asked for. */
	CHECK_INT(search_n(J("{'name':'目黒 花子'}")), 0);
	CHECK_INT(search_n(J("{'name':'目黒 花子','include_removed':true}")), 1);
	/* Nor can anything happen to them any more. */
	refused("death", J("{'event_date':'2026-05-28','notification_date':'2026-05-29',"
			   "'addressee_no':'0000000002'}"), "addressee_no", "conflict");

	/* Now 佐藤 dies with 鈴木 named householder. */
	rc = event("death", J("{'event_date':'2026-05-30','notification_date':'2026-05-31',"
			      "'addressee_no':'0000000005','new_householder':"
			      "{'addressee_no':'0000000004'}}"), &res, &e);
	CHECK_INT(rc, 0);
	if (rc)
		fprintf(stderr, "  %s: %s\n", e.field, e.message);
	CHECK_INT(json_array_size(json_object_get(res, "records")), 2);
	json_decref(res);
	p = person("0000000004");
	CHECK_STR(item(p, "relationship"), "世帯主");
	CHECK_STR(item(p, "householder_name"), "鈴木 一郎");
	CHECK_STR(item(p, "householder_name_kana"), "ヤマダ タロウ");   /* his kana as entered */
	CHECK_STR(item(p, "change_reason"), "世帯主変更");
	json_decref(p);
}

/* ---- History ---- */

static void test_history(void)
{
	door_ctx c = ctx("clerk1", "履歴の確認");
	door *d;
	at_error e;
	json_t *h = NULL;
	CHECK(door_open_owner(S, KR, &c, DOOR_READ, &registry_owner, &d, &e) == 0);
	CHECK(registry_person_history(d, "0000000004", &h, &e) == 0);
	json_t *v = json_object_get(h, "versions");
	/* move_in, in_ward_move (押上), in_ward_move (into household 3), death of 佐藤. */
	CHECK_INT(json_array_size(v), 4);
	CHECK_STR(json_string_value(json_object_get(json_array_get(v, 0), "op")), "move_in");
	CHECK_STR(json_string_value(json_object_get(json_array_get(v, 1), "op")), "in_ward_move");
	CHECK_STR(json_string_value(json_object_get(json_array_get(v, 3), "op")), "death");
	/* Every earlier value is kept. */
	CHECK_STR(item(json_array_get(v, 0), "address"), "東京都墨田区横川一丁目1番1号");
	CHECK_STR(item(json_array_get(v, 1), "address"), "東京都墨田区押上一丁目1番2号");
	CHECK_STR(item(json_array_get(v, 3), "relationship"), "世帯主");
	CHECK_STR(item(json_array_get(v, 2), "relationship"), "同居人");
	json_decref(h);
	CHECK(registry_person_history(d, "0000000002", &h, &e) == 0);
	CHECK_STR(json_string_value(json_object_get(h, "state")), "removed");
	json_decref(h);
	CHECK(registry_person_history(d, "123", &h, &e) == -1);
	CHECK_STR(e.field, "addressee_no");
	CHECK(registry_person_history(d, "0000099999", &h, &e) == -1);
	CHECK_INT(e.status, 404);
	door_commit(d, &e);
}

/* ---- move_out planned / cancelled / confirmed ---- */

static void test_move_out(void)
{
	json_t *res = NULL;
	at_error e = {0};
	/* A 転出届 for a date ahead (住基法24条 あらかじめ): future date allowed. */
	int rc = event("move_out_planned",
		       J("{'event_date':'2026-06-10','notification_date':'2026-06-01',"
			 "'addressee_nos':['0000000003'],'destination':{'municipality_code':'112089',"
			 "'address':'埼玉県所沢市並木一丁目1番地の1'}}"), &res, &e);
	CHECK_INT(rc, 0);
	if (rc)
		fprintf(stderr, "  %s: %s\n", e.field, e.message);
	json_decref(res);
	json_t *p = person("0000000003");
	CHECK_STR(json_string_value(json_object_get(p, "state")), "active");
	CHECK_STR(item(p, "planned_address"), "埼玉県所沢市並木一丁目1番地の1");
	CHECK_STR(item(p, "planned_municipality_code"), "112089");
	json_decref(p);
	refused("move_out_planned", J("{'event_date':'2026-06-10','notification_date':'2026-06-01',"
				      "'addressee_nos':['0000000003'],'destination':{'address':'x',"
				      "'municipality_code':'112089'}}"), "addressee_nos[0]", "conflict");
	/* Cancelled. */
	rc = event("move_out_cancelled", J("{'event_date':'2026-06-01','notification_date':'2026-06-01',"
					   "'addressee_nos':['0000000003']}"), &res, &e);
	CHECK_INT(rc, 0);
	json_decref(res);
	p = person("0000000003");
	CHECK(item(p, "planned_address") == NULL);
	CHECK_STR(item(p, "change_reason"), "転出取消");
	json_decref(p);
	/* Confirmed without a planned move-out: refused. */
	refused("move_out_confirmed", J("{'event_date':'2026-05-31','notification_date':'2026-06-01',"
					"'addressee_nos':['0000000003']}"), "addressee_nos[0]",
		"conflict");
	/* Planned (moved 2026-05-25, filed 2026-05-31: within 14 days) then confirmed. */
	rc = event("move_out_planned",
		   J("{'event_date':'2026-05-25','notification_date':'2026-05-31',"
		     "'addressee_nos':['0000000003'],'destination':{'municipality_code':'112089',"
		     "'address':'埼玉県所沢市並木一丁目1番地の1'}}"), &res, &e);
	CHECK_INT(rc, 0);
	CHECK_INT(json_array_size(json_object_get(res, "flags")), 0);
	json_decref(res);
	rc = event("move_out_confirmed", J("{'event_date':'2026-05-25','notification_date':'2026-06-01',"
					   "'addressee_nos':['0000000003']}"), &res, &e);
	CHECK_INT(rc, 0);
	if (rc)
		fprintf(stderr, "  %s: %s\n", e.field, e.message);
	json_decref(res);
	p = person("0000000003");
	CHECK_STR(json_string_value(json_object_get(p, "state")), "removed");
	CHECK_STR(item(p, "removal_type"), "転出");
	CHECK_STR(item(p, "removal_date"), "2026-05-25");
	CHECK_STR(item(p, "removal_notification_date"), "2026-05-31");   /* the 転出届 */
	CHECK_STR(item(p, "confirmed_address"), "埼玉県所沢市並木一丁目1番地の1");
	json_decref(p);
	CHECK_INT(search_n(J("{'name':'目黒 一郎'}")), 0);
	CHECK_INT(search_n(J("{'name':'目黒 一郎','include_removed':true}")), 1);
}

/* ---- birth ---- */

static void test_birth(void)
{
	json_t *res = NULL;
	at_error e = {0};
	refused("birth", J("{'event_date':'2026-05-20','notification_date':'2026-05-22',"
			   "'household_no':'0000000777','person':{'name':'鈴木 花','name_kana':'スズキ ハナ',"
			   "'sex':'2','relationship':'子','resident_code':'30000000001'}}"),
		"household_no", "no_such_household");
	refused("birth", J("{'event_date':'2026-05-20','notification_date':'2026-05-22',"
			   "'household_no':'0000000003','person':{'name':'鈴木 花','name_kana':'スズキ ハナ',"
			   "'sex':'2','relationship':'世帯主','resident_code':'30000000001'}}"),
		"person.relationship", "invalid_input");
	int rc = event("birth", J("{'event_date':'2026-05-20','notification_date':'2026-05-22',"
				  "'household_no':'0000000003','person':{'name':'鈴木 花',"
				  "'name_kana':'スズキ ハナ','sex':'2','relationship':'子',"
				  "'resident_code':'30000000001'}}"), &res, &e);
	CHECK_INT(rc, 0);
	if (rc)
		fprintf(stderr, "  %s: %s\n", e.field, e.message);
	const char *ano = json_string_value(json_object_get(json_array_get(json_object_get(res, "records"),
									     0), "addressee_no"));
	CHECK_STR(ano, "0000000006");
	json_decref(res);
	json_t *p = person("0000000006");
	CHECK_STR(item(p, "birth_date"), "2026-05-20");
	CHECK_STR(item(p, "address"), "東京都墨田区横川一丁目1番1号");
	CHECK_STR(item(p, "householder_name"), "鈴木 一郎");
	CHECK_STR(item(p, "change_reason"), "出生");
	CHECK(item(p, "my_number") == NULL);   /* given later (番号法7条1項) */
	json_decref(p);
	/* The number arrives: my_number_change. */
	refused("my_number_change", J("{'event_date':'2026-05-30','notification_date':'2026-05-30',"
				      "'addressee_no':'0000000006','my_number':'%s'}", MN_TARO),
		"my_number", "conflict");   /* 目黒 太郎's */
	rc = event("my_number_change", J("{'event_date':'2026-05-30','notification_date':'2026-05-30',"
					 "'addressee_no':'0000000006','my_number':'%s'}", MN_X), &res, &e);
	CHECK_INT(rc, 0);
	json_decref(res);
	p = person("0000000006");
	CHECK_STR(item(p, "my_number"), MN_X);
	CHECK_STR(item(p, "change_reason"), "個人番号変更");
	json_decref(p);
	/* Resident record code change (住基法30条の4). */
	refused("resident_code_change", J("{'event_date':'2026-05-30','notification_date':'2026-05-30',"
					  "'addressee_no':'0000000006','resident_code':'3000000002'}"),
		"resident_code", "invalid_input");
	refused("resident_code_change", J("{'event_date':'2026-05-30','notification_date':'2026-05-30',"
					  "'addressee_no':'0000000006','resident_code':'30000000001'}"),
		"resident_code", "invalid_input");
	rc = event("resident_code_change", J("{'event_date':'2026-05-30','notification_date':'2026-05-30',"
					     "'addressee_no':'0000000006','resident_code':'30000000009'}"),
		   &res, &e);
	CHECK_INT(rc, 0);
	json_decref(res);
	CHECK_INT(search_n(J("{'resident_code':'30000000009'}")), 1);
	CHECK_INT(search_n(J("{'resident_code':'30000000001'}")), 0);
}

/* ---- household_change: split, merge, new householder ---- */

static void test_household_change(void)
{
	json_t *res = NULL;
	at_error e = {0};
	/* Household 3: 鈴木 一郎 (4, 世帯主), 鈴木 花 (6, 子). Split 花 off. */
	refused("household_change", J("{'event_date':'2026-05-31','notification_date':'2026-05-31',"
				      "'kind':'split','persons':[{'addressee_no':'0000000004',"
				      "'householder':true},{'addressee_no':'0000000006','relationship':'子'}]}"),
		"persons", "invalid_input");   /* everyone: nothing left behind */
	int rc = event("household_change", J("{'event_date':'2026-05-31','notification_date':'2026-05-31',"
					     "'kind':'split','persons':[{'addressee_no':'0000000006',"
					     "'householder':true}]}"), &res, &e);
	CHECK_INT(rc, 0);
	if (rc)
		fprintf(stderr, "  %s: %s\n", e.field, e.message);
	CHECK_STR(json_string_value(json_object_get(res, "household_no")), "0000000005");
	json_decref(res);
	json_t *p = person("0000000006");
	CHECK_STR(item(p, "household_no"), "0000000005");
	CHECK_STR(item(p, "relationship"), "世帯主");
	CHECK_STR(item(p, "change_reason"), "世帯分離");
	CHECK_STR(item(p, "address"), "東京都墨田区横川一丁目1番1号");   /* same address */
	json_decref(p);
	/* Merge back. */
	rc = event("household_change", J("{'event_date':'2026-05-31','notification_date':'2026-05-31',"
				       "'kind':'merge','household_no':'0000000003',"
				       "'persons':[{'addressee_no':'0000000006','relationship':'子'}]}"),
		   &res, &e);
	CHECK_INT(rc, 0);
	if (rc)
		fprintf(stderr, "  %s: %s\n", e.field, e.message);
	json_decref(res);
	p = person("0000000006");
	CHECK_STR(item(p, "household_no"), "0000000003");
	CHECK_STR(item(p, "relationship"), "子");
	CHECK_STR(item(p, "householder_name"), "鈴木 一郎");
	json_decref(p);
	/* New householder: 花 — every other member's relationship must be given. */
	refused("household_change", J("{'event_date':'2026-05-31','notification_date':'2026-05-31',"
				      "'kind':'new_householder','household_no':'0000000003',"
				      "'new_householder':{'addressee_no':'0000000006'}}"),
		"new_householder.relationships", "missing_field");
	refused("household_change", J("{'event_date':'2026-05-31','notification_date':'2026-05-31',"
				      "'kind':'new_householder','household_no':'0000000003',"
				      "'new_householder':{'addressee_no':'0000000004'}}"),
		"new_householder.addressee_no", "invalid_input");   /* already */
	rc = event("household_change", J("{'event_date':'2026-05-31','notification_date':'2026-05-31',"
				       "'kind':'new_householder','household_no':'0000000003',"
				       "'new_householder':{'addressee_no':'0000000006',"
				       "'relationships':{'0000000004':'父'}}}"), &res, &e);
	CHECK_INT(rc, 0);
	if (rc)
		fprintf(stderr, "  %s: %s\n", e.field, e.message);
	CHECK_INT(json_array_size(json_object_get(res, "records")), 2);
	json_decref(res);
	p = person("0000000004");
	CHECK_STR(item(p, "relationship"), "父");
	CHECK_STR(item(p, "householder_name"), "鈴木 花");
	CHECK_STR(item(p, "householder_name_kana"), "スズキ ハナ");
	CHECK_STR(item(p, "change_reason"), "世帯主変更");
	json_decref(p);
	p = person("0000000006");
	CHECK_STR(item(p, "relationship"), "世帯主");
	json_decref(p);
	/* The householder leaving by split without a successor: refused. */
	refused("household_change", J("{'event_date':'2026-05-31','notification_date':'2026-05-31',"
				      "'kind':'split','persons':[{'addressee_no':'0000000006',"
				      "'householder':true}]}"), "new_householder", "householder_leaving");
}

/* ---- Ex officio acts: held for a second person (seed 001 §1.5 four-eyes) ---- */

static int decide(const char *staff, int64_t pid, bool approve, at_error *e)
{
	door_ctx c = ctx(staff, "職権記載の確認");
	door *d;
	if (door_open_owner(S, KR, &c, DOOR_WRITE, &registry_owner, &d, e))
		return -2;
	int rc = registry_pending_decide(d, pid, approve, "確認済み", e);
	if (rc) {
		door_abort(d);
		return rc;
	}
	return door_commit(d, e);
}

static void test_ex_officio(void)
{
	json_t *res = NULL;
	at_error e = {0};
	int64_t before = outbox_count();
	/* 職権記載 of someone found living here (no notification). */
	int rc = event("ex_officio_entry",
		       J("{'event_date':'2026-05-15','household':{'new':true},"
			 "'address':{'address':'東京都墨田区向島二丁目3番4号'},"
			 "'persons':[{'name':'高橋 大翔','name_kana':'タカハシ ヒロト',"
			 "'birth_date':'1995-03-03','sex':'1','householder':true,"
			 "'resident_code':'40000000001'}]}"), &res, &e);
	CHECK_INT(rc, 1);
	if (rc != 1)
		fprintf(stderr, "  %s: %s\n", e.field, e.message);
	int64_t pid = json_integer_value(json_object_get(res, "pending_id"));
	CHECK(pid > 0);
	const char *ano = json_string_value(json_object_get(json_array_get(json_object_get(res, "records"), 0),
							    "addressee_no"));
	char takahashi[11];
	snprintf(takahashi, sizeof takahashi, "%s", ano ? ano : "");
	CHECK_STR(takahashi, "0000000007");
	json_decref(res);
	/* Held: not findable, no outbox row yet. */
	CHECK_INT(search_n(J("{'name':'高橋 大翔'}")), 0);
	CHECK_INT(outbox_count(), before);
	json_t *p = person(takahashi);
	CHECK_STR(json_string_value(json_object_get(p, "state")), "pending");
	json_decref(p);
	/* The maker may not approve their own. */
	CHECK_INT(decide("clerk1", pid, true, &e), -1);
	CHECK_STR(e.code, "four_eyes_self");
	/* The second clerk approves: findable, one outbox row. */
	CHECK_INT(decide("clerk2", pid, true, &e), 0);
	CHECK_INT(search_n(J("{'name':'高橋 大翔'}")), 1);
	CHECK_INT(outbox_count(), before + 1);
	json_t *o = NULL;
	CHECK(registry_outbox(S, 0, 1000, &o, &e) == 0);
	json_t *last = json_array_get(o, json_array_size(o) - 1);
	CHECK_STR(json_string_value(json_object_get(last, "type")), "ex_officio_entry");
	CHECK_STR(json_string_value(json_object_get(last, "addressee_no")), takahashi);
	json_decref(o);

	/* 職権修正 of the householder's name: held; on approval the members follow. */
	rc = event("ex_officio_correction",
		   J("{'event_date':'2026-05-31','addressee_no':'0000000006',"
		     "'items':{'name':'鈴木 華','name_kana':'スズキ ハナ'}}"), &res, &e);
	CHECK_INT(rc, 1);
	if (rc != 1)
		fprintf(stderr, "  %s: %s\n", e.field, e.message);
	pid = json_integer_value(json_object_get(res, "pending_id"));
	json_decref(res);
	p = person("0000000006");
	CHECK_STR(item(p, "name"), "鈴木 花");   /* not yet */
	json_decref(p);
	before = outbox_count();
	CHECK_INT(decide("clerk2", pid, true, &e), 0);
	p = person("0000000006");
	CHECK_STR(item(p, "name"), "鈴木 華");
	CHECK_STR(item(p, "householder_name"), "鈴木 華");
	CHECK_STR(item(p, "change_reason"), "職権修正");
	json_decref(p);
	p = person("0000000004");
	CHECK_STR(item(p, "householder_name"), "鈴木 華");   /* the member follows */
	json_decref(p);
	CHECK_INT(outbox_count(), before + 2);
	/* Corrections that belong to other events are refused. */
	refused("ex_officio_correction", J("{'event_date':'2026-05-31','addressee_no':'0000000006',"
					   "'items':{'household_no':'0000000001'}}"),
		"items.household_no", "not_changeable_by_event");
	refused("ex_officio_correction", J("{'event_date':'2026-05-31','addressee_no':'0000000004',"
					   "'items':{'relationship':'世帯主'}}"),
		"items.relationship", "not_changeable_by_event");
	refused("ex_officio_correction", J("{'event_date':'2026-05-31','addressee_no':'0000000004',"
					   "'items':{'name':null}}"), "items.name", "invalid_input");
	/* The address of this register's own resident is in this municipality
	 * (131075): another municipality's valid code is refused, so is none. */
	refused("ex_officio_correction", J("{'event_date':'2026-05-31','addressee_no':'0000000004',"
					   "'items':{'municipality_code':'131016'}}"),
		"items.municipality_code", "invalid_input");
	refused("ex_officio_correction", J("{'event_date':'2026-05-31','addressee_no':'0000000004',"
					   "'items':{'municipality_code':null}}"),
		"items.municipality_code", "invalid_input");
	/* Dates the register records after the fact are not in the future. */
	refused("ex_officio_correction", J("{'event_date':'2026-05-31','addressee_no':'0000000004',"
					   "'items':{'residence_date':'2099-01-01'}}"),
		"items.residence_date", "invalid_input");
	refused("ex_officio_correction", J("{'event_date':'2026-05-31','addressee_no':'0000000004',"
					   "'items':{'birth_date':'2099-01-01'}}"),
		"items.birth_date", "invalid_input");

	/* 職権消除: held with its removal items, applied on approval. */
	rc = event("ex_officio_removal", J("{'event_date':'2026-05-31','addressee_no':'%s',"
					   "'reason':'実態調査により居住の事実なし'}", takahashi), &res, &e);
	CHECK_INT(rc, 1);
	pid = json_integer_value(json_object_get(res, "pending_id"));
	json_decref(res);
	p = person(takahashi);
	CHECK_STR(json_string_value(json_object_get(p, "state")), "active");
	json_decref(p);
	CHECK_INT(decide("clerk2", pid, true, &e), 0);
	p = person(takahashi);
	CHECK_STR(json_string_value(json_object_get(p, "state")), "removed");
	CHECK_STR(item(p, "removal_type"), "職権消除");
	CHECK_STR(item(p, "removal_date"), "2026-05-31");
	CHECK_STR(item(p, "removal_notification_reason"), "実態調査により居住の事実なし");
	json_decref(p);
	/* A householder with members is not removed ex officio. */
	refused("ex_officio_removal", J("{'event_date':'2026-05-31','addressee_no':'0000000006'}"),
		"addressee_no", "householder_leaving");
	/* A rejected entry stays out. */
	rc = event("ex_officio_entry",
		   J("{'event_date':'2026-05-15','household':{'household_no':'0000000001'},"
		     "'persons':[{'name':'架空 人物','name_kana':'カクウ ジンブツ',"
		     "'birth_date':'1990-01-01','sex':'1','relationship':'同居人',"
		     "'resident_code':'40000000002'}]}"), &res, &e);
	CHECK_INT(rc, 1);
	pid = json_integer_value(json_object_get(res, "pending_id"));
	json_decref(res);
	before = outbox_count();
	CHECK_INT(decide("clerk2", pid, false, &e), 0);
	CHECK_INT(outbox_count(), before);
	CHECK_INT(search_n(J("{'name':'架空 人物','include_removed':true}")), 0);
}

/* ---- Foreign residents (住基法30条の45) ---- */

static void test_foreign(void)
{
	json_t *res = NULL;
	at_error e = {0};
	const char *fmt =
		"{'event_date':'2026-05-20','notification_date':'2026-05-21','household':{'new':true},"
		"'address':{'address':'東京都墨田区業平一丁目1番1号'},'from_abroad':true,"
		"'previous':{'country':'ベトナム'},"
		"'persons':[{'name':'NGUYEN VAN AN','name_kana':'グエン ヴァン アン',"
		"'birth_date':'1998-07-07','sex':'1','householder':true,'resident_code':'50000000001',"
		"'foreign':{'nationality':'ベトナム','nationality_code':'704',"
		"'article_30_45_category':'1','residence_status':'技術・人文知識・国際業務',"
		"'period_of_stay':'5年','period_of_stay_expiry':'2031-05-19'%s}}]}";
	/* Category 1 needs the residence card number. */
	refused("move_in", J(fmt, ""), "persons[0].foreign.residence_card_no", "missing_field");
	refused("move_in", J(fmt, ",'residence_card_no':'AB12345678CD','article_30_45_category':'9'"),
		"persons[0].foreign.article_30_45_category", "invalid_input");
	int rc = event("move_in", J(fmt, ",'residence_card_no':'AB12345678CD','alias':'中村 安'"),
		       &res, &e);
	CHECK_INT(rc, 0);
	if (rc)
		fprintf(stderr, "  %s: %s\n", e.field, e.message);
	const char *ano = json_string_value(json_object_get(json_array_get(json_object_get(res, "records"), 0),
							    "addressee_no"));
	char an[11];
	snprintf(an, sizeof an, "%s", ano ? ano : "");
	json_decref(res);
	json_t *p = person(an);
	CHECK_STR(item(p, "previous_address"), "国外（ベトナム）");
	CHECK_STR(item(p, "change_reason"), "国外転入");
	CHECK_STR(item(p, "foreign_alias"), "中村 安");
	CHECK_STR(item(p, "alias_history"), "2026-05-20 記載 中村 安");
	CHECK_STR(item(p, "residence_card_no"), "AB12345678CD");
	CHECK(item(p, "my_number") == NULL);
	json_decref(p);
	/* Status renewed and the alias changed: 通称履歴 keeps both. */
	rc = event("foreign_status_change",
		   J("{'event_date':'2026-05-30','notification_date':'2026-05-31','addressee_no':'%s',"
		     "'foreign':{'period_of_stay_expiry':'2036-05-19','alias':'中村 安男'}}", an),
		   &res, &e);
	CHECK_INT(rc, 0);
	if (rc)
		fprintf(stderr, "  %s: %s\n", e.field, e.message);
	json_decref(res);
	p = person(an);
	CHECK_STR(item(p, "period_of_stay_expiry"), "2036-05-19");
	CHECK_STR(item(p, "alias_history"),
		  "2026-05-20 記載 中村 安; 2026-05-30 削除 中村 安; 2026-05-30 記載 中村 安男");
	CHECK_STR(item(p, "change_reason"), "在留資格等変更");
	json_decref(p);
	refused("foreign_status_change", J("{'event_date':'2026-05-30','notification_date':'2026-05-31',"
					   "'addressee_no':'0000000004','foreign':{'alias':'x'}}"),
		"addressee_no", "conflict");   /* not a foreign resident */
	refused("foreign_status_change", J("{'event_date':'2026-05-30','notification_date':'2026-05-31',"
					   "'addressee_no':'%s','foreign':{'nationality':null}}", an),
		"foreign.nationality", "invalid_input");
}

/* ---- Certificates and support measures ---- */

/* Issued as the transports do: in a door opened for update (the route's mode). */
static int certificate(json_t *req, json_t **out, at_error *e)
{
	door_ctx c = ctx("clerk1", "住民票の写しの交付");
	door *d;
	*out = NULL;
	if (door_open_owner(S, KR, &c, DOOR_WRITE, &registry_owner, &d, e))
		return -2;
	int rc = registry_certificate(d, req, out, e);
	json_decref(req);
	if (rc) {
		door_abort(d);
		return rc;
	}
	return door_commit(d, e);
}

static void test_certificates(void)
{
	json_t *c = NULL;
	at_error e = {0};
	/* By the person, whole household, with My Number: household 1 is 目黒 太郎 alone now
	 * (花子 died, 一郎 left). */
	int rc = certificate(J("{'kind':'juminhyo','addressee_no':'0000000001','members':'all',"
			       "'items':['household','domicile'],'include_my_number':true,"
			       "'include_resident_code':true,"
			       "'requester':{'relation':'self','name':'目黒 太郎'},'purpose':'年金手続'}"),
			     &c, &e);
	CHECK_INT(rc, 0);
	if (rc)
		fprintf(stderr, "  %s: %s\n", e.field, e.message);
	CHECK_STR(json_string_value(json_object_get(c, "title")), "住民票の写し");
	/* who certifies comes from data/municipalities/131075.json */
	CHECK_STR(json_string_value(json_object_get(c, "municipality")), "東京都墨田区");
	CHECK_STR(json_string_value(json_object_get(c, "municipality_code")), "131075");
	CHECK(json_is_true(json_object_get(c, "whole_household")));
	CHECK_STR(json_string_value(json_object_get(c, "certifier")), "東京都墨田区長");
	CHECK_STR(json_string_value(json_object_get(c, "issued_date")), "2026-06-01");
	CHECK_STR(json_string_value(json_object_get(c, "issued_date_wareki")), "令和8年6月1日");
	CHECK_STR(json_string_value(json_object_get(c, "householder")), "目黒 太郎");
	CHECK_STR(json_string_value(json_object_get(c, "address")),
		  "東京都墨田区吾妻橋一丁目23番1号 吾妻橋ハイツ101");
	CHECK_STR(json_string_value(json_object_get(c, "serial")), "131075-00000001");
	json_t *p0 = json_array_get(json_object_get(c, "persons"), 0);
	CHECK_INT(json_array_size(json_object_get(c, "persons")), 1);
	CHECK_STR(json_string_value(json_object_get(p0, "birth_date_wareki")), "昭和33年4月12日");
	CHECK_STR(json_string_value(json_object_get(p0, "became_resident_date")), "2026-05-10");
	CHECK_STR(json_string_value(json_object_get(p0, "became_resident_date_wareki")),
		  "令和8年5月10日");
	CHECK_STR(json_string_value(json_object_get(p0, "sex")), "男");
	CHECK_STR(json_string_value(json_object_get(p0, "relationship")), "世帯主");
	CHECK_STR(json_string_value(json_object_get(p0, "my_number")), MN_TARO);
	CHECK_STR(json_string_value(json_object_get(p0, "resident_code")), "10000000001");
	CHECK_STR(json_string_value(json_object_get(p0, "family_register_head")), "目黒 太郎");
	/* The contract with the document layer: what the register builds renders. */
	strbuf pdf = STRBUF_INIT;
	sb_init(&pdf);
	at_error pe = {0};
	CHECK(document_render_pdf(c, &pdf, &pe) == 0);
	if (pe.code[0])
		fprintf(stderr, "  render: %s: %s\n", pe.field, pe.message);
	CHECK(pdf.len > 4 && !memcmp(pdf.buf, "%PDF", 4));
	sb_release(&pdf);
	CHECK_STR(json_string_value(json_object_get(p0, "previous_address")),
		  "東京都目黒区中目黒一丁目1番1号");
	json_decref(c);

	/* My Number or resident code to a third party: refused, naming the field. */
	rc = certificate(J("{'kind':'juminhyo','addressee_no':'0000000001','include_my_number':true,"
			   "'requester':{'relation':'third_party','name':'債権者 株式会社'},"
			   "'purpose':'債権回収'}"), &c, &e);
	CHECK_INT(rc, -1);
	CHECK_STR(e.field, "include_my_number");
	CHECK_INT(e.status, 403);
	rc = certificate(J("{'kind':'juminhyo','addressee_no':'0000000001','include_resident_code':true,"
			   "'requester':{'relation':'agent','name':'代理 人'},'purpose':'委任'}"), &c, &e);
	CHECK_INT(rc, -1);
	CHECK_STR(e.field, "include_resident_code");
	/* A third party without a purpose. */
	rc = certificate(J("{'kind':'juminhyo','addressee_no':'0000000001',"
			   "'requester':{'relation':'third_party','name':'債権者'}}"), &c, &e);
	CHECK_INT(rc, -1);
	CHECK_STR(e.field, "purpose");
	/* A "household" requester who is not in the household. */
	rc = certificate(J("{'kind':'juminhyo','addressee_no':'0000000001','include_my_number':true,"
			   "'requester':{'relation':'household','name':'鈴木 一郎',"
			   "'addressee_no':'0000000004'}}"), &c, &e);
	CHECK_INT(rc, -1);
	CHECK_STR(e.field, "requester.addressee_no");
	/* Household 3 (鈴木 華 世帯主, 鈴木 一郎 父), asked by the father. */
	rc = certificate(J("{'kind':'juminhyo','addressee_no':'0000000006','members':'all',"
			   "'include_my_number':true,'requester':{'relation':'household',"
			   "'name':'鈴木 一郎','addressee_no':'0000000004'}}"), &c, &e);
	CHECK_INT(rc, 0);
	CHECK_INT(json_array_size(json_object_get(c, "persons")), 2);
	/* Items not asked for are left out (住基法12条5項). */
	CHECK(json_is_null(json_object_get(c, "householder")));
	CHECK(json_is_null(json_object_get(json_array_get(json_object_get(c, "persons"), 0),
					   "relationship")));
	json_decref(c);
	/* A third party gets the basic facts only. */
	rc = certificate(J("{'kind':'juminhyo','addressee_no':'0000000006',"
			   "'requester':{'relation':'third_party','name':'弁護士 甲'},"
			   "'purpose':'訴訟手続'}"), &c, &e);
	CHECK_INT(rc, 0);
	p0 = json_array_get(json_object_get(c, "persons"), 0);
	CHECK(json_object_get(p0, "my_number") == NULL);
	CHECK(json_object_get(p0, "resident_code") == NULL);
	json_decref(c);
	/* 記載事項証明書: only what is asked. */
	rc = certificate(J("{'kind':'kisai_jiko','addressee_no':'0000000006','items':['birth_date'],"
			   "'requester':{'relation':'self','name':'鈴木 華'}}"), &c, &e);
	CHECK_INT(rc, 0);
	p0 = json_array_get(json_object_get(c, "persons"), 0);
	CHECK_STR(json_string_value(json_object_get(p0, "birth_date_wareki")), "令和8年5月20日");
	CHECK(json_object_get(p0, "address") == NULL);
	CHECK(json_object_get(p0, "sex") == NULL);
	CHECK_STR(json_string_value(json_object_get(c, "title")), "住民票記載事項証明書");
	json_decref(c);
	/* 除票の写し: only of a removed record. */
	rc = certificate(J("{'kind':'joshu','addressee_no':'0000000001',"
			   "'requester':{'relation':'self','name':'目黒 太郎'}}"), &c, &e);
	CHECK_INT(rc, -1);
	CHECK_STR(e.field, "addressee_no");
	rc = certificate(J("{'kind':'juminhyo','addressee_no':'0000000002',"
			   "'requester':{'relation':'self','name':'目黒 花子'}}"), &c, &e);
	CHECK_INT(rc, -1);
	rc = certificate(J("{'kind':'joshu','addressee_no':'0000000002',"
			   "'requester':{'relation':'household','name':'目黒 太郎',"
			   "'addressee_no':'0000000001'}}"), &c, &e);
	CHECK_INT(rc, 0);
	if (rc)
		fprintf(stderr, "  %s: %s\n", e.field, e.message);
	CHECK_STR(json_string_value(json_object_get(c, "title")), "除票の写し");
	p0 = json_array_get(json_object_get(c, "persons"), 0);
	CHECK_STR(json_string_value(json_object_get(p0, "removal_type")), "死亡");
	CHECK_STR(json_string_value(json_object_get(p0, "removal_date_wareki")), "令和8年5月28日");
	strbuf jpdf = STRBUF_INIT;
	sb_init(&jpdf);
	at_error je = {0};
	CHECK(document_render_pdf(c, &jpdf, &je) == 0);
	if (je.code[0])
		fprintf(stderr, "  render joshu: %s: %s\n", je.field, je.message);
	sb_release(&jpdf);
	json_decref(c);
	/* Each issue is audited as "certificate". */
	CHECK(count_events("certificate", AUDIT_OK) >= 5);
}

/* Issuing needs the update grant (docs/security.md "Certificates", issue 9
 * §5): a view-only grant issues nothing — with or without the My Number —
 * and a door opened for reading cannot issue, whoever holds it. */
static void test_certificate_needs_update(void)
{
	static const char *const req =
		"{'kind':'juminhyo','addressee_no':'0000000001','include_my_number':true,"
		"'requester':{'relation':'self','name':'目黒 太郎'}}";
	static const char *const req_plain =
		"{'kind':'juminhyo','addressee_no':'0000000001',"
		"'requester':{'relation':'self','name':'目黒 太郎'}}";
	at_error e = {0};
	door *d = NULL;
	int64_t issued = count_events("certificate", AUDIT_OK);
	int64_t denied = count_events("certificate", AUDIT_DENIED) + count_events("open", AUDIT_DENIED);
	/* the view-only clerk cannot open a door to issue in */
	door_ctx v = ctx("viewer1", "住民票の写しの交付");
	v.operation = "certificate";
	v.subject = "0000000001";
	CHECK_INT(door_open_owner(S, KR, &v, DOOR_WRITE, &registry_owner, &d, &e), -1);
	CHECK_INT(e.status, 403);
	CHECK_STR(e.code, "no_grant");
	CHECK_STR(e.field, "business");
	/* and in a door opened for reading, the certificate code refuses itself:
	 * the view-only clerk, and the clerk with update alike */
	const char *const staff[] = {"viewer1", "clerk1"};
	const char *const reqs[] = {req, req_plain};
	for (size_t i = 0; i < 2; i++)
		for (size_t k = 0; k < 2; k++) {
			door_ctx c = ctx(staff[i], "住民票の写しの交付");
			CHECK_INT(door_open_owner(S, KR, &c, DOOR_READ, &registry_owner, &d, &e), 0);
			json_t *out = NULL, *rq = J("%s", reqs[k]);
			memset(&e, 0, sizeof e);
			CHECK_INT(registry_certificate(d, rq, &out, &e), -1);
			CHECK(out == NULL);
			CHECK_INT(e.status, 403);
			CHECK_STR(e.code, "no_grant");
			CHECK_STR(e.field, "business");
			json_decref(out);
			json_decref(rq);
			door_abort(d);
		}
	/* nothing was issued; the refused open is in the log */
	CHECK_INT(count_events("certificate", AUDIT_OK), issued);
	CHECK_INT(count_events("certificate", AUDIT_DENIED) + count_events("open", AUDIT_DENIED),
		  denied + 1);
	/* with the update grant, in the transports' door, it is issued */
	json_t *c = NULL;
	CHECK_INT(certificate(J("%s", req), &c, &e), 0);
	CHECK(json_object_get(json_array_get(json_object_get(c, "persons"), 0), "my_number") != NULL);
	json_decref(c);
	CHECK_INT(count_events("certificate", AUDIT_OK), issued + 1);
}

static void test_support_measure(void)
{
	at_error e = {0};
	door_ctx c = ctx("clerk1", "支援措置の申出");
	door *d;
	/* 鈴木 一郎 (0000000004) asks for a support measure. */
	CHECK(door_open_owner(S, KR, &c, DOOR_WRITE, &registry_owner, &d, &e) == 0);
	CHECK(registry_support_measure(d, "0000000004", true, &e) == 0);
	CHECK(door_commit(d, &e) == 0);
	/* A view raises the alert. */
	int64_t alerts = count_events("support_measure_view", AUDIT_ALERT);
	json_t *p = person("0000000004");
	CHECK(json_is_true(json_object_get(p, "support_measure")));
	json_decref(p);
	/* The read, and the household list that shows him again. */
	CHECK(count_events("support_measure_view", AUDIT_ALERT) - alerts >= 1);
	/* Third party: refused for him, and for his household's other member. */
	json_t *cert = NULL;
	int rc = certificate(J("{'kind':'juminhyo','addressee_no':'0000000004',"
			       "'requester':{'relation':'third_party','name':'不審 者'},"
			       "'purpose':'調査'}"), &cert, &e);
	CHECK_INT(rc, -1);
	CHECK_STR(e.code, "support_measure");
	rc = certificate(J("{'kind':'juminhyo','addressee_no':'0000000006',"
			   "'requester':{'relation':'agent','name':'代理 人'},'purpose':'委任'}"), &cert,
			 &e);
	CHECK_INT(rc, -1);
	CHECK_STR(e.code, "support_measure");
	/* The person themself still gets theirs. */
	rc = certificate(J("{'kind':'juminhyo','addressee_no':'0000000004',"
			   "'requester':{'relation':'self','name':'鈴木 一郎'}}"), &cert, &e);
	CHECK_INT(rc, 0);
	json_decref(cert);
	/* Cleared: the third party may have the basic facts again. */
	CHECK(door_open_owner(S, KR, &c, DOOR_WRITE, &registry_owner, &d, &e) == 0);
	CHECK(registry_support_measure(d, "0000000004", false, &e) == 0);
	CHECK(door_commit(d, &e) == 0);
	rc = certificate(J("{'kind':'juminhyo','addressee_no':'0000000006',"
			   "'requester':{'relation':'agent','name':'代理 人'},'purpose':'委任'}"), &cert,
			 &e);
	CHECK_INT(rc, 0);
	json_decref(cert);
}

/* ---- A householder moving out leaves a successor (住基法24条, 25条) ---- */

static void test_householder_moves_out(void)
{
	json_t *res = NULL;
	at_error e = {0};
	/* Household 3: 鈴木 華 (6, 世帯主), 鈴木 一郎 (4, 父). 華 moved abroad on
	 * 2026-05-12 and files the 転出届 on 2026-05-31: 19 days after the move,
	 * more than 14 — accepted and flagged late (住基法24条). */
	int rc = event("move_out_planned",
		       J("{'event_date':'2026-05-12','notification_date':'2026-05-31',"
			 "'addressee_nos':['0000000006'],'destination':{'country':'フランス'}}"),
		       &res, &e);
	CHECK_INT(rc, 0);
	CHECK_STR(json_string_value(json_array_get(json_object_get(res, "flags"), 0)),
		  "late_notification");
	json_decref(res);
	json_t *p = person("0000000006");
	CHECK_STR(item(p, "planned_address"), "国外（フランス）");
	json_decref(p);
	/* Confirmed without naming who heads the household left behind. */
	int64_t before = outbox_count();
	refused("move_out_confirmed", J("{'event_date':'2026-05-12','notification_date':'2026-06-01',"
					"'addressee_nos':['0000000006']}"), "new_householder",
		"householder_leaving");
	CHECK_INT(outbox_count(), before);
	rc = event("move_out_confirmed", J("{'event_date':'2026-05-12','notification_date':'2026-06-01',"
					   "'addressee_nos':['0000000006'],"
					   "'new_householder':{'addressee_no':'0000000004'}}"), &res, &e);
	CHECK_INT(rc, 0);
	if (rc)
		fprintf(stderr, "  %s: %s\n", e.field, e.message);
	/* Two people changed: 華 removed, 一郎 now 世帯主. Two outbox rows. */
	CHECK_INT(json_array_size(json_object_get(res, "records")), 2);
	json_decref(res);
	CHECK_INT(outbox_count(), before + 2);
	p = person("0000000006");
	CHECK_STR(json_string_value(json_object_get(p, "state")), "removed");
	CHECK_STR(item(p, "confirmed_address"), "国外（フランス）");
	json_decref(p);
	p = person("0000000004");
	CHECK_STR(item(p, "relationship"), "世帯主");
	CHECK_STR(item(p, "householder_name"), "鈴木 一郎");
	json_decref(p);
	/* A 除票の写し with a member list naming someone else is refused. */
	json_t *c = NULL;
	rc = certificate(J("{'kind':'joshu','addressee_no':'0000000006','members':['0000000004'],"
			   "'requester':{'relation':'self','name':'鈴木 華'}}"), &c, &e);
	CHECK_INT(rc, -1);
	CHECK_STR(e.field, "members");
}

/* ---- Joining a household on move-in; two held entries at once ---- */

static void test_move_in_join(void)
{
	json_t *res = NULL;
	at_error e = {0};
	const char *fmt =
		"{'event_date':'2026-05-30','notification_date':'2026-05-30',"
		"'household':{'household_no':'0000000001'}%s,"
		"'previous':{'municipality_code':'131164','address':'東京都豊島区南池袋二丁目1番1号'},"
		"'persons':[{'name':'目黒 健','name_kana':'メグロ ケン','birth_date':'2010-10-10',"
		"'sex':'1','relationship':'孫','resident_code':'60000000001','my_number':'%s'}]}";
	/* A household lives at one address. */
	refused("move_in", J(fmt, ",'address':{'address':'東京都墨田区向島一丁目1番1号'}", MN_NEW),
		"address.address", "invalid_input");
	/* Joining adds members; the householder stays. */
	refused("move_in", J("{'event_date':'2026-05-30','notification_date':'2026-05-30',"
			     "'household':{'household_no':'0000000001'},"
			     "'previous':{'municipality_code':'131164','address':'豊島区'},"
			     "'persons':[{'name':'目黒 健','name_kana':'メグロ ケン',"
			     "'birth_date':'2010-10-10','sex':'1','householder':true,"
			     "'resident_code':'60000000001','my_number':'%s'}]}", MN_NEW),
		"persons[0].householder", "conflict");
	int rc = event("move_in", J(fmt, "", MN_NEW), &res, &e);
	CHECK_INT(rc, 0);
	if (rc)
		fprintf(stderr, "  %s: %s\n", e.field, e.message);
	const char *ano = json_string_value(json_object_get(json_array_get(json_object_get(res, "records"), 0),
							    "addressee_no"));
	char ken[11];
	snprintf(ken, sizeof ken, "%s", ano ? ano : "");
	json_decref(res);
	json_t *p = person(ken);
	/* The household's address and householder, copied. */
	CHECK_STR(item(p, "address"), "東京都墨田区吾妻橋一丁目23番1号");
	CHECK_STR(item(p, "address_supplement"), "吾妻橋ハイツ101");
	CHECK_STR(item(p, "householder_name"), "目黒 太郎");
	CHECK_STR(item(p, "relationship"), "孫");
	json_decref(p);
	CHECK_INT(search_n(J("{'household_no':'0000000001'}")), 2);

	/* An ex officio entry of two: two pending changes. */
	rc = event("ex_officio_entry",
		   J("{'event_date':'2026-05-20','household':{'new':true},"
		     "'address':{'address':'東京都墨田区文花一丁目1番1号'},"
		     "'persons':[{'name':'伊藤 一','name_kana':'イトウ ハジメ','birth_date':'1970-01-01',"
		     "'sex':'1','householder':true,'resident_code':'70000000001'},"
		     "{'name':'伊藤 二葉','name_kana':'イトウ フタバ','birth_date':'1972-02-02',"
		     "'sex':'2','relationship':'妻','resident_code':'70000000002'}]}"), &res, &e);
	CHECK_INT(rc, 1);
	CHECK_INT(json_array_size(json_object_get(res, "pending_ids")), 2);
	int64_t p1 = json_integer_value(json_array_get(json_object_get(res, "pending_ids"), 0));
	int64_t p2 = json_integer_value(json_array_get(json_object_get(res, "pending_ids"), 1));
	json_decref(res);
	CHECK_INT(decide("clerk2", p1, true, &e), 0);
	CHECK_INT(decide("clerk2", p2, true, &e), 0);
	CHECK_INT(search_n(J("{'name_kana':'いとう'}")), 2);
	/* The door's prefix range itself stops at the prefix: いとう… and not
	 * every later key (くえん, すすき, たかはし, めくろ, やまた …). */
	door_ctx c = ctx("clerk1", "検索");
	door *d;
	json_t *found = NULL;
	CHECK(door_open_owner(S, KR, &c, DOOR_READ, &registry_owner, &d, &e) == 0);
	CHECK(door_find(d, REGISTRY_FILE, "name_kana", "いとう", DOOR_PREFIX, 50, &found, &e) == 0);
	CHECK_INT(json_array_size(found), 2);
	json_decref(found);
	door_commit(d, &e);
	/* Decided already. */
	CHECK_INT(decide("clerk2", p2, true, &e), -1);
}

/* ---- Outbox: durable ---- */

static void test_outbox_durable(void)
{
	at_error e = {0};
	json_t *before = NULL, *after = NULL;
	CHECK(registry_outbox(S, 0, 1000, &before, &e) == 0);
	/* Rows never change. */
	CHECK(store_exec(S, "UPDATE registry_outbox SET type = 'x'", &e) == -1);
	CHECK(store_exec(S, "DELETE FROM registry_outbox", &e) == -1);
	store_close(S);
	keyring_free(KR);
	S = NULL;
	KR = NULL;
	CHECK(platform_open(dir, &S, &KR, &e) == 0);
	CHECK(registry_migrate(S, &e) == 0);   /* idempotent */
	CHECK(registry_outbox(S, 0, 1000, &after, &e) == 0);
	CHECK(json_array_size(before) > 10);
	CHECK(json_equal(before, after));
	/* Paging after a sequence number. */
	json_t *page = NULL;
	int64_t seq3 = json_integer_value(json_object_get(json_array_get(before, 2), "seq"));
	CHECK(registry_outbox(S, seq3, 2, &page, &e) == 0);
	CHECK_INT(json_array_size(page), 2);
	CHECK(json_equal(json_array_get(page, 0), json_array_get(before, 3)));
	json_decref(page);
	json_decref(before);
	json_decref(after);
}

/* The register's value rules are declared (declarations/registry.json) and
 * held by the door, so even a write straight through the owner's door cannot
 * store sex "9", a municipality code with a wrong check digit or a birth date
 * in the future (issue 8 §6). */
static void test_declared_rules_at_door(void)
{
	static const char *const bad[][2] = {
		{"{\"name\":\"規則 太郎\",\"sex\":\"9\"}", "items.sex"},
		{"{\"name\":\"規則 太郎\",\"municipality_code\":\"131106\"}", "items.municipality_code"},
		{"{\"name\":\"規則 太郎\",\"previous_municipality_code\":\"131107\"}",
		 "items.previous_municipality_code"},
		{"{\"name\":\"規則 太郎\",\"birth_date\":\"2099-01-01\"}", "items.birth_date"},
		/* Every date recorded after the fact (issue 8 §6); 異動日 and
		 * 在留期限 may lie ahead (below). */
		{"{\"notification_date\":\"2099-01-01\"}", "items.notification_date"},
		{"{\"residence_date\":\"2099-01-01\"}", "items.residence_date"},
		{"{\"residence_notification_date\":\"2099-01-01\"}",
		 "items.residence_notification_date"},
		{"{\"unnotified_from\":\"2099-01-01\"}", "items.unnotified_from"},
		{"{\"unnotified_to\":\"2099-01-01\"}", "items.unnotified_to"},
		{"{\"removal_date\":\"2099-01-01\"}", "items.removal_date"},
		{"{\"removal_notification_date\":\"2099-01-01\"}", "items.removal_notification_date"},
		{"{\"removal_notification_date_2\":\"2099-01-01\"}",
		 "items.removal_notification_date_2"},
		{"{\"foreign_birth_date\":\"2099-01-01\"}", "items.foreign_birth_date"},
		{"{\"foreign_change_date\":\"2099-01-01\"}", "items.foreign_change_date"},
		{"{\"foreign_notification_date\":\"2099-01-01\"}", "items.foreign_notification_date"},
		{"{\"foreign_residence_date\":\"2099-01-01\"}", "items.foreign_residence_date"},
		{"{\"foreign_residence_notification_date\":\"2099-01-01\"}",
		 "items.foreign_residence_notification_date"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		door_ctx c = ctx("clerk1", "規則の確認");
		door *d;
		at_error e = {0};
		json_error_t je;
		json_t *items = json_loads(bad[i][0], 0, &je);
		int64_t id = 0, pid = 0;
		CHECK(door_open_owner(S, KR, &c, DOOR_WRITE, &registry_owner, &d, &e) == 0);
		CHECK_INT(door_create_as(d, REGISTRY_FILE, "0000099901", items, "create", DOOR_NOTIFIED,
					 &id, &pid, &e), -1);
		CHECK_INT(e.status, 400);
		CHECK_STR(e.field, bad[i][1]);
		door_abort(d);
		json_decref(items);
	}
	/* 住民異動日 of a 転出予定 (filed in advance, 住基法24条) and 在留期限
	 * lie ahead legitimately: accepted. */
	door_ctx c = ctx("clerk1", "規則の確認");
	door *d;
	at_error e = {0};
	json_t *items = J("{'name':'規則 太郎','change_date':'2099-01-01',"
			  "'period_of_stay_expiry':'2099-01-01'}");
	int64_t id = 0, pid = 0;
	CHECK(door_open_owner(S, KR, &c, DOOR_WRITE, &registry_owner, &d, &e) == 0);
	CHECK_INT(door_create_as(d, REGISTRY_FILE, "0000099901", items, "create", DOOR_NOTIFIED,
				 &id, &pid, &e), 0);
	door_abort(d);
	json_decref(items);
}

/* Events the log holds after seq `after`, oldest first. */
static json_t *events_after(int64_t after)
{
	audit_filter fl = {.limit = 1000, .after_seq = after};
	json_t *arr = NULL;
	at_error e;
	if (audit_query(S, &fl, &arr, &e))
		return json_array();
	return arr;
}

static int64_t last_seq(void)
{
	int64_t after = 0;
	for (;;) {
		json_t *arr = events_after(after);
		size_t n = json_array_size(arr);
		if (n)
			after = json_integer_value(json_object_get(json_array_get(arr, n - 1), "seq"));
		json_decref(arr);
		if (n < 1000)
			return after;
	}
}

static const char *ev_s(json_t *ev, const char *k)
{
	const char *v = json_string_value(json_object_get(ev, k));
	return v ? v : "";
}

/* The register search shows the counter's list columns and nothing else
 * (web/search.js render): each record carries only those items and each
 * person's search_result event names only those, item by item. */
static void test_search_shows_list_only(void)
{
	static const char *const cols[] = {"addressee_no", "household_no", "name", "name_kana",
		"birth_date", "sex", "address", "relationship", NULL};
	int64_t before = last_seq();
	json_t *r = search(J("{'name_kana':'メグロ'}"));
	json_t *recs = json_object_get(r, "records");
	size_t shown = json_array_size(recs);
	CHECK(shown >= 2);   /* several people: the many-person rule applies too */
	size_t i;
	json_t *rec;
	json_array_foreach(recs, i, rec) {
		json_t *its = json_object_get(rec, "items");
		const char *k;
		json_t *v;
		json_object_foreach(its, k, v) {
			bool listed = false;
			for (size_t c = 0; cols[c]; c++)
				listed = listed || !strcmp(cols[c], k);
			if (!listed)
				fprintf(stderr, "search shows %s\n", k);
			CHECK(listed);
		}
		CHECK(item(rec, "resident_code") == NULL);
		CHECK(item(rec, "name") != NULL);
		CHECK(item(rec, "relationship") != NULL);
	}
	json_decref(r);
	json_t *evs = events_after(before);
	size_t results = 0;
	json_t *ev;
	json_array_foreach(evs, i, ev) {
		if (strcmp(ev_s(ev, "operation"), "search_result"))
			continue;
		results++;
		/* Every item logged is a list column; 住民票コード, 本籍 are not. */
		char *list = strdup(ev_s(ev, "items"));
		char *save = NULL;
		for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
			bool listed = false;
			for (size_t c = 0; cols[c]; c++)
				listed = listed || !strcmp(cols[c], t);
			if (!listed)
				fprintf(stderr, "search logs %s as seen\n", t);
			CHECK(listed);
		}
		CHECK(strstr(ev_s(ev, "items"), "name_kana") != NULL);
		free(list);
	}
	json_decref(evs);
	CHECK_INT(results, shown);

	/* The door's own rule, for any caller (the generic search too): a
	 * result listing several people carries neither the My Number nor a
	 * `sensitive` item (住民票コード, 本籍); one person's result does. */
	door_ctx c = ctx("clerk1", "住民票の検索");
	door *d;
	at_error e = {0};
	json_t *res = NULL;
	door_criterion k = {.item = "name_kana", .value = "メグロ", .match = DOOR_PREFIX};
	before = last_seq();
	CHECK(door_open(S, KR, &c, DOOR_READ, &d, &e) == 0);
	CHECK(door_search(d, REGISTRY_FILE, &k, 1, false, 50, &res, NULL, &e) == 0);
	CHECK(door_commit(d, &e) == 0);
	CHECK(json_array_size(res) >= 2);
	json_array_foreach(res, i, rec) {
		CHECK(item(rec, "resident_code") == NULL);
		CHECK(item(rec, "my_number") == NULL);
		CHECK(item(rec, "domicile") == NULL);
		CHECK(item(rec, "name") != NULL);   /* the basic facts stay */
	}
	json_decref(res);
	evs = events_after(before);
	json_array_foreach(evs, i, ev)
		if (!strcmp(ev_s(ev, "operation"), "search_result")) {
			CHECK(strstr(ev_s(ev, "items"), "resident_code") == NULL);
			CHECK(strstr(ev_s(ev, "items"), "domicile") == NULL);
			CHECK(strstr(ev_s(ev, "items"), "name_kana") != NULL);
		}
	json_decref(evs);
	k = (door_criterion){.item = "addressee_no", .value = "0000000001", .match = DOOR_EXACT};
	CHECK(door_open(S, KR, &c, DOOR_READ, &d, &e) == 0);
	CHECK(door_search(d, REGISTRY_FILE, &k, 1, false, 50, &res, NULL, &e) == 0);
	CHECK(door_commit(d, &e) == 0);
	CHECK_INT(json_array_size(res), 1);
	CHECK(item(json_array_get(res, 0), "resident_code") != NULL);
	json_decref(res);
}

/* One list of event types: registry_event dispatches through it, and its
 * refusal of an unknown type names every type of the list. */
static void test_event_types_once(void)
{
	for (const registry_event_type *t = registry_event_types; t->name; t++) {
		CHECK(t->plan != NULL);
		CHECK(t->ex_officio == !strncmp(t->name, "ex_officio_", 11));
	}
	json_t *res = NULL;
	at_error e = {0};
	CHECK_INT(event("moving_day", J("{}"), &res, &e), -1);
	CHECK_STR(e.field, "type");
	for (const registry_event_type *t = registry_event_types; t->name; t++)
		CHECK(strstr(e.message, t->name) != NULL);
	json_decref(res);
}

/* The resident tax's roll reads each person with the items the roll uses,
 * and the log says so: not the sex, the 続柄, the 住民票コード or the rest. */
static void test_roll_reads_what_it_uses(void)
{
	static const char *const used[] = {"addressee_no", "my_number", "name", "name_kana",
		"birth_date", "household_no", "residence_date", "previous_municipality_code",
		"removal_date", "confirmed_municipality_code", "planned_municipality_code", NULL};
	int64_t from = last_seq();
	door_ctx c = ctx("clerk1", "課税台帳の作成");
	door *d;
	at_error e = {0};
	CHECK(door_open_owner(S, KR, &c, DOOR_READ, &registry_owner, &d, &e) == 0);
	char last[16] = "";
	int n = registry_roll(d, "", 10000, roll_count, NULL, last, &e);
	CHECK(n > 0);
	CHECK(door_commit(d, &e) == 0);
	json_t *evs = events_after(from);
	size_t i, reads = 0;
	json_t *ev;
	json_array_foreach(evs, i, ev) {
		if (strcmp(ev_s(ev, "operation"), "read"))
			continue;
		reads++;
		char items[2048];
		snprintf(items, sizeof items, "%s", ev_s(ev, "items"));
		CHECK(strstr(items, "name") != NULL);
		for (char *tok = strtok(items, ","); tok; tok = strtok(NULL, ",")) {
			bool ok = false;
			for (const char *const *u = used; *u; u++)
				ok = ok || !strcmp(*u, tok);
			CHECK(ok);
			if (!ok)
				fprintf(stderr, "  (the roll logged %s as seen)\n", tok);
		}
	}
	CHECK_INT((int64_t)reads, n);
	json_decref(evs);
}

/* "Already a resident" does not tell whose record it is. */
static void test_not_resident_discloses_nothing(void)
{
	json_t *res = NULL;
	at_error e = {0};
	CHECK_INT(event("move_in", J(one_person_fmt, "2026-05-20", "2026-05-21", "{'new':true}",
				     "山田 太郎", "20000000001", MN_TARO, ""), &res, &e), -1);
	CHECK_STR(e.code, "already_resident");
	CHECK_STR(e.field, "persons[0].my_number");
	CHECK(strstr(e.message, "0000000001") == NULL);
	json_decref(res);
}

int main(void)
{
	setup();
	RUN(test_item_table);
	RUN(test_move_in);
	RUN(test_search);
	RUN(test_refusals);
	RUN(test_late_notification);
	RUN(test_in_ward_move);
	RUN(test_death_and_householder);
	RUN(test_history);
	RUN(test_move_out);
	RUN(test_birth);
	RUN(test_household_change);
	RUN(test_ex_officio);
	RUN(test_foreign);
	RUN(test_certificates);
	RUN(test_certificate_needs_update);
	RUN(test_support_measure);
	RUN(test_householder_moves_out);
	RUN(test_move_in_join);
	RUN(test_outbox_durable);
	RUN(test_declared_rules_at_door);
	RUN(test_search_shows_list_only);
	RUN(test_event_types_once);
	RUN(test_roll_reads_what_it_uses);
	RUN(test_not_resident_discloses_nothing);
	store_close(S);
	keyring_free(KR);
	documents_shutdown();   /* font caches, for LeakSanitizer */
	return test_report();
}
