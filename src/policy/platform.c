/*
 * Opening a data directory: database, key file, spine schema, declarations.
 */
#include "policy/platform.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/audit.h"
#include "core/mynumber.h"
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
	if (mkdir(dir, 0700) && errno != EEXIST)
		return at_fail(err, 500, AT_E_INTERNAL, "data", "cannot create the data directory %s: %s",
			       dir, strerror(errno));
	strbuf db = STRBUF_INIT, key = STRBUF_INIT;
	sb_init(&db);
	sb_init(&key);
	platform_db_path(dir, &db);
	platform_key_path(dir, &key);
	int rc = -1;
	store *s = NULL;
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
	rc = 0;
out:
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
	int rc = store_open(db.buf, false, out, err);
	if (rc)
		at_fail(err, 404, AT_E_NOT_FOUND, "data",
			"%s is not an Atena data directory (run atena init first): %s", dir,
			err ? err->message : "");
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
	if (policy_setting_get(s, "municipality", out, 7))
		return at_fail(err, 500, AT_E_INTERNAL, "municipality",
			       "the data directory records no municipality");
	return 0;
}
