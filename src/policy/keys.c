/*
 * Key rotation: re-seal every sealed value under the newest key.
 */
#include "policy/keys.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "core/json.h"
#include "core/strbuf.h"
#include "crypto/crypto.h"
#include "policy/platform.h"
#include "policy_internal.h"
#include "store_spine.h"

/* Re-seal one sealed string if it is under an older key. */
static int reseal_value(const keyring *kr, const char *sealed, const char *aad, strbuf *out,
			bool *changed, at_error *err)
{
	*changed = false;
	if (!crypto_is_sealed(sealed) || crypto_sealed_key_id(sealed) == keyring_current_id(kr))
		return 0;
	strbuf plain = STRBUF_INIT;
	sb_init(&plain);
	int rc = crypto_open(kr, sealed, aad, &plain, err);
	if (rc == 0)
		rc = crypto_seal(kr, plain.buf, plain.len, aad, out, err);
	if (plain.len)
		memset(plain.buf, 0, plain.len);
	sb_release(&plain);
	*changed = rc == 0;
	return rc;
}

/* Re-seal the encrypted items of one stored document (versions and pending). */
static int reseal_doc(store *s, const keyring *kr, const char *file, int64_t rid, json_t *doc,
		      bool *changed, at_error *err)
{
	*changed = false;
	const char *k;
	json_t *v;
	json_object_foreach(doc, k, v) {
		if (!json_is_string(v) || !crypto_is_sealed(json_string_value(v)))
			continue;
		strbuf aad = STRBUF_INIT, out = STRBUF_INIT;
		sb_init(&aad);
		sb_init(&out);
		sb_addf(&aad, "%s/%lld/%s", file, (long long)rid, k);
		bool ch;
		int rc = reseal_value(kr, json_string_value(v), aad.buf, &out, &ch, err);
		if (rc == 0 && ch) {
			json_object_set_new(doc, k, json_string(out.buf));
			*changed = true;
		}
		sb_release(&aad);
		sb_release(&out);
		if (rc)
			return -1;
	}
	(void)s;
	return 0;
}

/* Walk a table of documents; `sel` yields (rowid-ish key a, key b, file, record, doc). */
static int reseal_table(store *s, const keyring *kr, const char *sel, const char *upd,
			int64_t *count, at_error *err)
{
	store_stmt *st = store_prepare(s, sel, err);
	if (!st)
		return -1;
	/* Collect first: updating while stepping the same table is not portable. */
	json_t *todo = json_array();
	int r;
	while ((r = store_step(st, err)) == STORE_ROW) {
		json_error_t je;
		json_t *doc = json_loads(store_col_text(st, 4), 0, &je);
		if (!doc)
			continue;
		bool ch;
		if (reseal_doc(s, kr, store_col_text(st, 2), store_col_int(st, 3), doc, &ch, err)) {
			json_decref(doc);
			r = -1;
			break;
		}
		if (ch) {
			char *text = jv_dump(doc);
			json_array_append_new(todo, json_pack("[I,I,s]", (json_int_t)store_col_int(st, 0),
							      (json_int_t)store_col_int(st, 1), text));
			free(text);
		}
		json_decref(doc);
	}
	store_done(st);
	if (r < 0) {
		json_decref(todo);
		return -1;
	}
	size_t i;
	json_t *t;
	json_array_foreach(todo, i, t) {
		st = store_prepare(s, upd, err);
		if (!st)
			break;
		store_bind_text(st, 1, json_string_value(json_array_get(t, 2)));
		store_bind_int(st, 2, json_integer_value(json_array_get(t, 0)));
		store_bind_int(st, 3, json_integer_value(json_array_get(t, 1)));
		r = store_step(st, err);
		store_done(st);
		if (r != STORE_DONE)
			break;
		(*count)++;
	}
	bool ok = i == json_array_size(todo);
	json_decref(todo);
	return ok ? 0 : -1;
}

static int reseal_staff(store *s, const keyring *kr, int64_t *count, at_error *err)
{
	store_stmt *st = store_prepare(s, "SELECT id, totp_secret FROM sp_staff", err);
	if (!st)
		return -1;
	json_t *todo = json_array();
	int r;
	while ((r = store_step(st, err)) == STORE_ROW) {
		strbuf aad = STRBUF_INIT, out = STRBUF_INIT;
		sb_init(&aad);
		sb_init(&out);
		sb_addf(&aad, "sp_staff.totp_secret:%s", store_col_text(st, 0));
		bool ch;
		int rc = reseal_value(kr, store_col_text(st, 1), aad.buf, &out, &ch, err);
		if (rc == 0 && ch)
			json_array_append_new(todo, json_pack("[s,s]", store_col_text(st, 0), out.buf));
		sb_release(&aad);
		sb_release(&out);
		if (rc) {
			r = -1;
			break;
		}
	}
	store_done(st);
	if (r < 0) {
		json_decref(todo);
		return -1;
	}
	size_t i;
	json_t *t;
	json_array_foreach(todo, i, t) {
		st = store_prepare(s, "UPDATE sp_staff SET totp_secret = ? WHERE id = ?", err);
		if (!st)
			break;
		store_bind_text(st, 1, json_string_value(json_array_get(t, 1)));
		store_bind_text(st, 2, json_string_value(json_array_get(t, 0)));
		r = store_step(st, err);
		store_done(st);
		if (r != STORE_DONE)
			break;
		(*count)++;
	}
	bool ok = i == json_array_size(todo);
	json_decref(todo);
	return ok ? 0 : -1;
}

int keys_rotate(const char *dir, int64_t *resealed, at_error *err)
{
	store *s = NULL;
	keyring *kr = NULL;
	strbuf kp = STRBUF_INIT;
	sb_init(&kp);
	platform_key_path(dir, &kp);
	int64_t n = 0;
	int rc = -1;
	if (platform_open(dir, &s, &kr, err) || keyring_rotate(kr, kp.buf, err))
		goto out;
	store_spine_enter(s);
	if (store_begin(s, err))
		goto leave;
	if (policy_setting_set(s, "resealing", "1", err) ||
	    reseal_table(s, kr,
			 "SELECT v.record_id, v.version, r.file_id, v.record_id, v.doc"
			 " FROM sp_record_version v JOIN sp_record r ON r.id = v.record_id",
			 "UPDATE sp_record_version SET doc = ? WHERE record_id = ? AND version = ?",
			 &n, err) ||
	    reseal_table(s, kr, "SELECT id, 0, file_id, record_id, doc FROM sp_pending",
			 "UPDATE sp_pending SET doc = ? WHERE id = ? AND 0 = ?", &n, err) ||
	    reseal_staff(s, kr, &n, err))
		goto rollback;
	store_stmt *st = store_prepare(s, "DELETE FROM sp_setting WHERE key = 'resealing'", err);
	if (!st)
		goto rollback;
	int r = store_step(st, err);
	store_done(st);
	char det[96];
	snprintf(det, sizeof det, "new key %u, %lld values re-sealed", keyring_current_id(kr),
		 (long long)n);
	if (r != STORE_DONE ||
	    policy_audit_admin(s, "", "console", "keys_rotate", "", "key rotation", det, err))
		goto rollback;
	rc = store_commit(s, err);
	goto leave;
rollback:
	store_rollback(s);
leave:
	store_spine_leave(s);
out:
	if (resealed)
		*resealed = n;
	sb_release(&kp);
	store_close(s);
	keyring_free(kr);
	return rc;
}

static void count_doc(json_t *doc, json_t *by)
{
	const char *k;
	json_t *v;
	json_object_foreach(doc, k, v) {
		if (!json_is_string(v) || !crypto_is_sealed(json_string_value(v)))
			continue;
		char id[16];
		snprintf(id, sizeof id, "%u", crypto_sealed_key_id(json_string_value(v)));
		json_int_t c = json_integer_value(json_object_get(by, id));
		json_object_set_new(by, id, json_integer(c + 1));
	}
}

int keys_status(const char *dir, json_t **out, at_error *err)
{
	*out = NULL;
	store *s = NULL;
	keyring *kr = NULL;
	if (platform_open(dir, &s, &kr, err))
		return -1;
	json_t *by = json_object();
	store_spine_enter(s);
	const char *sqls[] = {"SELECT doc FROM sp_record_version", "SELECT doc FROM sp_pending",
			      "SELECT json_object('t', totp_secret) FROM sp_staff"};
	int rc = 0;
	for (size_t i = 0; i < 3 && rc == 0; i++) {
		store_stmt *st = store_prepare(s, sqls[i], err);
		if (!st) {
			rc = -1;
			break;
		}
		while (store_step(st, err) == STORE_ROW) {
			json_error_t je;
			json_t *doc = json_loads(store_col_text(st, 0), 0, &je);
			if (doc)
				count_doc(doc, by);
			json_decref(doc);
		}
		store_done(st);
	}
	store_spine_leave(s);
	if (rc == 0)
		*out = json_pack("{s:I,s:o}", "current", (json_int_t)keyring_current_id(kr),
				 "values_by_key", by);
	else
		json_decref(by);
	store_close(s);
	keyring_free(kr);
	return rc;
}
