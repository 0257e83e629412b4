/*
 * bench_targets — the speed targets of issue 10 §4, in one place, and how a
 * bench reports them: each target with its measured value, the value over
 * the target, and PASS, MISS (by how much) or "not measured" (the run did not
 * include it, e.g. a small ward). Speed lives here and in the benches, never
 * in timed unit tests.
 *
 * Every rate is a ratio to a bare reference measured in the same run, on the
 * same machine, with the same load client: on a shared 2-core machine only
 * the ratio survives the noise. Each bench prints the load average with it.
 *
 * Header-only (static inline), like bench_common.h.
 */
#ifndef ATENA_BENCH_TARGETS_H
#define ATENA_BENCH_TARGETS_H

#include <stdbool.h>
#include <stdio.h>

#include "bench_common.h"

/* ---- The targets (issue 10 §4, "Benchmarks that say how far from the limit") ---- */
#define TARGET_CLIENTS 32                 /* the rate targets are at 32 concurrent clients */
#define TARGET_MY_NUMBER_VS_BARE 0.50     /* My Number lookup (session + door + durable audit) / bare */
#define TARGET_MY_NUMBER_P99_MS 5.0       /* and its p99 */
#define TARGET_KANA_VS_BARE 0.20          /* kana search returning 20 rows / bare */
#define TARGET_AUDIT_PRODUCERS 32         /* concurrent producers of durable audit appends */
#define TARGET_AUDIT_EVENTS_PER_S 100000.0
#define TARGET_LOAD_VS_PLAIN 3.0          /* ward load through the register / plain SQLite inserts */
#define TARGET_MEGURO_RECORDS 287610      /* the full Meguro-sized ward (seed 42, 145,000 households) */
#define TARGET_MEGURO_LOAD_S 20.0
#define TARGET_TAX_SPRING_S 30.0          /* roll + intake + batch, a million taxpayers */
#define TARGET_TAX_VS_PLAIN 3.0
#define TARGET_TAX_PEAK_RSS_MB 1024.0

typedef enum { TARGET_AT_LEAST, TARGET_AT_MOST } bench_target_op;

typedef struct bench_target {
	const char *name;        /* JSON key: "my_number_vs_bare" */
	const char *what;        /* one line for people */
	bench_target_op op;
	double limit;
	double measured;
	const char *unit;        /* "x", "ms", "events/s", "s" */
	bool run;                /* false: not measured in this run */
	const char *why_not;     /* when !run: which flag would measure it */
} bench_target;

static inline bool bench_target_pass(const bench_target *t)
{
	return t->run && (t->op == TARGET_AT_LEAST ? t->measured >= t->limit
						  : t->measured <= t->limit);
}

/* "target  my_number_vs_bare  >= 0.50 x   measured 0.053 x   0.11 of target   MISS (9.4x short)" */
static inline void bench_target_print(const bench_target *t)
{
	const char *op = t->op == TARGET_AT_LEAST ? ">=" : "<=";
	printf("    %-22s %s %9.2f %-8s ", t->name, op, t->limit, t->unit);
	if (!t->run) {
		printf("not measured (%s)\n      %s\n", t->why_not ? t->why_not : "not in this run",
		       t->what);
		return;
	}
	double of = t->limit != 0 ? t->measured / t->limit : 0;
	printf("measured %10.3f %-8s %6.2f of target  ", t->measured, t->unit, of);
	if (bench_target_pass(t))
		printf("PASS\n");
	else if (t->op == TARGET_AT_LEAST)
		printf("MISS (%.1fx short)\n", t->measured > 0 ? t->limit / t->measured : 0.0);
	else
		printf("MISS (%.1fx over)\n", of);
	printf("      %s\n", t->what);
}

static inline void bench_targets_print(const bench_target *t, size_t n)
{
	char load[64];
	bench_load_now(load);
	printf("\nload at the end: %s (1, 5, 15 min)\n", load);
	printf("targets (issue 10 §4; a target on a rate is a ratio to this run's bare reference):\n");
	for (size_t i = 0; i < n; i++)
		bench_target_print(&t[i]);
}

/* ,"targets":[{"name","op","limit","measured","unit","result"}...] */
static inline void bench_targets_json(strbuf *sb, const bench_target *t, size_t n)
{
	sb_adds(sb, ",\"targets\":[");
	for (size_t i = 0; i < n; i++) {
		sb_addf(sb, "%s{\"name\":", i ? "," : "");
		bench_json_str(sb, t[i].name);
		sb_addf(sb, ",\"op\":\"%s\",\"limit\":%.4g,", t[i].op == TARGET_AT_LEAST ? ">=" : "<=",
			t[i].limit);
		if (t[i].run)
			sb_addf(sb, "\"measured\":%.6g,", t[i].measured);
		else
			sb_adds(sb, "\"measured\":null,");
		sb_adds(sb, "\"unit\":");
		bench_json_str(sb, t[i].unit);
		sb_addf(sb, ",\"result\":\"%s\"}",
			!t[i].run ? "not_measured" : bench_target_pass(&t[i]) ? "PASS" : "MISS");
	}
	sb_adds(sb, "]");
}

#endif
