/*
 * Staff accounts, two-factor login and sessions. See staff.h for the seed
 * rules enforced here.
 */
#include "policy/staff.h"

#include <sodium/utils.h>  /* sodium_memzero */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "audit/audit.h"
#include "core/date.h"
#include "core/text.h"
#include "policy_internal.h"
#include "store_spine.h"

#define TOTP_AAD_PREFIX "sp_staff.totp_secret:"

/* Initial passwords: 16 characters from an alphabet without look-alikes. */
static void new_password(strbuf *out)
{
	static const char alpha[] = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
	unsigned char r[16];
	crypto_random(r, sizeof r);
	for (size_t i = 0; i < sizeof r; i++)
		sb_addch(out, alpha[r[i] % (sizeof alpha - 1)]);
}

static void totp_aad(const char *id, strbuf *aad)
{
	sb_addf(aad, TOTP_AAD_PREFIX "%s", id);
}

/* Fresh TOTP secret: returns the sealed form for the store and the base32 form for the person. */
static int new_totp(const keyring *kr, const char *id, strbuf *sealed, strbuf *b32, at_error *err)
{
	unsigned char sec[TOTP_SECRET_BYTES];
	crypto_random(sec, sizeof sec);
	base32_encode(sec, sizeof sec, b32);
	strbuf aad = STRBUF_INIT;
	sb_init(&aad);
	totp_aad(id, &aad);
	int rc = crypto_seal(kr, (const char *)sec, sizeof sec, aad.buf, sealed, err);
	sb_release(&aad);
	return rc;
}

/* A fresh initial password and TOTP secret: the stored forms (Argon2id hash,
 * sealed secret) and the forms shown once to the person. */
typedef struct credentials {
	strbuf password, hash, sealed_totp, totp_b32;
} credentials;

static void credentials_release(credentials *c)
{
	if (c->password.len)
		sodium_memzero(c->password.buf, c->password.len);
	sb_release(&c->password);
	sb_release(&c->hash);
	sb_release(&c->sealed_totp);
	sb_release(&c->totp_b32);
}

static int credentials_make(const keyring *kr, const char *id, credentials *c, at_error *err)
{
	sb_init(&c->password);
	sb_init(&c->hash);
	sb_init(&c->sealed_totp);
	sb_init(&c->totp_b32);
	new_password(&c->password);
	return password_hash(c->password.buf, &c->hash, err) ||
			       new_totp(kr, id, &c->sealed_totp, &c->totp_b32, err)
		       ? -1
		       : 0;
}

static void credentials_hand_out(const credentials *c, strbuf *password_out, strbuf *totp_out)
{
	sb_add(password_out, c->password.buf, c->password.len);
	sb_add(totp_out, c->totp_b32.buf, c->totp_b32.len);
}

static int check_admin(store *s, const char *by, at_error *err)
{
	if (!by || !*by)
		return 0;  /* the console operator */
	staff_info who;
	if (staff_get(s, by, &who, err))
		return at_fail(err, 403, AT_E_FORBIDDEN, "by", "%s is not a staff member", by);
	if (!who.admin || who.locked)
		return at_fail(err, 403, AT_E_FORBIDDEN, "by",
			       "%s is not an active administrator and may not manage accounts", by);
	return 0;
}

/* A staff member's columns (of sp_staff as t), read by staff_row from
 * column c on: staff_get, and the session look-up that joins them. */
#define STAFF_COLS "t.id, t.name, t.department, t.admin, t.locked, t.must_change, t.pw_changed_at"

static void staff_row(store_stmt *st, int c, staff_info *out)
{
	snprintf(out->id, sizeof out->id, "%s", store_col_text(st, c));
	snprintf(out->name, sizeof out->name, "%s", store_col_text(st, c + 1));
	snprintf(out->department, sizeof out->department, "%s", store_col_text(st, c + 2));
	out->admin = store_col_int(st, c + 3) != 0;
	out->locked = store_col_int(st, c + 4) != 0;
	int64_t changed = store_col_int(st, c + 6);
	out->must_change = store_col_int(st, c + 5) != 0 ||
			   changed + (int64_t)STAFF_PASSWORD_DAYS * 86400 < time_now();
}

int staff_get(store *s, const char *id, staff_info *out, at_error *err)
{
	memset(out, 0, sizeof *out);
	store_spine_enter(s);
	int rc = -1;
	store_stmt *st = store_prepare(s, "SELECT " STAFF_COLS " FROM sp_staff t WHERE t.id = ?", err);
	if (st) {
		store_bind_text(st, 1, id);
		int r = store_step(st, err);
		if (r == STORE_ROW) {
			staff_row(st, 0, out);
			rc = 0;
		} else if (r == STORE_DONE) {
			at_fail(err, 404, AT_E_NOT_FOUND, "staff_id", "no staff member has the id %s", id);
		}
		store_done(st);
	}
	store_spine_leave(s);
	return rc;
}

int staff_add(store *s, const keyring *kr, const char *id, const char *name,
	      const char *department, bool admin, const char *by, const char *terminal,
	      strbuf *password_out, strbuf *totp_secret_out, at_error *err)
{
	if (policy_check_staff_id(id, "id", err) || text_check(name, "name", 100, false, 0, err) ||
	    text_check(department, "department", 100, false, 0, err) || check_admin(s, by, err))
		return -1;
	credentials c;
	int rc = -1;
	if (credentials_make(kr, id, &c, err))
		goto out;
	store_spine_enter(s);
	if (store_begin(s, err))
		goto leave;
	store_stmt *st = store_prepare(s,
		"INSERT INTO sp_staff(id, name, department, admin, pw_hash, pw_changed_at, must_change,"
		" totp_secret, totp_last_step, failures, locked, created_at, created_by)"
		" VALUES(?, ?, ?, ?, ?, ?, 1, ?, 0, 0, 0, ?, ?)", err);
	if (!st)
		goto rollback;
	int64_t now = time_now();
	store_bind_text(st, 1, id);
	store_bind_text(st, 2, name);
	store_bind_text(st, 3, department);
	store_bind_int(st, 4, admin);
	store_bind_text(st, 5, c.hash.buf);
	store_bind_int(st, 6, now);
	store_bind_text(st, 7, c.sealed_totp.buf);
	store_bind_int(st, 8, now);
	store_bind_text(st, 9, by ? by : "");
	int r = store_step(st, err);
	store_done(st);
	if (r != STORE_DONE) {
		if (err && !strcmp(err->code, AT_E_CONFLICT))
			at_fail(err, 409, AT_E_CONFLICT, "id",
				"a staff member with the id %s already exists; one person, one account", id);
		goto rollback;
	}
	char det[64];
	snprintf(det, sizeof det, "admin=%d", admin);
	if (policy_audit_admin(s, by, terminal, "staff_add", id, "account created", det, err))
		goto rollback;
	if (store_commit(s, err))
		goto leave;
	credentials_hand_out(&c, password_out, totp_secret_out);
	rc = 0;
	goto leave;
rollback:
	store_rollback(s);
leave:
	store_spine_leave(s);
out:
	credentials_release(&c);
	return rc;
}

/* Run one UPDATE on a staff row inside the caller's spine section. */
static int staff_update(store *s, const char *sql, const char *id, const char *t1, int64_t i1,
			at_error *err)
{
	store_stmt *st = store_prepare(s, sql, err);
	if (!st)
		return -1;
	int k = 1;
	if (t1)
		store_bind_text(st, k++, t1);
	if (i1 != INT64_MIN)
		store_bind_int(st, k++, i1);
	store_bind_text(st, k, id);
	int r = store_step(st, err);
	store_done(st);
	if (r != STORE_DONE)
		return -1;
	if (store_changes(s) == 0)
		return at_fail(err, 404, AT_E_NOT_FOUND, "id", "no staff member has the id %s", id);
	return 0;
}

int staff_reset(store *s, const keyring *kr, const char *id, const char *by,
		const char *terminal, strbuf *password_out, strbuf *totp_secret_out, at_error *err)
{
	if (policy_check_staff_id(id, "id", err) || check_admin(s, by, err))
		return -1;
	credentials c;
	int rc = -1;
	if (credentials_make(kr, id, &c, err))
		goto out;
	store_spine_enter(s);
	if (store_begin(s, err))
		goto leave;
	/* pw_changed_at is left alone: the forced change at next login renews it. */
	store_stmt *st = store_prepare(s,
		"UPDATE sp_staff SET pw_hash = ?, totp_secret = ?, totp_last_step = 0, must_change = 1,"
		" failures = 0, locked = 0 WHERE id = ?", err);
	if (!st)
		goto rollback;
	store_bind_text(st, 1, c.hash.buf);
	store_bind_text(st, 2, c.sealed_totp.buf);
	store_bind_text(st, 3, id);
	int r = store_step(st, err);
	store_done(st);
	if (r != STORE_DONE)
		goto rollback;
	if (store_changes(s) == 0) {
		at_fail(err, 404, AT_E_NOT_FOUND, "id", "no staff member has the id %s", id);
		goto rollback;
	}
	/* A reset ends the person's open sessions. */
	if (staff_update(s, "UPDATE sp_session SET ended_at = ? WHERE ended_at IS NULL AND staff_id = ?",
			 id, NULL, time_now(), err) && strcmp(err->code, AT_E_NOT_FOUND))
		goto rollback;
	if (policy_audit_admin(s, by, terminal, "staff_reset", id, "password and second factor reset",
			       "", err))
		goto rollback;
	if (store_commit(s, err))
		goto leave;
	credentials_hand_out(&c, password_out, totp_secret_out);
	rc = 0;
	goto leave;
rollback:
	store_rollback(s);
leave:
	store_spine_leave(s);
out:
	credentials_release(&c);
	return rc;
}

int staff_set_locked(store *s, const char *id, bool locked, const char *by,
		     const char *terminal, at_error *err)
{
	if (policy_check_staff_id(id, "id", err) || check_admin(s, by, err))
		return -1;
	if (by && !strcmp(by, id))
		return at_fail(err, 403, AT_E_FORBIDDEN, "by", "an administrator may not lock or unlock themself");
	store_spine_enter(s);
	int rc = -1;
	if (store_begin(s, err))
		goto leave;
	if (staff_update(s, "UPDATE sp_staff SET locked = ?, failures = 0 WHERE id = ?", id, NULL,
			 locked, err))
		goto rollback;
	if (locked) {
		at_error e2;
		staff_update(s, "UPDATE sp_session SET ended_at = ? WHERE ended_at IS NULL AND staff_id = ?",
			     id, NULL, time_now(), &e2);
	}
	if (policy_audit_admin(s, by, terminal, locked ? "staff_lock" : "staff_unlock", id,
			       locked ? "account locked" : "account unlocked", "", err))
		goto rollback;
	rc = store_commit(s, err);
	goto leave;
rollback:
	store_rollback(s);
leave:
	store_spine_leave(s);
	return rc;
}

/* ---- Passwords ---- */

/* Password rule: at least STAFF_PASSWORD_MIN characters, not containing the
 * staff id, not one of the last STAFF_PASSWORD_HISTORY (seed 000 §4 再利用禁止). */
static int check_new_password(store *s, const char *id, const char *pw, at_error *err)
{
	if (text_check(pw, "new_password", 256, false, 0, err))
		return -1;
	if (text_utf8_len(pw) < STAFF_PASSWORD_MIN)
		return at_fail(err, 400, AT_E_INVALID, "new_password",
			       "new_password must be at least %d characters", STAFF_PASSWORD_MIN);
	if (strstr(pw, id))
		return at_fail(err, 400, AT_E_INVALID, "new_password",
			       "new_password must not contain the staff id");
	store_stmt *st = store_prepare(s,
		"SELECT pw_hash FROM sp_password_history WHERE staff_id = ?"
		" ORDER BY changed_at DESC, seq DESC LIMIT ?", err);
	if (!st)
		return -1;
	store_bind_text(st, 1, id);
	store_bind_int(st, 2, STAFF_PASSWORD_HISTORY);
	int reused = 0;
	while (store_step(st, err) == STORE_ROW)
		if (password_verify(store_col_text(st, 0), pw))
			reused = 1;
	store_done(st);
	if (!reused) {
		st = store_prepare(s, "SELECT pw_hash FROM sp_staff WHERE id = ?", err);
		if (!st)
			return -1;
		store_bind_text(st, 1, id);
		if (store_step(st, err) == STORE_ROW && password_verify(store_col_text(st, 0), pw))
			reused = 1;
		store_done(st);
	}
	if (reused)
		return at_fail(err, 400, AT_E_INVALID, "new_password",
			       "new_password must differ from the last %d passwords",
			       STAFF_PASSWORD_HISTORY);
	return 0;
}

/* Inside a transaction: store the new password and keep the old in the history. */
static int set_password(store *s, const char *id, const char *pw, at_error *err)
{
	strbuf hash = STRBUF_INIT;
	sb_init(&hash);
	int rc = -1;
	if (password_hash(pw, &hash, err))
		goto out;
	store_stmt *st = store_prepare(s,
		"INSERT INTO sp_password_history(staff_id, pw_hash, changed_at)"
		" SELECT id, pw_hash, ? FROM sp_staff WHERE id = ?", err);
	if (!st)
		goto out;
	store_bind_int(st, 1, time_now());
	store_bind_text(st, 2, id);
	int r = store_step(st, err);
	store_done(st);
	if (r != STORE_DONE)
		goto out;
	st = store_prepare(s,
		"UPDATE sp_staff SET pw_hash = ?, pw_changed_at = ?, must_change = 0 WHERE id = ?", err);
	if (!st)
		goto out;
	store_bind_text(st, 1, hash.buf);
	store_bind_int(st, 2, time_now());
	store_bind_text(st, 3, id);
	rc = store_step(st, err) == STORE_DONE ? 0 : -1;
	store_done(st);
out:
	sb_release(&hash);
	return rc;
}

/* ---- Login ---- */

static void login_event(store *s, const char *id, const char *dept, const char *terminal,
			const char *outcome, const char *detail)
{
	audit_event ev = {
		.staff_id = id, .department = dept, .terminal_id = terminal, .business = "",
		.reason = "login", .operation = "login", .outcome = outcome, .detail = detail,
	};
	at_error e;
	if (store_in_tx(s))
		audit_append(s, &ev, NULL, &e);
	else
		audit_append_now(s, &ev, &e);
}

int staff_login(store *s, const keyring *kr, const char *id, const char *password,
		const char *totp, const char *terminal_id, const char *new_pw,
		strbuf *token_out, staff_info *who, at_error *err)
{
	if (policy_check_staff_id(id, "staff_id", err) ||
	    text_check(password, "password", 256, false, 0, err) ||
	    policy_check_staff_id(terminal_id, "terminal_id", err))
		return -1;
	if (!totp || !text_is_digits(totp, TOTP_DIGITS))
		return at_fail(err, 400, AT_E_INVALID, "totp", "totp must be the %d-digit one-time code",
			       TOTP_DIGITS);
	/* Read the account outside the write lock: Argon2id takes a while. */
	char pw_hash[256] = "", sealed[512] = "", dept[257] = "";
	int64_t last_step = 0, failures = 0;
	bool found = false, locked = false;
	store_spine_enter(s);
	store_stmt *st = store_prepare(s,
		"SELECT pw_hash, totp_secret, totp_last_step, failures, locked, department"
		" FROM sp_staff WHERE id = ?", err);
	if (!st) {
		store_spine_leave(s);
		return -1;
	}
	store_bind_text(st, 1, id);
	if (store_step(st, err) == STORE_ROW) {
		found = true;
		snprintf(pw_hash, sizeof pw_hash, "%s", store_col_text(st, 0));
		snprintf(sealed, sizeof sealed, "%s", store_col_text(st, 1));
		last_step = store_col_int(st, 2);
		failures = store_col_int(st, 3);
		locked = store_col_int(st, 4) != 0;
		snprintf(dept, sizeof dept, "%s", store_col_text(st, 5));
	}
	store_done(st);
	int rc = -1;
	if (!found) {
		login_event(s, id, "", terminal_id, AUDIT_FAILED, "unknown staff id");
		at_fail(err, 401, AT_E_AUTH, "", "the staff ID, password or one-time code is wrong");
		goto leave;
	}
	if (locked) {
		login_event(s, id, dept, terminal_id, AUDIT_DENIED, "account locked");
		at_fail(err, 423, AT_E_LOCKED, "staff_id",
			"the account %s is locked; an administrator must unlock or reset it", id);
		goto leave;
	}
	bool pw_ok = password_verify(pw_hash, password);
	int64_t step = -1;
	if (pw_ok) {
		strbuf aad = STRBUF_INIT, secret = STRBUF_INIT;
		sb_init(&aad);
		sb_init(&secret);
		totp_aad(id, &aad);
		at_error e;
		if (crypto_open(kr, sealed, aad.buf, &secret, &e) == 0)
			step = totp_verify((const unsigned char *)secret.buf, secret.len, totp, time_now(),
					   last_step);
		if (secret.len)
			sodium_memzero(secret.buf, secret.len);
		sb_release(&secret);
		sb_release(&aad);
	}
	if (store_begin(s, err))
		goto leave;
	if (!pw_ok || step < 0) {
		/* Lockout after STAFF_MAX_FAILURES consecutive failures (seed 003: 不正ログイン対策). */
		int64_t nf = failures + 1;
		bool lock_now = nf >= STAFF_MAX_FAILURES;
		st = store_prepare(s, "UPDATE sp_staff SET failures = ?, locked = ? WHERE id = ?", err);
		if (!st)
			goto rollback;
		store_bind_int(st, 1, nf);
		store_bind_int(st, 2, lock_now);
		store_bind_text(st, 3, id);
		int ur = store_step(st, err);
		store_done(st);
		if (ur != STORE_DONE)
			goto rollback;
		login_event(s, id, dept, terminal_id, AUDIT_FAILED,
			    !pw_ok ? "wrong password" : "wrong or reused one-time code");
		if (lock_now)
			login_event(s, id, dept, terminal_id, AUDIT_DENIED, "account locked after repeated failures");
		if (store_commit(s, err))
			goto leave;
		if (lock_now)
			at_fail(err, 423, AT_E_LOCKED, "staff_id",
				"too many failed logins: the account %s is now locked", id);
		else
			at_fail(err, 401, AT_E_AUTH, "", "the staff ID, password or one-time code is wrong");
		goto leave;
	}
	staff_info info;
	if (staff_get(s, id, &info, err))
		goto rollback;
	if (info.must_change) {
		if (!new_pw || !*new_pw) {
			/* Both factors were right but no session opens: the code's step
			 * stays usable for the retry that carries new_password. */
			login_event(s, id, dept, terminal_id, AUDIT_DENIED, "password change required");
			if (store_commit(s, err))
				goto leave;
			at_fail(err, 403, "password_change_required", "new_password",
				"the password must be changed (first login or expired): send new_password");
			goto leave;
		}
		if (check_new_password(s, id, new_pw, err) || set_password(s, id, new_pw, err))
			goto rollback;
		info.must_change = false;
	}
	/* A session opens: the one-time code's step is used up (no replay). */
	if (staff_update(s, "UPDATE sp_staff SET failures = 0, totp_last_step = ? WHERE id = ?", id,
			 NULL, step, err))
		goto rollback;
	strbuf token = STRBUF_INIT;
	sb_init(&token);
	crypto_random_token(32, &token);
	unsigned char th[CRYPTO_HASH_BYTES];
	crypto_digest(token.buf, token.len, th);
	st = store_prepare(s,
		"INSERT INTO sp_session(token_hash, staff_id, terminal_id, created_at, last_seen)"
		" VALUES(?, ?, ?, ?, ?)", err);
	int r = -1;
	if (st) {
		int64_t now = time_now();
		store_bind_blob(st, 1, th, sizeof th);
		store_bind_text(st, 2, id);
		store_bind_text(st, 3, terminal_id);
		store_bind_int(st, 4, now);
		store_bind_int(st, 5, now);
		r = store_step(st, err);
		store_done(st);
	}
	if (r != STORE_DONE) {
		sb_release(&token);
		goto rollback;
	}
	login_event(s, id, dept, terminal_id, AUDIT_OK, new_pw && *new_pw ? "password changed" : "");
	if (store_commit(s, err)) {
		sb_release(&token);
		goto leave;
	}
	sb_add(token_out, token.buf, token.len);
	sb_release(&token);
	snprintf(info.terminal_id, sizeof info.terminal_id, "%s", terminal_id);
	if (who)
		*who = info;
	rc = 0;
	goto leave;
rollback:
	store_rollback(s);
leave:
	store_spine_leave(s);
	return rc;
}

/* ---- Sessions ---- */

/* Resolve token; end it when over (committed, audited). touch: also
 * refresh its idle clock in the same commit; otherwise nothing is written
 * for a live session (the caller touches it in its own unit of work). */
static int session_resolve(store *s, const char *token, bool touch, staff_info *who,
			   at_error *err)
{
	if (!token || !*token || strlen(token) > 128)
		return at_fail(err, 401, AT_E_AUTH, "Authorization",
			       "a bearer token from POST /api/v1/sessions is required");
	unsigned char th[CRYPTO_HASH_BYTES];
	crypto_digest(token, strlen(token), th);
	store_spine_enter(s);
	int rc = -1;
	if (store_begin(s, err))
		goto leave;
	/* The session and its staff member in one look-up: the staff member is
	 * resolved once per request. */
	store_stmt *st = store_prepare(s,
		"SELECT s.terminal_id, s.created_at, s.last_seen, " STAFF_COLS
		" FROM sp_session s JOIN sp_staff t ON t.id = s.staff_id"
		" WHERE s.token_hash = ? AND s.ended_at IS NULL", err);
	if (!st)
		goto rollback;
	store_bind_blob(st, 1, th, sizeof th);
	staff_info row;
	memset(&row, 0, sizeof row);
	char term[65] = "";
	int64_t created = 0, seen = 0;
	int r = store_step(st, err);
	if (r == STORE_ROW) {
		snprintf(term, sizeof term, "%s", store_col_text(st, 0));
		created = store_col_int(st, 1);
		seen = store_col_int(st, 2);
		staff_row(st, 3, &row);
	}
	const char *id = row.id;
	bool locked = row.locked;
	store_done(st);
	if (r != STORE_ROW) {
		store_rollback(s);
		at_fail(err, 401, AT_E_AUTH, "Authorization", "the session is unknown or has ended; log in again");
		goto leave;
	}
	int64_t now = time_now();
	bool over = locked || now - seen > STAFF_IDLE_TIMEOUT || now - created > STAFF_SESSION_MAX;
	if (!over && !touch) {
		store_rollback(s);   /* only read: nothing to make durable */
		goto found;
	}
	st = store_prepare(s, over ? "UPDATE sp_session SET ended_at = ? WHERE token_hash = ?"
				   : "UPDATE sp_session SET last_seen = ? WHERE token_hash = ?", err);
	if (!st)
		goto rollback;
	store_bind_int(st, 1, now);
	store_bind_blob(st, 2, th, sizeof th);
	r = store_step(st, err);
	store_done(st);
	if (r != STORE_DONE)
		goto rollback;
	if (over) {
		audit_event ev = {.staff_id = id, .terminal_id = term, .reason = "session",
				  .operation = "session_end", .outcome = AUDIT_OK,
				  .detail = locked ? "account locked" : "idle or lifetime timeout"};
		if (audit_append(s, &ev, NULL, err))
			goto rollback;
	}
	if (store_commit(s, err))
		goto leave;
	if (over) {
		at_fail(err, 401, "session_expired", "Authorization",
			"the session ended after %d minutes without activity; log in again",
			STAFF_IDLE_TIMEOUT / 60);
		goto leave;
	}
found:
	*who = row;
	snprintf(who->terminal_id, sizeof who->terminal_id, "%s", term);
	rc = 0;
	goto leave;
rollback:
	store_rollback(s);
leave:
	store_spine_leave(s);
	return rc;
}

int staff_session(store *s, const char *token, staff_info *who, at_error *err)
{
	return session_resolve(s, token, true, who, err);
}

int staff_session_peek(store *s, const char *token, staff_info *who, at_error *err)
{
	return session_resolve(s, token, false, who, err);
}

int staff_session_touch(store *s, const char *token, at_error *err)
{
	unsigned char th[CRYPTO_HASH_BYTES];
	crypto_digest(token, strlen(token), th);
	bool own = !store_in_tx(s);
	store_spine_enter(s);
	int rc = -1;
	if (own && store_begin(s, err))
		goto leave;
	store_stmt *st = store_prepare(s,
		"UPDATE sp_session SET last_seen = ? WHERE token_hash = ? AND ended_at IS NULL", err);
	if (st) {
		store_bind_int(st, 1, time_now());
		store_bind_blob(st, 2, th, sizeof th);
		rc = store_step(st, err) == STORE_DONE ? 0 : -1;
		store_done(st);
	}
	if (own) {
		if (rc == 0)
			rc = store_commit(s, err);
		else
			store_rollback(s);
	}
leave:
	store_spine_leave(s);
	return rc;
}

int staff_logout(store *s, const char *token, at_error *err)
{
	staff_info who;
	if (staff_session(s, token, &who, err))
		return -1;
	unsigned char th[CRYPTO_HASH_BYTES];
	crypto_digest(token, strlen(token), th);
	store_spine_enter(s);
	int rc = -1;
	if (store_begin(s, err))
		goto leave;
	store_stmt *st = store_prepare(s, "UPDATE sp_session SET ended_at = ? WHERE token_hash = ?", err);
	if (!st)
		goto rollback;
	store_bind_int(st, 1, time_now());
	store_bind_blob(st, 2, th, sizeof th);
	int r = store_step(st, err);
	store_done(st);
	audit_event ev = {.staff_id = who.id, .department = who.department,
			  .terminal_id = who.terminal_id, .reason = "logout", .operation = "logout",
			  .outcome = AUDIT_OK};
	if (r != STORE_DONE || audit_append(s, &ev, NULL, err))
		goto rollback;
	rc = store_commit(s, err);
	goto leave;
rollback:
	store_rollback(s);
leave:
	store_spine_leave(s);
	return rc;
}

int staff_change_password(store *s, const char *id, const char *old_password,
			  const char *new_pw, at_error *err)
{
	if (text_check(old_password, "old_password", 256, false, 0, err))
		return -1;
	store_spine_enter(s);
	int rc = -1;
	char hash[256] = "", dept[257] = "";
	store_stmt *st = store_prepare(s, "SELECT pw_hash, department FROM sp_staff WHERE id = ?", err);
	if (!st)
		goto leave;
	store_bind_text(st, 1, id);
	if (store_step(st, err) == STORE_ROW) {
		snprintf(hash, sizeof hash, "%s", store_col_text(st, 0));
		snprintf(dept, sizeof dept, "%s", store_col_text(st, 1));
	}
	store_done(st);
	if (!*hash || !password_verify(hash, old_password)) {
		at_fail(err, 401, AT_E_AUTH, "old_password", "old_password is wrong");
		goto leave;
	}
	if (store_begin(s, err))
		goto leave;
	if (check_new_password(s, id, new_pw, err) || set_password(s, id, new_pw, err))
		goto rollback;
	audit_event ev = {.staff_id = id, .department = dept, .reason = "password change",
			  .operation = "password_change", .outcome = AUDIT_OK};
	if (audit_append(s, &ev, NULL, err))
		goto rollback;
	rc = store_commit(s, err);
	goto leave;
rollback:
	store_rollback(s);
leave:
	store_spine_leave(s);
	return rc;
}
