/*
 * server_registry.c — the resident register's routes (/registry/...):
 * change events, person and household views, search, support measures,
 * certificates (JSON or PDF) and the change-notification outbox.
 *
 * Every route acts under business resident_register only, as one door unit
 * of work: open, call registry.h, commit; any failure after the open aborts
 * it. A refusal by the register (bad input, a rule) rolls back everything the
 * door did, so it is written to the audit log afterwards in a transaction of
 * its own, naming the person when the request did: a refused look at a
 * resident (a probe for addressee numbers, say) is as accountable as a
 * granted one (DESIGN.md principle 4).
 */
#include "server/server_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "audit/audit.h"
#include "core/json.h"
#include "core/text.h"
#include "documents/documents.h"
#include "registry/registry.h"

/* The event types of registry.h, in its order. */
static const char *const event_types[] = {
	"move_in", "move_out_planned", "move_out_confirmed", "move_out_cancelled",
	"in_ward_move", "birth", "death", "household_change", "ex_officio_entry",
	"ex_officio_removal", "ex_officio_correction", "resident_code_change",
	"my_number_change", "foreign_status_change", NULL,
};

#define OUTBOX_DEFAULT 100
#define OUTBOX_MAX 1000

/* After an operation inside an open door failed: roll back, log a refusal
 * (4xx) with the subject, return -1 with err unchanged. */
static int refused(req *r, door *d, const char *subject, at_error *err)
{
	door_abort(d);
	/* A certificate refused for a support measure is already in the log: the
	 * register notes that refusal, and the door the alert its read raised,
	 * so that both survive the abort (door_note_refusal). */
	if (err->status >= 400 && err->status < 500 && err->status != 401 &&
	    strcmp(err->code, "support_measure"))
		srv_audit_refusal(r, subject, err->status == 403 ? AUDIT_DENIED : AUDIT_INVALID, err);
	return -1;
}

/* Open the door under resident_register; any other business is refused here
 * (audited) since the register's rules are written for that business. */
static int reg_open(req *r, door_mode mode, door **d, at_error *err)
{
	if (strcmp(r->ctx.business, REGISTRY_BUSINESS)) {
		at_fail(err, 403, AT_E_FORBIDDEN, "X-Atena-Business",
			"the resident register is used only under business " REGISTRY_BUSINESS);
		srv_audit_refusal(r, "", AUDIT_DENIED, err);
		return -1;
	}
	return srv_open_door_owner(r, &registry_owner, mode, d, err);
}

/* Commit and answer with out (owned); nothing is answered if the commit fails. */
static int commit_reply(req *r, door *d, int status, json_t *out, at_error *err)
{
	if (door_commit(d, err)) {
		json_decref(out);
		return -1;
	}
	return srv_reply(r, status, out, err);
}

/* ---- Change events -------------------------------------------------------- */

static bool event_type_known(const char *t)
{
	for (size_t i = 0; event_types[i]; i++)
		if (!strcmp(event_types[i], t))
			return true;
	return false;
}

int h_reg_event(req *r, at_error *err)
{
	if (!event_type_known(r->param))
		return at_fail(err, 400, AT_E_INVALID, "type",
			       "path parameter type must be an event type: move_in, move_out_planned, "
			       "move_out_confirmed, move_out_cancelled, in_ward_move, birth, death, "
			       "household_change, ex_officio_entry, ex_officio_removal, "
			       "ex_officio_correction, resident_code_change, my_number_change or "
			       "foreign_status_change");
	const char *subject = "";
	json_t *an = json_object_get(r->json, "addressee_no");
	if (json_is_string(an) && text_is_digits(json_string_value(an), 10))
		subject = json_string_value(an);
	door *d;
	if (reg_open(r, DOOR_WRITE, &d, err))
		return -1;
	json_t *result = NULL;
	int rc = registry_event(d, r->param, r->json, &result, err);
	if (rc < 0) {
		json_decref(result);
		return refused(r, d, subject, err);
	}
	if (rc == 0) {
		/* 201 points at the (first) person the event recorded. */
		json_t *rec0 = json_array_get(json_object_get(result, "records"), 0);
		const char *no = json_string_value(json_object_get(rec0, "addressee_no"));
		if (no && text_is_digits(no, 10))
			snprintf(r->location, sizeof r->location, SRV_PREFIX "/registry/persons/%s",
				 no);
	}
	return commit_reply(r, d, rc == 1 ? 202 : 201, result, err);
}

/* ---- Views ------------------------------------------------------------------ */

typedef int (*view_fn)(door *d, const char *key, json_t **out, at_error *err);

static int view(req *r, view_fn fn, const char *subject, at_error *err)
{
	door *d;
	if (reg_open(r, DOOR_READ, &d, err))
		return -1;
	json_t *out = NULL;
	if (fn(d, r->param, &out, err)) {
		json_decref(out);
		return refused(r, d, subject, err);
	}
	/* door_history's documented shape is a list; answer an object either way. */
	if (json_is_array(out))
		out = json_pack("{s:o}", "versions", out);
	return commit_reply(r, d, 200, out, err);
}

int h_reg_person(req *r, at_error *err)
{
	return view(r, registry_person, r->param, err);
}

int h_reg_history(req *r, at_error *err)
{
	return view(r, registry_person_history, r->param, err);
}

int h_reg_household(req *r, at_error *err)
{
	return view(r, registry_household, "", err);
}

/* ---- Search ------------------------------------------------------------------ */

int h_reg_search(req *r, at_error *err)
{
	static const char *const text_keys[] = {"name", "name_kana", "birth_date", "address",
						"household_no", "addressee_no", "my_number",
						"resident_code", NULL};
	json_t *crit = json_object();
	if (!crit)
		return at_fail(err, 500, AT_E_INTERNAL, "", "out of memory");
	size_t given = 0;
	for (size_t i = 0; text_keys[i]; i++) {
		const char *v = srv_query(r, text_keys[i]);
		if (v) {
			json_object_set_new(crit, text_keys[i], json_string(v));
			given++;
		}
	}
	/* Listing the whole register is not a search. */
	if (!given) {
		json_decref(crit);
		return at_fail(err, 400, AT_E_MISSING, "query",
			       "give at least one search criterion: name, name_kana, birth_date, "
			       "address, household_no, addressee_no, my_number or resident_code");
	}
	const char *inc = srv_query(r, "include_removed"), *limit_s = srv_query(r, "limit");
	if (inc) {
		if (strcmp(inc, "true") && strcmp(inc, "false")) {
			json_decref(crit);
			return at_fail(err, 400, AT_E_INVALID, "include_removed",
				       "query parameter include_removed must be true or false");
		}
		json_object_set_new(crit, "include_removed", json_boolean(!strcmp(inc, "true")));
	}
	if (limit_s) {
		int64_t limit;
		if (srv_parse_int(limit_s, 1, DOOR_FIND_MAX, "limit", &limit, err)) {
			json_decref(crit);
			return -1;
		}
		json_object_set_new(crit, "limit", json_integer((json_int_t)limit));
	}
	const char *subject = srv_query(r, "addressee_no");
	door *d;
	if (reg_open(r, DOOR_READ, &d, err)) {
		json_decref(crit);
		return -1;
	}
	json_t *out = NULL;
	int rc = registry_search(d, crit, &out, err);
	json_decref(crit);
	if (rc) {
		json_decref(out);
		return refused(r, d, subject && text_is_digits(subject, 10) ? subject : "", err);
	}
	return commit_reply(r, d, 200, out, err);
}

/* ---- Support measures -------------------------------------------------------- */

int h_reg_support_measure(req *r, at_error *err)
{
	static const char *const keys[] = {"on", NULL};
	bool on = false;
	if (jv_no_unknown(r->json, "", keys, err) || jv_bool(r->json, "", "on", true, &on, err))
		return -1;
	door *d;
	if (reg_open(r, DOOR_WRITE, &d, err))
		return -1;
	if (registry_support_measure(d, r->param, on, err))
		return refused(r, d, r->param, err);
	if (door_commit(d, err))
		return -1;
	return srv_reply(r, 204, NULL, err);
}

/* ---- Certificates ------------------------------------------------------------ */

/* PDF when ?format=pdf, JSON when ?format=json; without format, PDF when the
 * client's Accept names application/pdf (a browser link opening the PDF). */
static int want_pdf(req *r, bool *pdf, at_error *err)
{
	const char *f = srv_query(r, "format");
	if (f) {
		if (strcmp(f, "pdf") && strcmp(f, "json"))
			return at_fail(err, 400, AT_E_INVALID, "format",
				       "query parameter format must be json or pdf");
		*pdf = !strcmp(f, "pdf");
		return 0;
	}
	const char *acc = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
						      MHD_HTTP_HEADER_ACCEPT);
	static const char want[] = "application/pdf";
	*pdf = false;
	for (const char *p = acc; p && *p && !*pdf; p++)
		*pdf = !strncasecmp(p, want, sizeof want - 1);
	return 0;
}

/* Content-Disposition for the certificate: inline (opens in the browser),
 * named after its kind and serial, reduced to characters safe in a header. */
static void cert_disposition(const json_t *cert, char *out, size_t n)
{
	char serial[48] = "", kind[24] = "juminhyo";
	const json_t *sv = json_object_get(cert, "serial");
	char tmp[48];
	if (json_is_string(sv))
		snprintf(tmp, sizeof tmp, "%s", json_string_value(sv));
	else if (json_is_integer(sv))
		snprintf(tmp, sizeof tmp, "%lld", (long long)json_integer_value(sv));
	else
		tmp[0] = '\0';
	size_t k = 0;
	for (const char *p = tmp; *p && k + 1 < sizeof serial; p++)
		if ((*p >= '0' && *p <= '9') || (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    *p == '-' || *p == '_')
			serial[k++] = *p;
	serial[k] = '\0';
	const char *kv = json_string_value(json_object_get(cert, "kind"));
	if (kv && srv_is_ident(kv) && strlen(kv) < sizeof kind)
		snprintf(kind, sizeof kind, "%s", kv);
	snprintf(out, n, "inline; filename=\"%s-%s.pdf\"", kind, serial[0] ? serial : "certificate");
}

int h_reg_certificate(req *r, at_error *err)
{
	bool pdf = false;
	if (want_pdf(r, &pdf, err))
		return -1;
	const char *subject = "";
	json_t *an = json_object_get(r->json, "addressee_no");
	if (json_is_string(an) && text_is_digits(json_string_value(an), 10))
		subject = json_string_value(an);
	door *d;
	if (reg_open(r, DOOR_READ, &d, err))
		return -1;
	json_t *cert = NULL;
	if (registry_certificate(d, r->json, &cert, err)) {
		json_decref(cert);
		return refused(r, d, subject, err);
	}
	if (!pdf)
		return commit_reply(r, d, 200, cert, err);
	/* Rendered before the commit: a certificate that could not be produced
	 * is not recorded as issued. */
	strbuf body = STRBUF_INIT;
	sb_init(&body);
	if (document_render_pdf(cert, &body, err)) {
		json_decref(cert);
		sb_release(&body);
		door_abort(d);
		return -1;
	}
	char disp[128];
	cert_disposition(cert, disp, sizeof disp);
	json_decref(cert);
	if (door_commit(d, err)) {
		sb_release(&body);
		return -1;
	}
	return srv_reply_bytes(r, 200, "application/pdf", disp, &body, err);
}

/* ---- Outbox -------------------------------------------------------------------- */

int h_reg_outbox(req *r, at_error *err)
{
	const char *after_s = srv_query(r, "after"), *limit_s = srv_query(r, "limit");
	int64_t after = 0, limit = OUTBOX_DEFAULT;
	if ((after_s && srv_parse_int(after_s, 0, SRV_MAX_ID, "after", &after, err)) ||
	    (limit_s && srv_parse_int(limit_s, 1, OUTBOX_MAX, "limit", &limit, err)))
		return -1;
	/* The door checks the view grant and carries the audit event; the
	 * outbox itself is the register's own table on the same connection. */
	door *d;
	if (reg_open(r, DOOR_READ, &d, err))
		return -1;
	json_t *list = NULL;
	if (registry_outbox(door_store(d), after, (int)limit, &list, err)) {
		json_decref(list);
		return refused(r, d, "", err);
	}
	char detail[96];
	snprintf(detail, sizeof detail, "registry_outbox after=%lld limit=%lld", (long long)after,
		 (long long)limit);
	if (door_note(d, "registry_outbox", AUDIT_OK, "", detail, err)) {
		json_decref(list);
		door_abort(d);
		return -1;
	}
	if (json_is_array(list))
		list = json_pack("{s:o}", "notifications", list);
	return commit_reply(r, d, 200, list, err);
}
