/*
 * store — the narrow database interface every Atena module uses.
 *
 * One `store` is one connection (one per thread). SQL is plain, portable SQL
 * with `?` placeholders; nothing outside src/store knows which engine runs it,
 * so a PostgreSQL backend can replace store_sqlite.c without touching callers.
 * The embedded default is SQLite in WAL mode with synchronous=FULL: a commit
 * that returned is on disk.
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
/* Open the database at path; create=false refuses a file that does not exist. */
int store_open(const char *path, bool create, store **out, at_error *err);
void store_close(store *s);

/* ---- Transactions --------------------------------------------------- */
int store_begin(store *s, at_error *err);        /* write transaction (takes the write lock now) */
int store_begin_read(store *s, at_error *err);   /* read transaction: one consistent snapshot */
int store_commit(store *s, at_error *err);
void store_rollback(store *s);                   /* safe to call when no transaction is open */
bool store_in_tx(store *s);

/* ---- Statements ----------------------------------------------------- */
int store_exec(store *s, const char *sql, at_error *err);  /* one or more statements, no parameters */
store_stmt *store_prepare(store *s, const char *sql, at_error *err);
void store_done(store_stmt *st);                 /* reset and return to the cache */
int store_bind_text(store_stmt *st, int idx, const char *v);     /* NULL binds SQL NULL; idx from 1 */
int store_bind_int(store_stmt *st, int idx, int64_t v);
int store_bind_blob(store_stmt *st, int idx, const void *v, size_t len);
int store_bind_null(store_stmt *st, int idx);
int store_step(store_stmt *st, at_error *err);   /* STORE_ROW, STORE_DONE or -1 */
const char *store_col_text(store_stmt *st, int col);   /* "" for NULL; col from 0 */
int64_t store_col_int(store_stmt *st, int col);
const void *store_col_blob(store_stmt *st, int col, size_t *len);
bool store_col_null(store_stmt *st, int col);
int64_t store_last_id(store *s);
int64_t store_changes(store *s);

/* ---- Migrations ----------------------------------------------------- */
typedef struct store_migration {
	int version;        /* 1, 2, 3 ... within the module */
	const char *sql;    /* statements to apply */
} store_migration;

/* Apply the module's migrations newer than the recorded version, each in its
 * own transaction. Business modules may not create or touch `sp_` tables. */
int store_migrate(store *s, const char *module, const store_migration *m, size_t n,
		  at_error *err);
int store_schema_version(store *s, const char *module);

#endif
