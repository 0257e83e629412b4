/*
 * audit — the append-only, tamper-evident access log.
 *
 * Every access to declared data, every refusal, every login and every grant
 * change is one event: time, staff, department, terminal, business, reason,
 * case, subject (addressee number), items touched, operation, outcome
 * (seed 001 §4: 操作履歴を記録し７年間保管; seed 000 §4: 端末、職員、対象住民及び照会日時).
 *
 * Guarantees:
 *  - Events are chained: hash[n] = BLAKE2b-256(hash[n-1] || canonical(event n)).
 *    Any modified, deleted, inserted or reordered event breaks the chain at
 *    its position, which audit_verify reports.
 *  - Checkpoints sign (n, seq, hash[seq], time, ledger digest, previous
 *    checkpoint) with the Ed25519 key of the key file. They are numbered
 *    1, 2, 3 ... from a genesis at seq 0 and chained, so deleting all or
 *    some of them, or the events they sign, fails verification; a rewritten
 *    chain cannot be re-signed without the key, and audit_checkpoint never
 *    signs a chain that does not extend the last signed head.
 *  - The ledger digest (audit_set_ledger: grants and staff security flags,
 *    versioned) is signed with each checkpoint, with its version; a direct
 *    edit of those tables shows as a ledger that differs from the last
 *    signature with no event since having changed it (AUDIT_LEDGER_OPS).
 *  - Exports end with a signed trailer (event count, head, time), so a file
 *    cut back to an earlier checkpoint fails. A witness file outside the
 *    database keeps every signed head (audit_witness, or audit_witness_log
 *    kept open by the server); audit_verify_witness reports any the log no
 *    longer reaches. What stays undetectable: docs/security.md.
 *  - sp_audit_event and sp_audit_checkpoint refuse UPDATE and DELETE at the
 *    store (store_append_only).
 *  - audit_append writes inside the caller's transaction, so an access and
 *    its event commit or vanish together.
 */
#ifndef ATENA_AUDIT_AUDIT_H
#define ATENA_AUDIT_AUDIT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/error.h"
#include "crypto/crypto.h"
#include "store/store.h"

/* Retention of the log: 7 years (seed 001 §4 「７年間保管」). */
#define AUDIT_RETENTION_YEARS 7
/* A running server signs a checkpoint this often when events were added
 * (also at start, at shutdown, at export, at the end of every CLI command
 * that wrote events and on `atena audit checkpoint`): the unsigned tail a
 * database writer could rewrite unseen is at most this old (issue 9 §1). */
#define AUDIT_CHECKPOINT_SECONDS 1

/* Operations whose events may change the ledger (grants, staff security
 * flags): after one, the ledger may differ from the last checkpoint's. */
#define AUDIT_LEDGER_OPS                                                                  \
	"'grant','revoke','staff_add','staff_reset','staff_lock','staff_unlock','login',"  \
	"'password_change','keys_rotate'"

/* Outcomes. */
#define AUDIT_OK "ok"            /* the access happened */
#define AUDIT_DENIED "denied"    /* refused by policy (no grant, missing reason, ...) */
#define AUDIT_INVALID "invalid"  /* refused because the input was malformed */
#define AUDIT_FAILED "failed"    /* failed authentication */
#define AUDIT_PENDING "pending"  /* held for a second person (four-eyes) */
#define AUDIT_ALERT "alert"      /* an access that must be looked at (e.g. a support-measure record) */

typedef struct audit_event {
	const char *staff_id;     /* who; "" when unknown (a failed login with an unknown id) */
	const char *department;
	const char *terminal_id;
	const char *business;     /* business id the request acted under; "" when none given */
	const char *reason;
	const char *case_id;      /* application / case number, "" when none */
	const char *subject;      /* addressee number of the person concerned, "" when none */
	const char *items;        /* comma-separated item ids touched, "" when none */
	const char *operation;    /* "read", "search", "create", "update", "remove", "login", "grant", ... */
	const char *outcome;      /* one of AUDIT_* above */
	const char *detail;       /* short context: file and record, error code; never personal data */
} audit_event;                /* NULL members are stored as "" */

/* Create the log's tables (spine migration). */
int audit_migrate(store *s, at_error *err);

/* Append inside the caller's open write transaction. *seq_out may be NULL. */
int audit_append(store *s, const audit_event *ev, int64_t *seq_out, at_error *err);
/* Append in a transaction of its own (refusals, after the caller rolled back). */
int audit_append_now(store *s, const audit_event *ev, at_error *err);

/* Sign the head of the chain if events were added since the last checkpoint,
 * after checking that it extends the last signed head (audit_chain_broken
 * otherwise, and nothing is signed). */
int audit_checkpoint(store *s, const keyring *kr, at_error *err);
/* The first checkpoint (1, at seq 0) of a new, empty log: platform_init. */
int audit_genesis(store *s, const keyring *kr, at_error *err);

typedef struct audit_report {
	bool ok;
	int64_t events;           /* events checked */
	int64_t checkpoints;      /* signatures checked */
	int64_t bad_seq;          /* first bad position (0 when ok) */
	bool unpinned;            /* an export checked with its own key: nothing proven */
	char message[512];        /* what is wrong there, or a summary when ok */
} audit_report;

/* Verify the chain and every checkpoint in the database against pk. */
int audit_verify_db(store *s, const unsigned char pk[CRYPTO_SIGN_PK_BYTES], audit_report *rep,
		    at_error *err);

/* The ledger digest: grants and staff security flags, 32 bytes, computed
 * inside the caller's transaction (the policy module registers it; without
 * one the ledger is 32 zero bytes and not checked). The digest is
 * versioned, so that a column added to it later does not break the
 * checkpoints signed before: each checkpoint signs the version it used
 * (1 .. current), is checked with that version, and a new one is always
 * signed with `current`. fn fails for a version it does not know. */
typedef int (*audit_ledger_fn)(store *s, int version, unsigned char out[CRYPTO_HASH_BYTES],
			       at_error *err);
void audit_set_ledger(audit_ledger_fn fn, int current);

/* Append each signed head not yet in the witness file at path (opened
 * O_APPEND, created 0600) after checking the log and the file's earlier
 * lines; *added says how many. Refuses (audit_chain_broken) when the log
 * does not verify or no longer reaches a head the file holds. */
int audit_witness(store *s, const unsigned char pk[CRYPTO_SIGN_PK_BYTES], const char *path,
		  int64_t *added, at_error *err);
/* audit_verify_db, then every head in the witness file must still be in the log. */
int audit_verify_witness(store *s, const unsigned char pk[CRYPTO_SIGN_PK_BYTES], FILE *witness,
			 audit_report *rep, at_error *err);

/* A witness file kept open by a process that signs checkpoints as it runs
 * (`atena serve --witness FILE`), in the format of audit_witness. */
typedef struct audit_witness_log audit_witness_log;
/* Open path (O_APPEND, created 0600) and check its newest head (in the
 * file's last 64 KiB): signed with pk, its checkpoint still in the log with
 * the same signature, and the stored event at its seq still with its hash.
 * A log cut back below any witnessed head is below that one too: refused
 * (audit_chain_broken). Then appends the heads the file lacks. Neither the
 * chain nor every line is read (audit_verify_witness does both), so the
 * cost does not grow with the file. */
int audit_witness_open(store *s, const unsigned char pk[CRYPTO_SIGN_PK_BYTES], const char *path,
		       audit_witness_log **out, at_error *err);
/* Append (and fsync) every checkpoint signed since the newest witnessed
 * one, by this process or another; each must follow it and verify with pk,
 * or nothing more is written (audit_chain_broken). *added may be NULL. */
int audit_witness_sync(audit_witness_log *w, store *s, int64_t *added, at_error *err);
void audit_witness_close(audit_witness_log *w);

/* Export as JSON Lines: a header line (format, public key), one line per
 * event with its hash, one line per checkpoint, a signed trailer. Signs a
 * final checkpoint first. */
int audit_export(store *s, const keyring *kr, FILE *out, at_error *err);
/* Verify an export with no database. pk NULL trusts the header's key (say so
 * in the report); pass the key obtained independently to pin it. */
int audit_verify_export(FILE *in, const unsigned char *pk, audit_report *rep, at_error *err);

typedef struct audit_filter {
	const char *subject;      /* whose data */
	const char *staff_id;     /* whose actions */
	int64_t from, to;         /* unix seconds, 0 = open */
	int64_t after_seq;        /* paging: events with seq > after_seq */
	int64_t limit;            /* 1..1000, 0 = 100 */
} audit_filter;

/* Matching events, oldest first, as a JSON array of objects with every field
 * plus "seq" and "time". */
int audit_query(store *s, const audit_filter *f, json_t **out, at_error *err);
/* The same as one page: {"events": [...], "truncated", "next_after"} — whether
 * more events match after the last one shown, and its seq to go on from
 * (core/json.h json_page). */
int audit_query_page(store *s, const audit_filter *f, json_t **out, at_error *err);

#endif
