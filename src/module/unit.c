/*
 * unit.c — the one dispatcher of a module's unit of work and the one rule
 * for auditing its refusals (unit.h).
 */
#include "module/unit.h"

#include <stdio.h>
#include <string.h>

#include "audit/audit.h"
#include "policy/staff.h"

void unit_refused(const unit *u, const at_error *e)
{
	if (e->status < 400 || e->status >= 500 || e->status == 401 ||
	    !strcmp(e->code, "support_measure"))
		return;
	char detail[200];
	snprintf(detail, sizeof detail, "%s %s", e->code, e->field);
	const door_ctx *c = u->ctx;
	audit_event ev = {
		.staff_id = c->staff_id,
		.department = c->department,
		.terminal_id = c->terminal_id,
		.business = c->business,
		.reason = c->reason,
		.case_id = c->case_id,
		.subject = u->subject ? u->subject : "",
		.items = "",
		.operation = u->operation,
		.outcome = e->status == 403 ? AUDIT_DENIED : AUDIT_INVALID,
		.detail = detail,
	};
	at_error le;
	at_error_clear(&le);
	if (audit_append_now(u->s, &ev, &le))
		fprintf(stderr, "atena: could not audit %s (%s): %s\n", u->operation, ev.outcome,
			le.message);
}

int unit_run(const unit *u, unit_fn fn, void *arg, at_error *err)
{
	door *d = NULL;
	/* The module's own handle: only through it may the module's files be
	 * written (door.h owner handles). */
	if (door_open_owner(u->s, u->kr, u->ctx, u->mode, u->owner, &d, err))
		return UNIT_OPEN_REFUSED;
	if (u->session && staff_session_touch(u->s, u->session, err)) {
		door_abort(d);
		return -1;
	}
	if (fn(d, arg, err)) {
		door_abort(d);   /* nothing the door did stays ... */
		unit_refused(u, err);   /* ... but the refusal does */
		return -1;
	}
	return door_commit(d, err);
}
