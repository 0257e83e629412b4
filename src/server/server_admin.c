/*
 * server_admin.c — routes about the system rather than residents' records:
 * health, the declarations, the audit log (read under business
 * "audit_review", the look itself logged) and the grant ledger (admins,
 * business "administration").
 */
#include "server/server_int.h"

#include <stdio.h>
#include <string.h>

#include "audit/audit.h"
#include "core/date.h"
#include "core/json.h"
#include "core/text.h"
#include "policy/decl.h"
#include "policy/grant.h"

#define AUDIT_BUSINESS "audit_review"
#define ADMIN_BUSINESS "administration"

int h_healthz(req *r, at_error *err)
{
	return srv_reply(r, 200, json_pack("{s:s}", "status", "ok"), err);
}

int h_declarations(req *r, at_error *err)
{
	json_t *out;
	if (decl_export(r->s, &out, err))
		return -1;
	return srv_reply(r, 200, out, err);
}

/* A refusal by this layer (not the door): audited by the one rule, then returned. */
static int deny(req *r, at_error *err, const char *field, const char *msg)
{
	at_fail(err, 403, AT_E_FORBIDDEN, field, "%s", msg);
	return srv_refused(r, "", err);
}

static int time_param(req *r, const char *name, int64_t *out, at_error *err)
{
	const char *v = srv_query(r, name);
	if (!v)
		return 0;
	if (time_parse(v, out, name, err))
		return at_fail(err, 400, AT_E_INVALID, name,
			       "query parameter %s must be a date (YYYY-MM-DD) or an instant "
			       "(YYYY-MM-DDTHH:MM:SSZ)",
			       name);
	return 0;
}

typedef struct audit_call {
	const audit_filter *f;
	json_t *events;
} audit_call;

static int f_audit_events(door *d, void *arg, at_error *err)
{
	audit_call *c = arg;
	const audit_filter *f = c->f;
	json_t *events;   /* one page: events, truncated, next_after */
	if (audit_query_page(door_store(d), f, &events, err))
		return -1;
	/* Reading the log is itself an access to personal data: log the filter. */
	char detail[256];
	snprintf(detail, sizeof detail, "filter staff=%s from=%lld to=%lld after=%lld limit=%lld",
		 f->staff_id ? f->staff_id : "", (long long)f->from, (long long)f->to,
		 (long long)f->after_seq, (long long)f->limit);
	if (door_note(d, "audit_query", AUDIT_OK, f->subject ? f->subject : "", detail, err)) {
		json_decref(events);
		return -1;
	}
	c->events = events;
	return 0;
}

int h_audit_events(req *r, at_error *err)
{
	if (strcmp(r->ctx.business, AUDIT_BUSINESS))
		return deny(r, err, "X-Atena-Business",
			    "the audit log can be read only under business " AUDIT_BUSINESS);
	audit_filter f = {0};
	f.subject = srv_query(r, "subject");
	f.staff_id = srv_query(r, "staff");
	if ((f.subject && text_check(f.subject, "subject", 64, false, 0, err)) ||
	    (f.staff_id && text_check(f.staff_id, "staff", 64, false, 0, err)))
		return -1;
	const char *after = srv_query(r, "after"), *limit = srv_query(r, "limit");
	if (time_param(r, "from", &f.from, err) || time_param(r, "to", &f.to, err) ||
	    (after && srv_parse_int(after, 0, SRV_MAX_ID, "after", &f.after_seq, err)) ||
	    (limit && srv_parse_int(limit, 1, 1000, "limit", &f.limit, err)))
		return -1;
	if (f.from && f.to && f.from > f.to)
		return at_fail(err, 400, AT_E_INVALID, "from", "from must not be later than to");

	audit_call c = {.f = &f};
	/* The unit's door checks the view grant for audit_review (refused and
	 * audited by the door). */
	if (srv_unit(r, f.subject ? f.subject : "", f_audit_events, &c, err)) {
		json_decref(c.events);   /* the commit failed: nothing is answered */
		return -1;
	}
	return srv_reply(r, 200, c.events, err);
}

int h_grants(req *r, at_error *err)
{
	if (!r->who.admin)
		return deny(r, err, "", "the grant ledger is for administrators");
	if (strcmp(r->ctx.business, ADMIN_BUSINESS))
		return deny(r, err, "X-Atena-Business",
			    "the grant ledger can be read only under business " ADMIN_BUSINESS);
	const char *staff = srv_query(r, "staff");
	if (staff && text_check(staff, "staff", 64, false, 0, err))
		return -1;
	json_t *ledger;
	if (grant_ledger(r->s, staff, &ledger, err))
		return -1;
	/* No door here (grants are not a declared file), so log the read
	 * ourselves, and answer only once the event is stored. */
	char detail[128];
	snprintf(detail, sizeof detail, "grant_ledger staff=%s", staff ? staff : "*");
	if (srv_audit_now(r, AUDIT_OK, detail, err)) {
		json_decref(ledger);
		return -1;
	}
	return srv_reply(r, 200, json_pack("{s:o}", "grants", ledger), err);
}
