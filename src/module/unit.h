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
 *    not a refusal), and a refusal already written — by the door (its open,
 *    a file the business may not use, a write by a module that does not own
 *    the file: the error is marked at_error.audited) or by the module through
 *    door_note_refusal (a support measure) — so each refusal is one event;
 *  - every refusal event, the door's and this one's, is written by the one
 *    writer door_log_refusal (door.h), under the unit's operation and subject.
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

#define UNIT_OPEN_REFUSED (-2)   /* door_open refused (audited by the door, naming the
				  * unit's operation and subject) */

/* Open, fn, commit; or abort and unit_refused. 0 done; -1 refused or failed
 * (err set, nothing the door did stays); UNIT_OPEN_REFUSED when the door
 * would not open. */
int unit_run(const unit *u, unit_fn fn, void *arg, at_error *err);

/* The grant of an entry that opens no door of its own (mode 0) but names a
 * business: the staff member must hold a current grant (view at least) for
 * it, door or not, or the entry is refused (403 no_grant, audited by
 * unit_refused naming u's subject) before the module's code runs. A route
 * that needs no grant says so in its entry (R_NO_GRANT); the transports'
 * dispatchers call this. */
int unit_need_grant(const unit *u, at_error *err);

/* The one rule: write the refusal e to the log after the caller's unit of
 * work was rolled back (or when there was none: a business mismatch, a
 * missing grant, a refused batch) unless e is marked audited. A failure to
 * log is reported on stderr; the caller still answers with the original
 * refusal. */
void unit_refused(const unit *u, const at_error *e);

#endif
