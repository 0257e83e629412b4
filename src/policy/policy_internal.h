/*
 * Shared between the policy module's own files; not a public header.
 */
#ifndef ATENA_POLICY_INTERNAL_H
#define ATENA_POLICY_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>

#include "audit/audit.h"
#include "core/error.h"
#include "store/store.h"

/* Most items one declared file may have: the door holds a file's item table
 * in a fixed array, so decl.c refuses a larger declaration at load. */
#define POLICY_MAX_ITEMS 256

/* Create or upgrade the policy module's sp_ tables. */
int policy_migrate(store *s, at_error *err);

/* One-row helpers (inside a spine section). */
/* policy_setting_get: 0 with out set, 1 when the key has no value, -1 (err
 * set) when the store failed: a fault is never taken for "not set" (the
 * municipality's identity would fall back to the built-in one unseen). */
int policy_setting_get(store *s, const char *key, char *out, size_t cap, at_error *err);
int policy_setting_set(store *s, const char *key, const char *value, at_error *err);

/* The digest of the grant ledger and the staff security flags (ledger.c),
 * by version 1 .. POLICY_LEDGER_VERSION, registered with audit_set_ledger by
 * policy_migrate. */
#define POLICY_LEDGER_VERSION 2
int policy_ledger_digest(store *s, int version, unsigned char out[CRYPTO_HASH_BYTES],
			 at_error *err);
/* Audit an administrative act under business "administration" inside the
 * caller's transaction. */
int policy_audit_admin(store *s, const char *by, const char *terminal, const char *operation,
		       const char *subject_staff, const char *reason, const char *detail,
		       at_error *err);

/* Is `id` a well-formed identifier: [a-z][a-z0-9_]{0,63}? */
bool policy_id_ok(const char *id);
/* Staff and terminal ids: printable ASCII [A-Za-z0-9._@-]{1,64}. */
int policy_check_staff_id(const char *id, const char *field, at_error *err);

#endif
