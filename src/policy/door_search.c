/*
 * The door (door.h), phase 4: search — criteria resolved against the
 * declarations into index keys, intersected in the store, and only the
 * records returned loaded and logged as seen.
 * Everything here runs inside a spine section (door_int.h).
 */
#include "door_int.h"

/* ---- Search ---- */

/* One criterion, resolved against the declarations: its index key and, for
 * a prefix, the key just past every key that starts with it. */
typedef struct crit_key {
	const char *item;
	door_match match;
	strbuf key, hi;
} crit_key;

static int resolve_criterion(door *d, const file_meta *m, const door_criterion *c, crit_key *k,
			     at_error *err)
{
	k->item = c->item;
	k->match = c->match;
	sb_init(&k->key);
	sb_init(&k->hi);
	if (c->match != DOOR_EXACT && c->match != DOOR_PREFIX)
		return at_fail(err, 400, AT_E_INVALID, "match", "match must be exact or prefix");
	if (text_check(c->value, "value", 200, false, 0, err))
		return -1;
	const item_meta *it = c->item ? dr_find_item(m, c->item) : NULL;
	if (!it)
		return at_fail(err, 400, AT_E_INVALID, "item", "%s is not an item of file %s",
			       c->item ? c->item : "(none)", m->id);
	if (!it->idx || it->access < 1)
		return at_fail(err, 403, "item_not_searchable", "item",
			       "item %s of file %s is not searchable under business %s", c->item,
			       m->id, d->business);
	/* A business that sees the number masked may not look a person up by
	 * it either: an exact hit would tie the number to a name, address and
	 * birth date it may see (番号法 9条, 19条). The door's own refusal,
	 * audited, naming the criterion. */
	if (!strcmp(it->cls, "my_number") && !d->number_using) {
		at_fail(err, 403, "number_not_usable", c->item,
			"business %s is not a number-using business (番号法 9条): it may not"
			" search by %s", d->business, c->item);
		return dr_refuse(d, "search", "", err);
	}
	if (it->enc && c->match != DOOR_EXACT)
		return at_fail(err, 400, AT_E_INVALID, "match",
			       "item %s is stored encrypted and can only be searched by exact value",
			       c->item);
	json_t *jv;
	if (!strcmp(it->type, "integer")) {
		char *end;
		long long n = strtoll(c->value, &end, 10);
		if (*end)
			return at_fail(err, 400, AT_E_INVALID, "value",
				       "value must be an integer for item %s", c->item);
		jv = json_integer(n);
	} else {
		jv = json_string(c->value);
	}
	int rc = (c->match == DOOR_EXACT && dr_validate_value(it, jv, err)) ||
		 dr_index_key(d, m->id, it, jv, &k->key, err) ? -1 : 0;
	json_decref(jv);
	/* Prefix match as a range on the index: [key, key || 0xFF). */
	sb_add(&k->hi, k->key.buf, k->key.len);
	sb_addch(&k->hi, (char)0xFF);
	return rc;
}

static bool in_list(const char *const *list, const char *id)
{
	for (; *list; list++)
		if (!strcmp(*list, id))
			return true;
	return false;
}

static int search(door *d, const char *file, const door_criterion *crit, size_t n,
		  bool include_removed, int limit, const char *const *proj,
		  const char *after_subject, bool check, json_t **out, bool *truncated,
		  at_error *err);

int door_search(door *d, const char *file, const door_criterion *crit, size_t n,
		bool include_removed, int limit, json_t **out, bool *truncated, at_error *err)
{
	return door_search_items(d, file, crit, n, include_removed, limit, NULL, out, truncated,
				 err);
}

int door_search_items(door *d, const char *file, const door_criterion *crit, size_t n,
		      bool include_removed, int limit, const char *const *proj, json_t **out,
		      bool *truncated, at_error *err)
{
	return door_search_after(d, file, crit, n, include_removed, limit, proj, NULL, out,
				 truncated, err);
}

int door_search_after(door *d, const char *file, const door_criterion *crit, size_t n,
		      bool include_removed, int limit, const char *const *proj,
		      const char *after_subject, json_t **out, bool *truncated, at_error *err)
{
	return search(d, file, crit, n, include_removed, limit, proj, after_subject, false, out,
		      truncated, err);
}

int door_check_items(door *d, const char *file, const door_criterion *crit, size_t n,
		     bool include_removed, const char *const *proj, json_t **out, at_error *err)
{
	*out = NULL;
	/* A read unit has no operation of its own for the look-up to be part of:
	 * there a look-up is the staff member's search, audited as one. */
	if (d->mode == DOOR_READ)
		return at_fail(err, 500, AT_E_INTERNAL, "search",
			       "a check is a write unit's own look-up; a read unit searches");
	return search(d, file, crit, n, include_removed, DOOR_FIND_MAX, proj, NULL, true, out, NULL,
		      err);
}

/* after_subject NULL: the index's order (door_search_items); else the
 * subjects' order from just after it. check: a write unit's own look-up
 * (door_check_items), which writes no "search" event of its own. */
static int search(door *d, const char *file, const door_criterion *crit, size_t n,
		  bool include_removed, int limit, const char *const *proj,
		  const char *after_subject, bool check, json_t **out, bool *truncated,
		  at_error *err)
{
	*out = NULL;
	if (truncated)
		*truncated = false;
	if (limit < 1 || limit > DOOR_FIND_MAX)
		return at_fail(err, 400, AT_E_INVALID, "limit", "limit must be between 1 and %d",
			       DOOR_FIND_MAX);
	if (n < 1 || n > DOOR_SEARCH_MAX_CRITERIA)
		return at_fail(err, 400, AT_E_INVALID, "criteria",
			       "a search takes 1 to %d criteria", DOOR_SEARCH_MAX_CRITERIA);
	store_spine_enter(d->s);
	int rc = -1;
	json_t *arr = json_array();
	int64_t *ids = NULL;
	char (*subjects)[65] = NULL;   /* the people of the records found */
	size_t found = 0;
	const char **many = NULL;   /* the projection of a several-person result */
	crit_key keys[DOOR_SEARCH_MAX_CRITERIA];
	size_t nk = 0;
	strbuf sql = STRBUF_INIT, items_list = STRBUF_INIT;
	sb_init(&sql);
	sb_init(&items_list);
	file_meta *m = dr_load_meta(d, file, err);
	if (!m || dr_need_access(d, m, 1, err) || dr_check_projection(m, proj, err))
		goto out;
	/* Exact criteria first: the first criterion drives the index scan and
	 * the others are checked per candidate, so the narrowest should lead. */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < n; i++) {
			if ((crit[i].match == DOOR_EXACT) != (pass == 0))
				continue;
			if (resolve_criterion(d, m, &crit[i], &keys[nk++], err))
				goto out;
			if (items_list.len)
				sb_addch(&items_list, ',');
			sb_adds(&items_list, crit[i].item);
		}
	/* The intersection is done by SQLite, so only the records returned are
	 * loaded, decrypted and logged as seen. */
	sb_adds(&sql, "SELECT i0.record_id, r.subject FROM sp_index i0 JOIN sp_record r ON r.id = i0.record_id"
		      " WHERE i0.file_id = ? AND i0.item_id = ? AND ");
	sb_adds(&sql, keys[0].match == DOOR_EXACT ? "i0.key = ?" : "i0.key >= ? AND i0.key < ?");
	sb_adds(&sql, include_removed ? " AND r.state IN ('active', 'removed')"
				      : " AND r.state = 'active'");
	for (size_t k = 1; k < nk; k++)
		sb_addf(&sql, " AND EXISTS (SELECT 1 FROM sp_index x WHERE x.file_id = i0.file_id"
			      " AND x.item_id = ? AND %s AND x.record_id = i0.record_id)",
			keys[k].match == DOOR_EXACT ? "x.key = ?" : "x.key >= ? AND x.key < ?");
	if (after_subject)
		sb_adds(&sql, " AND r.subject > ? ORDER BY r.subject, r.id LIMIT ?");
	else
		sb_adds(&sql, " ORDER BY i0.key, i0.record_id LIMIT ?");
	store_stmt *st = store_prepare(d->s, sql.buf, err);
	if (!st)
		goto out;
	int b = 1;
	store_bind_text(st, b++, file);
	for (size_t k = 0; k < nk; k++) {
		store_bind_text(st, b++, keys[k].item);
		store_bind_text(st, b++, keys[k].key.buf);
		/* As text: SQLite orders every TEXT value below every BLOB, so a
		 * blob bound would leave the range unbounded above. */
		if (keys[k].match != DOOR_EXACT)
			store_bind_text(st, b++, keys[k].hi.buf);
	}
	if (after_subject)
		store_bind_text(st, b++, after_subject);
	store_bind_int(st, b, limit + 1);   /* one more, to know a result was cut */
	ids = calloc((size_t)limit, sizeof *ids);
	subjects = calloc((size_t)limit, sizeof *subjects);
	if (!ids || !subjects)
		abort();
	int step;
	while ((step = store_step(st, err)) == STORE_ROW) {
		if (found == (size_t)limit) {
			if (truncated)
				*truncated = true;
			break;
		}
		ids[found] = store_col_int(st, 0);
		dr_copy(subjects[found++], sizeof *subjects, store_col_text(st, 1));
	}
	store_done(st);
	/* Counted before anything is read: a search past the staff member's
	 * limit lists nobody. */
	if (step < 0 || dr_search_volume(d, (const char (*)[65])subjects, found, err))
		goto out;
	/* A result listing several people carries basic facts only (issue 8
	 * §3): neither the My Number nor any `sensitive` item (住民票コード,
	 * 本籍, 在留カード番号 ...) is read, shown or logged as seen for any of
	 * them. The caller's projection is narrowed to the rest. */
	bool include_mn = found == 1;
	if (!include_mn) {
		many = calloc(m->n + 1, sizeof *many);
		if (!many)
			abort();
		size_t nm = 0;
		for (size_t i = 0; i < m->n; i++) {
			const item_meta *it = &m->items[i];
			if (strcmp(it->cls, "my_number") && strcmp(it->cls, "sensitive") &&
			    (!proj || in_list(proj, it->id)))
				many[nm++] = it->id;
		}
		if (!nm) {
			at_fail(err, 400, AT_E_INVALID, "items",
				"a result listing several people shows no my_number or sensitive"
				" item; name at least one other item");
			goto out;
		}
		proj = (const char *const *)many;
	}
	char det[240];
	snprintf(det, sizeof det, "%s criteria=%s results=%zu%s", file, items_list.buf, found,
		 include_removed ? " incl. removed" : "");
	/* A check names nobody to the staff member (the caller learns whether a
	 * value is held, for a refusal, never whose): it is part of the write it
	 * checks, whose own event carries the items touched. Only a person it
	 * finds is recorded, below. */
	if (!check && dr_note(d, "search", AUDIT_OK, "", items_list.buf, det, err))
		goto out;
	for (size_t i = 0; i < found; i++) {
		rec r;
		if (dr_load_rec(d, file, ids[i], 0, &r, err))
			goto out;
		strbuf seen = STRBUF_INIT;
		sb_init(&seen);
		json_t *items = dr_visible_items(d, m, r.id, r.doc, include_mn, proj, &seen, err);
		char rd[160], cd[400];
		dr_detail_of(rd, sizeof rd, file, r.id, r.version);
		snprintf(cd, sizeof cd, "%s check criteria=%s", rd, items_list.buf);
		/* Each person shown in a result list has been seen: the resident's
		 * view of who looked at their data includes searches. */
		/* A person a check finds was looked at: the event names them and
		 * outlives an abort, since a duplicate is what makes the write
		 * refuse (the refusal says the value is held, not by whom). */
		int nr = !items ? -1
			 : check ? dr_note_sticky(d, "check", AUDIT_OK, r.subject, seen.buf, cd, err)
				 : dr_note(d, "search_result", AUDIT_OK, r.subject, seen.buf, rd, err);
		if (nr == 0)
			nr = dr_alert_if_protected(d, &r, "search result", err);
		sb_release(&seen);
		if (items && nr == 0)
			json_array_append_new(arr, dr_rec_json(&r, items));
		else
			json_decref(items);
		json_decref(r.doc);
		if (nr)
			goto out;
	}
	*out = arr;
	arr = NULL;
	rc = 0;
out:
	for (size_t k = 0; k < nk; k++) {
		sb_release(&keys[k].key);
		sb_release(&keys[k].hi);
	}
	sb_release(&sql);
	sb_release(&items_list);
	free(ids);
	free(subjects);
	free(many);
	json_decref(arr);
	store_spine_leave(d->s);
	return rc;
}

int door_find(door *d, const char *file, const char *item, const char *value, door_match match,
	      int limit, json_t **out, at_error *err)
{
	door_criterion c = {.item = item, .value = value, .match = match};
	return door_search(d, file, &c, 1, true, limit, out, NULL, err);
}
