/*
 * store — the narrow database interface every Atena module uses.
 *
 * One `store` is one connection (one per thread). SQL is plain, portable SQL
 * with `?` placeholders; nothing outside src/store knows which engine runs it,
 * so a PostgreSQL backend can replace store_sqlite.c without touching callers.
 * The embedded default is SQLite in WAL mode with synchronous=FULL: a commit
 * that returned is on disk. Connections switched to group commit
 * (store_group_commit) keep that promise with a shared fsync.
 *
 * Portable means: `?` placeholders (not ?1 or :name), INSERT ... ON CONFLICT
 * (...) DO NOTHING / DO UPDATE (not INSERT OR IGNORE/REPLACE), no engine's
 * functions (bind time_now() rather than strftime), no index hints, no
 * triggers in module SQL, no engine-filled ids read back from the connection
 * (INSERT ... RETURNING with store_step_id / store_run_id instead). What the
 * engines spell differently is said through the dialect tokens and functions
 * below; tests/lint/sql_portable.sh enforces the rest.
 *
 * Guarantees:
 *  - Tables of the spine (prefix `sp_`: declared data, audit log, staff,
 *    grants, sessions) cannot be read or written through a business
 *    connection; the engine refuses the statement (see spine.h). The only way
 *    to declared data is the access layer in src/policy/door.h.
 *  - Statements are cached per connection; store_done() hands one back.
 *  - Migrations are versioned per module and applied once, in order.
 */
#ifndef ATENA_STORE_STORE_H
#define ATENA_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

typedef struct store store;
typedef struct store_stmt store_stmt;

/* Results of store_step. */
#define STORE_DONE 0   /* statement finished */
#define STORE_ROW 1    /* a row is ready to read */

/* ---- Connections ---------------------------------------------------- */
/* Open the database at path; create=false refuses a file that does not exist.
 * A database it creates is mode 0600 (its -wal and -shm too); one whose
 * group or others have any permission bit, or whose -wal or -shm has, is
 * refused (AT_E_INSECURE, naming the file and the chmod that fixes it). */
int store_open(const char *path, bool create, store **out, at_error *err);
void store_close(store *s);
/* The connection's page cache, in MiB (1..1024; SQLite's default is 2 MiB).
 * A bulk run that looks up random keys of a large table (the tax intake's
 * matching, the batch's documents) reads the same pages again and again:
 * with 2 MiB each lookup goes back to the file (issue 10 §2). Memory only:
 * no setting of durability or integrity changes. */
int store_cache_size(store *s, int mib, at_error *err);

/* ---- Transactions --------------------------------------------------- */
int store_begin(store *s, at_error *err);        /* write transaction (takes the write lock now) */
int store_begin_read(store *s, at_error *err);   /* read transaction: one consistent snapshot */
int store_commit(store *s, at_error *err);
void store_rollback(store *s);                   /* safe to call when no transaction is open */
bool store_in_tx(store *s);

/* ---- Group commit ----------------------------------------------------- */
/* Put s in group mode (docs/durability.md): its commits no longer fsync the
 * log each on their own; store_commit (and a change made outside a
 * transaction) returns only once one fsync of the database's write-ahead log,
 * shared by every connection of this process in group mode on the same
 * database, has covered it. The guarantee above stands — a commit that
 * returned is on disk — while concurrent commits share one fsync. A commit
 * whose sync fails reports 500 AT_E_STORE: the change may be in the log but
 * was not confirmed. For the server's worker connections; a connection not
 * switched keeps one fsync per commit. Call outside a transaction. */
int store_group_commit(store *s, at_error *err);
/* For tests and benchmarks: commits made so far on s's database in group
 * mode, how many of them an fsync has covered, and the fsyncs taken (all 0
 * when s is not in group mode). */
void store_group_stats(store *s, uint64_t *commits, uint64_t *synced, uint64_t *syncs);

/* ---- Statements ----------------------------------------------------- */
int store_exec(store *s, const char *sql, at_error *err);  /* one or more statements, no parameters */
store_stmt *store_prepare(store *s, const char *sql, at_error *err);
void store_done(store_stmt *st);                 /* reset and return to the cache */
/* Binders. A bind that fails (an index the statement does not have, out of
 * memory) is sticky: the statement remembers the first failure and the next
 * store_step fails with it, naming the parameter, without running anything.
 * So ignoring a binder's result cannot run a statement with a parameter
 * missing; the ~300 calls that ignore it are safe as they stand. */
int store_bind_text(store_stmt *st, int idx, const char *v);     /* NULL binds SQL NULL; idx from 1 */
int store_bind_int(store_stmt *st, int idx, int64_t v);
int store_bind_blob(store_stmt *st, int idx, const void *v, size_t len);
int store_bind_null(store_stmt *st, int idx);
int store_step(store_stmt *st, at_error *err);   /* STORE_ROW, STORE_DONE or -1 */
const char *store_col_text(store_stmt *st, int col);   /* "" for NULL; col from 0 */
int64_t store_col_int(store_stmt *st, int col);
const void *store_col_blob(store_stmt *st, int col, size_t *len);
bool store_col_null(store_stmt *st, int col);
int64_t store_changes(store *s);
/* Step an `INSERT ... RETURNING <key>` that inserts exactly one row and set
 * *id to the key it returns (a STORE_SERIAL_KEY the engine made). 0, or -1
 * with *err set: the statement failed, or returned no row or more than one
 * (*id untouched then). The caller still hands the statement back with
 * store_done.
 * Why RETURNING and no "last insert id" of the connection: SQLite's
 * last_insert_rowid is connection state that an INSERT which inserted
 * nothing (ON CONFLICT DO NOTHING) leaves naming an older row, and PostgreSQL
 * has no such call at all (only lastval() of whatever sequence ran last).
 * RETURNING names the row this statement inserted, in both engines (SQLite
 * since 3.35, checked when the store opens). */
int store_step_id(store_stmt *st, int64_t *id, at_error *err);

/* ---- One-shot statements ------------------------------------------------ */
/* A statement with its parameters in one call:
 *
 *     store_run(s, "UPDATE t SET a = ? WHERE id = ?", STORE_ARGS(STORE_TEXT(a), STORE_INT(id)), err);
 *     int64_t n;  int r = store_query_int(s, "SELECT count(*) FROM t WHERE k = ?",
 *                                         STORE_ARGS(STORE_TEXT(k)), &n, err);
 *
 * With no parameters pass NULL, 0. */
typedef struct store_arg {
	enum { STORE_ARG_NULL, STORE_ARG_INT, STORE_ARG_TEXT, STORE_ARG_BLOB } type;
	int64_t i;
	const char *t;      /* STORE_TEXT(NULL) binds SQL NULL */
	const void *b;
	size_t len;
} store_arg;

#define STORE_INT(v) ((store_arg){.type = STORE_ARG_INT, .i = (int64_t)(v)})
#define STORE_TEXT(v) ((store_arg){.type = STORE_ARG_TEXT, .t = (v)})
#define STORE_BLOB(p, n) ((store_arg){.type = STORE_ARG_BLOB, .b = (p), .len = (n)})
#define STORE_NULL_ARG ((store_arg){.type = STORE_ARG_NULL})
#define STORE_ARGS(...) \
	(const store_arg[]){__VA_ARGS__}, (sizeof((const store_arg[]){__VA_ARGS__}) / sizeof(store_arg))

/* Bind args[0..n) to parameters 1..n (sticky on failure, like the binders). */
int store_bind_args(store_stmt *st, const store_arg *args, size_t n);
/* Prepare, bind, step to the end, hand back. 0 or -1. */
int store_run(store *s, const char *sql, const store_arg *args, size_t n, at_error *err);
/* The first column of the first row: 1 with *out set, 0 when there is no row
 * (*out untouched), -1 on error. A NULL reads as 0 / "". */
int store_query_int(store *s, const char *sql, const store_arg *args, size_t n, int64_t *out,
		    at_error *err);
/* As store_query_int, copying text into out (cap bytes); text that does not
 * fit is an error, never a silent cut. */
int store_query_text(store *s, const char *sql, const store_arg *args, size_t n, char *out,
		     size_t cap, at_error *err);
/* Prepare, bind and store_step_id an `INSERT ... RETURNING <key>`: 0 with
 * *id set, or -1. */
int store_run_id(store *s, const char *sql, const store_arg *args, size_t n, int64_t *id,
		 at_error *err);

/* ---- Dialect: what SQL engines say differently -------------------------- */
/* Column types of migration SQL that the engines spell differently, joined in
 * as C string literals: "CREATE TABLE t(id " STORE_SERIAL_KEY ", b " STORE_BYTES ")".
 * The backend is chosen when Atena is built, so the tokens are its spelling;
 * the SQLite text is the one earlier migrations wrote out by hand, so
 * databases made by them keep a schema identical to new ones (test_store).
 *
 * STORE_SERIAL_KEY: a key the engine fills in when an INSERT leaves it out;
 *   read it back with INSERT ... RETURNING (store_step_id). Never given by an
 *   INSERT: PostgreSQL's GENERATED ALWAYS refuses a value.
 *   SQLite "INTEGER PRIMARY KEY" (the rowid); PostgreSQL
 *   "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY".
 * STORE_INT_KEY: an integer key every INSERT gives (the audit log's sequence
 *   number, a fiscal year, an id taken from another table). SQLite
 *   "INTEGER PRIMARY KEY" (the rowid: lookups by it are direct); PostgreSQL
 *   "BIGINT PRIMARY KEY". Only SQLite would fill it in if left out, so never
 *   leave it out.
 * STORE_BYTES: a byte string (hashes, keys, signatures; store_bind_blob).
 *   SQLite "BLOB"; PostgreSQL "bytea". */
#define STORE_SERIAL_KEY "INTEGER PRIMARY KEY"
#define STORE_INT_KEY "INTEGER PRIMARY KEY"
#define STORE_BYTES "BLOB"

/* After a CREATE TABLE's closing parenthesis, in migration SQL: keep the rows
 * in primary-key order. SQLite makes it WITHOUT ROWID; to any other engine it
 * is a comment. */
#define STORE_CLUSTERED " /*store:clustered*/"

#define STORE_NO_UPDATE 1u   /* store_append_only: refuse UPDATE */
#define STORE_NO_DELETE 2u   /* store_append_only: refuse DELETE */
/* Guard `table` so that the refused operations (STORE_NO_*) fail with `why`,
 * whoever runs them. `unless` (NULL for never) is a portable SQL condition
 * under which an UPDATE is let through (a flag row during key rotation).
 * Replaces an earlier guard of the same name (<table>_no_update,
 * <table>_no_delete), so calling it again is harmless. SQLite: BEFORE
 * triggers raising ABORT; a server engine: a trigger function or rule. Meant
 * for a store_migration_step. */
int store_append_only(store *s, const char *table, unsigned refuse, const char *unless,
		      const char *why, at_error *err);

/* The engine's plan for sql, one line per step, appended to out (cap bytes,
 * NUL-terminated). For tests that prove a query uses its index; the text is
 * the engine's own (SQLite: "SEARCH t USING INDEX i (a=?)"). */
int store_explain(store *s, const char *sql, char *out, size_t cap, at_error *err);

/* ---- Migrations ----------------------------------------------------- */
typedef struct store_migration {
	int version;        /* 1, 2, 3 ... within the module */
	const char *sql;    /* statements to apply (may be NULL when a step does the work) */
} store_migration;

/* What SQL cannot say portably (store_append_only ...), run in the
 * transaction of migration `version`, after its SQL. */
typedef struct store_migration_step {
	int version;
	int (*apply)(store *s, at_error *err);
} store_migration_step;

/* Apply the module's migrations newer than the recorded version, each in its
 * own transaction. Business modules may not create or touch `sp_` tables. */
int store_migrate(store *s, const char *module, const store_migration *m, size_t n,
		  at_error *err);
/* The same, with steps (each names a version of m). */
int store_migrate_steps(store *s, const char *module, const store_migration *m, size_t n,
			const store_migration_step *steps, size_t nsteps, at_error *err);
int store_schema_version(store *s, const char *module);

/* ---- Fault injection (test builds only) ------------------------------------ */
/* Issue 10 §3, the way SQLite tests itself: make the n-th call of one kind
 * fail, then check that the caller reported it, stored nothing partial, kept
 * the audit chain whole and can retry. Compiled only with ATENA_TEST_CLOCK
 * (never into a production build). Counting is process-wide: every
 * connection of a test build goes through the fault VFS (a shim over the
 * default one, as SQLite's own test_vfs), so the file points count the
 * writes and syncs of the database, its WAL and journals. A fault fires
 * once (the n-th call), then the point counts on without failing;
 * tests/unit/test_fault.c loops n over every call of an operation. */
#ifdef ATENA_TEST_CLOCK
typedef enum {
	STORE_FAULT_STEP = 1,    /* a statement step (store_step; BEGIN, COMMIT, exec'd SQL) */
	STORE_FAULT_COMMIT,      /* store_commit, before COMMIT runs */
	STORE_FAULT_SYNC,        /* the VFS's xSync: an fsync of the db or its WAL */
	STORE_FAULT_WRITE,       /* the VFS's xWrite */
} store_fault_point;
typedef enum {
	STORE_FAULT_IOERR = 1,   /* SQLITE_IOERR (_FSYNC, _WRITE at the file points) */
	STORE_FAULT_FULL,        /* SQLITE_FULL: the disk is full */
	STORE_FAULT_BUSY,        /* SQLITE_BUSY: the lock was not had in time (step, commit only) */
} store_fault_kind;
/* Fail the nth (1 ..) call at `point` from now with `kind`. -1 for a kind
 * the point cannot report (a file operation does not say busy). */
int store_fault_arm(store_fault_point point, int64_t nth, store_fault_kind kind);
/* Disarm; returns whether the armed fault fired. */
bool store_fault_disarm(void);
/* Calls counted at the armed point since the last arm. */
int64_t store_fault_calls(void);
#endif

#endif
