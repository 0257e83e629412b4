/*
 * door — the one access layer. Every read and write of a declared file goes
 * through here (DESIGN.md principle 2); the tables behind it are `sp_` tables
 * that no business connection can name (store.h).
 *
 * A door is one unit of work for one request: a store transaction plus the
 * request's context (staff, terminal, business, reason, case). Opening it
 * checks that the business and reason are given and that the staff member
 * holds a current grant for the business; each operation then
 *  - accepts only items the business may update, validated by declared type
 *    (My Number by its check digit), encrypting declared-encrypted items;
 *  - returns only items the business may view, masking My Number unless the
 *    business is number-using (番号法 9条; seed 000 §4 「個人番号利用事務実施者
 *    のみ個人番号を参照できる」);
 *  - keeps every previous version: a change adds a version, a removal sets
 *    the record's state to "removed" (除票), nothing is overwritten;
 *  - holds corrections and removals of files declared four-eyes as pending
 *    until another staff member with an update grant approves them;
 *  - appends the audit event in the same transaction.
 * A refusal rolls back what the door did and records the refusal in the log.
 *
 * Typical use:
 *     door *d;
 *     if (door_open(s, kr, &ctx, DOOR_WRITE, &d, &err)) return -1;
 *     if (door_create(d, "test_file", subject, items, &id, &err)) { door_abort(d); return -1; }
 *     return door_commit(d, &err);
 */
#ifndef ATENA_POLICY_DOOR_H
#define ATENA_POLICY_DOOR_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/error.h"
#include "crypto/crypto.h"
#include "store/store.h"

#define DOOR_MASK "************"   /* what a My Number looks like outside number-using business */
#define DOOR_FIND_MAX 500          /* most records one search returns */

/* Who is asking, from where, under which business and why. */
typedef struct door_ctx {
	const char *staff_id;
	const char *department;
	const char *terminal_id;
	const char *business;   /* required: the business the request acts under */
	const char *reason;     /* required: why (free text, 1..200 characters) */
	const char *case_id;    /* optional: application or case number */
} door_ctx;

typedef enum { DOOR_READ = 1, DOOR_WRITE = 2 } door_mode;
typedef enum { DOOR_EXACT = 1, DOOR_PREFIX = 2 } door_match;

typedef struct door door;

/* ---- Unit of work ---------------------------------------------------- */
/* Checks ctx and the grant (view for DOOR_READ, update for DOOR_WRITE) and
 * begins the transaction. A refusal is audited and returned (400/403). */
int door_open(store *s, const keyring *kr, const door_ctx *ctx, door_mode mode, door **out,
	      at_error *err);
int door_commit(door *d, at_error *err);     /* commits and frees */
void door_abort(door *d);                    /* rolls back and frees */
/* Record an event that is not a data access (e.g. a refused request) inside
 * this unit of work. */
int door_note(door *d, const char *operation, const char *outcome, const char *subject,
	      const char *detail, at_error *err);
/* The business's own tables (never the spine's), inside the same transaction. */
store *door_store(door *d);

/* ---- Records of declared files ---------------------------------------- */
/* items: object of item id -> value. Unknown items, items the business may
 * not update and values that break the item's type are refused, naming the item. */
int door_create(door *d, const char *file, const char *subject, json_t *items,
		int64_t *record_id, at_error *err);
/* {"record_id","file","subject","state","version","updated_at","items":{...}} */
int door_read(door *d, const char *file, int64_t record_id, json_t **out, at_error *err);
/* Every version, oldest first, each shaped like door_read's result plus "op",
 * "made_by", "approved_by". */
int door_history(door *d, const char *file, int64_t record_id, json_t **out, at_error *err);

/* Returns 0 when applied, 1 when held for four-eyes (*pending_id set), -1 on error. */
int door_update(door *d, const char *file, int64_t record_id, json_t *items,
		int64_t *pending_id, at_error *err);
/* Removal (除票): the record stays, state "removed" with the reason. Same
 * return convention as door_update. */
int door_remove(door *d, const char *file, int64_t record_id, const char *removal_reason,
		int64_t *pending_id, at_error *err);

/* Search by one indexed item. Returns a JSON array of records shaped like
 * door_read's. When more than one record matches, no my_number-class item
 * is returned at all, masked or not. */
int door_find(door *d, const char *file, const char *item, const char *value, door_match match,
	      int limit, json_t **out, at_error *err);

/* ---- Four-eyes -------------------------------------------------------- */
/* Pending changes of files the business may update, oldest first. */
int door_pending_list(door *d, json_t **out, at_error *err);
/* Approve applies the change as a new version (made by the maker, approved by
 * this staff member); reject closes it. The maker cannot decide their own. */
int door_pending_decide(door *d, int64_t pending_id, bool approve, const char *note,
			at_error *err);

#endif
