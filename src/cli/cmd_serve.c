/*
 * atena serve and atena demo.
 *
 * demo: the first start makes a data directory a newcomer can explore — the
 * demo staff (their credentials printed once), and a synthetic ward of 目黒区
 * migrated into the resident register the way a municipality fills it on day
 * one (registry_import, through the door, audited). The ward is seeded
 * (--seed, default 42), so every newcomer sees the same people.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "args.h"
#include "cli.h"
#include "core/mynumber.h"
#include "core/strbuf.h"
#include "policy/door.h"
#include "policy/grant.h"
#include "policy/platform.h"
#include "policy/staff.h"
#include "registry/registry.h"
#include "server/server.h"
#include "synth.h"
#include "synth_tax.h"
#include "tax/law.h"
#include "tax/tax.h"
#include "synth_migration.h"

/* The web UI lives in web/ beside the binary's source tree or install prefix. */
static const char *default_static_dir(void)
{
	static char path[PATH_MAX];
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	char *slash = strrchr(exe, '/');
	if (!slash)
		return NULL;
	*slash = '\0';
	/* build/atena, build/<variant>/atena, an install prefix */
	const char *cands[] = {"%s/web", "%s/../web", "%s/../../web", "%s/../share/atena/web"};
	for (size_t i = 0; i < sizeof cands / sizeof cands[0]; i++) {
		struct stat st;
		snprintf(path, sizeof path, cands[i], exe);
		if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
			return path;
	}
	return NULL;
}

static int serve_dir(const char *dir, args *a, const char *cmd)
{
	at_error err = {0};
	keyring *kr = NULL;
	if (platform_open(dir, NULL, &kr, &err)) {
		cli_error(cmd, &err);
		return 1;
	}
	unsigned threads = 4;
	const char *t = args_get(a, "threads");
	if (t) {
		char *end;
		long v = strtol(t, &end, 10);
		if (*end || v < 1 || v > 64) {
			fprintf(stderr, "atena %s: --threads must be 1..64\n", cmd);
			keyring_free(kr);
			return 2;
		}
		threads = (unsigned)v;
	}
	const char *listen = args_get(a, "listen");
	server_config cfg = {
		.data_dir = dir,
		.kr = kr,
		.listen = listen && *listen ? listen : "127.0.0.1:8080",
		.threads = threads,
		.timeout_s = 30,
		.static_dir = args_get(a, "static") ? args_get(a, "static") : default_static_dir(),
	};
	int rc = server_run(&cfg, &err);
	if (rc)
		cli_error(cmd, &err);
	keyring_free(kr);
	return rc ? 1 : 0;
}

int cmd_serve(int argc, char **argv)
{
	static const arg_spec spec[] = {{"data", true}, {"listen", true}, {"threads", true},
					{"static", true}, {NULL, false}};
	args a;
	if (args_parse(argc, argv, spec, &a))
		return 2;
	if (a.help) {
		puts("usage: atena serve [--data DIR] [--listen HOST:PORT] [--threads N] [--static DIR]\n\n"
		     "Serves the HTTP JSON API (docs/openapi.yaml) until SIGINT or SIGTERM.\n"
		     "Defaults: --listen 127.0.0.1:8080, --threads 4.\n\n"
		     "example: atena serve --data /srv/atena --listen 127.0.0.1:8080");
		return 0;
	}
	return serve_dir(platform_default_dir(args_get(&a, "data")), &a, "serve");
}

/* ---- demo ---- */

/* 目黒区 has about 280,000 residents: 145,000 households of the generator
 * (1.98 persons each, about 3% of records removed) give about 279,800
 * current residents. Loading them takes a few minutes on a 2-core machine,
 * so the demo starts with a smaller ward unless asked. */
#define DEMO_HOUSEHOLDS 20000       /* about 38,400 residents, ~20 s */
#define DEMO_MEGURO_HOUSEHOLDS 145000
#define DEMO_BATCH 2000             /* households per door (one durable commit): fewer commits, ~20% faster than 500 */
#define DEMO_PROGRESS 10000         /* a progress line every this many records */

struct demo_staff {
	const char *id, *name, *dept;
	bool admin;
	const char *grants[3][2];   /* {business, access} */
};

static const struct demo_staff demo_staff[] = {
	{"admin", "管理 太郎", "情報政策課", true, {{NULL, NULL}}},
	{"clerk1", "窓口 花子", "区民課", false, {{"resident_register", "update"}, {NULL, NULL}}},
	{"clerk2", "確認 次郎", "区民課", false, {{"resident_register", "update"}, {NULL, NULL}}},
	{"viewer", "閲覧 三郎", "税務課", false, {{"individual_resident_tax", "view"}, {NULL, NULL}}},
	{"auditor", "監査 四郎", "監査事務局", false, {{"audit_review", "view"}, {NULL, NULL}}},
	{"tax1", "税務 一郎", "税務課", false, {{"individual_resident_tax", "update"}, {NULL, NULL}}},
};

static double demo_clock(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct demo_ward {
	uint64_t seed;
	size_t households;
} demo_ward;

/* One batch of households in its own door, as clerk1 (区民課) migrating the
 * old register. */
static int demo_import_batch(store *s, const keyring *kr, json_t *batch, size_t *persons,
			     size_t *removed, at_error *err)
{
	door_ctx ctx = {.staff_id = "clerk1", .terminal_id = cli_terminal(),
			.business = REGISTRY_BUSINESS, .reason = "住民記録システム移行 (demo)"};
	door *d;
	json_t *res = NULL;
	if (door_open_owner(s, kr, &ctx, DOOR_WRITE, &registry_owner, &d, err))
		return -1;
	if (registry_import(d, batch, &res, err)) {
		door_abort(d);
		return -1;
	}
	*persons += (size_t)json_integer_value(json_object_get(res, "persons"));
	*removed += (size_t)json_integer_value(json_object_get(res, "removed"));
	json_decref(res);
	return door_commit(d, err);
}

/* The synthetic ward (bench/synth.h), migrated household batch by batch. */
static int demo_load_ward(store *s, const keyring *kr, const demo_ward *w, at_error *err)
{
	synth_config cfg = {.seed = w->seed, .households = w->households};
	synth *g = NULL;
	synth_migration mig;
	if (registry_migrate(s, err) || synth_new(&cfg, &g, err) ||
	    synth_migration_init(&mig, w->seed, NULL, NULL, err)) {
		synth_free(g);
		return -1;
	}
	printf("Migrating a synthetic ward of 目黒区 into the resident register: %zu households,"
	       " seed %llu ...\n", w->households, (unsigned long long)w->seed);
	fflush(stdout);
	double t0 = demo_clock();
	size_t persons = 0, removed = 0, next = DEMO_PROGRESS;
	json_t *batch = NULL;
	synth_household h;
	int rc = 0, more;
	do {
		more = synth_next_household(g, &h);
		if (more) {
			if (!batch)
				batch = json_pack("{s:[]}", "households");
			json_array_append_new(json_object_get(batch, "households"),
					      synth_migration_household(&mig, &h));
		}
		size_t n = batch ? json_array_size(json_object_get(batch, "households")) : 0;
		if (n && (!more || n == DEMO_BATCH)) {
			rc = demo_import_batch(s, kr, batch, &persons, &removed, err);
			json_decref(batch);
			batch = NULL;
			for (; persons >= next; next += DEMO_PROGRESS) {
				printf("  %7zu records  %5.1f s\n", persons, demo_clock() - t0);
				fflush(stdout);
			}
		}
	} while (more && rc == 0);
	json_decref(batch);
	synth_free(g);
	if (rc)
		return -1;
	printf("Loaded %zu records of %zu households in %.1f s: %zu residents and %zu removed"
	       " records (除票: moved out or deceased).\n\n", persons, w->households,
	       demo_clock() - t0, persons - removed, removed);
	return 0;
}

/* A synthetic tax year (令和7年度, 賦課期日 2025-01-01) for the ward: the roll
 * taken from the register through the door, the documents of bench/synth_tax
 * in their real layouts loaded and matched, the annual batch — as tax1. */
static int demo_tax_year(store *s, const keyring *kr, const demo_ward *w, at_error *err)
{
	const int fy = 2025;
	door_ctx ctx = {.staff_id = "tax1", .department = "税務課", .terminal_id = cli_terminal(),
			.business = TAX_BUSINESS, .reason = "令和7年度当初課税 (demo)"};
	tax_law *law = NULL;
	synth *g = NULL;
	synth_tax *tg = NULL;
	synth_config cfg = {.seed = w->seed, .households = w->households};
	synth_tax_config tcfg;
	synth_tax_config_defaults(&tcfg);
	tcfg.seed = w->seed;
	tcfg.fiscal_year = fy;
	strbuf docs[4];
	for (int k = 0; k < 4; k++)
		sb_init(&docs[k]);
	int rc = -1;
	double t0 = demo_clock();
	door *d = NULL;
	json_t *sum = NULL;
	if (tax_migrate(s, err) || tax_law_load_builtin(&law, err) || synth_new(&cfg, &g, err) ||
	    synth_tax_new(&tcfg, &tg, err))
		goto out;
	printf("A synthetic tax year (令和7年度): the roll of 2025-01-01 from the register, ...\n");
	fflush(stdout);
	if (door_open_owner(s, kr, &ctx, DOOR_WRITE, &tax_owner, &d, err))
		goto out;
	if (tax_roll_build(d, kr, fy, &sum, err)) {
		door_abort(d);
		goto out;
	}
	if (door_commit(d, err))
		goto out;
	printf("  roll: %lld residents\n", (long long)json_integer_value(json_object_get(sum, "residents")));
	json_decref(sum);
	sum = NULL;
	synth_household h;
	while (synth_next_household(g, &h))
		if (synth_tax_household(tg, &h, &docs[0], &docs[1], &docs[2], &docs[3], err))
			goto out;
	static const tax_doc_kind kinds[4] = {TAX_DOC_SALARY, TAX_DOC_PENSION, TAX_DOC_RETURN,
					      TAX_DOC_ONESTOP};
	for (int k = 0; k < 4; k++) {
		if (door_open_owner(s, kr, &ctx, DOOR_WRITE, &tax_owner, &d, err))
			goto out;
		if (tax_intake(d, kr, fy, kinds[k], docs[k].buf ? docs[k].buf : "", docs[k].len, &sum,
			       err)) {
			door_abort(d);
			goto out;
		}
		if (door_commit(d, err))
			goto out;
		printf("  intake %-8s %6lld records: %lld matched, %lld held for identity checks\n",
		       tax_doc_kind_name(kinds[k]),
		       (long long)json_integer_value(json_object_get(sum, "records")),
		       (long long)json_integer_value(json_object_get(sum, "matched")),
		       (long long)json_integer_value(json_object_get(sum, "held")));
		json_decref(sum);
		sum = NULL;
	}
	if (tax_assess(s, kr, &ctx, law, fy, 2000, &sum, err))
		goto out;
	printf("  assessed %lld persons (%lld taxable, %lld special / %lld ordinary / %lld pension"
	       " collection) in %.1f s\n\n",
	       (long long)json_integer_value(json_object_get(sum, "assessed")),
	       (long long)json_integer_value(json_object_get(sum, "taxable")),
	       (long long)json_integer_value(json_object_get(sum, "special")),
	       (long long)json_integer_value(json_object_get(sum, "ordinary")),
	       (long long)json_integer_value(json_object_get(sum, "pension")), demo_clock() - t0);
	rc = 0;
out:
	json_decref(sum);
	for (int k = 0; k < 4; k++)
		sb_release(&docs[k]);
	synth_tax_free(tg);
	synth_free(g);
	tax_law_free(law);
	return rc;
}

static int demo_create(const char *dir, const demo_ward *w, at_error *err)
{
	if (platform_init(dir, "131105", err))
		return -1;
	store *s = NULL;
	keyring *kr = NULL;
	if (platform_open(dir, &s, &kr, err))
		return -1;
	int rc = -1;
	printf("Demo municipality: 目黒区 (131105), data in %s\n\n", dir);
	for (size_t i = 0; i < sizeof demo_staff / sizeof demo_staff[0]; i++) {
		const struct demo_staff *d = &demo_staff[i];
		strbuf pw = STRBUF_INIT, totp = STRBUF_INIT;
		sb_init(&pw);
		sb_init(&totp);
		int r = staff_add(s, kr, d->id, d->name, d->dept, d->admin, "", cli_terminal(), &pw,
				  &totp, err);
		if (r == 0)
			printf("%-8s %-10s %-12s password %s  TOTP secret %s\n", d->id, d->name, d->dept,
			       pw.buf, totp.buf);
		sb_release(&pw);
		sb_release(&totp);
		if (r)
			goto out;
		for (int g = 0; g < 3 && d->grants[g][0]; g++) {
			grant_access acc;
			if (grant_access_parse(d->grants[g][1], &acc, err) ||
			    grant_add(s, d->id, d->grants[g][0], acc, 0, 0, "admin", cli_terminal(),
				      "demo grant", err))
				goto out;
		}
	}
	printf("\n");
	fflush(stdout);
	if (demo_load_ward(s, kr, w, err) || demo_tax_year(s, kr, w, err))
		goto out;
	printf("Every password must be changed at first login (send new_password with the login).\n"
	       "One-time codes: oathtool --totp=sha256 -b SECRET\n"
	       "Grants: clerk1, clerk2 update resident_register; viewer views\n"
	       "individual_resident_tax; auditor views audit_review; tax1 updates\n"
	       "individual_resident_tax. These credentials are\n"
	       "shown once.\n"
	       "Try (as clerk1, business resident_register): GET /api/v1/registry/search?name_kana=サトウ\n"
	       "     (as tax1, business individual_resident_tax): GET /api/v1/tax/holds?fiscal_year=2025\n\n");
	rc = 0;
out:
	store_close(s);
	keyring_free(kr);
	return rc;
}

int cmd_demo(int argc, char **argv)
{
	static const arg_spec spec[] = {{"data", true}, {"listen", true}, {"threads", true},
					{"static", true}, {"no-serve", false}, {"households", true},
					{"ward", true}, {"seed", true}, {NULL, false}};
	args a;
	if (args_parse(argc, argv, spec, &a))
		return 2;
	if (a.help) {
		printf("usage: atena demo [--data DIR] [--listen HOST:PORT] [--no-serve]\n"
		       "                  [--households N | --ward meguro] [--seed S]\n\n"
		       "The first time, creates DIR for a demo municipality (目黒区, 131105) with demo staff\n"
		       "(their passwords and TOTP secrets are printed once) and a\n"
		       "synthetic ward migrated into the resident register through the door (every record\n"
		       "audited), with a progress line every %d records; then serves it.\n"
		       "The ward: --households N (default %d: about 38,400 residents, loaded in well\n"
		       "under a minute), or --ward meguro for the full size of 目黒区 (%d households,\n"
		       "about 280,000 residents; a few minutes on a 2-core machine). About 3%% are foreign\n"
		       "residents and about 3%% of records are removed (moved out or deceased). --seed\n"
		       "(default 42) fixes who lives there, so every newcomer sees the same ward.\n"
		       "These flags apply only when DIR is created. Default DIR: $ATENA_DATA or\n"
		       "./atena-data.\n\n"
		       "example: atena demo --listen 127.0.0.1:8080 --ward meguro\n",
		       DEMO_PROGRESS, DEMO_HOUSEHOLDS, DEMO_MEGURO_HOUSEHOLDS);
		return 0;
	}
	demo_ward w = {.seed = 42, .households = DEMO_HOUSEHOLDS};
	const char *hh = args_get(&a, "households"), *ward = args_get(&a, "ward");
	const char *seed = args_get(&a, "seed");
	if (hh && ward) {
		fprintf(stderr, "atena demo: give --households or --ward, not both\n");
		return 2;
	}
	if (ward) {
		if (strcmp(ward, "meguro")) {
			fprintf(stderr, "atena demo: --ward must be meguro (目黒区, %d households)\n",
				DEMO_MEGURO_HOUSEHOLDS);
			return 2;
		}
		w.households = DEMO_MEGURO_HOUSEHOLDS;
	}
	if (hh) {
		char *end;
		long long v = strtoll(hh, &end, 10);
		if (*end || end == hh || v < 1 || v > 1000000) {
			fprintf(stderr, "atena demo: --households must be a whole number from 1 to"
					" 1000000\n");
			return 2;
		}
		w.households = (size_t)v;
	}
	if (seed) {
		char *end;
		unsigned long long v = strtoull(seed, &end, 10);
		if (*end || end == seed || *seed == '-') {
			fprintf(stderr, "atena demo: --seed must be a whole number\n");
			return 2;
		}
		w.seed = v;
	}
	const char *dir = platform_default_dir(args_get(&a, "data"));
	strbuf db = STRBUF_INIT;
	sb_init(&db);
	platform_db_path(dir, &db);
	bool exists = access(db.buf, F_OK) == 0;
	sb_release(&db);
	at_error err = {0};
	if (!exists && demo_create(dir, &w, &err)) {
		cli_error("demo", &err);
		fprintf(stderr, "atena demo: %s is incomplete; remove it and run atena demo again\n",
			dir);
		return 1;
	}
	if (exists)
		printf("Using the existing demo data in %s (its credentials were printed when it was made;\n"
		       "remove the directory to start afresh).\n", dir);
	fflush(stdout);
	if (args_has(&a, "no-serve"))
		return 0;
	return serve_dir(dir, &a, "demo");
}
