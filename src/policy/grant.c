/*
 * The grants ledger (発効管理 / 失効管理, seed 001 §4). Rows of sp_grant are
 * only inserted; triggers refuse UPDATE and DELETE.
 */
#include "policy/grant.h"

#include <stdio.h>
#include <string.h>

#include "core/date.h"
#include "core/text.h"
#include "policy/decl.h"
#include "policy/staff.h"
#include "policy_internal.h"
#include "store_spine.h"

int grant_access_parse(const char *s, grant_access *out, at_error *err)
{
	if (s && !strcmp(s, "view")) {
		*out = GRANT_VIEW;
		return 0;
	}
	if (s && !strcmp(s, "update")) {
		*out = GRANT_UPDATE;
		return 0;
	}
	return at_fail(err, 400, AT_E_INVALID, "access", "access must be view or update");
}

static const char *access_name(int64_t a)
{
	return a == GRANT_UPDATE ? "update" : "view";
}

/* Shared checks: the grantee exists, the business is declared, the
 * administrator is a different, active administrator, the reason is given. */
static int check_change(store *s, const char *staff_id, const char *business, const char *by,
			const char *reason, at_error *err)
{
	staff_info who;
	if (policy_check_staff_id(staff_id, "staff", err) ||
	    text_check(reason, "reason", 200, false, 0, err))
		return -1;
	if (staff_get(s, staff_id, &who, err))
		return at_fail(err, 404, AT_E_NOT_FOUND, "staff", "no staff member has the id %s", staff_id);
	if (!business || !decl_business_exists(s, business))
		return at_fail(err, 400, AT_E_INVALID, "business", "%s is not a declared business",
			       business ? business : "(none)");
	if (!by || !*by)
		return at_fail(err, 400, AT_E_MISSING, "by",
			       "by (the administrator making the change) is required");
	staff_info admin;
	if (staff_get(s, by, &admin, err) || !admin.admin || admin.locked)
		return at_fail(err, 403, AT_E_FORBIDDEN, "by", "%s is not an active administrator", by);
	/* Separation of duties: nobody grants or revokes their own access. */
	if (!strcmp(by, staff_id))
		return at_fail(err, 403, AT_E_FORBIDDEN, "by",
			       "an administrator may not grant or revoke their own access");
	return 0;
}

static int append(store *s, const char *kind, const char *staff_id, const char *business,
		  grant_access access, int64_t from, int64_t to, const char *by,
		  const char *terminal, const char *reason, at_error *err)
{
	store_spine_enter(s);
	int rc = -1;
	if (store_begin(s, err))
		goto leave;
	store_stmt *st = store_prepare(s,
		"INSERT INTO sp_grant(kind, staff_id, business, access, valid_from, valid_to, by_staff,"
		" reason, at) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)", err);
	if (!st)
		goto rollback;
	store_bind_text(st, 1, kind);
	store_bind_text(st, 2, staff_id);
	store_bind_text(st, 3, business);
	store_bind_int(st, 4, access);
	store_bind_int(st, 5, from);
	store_bind_int(st, 6, to);
	store_bind_text(st, 7, by);
	store_bind_text(st, 8, reason);
	store_bind_int(st, 9, time_now());
	int r = store_step(st, err);
	store_done(st);
	if (r != STORE_DONE)
		goto rollback;
	char det[160];
	snprintf(det, sizeof det, "business=%s access=%s", business, access_name(access));
	if (policy_audit_admin(s, by, terminal, kind, staff_id, reason, det, err))
		goto rollback;
	rc = store_commit(s, err);
	goto leave;
rollback:
	store_rollback(s);
leave:
	store_spine_leave(s);
	return rc;
}

int grant_add(store *s, const char *staff_id, const char *business, grant_access access,
	      int64_t valid_from, int64_t valid_to, const char *by, const char *terminal,
	      const char *reason, at_error *err)
{
	if (check_change(s, staff_id, business, by, reason, err))
		return -1;
	if (access != GRANT_VIEW && access != GRANT_UPDATE)
		return at_fail(err, 400, AT_E_INVALID, "access", "access must be view or update");
	int64_t now = time_now();
	if (valid_from == 0)
		valid_from = now;
	if (valid_to != 0 && valid_to <= valid_from)
		return at_fail(err, 400, AT_E_INVALID, "valid_to", "valid_to must be after valid_from");
	return append(s, "grant", staff_id, business, access, valid_from, valid_to, by, terminal,
		      reason, err);
}

int grant_revoke(store *s, const char *staff_id, const char *business, grant_access access,
		 const char *by, const char *terminal, const char *reason, at_error *err)
{
	if (check_change(s, staff_id, business, by, reason, err))
		return -1;
	if (!grant_check(s, staff_id, business, access, time_now()))
		return at_fail(err, 409, AT_E_CONFLICT, "business",
			       "%s holds no current %s grant for %s to revoke", staff_id,
			       access_name(access), business);
	return append(s, "revoke", staff_id, business, access, time_now(), 0, by, terminal, reason,
		      err);
}

bool grant_check(store *s, const char *staff_id, const char *business, grant_access access,
		 int64_t at)
{
	at_error e;
	store_spine_enter(s);
	/* A grant counts when it covers `at` and no later revoke of the same or a
	 * lower level follows it (revoking view revokes update too). */
	store_stmt *st = store_prepare(s,
		"SELECT 1 FROM sp_grant g WHERE g.kind = 'grant' AND g.staff_id = ? AND g.business = ?"
		" AND g.access >= ? AND g.valid_from <= ? AND (g.valid_to = 0 OR g.valid_to > ?)"
		" AND NOT EXISTS (SELECT 1 FROM sp_grant r WHERE r.kind = 'revoke'"
		"  AND r.staff_id = g.staff_id AND r.business = g.business AND r.access <= g.access"
		"  AND r.seq > g.seq AND r.valid_from <= ?) LIMIT 1", &e);
	bool ok = false;
	if (st) {
		store_bind_text(st, 1, staff_id);
		store_bind_text(st, 2, business);
		store_bind_int(st, 3, access);
		store_bind_int(st, 4, at);
		store_bind_int(st, 5, at);
		store_bind_int(st, 6, at);
		ok = store_step(st, &e) == STORE_ROW;
		store_done(st);
	}
	store_spine_leave(s);
	return ok;
}

int grant_ledger(store *s, const char *staff_id, json_t **out, at_error *err)
{
	*out = NULL;
	store_spine_enter(s);
	store_stmt *st = store_prepare(s,
		"SELECT seq, kind, staff_id, business, access, valid_from, valid_to, by_staff, reason, at"
		" FROM sp_grant WHERE (? IS NULL OR staff_id = ?) ORDER BY seq", err);
	if (!st) {
		store_spine_leave(s);
		return -1;
	}
	store_bind_text(st, 1, staff_id);
	store_bind_text(st, 2, staff_id);
	json_t *arr = json_array();
	int r;
	while ((r = store_step(st, err)) == STORE_ROW) {
		char from[21], to[21] = "", at[21];
		time_format(store_col_int(st, 5), from);
		if (store_col_int(st, 6))
			time_format(store_col_int(st, 6), to);
		time_format(store_col_int(st, 9), at);
		json_array_append_new(arr, json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}",
			"seq", (json_int_t)store_col_int(st, 0), "kind", store_col_text(st, 1),
			"staff_id", store_col_text(st, 2), "business", store_col_text(st, 3),
			"access", access_name(store_col_int(st, 4)), "valid_from", from,
			"valid_to", to, "by", store_col_text(st, 7), "reason", store_col_text(st, 8),
			"at", at));
	}
	store_done(st);
	store_spine_leave(s);
	if (r < 0) {
		json_decref(arr);
		return -1;
	}
	*out = arr;
	return 0;
}
