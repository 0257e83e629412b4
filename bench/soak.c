/*
 * soak — the server under a steady mixed load for a long time (issue 10 §3):
 * does it stay correct (no failed request), fast (p50/p99 per interval) and
 * bounded (resident memory over time)?
 *
 * Setup: `atena demo --no-serve` makes a fresh demo municipality (the same
 * path a newcomer takes: demo staff, a synthetic ward through the door, a tax
 * year), and its printed credentials give the clerk. The server then runs in
 * this process (server_start, --threads workers) so its memory is this
 * process's: the clients keep only fixed-size histograms, so VmRSS and VmHWM
 * of /proc/self/status, sampled every --sample seconds, are the server's
 * growth. One clerk is asked what a whole counter floor asks, so the per-staff
 * search volume limits are widened (as in bench_registry; the counting runs).
 *
 * Load: --clients threads (plain sockets, keep-alive, bench_http.h) for
 * --duration seconds. Each request is, by a seeded draw:
 *   --writes %  POST /registry/events/in_ward_move: the client's own
 *               single-person household moves between two addresses (a
 *               durable write unit with its audit event and outbox rows);
 *   otherwise a read, in turn: kana prefix search (limit 20), My Number
 *               search, a person's record (GET /registry/persons/{no}).
 * A request that does not answer 200 (reads) or 201 (writes) is an error;
 * there must be none. At the end the server stops and the audit chain must
 * verify (audit_verify_db).
 *
 * Not in CI at length; tests/bench_smoke.sh runs it for a few seconds.
 *
 *   ./build-bench/bench/soak --duration 600        # the 10 minutes
 */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>

#include "audit/audit.h"
#include "bench_common.h"
#include "bench_http.h"
#include "core/date.h"
#include "crypto/crypto.h"
#include "policy/door.h"
#include "policy/platform.h"
#include "registry/registry.h"
#include "sandbox/synth.h"
#include "server/server.h"

#define PROG "soak"
#ifndef ATENA_BIN
#define ATENA_BIN "atena"
#endif
#define MAX_CLIENTS 256
#define NBUCKET 480          /* latency buckets, 5% wide from 1 µs: up to about 1.4e4 s */
#define BUCKET_BASE 1.05
#define MAX_SAMPLES 20000    /* persons and prefixes found for the reads */
#define NEW_PASSWORD "Soak-Clerk-Passw0rd-2026"

typedef enum { C_READ, C_WRITE, NCLASS } op_class;

typedef struct opts {
	uint64_t households, seed, clients, duration, sample, threads, writes;
	const char *dir, *json, *atena;
	bool keep;
} opts;

/* What every client shares: counts only grow, so the sampler can take the
 * difference of two snapshots as one interval. */
typedef struct shared {
	_Atomic uint64_t hist[NCLASS][NBUCKET];
	_Atomic uint64_t errors[NCLASS];
	_Atomic int stop;
	uint16_t port;
	const char *token;
	char (*person)[11];      /* addressee numbers */
	char (*kana)[16];        /* two-kana prefixes, UTF-8 */
	char (*mn)[13];          /* My Numbers */
	size_t npersons, nkana, nmn;
	char (*mover)[11];       /* one single-person householder per client */
	uint64_t seed, writes;
	char today[11];
} shared;

static void usage(void)
{
	printf("usage: %s [--duration SEC] [--clients N] [--writes PCT] [--sample SEC]\n"
	       "            [--households N] [--seed S] [--threads N] [--dir DIR] [--keep]\n"
	       "            [--json FILE] [--atena PATH]\n\n"
	       "Makes a demo municipality (atena demo --no-serve), serves it in this process and\n"
	       "runs --clients keep-alive clients of mixed reads (kana search, My Number search,\n"
	       "a person's record) and --writes %% writes (a 転居, in_ward_move) for --duration\n"
	       "seconds; every --sample seconds prints requests, errors, p50/p99 of reads and\n"
	       "writes in that interval and the resident memory (VmRSS, VmHWM). Exit status 0\n"
	       "only with no failed request and an audit log that verifies.\n\n"
	       "Defaults: --duration 600, --clients 32, --writes 10, --sample 10,\n"
	       "--households 2000, --seed 42, --threads 4, --atena %s.\n\n"
	       "example: %s --duration 600 --clients 32\n", PROG, ATENA_BIN, PROG);
}

static int parse_args(int argc, char **argv, opts *o)
{
	*o = (opts){.households = 2000, .seed = 42, .clients = 32, .duration = 600, .sample = 10,
		    .threads = 4, .writes = 10, .atena = ATENA_BIN};
	static const char *const switches[] = {"--keep", NULL};
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
		else if (!strcmp(a, "--duration"))
			r = bench_parse_count(PROG, a, v, 1, 86400, &o->duration);
		else if (!strcmp(a, "--clients"))
			r = bench_parse_count(PROG, a, v, 1, MAX_CLIENTS, &o->clients);
		else if (!strcmp(a, "--writes"))
			r = bench_parse_count(PROG, a, v, 0, 100, &o->writes);
		else if (!strcmp(a, "--sample"))
			r = bench_parse_count(PROG, a, v, 1, 3600, &o->sample);
		else if (!strcmp(a, "--households"))
			r = bench_parse_count(PROG, a, v, 50, 1000000, &o->households);
		else if (!strcmp(a, "--seed"))
			r = bench_parse_count(PROG, a, v, 0, UINT64_MAX, &o->seed);
		else if (!strcmp(a, "--threads"))
			r = bench_parse_count(PROG, a, v, 1, 64, &o->threads);
		else if (!strcmp(a, "--dir"))
			o->dir = v;
		else if (!strcmp(a, "--json"))
			o->json = v;
		else if (!strcmp(a, "--atena"))
			o->atena = v;
		else {
			fprintf(stderr, "%s: unknown flag %s (see --help)\n", PROG, a);
			return -1;
		}
		if (r)
			return -1;
	}
	return 0;
}

static void die(const char *what, const at_error *e)
{
	bench_die(PROG, what, e);
}

/* ---- Setup: the demo municipality and its clerk ---------------------------- */

/* Runs `atena demo --no-serve` into dir and reads clerk1's password and TOTP
 * secret from its output ("clerk1 <name> <dept> password P  TOTP secret S"). */
static void make_demo(const opts *o, const char *dir, strbuf *pw, strbuf *totp)
{
	strbuf cmd = STRBUF_INIT;
	sb_init(&cmd);
	sb_addf(&cmd, "'%s' demo --no-serve --households %" PRIu64 " --seed %" PRIu64 " --data '%s'",
		o->atena, o->households, o->seed, dir);
	FILE *p = popen(cmd.buf, "r");
	if (!p) {
		fprintf(stderr, "%s: cannot run %s: %s\n", PROG, cmd.buf, strerror(errno));
		exit(1);
	}
	char line[1024];
	while (fgets(line, sizeof line, p)) {
		const char *a = strstr(line, " password "), *b = strstr(line, " TOTP secret ");
		if (strncmp(line, "clerk1 ", 7) || !a || !b)
			continue;
		char pwv[128], sv[128];
		if (sscanf(a, " password %127s", pwv) == 1 && sscanf(b, " TOTP secret %127s", sv) == 1) {
			sb_adds(pw, pwv);
			sb_adds(totp, sv);
		}
	}
	int st = pclose(p);
	if (st != 0 || !pw->len) {
		fprintf(stderr, "%s: %s failed (status %d) or printed no clerk1 credentials\n", PROG,
			cmd.buf, st);
		exit(1);
	}
	sb_release(&cmd);
}

static void headers(strbuf *req, const char *token)
{
	sb_addf(req, " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
		     "X-Atena-Business: " REGISTRY_BUSINESS "\r\nX-Atena-Reason: UTF-8''", token);
	pct(req, "住民票の照会");
	sb_adds(req, "\r\n");
}

/* GET path (already encoded); returns the parsed body of a 200, or NULL. */
static json_t *get_json(conn *c, const char *token, const char *path)
{
	strbuf req = STRBUF_INIT;
	sb_init(&req);
	sb_addf(&req, "GET %s", path);
	headers(&req, token);
	sb_adds(&req, "\r\n");
	const char *body = NULL;
	int status = http(c, req.buf, req.len, &body);
	sb_release(&req);
	json_error_t je;
	return status == 200 ? json_loads(body, 0, &je) : NULL;
}

/* The reads' keys and the writers' households, found through the API itself:
 * searches by every first kana, then each person's record (for the My Number)
 * and household (a single-person household can move alone). */
static void discover(shared *sh, size_t want_movers)
{
	static const char *const first[] = {"ア", "イ", "ウ", "エ", "オ", "カ", "キ", "ク", "ケ", "コ",
					    "サ", "シ", "ス", "セ", "ソ", "タ", "チ", "ツ", "テ", "ト",
					    "ナ", "ニ", "ノ", "ハ", "ヒ", "フ", "ホ", "マ", "ミ", "ム",
					    "メ", "モ", "ヤ", "ヨ", "ワ"};
	sh->person = calloc(MAX_SAMPLES, sizeof *sh->person);
	sh->kana = calloc(MAX_SAMPLES, sizeof *sh->kana);
	sh->mn = calloc(MAX_SAMPLES, sizeof *sh->mn);
	sh->mover = calloc(want_movers, sizeof *sh->mover);
	if (!sh->person || !sh->kana || !sh->mn || !sh->mover)
		abort();
	conn c = {.fd = -1, .port = sh->port};
	strbuf path = STRBUF_INIT;
	sb_init(&path);
	size_t movers = 0;
	for (size_t f = 0; f < sizeof first / sizeof first[0]; f++) {
		sb_reset(&path);
		sb_adds(&path, "/api/v1/registry/search?limit=100&name_kana=");
		pct(&path, first[f]);
		json_t *r = get_json(&c, sh->token, path.buf);
		size_t i;
		json_t *x;
		json_array_foreach(json_object_get(r, "records"), i, x) {
			json_t *it = json_object_get(x, "items");
			const char *no = json_string_value(json_object_get(it, "addressee_no"));
			const char *kana = json_string_value(json_object_get(it, "name_kana"));
			const char *rel = json_string_value(json_object_get(it, "relationship"));
			const char *hno = json_string_value(json_object_get(it, "household_no"));
			if (!no || strlen(no) != 10 || !kana || strlen(kana) < 6 ||
			    sh->npersons == MAX_SAMPLES)
				continue;
			memcpy(sh->person[sh->npersons++], no, 11);
			snprintf(sh->kana[sh->nkana++], sizeof sh->kana[0], "%.6s", kana);
			if (movers < want_movers && rel && hno && !strcmp(rel, "世帯主")) {
				sb_reset(&path);
				sb_addf(&path, "/api/v1/registry/households/%s", hno);
				json_t *h = get_json(&c, sh->token, path.buf);
				if (json_array_size(json_object_get(h, "members")) == 1)
					memcpy(sh->mover[movers++], no, 11);
				json_decref(h);
			}
		}
		json_decref(r);
	}
	/* My Numbers of the first persons found (a record shows its own). */
	for (size_t i = 0; i < sh->npersons && sh->nmn < 500; i++) {
		sb_reset(&path);
		sb_addf(&path, "/api/v1/registry/persons/%s", sh->person[i]);
		json_t *r = get_json(&c, sh->token, path.buf);
		const char *mn = json_string_value(
			json_object_get(json_object_get(r, "items"), "my_number"));
		if (mn && strlen(mn) == 12)
			memcpy(sh->mn[sh->nmn++], mn, 13);
		json_decref(r);
	}
	conn_close(&c);
	free(c.buf);
	sb_release(&path);
	if (!sh->npersons || !sh->nmn || (sh->writes && movers < want_movers)) {
		fprintf(stderr, "%s: the ward is too small: %zu persons, %zu My Numbers, %zu of %zu"
				" single-person households found (raise --households)\n",
			PROG, sh->npersons, sh->nmn, movers, want_movers);
		exit(1);
	}
}

/* ---- The load ----------------------------------------------------------- */

static size_t bucket_of(double seconds)
{
	double us = seconds * 1e6;
	if (us <= 1)
		return 0;
	double b = log(us) / log(BUCKET_BASE);
	return b >= NBUCKET - 1 ? NBUCKET - 1 : (size_t)b + 1;
}

/* The upper edge of bucket b, in ms. */
static double bucket_ms(size_t b)
{
	return pow(BUCKET_BASE, (double)b) / 1e3;
}

typedef struct client {
	shared *sh;
	size_t id;
} client;

static void *client_main(void *arg)
{
	client *cl = arg;
	shared *sh = cl->sh;
	conn c = {.fd = -1, .port = sh->port};
	synth_rng rng;
	synth_rng_seed(&rng, sh->seed * 1000003u + cl->id * 7919u);
	strbuf req = STRBUF_INIT, body = STRBUF_INIT;
	sb_init(&req);
	sb_init(&body);
	uint64_t moves = 0, reads = 0;
	while (!atomic_load_explicit(&sh->stop, memory_order_relaxed)) {
		bool write = synth_rng_below(&rng, 100) < sh->writes;
		sb_reset(&req);
		if (write) {
			/* Between two addresses of 中根二丁目, so the record keeps changing. */
			sb_reset(&body);
			sb_addf(&body, "{\"event_date\":\"%s\",\"notification_date\":\"%s\",\"persons\":"
				       "[{\"addressee_no\":\"%s\"}],\"address\":{\"address\":\""
				       "東京都目黒区中根二丁目1番%d号\",\"postcode\":\"1520031\"}}",
				sh->today, sh->today, sh->mover[cl->id], (int)(moves++ % 2) + 1);
			sb_adds(&req, "POST /api/v1/registry/events/in_ward_move");
			headers(&req, sh->token);
			sb_addf(&req, "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
				body.len, body.buf);
		} else {
			size_t kind = reads++ % 3;
			if (kind == 0) {
				sb_adds(&req, "GET /api/v1/registry/search?limit=20&name_kana=");
				pct(&req, sh->kana[synth_rng_below(&rng, sh->nkana)]);
			} else if (kind == 1) {
				sb_addf(&req, "GET /api/v1/registry/search?my_number=%s",
					sh->mn[synth_rng_below(&rng, sh->nmn)]);
			} else {
				sb_addf(&req, "GET /api/v1/registry/persons/%s",
					sh->person[synth_rng_below(&rng, sh->npersons)]);
			}
			headers(&req, sh->token);
			sb_adds(&req, "\r\n");
		}
		const char *resp = NULL;
		double t0 = bench_now();
		int status = http(&c, req.buf, req.len, &resp);
		double t1 = bench_now();
		op_class k = write ? C_WRITE : C_READ;
		if (status != (write ? 201 : 200)) {
			if (atomic_fetch_add(&sh->errors[k], 1) < 5)
				fprintf(stderr, "%s: client %zu: HTTP %d for %.60s: %.300s\n", PROG, cl->id,
					status, req.buf, resp ? resp : "(no answer)");
			continue;
		}
		atomic_fetch_add_explicit(&sh->hist[k][bucket_of(t1 - t0)], 1, memory_order_relaxed);
	}
	conn_close(&c);
	free(c.buf);
	sb_release(&req);
	sb_release(&body);
	return NULL;
}

/* ---- Figures ------------------------------------------------------------ */

typedef struct stats {
	uint64_t n;
	double p50_ms, p99_ms;
} stats;

static stats stats_of(const uint64_t *h)
{
	stats s = {0};
	for (size_t b = 0; b < NBUCKET; b++)
		s.n += h[b];
	uint64_t acc = 0, at50 = (s.n + 1) / 2, at99 = s.n - s.n / 100;
	bool got50 = false;
	for (size_t b = 0; b < NBUCKET && s.n; b++) {
		acc += h[b];
		if (!got50 && acc >= at50) {
			s.p50_ms = bucket_ms(b);
			got50 = true;
		}
		if (acc >= at99) {
			s.p99_ms = bucket_ms(b);
			break;
		}
	}
	return s;
}

/* VmRSS and VmHWM of this process, kB. */
static void rss_kb(long *rss, long *hwm)
{
	*rss = *hwm = 0;
	FILE *f = fopen("/proc/self/status", "r");
	if (!f)
		return;
	char line[256];
	while (fgets(line, sizeof line, f)) {
		if (!strncmp(line, "VmRSS:", 6))
			*rss = atol(line + 6);
		else if (!strncmp(line, "VmHWM:", 6))
			*hwm = atol(line + 6);
	}
	fclose(f);
}

typedef struct interval {
	double t;
	stats cls[NCLASS];
	uint64_t errors;
	long rss_kb, hwm_kb;
} interval;

static void snapshot(shared *sh, uint64_t out[NCLASS][NBUCKET], uint64_t *errors)
{
	*errors = 0;
	for (int k = 0; k < NCLASS; k++) {
		for (size_t b = 0; b < NBUCKET; b++)
			out[k][b] = atomic_load_explicit(&sh->hist[k][b], memory_order_relaxed);
		*errors += atomic_load(&sh->errors[k]);
	}
}

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
	if (bench_fresh_dir(PROG, o.dir, &dir))
		return 2;
	if (o.dir && mkdir(dir.buf, 0700)) {
		fprintf(stderr, "%s: cannot create %s: %s\n", PROG, dir.buf, strerror(errno));
		return 2;
	}
	bench_machine m;
	bench_machine_read(dir.buf, &m);
	bench_machine_print(&m, cmd.buf, dir.buf);

	double t0 = bench_now();
	make_demo(&o, dir.buf, &pw, &totp);
	printf("setup:    atena demo --no-serve, %" PRIu64 " households, in %.1f s\n", o.households,
	       bench_now() - t0);
	store *s = NULL;
	keyring *kr = NULL;
	at_error e = {0};
	if (platform_open(dir.buf, &s, &kr, &e))
		die("platform_open", &e);
	store_close(s);
	/* per minute: far above any load this machine can make */
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
	static shared sh;   /* large (histograms): not on the stack */
	sh.port = server_port(srv);
	sh.seed = o.seed;
	sh.writes = o.writes;
	date_format(date_today(), sh.today);
	strbuf token = STRBUF_INIT;
	sb_init(&token);
	bench_login(PROG, sh.port, "clerk1", pw.buf, totp.buf, NEW_PASSWORD, &token);
	sh.token = token.buf;
	discover(&sh, (size_t)o.clients);
	printf("load:     %" PRIu64 " clients, %" PRIu64 "%% writes (in_ward_move), reads of %zu"
	       " persons, %zu My Numbers; server 127.0.0.1:%u, %" PRIu64 " workers; %" PRIu64
	       " s, a line every %" PRIu64 " s\n\n", o.clients, o.writes, sh.npersons, sh.nmn,
	       sh.port, o.threads, o.duration, o.sample);
	printf("  time s   reads/s  read p50  read p99  writes/s  write p50  write p99  errors"
	       "   RSS MB   HWM MB\n");
	fflush(stdout);

	size_t maxiv = (size_t)(o.duration / o.sample) + 2;
	interval *iv = calloc(maxiv, sizeof *iv);
	client *cl = calloc(o.clients, sizeof *cl);
	pthread_t *th = calloc(o.clients, sizeof *th);
	static uint64_t prev[NCLASS][NBUCKET], cur[NCLASS][NBUCKET], diff[NBUCKET];
	if (!iv || !cl || !th)
		abort();
	size_t niv = 0;
	uint64_t prev_err = 0, cur_err = 0;
	long rss0, hwm0;
	rss_kb(&rss0, &hwm0);
	double start = bench_now(), last = start, end = start + (double)o.duration;
	for (size_t i = 0; i < o.clients; i++) {
		cl[i] = (client){.sh = &sh, .id = i};
		if (pthread_create(&th[i], NULL, client_main, &cl[i])) {
			fprintf(stderr, "%s: cannot start client %zu\n", PROG, i);
			return 1;
		}
	}
	while (niv < maxiv) {
		double now = bench_now();
		double next = last + (double)o.sample;
		if (next > end)
			next = end;
		if (now < next) {
			struct timespec ts = {.tv_sec = 0, .tv_nsec = 50 * 1000 * 1000};
			nanosleep(&ts, NULL);
			continue;
		}
		snapshot(&sh, cur, &cur_err);
		interval *x = &iv[niv++];
		x->t = now - start;
		double span = now - last;
		for (int k = 0; k < NCLASS; k++) {
			for (size_t b = 0; b < NBUCKET; b++)
				diff[b] = cur[k][b] - prev[k][b];
			x->cls[k] = stats_of(diff);
		}
		x->errors = cur_err - prev_err;
		rss_kb(&x->rss_kb, &x->hwm_kb);
		printf("  %6.0f  %8.0f  %8.2f  %8.2f  %8.0f  %9.2f  %9.2f  %6" PRIu64 "  %7.1f  %7.1f\n",
		       x->t, (double)x->cls[C_READ].n / span, x->cls[C_READ].p50_ms,
		       x->cls[C_READ].p99_ms, (double)x->cls[C_WRITE].n / span,
		       x->cls[C_WRITE].p50_ms, x->cls[C_WRITE].p99_ms, x->errors,
		       (double)x->rss_kb / 1024, (double)x->hwm_kb / 1024);
		fflush(stdout);
		memcpy(prev, cur, sizeof prev);
		prev_err = cur_err;
		last = now;
		if (now >= end)
			break;
	}
	atomic_store(&sh.stop, 1);
	for (size_t i = 0; i < o.clients; i++)
		pthread_join(th[i], NULL);
	double wall = bench_now() - start;
	snapshot(&sh, cur, &cur_err);
	stats tot[NCLASS];
	for (int k = 0; k < NCLASS; k++)
		tot[k] = stats_of(cur[k]);
	long rss1, hwm1;
	rss_kb(&rss1, &hwm1);
	server_stop(srv);

	/* The log after the soak: every acknowledged event chained and signed. */
	audit_report rep = {0};
	unsigned char pk[CRYPTO_SIGN_PK_BYTES];
	keyring_public_key(kr, pk);
	if (platform_connect(dir.buf, &s, &e) || audit_verify_db(s, pk, &rep, &e))
		die("audit verify", &e);
	store_close(s);
	keyring_free(kr);

	printf("\ntotal: %.0f s, %" PRIu64 " reads (%.0f/s, p50 %.2f ms, p99 %.2f ms), %" PRIu64
	       " writes (%.0f/s, p50 %.2f ms, p99 %.2f ms), %" PRIu64 " errors%s\n", wall,
	       tot[C_READ].n, (double)tot[C_READ].n / wall, tot[C_READ].p50_ms, tot[C_READ].p99_ms,
	       tot[C_WRITE].n, (double)tot[C_WRITE].n / wall, tot[C_WRITE].p50_ms,
	       tot[C_WRITE].p99_ms, cur_err, cur_err ? " (must be 0)" : "");
	printf("memory: VmRSS %.1f MB before the load, %.1f MB at the end; VmHWM %.1f MB\n",
	       (double)rss0 / 1024, (double)rss1 / 1024, (double)hwm1 / 1024);
	printf("audit: %s (%" PRId64 " events)\n", rep.ok ? "verified" : rep.message, rep.events);
	printf("latencies are bucket upper edges, 5%% wide\n");
	char load_end[64];
	bench_load_now(load_end);
	printf("load at the end: %s (1, 5, 15 min)\n", load_end);

	strbuf j = STRBUF_INIT;
	sb_init(&j);
	sb_adds(&j, "{\"bench\":\"soak\",");
	bench_json_machine(&j, &m, cmd.buf);
	sb_addf(&j, ",\"households\":%" PRIu64 ",\"clients\":%" PRIu64 ",\"writes_pct\":%" PRIu64
		    ",\"server_threads\":%" PRIu64 ",\"duration_s\":%.1f,\"errors\":%" PRIu64,
		o.households, o.clients, o.writes, o.threads, wall, cur_err);
	for (int k = 0; k < NCLASS; k++)
		sb_addf(&j, ",\"%s\":{\"n\":%" PRIu64 ",\"per_s\":%.1f,\"p50_ms\":%.3f,\"p99_ms\":%.3f}",
			k == C_READ ? "reads" : "writes", tot[k].n, (double)tot[k].n / wall,
			tot[k].p50_ms, tot[k].p99_ms);
	sb_addf(&j, ",\"rss_mb_start\":%.1f,\"rss_mb_end\":%.1f,\"hwm_mb\":%.1f,\"audit_ok\":%s,"
		    "\"audit_events\":%" PRId64 ",\"intervals\":[",
		(double)rss0 / 1024, (double)rss1 / 1024, (double)hwm1 / 1024,
		rep.ok ? "true" : "false", rep.events);
	for (size_t i = 0; i < niv; i++)
		sb_addf(&j, "%s{\"t\":%.0f,\"reads\":%" PRIu64 ",\"read_p50_ms\":%.3f,\"read_p99_ms\":%.3f,"
			    "\"writes\":%" PRIu64 ",\"write_p50_ms\":%.3f,\"write_p99_ms\":%.3f,"
			    "\"errors\":%" PRIu64 ",\"rss_mb\":%.1f}", i ? "," : "", iv[i].t,
			iv[i].cls[C_READ].n, iv[i].cls[C_READ].p50_ms, iv[i].cls[C_READ].p99_ms,
			iv[i].cls[C_WRITE].n, iv[i].cls[C_WRITE].p50_ms, iv[i].cls[C_WRITE].p99_ms,
			iv[i].errors, (double)iv[i].rss_kb / 1024);
	sb_adds(&j, "]}");
	printf("%s\n", j.buf);
	int rc = cur_err == 0 && rep.ok ? 0 : 1;
	if (bench_write_json(PROG, o.json, &j))
		rc = 1;
	if (o.keep)
		printf("data kept in %s\n", dir.buf);
	else
		bench_remove_dir(dir.buf);
	free(iv);
	free(cl);
	free(th);
	free(sh.person);
	free(sh.kana);
	free(sh.mn);
	free(sh.mover);
	sb_release(&j);
	sb_release(&token);
	sb_release(&cmd);
	sb_release(&dir);
	sb_release(&pw);
	sb_release(&totp);
	return rc;
}
