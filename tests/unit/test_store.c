/*
 * Tests of src/store: connections, WAL, migrations, the statement cache,
 * error mapping, and the spine guard (a business connection is refused by the
 * engine itself, not by convention).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store.h"
#include "store_spine.h"
#include "test.h"

static char db_path[512];

static const char *tmpdir(void)
{
	const char *t = getenv("ATENA_TEST_TMP");
	return t && *t ? t : "/tmp";
}

static void remove_db(const char *path)
{
	char p[600];
	remove(path);
	snprintf(p, sizeof p, "%s-wal", path);
	remove(p);
	snprintf(p, sizeof p, "%s-shm", path);
	remove(p);
}

/* A fresh database per test. */
static store *fresh(const char *name)
{
	snprintf(db_path, sizeof db_path, "%s/store-%s-%d.db", tmpdir(), name, (int)getpid());
	remove_db(db_path);
	store *s = NULL;
	at_error err;
	if (store_open(db_path, true, &s, &err)) {
		fprintf(stderr, "cannot open %s: %s\n", db_path, err.message);
		return NULL;
	}
	return s;
}

static void done(store *s)
{
	store_close(s);
	remove_db(db_path);
}

/* One integer from a query, or -999 when it fails. */
static int64_t one_int(store *s, const char *sql)
{
	at_error err;
	store_stmt *st = store_prepare(s, sql, &err);
	if (!st)
		return -999;
	int64_t v = store_step(st, &err) == STORE_ROW ? store_col_int(st, 0) : -999;
	store_done(st);
	return v;
}

static bool table_exists(store *s, const char *name)
{
	at_error err;
	store_stmt *st = store_prepare(s, "SELECT count(*) FROM sqlite_master WHERE name = ?", &err);
	if (!st)
		return false;
	store_bind_text(st, 1, name);
	bool yes = store_step(st, &err) == STORE_ROW && store_col_int(st, 0) == 1;
	store_done(st);
	return yes;
}

static void test_open_close(void)
{
	store *s = fresh("open");
	CHECK(s != NULL);
	store_close(s);

	at_error err;
	store *again = NULL;
	CHECK_INT(store_open(db_path, false, &again, &err), 0);  /* exists now */
	store_close(again);

	char missing[600];
	snprintf(missing, sizeof missing, "%s/store-missing-%d.db", tmpdir(), (int)getpid());
	remove_db(missing);
	store *none = (store *)&err;  /* must be reset to NULL */
	CHECK_INT(store_open(missing, false, &none, &err), -1);
	CHECK(none == NULL);
	CHECK_STR(err.code, AT_E_STORE);
	CHECK(access(missing, F_OK) != 0);  /* create=false made nothing */
	store_close(NULL);                  /* harmless */
	remove_db(db_path);
}

static unsigned mode_of(const char *path)
{
	struct stat st;
	return stat(path, &st) ? 01000u : (unsigned)(st.st_mode & 0777);
}

/* Issue 9 §4: the database, its -wal and -shm are 0600 whatever the umask,
 * and a database (or companion) that others may read is refused, naming the
 * file and the fix, before anything is opened. */
static void test_private_files(void)
{
	mode_t old = umask(0);   /* the worst umask: SQLite alone would make 0666 */
	store *s = fresh("private");
	umask(old);
	CHECK(s != NULL);
	if (!s)
		return;
	at_error err;
	CHECK_INT(store_exec(s, "CREATE TABLE t(x); INSERT INTO t VALUES(1)", &err), 0);
	char wal[600], shm[600];
	snprintf(wal, sizeof wal, "%s-wal", db_path);
	snprintf(shm, sizeof shm, "%s-shm", db_path);
	CHECK_INT((int)mode_of(db_path), 0600);
	CHECK_INT((int)mode_of(wal), 0600);
	CHECK_INT((int)mode_of(shm), 0600);
	store_close(s);

	static const mode_t bad[] = {0644, 0640, 0604, 0660, 0606, 0610};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		CHECK_INT(chmod(db_path, bad[i]), 0);
		store *t = (store *)&err;
		at_error_clear(&err);
		CHECK_INT(store_open(db_path, false, &t, &err), -1);
		CHECK(t == NULL);
		CHECK_STR(err.code, AT_E_INSECURE);
		CHECK(strstr(err.message, db_path) != NULL);
		CHECK(strstr(err.message, "chmod 600") != NULL);
		/* create=true does not adopt it either */
		CHECK_INT(store_open(db_path, true, &t, &err), -1);
		CHECK_STR(err.code, AT_E_INSECURE);
	}
	CHECK_INT(chmod(db_path, 0600), 0);
	/* A -wal left readable by others (from an older Atena) is named. */
	FILE *f = fopen(wal, "w");
	CHECK(f != NULL);
	if (f)
		fclose(f);
	CHECK_INT(chmod(wal, 0644), 0);
	store *t = NULL;
	CHECK_INT(store_open(db_path, false, &t, &err), -1);
	CHECK_STR(err.code, AT_E_INSECURE);
	CHECK(strstr(err.message, wal) != NULL);
	CHECK_INT(chmod(wal, 0600), 0);
	CHECK_INT(store_open(db_path, false, &t, &err), 0);
	CHECK_INT((int)one_int(t, "SELECT x FROM t"), 1);
	store_close(t);
	remove_db(db_path);
}

static void test_wal_and_durability(void)
{
	store *s = fresh("wal");
	at_error err;
	store_spine_enter(s);
	store_stmt *st = store_prepare(s, "PRAGMA journal_mode", &err);
	CHECK(st != NULL);
	if (st) {
		CHECK_INT(store_step(st, &err), STORE_ROW);
		CHECK_STR(store_col_text(st, 0), "wal");
		store_done(st);
	}
	CHECK_INT(one_int(s, "PRAGMA synchronous"), 2);  /* FULL */
	CHECK_INT(one_int(s, "PRAGMA foreign_keys"), 1);
	store_spine_leave(s);
	/* Business connections may not even look. */
	CHECK(store_prepare(s, "PRAGMA journal_mode", &err) == NULL);
	CHECK_STR(err.code, AT_E_FORBIDDEN);
	done(s);
}

/* Group commit (store_group_commit): NORMAL on the connection, and every
 * way a change commits — a transaction, a statement outside one — returns
 * only once an fsync covered it; a read-only transaction waits for what it
 * may have seen and counts no commit of its own. */
static void test_group_commit_paths(void)
{
	store *s = fresh("group");
	at_error err;
	uint64_t commits, synced, syncs;
	store_group_stats(s, &commits, &synced, &syncs);
	CHECK_INT((int64_t)commits, 0);   /* not in group mode: nothing counted */
	CHECK_INT(store_exec(s, "CREATE TABLE biz_g(a INTEGER)", &err), 0);
	CHECK_INT(store_group_commit(s, &err), 0);
	store_spine_enter(s);
	CHECK_INT(one_int(s, "PRAGMA synchronous"), 1);  /* NORMAL: the fsync is shared */
	store_spine_leave(s);

	CHECK_INT(store_begin(s, &err), 0);
	CHECK_INT(store_run(s, "INSERT INTO biz_g(a) VALUES(?)", STORE_ARGS(STORE_INT(1)), &err), 0);
	CHECK_INT(store_commit(s, &err), 0);
	store_group_stats(s, &commits, &synced, &syncs);
	CHECK_INT((int64_t)commits, 1);
	CHECK_INT((int64_t)synced, 1);

	/* Outside a transaction: the statement commits on its own, and syncs. */
	CHECK_INT(store_run(s, "INSERT INTO biz_g(a) VALUES(?)", STORE_ARGS(STORE_INT(2)), &err), 0);
	store_group_stats(s, &commits, &synced, &syncs);
	CHECK_INT((int64_t)commits, 2);
	CHECK_INT((int64_t)synced, 2);

	/* A read: no commit of its own, nothing unsynced left behind it. */
	CHECK_INT(store_begin_read(s, &err), 0);
	CHECK_INT(one_int(s, "SELECT count(*) FROM biz_g"), 2);
	CHECK_INT(store_commit(s, &err), 0);
	uint64_t c2, s2, n2;
	store_group_stats(s, &c2, &s2, &n2);
	CHECK_INT((int64_t)c2, 2);
	CHECK_INT((int64_t)s2, 2);
	CHECK_INT((int64_t)n2, (int64_t)syncs);   /* already covered: no fsync */

	/* A rolled-back write counts nothing, and the next writer is not blocked. */
	CHECK_INT(store_begin(s, &err), 0);
	CHECK_INT(store_run(s, "INSERT INTO biz_g(a) VALUES(?)", STORE_ARGS(STORE_INT(3)), &err), 0);
	store_rollback(s);
	CHECK_INT(store_begin(s, &err), 0);
	CHECK_INT(store_commit(s, &err), 0);
	CHECK_INT(one_int(s, "SELECT count(*) FROM biz_g"), 2);
	done(s);
}

static void test_transactions(void)
{
	store *s = fresh("tx");
	at_error err;
	CHECK_INT(store_exec(s, "CREATE TABLE biz_t(x INTEGER)", &err), 0);
	CHECK(!store_in_tx(s));
	CHECK_INT(store_begin(s, &err), 0);
	CHECK(store_in_tx(s));
	CHECK_INT(store_begin(s, &err), -1);  /* no nesting */
	CHECK_INT(store_exec(s, "INSERT INTO biz_t VALUES(1)", &err), 0);
	store_rollback(s);
	CHECK(!store_in_tx(s));
	store_rollback(s);  /* safe with none open */
	CHECK_INT(one_int(s, "SELECT count(*) FROM biz_t"), 0);
	CHECK_INT(store_begin(s, &err), 0);
	CHECK_INT(store_exec(s, "INSERT INTO biz_t VALUES(1); INSERT INTO biz_t VALUES(2);", &err), 0);
	CHECK_INT(store_commit(s, &err), 0);
	CHECK_INT(store_commit(s, &err), -1);  /* none open */
	CHECK_INT(one_int(s, "SELECT count(*) FROM biz_t"), 2);
	CHECK_INT(store_begin_read(s, &err), 0);
	CHECK_INT(one_int(s, "SELECT sum(x) FROM biz_t"), 3);
	store_rollback(s);
	done(s);
}

static const store_migration MIG3[] = {
	{1, "CREATE TABLE biz_a(x INTEGER)"},
	{2, "INSERT INTO biz_a VALUES(2)"},
	/* needs 1 and 2 before it */
	{3, "CREATE TABLE biz_b AS SELECT x * 10 AS y FROM biz_a"},
};
static const store_migration MIG4[] = {
	{1, "CREATE TABLE biz_a(x INTEGER)"},
	{2, "INSERT INTO biz_a VALUES(2)"},
	{3, "CREATE TABLE biz_b AS SELECT x * 10 AS y FROM biz_a"},
	{4, "INSERT INTO biz_b VALUES(7)"},
};

static void test_migrations_once_in_order(void)
{
	store *s = fresh("mig");
	at_error err;
	CHECK_INT(store_schema_version(s, "biz"), 0);
	CHECK_INT(store_migrate(s, "biz", MIG3, 3, &err), 0);
	CHECK_INT(store_schema_version(s, "biz"), 3);
	CHECK_INT(one_int(s, "SELECT y FROM biz_b"), 20);
	CHECK(!store_in_tx(s));

	/* Again: nothing is applied twice. */
	CHECK_INT(store_migrate(s, "biz", MIG3, 3, &err), 0);
	CHECK_INT(one_int(s, "SELECT count(*) FROM biz_a"), 1);
	CHECK_INT(store_schema_version(s, "biz"), 3);

	/* A newer list applies only what is new. */
	CHECK_INT(store_migrate(s, "biz", MIG4, 4, &err), 0);
	CHECK_INT(store_schema_version(s, "biz"), 4);
	CHECK_INT(one_int(s, "SELECT count(*) FROM biz_a"), 1);
	CHECK_INT(one_int(s, "SELECT count(*) FROM biz_b"), 2);

	/* Versions are per module. */
	CHECK_INT(store_schema_version(s, "other"), 0);

	/* Survives reopening. */
	store_close(s);
	CHECK_INT(store_open(db_path, false, &s, &err), 0);
	CHECK_INT(store_schema_version(s, "biz"), 4);

	/* A list out of order is refused rather than skipping a migration. */
	static const store_migration bad[] = {{1, "CREATE TABLE biz_o1(x)"},
					      {3, "CREATE TABLE biz_o3(x)"},
					      {2, "CREATE TABLE biz_o2(x)"}};
	CHECK_INT(store_migrate(s, "order", bad, 3, &err), -1);
	CHECK_INT(store_schema_version(s, "order"), 0);
	CHECK(!table_exists(s, "biz_o1"));
	done(s);
}

static void test_failed_migration_rolls_back(void)
{
	store *s = fresh("migfail");
	at_error err;
	static const store_migration m[] = {
		{1, "CREATE TABLE biz_ok(x)"},
		{2, "CREATE TABLE biz_half(x); INSERT INTO biz_ok VALUES(1); INSERT INTO no_such_table VALUES(1)"},
		{3, "CREATE TABLE biz_never(x)"},
	};
	CHECK_INT(store_migrate(s, "failing", m, 3, &err), -1);
	CHECK_STR(err.code, AT_E_STORE);
	CHECK(strstr(err.message, "failing/2") != NULL);
	CHECK(strstr(err.message, "no_such_table") != NULL);  /* the cause survives */
	CHECK_INT(store_schema_version(s, "failing"), 1);
	CHECK(table_exists(s, "biz_ok"));
	CHECK(!table_exists(s, "biz_half"));   /* the failed migration left nothing */
	CHECK(!table_exists(s, "biz_never"));  /* and stopped the ones after it */
	CHECK_INT(one_int(s, "SELECT count(*) FROM biz_ok"), 0);
	CHECK(!store_in_tx(s));

	/* A business migration may not create spine tables: refused, version unchanged. */
	static const store_migration sneaky[] = {{1, "CREATE TABLE sp_mine(x)"}};
	CHECK_INT(store_migrate(s, "sneaky", sneaky, 1, &err), -1);
	CHECK_STR(err.code, AT_E_FORBIDDEN);
	CHECK_INT(store_schema_version(s, "sneaky"), 0);
	CHECK(!table_exists(s, "sp_mine"));
	done(s);
}

static void test_statement_cache(void)
{
	store *s = fresh("cache");
	at_error err;
	CHECK_INT(store_exec(s, "CREATE TABLE biz_c(x INTEGER)", &err), 0);
	const char *sql = "INSERT INTO biz_c VALUES(?)";
	store_stmt *a = store_prepare(s, sql, &err);
	CHECK(a != NULL);
	store_bind_int(a, 1, 5);
	CHECK_INT(store_step(a, &err), STORE_DONE);
	store_done(a);
	store_stmt *b = store_prepare(s, sql, &err);
	CHECK(b == a);  /* handed back from the cache, reset */
	store_stmt *c = store_prepare(s, sql, &err);
	CHECK(c != NULL && c != b);  /* b is in use: another one */
	store_bind_int(b, 1, 6);
	CHECK_INT(store_step(b, &err), STORE_DONE);
	store_done(b);
	store_done(c);
	store_stmt *d = store_prepare(s, sql, &err);
	CHECK(d == a || d == c);
	/* Bindings were cleared: NULL goes in. */
	CHECK_INT(store_step(d, &err), STORE_DONE);
	store_done(d);
	CHECK_INT(one_int(s, "SELECT count(*) FROM biz_c"), 3);
	CHECK_INT(one_int(s, "SELECT count(*) FROM biz_c WHERE x IS NULL"), 1);
	store_done(NULL);

	/* Many different statements: more than the cache holds still work. */
	for (int i = 0; i < 200; i++) {
		char q[64];
		snprintf(q, sizeof q, "SELECT %d", i);
		store_stmt *st = store_prepare(s, q, &err);
		CHECK(st != NULL);
		if (st) {
			CHECK_INT(store_step(st, &err), STORE_ROW);
			CHECK_INT(store_col_int(st, 0), i);
			store_done(st);
		}
	}
	done(s);
}

static void test_columns_and_errors(void)
{
	store *s = fresh("cols");
	at_error err;
	CHECK_INT(store_exec(s, "CREATE TABLE biz_u(k TEXT UNIQUE, n INTEGER, b BLOB)", &err), 0);
	store_stmt *st = store_prepare(s, "INSERT INTO biz_u VALUES(?, ?, ?)", &err);
	store_bind_text(st, 1, "a");
	store_bind_int(st, 2, INT64_C(9007199254740993));
	store_bind_blob(st, 3, "\0\1\2", 3);
	CHECK_INT(store_step(st, &err), STORE_DONE);
	CHECK_INT(store_changes(s), 1);
	store_done(st);

	st = store_prepare(s, "INSERT INTO biz_u VALUES(?, ?, ?)", &err);
	store_bind_text(st, 1, "a");
	store_bind_null(st, 2);
	store_bind_null(st, 3);
	CHECK_INT(store_step(st, &err), -1);
	CHECK_STR(err.code, AT_E_CONFLICT);
	CHECK_INT(err.status, 409);
	store_done(st);

	st = store_prepare(s, "SELECT k, n, b, NULL FROM biz_u", &err);
	CHECK_INT(store_step(st, &err), STORE_ROW);
	CHECK_STR(store_col_text(st, 0), "a");
	CHECK(store_col_int(st, 1) == INT64_C(9007199254740993));
	size_t len = 0;
	const unsigned char *b = store_col_blob(st, 2, &len);
	CHECK_INT(len, 3);
	CHECK(b && b[0] == 0 && b[2] == 2);
	CHECK(store_col_null(st, 3));
	CHECK_STR(store_col_text(st, 3), "");
	CHECK_INT(store_step(st, &err), STORE_DONE);
	store_done(st);

	CHECK(store_prepare(s, "SELEC nonsense", &err) == NULL);
	CHECK_STR(err.code, AT_E_STORE);
	CHECK(store_prepare(s, "SELECT * FROM biz_missing", &err) == NULL);
	CHECK_STR(err.code, AT_E_STORE);
	done(s);
}

/* ---- The spine guard ---------------------------------------------------- */

/* Statements a business connection must not get past prepare. */
static const char *const REFUSED[] = {
	"SELECT a FROM sp_secret",
	"SELECT count(*) FROM sp_secret",
	"SELECT 1 FROM main.sp_secret",
	"SELECT rowid FROM Sp_Secret",
	"SELECT a FROM biz_note WHERE a IN (SELECT a FROM \"SP_SECRET\")",
	"WITH c AS (SELECT a FROM sp_secret) SELECT * FROM c",
	"INSERT INTO sp_secret(a) VALUES(1)",
	"INSERT INTO biz_note SELECT a FROM sp_secret",
	"UPDATE sp_secret SET a = 2",
	"DELETE FROM sp_secret",
	"DROP TABLE sp_secret",
	"CREATE TABLE sp_x(a)",
	"CREATE TABLE biz_copy AS SELECT * FROM sp_secret",
	"CREATE INDEX biz_i ON sp_secret(a)",
	"CREATE INDEX sp_i ON biz_note(a)",
	/* A trigger body is compiled only when something fires it, maybe inside a
	 * spine section: it is refused when it is created. */
	"CREATE TRIGGER biz_t AFTER INSERT ON biz_note BEGIN INSERT INTO sp_secret(a) VALUES(new.a); END",
	"CREATE TRIGGER biz_t2 AFTER UPDATE ON biz_note BEGIN DELETE FROM 'sp_secret'; END",
	"CREATE TEMP TRIGGER biz_t3 AFTER INSERT ON biz_note BEGIN UPDATE sp_secret SET a = 0; END",
	"CREATE VIEW biz_v AS SELECT a FROM sp_secret",
	"ALTER TABLE sp_secret ADD COLUMN b",
	"ALTER TABLE sp_secret RENAME TO biz_stolen",
	"ALTER TABLE biz_note RENAME TO sp_fake",
	"ATTACH DATABASE ':memory:' AS aux",
	"PRAGMA journal_mode=DELETE",
	"PRAGMA synchronous=OFF",
	"PRAGMA table_info(sp_secret)",
	"PRAGMA writable_schema=ON",
	NULL,
};

static store *guarded(const char *name)
{
	store *s = fresh(name);
	at_error err;
	store_spine_enter(s);
	CHECK_INT(store_exec(s, "CREATE TABLE sp_secret(a INTEGER); INSERT INTO sp_secret VALUES(42);",
			     &err), 0);
	store_spine_leave(s);
	CHECK_INT(store_exec(s, "CREATE TABLE biz_note(a INTEGER); CREATE TABLE biz_log(a INTEGER);",
			     &err), 0);
	return s;
}

static void test_guard_refuses_business(void)
{
	store *s = guarded("guard");
	at_error err;
	for (int i = 0; REFUSED[i]; i++) {
		at_error_clear(&err);
		store_stmt *st = store_prepare(s, REFUSED[i], &err);
		if (st) {
			fprintf(stderr, "  not refused: %s\n", REFUSED[i]);
			store_done(st);
		}
		CHECK(st == NULL);
		if (strcmp(err.code, AT_E_FORBIDDEN))
			fprintf(stderr, "  %s: %s\n", REFUSED[i], err.message);
		CHECK_STR(err.code, AT_E_FORBIDDEN);
		CHECK_INT(err.status, 403);
		/* store_exec (the path migrations take) refuses the same. */
		at_error_clear(&err);
		CHECK_INT(store_exec(s, REFUSED[i], &err), -1);
		CHECK_STR(err.code, AT_E_FORBIDDEN);
	}
	/* Refused when run, not when prepared: table-valued pragmas and VACUUM
	 * (which would copy the spine's tables to a file of the caller's choosing). */
	char vac[700];
	snprintf(vac, sizeof vac, "VACUUM INTO '%s.copy'", db_path);
	const char *at_step[] = {"SELECT * FROM pragma_table_info('sp_secret')",
				 "SELECT * FROM pragma_journal_mode", vac, "VACUUM", NULL};
	for (int i = 0; at_step[i]; i++) {
		at_error_clear(&err);
		store_stmt *st = store_prepare(s, at_step[i], &err);
		int rc = st ? store_step(st, &err) : -1;
		if (rc != -1)
			fprintf(stderr, "  not refused: %s\n", at_step[i]);
		CHECK_INT(rc, -1);
		CHECK_STR(err.code, AT_E_FORBIDDEN);
		store_done(st);
	}
	char copy[720];
	snprintf(copy, sizeof copy, "%s.copy", db_path);
	CHECK(access(copy, F_OK) != 0);
	remove(copy);

	/* Nothing above changed the spine table or the settings. */
	store_spine_enter(s);
	CHECK_INT(one_int(s, "SELECT count(*) FROM sp_secret WHERE a = 42"), 1);
	CHECK_INT(one_int(s, "SELECT count(*) FROM sqlite_master WHERE type IN ('trigger', 'view')"), 0);
	store_stmt *st = store_prepare(s, "PRAGMA journal_mode", &err);
	CHECK(st && store_step(st, &err) == STORE_ROW && !strcmp(store_col_text(st, 0), "wal"));
	store_done(st);
	store_spine_leave(s);
	CHECK(table_exists(s, "biz_note"));
	CHECK(!table_exists(s, "sp_fake"));
	done(s);
}

static void test_guard_allows_spine(void)
{
	store *s = guarded("spine");
	at_error err;
	store_spine_enter(s);
	for (int i = 0; REFUSED[i]; i++) {
		store_stmt *st = store_prepare(s, REFUSED[i], &err);
		if (!st)
			fprintf(stderr, "  refused in a spine section: %s: %s\n", REFUSED[i], err.message);
		CHECK(st != NULL);
		store_done(st);  /* prepared, not run: several are destructive */
	}
	/* And some really run. */
	CHECK_INT(store_exec(s, "INSERT INTO sp_secret(a) VALUES(1)", &err), 0);
	CHECK_INT(one_int(s, "SELECT count(*) FROM sp_secret"), 2);
	CHECK_INT(store_exec(s, "CREATE INDEX sp_secret_a ON sp_secret(a)", &err), 0);
	CHECK_INT(store_exec(s, "ATTACH DATABASE ':memory:' AS aux; DETACH DATABASE aux;", &err), 0);
	CHECK_INT(store_exec(s,
			     "CREATE TRIGGER sp_secret_log AFTER INSERT ON sp_secret BEGIN "
			     "INSERT INTO biz_log(a) VALUES(new.a); END",
			     &err), 0);
	CHECK_INT(store_exec(s, "INSERT INTO sp_secret(a) VALUES(7)", &err), 0);
	CHECK_INT(one_int(s, "SELECT count(*) FROM biz_log WHERE a = 7"), 1);
	/* Sections nest. */
	store_spine_enter(s);
	store_spine_leave(s);
	CHECK_INT(one_int(s, "SELECT count(*) FROM sp_secret"), 3);
	store_spine_leave(s);
	CHECK_INT(one_int(s, "SELECT count(*) FROM sp_secret"), -999);  /* out again */
	store_spine_leave(s);  /* an extra leave does not underflow into privilege */
	store_spine_enter(s);
	store_spine_leave(s);
	CHECK_INT(one_int(s, "SELECT count(*) FROM sp_secret"), -999);
	done(s);
}

static void test_business_table_either_way(void)
{
	store *s = guarded("biz");
	at_error err;
	CHECK_INT(store_exec(s, "INSERT INTO biz_note(a) VALUES(1)", &err), 0);
	/* A business trigger that stays on business tables is fine. */
	CHECK_INT(store_exec(s,
			     "CREATE TRIGGER biz_note_log AFTER INSERT ON biz_note BEGIN "
			     "INSERT INTO biz_log(a) VALUES(new.a); END",
			     &err), 0);
	CHECK_INT(store_exec(s, "CREATE VIEW biz_note_v AS SELECT a FROM biz_note", &err), 0);
	CHECK_INT(store_exec(s, "CREATE INDEX biz_note_a ON biz_note(a)", &err), 0);
	CHECK_INT(store_exec(s, "INSERT INTO biz_note(a) VALUES(2)", &err), 0);
	CHECK_INT(one_int(s, "SELECT count(*) FROM biz_note_v"), 2);
	CHECK_INT(one_int(s, "SELECT count(*) FROM biz_log"), 1);
	store_spine_enter(s);
	CHECK_INT(store_exec(s, "INSERT INTO biz_note(a) VALUES(3)", &err), 0);
	CHECK_INT(one_int(s, "SELECT count(*) FROM biz_note"), 3);
	CHECK_INT(one_int(s, "SELECT count(*) FROM biz_log"), 2);
	store_spine_leave(s);
	CHECK_INT(one_int(s, "SELECT sum(a) FROM biz_note"), 6);
	/* sqlite_master names the spine's tables but holds none of their rows. */
	CHECK(table_exists(s, "sp_secret"));
	done(s);
}

static void test_spine_statement_not_cached_for_business(void)
{
	store *s = guarded("cachespine");
	at_error err;
	const char *sql = "SELECT a FROM sp_secret";
	store_spine_enter(s);
	store_stmt *st = store_prepare(s, sql, &err);
	CHECK(st != NULL);
	CHECK_INT(store_step(st, &err), STORE_ROW);
	CHECK_INT(store_col_int(st, 0), 42);
	store_done(st);
	store_spine_leave(s);
	at_error_clear(&err);
	CHECK(store_prepare(s, sql, &err) == NULL);
	CHECK_STR(err.code, AT_E_FORBIDDEN);
	/* And the spine still gets its cached one back. */
	store_spine_enter(s);
	store_stmt *again = store_prepare(s, sql, &err);
	CHECK(again == st);
	store_done(again);
	store_spine_leave(s);
	done(s);
}

/* A bind that fails is sticky: the statement does not run, and the error
 * names the parameter, even when the binder's result was ignored. */
static void test_bind_errors_are_sticky(void)
{
	store *s = fresh("bind");
	CHECK(s != NULL);
	if (!s)
		return;
	at_error err = {0};
	CHECK_INT(store_exec(s, "CREATE TABLE t(a, b)", &err), 0);
	store_stmt *st = store_prepare(s, "INSERT INTO t(a, b) VALUES(?, ?)", &err);
	CHECK(st != NULL);
	if (!st) {
		done(s);
		return;
	}
	CHECK_INT(store_bind_int(st, 1, 7), 0);
	CHECK_INT(store_bind_text(st, 3, "no such parameter"), -1);   /* ignored by a careless caller */
	CHECK_INT(store_bind_text(st, 2, "x"), 0);
	CHECK_INT(store_step(st, &err), -1);
	CHECK_STR(err.code, AT_E_STORE);
	CHECK(strstr(err.message, "parameter 3") != NULL);
	store_done(st);
	CHECK_INT(one_int(s, "SELECT count(*) FROM t"), 0);   /* nothing ran */
	/* the cached statement is clean again once handed back */
	st = store_prepare(s, "INSERT INTO t(a, b) VALUES(?, ?)", &err);
	CHECK(st != NULL);
	if (st) {
		store_bind_int(st, 1, 1);
		store_bind_text(st, 2, "y");
		CHECK_INT(store_step(st, &err), STORE_DONE);
		store_done(st);
	}
	CHECK_INT(one_int(s, "SELECT count(*) FROM t"), 1);
	/* the one-shot helpers carry the same rule: too many arguments */
	at_error_clear(&err);
	CHECK_INT(store_run(s, "INSERT INTO t(a) VALUES(?)", STORE_ARGS(STORE_INT(1), STORE_INT(2)), &err),
		  -1);
	CHECK(strstr(err.message, "parameter 2") != NULL);
	CHECK_INT(one_int(s, "SELECT count(*) FROM t"), 1);
	done(s);
}

static void test_one_shot_helpers(void)
{
	store *s = fresh("oneshot");
	CHECK(s != NULL);
	if (!s)
		return;
	at_error err = {0};
	CHECK_INT(store_exec(s, "CREATE TABLE t(k TEXT PRIMARY KEY, n INTEGER, b BLOB)", &err), 0);
	CHECK_INT(store_run(s, "INSERT INTO t(k, n, b) VALUES(?, ?, ?)",
			    STORE_ARGS(STORE_TEXT("a"), STORE_INT(41), STORE_BLOB("\0\1", 2)), &err), 0);
	CHECK_INT(store_run(s, "INSERT INTO t(k, n, b) VALUES(?, ?, ?)",
			    STORE_ARGS(STORE_TEXT("b"), STORE_NULL_ARG, STORE_TEXT(NULL)), &err), 0);
	CHECK_INT(store_run(s, "UPDATE t SET n = n + 1 WHERE k = ?", STORE_ARGS(STORE_TEXT("a")), &err), 0);
	int64_t n = -1;
	CHECK_INT(store_query_int(s, "SELECT n FROM t WHERE k = ?", STORE_ARGS(STORE_TEXT("a")), &n, &err), 1);
	CHECK_INT(n, 42);
	n = -1;
	CHECK_INT(store_query_int(s, "SELECT n FROM t WHERE k = ?", STORE_ARGS(STORE_TEXT("zz")), &n, &err), 0);
	CHECK_INT(n, -1);   /* no row: untouched */
	CHECK_INT(store_query_int(s, "SELECT n FROM t WHERE k = ?", STORE_ARGS(STORE_TEXT("b")), &n, &err), 1);
	CHECK_INT(n, 0);    /* NULL reads as 0 */
	CHECK_INT(store_query_int(s, "SELECT count(*) FROM t WHERE b IS NULL", NULL, 0, &n, &err), 1);
	CHECK_INT(n, 1);
	char txt[4];
	CHECK_INT(store_query_text(s, "SELECT k FROM t WHERE n = ?", STORE_ARGS(STORE_INT(42)), txt,
				   sizeof txt, &err), 1);
	CHECK_STR(txt, "a");
	CHECK_INT(store_query_text(s, "SELECT 'too long'", NULL, 0, txt, sizeof txt, &err), -1);
	CHECK_INT(store_query_int(s, "SELECT nope FROM t", NULL, 0, &n, &err), -1);
	/* portable upsert: a second insert of the same key does nothing */
	CHECK_INT(store_run(s, "INSERT INTO t(k, n) VALUES(?, ?) ON CONFLICT(k) DO NOTHING",
			    STORE_ARGS(STORE_TEXT("a"), STORE_INT(0)), &err), 0);
	CHECK_INT(one_int(s, "SELECT n FROM t WHERE k = 'a'"), 42);
	/* a constraint failure maps to conflict */
	CHECK_INT(store_run(s, "INSERT INTO t(k) VALUES(?)", STORE_ARGS(STORE_TEXT("a")), &err), -1);
	CHECK_STR(err.code, AT_E_CONFLICT);
	done(s);
}

static int guard_log(store *s, at_error *err)
{
	return store_append_only(s, "biz_log", STORE_NO_UPDATE | STORE_NO_DELETE, NULL,
				 "biz_log is append-only", err);
}

static int guard_versions(store *s, at_error *err)
{
	return store_append_only(s, "biz_ver", STORE_NO_UPDATE,
				 "EXISTS (SELECT 1 FROM biz_flag WHERE k = 'open')",
				 "versions are never overwritten", err);
}

/* Append-only guards and clustered tables through the dialect, in migrations. */
static void test_dialect(void)
{
	store *s = fresh("dialect");
	CHECK(s != NULL);
	if (!s)
		return;
	at_error err = {0};
	static const store_migration m[] = {
		{1, "CREATE TABLE biz_log(seq INTEGER PRIMARY KEY, what TEXT NOT NULL);"
		    "CREATE TABLE biz_flag(k TEXT PRIMARY KEY);"
		    "CREATE TABLE biz_ver(id INTEGER NOT NULL, v INTEGER NOT NULL, doc TEXT,"
		    " PRIMARY KEY(id, v))" STORE_CLUSTERED ";"},
		{2, NULL},
	};
	static const store_migration_step steps[] = {{2, guard_log}, {2, guard_versions}};
	CHECK_INT(store_migrate_steps(s, "biz", m, 2, steps, 2, &err), 0);
	if (err.message[0])
		fprintf(stderr, "%s\n", err.message);
	CHECK_INT(store_schema_version(s, "biz"), 2);
	CHECK_INT(one_int(s, "SELECT count(*) FROM sqlite_schema WHERE name = 'biz_ver'"
			     " AND sql LIKE '%WITHOUT ROWID'"), 1);
	CHECK_INT(store_run(s, "INSERT INTO biz_log(what) VALUES(?)", STORE_ARGS(STORE_TEXT("x")), &err), 0);
	CHECK_INT(store_run(s, "UPDATE biz_log SET what = 'y'", NULL, 0, &err), -1);
	CHECK(strstr(err.message, "append-only") != NULL);
	CHECK_INT(store_run(s, "DELETE FROM biz_log", NULL, 0, &err), -1);
	CHECK_INT(one_int(s, "SELECT count(*) FROM biz_log WHERE what = 'x'"), 1);
	/* the escape: with the flag row an UPDATE goes through, DELETE stays allowed */
	CHECK_INT(store_run(s, "INSERT INTO biz_ver(id, v, doc) VALUES(1, 1, 'a')", NULL, 0, &err), 0);
	CHECK_INT(store_run(s, "UPDATE biz_ver SET doc = 'b'", NULL, 0, &err), -1);
	CHECK(strstr(err.message, "never overwritten") != NULL);
	CHECK_INT(store_run(s, "INSERT INTO biz_flag(k) VALUES('open')", NULL, 0, &err), 0);
	CHECK_INT(store_run(s, "UPDATE biz_ver SET doc = 'b'", NULL, 0, &err), 0);
	/* called again (a later migration): replaces, never duplicates */
	CHECK_INT(guard_log(s, &err), 0);
	CHECK_INT(one_int(s, "SELECT count(*) FROM sqlite_schema WHERE type = 'trigger'"), 3);
	/* bad arguments are refused, not spliced into SQL */
	CHECK_INT(store_append_only(s, "biz_log; DROP TABLE biz_log", STORE_NO_UPDATE, NULL, "x", &err), -1);
	CHECK_INT(store_append_only(s, "biz_log", STORE_NO_UPDATE, NULL, "it's", &err), -1);
	/* a business connection cannot guard (or plant triggers on) the spine */
	CHECK_INT(store_append_only(s, "sp_grant", STORE_NO_UPDATE, NULL, "x", &err), -1);
	/* a step that names no migration is a programming error */
	static const store_migration_step stray[] = {{9, guard_log}};
	CHECK_INT(store_migrate_steps(s, "biz", m, 2, stray, 1, &err), -1);
	done(s);
}

/* The id an INSERT made, through RETURNING: with bound parameters, one-shot,
 * and every way the statement can fail to return exactly one integer. */
static void test_insert_returning_id(void)
{
	store *s = fresh("returning");
	CHECK(s != NULL);
	if (!s)
		return;
	at_error err = {0};
	CHECK_INT(store_exec(s, "CREATE TABLE biz_doc(id " STORE_SERIAL_KEY ", k TEXT NOT NULL UNIQUE,"
				" body " STORE_BYTES " NOT NULL);"
				"CREATE TABLE biz_other(n " STORE_SERIAL_KEY ", v TEXT)", &err), 0);
	static const char ins[] = "INSERT INTO biz_doc(k, body) VALUES(?, ?) RETURNING id";
	int64_t id = -1;
	store_stmt *st = store_prepare(s, ins, &err);
	CHECK(st != NULL);
	if (!st) {
		done(s);
		return;
	}
	store_bind_text(st, 1, "a");
	store_bind_blob(st, 2, "x", 1);
	CHECK_INT(store_step_id(st, &id, &err), 0);
	CHECK_INT(id, 1);
	store_done(st);
	/* the cached statement again: the next id, and the row is the one bound */
	st = store_prepare(s, ins, &err);
	store_bind_text(st, 1, "b");
	store_bind_blob(st, 2, "y", 1);
	CHECK_INT(store_step_id(st, &id, &err), 0);
	CHECK_INT(id, 2);
	store_done(st);
	CHECK_INT(one_int(s, "SELECT id FROM biz_doc WHERE k = 'b'"), 2);
	/* inserts into another table in between do not change whose id is returned */
	for (int i = 0; i < 5; i++)
		CHECK_INT(store_run(s, "INSERT INTO biz_other(v) VALUES('z')", NULL, 0, &err), 0);
	CHECK_INT(store_run_id(s, ins, STORE_ARGS(STORE_TEXT("c"), STORE_BLOB("z", 1)), &id, &err), 0);
	CHECK_INT(id, 3);
	CHECK_INT(store_run_id(s, "INSERT INTO biz_other(v) VALUES(?) RETURNING n",
			       STORE_ARGS(STORE_TEXT("w")), &id, &err), 0);
	CHECK_INT(id, 6);

	/* Failures leave *id alone and say why. */
	id = 77;
	CHECK_INT(store_run_id(s, ins, STORE_ARGS(STORE_TEXT("a"), STORE_BLOB("x", 1)), &id, &err), -1);
	CHECK_STR(err.code, AT_E_CONFLICT);   /* duplicate k */
	CHECK_INT(store_run_id(s, "INSERT INTO biz_doc(k, body) VALUES(?, ?)"
				  " ON CONFLICT(k) DO NOTHING RETURNING id",
			       STORE_ARGS(STORE_TEXT("a"), STORE_BLOB("x", 1)), &id, &err), -1);
	CHECK(strstr(err.message, "returned no id") != NULL);   /* nothing inserted, no id */
	CHECK_INT(store_run_id(s, "INSERT INTO biz_doc(k, body) VALUES('d', x'00'), ('e', x'01')"
				  " RETURNING id", NULL, 0, &id, &err), -1);
	CHECK(strstr(err.message, "more than one") != NULL);
	CHECK_INT(store_run_id(s, "INSERT INTO biz_doc(k, body) VALUES('f', x'00') RETURNING k",
			       NULL, 0, &id, &err), -1);
	CHECK(strstr(err.message, "not an integer") != NULL);
	CHECK_INT(store_run_id(s, "INSERT INTO biz_doc(k, body) VALUES('g', x'00')", NULL, 0, &id, &err), -1);
	CHECK(strstr(err.message, "RETURNING") != NULL);
	/* a failed bind runs nothing */
	st = store_prepare(s, ins, &err);
	store_bind_text(st, 1, "h");
	store_bind_blob(st, 3, "x", 1);   /* no parameter 3 */
	CHECK_INT(store_step_id(st, &id, &err), -1);
	store_done(st);
	CHECK_INT(one_int(s, "SELECT count(*) FROM biz_doc WHERE k = 'h'"), 0);
	CHECK_INT(id, 77);
	done(s);
}

/* STORE_BYTES keeps every byte value, NULs included, and its length. */
static void test_bytes_round_trip(void)
{
	store *s = fresh("bytes");
	CHECK(s != NULL);
	if (!s)
		return;
	at_error err = {0};
	CHECK_INT(store_exec(s, "CREATE TABLE biz_key(k " STORE_BYTES " PRIMARY KEY, v " STORE_BYTES ")",
			     &err), 0);
	unsigned char all[256], rev[256];
	for (int i = 0; i < 256; i++) {
		all[i] = (unsigned char)i;
		rev[i] = (unsigned char)(255 - i);
	}
	CHECK_INT(store_run(s, "INSERT INTO biz_key(k, v) VALUES(?, ?)",
			    STORE_ARGS(STORE_BLOB(all, sizeof all), STORE_BLOB(rev, sizeof rev)), &err), 0);
	/* a key that differs after a NUL is another key */
	CHECK_INT(store_run(s, "INSERT INTO biz_key(k, v) VALUES(?, ?)",
			    STORE_ARGS(STORE_BLOB(all, 2), STORE_BLOB("\0", 1)), &err), 0);
	CHECK_INT(store_run(s, "INSERT INTO biz_key(k, v) VALUES(?, ?)",
			    STORE_ARGS(STORE_BLOB(all, 2), STORE_BLOB("\0", 1)), &err), -1);
	CHECK_STR(err.code, AT_E_CONFLICT);
	store_stmt *st = store_prepare(s, "SELECT v FROM biz_key WHERE k = ?", &err);
	CHECK(st != NULL);
	if (st) {
		store_bind_blob(st, 1, all, sizeof all);
		CHECK_INT(store_step(st, &err), STORE_ROW);
		size_t len = 0;
		const void *b = store_col_blob(st, 0, &len);
		CHECK_INT(len, sizeof rev);
		CHECK(b && memcmp(b, rev, sizeof rev) == 0);
		CHECK_INT(store_step(st, &err), STORE_DONE);
		store_done(st);
	}
	done(s);
}

/* The schema a text dump of sqlite_schema gives, for comparing databases. */
static void schema_text(store *s, char *out, size_t cap)
{
	at_error err;
	size_t used = 0;
	out[0] = '\0';
	store_stmt *st = store_prepare(s, "SELECT type, name, sql FROM sqlite_schema ORDER BY type, name",
				       &err);
	if (!st)
		return;
	while (store_step(st, &err) == STORE_ROW && used < cap)
		used += (size_t)snprintf(out + used, cap - used, "%s %s %s\n", store_col_text(st, 0),
					 store_col_text(st, 1), store_col_text(st, 2));
	store_done(st);
}

/* An old database (its guard written as a trigger in migration 1, its keys
 * and byte columns in SQLite's words) and a new one (migration 1 without the
 * trigger and with the dialect's tokens, the guard by a step of migration 2)
 * end with the same schema: the way the modules moved their guards and
 * column types to the dialect without touching existing databases. */
static void test_guards_move_to_a_step(void)
{
	static char before[8192], after[8192];
	at_error err = {0};
	static const store_migration old1[] = {
		{1, "CREATE TABLE biz_log(seq INTEGER PRIMARY KEY, what TEXT NOT NULL);"
		    "CREATE TRIGGER biz_log_no_update BEFORE UPDATE ON biz_log"
		    " BEGIN SELECT RAISE(ABORT, 'biz_log is append-only'); END;"
		    "CREATE TRIGGER biz_log_no_delete BEFORE DELETE ON biz_log"
		    " BEGIN SELECT RAISE(ABORT, 'biz_log is append-only'); END;"
		    "CREATE TABLE biz_chain(seq INTEGER PRIMARY KEY,"
		    " prev_hash BLOB NOT NULL, hash BLOB NOT NULL);"
		    "CREATE TABLE biz_session(token_hash BLOB PRIMARY KEY, at INTEGER NOT NULL);"},
	};
	static const store_migration now[] = {
		{1, "CREATE TABLE biz_log(seq " STORE_SERIAL_KEY ", what TEXT NOT NULL);"
		    "CREATE TABLE biz_chain(seq " STORE_INT_KEY ","
		    " prev_hash " STORE_BYTES " NOT NULL, hash " STORE_BYTES " NOT NULL);"
		    "CREATE TABLE biz_session(token_hash " STORE_BYTES " PRIMARY KEY, at INTEGER NOT NULL);"},
		{2, NULL},
	};
	static const store_migration_step steps[] = {{2, guard_log}};

	store *s = fresh("guard-old");
	CHECK(s != NULL);
	if (!s)
		return;
	CHECK_INT(store_migrate(s, "biz", old1, 1, &err), 0);
	CHECK_INT(store_run(s, "INSERT INTO biz_log(what) VALUES('kept')", NULL, 0, &err), 0);
	CHECK_INT(store_migrate_steps(s, "biz", now, 2, steps, 1, &err), 0);   /* the upgrade */
	CHECK_INT(store_schema_version(s, "biz"), 2);
	schema_text(s, before, sizeof before);
	CHECK_INT(one_int(s, "SELECT count(*) FROM biz_log WHERE what = 'kept'"), 1);
	/* the old table's ids go on from the old rows, read back by RETURNING */
	int64_t id = 0;
	CHECK_INT(store_run_id(s, "INSERT INTO biz_log(what) VALUES('new') RETURNING seq", NULL, 0, &id,
			       &err), 0);
	CHECK_INT(id, 2);
	CHECK_INT(store_run(s, "DELETE FROM biz_log", NULL, 0, &err), -1);
	done(s);

	s = fresh("guard-new");
	CHECK(s != NULL);
	if (!s)
		return;
	CHECK_INT(store_migrate_steps(s, "biz", now, 2, steps, 1, &err), 0);
	schema_text(s, after, sizeof after);
	done(s);
	CHECK(strstr(before, "biz_log_no_delete") != NULL);
	CHECK(strstr(before, "biz_chain(seq INTEGER PRIMARY KEY, prev_hash BLOB NOT NULL") != NULL);
	CHECK_STR(before, after);
}

static void test_explain(void)
{
	store *s = fresh("explain");
	CHECK(s != NULL);
	if (!s)
		return;
	at_error err = {0};
	CHECK_INT(store_exec(s, "CREATE TABLE t(a INTEGER, b TEXT); CREATE INDEX t_b ON t(b);", &err), 0);
	char plan[512];
	CHECK_INT(store_explain(s, "SELECT a FROM t WHERE b = ?", plan, sizeof plan, &err), 0);
	CHECK(strstr(plan, "USING INDEX t_b") != NULL);
	CHECK_INT(store_explain(s, "SELECT a FROM t WHERE a = ?", plan, sizeof plan, &err), 0);
	CHECK(strstr(plan, "SCAN") != NULL);
	CHECK_INT(store_explain(s, "SELECT a FROM t", plan, 4, &err), -1);   /* does not fit */
	CHECK_INT(store_explain(s, "SELECT * FROM sp_grant", plan, sizeof plan, &err), -1);
	done(s);
}

int main(void)
{
	RUN(test_open_close);
	RUN(test_wal_and_durability);
	RUN(test_group_commit_paths);
	RUN(test_private_files);
	RUN(test_transactions);
	RUN(test_migrations_once_in_order);
	RUN(test_failed_migration_rolls_back);
	RUN(test_statement_cache);
	RUN(test_columns_and_errors);
	RUN(test_guard_refuses_business);
	RUN(test_guard_allows_spine);
	RUN(test_business_table_either_way);
	RUN(test_spine_statement_not_cached_for_business);
	RUN(test_bind_errors_are_sticky);
	RUN(test_one_shot_helpers);
	RUN(test_insert_returning_id);
	RUN(test_bytes_round_trip);
	RUN(test_dialect);
	RUN(test_guards_move_to_a_step);
	RUN(test_explain);
	return test_report();
}
