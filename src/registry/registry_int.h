/*
 * registry_int — what the registry's files share: value checks against the
 * declaration, person lookups, the module's own tables (counters, person
 * map, outbox) and the era-date helper. Not part of the interface (registry.h).
 */
#ifndef ATENA_REGISTRY_INT_H
#define ATENA_REGISTRY_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/date.h"
#include "core/error.h"
#include "core/wareki.h"
#include "policy/door.h"
#include "registry/registry.h"
#include "store/store.h"

#define REG_HOUSEHOLDER "世帯主"    /* the householder's 続柄 */

/* ---- Items of the declared file -----------------------------------------
 * The declaration (declarations/registry.json) is the one item table: types,
 * lengths and value rules (codes, check digits, not_future) are the door's
 * (door_check_value), so a body is checked with errors naming the body's own
 * field ("persons[0].birth_date") before anything is written, exactly as the
 * write will check it. */
/* v is a valid value of item `id` (null: clears it); errors name `field`. */
int reg_check_value(door *d, const char *id, json_t *v, const char *field, at_error *err);
/* id is an item of the register's declaration. */
bool reg_is_item(door *d, const char *id);
/* A string field of obj checked as item `item`: 0 absent (when !required),
 * 1 present (*out set), -1 error naming path.key. */
int reg_field(door *d, json_t *obj, const char *path, const char *key, const char *item,
	      bool required, const char **out, at_error *err);
/* A date field: same convention; *dt and s[11] set when present. */
int reg_date_field(door *d, json_t *obj, const char *path, const char *key, bool required,
		   at_date *dt, char s[11], at_error *err);
bool reg_is_addressee_no(const char *s);

/* ---- People -------------------------------------------------------------- */
typedef struct reg_person {
	json_t *rec;            /* door_read's record (owned) */
	json_t *items;          /* its items (borrowed) */
	int64_t record_id;
	char addressee_no[11];
} reg_person;

/* The record id of an addressee number: 0 found, 1 no such person, -1 error. */
int reg_record_id(door *d, const char *addressee_no, int64_t *rid, at_error *err);
/* Read the person's current record; 404 naming `field` when there is none. */
int reg_read(door *d, const char *addressee_no, const char *field, reg_person *p, at_error *err);
/* reg_read with an item projection (door_read_items; NULL: every item). */
int reg_read_items(door *d, const char *addressee_no, const char *field,
		   const char *const *items, reg_person *p, at_error *err);
void reg_person_free(reg_person *p);
/* An item of a record's items as text ("" when absent or not a string). */
const char *reg_str(json_t *items, const char *id);
const char *reg_state(json_t *rec);
/* Active members of a household (door_find's records), householder first. */
int reg_household(door *d, const char *household_no, json_t **members, at_error *err);
/* The household's active members, householder first, with only `items`
 * (NULL: all the business may view; a list must name relationship, which
 * orders them). Without include_removed, removed records are left out of the
 * search itself, so they are not logged as seen when they are not used. */
int reg_household_items(door *d, const char *household_no, const char *const *items,
			bool include_removed, json_t **members, at_error *err);
/* Records (any state) holding value under an indexed item: 0 none, 1 some,
 * -1 error. Each carries its header (state, subject = addressee number) and
 * the addressee_no item only: a check of existence reads nothing else.
 * A write unit's own check (door_check_items): a miss records nothing. */
int reg_any_record(door *d, const char *item, const char *value, json_t **found, at_error *err);

/* ---- The module's own tables ------------------------------------------ */
int reg_counter_next(store *s, const char *name, int64_t *out, at_error *err);
/* Keep counter `name` at v or above, so numbers given explicitly (a data load,
 * a migration batch) are never assigned again. */
int reg_counter_at_least(store *s, const char *name, int64_t v, at_error *err);
int reg_map_person(store *s, const char *addressee_no, int64_t record_id, at_error *err);
int reg_outbox_add(store *s, int64_t event_id, const char *type, const char *addressee_no,
		   const char *household_no, const char *event_date, at_error *err);

/* 住基法30条の45 表: the items a foreign resident's category must record (a
 * 中長期在留者: status, period and expiry of stay, residence card number —
 * except a 永住者, whose period is 無期限 (入管法施行規則 別表第二); a
 * 特別永住者: the certificate number), and an expiry not before `on` (a person
 * whose stay has ended is not a foreign resident). Errors name path.item. */
int reg_foreign_rules(json_t *items, const char *path, at_date on, at_error *err);

/* "令和8年11月22日" for an ISO date, "" when it is not one. */
void reg_wareki(const char *iso, char out[WAREKI_MAX]);

#endif
