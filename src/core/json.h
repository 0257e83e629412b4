/*
 * json — strict reading of JSON that comes from outside, on top of jansson.
 *
 * Callers read an object's fields with jv_* and then call jv_no_unknown, so a
 * misspelt key is an error rather than a silently ignored value. Every
 * failure names the field by its dotted path ("taxpayer.income.salary").
 */
#ifndef ATENA_CORE_JSON_H
#define ATENA_CORE_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

#define JV_MAX_BODY (1u << 20)   /* 1 MiB: no request body or JSON file needs more */

/* Parse a whole buffer that must hold one JSON object. */
json_t *jv_parse_object(const char *buf, size_t len, at_error *err);

/* Field readers. `path` is the object's own path ("" at top); the error names
 * path.key. Optional readers leave *out untouched when the key is absent or null. */
int jv_string(json_t *obj, const char *path, const char *key, bool required,
	      size_t max_chars, const char **out, at_error *err);
int jv_int(json_t *obj, const char *path, const char *key, bool required,
	   int64_t min, int64_t max, int64_t *out, at_error *err);
int jv_bool(json_t *obj, const char *path, const char *key, bool required,
	    bool *out, at_error *err);

/* Error unless every key of obj is in the NULL-terminated list `allowed`. */
int jv_no_unknown(json_t *obj, const char *path, const char *const *allowed, at_error *err);

/* Serialise compactly with sorted keys; caller frees. */
char *jv_dump(const json_t *v);

/* {"error":{"code","message","field"}} for an at_error. */
json_t *jv_error_body(const at_error *err);

#endif
