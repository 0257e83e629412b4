/*
 * The one access layer (door.h). Everything here runs inside a spine
 * section: the sp_ tables are reachable only from this file, decl.c, staff.c,
 * grant.c and the audit module.
 */
#include "policy/door.h"

#include <regex.h>
#include <sodium/utils.h>  /* sodium_memzero */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "core/date.h"
#include "core/json.h"
#include "core/kana.h"
#include "core/mynumber.h"
#include "core/strbuf.h"
#include "core/text.h"
#include "policy/decl.h"
#include "policy/grant.h"
#include "policy/staff.h"
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

/* ---- Audit helper ---- */

static int note(door *d, const char *op, const char *outcome, const char *subject,
		const char *items, const char *detail, at_error *err)
{
	audit_event ev = {
		.staff_id = d->staff, .department = d->dept, .terminal_id = d->terminal,
		.business = d->business, .reason = d->reason, .case_id = d->case_id,
		.subject = subject, .items = items, .operation = op, .outcome = outcome,
		.detail = detail,
	};
	return audit_append(d->s, &ev, NULL, err);
}

/* note(), remembered so that door_abort can write it again after the rollback. */
static int note_sticky(door *d, const char *op, const char *outcome, const char *subject,
		       const char *items, const char *detail, at_error *err)
{
	if (note(d, op, outcome, subject, items, detail, err))
		return -1;
	json_array_append_new(d->sticky, json_pack("[s,s,s,s,s]", op, outcome, subject ? subject : "",
						   items ? items : "", detail ? detail : ""));
	return 0;
}

int door_note_refusal(door *d, const char *operation, const char *subject, const char *detail,
		      at_error *err)
{
	store_spine_enter(d->s);
	int rc = note_sticky(d, operation, AUDIT_DENIED, subject, "", detail, err);
	store_spine_leave(d->s);
	return rc;
}

int door_note(door *d, const char *operation, const char *outcome, const char *subject,
	      const char *detail, at_error *err)
{
	store_spine_enter(d->s);
	int rc = note(d, operation, outcome, subject, "", detail, err);
	store_spine_leave(d->s);
	return rc;
}

store *door_store(door *d)
{
	return d->s;
}

static void free_meta(door *d);

/* ---- Owner modules ---- */

/* Registered at startup (door_register_owner), read by every door after. */
static const door_owner *owners[DOOR_MAX_OWNERS];
static size_t n_owners;

static const door_owner *registered_owner(const char *module)
{
	for (size_t i = 0; i < n_owners; i++)
		if (!strcmp(owners[i]->module, module))
			return owners[i];
	return NULL;
}

int door_register_owner(const door_owner *o, at_error *err)
{
	if (!o || !policy_id_ok(o->module))
		return at_fail(err, 400, AT_E_INVALID, "module",
			       "an owner handle names its module as an identifier ([a-z][a-z0-9_]*)");
	const door_owner *have = registered_owner(o->module);
	if (have == o)
		return 0;
	if (have)
		return at_fail(err, 409, AT_E_CONFLICT, "module",
			       "module %s already registered its owner handle; a second one is refused",
			       o->module);
	if (n_owners == DOOR_MAX_OWNERS)
		return at_fail(err, 500, AT_E_INTERNAL, "module", "more than %d owner modules",
			       DOOR_MAX_OWNERS);
	owners[n_owners++] = o;
	return 0;
}

/* ---- Opening ---- */

static void copy(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src ? src : "");
}

/* A refusal at the door: logged in a transaction of its own, since nothing
 * else of the request will commit. */
static int refuse(store *s, const door_ctx *c, const char *outcome, at_error *err)
{
	char det[256];
	snprintf(det, sizeof det, "%s: %s", err->code, err->field);
	audit_event ev = {
		.staff_id = c->staff_id, .department = c->department, .terminal_id = c->terminal_id,
		.business = c->business, .reason = c->reason, .case_id = c->case_id,
		.operation = "open", .outcome = outcome, .detail = det,
	};
	at_error e;
	store_spine_enter(s);
	audit_append_now(s, &ev, &e);
	store_spine_leave(s);
	return -1;
}

int door_open(store *s, const keyring *kr, const door_ctx *c, door_mode mode, door **out,
	      at_error *err)
{
	return door_open_owner(s, kr, c, mode, NULL, out, err);
}

int door_open_owner(store *s, const keyring *kr, const door_ctx *c, door_mode mode,
		    const door_owner *owner, door **out, at_error *err)
{
	*out = NULL;
	/* Only the registered instance is the handle: a look-alike struct is not. */
	if (owner && (!owner->module || registered_owner(owner->module) != owner))
		return at_fail(err, 500, AT_E_INTERNAL, "owner",
			       "module %s opened the door with a handle it did not register",
			       owner->module ? owner->module : "(unnamed)");
	if (!c->staff_id || !*c->staff_id || !c->terminal_id || !*c->terminal_id)
		return at_fail(err, 401, AT_E_AUTH, "", "no staff session: staff and terminal are required");
	if (!c->business || !*c->business) {
		at_fail(err, 400, AT_E_MISSING, "business",
			"every access names the business it is for (X-Atena-Business)");
		return refuse(s, c, AUDIT_INVALID, err);
	}
	if (!c->reason || !*c->reason) {
		at_fail(err, 400, AT_E_MISSING, "reason",
			"every access gives its reason (X-Atena-Reason)");
		return refuse(s, c, AUDIT_INVALID, err);
	}
	if (text_check(c->business, "business", 64, false, 0, err) ||
	    text_check(c->reason, "reason", 200, false, 0, err) ||
	    (c->case_id && text_check(c->case_id, "case", 64, true, 0, err)))
		return refuse(s, c, AUDIT_INVALID, err);
	/* The checks below and the work that follows see one snapshot: a grant
	 * revoked meanwhile cannot slip between the check and the access. */
	if (store_begin(s, err))
		return -1;
	staff_info who;
	grant_access need = mode == DOOR_WRITE ? GRANT_UPDATE : GRANT_VIEW;
	if (!decl_business_exists(s, c->business)) {
		at_fail(err, 400, AT_E_INVALID, "business", "%s is not a declared business", c->business);
		store_rollback(s);
		return refuse(s, c, AUDIT_INVALID, err);
	}
	if (staff_get(s, c->staff_id, &who, err) || who.locked) {
		at_fail(err, 403, AT_E_FORBIDDEN, "staff", "%s is not an active staff member", c->staff_id);
		store_rollback(s);
		return refuse(s, c, AUDIT_DENIED, err);
	}
	if (!grant_check(s, c->staff_id, c->business, need, time_now())) {
		at_fail(err, 403, "no_grant", "business",
			"%s holds no current %s grant for business %s", c->staff_id,
			need == GRANT_UPDATE ? "update" : "view", c->business);
		store_rollback(s);
		return refuse(s, c, AUDIT_DENIED, err);
	}
	door *d = calloc(1, sizeof *d);
	if (!d)
		abort();
	d->s = s;
	d->kr = kr;
	d->mode = mode;
	d->owner = owner;
	d->number_using = decl_business_number_using(s, c->business);
	copy(d->staff, sizeof d->staff, c->staff_id);
	copy(d->dept, sizeof d->dept, c->department && *c->department ? c->department : who.department);
	copy(d->terminal, sizeof d->terminal, c->terminal_id);
	copy(d->business, sizeof d->business, c->business);
	copy(d->reason, sizeof d->reason, c->reason);
	copy(d->case_id, sizeof d->case_id, c->case_id);
	d->sticky = json_array();
	*out = d;
	return 0;
}

int door_commit(door *d, at_error *err)
{
	int rc = store_commit(d->s, err);
	json_decref(d->sticky);
	free_meta(d);
	free(d);
	return rc;
}

void door_abort(door *d)
{
	if (!d)
		return;
	store_rollback(d->s);
	/* Refusals and alerts are evidence: they outlive the work they were part of. */
	size_t i;
	json_t *e;
	store_spine_enter(d->s);
	json_array_foreach(d->sticky, i, e) {
		audit_event ev = {
			.staff_id = d->staff, .department = d->dept, .terminal_id = d->terminal,
			.business = d->business, .reason = d->reason, .case_id = d->case_id,
			.operation = json_string_value(json_array_get(e, 0)),
			.outcome = json_string_value(json_array_get(e, 1)),
			.subject = json_string_value(json_array_get(e, 2)),
			.items = json_string_value(json_array_get(e, 3)),
			.detail = json_string_value(json_array_get(e, 4)),
		};
		at_error ignored;
		audit_append_now(d->s, &ev, &ignored);
	}
	store_spine_leave(d->s);
	json_decref(d->sticky);
	free_meta(d);
	free(d);
}

/* ---- Declarations of one file, as seen by the door's business ---- */

static void free_meta_one(file_meta *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n; i++)
		json_decref(m->items[i].rules);
	free(m);
}

static file_meta *load_meta(door *d, const char *file, at_error *err)
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
	copy(m->id, sizeof m->id, file);
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
		copy(m->owner, sizeof m->owner, store_col_text(st, 3));
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
		copy(it->id, sizeof it->id, store_col_text(st, 0));
		copy(it->type, sizeof it->type, store_col_text(st, 1));
		it->max = store_col_int(st, 2);
		copy(it->cls, sizeof it->cls, store_col_text(st, 3));
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

static void free_meta(door *d)
{
	for (unsigned i = 0; i < 4; i++)
		free_meta_one(d->meta[i]);
}

static const item_meta *find_item(const file_meta *m, const char *id)
{
	for (size_t i = 0; i < m->n; i++)
		if (!strcmp(m->items[i].id, id))
			return &m->items[i];
	return NULL;
}

static int need_access(door *d, const file_meta *m, int level, at_error *err)
{
	if (m->own_tables)
		return at_fail(err, 403, "owner_tables", "file",
			       "file %s is kept by module %s in its own tables; the door holds no"
			       " records of it", m->id, m->owner);
	if (m->max_access >= level)
		return 0;
	return at_fail(err, 403, "file_not_permitted", "file", "business %s may not %s file %s",
		       d->business, level == 2 ? "update" : "view", m->id);
}

/* A write of an owned file through a door its owner did not open: refused,
 * and the refusal reaches the log even though the caller will abort. */
static int need_owner(door *d, const file_meta *m, const char *op, const char *subject,
		      at_error *err)
{
	if (!*m->owner || (d->owner && registered_owner(m->owner) == d->owner))
		return 0;
	char det[200];
	snprintf(det, sizeof det, "%s: %s is written only by module %s", op, m->id, m->owner);
	at_error e;
	note_sticky(d, op, AUDIT_DENIED, subject, "", det, &e);
	return at_fail(err, 403, "not_owner", "file",
		       "file %s is written only by its owner module %s (through its own operations),"
		       " not by %s", m->id, m->owner, d->owner ? d->owner->module : "the generic records API");
}

/* ---- Values ---- */

/* Katakana, hiragana, the long-vowel mark, middle dots, half-width kana and spaces. */
static bool kana_ok(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		unsigned cp;
		int k;
		if (*p < 0x80) {
			if (*p != ' ')
				return false;
			p++;
			continue;
		}
		if ((*p & 0xF0) != 0xE0)
			return false;
		cp = ((unsigned)(p[0] & 0x0F) << 12) | ((unsigned)(p[1] & 0x3F) << 6) | (p[2] & 0x3Fu);
		k = 3;
		if (!((cp >= 0x3041 && cp <= 0x30FF) || cp == 0x3000 || (cp >= 0xFF65 && cp <= 0xFF9F)))
			return false;
		p += k;
	}
	return true;
}

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

static int validate_value(const item_meta *it, json_t *v, at_error *err)
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
	if (!strcmp(t, "kana") && !kana_ok(s))
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
static json_t *encode_value(door *d, const char *file, int64_t rid, const item_meta *it,
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

static json_t *decode_value(door *d, const char *file, int64_t rid, const item_meta *it,
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
static int index_key(door *d, const char *file, const item_meta *it, json_t *v, strbuf *out,
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
static int check_items(door *d, const file_meta *m, json_t *items, bool allow_null, at_error *err)
{
	if (!json_is_object(items) || json_object_size(items) == 0)
		return at_fail(err, 400, AT_E_INVALID, "items", "items must be a non-empty object");
	const char *k;
	json_t *v;
	json_object_foreach(items, k, v) {
		const item_meta *it = find_item(m, k);
		char f[96];
		snprintf(f, sizeof f, "items.%s", k);
		if (!it)
			return at_fail(err, 400, AT_E_UNKNOWN, f, "%s is not an item of file %s", f, m->id);
		if (it->access < 2)
			return at_fail(err, 403, "item_not_permitted", f,
				       "business %s may not update %s of file %s", d->business, k, m->id);
		if (json_is_null(v) && !allow_null)
			continue;
		if (validate_value(it, v, err))
			return -1;
	}
	return 0;
}

static void item_list(json_t *items, strbuf *out)
{
	const char *k;
	json_t *v;
	json_object_foreach(items, k, v) {
		if (out->len)
			sb_addch(out, ',');
		sb_adds(out, k);
	}
}

static int write_index(door *d, const file_meta *m, int64_t rid, const char *item, json_t *v,
		       at_error *err)
{
	const item_meta *it = find_item(m, item);
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
	if (!v || json_is_null(v))
		return 0;
	strbuf key = STRBUF_INIT;
	sb_init(&key);
	if (index_key(d, m->id, it, v, &key, err)) {
		sb_release(&key);
		return -1;
	}
	st = store_prepare(d->s,
		"INSERT INTO sp_index(file_id, item_id, key, record_id) VALUES(?, ?, ?, ?)"
		" ON CONFLICT DO NOTHING", err);
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

static int write_version(door *d, int64_t rid, int64_t version, json_t *doc, const char *op,
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

/* The record's header and current stored document. */
typedef struct rec {
	int64_t id, version, updated_at;
	bool support_measure;
	char file[65], subject[65], state[16], removal_reason[801];
	json_t *doc;
} rec;

static int load_rec(door *d, const char *file, int64_t rid, int64_t version, rec *r, at_error *err)
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
		copy(r->file, sizeof r->file, store_col_text(st, 1));
		copy(r->subject, sizeof r->subject, store_col_text(st, 2));
		copy(r->state, sizeof r->state, store_col_text(st, 3));
		r->version = store_col_int(st, 4);
		r->updated_at = store_col_int(st, 5);
		copy(r->removal_reason, sizeof r->removal_reason, store_col_text(st, 6));
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
static int check_projection(const file_meta *m, const char *const *proj, at_error *err)
{
	if (!proj)
		return 0;
	if (!*proj)
		return at_fail(err, 400, AT_E_INVALID, "items", "a projection names at least one item");
	for (size_t i = 0; proj[i]; i++)
		if (!find_item(m, proj[i])) {
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
static json_t *visible_items(door *d, const file_meta *m, int64_t rid, json_t *doc,
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
			v = decode_value(d, m->id, rid, it, stored, err);
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

static json_t *rec_json(const rec *r, json_t *items)
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

static void detail_of(char *out, size_t n, const char *file, int64_t rid, int64_t version)
{
	snprintf(out, n, "%s#%lld v%lld", file, (long long)rid, (long long)version);
}

static int check_subject(const char *subject, at_error *err)
{
	return policy_check_staff_id(subject, "subject", err);
}

/* A view of a record under a support measure (支援措置) raises an alert. */
static int alert_if_protected(door *d, const rec *r, const char *how, at_error *err)
{
	if (!r->support_measure)
		return 0;
	char det[200];
	snprintf(det, sizeof det, "%s#%lld viewed (%s) while under a support measure", r->file,
		 (long long)r->id, how);
	return note_sticky(d, "support_measure_view", AUDIT_ALERT, r->subject, "", det, err);
}

static int check_event(const char *event, at_error *err)
{
	if (!event || !*event || strlen(event) > 32 || !policy_id_ok(event))
		return at_fail(err, 400, AT_E_INVALID, "event",
			       "event must be a lower-case name such as move_in ([a-z][a-z0-9_]{0,31})");
	return 0;
}

/* Every indexed item of a document (an entry approved after being held). */
static int index_all(door *d, const file_meta *m, int64_t rid, json_t *doc, at_error *err)
{
	const char *k;
	json_t *v;
	json_object_foreach(doc, k, v) {
		const item_meta *it = find_item(m, k);
		if (!it || !it->idx)
			continue;
		json_t *plain = decode_value(d, m->id, rid, it, v, err);
		if (!plain)
			return -1;
		int w = write_index(d, m, rid, k, plain, err);
		json_decref(plain);
		if (w)
			return -1;
	}
	return 0;
}

static int hold(door *d, const file_meta *m, const rec *r, const char *op, const char *event,
		json_t *changes, const char *removal_reason, int64_t *pending_id, at_error *err);

/* ---- Create / read / history ---- */

int door_create(door *d, const char *file, const char *subject, json_t *items,
		int64_t *record_id, at_error *err)
{
	return door_create_as(d, file, subject, items, "create", DOOR_NOTIFIED, record_id, NULL, err);
}

int door_create_as(door *d, const char *file, const char *subject, json_t *items,
		   const char *event, door_basis basis, int64_t *record_id, int64_t *pending_id,
		   at_error *err)
{
	if (d->mode != DOOR_WRITE)
		return at_fail(err, 500, AT_E_INTERNAL, "", "door_create needs a door opened for writing");
	if (check_subject(subject, err) || check_event(event, err))
		return -1;
	store_spine_enter(d->s);
	int rc = -1;
	json_t *doc = NULL;
	file_meta *m = load_meta(d, file, err);
	if (!m || need_access(d, m, 2, err) || need_owner(d, m, event, subject, err) ||
	    check_items(d, m, items, false, err))
		goto out;
	int64_t now = time_now();
	/* An ex officio entry of a file declared four-eyes waits as "pending". */
	bool held = basis == DOOR_EX_OFFICIO && m->fe_create;
	store_stmt *st = store_prepare(d->s,
		"INSERT INTO sp_record(file_id, subject, state, version, created_at, updated_at)"
		" VALUES(?, ?, ?, 1, ?, ?)", err);
	if (!st)
		goto out;
	store_bind_text(st, 1, file);
	store_bind_text(st, 2, subject);
	store_bind_text(st, 3, held ? "pending" : "active");
	store_bind_int(st, 4, now);
	store_bind_int(st, 5, now);
	int r = store_step(st, err);
	store_done(st);
	if (r != STORE_DONE)
		goto out;
	int64_t rid = store_last_id(d->s);
	doc = json_object();
	const char *k;
	json_t *v;
	json_object_foreach(items, k, v) {
		if (json_is_null(v))
			continue;
		json_t *enc = encode_value(d, file, rid, find_item(m, k), v, err);
		if (!enc)
			goto out;
		json_object_set_new(doc, k, enc);
		/* A held entry is not findable until it is approved. */
		if (!held && write_index(d, m, rid, k, v, err))
			goto out;
	}
	if (write_version(d, rid, 1, doc, event, d->staff, "", err))
		goto out;
	if (record_id)
		*record_id = rid;
	if (held) {
		rec entry = {.id = rid, .version = 1};
		copy(entry.file, sizeof entry.file, file);
		copy(entry.subject, sizeof entry.subject, subject);
		json_t *none = json_object();
		rc = hold(d, m, &entry, "create", event, none, NULL, pending_id, err) ? -1 : 1;
		json_decref(none);
		goto out;
	}
	strbuf il = STRBUF_INIT;
	sb_init(&il);
	item_list(items, &il);
	char det[160];
	detail_of(det, sizeof det, file, rid, 1);
	rc = note(d, event, AUDIT_OK, subject, il.buf, det, err);
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
	file_meta *m = load_meta(d, file, err);
	if (!m || need_access(d, m, 1, err) || check_projection(m, proj, err) ||
	    load_rec(d, file, record_id, 0, &r, err))
		goto out;
	strbuf seen = STRBUF_INIT;
	sb_init(&seen);
	json_t *items = visible_items(d, m, r.id, r.doc, true, proj, &seen, err);
	if (items) {
		char det[160];
		detail_of(det, sizeof det, file, r.id, r.version);
		if (note(d, "read", AUDIT_OK, r.subject, seen.buf, det, err) == 0 &&
		    alert_if_protected(d, &r, "read", err) == 0) {
			*out = rec_json(&r, items);
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
	*out = NULL;
	store_spine_enter(d->s);
	int rc = -1;
	rec r = {0};
	json_t *arr = json_array();
	file_meta *m = load_meta(d, file, err);
	if (!m || need_access(d, m, 1, err) || load_rec(d, file, record_id, 0, &r, err))
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
		json_t *items = doc ? visible_items(d, m, r.id, doc, true, NULL, NULL, err) : NULL;
		json_decref(doc);
		if (!items) {
			s = -1;
			break;
		}
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
	char det[160];
	detail_of(det, sizeof det, file, r.id, r.version);
	if (note(d, "history", AUDIT_OK, r.subject, "", det, err) ||
	    alert_if_protected(d, &r, "history", err))
		goto out;
	json_t *o = rec_json(&r, json_object());
	json_object_set_new(o, "versions", arr);
	arr = NULL;
	*out = o;
	rc = 0;
out:
	json_decref(arr);
	json_decref(r.doc);
	store_spine_leave(d->s);
	return rc;
}

/* The stored form of checked items (sealed where declared encrypted), into out. */
static int encode_items(door *d, const file_meta *m, int64_t rid, json_t *items, json_t *out,
			at_error *err)
{
	const char *k;
	json_t *v;
	json_object_foreach(items, k, v) {
		json_t *enc = encode_value(d, m->id, rid, find_item(m, k), v, err);
		if (!enc)
			return -1;
		json_object_set_new(out, k, enc);
	}
	return 0;
}

/* ---- Changes ---- */

/* Apply encoded changes (stored form; null clears) as a new version. */
static int apply_changes(door *d, const file_meta *m, rec *r, json_t *changes,
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
	int rc = write_version(d, r->id, nv, doc, op, made_by, approved_by, err);
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
		const item_meta *it = find_item(m, k);
		if (!it || !it->idx)
			continue;
		json_t *plain = json_is_null(v) ? json_null() : decode_value(d, m->id, r->id, it, v, err);
		if (!plain)
			return -1;
		int w = write_index(d, m, r->id, k, plain, err);
		json_decref(plain);
		if (w)
			return -1;
	}
	r->version = nv;
	return 0;
}

static int hold(door *d, const file_meta *m, const rec *r, const char *op, const char *event,
		json_t *changes, const char *removal_reason, int64_t *pending_id, at_error *err)
{
	char *text = jv_dump(changes);
	store_stmt *st = store_prepare(d->s,
		"INSERT INTO sp_pending(file_id, record_id, subject, op, event, doc, base_version,"
		" removal_reason, business, reason, case_id, maker, made_at, status)"
		" VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending')", err);
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
		s = store_step(st, err);
		store_done(st);
	}
	free(text);
	if (s != STORE_DONE)
		return -1;
	int64_t pid = store_last_id(d->s);
	if (pending_id)
		*pending_id = pid;
	strbuf il = STRBUF_INIT;
	sb_init(&il);
	item_list(changes, &il);
	char det[200];
	snprintf(det, sizeof det, "%s#%lld %s held as pending change %lld", m->id, (long long)r->id,
		 op, (long long)pid);
	int rc = note(d, event, AUDIT_PENDING, r->subject, il.buf, det, err);
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
	if (check_event(event, err))
		return -1;
	store_spine_enter(d->s);
	int rc = -1;
	rec r = {0};
	json_t *changes = json_object();
	file_meta *m = load_meta(d, file, err);
	/* Who may write comes before what is written. */
	if (!m || need_access(d, m, 2, err) || load_rec(d, file, record_id, 0, &r, err) ||
	    need_owner(d, m, event, r.subject, err) || check_items(d, m, items, true, err))
		goto out;
	if (strcmp(r.state, "active")) {
		at_fail(err, 409, AT_E_CONFLICT, "record_id",
			"record %lld is removed (除票); a removed record is not changed", (long long)r.id);
		goto out;
	}
	if (encode_items(d, m, r.id, items, changes, err))
		goto out;
	if (basis == DOOR_EX_OFFICIO && m->fe_correct) {
		/* Declared four-eyes: an ex officio correction waits for a second person. */
		rc = hold(d, m, &r, "correct", event, changes, NULL, pending_id, err) ? -1 : 1;
		goto out;
	}
	if (apply_changes(d, m, &r, changes, event, "active", NULL, d->staff, "", err))
		goto out;
	strbuf il = STRBUF_INIT;
	sb_init(&il);
	item_list(items, &il);
	char det[160];
	detail_of(det, sizeof det, file, r.id, r.version);
	rc = note(d, event, AUDIT_OK, r.subject, il.buf, det, err);
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
	if (text_check(removal_reason, "reason", 200, false, 0, err) || check_event(event, err))
		return -1;
	store_spine_enter(d->s);
	int rc = -1;
	rec r = {0};
	json_t *changes = json_object();
	file_meta *m = load_meta(d, file, err);
	if (!m || need_access(d, m, 2, err) || load_rec(d, file, record_id, 0, &r, err) ||
	    need_owner(d, m, event, r.subject, err) ||
	    (items && check_items(d, m, items, true, err)))
		goto out;
	if (strcmp(r.state, "active")) {
		at_fail(err, 409, AT_E_CONFLICT, "record_id", "record %lld is already removed",
			(long long)r.id);
		goto out;
	}
	/* The removal's own items (除票区分, 除票異動日 ...) go into the removed
	 * version itself, so a held removal carries them to its approval. */
	if (items && encode_items(d, m, r.id, items, changes, err))
		goto out;
	if (basis == DOOR_EX_OFFICIO && m->fe_remove) {
		rc = hold(d, m, &r, "remove", event, changes, removal_reason, pending_id, err) ? -1 : 1;
		goto out;
	}
	if (apply_changes(d, m, &r, changes, event, "removed", removal_reason, d->staff, "", err))
		goto out;
	strbuf il = STRBUF_INIT;
	sb_init(&il);
	if (items)
		item_list(items, &il);
	char det[160];
	detail_of(det, sizeof det, file, r.id, r.version);
	rc = note(d, event, AUDIT_OK, r.subject, il.buf, det, err);
	sb_release(&il);
out:
	json_decref(changes);
	json_decref(r.doc);
	store_spine_leave(d->s);
	return rc;
}

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
	const item_meta *it = c->item ? find_item(m, c->item) : NULL;
	if (!it)
		return at_fail(err, 400, AT_E_INVALID, "item", "%s is not an item of file %s",
			       c->item ? c->item : "(none)", m->id);
	if (!it->idx || it->access < 1)
		return at_fail(err, 403, "item_not_searchable", "item",
			       "item %s of file %s is not searchable under business %s", c->item,
			       m->id, d->business);
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
	int rc = (c->match == DOOR_EXACT && validate_value(it, jv, err)) ||
		 index_key(d, m->id, it, jv, &k->key, err) ? -1 : 0;
	json_decref(jv);
	/* Prefix match as a range on the index: [key, key || 0xFF). */
	sb_add(&k->hi, k->key.buf, k->key.len);
	sb_addch(&k->hi, (char)0xFF);
	return rc;
}

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
	size_t found = 0;
	crit_key keys[DOOR_SEARCH_MAX_CRITERIA];
	size_t nk = 0;
	strbuf sql = STRBUF_INIT, items_list = STRBUF_INIT;
	sb_init(&sql);
	sb_init(&items_list);
	file_meta *m = load_meta(d, file, err);
	if (!m || need_access(d, m, 1, err) || check_projection(m, proj, err))
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
	sb_adds(&sql, "SELECT i0.record_id FROM sp_index i0 JOIN sp_record r ON r.id = i0.record_id"
		      " WHERE i0.file_id = ? AND i0.item_id = ? AND ");
	sb_adds(&sql, keys[0].match == DOOR_EXACT ? "i0.key = ?" : "i0.key >= ? AND i0.key < ?");
	sb_adds(&sql, include_removed ? " AND r.state IN ('active', 'removed')"
				      : " AND r.state = 'active'");
	for (size_t k = 1; k < nk; k++)
		sb_addf(&sql, " AND EXISTS (SELECT 1 FROM sp_index x WHERE x.file_id = i0.file_id"
			      " AND x.item_id = ? AND %s AND x.record_id = i0.record_id)",
			keys[k].match == DOOR_EXACT ? "x.key = ?" : "x.key >= ? AND x.key < ?");
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
	store_bind_int(st, b, limit + 1);   /* one more, to know a result was cut */
	ids = calloc((size_t)limit, sizeof *ids);
	if (!ids)
		abort();
	int step;
	while ((step = store_step(st, err)) == STORE_ROW) {
		if (found == (size_t)limit) {
			if (truncated)
				*truncated = true;
			break;
		}
		ids[found++] = store_col_int(st, 0);
	}
	store_done(st);
	if (step < 0)
		goto out;
	/* A search that finds several people shows no My Number at all (issue:
	 * many-person results carry basic facts only). */
	bool include_mn = found == 1;
	char det[240];
	snprintf(det, sizeof det, "%s criteria=%s results=%zu%s", file, items_list.buf, found,
		 include_removed ? " incl. removed" : "");
	if (note(d, "search", AUDIT_OK, "", items_list.buf, det, err))
		goto out;
	for (size_t i = 0; i < found; i++) {
		rec r;
		if (load_rec(d, file, ids[i], 0, &r, err))
			goto out;
		strbuf seen = STRBUF_INIT;
		sb_init(&seen);
		json_t *items = visible_items(d, m, r.id, r.doc, include_mn, proj, &seen, err);
		char rd[160];
		detail_of(rd, sizeof rd, file, r.id, r.version);
		/* Each person shown in a result list has been seen: the resident's
		 * view of who looked at their data includes searches. */
		int nr = items ? note(d, "search_result", AUDIT_OK, r.subject, seen.buf, rd, err) : -1;
		if (nr == 0)
			nr = alert_if_protected(d, &r, "search result", err);
		sb_release(&seen);
		if (items && nr == 0)
			json_array_append_new(arr, rec_json(&r, items));
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

/* ---- Four-eyes ---- */

int door_pending_list(door *d, json_t **out, at_error *err)
{
	*out = NULL;
	store_spine_enter(d->s);
	int rc = -1;
	json_t *arr = json_array();
	store_stmt *st = store_prepare(d->s,
		"SELECT p.id, p.file_id, p.record_id, p.subject, p.op,"
		" CASE WHEN p.op = 'create' THEN v.doc ELSE p.doc END, p.base_version,"
		" COALESCE(p.removal_reason, ''), p.business, p.reason, p.case_id, p.maker, p.made_at,"
		" p.event FROM sp_pending p LEFT JOIN sp_record_version v"
		" ON v.record_id = p.record_id AND v.version = 1 WHERE p.status = 'pending' AND EXISTS (SELECT 1 FROM sp_permission x"
		" WHERE x.business = ? AND x.file_id = p.file_id AND x.access = 2) ORDER BY p.id", err);
	if (!st)
		goto out;
	store_bind_text(st, 1, d->business);
	int s;
	while ((s = store_step(st, err)) == STORE_ROW) {
		const char *file = store_col_text(st, 1);
		int64_t rid = store_col_int(st, 2);
		file_meta *m = load_meta(d, file, err);
		json_error_t je;
		json_t *doc = json_loads(store_col_text(st, 5), 0, &je);
		json_t *items = m && doc ? visible_items(d, m, rid, doc, true, NULL, NULL, err) : NULL;
		json_decref(doc);
		if (!items) {
			s = -1;
			break;
		}
		char at[21];
		time_format(store_col_int(st, 12), at);
		json_t *o = json_pack("{s:I,s:s,s:I,s:s,s:s,s:o,s:I,s:s,s:s,s:s,s:s,s:s}", "pending_id",
			(json_int_t)store_col_int(st, 0), "file", file, "record_id", (json_int_t)rid,
			"subject", store_col_text(st, 3), "op", store_col_text(st, 4), "items", items,
			"base_version", (json_int_t)store_col_int(st, 6), "business",
			store_col_text(st, 8), "reason", store_col_text(st, 9), "case_id",
			store_col_text(st, 10), "maker", store_col_text(st, 11), "made_at", at);
		if (*store_col_text(st, 7))
			json_object_set_new(o, "removal_reason", json_string(store_col_text(st, 7)));
		json_object_set_new(o, "event", json_string(store_col_text(st, 13)));
		json_array_append_new(arr, o);
	}
	store_done(st);
	if (s < 0)
		goto out;
	char det[64];
	snprintf(det, sizeof det, "pending=%zu", json_array_size(arr));
	if (note(d, "pending_list", AUDIT_OK, "", "", det, err))
		goto out;
	*out = arr;
	arr = NULL;
	rc = 0;
out:
	json_decref(arr);
	store_spine_leave(d->s);
	return rc;
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
	char file[65] = "", op[16] = "", maker[65] = "", removal[801] = "", event[40] = "";
	int64_t rid = 0, base = 0;
	store_stmt *st = store_prepare(d->s,
		"SELECT file_id, record_id, op, doc, base_version, COALESCE(removal_reason, ''), maker,"
		" event FROM sp_pending WHERE id = ? AND status = 'pending'", err);
	if (!st)
		goto out;
	store_bind_int(st, 1, pending_id);
	int s = store_step(st, err);
	if (s == STORE_ROW) {
		copy(file, sizeof file, store_col_text(st, 0));
		rid = store_col_int(st, 1);
		copy(op, sizeof op, store_col_text(st, 2));
		json_error_t je;
		changes = json_loads(store_col_text(st, 3), 0, &je);
		base = store_col_int(st, 4);
		copy(removal, sizeof removal, store_col_text(st, 5));
		copy(maker, sizeof maker, store_col_text(st, 6));
		copy(event, sizeof event, store_col_text(st, 7));
	}
	store_done(st);
	if (s != STORE_ROW || !changes) {
		if (s == STORE_ROW || s == STORE_DONE)
			at_fail(err, 404, AT_E_NOT_FOUND, "pending_id",
				"there is no open pending change %lld", (long long)pending_id);
		goto out;
	}
	m = load_meta(d, file, err);
	if (!m || need_access(d, m, 2, err))
		goto out;
	/* Four-eyes: the second person must be a different person (seed 000 §4
	 * 「入力後に別の担当者による二重チェック」; seed 001 §4). */
	if (!strcmp(maker, d->staff)) {
		at_fail(err, 403, "four_eyes_self", "pending_id",
			"%s proposed pending change %lld and may not decide it; another staff member must",
			d->staff, (long long)pending_id);
		goto out;
	}
	if (load_rec(d, file, rid, 0, &r, err) ||
	    need_owner(d, m, approve ? "approve" : "reject", r.subject, err))
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
		if (apply_changes(d, m, &r, changes, event, rm ? "removed" : "active", rm ? removal : NULL,
				  maker, d->staff, err))
			goto out;
		/* An approved entry becomes findable now. */
		if (is_create && index_all(d, m, r.id, r.doc, err))
			goto out;
	} else if (is_create) {
		/* A refused entry stays as evidence, in state "rejected". */
		if (apply_changes(d, m, &r, changes, "reject", "rejected", NULL, maker, d->staff, err))
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
	item_list(changes, &il);
	rc = note(d, approve ? "approve" : "reject", AUDIT_OK, r.subject, il.buf, det, err);
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
	file_meta *m = load_meta(d, file, err);
	if (!m || need_access(d, m, 2, err) || load_rec(d, file, record_id, 0, &r, err) ||
	    need_owner(d, m, on ? "support_measure_set" : "support_measure_clear", r.subject, err))
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
	rc = note(d, on ? "support_measure_set" : "support_measure_clear", AUDIT_OK, r.subject, "",
		  det, err);
out:
	json_decref(r.doc);
	store_spine_leave(d->s);
	return rc;
}
