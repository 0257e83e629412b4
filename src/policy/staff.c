/*
 * Staff accounts, two-factor login and sessions. See staff.h for the seed
 * rules enforced here.
 */
#include "policy/staff.h"

#include <jansson.h>
#include <pthread.h>
#include <sodium/utils.h>  /* sodium_memzero */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "audit/audit.h"
#include "core/date.h"
#include "core/text.h"
#include "policy/decl_builtin.h"
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
		" totp_secret, totp_alg, totp_last_step, failures, locked, created_at, created_by)"
		" VALUES(?, ?, ?, ?, ?, ?, 1, ?, ?, 0, 0, 0, ?, ?)", err);
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
	store_bind_text(st, 8, totp_alg_name(TOTP_ALG_DEFAULT));
	store_bind_int(st, 9, now);
	store_bind_text(st, 10, by ? by : "");
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

/* Why a session ended (sp_session.end_cause), and what its owner is told. */
#define SESSION_END_IDLE "idle"
#define SESSION_END_LIFETIME "lifetime"
#define SESSION_END_LOCK "lock"
#define SESSION_END_PASSWORD "password_change"
#define SESSION_END_RESET "reset"
#define SESSION_END_LOGOUT "logout"
#define SESSION_END_CLI_REPLACED "cli_replaced"

static const char *session_end_message(const char *cause)
{
	if (!strcmp(cause, SESSION_END_IDLE))
		return "the session ended after 15 minutes without activity; log in again";
	if (!strcmp(cause, SESSION_END_LIFETIME))
		return "the session ended at the end of its 10-hour lifetime; log in again";
	if (!strcmp(cause, SESSION_END_LOCK))
		return "the session ended because an administrator locked the account";
	if (!strcmp(cause, SESSION_END_PASSWORD))
		return "the session ended because the account's password was changed; log in again";
	if (!strcmp(cause, SESSION_END_RESET))
		return "the session ended because an administrator reset the account's credentials";
	if (!strcmp(cause, SESSION_END_LOGOUT))
		return "the session was logged out; log in again";
	if (!strcmp(cause, SESSION_END_CLI_REPLACED))
		return "the session ended because a later command-line run of the same staff member"
		       " on the same terminal started";
	return "the session has ended; log in again";
}

/* Inside the caller's transaction: end the account's open sessions, all or
 * all but the one whose token hash is keep, for cause. */
static int end_sessions(store *s, const char *id, const unsigned char *keep, const char *cause,
			at_error *err)
{
	static const unsigned char none[CRYPTO_HASH_BYTES];
	store_stmt *st = store_prepare(s,
		"UPDATE sp_session SET ended_at = ?, end_cause = ?"
		" WHERE ended_at IS NULL AND staff_id = ? AND token_hash <> ?", err);
	if (!st)
		return -1;
	store_bind_int(st, 1, time_now());
	store_bind_text(st, 2, cause);
	store_bind_text(st, 3, id);
	store_bind_blob(st, 4, keep ? keep : none, CRYPTO_HASH_BYTES);
	int r = store_step(st, err);
	store_done(st);
	return r == STORE_DONE ? 0 : -1;
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
		"UPDATE sp_staff SET pw_hash = ?, totp_secret = ?, totp_alg = ?, totp_last_step = 0,"
		" must_change = 1, failures = 0, held_until = 0, locked = 0 WHERE id = ?", err);
	if (!st)
		goto rollback;
	store_bind_text(st, 1, c.hash.buf);
	store_bind_text(st, 2, c.sealed_totp.buf);
	store_bind_text(st, 3, totp_alg_name(TOTP_ALG_DEFAULT));
	store_bind_text(st, 4, id);
	int r = store_step(st, err);
	store_done(st);
	if (r != STORE_DONE)
		goto rollback;
	if (store_changes(s) == 0) {
		at_fail(err, 404, AT_E_NOT_FOUND, "id", "no staff member has the id %s", id);
		goto rollback;
	}
	/* A reset ends the person's open sessions. */
	if (end_sessions(s, id, NULL, SESSION_END_RESET, err))
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
	/* An explicit administrative act: it stays until undone, unlike the
	 * back-off of failed logins. Unlocking also clears the back-off. */
	if (staff_update(s, "UPDATE sp_staff SET locked = ?, failures = 0, held_until = 0 WHERE id = ?",
			 id, NULL, locked, err))
		goto rollback;
	if (locked && end_sessions(s, id, NULL, SESSION_END_LOCK, err))
		goto rollback;
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

extern const struct decl_builtin password_denylist_builtins[];

/* The deny-list (the JSON files of data/passwords), lower case, parsed once. */
static json_t *denylist;
static pthread_once_t denylist_once = PTHREAD_ONCE_INIT;
static void denylist_load(void)
{
	denylist = json_array();
	for (const struct decl_builtin *b = password_denylist_builtins; b->name; b++) {
		json_t *doc = json_loads(b->json, 0, NULL);
		json_t *list = json_object_get(doc, "passwords");
		size_t i;
		json_t *v;
		json_array_foreach(list, i, v)
			if (json_is_string(v))
				json_array_append(denylist, v);
		json_decref(doc);
	}
}

/* A common password, or one with only digits and symbols around it
 * ("Password1234!"): NIST SP 800-63B §5.1.1.2 asks to compare a new secret
 * against values known to be commonly used, expected or compromised.
 * Compared in lower case. */
static bool password_is_common(const char *pw)
{
	pthread_once(&denylist_once, denylist_load);
	char low[257];
	size_t n = strlen(pw);
	if (n >= sizeof low)
		n = sizeof low - 1;
	for (size_t i = 0; i < n; i++)
		low[i] = (pw[i] >= 'A' && pw[i] <= 'Z') ? (char)(pw[i] - 'A' + 'a') : pw[i];
	low[n] = '\0';
	/* The core: without leading and trailing ASCII digits and symbols. */
	size_t b = 0, e = n;
	while (b < e && (unsigned char)low[b] < 0x80 && !(low[b] >= 'a' && low[b] <= 'z'))
		b++;
	while (e > b && (unsigned char)low[e - 1] < 0x80 && !(low[e - 1] >= 'a' && low[e - 1] <= 'z'))
		e--;
	size_t i;
	json_t *v;
	json_array_foreach(denylist, i, v) {
		const char *w = json_string_value(v);
		size_t wn = strlen(w);
		if (!strcmp(low, w) || (e - b == wn && !memcmp(low + b, w, wn)))
			return true;
	}
	return false;
}

/* Character classes: lower-case, upper-case, digit, anything else (which
 * takes in kana and kanji). At least two, so one letter repeated or a run of
 * digits is refused. */
static int password_classes(const char *pw)
{
	bool lo = false, up = false, dg = false, ot = false;
	for (const char *p = pw; *p; p++) {
		if (*p >= 'a' && *p <= 'z')
			lo = true;
		else if (*p >= 'A' && *p <= 'Z')
			up = true;
		else if (*p >= '0' && *p <= '9')
			dg = true;
		else
			ot = true;
	}
	return lo + up + dg + ot;
}

/* Password rule: at least STAFF_PASSWORD_MIN characters of two or more
 * classes, not a common password, not containing the staff id, not one of
 * the last STAFF_PASSWORD_HISTORY (seed 000 §4 再利用禁止). */
static int check_new_password(store *s, const char *id, const char *pw, at_error *err)
{
	if (text_check(pw, "new_password", 256, false, 0, err))
		return -1;
	if (text_utf8_len(pw) < STAFF_PASSWORD_MIN)
		return at_fail(err, 400, AT_E_INVALID, "new_password",
			       "new_password must be at least %d characters", STAFF_PASSWORD_MIN);
	if (password_classes(pw) < 2)
		return at_fail(err, 400, AT_E_INVALID, "new_password",
			       "new_password must mix at least two kinds of character (lower-case,"
			       " upper-case, digits, other)");
	if (password_is_common(pw))
		return at_fail(err, 400, AT_E_INVALID, "new_password",
			       "new_password is or contains a commonly used password;"
			       " choose one that is not easy to guess");
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

/* Seconds an account or terminal is held after `failures` failed logins in
 * a row when the first `free` cost nothing: STAFF_BACKOFF_BASE at the limit,
 * doubling with each further failure, never more than STAFF_BACKOFF_MAX. */
static int64_t backoff_seconds(int64_t failures, int64_t free)
{
	if (failures < free)
		return 0;
	int64_t h = STAFF_BACKOFF_BASE;
	for (int64_t i = free; i < failures && h < STAFF_BACKOFF_MAX; i++)
		h *= 2;
	return h < STAFF_BACKOFF_MAX ? h : STAFF_BACKOFF_MAX;
}

/* One attempt's claim on an account's or terminal's failure budget, taken
 * inside the login's write transaction before the password is checked, so
 * parallel guesses cannot all read the same count: the attempt counts as a
 * failure until it succeeds. The row's (failures, held_until, last_failure)
 * are read here and written back only if still the values read (a
 * conditional update). Returns 0 when the attempt may go on, 1 when the row
 * is held, -1 on a store error. Failures older than STAFF_FAILURE_WINDOW
 * are forgotten. */
static int backoff_claim(store *s, const char *table, const char *key_col, const char *key,
			 int64_t free, at_error *err)
{
	char sql[256];
	snprintf(sql, sizeof sql, "SELECT failures, held_until, last_failure FROM %s WHERE %s = ?",
		 table, key_col);
	store_stmt *st = store_prepare(s, sql, err);
	if (!st)
		return -1;
	store_bind_text(st, 1, key);
	int r = store_step(st, err);
	int64_t f = 0, held = 0, last = 0;
	if (r == STORE_ROW) {
		f = store_col_int(st, 0);
		held = store_col_int(st, 1);
		last = store_col_int(st, 2);
	}
	store_done(st);
	if (r != STORE_ROW)
		return -1;
	int64_t now = time_now();
	if (held > now)
		return 1;
	int64_t nf = (now - last > STAFF_FAILURE_WINDOW ? 0 : f) + 1;
	int64_t hold = backoff_seconds(nf, free);
	snprintf(sql, sizeof sql,
		 "UPDATE %s SET failures = ?, held_until = ?, last_failure = ?"
		 " WHERE %s = ? AND failures = ? AND held_until = ?", table, key_col);
	st = store_prepare(s, sql, err);
	if (!st)
		return -1;
	store_bind_int(st, 1, nf);
	store_bind_int(st, 2, hold ? now + hold : 0);
	store_bind_int(st, 3, now);
	store_bind_text(st, 4, key);
	store_bind_int(st, 5, f);
	store_bind_int(st, 6, held);
	r = store_step(st, err);
	store_done(st);
	if (r != STORE_DONE)
		return -1;
	return store_changes(s) == 1 ? 0 : 1;
}

/* The sources a login is counted against in sp_login_source: the terminal
 * it names, and over HTTP the address it came from, which the client cannot
 * choose as it chooses the terminal id (issue 9 §2). An address key starts
 * "addr:", which no terminal id can (policy_check_staff_id), so the two
 * never share a row. */
typedef struct login_sources {
	const char *key[2];
	char addr[80];
	int n;
} login_sources;

static void login_sources_of(login_sources *ls, const char *terminal_id, const char *source_addr)
{
	ls->n = 0;
	ls->key[ls->n++] = terminal_id;
	if (source_addr && *source_addr) {
		snprintf(ls->addr, sizeof ls->addr, "addr:%s", source_addr);
		ls->key[ls->n++] = ls->addr;
	}
}

/* Claim the attempt against each source: 0 go on, 1 the terminal is held,
 * 2 the address is held, -1 a store error. */
static int sources_claim(store *s, const login_sources *ls, at_error *err)
{
	for (int i = 0; i < ls->n; i++) {
		if (store_run(s, "INSERT INTO sp_login_source(source, failures, held_until, last_failure)"
				 " VALUES(?, 0, 0, 0) ON CONFLICT(source) DO NOTHING",
			      STORE_ARGS(STORE_TEXT(ls->key[i])), err))
			return -1;
		int r = backoff_claim(s, "sp_login_source", "source", ls->key[i],
				      STAFF_SOURCE_FAILURES, err);
		if (r)
			return r < 0 ? -1 : i + 1;
	}
	return 0;
}

/* A right login gives back its claim on each source's failures: a busy
 * terminal or address with many honest logins is not held back. */
static int source_give_back(store *s, const login_sources *ls, at_error *err)
{
	for (int i = 0; i < ls->n; i++)
		if (store_run(s, "UPDATE sp_login_source SET failures = failures - 1"
				 " WHERE source = ? AND failures > 0",
			      STORE_ARGS(STORE_TEXT(ls->key[i])), err))
			return -1;
	return 0;
}

/* The one answer to every refused login, whatever the reason. */
static int login_refused(at_error *err)
{
	return at_fail(err, 401, AT_E_AUTH, "", "the staff ID, password or one-time code is wrong");
}

/* The account as the login reads it, inside its transaction. */
typedef struct login_row {
	bool found, locked;
	char pw_hash[256], sealed[512], dept[257];
	totp_alg alg;
	int64_t last_step;
} login_row;

static int login_read(store *s, const char *id, login_row *a, at_error *err)
{
	memset(a, 0, sizeof *a);
	store_stmt *st = store_prepare(s,
		"SELECT pw_hash, totp_secret, totp_last_step, locked, department, totp_alg"
		" FROM sp_staff WHERE id = ?", err);
	if (!st)
		return -1;
	store_bind_text(st, 1, id);
	int r = store_step(st, err);
	if (r == STORE_ROW) {
		a->found = true;
		snprintf(a->pw_hash, sizeof a->pw_hash, "%s", store_col_text(st, 0));
		snprintf(a->sealed, sizeof a->sealed, "%s", store_col_text(st, 1));
		a->last_step = store_col_int(st, 2);
		a->locked = store_col_int(st, 3) != 0;
		snprintf(a->dept, sizeof a->dept, "%s", store_col_text(st, 4));
		/* An unknown algorithm name matches no code: the login fails closed. */
		if (totp_alg_parse(store_col_text(st, 5), &a->alg))
			a->sealed[0] = '\0';
	}
	store_done(st);
	return r == STORE_ROW || r == STORE_DONE ? 0 : -1;
}

/* The step the code matches (> the last used), or -1. */
static int64_t login_totp(const keyring *kr, const char *id, const login_row *a, const char *code)
{
	strbuf aad = STRBUF_INIT, secret = STRBUF_INIT;
	sb_init(&aad);
	sb_init(&secret);
	totp_aad(id, &aad);
	at_error e;
	int64_t step = -1;
	if (a->sealed[0] && crypto_open(kr, a->sealed, aad.buf, &secret, &e) == 0)
		step = totp_verify(a->alg, (const unsigned char *)secret.buf, secret.len, code,
				   time_now(), a->last_step);
	if (secret.len)
		sodium_memzero(secret.buf, secret.len);
	sb_release(&secret);
	sb_release(&aad);
	return step;
}

int staff_login(store *s, const keyring *kr, const char *id, const char *password,
		const char *totp, const char *terminal_id, const char *new_pw,
		strbuf *token_out, staff_info *who, at_error *err)
{
	return staff_login_from(s, kr, id, password, totp, terminal_id, NULL, new_pw, token_out,
				who, err);
}

int staff_login_from(store *s, const keyring *kr, const char *id, const char *password,
		     const char *totp, const char *terminal_id, const char *source_addr,
		     const char *new_pw, strbuf *token_out, staff_info *who, at_error *err)
{
	if (policy_check_staff_id(id, "staff_id", err) ||
	    text_check(password, "password", 256, false, 0, err) ||
	    policy_check_staff_id(terminal_id, "terminal_id", err) ||
	    (source_addr && text_check(source_addr, "source_addr", 64, true, 0, err)))
		return -1;
	if (!totp || !text_is_digits(totp, TOTP_DIGITS))
		return at_fail(err, 400, AT_E_INVALID, "totp", "totp must be the %d-digit one-time code",
			       TOTP_DIGITS);
	login_sources ls;
	login_sources_of(&ls, terminal_id, source_addr);
	store_spine_enter(s);
	int rc = -1;
	login_row a;
	/* 1. Claim the attempt (terminal, address, then account) and read the
	 * account, in one write transaction; the slow Argon2id check runs after
	 * it commits. */
	if (store_begin(s, err))
		goto leave;
	if (login_read(s, id, &a, err))
		goto rollback;
	int src = sources_claim(s, &ls, err);
	if (src < 0)
		goto rollback;
	int acc = 1;
	if (src == 0 && a.found && !a.locked &&
	    (acc = backoff_claim(s, "sp_staff", "id", id, STAFF_MAX_FAILURES, err)) < 0)
		goto rollback;
	if (acc != 0) {
		/* Refused before any check. The audit log names the real reason; the
		 * caller hears what a wrong password hears, after as long. */
		char held[120];
		snprintf(held, sizeof held, "source address %s held back after repeated failures",
			 source_addr ? source_addr : "");
		login_event(s, id, a.dept, terminal_id, src ? AUDIT_DENIED : AUDIT_FAILED,
			    src == 1 ? "terminal held back after repeated failures"
			    : src ? held
			    : !a.found ? "unknown staff id"
			    : a.locked ? "account locked by an administrator"
				       : "account held back after repeated failures");
		if (store_commit(s, err))
			goto leave;
		password_verify_decoy(password);
		login_refused(err);
		goto leave;
	}
	if (store_commit(s, err))
		goto leave;

	/* 2. The factors, outside any transaction. */
	bool pw_ok = password_verify(a.pw_hash, password);
	int64_t step = pw_ok ? login_totp(kr, id, &a, totp) : -1;

	/* 3. The outcome. The step is used up by a conditional update, so one code
	 * opens at most one session however many logins race with it. */
	if (store_begin(s, err))
		goto leave;
	const char *why = !pw_ok ? "wrong password" : step < 0 ? "wrong or reused one-time code" : NULL;
	staff_info info;
	memset(&info, 0, sizeof info);
	if (!why) {
		if (staff_get(s, id, &info, err))
			goto rollback;
		if (info.locked)
			why = "account locked by an administrator";
	}
	if (!why && info.must_change) {
		/* Both factors were right, so the failures are cleared and the
		 * terminal's claim given back, but without an acceptable new
		 * password no session opens: the code's step stays usable for the
		 * retry that carries one. */
		at_error pe;
		at_error_clear(&pe);
		const char *refusal = NULL;
		if (!new_pw || !*new_pw) {
			refusal = "password change required";
			at_fail(&pe, 403, "password_change_required", "new_password",
				"the password must be changed (first login or expired): send new_password");
		} else if (check_new_password(s, id, new_pw, &pe)) {
			refusal = "new password refused";
		}
		if (refusal) {
			if (staff_update(s, "UPDATE sp_staff SET failures = 0, held_until = 0 WHERE id = ?",
					 id, NULL, INT64_MIN, err) ||
			    source_give_back(s, &ls, err))
				goto rollback;
			login_event(s, id, a.dept, terminal_id, AUDIT_DENIED, refusal);
			if (store_commit(s, err))
				goto leave;
			if (err)
				*err = pe;
			goto leave;
		}
	}
	if (!why) {
		store_stmt *st = store_prepare(s,
			"UPDATE sp_staff SET failures = 0, held_until = 0, totp_last_step = ?"
			" WHERE id = ? AND totp_last_step < ? AND locked = 0", err);
		if (!st)
			goto rollback;
		store_bind_int(st, 1, step);
		store_bind_text(st, 2, id);
		store_bind_int(st, 3, step);
		int r = store_step(st, err);
		store_done(st);
		if (r != STORE_DONE)
			goto rollback;
		if (store_changes(s) == 0)
			why = "one-time code already used by another login";
	}
	if (why) {
		login_event(s, id, a.dept, terminal_id, AUDIT_FAILED, why);
		if (store_commit(s, err))
			goto leave;
		login_refused(err);
		goto leave;
	}
	if (source_give_back(s, &ls, err))
		goto rollback;
	if (info.must_change) {
		if (set_password(s, id, new_pw, err) ||
		    end_sessions(s, id, NULL, SESSION_END_PASSWORD, err))
			goto rollback;
		info.must_change = false;
	}
	strbuf token = STRBUF_INIT;
	sb_init(&token);
	crypto_random_token(32, &token);
	unsigned char th[CRYPTO_HASH_BYTES];
	crypto_digest(token.buf, token.len, th);
	store_stmt *st = store_prepare(s,
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
	login_event(s, id, a.dept, terminal_id, AUDIT_OK, new_pw && *new_pw ? "password changed" : "");
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
	sodium_memzero(a.pw_hash, sizeof a.pw_hash);
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
	 * resolved once per request. An ended session is found too, so that its
	 * owner is told why it ended. */
	store_stmt *st = store_prepare(s,
		"SELECT s.terminal_id, s.created_at, s.last_seen, s.ended_at IS NOT NULL, s.end_cause, "
		STAFF_COLS " FROM sp_session s JOIN sp_staff t ON t.id = s.staff_id"
		" WHERE s.token_hash = ?", err);
	if (!st)
		goto rollback;
	store_bind_blob(st, 1, th, sizeof th);
	staff_info row;
	memset(&row, 0, sizeof row);
	char term[65] = "", ended_cause[32] = "";
	int64_t created = 0, seen = 0;
	bool ended = false;
	int r = store_step(st, err);
	if (r == STORE_ROW) {
		snprintf(term, sizeof term, "%s", store_col_text(st, 0));
		created = store_col_int(st, 1);
		seen = store_col_int(st, 2);
		ended = store_col_int(st, 3) != 0;
		snprintf(ended_cause, sizeof ended_cause, "%s", store_col_text(st, 4));
		staff_row(st, 5, &row);
	}
	const char *id = row.id;
	store_done(st);
	if (r != STORE_ROW) {
		store_rollback(s);
		at_fail(err, 401, AT_E_AUTH, "Authorization", "the session is unknown or has ended; log in again");
		goto leave;
	}
	if (ended) {
		store_rollback(s);
		at_fail(err, 401, "session_expired", "Authorization", "%s", session_end_message(ended_cause));
		goto leave;
	}
	int64_t now = time_now();
	const char *cause = row.locked			      ? SESSION_END_LOCK
			    : now - seen > STAFF_IDLE_TIMEOUT  ? SESSION_END_IDLE
			    : now - created > STAFF_SESSION_MAX ? SESSION_END_LIFETIME
								: NULL;
	bool over = cause != NULL;
	if (!over && !touch) {
		store_rollback(s);   /* only read: nothing to make durable */
		goto found;
	}
	st = store_prepare(s, over ? "UPDATE sp_session SET ended_at = ?, end_cause = ? WHERE token_hash = ?"
				   : "UPDATE sp_session SET last_seen = ? WHERE token_hash = ?", err);
	if (!st)
		goto rollback;
	store_bind_int(st, 1, now);
	if (over)
		store_bind_text(st, 2, cause);
	store_bind_blob(st, over ? 3 : 2, th, sizeof th);
	r = store_step(st, err);
	store_done(st);
	if (r != STORE_DONE)
		goto rollback;
	if (over) {
		audit_event ev = {.staff_id = id, .terminal_id = term, .reason = "session",
				  .operation = "session_end", .outcome = AUDIT_OK, .detail = cause};
		if (audit_append(s, &ev, NULL, err))
			goto rollback;
	}
	if (store_commit(s, err))
		goto leave;
	if (over) {
		at_fail(err, 401, "session_expired", "Authorization", "%s", session_end_message(cause));
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

/* What a live session does to itself (log out, end others) starts alike:
 * resolve token (who, its hash th), then a write transaction inside the
 * spine. 0, or -1 with nothing left open. */
static int own_session_begin(store *s, const char *token, staff_info *who,
			     unsigned char th[CRYPTO_HASH_BYTES], at_error *err)
{
	if (staff_session(s, token, who, err))
		return -1;
	crypto_digest(token, strlen(token), th);
	store_spine_enter(s);
	if (store_begin(s, err) == 0)
		return 0;
	store_spine_leave(s);
	return -1;
}

int staff_logout(store *s, const char *token, at_error *err)
{
	staff_info who;
	unsigned char th[CRYPTO_HASH_BYTES];
	if (own_session_begin(s, token, &who, th, err))
		return -1;
	int rc = -1;
	store_stmt *st = store_prepare(s,
		"UPDATE sp_session SET ended_at = ?, end_cause = '" SESSION_END_LOGOUT "'"
		" WHERE token_hash = ?", err);
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

int staff_session_replace(store *s, const char *token, at_error *err)
{
	staff_info who;
	unsigned char th[CRYPTO_HASH_BYTES];
	if (own_session_begin(s, token, &who, th, err))
		return -1;
	int rc = -1;
	json_t *ended = json_array();
	/* Each session ended gets its own session_end event, as an idle or
	 * lifetime end does; the event names when the session had started. */
	store_stmt *st = store_prepare(s,
		"UPDATE sp_session SET ended_at = ?, end_cause = '" SESSION_END_CLI_REPLACED "'"
		" WHERE ended_at IS NULL AND staff_id = ? AND terminal_id = ? AND token_hash <> ?"
		" RETURNING created_at", err);
	if (!st)
		goto rollback;
	store_bind_int(st, 1, time_now());
	store_bind_text(st, 2, who.id);
	store_bind_text(st, 3, who.terminal_id);
	store_bind_blob(st, 4, th, sizeof th);
	int r;
	while ((r = store_step(st, err)) == STORE_ROW)
		json_array_append_new(ended, json_integer(store_col_int(st, 0)));
	store_done(st);
	if (r != STORE_DONE)
		goto rollback;
	size_t i;
	json_t *created;
	json_array_foreach(ended, i, created) {
		char when[21], det[96];
		time_format(json_integer_value(created), when);
		snprintf(det, sizeof det, SESSION_END_CLI_REPLACED " (the session opened %s)", when);
		audit_event ev = {.staff_id = who.id, .department = who.department,
				  .terminal_id = who.terminal_id, .reason = "session",
				  .operation = "session_end", .outcome = AUDIT_OK, .detail = det};
		if (audit_append(s, &ev, NULL, err))
			goto rollback;
	}
	rc = store_commit(s, err);
	goto leave;
rollback:
	store_rollback(s);
leave:
	store_spine_leave(s);
	json_decref(ended);
	return rc;
}

int staff_change_password(store *s, const char *id, const char *old_password,
			  const char *new_pw, const char *keep_token, at_error *err)
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
	/* The account's other sessions end: whoever knew the old password may
	 * hold one (issue 9 §2). */
	unsigned char keep[CRYPTO_HASH_BYTES];
	if (keep_token)
		crypto_digest(keep_token, strlen(keep_token), keep);
	if (check_new_password(s, id, new_pw, err) || set_password(s, id, new_pw, err) ||
	    end_sessions(s, id, keep_token ? keep : NULL, SESSION_END_PASSWORD, err))
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
