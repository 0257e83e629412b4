/*
 * decl — declarations as data: businesses, declared files, record items and
 * which business may view or update which items (DESIGN.md principle 1).
 *
 * Declarations are JSON files under declarations/ in the repository, built
 * into the binary and loaded into the database at `atena init` and at every
 * start (idempotently; a changed declaration is an upgrade, recorded with its
 * version). Enforcement (door.h), audit, retention and the generated privacy
 * impact assessment all read these same tables.
 *
 * Format of one declaration document:
 *   {"module": "spine", "version": 1,
 *    "businesses": [{"id", "name_ja", "legal_basis", "number_using"}],
 *    "files": [{"id", "name_ja", "business", "owner": "registry" | null, "own_tables",
 *               "description", "four_eyes": ["correct","remove"],
 *               "retention": {"live": "...", "removed_years": N, "citation": "..."},
 *               "items": [{"id", "name_ja", "label_ja", "type", "class", "encrypted", "indexed",
 *                          "search": "kana", "retention_years", "note",
 *                          "codes", "check", "pattern", "min", "not_future"}]}],
 *    "permissions": [{"business", "file", "access": "view"|"update",
 *                     "items": "*" | ["item", ...]}]}
 * Item types: text, kana, date, integer, boolean, my_number, digits:N.
 * Item classes: my_number, basic4, sensitive, general.
 * "search": "kana" indexes the item under its kana search key (core/kana.h),
 * so prefix search ignores katakana/hiragana, width and voicing marks.
 * four_eyes names the ex officio acts held for a second person: "create"
 * (職権記載), "correct" (職権修正), "remove" (職権消除).
 * "owner" (required) is the module that alone writes the file through the
 * door (door.h owner modules), null for a file no module owns (the generic
 * records API writes it); "own_tables": true says the owner keeps the data in
 * its own tables, so the door holds no records of it for anyone.
 * "label_ja" is the shorter name a screen shows (web/labels.js reads it from
 * GET /api/v1/declarations), name_ja when absent.
 * Value rules, enforced by the door on every write and exact search:
 *   "codes": {"1": "男", "2": "女"}  the value is one of the codes (labels for screens)
 *   "check": "municipality_code"      6 digits with the JIS X 0402 check digit
 *   "pattern": "^[0-9]{3}-[0-9]{4}$"  a POSIX extended regular expression
 *   "min": N                          at least N characters (text, kana)
 *   "not_future": true                a date not after today (e.g. birth dates)
 * A file declares at most 256 items; a larger one is refused, never cut.
 * Unknown keys anywhere are refused, naming the field.
 */
#ifndef ATENA_POLICY_DECL_H
#define ATENA_POLICY_DECL_H

#include <jansson.h>
#include <stdbool.h>

#include "core/error.h"
#include "store/store.h"

/* Validate one declaration document (as JSON text); does not touch the store. */
int decl_validate(const char *json_text, const char *source, at_error *err);
/* Load every built-in declaration document into the store (spine migration
 * must have run). Idempotent. */
int decl_load_builtin(store *s, at_error *err);
/* Load one document (used by tests and by business modules' own declarations). */
int decl_load(store *s, const char *json_text, const char *source, at_error *err);

/* Lookups. */
bool decl_business_exists(store *s, const char *business);
/* Whether business is number-using (番号法 9条): 0 with *out set, or -1 when
 * the store could not say. */
int decl_business_number_using(store *s, const char *business, bool *out, at_error *err);
bool decl_file_exists(store *s, const char *file);
/* All declarations as one JSON document (for the API and the future PIA). */
int decl_export(store *s, json_t **out, at_error *err);

#endif
