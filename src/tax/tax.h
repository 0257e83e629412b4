/*
 * tax — the individual resident tax business (個人住民税), seeds 000 (目黒区)
 * and 004 (所沢市): the roll of persons to tax on January 1 (賦課期日), intake
 * of source documents and matching (名寄せ), the annual assessment batch,
 * collection schedules, corrections (更正) and the data of its notices and
 * certificates. The law and the computation are in tax/law.h and
 * tax/engine.h; file layouts in tax/layout.h; schedules in tax/schedule.h.
 *
 * Storage. The tax file (個人住民税ファイル, declarations/tax.json) is held
 * in the module's own tables, keyed by the addressee number (宛名番号) and
 * holding no name, address or My Number in the clear:
 *   tax_roll        persons to tax per fiscal year (from the register via the
 *                   door, or registered as non-residents 住登外), with blind
 *                   indexes of My Number and name for matching;
 *   tax_doc         every source document, its original record sealed
 *                   (XChaCha20-Poly1305 under the key file), its status;
 *   tax_forward     the forwarding log (回送): only the log, never the
 *                   document (seed 004 §4);
 *   tax_assessment  one row per assessment version (initial, corrections),
 *                   with the result amounts, collection method, schedule
 *                   and the difference from the previous version;
 *   tax_dependant_claim  who claimed which dependant (二重扶養, seed 004 §1).
 * The bulk path (a million documents in one spring) cannot afford one door
 * record version per document, so the module keeps its file itself; the
 * door still checks the grant of every request (door_open for business
 * "individual_resident_tax") and every access is audited through door_note
 * with the person's addressee number as subject: a resident can be shown
 * that the batch assessed them, who ran it and why, and who looked at the
 * result. Names and addresses for notices are read from the register through
 * the door at the time the notice is made.
 *
 * Every function takes a door opened by the caller for TAX_BUSINESS (READ for
 * views, WRITE for changes) and the key ring; the caller commits or aborts.
 * tax_assess opens its own doors, one per chunk, so that it can be restarted.
 */
#ifndef ATENA_TAX_TAX_H
#define ATENA_TAX_TAX_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/error.h"
#include "crypto/crypto.h"
#include "documents/documents.h"
#include "policy/door.h"
#include "store/store.h"
#include "tax/law.h"
#include "tax/layout.h"

#define TAX_BUSINESS "individual_resident_tax"

/* The module's tables. Call once at start after platform_open; idempotent. */
int tax_migrate(store *s, at_error *err);

/* The tax module's owner handle (door.h), defined in tax_owner.c. Its file
 * (individual_resident_tax) is kept in the module's own tables, so the door
 * holds no records of it for anyone; the handle says which module is acting.
 * tax_init registers it: once at startup (idempotent). */
extern const door_owner tax_owner;
int tax_init(at_error *err);

/* ---- The roll (課税対象者) --------------------------------------------- *
 * Build the roll of fiscal_year from the resident register: every person
 * whose record shows residence here on January 1 of fiscal_year (住民登録,
 * 地方税法294条1項1号, 39条 賦課期日), and every other person the register
 * knows (moved in after, moved out or died before) as "not resident" so that
 * documents about them are forwarded, not taxed. Reads each record through
 * the door (the door must be opened for TAX_BUSINESS, which may view the
 * register's identity items: declarations/registry.json), so each person
 * read is audited. Idempotent: a second run updates changed rows.
 * *summary: {"fiscal_year","residents","not_resident"}. */
int tax_roll_build(door *d, const keyring *kr, int fiscal_year, json_t **summary,
		   at_error *err);

/* One roll entry given directly (migration from the previous system, and
 * the benchmark's 庁内連携 extract). resident=false marks a known non-resident. */
typedef struct tax_roll_person {
	const char *addressee_no;        /* 10 digits */
	const char *my_number;           /* 12 digits or NULL */
	const char *name;                /* as registered */
	const char *name_kana;
	at_date birth_date;
	const char *household_no;
	bool resident;                   /* resident on January 1 */
	const char *elsewhere;           /* municipality on January 1 when not resident, or NULL */
} tax_roll_person;
int tax_roll_put(door *d, const keyring *kr, int fiscal_year, const tax_roll_person *p,
		 at_error *err);
/* Before many tax_roll_put calls (a migration's load of the roll): size the
 * door's connection for a bulk run, as tax_roll_build, tax_intake and the
 * batch do themselves (a large page cache: issue 10 §2). */
int tax_roll_bulk(door *d, at_error *err);

/* ---- Intake and matching (名寄せ) -------------------------------------- *
 * Load a file of documents of one kind (lines in the layout of tax/layout.h).
 * All records are parsed first: one bad record refuses the whole file, naming
 * the line and column, and nothing is written. Then each record is
 *  - skipped when the same record (record_id) was loaded before (idempotent);
 *  - forwarded (回送: only a log row is kept) when it is addressed to another
 *    municipality or the person was not resident here on January 1;
 *  - matched to a roll person by My Number plus name and birth date; a
 *    number that matches with a different name or birth date is held for
 *    identity confirmation, never merged (seed 000 §4); a number nobody on
 *    the roll has is held as "not_found" (税務調査, seed 000 §1.4);
 *  - superseding an earlier document of the same kind from the same payer
 *    for the same person (訂正分), which is kept as "superseded".
 * A matched document after the person was assessed marks them for
 * reassessment (更正, tax_reassess).
 * *summary: {"kind","fiscal_year","records","matched","held","forwarded",
 *            "duplicates","superseded","double_dependants"}. */
int tax_intake(door *d, const keyring *kr, int fiscal_year, tax_doc_kind kind,
	       const char *data, size_t len, json_t **summary, at_error *err);

/* Lists that stop at a limit say so and can continue (STYLE.md: no silent
 * caps): a page starts after the cursor `after` (0: from the start) and holds
 * at most `limit` entries (0: the list's maximum below); the answer's
 * "truncated" is true when more follow, and "next_after" is the cursor to pass
 * for the next page (null on the last). A NULL page is the first, full one. */
typedef struct tax_page {
	int64_t after;
	int64_t limit;
} tax_page;
#define TAX_HOLDS_MAX 1000         /* held documents per page */
#define TAX_FORWARDING_MAX 10000   /* forwarding-log rows per page */
#define TAX_EMPLOYEES_MAX 10000    /* employees per employer notice (one document) */

/* Held documents, by doc_id: {"held":[{"doc_id","kind","reason","payer_id",
 * "addressee_no"?,"loaded_at"}...],"truncated","next_after"}. */
int tax_holds(door *d, int fiscal_year, const tax_page *page, json_t **out, at_error *err);
/* Decide a held document:
 *   {"action":"confirm","addressee_no"}   identity confirmed → matched to them
 *   {"action":"nonresident","kind":"deemed"|"house"}  register a 住登外
 *        taxpayer (deemed resident 地方税法294条3項 taxed in full, or with a
 *        house/office here 294条1項2号: per-capita levy only)
 *   {"action":"forward","destination":"131075"}       回送: log only
 *   {"action":"reject"}                                 not ours, kept as rejected */
int tax_hold_decide(door *d, const keyring *kr, int64_t doc_id, json_t *decision,
		    json_t **result, at_error *err);
/* The forwarding log, in order: {"forwarded":[{"seq","kind","record_id",
 * "payer_id","destination","reason","forwarded_at","addressee_no"?}...],
 * "truncated","next_after"}. */
int tax_forwarding(door *d, int fiscal_year, const tax_page *page, json_t **out, at_error *err);
/* 二重扶養: dependants claimed by more than one taxpayer:
 * [{"dependant_key","claimants":["addressee_no",...]}]. */
int tax_double_dependants(door *d, int fiscal_year, json_t **out, at_error *err);

/* ---- Assessment -------------------------------------------------------- *
 * The annual batch: every roll person of fiscal_year (residents and 住登外)
 * not yet assessed gets version 1: documents merged into one case, the
 * engine's result, the collection method (salary special, pension special,
 * ordinary), the schedule. Works in chunks of `chunk` persons, each its own
 * door and transaction (ctx must name TAX_BUSINESS), so a crash loses at most
 * the chunk in flight and a rerun continues where it stopped without doing
 * anything twice. A rerun after the batch finished assesses whoever was put
 * on the roll since (a 住登外 registered from a held document) and no one
 * else. *summary: {"fiscal_year","assessed","taxable","non_taxable",
 * "special","ordinary","pension","total_tax","chunks"} (the counts are of this
 * run; persons assessed by an earlier run are not counted again). */
int tax_assess(store *s, const keyring *kr, const door_ctx *ctx, const tax_law *law,
	       int fiscal_year, int chunk, json_t **summary, at_error *err);
/* Corrections (更正, 地方税法17条の5): re-assess every person whose documents
 * changed after their last assessment, as a new version with the difference
 * and a revised schedule (installments already due keep their amounts).
 * Refused for a fiscal year past the statutory period. `today` is today.
 * All marked persons are done, `chunk` at a time (0: TAX_REASSESS_CHUNK),
 * each chunk its own door and transaction like tax_assess; after a failure
 * the chunks before it stay done and a rerun does the rest. Once the year's
 * annual batch has run, a roll person with no assessment yet first gets
 * version 1 as the batch gives it ("assessed"; before it, they are the
 * batch's).
 * *summary: {"fiscal_year","assessed","reassessed","chunks","additional","refund",
 *            "employers":[payer ids],"persons":[{"addressee_no","version",
 *            "annual_tax","difference"}]} */
#define TAX_REASSESS_CHUNK 10000
int tax_reassess(store *s, const keyring *kr, const door_ctx *ctx, const tax_law *law,
		 int fiscal_year, at_date today, int chunk, json_t **summary, at_error *err);

/* A person's assessments of a fiscal year, every version, newest first:
 * {"addressee_no","fiscal_year","versions":[{"version","reason","annual_tax",
 *  "difference","method","payer_id","schedule":[...],"result":{engine output},
 *  "base":{case},"documents":[...],"created_at"}]}. Audited. */
int tax_person(door *d, const keyring *kr, const tax_law *law, int fiscal_year,
	       const char *addressee_no, json_t **out, at_error *err);

/* ---- Documents (data for src/documents) ---------------------------------
 * kind: "tax_decision" (税額決定・納税通知書), "special_collection_employee",
 * "tax_certificate" (課税・所得証明書) for a person; the employer's notice
 * with tax_employer_notice. Names and addresses come from the register
 * through the door. */
int tax_document(door *d, const keyring *kr, const tax_law *law, int fiscal_year,
		 const char *addressee_no, const char *kind, json_t **out, at_error *err);
/* The employer's notice lists its employees by addressee number, at most
 * page->limit (0 or a NULL page: TAX_EMPLOYEES_MAX) on one sheet, starting
 * after the addressee number page->after; when more follow, or this sheet
 * follows another, the document carries "sheet": {"continued","continues",
 * "next_after"} (documents/tax_notice.h prints 前葉から続く / 次葉に続く). */
int tax_employer_notice(door *d, const keyring *kr, const tax_law *law, int fiscal_year,
			const char *payer_id, const tax_page *page, json_t **out, at_error *err);
/* The tax document kinds for documents.h's document_kinds_add; tax_document
 * and tax_employer_notice add them themselves. Shapes: tax/tax_notice.h. */
extern const document_kind tax_document_kinds[];

/* Statutory period for corrections (地方税法17条の5第1項: the years of the
 * law data's "collection" section from the statutory due date, the end of
 * June of Y). false for a year without law data. */
bool tax_correctable(const tax_law *law, int fiscal_year, at_date today);

#endif
