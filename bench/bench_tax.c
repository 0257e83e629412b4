/*
 * bench_tax — the resident tax's spring for a synthetic city, end to end:
 *   roll     the persons to tax on January 1 (the register's 庁内連携
 *            extract, loaded with tax_roll_put: blind indexes, one audited
 *            roll row per person)
 *   intake   every salary, pension, return and one-stop document of the
 *            synthetic tax year (bench/synth_tax.h) in the real layouts:
 *            parsed, matched (名寄せ), sealed, audited
 *   assess   the annual batch (tax_assess): merge, compute, collection
 *            method, schedule, one version and one audit event per person
 * and, in the same run, for comparison:
 *   engine   tax_compute alone over the merged cases (computations/s)
 *   plain    the same number of result rows inserted into a plain SQLite
 *            table (no encryption, no log), as the floor of any design.
 *
 *   bench_tax --households 500000 --dir /var/tmp/bench-tax [--seed 42]
 * Prints one line per phase with seconds and rate.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <sqlite3.h>

#include "core/strbuf.h"
#include "policy/grant.h"
#include "policy/platform.h"
#include "policy/staff.h"
#include "registry/registry.h"
#include "sandbox/synth.h"
#include "sandbox/synth_tax.h"
#include "tax/engine.h"
#include "tax/layout.h"
#include "tax/law.h"
#include "tax/tax.h"

#define CHUNK_LINES 20000

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The figures drift with other work on the machine (issue 10): each phase
 * prints the load average beside it, and the peak RSS so far. */
static const char *load_now(char out[32])
{
	FILE *f = fopen("/proc/loadavg", "r");
	if (!f || !fgets(out, 32, f))
		snprintf(out, 32, "?");
	if (f)
		fclose(f);
	out[strcspn(out, " ")] = 0;
	return out;
}

static long peak_rss_mb(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss / 1024;
}

static void phase_end(void)
{
	char l[32];
	printf("         load %s, peak RSS %ld MB\n", load_now(l), peak_rss_mb());
	fflush(stdout);
}

static void die(const char *what, const at_error *e)
{
	fprintf(stderr, "bench_tax: %s: %s [%s %s]\n", what, e->message, e->code, e->field);
	exit(1);
}

static const door_ctx CTX = {.staff_id = "tax1", .department = "税務課",
			     .terminal_id = "T-BENCH", .business = TAX_BUSINESS,
			     .reason = "当初課税 (bench)"};

/* Load buf's lines of one kind, CHUNK_LINES per door. */
static size_t intake_all(store *s, const keyring *kr, int fy, tax_doc_kind k, const strbuf *buf,
			 size_t *matched, size_t *held, size_t *forwarded)
{
	size_t pos = 0, records = 0;
	at_error e;
	while (pos < buf->len) {
		size_t end = pos, lines = 0;
		while (end < buf->len && lines < CHUNK_LINES) {
			const char *nl = memchr(buf->buf + end, '\n', buf->len - end);
			end = nl ? (size_t)(nl - buf->buf) + 1 : buf->len;
			lines++;
		}
		door *d;
		json_t *sum = NULL;
		if (door_open(s, kr, &CTX, DOOR_WRITE, &d, &e) ||
		    tax_intake(d, kr, fy, k, buf->buf + pos, end - pos, &sum, &e) ||
		    door_commit(d, &e))
			die("intake", &e);
		records += (size_t)json_integer_value(json_object_get(sum, "records"));
		*matched += (size_t)json_integer_value(json_object_get(sum, "matched"));
		*held += (size_t)json_integer_value(json_object_get(sum, "held"));
		*forwarded += (size_t)json_integer_value(json_object_get(sum, "forwarded"));
		json_decref(sum);
		pos = end;
	}
	return records;
}

int main(int argc, char **argv)
{
	long households = 20000;
	unsigned long long seed = 42;
	const char *dir = NULL;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--households"))
			households = atol(argv[i + 1]);
		else if (!strcmp(argv[i], "--dir"))
			dir = argv[i + 1];
		else if (!strcmp(argv[i], "--seed"))
			seed = strtoull(argv[i + 1], NULL, 10);
	}
	if (!dir || households < 1) {
		fprintf(stderr, "usage: bench_tax --dir NEW_DIR [--households N] [--seed S]\n");
		return 2;
	}
	at_error e = {0};
	store *s = NULL;
	keyring *kr = NULL;
	tax_law *law = NULL;
	strbuf pw = STRBUF_INIT, totp = STRBUF_INIT;
	sb_init(&pw);
	sb_init(&totp);
	if (crypto_setup(&e) || platform_init(dir, "131105", &e) || platform_open(dir, &s, &kr, &e) ||
	    registry_init(&e) || tax_init(&e) || registry_migrate(s, &e) || tax_migrate(s, &e) ||
	    tax_law_load_builtin(&law, &e))
		die("setup", &e);
	if (staff_add(s, kr, "admin", "管理 太郎", "情報政策課", true, "", "T-BENCH", &pw, &totp, &e) ||
	    staff_add(s, kr, "tax1", "税務 一郎", "税務課", false, "admin", "T-BENCH", &pw, &totp, &e) ||
	    grant_add(s, "tax1", TAX_BUSINESS, GRANT_UPDATE, 0, 0, "admin", "T-BENCH", "bench", &e))
		die("staff", &e);

	/* Generate the city and its documents (not timed as Atena's work). */
	double t0 = now();
	synth_config cfg = {.seed = seed, .households = (size_t)households};
	synth_tax_config tcfg;
	synth_tax_config_defaults(&tcfg);
	tcfg.seed = seed;
	int fy = 2025;
	tcfg.fiscal_year = fy;
	synth *g = NULL;
	synth_tax *tg = NULL;
	if (synth_new(&cfg, &g, &e) || synth_tax_new(&tcfg, &tg, &e))
		die("synth", &e);
	strbuf docs[4];
	for (int k = 0; k < 4; k++)
		sb_init(&docs[k]);
	size_t persons = 0;
	/* The roll rows are kept as tab-separated text to load in the timed
	 * phase (addressee, number, name, kana, birth date, household): about
	 * 100 bytes a person, where the generator's structs are 1.2 KB (1.2 GB
	 * of the bench's own for a million). */
	strbuf roll = STRBUF_INIT;
	sb_init(&roll);
	size_t n = 0, cap = (size_t)households * 3;
	char (*anos)[11] = malloc(cap * sizeof *anos);   /* for the plain insert */
	synth_household h;
	while (synth_next_household(g, &h)) {
		for (size_t i = 0; i < h.count; i++, n++) {
			const synth_person *m = &h.members[i];
			if (n == cap)
				anos = realloc(anos, (cap *= 2) * sizeof *anos);
			memcpy(anos[n], m->addressee_no, sizeof anos[n]);
			sb_addf(&roll, "%s\t%s\t%s\t%s\t%s\t%s\n", m->addressee_no, m->my_number,
				m->name, m->name_kana, m->birth_date, h.household_no);
		}
		persons += h.count;
		if (synth_tax_household(tg, &h, &docs[0], &docs[1], &docs[2], &docs[3], &e))
			die("synth_tax", &e);
	}
	const synth_tax_stats *st = synth_tax_get_stats(tg);
	printf("city: %ld households, %zu persons; documents: %zu salary, %zu pension, %zu returns,"
	       " %zu one-stop (%.1f s to generate)\n", households, persons, st->salary, st->pension,
	       st->returns, st->onestop, now() - t0);
	phase_end();   /* the generated files, held by the bench, not by Atena */

	/* roll */
	t0 = now();
	for (size_t pos = 0; pos < roll.len;) {
		door *d;
		if (door_open(s, kr, &CTX, DOOR_WRITE, &d, &e) || tax_roll_bulk(d, &e))
			die("roll", &e);
		for (size_t j = 0; j < 20000 && pos < roll.len; j++) {
			char *f[6], *line = roll.buf + pos;
			char *nl = memchr(line, '\n', roll.len - pos);
			*nl = 0;
			pos = (size_t)(nl - roll.buf) + 1;
			for (int k = 0; k < 6; k++) {
				f[k] = line;
				line += strcspn(line, "\t");
				if (*line)
					*line++ = 0;
			}
			at_date bd;
			date_parse(f[4], &bd, "birth_date", NULL);
			tax_roll_person p = {.addressee_no = f[0], .my_number = f[1], .name = f[2],
					     .name_kana = f[3], .birth_date = bd,
					     .household_no = f[5], .resident = true};
			if (tax_roll_put(d, kr, fy, &p, &e))
				die("roll put", &e);
		}
		if (door_commit(d, &e))
			die("roll commit", &e);
	}
	double t_roll = now() - t0;
	printf("roll:    %zu persons in %.1f s (%.0f/s)\n", n, t_roll, (double)n / t_roll);
	phase_end();

	/* intake */
	t0 = now();
	size_t records = 0, matched = 0, held = 0, forwarded = 0;
	const tax_doc_kind kinds[4] = {TAX_DOC_SALARY, TAX_DOC_PENSION, TAX_DOC_RETURN,
				       TAX_DOC_ONESTOP};
	for (int k = 0; k < 4; k++)
		records += intake_all(s, kr, fy, kinds[k], &docs[k], &matched, &held, &forwarded);
	double t_intake = now() - t0;
	printf("intake:  %zu documents in %.1f s (%.0f/s): %zu matched, %zu held, %zu forwarded\n",
	       records, t_intake, (double)records / t_intake, matched, held, forwarded);
	phase_end();

	/* assess */
	t0 = now();
	json_t *sum = NULL;
	if (tax_assess(s, kr, &CTX, law, fy, 5000, &sum, &e))
		die("assess", &e);
	double t_assess = now() - t0;
	long long assessed = json_integer_value(json_object_get(sum, "assessed"));
	printf("assess:  %lld persons in %.1f s (%.0f/s): %lld taxable, total tax %lld yen\n",
	       assessed, t_assess, (double)assessed / t_assess,
	       (long long)json_integer_value(json_object_get(sum, "taxable")),
	       (long long)json_integer_value(json_object_get(sum, "total_tax")));
	json_decref(sum);
	phase_end();
	printf("end to end (roll + intake + assess): %.1f s for %zu taxpayers\n",
	       t_roll + t_intake + t_assess, n);
	fflush(stdout);

	/* engine alone: the salary documents' cases, each computed once per pass */
	size_t ncases = 0, ccap = 1024;
	tax_case *cases = malloc(ccap * sizeof *cases);
	/* at most 100,000 cases: enough for a rate, and the bench's own memory
	 * stays out of the peak RSS reported for Atena */
	for (size_t pos = 0; pos < docs[0].len && ncases < 100000;) {
		const char *nl = memchr(docs[0].buf + pos, '\n', docs[0].len - pos);
		size_t end = nl ? (size_t)(nl - docs[0].buf) : docs[0].len;
		tax_doc dd;
		if (!tax_doc_parse(TAX_DOC_SALARY, docs[0].buf + pos, end - pos, 1, &dd, &e)) {
			if (ncases == ccap)
				cases = realloc(cases, (ccap *= 2) * sizeof *cases);
			cases[ncases] = dd.body;
			snprintf(cases[ncases].municipality, sizeof cases[ncases].municipality, "131105");
			cases[ncases].fiscal_year = fy;
			ncases++;
		}
		pos = end + 1;
	}
	t0 = now();
	size_t computed = 0;
	int64_t check = 0;
	while (now() - t0 < 2.0) {
		for (size_t i = 0; i < ncases; i++) {
			tax_result r;
			if (!tax_compute(law, &cases[i], &r, &e))
				check += r.annual_tax;
		}
		computed += ncases;
	}
	double t_engine = now() - t0;
	printf("engine:  %zu computations in %.2f s (%.0f/s, one core; checksum %lld)\n", computed,
	       t_engine, (double)computed / t_engine, (long long)check);

	/* plain SQLite: as many result rows, no encryption, no log */
	char path[4096];
	snprintf(path, sizeof path, "%s/plain.db", dir);
	sqlite3 *db;
	if (sqlite3_open(path, &db) != SQLITE_OK)
		return 1;
	sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
			 "CREATE TABLE r(fy INTEGER, ano TEXT, version INTEGER, annual INTEGER,"
			 " levy INTEGER, pc INTEGER, method TEXT, schedule TEXT, base TEXT,"
			 " PRIMARY KEY(fy, ano, version)) WITHOUT ROWID", NULL, NULL, NULL);
	sqlite3_stmt *ins;
	sqlite3_prepare_v2(db, "INSERT INTO r VALUES(?,?,1,?,?,?,'special',?,?)", -1, &ins, NULL);
	t0 = now();
	for (size_t i = 0; i < n;) {
		sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
		for (size_t j = 0; j < 5000 && i < n; j++, i++) {
			sqlite3_bind_int(ins, 1, fy);
			sqlite3_bind_text(ins, 2, anos[i], -1, SQLITE_STATIC);
			sqlite3_bind_int64(ins, 3, 123456);
			sqlite3_bind_int64(ins, 4, 118456);
			sqlite3_bind_int64(ins, 5, 5000);
			sqlite3_bind_text(ins, 6, "[{\"month\":\"2025-06\",\"amount\":11256}]", -1,
					  SQLITE_STATIC);
			sqlite3_bind_text(ins, 7, "{\"fiscal_year\":2025}", -1, SQLITE_STATIC);
			sqlite3_step(ins);
			sqlite3_reset(ins);
		}
		sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	}
	double t_plain = now() - t0;
	sqlite3_finalize(ins);
	sqlite3_close(db);
	printf("plain:   %zu result rows inserted into SQLite in %.2f s (%.0f/s)\n", n, t_plain,
	       (double)n / t_plain);
	phase_end();
	/* issue 10's targets: <= 3x the plain insert, <= 30 s for a million, <= 1 GB */
	printf("ratio:   end to end / plain = %.1f (target <= 3); peak RSS %ld MB (target <= 1024)\n",
	       (t_roll + t_intake + t_assess) / t_plain, peak_rss_mb());
	free(cases);
	sb_release(&roll);
	free(anos);
	for (int k = 0; k < 4; k++)
		sb_release(&docs[k]);
	synth_tax_free(tg);
	synth_free(g);
	tax_law_free(law);
	store_close(s);
	keyring_free(kr);
	sb_release(&pw);
	sb_release(&totp);
	return 0;
}
