/*
 * bench_door — what the one door costs. The figure that matters is the
 * ratio of reads through the access layer to the same reads done directly
 * on SQLite, in the same run, on the same machine and disk.
 *
 * Setup: a fresh data directory (municipality 131105), an administrator, a
 * staff member granted view and update on test_business, and N synthetic
 * persons (bench/synth.h) created through door_create into test_file, LOAD
 * per unit of work. The same rows go into a plain SQLite database in the
 * same directory: persons(id INTEGER PRIMARY KEY, doc TEXT), WAL,
 * synchronous=FULL.
 *
 * Then M random reads (one fixed sequence of record ids, used by every run):
 *  (a) door: door_open(DOOR_READ) + door_read + door_commit per read — every
 *      read audited durably in its own transaction (the realistic case);
 *  (b) door: BATCH reads per unit of work;
 *  (c) direct: BEGIN; SELECT doc; COMMIT per read (no log: a read-only
 *      transaction, so no fsync);
 *  (d) direct + log: BEGIN IMMEDIATE; SELECT doc; INSERT one row into a plain
 *      log table; COMMIT per read — the fair "read + durable log" baseline;
 *  (e) direct + log, BATCH reads per transaction — the baseline for (b).
 *
 *   ./build/bench/bench_door --persons 50000 --reads 100000
 *
 * Prints plain text, then one line of JSON with the figures.
 */
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_common.h"
#include "core/error.h"
#include "core/json.h"
#include "crypto/crypto.h"
#include "policy/decl.h"
#include "policy/door.h"
#include "policy/grant.h"
#include "policy/platform.h"
#include "policy/staff.h"
#include "store/store.h"
#include "sandbox/synth.h"

#define PROG "bench_door"
#define MUNICIPALITY "131105"
#define FILE_ID "test_file"
#define BUSINESS "test_business"
#define ADMIN "bench-admin"
#define STAFF "bench-staff"
#define TERMINAL "T-BENCH-01"
#define REASON "benchmark: 住民票の写しの交付"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: " PROG " [--persons N] [--reads M] [--batch B] [--load-batch L]\n"
		"                  [--rounds R] [--seed S] [--dir PATH] [--keep]\n"
		"\n"
		"Loads N synthetic persons through the door (door_create into " FILE_ID "), then\n"
		"times M random reads: (a) through the door, one unit of work per read;\n"
		"(b) through the door, B reads per unit of work; (c) directly on a plain SQLite\n"
		"table, one read per transaction; (d) directly, each read also writing one row\n"
		"to a plain log table in the same transaction; (e) as (d), B reads per\n"
		"transaction. The same read sequence is used by every kind; the kinds take\n"
		"turns in rounds. Prints reads/s, CPU per read, and the ratios (a)/(c),\n"
		"(a)/(d), (b)/(c), (b)/(e).\n"
		"\n"
		"  --persons N     persons to load, 1..10000000 (default 50000)\n"
		"  --reads M       random reads per run, 1..100000000 (default 100000)\n"
		"  --batch B       reads per unit of work in (b) and (e), 1..M (default 100)\n"
		"  --load-batch L  door_create calls per unit of work while loading,\n"
		"                  1..100000 (default 1000)\n"
		"  --rounds R      the runs take turns in R rounds, each doing 1/R of the\n"
		"                  reads, 1..1000 (default 5)\n"
		"  --seed S        seed of the population and of the read sequence (default 42)\n"
		"  --dir PATH      data directory to create (must not exist); default a new\n"
		"                  directory under $TMPDIR, else /var/tmp\n"
		"  --keep          keep the data directory afterwards (default: remove it)\n"
		"  --help          this text\n"
		"\n"
		"example: " PROG " --persons 50000 --reads 100000\n");
}

static int fail(const char *what, const at_error *err)
{
	fprintf(stderr, PROG ": %s failed: %s [%s]\n", what, err->message, err->code);
	return 1;
}

static int sql_fail(sqlite3 *db, const char *what)
{
	fprintf(stderr, PROG ": plain SQLite, %s: %s\n", what, sqlite3_errmsg(db));
	return 1;
}

/* ---- The plain database ----------------------------------------------------- */
typedef struct plain {
	sqlite3 *db;
	sqlite3_stmt *begin, *begin_imm, *commit, *get, *put, *log;
} plain;

static int plain_open(const char *dir, plain *p)
{
	memset(p, 0, sizeof *p);
	strbuf path = STRBUF_INIT;
	sb_init(&path);
	sb_addf(&path, "%s/plain.db", dir);
	int rc = sqlite3_open(path.buf, &p->db);
	sb_release(&path);
	if (rc != SQLITE_OK)
		return sql_fail(p->db, "open");
	sqlite3_busy_timeout(p->db, 10000);
	/* The same durability settings as the store (src/store/store_sqlite.c). */
	const char *setup = "PRAGMA journal_mode=WAL;"
			    "PRAGMA synchronous=FULL;"
			    "CREATE TABLE persons(id INTEGER PRIMARY KEY, doc TEXT NOT NULL);"
			    "CREATE TABLE log(id INTEGER PRIMARY KEY, ts INTEGER, staff TEXT,"
			    " department TEXT, terminal TEXT, business TEXT, reason TEXT,"
			    " subject TEXT, items TEXT, operation TEXT, outcome TEXT, detail TEXT);";
	if (sqlite3_exec(p->db, setup, NULL, NULL, NULL) != SQLITE_OK)
		return sql_fail(p->db, "set up");
	struct {
		sqlite3_stmt **st;
		const char *sql;
	} stmts[] = {
		{&p->begin, "BEGIN"},
		{&p->begin_imm, "BEGIN IMMEDIATE"},
		{&p->commit, "COMMIT"},
		{&p->get, "SELECT doc FROM persons WHERE id = ?"},
		{&p->put, "INSERT INTO persons(id, doc) VALUES(?, ?)"},
		{&p->log, "INSERT INTO log(ts, staff, department, terminal, business, reason, subject,"
			  " items, operation, outcome, detail) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"},
	};
	for (size_t i = 0; i < sizeof stmts / sizeof stmts[0]; i++)
		if (sqlite3_prepare_v2(p->db, stmts[i].sql, -1, stmts[i].st, NULL) != SQLITE_OK)
			return sql_fail(p->db, stmts[i].sql);
	return 0;
}

static void plain_close(plain *p)
{
	sqlite3_stmt *all[] = {p->begin, p->begin_imm, p->commit, p->get, p->put, p->log};
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		sqlite3_finalize(all[i]);
	sqlite3_close(p->db);
}

static int run1(sqlite3 *db, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return sql_fail(db, sqlite3_sql(st));
	return 0;
}

/* One direct read: the document of record id; returns its length, -1 on error. */
static long plain_get(plain *p, int64_t id)
{
	sqlite3_bind_int64(p->get, 1, id);
	long len = -1;
	if (sqlite3_step(p->get) == SQLITE_ROW && sqlite3_column_text(p->get, 0))
		len = sqlite3_column_bytes(p->get, 0);
	sqlite3_reset(p->get);
	if (len < 0)
		fprintf(stderr, PROG ": plain SQLite: no row %lld\n", (long long)id);
	return len;
}

/* The log row a direct read writes: the same fields as an audit event. */
static int plain_log(plain *p, const char *subject, int64_t id)
{
	char detail[64];
	snprintf(detail, sizeof detail, FILE_ID "#%lld v1", (long long)id);
	sqlite3_stmt *st = p->log;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)time(NULL));
	const char *v[] = {STAFF, "区民部窓口課", TERMINAL, BUSINESS, REASON, subject,
			   "my_number,name,name_kana,birth_date,sex,address,household_size",
			   "read", "ok", detail};
	for (int i = 0; i < 10; i++)
		sqlite3_bind_text(st, 2 + i, v[i], -1, SQLITE_STATIC);
	return run1(p->db, st);
}

/* ---- Loading ------------------------------------------------------------------ */
/* test_file and test_business are test declarations, never built in. */
static int load_test_declaration(store *s, at_error *err)
{
	FILE *f = fopen(ATENA_TEST_DECL, "rb");
	if (!f)
		return at_fail(err, 500, AT_E_INTERNAL, "", "cannot read %s", ATENA_TEST_DECL);
	strbuf text = STRBUF_INIT;
	sb_init(&text);
	char buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		sb_add(&text, buf, n);
	fclose(f);
	int rc = decl_load(s, text.buf, "test.json", err);
	sb_release(&text);
	return rc;
}

/* The items of test_file for one person (tests/declarations/test.json). */
static json_t *person_items(const synth_household *h, const synth_person *p)
{
	char addr[400];
	if (h->address_extra[0])
		snprintf(addr, sizeof addr, "%s　%s", h->address, h->address_extra);
	else
		snprintf(addr, sizeof addr, "%s", h->address);
	json_t *o = json_object();
	json_object_set_new(o, "my_number", json_string(p->my_number));
	json_object_set_new(o, "name", json_string(p->name));
	json_object_set_new(o, "name_kana", json_string(p->name_kana));
	json_object_set_new(o, "birth_date", json_string(p->birth_date));
	json_object_set_new(o, "sex", json_string(p->sex == SYNTH_MALE ? "1" : "2"));
	json_object_set_new(o, "address", json_string(addr));
	json_object_set_new(o, "household_size", json_integer((json_int_t)h->count));
	return o;
}

typedef struct loaded {
	int64_t *rid;          /* record id of person i */
	char (*subject)[11];   /* addressee number of person i */
	size_t n;
} loaded;

static int load(store *s, const keyring *kr, const door_ctx *ctx, plain *p, uint64_t seed,
		size_t persons, size_t per_unit, loaded *L, double *seconds)
{
	L->rid = calloc(persons, sizeof *L->rid);
	L->subject = calloc(persons, sizeof *L->subject);
	if (!L->rid || !L->subject)
		abort();
	L->n = 0;
	synth_config cfg = {.seed = seed, .households = persons, .municipality = MUNICIPALITY};
	synth *g;
	at_error err;
	if (synth_new(&cfg, &g, &err))
		return fail("synth_new", &err);
	synth_household h;
	size_t hi = 0, hn = 0;   /* next member of the current household, its size */
	double t0 = bench_now();
	int rc = 1;
	while (L->n < persons) {
		door *d;
		if (door_open(s, kr, ctx, DOOR_WRITE, &d, &err)) {
			fail("door_open (write)", &err);
			goto out;
		}
		if (sqlite3_step(p->begin_imm) != SQLITE_DONE) {
			sql_fail(p->db, "begin");
			door_abort(d);
			goto out;
		}
		sqlite3_reset(p->begin_imm);
		for (size_t k = 0; k < per_unit && L->n < persons; k++) {
			if (hi == hn) {
				if (!synth_next_household(g, &h)) {
					fprintf(stderr, PROG ": the generator ran out of persons\n");
					door_abort(d);
					goto out;
				}
				hi = 0;
				hn = h.count;
			}
			const synth_person *pp = &h.members[hi++];
			json_t *items = person_items(&h, pp);
			int64_t rid = 0;
			int r = door_create(d, FILE_ID, pp->addressee_no, items, &rid, &err);
			if (r == 0) {
				char *doc = jv_dump(items);
				sqlite3_bind_int64(p->put, 1, rid);
				sqlite3_bind_text(p->put, 2, doc, -1, SQLITE_TRANSIENT);
				r = run1(p->db, p->put);
				free(doc);
			} else {
				fail("door_create", &err);
			}
			json_decref(items);
			if (r) {
				door_abort(d);
				goto out;
			}
			L->rid[L->n] = rid;
			memcpy(L->subject[L->n], pp->addressee_no, 11);
			L->n++;
		}
		if (door_commit(d, &err)) {
			fail("door_commit", &err);
			goto out;
		}
		if (run1(p->db, p->commit))
			goto out;
	}
	rc = 0;
out:
	*seconds = bench_now() - t0;
	if (rc && sqlite3_get_autocommit(p->db) == 0)
		sqlite3_exec(p->db, "ROLLBACK", NULL, NULL, NULL);
	synth_free(g);
	return rc;
}

/* ---- Runs --------------------------------------------------------------------- */
/* (a) and (b): `per_unit` door reads per unit of work. */
static int run_door(store *s, const keyring *kr, const door_ctx *ctx, const loaded *L,
		    const uint32_t *seq, uint64_t reads, uint64_t per_unit)
{
	at_error err;
	for (uint64_t i = 0; i < reads;) {
		door *d;
		if (door_open(s, kr, ctx, DOOR_READ, &d, &err))
			return fail("door_open (read)", &err);
		for (uint64_t k = 0; k < per_unit && i < reads; k++, i++) {
			json_t *out = NULL;
			if (door_read(d, FILE_ID, L->rid[seq[i]], &out, &err)) {
				door_abort(d);
				return fail("door_read", &err);
			}
			json_decref(out);
		}
		if (door_commit(d, &err))
			return fail("door_commit", &err);
	}
	return 0;
}

/* (c), (d) and (e): direct reads, `per_tx` per transaction, with or without a log row. */
static int run_plain(plain *p, const loaded *L, const uint32_t *seq, uint64_t reads,
		     uint64_t per_tx, bool with_log)
{
	sqlite3_stmt *begin = with_log ? p->begin_imm : p->begin;
	for (uint64_t i = 0; i < reads;) {
		if (run1(p->db, begin))
			return 1;
		for (uint64_t k = 0; k < per_tx && i < reads; k++, i++) {
			uint32_t j = seq[i];
			if (plain_get(p, L->rid[j]) < 0 || (with_log && plain_log(p, L->subject[j], L->rid[j]))) {
				sqlite3_exec(p->db, "ROLLBACK", NULL, NULL, NULL);
				return 1;
			}
		}
		if (run1(p->db, p->commit))
			return 1;
	}
	return 0;
}

enum { K_A, K_B, K_C, K_D, K_E, K_N };

typedef struct kind {
	char label[160];
	double wall, cpu;   /* seconds, summed over the rounds */
	double per_s;
} kind;

typedef struct runner {
	store *s;
	const keyring *kr;
	const door_ctx *ctx;
	plain *p;
	const loaded *L;
	uint64_t batch;
} runner;

static int run_kind(const runner *R, int k, const uint32_t *seq, uint64_t n, kind *out)
{
	double w0 = bench_now(), c0 = bench_cpu();
	int rc;
	switch (k) {
	case K_A: rc = run_door(R->s, R->kr, R->ctx, R->L, seq, n, 1); break;
	case K_B: rc = run_door(R->s, R->kr, R->ctx, R->L, seq, n, R->batch); break;
	case K_C: rc = run_plain(R->p, R->L, seq, n, 1, false); break;
	case K_D: rc = run_plain(R->p, R->L, seq, n, 1, true); break;
	default: rc = run_plain(R->p, R->L, seq, n, R->batch, true); break;
	}
	out->wall += bench_now() - w0;
	out->cpu += bench_cpu() - c0;
	return rc;
}

int main(int argc, char **argv)
{
	uint64_t persons = 50000, reads = 100000, batch = 100, load_batch = 1000, seed = 42;
	uint64_t rounds = 5;
	const char *dir_flag = NULL;
	bool keep = false, batch_given = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return 0;
		}
		if (!strcmp(a, "--keep")) {
			keep = true;
			continue;
		}
		if (strcmp(a, "--persons") && strcmp(a, "--reads") && strcmp(a, "--batch") &&
		    strcmp(a, "--load-batch") && strcmp(a, "--seed") && strcmp(a, "--dir") &&
		    strcmp(a, "--rounds")) {
			fprintf(stderr, PROG ": unknown argument \"%s\" (see --help)\n", a);
			return 2;
		}
		if (i + 1 >= argc) {
			fprintf(stderr, PROG ": %s needs a value (see --help)\n", a);
			return 2;
		}
		const char *v = argv[++i];
		int bad = 0;
		if (!strcmp(a, "--persons"))
			bad = bench_parse_count(PROG, a, v, 1, 10000000, &persons);
		else if (!strcmp(a, "--reads"))
			bad = bench_parse_count(PROG, a, v, 1, 100000000, &reads);
		else if (!strcmp(a, "--batch")) {
			bad = bench_parse_count(PROG, a, v, 1, 100000000, &batch);
			batch_given = true;
		} else if (!strcmp(a, "--load-batch"))
			bad = bench_parse_count(PROG, a, v, 1, 100000, &load_batch);
		else if (!strcmp(a, "--rounds"))
			bad = bench_parse_count(PROG, a, v, 1, 1000, &rounds);
		else if (!strcmp(a, "--seed"))
			bad = bench_parse_count(PROG, a, v, 0, UINT64_MAX, &seed);
		else if (!*v) {
			fprintf(stderr, PROG ": --dir needs a path\n");
			bad = 1;
		} else
			dir_flag = v;
		if (bad)
			return 2;
	}
	if (rounds > reads) {
		fprintf(stderr, PROG ": --rounds (%llu) may not exceed --reads (%llu)\n",
			(unsigned long long)rounds, (unsigned long long)reads);
		return 2;
	}
	if (batch > reads) {
		if (batch_given) {
			fprintf(stderr, PROG ": --batch (%llu) may not exceed --reads (%llu)\n",
				(unsigned long long)batch, (unsigned long long)reads);
			return 2;
		}
		batch = reads;
	}

	strbuf cmd = STRBUF_INIT, dir = STRBUF_INIT;
	sb_init(&cmd);
	sb_init(&dir);
	bench_command_line(argc, argv, &cmd);
	if (bench_fresh_dir(PROG, dir_flag, &dir))
		return dir_flag ? 2 : 1;   /* 2: the --dir argument is wrong */

	at_error err;
	at_error_clear(&err);
	int rc = 1;
	store *s = NULL;
	keyring *kr = NULL;
	plain p = {0};
	loaded L = {0};
	uint32_t *seq = NULL;
	strbuf pw = STRBUF_INIT, totp = STRBUF_INIT;
	sb_init(&pw);
	sb_init(&totp);

	/* ---- Setup ---- */
	if (platform_init(dir.buf, MUNICIPALITY, &err)) {
		fail("platform_init", &err);
		goto out;
	}
	if (platform_open(dir.buf, &s, &kr, &err)) {
		fail("platform_open", &err);
		goto out;
	}
	if (load_test_declaration(s, &err)) {
		fail("decl_load (" ATENA_TEST_DECL ")", &err);
		goto out;
	}
	if (staff_add(s, kr, ADMIN, "ベンチ管理者", "総務部情報政策課", true, "", TERMINAL, &pw,
		      &totp, &err)) {
		fail("staff_add (administrator)", &err);
		goto out;
	}
	sb_reset(&pw);
	sb_reset(&totp);
	if (staff_add(s, kr, STAFF, "ベンチ職員", "区民部窓口課", false, ADMIN, TERMINAL, &pw, &totp,
		      &err)) {
		fail("staff_add (staff)", &err);
		goto out;
	}
	if (grant_add(s, STAFF, BUSINESS, GRANT_VIEW, 0, 0, ADMIN, TERMINAL, "benchmark", &err) ||
	    grant_add(s, STAFF, BUSINESS, GRANT_UPDATE, 0, 0, ADMIN, TERMINAL, "benchmark", &err)) {
		fail("grant_add", &err);
		goto out;
	}
	if (plain_open(dir.buf, &p))
		goto out;

	bench_machine m;
	bench_machine_read(dir.buf, &m);
	printf(PROG ": %llu persons, %llu random reads per run, durable commits\n",
	       (unsigned long long)persons, (unsigned long long)reads);
	bench_machine_print(&m, cmd.buf, dir.buf);
	printf("\n");
	fflush(stdout);

	door_ctx ctx = {.staff_id = STAFF, .department = "区民部窓口課", .terminal_id = TERMINAL,
			.business = BUSINESS, .reason = REASON, .case_id = ""};
	double t_load;
	if (load(s, kr, &ctx, &p, seed, (size_t)persons, (size_t)load_batch, &L, &t_load))
		goto out;
	printf("load: %zu persons through door_create (+ the same rows into plain.db), "
	       "%llu per unit of work: %.3f s = %.0f persons/s\n",
	       L.n, (unsigned long long)load_batch, t_load, (double)L.n / t_load);

	/* One read of each kind, by eye. */
	{
		door *d;
		json_t *out = NULL;
		if (door_open(s, kr, &ctx, DOOR_READ, &d, &err) ||
		    door_read(d, FILE_ID, L.rid[0], &out, &err)) {
			fail("sample door_read", &err);
			goto out;
		}
		door_commit(d, &err);
		char *txt = jv_dump(out);
		printf("sample door_read:   %s\n", txt);
		free(txt);
		json_decref(out);
		sqlite3_bind_int64(p.get, 1, L.rid[0]);
		if (sqlite3_step(p.get) == SQLITE_ROW)
			printf("sample direct read: %s\n", (const char *)sqlite3_column_text(p.get, 0));
		sqlite3_reset(p.get);
	}
	printf("\n");
	fflush(stdout);

	/* The read sequence: the same M random records for every run. */
	seq = malloc(reads * sizeof *seq);
	if (!seq)
		abort();
	synth_rng rng;
	synth_rng_seed(&rng, seed ^ 0x72656164u);   /* "read" */
	for (uint64_t i = 0; i < reads; i++)
		seq[i] = (uint32_t)synth_rng_below(&rng, L.n);

	/* The runs take turns: round r does slice r of the read sequence in each
	 * kind, starting with a different kind each round, so a slow patch of the
	 * disk or the page cache warming up does not land on one kind alone. */
	kind K[K_N];
	memset(K, 0, sizeof K);
	snprintf(K[K_A].label, sizeof K[K_A].label,
		 "(a) door: door_open + door_read + door_commit per read (audited, durable)");
	snprintf(K[K_B].label, sizeof K[K_B].label, "(b) door: %llu reads per unit of work",
		 (unsigned long long)batch);
	snprintf(K[K_C].label, sizeof K[K_C].label,
		 "(c) direct SQLite, one read per transaction (BEGIN; SELECT; COMMIT)");
	snprintf(K[K_D].label, sizeof K[K_D].label,
		 "(d) direct SQLite + one log row per read, one read per transaction");
	snprintf(K[K_E].label, sizeof K[K_E].label,
		 "(e) direct SQLite + one log row per read, %llu reads per transaction",
		 (unsigned long long)batch);
	runner R = {s, kr, &ctx, &p, &L, batch};
	for (uint64_t r = 0; r < rounds; r++) {
		uint64_t lo = reads * r / rounds, hi = reads * (r + 1) / rounds;
		for (int j = 0; j < K_N; j++) {
			int k = (int)((r + (uint64_t)j) % K_N);
			if (run_kind(&R, k, seq + lo, hi - lo, &K[k]))
				goto out;
		}
		fprintf(stderr, PROG ": round %llu/%llu done\n", (unsigned long long)(r + 1),
			(unsigned long long)rounds);
	}
	printf("%llu reads of each kind, in %llu rounds taking turns:\n", (unsigned long long)reads,
	       (unsigned long long)rounds);
	for (int k = 0; k < K_N; k++) {
		K[k].per_s = (double)reads / K[k].wall;
		printf("%s\n    %.3f s = %.0f reads/s; %.4f ms wall, %.4f ms CPU per read\n",
		       K[k].label, K[k].wall, K[k].per_s, 1000.0 * K[k].wall / (double)reads,
		       1000.0 * K[k].cpu / (double)reads);
	}
	double a_c = K[K_A].per_s / K[K_C].per_s, a_d = K[K_A].per_s / K[K_D].per_s,
	       b_c = K[K_B].per_s / K[K_C].per_s, b_e = K[K_B].per_s / K[K_E].per_s;
	printf("\nratios (reads/s through the door / reads/s direct; 1.0 = no cost):\n"
	       "  (a)/(c) door per read   / direct read             = %.4f  (door %.1fx slower)\n"
	       "  (a)/(d) door per read   / direct read + log row   = %.4f  (door %.1fx slower)\n"
	       "  (b)/(c) door batched    / direct read             = %.4f  (door %.1fx slower)\n"
	       "  (b)/(e) door batched    / direct + log, batched   = %.4f  (door %.1fx slower)\n",
	       a_c, 1 / a_c, a_d, 1 / a_d, b_c, 1 / b_c, b_e, 1 / b_e);

	strbuf dbp = STRBUF_INIT;
	sb_init(&dbp);
	platform_db_path(dir.buf, &dbp);
	int64_t door_bytes = bench_file_size(dbp.buf);
	sb_reset(&dbp);
	sb_addf(&dbp, "%s/plain.db", dir.buf);
	int64_t plain_bytes = bench_file_size(dbp.buf);
	sb_release(&dbp);
	printf("files: atena.db %.1f MB, plain.db %.1f MB (WAL files not counted)\n",
	       (double)door_bytes / 1e6, (double)plain_bytes / 1e6);

	strbuf js = STRBUF_INIT;
	sb_init(&js);
	sb_adds(&js, "{\"bench\":\"door\",");
	bench_json_machine(&js, &m, cmd.buf);
	sb_addf(&js,
		",\"persons\":%zu,\"reads\":%llu,\"batch\":%llu,\"load_batch\":%llu,"
		"\"rounds\":%llu,\"seed\":%llu,\"load_persons_per_s\":%.1f,"
		"\"a_door_per_read\":%.1f,\"b_door_batched\":%.1f,\"c_direct\":%.1f,"
		"\"d_direct_log\":%.1f,\"e_direct_log_batched\":%.1f,"
		"\"cpu_ms_per_read\":{\"a\":%.5f,\"b\":%.5f,\"c\":%.5f,\"d\":%.5f,\"e\":%.5f},"
		"\"ratio_a_c\":%.5f,\"ratio_a_d\":%.5f,\"ratio_b_c\":%.5f,\"ratio_b_e\":%.5f}",
		L.n, (unsigned long long)reads, (unsigned long long)batch,
		(unsigned long long)load_batch, (unsigned long long)rounds, (unsigned long long)seed,
		(double)L.n / t_load, K[K_A].per_s, K[K_B].per_s, K[K_C].per_s, K[K_D].per_s,
		K[K_E].per_s, 1000.0 * K[K_A].cpu / (double)reads, 1000.0 * K[K_B].cpu / (double)reads,
		1000.0 * K[K_C].cpu / (double)reads, 1000.0 * K[K_D].cpu / (double)reads,
		1000.0 * K[K_E].cpu / (double)reads, a_c, a_d, b_c, b_e);
	printf("%s\n", js.buf);
	sb_release(&js);
	rc = 0;
out:
	plain_close(&p);
	store_close(s);
	keyring_free(kr);
	free(L.rid);
	free(L.subject);
	free(seq);
	sb_release(&pw);
	sb_release(&totp);
	if (keep)
		fprintf(stderr, PROG ": data kept in %s\n", dir.buf);
	else
		bench_remove_dir(dir.buf);
	sb_release(&cmd);
	sb_release(&dir);
	return rc;
}
