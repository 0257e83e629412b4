/*
 * grant — who may act under which business, as a ledger.
 *
 * A grant is (staff, business, view|update, valid from/to, granted by,
 * reason). Granting and revoking are events appended to a ledger, never edits
 * (seed 001 §4: 発効管理 / 失効管理), so the ledger itself answers "who could
 * see this on that day". update implies view. `by` must be an unlocked
 * administrator other than the staff member concerned; every change is audited
 * (business "administration") in the same transaction, from `terminal`.
 */
#ifndef ATENA_POLICY_GRANT_H
#define ATENA_POLICY_GRANT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/error.h"
#include "store/store.h"

typedef enum { GRANT_VIEW = 1, GRANT_UPDATE = 2 } grant_access;

int grant_access_parse(const char *s, grant_access *out, at_error *err);

/* valid_to 0 = open-ended; valid_from 0 = now. */
int grant_add(store *s, const char *staff_id, const char *business, grant_access access,
	      int64_t valid_from, int64_t valid_to, const char *by, const char *terminal,
	      const char *reason, at_error *err);
/* Revoke the staff member's current grants for the business at this access
 * level (GRANT_VIEW revokes both view and update). */
int grant_revoke(store *s, const char *staff_id, const char *business, grant_access access,
		 const char *by, const char *terminal, const char *reason, at_error *err);
/* Does staff hold access (or more) for business at time `at`? */
bool grant_check(store *s, const char *staff_id, const char *business, grant_access access,
		 int64_t at);
/* The ledger (all events) for one staff member, or everyone when staff_id is NULL. */
int grant_ledger(store *s, const char *staff_id, json_t **out, at_error *err);

#endif
