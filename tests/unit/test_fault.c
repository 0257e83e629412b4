/*
 * Faults, tested the way SQLite tests them (issue 10 §3): the store's fault
 * hook (store.h, test builds) makes the n-th statement step, commit, fsync or
 * write fail with SQLITE_IOERR, SQLITE_FULL or SQLITE_BUSY, and each loop
 * below runs one operation through its public API with n = 1, 2, 3 ... until
 * the operation makes fewer calls than n. After every failed attempt:
 *  - the error is reported (the call returns -1 with a message);
 *  - nothing partial is stored: every table but the audit log hashes as it
 *    did before, and the log gained no "ok" event (an access that did not
 *    happen is not recorded as one);
 *  - the audit chain verifies (audit_verify_db);
 *  - the operation can be retried: the same call succeeds and changes the
 *    tables by exactly as many rows as one clean run does.
 * The oracle is a second, plain SQLite connection to the same file (the
 * default VFS, so the hook never counts it), not the store's own API.
 *
 * The operations: a register event (move_in through the door), a tax intake
 * (a 法定資料315 file with a matched and an unknown person) and the annual
 * batch (tax_assess, chunk after chunk), which is restored from a snapshot
 * before each attempt so every n meets the same chunks.
 */
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/audit.h"
#include "core/strbuf.h"
#include "policy/door.h"
#include "policy/grant.h"
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
#define CHUNK 2         /* the batch's persons per chunk: three chunks for five persons */

static char dir[512];
static store *S;
static keyring *KR;
static tax_law *LAW;
static sqlite3 *RAW;   /* the oracle's connection */
static char MN_ICHIRO[13];

/* ---- the oracle: tables as a plain connection sees them ------------------- */

#define MAX_TABLES 96
typedef struct {
	size_t n;
	char name[MAX_TABLES][64];
	int64_t rows[MAX_TABLES];
	uint64_t hash;       /* every table but the audit log: a sum of row hashes */
	int64_t ok_events;   /* audit events with outcome "ok" */
} snapshot;

static bool audit_table(const char *t)
{
	return !strcmp(t, "sp_audit_event") || !strcmp(t, "sp_audit_checkpoint");
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 1099511628211u;
	return h;
}

static void raw_open(void)
{
	strbuf path = STRBUF_INIT;
	sb_init(&path);
	platform_db_path(dir, &path);
	if (sqlite3_open_v2(path.buf, &RAW, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		fprintf(stderr, "raw open: %s\n", sqlite3_errmsg(RAW));
		exit(1);
	}
	sb_release(&path);
}

static int64_t raw_int(const char *sql)
{
	sqlite3_stmt *st;
	int64_t v = -1;
	if (sqlite3_prepare_v2(RAW, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* Rows are hashed one by one and summed, so the order a scan returns them
 * in does not matter. */
static void take(snapshot *sn)
{
	memset(sn, 0, sizeof *sn);
	sqlite3_stmt *tl;
	sqlite3_prepare_v2(RAW, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name", -1,
			   &tl, NULL);
	while (sqlite3_step(tl) == SQLITE_ROW && sn->n < MAX_TABLES) {
		const char *t = (const char *)sqlite3_column_text(tl, 0);
		snprintf(sn->name[sn->n], sizeof sn->name[0], "%s", t);
		char sql[128];
		snprintf(sql, sizeof sql, "SELECT * FROM \"%s\"", t);
		sqlite3_stmt *st;
		if (sqlite3_prepare_v2(RAW, sql, -1, &st, NULL) != SQLITE_OK) {
			fprintf(stderr, "oracle: %s: %s\n", t, sqlite3_errmsg(RAW));
			exit(1);
		}
		while (sqlite3_step(st) == SQLITE_ROW) {
			sn->rows[sn->n]++;
			if (audit_table(t))
				continue;
			uint64_t h = fnv(14695981039346656037u, t, strlen(t));
			for (int c = 0; c < sqlite3_column_count(st); c++) {
				int type = sqlite3_column_type(st, c);
				h = fnv(h, &type, sizeof type);
				const void *b = sqlite3_column_blob(st, c);
				h = fnv(h, b ? b : "", (size_t)sqlite3_column_bytes(st, c));
			}
			sn->hash += h;
		}
		sqlite3_finalize(st);
		sn->n++;
	}
	sqlite3_finalize(tl);
	sn->ok_events = raw_int("SELECT count(*) FROM sp_audit_event WHERE outcome = 'ok'");
}

/* The rows each table gained from a to b, into delta. */
static void delta_of(const snapshot *a, const snapshot *b, int64_t *delta)
{
	for (size_t i = 0; i < b->n; i++) {
		delta[i] = b->rows[i];
		for (size_t j = 0; j < a->n; j++)
			if (!strcmp(a->name[j], b->name[i]))
				delta[i] -= a->rows[j];
	}
}

static bool chain_ok(void)
{
	unsigned char pk[CRYPTO_SIGN_PK_BYTES];
	keyring_public_key(KR, pk);
	audit_report rep;
	at_error e = {0};
	if (audit_verify_db(S, pk, &rep, &e) || !rep.ok) {
		fprintf(stderr, "  audit verify: %s %s\n", rep.message, e.message);
		return false;
	}
	return true;
}

/* ---- the operations, through their public APIs ------------------------------- */

static door_ctx ctx(const char *staff, const char *business, const char *reason)
{
	door_ctx c = {.staff_id = staff, .department = "市民税課", .terminal_id = "T-FAULT-01",
		      .business = business, .reason = reason};
	return c;
}

/* Commit on success, abort on failure (as module/unit.h does). */
static int finish(door *d, int rc, at_error *e)
{
	if (rc) {
		door_abort(d);
		return -1;
	}
	return door_commit(d, e);
}

/* A move_in of one person, new for each iteration (their own resident code). */
static int op_move_in(int iter, at_error *e)
{
	char rc11[16], mn[13];
	snprintf(rc11, sizeof rc11, "6%010d", iter % 1000000);
	mk_mynumber(rc11, mn);
	json_t *body = J(
		"{'event_date':'2026-03-01','notification_date':'2026-03-02','household':{'new':true},"
		"'address':{'postcode':'3590042','address':'埼玉県所沢市並木三丁目%d番地'},"
		"'previous':{'municipality_code':'131105','address':'東京都目黒区中目黒一丁目1番1号'},"
		"'persons':[{'name':'所沢 転入','name_kana':'トコロザワ テンニュウ','birth_date':'1990-01-20',"
		"'sex':'1','householder':true,'resident_code':'%s','my_number':'%s'}]}",
		iter % 50 + 1, rc11, mn);
	door_ctx c = ctx("clerk1", REGISTRY_BUSINESS, "転入届の受付");
	door *d;
	json_t *res = NULL;
	int rc = -1;
	if (!door_open_owner(S, KR, &c, DOOR_WRITE, &registry_owner, &d, e))
		rc = finish(d, registry_event(d, "move_in", body, &res, e) < 0, e);
	json_decref(body);
	json_decref(res);
	return rc;
}

static void salary(strbuf *out, const char *payer, const char *mn, const char *name,
		   const char *kana, at_date birth, int64_t revenue)
{
	tax_doc d;
	memset(&d, 0, sizeof d);
	d.kind = TAX_DOC_SALARY;
	d.fiscal_year = d.body.fiscal_year = FY;
	strcpy(d.addressed_to, MUNI);
	strcpy(d.body.municipality, MUNI);
	strcpy(d.my_number, mn);
	strcpy(d.name, name);
	strcpy(d.name_kana, kana);
	d.birth_date = d.body.birth_date = birth;
	d.sex = d.body.sex = TAX_SEX_MALE;
	strcpy(d.address, "埼玉県所沢市並木一丁目1番地の1");
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

/* An intake of two salary reports from an employer new for each iteration:
 * one matched to a person on the roll, one for a number nobody has (held). */
static int op_intake(int iter, at_error *e)
{
	char payer[16], first11[16], mn[13];
	snprintf(payer, sizeof payer, "%08d", 20000000 + iter % 1000000);
	snprintf(first11, sizeof first11, "7%010d", iter % 1000000);
	mk_mynumber(first11, mn);
	strbuf f = STRBUF_INIT;
	sb_init(&f);
	salary(&f, payer, MN_ICHIRO, "所沢　一郎", "トコロザワ　イチロウ", (at_date){1980, 5, 12}, 500000);
	salary(&f, payer, mn, "世田谷　九郎", "セタガヤ　クロウ", (at_date){1985, 1, 1}, 300000);
	door_ctx c = ctx("tax1", TAX_BUSINESS, "令和8年度当初課税");
	door *d;
	json_t *sum = NULL;
	int rc = -1;
	if (!door_open_owner(S, KR, &c, DOOR_WRITE, &tax_owner, &d, e)) {
		rc = finish(d, tax_intake(d, KR, FY, TAX_DOC_SALARY, f.buf, f.len, &sum, e), e);
		/* a retry after a failure is a first load, never a duplicate */
		if (!rc && json_integer_value(json_object_get(sum, "duplicates")) != 0) {
			fprintf(stderr, "  intake %d: a retry found duplicates\n", iter);
			rc = -1;
			test_cur_failed++;
		}
	}
	json_decref(sum);
	sb_release(&f);
	return rc;
}

/* ---- the loop ------------------------------------------------------------------- */

typedef int (*op_fn)(int iter, at_error *e);

static const store_fault_kind KINDS[] = {STORE_FAULT_IOERR, STORE_FAULT_FULL, STORE_FAULT_BUSY};
static const char *const KIND_NAME[] = {"", "IOERR", "FULL", "BUSY"};
static const char *const POINT_NAME[] = {"", "step", "commit", "fsync", "write"};

/* One attempt with the n-th call at point failing with kind, then the checks
 * and the retry. Returns whether the fault fired (false: the operation makes
 * fewer than n such calls, and it succeeded). */
static bool attempt(op_fn op, int iter, store_fault_point point, int64_t n,
		    store_fault_kind kind, const int64_t *clean_delta)
{
	snapshot before, after;
	take(&before);
	at_error e = {0};
	store_fault_arm(point, n, kind);
	int rc = op(iter, &e);
	bool fired = store_fault_disarm();
	const char *where = POINT_NAME[point];
	if (rc) {
		take(&after);
		/* reported, and only because of the fault */
		if (!fired || !*e.message)
			fprintf(stderr, "  %s #%lld %s: failed without the fault: %s\n", where,
				(long long)n, KIND_NAME[kind], e.message);
		CHECK(fired && *e.message);
		/* nothing partial */
		if (after.hash != before.hash || after.ok_events != before.ok_events)
			fprintf(stderr, "  %s #%lld %s: partial state after \"%s\"\n", where,
				(long long)n, KIND_NAME[kind], e.message);
		CHECK(after.hash == before.hash);
		CHECK_INT(after.ok_events, before.ok_events);
		CHECK(chain_ok());
		/* retryable */
		at_error e2 = {0};
		rc = op(iter, &e2);
		if (rc)
			fprintf(stderr, "  %s #%lld %s: the retry failed: %s\n", where, (long long)n,
				KIND_NAME[kind], e2.message);
		CHECK_INT(rc, 0);
	} else if (fired && point <= STORE_FAULT_COMMIT) {
		/* a step or commit that failed cannot be swallowed by a write */
		fprintf(stderr, "  %s #%lld %s: the fault fired but the operation succeeded\n", where,
			(long long)n, KIND_NAME[kind]);
		CHECK(!fired);
	}
	/* Whatever happened on the way, the end is one clean run's worth of rows.
	 * (A file fault may fire in a checkpoint SQLite runs after a commit and
	 * ignores; the operation then succeeded whole.) */
	take(&after);
	int64_t delta[MAX_TABLES];
	delta_of(&before, &after, delta);
	for (size_t i = 0; i < after.n; i++)
		if (!audit_table(after.name[i]) && delta[i] != clean_delta[i]) {
			fprintf(stderr, "  %s #%lld %s: %s gained %lld rows, a clean run %lld\n", where,
				(long long)n, KIND_NAME[kind], after.name[i], (long long)delta[i],
				(long long)clean_delta[i]);
			CHECK_INT(delta[i], clean_delta[i]);
		}
	CHECK(chain_ok());
	return fired;
}

/* Loop n over every call at every point, with each kind the point can report. Returns the number of faults that fired. */
static int64_t loop(op_fn op, int *iter)
{
	snapshot a, b;
	int64_t clean[MAX_TABLES];
	at_error e = {0};
	take(&a);
	if (op((*iter)++, &e)) {
		fprintf(stderr, "clean run: %s\n", e.message);
		test_cur_failed++;
		return 0;
	}
	take(&b);
	delta_of(&a, &b, clean);
	int64_t fired = 0;
	for (store_fault_point p = STORE_FAULT_STEP; p <= STORE_FAULT_WRITE; p++) {
		size_t nk = p <= STORE_FAULT_COMMIT ? 3 : 2;
		for (size_t k = 0; k < nk; k++)
			for (int64_t n = 1;; n++) {
				int before = test_cur_failed;
				if (!attempt(op, (*iter)++, p, n, KINDS[k], clean))
					break;
				fired++;
				if (test_cur_failed > before + 20)
					return fired;   /* one broken path, not a flood */
			}
	}
	return fired;
}

/* ---- setup ---------------------------------------------------------------------- */

static void die(const char *what, const at_error *e)
{
	fprintf(stderr, "%s: %s %s\n", what, e->field, e->message);
	exit(1);
}

static void setup(void)
{
	fixture_data_dir(dir, sizeof dir, "fault");
	setenv("ATENA_FAKE_NOW", "1779937200", 1);   /* 2026-05-28 12:00 JST */
	at_error e = {0};
	if (platform_init(dir, MUNI, &e) || platform_open(dir, &S, &KR, &e) ||
	    registry_migrate(S, &e) || tax_migrate(S, &e) || registry_init(&e) || tax_init(&e) ||
	    tax_law_load_builtin(&LAW, &e))
		die("setup", &e);
	strbuf pw = STRBUF_INIT, tp = STRBUF_INIT;
	sb_init(&pw);
	sb_init(&tp);
	const char *who[][2] = {{"admin", "管理 太郎"}, {"clerk1", "窓口 花子"}, {"tax1", "税務 一郎"}};
	for (size_t i = 0; i < 3; i++)
		if (staff_add(S, KR, who[i][0], who[i][1], "市民税課", i == 0, i ? "admin" : "", "T-ADM",
			      &pw, &tp, &e))
			die("staff_add", &e);
	sb_release(&pw);
	sb_release(&tp);
	if (grant_add(S, "clerk1", REGISTRY_BUSINESS, GRANT_UPDATE, 0, 0, "admin", "T-ADM", "窓口担当",
		      &e) ||
	    grant_add(S, "tax1", TAX_BUSINESS, GRANT_UPDATE, 0, 0, "admin", "T-ADM", "課税担当", &e))
		die("grants", &e);
	/* a household resident since 2025, on the roll of January 1 */
	mk_mynumber("12345678901", MN_ICHIRO);
	char mn[4][13];
	for (int i = 0; i < 4; i++) {
		char f[12];
		snprintf(f, sizeof f, "%d2345678901", i + 2);
		mk_mynumber(f, mn[i]);
	}
	json_t *body = J(
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
		" 'relationship':'叔父','resident_code':'42345678901','my_number':'%s'},"
		"{'name':'所沢 三郎','name_kana':'トコロザワ サブロウ','birth_date':'2000-01-03','sex':'1',"
		" 'relationship':'子','resident_code':'52345678901','my_number':'%s'}]}",
		MN_ICHIRO, mn[0], mn[1], mn[2], mn[3]);
	door_ctx c = ctx("clerk1", REGISTRY_BUSINESS, "転入届の受付");
	door *d;
	json_t *res = NULL;
	if (door_open_owner(S, KR, &c, DOOR_WRITE, &registry_owner, &d, &e) ||
	    finish(d, registry_event(d, "move_in", body, &res, &e) < 0, &e))
		die("move_in", &e);
	json_decref(body);
	json_decref(res);
	c = ctx("tax1", TAX_BUSINESS, "令和8年度当初課税");
	if (door_open_owner(S, KR, &c, DOOR_WRITE, &tax_owner, &d, &e) ||
	    finish(d, tax_roll_build(d, KR, FY, &res, &e), &e))
		die("roll", &e);
	json_decref(res);
	raw_open();
}

/* ---- the tests -------------------------------------------------------------------- */

static int ITER = 1;

static void test_hook_itself(void)
{
	/* a kind a point cannot report, and nonsense, are refused */
	CHECK_INT(store_fault_arm(STORE_FAULT_SYNC, 1, STORE_FAULT_BUSY), -1);
	CHECK_INT(store_fault_arm(STORE_FAULT_STEP, 0, STORE_FAULT_IOERR), -1);
	/* the n-th step fails with the kind asked for, once, and says so */
	CHECK_INT(store_fault_arm(STORE_FAULT_STEP, 2, STORE_FAULT_FULL), 0);
	at_error e = {0};
	int64_t v = 0;
	CHECK_INT(store_query_int(S, "SELECT 1", NULL, 0, &v, &e), 1);
	CHECK_INT(store_query_int(S, "SELECT 2", NULL, 0, &v, &e), -1);
	CHECK(strstr(e.message, "full") != NULL);
	CHECK_INT(store_query_int(S, "SELECT 3", NULL, 0, &v, &e), 1);
	CHECK_INT(v, 3);
	CHECK_INT(store_fault_calls(), 3);
	CHECK(store_fault_disarm());
	/* an fsync fault reaches the commit through the VFS */
	CHECK_INT(store_fault_arm(STORE_FAULT_SYNC, 1, STORE_FAULT_IOERR), 0);
	CHECK_INT(store_begin(S, &e), 0);
	CHECK_INT(store_exec(S, "CREATE TABLE IF NOT EXISTS fault_probe(x)", &e), 0);
	CHECK_INT(store_commit(S, &e), -1);
	CHECK(store_fault_disarm());
	CHECK(!store_in_tx(S));
	CHECK_INT(raw_int("SELECT count(*) FROM sqlite_master WHERE name = 'fault_probe'"), 0);
	/* disarmed, nothing fails */
	CHECK(!store_fault_disarm());
	CHECK_INT(store_query_int(S, "SELECT 4", NULL, 0, &v, &e), 1);
}

static void test_register_event(void)
{
	int64_t fired = loop(op_move_in, &ITER);
	printf("register move_in: %lld faults injected\n", (long long)fired);
	CHECK(fired > 20);
}

static void test_tax_intake(void)
{
	int64_t fired = loop(op_intake, &ITER);
	printf("tax intake: %lld faults injected\n", (long long)fired);
	CHECK(fired > 20);
}

/* ---- the batch, from one snapshot each time ------------------------------------ */

static void snap_path(strbuf *out, const char *suffix)
{
	sb_reset(out);
	platform_db_path(dir, out);
	sb_add(out, suffix, strlen(suffix));
}

static void copy_file(const char *from, const char *to)
{
	FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
	if (!in || !out) {
		perror("snapshot copy");
		exit(1);
	}
	char buf[65536];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, in)) > 0)
		fwrite(buf, 1, n, out);
	fclose(in);
	if (fclose(out) || chmod(to, 0600)) {
		perror("snapshot copy");
		exit(1);
	}
}

/* Close both connections (the last close folds the WAL into the file), then
 * save the database as the snapshot, or put the snapshot back. */
static void snapshot_io(bool save)
{
	store_close(S);
	sqlite3_close(RAW);
	strbuf db = STRBUF_INIT, base = STRBUF_INIT, side = STRBUF_INIT;
	sb_init(&db);
	sb_init(&base);
	sb_init(&side);
	snap_path(&db, "");
	snap_path(&base, ".base");
	if (save) {
		copy_file(db.buf, base.buf);
	} else {
		snap_path(&side, "-wal");
		unlink(side.buf);
		snap_path(&side, "-shm");
		unlink(side.buf);
		copy_file(base.buf, db.buf);
	}
	sb_release(&db);
	sb_release(&base);
	sb_release(&side);
	at_error e = {0};
	if (platform_open(dir, &S, NULL, &e))
		die("reopen", &e);
	raw_open();
}

static int run_assess(int64_t *assessed, at_error *e)
{
	door_ctx c = ctx("tax1", TAX_BUSINESS, "令和8年度当初課税");
	json_t *sum = NULL;
	int rc = tax_assess(S, KR, &c, LAW, FY, CHUNK, &sum, e);
	*assessed = rc ? -1 : json_integer_value(json_object_get(sum, "assessed"));
	json_decref(sum);
	return rc;
}

/* What the batch leaves, checked after every attempt: each assessed person
 * has version 1 once and one "tax.assess" event, and the batch row counts
 * them; no event names a person without an assessment. */
static int64_t batch_consistent(void)
{
	int64_t persons = raw_int("SELECT count(DISTINCT addressee_no) FROM tax_assessment");
	CHECK_INT(raw_int("SELECT count(*) FROM tax_assessment"), persons);
	CHECK_INT(raw_int("SELECT count(*) FROM sp_audit_event WHERE operation = 'tax.assess'"
			  " AND outcome = 'ok'"), persons);
	CHECK_INT(raw_int("SELECT count(*) FROM sp_audit_event e WHERE operation = 'tax.assess'"
			  " AND NOT EXISTS(SELECT 1 FROM tax_assessment a WHERE a.addressee_no = e.subject)"),
		  0);
	int64_t counted = raw_int("SELECT coalesce(max(assessed), 0) FROM tax_batch");
	CHECK_INT(counted, persons);
	return persons;
}

static void test_batch(void)
{
	snapshot_io(true);
	at_error e = {0};
	int64_t total = 0;
	CHECK_INT(run_assess(&total, &e), 0);
	CHECK_INT(total, 5);
	CHECK_INT(batch_consistent(), total);
	int64_t fired = 0;
	for (store_fault_point p = STORE_FAULT_STEP; p <= STORE_FAULT_WRITE; p++) {
		/* Each attempt reopens a snapshot, so the kinds take turns by n. */
		size_t nk = p <= STORE_FAULT_COMMIT ? 3 : 2;
		for (int64_t n = 1;; n++) {
			snapshot_io(false);
			store_fault_kind kind = KINDS[n % nk];
			store_fault_arm(p, n, kind);
			int64_t got = 0;
			int rc = run_assess(&got, &e);
			bool hit = store_fault_disarm();
			if (!hit) {
				CHECK_INT(rc, 0);
				CHECK_INT(got, total);
				break;
			}
			fired++;
			int before = test_cur_failed;
			int64_t done = batch_consistent();
			CHECK(chain_ok());
			if (rc == 0) {
				/* only a file fault in a checkpoint SQLite ignores */
				CHECK(p >= STORE_FAULT_SYNC);
				CHECK_INT(done, total);
			} else {
				/* resumed: the rest, none twice */
				CHECK_INT(run_assess(&got, &e), 0);
				CHECK_INT(got, total - done);
				CHECK_INT(batch_consistent(), total);
				CHECK(chain_ok());
			}
			if (test_cur_failed > before)
				fprintf(stderr, "  batch: %s #%lld %s\n", POINT_NAME[p], (long long)n,
					KIND_NAME[kind]);
			if (test_cur_failed > 20)
				return;
		}
	}
	printf("tax batch: %lld faults injected\n", (long long)fired);
	CHECK(fired > 20);
}

int main(void)
{
	setup();
	RUN(test_hook_itself);
	RUN(test_register_event);
	RUN(test_tax_intake);
	RUN(test_batch);
	store_close(S);
	sqlite3_close(RAW);
	keyring_free(KR);
	tax_law_free(LAW);
	return test_report();
}
