/*
 * The tax module's matching queries use their indexes — proved with the
 * engine's plan (store_explain), not forced with an index hint (issue 8 §9:
 * module SQL is portable). Also checks that the portable form still finds the
 * right person.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store.h"
#include "tax/tax.h"
#include "tax/tax_int.h"
#include "test.h"

static char db_path[512];

static store *fresh(void)
{
	const char *t = getenv("ATENA_TEST_TMP");
	snprintf(db_path, sizeof db_path, "%s/tax-plan-%d.db", t && *t ? t : "/tmp", (int)getpid());
	remove(db_path);
	store *s = NULL;
	at_error err = {0};
	if (store_open(db_path, true, &s, &err) || tax_migrate(s, &err)) {
		fprintf(stderr, "%s\n", err.message);
		store_close(s);
		return NULL;
	}
	return s;
}

static void gone(store *s)
{
	char p[600];
	store_close(s);
	remove(db_path);
	snprintf(p, sizeof p, "%s-wal", db_path);
	remove(p);
	snprintf(p, sizeof p, "%s-shm", db_path);
	remove(p);
}

static void test_roll_match_uses_the_my_number_index(void)
{
	store *s = fresh();
	CHECK(s != NULL);
	if (!s)
		return;
	at_error err = {0};
	char plan[1024];
	CHECK_INT(store_explain(s, TAX_SQL_ROLL_MATCH, plan, sizeof plan, &err), 0);
	if (!strstr(plan, "INDEX tax_roll_mn (fiscal_year=? AND my_number_bidx=?)"))
		fprintf(stderr, "plan:\n%s", plan);
	CHECK(strstr(plan, "INDEX tax_roll_mn (fiscal_year=? AND my_number_bidx=?)") != NULL);
	/* each candidate by its full primary key: never a search by the year alone */
	CHECK(strstr(plan, "PRIMARY KEY (fiscal_year=? AND addressee_no=?)") != NULL);
	CHECK(strstr(plan, "PRIMARY KEY (fiscal_year=?)\n") == NULL);
	CHECK(strstr(plan, "SCAN") == NULL);

	/* and it answers as before: the resident entry first, only that year */
	static const char ins[] =
		"INSERT INTO tax_roll(fiscal_year, addressee_no, status, my_number_bidx, name_bidx,"
		" birth_date) VALUES(?, ?, ?, ?, ?, '1980-01-01')";
	CHECK_INT(store_run(s, ins, STORE_ARGS(STORE_INT(2026), STORE_TEXT("0000000001"),
				STORE_TEXT("not_resident"), STORE_TEXT("mn-a"), STORE_TEXT("n1")), &err), 0);
	CHECK_INT(store_run(s, ins, STORE_ARGS(STORE_INT(2026), STORE_TEXT("0000000002"),
				STORE_TEXT("resident"), STORE_TEXT("mn-a"), STORE_TEXT("n2")), &err), 0);
	CHECK_INT(store_run(s, ins, STORE_ARGS(STORE_INT(2025), STORE_TEXT("0000000003"),
				STORE_TEXT("resident"), STORE_TEXT("mn-b"), STORE_TEXT("n3")), &err), 0);
	char ano[16] = "";
	CHECK_INT(store_query_text(s, TAX_SQL_ROLL_MATCH,
				   STORE_ARGS(STORE_INT(2026), STORE_INT(2026), STORE_TEXT("mn-a")), ano,
				   sizeof ano, &err), 1);
	CHECK_STR(ano, "0000000002");
	CHECK_INT(store_query_text(s, TAX_SQL_ROLL_MATCH,
				   STORE_ARGS(STORE_INT(2026), STORE_INT(2026), STORE_TEXT("mn-b")), ano,
				   sizeof ano, &err), 0);
	gone(s);
}

static void test_supersede_uses_the_person_index(void)
{
	store *s = fresh();
	CHECK(s != NULL);
	if (!s)
		return;
	at_error err = {0};
	char plan[1024];
	CHECK_INT(store_explain(s, TAX_SQL_SUPERSEDE, plan, sizeof plan, &err), 0);
	if (!strstr(plan, "INDEX tax_doc_person (fiscal_year=? AND addressee_no=? AND kind=?)"))
		fprintf(stderr, "plan:\n%s", plan);
	CHECK(strstr(plan, "INDEX tax_doc_person (fiscal_year=? AND addressee_no=? AND kind=?)") != NULL);
	CHECK(strstr(plan, "SCAN") == NULL);
	gone(s);
}

/* 二重扶養 without group_concat: one row per claim, only relatives claimed
 * twice, grouped by relative, only the year asked. */
static void test_double_claims(void)
{
	store *s = fresh();
	CHECK(s != NULL);
	if (!s)
		return;
	at_error err = {0};
	static const char ins[] =
		"INSERT INTO tax_dependant_claim(fiscal_year, dependant_bidx, addressee_no)"
		" VALUES(?, ?, ?) ON CONFLICT DO NOTHING";
	static const struct { int fy; const char *rel, *ano; } claims[] = {
		{2026, "rel-b", "0000000009"}, {2026, "rel-a", "0000000002"}, {2026, "rel-b", "0000000001"},
		{2026, "rel-a", "0000000001"}, {2026, "rel-c", "0000000001"}, {2025, "rel-c", "0000000005"},
		{2026, "rel-a", "0000000002"},   /* the same claim again: ignored */
	};
	for (size_t i = 0; i < sizeof claims / sizeof claims[0]; i++)
		CHECK_INT(store_run(s, ins, STORE_ARGS(STORE_INT(claims[i].fy), STORE_TEXT(claims[i].rel),
						       STORE_TEXT(claims[i].ano)), &err), 0);
	store_stmt *st = store_prepare(s, TAX_SQL_DOUBLE_CLAIMS, &err);
	CHECK(st != NULL);
	if (!st) {
		gone(s);
		return;
	}
	store_bind_int(st, 1, 2026);
	store_bind_int(st, 2, 2026);
	char got[256] = "";
	size_t used = 0;
	while (store_step(st, &err) == STORE_ROW && used < sizeof got)
		used += (size_t)snprintf(got + used, sizeof got - used, "%s:%s ", store_col_text(st, 0),
					 store_col_text(st, 1));
	store_done(st);
	CHECK_STR(got, "rel-a:0000000001 rel-a:0000000002 rel-b:0000000001 rel-b:0000000009 ");
	gone(s);
}

/* The assessment table is guarded through the dialect layer (migration 2). */
static void test_assessment_is_insert_only(void)
{
	store *s = fresh();
	CHECK(s != NULL);
	if (!s)
		return;
	at_error err = {0};
	CHECK_INT(store_schema_version(s, "tax"), 2);
	CHECK_INT(store_run(s,
			    "INSERT INTO tax_assessment(fiscal_year, addressee_no, version, reason,"
			    " annual_tax, income_levy, per_capita, pension_part, non_taxable, method,"
			    " payer_id, schedule, difference, base, created_at)"
			    " VALUES(2026, '0000000001', 1, 'annual', 0, 0, 0, 0, '', 'ordinary', '',"
			    " '[]', 0, '{}', 0)", NULL, 0, &err), 0);
	CHECK_INT(store_run(s, "UPDATE tax_assessment SET annual_tax = 1", NULL, 0, &err), -1);
	CHECK(strstr(err.message, "insert, never update") != NULL);
	gone(s);
}

int main(void)
{
	RUN(test_roll_match_uses_the_my_number_index);
	RUN(test_supersede_uses_the_person_index);
	RUN(test_double_claims);
	RUN(test_assessment_is_insert_only);
	return test_report();
}
