/*
 * registry_event_int — what the files of registry_event share (internal to
 * the registry module; the interface is registry.h). An event goes through
 * three phases, one file each:
 *   registry_event_parse.c  reading the body and the register: fields,
 *                           places, persons, numbers, checks (nothing written);
 *   registry_events.c       one planner per event type, building the plan:
 *                           one door operation per affected person;
 *   registry_event_write.c  applying the plan: the door writes, the event log,
 *                           the outbox, all in the caller's transaction.
 * The migration (registry_import.c) is no event, but it enters records under
 * the same rules: it calls phase 1's shared checks (the section below).
 */
#ifndef ATENA_REGISTRY_EVENT_INT_H
#define ATENA_REGISTRY_EVENT_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "registry_int.h"

#define MAX_PERSONS 50     /* persons in one event: a household, generously */

/* ---- The plan: one door operation per affected person ------------------ */

typedef enum { OP_CREATE, OP_CHANGE, OP_REMOVE } op_kind;

typedef struct op {
	op_kind kind;
	door_basis basis;
	char addressee_no[11];
	char household_no[11];   /* after the event (for the outbox) */
	int64_t record_id;       /* 0 for a create */
	json_t *items;           /* item -> value (null clears) */
	json_t *current;         /* the items as read (changes only) */
	const char *reason;      /* change_reason stamped on a change; NULL: the event's */
	const char *removal_reason;
} op;

typedef struct ev {
	door *d;
	store *s;
	const char *type;
	json_t *body;
	bool ex_officio;
	at_date date, ndate;
	char date_s[11], ndate_s[11];
	bool has_ndate;
	bool late;
	char muni[7];
	const char *reason;      /* 異動事由 written with the event */
	char household_no[11];   /* the event's household (result) */
	op *ops;
	size_t n_ops, cap_ops;
	json_t *keep;            /* records read, kept alive while borrowed */
	json_t *taken;           /* addressee numbers given or assigned in this event */
} ev;

typedef enum { NP_MOVE_IN, NP_ENTRY, NP_BIRTH } np_mode;

typedef struct newp {
	json_t *items;        /* owned */
	char ano[11];         /* given or assigned */
	bool householder;
	bool foreign;
	char path[32];
} newp;

/* ---- Building the plan (registry_event_parse.c) ------------------------
 * The plan's primitives: an operation per person (created or found), items
 * set on it, the plan freed. */
op *ev_op_add(ev *e, op_kind kind, const char *ano, int64_t rid, json_t *current, const char *hno);
op *ev_op_for(ev *e, json_t *rec);
void ev_set_s(op *o, const char *item, const char *v);
void ev_set_v(op *o, const char *item, json_t *v);
void ev_free(ev *e);
/* Reading the register: a person and a household (kept alive in e->keep), the
 * householder among members, a record's addressee number. */
json_t *ev_person(ev *e, const char *ano, const char *field, at_error *err);
json_t *ev_household(ev *e, const char *hno, at_error *err);
json_t *ev_householder_of(json_t *members);
const char *ev_ano_of(json_t *rec);
bool ev_in_array(json_t *arr, const char *ano);
/* Checking the body: dates (and the late flag), 続柄, person lists. */
int ev_dates(ev *e, bool future_ok, at_error *err);
void ev_late_check(ev *e);
int ev_check_relationship(ev *e, json_t *v, const char *field, at_error *err);
json_t *ev_person_list(ev *e, const char *key, at_error *err);
void ev_set_household(op *o, const char *hno, const char *relationship, json_t *hh_items);
/* Places, addresses and people, each refusing keys it does not list and
 * naming the body's own field in errors. */
int ev_parse_address(ev *e, json_t *a, const char *path, json_t *out, at_error *err);
void ev_copy_address(json_t *from_items, json_t *out);
bool ev_same_address(json_t *addr, json_t *items);
int ev_parse_place(ev *e, json_t *p, const char *path, const char *prefix, json_t *out, bool *abroad,
	at_error *err);
bool ev_foreign_clearable(const char *key);
int ev_parse_foreign(ev *e, json_t *f, const char *path, bool partial, json_t *current,
	json_t *out, at_error *err);
int ev_parse_new_person(ev *e, json_t *p, const char *path, np_mode mode, bool abroad,
	newp *np, at_error *err);
/* The register's rules across records: not already resident, unique numbers. */
int ev_check_not_resident(ev *e, json_t *items, const char *path, at_error *err);
int ev_check_unique(ev *e, const char *item, const char *value, const char *self,
	const char *field, at_error *err);
/* Numbers: assigned from the counters, or given and kept ahead of them. */
int ev_assign_addressee(ev *e, char out[11], at_error *err);
int ev_assign_household(ev *e, char out[11], at_error *err);
int ev_parse_household_ref(ev *e, json_t *h, const char *path, bool *is_new, char hno[11],
	json_t **members, at_error *err);

/* ---- Rules shared with the migration (registry_import.c) ----------------
 * An event reads a notification's body, the migration reads the old system's
 * records item by item; the formats differ, the rules are these, stated once.
 * Errors name path.item (path: "persons[0]", "households[2].members[1]"). */
/* The record holds an item of 住基法30条の45 (it is a foreign resident's). */
bool ev_has_foreign_items(json_t *items);
/* 住基法30条の45: the category (1–6), 国籍等, and the category's own items
 * (reg_foreign_rules) with a stay not ended on `on`. */
int ev_foreign_status(json_t *items, const char *path, at_date on, at_error *err);
/* The name and birth date as on the residence card: the record's own unless
 * given (a move-in records them so, and so does the migration). */
void ev_foreign_card_items(json_t *items);
/* 本籍・筆頭者 (住基法7条5号) are a Japanese national's: refused on a foreign
 * resident's items (30条の45 replaces 7条5号). */
int ev_check_no_domicile(json_t *items, const char *path, at_error *err);
/* An item that is a date and must not be after `limit` (what: "the event
 * date", "the migration date"); absent is not checked. */
int ev_date_not_after(json_t *items, const char *item, const char *path, at_date limit,
	const char *what, at_error *err);
/* seed 001 §1.5: no entry (`what`: the event type, "migration") of someone
 * with a My Number or resident record code on an active record. */
int ev_not_resident(door *d, const char *what, json_t *items, const char *path, at_error *err);
/* A given addressee number must be no record's yet (409 naming path.addressee_no). */
int ev_check_addressee_free(door *d, const char *ano, const char *path, at_error *err);
/* A new household's number must be no record's (removed_too) or no current
 * record's; 409 naming field. */
int ev_check_household_free(door *d, const char *hno, bool removed_too, const char *field,
	at_error *err);
/* Within one body or batch, `value` may stand once in `seen` (value -> path);
 * 400 naming path.key, "… is the same as persons[0]'s". */
int ev_once(json_t *seen, const char *value, const char *path, const char *key, at_error *err);
/* 世帯主氏名 (householder_name, _kana) is the householder's name: filled from
 * hh_items where absent; given, it must match unless !check. */
int ev_householder_names(json_t *items, json_t *hh_items, const char *path, bool check,
	at_error *err);

/* ---- Planners (registry_events.c), one per type of registry_event_types[] ----
 * Each checks the body against the records and plans the door operations
 * in e; registry_event dispatches through the table's `plan`. */
int ev_move_in(ev *e, at_error *err);   /* move_in, ex_officio_entry */
int ev_move_out(ev *e, at_error *err);  /* move_out_planned, _confirmed, _cancelled */
int ev_in_ward_move(ev *e, at_error *err);
int ev_birth(ev *e, at_error *err);
int ev_death(ev *e, at_error *err);
int ev_household_change(ev *e, at_error *err);
int ev_ex_officio_removal(ev *e, at_error *err);
int ev_ex_officio_correction(ev *e, at_error *err);
int ev_code_change(ev *e, at_error *err);   /* resident_code_change, my_number_change */
int ev_foreign_status_change(ev *e, at_error *err);

/* ---- Applying (registry_event_write.c) --------------------------------- */
/* Write the plan: door operations, event log, outbox; *result as registry_event's. */
int ev_apply(ev *e, json_t **result, at_error *err);

#endif
