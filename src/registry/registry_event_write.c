/*
 * Change events, phase 3: applying a plan that phases 1 and 2 built and
 * checked completely — one door operation per person, the event log row, the
 * outbox — inside the caller's door transaction (registry_event_int.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "core/date.h"
#include "core/json.h"
#include "core/strbuf.h"
#include "core/text.h"
#include "policy/platform.h"
#include "registry_event_int.h"


/* ---- Applying ------------------------------------------------------------- */

/* Drop values a change would not change; a person left with nothing is not
 * written at all (no empty version). */
static void prune(op *o)
{
	if (o->kind == OP_CREATE || !o->current)
		return;
	const char *k;
	json_t *v;
	void *tmp;
	json_object_foreach_safe(o->items, tmp, k, v) {
		json_t *c = json_object_get(o->current, k);
		if ((json_is_null(v) && !c) || (c && json_equal(c, v)))
			json_object_del(o->items, k);
	}
}

int ev_apply(ev *e, json_t **result, at_error *err)
{
	store *s = e->s;
	json_t *flags = json_array();
	if (e->late)
		json_array_append_new(flags, json_string("late_notification"));
	strbuf fl = STRBUF_INIT;
	sb_init(&fl);
	if (e->late)
		sb_adds(&fl, "late_notification");
	int rc = -1;
	json_t *records = json_array(), *pendings = json_array();
	store_stmt *st = store_prepare(s,
		"INSERT INTO registry_event_log(type, event_date, notification_date, flags, status,"
		" persons, created_at) VALUES(?, ?, ?, ?, 'applied', ?, ?) RETURNING event_id", err);
	if (!st)
		goto out;
	store_bind_text(st, 1, e->type);
	store_bind_text(st, 2, e->date_s);
	store_bind_text(st, 3, e->has_ndate ? e->ndate_s : "");
	store_bind_text(st, 4, fl.buf);
	store_bind_int(st, 5, (int64_t)e->n_ops);
	store_bind_int(st, 6, time_now());
	int64_t event_id = 0;
	int r = store_step_id(st, &event_id, err);
	store_done(st);
	if (r < 0)
		goto out;
	for (size_t i = 0; i < e->n_ops; i++) {
		op *o = &e->ops[i];
		prune(o);
		if (o->kind == OP_CHANGE) {
			if (json_object_size(o->items) == 0)
				continue;
			/* Every version an event writes says which event and when. */
			if (!json_object_get(o->items, "change_reason"))
				ev_set_s(o, "change_reason", o->reason ? o->reason : e->reason);
			if (!json_object_get(o->items, "change_date"))
				ev_set_s(o, "change_date", e->date_s);
			if (e->has_ndate && !json_object_get(o->items, "notification_date"))
				ev_set_s(o, "notification_date", e->ndate_s);
			prune(o);
		}
		int64_t rid = o->record_id, pid = 0;
		int x;
		switch (o->kind) {
		case OP_CREATE:
			x = door_create_as(e->d, REGISTRY_FILE, o->addressee_no, o->items, e->type,
					   o->basis, &rid, &pid, err);
			if (x >= 0 && reg_map_person(s, o->addressee_no, rid, err))
				x = -1;
			break;
		case OP_CHANGE:
			x = door_change(e->d, REGISTRY_FILE, rid, o->items, e->type, o->basis, &pid, err);
			break;
		case OP_REMOVE:
		default:
			x = door_remove_with(e->d, REGISTRY_FILE, rid,
					     json_object_size(o->items) ? o->items : NULL, o->removal_reason,
					     e->type, o->basis, &pid, err);
			break;
		}
		if (x < 0)
			goto out;
		json_array_append_new(records, json_pack("{s:s,s:I}", "addressee_no", o->addressee_no,
							 "record_id", (json_int_t)rid));
		if (x == 1) {
			json_array_append_new(pendings, json_integer(pid));
			st = store_prepare(s,
				"INSERT INTO registry_pending(pending_id, event_id, type, addressee_no,"
				" household_no, event_date, status) VALUES(?, ?, ?, ?, ?, ?, 'pending')",
				err);
			if (!st)
				goto out;
			store_bind_int(st, 1, pid);
			store_bind_int(st, 2, event_id);
			store_bind_text(st, 3, e->type);
			store_bind_text(st, 4, o->addressee_no);
			store_bind_text(st, 5, o->household_no);
			store_bind_text(st, 6, e->date_s);
			r = store_step(st, err);
			store_done(st);
			if (r != STORE_DONE)
				goto out;
		} else if (reg_outbox_add(s, event_id, e->type, o->addressee_no, o->household_no,
					  e->date_s, err)) {
			goto out;
		}
	}
	st = store_prepare(s, "UPDATE registry_event_log SET status = ?, persons = ? WHERE event_id = ?",
			   err);
	if (!st)
		goto out;
	store_bind_text(st, 1, json_array_size(pendings) ? "held" : "applied");
	store_bind_int(st, 2, (int64_t)json_array_size(records));
	store_bind_int(st, 3, event_id);
	r = store_step(st, err);
	store_done(st);
	if (r != STORE_DONE)
		goto out;
	/* One log line ties the event id to who made it (the audit row carries
	 * the staff, terminal and reason); no personal data in the detail. */
	char det[200];
	snprintf(det, sizeof det, "event_id=%lld type=%s persons=%zu%s%s", (long long)event_id,
		 e->type, json_array_size(records), fl.len ? " flags=" : "", fl.buf);
	if (door_note(e->d, "registry_event", json_array_size(pendings) ? AUDIT_PENDING : AUDIT_OK,
		      json_array_size(records) == 1
			      ? json_string_value(json_object_get(json_array_get(records, 0),
								  "addressee_no"))
			      : "",
		      det, err))
		goto out;
	json_t *res = json_pack("{s:I,s:s,s:O,s:s,s:O}", "event_id", (json_int_t)event_id, "type",
				e->type, "records", records, "household_no", e->household_no, "flags",
				flags);
	if (json_array_size(pendings)) {
		json_object_set(res, "pending_id", json_array_get(pendings, 0));
		json_object_set(res, "pending_ids", pendings);
		rc = 1;
	} else {
		rc = 0;
	}
	*result = res;
out:
	sb_release(&fl);
	json_decref(flags);
	json_decref(records);
	json_decref(pendings);
	return rc;
}

