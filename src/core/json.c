#include "core/json.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/text.h"

void jr_path(char out[JR_PATH], const char *path, const char *key)
{
	if (path && *path)
		snprintf(out, JR_PATH, "%.100s.%.58s", path, key);
	else
		snprintf(out, JR_PATH, "%.158s", key);
}

void jr_path_index(char out[JR_PATH], const char *path, size_t i)
{
	snprintf(out, JR_PATH, "%.130s[%zu]", path ? path : "", i);
}

int jr_fail(const jr *r, const char *code, const char *path, const char *rule_fmt, ...)
{
	char rule[320];
	va_list ap;
	va_start(ap, rule_fmt);
	vsnprintf(rule, sizeof rule, rule_fmt, ap);
	va_end(ap);
	const char *what = path && *path ? path : r->source ? "the file" : "the body";
	if (r->source)
		return at_fail(r->err, r->status, code, path, "%s: %s %s", r->source, what, rule);
	return at_fail(r->err, r->status, code, path, "%s %s", what, rule);
}

/* A failure reported by another core check (text_check, date_parse) already
 * names the field; give it the reader's status and source. */
static int adopt(const jr *r)
{
	if (!r->err)
		return -1;
	r->err->status = r->status;
	if (r->source) {
		/* at_fail writes the fields it is given: copy them out first */
		at_error e = *r->err;
		at_fail(r->err, r->status, e.code, e.field, "%s: %s", r->source, e.message);
	}
	return -1;
}

json_t *jr_parse_object(const jr *r, const char *buf, size_t len)
{
	if (len > JV_MAX_BODY) {
		jr_fail(r, AT_E_TOO_LARGE, "", "is larger than %u bytes", JV_MAX_BODY);
		if (r->err && r->status == 400)
			r->err->status = 413;
		return NULL;
	}
	json_error_t je;
	json_t *v = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
	if (!v) {
		jr_fail(r, AT_E_INVALID, "", "is not valid JSON: %s (line %d, column %d)", je.text,
			je.line, je.column);
		return NULL;
	}
	if (!json_is_object(v)) {
		json_decref(v);
		jr_fail(r, AT_E_INVALID, "", "must be a JSON object");
		return NULL;
	}
	return v;
}

/* ---- fields ------------------------------------------------------------- */

int jr_known(const jr *r, json_t *o, const char *path, const char *const *allowed)
{
	const char *key;
	json_t *v;
	json_object_foreach(o, key, v) {
		if (!text_in_list(allowed, key)) {
			char f[JR_PATH];
			jr_path(f, path, key);
			return jr_fail(r, AT_E_UNKNOWN, f, "is not a known field (unknown key: a misspelling?)");
		}
	}
	return 0;
}

/* o[key] with its path in f: 1 with *out when present and not null, 0 when
 * absent or null and optional, -1 (missing_field) when required. */
static int field(const jr *r, json_t *o, const char *path, const char *key, unsigned flags,
		 char f[JR_PATH], json_t **out)
{
	jr_path(f, path, key);
	*out = json_object_get(o, key);
	if (*out && !json_is_null(*out))
		return 1;
	*out = NULL;
	return (flags & JR_REQ) ? jr_fail(r, AT_E_MISSING, f, "is required") : 0;
}

int jr_value(const jr *r, json_t *o, const char *path, const char *key, unsigned flags,
	     json_t **out)
{
	char f[JR_PATH];
	jr_path(f, path, key);
	*out = json_object_get(o, key);
	if (!*out && (flags & JR_REQ))
		return jr_fail(r, AT_E_MISSING, f, "is required");
	return 0;
}

int jr_object(const jr *r, json_t *o, const char *path, const char *key, unsigned flags,
	      json_t **out, char q[JR_PATH])
{
	char f[JR_PATH];
	json_t *v;
	int got = field(r, o, path, key, flags, f, &v);
	if (q)
		memcpy(q, f, JR_PATH);
	if (got <= 0)
		return got;
	if (!json_is_object(v))
		return jr_fail(r, AT_E_INVALID, f, "must be an object");
	*out = v;
	return 0;
}

int jr_array(const jr *r, json_t *o, const char *path, const char *key, unsigned flags,
	     size_t min, size_t max, json_t **out, size_t *n, char q[JR_PATH])
{
	char f[JR_PATH];
	json_t *v;
	int got = field(r, o, path, key, flags, f, &v);
	if (q)
		memcpy(q, f, JR_PATH);
	if (got <= 0)
		return got;
	if (!json_is_array(v))
		return jr_fail(r, AT_E_INVALID, f, "must be an array");
	size_t k = json_array_size(v);
	if (k < min)
		return min == 1 ? jr_fail(r, AT_E_INVALID, f, "must not be empty")
				: jr_fail(r, AT_E_INVALID, f, "must have at least %zu elements (has %zu)",
					  min, k);
	if (k > max)
		return jr_fail(r, AT_E_INVALID, f, "has %zu elements; at most %zu are allowed", k, max);
	*out = v;
	*n = k;
	return 0;
}

static int string_value(const jr *r, json_t *v, const char *f, unsigned flags, size_t max_chars,
			const char **out)
{
	if (!json_is_string(v))
		return jr_fail(r, AT_E_INVALID, f, "must be a string");
	const char *s = json_string_value(v);
	if (strlen(s) != json_string_length(v))
		return jr_fail(r, AT_E_INVALID, f, "must not contain NUL characters");
	bool allow_empty = !(flags & (JR_REQ | JR_NONEMPTY));
	if (text_check(s, f, max_chars, allow_empty, (flags & JR_MULTILINE) ? TEXT_MULTILINE : 0,
		       r->err))
		return adopt(r);
	*out = s;
	return 0;
}

int jr_string(const jr *r, json_t *o, const char *path, const char *key, unsigned flags,
	      size_t max_chars, const char **out)
{
	char f[JR_PATH];
	json_t *v;
	int got = field(r, o, path, key, flags, f, &v);
	return got <= 0 ? got : string_value(r, v, f, flags, max_chars, out);
}

static int int_value(const jr *r, json_t *v, const char *f, int64_t min, int64_t max, bool yen,
		     int64_t *out)
{
	if (!json_is_integer(v))
		return jr_fail(r, AT_E_INVALID, f, yen ? "must be an integer amount of yen" : "must be an integer");
	json_int_t i = json_integer_value(v);
	if (yen && i < 0 && min == 0)
		return jr_fail(r, AT_E_INVALID, f,
			       "must not be negative (got %lld): amounts are yen", (long long)i);
	if (i < min || i > max)
		return jr_fail(r, AT_E_INVALID, f, "must be between %lld and %lld (got %lld)",
			       (long long)min, (long long)max, (long long)i);
	*out = (int64_t)i;
	return 0;
}

int jr_int(const jr *r, json_t *o, const char *path, const char *key, unsigned flags,
	   int64_t min, int64_t max, int64_t *out)
{
	char f[JR_PATH];
	json_t *v;
	int got = field(r, o, path, key, flags, f, &v);
	return got <= 0 ? got : int_value(r, v, f, min, max, false, out);
}

int jr_yen(const jr *r, json_t *o, const char *path, const char *key, unsigned flags,
	   int64_t min, int64_t max, int64_t *out)
{
	char f[JR_PATH];
	json_t *v;
	int got = field(r, o, path, key, flags, f, &v);
	return got <= 0 ? got : int_value(r, v, f, min, max, true, out);
}

int jr_bool(const jr *r, json_t *o, const char *path, const char *key, unsigned flags,
	    bool *out)
{
	char f[JR_PATH];
	json_t *v;
	int got = field(r, o, path, key, flags, f, &v);
	if (got <= 0)
		return got;
	if (!json_is_boolean(v))
		return jr_fail(r, AT_E_INVALID, f, "must be true or false");
	*out = json_is_true(v);
	return 0;
}

int jr_date(const jr *r, json_t *o, const char *path, const char *key, unsigned flags,
	    at_date *out)
{
	char f[JR_PATH];
	json_t *v;
	int got = field(r, o, path, key, flags, f, &v);
	if (got <= 0)
		return got;
	if (!json_is_string(v))
		return jr_fail(r, AT_E_INVALID, f, "must be a date \"YYYY-MM-DD\"");
	if (date_parse(json_string_value(v), out, f, r->err))
		return adopt(r);
	return 0;
}

int jr_choice(const jr *r, json_t *o, const char *path, const char *key, unsigned flags,
	      const char *const *names, int *out)
{
	char f[JR_PATH];
	json_t *v;
	int got = field(r, o, path, key, flags, f, &v);
	if (got <= 0)
		return got;
	if (json_is_string(v))
		for (int i = 0; names[i]; i++)   /* the index is the answer: not text_in_list */
			if (!strcmp(names[i], json_string_value(v))) {
				*out = i;
				return 0;
			}
	char list[200] = "";
	size_t used = 0;
	for (int i = 0; names[i] && used < sizeof list; i++) {
		int k = snprintf(list + used, sizeof list - used, "%s\"%s\"", i ? ", " : "", names[i]);
		if (k < 0)
			break;
		used += (size_t)k;
	}
	return jr_fail(r, AT_E_INVALID, f, "must be one of %s", list);
}

/* ---- array elements ----------------------------------------------------- */

int jr_elem_object(const jr *r, json_t *a, const char *path, size_t i, json_t **out,
		   char q[JR_PATH])
{
	jr_path_index(q, path, i);
	json_t *v = json_array_get(a, i);
	if (!json_is_object(v))
		return jr_fail(r, AT_E_INVALID, q, "must be an object");
	*out = v;
	return 0;
}

int jr_elem_int(const jr *r, json_t *a, const char *path, size_t i, int64_t min, int64_t max,
		int64_t *out)
{
	char q[JR_PATH];
	jr_path_index(q, path, i);
	json_t *v = json_array_get(a, i);
	if (!v || json_is_null(v))
		return jr_fail(r, AT_E_MISSING, q, "is required");
	return int_value(r, v, q, min, max, false, out);
}

int jr_elem_string(const jr *r, json_t *a, const char *path, size_t i, size_t max_chars,
		   const char **out)
{
	char q[JR_PATH];
	jr_path_index(q, path, i);
	json_t *v = json_array_get(a, i);
	if (!v || json_is_null(v))
		return jr_fail(r, AT_E_MISSING, q, "is required");
	return string_value(r, v, q, JR_REQ, max_chars, out);
}

/* ---- one-line forms ------------------------------------------------------ */

json_t *jv_parse_object(const char *buf, size_t len, at_error *err)
{
	jr r = JR_REQUEST(err);
	return jr_parse_object(&r, buf, len);
}

int jv_string(json_t *obj, const char *path, const char *key, bool required,
	      size_t max_chars, const char **out, at_error *err)
{
	jr r = JR_REQUEST(err);
	return jr_string(&r, obj, path, key, required ? JR_REQ : JR_OPT, max_chars, out);
}

int jv_int(json_t *obj, const char *path, const char *key, bool required,
	   int64_t min, int64_t max, int64_t *out, at_error *err)
{
	jr r = JR_REQUEST(err);
	return jr_int(&r, obj, path, key, required ? JR_REQ : JR_OPT, min, max, out);
}

int jv_bool(json_t *obj, const char *path, const char *key, bool required,
	    bool *out, at_error *err)
{
	jr r = JR_REQUEST(err);
	return jr_bool(&r, obj, path, key, required ? JR_REQ : JR_OPT, out);
}

int jv_no_unknown(json_t *obj, const char *path, const char *const *allowed, at_error *err)
{
	jr r = JR_REQUEST(err);
	return jr_known(&r, obj, path, allowed);
}

/* ---- writing ---------------------------------------------------------------- */

char *jv_dump(const json_t *v)
{
	return json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
}

json_t *jv_error_body(const at_error *err)
{
	return json_pack("{s:{s:s,s:s,s:s}}", "error", "code", err->code[0] ? err->code : AT_E_INTERNAL,
			 "message", err->message, "field", err->field);
}

/* ---- A page of a list ----------------------------------------------------- */

json_t *json_page(const char *key, json_t *list, int64_t limit, const char *cursor_key)
{
	bool more = (int64_t)json_array_size(list) > limit;
	if (more)
		json_array_remove(list, json_array_size(list) - 1);
	json_t *last = json_array_get(list, json_array_size(list) - 1);
	json_t *o = json_pack("{s:o,s:b}", key, list, "truncated", more);
	json_object_set_new(o, "next_after",
			    more ? json_copy(json_object_get(last, cursor_key)) : json_null());
	return o;
}
