/*
 * at_error — the one error type of Atena.
 *
 * Every fallible function takes an `at_error *err` last and returns 0 on
 * success, -1 on failure with *err filled. An error carries a stable machine
 * code (snake_case, part of the API), the HTTP status it maps to, the field
 * it is about (dotted path, or "" when none) and a sentence for a person that
 * names the field and the rule that was broken.
 */
#ifndef ATENA_CORE_ERROR_H
#define ATENA_CORE_ERROR_H

#include <stdbool.h>

typedef struct at_error {
	int status;          /* HTTP status: 400, 401, 403, 404, 409, 413, 423, 500 ... */
	char code[48];       /* stable code, e.g. "invalid_input", "no_grant" */
	char field[96];      /* offending field, "" if none */
	char message[512];   /* human sentence naming the field and the rule */
	bool audited;        /* the refusal is already in the audit log (the door wrote it);
			      * module/unit.h writes it no second time. at_fail clears it. */
} at_error;

/* Stable codes shared by several modules. Modules may add their own. */
#define AT_E_INVALID    "invalid_input"       /* 400: a field breaks a rule */
#define AT_E_UNKNOWN    "unknown_field"       /* 400: a key we do not accept */
#define AT_E_MISSING    "missing_field"       /* 400: a required field is absent */
#define AT_E_AUTH       "authentication_failed" /* 401 */
#define AT_E_FORBIDDEN  "forbidden"           /* 403 */
#define AT_E_NOT_FOUND  "not_found"           /* 404 */
#define AT_E_CONFLICT   "conflict"            /* 409 */
#define AT_E_TOO_LARGE  "too_large"           /* 413 */
#define AT_E_LOCKED     "account_locked"      /* 423 */
#define AT_E_INTERNAL   "internal_error"      /* 500 */
#define AT_E_STORE      "store_error"         /* 500: database failure */
#define AT_E_INSECURE   "insecure_permissions" /* 500: group/others may use a data file (core/private_file.h) */

/* Fill err (if not NULL) and return -1, so callers can `return at_fail(...)`. */
int at_fail(at_error *err, int status, const char *code, const char *field,
	    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

void at_error_clear(at_error *err);

#endif
