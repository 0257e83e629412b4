/*
 * Unit tests for the resident tax's law data (src/tax/law.c): the embedded
 * files load; lookups; and every kind of bad data is refused with an error
 * naming the file and the key path (a copy of data/tax/ is broken on purpose).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tax/case.h"
#include "tax/engine.h"
#include "tax/law.h"
#include "test.h"

static char SRC[1024];   /* data/tax in the source tree */
static char TMP[1024];   /* a scratch copy */

static void test_builtin_loads(void)
{
	tax_law *l = NULL;
	at_error e = {0};
	CHECK(tax_law_load_builtin(&l, &e) == 0);
	if (!l) {
		fprintf(stderr, "%s\n", e.message);
		return;
	}
	CHECK(tax_law_has_year(l, 2024));
	CHECK(tax_law_has_year(l, 2025));
	CHECK(tax_law_has_year(l, 2026));
	CHECK(!tax_law_has_year(l, 2023));
	const char *codes[] = {"131105", "131075", "131164", "112089", "111007"};
	const char *names[] = {"目黒区", "墨田区", "豊島区", "所沢市", "さいたま市"};
	for (int i = 0; i < 5; i++) {
		CHECK(tax_law_has_municipality(l, codes[i]));
		CHECK_STR(tax_law_municipality_name(l, codes[i]), names[i]);
		/* 地方税法20条の4の2第6項: 1,000-yen installments unless the municipality sets 100 */
		CHECK_INT(tax_law_installment_unit(l, codes[i]), 1000);
	}
	CHECK(!tax_law_has_municipality(l, "999999"));
	CHECK(!tax_law_has_municipality(l, "13110"));
	CHECK(tax_law_municipality_name(l, "999999") == NULL);
	/* 地方税法321条の7の2第1項 (65歳以上, 年額18万円以上), 17条の5第1項 (5年) */
	tax_collection_law cl;
	CHECK(tax_law_collection(l, 2026, &cl) == 0);
	CHECK_INT(cl.pension_special_min_age, 65);
	CHECK_INT(cl.pension_special_min_revenue, 180000);
	CHECK_INT(cl.correction_period_years, 5);
	CHECK(tax_law_collection(l, 2023, &cl) == -1);
	CHECK_INT(tax_law_installment_unit(l, "999999"), 0);
	json_t *d = tax_law_describe(l);
	CHECK_INT(json_array_size(json_object_get(d, "years")), 3);
	CHECK_INT(json_array_size(json_object_get(d, "municipalities")), 5);
	json_decref(d);
	tax_law_free(l);
}

/* ---- a scratch copy of data/tax ------------------------------------------------ */

static int sh(const char *fmt, const char *a, const char *b)
{
	char cmd[4096];
	snprintf(cmd, sizeof cmd, fmt, a, b);
	return system(cmd);
}

static void fresh_copy(void)
{
	CHECK(sh("rm -rf '%s' && mkdir -p '%s'", TMP, TMP) == 0);
	char cmd[4096];
	snprintf(cmd, sizeof cmd, "cp -r '%s/law' '%s/municipalities' '%s/'", SRC, SRC, TMP);
	CHECK(system(cmd) == 0);
}

/* Replace the first occurrence of `from` by `to` in TMP/file. */
static void edit(const char *file, const char *from, const char *to)
{
	char path[1200];
	snprintf(path, sizeof path, "%s/%s", TMP, file);
	FILE *f = fopen(path, "rb");
	CHECK(f != NULL);
	if (!f)
		return;
	static char buf[200000];
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	char *p = strstr(buf, from);
	CHECK(p != NULL);
	if (!p) {
		fprintf(stderr, "edit: '%s' not in %s\n", from, file);
		return;
	}
	f = fopen(path, "wb");
	fwrite(buf, 1, (size_t)(p - buf), f);
	fputs(to, f);
	fputs(p + strlen(from), f);
	fclose(f);
}

/* Load TMP and expect an error whose message names file and path. */
static void expect_error(const char *file, const char *path, const char *code)
{
	tax_law *l = NULL;
	at_error e = {0};
	CHECK(tax_law_load_dir(TMP, &l, &e) == -1);
	CHECK(l == NULL);
	if (!strstr(e.message, file) || !strstr(e.message, path) || strcmp(e.field, path))
		fprintf(stderr, "expected %s / %s, got field \"%s\": %s\n", file, path, e.field, e.message);
	CHECK(strstr(e.message, file) != NULL);
	CHECK_STR(e.field, path);
	if (code)
		CHECK_STR(e.code, code);
	tax_law_free(l);
}

static void test_dir_loads(void)
{
	fresh_copy();
	tax_law *l = NULL;
	at_error e = {0};
	CHECK(tax_law_load_dir(TMP, &l, &e) == 0);
	if (!l)
		fprintf(stderr, "%s\n", e.message);
	CHECK(tax_law_has_year(l, 2025));
	tax_law_free(l);
}

static void test_missing_key(void)
{
	fresh_copy();
	edit("law/fy2025.json", "\"amount\": 430000", "\"amout\": 430000");
	/* the unknown key is found first (keys are checked before values) */
	expect_error("law/fy2025.json", "deductions.basic.bands[0].amout", "unknown_field");
	fresh_copy();
	edit("law/fy2025.json", "\"levy_unit\": 100", "\"_x\": 1");
	expect_error("law/fy2025.json", "rounding._x", "unknown_field");
	fresh_copy();
	edit("law/fy2025.json", "\"taxable_income_unit\": 1000,", "");
	expect_error("law/fy2025.json", "rounding.taxable_income_unit", "missing_field");
	fresh_copy();
	edit("municipalities/131105.json", "\"unit\": 1000,", "");
	expect_error("municipalities/131105.json", "installment.unit", "missing_field");
	/* the collection rules: a missing threshold is an error, not a zero */
	fresh_copy();
	edit("law/fy2026.json", "\"pension_special_min_revenue\": 180000,", "");
	expect_error("law/fy2026.json", "collection.pension_special_min_revenue", "missing_field");
}

static void test_wrong_values(void)
{
	fresh_copy();
	edit("law/fy2024.json", "\"general\": 260000", "\"general\": -260000");
	expect_error("law/fy2024.json", "deductions.disability.general", "invalid_input");
	fresh_copy();
	edit("municipalities/112089.json", "\"municipal\": 0.06", "\"municipal\": -0.06");
	expect_error("municipalities/112089.json", "income_levy_rates.municipal", "invalid_input");
	fresh_copy();
	edit("municipalities/112089.json", "\"municipal\": 0.06", "\"municipal\": 6");
	expect_error("municipalities/112089.json", "income_levy_rates.municipal", "invalid_input");
	fresh_copy();
	edit("law/fy2026.json", "\"floor\": 100000", "\"floor\": \"100000\"");
	expect_error("law/fy2026.json", "deductions.medical_expenses.floor", "invalid_input");
	fresh_copy();
	edit("municipalities/131164.json", "\"class\": 1", "\"class\": 4");
	expect_error("municipalities/131164.json", "grade.class", "invalid_input");
	/* unsorted: basic bands out of order */
	fresh_copy();
	edit("law/fy2025.json", "\"to\": 24500000", "\"to\": 23000000");
	expect_error("law/fy2025.json", "deductions.basic.bands[1]", "invalid_input");
	/* salary bands must tile: a gap */
	fresh_copy();
	edit("law/fy2025.json", "\"from\": 1619000", "\"from\": 1618000");
	expect_error("law/fy2025.json", "salary_income.bands[2]", "invalid_input");
	/* shares must add up to 1 */
	fresh_copy();
	edit("law/fy2025.json", "\"share\": {\n        \"municipal\": 0.6", "\"share\": {\n        \"municipal\": 0.5");
	expect_error("law/fy2025.json", "municipality_kinds.ordinary", "invalid_input");
	/* a file named for another year or code */
	fresh_copy();
	edit("law/fy2025.json", "\"fiscal_year\": 2025", "\"fiscal_year\": 2027");
	edit("law/fy2025.json", "\"income_year\": 2024", "\"income_year\": 2026");
	expect_error("law/fy2025.json", "fiscal_year", NULL);
	fresh_copy();
	edit("municipalities/131075.json", "\"code\": \"131075\"", "\"code\": \"131076\"");
	expect_error("municipalities/131075.json", "code", NULL);
	/* not JSON */
	fresh_copy();
	edit("law/fy2024.json", "{", "{{");
	tax_law *l = NULL;
	at_error e = {0};
	CHECK(tax_law_load_dir(TMP, &l, &e) == -1);
	CHECK(strstr(e.message, "law/fy2024.json") != NULL);
	/* no directory */
	CHECK(tax_law_load_dir("/nonexistent-atena", &l, &e) == -1);
}

/* 級地 2 and 3 (施行令47条の3): per-capita limit × 0.9 / × 0.8 — shown with a
 * copy of 所沢市 moved to those classes (no shipped municipality is there). */
static void test_grades_2_and_3(void)
{
	const char *single = "{\"fiscal_year\":2025,\"municipality\":\"112089\",\"taxpayer\":{\"birth_date\":\"1980-01-01\",\"income\":{\"business\":%d}}}";
	const char *fam = "{\"fiscal_year\":2025,\"municipality\":\"112089\",\"taxpayer\":{\"birth_date\":\"1980-01-01\",\"income\":{\"business\":%d}},"
			  "\"spouse\":{\"birth_date\":\"1980-01-01\"},\"dependants\":[{\"birth_date\":\"2015-05-05\"}]}";
	struct { int grade; const char *tmpl; int at; } cases[] = {
		{2, NULL, 415000},    /* 315,000 + 100,000 */
		{3, NULL, 380000},    /* 280,000 + 100,000 */
		{2, NULL, 1234000},   /* 315,000 × 3 + 100,000 + 189,000 */
		{3, NULL, 1108000},   /* 280,000 × 3 + 100,000 + 168,000 */
	};
	cases[0].tmpl = cases[1].tmpl = single;
	cases[2].tmpl = cases[3].tmpl = fam;
	for (int i = 0; i < 4; i++) {
		fresh_copy();
		char to[32];
		snprintf(to, sizeof to, "\"class\": %d", cases[i].grade);
		edit("municipalities/112089.json", "\"class\": 1", to);
		tax_law *l = NULL;
		at_error e = {0};
		CHECK(tax_law_load_dir(TMP, &l, &e) == 0);
		if (!l)
			continue;
		for (int d = 0; d <= 1; d++) {
			char buf[512];
			snprintf(buf, sizeof buf, cases[i].tmpl, cases[i].at + d * 1000);
			json_t *in = json_loads(buf, 0, NULL);
			tax_case c;
			tax_result r;
			CHECK(tax_case_from_json(in, &c, &e) == 0);
			CHECK(tax_compute(l, &c, &r, &e) == 0);
			CHECK(r.non_taxable_per_capita == (d == 0));
			json_decref(in);
		}
		tax_law_free(l);
	}
}

int main(void)
{
	snprintf(SRC, sizeof SRC, "%s", __FILE__);
	char *cut = strstr(SRC, "tests/unit/test_tax_law.c");
	if (!cut) {
		fprintf(stderr, "cannot find data/tax from %s\n", __FILE__);
		return 1;
	}
	strcpy(cut, "data/tax");
	const char *t = getenv("ATENA_TEST_TMP");
	snprintf(TMP, sizeof TMP, "%s/tax-law-%d", t && *t ? t : "/tmp", (int)getpid());
	RUN(test_builtin_loads);
	RUN(test_dir_loads);
	RUN(test_missing_key);
	RUN(test_wrong_values);
	RUN(test_grades_2_and_3);
	sh("rm -rf '%s'%s", TMP, "");
	return test_report();
}
