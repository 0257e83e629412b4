/*
 * Unit tests for the resident tax's documents (documents/tax_notice.h): each
 * kind rendered to PDF and read back with poppler's pdftotext and pdfinfo
 * -layout (the amounts, names and dates it must show, row by row; a 300-employee employer notice
 * over many pages; hostile names printed literally); refusals naming the
 * field. Samples are left in $ATENA_TEST_TMP/sample-tax-*.pdf for eyes.
 *
 * The amounts are one consistent case (derivations beside them), so the
 * documents' own add-up checks pass: salary 5,000,000 → 給与所得 3,560,000
 * (5,000,000 × 20% + 440,000 = 1,440,000 deducted); deductions 700,000 +
 * 430,000 = 1,130,000; 課税標準 2,430,000; 所得割 6% 145,800 / 4% 97,200,
 * 調整控除 1,500 / 1,000 → 144,300 / 96,200; 均等割 3,000 / 1,000; 森林環境税
 * 1,000; 年税額 144,300 + 3,000 + 96,200 + 1,000 + 1,000 = 245,500.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/strbuf.h"
#include "documents/documents.h"
#include "registry/registry.h"
#include "tax/tax.h"
#include "test.h"

/* ---- helpers (as in test_documents.c) ------------------------------------------ */

static const char *tmpdir(void)
{
	const char *t = getenv("ATENA_TEST_TMP");
	return t && *t ? t : "/tmp";
}

static char *run(const char *cmd)
{
	FILE *p = popen(cmd, "r");
	if (!p)
		return NULL;
	strbuf sb = STRBUF_INIT;
	sb_init(&sb);
	char buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, p)) > 0)
		sb_add(&sb, buf, n);
	int rc = pclose(p);
	if (rc != 0) {
		fprintf(stderr, "command failed (%d): %s\n", rc, cmd);
		sb_release(&sb);
		return NULL;
	}
	return sb_detach(&sb);
}

/* White space removed (pdftotext splits and spaces text out). */
static void squeeze(char *s)
{
	char *w = s;
	for (char *r = s; *r; r++) {
		if (*r == ' ' || *r == '\n' || *r == '\t' || *r == '\f' || *r == '\r')
			continue;
		if ((unsigned char)r[0] == 0xE3 && (unsigned char)r[1] == 0x80 &&
		    (unsigned char)r[2] == 0x80) {   /* U+3000 */
			r += 2;
			continue;
		}
		*w++ = *r;
	}
	*w = '\0';
}

static int contains(const char *hay, const char *needle)
{
	char *n = strdup(needle);
	squeeze(n);
	int r = hay && strstr(hay, n) != NULL;
	free(n);
	return r;
}

static int count(const char *hay, const char *needle)
{
	char *n = strdup(needle);
	squeeze(n);
	int k = 0;
	for (const char *p = hay; p && (p = strstr(p, n)); p += strlen(n))
		k++;
	free(n);
	return k;
}

typedef struct rendered {
	char path[512];
	char *text;   /* squeezed pdftotext output */
	int pages;
	int ok;
} rendered;

static rendered render(json_t *doc, const char *name)
{
	rendered r = {0};
	strbuf pdf = STRBUF_INIT;
	sb_init(&pdf);
	at_error err = {0};
	if (document_render_pdf(doc, &pdf, &err)) {
		fprintf(stderr, "render %s: %s (%s)\n", name, err.message, err.field);
		sb_release(&pdf);
		return r;
	}
	CHECK(pdf.len >= 5 && !memcmp(pdf.buf, "%PDF-", 5));
	snprintf(r.path, sizeof r.path, "%s/%s.pdf", tmpdir(), name);
	FILE *f = fopen(r.path, "wb");
	CHECK(f != NULL);
	if (f) {
		CHECK(fwrite(pdf.buf, 1, pdf.len, f) == pdf.len);
		fclose(f);
	}
	sb_release(&pdf);
	char cmd[1200];
	snprintf(cmd, sizeof cmd, "pdftotext -layout -enc UTF-8 '%s' -", r.path);
	r.text = run(cmd);
	if (r.text)
		squeeze(r.text);
	snprintf(cmd, sizeof cmd, "pdfinfo '%s'", r.path);
	char *info = run(cmd);
	const char *pg = info ? strstr(info, "Pages:") : NULL;
	r.pages = pg ? atoi(pg + 6) : -1;
	free(info);
	r.ok = r.text != NULL && r.pages > 0;
	return r;
}

static void rendered_free(rendered *r)
{
	free(r->text);
	r->text = NULL;
	if (r->path[0] && !strstr(r->path, "/sample-"))
		remove(r->path);
}

static json_t *load(const char *js)
{
	json_error_t je;
	json_t *v = json_loads(js, 0, &je);
	if (!v)
		fprintf(stderr, "bad test JSON: %s (line %d)\n", je.text, je.line);
	return v;
}

/* Sets path "a.b" (or "a") of doc to v (stolen). */
static void set(json_t *doc, const char *path, json_t *v)
{
	char buf[128];
	snprintf(buf, sizeof buf, "%s", path);
	char *dot = strchr(buf, '.');
	if (dot) {
		*dot = '\0';
		json_object_set_new(json_object_get(doc, buf), dot + 1, v);
	} else {
		json_object_set_new(doc, buf, v);
	}
}

/* Expects doc refused with err.field == field. */
static void refused(json_t *doc, const char *field)
{
	at_error err = {0};
	int rc = document_check(doc, &err);
	CHECK_INT(rc, -1);
	CHECK_STR(err.field, field);
	if (rc == -1 && strcmp(err.field, field))
		fprintf(stderr, "  (message: %s)\n", err.message);
	CHECK_INT(err.status, 400);
	json_decref(doc);
}

#define COMMON                                                                          \
	"\"fiscal_year\":2025,\"municipality\":\"東京都目黒区\","                       \
	"\"issuer\":\"目黒区長　青木 英二\",\"issued_date\":\"2025-06-10\","           \
	"\"municipal_tax_name\":\"特別区民税\",\"prefectural_tax_name\":\"都民税\","

#define INCOME                                                                          \
	"\"income\":{\"salary_revenue\":5000000,\"salary\":3560000,"                   \
	"\"total_income\":3560000,\"total_income_amount\":3560000},"

#define DEDUCTIONS                                                                      \
	"\"deductions\":{\"social_insurance\":700000,\"basic\":430000,\"total\":1130000},"

#define TAX                                                                             \
	"\"tax\":{\"taxable_income\":2430000,"                                          \
	"\"municipal\":{\"computed\":145800,\"credits\":1500,\"income_levy\":144300,"  \
	"\"per_capita\":3000},"                                                         \
	"\"prefectural\":{\"computed\":97200,\"credits\":1000,\"income_levy\":96200,"  \
	"\"per_capita\":1000},"                                                         \
	"\"forest_environment\":1000,\"credit_details\":{\"adjustment\":2500},"        \
	"\"annual_tax\":245500}"

/* Ordinary collection at 1,000 yen: 245,500 / 4 = 61,375 → 61,000; the 1st
 * 納期 takes 245,500 − 3 × 61,000 = 62,500 (地方税法20条の4の2第6項). */
static json_t *decision(void)
{
	return load("{\"kind\":\"tax_decision\"," COMMON
		    "\"serial\":\"R7-0001\","
		    "\"taxpayer\":{\"name\":\"目黒 太郎\",\"name_kana\":\"めぐろ たろう\","
		    "\"address\":\"東京都目黒区上目黒二丁目19番15号\",\"addressee_no\":\"0000001001\","
		    "\"birth_date\":\"1980-04-12\"}," INCOME DEDUCTIONS TAX ","
		    "\"installments\":["
		    "{\"month\":\"2025-06\",\"amount\":62500},"
		    "{\"month\":\"2025-08\",\"amount\":61000},"
		    "{\"month\":\"2025-10\",\"amount\":61000},"
		    "{\"month\":\"2026-01\",\"amount\":61000}]}");
}

static json_t *employee_obj(const char *name, int64_t annual, const char *no)
{
	/* June takes the remainder below 100 yen × 12 (地方税法321条の5第1項) */
	int64_t each = annual / 12 / 100 * 100;
	json_t *m = json_array();
	json_array_append_new(m, json_integer(annual - 11 * each));
	for (int i = 0; i < 11; i++)
		json_array_append_new(m, json_integer(each));
	return json_pack("{s:s, s:s, s:I, s:o}", "name", name, "employee_no", no, "annual_tax",
			 (json_int_t)annual, "monthly", m);
}

static json_t *employer(size_t n)
{
	json_t *doc = load("{\"kind\":\"special_collection_employer\"," COMMON
			   "\"serial\":\"T-2025-77\","
			   "\"employer\":{\"name\":\"株式会社目黒商事\",\"number\":\"00012345\","
			   "\"address\":\"東京都目黒区中目黒一丁目1番1号\"}}");
	json_t *es = json_array();
	for (size_t i = 0; i < n; i++) {
		char name[64], no[32];
		snprintf(name, sizeof name, "従業員%zu", i + 1);
		snprintf(no, sizeof no, "E%05zu", i + 1);
		json_array_append_new(es, employee_obj(name, 123456, no));
	}
	json_object_set_new(doc, "employees", es);
	return doc;
}

static json_t *employee_notice(void)
{
	json_t *doc = load("{\"kind\":\"special_collection_employee\"," COMMON
			   "\"employer\":{\"name\":\"株式会社目黒商事\",\"number\":\"00012345\"},"
			   "\"employee\":{\"name\":\"中目黒 花子\",\"name_kana\":\"なかめぐろ はなこ\","
			   "\"employee_no\":\"E00042\",\"my_number\":\"123456789018\","
			   "\"address\":\"東京都目黒区中町一丁目2番3号\"}," INCOME DEDUCTIONS TAX "}");
	/* 245,500 / 12 = 20,458 → 20,400; June 245,500 − 224,400 = 21,100 */
	json_t *m = json_array();
	json_array_append_new(m, json_integer(21100));
	for (int i = 0; i < 11; i++)
		json_array_append_new(m, json_integer(20400));
	json_object_set_new(doc, "monthly", m);
	return doc;
}

static json_t *certificate(void)
{
	return load("{\"kind\":\"tax_certificate\"," COMMON
		    "\"serial\":12345,"
		    "\"person\":{\"name\":\"目黒 太郎\",\"name_kana\":\"めぐろ たろう\","
		    "\"address\":\"東京都目黒区上目黒二丁目19番15号\",\"birth_date\":\"1980-04-12\"},"
		    INCOME DEDUCTIONS TAX ","
		    "\"family\":{\"spouse\":true,\"dependants\":2,\"specified\":1,\"under_16\":1},"
		    "\"purpose\":\"保育園入園申込みのため\"}");
}

/* ---- rendering ------------------------------------------------------------------ */

static void test_kinds_known(void)
{
	CHECK(document_kind_known("tax_decision"));
	CHECK(document_kind_known("special_collection_employer"));
	CHECK(document_kind_known("special_collection_employee"));
	CHECK(document_kind_known("tax_certificate"));
	CHECK(document_kind_known("juminhyo"));
	CHECK(!document_kind_known("tax_notice"));
	at_error err;
	json_t *d = decision();
	CHECK_INT(document_check(d, &err), 0);
	json_decref(d);
	/* the kinds are the modules': adding an array again changes nothing, a
	 * second array claiming a kind is refused */
	CHECK_INT(document_kinds_add(tax_document_kinds, &err), 0);
	static const document_kind clash[] = {{"tax_decision", NULL}, {NULL, NULL}};
	CHECK_INT(document_kinds_add(clash, &err), -1);
	CHECK_STR(err.field, "kind");
	d = load("{\"kind\":\"tax_notice\"}");
	CHECK_INT(document_check(d, &err), -1);
	CHECK_STR(err.field, "kind");
	CHECK(strstr(err.message, "tax_decision") != NULL);   /* it names the kinds there are */
	json_decref(d);
}

static void test_decision(void)
{
	json_t *d = decision();
	rendered r = render(d, "sample-tax-decision");
	CHECK(r.ok);
	CHECK(contains(r.text, "特別区民税・都民税"));
	CHECK(contains(r.text, "税額決定通知書 兼 納税通知書"));
	CHECK(contains(r.text, "令和7年度"));
	CHECK(contains(r.text, "目黒 太郎"));
	CHECK(contains(r.text, "めぐろ たろう"));
	CHECK(contains(r.text, "東京都目黒区上目黒二丁目19番15号"));
	CHECK(contains(r.text, "給与収入5,000,000円"));
	CHECK(contains(r.text, "給与所得3,560,000円"));
	CHECK(contains(r.text, "所得控除額合計1,130,000円"));
	CHECK(contains(r.text, "課税標準額2,430,000円"));
	CHECK(contains(r.text, "所得割額144,300円96,200円240,500円"));
	CHECK(contains(r.text, "均等割額3,000円1,000円4,000円"));
	CHECK(contains(r.text, "森林環境税1,000円"));
	CHECK(contains(r.text, "調整控除2,500円"));
	CHECK(contains(r.text, "年税額245,500円"));
	/* the installments with their 納期限 (last day of the month by default) */
	CHECK(contains(r.text, "第1期令和7年6月30日62,500円"));
	CHECK(contains(r.text, "第2期令和7年8月31日61,000円"));
	CHECK(contains(r.text, "第4期令和8年1月31日61,000円"));
	CHECK(contains(r.text, "合計245,500円"));
	CHECK(contains(r.text, "目黒区長"));
	CHECK(contains(r.text, "令和7年6月10日"));
	CHECK(contains(r.text, "地方税法第319条の2及び第320条"));
	CHECK(contains(r.text, "R7-0001"));
	CHECK(!contains(r.text, "変更"));
	CHECK_INT(r.pages, 1);
	rendered_free(&r);

	/* the municipality's own 納期限, and pension installments in the same notice
	 * (the first year of pension special collection: half by ordinary
	 * collection, half from the pension October..February) */
	json_t *inst = load("[{\"month\":\"2025-06\",\"due_date\":\"2025-06-30\",\"amount\":61400},"
			    "{\"month\":\"2025-08\",\"due_date\":\"2025-09-01\",\"amount\":61300},"
			    "{\"month\":\"2025-10\",\"amount\":41000,\"kind\":\"pension_main\"},"
			    "{\"month\":\"2025-12\",\"amount\":40900,\"kind\":\"pension_main\"},"
			    "{\"month\":\"2026-02\",\"amount\":40900,\"kind\":\"pension_main\"}]");
	set(d, "installments", inst);
	r = render(d, "tax-decision-pension");
	CHECK(r.ok);
	CHECK(contains(r.text, "第2期令和7年9月1日61,300円"));
	CHECK(contains(r.text, "年金特徴（本徴収）令和7年10月分41,000円"));
	CHECK(contains(r.text, "年金特徴（本徴収）令和8年2月分40,900円"));
	rendered_free(&r);
	json_decref(d);
}

static void test_decision_revised(void)
{
	/* Up from 260,000? no — down from 260,000 to 245,500 after June and
	 * August were due (65,000 each of the old 4 × 65,000): 115,500 left over
	 * October and January: 57,750 → 57,000, October 58,500. */
	json_t *d = decision();
	set(d, "revised", json_true());
	set(d, "previous_annual_tax", json_integer(260000));
	set(d, "revision_reason", json_string("所得の更正による"));
	set(d, "revised_from", json_string("2025-10"));
	set(d, "installments",
	    load("[{\"month\":\"2025-06\",\"amount\":65000},{\"month\":\"2025-08\",\"amount\":65000},"
		 "{\"month\":\"2025-10\",\"amount\":58500},{\"month\":\"2026-01\",\"amount\":57000}]"));
	rendered r = render(d, "sample-tax-decision-revised");
	CHECK(r.ok);
	CHECK(contains(r.text, "税額変更通知書 兼 納税通知書"));
	CHECK(contains(r.text, "変更前の年税額260,000円"));
	CHECK(contains(r.text, "変更後の年税額245,500円"));
	CHECK(contains(r.text, "差引増減額△14,500円"));
	CHECK(contains(r.text, "所得の更正による"));
	CHECK(contains(r.text, "令和7年10月分から"));
	CHECK(contains(r.text, "第3期令和7年10月31日58,500円"));
	CHECK(contains(r.text, "変更したので通知します"));
	rendered_free(&r);

	/* Down to 125,500 with 130,000 already due: the open 納期 are 0 and
	 * 4,500 is refunded (income levies 72,300 / 48,200: 72,300 + 3,000 +
	 * 48,200 + 1,000 + 1,000 = 125,500). */
	json_t *tax = json_object_get(d, "tax");
	json_object_set_new(json_object_get(tax, "municipal"), "income_levy", json_integer(72300));
	json_object_set_new(json_object_get(tax, "prefectural"), "income_levy", json_integer(48200));
	json_object_set_new(tax, "annual_tax", json_integer(125500));
	set(d, "installments",
	    load("[{\"month\":\"2025-06\",\"amount\":65000},{\"month\":\"2025-08\",\"amount\":65000},"
		 "{\"month\":\"2025-10\",\"amount\":0},{\"month\":\"2026-01\",\"amount\":0}]"));
	set(d, "refund", json_integer(4500));
	r = render(d, "tax-decision-refund");
	CHECK(r.ok);
	CHECK(contains(r.text, "還付額4,500円"));
	CHECK(contains(r.text, "差引増減額△134,500円"));
	CHECK(contains(r.text, "合計130,000円"));
	rendered_free(&r);
	/* without the refund it does not add up */
	json_object_del(d, "refund");
	refused(d, "installments");
}

static void test_employer(void)
{
	json_t *d = employer(3);
	/* a second employee with a different tax: 60,000 → 5,000 every month */
	json_array_set_new(json_object_get(d, "employees"), 1,
			   employee_obj("<b>山田&amp;</b>", 60000, "E00002"));
	rendered r = render(d, "sample-tax-employer");
	CHECK(r.ok);
	CHECK(contains(r.text, "特別徴収税額の決定通知書（特別徴収義務者用）"));
	CHECK(contains(r.text, "株式会社目黒商事"));
	CHECK(contains(r.text, "指定番号00012345"));
	CHECK(contains(r.text, "従業員1"));
	CHECK(contains(r.text, "E00001"));
	/* 123,456: June 11,256, July.. 10,200 */
	CHECK(contains(r.text, "年税額123,456円"));
	CHECK(contains(r.text, "6月11,256円7月10,200円"));
	CHECK(contains(r.text, "<b>山田&amp;</b>"));   /* printed literally */
	CHECK(contains(r.text, "6月5,000円"));
	/* totals: 2 × 123,456 + 60,000 = 306,912; June 2 × 11,256 + 5,000 = 27,512 */
	CHECK(contains(r.text, "人数3人"));
	CHECK(contains(r.text, "年税額合計306,912円"));
	CHECK(contains(r.text, "6月27,512円"));
	CHECK(contains(r.text, "翌月10日までに納入"));
	CHECK(contains(r.text, "地方税法第321条の4"));
	rendered_free(&r);
	json_decref(d);
}

static void test_employer_many_pages(void)
{
	json_t *d = employer(300);
	rendered r = render(d, "tax-employer-300");
	CHECK(r.ok);
	CHECK(r.pages > 10);
	CHECK(contains(r.text, "従業員1"));
	CHECK(contains(r.text, "従業員300"));
	CHECK(contains(r.text, "E00300"));
	/* 300 × 123,456 = 37,036,800; June 300 × 11,256 = 3,376,800 */
	CHECK(contains(r.text, "人数300人"));
	CHECK(contains(r.text, "年税額合計37,036,800円"));
	CHECK(contains(r.text, "6月3,376,800円"));
	/* the employer's box is repeated on every page */
	CHECK(count(r.text, "株式会社目黒商事") >= r.pages);
	char last[32];
	snprintf(last, sizeof last, "%d/%d", r.pages, r.pages);
	CHECK(contains(r.text, last));
	rendered_free(&r);
	json_decref(d);
}

static void test_employer_revised(void)
{
	json_t *d = employer(1);
	set(d, "revised", json_true());
	set(d, "revision_reason", json_string("扶養控除の追加"));
	set(d, "revised_from", json_string("2025-09"));
	json_t *e = json_array_get(json_object_get(d, "employees"), 0);
	json_object_set_new(e, "previous_annual_tax", json_integer(150000));
	rendered r = render(d, "tax-employer-revised");
	CHECK(r.ok);
	CHECK(contains(r.text, "特別徴収税額の変更通知書（特別徴収義務者用）"));
	CHECK(contains(r.text, "変更前税額150,000円"));
	CHECK(contains(r.text, "差引増減額△26,544円"));
	CHECK(contains(r.text, "扶養控除の追加"));
	CHECK(contains(r.text, "令和7年9月分から"));
	CHECK(contains(r.text, "第321条の6第1項"));
	rendered_free(&r);
	/* a revised notice needs the previous tax of each employee */
	json_object_del(e, "previous_annual_tax");
	refused(d, "employees[0].previous_annual_tax");
}

static void test_employee(void)
{
	json_t *d = employee_notice();
	rendered r = render(d, "sample-tax-employee");
	CHECK(r.ok);
	CHECK(contains(r.text, "特別徴収税額の決定通知書（納税義務者用）"));
	CHECK(contains(r.text, "中目黒 花子"));
	CHECK(contains(r.text, "E00042"));
	CHECK(contains(r.text, "123456789018"));
	CHECK(contains(r.text, "株式会社目黒商事"));
	CHECK(contains(r.text, "給与所得3,560,000円"));
	CHECK(contains(r.text, "年税額245,500円"));
	CHECK(contains(r.text, "特別徴収税額245,500円"));
	CHECK(contains(r.text, "6月21,100円7月20,400円"));
	CHECK(contains(r.text, "5月20,400円"));
	rendered_free(&r);
	/* the monthly amounts must add up to the special collection tax */
	json_array_set_new(json_object_get(d, "monthly"), 11, json_integer(20500));
	refused(d, "monthly");
}

static void test_certificate(void)
{
	json_t *d = certificate();
	rendered r = render(d, "sample-tax-certificate");
	CHECK(r.ok);
	CHECK(contains(r.text, "課税（所得）証明書"));
	CHECK(contains(r.text, "令和7年度（令和6年分所得）"));
	CHECK(contains(r.text, "目黒 太郎"));
	CHECK(contains(r.text, "昭和55年4月12日"));
	CHECK(contains(r.text, "合計所得金額3,560,000円"));
	CHECK(contains(r.text, "総所得金額等3,560,000円"));
	CHECK(contains(r.text, "所得控除額合計1,130,000円"));
	CHECK(contains(r.text, "課税標準額2,430,000円"));
	CHECK(contains(r.text, "所得割額144,300円96,200円240,500円"));
	CHECK(contains(r.text, "年税額245,500円"));
	CHECK(contains(r.text, "配偶者有"));
	CHECK(contains(r.text, "扶養親族数2人"));
	CHECK(contains(r.text, "うち年少扶養1人"));
	CHECK(contains(r.text, "保育園入園申込みのため"));
	CHECK(contains(r.text, "上記のとおり相違ないことを証明します。"));
	CHECK(contains(r.text, "12345"));
	CHECK(contains(r.text, "目黒区長"));
	rendered_free(&r);
	/* a loss prints with △ */
	json_object_set_new(json_object_get(d, "income"), "business", json_integer(-200000));
	r = render(d, "tax-certificate-loss");
	CHECK(r.ok);
	CHECK(contains(r.text, "事業所得△200,000円"));
	rendered_free(&r);
	json_decref(d);
}

static void test_hostile_names(void)
{
	json_t *d = decision();
	json_t *tp = json_object_get(d, "taxpayer");
	json_object_set_new(tp, "name", json_string("<span foreground=\"red\">悪</span> & \"田中\""));
	json_object_set_new(tp, "address", json_string("目黒区<i>1</i>&lt;"));
	set(d, "municipal_tax_name", json_string("区民税<b>"));
	rendered r = render(d, "tax-decision-hostile");
	CHECK(r.ok);
	CHECK(contains(r.text, "<span foreground=\"red\">悪</span> & \"田中\""));
	CHECK(contains(r.text, "目黒区<i>1</i>&lt;"));
	CHECK(contains(r.text, "区民税<b>・都民税"));
	rendered_free(&r);
	json_decref(d);
}

/* ---- refusals -------------------------------------------------------------------- */

static void test_refusals(void)
{
	json_t *d;
	d = decision(), set(d, "colour", json_string("red")), refused(d, "colour");
	d = decision(), set(d, "taxpayer.nickname", json_string("x")), refused(d, "taxpayer.nickname");
	d = decision(), json_object_del(json_object_get(d, "taxpayer"), "name"),
	refused(d, "taxpayer.name");
	d = decision(), set(d, "fiscal_year", json_integer(1999)), refused(d, "fiscal_year");
	d = decision(), set(d, "fiscal_year", json_string("2025")), refused(d, "fiscal_year");
	d = decision(), set(d, "issued_date", json_string("2025-02-30")), refused(d, "issued_date");
	d = decision(), json_object_del(d, "issuer"), refused(d, "issuer");
	d = decision(), set(d, "income.salary", json_string("3560000")), refused(d, "income.salary");
	d = decision(), set(d, "income.bonus", json_integer(1)), refused(d, "income.bonus");
	d = decision(), set(d, "deductions.basic", json_integer(-1)), refused(d, "deductions.basic");
	d = decision(), set(d, "tax.annual_tax", json_string("245500")), refused(d, "tax.annual_tax");
	/* the parts do not add up to the annual tax */
	d = decision(), set(d, "tax.annual_tax", json_integer(245600)), refused(d, "tax.annual_tax");
	d = decision(), json_object_set_new(json_object_get(json_object_get(d, "tax"), "municipal"),
					    "per_capita", json_real(3000.0)),
	refused(d, "tax.municipal.per_capita");
	d = decision(), json_object_del(json_object_get(json_object_get(d, "tax"), "prefectural"),
					"income_levy"),
	refused(d, "tax.prefectural.income_levy");
	d = decision(), set(d, "installments", load("[{\"month\":\"2025-06\",\"amount\":245500,"
						    "\"kind\":\"weekly\"}]")),
	refused(d, "installments[0].kind");
	d = decision(), set(d, "installments", load("[{\"month\":\"2025-13\",\"amount\":245500}]")),
	refused(d, "installments[0].month");
	d = decision(), set(d, "installments", load("[{\"month\":\"2025-06\",\"amount\":245000}]")),
	refused(d, "installments");
	d = decision(), set(d, "installments", json_array()), refused(d, "installments");
	/* revision keys belong to revised notices; a revised one needs the previous tax */
	d = decision(), set(d, "previous_annual_tax", json_integer(1)), refused(d, "previous_annual_tax");
	d = decision(), set(d, "revised", json_true()), refused(d, "previous_annual_tax");
	d = decision(), set(d, "revised", json_string("yes")), refused(d, "revised");

	d = employer(2);
	json_object_set_new(json_array_get(json_object_get(d, "employees"), 1), "monthly",
			    load("[1,2,3]"));
	refused(d, "employees[1].monthly");
	d = employer(2);
	json_array_set_new(json_object_get(json_array_get(json_object_get(d, "employees"), 1),
					   "monthly"),
			   3, json_integer(-5));
	refused(d, "employees[1].monthly[3]");
	d = employer(2);
	json_object_set_new(json_array_get(json_object_get(d, "employees"), 0), "my_number",
			    json_string("123456789012"));   /* wrong check digit */
	refused(d, "employees[0].my_number");
	d = employer(2);
	json_object_set_new(json_array_get(json_object_get(d, "employees"), 0), "salary",
			    json_integer(1));
	refused(d, "employees[0].salary");
	d = employer(1), json_object_del(json_object_get(d, "employer"), "number"),
	refused(d, "employer.number");
	d = employer(1), set(d, "employees", json_array()), refused(d, "employees");

	d = certificate(), json_object_del(json_object_get(d, "income"), "total_income"),
	refused(d, "income.total_income");
	d = certificate(), json_object_del(d, "deductions"), refused(d, "deductions");
	d = certificate(), set(d, "revised", json_true()), refused(d, "revised");
	d = certificate(), set(d, "family.dependants", json_integer(100)),
	refused(d, "family.dependants");
	d = certificate(), set(d, "family.spouse", json_integer(1)), refused(d, "family.spouse");

	d = employee_notice(), set(d, "special_collection_tax", json_integer(300000)),
	refused(d, "special_collection_tax");
	d = employee_notice(), set(d, "employee.my_number", json_string("12345")),
	refused(d, "employee.my_number");
}

int main(void)
{
	at_error e;
	if (document_kinds_add(tax_document_kinds, &e) || document_kinds_add(registry_document_kinds, &e))
		return 1;
	RUN(test_kinds_known);
	RUN(test_decision);
	RUN(test_decision_revised);
	RUN(test_employer);
	RUN(test_employer_many_pages);
	RUN(test_employer_revised);
	RUN(test_employee);
	RUN(test_certificate);
	RUN(test_hostile_names);
	RUN(test_refusals);
	documents_shutdown();
	return test_report();
}
