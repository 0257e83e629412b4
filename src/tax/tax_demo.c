/*
 * tax_demo.c — the resident tax's demo step (`atena demo`): a synthetic tax
 * year (令和7年度, 賦課期日 2025-01-01) for the demo ward — the roll taken
 * from the register through the door, the documents of sandbox/synth_tax in
 * their real layouts loaded and matched, the annual batch — as tax1 (税務課).
 * Runs after the register's step, which it reads.
 */
#include <stdio.h>
#include <time.h>

#include "sandbox/synth.h"
#include "sandbox/synth_tax.h"
#include "tax/law.h"
#include "tax/tax.h"
#include "tax/tax_module.h"

static double demo_clock(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int tax_demo(store *s, const keyring *kr, const module_demo *dm, at_error *err)
{
	const int fy = 2025;
	door_ctx ctx = {.staff_id = "tax1", .department = "税務課", .terminal_id = dm->terminal,
			.business = TAX_BUSINESS, .reason = "令和7年度当初課税 (demo)"};
	const tax_law *law = NULL;
	synth *g = NULL;
	synth_tax *tg = NULL;
	synth_config cfg = {.seed = dm->seed, .households = dm->households};
	synth_tax_config tcfg;
	synth_tax_config_defaults(&tcfg);
	tcfg.seed = dm->seed;
	tcfg.fiscal_year = fy;
	strbuf docs[4];
	for (int k = 0; k < 4; k++)
		sb_init(&docs[k]);
	int rc = -1;
	double t0 = demo_clock();
	door *d = NULL;
	json_t *sum = NULL;
	if (!(law = tax_law_shared(err)) || synth_new(&cfg, &g, err) ||
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
	if (tax_assess(s, kr, &ctx, law, fy, TAX_ASSESS_CHUNK, &sum, err))
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
	return rc;
}
