/* Internal to the tax module (tax*.c): shared helpers. */
#ifndef ATENA_TAX_TAX_INT_H
#define ATENA_TAX_TAX_INT_H

#include "core/strbuf.h"
#include "policy/municipality.h"
#include "tax/engine.h"
#include "tax/schedule.h"
#include "tax/tax.h"

/* Roll status of a person for a fiscal year. */
#define TAX_ROLL_RESIDENT "resident"              /* 住民登録 on January 1 */
#define TAX_ROLL_NOT_RESIDENT "not_resident"      /* known to the register, elsewhere on Jan 1 */
#define TAX_ROLL_DEEMED "nonresident_deemed"      /* 住登外, 地方税法294条3項: taxed in full */
#define TAX_ROLL_HOUSE "nonresident_house"        /* 住登外, 294条1項2号: per-capita levy only */

/* Blind indexes (keyed hashes) the module matches on. */
void tax_bidx_my_number(const keyring *kr, const char *my_number, strbuf *out);
void tax_bidx_name(const keyring *kr, const char *name, strbuf *out);       /* spaces removed */
int tax_bidx_kana(const keyring *kr, const char *kana, strbuf *out, at_error *err); /* kana key */

/* The associated data binding a sealed document to its place. */
void tax_doc_aad(int fiscal_year, int kind, const char *record_id, char out[128]);

/* Open and parse a stored document. */
int tax_doc_load(const keyring *kr, int fiscal_year, int kind, const char *record_id,
		 const char *sealed, tax_doc *out, at_error *err);

/* Audit an access to a person's tax data inside the door's unit of work. */
int tax_note(door *d, const char *operation, const char *subject, int fiscal_year,
	     const char *what, at_error *err);

/* The matching queries, named so that tests/unit/test_tax_plan.c can prove
 * with the engine's plan that they use their index (no index hints: §9). */
extern const char TAX_SQL_ROLL_MATCH[];   /* ? fiscal year, ? fiscal year, ? My Number index */
extern const char TAX_SQL_SUPERSEDE[];
extern const char TAX_SQL_DOUBLE_CLAIMS[];   /* ? fiscal year, ? fiscal year */

/* ---- The assessment's phases (tax_person_case.c, tax_plan.c) -------------
 * Shared by the annual batch (tax_assess.c) and corrections (tax_reassess.c). */

/* What a batch run (the annual batch, corrections) needs before it starts:
 * the municipality's identity, the year's collection law and the unit of
 * its installments. */
typedef struct tax_batch_env {
	at_municipality mu;
	tax_collection_law cl;
	int64_t unit;
} tax_batch_env;
/* Set env up, refusing (naming the field) a year or municipality without law
 * data and a chunk outside 1..100000. */
int tax_batch_setup(store *s, const tax_law *law, int fiscal_year, int chunk, tax_batch_env *env,
		    at_error *err);

/* A roll person as the batch reads them. */
typedef struct tax_roll_row {
	char addressee_no[16];
	char status[24];
	at_date birth;
} tax_roll_row;

/* A person's matched documents. */
typedef struct tax_person_docs {
	tax_doc *docs;
	size_t n, cap;
} tax_person_docs;

/* The documents merged into one case, with what collection needs from them. */
typedef struct tax_merged {
	tax_case c;
	char special_payer[32];      /* 特別徴収義務者 (主たる給与の支払者), "" none */
	bool ordinary_requested;     /* every salary report asked for 普通徴収 */
	int n_salary, n_pension, n_return, n_onestop;
} tax_merged;

/* Load the matched documents of roll persons [first, last] (rows sorted by
 * addressee number) into per-person lists pd[0..nrows). */
int tax_load_docs(store *s, const keyring *kr, int fiscal_year, const char *first,
		  const char *last, const tax_roll_row *rows, size_t nrows, tax_person_docs *pd,
		  at_error *err);
/* One case from a person's documents (the rules: tax_person_case.c). */
void tax_merge(const tax_person_docs *p, int fiscal_year, const char *municipality,
	       at_date birth, tax_merged *m);
/* The result of a 住登外 person with a house or office here: per-capita only
 * (地方税法294条1項2号). */
void tax_house_only(tax_result *r);

/* Who collects what, and the installments. */
typedef struct tax_plan {
	char method[32];
	char payer[32];
	int64_t pension_part;
	tax_installment inst[TAX_SCHEDULE_MAX * 2];
	size_t n;
} tax_plan;

/* Decide the collection method and the schedule (徴収区分, 地方税法321条の7の2,
 * 321条の3, 319条の2) on the municipality's 納期. */
int tax_make_plan(store *s, const char *ano, const tax_collection_law *cl, const tax_merged *m,
		  const tax_result *r, bool house_only, int fiscal_year, int64_t unit,
		  const at_municipality *mu, tax_plan *p, at_error *err);
/* Write an assessment version (never overwriting one). */
int tax_insert_version(store *s, int fiscal_year, const char *ano, int version,
		       const char *reason, const tax_result *r, const tax_plan *p,
		       int64_t difference, int64_t refund, const tax_case *c, at_error *err);
/* What an assessment run of the persons not yet assessed did. */
typedef struct tax_assess_tally {
	int64_t assessed, taxable, nontax, special, ordinary, pension, total;
	int chunks;
} tax_assess_tally;
/* Version 1 ("initial") for every roll person of the year taxed here who has
 * no assessment yet, `chunk` at a time, each chunk its own door and
 * transaction: a failure keeps the chunks before it, and a rerun finds the
 * rest (an assessed person is never taken again). Each version is audited
 * "tax.assess". batch: the annual batch (tax_assess), which keeps its
 * progress in tax_batch and logs its end "tax.assess_batch"; otherwise the
 * persons the annual batch missed, for a correction run (tax_reassess), and
 * none while the year's batch has not run. */
int tax_assess_pending(store *s, const keyring *kr, const door_ctx *ctx, const tax_law *law,
		       const tax_batch_env *env, int fiscal_year, int chunk, bool batch,
		       tax_assess_tally *t, at_error *err);
/* A stored schedule back into installments (at most cap); -1 when it is not one. */
int tax_parse_schedule(const char *text, tax_installment *out, size_t cap, size_t *n);

/* The page cache of a bulk run's connection (store_cache_size): the roll,
 * the intake's matching and the batch look up random keys of tables of a
 * million rows; 128 MiB keeps their indexes in memory (a 30,000-household
 * city took in its documents 2.4 times faster than with SQLite's 2 MiB). */
#define TAX_BULK_CACHE_MIB 128

#endif
