/*
 * The door (door.h), phase 5: four-eyes — the held changes a business may
 * decide, and their approval (applied as a new version) or rejection.
 * Everything here runs inside a spine section (door_int.h).
 */
#include "door_int.h"

/* ---- Four-eyes ---- */

/* One open pending change as read from the store, before it is shown. */
typedef struct pend_row {
	int64_t id, rid, base, made_at;
	bool protected_rec;   /* the record is under a support measure */
	char file[65], subject[65], op[16], business[65], reason[801], case_id[65], maker[65],
		event[40], removal[801];
	char *doc;
} pend_row;

static void free_rows(pend_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(rows[i].doc);
	free(rows);
}

/* The open pending changes of files the business may update, oldest first. */
static int load_rows(door *d, pend_row **out, size_t *n, at_error *err)
{
	*out = NULL;
	*n = 0;
	size_t cap = 0;
	pend_row *rows = NULL;
	store_stmt *st = store_prepare(d->s,
		"SELECT p.id, p.file_id, p.record_id, p.subject, p.op,"
		" CASE WHEN p.op = 'create' THEN v.doc ELSE p.doc END, p.base_version,"
		" COALESCE(p.removal_reason, ''), p.business, p.reason, p.case_id, p.maker, p.made_at,"
		" p.event, COALESCE(r.support_measure, 0) FROM sp_pending p"
		" LEFT JOIN sp_record_version v ON v.record_id = p.record_id AND v.version = 1"
		" LEFT JOIN sp_record r ON r.id = p.record_id"
		" WHERE p.status = 'pending' AND EXISTS (SELECT 1 FROM sp_permission x"
		" WHERE x.business = ? AND x.file_id = p.file_id AND x.access = 2) ORDER BY p.id", err);
	if (!st)
		return -1;
	store_bind_text(st, 1, d->business);
	int s;
	while ((s = store_step(st, err)) == STORE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 8;
			pend_row *grown = realloc(rows, cap * sizeof *rows);
			if (!grown)
				abort();
			rows = grown;
		}
		pend_row *p = &rows[(*n)++];
		memset(p, 0, sizeof *p);
		p->id = store_col_int(st, 0);
		dr_copy(p->file, sizeof p->file, store_col_text(st, 1));
		p->rid = store_col_int(st, 2);
		dr_copy(p->subject, sizeof p->subject, store_col_text(st, 3));
		dr_copy(p->op, sizeof p->op, store_col_text(st, 4));
		p->doc = strdup(store_col_text(st, 5));
		if (!p->doc)
			abort();
		p->base = store_col_int(st, 6);
		dr_copy(p->removal, sizeof p->removal, store_col_text(st, 7));
		dr_copy(p->business, sizeof p->business, store_col_text(st, 8));
		dr_copy(p->reason, sizeof p->reason, store_col_text(st, 9));
		dr_copy(p->case_id, sizeof p->case_id, store_col_text(st, 10));
		dr_copy(p->maker, sizeof p->maker, store_col_text(st, 11));
		p->made_at = store_col_int(st, 12);
		dr_copy(p->event, sizeof p->event, store_col_text(st, 13));
		p->protected_rec = store_col_int(st, 14) != 0;
	}
	store_done(st);
	if (s < 0) {
		free_rows(rows, *n);
		*n = 0;
		return -1;
	}
	*out = rows;
	return 0;
}

/* Entries about more than one person: the list is a many-person result. */
static bool several_people(const pend_row *rows, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (strcmp(rows[i].subject, rows[0].subject))
			return true;
	return false;
}

int door_pending_list(door *d, json_t **out, at_error *err)
{
	*out = NULL;
	store_spine_enter(d->s);
	int rc = -1;
	json_t *arr = json_array();
	pend_row *rows = NULL;
	size_t n = 0;
	if (load_rows(d, &rows, &n, err))
		goto out;
	/* As a search: a list about several people shows no My Number at all. */
	bool include_mn = !several_people(rows, n);
	char det[64];
	snprintf(det, sizeof det, "pending=%zu", n);
	if (dr_note(d, "pending_list", AUDIT_OK, "", "", det, err))
		goto out;
	for (size_t i = 0; i < n; i++) {
		const pend_row *p = &rows[i];
		file_meta *m = dr_load_meta(d, p->file, err);
		json_error_t je;
		json_t *doc = m ? json_loads(p->doc, 0, &je) : NULL;
		if (m && !doc)
			at_fail(err, 500, AT_E_STORE, "", "pending change %lld holds no document",
				(long long)p->id);
		strbuf seen = STRBUF_INIT;
		sb_init(&seen);
		json_t *items = doc ? dr_visible_items(d, m, p->rid, doc, include_mn, NULL, &seen, err)
				    : NULL;
		json_decref(doc);
		/* Each entry shown is a look at its person's data (DESIGN.md
		 * principle 9): logged with exactly the items returned. */
		char rd[400];
		snprintf(rd, sizeof rd, "pending %lld (%s %s by %s) on %s#%lld", (long long)p->id,
			 p->op, p->event, p->maker, p->file, (long long)p->rid);
		int nr = items ? dr_note(d, "pending_entry", AUDIT_OK, p->subject, seen.buf, rd, err) : -1;
		sb_release(&seen);
		if (nr == 0 && p->protected_rec) {
			rec r = {.id = p->rid, .support_measure = true};
			dr_copy(r.file, sizeof r.file, p->file);
			dr_copy(r.subject, sizeof r.subject, p->subject);
			nr = dr_alert_if_protected(d, &r, "pending list", err);
		}
		if (nr) {
			json_decref(items);
			goto out;
		}
		char at[21];
		time_format(p->made_at, at);
		json_t *o = json_pack("{s:I,s:s,s:I,s:s,s:s,s:o,s:I,s:s,s:s,s:s,s:s,s:s}", "pending_id",
			(json_int_t)p->id, "file", p->file, "record_id", (json_int_t)p->rid,
			"subject", p->subject, "op", p->op, "items", items,
			"base_version", (json_int_t)p->base, "business", p->business, "reason",
			p->reason, "case_id", p->case_id, "maker", p->maker, "made_at", at);
		if (*p->removal)
			json_object_set_new(o, "removal_reason", json_string(p->removal));
		json_object_set_new(o, "event", json_string(p->event));
		json_array_append_new(arr, o);
	}
	*out = arr;
	arr = NULL;
	rc = 0;
out:
	free_rows(rows, n);
	json_decref(arr);
	store_spine_leave(d->s);
	return rc;
}

/* One text fact about an open pending change, "" when there is none. */
static int pending_fact(store *s, int64_t pending_id, const char *sql, char *out, size_t n,
			at_error *err)
{
	if (n)
		out[0] = '\0';
	store_spine_enter(s);
	store_stmt *st = store_prepare(s, sql, err);
	int rc = -1;
	if (st) {
		store_bind_int(st, 1, pending_id);
		int step = store_step(st, err);
		if (step == STORE_ROW)
			snprintf(out, n, "%s", store_col_text(st, 0));
		store_done(st);
		rc = step < 0 ? -1 : 0;
	}
	store_spine_leave(s);
	return rc;
}

int door_pending_module(store *s, int64_t pending_id, char *module, size_t n, at_error *err)
{
	return pending_fact(s, pending_id,
		"SELECT COALESCE(f.owner, '') FROM sp_pending p JOIN sp_file f ON f.id = p.file_id"
		" WHERE p.id = ? AND p.status = 'pending'", module, n, err);
}

int door_pending_subject(store *s, int64_t pending_id, char *subject, size_t n, at_error *err)
{
	return pending_fact(s, pending_id,
		"SELECT subject FROM sp_pending WHERE id = ? AND status = 'pending'", subject, n, err);
}

int door_pending_decide(door *d, int64_t pending_id, bool approve, const char *decision_note,
			at_error *err)
{
	if (d->mode != DOOR_WRITE)
		return at_fail(err, 500, AT_E_INTERNAL, "", "deciding needs a door opened for writing");
	if (decision_note && text_check(decision_note, "note", 200, true, 0, err))
		return -1;
	store_spine_enter(d->s);
	int rc = -1;
	rec r = {0};
	json_t *changes = NULL;
	file_meta *m = NULL;
	char file[65] = "", op[16] = "", maker[65] = "", removal[801] = "", event[40] = "",
	     subject[65] = "";
	int64_t rid = 0, base = 0;
	const char *decision = approve ? "approve" : "reject";
	store_stmt *st = store_prepare(d->s,
		"SELECT file_id, record_id, op, doc, base_version, COALESCE(removal_reason, ''), maker,"
		" event, subject FROM sp_pending WHERE id = ? AND status = 'pending'", err);
	if (!st)
		goto out;
	store_bind_int(st, 1, pending_id);
	int s = store_step(st, err);
	if (s == STORE_ROW) {
		dr_copy(file, sizeof file, store_col_text(st, 0));
		rid = store_col_int(st, 1);
		dr_copy(op, sizeof op, store_col_text(st, 2));
		json_error_t je;
		changes = json_loads(store_col_text(st, 3), 0, &je);
		base = store_col_int(st, 4);
		dr_copy(removal, sizeof removal, store_col_text(st, 5));
		dr_copy(maker, sizeof maker, store_col_text(st, 6));
		dr_copy(event, sizeof event, store_col_text(st, 7));
		dr_copy(subject, sizeof subject, store_col_text(st, 8));
	}
	store_done(st);
	if (s != STORE_ROW || !changes) {
		if (s == STORE_ROW || s == STORE_DONE)
			at_fail(err, 404, AT_E_NOT_FOUND, "pending_id",
				"there is no open pending change %lld", (long long)pending_id);
		goto out;
	}
	/* From here a refusal is about the change's person: the request knew only
	 * a pending id, so the door's refusals (dr_refuse falls back to the
	 * unit's subject) name the person the change is about (issue 8 §1). */
	if (!*d->subject)
		dr_copy(d->subject, sizeof d->subject, subject);
	m = dr_load_meta(d, file, err);
	if (!m || dr_need_access(d, m, 2, err))
		goto out;
	/* Four-eyes: the second person must be a different person (seed 000 §4
	 * 「入力後に別の担当者による二重チェック」; seed 001 §4). */
	if (!strcmp(maker, d->staff)) {
		at_fail(err, 403, "four_eyes_self", "pending_id",
			"%s proposed pending change %lld and may not decide it; another staff member must",
			d->staff, (long long)pending_id);
		dr_refuse(d, decision, subject, err);
		goto out;
	}
	if (dr_load_rec(d, file, rid, 0, &r, err) || dr_need_owner(d, m, decision, r.subject, err))
		goto out;
	char det[400];
	bool is_create = !strcmp(op, "create");
	if (approve) {
		if (r.version != base || strcmp(r.state, is_create ? "pending" : "active")) {
			at_fail(err, 409, AT_E_CONFLICT, "pending_id",
				"record %lld changed after the change was proposed; reject it and propose again",
				(long long)rid);
			goto out;
		}
		bool rm = !strcmp(op, "remove");
		if (dr_apply_changes(d, m, &r, changes, event, rm ? "removed" : "active", rm ? removal : NULL,
				     maker, d->staff, err))
			goto out;
		/* An approved entry becomes findable now. */
		if (is_create && dr_index_all(d, m, r.id, r.doc, err))
			goto out;
	} else if (is_create) {
		/* A refused entry stays as evidence, in state "rejected". */
		if (dr_apply_changes(d, m, &r, changes, "reject", "rejected", NULL, maker, d->staff, err))
			goto out;
	}
	st = store_prepare(d->s,
		"UPDATE sp_pending SET status = ?, checker = ?, decided_at = ?, note = ?"
		" WHERE id = ? AND status = 'pending'", err);
	if (!st)
		goto out;
	store_bind_text(st, 1, approve ? "approved" : "rejected");
	store_bind_text(st, 2, d->staff);
	store_bind_int(st, 3, time_now());
	store_bind_text(st, 4, decision_note ? decision_note : "");
	store_bind_int(st, 5, pending_id);
	s = store_step(st, err);
	store_done(st);
	if (s != STORE_DONE)
		goto out;
	snprintf(det, sizeof det, "pending %lld (%s %s by %s) on %s#%lld%s", (long long)pending_id,
		 op, event, maker, file, (long long)rid, approve ? " applied" : "");
	strbuf il = STRBUF_INIT;
	sb_init(&il);
	dr_item_list(changes, &il);
	rc = dr_note(d, decision, AUDIT_OK, r.subject, il.buf, det, err);
	sb_release(&il);
out:
	json_decref(changes);
	json_decref(r.doc);
	store_spine_leave(d->s);
	return rc;
}
