/*
 * The door (door.h), phase 3: records — versions and index entries, create,
 * read, history, changes and removals (held for four-eyes where declared),
 * support measures.
 * Everything here runs inside a spine section (door_int.h).
 */
#include "door_int.h"

/* Add the index entry of item (an indexed one) for v; nothing for null. */
static int index_add(door *d, const file_meta *m, const item_meta *it, int64_t rid,
		     const char *item, json_t *v, at_error *err)
{
	if (!v || json_is_null(v))
		return 0;
	strbuf key = STRBUF_INIT;
	sb_init(&key);
	if (dr_index_key(d, m->id, it, v, &key, err)) {
		sb_release(&key);
		return -1;
	}
	store_stmt *st = store_prepare(d->s,
		"INSERT INTO sp_index(file_id, item_id, key, record_id) VALUES(?, ?, ?, ?)"
		" ON CONFLICT DO NOTHING", err);
	int r = -1;
	if (st) {
		store_bind_text(st, 1, m->id);
		store_bind_text(st, 2, item);
		store_bind_text(st, 3, key.buf);
		store_bind_int(st, 4, rid);
		r = store_step(st, err);
		store_done(st);
	}
	sb_release(&key);
	return st && r == STORE_DONE ? 0 : -1;
}

int dr_write_index(door *d, const file_meta *m, int64_t rid, const char *item, json_t *v,
		   at_error *err)
{
	const item_meta *it = dr_find_item(m, item);
	if (!it || !it->idx)
		return 0;
	store_stmt *st = store_prepare(d->s,
		"DELETE FROM sp_index WHERE record_id = ? AND file_id = ? AND item_id = ?", err);
	if (!st)
		return -1;
	store_bind_int(st, 1, rid);
	store_bind_text(st, 2, m->id);
	store_bind_text(st, 3, item);
	int r = store_step(st, err);
	store_done(st);
	if (r != STORE_DONE)
		return -1;
	return index_add(d, m, it, rid, item, v, err);
}

int dr_write_version(door *d, int64_t rid, int64_t version, json_t *doc, const char *op,
		     const char *made_by, const char *approved_by, at_error *err)
{
	char *text = jv_dump(doc);
	store_stmt *st = store_prepare(d->s,
		"INSERT INTO sp_record_version(record_id, version, doc, op, made_by, made_at, approved_by)"
		" VALUES(?, ?, ?, ?, ?, ?, ?)", err);
	int r = -1;
	if (st) {
		store_bind_int(st, 1, rid);
		store_bind_int(st, 2, version);
		store_bind_text(st, 3, text);
		store_bind_text(st, 4, op);
		store_bind_text(st, 5, made_by);
		store_bind_int(st, 6, time_now());
		store_bind_text(st, 7, approved_by ? approved_by : "");
		r = store_step(st, err);
		store_done(st);
	}
	free(text);
	return r == STORE_DONE ? 0 : -1;
}

int dr_load_rec(door *d, const char *file, int64_t rid, int64_t version, rec *r, at_error *err)
{
	memset(r, 0, sizeof *r);
	store_stmt *st = store_prepare(d->s,
		"SELECT r.id, r.file_id, r.subject, r.state, r.version, r.updated_at,"
		" COALESCE(r.removal_reason, ''), v.doc, r.support_measure"
		" FROM sp_record r JOIN sp_record_version v"
		" ON v.record_id = r.id AND v.version = CASE WHEN ? > 0 THEN ? ELSE r.version END"
		" WHERE r.id = ?", err);
	if (!st)
		return -1;
	store_bind_int(st, 1, version);
	store_bind_int(st, 2, version);
	store_bind_int(st, 3, rid);
	int s = store_step(st, err);
	if (s == STORE_ROW) {
		r->id = store_col_int(st, 0);
		dr_copy(r->file, sizeof r->file, store_col_text(st, 1));
		dr_copy(r->subject, sizeof r->subject, store_col_text(st, 2));
		dr_copy(r->state, sizeof r->state, store_col_text(st, 3));
		r->version = store_col_int(st, 4);
		r->updated_at = store_col_int(st, 5);
		dr_copy(r->removal_reason, sizeof r->removal_reason, store_col_text(st, 6));
		json_error_t je;
		r->doc = json_loads(store_col_text(st, 7), 0, &je);
		r->support_measure = store_col_int(st, 8) != 0;
	}
	store_done(st);
	if (s != STORE_ROW || strcmp(r->file, file) || !r->doc) {
		json_decref(r->doc);
		r->doc = NULL;
		if (s == STORE_ROW || s == STORE_DONE)
			return at_fail(err, 404, AT_E_NOT_FOUND, "record_id",
				       "file %s has no record %lld", file, (long long)rid);
		return -1;
	}
	return 0;
}

json_t *dr_rec_json(const rec *r, json_t *items)
{
	char at[21];
	time_format(r->updated_at, at);
	json_t *o = json_pack("{s:I,s:s,s:s,s:s,s:I,s:s,s:b,s:o}", "record_id", (json_int_t)r->id,
			      "file", r->file, "subject", r->subject, "state", r->state, "version",
			      (json_int_t)r->version, "updated_at", at, "support_measure",
			      (int)r->support_measure, "items", items);
	if (*r->removal_reason)
		json_object_set_new(o, "removal_reason", json_string(r->removal_reason));
	return o;
}

void dr_detail_of(char *out, size_t n, const char *file, int64_t rid, int64_t version)
{
	snprintf(out, n, "%s#%lld v%lld", file, (long long)rid, (long long)version);
}

int dr_check_subject(const char *subject, at_error *err)
{
	return policy_check_staff_id(subject, "subject", err);
}

/* The one alert of a support-measure person shown, kept through an abort. */
static int alert_protected(door *d, const char *file, int64_t rid, const char *subject,
			   const char *how, at_error *err)
{
	char det[200];
	snprintf(det, sizeof det, "%s#%lld viewed (%s) while under a support measure", file,
		 (long long)rid, how);
	return dr_note_sticky(d, "support_measure_view", AUDIT_ALERT, subject, "", det, err);
}

/* A view of a record under a support measure (支援措置) raises an alert. */
int dr_alert_if_protected(door *d, const rec *r, const char *how, at_error *err)
{
	return r->support_measure ? alert_protected(d, r->file, r->id, r->subject, how, err) : 0;
}

int door_note_subject_read(door *d, const char *subject, const char *how, at_error *err)
{
	if (dr_check_subject(subject, err))
		return -1;
	if (!how || !*how || strlen(how) > 64)
		return at_fail(err, 500, AT_E_INTERNAL, "how",
			       "door_note_subject_read names what was shown in 1 to 64 bytes");
	store_spine_enter(d->s);
	/* The measure is set on the person's record in the file that holds it
	 * (the register); whichever file or module shows the person, it holds.
	 * file_id IN (every file) lets the (file_id, subject) index serve. */
	store_stmt *st = store_prepare(d->s,
		"SELECT file_id, id FROM sp_record WHERE file_id IN (SELECT id FROM sp_file)"
		" AND subject = ? AND support_measure = 1 ORDER BY id LIMIT 1", err);
	int rc = -1;
	if (st) {
		store_bind_text(st, 1, subject);
		int r = store_step(st, err);
		char file[65] = "";
		int64_t rid = 0;
		if (r == STORE_ROW) {
			dr_copy(file, sizeof file, store_col_text(st, 0));
			rid = store_col_int(st, 1);
		}
		store_done(st);
		rc = r < 0 ? -1 : r == STORE_ROW ? alert_protected(d, file, rid, subject, how, err) : 0;
	}
	store_spine_leave(d->s);
	return rc;
}

int dr_check_event(const char *event, at_error *err)
{
	if (!event || !*event || strlen(event) > 32 || !policy_id_ok(event))
		return at_fail(err, 400, AT_E_INVALID, "event",
			       "event must be a lower-case name such as move_in ([a-z][a-z0-9_]{0,31})");
	return 0;
}

/* Every indexed item of a document (an entry approved after being held). */
int dr_index_all(door *d, const file_meta *m, int64_t rid, json_t *doc, at_error *err)
{
	const char *k;
	json_t *v;
	json_object_foreach(doc, k, v) {
		const item_meta *it = dr_find_item(m, k);
		if (!it || !it->idx)
			continue;
		json_t *plain = dr_decode_value(d, m->id, rid, it, v, err);
		if (!plain)
			return -1;
		int w = dr_write_index(d, m, rid, k, plain, err);
		json_decref(plain);
		if (w)
			return -1;
	}
	return 0;
}

/* ---- Create / read / history ---- */

int door_create(door *d, const char *file, const char *subject, json_t *items,
		int64_t *record_id, at_error *err)
{
	return door_create_as(d, file, subject, items, "create", DOOR_NOTIFIED, record_id, NULL, err);
}

int door_check_write(door *d, const char *file, int64_t record_id, const char *operation,
		     const char *subject, at_error *err)
{
	store_spine_enter(d->s);
	rec r = {0};
	file_meta *m = dr_load_meta(d, file, err);
	/* The order of door_change: access, the record (whose person a refusal
	 * names), then the owner. */
	int rc = !m || dr_need_access(d, m, 2, err) ||
			 (record_id > 0 && dr_load_rec(d, file, record_id, 0, &r, err)) ||
			 dr_need_owner(d, m, operation, record_id > 0 ? r.subject : subject, err)
		 ? -1 : 0;
	json_decref(r.doc);
	store_spine_leave(d->s);
	return rc;
}

int door_create_as(door *d, const char *file, const char *subject, json_t *items,
		   const char *event, door_basis basis, int64_t *record_id, int64_t *pending_id,
		   at_error *err)
{
	if (d->mode != DOOR_WRITE)
		return at_fail(err, 500, AT_E_INTERNAL, "", "door_create needs a door opened for writing");
	if (dr_check_subject(subject, err) || dr_check_event(event, err))
		return -1;
	store_spine_enter(d->s);
	int rc = -1;
	json_t *doc = NULL;
	file_meta *m = dr_load_meta(d, file, err);
	if (!m || dr_need_access(d, m, 2, err) || dr_need_owner(d, m, event, subject, err) ||
	    dr_check_items(d, m, items, false, err))
		goto out;
	int64_t now = time_now();
	/* An ex officio entry of a file declared four-eyes waits as "pending". */
	bool held = basis == DOOR_EX_OFFICIO && m->fe_create;
	store_stmt *st = store_prepare(d->s,
		"INSERT INTO sp_record(file_id, subject, state, version, created_at, updated_at)"
		" VALUES(?, ?, ?, 1, ?, ?) RETURNING id", err);
	if (!st)
		goto out;
	store_bind_text(st, 1, file);
	store_bind_text(st, 2, subject);
	store_bind_text(st, 3, held ? "pending" : "active");
	store_bind_int(st, 4, now);
	store_bind_int(st, 5, now);
	int64_t rid = 0;
	int r = store_step_id(st, &rid, err);
	store_done(st);
	if (r < 0)
		goto out;
	doc = json_object();
	const char *k;
	json_t *v;
	json_object_foreach(items, k, v) {
		if (json_is_null(v))
			continue;
		const item_meta *it = dr_find_item(m, k);
		json_t *enc = dr_encode_value(d, file, rid, it, v, err);
		if (!enc)
			goto out;
		json_object_set_new(doc, k, enc);
		/* A held entry is not findable until it is approved. The record
		 * was made above, so it has no entry to replace: only the insert
		 * (a bulk load spends half its index statements otherwise). */
		if (!held && it->idx && index_add(d, m, it, rid, k, v, err))
			goto out;
	}
	if (dr_write_version(d, rid, 1, doc, event, d->staff, "", err))
		goto out;
	if (record_id)
		*record_id = rid;
	if (held) {
		rec entry = {.id = rid, .version = 1};
		dr_copy(entry.file, sizeof entry.file, file);
		dr_copy(entry.subject, sizeof entry.subject, subject);
		json_t *none = json_object();
		rc = dr_hold(d, m, &entry, "create", event, none, NULL, pending_id, err) ? -1 : 1;
		json_decref(none);
		goto out;
	}
	strbuf il = STRBUF_INIT;
	sb_init(&il);
	dr_item_list(items, &il);
	char det[160];
	dr_detail_of(det, sizeof det, file, rid, 1);
	rc = dr_note(d, event, AUDIT_OK, subject, il.buf, det, err);
	sb_release(&il);
out:
	json_decref(doc);
	store_spine_leave(d->s);
	return rc;
}

int door_read(door *d, const char *file, int64_t record_id, json_t **out, at_error *err)
{
	return door_read_items(d, file, record_id, NULL, out, err);
}

int door_read_items(door *d, const char *file, int64_t record_id, const char *const *proj,
		    json_t **out, at_error *err)
{
	*out = NULL;
	store_spine_enter(d->s);
	int rc = -1;
	rec r = {0};
	file_meta *m = dr_load_meta(d, file, err);
	if (!m || dr_need_access(d, m, 1, err) || dr_check_projection(m, proj, err) ||
	    dr_load_rec(d, file, record_id, 0, &r, err))
		goto out;
	strbuf seen = STRBUF_INIT;
	sb_init(&seen);
	json_t *items = dr_visible_items(d, m, r.id, r.doc, true, proj, &seen, err);
	if (items) {
		char det[160];
		dr_detail_of(det, sizeof det, file, r.id, r.version);
		if (dr_note(d, "read", AUDIT_OK, r.subject, seen.buf, det, err) == 0 &&
		    dr_alert_if_protected(d, &r, "read", err) == 0) {
			*out = dr_rec_json(&r, items);
			rc = 0;
		} else {
			json_decref(items);
		}
	}
	sb_release(&seen);
out:
	json_decref(r.doc);
	store_spine_leave(d->s);
	return rc;
}

int door_history(door *d, const char *file, int64_t record_id, json_t **out, at_error *err)
{
	return door_history_items(d, file, record_id, NULL, out, err);
}

int door_history_items(door *d, const char *file, int64_t record_id, const char *const *proj,
		       json_t **out, at_error *err)
{
	*out = NULL;
	store_spine_enter(d->s);
	int rc = -1;
	rec r = {0};
	json_t *arr = json_array(), *shown = json_object();
	strbuf seen = STRBUF_INIT;
	sb_init(&seen);
	file_meta *m = dr_load_meta(d, file, err);
	if (!m || dr_need_access(d, m, 1, err) || dr_check_projection(m, proj, err) ||
	    dr_load_rec(d, file, record_id, 0, &r, err))
		goto out;
	store_stmt *st = store_prepare(d->s,
		"SELECT version, doc, op, made_by, made_at, approved_by FROM sp_record_version"
		" WHERE record_id = ? ORDER BY version", err);
	if (!st)
		goto out;
	store_bind_int(st, 1, record_id);
	int s;
	while ((s = store_step(st, err)) == STORE_ROW) {
		json_error_t je;
		json_t *doc = json_loads(store_col_text(st, 1), 0, &je);
		json_t *items = doc ? dr_visible_items(d, m, r.id, doc, true, proj, NULL, err) : NULL;
		json_decref(doc);
		if (!items) {
			s = -1;
			break;
		}
		json_object_update_missing(shown, items);
		char at[21];
		time_format(store_col_int(st, 4), at);
		json_array_append_new(arr, json_pack("{s:I,s:s,s:s,s:s,s:s,s:o}", "version",
			(json_int_t)store_col_int(st, 0), "op", store_col_text(st, 2), "made_by",
			store_col_text(st, 3), "made_at", at, "approved_by", store_col_text(st, 5),
			"items", items));
	}
	store_done(st);
	if (s < 0)
		goto out;
	/* The log names every item any version showed, in declared order. */
	for (size_t i = 0; i < m->n; i++)
		if (json_object_get(shown, m->items[i].id)) {
			if (seen.len)
				sb_addch(&seen, ',');
			sb_adds(&seen, m->items[i].id);
		}
	char det[160];
	dr_detail_of(det, sizeof det, file, r.id, r.version);
	if (dr_note(d, "history", AUDIT_OK, r.subject, seen.buf, det, err) ||
	    dr_alert_if_protected(d, &r, "history", err))
		goto out;
	json_t *o = dr_rec_json(&r, json_object());
	json_object_set_new(o, "versions", arr);
	arr = NULL;
	*out = o;
	rc = 0;
out:
	json_decref(arr);
	json_decref(shown);
	sb_release(&seen);
	json_decref(r.doc);
	store_spine_leave(d->s);
	return rc;
}

/* ---- Changes ---- */

/* Apply encoded changes (stored form; null clears) as a new version. */
int dr_apply_changes(door *d, const file_meta *m, rec *r, json_t *changes,
		     const char *op, const char *state, const char *removal_reason,
		     const char *made_by, const char *approved_by, at_error *err)
{
	json_t *doc = json_deep_copy(r->doc);
	const char *k;
	json_t *v;
	json_object_foreach(changes, k, v) {
		if (json_is_null(v))
			json_object_del(doc, k);
		else
			json_object_set(doc, k, v);
	}
	int64_t nv = r->version + 1;
	int rc = dr_write_version(d, r->id, nv, doc, op, made_by, approved_by, err);
	json_decref(doc);
	if (rc)
		return -1;
	store_stmt *st = store_prepare(d->s,
		"UPDATE sp_record SET version = ?, updated_at = ?, state = ?,"
		" removal_reason = COALESCE(?, removal_reason) WHERE id = ? AND version = ?", err);
	if (!st)
		return -1;
	store_bind_int(st, 1, nv);
	store_bind_int(st, 2, time_now());
	store_bind_text(st, 3, state);
	store_bind_text(st, 4, removal_reason);
	store_bind_int(st, 5, r->id);
	store_bind_int(st, 6, r->version);
	int s = store_step(st, err);
	store_done(st);
	if (s != STORE_DONE)
		return -1;
	if (store_changes(d->s) != 1)
		return at_fail(err, 409, AT_E_CONFLICT, "record_id",
			       "record %lld changed meanwhile; read it again", (long long)r->id);
	/* Index entries follow the plaintext, which only the caller of the
	 * original request had; re-derive them from the stored form. */
	json_object_foreach(changes, k, v) {
		const item_meta *it = dr_find_item(m, k);
		if (!it || !it->idx)
			continue;
		json_t *plain = json_is_null(v) ? json_null() : dr_decode_value(d, m->id, r->id, it, v, err);
		if (!plain)
			return -1;
		int w = dr_write_index(d, m, r->id, k, plain, err);
		json_decref(plain);
		if (w)
			return -1;
	}
	r->version = nv;
	return 0;
}

int dr_hold(door *d, const file_meta *m, const rec *r, const char *op, const char *event,
	    json_t *changes, const char *removal_reason, int64_t *pending_id, at_error *err)
{
	char *text = jv_dump(changes);
	int64_t pid = 0;
	store_stmt *st = store_prepare(d->s,
		"INSERT INTO sp_pending(file_id, record_id, subject, op, event, doc, base_version,"
		" removal_reason, business, reason, case_id, maker, made_at, status)"
		" VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending') RETURNING id", err);
	int s = -1;
	if (st) {
		store_bind_text(st, 1, m->id);
		store_bind_int(st, 2, r->id);
		store_bind_text(st, 3, r->subject);
		store_bind_text(st, 4, op);
		store_bind_text(st, 5, event);
		store_bind_text(st, 6, text);
		store_bind_int(st, 7, r->version);
		store_bind_text(st, 8, removal_reason);
		store_bind_text(st, 9, d->business);
		store_bind_text(st, 10, d->reason);
		store_bind_text(st, 11, d->case_id);
		store_bind_text(st, 12, d->staff);
		store_bind_int(st, 13, time_now());
		s = store_step_id(st, &pid, err);
		store_done(st);
	}
	free(text);
	if (s < 0)
		return -1;
	if (pending_id)
		*pending_id = pid;
	strbuf il = STRBUF_INIT;
	sb_init(&il);
	dr_item_list(changes, &il);
	char det[200];
	snprintf(det, sizeof det, "%s#%lld %s held as pending change %lld", m->id, (long long)r->id,
		 op, (long long)pid);
	int rc = dr_note(d, event, AUDIT_PENDING, r->subject, il.buf, det, err);
	sb_release(&il);
	return rc;
}

int door_update(door *d, const char *file, int64_t record_id, json_t *items,
		int64_t *pending_id, at_error *err)
{
	return door_change(d, file, record_id, items, "correct", DOOR_EX_OFFICIO, pending_id, err);
}

int door_change(door *d, const char *file, int64_t record_id, json_t *items, const char *event,
		door_basis basis, int64_t *pending_id, at_error *err)
{
	if (d->mode != DOOR_WRITE)
		return at_fail(err, 500, AT_E_INTERNAL, "", "door_change needs a door opened for writing");
	if (dr_check_event(event, err))
		return -1;
	store_spine_enter(d->s);
	int rc = -1;
	rec r = {0};
	json_t *changes = json_object();
	file_meta *m = dr_load_meta(d, file, err);
	/* Who may write comes before what is written. */
	if (!m || dr_need_access(d, m, 2, err) || dr_load_rec(d, file, record_id, 0, &r, err) ||
	    dr_need_owner(d, m, event, r.subject, err) || dr_check_items(d, m, items, true, err))
		goto out;
	if (strcmp(r.state, "active")) {
		at_fail(err, 409, AT_E_CONFLICT, "record_id",
			"record %lld is removed (除票); a removed record is not changed", (long long)r.id);
		goto out;
	}
	if (dr_encode_items(d, m, r.id, items, changes, err))
		goto out;
	if (basis == DOOR_EX_OFFICIO && m->fe_correct) {
		/* Declared four-eyes: an ex officio correction waits for a second person. */
		rc = dr_hold(d, m, &r, "correct", event, changes, NULL, pending_id, err) ? -1 : 1;
		goto out;
	}
	if (dr_apply_changes(d, m, &r, changes, event, "active", NULL, d->staff, "", err))
		goto out;
	strbuf il = STRBUF_INIT;
	sb_init(&il);
	dr_item_list(items, &il);
	char det[160];
	dr_detail_of(det, sizeof det, file, r.id, r.version);
	rc = dr_note(d, event, AUDIT_OK, r.subject, il.buf, det, err);
	sb_release(&il);
out:
	json_decref(changes);
	json_decref(r.doc);
	store_spine_leave(d->s);
	return rc;
}

int door_remove(door *d, const char *file, int64_t record_id, const char *removal_reason,
		int64_t *pending_id, at_error *err)
{
	return door_remove_as(d, file, record_id, removal_reason, "remove", DOOR_EX_OFFICIO,
			      pending_id, err);
}

int door_remove_as(door *d, const char *file, int64_t record_id, const char *removal_reason,
		   const char *event, door_basis basis, int64_t *pending_id, at_error *err)
{
	return door_remove_with(d, file, record_id, NULL, removal_reason, event, basis, pending_id,
				err);
}

int door_remove_with(door *d, const char *file, int64_t record_id, json_t *items,
		     const char *removal_reason, const char *event, door_basis basis,
		     int64_t *pending_id, at_error *err)
{
	if (d->mode != DOOR_WRITE)
		return at_fail(err, 500, AT_E_INTERNAL, "", "door_remove needs a door opened for writing");
	if (text_check(removal_reason, "reason", 200, false, 0, err) || dr_check_event(event, err))
		return -1;
	store_spine_enter(d->s);
	int rc = -1;
	rec r = {0};
	json_t *changes = json_object();
	file_meta *m = dr_load_meta(d, file, err);
	if (!m || dr_need_access(d, m, 2, err) || dr_load_rec(d, file, record_id, 0, &r, err) ||
	    dr_need_owner(d, m, event, r.subject, err) ||
	    (items && dr_check_items(d, m, items, true, err)))
		goto out;
	if (strcmp(r.state, "active")) {
		at_fail(err, 409, AT_E_CONFLICT, "record_id", "record %lld is already removed",
			(long long)r.id);
		goto out;
	}
	/* The removal's own items (除票区分, 除票異動日 ...) go into the removed
	 * version itself, so a held removal carries them to its approval. */
	if (items && dr_encode_items(d, m, r.id, items, changes, err))
		goto out;
	if (basis == DOOR_EX_OFFICIO && m->fe_remove) {
		rc = dr_hold(d, m, &r, "remove", event, changes, removal_reason, pending_id, err) ? -1 : 1;
		goto out;
	}
	if (dr_apply_changes(d, m, &r, changes, event, "removed", removal_reason, d->staff, "", err))
		goto out;
	strbuf il = STRBUF_INIT;
	sb_init(&il);
	if (items)
		dr_item_list(items, &il);
	char det[160];
	dr_detail_of(det, sizeof det, file, r.id, r.version);
	rc = dr_note(d, event, AUDIT_OK, r.subject, il.buf, det, err);
	sb_release(&il);
out:
	json_decref(changes);
	json_decref(r.doc);
	store_spine_leave(d->s);
	return rc;
}

/* ---- Support measures ---- */

int door_set_support_measure(door *d, const char *file, int64_t record_id, bool on,
			     at_error *err)
{
	if (d->mode != DOOR_WRITE)
		return at_fail(err, 500, AT_E_INTERNAL, "", "support measures need a door opened for writing");
	store_spine_enter(d->s);
	int rc = -1;
	rec r = {0};
	file_meta *m = dr_load_meta(d, file, err);
	if (!m || dr_need_access(d, m, 2, err) || dr_load_rec(d, file, record_id, 0, &r, err) ||
	    dr_need_owner(d, m, on ? "support_measure_set" : "support_measure_clear", r.subject, err))
		goto out;
	store_stmt *st = store_prepare(d->s,
		"UPDATE sp_record SET support_measure = ?, updated_at = ? WHERE id = ?", err);
	if (!st)
		goto out;
	store_bind_int(st, 1, on);
	store_bind_int(st, 2, time_now());
	store_bind_int(st, 3, r.id);
	int s = store_step(st, err);
	store_done(st);
	if (s != STORE_DONE)
		goto out;
	char det[160];
	snprintf(det, sizeof det, "%s#%lld support measure %s", file, (long long)r.id, on ? "set" : "cleared");
	rc = dr_note(d, on ? "support_measure_set" : "support_measure_clear", AUDIT_OK, r.subject, "",
		     det, err);
out:
	json_decref(r.doc);
	store_spine_leave(d->s);
	return rc;
}
