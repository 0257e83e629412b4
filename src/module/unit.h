/*
 * unit — one operation of a module as one unit of work, the same for every
 * transport (DESIGN.md principle 9: transports only translate).
 *
 * An operation runs as: open the door (the business and mode come from the
 * route or command entry, the context from the transport's session) → the
 * module's function → commit; or, when the function refuses, abort and write
 * the refusal to the audit log in a transaction of its own, naming the
 * person it was about. The rule for which refusals are written lives here
 * once (unit_refused), so a refused `atena tax person` leaves the same event
 * (outcome, subject, business) as the same refusal over HTTP.
 *
 * The rule (DESIGN.md principle 4: a refused look at a resident is as
 * accountable as a granted one):
 *  - a client refusal (4xx) is written, outcome "denied" for 403 and
 *    "invalid" otherwise, with the subject, business, reason, case, staff and
 *    terminal; the detail is the error's code and field only, never its
 *    message (a message may quote input; details carry no personal data);
 *  - not written: 401 (no session: there is nobody to name), 5xx (a fault,
 *    not a refusal), and "support_measure" refusals, which the register and
 *    the door keep through the abort themselves (door_note_refusal);
 *  - a refusal when the door is opened is the door's own (door_open audits it).
 *
 * Typical use (a transport wraps it: srv_unit in server/route.h, cli_unit in
 * cli/cli.h):
 *     static int f_person(door *d, void *arg, at_error *err) { ... }
 *     unit u = {s, kr, &ctx, DOOR_READ, owner, "GET /api/v1/...", addressee_no};
 *     if (unit_run(&u, f_person, &st, &err)) return -1;
 */
#ifndef ATENA_MODULE_UNIT_H
#define ATENA_MODULE_UNIT_H

#include "core/error.h"
#include "crypto/crypto.h"
#include "policy/door.h"
#include "store/store.h"

struct door_owner;

typedef struct unit {
	store *s;
	const keyring *kr;
	const door_ctx *ctx;              /* staff, terminal, business, reason, case */
	door_mode mode;                   /* from the route or command entry */
	const struct door_owner *owner;   /* the module's handle (module.h); NULL: none */
	const char *operation;            /* "GET /api/v1/registry/persons/…", "cli tax person" */
	const char *subject;              /* whom it is about; "" or NULL when nobody */
	const char *session;              /* a session token whose idle clock the unit
					   * refreshes in its own transaction (one durable
					   * commit per request); NULL: none */
} unit;

/* The module's part, inside the open door: 0 done (the unit commits), -1
 * refused or failed with err set (the unit aborts). */
typedef int (*unit_fn)(door *d, void *arg, at_error *err);

#define UNIT_OPEN_REFUSED (-2)   /* door_open refused (already audited by the door) */

/* Open, fn, commit; or abort and unit_refused. 0 done; -1 refused or failed
 * (err set, nothing the door did stays); UNIT_OPEN_REFUSED when the door
 * would not open. */
int unit_run(const unit *u, unit_fn fn, void *arg, at_error *err);

/* The one rule: write the refusal e to the log after the caller's unit of
 * work was rolled back (or when there was none: a business mismatch, a
 * refused batch). A failure to log is reported on stderr; the caller still
 * answers with the original refusal. */
void unit_refused(const unit *u, const at_error *e);

#endif
