/*
 * json — the one strict reader of JSON that comes from outside, on top of jansson.
 *
 * Request bodies, CLI input and Atena's own data files (law, layouts) are all
 * read with it, so one set of rules holds everywhere:
 *  - every field is checked for presence, type and range; nothing defaults
 *    silently (an optional field that is absent or null leaves *out as it was);
 *  - jr_known refuses a key the caller did not list, so a misspelt key is an
 *    error rather than an ignored value;
 *  - every failure names the full path of the field — "taxpayer.income.salary",
 *    "persons[0].birth_date" — in at_error.field and in the message, with the
 *    rule that was broken ("persons[0].birth_date must be a real calendar day").
 *
 * A reader `jr` carries where errors go, the HTTP status they carry (400 for
 * what a user sent, 500 for a data file Atena ships) and an optional source
 * name put in front of every message ("law/fy2025.json: deductions.basic ...").
 *
 * Typical use:
 *
 *     jr r = JR_REQUEST(err);
 *     static const char *const keys[] = {"name", "birth_date", "persons", NULL};
 *     json_t *ps; size_t n; char pp[JR_PATH], q[JR_PATH];
 *     if (jr_known(&r, body, "", keys) ||
 *         jr_string(&r, body, "", "name", JR_REQ, 100, &name) ||
 *         jr_array(&r, body, "", "persons", JR_REQ, 1, 20, &ps, &n, pp))
 *             return -1;
 *     for (size_t i = 0; i < n; i++) {
 *         json_t *p;
 *         if (jr_elem_object(&r, ps, pp, i, &p, q) ||
 *             jr_date(&r, p, q, "birth_date", JR_REQ, &bd[i]))   // "persons[0].birth_date"
 *                 return -1;
 *     }
 *
 * The jv_* functions are the older one-line forms for request bodies; they
 * are the same reader with status 400 and no source.
 *
 * json_page is the one shape of a list that pages (nothing is cut silently):
 * the caller reads limit + 1 rows; the answer says whether more follow and
 * from where to go on.
 */
#ifndef ATENA_CORE_JSON_H
#define ATENA_CORE_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/date.h"
#include "core/error.h"

#define JV_MAX_BODY (1u << 20)   /* 1 MiB: no request body or JSON file needs more */
#define JR_PATH 160              /* room for a field path; longer paths are cut */

/* ---- The reader ---------------------------------------------------------- */
typedef struct jr {
	at_error *err;        /* where a failure goes (may be NULL) */
	int status;           /* HTTP status of failures: 400 input, 500 Atena's own data */
	const char *source;   /* put before each message ("law/fy2025.json"), or NULL */
} jr;

#define JR_REQUEST(e) ((jr){.err = (e), .status = 400, .source = NULL})
#define JR_DATA(e, src) ((jr){.err = (e), .status = 500, .source = (src)})

/* Flags of the field readers. */
#define JR_OPT 0u        /* absent or null: return 0 and leave *out untouched */
#define JR_REQ 1u        /* absent or null is a missing_field error */
#define JR_NONEMPTY 2u   /* strings: "" is refused even when optional */
#define JR_MULTILINE 4u  /* strings: allow \n and \t (TEXT_MULTILINE) */

/* Paths: out = path.key (or key at the top), out = path[i]. */
void jr_path(char out[JR_PATH], const char *path, const char *key);
void jr_path_index(char out[JR_PATH], const char *path, size_t i);

/* Fail with code at path; the message is "[source: ]<path> <rule>"
 * (path "" reads "the body", or "the file" with a source). Returns -1. */
int jr_fail(const jr *r, const char *code, const char *path, const char *rule_fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Parse a whole buffer that must hold one JSON object (duplicate keys refused). */
json_t *jr_parse_object(const jr *r, const char *buf, size_t len);

/* ---- Fields of an object -------------------------------------------------- */
/* Each reads o[key]; `path` is o's own path ("" at the top). */

/* Error unless every key of o is in the NULL-terminated list `allowed`. */
int jr_known(const jr *r, json_t *o, const char *path, const char *const *allowed);
/* The raw value: with JR_REQ it must be present (null counts as present);
 * otherwise *out is NULL when absent. For fields where null means something. */
int jr_value(const jr *r, json_t *o, const char *path, const char *key, unsigned flags,
	     json_t **out);
/* An object. q (may be NULL) receives its path "path.key", to read inside it. */
int jr_object(const jr *r, json_t *o, const char *path, const char *key, unsigned flags,
	      json_t **out, char q[JR_PATH]);
/* An array of min..max elements; *out and *n are left alone when optional and
 * absent. q (may be NULL) receives its path, for jr_elem_*. */
int jr_array(const jr *r, json_t *o, const char *path, const char *key, unsigned flags,
	     size_t min, size_t max, json_t **out, size_t *n, char q[JR_PATH]);
/* Valid UTF-8 text without control characters, at most max_chars characters;
 * a required string must not be empty. Points into o (borrowed). */
int jr_string(const jr *r, json_t *o, const char *path, const char *key, unsigned flags,
	      size_t max_chars, const char **out);
int jr_int(const jr *r, json_t *o, const char *path, const char *key, unsigned flags,
	   int64_t min, int64_t max, int64_t *out);
/* An integer amount of yen in min..max; the message says it is yen. */
int jr_yen(const jr *r, json_t *o, const char *path, const char *key, unsigned flags,
	   int64_t min, int64_t max, int64_t *out);
int jr_bool(const jr *r, json_t *o, const char *path, const char *key, unsigned flags,
	    bool *out);
/* An ISO date "YYYY-MM-DD" (core/date.h rules). */
int jr_date(const jr *r, json_t *o, const char *path, const char *key, unsigned flags,
	    at_date *out);
/* One of the NULL-terminated `names`; *out is its index. */
int jr_choice(const jr *r, json_t *o, const char *path, const char *key, unsigned flags,
	      const char *const *names, int *out);

/* ---- Elements of an array ---------------------------------------------------- */
/* a[i], where `path` is a's path; q receives "path[i]" for reading inside. */
int jr_elem_object(const jr *r, json_t *a, const char *path, size_t i, json_t **out,
		   char q[JR_PATH]);
int jr_elem_int(const jr *r, json_t *a, const char *path, size_t i, int64_t min, int64_t max,
		int64_t *out);
int jr_elem_string(const jr *r, json_t *a, const char *path, size_t i, size_t max_chars,
		   const char **out);

/* ---- One-line forms for request bodies (status 400, no source) --------------- */
json_t *jv_parse_object(const char *buf, size_t len, at_error *err);
int jv_string(json_t *obj, const char *path, const char *key, bool required,
	      size_t max_chars, const char **out, at_error *err);
int jv_int(json_t *obj, const char *path, const char *key, bool required,
	   int64_t min, int64_t max, int64_t *out, at_error *err);
int jv_bool(json_t *obj, const char *path, const char *key, bool required,
	    bool *out, at_error *err);
int jv_no_unknown(json_t *obj, const char *path, const char *const *allowed, at_error *err);

/* ---- Writing --------------------------------------------------------------- */
/* Serialise compactly with sorted keys; caller frees. */
char *jv_dump(const json_t *v);

/* {"error":{"code","message","field"}} for an at_error. */
json_t *jv_error_body(const at_error *err);

/* ---- A page of a list ----------------------------------------------------- */
/* {"<key>": list, "truncated": bool, "next_after": <cursor of the last row> | null}.
 * list (taken) holds at most limit + 1 rows; an extra row is dropped and only
 * says that more follow, and next_after is then the value of cursor_key in
 * the last row kept (pass it back as "after"). */
json_t *json_page(const char *key, json_t *list, int64_t limit, const char *cursor_key);

#endif
