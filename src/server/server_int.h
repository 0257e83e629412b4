/*
 * server_int — what the server's own files share beyond route.h: the
 * platform's handlers, the session and purpose steps, the static UI and the
 * low-level response functions.
 *
 * One request passes, in order: route match (404/405), content type and
 * declared length (415/413), body accumulation (413 while it arrives), the
 * bearer session (401), the purpose headers X-Atena-Business/-Reason/-Case
 * (400, audited), the route's business and, for a route with no door, the
 * grant for it (403, audited), path parameters
 * (400), the JSON body (400), and then one handler, which runs at most one
 * unit of work (srv_unit) and answers. The files call each other in one
 * direction only: server.c (the daemon and the dispatcher) → server_auth.c
 * (session, purpose, accountability) → server_http.c (reading and answering,
 * which calls nobody); handlers → server_auth.c, server_http.c; server.c and
 * the login handler → server_conn.c (the connections' deadline and source
 * address, which calls nobody).
 */
#ifndef ATENA_SERVER_SERVER_INT_H
#define ATENA_SERVER_SERVER_INT_H

#include <microhttpd.h>
#include <stdbool.h>

#include "server/route.h"
#include "server/server.h"

/* ---- The platform's handlers (server_auth.c, server_records.c, server_admin.c) */
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

/* ---- Session and purpose (server_auth.c) ------------------------------- */
/* Resolve the bearer token into r->who (401 when absent, malformed or over). */
int srv_session(req *r, at_error *err);
/* Read and check the purpose headers into r->ctx; a refusal is audited. */
int srv_purpose(req *r, at_error *err);
/* The route entry's business, if it names one, must be r->ctx.business, and
 * a route without a door needs a current grant for it (unit_need_grant);
 * otherwise 403, audited naming the path's person. */
int srv_route_business(req *r, at_error *err);

/* The door's context field names as the header names (business →
 * X-Atena-Business, ...), after a refused door_open. */
void srv_header_fields(at_error *err);

/* ---- Connections (server_conn.c) ---------------------------------------- */
/* The request deadline: from accept (and from each answer on a kept-alive
 * connection) until the request has been read in full, not extended by
 * activity; a sweeper thread shuts down the socket of a connection past it.
 * Start before the daemon (conn_guard_notify is its MHD_OPTION_NOTIFY_CONNECTION
 * callback, the guard its closure), stop after MHD_stop_daemon. */
typedef struct conn_guard conn_guard;
int conn_guard_start(unsigned request_timeout_s, conn_guard **out, at_error *err);
void conn_guard_stop(conn_guard *g);
void conn_guard_notify(void *cls, struct MHD_Connection *c, void **socket_context,
		       enum MHD_ConnectionNotificationCode toe);
/* The request on c has been read in full: its clock stops while it is answered. */
void conn_request_read(struct MHD_Connection *c);
/* The request on c was answered: the next must arrive within a new deadline. */
void conn_request_done(struct MHD_Connection *c);
/* The connection's source address as the login back-off keys on it: the
 * peer's IPv4 address (also when mapped into IPv6), or its IPv6 /64
 * ("2001:db8:1:2::/64"); "unknown" when MHD has none. */
void conn_source(struct MHD_Connection *c, char *out, size_t n);

/* ---- Static web UI (server_static.c) ----------------------------------- */
/* Queue the static file for r->path below root (GET/HEAD; root NULL: none
 * served), or a JSON error. */
enum MHD_Result srv_static(req *r, const char *root);

/* ---- Responses (server_http.c) ----------------------------------------- */
enum MHD_Result srv_send_error(req *r, const at_error *err);
/* The handler's answer (r->status/out/raw). */
enum MHD_Result srv_send_reply(req *r);
/* Common headers every response carries. */
void srv_common_headers(struct MHD_Response *resp, bool json);

#endif
