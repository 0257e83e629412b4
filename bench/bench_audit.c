/*
 * bench_audit — how fast the tamper-evident log takes events when every
 * commit is durable (SQLite WAL, synchronous=FULL), and how long verifying
 * the whole log takes.
 *
 *  (1) N events, each in its own transaction (audit_append_now): the
 *      realistic case, one request = one transaction = one fsync;
 *  (2) the same N events, BATCH per transaction (audit_append inside
 *      store_begin/store_commit), for comparison;
 *  then one checkpoint (audit_checkpoint signs the head) and
 *  audit_verify_db over the 2N events.
 *
 *   ./build/bench/bench_audit --events 20000 --batch 1000
 *
 * Prints plain text, then one line of JSON with the figures.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "bench_common.h"
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
		"usage: " PROG " [--events N] [--batch N] [--dir PATH] [--keep]\n"
		"\n"
		"Appends N audit events with durable commits, first one per transaction\n"
		"(audit_append_now), then BATCH per transaction, and prints events/s for both,\n"
		"the time of one checkpoint and of audit_verify_db over the whole log.\n"
		"\n"
		"  --events N   events per phase, 1..10000000 (default 20000)\n"
		"  --batch N    events per transaction in the batched phase, 1..N (default 1000)\n"
		"  --dir PATH   data directory to create (must not exist); default a new\n"
		"               directory under $TMPDIR, else /var/tmp\n"
		"  --keep       keep the data directory afterwards (default: remove it)\n"
		"  --help       this text\n"
		"\n"
		"example: " PROG " --events 20000 --batch 1000\n");
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

int main(int argc, char **argv)
{
	uint64_t events = 20000, batch = 1000;
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
		if (strcmp(a, "--events") && strcmp(a, "--batch") && strcmp(a, "--dir")) {
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

	/* A read through the door as the log records it. */
	char detail[64];
	audit_event ev = {
		.staff_id = "bench-staff", .department = "区民部窓口課", .terminal_id = "T-BENCH-01",
		.business = "test_business", .reason = "benchmark: 住民票の写しの交付", .case_id = "",
		.subject = "", .items = "my_number,name,name_kana,birth_date,sex,address,household_size",
		.operation = "read", .outcome = AUDIT_OK, .detail = detail,
	};

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

	/* Checkpoint: re-hashes the events since the last one and signs the head. */
	t0 = bench_now();
	if (audit_checkpoint(s, kr, &err)) {
		fail("audit_checkpoint", &err);
		goto out;
	}
	double t_ckpt = bench_now() - t0;
	printf("checkpoint (audit_checkpoint over %llu unsigned events): %.3f s\n",
	       (unsigned long long)(2 * events), t_ckpt);

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
		"\"verify_events_per_s\":%.1f,\"verify_ok\":%s,\"db_bytes\":%lld}",
		(unsigned long long)events, (unsigned long long)batch, r_single, r_batch,
		r_batch / r_single, t_ckpt, (long long)rep.events, t_verify,
		(double)rep.events / t_verify, rep.ok ? "true" : "false",
		(long long)(db_bytes + wal_bytes));
	printf("%s\n", js.buf);
	sb_release(&js);
	rc = rep.ok ? 0 : 1;
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
