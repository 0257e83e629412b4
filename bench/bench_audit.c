/*
 * bench_audit — how fast the tamper-evident log takes events when every
 * commit is durable (SQLite WAL, synchronous=FULL), and how long verifying
 * the whole log takes.
 *
 *  (1) N events, each in its own transaction (audit_append_now): the
 *      realistic case, one request = one transaction = one fsync;
 *  (2) the same N events, BATCH per transaction (audit_append inside
 *      store_begin/store_commit), for comparison;
 *  (3) with --producers P: the same N events from P threads at once, each
 *      on its own connection (platform_connect) calling audit_append_now,
 *      as P concurrent requests do: the log's rate under concurrency, which
 *      issue 10 §4 wants at 100,000 events/s for 32 producers;
 *  then one checkpoint (audit_checkpoint signs the head) and
 *  audit_verify_db over the 2N events.
 *
 *   ./build/bench/bench_audit --events 20000 --batch 1000
 *
 * Prints plain text, then one line of JSON with the figures.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "bench_common.h"
#include "bench_targets.h"
#include "core/error.h"
#include "crypto/crypto.h"
#include "policy/platform.h"
#include "store/store.h"
#include "sandbox/synth.h"

#define PROG "bench_audit"
#define MUNICIPALITY "131105"
#define SUBJECTS 1000   /* distinct addressee numbers the events name */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: " PROG " [--events N] [--batch N] [--producers P] [--dir PATH] [--keep]\n"
		"                   [--json FILE]\n"
		"\n"
		"Appends N audit events with durable commits, first one per transaction\n"
		"(audit_append_now), then BATCH per transaction, and prints events/s for both,\n"
		"the time of one checkpoint and of audit_verify_db over the whole log.\n"
		"\n"
		"  --events N   events per phase, 1..10000000 (default 20000)\n"
		"  --batch N    events per transaction in the batched phase, 1..N (default 1000)\n"
		"  --producers P  then the same N events from P threads at once, each on its own\n"
		"               connection, one durable append each (audit_append_now), 1..256\n"
		"               (default: not run; the issue 10 target is at 32)\n"
		"  --json FILE  also write the final JSON line to FILE\n"
		"  --dir PATH   data directory to create (must not exist); default a new\n"
		"               directory under $TMPDIR, else /var/tmp\n"
		"  --keep       keep the data directory afterwards (default: remove it)\n"
		"  --help       this text\n"
		"\n"
		"example: " PROG " --events 20000 --batch 1000 --producers 32\n");
}

static int fail(const char *what, const at_error *err)
{
	fprintf(stderr, PROG ": %s failed: %s [%s]\n", what, err->message, err->code);
	return 1;
}

/* Addressee numbers of a small synthetic population, for the events' subject. */
static char (*subjects(size_t *n))[11]
{
	char(*out)[11] = calloc(SUBJECTS, sizeof *out);
	if (!out)
		abort();
	synth_config cfg = {.seed = 1, .households = SUBJECTS, .municipality = MUNICIPALITY};
	synth *g;
	at_error err;
	*n = 0;
	if (synth_new(&cfg, &g, &err))
		return out;
	synth_household h;
	while (*n < SUBJECTS && synth_next_household(g, &h))
		for (size_t i = 0; i < h.count && *n < SUBJECTS; i++)
			memcpy(out[(*n)++], h.members[i].addressee_no, 11);
	synth_free(g);
	return out;
}

/* A read through the door as the log records it; subject and detail are
 * filled per event. */
static audit_event read_event(char *detail)
{
	return (audit_event){
		.staff_id = "bench-staff", .department = "区民部窓口課", .terminal_id = "T-BENCH-01",
		.business = "test_business", .reason = "benchmark: 住民票の写しの交付", .case_id = "",
		.subject = "", .items = "my_number,name,name_kana,birth_date,sex,address,household_size",
		.operation = "read", .outcome = AUDIT_OK, .detail = detail,
	};
}

/* ---- (3) Concurrent producers ------------------------------------------ */
typedef struct producer {
	const char *dir;
	char (*subj)[11];
	size_t nsub;
	uint64_t first, count;   /* the events first .. first+count-1 of the phase */
	pthread_barrier_t *go;
	int failed;
	at_error err;
	double end;              /* when its last append was durable */
} producer;

static void *producer_main(void *arg)
{
	producer *p = arg;
	store *s = NULL;
	at_error_clear(&p->err);
	if (platform_connect(p->dir, &s, &p->err))
		p->failed = 1;
	pthread_barrier_wait(p->go);   /* every connection open before the clock starts */
	char detail[64];
	audit_event ev = read_event(detail);
	for (uint64_t i = p->first; !p->failed && i < p->first + p->count; i++) {
		ev.subject = p->subj[i % p->nsub];
		snprintf(detail, sizeof detail, "test_file#%llu v1", (unsigned long long)(i % 50000 + 1));
		if (audit_append_now(s, &ev, &p->err))
			p->failed = 1;
	}
	p->end = bench_now();
	store_close(s);
	return NULL;
}

/* Appends events from nprod threads at once; returns events/s, or -1. */
static double producers_run(const char *dir, uint64_t events, uint64_t nprod, char (*subj)[11],
			    size_t nsub)
{
	producer *ps = calloc(nprod, sizeof *ps);
	pthread_t *th = calloc(nprod, sizeof *th);
	if (!ps || !th)
		abort();
	pthread_barrier_t go;
	pthread_barrier_init(&go, NULL, (unsigned)nprod + 1);
	uint64_t per = events / nprod, extra = events % nprod, next = 0;
	for (uint64_t i = 0; i < nprod; i++) {
		ps[i] = (producer){.dir = dir, .subj = subj, .nsub = nsub, .first = next,
				   .count = per + (i < extra), .go = &go};
		next += ps[i].count;
		if (pthread_create(&th[i], NULL, producer_main, &ps[i])) {
			fprintf(stderr, PROG ": cannot start producer %llu\n", (unsigned long long)i);
			exit(1);
		}
	}
	pthread_barrier_wait(&go);
	double t0 = bench_now(), end = t0;
	int failed = 0;
	for (uint64_t i = 0; i < nprod; i++) {
		pthread_join(th[i], NULL);
		if (ps[i].failed && !failed++)
			fail("producer", &ps[i].err);
		if (ps[i].end > end)
			end = ps[i].end;
	}
	pthread_barrier_destroy(&go);
	free(ps);
	free(th);
	return failed ? -1 : (double)events / (end - t0);
}

int main(int argc, char **argv)
{
	uint64_t events = 20000, batch = 1000, producers = 0;
	const char *dir_flag = NULL, *json_flag = NULL;
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
		if (strcmp(a, "--events") && strcmp(a, "--batch") && strcmp(a, "--dir") &&
		    strcmp(a, "--producers") && strcmp(a, "--json")) {
			fprintf(stderr, PROG ": unknown argument \"%s\" (see --help)\n", a);
			return 2;
		}
		if (i + 1 >= argc) {
			fprintf(stderr, PROG ": %s needs a value (see --help)\n", a);
			return 2;
		}
		const char *v = argv[++i];
		if (!strcmp(a, "--events")) {
			if (bench_parse_count(PROG, a, v, 1, 10000000, &events))
				return 2;
		} else if (!strcmp(a, "--batch")) {
			if (bench_parse_count(PROG, a, v, 1, 10000000, &batch))
				return 2;
			batch_given = true;
		} else if (!strcmp(a, "--producers")) {
			if (bench_parse_count(PROG, a, v, 1, 256, &producers))
				return 2;
		} else if (!strcmp(a, "--json")) {
			json_flag = v;
		} else {
			if (!*v) {
				fprintf(stderr, PROG ": --dir needs a path\n");
				return 2;
			}
			dir_flag = v;
		}
	}
	if (batch > events) {
		if (batch_given) {
			fprintf(stderr, PROG ": --batch (%llu) may not exceed --events (%llu)\n",
				(unsigned long long)batch, (unsigned long long)events);
			return 2;
		}
		batch = events;
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
	size_t nsub = 0;
	char(*subj)[11] = subjects(&nsub);
	if (platform_init(dir.buf, MUNICIPALITY, &err)) {
		fail("platform_init", &err);
		goto out;
	}
	if (platform_open(dir.buf, &s, &kr, &err)) {
		fail("platform_open", &err);
		goto out;
	}
	bench_machine m;
	bench_machine_read(dir.buf, &m);
	printf(PROG ": %llu audit events per phase, durable commits\n", (unsigned long long)events);
	bench_machine_print(&m, cmd.buf, dir.buf);
	printf("\n");

	char detail[64];
	audit_event ev = read_event(detail);

	/* (1) One event per transaction. */
	double t0 = bench_now();
	for (uint64_t i = 0; i < events; i++) {
		ev.subject = subj[i % nsub];
		snprintf(detail, sizeof detail, "test_file#%llu v1", (unsigned long long)(i % 50000 + 1));
		if (audit_append_now(s, &ev, &err)) {
			fail("audit_append_now", &err);
			goto out;
		}
	}
	double t_single = bench_now() - t0;
	double r_single = (double)events / t_single;
	printf("(1) one event per transaction (audit_append_now)\n"
	       "    %llu events in %.3f s = %.0f events/s (%.3f ms each)\n",
	       (unsigned long long)events, t_single, r_single, 1000.0 * t_single / (double)events);

	/* (2) Batched. */
	t0 = bench_now();
	for (uint64_t i = 0; i < events;) {
		if (store_begin(s, &err)) {
			fail("store_begin", &err);
			goto out;
		}
		for (uint64_t j = 0; j < batch && i < events; j++, i++) {
			ev.subject = subj[i % nsub];
			snprintf(detail, sizeof detail, "test_file#%llu v1",
				 (unsigned long long)(i % 50000 + 1));
			if (audit_append(s, &ev, NULL, &err)) {
				store_rollback(s);
				fail("audit_append", &err);
				goto out;
			}
		}
		if (store_commit(s, &err)) {
			fail("store_commit", &err);
			goto out;
		}
	}
	double t_batch = bench_now() - t0;
	double r_batch = (double)events / t_batch;
	printf("(2) %llu events per transaction (audit_append)\n"
	       "    %llu events in %.3f s = %.0f events/s (%.3f ms each)\n"
	       "    batched / one-per-transaction: %.1fx\n",
	       (unsigned long long)batch, (unsigned long long)events, t_batch, r_batch,
	       1000.0 * t_batch / (double)events, r_batch / r_single);

	/* (3) Concurrent producers. */
	double r_prod = 0;
	if (producers) {
		r_prod = producers_run(dir.buf, events, producers, subj, nsub);
		if (r_prod < 0)
			goto out;
		printf("(3) %llu producers at once, each on its own connection (audit_append_now)\n"
		       "    %llu events = %.0f events/s; over (1): %.1fx\n",
		       (unsigned long long)producers, (unsigned long long)events, r_prod,
		       r_prod / r_single);
	}
	uint64_t phases = producers ? 3 : 2;

	/* Checkpoint: re-hashes the events since the last one and signs the head. */
	t0 = bench_now();
	if (audit_checkpoint(s, kr, &err)) {
		fail("audit_checkpoint", &err);
		goto out;
	}
	double t_ckpt = bench_now() - t0;
	printf("checkpoint (audit_checkpoint over %llu unsigned events): %.3f s\n",
	       (unsigned long long)(phases * events), t_ckpt);

	/* Verify the whole log. */
	unsigned char pk[CRYPTO_SIGN_PK_BYTES];
	keyring_public_key(kr, pk);
	audit_report rep;
	memset(&rep, 0, sizeof rep);
	t0 = bench_now();
	if (audit_verify_db(s, pk, &rep, &err)) {
		fail("audit_verify_db", &err);
		goto out;
	}
	double t_verify = bench_now() - t0;
	printf("audit_verify_db: %lld events, %lld checkpoints in %.3f s = %.0f events/s\n"
	       "    %s: %s\n",
	       (long long)rep.events, (long long)rep.checkpoints, t_verify,
	       (double)rep.events / t_verify, rep.ok ? "ok" : "BROKEN", rep.message);

	strbuf dbp = STRBUF_INIT;
	sb_init(&dbp);
	platform_db_path(dir.buf, &dbp);
	int64_t db_bytes = bench_file_size(dbp.buf);
	sb_adds(&dbp, "-wal");
	int64_t wal_bytes = bench_file_size(dbp.buf);
	sb_release(&dbp);
	printf("files: atena.db %.1f MB, atena.db-wal %.1f MB\n", (double)db_bytes / 1e6,
	       (double)wal_bytes / 1e6);

	strbuf js = STRBUF_INIT;
	sb_init(&js);
	sb_adds(&js, "{\"bench\":\"audit\",");
	bench_json_machine(&js, &m, cmd.buf);
	sb_addf(&js,
		",\"events\":%llu,\"batch\":%llu,\"single_events_per_s\":%.1f,"
		"\"batched_events_per_s\":%.1f,\"batched_over_single\":%.2f,"
		"\"checkpoint_s\":%.4f,\"verify_events\":%lld,\"verify_s\":%.4f,"
		"\"verify_events_per_s\":%.1f,\"verify_ok\":%s,\"db_bytes\":%lld",
		(unsigned long long)events, (unsigned long long)batch, r_single, r_batch,
		r_batch / r_single, t_ckpt, (long long)rep.events, t_verify,
		(double)rep.events / t_verify, rep.ok ? "true" : "false",
		(long long)(db_bytes + wal_bytes));
	if (producers)
		sb_addf(&js, ",\"producers\":%llu,\"producers_events_per_s\":%.1f",
			(unsigned long long)producers, r_prod);
	bench_target tg[] = {
		{"audit_producers", "durable audit appends from 32 concurrent producers, events/s",
		 TARGET_AT_LEAST, TARGET_AUDIT_EVENTS_PER_S, r_prod, "events/s",
		 producers == TARGET_AUDIT_PRODUCERS, "needs --producers 32"},
	};
	bench_targets_print(tg, 1);
	bench_targets_json(&js, tg, 1);
	sb_adds(&js, "}");
	printf("%s\n", js.buf);
	/* Every append is in the log (platform_init may have written a few more). */
	rc = rep.ok && rep.events >= (int64_t)(phases * events) ? 0 : 1;
	if (rep.events < (int64_t)(phases * events))
		fprintf(stderr, PROG ": the log holds %lld events, %llu were appended\n",
			(long long)rep.events, (unsigned long long)(phases * events));
	if (bench_write_json(PROG, json_flag, &js))
		rc = 1;
	sb_release(&js);
out:
	store_close(s);
	keyring_free(kr);
	free(subj);
	if (keep)
		fprintf(stderr, PROG ": data kept in %s\n", dir.buf);
	else
		bench_remove_dir(dir.buf);
	sb_release(&cmd);
	sb_release(&dir);
	return rc;
}
