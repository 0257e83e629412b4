/*
 * The door (door.h), phase 2: items and sealing — a file's declarations as the
 * door's business sees them (access, owner), value checks by declared type and
 * rules, sealing and opening encrypted items, index keys, and which items of a
 * stored document a request may see (the projection).
 * Everything here runs inside a spine section (door_int.h).
 */
#include "door_int.h"

#include <regex.h>
#include <sodium/utils.h>  /* sodium_memzero */
#include "core/kana.h"
#include "core/mynumber.h"

/* ---- Declarations of one file, as seen by the door's business ---- */

static void free_meta_one(file_meta *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n; i++)
		json_decref(m->items[i].rules);
	free(m);
}

file_meta *dr_load_meta(door *d, const char *file, at_error *err)
{
	if (!file || !policy_id_ok(file)) {
		at_fail(err, 400, AT_E_INVALID, "file", "file must be a declared file id");
		return NULL;
	}
	/* Declarations do not change inside a unit of work: read each file's once. */
	for (unsigned i = 0; i < 4; i++)
		if (d->meta[i] && !strcmp(d->meta[i]->id, file))
			return d->meta[i];
	file_meta *m = calloc(1, sizeof *m);
	if (!m)
		abort();
	dr_copy(m->id, sizeof m->id, file);
	store_stmt *st = store_prepare(d->s,
		"SELECT four_eyes_correct, four_eyes_remove, four_eyes_create, owner, own_tables"
		" FROM sp_file WHERE id = ?", err);
	if (!st)
		goto fail;
	store_bind_text(st, 1, file);
	int r = store_step(st, err);
	if (r == STORE_ROW) {
		m->fe_correct = store_col_int(st, 0) != 0;
		m->fe_remove = store_col_int(st, 1) != 0;
		m->fe_create = store_col_int(st, 2) != 0;
		dr_copy(m->owner, sizeof m->owner, store_col_text(st, 3));
		m->own_tables = store_col_int(st, 4) != 0;
	}
	store_done(st);
	if (r != STORE_ROW) {
		if (r == STORE_DONE)
			at_fail(err, 404, AT_E_NOT_FOUND, "file", "%s is not a declared file", file);
		goto fail;
	}
	st = store_prepare(d->s,
		"SELECT i.id, i.type, i.max_len, i.class, i.encrypted, i.indexed,"
		" COALESCE(p.access, 0), i.search, i.rules FROM sp_item i LEFT JOIN sp_permission p"
		" ON p.file_id = i.file_id AND p.item_id = i.id AND p.business = ?"
		" WHERE i.file_id = ? ORDER BY i.ord", err);
	if (!st)
		goto fail;
	store_bind_text(st, 1, d->business);
	store_bind_text(st, 2, file);
	int step;
	while ((step = store_step(st, err)) == STORE_ROW) {
		/* decl.c refuses larger declarations; never cut one silently. */
		if (m->n == MAX_ITEMS) {
			at_fail(err, 500, AT_E_INTERNAL, "file",
				"file %s has more than the %d items the door supports", file, MAX_ITEMS);
			step = -1;
			break;
		}
		item_meta *it = &m->items[m->n++];
		dr_copy(it->id, sizeof it->id, store_col_text(st, 0));
		dr_copy(it->type, sizeof it->type, store_col_text(st, 1));
		it->max = store_col_int(st, 2);
		dr_copy(it->cls, sizeof it->cls, store_col_text(st, 3));
		it->enc = store_col_int(st, 4) != 0;
		it->idx = store_col_int(st, 5) != 0;
		it->access = (int)store_col_int(st, 6);
		it->kana = !strcmp(store_col_text(st, 7), "kana");
		if (*store_col_text(st, 8)) {
			json_error_t je;
			it->rules = json_loads(store_col_text(st, 8), 0, &je);
		}
		if (it->access > m->max_access)
			m->max_access = it->access;
	}
	store_done(st);
	if (step < 0) {
		free_meta_one(m);
		return NULL;
	}
	unsigned slot = d->meta_next++ % 4;
	free_meta_one(d->meta[slot]);
	d->meta[slot] = m;
	return m;
fail:
	free(m);
	return NULL;
}

void dr_free_meta(door *d)
{
	for (unsigned i = 0; i < 4; i++)
		free_meta_one(d->meta[i]);
}

const item_meta *dr_find_item(const file_meta *m, const char *id)
{
	for (size_t i = 0; i < m->n; i++)
		if (!strcmp(m->items[i].id, id))
			return &m->items[i];
	return NULL;
}

/* Refusals here are the door's own: written (and kept through the caller's
 * abort) by dr_refuse, so a refused look at a file is as accountable over
 * the generic records routes as over a module's (DESIGN.md principle 4). */
int dr_need_access(door *d, const file_meta *m, int level, at_error *err)
{
	const char *op = level == 2 ? "write" : "read";
	if (m->own_tables) {
		at_fail(err, 403, "owner_tables", "file",
			"file %s is kept by module %s in its own tables; the door holds no"
			" records of it", m->id, m->owner);
		return dr_refuse(d, op, "", err);
	}
	if (m->max_access >= level)
		return 0;
	at_fail(err, 403, "file_not_permitted", "file", "business %s may not %s file %s",
		d->business, level == 2 ? "update" : "view", m->id);
	return dr_refuse(d, op, "", err);
}

/* A write of an owned file through a door its owner did not open: refused,
 * and the refusal reaches the log even though the caller will abort. */
int dr_need_owner(door *d, const file_meta *m, const char *op, const char *subject,
		  at_error *err)
{
	if (!*m->owner || (d->owner && dr_registered_owner(m->owner) == d->owner))
		return 0;
	at_fail(err, 403, "not_owner", "file",
		"file %s is written only by its owner module %s (through its own operations),"
		" not by %s", m->id, m->owner, d->owner ? d->owner->module : "the generic records API");
	return dr_refuse(d, op, subject, err);
}

/* ---- Values ---- */

static int check_type(const item_meta *it, json_t *v, const char *f, at_error *err);

/* The value rules declared with the item (decl.h), after its type held:
 * the code list, the municipality code's check digit, the pattern, the
 * minimum length, no future date. */
static int check_rules(const item_meta *it, json_t *v, const char *f, at_error *err)
{
	json_t *r = it->rules;
	if (!r)
		return 0;
	char num[32];
	const char *s = json_string_value(v);
	if (json_is_integer(v)) {
		snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
		s = num;
	}
	if (!s)
		return 0;
	json_t *codes = json_object_get(r, "codes");
	if (codes && !json_object_get(codes, s)) {
		strbuf list = STRBUF_INIT;
		sb_init(&list);
		const char *k;
		json_t *label;
		json_object_foreach(codes, k, label) {
			if (list.len)
				sb_adds(&list, ", ");
			sb_addf(&list, "%s (%s)", k, json_string_value(label));
		}
		at_fail(err, 400, AT_E_INVALID, f, "%s must be one of the declared codes: %s; got %s",
			f, list.buf, s);
		sb_release(&list);
		return -1;
	}
	const char *check = json_string_value(json_object_get(r, "check"));
	/* 全国地方公共団体コード: 5 digits and a check digit (JIS X 0402). */
	if (check && !strcmp(check, "municipality_code") && municipality_code_validate(s, f, err))
		return -1;
	const char *pattern = json_string_value(json_object_get(r, "pattern"));
	if (pattern) {
		regex_t re;
		if (regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB))
			return at_fail(err, 500, AT_E_INTERNAL, f, "the declared pattern of %s does not compile", f);
		int m = regexec(&re, s, 0, NULL, 0);
		regfree(&re);
		if (m)
			return at_fail(err, 400, AT_E_INVALID, f, "%s must match the declared pattern %s",
				       f, pattern);
	}
	json_int_t min = json_integer_value(json_object_get(r, "min"));
	if (min > 0 && text_utf8_len(s) < (size_t)min)
		return at_fail(err, 400, AT_E_INVALID, f, "%s must be at least %lld characters", f,
			       (long long)min);
	if (json_is_true(json_object_get(r, "not_future"))) {
		at_date dt, today = date_today();
		at_error ignored;
		if (date_parse(s, &dt, f, &ignored) == 0 && date_cmp(dt, today) > 0) {
			char t[11];
			date_format(today, t);
			return at_fail(err, 400, AT_E_INVALID, f, "%s must not be after today (%s)", f, t);
		}
	}
	return 0;
}

int dr_validate_value(const item_meta *it, json_t *v, at_error *err)
{
	char f[96];
	snprintf(f, sizeof f, "items.%s", it->id);
	if (check_type(it, v, f, err))
		return -1;
	return json_is_null(v) ? 0 : check_rules(it, v, f, err);
}

/* The item's declared type (decl.h). */
static int check_type(const item_meta *it, json_t *v, const char *f, at_error *err)
{
	if (json_is_null(v))
		return 0;  /* clears the item */
	const char *t = it->type;
	if (!strcmp(t, "integer")) {
		if (!json_is_integer(v))
			return at_fail(err, 400, AT_E_INVALID, f, "%s must be an integer", f);
		return 0;
	}
	if (!strcmp(t, "boolean")) {
		if (!json_is_boolean(v))
			return at_fail(err, 400, AT_E_INVALID, f, "%s must be true or false", f);
		return 0;
	}
	if (!json_is_string(v))
		return at_fail(err, 400, AT_E_INVALID, f, "%s must be a string", f);
	const char *s = json_string_value(v);
	if (strlen(s) != json_string_length(v))
		return at_fail(err, 400, AT_E_INVALID, f, "%s must not contain NUL characters", f);
	if (!strcmp(t, "my_number"))
		return mynumber_validate(s, f, err);
	if (!strcmp(t, "date")) {
		at_date dt;
		return date_parse(s, &dt, f, err);
	}
	if (!strncmp(t, "digits:", 7)) {
		if (!text_is_digits(s, (size_t)it->max))
			return at_fail(err, 400, AT_E_INVALID, f, "%s must be exactly %lld digits", f,
				       (long long)it->max);
		return 0;
	}
	if (text_check(s, f, (size_t)it->max, false, 0, err))
		return -1;
	if (!strcmp(t, "kana") && !kana_reading_ok(s, KANA_READING_ANY))
		return at_fail(err, 400, AT_E_INVALID, f, "%s must be written in kana", f);
	return 0;
}

static void aad_for(const char *file, int64_t record_id, const char *item, strbuf *aad)
{
	sb_addf(aad, "%s/%lld/%s", file, (long long)record_id, item);
}

/* Canonical text of a value: strings as they are, other values as JSON. */
static void canon(json_t *v, strbuf *out)
{
	if (json_is_string(v)) {
		sb_add(out, json_string_value(v), json_string_length(v));
		return;
	}
	char *j = jv_dump(v);
	sb_adds(out, j);
	free(j);
}

/* The stored form: sealed text for encrypted items, the value otherwise. */
json_t *dr_encode_value(door *d, const char *file, int64_t rid, const item_meta *it,
			json_t *v, at_error *err)
{
	if (json_is_null(v))
		return json_null();
	if (!it->enc)
		return json_incref(v);
	char *plain = jv_dump(v);
	strbuf aad = STRBUF_INIT, sealed = STRBUF_INIT;
	sb_init(&aad);
	sb_init(&sealed);
	aad_for(file, rid, it->id, &aad);
	json_t *r = NULL;
	if (crypto_seal(d->kr, plain, strlen(plain), aad.buf, &sealed, err) == 0)
		r = json_string(sealed.buf);
	memset(plain, 0, strlen(plain));
	free(plain);
	sb_release(&aad);
	sb_release(&sealed);
	return r;
}

json_t *dr_decode_value(door *d, const char *file, int64_t rid, const item_meta *it,
			json_t *stored, at_error *err)
{
	if (!it->enc || !json_is_string(stored))
		return json_incref(stored);
	strbuf aad = STRBUF_INIT, plain = STRBUF_INIT;
	sb_init(&aad);
	sb_init(&plain);
	aad_for(file, rid, it->id, &aad);
	json_t *r = NULL;
	if (crypto_open(d->kr, json_string_value(stored), aad.buf, &plain, err) == 0) {
		json_error_t je;
		r = json_loadb(plain.buf, plain.len, JSON_DECODE_ANY, &je);
		if (!r)
			at_fail(err, 500, AT_E_INTERNAL, it->id, "stored value of %s is not JSON", it->id);
		sodium_memzero(plain.buf, plain.len);
	}
	sb_release(&aad);
	sb_release(&plain);
	return r;
}

/* Index key: blind index for encrypted items, the kana search key for items
 * declared "search": "kana", the canonical text otherwise. */
int dr_index_key(door *d, const char *file, const item_meta *it, json_t *v, strbuf *out,
		 at_error *err)
{
	strbuf c = STRBUF_INIT;
	sb_init(&c);
	canon(v, &c);
	int rc = 0;
	if (it->enc) {
		char domain[160];
		snprintf(domain, sizeof domain, "%s.%s", file, it->id);
		crypto_blind_index(d->kr, domain, c.buf, out);
	} else if (it->kana) {
		rc = kana_search_key(c.buf, out, err);
	} else {
		sb_add(out, c.buf, c.len);
	}
	sb_release(&c);
	return rc;
}

/* Validate an items object against the file for writing; every key must be
 * a declared item this business may update. */
int dr_check_items(door *d, const file_meta *m, json_t *items, bool allow_null, at_error *err)
{
	if (!json_is_object(items) || json_object_size(items) == 0)
		return at_fail(err, 400, AT_E_INVALID, "items", "items must be a non-empty object");
	const char *k;
	json_t *v;
	json_object_foreach(items, k, v) {
		const item_meta *it = dr_find_item(m, k);
		char f[96];
		snprintf(f, sizeof f, "items.%s", k);
		if (!it)
			return at_fail(err, 400, AT_E_UNKNOWN, f, "%s is not an item of file %s", f, m->id);
		if (it->access < 2)
			return at_fail(err, 403, "item_not_permitted", f,
				       "business %s may not update %s of file %s", d->business, k, m->id);
		if (json_is_null(v) && !allow_null)
			continue;
		if (dr_validate_value(it, v, err))
			return -1;
	}
	return 0;
}

void dr_item_list(json_t *items, strbuf *out)
{
	const char *k;
	json_t *v;
	json_object_foreach(items, k, v) {
		if (out->len)
			sb_addch(out, ',');
		sb_adds(out, k);
	}
}

/* The stored form of checked items (sealed where declared encrypted), into out. */
int dr_encode_items(door *d, const file_meta *m, int64_t rid, json_t *items, json_t *out,
		    at_error *err)
{
	const char *k;
	json_t *v;
	json_object_foreach(items, k, v) {
		json_t *enc = dr_encode_value(d, m->id, rid, dr_find_item(m, k), v, err);
		if (!enc)
			return -1;
		json_object_set_new(out, k, enc);
	}
	return 0;
}

static bool in_projection(const char *const *proj, const char *id)
{
	if (!proj)
		return true;   /* every item the business may view */
	for (; *proj; proj++)
		if (!strcmp(*proj, id))
			return true;
	return false;
}

/* A projection names declared items of the file, at least one. */
int dr_check_projection(const file_meta *m, const char *const *proj, at_error *err)
{
	if (!proj)
		return 0;
	if (!*proj)
		return at_fail(err, 400, AT_E_INVALID, "items", "a projection names at least one item");
	for (size_t i = 0; proj[i]; i++)
		if (!dr_find_item(m, proj[i])) {
			char f[32];
			snprintf(f, sizeof f, "items[%zu]", i);
			return at_fail(err, 400, AT_E_UNKNOWN, f, "%s is not an item of file %s",
				       proj[i], m->id);
		}
	return 0;
}

/* Visible, decoded items of a stored document: those of the projection
 * (NULL: all) the business may view; only these are decrypted. include_mn=false
 * drops the my_number class entirely (many-person results). `seen` collects
 * the ids, for the audit event. */
json_t *dr_visible_items(door *d, const file_meta *m, int64_t rid, json_t *doc,
			 bool include_mn, const char *const *proj, strbuf *seen,
			 at_error *err)
{
	json_t *out = json_object();
	for (size_t i = 0; i < m->n; i++) {
		const item_meta *it = &m->items[i];
		json_t *stored = json_object_get(doc, it->id);
		if (!stored || it->access < 1 || !in_projection(proj, it->id))
			continue;
		bool is_mn = !strcmp(it->cls, "my_number");
		if (is_mn && !include_mn)
			continue;
		json_t *v;
		if (is_mn && !d->number_using) {
			/* 番号法 9条, 19条: outside number-using business the number is not shown. */
			v = json_string(DOOR_MASK);
		} else {
			v = dr_decode_value(d, m->id, rid, it, stored, err);
			if (!v) {
				json_decref(out);
				return NULL;
			}
		}
		json_object_set_new(out, it->id, v);
		if (seen) {
			if (seen->len)
				sb_addch(seen, ',');
			sb_adds(seen, it->id);
		}
	}
	return out;
}

/* ---- A value checked as a write would check it ---- */

int door_check_value(door *d, const char *file, const char *item, json_t *v, const char *field,
		     at_error *err)
{
	store_spine_enter(d->s);
	int rc = -1;
	const file_meta *m = dr_load_meta(d, file, err);
	const item_meta *it = m ? dr_find_item(m, item) : NULL;
	if (m && !it)
		at_fail(err, 400, AT_E_UNKNOWN, field, "%s is not an item of file %s", field, file);
	else if (it && check_type(it, v, field, err) == 0)
		rc = json_is_null(v) ? 0 : check_rules(it, v, field, err);
	store_spine_leave(d->s);
	return rc;
}
