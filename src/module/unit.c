/*
 * unit.c — the one dispatcher of a module's unit of work and the one rule
 * for auditing its refusals (unit.h).
 */
#include "module/unit.h"

#include <stdio.h>
#include <string.h>

#include "audit/audit.h"
#include "core/date.h"
#include "policy/grant.h"
#include "policy/staff.h"

void unit_refused(const unit *u, const at_error *e)
{
	/* Written once: a refusal the door already wrote is not written again. */
	if (e->audited || e->status < 400 || e->status >= 500 || e->status == 401)
		return;
	at_error copy = *e, le;
	at_error_clear(&le);
	if (door_log_refusal(u->s, u->ctx, u->operation, u->subject, &copy, &le))
		fprintf(stderr, "atena: could not audit %s (%s %s): %s\n", u->operation, e->code,
			e->field, le.message);
}

int unit_need_grant(const unit *u, at_error *err)
{
	const door_ctx *c = u->ctx;
	if (grant_check(u->s, c->staff_id, c->business, GRANT_VIEW, time_now()))
		return 0;
	at_fail(err, 403, "no_grant", "business", "%s holds no current view grant for business %s",
		c->staff_id, c->business);
	unit_refused(u, err);
	return -1;
}

int unit_run(const unit *u, unit_fn fn, void *arg, at_error *err)
{
	door *d = NULL;
	/* The door's own refusals (at the open, or of a file) name the unit's
	 * operation and person, like the ones written here. */
	door_ctx ctx = *u->ctx;
	ctx.operation = u->operation;
	ctx.subject = u->subject;
	/* The module's own handle: only through it may the module's files be
	 * written (door.h owner handles). */
	if (door_open_owner(u->s, u->kr, &ctx, u->mode, u->owner, &d, err))
		return UNIT_OPEN_REFUSED;
	if (u->session && staff_session_touch(u->s, u->session, err)) {
		door_abort(d);
		return -1;
	}
	if (fn(d, arg, err)) {
		/* A refusal the module or the door kept through the abort
		 * (door_note_refusal: a support measure, a file refused) is in the
		 * log already. */
		if (door_refusal_written(d))
			err->audited = true;
		door_abort(d);   /* nothing the door did stays ... */
		unit_refused(u, err);   /* ... but the refusal does */
		return -1;
	}
	return door_commit(d, err);
}
