/*
 * The individual resident tax business module (tax.h) driven against a real
 * data directory of 所沢市 (112089: a city, not a Tokyo ward, so its levies
 * are 市民税・県民税), with a real register, the real door and the built-in
 * law data: the roll of January 1, intake and matching (名寄せ) with holds
 * for identity confirmation and for inquiry, decisions, forwarding (回送),
 * the annual batch (and which collection method the 1 April / 2 April
 * birthdays get), corrections (更正) with the old version kept, the lists
 * that page instead of stopping silently, and the notices and certificate
 * naming the municipality from its identity data.
 *
 * "Today" is 2026-05-28 12:00 JST (ATENA_FAKE_NOW = 1779937200): fiscal
 * year 2026 (令和8年度) taxes the income of 2025, 賦課期日 2026-01-01.
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
#include "core/strbuf.h"
#include "documents/documents.h"
#include "policy/door.h"
#include "policy/grant.h"
#include "policy/municipality.h"
#include "policy/platform.h"
#include "policy/staff.h"
#include "registry/registry.h"
#include "tax/law.h"
#include "tax/layout.h"
#include "tax/tax.h"
#include "test.h"
#include "test_fixtures.h"

#define FY 2026
#define MUNI "112089"   /* 所沢市 */
#define EMPLOYER "00120001"
#define PENSION_PAYER "90000001"

static char dir[512];
static store *S;
static keyring *KR;
static tax_law *LAW;

/* My Numbers with valid check digits: the household, a stranger, a newcomer. */
static char MN_ICHIRO[13], MN_HANAKO[13], MN_KAZUKO[13], MN_JIRO[13], MN_NEW[13], MN_X[13];
/* Their addressee numbers, as the register gives them (counters start at 1). */
#define A_ICHIRO "0000000001"   /* salary, employer 00120001 */
#define A_HANAKO "0000000002"   /* salary, employer 00120001 */
#define A_KAZUKO "0000000003"   /* pension; born 1961-04-02: 65 on 2026-04-01 */
#define A_JIRO "0000000004"     /* pension; born 1961-04-03: 64 on 2026-04-01 */
#define A_NEW "0000000005"      /* moved in on 2026-02-01: not resident on January 1 */

static door_ctx ctx(const char *staff, const char *business, const char *reason)
{
	door_ctx c = {.staff_id = staff, .department = "市民税課", .terminal_id = "T-TOKOROZAWA-01",
		      .business = business, .reason = reason, .case_id = "R8-0001"};
	return c;
}

static door *open_tax(door_mode mode)
{
	door_ctx c = ctx("tax1", TAX_BUSINESS, "令和8年度当初課税");
	door *d = NULL;
	at_error e;
	if (door_open_owner(S, KR, &c, mode, &tax_owner, &d, &e)) {
		fprintf(stderr, "door_open: %s\n", e.message);
		exit(1);
	}
	return d;
}

/* Commit on success, abort on failure (as the API does). */
static int finish(door *d, int rc)
{
	at_error e;
	if (rc) {
		door_abort(d);
		return rc;
	}
	return door_commit(d, &e);
}

static const char *str(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static json_int_t num(json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

/* ---- documents in the real layouts (tax/layout.h) ------------------------- */

static void doc_person(tax_doc *d, tax_doc_kind kind, const char *mn, const char *name,
		       const char *kana, at_date birth, tax_sex sex)
{
	memset(d, 0, sizeof *d);
	d->kind = kind;
	d->fiscal_year = d->body.fiscal_year = FY;
	strcpy(d->addressed_to, MUNI);
	strcpy(d->body.municipality, MUNI);
	strcpy(d->my_number, mn);
	strcpy(d->name, name);
	strcpy(d->name_kana, kana);
	d->birth_date = d->body.birth_date = birth;
	d->sex = d->body.sex = sex;
	strcpy(d->address, "埼玉県所沢市並木一丁目1番地の1");
}

/* A salary payment report (法定資料315) from an employer. */
static void salary_from(strbuf *out, const char *payer, const char *mn, const char *name,
			const char *kana, at_date birth, int64_t revenue)
{
	tax_doc d;
	doc_person(&d, TAX_DOC_SALARY, mn, name, kana, birth, TAX_SEX_MALE);
	strcpy(d.payer_id, payer);
	strcpy(d.payer_name, "株式会社所沢精機");
	strcpy(d.payer_address, "埼玉県所沢市東町5番22号");
	d.body.income.salary_revenue = revenue;
	d.body.deductions.social_insurance = revenue / 100 * 14;
	at_error e;
	if (tax_doc_format(&d, out, &e)) {
		fprintf(stderr, "salary line: %s\n", e.message);
		exit(1);
	}
	sb_add(out, "\n", 1);
}

/* ... from the main employer. */
static void salary(strbuf *out, const char *mn, const char *name, const char *kana, at_date birth,
		   int64_t revenue)
{
	salary_from(out, EMPLOYER, mn, name, kana, birth, revenue);
}

/* A public pension payment report (公的年金等支払報告書, 331). */
static void pension(strbuf *out, const char *mn, const char *name, const char *kana, at_date birth,
		    int64_t revenue)
{
	tax_doc d;
	doc_person(&d, TAX_DOC_PENSION, mn, name, kana, birth, TAX_SEX_FEMALE);
	strcpy(d.payer_id, PENSION_PAYER);
	strcpy(d.payer_name, "日本年金機構");
	strcpy(d.payer_address, "東京都杉並区高井戸西三丁目5番24号");
	d.body.income.public_pension_revenue = revenue;
	d.body.deductions.social_insurance = revenue / 100 * 6;
	at_error e;
	if (tax_doc_format(&d, out, &e)) {
		fprintf(stderr, "pension line: %s\n", e.message);
		exit(1);
	}
	sb_add(out, "\n", 1);
}

static json_t *intake(tax_doc_kind kind, const strbuf *file, at_error *e)
{
	door *d = open_tax(DOOR_WRITE);
	json_t *sum = NULL;
	int rc = tax_intake(d, KR, FY, kind, file->buf, file->len, &sum, e);
	if (finish(d, rc)) {
		json_decref(sum);
		return NULL;
	}
	return sum;
}

static json_t *holds(int64_t after, int64_t limit)
{
	door *d = open_tax(DOOR_READ);
	tax_page pg = {after, limit};
	json_t *out = NULL;
	at_error e;
	if (finish(d, tax_holds(d, FY, &pg, &out, &e)))
		fprintf(stderr, "holds: %s\n", e.message);
	return out;
}

static int decide(int64_t doc_id, json_t *decision, json_t **res, at_error *e)
{
	door *d = open_tax(DOOR_WRITE);
	*res = NULL;
	int rc = tax_hold_decide(d, KR, doc_id, decision, res, e);
	json_decref(decision);
	return finish(d, rc) ? -1 : 0;
}

static json_t *person(const char *ano)
{
	door *d = open_tax(DOOR_READ);
	json_t *out = NULL;
	at_error e;
	if (finish(d, tax_person(d, KR, LAW, FY, ano, &out, &e)))
		fprintf(stderr, "person %s: %s\n", ano, e.message);
	return out;
}

static json_t *latest(json_t *p)
{
	return json_array_get(json_object_get(p, "versions"), 0);
}

/* ---- setup ------------------------------------------------------------------ */

static void setup(void)
{
	fixture_data_dir(dir, sizeof dir, "tax");
	setenv("ATENA_FAKE_NOW", "1779937200", 1);   /* 2026-05-28 12:00 JST */
	at_error e = {0};
	if (platform_init(dir, MUNI, &e) || platform_open(dir, &S, &KR, &e) ||
	    registry_migrate(S, &e) || tax_migrate(S, &e) || registry_init(&e) || tax_init(&e) ||
	    tax_law_load_builtin(&LAW, &e)) {
		fprintf(stderr, "setup: %s\n", e.message);
		exit(1);
	}
	strbuf pw = STRBUF_INIT, tp = STRBUF_INIT;
	sb_init(&pw);
	sb_init(&tp);
	const char *who[][2] = {{"admin", "管理 太郎"}, {"clerk1", "窓口 花子"}, {"tax1", "税務 一郎"},
				{"tax2", "税務 二郎"}};
	for (size_t i = 0; i < 4; i++) {
		sb_reset(&pw);
		sb_reset(&tp);
		if (staff_add(S, KR, who[i][0], who[i][1], "市民税課", i == 0, i ? "admin" : "",
			      "T-ADM", &pw, &tp, &e)) {
			fprintf(stderr, "staff_add: %s\n", e.message);
			exit(1);
		}
	}
	sb_release(&pw);
	sb_release(&tp);
	if (grant_add(S, "clerk1", REGISTRY_BUSINESS, GRANT_UPDATE, 0, 0, "admin", "T-ADM", "窓口担当",
		      &e) ||
	    grant_add(S, "tax1", TAX_BUSINESS, GRANT_UPDATE, 0, 0, "admin", "T-ADM", "課税担当", &e) ||
	    grant_add(S, "tax2", TAX_BUSINESS, GRANT_VIEW, 0, 0, "admin", "T-ADM", "照会担当", &e)) {
		fprintf(stderr, "grants: %s\n", e.message);
		exit(1);
	}
	mk_mynumber("12345678901", MN_ICHIRO);
	mk_mynumber("22345678901", MN_HANAKO);
	mk_mynumber("32345678901", MN_KAZUKO);
	mk_mynumber("42345678901", MN_JIRO);
	mk_mynumber("52345678901", MN_NEW);
	mk_mynumber("92345678901", MN_X);
}

static int reg_event(const char *type, json_t *body, json_t **res, at_error *e)
{
	door_ctx c = ctx("clerk1", REGISTRY_BUSINESS, "転入届の受付");
	door *d;
	*res = NULL;
	if (door_open_owner(S, KR, &c, DOOR_WRITE, &registry_owner, &d, e))
		return -2;
	int rc = registry_event(d, type, body, res, e);
	json_decref(body);
	return finish(d, rc < 0 ? rc : 0) ? -1 : rc;
}

/* ---- the identity of the municipality is data -------------------------------- */

static void test_identity_data(void)
{
	at_municipality m;
	at_error e = {0};
	CHECK_INT(municipality_of(S, &m, &e), 0);
	CHECK_STR(m.name, "所沢市");
	CHECK_STR(m.prefecture, "埼玉県");
	CHECK_STR(m.kind, "市");
	CHECK_STR(m.municipal_tax, "市民税");
	CHECK_STR(m.prefectural_tax, "県民税");
	CHECK_INT(m.n_ordinary_months, 4);
	char issuer[MUNICIPALITY_ISSUER];
	municipality_issuer(&m, issuer);
	CHECK_STR(issuer, "埼玉県所沢市長");   /* the head's name is 要確認: title only */

	/* every municipality the project ships has identity data, agreeing
	 * with the name its tax law data gives */
	const char *const shipped[] = {"131105", "131075", "131164", "112089", "111007"};
	for (size_t i = 0; i < 5; i++) {
		CHECK_INT(municipality_builtin(shipped[i], "municipality", &m, NULL, &e), 0);
		CHECK_STR(m.name, tax_law_municipality_name(LAW, shipped[i]));
	}
	CHECK_INT(municipality_builtin("131105", "m", &m, NULL, &e), 0);
	CHECK_STR(m.municipal_tax, "特別区民税");
	CHECK_STR(m.prefectural_tax, "都民税");

	/* a code without data is refused at init, naming the field, and creates nothing */
	char other[600];
	snprintf(other, sizeof other, "%s-other", dir);
	CHECK_INT(platform_init(other, "131130", &e), -1);   /* 渋谷区: valid, but no data */
	CHECK_STR(e.field, "municipality");
	CHECK_INT(e.status, 404);
	CHECK(access(other, F_OK) != 0);

	/* the files are validated, naming the field */
	static const char *const bad[][2] = {
		{"{'code':'112089','name':'所沢市','prefecture':'埼玉県','kind':'市','head':{'title':'所沢市長'},"
		 "'levies':{'municipal':'市民税','prefectural':'県民税'},'ordinary_collection_months':[6,8,10,1],"
		 "'mayor':'x'}", "mayor"},
		{"{'code':'112089','name':'所沢市','prefecture':'埼玉県','kind':'郡','head':{'title':'所沢市長'},"
		 "'levies':{'municipal':'市民税','prefectural':'県民税'},'ordinary_collection_months':[6]}", "kind"},
		{"{'code':'112089','name':'所沢市','prefecture':'埼玉県','kind':'市','head':{'title':'所沢市長'},"
		 "'levies':{'municipal':'市民税'},'ordinary_collection_months':[6]}", "prefectural"},
		{"{'code':'112089','name':'所沢市','prefecture':'埼玉県','kind':'市','head':{'title':'所沢市長'},"
		 "'levies':{'municipal':'市民税','prefectural':'県民税'},'ordinary_collection_months':[6,1,8]}",
		 "ordinary_collection_months"},
		{"{'code':'112080','name':'所沢市','prefecture':'埼玉県','kind':'市','head':{'title':'所沢市長'},"
		 "'levies':{'municipal':'市民税','prefectural':'県民税'},'ordinary_collection_months':[6]}", "code"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		json_t *j = J("%s", bad[i][0]);
		char *text = json_dumps(j, 0);
		json_decref(j);
		CHECK_INT(municipality_parse(text, "municipalities/112089.json", &m, &e), -1);
		CHECK(strstr(e.field, bad[i][1]) != NULL);
		CHECK(strstr(e.message, "municipalities/112089.json") != NULL);
		if (!strstr(e.field, bad[i][1]))
			fprintf(stderr, "  case %zu: %s (%s)\n", i, e.field, e.message);
		free(text);
	}
}

/* ---- the register and the roll of January 1 ---------------------------------- */

static void test_roll(void)
{
	json_t *res = NULL;
	at_error e = {0};
	int rc = reg_event("move_in", J(
		"{'event_date':'2025-10-01','notification_date':'2025-10-03','household':{'new':true},"
		"'address':{'postcode':'3590042','address':'埼玉県所沢市並木一丁目1番地の1'},"
		"'previous':{'municipality_code':'131105','address':'東京都目黒区中目黒一丁目1番1号'},"
		"'persons':["
		"{'name':'所沢 一郎','name_kana':'トコロザワ イチロウ','birth_date':'1980-05-12','sex':'1',"
		" 'householder':true,'resident_code':'12345678901','my_number':'%s'},"
		"{'name':'所沢 花子','name_kana':'トコロザワ ハナコ','birth_date':'1982-07-01','sex':'2',"
		" 'relationship':'妻','resident_code':'22345678901','my_number':'%s'},"
		"{'name':'所沢 和子','name_kana':'トコロザワ カズコ','birth_date':'1961-04-02','sex':'2',"
		" 'relationship':'母','resident_code':'32345678901','my_number':'%s'},"
		"{'name':'所沢 次郎','name_kana':'トコロザワ ジロウ','birth_date':'1961-04-03','sex':'1',"
		" 'relationship':'叔父','resident_code':'42345678901','my_number':'%s'}]}",
		MN_ICHIRO, MN_HANAKO, MN_KAZUKO, MN_JIRO), &res, &e);
	CHECK_INT(rc, 0);
	if (rc)
		fprintf(stderr, "  move_in: %s: %s\n", e.field, e.message);
	json_decref(res);
	rc = reg_event("move_in", J(
		"{'event_date':'2026-02-01','notification_date':'2026-02-02','household':{'new':true},"
		"'address':{'postcode':'3590042','address':'埼玉県所沢市並木二丁目2番地'},"
		"'previous':{'municipality_code':'131075','address':'東京都墨田区吾妻橋一丁目23番'},"
		"'persons':[{'name':'墨田 新','name_kana':'スミダ アラタ','birth_date':'1990-01-20',"
		"'sex':'1','householder':true,'resident_code':'52345678901','my_number':'%s'}]}", MN_NEW),
		&res, &e);
	CHECK_INT(rc, 0);
	CHECK_STR(str(json_array_get(json_object_get(res, "records"), 0), "addressee_no"), A_NEW);
	json_decref(res);

	door *d = open_tax(DOOR_WRITE);
	json_t *sum = NULL;
	CHECK_INT(finish(d, tax_roll_build(d, KR, FY, &sum, &e)), 0);
	CHECK_INT(num(sum, "residents"), 4);
	CHECK_INT(num(sum, "not_resident"), 1);
	json_decref(sum);
}

/* ---- intake and matching (名寄せ) ----------------------------------------- */

static int64_t HOLD_BIRTH, HOLD_UNKNOWN;

static void test_intake_and_matching(void)
{
	strbuf f = STRBUF_INIT;
	sb_init(&f);
	salary(&f, MN_ICHIRO, "所沢　一郎", "トコロザワ　イチロウ", (at_date){1980, 5, 12}, 5000000);
	salary(&f, MN_HANAKO, "所沢　花子", "トコロザワ　ハナコ", (at_date){1982, 7, 1}, 3000000);
	/* his number with another birth date, from a second employer: held for
	 * identity confirmation */
	salary_from(&f, "00990001", MN_ICHIRO, "所沢　一郎", "トコロザワ　イチロウ", (at_date){1980, 5, 13}, 800000);
	/* a number nobody on the roll has: held for inquiry (税務調査) */
	salary(&f, MN_X, "世田谷　九郎", "セタガヤ　クロウ", (at_date){1985, 1, 1}, 3000000);
	/* resident here only since February: taxed where he lived on January 1 */
	salary(&f, MN_NEW, "墨田　新", "スミダ　アラタ", (at_date){1990, 1, 20}, 4000000);
	at_error e = {0};
	json_t *sum = intake(TAX_DOC_SALARY, &f, &e);
	CHECK(sum != NULL);
	if (!sum)
		fprintf(stderr, "  intake: %s\n", e.message);
	CHECK_INT(num(sum, "records"), 5);
	CHECK_INT(num(sum, "matched"), 2);
	CHECK_INT(num(sum, "held"), 2);
	CHECK_INT(num(sum, "forwarded"), 1);
	json_decref(sum);
	/* the same file again changes nothing */
	sum = intake(TAX_DOC_SALARY, &f, &e);
	CHECK_INT(num(sum, "duplicates"), 5);
	CHECK_INT(num(sum, "matched") + num(sum, "held") + num(sum, "forwarded"), 0);
	json_decref(sum);

	/* one bad record refuses the whole file, naming the line; nothing is written */
	strbuf bad = STRBUF_INIT;
	sb_init(&bad);
	pension(&bad, MN_KAZUKO, "所沢　和子", "トコロザワ　カズコ", (at_date){1961, 4, 2}, 2400000);
	sb_add(&bad, "331,broken\n", 11);
	CHECK(intake(TAX_DOC_PENSION, &bad, &e) == NULL);
	CHECK(strstr(e.message, "line 2") != NULL);
	sb_release(&bad);

	/* the pensions: the 2 April and 3 April birthdays */
	sb_reset(&f);
	pension(&f, MN_KAZUKO, "所沢　和子", "トコロザワ　カズコ", (at_date){1961, 4, 2}, 2400000);
	pension(&f, MN_JIRO, "所沢　次郎", "トコロザワ　ジロウ", (at_date){1961, 4, 3}, 2400000);
	sum = intake(TAX_DOC_PENSION, &f, &e);
	CHECK_INT(num(sum, "matched"), 2);   /* the bad file above left nothing behind */
	CHECK_INT(num(sum, "duplicates"), 0);
	json_decref(sum);
	sb_release(&f);

	/* the held documents, and their reasons */
	json_t *h = holds(0, 0);
	json_t *list = json_object_get(h, "held");
	CHECK_INT(json_array_size(list), 2);
	CHECK(json_is_false(json_object_get(h, "truncated")));
	size_t i;
	json_t *x;
	json_array_foreach(list, i, x) {
		if (!strcmp(str(x, "reason"), "birth_date_mismatch")) {
			HOLD_BIRTH = num(x, "doc_id");
			CHECK_STR(str(x, "addressee_no"), A_ICHIRO);   /* it names whose number it is */
		} else if (!strcmp(str(x, "reason"), "not_found")) {
			HOLD_UNKNOWN = num(x, "doc_id");
		}
	}
	CHECK(HOLD_BIRTH > 0 && HOLD_UNKNOWN > 0);
	json_decref(h);
}

/* Held documents page: a list that stops says so and can continue. */
static void test_holds_page(void)
{
	json_t *p1 = holds(0, 1);
	CHECK_INT(json_array_size(json_object_get(p1, "held")), 1);
	CHECK(json_is_true(json_object_get(p1, "truncated")));
	json_int_t next = num(p1, "next_after");
	CHECK_INT(next, num(json_array_get(json_object_get(p1, "held"), 0), "doc_id"));
	json_t *p2 = holds(next, 1);
	CHECK_INT(json_array_size(json_object_get(p2, "held")), 1);
	CHECK(json_is_false(json_object_get(p2, "truncated")));
	CHECK(json_is_null(json_object_get(p2, "next_after")));
	CHECK(num(json_array_get(json_object_get(p2, "held"), 0), "doc_id") > next);
	json_decref(p1);
	json_decref(p2);
	/* a limit beyond the page's maximum is refused, naming it */
	door *d = open_tax(DOOR_READ);
	tax_page big = {0, TAX_HOLDS_MAX + 1};
	json_t *out = NULL;
	at_error e = {0};
	CHECK_INT(tax_holds(d, FY, &big, &out, &e), -1);
	CHECK_STR(e.field, "limit");
	door_abort(d);
}

static void test_decisions(void)
{
	json_t *res = NULL;
	at_error e = {0};
	/* refusals name the field and leave the document held */
	CHECK_INT(decide(HOLD_BIRTH, J("{'action':'merge'}"), &res, &e), -1);
	CHECK_STR(e.field, "action");
	CHECK_INT(decide(HOLD_BIRTH, J("{'action':'confirm'}"), &res, &e), -1);
	CHECK_STR(e.field, "addressee_no");
	CHECK_INT(decide(HOLD_BIRTH, J("{'action':'confirm','addressee_no':'%s'}", A_NEW), &res, &e),
		  -1);
	CHECK_INT(e.status, 409);   /* not taxed here */
	CHECK_INT(decide(HOLD_BIRTH, J("{'action':'forward','destination':'13112'}"), &res, &e), -1);
	CHECK_STR(e.field, "destination");
	json_t *h = holds(0, 0);
	CHECK_INT(json_array_size(json_object_get(h, "held")), 2);
	json_decref(h);

	/* identity confirmed by staff: the second employer's report is his */
	CHECK_INT(decide(HOLD_BIRTH, J("{'action':'confirm','addressee_no':'%s'}", A_ICHIRO), &res,
			 &e), 0);
	json_decref(res);
	/* the unknown person lives in 世田谷区: forwarded, only the log stays */
	CHECK_INT(decide(HOLD_UNKNOWN, J("{'action':'forward','destination':'131121'}"), &res, &e),
		  0);
	json_decref(res);
	CHECK_INT(decide(HOLD_UNKNOWN, J("{'action':'reject'}"), &res, &e), -1);
	CHECK_INT(e.status, 404);
	h = holds(0, 0);
	CHECK_INT(json_array_size(json_object_get(h, "held")), 0);
	json_decref(h);

	/* the forwarding log: the newcomer's report and the stranger's, a page at a time */
	door *d = open_tax(DOOR_READ);
	tax_page one = {0, 1};
	json_t *p1 = NULL, *p2 = NULL;
	CHECK_INT(tax_forwarding(d, FY, &one, &p1, &e), 0);
	CHECK_INT(json_array_size(json_object_get(p1, "forwarded")), 1);
	CHECK(json_is_true(json_object_get(p1, "truncated")));
	one.after = num(p1, "next_after");
	CHECK_INT(tax_forwarding(d, FY, &one, &p2, &e), 0);
	CHECK_INT(json_array_size(json_object_get(p2, "forwarded")), 1);
	CHECK(json_is_false(json_object_get(p2, "truncated")));
	CHECK_STR(str(json_array_get(json_object_get(p2, "forwarded"), 0), "destination"), "131121");
	char *dump = json_dumps(p2, 0);
	CHECK(strstr(dump, "世田谷") == NULL);   /* the log keeps no document */
	free(dump);
	json_decref(p1);
	json_decref(p2);
	CHECK_INT(finish(d, 0), 0);
}

/* ---- the annual batch ------------------------------------------------------ */

static int64_t ANNUAL_ICHIRO;

static void test_assess(void)
{
	door_ctx c = ctx("tax1", TAX_BUSINESS, "令和8年度当初課税");
	json_t *sum = NULL;
	at_error e = {0};
	CHECK_INT(tax_assess(S, KR, &c, LAW, FY, 1, &sum, &e), 0);
	if (!sum)
		fprintf(stderr, "  assess: %s\n", e.message);
	CHECK_INT(num(sum, "assessed"), 4);
	json_decref(sum);
	CHECK_INT(tax_assess(S, KR, &c, LAW, FY, 1, &sum, &e), 0);
	CHECK_INT(num(sum, "assessed"), 0);   /* a rerun does nothing twice */
	json_decref(sum);

	/* 一郎: both salaries merged, special collection by the main employer */
	json_t *p = person(A_ICHIRO);
	json_t *v = latest(p);
	CHECK_INT(json_array_size(json_object_get(p, "versions")), 1);
	CHECK_STR(str(v, "method"), "special");
	CHECK_STR(str(v, "payer_id"), EMPLOYER);
	CHECK_INT(json_integer_value(json_object_get(json_object_get(json_object_get(
			  json_object_get(v, "base"), "taxpayer"), "income"), "salary_revenue")),
		  5800000);
	ANNUAL_ICHIRO = num(v, "annual_tax");
	CHECK(ANNUAL_ICHIRO > 0);
	int64_t sum12 = 0;
	size_t i;
	json_t *x;
	json_array_foreach(json_object_get(v, "schedule"), i, x)
		sum12 += num(x, "amount");
	CHECK_INT(json_array_size(json_object_get(v, "schedule")), 12);
	CHECK_INT(sum12, ANNUAL_ICHIRO);
	json_decref(p);

	/* 和子, born 2 April 1961, is 65 on 1 April 2026 (年齢計算ニ関スル法律):
	 * her pension part is deducted from her pension (地方税法321条の7の2) */
	p = person(A_KAZUKO);
	v = latest(p);
	CHECK(num(v, "annual_tax") > 0);
	CHECK(strstr(str(v, "method"), "pension") != NULL);
	json_decref(p);
	/* 次郎, born 3 April 1961, is 64 on that day: ordinary collection on
	 * 所沢市's 納期 (data/municipalities/112089.json) */
	p = person(A_JIRO);
	v = latest(p);
	CHECK_STR(str(v, "method"), "ordinary");
	json_t *sch = json_object_get(v, "schedule");
	CHECK_INT(json_array_size(sch), 4);
	static const char *const months[] = {"2026-06", "2026-08", "2026-10", "2027-01"};
	sum12 = 0;
	json_array_foreach(sch, i, x) {
		if (i < 4)
			CHECK_STR(str(x, "month"), months[i]);
		sum12 += num(x, "amount");
	}
	CHECK_INT(sum12, num(v, "annual_tax"));
	json_decref(p);
}

/* ---- corrections (更正) ------------------------------------------------------ */

static void test_reassess(void)
{
	/* amended reports for two people: each supersedes the first */
	strbuf f = STRBUF_INIT;
	sb_init(&f);
	salary(&f, MN_ICHIRO, "所沢　一郎", "トコロザワ　イチロウ", (at_date){1980, 5, 12}, 5600000);
	salary(&f, MN_HANAKO, "所沢　花子", "トコロザワ　ハナコ", (at_date){1982, 7, 1}, 3300000);
	at_error e = {0};
	json_t *sum = intake(TAX_DOC_SALARY, &f, &e);
	CHECK_INT(num(sum, "superseded"), 2);
	json_decref(sum);
	sb_release(&f);

	/* one person a chunk: all are corrected, nothing stops at the chunk */
	door_ctx c = ctx("tax1", TAX_BUSINESS, "更正");
	CHECK_INT(tax_reassess(S, KR, &c, LAW, FY, (at_date){2026, 5, 28}, 1, &sum, &e), 0);
	if (!sum)
		fprintf(stderr, "  reassess: %s\n", e.message);
	CHECK_INT(num(sum, "reassessed"), 2);
	CHECK_INT(num(sum, "chunks"), 2);
	CHECK_INT(json_array_size(json_object_get(sum, "employers")), 1);
	CHECK_STR(json_string_value(json_array_get(json_object_get(sum, "employers"), 0)), EMPLOYER);
	json_int_t diff = num(json_array_get(json_object_get(sum, "persons"), 0), "difference");
	CHECK(diff > 0);
	json_decref(sum);
	/* a second run finds nothing left */
	CHECK_INT(tax_reassess(S, KR, &c, LAW, FY, (at_date){2026, 5, 28}, 1, &sum, &e), 0);
	CHECK_INT(num(sum, "reassessed"), 0);
	json_decref(sum);

	/* the old version is kept; the new one records the difference */
	json_t *p = person(A_ICHIRO);
	json_t *vs = json_object_get(p, "versions");
	CHECK_INT(json_array_size(vs), 2);
	CHECK_INT(num(json_array_get(vs, 1), "annual_tax"), ANNUAL_ICHIRO);
	CHECK_INT(num(json_array_get(vs, 0), "difference"), diff);
	CHECK_INT(num(json_array_get(vs, 0), "annual_tax"), ANNUAL_ICHIRO + diff);
	json_decref(p);

	/* the statutory period (地方税法17条の5): long past, refused */
	CHECK_INT(tax_reassess(S, KR, &c, LAW, FY, (at_date){2040, 1, 1}, 0, &sum, &e), -1);
	CHECK_STR(e.field, "fiscal_year");
}

/* ---- documents: what 所沢市 issues ------------------------------------------ */

static char *pdf_text(const json_t *doc, const char *name)
{
	strbuf pdf = STRBUF_INIT;
	sb_init(&pdf);
	at_error e = {0};
	if (document_render_pdf(doc, &pdf, &e)) {
		fprintf(stderr, "render %s: %s (%s)\n", name, e.message, e.field);
		sb_release(&pdf);
		return NULL;
	}
	const char *tmp = getenv("ATENA_TEST_TMP");
	char path[700], cmd[800];
	snprintf(path, sizeof path, "%s/%s-%d.pdf", tmp && *tmp ? tmp : "/tmp", name, (int)getpid());
	FILE *f = fopen(path, "wb");
	if (!f) {
		sb_release(&pdf);
		return NULL;
	}
	fwrite(pdf.buf, 1, pdf.len, f);
	fclose(f);
	sb_release(&pdf);
	snprintf(cmd, sizeof cmd, "pdftotext -enc UTF-8 '%s' -", path);
	FILE *p = popen(cmd, "r");
	strbuf out = STRBUF_INIT;
	sb_init(&out);
	char buf[4096];
	size_t n;
	while (p && (n = fread(buf, 1, sizeof buf, p)) > 0)
		for (size_t i = 0; i < n; i++)
			if (buf[i] != ' ' && buf[i] != '\n' && buf[i] != '\f')
				sb_add(&out, buf + i, 1);
	if (p)
		pclose(p);
	remove(path);
	return sb_detach(&out);
}

static void test_notices(void)
{
	door *d = open_tax(DOOR_READ);
	json_t *doc = NULL;
	at_error e = {0};
	/* 次郎's 税額決定通知書 兼 納税通知書 (普通徴収) */
	CHECK_INT(tax_document(d, KR, LAW, FY, A_JIRO, "tax_decision", &doc, &e), 0);
	if (!doc)
		fprintf(stderr, "  tax_decision: %s\n", e.message);
	CHECK_STR(str(doc, "municipality"), "埼玉県所沢市");
	CHECK_STR(str(doc, "issuer"), "埼玉県所沢市長");
	CHECK_STR(str(doc, "municipal_tax_name"), "市民税");
	CHECK_STR(str(doc, "prefectural_tax_name"), "県民税");
	CHECK_INT(json_array_size(json_object_get(doc, "installments")), 4);
	char *text = doc ? pdf_text(doc, "tax-decision") : NULL;
	CHECK(text && strstr(text, "市民税・県民税") != NULL);
	CHECK(text && strstr(text, "所沢市長") != NULL);
	CHECK(text && strstr(text, "都民税") == NULL);
	CHECK(text && strstr(text, "所沢次郎") != NULL);   /* the name from the register */
	free(text);
	json_decref(doc);
	CHECK_INT(finish(d, 0), 0);

	/* the employer's notice, one employee a sheet: each sheet says so */
	d = open_tax(DOOR_READ);
	tax_page one = {0, 1};
	json_t *s1 = NULL, *s2 = NULL;
	CHECK_INT(tax_employer_notice(d, KR, LAW, FY, EMPLOYER, &one, &s1, &e), 0);
	CHECK_INT(json_array_size(json_object_get(s1, "employees")), 1);
	json_t *sheet = json_object_get(s1, "sheet");
	CHECK(json_is_true(json_object_get(sheet, "continues")));
	CHECK(json_is_false(json_object_get(sheet, "continued")));
	CHECK_STR(str(sheet, "next_after"), A_ICHIRO);
	one.after = atoll(A_ICHIRO);
	CHECK_INT(tax_employer_notice(d, KR, LAW, FY, EMPLOYER, &one, &s2, &e), 0);
	CHECK_INT(json_array_size(json_object_get(s2, "employees")), 1);
	sheet = json_object_get(s2, "sheet");
	CHECK(json_is_true(json_object_get(sheet, "continued")));
	CHECK(json_is_false(json_object_get(sheet, "continues")));
	CHECK(json_is_null(json_object_get(sheet, "next_after")));
	CHECK_STR(str(json_array_get(json_object_get(s2, "employees"), 0), "employee_no"), A_HANAKO);
	CHECK(json_is_true(json_object_get(s2, "revised")));   /* both were corrected */
	text = s1 ? pdf_text(s1, "employer-sheet1") : NULL;
	CHECK(text && strstr(text, "次葉に続く") != NULL);
	CHECK(text && strstr(text, "本葉の人数") != NULL);
	free(text);
	json_decref(s1);
	json_decref(s2);
	/* the whole list on one sheet: no sheet marker */
	CHECK_INT(tax_employer_notice(d, KR, LAW, FY, EMPLOYER, NULL, &s1, &e), 0);
	CHECK_INT(json_array_size(json_object_get(s1, "employees")), 2);
	CHECK(json_object_get(s1, "sheet") == NULL);
	json_decref(s1);
	CHECK_INT(finish(d, 0), 0);

	/* and the register's certificate names 所沢市 and its head's title */
	door_ctx c = ctx("clerk1", REGISTRY_BUSINESS, "住民票の写しの交付");
	CHECK_INT(door_open_owner(S, KR, &c, DOOR_WRITE, &registry_owner, &d, &e), 0);
	json_t *cert = NULL;
	json_t *req = J("{'kind':'juminhyo','addressee_no':'%s','requester':{'relation':'self',"
			"'name':'所沢 一郎'},'purpose':'年金手続'}", A_ICHIRO);
	CHECK_INT(registry_certificate(d, req, &cert, &e), 0);
	if (!cert)
		fprintf(stderr, "  certificate: %s: %s\n", e.field, e.message);
	json_decref(req);
	CHECK_STR(str(cert, "municipality"), "埼玉県所沢市");
	CHECK_STR(str(cert, "certifier"), "埼玉県所沢市長");
	text = cert ? pdf_text(cert, "juminhyo") : NULL;
	CHECK(text && strstr(text, "埼玉県所沢市長") != NULL);
	free(text);
	json_decref(cert);
	CHECK_INT(finish(d, 0), 0);
}

/* support_measure_view alerts about `ano` written under `business`. */
static int count_alerts(const char *ano, const char *business)
{
	audit_filter f = {.subject = ano, .limit = 1000};
	json_t *evs = NULL;
	at_error e;
	if (audit_query(S, &f, &evs, &e))
		return -1;
	int n = 0;
	size_t i;
	json_t *ev;
	json_array_foreach(evs, i, ev)
		if (!strcmp(str(ev, "operation"), "support_measure_view") &&
		    !strcmp(str(ev, "outcome"), AUDIT_ALERT) && !strcmp(str(ev, "business"), business))
			n++;
	json_decref(evs);
	return n;
}

static int support_measure(const char *ano, bool on)
{
	door_ctx c = ctx("clerk1", REGISTRY_BUSINESS, "支援措置申出の受付");
	door *d = NULL;
	at_error e;
	if (door_open_owner(S, KR, &c, DOOR_WRITE, &registry_owner, &d, &e))
		return -1;
	return finish(d, registry_support_measure(d, ano, on, &e));
}

/* The alert follows the person (issue 9 §5): a support-measure (支援措置)
 * resident's tax assessment, kept in the tax module's own tables, alerts as
 * a view of their register record does; a person without one raises none. */
static void test_support_measure_follows_person(void)
{
	CHECK_INT(support_measure(A_ICHIRO, true), 0);
	int before = count_alerts(A_ICHIRO, TAX_BUSINESS);
	int other = count_alerts(A_HANAKO, TAX_BUSINESS);
	json_t *p = person(A_ICHIRO);
	CHECK(latest(p) != NULL);
	json_decref(p);
	CHECK_INT(count_alerts(A_ICHIRO, TAX_BUSINESS) - before, 1);
	p = person(A_HANAKO);
	CHECK(latest(p) != NULL);
	json_decref(p);
	CHECK_INT(count_alerts(A_HANAKO, TAX_BUSINESS) - other, 0);
	/* Cleared: no more alerts. */
	CHECK_INT(support_measure(A_ICHIRO, false), 0);
	p = person(A_ICHIRO);
	json_decref(p);
	CHECK_INT(count_alerts(A_ICHIRO, TAX_BUSINESS) - before, 1);
}

/* A view-only grant cannot change the tax file, and nothing changes. */
/* ---- 住登外 taxpayers registered after the batch (issue 9 §5) ---------------- */

/* How many events `op` the log holds about `subject`. */
static int64_t events_about(const char *subject, const char *op)
{
	audit_filter f = {.subject = subject, .limit = 1000};
	json_t *arr = NULL;
	at_error e;
	if (audit_query(S, &f, &arr, &e))
		return -1;
	int64_t n = 0;
	size_t i;
	json_t *ev;
	json_array_foreach(arr, i, ev)
		n += !strcmp(str(ev, "operation"), op);
	json_decref(arr);
	return n;
}

/* The 住登外 taxpayer a held document's decision puts on the roll. */
static void register_nonresident(int64_t doc_id, char ano[16])
{
	json_t *res = NULL;
	at_error e = {0};
	ano[0] = 0;
	CHECK_INT(decide(doc_id, J("{'action':'nonresident','kind':'deemed'}"), &res, &e), 0);
	if (res)
		snprintf(ano, 16, "%s", str(res, "addressee_no") ? str(res, "addressee_no") : "");
	json_decref(res);
	CHECK(ano[0] == '9');
}

static size_t versions_of(const char *ano)
{
	json_t *p = person(ano);
	size_t n = json_array_size(json_object_get(p, "versions"));
	json_decref(p);
	return n;
}

static void test_nonresident_after_batch(void)
{
	/* three reports for people nobody on the roll is, from an employer
	 * outside the city: held for inquiry (税務調査), doc ids in this order */
	char mn[3][13];
	mk_mynumber("62345678901", mn[0]);
	mk_mynumber("72345678901", mn[1]);
	mk_mynumber("82345678901", mn[2]);
	strbuf f = STRBUF_INIT;
	sb_init(&f);
	salary_from(&f, "00770001", mn[0], "川越　一太", "カワゴエ　イチタ", (at_date){1975, 3, 3}, 4200000);
	salary_from(&f, "00770001", mn[1], "川越　二太", "カワゴエ　ニタ", (at_date){1976, 4, 4}, 3900000);
	salary_from(&f, "00770001", mn[2], "川越　三太", "カワゴエ　サンタ", (at_date){1977, 5, 5}, 3600000);
	at_error e = {0};
	json_t *sum = intake(TAX_DOC_SALARY, &f, &e);
	CHECK_INT(num(sum, "held"), 3);
	json_decref(sum);
	sb_release(&f);
	int64_t doc[3] = {0};
	json_t *h = holds(0, 0);
	size_t i, k = 0;
	json_t *x;
	json_array_foreach(json_object_get(h, "held"), i, x)
		if (k < 3)
			doc[k++] = num(x, "doc_id");
	json_decref(h);
	CHECK_INT(k, 3);
	CHECK(doc[0] < doc[1] && doc[1] < doc[2]);

	/* the last one is registered as 住登外 (地方税法294条3項) and a rerun of the
	 * finished batch assesses them: the batch has now passed their number */
	door_ctx c = ctx("tax1", TAX_BUSINESS, "住登外課税");
	char late[16], early[16], third[16];
	register_nonresident(doc[2], late);
	CHECK_INT(tax_assess(S, KR, &c, LAW, FY, 1, &sum, &e), 0);
	CHECK_INT(num(sum, "assessed"), 1);
	json_decref(sum);
	/* then the first: a lower number than the last the batch did */
	register_nonresident(doc[0], early);
	CHECK(strcmp(early, late) < 0);
	CHECK_INT(tax_assess(S, KR, &c, LAW, FY, 1, &sum, &e), 0);
	if (!sum)
		fprintf(stderr, "  assess: %s\n", e.message);
	CHECK_INT(num(sum, "assessed"), 1);   /* them, and nobody twice */
	CHECK(num(sum, "total_tax") > 0);
	json_decref(sum);
	json_t *p = person(early);
	CHECK_INT(json_array_size(json_object_get(p, "versions")), 1);
	CHECK_STR(str(latest(p), "reason"), "initial");
	CHECK(num(latest(p), "annual_tax") > 0);   /* taxed in full: deemed */
	json_decref(p);
	CHECK_INT(events_about(early, "tax.assess"), 1);
	CHECK_INT(versions_of(late), 1);
	CHECK_INT(events_about(late, "tax.assess"), 1);
	CHECK_INT(versions_of(A_ICHIRO), 2);   /* the corrected one keeps its two */

	/* a correction run gives the next one their first assessment too */
	register_nonresident(doc[1], third);
	door_ctx rc = ctx("tax1", TAX_BUSINESS, "更正");
	CHECK_INT(tax_reassess(S, KR, &rc, LAW, FY, (at_date){2026, 5, 28}, 1, &sum, &e), 0);
	if (!sum)
		fprintf(stderr, "  reassess: %s\n", e.message);
	CHECK_INT(num(sum, "assessed"), 1);
	CHECK_INT(num(sum, "reassessed"), 0);   /* a first assessment is no correction */
	json_decref(sum);
	p = person(third);
	CHECK_INT(json_array_size(json_object_get(p, "versions")), 1);
	CHECK_STR(str(latest(p), "reason"), "initial");
	json_decref(p);
	CHECK_INT(events_about(third, "tax.assess"), 1);
	CHECK_INT(events_about(third, "tax.correct"), 0);
	/* and neither run does anything twice */
	CHECK_INT(tax_reassess(S, KR, &rc, LAW, FY, (at_date){2026, 5, 28}, 1, &sum, &e), 0);
	CHECK_INT(num(sum, "assessed") + num(sum, "reassessed"), 0);
	json_decref(sum);
	CHECK_INT(tax_assess(S, KR, &c, LAW, FY, 1, &sum, &e), 0);
	CHECK_INT(num(sum, "assessed"), 0);
	json_decref(sum);
	CHECK_INT(versions_of(third), 1);
}

/* Before a year's annual batch has run, its roll persons are the batch's: a
 * correction run does not assess them. */
static void test_reassess_before_batch(void)
{
	/* a taxpayer of the year before, from the previous system's roll */
	door *d = open_tax(DOOR_WRITE);
	json_t *sum = NULL;
	at_error e = {0};
	tax_roll_person rp = {.addressee_no = "0000000901", .name = "所沢　旧蔵",
			      .name_kana = "トコロザワ　キュウゾウ", .birth_date = {1950, 6, 1},
			      .resident = true};
	CHECK_INT(finish(d, tax_roll_put(d, KR, FY - 1, &rp, &e)), 0);
	door_ctx c = ctx("tax1", TAX_BUSINESS, "更正");
	CHECK_INT(tax_reassess(S, KR, &c, LAW, FY - 1, (at_date){2026, 5, 28}, 0, &sum, &e), 0);
	if (!sum)
		fprintf(stderr, "  reassess %d: %s\n", FY - 1, e.message);
	CHECK_INT(num(sum, "assessed"), 0);
	json_decref(sum);
	/* the batch, when it runs, is the one that assesses them */
	CHECK_INT(tax_assess(S, KR, &c, LAW, FY - 1, 100, &sum, &e), 0);
	CHECK_INT(num(sum, "assessed"), 1);
	json_decref(sum);
}

static void test_view_only(void)
{
	door_ctx c = ctx("tax2", TAX_BUSINESS, "照会");
	door *d = NULL;
	at_error e = {0};
	CHECK(door_open_owner(S, KR, &c, DOOR_WRITE, &tax_owner, &d, &e) != 0);
	CHECK_INT(e.status, 403);
}

int main(void)
{
	setup();
	RUN(test_identity_data);
	RUN(test_roll);
	RUN(test_intake_and_matching);
	RUN(test_holds_page);
	RUN(test_decisions);
	RUN(test_assess);
	RUN(test_reassess);
	RUN(test_notices);
	RUN(test_nonresident_after_batch);
	RUN(test_reassess_before_batch);
	RUN(test_support_measure_follows_person);
	RUN(test_view_only);
	store_close(S);
	keyring_free(KR);
	tax_law_free(LAW);
	documents_shutdown();
	return test_report();
}
