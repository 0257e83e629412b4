/*
 * law — the individual resident tax's law as data (DESIGN.md principle 5).
 *
 * One data file per fiscal year (data/tax/law/fyYYYY.json: income tables,
 * deductions, non-taxable limits, credits, rounding) and one per
 * municipality (data/tax/municipalities/CODE.json: rates, 均等割, 級地,
 * installment rounding), each value next to the article it comes from
 * (docs/tax-law.md). The files are built into the binary and validated on
 * load: a missing key, an unknown key, a wrong type, a negative amount or a
 * table out of order is an error naming the file and the key path
 * ("law/fy2024.json: deductions.basic.bands[1].amount: ..."), never a
 * silent zero.
 *
 * A loaded tax_law is read-only and may be shared by any number of threads.
 */
#ifndef ATENA_TAX_LAW_H
#define ATENA_TAX_LAW_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/error.h"

typedef struct tax_law tax_law;

/* Load the data built into the binary (data/tax/ at build time). */
int tax_law_load_builtin(tax_law **out, at_error *err);
/* Load the same layout from disk: dir/law/fyYYYY.json, dir/municipalities/CODE.json. */
int tax_law_load_dir(const char *dir, tax_law **out, at_error *err);
void tax_law_free(tax_law *law);

bool tax_law_has_year(const tax_law *law, int fiscal_year);
bool tax_law_has_municipality(const tax_law *law, const char *code);
/* "目黒区"; NULL when the municipality is not in the data. */
const char *tax_law_municipality_name(const tax_law *law, const char *code);
/* Ordinary-collection installment rounding unit in yen (100 or 1000);
 * the remainder goes to the first installment (地方税法 20条の4の2第6項).
 * 0 when the municipality is not in the data. */
int64_t tax_law_installment_unit(const tax_law *law, const char *code);
/* The collection rules of a fiscal year (section "collection" of its file):
 * pension special collection applies from this age on April 1 and this
 * yearly pension revenue (地方税法321条の7の2第1項); corrections are possible
 * for this many years from the statutory due date (17条の5第1項).
 * -1 when the year is not in the data. */
typedef struct tax_collection_law {
	int pension_special_min_age;
	int64_t pension_special_min_revenue;
	int correction_period_years;
} tax_collection_law;
int tax_law_collection(const tax_law *law, int fiscal_year, tax_collection_law *out);

/* {"years":[...], "municipalities":[...]} for `atena tax law`. */
json_t *tax_law_describe(const tax_law *law);

#endif
