/*
 * server_records.c — the declared-record routes and four-eyes decisions.
 * Each handler is one unit of work through the one dispatcher (srv_unit on
 * module/unit.h, with no owner handle: the generic routes write only files no
 * module owns), so a refused request leaves nothing behind but its one audit
 * event, written by the same rule as a module route's. Data goes into the
 * response only after the commit that holds its audit event succeeded.
 */
#include "server/server_int.h"

#include <stdio.h>
#include <string.h>

#include "core/json.h"

/* The body's subject as the unit's subject before the body is checked: a
 * string of at most 64 characters, else "" (the check refuses it later). */
static const char *body_subject(const req *r)
{
	json_t *v = json_object_get(r->json, "subject");
	return json_is_string(v) && json_string_length(v) <= 64 ? json_string_value(v) : "";
}

/* "items": a JSON object, required. */
static int items_arg(req *r, json_t **items, at_error *err)
{
	json_t *v = json_object_get(r->json, "items");
	if (!v || json_is_null(v))
		return at_fail(err, 400, AT_E_MISSING, "items", "items is required");
	if (!json_is_object(v))
		return at_fail(err, 400, AT_E_INVALID, "items",
			       "items must be an object of item id to value");
	*items = v;
	return 0;
}

/* One generic request's unit of work: its input, and what it answers with
 * once the unit committed (out, owned; freed if the commit fails). */
typedef struct rec_call {
	req *r;
	const char *subject, *reason, *item, *value, *note;
	json_t *items;
	door_match match;
	int limit;
	bool approve;
	const module *owner_mod;   /* /pending/{id}: the module owning the change's file */
	int status;
	json_t *out;
} rec_call;

/* Run fn as the request's unit (srv_unit: the one dispatcher, NULL owner for
 * the generic routes), then answer with what it produced. */
static int run_reply(rec_call *c, const char *subject, unit_fn fn, at_error *err)
{
	c->status = 200;
	if (srv_unit(c->r, subject, fn, c, err)) {
		json_decref(c->out);
		return -1;
	}
	return srv_reply(c->r, c->status, c->out, err);
}

/* A write of a file a module owns (or keeps in its own tables) is refused by
 * the door, audited, before its body is looked at (issue 8 §1): the body is
 * checked inside the unit, after door_check_write. */
static int f_create(door *d, void *arg, at_error *err)
{
	static const char *const keys[] = {"subject", "items", NULL};
	rec_call *c = arg;
	req *r = c->r;
	int64_t id;
	if (door_check_write(d, r->file, 0, "create", body_subject(r), err) ||
	    jv_no_unknown(r->json, "", keys, err) ||
	    jv_string(r->json, "", "subject", true, 64, &c->subject, err) ||
	    items_arg(r, &c->items, err))
		return -1;
	if (door_create(d, c->r->file, c->subject, c->items, &id, err))
		return -1;
	snprintf(c->r->location, sizeof c->r->location, SRV_PREFIX "/files/%s/records/%lld",
		 c->r->file, (long long)id);
	c->status = 201;
	c->out = json_pack("{s:I}", "record_id", (json_int_t)id);
	return 0;
}

int h_record_create(req *r, at_error *err)
{
	rec_call c = {.r = r};
	return run_reply(&c, body_subject(r), f_create, err);
}

static int f_read(door *d, void *arg, at_error *err)
{
	rec_call *c = arg;
	return door_read(d, c->r->file, c->r->id, &c->out, err);
}

int h_record_read(req *r, at_error *err)
{
	rec_call c = {.r = r};
	return run_reply(&c, "", f_read, err);
}

static int f_history(door *d, void *arg, at_error *err)
{
	rec_call *c = arg;
	/* The record with its "versions" (door.h door_history). */
	return door_history(d, c->r->file, c->r->id, &c->out, err);
}

int h_record_history(req *r, at_error *err)
{
	rec_call c = {.r = r};
	return run_reply(&c, "", f_history, err);
}

/* door_update/door_remove returned rc: 0 applied (answer with the record as
 * it now is, read in the same unit of work), 1 held for a second person. */
static int changed(rec_call *c, door *d, int rc, int64_t pending_id, at_error *err)
{
	if (rc < 0)
		return -1;
	if (rc == 1) {
		c->status = 202;
		c->out = json_pack("{s:I}", "pending_id", (json_int_t)pending_id);
		return 0;
	}
	return door_read(d, c->r->file, c->r->id, &c->out, err);
}

static int f_update(door *d, void *arg, at_error *err)
{
	static const char *const keys[] = {"items", NULL};
	rec_call *c = arg;
	if (door_check_write(d, c->r->file, c->r->id, "correct", "", err) ||
	    jv_no_unknown(c->r->json, "", keys, err) || items_arg(c->r, &c->items, err))
		return -1;
	int64_t pending_id = 0;
	int rc = door_update(d, c->r->file, c->r->id, c->items, &pending_id, err);
	return changed(c, d, rc, pending_id, err);
}

int h_record_update(req *r, at_error *err)
{
	rec_call c = {.r = r};
	return run_reply(&c, "", f_update, err);
}

static int f_remove(door *d, void *arg, at_error *err)
{
	static const char *const keys[] = {"reason", NULL};
	rec_call *c = arg;
	if (door_check_write(d, c->r->file, c->r->id, "remove", "", err) ||
	    jv_no_unknown(c->r->json, "", keys, err) ||
	    jv_string(c->r->json, "", "reason", true, SRV_REASON_MAX, &c->reason, err))
		return -1;
	int64_t pending_id = 0;
	int rc = door_remove(d, c->r->file, c->r->id, c->reason, &pending_id, err);
	return changed(c, d, rc, pending_id, err);
}

int h_record_remove(req *r, at_error *err)
{
	rec_call c = {.r = r};
	return run_reply(&c, "", f_remove, err);
}

static int f_search(door *d, void *arg, at_error *err)
{
	rec_call *c = arg;
	door_criterion k = {.item = c->item, .value = c->value, .match = c->match};
	json_t *found;
	bool truncated = false;
	/* As door_find (removed records included), saying when more matched. */
	if (door_search(d, c->r->file, &k, 1, true, c->limit, &found, &truncated, err))
		return -1;
	c->out = json_pack("{s:o,s:b}", "records", found, "truncated", truncated);
	return 0;
}

int h_search(req *r, at_error *err)
{
	const char *item = srv_query(r, "item"), *value = srv_query(r, "value");
	const char *match = srv_query(r, "match"), *limit_s = srv_query(r, "limit");
	rec_call c = {.r = r, .item = item, .value = value, .match = DOOR_EXACT};
	if (!item) {
		at_fail(err, 400, AT_E_MISSING, "item",
			"query parameter item is required: the indexed item to search by");
		return -1;
	}
	if (!srv_is_ident(item)) {
		at_fail(err, 400, AT_E_INVALID, "item",
			"query parameter item must be an item id (a-z, 0-9 and _)");
		return -1;
	}
	if (!value) {
		at_fail(err, 400, AT_E_MISSING, "value", "query parameter value is required");
		return -1;
	}
	if (match && !strcmp(match, "prefix"))
		c.match = DOOR_PREFIX;
	else if (match && strcmp(match, "exact")) {
		at_fail(err, 400, AT_E_INVALID, "match",
			"query parameter match must be exact or prefix");
		return -1;
	}
	int64_t limit = 50;
	if (limit_s && srv_parse_int(limit_s, 1, DOOR_FIND_MAX, "limit", &limit, err))
		return -1;
	c.limit = (int)limit;
	return run_reply(&c, "", f_search, err);
}

/* ---- Four-eyes -------------------------------------------------------------- */

static int f_pending_list(door *d, void *arg, at_error *err)
{
	rec_call *c = arg;
	json_t *list;
	if (door_pending_list(d, &list, err))
		return -1;
	c->out = json_pack("{s:o}", "pending", list);
	return 0;
}

int h_pending_list(req *r, at_error *err)
{
	/* Listing shows proposed changes, so it takes an update grant (the
	 * route's mode, DOOR_WRITE). */
	rec_call c = {.r = r};
	return run_reply(&c, "", f_pending_list, err);
}

static int f_decide(door *d, void *arg, at_error *err)
{
	rec_call *c = arg;
	const module *m = c->owner_mod;
	int rc = m && m->pending_decide
			 ? m->pending_decide(d, c->r->id, c->approve, c->note, err)
			 : door_pending_decide(d, c->r->id, c->approve, c->note, err);
	if (rc)
		return -1;
	c->out = json_pack("{s:I,s:s}", "pending_id", (json_int_t)c->r->id, "decision",
			   c->approve ? "approved" : "rejected");
	return 0;
}

static int decide(req *r, bool approve, at_error *err)
{
	static const char *const keys[] = {"note", NULL};
	rec_call c = {.r = r, .approve = approve, .note = ""};
	if (jv_no_unknown(r->json, "", keys, err) ||
	    jv_string(r->json, "", "note", false, SRV_REASON_MAX, &c.note, err))
		return -1;
	/* The change is decided by the module that owns its file (module.h
	 * pending_decide: a module's acts may owe more than the new version),
	 * in a door opened with that module's handle; a file no module owns
	 * (or no such open change: the door refuses it, audited) by the door
	 * alone. */
	char owner[65];
	if (door_pending_module(r->s, r->id, owner, sizeof owner, err))
		return -1;
	if (*owner) {
		c.owner_mod = module_find(owner);
		if (!c.owner_mod)
			return at_fail(err, 500, AT_E_INTERNAL, "pending_id",
				       "pending change %lld belongs to module %s, which is not loaded",
				       (long long)r->id, owner);
		r->mod = c.owner_mod;   /* the unit acts as that module (its owner handle) */
	}
	/* Its refusals, the door's open included, name the change's person. */
	char subject[65];
	if (door_pending_subject(r->s, r->id, subject, sizeof subject, err))
		return -1;
	return run_reply(&c, subject, f_decide, err);
}
int h_pending_approve(req *r, at_error *err)
{
	return decide(r, true, err);
}

int h_pending_reject(req *r, at_error *err)
{
	return decide(r, false, err);
}
