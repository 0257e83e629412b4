/*
 * registry — the resident register (住民基本台帳), seed 001 (墨田区).
 *
 * One resident record (住民票) per person in the declared file
 * "resident_register" (declarations/registry.json: the 84 items of seed 001
 * 別添2 (1)); the record's subject is the person's addressee number
 * (宛名番号, 10 digits). Households are the records sharing household_no.
 * Every change is a change event (異動) applied through the door, so every
 * version is kept, removal is a state (除票), and each event is audited.
 * Each applied event also writes a change notification into the durable
 * outbox (table registry_outbox) in the same transaction, for the addressee
 * hub, tax, pension and the CS to consume.
 *
 * All functions take a door opened by the caller for business
 * "resident_register" (DOOR_WRITE for events, DOOR_READ for views and
 * searches); the caller commits or aborts it. Bad input is an error naming
 * the field ("persons[0].birth_date") and the rule, and changes nothing.
 *
 * Items are addressed by the ids of declarations/registry.json (name,
 * name_kana, birth_date, sex "1"/"2", address, household_no, relationship,
 * resident_code, my_number, ...).
 */
#ifndef ATENA_REGISTRY_REGISTRY_H
#define ATENA_REGISTRY_REGISTRY_H

#include <jansson.h>
#include <stdint.h>

#include "core/error.h"
#include "core/strbuf.h"
#include "documents/documents.h"
#include "policy/door.h"
#include "store/store.h"

#define REGISTRY_FILE "resident_register"       /* the declared file */
#define REGISTRY_BUSINESS "resident_register"   /* the business */
#define REGISTRY_LATE_DAYS 14                   /* 住基法 22–25条: notify within 14 days */

/* The module's own tables (outbox, event log, counters). Call once at start,
 * after platform_open; idempotent. */
int registry_migrate(store *s, at_error *err);

/* The register's owner handle (door.h: only it writes REGISTRY_FILE), defined
 * in registry_owner.c. registry_init registers it; call once at startup
 * before any door is opened with it (idempotent). */
extern const door_owner registry_owner;
int registry_init(at_error *err);

/* ---- Change events (異動) ---------------------------------------------
 * The event types, once (registry_event_types.c): name and Japanese label,
 * in the order below, terminated by a NULL name. The dispatcher, the
 * server's error text, the CLI's help and the web UI (GET
 * /api/v1/registry/event-types) all iterate this table. */
struct ev;   /* an event being planned (internal to the module) */
typedef struct registry_event_type {
	const char *name;    /* "move_in" */
	const char *label;   /* "転入" */
	/* 職権 (住基法8条, 施行令12条): an ex officio act, which the door holds
	 * for a second person where registry.json declares four-eyes. */
	bool ex_officio;
	/* The type's planner (registry_event_int.h): registry_event dispatches
	 * through it, so this table is the whole list of types. */
	int (*plan)(struct ev *e, at_error *err);
} registry_event_type;
extern const registry_event_type registry_event_types[];
/* The entry named name, or NULL. */
const registry_event_type *registry_event_type_find(const char *name);
/* The names as a sentence, appended to out: "move_in, ..., or foreign_status_change". */
void registry_event_type_names(strbuf *out);

/* registry_event applies one event. `type` is one of:
 *   move_in             転入 (住基法22条), incl. from abroad
 *   move_out_planned    転出届 (24条): planned destination recorded, record stays active
 *   move_out_confirmed  転出確定 (転入通知 received, 住基法9条1項): removed (除票)
 *   move_out_cancelled  転出取消: planned destination cleared
 *   in_ward_move        転居 (23条): may change only the address and the household (seed 001 §1.5)
 *   birth               出生
 *   death               死亡: removed (除票)
 *   household_change    世帯変更 (25条): split, merge, new householder
 *   ex_officio_entry    職権記載 (住基法施行令12条) — held for a second person
 *   ex_officio_removal  職権消除 — held for a second person
 *   ex_officio_correction 職権修正 — held for a second person
 *   resident_code_change  住民票コードの変更 (30条の4)
 *   my_number_change    個人番号の変更 (番号法7条2項)
 *   foreign_status_change 在留資格・在留期間・通称 等の変更 (30条の46–30条の51)
 * The body's shape per type is documented in registry_events.c and in
 * docs/openapi.yaml. Every body has event_date and (except ex officio acts)
 * notification_date; an event date in the future is refused; a notification
 * later than REGISTRY_LATE_DAYS after the event is accepted and flagged.
 *
 * *result: {"event_id", "type", "records": [{"addressee_no","record_id"}...],
 *           "household_no", "flags": ["late_notification", ...],
 *           "pending_id" (ex officio acts only)}.
 * event_id is an integer (the registry_event_log row); an ex officio act of
 * several persons holds one pending change each, all listed in "pending_ids"
 * ("pending_id" is the first).
 * Returns 0 applied, 1 held for four-eyes, -1 refused (nothing changed). */
int registry_event(door *d, const char *type, json_t *body, json_t **result, at_error *err);

/* Approve or reject an act held by the door (ex_officio_entry, _removal,
 * _correction): door_pending_decide, and on approval the outbox row(s) the
 * act owes (and, after a householder's name is corrected, every member's
 * 世帯主氏名). Use this rather than door_pending_decide for pending changes of
 * the resident register, or the outbox misses approved acts. A pending id
 * the registry did not make is decided by the door alone. Returns 0 or -1. */
int registry_pending_decide(door *d, int64_t pending_id, bool approve, const char *note,
			    at_error *err);

/* ---- Views -------------------------------------------------------------- */
/* The person's current record (door_read's shape) plus "household": the other
 * members' addressee numbers, names and relationships
 * ([{"addressee_no","name","name_kana","relationship"}]) — read, and logged as
 * seen, with those four items only. */
int registry_person(door *d, const char *addressee_no, json_t **out, at_error *err);
/* Every version of the person's record (door_history's shape). */
int registry_person_history(door *d, const char *addressee_no, json_t **out, at_error *err);
/* Who a resident is, for other businesses (tax notices, ...): the record
 * (door_read's shape) with only `items` (NULL-terminated item ids; NULL: the
 * identity items addressee_no, name, name_kana, birth_date, sex, postcode,
 * address, address_supplement), no household. Only those are read and logged. */
int registry_identity(door *d, const char *addressee_no, const char *const *items, json_t **out,
		      at_error *err);
/* The household's members (active records), householder first:
 * {"household_no", "members": [door_read-shaped records]}; 404 when none.
 * Each member carries (and is logged with) only the items the household view
 * shows: addressee_no, name, name_kana, birth_date, sex, relationship. */
int registry_household(door *d, const char *household_no, json_t **out, at_error *err);

/* ---- Search ------------------------------------------------------------- *
 * criteria: any of {"name", "name_kana" (prefix, kana-normalised), "birth_date",
 * "address" (prefix), "household_no", "addressee_no", "my_number",
 * "resident_code", "include_removed": bool, "limit": 1..500, "after": the
 * last addressee number of the page before}. Several criteria intersect.
 * Result {"records": [...], "truncated": bool, "next_after": addressee number
 * | null}, in addressee-number order, each record with the counter list's
 * items only (addressee_no, household_no, name, name_kana, birth_date, sex,
 * address, relationship; logged as seen item by item). */
int registry_search(door *d, json_t *criteria, json_t **out, at_error *err);

/* ---- Support measures (支援措置) ------------------------------------------ */
int registry_support_measure(door *d, const char *addressee_no, bool on, at_error *err);

/* ---- Certificates --------------------------------------------------------
 * Builds the data of a certificate; src/documents renders it as PDF.
 * request: {"kind": "juminhyo" (住民票の写し) | "joshu" (除票の写し) |
 *                   "kisai_jiko" (住民票記載事項証明書),
 *           "addressee_no", "members": "all" | ["addressee_no", ...],
 *           "items": ["household", "relationship", "change_history", "domicile", ...],
 *           "include_my_number": bool, "include_resident_code": bool,
 *           "requester": {"relation": "self" | "household" | "third_party" | "agent",
 *                         "name", "addressee_no"?}, "purpose"}
 * Rules: My Number and resident record code only when requested by the person
 * or a member of the household (住基法12条5項, 番号法 20条); a record under a
 * support measure is never issued on a third-party or agent request (住基法
 * 12条6項, 住民基本台帳事務処理要領 第5–10); joshu only for removed records.
 * *out: {"kind","title","municipality","issued_at","issued_date_wareki",
 *        "certifier","household_no","address","householder",
 *        "persons":[{"name","name_kana","birth_date","birth_date_wareki","sex",
 *                    "relationship","became_resident_date", ... requested items}],
 *        "notes":[...], "serial"} — the shape documents/certificate.h renders.
 * Each issue is audited with who asked and why (door note "certificate").
 * Issuing needs a door opened DOOR_WRITE (an update grant for the register):
 * in a read door it is refused, 403 no_grant (docs/security.md, Certificates).
 * The log says what the certificate shows: each person printed is read once
 * with exactly the items printed (my_number only with include_my_number),
 * the history for its change dates and reasons, and the household's active
 * members with their addressee number and 続柄 only (who is in it).
 * The full data shape and the item vocabulary are at the top of
 * registry_cert.c; keys a request leaves out are null or absent. */
int registry_certificate(door *d, json_t *request, json_t **out, at_error *err);
/* The certificate kinds (juminhyo, joshu, kisai_jiko) for documents.h's
 * document_kinds_add; registry_certificate adds them itself. The shapes:
 * registry/registry_cert_form.h. */
extern const document_kind registry_document_kinds[];

/* ---- Migration (移行) -----------------------------------------------------
 * registry_import loads records from the municipality's previous register
 * system: how a municipality fills the register on day one (and how
 * `atena demo` fills its synthetic ward). Needs a DOOR_WRITE door; the
 * caller commits one door per batch (a few hundred households).
 *   batch = {"households": [{"household_no", "members": [record, ...]}, ...]}
 *   record = the register's items by id, as the old system held them
 *            (addressee_no, name, name_kana, birth_date, sex, relationship,
 *            resident_code and address required; my_number, residence_date,
 *            change_reason, previous_*, foreign items ... as held), plus
 *            "state": "active" (default) or "removed" (除票: removal_type
 *            転出 | 死亡 | 職権消除 and removal_date required).
 * Numbers and dates are the source's: nothing is assigned anew; household_no
 * and municipality_code are filled on each record, 世帯主氏名 from the
 * householder. The rules are move_in's (see registry_import.c): one 世帯主
 * and one address among a household's current members, no current resident
 * twice (My Number, resident record code: within the batch and against the
 * register), no addressee or household number already in use. Each record
 * is a door_create_as(..., "migration", DOOR_NOTIFIED) — audited like any
 * entry — a removed one then a door_remove_with; each gets an outbox row of
 * type "migration". *result: {"event_id", "type": "migration", "households",
 * "persons", "removed", "records": [{"addressee_no","record_id"}]}.
 * Returns 0, or -1 with the field named (nothing written: abort the door). */
#define REGISTRY_IMPORT_MAX_HOUSEHOLDS 2000   /* households in one batch */
#define REGISTRY_IMPORT_MAX_MEMBERS 50        /* records in one household */
int registry_import(door *d, json_t *batch, json_t **result, at_error *err);

/* ---- The roll for other businesses (庁内連携) -----------------------------
 * Every person the register holds (active and removed), in addressee-number
 * order after `after` ("" for the start), at most `limit`: each record read
 * through the door with the items the roll uses (addressee_no, my_number,
 * name, name_kana, birth_date, household_no, residence_date, removal_date and
 * the previous, confirmed and planned municipality codes) — of those, only
 * what the door's business may view, each read audited under that business (how the
 * resident tax takes its list of persons to tax, seed 000 §1.1, seed 004
 * §1). Calls cb for each; cb returns 0 to go on, or -1 (having filled the
 * caller's error) to stop, and registry_roll then returns -1.
 * *last is set to the last addressee number visited (for the next page);
 * returns the number of records visited, or -1. */
typedef int (*registry_roll_cb)(void *arg, const json_t *record);
int registry_roll(door *d, const char *after, int limit, registry_roll_cb cb, void *arg,
		  char last[16], at_error *err);

/* Is the addressee number in use by the register (any state)? Reads only the
 * register's own number map (no personal data, nothing to audit): for other
 * modules that hand out numbers of their own, such as the resident tax's
 * non-resident taxpayers (住登外者), until the addressee hub owns them. */
int registry_addressee_in_use(door *d, const char *addressee_no, bool *in_use, at_error *err);

/* ---- Outbox --------------------------------------------------------------
 * Change notifications after after_seq, oldest first, at most limit:
 * [{"seq","event_id","type","addressee_no","household_no","event_date","created_at"}].
 * They carry no personal data beyond the addressee number. */
int registry_outbox(store *s, int64_t after_seq, int limit, json_t **out, at_error *err);

#endif
