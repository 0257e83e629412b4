/*
 * server_int — what the server's files share: the per-request state, the
 * route table's handler type and the helpers handlers use to read the
 * request (query parameters, path parameters, body fields) and to answer.
 *
 * One request passes, in order: route match (404/405), content type and
 * declared length (415/413), body accumulation (413 while it arrives), the
 * bearer session (401), the purpose headers X-Atena-Business/-Reason/-Case
 * (400, audited), path parameters (400), the JSON body (400), and then one
 * handler, which opens at most one door and commits or aborts it. A handler
 * returns 0 with r->status/r->out set, or -1 with err filled; the dispatcher
 * turns either into the response.
 */
#ifndef ATENA_SERVER_SERVER_INT_H
#define ATENA_SERVER_SERVER_INT_H

#include <jansson.h>
#include <microhttpd.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/error.h"
#include "core/strbuf.h"
#include "crypto/crypto.h"
#include "policy/door.h"
#include "policy/staff.h"
#include "server/server.h"
#include "store/store.h"

#define SRV_PREFIX "/api/v1"
#define SRV_MAX_ID ((int64_t)1 << 53)   /* ids stay exact in every JSON client */
#define SRV_BUSINESS_MAX 64             /* X-Atena-Business, characters */
#define SRV_REASON_MAX 200              /* X-Atena-Reason, characters */
#define SRV_CASE_MAX 64                 /* X-Atena-Case, characters */
#define SRV_TOKEN_MAX 256               /* bearer token, bytes */

/* Route flags. */
#define R_PUBLIC 1u    /* no session needed */
#define R_PURPOSE 2u   /* needs X-Atena-Business and X-Atena-Reason */
#define R_BODY 4u      /* takes a JSON object body */

typedef struct req req;
typedef int (*route_fn)(req *r, at_error *err);

typedef struct route {
	const char *method;
	const char *pattern;   /* below SRV_PREFIX; "{file}", "{id}" and one other "{name}"
				* ("{type}", "{addressee_no}", "{household_no}") are path parameters */
	unsigned flags;
	route_fn fn;
	const char *const *params;   /* query parameters it accepts (NULL: none) */
} route;

struct req {
	server *srv;
	struct MHD_Connection *conn;
	const route *rt;          /* NULL: static file or early refusal */
	char method[16];
	strbuf path;              /* decoded path, without the query */
	strbuf body;              /* accumulated request body */
	bool too_large;           /* body passed JV_MAX_BODY; the rest is discarded */
	bool answered;            /* a response was queued at the first call */

	/* Raw path parameters (validated after the session and purpose). */
	char raw_file[128], raw_id[32], raw_param[72];
	const char *file;         /* validated {file} (points into raw_file) */
	int64_t id;               /* validated {id} */
	const char *param;        /* validated other parameter (points into raw_param) */

	store *s;                 /* this thread's connection */
	const keyring *kr;
	json_t *json;             /* parsed body, when the route takes one */

	/* Session and purpose. */
	const char *token;        /* bearer token (MHD-owned header memory) */
	staff_info who;
	door_ctx ctx;
	strbuf business, reason, case_id;   /* decoded purpose headers */

	/* Response. */
	int status;
	json_t *out;              /* body (owned), NULL for none */
	char *raw;                /* or a non-JSON body (owned, e.g. a PDF), NULL for none */
	size_t raw_len;
	char raw_type[48];        /* its Content-Type */
	char disposition[128];    /* Content-Disposition header, "" for none */
	char location[160];       /* Location header for 201, "" for none */
	char allow[64];           /* Allow header for 405, "" for none */
};

/* ---- Handlers (server_auth.c, server_records.c, server_admin.c) ---------- */
int h_healthz(req *r, at_error *err);
int h_login(req *r, at_error *err);
int h_logout(req *r, at_error *err);
int h_me(req *r, at_error *err);
int h_me_password(req *r, at_error *err);
int h_declarations(req *r, at_error *err);
int h_record_create(req *r, at_error *err);
int h_record_read(req *r, at_error *err);
int h_record_history(req *r, at_error *err);
int h_record_update(req *r, at_error *err);
int h_record_remove(req *r, at_error *err);
int h_search(req *r, at_error *err);
int h_pending_list(req *r, at_error *err);
int h_pending_approve(req *r, at_error *err);
int h_pending_reject(req *r, at_error *err);
int h_audit_events(req *r, at_error *err);
int h_grants(req *r, at_error *err);
/* server_registry.c: the resident register (/registry/...). */
int h_reg_event(req *r, at_error *err);
int h_reg_person(req *r, at_error *err);
int h_reg_history(req *r, at_error *err);
int h_reg_household(req *r, at_error *err);
int h_reg_search(req *r, at_error *err);
int h_reg_support_measure(req *r, at_error *err);
int h_reg_certificate(req *r, at_error *err);
int h_reg_outbox(req *r, at_error *err);
/* server_tax.c: the individual resident tax (/tax/...). */
int h_tax_law(req *r, at_error *err);
int h_tax_compute(req *r, at_error *err);
int h_tax_schedule(req *r, at_error *err);
int h_tax_roll(req *r, at_error *err);
int h_tax_intake(req *r, at_error *err);
int h_tax_holds(req *r, at_error *err);
int h_tax_hold_decide(req *r, at_error *err);
int h_tax_forwarding(req *r, at_error *err);
int h_tax_double(req *r, at_error *err);
int h_tax_assess(req *r, at_error *err);
int h_tax_reassess(req *r, at_error *err);
int h_tax_person(req *r, at_error *err);
int h_tax_document(req *r, at_error *err);
int h_tax_employer_notice(req *r, at_error *err);

/* ---- Session and purpose (server_auth.c) ------------------------------- */
/* Resolve the bearer token into r->who (401 when absent, malformed or over). */
int srv_session(req *r, at_error *err);
/* Read and check the purpose headers into r->ctx; a refusal is audited. */
int srv_purpose(req *r, at_error *err);
/* Append an audit event for this request (staff, terminal and whatever
 * purpose headers were clean) in its own transaction: refusals that happen
 * before or outside a door, and admin reads that have no door. A failure to
 * log is also reported on stderr. */
int srv_audit_now(req *r, const char *outcome, const char *detail, at_error *err);
/* Write a refusal naming the person (subject, "" when none) to the log in a
 * transaction of its own, after the door's unit of work was rolled back:
 * a refused look at a resident is as accountable as a granted one. Code and
 * field only in the detail. A failure to log is reported on stderr. */
void srv_audit_refusal(req *r, const char *subject, const char *outcome, const at_error *e);
/* "METHOD /api/v1/path" for the audit log; the route pattern when the path
 * itself is not clean text. */
void srv_operation(req *r, char *out, size_t n);

/* door_open with r's context; error fields renamed to the header names. */
int srv_open_door(req *r, door_mode mode, door **d, at_error *err);
/* srv_open_door for a module: a door only owner's files may be written through. */
int srv_open_door_owner(req *r, const door_owner *owner, door_mode mode, door **d, at_error *err);

/* ---- Request helpers (server.c) ----------------------------------------- */
/* A query parameter, or NULL when absent. The dispatcher has already
 * refused unknown, repeated and unclean ones (route.params). */
const char *srv_query(req *r, const char *name);
/* Decimal integer in [min, max] (no sign, no leading zeros), naming field. */
int srv_parse_int(const char *s, int64_t min, int64_t max, const char *field, int64_t *out,
		  at_error *err);
/* [a-z0-9_]{1,64}: declared file, item and business ids. */
bool srv_is_ident(const char *s);
/* The thread's store connection (opened on first use). */
store *srv_thread_store(server *srv, at_error *err);
const keyring *srv_keyring(const server *srv);
const char *srv_static_dir(const server *srv);

/* Set the response: status and an owned JSON body (NULL body → 500 when
 * the status wants one, since NULL means jansson ran out of memory). */
int srv_reply(req *r, int status, json_t *body, at_error *err);
/* Set a non-JSON response (e.g. application/pdf): takes body's contents;
 * disposition is the Content-Disposition header or NULL. */
int srv_reply_bytes(req *r, int status, const char *content_type, const char *disposition,
		    strbuf *body, at_error *err);

/* ---- Static web UI (server_static.c) ----------------------------------- */
/* Queue the static file for r->path (GET/HEAD), or a JSON error. */
enum MHD_Result srv_static(req *r);

/* ---- Responses (server.c) ---------------------------------------------- */
enum MHD_Result srv_send_error(req *r, const at_error *err);
/* Common headers every response carries. */
void srv_common_headers(struct MHD_Response *resp, bool json);

#endif
