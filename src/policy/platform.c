/*
 * Opening a data directory: database, key file, spine schema, declarations.
 */
#include "policy/platform.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/audit.h"
#include "core/mynumber.h"
#include "core/private_file.h"
#include "policy/decl.h"
#include "policy/municipality.h"
#include "policy_internal.h"

void platform_db_path(const char *dir, strbuf *out)
{
	sb_addf(out, "%s/atena.db", dir);
}

void platform_key_path(const char *dir, strbuf *out)
{
	sb_addf(out, "%s/keys.json", dir);
}

const char *platform_default_dir(const char *flag_value)
{
	if (flag_value && *flag_value)
		return flag_value;
	const char *env = getenv("ATENA_DATA");
	if (env && *env)
		return env;
	return "./atena-data";
}

/* mkdir -p with mode 0700 for every directory it creates: `atena init --data
 * a/b` must work when a/ does not exist yet. Parents that already exist are
 * left as they are (their mode is the administrator's); the data directory
 * itself is checked by platform_init. */
static int make_dirs(const char *dir, at_error *err)
{
	if (!*dir)
		return at_fail(err, 400, AT_E_INVALID, "data", "the data directory must not be empty");
	strbuf p = STRBUF_INIT;
	sb_init(&p);
	sb_adds(&p, dir);
	int rc = 0;
	/* Each '/' after the first character ends a parent; the last round is dir itself. */
	for (size_t i = 1; i <= p.len && rc == 0; i++) {
		if (p.buf[i] != '/' && p.buf[i] != '\0')
			continue;
		char c = p.buf[i];
		p.buf[i] = '\0';
		if (mkdir(p.buf, PRIVATE_DIR_MODE) && errno != EEXIST)
			rc = at_fail(err, 500, AT_E_INTERNAL, "data",
				     "cannot create the data directory %s (at %s): %s", dir, p.buf,
				     strerror(errno));
		p.buf[i] = c;
	}
	sb_release(&p);
	return rc;
}

/* The data directory is its owner's alone (core/private_file.h); a missing
 * one is left to the caller's own message. */
static int private_dir(const char *dir, at_error *err)
{
	return private_check_path(dir, "the data directory", AT_E_INSECURE, true, err);
}

static int bring_up(store *s, at_error *err)
{
	if (audit_migrate(s, err) || policy_migrate(s, err) || decl_load_builtin(s, err))
		return -1;
	return 0;
}

int platform_init(const char *dir, const char *code, at_error *err)
{
	if (crypto_setup(err))
		return -1;
	if (municipality_code_validate(code, "municipality", err))
		return -1;
	/* Only a municipality Atena has identity data for (data/municipalities):
	 * its certificates and notices must name it. */
	at_municipality m;
	if (municipality_builtin(code, "municipality", &m, NULL, err))
		return -1;
	/* An existing directory others may enter or write is refused, not
	 * adopted: they could read the database or swap its files (issue 9 §4). */
	if (make_dirs(dir, err) || private_dir(dir, err))
		return -1;
	strbuf db = STRBUF_INIT, key = STRBUF_INIT;
	sb_init(&db);
	sb_init(&key);
	platform_db_path(dir, &db);
	platform_key_path(dir, &key);
	int rc = -1;
	store *s = NULL;
	keyring *kr = NULL;
	if (access(db.buf, F_OK) == 0) {
		at_fail(err, 409, AT_E_CONFLICT, "data",
			"%s already holds a database; Atena will not initialise over it", dir);
		goto out;
	}
	if (keyring_create(key.buf, err))
		goto out;
	if (store_open(db.buf, true, &s, err) || bring_up(s, err))
		goto out;
	if (policy_setting_set(s, "municipality", code, err) ||
	    municipality_store(s, code, err))
		goto out;
	/* The log's genesis checkpoint (1, at event 0): from here on a log with
	 * no checkpoint at all is known to have lost them (issue 9 §1). */
	if (keyring_load(key.buf, &kr, err) || audit_genesis(s, kr, err))
		goto out;
	rc = 0;
out:
	keyring_free(kr);
	store_close(s);
	sb_release(&db);
	sb_release(&key);
	return rc;
}

int platform_connect(const char *dir, store **out, at_error *err)
{
	strbuf db = STRBUF_INIT;
	sb_init(&db);
	platform_db_path(dir, &db);
	if (private_dir(dir, err)) {
		sb_release(&db);
		return -1;
	}
	int rc = store_open(db.buf, false, out, err);
	/* A refusal for its mode keeps its own message, which names the fix. */
	if (rc && !(err && !strcmp(err->code, AT_E_INSECURE))) {
		/* at_fail writes err->message, so the store's reason is copied out
		 * first: formatting a buffer into itself is undefined (C17 7.21.6.5). */
		char cause[sizeof err->message] = "";
		if (err)
			snprintf(cause, sizeof cause, "%s", err->message);
		at_fail(err, 404, AT_E_NOT_FOUND, "data",
			"%s is not an Atena data directory (run atena init first): %s", dir, cause);
	}
	sb_release(&db);
	return rc;
}

int platform_open(const char *dir, store **sp, keyring **krp, at_error *err)
{
	if (sp)
		*sp = NULL;
	if (krp)
		*krp = NULL;
	if (crypto_setup(err))
		return -1;
	store *s = NULL;
	keyring *kr = NULL;
	strbuf key = STRBUF_INIT;
	sb_init(&key);
	platform_key_path(dir, &key);
	int rc = -1;
	if (platform_connect(dir, &s, err) || bring_up(s, err))
		goto out;
	if (keyring_load(key.buf, &kr, err))
		goto out;
	rc = 0;
out:
	sb_release(&key);
	if (rc) {
		store_close(s);
		keyring_free(kr);
		return -1;
	}
	if (sp)
		*sp = s;
	else
		store_close(s);
	if (krp)
		*krp = kr;
	else
		keyring_free(kr);
	return 0;
}

int platform_municipality(store *s, char out[7], at_error *err)
{
	int r = policy_setting_get(s, "municipality", out, 7, err);
	if (r < 0)
		return -1;
	if (r)
		return at_fail(err, 500, AT_E_INTERNAL, "municipality",
			       "the data directory records no municipality");
	return 0;
}
