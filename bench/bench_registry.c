/*
 * bench_registry — the resident register at a ward's scale.
 *
 * (a) Migration (移行): a synthetic ward (atena_synth + synth_migration.h,
 *     the ward `atena demo` loads) goes into a fresh data directory through
 *     registry_import, --batch households per door (one durable commit
 *     each): every record validated, encrypted, indexed and audited, with
 *     its uniqueness checks as audited searches and its outbox row. The same
 *     records, as the same JSON documents, go into a plain SQLite table in
 *     the same run, same batch size, WAL + synchronous=FULL, with the two
 *     indexes (b) needs: the naive system. Batches alternate between the
 *     two, so a slow patch of the disk does not land on one alone.
 * (b) Lookups through the HTTP API: the real server (server_start, port 0,
 *     --threads workers) on the loaded directory, a clerk logged in once
 *     (password + TOTP, the token shared by the clients), then 1, 8 and 32
 *     concurrent clients (plain sockets, HTTP/1.1 keep-alive) each for
 *     --duration seconds:
 *       kana       GET /api/v1/registry/search?name_kana=<2 kana>&limit=20
 *       my_number  GET /api/v1/registry/search?my_number=<a resident's>
 *     every request authenticated, checked at the door, audited and
 *     committed durably; against the same lookups straight on the plain
 *     table (an index on the kana search key and one on the My Number in
 *     plain text, as a naive system would keep it), one connection per
 *     client thread, same duration. The kana prefixes are the first two kana
 *     of random residents' readings (so common surnames are asked for as
 *     often as they occur), the My Numbers random residents'.
 *     And the bare reference (issue 10 §4): a libmicrohttpd handler in this
 *     process, started with the server's own daemon options and thread pool,
 *     answering every request with a fixed small JSON body, driven by the
 *     same client with the same request headers at each client count: how
 *     far the register is from what the HTTP layer alone can do here.
 * Then the targets of issue 10 §4 (bench_targets.h), each PASS or MISS.
 *
 * Prints the machine, the command, the figures, and one final JSON line.
 */
#include <jansson.h>
#include <microhttpd.h>
#include <pthread.h>
#include <sqlite3.h>

#include "audit/audit.h"
#include "bench_common.h"
#include "bench_http.h"
#include "bench_targets.h"
#include "core/json.h"
#include "core/kana.h"
#include "crypto/crypto.h"
#include "policy/door.h"
#include "policy/grant.h"
#include "policy/platform.h"
#include "policy/staff.h"
#include "registry/registry.h"
#include "server/server.h"
#include "sandbox/synth.h"
#include "sandbox/synth_migration.h"

#define PROG "bench_registry"
/* 目黒区: about 280,000 residents. 145,000 households of the generator (1.98
 * persons each, about 3% of records removed) give about 279,000 current
 * residents (seed 42: see the load's own count). */
#define MEGURO_HOUSEHOLDS 145000
#define MAX_CLIENTS 64
#define SAMPLE_MAX 20000            /* lookup keys drawn from the loaded ward */
#define CROSS_CHECK 50              /* samples whose answers are compared before measuring */
#define CLERK_PASSWORD "Bench-Clerk-Passw0rd-2026"

typedef struct opts {
	uint64_t households, seed, batch, duration, threads;
	int clients[8];
	size_t nclients;
	const char *dir, *reuse, *json;
	bool keep, no_http;
} opts;

static void usage(void)
{
	printf("usage: %s [--households N] [--seed S] [--batch N] [--duration SEC]\n"
	       "                      [--clients 1,8,32] [--threads N] [--dir DIR] [--keep]\n"
	       "                      [--reuse DIR] [--no-http] [--json FILE]\n\n"
	       "(a) loads a synthetic ward through registry_import (the door, audited), --batch\n"
	       "    households per durable commit, against plain SQLite inserts of the same JSON\n"
	       "    documents (same batch, WAL + synchronous=FULL) in the same run;\n"
	       "(b) serves it over HTTP and measures search by kana prefix and by My Number at\n"
	       "    each --clients count for --duration seconds, against the same lookups on\n"
	       "    the plain table, and a bare libmicrohttpd handler (same daemon options and\n"
	       "    thread pool, a fixed small JSON body) as the reference the targets are\n"
	       "    ratios to; then each target of issue 10 §4 with PASS or MISS.\n\n"
	       "Defaults: --households %d (目黒区, about 280,000 residents), --seed 42,\n"
	       "--batch 500, --duration 10, --clients 1,8,32, --threads 4 (server workers).\n"
	       "--keep keeps the data directory (printed); --reuse DIR skips (a) and measures (b)\n"
	       "on a directory kept before; --no-http stops after (a); --json FILE also writes\n"
	       "the final JSON line (every figure and target) to FILE.\n\n"
	       "example: %s --households 20000 --duration 5\n",
	       PROG, MEGURO_HOUSEHOLDS, PROG);
}

static int parse_clients(const char *s, opts *o)
{
	o->nclients = 0;
	const char *p = s;
	while (*p) {
		char num[16];
		size_t n = strcspn(p, ",");
		if (n == 0 || n >= sizeof num || o->nclients == 8)
			goto bad;
		memcpy(num, p, n);
		num[n] = '\0';
		uint64_t v;
		if (bench_parse_count(PROG, "--clients", num, 1, MAX_CLIENTS, &v))
			return -1;
		o->clients[o->nclients++] = (int)v;
		p += n;
		if (*p == ',')
			p++;
	}
	if (o->nclients)
		return 0;
bad:
	fprintf(stderr, "%s: --clients needs a list such as 1,8,32 (at most 8 counts of 1..%d)\n",
		PROG, MAX_CLIENTS);
	return -1;
}

static int parse_args(int argc, char **argv, opts *o)
{
	*o = (opts){.households = MEGURO_HOUSEHOLDS, .seed = 42, .batch = 500, .duration = 10,
		    .threads = 4, .clients = {1, 8, 32}, .nclients = 3};
	static const char *const switches[] = {"--keep", "--no-http", NULL};
	for (int i = 1; i < argc; i++) {
		const char *a, *v;
		int r = bench_flag(PROG, argc, argv, &i, switches, &a, &v);
		if (r == 1) {
			usage();
			exit(0);
		}
		if (r)
			return -1;
		if (!strcmp(a, "--keep"))
			o->keep = true;
		else if (!strcmp(a, "--no-http"))
			o->no_http = true;
		else if (!strcmp(a, "--households"))
			r = bench_parse_count(PROG, a, v, 1, 5000000, &o->households);
		else if (!strcmp(a, "--seed"))
			r = bench_parse_count(PROG, a, v, 0, UINT64_MAX, &o->seed);
		else if (!strcmp(a, "--batch"))
			r = bench_parse_count(PROG, a, v, 1, REGISTRY_IMPORT_MAX_HOUSEHOLDS, &o->batch);
		else if (!strcmp(a, "--duration"))
			r = bench_parse_count(PROG, a, v, 1, 3600, &o->duration);
		else if (!strcmp(a, "--threads"))
			r = bench_parse_count(PROG, a, v, 1, 64, &o->threads);
		else if (!strcmp(a, "--clients"))
			r = parse_clients(v, o);
		else if (!strcmp(a, "--dir"))
			o->dir = v;
		else if (!strcmp(a, "--reuse"))
			o->reuse = v;
		else if (!strcmp(a, "--json"))
			o->json = v;
		else {
			fprintf(stderr, "%s: unknown flag %s (see --help)\n", PROG, a);
			return -1;
		}
		if (r)
			return -1;
	}
	if (o->reuse && o->dir) {
		fprintf(stderr, "%s: --reuse and --dir exclude each other\n", PROG);
		return -1;
	}
	return 0;
}

static void die(const char *what, const at_error *e)
{
	bench_die(PROG, what, e);
}

static void die_sql(sqlite3 *db, const char *what)
{
	fprintf(stderr, "%s: %s: %s\n", PROG, what, sqlite3_errmsg(db));
	exit(1);
}

/* ---- The plain table ------------------------------------------------------ */

static sqlite3 *plain_open(const char *dir, bool readonly)
{
	strbuf p = STRBUF_INIT;
	sb_init(&p);
	sb_addf(&p, "%s/plain.db", dir);
	sqlite3 *db = NULL;
	int flags = readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	if (sqlite3_open_v2(p.buf, &db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
		die_sql(db, "plain.db");
	sb_release(&p);
	sqlite3_busy_timeout(db, 10000);
	if (!readonly &&
	    sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
			     "CREATE TABLE IF NOT EXISTS persons(id INTEGER PRIMARY KEY,"
			     " my_number TEXT, kana TEXT NOT NULL, state TEXT NOT NULL,"
			     " addressee_no TEXT NOT NULL, doc TEXT NOT NULL);"
			     "CREATE INDEX IF NOT EXISTS persons_my_number ON persons(my_number);"
			     "CREATE INDEX IF NOT EXISTS persons_kana ON persons(kana);",
			     NULL, NULL, NULL) != SQLITE_OK)
		die_sql(db, "plain.db schema");
	return db;
}

/* ---- (a) The load -------------------------------------------------------- */

typedef struct load_result {
	uint64_t households, persons, removed, batches;
	double atena_s, atena_cpu, plain_s, plain_cpu, gen_s;
	double verify_s;
	int64_t audit_events;
	int64_t atena_bytes, plain_bytes;
} load_result;

static void kana_key(const char *s, strbuf *out)
{
	at_error e;
	sb_reset(out);
	if (kana_search_key(s, out, &e))
		die("kana_search_key", &e);
}

static void plain_batch(sqlite3 *db, json_t *batch)
{
	static sqlite3_stmt *st;
	if (!st && sqlite3_prepare_v2(db, "INSERT INTO persons(my_number, kana, state,"
				      " addressee_no, doc) VALUES(?, ?, ?, ?, ?)", -1, &st, NULL) != SQLITE_OK)
		die_sql(db, "prepare");
	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		die_sql(db, "BEGIN");
	strbuf key = STRBUF_INIT;
	sb_init(&key);
	size_t i, j;
	json_t *h, *m;
	json_array_foreach(json_object_get(batch, "households"), i, h) {
		json_array_foreach(json_object_get(h, "members"), j, m) {
			char *doc = jv_dump(m);
			kana_key(json_string_value(json_object_get(m, "name_kana")), &key);
			json_t *state = json_object_get(m, "state");
			sqlite3_bind_text(st, 1, json_string_value(json_object_get(m, "my_number")), -1,
					  SQLITE_TRANSIENT);
			sqlite3_bind_text(st, 2, key.buf, (int)key.len, SQLITE_TRANSIENT);
			sqlite3_bind_text(st, 3, state ? json_string_value(state) : "active", -1,
					  SQLITE_STATIC);
			sqlite3_bind_text(st, 4, json_string_value(json_object_get(m, "addressee_no")),
					  -1, SQLITE_TRANSIENT);
			sqlite3_bind_text(st, 5, doc, -1, free);
			if (sqlite3_step(st) != SQLITE_DONE)
				die_sql(db, "insert");
			sqlite3_reset(st);
		}
	}
	sb_release(&key);
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		die_sql(db, "COMMIT");
}

static void atena_batch(store *s, const keyring *kr, json_t *batch, load_result *lr)
{
	door_ctx c = {.staff_id = "clerk1", .department = "区民課", .terminal_id = "T-MIGR-01",
		      .business = REGISTRY_BUSINESS, .reason = "住民記録システム移行"};
	door *d;
	at_error e = {0};
	json_t *res = NULL;
	if (door_open_owner(s, kr, &c, DOOR_WRITE, &registry_owner, &d, &e))
		die("door_open", &e);
	if (registry_import(d, batch, &res, &e)) {
		door_abort(d);
		die("registry_import", &e);
	}
	if (door_commit(d, &e))
		die("door_commit", &e);
	lr->persons += (uint64_t)json_integer_value(json_object_get(res, "persons"));
	lr->removed += (uint64_t)json_integer_value(json_object_get(res, "removed"));
	json_decref(res);
}

static void setup_dir(const char *dir, store **s, keyring **kr, strbuf *pw, strbuf *totp)
{
	at_error e = {0};
	strbuf apw = STRBUF_INIT, atp = STRBUF_INIT;
	sb_init(&apw);
	sb_init(&atp);
	if (platform_init(dir, "131105", &e) || platform_open(dir, s, kr, &e) || registry_init(&e) ||
	    registry_migrate(*s, &e))
		die("setup", &e);
	if (staff_add(*s, *kr, "admin", "管理 太郎", "情報政策課", true, "", "T-BENCH", &apw, &atp,
		      &e) ||
	    staff_add(*s, *kr, "clerk1", "窓口 花子", "区民課", false, "admin", "T-BENCH", pw, totp,
		      &e) ||
	    grant_add(*s, "clerk1", REGISTRY_BUSINESS, GRANT_UPDATE, 0, 0, "admin", "T-BENCH",
		      "bench", &e))
		die("staff", &e);
	sb_release(&apw);
	sb_release(&atp);
}

static void load(const opts *o, const char *dir, store *s, const keyring *kr, load_result *lr)
{
	synth_config cfg = {.seed = o->seed, .households = (size_t)o->households};
	synth *g = NULL;
	synth_migration mig;
	at_error e = {0};
	if (synth_new(&cfg, &g, &e) || synth_migration_init(&mig, o->seed, NULL, NULL, &e))
		die("synth", &e);
	sqlite3 *plain = plain_open(dir, false);
	synth_household h;
	json_t *batch = NULL;
	uint64_t next_report = 20000;
	double c0;
	printf("\n(a) loading %" PRIu64 " households, %" PRIu64 " per batch ...\n", o->households,
	       o->batch);
	fflush(stdout);
	for (;;) {
		double t0 = bench_now();
		int more = synth_next_household(g, &h);
		if (more) {
			if (!batch)
				batch = json_pack("{s:[]}", "households");
			json_array_append_new(json_object_get(batch, "households"),
					      synth_migration_household(&mig, &h));
			lr->households++;
		}
		lr->gen_s += bench_now() - t0;
		size_t n = batch ? json_array_size(json_object_get(batch, "households")) : 0;
		if (n && (!more || n == o->batch)) {
			/* Alternate which goes first, batch by batch. */
			for (int k = 0; k < 2; k++) {
				bool atena_turn = (k == 0) == (lr->batches % 2 == 0);
				t0 = bench_now();
				c0 = bench_cpu();
				if (atena_turn) {
					atena_batch(s, kr, batch, lr);
					lr->atena_s += bench_now() - t0;
					lr->atena_cpu += bench_cpu() - c0;
				} else {
					plain_batch(plain, batch);
					lr->plain_s += bench_now() - t0;
					lr->plain_cpu += bench_cpu() - c0;
				}
			}
			lr->batches++;
			json_decref(batch);
			batch = NULL;
			if (lr->persons >= next_report) {
				printf("    %7" PRIu64 " persons  %6.1f s through the door  %5.1f s plain\n",
				       lr->persons, lr->atena_s, lr->plain_s);
				fflush(stdout);
				next_report += 20000;
			}
		}
		if (!more)
			break;
	}
	synth_free(g);
	sqlite3_close(plain);
	strbuf p = STRBUF_INIT;
	sb_init(&p);
	platform_db_path(dir, &p);
	lr->atena_bytes = bench_file_size(p.buf);
	sb_adds(&p, "-wal");
	lr->atena_bytes += bench_file_size(p.buf);
	sb_reset(&p);
	sb_addf(&p, "%s/plain.db", dir);
	lr->plain_bytes = bench_file_size(p.buf);
	sb_adds(&p, "-wal");
	lr->plain_bytes += bench_file_size(p.buf);
	sb_release(&p);
	/* Every record audited: the log verifies, and its length says what the
	 * load wrote into it. */
	audit_report rep;
	unsigned char pk[CRYPTO_SIGN_PK_BYTES];
	keyring_public_key(kr, pk);
	double t0 = bench_now();
	if (audit_checkpoint(s, kr, &e) || audit_verify_db(s, pk, &rep, &e))
		die("audit verify", &e);
	lr->verify_s = bench_now() - t0;
	if (!rep.ok) {
		fprintf(stderr, "%s: the audit log does not verify: %s\n", PROG, rep.message);
		exit(1);
	}
	lr->audit_events = rep.events;
}

/* ---- (b) Lookups ------------------------------------------------------------ */

typedef enum { K_KANA, K_MY_NUMBER, K_BARE } kind;

static const char *kind_name(kind k)
{
	return k == K_KANA ? "kana" : k == K_MY_NUMBER ? "my_number" : "bare";
}

typedef struct samples {
	char (*mn)[13];
	char (*kana)[16];     /* the first two kana of a reading, UTF-8 */
	char (*kana_key)[16]; /* their search key */
	size_t n;
} samples;

/* Lookup keys from current residents of the plain table, drawn with the seed. */
static void draw_samples(const char *dir, uint64_t seed, samples *sm)
{
	sqlite3 *db = plain_open(dir, true);
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, "SELECT max(id) FROM persons", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW)
		die_sql(db, "max(id)");
	int64_t max = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (max < 1) {
		fprintf(stderr, "%s: the plain table is empty\n", PROG);
		exit(1);
	}
	if (sqlite3_prepare_v2(db, "SELECT my_number, doc FROM persons WHERE id = ? AND"
				   " state = 'active'", -1, &st, NULL) != SQLITE_OK)
		die_sql(db, "prepare");
	sm->mn = calloc(SAMPLE_MAX, sizeof *sm->mn);
	sm->kana = calloc(SAMPLE_MAX, sizeof *sm->kana);
	sm->kana_key = calloc(SAMPLE_MAX, sizeof *sm->kana_key);
	if (!sm->mn || !sm->kana || !sm->kana_key)
		abort();
	synth_rng r;
	synth_rng_seed(&r, seed ^ 0x6c6f6f6b7570ULL);   /* "lookup" */
	strbuf key = STRBUF_INIT;
	sb_init(&key);
	while (sm->n < SAMPLE_MAX) {
		sqlite3_bind_int64(st, 1, 1 + (int64_t)synth_rng_below(&r, (uint64_t)max));
		if (sqlite3_step(st) == SQLITE_ROW) {
			json_error_t je;
			json_t *doc = json_loads((const char *)sqlite3_column_text(st, 1), 0, &je);
			const char *kana = json_string_value(json_object_get(doc, "name_kana"));
			/* Two kana: katakana are 3 bytes each in UTF-8. */
			snprintf(sm->kana[sm->n], sizeof sm->kana[sm->n], "%.6s", kana ? kana : "");
			kana_key(sm->kana[sm->n], &key);
			snprintf(sm->kana_key[sm->n], sizeof sm->kana_key[sm->n], "%s", key.buf);
			snprintf(sm->mn[sm->n], sizeof sm->mn[sm->n], "%s",
				 (const char *)sqlite3_column_text(st, 0));
			json_decref(doc);
			if (strlen(sm->kana[sm->n]) == 6 && strlen(sm->mn[sm->n]) == 12)
				sm->n++;
		}
		sqlite3_reset(st);
	}
	sb_release(&key);
	sqlite3_finalize(st);
	sqlite3_close(db);
}


/* GET /api/v1/registry/search for sample i, as a clerk at the counter asks it. */
static void search_request(strbuf *req, kind k, const samples *sm, size_t i, const char *token)
{
	sb_reset(req);
	if (k == K_BARE)   /* the same request, to the bare handler */
		sb_adds(req, "GET /bare?");
	else
		sb_adds(req, "GET /api/v1/registry/search?");
	if (k == K_KANA) {
		sb_adds(req, "name_kana=");
		pct(req, sm->kana[i]);
		sb_adds(req, "&limit=20");
	} else {
		sb_addf(req, "my_number=%s", sm->mn[i]);
	}
	sb_addf(req, " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
		     "X-Atena-Business: " REGISTRY_BUSINESS "\r\nX-Atena-Reason: UTF-8''", token);
	pct(req, "住民票の照会");   /* RFC 8187: the reason in Japanese */
	sb_adds(req, "\r\n\r\n");
}

/* The direct lookup of sample i on the plain table; st prepared by direct_sql. */
static const char *direct_sql(kind k)
{
	return k == K_KANA
		/* The register lists a search's people in addressee-number order. */
		? "SELECT doc FROM persons WHERE kana >= ? AND kana < ? AND state = 'active'"
		  " ORDER BY addressee_no LIMIT 20"
		: "SELECT doc FROM persons WHERE my_number = ? AND state = 'active'";
}

static void direct_bind(sqlite3_stmt *st, kind k, const samples *sm, size_t i, char hi[32])
{
	if (k == K_KANA) {
		/* The prefix as a range on the key, as the door's index does it. */
		snprintf(hi, 32, "%s\xff", sm->kana_key[i]);
		sqlite3_bind_text(st, 1, sm->kana_key[i], -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, hi, -1, SQLITE_STATIC);
	} else {
		sqlite3_bind_text(st, 1, sm->mn[i], -1, SQLITE_STATIC);
	}
}

/* Both sides answer alike: for the first n samples of kind k, the addressee
 * numbers the API returns are those the plain table returns, in order.
 * Returns how many samples agree. */
static size_t cross_check(kind k, size_t n, uint16_t port, const char *token, const char *dir,
			  const samples *sm)
{
	sqlite3 *db = plain_open(dir, true);
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, direct_sql(k), -1, &st, NULL) != SQLITE_OK)
		die_sql(db, "prepare");
	conn c = {.fd = -1, .port = port};
	strbuf req = STRBUF_INIT, a = STRBUF_INIT, b = STRBUF_INIT;
	sb_init(&req);
	sb_init(&a);
	sb_init(&b);
	size_t agree = 0;
	char hi[32];
	for (size_t i = 0; i < n && i < sm->n; i++) {
		sb_reset(&a);
		sb_reset(&b);
		search_request(&req, k, sm, i, token);
		const char *body = NULL;
		json_error_t je;
		int status = http(&c, req.buf, req.len, &body);
		json_t *r = status == 200 ? json_loads(body, 0, &je) : NULL;
		size_t j;
		json_t *x;
		json_array_foreach(json_object_get(r, "records"), j, x)
			sb_addf(&a, "%s ", json_string_value(json_object_get(x, "subject")));
		json_decref(r);
		direct_bind(st, k, sm, i, hi);
		while (sqlite3_step(st) == SQLITE_ROW) {
			json_t *doc = json_loads((const char *)sqlite3_column_text(st, 0), 0, &je);
			sb_addf(&b, "%s ", json_string_value(json_object_get(doc, "addressee_no")));
			json_decref(doc);
		}
		sqlite3_reset(st);
		if (a.len && !strcmp(a.buf, b.buf))
			agree++;
		else if (agree == i)
			printf("    %s sample %zu differs: api [%s] plain [%s]\n",
			       kind_name(k), i, a.buf, b.buf);
	}
	conn_close(&c);
	free(c.buf);
	sb_release(&req);
	sb_release(&a);
	sb_release(&b);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return agree;
}

typedef struct run {
	kind k;
	uint16_t port;
	const char *token, *dir;
	const samples *sm;
	double until;
	/* per thread */
	uint64_t seed;
	double *lat;
	size_t n, cap;
	uint64_t errors, rows;
} run;

static void lat_add(run *r, double v)
{
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 4096;
		r->lat = realloc(r->lat, r->cap * sizeof *r->lat);
		if (!r->lat)
			abort();
	}
	r->lat[r->n++] = v;
}

static void *http_client(void *arg)
{
	run *r = arg;
	conn c = {.fd = -1, .port = r->port};
	synth_rng rng;
	synth_rng_seed(&rng, r->seed);
	strbuf req = STRBUF_INIT;
	sb_init(&req);
	while (bench_now() < r->until) {
		size_t i = (size_t)synth_rng_below(&rng, r->sm->n);
		search_request(&req, r->k, r->sm, i, r->token);
		double t0 = bench_now();
		const char *body = NULL;
		int status = http(&c, req.buf, req.len, &body);
		double t1 = bench_now();
		if (status != 200) {
			if (r->errors++ == 0)
				fprintf(stderr, "%s: HTTP %d: %.300s\n", PROG, status, body ? body : "");
			continue;
		}
		lat_add(r, t1 - t0);
		/* Found rows, to show both sides answer alike: count "record_id". */
		for (const char *p = body; (p = strstr(p, "\"record_id\"")); p++)
			r->rows++;
	}
	conn_close(&c);
	free(c.buf);
	sb_release(&req);
	return NULL;
}

static void *direct_client(void *arg)
{
	run *r = arg;
	sqlite3 *db = plain_open(r->dir, true);
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, direct_sql(r->k), -1, &st, NULL) != SQLITE_OK)
		die_sql(db, "prepare");
	synth_rng rng;
	synth_rng_seed(&rng, r->seed);
	char hi[32];
	while (bench_now() < r->until) {
		size_t i = (size_t)synth_rng_below(&rng, r->sm->n);
		double t0 = bench_now();
		direct_bind(st, r->k, r->sm, i, hi);
		int s;
		while ((s = sqlite3_step(st)) == SQLITE_ROW) {
			(void)sqlite3_column_text(st, 0);
			r->rows++;
		}
		sqlite3_reset(st);
		double t1 = bench_now();
		if (s != SQLITE_DONE) {
			r->errors++;
			continue;
		}
		lat_add(r, t1 - t0);
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return NULL;
}

typedef struct figure {
	kind k;
	bool direct;
	int clients;
	double rps, p50_ms, p99_ms, rows_per_req;
	uint64_t requests, errors;
} figure;

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static figure measure(kind k, bool direct, int clients, const opts *o, uint16_t port,
		      const char *token, const char *dir, const samples *sm)
{
	run rs[MAX_CLIENTS];
	pthread_t th[MAX_CLIENTS];
	double t0 = bench_now();
	for (int i = 0; i < clients; i++) {
		rs[i] = (run){.k = k, .port = port, .token = token, .dir = dir,
			      .sm = sm, .until = t0 + (double)o->duration,
			      .seed = o->seed * 1000003u + (uint64_t)i * 7919u + (uint64_t)k};
		pthread_create(&th[i], NULL, direct ? direct_client : http_client, &rs[i]);
	}
	figure f = {.k = k, .direct = direct, .clients = clients};
	size_t total = 0;
	uint64_t rows = 0;
	for (int i = 0; i < clients; i++) {
		pthread_join(th[i], NULL);
		total += rs[i].n;
		f.errors += rs[i].errors;
		rows += rs[i].rows;
	}
	double wall = bench_now() - t0;
	double *all = malloc((total ? total : 1) * sizeof *all);
	if (!all)
		abort();
	size_t n = 0;
	for (int i = 0; i < clients; i++) {
		memcpy(all + n, rs[i].lat, rs[i].n * sizeof *all);
		n += rs[i].n;
		free(rs[i].lat);
	}
	qsort(all, n, sizeof *all, cmp_double);
	f.requests = n;
	f.rps = (double)n / wall;
	f.p50_ms = n ? all[n / 2] * 1e3 : 0;
	f.p99_ms = n ? all[(size_t)((double)n * 0.99)] * 1e3 : 0;
	f.rows_per_req = n ? (double)rows / (double)n : 0;
	free(all);
	printf("    %-9s %-6s %2d clients  %9.1f req/s  p50 %8.3f ms  p99 %8.3f ms  %5.1f rows/req"
	       "%s\n", kind_name(k), direct ? "direct" : "http", clients,
	       f.rps, f.p50_ms, f.p99_ms, f.rows_per_req, f.errors ? "  ERRORS" : "");
	if (f.errors)
		printf("      %" PRIu64 " failed requests\n", f.errors);
	fflush(stdout);
	return f;
}


/* ---- The bare reference ---------------------------------------------------- */

/* What any handler must do at least: answer with a small JSON body. No
 * session, no door, no store. */
static enum MHD_Result bare_handler(void *cls, struct MHD_Connection *c, const char *url,
				    const char *method, const char *version, const char *upload,
				    size_t *upload_size, void **con_cls)
{
	static const char body[] = "{\"records\":[],\"count\":0}";
	(void)cls, (void)url, (void)method, (void)version, (void)upload, (void)upload_size;
	(void)con_cls;
	struct MHD_Response *r = MHD_create_response_from_buffer(sizeof body - 1, (void *)body,
								 MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", "application/json");
	enum MHD_Result q = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return q;
}

/* The daemon options of server_start (src/server/server.c): internal
 * polling with epoll where there is one, a pool of `threads`, the same
 * timeout and connection limits, on 127.0.0.1 and a free port. */
static struct MHD_Daemon *bare_start(unsigned threads, uint16_t *port)
{
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
	if (MHD_is_feature_supported(MHD_FEATURE_EPOLL) == MHD_YES)
		flags |= MHD_USE_EPOLL;
	else if (MHD_is_feature_supported(MHD_FEATURE_POLL) == MHD_YES)
		flags |= MHD_USE_POLL;
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	struct MHD_Daemon *d = MHD_start_daemon(
		flags, 0, NULL, NULL, bare_handler, NULL,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&a,
		threads > 1 ? MHD_OPTION_THREAD_POOL_SIZE : MHD_OPTION_CONNECTION_TIMEOUT,
		threads > 1 ? threads : 30u,
		MHD_OPTION_CONNECTION_TIMEOUT, 30u,
		MHD_OPTION_CONNECTION_LIMIT, 256u,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
		MHD_OPTION_END);
	if (!d) {
		fprintf(stderr, "%s: the bare libmicrohttpd daemon did not start\n", PROG);
		exit(1);
	}
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	*port = di ? di->port : 0;
	return d;
}

/* The figure of kind k over HTTP at `clients`, or NULL when not measured. */
static const figure *find_figure(const figure *f, size_t n, kind k, int clients)
{
	for (size_t i = 0; i < n; i++)
		if (f[i].k == k && !f[i].direct && f[i].clients == clients)
			return &f[i];
	return NULL;
}

/* ---- Main ------------------------------------------------------------------ */

int main(int argc, char **argv)
{
	opts o;
	if (parse_args(argc, argv, &o))
		return 2;
	strbuf cmd = STRBUF_INIT, dir = STRBUF_INIT, pw = STRBUF_INIT, totp = STRBUF_INIT;
	sb_init(&cmd);
	sb_init(&dir);
	sb_init(&pw);
	sb_init(&totp);
	bench_command_line(argc, argv, &cmd);
	if (o.reuse)
		sb_adds(&dir, o.reuse);
	else if (bench_fresh_dir(PROG, o.dir, &dir))
		return 2;
	/* A --dir that does not exist yet: make it now, so its file system can be
	 * named (platform_init accepts an empty directory). */
	if (o.dir && mkdir(dir.buf, 0700) && errno != EEXIST) {
		fprintf(stderr, "%s: cannot create %s: %s\n", PROG, dir.buf, strerror(errno));
		return 2;
	}
	bench_machine m;
	bench_machine_read(dir.buf, &m);
	bench_machine_print(&m, cmd.buf, dir.buf);
	printf("build:    %s\n",
#ifdef NDEBUG
	       "NDEBUG"
#else
	       "assertions on (not a Release build: figures are not representative)"
#endif
	);

	store *s = NULL;
	keyring *kr = NULL;
	at_error e = {0};
	load_result lr = {0};
	if (o.reuse) {
		/* A kept directory: the clerk gets a fresh password and TOTP secret,
		 * since the first ones were shown once and not kept. */
		if (platform_open(dir.buf, &s, &kr, &e) || registry_init(&e) || registry_migrate(s, &e) ||
		    staff_reset(s, kr, "clerk1", "admin", "T-BENCH", &pw, &totp, &e))
			die("open", &e);
	} else {
		setup_dir(dir.buf, &s, &kr, &pw, &totp);
		load(&o, dir.buf, s, kr, &lr);
		double pr = (double)lr.persons;
		printf("\n(a) load: %" PRIu64 " households, %" PRIu64 " records (%" PRIu64
		       " removed, %" PRIu64 " current), %" PRIu64 " batches\n",
		       lr.households, lr.persons, lr.removed, lr.persons - lr.removed, lr.batches);
		printf("    through registry_import  %8.1f s  %9.0f records/s  (CPU %.1f s)\n",
		       lr.atena_s, pr / lr.atena_s, lr.atena_cpu);
		printf("    plain SQLite inserts     %8.1f s  %9.0f records/s  (CPU %.1f s)\n",
		       lr.plain_s, pr / lr.plain_s, lr.plain_cpu);
		printf("    ratio (plain / door)     %8.1f x\n", lr.atena_s / lr.plain_s);
		printf("    generating the ward      %8.1f s (not in either figure)\n", lr.gen_s);
		printf("    database size            %8.1f MB Atena, %.1f MB plain\n",
		       (double)lr.atena_bytes / 1e6, (double)lr.plain_bytes / 1e6);
		printf("    audit log                %8" PRId64 " events (%.1f per record), verified in"
		       " %.1f s\n", lr.audit_events, (double)lr.audit_events / pr, lr.verify_s);
		fflush(stdout);
	}

	figure figs[5 * 8];
	size_t nf = 0, agree_kana = 0, agree_mn = 0;
	if (!o.no_http) {
		samples sm = {0};
		draw_samples(dir.buf, o.seed, &sm);
		/* One clerk asks here what a whole counter floor asks: past the
		 * per-staff search volume limit (data/policy/search_volume.json)
		 * every request would be a 429. The counting itself still runs. */
		door_search_limits wide = {.window_seconds = 60, .alert_searches = 1000000,
					   .alert_people = 1000000, .refuse_searches = 1000000,
					   .refuse_people = 1000000};
		if (door_search_limits_use(&wide, &e))
			die("door_search_limits_use", &e);
		server_config cfg = {.data_dir = dir.buf, .kr = kr, .listen = "127.0.0.1:0",
				     .threads = (unsigned)o.threads, .timeout_s = 30};
		server *srv = NULL;
		if (server_start(&cfg, &srv, &e))
			die("server_start", &e);
		uint16_t port = server_port(srv);
		strbuf token = STRBUF_INIT;
		sb_init(&token);
		bench_login(PROG, port, "clerk1", pw.buf, totp.buf, CLERK_PASSWORD, &token);
		/* Same question, same answer: else the figures compare different work. */
		agree_kana = cross_check(K_KANA, CROSS_CHECK, port, token.buf, dir.buf, &sm);
		agree_mn = cross_check(K_MY_NUMBER, CROSS_CHECK, port, token.buf, dir.buf, &sm);
		printf("\n(b) lookups: server on 127.0.0.1:%u with %" PRIu64 " worker threads, %" PRIu64
		       " s per figure, keys drawn %zu times from the current residents\n", port, o.threads, o.duration,
		       sm.n);
		printf("    the API and the plain table give the same rows for %zu/%d kana and %zu/%d"
		       " My Number samples\n", agree_kana, CROSS_CHECK, agree_mn, CROSS_CHECK);
		uint16_t bare_port = 0;
		struct MHD_Daemon *bare = bare_start((unsigned)o.threads, &bare_port);
		printf("    bare reference: libmicrohttpd %s on 127.0.0.1:%u, %" PRIu64 " threads, a fixed"
		       " JSON body\n", MHD_get_version(), bare_port, o.threads);
		/* Per client count, the bare reference first and the register's
		 * lookups right after it, so each ratio compares the same minutes. */
		for (size_t c = 0; c < o.nclients; c++) {
			figs[nf++] = measure(K_BARE, false, o.clients[c], &o, bare_port, token.buf,
					     dir.buf, &sm);
			for (int k = K_KANA; k <= K_MY_NUMBER; k++)
				for (int direct = 0; direct < 2; direct++)
					figs[nf++] = measure((kind)k, direct, o.clients[c], &o, port,
							     token.buf, dir.buf, &sm);
		}
		MHD_stop_daemon(bare);
		server_stop(srv);
		sb_release(&token);
		free(sm.mn);
		free(sm.kana);
		free(sm.kana_key);
		printf("    ratios (http / bare, direct / http):\n");
		for (size_t i = 0; i < nf; i++) {
			if (figs[i].k == K_BARE || figs[i].direct)
				continue;
			const figure *b = find_figure(figs, nf, K_BARE, figs[i].clients);
			printf("      %-9s %2d clients  %.3f of bare  direct %.0fx\n", kind_name(figs[i].k),
			       figs[i].clients, b && b->rps > 0 ? figs[i].rps / b->rps : 0.0,
			       figs[i].rps > 0 ? figs[i + 1].rps / figs[i].rps : 0.0);
		}
	}

	/* The targets of issue 10 §4. */
	const figure *bare32 = find_figure(figs, nf, K_BARE, TARGET_CLIENTS);
	const figure *mn32 = find_figure(figs, nf, K_MY_NUMBER, TARGET_CLIENTS);
	const figure *kana32 = find_figure(figs, nf, K_KANA, TARGET_CLIENTS);
	bool at32 = bare32 && mn32 && kana32 && bare32->rps > 0;
	char kana_what[160];
	snprintf(kana_what, sizeof kana_what, "kana search, %.1f rows per answer, 32 clients, req/s over"
		 " the bare handler's", kana32 ? kana32->rows_per_req : 0.0);
	bench_target tg[] = {
		{"my_number_vs_bare", "My Number lookup (session + door + durable audit), 32 clients,"
		 " req/s over the bare handler's", TARGET_AT_LEAST, TARGET_MY_NUMBER_VS_BARE,
		 at32 ? mn32->rps / bare32->rps : 0, "x", at32, "needs --clients ...,32 and HTTP"},
		{"my_number_p99", "My Number lookup, 32 clients, 99th percentile latency",
		 TARGET_AT_MOST, TARGET_MY_NUMBER_P99_MS, at32 ? mn32->p99_ms : 0, "ms", at32,
		 "needs --clients ...,32 and HTTP"},
		{"kana_vs_bare", kana_what, TARGET_AT_LEAST, TARGET_KANA_VS_BARE,
		 at32 ? kana32->rps / bare32->rps : 0, "x", at32, "needs --clients ...,32 and HTTP"},
		{"load_vs_plain", "ward load through registry_import, time over plain SQLite inserts"
		 " of the same documents", TARGET_AT_MOST, TARGET_LOAD_VS_PLAIN,
		 lr.plain_s > 0 ? lr.atena_s / lr.plain_s : 0, "x", !o.reuse && lr.plain_s > 0,
		 "not with --reuse"},
		{"meguro_load_s", "the full Meguro-sized ward (287,610 records) through"
		 " registry_import", TARGET_AT_MOST, TARGET_MEGURO_LOAD_S, lr.atena_s, "s",
		 !o.reuse && lr.persons == TARGET_MEGURO_RECORDS,
		 "needs the default --households 145000 --seed 42"},
	};
	size_t ntg = sizeof tg / sizeof tg[0];
	bench_targets_print(tg, ntg);
	store_close(s);
	keyring_free(kr);

	strbuf j = STRBUF_INIT;
	sb_init(&j);
	sb_adds(&j, "{\"bench\":\"registry\",");
	bench_json_machine(&j, &m, cmd.buf);
	sb_addf(&j, ",\"households\":%" PRIu64 ",\"records\":%" PRIu64 ",\"removed\":%" PRIu64
		    ",\"batch\":%" PRIu64, lr.households, lr.persons, lr.removed, o.batch);
	if (!o.reuse)
		sb_addf(&j, ",\"load\":{\"door_s\":%.2f,\"door_records_per_s\":%.0f,\"plain_s\":%.2f,"
			    "\"plain_records_per_s\":%.0f,\"ratio\":%.2f,\"audit_events\":%" PRId64
			    ",\"verify_s\":%.2f,\"door_mb\":%.1f,\"plain_mb\":%.1f}",
			lr.atena_s, (double)lr.persons / lr.atena_s, lr.plain_s,
			(double)lr.persons / lr.plain_s, lr.atena_s / lr.plain_s, lr.audit_events,
			lr.verify_s, (double)lr.atena_bytes / 1e6, (double)lr.plain_bytes / 1e6);
	sb_addf(&j, ",\"server_threads\":%" PRIu64 ",\"duration_s\":%" PRIu64 ",\"agree\":{"
		    "\"kana\":%zu,\"my_number\":%zu,\"of\":%d},\"lookups\":[",
		o.threads, o.duration, agree_kana, agree_mn, CROSS_CHECK);
	for (size_t i = 0; i < nf; i++)
		sb_addf(&j, "%s{\"kind\":\"%s\",\"via\":\"%s\",\"clients\":%d,\"rps\":%.1f,"
			    "\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"requests\":%" PRIu64 ",\"errors\":%" PRIu64
			    ",\"rows_per_req\":%.2f}", i ? "," : "",
			kind_name(figs[i].k), figs[i].direct ? "direct" : "http",
			figs[i].clients, figs[i].rps, figs[i].p50_ms, figs[i].p99_ms, figs[i].requests,
			figs[i].errors, figs[i].rows_per_req);
	sb_adds(&j, "]");
	bench_targets_json(&j, tg, ntg);
	sb_adds(&j, "}");
	printf("%s\n", j.buf);
	int rc = bench_write_json(PROG, o.json, &j) ? 1 : 0;
	/* Figures of different answers compare different work: a failure, so
	 * bench.smoke catches a plain query that drifts from the register's. */
	if (!o.no_http && (agree_kana < CROSS_CHECK || agree_mn < CROSS_CHECK)) {
		fprintf(stderr, "%s: the API and the plain table answered differently (%zu/%d kana,"
				" %zu/%d My Number samples agree)\n", PROG, agree_kana, CROSS_CHECK,
			agree_mn, CROSS_CHECK);
		rc = 1;
	}
	if (o.keep || o.reuse) {
		printf("data kept in %s\n", dir.buf);
	} else {
		bench_remove_dir(dir.buf);
	}
	sb_release(&j);
	sb_release(&cmd);
	sb_release(&dir);
	sb_release(&pw);
	sb_release(&totp);
	return rc;
}
