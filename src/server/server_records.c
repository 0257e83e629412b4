/*
 * server_records.c — the declared-record routes and four-eyes decisions.
 * Each handler is one door unit of work: open, operate, commit; any failure
 * after the open aborts it, so a refused request leaves nothing behind but
 * its audit event. Data goes into the response only after the commit that
 * holds its audit event succeeded.
 */
#include "server/server_int.h"

#include <stdio.h>
#include <string.h>

#include "core/json.h"
#include "registry/registry.h"

int srv_open_door(req *r, door_mode mode, door **d, at_error *err)
{
	return srv_open_door_owner(r, NULL, mode, d, err);
}

int srv_open_door_owner(req *r, const door_owner *owner, door_mode mode, door **d, at_error *err)
{
	if (door_open_owner(r->s, r->kr, &r->ctx, mode, owner, d, err)) {
		srv_header_fields(err);
		return -1;
	}
	/* The session's idle clock, in this unit of work (one commit). */
	if (r->token && !r->touched) {
		if (staff_session_touch(r->s, r->token, err)) {
			door_abort(*d);
			return -1;
		}
		r->touched = true;
	}
	return 0;
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

/* Commit and answer with out (owned); nothing is answered if the commit fails. */
static int commit_reply(req *r, door *d, int status, json_t *out, at_error *err)
{
	if (door_commit(d, err)) {
		json_decref(out);
		return -1;
	}
	return srv_reply(r, status, out, err);
}

int h_record_create(req *r, at_error *err)
{
	static const char *const keys[] = {"subject", "items", NULL};
	const char *subject;
	json_t *items = NULL;
	if (jv_no_unknown(r->json, "", keys, err) ||
	    jv_string(r->json, "", "subject", true, 64, &subject, err) || items_arg(r, &items, err))
		return -1;
	door *d;
	if (srv_open_door(r, DOOR_WRITE, &d, err))
		return -1;
	int64_t id;
	if (door_create(d, r->file, subject, items, &id, err)) {
		door_abort(d);
		return -1;
	}
	snprintf(r->location, sizeof r->location, SRV_PREFIX "/files/%s/records/%lld", r->file,
		 (long long)id);
	return commit_reply(r, d, 201, json_pack("{s:I}", "record_id", (json_int_t)id), err);
}

int h_record_read(req *r, at_error *err)
{
	door *d;
	json_t *rec;
	if (srv_open_door(r, DOOR_READ, &d, err))
		return -1;
	if (door_read(d, r->file, r->id, &rec, err)) {
		door_abort(d);
		return -1;
	}
	return commit_reply(r, d, 200, rec, err);
}

int h_record_history(req *r, at_error *err)
{
	door *d;
	json_t *versions;
	if (srv_open_door(r, DOOR_READ, &d, err))
		return -1;
	if (door_history(d, r->file, r->id, &versions, err)) {
		door_abort(d);
		return -1;
	}
	/* door.h describes a list of versions; door_records.c gives the record with a
	 * "versions" member. Answer the object shape either way. */
	if (json_is_array(versions))
		versions = json_pack("{s:o}", "versions", versions);
	return commit_reply(r, d, 200, versions, err);
}

/* door_update/door_remove returned rc: 0 applied (answer with the record as
 * it now is, read in the same unit of work), 1 held for a second person. */
static int changed_reply(req *r, door *d, int rc, int64_t pending_id, at_error *err)
{
	if (rc < 0) {
		door_abort(d);
		return -1;
	}
	if (rc == 1)
		return commit_reply(r, d, 202,
				    json_pack("{s:I}", "pending_id", (json_int_t)pending_id), err);
	json_t *rec;
	if (door_read(d, r->file, r->id, &rec, err)) {
		door_abort(d);
		return -1;
	}
	return commit_reply(r, d, 200, rec, err);
}

int h_record_update(req *r, at_error *err)
{
	static const char *const keys[] = {"items", NULL};
	json_t *items = NULL;
	if (jv_no_unknown(r->json, "", keys, err) || items_arg(r, &items, err))
		return -1;
	door *d;
	if (srv_open_door(r, DOOR_WRITE, &d, err))
		return -1;
	int64_t pending_id = 0;
	int rc = door_update(d, r->file, r->id, items, &pending_id, err);
	return changed_reply(r, d, rc, pending_id, err);
}

int h_record_remove(req *r, at_error *err)
{
	static const char *const keys[] = {"reason", NULL};
	const char *reason;
	if (jv_no_unknown(r->json, "", keys, err) ||
	    jv_string(r->json, "", "reason", true, SRV_REASON_MAX, &reason, err))
		return -1;
	door *d;
	if (srv_open_door(r, DOOR_WRITE, &d, err))
		return -1;
	int64_t pending_id = 0;
	int rc = door_remove(d, r->file, r->id, reason, &pending_id, err);
	return changed_reply(r, d, rc, pending_id, err);
}

int h_search(req *r, at_error *err)
{
	const char *item = srv_query(r, "item"), *value = srv_query(r, "value");
	const char *match = srv_query(r, "match"), *limit_s = srv_query(r, "limit");
	if (!item)
		return at_fail(err, 400, AT_E_MISSING, "item",
			       "query parameter item is required: the indexed item to search by");
	if (!srv_is_ident(item))
		return at_fail(err, 400, AT_E_INVALID, "item",
			       "query parameter item must be an item id (a-z, 0-9 and _)");
	if (!value)
		return at_fail(err, 400, AT_E_MISSING, "value", "query parameter value is required");
	door_match m = DOOR_EXACT;
	if (match && !strcmp(match, "prefix"))
		m = DOOR_PREFIX;
	else if (match && strcmp(match, "exact"))
		return at_fail(err, 400, AT_E_INVALID, "match",
			       "query parameter match must be exact or prefix");
	int64_t limit = 50;
	if (limit_s && srv_parse_int(limit_s, 1, DOOR_FIND_MAX, "limit", &limit, err))
		return -1;
	door *d;
	json_t *found;
	if (srv_open_door(r, DOOR_READ, &d, err))
		return -1;
	if (door_find(d, r->file, item, value, m, (int)limit, &found, err)) {
		door_abort(d);
		return -1;
	}
	return commit_reply(r, d, 200, json_pack("{s:o}", "records", found), err);
}

/* ---- Four-eyes -------------------------------------------------------------- */

int h_pending_list(req *r, at_error *err)
{
	door *d;
	json_t *list;
	/* Listing shows proposed changes, so it takes an update grant. */
	if (srv_open_door(r, DOOR_WRITE, &d, err))
		return -1;
	if (door_pending_list(d, &list, err)) {
		door_abort(d);
		return -1;
	}
	return commit_reply(r, d, 200, json_pack("{s:o}", "pending", list), err);
}

static int decide(req *r, bool approve, at_error *err)
{
	static const char *const keys[] = {"note", NULL};
	const char *note = "";
	if (jv_no_unknown(r->json, "", keys, err) ||
	    jv_string(r->json, "", "note", false, SRV_REASON_MAX, &note, err))
		return -1;
	door *d;
	/* The register's own acts owe outbox rows on approval, so its pending
	 * changes are decided through it (registry.h), in a door it owns; others
	 * by the door alone, which refuses a file some module owns. */
	bool reg = !strcmp(r->ctx.business, REGISTRY_BUSINESS);
	if (srv_open_door_owner(r, reg ? &registry_owner : NULL, DOOR_WRITE, &d, err))
		return -1;
	int rc = reg ? registry_pending_decide(d, r->id, approve, note, err)
		     : door_pending_decide(d, r->id, approve, note, err);
	if (rc) {
		door_abort(d);
		return -1;
	}
	return commit_reply(r, d, 200,
			    json_pack("{s:I,s:s}", "pending_id", (json_int_t)r->id, "decision",
				      approve ? "approved" : "rejected"),
			    err);
}

int h_pending_approve(req *r, at_error *err)
{
	return decide(r, true, err);
}

int h_pending_reject(req *r, at_error *err)
{
	return decide(r, false, err);
}
