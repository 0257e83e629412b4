/*
 * registry_routes.c — the resident register's routes (/registry/...): change
 * events, person and household views, search, support measures, certificates
 * (JSON or PDF), the change-notification outbox and the event-type list.
 *
 * Every route's entry says it acts under business resident_register and in
 * which door mode; the dispatcher has refused any other business (audited).
 * Each handler reads its input, then runs one unit of work with srv_unit
 * (server/route.h): the door, registry.h, commit — or abort, with the refusal
 * audited naming the person when the request did (module/unit.h), the same
 * rule as `atena registry` on the console.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "audit/audit.h"
#include "core/json.h"
#include "core/text.h"
#include "documents/documents.h"
#include "registry/registry.h"
#include "registry/registry_module.h"
#include "server/route.h"

/* The person a request names in its body ("addressee_no"), "" when none. */
static const char *body_subject(req *r)
{
	json_t *an = json_object_get(r->json, "addressee_no");
	if (json_is_string(an) && text_is_digits(json_string_value(an), 10))
		return json_string_value(an);
	return "";
}

/* ---- Change events -------------------------------------------------------- */

typedef struct event_unit {
	const char *type;
	json_t *body;
	json_t *out;
	int rc;   /* registry_event's: 0 applied, 1 held */
} event_unit;

static int f_event(door *d, void *arg, at_error *err)
{
	event_unit *e = arg;
	e->rc = registry_event(d, e->type, e->body, &e->out, err);
	return e->rc < 0 ? -1 : 0;
}

static int h_event(req *r, at_error *err)
{
	if (!registry_event_type_find(r->param)) {
		strbuf names = STRBUF_INIT;
		sb_init(&names);
		registry_event_type_names(&names);
		at_fail(err, 400, AT_E_INVALID, "type", "path parameter type must be an event type: %s",
			names.buf);
		sb_release(&names);
		return -1;
	}
	event_unit e = {r->param, r->json, NULL, 0};
	if (srv_unit(r, body_subject(r), f_event, &e, err)) {
		json_decref(e.out);
		return -1;
	}
	if (e.rc == 0) {
		/* 201 points at the (first) person the event recorded. */
		json_t *rec0 = json_array_get(json_object_get(e.out, "records"), 0);
		const char *no = json_string_value(json_object_get(rec0, "addressee_no"));
		if (no && text_is_digits(no, 10))
			snprintf(r->location, sizeof r->location, SRV_PREFIX "/registry/persons/%s",
				 no);
	}
	return srv_reply(r, e.rc == 1 ? 202 : 201, e.out, err);
}

static int h_event_types(req *r, at_error *err)
{
	/* The list is the register's own, not personal data: no door. */
	json_t *list = json_array();
	for (const registry_event_type *t = registry_event_types; list && t->name; t++)
		json_array_append_new(list, json_pack("{s:s,s:s}", "type", t->name, "label", t->label));
	return srv_reply(r, 200, list ? json_pack("{s:o}", "event_types", list) : NULL, err);
}

/* ---- Views ------------------------------------------------------------------ */

typedef int (*view_fn)(door *d, const char *key, json_t **out, at_error *err);

typedef struct view_unit {
	view_fn fn;
	const char *key;
	json_t *out;
} view_unit;

static int f_view(door *d, void *arg, at_error *err)
{
	view_unit *v = arg;
	return v->fn(d, v->key, &v->out, err);
}

static int view(req *r, view_fn fn, const char *subject, at_error *err)
{
	view_unit v = {fn, r->param, NULL};
	if (srv_unit(r, subject, f_view, &v, err)) {
		json_decref(v.out);
		return -1;
	}
	return srv_reply(r, 200, v.out, err);
}

static int h_person(req *r, at_error *err)
{
	return view(r, registry_person, r->param, err);
}

static int h_history(req *r, at_error *err)
{
	return view(r, registry_person_history, r->param, err);
}

static int h_household(req *r, at_error *err)
{
	return view(r, registry_household, "", err);
}

/* ---- Search ------------------------------------------------------------------ */

typedef struct search_unit {
	json_t *crit;
	json_t *out;
} search_unit;

static int f_search(door *d, void *arg, at_error *err)
{
	search_unit *q = arg;
	return registry_search(d, q->crit, &q->out, err);
}

static int h_search(req *r, at_error *err)
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
	const char *after = srv_query(r, "after");
	if (after)
		json_object_set_new(crit, "after", json_string(after));
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
	search_unit q = {crit, NULL};
	int rc = srv_unit(r, subject && text_is_digits(subject, 10) ? subject : "", f_search, &q,
			  err);
	json_decref(crit);
	if (rc) {
		json_decref(q.out);
		return -1;
	}
	return srv_reply(r, 200, q.out, err);
}

/* ---- Support measures -------------------------------------------------------- */

typedef struct support_unit {
	const char *addressee_no;
	bool on;
} support_unit;

static int f_support(door *d, void *arg, at_error *err)
{
	support_unit *u = arg;
	return registry_support_measure(d, u->addressee_no, u->on, err);
}

static int h_support_measure(req *r, at_error *err)
{
	static const char *const keys[] = {"on", NULL};
	support_unit u = {r->param, false};
	if (jv_no_unknown(r->json, "", keys, err) || jv_bool(r->json, "", "on", true, &u.on, err))
		return -1;
	if (srv_unit(r, r->param, f_support, &u, err))
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
	const char *acc = srv_header(r, "Accept");
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

typedef struct cert_unit {
	json_t *request;
	bool pdf;
	json_t *cert;
	strbuf body;   /* the PDF, when asked for */
} cert_unit;

static int f_certificate(door *d, void *arg, at_error *err)
{
	cert_unit *c = arg;
	if (registry_certificate(d, c->request, &c->cert, err))
		return -1;
	/* Rendered before the commit: a certificate that could not be produced
	 * is not recorded as issued. */
	return c->pdf ? document_render_pdf(c->cert, &c->body, err) : 0;
}

static int h_certificate(req *r, at_error *err)
{
	cert_unit c = {r->json, false, NULL, STRBUF_INIT};
	sb_init(&c.body);
	if (want_pdf(r, &c.pdf, err))
		return -1;
	if (srv_unit(r, body_subject(r), f_certificate, &c, err)) {
		json_decref(c.cert);
		sb_release(&c.body);
		return -1;
	}
	if (!c.pdf)
		return srv_reply(r, 200, c.cert, err);
	char disp[128];
	cert_disposition(c.cert, disp, sizeof disp);
	json_decref(c.cert);
	return srv_reply_bytes(r, 200, "application/pdf", disp, &c.body, err);
}

/* ---- Outbox -------------------------------------------------------------------- */

typedef struct outbox_unit {
	int64_t after, limit;
	json_t *out;
} outbox_unit;

static int f_outbox(door *d, void *arg, at_error *err)
{
	outbox_unit *o = arg;
	return registry_outbox_page(d, o->after, o->limit, &o->out, err);
}

static int h_outbox(req *r, at_error *err)
{
	const char *after_s = srv_query(r, "after"), *limit_s = srv_query(r, "limit");
	outbox_unit o = {0, REGISTRY_OUTBOX_DEFAULT, NULL};
	if ((after_s && srv_parse_int(after_s, 0, SRV_MAX_ID, "after", &o.after, err)) ||
	    (limit_s && srv_parse_int(limit_s, 1, REGISTRY_OUTBOX_MAX, "limit", &o.limit, err)))
		return -1;
	if (srv_unit(r, "", f_outbox, &o, err)) {
		json_decref(o.out);
		return -1;
	}
	return srv_reply(r, 200, o.out, err);
}

/* ---- The register's entries of the route table ---------------------------------- */

static const char *const search_params[] = {
	"name", "name_kana", "birth_date", "address", "household_no", "addressee_no",
	"my_number", "resident_code", "include_removed", "limit", "after", NULL};
static const char *const cert_params[] = {"format", NULL};
static const char *const outbox_params[] = {"after", "limit", NULL};

#define RB REGISTRY_BUSINESS
const route registry_routes[] = {
	{"GET", "/registry/event-types", R_PURPOSE, RB, 0, h_event_types, NULL},
	{"POST", "/registry/events/{type}", R_PURPOSE | R_BODY, RB, DOOR_WRITE, h_event, NULL},
	{"GET", "/registry/persons/{addressee_no}", R_PURPOSE, RB, DOOR_READ, h_person, NULL},
	{"GET", "/registry/persons/{addressee_no}/history", R_PURPOSE, RB, DOOR_READ, h_history,
	 NULL},
	{"POST", "/registry/persons/{addressee_no}/support-measure", R_PURPOSE | R_BODY, RB,
	 DOOR_WRITE, h_support_measure, NULL},
	{"GET", "/registry/households/{household_no}", R_PURPOSE, RB, DOOR_READ, h_household,
	 NULL},
	{"GET", "/registry/search", R_PURPOSE, RB, DOOR_READ, h_search, search_params},
	/* Issuing is the register keeper's act, not a look-up: an update grant
	 * (docs/security.md "Certificates"; registry_certificate checks it too). */
	{"POST", "/registry/certificates", R_PURPOSE | R_BODY, RB, DOOR_WRITE, h_certificate,
	 cert_params},
	{"GET", "/registry/outbox", R_PURPOSE, RB, DOOR_READ, h_outbox, outbox_params},
	{NULL, NULL, 0, NULL, 0, NULL, NULL},
};
