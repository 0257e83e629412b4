/*
 * route — what a module's route handlers (src/<module>/<module>_routes.c) see
 * of the HTTP server: the request, the helpers that read it and answer it,
 * and srv_unit, which runs the handler's unit of work under the door.
 *
 * By the time a handler runs, the dispatcher (server.c) has matched the
 * route, bounded and parsed the body (r->json when the route takes one),
 * resolved the session (r->who), read the purpose headers into r->ctx,
 * refused (and audited) a business other than the route entry's and, for a
 * route with no door (mode 0, no R_NO_GRANT), a staff member with no current
 * grant for it, validated
 * the path parameters (r->file, r->id, r->param) and refused unknown query
 * parameters. A handler parses its own input, calls srv_unit once with the
 * person the request is about, and answers with srv_reply or
 * srv_reply_bytes. It returns 0 with the answer set, or -1 with err filled;
 * the dispatcher turns either into the response.
 */
#ifndef ATENA_SERVER_ROUTE_H
#define ATENA_SERVER_ROUTE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/error.h"
#include "core/strbuf.h"
#include "crypto/crypto.h"
#include "module/module.h"
#include "module/unit.h"
#include "policy/door.h"
#include "policy/staff.h"
#include "store/store.h"

#define SRV_PREFIX "/api/v1"
#define SRV_MAX_ID ((int64_t)1 << 53)   /* ids stay exact in every JSON client */
#define SRV_BUSINESS_MAX 64             /* X-Atena-Business, characters */
#define SRV_REASON_MAX 200              /* X-Atena-Reason, characters */
#define SRV_CASE_MAX 64                 /* X-Atena-Case, characters */
#define SRV_TOKEN_MAX 256               /* bearer token, bytes */

typedef struct server server;
struct MHD_Connection;

struct req {
	server *srv;
	struct MHD_Connection *conn;
	const route *rt;          /* NULL: static file or early refusal */
	const module *mod;        /* the module whose route matched; NULL: the platform's */
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
	bool touched;             /* its idle clock was refreshed inside the request's unit of work */
	staff_info who;
	door_ctx ctx;             /* ctx.operation: op, so that any door opened with it (a
				   * batch's own) names the request in its refusals */
	char op[240];
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

/* ---- Reading the request (server_http.c) --------------------------------- */
/* A query parameter, or NULL when absent. The dispatcher has already
 * refused unknown, repeated and unclean ones (route.params). */
const char *srv_query(req *r, const char *name);
/* A request header, or NULL when absent. */
const char *srv_header(req *r, const char *name);
/* Decimal integer in [min, max] (no sign, no leading zeros), naming field. */
int srv_parse_int(const char *s, int64_t min, int64_t max, const char *field, int64_t *out,
		  at_error *err);
/* [a-z0-9_]{1,64}: declared file, item and business ids. */
bool srv_is_ident(const char *s);

/* ---- Answering (server_http.c) ------------------------------------------- */
/* Set the response: status and an owned JSON body (NULL body → 500 when
 * the status wants one, since NULL means jansson ran out of memory). */
int srv_reply(req *r, int status, json_t *body, at_error *err);
/* Set a non-JSON response (e.g. application/pdf): takes body's contents;
 * disposition is the Content-Disposition header or NULL. */
int srv_reply_bytes(req *r, int status, const char *content_type, const char *disposition,
		    strbuf *body, at_error *err);

/* ---- Accountability (server_auth.c) -------------------------------------- */
/* The request's unit of work (module/unit.h): the door opened with r's
 * context in the route entry's mode and the module's owner handle, fn,
 * commit; a refusal aborts and is audited naming subject ("" nobody). 0 done
 * (fn's output is the caller's to answer with), -1 with err set. */
int srv_unit(req *r, const char *subject, unit_fn fn, void *arg, at_error *err);
/* A refusal outside any door (before it, or by a batch that opens its own):
 * audited by the same rule as srv_unit's. Returns -1. */
int srv_refused(req *r, const char *subject, at_error *err);
/* Append an audit event for this request (staff, terminal and whatever
 * purpose headers were clean) in its own transaction: uses of the business
 * that have no door (a computation, the grant ledger). Refusals never come
 * here: they go through srv_refused (the one writer, door_log_refusal). A
 * failure to log is also reported on stderr. */
int srv_audit_now(req *r, const char *outcome, const char *detail, at_error *err);
/* "METHOD /api/v1/path" for the audit log; the route pattern when the path
 * itself is not clean text. */
void srv_operation(req *r, char *out, size_t n);

#endif
