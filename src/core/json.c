#include "core/json.h"

#include <stdio.h>
#include <string.h>

#include "core/text.h"

static void join(char *out, size_t n, const char *path, const char *key)
{
	if (path && *path)
		snprintf(out, n, "%s.%s", path, key);
	else
		snprintf(out, n, "%s", key);
}

json_t *jv_parse_object(const char *buf, size_t len, at_error *err)
{
	if (len > JV_MAX_BODY) {
		at_fail(err, 413, AT_E_TOO_LARGE, "", "the JSON body is larger than %u bytes",
			JV_MAX_BODY);
		return NULL;
	}
	json_error_t je;
	json_t *v = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
	if (!v) {
		at_fail(err, 400, AT_E_INVALID, "", "the body is not valid JSON: %s (line %d, column %d)",
			je.text, je.line, je.column);
		return NULL;
	}
	if (!json_is_object(v)) {
		json_decref(v);
		at_fail(err, 400, AT_E_INVALID, "", "the body must be a JSON object");
		return NULL;
	}
	return v;
}

int jv_string(json_t *obj, const char *path, const char *key, bool required,
	      size_t max_chars, const char **out, at_error *err)
{
	char f[96];
	join(f, sizeof f, path, key);
	json_t *v = json_object_get(obj, key);
	if (!v || json_is_null(v)) {
		if (required)
			return at_fail(err, 400, AT_E_MISSING, f, "%s is required", f);
		return 0;
	}
	if (!json_is_string(v))
		return at_fail(err, 400, AT_E_INVALID, f, "%s must be a string", f);
	const char *s = json_string_value(v);
	if (strlen(s) != json_string_length(v))
		return at_fail(err, 400, AT_E_INVALID, f, "%s must not contain NUL characters", f);
	if (text_check(s, f, max_chars, !required, 0, err))
		return -1;
	*out = s;
	return 0;
}

int jv_int(json_t *obj, const char *path, const char *key, bool required,
	   int64_t min, int64_t max, int64_t *out, at_error *err)
{
	char f[96];
	join(f, sizeof f, path, key);
	json_t *v = json_object_get(obj, key);
	if (!v || json_is_null(v)) {
		if (required)
			return at_fail(err, 400, AT_E_MISSING, f, "%s is required", f);
		return 0;
	}
	if (!json_is_integer(v))
		return at_fail(err, 400, AT_E_INVALID, f, "%s must be an integer", f);
	json_int_t i = json_integer_value(v);
	if (i < min || i > max)
		return at_fail(err, 400, AT_E_INVALID, f, "%s must be between %lld and %lld",
			       f, (long long)min, (long long)max);
	*out = (int64_t)i;
	return 0;
}

int jv_bool(json_t *obj, const char *path, const char *key, bool required,
	    bool *out, at_error *err)
{
	char f[96];
	join(f, sizeof f, path, key);
	json_t *v = json_object_get(obj, key);
	if (!v || json_is_null(v)) {
		if (required)
			return at_fail(err, 400, AT_E_MISSING, f, "%s is required", f);
		return 0;
	}
	if (!json_is_boolean(v))
		return at_fail(err, 400, AT_E_INVALID, f, "%s must be true or false", f);
	*out = json_is_true(v);
	return 0;
}

int jv_no_unknown(json_t *obj, const char *path, const char *const *allowed, at_error *err)
{
	const char *key;
	json_t *v;
	json_object_foreach(obj, key, v) {
		bool ok = false;
		for (const char *const *a = allowed; *a; a++)
			if (!strcmp(*a, key)) {
				ok = true;
				break;
			}
		if (!ok) {
			char f[96];
			join(f, sizeof f, path, key);
			return at_fail(err, 400, AT_E_UNKNOWN, f, "%s is not a field this request accepts", f);
		}
	}
	return 0;
}

char *jv_dump(const json_t *v)
{
	return json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
}

json_t *jv_error_body(const at_error *err)
{
	return json_pack("{s:{s:s,s:s,s:s}}", "error", "code", err->code[0] ? err->code : AT_E_INTERNAL,
			 "message", err->message, "field", err->field);
}
