/*
 * tax_routes.c — the individual resident tax's routes (/tax/...): the single
 * computation, schedules, the roll, intake and matching, holds, forwarding,
 * 二重扶養, the annual batch, corrections, a person's assessment and the
 * notices and certificates (JSON or PDF).
 *
 * Every route's entry says it acts under business individual_resident_tax
 * and in which door mode; the dispatcher has refused any other business
 * (audited). A handler reads its input and runs one unit of work with
 * srv_unit (server/route.h), whose refusals are audited by the same rule as
 * `atena tax` on the console (module/unit.h). The batch routes (assess,
 * reassess) open a door per chunk themselves; their refusals go through
 * srv_refused. Bulk intake travels as JSON ({"fiscal_year","kind","data"}:
 * the file's lines as one string) within the 1 MiB body limit, a few
 * thousand records per request; a whole spring's files go through
 * `atena tax intake`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "core/date.h"
#include "core/json.h"
#include "core/text.h"
#include "documents/documents.h"
#include "policy/platform.h"
#include "server/route.h"
#include "tax/engine.h"
#include "tax/law.h"
#include "tax/schedule.h"
#include "tax/tax.h"
#include "tax/tax_module.h"

static int fiscal_year_q(req *r, int *fy, at_error *err)
{
	const char *v = srv_query(r, "fiscal_year");
	int64_t x;
	if (!v)
		return at_fail(err, 400, AT_E_MISSING, "fiscal_year",
			       "query parameter fiscal_year is required");
	if (srv_parse_int(v, 2000, 2100, "fiscal_year", &x, err))
		return -1;
	*fy = (int)x;
	return 0;
}

/* One unit of work in the door: fn fills out. */
typedef struct tax_unit tax_unit;
typedef int (*tax_fn)(tax_unit *u, door *d, at_error *err);
struct tax_unit {
	req *r;
	tax_fn fn;
	const tax_law *law;
	int fy;
	const char *kind;     /* a document's kind */
	json_t *in;           /* a decision, or intake's data */
	json_t *out;
};

static int f_unit(door *d, void *arg, at_error *err)
{
	tax_unit *u = arg;
	return u->fn(u, d, err);
}

/* ?fiscal_year, the unit, the answer. */
static int in_door(req *r, tax_fn fn, const char *subject, at_error *err)
{
	tax_unit u = {.r = r, .fn = fn};
	if (fiscal_year_q(r, &u.fy, err) || !(u.law = tax_law_shared(err)))
		return -1;
	if (srv_unit(r, subject, f_unit, &u, err)) {
		json_decref(u.out);
		return -1;
	}
	return srv_reply(r, 200, u.out, err);
}

/* ---- Computation ----------------------------------------------------------- */

static int h_compute(req *r, at_error *err)
{
	const tax_law *law = tax_law_shared(err);
	if (!law)
		return -1;
	tax_case c;
	tax_result res;
	if (tax_case_from_json(r->json, &c, err) || tax_compute(law, &c, &res, err))
		return -1;
	/* A computation of a case staff typed in: no person, nothing stored;
	 * logged like any use of the business. */
	if (srv_audit_now(r, AUDIT_OK, "tax.compute", err))
		return -1;
	return srv_reply(r, 200, tax_result_to_json(law, &c, &res), err);
}

static int h_schedule(req *r, at_error *err)
{
	const tax_law *law = tax_law_shared(err);
	if (!law)
		return -1;
	int fy = 0;
	int64_t annual = 0, prev = 0;
	const char *a = srv_query(r, "annual"), *p = srv_query(r, "previous_annual");
	if (fiscal_year_q(r, &fy, err))
		return -1;
	if (!a)
		return at_fail(err, 400, AT_E_MISSING, "annual", "query parameter annual is required");
	if (srv_parse_int(a, 0, TAX_ANNUAL_MAX, "annual", &annual, err) ||
	    (p && srv_parse_int(p, 0, TAX_ANNUAL_MAX, "previous_annual", &prev, err)))
		return -1;
	char muni[8];
	json_t *inst = NULL;
	if (platform_municipality(r->s, muni, err) ||
	    tax_schedule_for(law, srv_query(r, "method"), annual, prev, fy, muni, &inst, err))
		return -1;
	return srv_reply(r, 200, json_pack("{s:o}", "installments", inst), err);
}

static int h_law(req *r, at_error *err)
{
	const tax_law *law = tax_law_shared(err);
	if (!law)
		return -1;
	return srv_reply(r, 200, tax_law_describe(law), err);
}

/* ---- Roll, intake, holds ---------------------------------------------------- */

static int f_roll(tax_unit *u, door *d, at_error *err)
{
	return tax_roll_build(d, u->r->kr, u->fy, &u->out, err);
}

static int h_roll(req *r, at_error *err)
{
	return in_door(r, f_roll, "", err);
}

typedef struct intake_unit {
	req *r;
	int fy;
	tax_doc_kind kind;
	const char *data;
	json_t *out;
} intake_unit;

static int f_intake(door *d, void *arg, at_error *err)
{
	intake_unit *u = arg;
	return tax_intake(d, u->r->kr, u->fy, u->kind, u->data, strlen(u->data), &u->out, err);
}

static int h_intake(req *r, at_error *err)
{
	static const char *const keys[] = {"fiscal_year", "kind", "data", NULL};
	const char *kind_s = NULL, *data = NULL;
	int64_t fy = 0;
	if (jv_no_unknown(r->json, "", keys, err) ||
	    jv_int(r->json, "", "fiscal_year", true, 2000, 2100, &fy, err) ||
	    jv_string(r->json, "", "kind", true, 16, &kind_s, err) ||
	    jv_string(r->json, "", "data", true, JV_MAX_BODY, &data, err))
		return -1;
	intake_unit u = {r, (int)fy, tax_doc_kind_parse(kind_s), data, NULL};
	if (!u.kind)
		return at_fail(err, 400, AT_E_INVALID, "kind",
			       "kind must be salary, pension, return or onestop");
	if (srv_unit(r, "", f_intake, &u, err)) {
		json_decref(u.out);
		return -1;
	}
	return srv_reply(r, 200, u.out, err);
}

/* ?after=CURSOR&limit=N of a list that pages (tax.h: tax_page). The cursor
 * may be an addressee number ("0000000001": the employer's notice). */
static int page_q(req *r, tax_page *pg, at_error *err)
{
	const char *a = srv_query(r, "after"), *l = srv_query(r, "limit");
	pg->after = pg->limit = 0;
	while (a && a[0] == '0' && a[1])
		a++;
	return (a && srv_parse_int(a, 0, INT64_MAX, "after", &pg->after, err)) ||
	       (l && srv_parse_int(l, 1, 100000, "limit", &pg->limit, err)) ? -1 : 0;
}

static int f_holds(tax_unit *u, door *d, at_error *err)
{
	tax_page pg;
	return page_q(u->r, &pg, err) || tax_holds(d, u->fy, &pg, &u->out, err) ? -1 : 0;
}

static int h_holds(req *r, at_error *err)
{
	return in_door(r, f_holds, "", err);
}

static int f_hold_decide(door *d, void *arg, at_error *err)
{
	tax_unit *u = arg;
	return tax_hold_decide(d, u->r->kr, u->r->id, u->r->json, &u->out, err);
}

static int h_hold_decide(req *r, at_error *err)
{
	tax_unit u = {.r = r};
	if (srv_unit(r, "", f_hold_decide, &u, err)) {
		json_decref(u.out);
		return -1;
	}
	return srv_reply(r, 200, u.out, err);
}

static int f_forwarding(tax_unit *u, door *d, at_error *err)
{
	tax_page pg;
	return page_q(u->r, &pg, err) || tax_forwarding(d, u->fy, &pg, &u->out, err) ? -1 : 0;
}

static int h_forwarding(req *r, at_error *err)
{
	return in_door(r, f_forwarding, "", err);
}

static int f_double(tax_unit *u, door *d, at_error *err)
{
	json_t *l = NULL;
	if (tax_double_dependants(d, u->fy, &l, err) ||
	    door_note(d, "tax.double_dependants", AUDIT_OK, "", "list", err)) {
		json_decref(l);
		return -1;
	}
	u->out = json_pack("{s:o}", "double_dependants", l);
	return 0;
}

static int h_double(req *r, at_error *err)
{
	return in_door(r, f_double, "", err);
}

/* ---- Batch and corrections --------------------------------------------------- */

static int h_assess(req *r, at_error *err)
{
	const tax_law *law = tax_law_shared(err);
	int fy = 0;
	if (!law || fiscal_year_q(r, &fy, err))
		return -1;
	json_t *out = NULL;
	if (tax_assess(r->s, r->kr, &r->ctx, law, fy, TAX_ASSESS_CHUNK, &out, err))
		return srv_refused(r, "", err);
	return srv_reply(r, 200, out, err);
}

static int h_reassess(req *r, at_error *err)
{
	const tax_law *law = tax_law_shared(err);
	int fy = 0;
	if (!law || fiscal_year_q(r, &fy, err))
		return -1;
	json_t *out = NULL;
	if (tax_reassess(r->s, r->kr, &r->ctx, law, fy, date_today(), 0, &out, err))
		return srv_refused(r, "", err);
	return srv_reply(r, 200, out, err);
}

/* ---- A person, documents --------------------------------------------------------- */

static int f_person(tax_unit *u, door *d, at_error *err)
{
	return tax_person(d, u->r->kr, u->law, u->fy, u->r->param, &u->out, err);
}

static int h_person(req *r, at_error *err)
{
	return in_door(r, f_person, r->param, err);
}

typedef struct doc_unit {
	tax_unit t;
	bool employer, pdf;
	strbuf body;
} doc_unit;

static int f_document(door *d, void *arg, at_error *err)
{
	doc_unit *u = arg;
	req *r = u->t.r;
	tax_page pg = {0};
	if (u->employer && page_q(r, &pg, err))
		return -1;
	int rc = u->employer
			 ? tax_employer_notice(d, r->kr, u->t.law, u->t.fy, r->param, &pg, &u->t.out,
					       err)
			 : tax_document(d, r->kr, u->t.law, u->t.fy, r->param, u->t.kind, &u->t.out,
					err);
	if (rc)
		return -1;
	/* Rendered before the commit: a notice that could not be produced is
	 * not recorded as issued. */
	return u->pdf ? document_render_pdf(u->t.out, &u->body, err) : 0;
}

/* JSON, or the rendered PDF with ?format=pdf. */
static int document_reply(req *r, const char *kind, bool employer, at_error *err)
{
	doc_unit u = {.t = {.r = r, .kind = kind}, .employer = employer};
	if (fiscal_year_q(r, &u.t.fy, err) || !(u.t.law = tax_law_shared(err)))
		return -1;
	const char *fmt = srv_query(r, "format");
	if (fmt && strcmp(fmt, "pdf") && strcmp(fmt, "json"))
		return at_fail(err, 400, AT_E_INVALID, "format", "format must be json or pdf");
	u.pdf = fmt && !strcmp(fmt, "pdf");
	sb_init(&u.body);
	if (srv_unit(r, employer ? "" : r->param, f_document, &u, err)) {
		json_decref(u.t.out);
		sb_release(&u.body);
		return -1;
	}
	if (!u.pdf)
		return srv_reply(r, 200, u.t.out, err);
	json_decref(u.t.out);
	char disp[128];
	snprintf(disp, sizeof disp, "inline; filename=\"%s-%d.pdf\"", employer ? "employer" : kind,
		 u.t.fy);
	return srv_reply_bytes(r, 200, "application/pdf", disp, &u.body, err);
}

static int h_document(req *r, at_error *err)
{
	int fy = 0;
	if (fiscal_year_q(r, &fy, err))
		return -1;
	const char *kind = srv_query(r, "kind");
	if (!kind || !srv_is_ident(kind))
		return at_fail(err, 400, AT_E_INVALID, "kind",
			       "kind must be tax_decision, special_collection_employee or tax_certificate");
	return document_reply(r, kind, false, err);
}

static int h_employer_notice(req *r, at_error *err)
{
	int fy = 0;
	if (fiscal_year_q(r, &fy, err))
		return -1;
	size_t n = strlen(r->param);
	bool ok = n >= 1 && n <= 31;
	for (size_t i = 0; ok && i < n; i++)
		ok = (r->param[i] >= '0' && r->param[i] <= '9') ||
		     (r->param[i] >= 'A' && r->param[i] <= 'Z') || r->param[i] == '-';
	if (!ok)
		return at_fail(err, 400, AT_E_INVALID, "payer_id",
			       "path parameter payer_id must be 1 to 31 digits, capitals or -");
	return document_reply(r, "special_collection_employer", true, err);
}

/* ---- The tax module's entries of the route table ------------------------------------ */

static const char *const fy_params[] = {"fiscal_year", NULL};
static const char *const page_params[] = {"fiscal_year", "after", "limit", NULL};
static const char *const sched_params[] = {"method", "annual", "fiscal_year", "previous_annual",
					   NULL};
static const char *const doc_params[] = {"fiscal_year", "kind", "format", NULL};
static const char *const emp_params[] = {"fiscal_year", "format", "after", "limit", NULL};

#define TB TAX_BUSINESS
const route tax_routes[] = {
	{"GET", "/tax/law", R_PURPOSE, TB, 0, h_law, NULL},
	{"POST", "/tax/compute", R_PURPOSE | R_BODY, TB, 0, h_compute, NULL},
	{"GET", "/tax/schedule", R_PURPOSE, TB, 0, h_schedule, sched_params},
	{"POST", "/tax/roll", R_PURPOSE, TB, DOOR_WRITE, h_roll, fy_params},
	{"POST", "/tax/intake", R_PURPOSE | R_BODY, TB, DOOR_WRITE, h_intake, NULL},
	{"GET", "/tax/holds", R_PURPOSE, TB, DOOR_READ, h_holds, page_params},
	{"POST", "/tax/holds/{id}/decision", R_PURPOSE | R_BODY, TB, DOOR_WRITE, h_hold_decide,
	 NULL},
	{"GET", "/tax/forwarding", R_PURPOSE, TB, DOOR_READ, h_forwarding, page_params},
	{"GET", "/tax/double-dependants", R_PURPOSE, TB, DOOR_READ, h_double, fy_params},
	{"POST", "/tax/assess", R_PURPOSE, TB, 0, h_assess, fy_params},
	{"POST", "/tax/reassess", R_PURPOSE, TB, 0, h_reassess, fy_params},
	{"GET", "/tax/persons/{addressee_no}", R_PURPOSE, TB, DOOR_READ, h_person, fy_params},
	{"GET", "/tax/persons/{addressee_no}/document", R_PURPOSE, TB, DOOR_READ, h_document,
	 doc_params},
	{"GET", "/tax/employers/{payer_id}/notice", R_PURPOSE, TB, DOOR_READ, h_employer_notice,
	 emp_params},
	{NULL, NULL, 0, NULL, 0, NULL, NULL},
};
