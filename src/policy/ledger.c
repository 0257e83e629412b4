/*
 * ledger — the digest of what decides who may do what: the grant ledger
 * (sp_grant, every row) and the staff table's security flags (id,
 * department, admin, locked, password hash, sealed second factor). It is
 * signed with every audit checkpoint (audit_set_ledger), so a grant
 * inserted or an admin flag set directly in the database, without the event
 * that a real change writes, fails `atena audit verify` (issue 9 §1).
 *
 * Encoding: BLAKE2b-256 over, for each grant row in seq order, then each
 * staff row in id order, every column as u32be(length) || bytes (integers
 * as their decimal text), each table preceded by its name and a 0x00.
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

int policy_ledger_digest(store *s, unsigned char out[CRYPTO_HASH_BYTES], at_error *err)
{
	strbuf b = STRBUF_INIT;
	store_spine_enter(s);
	/* CAST: integers hashed as text, so the bytes do not depend on how the
	 * engine hands an integer column out as a blob. */
	int rc = add_table(s, &b, "sp_grant",
			   "SELECT CAST(seq AS TEXT), kind, staff_id, business, CAST(access AS TEXT),"
			   " CAST(valid_from AS TEXT), CAST(valid_to AS TEXT), by_staff, reason,"
			   " CAST(at AS TEXT) FROM sp_grant ORDER BY seq", 10, err);
	if (!rc)
		rc = add_table(s, &b, "sp_staff",
			       "SELECT id, department, CAST(admin AS TEXT), CAST(locked AS TEXT), pw_hash,"
			       " totp_secret FROM sp_staff ORDER BY id", 6, err);
	store_spine_leave(s);
	if (!rc)
		crypto_digest(b.buf ? b.buf : "", b.len, out);
	sb_release(&b);
	return rc;
}
