/*
 * The door (door.h), phase 1: the unit of work — opening (the context, the
 * grant, the owner module), the audit helpers every operation uses, commit and
 * abort with the refusals and alerts that must outlive a rollback.
 * Everything here runs inside a spine section (door_int.h).
 */
#include "door_int.h"

#include "policy/decl.h"
#include "policy/grant.h"
#include "policy/staff.h"

int dr_note(door *d, const char *op, const char *outcome, const char *subject,
	    const char *items, const char *detail, at_error *err)
{
	audit_event ev = {
		.staff_id = d->staff, .department = d->dept, .terminal_id = d->terminal,
		.business = d->business, .reason = d->reason, .case_id = d->case_id,
		.subject = subject, .items = items, .operation = op, .outcome = outcome,
		.detail = detail,
	};
	return audit_append(d->s, &ev, NULL, err);
}

/* dr_note(), remembered so that door_abort can write it again after the rollback. */
int dr_note_sticky(door *d, const char *op, const char *outcome, const char *subject,
		   const char *items, const char *detail, at_error *err)
{
	if (dr_note(d, op, outcome, subject, items, detail, err))
		return -1;
	json_array_append_new(d->sticky, json_pack("[s,s,s,s,s]", op, outcome, subject ? subject : "",
						   items ? items : "", detail ? detail : ""));
	return 0;
}

int door_note_refusal(door *d, const char *operation, const char *subject, const char *detail,
		      at_error *err)
{
	store_spine_enter(d->s);
	int rc = dr_note_sticky(d, operation, AUDIT_DENIED, subject, "", detail, err);
	store_spine_leave(d->s);
	d->refused = true;
	return rc;
}

bool door_refusal_written(const door *d)
{
	return d && d->refused;
}

/* The one format of a refusal: outcome by status, detail code and field.
 * 403 and 429 (a search past the staff member's volume limit) are policy
 * refusals; the rest refused a malformed input. */
static const char *refusal_outcome(const at_error *e)
{
	return e->status == 403 || e->status == 429 ? AUDIT_DENIED : AUDIT_INVALID;
}

static void refusal_detail(const at_error *e, char *out, size_t n)
{
	snprintf(out, n, "%s %s", e->code, e->field);
}

int door_log_refusal(store *s, const door_ctx *c, const char *operation, const char *subject,
		     at_error *e, at_error *err)
{
	char det[200];
	refusal_detail(e, det, sizeof det);
	audit_event ev = {
		.staff_id = c->staff_id, .department = c->department, .terminal_id = c->terminal_id,
		.business = c->business, .reason = c->reason, .case_id = c->case_id,
		.subject = subject ? subject : "", .items = "", .operation = operation,
		.outcome = refusal_outcome(e), .detail = det,
	};
	store_spine_enter(s);
	int rc = audit_append_now(s, &ev, err);
	store_spine_leave(s);
	if (rc == 0)
		e->audited = true;
	return rc;
}

int dr_refuse(door *d, const char *op, const char *subject, at_error *err)
{
	char det[200];
	refusal_detail(err, det, sizeof det);
	at_error e;
	at_error_clear(&e);
	if (dr_note_sticky(d, *d->operation ? d->operation : op, refusal_outcome(err),
			   subject && *subject ? subject : d->subject, "", det, &e) == 0) {
		d->refused = true;
		err->audited = true;
	}
	return -1;
}

int door_note(door *d, const char *operation, const char *outcome, const char *subject,
	      const char *detail, at_error *err)
{
	store_spine_enter(d->s);
	int rc = dr_note(d, operation, outcome, subject, "", detail, err);
	store_spine_leave(d->s);
	return rc;
}

store *door_store(door *d)
{
	return d->s;
}

door_mode door_mode_of(const door *d)
{
	return d->mode;
}

/* ---- Owner modules ---- */

/* Registered at startup (door_register_owner), read by every door after. */
static const door_owner *owners[DOOR_MAX_OWNERS];
static size_t n_owners;

const door_owner *dr_registered_owner(const char *module)
{
	for (size_t i = 0; i < n_owners; i++)
		if (!strcmp(owners[i]->module, module))
			return owners[i];
	return NULL;
}

int door_register_owner(const door_owner *o, at_error *err)
{
	if (!o || !policy_id_ok(o->module))
		return at_fail(err, 400, AT_E_INVALID, "module",
			       "an owner handle names its module as an identifier ([a-z][a-z0-9_]*)");
	const door_owner *have = dr_registered_owner(o->module);
	if (have == o)
		return 0;
	if (have)
		return at_fail(err, 409, AT_E_CONFLICT, "module",
			       "module %s already registered its owner handle; a second one is refused",
			       o->module);
	if (n_owners == DOOR_MAX_OWNERS)
		return at_fail(err, 500, AT_E_INTERNAL, "module", "more than %d owner modules",
			       DOOR_MAX_OWNERS);
	owners[n_owners++] = o;
	return 0;
}

/* ---- Opening ---- */

void dr_copy(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src ? src : "");
}

/* A refusal at the door: logged in a transaction of its own, since nothing
 * else of the request will commit; under the unit's operation and subject
 * when the caller gave them. The outcome follows from err's status. */
static int refuse(store *s, const door_ctx *c, at_error *err)
{
	at_error e;
	at_error_clear(&e);
	if (door_log_refusal(s, c, c->operation && *c->operation ? c->operation : "open", c->subject,
			     err, &e))
		fprintf(stderr, "atena: could not audit a refused open: %s\n", e.message);
	return -1;
}

int door_open(store *s, const keyring *kr, const door_ctx *c, door_mode mode, door **out,
	      at_error *err)
{
	return door_open_owner(s, kr, c, mode, NULL, out, err);
}

int door_open_owner(store *s, const keyring *kr, const door_ctx *c, door_mode mode,
		    const door_owner *owner, door **out, at_error *err)
{
	*out = NULL;
	/* Only the registered instance is the handle: a look-alike struct is not. */
	if (owner && (!owner->module || dr_registered_owner(owner->module) != owner))
		return at_fail(err, 500, AT_E_INTERNAL, "owner",
			       "module %s opened the door with a handle it did not register",
			       owner->module ? owner->module : "(unnamed)");
	if (!c->staff_id || !*c->staff_id || !c->terminal_id || !*c->terminal_id)
		return at_fail(err, 401, AT_E_AUTH, "", "no staff session: staff and terminal are required");
	if (!c->business || !*c->business) {
		at_fail(err, 400, AT_E_MISSING, "business",
			"every access names the business it is for (X-Atena-Business)");
		return refuse(s, c, err);
	}
	if (!c->reason || !*c->reason) {
		at_fail(err, 400, AT_E_MISSING, "reason",
			"every access gives its reason (X-Atena-Reason)");
		return refuse(s, c, err);
	}
	if (text_check(c->business, "business", 64, false, 0, err) ||
	    text_check(c->reason, "reason", 200, false, 0, err) ||
	    (c->case_id && text_check(c->case_id, "case", 64, true, 0, err)))
		return refuse(s, c, err);
	/* The checks below and the work that follows see one snapshot: a grant
	 * revoked meanwhile cannot slip between the check and the access. */
	if (store_begin(s, err))
		return -1;
	staff_info who;
	grant_access need = mode == DOOR_WRITE ? GRANT_UPDATE : GRANT_VIEW;
	if (!decl_business_exists(s, c->business)) {
		at_fail(err, 400, AT_E_INVALID, "business", "%s is not a declared business", c->business);
		store_rollback(s);
		return refuse(s, c, err);
	}
	if (staff_get(s, c->staff_id, &who, err) || who.locked) {
		at_fail(err, 403, AT_E_FORBIDDEN, "staff", "%s is not an active staff member", c->staff_id);
		store_rollback(s);
		return refuse(s, c, err);
	}
	if (!grant_check(s, c->staff_id, c->business, need, time_now())) {
		at_fail(err, 403, "no_grant", "business",
			"%s holds no current %s grant for business %s", c->staff_id,
			need == GRANT_UPDATE ? "update" : "view", c->business);
		store_rollback(s);
		return refuse(s, c, err);
	}
	bool number_using;
	if (decl_business_number_using(s, c->business, &number_using, err)) {
		store_rollback(s);
		return -1;
	}
	door *d = calloc(1, sizeof *d);
	if (!d)
		abort();
	d->s = s;
	d->kr = kr;
	d->mode = mode;
	d->owner = owner;
	d->number_using = number_using;
	dr_copy(d->staff, sizeof d->staff, c->staff_id);
	dr_copy(d->dept, sizeof d->dept, c->department && *c->department ? c->department : who.department);
	dr_copy(d->terminal, sizeof d->terminal, c->terminal_id);
	dr_copy(d->business, sizeof d->business, c->business);
	dr_copy(d->reason, sizeof d->reason, c->reason);
	dr_copy(d->case_id, sizeof d->case_id, c->case_id);
	dr_copy(d->operation, sizeof d->operation, c->operation);
	dr_copy(d->subject, sizeof d->subject, c->subject);
	d->sticky = json_array();
	*out = d;
	return 0;
}

int door_commit(door *d, at_error *err)
{
	int rc = store_commit(d->s, err);
	json_decref(d->sticky);
	dr_free_meta(d);
	free(d);
	return rc;
}

void door_abort(door *d)
{
	if (!d)
		return;
	store_rollback(d->s);
	/* Refusals and alerts are evidence: they outlive the work they were part of. */
	size_t i;
	json_t *e;
	store_spine_enter(d->s);
	json_array_foreach(d->sticky, i, e) {
		audit_event ev = {
			.staff_id = d->staff, .department = d->dept, .terminal_id = d->terminal,
			.business = d->business, .reason = d->reason, .case_id = d->case_id,
			.operation = json_string_value(json_array_get(e, 0)),
			.outcome = json_string_value(json_array_get(e, 1)),
			.subject = json_string_value(json_array_get(e, 2)),
			.items = json_string_value(json_array_get(e, 3)),
			.detail = json_string_value(json_array_get(e, 4)),
		};
		at_error ignored;
		audit_append_now(d->s, &ev, &ignored);
	}
	store_spine_leave(d->s);
	json_decref(d->sticky);
	dr_free_meta(d);
	free(d);
}
