/*
 * The policy module's tables. All are sp_ tables: reachable only from inside
 * the spine (store.h), never from a business connection.
 */
#include <stdio.h>
#include <string.h>

#include "policy_internal.h"
#include "store_spine.h"

static const store_migration migrations[] = {
	{1,
	 /* Declarations (decl.h). `source` names the declarations/ file a row came from. */
	 "CREATE TABLE sp_decl_source(name TEXT PRIMARY KEY, module TEXT NOT NULL,"
	 " version INTEGER NOT NULL, digest TEXT NOT NULL, loaded_at INTEGER NOT NULL);"
	 "CREATE TABLE sp_business(id TEXT PRIMARY KEY, name_ja TEXT NOT NULL,"
	 " legal_basis TEXT NOT NULL, number_using INTEGER NOT NULL, source TEXT NOT NULL);"
	 "CREATE TABLE sp_file(id TEXT PRIMARY KEY, name_ja TEXT NOT NULL, business TEXT NOT NULL,"
	 " description TEXT NOT NULL, four_eyes_create INTEGER NOT NULL,"
	 " four_eyes_correct INTEGER NOT NULL,"
	 " four_eyes_remove INTEGER NOT NULL, removed_years INTEGER NOT NULL,"
	 " retention_citation TEXT NOT NULL, source TEXT NOT NULL);"
	 "CREATE TABLE sp_item(file_id TEXT NOT NULL, id TEXT NOT NULL, ord INTEGER NOT NULL,"
	 " name_ja TEXT NOT NULL, type TEXT NOT NULL, max_len INTEGER NOT NULL, class TEXT NOT NULL,"
	 " encrypted INTEGER NOT NULL, indexed INTEGER NOT NULL, retention_years INTEGER,"
	 " note TEXT NOT NULL, search TEXT NOT NULL DEFAULT '', PRIMARY KEY(file_id, id));"
	 "CREATE TABLE sp_permission(business TEXT NOT NULL, file_id TEXT NOT NULL,"
	 " item_id TEXT NOT NULL, access INTEGER NOT NULL, source TEXT NOT NULL,"
	 " PRIMARY KEY(business, file_id, item_id));"
	 "CREATE TABLE sp_setting(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	 /* Staff (staff.h). Passwords as Argon2id strings; TOTP secret sealed. */
	 "CREATE TABLE sp_staff(id TEXT PRIMARY KEY, name TEXT NOT NULL, department TEXT NOT NULL,"
	 " admin INTEGER NOT NULL, pw_hash TEXT NOT NULL, pw_changed_at INTEGER NOT NULL,"
	 " must_change INTEGER NOT NULL, totp_secret TEXT NOT NULL, totp_last_step INTEGER NOT NULL,"
	 " failures INTEGER NOT NULL, locked INTEGER NOT NULL, created_at INTEGER NOT NULL,"
	 " created_by TEXT NOT NULL);"
	 "CREATE TABLE sp_password_history(staff_id TEXT NOT NULL, pw_hash TEXT NOT NULL,"
	 " changed_at INTEGER NOT NULL);"
	 "CREATE INDEX sp_password_history_staff ON sp_password_history(staff_id, changed_at);"
	 "CREATE TABLE sp_session(token_hash " STORE_BYTES " PRIMARY KEY, staff_id TEXT NOT NULL,"
	 " terminal_id TEXT NOT NULL, created_at INTEGER NOT NULL, last_seen INTEGER NOT NULL,"
	 " ended_at INTEGER);"
	 /* Grants ledger (grant.h): rows are only ever inserted. */
	 "CREATE TABLE sp_grant(seq " STORE_SERIAL_KEY ", kind TEXT NOT NULL"
	 " CHECK(kind IN ('grant','revoke')), staff_id TEXT NOT NULL, business TEXT NOT NULL,"
	 " access INTEGER NOT NULL, valid_from INTEGER NOT NULL, valid_to INTEGER NOT NULL,"
	 " by_staff TEXT NOT NULL, reason TEXT NOT NULL, at INTEGER NOT NULL);"
	 "CREATE INDEX sp_grant_staff ON sp_grant(staff_id, business);"
	 /* append-only: guarded by migration 2 */
	 /* Declared data (door.h): a record, its versions, its search index. */
	 "CREATE TABLE sp_record(id " STORE_SERIAL_KEY ", file_id TEXT NOT NULL, subject TEXT NOT NULL,"
	  /* pending: an ex officio entry awaiting its second person; rejected: one refused. */
	 " state TEXT NOT NULL CHECK(state IN ('active','removed','pending','rejected')),"
	 " version INTEGER NOT NULL, removal_reason TEXT, created_at INTEGER NOT NULL,"
	 " updated_at INTEGER NOT NULL, support_measure INTEGER NOT NULL DEFAULT 0);"
	 "CREATE INDEX sp_record_subject ON sp_record(file_id, subject);"
	 "CREATE TABLE sp_record_version(record_id INTEGER NOT NULL REFERENCES sp_record(id),"
	 " version INTEGER NOT NULL, doc TEXT NOT NULL, op TEXT NOT NULL, made_by TEXT NOT NULL,"
	 " made_at INTEGER NOT NULL, approved_by TEXT NOT NULL, PRIMARY KEY(record_id, version));"
	 /* never overwritten: guarded by migration 2 */
	 "CREATE TABLE sp_index(file_id TEXT NOT NULL, item_id TEXT NOT NULL, key TEXT NOT NULL,"
	 " record_id INTEGER NOT NULL, PRIMARY KEY(file_id, item_id, key, record_id))" STORE_CLUSTERED ";"
	 "CREATE INDEX sp_index_record ON sp_index(record_id);"
	 /* Four-eyes (door.h): changes held for a second person. */
	 "CREATE TABLE sp_pending(id " STORE_SERIAL_KEY ", file_id TEXT NOT NULL,"
	 " record_id INTEGER NOT NULL, subject TEXT NOT NULL, op TEXT NOT NULL,"
	 " event TEXT NOT NULL, doc TEXT NOT NULL,"
	 " base_version INTEGER NOT NULL, removal_reason TEXT, business TEXT NOT NULL,"
	 " reason TEXT NOT NULL, case_id TEXT NOT NULL, maker TEXT NOT NULL, made_at INTEGER NOT NULL,"
	 " status TEXT NOT NULL CHECK(status IN ('pending','approved','rejected')),"
	 " checker TEXT, decided_at INTEGER, note TEXT);"
	 "CREATE INDEX sp_pending_status ON sp_pending(status, file_id);"},
	/* Portable SQL (issue 8 §9). The guards go through the store's dialect
	 * layer (step below); databases made before had the same guards as SQLite
	 * triggers of the same names from migration 1, which it replaces.
	 * Password history gets its own order (seq) instead of SQLite's rowid;
	 * old rows keep the order of their timestamps. */
	{2,
	 "CREATE TABLE sp_password_history_v2(seq " STORE_SERIAL_KEY ", staff_id TEXT NOT NULL,"
	 " pw_hash TEXT NOT NULL, changed_at INTEGER NOT NULL);"
	 "INSERT INTO sp_password_history_v2(staff_id, pw_hash, changed_at)"
	 " SELECT staff_id, pw_hash, changed_at FROM sp_password_history ORDER BY changed_at;"
	 "DROP TABLE sp_password_history;"
	 "ALTER TABLE sp_password_history_v2 RENAME TO sp_password_history;"
	 "CREATE INDEX sp_password_history_staff ON sp_password_history(staff_id, changed_at);"},
	{3,
	 /* Owner modules (door.h): only the owner writes a file; own_tables = the
	  * owner keeps the data in its own tables and the door holds no records. */
	 "ALTER TABLE sp_file ADD COLUMN owner TEXT NOT NULL DEFAULT '';"
	 "ALTER TABLE sp_file ADD COLUMN own_tables INTEGER NOT NULL DEFAULT 0;"
	 /* Item value rules (decl.h "codes", "check", "pattern", "min",
	  * "not_future") as a JSON object, '' for none; enforced by the door. */
	 "ALTER TABLE sp_item ADD COLUMN rules TEXT NOT NULL DEFAULT '';"
	 /* The shorter name a screen shows (decl.h "label_ja"), '' for name_ja. */
	 "ALTER TABLE sp_item ADD COLUMN label_ja TEXT NOT NULL DEFAULT '';"},
	/* Logins that hold under attack (issue 9 §2, staff.c). The TOTP algorithm
	 * per secret: secrets made before were SHA-256, new ones are SHA-1.
	 * Back-off instead of a hard lock: failures and a hold per account and per
	 * terminal. A session records why it ended. */
	{4,
	 "ALTER TABLE sp_staff ADD COLUMN totp_alg TEXT NOT NULL DEFAULT 'sha256';"
	 "ALTER TABLE sp_staff ADD COLUMN held_until INTEGER NOT NULL DEFAULT 0;"
	 "ALTER TABLE sp_staff ADD COLUMN last_failure INTEGER NOT NULL DEFAULT 0;"
	 "CREATE TABLE sp_login_source(source TEXT PRIMARY KEY, failures INTEGER NOT NULL,"
	 " held_until INTEGER NOT NULL, last_failure INTEGER NOT NULL);"
	 "ALTER TABLE sp_session ADD COLUMN end_cause TEXT NOT NULL DEFAULT '';"},
	/* Search volume per staff member (issue 9 §5, door_volume.c): the
	 * current window's counts, and the people listed in it (each once). A
	 * new window replaces both. */
	{5,
	 "CREATE TABLE sp_search_window(staff_id TEXT PRIMARY KEY, window_start INTEGER NOT NULL,"
	 " searches INTEGER NOT NULL, people INTEGER NOT NULL, alerted INTEGER NOT NULL);"
	 "CREATE TABLE sp_search_seen(staff_id TEXT NOT NULL, subject TEXT NOT NULL,"
	 " PRIMARY KEY(staff_id, subject));"},
};

static int guards(store *s, at_error *err)
{
	/* The grant ledger: rows are only ever inserted (grant.h). */
	if (store_append_only(s, "sp_grant", STORE_NO_UPDATE | STORE_NO_DELETE, NULL,
			      "the grant ledger is append-only", err))
		return -1;
	/* Versions are never overwritten; the one exception is re-sealing under a
	 * new key (keys.c), which raises the flag inside its own transaction. */
	return store_append_only(s, "sp_record_version", STORE_NO_UPDATE,
				 "EXISTS (SELECT 1 FROM sp_setting WHERE key = 'resealing')",
				 "record versions are never overwritten", err);
}

static const store_migration_step steps[] = {{2, guards}};

int policy_migrate(store *s, at_error *err)
{
	/* Checkpoints sign the grants and staff flags from now on (ledger.c). */
	audit_set_ledger(policy_ledger_digest, POLICY_LEDGER_VERSION);
	store_spine_enter(s);
	int rc = store_migrate_steps(s, "policy", migrations, sizeof migrations / sizeof migrations[0],
				     steps, sizeof steps / sizeof steps[0], err);
	store_spine_leave(s);
	return rc;
}

int policy_setting_get(store *s, const char *key, char *out, size_t cap, at_error *err)
{
	store_spine_enter(s);
	int r = store_query_text(s, "SELECT value FROM sp_setting WHERE key = ?",
				 STORE_ARGS(STORE_TEXT(key)), out, cap, err);
	store_spine_leave(s);
	return r < 0 ? -1 : r == 1 ? 0 : 1;
}

int policy_setting_set(store *s, const char *key, const char *value, at_error *err)
{
	store_spine_enter(s);
	int rc = store_run(s,
			   "INSERT INTO sp_setting(key, value) VALUES(?, ?)"
			   " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
			   STORE_ARGS(STORE_TEXT(key), STORE_TEXT(value)), err);
	store_spine_leave(s);
	return rc;
}

int policy_audit_admin(store *s, const char *by, const char *terminal, const char *operation,
		       const char *subject_staff, const char *reason, const char *detail,
		       at_error *err)
{
	char dept[257] = "";
	store_spine_enter(s);
	store_stmt *st = store_prepare(s, "SELECT department FROM sp_staff WHERE id = ?", err);
	if (st) {
		store_bind_text(st, 1, by);
		if (store_step(st, err) == STORE_ROW)
			snprintf(dept, sizeof dept, "%s", store_col_text(st, 0));
		store_done(st);
	}
	store_spine_leave(s);
	char det[512];
	snprintf(det, sizeof det, "staff=%s%s%s", subject_staff, detail && *detail ? " " : "",
		 detail ? detail : "");
	audit_event ev = {
		.staff_id = by && *by ? by : "console",
		.department = dept,
		.terminal_id = terminal,
		.business = "administration",
		.reason = reason,
		.operation = operation,
		.outcome = AUDIT_OK,
		.detail = det,
	};
	return audit_append(s, &ev, NULL, err);
}

bool policy_id_ok(const char *id)
{
	if (!id || !(id[0] >= 'a' && id[0] <= 'z'))
		return false;
	size_t n = strlen(id);
	if (n > 64)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = id[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
			return false;
	}
	return true;
}

int policy_check_staff_id(const char *id, const char *field, at_error *err)
{
	if (!id || !*id)
		return at_fail(err, 400, AT_E_MISSING, field, "%s is required", field);
	size_t n = strlen(id);
	if (n > 64)
		return at_fail(err, 400, AT_E_INVALID, field, "%s must be at most 64 characters", field);
	for (size_t i = 0; i < n; i++) {
		char c = id[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '@' || c == '-'))
			return at_fail(err, 400, AT_E_INVALID, field,
				       "%s may contain only letters, digits and . _ @ -", field);
	}
	return 0;
}
