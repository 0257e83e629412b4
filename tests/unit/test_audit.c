/*
 * Tests of src/audit: the chain, the same-transaction guarantee, tampering
 * done behind Atena's back with a raw SQLite handle, exports verified with no
 * database, queries, and the sanitising that keeps user text from ever
 * making the log fail.
 *
 * The forgery test recomputes the chain with its own implementation of the
 * encoding documented in audit.c and in the export header, straight on
 * libsodium's BLAKE2b: the documentation is what an outside verifier gets.
 */
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
/* The sodium parts the independent re-implementation of the chain needs. */
#include <sodium/crypto_generichash.h>
#include <sodium/crypto_sign.h>

#include "audit/audit.h"
#include "core/text.h"
#include "store/spine/store_spine.h"  /* the spine's own access, as keys rotate has */
#include "test.h"

typedef struct ctx {
	store *s;
	keyring *kr;
	unsigned char pk[CRYPTO_SIGN_PK_BYTES];
	char db[512], key[512], out[512];
} ctx;

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

static int make_key(const char *path, keyring **kr)
{
	at_error err;
	remove(path);
	if (keyring_create(path, &err) || keyring_load(path, kr, &err)) {
		fprintf(stderr, "keyring %s: %s\n", path, err.message);
		return -1;
	}
	return 0;
}

/* A fresh database and key file per test. */
static int setup(ctx *c, const char *name)
{
	memset(c, 0, sizeof *c);
	int pid = (int)getpid();
	snprintf(c->db, sizeof c->db, "%s/audit-%s-%d.db", tmpdir(), name, pid);
	snprintf(c->key, sizeof c->key, "%s/audit-%s-%d.key", tmpdir(), name, pid);
	snprintf(c->out, sizeof c->out, "%s/audit-%s-%d.jsonl", tmpdir(), name, pid);
	remove_db(c->db);
	at_error err;
	if (store_open(c->db, true, &c->s, &err) || audit_migrate(c->s, &err)) {
		fprintf(stderr, "setup %s: %s\n", name, err.message);
		return -1;
	}
	if (make_key(c->key, &c->kr))
		return -1;
	keyring_public_key(c->kr, c->pk);
	/* As platform_init does: the genesis checkpoint (1, at event 0). */
	if (audit_genesis(c->s, c->kr, &err)) {
		fprintf(stderr, "setup %s: genesis: %s\n", name, err.message);
		return -1;
	}
	return 0;
}

static void teardown(ctx *c)
{
	store_close(c->s);
	keyring_free(c->kr);
	remove_db(c->db);
	remove(c->key);
	remove(c->out);
	unsetenv("ATENA_FAKE_NOW");
}

static audit_event ev(const char *staff, const char *subject, const char *reason)
{
	audit_event e = {
		.staff_id = staff,
		.department = "市民課",
		.terminal_id = "T-01",
		.business = "resident_register",
		.reason = reason,
		.case_id = "C-2024-001",
		.subject = subject,
		.items = "name,address",
		.operation = "read",
		.outcome = AUDIT_OK,
		.detail = "registry.resident",
	};
	return e;
}

/* n events, each in a transaction of its own as the door would write them. */
static int append_n(ctx *c, int n)
{
	at_error err;
	for (int i = 0; i < n; i++) {
		char staff[16], subject[16];
		snprintf(staff, sizeof staff, "s%03d", i % 3 + 1);
		snprintf(subject, sizeof subject, "A%05d", i % 4 + 1);
		audit_event e = ev(staff, subject, "転入届の審査");
		if (store_begin(c->s, &err) || audit_append(c->s, &e, NULL, &err) ||
		    store_commit(c->s, &err)) {
			fprintf(stderr, "append: %s\n", err.message);
			store_rollback(c->s);
			return -1;
		}
	}
	return 0;
}

static audit_report verify(ctx *c)
{
	audit_report rep;
	at_error err;
	if (audit_verify_db(c->s, c->pk, &rep, &err)) {
		fprintf(stderr, "verify: %s\n", err.message);
		memset(&rep, 0, sizeof rep);
		rep.bad_seq = -1;
	}
	return rep;
}

/* ---- Tampering, behind Atena's back --------------------------------------- */

/* A writer of the database file drops the store's append-only guards first. */
#define UNGUARD                                                                              \
	"DROP TRIGGER IF EXISTS sp_audit_event_no_update;"                                   \
	"DROP TRIGGER IF EXISTS sp_audit_event_no_delete;"                                   \
	"DROP TRIGGER IF EXISTS sp_audit_checkpoint_no_update;"                              \
	"DROP TRIGGER IF EXISTS sp_audit_checkpoint_no_delete;"

static int raw(ctx *c, const char *sql)
{
	sqlite3 *db;
	if (sqlite3_open(c->db, &db) != SQLITE_OK)
		return -1;
	sqlite3_busy_timeout(db, 5000);
	char *msg = NULL;
	int rc = sqlite3_exec(db, UNGUARD, NULL, NULL, &msg);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK)
		fprintf(stderr, "raw: %s: %s\n", sql, msg ? msg : "?");
	sqlite3_free(msg);
	sqlite3_close(db);
	return rc == SQLITE_OK ? 0 : -1;
}

static int64_t raw_int(ctx *c, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	int64_t v = -999;
	if (sqlite3_open(c->db, &db) != SQLITE_OK)
		return v;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			v = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	return v;
}

static void be(unsigned char *p, uint64_t v, int n)
{
	for (int i = n - 1; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char)(v & 0xff);
}

/* The documented encoding, reimplemented: BLAKE2b-256(prev || u64be seq ||
 * u64be ts || 11 x (u32be len || bytes)). Row columns: seq, ts, 11 fields. */
static void outside_hash(const unsigned char prev[32], sqlite3_stmt *row, unsigned char out[32])
{
	crypto_generichash_state h;
	unsigned char b[8];
	crypto_generichash_init(&h, NULL, 0, 32);
	crypto_generichash_update(&h, prev, 32);
	be(b, (uint64_t)sqlite3_column_int64(row, 0), 8);
	crypto_generichash_update(&h, b, 8);
	be(b, (uint64_t)sqlite3_column_int64(row, 1), 8);
	crypto_generichash_update(&h, b, 8);
	for (int i = 0; i < 11; i++) {
		const unsigned char *t = sqlite3_column_text(row, 2 + i);
		size_t n = (size_t)sqlite3_column_bytes(row, 2 + i);
		be(b, n, 4);
		crypto_generichash_update(&h, b, 4);
		crypto_generichash_update(&h, t, n);
	}
	crypto_generichash_final(&h, out, 32);
}

#define ROW_COLS                                                                          \
	"seq, ts, staff_id, department, terminal_id, business, reason, case_id, subject, " \
	"items, operation, outcome, detail"

/* What a forger without the key can do: rewrite prev_hash and hash from seq
 * `from` on so that the chain is consistent again. With check_only, compare
 * instead and return the number of events whose stored hash differs. */
static int rechain(ctx *c, int64_t from, bool check_only)
{
	sqlite3 *db;
	sqlite3_stmt *rows, *upd, *prevq;
	unsigned char prev[32] = {0};
	int differ = 0;
	sqlite3_open(c->db, &db);
	sqlite3_busy_timeout(db, 5000);
	sqlite3_exec(db, "BEGIN IMMEDIATE;" UNGUARD, NULL, NULL, NULL);
	sqlite3_prepare_v2(db, "SELECT hash FROM sp_audit_event WHERE seq = ?", -1, &prevq, NULL);
	sqlite3_bind_int64(prevq, 1, from - 1);
	if (sqlite3_step(prevq) == SQLITE_ROW)
		memcpy(prev, sqlite3_column_blob(prevq, 0), 32);
	sqlite3_finalize(prevq);
	sqlite3_prepare_v2(db, "SELECT " ROW_COLS ", hash FROM sp_audit_event WHERE seq >= ? ORDER BY seq",
			   -1, &rows, NULL);
	sqlite3_prepare_v2(db, "UPDATE sp_audit_event SET prev_hash = ?, hash = ? WHERE seq = ?", -1,
			   &upd, NULL);
	sqlite3_bind_int64(rows, 1, from);
	while (sqlite3_step(rows) == SQLITE_ROW) {
		unsigned char h[32];
		outside_hash(prev, rows, h);
		if (check_only) {
			if (sqlite3_column_bytes(rows, 13) != 32 || memcmp(sqlite3_column_blob(rows, 13), h, 32))
				differ++;
		} else {
			sqlite3_bind_blob(upd, 1, prev, 32, SQLITE_TRANSIENT);
			sqlite3_bind_blob(upd, 2, h, 32, SQLITE_TRANSIENT);
			sqlite3_bind_int64(upd, 3, sqlite3_column_int64(rows, 0));
			sqlite3_step(upd);
			sqlite3_reset(upd);
		}
		memcpy(prev, h, 32);
	}
	sqlite3_finalize(rows);
	sqlite3_finalize(upd);
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	sqlite3_close(db);
	return differ;
}

/* What a forger with a key of their own can sign: the documented checkpoint
 * message (version 3, or version 2 for ledger version 1) for the stored
 * checkpoint at seq. */
static void forge_sign(sqlite3 *db, int64_t seq, const unsigned char *sk, unsigned char sig[64])
{
	unsigned char msg[26 + 8 + 8 + 32 + 8 + 4 + 32 + 32], prev[32] = {0};
	size_t len = 0;
	sqlite3_stmt *st;
	sqlite3_prepare_v2(db, "SELECT n, hash, signed_at, ledger, ledger_v FROM sp_audit_checkpoint"
			   " WHERE seq = ?", -1, &st, NULL);
	sqlite3_bind_int64(st, 1, seq);
	int64_t n = 0;
	if (sqlite3_step(st) == SQLITE_ROW) {
		n = sqlite3_column_int64(st, 0);
		int64_t lv = sqlite3_column_int64(st, 4);
		/* with the 0x00 */
		memcpy(msg, lv > 1 ? "atena-audit-checkpoint-v3" : "atena-audit-checkpoint-v2", 26);
		be(msg + 26, (uint64_t)n, 8);
		be(msg + 34, (uint64_t)seq, 8);
		memcpy(msg + 42, sqlite3_column_blob(st, 1), 32);
		be(msg + 74, (uint64_t)sqlite3_column_int64(st, 2), 8);
		len = 82;
		if (lv > 1) {
			be(msg + len, (uint64_t)lv, 4);
			len += 4;
		}
		memcpy(msg + len, sqlite3_column_blob(st, 3), 32);
		len += 32;
	}
	sqlite3_finalize(st);
	sqlite3_prepare_v2(db, "SELECT signature FROM sp_audit_checkpoint WHERE n = ?", -1, &st, NULL);
	sqlite3_bind_int64(st, 1, n - 1);
	if (sqlite3_step(st) == SQLITE_ROW)
		crypto_generichash(prev, 32, sqlite3_column_blob(st, 0), 64, NULL, 0);
	sqlite3_finalize(st);
	memcpy(msg + len, prev, 32);
	len += 32;
	crypto_sign_detached(sig, NULL, msg, len, sk);
}

/* ---- Files ----------------------------------------------------------------- */

static int export_to(ctx *c)
{
	at_error err;
	FILE *f = fopen(c->out, "w");
	if (!f)
		return -1;
	int rc = audit_export(c->s, c->kr, f, &err);
	if (rc)
		fprintf(stderr, "export: %s\n", err.message);
	fclose(f);
	return rc;
}

static audit_report verify_file(ctx *c, const unsigned char *pk)
{
	audit_report rep;
	at_error err;
	memset(&rep, 0, sizeof rep);
	FILE *f = fopen(c->out, "r");
	if (!f || audit_verify_export(f, pk, &rep, &err)) {
		rep.bad_seq = -1;
		snprintf(rep.message, sizeof rep.message, "verify_export failed to run");
	}
	if (f)
		fclose(f);
	return rep;
}

#define MAX_LINES 64
typedef struct lines {
	char *l[MAX_LINES];
	int n;
} lines;

static void read_lines(ctx *c, lines *ls)
{
	ls->n = 0;
	FILE *f = fopen(c->out, "r");
	char *line = NULL;
	size_t cap = 0;
	while (f && ls->n < MAX_LINES && getline(&line, &cap, f) > 0)
		ls->l[ls->n++] = strdup(line);
	free(line);
	if (f)
		fclose(f);
}

/* Write the lines back, line `replace` (1-based) replaced by `with` (NULL drops it). */
static void write_lines(ctx *c, const lines *ls, int replace, const char *with)
{
	FILE *f = fopen(c->out, "w");
	for (int i = 0; f && i < ls->n; i++) {
		if (i + 1 == replace) {
			if (with)
				fputs(with, f);
		} else {
			fputs(ls->l[i], f);
		}
	}
	if (f)
		fclose(f);
}

static void free_lines(lines *ls)
{
	for (int i = 0; i < ls->n; i++)
		free(ls->l[i]);
	ls->n = 0;
}

/* Replace the first `from` in s with `to` (new string). */
static char *replace_in(const char *s, const char *from, const char *to)
{
	const char *p = strstr(s, from);
	if (!p)
		return strdup(s);
	size_t n = strlen(s) - strlen(from) + strlen(to) + 1;
	char *r = malloc(n);
	snprintf(r, n, "%.*s%s%s", (int)(p - s), s, to, p + strlen(from));
	return r;
}

/* ---- Tests -------------------------------------------------------------------- */

static void test_append_and_verify(void)
{
	ctx c;
	if (setup(&c, "chain"))
		{ CHECK(0); return; }
	at_error err;
	setenv("ATENA_FAKE_NOW", "1700000000", 1);
	CHECK_INT(store_begin(c.s, &err), 0);
	for (int i = 1; i <= 3; i++) {
		audit_event e = ev("s001", "A00001", "住民票の写しの交付");
		int64_t seq = 0;
		CHECK_INT(audit_append(c.s, &e, &seq, &err), 0);
		CHECK_INT(seq, i);
	}
	CHECK_INT(store_commit(c.s, &err), 0);
	CHECK_INT(raw_int(&c, "SELECT ts FROM sp_audit_event WHERE seq = 2"), 1700000000);

	audit_report rep = verify(&c);
	CHECK(rep.ok);
	CHECK_INT(rep.events, 3);
	CHECK_INT(rep.checkpoints, 1);  /* the genesis */
	CHECK_INT(rep.bad_seq, 0);
	CHECK(strstr(rep.message, "3 events") != NULL);
	CHECK(strstr(rep.message, "no event is covered") != NULL);

	/* The stored hashes are exactly the documented encoding. */
	CHECK_INT(rechain(&c, 1, true), 0);

	CHECK_INT(audit_checkpoint(c.s, c.kr, &err), 0);
	CHECK_INT(audit_checkpoint(c.s, c.kr, &err), 0);  /* nothing new: no second one */
	CHECK_INT(raw_int(&c, "SELECT count(*) FROM sp_audit_checkpoint"), 2);
	CHECK_INT(raw_int(&c, "SELECT n FROM sp_audit_checkpoint WHERE seq = 3"), 2);
	rep = verify(&c);
	CHECK(rep.ok);
	CHECK_INT(rep.checkpoints, 2);
	CHECK(strstr(rep.message, "signed through event 3") != NULL);

	CHECK_INT(append_n(&c, 2), 0);
	rep = verify(&c);
	CHECK(rep.ok);
	CHECK_INT(rep.events, 5);
	CHECK(strstr(rep.message, "events 4..5 are not covered") != NULL);
	CHECK_INT(audit_checkpoint(c.s, c.kr, &err), 0);
	CHECK_INT(raw_int(&c, "SELECT max(seq) FROM sp_audit_checkpoint"), 5);
	rep = verify(&c);
	CHECK(rep.ok);
	CHECK_INT(rep.checkpoints, 3);

	/* Migrating again changes nothing. */
	CHECK_INT(audit_migrate(c.s, &err), 0);
	CHECK_INT(store_schema_version(c.s, "audit"), 3);
	teardown(&c);
}

static void test_empty_log(void)
{
	ctx c;
	if (setup(&c, "empty"))
		{ CHECK(0); return; }
	at_error err;
	audit_report rep = verify(&c);
	CHECK(rep.ok);
	CHECK_INT(rep.events, 0);
	CHECK_INT(rep.checkpoints, 1);
	CHECK_INT(audit_checkpoint(c.s, c.kr, &err), 0);  /* nothing new to sign */
	CHECK_INT(raw_int(&c, "SELECT count(*) FROM sp_audit_checkpoint"), 1);
	CHECK_INT(export_to(&c), 0);
	rep = verify_file(&c, c.pk);
	CHECK(rep.ok);
	CHECK_INT(rep.events, 0);
	teardown(&c);
}

static void test_append_needs_transaction(void)
{
	ctx c;
	if (setup(&c, "notx"))
		{ CHECK(0); return; }
	at_error err;
	audit_event e = ev("s001", "A00001", "照会");
	CHECK_INT(audit_append(c.s, &e, NULL, &err), -1);
	CHECK_STR(err.code, AT_E_INTERNAL);
	CHECK(strstr(err.message, "transaction") != NULL);
	CHECK_INT(raw_int(&c, "SELECT count(*) FROM sp_audit_event"), 0);

	/* append_now has its own, and is durable at return. */
	CHECK_INT(audit_append_now(c.s, &e, &err), 0);
	CHECK(!store_in_tx(c.s));
	CHECK_INT(raw_int(&c, "SELECT count(*) FROM sp_audit_event"), 1);
	/* ... and refuses to nest inside someone else's. */
	CHECK_INT(store_begin(c.s, &err), 0);
	CHECK_INT(audit_append_now(c.s, &e, &err), -1);
	CHECK(store_in_tx(c.s));  /* the caller's transaction is left to the caller */
	store_rollback(c.s);
	CHECK(verify(&c).ok);
	teardown(&c);
}

static void test_rollback_takes_the_event(void)
{
	ctx c;
	if (setup(&c, "rollback"))
		{ CHECK(0); return; }
	at_error err;
	CHECK_INT(store_exec(c.s, "CREATE TABLE biz_access(x INTEGER)", &err), 0);
	/* The access and its event are one transaction: both vanish... */
	CHECK_INT(store_begin(c.s, &err), 0);
	CHECK_INT(store_exec(c.s, "INSERT INTO biz_access VALUES(1)", &err), 0);
	audit_event e = ev("s001", "A00001", "照会");
	int64_t seq = 0;
	CHECK_INT(audit_append(c.s, &e, &seq, &err), 0);
	CHECK_INT(seq, 1);
	store_rollback(c.s);
	CHECK_INT(raw_int(&c, "SELECT count(*) FROM biz_access"), 0);
	CHECK_INT(raw_int(&c, "SELECT count(*) FROM sp_audit_event"), 0);
	/* ... or commit together, and the sequence has no hole where the rollback was. */
	CHECK_INT(store_begin(c.s, &err), 0);
	CHECK_INT(store_exec(c.s, "INSERT INTO biz_access VALUES(2)", &err), 0);
	CHECK_INT(audit_append(c.s, &e, &seq, &err), 0);
	CHECK_INT(store_commit(c.s, &err), 0);
	CHECK_INT(seq, 1);
	CHECK_INT(raw_int(&c, "SELECT count(*) FROM biz_access"), 1);
	audit_report rep = verify(&c);
	CHECK(rep.ok);
	CHECK_INT(rep.events, 1);
	teardown(&c);
}

static void test_business_connection_cannot_touch_log(void)
{
	ctx c;
	if (setup(&c, "guard"))
		{ CHECK(0); return; }
	at_error err;
	CHECK_INT(append_n(&c, 2), 0);
	CHECK(store_prepare(c.s, "SELECT * FROM sp_audit_event", &err) == NULL);
	CHECK_STR(err.code, AT_E_FORBIDDEN);
	CHECK_INT(store_exec(c.s, "DELETE FROM sp_audit_event", &err), -1);
	CHECK_STR(err.code, AT_E_FORBIDDEN);
	CHECK_INT(store_exec(c.s, "UPDATE sp_audit_checkpoint SET seq = 0", &err), -1);
	CHECK_INT(raw_int(&c, "SELECT count(*) FROM sp_audit_event"), 2);

	/* Every entry point, on success and on failure, leaves the spine section
	 * it entered: the connection is a business connection again afterwards. */
	audit_event e = ev("s001", "A00001", "照会");
	audit_report rep;
	json_t *out = NULL;
	audit_filter bad = {.limit = 5000}, good = {.subject = "A00001"};
	CHECK_INT(audit_append(c.s, &e, NULL, &err), -1);
	CHECK_INT(audit_append(c.s, NULL, NULL, &err), -1);
	CHECK_INT(audit_append_now(c.s, &e, &err), 0);
	CHECK_INT(audit_checkpoint(c.s, c.kr, &err), 0);
	CHECK_INT(audit_verify_db(c.s, c.pk, &rep, &err), 0);
	CHECK_INT(audit_query(c.s, &bad, &out, &err), -1);
	CHECK_INT(audit_query(c.s, &good, &out, &err), 0);
	json_decref(out);
	CHECK_INT(export_to(&c), 0);
	CHECK_INT(audit_migrate(c.s, &err), 0);
	CHECK(store_prepare(c.s, "SELECT count(*) FROM sp_audit_event", &err) == NULL);
	CHECK_STR(err.code, AT_E_FORBIDDEN);
	CHECK(!store_in_tx(c.s));
	teardown(&c);
}

/* 5 events signed at 5; the tamper; the report. */
static int signed_five(ctx *c, const char *name)
{
	at_error err;
	if (setup(c, name) || append_n(c, 5) || audit_checkpoint(c->s, c->kr, &err))
		return -1;
	return verify(c).ok ? 0 : -1;
}

static void test_tamper_update(void)
{
	ctx c;
	if (signed_five(&c, "update"))
		{ CHECK(0); return; }
	CHECK_INT(raw(&c, "UPDATE sp_audit_event SET reason = '興味本位' WHERE seq = 3"), 0);
	audit_report rep = verify(&c);
	CHECK(!rep.ok);
	CHECK_INT(rep.bad_seq, 3);
	CHECK(strstr(rep.message, "event 3 was modified") != NULL);
	/* Signing now would vouch for the change: refused. */
	at_error err;
	CHECK_INT(append_n(&c, 1), 0);  /* appending still works: audit never stops */
	CHECK_INT(audit_checkpoint(c.s, c.kr, &err), 0);  /* only the tail is walked... */
	teardown(&c);

	/* ... so a change in the unsigned tail is caught before signing. */
	if (signed_five(&c, "update2"))
		{ CHECK(0); return; }
	CHECK_INT(append_n(&c, 3), 0);
	CHECK_INT(raw(&c, "UPDATE sp_audit_event SET ts = ts - 86400 WHERE seq = 7"), 0);
	rep = verify(&c);
	CHECK(!rep.ok);
	CHECK_INT(rep.bad_seq, 7);
	CHECK_INT(audit_checkpoint(c.s, c.kr, &err), -1);
	CHECK_STR(err.code, "audit_chain_broken");
	CHECK(strstr(err.message, "event 7") != NULL);
	CHECK_INT(raw_int(&c, "SELECT count(*) FROM sp_audit_checkpoint"), 2);

	/* A NUL smuggled into a field is a change too. */
	CHECK_INT(raw(&c, "UPDATE sp_audit_event SET staff_id = CAST(staff_id || x'00' || 'x' AS TEXT) "
			  "WHERE seq = 2"), 0);
	rep = verify(&c);
	CHECK_INT(rep.bad_seq, 2);
	teardown(&c);
}

static void test_tamper_delete_middle(void)
{
	ctx c;
	if (signed_five(&c, "delete"))
		{ CHECK(0); return; }
	CHECK_INT(raw(&c, "DELETE FROM sp_audit_event WHERE seq = 3"), 0);
	audit_report rep = verify(&c);
	CHECK(!rep.ok);
	CHECK_INT(rep.bad_seq, 3);
	CHECK(strstr(rep.message, "event 3 is missing") != NULL);
	CHECK_INT(rep.events, 2);
	teardown(&c);

	/* Deleting and renumbering to hide the gap breaks the link instead. */
	if (signed_five(&c, "delete2"))
		{ CHECK(0); return; }
	CHECK_INT(raw(&c, "DELETE FROM sp_audit_event WHERE seq = 3;"
			  "UPDATE sp_audit_event SET seq = seq - 1 WHERE seq > 3;"), 0);
	rep = verify(&c);
	CHECK(!rep.ok);
	CHECK_INT(rep.bad_seq, 3);
	CHECK(strstr(rep.message, "event 3 does not link to event 2") != NULL);
	teardown(&c);
}

static void test_tamper_truncate(void)
{
	ctx c;
	if (signed_five(&c, "truncate"))
		{ CHECK(0); return; }
	CHECK_INT(raw(&c, "DELETE FROM sp_audit_event WHERE seq >= 4"), 0);
	audit_report rep = verify(&c);
	CHECK(!rep.ok);
	CHECK_INT(rep.bad_seq, 4);
	CHECK(strstr(rep.message, "checkpoint at 5 refers to a missing event") != NULL);
	CHECK(strstr(rep.message, "truncated") != NULL);
	teardown(&c);

	if (signed_five(&c, "truncate2"))
		{ CHECK(0); return; }
	CHECK_INT(raw(&c, "DELETE FROM sp_audit_event"), 0);
	rep = verify(&c);
	CHECK(!rep.ok);
	CHECK_INT(rep.bad_seq, 1);
	CHECK(strstr(rep.message, "truncated") != NULL);
	teardown(&c);

	/* The limit, stated: events after the last checkpoint are not signed yet,
	 * so cutting only those cannot be seen in the database. The server's
	 * checkpoint every AUDIT_CHECKPOINT_SECONDS and one at each export bound
	 * that window. */
	if (signed_five(&c, "truncate3"))
		{ CHECK(0); return; }
	CHECK_INT(append_n(&c, 2), 0);
	CHECK_INT(raw(&c, "DELETE FROM sp_audit_event WHERE seq > 5"), 0);
	CHECK(verify(&c).ok);
	teardown(&c);
}

static void test_tamper_reorder(void)
{
	ctx c;
	if (signed_five(&c, "reorder"))
		{ CHECK(0); return; }
	/* Swap everything but seq between events 2 and 3. */
	CHECK_INT(raw(&c,
		      "CREATE TEMP TABLE t AS SELECT * FROM sp_audit_event WHERE seq IN (2, 3);"
		      "UPDATE sp_audit_event SET (ts, staff_id, department, terminal_id, business, reason,"
		      " case_id, subject, items, operation, outcome, detail, prev_hash, hash) ="
		      " (SELECT ts, staff_id, department, terminal_id, business, reason, case_id, subject,"
		      " items, operation, outcome, detail, prev_hash, hash FROM t"
		      " WHERE t.seq = 5 - sp_audit_event.seq) WHERE seq IN (2, 3);"),
	      0);
	audit_report rep = verify(&c);
	CHECK(!rep.ok);
	CHECK_INT(rep.bad_seq, 2);
	CHECK(strstr(rep.message, "event 2") != NULL);
	teardown(&c);

	/* Swapping only the fields (keeping the hashes in place). */
	if (signed_five(&c, "reorder2"))
		{ CHECK(0); return; }
	CHECK_INT(raw(&c, "UPDATE sp_audit_event SET subject = 'A00009' WHERE seq = 4;"
			  "UPDATE sp_audit_event SET subject = 'A00004' WHERE seq = 2;"), 0);
	rep = verify(&c);
	CHECK(!rep.ok);
	CHECK_INT(rep.bad_seq, 2);
	teardown(&c);
}

static void test_forged_insert_caught_by_checkpoint(void)
{
	ctx c;
	if (signed_five(&c, "forge"))
		{ CHECK(0); return; }
	/* Make room at 3, insert a forged event, recompute the chain: consistent
	 * again, but only the key could re-sign it. */
	CHECK_INT(raw(&c,
		      "UPDATE sp_audit_event SET seq = -seq WHERE seq >= 3;"
		      "UPDATE sp_audit_event SET seq = 1 - seq WHERE seq < 0;"
		      "INSERT INTO sp_audit_event SELECT 3, ts, staff_id, department, terminal_id,"
		      " business, '正当な理由', case_id, 'A00077', items, operation, outcome, detail,"
		      " prev_hash, hash FROM sp_audit_event WHERE seq = 2;"),
	      0);
	rechain(&c, 3, false);
	CHECK_INT(rechain(&c, 1, true), 0);  /* the chain itself is consistent now */
	audit_report rep = verify(&c);
	CHECK(!rep.ok);
	CHECK_INT(rep.bad_seq, 5);
	CHECK(strstr(rep.message, "checkpoint at 5 does not match the chain") != NULL);
	/* And it cannot be signed over. */
	at_error err;
	CHECK_INT(audit_checkpoint(c.s, c.kr, &err), -1);
	CHECK_STR(err.code, "audit_chain_broken");

	/* Moving the checkpoint's hash along: the signature gives it away. */
	CHECK_INT(raw(&c, "UPDATE sp_audit_checkpoint SET hash ="
			  " (SELECT hash FROM sp_audit_event WHERE seq = 5) WHERE seq = 5"), 0);
	rep = verify(&c);
	CHECK(!rep.ok);
	CHECK_INT(rep.bad_seq, 5);
	CHECK(strstr(rep.message, "signature does not verify") != NULL);

	/* Re-signing with a key of the forger's own: named as a different key. */
	unsigned char fpk[crypto_sign_PUBLICKEYBYTES], fsk[crypto_sign_SECRETKEYBYTES];
	crypto_sign_keypair(fpk, fsk);
	unsigned char sig[64];
	sqlite3 *db;
	sqlite3_stmt *st;
	sqlite3_open(c.db, &db);
	forge_sign(db, 5, fsk, sig);
	sqlite3_prepare_v2(db, "UPDATE sp_audit_checkpoint SET signature = ?, public_key = ? WHERE seq = 5",
			   -1, &st, NULL);
	sqlite3_bind_blob(st, 1, sig, 64, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, fpk, 32, SQLITE_STATIC);
	CHECK_INT(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
	sqlite3_close(db);
	rep = verify(&c);
	CHECK(!rep.ok);
	CHECK_INT(rep.bad_seq, 5);
	CHECK(strstr(rep.message, "signed with a different key") != NULL);
	teardown(&c);
}

static void test_verify_db_wrong_key(void)
{
	ctx c;
	if (signed_five(&c, "wrongkey"))
		{ CHECK(0); return; }
	unsigned char other[CRYPTO_SIGN_PK_BYTES];
	memcpy(other, c.pk, sizeof other);
	other[0] ^= 1;
	audit_report rep;
	at_error err;
	CHECK_INT(audit_verify_db(c.s, other, &rep, &err), 0);
	CHECK(!rep.ok);
	CHECK_INT(rep.bad_seq, 0);  /* the genesis already fails */
	CHECK(strstr(rep.message, "checkpoint at 0") != NULL);
	teardown(&c);
}

static void test_export_and_verify(void)
{
	ctx c;
	if (setup(&c, "export"))
		{ CHECK(0); return; }
	CHECK_INT(append_n(&c, 5), 0);
	CHECK_INT(export_to(&c), 0);  /* signs the head first */
	CHECK_INT(raw_int(&c, "SELECT max(seq) FROM sp_audit_checkpoint"), 5);

	lines ls;
	read_lines(&c, &ls);
	CHECK_INT(ls.n, 1 + 5 + 2 + 1);  /* header, events, genesis and head, trailer */
	if (ls.n == 9) {
		CHECK(strstr(ls.l[0], "\"format\":\"atena-audit-export-v1\"") != NULL);
		CHECK(strstr(ls.l[0], "\"hash\":\"blake2b-256\"") != NULL);
		CHECK(strstr(ls.l[0], "\"encoding\":\"") != NULL);
		CHECK(strstr(ls.l[1], "\"seq\":1,") != NULL);
		CHECK(strstr(ls.l[1], "\"prev_hash\":\"0000000000000000") != NULL);
		CHECK(strstr(ls.l[3], "\"reason\":\"転入届の審査\"") != NULL);
		CHECK(strstr(ls.l[6], "\"checkpoint\":0,") != NULL);
		CHECK(strstr(ls.l[7], "\"checkpoint\":5,") != NULL);
		CHECK(strstr(ls.l[7], "\"n\":2,") != NULL);
		CHECK(strstr(ls.l[8], "\"trailer\":\"atena-audit-export-trailer-v1\",\"events\":5,") != NULL);
	}
	free_lines(&ls);

	audit_report rep = verify_file(&c, c.pk);
	CHECK(rep.ok);
	CHECK_INT(rep.events, 5);
	CHECK_INT(rep.checkpoints, 2);
	CHECK(strstr(rep.message, "signed through event 5") != NULL);
	CHECK(strstr(rep.message, "--pubkey") == NULL);
	CHECK(!rep.unpinned);

	rep = verify_file(&c, NULL);
	CHECK(rep.ok);
	CHECK(rep.unpinned);
	CHECK(strstr(rep.message, "NOTHING IS PROVEN") != NULL);

	/* More events, another export: two checkpoints, both checked. */
	CHECK_INT(append_n(&c, 3), 0);
	CHECK_INT(export_to(&c), 0);
	rep = verify_file(&c, c.pk);
	CHECK(rep.ok);
	CHECK_INT(rep.events, 8);
	CHECK_INT(rep.checkpoints, 3);
	CHECK(verify(&c).ok);

	/* A broken chain is still exported (the damage is the evidence), unsigned. */
	CHECK_INT(append_n(&c, 1), 0);
	CHECK_INT(raw(&c, "UPDATE sp_audit_event SET items = 'my_number' WHERE seq = 9"), 0);
	at_error err;
	FILE *f = fopen(c.out, "w");
	CHECK_INT(audit_export(c.s, c.kr, f, &err), -1);
	fclose(f);
	CHECK_STR(err.code, "audit_chain_broken");
	CHECK_INT(raw_int(&c, "SELECT max(seq) FROM sp_audit_checkpoint"), 8);
	rep = verify_file(&c, c.pk);
	CHECK(!rep.ok);
	CHECK_INT(rep.bad_seq, 9);
	teardown(&c);
}

static void test_export_tampered(void)
{
	ctx c;
	if (setup(&c, "exptamper"))
		{ CHECK(0); return; }
	CHECK_INT(append_n(&c, 5), 0);
	CHECK_INT(export_to(&c), 0);
	lines ls;
	read_lines(&c, &ls);
	CHECK_INT(ls.n, 9);
	if (ls.n != 9) {
		teardown(&c);
		return;
	}

	/* An edited field (line 4 is event 3). */
	char *edited = replace_in(ls.l[3], "\"staff_id\":\"s003\"", "\"staff_id\":\"s999\"");
	CHECK(strcmp(edited, ls.l[3]) != 0);
	write_lines(&c, &ls, 4, edited);
	free(edited);
	audit_report rep = verify_file(&c, c.pk);
	CHECK(!rep.ok);
	CHECK_INT(rep.bad_seq, 3);
	CHECK(strstr(rep.message, "line 4") != NULL);
	CHECK(strstr(rep.message, "event 3") != NULL);

	/* A line that is not JSON. */
	write_lines(&c, &ls, 3, "{\"seq\": 2, oops\n");
	rep = verify_file(&c, c.pk);
	CHECK(!rep.ok);
	CHECK_INT(rep.bad_seq, 2);
	CHECK(strstr(rep.message, "line 3") != NULL);

	/* A key the hash does not cover. */
	char *extra = replace_in(ls.l[2], "{", "{\"note\":\"approved\",");
	write_lines(&c, &ls, 3, extra);
	free(extra);
	rep = verify_file(&c, c.pk);
	CHECK(!rep.ok);
	CHECK(strstr(rep.message, "line 3: malformed event") != NULL);

	/* An event line dropped. */
	write_lines(&c, &ls, 4, NULL);
	rep = verify_file(&c, c.pk);
	CHECK(!rep.ok);
	CHECK_INT(rep.bad_seq, 3);
	CHECK(strstr(rep.message, "event 3 is missing") != NULL);

	/* The last event cut off (the checkpoint kept). */
	write_lines(&c, &ls, 6, NULL);
	rep = verify_file(&c, c.pk);
	CHECK(!rep.ok);
	CHECK(strstr(rep.message, "truncated") != NULL);

	/* The checkpoint removed (line 7 is the genesis, 8 the head's, 9 the trailer). */
	write_lines(&c, &ls, 8, NULL);
	rep = verify_file(&c, c.pk);
	CHECK(!rep.ok);
	CHECK(strstr(rep.message, "not covered by any checkpoint") != NULL);

	/* The trailer removed. */
	write_lines(&c, &ls, 9, NULL);
	rep = verify_file(&c, c.pk);
	CHECK(!rep.ok);
	CHECK(strstr(rep.message, "no signed trailer") != NULL);

	/* The checkpoint's signature altered (one hex digit). */
	char *sig = strdup(ls.l[7]);
	char *d = strstr(sig, "\"signature\":\"") + 13;
	*d = *d == '0' ? '1' : '0';
	write_lines(&c, &ls, 8, sig);
	free(sig);
	rep = verify_file(&c, c.pk);
	CHECK(!rep.ok);
	CHECK_INT(rep.bad_seq, 5);
	CHECK(strstr(rep.message, "line 8") != NULL);

	/* Not an export at all. */
	write_lines(&c, &ls, 1, "{\"format\":\"something-else\"}\n");
	rep = verify_file(&c, c.pk);
	CHECK(!rep.ok);
	CHECK(strstr(rep.message, "line 1") != NULL);
	FILE *f = fopen(c.out, "w");
	fclose(f);
	rep = verify_file(&c, c.pk);
	CHECK(!rep.ok);
	CHECK(strstr(rep.message, "empty") != NULL);

	/* Untouched, it still verifies. */
	write_lines(&c, &ls, 0, NULL);
	CHECK(verify_file(&c, c.pk).ok);
	free_lines(&ls);
	teardown(&c);
}

static void test_export_wrong_key(void)
{
	ctx c;
	if (setup(&c, "expkey"))
		{ CHECK(0); return; }
	CHECK_INT(append_n(&c, 4), 0);
	CHECK_INT(export_to(&c), 0);
	char other_path[600];
	snprintf(other_path, sizeof other_path, "%s.other", c.key);
	keyring *other = NULL;
	if (make_key(other_path, &other))
		{ CHECK(0); return; }
	unsigned char opk[CRYPTO_SIGN_PK_BYTES];
	keyring_public_key(other, opk);
	audit_report rep = verify_file(&c, opk);
	CHECK(!rep.ok);
	CHECK_INT(rep.bad_seq, 0);  /* the genesis already fails */
	CHECK(strstr(rep.message, "pinned public key") != NULL);
	CHECK(verify_file(&c, c.pk).ok);

	/* A whole export forged under another key verifies only if that key is
	 * trusted from the file: which is why the report says to pin it. */
	ctx f;
	if (setup(&f, "expforged"))
		{ CHECK(0); return; }
	/* The forger's log, signed from its genesis with the forger's key. */
	CHECK_INT(raw(&f, "DELETE FROM sp_audit_checkpoint"), 0);
	keyring_free(f.kr);
	f.kr = other;
	at_error err;
	CHECK_INT(audit_genesis(f.s, f.kr, &err), 0);
	CHECK_INT(append_n(&f, 4), 0);
	CHECK_INT(export_to(&f), 0);
	rep = verify_file(&f, NULL);
	CHECK(rep.ok);
	CHECK(rep.unpinned);  /* consistent, and proves nothing */
	CHECK(strstr(rep.message, "pin the real key with --pubkey") != NULL);
	rep = verify_file(&f, c.pk);
	CHECK(!rep.ok);
	teardown(&f);
	remove(other_path);
	teardown(&c);
}

static int64_t jint(json_t *o, const char *k)
{
	return (int64_t)json_integer_value(json_object_get(o, k));
}

static const char *jtext(json_t *o, const char *k)
{
	const char *v = json_string_value(json_object_get(o, k));
	return v ? v : "(missing)";
}

static void test_query(void)
{
	ctx c;
	if (setup(&c, "query"))
		{ CHECK(0); return; }
	at_error err;
	/* 12 events at t = 1000, 1010, ...: subjects A00001..A00004 in turn, staff s001..s003. */
	for (int i = 0; i < 12; i++) {
		char now[32], staff[16], subject[16];
		snprintf(now, sizeof now, "%d", 1000 + 10 * i);
		setenv("ATENA_FAKE_NOW", now, 1);
		snprintf(staff, sizeof staff, "s%03d", i % 3 + 1);
		snprintf(subject, sizeof subject, "A%05d", i % 4 + 1);
		audit_event e = ev(staff, subject, "照会");
		CHECK_INT(audit_append_now(c.s, &e, &err), 0);
	}
	json_t *out = NULL;
	audit_filter f = {.subject = "A00002"};
	CHECK_INT(audit_query(c.s, &f, &out, &err), 0);
	CHECK_INT(json_array_size(out), 3);  /* seq 2, 6, 10 */
	int64_t last = 0;
	size_t i;
	json_t *o;
	json_array_foreach(out, i, o) {
		CHECK_STR(jtext(o, "subject"), "A00002");
		CHECK(jint(o, "seq") > last);  /* oldest first */
		last = jint(o, "seq");
	}
	o = json_array_get(out, 0);
	CHECK_INT(jint(o, "seq"), 2);
	CHECK_STR(jtext(o, "time"), "1970-01-01T00:16:50Z");  /* 1010 */
	CHECK_STR(jtext(o, "staff_id"), "s002");
	CHECK_STR(jtext(o, "department"), "市民課");
	CHECK_STR(jtext(o, "terminal_id"), "T-01");
	CHECK_STR(jtext(o, "business"), "resident_register");
	CHECK_STR(jtext(o, "reason"), "照会");
	CHECK_STR(jtext(o, "case_id"), "C-2024-001");
	CHECK_STR(jtext(o, "items"), "name,address");
	CHECK_STR(jtext(o, "operation"), "read");
	CHECK_STR(jtext(o, "outcome"), "ok");
	CHECK_STR(jtext(o, "detail"), "registry.resident");
	CHECK_INT(json_object_size(o), 13);
	json_decref(out);

	audit_filter g = {.staff_id = "s003"};
	CHECK_INT(audit_query(c.s, &g, &out, &err), 0);
	CHECK_INT(json_array_size(out), 4);  /* seq 3, 6, 9, 12 */
	json_array_foreach(out, i, o) CHECK_STR(jtext(o, "staff_id"), "s003");
	json_decref(out);

	/* Both, with a time window: staff s003 on A00002 is seq 6 only (t = 1050). */
	audit_filter h = {.staff_id = "s003", .subject = "A00002", .from = 1050, .to = 1050};
	CHECK_INT(audit_query(c.s, &h, &out, &err), 0);
	CHECK_INT(json_array_size(out), 1);
	CHECK_INT(jint(json_array_get(out, 0), "seq"), 6);
	json_decref(out);
	audit_filter w = {.from = 1020, .to = 1049};
	CHECK_INT(audit_query(c.s, &w, &out, &err), 0);
	CHECK_INT(json_array_size(out), 3);  /* t = 1020, 1030, 1040 */
	json_decref(out);

	/* Paging by after_seq. */
	int64_t after = 0, seen = 0, pages = 0;
	for (;;) {
		audit_filter p = {.limit = 5, .after_seq = after};
		CHECK_INT(audit_query(c.s, &p, &out, &err), 0);
		size_t n = json_array_size(out);
		if (n == 0) {
			json_decref(out);
			break;
		}
		CHECK(n <= 5);
		CHECK_INT(jint(json_array_get(out, 0), "seq"), after + 1);
		after = jint(json_array_get(out, n - 1), "seq");
		seen += (int64_t)n;
		pages++;
		json_decref(out);
		if (pages > 10)
			break;
	}
	CHECK_INT(seen, 12);
	CHECK_INT(pages, 3);

	/* Limits. */
	audit_filter dflt = {0};
	CHECK_INT(audit_query(c.s, &dflt, &out, &err), 0);
	CHECK_INT(json_array_size(out), 12);
	json_decref(out);
	CHECK_INT(audit_query(c.s, NULL, &out, &err), 0);
	json_decref(out);
	audit_filter big = {.limit = 1000};
	CHECK_INT(audit_query(c.s, &big, &out, &err), 0);
	json_decref(out);
	const int64_t bad_limits[] = {1001, -1, INT64_MAX};
	for (int k = 0; k < 3; k++) {
		audit_filter b = {.limit = bad_limits[k]};
		out = (json_t *)&b;
		CHECK_INT(audit_query(c.s, &b, &out, &err), -1);
		CHECK(out == NULL);
		CHECK_STR(err.code, AT_E_INVALID);
		CHECK_STR(err.field, "limit");
		CHECK(strstr(err.message, "limit") != NULL);
	}
	audit_filter backwards = {.from = 2000, .to = 1000};
	CHECK_INT(audit_query(c.s, &backwards, &out, &err), -1);
	CHECK_STR(err.field, "to");
	audit_filter nobody = {.subject = "A99999"};
	CHECK_INT(audit_query(c.s, &nobody, &out, &err), 0);
	CHECK_INT(json_array_size(out), 0);
	json_decref(out);

	/* Query also works inside a caller's transaction (the door's own reads). */
	CHECK_INT(store_begin(c.s, &err), 0);
	CHECK_INT(audit_query(c.s, &f, &out, &err), 0);
	CHECK(store_in_tx(c.s));
	store_rollback(c.s);
	json_decref(out);
	teardown(&c);
}

static void test_sanitised_not_refused(void)
{
	ctx c;
	if (setup(&c, "sanitise"))
		{ CHECK(0); return; }
	at_error err;
	/* 5000 bytes of 3-byte characters, and one ASCII byte in front so the cut
	 * must land on a character boundary. */
	static char longtext[1 + 5000 * 3 + 1];
	longtext[0] = 'a';
	for (int i = 0; i < 5000; i++)
		memcpy(longtext + 1 + 3 * i, "あ", 3);
	longtext[sizeof longtext - 1] = '\0';
	static char longdetail[3000];
	memset(longdetail, 'd', sizeof longdetail - 1);
	longdetail[sizeof longdetail - 1] = '\0';

	audit_event e = {
		.staff_id = "ab\x01" "c\x1b[31m",
		.department = "\xe2\x80\xae" "課",  /* U+202E RIGHT-TO-LEFT OVERRIDE */
		.terminal_id = "T\x7f" "1\xc2\x85",  /* DEL, C1 NEL */
		.business = NULL,
		.reason = longtext,
		.case_id = "line1\nline2\t",
		.subject = "\xff\xfe" "A1",           /* not UTF-8 */
		.items = "\xe3\x81",                  /* a character cut short */
		.operation = "read",
		.outcome = AUDIT_ALERT,
		.detail = longdetail,
	};
	int64_t seq = 0;
	CHECK_INT(store_begin(c.s, &err), 0);
	CHECK_INT(audit_append(c.s, &e, &seq, &err), 0);
	CHECK_INT(store_commit(c.s, &err), 0);
	CHECK_INT(seq, 1);

	json_t *out = NULL;
	CHECK_INT(audit_query(c.s, NULL, &out, &err), 0);
	json_t *o = json_array_get(out, 0);
	CHECK_STR(jtext(o, "staff_id"), "ab?c?[31m");
	CHECK_STR(jtext(o, "department"), "?課");
	CHECK_STR(jtext(o, "terminal_id"), "T?1?");
	CHECK_STR(jtext(o, "business"), "");
	CHECK_STR(jtext(o, "case_id"), "line1?line2?");
	CHECK_STR(jtext(o, "subject"), "??A1");
	CHECK_STR(jtext(o, "items"), "??");
	CHECK_STR(jtext(o, "outcome"), "alert");
	const char *r = jtext(o, "reason");
	CHECK_INT(strlen(r), 1 + 341 * 3);  /* 1024 bytes, on a boundary */
	CHECK(text_utf8_len(r) == 342);
	CHECK_INT(strlen(jtext(o, "detail")), 512);
	json_decref(out);

	CHECK(verify(&c).ok);
	CHECK_INT(export_to(&c), 0);
	CHECK(verify_file(&c, c.pk).ok);
	teardown(&c);
}

static void test_append_now_rate(void)
{
	ctx c;
	if (setup(&c, "rate"))
		{ CHECK(0); return; }
	at_error err;
	const char *env = getenv("ATENA_AUDIT_BENCH");
	int n = env && atoi(env) > 0 ? atoi(env) : 2000;
	audit_event e = ev("s001", "A00001", "住民票の写しの交付");
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int fails = 0;
	for (int i = 0; i < n; i++)
		fails += audit_append_now(c.s, &e, &err) != 0;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	CHECK_INT(fails, 0);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("audit_append_now: %d durable appends in %.3f s = %.0f events/s\n", n, secs,
	       secs > 0 ? n / secs : 0.0);
	CHECK_INT(audit_checkpoint(c.s, c.kr, &err), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	audit_report rep = verify(&c);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("audit_verify_db: %lld events in %.3f s\n", (long long)rep.events, secs);
	CHECK(rep.ok);
	CHECK_INT(rep.events, n);
	teardown(&c);
}

/* ---- The tamper table (issue 9 §1) ------------------------------------------ */

/* A stand-in ledger for this test (the policy module's is policy/ledger.c):
 * a grants table and a staff admin flag, digested in order; version 2 adds
 * the staff's second-factor algorithm, as policy/ledger.c's version 2 does. */
static int test_ledger(store *s, int version, unsigned char out[CRYPTO_HASH_BYTES], at_error *err)
{
	char buf[2048] = "";
	int r = store_query_text(s, version == 1 ?
		"SELECT coalesce((SELECT group_concat(x, ',') FROM (SELECT x FROM t_grant ORDER BY x)), '')"
		" || '|' || coalesce((SELECT group_concat(id || '=' || admin, ',') FROM"
		" (SELECT id, admin FROM t_staff ORDER BY id)), '')" :
		"SELECT 'v2|' || coalesce((SELECT group_concat(x, ',') FROM (SELECT x FROM t_grant ORDER BY x)), '')"
		" || '|' || coalesce((SELECT group_concat(id || '=' || admin || '/' || totp_alg, ',') FROM"
		" (SELECT id, admin, totp_alg FROM t_staff ORDER BY id)), '')",
		NULL, 0, buf, sizeof buf, err);
	if (r < 0)
		return -1;
	crypto_digest(buf, strlen(buf), out);
	return 0;
}

static int append_op(ctx *c, const char *op)
{
	at_error err;
	audit_event e = ev("admin", "", "権限付与");
	e.operation = op;
	if (store_begin(c->s, &err) || audit_append(c->s, &e, NULL, &err) || store_commit(c->s, &err)) {
		store_rollback(c->s);
		return -1;
	}
	return 0;
}

/* Write only the export lines whose number (1-based) is in keep ("1-6,10,11"). */
static void keep_lines(ctx *c, const lines *ls, const char *keep)
{
	FILE *f = fopen(c->out, "w");
	for (int i = 0; f && i < ls->n; i++) {
		bool in = false;
		for (const char *p = keep; *p && !in;) {
			char *end;
			long a = strtol(p, &end, 10), b = a;
			if (*end == '-')
				b = strtol(end + 1, &end, 10);
			in = i + 1 >= a && i + 1 <= b;
			p = *end == ',' ? end + 1 : end;
			if (*p == '+')
				break;
		}
		if (in)
			fputs(ls->l[i], f);
	}
	/* "+N" at the end: line N written again after the rest. */
	const char *plus = strchr(keep, '+');
	long again = plus ? strtol(plus + 1, NULL, 10) : 0;
	if (f && again >= 1 && again <= ls->n)
		fputs(ls->l[again - 1], f);
	if (f)
		fclose(f);
}

enum { T_DB, T_WITNESS, T_EXPORT };
enum { RESIGN_NONE, RESIGN_NEWEST, RESIGN_ALL };

typedef struct tamper {
	const char *name;
	int kind;              /* what is verified afterwards */
	const char *sql;       /* run on the database file, guards dropped */
	int rechain_from;      /* then rehash the chain from this seq (0: no) */
	int resign;            /* then re-sign with a forger's key: RESIGN_NEWEST or RESIGN_ALL */
	const char *keep;      /* T_EXPORT: the export lines kept */
	bool no_sign;          /* audit_checkpoint must refuse to sign over it afterwards */
	bool db_alone_ok;      /* the database alone cannot tell (the witness can) */
	const char *expect;    /* in the report */
} tamper;

static const tamper TAMPERS[] = {
	{"modify", T_DB, "UPDATE sp_audit_event SET reason = 'x' WHERE seq = 3", 0, RESIGN_NONE, NULL, false,
	 false, "event 3 was modified"},
	{"modify and rehash", T_DB, "UPDATE sp_audit_event SET reason = 'x' WHERE seq = 3", 3, RESIGN_NONE, NULL,
	 false, false, "checkpoint at 5 does not match the chain"},
	{"modify the unsigned tail", T_DB, NULL, 0, RESIGN_NONE, NULL, true, false, "event 9 was modified"},
	{"delete", T_DB, "DELETE FROM sp_audit_event WHERE seq = 4", 0, RESIGN_NONE, NULL, false, false,
	 "event 4 is missing"},
	{"truncate", T_DB, "DELETE FROM sp_audit_event WHERE seq > 6", 0, RESIGN_NONE, NULL, true, false,
	 "truncated after event 6"},
	{"wipe", T_DB, "DELETE FROM sp_audit_event; DELETE FROM sp_audit_checkpoint", 0, RESIGN_NONE, NULL, true,
	 false, "no checkpoint"},
	{"delete the checkpoints", T_DB, "DELETE FROM sp_audit_checkpoint", 0, RESIGN_NONE, NULL, true, false,
	 "no checkpoint"},
	{"delete the checkpoints and rehash", T_DB,
	 "UPDATE sp_audit_event SET subject = 'A09999' WHERE seq = 2; DELETE FROM sp_audit_checkpoint", 2,
	 RESIGN_NONE, NULL, true, false, "no checkpoint"},
	{"delete a middle checkpoint", T_DB, "DELETE FROM sp_audit_checkpoint WHERE n = 2", 0, RESIGN_NONE, NULL,
	 true, false, "checkpoint 2 is missing"},
	{"delete the genesis", T_DB, "DELETE FROM sp_audit_checkpoint WHERE n = 1", 0, RESIGN_NONE, NULL, false,
	 false, "earlier checkpoints were deleted"},
	{"cut back to an earlier checkpoint", T_WITNESS,
	 "DELETE FROM sp_audit_event WHERE seq > 5; DELETE FROM sp_audit_checkpoint WHERE n = 3", 0,
	 RESIGN_NONE, NULL, false, true, "witnessed checkpoint 3 (event 8"},
	{"drop the newest checkpoint", T_WITNESS, "DELETE FROM sp_audit_checkpoint WHERE n = 3", 0,
	 RESIGN_NONE, NULL, false, true, "witnessed checkpoint 3"},
	{"re-sign with another key", T_DB, "UPDATE sp_audit_event SET reason = 'x' WHERE seq = 7", 7,
	 RESIGN_NEWEST, NULL, true, false, "signed with a different key"},
	/* The key file swapped too: every checkpoint, genesis first, re-signed
	 * under the forger's key, stored beside them. Consistent with that key
	 * (checked below); only the published key tells. */
	{"swapped key", T_DB, "UPDATE sp_audit_event SET subject = 'A09999' WHERE seq = 2", 2, RESIGN_ALL,
	 NULL, true, false, "signed with a different key"},
	{"grant insert", T_DB, "INSERT INTO t_grant VALUES('g2')", 0, RESIGN_NONE, NULL, true, false,
	 "edited in the database directly"},
	{"admin flag update", T_DB, "UPDATE t_staff SET admin = 1 WHERE id = 'clerk'", 0, RESIGN_NONE, NULL, true,
	 false, "edited in the database directly"},
	{"second-factor algorithm update", T_DB, "UPDATE t_staff SET totp_alg = 'sha256' WHERE id = 'clerk'",
	 0, RESIGN_NONE, NULL, true, false, "edited in the database directly"},
	/* The ledger version is signed: claiming version 1 (which leaves the
	 * algorithm out) breaks the signature. */
	{"ledger version downgraded", T_DB,
	 "UPDATE t_staff SET totp_alg = 'sha256' WHERE id = 'clerk'; UPDATE sp_audit_checkpoint SET"
	 " ledger_v = 1 WHERE n = 3", 0, RESIGN_NONE, NULL, true, false, "the checkpoint was altered or forged"},
	/* Export lines: 1 header, 2-9 events 1..8, 10-12 checkpoints 1..3, 13 trailer. */
	{"export cut back", T_EXPORT, NULL, 0, RESIGN_NONE, "1-6,10-11", false, false, "no signed trailer"},
	{"export cut back, trailer kept", T_EXPORT, NULL, 0, RESIGN_NONE, "1-6,10-11,13", false, false,
	 "the export was cut back"},
	{"export extended", T_EXPORT, NULL, 0, RESIGN_NONE, "1-13+9", false, false, "after the signed trailer"},
};

static void test_tamper_table(void)
{
	for (size_t i = 0; i < sizeof TAMPERS / sizeof TAMPERS[0]; i++) {
		const tamper *t = &TAMPERS[i];
		ctx c;
		char name[32], wpath[600];
		snprintf(name, sizeof name, "tamper%zu", i);
		if (setup(&c, name))
			{ CHECK(0); return; }
		snprintf(wpath, sizeof wpath, "%s.witness", c.db);
		remove(wpath);
		at_error err;
		audit_set_ledger(test_ledger, 2);
		CHECK_INT(raw(&c, "CREATE TABLE t_grant(x TEXT);"
				  "CREATE TABLE t_staff(id TEXT, admin INTEGER, totp_alg TEXT);"
				  "INSERT INTO t_grant VALUES('g1');"
				  "INSERT INTO t_staff VALUES('admin', 1, 'sha1'), ('clerk', 0, 'sha1')"), 0);
		/* The legitimate history: a ledger change with its event, signed twice. */
		CHECK_INT(append_op(&c, "grant"), 0);
		CHECK_INT(append_n(&c, 4), 0);
		CHECK_INT(audit_checkpoint(c.s, c.kr, &err), 0);
		CHECK_INT(append_n(&c, 3), 0);
		CHECK_INT(audit_checkpoint(c.s, c.kr, &err), 0);
		CHECK_INT(export_to(&c), 0);
		int64_t added = 0;
		CHECK_INT(audit_witness(c.s, c.pk, wpath, &added, &err), 0);
		CHECK_INT(added, 3);
		CHECK(verify(&c).ok);
		if (!strcmp(t->name, "modify the unsigned tail")) {
			CHECK_INT(append_n(&c, 1), 0);
			CHECK_INT(raw(&c, "UPDATE sp_audit_event SET reason = 'x' WHERE seq = 9"), 0);
		}

		if (t->sql)
			CHECK_INT(raw(&c, t->sql), 0);
		if (t->rechain_from)
			rechain(&c, t->rechain_from, false);
		unsigned char fpk[crypto_sign_PUBLICKEYBYTES], fsk[crypto_sign_SECRETKEYBYTES], sig[64];
		if (t->resign) {
			crypto_sign_keypair(fpk, fsk);
			sqlite3 *db;
			sqlite3_stmt *st;
			sqlite3_open(c.db, &db);
			/* Seqs 0, 5, 8 hold the checkpoints; in order, so each signs its
			 * predecessor's new signature. */
			for (int64_t seq = t->resign == RESIGN_ALL ? 0 : 8; seq <= 8; seq++) {
				if (seq && seq != 5 && seq != 8)
					continue;
				CHECK_INT(sqlite3_exec(db, "UPDATE sp_audit_checkpoint SET hash = coalesce((SELECT"
						       " hash FROM sp_audit_event e WHERE e.seq = sp_audit_checkpoint.seq),"
						       " zeroblob(32))", NULL, NULL, NULL), 0);
				forge_sign(db, seq, fsk, sig);
				sqlite3_prepare_v2(db, "UPDATE sp_audit_checkpoint SET signature = ?, public_key = ?"
						   " WHERE seq = ?", -1, &st, NULL);
				sqlite3_bind_blob(st, 1, sig, 64, SQLITE_STATIC);
				sqlite3_bind_blob(st, 2, fpk, 32, SQLITE_STATIC);
				sqlite3_bind_int64(st, 3, seq);
				CHECK_INT(sqlite3_step(st), SQLITE_DONE);
				sqlite3_finalize(st);
			}
			sqlite3_close(db);
		}
		if (t->resign == RESIGN_ALL) {
			/* What `audit verify` with the swapped key file would say. */
			audit_report own;
			CHECK_INT(audit_verify_db(c.s, fpk, &own, &err), 0);
			if (!own.ok)
				fprintf(stderr, "swapped key, own key: %s\n", own.message);
			CHECK(own.ok);
		}

		audit_report rep;
		if (t->kind == T_EXPORT) {
			lines ls;
			read_lines(&c, &ls);
			CHECK_INT(ls.n, 13);
			keep_lines(&c, &ls, t->keep);
			free_lines(&ls);
			rep = verify_file(&c, c.pk);
		} else if (t->kind == T_WITNESS) {
			CHECK(verify(&c).ok == t->db_alone_ok);
			FILE *w = fopen(wpath, "r");
			CHECK(w != NULL);
			memset(&rep, 0, sizeof rep);
			if (w) {
				CHECK_INT(audit_verify_witness(c.s, c.pk, w, &rep, &err), 0);
				fclose(w);
			}
		} else {
			rep = verify(&c);
		}
		if (rep.ok || !strstr(rep.message, t->expect))
			fprintf(stderr, "tamper \"%s\": ok=%d: %s\n", t->name, rep.ok, rep.message);
		CHECK(!rep.ok);
		CHECK(strstr(rep.message, t->expect) != NULL);
		if (t->no_sign) {
			int64_t before = raw_int(&c, "SELECT count(*) FROM sp_audit_checkpoint");
			CHECK_INT(append_n(&c, 1), 0);
			CHECK_INT(audit_checkpoint(c.s, c.kr, &err), -1);
			CHECK_STR(err.code, "audit_chain_broken");
			CHECK_INT(raw_int(&c, "SELECT count(*) FROM sp_audit_checkpoint"), before);
		}
		audit_set_ledger(NULL, 0);
		remove(wpath);
		teardown(&c);
	}
}

/* The store itself refuses to change the log, whoever asks through Atena. */
static void test_log_append_only(void)
{
	ctx c;
	if (setup(&c, "appendonly"))
		{ CHECK(0); return; }
	at_error err;
	CHECK_INT(append_n(&c, 2), 0);
	/* Even with the spine's own access (as keys rotate has). */
	store_spine_enter(c.s);
	CHECK_INT(store_run(c.s, "UPDATE sp_audit_event SET reason = 'x' WHERE seq = 1", NULL, 0, &err), -1);
	CHECK(strstr(err.message, "the audit log is append-only") != NULL);
	CHECK_INT(store_run(c.s, "DELETE FROM sp_audit_event WHERE seq = 2", NULL, 0, &err), -1);
	CHECK(strstr(err.message, "the audit log is append-only") != NULL);
	CHECK_INT(store_run(c.s, "DELETE FROM sp_audit_checkpoint", NULL, 0, &err), -1);
	CHECK(strstr(err.message, "checkpoints are append-only") != NULL);
	CHECK_INT(store_run(c.s, "UPDATE sp_audit_checkpoint SET seq = 7", NULL, 0, &err), -1);
	store_spine_leave(c.s);
	CHECK(verify(&c).ok);
	/* Signing twice at the same head adds nothing; the genesis is only once. */
	CHECK_INT(audit_genesis(c.s, c.kr, &err), -1);
	teardown(&c);
}

/* A witness kept up to date only appends; a head it holds that the log
 * lost stops the next witness run too. */
static void test_witness(void)
{
	ctx c;
	if (setup(&c, "witness"))
		{ CHECK(0); return; }
	char wpath[600];
	snprintf(wpath, sizeof wpath, "%s.witness", c.db);
	remove(wpath);
	at_error err;
	int64_t added = 0;
	CHECK_INT(audit_witness(c.s, c.pk, wpath, &added, &err), 0);
	CHECK_INT(added, 1);  /* the genesis */
	CHECK_INT(append_n(&c, 2), 0);
	CHECK_INT(audit_checkpoint(c.s, c.kr, &err), 0);
	CHECK_INT(audit_witness(c.s, c.pk, wpath, &added, &err), 0);
	CHECK_INT(added, 1);
	CHECK_INT(audit_witness(c.s, c.pk, wpath, &added, &err), 0);
	CHECK_INT(added, 0);
	FILE *w = fopen(wpath, "r");
	audit_report rep;
	CHECK_INT(audit_verify_witness(c.s, c.pk, w, &rep, &err), 0);
	fclose(w);
	CHECK(rep.ok);
	CHECK(strstr(rep.message, "all 2 witnessed heads") != NULL);
	/* A witness line forged without the key is refused. */
	FILE *a = fopen(wpath, "a");
	fputs("{\"witness\":\"atena-audit-witness-v1\",\"n\":3,\"checkpoint\":9,\"hash\":\""
	      "0000000000000000000000000000000000000000000000000000000000000000\",\"signed_at\":1,"
	      "\"ledger\":\"0000000000000000000000000000000000000000000000000000000000000000\","
	      "\"prev\":\"0000000000000000000000000000000000000000000000000000000000000000\","
	      "\"signature\":\"00000000000000000000000000000000000000000000000000000000000000000000"
	      "000000000000000000000000000000000000000000000000000000000000\"}\n", a);
	fclose(a);
	w = fopen(wpath, "r");
	CHECK_INT(audit_verify_witness(c.s, c.pk, w, &rep, &err), 0);
	fclose(w);
	CHECK(!rep.ok);
	CHECK(strstr(rep.message, "does not verify") != NULL);
	CHECK_INT(audit_witness(c.s, c.pk, wpath, &added, &err), -1);
	remove(wpath);
	teardown(&c);
}

/* Checkpoints signed with ledger version 1 still verify once version 2 is
 * current (each with its own version); the next one signs version 2, which
 * then covers the second-factor algorithm (issue 9 §1 and §2). */
static void test_ledger_upgrade(void)
{
	ctx c;
	if (setup(&c, "ledgerv"))
		{ CHECK(0); return; }
	at_error err;
	CHECK_INT(raw(&c, "CREATE TABLE t_grant(x TEXT);"
			  "CREATE TABLE t_staff(id TEXT, admin INTEGER, totp_alg TEXT);"
			  "INSERT INTO t_staff VALUES('clerk', 0, 'sha256')"), 0);
	audit_set_ledger(test_ledger, 1);
	CHECK_INT(append_op(&c, "grant"), 0);
	CHECK_INT(append_n(&c, 2), 0);
	CHECK_INT(audit_checkpoint(c.s, c.kr, &err), 0);
	CHECK_INT(raw_int(&c, "SELECT ledger_v FROM sp_audit_checkpoint WHERE n = 2"), 1);

	audit_set_ledger(test_ledger, 2);
	audit_report rep = verify(&c);
	CHECK(rep.ok);
	CHECK_INT(rep.checkpoints, 2);
	CHECK_INT(append_n(&c, 1), 0);
	CHECK_INT(audit_checkpoint(c.s, c.kr, &err), 0);
	CHECK_INT(raw_int(&c, "SELECT ledger_v FROM sp_audit_checkpoint WHERE n = 3"), 2);
	CHECK(verify(&c).ok);
	/* An export and a witness carry both versions and verify. */
	CHECK_INT(export_to(&c), 0);
	rep = verify_file(&c, c.pk);
	if (!rep.ok)
		fprintf(stderr, "export: %s\n", rep.message);
	CHECK(rep.ok);
	char wpath[600];
	snprintf(wpath, sizeof wpath, "%s.witness", c.db);
	remove(wpath);
	int64_t added = 0;
	CHECK_INT(audit_witness(c.s, c.pk, wpath, &added, &err), 0);
	CHECK_INT(added, 3);
	FILE *w = fopen(wpath, "r");
	CHECK_INT(audit_verify_witness(c.s, c.pk, w, &rep, &err), 0);
	fclose(w);
	CHECK(rep.ok);

	/* Version 2 covers the algorithm; version 1 did not. */
	CHECK_INT(raw(&c, "UPDATE t_staff SET totp_alg = 'sha1'"), 0);
	rep = verify(&c);
	CHECK(!rep.ok);
	CHECK(strstr(rep.message, "checkpoint 3 signed") != NULL);
	CHECK(strstr(rep.message, "edited in the database directly") != NULL);
	audit_set_ledger(NULL, 0);
	remove(wpath);
	teardown(&c);
}

/* The witness a server keeps open (atena serve --witness): every head
 * signed since, by anyone, is appended; a log that no longer reaches a
 * witnessed head is refused at open; a checkpoint row not signed with the
 * key is never written to it. */
static void test_witness_log(void)
{
	ctx c;
	if (setup(&c, "wlog"))
		{ CHECK(0); return; }
	char wpath[600];
	snprintf(wpath, sizeof wpath, "%s.witness", c.db);
	remove(wpath);
	at_error err;
	audit_witness_log *w = NULL;
	CHECK_INT(audit_witness_open(c.s, c.pk, wpath, &w, &err), 0);
	CHECK(w != NULL);
	int64_t added = -1;
	CHECK_INT(append_n(&c, 3), 0);
	CHECK_INT(audit_checkpoint(c.s, c.kr, &err), 0);
	CHECK_INT(append_n(&c, 2), 0);
	CHECK_INT(audit_checkpoint(c.s, c.kr, &err), 0);
	CHECK_INT(audit_witness_sync(w, c.s, &added, &err), 0);
	CHECK_INT(added, 2);
	CHECK_INT(audit_witness_sync(w, c.s, &added, &err), 0);
	CHECK_INT(added, 0);
	audit_witness_close(w);
	/* The same format as audit_witness: verify reads it, and a witness run
	 * finds nothing to add. */
	FILE *f = fopen(wpath, "r");
	audit_report rep;
	CHECK_INT(audit_verify_witness(c.s, c.pk, f, &rep, &err), 0);
	fclose(f);
	CHECK(rep.ok);
	CHECK(strstr(rep.message, "all 3 witnessed heads (up to checkpoint 3)") != NULL);
	CHECK_INT(audit_witness(c.s, c.pk, wpath, &added, &err), 0);
	CHECK_INT(added, 0);

	/* Reopened: heads signed while it was closed are appended. */
	CHECK_INT(append_n(&c, 1), 0);
	CHECK_INT(audit_checkpoint(c.s, c.kr, &err), 0);
	CHECK_INT(audit_witness_open(c.s, c.pk, wpath, &w, &err), 0);
	audit_witness_close(w);
	CHECK_INT(raw_int(&c, "SELECT max(n) FROM sp_audit_checkpoint"), 4);

	/* A checkpoint row put there without the key is refused, not witnessed. */
	CHECK_INT(append_n(&c, 1), 0);
	CHECK_INT(raw(&c, "INSERT INTO sp_audit_checkpoint(seq, hash, signed_at, public_key, signature,"
			  " n, ledger, ledger_v) SELECT 7, hash, 1, public_key, signature, 5, ledger, 1"
			  " FROM sp_audit_checkpoint WHERE n = 4"), 0);
	CHECK_INT(audit_witness_open(c.s, c.pk, wpath, &w, &err), -1);
	CHECK_STR(err.code, "audit_chain_broken");
	CHECK(strstr(err.message, "not witnessing checkpoint 5") != NULL);
	CHECK_INT(raw(&c, "DELETE FROM sp_audit_checkpoint WHERE n = 5"), 0);

	/* Events cut off under a kept checkpoint: the log no longer reaches it. */
	CHECK_INT(raw(&c, "DELETE FROM sp_audit_event WHERE seq >= 6"), 0);
	CHECK_INT(audit_witness_open(c.s, c.pk, wpath, &w, &err), -1);
	CHECK_STR(err.code, "audit_chain_broken");
	CHECK(strstr(err.message, "witnessed checkpoint 4 (event 6") != NULL);
	/* Cut back to checkpoint 3, consistent on its own: still refused. */
	CHECK_INT(raw(&c, "DELETE FROM sp_audit_checkpoint WHERE n = 4"), 0);
	CHECK(verify(&c).ok);
	CHECK_INT(audit_witness_open(c.s, c.pk, wpath, &w, &err), -1);
	CHECK(strstr(err.message, "witnessed checkpoint 4") != NULL);
	CHECK(strstr(err.message, "no longer in the log") != NULL);
	CHECK(w == NULL);
	remove(wpath);
	teardown(&c);
}

/* A long witness (more than the 64 KiB a server reads at start): the start
 * check looks at the newest head only, so it stays quick; every line is
 * what verify --witness checks. */
static void test_witness_log_long(void)
{
	ctx c;
	if (setup(&c, "wlong"))
		{ CHECK(0); return; }
	char wpath[600], tmp[640];
	snprintf(wpath, sizeof wpath, "%s.witness", c.db);
	snprintf(tmp, sizeof tmp, "%s.tmp", wpath);
	remove(wpath);
	at_error err;
	for (int i = 0; i < 200; i++)
		if (append_n(&c, 1) || audit_checkpoint(c.s, c.kr, &err))
			{ CHECK(0); break; }
	int64_t added = 0;
	CHECK_INT(audit_witness(c.s, c.pk, wpath, &added, &err), 0);
	CHECK_INT(added, 201);
	FILE *f = fopen(wpath, "r");
	CHECK(f != NULL);
	if (!f) {
		teardown(&c);
		return;
	}
	fseek(f, 0, SEEK_END);
	CHECK(ftell(f) > 65536);
	/* Damage the first line: beyond what the start reads. */
	rewind(f);
	FILE *o = fopen(tmp, "w");
	char buf[4096];
	CHECK(fgets(buf, sizeof buf, f) != NULL);
	fputs("{\"witness\":\"damaged\"}\n", o);
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		fwrite(buf, 1, n, o);
	fclose(f);
	fclose(o);
	rename(tmp, wpath);
	audit_witness_log *w = NULL;
	CHECK_INT(audit_witness_open(c.s, c.pk, wpath, &w, &err), 0);
	CHECK_INT(append_n(&c, 1), 0);
	CHECK_INT(audit_checkpoint(c.s, c.kr, &err), 0);
	CHECK_INT(audit_witness_sync(w, c.s, &added, &err), 0);
	CHECK_INT(added, 1);
	audit_witness_close(w);
	audit_report rep;
	f = fopen(wpath, "r");
	CHECK_INT(audit_verify_witness(c.s, c.pk, f, &rep, &err), 0);
	fclose(f);
	CHECK(!rep.ok);
	CHECK(strstr(rep.message, "witness line 1: not an atena-audit-witness-v1 line") != NULL);
	/* Cut back below the first numbered head: below the newest too. */
	CHECK_INT(raw(&c, "DELETE FROM sp_audit_event WHERE seq > 1;"
			  " DELETE FROM sp_audit_checkpoint WHERE seq > 1"), 0);
	CHECK(verify(&c).ok);
	CHECK_INT(audit_witness_open(c.s, c.pk, wpath, &w, &err), -1);
	CHECK(strstr(err.message, "witnessed checkpoint 202 (event 201") != NULL);
	remove(wpath);
	teardown(&c);
}

/* Group commit (store_group_commit, docs/durability.md): 32 producers, each
 * on its own connection, append events in transactions of their own. Every
 * event lands, the chain verifies gap-free, each commit returned only after
 * an fsync covered it, and the producers shared fsyncs. */
#define GC_THREADS 32
#define GC_EACH 40

typedef struct gc_arg {
	const char *db;
	int fails, early;
} gc_arg;

static void *gc_producer(void *p)
{
	gc_arg *a = p;
	store *s;
	at_error err;
	if (store_open(a->db, false, &s, &err) || store_group_commit(s, &err)) {
		a->fails = GC_EACH;
		return NULL;
	}
	audit_event e = ev("s001", "A00001", "住民票の写しの交付");
	for (int i = 0; i < GC_EACH; i++) {
		uint64_t before, covered, syncs, after;
		store_group_stats(s, &before, &covered, &syncs);
		if (audit_append_now(s, &e, &err)) {
			a->fails++;
			continue;
		}
		/* Our commit's ticket is past `before`: it returned only once an
		 * fsync covered at least that far. */
		store_group_stats(s, &after, &covered, &syncs);
		a->early += covered < before + 1;
	}
	store_close(s);
	return NULL;
}

static void test_group_commit(void)
{
	ctx c;
	if (setup(&c, "group"))
		{ CHECK(0); return; }
	at_error err;
	gc_arg args[GC_THREADS];
	pthread_t t[GC_THREADS];
	/* c.s stays open in group mode too, so the counters outlive the producers. */
	CHECK_INT(store_group_commit(c.s, &err), 0);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < GC_THREADS; i++) {
		args[i] = (gc_arg){.db = c.db};
		CHECK_INT(pthread_create(&t[i], NULL, gc_producer, &args[i]), 0);
	}
	int fails = 0, early = 0;
	for (int i = 0; i < GC_THREADS; i++) {
		pthread_join(t[i], NULL);
		fails += args[i].fails;
		early += args[i].early;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	CHECK_INT(fails, 0);
	CHECK_INT(early, 0);
	uint64_t commits, synced, syncs;
	store_group_stats(c.s, &commits, &synced, &syncs);
	CHECK_INT((int64_t)commits, GC_THREADS * GC_EACH);
	CHECK_INT((int64_t)synced, GC_THREADS * GC_EACH);
	CHECK(syncs > 0 && syncs < commits);   /* shared, not one per commit */
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("group commit: %d producers, %llu durable commits, %llu fsyncs, %.0f events/s\n",
	       GC_THREADS, (unsigned long long)commits, (unsigned long long)syncs,
	       secs > 0 ? (double)commits / secs : 0.0);
	int64_t n = 0;
	store_spine_enter(c.s);
	CHECK_INT(store_query_int(c.s, "SELECT count(*) FROM sp_audit_event", NULL, 0, &n, &err), 1);
	store_spine_leave(c.s);
	CHECK_INT(n, GC_THREADS * GC_EACH);
	CHECK_INT(audit_checkpoint(c.s, c.kr, &err), 0);
	audit_report rep = verify(&c);
	CHECK(rep.ok);
	CHECK_INT(rep.events, GC_THREADS * GC_EACH);
	teardown(&c);
}

int main(void)
{
	at_error err;
	if (crypto_setup(&err)) {
		fprintf(stderr, "%s\n", err.message);
		return 1;
	}
	RUN(test_append_and_verify);
	RUN(test_empty_log);
	RUN(test_append_needs_transaction);
	RUN(test_rollback_takes_the_event);
	RUN(test_business_connection_cannot_touch_log);
	RUN(test_tamper_update);
	RUN(test_tamper_delete_middle);
	RUN(test_tamper_truncate);
	RUN(test_tamper_reorder);
	RUN(test_forged_insert_caught_by_checkpoint);
	RUN(test_verify_db_wrong_key);
	RUN(test_export_and_verify);
	RUN(test_export_tampered);
	RUN(test_export_wrong_key);
	RUN(test_query);
	RUN(test_sanitised_not_refused);
	RUN(test_tamper_table);
	RUN(test_log_append_only);
	RUN(test_witness);
	RUN(test_ledger_upgrade);
	RUN(test_witness_log);
	RUN(test_witness_log_long);
	RUN(test_append_now_rate);
	RUN(test_group_commit);
	return test_report();
}
