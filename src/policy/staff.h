/*
 * staff — one account per person, password + TOTP, sessions bound to a
 * terminal.
 *
 * Seed rules this module enforces (seed 000 §4, seed 001 §4, seed 003):
 *  - one user ID per staff member, never shared (個人ごとにユーザＩＤを発行…共用ＩＤは発行しない);
 *  - two factors: password and a second factor (the seeds use biometrics or an
 *    IC card; Atena's software stand-in is TOTP, RFC 6238);
 *  - forced password change on first login and on expiry, no reuse of recent
 *    passwords (定期的なパスワード変更、再利用禁止);
 *  - back-off after repeated failures (per account, per terminal and, over
 *    HTTP, per source address), the
 *    same answer for an unknown, held or locked account as for a wrong
 *    password; an administrator's lock stays until undone; sessions end
 *    after idle time, at their lifetime, on a lock or a password change,
 *    and a CLI run's when the same person's next run on that terminal starts;
 *  - every session is bound to the terminal it was opened from, and every
 *    audit event names that terminal.
 */
#ifndef ATENA_POLICY_STAFF_H
#define ATENA_POLICY_STAFF_H

#include <stdbool.h>
#include <stdint.h>

#include "core/error.h"
#include "core/strbuf.h"
#include "crypto/crypto.h"
#include "store/store.h"

/* Failed logins hold an account, and a terminal, back for a time that
 * doubles with each further failure (issue 9 §2: a hard lock let anyone lock
 * anyone out). While held, a login is refused with the answer a wrong
 * password gets. Failures older than STAFF_FAILURE_WINDOW are forgotten. */
#define STAFF_MAX_FAILURES 5            /* failed logins of an account before it is held back */
#define STAFF_SOURCE_FAILURES 20        /* failed logins from one terminal, or one address, before it is held back */
#define STAFF_BACKOFF_BASE 30           /* seconds of the first hold */
#define STAFF_BACKOFF_MAX (15 * 60)     /* longest hold */
#define STAFF_FAILURE_WINDOW (15 * 60)  /* seconds after which failures are forgotten */
#define STAFF_IDLE_TIMEOUT (15 * 60)    /* seconds of inactivity that end a session */
#define STAFF_SESSION_MAX (10 * 3600)   /* absolute session lifetime: one working day */
#define STAFF_PASSWORD_DAYS 90          /* password expiry */
#define STAFF_PASSWORD_HISTORY 5        /* recent passwords that may not be reused */
#define STAFF_PASSWORD_MIN 12           /* characters */

typedef struct staff_info {
	char id[65];
	char name[257];
	char department[257];
	char terminal_id[65];    /* of the session, when from staff_session */
	bool admin;              /* may manage accounts and grants */
	bool locked;
	bool must_change;        /* first login or expired password */
} staff_info;

/* Account administration. `by` is the administrator acting, or "" for the
 * operator at the server's console (the CLI, who already holds the key file);
 * each change is audited under business "administration" from `terminal`. */

/* Create an account. Prints nothing: the initial password and the TOTP
 * secret (base32) are returned to the caller, who shows them once. */
int staff_add(store *s, const keyring *kr, const char *id, const char *name,
	      const char *department, bool admin, const char *by, const char *terminal,
	      strbuf *password_out,
	      strbuf *totp_secret_out, at_error *err);
/* New initial password and TOTP secret; unlocks; forces a change at next login. */
int staff_reset(store *s, const keyring *kr, const char *id, const char *by,
		const char *terminal, strbuf *password_out, strbuf *totp_secret_out, at_error *err);
int staff_set_locked(store *s, const char *id, bool locked, const char *by,
		     const char *terminal, at_error *err);
int staff_get(store *s, const char *id, staff_info *out, at_error *err);

/* Log in. When the password must change, new_password must be given (else the
 * error code is "password_change_required"). On success a session token is
 * appended to token_out. Every refusal is the same 401 after one Argon2id
 * check, whatever its reason; every attempt is audited with the real one.
 * Counters and the one-time code's step are claimed inside the login's
 * transactions, so parallel attempts cannot outrun them. */
int staff_login(store *s, const keyring *kr, const char *id, const char *password,
		const char *totp, const char *terminal_id, const char *new_password,
		strbuf *token_out, staff_info *who, at_error *err);
/* staff_login also held back per source_addr (the connection's address, which
 * the client cannot choose as it chooses terminal_id), with the terminal's
 * limit and scheme; NULL or "": per terminal only, as from the CLI. */
int staff_login_from(store *s, const keyring *kr, const char *id, const char *password,
		     const char *totp, const char *terminal_id, const char *source_addr,
		     const char *new_password, strbuf *token_out, staff_info *who,
		     at_error *err);
/* Resolve a bearer token: checks idle and absolute timeouts, refreshes the
 * idle clock. 401 when the session is unknown or over. */
int staff_session(store *s, const char *token, staff_info *who, at_error *err);
/* staff_session that writes nothing for a live session: the caller refreshes
 * the idle clock with staff_session_touch inside the request's own unit of
 * work, so that a request makes one durable commit, not two. */
int staff_session_peek(store *s, const char *token, staff_info *who, at_error *err);
/* Refresh the idle clock: inside the caller's open write transaction when
 * there is one (the request's door), else in a transaction of its own. */
int staff_session_touch(store *s, const char *token, at_error *err);
int staff_logout(store *s, const char *token, at_error *err);
/* For a run of the CLI (issue 9 §4): end every other open session of
 * token's staff member on token's terminal, cause "cli_replaced", one
 * audited session_end event each. A run killed before its logout leaves its
 * session open; the next run of the same person on that terminal ends it. */
int staff_session_replace(store *s, const char *token, at_error *err);
/* Change password inside a session (checks the old one and the history).
 * Ends the account's other sessions: all but keep_token's (NULL: all). */
int staff_change_password(store *s, const char *id, const char *old_password,
			  const char *new_password, const char *keep_token, at_error *err);

#endif
