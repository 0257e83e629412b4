/* Internal to the tax module (tax*.c): shared helpers. */
#ifndef ATENA_TAX_TAX_INT_H
#define ATENA_TAX_TAX_INT_H

#include "core/strbuf.h"
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

#endif
