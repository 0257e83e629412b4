/*
 * door_int.h — shared by the door's files (door_uow.c, door_items.c,
 * door_records.c, door_search.c, door_pending.c); not a public header. The
 * public API is door.h, one header for the whole door. Everything declared here
 * runs inside a spine section: the sp_ tables are reachable only from the
 * policy and audit modules (store_spine.h).
 */
#ifndef ATENA_POLICY_DOOR_INT_H
#define ATENA_POLICY_DOOR_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "core/date.h"
#include "core/json.h"
#include "core/strbuf.h"
#include "core/text.h"
#include "policy/door.h"
#include "policy_internal.h"
#include "store_spine.h"

#define MAX_ITEMS POLICY_MAX_ITEMS

struct door {
	store *s;
	const keyring *kr;
	door_mode mode;
	const door_owner *owner;   /* the module acting, or NULL (door_open_owner) */
	bool number_using;
	char staff[65], dept[257], terminal[65], business[65], reason[801], case_id[65];
	char operation[240], subject[65];   /* the unit's (door_ctx), "" when not given */
	bool refused;     /* a refusal of this unit is in the log (door_refusal_written) */
	json_t *sticky;   /* events that must survive an abort: [[op, outcome, subject, items, detail]] */
	struct file_meta *meta[4];   /* declarations of the files this unit of work touched */
	unsigned meta_next;
};

typedef struct item_meta {
	char id[65];
	char type[16];
	int64_t max;
	char cls[16];
	bool enc, idx;
	bool kana;    /* indexed under its kana search key */
	int access;   /* 0 none, 1 view, 2 update — for the door's business */
	json_t *rules;   /* declared value rules (decl.h), NULL for none */
} item_meta;

struct file_meta {
	char id[65];
	char owner[65];    /* owner module, "" for a file no module owns */
	bool own_tables;   /* the owner keeps the data in its own tables: no door records */
	bool fe_create, fe_correct, fe_remove;
	int max_access;
	size_t n;
	item_meta items[MAX_ITEMS];
};
typedef struct file_meta file_meta;

/* The record's header and current stored document. */
typedef struct rec {
	int64_t id, version, updated_at;
	bool support_measure;
	char file[65], subject[65], state[16], removal_reason[801];
	json_t *doc;
} rec;

/* ---- Unit of work (door_uow.c) ---- */
int dr_note(door *d, const char *op, const char *outcome, const char *subject,
	    const char *items, const char *detail, at_error *err);
/* dr_note(), remembered so that door_abort can write it again after the rollback. */
int dr_note_sticky(door *d, const char *op, const char *outcome, const char *subject,
		   const char *items, const char *detail, at_error *err);
void dr_copy(char *dst, size_t n, const char *src);
/* A refusal the door decides inside the unit of work (err already filled):
 * written through the one format (door_log_refusal's) with the unit's
 * operation (else op) and subject (else the given one), kept through an
 * abort, err marked audited. Returns -1. */
int dr_refuse(door *d, const char *op, const char *subject, at_error *err);
const door_owner *dr_registered_owner(const char *module);

/* ---- Items and sealing (door_items.c) ---- */
file_meta *dr_load_meta(door *d, const char *file, at_error *err);
void dr_free_meta(door *d);
const item_meta *dr_find_item(const file_meta *m, const char *id);
int dr_need_access(door *d, const file_meta *m, int level, at_error *err);
/* A write of an owned file through a door its owner did not open: refused,
 * and the refusal reaches the log even though the caller will abort. */
int dr_need_owner(door *d, const file_meta *m, const char *op, const char *subject,
		  at_error *err);
int dr_validate_value(const item_meta *it, json_t *v, at_error *err);
/* The stored form: sealed text for encrypted items, the value otherwise. */
json_t *dr_encode_value(door *d, const char *file, int64_t rid, const item_meta *it,
			json_t *v, at_error *err);
json_t *dr_decode_value(door *d, const char *file, int64_t rid, const item_meta *it,
			json_t *stored, at_error *err);
/* Index key: blind index for encrypted items, the kana search key for items
 * declared "search": "kana", the canonical text otherwise. */
int dr_index_key(door *d, const char *file, const item_meta *it, json_t *v, strbuf *out,
		 at_error *err);
/* Validate an items object against the file for writing; every key must be
 * a declared item this business may update. */
int dr_check_items(door *d, const file_meta *m, json_t *items, bool allow_null, at_error *err);
void dr_item_list(json_t *items, strbuf *out);
/* The stored form of checked items (sealed where declared encrypted), into out. */
int dr_encode_items(door *d, const file_meta *m, int64_t rid, json_t *items, json_t *out,
		    at_error *err);
/* A projection names declared items of the file, at least one. */
int dr_check_projection(const file_meta *m, const char *const *proj, at_error *err);
/* Visible, decoded items of a stored document: those of the projection
 * (NULL: all) the business may view; only these are decrypted. include_mn=false
 * drops the my_number class entirely (many-person results). `seen` collects
 * the ids, for the audit event. */
json_t *dr_visible_items(door *d, const file_meta *m, int64_t rid, json_t *doc,
			 bool include_mn, const char *const *proj, strbuf *seen,
			 at_error *err);

/* ---- Search volume (door_volume.c) ---- */
/* A search of this unit is about to list these people (subjects): counted
 * against the staff member's window in a read unit; an alert past the alert
 * level (once a window), a refusal of the door's own (429, audited) past the
 * refusal level. */
int dr_search_volume(door *d, const char (*subjects)[65], size_t n, at_error *err);

/* ---- Records (door_records.c) ---- */
int dr_write_index(door *d, const file_meta *m, int64_t rid, const char *item, json_t *v,
		   at_error *err);
int dr_write_version(door *d, int64_t rid, int64_t version, json_t *doc, const char *op,
		     const char *made_by, const char *approved_by, at_error *err);
int dr_load_rec(door *d, const char *file, int64_t rid, int64_t version, rec *r, at_error *err);
json_t *dr_rec_json(const rec *r, json_t *items);
void dr_detail_of(char *out, size_t n, const char *file, int64_t rid, int64_t version);
int dr_check_subject(const char *subject, at_error *err);
/* A view of a record under a support measure (支援措置) raises an alert. */
int dr_alert_if_protected(door *d, const rec *r, const char *how, at_error *err);
int dr_check_event(const char *event, at_error *err);
/* Every indexed item of a document (an entry approved after being held). */
int dr_index_all(door *d, const file_meta *m, int64_t rid, json_t *doc, at_error *err);
/* Apply encoded changes (stored form; null clears) as a new version. */
int dr_apply_changes(door *d, const file_meta *m, rec *r, json_t *changes,
		     const char *op, const char *state, const char *removal_reason,
		     const char *made_by, const char *approved_by, at_error *err);
int dr_hold(door *d, const file_meta *m, const rec *r, const char *op, const char *event,
	    json_t *changes, const char *removal_reason, int64_t *pending_id, at_error *err);

#endif
