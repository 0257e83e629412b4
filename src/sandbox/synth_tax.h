/*
 * synth_tax — a reproducible synthetic tax year for a synthetic municipality.
 *
 * For each household that sandbox/synth.h produces, decides who earned what in
 * the income year (fiscal_year - 1) and writes the documents a municipality
 * receives for them, in the real layouts (src/tax/layout.h, one record per
 * line): salary payment reports (315), public pension payment reports (331),
 * returns (JSON) and one-stop donation notices. The household's composition
 * decides who claims whom: the main earner claims the spouse and the
 * dependants the household gives (children, low-income parents).
 *
 * Shape (defaults; docs/tax-layouts.md): about 52% of adults have salary
 * (full-time revenue log-normal, median about 4.6M yen before part-timers,
 * a tail to 30M), about 95% of persons 65+ have a public pension (0.8-3M),
 * about 12% of persons 16+ file a return (self-employed, medical expenses,
 * housing loan first year, many donations, 非課税 declarations), about 8% of
 * salaried people donate to hometowns (one-stop notices when 5 donees or
 * fewer and no return), social insurance about 14.5% of salary, life
 * insurance for about half. A small share of documents are for persons not
 * in the ward (valid My Numbers outside it, an address elsewhere) and a small
 * share misstate the name or birth date, to exercise identity holds.
 *
 * Deterministic: the same config and the same households give byte-identical
 * output. Integer arithmetic only; xoshiro256** (synth_rng) as in synth.c.
 */
#ifndef ATENA_SANDBOX_SYNTH_TAX_H
#define ATENA_SANDBOX_SYNTH_TAX_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/strbuf.h"
#include "sandbox/synth.h"

typedef struct synth_tax_config {
	uint64_t seed;
	int fiscal_year;            /* 年度; 0 = 2025 (synth's default as_of 2025-01-01 is its 賦課期日) */
	const char *municipality;   /* the ward (提出先); NULL = SYNTH_DEFAULT_MUNICIPALITY */
	/* Shares, 0..1 (kept to 1/1000). synth_tax_config_defaults sets them. */
	double share_salary;            /* adults (18+) with salary */
	double share_pension;           /* persons 65+ with a public pension */
	double share_return;            /* persons 16+ filing a return */
	double share_onestop;           /* salaried persons donating to hometowns */
	double share_nonresident_docs;  /* households adding a document for a non-resident */
	double share_mismatch;          /* documents misstating name or birth date */
} synth_tax_config;

void synth_tax_config_defaults(synth_tax_config *cfg);

typedef struct synth_tax_stats {
	size_t households, salary, pension, returns, onestop;
	size_t nonresident;   /* documents for persons not in the ward */
	size_t mismatched;    /* documents with a misstated name or birth date */
} synth_tax_stats;

typedef struct synth_tax synth_tax;

/* Validates the config (naming the field). */
int synth_tax_new(const synth_tax_config *cfg, synth_tax **out, at_error *err);
void synth_tax_free(synth_tax *g);

/* Append the documents of household h, one line each ending in '\n', to the
 * buffer of their kind; a NULL buffer skips that kind (its draws still
 * happen, so the other kinds do not change). */
int synth_tax_household(synth_tax *g, const synth_household *h, strbuf *salary, strbuf *pension,
			strbuf *returns, strbuf *onestop, at_error *err);

const synth_tax_stats *synth_tax_get_stats(const synth_tax *g);

#endif
