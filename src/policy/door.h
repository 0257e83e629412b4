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
 * A refusal rolls back what the door did. The refusals the door decides
 * itself — at the open (context, grant), a file the business may not use, a
 * write by a module that does not own the file — are written to the log by
 * the door, through the one writer of refusal events (door_log_refusal), and
 * the error is marked audited (at_error.audited). Any other refusal an
 * operation returns (404, a value that breaks a rule) is the caller's to log:
 * module/unit.h does it for every module route and command, and the generic
 * records routes run through the same dispatcher.
 *
 * Typical use — the register finding a person (a module's own code, owner its
 * handle; transports run it through module/unit.h, which opens and ends the
 * door and logs the refusals):
 *     door *d;
 *     if (door_open_owner(s, kr, &ctx, DOOR_READ, owner, &d, &err)) return -1;
 *     door_criterion c = {"addressee_no", ano, DOOR_EXACT};
 *     if (door_search(d, "resident_register", &c, 1, false, 1, &found, NULL, &err)) {
 *             door_abort(d);
 *             return -1;
 *     }
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
	/* Optional: the operation the door serves ("GET /api/v1/...", "cli tax
	 * person") and the person it is about. The refusals the door writes carry
	 * them (NULL: the door's own operation name, no subject), so a refused open
	 * names the person asked about like any other refusal (module/unit.h). */
	const char *operation;
	const char *subject;
} door_ctx;

typedef enum { DOOR_READ = 1, DOOR_WRITE = 2 } door_mode;
/* Why a change is made. A resident's notification (届出) is applied at once;
 * an ex officio act (職権) is held for a second person when the file declares
 * four-eyes for it (decl.h: "create", "correct", "remove"). */
typedef enum { DOOR_NOTIFIED = 1, DOOR_EX_OFFICIO = 2 } door_basis;
typedef enum { DOOR_EXACT = 1, DOOR_PREFIX = 2 } door_match;

typedef struct door door;

/* ---- Owner modules ---------------------------------------------------- */
/* Every declared file names its owner module (decl.h "owner"); only a door
 * opened with that module's handle may create, change or remove its records,
 * set a support measure on them or decide their held changes (DESIGN.md
 * principle 8: only the owner writes it, through the door). A file whose
 * owner keeps the data in its own tables ("own_tables") has no door records
 * at all: every record operation on it is refused. A refusal is 403, audited,
 * and changes nothing.
 *
 * The handle is the address of one static instance per module, defined in the
 * module's folder as `const door_owner <module>_owner` (src/registry,
 * src/tax) and registered at startup; a struct with the same name elsewhere
 * is not the handle. tests/lint/owner_handles.sh keeps other folders from
 * naming it. */
typedef struct door_owner {
	const char *module;   /* the module name files declare as "owner" */
} door_owner;
/* At startup, before any door is opened with it. Registering the same handle
 * again is a no-op; a second, different handle for the same module name is
 * refused (409), as is a name that is not an identifier (400). */
#define DOOR_MAX_OWNERS 32
int door_register_owner(const door_owner *o, at_error *err);

/* ---- Unit of work ---------------------------------------------------- */
/* Checks ctx and the grant (view for DOOR_READ, update for DOOR_WRITE) and
 * begins the transaction. A refusal is audited and returned (400/403).
 * owner: the handle of the module acting (NULL: no module — the generic
 * records routes, which may write only files no module owns); a handle that
 * was never registered is refused (500). */
int door_open_owner(store *s, const keyring *kr, const door_ctx *ctx, door_mode mode,
		    const door_owner *owner, door **out, at_error *err);
/* door_open_owner(..., NULL, ...). */
int door_open(store *s, const keyring *kr, const door_ctx *ctx, door_mode mode, door **out,
	      at_error *err);
int door_commit(door *d, at_error *err);     /* commits and frees */
void door_abort(door *d);                    /* rolls back and frees */
/* Record an event that is not a data access inside this unit of work. */
int door_note(door *d, const char *operation, const char *outcome, const char *subject,
	      const char *detail, at_error *err);
/* Record a refusal (outcome "denied") that must reach the log even though the
 * caller will now abort: it is appended inside the unit of work and, if the
 * door is aborted, appended again after the rollback in a transaction of its
 * own. Alerts for support-measure records are kept the same way. */
int door_note_refusal(door *d, const char *operation, const char *subject, const char *detail,
		      at_error *err);
/* Whether this unit of work has written a refusal (door_note_refusal or one
 * the door decided): the dispatcher then writes no second one (module/unit.h). */
bool door_refusal_written(const door *d);
/* The one writer of refusal events, in a transaction of its own: outcome
 * "denied" for 403 and 429 and "invalid" otherwise, the context of c,
 * operation and subject ("" nobody), detail "<code> <field>" (never the message, which may
 * quote input). Marks e audited. Every refusal the door, the dispatcher
 * (module/unit.h) and the transports log is written here. */
int door_log_refusal(store *s, const door_ctx *c, const char *operation, const char *subject,
		     at_error *e, at_error *err);
/* The business's own tables (never the spine's), inside the same transaction. */
store *door_store(door *d);
/* The mode the door was opened in: DOOR_WRITE means its staff member held an
 * update grant for its business when it opened (an act that needs more than a
 * view, such as issuing a certificate, checks it). */
door_mode door_mode_of(const door *d);

/* ---- Records of declared files ---------------------------------------- */
/* items: object of item id -> value. Unknown items, items the business may
 * not update and values that break the item's type are refused, naming the item. */
int door_create(door *d, const char *file, const char *subject, json_t *items,
		int64_t *record_id, at_error *err);
/* The general form of create: `event` ([a-z_]{1,32}, e.g. "move_in", "birth")
 * is recorded as the version's op. Returns 0 when applied, 1 when held for
 * four-eyes (the record exists in state "pending" and *pending_id is set),
 * -1 on error. door_create is door_create_as(..., "create", DOOR_NOTIFIED). */
int door_create_as(door *d, const char *file, const char *subject, json_t *items,
		   const char *event, door_basis basis, int64_t *record_id, int64_t *pending_id,
		   at_error *err);
/* Whether this door may write `file` at all (access, owner, own tables),
 * before its caller reads a body: a refusal is the door's own, logged under
 * `operation` and the person of record_id (> 0; its absence is a 404 as a
 * write's would be) or else `subject` ("" if not yet known). */
int door_check_write(door *d, const char *file, int64_t record_id, const char *operation,
		     const char *subject, at_error *err);
/* {"record_id","file","subject","state","version","updated_at","support_measure",
 *  "items":{...}}; state is active, removed (除票), pending or rejected. */
int door_read(door *d, const char *file, int64_t record_id, json_t **out, at_error *err);
/* Item projection (DESIGN.md principle 9: the log records what was actually
 * returned). door_read with `items` a NULL-terminated list of item ids: only
 * those the business may view are decrypted, returned and logged as seen (the
 * audit event's items). NULL means every item the business may view
 * (door_read, the generic routes); an empty list or an undeclared item is
 * refused (400). A view asks for exactly what it shows. */
int door_read_items(door *d, const char *file, int64_t record_id, const char *const *items,
		    json_t **out, at_error *err);
/* The record as door_read gives it (items empty) plus "versions": every
 * version, oldest first, {"version","op","made_by","made_at","approved_by","items"}. */
int door_history(door *d, const char *file, int64_t record_id, json_t **out, at_error *err);
/* door_history with an item projection (as door_read_items). The "history"
 * event names every item any returned version showed. */
int door_history_items(door *d, const char *file, int64_t record_id, const char *const *items,
		       json_t **out, at_error *err);

/* Change items of an active record (null clears an item). Returns 0 when
 * applied, 1 when held for four-eyes (*pending_id set), -1 on error. */
int door_change(door *d, const char *file, int64_t record_id, json_t *items, const char *event,
		door_basis basis, int64_t *pending_id, at_error *err);
/* A correction: door_change(..., "correct", DOOR_EX_OFFICIO, ...). */
int door_update(door *d, const char *file, int64_t record_id, json_t *items,
		int64_t *pending_id, at_error *err);
/* Removal (除票): the record stays, state "removed" with the reason. Same
 * return convention as door_change. */
int door_remove_as(door *d, const char *file, int64_t record_id, const char *removal_reason,
		   const char *event, door_basis basis, int64_t *pending_id, at_error *err);
/* door_remove_as that also writes items (null clears one) in the removed
 * version — the removal's own facts (除票区分, 除票異動日, ...), held with it
 * when the removal is held. items may be NULL. */
int door_remove_with(door *d, const char *file, int64_t record_id, json_t *items,
		     const char *removal_reason, const char *event, door_basis basis,
		     int64_t *pending_id, at_error *err);
/* An ex officio removal: door_remove_as(..., "remove", DOOR_EX_OFFICIO, ...). */
int door_remove(door *d, const char *file, int64_t record_id, const char *removal_reason,
		int64_t *pending_id, at_error *err);

/* Support measure (支援措置, DV/stalking victims): while set, every view of
 * the record — read, history, a search hit — also writes an "alert" event,
 * and the record says "support_measure": true so that issuing code refuses
 * third-party requests. Setting and clearing are audited. */
int door_set_support_measure(door *d, const char *file, int64_t record_id, bool on,
			     at_error *err);
/* The alert follows the person, whichever business reads them: a module that
 * shows a person from its own tables (own_tables: the tax assessment) calls
 * this when it shows them. If any door record of the person (subject) is
 * under a support measure, the same "support_measure_view" alert a door read
 * raises is written, kept through an abort; otherwise nothing. `how` names
 * what was shown ("tax assessment"). Says nothing about the person to the
 * caller. The module still writes its own event of the view. */
int door_note_subject_read(door *d, const char *subject, const char *how, at_error *err);

/* Search by one indexed item. Returns a JSON array of records shaped like
 * door_read's. When more than one record matches, no my_number-class item
 * is returned at all, masked or not. */
int door_find(door *d, const char *file, const char *item, const char *value, door_match match,
	      int limit, json_t **out, at_error *err);

/* Search by several indexed items at once; SQLite intersects them, so only
 * the records returned are loaded and logged as seen. Removed records (除票)
 * only with include_removed. *truncated (may be NULL) says more matched than
 * limit. Same result shape and My Number rule as door_find, which is
 * door_search with one criterion and include_removed. */
#define DOOR_SEARCH_MAX_CRITERIA 8
typedef struct door_criterion {
	const char *item;
	const char *value;
	door_match match;
} door_criterion;
int door_search(door *d, const char *file, const door_criterion *criteria, size_t n,
		bool include_removed, int limit, json_t **out, bool *truncated, at_error *err);
/* door_search with an item projection (as door_read_items): each result
 * carries, and its "search_result" event logs, only the projected items. */
int door_search_items(door *d, const char *file, const door_criterion *criteria, size_t n,
		      bool include_removed, int limit, const char *const *items, json_t **out,
		      bool *truncated, at_error *err);
/* door_search_items in the order of the records' subjects (for the register,
 * the addressee number), only those after after_subject ("" from the start):
 * a list that pages, resumed with the last subject shown. */
int door_search_after(door *d, const char *file, const door_criterion *criteria, size_t n,
		      bool include_removed, int limit, const char *const *items,
		      const char *after_subject, json_t **out, bool *truncated, at_error *err);
/* A write unit's own look-up (is this My Number already a resident's?), as
 * door_search_items with up to DOOR_FIND_MAX results: it is part of the write
 * it checks, so it writes no "search" event and a miss records nothing; each
 * person found gets one "check" event, kept through an abort (issue 10 §2:
 * one event per person per operation). Refused (500) in a read unit, where a
 * look-up is the staff member's search. */
int door_check_items(door *d, const char *file, const door_criterion *criteria, size_t n,
		     bool include_removed, const char *const *items, json_t **out,
		     at_error *err);

/* Search volume (issue 9 §5). Every search of a read unit of work counts
 * against its staff member: one search, and each person it lists once per
 * window (a write's own look-ups do not count). Past the alert level the door
 * writes one "search_volume" event of outcome alert per staff member and
 * window; a search that would pass the refusal level is refused (429
 * search_volume, audited, field "search") and lists nobody. The counts are
 * kept in the store, so a restart forgets nothing. The limits are data:
 * data/policy/search_volume.json, built in. */
typedef struct door_search_limits {
	int64_t window_seconds;                  /* fixed windows from the epoch, 60..86400 */
	int64_t alert_searches, alert_people;    /* alert once when a count passes these */
	int64_t refuse_searches, refuse_people;  /* refuse a search that would pass these */
} door_search_limits;
/* The limits in force: the data file's (a file that breaks a rule: 500,
 * naming the field), or what door_search_limits_use set. */
int door_search_limits_get(door_search_limits *out, at_error *err);
/* Other limits for this process, checked by the same rules (400 naming the
 * field). The server and the CLI never call it: for the benchmarks, which
 * measure the search path at rates no staff member may search, and tests. */
int door_search_limits_use(const door_search_limits *l, at_error *err);

/* A value of `item` of `file` validated against the item's declaration
 * exactly as a write would (declared type and length, My Number check
 * digit, value rules: codes, check, pattern, min, not_future), with errors
 * naming the caller's `field` (e.g. "persons[0].sex") — so a module checks a
 * request body against the one declaration before it writes. null passes
 * (it clears an item). An undeclared item is refused (400 unknown_field);
 * nothing is read or logged. */
int door_check_value(door *d, const char *file, const char *item, json_t *v, const char *field,
		     at_error *err);

/* ---- Four-eyes -------------------------------------------------------- */
/* Pending changes of files the business may update, oldest first. Each entry
 * shown is logged as seen (a "pending_entry" event naming its subject and
 * exactly the items returned, plus an alert when the record is under a
 * support measure), as a search result is; when the list holds more than one
 * entry no my_number-class item is returned, masked or not (door_search). */
int door_pending_list(door *d, json_t **out, at_error *err);
/* Approve applies the change as a new version (made by the maker, approved by
 * this staff member); reject closes it. The maker cannot decide their own. */
int door_pending_decide(door *d, int64_t pending_id, bool approve, const char *note,
			at_error *err);
/* The owner module of the file an open pending change belongs to, into
 * module (n bytes): "" when the file has no owner or there is no such open
 * change (deciding it then refuses, audited, inside the door). Reveals no
 * personal data, only which module decides; the dispatcher uses it to route
 * /pending/{id} to that module (module.h pending_decide). */
int door_pending_module(store *s, int64_t pending_id, char *module, size_t n, at_error *err);
/* The person (subject) an open pending change is about, into subject (n
 * bytes), "" when there is no such open change: the unit deciding it names
 * that person in its audit events, a refusal before the door opens included.
 * For the log only — never put into an answer. */
int door_pending_subject(store *s, int64_t pending_id, char *subject, size_t n, at_error *err);

#endif
