/*
 * server_tax.c — the individual resident tax's routes (/tax/...): the single
 * computation, schedules, the roll, intake and matching, holds, forwarding,
 * 二重扶養, the annual batch, corrections, a person's assessment and the
 * notices and certificates (JSON or PDF).
 *
 * Every route acts under business individual_resident_tax only. Bulk intake
 * travels as JSON ({"fiscal_year","kind","data"}: the file's lines as one
 * string) within the 1 MiB body limit, a few thousand records per request;
 * a whole spring's files go through `atena tax intake`.
 */
#include "server/server_int.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "core/date.h"
#include "core/json.h"
#include "core/text.h"
#include "documents/documents.h"
#include "policy/platform.h"
#include "tax/engine.h"
#include "tax/law.h"
#include "tax/schedule.h"
#include "tax/tax.h"

/* The law is read-only once loaded: one copy for every thread. */
static tax_law *g_law;
static at_error g_law_err;
static pthread_once_t g_law_once = PTHREAD_ONCE_INIT;

static void load_law(void)
{
	if (tax_law_load_builtin(&g_law, &g_law_err))
		g_law = NULL;
}

static const tax_law *law_get(at_error *err)
{
	pthread_once(&g_law_once, load_law);
	if (!g_law) {
		*err = g_law_err;
		return NULL;
	}
	return g_law;
}

/* A client refusal (4xx, not 401) is logged with the person it was about. */
static void audit_refusal(req *r, const char *subject, const at_error *e)
{
	if (e->status >= 400 && e->status < 500 && e->status != 401)
		srv_audit_refusal(r, subject, e->status == 403 ? AUDIT_DENIED : AUDIT_INVALID, e);
}

/* Every tax route acts under business individual_resident_tax only; any
 * other is refused here (audited). */
static int require_tax(req *r, at_error *err)
{
	if (!strcmp(r->ctx.business, TAX_BUSINESS))
		return 0;
	at_fail(err, 403, AT_E_FORBIDDEN, "X-Atena-Business",
		"the resident tax is used only under business " TAX_BUSINESS);
	audit_refusal(r, "", err);
	return -1;
}

static int tax_open(req *r, door_mode mode, door **d, at_error *err)
{
	return require_tax(r, err) ? -1 : srv_open_door_owner(r, &tax_owner, mode, d, err);
}

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

/* A unit of work under one door: fn fills *out; commit; reply. */
typedef int (*tax_door_fn)(req *r, door *d, int fy, json_t **out, at_error *err);

static int in_door(req *r, door_mode mode, tax_door_fn fn, const char *subject, at_error *err)
{
	int fy = 0;
	if (fiscal_year_q(r, &fy, err))
		return -1;
	door *d;
	if (tax_open(r, mode, &d, err))
		return -1;
	json_t *out = NULL;
	if (fn(r, d, fy, &out, err)) {
		json_decref(out);
		door_abort(d);
		audit_refusal(r, subject, err);
		return -1;
	}
	if (door_commit(d, err)) {
		json_decref(out);
		return -1;
	}
	return srv_reply(r, 200, out, err);
}

/* ---- Computation ----------------------------------------------------------- */

int h_tax_compute(req *r, at_error *err)
{
	const tax_law *law = law_get(err);
	if (!law)
		return -1;
	if (require_tax(r, err))
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

int h_tax_schedule(req *r, at_error *err)
{
	const tax_law *law = law_get(err);
	if (!law)
		return -1;
	int fy = 0;
	int64_t annual = 0, prev = 0;
	const char *method = srv_query(r, "method");
	if (fiscal_year_q(r, &fy, err))
		return -1;
	if (!method || (strcmp(method, "special") && strcmp(method, "ordinary") &&
			strcmp(method, "pension")))
		return at_fail(err, 400, AT_E_INVALID, "method",
			       "method must be special, ordinary or pension");
	const char *a = srv_query(r, "annual"), *p = srv_query(r, "previous_annual");
	if (!a)
		return at_fail(err, 400, AT_E_MISSING, "annual", "query parameter annual is required");
	if (srv_parse_int(a, 0, TAX_ANNUAL_MAX, "annual", &annual, err) ||
	    (p && srv_parse_int(p, 0, TAX_ANNUAL_MAX, "previous_annual", &prev, err)))
		return -1;
	char muni[8];
	if (platform_municipality(r->s, muni, err))
		return -1;
	if (!tax_law_has_year(law, fy))
		return at_fail(err, 400, AT_E_INVALID, "fiscal_year", "no tax law data for %d", fy);
	int64_t unit = tax_law_installment_unit(law, muni), excess = 0;
	tax_installment inst[TAX_SCHEDULE_MAX];
	size_t n = !strcmp(method, "special") ? 12 : 4;
	int rc = !strcmp(method, "special")    ? tax_schedule_special(annual, fy, inst, err)
		 : !strcmp(method, "ordinary") ? tax_schedule_ordinary(annual, fy, unit, inst, err)
					       : tax_schedule_pension(annual, prev, fy, unit, inst, &n,
								      &excess, err);
	if (rc)
		return -1;
	return srv_reply(r, 200, json_pack("{s:o}", "installments", tax_schedule_to_json(inst, n)),
			 err);
}

int h_tax_law(req *r, at_error *err)
{
	const tax_law *law = law_get(err);
	if (!law)
		return -1;
	return srv_reply(r, 200, tax_law_describe(law), err);
}

/* ---- Roll, intake, holds ---------------------------------------------------- */

static int f_roll(req *r, door *d, int fy, json_t **out, at_error *err)
{
	return tax_roll_build(d, r->kr, fy, out, err);
}

int h_tax_roll(req *r, at_error *err)
{
	return in_door(r, DOOR_WRITE, f_roll, "", err);
}

int h_tax_intake(req *r, at_error *err)
{
	static const char *const keys[] = {"fiscal_year", "kind", "data", NULL};
	const char *kind_s = NULL, *data = NULL;
	int64_t fy = 0;
	if (jv_no_unknown(r->json, "", keys, err) ||
	    jv_int(r->json, "", "fiscal_year", true, 2000, 2100, &fy, err) ||
	    jv_string(r->json, "", "kind", true, 16, &kind_s, err) ||
	    jv_string(r->json, "", "data", true, JV_MAX_BODY, &data, err))
		return -1;
	tax_doc_kind k = tax_doc_kind_parse(kind_s);
	if (!k)
		return at_fail(err, 400, AT_E_INVALID, "kind",
			       "kind must be salary, pension, return or onestop");
	door *d;
	if (tax_open(r, DOOR_WRITE, &d, err))
		return -1;
	json_t *out = NULL;
	if (tax_intake(d, r->kr, (int)fy, k, data, strlen(data), &out, err)) {
		door_abort(d);
		audit_refusal(r, "", err);
		return -1;
	}
	if (door_commit(d, err)) {
		json_decref(out);
		return -1;
	}
	return srv_reply(r, 200, out, err);
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

static int f_holds(req *r, door *d, int fy, json_t **out, at_error *err)
{
	tax_page pg;
	return page_q(r, &pg, err) || tax_holds(d, fy, &pg, out, err) ? -1 : 0;
}

int h_tax_holds(req *r, at_error *err)
{
	return in_door(r, DOOR_READ, f_holds, "", err);
}

int h_tax_hold_decide(req *r, at_error *err)
{
	door *d;
	if (tax_open(r, DOOR_WRITE, &d, err))
		return -1;
	json_t *out = NULL;
	if (tax_hold_decide(d, r->kr, r->id, r->json, &out, err)) {
		door_abort(d);
		audit_refusal(r, "", err);
		return -1;
	}
	if (door_commit(d, err)) {
		json_decref(out);
		return -1;
	}
	return srv_reply(r, 200, out, err);
}

static int f_forwarding(req *r, door *d, int fy, json_t **out, at_error *err)
{
	tax_page pg;
	return page_q(r, &pg, err) || tax_forwarding(d, fy, &pg, out, err) ? -1 : 0;
}

int h_tax_forwarding(req *r, at_error *err)
{
	return in_door(r, DOOR_READ, f_forwarding, "", err);
}

static int f_double(req *r, door *d, int fy, json_t **out, at_error *err)
{
	(void)r;
	json_t *l = NULL;
	if (tax_double_dependants(d, fy, &l, err) ||
	    door_note(d, "tax.double_dependants", AUDIT_OK, "", "list", err)) {
		json_decref(l);
		return -1;
	}
	*out = json_pack("{s:o}", "double_dependants", l);
	return 0;
}

int h_tax_double(req *r, at_error *err)
{
	return in_door(r, DOOR_READ, f_double, "", err);
}

/* ---- Batch and corrections --------------------------------------------------- */

int h_tax_assess(req *r, at_error *err)
{
	const tax_law *law = law_get(err);
	int fy = 0;
	if (!law || fiscal_year_q(r, &fy, err))
		return -1;
	if (require_tax(r, err))
		return -1;
	json_t *out = NULL;
	if (tax_assess(r->s, r->kr, &r->ctx, law, fy, 2000, &out, err)) {
		audit_refusal(r, "", err);
		return -1;
	}
	return srv_reply(r, 200, out, err);
}

int h_tax_reassess(req *r, at_error *err)
{
	const tax_law *law = law_get(err);
	int fy = 0;
	if (!law || fiscal_year_q(r, &fy, err))
		return -1;
	if (require_tax(r, err))
		return -1;
	json_t *out = NULL;
	at_date today = date_today();
	if (tax_reassess(r->s, r->kr, &r->ctx, law, fy, today, 0, &out, err)) {
		audit_refusal(r, "", err);
		return -1;
	}
	return srv_reply(r, 200, out, err);
}

/* ---- A person, documents --------------------------------------------------------- */

static int f_person(req *r, door *d, int fy, json_t **out, at_error *err)
{
	const tax_law *law = law_get(err);
	return law ? tax_person(d, r->kr, law, fy, r->param, out, err) : -1;
}

int h_tax_person(req *r, at_error *err)
{
	return in_door(r, DOOR_READ, f_person, r->param, err);
}

/* JSON, or the rendered PDF with ?format=pdf. */
static int document_reply(req *r, int fy, const char *kind, bool employer, at_error *err)
{
	const tax_law *law = law_get(err);
	if (!law)
		return -1;
	const char *fmt = srv_query(r, "format");
	if (fmt && strcmp(fmt, "pdf") && strcmp(fmt, "json"))
		return at_fail(err, 400, AT_E_INVALID, "format", "format must be json or pdf");
	bool pdf = fmt && !strcmp(fmt, "pdf");
	door *d;
	if (tax_open(r, DOOR_READ, &d, err))
		return -1;
	json_t *doc = NULL;
	tax_page pg = {0};
	if (employer && page_q(r, &pg, err)) {
		door_abort(d);
		return -1;
	}
	int rc = employer ? tax_employer_notice(d, r->kr, law, fy, r->param, &pg, &doc, err)
			  : tax_document(d, r->kr, law, fy, r->param, kind, &doc, err);
	if (rc) {
		json_decref(doc);
		door_abort(d);
		audit_refusal(r, employer ? "" : r->param, err);
		return -1;
	}
	if (!pdf) {
		if (door_commit(d, err)) {
			json_decref(doc);
			return -1;
		}
		return srv_reply(r, 200, doc, err);
	}
	strbuf body = STRBUF_INIT;
	sb_init(&body);
	if (document_render_pdf(doc, &body, err)) {
		json_decref(doc);
		sb_release(&body);
		door_abort(d);
		return -1;
	}
	json_decref(doc);
	if (door_commit(d, err)) {
		sb_release(&body);
		return -1;
	}
	char disp[128];
	snprintf(disp, sizeof disp, "inline; filename=\"%s-%d.pdf\"", employer ? "employer" : kind,
		 fy);
	return srv_reply_bytes(r, 200, "application/pdf", disp, &body, err);
}

int h_tax_document(req *r, at_error *err)
{
	int fy = 0;
	if (fiscal_year_q(r, &fy, err))
		return -1;
	const char *kind = srv_query(r, "kind");
	if (!kind || !srv_is_ident(kind))
		return at_fail(err, 400, AT_E_INVALID, "kind",
			       "kind must be tax_decision, special_collection_employee or tax_certificate");
	return document_reply(r, fy, kind, false, err);
}

int h_tax_employer_notice(req *r, at_error *err)
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
	return document_reply(r, fy, "special_collection_employer", true, err);
}
