/*
 * platform — opening a data directory: the database, the key file and the
 * spine's schema and declarations, in one call used by the CLI, the server,
 * the tests and the benchmarks.
 *
 * A data directory holds:
 *   atena.db    the store (SQLite, WAL)
 *   keys.json   the key file (mode 0600), outside the database by design
 * and the municipality it serves (a 6-digit 全国地方公共団体コード), recorded
 * in the store at init.
 */
#ifndef ATENA_POLICY_PLATFORM_H
#define ATENA_POLICY_PLATFORM_H

#include "core/error.h"
#include "core/strbuf.h"
#include "crypto/crypto.h"
#include "store/store.h"

/* Create DIR and any missing parents (mode 0700), its key file and database,
 * run the spine's migrations, load the declarations and record the
 * municipality `code` with its identity (policy/municipality.h; a code
 * without data is refused). Refuses a directory that already holds a
 * database. */
int platform_init(const char *dir, const char *code, at_error *err);
/* Open an initialised directory: migrations and declarations are brought up
 * to date. Either out pointer may be NULL when not wanted. */
int platform_open(const char *dir, store **s, keyring **kr, at_error *err);
/* Open another connection to the same database (one per thread). */
int platform_connect(const char *dir, store **s, at_error *err);
/* Paths inside DIR. */
void platform_db_path(const char *dir, strbuf *out);
void platform_key_path(const char *dir, strbuf *out);
/* The data directory to use: --data, else $ATENA_DATA, else ./atena-data. */
const char *platform_default_dir(const char *flag_value);
/* The municipality code recorded at init (into a 7-byte buffer). */
int platform_municipality(store *s, char out[7], at_error *err);

#endif
