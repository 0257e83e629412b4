/*
 * The municipality's identity as data: reading and checking the files of
 * data/municipalities/, and the copy stored with the database.
 */
#include "policy/municipality.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "core/mynumber.h"
#include "policy/decl_builtin.h"
#include "policy/platform.h"
#include "policy_internal.h"

extern const struct decl_builtin municipality_builtins[];

#define SETTING_IDENTITY "municipality_identity"   /* the file's text, stored at init */
#define STORED_MAX 16384                            /* bytes; a file is about 1.5 KB */

static bool ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);
	return n >= t && !strcmp(s + n - t, tail);
}

/* A required string field into a fixed buffer. */
static int text_field(json_t *o, const char *path, const char *key, char *out, size_t cap,
		      bool required, at_error *err)
{
	const char *v = NULL;
	if (jv_string(o, path, key, required, MUNICIPALITY_TEXT / 3 - 1, &v, err))
		return -1;
	snprintf(out, cap, "%s", v ? v : "");
	return 0;
}

/* Calendar months in fiscal order June..May, each at most once, as
 * tax_schedule_ordinary_in takes them (地方税法320条). */
static int months_field(json_t *o, const char *path, at_municipality *m, at_error *err)
{
	char f[160];
	snprintf(f, sizeof f, "%sordinary_collection_months", path);
	json_t *a = json_object_get(o, "ordinary_collection_months");
	if (!json_is_array(a) || json_array_size(a) < 1 ||
	    json_array_size(a) > MUNICIPALITY_MAX_MONTHS)
		return at_fail(err, 400, AT_E_INVALID, f,
			       "%s must be an array of 1..12 months (地方税法320条の納期)", f);
	int prev = 0;
	size_t i;
	json_t *v;
	json_array_foreach(a, i, v) {
		json_int_t mo = json_is_integer(v) ? json_integer_value(v) : 0;
		if (mo < 1 || mo > 12)
			return at_fail(err, 400, AT_E_INVALID, f, "%s[%zu] must be a month 1..12", f, i);
		int order = mo >= 6 ? (int)mo - 5 : (int)mo + 7;   /* June = 1 .. May = 12 */
		if (order <= prev)
			return at_fail(err, 400, AT_E_INVALID, f,
				       "%s[%zu] must come after the month before it in the fiscal year"
				       " (June..May)", f, i);
		prev = order;
		m->ordinary_months[i] = (int)mo;
	}
	m->n_ordinary_months = json_array_size(a);
	return 0;
}

int municipality_parse(const char *json_text, const char *source, at_municipality *out,
		       at_error *err)
{
	memset(out, 0, sizeof *out);
	json_t *o = jv_parse_object(json_text, strlen(json_text), err);
	if (!o)
		return -1;
	char p[128];
	snprintf(p, sizeof p, "%s: ", source);
	static const char *const top[] = {"code", "name", "prefecture", "kind", "head", "levies",
		"ordinary_collection_months", "ordinary_collection_note", "basis", "note", NULL};
	static const char *const head_k[] = {"title", "name", "note", NULL};
	static const char *const levy_k[] = {"municipal", "prefectural", "basis", NULL};
	static const char *const kinds[] = {"区", "市", "町", "村", NULL};
	int rc = -1;
	const char *code = NULL;
	char hp[160], lp[160];
	snprintf(hp, sizeof hp, "%shead", p);
	snprintf(lp, sizeof lp, "%slevies", p);
	json_t *head = json_object_get(o, "head"), *levies = json_object_get(o, "levies");
	if (jv_no_unknown(o, p, top, err) || jv_string(o, p, "code", true, 6, &code, err))
		goto out;
	if (municipality_code_validate(code, "code", err)) {
		char why[sizeof err->message];   /* not formatted into the buffer it reads */
		snprintf(why, sizeof why, "%s", err ? err->message : "");
		at_fail(err, 400, AT_E_INVALID, "code", "%scode: %s", p, why);
		goto out;
	}
	snprintf(out->code, sizeof out->code, "%s", code);
	if (text_field(o, p, "name", out->name, sizeof out->name, true, err) ||
	    text_field(o, p, "prefecture", out->prefecture, sizeof out->prefecture, true, err) ||
	    text_field(o, p, "kind", out->kind, sizeof out->kind, true, err))
		goto out;
	bool kind_ok = false;
	for (size_t i = 0; kinds[i]; i++)
		kind_ok |= !strcmp(out->kind, kinds[i]);
	if (!kind_ok) {
		at_fail(err, 400, AT_E_INVALID, "kind", "%skind must be one of 区, 市, 町, 村", p);
		goto out;
	}
	if (!ends_with(out->name, out->kind)) {
		at_fail(err, 400, AT_E_INVALID, "name", "%sname %s must end with its kind %s", p,
			out->name, out->kind);
		goto out;
	}
	if (!ends_with(out->prefecture, "都") && !ends_with(out->prefecture, "道") &&
	    !ends_with(out->prefecture, "府") && !ends_with(out->prefecture, "県")) {
		at_fail(err, 400, AT_E_INVALID, "prefecture", "%sprefecture must end with 都, 道, 府 or 県",
			p);
		goto out;
	}
	if (!json_is_object(head) || !json_is_object(levies)) {
		const char *k = !json_is_object(head) ? "head" : "levies";
		at_fail(err, 400, AT_E_INVALID, k, "%s%s must be an object", p, k);
		goto out;
	}
	strcat(hp, ".");
	strcat(lp, ".");
	if (jv_no_unknown(head, hp, head_k, err) ||
	    text_field(head, hp, "title", out->head_title, sizeof out->head_title, true, err) ||
	    text_field(head, hp, "name", out->head_name, sizeof out->head_name, false, err) ||
	    jv_no_unknown(levies, lp, levy_k, err) ||
	    text_field(levies, lp, "municipal", out->municipal_tax, sizeof out->municipal_tax, true,
		       err) ||
	    text_field(levies, lp, "prefectural", out->prefectural_tax,
		       sizeof out->prefectural_tax, true, err) ||
	    months_field(o, p, out, err))
		goto out;
	rc = 0;
out:
	json_decref(o);
	return rc;
}

int municipality_builtin(const char *code, const char *field, at_municipality *out,
			 const char **text, at_error *err)
{
	char name[32];
	snprintf(name, sizeof name, "%s.json", code ? code : "");
	for (const struct decl_builtin *b = municipality_builtins; b->name; b++) {
		if (strcmp(b->name, name))
			continue;
		char source[64];
		snprintf(source, sizeof source, "municipalities/%s", b->name);
		if (municipality_parse(b->json, source, out, err))
			return -1;
		if (strcmp(out->code, code))
			return at_fail(err, 500, AT_E_INTERNAL, "code", "%s: code %s is not its file's",
				       source, out->code);
		if (text)
			*text = b->json;
		return 0;
	}
	return at_fail(err, 404, AT_E_NOT_FOUND, field,
		       "%s: Atena has no data for municipality %s (data/municipalities/%s.json)",
		       field, code ? code : "", code ? code : "");
}

int municipality_store(store *s, const char *code, at_error *err)
{
	at_municipality m;
	const char *text;
	if (municipality_builtin(code, "municipality", &m, &text, err))
		return -1;
	return policy_setting_set(s, SETTING_IDENTITY, text, err);
}

int municipality_of(store *s, at_municipality *out, at_error *err)
{
	char code[7];
	if (platform_municipality(s, code, err))
		return -1;
	char *text = malloc(STORED_MAX);
	if (!text)
		return at_fail(err, 500, AT_E_INTERNAL, "municipality", "out of memory");
	int rc;
	if (policy_setting_get(s, SETTING_IDENTITY, text, STORED_MAX))
		rc = municipality_builtin(code, "municipality", out, NULL, err);
	else if ((rc = municipality_parse(text, "stored municipality", out, err)) == 0 &&
		 strcmp(out->code, code))
		rc = at_fail(err, 500, AT_E_INTERNAL, "municipality",
			     "the stored identity is of %s, the directory serves %s", out->code, code);
	free(text);
	return rc;
}

void municipality_full_name(const at_municipality *m, char out[2 * MUNICIPALITY_TEXT])
{
	size_t pl = strlen(m->prefecture);
	if (!strncmp(m->name, m->prefecture, pl))
		snprintf(out, 2 * MUNICIPALITY_TEXT, "%s", m->name);
	else
		snprintf(out, 2 * MUNICIPALITY_TEXT, "%s%s", m->prefecture, m->name);
}

void municipality_issuer(const at_municipality *m, char out[MUNICIPALITY_ISSUER])
{
	char full[2 * MUNICIPALITY_TEXT];
	municipality_full_name(m, full);
	/* The title names the municipality ("目黒区長"): print it after the
	 * prefecture; one that does not (an acting head) follows the full name. */
	char title[3 * MUNICIPALITY_TEXT];
	if (!strncmp(m->head_title, m->name, strlen(m->name)))
		snprintf(title, sizeof title, "%s%s", m->prefecture, m->head_title);
	else
		snprintf(title, sizeof title, "%s%s", full, m->head_title);
	if (*m->head_name)
		snprintf(out, MUNICIPALITY_ISSUER, "%s　%s", title, m->head_name);
	else
		snprintf(out, MUNICIPALITY_ISSUER, "%s", title);
}
