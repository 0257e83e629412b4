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

/* A string field into a fixed buffer ("" when optional and absent). */
static int text_field(const jr *r, json_t *o, const char *path, const char *key, unsigned flags,
		      char *out, size_t cap)
{
	const char *v = NULL;
	if (jr_string(r, o, path, key, flags, MUNICIPALITY_TEXT / 3 - 1, &v))
		return -1;
	snprintf(out, cap, "%s", v ? v : "");
	return 0;
}

/* Calendar months in fiscal order June..May, each at most once, as
 * tax_schedule_ordinary_in takes them (地方税法320条). */
static int months_field(const jr *r, json_t *o, at_municipality *m)
{
	json_t *a;
	size_t n = 0;
	char q[JR_PATH], f[JR_PATH];
	if (jr_array(r, o, "", "ordinary_collection_months", JR_REQ, 1, MUNICIPALITY_MAX_MONTHS, &a,
		     &n, q))
		return -1;
	int prev = 0;
	for (size_t i = 0; i < n; i++) {
		int64_t mo;
		if (jr_elem_int(r, a, q, i, 1, 12, &mo))
			return -1;
		int order = mo >= 6 ? (int)mo - 5 : (int)mo + 7;   /* June = 1 .. May = 12 */
		if (order <= prev) {
			jr_path_index(f, q, i);
			return jr_fail(r, AT_E_INVALID, f,
				       "must come after the month before it in the fiscal year (June..May:"
				       " 地方税法320条の納期)");
		}
		prev = order;
		m->ordinary_months[i] = (int)mo;
	}
	m->n_ordinary_months = n;
	return 0;
}

int municipality_parse(const char *json_text, const char *source, at_municipality *out,
		       at_error *err)
{
	memset(out, 0, sizeof *out);
	/* Atena's own data (built in, or stored at init): a bad file is ours, 500 */
	jr r = JR_DATA(err, source);
	json_t *o = jr_parse_object(&r, json_text, strlen(json_text));
	if (!o)
		return -1;
	static const char *const top[] = {"code", "name", "prefecture", "kind", "head", "levies",
		"ordinary_collection_months", "ordinary_collection_note", "basis", "note", NULL};
	static const char *const head_k[] = {"title", "name", "note", NULL};
	static const char *const levy_k[] = {"municipal", "prefectural", "basis", NULL};
	static const char *const kinds[] = {"区", "市", "町", "村", NULL};
	int rc = -1, kind;
	const char *code = NULL;
	json_t *head, *levies;
	char hp[JR_PATH], lp[JR_PATH];
	if (jr_known(&r, o, "", top) || jr_string(&r, o, "", "code", JR_REQ, 6, &code))
		goto out;
	if (municipality_code_validate(code, "code", err)) {
		char why[sizeof err->message];   /* not formatted into the buffer it reads */
		snprintf(why, sizeof why, "%s", err ? err->message : "");
		jr_fail(&r, AT_E_INVALID, "code", "breaks its rule: %s", why);
		goto out;
	}
	snprintf(out->code, sizeof out->code, "%s", code);
	if (text_field(&r, o, "", "name", JR_REQ, out->name, sizeof out->name) ||
	    text_field(&r, o, "", "prefecture", JR_REQ, out->prefecture, sizeof out->prefecture) ||
	    jr_choice(&r, o, "", "kind", JR_REQ, kinds, &kind))
		goto out;
	snprintf(out->kind, sizeof out->kind, "%s", kinds[kind]);
	if (!ends_with(out->name, out->kind)) {
		jr_fail(&r, AT_E_INVALID, "name", "%s must end with its kind %s", out->name, out->kind);
		goto out;
	}
	if (!ends_with(out->prefecture, "都") && !ends_with(out->prefecture, "道") &&
	    !ends_with(out->prefecture, "府") && !ends_with(out->prefecture, "県")) {
		jr_fail(&r, AT_E_INVALID, "prefecture", "must end with 都, 道, 府 or 県");
		goto out;
	}
	if (jr_object(&r, o, "", "head", JR_REQ, &head, hp) || jr_known(&r, head, hp, head_k) ||
	    text_field(&r, head, hp, "title", JR_REQ, out->head_title, sizeof out->head_title) ||
	    text_field(&r, head, hp, "name", JR_OPT, out->head_name, sizeof out->head_name) ||
	    jr_object(&r, o, "", "levies", JR_REQ, &levies, lp) || jr_known(&r, levies, lp, levy_k) ||
	    text_field(&r, levies, lp, "municipal", JR_REQ, out->municipal_tax,
		       sizeof out->municipal_tax) ||
	    text_field(&r, levies, lp, "prefectural", JR_REQ, out->prefectural_tax,
		       sizeof out->prefectural_tax) ||
	    months_field(&r, o, out))
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
	int rc = policy_setting_get(s, SETTING_IDENTITY, text, STORED_MAX, err);
	/* -1: the store failed, reported (never taken for "none stored") */
	if (rc == 1)
		rc = municipality_builtin(code, "municipality", out, NULL, err);
	else if (rc == 0 && (rc = municipality_parse(text, "stored municipality", out, err)) == 0 &&
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
