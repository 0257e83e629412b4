/*
 * ledger — the digest of what decides who may do what: the grant ledger
 * (sp_grant, every row) and the staff table's security flags. It is signed
 * with every audit checkpoint (audit_set_ledger), so a grant inserted, an
 * admin flag set or a second factor's algorithm changed directly in the
 * database, without the event that a real change writes, fails `atena
 * audit verify` (issue 9 §1).
 *
 * Versions (each checkpoint signs the one it used, and is checked with it,
 * so adding a column does not break the checkpoints signed before):
 *   1: staff id, department, admin, locked, password hash, sealed TOTP secret.
 *   2: version 1's columns, then must_change, pw_changed_at (password expiry
 *      forces a change) and totp_alg (§2: the algorithm of the one-time
 *      code), after the tag "atena-ledger-v2" || 0x00. Back-off state
 *      (failures, held_until, last_failure) and totp_last_step change at
 *      every login attempt with no event of its own and are not flags.
 *
 * Encoding: BLAKE2b-256 over (version 2 and later: the tag, then) for each
 * grant row in seq order, then each staff row in id order, every column as
 * u32be(length) || bytes (integers as their decimal text), each table
 * preceded by its name and a 0x00.
 */
#include <stdio.h>
#include <string.h>

#include "audit/audit.h"
#include "core/strbuf.h"
#include "policy_internal.h"
#include "store_spine.h"

static void put_field(strbuf *b, const void *p, size_t n)
{
	unsigned char l[4] = {(unsigned char)(n >> 24), (unsigned char)(n >> 16),
			      (unsigned char)(n >> 8), (unsigned char)n};
	sb_add(b, l, 4);
	sb_add(b, p, n);
}

static int add_table(store *s, strbuf *b, const char *name, const char *sql, int cols,
		     at_error *err)
{
	sb_add(b, name, strlen(name) + 1);
	store_stmt *st = store_prepare(s, sql, err);
	if (!st)
		return -1;
	int rc;
	while ((rc = store_step(st, err)) == STORE_ROW) {
		for (int i = 0; i < cols; i++) {
			size_t n = 0;
			const void *p = store_col_blob(st, i, &n);
			put_field(b, p ? p : "", p ? n : 0);
		}
	}
	store_done(st);
	return rc < 0 ? -1 : 0;
}

/* The staff columns of each version; the version-1 list must never change. */
#define STAFF_V1 "id, department, CAST(admin AS TEXT), CAST(locked AS TEXT), pw_hash, totp_secret"
#define STAFF_V2 STAFF_V1 ", CAST(must_change AS TEXT), CAST(pw_changed_at AS TEXT), totp_alg"
#define LEDGER_V2_TAG "atena-ledger-v2"

int policy_ledger_digest(store *s, int version, unsigned char out[CRYPTO_HASH_BYTES],
			 at_error *err)
{
	if (version < 1 || version > POLICY_LEDGER_VERSION)
		return at_fail(err, 500, AT_E_INTERNAL, "", "no ledger digest version %d (1 to %d)",
			       version, POLICY_LEDGER_VERSION);
	strbuf b = STRBUF_INIT;
	if (version >= 2)
		sb_add(&b, LEDGER_V2_TAG, sizeof LEDGER_V2_TAG);  /* with its 0x00 */
	store_spine_enter(s);
	/* CAST: integers hashed as text, so the bytes do not depend on how the
	 * engine hands an integer column out as a blob. */
	int rc = add_table(s, &b, "sp_grant",
			   "SELECT CAST(seq AS TEXT), kind, staff_id, business, CAST(access AS TEXT),"
			   " CAST(valid_from AS TEXT), CAST(valid_to AS TEXT), by_staff, reason,"
			   " CAST(at AS TEXT) FROM sp_grant ORDER BY seq", 10, err);
	if (!rc)
		rc = version == 1 ? add_table(s, &b, "sp_staff",
					      "SELECT " STAFF_V1 " FROM sp_staff ORDER BY id", 6, err)
				  : add_table(s, &b, "sp_staff",
					      "SELECT " STAFF_V2 " FROM sp_staff ORDER BY id", 9, err);
	store_spine_leave(s);
	if (!rc)
		crypto_digest(b.buf ? b.buf : "", b.len, out);
	sb_release(&b);
	return rc;
}
