/*
 * Declarations: validation of the JSON documents under declarations/ and
 * their loading into sp_business, sp_file, sp_item and sp_permission.
 */
#include "policy/decl.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "core/date.h"
#include "core/json.h"
#include "core/strbuf.h"
#include "core/text.h"
#include "crypto/crypto.h"
#include "policy/decl_builtin.h"
#include "policy_internal.h"
#include "store_spine.h"

static const char *const item_types[] = {"text", "kana", "date", "integer", "boolean",
					 "my_number", NULL};
static const char *const item_classes[] = {"my_number", "basic4", "sensitive", "general", NULL};

/* "digits:N" with 1 <= N <= 32 is a type too. */
static bool digits_type(const char *t, int *n)
{
	if (strncmp(t, "digits:", 7))
		return false;
	int v = 0;
	const char *p = t + 7;
	if (!*p)
		return false;
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return false;
		v = v * 10 + (*p - '0');
		if (v > 32)
			return false;
	}
	if (n)
		*n = v;
	return v >= 1;
}

static int fail_at(at_error *err, const char *source, const char *field, const char *fmt,
		   const char *detail)
{
	char msg[400];
	snprintf(msg, sizeof msg, fmt, detail ? detail : "");
	return at_fail(err, 400, AT_E_INVALID, field, "declaration %s: %s: %s", source, field, msg);
}

static int check_id(json_t *obj, const char *path, const char *source, const char **out,
		    at_error *err)
{
	if (jv_string(obj, path, "id", true, 64, out, err))
		return -1;
	if (!policy_id_ok(*out)) {
		char f[128];   /* path is at most 96 bytes */
		snprintf(f, sizeof f, "%s.id", path);
		return fail_at(err, source, f, "ids are lower-case [a-z][a-z0-9_]*, got %s", *out);
	}
	return 0;
}

/* The value rules declared with an item (decl.h): each must suit the item's
 * type, so a rule that could never hold, or never apply, is refused here. */
static int validate_rules(json_t *it, const char *path, const char *source, const char *type,
			  at_error *err)
{
	char f[128];
	int dn = 0;
	bool digits = digits_type(type, &dn);
	bool textual = !strcmp(type, "text") || !strcmp(type, "kana") || digits;
	json_t *codes = json_object_get(it, "codes");
	if (codes) {
		snprintf(f, sizeof f, "%s.codes", path);
		if (!textual && strcmp(type, "integer"))
			return fail_at(err, source, f, "a code list needs a text, kana, digits or integer item%s", "");
		if (!json_is_object(codes) || json_object_size(codes) == 0)
			return fail_at(err, source, f, "must be a non-empty object of code -> label%s", "");
		const char *k;
		json_t *v;
		json_object_foreach(codes, k, v) {
			const char *label = json_string_value(v);
			if (!*k || strlen(k) > 64)
				return fail_at(err, source, f, "codes are 1 to 64 characters, got \"%s\"", k);
			if (digits && !text_is_digits(k, (size_t)dn))
				return fail_at(err, source, f, "code %s is not of the item's type", k);
			if (!strcmp(type, "integer")) {
				const char *c = k + (*k == '-');
				bool ok = *c != '\0';
				for (; *c; c++)
					ok = ok && *c >= '0' && *c <= '9';
				if (!ok)
					return fail_at(err, source, f, "code %s is not an integer", k);
			}
			if (!label || !*label || text_utf8_len(label) > 200)
				return fail_at(err, source, f, "the label of code %s must be 1 to 200 characters", k);
		}
	}
	const char *check = NULL, *pattern = NULL;
	int64_t min = 0;
	bool nf = false;
	if (jv_string(it, path, "check", false, 32, &check, err) ||
	    jv_string(it, path, "pattern", false, 200, &pattern, err) ||
	    jv_int(it, path, "min", false, 1, 100000, &min, err) ||
	    jv_bool(it, path, "not_future", false, &nf, err))
		return -1;
	if (check) {
		snprintf(f, sizeof f, "%s.check", path);
		if (strcmp(check, "municipality_code"))
			return fail_at(err, source, f, "the only check is \"municipality_code\", got %s", check);
		if (strcmp(type, "digits:6"))
			return fail_at(err, source, f, "a municipality code check needs a digits:6 item%s", "");
	}
	if (pattern) {
		snprintf(f, sizeof f, "%s.pattern", path);
		if (!textual)
			return fail_at(err, source, f, "a pattern needs a text, kana or digits item%s", "");
		regex_t re;
		if (regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB))
			return fail_at(err, source, f, "is not a POSIX extended regular expression: %s", pattern);
		regfree(&re);
	}
	if (min) {
		snprintf(f, sizeof f, "%s.min", path);
		if (strcmp(type, "text") && strcmp(type, "kana"))
			return fail_at(err, source, f, "a minimum length needs a text or kana item%s", "");
		json_t *mx = json_object_get(it, "max");
		if (min > (mx ? json_integer_value(mx) : 200))
			return fail_at(err, source, f, "the minimum length is above the maximum%s", "");
	}
	if (nf && strcmp(type, "date")) {
		snprintf(f, sizeof f, "%s.not_future", path);
		return fail_at(err, source, f, "not_future needs a date item%s", "");
	}
	return 0;
}

/* The rules of an item as stored in sp_item.rules: the declared rule keys
 * only, as one JSON object; "" when the item declares none. */
static char *rules_text(json_t *it)
{
	static const char *const rule_keys[] = {"codes", "check", "pattern", "min", "not_future", NULL};
	json_t *r = json_object();
	for (const char *const *k = rule_keys; *k; k++) {
		json_t *v = json_object_get(it, *k);
		if (v && !(json_is_false(v)))
			json_object_set(r, *k, v);
	}
	char *t = json_object_size(r) ? jv_dump(r) : NULL;
	json_decref(r);
	return t;
}

static int validate_item(json_t *it, const char *path, const char *source, at_error *err)
{
	static const char *const keys[] = {"id", "name_ja", "label_ja", "type", "max", "class", "encrypted",
					   "indexed", "search", "retention_years", "note", "codes",
					   "check", "pattern", "min", "not_future", NULL};
	const char *id, *name, *type, *cls, *note = NULL, *search = NULL, *label = NULL;
	bool enc = false, idx = false;
	int64_t max = 0, ry = 0;
	if (!json_is_object(it))
		return fail_at(err, source, path, "must be an object%s", "");
	if (jv_no_unknown(it, path, keys, err) || check_id(it, path, source, &id, err) ||
	    jv_string(it, path, "name_ja", true, 200, &name, err) ||
	    jv_string(it, path, "label_ja", false, 100, &label, err) ||
	    jv_string(it, path, "type", true, 32, &type, err) ||
	    jv_string(it, path, "class", true, 32, &cls, err) ||
	    jv_bool(it, path, "encrypted", true, &enc, err) ||
	    jv_bool(it, path, "indexed", false, &idx, err) ||
	    jv_int(it, path, "max", false, 1, 100000, &max, err) ||
	    jv_int(it, path, "retention_years", false, 0, 1000, &ry, err) ||
	    jv_string(it, path, "note", false, 1000, &note, err) ||
	    jv_string(it, path, "search", false, 16, &search, err))
		return -1;
	char f[128];
	if (search) {
		snprintf(f, sizeof f, "%s.search", path);
		if (strcmp(search, "kana"))
			return fail_at(err, source, f, "the only search normaliser is \"kana\", got %s", search);
		if (!idx || enc)
			return fail_at(err, source, f,
				       "a kana search key needs an indexed item that is not encrypted%s", "");
	}
	snprintf(f, sizeof f, "%s.type", path);
	if (!text_in_list(item_types, type) && !digits_type(type, NULL))
		return fail_at(err, source, f,
			       "unknown type %s (text, kana, date, integer, boolean, my_number, digits:N)",
			       type);
	snprintf(f, sizeof f, "%s.class", path);
	if (!text_in_list(item_classes, cls))
		return fail_at(err, source, f,
			       "unknown class %s (my_number, basic4, sensitive, general)", cls);
	/* A My Number is always its own class and always encrypted at rest (番号法 12条
	 * 安全管理措置; DESIGN.md data conventions). */
	bool is_mn_type = !strcmp(type, "my_number"), is_mn_class = !strcmp(cls, "my_number");
	if (is_mn_type != is_mn_class)
		return fail_at(err, source, f, "type my_number and class my_number go together%s", "");
	if (is_mn_type && !enc) {
		snprintf(f, sizeof f, "%s.encrypted", path);
		return fail_at(err, source, f, "a My Number item must be encrypted%s", "");
	}
	return validate_rules(it, path, source, type, err);
}

static int validate_doc(json_t *doc, const char *source, at_error *err)
{
	static const char *const top[] = {"module", "version", "note", "businesses", "files",
					  "permissions", NULL};
	static const char *const bkeys[] = {"id", "name_ja", "legal_basis", "number_using", NULL};
	static const char *const fkeys[] = {"id", "name_ja", "business", "owner", "own_tables",
					    "description", "four_eyes", "retention", "items", NULL};
	static const char *const rkeys[] = {"removed_years", "citation", NULL};
	static const char *const pkeys[] = {"business", "file", "access", "items", NULL};
	const char *module, *s;
	int64_t version = 0;
	if (jv_no_unknown(doc, "", top, err) || jv_string(doc, "", "module", true, 64, &module, err) ||
	    jv_int(doc, "", "version", true, 1, 1000000, &version, err))
		return -1;
	json_t *bs = json_object_get(doc, "businesses"), *fs = json_object_get(doc, "files"),
	       *ps = json_object_get(doc, "permissions");
	if (!json_is_array(bs) || !json_is_array(fs) || !json_is_array(ps))
		return fail_at(err, source, "businesses", "businesses, files and permissions must be arrays%s", "");
	size_t i;
	json_t *b;
	json_array_foreach(bs, i, b) {
		char p[64];
		snprintf(p, sizeof p, "businesses[%zu]", i);
		bool nu;
		if (!json_is_object(b))
			return fail_at(err, source, p, "must be an object%s", "");
		if (jv_no_unknown(b, p, bkeys, err) || check_id(b, p, source, &s, err) ||
		    jv_string(b, p, "name_ja", true, 200, &s, err) ||
		    jv_string(b, p, "legal_basis", true, 1000, &s, err) ||
		    jv_bool(b, p, "number_using", true, &nu, err))
			return -1;
	}
	json_t *f;
	json_array_foreach(fs, i, f) {
		char p[64];
		snprintf(p, sizeof p, "files[%zu]", i);
		if (!json_is_object(f))
			return fail_at(err, source, p, "must be an object%s", "");
		bool own_tables = false;
		if (jv_no_unknown(f, p, fkeys, err) || check_id(f, p, source, &s, err) ||
		    jv_string(f, p, "name_ja", true, 200, &s, err) ||
		    jv_string(f, p, "business", true, 64, &s, err) ||
		    jv_string(f, p, "description", true, 2000, &s, err) ||
		    jv_bool(f, p, "own_tables", false, &own_tables, err))
			return -1;
		/* Every file says who writes it (door.h owner modules): a module name,
		 * or null for a file no module owns (the generic records API). */
		char owp[96];
		snprintf(owp, sizeof owp, "%s.owner", p);
		json_t *owner = json_object_get(f, "owner");
		if (!owner)
			return fail_at(err, source, owp,
				       "is required: the module that writes the file, or null for none%s", "");
		if (!json_is_null(owner) && !policy_id_ok(json_string_value(owner)))
			return fail_at(err, source, owp, "must be a module name ([a-z][a-z0-9_]*) or null%s", "");
		if (own_tables && json_is_null(owner))
			return fail_at(err, source, owp,
				       "a file kept in its owner's own tables needs an owner%s", "");
		json_t *fe = json_object_get(f, "four_eyes");
		if (fe) {
			size_t k;
			json_t *v;
			if (!json_is_array(fe))
				return fail_at(err, source, p, "four_eyes must be an array%s", "");
			json_array_foreach(fe, k, v) {
				const char *op = json_string_value(v);
				if (!op || (strcmp(op, "correct") && strcmp(op, "remove") &&
					    strcmp(op, "create")))
					return fail_at(err, source, p,
						       "four_eyes holds \"create\", \"correct\" and/or \"remove\"%s", "");
			}
		}
		json_t *r = json_object_get(f, "retention");
		char rp[96];
		snprintf(rp, sizeof rp, "%s.retention", p);
		int64_t years = 0;
		if (!json_is_object(r))
			return fail_at(err, source, rp, "is required: {removed_years, citation}%s", "");
		if (jv_no_unknown(r, rp, rkeys, err) ||
		    jv_int(r, rp, "removed_years", true, 0, 1000, &years, err) ||
		    jv_string(r, rp, "citation", true, 1000, &s, err))
			return -1;
		json_t *items = json_object_get(f, "items");
		if (!json_is_array(items) || json_array_size(items) == 0)
			return fail_at(err, source, p, "items must be a non-empty array%s", "");
		/* Refused, never cut: the door holds at most this many items per file. */
		if (json_array_size(items) > POLICY_MAX_ITEMS) {
			char n[64];
			snprintf(n, sizeof n, "%zu items; the door supports at most %d",
				 json_array_size(items), POLICY_MAX_ITEMS);
			return fail_at(err, source, p, "declares %s", n);
		}
		size_t k;
		json_t *it;
		json_array_foreach(items, k, it) {
			char ip[96];
			snprintf(ip, sizeof ip, "%s.items[%zu]", p, k);
			if (validate_item(it, ip, source, err))
				return -1;
			const char *id = json_string_value(json_object_get(it, "id"));
			for (size_t m = 0; m < k; m++)
				if (!strcmp(id, json_string_value(json_object_get(json_array_get(items, m), "id"))))
					return fail_at(err, source, ip, "duplicate item id %s", id);
		}
	}
	json_t *pm;
	json_array_foreach(ps, i, pm) {
		char p[64];
		snprintf(p, sizeof p, "permissions[%zu]", i);
		const char *acc;
		if (!json_is_object(pm))
			return fail_at(err, source, p, "must be an object%s", "");
		if (jv_no_unknown(pm, p, pkeys, err) || jv_string(pm, p, "business", true, 64, &s, err) ||
		    jv_string(pm, p, "file", true, 64, &s, err) ||
		    jv_string(pm, p, "access", true, 16, &acc, err))
			return -1;
		if (strcmp(acc, "view") && strcmp(acc, "update"))
			return fail_at(err, source, p, "access must be view or update, got %s", acc);
		json_t *items = json_object_get(pm, "items");
		if (!(json_is_string(items) && !strcmp(json_string_value(items), "*")) &&
		    !json_is_array(items))
			return fail_at(err, source, p, "items must be \"*\" or a list of item ids%s", "");
	}
	return 0;
}

int decl_validate(const char *json_text, const char *source, at_error *err)
{
	json_t *doc = jv_parse_object(json_text, strlen(json_text), err);
	if (!doc)
		return -1;
	int rc = validate_doc(doc, source, err);
	json_decref(doc);
	return rc;
}

/* ---- Loading ---- */

/* Does the query (one or two text parameters) find a row? A store error
 * counts as no: the caller then refuses the declaration. */
static bool row_exists(store *s, const char *sql, const char *a, const char *b)
{
	at_error e;
	int64_t one = 0;
	store_arg args[] = {STORE_TEXT(a), STORE_TEXT(b)};
	return store_query_int(s, sql, args, b ? 2 : 1, &one, &e) == 1;
}

/* Two declarations may grant one business the same item: the wider access
 * wins (update over view). Portable SQL for the larger of two values. */
#define WIDER_ACCESS \
	" access = CASE WHEN excluded.access > sp_permission.access" \
	" THEN excluded.access ELSE sp_permission.access END"

static int load_doc(store *s, json_t *doc, const char *source, at_error *err)
{
	size_t i;
	json_t *b, *f, *pm;
	json_array_foreach(json_object_get(doc, "businesses"), i, b) {
		if (store_run(s,
			      "INSERT INTO sp_business(id, name_ja, legal_basis, number_using, source)"
			      " VALUES(?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET name_ja = excluded.name_ja,"
			      " legal_basis = excluded.legal_basis, number_using = excluded.number_using,"
			      " source = excluded.source",
			      STORE_ARGS(STORE_TEXT(json_string_value(json_object_get(b, "id"))),
					 STORE_TEXT(json_string_value(json_object_get(b, "name_ja"))),
					 STORE_TEXT(json_string_value(json_object_get(b, "legal_basis"))),
					 STORE_INT(json_is_true(json_object_get(b, "number_using"))),
					 STORE_TEXT(source)),
			      err))
			return -1;
	}
	json_array_foreach(json_object_get(doc, "files"), i, f) {
		const char *fid = json_string_value(json_object_get(f, "id"));
		const char *biz = json_string_value(json_object_get(f, "business"));
		if (!row_exists(s, "SELECT 1 FROM sp_business WHERE id = ?", biz, NULL))
			return at_fail(err, 400, AT_E_INVALID, "business",
				       "declaration %s: file %s names business %s, which is not declared",
				       source, fid, biz);
		bool fc = false, fr = false, fcr = false;
		size_t k;
		json_t *v;
		json_array_foreach(json_object_get(f, "four_eyes"), k, v) {
			const char *op = json_string_value(v);
			if (!strcmp(op, "correct"))
				fc = true;
			else if (!strcmp(op, "remove"))
				fr = true;
			else
				fcr = true;
		}
		json_t *r = json_object_get(f, "retention");
		const char *owner = json_string_value(json_object_get(f, "owner"));
		if (store_run(s,
			  "INSERT INTO sp_file(id, name_ja, business, description, four_eyes_create,"
			  " four_eyes_correct, four_eyes_remove, removed_years, retention_citation, source,"
			  " owner, own_tables)"
			  " VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET"
			  " name_ja = excluded.name_ja, business = excluded.business,"
			  " description = excluded.description,"
			  " four_eyes_create = excluded.four_eyes_create,"
			  " four_eyes_correct = excluded.four_eyes_correct,"
			  " four_eyes_remove = excluded.four_eyes_remove,"
			  " removed_years = excluded.removed_years,"
			  " retention_citation = excluded.retention_citation, source = excluded.source,"
			  " owner = excluded.owner, own_tables = excluded.own_tables",
			  STORE_ARGS(STORE_TEXT(fid), STORE_TEXT(json_string_value(json_object_get(f, "name_ja"))),
				     STORE_TEXT(biz),
				     STORE_TEXT(json_string_value(json_object_get(f, "description"))),
				     STORE_INT(fcr), STORE_INT(fc), STORE_INT(fr),
				     STORE_INT(json_integer_value(json_object_get(r, "removed_years"))),
				     STORE_TEXT(json_string_value(json_object_get(r, "citation"))),
				     STORE_TEXT(source), STORE_TEXT(owner ? owner : ""),
				     STORE_INT(json_is_true(json_object_get(f, "own_tables")))),
			  err))
			return -1;
		json_t *it;
		json_array_foreach(json_object_get(f, "items"), k, it) {
			const char *type = json_string_value(json_object_get(it, "type"));
			json_t *maxv = json_object_get(it, "max");
			int64_t max = maxv ? json_integer_value(maxv) : 200;
			int dn;
			if (digits_type(type, &dn))
				max = dn;
			json_t *ry = json_object_get(it, "retention_years");
			const char *note = json_string_value(json_object_get(it, "note"));
			const char *search = json_string_value(json_object_get(it, "search"));
			const char *label = json_string_value(json_object_get(it, "label_ja"));
			char *rules = rules_text(it);
			int x = store_run(s,
				  "INSERT INTO sp_item(file_id, id, ord, name_ja, type, max_len, class,"
				  " encrypted, indexed, retention_years, note, search, rules, label_ja)"
				  " VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
				  " ON CONFLICT(file_id, id) DO UPDATE SET ord = excluded.ord,"
				  " name_ja = excluded.name_ja, type = excluded.type,"
				  " max_len = excluded.max_len, class = excluded.class,"
				  " encrypted = excluded.encrypted, indexed = excluded.indexed,"
				  " retention_years = excluded.retention_years, note = excluded.note,"
				  " search = excluded.search, rules = excluded.rules,"
				  " label_ja = excluded.label_ja",
				  STORE_ARGS(STORE_TEXT(fid),
					     STORE_TEXT(json_string_value(json_object_get(it, "id"))),
					     STORE_INT(k),
					     STORE_TEXT(json_string_value(json_object_get(it, "name_ja"))),
					     STORE_TEXT(type), STORE_INT(max),
					     STORE_TEXT(json_string_value(json_object_get(it, "class"))),
					     STORE_INT(json_is_true(json_object_get(it, "encrypted"))),
					     STORE_INT(json_is_true(json_object_get(it, "indexed"))),
					     ry ? STORE_INT(json_integer_value(ry)) : STORE_NULL_ARG,
					     STORE_TEXT(note ? note : ""), STORE_TEXT(search ? search : ""),
					     STORE_TEXT(rules ? rules : ""), STORE_TEXT(label ? label : "")),
				  err);
			free(rules);
			if (x)
				return -1;
		}
	}
	/* Permissions are replaced wholesale per source document, so a narrowed
	 * declaration narrows what is enforced. */
	if (store_run(s, "DELETE FROM sp_permission WHERE source = ?", STORE_ARGS(STORE_TEXT(source)),
		      err))
		return -1;
	json_array_foreach(json_object_get(doc, "permissions"), i, pm) {
		const char *biz = json_string_value(json_object_get(pm, "business"));
		const char *fid = json_string_value(json_object_get(pm, "file"));
		int64_t acc = strcmp(json_string_value(json_object_get(pm, "access")), "update") ? 1 : 2;
		if (!row_exists(s, "SELECT 1 FROM sp_business WHERE id = ?", biz, NULL))
			return at_fail(err, 400, AT_E_INVALID, "business",
				       "declaration %s: permissions[%zu] names business %s, which is not declared",
				       source, i, biz);
		if (!row_exists(s, "SELECT 1 FROM sp_file WHERE id = ?", fid, NULL))
			return at_fail(err, 400, AT_E_INVALID, "file",
				       "declaration %s: permissions[%zu] names file %s, which is not declared",
				       source, i, fid);
		json_t *items = json_object_get(pm, "items");
		if (json_is_string(items)) {
			if (store_run(s,
				  "INSERT INTO sp_permission(business, file_id, item_id, access, source)"
				  " SELECT ?, file_id, id, ?, ? FROM sp_item WHERE file_id = ? AND true"
				  " ON CONFLICT(business, file_id, item_id) DO UPDATE SET" WIDER_ACCESS,
				  STORE_ARGS(STORE_TEXT(biz), STORE_INT(acc), STORE_TEXT(source),
					     STORE_TEXT(fid)),
				  err))
				return -1;
			continue;
		}
		size_t k;
		json_t *v;
		json_array_foreach(items, k, v) {
			const char *item = json_string_value(v);
			if (!item || !row_exists(s, "SELECT 1 FROM sp_item WHERE file_id = ? AND id = ?",
						 fid, item))
				return at_fail(err, 400, AT_E_INVALID, "items",
					       "declaration %s: permissions[%zu] names item %s, which file %s does not declare",
					       source, i, item ? item : "(not a string)", fid);
			if (store_run(s,
				  "INSERT INTO sp_permission(business, file_id, item_id, access, source)"
				  " VALUES(?, ?, ?, ?, ?) ON CONFLICT(business, file_id, item_id)"
				  " DO UPDATE SET" WIDER_ACCESS,
				  STORE_ARGS(STORE_TEXT(biz), STORE_TEXT(fid), STORE_TEXT(item),
					     STORE_INT(acc), STORE_TEXT(source)),
				  err))
				return -1;
		}
	}
	return 0;
}

int decl_load(store *s, const char *json_text, const char *source, at_error *err)
{
	json_t *doc = jv_parse_object(json_text, strlen(json_text), err);
	if (!doc)
		return -1;
	if (validate_doc(doc, source, err)) {
		json_decref(doc);
		return -1;
	}
	unsigned char h[CRYPTO_HASH_BYTES];
	crypto_digest(json_text, strlen(json_text), h);
	strbuf digest = STRBUF_INIT;
	sb_init(&digest);
	sb_add_hex(&digest, h, sizeof h);

	store_spine_enter(s);
	int rc = -1;
	bool own_tx = !store_in_tx(s);
	if (own_tx && store_begin(s, err))
		goto out;
	/* Unchanged since last load: nothing to do. */
	if (row_exists(s, "SELECT 1 FROM sp_decl_source WHERE name = ? AND digest = ?", source,
		       digest.buf)) {
		rc = 0;
	} else if (load_doc(s, doc, source, err) == 0) {
		rc = store_run(s,
			       "INSERT INTO sp_decl_source(name, module, version, digest, loaded_at)"
			       " VALUES(?, ?, ?, ?, ?) ON CONFLICT(name) DO UPDATE SET"
			       " module = excluded.module, version = excluded.version,"
			       " digest = excluded.digest, loaded_at = excluded.loaded_at",
			       STORE_ARGS(STORE_TEXT(source),
					  STORE_TEXT(json_string_value(json_object_get(doc, "module"))),
					  STORE_INT(json_integer_value(json_object_get(doc, "version"))),
					  STORE_TEXT(digest.buf), STORE_INT(time_now())),
			       err);
	}
	if (own_tx) {
		if (rc == 0)
			rc = store_commit(s, err);
		else
			store_rollback(s);
	}
out:
	store_spine_leave(s);
	sb_release(&digest);
	json_decref(doc);
	return rc;
}

#ifdef ATENA_TEST_CLOCK
/* Test builds only: the declaration files named in ATENA_TEST_DECLARATIONS
 * (colon-separated paths), such as tests/declarations/test.json. A production
 * build has no way to load a declaration that is not built in. */
static int load_test_declarations(store *s, at_error *err)
{
	const char *list = getenv("ATENA_TEST_DECLARATIONS");
	if (!list || !*list)
		return 0;
	char paths[4096];
	snprintf(paths, sizeof paths, "%s", list);
	char *save = NULL;
	for (char *p = strtok_r(paths, ":", &save); p; p = strtok_r(NULL, ":", &save)) {
		FILE *f = fopen(p, "rb");
		if (!f)
			return at_fail(err, 500, AT_E_INTERNAL, "ATENA_TEST_DECLARATIONS",
				       "cannot read test declaration %s", p);
		strbuf text = STRBUF_INIT;
		sb_init(&text);
		char buf[4096];
		size_t n;
		while ((n = fread(buf, 1, sizeof buf, f)) > 0)
			sb_add(&text, buf, n);
		fclose(f);
		const char *base = strrchr(p, '/');
		int rc = decl_load(s, text.buf, base ? base + 1 : p, err);
		sb_release(&text);
		if (rc)
			return -1;
	}
	return 0;
}
#endif

int decl_load_builtin(store *s, at_error *err)
{
	/* spine.json first: other documents may name its businesses. */
	for (int pass = 0; pass < 2; pass++)
		for (const struct decl_builtin *d = decl_builtins; d->name; d++) {
			bool is_spine = !strcmp(d->name, "spine.json");
			if (is_spine != (pass == 0))
				continue;
			if (decl_load(s, d->json, d->name, err))
				return -1;
		}
#ifdef ATENA_TEST_CLOCK
	if (load_test_declarations(s, err))
		return -1;
#endif
	return 0;
}

/* ---- Lookups ---- */

bool decl_business_exists(store *s, const char *business)
{
	store_spine_enter(s);
	bool r = business && row_exists(s, "SELECT 1 FROM sp_business WHERE id = ?", business, NULL);
	store_spine_leave(s);
	return r;
}

/* Unlike the lookups around it, a failed read is an error, not a "no": a
 * door that took it for one would mask My Number in number-using business
 * (a fault loop of tests/unit/test_fault.c found it). */
int decl_business_number_using(store *s, const char *business, bool *out, at_error *err)
{
	*out = false;
	if (!business)
		return 0;
	int64_t one = 0;
	store_spine_enter(s);
	int r = store_query_int(s, "SELECT 1 FROM sp_business WHERE id = ? AND number_using = 1",
				STORE_ARGS(STORE_TEXT(business)), &one, err);
	store_spine_leave(s);
	*out = r == 1;
	return r < 0 ? -1 : 0;
}

bool decl_file_exists(store *s, const char *file)
{
	store_spine_enter(s);
	bool r = file && row_exists(s, "SELECT 1 FROM sp_file WHERE id = ?", file, NULL);
	store_spine_leave(s);
	return r;
}

int decl_export(store *s, json_t **out, at_error *err)
{
	*out = NULL;
	json_t *root = json_object(), *bs = json_array(), *fs = json_array(), *ps = json_array();
	json_object_set_new(root, "businesses", bs);
	json_object_set_new(root, "files", fs);
	json_object_set_new(root, "permissions", ps);
	/* The access log is declared with the files it protects, for the assessment. */
	json_object_set_new(root, "audit_log",
		json_pack("{s:i,s:s}", "retention_years", AUDIT_RETENTION_YEARS, "citation",
			  "seed 001 §4 「操作履歴（アクセスログ・操作ログ）を記録し、７年間保管」"));
	int rc = -1;
	store_spine_enter(s);
	store_stmt *st = store_prepare(s,
		"SELECT id, name_ja, legal_basis, number_using FROM sp_business ORDER BY id", err);
	if (!st)
		goto out;
	while (store_step(st, err) == STORE_ROW)
		json_array_append_new(bs, json_pack("{s:s,s:s,s:s,s:b}", "id", store_col_text(st, 0),
						    "name_ja", store_col_text(st, 1), "legal_basis",
						    store_col_text(st, 2), "number_using",
						    (int)store_col_int(st, 3)));
	store_done(st);
	st = store_prepare(s,
		"SELECT id, name_ja, business, description, four_eyes_correct, four_eyes_remove,"
		" removed_years, retention_citation, four_eyes_create, owner, own_tables"
		" FROM sp_file ORDER BY id", err);
	if (!st)
		goto out;
	while (store_step(st, err) == STORE_ROW) {
		json_t *fe = json_array();
		if (store_col_int(st, 8))
			json_array_append_new(fe, json_string("create"));
		if (store_col_int(st, 4))
			json_array_append_new(fe, json_string("correct"));
		if (store_col_int(st, 5))
			json_array_append_new(fe, json_string("remove"));
		json_array_append_new(fs, json_pack("{s:s,s:s,s:s,s:s,s:o,s:{s:I,s:s},s:[]}", "id",
			store_col_text(st, 0), "name_ja", store_col_text(st, 1), "business",
			store_col_text(st, 2), "description", store_col_text(st, 3), "four_eyes", fe,
			"retention", "removed_years", (json_int_t)store_col_int(st, 6), "citation",
			store_col_text(st, 7), "items"));
		json_t *fo = json_array_get(fs, json_array_size(fs) - 1);
		json_object_set_new(fo, "owner", *store_col_text(st, 9) ? json_string(store_col_text(st, 9))
								 : json_null());
		json_object_set_new(fo, "own_tables", json_boolean(store_col_int(st, 10) != 0));
	}
	store_done(st);
	st = store_prepare(s,
		"SELECT file_id, id, name_ja, type, max_len, class, encrypted, indexed,"
		" retention_years, note, search, rules, label_ja FROM sp_item ORDER BY file_id, ord", err);
	if (!st)
		goto out;
	while (store_step(st, err) == STORE_ROW) {
		const char *fid = store_col_text(st, 0);
		size_t i;
		json_t *f;
		json_array_foreach(fs, i, f) {
			if (strcmp(json_string_value(json_object_get(f, "id")), fid))
				continue;
			json_t *it = json_pack("{s:s,s:s,s:s,s:I,s:s,s:b,s:b,s:s}", "id",
				store_col_text(st, 1), "name_ja", store_col_text(st, 2), "type",
				store_col_text(st, 3), "max", (json_int_t)store_col_int(st, 4), "class",
				store_col_text(st, 5), "encrypted", (int)store_col_int(st, 6), "indexed",
				(int)store_col_int(st, 7), "note", store_col_text(st, 9));
			if (!store_col_null(st, 8))
				json_object_set_new(it, "retention_years", json_integer(store_col_int(st, 8)));
			if (*store_col_text(st, 10))
				json_object_set_new(it, "search", json_string(store_col_text(st, 10)));
			/* The rules as declared, so a screen can offer the code list
			 * and check what the door will check. */
			json_error_t je;
			json_t *rules = *store_col_text(st, 11)
					? json_loads(store_col_text(st, 11), 0, &je) : NULL;
			if (rules)
				json_object_update(it, rules);
			json_decref(rules);
			if (*store_col_text(st, 12))
				json_object_set_new(it, "label_ja", json_string(store_col_text(st, 12)));
			json_array_append_new(json_object_get(f, "items"), it);
		}
	}
	store_done(st);
	st = store_prepare(s,
		"SELECT business, file_id, item_id, access FROM sp_permission"
		" ORDER BY business, file_id, item_id", err);
	if (!st)
		goto out;
	while (store_step(st, err) == STORE_ROW)
		json_array_append_new(ps, json_pack("{s:s,s:s,s:s,s:s}", "business",
			store_col_text(st, 0), "file", store_col_text(st, 1), "item",
			store_col_text(st, 2), "access", store_col_int(st, 3) == 2 ? "update" : "view"));
	store_done(st);
	rc = 0;
out:
	store_spine_leave(s);
	if (rc)
		json_decref(root);
	else
		*out = root;
	return rc;
}
