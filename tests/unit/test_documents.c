/*
 * Unit tests for core/wareki and src/documents: era boundaries and parsing;
 * certificates rendered to PDF and read back with poppler's pdftotext and
 * pdfinfo (what the PDF says, how many pages, that nothing is drawn past the
 * margins, that hostile names print literally); refusals naming the field.
 *
 * The sample certificate a person looks at is left in
 * $ATENA_TEST_TMP/sample-juminhyo.pdf (see test_sample_for_eyes).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/date.h"
#include "core/error.h"
#include "core/mynumber.h"
#include "core/strbuf.h"
#include "core/wareki.h"
#include "documents/documents.h"
#include "registry/registry.h"   /* the certificate kinds */
#include "test.h"

/* ---- helpers ------------------------------------------------------------------ */

static const char *tmpdir(void)
{
	const char *t = getenv("ATENA_TEST_TMP");
	return t && *t ? t : "/tmp";
}

static char *fmt_date(int y, int m, int d, char *out, size_t cap)
{
	at_date dt = {y, m, d};
	if (wareki_format(dt, out, cap))
		snprintf(out, cap, "(error)");
	return out;
}

/* Runs a shell command and returns its standard output (caller frees). */
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

/* Removes white space, so text pdftotext splits over lines or spaces out
 * (the title is letter-spaced) can be searched for whole. */
static void squeeze(char *s)
{
	char *w = s;
	for (char *r = s; *r; r++) {
		if (*r == ' ' || *r == '\n' || *r == '\t' || *r == '\f' || *r == '\r')
			continue;
		/* U+3000 ideographic space: E3 80 80 */
		if ((unsigned char)r[0] == 0xE3 && (unsigned char)r[1] == 0x80 &&
		    (unsigned char)r[2] == 0x80) {
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

typedef struct rendered {
	char path[512];
	char *text;    /* squeezed pdftotext output */
	int pages;
	int a4;        /* pdfinfo says 595.28 x 841.89 pts */
	int ok;
} rendered;

/* Renders doc, writes it under ATENA_TEST_TMP as name.pdf, extracts its text. */
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
	CHECK(pdf.len > 1000);
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
	snprintf(cmd, sizeof cmd, "pdftotext -enc UTF-8 '%s' -", r.path);
	r.text = run(cmd);
	if (r.text)
		squeeze(r.text);
	snprintf(cmd, sizeof cmd, "pdfinfo '%s'", r.path);
	char *info = run(cmd);
	const char *pg = info ? strstr(info, "Pages:") : NULL;
	r.pages = pg ? atoi(pg + 6) : -1;
	r.a4 = info && strstr(info, "595.28 x 841.89 pts") != NULL;
	free(info);
	r.ok = r.text != NULL && r.pages > 0;
	return r;
}

/* Frees the text and removes the PDF, except the sample kept for eyes. */
static void rendered_free(rendered *r)
{
	free(r->text);
	r->text = NULL;
	if (r->path[0] && !strstr(r->path, "/sample-"))
		remove(r->path);
}

static int has_bytes(const strbuf *sb, const char *needle)
{
	size_t n = strlen(needle);
	for (size_t i = 0; i + n <= sb->len; i++)
		if (!memcmp(sb->buf + i, needle, n))
			return 1;
	return 0;
}

static json_t *load(const char *js)
{
	json_error_t je;
	json_t *v = json_loads(js, 0, &je);
	if (!v)
		fprintf(stderr, "bad test JSON: %s (line %d)\n", je.text, je.line);
	return v;
}

/* A household of three in 目黒区, as registry_certificate would build it. */
static json_t *household(void)
{
	return load("{"
		    "\"kind\":\"juminhyo\",\"title\":\"住民票の写し\","
		    "\"municipality\":\"東京都目黒区\","
		    "\"issued_at\":\"2026-11-22T01:30:00Z\","
		    "\"issued_date_wareki\":\"令和8年11月22日\","
		    "\"certifier\":\"東京都目黒区長　青木 英二\","
		    "\"household_no\":\"0000012345\",\"whole_household\":true,"
		    "\"address\":\"東京都目黒区上目黒二丁目19番15号\","
		    "\"address_supplement\":\"目黒ハイツ301号室\","
		    "\"householder\":\"目黒 太郎\",\"householder_kana\":\"めぐろ たろう\","
		    "\"serial\":\"R8-000123\","
		    "\"persons\":["
		    "{\"addressee_no\":\"0000001001\",\"name\":\"目黒 太郎\","
		    "\"name_kana\":\"めぐろ たろう\",\"birth_date\":\"1958-04-12\","
		    "\"birth_date_wareki\":\"昭和33年4月12日\",\"sex\":\"1\","
		    "\"relationship\":\"世帯主\",\"became_resident_date\":\"1989-01-08\","
		    "\"residence_date\":\"2015-03-20\",\"residence_notification_date\":\"2015-03-25\","
		    "\"residence_reason\":\"転入\","
		    "\"previous_address\":\"神奈川県横浜市中区山下町1番地\","
		    "\"domicile\":\"東京都目黒区中央町一丁目1番\",\"family_register_head\":\"目黒 太郎\","
		    "\"my_number\":\"123456789018\",\"resident_code\":\"12345678901\","
		    "\"change_history\":[{\"date\":\"2015-03-20\",\"notification_date\":\"2015-03-25\","
		    "\"type\":\"move_in\",\"detail\":\"神奈川県横浜市中区から\"}]},"
		    "{\"addressee_no\":\"0000001002\",\"name\":\"目黒 花子\","
		    "\"name_kana\":\"めぐろ はなこ\",\"birth_date\":\"1962-08-03\",\"sex\":\"2\","
		    "\"relationship\":\"妻\",\"became_resident_date\":\"1989-01-08\","
		    "\"residence_date\":\"2015-03-20\",\"former_name\":\"品川\","
		    "\"former_name_kana\":\"しながわ\"},"
		    "{\"addressee_no\":\"0000001003\",\"name\":\"目黒 一郎\","
		    "\"name_kana\":\"めぐろ いちろう\",\"birth_date\":\"1989-01-07\",\"sex\":\"1\","
		    "\"relationship\":\"子\",\"became_resident_date\":\"1989-01-07\","
		    "\"residence_date\":\"2015-03-20\",\"remarks\":\"令和2年4月1日 世帯変更\"}"
		    "],"
		    "\"notes\":[\"本証明書は個人番号及び住民票コードの記載を請求者の求めにより記載しています。\"]"
		    "}");
}

/* ---- wareki ------------------------------------------------------------------- */

static void test_wareki_boundaries(void)
{
	char b[WAREKI_MAX];
	CHECK_STR(fmt_date(1989, 1, 7, b, sizeof b), "昭和64年1月7日");
	CHECK_STR(fmt_date(1989, 1, 8, b, sizeof b), "平成元年1月8日");
	CHECK_STR(fmt_date(2019, 4, 30, b, sizeof b), "平成31年4月30日");
	CHECK_STR(fmt_date(2019, 5, 1, b, sizeof b), "令和元年5月1日");
	CHECK_STR(fmt_date(1926, 12, 24, b, sizeof b), "大正15年12月24日");
	CHECK_STR(fmt_date(1926, 12, 25, b, sizeof b), "昭和元年12月25日");
	CHECK_STR(fmt_date(1912, 7, 29, b, sizeof b), "明治45年7月29日");
	CHECK_STR(fmt_date(1912, 7, 30, b, sizeof b), "大正元年7月30日");
	CHECK_STR(fmt_date(1868, 10, 23, b, sizeof b), "明治元年10月23日");
	CHECK_STR(fmt_date(1868, 1, 1, b, sizeof b), "明治元年1月1日");   /* 1868 is all 明治 */
	CHECK_STR(fmt_date(1873, 1, 1, b, sizeof b), "明治6年1月1日");
	CHECK_STR(fmt_date(2026, 11, 22, b, sizeof b), "令和8年11月22日");
	CHECK_STR(fmt_date(2020, 1, 1, b, sizeof b), "令和2年1月1日");
	CHECK_STR(fmt_date(9999, 12, 31, b, sizeof b), "令和7981年12月31日");

	const char *era;
	int y;
	at_date d = {1989, 1, 8};
	CHECK_INT(wareki_era_year(d, &era, &y), 0);
	CHECK_STR(era, "平成");
	CHECK_INT(y, 1);
	at_date bad = {1867, 12, 31}, feb = {2019, 2, 29};
	CHECK_INT(wareki_era_year(bad, &era, &y), -1);
	CHECK_INT(wareki_format(bad, b, sizeof b), -1);
	CHECK_STR(b, "");
	CHECK_INT(wareki_format(feb, b, sizeof b), -1);
	/* too small a buffer is an error, never a cut string */
	at_date r = {2026, 11, 22};
	char small[10];
	CHECK_INT(wareki_format(r, small, sizeof small), -1);
	CHECK_STR(small, "");
	CHECK_INT(wareki_format(r, small, 0), -1);
}

static void test_wareki_parse_forms(void)
{
	struct {
		const char *s;
		int y, m, d;
	} ok[] = {
		{"令和8年11月22日", 2026, 11, 22}, {"R8.11.22", 2026, 11, 22},
		{"r8.11.22", 2026, 11, 22},        {"R08.11.22", 2026, 11, 22},
		{"R8/11/22", 2026, 11, 22},        {"H1.1.8", 1989, 1, 8},
		{"平成元年1月8日", 1989, 1, 8},    {"平成1年1月8日", 1989, 1, 8},
		{"S33.4.12", 1958, 4, 12},         {"昭和33年4月12日", 1958, 4, 12},
		{"昭和64年1月7日", 1989, 1, 7},    {"平成31年4月30日", 2019, 4, 30},
		{"令和元年5月1日", 2019, 5, 1},    {"大正元年7月30日", 1912, 7, 30},
		{"T15.12.24", 1926, 12, 24},       {"明治元年1月1日", 1868, 1, 1},
		{"M45.7.29", 1912, 7, 29},         {"令和８年１１月２２日", 2026, 11, 22},
		{"H12.2.29", 2000, 2, 29},
	};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		at_date d = {0, 0, 0};
		at_error err = {0};
		int rc = wareki_parse(ok[i].s, &d, "date", &err);
		if (rc)
			fprintf(stderr, "  %s: %s\n", ok[i].s, err.message);
		CHECK_INT(rc, 0);
		CHECK_INT(d.year, ok[i].y);
		CHECK_INT(d.month, ok[i].m);
		CHECK_INT(d.day, ok[i].d);
	}
}

static void test_wareki_roundtrip(void)
{
	/* every day from 1868 to 2100: format, parse back, same day */
	at_date first = {1868, 1, 1}, last = {2100, 12, 31};
	int bad = 0;
	for (int64_t n = date_to_days(first); n <= date_to_days(last); n++) {
		at_date d = date_from_days(n), back = {0, 0, 0};
		char s[WAREKI_MAX];
		at_error err;
		if (wareki_format(d, s, sizeof s) || wareki_parse(s, &back, "d", &err) ||
		    date_cmp(d, back)) {
			if (bad++ < 5)
				fprintf(stderr, "  round trip failed at %d-%d-%d (%s)\n", d.year,
					d.month, d.day, s);
		}
	}
	CHECK_INT(bad, 0);
}

static void test_wareki_refusals(void)
{
	const char *no[] = {
		"平成31年5月1日",   /* 令和 had begun: 令和元年5月1日 */
		"H31.5.1",
		"平成32年1月1日",
		"昭和64年1月8日",   /* the first day of 平成 */
		"平成元年1月7日",   /* the last day of 昭和 */
		"令和元年4月30日",
		"令和0年5月1日",
		"R0.5.1",
		"昭和65年1月1日",
		"大正16年1月1日",
		"明治46年1月1日",
		"R8.13.01",
		"R8.2.30",
		"H11.2.29",          /* 1999 was not a leap year */
		"R8.11",
		"R8.11.22.",
		"R8.11/22",
		"R8..22",
		"令和8年11月22",
		"令和8年11月22日 ",
		" 令和8年11月22日",
		"令和年11月22日",
		"令和八年十一月二十二日",
		"X8.11.22",
		"2026-11-22",
		"R12345.1.1",
		"",
		"garbage",
		"令和",
	};
	for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
		at_date d = {0, 0, 0};
		at_error err = {0};
		int rc = wareki_parse(no[i], &d, "persons[0].birth_date", &err);
		if (rc != -1)
			fprintf(stderr, "  accepted: \"%s\"\n", no[i]);
		CHECK_INT(rc, -1);
		CHECK_STR(err.field, "persons[0].birth_date");
		CHECK_STR(err.code, AT_E_INVALID);
		CHECK_INT(err.status, 400);
		CHECK(strstr(err.message, "persons[0].birth_date") != NULL);
	}
	/* the out-of-era refusal says which era and where it ends */
	at_date d;
	at_error err = {0};
	CHECK_INT(wareki_parse("平成31年5月1日", &d, "birth_date", &err), -1);
	CHECK(strstr(err.message, "平成") && strstr(err.message, "2019-04-30"));
	CHECK_INT(wareki_parse("昭和64年1月8日", &d, "birth_date", &err), -1);
	CHECK(strstr(err.message, "1989-01-07") != NULL);
	CHECK_INT(wareki_parse("令和元年4月30日", &d, "birth_date", &err), -1);
	CHECK(strstr(err.message, "2019-05-01") != NULL);
	CHECK_INT(wareki_parse(NULL, &d, "birth_date", &err), -1);
	CHECK_STR(err.code, AT_E_MISSING);
}

/* ---- certificates ---------------------------------------------------------------- */

static void test_juminhyo_household(void)
{
	json_t *doc = household();
	rendered r = render(doc, "juminhyo-household");
	CHECK(r.ok);
	CHECK_INT(r.pages, 1);
	CHECK(r.a4);
	CHECK(contains(r.text, "住民票の写し"));
	CHECK(contains(r.text, "目黒 太郎"));
	CHECK(contains(r.text, "めぐろ はなこ"));
	CHECK(contains(r.text, "昭和33年4月12日"));
	CHECK(contains(r.text, "昭和64年1月7日"));   /* 1989-01-07 */
	CHECK(contains(r.text, "平成元年1月8日"));   /* 1989-01-08 */
	CHECK(contains(r.text, "平成27年3月20日"));
	CHECK(contains(r.text, "東京都目黒区上目黒二丁目19番15号"));
	CHECK(contains(r.text, "目黒ハイツ301号室"));
	CHECK(contains(r.text, "世帯主"));
	CHECK(contains(r.text, "男"));
	CHECK(contains(r.text, "女"));
	CHECK(contains(r.text, "神奈川県横浜市中区山下町1番地"));
	CHECK(contains(r.text, "品川"));
	CHECK(contains(r.text, "転入"));
	CHECK(contains(r.text, "この写しは、世帯全員の住民票の原本と相違ないことを証明する。"));
	CHECK(contains(r.text, "令和8年11月22日"));
	CHECK(contains(r.text, "東京都目黒区長"));
	CHECK(contains(r.text, "R8-000123"));
	CHECK(contains(r.text, "以下余白"));
	CHECK(contains(r.text, "1/1"));
	/* My Number and resident code are printed where the request asked for them */
	CHECK(contains(r.text, "123456789018"));
	CHECK(contains(r.text, "12345678901"));
	CHECK(contains(r.text, "個人番号"));
	/* internal numbers never are */
	CHECK(!contains(r.text, "0000012345"));
	CHECK(!contains(r.text, "0000001001"));
	/* the IPAex fonts, embedded (subsets) */
	char cmd[1200];
	snprintf(cmd, sizeof cmd, "pdffonts '%s'", r.path);
	char *fonts = run(cmd);
	CHECK(fonts && strstr(fonts, "IPAexMincho") && strstr(fonts, "IPAexGothic"));
	free(fonts);
	rendered_free(&r);

	/* JSON form: the same document passes the same check */
	at_error err = {0};
	CHECK_INT(document_check(doc, &err), 0);
	json_decref(doc);
}

static void test_my_number_only_when_present(void)
{
	json_t *doc = household();
	json_t *p0 = json_array_get(json_object_get(doc, "persons"), 0);
	json_object_del(p0, "my_number");
	json_object_del(p0, "resident_code");
	json_object_set_new(doc, "whole_household", json_false());
	json_object_del(doc, "notes");   /* its sentence names the items */
	rendered r = render(doc, "juminhyo-no-number");
	CHECK(r.ok);
	CHECK(!contains(r.text, "123456789018"));
	CHECK(!contains(r.text, "個人番号"));
	CHECK(!contains(r.text, "住民票コード"));
	CHECK(contains(r.text, "この写しは、住民票の原本と相違ないことを証明する。"));
	CHECK(!contains(r.text, "世帯全員"));
	rendered_free(&r);
	json_decref(doc);
}

static void test_joshu(void)
{
	json_t *doc = load("{\"kind\":\"joshu\",\"issued_at\":\"2026-11-21T16:00:00Z\","
			   "\"certifier\":\"東京都目黒区長　青木 英二\",\"serial\":42,"
			   "\"address\":\"東京都目黒区目黒一丁目1番1号\","
			   "\"persons\":[{\"name\":\"品川 次郎\",\"name_kana\":\"しながわ じろう\","
			   "\"birth_date\":\"1926-12-25\",\"sex\":\"1\",\"relationship\":\"世帯主\","
			   "\"became_resident_date\":\"1960-05-01\","
			   "\"removal_date\":\"2025-03-31\",\"removal_notification_date\":\"2025-04-02\","
			   "\"removal_notification_reason\":\"転出\","
			   "\"confirmed_address\":\"大阪府大阪市北区梅田一丁目1番\"}]}");
	rendered r = render(doc, "joshu");
	CHECK(r.ok);
	CHECK(contains(r.text, "除票の写し"));
	CHECK(contains(r.text, "品川 次郎"));
	CHECK(contains(r.text, "昭和元年12月25日"));
	CHECK(contains(r.text, "令和7年3月31日"));
	CHECK(contains(r.text, "転出"));
	CHECK(contains(r.text, "大阪府大阪市北区梅田一丁目1番"));
	CHECK(contains(r.text, "この写しは、除票の原本と相違ないことを証明する。"));
	/* 16:00 UTC on the 21st is the 22nd in Japan */
	CHECK(contains(r.text, "令和8年11月22日"));
	CHECK(contains(r.text, "42"));
	rendered_free(&r);
	json_decref(doc);
}

static void test_kisai_jiko(void)
{
	json_t *doc = load("{\"kind\":\"kisai_jiko\",\"issued_date_wareki\":\"R8.11.22\","
			   "\"certifier\":\"東京都目黒区長　青木 英二\","
			   "\"persons\":[{\"name\":\"大正 花\",\"birth_date_wareki\":\"大正元年7月30日\","
			   "\"sex\":\"女\",\"address\":\"東京都目黒区八雲一丁目1番1号\"}]}");
	rendered r = render(doc, "kisai-jiko");
	CHECK(r.ok);
	CHECK(contains(r.text, "住民票記載事項証明書"));
	CHECK(contains(r.text, "大正 花"));
	CHECK(contains(r.text, "大正元年7月30日"));
	CHECK(contains(r.text, "上記の事項は、住民票に記載されていることを証明する。"));
	CHECK(contains(r.text, "令和8年11月22日"));
	CHECK(!contains(r.text, "相違ない"));
	rendered_free(&r);
	json_decref(doc);
}

static void test_hostile_names_print_literally(void)
{
	json_t *doc = household();
	json_t *p0 = json_array_get(json_object_get(doc, "persons"), 0);
	json_object_set_new(p0, "name", json_string("<b>&amp;太郎</b>"));
	json_object_set_new(p0, "name_kana", json_string("<span foreground=\"red\">x</span>"));
	json_object_set_new(doc, "householder", json_string("&lt;i&gt; \"'<"));
	json_object_set_new(doc, "certifier", json_string("区長 </span><big>"));
	json_object_set_new(doc, "serial", json_string("%s%n<&>"));
	rendered r = render(doc, "hostile");
	CHECK(r.ok);
	CHECK(contains(r.text, "<b>&amp;太郎</b>"));
	CHECK(contains(r.text, "<span foreground=\"red\">x</span>"));
	CHECK(contains(r.text, "&lt;i&gt; \"'<"));
	CHECK(contains(r.text, "区長 </span><big>"));
	CHECK(contains(r.text, "%s%n<&>"));
	rendered_free(&r);
	json_decref(doc);
}

static void test_many_persons_break_pages(void)
{
	json_t *doc = household();
	json_t *ps = json_object_get(doc, "persons");
	char name[64], mn[13];
	for (int i = 3; i < 12; i++) {
		json_t *p = json_deep_copy(json_array_get(ps, 0));
		snprintf(name, sizeof name, "目黒 %d郎", i + 1);
		json_object_set_new(p, "name", json_string(name));
		json_object_set_new(p, "relationship", json_string("子"));
		snprintf(mn, sizeof mn, "%011d", 40000000 + i);
		mn[11] = (char)('0' + mynumber_check_digit(mn));
		mn[12] = '\0';
		json_object_set_new(p, "my_number", json_string(mn));
		json_array_append_new(ps, p);
	}
	CHECK_INT(json_array_size(ps), 12);
	rendered r = render(doc, "juminhyo-12");
	CHECK(r.ok);
	CHECK(r.pages > 1);
	for (int i = 3; i < 12; i++) {
		snprintf(name, sizeof name, "目黒 %d郎", i + 1);
		CHECK(contains(r.text, name));
	}
	char pg[32];
	snprintf(pg, sizeof pg, "1 / %d", r.pages);
	CHECK(contains(r.text, pg));
	snprintf(pg, sizeof pg, "%d / %d", r.pages, r.pages);
	CHECK(contains(r.text, pg));
	CHECK(contains(r.text, "次頁に続く"));
	/* the certification comes once, at the end */
	const char *c = strstr(r.text, "この写しは");
	CHECK(c && !strstr(c + 1, "この写しは"));
	CHECK(c && strstr(r.text, "目黒 12郎") < c);
	rendered_free(&r);
	json_decref(doc);
}

/* Every word pdftotext finds lies inside the page margins: long text wraps or
 * shrinks instead of running off. */
static void test_long_text_stays_inside(void)
{
	json_t *doc = household();
	json_t *p0 = json_array_get(json_object_get(doc, "persons"), 0);
	char longname[1024] = "", longaddr[4096] = "";
	for (int i = 0; i < 33; i++)
		strcat(longname, "寿限無");   /* 99 characters, the most a name may have is 100 */
	for (int i = 0; i < 25; i++)
		strcat(longaddr, "東京都目黒区上目黒二丁目");   /* 300 characters */
	json_object_set_new(p0, "name", json_string(longname));
	json_object_set_new(p0, "previous_address", json_string(longaddr));
	json_object_set_new(doc, "address", json_string(longaddr));
	json_object_set_new(p0, "remarks",
			    json_string("WWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWW"
					"WWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWW"));
	rendered r = render(doc, "long-text");
	CHECK(r.ok);
	CHECK(contains(r.text, "寿限無寿限無"));
	char cmd[1200];
	snprintf(cmd, sizeof cmd, "pdftotext -bbox '%s' -", r.path);
	char *html = run(cmd);
	CHECK(html != NULL);
	int words = 0, outside = 0;
	for (const char *p = html; p && (p = strstr(p, "<word ")); p++) {
		double x0, y0, x1, y1;
		if (sscanf(p, "<word xMin=\"%lf\" yMin=\"%lf\" xMax=\"%lf\" yMax=\"%lf\"", &x0, &y0,
			   &x1, &y1) != 4)
			continue;
		words++;
		if (x0 < 41.0 || x1 > 595.28 - 41.0 || y0 < 20.0 || y1 > 841.89 - 20.0) {
			if (outside++ < 5)
				fprintf(stderr, "  word outside margins: %.2f %.2f %.2f %.2f\n", x0,
					y0, x1, y1);
		}
	}
	CHECK(words > 50);
	CHECK_INT(outside, 0);
	free(html);
	rendered_free(&r);
	json_decref(doc);
}

static void expect_refusal(json_t *doc, const char *code, const char *field, const char *what)
{
	strbuf pdf = STRBUF_INIT;
	sb_init(&pdf);
	at_error err = {0};
	int rc = document_render_pdf(doc, &pdf, &err);
	if (rc != -1 || strcmp(err.field, field))
		fprintf(stderr, "  %s: rc %d field \"%s\" (%s)\n", what, rc, err.field, err.message);
	CHECK_INT(rc, -1);
	CHECK_STR(err.code, code);
	CHECK_STR(err.field, field);
	CHECK_INT(err.status, 400);
	CHECK(strstr(err.message, field) != NULL);
	CHECK_INT(pdf.len, 0);   /* nothing half-written */
	at_error err2 = {0};
	CHECK_INT(document_check(doc, &err2), -1);
	CHECK_STR(err2.field, field);
	sb_release(&pdf);
	json_decref(doc);
}

#define P0(doc) json_array_get(json_object_get(doc, "persons"), 0)
#define P1(doc) json_array_get(json_object_get(doc, "persons"), 1)

static void test_wrong_types_refused(void)
{
	json_t *d;

	d = household();
	json_object_set_new(P1(d), "birth_date", json_integer(19620803));
	expect_refusal(d, AT_E_INVALID, "persons[1].birth_date", "integer date");

	d = household();
	json_object_set_new(P0(d), "name", json_pack("[s]", "目黒"));
	expect_refusal(d, AT_E_INVALID, "persons[0].name", "array name");

	d = household();
	json_object_set_new(d, "persons", json_object());
	expect_refusal(d, AT_E_INVALID, "persons", "object persons");

	d = household();
	json_object_set_new(d, "persons", json_array());
	expect_refusal(d, AT_E_INVALID, "persons", "no persons");

	d = household();
	json_array_append_new(json_object_get(d, "persons"), json_string("x"));
	expect_refusal(d, AT_E_INVALID, "persons[3]", "string person");

	d = household();
	json_object_set_new(d, "serial", json_true());
	expect_refusal(d, AT_E_INVALID, "serial", "boolean serial");

	d = household();
	json_object_set_new(d, "whole_household", json_string("yes"));
	expect_refusal(d, AT_E_INVALID, "whole_household", "string flag");

	d = household();
	json_object_set_new(d, "notes", json_string("x"));
	expect_refusal(d, AT_E_INVALID, "notes", "string notes");

	d = household();
	json_array_append_new(json_object_get(d, "notes"), json_integer(1));
	expect_refusal(d, AT_E_INVALID, "notes[1]", "integer note");

	d = household();
	json_object_set_new(P0(d), "change_history", json_pack("[i]", 3));
	expect_refusal(d, AT_E_INVALID, "persons[0].change_history[0]", "integer history");

	d = household();
	json_object_set_new(P0(d), "sex", json_integer(1));
	expect_refusal(d, AT_E_INVALID, "persons[0].sex", "integer sex");

	d = household();
	json_object_set_new(d, "kind", json_integer(1));
	expect_refusal(d, AT_E_INVALID, "kind", "integer kind");
}

static void test_bad_values_refused(void)
{
	json_t *d;

	d = household();
	json_object_set_new(P1(d), "birth_date", json_string("平成31年5月1日"));
	expect_refusal(d, AT_E_INVALID, "persons[1].birth_date", "out-of-era date");

	d = household();
	json_object_set_new(P1(d), "birth_date", json_string("1962-02-30"));
	expect_refusal(d, AT_E_INVALID, "persons[1].birth_date", "impossible date");

	d = household();
	json_object_set_new(P0(d), "birth_date_wareki", json_string("昭和33年4月13日"));
	expect_refusal(d, AT_E_INVALID, "persons[0].birth_date_wareki", "disagreeing wareki");

	d = household();
	json_object_set_new(d, "issued_date_wareki", json_string("令和8年11月21日"));
	expect_refusal(d, AT_E_INVALID, "issued_date_wareki", "disagreeing issue date");

	d = household();
	json_object_del(d, "issued_at");
	json_object_del(d, "issued_date_wareki");
	expect_refusal(d, AT_E_MISSING, "issued_at", "undated");

	d = household();
	json_object_del(d, "certifier");
	expect_refusal(d, AT_E_MISSING, "certifier", "no certifier");

	d = household();
	json_object_del(d, "kind");
	expect_refusal(d, AT_E_MISSING, "kind", "no kind");

	d = household();
	json_object_set_new(d, "kind", json_string("koseki"));
	expect_refusal(d, AT_E_INVALID, "kind", "unknown kind");

	d = household();
	json_object_set_new(P0(d), "my_number", json_string("123456789017"));
	expect_refusal(d, AT_E_INVALID, "persons[0].my_number", "bad check digit");

	d = household();
	json_object_set_new(P0(d), "resident_code", json_string("1234567890A"));
	expect_refusal(d, AT_E_INVALID, "persons[0].resident_code", "bad resident code");

	d = household();
	json_object_del(P1(d), "name");
	expect_refusal(d, AT_E_MISSING, "persons[1].name", "nameless");

	d = household();
	json_object_set_new(P0(d), "nickname", json_string("タロ"));
	expect_refusal(d, AT_E_UNKNOWN, "persons[0].nickname", "unknown item");

	d = household();
	json_object_set_new(d, "colour", json_string("red"));
	expect_refusal(d, AT_E_UNKNOWN, "colour", "unknown top-level key");

	d = household();
	json_object_set_new(P0(d), "name", json_string("目黒\n太郎"));
	expect_refusal(d, AT_E_INVALID, "persons[0].name", "control character");

	d = household();
	json_object_set_new(P0(d), "change_history",
			    json_pack("[{s:s}]", "date", "R8.13.01"));
	expect_refusal(d, AT_E_INVALID, "persons[0].change_history[0].date", "history date");

	d = household();
	strbuf big = STRBUF_INIT;
	sb_init(&big);
	for (int i = 0; i < 101; i++)
		sb_adds(&big, "長");
	json_object_set_new(P0(d), "name", json_string(big.buf));
	sb_release(&big);
	expect_refusal(d, AT_E_INVALID, "persons[0].name", "name too long");

	d = household();
	json_t *ps = json_object_get(d, "persons");
	for (int i = 0; i < 500; i++)
		json_array_append(ps, json_array_get(ps, 1));
	expect_refusal(d, AT_E_INVALID, "persons", "too many persons");
}

static void test_optional_fields_liberal(void)
{
	/* the least a certificate needs: kind, date, certifier, one named person */
	json_t *doc = load("{\"kind\":\"juminhyo\",\"issued_at\":\"2026-11-22\","
			   "\"certifier\":\"目黒区長\",\"persons\":[{\"name\":\"名前 のみ\","
			   "\"sex\":null,\"relationship\":\"\",\"birth_date\":null}]}");
	rendered r = render(doc, "minimal");
	CHECK(r.ok);
	CHECK(contains(r.text, "名前 のみ"));
	CHECK(contains(r.text, "住民票の写し"));
	CHECK(!contains(r.text, "生年月日"));
	CHECK(!contains(r.text, "続柄"));
	rendered_free(&r);
	json_decref(doc);

	/* a foreign resident: 本名 as the name, 通称, status of residence */
	doc = load("{\"kind\":\"juminhyo\",\"issued_at\":\"2026-11-22\",\"certifier\":\"目黒区長\","
		   "\"persons\":[{\"foreign_name\":\"SMITH JOHN\",\"foreign_alias\":\"須美 譲\","
		   "\"foreign_birth_date\":\"1990-06-01\",\"sex\":\"1\",\"nationality\":\"英国\","
		   "\"residence_status\":\"技術・人文知識・国際業務\",\"period_of_stay\":\"3年\","
		   "\"period_of_stay_expiry\":\"2027-06-30\",\"residence_card_no\":\"AB12345678CD\","
		   "\"article_30_45_category\":\"中長期在留者\",\"foreign_change_date\":\"2024-07-01\"}]}");
	r = render(doc, "foreign");
	CHECK(r.ok);
	CHECK(contains(r.text, "SMITH JOHN"));
	CHECK(contains(r.text, "須美 譲"));
	CHECK(contains(r.text, "平成2年6月1日"));
	CHECK(contains(r.text, "技術・人文知識・国際業務"));
	CHECK(contains(r.text, "令和9年6月30日"));
	CHECK(contains(r.text, "令和6年7月1日"));
	rendered_free(&r);
	json_decref(doc);
}

static void test_same_input_same_bytes(void)
{
	/* dated by issued_at, so a reissued copy is byte-identical */
	json_t *doc = household();
	strbuf a = STRBUF_INIT, b = STRBUF_INIT;
	sb_init(&a);
	sb_init(&b);
	at_error err = {0};
	CHECK_INT(document_render_pdf(doc, &a, &err), 0);
	CHECK_INT(document_render_pdf(doc, &b, &err), 0);
	CHECK(a.len == b.len && !memcmp(a.buf, b.buf, a.len));
	/* and the metadata names the kind, not the person */
	CHECK(has_bytes(&a, "/Creator (Atena)"));
	CHECK(!has_bytes(&a, "0000012345"));
	sb_release(&a);
	sb_release(&b);
	json_decref(doc);
}

/* The sample a person looks at: sample-juminhyo.pdf in ATENA_TEST_TMP
 * (pdftoppm -r 60 -png it to see the layout). */
static void test_sample_for_eyes(void)
{
	json_t *doc = household();
	rendered r = render(doc, "sample-juminhyo");
	CHECK(r.ok);
	rendered_free(&r);
	json_decref(doc);
}

int main(void)
{
	at_error e;
	if (document_kinds_add(registry_document_kinds, &e))
		return 1;
	RUN(test_wareki_boundaries);
	RUN(test_wareki_parse_forms);
	RUN(test_wareki_roundtrip);
	RUN(test_wareki_refusals);
	RUN(test_juminhyo_household);
	RUN(test_my_number_only_when_present);
	RUN(test_joshu);
	RUN(test_kisai_jiko);
	RUN(test_hostile_names_print_literally);
	RUN(test_many_persons_break_pages);
	RUN(test_long_text_stays_inside);
	RUN(test_wrong_types_refused);
	RUN(test_bad_values_refused);
	RUN(test_optional_fields_liberal);
	RUN(test_same_input_same_bytes);
	RUN(test_sample_for_eyes);
	documents_shutdown();
	return test_report();
}
